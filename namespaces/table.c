/* The namespace table: OCI names, /proc/PID/ns names and clone flags. */
#include "namespaces/namespaces.h"

#include <string.h>

static const struct {
	const char *oci;
	const char *proc;
	int flag;
} ns_table[] = {
	{"user", "user", CLONE_NEWUSER},  {"pid", "pid", CLONE_NEWPID},
	{"network", "net", CLONE_NEWNET}, {"ipc", "ipc", CLONE_NEWIPC},
	{"uts", "uts", CLONE_NEWUTS},     {"cgroup", "cgroup", CLONE_NEWCGROUP},
	{"time", "time", CLONE_NEWTIME},  {"mount", "mnt", CLONE_NEWNS},
};

const int ns_join_order[] = {CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
			     CLONE_NEWUTS,  CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS};
const size_t ns_join_order_len = ARRAY_SIZE(ns_join_order);

int ns_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
		if (!strcmp(name, ns_table[i].oci))
			return ns_table[i].flag;
	return 0;
}

const char *ns_name_from_flag(int flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
		if (ns_table[i].flag == flag)
			return ns_table[i].oci;
	return NULL;
}

const char *ns_proc_name(int flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
		if (ns_table[i].flag == flag)
			return ns_table[i].proc;
	return NULL;
}
