/* Where a container's groups go: linux.cgroupsPath resolved per
 * hierarchy, as runc's cgroupfs driver resolves it. */
#include "cgroups/internal.h"

#include <fcntl.h>
#include <string.h>

void cg_paths_release(struct cg_paths *p)
{
	free(p->path);
	for (size_t i = 0; i < p->n_v1; i++) {
		free(p->v1[i].ctrl);
		free(p->v1[i].path);
	}
	free(p->v1);
	memset(p, 0, sizeof(*p));
}

/* "own" + "/" + rel, without a doubled '/'. */
static char *below(const char *own, const char *rel)
{
	return xasprintf("%s%s%s", own, str_has_suffix(own, "/") ? "" : "/", rel);
}

/* Is c among the comma-separated controllers of list ("cpu,cpuacct")? */
static bool in_list(const char *list, const char *c)
{
	size_t n = strlen(c);

	for (const char *s = list; s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (!strncmp(s, c, n) && (s[n] == ',' || s[n] == '\0'))
			return true;
	return false;
}

const char *cg_proc_cgroup_path(char *text, const char *ctrl)
{
	for (char *p = text, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char *c = strchr(line, ':'), *path;

		if (!c || !(path = strchr(c + 1, ':')))
			continue;
		*path++ = '\0';
		if (ctrl ? in_list(c + 1, ctrl) : c[1] == '\0')
			return path;
	}
	return NULL;
}

/* The calling process's group in the hierarchy of ctrl (NULL: the v2
 * one), from /proc/self/cgroup; "/" when it is not listed. */
static char *own_group(const char *text, const char *ctrl)
{
	_cleanup_free_ char *copy = xstrdup(text);
	const char *path = cg_proc_cgroup_path(copy, ctrl);

	return xstrdup(path && path[0] == '/' ? path : "/");
}

int cg_paths_resolve(struct cg_paths *p, const char *path, struct error *err)
{
	_cleanup_free_ char *text = NULL, *own = NULL;
	struct cg_v1_dir *dirs = NULL;
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	if (path[0] == '/') {
		p->path = xstrdup(path);
		return 0;
	}
	if (file_read_at(AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, err) < 0)
		return error_prefix(err, "cannot resolve the relative cgroup path '%s'", path);
	own = own_group(text, NULL);
	p->path = below(own, path);
	/* runc resolves a relative path in each v1 hierarchy on its own: a
	 * caller's groups may sit at different places per hierarchy. */
	if (cg_v1_find(&dirs, &n, err) < 0) {
		cg_paths_release(p);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *mine = own_group(text, dirs[i].ctrls[0]);
		_cleanup_free_ char *full = below(mine, path);

		if (!strcmp(full, p->path))
			continue;
		p->v1 = xrealloc(p->v1, (p->n_v1 + 1) * sizeof(*p->v1));
		p->v1[p->n_v1++] = (struct cg_v1_path){.ctrl = xstrdup(dirs[i].ctrls[0]),
						       .path = steal_pointer(&full)};
	}
	cg_v1_dirs_free(dirs, n);
	return 0;
}
