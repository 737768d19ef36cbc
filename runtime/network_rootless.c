/* Rootless networking: `--network pasta[:OPT,...]` gives an engine
 * container (in a network namespace of its own) a connection through
 * pasta, which runs as the user in the namespace nook was started in and
 * carries the container's traffic over ordinary sockets there, so it needs
 * no privilege on the host.  Ports are published with pasta's own options
 * (`pasta:-t,8080:80`, as podman passes them).  The host's loopback is not
 * reachable from the container unless asked (`pasta:host-loopback`).
 *
 * pasta is started by a createRuntime hook (`nook __network NETWORK`, the
 * container's state on stdin): the namespace exists then and nothing of
 * the container runs yet.  It quits by itself when the namespace is gone. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>

bool rt_network_is_rootless(const char *network)
{
	return network && (!strcmp(network, "pasta") || str_has_prefix(network, "pasta:"));
}

int rt_network_rootless_edit(struct json_object *doc, const char *network, struct error *err)
{
	struct json_object *hooks, *list, *h, *args;
	char self[PATH_MAX];
	ssize_t n;

	if (!rt_network_is_rootless(network))
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return error_sys(err, "cannot resolve nook's own path");
	self[n] = '\0';
	if (!json_object_object_get_ex(doc, "hooks", &hooks)) {
		hooks = json_object_new_object();
		json_object_object_add(doc, "hooks", hooks);
	}
	if (!json_object_object_get_ex(hooks, "createRuntime", &list)) {
		list = json_object_new_array();
		json_object_object_add(hooks, "createRuntime", list);
	}
	h = json_object_new_object();
	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string("nook"));
	json_object_array_add(args, json_object_new_string("__network"));
	json_object_array_add(args, json_object_new_string(network));
	json_object_object_add(h, "path", json_object_new_string(self));
	json_object_object_add(h, "args", args);
	json_object_array_add(list, h);
	return 0;
}

/* pasta holds the container's network namespace (and stays) until it is
 * told to go: a small watcher, detached, waits for the container's init
 * to exit (pidfd: no pid reuse either way) and then ends pasta. */
static bool watch_and_stop(pid_t init, const char *pidfile, const char *netns, const char *dir)
{
	_cleanup_free_ char *text = NULL;
	int ifd, pfd, pasta;
	struct error err;
	pid_t w;
	struct pollfd p;

	if (file_read_at(AT_FDCWD, pidfile, 64, &text, NULL, &err) < 0 || (pasta = atoi(text)) <= 0)
		return false;
	unlink(pidfile);
	ifd = (int)syscall(SYS_pidfd_open, init, 0);
	pfd = (int)syscall(SYS_pidfd_open, pasta, 0);
	w = ifd < 0 || pfd < 0 ? -1 : fork();
	if (w != 0) {
		if (ifd >= 0)
			close(ifd);
		if (pfd >= 0)
			close(pfd);
		return w > 0;
	}
	setsid();
	{
		int keep[2] = {ifd, pfd};

		fds_close_except(0, keep, 2);
	}
	p = (struct pollfd){.fd = ifd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	/* pasta quits when its namespace file goes; SIGTERM in case. */
	ns_netns_unbind(netns);
	rmdir(dir);
	syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
	_exit(0);
}

int rt_network_rootless_start(const char *network, pid_t pid, struct error *err)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *opts = NULL, *pidfile = NULL;
	_cleanup_free_ char *netns = NULL;
	char dir[] = "/tmp/nook-pasta-XXXXXX";
	bool host_loopback = false;
	int status;
	pid_t child;

	if (!rt_network_is_rootless(network))
		return error_set(err, EINVAL, "network '%s': expected pasta[:OPTIONS]", network);
	/* A fresh private dir: a guessable name in /tmp could be a symlink. */
	if (!mkdtemp(dir))
		return error_sys(err, "cannot create a directory in /tmp");
	pidfile = xasprintf("%s/pid", dir);
	netns = xasprintf("%s/netns", dir);
	if (ns_netns_bind(pid, netns, err) < 0) {
		rmdir(dir);
		return -1;
	}
	opts = xstrdup(network[5] == ':' ? network + 6 : "");
	strv_push(&argv, "pasta");
	strv_push(&argv, "--config-net");
	strv_push(&argv, "--quiet");
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "host-loopback"))
			host_loopback = true;
		else
			strv_push(&argv, o);
	}
	/* The container reaches the host's loopback through the gateway
	 * address only when asked. */
	if (!host_loopback)
		strv_push(&argv, "--no-map-gw");
	strv_push(&argv, "--pid");
	strv_push(&argv, pidfile);
	/* Root here is the user itself: pasta would otherwise drop to the
	 * overflow "nobody" and could not open the namespace. */
	strv_push(&argv, "--runas");
	strv_push(&argv, "0:0");
	strv_push(&argv, "--netns");
	strv_push(&argv, netns);
	child = fork();
	if (child < 0) {
		ns_netns_unbind(netns);
		rmdir(dir);
		return error_sys(err, "fork");
	}
	if (child == 0) {
		/* pasta forks into the background once the namespace is
		 * configured; its own stdout is nobody's business. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(127);
		execvp("pasta", argv);
		dprintf(2, "pasta not found: install it (Debian: apt-get install passt): %s\n",
			strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return error_sys(err, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		unlink(pidfile);
		ns_netns_unbind(netns);
		rmdir(dir);
		return error_set(err, EIO, "pasta failed to connect the container's network (%s)",
				 network);
	}
	/* Without a watcher pasta would outlive the container: end it now
	 * (it quits when its namespace file goes). */
	if (!watch_and_stop(pid, pidfile, netns, dir)) {
		ns_netns_unbind(netns);
		rmdir(dir);
		return error_set(err, EIO, "cannot watch the container for pasta");
	}
	return 0;
}
