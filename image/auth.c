/* Registry credentials in auth.json, podman's and skopeo's format:
 * {"auths": {"registry.example:5000": {"auth": base64("user:password")}}}.
 * The file is $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/
 * auth.json, else /run/containers/<uid>/auth.json (podman's defaults).
 * It holds passwords: written whole under a temporary name with mode 0600
 * and renamed into place, never readable by others, never half-written. */
#include "image/internal.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_AUTH_FILE (1u << 20)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *img_base64(const void *data, size_t len)
{
	const unsigned char *s = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < len ? s[i + 2] : 0);

		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* NULL when s is not base64. */
static char *unbase64(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = xmalloc(n / 4 * 3 + 4);
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *p = strchr(b64, s[i]);

		if (!p || !s[i]) {
			free(out);
			return NULL;
		}
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)(v >> bits & 0xff);
		}
	}
	out[k] = '\0';
	return out;
}

char *img_auth_file(void)
{
	const char *e = getenv("REGISTRY_AUTH_FILE"), *x = getenv("XDG_RUNTIME_DIR");

	if (e && *e)
		return xstrdup(e);
	if (x && *x)
		return xasprintf("%s/containers/auth.json", x);
	return xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
}

/* The file's JSON (an empty {"auths": {}} when there is none). */
static int auth_load(const char *path, struct json_object **out, struct error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *data = NULL;
	struct json_object *o, *auths;

	*out = NULL;
	if (fd < 0 && errno != ENOENT)
		return error_sys(err, "cannot open '%s'", path);
	if (fd >= 0 && img_fd_read(fd, MAX_AUTH_FILE, &data, NULL, err) < 0)
		return error_prefix(err, "%s", path);
	o = data ? json_tokener_parse(data) : json_object_new_object();
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return error_set(err, EINVAL, "%s: not a JSON object", path);
	}
	if (!json_object_object_get_ex(o, "auths", &auths)) {
		json_object_object_add(o, "auths", json_object_new_object());
	} else if (!json_object_is_type(auths, json_type_object)) {
		json_object_put(o);
		return error_set(err, EINVAL, "%s: field 'auths' must be an object", path);
	}
	*out = o;
	return 0;
}

static int auth_store(const char *path, struct json_object *o, struct error *err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int dfd = -1;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE);

	if (slash)
		*slash = '\0';
	if (slash && slash != dir && mkdir_p(dir, 0700, err) < 0)
		return -1;
	dfd = open(slash ? (slash == dir ? "/" : dir) : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_sys(err, "cannot open the directory of '%s'", path);
	/* 0600 from creation on: the temporary file is never readable by
	 * others either. */
	return file_write_atomic_at(dfd, base, text, strlen(text), 0600, err);
}

int img_auth_get(const char *registry, char **user, char **pass, struct error *err)
{
	_cleanup_free_ char *path = img_auth_file();
	_cleanup_free_ char *plain = NULL;
	struct json_object *o, *auths, *e, *a;
	char *colon;
	int rc = 0;

	*user = *pass = NULL;
	if (auth_load(path, &o, err) < 0)
		return -1;
	json_object_object_get_ex(o, "auths", &auths);
	if (json_object_object_get_ex(auths, registry, &e) &&
	    json_object_is_type(e, json_type_object) && json_object_object_get_ex(e, "auth", &a) &&
	    json_object_is_type(a, json_type_string)) {
		plain = unbase64(json_object_get_string(a));
		colon = plain ? strchr(plain, ':') : NULL;
		if (!colon) {
			rc = error_set(err, EINVAL,
				       "%s: the credentials of %s are not base64 of user:password",
				       path, registry);
		} else {
			*user = xstrndup(plain, (size_t)(colon - plain));
			*pass = xstrdup(colon + 1);
		}
	}
	json_object_put(o);
	return rc;
}

int img_auth_set(const char *registry, const char *user, const char *pass, struct error *err)
{
	_cleanup_free_ char *path = img_auth_file();
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass);
	_cleanup_free_ char *enc = img_base64(plain, strlen(plain));
	struct json_object *o, *auths, *e;
	int rc;

	if (auth_load(path, &o, err) < 0)
		return -1;
	json_object_object_get_ex(o, "auths", &auths);
	e = json_object_new_object();
	json_object_object_add(e, "auth", json_object_new_string(enc));
	json_object_object_add(auths, registry, e);
	rc = auth_store(path, o, err);
	explicit_bzero(plain, strlen(plain));
	json_object_put(o);
	return rc;
}

int img_auth_remove(const char *registry, struct error *err)
{
	_cleanup_free_ char *path = img_auth_file();
	struct json_object *o, *auths;
	int rc;

	if (auth_load(path, &o, err) < 0)
		return -1;
	json_object_object_get_ex(o, "auths", &auths);
	if (!json_object_object_get_ex(auths, registry, NULL)) {
		json_object_put(o);
		return error_set(err, ENOENT, "not logged in to %s", registry);
	}
	json_object_object_del(auths, registry);
	rc = auth_store(path, o, err);
	json_object_put(o);
	return rc;
}
