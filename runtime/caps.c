/* process.capabilities: the five capability sets of the container process.
 *
 * Child side, between clone() and exec(): raw capget/capset/prctl only, no
 * allocation, no libcap state.  The order is forced by the kernel's rules
 * (see rt_caps_apply in internal.h for the caller's half):
 *
 *  1. effective = permitted.  setresuid() away from uid 0 clears the
 *     effective set even with PR_SET_KEEPCAPS; without CAP_SETPCAP in
 *     effective the bounding set cannot be touched.
 *  2. Drop from the bounding set every capability not asked for.  This
 *     is what limits what a later exec of a setuid-root or file-capability
 *     binary can gain, so it must happen while we still can (CAP_SETPCAP).
 *  3. capset(effective, permitted, inheritable) to exactly the asked sets.
 *     This may remove CAP_SETPCAP, which is why it comes after 2.
 *  4. Ambient: clear, then raise each asked one.  The kernel only allows
 *     capabilities that are both permitted and inheritable, i.e. after 3.
 *  5. PR_SET_KEEPCAPS 0, so a later setuid() in the container behaves as
 *     usual.
 *
 * Like runc, a capability the runtime itself does not hold cannot be
 * granted and fails the call, naming the capability; capabilities the
 * running kernel does not know (above cap_last_cap) are ignored with a
 * warning, as runc does. */
#include "runtime/internal.h"

#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define BIT(c) (1ULL << (c))

static const char *cap_label(int c, char buf[16])
{
	const char *n = rt_cap_name(c);

	if (n)
		return n;
	snprintf(buf, 16, "capability %d", c);
	return buf;
}

static int caps_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
	    {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};

	return (int)syscall(SYS_capset, &h, d);
}

/* First capability in mask, for messages. */
static int first_cap(uint64_t mask)
{
	return __builtin_ctzll(mask);
}

/* What the kernel will refuse, checked up front so the message can name
 * the capability instead of a bare EPERM from capset(). */
static int caps_check(const uint64_t *want, uint64_t cur_bnd, uint64_t cur_prm, uint64_t cur_inh,
		      struct error *err)
{
	uint64_t any = want[RT_CAP_BOUNDING] | want[RT_CAP_EFFECTIVE] | want[RT_CAP_PERMITTED] |
		       want[RT_CAP_INHERITABLE] | want[RT_CAP_AMBIENT];
	uint64_t held = want[RT_CAP_EFFECTIVE] | want[RT_CAP_PERMITTED] | want[RT_CAP_AMBIENT];
	uint64_t bad;
	char b[16];

	if ((bad = any & ~cur_bnd))
		return error_set(err, EPERM,
				 "cannot grant %s: it is not in the runtime's bounding set",
				 cap_label(first_cap(bad), b));
	if ((bad = held & ~cur_prm))
		return error_set(err, EPERM,
				 "cannot grant %s: it is not in the runtime's permitted set",
				 cap_label(first_cap(bad), b));
	if ((bad = want[RT_CAP_EFFECTIVE] & ~want[RT_CAP_PERMITTED]))
		return error_set(err, EINVAL,
				 "process.capabilities: %s is effective but not permitted",
				 cap_label(first_cap(bad), b));
	/* capset() with CAP_SETPCAP: new inheritable within the old one
	 * plus the (by then reduced) bounding set. */
	if ((bad = want[RT_CAP_INHERITABLE] & ~(want[RT_CAP_BOUNDING] | cur_inh)))
		return error_set(err, EINVAL,
				 "process.capabilities: inheritable %s is not in the bounding set",
				 cap_label(first_cap(bad), b));
	return 0;
}

int rt_caps_apply(const struct rt_process *p, struct error *err)
{
	int last = rt_cap_last();
	uint64_t known = last >= 63 ? ~0ULL : BIT(last + 1) - 1;
	uint64_t want[RT_CAP__COUNT] = {0};
	uint64_t cur_eff, cur_prm, cur_inh, cur_bnd = 0;
	char b[16];

	/* No capabilities object: every set is empty (OCI). */
	for (int s = 0; p->has_caps && s < RT_CAP__COUNT; s++) {
		if (p->caps[s] & ~known)
			log_warn("ignoring capabilities unknown to this kernel (mask %#llx)",
				 (unsigned long long)(p->caps[s] & ~known));
		want[s] = p->caps[s] & known;
	}

	if (caps_get(&cur_eff, &cur_prm, &cur_inh) < 0)
		return error_sys(err, "cannot read the process capabilities");
	for (int c = 0; c <= last; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (r < 0)
			return error_sys(err, "cannot read %s from the bounding set",
					 cap_label(c, b));
		if (r)
			cur_bnd |= BIT(c);
	}
	/* The kernel only keeps an ambient capability that is also permitted
	 * and inheritable.  runc's own default spec lists ambient caps without
	 * inheritable ones and runc skips them; so do we, for the same
	 * configs to run the same. */
	if (want[RT_CAP_AMBIENT] & ~(want[RT_CAP_PERMITTED] & want[RT_CAP_INHERITABLE])) {
		log_debug("ignoring ambient capabilities that are not permitted and inheritable "
			  "(mask %#llx)",
			  (unsigned long long)(want[RT_CAP_AMBIENT] &
					       ~(want[RT_CAP_PERMITTED] & want[RT_CAP_INHERITABLE])));
		want[RT_CAP_AMBIENT] &= want[RT_CAP_PERMITTED] & want[RT_CAP_INHERITABLE];
	}
	if (caps_check(want, cur_bnd, cur_prm, cur_inh, err) < 0)
		return -1;

	/* 1: regain what setresuid() cleared from effective. */
	if (cur_eff != cur_prm && caps_set(cur_prm, cur_prm, cur_inh) < 0)
		return error_sys(err, "cannot raise the effective capabilities");

	/* 2: the bounding set, while CAP_SETPCAP is still effective. */
	for (int c = 0; c <= last; c++) {
		if ((cur_bnd & BIT(c)) && !(want[RT_CAP_BOUNDING] & BIT(c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return error_sys(err, "cannot drop %s from the bounding set",
					 cap_label(c, b));
	}

	/* 3: the three per-thread sets. */
	if (caps_set(want[RT_CAP_EFFECTIVE], want[RT_CAP_PERMITTED], want[RT_CAP_INHERITABLE]) < 0)
		return error_sys(err, "cannot set the process capabilities");

	/* 4: ambient, now that permitted and inheritable hold them. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return error_sys(err, "cannot clear the ambient capabilities");
	for (int c = 0; c <= last; c++) {
		if ((want[RT_CAP_AMBIENT] & BIT(c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return error_sys(err, "cannot raise ambient %s", cap_label(c, b));
	}

	/* 5 */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return error_sys(err, "cannot reset PR_SET_KEEPCAPS");
	return 0;
}
