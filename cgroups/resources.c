/* The resources object (a list of interface-file writes and device rules)
 * and the OCI -> cgroup v2 conversions runc uses, so that a config.json
 * gives the same limits under nook as under runc. */
#include "cgroups/internal.h"

#include <string.h>

struct cg_resources *cg_resources_new(void)
{
	return xzalloc(sizeof(struct cg_resources));
}

void cg_resources_free(struct cg_resources *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_w; i++) {
		free(r->w[i].file);
		free(r->w[i].value);
		free(r->w[i].alt_file);
		free(r->w[i].alt_value);
		free(r->w[i].origin);
		free(r->w[i].v1_file);
		free(r->w[i].v1_value);
	}
	free(r->w);
	free(r->dev);
	free(r);
}

bool cg_resources_empty(const struct cg_resources *r)
{
	return !r || (r->n_w == 0 && r->n_dev == 0 && !r->devices_set);
}

static struct cg_write *add_write(struct cg_resources *r)
{
	r->w = xrealloc(r->w, (r->n_w + 1) * sizeof(*r->w));
	memset(&r->w[r->n_w], 0, sizeof(*r->w));
	return &r->w[r->n_w++];
}

void cg_resources_add(struct cg_resources *r, const char *file, const char *value,
		      unsigned flags, const char *origin)
{
	struct cg_write *w = add_write(r);

	w->file = xstrdup(file);
	w->value = xstrdup(value);
	w->origin = xstrdup(origin);
	w->flags = flags;
}

void cg_resources_add_v1(struct cg_resources *r, const char *file, const char *value,
			 const char *v1_file, const char *v1_value, unsigned flags,
			 const char *origin)
{
	struct cg_write *w = add_write(r);

	w->v1_only = !file;
	w->file = xstrdup(file ? file : v1_file);
	w->value = xstrdup(file ? value : v1_value);
	w->v1_file = xstrdup(v1_file);
	w->v1_value = xstrdup(v1_value);
	w->origin = xstrdup(origin);
	w->flags = flags;
}

void cg_resources_add_alt(struct cg_resources *r, const char *file, const char *value,
			  const char *alt_file, const char *alt_value, const char *origin)
{
	struct cg_write *w = add_write(r);

	w->file = xstrdup(file);
	w->value = xstrdup(value);
	w->alt_file = xstrdup(alt_file);
	w->alt_value = xstrdup(alt_value);
	w->origin = xstrdup(origin);
}

size_t cg_resources_count(const struct cg_resources *r)
{
	return r ? r->n_w : 0;
}

void cg_resources_get(const struct cg_resources *r, size_t i, const char **file,
		      const char **value)
{
	*file = r->w[i].file;
	*value = r->w[i].value;
}

size_t cg_resources_limits(const struct cg_resources *r, char *buf, size_t len)
{
	size_t n = 0, pos = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; r && i < r->n_w; i++) {
		const struct cg_write *w = &r->w[i];
		const char *name = w->origin ? w->origin : w->file ? w->file : w->v1_file;

		if (w->flags & CG_WRITE_NO_LIMIT)
			continue;
		if (pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", n ? ", " : "",
						name ? name : "?");
		n++;
	}
	return n;
}

void cg_resources_add_device(struct cg_resources *r, const struct cg_device_rule *rule)
{
	r->dev = xrealloc(r->dev, (r->n_dev + 1) * sizeof(*r->dev));
	r->dev[r->n_dev++] = *rule;
	r->devices_set = true;
}

void cg_resources_devices_set(struct cg_resources *r)
{
	r->devices_set = true;
}

void cg_resources_devices_clear(struct cg_resources *r)
{
	if (!r)
		return;
	free(r->dev);
	r->dev = NULL;
	r->n_dev = 0;
	r->devices_set = false;
}

size_t cg_resources_device_count(const struct cg_resources *r)
{
	return r ? r->n_dev : 0;
}

const struct cg_device_rule *cg_resources_device(const struct cg_resources *r, size_t i)
{
	return &r->dev[i];
}

int cg_dev_access_parse(const char *s)
{
	static const struct {
		char c;
		unsigned bit;
	} letters[] = {{'r', CG_DEV_READ}, {'w', CG_DEV_WRITE}, {'m', CG_DEV_MKNOD}};
	unsigned bits = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(letters); i++)
			if (letters[i].c == *s)
				break;
		if (i == ARRAY_SIZE(letters))
			return -1;
		bits |= letters[i].bit;
	}
	return (int)bits;
}

/* runc's linear map of [2, 262144] onto [1, 10000]. */
uint64_t cg_cpu_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* runc's linear map of [10, 1000] onto [1, 10000]. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

/* OCI (like cgroup v1) limits memory+swap together; v2's memory.swap.max
 * limits swap alone, so the v2 value is the difference. */
int cg_swap_to_v2(int64_t swap, int64_t memory, int64_t *out, bool *set, struct error *err)
{
	*set = false;
	*out = 0;
	/* v1 compatibility: memory unlimited and swap unset means both
	 * unlimited. */
	if (memory == -1 && swap == 0) {
		*out = -1;
		*set = true;
		return 0;
	}
	if (swap == 0)
		return 0;
	if (swap == -1) {
		*out = -1;
		*set = true;
		return 0;
	}
	if (swap < -1)
		return error_set(err, EINVAL, "invalid swap value %lld", (long long)swap);
	if (memory == 0 || memory == -1)
		return error_set(err, EINVAL, "cannot set a swap limit without a memory limit");
	if (memory < 0)
		return error_set(err, EINVAL, "invalid memory value %lld", (long long)memory);
	if (swap < memory)
		return error_set(err, EINVAL, "must be greater than or equal to memory.limit");
	*out = swap - memory;
	*set = true;
	return 0;
}

bool cg_file_controller(const char *file, char *buf, size_t len)
{
	const char *dot = strchr(file, '.');

	if (!dot || (size_t)(dot - file) >= len)
		return false;
	memcpy(buf, file, (size_t)(dot - file));
	buf[dot - file] = '\0';
	return true;
}

/* Interface files are written as dirfd-relative names: a '/' or ".."
 * would let a config.json key write outside the container's group (into
 * a parent's cgroup.subtree_control, say), so the character set is
 * closed. */
bool cg_file_name_valid(const char *name)
{
	const char *dot = strchr(name, '.');

	if (!dot || dot == name || dot[1] == '\0' || strlen(name) > 255)
		return false;
	for (const char *p = name; p < dot; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	for (const char *p = dot + 1; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.';

		if (!ok)
			return false;
	}
	return strstr(name, "..") == NULL && name[strlen(name) - 1] != '.';
}

int cg_hugepage_size_parse(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {{"KB", 1ULL << 10}, {"MB", 1ULL << 20}, {"GB", 1ULL << 30}, {"TB", 1ULL << 40}};
	uint64_t n = 0;
	const char *p = s;

	if (!s || *s < '1' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > UINT64_MAX / 10 / (1ULL << 40))
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(p, units[i].suffix)) {
			*bytes = n * units[i].mult;
			return 0;
		}
	}
	return -1;
}
