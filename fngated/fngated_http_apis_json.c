/*
 * fngated_http_apis_json: the pure parts of APIs made of functions (see
 * fngated_http_apis_json.h): bodies, stored forms, JSON answers, the proxy
 * event and the mapping of a proxy response.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_http_apis_json.h"
#include "fngated_json.h"

#define GSTRN(g, s, n) yajl_gen_string((g), (const unsigned char *) (s), (n))


/* s into dst of size bytes; -1 when it does not fit. */
static int
fgd_apis_copy(char *dst, size_t size, const char *s)
{
    return fgd_copy(dst, size, s, strlen(s)) ? 0 : -1;
}


int
fgd_api_parse(const char *body, size_t len, bool create, fgd_api_req_t *q,
    fgd_resp_t *r)
{
    yajl_val     root;
    const char  *name, *stage, *access, *policy, *desc, *rev;
    int          rc = -1;

    memset(q, 0, sizeof(*q));
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    /* every member's type before any member's value */
    if (fgd_get_string(root, "Name", &name, r) != 0
        || fgd_get_string(root, "Stage", &stage, r) != 0
        || fgd_get_string(root, "Access", &access, r) != 0
        || fgd_get_string(root, "Policy", &policy, r) != 0
        || fgd_get_string(root, "Description", &desc, r) != 0
        || fgd_get_string(root, "RevisionId", &rev, r) != 0)
    {
        goto cleanup;
    }

    if (create) {
        if (name == NULL) {
            fgd_null_error(r, "name");
            goto cleanup;
        }
        if (!fg_api_name_valid(name, strlen(name))) {
            fgd_pattern_error(r, name, 130, "name", "[a-zA-Z0-9-_]{1,64}");
            goto cleanup;
        }
        memcpy(q->a.name, name, strlen(name) + 1);
        fgd_apis_copy(q->a.stage, sizeof(q->a.stage), "prod");
        fgd_apis_copy(q->a.access, sizeof(q->a.access), "private");
        fgd_apis_copy(q->a.policy, sizeof(q->a.policy), "caller");
    } else if (name != NULL) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "The name of an API can not be changed");
        goto cleanup;
    }
    if (stage != NULL) {
        if (!fg_api_stage_valid(stage, strlen(stage))) {
            fgd_pattern_error(r, stage, 130, "stage", "[a-zA-Z0-9-_]{1,64}");
            goto cleanup;
        }
        memcpy(q->a.stage, stage, strlen(stage) + 1);
        q->has_stage = true;
    }
    if (access != NULL) {
        if (fg_api_access_from(access, strlen(access)) == FG_API_ACCESS_BAD)
        {
            fgd_pattern_error(r, access, 130, "access",
                "private|granted|open");
            goto cleanup;
        }
        memcpy(q->a.access, access, strlen(access) + 1);
        q->has_access = true;
    }
    if (policy != NULL) {
        if (fg_api_policy_from(policy, strlen(policy)) == FG_API_POLICY_BAD)
        {
            fgd_pattern_error(r, policy, 130, "policy", "caller|owner");
            goto cleanup;
        }
        memcpy(q->a.policy, policy, strlen(policy) + 1);
        q->has_policy = true;
    }
    if (fgd_get_description(root, q->a.description, sizeof(q->a.description),
            &q->has_description, r) != 0
        || fgd_get_revision(root, FGD_GETTER_API, q->want_revision, r) != 0)
    {
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

int
fgd_api_body_string(const char *body, size_t len, const char *member,
    char *dst, size_t size, fgd_resp_t *r)
{
    yajl_val     root;
    const char  *v;
    int          rc = -1;

    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, member, &v, r) != 0) {
        goto cleanup;
    }
    if (v == NULL) {
        fgd_null_error(r, member);
        goto cleanup;
    }
    if (fgd_apis_copy(dst, size, v) != 0) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value at '%s' failed to satisfy "
            "constraint: Member must have length less than or equal to %zu",
            member, size - 1);
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

void
fgd_api_merge(fgd_api_t *a, const fgd_api_req_t *q)
{
    if (q->has_stage) {
        memcpy(a->stage, q->a.stage, sizeof(a->stage));
    }
    if (q->has_access) {
        memcpy(a->access, q->a.access, sizeof(a->access));
    }
    if (q->has_policy) {
        memcpy(a->policy, q->a.policy, sizeof(a->policy));
    }
    if (q->has_description) {
        memcpy(a->description, q->a.description, sizeof(a->description));
    }
}

static const char *
fgd_template_error(fg_api_template_rc_t rc)
{
    switch (rc) {
    case FG_API_TEMPLATE_NOT_ABSOLUTE:
        return "it must start with \"/\"";
    case FG_API_TEMPLATE_EMPTY_SEGMENT:
        return "it has an empty segment (\"//\" or a trailing \"/\")";
    case FG_API_TEMPLATE_DOT_SEGMENT:
        return "it has a \".\" or \"..\" segment";
    case FG_API_TEMPLATE_BAD_CHAR:
        return "a literal segment has a character outside "
               "[A-Za-z0-9._~!$&'()*+,;=:@-]";
    case FG_API_TEMPLATE_BAD_PARAM:
        return "a parameter must be a whole segment \"{name}\" with a name "
               "of [A-Za-z_][A-Za-z0-9_]{0,63}";
    case FG_API_TEMPLATE_DUP_PARAM:
        return "a parameter name is used twice";
    case FG_API_TEMPLATE_TOO_LONG:
        return "it is longer than 1024 characters or 32 segments";
    default:
        return "it is not valid";
    }
}

int
fgd_api_route_parse_body(const char *body, size_t len, bool create,
    fgd_api_route_req_t *q, fgd_resp_t *r)
{
    yajl_val              root;
    const char           *method, *path, *fn, *qual;
    int                   rc = -1;
    fg_api_template_rc_t  trc;

    memset(q, 0, sizeof(*q));
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, "Method", &method, r) != 0
        || fgd_get_string(root, "Path", &path, r) != 0
        || fgd_get_string(root, "FunctionName", &fn, r) != 0
        || fgd_get_string(root, "Qualifier", &qual, r) != 0)
    {
        goto cleanup;
    }
    if (create && (method == NULL || path == NULL || fn == NULL)) {
        fgd_null_error(r, method == NULL ? "method" : path == NULL ? "path"
                                                     : "functionName");
        goto cleanup;
    }
    if (method != NULL) {
        if (!fg_api_method_valid(method, strlen(method), true)) {
            fgd_pattern_error(r, method, 130, "method",
                "GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|ANY");
            goto cleanup;
        }
        memcpy(q->rt.method, method, strlen(method) + 1);
        q->has_method = true;
    }
    if (path != NULL) {
        trc = fg_api_template_check(path, strlen(path));
        if (trc != FG_API_TEMPLATE_OK) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "The path '%.200s' is not a valid route path: %s", path,
                fgd_template_error(trc));
            goto cleanup;
        }
        memcpy(q->rt.path, path, strlen(path) + 1);
        q->has_path = true;
    }
    if (fn != NULL) {
        if (!fg_function_name_valid(fn, strlen(fn))) {
            fgd_pattern_error(r, fn, 130, "functionName",
                FGD_FUNCTION_NAME_PATTERN);
            goto cleanup;
        }
        memcpy(q->rt.function, fn, strlen(fn) + 1);
        q->has_function = true;
    }
    if (qual != NULL) {
        if (qual[0] != '\0' && !fg_qualifier_valid(qual, strlen(qual))) {
            fgd_pattern_error(r, qual, 130, "qualifier",
                FGD_QUALIFIER_PATTERN);
            goto cleanup;
        }
        memcpy(q->rt.qualifier, qual, strlen(qual) + 1);
        q->has_qualifier = true;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

void
fgd_api_route_merge(fgd_api_route_t *rt, const fgd_api_route_req_t *q)
{
    if (q->has_method) {
        memcpy(rt->method, q->rt.method, sizeof(rt->method));
    }
    if (q->has_path) {
        memcpy(rt->path, q->rt.path, sizeof(rt->path));
    }
    if (q->has_function) {
        memcpy(rt->function, q->rt.function, sizeof(rt->function));
    }
    if (q->has_qualifier) {
        memcpy(rt->qualifier, q->rt.qualifier, sizeof(rt->qualifier));
    }
}

int
fgd_api_route_value(const fgd_api_route_t *rt, char *dst, size_t size)
{
    int  n;

    n = snprintf(dst, size, "%s %s %s%s%s", rt->method, rt->path,
        rt->function, rt->qualifier[0] ? ":" : "", rt->qualifier);
    return n < 0 || (size_t) n >= size ? -1 : n;
}

static void
fgd_apis_span(char *dst, size_t size, const fg_api_span_t *s)
{
    size_t  n = s->len < size ? s->len : size - 1;

    memcpy(dst, s->data, n);
    dst[n] = '\0';
}

int
fgd_api_route_from_value(fgd_api_route_t *rt, const char *v, size_t len)
{
    fg_api_hit_t  h;

    if (fg_api_route_value_parse(v, len, &h) != 0
        || h.resource.len > FG_API_TEMPLATE_MAX)
    {
        return -1;
    }
    fgd_apis_span(rt->method, sizeof(rt->method), &h.method);
    fgd_apis_span(rt->path, sizeof(rt->path), &h.resource);
    fgd_apis_span(rt->function, sizeof(rt->function), &h.function);
    fgd_apis_span(rt->qualifier, sizeof(rt->qualifier), &h.qualifier);
    return 0;
}

int
fgd_api_sub_value(const fgd_api_sub_t *s, char *dst, size_t size)
{
    int  n;

    n = snprintf(dst, size, "%s %s %s", s->status, s->created, s->modified);
    return n < 0 || (size_t) n >= size ? -1 : n;
}

int
fgd_api_sub_from_value(fgd_api_sub_t *s, const char *v, size_t len)
{
    const char  *sp1, *sp2, *end = v + len;

    sp1 = memchr(v, ' ', len);
    if (sp1 == NULL) {
        return -1;
    }
    sp2 = memchr(sp1 + 1, ' ', (size_t) (end - sp1 - 1));
    if (sp2 == NULL
        || (size_t) (sp1 - v) >= sizeof(s->status)
        || (size_t) (sp2 - sp1 - 1) >= sizeof(s->created)
        || (size_t) (end - sp2 - 1) >= sizeof(s->modified))
    {
        return -1;
    }
    memcpy(s->status, v, (size_t) (sp1 - v));
    s->status[sp1 - v] = '\0';
    memcpy(s->created, sp1 + 1, (size_t) (sp2 - sp1 - 1));
    s->created[sp2 - sp1 - 1] = '\0';
    memcpy(s->modified, sp2 + 1, (size_t) (end - sp2 - 1));
    s->modified[end - sp2 - 1] = '\0';
    return 0;
}

int
fgd_api_from_fields(fgd_api_t *a, const char *const *fv, const size_t *lens,
    size_t count)
{
    static const struct {
        const char  *field;
        size_t       off;
        size_t       size;
    } map[] = {
        { "Name", offsetof(fgd_api_t, name), sizeof(((fgd_api_t *) 0)->name) },
        { "Stage", offsetof(fgd_api_t, stage),
          sizeof(((fgd_api_t *) 0)->stage) },
        { "Access", offsetof(fgd_api_t, access),
          sizeof(((fgd_api_t *) 0)->access) },
        { "Policy", offsetof(fgd_api_t, policy),
          sizeof(((fgd_api_t *) 0)->policy) },
        { "Description", offsetof(fgd_api_t, description),
          sizeof(((fgd_api_t *) 0)->description) },
        { "CreatedDate", offsetof(fgd_api_t, created),
          sizeof(((fgd_api_t *) 0)->created) },
        { "LastModified", offsetof(fgd_api_t, modified),
          sizeof(((fgd_api_t *) 0)->modified) },
        { "RevisionId", offsetof(fgd_api_t, revision_id),
          sizeof(((fgd_api_t *) 0)->revision_id) },
    };
    size_t  i, j;

    memset(a, 0, sizeof(*a));
    for (i = 0; i + 1 < count; i += 2) {
        for (j = 0; j < sizeof(map) / sizeof(map[0]); j++) {
            if (strlen(map[j].field) != lens[i]
                || memcmp(map[j].field, fv[i], lens[i]) != 0)
            {
                continue;
            }
            if (lens[i + 1] >= map[j].size) {
                return -1;
            }
            memcpy((char *) a + map[j].off, fv[i + 1], lens[i + 1]);
            ((char *) a + map[j].off)[lens[i + 1]] = '\0';
        }
    }
    if (!fg_api_name_valid(a->name, strlen(a->name))
        || !fg_api_stage_valid(a->stage, strlen(a->stage))
        || fg_api_access_from(a->access, strlen(a->access))
            == FG_API_ACCESS_BAD
        || fg_api_policy_from(a->policy, strlen(a->policy))
            == FG_API_POLICY_BAD)
    {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* JSON answers                                                          */

static void
fgd_gen_api(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_api_t      *a = item;
    const fgd_arn_ctx_t  *w = ctx;
    char                  buf[256];

    yajl_gen_map_open(g);
    GSTR(g, "Name");          GSTR(g, a->name);
    fg_api_arn(buf, sizeof(buf), w->region, w->account, a->name);
    GSTR(g, "ApiArn");        GSTR(g, buf);
    GSTR(g, "Stage");         GSTR(g, a->stage);
    GSTR(g, "Access");        GSTR(g, a->access);
    GSTR(g, "Policy");        GSTR(g, a->policy);
    GSTR(g, "Description");   GSTR(g, a->description);
    snprintf(buf, sizeof(buf), "/apis/%s/%s/%s", w->account, a->name,
        a->stage);
    GSTR(g, "Endpoint");      GSTR(g, buf);
    GSTR(g, "CreatedDate");   GSTR(g, a->created);
    GSTR(g, "LastModified");  GSTR(g, a->modified);
    GSTR(g, "RevisionId");    GSTR(g, a->revision_id);
    yajl_gen_map_close(g);
}

int
fgd_json_api(const fgd_api_t *a, const char *region, const char *owner,
    char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, owner, NULL };

    return fgd_json_item(fgd_gen_api, a, &w, out, out_len);
}

int
fgd_json_list_apis(const fgd_api_t *as, size_t n, const char *region,
    const char *owner, char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, owner, NULL };

    return fgd_json_list("Apis", fgd_gen_api, as, n, sizeof(*as), &w, NULL,
        out, out_len);
}

static void
fgd_gen_route(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_api_route_t  *rt = item;
    const fgd_arn_ctx_t    *w = ctx;
    char                    arn[512];

    yajl_gen_map_open(g);
    GSTR(g, "RouteId");       GSTR(g, rt->id);
    GSTR(g, "Method");        GSTR(g, rt->method);
    GSTR(g, "Path");          GSTR(g, rt->path);
    GSTR(g, "FunctionName");  GSTR(g, rt->function);
    if (rt->qualifier[0] != '\0') {
        GSTR(g, "Qualifier"); GSTR(g, rt->qualifier);
    }
    fg_function_arn(arn, sizeof(arn), w->region, w->account, rt->function,
        rt->qualifier);
    GSTR(g, "FunctionArn");   GSTR(g, arn);
    yajl_gen_map_close(g);
}

int
fgd_json_api_route(const fgd_api_route_t *rt, const char *region,
    const char *owner, char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, owner, NULL };

    return fgd_json_item(fgd_gen_route, rt, &w, out, out_len);
}

int
fgd_json_list_api_routes(const fgd_api_route_t *rts, size_t n,
    const char *region, const char *owner, char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, owner, NULL };

    return fgd_json_list("Routes", fgd_gen_route, rts, n, sizeof(*rts), &w,
        NULL, out, out_len);
}

/* ctx: the region */
static void
fgd_gen_sub(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_api_sub_t  *s = item;
    char                  arn[256];

    yajl_gen_map_open(g);
    fg_api_arn(arn, sizeof(arn), ctx, s->owner, s->api);
    GSTR(g, "ApiArn");        GSTR(g, arn);
    GSTR(g, "Account");       GSTR(g, s->account);
    GSTR(g, "Status");        GSTR(g, s->status);
    GSTR(g, "CreatedDate");   GSTR(g, s->created);
    GSTR(g, "LastModified");  GSTR(g, s->modified);
    yajl_gen_map_close(g);
}

int
fgd_json_api_sub(const fgd_api_sub_t *s, const char *region, char **out,
    size_t *out_len)
{
    return fgd_json_item(fgd_gen_sub, s, region, out, out_len);
}

int
fgd_json_list_api_subs(const fgd_api_sub_t *ss, size_t n,
    const char *region, char **out, size_t *out_len)
{
    return fgd_json_list("Subscriptions", fgd_gen_sub, ss, n, sizeof(*ss),
        region, NULL, out, out_len);
}

/* ------------------------------------------------------------------ */
/* The proxy event                                                       */

bool
fgd_utf8_valid(const char *s, size_t len)
{
    const unsigned char  *p = (const unsigned char *) s;
    size_t                i = 0, n, k;
    unsigned long         cp;

    while (i < len) {
        if (p[i] == 0) {
            return false;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if ((p[i] & 0xe0) == 0xc0) {
            n = 1;
            cp = p[i] & 0x1f;
        } else if ((p[i] & 0xf0) == 0xe0) {
            n = 2;
            cp = p[i] & 0x0f;
        } else if ((p[i] & 0xf8) == 0xf0) {
            n = 3;
            cp = p[i] & 0x07;
        } else {
            return false;
        }
        if (len - i <= n) {
            return false;
        }
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800)
            || (n == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff))
        {
            return false;
        }
        i += n + 1;
    }
    return true;
}

/* Decodes into a malloc'd string; NULL on a bad escape or no memory. */
static char *
fgd_apis_decode(const char *s, size_t len)
{
    char  *d = malloc(len + 1);

    if (d == NULL) {
        return NULL;
    }
    if (fg_url_decode(s, len, d, len + 1) < 0) {
        free(d);
        return NULL;
    }
    return d;
}

/*
 * The decoded string as a JSON string: a value that is not UTF-8 is null;
 * a key (a query parameter's name) that is not UTF-8 is -1, as a bad
 * escape is (the caller's 400).  A null key made yajl_gen refuse it and
 * take the value for the key: the event was '{"":...,""}', not JSON, for
 * "?%ff=1" (fuzz_proxy_event's finding).
 */
static int
fgd_gen_decoded(yajl_gen g, const char *s, size_t len, bool key)
{
    char  *d = fgd_apis_decode(s, len);
    int    rc = 0;

    if (d == NULL) {
        return -1;
    }
    if (fgd_utf8_valid(d, strlen(d))) {
        GSTR(g, d);
    } else if (key) {
        rc = -1;
    } else {
        yajl_gen_null(g);
    }
    free(d);
    return rc;
}

/* queryStringParameters: the last value of each name. */
static int
fgd_gen_query(yajl_gen g, const char *query)
{
    const char  *p = query, *end = query + strlen(query), *pair, *eq;
    const char  *pairs[256];
    size_t       plens[256], n = 0, i, j, klen, kjlen;
    bool         later;

    while (p < end && n < 256) {
        pair = p;
        while (p < end && *p != '&') {
            p++;
        }
        if (p > pair) {
            pairs[n] = pair;
            plens[n] = (size_t) (p - pair);
            n++;
        }
        if (p < end) {
            p++;
        }
    }
    if (n == 0) {
        yajl_gen_null(g);
        return 0;
    }
    yajl_gen_map_open(g);
    for (i = 0; i < n; i++) {
        eq = memchr(pairs[i], '=', plens[i]);
        klen = eq ? (size_t) (eq - pairs[i]) : plens[i];
        later = false;
        for (j = i + 1; j < n && !later; j++) {
            eq = memchr(pairs[j], '=', plens[j]);
            kjlen = eq ? (size_t) (eq - pairs[j]) : plens[j];
            later = kjlen == klen && memcmp(pairs[i], pairs[j], klen) == 0;
        }
        if (later) {
            continue;
        }
        if (fgd_gen_decoded(g, pairs[i], klen, true) != 0) {
            return -1;
        }
        if (klen == plens[i]) {
            GSTR(g, "");
        } else if (fgd_gen_decoded(g, pairs[i] + klen + 1,
                       plens[i] - klen - 1, false) != 0)
        {
            return -1;
        }
    }
    yajl_gen_map_close(g);
    return 0;
}

/* The client's headers, as the module passed them (a JSON object of
 * strings; a name sent twice is there twice, the last value is kept); an
 * unreadable text gives {}. */
static void
fgd_gen_headers(yajl_gen g, const char *headers)
{
    yajl_val  root = NULL;
    size_t    i;

    if (headers != NULL && headers[0] != '\0'
        && fgd_json_shape_ok(headers, strlen(headers), 2))
    {
        root = yajl_tree_parse(headers, NULL, 0);
    }
    yajl_gen_map_open(g);
    if (root != NULL && YAJL_IS_OBJECT(root)) {
        for (i = 0; i < root->u.object.len; i++) {
            yajl_val v = root->u.object.values[i];
            size_t   j;
            bool     later = false;

            /* a repeated name: its last value */
            for (j = i + 1; j < root->u.object.len && !later; j++) {
                later = strcasecmp(root->u.object.keys[i],
                                   root->u.object.keys[j]) == 0;
            }
            if (!YAJL_IS_STRING(v) || later) {
                continue;
            }
            GSTR(g, root->u.object.keys[i]);
            GSTR(g, v->u.string);
        }
    }
    yajl_gen_map_close(g);
    yajl_tree_free(root);
}

int
fgd_api_event(const fgd_api_call_t *c, char **out, size_t *out_len,
    fgd_resp_t *r)
{
    yajl_gen       g;
    fg_api_span_t  params[2 * FGD_API_PARAMS_MAX];
    unsigned long  lit;
    size_t         np = 0, i, plen;
    const char    *path = c->path[0] ? c->path : "/";
    char          *b64 = NULL;
    int            rc = -1;

    plen = strlen(path);
    if (!fg_api_path_ok(path, plen)) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The path of the request is not valid");
    }
    if (!fg_api_template_match(c->resource, strlen(c->resource), path, plen,
            &lit, params, FGD_API_PARAMS_MAX, &np))
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The path of the request does not match the route %s",
            c->route_id);
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return fgd_nomem(r);
    }
    yajl_gen_map_open(g);
    GSTR(g, "resource");      GSTR(g, c->resource);
    GSTR(g, "path");
    if (fgd_gen_decoded(g, path, plen, false) != 0) {
        goto bad;
    }
    GSTR(g, "httpMethod");    GSTR(g, c->method);
    GSTR(g, "headers");
    fgd_gen_headers(g, c->headers);
    GSTR(g, "queryStringParameters");
    if (fgd_gen_query(g, c->query ? c->query : "") != 0) {
        goto bad;
    }
    GSTR(g, "pathParameters");
    if (np == 0) {
        yajl_gen_null(g);
    } else {
        yajl_gen_map_open(g);
        for (i = 0; i < np; i++) {
            GSTRN(g, params[2 * i].data, params[2 * i].len);
            if (fgd_gen_decoded(g, params[2 * i + 1].data,
                    params[2 * i + 1].len, false) != 0)
            {
                goto bad;
            }
        }
        yajl_gen_map_close(g);
    }
    GSTR(g, "stageVariables"); yajl_gen_null(g);
    GSTR(g, "requestContext");
    yajl_gen_map_open(g);
    GSTR(g, "accountId");     GSTR(g, c->owner);
    GSTR(g, "apiId");         GSTR(g, c->api);
    GSTR(g, "stage");         GSTR(g, c->stage);
    GSTR(g, "resourceId");    GSTR(g, c->route_id);
    GSTR(g, "resourcePath");  GSTR(g, c->resource);
    GSTR(g, "httpMethod");    GSTR(g, c->method);
    GSTR(g, "requestId");     GSTR(g, c->request_id);
    GSTR(g, "identity");
    yajl_gen_map_open(g);
    GSTR(g, "accountId");     GSTR(g, c->caller);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    GSTR(g, "body");
    if (c->body_len == 0) {
        yajl_gen_null(g);
        GSTR(g, "isBase64Encoded"); yajl_gen_bool(g, 0);
    } else if (fgd_utf8_valid(c->body, c->body_len)) {
        GSTRN(g, c->body, c->body_len);
        GSTR(g, "isBase64Encoded"); yajl_gen_bool(g, 0);
    } else {
        b64 = malloc(c->body_len / 3 * 4 + 8);
        if (b64 == NULL) {
            fgd_nomem(r);
            goto cleanup;
        }
        fgd_base64_encode((const uint8_t *) c->body, c->body_len, b64);
        GSTR(g, b64);
        GSTR(g, "isBase64Encoded"); yajl_gen_bool(g, 1);
    }
    yajl_gen_map_close(g);
    if (fgd_gen_take(g, out, out_len) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    rc = 0;
    goto cleanup;

bad:
    fgd_error(r, 400, "InvalidParameterValueException",
        "The path or query of the request does not decode");

cleanup:
    free(b64);
    yajl_gen_free(g);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The proxy response                                                    */

static bool
fgd_header_name_ok(const char *s)
{
    size_t  i, n = strlen(s);

    if (n == 0 || n > 256) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || strchr("!#$%&'*+-.^_`|~", s[i])
              != NULL))
        {
            return false;
        }
    }
    return true;
}

/* Names a function may not set: the gateway's and the transport's. */
static bool
fgd_header_reserved(const char *s)
{
    static const char *const  names[] = {
        "status", "content-length", "transfer-encoding", "connection",
        "keep-alive", "upgrade", "trailer", "te", "date", "server"
    };
    size_t                    i;

    if (strncasecmp(s, "x-fngate-", 9) == 0
        || strncasecmp(s, "x-amz-", 6) == 0
        || strncasecmp(s, "x-amzn-", 7) == 0)
    {
        return true;
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

int
fgd_append_header(char **headers, const char *name, const char *value)
{
    size_t  old = *headers ? strlen(*headers) : 0;
    size_t  add = strlen(name) + strlen(value) + 5;
    char   *h = realloc(*headers, old + add);

    if (h == NULL) {
        return -1;
    }
    snprintf(h + old, add, "%s: %s\r\n", name, value);
    *headers = h;
    return 0;
}

static int
fgd_bad_proxy(fgd_resp_t *r, const char *why)
{
    fgd_error(r, 502, "ServiceException",
        "The function's response is not a valid proxy response: %s", why);
    return -1;
}

int
fgd_api_response(fgd_resp_t *r)
{
    yajl_val     root = NULL, code, headers, body, b64;
    char        *text, num[64], *extra = NULL, *ctype = NULL, *nb = NULL;
    const char  *value;
    size_t       i, nb_len = 0;
    ssize_t      dl;
    long long    status;
    int          rc = -1;

    if (r->body != NULL && r->body_len > 0
        && fgd_json_shape_ok(r->body, r->body_len, FGD_JSON_DEPTH_MAX))
    {
        text = malloc(r->body_len + 1);
        if (text == NULL) {
            return fgd_nomem(r);
        }
        memcpy(text, r->body, r->body_len);
        text[r->body_len] = '\0';
        root = yajl_tree_parse(text, NULL, 0);
        free(text);
    }
    code = (root != NULL && YAJL_IS_OBJECT(root))
           ? fgd_obj_get(root, "statusCode") : NULL;
    if (code == NULL) {
        /* any other output: 200 with the output as a JSON body */
        yajl_tree_free(root);
        r->status = 200;
        return 0;
    }

    if (!YAJL_IS_INTEGER(code)) {
        fgd_bad_proxy(r, "statusCode is not an integer");
        goto cleanup;
    }
    status = YAJL_GET_INTEGER(code);
    if (status < 100 || status > 599) {
        snprintf(num, sizeof(num), "statusCode %lld is out of range", status);
        fgd_bad_proxy(r, num);
        goto cleanup;
    }

    headers = fgd_obj_get(root, "headers");
    if (headers != NULL && !YAJL_IS_NULL(headers)) {
        if (!YAJL_IS_OBJECT(headers)) {
            fgd_bad_proxy(r, "headers is not an object");
            goto cleanup;
        }
        for (i = 0; i < headers->u.object.len; i++) {
            const char *name = headers->u.object.keys[i];
            yajl_val    v = headers->u.object.values[i];

            if (YAJL_IS_STRING(v)) {
                value = v->u.string;
            } else if (YAJL_IS_NUMBER(v)) {
                value = YAJL_GET_NUMBER(v);
            } else if (YAJL_IS_TRUE(v)) {
                value = "true";
            } else if (YAJL_IS_FALSE(v)) {
                value = "false";
            } else {
                fgd_bad_proxy(r, "a header value is not a string");
                goto cleanup;
            }
            if (!fgd_header_name_ok(name) || strlen(value) > FGD_API_HEADER_MAX
                || strpbrk(value, "\r\n") != NULL)
            {
                fgd_bad_proxy(r, "a header name or value is not valid");
                goto cleanup;
            }
            if (fgd_header_reserved(name)) {
                continue;
            }
            if (strcasecmp(name, "content-type") == 0) {
                free(ctype);
                ctype = strdup(value);
                if (ctype == NULL) {
                    goto nomem;
                }
                continue;
            }
            if (fgd_append_header(&extra, name, value) != 0) {
                goto nomem;
            }
        }
    }

    body = fgd_obj_get(root, "body");
    b64 = fgd_obj_get(root, "isBase64Encoded");
    if (body != NULL && !YAJL_IS_NULL(body)) {
        if (!YAJL_IS_STRING(body)) {
            fgd_bad_proxy(r, "body is not a string");
            goto cleanup;
        }
        if (b64 != NULL && YAJL_IS_TRUE(b64)) {
            nb = malloc(strlen(body->u.string) / 4 * 3 + 4);
            if (nb == NULL) {
                goto nomem;
            }
            dl = fgd_base64_decode(body->u.string, strlen(body->u.string),
                (uint8_t *) nb);
            if (dl < 0) {
                fgd_bad_proxy(r, "body is not base64");
                goto cleanup;
            }
            nb_len = (size_t) dl;
        } else {
            nb_len = strlen(body->u.string);
            nb = malloc(nb_len + 1);
            if (nb == NULL) {
                goto nomem;
            }
            memcpy(nb, body->u.string, nb_len);
        }
    }

    if (extra != NULL) {
        size_t  old = r->headers ? strlen(r->headers) : 0;
        char   *h = realloc(r->headers, old + strlen(extra) + 1);

        if (h == NULL) {
            goto nomem;
        }
        memcpy(h + old, extra, strlen(extra) + 1);
        r->headers = h;
    }
    free(r->body);
    r->body = nb;
    r->body_len = nb_len;
    nb = NULL;
    free(r->content_type);
    r->content_type = ctype;
    ctype = NULL;
    r->status = (int) status;
    rc = 0;
    goto cleanup;

nomem:
    fgd_nomem(r);

cleanup:
    free(extra);
    free(ctype);
    free(nb);
    yajl_tree_free(root);
    return rc;
}
