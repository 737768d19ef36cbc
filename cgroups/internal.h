/* cgroups/ internals shared between its files. */
#ifndef NOOK_CGROUPS_INTERNAL_H
#define NOOK_CGROUPS_INTERNAL_H

#include "cgroups/cgroups.h"

struct cg_write {
	char *file;
	char *value;
	char *alt_file;  /* NULL or written instead when file is missing */
	char *alt_value;
	char *origin;    /* OCI name, for messages */
	unsigned flags;  /* CG_WRITE_* */
};

struct cg_resources {
	struct cg_write *w;
	size_t n_w;
	struct cg_device_rule *dev;
	size_t n_dev;
	bool devices_set;
};

/* "memory.max" -> "memory" into buf; false if there is no '.'. */
bool cg_file_controller(const char *file, char *buf, size_t len);

/* devices.c: build, load and attach the eBPF filter for rules to the
 * group directory fd, then detach the filters attached before it. */
int cg_devices_apply(int dirfd, const struct cg_device_rule *rules, size_t n, struct error *err);

/* cgroups.c: open "file" of the group for writing and write value. */
int cg_write_file(int dirfd, const char *file, const char *value, struct error *err);

#endif
