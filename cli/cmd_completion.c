/* Shell completion.  `nook completion bash|zsh|fish` prints a small script;
 * at each TAB the script asks `nook __complete -- WORD...` (the words of
 * the command line up to the cursor, the last one being completed), which
 * walks the same tables the dispatcher walks: global options per table,
 * nested families, and each command's options as its handler's getopt
 * takes them (struct cli_options).  A command added to a table completes
 * without a change here.
 *
 * __complete prints what the shell should offer: a first line "words",
 * "files" or "dirs", then for "words" one candidate per line (the shell
 * filters them by the typed prefix).  It never fails loudly: a word it does
 * not understand just yields no candidates. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------- options of a command -- */

int cli_option_short(const struct cli_options *opts, const struct option *o)
{
	const char *p;

	if (!opts || o->flag || o->val <= 0 || o->val > 127 || !isalnum(o->val))
		return 0;
	p = strchr(opts->shortopts, o->val);
	return p ? o->val : 0;
}

/* Where in usage "--name" (or "-n") stands as an option word. */
static const char *usage_find(const char *usage, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(usage, word); p; p = strstr(p + 1, word)) {
		bool start = p == usage || p[-1] == ' ' || p[-1] == '[' || p[-1] == '|';

		if (start && (p[n] == ' ' || p[n] == '='))
			return p + n + 1;
	}
	return NULL;
}

void cli_option_arg(const struct cli_command *c, const struct option *o, char *buf, size_t size)
{
	char word[64];
	const char *p;
	int s = cli_option_short(c->opts, o);
	size_t n;
	int depth = 0;

	snprintf(word, sizeof(word), "--%s", o->name);
	p = usage_find(c->usage, word);
	if (!p && s) {
		snprintf(word, sizeof(word), "-%c", s);
		p = usage_find(c->usage, word);
	}
	/* Up to a space or to the ']' closing the option ("[--env K=V]...",
	 * "[--user UID[:GID]]"). */
	for (n = 0; p && p[n] && p[n] != ' '; n++) {
		if (p[n] == '[')
			depth++;
		else if (p[n] == ']' && --depth < 0)
			break;
	}
	if (!n || *p == '[' || *p == '-')
		snprintf(buf, size, "VALUE");
	else
		snprintf(buf, size, "%.*s", (int)n, p);
}

/* The long option of opts that arg spells: "--bundle", "-bundle" (runc's
 * single dash), "--bundle=X", or a unique prefix as getopt takes it. */
static const struct option *long_find(const struct cli_options *opts, const char *arg,
				      const char **value)
{
	const char *a = arg + (arg[1] == '-' ? 2 : 1);
	size_t n = strcspn(a, "=");
	const struct option *hit = NULL;
	int hits = 0;

	*value = NULL;
	for (const struct option *o = opts ? opts->longopts : NULL; o && o->name; o++) {
		if (strncmp(o->name, a, n) != 0)
			continue;
		hit = o;
		if (o->name[n] == '\0') {
			hits = 1;
			break;
		}
		hits++;
	}
	if (hits != 1 || !n)
		return NULL;
	if (a[n] == '=')
		*value = a + n + 1;
	return hit;
}

/* ------------------------------------------------------------ the walk -- */

struct walk {
	const struct cli_table *t;
	const struct cli_command *c; /* NULL at table level */
	int after_help;		     /* -1, else words after "help" */
	bool dashdash;
	bool dead; /* an unknown command: nothing to offer */
	int operands;
	const char *root;
	const char *storage_root;
	char value_arg[64]; /* the current word is the value of an option named so */
};

/* The option of the command that word spells, short ("-i", a cluster
 * "-aq", "-iFILE") or long; *value is what is attached to it ("=X", the
 * rest of a cluster) or NULL.  NULL when word names no option taking a
 * value. */
static const struct option *option_find(const struct cli_options *opts, const char *word,
					const char **value)
{
	/* A short option known to getopt but without a long name. */
	static const struct option anonymous = {"", required_argument, NULL, 0};

	*value = NULL;
	if (!opts)
		return NULL;
	/* One dash and more than one letter: getopt_long_only reads a long
	 * option (runc's -bundle) before a cluster. */
	if (word[1] != '-' && (!word[2] || !long_find(opts, word, value))) {
		for (const char *p = word + 1; *p; p++) {
			const char *s = strchr(opts->shortopts, *p);

			if (*p == ':' || *p == '+' || !s)
				return NULL;
			if (s[1] != ':')
				continue;
			*value = p[1] ? p + 1 : NULL;
			for (const struct option *o = opts->longopts; o->name; o++)
				if (cli_option_short(opts, o) == *p)
					return o;
			return &anonymous;
		}
		return NULL;
	}
	return long_find(opts, word, value);
}

/* The name of the value that word takes (DIR, table|json) into buf; false
 * when word is no option taking a value.  *value as option_find's. */
static bool value_name(const struct walk *w, const char *word, const char **value, char *buf,
		       size_t size)
{
	const struct cli_global_option *g;
	const struct option *o;

	if (!w->c) {
		g = cli_global_find(w->t->globals, word, value);
		if (!g || !g->arg)
			return false;
		snprintf(buf, size, "%s", g->arg);
		return true;
	}
	/* CLI_STORE: --storage-root after the command too. */
	if ((w->c->flags & CLI_STORE) && (g = cli_global_find(CLI_G_STORAGE_ROOT, word, value))) {
		snprintf(buf, size, "%s", g->arg);
		return true;
	}
	o = option_find(w->c->opts, word, value);
	if (!o || o->has_arg != required_argument)
		return false;
	if (o->name[0])
		cli_option_arg(w->c, o, buf, size);
	else
		snprintf(buf, size, "VALUE");
	return true;
}

/* An option word (next: the word after it, NULL when that one is being
 * completed).  Returns the words it used; with next NULL and a value to
 * come, value_arg names that value. */
static int walk_option(struct walk *w, const char *word, const char *next)
{
	char name[sizeof(w->value_arg)];
	const char *v;

	if (!value_name(w, word, &v, name, sizeof(name)))
		return 1;
	if (!v && !next) {
		memcpy(w->value_arg, name, sizeof(name));
		return 1;
	}
	if (!v)
		v = next;
	if (!w->c && cli_global_find(CLI_G_ROOT, word, &(const char *){NULL}))
		w->root = v;
	if (cli_global_find(CLI_G_STORAGE_ROOT, word, &(const char *){NULL}))
		w->storage_root = v;
	return v == next ? 2 : 1;
}

static const struct cli_command *find(const struct cli_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->commands[i].name, name))
			return &t->commands[i];
	return NULL;
}

static bool options_allowed(const struct walk *w)
{
	return !w->dashdash && !((w->c->flags & CLI_OPERANDS_END) && w->operands > 0);
}

/* One complete word (next: the word after it, NULL when that is the one
 * being completed).  Returns how many words it used. */
static int walk_word(struct walk *w, const char *word, const char *next)
{
	bool opt = word[0] == '-' && word[1];
	const struct cli_command *c;

	if (w->after_help >= 0) {
		w->after_help++;
		return 1;
	}
	if (!w->c) {
		if (opt)
			return walk_option(w, word, next);
		if (!strcmp(word, "help")) {
			w->after_help = 0;
			return 1;
		}
		if (!(c = find(w->t, word)) || (c->flags & CLI_HIDDEN))
			w->dead = true;
		else if (c->sub)
			w->t = c->sub;
		else
			w->c = c;
		return 1;
	}
	if (!w->dashdash && !strcmp(word, "--")) {
		w->dashdash = true;
		return 1;
	}
	if (opt && options_allowed(w))
		return walk_option(w, word, next);
	w->operands++;
	return 1;
}

/* ------------------------------------------------------- the candidates -- */

static void offer_commands(const struct cli_table *t, bool with_help)
{
	printf("words\n");
	for (size_t i = 0; i < t->n; i++)
		if (!(t->commands[i].flags & CLI_HIDDEN))
			printf("%s\n", t->commands[i].name);
	if (with_help)
		printf("help\n");
}

static bool is_path_name(const char *tok)
{
	static const char *const names[] = {"FILE", "PATH", "SOCK", "TARBALL"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(tok, names[i]))
			return true;
	return false;
}

/* The value named arg: the lower-case words of "table|json", a directory
 * for DIR, a path for FILE, PATH, SOCK or TARBALL; nothing for the rest
 * (ID, N, SIZE). */
static void offer_value(const char *arg)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	_cleanup_strv_ char **words = NULL;
	const char *kind = "words";
	char *save = NULL;

	for (char *tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		if (!strcmp(tok, "DIR"))
			kind = "dirs";
		else if (is_path_name(tok) && strcmp(kind, "dirs"))
			kind = "files";
		else if (islower((unsigned char)tok[0]))
			strv_push(&words, tok);
	}
	printf("%s\n", kind);
	for (size_t i = 0; words && !strcmp(kind, "words") && words[i]; i++)
		printf("%s\n", words[i]);
}

static void offer_options(const struct walk *w)
{
	const struct cli_command *c = w->c;

	printf("words\n");
	if (!c) {
		for (size_t k = 0; k < cli_global_options_n; k++)
			if (w->t->globals & cli_global_options[k].id)
				printf("--%s\n", cli_global_options[k].name);
		return;
	}
	for (const struct option *o = c->opts ? c->opts->longopts : NULL; o && o->name; o++)
		printf("--%s\n", o->name);
	if (c->flags & CLI_STORE)
		printf("--storage-root\n");
	printf("--help\n");
}

/* Containers under the --root of the command line, else under the default
 * the dispatcher gave __complete (CLI_STATE). */
static void offer_containers(const struct walk *w)
{
	struct rt_context ctx = {.root = w->root};
	struct rt_info *v = NULL;
	struct error err;
	size_t n = 0;

	if (!w->root || rt_container_list(&ctx, &v, &n, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		printf("%s\n", v[i].id);
		rt_info_release(&v[i]);
	}
	free(v);
}

/* Images of the store, named as `nook images` names them.  A TAB must not
 * make a store: only one that exists (has its gc.lock) is opened. */
static void offer_images(const struct walk *w, struct cli_globals *g)
{
	const char *root = w->storage_root ? w->storage_root : getenv("NOOK_STORAGE_ROOT");
	_cleanup_free_ char *lock = NULL;
	struct img_store *s;
	struct img_info *v = NULL;
	struct error err;
	size_t n = 0;

	if (!root || !*root)
		root = IMG_DEFAULT_ROOT;
	lock = xasprintf("%s/gc.lock", root);
	if (access(lock, F_OK) < 0)
		return;
	g->storage_root = root;
	if (!(s = cli_store_open(g, &err)))
		return;
	if (img_list(s, false, &v, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; v[i].names[k]; k++)
				printf("%s\n", img_name_familiar(v[i].names[k]));
		img_info_array_free(v, n);
	}
	img_store_free(s);
}

static void offer_operand(const struct walk *w, struct cli_globals *g)
{
	unsigned f = w->c->flags;
	bool first = w->operands == 0;

	if ((f & CLI_ARGS_IMAGE) && (first || !(f & CLI_ARGS_PATH))) {
		printf("words\n");
		offer_images(w, g);
	} else if (f & CLI_ARGS_PATH) {
		printf("files\n");
	} else if ((f & CLI_ARGS_CONTAINER) && first) {
		printf("words\n");
		offer_containers(w);
	} else {
		printf("words\n");
	}
}

static void offer(const struct walk *w, const char *cur, struct cli_globals *g)
{
	bool opt = cur[0] == '-' && (!w->c || options_allowed(w));
	char name[sizeof(w->value_arg)];
	const char *v;

	if (w->dead || (w->after_help > 0))
		printf("words\n");
	else if (w->value_arg[0])
		offer_value(w->value_arg);
	else if (w->after_help == 0)
		offer_commands(w->t, false);
	else if (opt && strchr(cur, '='))
		/* "--opt=VALUE": the shell completes what follows '='. */
		offer_value(value_name(w, cur, &v, name, sizeof(name)) ? name : "");
	else if (opt)
		offer_options(w);
	else if (!w->c)
		offer_commands(w->t, true);
	else
		offer_operand(w, g);
}

int cli_cmd_complete(int argc, char **argv, struct cli_globals *g)
{
	struct walk w = {.t = g->top, .after_help = -1, .root = g->root};
	int i = 1;

	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		offer(&w, "", g);
		return 0;
	}
	/* Every word but the last, which is being completed. */
	while (i < argc - 1 && !w.dead)
		i += walk_word(&w, argv[i], i + 1 < argc - 1 ? argv[i + 1] : NULL);
	offer(&w, i < argc ? argv[argc - 1] : "", g);
	return 0;
}

/* ------------------------------------------------------------ scripts -- */

/* Each script hands the words to `nook __complete` (nook-oci's as
 * "nook oci ...", from the nook beside it) and offers what comes back.
 * Candidates are never evaluated by the shell: image names and ids are
 * data. */
static const char bash_script[] =
    "# bash completion for nook and nook-oci (generated by 'nook completion bash').\n"
    "# The candidates come from 'nook __complete', which walks nook's own\n"
    "# command tables.\n"
    "_nook() {\n"
    "\tlocal bin=${COMP_WORDS[0]} cur w i glue=0\n"
    "\tlocal -a words=() out=()\n"
    "\tbin=${bin/#\\~/$HOME}\n"
    "\tif [[ ${bin##*/} == nook-oci ]]; then\n"
    "\t\tbin=${bin%-oci}\n"
    "\t\twords=(oci)\n"
    "\tfi\n"
    "\t# The words up to the cursor, with what COMP_WORDBREAKS split at '='\n"
    "\t# joined again (\"--root\" \"=\" \"DIR\" is \"--root=DIR\").\n"
    "\tfor ((i = 1; i <= COMP_CWORD; i++)); do\n"
    "\t\tw=${COMP_WORDS[i]}\n"
    "\t\tif [[ $w == = && ${#words[@]} -gt 0 && ${words[-1]} == -* ]]; then\n"
    "\t\t\twords[-1]+==\n"
    "\t\t\tglue=1\n"
    "\t\telif ((glue)); then\n"
    "\t\t\twords[-1]+=$w\n"
    "\t\t\tglue=0\n"
    "\t\telse\n"
    "\t\t\twords+=(\"$w\")\n"
    "\t\tfi\n"
    "\tdone\n"
    "\tcur=${words[-1]}\n"
    "\t[[ $cur == -*=* ]] && cur=${cur#*=}\n"
    "\tmapfile -t out < <(\"$bin\" __complete -- \"${words[@]}\" 2>/dev/null)\n"
    "\tCOMPREPLY=()\n"
    "\tcase ${out[0]-} in\n"
    "\tfiles | dirs)\n"
    "\t\tcompopt -o filenames 2>/dev/null\n"
    "\t\tif [[ ${out[0]} == dirs ]]; then\n"
    "\t\t\tmapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n"
    "\t\telse\n"
    "\t\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
    "\t\tfi\n"
    "\t\t;;\n"
    "\t*)\n"
    "\t\tfor w in \"${out[@]:1}\"; do\n"
    "\t\t\t[[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$w\")\n"
    "\t\tdone\n"
    "\t\t;;\n"
    "\tesac\n"
    "\treturn 0\n"
    "}\n"
    "complete -F _nook nook nook-oci\n";

static const char zsh_script[] =
    "#compdef nook nook-oci\n"
    "# zsh completion for nook and nook-oci (generated by 'nook completion zsh').\n"
    "# The candidates come from 'nook __complete', which walks nook's own\n"
    "# command tables.\n"
    "_nook() {\n"
    "\tlocal bin=${words[1]} kind\n"
    "\tlocal -a args out\n"
    "\tbin=${bin/#\\~/$HOME}\n"
    "\tif [[ ${bin:t} == nook-oci ]]; then\n"
    "\t\tbin=${bin%-oci}\n"
    "\t\targs=(oci)\n"
    "\tfi\n"
    "\targs+=(\"${(@)words[2,CURRENT]}\")\n"
    "\tout=(\"${(@f)$(\"$bin\" __complete -- \"${args[@]}\" 2>/dev/null)}\")\n"
    "\tkind=${out[1]}\n"
    "\tout=(\"${(@)out[2,-1]}\")\n"
    "\t[[ ${words[CURRENT]} == -*=* ]] && compset -P '*='\n"
    "\tcase $kind in\n"
    "\tfiles) _files ;;\n"
    "\tdirs) _files -/ ;;\n"
    "\t*) compadd -a out ;;\n"
    "\tesac\n"
    "}\n"
    "if [[ ${funcstack[1]} == _nook ]]; then\n"
    "\t_nook \"$@\"\n"
    "else\n"
    "\tcompdef _nook nook nook-oci\n"
    "fi\n";

static const char fish_script[] =
    "# fish completion for nook and nook-oci (generated by 'nook completion fish').\n"
    "# The candidates come from 'nook __complete', which walks nook's own\n"
    "# command tables.\n"
    "function __nook_complete\n"
    "    set -l words (commandline -opc)\n"
    "    set -l cur (commandline -ct)\n"
    "    set -l bin $words[1]\n"
    "    set -e words[1]\n"
    "    if string match -q -r -- '(^|/)nook-oci$' $bin\n"
    "        set bin (string replace -r -- '-oci$' '' $bin)\n"
    "        set words oci $words\n"
    "    end\n"
    "    set -l out (command $bin __complete -- $words $cur 2>/dev/null)\n"
    "    set -l kind $out[1]\n"
    "    set -e out[1]\n"
    "    set -l prefix ''\n"
    "    if string match -q -r -- '^-[^=]*=' $cur\n"
    "        set prefix (string replace -r -- '=.*' '=' $cur)\n"
    "        set cur (string replace -r -- '^[^=]*=' '' $cur)\n"
    "    end\n"
    "    switch \"$kind\"\n"
    "        case files\n"
    "            set out (__fish_complete_path $cur)\n"
    "        case dirs\n"
    "            set out (__fish_complete_directories $cur)\n"
    "    end\n"
    "    for w in $out\n"
    "        printf '%s%s\\n' $prefix $w\n"
    "    end\n"
    "end\n"
    "complete -c nook -f -a '(__nook_complete)'\n"
    "complete -c nook-oci -f -a '(__nook_complete)'\n";

int cli_cmd_completion(int argc, char **argv, struct cli_globals *g)
{
	static const struct {
		const char *shell;
		const char *script;
	} scripts[] = {{"bash", bash_script}, {"zsh", zsh_script}, {"fish", fish_script}};
	int rc = cli_only_args(g, argc, argv, 1, 1);

	if (rc)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(scripts); i++)
		if (!strcmp(argv[optind], scripts[i].shell)) {
			fputs(scripts[i].script, stdout);
			return 0;
		}
	return cli_usage_error(g, "unknown shell \"%s\": expected bash, zsh or fish", argv[optind]);
}
