/* Rootless networking: `--network pasta[:OPT,...]` or
 * `--network slirp4netns[:OPT,...]` gives an engine container (in a network
 * namespace of its own) a connection through a user-mode network helper,
 * which runs as the user in the namespace nook was started in and carries
 * the container's traffic over ordinary sockets there, so it needs no
 * privilege on the host.
 *
 * `-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]` publishes a container port on
 * that namespace: pasta gets `-t`/`-u` options, slirp4netns an add_hostfwd
 * request on its API socket (as podman does).  pasta's own options pass
 * through (`pasta:-t,8080:80`, as podman passes them).
 *
 * The host's loopback is not reachable from the container unless asked
 * (`host-loopback`; podman's `allow_host_loopback=true` for slirp4netns,
 * `--map-gw` for pasta): pasta gets `--no-map-gw` and, unless told
 * otherwise, `-T none -U none` (its default "auto" would forward every
 * port bound on the host's loopback into the container's), slirp4netns
 * `--disable-host-loopback`.  Nor are container ports forwarded to the
 * host unless published (pasta's `-t`/`-u` default "auto" would).
 *
 * The helper is started by a createRuntime hook (`nook __network NETWORK
 * [PORT...]`, the container's state on stdin): the namespace exists then
 * and nothing of the container runs yet.  A detached watcher ends it when
 * the container's init exits. */
#include "runtime/internal.h"
#include "network/network.h"

#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

enum helper { HELPER_PASTA, HELPER_SLIRP };

/* A network value, parsed. */
struct rl_net {
	enum helper helper;
	bool host_loopback;
	bool ipv6;			     /* slirp4netns enable_ipv6 */
	char **pass;			     /* pasta: its own options, passed through */
	char *mtu, *cidr, *outbound;	     /* slirp4netns */
	bool user_t, user_u, user_T, user_U; /* pasta: forwarding options given */
	struct net_port *ports;
	size_t n_ports;
};

static void rl_net_release(struct rl_net *n)
{
	strv_free(n->pass);
	free(n->mtu);
	free(n->cidr);
	free(n->outbound);
	free(n->ports);
}

static const char *helper_prefix(const char *network, enum helper *h)
{
	static const struct {
		const char *name;
		enum helper h;
	} helpers[] = {{"pasta", HELPER_PASTA}, {"slirp4netns", HELPER_SLIRP}};

	for (size_t i = 0; network && i < ARRAY_SIZE(helpers); i++) {
		size_t len = strlen(helpers[i].name);

		if (!strncmp(network, helpers[i].name, len) &&
		    (network[len] == '\0' || network[len] == ':')) {
			if (h)
				*h = helpers[i].h;
			return network[len] ? network + len + 1 : network + len;
		}
	}
	return NULL;
}

bool rt_network_is_rootless(const char *network)
{
	return helper_prefix(network, NULL) != NULL;
}

static bool is_opt(const char *o, const char *shrt, const char *lng)
{
	size_t n = strlen(lng);

	return !strcmp(o, shrt) || (!strncmp(o, lng, n) && (o[n] == '\0' || o[n] == '='));
}

static int bool_value(const char *v, bool *out, const char *key, struct error *err)
{
	if (!strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "false"))
		*out = false;
	else
		return error_set(err, EINVAL, "slirp4netns option %s: want true or false, not '%s'",
				 key, v);
	return 0;
}

/* podman's slirp4netns options (port_handler is always slirp4netns). */
static int slirp_option(struct rl_net *n, const char *o, struct error *err)
{
	const char *eq = strchr(o, '=');
	const char *v = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - o) : strlen(o);
	char **slot = NULL;

	if (!strcmp(o, "host-loopback")) {
		n->host_loopback = true;
		return 0;
	}
	if (!strncmp(o, "allow_host_loopback", klen) && klen == 19 && eq)
		return bool_value(v, &n->host_loopback, "allow_host_loopback", err);
	if (!strncmp(o, "enable_ipv6", klen) && klen == 11 && eq)
		return bool_value(v, &n->ipv6, "enable_ipv6", err);
	if (!strncmp(o, "port_handler", klen) && klen == 12 && !strcmp(v, "slirp4netns"))
		return 0;
	if (!strncmp(o, "mtu", klen) && klen == 3 && eq) {
		char *end;
		long m = strtol(v, &end, 10);

		if (!*v || *end || m < 68 || m > 65521)
			return error_set(err, EINVAL,
					 "slirp4netns option mtu: want 68..65521, not '%s'", v);
		slot = &n->mtu;
	} else if (!strncmp(o, "cidr", klen) && klen == 4 && eq && *v) {
		slot = &n->cidr;
	} else if (!strncmp(o, "outbound_addr", klen) && klen == 13 && eq && *v) {
		slot = &n->outbound;
	}
	if (!slot)
		return error_set(err, EINVAL,
				 "unknown slirp4netns option '%s': want allow_host_loopback=BOOL, "
				 "cidr=CIDR, enable_ipv6=BOOL, mtu=N, outbound_addr=IPv4, "
				 "port_handler=slirp4netns",
				 o);
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static void pasta_option(struct rl_net *n, const char *o)
{
	if (!strcmp(o, "host-loopback") || !strcmp(o, "--map-gw")) {
		n->host_loopback = true;
		return;
	}
	n->user_t |= is_opt(o, "-t", "--tcp-ports");
	n->user_u |= is_opt(o, "-u", "--udp-ports");
	n->user_T |= is_opt(o, "-T", "--tcp-ns");
	n->user_U |= is_opt(o, "-U", "--udp-ns");
	strv_push(&n->pass, o);
}

static int rl_net_parse(const char *network, char *const *publish, struct rl_net *n,
			struct error *err)
{
	_cleanup_free_ char *opts = NULL;
	const char *rest;

	memset(n, 0, sizeof(*n));
	rest = helper_prefix(network, &n->helper);
	if (!rest)
		return error_set(err, EINVAL,
				 "network '%s': expected pasta[:OPTIONS] or slirp4netns[:OPTIONS]",
				 network ? network : "");
	opts = xstrdup(rest);
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (n->helper == HELPER_PASTA)
			pasta_option(n, o);
		else if (slirp_option(n, o, err) < 0)
			return -1;
	}
	for (size_t i = 0; publish && publish[i]; i++)
		if (net_port_parse(publish[i], &n->ports, &n->n_ports, err) < 0)
			return -1;
	return 0;
}

int rt_network_rootless_check(const char *network, char *const *publish, struct error *err)
{
	struct rl_net n;
	int r = rl_net_parse(network, publish, &n, err);

	rl_net_release(&n);
	return r;
}

int rt_network_rootless_edit(struct json_object *doc, const char *network, char *const *publish,
			     struct error *err)
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
	for (size_t i = 0; publish && publish[i]; i++)
		json_object_array_add(args, json_object_new_string(publish[i]));
	json_object_object_add(h, "path", json_object_new_string(self));
	json_object_object_add(h, "args", args);
	json_object_array_add(list, h);
	return 0;
}

/* The private dir's files (the namespace's bind, slirp4netns' API socket
 * and log), then the dir. */
static void dir_remove(const char *netns, const char *dir)
{
	static const char *const files[] = {"api", "log", "pid"};

	ns_netns_unbind(netns);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *f = xasprintf("%s/%s", dir, files[i]);

		unlink(f);
	}
	rmdir(dir);
}

/* The helper holds the container's network namespace (and stays) until it
 * is told to go: a small watcher, detached, waits for the container's init
 * to exit (pidfd: no pid reuse either way) and then ends the helper.  keep
 * (or -1) is held open until then: slirp4netns quits when its exit fd
 * closes, also if the watcher is killed. */
static bool watch_and_stop(pid_t init, pid_t helper, int keep, const char *netns, const char *dir)
{
	int ifd, pfd;
	pid_t w;
	struct pollfd p;

	ifd = (int)syscall(SYS_pidfd_open, init, 0);
	pfd = (int)syscall(SYS_pidfd_open, helper, 0);
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
		int fds[3] = {ifd, pfd, keep};

		fds_close_except(0, fds, keep >= 0 ? 3 : 2);
	}
	p = (struct pollfd){.fd = ifd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	/* pasta quits when its namespace file goes, slirp4netns when its
	 * exit fd closes; SIGTERM in case. */
	if (keep >= 0)
		close(keep);
	syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
	dir_remove(netns, dir);
	_exit(0);
}

/* "[HOSTIP/]HOSTPORT:CTRPORT", pasta's form of one published port. */
static char *pasta_port(const struct net_port *p)
{
	char ip[16];

	if (!p->host_ip)
		return xasprintf("%u:%u", p->host_port, p->ctr_port);
	return xasprintf("%s/%u:%u", net_ip_str(p->host_ip, ip), p->host_port, p->ctr_port);
}

static char **pasta_argv(const struct rl_net *n, const char *pidfile, const char *netns)
{
	bool tcp = n->user_t, udp = n->user_u;
	char **argv = NULL;

	strv_push(&argv, "pasta");
	strv_push(&argv, "--config-net");
	strv_push(&argv, "--quiet");
	for (size_t i = 0; n->pass && n->pass[i]; i++)
		strv_push(&argv, n->pass[i]);
	for (size_t i = 0; i < n->n_ports; i++) {
		_cleanup_free_ char *spec = pasta_port(&n->ports[i]);
		bool is_udp = n->ports[i].proto == IPPROTO_UDP;

		strv_push(&argv, is_udp ? "-u" : "-t");
		strv_push(&argv, spec);
		udp |= is_udp;
		tcp |= !is_udp;
	}
	/* pasta's default for each direction is "auto": every port bound in
	 * the container would appear on the host, and every port bound on
	 * the host's loopback inside the container.  Only what was asked. */
	if (!tcp)
		strv_push(&argv, "-t"), strv_push(&argv, "none");
	if (!udp)
		strv_push(&argv, "-u"), strv_push(&argv, "none");
	if (!n->user_T)
		strv_push(&argv, "-T"), strv_push(&argv, "none");
	if (!n->user_U)
		strv_push(&argv, "-U"), strv_push(&argv, "none");
	/* The container reaches the host's loopback through the gateway
	 * address only when asked. */
	if (!n->host_loopback)
		strv_push(&argv, "--no-map-gw");
	strv_push(&argv, "--pid");
	strv_push(&argv, pidfile);
	/* Root here is the user itself: pasta would otherwise drop to the
	 * overflow "nobody" and could not open the namespace. */
	strv_push(&argv, "--runas");
	strv_push(&argv, "0:0");
	strv_push(&argv, "--netns");
	strv_push(&argv, netns);
	return argv;
}

/* pasta forks into the background once the namespace is configured: its
 * pid comes from its pid file. */
static int pasta_start(const struct rl_net *n, const char *netns, const char *dir, pid_t *helper,
		       struct error *err)
{
	_cleanup_free_ char *pidfile = xasprintf("%s/pid", dir);
	_cleanup_strv_ char **argv = pasta_argv(n, pidfile, netns);
	_cleanup_free_ char *text = NULL;
	int status;
	pid_t child;

	child = fork();
	if (child < 0)
		return error_sys(err, "fork");
	if (child == 0) {
		/* Its own stdout is nobody's business. */
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
		return error_set(err, EIO, "pasta failed to connect the container's network");
	}
	if (file_read_at(AT_FDCWD, pidfile, 64, &text, NULL, err) < 0 ||
	    (*helper = atoi(text)) <= 0) {
		unlink(pidfile);
		return error_set(err, EIO, "pasta left no pid in '%s'", pidfile);
	}
	unlink(pidfile);
	return 0;
}

static char **slirp_argv(const struct rl_net *n, const char *api, const char *netns)
{
	char **argv = NULL;

	strv_push(&argv, "slirp4netns");
	strv_push(&argv, "--configure");
	strv_push(&argv, "--ready-fd=3");
	strv_push(&argv, "--exit-fd=4");
	{
		_cleanup_free_ char *a = xasprintf("--api-socket=%s", api);
		_cleanup_free_ char *m = xasprintf("--mtu=%s", n->mtu ? n->mtu : "65520");

		strv_push(&argv, a);
		strv_push(&argv, m);
	}
	if (n->cidr) {
		_cleanup_free_ char *c = xasprintf("--cidr=%s", n->cidr);

		strv_push(&argv, c);
	}
	if (n->outbound) {
		_cleanup_free_ char *o = xasprintf("--outbound-addr=%s", n->outbound);

		strv_push(&argv, o);
	}
	if (n->ipv6)
		strv_push(&argv, "--enable-ipv6");
	/* 10.0.2.2 reaches the host's 127.0.0.1 only when asked. */
	if (!n->host_loopback)
		strv_push(&argv, "--disable-host-loopback");
	/* A mount namespace of its own with nothing of the host but what it
	 * needs, and a seccomp filter: it parses the container's packets. */
	strv_push(&argv, "--enable-sandbox");
	strv_push(&argv, "--enable-seccomp");
	strv_push(&argv, "--netns-type=path");
	strv_push(&argv, netns);
	strv_push(&argv, "tap0");
	return argv;
}

/* One request on slirp4netns' API socket; its reply names an error. */
static int slirp_request(const char *api, const char *req, struct error *err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char reply[1024];
	size_t got = 0;
	ssize_t r;

	if (s < 0)
		return error_sys(err, "socket");
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", api);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return error_sys(err, "cannot connect to slirp4netns at '%s'", api);
	if (write(s, req, strlen(req)) != (ssize_t)strlen(req))
		return error_sys(err, "cannot write to slirp4netns at '%s'", api);
	shutdown(s, SHUT_WR);
	while (got < sizeof(reply) - 1 &&
	       (r = read(s, reply + got, sizeof(reply) - 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_sys(err, "cannot read from slirp4netns at '%s'", api);
		got += (size_t)r;
	}
	reply[got] = '\0';
	if (!strstr(reply, "\"return\""))
		return error_set(err, EIO, "slirp4netns refused %s: %s", req, reply);
	return 0;
}

static int slirp_publish(const char *api, const struct net_port *p, struct error *err)
{
	_cleanup_free_ char *req = NULL;
	char ip[16];

	req = xasprintf("{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", "
			"\"host_addr\": \"%s\", \"host_port\": %u, \"guest_port\": %u}}",
			p->proto == IPPROTO_UDP ? "udp" : "tcp",
			p->host_ip ? net_ip_str(p->host_ip, ip) : "0.0.0.0", p->host_port,
			p->ctr_port);
	if (slirp_request(api, req, err) < 0)
		return error_prefix(err, "cannot publish port %u/%s", p->host_port,
				    net_proto_name(p->proto));
	return 0;
}

/* The last line of slirp4netns' log (its error), in a static buffer. */
static const char *log_last_line(const char *log)
{
	static char line[256];
	_cleanup_free_ char *text = NULL;
	struct error e;
	char *end, *start;

	if (file_read_at(AT_FDCWD, log, 1 << 16, &text, NULL, &e) < 0 || !*text)
		return "no message (is it installed? Debian: apt-get install slirp4netns)";
	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		*--end = '\0';
	start = strrchr(text, '\n');
	snprintf(line, sizeof(line), "%s", start ? start + 1 : text);
	return line;
}

/* slirp4netns stays in the foreground: ready (fd 3) once the namespace is
 * configured, gone when its exit fd (fd 4; *exit_w is our end) closes. */
static int slirp_start(const struct rl_net *n, const char *netns, const char *dir, pid_t *helper,
		       int *exit_w, struct error *err)
{
	_cleanup_free_ char *api = xasprintf("%s/api", dir);
	_cleanup_strv_ char **argv = slirp_argv(n, api, netns);
	_cleanup_close_ int ready_r = -1, ready_w = -1, exit_r = -1, ew = -1, logfd = -1;
	_cleanup_free_ char *log = NULL;
	int fds[2], status;
	char c = 0;
	pid_t child;
	ssize_t r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_sys(err, "pipe");
	ready_r = fds[0];
	ready_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_sys(err, "pipe");
	exit_r = fds[0];
	ew = fds[1];
	log = xasprintf("%s/log", dir);
	logfd = open(log, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (logfd < 0)
		return error_sys(err, "cannot create '%s'", log);
	child = fork();
	if (child < 0)
		return error_sys(err, "fork");
	if (child == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* It chats on stderr: into the log, read on failure. */
		if (dup2(logfd, 2) < 0)
			_exit(127);
		/* Out of the way of 3 and 4 first, then into place (dup2
		 * clears close-on-exec on the copy). */
		setsid();
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    (ready_w = fcntl(ready_w, F_DUPFD_CLOEXEC, 5)) < 0 ||
		    (exit_r = fcntl(exit_r, F_DUPFD_CLOEXEC, 5)) < 0 || dup2(ready_w, 3) < 0 ||
		    dup2(exit_r, 4) < 0)
			_exit(127);
		execvp("slirp4netns", argv);
		dprintf(2, "cannot run slirp4netns (Debian: apt-get install slirp4netns): %s\n",
			strerror(errno));
		_exit(127);
	}
	close(steal_fd(&ready_w));
	close(steal_fd(&exit_r));
	while ((r = read(ready_r, &c, 1)) < 0 && errno == EINTR)
		;
	if (r != 1 || c != '1') {
		/* Closing the exit fd ends it if it is still there. */
		close(steal_fd(&ew));
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return error_set(err, EIO,
				 "slirp4netns failed to connect the container's network: %s",
				 log_last_line(log));
	}
	for (size_t i = 0; i < n->n_ports; i++)
		if (slirp_publish(api, &n->ports[i], err) < 0)
			return -1; /* ew closes: slirp4netns quits */
	*helper = child;
	*exit_w = steal_fd(&ew);
	return 0;
}

int rt_network_rootless_start(const char *network, char *const *publish, pid_t pid,
			      struct error *err)
{
	_cleanup_free_ char *netns = NULL;
	char dir[] = "/tmp/nook-rlnet-XXXXXX";
	struct rl_net n;
	pid_t helper = 0;
	int exit_w = -1, r;

	if (rl_net_parse(network, publish, &n, err) < 0) {
		rl_net_release(&n);
		return -1;
	}
	/* A fresh private dir: a guessable name in /tmp could be a symlink. */
	if (!mkdtemp(dir)) {
		rl_net_release(&n);
		return error_sys(err, "cannot create a directory in /tmp");
	}
	netns = xasprintf("%s/netns", dir);
	if (ns_netns_bind(pid, netns, err) < 0) {
		rmdir(dir);
		rl_net_release(&n);
		return -1;
	}
	r = n.helper == HELPER_PASTA ? pasta_start(&n, netns, dir, &helper, err)
				     : slirp_start(&n, netns, dir, &helper, &exit_w, err);
	rl_net_release(&n);
	/* Without a watcher the helper would outlive the container: the
	 * namespace's file going ends pasta, the exit fd closing slirp4netns. */
	if (r == 0 && !watch_and_stop(pid, helper, exit_w, netns, dir))
		r = error_set(err, EIO, "cannot watch the container for %s", network);
	if (exit_w >= 0)
		close(exit_w);
	if (r < 0)
		dir_remove(netns, dir);
	return r;
}
