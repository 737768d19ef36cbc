/* Where images come from: registries.conf (containers-registries.conf(5),
 * version 2: unqualified-search-registries, short-name-mode, [aliases],
 * [[registry]] prefix/location/insecure/blocked) and the per-registry
 * certificates of certs.d (containers-certs.d(5)).
 *
 * Only the parts nook uses are read; other tables and keys are skipped,
 * as podman skips what it does not know.  A file that is there but
 * cannot be parsed is an error: a typo must not silently send a pull to
 * another registry. */
#define CURL_DISABLE_TYPECHECK
#include "image/internal.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>

#define MAX_CONF      (1u << 20)
#define MAX_CA	      (4u << 20)
#define DEFAULT_CONF  "/etc/containers/registries.conf"
#define DEFAULT_CERTS "/etc/containers/certs.d"

/* ------------------------------------------------------------ certs.d -- */

const char *img_certs_dir(void)
{
	const char *e = getenv("NOOK_CERTS_DIR");

	return e && *e ? e : DEFAULT_CERTS;
}

static int append_file(int dirfd, const char *name, char **buf, size_t *len, struct error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t n = 0;

	if (file_read_at(dirfd, name, MAX_CA, &data, &n, err) < 0)
		return -1;
	*buf = xrealloc(*buf, *len + n + 2);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
	return 0;
}

/* certs.d/HOST[:PORT]: every *.crt a CA trusted for this registry besides
 * the system's (curl's bundle is read too, since a blob replaces it);
 * NAME.cert with NAME.key a client certificate. */
int img_certs_load(struct img_registry *r, struct error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", img_certs_dir(), r->domain);
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *pem = NULL;
	char *sys = NULL;
	size_t len = 0;
	bool cas = false;
	struct dirent *de;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return error_sys(err, "cannot read '%s'", dir);
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (n[0] == '.')
			continue;
		if (str_has_suffix(n, ".crt")) {
			if (append_file(dirfd(d), n, &pem, &len, err) < 0)
				return error_prefix(err, "%s", dir);
			cas = true;
		} else if (str_has_suffix(n, ".cert")) {
			_cleanup_free_ char *key = xasprintf("%.*s.key", (int)(strlen(n) - 5), n);

			if (faccessat(dirfd(d), key, R_OK, 0) < 0)
				return error_set(err, ENOENT,
						 "client certificate '%s/%s' has no key '%s'", dir,
						 n, key);
			free(r->cert_file);
			free(r->key_file);
			r->cert_file = xasprintf("%s/%s", dir, n);
			r->key_file = xasprintf("%s/%s", dir, key);
		}
	}
	if (!cas)
		return 0;
	if (img_curl_getinfo(r->curl, CURLINFO_CAINFO, &sys) != CURLE_OK || !sys)
		sys = (char *)"/etc/ssl/certs/ca-certificates.crt";
	{
		struct error ignored;

		append_file(AT_FDCWD, sys, &pem, &len, &ignored);
	}
	r->ca_pem = steal_pointer(&pem);
	r->ca_len = len;
	return 0;
}

/* ------------------------------------------------------ registries.conf -- */

struct conf_reg {
	char *prefix, *location;
	bool insecure, blocked;
};

struct regconf {
	char *path;
	char **search;
	bool have_search; /* the key was set (an empty list too) */
	char **alias_keys, **alias_vals;
	enum { MODE_ENFORCING, MODE_PERMISSIVE, MODE_DISABLED } mode;
	struct conf_reg *regs;
	size_t nregs;
};

static void regconf_release(struct regconf *c)
{
	free(c->path);
	strv_free(c->search);
	strv_free(c->alias_keys);
	strv_free(c->alias_vals);
	for (size_t i = 0; i < c->nregs; i++) {
		free(c->regs[i].prefix);
		free(c->regs[i].location);
	}
	free(c->regs);
	memset(c, 0, sizeof(*c));
}

struct lexer {
	const char *p;
	int line;
	const char *path;
};

static void skip_space(struct lexer *l, bool newlines)
{
	for (;;) {
		while (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' ||
		       (newlines && *l->p == '\n'))
			l->line += *l->p++ == '\n';
		if (*l->p != '#')
			return;
		while (*l->p && *l->p != '\n')
			l->p++;
	}
}

static int bad(struct lexer *l, const char *what, struct error *err)
{
	return error_set(err, EINVAL, "%s:%d: %s", l->path, l->line, what);
}

/* "basic string" (escapes \" \\ \n \t) or 'literal string'. */
static int parse_string(struct lexer *l, char **out, struct error *err)
{
	char q = *l->p++;
	size_t cap = 16, n = 0;
	char *s = xmalloc(cap);

	while (*l->p && *l->p != q && *l->p != '\n') {
		char c = *l->p++;

		if (c == '\\' && q == '"') {
			c = *l->p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
			if (!c)
				break;
		}
		if (n + 2 > cap)
			s = xrealloc(s, cap *= 2);
		s[n++] = c;
	}
	s[n] = '\0';
	if (*l->p != q) {
		free(s);
		return bad(l, "unterminated string", err);
	}
	l->p++;
	*out = s;
	return 0;
}

/* A bare or quoted key. */
static int parse_key(struct lexer *l, char **out, struct error *err)
{
	const char *s = l->p;

	if (*l->p == '"' || *l->p == '\'')
		return parse_string(l, out, err);
	while (isalnum((unsigned char)*l->p) || *l->p == '-' || *l->p == '_' || *l->p == '.')
		l->p++;
	if (l->p == s)
		return bad(l, "expected a key", err);
	*out = xstrndup(s, (size_t)(l->p - s));
	return 0;
}

/* A value: string, boolean, number (skipped) or array of strings. */
struct value {
	char *str;
	char **list;
	int boolean; /* -1: not one */
	bool is_list;
};

static void value_release(struct value *v)
{
	free(v->str);
	strv_free(v->list);
}

static int parse_value(struct lexer *l, struct value *v, struct error *err)
{
	memset(v, 0, sizeof(*v));
	v->boolean = -1;
	if (*l->p == '"' || *l->p == '\'')
		return parse_string(l, &v->str, err);
	if (str_has_prefix(l->p, "true") || str_has_prefix(l->p, "false")) {
		v->boolean = *l->p == 't';
		l->p += v->boolean ? 4 : 5;
		return 0;
	}
	if (isdigit((unsigned char)*l->p) || *l->p == '-' || *l->p == '+') {
		while (isalnum((unsigned char)*l->p) || strchr("+-._:", *l->p))
			l->p++;
		return 0;
	}
	if (*l->p != '[')
		return bad(l, "expected a value", err);
	l->p++;
	v->is_list = true;
	v->list = xzalloc(sizeof(char *));
	for (;;) {
		_cleanup_free_ char *s = NULL;

		skip_space(l, true);
		if (*l->p == ']') {
			l->p++;
			return 0;
		}
		if ((*l->p != '"' && *l->p != '\'') || parse_string(l, &s, err) < 0)
			return bad(l, "expected a list of strings", err);
		strv_push(&v->list, s);
		skip_space(l, true);
		if (*l->p == ',')
			l->p++;
		else if (*l->p != ']')
			return bad(l, "expected ',' or ']'", err);
	}
}

enum table { T_TOP, T_ALIASES, T_REGISTRY, T_OTHER };

static int apply(struct regconf *c, enum table t, const char *key, struct value *v, struct lexer *l,
		 struct error *err)
{
	struct conf_reg *r = c->nregs ? &c->regs[c->nregs - 1] : NULL;

	if (t == T_TOP && !strcmp(key, "unqualified-search-registries")) {
		if (!v->is_list)
			return bad(l, "unqualified-search-registries: expected a list", err);
		strv_free(c->search);
		c->search = steal_pointer(&v->list);
		c->have_search = true;
	} else if (t == T_TOP && !strcmp(key, "short-name-mode")) {
		if (!v->str)
			return bad(l, "short-name-mode: expected a string", err);
		if (!strcmp(v->str, "enforcing"))
			c->mode = MODE_ENFORCING;
		else if (!strcmp(v->str, "permissive"))
			c->mode = MODE_PERMISSIVE;
		else if (!strcmp(v->str, "disabled"))
			c->mode = MODE_DISABLED;
		else
			return bad(l, "short-name-mode: expected enforcing, permissive or disabled",
				   err);
	} else if (t == T_ALIASES) {
		if (!v->str)
			return bad(l, "aliases: expected a string", err);
		strv_push(&c->alias_keys, key);
		strv_push(&c->alias_vals, v->str);
	} else if (t == T_REGISTRY && (!strcmp(key, "prefix") || !strcmp(key, "location"))) {
		if (!v->str)
			return bad(l, "registry prefix/location: expected a string", err);
		free(*key == 'p' ? r->prefix : r->location);
		*(*key == 'p' ? &r->prefix : &r->location) = steal_pointer(&v->str);
	} else if (t == T_REGISTRY && (!strcmp(key, "insecure") || !strcmp(key, "blocked"))) {
		if (v->boolean < 0)
			return bad(l, "registry insecure/blocked: expected true or false", err);
		*(*key == 'i' ? &r->insecure : &r->blocked) = v->boolean;
	}
	return 0;
}

static int parse_conf(struct regconf *c, const char *text, struct error *err)
{
	struct lexer l = {.p = text, .line = 1, .path = c->path};
	enum table t = T_TOP;

	c->alias_keys = xzalloc(sizeof(char *));
	c->alias_vals = xzalloc(sizeof(char *));
	for (;;) {
		_cleanup_free_ char *key = NULL;
		struct value v;
		int rc;

		skip_space(&l, true);
		if (!*l.p)
			return 0;
		if (*l.p == '[') {
			bool array = l.p[1] == '[';
			const char *e = strchr(l.p, ']');
			_cleanup_free_ char *name = NULL;

			if (!e)
				return bad(&l, "unterminated table header", err);
			l.p += array ? 2 : 1;
			name = xstrndup(l.p, (size_t)(e - l.p));
			l.p = e + (array ? 2 : 1);
			if (array && !strcmp(name, "registry")) {
				c->regs = xrealloc(c->regs, (c->nregs + 1) * sizeof(*c->regs));
				memset(&c->regs[c->nregs++], 0, sizeof(*c->regs));
				t = T_REGISTRY;
			} else if (!array && !strcmp(name, "aliases")) {
				t = T_ALIASES;
			} else {
				t = T_OTHER; /* [[registry.mirror]], v1 tables: not used */
			}
			continue;
		}
		if (parse_key(&l, &key, err) < 0)
			return -1;
		skip_space(&l, false);
		if (*l.p != '=')
			return bad(&l, "expected '='", err);
		l.p++;
		skip_space(&l, false);
		if (parse_value(&l, &v, err) < 0) {
			value_release(&v); /* a list cut short */
			return -1;
		}
		rc = apply(c, t, key, &v, &l, err);
		value_release(&v);
		if (rc < 0)
			return -1;
		skip_space(&l, false);
		if (*l.p && *l.p != '\n')
			return bad(&l, "expected the end of the line", err);
	}
}

/* path NULL: $CONTAINERS_REGISTRIES_CONF, else the system's.  A missing
 * file is an empty configuration (docker's rules then). */
static int regconf_load(struct regconf *c, const char *path, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	const char *e = getenv("CONTAINERS_REGISTRIES_CONF");

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path ? path : e && *e ? e : DEFAULT_CONF);
	if (file_read_at(AT_FDCWD, c->path, MAX_CONF, &text, NULL, err) < 0) {
		if (err->code == ENOENT && !path)
			return 0;
		regconf_release(c);
		return error_prefix(err, "cannot read registries.conf");
	}
	if (parse_conf(c, text, err) < 0) {
		regconf_release(c);
		return -1;
	}
	return 0;
}

/* The [[registry]] entry with the longest prefix matching name. */
static const struct conf_reg *regconf_find(const struct regconf *c, const char *name)
{
	const struct conf_reg *best = NULL;

	for (size_t i = 0; i < c->nregs; i++) {
		const struct conf_reg *r = &c->regs[i];
		const char *pre = r->prefix ? r->prefix : r->location;
		size_t n = pre ? strlen(pre) : 0;

		if (!n || strncmp(name, pre, n) || (name[n] && name[n] != '/' && name[n] != ':'))
			continue;
		if (!best || n > strlen(best->prefix ? best->prefix : best->location))
			best = r;
	}
	return best;
}

/* Whether the first component of s names a registry (docker's rule). */
static bool qualified(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : 0;

	return slash && (memchr(s, '.', n) || memchr(s, ':', n) || !strncmp(s, "localhost/", 10));
}

int img_ref_candidates(const char *ref, const char *conf_path, char ***out, struct error *err)
{
	struct regconf c;
	_cleanup_free_ char *name = xstrdup(ref);
	const char *suffix;
	size_t n;
	int rc = 0;

	*out = xzalloc(sizeof(char *));
	if (qualified(ref)) {
		strv_push(out, ref);
		return 0;
	}
	if (regconf_load(&c, conf_path, err) < 0)
		return -1;
	/* "name[:tag][@digest]": the alias and search registries take the
	 * name; the tag or digest goes along. */
	n = strcspn(name, ":@");
	suffix = ref + n;
	name[n] = '\0';
	for (size_t i = 0; c.alias_keys && c.alias_keys[i]; i++)
		if (!strcmp(c.alias_keys[i], name)) {
			_cleanup_free_ char *full = xasprintf("%s%s", c.alias_vals[i], suffix);

			strv_push(out, full);
			goto done;
		}
	if (!c.have_search) {
		strv_push(out, ref); /* docker's rule: docker.io/library/NAME */
		goto done;
	}
	n = strv_len(c.search);
	if (n == 0) {
		rc = error_set(err, ENOENT,
			       "short name '%s' has no alias and %s names no "
			       "unqualified-search-registries",
			       ref, c.path);
		goto done;
	}
	if (n > 1 && c.mode == MODE_ENFORCING) {
		/* podman would ask on a terminal; nook does not guess. */
		rc = error_set(err, EINVAL,
			       "short name '%s' is ambiguous (%zu unqualified-search-registries, "
			       "short-name-mode enforcing): give the registry or add an alias",
			       ref, n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *full = xasprintf("%s/%s", c.search[i], ref);

		strv_push(out, full);
	}
done:
	regconf_release(&c);
	return rc;
}

int img_regconf_registry(const char *conf_path, const struct img_ref *ref, char **location,
			 bool *insecure, struct error *err)
{
	struct regconf c;
	const struct conf_reg *r;
	int rc = 0;

	*location = NULL;
	*insecure = false;
	if (regconf_load(&c, conf_path, err) < 0)
		return -1;
	r = regconf_find(&c, ref->name);
	if (r && r->blocked) {
		rc = error_set(err, EACCES, "%s is blocked by %s", ref->name, c.path);
	} else if (r) {
		*insecure = r->insecure;
		if (r->location && r->prefix && strcmp(r->location, r->prefix))
			*location = xasprintf("%s%s", r->location, ref->name + strlen(r->prefix));
	}
	regconf_release(&c);
	return rc;
}
