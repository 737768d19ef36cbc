/* The tar member name cleaner and whiteout classifier (image/unpack.c):
 * a cleaned name never climbs, never is absolute, has no empty, "." or
 * ".." component, and cleaning it again changes nothing. */
#include "fuzz.h"
#include "image/internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size), *clean = NULL, *again = NULL;
	struct error e;

	if (img_tar_name_clean(s, &clean, &e) < 0) {
		fuzz_assert(strstr(e.msg, ".."));
		return 0;
	}
	fuzz_assert(clean[0] != '/');
	fuzz_assert(!*clean || clean[strlen(clean) - 1] != '/');
	fuzz_assert(!strstr(clean, "//"));
	for (char *p = clean, *end; *p; p = *end ? end + 1 : end) {
		enum img_whiteout kind;
		const char *target;
		char c;

		end = strchrnul(p, '/');
		c = *end;
		*end = '\0';
		fuzz_assert(*p && strcmp(p, ".") && strcmp(p, ".."));
		if (img_whiteout_kind(p, &kind, &target, &e) == 0 && kind == IMG_WH_FILE)
			fuzz_assert(*target && strcmp(target, ".") && strcmp(target, ".."));
		*end = c;
	}
	fuzz_assert(img_tar_name_clean(clean, &again, &e) == 0);
	fuzz_assert(!strcmp(clean, again));
	return 0;
}
