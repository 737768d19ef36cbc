/* nook volume create|ls|inspect|rm|prune: the engine's named volumes
 * (the work is in runtime/volume.c). */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum { OPT_LABEL = 256, OPT_FILTER };

const struct cli_options cli_volume_create_options = {
    ":d:o:", (const struct option[]){{"label", required_argument, NULL, OPT_LABEL},
				     {"driver", required_argument, NULL, 'd'},
				     {"opt", required_argument, NULL, 'o'},
				     {0}}};

int cli_cmd_volume_create(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **labels = NULL, **opts = NULL;
	_cleanup_free_ char *name = NULL;
	struct error err = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_volume_create_options.shortopts,
				cli_volume_create_options.longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LABEL:
			if (!*optarg || *optarg == '=')
				return cli_usage_error(g, "--label '%s': want KEY=VALUE", optarg);
			strv_push(&labels, optarg);
			break;
		case 'd':
			/* docker's default driver, the only one there is. */
			if (strcmp(optarg, "local"))
				return cli_usage_error(
				    g, "volume driver '%s' is not supported: only 'local' is",
				    optarg);
			break;
		case 'o':
			strv_push(&opts, optarg);
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 1)) != 0)
		return rc;
	/* Named also without NAME (a generated one), as docker: only a
	 * container's -v /path or its image's Volumes make anonymous ones. */
	if (!(s = cli_store_open(g, &err)) ||
	    rt_volume_create(s, optind < argc ? argv[optind] : NULL, false, labels, opts, &name,
			     &err) < 0)
		return cli_error(g, &err);
	printf("%s\n", name);
	return 0;
}

const struct cli_options cli_volume_ls_options = {
    ":qf:", (const struct option[]){{"quiet", no_argument, NULL, 'q'},
				    {"filter", required_argument, NULL, 'f'},
				    {0}}};

static int bool_value(struct cli_globals *g, const char *arg, const char *v, int *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return cli_usage_error(g, "--filter '%s': want true or false", arg);
	return 0;
}

/* docker's volume ls filters: dangling=true|false, driver=NAME,
 * label=KEY[=VALUE], name=PART. */
static int ls_filter(struct cli_globals *g, struct rt_volume_filter *f, const char *arg)
{
	const char *v;

	if ((v = str_has_prefix(arg, "label=") ? arg + 6 : NULL)) {
		if (!*v || *v == '=')
			return cli_usage_error(g, "--filter '%s': want label=KEY[=VALUE]", arg);
		strv_push(&f->labels, v);
		return 0;
	}
	if (str_has_prefix(arg, "name=")) {
		strv_push(&f->names, arg + 5);
		return 0;
	}
	if (str_has_prefix(arg, "dangling="))
		return bool_value(g, arg, arg + 9, &f->dangling);
	if (str_has_prefix(arg, "driver=")) {
		/* Every volume is the local driver's. */
		f->no_driver |= strcmp(arg + 7, "local") != 0;
		return 0;
	}
	return cli_usage_error(g, "--filter '%s': unknown filter (dangling, driver, label, name)",
			       arg);
}

int cli_cmd_volume_ls(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **names = NULL;
	struct rt_volume_filter f = {.dangling = -1};
	struct error err = {0};
	bool quiet = false;
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, cli_volume_ls_options.shortopts,
					   cli_volume_ls_options.longopts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'f')
			rc = ls_filter(g, &f, optarg);
		else
			rc = cli_bad_option(g, c, argv);
	}
	if (rc == 0)
		rc = cli_want_args(g, argc - optind, 0, 0);
	if (rc == 0 && (!(s = cli_store_open(g, &err)) || rt_volume_list(s, &f, &names, &err) < 0))
		rc = cli_error(g, &err);
	strv_free(f.labels);
	strv_free(f.names);
	if (rc)
		return rc;
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
    ":af", (const struct option[]){{"all", no_argument, NULL, 'a'},
				   {"force", no_argument, NULL, 'f'},
				   {"filter", required_argument, NULL, OPT_FILTER},
				   {0}}};

/* docker's volume prune filters: label=KEY[=VALUE], label!=KEY[=VALUE],
 * all=true|false. */
static int prune_filter(struct cli_globals *g, struct rt_volume_filter *f, const char *arg)
{
	const char *v;

	if ((v = str_has_prefix(arg, "label!=") ? arg + 7 : NULL) ||
	    (v = str_has_prefix(arg, "label=") ? arg + 6 : NULL)) {
		if (!*v || *v == '=')
			return cli_usage_error(g, "--filter '%s': want label=KEY[=VALUE]", arg);
		strv_push(arg[5] == '!' ? &f->not_labels : &f->labels, v);
		return 0;
	}
	if (str_has_prefix(arg, "all=")) {
		v = arg + 4;
		if (!strcmp(v, "true") || !strcmp(v, "1"))
			f->all = true;
		else if (strcmp(v, "false") && strcmp(v, "0"))
			return cli_usage_error(g, "--filter '%s': want all=true or all=false", arg);
		return 0;
	}
	return cli_usage_error(g, "--filter '%s': unknown filter (label, label!, all)", arg);
}

/* Asked on a terminal unless -f, as docker does. */
static bool prune_confirmed(bool all)
{
	char line[16];

	fprintf(stderr,
		"WARNING! This will remove %s local volumes not used by at least one container.\n"
		"Are you sure you want to continue? [y/N] ",
		all ? "all" : "anonymous");
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cli_cmd_volume_prune(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **removed = NULL, **labels = NULL, **not_labels = NULL;
	struct rt_volume_filter f = {0};
	struct error err = {0};
	bool force = false;
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, cli_volume_prune_options.shortopts,
					   cli_volume_prune_options.longopts, NULL)) != -1) {
		if (c == 'a')
			f.all = true;
		else if (c == 'f')
			force = true;
		else if (c == OPT_FILTER)
			rc = prune_filter(g, &f, optarg);
		else
			rc = cli_bad_option(g, c, argv);
	}
	labels = f.labels;
	not_labels = f.not_labels;
	if (rc || (rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (!force && isatty(0) && !prune_confirmed(f.all)) {
		fprintf(stderr, "nothing removed\n");
		return 0;
	}
	if (!(s = cli_store_open(g, &err)) || rt_volume_prune(s, &f, &removed, &err) < 0)
		return cli_error(g, &err);
	for (char **n = removed; n && *n; n++)
		printf("%s\n", *n);
	return 0;
}
