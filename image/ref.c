/* Image references, by docker's rules (distribution/reference). */
#include "image/internal.h"

#include <ctype.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"

/* path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
static bool component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return false;
	while (i < n) {
		size_t run = 0;

		while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++, run++;
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n)
			return false;
	}
	return true;
}

static bool domain_valid(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-:[]", s[i]))
			return false;
	return true;
}

static bool tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

int img_ref_parse(const char *s, struct img_ref *ref, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	_cleanup_free_ char *domain = NULL;
	char *at, *slash, *colon, *path;

	memset(ref, 0, sizeof(*ref));
	if (!*s || strlen(s) > 255)
		return error_set(err, EINVAL, "invalid reference format: '%s'", s);
	at = strchr(copy, '@');
	if (at) {
		*at = '\0';
		if (!img_digest_valid(at + 1))
			return error_set(err, EINVAL, "invalid digest in reference '%s'", s);
		ref->digest = xstrdup(at + 1);
	}
	slash = strrchr(copy, '/');
	colon = strrchr(slash ? slash : copy, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_valid(colon + 1))
			goto bad;
		ref->tag = xstrdup(colon + 1);
	}
	slash = strchr(copy, '/');
	if (slash &&
	    (memchr(copy, '.', (size_t)(slash - copy)) ||
	     memchr(copy, ':', (size_t)(slash - copy)) || !strncmp(copy, "localhost/", 10))) {
		if (!domain_valid(copy, (size_t)(slash - copy)))
			goto bad;
		domain = xstrndup(copy, (size_t)(slash - copy));
		path = slash + 1;
	} else {
		domain = xstrdup(DEFAULT_DOMAIN);
		path = copy;
	}
	if (!strcmp(domain, "index.docker.io")) {
		free(domain);
		domain = xstrdup(DEFAULT_DOMAIN);
	}
	/* docker refuses a repository spelled like an image ID. */
	if (strlen(path) == 64 && strspn(path, "0123456789abcdef") == 64)
		goto bad;
	for (char *p = path, *e;; p = e + 1) {
		e = strchr(p, '/');
		if (!component_valid(p, e ? (size_t)(e - p) : strlen(p)))
			goto bad;
		if (!e)
			break;
	}
	if (!strcmp(domain, DEFAULT_DOMAIN) && !strchr(path, '/'))
		ref->path = xasprintf("library/%s", path);
	else
		ref->path = xstrdup(path);
	ref->name = xasprintf("%s/%s", domain, ref->path);
	ref->domain = steal_pointer(&domain);
	if (!ref->tag && !ref->digest)
		ref->tag = xstrdup("latest");
	return 0;
bad:
	img_ref_release(ref);
	return error_set(err, EINVAL, "invalid reference format: '%s'", s);
}

void img_ref_release(struct img_ref *ref)
{
	free(ref->name);
	free(ref->tag);
	free(ref->digest);
	free(ref->domain);
	free(ref->path);
	memset(ref, 0, sizeof(*ref));
}

char *img_ref_string(const struct img_ref *ref)
{
	return xasprintf("%s%s%s%s%s", ref->name, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
			 ref->digest ? "@" : "", ref->digest ? ref->digest : "");
}

const char *img_name_familiar(const char *name)
{
	if (str_has_prefix(name, DEFAULT_DOMAIN "/library/") && !strchr(name + 18, '/'))
		return name + 18;
	if (str_has_prefix(name, DEFAULT_DOMAIN "/"))
		return name + 10;
	return name;
}
