/* The engine's networks and their address management (IPAM), in the
 * store's database beside the containers they serve.
 *
 * Tables (made on first use, so stores that never network never have
 * them): net_networks, one row a network; net_networks6, the IPv6
 * subnet of a dual-stack one (a table of its own, so a store made before
 * IPv6 needs no migration); net_addrs, one row per
 * container on a network (its address is the row's key part, so two
 * containers can never hold one address: the PRIMARY KEY refuses the
 * second INSERT); net_addrs6, a container's fixed IPv6 address (--ip6;
 * without one its v6 address is derived from its v4 one, network/ip6.c,
 * and needs no row), keyed the same way; net_ports, one row per
 * published port.
 *
 * A container's rows go with its row in engine_containers (a trigger):
 * removing the container releases its address in the same statement.
 *
 * Every change runs in one IMMEDIATE transaction: allocation reads the
 * taken addresses and inserts the first free one with the write lock
 * held, so concurrent `run`s serialize on SQLite's lock instead of
 * racing.  Rows of containers that are no longer recorded (a create or
 * rm killed between its steps) are swept inside the same transactions:
 * a crash leaks no address for longer than the next network change. */
#include "image/internal.h"

#include <string.h>

static const char net_schema[] =
    "CREATE TABLE IF NOT EXISTS net_networks (name TEXT PRIMARY KEY, bridge TEXT NOT NULL "
    "UNIQUE, subnet INTEGER NOT NULL, prefix INTEGER NOT NULL, gateway INTEGER NOT NULL, "
    "internal INTEGER NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS net_networks6 (name TEXT PRIMARY KEY, subnet6 TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS net_addrs (network TEXT NOT NULL, ip INTEGER NOT NULL, "
    "ctr TEXT NOT NULL, name TEXT NOT NULL, aliases TEXT NOT NULL, mac TEXT NOT NULL, "
    "PRIMARY KEY (network, ip), UNIQUE (network, ctr));"
    "CREATE TABLE IF NOT EXISTS net_addrs6 (network TEXT NOT NULL, ip6 TEXT NOT NULL, "
    "ctr TEXT NOT NULL, twin INTEGER NOT NULL, PRIMARY KEY (network, ip6), "
    "UNIQUE (network, ctr));"
    "CREATE TABLE IF NOT EXISTS net_ports (proto INTEGER NOT NULL, host_ip INTEGER NOT NULL, "
    "host_port INTEGER NOT NULL, ctr TEXT NOT NULL, ctr_port INTEGER NOT NULL, "
    "PRIMARY KEY (proto, host_port, host_ip));"
    "CREATE TRIGGER IF NOT EXISTS net_release AFTER DELETE ON engine_containers BEGIN "
    "DELETE FROM net_addrs WHERE ctr = OLD.id; DELETE FROM net_ports WHERE ctr = OLD.id; END;"
    "CREATE TRIGGER IF NOT EXISTS net_release6 AFTER DELETE ON engine_containers BEGIN "
    "DELETE FROM net_addrs6 WHERE ctr = OLD.id; END;";

static const char sweep_sql[] =
    "DELETE FROM net_addrs WHERE ctr NOT IN (SELECT id FROM engine_containers);"
    "DELETE FROM net_ports WHERE ctr NOT IN (SELECT id FROM engine_containers);"
    "DELETE FROM net_addrs6 WHERE NOT EXISTS (SELECT 1 FROM net_addrs a WHERE a.network = "
    "net_addrs6.network AND a.ctr = net_addrs6.ctr);";

/* Load sqlite, make the tables, begin. */
static int net_begin(struct img_store *s, struct error *err)
{
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0 || img_db_begin(s, err) < 0)
		return -1;
	if (img_db_exec(s, net_schema, err) < 0) {
		img_db_rollback(s);
		return -1;
	}
	return 0;
}

static int net_end(struct img_store *s, int r, struct error *err)
{
	if (r < 0) {
		img_db_rollback(s);
		return -1;
	}
	return img_db_commit(s, err);
}

static char *col_str(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return xstrdup(t ? (const char *)t : "");
}

void img_network_release(struct img_network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->bridge);
	free(n->subnet6);
	memset(n, 0, sizeof(*n));
}

void img_network_list_free(struct img_network *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img_network_release(&v[i]);
	free(v);
}

void img_net_addr_list_free(struct img_net_addr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].network);
		free(v[i].ctr);
		free(v[i].name);
		free(v[i].aliases);
		free(v[i].mac);
		free(v[i].ip6);
	}
	free(v);
}

#define NET_COLS "name, bridge, subnet, prefix, gateway, internal, created"
#define NET_SELECT                                                                                 \
	"SELECT n.name, bridge, subnet, prefix, gateway, internal, created, subnet6 FROM "         \
	"net_networks n LEFT JOIN net_networks6 USING (name)"

static void net_read(sqlite3_stmt *q, struct img_network *n)
{
	n->name = col_str(q, 0);
	n->bridge = col_str(q, 1);
	n->subnet = (uint32_t)sqlite3_column_int64(q, 2);
	n->prefix = (int)sqlite3_column_int64(q, 3);
	n->gateway = (uint32_t)sqlite3_column_int64(q, 4);
	n->internal = sqlite3_column_int64(q, 5) != 0;
	n->created = sqlite3_column_int64(q, 6);
	n->subnet6 = col_str(q, 7);
}

static int nets_read(struct img_store *s, const char *name, struct img_network **out, size_t *n,
		     struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(
	    s, name ? NET_SELECT " WHERE n.name = ?1" : NET_SELECT " ORDER BY n.name", err);
	struct img_network *v = NULL;
	size_t cnt = 0;
	int rc;

	if (!q)
		return -1;
	if (name)
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		net_read(q, &v[cnt++]);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		img_network_list_free(v, cnt);
		return img_db_error(s, err, "cannot list networks");
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int exec_text(struct img_store *s, const char *sql, const char *a, const char *b,
		     struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(s, sql, err);
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return img_db_error(s, err, "cannot update networks");
	return rc == SQLITE_ROW ? 1 : 0;
}

static bool overlap(uint32_t a, int pa, uint32_t b, int pb)
{
	int p = pa < pb ? pa : pb;
	uint32_t m = p <= 0 ? 0 : ~((1u << (32 - p)) - 1);

	return (a & m) == (b & m);
}

int img_net_add(struct img_store *s, const struct img_network *n, struct error *err)
{
	struct img_network *v = NULL;
	size_t cnt = 0;
	sqlite3_stmt *q;
	int r = -1, rc;

	if (net_begin(s, err) < 0)
		return -1;
	if (nets_read(s, NULL, &v, &cnt, err) < 0)
		goto out;
	for (size_t i = 0; i < cnt; i++) {
		if (!strcmp(v[i].name, n->name)) {
			error_set(err, EEXIST, "network %s already exists", n->name);
			goto out;
		}
		if (!strcmp(v[i].bridge, n->bridge)) {
			error_set(err, EEXIST, "bridge %s is already used by network %s", n->bridge,
				  v[i].name);
			goto out;
		}
		if (overlap(v[i].subnet, v[i].prefix, n->subnet, n->prefix)) {
			error_set(err, EINVAL, "the subnet overlaps network %s's", v[i].name);
			goto out;
		}
	}
	if (!(q = img_db_prepare(
		  s, "INSERT INTO net_networks(" NET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		  err)))
		goto out;
	sqlite3_bind_text(q, 1, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, n->bridge, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, n->subnet);
	sqlite3_bind_int64(q, 4, n->prefix);
	sqlite3_bind_int64(q, 5, n->gateway);
	sqlite3_bind_int64(q, 6, n->internal);
	sqlite3_bind_int64(q, 7, n->created);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		img_db_error(s, err, "cannot record network");
		goto out;
	}
	if (n->subnet6 && *n->subnet6 &&
	    exec_text(s, "INSERT INTO net_networks6(name, subnet6) VALUES (?1, ?2)", n->name,
		      n->subnet6, err) < 0)
		goto out;
	r = 0;
out:
	img_network_list_free(v, cnt);
	return net_end(s, r, err);
}

int img_net_find(struct img_store *s, const char *name, struct img_network *out, struct error *err)
{
	struct img_network *v = NULL;
	size_t cnt = 0;
	int r;

	if (net_begin(s, err) < 0)
		return -1;
	r = nets_read(s, name, &v, &cnt, err);
	if (net_end(s, r, err) < 0)
		return -1;
	if (!cnt)
		return error_set(err, ENOENT, "network %s not found", name);
	*out = v[0];
	free(v);
	return 0;
}

int img_net_list(struct img_store *s, struct img_network **out, size_t *n, struct error *err)
{
	if (net_begin(s, err) < 0)
		return -1;
	return net_end(s, nets_read(s, NULL, out, n, err), err);
}

int img_net_remove(struct img_store *s, const char *name, struct error *err)
{
	int r;

	if (net_begin(s, err) < 0)
		return -1;
	if ((r = img_db_exec(s, sweep_sql, err)) < 0)
		return net_end(s, r, err);
	r = exec_text(s, "SELECT 1 FROM net_addrs WHERE network = ?1 LIMIT 1", name, NULL, err);
	if (r > 0)
		r = error_set(err, EBUSY, "network %s has containers: remove them first", name);
	if (r == 0)
		r = exec_text(s, "DELETE FROM net_networks WHERE name = ?1", name, NULL, err);
	if (r == 0)
		r = exec_text(s, "DELETE FROM net_networks6 WHERE name = ?1", name, NULL, err);
	return net_end(s, r, err);
}

/* The first free host address of n at or after its gateway's successor
 * (want: exactly that one, EADDRINUSE when taken).  With twins, the v4
 * addresses whose derived v6 address is another container's --ip6 count
 * as taken: a container without an --ip6 of its own would get that v6
 * address too. */
static int addr_pick(struct img_store *s, const struct img_network *n, uint32_t want, bool twins,
		     uint32_t *ip, struct error *err)
{
	uint32_t mask = ~((1u << (32 - n->prefix)) - 1), first = n->subnet + 1,
		 last = (n->subnet | ~mask) - 1;
	sqlite3_stmt *q = img_db_prepare(
	    s,
	    twins ? "SELECT ip FROM net_addrs WHERE network = ?1 UNION SELECT twin FROM "
		    "net_addrs6 WHERE network = ?1 AND twin != 0 ORDER BY 1"
		  : "SELECT ip FROM net_addrs WHERE network = ?1 ORDER BY ip",
	    err);
	uint32_t cand = first;
	int rc;

	if (!q)
		return -1;
	if (want &&
	    ((want & mask) != n->subnet || want < first || want > last || want == n->gateway)) {
		sqlite3_finalize(q);
		return error_set(err, EINVAL, "address outside network %s's usable range", n->name);
	}
	sqlite3_bind_text(q, 1, n->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		uint32_t used = (uint32_t)sqlite3_column_int64(q, 0);

		if (want && used == want) {
			sqlite3_finalize(q);
			return error_set(err, EADDRINUSE,
					 "the address is already in use on network %s", n->name);
		}
		if (cand == n->gateway)
			cand++;
		if (used == cand)
			cand++;
		else if (used > cand && !want)
			break;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return img_db_error(s, err, "cannot read addresses");
	if (cand == n->gateway)
		cand++;
	if (want)
		cand = want;
	if (cand > last)
		return error_set(err, ENOSPC, "network %s has no free address", n->name);
	*ip = cand;
	return 0;
}

/* The lowest port from 32768 that no row of proto holds (docker takes
 * its -P ports from the ephemeral range too). */
static int port_pick(struct img_store *s, struct img_net_port *p, struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(s,
					 "SELECT host_port FROM net_ports WHERE proto = ?1 AND "
					 "host_port >= 32768 ORDER BY host_port",
					 err);
	unsigned cand = 32768;
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, p->proto);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		unsigned used = (unsigned)sqlite3_column_int64(q, 0);

		if (used == cand)
			cand++;
		else if (used > cand)
			break;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return img_db_error(s, err, "cannot read ports");
	if (cand > 65535)
		return error_set(err, ENOSPC, "no free host port to publish on");
	p->host_port = (uint16_t)cand;
	return 0;
}

static int port_add(struct img_store *s, const char *ctr, struct img_net_port *p, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (!p->host_port && port_pick(s, p, err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "SELECT 1 FROM net_ports WHERE proto = ?1 AND host_port = ?2 AND "
			   "(host_ip = ?3 OR host_ip = 0 OR ?3 = 0)",
			   err);

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, p->proto);
	sqlite3_bind_int64(q, 2, p->host_port);
	sqlite3_bind_int64(q, 3, p->host_ip);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return error_set(err, EADDRINUSE, "host port %u/%s is already published",
				 p->host_port, p->proto == 17 ? "udp" : "tcp");
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot read ports");
	if (!(q = img_db_prepare(s,
				 "INSERT INTO net_ports(proto, host_ip, host_port, ctr, ctr_port) "
				 "VALUES (?1, ?2, ?3, ?4, ?5)",
				 err)))
		return -1;
	sqlite3_bind_int64(q, 1, p->proto);
	sqlite3_bind_int64(q, 2, p->host_ip);
	sqlite3_bind_int64(q, 3, p->host_port);
	sqlite3_bind_text(q, 4, ctr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, p->ctr_port);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT)
		return error_set(err, EADDRINUSE, "host port %u is already published",
				 p->host_port);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot record port");
	return 0;
}

/* a->ip6 (when set) is nobody's on a->network: no fixed one of another
 * container, and no derived one (a container without a fixed one whose
 * v4 address is a->ip6's twin). */
static int addr6_check(struct img_store *s, const struct img_net_addr *a, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (!a->ip6 || !*a->ip6)
		return 0;
	q = img_db_prepare(s,
			   "SELECT 1 FROM net_addrs6 WHERE network = ?1 AND ip6 = ?2 UNION ALL "
			   "SELECT 1 FROM net_addrs a WHERE network = ?1 AND ip = ?3 AND ?3 != 0 "
			   "AND NOT EXISTS (SELECT 1 FROM net_addrs6 b WHERE b.network = "
			   "a.network AND b.ctr = a.ctr)",
			   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, a->network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, a->ip6, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, a->twin6);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return error_set(err, EADDRINUSE, "the address %s is already in use on network %s",
				 a->ip6, a->network);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot read addresses");
	return 0;
}

static int addr6_add(struct img_store *s, const struct img_net_addr *a, struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(
	    s, "INSERT INTO net_addrs6(network, ip6, ctr, twin) VALUES (?1, ?2, ?3, ?4)", err);
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, a->network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, a->ip6, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, a->ctr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, a->twin6);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT)
		return error_set(err, EADDRINUSE, "the address %s is already in use on network %s",
				 a->ip6, a->network);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot record address");
	return 0;
}

int img_net_attach(struct img_store *s, const struct img_net_addr *a, struct img_net_port *ports,
		   size_t nports, uint32_t *ip, struct error *err)
{
	struct img_network *v = NULL;
	size_t cnt = 0;
	sqlite3_stmt *q;
	int r = -1, rc;

	if (net_begin(s, err) < 0)
		return -1;
	if (img_db_exec(s, sweep_sql, err) < 0 || nets_read(s, a->network, &v, &cnt, err) < 0)
		goto out;
	if (!cnt) {
		error_set(err, ENOENT, "network %s not found", a->network);
		goto out;
	}
	if (addr6_check(s, a, err) < 0 ||
	    addr_pick(s, &v[0], a->ip, !(a->ip6 && *a->ip6), ip, err) < 0)
		goto out;
	if (!(q = img_db_prepare(s,
				 "INSERT INTO net_addrs(network, ip, ctr, name, aliases, mac) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				 err)))
		goto out;
	sqlite3_bind_text(q, 1, a->network, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, *ip);
	sqlite3_bind_text(q, 3, a->ctr, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, a->aliases ? a->aliases : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, a->mac ? a->mac : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT) {
		error_set(err, EEXIST, "container is already on network %s", a->network);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		img_db_error(s, err, "cannot record address");
		goto out;
	}
	if (a->ip6 && *a->ip6 && addr6_add(s, a, err) < 0)
		goto out;
	for (size_t i = 0; i < nports; i++)
		if (port_add(s, a->ctr, &ports[i], err) < 0)
			goto out;
	r = 0;
out:
	img_network_list_free(v, cnt);
	return net_end(s, r, err);
}

int img_net_detach(struct img_store *s, const char *ctr, const char *network, struct error *err)
{
	int r;

	if (net_begin(s, err) < 0)
		return -1;
	if (network) {
		r = exec_text(s, "DELETE FROM net_addrs WHERE ctr = ?1 AND network = ?2", ctr,
			      network, err);
		if (r == 0)
			r = exec_text(s, "DELETE FROM net_addrs6 WHERE ctr = ?1 AND network = ?2",
				      ctr, network, err);
	} else {
		r = exec_text(s, "DELETE FROM net_addrs WHERE ctr = ?1", ctr, NULL, err);
		if (r == 0)
			r = exec_text(s, "DELETE FROM net_addrs6 WHERE ctr = ?1", ctr, NULL, err);
		if (r == 0)
			r = exec_text(s, "DELETE FROM net_ports WHERE ctr = ?1", ctr, NULL, err);
	}
	return net_end(s, r, err);
}

int img_net_addrs(struct img_store *s, const char *network, const char *ctr,
		  struct img_net_addr **out, size_t *n, struct error *err)
{
	sqlite3_stmt *q;
	struct img_net_addr *v = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (net_begin(s, err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "SELECT network, ip, ctr, name, aliases, mac, ip6 FROM net_addrs LEFT "
			   "JOIN net_addrs6 USING (network, ctr) WHERE (?1 IS NULL OR network = "
			   "?1) AND (?2 IS NULL OR ctr = ?2) ORDER BY network, ip",
			   err);
	if (!q)
		return net_end(s, -1, err);
	if (network)
		sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	if (ctr)
		sqlite3_bind_text(q, 2, ctr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt].network = col_str(q, 0);
		v[cnt].ip = (uint32_t)sqlite3_column_int64(q, 1);
		v[cnt].ctr = col_str(q, 2);
		v[cnt].name = col_str(q, 3);
		v[cnt].aliases = col_str(q, 4);
		v[cnt].mac = col_str(q, 5);
		v[cnt].ip6 = col_str(q, 6);
		cnt++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		img_net_addr_list_free(v, cnt);
		img_db_error(s, err, "cannot list addresses");
		return net_end(s, -1, err);
	}
	*out = v;
	*n = cnt;
	return net_end(s, 0, err);
}

int img_net_ports(struct img_store *s, const char *ctr, struct img_net_port **out, size_t *n,
		  struct error *err)
{
	sqlite3_stmt *q;
	struct img_net_port *v = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (net_begin(s, err) < 0)
		return -1;
	q = img_db_prepare(
	    s,
	    "SELECT proto, host_ip, host_port, ctr_port FROM net_ports WHERE ctr = ?1 "
	    "ORDER BY ctr_port, proto",
	    err);
	if (!q)
		return net_end(s, -1, err);
	sqlite3_bind_text(q, 1, ctr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt].proto = (uint8_t)sqlite3_column_int64(q, 0);
		v[cnt].host_ip = (uint32_t)sqlite3_column_int64(q, 1);
		v[cnt].host_port = (uint16_t)sqlite3_column_int64(q, 2);
		v[cnt].ctr_port = (uint16_t)sqlite3_column_int64(q, 3);
		cnt++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(v);
		img_db_error(s, err, "cannot list ports");
		return net_end(s, -1, err);
	}
	*out = v;
	*n = cnt;
	return net_end(s, 0, err);
}
