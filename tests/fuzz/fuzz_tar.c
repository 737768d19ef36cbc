/* Layer tar headers (image/unpack.c): fuzzed bytes, as a plain or gzip'd
 * layer, unpacked into a fresh directory; refused with a message or
 * unpacked, never a crash, and nothing written outside that directory
 * (every entry is made below a parent resolved inside it). */
#include "image/internal.h"
/* after image/internal.h: fuzz_image_libs() */
#include "fuzz.h"

#include <sys/mman.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_image_libs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_close_ int fd = memfd_create("layer", MFD_CLOEXEC), dest = -1;
	struct stat st;
	char diff[72];
	uint64_t total = 0;
	struct error e;
	int rc;

	if (fd < 0 || write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	dest = fuzz_fresh_dir("root");
	/* A small bomb limit keeps each case quick. */
	rc = img_layer_unpack(fd, dest, NULL, 8 << 20, NULL, diff, &total, &e);
	fuzz_note(rc, &e);
	if (rc < 0)
		fuzz_assert(e.msg[0]);
	else
		fuzz_assert(img_digest_valid(diff) && total <= (8 << 20));
	/* The work dir holds only what this case made. */
	fuzz_assert(fstatat(fuzz_workdir_open(), "root", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode));
	return 0;
}
