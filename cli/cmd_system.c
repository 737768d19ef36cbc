/* nook system df and system prune: the store's space, images and engine
 * containers together. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

int cli_cmd_system_df(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct img_ctr *v = NULL;
	struct error err = {0};
	struct img_df df;
	uint64_t size = 0, reclaimable = 0;
	size_t n = 0, active = 0;
	char a[32], b[32];
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_df(s, &df, &err) < 0 ||
	    img_ctr_list(s, &v, &n, &err) < 0)
		return cli_error(g, &err);
	for (size_t i = 0; i < n; i++) {
		uint64_t sz = rt_engine_size(s, &v[i]);
		bool running = rt_engine_status(&v[i]) == RT_ENGINE_RUNNING;

		size += sz;
		active += running;
		reclaimable += running ? 0 : sz;
	}
	img_ctr_list_free(v, n);
	printf("%-12s %-8s %-8s %-12s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	cli_human_size(df.images_size, a);
	cli_human_size(df.images_reclaimable, b);
	printf("%-12s %-8zu %-8zu %-12s %s\n", "Images", df.images, df.images_active, a, b);
	cli_human_size(df.layers_size, a);
	cli_human_size(df.layers_reclaimable, b);
	printf("%-12s %-8zu %-8s %-12s %s\n", "Layers", df.layers, "-", a, b);
	cli_human_size(size, a);
	cli_human_size(reclaimable, b);
	printf("%-12s %-8zu %-8zu %-12s %s\n", "Containers", n, active, a, b);
	return 0;
}

enum { OPT_VOLUMES = 256 };

const struct cli_options cli_system_prune_options = {
    ":fa", (const struct option[]){{"force", no_argument, NULL, 'f'},
				   {"all", no_argument, NULL, 'a'},
				   {"volumes", no_argument, NULL, OPT_VOLUMES},
				   {0}}};

/* Asked on a terminal unless -f, as docker does; a script (stdin not a
 * terminal) is not asked, so the store's own `system prune` callers keep
 * working. */
static bool confirmed(bool all, bool volumes)
{
	char line[16];

	fprintf(stderr,
		"WARNING! This will remove all stopped containers%s and %s.\n"
		"Are you sure you want to continue? [y/N] ",
		volumes ? ", all anonymous volumes not used by a container" : "",
		all ? "all images without a container" : "all dangling images");
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cli_cmd_system_prune(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **ctrs = NULL, **images = NULL, **vols = NULL;
	struct rt_context ctx = {.root = g->root};
	struct img_ctr *v = NULL;
	struct error err = {0};
	bool all = false, force = false, volumes = false;
	uint64_t reclaimed = 0, img_reclaimed = 0;
	size_t n = 0;
	char sz[32];
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_system_prune_options.shortopts,
				cli_system_prune_options.longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			force = true;
			break;
		case OPT_VOLUMES:
			volumes = true;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (!force && isatty(0) && !confirmed(all, volumes)) {
		fprintf(stderr, "nothing removed\n");
		return 0;
	}
	if (!(s = cli_store_open(g, &err)) || img_ctr_list(s, &v, &n, &err) < 0)
		return cli_error(g, &err);
	/* The space first: once removed, nothing is left to measure. */
	for (size_t i = 0; i < n; i++)
		if (rt_engine_status(&v[i]) != RT_ENGINE_RUNNING)
			reclaimed += rt_engine_size(s, &v[i]);
	img_ctr_list_free(v, n);
	/* Containers before images and volumes: a stopped container pins
	 * both.  --volumes: docker's (since 23.0), anonymous ones only. */
	if (rt_engine_prune(s, &ctx, &ctrs, &err) < 0)
		rc = cli_error(g, &err);
	else if (volumes && rt_volume_prune(s, &(struct rt_volume_filter){0}, &vols, &err) < 0)
		rc = cli_error(g, &err);
	else if (img_prune(s, all, &images, &img_reclaimed, &err) < 0)
		rc = cli_error(g, &err);
	if (ctrs && ctrs[0]) {
		printf("Deleted Containers:\n");
		for (size_t i = 0; ctrs[i]; i++)
			printf("%s\n", ctrs[i]);
		printf("\n");
	}
	if (vols && vols[0]) {
		printf("Deleted Volumes:\n");
		for (size_t i = 0; vols[i]; i++)
			printf("%s\n", vols[i]);
		printf("\n");
	}
	if (images && images[0]) {
		printf("Deleted Images:\n");
		for (size_t i = 0; images[i]; i++)
			printf("%s\n", images[i]);
		printf("\n");
	}
	cli_human_size(reclaimed + img_reclaimed, sz);
	printf("Total reclaimed space: %s\n", sz);
	return rc;
}
