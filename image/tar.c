/* A tar stream written entry by entry (`nook cp CTR:PATH -`).  The caller
 * walks the tree by directory fds and hands over what it has opened and
 * checked; nothing here opens a path. */
#include "image/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <sys/stat.h>

struct img_tar {
	struct archive *w;
	char *buf;
};

/* The writer's error, with errno's words when there is one ("Broken
 * pipe", "No space left on device"). */
static int tar_failed(struct img_tar *t, const char *name, struct error *err)
{
	int e = archive_errno(t->w);

	return error_set(err, e > 0 ? e : EIO, "cannot write '%s' to the tar stream: %s%s%s", name,
			 archive_error_string(t->w), e > 0 ? ": " : "", e > 0 ? strerror(e) : "");
}

struct img_tar *img_tar_new(int fd, struct error *err)
{
	struct img_tar *t;

	if (img_libs_load(IMG_LIB_ARCHIVE, err) < 0)
		return NULL;
	t = xzalloc(sizeof(*t));
	t->w = archive_write_new();
	t->buf = xmalloc(1 << 16);
	archive_write_set_format_pax_restricted(t->w);
	if (archive_write_open_fd(t->w, fd) != ARCHIVE_OK) {
		tar_failed(t, "", err);
		img_tar_free(t);
		return NULL;
	}
	return t;
}

int img_tar_add(struct img_tar *t, const char *name, const struct stat *st, const char *link,
		int datafd, struct error *err)
{
	struct archive_entry *e = archive_entry_new();
	int64_t left = S_ISREG(st->st_mode) ? st->st_size : 0;
	int r = -1;

	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, name);
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(e, 0);
	if (S_ISLNK(st->st_mode))
		archive_entry_set_symlink(e, link);
	if (archive_write_header(t->w, e) < ARCHIVE_WARN) {
		tar_failed(t, name, err);
		goto out;
	}
	/* At most the size the header announced: a file that grows while
	 * we read is cut there; one that shrinks is padded by libarchive. */
	while (left > 0 && datafd >= 0) {
		ssize_t n = read(datafd, t->buf, left < (1 << 16) ? (size_t)left : (1 << 16));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_sys(err, "cannot read '%s'", name);
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(t->w, t->buf, (size_t)n) < 0) {
			tar_failed(t, name, err);
			goto out;
		}
		left -= n;
	}
	r = 0;
out:
	archive_entry_free(e);
	return r;
}

int img_tar_close(struct img_tar *t, struct error *err)
{
	if (archive_write_close(t->w) != ARCHIVE_OK)
		return tar_failed(t, "the end", err);
	return 0;
}

void img_tar_free(struct img_tar *t)
{
	if (!t)
		return;
	archive_write_free(t->w);
	free(t->buf);
	free(t);
}
