/* nook image mount/unmount and nook bundle: parsing and output; the
 * overlay roots and configs are made by runtime/bundle.c. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

static void store_freep(struct img_store **s)
{
	img_store_free(*s);
}
#define _cleanup_store_ _cleanup_(store_freep)

int cli_image_mount(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *merged = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || rt_image_mount(s, argv[optind], &merged, &err) < 0)
		return cli_error(g, &err);
	printf("%s\n", merged);
	return 0;
}

int cli_image_unmount(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || rt_image_unmount(s, argv[optind], &err) < 0)
		return cli_error(g, &err);
	return 0;
}

const struct cli_options cli_bundle_options = {
    ":", (const struct option[]){{"remove", no_argument, NULL, 'r'}, {0}}};

int cli_cmd_bundle(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};
	bool remove = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_bundle_options.shortopts,
				cli_bundle_options.longopts, NULL)) != -1) {
		if (c != 'r')
			return cli_bad_option(g, c, argv);
		remove = true;
	}
	if ((rc = cli_want_args(g, argc - optind, remove ? 1 : 2, remove ? 1 : 2)) != 0)
		return rc;
	if (!*argv[argc - 1])
		return cli_usage_error(g, "DIR: empty path");
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	if (remove ? rt_bundle_remove(s, argv[optind], &err) < 0
		   : rt_bundle_create(s, argv[optind], argv[optind + 1], &err) < 0)
		return cli_error(g, &err);
	return 0;
}
