/* Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): a private work
 * directory per process, and a NUL-terminated copy of an input. */
#ifndef NOOK_FUZZ_H
#define NOOK_FUZZ_H

#include "base/base.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A crash of the target itself, so that the fuzzer reports it. */
#define fuzz_assert(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_assert failed: %s (%s:%d)\n", #cond, __FILE__,       \
				__LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* FUZZ_VERBOSE=1: print why an input was refused (checking a seed). */
static inline void fuzz_note(int rc, const struct error *e)
{
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz: %s\n", rc < 0 ? e->msg : "accepted");
}

static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A directory of this process (removed at exit), opened. */
static int fuzz_workdir_fd = -1;
static char fuzz_workdir[256];

static void fuzz_workdir_remove(void)
{
	struct error e;

	rm_rf_at(AT_FDCWD, fuzz_workdir, &e);
}

static inline int fuzz_workdir_open(void)
{
	if (fuzz_workdir_fd >= 0)
		return fuzz_workdir_fd;
	/* $NOOK_FUZZ_TMP (run.sh: a tmpfs dir it removes, also after a
	 * crash), else tmpfs when there is one: a case is mostly mkdir, write
	 * and unlink. */
	const char *tmp = getenv("NOOK_FUZZ_TMP");

	if (!tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	if ((size_t)snprintf(fuzz_workdir, sizeof(fuzz_workdir), "%s/nook-fuzz-XXXXXX", tmp) >=
	    sizeof(fuzz_workdir))
		abort();
	if (!mkdtemp(fuzz_workdir))
		abort();
	atexit(fuzz_workdir_remove);
	fuzz_workdir_fd = open(fuzz_workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fuzz_workdir_fd < 0)
		abort();
	return fuzz_workdir_fd;
}

/* A fresh empty directory "name" in the work directory, opened. */
static inline int fuzz_fresh_dir(const char *name)
{
	int wd = fuzz_workdir_open(), fd;
	struct error e;

	if (rm_rf_at(wd, name, &e) < 0 || mkdirat(wd, name, 0700) < 0)
		abort();
	fd = openat(wd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

#ifdef NOOK_IMAGE_INTERNAL_H
/* What img_store_open and img_load would load before parsing. */
static inline void fuzz_image_libs(void)
{
	struct error e;

	if (img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
}
#endif

#endif
