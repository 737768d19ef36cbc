/* The image JSON parsers (image/load.c, img_source_plan): OCI index.json,
 * nested indexes, manifests, configs and docker-save manifest.json.
 *
 * An input is documents separated by a line "----".  The first is
 * manifest.json when it starts with '[' (docker-save), else index.json;
 * document k >= 1 is stored as blobs/sha256/<its sha256> and as the file
 * "d<k>".  So that the fuzzer reaches past the digest checks, "$Dk" in a
 * document stands for "sha256:<hex of document k>" and "$Hk" for the hex
 * alone (k = 1..9, only for a later document), substituted from the last
 * document to the first. */
#include "image/internal.h"
/* after image/internal.h: fuzz_image_libs() */
#include "fuzz.h"

#define MAXDOCS 10

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_image_libs();
	return 0;
}

/* s with $Dk/$Hk (k > self) replaced by the digests of the later documents. */
static char *substitute(const char *s, size_t self, char digests[][72])
{
	size_t cap = strlen(s) * 2 + 1, n = 0;
	char *out = xmalloc(cap);

	for (const char *p = s; *p; p++) {
		size_t k = p[1] && p[2] ? (size_t)(p[2] - '0') : 0;
		const char *rep = NULL;

		if (p[0] == '$' && (p[1] == 'D' || p[1] == 'H') && k > self && k < MAXDOCS &&
		    digests[k][0])
			rep = p[1] == 'D' ? digests[k] : digests[k] + 7;
		if (n + (rep ? strlen(rep) : 1) + 1 > cap) {
			cap = cap * 2 + 80;
			out = xrealloc(out, cap);
		}
		if (rep) {
			memcpy(out + n, rep, strlen(rep));
			n += strlen(rep);
			p += 2;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	return out;
}

static void put(int dirfd, const char *path, const char *data)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write_all(fd, data, strlen(data)) < 0)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_cstr(data, size);
	char *docs[MAXDOCS] = {0}, digests[MAXDOCS][72] = {{0}};
	size_t ndocs = 0;
	struct img_platform plat;
	struct img_plan *plans = NULL;
	size_t n = 0;
	struct error e;
	int dir = fuzz_fresh_dir("layout");
	int rc;

	for (char *p = text; p && ndocs < MAXDOCS; ndocs++) {
		char *sep = strstr(p, "\n----\n");

		if (sep)
			*sep = '\0';
		docs[ndocs] = p;
		p = sep ? sep + 6 : NULL;
	}
	if (mkdirat(dir, "blobs", 0700) < 0 || mkdirat(dir, "blobs/sha256", 0700) < 0)
		abort();
	for (size_t k = ndocs; k-- > 0;) {
		_cleanup_free_ char *doc = substitute(docs[k], k, digests);
		_cleanup_free_ char *blob = NULL, *name = NULL;

		if (k == 0) {
			put(dir, doc[0] == '[' ? "manifest.json" : "index.json", doc);
			break;
		}
		img_digest_buf(doc, strlen(doc), digests[k]);
		blob = xasprintf("blobs/sha256/%s", digests[k] + 7);
		name = xasprintf("d%zu", k);
		put(dir, blob, doc);
		put(dir, name, doc);
	}
	if (img_platform_parse("linux/amd64", &plat, &e) < 0)
		abort();
	rc = img_source_plan(dir, "fuzz", &plat, &plans, &n, &e);
	fuzz_note(rc, &e);
	if (rc < 0)
		fuzz_assert(e.msg[0]);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0) {
			fuzz_assert(plans[i].config && plans[i].manifest);
			for (size_t k = 0; k < plans[i].nlayers; k++) {
				fuzz_assert(img_digest_valid(plans[i].layers[k].digest));
				fuzz_assert(img_digest_valid(plans[i].layers[k].diff_id));
			}
		}
		img_plan_release(&plans[i]);
	}
	free(plans);
	close(dir);
	return 0;
}
