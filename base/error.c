/* The error type: fixed-size, filled at the point of failure. */
#include "base.h"

#include <string.h>

static int error_vset(struct error *err, int code, const char *suffix, const char *fmt, va_list ap)
{
	int n;

	err->code = code;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (suffix && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", suffix);
	return -1;
}

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int error_sys(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, saved, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	int n;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", old);
	return -1;
}

void error_clear(struct error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
