/* The defaults of an ordinary user, and the user namespace its engine and
 * image commands run in (namespaces/rootless.c).  Root keeps /run/nook and
 * /var/lib/nook; anyone else gets per-user directories and never a path
 * another user could have prepared. */
#include "cli/cli.h"
#include "namespaces/namespaces.h"

#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

/* $HOME, else the passwd entry's home. */
static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : NULL;
}

const char *cli_default_root(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		return "/run/nook";
	/* Rootless: state belongs to the user, never to a shared path. */
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/nook", xdg);
	else
		snprintf(buf, sizeof(buf), "/tmp/nook-%u", (unsigned)geteuid());
	return buf;
}

const char *cli_default_storage_root(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_DATA_HOME"), *home;

	if (geteuid() == 0)
		return NULL; /* the store's own default, /var/lib/nook */
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof(buf), "%s/nook", xdg);
	else if ((home = home_dir()))
		snprintf(buf, sizeof(buf), "%s/.local/share/nook", home);
	else
		return NULL;
	return buf;
}

/* Does the command work on the store or the engine's state (and so runs
 * in the user's namespace)?  `nook oci` makes the user namespace its
 * config asks for instead, as runc and crun do; completion only reads. */
static bool wants_userns(const struct cli_globals *g, bool oci)
{
	if (oci || !(g->cmd->flags & (CLI_STATE | CLI_STORE)))
		return false;
	return strcmp(g->cmd->name, "__complete") != 0;
}

int cli_rootless_setup(struct cli_globals *g, bool oci)
{
	struct error err;
	const char *run;

	if (geteuid() == 0 || !g->cmd)
		return 0;
	run = g->root ? g->root : cli_default_root();
	/* The default state root: /tmp/nook-UID could have been made by
	 * someone else (a symlink to our victim's dir, a dir they read). */
	if (!g->root) {
		if (mkdir_p(run, 0700, &err) < 0 && err.code != EEXIST)
			return cli_fail(g, "%s", err.msg);
		if (ns_rootless_dir(run, &err) < 0)
			return cli_fail(g, "%s", err.msg);
	}
	if (!g->storage_root && (g->cmd->flags & CLI_STORE)) {
		g->storage_root = cli_default_storage_root();
		if (g->storage_root && mkdir_p(g->storage_root, 0700, &err) < 0)
			return cli_fail(g, "%s", err.msg);
	}
	if (!wants_userns(g, oci))
		return 0;
	if (mkdir_p(run, 0700, &err) < 0 || ns_rootless_enter(run, &err) < 0)
		return cli_fail(g, "rootless: %s", err.msg);
	return 0;
}
