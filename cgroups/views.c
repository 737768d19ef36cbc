/* What a container's "cgroup" mount shows on a host with cgroup v1
 * hierarchies: runc's layout, one directory per hierarchy. */
#include "cgroups/internal.h"

#include <fcntl.h>
#include <string.h>

void cg_views_free(struct cg_view *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].options);
		free(v[i].own_dir);
	}
	free(v);
}

/* mnt + the group path own read from /proc/self/cgroup text (NULL: v2). */
static char *own_dir(const char *text, const char *mnt, const char *ctrl)
{
	_cleanup_free_ char *copy = xstrdup(text);
	const char *own = cg_proc_cgroup_path(copy, ctrl);

	if (!own || own[0] != '/' || !strcmp(own, "/"))
		return xstrdup(mnt);
	return xasprintf("%s%s", mnt, own);
}

int cg_views_find(struct cg_view **out, size_t *n, struct error *err)
{
	_cleanup_free_ char *text = NULL, *root = NULL;
	struct cg_v1_dir *dirs = NULL;
	struct cg_view *v;
	size_t nd = 0, k = 0;
	struct error e2;

	*out = NULL;
	*n = 0;
	if (cg_hierarchy_find(&root, &e2) < 0) {
		root = NULL;
	} else if (!strcmp(root, "/sys/fs/cgroup")) {
		return 0; /* pure v2 */
	}
	if (cg_v1_scan_all(&dirs, &nd, err) < 0)
		return -1;
	if (nd == 0)
		return 0;
	if (file_read_at(AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, err) < 0) {
		cg_v1_dirs_free(dirs, nd);
		return error_prefix(err, "cannot find the container's cgroups");
	}
	v = xzalloc((nd + 1) * sizeof(*v));
	for (size_t i = 0; i < nd; i++) {
		const char *slash = strrchr(dirs[i].mnt, '/');
		const char *name = slash ? slash + 1 : dirs[i].mnt;
		_cleanup_free_ char *opts = xstrdup("");

		/* A hierarchy mounted at "/" itself has no name to go by. */
		if (!name[0])
			continue;
		for (size_t j = 0; dirs[i].ctrls[j]; j++) {
			char *next = xasprintf("%s%s%s", opts, j ? "," : "", dirs[i].ctrls[j]);

			free(opts);
			opts = next;
		}
		v[k].name = xstrdup(name);
		v[k].options = steal_pointer(&opts);
		v[k].own_dir = own_dir(text, dirs[i].mnt, dirs[i].ctrls[0]);
		k++;
	}
	if (root) {
		/* Hybrid: the v2 hierarchy too, where the host has it. */
		v[k].name = xstrdup("unified");
		v[k].own_dir = own_dir(text, root, NULL);
		k++;
	}
	cg_v1_dirs_free(dirs, nd);
	*out = v;
	*n = k;
	return 0;
}
