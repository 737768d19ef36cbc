/* nook logs: a container's records, read from its log files (oldest
 * rotated file first) without reading what --tail and --since skip. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* -------------------------------------------------------------- logs -- */

const struct cli_options cli_logs_options = {
    ":fn:t", (const struct option[]){{"follow", no_argument, NULL, 'f'},
				     {"tail", required_argument, NULL, 'n'},
				     {"timestamps", no_argument, NULL, 't'},
				     {0}}};

/* Print the records of buf[0..len) (whole lines only); returns what it
 * used. */
static size_t logs_print(const char *buf, size_t len, bool ts)
{
	size_t used = 0;

	while (used < len) {
		const char *line = buf + used, *nl = memchr(line, '\n', len - used);
		const char *sp1, *sp2;
		size_t l;

		if (!nl)
			break;
		l = (size_t)(nl - line);
		used += l + 1;
		sp1 = memchr(line, ' ', l);
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1)) : NULL;
		if (!sp2)
			continue;
		{
			int fd = !strncmp(sp1 + 1, "stderr", 6) ? 2 : 1;
			FILE *f = fd == 2 ? stderr : stdout;

			if (ts)
				fprintf(f, "%.*s ", (int)(sp1 - line), line);
			fprintf(f, "%.*s\n", (int)(nl - sp2 - 1), sp2 + 1);
		}
	}
	fflush(stdout);
	return used;
}

/* The offset where the last n records start, read backwards from the end
 * in blocks: --tail does not read the whole log. */
static off_t tail_offset(int fd, off_t size, int64_t n)
{
	char buf[8192];
	off_t pos = size;
	int64_t seen = 0;

	if (n < 0)
		return 0;
	if (n == 0)
		return size;
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;

		pos -= (off_t)chunk;
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			return 0;
		for (size_t i = chunk; i-- > 0;) {
			if (buf[i] != '\n' || pos + (off_t)i == size - 1)
				continue;
			if (++seen == n)
				return pos + (off_t)i + 1;
		}
	}
	return 0;
}

int cli_cmd_logs(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *path = NULL, *id = NULL;
	_cleanup_close_ int fd = -1;
	struct img_ctr ct;
	struct error err = {0};
	bool follow = false, ts = false;
	int64_t tail = -1;
	char buf[65536];
	size_t have = 0;
	struct stat st;
	off_t off;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_logs_options.shortopts, cli_logs_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 't':
			ts = true;
			break;
		case 'n':
			if (!strcmp(optarg, "all"))
				tail = -1;
			else if (parse_int64(optarg, &tail) < 0 || tail < 0)
				return cli_usage_error(g, "--tail '%s': not a number", optarg);
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_ctr_find(s, argv[optind], &ct, &err) < 0)
		return cli_error(g, &err);
	path = rt_engine_log_path(&ct);
	id = xstrdup(ct.id);
	img_ctr_release(&ct);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : cli_fail(g, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return cli_fail(g, "cannot stat '%s': %s", path, strerror(errno));
	off = tail_offset(fd, st.st_size, tail);
	if (lseek(fd, off, SEEK_SET) < 0)
		return cli_fail(g, "cannot seek '%s': %s", path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_fail(g, "cannot read '%s': %s", path, strerror(errno));
		if (n == 0) {
			bool running;

			if (!follow)
				break;
			if (img_ctr_find(s, id, &ct, &err) < 0)
				break; /* removed */
			running = rt_engine_status(&ct) == RT_ENGINE_RUNNING || !ct.finished;
			if (rt_engine_status(&ct) != RT_ENGINE_RUNNING && ct.finished)
				running = false;
			if (rt_engine_status(&ct) == RT_ENGINE_CREATED)
				running = false;
			img_ctr_release(&ct);
			if (!running) {
				/* What the monitor wrote before recording the exit. */
				n = read(fd, buf + have, sizeof(buf) - have);
				if (n <= 0)
					break;
			} else {
				usleep(100000);
				continue;
			}
		}
		have += (size_t)n;
		used = logs_print(buf, have, ts);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have == sizeof(buf)) /* a record longer than buf: as it is */
			have = 0;
	}
	return 0;
}
