/* base: shared primitives for every nook folder — errors, cleanup helpers,
 * logging and small file/string utilities.  Nothing here knows about
 * containers.  Every function is safe to call after fork()/clone() in a
 * single-threaded child unless its comment says otherwise. */
#ifndef NOOK_BASE_H
#define NOOK_BASE_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define NOOK_VERSION "0.1.0"
#define NOOK_OCI_VERSION "1.2.0"

/* ---------------------------------------------------------------- errors -- */

/* The one error type.  Fixed size and pointer-free, so a child after clone()
 * can fill one and write it to its parent over a pipe as plain bytes.
 * code is an errno value (or 0 when no errno applies). */
struct error {
	int code;
	char msg[1000];
};

/* Fill err with a formatted message.  Always returns -1 so callers can write
 * `return error_set(err, EINVAL, "...")`. */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like error_set, with code = errno and ": strerror(errno)" appended. */
int error_sys(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add context in front of an already filled message: "ctx: old message".
 * Returns -1. */
int error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);
/* error_set with a va_list. */
int error_setv(struct error *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* A message longer than msg is shortened in the middle (marked with an
 * ellipsis), never at the end: error_sys keeps its strerror text and
 * error_prefix the message it prefixes. */

/* ------------------------------------------------------ cleanup helpers -- */

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_ _cleanup_(strv_freep)

void freep(void *p);
void closep(int *fd);
void fclosep(FILE **f);
void closedirp(void *d);
void strv_freep(char ***v);

static inline void *steal_ptr(void *pp)
{
	void **p = pp;
	void *r = *p;
	*p = NULL;
	return r;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_ptr(pp))

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- memory -- */

/* Allocation failure aborts: a runtime that cannot allocate a few bytes has
 * no sensible way to continue (crun and git do the same). */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_free(char **v);
/* Appends a copy of s. */
void strv_push(char ***v, const char *s);
char **strv_dup(char *const *v);

/* ------------------------------------------------------------ logging -- */

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON };

/* Where log lines go: an fd (not owned; -1 disables), a format and the most
 * verbose level written.  Default: disabled. */
void log_init(int fd, enum log_format fmt, enum log_level level);
int log_fd(void);
enum log_format log_format_get(void);
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)

/* ------------------------------------------------------------- files -- */

/* Write all of buf; retries on EINTR and short writes.  0 or -1 (errno). */
int write_all(int fd, const void *buf, size_t len);
/* Read until EOF or len bytes; returns bytes read or -1 (errno). */
ssize_t read_all(int fd, void *buf, size_t len);
/* Open dirfd/path O_WRONLY|O_TRUNC (no O_CREAT) and write data. */
int file_write_at(int dirfd, const char *path, const char *data, struct error *err);
/* Same, with O_CREAT and mode. */
int file_create_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
		   struct error *err);
/* Write via a temporary file in the same directory, fsync, rename: readers
 * see the old or the new content, never a mix. */
int file_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 struct error *err);
/* Read a whole file (NUL-terminated; *len_out optional).  At most max bytes
 * (0 = 64 MiB). */
int file_read_at(int dirfd, const char *path, size_t max, char **out, size_t *len_out,
		 struct error *err);
/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct error *err);
/* rm -rf of dirfd/name, not following symlinks, not crossing mounts. */
int rm_rf_at(int dirfd, const char *name, struct error *err);

/* ------------------------------------------------------------ strings -- */

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Strict decimal parsers: whole string, range checked.  0 or -1. */
int parse_int64(const char *s, int64_t *out);
int parse_uint64(const char *s, uint64_t *out);
/* A size in bytes, integers only (no floating point): digits, an optional
 * fraction, an optional binary unit k/m/g/t/p (case-insensitive, with an
 * optional "b" or "ib"), e.g. "1024", "256m", "1.5G", "4kb".  No sign, no
 * exponent, no spaces.  0, or -1 with errno EINVAL (malformed) or ERANGE
 * (above UINT64_MAX). */
int parse_size(const char *s, uint64_t *out);
/* A Go-style duration in nanoseconds, integers only: one or more
 * NUMBER[.FRACTION]UNIT with units ns, us, ms, s, m, h ("1m30s", "500ms",
 * "1.5s"); a bare number is seconds.  0, or -1 with errno EINVAL or
 * ERANGE. */
int parse_duration(const char *s, uint64_t *out_ns);
/* RFC 3339 UTC timestamp with nanoseconds, as runc writes "created". */
void time_rfc3339(char buf[64]);

/* ------------------------------------------------------------ signals -- */

/* "KILL", "SIGKILL", "kill", "9", "SIGRTMIN+3" -> signal number; -1 if unknown. */
int signal_parse(const char *s);
/* "SIGTERM"; NULL if unknown. */
const char *signal_name(int sig);

/* -------------------------------------------------------------- misc -- */

/* Close or mark close-on-exec every fd >= first except those in keep[]. */
int fds_close_from(int first, const int *keep, size_t nkeep);
/* Close every fd >= first except those in keep[] (any order). */
int fds_close_except(int first, const int *keep, size_t nkeep);
/* Record the lowest fd >= 3 that is free, first thing in main(): fds
 * 3..end-1 are then the caller's, and every fd the process opens later is
 * >= end.  fds_inherited_end() gives it (noting it now if never noted). */
void fds_inherited_note(void);
int fds_inherited_end(void);
/* Field 22 of /proc/PID/stat (start time in clock ticks); 0 if gone. */
uint64_t proc_start_time(pid_t pid);
/* Whether we run in a user namespace other than the host's (our uid_map
 * is not the identity map of every id): a rootless nook, or a container.
 * Asked once per process: what changes our user namespace calls
 * userns_forget after (namespaces/: every setns and unshare, and the
 * child of a clone). */
bool userns_nested(void);
void userns_forget(void);
/* Connect a SOCK_STREAM unix socket to path; returns the fd (O_CLOEXEC). */
int unix_connect(const char *path, struct error *err);
/* Send/receive one fd over a unix socket (SCM_RIGHTS). */
int fd_send(int sock, int fd, const char *msg, struct error *err);
int fd_recv(int sock, struct error *err);


/* ------------------------------------------------------------ sha256 -- */

/* SHA-256 without libcrypto (base/sha256.c), for hashes the runtime needs
 * on its hot path.  Pure computation: safe anywhere. */
#define SHA256_LEN 32
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t d[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

/* ------------------------------------------------------ fault points -- */

/* A named step of a multi-step change.  When $NOOK_FAULT is NAME (or
 * NAME:N, the Nth time it is reached) the process SIGKILLs itself there:
 * the crash-safety tests (tests/crash/) use it to stop a command between
 * two chosen steps.  Costs nothing measurable when the variable is unset.
 * Safe after fork (the variable is read once, then cached). */
void fault_point(const char *name);
/* A step that "cannot fail" (a switch back to nook's own namespace) made
 * to fail for a test: true when $NOOK_FAULT_FAIL is NAME, or a
 * comma-separated list naming it.  The caller then takes its error
 * path. */
bool fault_fail(const char *name);

/* ------------------------------------------------- paths inside a root -- */

/* How open_in_root creates what is missing. */
enum root_create { ROOT_CREATE_NONE = 0, ROOT_CREATE_DIR, ROOT_CREATE_FILE };

/* Open path as seen from inside the directory rootfd, the way a process
 * chrooted there would see it: "..", absolute symlinks and climbing
 * symlinks all stay inside rootfd (openat2 RESOLVE_IN_ROOT), and /proc
 * magic links are refused (RESOLVE_NO_MAGICLINKS).  This is what stops a
 * symlink planted in a container's rootfs or in an image layer from
 * redirecting a mount, a masked path or an unpacked file to the host.
 * create: with ROOT_CREATE_DIR missing components are made as directories
 * (mode 0755); with ROOT_CREATE_FILE the parents are directories and the
 * last component an empty file (mode 0644).  flags are open flags (O_PATH
 * is typical; O_CLOEXEC is always added).  Returns the fd or -1. */
int open_in_root(int rootfd, const char *path, int flags, enum root_create create,
		 struct error *err);
/* Read path inside rootfd (resolved as open_in_root does) whole, when it is
 * a regular file of at most max bytes: anything else (a FIFO, a device, a
 * directory, a larger file) fails without blocking.  *out is
 * NUL-terminated, caller frees; *len_out is optional. */
int file_read_in_root(int rootfd, const char *path, size_t max, char **out, size_t *len_out,
		      struct error *err);

#endif
