/* The error type: fixed-size, filled at the point of failure. */
#include "base.h"

#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one character on a terminal */

static bool utf8_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* Fit text (len bytes) into msg.  What does not fit is cut from the middle,
 * never from the end: the end of a message is its cause (the errno text,
 * the message under a prefix), the part a reader needs most.  The last
 * tlen bytes are kept whole while that leaves room for 64 bytes of the
 * start. */
static void error_fit(char *msg, size_t size, const char *text, size_t len, size_t tlen)
{
	size_t max = size - 1, room = max - strlen(ELLIPSIS), keep_head, keep_tail;
	const char *t;

	if (len <= max) {
		memcpy(msg, text, len);
		msg[len] = '\0';
		return;
	}
	keep_tail = tlen < room - 64 ? tlen : room - 64;
	if (keep_tail < room / 3 * 2)
		keep_tail = room / 3 * 2;
	keep_head = room - keep_tail;
	/* Neither cut splits a UTF-8 sequence. */
	while (keep_head > 0 && utf8_continuation(text[keep_head]))
		keep_head--;
	t = text + len - keep_tail;
	while (t < text + len && utf8_continuation(*t))
		t++;
	memcpy(msg, text, keep_head);
	memcpy(msg + keep_head, ELLIPSIS, strlen(ELLIPSIS));
	memcpy(msg + keep_head + strlen(ELLIPSIS), t, (size_t)(text + len - t));
	msg[keep_head + strlen(ELLIPSIS) + (size_t)(text + len - t)] = '\0';
}

/* Format into a stack buffer larger than the message, add tail, then fit
 * it: no allocation, so this stays usable in a child after clone. */
static void error_vcompose(struct error *err, const char *tail, const char *fmt, va_list ap)
{
	char buf[4096 + sizeof(err->msg) + 2];
	size_t tlen = strlen(tail), n;
	int r = vsnprintf(buf, sizeof(buf) - tlen, fmt, ap);

	n = r < 0 ? 0 : (size_t)r;
	if (n >= sizeof(buf) - tlen)
		n = sizeof(buf) - tlen - 1;
	memcpy(buf + n, tail, tlen + 1);
	error_fit(err->msg, sizeof(err->msg), buf, n + tlen, tlen);
}

int error_setv(struct error *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	error_vcompose(err, "", fmt, ap);
	return -1;
}

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int error_sys(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	char tail[256];
	va_list ap;

	snprintf(tail, sizeof(tail), ": %s", strerror(saved));
	err->code = saved;
	va_start(ap, fmt);
	error_vcompose(err, tail, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	char tail[sizeof(err->msg) + 2];
	va_list ap;

	snprintf(tail, sizeof(tail), ": %s", err->msg);
	va_start(ap, fmt);
	error_vcompose(err, tail, fmt, ap);
	va_end(ap);
	return -1;
}

void error_clear(struct error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
