/* registries.conf (image/regconf.c): any file is parsed or refused with a
 * message naming it; a short name then resolves to references that parse,
 * or to one error line. */
#include "fuzz.h"
#include "image/image.h"
#include "image/internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	unsetenv("CONTAINERS_REGISTRIES_CONF");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dfd = fuzz_workdir_open();
	_cleanup_free_ char *path = xasprintf("%s/registries.conf", fuzz_workdir);
	static const char *const refs[] = {
	    "x", "fedora:1",
	    ("a/b@sha256:0000000000000000000000000000000000000000000000000000000000000000")};
	struct error e;

	if (dfd < 0 || file_write_atomic_at(dfd, "registries.conf", data, size, 0600, &e) < 0)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
		_cleanup_strv_ char **v = NULL;

		if (img_ref_candidates(refs[i], path, &v, &e) < 0) {
			fuzz_assert(e.msg[0] && !strchr(e.msg, '\n'));
			continue;
		}
		fuzz_assert(v[0]);
		for (size_t k = 0; v[k]; k++)
			fuzz_assert(*v[k]);
	}
	return 0;
}
