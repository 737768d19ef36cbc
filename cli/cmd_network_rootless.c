/* `nook __network NETWORK [PORT...]`: the createRuntime hook that connects
 * an engine container to pasta or slirp4netns and publishes its -p ports
 * (runtime/network_rootless.c); the container's state comes on stdin, as
 * for every OCI hook. */
#include "cli/cli.h"
#include "runtime/runtime.h"

#include <json-c/json.h>

int cli_cmd_network_hook(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *doc, *pid;
	struct error err;
	pid_t p = 0;
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1 << 16)) != 0)
		return rc;
	if (file_read_at(0, "/proc/self/fd/0", 1 << 20, &text, NULL, &err) < 0)
		return cli_fail(g, "%s", err.msg);
	doc = json_tokener_parse(text);
	if (doc && json_object_object_get_ex(doc, "pid", &pid))
		p = (pid_t)json_object_get_int(pid);
	json_object_put(doc);
	if (p <= 0)
		return cli_fail(g, "__network: no container pid in the state on stdin");
	if (rt_network_rootless_start(argv[optind], argv + optind + 1, p, &err) < 0)
		return cli_fail(g, "%s", err.msg);
	return 0;
}
