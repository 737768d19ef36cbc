/* sysprobe NAME...: make the system call each NAME stands for and print
 * "NAME=ok" or "NAME=<errno name>", for tests of the seccomp profile where
 * busybox has no applet that makes the call (or hides its errno). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* A child made by clone-like calls exits at once; the parent reaps it. */
static long reaped(long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, __WALL);
	return pid < 0 ? -1 : 0;
}

static long do_clone(unsigned long flags)
{
	return reaped(syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0));
}

static long do_clone3(unsigned long flags)
{
	struct clone_args a;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	return reaped(syscall(SYS_clone3, &a, sizeof(a)));
}

static long do_personality(unsigned long p)
{
	long old = syscall(SYS_personality, 0xffffffffUL);
	long r = syscall(SYS_personality, p);

	if (r >= 0 && old >= 0)
		syscall(SYS_personality, (unsigned long)old);
	return r < 0 ? -1 : 0;
}

static long do_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

static long probe(const char *name)
{
	if (!strcmp(name, "fork"))
		return do_clone(0);
	if (!strcmp(name, "clone_newuser"))
		return do_clone(CLONE_NEWUSER);
	if (!strcmp(name, "clone3"))
		return do_clone3(0);
	if (!strcmp(name, "unshare_user"))
		return syscall(SYS_unshare, CLONE_NEWUSER) < 0 ? -1 : 0;
	if (!strcmp(name, "mount"))
		return mount("none", "/tmp", "tmpfs", 0, NULL);
	if (!strcmp(name, "keyctl"))
		return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) < 0
			   ? -1
			   : 0;
	if (!strcmp(name, "add_key"))
		return syscall(SYS_add_key, "user", "nook-probe", "x", 1,
			       KEY_SPEC_PROCESS_KEYRING) < 0
			   ? -1
			   : 0;
	if (!strcmp(name, "personality_linux32"))
		return do_personality(PER_LINUX32);
	if (!strcmp(name, "personality_no_aslr"))
		return do_personality(ADDR_NO_RANDOMIZE);
	if (!strcmp(name, "socket_unix"))
		return do_socket(AF_UNIX);
	if (!strcmp(name, "socket_vsock"))
		return do_socket(AF_VSOCK);
	errno = EINVAL;
	return -2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		long r = probe(argv[i]);

		if (r == -2) {
			fprintf(stderr, "sysprobe: unknown probe %s\n", argv[i]);
			return 2;
		}
		printf("%s=%s\n", argv[i], r < 0 ? strerrorname_np(errno) : "ok");
	}
	return 0;
}
