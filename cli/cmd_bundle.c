/* nook image mount/unmount and nook bundle: parsing and output; the
 * overlay roots and configs are made by runtime/bundle.c. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

#define OPT_STORAGE_ROOT 1000

static void store_freep(struct img_store **s)
{
	img_store_free(*s);
}
#define _cleanup_store_ _cleanup_(store_freep)

static int parse_store_only(int argc, char **argv, struct cli_globals *g, const char *usage)
{
	static const struct option opts[] = {
		{"storage-root", required_argument, NULL, OPT_STORAGE_ROOT}, {0}};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != OPT_STORAGE_ROOT)
			return cli_fail(g, "usage: %s", usage);
		g->storage_root = optarg;
	}
	return 0;
}

int cli_image_mount(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *merged = NULL;
	struct error err = {0};

	if (parse_store_only(argc, argv, g, "nook image mount IMAGE") || argc - optind != 1)
		return cli_fail(g, "usage: nook image mount IMAGE");
	if (!(s = cli_store_open(g, &err)) || rt_image_mount(s, argv[optind], &merged, &err) < 0)
		return cli_error(g, &err);
	printf("%s\n", merged);
	return 0;
}

int cli_image_unmount(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};

	if (parse_store_only(argc, argv, g, "nook image unmount IMAGE") || argc - optind != 1)
		return cli_fail(g, "usage: nook image unmount IMAGE");
	if (!(s = cli_store_open(g, &err)) || rt_image_unmount(s, argv[optind], &err) < 0)
		return cli_error(g, &err);
	return 0;
}

int cli_cmd_bundle(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {
		{"remove", no_argument, NULL, 'r'},
		{"storage-root", required_argument, NULL, OPT_STORAGE_ROOT}, {0}};
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};
	bool remove = false;
	int c;

	optind = 1;
	if (cli_wants_help(argc, argv)) {
		printf("usage: nook bundle [--storage-root DIR] IMAGE DIR | --remove DIR\n");
		return 0;
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			remove = true;
		else if (c == OPT_STORAGE_ROOT)
			g->storage_root = optarg;
		else
			return cli_fail(g, "usage: nook bundle IMAGE DIR | --remove DIR");
	}
	if (argc - optind != (remove ? 1 : 2))
		return cli_fail(g, "usage: nook bundle IMAGE DIR | --remove DIR");
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	if (remove ? rt_bundle_remove(s, argv[optind], &err) < 0
		   : rt_bundle_create(s, argv[optind], argv[optind + 1], &err) < 0)
		return cli_error(g, &err);
	return 0;
}
