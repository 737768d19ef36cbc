/* libarchive, sqlite3, libcrypto and libcurl, loaded when image/ needs them.
 *
 * Only the image commands need these libraries; `nook oci run` needs none
 * and loads none.  Linked the ordinary way they cost every nook process
 * ~4 ms of loading and relocation and ~5 MB of RSS (libarchive pulls in
 * libxml2, ICU and libstdc++).  So nook does not link them: each function
 * image/ calls is defined here, with the library's own prototype, as a
 * stub that calls through a pointer.  A function image/ starts to use
 * needs one line in the table below; without it the link fails with an
 * undefined reference, never at run time.
 *
 * The discipline (crun's plugins do the same):
 * - img_libs_load() loads a library and resolves every symbol of the
 *   table for it at once, or returns an error and publishes nothing:
 *   never a half-loaded library, never an exit() here.  The entry points
 *   call it first (img_store_open: sqlite3 and libcrypto; img_load,
 *   img_import, img_save: libarchive), so no stub runs, in any thread,
 *   before its library is there.  A stub reached without that is a bug
 *   in nook and aborts, as an assertion would.
 * - The stubs are hidden: they never enter nook's dynamic symbol table,
 *   so a library in the process (the real libarchive calling its own
 *   exported functions, an NSS module linking libcrypto) always gets the
 *   real function, never one of these.
 * - The sonames are probed at build time (Makefile); an empty one stops
 *   the build instead of becoming dlopen("") at run time.
 *
 * The libraries are found by soname, exactly as the dynamic loader would
 * have found them at startup (ld.so.cache, default paths).  image/ runs
 * on the host: it never calls into these libraries after changing its
 * root or mount namespace, so what is loaded is the host's library. */
#include "image/internal.h"

#define CURL_DISABLE_TYPECHECK /* the stubs below define the real names */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#if !defined(NOOK_SONAME_ARCHIVE) || !defined(NOOK_SONAME_SQLITE3) ||                             \
	!defined(NOOK_SONAME_CRYPTO) || !defined(NOOK_SONAME_CURL)
#error "build with the Makefile: it probes the sonames of the image libraries"
#endif
_Static_assert(sizeof(NOOK_SONAME_ARCHIVE) > 1 && sizeof(NOOK_SONAME_SQLITE3) > 1 &&
		   sizeof(NOOK_SONAME_CRYPTO) > 1 && sizeof(NOOK_SONAME_CURL) > 1,
	       "empty soname of an image library");

enum { LIB_archive, LIB_sqlite3, LIB_crypto, LIB_curl, NLIBS };

static const char *const sonames[NLIBS] = {
    [LIB_archive] = NOOK_SONAME_ARCHIVE,
    [LIB_sqlite3] = NOOK_SONAME_SQLITE3,
    [LIB_crypto] = NOOK_SONAME_CRYPTO,
    [LIB_curl] = NOOK_SONAME_CURL,
};

/* Every function image/ calls: F(lib, return type, name, (params), (args))
 * and V(...) for the void ones, without the return type. */
#define SYMBOLS(F, V)                                                                              \
	V(curl, curl_easy_cleanup, (CURL * a0), (a0))                                              \
	F(curl, CURL *, curl_easy_init, (void), ())                                                \
	F(curl, CURLcode, curl_easy_perform, (CURL * a0), (a0))                                    \
	V(curl, curl_easy_reset, (CURL * a0), (a0))                                                \
	F(curl, CURLMcode, curl_multi_add_handle, (CURLM * a0, CURL * a1), (a0, a1))               \
	F(curl, CURLMcode, curl_multi_cleanup, (CURLM * a0), (a0))                                 \
	F(curl, CURLMsg *, curl_multi_info_read, (CURLM * a0, int *a1), (a0, a1))                  \
	F(curl, CURLM *, curl_multi_init, (void), ())                                              \
	F(curl, CURLMcode, curl_multi_perform, (CURLM * a0, int *a1), (a0, a1))                    \
	F(curl, CURLMcode, curl_multi_poll,                                                        \
	  (CURLM * a0, struct curl_waitfd * a1, unsigned int a2, int a3, int *a4),                 \
	  (a0, a1, a2, a3, a4))                                                                    \
	F(curl, CURLMcode, curl_multi_remove_handle, (CURLM * a0, CURL * a1), (a0, a1))            \
	F(curl, const char *, curl_easy_strerror, (CURLcode a0), (a0))                             \
	F(curl, struct curl_slist *, curl_slist_append, (struct curl_slist * a0, const char *a1),  \
	  (a0, a1))                                                                                \
	V(curl, curl_slist_free_all, (struct curl_slist * a0), (a0))                               \
	F(crypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX * a0, unsigned char *a1, unsigned int *a2), \
	  (a0, a1, a2))                                                                            \
	F(crypto, int, EVP_DigestInit_ex, (EVP_MD_CTX * a0, const EVP_MD *a1, ENGINE *a2),         \
	  (a0, a1, a2))                                                                            \
	F(crypto, int, EVP_DigestUpdate, (EVP_MD_CTX * a0, const void *a1, size_t a2),             \
	  (a0, a1, a2))                                                                            \
	V(crypto, EVP_MD_CTX_free, (EVP_MD_CTX * a0), (a0))                                        \
	F(crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())                                        \
	F(crypto, const EVP_MD *, EVP_sha256, (void), ())                                          \
	F(archive, time_t, archive_entry_atime, (struct archive_entry * a0), (a0))                 \
	F(archive, int, archive_entry_atime_is_set, (struct archive_entry * a0), (a0))             \
	F(archive, long, archive_entry_atime_nsec, (struct archive_entry * a0), (a0))              \
	V(archive, archive_entry_copy_pathname, (struct archive_entry * a0, const char *a1),       \
	  (a0, a1))                                                                                \
	V(archive, archive_entry_copy_stat, (struct archive_entry * a0, const struct stat *a1),    \
	  (a0, a1))                                                                                \
	F(archive, mode_t, archive_entry_filetype, (struct archive_entry * a0), (a0))              \
	V(archive, archive_entry_free, (struct archive_entry * a0), (a0))                          \
	F(archive, la_int64_t, archive_entry_gid, (struct archive_entry * a0), (a0))               \
	F(archive, const char *, archive_entry_hardlink, (struct archive_entry * a0), (a0))        \
	V(archive, archive_entry_linkify,                                                          \
	  (struct archive_entry_linkresolver * a0, struct archive_entry * *a1,                     \
	   struct archive_entry * *a2),                                                            \
	  (a0, a1, a2))                                                                            \
	V(archive, archive_entry_linkresolver_free, (struct archive_entry_linkresolver * a0),      \
	  (a0))                                                                                    \
	F(archive, struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void),    \
	  ())                                                                                      \
	V(archive, archive_entry_linkresolver_set_strategy,                                        \
	  (struct archive_entry_linkresolver * a0, int a1), (a0, a1))                              \
	F(archive, mode_t, archive_entry_mode, (struct archive_entry * a0), (a0))                  \
	F(archive, time_t, archive_entry_mtime, (struct archive_entry * a0), (a0))                 \
	F(archive, long, archive_entry_mtime_nsec, (struct archive_entry * a0), (a0))              \
	F(archive, struct archive_entry *, archive_entry_new, (void), ())                          \
	F(archive, const char *, archive_entry_pathname, (struct archive_entry * a0), (a0))        \
	F(archive, dev_t, archive_entry_rdev, (struct archive_entry * a0), (a0))                   \
	V(archive, archive_entry_set_filetype, (struct archive_entry * a0, unsigned int a1),       \
	  (a0, a1))                                                                                \
	V(archive, archive_entry_set_gid, (struct archive_entry * a0, la_int64_t a1), (a0, a1))    \
	V(archive, archive_entry_set_mtime, (struct archive_entry * a0, time_t a1, long a2),       \
	  (a0, a1, a2))                                                                            \
	V(archive, archive_entry_set_pathname, (struct archive_entry * a0, const char *a1),        \
	  (a0, a1))                                                                                \
	V(archive, archive_entry_set_perm, (struct archive_entry * a0, mode_t a1), (a0, a1))       \
	V(archive, archive_entry_set_size, (struct archive_entry * a0, la_int64_t a1), (a0, a1))   \
	V(archive, archive_entry_set_symlink, (struct archive_entry * a0, const char *a1),         \
	  (a0, a1))                                                                                \
	V(archive, archive_entry_set_uid, (struct archive_entry * a0, la_int64_t a1), (a0, a1))    \
	F(archive, la_int64_t, archive_entry_size, (struct archive_entry * a0), (a0))              \
	F(archive, const char *, archive_entry_symlink, (struct archive_entry * a0), (a0))         \
	F(archive, la_int64_t, archive_entry_uid, (struct archive_entry * a0), (a0))               \
	F(archive, int, archive_entry_xattr_next,                                                  \
	  (struct archive_entry * a0, const char **a1, const void **a2, size_t *a3),               \
	  (a0, a1, a2, a3))                                                                        \
	F(archive, int, archive_entry_xattr_reset, (struct archive_entry * a0), (a0))              \
	F(archive, int, archive_errno, (struct archive * a0), (a0))                                \
	F(archive, const char *, archive_error_string, (struct archive * a0), (a0))                \
	F(archive, int, archive_format, (struct archive * a0), (a0))                               \
	F(archive, la_ssize_t, archive_read_data, (struct archive * a0, void *a1, size_t a2),      \
	  (a0, a1, a2))                                                                            \
	F(archive, int, archive_read_data_block,                                                   \
	  (struct archive * a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3))    \
	F(archive, int, archive_read_data_into_fd, (struct archive * a0, int a1), (a0, a1))        \
	F(archive, int, archive_read_disk_descend, (struct archive * a0), (a0))                    \
	F(archive, struct archive *, archive_read_disk_new, (void), ())                            \
	F(archive, int, archive_read_disk_open, (struct archive * a0, const char *a1), (a0, a1))   \
	F(archive, int, archive_read_disk_set_standard_lookup, (struct archive * a0), (a0))        \
	F(archive, int, archive_read_disk_set_symlink_physical, (struct archive * a0), (a0))       \
	F(archive, int, archive_read_free, (struct archive * a0), (a0))                            \
	F(archive, struct archive *, archive_read_new, (void), ())                                 \
	F(archive, int, archive_read_next_header,                                                  \
	  (struct archive * a0, struct archive_entry * *a1), (a0, a1))                             \
	F(archive, int, archive_read_next_header2,                                                 \
	  (struct archive * a0, struct archive_entry * a1), (a0, a1))                              \
	F(archive, int, archive_read_open,                                                         \
	  (struct archive * a0, void *a1, archive_open_callback *a2, archive_read_callback *a3,    \
	   archive_close_callback *a4),                                                            \
	  (a0, a1, a2, a3, a4))                                                                    \
	F(archive, int, archive_read_open_fd, (struct archive * a0, int a1, size_t a2),            \
	  (a0, a1, a2))                                                                            \
	F(archive, int, archive_read_support_filter_gzip, (struct archive * a0), (a0))             \
	F(archive, int, archive_read_support_filter_zstd, (struct archive * a0), (a0))             \
	F(archive, int, archive_read_support_format_raw, (struct archive * a0), (a0))              \
	F(archive, int, archive_read_support_format_tar, (struct archive * a0), (a0))              \
	F(archive, int, archive_write_close, (struct archive * a0), (a0))                          \
	F(archive, la_ssize_t, archive_write_data,                                                 \
	  (struct archive * a0, const void *a1, size_t a2), (a0, a1, a2))                          \
	F(archive, int, archive_write_free, (struct archive * a0), (a0))                           \
	F(archive, int, archive_write_header, (struct archive * a0, struct archive_entry * a1),    \
	  (a0, a1))                                                                                \
	F(archive, struct archive *, archive_write_new, (void), ())                                \
	F(archive, int, archive_write_open_fd, (struct archive * a0, int a1), (a0, a1))            \
	F(archive, int, archive_write_set_format_pax_restricted, (struct archive * a0), (a0))      \
	SQLITE_SYMBOLS(F, V)

/* sqlite3 is linked in unless built with STATIC_LIBS= (Makefile): then its
 * functions are the library's own and need no stub. */
#ifdef NOOK_SQLITE3_LINKED
#define SQLITE_SYMBOLS(F, V)
#else
#define SQLITE_SYMBOLS(F, V)                                                                       \
	F(sqlite3, int, sqlite3_bind_int64, (sqlite3_stmt * a0, int a1, sqlite3_int64 a2),         \
	  (a0, a1, a2))                                                                            \
	F(sqlite3, int, sqlite3_bind_text,                                                         \
	  (sqlite3_stmt * a0, int a1, const char *a2, int a3, void (*a4)(void *)),                 \
	  (a0, a1, a2, a3, a4))                                                                    \
	F(sqlite3, int, sqlite3_busy_timeout, (sqlite3 * a0, int a1), (a0, a1))                    \
	F(sqlite3, int, sqlite3_clear_bindings, (sqlite3_stmt * a0), (a0))                         \
	F(sqlite3, int, sqlite3_close, (sqlite3 * a0), (a0))                                       \
	F(sqlite3, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * a0, int a1), (a0, a1))     \
	F(sqlite3, const unsigned char *, sqlite3_column_text, (sqlite3_stmt * a0, int a1),        \
	  (a0, a1))                                                                                \
	F(sqlite3, const char *, sqlite3_errmsg, (sqlite3 * a0), (a0))                             \
	F(sqlite3, const char *, sqlite3_errstr, (int a0), (a0))                                   \
	F(sqlite3, int, sqlite3_file_control, (sqlite3 * a0, const char *a1, int a2, void *a3),    \
	  (a0, a1, a2, a3))                                                                        \
	F(sqlite3, int, sqlite3_exec,                                                              \
	  (sqlite3 * a0, const char *a1, int (*a2)(void *, int, char **, char **), void *a3,       \
	   char **a4),                                                                             \
	  (a0, a1, a2, a3, a4))                                                                    \
	F(sqlite3, int, sqlite3_finalize, (sqlite3_stmt * a0), (a0))                               \
	F(sqlite3, int, sqlite3_open_v2, (const char *a0, sqlite3 **a1, int a2, const char *a3),   \
	  (a0, a1, a2, a3))                                                                        \
	F(sqlite3, int, sqlite3_prepare_v2,                                                        \
	  (sqlite3 * a0, const char *a1, int a2, sqlite3_stmt **a3, const char **a4),              \
	  (a0, a1, a2, a3, a4))                                                                    \
	F(sqlite3, int, sqlite3_reset, (sqlite3_stmt * a0), (a0))                                  \
	F(sqlite3, int, sqlite3_step, (sqlite3_stmt * a0), (a0))
#endif

/* archive_set_error, curl_easy_setopt, curl_easy_getinfo and
 * sqlite3_db_config are variadic: resolved with the rest, their stubs are
 * written out below. */
#define SYM_ENUM_F(lib, ret, name, params, args) SYM_##name,
#define SYM_ENUM_V(lib, name, params, args)	 SYM_##name,
enum {
	SYMBOLS(SYM_ENUM_F, SYM_ENUM_V) SYM_archive_set_error,
	SYM_curl_easy_setopt,
	SYM_curl_easy_getinfo,
#ifndef NOOK_SQLITE3_LINKED
	SYM_sqlite3_db_config,
#endif
	NSYMS
};

#define SYM_INFO_F(lib, ret, name, params, args) [SYM_##name] = {LIB_##lib, #name},
#define SYM_INFO_V(lib, name, params, args)	 [SYM_##name] = {LIB_##lib, #name},
static const struct {
	int lib;
	const char *name;
} syms[NSYMS] = {
    SYMBOLS(SYM_INFO_F, SYM_INFO_V)[SYM_archive_set_error] = {LIB_archive, "archive_set_error"},
    [SYM_curl_easy_setopt] = {LIB_curl, "curl_easy_setopt"},
    [SYM_curl_easy_getinfo] = {LIB_curl, "curl_easy_getinfo"},
#ifndef NOOK_SQLITE3_LINKED
    [SYM_sqlite3_db_config] = {LIB_sqlite3, "sqlite3_db_config"},
#endif
};

/* Written once per library under the lock, before its flag is published;
 * read by the stubs after an acquire load of the flag. */
static void *fns[NSYMS];
static void *handles[NLIBS];
static bool loaded[NLIBS];
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static int lib_load(int lib, struct error *err)
{
	void *h, *got[NSYMS];

#ifdef NOOK_SQLITE3_LINKED
	if (lib == LIB_sqlite3) {
		__atomic_store_n(&loaded[lib], true, __ATOMIC_RELEASE);
		return 0;
	}
#endif
	h = dlopen(sonames[lib], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return error_set(err, ELIBACC, "cannot load %s: %s", sonames[lib], dlerror());
	for (size_t i = 0; i < NSYMS; i++) {
		if (syms[i].lib != lib)
			continue;
		got[i] = dlsym(h, syms[i].name);
		if (!got[i]) {
			dlclose(h);
			return error_set(err, ELIBBAD, "cannot use %s: it has no symbol %s",
					 sonames[lib], syms[i].name);
		}
	}
	for (size_t i = 0; i < NSYMS; i++)
		if (syms[i].lib == lib)
			fns[i] = got[i];
	handles[lib] = h;
	__atomic_store_n(&loaded[lib], true, __ATOMIC_RELEASE);
	return 0;
}

int img_libs_load(unsigned libs, struct error *err)
{
	static const unsigned bits[NLIBS] = {
	    [LIB_archive] = IMG_LIB_ARCHIVE,
	    [LIB_sqlite3] = IMG_LIB_SQLITE3,
	    [LIB_crypto] = IMG_LIB_CRYPTO,
	    [LIB_curl] = IMG_LIB_CURL,
	};
	int rc = 0;

	pthread_mutex_lock(&load_lock);
	for (int lib = 0; lib < NLIBS && rc == 0; lib++)
		if ((libs & bits[lib]) && !loaded[lib])
			rc = lib_load(lib, err);
	pthread_mutex_unlock(&load_lock);
	return rc;
}

/* The function behind a stub. */
static void *fn_of(int sym)
{
	if (!__atomic_load_n(&loaded[syms[sym].lib], __ATOMIC_ACQUIRE))
		abort(); /* a bug: an entry point did not call img_libs_load() */
	return fns[sym];
}

/* __typeof__ of the header's declaration keeps each pointer's type exactly
 * the library's; the hidden visibility keeps the stub out of the dynamic
 * symbol table (see the top of this file). */
#define STUB_F(lib, ret, name, params, args)                                                       \
	__attribute__((visibility("hidden"))) ret name params                                      \
	{                                                                                          \
		return ((__typeof__(name) *)fn_of(SYM_##name))args;                                \
	}
#define STUB_V(lib, name, params, args)                                                            \
	__attribute__((visibility("hidden"))) void name params                                     \
	{                                                                                          \
		((__typeof__(name) *)fn_of(SYM_##name)) args;                                      \
	}
SYMBOLS(STUB_F, STUB_V)

/* Variadic: the message is formatted here and passed on as "%s". */
__attribute__((visibility("hidden"))) void archive_set_error(struct archive *a, int code,
							     const char *fmt, ...)
{
	__typeof__(archive_set_error) *fn = fn_of(SYM_archive_set_error);
	char msg[1024];
	va_list ap;

	if (!fmt) {
		fn(a, code, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(a, code, "%s", msg);
}

/* curl's options and infos take one argument of the type the option
 * names (long, a pointer or curl_off_t): image/ calls these typed
 * wrappers, which pass it on as that type. */
int img_curl_setopt_long(void *h, int opt, long v)
{
	__typeof__(curl_easy_setopt) *fn = fn_of(SYM_curl_easy_setopt);

	return (int)fn(h, (CURLoption)opt, v);
}

int img_curl_setopt_ptr(void *h, int opt, const void *v)
{
	__typeof__(curl_easy_setopt) *fn = fn_of(SYM_curl_easy_setopt);

	return (int)fn(h, (CURLoption)opt, v);
}

int img_curl_setopt_off(void *h, int opt, int64_t v)
{
	__typeof__(curl_easy_setopt) *fn = fn_of(SYM_curl_easy_setopt);

	return (int)fn(h, (CURLoption)opt, (curl_off_t)v);
}

int img_curl_getinfo(void *h, int info, void *out)
{
	__typeof__(curl_easy_getinfo) *fn = fn_of(SYM_curl_easy_getinfo);

	return (int)fn(h, (CURLINFO)info, out);
}

/* sqlite3_db_config of the options that take (int, int *). */
int img_sqlite_db_flag(sqlite3 *db, int op, int on)
{
#ifdef NOOK_SQLITE3_LINKED
	return sqlite3_db_config(db, op, on, (int *)NULL);
#else
	__typeof__(sqlite3_db_config) *fn = fn_of(SYM_sqlite3_db_config);

	return fn(db, op, on, (int *)NULL);
#endif
}
