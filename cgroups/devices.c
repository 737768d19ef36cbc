/* The device filter: cgroup v2 has no devices.allow file; access to device
 * nodes is decided by an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE
 * attached to the group.  The kernel runs it on open() and mknod() of a
 * device node with (type, major, minor, access) and denies when it
 * returns 0.  This is the barrier that stops a container with CAP_MKNOD
 * (or a bind-mounted /dev) from reaching the host's disks. */
#include "cgroups/internal.h"

#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

/* Instructions are built by hand; the program is a straight list of
 * compares, so a BPF library would add more than it saves. */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off,
				 .imm = imm};
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_IMM(dst, imm) insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define AND32_IMM(dst, imm) insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JEQ32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JEQ | BPF_K, dst, 0, off, imm)
#define JNE32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* r1 holds the context throughout, r3 the access bits still undecided;
 * r0 and r2 are scratch. */
enum { R_CTX = 1, R_SCRATCH = 2, R_NEED = 3 };

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static size_t emit(struct prog *p, struct bpf_insn i)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n] = i;
	return p->n++;
}

static void patch_to(struct prog *p, size_t at, size_t target)
{
	p->v[at].off = (int16_t)(target - at - 1);
}

static int rule_check(const struct cg_device_rule *r, size_t i, struct error *err)
{
	if (r->type != 'a' && r->type != 'b' && r->type != 'c')
		return error_set(err, EINVAL, "device rule %zu: invalid type '%c'", i, r->type);
	if (r->major < -1 || r->major > UINT32_MAX || r->minor < -1 || r->minor > UINT32_MAX)
		return error_set(err, EINVAL, "device rule %zu: invalid major/minor", i);
	if (!r->access || (r->access & ~7u))
		return error_set(err, EINVAL, "device rule %zu: invalid access", i);
	return 0;
}

/* Load a field of the context into `dst`: access_type (access << 16 |
 * type) at 0, major at 4, minor at 8. */
static void load_field(struct prog *p, int dst, int16_t off)
{
	emit(p, LDX_W(dst, R_CTX, off));
}

/* Walk the rules from the last to the first with the set of access bits
 * (mknod, read, write) the request holds and no rule has decided yet: a
 * rule that matches the device decides the bits it holds -- deny: denied
 * if any of them is still undecided; allow: they are decided.  That is
 * "the last matching rule wins", per bit, so "allow rwm" followed by
 * "deny w" still denies an O_RDWR open.  Allowed once no bit is left;
 * bits no rule decides are denied.
 *
 * Device fields are compared on a value loaded from the context just
 * before, never on a register kept across rules: what the verifier learns
 * from a compare ("major is 1 on this path") dies with the scratch
 * register at the next rule, so paths reach each rule in few distinct
 * states and the verifier prunes instead of exploring each combination
 * of earlier outcomes.  The straightforward form (registers loaded once,
 * one pass per access bit) cost 1.9 ms of verification per container for
 * the default rules, a quarter of `nook oci run`. */
static int build(const struct cg_device_rule *rules, size_t n, struct prog *p, struct error *err)
{
	_cleanup_free_ size_t *to_allow = xmalloc((n + 1) * sizeof(size_t));
	_cleanup_free_ size_t *to_deny = xmalloc((n + 1) * sizeof(size_t));
	size_t n_allow = 0, n_deny = 0, next[3];
	unsigned decided = 0;

	for (size_t i = 0; i < n; i++)
		if (rule_check(&rules[i], i, err) < 0)
			return -1;
	/* ctx->access_type is (access << 16) | type. */
	load_field(p, R_NEED, 0);
	emit(p, RSH32_IMM(R_NEED, 16));
	emit(p, AND32_IMM(R_NEED, CG_DEV_MKNOD | CG_DEV_READ | CG_DEV_WRITE));
	to_allow[n_allow++] = emit(p, JEQ32_IMM(R_NEED, 0, 0));
	for (size_t i = n; i-- > 0 && decided != 7;) {
		const struct cg_device_rule *r = &rules[i];
		size_t nnext = 0;

		if (r->type != 'a') {
			load_field(p, R_SCRATCH, 0);
			emit(p, AND32_IMM(R_SCRATCH, 0xffff));
			next[nnext++] = emit(p, JNE32_IMM(R_SCRATCH,
							  r->type == 'b' ? BPF_DEVCG_DEV_BLOCK
									 : BPF_DEVCG_DEV_CHAR,
							  0));
		}
		if (r->major >= 0) {
			load_field(p, R_SCRATCH, 4);
			next[nnext++] = emit(p, JNE32_IMM(R_SCRATCH, (int32_t)(uint32_t)r->major, 0));
		}
		if (r->minor >= 0) {
			load_field(p, R_SCRATCH, 8);
			next[nnext++] = emit(p, JNE32_IMM(R_SCRATCH, (int32_t)(uint32_t)r->minor, 0));
		}
		if (r->allow) {
			emit(p, AND32_IMM(R_NEED, (int32_t)~r->access));
			to_allow[n_allow++] = emit(p, JEQ32_IMM(R_NEED, 0, 0));
		} else {
			emit(p, MOV32_REG(0, R_NEED));
			emit(p, AND32_IMM(0, (int32_t)r->access));
			to_deny[n_deny++] = emit(p, JNE32_IMM(0, 0, 0));
		}
		for (size_t k = 0; k < nnext; k++)
			patch_to(p, next[k], p->n);
		/* A rule matching every device decides its bits for all
		 * requests (the verifier refuses unreachable code). */
		if (nnext == 0)
			decided |= r->access;
	}
	for (size_t i = 0; i < n_deny; i++)
		patch_to(p, to_deny[i], p->n);
	emit(p, MOV32_IMM(0, 0));
	emit(p, EXIT());
	for (size_t i = 0; i < n_allow; i++)
		patch_to(p, to_allow[i], p->n);
	emit(p, MOV32_IMM(0, 1));
	emit(p, EXIT());
	if (p->n > 30000)
		return error_set(err, E2BIG, "device filter too large (%zu rules)", n);
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load(const struct prog *p, struct error *err)
{
	char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->v;
	attr.insn_cnt = (uint32_t)p->n;
	/* The program calls no helper, GPL-only or not (runc says "Apache"). */
	attr.license = (uint64_t)(uintptr_t) "Apache";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != EACCES)
		return error_sys(err, "cannot load the device filter (bpf BPF_PROG_LOAD)");
	/* Again with the verifier's log, for the message. */
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	log[0] = '\0';
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	return error_sys(err, "the kernel refused the device filter (%.200s)", log);
}

/* A program loaded ahead of its group (cg_devices_prewarm), and the
 * instructions of the last program cg_devices_apply attached.  The kernel's
 * verifier takes ~0.4 ms over the default rules: an engine monitor, idle
 * while its client makes the container's root, loads the program the last
 * container had, and cg_devices_apply takes it when the rules build the
 * very same instructions (compared in full: a program from anywhere else
 * is never attached). */
static struct prog warm, last;
static int warm_fd = -1;

int cg_devices_prewarm(const void *insns, size_t len)
{
	struct error e;

	if (warm_fd >= 0 || len == 0 || len % sizeof(struct bpf_insn) != 0 ||
	    len / sizeof(struct bpf_insn) > BPF_MAXINSNS)
		return -1;
	warm.n = warm.cap = len / sizeof(struct bpf_insn);
	warm.v = xmalloc(len);
	memcpy(warm.v, insns, len);
	warm_fd = prog_load(&warm, &e);
	if (warm_fd < 0) {
		free(warm.v);
		warm = (struct prog){0};
		return -1;
	}
	return warm_fd;
}

void cg_devices_prewarm_drop(void)
{
	if (warm_fd >= 0)
		close(warm_fd);
	warm_fd = -1;
	free(warm.v);
	warm = (struct prog){0};
}

bool cg_devices_last(const void **insns, size_t *len)
{
	*insns = last.v;
	*len = last.n * sizeof(struct bpf_insn);
	return last.n > 0;
}

/* The program for p: the one loaded ahead when it is p, else p loaded. */
static int prog_get(const struct prog *p, struct error *err)
{
	bool same = warm_fd >= 0 && warm.n == p->n && !memcmp(warm.v, p->v, p->n * sizeof(*p->v));
	int fd = same ? warm_fd : -1;

	/* Used once, or dropped. */
	if (same)
		warm_fd = -1;
	cg_devices_prewarm_drop();
	return same ? fd : prog_load(p, err);
}

/* Ids of the device programs attached directly to the group. */
static int prog_query(int dirfd, uint32_t *ids, uint32_t *n, struct error *err)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)dirfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return error_sys(err, "cannot list the device filters (bpf BPF_PROG_QUERY)");
	*n = attr.query.prog_cnt;
	return 0;
}

int cg_devices_apply(int dirfd, const struct cg_device_rule *rules, size_t n, struct error *err)
{
	struct prog p = {0};
	_cleanup_close_ int fd = -1;
	uint32_t old[64], n_old = ARRAY_SIZE(old);
	union bpf_attr attr;
	int r;

	r = build(rules, n, &p, err);
	if (r == 0)
		fd = prog_get(&p, err);
	if (r < 0 || fd < 0) {
		free(p.v);
		return -1;
	}
	free(last.v);
	last = p;
	if (prog_query(dirfd, old, &n_old, err) < 0)
		return -1;
	if (n_old > ARRAY_SIZE(old))
		return error_set(err, E2BIG, "too many device filters attached (%u)", n_old);

	/* Attach the new filter before detaching the old ones: in between both
	 * run and both must allow, so the group is never less restricted
	 * than either set of rules. */
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return error_sys(err, "cannot attach the device filter (bpf BPF_PROG_ATTACH)");
	for (uint32_t i = 0; i < n_old; i++) {
		_cleanup_close_ int ofd = -1;

		memset(&attr, 0, sizeof(attr));
		attr.prog_id = old[i];
		ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (ofd < 0) {
			if (errno == ENOENT)
				continue;
			return error_sys(err, "cannot open device filter %u", old[i]);
		}
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)dirfd;
		attr.attach_bpf_fd = (uint32_t)ofd;
		attr.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
			return error_sys(err, "cannot detach device filter %u", old[i]);
	}
	return 0;
}
