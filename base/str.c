/* String and number helpers. */
#include "base.h"

#include <string.h>
#include <time.h>

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_uint64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* A decimal with an optional fraction, read as integers: whole, and
 * frac/scale for the fraction (up to 18 digits kept; more are checked and
 * dropped, which only rounds down).  No sign, no exponent, no "nan" or
 * "inf": the first character must be a digit. */
struct decimal {
	uint64_t whole, frac, scale;
	bool too_big;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int decimal_parse(const char **sp, struct decimal *d)
{
	const char *s = *sp;

	*d = (struct decimal){.scale = 1};
	if (!is_digit(*s))
		return -1;
	for (; is_digit(*s); s++)
		if (__builtin_mul_overflow(d->whole, 10, &d->whole) ||
		    __builtin_add_overflow(d->whole, (uint64_t)(*s - '0'), &d->whole))
			d->too_big = true;
	if (*s == '.') {
		if (!is_digit(*++s))
			return -1;
		for (; is_digit(*s); s++)
			if (d->scale < 1000000000000000000ULL) {
				d->frac = d->frac * 10 + (uint64_t)(*s - '0');
				d->scale *= 10;
			}
	}
	*sp = s;
	return 0;
}

/* d times mult, rounded down; -1 with ERANGE above UINT64_MAX.  128-bit
 * intermediates: whole * mult < 2^64 * 2^64 cannot wrap. */
static int decimal_scale(const struct decimal *d, uint64_t mult, uint64_t *out)
{
	unsigned __int128 v;

	if (d->too_big)
		goto range;
	v = (unsigned __int128)d->whole * mult + (unsigned __int128)d->frac * mult / d->scale;
	if (v > UINT64_MAX)
		goto range;
	*out = (uint64_t)v;
	return 0;
range:
	errno = ERANGE;
	return -1;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgtp"; /* 2^10, 2^20, ... */
	struct decimal d;
	unsigned shift = 0;
	const char *u;

	if (!s || decimal_parse(&s, &d) < 0)
		goto invalid;
	if (*s && (u = strchr(units, ascii_lower(*s)))) {
		shift = 10 * (unsigned)(u - units + 1);
		s++;
		if (ascii_lower(*s) == 'i' && ascii_lower(s[1]) == 'b')
			s++;
	}
	if (ascii_lower(*s) == 'b')
		s++;
	if (*s)
		goto invalid;
	return decimal_scale(&d, 1ULL << shift, out);
invalid:
	errno = EINVAL;
	return -1;
}

int parse_duration(const char *s, uint64_t *out_ns)
{
	/* Longer names first: "ms" before "m" and "s". */
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},
	    {"us", 1000},
	    {"\xc2\xb5s", 1000}, /* micro sign */
	    {"\xce\xbcs", 1000}, /* greek mu */
	    {"ms", 1000000},
	    {"s", 1000000000ULL},
	    {"m", 60000000000ULL},
	    {"h", 3600000000000ULL},
	};
	uint64_t total = 0, part;
	struct decimal d;
	bool first = true;

	if (!s || !*s)
		goto invalid;
	while (*s) {
		size_t i;

		if (decimal_parse(&s, &d) < 0)
			goto invalid;
		if (!*s && first)
			return decimal_scale(&d, 1000000000ULL, out_ns);
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (str_has_prefix(s, units[i].name))
				break;
		if (i == ARRAY_SIZE(units))
			goto invalid;
		s += strlen(units[i].name);
		if (decimal_scale(&d, units[i].ns, &part) < 0)
			return -1;
		if (__builtin_add_overflow(total, part, &total)) {
			errno = ERANGE;
			return -1;
		}
		first = false;
	}
	*out_ns = total;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

void time_rfc3339(char buf[64])
{
	struct timespec ts;
	struct tm tm;
	char date[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, 64, "%s.%09ldZ", date, ts.tv_nsec);
}
