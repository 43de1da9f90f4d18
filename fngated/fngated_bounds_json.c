/*
 * fngated_bounds_json: execution bounds and the overrides of cross-account
 * aliases, without Redis.
 *
 * A function's owner sets bounds (what other accounts' calls may change);
 * an account with a cross-account alias on the function sets overrides
 * (MemorySize, Timeout, variables) on its alias.  PutAliasOverrides is
 * refused (400) beyond the bounds of the moment; a call applies what the
 * bounds of the moment allow and leaves the rest at the owner's values,
 * so an owner who narrows its bounds never breaks the aliases' calls and
 * never runs its code beyond them.  No endpoint shows the owner's
 * variables to anyone else, and no message names one.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fngated_bounds_json.h"
#include "fngated_json.h"

/*
 * Variables that steer the runtime, the dynamic loader, the shell or the
 * libraries the owner's code uses rather than being data for it: set by
 * another account they could run that account's code in the owner's
 * function (LD_PRELOAD, PYTHONSTARTUP, NODE_OPTIONS, BASH_ENV), read the
 * owner's files, or send the owner's outbound calls elsewhere (proxies,
 * CA bundles, AWS endpoints).  Names compare without case.
 */
static const char *const  fgd_runtime_env_names[] = {
    "PATH", "HOME", "SHELL", "ENV", "BASH_ENV", "IFS", "SHELLOPTS",
    "BASHOPTS", "CDPATH", "GLOBIGNORE", "PS4", "PROMPT_COMMAND", "BROWSER",
    "EDITOR", "VISUAL", "PAGER", "TMPDIR", "TZ", "TZDIR", "LOCPATH",
    "NLSPATH", "HOSTALIASES", "RES_OPTIONS", "LOCALDOMAIN", "CLASSPATH",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "CURL_HOME", "WGETRC",
    "_HANDLER", NULL
};

static const char *const  fgd_runtime_env_prefixes[] = {
    "PYTHON", "LD_", "MALLOC_", "GLIBC_", "GCONV", "AWS_", "LAMBDA_",
    "PERL", "RUBY", "GEM_", "NODE_", "NPM_", "JAVA", "_JAVA", "JDK_",
    "DOTNET_", "COMPLUS_", "BASH_FUNC_", "GIT_", "SSL", "OPENSSL_", "LUA_",
    NULL
};

bool
fgd_env_controls_runtime(const char *name)
{
    size_t  i, n = strlen(name);

    for (i = 0; fgd_runtime_env_names[i] != NULL; i++) {
        if (strcasecmp(name, fgd_runtime_env_names[i]) == 0) {
            return true;
        }
    }
    for (i = 0; fgd_runtime_env_prefixes[i] != NULL; i++) {
        if (strncasecmp(name, fgd_runtime_env_prefixes[i],
                strlen(fgd_runtime_env_prefixes[i])) == 0)
        {
            return true;
        }
    }
    /* http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY, ... */
    return n >= 6 && strcasecmp(name + n - 6, "_PROXY") == 0;
}

void
fgd_overrides_clear(fgd_overrides_t *o)
{
    if (o == NULL) {
        return;
    }
    free(o->environment);
    memset(o, 0, sizeof(*o));
}

/* Refuses members other than the names given (NULL-terminated). */
static int
fgd_only_members(yajl_val root, const char *const *known, fgd_resp_t *r)
{
    size_t  i, k;

    for (i = 0; i < root->u.object.len; i++) {
        for (k = 0; known[k] != NULL; k++) {
            if (strcmp(root->u.object.keys[i], known[k]) == 0) {
                break;
            }
        }
        if (known[k] == NULL) {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "Unknown field '%.64s'", root->u.object.keys[i]);
        }
    }
    return 0;
}

/* An optional boolean member. */
static int
fgd_get_bool(yajl_val obj, const char *key, bool *out, fgd_resp_t *r)
{
    yajl_val  v = fgd_obj_get(obj, key);

    *out = false;
    if (v == NULL || YAJL_IS_NULL(v)) {
        return 0;
    }
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "%s must be a boolean", key);
    }
    *out = YAJL_IS_TRUE(v);
    return 0;
}

static bool
fgd_bounds_has_var(const fgd_bounds_t *b, const char *name)
{
    size_t  i;

    for (i = 0; i < b->nvars; i++) {
        if (strcmp(b->vars[i], name) == 0) {
            return true;
        }
    }
    return false;
}

int
fgd_bounds_parse(const char *body, size_t len, unsigned max_memory_mb,
    fgd_bounds_t *b, fgd_resp_t *r)
{
    static const char *const  known[] = { "MaxMemorySize", "MaxTimeout",
        "AllowEnvironment", "AllowLogTail", "OverridableVariables", NULL };
    yajl_val  root, vars;
    size_t    i;
    int       rc = -1;

    memset(b, 0, sizeof(*b));
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_only_members(root, known, r) != 0
        || fgd_get_uint(root, "MaxMemorySize", 0, FGD_MEMORY_MIN,
            max_memory_mb, "maxMemorySize", &b->max_memory_mb, r) != 0
        || fgd_get_uint(root, "MaxTimeout", 0, 1, FGD_TIMEOUT_MAX,
            "maxTimeout", &b->max_timeout_s, r) != 0
        || fgd_get_bool(root, "AllowEnvironment", &b->allow_environment, r)
            != 0
        || fgd_get_bool(root, "AllowLogTail", &b->allow_log_tail, r) != 0
        || fgd_get_member(root, "OverridableVariables", yajl_t_array, &vars, r)
            != 0)
    {
        goto cleanup;
    }

    if (vars != NULL && vars->u.array.len > FGD_BOUNDS_VARS_MAX) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "OverridableVariables may name at most %u variables",
            FGD_BOUNDS_VARS_MAX);
        goto cleanup;
    }
    for (i = 0; vars != NULL && i < vars->u.array.len; i++) {
        yajl_val     v = vars->u.array.values[i];
        const char  *name = YAJL_IS_STRING(v) ? v->u.string : NULL;

        if (name == NULL) {
            fgd_error(r, 400, "InvalidRequestContentException",
                FGD_BAD_JSON "OverridableVariables must be strings");
            goto cleanup;
        }
        if (strlen(name) > FGD_ENV_NAME_MAX || !fgd_env_name_valid(name)
            || fgd_env_reserved(name))
        {
            fgd_error(r, 400, "InvalidParameterValueException",
                "OverridableVariables: '%.64s' is not a variable name a "
                "function may set ([a-zA-Z][a-zA-Z0-9_]+, up to %u "
                "characters, not reserved by Lambda)", name,
                FGD_ENV_NAME_MAX);
            goto cleanup;
        }
        if (fgd_env_controls_runtime(name)) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "OverridableVariables: '%.64s' controls the runtime; "
                "another account's alias may never set it", name);
            goto cleanup;
        }
        if (fgd_bounds_has_var(b, name)) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "OverridableVariables names '%.64s' twice", name);
            goto cleanup;
        }
        snprintf(b->vars[b->nvars++], sizeof(b->vars[0]), "%s", name);
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

/* The member key, unless it is unset (v 0, s NULL). */
static void
fgd_gen_uint_set(yajl_gen g, const char *key, unsigned v)
{
    if (v != 0) {
        GSTR(g, key);
        yajl_gen_integer(g, v);
    }
}

static void
fgd_gen_str_set(yajl_gen g, const char *key, const char *s)
{
    if (s != NULL) {
        GSTR(g, key);
        GSTR(g, s);
    }
}

/* ctx: the function's ARN, or NULL for the stored form */
static void
fgd_gen_bounds(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_bounds_t  *b = item;
    const char          *arn = ctx;
    size_t               i;

    yajl_gen_map_open(g);
    fgd_gen_str_set(g, "FunctionArn", arn);
    fgd_gen_uint_set(g, "MaxMemorySize", b->max_memory_mb);
    fgd_gen_uint_set(g, "MaxTimeout", b->max_timeout_s);
    GSTR(g, "AllowEnvironment");
    yajl_gen_bool(g, b->allow_environment);
    GSTR(g, "AllowLogTail");
    yajl_gen_bool(g, b->allow_log_tail);
    GSTR(g, "OverridableVariables");
    yajl_gen_array_open(g);
    for (i = 0; i < b->nvars; i++) {
        GSTR(g, b->vars[i]);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
}

int
fgd_json_bounds(const fgd_bounds_t *b, const char *arn, char **out,
    size_t *out_len)
{
    return fgd_json_item(fgd_gen_bounds, b, arn, out, out_len);
}

/* Refuses (400, naming them) the variables of an alias's overrides that
 * control the runtime.  vars: the validated Variables object, or NULL. */
static int
fgd_env_runtime_check(yajl_val vars, fgd_resp_t *r)
{
    char    names[256] = "";
    size_t  i, used;

    for (i = 0; YAJL_IS_OBJECT(vars) && i < vars->u.object.len; i++) {
        const char *k = vars->u.object.keys[i];

        if (!fgd_env_controls_runtime(k)) {
            continue;
        }
        used = strlen(names);
        if (used + strlen(k) + 2 < sizeof(names)) {
            snprintf(names + used, sizeof(names) - used, "%s%s",
                used ? "," : "", k);
        }
    }
    if (names[0] == '\0') {
        return 0;
    }
    return fgd_error(r, 400, "InvalidParameterValueException",
        "Variables that control the runtime can not be set by another "
        "account's alias: %s", names);
}

int
fgd_overrides_parse(const char *body, size_t len, unsigned max_memory_mb,
    fgd_overrides_t *o, fgd_resp_t *r)
{
    static const char *const  known[] = { "MemorySize", "Timeout",
        "Environment", NULL };
    static const char *const  env_known[] = { "Variables", NULL };
    yajl_val  root, env;
    int       rc = -1;

    memset(o, 0, sizeof(*o));
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_only_members(root, known, r) != 0
        || fgd_get_uint(root, "MemorySize", 0, FGD_MEMORY_MIN, max_memory_mb,
            "memorySize", &o->memory_mb, r) != 0
        || fgd_get_uint(root, "Timeout", 0, 1, FGD_TIMEOUT_MAX, "timeout",
            &o->timeout_s, r) != 0
        || fgd_get_member(root, "Environment", yajl_t_object, &env, r) != 0
        || (env != NULL && (fgd_only_members(env, env_known, r) != 0
                         || fgd_env_validate(fgd_obj_get(env, "Variables"),
                             &o->environment, r) != 0)))
    {
        goto cleanup;
    }
    if (env != NULL && fgd_env_runtime_check(fgd_obj_get(env, "Variables"),
            r) != 0)
    {
        goto cleanup;
    }
    /* an empty map is no override */
    if (o->environment != NULL && strcmp(o->environment, "{}") == 0) {
        free(o->environment);
        o->environment = NULL;
    }
    rc = 0;

cleanup:
    if (rc != 0) {
        fgd_overrides_clear(o);
    }
    yajl_tree_free(root);
    return rc;
}

/* Variables as JSON text -> the parsed object; NULL text is no map. */
static yajl_val
fgd_vars_parse(const char *json)
{
    yajl_val  v;

    if (json == NULL || json[0] == '\0') {
        return NULL;
    }
    v = yajl_tree_parse(json, NULL, 0);
    if (v != NULL && !YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        return NULL;
    }
    return v;
}

static void
fgd_gen_vars(yajl_gen g, yajl_val vars)
{
    size_t  i;

    yajl_gen_map_open(g);
    for (i = 0; vars != NULL && i < vars->u.object.len; i++) {
        GSTR(g, vars->u.object.keys[i]);
        GSTR(g, YAJL_IS_STRING(vars->u.object.values[i])
                ? vars->u.object.values[i]->u.string : "");
    }
    yajl_gen_map_close(g);
}

int
fgd_json_overrides(const fgd_overrides_t *o, const char *alias_arn,
    const char *revision, char **out, size_t *out_len)
{
    yajl_gen  g = yajl_gen_alloc(NULL);
    yajl_val  vars = fgd_vars_parse(o->environment);
    int       rc;

    if (g == NULL) {
        yajl_tree_free(vars);
        return -1;
    }
    yajl_gen_map_open(g);
    fgd_gen_str_set(g, "AliasArn", alias_arn);
    fgd_gen_uint_set(g, "MemorySize", o->memory_mb);
    fgd_gen_uint_set(g, "Timeout", o->timeout_s);
    if (vars != NULL) {
        GSTR(g, "Environment");
        yajl_gen_map_open(g);
        GSTR(g, "Variables");
        fgd_gen_vars(g, vars);
        yajl_gen_map_close(g);
    }
    fgd_gen_str_set(g, "RevisionId", revision);
    yajl_gen_map_close(g);
    rc = fgd_gen_finish(g, out, out_len);
    yajl_tree_free(vars);
    return rc;
}

/* An override of member above what the owner of arn allows: the maximum
 * the owner set (bound) is told, the version's own is not.  -1. */
static int
fgd_over_bound(fgd_resp_t *r, const char *member, unsigned v,
    const char *arn, unsigned bound)
{
    if (bound != 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "%s %u exceeds what the owner of %s allows: at most %u", member,
            v, arn, bound);
    }
    return fgd_error(r, 400, "InvalidParameterValueException",
        "%s %u exceeds what the owner of %s allows: no more than the "
        "function's own", member, v, arn);
}

/* The largest value a bound allows: its own, else the version's. */
static unsigned
fgd_bound(unsigned bound, unsigned own)
{
    return bound != 0 ? bound : own;
}

/* Whether the alias's variable name may be set: listed by the owner, or
 * any name when the owner allows added variables. */
static bool
fgd_var_allowed(const fgd_bounds_t *b, const char *name)
{
    return b->allow_environment || fgd_bounds_has_var(b, name);
}

int
fgd_overrides_allowed(const fgd_overrides_t *o, const fgd_bounds_t *b,
    const fgd_fn_t *target, const char *arn, fgd_resp_t *r)
{
    unsigned  mem = fgd_bound(b->max_memory_mb, target->memory_mb);
    unsigned  tmo = fgd_bound(b->max_timeout_s, target->timeout_s);
    yajl_val  vars;
    size_t    i;
    int       rc = 0;

    if (o->memory_mb > mem) {
        return fgd_over_bound(r, "MemorySize", o->memory_mb, arn,
            b->max_memory_mb);
    }
    if (o->timeout_s > tmo) {
        return fgd_over_bound(r, "Timeout", o->timeout_s, arn,
            b->max_timeout_s);
    }
    vars = fgd_vars_parse(o->environment);
    for (i = 0; vars != NULL && i < vars->u.object.len; i++) {
        if (!fgd_var_allowed(b, vars->u.object.keys[i])) {
            rc = fgd_error(r, 400, "InvalidParameterValueException",
                "The owner of %s does not allow other accounts to set the "
                "variable %.64s", arn, vars->u.object.keys[i]);
            break;
        }
    }
    yajl_tree_free(vars);
    return rc;
}

/* Appends "; what" (or "what") to note. */
static void
fgd_note(char *note, size_t size, const char *fmt, const char *name,
    unsigned a, unsigned b)
{
    size_t  used = strlen(note);

    if (used + 3 >= size) {
        return;
    }
    if (used > 0) {
        snprintf(note + used, size - used, "; ");
        used += 2;
    }
    if (name != NULL) {
        snprintf(note + used, size - used, fmt, name);
    } else {
        snprintf(note + used, size - used, fmt, a, b);
    }
}

int
fgd_overrides_apply(const fgd_overrides_t *o, const fgd_bounds_t *b,
    fgd_fn_t *fn, char *note, size_t note_size)
{
    unsigned  mem = fgd_bound(b->max_memory_mb, fn->memory_mb);
    unsigned  tmo = fgd_bound(b->max_timeout_s, fn->timeout_s);
    yajl_val  own, alias;
    yajl_gen  g;
    size_t    i, k;
    char     *env = NULL;
    int       rc = -1;

    note[0] = '\0';
    if (o->memory_mb != 0) {
        if (o->memory_mb > mem) {
            fgd_note(note, note_size, "MemorySize %u above the bound %u",
                NULL, o->memory_mb, mem);
        }
        fn->memory_mb = o->memory_mb > mem ? mem : o->memory_mb;
    }
    if (o->timeout_s != 0) {
        if (o->timeout_s > tmo) {
            fgd_note(note, note_size, "Timeout %u above the bound %u", NULL,
                o->timeout_s, tmo);
        }
        fn->timeout_s = o->timeout_s > tmo ? tmo : o->timeout_s;
    }
    if (o->environment == NULL) {
        return 0;
    }

    own = fgd_vars_parse(fn->environment);
    alias = fgd_vars_parse(o->environment);
    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        goto cleanup;
    }
    yajl_gen_map_open(g);
    /* the owner's variables, each replaced where the owner lists it */
    for (i = 0; own != NULL && i < own->u.object.len; i++) {
        const char  *name = own->u.object.keys[i];
        yajl_val     v = own->u.object.values[i], mine;

        if (fgd_bounds_has_var(b, name) && alias != NULL
            && (mine = fgd_obj_get(alias, name)) != NULL)
        {
            if (fgd_env_controls_runtime(name)) {
                fgd_note(note, note_size, "variable %s controls the "
                    "runtime", name, 0, 0);
            } else {
                v = mine;
            }
        }
        GSTR(g, name);
        GSTR(g, YAJL_IS_STRING(v) ? v->u.string : "");
    }
    /* the alias's other variables, where allowed */
    for (k = 0; alias != NULL && k < alias->u.object.len; k++) {
        const char  *name = alias->u.object.keys[k];
        yajl_val     v = alias->u.object.values[k];

        if (own != NULL && fgd_obj_get(own, name) != NULL) {
            if (!fgd_bounds_has_var(b, name)) {
                fgd_note(note, note_size, "variable %s kept the owner's "
                    "value", name, 0, 0);
            }
            continue;
        }
        if (fgd_env_controls_runtime(name)) {
            fgd_note(note, note_size, "variable %s controls the runtime",
                name, 0, 0);
            continue;
        }
        if (!fgd_var_allowed(b, name)) {
            fgd_note(note, note_size, "variable %s not allowed", name, 0,
                0);
            continue;
        }
        GSTR(g, name);
        GSTR(g, YAJL_IS_STRING(v) ? v->u.string : "");
    }
    yajl_gen_map_close(g);
    if (fgd_gen_take(g, &env, NULL) != 0) {
        goto cleanup;
    }
    free(fn->environment);
    fn->environment = env;
    rc = 0;

cleanup:
    if (g != NULL) {
        yajl_gen_free(g);
    }
    yajl_tree_free(own);
    yajl_tree_free(alias);
    return rc;
}
