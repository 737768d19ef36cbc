/* Image references (image/ref.c): any string is parsed or refused; what is
 * accepted is well formed and parses again to itself. */
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
	/* name[:tag][@digest] is a fixed point. */
	again = xasprintf("%s%s%s%s%s", r.name, r.tag ? ":" : "", r.tag ? r.tag : "",
			  r.digest ? "@" : "", r.digest ? r.digest : "");
	if (strlen(again) <= 255) {
		fuzz_assert(img_ref_parse(again, &r2, &e) == 0);
		fuzz_assert(!strcmp(r.name, r2.name));
		fuzz_assert(!r.tag == !r2.tag && (!r.tag || !strcmp(r.tag, r2.tag)));
		img_ref_release(&r2);
	}
	img_ref_release(&r);
	return 0;
}
