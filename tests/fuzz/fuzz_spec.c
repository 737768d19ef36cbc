/* The runtime config parser (runtime/spec.c): any config.json text is
 * parsed and validated, or refused with a message; never a crash, a leak
 * or undefined behaviour. */
#include "fuzz.h"
#include "runtime/internal.h"

/* A bundle with a rootfs directory, so that parsing goes past root.path. */
static char bundle[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdirat(fuzz_workdir_open(), "rootfs", 0700) < 0)
		abort();
	snprintf(bundle, sizeof(bundle), "%s", fuzz_workdir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	struct rt_spec spec;
	struct error e;
	int rc;

	rc = rt_spec_parse(&spec, s, bundle, &e);
	if (rc < 0) {
		fuzz_note(rc, &e);
		fuzz_assert(e.msg[0]);
		return 0;
	}
	rc = rt_spec_validate(&spec, &e);
	fuzz_note(rc, &e);
	if (rc < 0)
		fuzz_assert(e.msg[0]);
	rt_spec_release(&spec);
	return 0;
}
