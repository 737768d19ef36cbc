/* image internals shared between the files of image/. */
#ifndef NOOK_IMAGE_INTERNAL_H
#define NOOK_IMAGE_INTERNAL_H

#include "image/image.h"

#include <sqlite3.h>

struct img_store {
	char *root;
	int rootfd;  /* the store directory */
	int gcfd;    /* gc.lock: shared while loading, exclusive to sweep */
	sqlite3 *db;
	uint64_t max_layer_size;
	int jobs;
	bool wal_settled; /* the log was checkpointed before our first write */
	bool relaxed;     /* synchronous=NORMAL (img_store_opts.relaxed) */
	char *spare;      /* img_store_opts.spare, until taken */
};

/* Insert the row of user key (of image id) in the transaction begun,
 * conflict the error code when the key is recorded already (query.c). */
int img_user_insert(struct img_store *s, const char *key, const char *id, int conflict,
		    struct error *err);

/* Give the spare container directories (img_spare_make) the name dir, if
 * there are any, made and not taken yet; false: none (made or not, they
 * are not ours to take from then on). */
bool img_store_spare_take(struct img_store *s, const char *dir);

/* ---------------------------------------------------------- libraries -- */

/* The libraries image/ loads on demand (libs.c). */
enum { IMG_LIB_ARCHIVE = 1, IMG_LIB_SQLITE3 = 2, IMG_LIB_CRYPTO = 4, IMG_LIB_CURL = 8 };
/* Load each library of the mask not loaded yet and resolve every function
 * image/ uses from it, all or nothing: on error (-1, ELIBACC when it
 * cannot be loaded, ELIBBAD when a function is missing) nothing of that
 * library is used.  Safe from any thread.  Every entry point calls it
 * before its first call into a library. */
int img_libs_load(unsigned libs, struct error *err);
/* curl_easy_setopt / curl_easy_getinfo with their argument's type spelt
 * out (the real functions are variadic); IMG_LIB_CURL loaded. */
int img_curl_setopt_long(void *h, int opt, long v);
int img_curl_setopt_ptr(void *h, int opt, const void *v);
int img_curl_setopt_off(void *h, int opt, int64_t v);
int img_curl_getinfo(void *h, int info, void *out);
/* sqlite3_db_config(db, op, on, NULL) for the on/off options
 * (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, ...); IMG_LIB_SQLITE3 loaded. */
int img_sqlite_db_flag(sqlite3 *db, int op, int on);

/* ------------------------------------------------------------ digests -- */

struct img_hash {
	void *ctx; /* EVP_MD_CTX */
};
void img_hash_init(struct img_hash *h);
void img_hash_update(struct img_hash *h, const void *buf, size_t len);
/* Writes "sha256:<hex>" (72 bytes with NUL) and releases the context. */
void img_hash_final(struct img_hash *h, char out[72]);
void img_hash_release(struct img_hash *h);
/* sha256 of a buffer. */
void img_digest_buf(const void *buf, size_t len, char out[72]);
/* Hash fd from its start to EOF; *size optional. */
int img_digest_fd(int fd, char out[72], uint64_t *size, struct error *err);
/* Copy src to dst (both fds, from their current offsets) hashing it. */
int img_copy_hash(int src, int dst, char out[72], uint64_t *size, struct error *err);
/* The same, refusing (EFBIG) an input of more than max bytes as soon as
 * it has read that much. */
int img_copy_hash_max(int src, int dst, uint64_t max, char out[72], uint64_t *size,
		      struct error *err);
/* "sha256:<hex>" -> "<hex>" (NULL when not valid). */
const char *img_digest_hex(const char *digest);

/* ---------------------------------------------------- layer unpacking -- */

/* Cleans a tar member name as GNU tar does: leading '/' and "./", empty
 * and "." components dropped.  A name with a ".." component is refused
 * (-1, EINVAL).  "" means the layer root itself.  *out is allocated. */
int img_tar_name_clean(const char *name, char **out, struct error *err);

/* IMG_WH_META: other ".wh..wh." names (aufs bookkeeping), skipped. */
enum img_whiteout { IMG_WH_NONE = 0, IMG_WH_FILE, IMG_WH_OPAQUE, IMG_WH_META };
/* Classify the last component of a cleaned name.  For IMG_WH_FILE *target
 * points at the hidden name inside base; a whiteout of "", "." or ".." is
 * refused (-1). */
int img_whiteout_kind(const char *base, enum img_whiteout *kind, const char **target,
		      struct error *err);

/* Told how far an unpack got (compressed bytes read, uncompressed bytes
 * seen), at most every IMG_WATCH_INTERVAL seconds. */
struct img_unpack_watch {
	void (*fn)(void *data, uint64_t read, uint64_t bytes);
	void *data;
};
#define IMG_WATCH_INTERVAL 0.1

/* Unpack the layer read from fd (tar, tar+gzip or tar+zstd) into the empty
 * directory destfd.  When diff_id is not NULL it is checked against the
 * sha256 of the uncompressed stream; *diff_out (optional) gets it.  More
 * than max_size uncompressed bytes is refused.  watch may be NULL.  On
 * error destfd is left partly filled: the caller removes it. */
int img_layer_unpack(int fd, int destfd, const char *diff_id, uint64_t max_size,
		     const struct img_unpack_watch *watch, char diff_out[72], uint64_t *size_out,
		     struct error *err);

/* A digest of a directory tree as unpacked: every entry's path, type,
 * mode, owner, size, link target, device number and file content,
 * independent of the order entries are read in.  *files gets the number
 * of entries.  What `system check` compares with what was recorded at
 * unpack time. */
int img_tree_digest(int dirfd, uint64_t *files, char out[72], struct error *err);

/* -------------------------------------------------------------- store -- */

int img_db_exec(struct img_store *s, const char *sql, struct error *err);
int img_db_begin(struct img_store *s, struct error *err);
int img_db_commit(struct img_store *s, struct error *err);
void img_db_rollback(struct img_store *s);
sqlite3_stmt *img_db_prepare(struct img_store *s, const char *sql, struct error *err);
int img_db_error(struct img_store *s, struct error *err, const char *what);
/* The first column of the rows of sql with ?1 bound to arg (empty when
 * the query fails); strv_free. */
char **img_db_strv(struct img_store *s, const char *sql, const char *arg);
/* Remove files (layers, blobs, user dirs) nothing references and finish
 * what killed commands left.  Takes the gc lock exclusively; wait=false
 * gives up when a load holds it. */
int img_store_sweep(struct img_store *s, bool wait, uint64_t *reclaimed, struct error *err);

/* Whether the database records the entry name of the store directory dir
 * ("layers", "blobs/sha256", "containers").  Only a recorded entry is
 * complete; anything else is a killed command's leftover. */
bool img_store_vouches(struct img_store *s, const char *dir, const char *name);
/* Move fromfd/from into trash/ as "<kind>-<name>" ("junk" kind: never
 * restored).  A trash entry whose kind and name the database still
 * records when the trash is emptied goes back (its deletion's transaction
 * did not commit); the rest is deleted.  ENOENT counts as done. */
int img_trash_put(struct img_store *s, int fromfd, const char *from, const char *kind,
		  const char *name, char **moved_to, struct error *err);
/* Move every entry of layers/, blobs/sha256/ and containers/ the database
 * does not vouch for into the trash.  Gc lock held exclusively; inside a
 * transaction that forgets rows, a kill before COMMIT is undone by the
 * trash's restore rule. */
void img_store_collect(struct img_store *s);
bool img_store_trash_empty(struct img_store *s);
/* Finish what killed commands left (stale staging dirs, unrecorded files,
 * the trash).  _locked: the caller holds the gc lock exclusively;
 * img_store_recover takes it when there is anything to do. */
void img_store_recover_locked(struct img_store *s, uint64_t *reclaimed);
int img_store_recover(struct img_store *s, struct error *err);

/* Read the blob sha256:<hex> of the store into memory. */
int img_blob_read(struct img_store *s, const char *digest, char **out, size_t *len,
		  struct error *err);

/* ------------------------------------------------------------ staging -- */

/* One layer of an image being added. */
struct img_layer_plan {
	char *digest;     /* blob digest */
	char *media_type;
	uint64_t size;    /* blob size */
	char *diff_id;    /* expected; filled by unpacking for imports */
	char *src;        /* path of the blob in the source (srcfd) */
	uint64_t unpacked;
	uint64_t files;   /* entries of the unpacked layer */
	char content[72]; /* img_tree_digest of the unpacked layer */
};

struct img_plan {
	char *config;     /* config JSON */
	size_t config_len;
	char *manifest;   /* manifest JSON */
	size_t manifest_len;
	char *manifest_type;
	struct img_layer_plan *layers;
	size_t nlayers;
	char **names;     /* full names to tag */
	char **bare_tags; /* index entries' ref.name that are a tag alone ("1.0") */
	int64_t created;  /* from the config */
	char config_digest[72];
	char manifest_digest[72];
};
void img_plan_release(struct img_plan *p);

/* A directory under tmp/ holding what one command is adding; flock'ed for
 * its life, so a sweep can tell a live staging dir from a killed one's. */
struct img_staging {
	int dirfd;
	char *name;      /* tmp/<name> */
	int srcfd;       /* where layer blobs named by img_layer_plan.src live */
	bool src_owned;  /* srcfd is inside the staging dir: blobs may be linked */
	img_progress_fn progress;
	void *progress_data;
};

/* ------------------------------------------------------------ sources -- */

struct img_platform {
	char os[32], arch[32], variant[32];
};
/* "os/arch[/variant]", or the host's when spec is NULL. */
int img_platform_parse(const char *spec, struct img_platform *p, struct error *err);
/* Plan the images of an OCI layout or docker-save directory srcfd (what
 * names it in messages): read and check its JSON documents, nothing
 * written.  *plans (n of them, also on error) are released by the caller
 * with img_plan_release() and free(). */
int img_source_plan(int srcfd, const char *what, const struct img_platform *plat,
		    struct img_plan **plans, size_t *n, struct error *err);

int img_staging_init(struct img_store *s, struct img_staging *st, struct error *err);
void img_staging_release(struct img_store *s, struct img_staging *st);
/* Verify, stage and unpack (in parallel) what the plans need, then move it
 * into the store and record the images in one transaction. */
int img_staging_commit(struct img_store *s, struct img_staging *st, struct img_plan *plans,
		       size_t n, struct error *err);
/* Read a whole file below srcfd (resolved inside it), at most max bytes. */
/* Extract a (compressed) tar of regular files, dirs and symlinks into
 * dstfd, every name confined to it. */
int img_archive_extract(int infd, int dstfd, struct error *err);
int img_fd_read(int fd, size_t max, char **out, size_t *len, struct error *err);
int img_src_read(int srcfd, const char *path, size_t max, char **out, size_t *len,
		 struct error *err);

/* ----------------------------------------------------------- registry -- */

/* A client of one repository of a registry (image/registry.c).  Needs
 * IMG_LIB_CURL (and IMG_LIB_CRYPTO for hashed downloads). */
struct img_registry {
	void *curl;    /* CURL easy handle */
	char *base;    /* "https://registry-1.docker.io", "http://127.0.0.1:5000" */
	char *domain;  /* as in the reference, for messages */
	char *repo;    /* "library/busybox" */
	char *actions; /* token scope: "pull" or "pull,push" */
	char *auth;    /* "Authorization: …" header once a token was given */
	char *user, *pass; /* from auth.json (img_auth_get), or NULL */
	bool insecure; /* TLS unverified, plain HTTP when it has none */
	bool loopback; /* never through a proxy */
	bool scheme_known; /* a request was answered: no more falling back */
	char *ca_pem;      /* the system CAs and those of certs.d/HOST, or NULL */
	size_t ca_len;
	char *cert_file, *key_file; /* certs.d/HOST/NAME.cert and NAME.key, or NULL */
	void *resolve;     /* curl_slist of $NOOK_REGISTRY_RESOLVE, or NULL */
};

struct img_http_req {
	const char *method;       /* GET, HEAD, POST, PUT, PATCH */
	const char *path;         /* "/v2/…" below the base, or an absolute URL */
	const char *accept, *content_type;
	const void *body;         /* body from memory… */
	size_t body_len;
	int body_fd;              /* …or from this fd (-1: none) */
	uint64_t body_size;
	uint64_t max;             /* most bytes of a 2xx body accepted */
	int sink_fd;              /* a 2xx body goes here (-1: into res.body) */
	struct img_hash *hash;    /* updated with what goes to sink_fd */
	uint64_t range_from;      /* resume: sink_fd holds this many bytes */
	void (*tick)(void *data, uint64_t received);
	void *tick_data;
};

struct img_http_res {
	long status;
	char *body; /* 2xx without sink_fd, or the error document */
	size_t len;
	uint64_t received; /* bytes in sink_fd (with range_from: the earlier ones too) */
	uint64_t range_start; /* of a 206 */
	bool restarted;    /* a range request answered 200: sink_fd was emptied */
	char *ctype, *location, *www_auth, *digest, *link;
};
void img_http_res_release(struct img_http_res *res);

/* insecure: --tls-verify=false (the loopback always is, as for docker). */
int img_registry_open(struct img_registry *r, const struct img_ref *ref, const char *actions,
		      bool insecure, struct error *err);
void img_registry_close(struct img_registry *r);
/* Use these credentials instead of the stored ones (login checks them). */
void img_registry_set_login(struct img_registry *r, const char *user, const char *pass);

/* auth.json (image/auth.c).  The registry's credentials, *user and *pass
 * NULL when it has none. */
int img_auth_get(const char *registry, char **user, char **pass, struct error *err);
char *img_base64(const void *data, size_t len);
/* Perform req; a 401 with a Bearer challenge gets an anonymous token and
 * the request once more.  -1 only when no HTTP answer came (or the
 * answer broke a limit of req, or a token was refused), with res released;
 * any status is the caller's to judge. */
int img_registry_request(struct img_registry *r, const struct img_http_req *req,
			 struct img_http_res *res, struct error *err);
/* n requests at once, at most parallel in flight, over one pool of
 * connections (HTTP/2 multiplexed where the registry offers it).  No
 * authentication retry: a 401 is left in res[i] for the caller to repeat
 * with img_registry_request.  rcs[i] and errs[i] as its return and error. */
void img_registry_request_all(struct img_registry *r, const struct img_http_req *reqs,
			      struct img_http_res *res, int *rcs, struct error *errs, size_t n,
			      size_t parallel);
/* One line for a curl failure: unknown host, TLS not trusted, down. */
int img_registry_curl_error(struct img_registry *r, int code, const char *detail,
			    struct error *err);
/* Where per-registry certificates live: $NOOK_CERTS_DIR or
 * /etc/containers/certs.d. */
const char *img_certs_dir(void);
/* Read certs.d/<domain> into r (ca_pem, cert_file, key_file); nothing
 * when it has no such directory. */
int img_certs_load(struct img_registry *r, struct error *err);
/* registries.conf (image/regconf.c); conf_path NULL: the environment's
 * or the system's.  The references to try for ref, best first: ref
 * itself when it names its registry, else its alias, else one per
 * unqualified-search registry (an error for several in enforcing
 * short-name-mode), else docker's docker.io.  strv_free. */
int img_ref_candidates(const char *ref, const char *conf_path, char ***out, struct error *err);
/* The [[registry]] entry for ref: *location (allocated, NULL when the
 * name is not rewritten) and insecure; -1 when it is blocked. */
int img_regconf_registry(const char *conf_path, const struct img_ref *ref, char **location,
			 bool *insecure, struct error *err);
/* GET a JSON list that the registry pages with Link: rel="next" (the
 * catalog, a repository's tags): the strings of key of every page.
 * Errors start with what. */
int img_registry_list(struct img_registry *r, const char *path, const char *key, const char *what,
		      char ***out, struct error *err);

/* One line for a refused request: "what: manifest unknown (MANIFEST_UNKNOWN)". */
int img_registry_error(struct img_registry *r, const struct img_http_res *res, const char *what,
		       struct error *err);

#endif
