/* sha256 digests (OpenSSL libcrypto EVP). */
#include "image/internal.h"

#include <openssl/evp.h>
#include <string.h>

void img_hash_init(struct img_hash *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	h->ctx = ctx;
}

void img_hash_update(struct img_hash *h, const void *buf, size_t len)
{
	if (len && EVP_DigestUpdate(h->ctx, buf, len) != 1)
		abort();
}

void img_hash_final(struct img_hash *h, char out[72])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32)
		abort();
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	img_hash_release(h);
}

void img_hash_release(struct img_hash *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void img_digest_buf(const void *buf, size_t len, char out[72])
{
	struct img_hash h;

	img_hash_init(&h);
	img_hash_update(&h, buf, len);
	img_hash_final(&h, out);
}

int img_copy_hash(int src, int dst, char out[72], uint64_t *size, struct error *err)
{
	return img_copy_hash_max(src, dst, UINT64_MAX, out, size, err);
}

int img_copy_hash_max(int src, int dst, uint64_t max, char out[72], uint64_t *size,
		      struct error *err)
{
	_cleanup_free_ char *buf = xmalloc(1 << 17);
	struct img_hash h;
	uint64_t total = 0;

	img_hash_init(&h);
	for (;;) {
		ssize_t n = read(src, buf, 1 << 17);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			img_hash_release(&h);
			return error_sys(err, "cannot read blob");
		}
		if (n == 0)
			break;
		/* Checked before writing: an endless input (/dev/zero, a
		 * pipe) stops here, not when the disk is full. */
		if ((uint64_t)n > max - total) {
			img_hash_release(&h);
			return error_set(err, EFBIG, "input is larger than the limit of %llu bytes",
					 (unsigned long long)max);
		}
		img_hash_update(&h, buf, (size_t)n);
		if (dst >= 0 && write_all(dst, buf, (size_t)n) < 0) {
			img_hash_release(&h);
			return error_sys(err, "cannot write blob");
		}
		total += (uint64_t)n;
	}
	img_hash_final(&h, out);
	if (size)
		*size = total;
	return 0;
}

int img_digest_fd(int fd, char out[72], uint64_t *size, struct error *err)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return error_sys(err, "cannot seek blob");
	return img_copy_hash(fd, -1, out, size, err);
}

bool img_digest_valid(const char *d)
{
	if (!d || !str_has_prefix(d, "sha256:") || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *img_digest_hex(const char *digest)
{
	return img_digest_valid(digest) ? digest + 7 : NULL;
}
