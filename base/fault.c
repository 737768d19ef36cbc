/* Fault injection for the crash-safety tier.  Every multi-step change to
 * the store or to container state names its steps with fault_point(); a
 * test sets NOOK_FAULT=NAME (or NAME:N for the Nth time the point is
 * reached) and the process kills itself with SIGKILL right there, exactly
 * as a `kill -9` from outside would land between two steps.  Without the
 * variable a point costs one cached pointer test. */
#include "base.h"

#include <signal.h>
#include <string.h>

static const char *fault_spec;
static bool fault_read;
static unsigned long fault_hits;

void fault_point(const char *name)
{
	const char *colon;
	size_t len;
	unsigned long want = 1;

	if (!fault_read) {
		fault_spec = getenv("NOOK_FAULT");
		fault_read = true;
	}
	if (!fault_spec || !*fault_spec)
		return;
	colon = strchr(fault_spec, ':');
	len = colon ? (size_t)(colon - fault_spec) : strlen(fault_spec);
	if (strlen(name) != len || strncmp(name, fault_spec, len) != 0)
		return;
	if (colon)
		want = strtoul(colon + 1, NULL, 10);
	if (++fault_hits < want)
		return;
	kill(getpid(), SIGKILL);
	/* SIGKILL cannot be blocked; this is never reached. */
	_exit(137);
}

bool fault_fail(const char *name)
{
	static const char *spec;
	static bool read;

	if (!read) {
		spec = getenv("NOOK_FAULT_FAIL");
		read = true;
	}
	if (!spec || !*spec)
		return false;
	for (const char *p = spec;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == strlen(name) && !strncmp(p, name, len))
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}
