/* config.json -> struct rt_spec: the top level, root, mounts, hooks and
 * annotations.  "process" is in spec_process.c, "linux" in spec_linux.c.
 * Everything is checked here, before anything is created, so a bad config
 * fails with a message naming the JSON path rather than half-way through
 * building a container. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <string.h>

/* Sections of other platforms: a config carrying one was written for a
 * runtime on that platform, and running it here would ignore half of it. */
static const char *const foreign_sections[] = {"windows", "solaris", "vm", "zos"};

/* Parse text strictly (standard JSON only) into an object.  json-c reports
 * the byte offset where it stopped; people read line numbers. */
static int parse_json(const char *text, json_object **out, struct error *err)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(text), end, line = 1;
	enum json_tokener_error jerr;
	json_object *doc;

	if (!tok)
		return error_set(err, ENOMEM, "cannot allocate a JSON parser");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	doc = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_success && doc) {
		*out = doc;
		return 0;
	}
	json_object_put(doc);
	for (size_t i = 0; i < end && i < len; i++)
		if (text[i] == '\n')
			line++;
	if (jerr == json_tokener_continue)
		return error_set(err, EINVAL, "invalid JSON at line %zu: unexpected end of data",
				 line);
	return error_set(err, EINVAL, "invalid JSON at line %zu: %s", line,
			 json_tokener_error_desc(jerr));
}

/* Lexical clean of an absolute path: no "//", ".", or "..", no trailing
 * slash ("/a/./b/../c/" -> "/a/c").  ".." at the top stays at "/". */
static char *path_clean(const char *path)
{
	char *out = xmalloc(strlen(path) + 2);
	size_t n = 0;
	const char *p = path;

	out[n++] = '/';
	while (*p) {
		const char *s;
		size_t len;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - s);
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* the slash before the dropped component */
			continue;
		}
		if (n > 1)
			out[n++] = '/';
		memcpy(out + n, s, len);
		n += len;
	}
	out[n] = '\0';
	return out;
}

/* root.path relative to the bundle, the bundle relative to the cwd. */
static char *path_absolute(const char *bundle, const char *path, struct error *err)
{
	_cleanup_free_ char *cwd = NULL, *joined = NULL;

	if (path[0] == '/')
		return path_clean(path);
	if (!bundle || !*bundle)
		bundle = ".";
	if (bundle[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd) {
			error_sys(err, "cannot get the current directory");
			return NULL;
		}
	}
	joined = xasprintf("%s/%s/%s", cwd ? cwd : "", bundle, path);
	return path_clean(joined);
}

static int parse_root(struct rt_spec *spec, json_object *doc, const char *bundle, struct error *err)
{
	_cleanup_free_ char *path = NULL;
	json_object *root;

	if (rt_json_typed(doc, "", "root", json_type_object, &root, err) < 0)
		return -1;
	if (!root)
		return error_set(err, EINVAL, "root: required field is missing");
	if (rt_json_string(root, "root", "path", true, &path, err) < 0 ||
	    rt_json_bool(root, "root", "readonly", &spec->root_readonly, err) < 0)
		return -1;
	if (!*path)
		return error_set(err, EINVAL, "root.path: must not be empty");
	spec->root_path = path_absolute(bundle, path, err);
	return spec->root_path ? 0 : -1;
}

static int parse_mount(struct ns_mount *m, json_object *o, const char *path, struct error *err)
{
	_cleanup_free_ char *dest = NULL;

	if (!json_object_is_type(o, json_type_object))
		return rt_json_type_error(path, json_type_object, o, err);
	if (rt_json_refuse(o, path, "uidMappings", "an idmapped mount", err) < 0 ||
	    rt_json_refuse(o, path, "gidMappings", "an idmapped mount", err) < 0)
		return -1;
	if (rt_json_string(o, path, "destination", true, &dest, err) < 0 ||
	    rt_json_string(o, path, "type", false, &m->type, err) < 0 ||
	    rt_json_string(o, path, "source", false, &m->source, err) < 0 ||
	    rt_json_strv(o, path, "options", &m->options, err) < 0)
		return -1;
	if (!*dest)
		return error_set(err, EINVAL, "%s.destination: must not be empty", path);
	if (dest[0] != '/') {
		/* runc accepts it (with a warning) as relative to the root. */
		log_warn("%s.destination: \"%s\" is not absolute, using \"/%s\"", path, dest, dest);
		m->destination = xasprintf("/%s", dest);
	} else {
		m->destination = steal_pointer(&dest);
	}
	return 0;
}

static int parse_mounts(struct rt_spec *spec, json_object *doc, struct error *err)
{
	char path[RT_JSON_PATH_MAX];
	json_object *arr;
	size_t n;

	if (rt_json_typed(doc, "", "mounts", json_type_array, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	n = json_object_array_length(arr);
	spec->mounts = xzalloc((n + 1) * sizeof(*spec->mounts));
	for (size_t i = 0; i < n; i++) {
		rt_json_path_index(path, "mounts", i);
		spec->n_mounts = i + 1;
		if (parse_mount(&spec->mounts[i], json_object_array_get_idx(arr, i), path, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_hook(struct rt_hook *h, json_object *o, const char *path, struct error *err)
{
	bool has_timeout = false;
	int64_t timeout = 0;

	if (!json_object_is_type(o, json_type_object))
		return rt_json_type_error(path, json_type_object, o, err);
	if (rt_json_string(o, path, "path", true, &h->path, err) < 0)
		return -1;
	if (h->path[0] != '/')
		return error_set(err, EINVAL, "%s.path: \"%s\" is not an absolute path", path,
				 h->path);
	if (rt_json_strv(o, path, "args", &h->args, err) < 0 ||
	    rt_json_strv(o, path, "env", &h->env, err) < 0 ||
	    rt_json_int(o, path, "timeout", INT32_MIN, INT32_MAX, &has_timeout, &timeout, err) < 0)
		return -1;
	if (has_timeout && timeout <= 0)
		return error_set(err, EINVAL, "%s.timeout: must be greater than zero, not %lld",
				 path, (long long)timeout);
	h->timeout = (int)timeout;
	return 0;
}

static int parse_hooks(struct rt_spec *spec, json_object *doc, struct error *err)
{
	char path[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *hooks, *arr;

	if (rt_json_typed(doc, "", "hooks", json_type_object, &hooks, err) < 0)
		return -1;
	if (!hooks)
		return 0;
	/* Unknown keys are allowed (extensions), but a misspelt hook kind
	 * silently not running is worth a line in the log. */
	json_object_object_foreach(hooks, key, val)
	{
		int k;

		(void)val;
		for (k = 0; k < RT_HOOK__COUNT; k++)
			if (!strcmp(key, rt_hook_kind_name(k)))
				break;
		if (k == RT_HOOK__COUNT)
			log_warn("config.json: hooks.%s: unknown hook kind, ignored", key);
	}
	for (int k = 0; k < RT_HOOK__COUNT; k++) {
		const char *name = rt_hook_kind_name(k);
		size_t n;

		if (rt_json_typed(hooks, "hooks", name, json_type_array, &arr, err) < 0)
			return -1;
		if (!arr)
			continue;
		rt_json_path(path, "hooks", name);
		n = json_object_array_length(arr);
		spec->hooks[k] = xzalloc((n + 1) * sizeof(struct rt_hook));
		for (size_t i = 0; i < n; i++) {
			rt_json_path_index(epath, path, i);
			spec->n_hooks[k] = i + 1;
			if (parse_hook(&spec->hooks[k][i], json_object_array_get_idx(arr, i), epath,
				       err) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_annotations(struct rt_spec *spec, json_object *doc, struct error *err)
{
	json_object *ann;

	if (rt_json_typed(doc, "", "annotations", json_type_object, &ann, err) < 0)
		return -1;
	if (!ann)
		return 0;
	json_object_object_foreach(ann, key, val)
	{
		char path[RT_JSON_PATH_MAX];

		snprintf(path, sizeof(path), "annotations[\"%s\"]", key);
		if (!json_object_is_type(val, json_type_string))
			return rt_json_type_error(path, json_type_string, val, err);
	}
	spec->annotations = ann;
	return 0;
}

/* What the kernel or runc would refuse later, said now with the paths.
 * hostname and domainname need a uts namespace, new or joined by path
 * (runc's validate.go uts()): never the one nook itself runs in. */
static int check_consistency(struct rt_spec *spec, struct error *err)
{
	if ((spec->hostname && *spec->hostname) && !rt_spec_namespace(spec, CLONE_NEWUTS))
		return error_set(err, EINVAL,
				 "hostname: setting it needs a uts namespace (new or joined) in "
				 "linux.namespaces");
	if ((spec->domainname && *spec->domainname) && !rt_spec_namespace(spec, CLONE_NEWUTS))
		return error_set(err, EINVAL,
				 "domainname: setting it needs a uts namespace (new or joined) in "
				 "linux.namespaces");
	return 0;
}

static int parse_doc(struct rt_spec *spec, json_object *doc, const char *bundle, struct error *err)
{
	json_object *process, *linux_obj;

	if (!json_object_is_type(doc, json_type_object))
		return error_set(err, EINVAL, "expected a JSON object at the top level");
	for (size_t i = 0; i < ARRAY_SIZE(foreign_sections); i++)
		if (rt_json_member(doc, foreign_sections[i]))
			return error_set(err, EINVAL,
					 "%s: not a Linux config (nook runs Linux containers only)",
					 foreign_sections[i]);
	if (rt_json_string(doc, "", "ociVersion", true, &spec->oci_version, err) < 0)
		return -1;
	if (!*spec->oci_version)
		return error_set(err, EINVAL, "ociVersion: must not be empty");

	if (rt_json_typed(doc, "", "process", json_type_object, &process, err) < 0)
		return -1;
	if (!process)
		return error_set(err, EINVAL, "process: required field is missing");
	if (rt_process_parse(&spec->process, process, "process", err) < 0)
		return -1;

	if (parse_root(spec, doc, bundle, err) < 0 ||
	    rt_json_string(doc, "", "hostname", false, &spec->hostname, err) < 0 ||
	    rt_json_string(doc, "", "domainname", false, &spec->domainname, err) < 0 ||
	    parse_mounts(spec, doc, err) < 0 || parse_hooks(spec, doc, err) < 0 ||
	    parse_annotations(spec, doc, err) < 0)
		return -1;

	if (rt_json_typed(doc, "", "linux", json_type_object, &linux_obj, err) < 0)
		return -1;
	if (linux_obj && rt_spec_parse_linux(spec, linux_obj, err) < 0)
		return -1;
	return check_consistency(spec, err);
}

int rt_spec_parse(struct rt_spec *spec, const char *json, const char *bundle, struct error *err)
{
	memset(spec, 0, sizeof(*spec));
	if (parse_json(json, &spec->doc, err) < 0 || parse_doc(spec, spec->doc, bundle, err) < 0) {
		rt_spec_release(spec);
		return error_prefix(err, "config.json");
	}
	return 0;
}

int rt_spec_load(struct rt_spec *spec, const char *bundle, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle && *bundle ? bundle : ".");
	_cleanup_free_ char *text = NULL;

	memset(spec, 0, sizeof(*spec));
	if (file_read_at(AT_FDCWD, path, 0, &text, NULL, err) < 0)
		return -1;
	return rt_spec_parse(spec, text, bundle, err);
}

static void hook_release(struct rt_hook *h)
{
	free(h->path);
	strv_free(h->args);
	strv_free(h->env);
}

void rt_spec_release(struct rt_spec *spec)
{
	rt_process_release(&spec->process);
	free(spec->oci_version);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].destination);
		free(spec->mounts[i].type);
		free(spec->mounts[i].source);
		strv_free(spec->mounts[i].options);
	}
	free(spec->mounts);
	for (int k = 0; k < RT_HOOK__COUNT; k++) {
		for (size_t i = 0; i < spec->n_hooks[k]; i++)
			hook_release(&spec->hooks[k][i]);
		free(spec->hooks[k]);
	}
	for (size_t i = 0; i < spec->n_namespaces; i++)
		free(spec->namespaces[i].path);
	free(spec->namespaces);
	free(spec->uid_mappings);
	free(spec->gid_mappings);
	for (size_t i = 0; i < spec->n_devices; i++)
		free(spec->devices[i].path);
	free(spec->devices);
	free(spec->cgroups_path);
	strv_free(spec->masked_paths);
	strv_free(spec->readonly_paths);
	for (size_t i = 0; i < spec->n_sysctl; i++) {
		free(spec->sysctl[i].key);
		free(spec->sysctl[i].value);
	}
	free(spec->sysctl);
	json_object_put(spec->doc);
	memset(spec, 0, sizeof(*spec));
}
