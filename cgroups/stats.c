/* Reading a group's usage: cpu.stat, memory.*, pids.*, io.stat and
 * memory.events, for `events --stats` and the OOM event. */
#include "cgroups/internal.h"

#include <string.h>

/* Read a file of the group; 1 read, 0 missing (controller not enabled),
 * -1 error. */
static int read_opt(int dirfd, const char *file, char **out, struct error *err)
{
	if (file_read_at(dirfd, file, 0, out, NULL, err) == 0)
		return 1;
	return err->code == ENOENT ? 0 : -1;
}

/* "max" or a number. */
static uint64_t parse_limit(const char *s)
{
	uint64_t v = 0;
	char buf[32];
	size_t n = strcspn(s, "\n ");

	if (!strncmp(s, "max", 3))
		return CG_MAX;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	parse_uint64(buf, &v);
	return v;
}

/* A single-value file; *v untouched when the file is missing. */
static int read_value(int dirfd, const char *file, uint64_t *v, bool *has, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = read_opt(dirfd, file, &text, err);

	if (r <= 0)
		return r;
	*v = parse_limit(text);
	if (has)
		*has = true;
	return 1;
}

/* Calls fn for each "key value" line of a flat-keyed file. */
static void each_kv(char *text, void (*fn)(void *, const char *, uint64_t), void *data)
{
	for (char *p = text, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char *sp = strchr(line, ' ');
		uint64_t v;

		if (!sp)
			continue;
		*sp = '\0';
		if (parse_uint64(sp + 1, &v) == 0)
			fn(data, line, v);
	}
}

struct field {
	const char *key;
	size_t off;
};

#define F(k, m) {k, offsetof(struct cg_stats, m)}
static const struct field cpu_fields[] = {
	F("usage_usec", cpu_usage_usec),   F("user_usec", cpu_user_usec),
	F("system_usec", cpu_system_usec), F("nr_periods", cpu_nr_periods),
	F("nr_throttled", cpu_nr_throttled), F("throttled_usec", cpu_throttled_usec),
};
static const struct field event_fields[] = {
	F("low", ev_low), F("high", ev_high), F("max", ev_max), F("oom", ev_oom),
	F("oom_kill", ev_oom_kill),
};
#undef F

struct table_fill {
	struct cg_stats *st;
	const struct field *f;
	size_t n;
};

static void fill_from_table(void *data, const char *key, uint64_t v)
{
	struct table_fill *t = data;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(key, t->f[i].key))
			*(uint64_t *)((char *)t->st + t->f[i].off) = v;
}

static void add_mem_stat(void *data, const char *key, uint64_t v)
{
	struct cg_stats *st = data;
	struct cg_kv *kv;

	st->mem_stat = xrealloc(st->mem_stat, (st->n_mem_stat + 1) * sizeof(*st->mem_stat));
	kv = &st->mem_stat[st->n_mem_stat++];
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	kv->value = v;
}

/* io.stat lines: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static void parse_io_stat(char *text, struct cg_stats *st)
{
	for (char *p = text, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		struct cg_io_stat io = {0};
		char *save2 = NULL, *tok = strtok_r(line, " ", &save2);

		if (!tok || sscanf(tok, "%u:%u", &io.major, &io.minor) != 2)
			continue;
		while ((tok = strtok_r(NULL, " ", &save2))) {
			unsigned long long v;
			char key[16];

			if (sscanf(tok, "%15[a-z]=%llu", key, &v) != 2)
				continue;
			if (!strcmp(key, "rbytes"))
				io.rbytes = v;
			else if (!strcmp(key, "wbytes"))
				io.wbytes = v;
			else if (!strcmp(key, "rios"))
				io.rios = v;
			else if (!strcmp(key, "wios"))
				io.wios = v;
			else if (!strcmp(key, "dbytes"))
				io.dbytes = v;
			else if (!strcmp(key, "dios"))
				io.dios = v;
		}
		st->io = xrealloc(st->io, (st->n_io + 1) * sizeof(*st->io));
		st->io[st->n_io++] = io;
	}
}

/* v1 says "no limit" with the largest page-aligned value (or -1). */
static uint64_t v1_max(uint64_t v)
{
	return v >= (1ULL << 62) ? CG_MAX : v;
}

static int joined_fd(const struct cg_group *g, const char *c)
{
	struct cg_v1_dir *d = cg_v1_lookup(g->v1, g->n_v1, c);

	return d ? d->dirfd : -1;
}

/* The v1 groups' figures, for what the v2 group did not have.  cpuacct
 * counts nanoseconds and USER_HZ ticks; v2's fields are microseconds. */
static int v1_stats(const struct cg_group *g, struct cg_stats *st, struct error *err)
{
	int mem = joined_fd(g, "memory"), cpu = joined_fd(g, "cpu"),
	    acct = joined_fd(g, "cpuacct"), pids = joined_fd(g, "pids");
	uint64_t v = 0;

	if (mem >= 0 && !st->has_memory) {
		_cleanup_free_ char *text = NULL, *oom = NULL;
		uint64_t memsw = 0, memsw_max = CG_MAX;

		if (read_value(mem, "memory.usage_in_bytes", &st->mem_current, &st->has_memory,
			       err) < 0 ||
		    read_value(mem, "memory.limit_in_bytes", &st->mem_max, NULL, err) < 0 ||
		    read_value(mem, "memory.max_usage_in_bytes", &st->mem_peak, NULL, err) < 0 ||
		    read_value(mem, "memory.memsw.usage_in_bytes", &memsw, NULL, err) < 0 ||
		    read_value(mem, "memory.memsw.limit_in_bytes", &memsw_max, NULL, err) < 0 ||
		    read_opt(mem, "memory.stat", &text, err) < 0 ||
		    read_opt(mem, "memory.oom_control", &oom, err) < 0)
			return -1;
		st->mem_max = v1_max(st->mem_max);
		st->swap_current = memsw > st->mem_current ? memsw - st->mem_current : 0;
		memsw_max = v1_max(memsw_max);
		st->swap_max = memsw_max == CG_MAX || st->mem_max == CG_MAX
				       ? CG_MAX
				       : memsw_max - st->mem_max;
		if (text)
			each_kv(text, add_mem_stat, st);
		if (oom) {
			struct table_fill t = {st, event_fields, ARRAY_SIZE(event_fields)};

			each_kv(oom, fill_from_table, &t);
			st->ev_oom = st->ev_oom_kill;
		}
	}
	if (acct >= 0 && !st->has_cpu) {
		_cleanup_free_ char *text = NULL;

		if (read_value(acct, "cpuacct.usage", &v, &st->has_cpu, err) < 0 ||
		    read_opt(acct, "cpuacct.stat", &text, err) < 0)
			return -1;
		st->cpu_usage_usec = v / 1000;
		if (text) {
			struct cg_kv kv[2] = {{"user", 0}, {"system", 0}};

			for (size_t i = 0; i < 2; i++) {
				char *p = strstr(text, kv[i].key);

				if (p)
					kv[i].value = strtoull(p + strlen(kv[i].key), NULL, 10);
			}
			st->cpu_user_usec = kv[0].value * 1000000 / 100;
			st->cpu_system_usec = kv[1].value * 1000000 / 100;
		}
	}
	if (cpu >= 0) {
		_cleanup_free_ char *text = NULL;

		if (read_opt(cpu, "cpu.stat", &text, err) < 0)
			return -1;
		for (char *p = text, *save = NULL, *line; text && (line = strtok_r(p, "\n", &save));
		     p = NULL) {
			unsigned long long n;

			if (sscanf(line, "nr_periods %llu", &n) == 1)
				st->cpu_nr_periods = n;
			else if (sscanf(line, "nr_throttled %llu", &n) == 1)
				st->cpu_nr_throttled = n;
			else if (sscanf(line, "throttled_time %llu", &n) == 1)
				st->cpu_throttled_usec = n / 1000;
		}
	}
	if (pids >= 0 && !st->has_pids &&
	    (read_value(pids, "pids.current", &st->pids_current, &st->has_pids, err) < 0 ||
	     read_value(pids, "pids.max", &st->pids_max, NULL, err) < 0))
		return -1;
	return 0;
}

int cg_group_stats(const struct cg_group *g, struct cg_stats *st, struct error *err)
{
	_cleanup_free_ char *cpu = NULL, *mem = NULL, *io = NULL, *events = NULL;
	struct table_fill t = {st, cpu_fields, ARRAY_SIZE(cpu_fields)};
	int r;

	memset(st, 0, sizeof(*st));
	st->mem_max = st->swap_max = st->pids_max = CG_MAX;
	if (g->dirfd < 0)
		goto v1;
	/* cpu.stat is a core file: usage is there even without the cpu
	 * controller; the throttling keys come with it. */
	if ((r = read_opt(g->dirfd, "cpu.stat", &cpu, err)) < 0)
		goto fail;
	if (r) {
		st->has_cpu = true;
		each_kv(cpu, fill_from_table, &t);
	}
	if (read_value(g->dirfd, "memory.current", &st->mem_current, &st->has_memory, err) < 0 ||
	    read_value(g->dirfd, "memory.max", &st->mem_max, NULL, err) < 0 ||
	    read_value(g->dirfd, "memory.peak", &st->mem_peak, NULL, err) < 0 ||
	    read_value(g->dirfd, "memory.swap.current", &st->swap_current, NULL, err) < 0 ||
	    read_value(g->dirfd, "memory.swap.max", &st->swap_max, NULL, err) < 0 ||
	    read_value(g->dirfd, "pids.current", &st->pids_current, &st->has_pids, err) < 0 ||
	    read_value(g->dirfd, "pids.max", &st->pids_max, NULL, err) < 0)
		goto fail;
	if ((r = read_opt(g->dirfd, "memory.stat", &mem, err)) < 0)
		goto fail;
	if (r)
		each_kv(mem, add_mem_stat, st);
	if ((r = read_opt(g->dirfd, "memory.events", &events, err)) < 0)
		goto fail;
	if (r) {
		t = (struct table_fill){st, event_fields, ARRAY_SIZE(event_fields)};
		each_kv(events, fill_from_table, &t);
	}
	if ((r = read_opt(g->dirfd, "io.stat", &io, err)) < 0)
		goto fail;
	if (r)
		parse_io_stat(io, st);
v1:
	if (v1_stats(g, st, err) < 0)
		goto fail;
	return 0;
fail:
	cg_stats_release(st);
	return error_prefix(err, "cannot read the statistics of cgroup %s%s", g->root ? g->root : "",
			    g->path);
}

void cg_stats_release(struct cg_stats *st)
{
	free(st->mem_stat);
	free(st->io);
	st->mem_stat = NULL;
	st->io = NULL;
	st->n_mem_stat = st->n_io = 0;
}

int cg_group_oom(const struct cg_group *g, uint64_t *oom, uint64_t *oom_kill, struct error *err)
{
	_cleanup_free_ char *events = NULL;
	struct cg_stats st = {0};
	struct table_fill t = {&st, event_fields, ARRAY_SIZE(event_fields)};
	int mem = joined_fd(g, "memory");
	int r = g->dirfd >= 0 ? read_opt(g->dirfd, "memory.events", &events, err) : 0;

	if (r < 0)
		return error_prefix(err, "cgroup %s%s", g->root, g->path);
	/* v1: memory.oom_control counts "oom_kill" (4.13+), no OOM events. */
	if (!r && mem >= 0 && (r = read_opt(mem, "memory.oom_control", &events, err)) < 0)
		return error_prefix(err, "cgroup %s", g->path);
	if (r)
		each_kv(events, fill_from_table, &t);
	if (mem >= 0 && !st.ev_oom)
		st.ev_oom = st.ev_oom_kill;
	*oom = st.ev_oom;
	*oom_kill = st.ev_oom_kill;
	return 0;
}
