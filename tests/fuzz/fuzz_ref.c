/* Image references (image/ref.c): any string is parsed or refused; what is
 * accepted is well formed, splits into registry domain and repository, and
 * parses again to itself. */
#include "fuzz.h"
#include "image/image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size), *again = NULL;
	struct img_ref r, r2;
	struct error e;

	if (img_ref_parse(s, &r, &e) < 0) {
		fuzz_assert(e.msg[0]);
		return 0;
	}
	fuzz_assert(r.name && *r.name && strchr(r.name, '/'));
	fuzz_assert(r.tag || r.digest);
	fuzz_assert(!r.digest || img_digest_valid(r.digest));
	fuzz_assert(img_name_familiar(r.name) && *img_name_familiar(r.name));
	/* The name is the registry's domain and the repository in it. */
	fuzz_assert(r.domain && *r.domain && r.path && *r.path);
	fuzz_assert(str_has_prefix(r.name, r.domain) && r.name[strlen(r.domain)] == '/' &&
		    !strcmp(r.name + strlen(r.domain) + 1, r.path));
	/* name[:tag][@digest] is a fixed point. */
	again = img_ref_string(&r);
	if (strlen(again) <= 255) {
		fuzz_assert(img_ref_parse(again, &r2, &e) == 0);
		fuzz_assert(!strcmp(r.name, r2.name));
		fuzz_assert(!r.tag == !r2.tag && (!r.tag || !strcmp(r.tag, r2.tag)));
		img_ref_release(&r2);
	}
	img_ref_release(&r);
	return 0;
}
