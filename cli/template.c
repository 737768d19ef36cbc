/* A small subset of Go's text/template, the part docker's and podman's
 * --format users type: {{.Field}}, nested {{.State.Status}}, {{json .X}},
 * {{index .Labels "k"}}, {{join .Args " "}}, a "table" prefix that adds a
 * header row, and the escapes \t and \n.  Data is a JSON object (what
 * inspect prints, or the row ps and images build).  Values print as Go's
 * %v does: strings as they are, null as <nil>, arrays [a b], objects
 * map[k:v]. */
#include "cli/cli.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

const char cli_template_help[] =
    "--format TEMPLATE: a Go-template subset:\n"
    "  {{.Field}}, {{.A.B}} (nested), {{json .X}}, {{index .Labels \"KEY\"}},\n"
    "  {{join .Args \" \"}}; 'table' before the template adds a header row and\n"
    "  aligns the columns; \\t and \\n are a tab and a newline.  An unknown field is\n"
    "  an error (exit 125).  'json' alone prints each item as a JSON object.\n";

enum node_kind { NODE_TEXT, NODE_FIELD, NODE_JSON, NODE_INDEX, NODE_JOIN };

struct node {
	enum node_kind kind;
	char *text;  /* NODE_TEXT */
	char **path; /* the fields after '.', empty for '.' itself */
	char *arg;   /* index's key, join's separator */
};

struct cli_template {
	bool table;
	struct node *nodes;
	size_t n;
	const char *const *headers;
};

void cli_template_free(struct cli_template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].text);
		strv_free(t->nodes[i].path);
		free(t->nodes[i].arg);
	}
	free(t->nodes);
	free(t);
}

void cli_template_freep(struct cli_template **t)
{
	cli_template_free(*t);
}

bool cli_template_table(const struct cli_template *t)
{
	return t->table;
}

static struct node *node_add(struct cli_template *t, enum node_kind k)
{
	t->nodes = xrealloc(t->nodes, (t->n + 1) * sizeof(*t->nodes));
	memset(&t->nodes[t->n], 0, sizeof(*t->nodes));
	t->nodes[t->n].kind = k;
	return &t->nodes[t->n++];
}

/* Literal text with \t, \n (as docker's formatter replaces them). */
static void text_add(struct cli_template *t, const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			*o++ = s[++i] == 't' ? '\t' : '\n';
			continue;
		}
		*o++ = s[i];
	}
	*o = '\0';
	if (o != out)
		node_add(t, NODE_TEXT)->text = out;
	else
		free(out);
}

/* The next word of an action: a quoted string (unquoted into *word), or
 * up to a space.  NULL at the end; *quoted says which. */
static const char *word_next(const char *p, char **word, bool *quoted, struct error *err)
{
	const char *start;

	*word = NULL;
	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	*quoted = *p == '"';
	if (*quoted) {
		char *w = xmalloc(strlen(p)), *o = w;

		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			*o++ = *p;
		}
		*o = '\0';
		if (*p != '"') {
			free(w);
			error_set(err, EINVAL, "template: unterminated quoted string");
			return NULL;
		}
		*word = w;
		return p + 1;
	}
	start = p;
	while (*p && *p != ' ')
		p++;
	*word = xstrndup(start, (size_t)(p - start));
	return p;
}

static int path_parse(const char *w, char ***path, struct error *err)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (w[0] != '.')
		return error_set(err, EINVAL, "template: want a field such as .Name, got \"%s\"",
				 w);
	*path = xzalloc(sizeof(char *));
	copy = xstrdup(w + 1);
	for (char *f = strtok_r(copy, ".", &save); f; f = strtok_r(NULL, ".", &save)) {
		for (char *c = f; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				return error_set(err, EINVAL, "template: bad field name \"%s\"", w);
		strv_push(path, f);
	}
	return 0;
}

/* One action (what stands between {{ and }}). */
static int action_parse(struct cli_template *t, const char *a, struct error *err)
{
	_cleanup_strv_ char **words = NULL;
	struct node *nd;
	char *w;
	bool quoted;
	enum node_kind k;
	size_t nw;

	words = xzalloc(sizeof(char *));
	while ((a = word_next(a, &w, &quoted, err))) {
		strv_push(&words, w);
		free(w);
	}
	if (err->code)
		return -1;
	nw = strv_len(words);
	if (nw == 1 && words[0][0] == '.')
		k = NODE_FIELD;
	else if (nw == 2 && !strcmp(words[0], "json"))
		k = NODE_JSON;
	else if (nw == 3 && !strcmp(words[0], "index"))
		k = NODE_INDEX;
	else if (nw == 3 && !strcmp(words[0], "join"))
		k = NODE_JOIN;
	else if (nw == 0)
		return error_set(err, EINVAL, "template: empty action {{}}");
	else
		return error_set(err, EINVAL,
				 "template: \"%s\" is not supported (fields, json, index, join)",
				 words[0]);
	nd = node_add(t, k);
	if (k != NODE_FIELD)
		nd->arg = nw == 3 ? xstrdup(words[2]) : NULL;
	return path_parse(words[k == NODE_FIELD ? 0 : 1], &nd->path, err);
}

struct cli_template *cli_template_new(const char *text, const char *const *headers,
				      struct error *err)
{
	struct cli_template *t = xzalloc(sizeof(*t));
	const char *p = text;

	t->headers = headers;
	if (!strncmp(p, "table", 5) && (!p[5] || isspace((unsigned char)p[5]))) {
		t->table = true;
		p += 5;
		while (isspace((unsigned char)*p))
			p++;
	}
	while (*p) {
		const char *open = strstr(p, "{{"), *close;
		_cleanup_free_ char *a = NULL;
		size_t alen;

		if (!open) {
			text_add(t, p, strlen(p));
			break;
		}
		text_add(t, p, (size_t)(open - p));
		if (!(close = strstr(open + 2, "}}"))) {
			error_set(err, EINVAL, "template: unclosed action \"%s\"", open);
			goto fail;
		}
		a = xstrndup(open + 2, (size_t)(close - open - 2));
		/* {{- and -}} trim markers: the spaces they trim are ours. */
		alen = strlen(a);
		if (alen && a[alen - 1] == '-' && (alen == 1 || a[alen - 2] == ' '))
			a[alen - 1] = ' ';
		if (a[0] == '-' && a[1] == ' ')
			a[0] = ' ';
		if (action_parse(t, a, err) < 0)
			goto fail;
		p = close + 2;
	}
	return t;
fail:
	cli_template_free(t);
	return NULL;
}

/* ------------------------------------------------------------ render -- */

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void value_print(FILE *f, struct json_object *v)
{
	if (!v) {
		fputs("<nil>", f);
	} else if (json_object_is_type(v, json_type_string)) {
		fputs(json_object_get_string(v), f);
	} else if (json_object_is_type(v, json_type_array)) {
		fputc('[', f);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				fputc(' ', f);
			value_print(f, json_object_array_get_idx(v, i));
		}
		fputc(']', f);
	} else if (json_object_is_type(v, json_type_object)) {
		_cleanup_strv_ char **keys = xzalloc(sizeof(char *));
		size_t n;

		json_object_object_foreach(v, key, val)
		{
			(void)val;
			strv_push(&keys, key);
		}
		n = strv_len(keys);
		qsort(keys, n, sizeof(*keys), key_cmp);
		fputs("map[", f);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%s%s:", i ? " " : "", keys[i]);
			value_print(f, json_object_object_get(v, keys[i]));
		}
		fputc(']', f);
	} else {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), f);
	}
}

static int path_eval(struct json_object *data, char *const *path, struct json_object **out,
		     struct error *err)
{
	struct json_object *v = data;

	for (size_t i = 0; path[i]; i++) {
		if (!v || !json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, path[i], &v))
			return error_set(err, EINVAL, "template: can't evaluate field %s", path[i]);
	}
	*out = v;
	return 0;
}

static int node_render(FILE *f, const struct node *nd, struct json_object *data, struct error *err)
{
	struct json_object *v = NULL;

	if (nd->kind == NODE_TEXT) {
		fputs(nd->text, f);
		return 0;
	}
	if (path_eval(data, nd->path, &v, err) < 0)
		return -1;
	switch (nd->kind) {
	case NODE_JSON:
		fputs(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE)
			: "null",
		      f);
		break;
	case NODE_INDEX:
		if (v && json_object_is_type(v, json_type_object)) {
			struct json_object *e;

			/* A missing key is the zero value, as Go's map index. */
			if (json_object_object_get_ex(v, nd->arg, &e))
				value_print(f, e);
		} else if (v && json_object_is_type(v, json_type_array)) {
			int64_t i;

			if (parse_int64(nd->arg, &i) < 0 || i < 0 ||
			    (size_t)i >= json_object_array_length(v))
				return error_set(err, EINVAL, "template: index %s out of range",
						 nd->arg);
			value_print(f, json_object_array_get_idx(v, (size_t)i));
		} else {
			return error_set(err, EINVAL, "template: can't index %s",
					 nd->path[0] ? nd->path[strv_len(nd->path) - 1] : ".");
		}
		break;
	case NODE_JOIN:
		if (!v || !json_object_is_type(v, json_type_array))
			return error_set(err, EINVAL, "template: join wants a list");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				fputs(nd->arg, f);
			value_print(f, json_object_array_get_idx(v, i));
		}
		break;
	default:
		value_print(f, v);
		break;
	}
	return 0;
}

int cli_template_render(const struct cli_template *t, struct json_object *data, char **out,
			struct error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (!f)
		return error_sys(err, "open_memstream");
	for (size_t i = 0; i < t->n && r == 0; i++)
		r = node_render(f, &t->nodes[i], data, err);
	fclose(f);
	if (r < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* The header of a field: its entry in t->headers, else its name in
 * capitals. */
static void header_print(FILE *f, const struct cli_template *t, char *const *path)
{
	const char *name = path[0] ? path[strv_len(path) - 1] : "";

	for (size_t i = 0; t->headers && t->headers[i]; i += 2)
		if (!strcmp(t->headers[i], name)) {
			fputs(t->headers[i + 1], f);
			return;
		}
	for (const char *c = name; *c; c++)
		fputc(toupper((unsigned char)*c), f);
}

char *cli_template_header(const struct cli_template *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return xstrdup("");
	for (size_t i = 0; i < t->n; i++) {
		if (t->nodes[i].kind == NODE_TEXT)
			fputs(t->nodes[i].text, f);
		else
			header_print(f, t, t->nodes[i].path);
	}
	fclose(f);
	return buf;
}

/* ------------------------------------------------------------ table -- */

/* Display width: UTF-8 code points. */
static size_t width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Cells end at a tab; the last cell of a line has none.  Columns as Go's
 * tabwriter with docker's settings: min width 10, padding 3. */
void cli_table_print(FILE *f, char *const *rows)
{
	size_t *wid = NULL, ncol = 0;

	for (size_t r = 0; rows[r]; r++) {
		const char *p = rows[r];

		for (size_t c = 0;; c++) {
			const char *tab = strchr(p, '\t');

			if (!tab)
				break;
			if (c >= ncol) {
				wid = xrealloc(wid, (c + 1) * sizeof(*wid));
				wid[c] = 10;
				ncol = c + 1;
			}
			if (width(p, (size_t)(tab - p)) + 3 > wid[c])
				wid[c] = width(p, (size_t)(tab - p)) + 3;
			p = tab + 1;
		}
	}
	for (size_t r = 0; rows[r]; r++) {
		const char *p = rows[r];

		for (size_t c = 0;; c++) {
			const char *tab = strchr(p, '\t');

			if (!tab) {
				fprintf(f, "%s\n", p);
				break;
			}
			fwrite(p, 1, (size_t)(tab - p), f);
			for (size_t w = width(p, (size_t)(tab - p)); w < wid[c]; w++)
				fputc(' ', f);
			p = tab + 1;
		}
	}
	free(wid);
}
