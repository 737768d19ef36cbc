/* nook volume create|ls|inspect|rm|prune: the engine's named volumes
 * (the work is in runtime/volume.c). */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

int cli_cmd_volume_create(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *name = NULL;
	struct error err = {0};
	int rc = cli_only_args(g, argc, argv, 0, 1);

	if (rc)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    rt_volume_create(s, optind < argc ? argv[optind] : NULL, optind >= argc, &name, &err) <
		0)
		return cli_error(g, &err);
	printf("%s\n", name);
	return 0;
}

const struct cli_options cli_volume_ls_options = {
    ":q", (const struct option[]){{"quiet", no_argument, NULL, 'q'}, {0}}};

int cli_cmd_volume_ls(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **names = NULL;
	struct error err = {0};
	bool quiet = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_volume_ls_options.shortopts,
				cli_volume_ls_options.longopts, NULL)) != -1) {
		if (c != 'q')
			return cli_bad_option(g, c, argv);
		quiet = true;
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || rt_volume_list(s, &names, &err) < 0)
		return cli_error(g, &err);
	if (!quiet)
		printf("%-8s  %s\n", "DRIVER", "VOLUME NAME");
	for (char **n = names; n && *n; n++)
		quiet ? printf("%s\n", *n) : printf("%-8s  %s\n", "local", *n);
	return 0;
}

int cli_cmd_volume_inspect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct error err = {0};
	int rc = cli_only_args(g, argc, argv, 1, -1);
	bool first = true;

	if (rc)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	printf("[");
	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *j = rt_volume_inspect(s, argv[i], &err);

		if (!j) {
			rc = cli_error(g, &err);
			continue;
		}
		printf("%s\n%s", first ? "" : ",", j);
		first = false;
	}
	printf("%s]\n", first ? "" : "\n");
	return rc;
}

const struct cli_options cli_volume_rm_options = {
    ":f", (const struct option[]){{"force", no_argument, NULL, 'f'}, {0}}};

int cli_cmd_volume_rm(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct error err = {0};
	bool force = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_volume_rm_options.shortopts,
				cli_volume_rm_options.longopts, NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option(g, c, argv);
		force = true;
	}
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	for (int i = optind; i < argc; i++) {
		memset(&err, 0, sizeof(err));
		/* -f: a missing volume is no error (docker's). */
		if (rt_volume_remove(s, argv[i], &err) < 0) {
			if (!(force && err.code == ENOENT))
				rc = cli_error(g, &err);
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return rc;
}

const struct cli_options cli_volume_prune_options = {
    ":f", (const struct option[]){{"force", no_argument, NULL, 'f'}, {0}}};

int cli_cmd_volume_prune(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **removed = NULL;
	struct error err = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_volume_prune_options.shortopts,
				cli_volume_prune_options.longopts, NULL)) != -1)
		if (c != 'f')
			return cli_bad_option(g, c, argv);
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || rt_volume_prune(s, false, &removed, &err) < 0)
		return cli_error(g, &err);
	for (char **n = removed; n && *n; n++)
		printf("%s\n", *n);
	return 0;
}
