/* config.json parser, default spec, features: unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "runtime/internal.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define CAP_BIT(c) (UINT64_C(1) << (c))

static const char full_config[] =
    "{\n"
    "  \"ociVersion\": \"1.2.0\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"consoleSize\": {\"height\": 24, \"width\": 80},\n"
    "    \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18,\n"
    "             \"additionalGids\": [5, 6, 4294967294]},\n"
    "    \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"],\n"
    "    \"env\": [\"PATH=/bin\", \"EMPTY=\"],\n"
    "    \"cwd\": \"/work\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_KILL\", \"CAP_SYS_ADMIN\"],\n"
    "      \"effective\": [\"CAP_KILL\"],\n"
    "      \"inheritable\": [],\n"
    "      \"permitted\": [\"CAP_KILL\", \"cap_chown\"],\n"
    "      \"ambient\": [\"CAP_NET_RAW\"]\n"
    "    },\n"
    "    \"rlimits\": [\n"
    "      {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096},\n"
    "      {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 18446744073709551615}\n"
    "    ],\n"
    "    \"noNewPrivileges\": true,\n"
    "    \"oomScoreAdj\": -500,\n"
    "    \"apparmorProfile\": \"\"\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "  \"hostname\": \"box\",\n"
    "  \"domainname\": \"example.org\",\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "    {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv/data\",\n"
    "     \"options\": [\"rbind\", \"ro\", \"mode=755\"]},\n"
    "    {\"destination\": \"relative/dir\", \"type\": \"tmpfs\"}\n"
    "  ],\n"
    "  \"hooks\": {\n"
    "    \"prestart\": [{\"path\": \"/bin/true\"}],\n"
    "    \"createRuntime\": [{\"path\": \"/bin/a\", \"args\": [\"a\", \"1\"],\n"
    "                       \"env\": [\"X=1\"], \"timeout\": 5},\n"
    "                      {\"path\": \"/bin/b\"}],\n"
    "    \"createContainer\": [], \"startContainer\": [{\"path\": \"/c\"}],\n"
    "    \"poststart\": [{\"path\": \"/d\"}], \"poststop\": [{\"path\": \"/e\"}]\n"
    "  },\n"
    "  \"annotations\": {\"com.example.key\": \"value\"},\n"
    "  \"x-extension\": {\"anything\": [1, 2]},\n"
    "  \"linux\": {\n"
    "    \"namespaces\": [\n"
    "      {\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"},\n"
    "      {\"type\": \"mount\"}, {\"type\": \"uts\"}, {\"type\": \"user\"},\n"
    "      {\"type\": \"ipc\", \"path\": \"\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}\n"
    "    ],\n"
    "    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
    "    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1},\n"
    "                     {\"containerID\": 1, \"hostID\": 300000, \"size\": 10}],\n"
    "    \"devices\": [\n"
    "      {\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,\n"
    "       \"fileMode\": 438, \"uid\": 0, \"gid\": 0},\n"
    "      {\"path\": \"/dev/fifo\", \"type\": \"p\"}\n"
    "    ],\n"
    "    \"cgroupsPath\": \"/nook/box\",\n"
    "    \"resources\": {\"memory\": {\"limit\": 1048576}},\n"
    "    \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"},\n"
    "    \"maskedPaths\": [\"/proc/kcore\"],\n"
    "    \"readonlyPaths\": [\"/proc/sys\", \"/proc/bus\"],\n"
    "    \"rootfsPropagation\": \"rslave\",\n"
    "    \"mountLabel\": \"\",\n"
    "    \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.msgmax\": \"8192\"},\n"
    "    \"personality\": {\"domain\": \"LINUX32\", \"flags\": [\"ADDR_NO_RANDOMIZE\"]},\n"
    "    \"timeOffsets\": {\"monotonic\": {\"secs\": -10, \"nanosecs\": 5}}\n"
    "  }\n"
    "}\n";

static void test_full_config(void **state)
{
	struct rt_spec s;
	struct error err = {0};
	const struct rt_process *p = &s.process;

	(void)state;
	if (rt_spec_parse(&s, full_config, "/bundle", &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(s.oci_version, "1.2.0");
	assert_true(p->terminal);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(strv_len(p->args), 3);
	assert_string_equal(p->args[2], "echo hi");
	assert_int_equal(strv_len(p->env), 2);
	assert_string_equal(p->env[1], "EMPTY=");
	assert_string_equal(p->cwd, "/work");
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 100);
	assert_true(p->has_umask);
	assert_int_equal(p->umask, 022);
	assert_int_equal(p->n_additional_gids, 3);
	assert_int_equal(p->additional_gids[2], 4294967294u);
	assert_true(p->has_caps);
	assert_true(p->caps[RT_CAP_BOUNDING] == (CAP_BIT(CAP_KILL) | CAP_BIT(CAP_SYS_ADMIN)));
	assert_true(p->caps[RT_CAP_EFFECTIVE] == CAP_BIT(CAP_KILL));
	assert_true(p->caps[RT_CAP_INHERITABLE] == 0);
	assert_true(p->caps[RT_CAP_PERMITTED] == (CAP_BIT(CAP_KILL) | CAP_BIT(CAP_CHOWN)));
	assert_true(p->caps[RT_CAP_AMBIENT] == CAP_BIT(CAP_NET_RAW));
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_true(p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
	assert_true(p->rlimits[1].hard == UINT64_MAX);
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);

	assert_string_equal(s.root_path, "/bundle/rootfs");
	assert_true(s.root_readonly);
	assert_string_equal(s.hostname, "box");
	assert_string_equal(s.domainname, "example.org");

	assert_int_equal(s.n_mounts, 3);
	assert_string_equal(s.mounts[0].destination, "/proc");
	assert_string_equal(s.mounts[0].type, "proc");
	assert_null(s.mounts[0].options);
	assert_string_equal(s.mounts[1].source, "/srv/data");
	assert_int_equal(strv_len(s.mounts[1].options), 3);
	assert_string_equal(s.mounts[1].options[2], "mode=755");
	assert_string_equal(s.mounts[2].destination, "/relative/dir");
	assert_null(s.mounts[2].source);

	assert_int_equal(s.n_hooks[RT_HOOK_PRESTART], 1);
	assert_int_equal(s.n_hooks[RT_HOOK_CREATE_RUNTIME], 2);
	assert_string_equal(s.hooks[RT_HOOK_CREATE_RUNTIME][0].path, "/bin/a");
	assert_string_equal(s.hooks[RT_HOOK_CREATE_RUNTIME][0].args[1], "1");
	assert_string_equal(s.hooks[RT_HOOK_CREATE_RUNTIME][0].env[0], "X=1");
	assert_int_equal(s.hooks[RT_HOOK_CREATE_RUNTIME][0].timeout, 5);
	assert_int_equal(s.hooks[RT_HOOK_CREATE_RUNTIME][1].timeout, 0);
	assert_int_equal(s.n_hooks[RT_HOOK_CREATE_CONTAINER], 0);
	assert_int_equal(s.n_hooks[RT_HOOK_START_CONTAINER], 1);
	assert_string_equal(s.hooks[RT_HOOK_POSTSTOP][0].path, "/e");
	assert_non_null(s.annotations);
	assert_string_equal(
	    json_object_get_string(json_object_object_get(s.annotations, "com.example.key")),
	    "value");

	assert_int_equal(s.n_namespaces, 8);
	assert_int_equal(s.namespaces[1].flag, CLONE_NEWNET);
	assert_string_equal(s.namespaces[1].path, "/run/netns/x");
	assert_null(s.namespaces[5].path);
	assert_non_null(rt_spec_namespace(&s, CLONE_NEWTIME));
	assert_non_null(rt_spec_namespace(&s, CLONE_NEWUSER));
	assert_int_equal(s.n_uid_mappings, 1);
	assert_int_equal(s.uid_mappings[0].host_id, 100000);
	assert_int_equal(s.uid_mappings[0].size, 65536);
	assert_int_equal(s.n_gid_mappings, 2);
	assert_int_equal(s.gid_mappings[1].container_id, 1);
	assert_int_equal(s.n_devices, 2);
	assert_string_equal(s.devices[0].path, "/dev/fuse");
	assert_int_equal(s.devices[0].type, 'c');
	assert_int_equal(s.devices[0].major, 10);
	assert_int_equal(s.devices[0].minor, 229);
	assert_true(s.devices[0].has_mode && s.devices[0].mode == 0666);
	assert_true(s.devices[0].has_uid && s.devices[0].has_gid);
	assert_int_equal(s.devices[1].type, 'p');
	assert_false(s.devices[1].has_mode);
	assert_string_equal(s.cgroups_path, "/nook/box");
	assert_non_null(json_object_object_get(s.resources, "memory"));
	assert_non_null(json_object_object_get(s.seccomp, "defaultAction"));
	assert_string_equal(s.masked_paths[0], "/proc/kcore");
	assert_null(s.masked_paths[1]);
	assert_int_equal(strv_len(s.readonly_paths), 2);
	assert_true(s.rootfs_propagation == (MS_REC | MS_SLAVE));
	assert_int_equal(s.n_sysctl, 2);
	assert_string_equal(s.sysctl[0].key, "net.ipv4.ip_forward");
	assert_string_equal(s.sysctl[0].value, "1");
	assert_string_equal(s.sysctl[1].value, "8192");
	assert_true(s.has_personality);
	assert_true(s.personality == (PER_LINUX32 | ADDR_NO_RANDOMIZE));
	assert_non_null(s.time_offsets);
	rt_spec_release(&s);
	rt_spec_release(&s); /* released twice: still safe */
}

static void test_root_path(void **state)
{
	static const char tmpl[] = "{\"ociVersion\": \"1.0.0\", \"process\": {\"args\": [\"sh\"], "
				   "\"cwd\": \"/\"}, \"root\": {\"path\": \"%s\"}}";
	struct {
		const char *bundle, *path, *want;
	} cases[] = {
	    {"/b", "rootfs", "/b/rootfs"}, {"/b/", "./rootfs/", "/b/rootfs"},
	    {"/b/c", "../r", "/b/r"},	   {"/b", "/abs//root/.", "/abs/root"},
	    {"/", "../../..", "/"},
	};
	_cleanup_free_ char *cwd = getcwd(NULL, 0);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *json = xasprintf(tmpl, cases[i].path);
		struct rt_spec s;
		struct error err = {0};

		if (rt_spec_parse(&s, json, cases[i].bundle, &err) < 0)
			fail_msg("%s", err.msg);
		assert_string_equal(s.root_path, cases[i].want);
		rt_spec_release(&s);
	}
	{
		_cleanup_free_ char *json = xasprintf(tmpl, "rootfs");
		_cleanup_free_ char *want = xasprintf("%s/rootfs", strcmp(cwd, "/") ? cwd : "");
		struct rt_spec s;
		struct error err = {0};

		assert_int_equal(rt_spec_parse(&s, json, ".", &err), 0);
		assert_string_equal(s.root_path, want);
		rt_spec_release(&s);
	}
}

/* ------------------------------------------------------------- errors -- */

static const char base_config[] =
    "{\"ociVersion\": \"1.2.0\","
    " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
    " \"root\": {\"path\": \"rootfs\"},"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}]}}";

/* Deep merge: objects merge key by key, anything else replaces. */
static void merge(json_object *dst, json_object *patch)
{
	json_object_object_foreach(patch, key, val)
	{
		json_object *old = json_object_object_get(dst, key);

		if (old && val && json_object_is_type(old, json_type_object) &&
		    json_object_is_type(val, json_type_object))
			merge(old, val);
		else
			json_object_object_add(dst, key, json_object_get(val));
	}
}

struct bad_case {
	bool raw; /* json is the whole text, not a patch on base_config */
	const char *json;
	const char *want; /* substring of the error message; NULL: must parse */
};

static const struct bad_case bad_cases[] = {
    {true, "{\"ociVersion\": \"1.0\",\n \"process\": }", "config.json: invalid JSON at line 2: "},
    {true, "{\"ociVersion\": \"1.0\",\n\n", "config.json: invalid JSON at line 3: unexpected end"},
    {true, "{} trailing", "config.json: invalid JSON at line 1"},
    {true, "", "config.json: invalid JSON at line 1"},
    {true, "[1, 2]", "config.json: expected a JSON object at the top level"},
    {false, "{\"ociVersion\": null}", "config.json: ociVersion: required field is missing"},
    {false, "{\"ociVersion\": 1}", "config.json: ociVersion: expected a string"},
    {false, "{\"process\": null}", "config.json: process: required field is missing"},
    {false, "{\"process\": []}", "config.json: process: expected an object"},
    {false, "{\"process\": {\"terminal\": 1}}",
     "config.json: process.terminal: expected a boolean"},
    {false, "{\"process\": {\"args\": []}}",
     "config.json: process.args: must be a non-empty array of strings"},
    {false, "{\"process\": {\"args\": \"sh\"}}",
     "config.json: process.args: must be a non-empty array of strings"},
    {false, "{\"process\": {\"args\": null}}",
     "config.json: process.args: must be a non-empty array of strings"},
    {false, "{\"process\": {\"args\": [\"sh\", 1]}}",
     "config.json: process.args[1]: expected a string"},
    {false, "{\"process\": {\"args\": [\"a\\u0000b\"]}}",
     "config.json: process.args[0]: contains a NUL character"},
    {false, "{\"process\": {\"env\": [\"PATH=/bin\", \"NOEQUALS\"]}}",
     "config.json: process.env[1]: \"NOEQUALS\" is not of the form KEY=VALUE"},
    {false, "{\"process\": {\"cwd\": \"tmp\"}}",
     "config.json: process.cwd: \"tmp\" is not an absolute path"},
    {false, "{\"process\": {\"cwd\": null}}",
     "config.json: process.cwd: required field is missing"},
    {false, "{\"process\": {\"user\": {\"uid\": -1}}}",
     "config.json: process.user.uid: -1 is out of range"},
    {false, "{\"process\": {\"user\": {\"uid\": 4294967296}}}",
     "config.json: process.user.uid: 4294967296 is out of range"},
    {false, "{\"process\": {\"user\": {\"gid\": 1.5}}}",
     "config.json: process.user.gid: expected an integer"},
    {false, "{\"process\": {\"user\": {\"uid\": \"0\"}}}",
     "config.json: process.user.uid: expected an integer"},
    {false, "{\"process\": {\"user\": {\"umask\": 512}}}",
     "config.json: process.user.umask: 512 is out of range"},
    {false, "{\"process\": {\"user\": {\"additionalGids\": [1, -2]}}}",
     "config.json: process.user.additionalGids[1]: -2 is out of range"},
    {false, "{\"process\": {\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_FOO\"]}}}",
     "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\""},
    {false, "{\"process\": {\"capabilities\": {\"ambient\": \"CAP_KILL\"}}}",
     "config.json: process.capabilities.ambient: expected an array"},
    {false, "{\"process\": {\"capabilities\": [\"CAP_KILL\"]}}",
     "config.json: process.capabilities: expected an object"},
    {false, "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}}",
     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {false,
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
     " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]}}",
     "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {false,
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 10, \"hard\": 5}]}}",
     "config.json: process.rlimits[0]: soft limit 10 is greater than hard limit 5"},
    {false, "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 10}]}}",
     "config.json: process.rlimits[0]: both soft and hard are required"},
    {false,
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": -1, \"hard\": 5}]}}",
     "config.json: process.rlimits[0].soft: -1 must not be negative"},
    {false, "{\"process\": {\"oomScoreAdj\": 5000}}",
     "config.json: process.oomScoreAdj: 5000 is out of range [-1000, 1000]"},
    {false, "{\"process\": {\"consoleSize\": {\"height\": true}}}",
     "config.json: process.consoleSize.height: expected an integer"},
    {false, "{\"process\": {\"apparmorProfile\": \"docker-default\"}}",
     "config.json: process.apparmorProfile: AppArmor is not supported by nook"},
    {false, "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\"}}}", NULL},
    {false, "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\"}}}",
     "config.json: process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\""},
    {false, "{\"process\": {\"ioPriority\": {\"priority\": 1}}}",
     "config.json: process.ioPriority.class: required field is missing"},
    {false, "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}}}",
     "config.json: process.ioPriority.priority: 8 is out of range [0, 7]"},
    {false, "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 1}}}", NULL},
    {false, "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_ISO\"}}}",
     "config.json: process.scheduler.policy: unknown or unsupported policy \"SCHED_ISO\""},
    {false, "{\"process\": {\"scheduler\": {\"nice\": 3}}}",
     "config.json: process.scheduler.policy: required field is missing"},
    {false, "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 20}}}",
     "config.json: process.scheduler.nice: 20 is out of range [-20, 19]"},
    {false, "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_RR\", \"flags\": [\"SCHED_FLAG_X\"]}}}",
     "config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\""},
    {false, "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": -1}}}",
     "config.json: process.scheduler.runtime: -1 must not be negative"},
    {false, "{\"process\": {\"execCPUAffinity\": {\"initial\": \"0\"}}}",
     "config.json: process.execCPUAffinity: exec CPU affinity is not supported by nook"},
    {false, "{\"root\": null}", "config.json: root: required field is missing"},
    {false, "{\"root\": {\"path\": \"\"}}", "config.json: root.path: must not be empty"},
    {false, "{\"root\": {\"readonly\": \"yes\"}}",
     "config.json: root.readonly: expected a boolean"},
    {false, "{\"hostname\": 7}", "config.json: hostname: expected a string"},
    {false, "{\"hostname\": \"h\"}",
     "config.json: hostname: setting it needs a uts namespace (new or joined) in "
     "linux.namespaces"},
    {false, "{\"mounts\": {}}", "config.json: mounts: expected an array"},
    {false, "{\"mounts\": [{\"type\": \"tmpfs\"}]}",
     "config.json: mounts[0].destination: required field is missing"},
    {false, "{\"mounts\": [{\"destination\": \"/a\"}, 3]}",
     "config.json: mounts[1]: expected an object"},
    {false, "{\"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", false]}]}",
     "config.json: mounts[0].options[1]: expected a string"},
    {false,
     "{\"mounts\": [{\"destination\": \"/a\", \"uidMappings\": [{\"containerID\": 0, "
     "\"hostID\": 1, \"size\": 1}]}]}",
     "config.json: mounts[0].uidMappings: an idmapped mount is not supported by nook"},
    {false, "{\"hooks\": {\"prestart\": [{\"path\": \"true\"}]}}",
     "config.json: hooks.prestart[0].path: \"true\" is not an absolute path"},
    {false, "{\"hooks\": {\"poststop\": [{\"path\": \"/t\", \"timeout\": 0}]}}",
     "config.json: hooks.poststop[0].timeout: must be greater than zero"},
    {false, "{\"hooks\": {\"createRuntime\": {\"path\": \"/t\"}}}",
     "config.json: hooks.createRuntime: expected an array"},
    {false, "{\"hooks\": {\"startContainer\": [{\"path\": \"/t\", \"args\": \"x\"}]}}",
     "config.json: hooks.startContainer[0].args: expected an array"},
    {false, "{\"annotations\": {\"a\": 1}}", "config.json: annotations[\"a\"]: expected a string"},
    {false, "{\"windows\": {}}", "config.json: windows: not a Linux config"},
    {false, "{\"solaris\": {}}", "config.json: solaris: not a Linux config"},
    {false, "{\"linux\": []}", "config.json: linux: expected an object"},
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, "
     "{\"type\": \"foo\"}]}}",
     "config.json: linux.namespaces[2].type: unknown namespace \"foo\""},
    {false, "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
     "config.json: linux.namespaces[1].type: duplicate namespace \"pid\""},
    {false, "{\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}}",
     "config.json: linux.namespaces[0].type: unknown namespace \"net\""},
    {false, "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"netns\"}]}}",
     "config.json: linux.namespaces[0].path: \"netns\" is not an absolute path"},
    {false, "{\"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}}",
     "config.json: linux.namespaces[0].type: required field is missing"},
    {false, "{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
     "config.json: linux.uidMappings: given without a user namespace"},
    {false, "{\"linux\": {\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
     "config.json: linux.gidMappings: given without a user namespace"},
    {false, "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
     "config.json: linux.uidMappings: required for a new user namespace"},
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": "
     "0, \"hostID\": 1, \"size\": 1}]}}",
     "config.json: linux.gidMappings: required for a new user namespace"},
    {false, "{\"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}]}}",
     NULL},
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": "
     "0, \"hostID\": 1, \"size\": 0}]}}",
     "config.json: linux.uidMappings[0].size: 0 is out of range"},
    {false, "{\"linux\": {\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1}]}}",
     "config.json: linux.gidMappings[0]: containerID, hostID and size are required"},
    /* The full identity map, as the initial user namespace shows it. */
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": "
     "0, \"hostID\": 0, \"size\": 4294967295}], \"gidMappings\": [{\"containerID\": 0, "
     "\"hostID\": 0, \"size\": 4294967295}]}}",
     NULL},
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": "
     "1, \"hostID\": 0, \"size\": 4294967295}]}}",
     "config.json: linux.uidMappings[0]: containerID 1 or hostID 0 plus size 4294967295 goes "
     "past 4294967295"},
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"gidMappings\": [{\"containerID\": "
     "0, \"hostID\": 7, \"size\": 4294967290}]}}",
     "config.json: linux.gidMappings[0]: containerID 0 or hostID 7 plus size"},
    {false,
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": "
     "0, \"hostID\": 0, \"size\": 4294967296}]}}",
     "config.json: linux.uidMappings[0].size: 4294967296 is out of range"},
    {false, "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\"}]}}",
     "config.json: linux.devices[0].type: unknown device type \"x\""},
    {false,
     "{\"linux\": {\"devices\": [{\"path\": \"dev/x\", \"type\": \"c\", \"major\": 1, "
     "\"minor\": 3}]}}",
     "config.json: linux.devices[0].path: \"dev/x\" is not an absolute path"},
    {false, "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": 8}]}}",
     "config.json: linux.devices[0]: major and minor are required for type b"},
    {false,
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": 1, "
     "\"minor\": 3, \"fileMode\": 65536}]}}",
     "config.json: linux.devices[0].fileMode: 65536 is out of range"},
    {false, "{\"linux\": {\"cgroupsPath\": [\"a\"]}}",
     "config.json: linux.cgroupsPath: expected a string"},
    {false, "{\"linux\": {\"resources\": 1}}", "config.json: linux.resources: expected an object"},
    {false, "{\"linux\": {\"seccomp\": []}}", "config.json: linux.seccomp: expected an object"},
    {false, "{\"linux\": {\"maskedPaths\": [\"proc/kcore\"]}}",
     "config.json: linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path"},
    {false, "{\"linux\": {\"readonlyPaths\": [\"/a\", null]}}",
     "config.json: linux.readonlyPaths[1]: expected a string"},
    {false, "{\"linux\": {\"rootfsPropagation\": \"bogus\"}}",
     "config.json: linux.rootfsPropagation: unknown propagation \"bogus\""},
    {false, "{\"linux\": {\"intelRdt\": {\"closID\": \"x\"}}}",
     "config.json: linux.intelRdt: Intel RDT is not supported by nook"},
    {false, "{\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_BIND\"}}}",
     "config.json: linux.memoryPolicy: setting a memory policy is not supported by nook"},
    {false, "{\"linux\": {\"sysctl\": {\"kernel.shmmax\": 1}}}",
     "config.json: linux.sysctl[\"kernel.shmmax\"]: expected a string"},
    {false, "{\"linux\": {\"personality\": {\"domain\": \"BSD\"}}}",
     "config.json: linux.personality.domain: unknown domain \"BSD\""},
    {false, "{\"linux\": {\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"NOPE\"]}}}",
     "config.json: linux.personality.flags[0]: unknown flag \"NOPE\""},
    {false, "{\"linux\": {\"timeOffsets\": {\"realtime\": {\"secs\": 1, \"nanosecs\": 0}}}}",
     "config.json: linux.timeOffsets.realtime: unknown clock"},
    {false,
     "{\"linux\": {\"timeOffsets\": {\"boottime\": {\"secs\": 1, \"nanosecs\": 1000000000}}}}",
     "config.json: linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range"},
    {false, "{\"linux\": {\"timeOffsets\": {\"boottime\": {\"secs\": 1, \"nanosecs\": 0}}}}",
     "config.json: linux.timeOffsets: given without a time namespace"},
};

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct rt_spec s;
		struct error err = {0};
		json_object *doc = NULL, *patch;
		const char *text = c->json;

		if (!c->raw) {
			doc = json_tokener_parse(base_config);
			patch = json_tokener_parse(c->json);
			if (!doc || !patch)
				fail_msg("case %zu: test JSON does not parse", i);
			merge(doc, patch);
			json_object_put(patch);
			text = json_object_to_json_string(doc);
		}
		if (!c->want) { /* a near miss that must parse */
			if (rt_spec_parse(&s, text, "/bundle", &err) < 0)
				fail_msg("case %zu: %s: %s", i, c->json, err.msg);
			rt_spec_release(&s);
			json_object_put(doc);
			continue;
		}
		if (rt_spec_parse(&s, text, "/bundle", &err) == 0)
			fail_msg("case %zu: %s parsed, expected \"%s\"", i, c->json, c->want);
		if (!strstr(err.msg, c->want))
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, err.msg, c->want);
		assert_null(s.doc); /* released on failure */
		rt_spec_release(&s);
		json_object_put(doc);
	}
}

/* base_config with patch merged in, as config.json text (caller frees). */
static char *patched_config(const char *patch_json)
{
	json_object *doc = json_tokener_parse(base_config);
	json_object *patch = json_tokener_parse(patch_json);
	char *text;

	if (!doc || !patch)
		fail_msg("test JSON does not parse: %s", patch_json);
	merge(doc, patch);
	text = xstrdup(json_object_to_json_string(doc));
	json_object_put(patch);
	json_object_put(doc);
	return text;
}

/* One format for every wrong JSON type across runtime/ (config parser,
 * hooks, id maps, sysctls, annotations, linux.resources): the path, what
 * was expected and what was found.  Never an abort, never accepted. */
static void test_type_errors_one_format(void **state)
{
	static const struct {
		const char *patch, *want;
	} spec_cases[] = {
	    {"{\"process\": {\"terminal\": \"yes\"}}",
	     "config.json: process.terminal: expected a boolean, got a string"},
	    {"{\"process\": {\"user\": {\"uid\": 1.5}}}",
	     "config.json: process.user.uid: expected an integer, got a number"},
	    {"{\"root\": {\"path\": \"rootfs\", \"readonly\": 1}}",
	     "config.json: root.readonly: expected a boolean, got an integer"},
	    {"{\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\", \"timeout\": \"5\"}]}}",
	     "config.json: hooks.prestart[0].timeout: expected an integer, got a string"},
	    {"{\"hooks\": {\"poststop\": {}}}",
	     "config.json: hooks.poststop: expected an array, got an object"},
	    {"{\"mounts\": [{\"destination\": \"/x\", \"options\": \"ro\"}]}",
	     "config.json: mounts[0].options: expected an array, got a string"},
	    {"{\"annotations\": {\"a\": true}}",
	     "config.json: annotations[\"a\"]: expected a string, got a boolean"},
	    {"{\"linux\": {\"namespaces\": \"pid\"}}",
	     "config.json: linux.namespaces: expected an array, got a string"},
	    {"{\"linux\": {\"devices\": [7]}}",
	     "config.json: linux.devices[0]: expected an object, got an integer"},
	    {"{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": "
	     "\"1\"}]}}",
	     "config.json: linux.uidMappings[0].size: expected an integer, got a string"},
	    {"{\"linux\": {\"sysctl\": {\"net.core.somaxconn\": 1024}}}",
	     "config.json: linux.sysctl[\"net.core.somaxconn\"]: expected a string, got an "
	     "integer"},
	    {"{\"linux\": {\"resources\": [1]}}",
	     "config.json: linux.resources: expected an object, got an array"},
	};
	static const struct {
		const char *resources, *want;
	} resource_cases[] = {
	    {"{\"pids\": {\"limit\": \"10\"}}",
	     "config.json: linux.resources.pids.limit: expected an integer, got a string"},
	    {"{\"memory\": {\"disableOOMKiller\": \"true\"}}",
	     "config.json: linux.resources.memory.disableOOMKiller: expected a boolean, got a "
	     "string"},
	    {"{\"cpu\": {\"cpus\": 0}}",
	     "config.json: linux.resources.cpu.cpus: expected a string, got an integer"},
	    {"{\"cpu\": []}", "config.json: linux.resources.cpu: expected an object, got an array"},
	    {"{\"devices\": [{\"allow\": \"yes\"}]}",
	     "config.json: linux.resources.devices[0].allow: expected a boolean, got a string"},
	    {"{\"blockIO\": {\"weightDevice\": {}}}",
	     "config.json: linux.resources.blockIO.weightDevice: expected an array, got an object"},
	    {"{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1.5}]}",
	     "config.json: linux.resources.hugepageLimits[0].limit: expected an integer, got a "
	     "number"},
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(spec_cases); i++) {
		_cleanup_free_ char *text = patched_config(spec_cases[i].patch);
		struct rt_spec s;
		struct error err = {0};

		if (rt_spec_parse(&s, text, "/bundle", &err) == 0)
			fail_msg("%s: accepted", spec_cases[i].patch);
		assert_string_equal(err.msg, spec_cases[i].want);
		assert_int_equal(err.code, EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(resource_cases); i++) {
		json_object *o = json_tokener_parse(resource_cases[i].resources);
		struct cg_resources *res = NULL;
		struct error err = {0};

		assert_non_null(o);
		if (rt_resources_parse(o, &res, &err) == 0)
			fail_msg("%s: accepted", resource_cases[i].resources);
		assert_null(res);
		assert_string_equal(err.msg, resource_cases[i].want);
		json_object_put(o);
	}
}

/* linux.mountLabel and process.selinuxLabel: ignored where SELinux is
 * not enabled (as crun), refused where it is (nook cannot apply them);
 * a wrong type is an error either way. */
static void test_selinux_labels(void **state)
{
	static const char *const patches[] = {
	    "{\"linux\": {\"mountLabel\": \"system_u:object_r:container_file_t:s0\"}}",
	    "{\"process\": {\"selinuxLabel\": \"system_u:system_r:container_t:s0\"}}",
	};
	static const char *const refusals[] = {
	    "config.json: linux.mountLabel: SELinux labels are not supported by nook",
	    "config.json: process.selinuxLabel: SELinux labels are not supported by nook",
	};
	struct statfs sf;
	bool selinux = statfs("/sys/fs/selinux", &sf) == 0 && sf.f_type == 0xf97cff8c;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(patches); i++) {
		_cleanup_free_ char *text = patched_config(patches[i]);
		struct rt_spec s;
		struct error err = {0};
		int r = rt_spec_parse(&s, text, "/bundle", &err);

		if (selinux) {
			assert_int_equal(r, -1);
			assert_string_equal(err.msg, refusals[i]);
		} else {
			if (r < 0)
				fail_msg("%s: %s", patches[i], err.msg);
			rt_spec_release(&s);
		}
	}
	{
		_cleanup_free_ char *text = patched_config("{\"linux\": {\"mountLabel\": 5}}");
		struct rt_spec s;
		struct error err = {0};

		assert_int_equal(rt_spec_parse(&s, text, "/bundle", &err), -1);
		assert_string_equal(
		    err.msg, "config.json: linux.mountLabel: expected a string, got an integer");
	}
}

static void test_base_config_parses(void **state)
{
	struct rt_spec s;
	struct error err = {0};

	(void)state;
	if (rt_spec_parse(&s, base_config, "/b", &err) < 0)
		fail_msg("%s", err.msg);
	assert_false(s.process.has_caps);
	assert_false(s.process.terminal);
	assert_int_equal(s.process.uid, 0);
	assert_null(s.process.env);
	rt_spec_release(&s);
}

/* ------------------------------------------------------------ process -- */

static void test_process_json(void **state)
{
	struct rt_process p;
	struct error err = {0};
	json_object *o;

	(void)state;
	o = json_tokener_parse("{\"args\": [\"ls\"], \"cwd\": \"/\", \"terminal\": false,"
			       " \"user\": {\"uid\": 5}, \"env\": [\"A=b\"]}");
	assert_int_equal(rt_process_parse(&p, o, "process.json", &err), 0);
	assert_string_equal(p.args[0], "ls");
	assert_int_equal(p.uid, 5);
	rt_process_release(&p);
	json_object_put(o);

	o = json_tokener_parse("{\"args\": [\"ls\"], \"cwd\": \"/\", \"terminal\": \"no\"}");
	assert_int_equal(rt_process_parse(&p, o, "process.json", &err), -1);
	assert_string_equal(err.msg, "process.json: terminal: expected a boolean, got a string");
	assert_null(p.args);
	json_object_put(o);

	o = json_tokener_parse("{\"cwd\": \"/\"}");
	assert_int_equal(rt_process_parse(&p, o, "process.json", &err), -1);
	assert_string_equal(err.msg, "process.json: args: must be a non-empty array of strings");
	assert_int_equal(rt_process_parse(&p, o, "process", &err), -1);
	assert_string_equal(err.msg, "process.args: must be a non-empty array of strings");
	json_object_put(o);

	o = json_tokener_parse("{\"args\": [\"ls\"], \"cwd\": \"/\","
			       " \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"nice\": -3,"
			       " \"priority\": 0, \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\","
			       " \"SCHED_FLAG_RECLAIM\"], \"runtime\": 10, \"deadline\": 20,"
			       " \"period\": 30}, \"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\","
			       " \"priority\": 4}}");
	assert_int_equal(rt_process_parse(&p, o, "process.json", &err), 0);
	assert_true(p.has_scheduler);
	assert_int_equal(p.scheduler.policy, 6);
	assert_int_equal(p.scheduler.nice, -3);
	assert_int_equal(p.scheduler.flags, 0x03);
	assert_int_equal(p.scheduler.runtime, 10);
	assert_int_equal(p.scheduler.deadline, 20);
	assert_int_equal(p.scheduler.period, 30);
	assert_true(p.has_io_priority);
	assert_int_equal(p.io_priority_class, 1);
	assert_int_equal(p.io_priority, 4);
	rt_process_release(&p);
	json_object_put(o);

	o = json_tokener_parse("[1]");
	assert_int_equal(rt_process_parse(&p, o, "process.json", &err), -1);
	assert_string_equal(err.msg, "process.json: expected a JSON object");
	json_object_put(o);
}

/* ------------------------------------------------------- default spec -- */

static void test_default_roundtrip(void **state)
{
	_cleanup_free_ char *text = rt_spec_default(false);
	uint64_t caps =
	    CAP_BIT(CAP_AUDIT_WRITE) | CAP_BIT(CAP_KILL) | CAP_BIT(CAP_NET_BIND_SERVICE);
	struct rt_spec s;
	struct error err = {0};

	(void)state;
	if (rt_spec_parse(&s, text, "/bundle", &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(s.oci_version, NOOK_OCI_VERSION);
	assert_true(s.process.terminal);
	assert_string_equal(s.process.args[0], "sh");
	assert_null(s.process.args[1]);
	assert_int_equal(strv_len(s.process.env), 2);
	assert_string_equal(s.process.cwd, "/");
	assert_true(s.process.caps[RT_CAP_BOUNDING] == caps);
	assert_true(s.process.caps[RT_CAP_EFFECTIVE] == caps);
	assert_true(s.process.caps[RT_CAP_PERMITTED] == caps);
	assert_true(s.process.caps[RT_CAP_INHERITABLE] == 0);
	assert_true(s.process.caps[RT_CAP_AMBIENT] == 0);
	assert_int_equal(s.process.n_rlimits, 1);
	assert_int_equal(s.process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_true(s.process.rlimits[0].soft == 1024 && s.process.rlimits[0].hard == 1024);
	assert_true(s.process.no_new_privileges);
	assert_string_equal(s.root_path, "/bundle/rootfs");
	assert_true(s.root_readonly);
	assert_string_equal(s.hostname, "nook");
	assert_int_equal(s.n_mounts, 7);
	assert_string_equal(s.mounts[6].destination, "/sys/fs/cgroup");
	assert_string_equal(s.mounts[6].type, "cgroup");
	assert_string_equal(s.mounts[2].options[5], "gid=5");
	assert_int_equal(s.n_namespaces, 6);
	assert_non_null(rt_spec_namespace(&s, CLONE_NEWNET));
	assert_non_null(rt_spec_namespace(&s, CLONE_NEWCGROUP));
	assert_null(rt_spec_namespace(&s, CLONE_NEWUSER));
	assert_int_equal(s.n_uid_mappings, 0);
	assert_non_null(s.resources);
	assert_int_equal(strv_len(s.masked_paths), 11);
	assert_int_equal(strv_len(s.readonly_paths), 5);
	rt_spec_release(&s);
}

static void test_default_rootless(void **state)
{
	_cleanup_free_ char *text = rt_spec_default(true);
	struct rt_spec s;
	struct error err = {0};

	(void)state;
	if (rt_spec_parse(&s, text, "/bundle", &err) < 0)
		fail_msg("%s", err.msg);
	assert_non_null(rt_spec_namespace(&s, CLONE_NEWUSER));
	assert_null(rt_spec_namespace(&s, CLONE_NEWNET));
	assert_int_equal(s.n_uid_mappings, 1);
	assert_int_equal(s.uid_mappings[0].host_id, getuid());
	assert_int_equal(s.uid_mappings[0].container_id, 0);
	assert_int_equal(s.gid_mappings[0].host_id, getgid());
	assert_null(s.resources);
	assert_int_equal(s.n_mounts, 6);
	for (size_t i = 0; i < s.n_mounts; i++) {
		assert_string_not_equal(s.mounts[i].destination, "/sys/fs/cgroup");
		for (size_t j = 0; s.mounts[i].options && s.mounts[i].options[j]; j++)
			assert_false(str_has_prefix(s.mounts[i].options[j], "gid="));
	}
	assert_string_equal(s.mounts[5].destination, "/sys");
	assert_string_equal(s.mounts[5].source, "/sys");
	assert_string_equal(s.mounts[5].options[0], "rbind");
	rt_spec_release(&s);
}

static void test_spec_write(void **state)
{
	char dir[] = "/tmp/nook-test-spec-XXXXXX";
	_cleanup_free_ char *path = NULL;
	struct rt_spec s;
	struct error err = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/config.json", dir);
	if (rt_spec_write(dir, false, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	if (rt_spec_load(&s, dir, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(s.hostname, "nook");
	rt_spec_release(&s);
	assert_int_equal(rt_spec_write(dir, true, NULL, &err), -1);
	assert_string_equal(err.msg, "File config.json exists. Remove it first");
	assert_int_equal(err.code, EEXIST);
	unlink(path);
	rmdir(dir);

	assert_int_equal(rt_spec_load(&s, dir, &err), -1);
	assert_non_null(strstr(err.msg, "config.json"));
	assert_int_equal(err.code, ENOENT);
	rt_spec_release(&s);
}

/* ----------------------------------------------------------- features -- */

static bool array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s))
			return true;
	return false;
}

static void test_features(void **state)
{
	_cleanup_free_ char *text = rt_features();
	json_object *doc = json_tokener_parse(text), *lin, *v;

	(void)state;
	assert_non_null(doc);
	assert_string_equal(json_object_get_string(json_object_object_get(doc, "ociVersionMin")),
			    "1.0.0");
	assert_string_equal(json_object_get_string(json_object_object_get(doc, "ociVersionMax")),
			    NOOK_OCI_VERSION);
	assert_true(array_has(json_object_object_get(doc, "hooks"), "createRuntime"));
	assert_true(array_has(json_object_object_get(doc, "mountOptions"), "rbind"));
	lin = json_object_object_get(doc, "linux");
	assert_true(array_has(json_object_object_get(lin, "namespaces"), "user"));
	assert_true(array_has(json_object_object_get(lin, "capabilities"), "CAP_SYS_ADMIN"));
	assert_true(
	    array_has(json_object_object_get(lin, "capabilities"), "CAP_CHECKPOINT_RESTORE"));
	v = json_object_object_get(lin, "cgroup");
	assert_true(json_object_get_boolean(json_object_object_get(v, "v2")));
	assert_true(json_object_get_boolean(json_object_object_get(v, "v1")));
	v = json_object_object_get(lin, "seccomp");
	assert_true(json_object_get_boolean(json_object_object_get(v, "enabled")));
	assert_true(array_has(json_object_object_get(v, "actions"), "SCMP_ACT_ERRNO"));
	assert_true(array_has(json_object_object_get(v, "operators"), "SCMP_CMP_MASKED_EQ"));
	assert_true(array_has(json_object_object_get(v, "archs"), "SCMP_ARCH_X86_64"));
	v = json_object_object_get(lin, "apparmor");
	assert_false(json_object_get_boolean(json_object_object_get(v, "enabled")));
	v = json_object_object_get(lin, "selinux");
	assert_false(json_object_get_boolean(json_object_object_get(v, "enabled")));
	v = json_object_object_get(lin, "intelRdt");
	assert_false(json_object_get_boolean(json_object_object_get(v, "enabled")));
	v = json_object_object_get(doc, "annotations");
	assert_string_equal(
	    json_object_get_string(json_object_object_get(v, "io.github.nook.version")),
	    NOOK_VERSION);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_config),
	    cmocka_unit_test(test_root_path),
	    cmocka_unit_test(test_base_config_parses),
	    cmocka_unit_test(test_bad_configs),
	    cmocka_unit_test(test_type_errors_one_format),
	    cmocka_unit_test(test_selinux_labels),
	    cmocka_unit_test(test_process_json),
	    cmocka_unit_test(test_default_roundtrip),
	    cmocka_unit_test(test_default_rootless),
	    cmocka_unit_test(test_spec_write),
	    cmocka_unit_test(test_features),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
