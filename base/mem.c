/* Allocation helpers, cleanup functions and string vectors. */
#include "base.h"

#include <dirent.h>
#include <string.h>

static void oom(void)
{
	static const char msg[] = "nook: out of memory\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *r = strdup(s);

	if (!r)
		oom();
	return r;
}

char *xstrndup(const char *s, size_t n)
{
	char *r = strndup(s, n);

	if (!r)
		oom();
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		oom();
	va_end(ap);
	return r;
}

void freep(void *p)
{
	int saved = errno;

	free(*(void **)p);
	errno = saved;
}

void closep(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	errno = saved;
}

void fclosep(FILE **f)
{
	int saved = errno;

	if (*f)
		fclose(*f);
	errno = saved;
}

void closedirp(void *d)
{
	int saved = errno;
	DIR **dp = d;

	if (*dp)
		closedir(*dp);
	errno = saved;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void strv_freep(char ***v)
{
	int saved = errno;

	strv_free(*v);
	errno = saved;
}

void strv_push(char ***v, const char *s)
{
	size_t n = strv_len(*v);

	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

char **strv_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **r = xzalloc((n + 1) * sizeof(char *));

	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}
