/* Image commands: load, import, images, tag, rmi, save, image ..., system df|check. */
#include "cli/cli.h"
#include "image/image.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

static void store_freep(struct img_store **s)
{
	img_store_free(*s);
}
#define _cleanup_store_ _cleanup_(store_freep)

/* g->storage_root (--storage-root or $NOOK_STORAGE_ROOT, resolved by the
 * dispatcher), else the store's default; $NOOK_MAX_LAYER_SIZE bounds the
 * uncompressed size of one layer. */
static struct img_store *store_open(struct cli_globals *g, bool relaxed, struct error *err)
{
	struct img_store_opts o = {
	    .root = g->storage_root, .relaxed = relaxed, .spare = relaxed ? g->engine_spare : NULL};
	const char *max = getenv("NOOK_MAX_LAYER_SIZE");

	if (max && parse_uint64(max, &o.max_layer_size) < 0) {
		error_set(err, EINVAL, "invalid NOOK_MAX_LAYER_SIZE '%s'", max);
		return NULL;
	}
	return img_store_open(&o, err);
}

struct img_store *cli_store_open(struct cli_globals *g, struct error *err)
{
	return store_open(g, false, err);
}

struct img_store *cli_store_open_engine(struct cli_globals *g, struct error *err)
{
	return store_open(g, true, err);
}

void cli_human_size(uint64_t n, char buf[32])
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(units))
		v /= 1000, u++;
	if (u == 0)
		snprintf(buf, 32, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, 32, "%.3g%s", v, units[u]);
}

static void human_ago(int64_t t, char buf[48])
{
	int64_t d = (int64_t)time(NULL) - t;

	if (t <= 0)
		snprintf(buf, 48, "N/A");
	else if (d < 60)
		snprintf(buf, 48, "%lld seconds ago", (long long)(d < 0 ? 0 : d));
	else if (d < 3600)
		snprintf(buf, 48, "%lld minutes ago", (long long)d / 60);
	else if (d < 86400 * 2)
		snprintf(buf, 48, "%lld hours ago", (long long)d / 3600);
	else if (d < 86400 * 60)
		snprintf(buf, 48, "%lld days ago", (long long)d / 86400);
	else if (d < 86400 * 365 * 2)
		snprintf(buf, 48, "%lld months ago", (long long)d / (86400 * 30));
	else
		snprintf(buf, 48, "%lld years ago", (long long)d / (86400 * 365));
}

/* -------------------------------------------------------------- load -- */

/* Load progress.  Not on a terminal: one line per layer on stdout when it
 * is in the store.  With stderr a terminal: a line per layer on stderr,
 * redrawn in place as it unpacks (bytes, rate, share of the blob read).
 * Only rows from the first unfinished one down are redrawn, so a long
 * list scrolls by instead of climbing past the top of the screen. */
struct load_row {
	char digest[72];
	char line[160];
	bool done;
};

struct load_view {
	bool quiet, tty;
	bool summary; /* not on a terminal: no line per layer (pull) */
	struct load_row *rows;
	size_t n, first_live, drawn;
};

/* The share of the blob read, as a percentage and a 20-column bar. */
static int progress_bar(const struct img_layer_progress *p, char bar[21])
{
	int pct = p->size ? (int)(p->read * 100 / p->size) : 0;

	pct = pct > 100 ? 100 : pct;
	memset(bar, ' ', 20);
	memset(bar, '=', (size_t)pct / 5);
	bar[20] = '\0';
	return pct;
}

static void progress_line(const struct img_layer_progress *p, char *buf, size_t len)
{
	const char *id = p->diff_id ? p->diff_id : p->digest;
	double rate = p->seconds > 0 ? (double)p->bytes / 1e6 / p->seconds : 0.0;
	char sz[32], bar[21];
	int pct;

	cli_human_size(p->bytes, sz);
	switch (p->event) {
	case IMG_LAYER_REUSED:
		snprintf(buf, len, "Layer %.19s: already present", id);
		break;
	case IMG_LAYER_START:
		snprintf(buf, len, "Layer %.19s: unpacking", id);
		break;
	case IMG_LAYER_PROGRESS:
		pct = progress_bar(p, bar);
		snprintf(buf, len, "Layer %.19s: [%s] %3d%%  %s  %.1f MB/s", id, bar, pct, sz, rate);
		break;
	case IMG_LAYER_DONE:
		snprintf(buf, len, "Layer %.19s: %s in %.2fs (%.1f MB/s) done", id, sz, p->seconds,
			 rate);
		break;
	case IMG_LAYER_FETCH: {
		char eta[32] = "";

		pct = progress_bar(p, bar);
		cli_human_size(p->read, sz);
		/* bytes/seconds: this transfer's, so a resumed blob's ETA is
		 * for what is left, at the rate it comes now. */
		if (rate > 0 && p->read < p->size)
			snprintf(eta, sizeof(eta), "  ETA %.0fs",
				 (double)(p->size - p->read) / 1e6 / rate);
		snprintf(buf, len, "Layer %.19s: downloading [%s] %3d%%  %s  %.1f MB/s%s", id, bar,
			 pct, sz, rate, eta);
		break;
	}
	}
}

static void load_view_draw(struct load_view *v)
{
	if (v->drawn)
		fprintf(stderr, "\033[%zuA", v->drawn);
	for (size_t i = v->first_live; i < v->n; i++)
		fprintf(stderr, "\r\033[K%s\n", v->rows[i].line);
	v->drawn = v->n - v->first_live;
	while (v->first_live < v->n && v->rows[v->first_live].done) {
		v->first_live++;
		v->drawn--;
	}
	fflush(stderr);
}

static void load_progress(void *data, const struct img_layer_progress *p)
{
	struct load_view *v = data;
	struct load_row *r = NULL;
	char line[160];

	if (v->quiet)
		return;
	progress_line(p, line, sizeof(line));
	if (!v->tty) {
		if (v->summary)
			return;
		if (p->event == IMG_LAYER_REUSED || p->event == IMG_LAYER_DONE) {
			printf("%s\n", line);
			fflush(stdout);
		}
		return;
	}
	for (size_t i = v->first_live; i < v->n && !r; i++)
		if (!strcmp(v->rows[i].digest, p->digest))
			r = &v->rows[i];
	if (!r) {
		v->rows = xrealloc(v->rows, (v->n + 1) * sizeof(*v->rows));
		r = &v->rows[v->n++];
		memset(r, 0, sizeof(*r));
		snprintf(r->digest, sizeof(r->digest), "%s", p->digest);
	}
	memcpy(r->line, line, sizeof(line));
	r->done = p->event == IMG_LAYER_REUSED || p->event == IMG_LAYER_DONE;
	load_view_draw(v);
}

/* The options of the image commands, for their getopt and table entries
 * (load, images, rmi and save are also top-level commands). */
const struct cli_options cli_load_options = {
    ":i:q", (const struct option[]){{"input", required_argument, NULL, 'i'},
				    {"quiet", no_argument, NULL, 'q'},
				    {"platform", required_argument, NULL, 'p'},
				    {"name", required_argument, NULL, 'n'},
				    {0}}};
const struct cli_options cli_images_options = {
    ":aq", (const struct option[]){{"all", no_argument, NULL, 'a'},
				   {"quiet", no_argument, NULL, 'q'},
				   {"format", required_argument, NULL, 'f'},
				   {0}}};
const struct cli_options cli_rmi_options = {
    ":f", (const struct option[]){{"force", no_argument, NULL, 'f'}, {0}}};
const struct cli_options cli_save_options = {
    ":o:", (const struct option[]){{"output", required_argument, NULL, 'o'}, {0}}};
static const struct cli_options prune_options = {
    ":fa", (const struct option[]){
	       {"force", no_argument, NULL, 'f'}, {"all", no_argument, NULL, 'a'}, {0}}};

int cli_cmd_load(int argc, char **argv, struct cli_globals *g)
{
	struct img_load_opts o = {0};
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **loaded = NULL;
	struct load_view view = {.tty = isatty(2) == 1};
	struct error err = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_load_options.shortopts, cli_load_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i': o.path = optarg; break;
		case 'q': view.quiet = true; break;
		case 'p': o.platform = optarg; break;
		case 'n': o.name = optarg; break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	o.progress = load_progress;
	o.progress_data = &view;
	rc = !(s = cli_store_open(g, &err)) || img_load(s, &o, &loaded, &err) < 0;
	free(view.rows);
	if (rc)
		return cli_error(g, &err);
	for (size_t i = 0; loaded[i]; i++) {
		if (str_has_prefix(loaded[i], "sha256:"))
			printf("Loaded image ID: %s\n", loaded[i]);
		else
			printf("Loaded image: %s\n", img_name_familiar(loaded[i]));
	}
	return 0;
}

const struct cli_options cli_pull_options = {
    ":qa", (const struct option[]){{"quiet", no_argument, NULL, 'q'},
				   {"platform", required_argument, NULL, 'p'},
				   {"tls-verify", required_argument, NULL, 't'},
				   {"all-tags", no_argument, NULL, 'a'},
				   {"registries-conf", required_argument, NULL, 'r'},
				   {0}}};
/* The options of push and search: --tls-verify alone. */
const struct cli_options cli_tls_options = {
    ":", (const struct option[]){{"tls-verify", required_argument, NULL, 't'}, {0}}};

/* --tls-verify=true|false; false: TLS unverified, else plain HTTP. */
static int tls_verify_arg(struct cli_globals *g, const char *arg, bool *insecure)
{
	if (!strcmp(arg, "true") || !strcmp(arg, "false")) {
		*insecure = !strcmp(arg, "false");
		return 0;
	}
	return cli_usage_error(g, "--tls-verify: expected true or false, not \"%s\"", arg);
}

static int tls_only_options(struct cli_globals *g, int argc, char **argv, bool *insecure)
{
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_tls_options.shortopts, cli_tls_options.longopts,
				NULL)) != -1) {
		if (c != 't')
			return cli_bad_option(g, c, argv);
		if ((rc = tls_verify_arg(g, optarg, insecure)) != 0)
			return rc;
	}
	return 0;
}

/* Pull o->ref; the summary line (or with -q the ID) goes to out. */
static int pull_one(struct img_store *s, struct img_pull_opts *o, bool quiet, FILE *out,
		    struct error *err)
{
	struct img_pull_result res = {0};
	struct load_view view = {.tty = isatty(2) == 1, .summary = true, .quiet = quiet};
	char sz[32];
	int rc;

	o->progress = load_progress;
	o->progress_data = &view;
	rc = img_pull(s, o, &res, err);
	free(view.rows);
	if (rc < 0)
		return -1;
	cli_human_size(res.fetched_bytes, sz);
	if (quiet)
		fprintf(out, "%s\n", res.id);
	else
		fprintf(out, "Pulled %s: %zu layer%s, %zu downloaded (%s), image ID %s\n",
			res.name ? img_name_familiar(res.name) : o->ref, res.layers,
			res.layers == 1 ? "" : "s", res.fetched, sz, res.id);
	img_pull_result_release(&res);
	return 0;
}

/* Layer progress on a terminal as for load; otherwise one summary line.
 * -q: only the image ID.  --all-tags: every tag of the repository. */
int cli_cmd_pull(int argc, char **argv, struct cli_globals *g)
{
	struct img_pull_opts o = {0};
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **refs = NULL;
	struct error err = {0};
	bool quiet = false, all = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_pull_options.shortopts, cli_pull_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'q': quiet = true; break;
		case 'a': all = true; break;
		case 'p': o.platform = optarg; break;
		case 'r': o.registries_conf = optarg; break;
		case 't':
			if ((rc = tls_verify_arg(g, optarg, &o.insecure)) != 0)
				return rc;
			break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	o.ref = argv[optind];
	if (all && strpbrk(strrchr(o.ref, '/') ? strrchr(o.ref, '/') : o.ref, ":@"))
		return cli_usage_error(g,
				       "--all-tags: give a repository without tag or digest, not '%s'",
				       o.ref);
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	if (!all)
		return pull_one(s, &o, quiet, stdout, &err) < 0 ? cli_error(g, &err) : 0;
	if (img_tags_list(o.ref, o.insecure, o.registries_conf, &refs, &err) < 0)
		return cli_error(g, &err);
	if (!refs[0]) {
		error_set(&err, ENOENT, "%s has no tags", o.ref);
		return cli_error(g, &err);
	}
	for (size_t i = 0; refs[i]; i++) {
		o.ref = refs[i];
		if (pull_one(s, &o, quiet, stdout, &err) < 0)
			return cli_error(g, &err);
	}
	return 0;
}

int cli_image_ensure(struct img_store *s, const char *image, const char *policy, char **id,
		     struct error *err)
{
	struct img_pull_opts o = {.ref = image};
	struct error e;

	*id = NULL;
	if (!policy || !strcmp(policy, "missing")) {
		if (img_resolve(s, image, id, &e) == 0)
			return 0;
	} else if (!strcmp(policy, "never")) {
		return 0;
	} else if (strcmp(policy, "always")) {
		return error_set(err, EINVAL, "--pull: expected always, missing or never, not '%s'",
				 policy);
	}
	/* stdout is the container's (run) or its ID (create). */
	return pull_one(s, &o, false, stderr, err);
}

const struct cli_options cli_push_options = {
    ":", (const struct option[]){{"tls-verify", required_argument, NULL, 't'},
				 {"format", required_argument, NULL, 'f'},
				 {0}}};

int cli_cmd_push(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct img_push_result res = {0};
	struct error err = {0};
	const char *format = NULL;
	bool insecure = false;
	char sz[32];
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_push_options.shortopts, cli_push_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			if ((rc = tls_verify_arg(g, optarg, &insecure)) != 0)
				return rc;
			break;
		case 'f':
			if (strcmp(optarg, "oci") && strcmp(optarg, "v2s2"))
				return cli_usage_error(g, "--format: expected oci or v2s2, not \"%s\"",
						       optarg);
			format = optarg;
			break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 2)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    img_push(s, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL, insecure,
		     format, &res, &err) < 0)
		return cli_error(g, &err);
	cli_human_size(res.uploaded_bytes, sz);
	printf("Pushed %s: %zu blob%s, %zu uploaded (%s)", img_name_familiar(res.name), res.blobs,
	       res.blobs == 1 ? "" : "s", res.uploaded, sz);
	if (res.mounted)
		printf(", %zu mounted from %s", res.mounted, res.mounted_from);
	printf(", manifest %s\n", res.digest);
	img_push_result_release(&res);
	return 0;
}

const struct cli_options cli_login_options = {
    ":u:", (const struct option[]){{"username", required_argument, NULL, 'u'},
				   {"password-stdin", no_argument, NULL, 's'},
				   {"tls-verify", required_argument, NULL, 't'},
				   {0}}};

/* A line from stdin without its newline, or the password prompt on the
 * terminal. */
static char *read_secret(bool from_stdin, const char *prompt)
{
	char *line = NULL, *p;
	size_t cap = 0;
	ssize_t n;

	if (!from_stdin) {
		if (!isatty(0))
			return NULL;
		p = getpass(prompt);
		return p ? xstrdup(p) : NULL;
	}
	n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

int cli_cmd_login(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_free_ char *user = NULL, *pass = NULL;
	struct error err = {0};
	bool pw_stdin = false, insecure = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_login_options.shortopts, cli_login_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'u': user = xstrdup(optarg); break;
		case 's': pw_stdin = true; break;
		case 't':
			if ((rc = tls_verify_arg(g, optarg, &insecure)) != 0)
				return rc;
			break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	if (!user && pw_stdin)
		return cli_usage_error(g, "--password-stdin needs --username");
	if (!user) {
		if (!isatty(0))
			return cli_fail(g, "cannot ask for a username: stdin is not a terminal (use -u)");
		fprintf(stderr, "Username: ");
		user = read_secret(true, NULL);
	}
	pass = read_secret(pw_stdin, "Password: ");
	if (!user || !*user || !pass)
		return cli_fail(g, "cannot read the %s%s", user && *user ? "password" : "username",
				pw_stdin || isatty(0) ? "" : ": stdin is not a terminal (use --password-stdin)");
	rc = img_login(argv[optind], user, pass, insecure, &err);
	explicit_bzero(pass, strlen(pass));
	if (rc < 0)
		return cli_error(g, &err);
	printf("Login Succeeded!\n");
	return 0;
}

int cli_cmd_search(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_strv_ char **found = NULL;
	struct error err = {0};
	bool insecure = false;
	int rc;

	if ((rc = tls_only_options(g, argc, argv, &insecure)) != 0)
		return rc;
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	if (img_search(argv[optind], insecure, &found, &err) < 0)
		return cli_error(g, &err);
	for (size_t i = 0; found[i]; i++)
		printf("%s\n", found[i]);
	return 0;
}

int cli_cmd_logout(int argc, char **argv, struct cli_globals *g)
{
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (img_auth_remove(argv[optind], &err) < 0)
		return cli_error(g, &err);
	printf("Removed login credentials for %s\n", argv[optind]);
	return 0;
}

int cli_cmd_import(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 2)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    img_import(s, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL, &id, &err) < 0)
		return cli_error(g, &err);
	printf("%s\n", id);
	return 0;
}

/* ------------------------------------------------------------ images -- */

static void print_images_json(struct img_info *v, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		printf("%s\n  {\"Id\": \"%s\", \"Names\": [", i ? "," : "", v[i].id);
		for (size_t k = 0; v[i].names[k]; k++)
			printf("%s\"%s\"", k ? ", " : "", v[i].names[k]);
		printf("], \"Created\": %lld, \"Size\": %llu, \"Layers\": %zu}", (long long)v[i].created,
		       (unsigned long long)v[i].size, v[i].nlayers);
	}
	printf("%s]\n", n ? "\n" : "");
}

int cli_cmd_images(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct img_info *v = NULL;
	struct error err = {0};
	bool all = false, quiet = false, json = false;
	const char *format = NULL;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, cli_images_options.shortopts,
				cli_images_options.longopts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'q': quiet = true; break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				format = optarg; /* a template */
			break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if (!(s = cli_store_open(g, &err)) || img_list(s, all, &v, &n, &err) < 0)
		return cli_error(g, &err);
	if (format && !quiet) {
		int rc = cli_images_format(g, format, v, n);

		img_info_array_free(v, n);
		return rc;
	}
	if (json) {
		print_images_json(v, n);
	} else if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%.12s\n", v[i].id + 7);
	} else {
		printf("%-40s %-16s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
		for (size_t i = 0; i < n; i++) {
			char sz[32], ago[48];

			cli_human_size(v[i].size, sz);
			human_ago(v[i].created, ago);
			for (size_t k = 0; k == 0 || v[i].names[k]; k++) {
				_cleanup_free_ char *repo = NULL;
				const char *tag = "<none>";

				if (v[i].names[k]) {
					char *colon = strrchr(v[i].names[k], ':');

					repo = xstrndup(v[i].names[k], (size_t)(colon - v[i].names[k]));
					tag = colon + 1;
				}
				printf("%-40s %-16s %-14.12s %-16s %s\n",
				       repo ? img_name_familiar(repo) : "<none>", tag, v[i].id + 7, ago, sz);
			}
		}
	}
	img_info_array_free(v, n);
	return 0;
}

int cli_cmd_tag(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 2, 2)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_tag(s, argv[optind], argv[optind + 1], &err) < 0)
		return cli_error(g, &err);
	return 0;
}

int cli_cmd_rmi(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};
	bool force = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, cli_rmi_options.shortopts, cli_rmi_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	for (int i = optind; i < argc; i++) {
		_cleanup_strv_ char **out = NULL;

		memset(&err, 0, sizeof(err));
		if (img_remove(s, argv[i], force, &out, &err) < 0)
			rc = cli_error(g, &err);
		for (size_t k = 0; out && out[k]; k++)
			printf("%s\n", out[k]);
	}
	return rc;
}

int cli_cmd_save(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_close_ int fd = -1;
	const char *out = NULL;
	struct error err = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_save_options.shortopts, cli_save_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	if (out) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return cli_fail(g, "cannot create '%s': %s", out, strerror(errno));
	} else if (isatty(1)) {
		return cli_fail(g, "refusing to write an archive to a terminal (use -o FILE)");
	}
	if (img_save(s, argv + optind, out ? fd : 1, &err) < 0) {
		if (out)
			unlink(out);
		return cli_error(g, &err);
	}
	return 0;
}

/* ------------------------------------------------------- image family -- */

static int cmd_inspect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	struct error err = {0};
	int rc = 0;

	if ((rc = cli_only_args(g, argc, argv, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	printf("[");
	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *json = NULL;

		if (img_inspect(s, argv[i], &json, &err) < 0) {
			rc = cli_error(g, &err);
			continue;
		}
		printf("%s%s", i > optind ? ",\n" : "", json);
	}
	printf("]\n");
	return rc;
}

static int cmd_prune(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **out = NULL;
	struct error err = {0};
	uint64_t reclaimed = 0;
	bool all = false;
	char sz[32];
	int c, rc;

	while ((c = getopt_long(argc, argv, prune_options.shortopts, prune_options.longopts,
				NULL)) != -1) {
		if (c != 'f' && c != 'a')
			return cli_bad_option(g, c, argv);
		all = all || c == 'a';
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_prune(s, all, &out, &reclaimed, &err) < 0)
		return cli_error(g, &err);
	for (size_t i = 0; out[i]; i++)
		printf("%s\n", out[i]);
	cli_human_size(reclaimed, sz);
	printf("Total reclaimed space: %s\n", sz);
	return 0;
}

/* Verify the store: one line per problem on stdout, exit 1 when any. */
static int cmd_check(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **problems = NULL;
	struct img_check_stats st;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_store_check(s, &problems, &st, &err) < 0)
		return cli_error(g, &err);
	for (size_t i = 0; problems[i]; i++)
		printf("%s\n", problems[i]);
	fflush(stdout);
	if (problems[0])
		return cli_fail(g, "the store has %zu problem(s)", strv_len(problems));
	printf("Store OK: %zu images, %zu layers, %zu bundles and mounts\n", st.images, st.layers,
	       st.users);
	return 0;
}

#define PRUNE_HELP "remove untagged, unused images and unreferenced layers"

static const struct cli_command image_commands[] = {
	{"inspect", cmd_inspect, CLI_STORE | CLI_ARGS_IMAGE, "IMAGE...", "show images as a JSON array",
	 NULL, NULL},
	CLI_IMAGES_ENTRY("ls"),
	CLI_IMAGES_ENTRY("list"),
	CLI_LOAD_ENTRY,
	CLI_PULL_ENTRY,
	CLI_PUSH_ENTRY,
	CLI_IMPORT_ENTRY,
	CLI_SAVE_ENTRY,
	CLI_TAG_ENTRY,
	CLI_RMI_ENTRY("rm"),
	{"prune", cmd_prune, CLI_STORE, "[-a] [-f]", PRUNE_HELP, NULL, &prune_options},
	{"mount", cli_image_mount, CLI_STORE | CLI_ARGS_IMAGE, "IMAGE",
	 "mount a read-only view of an image, print its path", NULL, NULL},
	{"unmount", cli_image_unmount, CLI_STORE | CLI_ARGS_IMAGE, "IMAGE",
	 "unmount what 'image mount' mounted", NULL, NULL},
	{"umount", cli_image_unmount, CLI_STORE | CLI_ARGS_IMAGE, "IMAGE",
	 "unmount what 'image mount' mounted", NULL, NULL},
};

const struct cli_table cli_image_table = {
	.prog = "nook image",
	.help = "Manage images.",
	.commands = image_commands,
	.n = ARRAY_SIZE(image_commands),
	.globals = CLI_G_STORAGE_ROOT | CLI_G_HELP,
	.usage_exit = 2,
};

static const struct cli_command system_commands[] = {
	{"df", cli_cmd_system_df, CLI_STORE, "",
	 "show the space used by images, layers and containers", NULL, NULL},
	{"prune", cli_cmd_system_prune, CLI_ENGINE_FLAGS, "[-a] [-f] [--volumes]",
	 "remove stopped containers and dangling images (-a: every unused image, --volumes: "
	 "unused anonymous volumes)",
	 NULL, &cli_system_prune_options},
	{"check", cmd_check, CLI_STORE, "", "verify the store: database, layers, blobs, leftovers",
	 NULL, NULL},
};

const struct cli_table cli_system_table = {
	.prog = "nook system",
	.help = "Store-wide information and cleanup.",
	.commands = system_commands,
	.n = ARRAY_SIZE(system_commands),
	.globals = CLI_G_STORAGE_ROOT | CLI_G_HELP,
	.usage_exit = 2,
};
