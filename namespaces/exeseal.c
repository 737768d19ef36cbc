/* Run nook from a sealed copy of its own binary (CVE-2019-5736).
 *
 * The container's init and every `exec`'d process are nook itself until
 * their final execve, and the kernel resolves /proc/self/exe to the file
 * the process runs, whatever the mount namespace.  A container whose
 * process.args is "/proc/self/exe" (or a "#!/proc/self/exe" script, or an
 * ELF whose interpreter is /proc/self/exe) thereby makes nook's own binary
 * run inside the container, under the container's dynamic loader, which
 * can keep an O_PATH fd on the binary and reopen it for writing once nook
 * has exited: the next `nook` on the host runs the attacker's code.
 * PR_SET_DUMPABLE only hides nook's /proc entries before that exec.
 *
 * So, as runc and crun do, the processes that put nook's code into a
 * container run from a copy in a memfd sealed against writes, shrinking
 * and growing (and against further seal changes): the container can open
 * it, never change it, and the host file is never what it executes.
 *
 * Only the bytes the kernel and the dynamic loader read are copied (up to
 * the end of the last segment in the program headers); the section
 * headers and the debug sections behind them are left out, and the ELF
 * header of the copy says there are none.  That keeps the copy about a
 * quarter of a -g build's size, which is most of the cost.
 *
 * runc 1.2 prefers a read-only overlayfs over the binary's directory (no
 * copy).  Measured on the 2-core test VM, per run: this copy about 180 us,
 * the overlay about 150 us, a full copy of the -g binary 650 us.  The
 * memfd needs no scratch directory (overlayfs without an upper layer
 * wants two lower ones), no overlayfs and no new mount API, so it is the
 * one mechanism here, as in crun.
 */
#include "namespaces/namespaces.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* How much of the running binary the kernel and ld.so need: the furthest
 * byte any program header covers (0 if unknown: copy everything). */
static off_t exe_needed_size(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	off_t end = 0;

	if (!ph || !n)
		return 0;
	for (unsigned long i = 0; i < n; i++)
		if ((off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
			end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
	return end;
}

/* The copy ends before the section headers: say it has none, so that
 * tools reading it (gdb, readelf) see a consistent file. */
static int exe_drop_section_headers(int fd, off_t size, struct error *err)
{
	ElfW(Ehdr) eh;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return error_sys(err, "cannot read the copy of nook's binary");
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || (off_t)eh.e_shoff < size)
		return 0;
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = SHN_UNDEF;
	if (pwrite(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return error_sys(err, "cannot write the copy of nook's binary");
	return 0;
}

static int exe_copy(int exe, struct error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	off_t size, done = 0;

	if (fstat(exe, &st) < 0)
		return error_sys(err, "cannot stat nook's binary");
	size = exe_needed_size();
	if (size <= 0 || size > st.st_size)
		size = st.st_size;
	/* MFD_EXEC: stay executable where vm.memfd_noexec makes memfds
	 * non-executable by default (kernels before 6.3 refuse the flag). */
	fd = memfd_create("nook", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("nook", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return error_sys(err, "cannot create a memfd for nook's binary");
	while (done < size) {
		ssize_t n = sendfile(fd, exe, &done, (size_t)(size - done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_sys(err, "cannot copy nook's binary");
	}
	if (size < st.st_size && exe_drop_section_headers(fd, size, err) < 0)
		return -1;
	if (fcntl(fd, F_ADD_SEALS, EXE_SEALS) < 0)
		return error_sys(err, "cannot seal the copy of nook's binary");
	return steal_fd(&fd);
}

/* Our own argv, as the kernel keeps it (getopt may have permuted the
 * pointers, never the strings).  NULL-terminated, in one allocation
 * with *buf. */
static char **exe_argv(char **buf, struct error *err)
{
	size_t len, n = 0, k = 0;
	char **argv;

	if (file_read_at(AT_FDCWD, "/proc/self/cmdline", 0, buf, &len, err) < 0)
		return NULL;
	for (size_t i = 0; i < len; i++)
		n += (*buf)[i] == '\0';
	argv = xzalloc((n + 1) * sizeof(*argv));
	for (size_t i = 0; i < len && k < n; i += strlen(*buf + i) + 1)
		argv[k++] = *buf + i;
	return argv;
}

int ns_exe_seal(struct error *err)
{
	_cleanup_close_ int exe = -1, copy = -1;
	_cleanup_free_ char *args = NULL;
	_cleanup_free_ char **argv = NULL;
	int seals;

	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return error_sys(err, "cannot open /proc/self/exe");
	seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS) {
		/* Already running from a sealed copy (ours, or one the admin
		 * provides).  An exec through an fd names the process after
		 * the fd number: give it back its name. */
		if (prctl(PR_SET_NAME, program_invocation_short_name, 0, 0, 0) < 0)
			return error_sys(err, "cannot set the process name");
		return 0;
	}
	copy = exe_copy(exe, err);
	if (copy < 0)
		return -1;
	argv = exe_argv(&args, err);
	if (!argv)
		return -1;
	/* Same argv (argv[0] still selects nook or nook-oci), environment
	 * and inherited fds; only the file being run changes. */
	fexecve(copy, argv, environ);
	return error_sys(err, "cannot re-execute nook from its sealed copy");
}
