/* `nook oci events [--stats] [--interval DURATION] ID`: runc's events
 * command.  One JSON object per line on stdout. */
#include "cli/cli.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

/* A Go-style duration ("5s", "250ms", "1m30s", "1.5s"); a bare number is
 * seconds.  -1 when malformed, zero or above a day. */
static int64_t parse_duration_ms(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	double total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t i;

		if (end == s || v < 0)
			return -1;
		s = end;
		if (!*s && total == 0) {
			total = v * 1000;
			break;
		}
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (!strncmp(s, units[i].unit, strlen(units[i].unit)))
				break; /* "ms" is tried before "m" */
		if (i == ARRAY_SIZE(units))
			return -1;
		total += v * units[i].ms;
		s += strlen(units[i].unit);
	}
	if (total < 1 || total > 86400000)
		return -1;
	return (int64_t)total;
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

int cli_oci_events(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {
		{"stats", no_argument, NULL, 's'},
		{"interval", required_argument, NULL, 'i'},
		{NULL, 0, NULL, 0},
	};
	struct rt_context ctx = {.root = g->root};
	int64_t interval = 5000;
	bool stats = false;
	struct error err;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			stats = true;
			break;
		case 'i':
			interval = parse_duration_ms(optarg);
			if (interval < 0)
				return cli_fail(g, "events: --interval: invalid duration \"%s\" "
						   "(like 5s or 500ms)", optarg);
			break;
		default:
			return cli_fail(g, "events: unknown or incomplete option '%s'",
					argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_fail(g, "\"events\" requires exactly 1 argument");
	if (stats) {
		_cleanup_free_ char *event = NULL;

		if (rt_container_stats(&ctx, argv[optind], &event, &err) < 0)
			return cli_error(g, &err);
		printf("%s\n", event);
		return 0;
	}
	if (rt_container_events(&ctx, argv[optind], (unsigned)interval, print_event, NULL,
				&err) < 0)
		return cli_error(g, &err);
	return 0;
}
