/* `nook oci events [--stats] [--interval DURATION] ID`: runc's events
 * command.  One JSON object per line on stdout. */
#include "cli/cli.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

/* --interval: a Go-style duration (base/str.c, integers only), from 1ms
 * to a day; in milliseconds. */
static int parse_interval(struct cli_globals *g, const char *s, unsigned *ms)
{
	uint64_t ns;
	int r = parse_duration(s, &ns);

	if (r < 0 && errno == EINVAL)
		return cli_usage_error(g, "--interval: invalid duration \"%s\" (like 5s, 500ms or 1m30s)",
				       s);
	if (r < 0 || ns < 1000000 || ns > 86400000000000ULL)
		return cli_usage_error(g, "--interval: %s is out of range (1ms to 24h)", s);
	*ms = (unsigned)(ns / 1000000);
	return 0;
}

static int print_event(const char *event, void *data)
{
	(void)data;
	/* Each line is out before the next poll: a reader sees an OOM as
	 * it happens. */
	if (printf("%s\n", event) < 0 || fflush(stdout) != 0)
		return -1;
	return 0;
}

const struct cli_options cli_oci_events_options = {
    "+:", (const struct option[]){{"stats", no_argument, NULL, 's'},
				  {"interval", required_argument, NULL, 'i'},
				  {NULL, 0, NULL, 0}}};

int cli_oci_events(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = {.root = g->root};
	unsigned interval = 5000;
	bool stats = false;
	struct error err;
	int c, rc;

	while ((c = getopt_long_only(argc, argv, cli_oci_events_options.shortopts,
				     cli_oci_events_options.longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			stats = true;
			break;
		case 'i':
			if ((rc = parse_interval(g, optarg, &interval)) != 0)
				return rc;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	if (stats) {
		_cleanup_free_ char *event = NULL;

		if (rt_container_stats(&ctx, argv[optind], &event, &err) < 0)
			return cli_error(g, &err);
		printf("%s\n", event);
		return 0;
	}
	if (rt_container_events(&ctx, argv[optind], interval, print_event, NULL,
				&err) < 0)
		return cli_error(g, &err);
	return 0;
}
