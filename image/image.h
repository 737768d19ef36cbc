/* image: the image store.  Content-addressed blobs (blobs/sha256/<hex>),
 * layers unpacked once per diff_id (layers/<hex>/diff) and metadata in one
 * SQLite database (nook.db, WAL mode).  Several processes may use one store
 * at once: every metadata change is one IMMEDIATE transaction, files are
 * staged under tmp/ and renamed into place before the transaction that
 * references them commits, and whatever a killed command left behind is
 * swept by the next one.
 *
 * Nothing here mounts anything: overlayfs/ does, driven by cli/ or runtime/
 * with the layer paths img_layer_paths() hands out.  Functions are not
 * async-signal-safe and must not be called in a child after clone(). */
#ifndef NOOK_IMAGE_H
#define NOOK_IMAGE_H

#include "base/base.h"

#define IMG_DEFAULT_ROOT "/var/lib/nook"
/* Default limit on the uncompressed size of one layer (decompression bombs). */
#define IMG_DEFAULT_MAX_LAYER_SIZE (64ULL << 30)

struct img_store;

struct img_store_opts {
	const char *root;        /* NULL: IMG_DEFAULT_ROOT */
	uint64_t max_layer_size; /* 0: IMG_DEFAULT_MAX_LAYER_SIZE */
	int jobs;                /* parallel layer unpacks; 0: number of CPUs */
	/* Commits may be lost on power loss (never on a crash or kill -9 of
	 * the process: SQLite's WAL survives that).  For the engine's
	 * container records only, whose every state `rm -f` cleans up; image
	 * commands, which delete files after a commit, keep every commit
	 * durable. */
	bool relaxed;
	/* The name of a container's directories another process may have
	 * made ahead (img_spare_make); the first container made takes them
	 * if they are ready.  NULL: none. */
	const char *spare;
};

/* A container's directories (its upper and work directories) made ahead,
 * by the monitor spawned while its client opens the store and creates the
 * container, off that path: ext4 without a journal can take a good part
 * of a millisecond per inode after many containers came and went.  Made
 * in the store's tmp/ (the next command's sweep takes what a killed maker
 * left) and kept locked: the fd to hold until the client took them or
 * never will, then img_spare_drop.  -1: none made (no such store yet, say;
 * the client makes them as it always did). */
int img_spare_make(const char *root, const char *name);
/* Close fd and delete the spare if the client did not take it. */
void img_spare_drop(const char *root, const char *name, int fd);

/* Open (creating if needed) the store and sweep what killed commands left. */
struct img_store *img_store_open(const struct img_store_opts *opts, struct error *err);
void img_store_free(struct img_store *s);
const char *img_store_root(const struct img_store *s);

/* ---------------------------------------------------------- references -- */

/* A docker-style reference: "busybox" is docker.io/library/busybox:latest. */
struct img_ref {
	char *name;   /* "docker.io/library/busybox" */
	char *tag;    /* "latest"; NULL when only a digest was given */
	char *digest; /* "sha256:<hex>" or NULL */
	char *domain; /* "docker.io", "localhost:5000" */
	char *path;   /* the repository inside it: "library/busybox" */
};

int img_ref_parse(const char *s, struct img_ref *ref, struct error *err);
void img_ref_release(struct img_ref *ref);
/* The reference in full: "docker.io/library/busybox:latest",
 * "localhost:5000/x@sha256:…", "name:tag@sha256:…" (allocated). */
char *img_ref_string(const struct img_ref *ref);
/* "docker.io/library/busybox" -> "busybox", "docker.io/x/y" -> "x/y". */
const char *img_name_familiar(const char *name);

/* "sha256:" followed by 64 lowercase hex digits. */
bool img_digest_valid(const char *digest);

/* ---------------------------------------------------------------- load -- */

/* Progress of one layer of a load. */
enum img_layer_event {
	IMG_LAYER_REUSED,    /* the store has it already */
	IMG_LAYER_START,     /* unpacking begins */
	IMG_LAYER_PROGRESS,  /* a few times a second while unpacking */
	IMG_LAYER_DONE,      /* unpacked and verified */
	IMG_LAYER_FETCH,     /* downloading (pull): read of size bytes so far */
};
struct img_layer_progress {
	enum img_layer_event event;
	const char *digest;  /* blob digest */
	const char *diff_id; /* NULL until known (imports learn it at DONE) */
	uint64_t read, size; /* compressed bytes read so far / blob size */
	uint64_t bytes;      /* uncompressed bytes so far (the layer's size at DONE) */
	double seconds;      /* since START */
};
/* Called from the unpacking threads, one call at a time. */
typedef void (*img_progress_fn)(void *data, const struct img_layer_progress *p);

struct img_load_opts {
	const char *path;     /* OCI layout dir, OCI/docker archive; NULL = stdin */
	const char *platform; /* "os/arch[/variant]"; NULL = the host's */
	/* "REPO[:TAG]" or NULL: an image whose index entry names only a tag
	 * ("1.0", as umoci and skopeo oci:DIR:TAG write) becomes REPO:1.0; the
	 * one image without any name becomes REPO:TAG (TAG "latest" when not
	 * given).  An error when it would name nothing, or two unnamed images. */
	const char *name;
	img_progress_fn progress;
	void *progress_data;
};

/* Load every image of an OCI layout or docker-save archive.  *loaded gets
 * one line per image ("docker.io/library/busybox:latest" or "sha256:<id>"
 * when untagged); free with strv_free. */
int img_load(struct img_store *s, const struct img_load_opts *opts, char ***loaded,
	     struct error *err);
/* A one-layer image from a root filesystem: a directory, a (compressed) tar
 * or "-" (a tar on stdin).  name may be NULL.  *id gets "sha256:<hex>". */
int img_import(struct img_store *s, const char *src, const char *name, char **id,
	       struct error *err);
/* Write an OCI layout archive holding the images to fd. */
int img_save(struct img_store *s, char *const *refs, int fd, struct error *err);

/* ---------------------------------------------------------- registries -- */

struct img_pull_opts {
	const char *ref;      /* "busybox", "localhost:5000/x:1", "x@sha256:…" */
	const char *platform; /* "os/arch[/variant]"; NULL = the host's */
	bool insecure;        /* --tls-verify=false: TLS unverified, else plain HTTP */
	const char *registries_conf; /* NULL: $CONTAINERS_REGISTRIES_CONF or the system's */
	img_progress_fn progress; /* also told IMG_LAYER_FETCH; may be NULL */
	void *progress_data;
};
struct img_pull_result {
	char *name; /* "docker.io/library/busybox:latest"; NULL when pulled by digest */
	char *id;   /* "sha256:<hex>" */
	size_t layers, fetched; /* layers of the image / downloaded now */
	uint64_t fetched_bytes;
};
void img_pull_result_release(struct img_pull_result *r);
/* Fetch an image over the OCI distribution API (libcurl, loaded here) and
 * add it as `img_load` does: every blob verified by digest while it
 * streams, nothing recorded unless all of it arrived, layer blobs the
 * store holds not fetched again.  Schema 1 manifests are refused. */
int img_pull(struct img_store *s, const struct img_pull_opts *o, struct img_pull_result *res,
	     struct error *err);

/* The tags of ref's repository (tags/list, every page) as full
 * references "domain/path:tag"; strv_free. */
int img_tags_list(const char *ref, bool insecure, const char *registries_conf, char ***refs,
		  struct error *err);

struct img_push_result {
	char *name;        /* the destination in full */
	char digest[72];   /* of the manifest pushed */
	size_t blobs, uploaded; /* blobs of the image / uploaded (the others it had) */
	uint64_t uploaded_bytes;
	size_t mounted;     /* blobs mounted from another repository of the registry… */
	char *mounted_from; /* …this one (NULL when none was) */
};
void img_push_result_release(struct img_push_result *r);
/* Push image src of the store to dest (NULL: src's own name): blobs the
 * registry lacks (mounted from another repository of the registry that the
 * image has a name in, when it can; uploaded otherwise), then the manifest
 * as stored (OCI, or docker schema 2 for
 * an image pulled as such), or converted to format ("oci", "v2s2"; NULL:
 * as stored).  The store is only read. */
int img_push(struct img_store *s, const char *src, const char *dest, bool insecure,
	     const char *format, struct img_push_result *res, struct error *err);

/* Credentials in auth.json (podman's and skopeo's format): the file is
 * $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else
 * /run/containers/<uid>/auth.json; written atomically with mode 0600. */
char *img_auth_file(void);
int img_auth_set(const char *registry, const char *user, const char *pass, struct error *err);
/* ENOENT when there is nothing for the registry. */
int img_auth_remove(const char *registry, struct error *err);
/* Check user/pass with the registry (GET /v2/, basic or token auth), then
 * store them. */
int img_login(const char *registry, const char *user, const char *pass, bool insecure,
	      struct error *err);

/* The repositories of a registry's catalog (GET /v2/_catalog, first 1000)
 * whose name holds TERM, for "REGISTRY[/TERM]"; *found lines
 * "REGISTRY/REPO" (strv_free). */
int img_search(const char *term, bool insecure, char ***found, struct error *err);

/* ------------------------------------------------------------- queries -- */

struct img_info {
	char *id;      /* "sha256:<hex>" (the config digest, as docker) */
	char **names;  /* full names "docker.io/library/busybox:latest"; may be empty */
	int64_t created; /* seconds since the epoch, from the config */
	uint64_t size;   /* sum of the uncompressed layer sizes */
	size_t nlayers;
};
void img_info_release(struct img_info *i);
void img_info_array_free(struct img_info *v, size_t n);

/* Images, newest first; all = include untagged ones. */
int img_list(struct img_store *s, bool all, struct img_info **out, size_t *n, struct error *err);
/* Name, name@digest, full or short ID -> "sha256:<hex>". */
int img_resolve(struct img_store *s, const char *ref, char **id, struct error *err);
int img_tag(struct img_store *s, const char *src, const char *dst, struct error *err);
/* rmi: a name drops that tag (and the image with its last tag); an ID drops
 * the image, which needs force when it has several names.  An image used by
 * a container or mount is refused, or with force only untagged.  *removed
 * gets lines "Untagged: X" / "Deleted: sha256:...". */
int img_remove(struct img_store *s, const char *ref, bool force, char ***removed,
	       struct error *err);
/* Remove untagged (all: also tagged), unused images and unreferenced
 * files. */
int img_prune(struct img_store *s, bool all, char ***removed, uint64_t *reclaimed,
	      struct error *err);
/* JSON document (caller frees). */
int img_inspect(struct img_store *s, const char *ref, char **json, struct error *err);

struct img_df {
	size_t images, images_active;
	uint64_t images_size, images_reclaimable;
	size_t layers;
	uint64_t layers_size, layers_reclaimable;
	size_t containers;
	uint64_t containers_size;
};
int img_df(struct img_store *s, struct img_df *df, struct error *err);

/* The runtime-relevant part of an image config. */
struct img_config {
	char **entrypoint, **cmd, **env; /* NULL when absent */
	char *workdir, *user;            /* NULL when absent */
	char *stop_signal;               /* StopSignal; NULL when absent */
	char **exposed_ports;            /* ExposedPorts' keys ("80/tcp"); NULL when none */
	char **volumes;			 /* the keys of Volumes; NULL when absent */
};
int img_config_get(struct img_store *s, const char *ref, struct img_config *c, struct error *err);
void img_config_release(struct img_config *c);

/* `nook system check`: the database's integrity_check, every recorded
 * layer complete (its file count and tree digest as recorded when it was
 * unpacked), every recorded blob present with its digest, every user's
 * directory present, nothing unreferenced in the store's directories,
 * the trash empty and no staging dir of a killed command.  *problems gets
 * one line per problem (none: the store is sound); strv_free.  -1 only
 * when the check itself cannot run.  Waits for running loads. */
struct img_check_stats {
	size_t images, layers, users;
};
int img_store_check(struct img_store *s, char ***problems, struct img_check_stats *stats,
		    struct error *err);

/* ---------------------------------------------------- roots (mounts) -- */

/* Absolute paths of an image's layer dirs, top layer first (overlayfs
 * lowerdir order).  strv_free. */
int img_layer_paths(struct img_store *s, const char *id, char ***paths, struct error *err);

/* A user of an image's layers: a container root or an image mount.  While
 * one exists, the image and its layers stay.  img_user_add creates
 * containers/<key-hash>/{upper,work,merged} and returns its directory;
 * key is e.g. "mount:<id>" or "bundle:/abs/dir".  EEXIST when present. */
int img_user_add(struct img_store *s, const char *key, const char *id, char **dir,
		 struct error *err);
/* Look a user up: 0 and *id / *dir, or -1 with ENOENT. */
int img_user_get(struct img_store *s, const char *key, char **id, char **dir, struct error *err);
/* Make sure the directories of a recorded user exist (they are made after
 * its row, so a killed img_user_add may have left the row alone). */
int img_user_prepare(struct img_store *s, const char *key, char **dir, struct error *err);
/* img_user_prepare of a key its caller recorded a moment ago (img_ctr_add):
 * the directories made without looking the key up. */
int img_user_dirs(struct img_store *s, const char *key, char **dir, struct error *err);
/* Forget a user and remove its directory (must be unmounted). */
int img_user_remove(struct img_store *s, const char *key, struct error *err);
/* The same, but its directory is left in the store's trash for the caller
 * to delete later (`run --rm`: its monitor, after `run` returned):
 * *left gets its path under the store root, or NULL when it had none.
 * Left undeleted, the next command's sweep deletes it. */
int img_user_remove_left(struct img_store *s, const char *key, char **left, struct error *err);
/* Delete what img_user_remove_left left (left: the path it gave) in the
 * store at root, without opening the store's database. */
int img_trash_delete(const char *root, const char *left, struct error *err);

/* ------------------------------------------- engine containers (engine.c) -- */

/* A container of the engine (`nook create`/`run`).  Times are nanoseconds
 * since the epoch, 0 when not yet.  pid/monitor with their /proc start
 * times tell whether they still run (a reused pid has another). */
struct img_ctr {
	char *id;       /* 64 hex */
	char *name;     /* unique */
	char *image_id; /* the image's id */
	char *image;    /* as the user named it */
	int64_t created;
	char *config;   /* JSON: the options it was created with */
	char *dir;      /* its bundle */
	bool ready;     /* the bundle is complete */
	pid_t monitor, pid;
	uint64_t monitor_start, pid_start;
	int64_t started, finished;
	int exit_code;
	bool oom;
};
void img_ctr_release(struct img_ctr *c);
void img_ctr_list_free(struct img_ctr *v, size_t n);
/* Record a new container (id, name, image_id, image, created, config,
 * dir of c).  EEXIST when the name is taken.  user_key (NULL: none): in
 * the same transaction, its bundle's user key as img_user_add records it,
 * its directories not made yet (img_user_dirs). */
int img_ctr_add(struct img_store *s, const struct img_ctr *c, const char *user_key,
		struct error *err);
/* By full id, name, or unique id prefix: ENOENT when none, EINVAL when
 * the prefix is ambiguous.  img_ctr_release. */
int img_ctr_find(struct img_store *s, const char *ref, struct img_ctr *out, struct error *err);
/* Newest first; img_ctr_list_free. */
int img_ctr_list(struct img_store *s, struct img_ctr **out, size_t *n, struct error *err);
int img_ctr_set_ready(struct img_store *s, const char *id, struct error *err);
/* A start recorded (and the container ready: a `run` marks it here, not
 * with img_ctr_set_ready, a commit less before its start). */
int img_ctr_set_started(struct img_store *s, const char *id, pid_t monitor,
			uint64_t monitor_start, pid_t pid, uint64_t pid_start, int64_t started,
			struct error *err);
/* finished 0: clear the last exit (before a start). */
int img_ctr_set_exited(struct img_store *s, const char *id, int exit_code, int64_t finished,
		       bool oom, struct error *err);
/* A start that failed: its exit code (docker's 125/126/127) and message
 * (kept in config as "Error", cleared by the next img_ctr_set_started);
 * the container is ready (to be started again), as with
 * img_ctr_set_started. */
int img_ctr_set_error(struct img_store *s, const char *id, int exit_code, const char *msg,
		      struct error *err);
/* EEXIST when another container has the name. */
int img_ctr_rename(struct img_store *s, const char *id, const char *name, struct error *err);
/* The row, and with it (triggers) its volume links, addresses, ports and
 * --userns=auto range. */
int img_ctr_remove(struct img_store *s, const char *id, struct error *err);

/* ------------------------------------------- userns id pool (idpool.c) -- */

/* The host ids `--userns=auto` hands out: uid_size ids from uid_start,
 * gid_size from gid_start. */
struct img_idpool {
	uint32_t uid_start, uid_size, gid_start, gid_size;
};
/* One container's range: host uid..uid+size-1 and gid..gid+size-1. */
struct img_idrange {
	uint32_t uid, gid, size;
};
/* Take a free range of size ids for container ctr (its row must exist):
 * disjoint from every range taken, also under concurrent calls.  Ranges of
 * removed containers, and of half-made ones whose creator is dead, are
 * taken back first.  ENOSPC when the pool is full.  The range is released
 * with the container's row. */
int img_idpool_alloc(struct img_store *s, const struct img_idpool *pool, uint32_t size,
		     const char *ctr, struct img_idrange *out, struct error *err);

/* ------------------------------------------------- networks (netdb.c) -- */

/* A network of the engine.  Addresses are IPv4, host byte order;
 * subnet6 is a dual-stack network's IPv6 subnet ("ADDR/n"), "" when it
 * has none. */
struct img_network {
	char *name, *bridge, *subnet6;
	uint32_t subnet, gateway;
	int prefix;
	bool internal;
	int64_t created;
};
void img_network_release(struct img_network *n);
void img_network_list_free(struct img_network *v, size_t n);
/* EEXIST when the name or bridge is taken, EINVAL when the subnet
 * overlaps another network's. */
int img_net_add(struct img_store *s, const struct img_network *n, struct error *err);
/* ENOENT when there is none. */
int img_net_find(struct img_store *s, const char *name, struct img_network *out,
		 struct error *err);
int img_net_list(struct img_store *s, struct img_network **out, size_t *n, struct error *err);
/* EBUSY while containers are on it. */
int img_net_remove(struct img_store *s, const char *name, struct error *err);

/* A container's place on a network. */
struct img_net_addr {
	char *network, *ctr, *name;
	char *aliases; /* space-separated */
	char *mac;
	uint32_t ip;
	/* A fixed IPv6 address (--ip6, canonical text; "" or NULL: the
	 * network's v6 subnet with ip's host part, network/ip6.c), and, to
	 * attach only, the v4 address whose derived v6 address it is (0:
	 * none): that v4 address is then never given to a container whose v6
	 * address would be derived from it. */
	char *ip6;
	uint32_t twin6;
};
void img_net_addr_list_free(struct img_net_addr *v, size_t n);
struct img_net_port {
	uint32_t host_ip; /* 0: all */
	uint16_t host_port, ctr_port;
	uint8_t proto; /* IPPROTO_TCP/UDP */
};
/* One transaction: forget rows of containers no longer recorded, take
 * the lowest free address of a->network (a->ip when not 0: exactly that
 * one, EADDRINUSE when taken) into *ip, a->ip6 when set (EADDRINUSE when
 * another container's fixed or derived v6 address), and the host ports (EADDRINUSE
 * when one is published already; host_port 0: the lowest free one from
 * 32768 up, written back).  Nothing is kept on error. */
int img_net_attach(struct img_store *s, const struct img_net_addr *a, struct img_net_port *ports,
		   size_t nports, uint32_t *ip, struct error *err);
/* Release ctr's address on network (NULL: all its addresses and ports). */
int img_net_detach(struct img_store *s, const char *ctr, const char *network, struct error *err);
/* Filtered by network and/or ctr (NULL: any). */
int img_net_addrs(struct img_store *s, const char *network, const char *ctr,
		  struct img_net_addr **out, size_t *n, struct error *err);
int img_net_ports(struct img_store *s, const char *ctr, struct img_net_port **out, size_t *n,
		  struct error *err);
/* -------------------------------------------- engine volumes (volume.c) -- */

/* A volume's row is written first (CREATING), its directory made, then
 * READY; removal marks it REMOVING, removes the directory, forgets it. */
enum img_vol_state { IMG_VOL_CREATING, IMG_VOL_READY, IMG_VOL_REMOVING };
struct img_vol {
	char *name;
	int64_t created; /* ns since the epoch */
	bool anonymous;	 /* made for a container (-v /path, the image's Volumes) */
	char *labels;	 /* a JSON object (volume create --label) */
	char *options;	 /* a JSON object (volume create -o: type, device, o) */
	enum img_vol_state state;
	bool in_use; /* a container that exists mounts it */
};
void img_vol_release(struct img_vol *v);
void img_vol_list_free(struct img_vol *v, size_t n);
/* labels, options: JSON objects (NULL: none).  EEXIST when the name is
 * taken (of two concurrent adds exactly one wins). */
int img_vol_add(struct img_store *s, const char *name, bool anonymous, const char *labels,
		const char *options, int64_t created, struct error *err);
int img_vol_set_state(struct img_store *s, const char *name, enum img_vol_state st,
		      struct error *err);
/* name NULL: all, oldest first. */
int img_vol_list(struct img_store *s, const char *name, struct img_vol **out, size_t *n,
		 struct error *err);
/* ENOENT when there is none; img_vol_release(out). */
int img_vol_get(struct img_store *s, const char *name, struct img_vol *out, struct error *err);
/* Mark REMOVING unless a container uses it (EBUSY); ENOENT when none. */
int img_vol_remove_begin(struct img_store *s, const char *name, struct error *err);
/* Forget the volume and its links. */
int img_vol_forget(struct img_store *s, const char *name, struct error *err);
/* Link container ctr to a READY volume (ENOENT otherwise). */
int img_vol_use(struct img_store *s, const char *name, const char *ctr, struct error *err);
/* The volumes linked to ctr that have options (a mount of their own). */
int img_vol_mounted_of_ctr(struct img_store *s, const char *ctr, struct img_vol **out, size_t *n,
			   struct error *err);
/* The anonymous volumes linked to ctr (strv_free). */
int img_vol_of_ctr(struct img_store *s, const char *ctr, char ***anonymous, struct error *err);

/* ---------------------------------------------- tar streams (tar.c) -- */

/* `nook cp` with "-".  img_tar_new: a pax tar written to fd (borrowed);
 * img_tar_add: one entry named name, of st's type, mode, owner, times;
 * link: a symlink's target; a regular file's st_size bytes are read from
 * datafd (opened and checked by the caller: nothing here opens a path);
 * img_tar_close: the end of the archive; img_tar_free: NULL is fine. */
struct img_tar;
struct stat;
struct img_tar *img_tar_new(int fd, struct error *err);
int img_tar_add(struct img_tar *t, const char *name, const struct stat *st, const char *link,
		int datafd, struct error *err);
int img_tar_close(struct img_tar *t, struct error *err);
void img_tar_free(struct img_tar *t);
/* Extract the (gzip or zstd compressed) tar stream on fd into the
 * directory destfd, as the layer unpacker does (image/unpack.c): every
 * name, symlink and hardlink resolved inside destfd, "..", absolute and
 * climbing links included, so nothing lands outside it.  Unlike a layer:
 * no whiteouts, no device nodes (left out), only user.* and
 * security.capability xattrs, and a directory is never replaced by a
 * non-directory or the reverse (docker's cp).  Modes are the archive's;
 * owners too, or what owner (when not NULL) makes of each entry's ids
 * (its error stops the extraction). */
int img_tar_extract(int fd, int destfd,
		    int (*owner)(void *data, uint32_t *uid, uint32_t *gid, struct error *err),
		    void *data, struct error *err);

#endif
