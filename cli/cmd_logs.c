/* nook logs: a container's records, read from its log files (the oldest
 * rotated file first).  --tail reads backwards from the end and --since
 * binary-searches the records' timestamps, so neither reads what it
 * skips.  Also --log-opt's parser for run and create. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ --log-opt -- */

const char cli_log_opt_help[] =
    "--log-opt max-size=SIZE[,max-file=N]: the monitor rotates the log before it\n"
    "  passes SIZE (at least 1k), keeping N files (1 to 100, default 1: the log is\n"
    "  emptied); 'logs' reads them all in order.  Without it the log has no cap\n"
    "  (podman's default).\n";
const char cli_time_help[] =
    "TIME: RFC 3339 (2026-11-30T12:00:00Z, with a fraction or an offset; a date\n"
    "  alone), unix seconds (1764504000), or a duration before now (10m, 1h30m).\n";

int cli_log_opt(struct cli_globals *g, const char *arg, uint64_t *max_size, int *max_file)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	char *save = NULL;

	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		int64_t n;

		if (str_has_prefix(o, "max-size=")) {
			if (parse_size(o + 9, max_size) < 0 || *max_size < 1024)
				return cli_usage_error(
				    g, "--log-opt '%s': max-size wants a size of at least 1k", o);
		} else if (str_has_prefix(o, "max-file=")) {
			if (parse_int64(o + 9, &n) < 0 || n < 1 || n > 100)
				return cli_usage_error(g, "--log-opt '%s': max-file wants 1 to 100",
						       o);
			*max_file = (int)n;
		} else {
			return cli_usage_error(
			    g, "--log-opt '%s': unknown option (max-size=SIZE, max-file=N)", o);
		}
	}
	return 0;
}

/* -------------------------------------------------------------- time -- */

static int digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* RFC 3339; the fraction and the time optional.  Without a zone: UTC. */
static int rfc3339(const char *s, int64_t *ns)
{
	struct tm tm = {0};
	int64_t frac = 0, off = 0;
	const char *p = s + 10;
	int v[3];

	if (strlen(s) < 10 || digits(s, 4, &v[0]) || s[4] != '-' || digits(s + 5, 2, &v[1]) ||
	    s[7] != '-' || digits(s + 8, 2, &v[2]))
		return -1;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (digits(p + 1, 2, &tm.tm_hour) || p[3] != ':' || digits(p + 4, 2, &tm.tm_min) ||
		    p[6] != ':' || digits(p + 7, 2, &tm.tm_sec))
			return -1;
		p += 9;
		if (*p == '.') {
			int64_t scale = 100000000;

			for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int h, m;

			if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &m))
				return -1;
			off = (h * 3600 + m * 60) * (*p == '+' ? 1 : -1);
			p += 6;
		}
	}
	if (*p || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	*ns = ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
	return 0;
}

int cli_time_parse(const char *s, int64_t now, int64_t *ns, struct error *err)
{
	size_t n = strspn(s, "0123456789");
	uint64_t d;

	/* Unix seconds, with an optional fraction (docker's). */
	if (n && n <= 12 &&
	    (!s[n] ||
	     (s[n] == '.' && s[n + 1] && strspn(s + n + 1, "0123456789") == strlen(s + n + 1)))) {
		int64_t sec = 0, frac = 0, scale = 100000000;

		for (size_t i = 0; i < n; i++)
			sec = sec * 10 + (s[i] - '0');
		for (const char *p = s[n] ? s + n + 1 : ""; *p && scale; p++, scale /= 10)
			frac += (*p - '0') * scale;
		*ns = sec * 1000000000 + frac;
		return 0;
	}
	if (rfc3339(s, ns) == 0)
		return 0;
	if (parse_duration(s, &d) == 0 && d <= (uint64_t)now) {
		*ns = now - (int64_t)d;
		return 0;
	}
	return error_set(err, EINVAL,
			 "invalid time '%s': want RFC 3339 (2006-01-02T15:04:05Z), unix seconds "
			 "or a duration (10m, 1h30m)",
			 s);
}

/* ----------------------------------------------------------- records -- */

/* The time of the record at line[0..len), -1 when it has none. */
static int64_t record_time(const char *line, size_t len)
{
	char head[64];
	const char *sp = memchr(line, ' ', len < sizeof(head) ? len : sizeof(head) - 1);
	int64_t ns;

	if (!sp)
		return -1;
	memcpy(head, line, (size_t)(sp - line));
	head[sp - line] = '\0';
	return rfc3339(head, &ns) == 0 ? ns : -1;
}

struct logs_args {
	bool follow, ts;
	int64_t tail;	      /* -1: all */
	int64_t since, until; /* 0: none */
};

/* Print the records of buf[0..len) (whole lines only); returns what it
 * used.  *stop when a record is past --until. */
static size_t logs_print(const char *buf, size_t len, const struct logs_args *a, bool *stop)
{
	size_t used = 0;

	while (used < len && !*stop) {
		const char *line = buf + used, *nl = memchr(line, '\n', len - used);
		const char *sp1, *sp2;
		size_t l;

		if (!nl)
			break;
		l = (size_t)(nl - line);
		sp1 = memchr(line, ' ', l);
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1)) : NULL;
		if (a->until && record_time(line, l) > a->until) {
			*stop = true;
			break;
		}
		used += l + 1;
		if (!sp2)
			continue;
		{
			FILE *f = !strncmp(sp1 + 1, "stderr", 6) ? stderr : stdout;

			if (a->ts)
				fprintf(f, "%.*s ", (int)(sp1 - line), line);
			fprintf(f, "%.*s\n", (int)(nl - sp2 - 1), sp2 + 1);
		}
	}
	fflush(stdout);
	return used;
}

/* The offset where the last n records of a file start, read backwards
 * from the end in blocks; *seen how many it found (fewer than n: the
 * whole file, offset 0). */
static off_t tail_offset(int fd, off_t size, int64_t n, int64_t *seen)
{
	char buf[8192];
	off_t pos = size;

	*seen = 0;
	if (n == 0 || size == 0)
		return size;
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;

		pos -= (off_t)chunk;
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			return 0;
		for (size_t i = chunk; i-- > 0;) {
			if (buf[i] != '\n' || pos + (off_t)i == size - 1)
				continue;
			if (++*seen == n)
				return pos + (off_t)i + 1;
		}
	}
	++*seen; /* the first record */
	return 0;
}

/* The first record start at or after x. */
static off_t line_start(int fd, off_t x, off_t size)
{
	char buf[4096];

	if (x == 0)
		return 0;
	for (off_t pos = x - 1; pos < size;) {
		ssize_t n = pread(fd, buf, sizeof(buf), pos);
		char *nl;

		if (n <= 0)
			return size;
		if ((nl = memchr(buf, '\n', (size_t)n)))
			return pos + (nl - buf) + 1;
		pos += n;
	}
	return size;
}

/* The first record not older than since, by binary search on the
 * records' times (they are written in order). */
static off_t since_offset(int fd, off_t size, int64_t since)
{
	off_t lo = 0, hi = size;

	while (lo < hi) {
		off_t mid = lo + (hi - lo) / 2, at = line_start(fd, mid, size);
		char head[64];
		ssize_t n = at < size ? pread(fd, head, sizeof(head), at) : 0;

		if (n <= 0 || record_time(head, (size_t)n) >= since)
			hi = mid;
		else
			lo = mid + 1;
	}
	return line_start(fd, lo, size);
}

/* ---------------------------------------------------------- the command -- */

const struct cli_options cli_logs_options = {
    ":fn:tS:U:", (const struct option[]){{"follow", no_argument, NULL, 'f'},
					 {"tail", required_argument, NULL, 'n'},
					 {"timestamps", no_argument, NULL, 't'},
					 {"since", required_argument, NULL, 'S'},
					 {"until", required_argument, NULL, 'U'},
					 {0}}};

static int logs_parse(struct cli_globals *g, int argc, char **argv, struct logs_args *a)
{
	int64_t now = rt_now_ns();
	struct error err = {0};
	int c;

	while ((c = getopt_long(argc, argv, cli_logs_options.shortopts, cli_logs_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			a->follow = true;
			break;
		case 't':
			a->ts = true;
			break;
		case 'n':
			if (!strcmp(optarg, "all"))
				a->tail = -1;
			else if (parse_int64(optarg, &a->tail) < 0 || a->tail < 0)
				return cli_usage_error(g, "--tail '%s': not a number", optarg);
			break;
		case 'S':
		case 'U':
			if (cli_time_parse(optarg, now, c == 'S' ? &a->since : &a->until, &err) < 0)
				return cli_usage_error(g, "--%s: %s", c == 'S' ? "since" : "until",
						       err.msg);
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	return cli_want_args(g, argc - optind, 1, 1);
}

/* Where to start: file index and offset, the later of --tail's and
 * --since's. */
static void logs_start(int *fds, off_t *sizes, size_t n, const struct logs_args *a, size_t *fi,
		       off_t *off)
{
	size_t sf = 0;
	off_t so = 0;

	*fi = 0;
	*off = 0;
	if (a->tail >= 0) {
		int64_t left = a->tail, seen;

		*fi = n ? n - 1 : 0;
		*off = n ? sizes[n - 1] : 0;
		for (size_t i = n; i-- > 0 && left > 0;) {
			off_t o = tail_offset(fds[i], sizes[i], left, &seen);

			*fi = i;
			*off = o;
			left -= seen;
		}
	}
	if (!a->since)
		return;
	for (sf = 0; sf < n; sf++) {
		so = since_offset(fds[sf], sizes[sf], a->since);
		if (so < sizes[sf])
			break;
	}
	if (sf == n && n) {
		sf = n - 1;
		so = sizes[n - 1];
	}
	if (sf > *fi || (sf == *fi && so > *off)) {
		*fi = sf;
		*off = so;
	}
}

/* Copy fd's records from where it stands to its end; false at --until. */
static bool logs_drain(int fd, char *buf, size_t size, size_t *have, const struct logs_args *a)
{
	bool stop = false;

	for (;;) {
		ssize_t n = read(fd, buf + *have, size - *have);
		size_t used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		*have += (size_t)n;
		used = logs_print(buf, *have, a, &stop);
		memmove(buf, buf + used, *have - used);
		*have -= used;
		if (stop)
			return false;
		if (*have == size) /* a record longer than buf: as it is */
			*have = 0;
	}
}

/* Is the container done (exited and recorded, or removed)? */
static bool logs_done(struct img_store *s, const char *id)
{
	struct img_ctr ct;
	struct error err;
	bool done;

	if (img_ctr_find(s, id, &ct, &err) < 0)
		return true;
	done = rt_engine_status(&ct) != RT_ENGINE_RUNNING;
	img_ctr_release(&ct);
	return done;
}

/* After a rotation: the files newer than the one fd reads (they may be
 * several, when the monitor rotated faster than we poll), each read from
 * its start; fd becomes the current log.  The files are told apart by
 * inode, so a rename while we look cannot make us read one twice. */
static bool logs_next(const char *path, int *fd, ino_t *ino, char *buf, size_t size, size_t *have,
		      const struct logs_args *a)
{
	_cleanup_strv_ char **files = rt_engine_log_files(path);
	size_t n = strv_len(files), k = n;
	int fds[RT_ENGINE_LOG_FILES_MAX + 1];
	ino_t inos[RT_ENGINE_LOG_FILES_MAX + 1];
	size_t m = 0;
	bool more = true;

	for (size_t i = 0; i < n && m <= RT_ENGINE_LOG_FILES_MAX; i++) {
		struct stat st;
		int f = open(files[i], O_RDONLY | O_CLOEXEC);

		if (f < 0)
			continue;
		if (fstat(f, &st) < 0) {
			close(f);
			continue;
		}
		if (st.st_ino == *ino)
			k = m;
		fds[m] = f;
		inos[m++] = st.st_ino;
	}
	/* Ours is gone (the oldest was dropped): every file is newer. */
	for (size_t i = 0; i < m; i++) {
		bool newer = k == n ? true : i > k;

		if (!newer || !more || i + 1 == m) {
			if (newer && more && i + 1 == m) {
				close(*fd);
				*fd = fds[i];
				*ino = inos[i];
				continue;
			}
			close(fds[i]);
			continue;
		}
		more = logs_drain(fds[i], buf, size, have, a);
		close(fds[i]);
	}
	return more;
}

/* -f: the current log from where we are, then what the monitor writes,
 * across rotations, until the container is done. */
static void logs_follow(struct img_store *s, const char *id, const char *path, int fd, char *buf,
			size_t size, size_t *have, const struct logs_args *a)
{
	struct stat st, now;
	ino_t ino = 0;

	if (fd >= 0 && fstat(fd, &st) == 0)
		ino = st.st_ino;
	for (;;) {
		bool done = logs_done(s, id);

		if (fd >= 0 && !logs_drain(fd, buf, size, have, a))
			break;
		/* max-file 1: the monitor emptied the log; read it again. */
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size < lseek(fd, 0, SEEK_CUR)) {
			lseek(fd, 0, SEEK_SET);
			*have = 0;
			continue;
		}
		if (stat(path, &now) == 0 && (fd < 0 || now.st_ino != ino)) {
			if (fd < 0) {
				fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd >= 0 && fstat(fd, &st) == 0)
					ino = st.st_ino;
			} else if (!logs_next(path, &fd, &ino, buf, size, have, a)) {
				break;
			}
			continue;
		}
		if (done)
			break;
		usleep(100000);
	}
	if (fd >= 0)
		close(fd);
}

int cli_cmd_logs(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *path = NULL, *id = NULL;
	_cleanup_strv_ char **files = NULL;
	struct logs_args a = {.tail = -1};
	struct img_ctr ct;
	struct error err = {0};
	int fds[RT_ENGINE_LOG_FILES_MAX + 1];
	off_t sizes[RT_ENGINE_LOG_FILES_MAX + 1];
	char buf[65536];
	size_t n = 0, fi, have = 0;
	off_t off;
	int rc;

	if ((rc = logs_parse(g, argc, argv, &a)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_ctr_find(s, argv[optind], &ct, &err) < 0)
		return cli_error(g, &err);
	path = rt_engine_log_path(&ct);
	files = rt_engine_log_files(path);
	id = xstrdup(ct.id);
	img_ctr_release(&ct);
	for (size_t i = 0; files[i] && n <= RT_ENGINE_LOG_FILES_MAX; i++) {
		struct stat st;
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue; /* rotated away meanwhile */
		if (fstat(fd, &st) < 0) {
			close(fd);
			continue;
		}
		fds[n] = fd;
		sizes[n++] = st.st_size;
	}
	logs_start(fds, sizes, n, &a, &fi, &off);
	for (size_t i = 0; i < n; i++) {
		bool more = true;

		if (i < fi || lseek(fds[i], i == fi ? off : 0, SEEK_SET) < 0) {
			close(fds[i]);
			continue;
		}
		/* Only the current log is followed. */
		more = logs_drain(fds[i], buf, sizeof(buf), &have, &a);
		if (i + 1 == n && a.follow && more && !strcmp(files[i], path)) {
			logs_follow(s, id, path, fds[i], buf, sizeof(buf), &have, &a);
			a.follow = false;
		} else {
			close(fds[i]);
		}
		if (!more) {
			for (size_t k = i + 1; k < n; k++)
				close(fds[k]);
			return 0;
		}
	}
	if (a.follow)
		logs_follow(s, id, path, -1, buf, sizeof(buf), &have, &a);
	return 0;
}
