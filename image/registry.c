/* A client of the OCI distribution API over libcurl: one easy handle per
 * registry (connections are kept between requests), anonymous bearer
 * tokens fetched when a request is answered 401, registry errors turned
 * into one line. */
#define CURL_DISABLE_TYPECHECK /* image/libs.c has the typed wrappers */
#include "image/internal.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <string.h>

#define MAX_ERROR_BODY (64u << 10)
#define MAX_TOKEN      (1u << 20)

/* Docker treats the loopback as an insecure registry: TLS without
 * verification, else plain HTTP. */
static bool loopback(const char *host)
{
	return str_has_prefix(host, "localhost") || str_has_prefix(host, "127.") ||
	       str_has_prefix(host, "[::1]");
}

int img_registry_open(struct img_registry *r, const struct img_ref *ref, const char *actions,
		      bool insecure, struct error *err)
{
	const char *host = ref->domain, *res;

	memset(r, 0, sizeof(*r));
	if (!strcmp(host, "docker.io"))
		host = "registry-1.docker.io";
	r->curl = curl_easy_init();
	if (!r->curl)
		return error_set(err, ENOMEM, "cannot start an HTTP client");
	r->loopback = loopback(host);
	r->insecure = insecure || r->loopback;
	r->base = xasprintf("https://%s", host);
	r->domain = xstrdup(ref->domain);
	r->repo = xstrdup(ref->path);
	r->actions = xstrdup(actions);
	/* curl's --resolve, "HOST:PORT:ADDR[,…]": a registry name without
	 * asking DNS (tests give a loopback registry a name of its own). */
	if ((res = getenv("NOOK_REGISTRY_RESOLVE")) && *res) {
		_cleanup_free_ char *copy = xstrdup(res);
		char *save = NULL;

		for (char *e = strtok_r(copy, ",", &save); e; e = strtok_r(NULL, ",", &save))
			r->resolve = curl_slist_append(r->resolve, e);
	}
	/* Credentials of the registry as the reference spells it (docker.io
	 * for Docker Hub), as podman looks them up. */
	if (img_auth_get(ref->domain, &r->user, &r->pass, err) < 0 || img_certs_load(r, err) < 0) {
		img_registry_close(r);
		return -1;
	}
	return 0;
}

void img_registry_set_login(struct img_registry *r, const char *user, const char *pass)
{
	free(r->user);
	free(r->pass);
	r->user = xstrdup(user);
	r->pass = xstrdup(pass);
}

static char *basic_header(struct img_registry *r)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", r->user, r->pass);
	_cleanup_free_ char *enc = img_base64(plain, strlen(plain));

	explicit_bzero(plain, strlen(plain));
	return xasprintf("Authorization: Basic %s", enc);
}

void img_registry_close(struct img_registry *r)
{
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->base);
	free(r->domain);
	free(r->repo);
	free(r->actions);
	free(r->auth);
	free(r->user);
	free(r->ca_pem);
	if (r->resolve)
		curl_slist_free_all(r->resolve);
	free(r->cert_file);
	free(r->key_file);
	if (r->pass) {
		explicit_bzero(r->pass, strlen(r->pass));
		free(r->pass);
	}
	memset(r, 0, sizeof(*r));
}

void img_http_res_release(struct img_http_res *res)
{
	free(res->body);
	free(res->link);
	free(res->ctype);
	free(res->location);
	free(res->www_auth);
	free(res->digest);
	memset(res, 0, sizeof(*res));
}

/* One request in flight: its easy handle and what the callbacks fill. */
struct xfer {
	struct img_registry *r;
	void *h; /* CURL easy handle */
	const struct img_http_req *req;
	struct img_http_res *res;
	struct curl_slist *hdrs;
	char *url;
	char ebuf[CURL_ERROR_SIZE];
	uint64_t total;	 /* bytes in sink_fd (a resumed blob's earlier ones too) */
	bool started;	 /* the 2xx body to sink_fd has begun */
	bool over;	 /* more than the request allows */
	bool write_fail; /* the sink could not write */
	bool bad_range;	 /* a 206 for another range than asked */
	int sink_errno;
};

static bool ok_status(long s)
{
	return s >= 200 && s < 300;
}

/* The first bytes of a blob: a resumed request (range_from) answered 206
 * appends to what sink_fd holds; answered 200 (the server ignored the
 * Range) it starts over, the file emptied and the hash reset. */
static bool sink_start(struct xfer *x, long status)
{
	const struct img_http_req *req = x->req;

	x->started = true;
	if (status == 206) {
		if (!req->range_from || x->res->range_start != req->range_from) {
			x->bad_range = true;
			return false;
		}
		x->total = req->range_from;
		return true;
	}
	if (req->range_from) {
		if (ftruncate(req->sink_fd, 0) < 0 || lseek(req->sink_fd, 0, SEEK_SET) < 0) {
			x->write_fail = true;
			x->sink_errno = errno;
			return false;
		}
		if (req->hash) {
			img_hash_release(req->hash);
			img_hash_init(req->hash);
		}
		x->res->restarted = true;
	}
	return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	long status = 0;
	size_t max;

	img_curl_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (ok_status(status) && x->req->sink_fd >= 0) {
		if (!x->started && !sink_start(x, status))
			return 0;
		/* A blob: hashed as it streams, never more than its size. */
		if (n > x->req->max - x->total) {
			x->over = true;
			return 0;
		}
		if (x->req->hash)
			img_hash_update(x->req->hash, data, n);
		if (write_all(x->req->sink_fd, data, n) < 0) {
			x->write_fail = true;
			x->sink_errno = errno;
			return 0;
		}
		x->total += n;
		if (x->req->tick)
			x->req->tick(x->req->tick_data, x->total);
		fault_point("pull-blob-data");
		return n;
	}
	max = ok_status(status) ? x->req->max : MAX_ERROR_BODY;
	if (n > max - x->res->len) {
		x->over = ok_status(status);
		return ok_status(status) ? 0 : n; /* an error body is cut, not refused */
	}
	x->res->body = xrealloc(x->res->body, x->res->len + n + 1);
	memcpy(x->res->body + x->res->len, data, n);
	x->res->len += n;
	x->res->body[x->res->len] = '\0';
	return n;
}

/* "Name: value\r\n" -> the value when the name matches (case-insensitive). */
static char *header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n <= k + 1 || strncasecmp(line, name, k) || line[k] != ':')
		return NULL;
	line += k + 1, n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	return xstrndup(line, n);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	char **slots[] = {&x->res->ctype, &x->res->location, &x->res->www_auth, &x->res->digest,
			  &x->res->link};
	static const char *const names[] = {"Content-Type", "Location", "WWW-Authenticate",
					    "Docker-Content-Digest", "Link"};
	_cleanup_free_ char *range = NULL;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (after a redirect or 100 Continue). */
		for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
			free(*slots[i]);
			*slots[i] = NULL;
		}
		x->res->range_start = 0;
		return n;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *v = header_value(data, n, names[i]);

		if (v) {
			free(*slots[i]);
			*slots[i] = v;
		}
	}
	/* "Content-Range: bytes 1000-4999/5000" */
	range = header_value(data, n, "Content-Range");
	if (range && str_has_prefix(range, "bytes "))
		x->res->range_start = strtoull(range + 6, NULL, 10);
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	const struct img_http_req *req = arg;
	ssize_t r;

	do
		r = read(req->body_fd, buf, size * nmemb);
	while (r < 0 && errno == EINTR);
	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

static char *url_of(struct img_registry *r, const char *path)
{
	if (str_has_prefix(path, "http://") || str_has_prefix(path, "https://"))
		return xstrdup(path);
	return xasprintf("%s%s", r->base, path);
}

/* Configure easy handle h for req; x lives until xfer_end. */
static int xfer_begin(struct img_registry *r, void *h, struct xfer *x,
		      const struct img_http_req *req, struct img_http_res *res, struct error *err)
{
	_cleanup_free_ char *accept = NULL, *ctype = NULL;
	char range[32];

	img_http_res_release(res);
	memset(x, 0, sizeof(*x));
	x->r = r, x->h = h, x->req = req, x->res = res;
	x->url = url_of(r, req->path);
	img_curl_setopt_ptr(h, CURLOPT_URL, x->url);
	/* Never file://, scp:// or the like, from a Location either. */
	if (img_curl_setopt_ptr(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    img_curl_setopt_ptr(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return error_set(err, ENOTSUP, "this libcurl cannot be limited to HTTP(S)");
	img_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, x->ebuf);
	img_curl_setopt_ptr(h, CURLOPT_USERAGENT, "nook/" NOOK_VERSION);
	img_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1);
	img_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT, 30);
	/* HTTP/2 where the registry offers it over TLS; requests of one
	 * batch wait for the connection to multiplex instead of opening more. */
	img_curl_setopt_long(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
	img_curl_setopt_long(h, CURLOPT_PIPEWAIT, 1);
	/* A stalled transfer ends instead of hanging forever. */
	img_curl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1);
	img_curl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, 60);
	if (r->loopback)
		img_curl_setopt_ptr(h, CURLOPT_PROXY, ""); /* never via a proxy */
	if (r->insecure) {
		/* Asked for (--tls-verify=false, an insecure registry of
		 * registries.conf) or the loopback, as docker: TLS that proves
		 * nothing, or none at all (xfer_end). */
		img_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0);
		img_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0);
	}
	if (r->resolve)
		img_curl_setopt_ptr(h, CURLOPT_RESOLVE, r->resolve);
	if (r->ca_pem) {
		struct curl_blob ca = {r->ca_pem, r->ca_len, CURL_BLOB_COPY};

		img_curl_setopt_ptr(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (r->cert_file && r->key_file) {
		img_curl_setopt_ptr(h, CURLOPT_SSLCERT, r->cert_file);
		img_curl_setopt_ptr(h, CURLOPT_SSLKEY, r->key_file);
	}
	img_curl_setopt_ptr(h, CURLOPT_WRITEFUNCTION, (void *)on_body);
	img_curl_setopt_ptr(h, CURLOPT_WRITEDATA, x);
	img_curl_setopt_ptr(h, CURLOPT_HEADERFUNCTION, (void *)on_header);
	img_curl_setopt_ptr(h, CURLOPT_HEADERDATA, x);
	/* Blob GETs are redirected to storage; the Authorization header is
	 * not sent to another host (curl's default since 7.58). */
	img_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1);
	img_curl_setopt_long(h, CURLOPT_MAXREDIRS, 5);
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	if (req->accept) {
		accept = xasprintf("Accept: %s", req->accept);
		x->hdrs = curl_slist_append(x->hdrs, accept);
	}
	if (req->content_type) {
		ctype = xasprintf("Content-Type: %s", req->content_type);
		x->hdrs = curl_slist_append(x->hdrs, ctype);
	}
	if (r->auth)
		x->hdrs = curl_slist_append(x->hdrs, r->auth);
	img_curl_setopt_ptr(h, CURLOPT_HTTPHEADER, x->hdrs);
	if (req->range_from) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)req->range_from);
		img_curl_setopt_ptr(h, CURLOPT_RANGE, range);
	}
	if (!strcmp(req->method, "HEAD")) {
		img_curl_setopt_long(h, CURLOPT_NOBODY, 1);
	} else if (req->body_fd >= 0) {
		img_curl_setopt_long(h, CURLOPT_UPLOAD, 1);
		img_curl_setopt_ptr(h, CURLOPT_READFUNCTION, (void *)on_read);
		img_curl_setopt_ptr(h, CURLOPT_READDATA, req);
		img_curl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, (int64_t)req->body_size);
		img_curl_setopt_ptr(h, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (strcmp(req->method, "GET")) {
		img_curl_setopt_ptr(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		img_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, (int64_t)req->body_len);
		img_curl_setopt_ptr(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
	return 0;
}

/* What a finished transfer means: 0 answered, -1 failed, 1 to be sent
 * again over plain HTTP. */
static int xfer_end(struct xfer *x, CURLcode c, struct error *err)
{
	struct img_registry *r = x->r;
	bool first_https = str_has_prefix(x->url, r->base) && str_has_prefix(r->base, "https://");

	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	free(x->url);
	x->url = NULL;
	img_curl_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->res->status);
	x->res->received = x->total;
	if (x->over)
		return error_set(err, EFBIG, "%s: the registry sent more than %llu bytes",
				 r->domain, (unsigned long long)x->req->max);
	if (x->write_fail) {
		errno = x->sink_errno;
		return error_sys(err, "cannot write what %s sends", r->domain);
	}
	if (x->bad_range)
		return error_set(err, EIO, "%s: answered a range request with another range",
				 r->domain);
	if (c == CURLE_SSL_CONNECT_ERROR && r->insecure && !r->scheme_known && first_https) {
		/* An insecure registry that does not speak TLS: plain HTTP
		 * from now on.  Only the first request can get here, and it
		 * sends no body. */
		char *base = xasprintf("http://%s", r->base + 8);

		free(r->base);
		r->base = base;
		return 1;
	}
	if (c != CURLE_OK)
		return img_registry_curl_error(r, c, x->ebuf, err);
	r->scheme_known = true;
	return 0;
}

int img_registry_curl_error(struct img_registry *r, int code, const char *detail, struct error *err)
{
	const char *d = detail && *detail ? detail : curl_easy_strerror((CURLcode)code);

	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return error_set(err, EHOSTUNREACH, "cannot reach registry %s: unknown host",
				 r->domain);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return error_set(err, EACCES,
				 "%s: TLS certificate not trusted (%s): put the registry's CA in "
				 "%s/%s/ca.crt, or --tls-verify=false",
				 r->domain, d, img_certs_dir(), r->domain);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
		return error_set(err, EIO, "%s: transfer cut off: %s", r->domain, d);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return error_set(err, EPROTO, "%s: TLS failed: %s", r->domain, d);
	default:
		return error_set(err, EIO, "cannot reach registry %s: %s", r->domain, d);
	}
}

/* One request, no authentication retry. */
static int perform(struct img_registry *r, const struct img_http_req *req, struct img_http_res *res,
		   struct error *err)
{
	struct xfer x;
	int rc;

	curl_easy_reset(r->curl);
	if (xfer_begin(r, r->curl, &x, req, res, err) < 0) {
		curl_slist_free_all(x.hdrs);
		free(x.url);
		return -1;
	}
	rc = xfer_end(&x, curl_easy_perform(r->curl), err);
	return rc == 1 ? perform(r, req, res, err) : rc;
}

void img_registry_request_all(struct img_registry *r, const struct img_http_req *reqs,
			      struct img_http_res *res, int *rcs, struct error *errs, size_t n,
			      size_t parallel)
{
	struct xfer *xs = xzalloc((n ? n : 1) * sizeof(*xs));
	CURLM *m = curl_multi_init();
	size_t next = 0, active = 0;

	if (!m) {
		for (size_t i = 0; i < n; i++)
			rcs[i] = error_set(&errs[i], ENOMEM, "cannot start an HTTP client");
		free(xs);
		return;
	}
	while (next < n || active) {
		struct CURLMsg *msg;
		int still = 0, left;

		/* At most parallel transfers at once, as docker's three. */
		while (active < parallel && next < n) {
			size_t i = next++;
			CURL *h = curl_easy_init();

			if (!h) {
				rcs[i] = error_set(&errs[i], ENOMEM, "cannot start an HTTP client");
				continue;
			}
			if (xfer_begin(r, h, &xs[i], &reqs[i], &res[i], &errs[i]) < 0 ||
			    curl_multi_add_handle(m, h) != CURLM_OK) {
				rcs[i] = -1;
				curl_slist_free_all(xs[i].hdrs);
				free(xs[i].url);
				curl_easy_cleanup(h);
				xs[i].h = NULL;
				continue;
			}
			active++;
		}
		if (curl_multi_perform(m, &still) != CURLM_OK)
			still = 0;
		while ((msg = curl_multi_info_read(m, &left))) {
			size_t i = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			while (i < n && xs[i].h != msg->easy_handle)
				i++;
			if (i == n)
				continue;
			curl_multi_remove_handle(m, msg->easy_handle);
			rcs[i] = xfer_end(&xs[i], msg->data.result, &errs[i]);
			curl_easy_cleanup(msg->easy_handle);
			xs[i].h = NULL;
			active--;
			if (rcs[i] == 1)
				rcs[i] = perform(r, &reqs[i], &res[i], &errs[i]);
		}
		if (still)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	curl_multi_cleanup(m);
	free(xs);
}

/* The value of key="value" (or key=value) in a WWW-Authenticate header. */
static char *auth_param(const char *h, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = h; (p = strcasestr(p, key)); p += k) {
		const char *v = p + k, *e;

		if ((p != h && p[-1] != ' ' && p[-1] != ',') || *v != '=')
			continue;
		v++;
		if (*v == '"') {
			e = strchr(++v, '"');
			return e ? xstrndup(v, (size_t)(e - v)) : NULL;
		}
		e = v + strcspn(v, ", ");
		return xstrndup(v, (size_t)(e - v));
	}
	return NULL;
}

/* Answer a Bearer challenge: a token from the realm for the repository
 * scope the request needs, anonymous or for the stored credentials. */
static int get_token(struct img_registry *r, const char *challenge, struct error *err)
{
	_cleanup_free_ char *realm = auth_param(challenge, "realm");
	_cleanup_free_ char *service = auth_param(challenge, "service");
	_cleanup_free_ char *scope = auth_param(challenge, "scope");
	_cleanup_free_ char *url = NULL, *want = NULL;
	struct img_http_res res = {0};
	struct img_http_req req = {.method = "GET", .max = MAX_TOKEN, .sink_fd = -1, .body_fd = -1};
	struct json_object *o = NULL, *t = NULL;
	int rc = -1;

	if (!realm || !(str_has_prefix(realm, "https://") || str_has_prefix(realm, "http://")))
		return error_set(err, EACCES, "%s: unusable authentication challenge '%s'",
				 r->domain, challenge);
	/* The credentials go to the realm: never in clear text from a
	 * registry reached over TLS. */
	if (!r->insecure && !str_has_prefix(realm, "https://"))
		return error_set(err, EACCES, "%s: refusing a token service without TLS ('%s')",
				 r->domain, realm);
	want = scope	  ? xstrdup(scope)
	       : *r->repo ? xasprintf("repository:%s:%s", r->repo, r->actions)
			  : xstrdup("");
	url = xasprintf("%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
			service ? service : "", want);
	req.path = url;
	free(r->auth);
	r->auth = r->user ? basic_header(r) : NULL;
	rc = perform(r, &req, &res, err);
	free(r->auth);
	r->auth = NULL;
	if (rc < 0)
		goto out;
	rc = -1;
	if (!ok_status(res.status)) {
		error_set(err, EACCES, "%s: %s (HTTP %ld from the token service)", r->domain,
			  r->user ? "wrong username or password" : "token request refused",
			  res.status);
		goto out;
	}
	o = res.body ? json_tokener_parse(res.body) : NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !((json_object_object_get_ex(o, "token", &t) &&
	       json_object_is_type(t, json_type_string)) ||
	      (json_object_object_get_ex(o, "access_token", &t) &&
	       json_object_is_type(t, json_type_string)))) {
		error_set(err, EACCES, "%s: the token service sent no token", r->domain);
		goto out;
	}
	r->auth = xasprintf("Authorization: Bearer %s", json_object_get_string(t));
	rc = 0;
out:
	json_object_put(o);
	img_http_res_release(&res);
	return rc;
}

static int request_auth(struct img_registry *r, const struct img_http_req *req,
			struct img_http_res *res, struct error *err)
{
	bool bearer, basic;

	if (perform(r, req, res, err) < 0)
		return -1;
	if (res->status != 401 || !res->www_auth)
		return 0;
	bearer = !strncasecmp(res->www_auth, "Bearer ", 7);
	basic = !strncasecmp(res->www_auth, "Basic ", 6) && r->user && !r->auth;
	if (!bearer && !basic)
		return 0;
	/* Only a request that sent nothing yet can be repeated. */
	if (req->body_fd >= 0 && lseek(req->body_fd, 0, SEEK_SET) < 0)
		return 0;
	if (req->sink_fd >= 0 && res->received)
		return 0;
	if (basic) {
		/* Sent only when asked for: over the loopback's plain HTTP
		 * or TLS, to the registry that asked. */
		r->auth = basic_header(r);
	} else if (get_token(r, res->www_auth, err) < 0) {
		return -1;
	}
	return perform(r, req, res, err);
}

/* On failure res is released too: callers may return at once. */
int img_registry_request(struct img_registry *r, const struct img_http_req *req,
			 struct img_http_res *res, struct error *err)
{
	if (request_auth(r, req, res, err) < 0) {
		img_http_res_release(res);
		return -1;
	}
	return 0;
}

int img_registry_error(struct img_registry *r, const struct img_http_res *res, const char *what,
		       struct error *err)
{
	struct json_object *o = res->body ? json_tokener_parse(res->body) : NULL;
	struct json_object *errs, *e0, *code, *msg;
	int ecode = res->status == 404			       ? ENOENT
		    : res->status == 401 || res->status == 403 ? EACCES
							       : EIO;
	int rc;

	/* {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]} */
	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "errors", &errs) &&
	    json_object_is_type(errs, json_type_array) && json_object_array_length(errs) > 0 &&
	    (e0 = json_object_array_get_idx(errs, 0)) &&
	    json_object_is_type(e0, json_type_object) &&
	    json_object_object_get_ex(e0, "message", &msg) &&
	    json_object_is_type(msg, json_type_string)) {
		const char *c = json_object_object_get_ex(e0, "code", &code) &&
					json_object_is_type(code, json_type_string)
				    ? json_object_get_string(code)
				    : NULL;

		rc = error_set(err, ecode, "%s: %s%s%s%s", what, json_object_get_string(msg),
			       c ? " (" : "", c ? c : "", c ? ")" : "");
	} else if (res->status == 401) {
		rc = error_set(err, ecode, "%s: authentication required (see 'nook login')", what);
	} else {
		rc =
		    error_set(err, ecode, "%s: %s answered HTTP %ld", what, r->domain, res->status);
	}
	json_object_put(o);
	return rc;
}

/* The target of a Link header's rel="next": "</v2/_catalog?last=x&n=100>; rel=\"next\"". */
static char *link_next(const char *link)
{
	const char *lt, *gt;

	if (!link || !strstr(link, "rel=\"next\"") || !(lt = strchr(link, '<')) ||
	    !(gt = strchr(lt, '>')))
		return NULL;
	return xstrndup(lt + 1, (size_t)(gt - lt - 1));
}

/* Pages are followed on the registry itself only, at most this many. */
#define MAX_PAGES 10000

int img_registry_list(struct img_registry *r, const char *path, const char *key, const char *what,
		      char ***out, struct error *err)
{
	_cleanup_free_ char *next = xstrdup(path);
	int pages = 0;

	*out = xzalloc(sizeof(char *));
	while (next) {
		struct img_http_res res = {0};
		struct img_http_req req = {
		    .method = "GET", .path = next, .max = 16u << 20, .sink_fd = -1, .body_fd = -1};
		struct json_object *o, *list;

		if (++pages > MAX_PAGES)
			return error_set(err, ELOOP, "%s: more than %d pages", what, MAX_PAGES);
		if (img_registry_request(r, &req, &res, err) < 0)
			return error_prefix(err, "%s", what);
		if (!ok_status(res.status)) {
			img_registry_error(r, &res, what, err);
			img_http_res_release(&res);
			return -1;
		}
		o = res.body ? json_tokener_parse(res.body) : NULL;
		if (!o || !json_object_object_get_ex(o, key, &list) ||
		    !(json_object_is_type(list, json_type_array) ||
		      json_object_is_type(list, json_type_null))) {
			json_object_put(o);
			img_http_res_release(&res);
			return error_set(err, EINVAL, "%s: no '%s' list in the answer", what, key);
		}
		for (size_t i = 0; json_object_is_type(list, json_type_array) &&
				   i < json_object_array_length(list);
		     i++) {
			struct json_object *e = json_object_array_get_idx(list, i);

			if (e && json_object_is_type(e, json_type_string))
				strv_push(out, json_object_get_string(e));
		}
		json_object_put(o);
		free(next);
		next = link_next(res.link);
		img_http_res_release(&res);
		/* Only a path on the same registry: never a page elsewhere. */
		if (next && next[0] != '/') {
			free(next);
			next = NULL;
		}
	}
	return 0;
}

int img_search(const char *term, bool insecure, char ***found, struct error *err)
{
	_cleanup_free_ char *registry = xstrdup(term), *what = NULL;
	_cleanup_strv_ char **repos = NULL;
	char *slash = strchr(registry, '/');
	const char *match = slash ? slash + 1 : "";
	struct img_ref ref = {.path = (char *)""};
	struct img_registry r;
	int rc = -1;

	if (slash)
		*slash = '\0';
	ref.domain = registry;
	*found = xzalloc(sizeof(char *));
	what = xasprintf("cannot search %s", registry);
	if (!*registry ||
	    (!strchr(registry, '.') && !strchr(registry, ':') && strcmp(registry, "localhost")))
		return error_set(err, EINVAL, "search needs a registry: REGISTRY[/TERM], not '%s'",
				 term);
	if (img_libs_load(IMG_LIB_CURL, err) < 0 ||
	    img_registry_open(&r, &ref, "pull", insecure, err) < 0)
		return -1;
	if (img_registry_list(&r, "/v2/_catalog", "repositories", what, &repos, err) < 0)
		goto out;
	for (size_t i = 0; repos[i]; i++)
		if (strstr(repos[i], match)) {
			_cleanup_free_ char *line = xasprintf("%s/%s", registry, repos[i]);

			strv_push(found, line);
		}
	rc = 0;
out:
	img_registry_close(&r);
	return rc;
}

int img_login(const char *registry, const char *user, const char *pass, bool insecure,
	      struct error *err)
{
	struct img_ref ref = {.domain = (char *)registry, .path = (char *)""};
	struct img_registry r;
	struct img_http_res res = {0};
	struct img_http_req req = {
	    .method = "GET", .path = "/v2/", .max = MAX_ERROR_BODY, .sink_fd = -1, .body_fd = -1};
	int rc = -1;

	if (!*registry || strchr(registry, '/'))
		return error_set(err, EINVAL, "invalid registry '%s' (host[:port])", registry);
	if (img_libs_load(IMG_LIB_CURL, err) < 0 ||
	    img_registry_open(&r, &ref, "pull", insecure, err) < 0)
		return -1;
	img_registry_set_login(&r, user, pass);
	if (img_registry_request(&r, &req, &res, err) < 0) {
		error_prefix(err, "cannot log in to %s", registry);
		goto out;
	}
	if (res.status == 401) {
		error_set(err, EACCES, "cannot log in to %s: wrong username or password", registry);
		goto out;
	}
	if (!ok_status(res.status)) {
		_cleanup_free_ char *what = xasprintf("cannot log in to %s", registry);

		img_registry_error(&r, &res, what, err);
		goto out;
	}
	rc = img_auth_set(registry, user, pass, err);
out:
	img_http_res_release(&res);
	img_registry_close(&r);
	return rc;
}
