/* libarchive, sqlite3 and libcrypto, loaded when image/ first calls them.
 *
 * Only the image commands need these libraries; `nook oci run` needs none.
 * Linked the ordinary way they cost every nook process ~4 ms of loading
 * and relocation and ~5 MB of RSS (libarchive pulls in libxml2, ICU and
 * libstdc++).  So nook does not link them: each function image/ calls is
 * defined here, with the library's own prototype, as a stub that loads
 * its library on first use and calls through.  A function image/ starts
 * to use needs one line in the table below; without it the link fails
 * with an undefined reference, never at run time.
 *
 * The libraries are found by soname, exactly as the dynamic loader would
 * have found them at startup (ld.so.cache, default paths).  image/ runs
 * on the host: it never calls into these libraries after changing its
 * root or mount namespace, so what is loaded is the host's library.  A
 * library that cannot be loaded ends nook with a message, as the dynamic
 * loader does at startup (the one exit() below cli/: there is no error
 * to return from a stub of somebody else's API).
 *
 * Safe from any thread: handles and function pointers are published with
 * atomics; a race loads the same library twice (dlopen counts) and stores
 * the same pointer. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef NOOK_SONAME_ARCHIVE
#define NOOK_SONAME_ARCHIVE "libarchive.so.13"
#endif
#ifndef NOOK_SONAME_SQLITE3
#define NOOK_SONAME_SQLITE3 "libsqlite3.so.0"
#endif
#ifndef NOOK_SONAME_CRYPTO
#define NOOK_SONAME_CRYPTO "libcrypto.so.3"
#endif

enum { LIB_archive, LIB_sqlite3, LIB_crypto };

static const char *const sonames[] = {
	[LIB_archive] = NOOK_SONAME_ARCHIVE,
	[LIB_sqlite3] = NOOK_SONAME_SQLITE3,
	[LIB_crypto] = NOOK_SONAME_CRYPTO,
};
static void *handles[3];

static void *lib_sym(int lib, const char *name)
{
	void *h = __atomic_load_n(&handles[lib], __ATOMIC_ACQUIRE), *f;

	if (!h) {
		h = dlopen(sonames[lib], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			dprintf(2, "nook: cannot load %s: %s\n", sonames[lib], dlerror());
			exit(127);
		}
		__atomic_store_n(&handles[lib], h, __ATOMIC_RELEASE);
	}
	f = dlsym(h, name);
	if (!f) {
		dprintf(2, "nook: %s has no symbol %s\n", sonames[lib], name);
		exit(127);
	}
	return f;
}

/* The real function, loaded once; __typeof__ of the header's declaration
 * keeps the pointer's type exactly the library's. */
#define REAL(lib, name)                                                                   \
	static __typeof__(name) *real;                                                    \
	__typeof__(name) *fn = __atomic_load_n(&real, __ATOMIC_ACQUIRE);                  \
	if (!fn) {                                                                        \
		fn = (__typeof__(name) *)lib_sym(LIB_##lib, #name);                       \
		__atomic_store_n(&real, fn, __ATOMIC_RELEASE);                            \
	}

#define FN(lib, ret, name, params, args)                                                  \
	ret name params                                                                   \
	{                                                                                 \
		REAL(lib, name)                                                           \
		return fn args;                                                           \
	}
#define VOID(lib, name, params, args)                                                     \
	void name params                                                                  \
	{                                                                                 \
		REAL(lib, name)                                                           \
		fn args;                                                                  \
	}

FN(crypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX *a0, unsigned char *a1, unsigned int *a2), (a0, a1, a2))
FN(crypto, int, EVP_DigestInit_ex, (EVP_MD_CTX *a0, const EVP_MD *a1, ENGINE *a2), (a0, a1, a2))
FN(crypto, int, EVP_DigestUpdate, (EVP_MD_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
VOID(crypto, EVP_MD_CTX_free, (EVP_MD_CTX *a0), (a0))
FN(crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
FN(crypto, const EVP_MD *, EVP_sha256, (void), ())

FN(archive, time_t, archive_entry_atime, (struct archive_entry *a0), (a0))
FN(archive, int, archive_entry_atime_is_set, (struct archive_entry *a0), (a0))
FN(archive, long, archive_entry_atime_nsec, (struct archive_entry *a0), (a0))
VOID(archive, archive_entry_copy_pathname, (struct archive_entry *a0, const char *a1), (a0, a1))
FN(archive, mode_t, archive_entry_filetype, (struct archive_entry *a0), (a0))
VOID(archive, archive_entry_free, (struct archive_entry *a0), (a0))
FN(archive, la_int64_t, archive_entry_gid, (struct archive_entry *a0), (a0))
FN(archive, const char *, archive_entry_hardlink, (struct archive_entry *a0), (a0))
VOID(archive, archive_entry_linkify,
     (struct archive_entry_linkresolver *a0, struct archive_entry **a1, struct archive_entry **a2),
     (a0, a1, a2))
VOID(archive, archive_entry_linkresolver_free, (struct archive_entry_linkresolver *a0), (a0))
FN(archive, struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void), ())
VOID(archive, archive_entry_linkresolver_set_strategy, (struct archive_entry_linkresolver *a0, int a1),
     (a0, a1))
FN(archive, mode_t, archive_entry_mode, (struct archive_entry *a0), (a0))
FN(archive, time_t, archive_entry_mtime, (struct archive_entry *a0), (a0))
FN(archive, long, archive_entry_mtime_nsec, (struct archive_entry *a0), (a0))
FN(archive, struct archive_entry *, archive_entry_new, (void), ())
FN(archive, const char *, archive_entry_pathname, (struct archive_entry *a0), (a0))
FN(archive, dev_t, archive_entry_rdev, (struct archive_entry *a0), (a0))
VOID(archive, archive_entry_set_filetype, (struct archive_entry *a0, unsigned int a1), (a0, a1))
VOID(archive, archive_entry_set_mtime, (struct archive_entry *a0, time_t a1, long a2), (a0, a1, a2))
VOID(archive, archive_entry_set_pathname, (struct archive_entry *a0, const char *a1), (a0, a1))
VOID(archive, archive_entry_set_perm, (struct archive_entry *a0, mode_t a1), (a0, a1))
VOID(archive, archive_entry_set_size, (struct archive_entry *a0, la_int64_t a1), (a0, a1))
FN(archive, la_int64_t, archive_entry_size, (struct archive_entry *a0), (a0))
FN(archive, const char *, archive_entry_symlink, (struct archive_entry *a0), (a0))
FN(archive, la_int64_t, archive_entry_uid, (struct archive_entry *a0), (a0))
FN(archive, int, archive_entry_xattr_next,
   (struct archive_entry *a0, const char **a1, const void **a2, size_t *a3), (a0, a1, a2, a3))
FN(archive, int, archive_entry_xattr_reset, (struct archive_entry *a0), (a0))
FN(archive, int, archive_errno, (struct archive *a0), (a0))
FN(archive, const char *, archive_error_string, (struct archive *a0), (a0))
FN(archive, int, archive_format, (struct archive *a0), (a0))
FN(archive, la_ssize_t, archive_read_data, (struct archive *a0, void *a1, size_t a2), (a0, a1, a2))
FN(archive, int, archive_read_data_block,
   (struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3))
FN(archive, int, archive_read_data_into_fd, (struct archive *a0, int a1), (a0, a1))
FN(archive, int, archive_read_disk_descend, (struct archive *a0), (a0))
FN(archive, struct archive *, archive_read_disk_new, (void), ())
FN(archive, int, archive_read_disk_open, (struct archive *a0, const char *a1), (a0, a1))
FN(archive, int, archive_read_disk_set_standard_lookup, (struct archive *a0), (a0))
FN(archive, int, archive_read_disk_set_symlink_physical, (struct archive *a0), (a0))
FN(archive, int, archive_read_free, (struct archive *a0), (a0))
FN(archive, struct archive *, archive_read_new, (void), ())
FN(archive, int, archive_read_next_header, (struct archive *a0, struct archive_entry **a1), (a0, a1))
FN(archive, int, archive_read_next_header2, (struct archive *a0, struct archive_entry *a1), (a0, a1))
FN(archive, int, archive_read_open,
   (struct archive *a0, void *a1, archive_open_callback *a2, archive_read_callback *a3,
    archive_close_callback *a4),
   (a0, a1, a2, a3, a4))
FN(archive, int, archive_read_open_fd, (struct archive *a0, int a1, size_t a2), (a0, a1, a2))
FN(archive, int, archive_read_support_filter_gzip, (struct archive *a0), (a0))
FN(archive, int, archive_read_support_filter_zstd, (struct archive *a0), (a0))
FN(archive, int, archive_read_support_format_raw, (struct archive *a0), (a0))
FN(archive, int, archive_read_support_format_tar, (struct archive *a0), (a0))
FN(archive, int, archive_write_close, (struct archive *a0), (a0))
FN(archive, la_ssize_t, archive_write_data, (struct archive *a0, const void *a1, size_t a2), (a0, a1, a2))
FN(archive, int, archive_write_free, (struct archive *a0), (a0))
FN(archive, int, archive_write_header, (struct archive *a0, struct archive_entry *a1), (a0, a1))
FN(archive, struct archive *, archive_write_new, (void), ())
FN(archive, int, archive_write_open_fd, (struct archive *a0, int a1), (a0, a1))
FN(archive, int, archive_write_set_format_pax_restricted, (struct archive *a0), (a0))

/* Variadic: the message is formatted here and passed on as "%s". */
void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	REAL(archive, archive_set_error)
	if (!fmt) {
		fn(a, code, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(a, code, "%s", msg);
}

FN(sqlite3, int, sqlite3_bind_int64, (sqlite3_stmt *a0, int a1, sqlite3_int64 a2), (a0, a1, a2))
FN(sqlite3, int, sqlite3_bind_text, (sqlite3_stmt *a0, int a1, const char *a2, int a3, void (*a4)(void *)),
   (a0, a1, a2, a3, a4))
FN(sqlite3, int, sqlite3_busy_timeout, (sqlite3 *a0, int a1), (a0, a1))
FN(sqlite3, int, sqlite3_clear_bindings, (sqlite3_stmt *a0), (a0))
FN(sqlite3, int, sqlite3_close, (sqlite3 *a0), (a0))
FN(sqlite3, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt *a0, int a1), (a0, a1))
FN(sqlite3, const unsigned char *, sqlite3_column_text, (sqlite3_stmt *a0, int a1), (a0, a1))
FN(sqlite3, const char *, sqlite3_errmsg, (sqlite3 *a0), (a0))
FN(sqlite3, const char *, sqlite3_errstr, (int a0), (a0))
FN(sqlite3, int, sqlite3_exec,
   (sqlite3 *a0, const char *a1, int (*a2)(void *, int, char **, char **), void *a3, char **a4),
   (a0, a1, a2, a3, a4))
FN(sqlite3, int, sqlite3_file_control, (sqlite3 * a0, const char *a1, int a2, void *a3),
   (a0, a1, a2, a3))
FN(sqlite3, int, sqlite3_finalize, (sqlite3_stmt *a0), (a0))
FN(sqlite3, int, sqlite3_open_v2, (const char *a0, sqlite3 **a1, int a2, const char *a3), (a0, a1, a2, a3))
FN(sqlite3, int, sqlite3_prepare_v2,
   (sqlite3 *a0, const char *a1, int a2, sqlite3_stmt **a3, const char **a4), (a0, a1, a2, a3, a4))
FN(sqlite3, int, sqlite3_reset, (sqlite3_stmt *a0), (a0))
FN(sqlite3, int, sqlite3_step, (sqlite3_stmt *a0), (a0))
