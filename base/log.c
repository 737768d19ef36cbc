/* Log lines for --log / --debug.  Text: "time level msg"; JSON: one object
 * per line with level, msg and time, the shape runc writes and podman's
 * conmon and containerd's shim read back. */
#include "base.h"

#include <string.h>

static int log_sink = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static enum log_level log_max = LOG_LEVEL_WARN;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_init(int fd, enum log_format fmt, enum log_level level)
{
	log_sink = fd;
	log_fmt = fmt;
	log_max = level;
}

int log_fd(void)
{
	return log_sink;
}

enum log_format log_format_get(void)
{
	return log_fmt;
}

/* JSON string escaping for the message (the only free-form field). */
static size_t json_escape(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (; *in && o + 7 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

void log_write(enum log_level level, const char *fmt, ...)
{
	char msg[2048], esc[4200], line[4400], ts[64];
	va_list ap;
	int n;

	if (log_sink < 0 || level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	time_rfc3339(ts);
	if (log_fmt == LOG_FORMAT_JSON) {
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_names[level], esc, ts);
	} else {
		n = snprintf(line, sizeof(line), "%s %s: %s\n", ts, level_names[level], msg);
	}
	if (n > 0)
		(void)write_all(log_sink, line, strnlen(line, sizeof(line)));
}
