/*
 * fngated_json: the JSON helpers every request parser and answer of
 * fngated shares (a yajl tree in, yajl_gen out), and the query string's
 * MaxItems.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_route.h"
#include "fngated_json.h"
#include "fngated_util.h"

int
fgd_gen_take(yajl_gen g, char **out, size_t *out_len)
{
    const unsigned char *buf;
    size_t               len;

    *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        return -1;
    }
    *out = malloc(len + 1);
    if (*out == NULL) {
        return -1;
    }
    memcpy(*out, buf, len);
    (*out)[len] = '\0';
    if (out_len != NULL) {
        *out_len = len;
    }
    return 0;
}

int
fgd_gen_finish(yajl_gen g, char **out, size_t *out_len)
{
    int  rc = fgd_gen_take(g, out, out_len);

    yajl_gen_free(g);
    return rc;
}

int
fgd_json_item(fgd_gen_item_pt gen, const void *item, const void *ctx,
    char **out, size_t *out_len)
{
    yajl_gen  g = yajl_gen_alloc(NULL);

    if (g == NULL) {
        return -1;
    }
    gen(g, item, ctx);
    return fgd_gen_finish(g, out, out_len);
}

int
fgd_json_list(const char *key, fgd_gen_item_pt gen, const void *items,
    size_t n, size_t size, const void *ctx, const char *next, char **out,
    size_t *out_len)
{
    yajl_gen  g = yajl_gen_alloc(NULL);
    size_t    i;

    if (g == NULL) {
        return -1;
    }
    yajl_gen_map_open(g);
    GSTR(g, key);
    yajl_gen_array_open(g);
    for (i = 0; i < n; i++) {
        gen(g, (const char *) items + i * size, ctx);
    }
    yajl_gen_array_close(g);
    if (next != NULL && next[0] != '\0') {
        GSTR(g, "NextMarker");
        GSTR(g, next);
    }
    yajl_gen_map_close(g);
    return fgd_gen_finish(g, out, out_len);
}

yajl_val
fgd_obj_get(yajl_val obj, const char *key)
{
    size_t i;

    for (i = 0; i < obj->u.object.len; i++) {
        if (strcmp(obj->u.object.keys[i], key) == 0) {
            return obj->u.object.values[i];
        }
    }
    return NULL;
}

/*
 * A present, non-null member must be of type (a string, an object or an
 * array); *out is NULL when it is absent or null.
 */
int
fgd_get_member(yajl_val obj, const char *key, yajl_type type, yajl_val *out,
    fgd_resp_t *r)
{
    yajl_val     v = fgd_obj_get(obj, key);
    const char  *what;

    *out = NULL;
    if (v == NULL || YAJL_IS_NULL(v)) {
        return 0;
    }
    if (v->type != type) {
        what = type == yajl_t_string ? "a string"
               : type == yajl_t_object ? "an object" : "an array";
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "%s must be %s", key, what);
    }
    *out = v;
    return 0;
}

/* A present, non-null field must be a string; *s is NULL when absent. */
int
fgd_get_string(yajl_val obj, const char *key, const char **s,
    fgd_resp_t *r)
{
    yajl_val  v;
    int       rc;

    rc = fgd_get_member(obj, key, yajl_t_string, &v, r);
    *s = v != NULL ? v->u.string : NULL;
    return rc;
}

int
fgd_get_uint(yajl_val obj, const char *key, unsigned def, unsigned lo,
    unsigned hi, const char *member, unsigned *out, fgd_resp_t *r)
{
    yajl_val   v = fgd_obj_get(obj, key);
    long long  n;

    *out = def;
    if (v == NULL || YAJL_IS_NULL(v)) {
        return 0;
    }
    if (!YAJL_IS_INTEGER(v)) {
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "%s must be an integer", key);
    }
    n = YAJL_GET_INTEGER(v);
    if (n < (long long) lo) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%lld' at '%s' failed to "
            "satisfy constraint: Member must have value greater than or "
            "equal to %u", n, member, lo);
    }
    if (n > (long long) hi) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%lld' at '%s' failed to "
            "satisfy constraint: Member must have value less than or equal "
            "to %u", n, member, hi);
    }
    *out = (unsigned) n;
    return 0;
}

/*
 * Parses a request body that must be a JSON object (an empty body is {}
 * when allow_empty).  0 with *root (yajl_tree_free it), or -1 with r.
 */
int
fgd_parse_doc(const char *body, size_t len, bool allow_empty,
    yajl_val *root, fgd_resp_t *r)
{
    char   errbuf[256];
    char  *text;

    *root = NULL;
    if (len == 0 && allow_empty) {
        body = "{}";
        len = 2;
    }
    if (len == 0) {
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "empty body");
    }
    if (!fgd_json_shape_ok(body, len, FGD_JSON_DEPTH_MAX)) {
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "NUL character or nesting deeper than %u",
            FGD_JSON_DEPTH_MAX);
    }
    text = malloc(len + 1);
    if (text == NULL) {
        return fgd_nomem(r);
    }
    memcpy(text, body, len);
    text[len] = '\0';
    errbuf[0] = '\0';
    *root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
    free(text);
    if (*root == NULL) {
        char *nl = strchr(errbuf, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "%s", errbuf[0] ? errbuf : "malformed JSON");
    }
    if (!YAJL_IS_OBJECT(*root)) {
        yajl_tree_free(*root);
        *root = NULL;
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "the body must be a JSON object");
    }
    return 0;
}

bool
fgd_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t   i;

    if (len == 0 || len > 19) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t) (s[i] - '0');
    }
    *out = v;
    return true;
}

bool
fgd_copy(char *dst, size_t size, const char *s, size_t len)
{
    if (len >= size || memchr(s, '\0', len) != NULL) {
        return false;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

char *
fgd_dup(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* Shared by both list queries: MaxItems 1..10000, default 50. */
int
fgd_max_items(const char *query, size_t qlen, unsigned *max_items,
    fgd_resp_t *r)
{
    char      buf[64];
    uint64_t  n;
    int       got;

    *max_items = FGD_LIST_DEFAULT;
    got = fg_query_get(query, qlen, "MaxItems", buf, sizeof(buf));
    if (got < 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Invalid MaxItems");
    }
    if (got == 1) {
        if (!fgd_parse_u64(buf, strlen(buf), &n) || n < 1
            || n > FGD_LIST_MAX)
        {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value '%.20s' at 'maxItems' "
                "failed to satisfy constraint: Member must have value "
                "between 1 and %u", buf, FGD_LIST_MAX);
        }
        *max_items = (unsigned) n;
    }
    return 0;
}

int
fgd_query_marker(const char *query, size_t qlen,
    bool (*valid)(const char *s, size_t len), char *marker, size_t size,
    fgd_resp_t *r)
{
    int  got;

    marker[0] = '\0';
    got = fg_query_get(query, qlen, "Marker", marker, size);
    if (got < 0 || (got == 1 && marker[0] != '\0'
                    && !valid(marker, strlen(marker))))
    {
        marker[0] = '\0';
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Invalid Marker");
    }
    return 0;
}

int
fgd_page_query(const char *query, bool (*valid)(const char *s, size_t len),
    char *marker, size_t size, unsigned *max_items, fgd_resp_t *r)
{
    size_t  qlen = query != NULL ? strlen(query) : 0;

    marker[0] = '\0';
    *max_items = FGD_LIST_DEFAULT;
    if (qlen == 0) {
        return 0;
    }
    if (fgd_query_marker(query, qlen, valid, marker, size, r) != 0) {
        return -1;
    }
    return fgd_max_items(query, qlen, max_items, r);
}

/* Lambda's key pattern: [a-zA-Z]([a-zA-Z0-9_])+ */
bool
fgd_env_name_valid(const char *s)
{
    size_t i;

    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        return false;
    }
    for (i = 1; s[i]; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        {
            return false;
        }
    }
    return i >= 2;
}

/* Lambda's RevisionId precondition: a uuid. */
int
fgd_get_revision(yajl_val root, const char *getter, char dst[37],
    fgd_resp_t *r)
{
    const char *s;

    dst[0] = '\0';
    if (fgd_get_string(root, "RevisionId", &s, r) != 0) {
        return -1;
    }
    if (s == NULL) {
        return 0;
    }
    if (strlen(s) > 36) {
        return fgd_revision_mismatch(r, getter);
    }
    snprintf(dst, 37, "%s", s);
    return 0;
}

int
fgd_get_description(yajl_val root, char *dst, size_t size, bool *has,
    fgd_resp_t *r)
{
    const char *s;

    *has = false;
    dst[0] = '\0';
    if (fgd_get_string(root, "Description", &s, r) != 0) {
        return -1;
    }
    if (s == NULL) {
        return 0;
    }
    if (strlen(s) > FGD_DESCRIPTION_MAX) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value at 'description' failed to "
            "satisfy constraint: Member must have length less than or "
            "equal to %u", FGD_DESCRIPTION_MAX);
    }
    snprintf(dst, size, "%s", s);
    *has = true;
    return 0;
}
