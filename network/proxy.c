/* Published ports on the host's IPv6 loopback: a forwarder in user space,
 * as docker-proxy and podman's rootlessport are.
 *
 * Why not nftables, as for 127.0.0.1: v4 reaches a container from the
 * loopback because the bridge has route_localnet, and the DNAT in the
 * output hook plus a masquerade on the way into the bridge does the
 * rest.  IPv6 has no route_localnet: with the same rules (tried on
 * kernel 6.18 in a test namespace) the SYN reaches the container, but
 * its reply, un-NATed back to ::1 in prerouting on the bridge, is
 * dropped by the routing decision as a loopback destination arriving on
 * a non-loopback interface (RFC 4291 2.5.3), and the connection hangs;
 * netavark (containers/netavark#790) and kube-proxy
 * (kubernetes/kubernetes#90236) have the same limit, and docker reaches
 * [::1] only through docker-proxy.
 *
 * So the monitor, which holds every published port's [::] socket anyway
 * (hold.c), listens on the TCP ones and relays what reaches them to the
 * container's v6 address; UDP datagrams are relayed through one
 * connected socket per client.  nook's `ip6 nook` table DNATs every
 * other local and remote v6 destination before a socket sees it, so
 * only ::1 arrives here; should the table be flushed, the relay serves
 * those clients too, which is what the DNAT would have done: nothing is
 * reachable that the publication did not offer.  The container sees the
 * bridge's gateway as the peer, as behind docker-proxy.
 *
 * One epoll set, level-triggered, driven from the monitor's poll loop:
 * no thread, no process of its own.  Each TCP direction moves through a
 * buffer of its own, filled only once emptied. */
#include "network/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_LEN	     65536
#define UDP_FLOWS    64 /* per port; the oldest goes when one more comes */
#define UDP_IDLE_SEC 90 /* docker-proxy's UDP timeout */

enum kind { LISTEN_TCP, LISTEN_UDP, CONN, FLOW };

struct item {
	enum kind kind;
	int side; /* CONN: 0 the client's end, 1 the container's */
	void *owner;
};

struct listener {
	struct item it;
	int fd;
	struct sockaddr_in6 dst;
	struct net_proxy *px;
};

struct conn {
	struct item it[2];
	int fd[2];
	char *buf[2]; /* read from fd[i], to be written to fd[1 - i] */
	size_t off[2], len[2];
	bool eof[2], hup[2], watched[2], connecting, dead;
	struct conn *next;
};

struct flow {
	struct item it;
	int fd; /* connected to the container */
	struct sockaddr_in6 client;
	time_t used;
	struct listener *l;
	bool dead;
	struct flow *next;
};

struct net_proxy {
	int ep;
	struct listener **ls;
	size_t nls;
	struct conn *conns, *dead_conns;
	struct flow *flows, *dead_flows;
};

struct net_proxy *net_proxy_new(struct error *err)
{
	struct net_proxy *px = xzalloc(sizeof(*px));

	if ((px->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		error_sys(err, "cannot make an epoll set");
		free(px);
		return NULL;
	}
	return px;
}

int net_proxy_fd(const struct net_proxy *px)
{
	return px ? px->ep : -1;
}

static int watch(struct net_proxy *px, int op, int fd, uint32_t events, struct item *it)
{
	struct epoll_event ev = {.events = events, .data.ptr = it};

	return epoll_ctl(px->ep, op, fd, &ev);
}

int net_proxy_add(struct net_proxy *px, int fd, uint8_t proto, const struct net_ip6 *dst,
		  uint16_t port, struct error *err)
{
	struct listener *l = xzalloc(sizeof(*l));
	bool tcp = proto == IPPROTO_TCP;

	l->it.kind = tcp ? LISTEN_TCP : LISTEN_UDP;
	l->it.owner = l;
	l->fd = fd;
	l->px = px;
	l->dst.sin6_family = AF_INET6;
	l->dst.sin6_port = htons(port);
	memcpy(&l->dst.sin6_addr, dst->b, 16);
	if ((tcp && listen(fd, 128) < 0) || watch(px, EPOLL_CTL_ADD, fd, EPOLLIN, &l->it) < 0) {
		free(l);
		return error_sys(err, "cannot relay port %u on [::1]", port);
	}
	px->ls = xrealloc(px->ls, (px->nls + 1) * sizeof(*px->ls));
	px->ls[px->nls++] = l;
	return 0;
}

/* ------------------------------------------------------------- TCP -- */

/* Freed at the end of net_proxy_run: a later event of the same batch
 * may name it still. */
static void conn_close(struct net_proxy *px, struct conn *c)
{
	for (struct conn **p = &px->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	for (int i = 0; i < 2; i++)
		close(c->fd[i]); /* leaves the epoll set with it */
	c->dead = true;
	c->next = px->dead_conns;
	px->dead_conns = c;
}

/* What each end waits for now: to read when its buffer is empty and it
 * has not ended, to write when the other end's buffer holds data.  An
 * end that hung up (its peer closed, and we shut our side) and waits
 * for nothing leaves the set until it does: epoll reports a hangup
 * whatever one asks for, and level-triggered it would come back at
 * once, forever, while the other end drains. */
static int conn_watch(struct net_proxy *px, struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		uint32_t ev = 0;
		int op = c->watched[i] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

		if (c->connecting)
			ev = i == 1 ? EPOLLOUT : 0;
		else
			ev = (!c->eof[i] && !c->len[i] ? EPOLLIN : 0) |
			     (c->len[1 - i] ? EPOLLOUT : 0);
		if (!ev && c->hup[i]) {
			if (c->watched[i] && epoll_ctl(px->ep, EPOLL_CTL_DEL, c->fd[i], NULL) < 0)
				return -1;
			c->watched[i] = false;
			continue;
		}
		if (watch(px, op, c->fd[i], ev, &c->it[i]) < 0)
			return -1;
		c->watched[i] = true;
	}
	return 0;
}

static void tcp_accept(struct net_proxy *px, struct listener *l)
{
	struct conn *c;
	int a, b;

	if ((a = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	b = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b < 0 ||
	    (connect(b, (struct sockaddr *)&l->dst, sizeof(l->dst)) < 0 && errno != EINPROGRESS)) {
		close(a);
		if (b >= 0)
			close(b);
		return;
	}
	c = xzalloc(sizeof(*c));
	c->fd[0] = a;
	c->fd[1] = b;
	c->connecting = true;
	for (int i = 0; i < 2; i++) {
		c->it[i] = (struct item){.kind = CONN, .side = i, .owner = c};
		c->buf[i] = xmalloc(BUF_LEN);
	}
	c->next = px->conns;
	px->conns = c;
	c->watched[0] = c->watched[1] = true;
	if (watch(px, EPOLL_CTL_ADD, a, 0, &c->it[0]) < 0 ||
	    watch(px, EPOLL_CTL_ADD, b, EPOLLOUT, &c->it[1]) < 0)
		conn_close(px, c);
}

/* Move what is ready at end i; false when the connection is over (or
 * broken: an error, or a hangup that leaves nothing to move). */
static bool conn_step(struct conn *c, int i, uint32_t ev)
{
	int j = 1 - i, e = 0;
	socklen_t el = sizeof(e);

	if (c->connecting) {
		/* The client's end can only hang up meanwhile. */
		if (i == 0 || getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e)
			return false;
		c->connecting = false;
		return true;
	}
	if (ev & EPOLLERR)
		return false;
	c->hup[i] |= (ev & EPOLLHUP) != 0;
	if ((ev & (EPOLLIN | EPOLLHUP)) && !c->eof[i] && !c->len[i]) {
		ssize_t n = recv(c->fd[i], c->buf[i], BUF_LEN, 0);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (n == 0) {
			c->eof[i] = true;
			shutdown(c->fd[j], SHUT_WR);
		}
		if (n > 0) {
			c->off[i] = 0;
			c->len[i] = (size_t)n;
		}
	}
	if ((ev & EPOLLOUT) && c->len[j]) {
		ssize_t n = send(c->fd[i], c->buf[j] + c->off[j], c->len[j], MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (n > 0) {
			c->off[j] += (size_t)n;
			c->len[j] -= (size_t)n;
		}
		if (!c->len[j] && c->eof[j])
			shutdown(c->fd[i], SHUT_WR);
	}
	return !(c->eof[0] && c->eof[1] && !c->len[0] && !c->len[1]);
}

/* ------------------------------------------------------------- UDP -- */

static void flow_close(struct net_proxy *px, struct flow *f)
{
	for (struct flow **p = &px->flows; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	close(f->fd);
	f->dead = true;
	f->next = px->dead_flows;
	px->dead_flows = f;
}

/* Flows idle for longer than UDP_IDLE_SEC go; so does the oldest of l's
 * when it has UDP_FLOWS already. */
static void flows_expire(struct net_proxy *px, struct listener *l, time_t now)
{
	struct flow *oldest = NULL, *next;
	size_t n = 0;

	for (struct flow *f = px->flows; f; f = next) {
		next = f->next;
		if (now - f->used > UDP_IDLE_SEC) {
			flow_close(px, f);
			continue;
		}
		if (f->l == l && ++n && (!oldest || f->used < oldest->used))
			oldest = f;
	}
	if (n >= UDP_FLOWS && oldest)
		flow_close(px, oldest);
}

static void udp_in(struct net_proxy *px, struct listener *l)
{
	static char buf[BUF_LEN];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(l->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	time_t now = time(NULL);
	struct flow *f;

	if (n < 0)
		return;
	for (f = px->flows; f; f = f->next)
		if (f->l == l && !memcmp(&f->client, &from, sizeof(from)))
			break;
	if (!f) {
		int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		flows_expire(px, l, now);
		if (fd < 0)
			return;
		if (connect(fd, (struct sockaddr *)&l->dst, sizeof(l->dst)) < 0) {
			close(fd);
			return;
		}
		f = xzalloc(sizeof(*f));
		f->it = (struct item){.kind = FLOW, .owner = f};
		f->fd = fd;
		f->client = from;
		f->l = l;
		f->next = px->flows;
		px->flows = f;
		if (watch(px, EPOLL_CTL_ADD, fd, EPOLLIN, &f->it) < 0) {
			flow_close(px, f);
			return;
		}
	}
	f->used = now;
	send(f->fd, buf, (size_t)n, MSG_DONTWAIT);
}

/* A reply from the container goes back from the published port's own
 * socket, so the client sees it come from where it sent to. */
static void udp_out(struct net_proxy *px, struct flow *f)
{
	static char buf[BUF_LEN];
	ssize_t n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			flow_close(px, f); /* ICMP unreachable: nobody on the port */
		return;
	}
	f->used = time(NULL);
	sendto(f->l->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&f->client,
	       sizeof(f->client));
}

/* ------------------------------------------------------------------- -- */

static void dead_free(struct net_proxy *px)
{
	while (px->dead_conns) {
		struct conn *c = px->dead_conns;

		px->dead_conns = c->next;
		free(c->buf[0]);
		free(c->buf[1]);
		free(c);
	}
	while (px->dead_flows) {
		struct flow *f = px->dead_flows;

		px->dead_flows = f->next;
		free(f);
	}
}

void net_proxy_run(struct net_proxy *px)
{
	struct epoll_event ev[32];
	int n;

	if (!px || (n = epoll_wait(px->ep, ev, 32, 0)) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		struct item *it = ev[i].data.ptr;

		if (it->kind == LISTEN_TCP) {
			tcp_accept(px, it->owner);
		} else if (it->kind == LISTEN_UDP) {
			udp_in(px, it->owner);
		} else if (it->kind == FLOW) {
			if (!((struct flow *)it->owner)->dead)
				udp_out(px, it->owner);
		} else {
			struct conn *c = it->owner;

			if (c->dead)
				continue;
			if (!conn_step(c, it->side, ev[i].events) || conn_watch(px, c) < 0)
				conn_close(px, c);
		}
	}
	dead_free(px);
}

void net_proxy_free(struct net_proxy *px)
{
	if (!px)
		return;
	while (px->conns)
		conn_close(px, px->conns);
	while (px->flows)
		flow_close(px, px->flows);
	dead_free(px);
	/* The listening sockets are the holder's (hold.c) to close. */
	for (size_t i = 0; i < px->nls; i++)
		free(px->ls[i]);
	free(px->ls);
	close(px->ep);
	free(px);
}
