/* Test helper run inside a container: push the characters of argv[1] into
 * the input of the terminal on fd 0 with TIOCSTI (the attack a process in
 * its caller's session can mount on the caller's shell).  Prints
 * "tiocsti: ok" or "tiocsti: <errno text>"; exits 0 either way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "x";

	for (; *s; s++) {
		if (ioctl(0, TIOCSTI, s) < 0) {
			printf("tiocsti: %s\n", strerror(errno));
			return 0;
		}
	}
	printf("tiocsti: ok\n");
	return 0;
}
