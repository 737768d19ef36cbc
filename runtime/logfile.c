/* A container's log: <dir>.log, one record a line ("RFC3339NANO
 * stdout|stderr TEXT"), written by its monitor.  With a size cap
 * (--log-opt max-size=SIZE[,max-file=N]) the monitor rotates before a
 * record would pass the cap: <log>.N-2 -> <log>.N-1, ..., <log> -> <log>.1,
 * then a fresh <log>.  Each step is one rename, so a kill -9 between two
 * steps loses no record and duplicates none: at worst one number of the
 * chain is missing, which readers skip and the next rotation fills.  With
 * max-file 1 the log is emptied instead (docker's json-file does the
 * same).  No cap unless asked (podman's default). */
#include "runtime/internal.h"
#include "image/image.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

char *rt_engine_log_path(const struct img_ctr *c)
{
	return xasprintf("%s.log", c->dir);
}

static char *numbered(const char *log, int i)
{
	return i ? xasprintf("%s.%d", log, i) : xstrdup(log);
}

/* Which of log, log.1 ... log.RT_ENGINE_LOG_FILES_MAX exist, from one
 * read of their directory instead of a system call for each number (most
 * logs are never rotated: --rm pays for every name it probes).  Only the
 * names numbered() makes count ("log.01" is not log.1).  When the
 * directory cannot be read every number is taken as there, so callers
 * probe them all as before. */
static void log_numbers(const char *log, bool have[RT_ENGINE_LOG_FILES_MAX + 1])
{
	const char *slash = strrchr(log, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(log, (size_t)(slash - log + 1)) : xstrdup(".");
	const char *base = slash ? slash + 1 : log;
	size_t n = strlen(base);
	DIR *d = opendir(dir);
	struct dirent *de;

	for (int i = 0; i <= RT_ENGINE_LOG_FILES_MAX; i++)
		have[i] = !d && errno != ENOENT;
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *t = de->d_name + n;
		char *end;
		long i;

		if (strncmp(de->d_name, base, n))
			continue;
		if (!*t) {
			have[0] = true;
			continue;
		}
		if (t[0] != '.' || t[1] < '1' || t[1] > '9')
			continue;
		errno = 0;
		i = strtol(t + 1, &end, 10);
		if (!*end && !errno && i <= RT_ENGINE_LOG_FILES_MAX)
			have[i] = true;
	}
	closedir(d);
}

char **rt_engine_log_files(const char *log)
{
	char **v = xzalloc(sizeof(char *));
	bool have[RT_ENGINE_LOG_FILES_MAX + 1];

	log_numbers(log, have);
	for (int i = RT_ENGINE_LOG_FILES_MAX; i >= 0; i--) {
		_cleanup_free_ char *p = have[i] ? numbered(log, i) : NULL;

		if (p && access(p, F_OK) == 0)
			strv_push(&v, p);
	}
	return v;
}

int rt_engine_log_remove(const struct img_ctr *c, struct error *err)
{
	_cleanup_free_ char *log = rt_engine_log_path(c);
	bool have[RT_ENGINE_LOG_FILES_MAX + 1];

	/* The rotated files first: the log itself goes last, so a log
	 * that is still there says the removal has not finished. */
	log_numbers(log, have);
	for (int i = RT_ENGINE_LOG_FILES_MAX; i >= 0; i--) {
		_cleanup_free_ char *p = have[i] ? numbered(log, i) : NULL;

		if (p && unlink(p) < 0 && errno != ENOENT)
			return error_sys(err, "cannot remove '%s'", p);
	}
	return 0;
}

int rt_log_open(struct rt_log *l, const char *path, uint64_t max_size, int max_file,
		struct error *err)
{
	struct stat st;

	l->path = path;
	l->max_size = max_size;
	l->max_file = max_file < 1			   ? 1
		      : max_file > RT_ENGINE_LOG_FILES_MAX ? RT_ENGINE_LOG_FILES_MAX
							   : max_file;
	l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return error_sys(err, "cannot open '%s'", path);
	l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/* Make room for a record of len bytes. */
static void log_rotate(struct rt_log *l)
{
	int fd;

	if (l->max_file <= 1) {
		if (ftruncate(l->fd, 0) == 0)
			l->size = 0;
		return;
	}
	for (int i = l->max_file - 1; i >= 1; i--) {
		_cleanup_free_ char *from = numbered(l->path, i - 1), *to = numbered(l->path, i);

		/* The oldest is replaced by the rename itself. */
		if (rename(from, to) < 0 && errno != ENOENT)
			return;
		fault_point(i > 1 ? "log-rotate-shift" : "log-rotate-renamed");
	}
	fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return; /* the old file stays ours under its new name */
	close(l->fd);
	l->fd = fd;
	l->size = 0;
	fault_point("log-rotate-opened");
}

void rt_log_write(struct rt_log *l, const char *stream, const char *text, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char head[96];
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = (int)strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(head + n, sizeof(head) - (size_t)n, ".%09ldZ %s ", ts.tv_nsec, stream);
	if (l->max_size && l->size && l->size + (uint64_t)n + len + 1 > l->max_size)
		log_rotate(l);
	if (write_all(l->fd, head, (size_t)n) < 0 || write_all(l->fd, text, len) < 0 ||
	    write_all(l->fd, "\n", 1) < 0)
		return;
	l->size += (uint64_t)n + len + 1;
}
