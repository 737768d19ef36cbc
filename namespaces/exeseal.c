/* Cut a container process loose from nook's binary (CVE-2019-5736).
 *
 * The container's init and every `exec`'d process are nook itself until
 * their final execve, and the kernel resolves /proc/self/exe to the file
 * the process was executed from, whatever the mount namespace.  A
 * container whose process.args is "/proc/self/exe" (or a script starting
 * "#!/proc/self/exe", or an ELF whose interpreter is /proc/self/exe, or a
 * startContainer hook that is one of those) thereby made the host's nook
 * binary run inside the container, under the container's dynamic loader,
 * which can keep an O_PATH fd on the binary and reopen it for writing once
 * nook has exited: the next `nook` on the host runs the attacker's code.
 * PR_SET_DUMPABLE only hides nook's /proc entries before that exec.
 *
 * runc and crun re-execute the runtime from a sealed memfd copy (or, runc
 * 1.2, from a read-only overlayfs clone) so that the host file is never
 * what the process runs.  That costs a second exec and dynamic load of
 * nook in every create, run and exec: measured on the test VM, 1.4 ms of
 * CPU per `run` of /bin/true (+15 to 20%).  Instead, the child nook clones
 * cuts itself loose without an exec:
 *
 *   1. every mapping of nook's binary is replaced, in place (the code
 *      keeps running at the same addresses): the segments nobody ever
 *      wrote (code, read-only data) by the same bytes of the same file,
 *      mapped again through a private, detached, read-only bind mount of
 *      it (no copy: the page cache is shared); the rest (data, relro,
 *      which hold this process's own values) by anonymous copies;
 *   2. with nothing mapped from the file *through the path it was
 *      executed from* any more (the kernel compares mount and dentry), the
 *      kernel lets the process change its exe link (PR_SET_MM_MAP, which
 *      needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE, not
 *      CAP_SYS_RESOURCE): it becomes an empty memfd, sealed against
 *      writes, growing, shrinking and seal changes.
 *
 * From then on /proc/self/exe is a file nobody can change and nothing can
 * execute (ENOEXEC).  The code mappings still name nook's inode, but only
 * through a mount that is read-only and attached nowhere: opening them
 * for writing fails with EROFS, and reaching them at all needs
 * /proc/self/map_files, i.e. CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in
 * the host's user namespace -- with which the host's shared libraries,
 * mapped from the host as with runc and crun, are as reachable (the
 * process is non-dumpable until its final execve, which drops them all).
 * Where the detached mount cannot be made (kernels before 5.2), the code
 * is copied too, as the data is.  Remapping instead of copying the code
 * saves ~120 page faults and a 0.5 MB copy per container process; the
 * runtime process itself keeps running from the host file.  An engine
 * monitor spawned ahead cuts itself loose while it waits for its
 * container (it runs nothing of the container's itself), and the init it
 * clones, born with a copy of its memory map and exe link, is loose from
 * birth (ns_exe_detached).  The exe link can only be changed with
 * CONFIG_CHECKPOINT_RESTORE (every distribution kernel has it); without
 * it, containers fail to start rather than run unprotected. */
#include "namespaces/internal.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/prctl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/uio.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define EXE_SEALS    (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define EXE_MAX_MAPS 64
#define EXE_MAX_RO   16

struct exe_map {
	unsigned long start, end, offset;
	int prot;
	bool pristine; /* inside a segment nobody writes: same as the file */
};

/* nook's binary as loaded: the span of its PT_LOAD segments and the
 * file-backed part of those without PF_W (never written, not even by the
 * loader: relro lies in a writable segment), page-aligned, from its
 * program headers (the load bias from PT_PHDR). */
struct exe_layout {
	unsigned long lo, hi;
	unsigned long ro_start[EXE_MAX_RO], ro_end[EXE_MAX_RO];
	size_t n_ro;
};

static int exe_layout(struct exe_layout *x, struct error *err)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM), page = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long bias = 0, min = ~0UL, max = 0;
	bool has_phdr = false;

	memset(x, 0, sizeof(*x));
	for (unsigned long i = 0; ph && i < n; i++)
		if (ph[i].p_type == PT_PHDR) {
			bias = (unsigned long)ph - ph[i].p_vaddr;
			has_phdr = true;
		}
	for (unsigned long i = 0; ph && i < n; i++) {
		unsigned long end;

		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < min)
			min = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > max)
			max = ph[i].p_vaddr + ph[i].p_memsz;
		if ((ph[i].p_flags & PF_W) || x->n_ro == EXE_MAX_RO)
			continue;
		/* The kernel maps whole pages of the file: the last one as it
		 * is in the file, unless the loader had to zero a tail of it
		 * (memsz beyond filesz). */
		end = bias + ph[i].p_vaddr + ph[i].p_filesz;
		x->ro_start[x->n_ro] = (bias + ph[i].p_vaddr) & ~(page - 1);
		x->ro_end[x->n_ro] = ph[i].p_memsz > ph[i].p_filesz
					 ? end & ~(page - 1)
					 : (end + page - 1) & ~(page - 1);
		x->n_ro++;
	}
	if (!has_phdr || max == 0)
		return error_set(err, ENOEXEC, "cannot find nook's program headers");
	x->lo = (bias + min) & ~(page - 1);
	x->hi = (bias + max + page - 1) & ~(page - 1);
	return 0;
}

static bool exe_pristine(const struct exe_layout *x, unsigned long start, unsigned long end)
{
	for (size_t i = 0; i < x->n_ro; i++)
		if (start >= x->ro_start[i] && end <= x->ro_end[i])
			return true;
	return false;
}

/* The mappings of nook's binary: every file mapping in its load span
 * (the kernel maps nothing else there; the bss is anonymous).  By
 * address, not by device and inode, which /proc/self/maps and stat()
 * report differently on btrfs subvolumes and overlayfs.  Should one be
 * missed, PR_SET_MM_MAP refuses (EBUSY): nook fails, never runs exposed. */
static int exe_maps(struct exe_map *out, size_t *n, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	struct exe_layout x;
	char *save = NULL;

	*n = 0;
	if (exe_layout(&x, err) < 0 ||
	    file_read_at(AT_FDCWD, "/proc/self/maps", 0, &text, NULL, err) < 0)
		return -1;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end, offset, ino;
		char perms[5];

		if (sscanf(l, "%lx-%lx %4s %lx %*x:%*x %lu", &start, &end, perms, &offset, &ino) !=
		    5)
			continue;
		if (ino == 0 || start < x.lo || end > x.hi)
			continue;
		if (*n == EXE_MAX_MAPS)
			return error_set(err, E2BIG, "nook's binary has more than %d mappings",
					 EXE_MAX_MAPS);
		out[*n] = (struct exe_map){
		    .start = start,
		    .end = end,
		    .offset = offset,
		    .prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
			    (perms[2] == 'x' ? PROT_EXEC : 0),
		    .pristine = perms[1] != 'w' && exe_pristine(&x, start, end),
		};
		(*n)++;
	}
	if (*n == 0)
		return error_set(err, ENOENT, "no mapping of nook's binary in /proc/self/maps");
	return 0;
}

int ns_exe_open(void)
{
	_cleanup_close_ int tree = -1;
	struct error ignored;
	char path[64];

	/* A bind mount of the file alone, read-only before anyone sees it. */
	tree = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0 || ns_mount_setattr(tree, MS_RDONLY, 0, false, "nook's binary", &ignored) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", tree);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Replace one file mapping at the same address: a pristine one by the
 * same file range through the detached mount (file), the others by an
 * anonymous copy.  Between the copy and the mremap nothing may write to
 * the range: the caller keeps its state on the stack and the heap, and
 * the code runs on from the copy, whose bytes are the same. */
static int exe_map_replace(const struct exe_map *m, int file, struct error *err)
{
	size_t len = m->end - m->start;
	void *copy;

	if (m->prot == PROT_NONE) {
		/* An inaccessible gap between segments: nothing to copy. */
		if (mmap((void *)m->start, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			return error_sys(err, "cannot replace a mapping of nook's binary");
		return 0;
	}
	if (m->pristine && file >= 0) {
		if (mmap((void *)m->start, len, m->prot, MAP_PRIVATE | MAP_FIXED, file,
			 (off_t)m->offset) == MAP_FAILED)
			return error_sys(err, "cannot replace a mapping of nook's binary");
		return 0;
	}
	if (!(m->prot & PROT_READ) && mprotect((void *)m->start, len, m->prot | PROT_READ) < 0)
		return error_sys(err, "cannot read a mapping of nook's binary");
	copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return error_sys(err, "cannot copy nook's binary");
	/* The kernel copies (faster than memcpy here, and no sanitizer sees
	 * the redzones between globals being read). */
	for (size_t done = 0; done < len;) {
		struct iovec to = {(char *)copy + done, len - done};
		struct iovec from = {(char *)m->start + done, len - done};
		ssize_t r = process_vm_readv(getpid(), &to, 1, &from, 1, 0);

		if (r <= 0) {
			error_sys(err, "cannot copy nook's binary");
			munmap(copy, len);
			return -1;
		}
		done += (size_t)r;
	}
	if (mprotect(copy, len, m->prot) < 0 ||
	    mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)m->start) == MAP_FAILED) {
		error_sys(err, "cannot replace a mapping of nook's binary");
		munmap(copy, len);
		return -1;
	}
	return 0;
}

/* Point /proc/self/exe at exe_fd.  PR_SET_MM_MAP sets every address of
 * the memory map at once: give it the current ones, from /proc/self/stat
 * (fields 26-28 and 45-51) and /proc/self/auxv. */
static int exe_link_set(int exe_fd, struct error *err)
{
	_cleanup_free_ char *stat = NULL, *auxv = NULL;
	unsigned long long f[52] = {0};
	struct prctl_mm_map map;
	size_t auxv_len = 0;
	char *p, *save = NULL;
	int k = 3;

	if (file_read_at(AT_FDCWD, "/proc/self/stat", 0, &stat, NULL, err) < 0)
		return -1;
	/* Rootless, in a user namespace not yet mapped, our auxv belongs to
	 * the host's root: the kernel keeps the current one when none is
	 * given. */
	if (file_read_at(AT_FDCWD, "/proc/self/auxv", 0, &auxv, &auxv_len, err) < 0) {
		if (err->code != EACCES)
			return -1;
		auxv_len = 0;
	}
	p = strrchr(stat, ')');
	if (!p)
		return error_set(err, EPROTO, "cannot parse /proc/self/stat");
	for (char *t = strtok_r(p + 1, " ", &save); t && k < 52; t = strtok_r(NULL, " ", &save))
		f[k++] = strtoull(t, NULL, 10);
	if (k < 52)
		return error_set(err, EPROTO, "cannot parse /proc/self/stat");
	map = (struct prctl_mm_map){
	    .start_code = f[26],
	    .end_code = f[27],
	    .start_stack = f[28],
	    .start_data = f[45],
	    .end_data = f[46],
	    .start_brk = f[47],
	    .brk = (unsigned long)sbrk(0),
	    .arg_start = f[48],
	    .arg_end = f[49],
	    .env_start = f[50],
	    .env_end = f[51],
	    .auxv = auxv_len ? (__u64 *)auxv : NULL,
	    .auxv_size = (__u32)auxv_len,
	    .exe_fd = (__u32)exe_fd,
	};
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof(map), 0) < 0)
		return error_sys(err, "cannot change /proc/self/exe");
	return 0;
}

/* An empty memfd, sealed, held read-only (the kernel denies writes to an
 * exe file, so no writable fd may remain). */
static int exe_empty_memfd(struct error *err)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	int ro;

	/* MFD_EXEC: the exe link must be an executable file (kernels before
	 * 6.3 do not know the flag and make memfds executable anyway). */
	fd = memfd_create("nook-detached", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("nook-detached", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || fcntl(fd, F_ADD_SEALS, EXE_SEALS) < 0)
		return error_sys(err, "cannot create a sealed memfd");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		return error_sys(err, "cannot reopen the sealed memfd");
	return ro;
}

/* This process is cut loose (and so is every child it forks, which gets
 * a copy of its memory map, exe link and this flag). */
static bool exe_detached;

bool ns_exe_detached(void)
{
	return exe_detached;
}

int ns_exe_detach(int file, struct error *err)
{
	_cleanup_close_ int empty = -1;
	struct exe_map maps[EXE_MAX_MAPS];
	size_t n;

	empty = exe_empty_memfd(err);
	if (empty < 0)
		return -1;
	if (exe_maps(maps, &n, err) < 0)
		return error_prefix(err, "cannot detach from nook's binary");
	for (size_t i = 0; i < n; i++)
		if (exe_map_replace(&maps[i], file, err) < 0)
			return -1;
	if (exe_link_set(empty, err) < 0)
		return -1;
	exe_detached = true;
	return 0;
}
