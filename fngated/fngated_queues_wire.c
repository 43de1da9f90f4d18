/*
 * fngated_queues_wire: SQS's two wire protocols, its errors and digests
 * (fngated_queues_wire.h).  No Redis, no FastCGI.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_json.h"
#include "fngated_queues_wire.h"
#include "fngated_util.h"

/* A string value of a yajl tree ("" for another type). */
static const char *
fgq_str(yajl_val v)
{
    const char  *s = YAJL_IS_STRING(v) ? v->u.string : NULL;

    return s != NULL ? s : "";
}

/* ------------------------------------------------------------------ */
/* Requests                                                              */

void
fgq_params_free(fgq_params_t *p)
{
    size_t  i;

    if (p == NULL) {
        return;
    }
    for (i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].value);
    }
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

int
fgq_params_add(fgq_params_t *p, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
    if (fgd_grow(&p->v, &p->cap, p->n, sizeof(*p->v), 16) != 0) {
        return -2;
    }
    p->v[p->n].name = fgd_dup(name, nlen);
    p->v[p->n].value = fgd_dup(value, vlen);
    if (p->v[p->n].name == NULL || p->v[p->n].value == NULL) {
        free(p->v[p->n].name);
        free(p->v[p->n].value);
        return -2;
    }
    p->v[p->n].len = vlen;
    p->n++;
    return 0;
}

static int
fgq_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Form-decodes s into dst (at least len + 1 bytes): the length, or -1. */
static ssize_t
fgq_form_decode(const char *s, size_t len, char *dst)
{
    size_t  i, o = 0;
    int     h, l;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            dst[o++] = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= len) {
                return -1;
            }
            h = fgq_hexval((unsigned char) s[i + 1]);
            l = fgq_hexval((unsigned char) s[i + 2]);
            if (h < 0 || l < 0) {
                return -1;
            }
            dst[o++] = (char) (h << 4 | l);
            i += 2;
        } else {
            dst[o++] = s[i];
        }
    }
    dst[o] = '\0';
    return (ssize_t) o;
}

int
fgq_params_form(fgq_params_t *p, const char *s, size_t len)
{
    const char  *pair, *end, *amp, *eq;
    char        *name = NULL, *value = NULL;
    ssize_t      nl, vl;
    int          rc = 0;

    end = s + len;
    for (pair = s; pair < end; pair = amp + 1) {
        amp = memchr(pair, '&', (size_t) (end - pair));
        if (amp == NULL) {
            amp = end;
        }
        if (amp == pair) {
            continue;
        }
        eq = memchr(pair, '=', (size_t) (amp - pair));
        if (eq == NULL) {
            eq = amp;
        }
        name = malloc((size_t) (eq - pair) + 1);
        value = malloc((size_t) (amp - eq) + 1);
        if (name == NULL || value == NULL) {
            rc = -2;
            goto cleanup;
        }
        nl = fgq_form_decode(pair, (size_t) (eq - pair), name);
        vl = eq < amp ? fgq_form_decode(eq + 1, (size_t) (amp - eq - 1),
                                        value)
                      : 0;
        if (eq == amp) {
            value[0] = '\0';
        }
        if (nl < 0 || vl < 0) {
            rc = -1;
            goto cleanup;
        }
        rc = fgq_params_add(p, name, (size_t) nl, value, (size_t) vl);
        if (rc != 0) {
            goto cleanup;
        }
        free(name);
        free(value);
        name = value = NULL;
        if (amp == end) {
            break;
        }
    }

cleanup:
    free(name);
    free(value);
    return rc;
}

/* The flattened name of a JSON list's items. */
static void
fgq_json_item_name(const char *action, const char *key, char *dst,
    size_t size)
{
    static const char *const  lists[][2] = {
        { "AttributeNames", "AttributeName" },
        { "MessageAttributeNames", "MessageAttributeName" },
        { "MessageSystemAttributeNames", "MessageSystemAttributeName" },
        { "AWSAccountIds", "AWSAccountId" },
        { "Actions", "ActionName" },
        { "TagKeys", "TagKey" },
        { "QueueUrls", "QueueUrl" },
    };
    size_t  i;

    if (strcmp(key, "Entries") == 0) {
        snprintf(dst, size, "%sRequestEntry", action);
        return;
    }
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        if (strcmp(key, lists[i][0]) == 0) {
            snprintf(dst, size, "%s", lists[i][1]);
            return;
        }
    }
    snprintf(dst, size, "%s", key);
}

/* The flattened names of a JSON map's entries, or false: not a map. */
static bool
fgq_json_map_names(const char *key, const char **item, const char **k,
    const char **v)
{
    static const char *const  maps[][4] = {
        { "Attributes", "Attribute", "Name", "Value" },
        { "MessageAttributes", "MessageAttribute", "Name", "Value" },
        { "MessageSystemAttributes", "MessageSystemAttribute", "Name",
          "Value" },
        { "tags", "Tag", "Key", "Value" },
        { "Tags", "Tag", "Key", "Value" },
    };
    size_t  i;

    for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        if (strcmp(key, maps[i][0]) == 0) {
            *item = maps[i][1];
            *k = maps[i][2];
            *v = maps[i][3];
            return true;
        }
    }
    return false;
}

/* A flattened name: 0, or -1 when it does not fit (the request is then
 * refused as malformed, never read under a cut name). */
static int
fgq_name_fmt(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fgq_name_fmt(char *dst, size_t size, const char *fmt, ...)
{
    va_list  args;
    int      n;

    va_start(args, fmt);
    n = vsnprintf(dst, size, fmt, args);
    va_end(args);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}

static int fgq_json_value(fgq_params_t *p, const char *action,
    const char *name, const char *key, yajl_val v, unsigned depth);

static int
fgq_json_object(fgq_params_t *p, const char *action, const char *prefix,
    yajl_val obj, unsigned depth)
{
    size_t  i;
    char    name[512];
    int     rc;

    for (i = 0; i < obj->u.object.len; i++) {
        if (fgq_name_fmt(name, sizeof(name), "%s%s", prefix,
                obj->u.object.keys[i]) != 0)
        {
            return -1;
        }
        rc = fgq_json_value(p, action, name, obj->u.object.keys[i],
                            obj->u.object.values[i], depth + 1);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* An element of a list or a map's value at the flattened name sub (of
 * size bytes): an object's members below it, a scalar as it is; a list
 * in a list is malformed. */
static int
fgq_json_element(fgq_params_t *p, const char *action, char *sub,
    size_t size, yajl_val e, unsigned depth)
{
    if (YAJL_IS_OBJECT(e)) {
        strncat(sub, ".", size - strlen(sub) - 1);
        return fgq_json_object(p, action, sub, e, depth + 1);
    }
    if (YAJL_IS_ARRAY(e)) {
        return -1;
    }
    return fgq_json_value(p, action, sub, sub, e, depth + 1);
}

/* name: the flattened name of the member so far; key: its JSON key. */
static int
fgq_json_value(fgq_params_t *p, const char *action, const char *name,
    const char *key, yajl_val v, unsigned depth)
{
    char         sub[512], item_name[128], base[512];
    const char  *item, *kn, *vn, *s;
    size_t       i;
    int          rc;

    if (depth > 6) {
        return -1;
    }
    if (YAJL_IS_STRING(v)) {
        s = fgq_str(v);
        return fgq_params_add(p, name, strlen(name), s, strlen(s));
    }
    if (YAJL_IS_NUMBER(v)) {
        s = YAJL_GET_NUMBER(v);
        return fgq_params_add(p, name, strlen(name), s, strlen(s));
    }
    if (YAJL_IS_TRUE(v)) {
        return fgq_params_add(p, name, strlen(name), "true", 4);
    }
    if (YAJL_IS_FALSE(v)) {
        return fgq_params_add(p, name, strlen(name), "false", 5);
    }
    if (YAJL_IS_NULL(v)) {
        return 0;
    }

    /* the flattened name replaces the key's last part */
    snprintf(base, sizeof(base), "%.*s", (int) (strlen(name) - strlen(key)),
        name);

    if (YAJL_IS_ARRAY(v)) {
        fgq_json_item_name(action, key, item_name, sizeof(item_name));
        for (i = 0; i < v->u.array.len; i++) {
            yajl_val  e = v->u.array.values[i];

            if (fgq_name_fmt(sub, sizeof(sub), "%s%s.%zu", base, item_name,
                    i + 1) != 0)
            {
                return -1;
            }
            rc = fgq_json_element(p, action, sub, sizeof(sub), e, depth);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }

    /* an object: a map, or a structure */
    if (!fgq_json_map_names(key, &item, &kn, &vn)) {
        snprintf(sub, sizeof(sub), "%s.", name);
        return fgq_json_object(p, action, sub, v, depth + 1);
    }
    for (i = 0; i < v->u.object.len; i++) {
        const char  *k = v->u.object.keys[i];
        yajl_val     e = v->u.object.values[i];

        if (fgq_name_fmt(sub, sizeof(sub), "%s%s.%zu.%s", base, item, i + 1,
                kn) != 0)
        {
            return -1;
        }
        rc = fgq_params_add(p, sub, strlen(sub), k, strlen(k));
        if (rc != 0) {
            return rc;
        }
        if (fgq_name_fmt(sub, sizeof(sub), "%s%s.%zu.%s", base, item, i + 1,
                vn) != 0)
        {
            return -1;
        }
        rc = fgq_json_element(p, action, sub, sizeof(sub), e, depth);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
fgq_params_json(fgq_params_t *p, const char *action, const char *body,
    size_t len)
{
    yajl_val  root;
    char     *text;
    int       rc;

    if (len == 0) {
        return 0;
    }
    if (!fgd_json_shape_ok(body, len, 8)) {
        return -1;
    }
    text = fgd_dup(body, len);
    if (text == NULL) {
        return -2;
    }
    root = yajl_tree_parse(text, NULL, 0);
    free(text);
    if (root == NULL || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return -1;
    }
    rc = fgq_json_object(p, action, "", root, 0);
    yajl_tree_free(root);
    return rc;
}

const char *
fgq_get(const fgq_params_t *p, const char *name, size_t *len)
{
    size_t  i;

    for (i = 0; i < p->n; i++) {
        if (strcmp(p->v[i].name, name) == 0) {
            if (len != NULL) {
                *len = p->v[i].len;
            }
            return p->v[i].value;
        }
    }
    if (len != NULL) {
        *len = 0;
    }
    return NULL;
}

const char *
fgq_getf(const fgq_params_t *p, size_t *len, const char *fmt, ...)
{
    va_list  args;
    char     name[512];

    va_start(args, fmt);
    vsnprintf(name, sizeof(name), fmt, args);
    va_end(args);
    return fgq_get(p, name, len);
}

/* ------------------------------------------------------------------ */
/* Answers                                                               */

static void
fgq_out_raw(fgq_out_t *o, const char *s, size_t len)
{
    char  *nb;

    if (o->failed) {
        return;
    }
    if (o->len + len + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;

        while (cap < o->len + len + 1) {
            cap *= 2;
        }
        nb = realloc(o->buf, cap);
        if (nb == NULL) {
            o->failed = true;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, len);
    o->len += len;
    o->buf[o->len] = '\0';
}

static void
fgq_out_s(fgq_out_t *o, const char *s)
{
    fgq_out_raw(o, s, strlen(s));
}

/* The text of a value, escaped for the protocol. */
static void
fgq_out_text(fgq_out_t *o, const char *s, size_t len)
{
    size_t       i, start = 0;
    const char  *esc;
    char         buf[8];

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];

        esc = NULL;
        if (o->json) {
            if (c == '"') {
                esc = "\\\"";
            } else if (c == '\\') {
                esc = "\\\\";
            } else if (c == '\n') {
                esc = "\\n";
            } else if (c == '\r') {
                esc = "\\r";
            } else if (c == '\t') {
                esc = "\\t";
            } else if (c < 0x20) {
                snprintf(buf, sizeof(buf), "\\u%04x", c);
                esc = buf;
            }
        } else {
            if (c == '&') {
                esc = "&amp;";
            } else if (c == '<') {
                esc = "&lt;";
            } else if (c == '>') {
                esc = "&gt;";
            } else if (c == '"') {
                esc = "&quot;";
            } else if (c == '\'') {
                esc = "&apos;";
            } else if (c == '\r') {
                esc = "&#xD;";
            } else if (c < 0x20 && c != '\n' && c != '\t') {
                snprintf(buf, sizeof(buf), "&#x%X;", c);
                esc = buf;
            }
        }
        if (esc != NULL) {
            fgq_out_raw(o, s + start, i - start);
            fgq_out_s(o, esc);
            start = i + 1;
        }
    }
    fgq_out_raw(o, s + start, len - start);
}

/* JSON: the comma before a member or an item of the current level. */
static void
fgq_out_sep(fgq_out_t *o)
{
    if (!o->json) {
        return;
    }
    if (!o->first[o->depth]) {
        fgq_out_s(o, ",");
    }
    o->first[o->depth] = false;
}

static void
fgq_out_push(fgq_out_t *o, const char *open)
{
    if (o->json) {
        fgq_out_s(o, open);
    }
    if (o->depth + 1 < FGQ_OUT_DEPTH) {
        o->depth++;
    } else {
        o->failed = true;
    }
    o->first[o->depth] = true;
}

static void
fgq_out_pop(fgq_out_t *o, const char *close)
{
    if (o->depth > 0) {
        o->depth--;
    }
    if (o->json) {
        fgq_out_s(o, close);
    }
}

static void
fgq_out_key(fgq_out_t *o, const char *name)
{
    fgq_out_sep(o);
    fgq_out_s(o, "\"");
    fgq_out_text(o, name, strlen(name));
    fgq_out_s(o, "\":");
}

#define FGQ_XMLNS_SQS  "http://queue.amazonaws.com/doc/2012-11-05/"

void
fgq_out_begin(fgq_out_t *o, bool json, const char *action, bool result)
{
    if (json) {
        memset(o, 0, sizeof(*o));
        o->json = true;
        o->result = result;
        snprintf(o->action, sizeof(o->action), "%s", action);
        o->first[0] = true;
        fgq_out_s(o, "{");
        return;
    }
    fgq_out_begin_xml(o, FGQ_XMLNS_SQS, action, result);
}

void
fgq_out_begin_xml(fgq_out_t *o, const char *xmlns, const char *action,
    bool result)
{
    memset(o, 0, sizeof(*o));
    o->result = result;
    snprintf(o->action, sizeof(o->action), "%s", action);
    o->first[0] = true;
    fgq_out_s(o, "<?xml version=\"1.0\"?><");
    fgq_out_s(o, o->action);
    fgq_out_s(o, "Response xmlns=\"");
    fgq_out_s(o, xmlns);
    fgq_out_s(o, "\">");
    if (result) {
        fgq_out_s(o, "<");
        fgq_out_s(o, o->action);
        fgq_out_s(o, "Result>");
    }
}

static void
fgq_out_tag(fgq_out_t *o, const char *name, bool close)
{
    fgq_out_s(o, close ? "</" : "<");
    fgq_out_s(o, name);
    fgq_out_s(o, ">");
}

void
fgq_out_str(fgq_out_t *o, const char *name, const char *value, size_t len)
{
    if (o->json) {
        fgq_out_key(o, name);
        fgq_out_s(o, "\"");
        fgq_out_text(o, value, len);
        fgq_out_s(o, "\"");
        return;
    }
    fgq_out_tag(o, name, false);
    fgq_out_text(o, value, len);
    fgq_out_tag(o, name, true);
}

void
fgq_out_cstr(fgq_out_t *o, const char *name, const char *value)
{
    fgq_out_str(o, name, value, strlen(value));
}

void
fgq_out_bool(fgq_out_t *o, const char *name, bool value)
{
    if (o->json) {
        fgq_out_key(o, name);
        fgq_out_s(o, value ? "true" : "false");
        return;
    }
    fgq_out_cstr(o, name, value ? "true" : "false");
}

void
fgq_out_num(fgq_out_t *o, const char *name, long long value)
{
    char  buf[24];

    snprintf(buf, sizeof(buf), "%lld", value);
    if (o->json) {
        fgq_out_key(o, name);
        fgq_out_s(o, buf);
        return;
    }
    fgq_out_cstr(o, name, buf);
}

/* A list or map member named json (in XML, its items are the parent's
 * elements), opened with bracket. */
static void
fgq_out_open(fgq_out_t *o, const char *json, const char *bracket)
{
    if (o->json) {
        fgq_out_key(o, json);
    }
    fgq_out_push(o, bracket);
}

void
fgq_out_list_begin(fgq_out_t *o, const char *json)
{
    fgq_out_open(o, json, "[");
}

void
fgq_out_list_end(fgq_out_t *o)
{
    fgq_out_pop(o, "]");
}

void
fgq_out_list_str(fgq_out_t *o, const char *item, const char *value)
{
    if (o->json) {
        fgq_out_sep(o);
        fgq_out_s(o, "\"");
        fgq_out_text(o, value, strlen(value));
        fgq_out_s(o, "\"");
        return;
    }
    fgq_out_cstr(o, item, value);
}

void
fgq_out_item_begin(fgq_out_t *o, const char *item)
{
    if (o->json) {
        fgq_out_sep(o);
    } else {
        fgq_out_tag(o, item, false);
    }
    fgq_out_push(o, "{");
}

void
fgq_out_item_end(fgq_out_t *o, const char *item)
{
    fgq_out_pop(o, "}");
    if (!o->json) {
        fgq_out_tag(o, item, true);
    }
}

void
fgq_out_map_begin(fgq_out_t *o, const char *json)
{
    fgq_out_open(o, json, "{");
}

void
fgq_out_map_end(fgq_out_t *o)
{
    fgq_out_pop(o, "}");
}

void
fgq_out_map_str(fgq_out_t *o, const char *item, const char *key,
    const char *value, size_t len)
{
    if (o->json) {
        fgq_out_str(o, key, value, len);
        return;
    }
    fgq_out_tag(o, item, false);
    fgq_out_cstr(o, "Name", key);
    fgq_out_str(o, "Value", value, len);
    fgq_out_tag(o, item, true);
}

void
fgq_out_map_obj_begin(fgq_out_t *o, const char *item, const char *key)
{
    if (o->json) {
        fgq_out_key(o, key);
    } else {
        fgq_out_tag(o, item, false);
        fgq_out_cstr(o, "Name", key);
        fgq_out_tag(o, "Value", false);
    }
    fgq_out_push(o, "{");
}

void
fgq_out_map_obj_end(fgq_out_t *o, const char *item)
{
    fgq_out_pop(o, "}");
    if (!o->json) {
        fgq_out_tag(o, "Value", true);
        fgq_out_tag(o, item, true);
    }
}

int
fgq_out_end(fgq_out_t *o, const char *request_id, fgd_resp_t *r)
{
    if (o->json) {
        fgq_out_s(o, "}");
    } else {
        if (o->result) {
            fgq_out_s(o, "</");
            fgq_out_s(o, o->action);
            fgq_out_s(o, "Result>");
        }
        fgq_out_s(o, "<ResponseMetadata><RequestId>");
        fgq_out_text(o, request_id, strlen(request_id));
        fgq_out_s(o, "</RequestId></ResponseMetadata></");
        fgq_out_s(o, o->action);
        fgq_out_s(o, "Response>");
    }
    if (o->failed) {
        fgq_out_free(o);
        return fgq_error(r, o->json, request_id, &fgq_e_internal,
            "out of memory");
    }
    r->status = 200;
    r->body = o->buf;
    r->body_len = o->len;
    r->content_type = strdup(o->json ? "application/x-amz-json-1.0"
                                     : "text/xml");
    o->buf = NULL;
    o->len = o->cap = 0;
    if (r->content_type == NULL) {
        fgd_resp_free(r);
        return fgq_error(r, o->json, request_id, &fgq_e_internal,
            "out of memory");
    }
    return 0;
}

void
fgq_out_free(fgq_out_t *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

/* ------------------------------------------------------------------ */
/* Errors                                                                */

const fgq_code_t  fgq_e_no_queue = { "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue", 400 };
const fgq_code_t  fgq_e_queue_exists = { "QueueNameExists",
    "QueueAlreadyExists", 400 };
const fgq_code_t  fgq_e_attr_name = { "InvalidAttributeName",
    "InvalidAttributeName", 400 };
const fgq_code_t  fgq_e_attr_value = { "InvalidAttributeValue",
    "InvalidAttributeValue", 400 };
const fgq_code_t  fgq_e_param_value = { "InvalidParameterValue",
    "InvalidParameterValue", 400 };
const fgq_code_t  fgq_e_missing = { "MissingParameter",
    "MissingParameter", 400 };
const fgq_code_t  fgq_e_action = { "InvalidAction", "InvalidAction", 400 };
const fgq_code_t  fgq_e_handle = { "ReceiptHandleIsInvalid",
    "ReceiptHandleIsInvalid", 400 };
const fgq_code_t  fgq_e_not_inflight = { "MessageNotInflight",
    "AWS.SimpleQueueService.MessageNotInflight", 400 };
const fgq_code_t  fgq_e_contents = { "InvalidMessageContents",
    "InvalidMessageContents", 400 };
const fgq_code_t  fgq_e_batch_empty = { "EmptyBatchRequest",
    "AWS.SimpleQueueService.EmptyBatchRequest", 400 };
const fgq_code_t  fgq_e_batch_many = { "TooManyEntriesInBatchRequest",
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400 };
const fgq_code_t  fgq_e_batch_ids = { "BatchEntryIdsNotDistinct",
    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400 };
const fgq_code_t  fgq_e_batch_id = { "InvalidBatchEntryId",
    "AWS.SimpleQueueService.InvalidBatchEntryId", 400 };
const fgq_code_t  fgq_e_batch_long = { "BatchRequestTooLong",
    "AWS.SimpleQueueService.BatchRequestTooLong", 400 };
const fgq_code_t  fgq_e_over_limit = { "OverLimit", "OverLimit", 403 };
const fgq_code_t  fgq_e_denied = { "AccessDenied", "AccessDenied", 403 };
const fgq_code_t  fgq_e_unsupported = { "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation", 400 };
const fgq_code_t  fgq_e_malformed = { "MalformedQueryString",
    "MalformedQueryString", 400 };
const fgq_code_t  fgq_e_internal = { "InternalError", "InternalError",
    500 };
const fgq_code_t  fgq_e_unavailable = { "ServiceUnavailable",
    "ServiceUnavailable", 503 };
const fgq_code_t  fgq_e_resource_not_found = { "ResourceNotFoundException",
    "ResourceNotFoundException", 404 };

/* An error message echoes what the request sent (an action, a name): any
 * byte that is not part of valid UTF-8, or a control character, becomes
 * '?', so the answer is valid JSON and XML. */
static void
fgq_text_scrub(char *s)
{
    unsigned char  *p = (unsigned char *) s;
    size_t          i, n, k;
    unsigned        cp, min;

    for (i = 0; p[i] != '\0'; i += n) {
        n = 1;
        if (p[i] < 0x80) {
            if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n'
                && p[i] != '\r')
            {
                p[i] = '?';
            }
            continue;
        }
        if ((p[i] & 0xe0) == 0xc0) {
            n = 2, cp = p[i] & 0x1f, min = 0x80;
        } else if ((p[i] & 0xf0) == 0xe0) {
            n = 3, cp = p[i] & 0x0f, min = 0x800;
        } else if ((p[i] & 0xf8) == 0xf0) {
            n = 4, cp = p[i] & 0x07, min = 0x10000;
        } else {
            p[i] = '?';
            n = 1;
            continue;
        }
        for (k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                break;
            }
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (k < n || cp < min || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe
            || cp == 0xffff)
        {
            p[i] = '?';
            n = 1;
        }
    }
}

static int
fgq_verror(fgd_resp_t *r, bool json, const char *xmlns,
    const char *request_id, const fgq_code_t *c, const char *fmt,
    va_list args)
{
    fgq_out_t    o;
    const char  *fault;
    char         head[256];

    fgd_resp_free(r);
    vsnprintf(r->message, sizeof(r->message), fmt, args);
    fgq_text_scrub(r->message);

    fault = c->status >= 500 ? "Receiver" : "Sender";
    memset(&o, 0, sizeof(o));
    o.json = json;
    if (json) {
        fgq_out_s(&o, "{\"__type\":\"com.amazonaws.sqs#");
        fgq_out_s(&o, c->name);
        fgq_out_s(&o, "\",\"message\":\"");
        fgq_out_text(&o, r->message, strlen(r->message));
        fgq_out_s(&o, "\"}");
        snprintf(head, sizeof(head), "x-amzn-query-error: %s;%s\r\n",
            c->code, fault);
        r->headers = strdup(head);
    } else {
        fgq_out_s(&o, "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"");
        fgq_out_s(&o, xmlns);
        fgq_out_s(&o, "\"><Error><Type>");
        fgq_out_s(&o, fault);
        fgq_out_s(&o, "</Type><Code>");
        fgq_out_s(&o, c->code);
        fgq_out_s(&o, "</Code><Message>");
        fgq_out_text(&o, r->message, strlen(r->message));
        fgq_out_s(&o, "</Message><Detail/></Error><RequestId>");
        fgq_out_text(&o, request_id, strlen(request_id));
        fgq_out_s(&o, "</RequestId></ErrorResponse>");
    }
    r->status = c->status;
    r->error_type = c->code;
    r->error_header_off = true;
    r->content_type = strdup(json ? "application/x-amz-json-1.0"
                                  : "text/xml");
    if (o.failed) {
        fgq_out_free(&o);
    } else {
        r->body = o.buf;
        r->body_len = o.len;
    }
    return -1;
}

int
fgq_error(fgd_resp_t *r, bool json, const char *request_id,
    const fgq_code_t *c, const char *fmt, ...)
{
    va_list  args;
    int      rc;

    va_start(args, fmt);
    rc = fgq_verror(r, json, FGQ_XMLNS_SQS, request_id, c, fmt, args);
    va_end(args);
    return rc;
}

int
fgq_error_xml(fgd_resp_t *r, const char *xmlns, const char *request_id,
    const fgq_code_t *c, const char *fmt, ...)
{
    va_list  args;
    int      rc;

    va_start(args, fmt);
    rc = fgq_verror(r, false, xmlns, request_id, c, fmt, args);
    va_end(args);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Messages                                                              */

void
fgq_attrs_free(fgq_attrs_t *a)
{
    unsigned  i;

    if (a == NULL) {
        return;
    }
    for (i = 0; i < a->n; i++) {
        free(a->v[i].name);
        free(a->v[i].type);
        free(a->v[i].value);
    }
    a->n = 0;
}

/* A DataType's custom label (after "String.", ...): letters, digits,
 * '_', '-', '.' only (no byte that would not be valid text). */
static bool
fgq_type_label_valid(const char *s, size_t len)
{
    size_t  i;

    for (i = 6; i < len; i++) {
        if (!(isalnum((unsigned char) s[i]) || s[i] == '_' || s[i] == '-'
              || s[i] == '.'))
        {
            return false;
        }
    }
    return true;
}

static bool
fgq_attr_name_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > 256 || s[0] == '.' || s[len - 1] == '.') {
        return false;
    }
    if (strncasecmp(s, "AWS.", 4) == 0 || strncasecmp(s, "Amazon.", 7) == 0)
    {
        return false;
    }
    for (i = 0; i < len; i++) {
        char c = s[i];

        if (!(isalnum((unsigned char) c) || c == '_' || c == '-'
              || c == '.'))
        {
            return false;
        }
        if (c == '.' && i + 1 < len && s[i + 1] == '.') {
            return false;
        }
    }
    return true;
}

static bool
fgq_number_valid(const char *s, size_t len)
{
    char   *end;
    char    buf[64];

    if (len == 0 || len >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    (void) strtod(buf, &end);
    return *end == '\0' && !isspace((unsigned char) buf[0]);
}

int
fgq_attrs_parse(const fgq_params_t *p, const char *prefix, fgq_attrs_t *a,
    char *err, size_t err_size)
{
    const char  *name, *type, *sv, *bv;
    size_t       nl, tl, svl, bvl;
    unsigned     i, j;
    fgq_attr_t  *at;
    ssize_t      dl;

    a->n = 0;
    for (i = 1; ; i++) {
        name = fgq_getf(p, &nl, "%s.%u.Name", prefix, i);
        if (name == NULL) {
            break;
        }
        if (a->n == FGQ_MAX_ATTRS) {
            snprintf(err, err_size, "Number of message attributes [%u] "
                "exceeds the allowed maximum [%u].", i, FGQ_MAX_ATTRS);
            goto failed;
        }
        if (!fgq_attr_name_valid(name, nl)) {
            snprintf(err, err_size, "Message attribute name '%.256s' is "
                "invalid.", name);
            goto failed;
        }
        for (j = 0; j < a->n; j++) {
            if (strcmp(a->v[j].name, name) == 0) {
                snprintf(err, err_size, "Message attribute name '%.256s' "
                    "already exists.", name);
                goto failed;
            }
        }
        type = fgq_getf(p, &tl, "%s.%u.Value.DataType", prefix, i);
        if (type == NULL || tl == 0) {
            snprintf(err, err_size, "The message attribute '%.256s' must "
                "contain non-empty message attribute type.", name);
            goto failed;
        }
        if (tl > 256 || !fgq_type_label_valid(type, tl)
            || !((strncmp(type, "String", 6) == 0
                  && (type[6] == '\0' || type[6] == '.'))
                 || (strncmp(type, "Number", 6) == 0
                     && (type[6] == '\0' || type[6] == '.'))
                 || (strncmp(type, "Binary", 6) == 0
                     && (type[6] == '\0' || type[6] == '.'))))
        {
            snprintf(err, err_size, "The type of message (user) attribute "
                "'%.256s' is invalid. You must use only the following "
                "supported type prefixes: Binary, Number, String.", name);
            goto failed;
        }
        sv = fgq_getf(p, &svl, "%s.%u.Value.StringValue", prefix, i);
        bv = fgq_getf(p, &bvl, "%s.%u.Value.BinaryValue", prefix, i);
        at = &a->v[a->n];
        memset(at, 0, sizeof(*at));
        at->name = fgd_dup(name, nl);
        at->type = fgd_dup(type, tl);
        if (at->name == NULL || at->type == NULL) {
            a->n++;
            snprintf(err, err_size, "out of memory");
            goto failed;
        }
        a->n++;
        if (type[0] == 'B') {
            if (bv == NULL || bvl == 0) {
                snprintf(err, err_size, "The message attribute '%.256s' "
                    "must contain non-empty message attribute value for "
                    "message attribute type '%.256s'.", name, type);
                goto failed;
            }
            at->value = malloc(bvl / 4 * 3 + 4);
            if (at->value == NULL) {
                snprintf(err, err_size, "out of memory");
                goto failed;
            }
            dl = fgd_base64_decode(bv, bvl, (uint8_t *) at->value);
            if (dl < 0) {
                snprintf(err, err_size, "The message attribute '%.256s' "
                    "has an invalid binary value (not base64).", name);
                goto failed;
            }
            at->len = (size_t) dl;
            at->binary = true;
            continue;
        }
        if (sv == NULL || svl == 0) {
            snprintf(err, err_size, "The message attribute '%.256s' must "
                "contain non-empty message attribute value for message "
                "attribute type '%.256s'.", name, type);
            goto failed;
        }
        if (!fgq_text_valid(sv, svl)) {
            snprintf(err, err_size, "The message attribute '%.256s' "
                "contains characters outside the allowed set.", name);
            goto failed;
        }
        if (type[0] == 'N' && !fgq_number_valid(sv, svl)) {
            snprintf(err, err_size, "Can't cast the value of message "
                "(user) attribute '%.256s' to a number.", name);
            goto failed;
        }
        at->value = fgd_dup(sv, svl);
        if (at->value == NULL) {
            snprintf(err, err_size, "out of memory");
            goto failed;
        }
        at->len = svl;
    }
    return 0;

failed:
    fgq_attrs_free(a);
    return -1;
}

size_t
fgq_attrs_size(const fgq_attrs_t *a)
{
    size_t    n = 0;
    unsigned  i;

    for (i = 0; i < a->n; i++) {
        n += strlen(a->v[i].name) + strlen(a->v[i].type) + a->v[i].len;
    }
    return n;
}

static int
fgq_attr_cmp(const void *x, const void *y)
{
    const fgq_attr_t *a = *(const fgq_attr_t *const *) x;
    const fgq_attr_t *b = *(const fgq_attr_t *const *) y;

    return strcmp(a->name, b->name);
}

static void
fgq_md5_len(EVP_MD_CTX *md, const void *data, size_t len)
{
    unsigned char  be[4];

    be[0] = (unsigned char) (len >> 24);
    be[1] = (unsigned char) (len >> 16);
    be[2] = (unsigned char) (len >> 8);
    be[3] = (unsigned char) len;
    EVP_DigestUpdate(md, be, 4);
    EVP_DigestUpdate(md, data, len);
}

void
fgq_attrs_md5(const fgq_attrs_t *a, const bool *want, char hex[33])
{
    const fgq_attr_t  *sorted[FGQ_MAX_ATTRS];
    unsigned           i, n = 0;
    unsigned char      md[EVP_MAX_MD_SIZE], tt;
    unsigned int       mdl = 0;
    EVP_MD_CTX        *ctx;

    hex[0] = '\0';
    for (i = 0; i < a->n; i++) {
        if (want == NULL || want[i]) {
            sorted[n++] = &a->v[i];
        }
    }
    if (n == 0) {
        return;
    }
    qsort(sorted, n, sizeof(sorted[0]), fgq_attr_cmp);
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return;
    }
    for (i = 0; i < n; i++) {
        fgq_md5_len(ctx, sorted[i]->name, strlen(sorted[i]->name));
        fgq_md5_len(ctx, sorted[i]->type, strlen(sorted[i]->type));
        tt = sorted[i]->binary ? 2 : 1;
        EVP_DigestUpdate(ctx, &tt, 1);
        fgq_md5_len(ctx, sorted[i]->value, sorted[i]->len);
    }
    EVP_DigestFinal_ex(ctx, md, &mdl);
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < mdl && i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}

char *
fgq_attrs_encode(const fgq_attrs_t *a)
{
    yajl_gen   g;
    unsigned   i;
    char      *out = NULL, *b64;
    size_t     len;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NULL;
    }
    yajl_gen_map_open(g);
    for (i = 0; i < a->n; i++) {
        GSTR(g, a->v[i].name);
        yajl_gen_map_open(g);
        GSTR(g, "DataType");
        GSTR(g, a->v[i].type);
        if (a->v[i].binary) {
            b64 = malloc(a->v[i].len / 3 * 4 + 5);
            if (b64 == NULL) {
                yajl_gen_free(g);
                return NULL;
            }
            fgd_base64_encode((const uint8_t *) a->v[i].value, a->v[i].len,
                b64);
            GSTR(g, "BinaryValue");
            GSTR(g, b64);
            free(b64);
        } else {
            GSTR(g, "StringValue");
            yajl_gen_string(g, (const unsigned char *) a->v[i].value,
                a->v[i].len);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    if (fgd_gen_finish(g, &out, &len) != 0) {
        return NULL;
    }
    return out;
}

int
fgq_attrs_decode(const char *s, size_t len, fgq_attrs_t *a)
{
    fgq_params_t  p;
    char          err[256];
    int           rc;

    a->n = 0;
    if (len == 0) {
        return 0;
    }
    /* parse as the JSON protocol's MessageAttributes member */
    {
        char  *wrap;
        size_t wl = len + sizeof("{\"MessageAttributes\":}");

        wrap = malloc(wl);
        if (wrap == NULL) {
            return -1;
        }
        wl = (size_t) snprintf(wrap, wl, "{\"MessageAttributes\":%.*s}",
            (int) len, s);
        memset(&p, 0, sizeof(p));
        rc = fgq_params_json(&p, "", wrap, wl);
        free(wrap);
        if (rc == 0) {
            rc = fgq_attrs_parse(&p, "MessageAttribute", a, err,
                sizeof(err));
        }
        fgq_params_free(&p);
    }
    return rc == 0 ? 0 : -1;
}

bool
fgq_attr_name_match(const char *pattern, const char *name)
{
    size_t  pl = strlen(pattern);

    if (strcmp(pattern, "All") == 0 || strcmp(pattern, ".*") == 0) {
        return true;
    }
    if (pl >= 2 && strcmp(pattern + pl - 2, ".*") == 0) {
        return strncmp(pattern, name, pl - 1) == 0;
    }
    return strcmp(pattern, name) == 0;
}

bool
fgq_text_valid(const char *s, size_t len)
{
    const unsigned char  *p = (const unsigned char *) s;
    size_t                i = 0;
    uint32_t              cp;
    unsigned              n, k;

    while (i < len) {
        unsigned char c = p[i];

        if (c < 0x80) {
            if (c < 0x20 && c != 0x9 && c != 0xa && c != 0xd) {
                return false;
            }
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len) {
            return false;
        }
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        /* overlong forms, surrogates, and what SQS leaves out */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800)
            || (n == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe
            || cp == 0xffff)
        {
            return false;
        }
        i += n + 1;
    }
    return true;
}

static void
fgq_digest_hex(const EVP_MD *type, const void *data, size_t len, char *hex)
{
    unsigned char  md[EVP_MAX_MD_SIZE];
    unsigned int   mdl = 0, i;

    hex[0] = '\0';
    if (EVP_Digest(data, len, md, &mdl, type, NULL) != 1) {
        return;
    }
    for (i = 0; i < mdl; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}

void
fgq_md5_hex(const void *data, size_t len, char hex[33])
{
    fgq_digest_hex(EVP_md5(), data, len, hex);
}

void
fgq_sha256_hex(const void *data, size_t len, char hex[65])
{
    fgq_digest_hex(EVP_sha256(), data, len, hex);
}

/* ------------------------------------------------------------------ */
/* Queues                                                                */

int
fgq_url_parse(const char *url, size_t len, char owner[FG_ACCOUNT_LEN + 1],
    char name[FG_QUEUE_NAME_MAX + 1])
{
    const char  *p, *end = url + len, *slash;

    p = url;
    if (len > 3) {
        const char *scheme = memchr(url, ':', len);

        if (scheme != NULL && scheme + 2 < end && scheme[1] == '/'
            && scheme[2] == '/')
        {
            p = memchr(scheme + 3, '/', (size_t) (end - scheme - 3));
            if (p == NULL) {
                return -1;
            }
        }
    }
    if (p >= end || *p != '/') {
        return -1;
    }
    p++;
    if (end > p && end[-1] == '/') {
        end--;
    }
    slash = memchr(p, '/', (size_t) (end - p));
    if (slash == NULL || slash - p != FG_ACCOUNT_LEN
        || !fg_account_valid(p, FG_ACCOUNT_LEN)
        || !fg_queue_name_valid(slash + 1, (size_t) (end - slash - 1)))
    {
        return -1;
    }
    memcpy(owner, p, FG_ACCOUNT_LEN);
    owner[FG_ACCOUNT_LEN] = '\0';
    memcpy(name, slash + 1, (size_t) (end - slash - 1));
    name[end - slash - 1] = '\0';
    return 0;
}

int
fgq_arn_parse(const char *arn, char region[FG_REGION_MAX + 1],
    char owner[FG_ACCOUNT_LEN + 1], char name[FG_QUEUE_NAME_MAX + 1])
{
    const char  *p, *c1, *c2;
    size_t       len = strlen(arn);

    if (len < 12 || strncmp(arn, "arn:aws:sqs:", 12) != 0) {
        return -1;
    }
    p = arn + 12;
    c1 = strchr(p, ':');
    if (c1 == NULL || !fg_region_valid(p, (size_t) (c1 - p))) {
        return -1;
    }
    c2 = strchr(c1 + 1, ':');
    if (c2 == NULL || c2 - c1 - 1 != FG_ACCOUNT_LEN
        || !fg_account_valid(c1 + 1, FG_ACCOUNT_LEN)
        || !fg_queue_name_valid(c2 + 1, strlen(c2 + 1)))
    {
        return -1;
    }
    memcpy(region, p, (size_t) (c1 - p));
    region[c1 - p] = '\0';
    memcpy(owner, c1 + 1, FG_ACCOUNT_LEN);
    owner[FG_ACCOUNT_LEN] = '\0';
    strcpy(name, c2 + 1);
    return 0;
}

/*
 * The text a handle of len bytes of base64url without padding (at most
 * FGQ_HANDLE_MAX) encodes, into plain (size bytes, NUL-terminated); strict
 * refuses the standard alphabet's '+', '/' and '='.  Its length, or -1
 * (not base64, empty, too long, or holding a NUL).
 */
static ssize_t
fgq_b64url_text(const char *h, size_t len, bool strict, uint8_t *plain,
    size_t size)
{
    char     b64[FGQ_HANDLE_MAX + 4];
    size_t   i;
    ssize_t  n;

    if (len == 0 || len >= FGQ_HANDLE_MAX) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        char c = h[i];

        if (strict && (c == '+' || c == '/' || c == '=')) {
            return -1;
        }
        b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (i % 4 != 0) {
        b64[i++] = '=';
    }
    if (i / 4 * 3 + 3 > size) {
        return -1;                  /* fgd_base64_decode's room */
    }
    n = fgd_base64_decode(b64, i, plain);
    if (n <= 0 || (size_t) n >= size) {
        return -1;
    }
    plain[n] = '\0';
    return memchr(plain, '\0', (size_t) n) != NULL ? -1 : n;
}

/* base64url without padding of len bytes of plain into dst. */
static void
fgq_b64url(const char *plain, size_t len, char *dst)
{
    size_t  n, i;

    n = fgd_base64_encode((const uint8_t *) plain, len, dst);
    for (i = 0; i < n; i++) {
        if (dst[i] == '+') {
            dst[i] = '-';
        } else if (dst[i] == '/') {
            dst[i] = '_';
        } else if (dst[i] == '=') {
            dst[i] = '\0';
            break;
        }
    }
}

void
fgq_handle_make(char *dst, const char *owner, const char *name,
    const char *entry, const char *nonce)
{
    char    plain[FG_ACCOUNT_LEN + FG_QUEUE_NAME_MAX + FGQ_ENTRY_ID_MAX
                  + FGQ_NONCE_MAX + 8];
    size_t  n;

    n = (size_t) snprintf(plain, sizeof(plain), "%s %s %s %s", owner, name,
        entry, nonce);
    if (n >= sizeof(plain)) {
        n = sizeof(plain) - 1;
    }
    fgq_b64url(plain, n, dst);
}

void
fgq_task_handle_make(char *dst, const char *owner, const char *name,
    const char *task)
{
    char  plain[FG_ACCOUNT_LEN + FG_QUEUE_NAME_MAX + 37 + 4];
    int   n;

    n = snprintf(plain, sizeof(plain), "%.12s %.80s %.36s", owner, name,
        task);
    fgq_b64url(plain, n < 0 ? 0 : (size_t) n, dst);
}

int
fgq_task_handle_parse(const char *h, size_t len,
    char owner[FG_ACCOUNT_LEN + 1], char name[FG_QUEUE_NAME_MAX + 1],
    char task[37])
{
    uint8_t  plain[FGQ_TASK_HANDLE_MAX];
    char    *sp1, *sp2;

    if (len >= FGQ_TASK_HANDLE_MAX
        || fgq_b64url_text(h, len, true, plain, sizeof(plain)) < 0)
    {
        return -1;
    }
    sp1 = strchr((char *) plain, ' ');
    sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 == NULL || sp2 == NULL || strchr(sp2 + 1, ' ') != NULL
        || !fg_account_valid((char *) plain, (size_t) (sp1 - (char *) plain))
        || !fg_queue_name_valid(sp1 + 1, (size_t) (sp2 - sp1 - 1))
        || !fg_uuid_valid(sp2 + 1, strlen(sp2 + 1)))
    {
        return -1;
    }
    memcpy(owner, plain, (size_t) (sp1 - (char *) plain));
    owner[sp1 - (char *) plain] = '\0';
    memcpy(name, sp1 + 1, (size_t) (sp2 - sp1 - 1));
    name[sp2 - sp1 - 1] = '\0';
    memcpy(task, sp2 + 1, 37);
    return 0;
}

static bool
fgq_entry_id_valid(const char *s)
{
    const char *dash = strchr(s, '-');
    size_t      i;

    if (dash == NULL || dash == s || dash[1] == '\0') {
        return false;
    }
    for (i = 0; s[i]; i++) {
        if (!isdigit((unsigned char) s[i]) && s + i != dash) {
            return false;
        }
    }
    return true;
}

int
fgq_handle_parse(const char *h, size_t len, char owner[FG_ACCOUNT_LEN + 1],
    char name[FG_QUEUE_NAME_MAX + 1], char entry[FGQ_ENTRY_ID_MAX + 1],
    char nonce[FGQ_NONCE_MAX + 1])
{
    uint8_t  plain[FGQ_HANDLE_MAX];
    char    *f[4], *save = NULL, *tok;
    unsigned k = 0;

    if (fgq_b64url_text(h, len, false, plain, sizeof(plain)) < 0) {
        return -1;
    }
    for (tok = strtok_r((char *) plain, " ", &save); tok != NULL;
         tok = strtok_r(NULL, " ", &save))
    {
        if (k == 4) {
            return -1;
        }
        f[k++] = tok;
    }
    if (k != 4 || !fg_account_valid(f[0], strlen(f[0]))
        || !fg_queue_name_valid(f[1], strlen(f[1]))
        || strlen(f[2]) > FGQ_ENTRY_ID_MAX || !fgq_entry_id_valid(f[2])
        || strlen(f[3]) == 0 || strlen(f[3]) > FGQ_NONCE_MAX)
    {
        return -1;
    }
    strcpy(owner, f[0]);
    strcpy(name, f[1]);
    strcpy(entry, f[2]);
    strcpy(nonce, f[3]);
    return 0;
}

void
fgq_sequence(const char *entry, char dst[32])
{
    unsigned long long  ms = 0, seq = 0;

    sscanf(entry, "%llu-%llu", &ms, &seq);
    snprintf(dst, 32, "%013llu%07llu", ms, seq % 10000000ull);
}

typedef struct {
    const char  *name;
    long         min, max;          /* numbers; min > max: not a number */
    unsigned     kind;              /* 0 number, 1 bool, 2 json, 3 text,
                                       4 read-only */
    bool         fifo_only;
} fgq_qattr_t;

static const fgq_qattr_t  fgq_qattrs[] = {
    { "DelaySeconds", 0, 900, 0, false },
    { "MaximumMessageSize", 1024, 262144, 0, false },
    { "MessageRetentionPeriod", 60, 1209600, 0, false },
    { "ReceiveMessageWaitTimeSeconds", 0, 20, 0, false },
    { "VisibilityTimeout", 0, 43200, 0, false },
    { "RedrivePolicy", 0, 0, 2, false },
    { "RedriveAllowPolicy", 0, 0, 2, false },
    { "Policy", 0, 0, 2, false },
    { "FifoQueue", 0, 0, 1, false },
    { "ContentBasedDeduplication", 0, 0, 1, true },
    { "KmsMasterKeyId", 0, 0, 3, false },
    { "KmsDataKeyReusePeriodSeconds", 60, 86400, 0, false },
    { "SqsManagedSseEnabled", 0, 0, 1, false },
    { "DeduplicationScope", 0, 0, 3, true },
    { "FifoThroughputLimit", 0, 0, 3, true },
    { "ApproximateNumberOfMessages", 0, 0, 4, false },
    { "ApproximateNumberOfMessagesNotVisible", 0, 0, 4, false },
    { "ApproximateNumberOfMessagesDelayed", 0, 0, 4, false },
    { "CreatedTimestamp", 0, 0, 4, false },
    { "LastModifiedTimestamp", 0, 0, 4, false },
    { "QueueArn", 0, 0, 4, false },
    { NULL, 0, 0, 0, false }
};

static const fgq_qattr_t *
fgq_qattr_find(const char *name)
{
    const fgq_qattr_t  *a;

    for (a = fgq_qattrs; a->name != NULL; a++) {
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

bool
fgq_qattr_known(const char *name)
{
    return strcmp(name, "All") == 0 || fgq_qattr_find(name) != NULL;
}

int
fgq_qattr_check(const char *name, const char *value, size_t len, bool fifo,
    bool create, char *err, size_t err_size)
{
    const fgq_qattr_t  *a = fgq_qattr_find(name);
    char                arn[FGQ_ARN_MAX];
    unsigned            max;
    uint64_t            n;

    if (a == NULL || a->kind == 4) {
        snprintf(err, err_size, "Unknown Attribute %.64s.", name);
        return 0;
    }
    if (a->fifo_only && !fifo) {
        snprintf(err, err_size, "Unknown Attribute %.64s.", name);
        return 0;
    }
    switch (a->kind) {
    case 0:
        if (!fgd_parse_u64(value, len, &n) || (long long) n < a->min
            || (long long) n > a->max)
        {
            snprintf(err, err_size, "Invalid value for the parameter "
                "%.64s.", name);
            return -1;
        }
        return 1;
    case 1:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            snprintf(err, err_size, "Invalid value for the parameter "
                "%.64s.", name);
            return -1;
        }
        if (strcmp(name, "FifoQueue") == 0 && !create) {
            snprintf(err, err_size, "Invalid value for the parameter "
                "FifoQueue. Reason: Modifying queue type is not "
                "supported.");
            return -1;
        }
        return 1;
    case 2:
        if (len == 0) {
            return 1;               /* "": removes it */
        }
        if (strcmp(name, "RedrivePolicy") == 0) {
            return fgq_redrive_parse(value, len, arn, &max, err, err_size)
                   == 0 ? 1 : -1;
        }
        if (!fgd_json_shape_ok(value, len, 16)) {
            snprintf(err, err_size, "Invalid value for the parameter "
                "%.64s.", name);
            return -1;
        }
        {
            char     *t = fgd_dup(value, len);
            yajl_val  root = t ? yajl_tree_parse(t, NULL, 0) : NULL;
            bool      ok = root != NULL && YAJL_IS_OBJECT(root);

            yajl_tree_free(root);
            free(t);
            if (!ok) {
                snprintf(err, err_size, "Invalid value for the parameter "
                    "%.64s.", name);
                return -1;
            }
        }
        if (strcmp(name, "Policy") == 0) {
            char   **f = NULL;
            size_t   nf = 0;

            if (fgq_policy_grants(value, len, &f, &nf, err, err_size) != 0)
            {
                return -1;
            }
            fgq_strv_free(f, nf);
        }
        return 1;
    default:
        if (len > 2048) {
            snprintf(err, err_size, "Invalid value for the parameter "
                "%.64s.", name);
            return -1;
        }
        if (strcmp(name, "DeduplicationScope") == 0
            && strcmp(value, "messageGroup") != 0
            && strcmp(value, "queue") != 0)
        {
            snprintf(err, err_size, "Invalid value for the parameter "
                "DeduplicationScope.");
            return -1;
        }
        if (strcmp(name, "FifoThroughputLimit") == 0
            && strcmp(value, "perQueue") != 0
            && strcmp(value, "perMessageGroupId") != 0)
        {
            snprintf(err, err_size, "Invalid value for the parameter "
                "FifoThroughputLimit.");
            return -1;
        }
        return 1;
    }
}

int
fgq_redrive_parse(const char *s, size_t len, char arn[FGQ_ARN_MAX],
    unsigned *max, char *err, size_t err_size)
{
    char         *t, region[FG_REGION_MAX + 1], owner[FG_ACCOUNT_LEN + 1];
    char          name[FG_QUEUE_NAME_MAX + 1];
    yajl_val      root = NULL, a, m;
    uint64_t      n = 0;
    int           rc = -1;
    const char   *ms;

    t = fgd_json_shape_ok(s, len, 4) ? fgd_dup(s, len) : NULL;
    if (t != NULL) {
        root = yajl_tree_parse(t, NULL, 0);
    }
    if (root == NULL || !YAJL_IS_OBJECT(root)) {
        snprintf(err, err_size, "Value %.200s for parameter RedrivePolicy "
            "is invalid. Reason: Redrive policy is not a valid JSON map.",
            t ? t : "");
        goto cleanup;
    }
    a = fgd_obj_get(root, "deadLetterTargetArn");
    m = fgd_obj_get(root, "maxReceiveCount");
    if (a == NULL || !YAJL_IS_STRING(a) || m == NULL) {
        snprintf(err, err_size, "Value %.200s for parameter RedrivePolicy "
            "is invalid. Reason: Redrive policy does not contain mandatory "
            "attribute: %s.", t,
            a == NULL || !YAJL_IS_STRING(a) ? "deadLetterTargetArn"
                                            : "maxReceiveCount");
        goto cleanup;
    }
    ms = YAJL_IS_NUMBER(m) ? YAJL_GET_NUMBER(m)
         : YAJL_IS_STRING(m) ? fgq_str(m) : NULL;
    if (ms == NULL || !fgd_parse_u64(ms, strlen(ms), &n) || n < 1
        || n > 1000)
    {
        snprintf(err, err_size, "Value %.200s for parameter RedrivePolicy "
            "is invalid. Reason: Invalid value for maxReceiveCount: %.20s, "
            "valid values are from 1 to 1000 both inclusive.", t,
            ms ? ms : "");
        goto cleanup;
    }
    if (fgq_arn_parse(fgq_str(a), region, owner, name) != 0) {
        snprintf(err, err_size, "Value %.200s for parameter RedrivePolicy "
            "is invalid. Reason: Invalid value for deadLetterTargetArn.",
            t);
        goto cleanup;
    }
    snprintf(arn, FGQ_ARN_MAX, "%s", fgq_str(a));
    *max = (unsigned) n;
    rc = 0;

cleanup:
    yajl_tree_free(root);
    free(t);
    return rc;
}

void
fgq_strv_free(char **v, size_t n)
{
    size_t  i;

    if (v == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static const char *const  fgq_grant_actions[] = {
    "SendMessage", "ReceiveMessage", "DeleteMessage",
    "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl",
    "ListDeadLetterSourceQueues", "PurgeQueue", "DeleteQueue",
    "SetQueueAttributes", "ListQueueTags", "TagQueue", "UntagQueue",
    "SendMessageBatch", "DeleteMessageBatch",
    "ChangeMessageVisibilityBatch", NULL
};

const char *
fgq_action_canonical(const char *name, size_t len)
{
    unsigned  i;

    if (len == 1 && name[0] == '*') {
        return "*";
    }
    for (i = 0; fgq_grant_actions[i] != NULL; i++) {
        if (strlen(fgq_grant_actions[i]) == len
            && strncasecmp(fgq_grant_actions[i], name, len) == 0)
        {
            return fgq_grant_actions[i];
        }
    }
    return NULL;
}

static int
fgq_strv_add(char ***v, size_t *n, const char *a, const char *b)
{
    char  **nv, *s;
    size_t  l = strlen(a) + strlen(b) + 6;

    s = malloc(l);
    if (s == NULL) {
        return -1;
    }
    snprintf(s, l, "sqs:%s:%s", a, b);
    nv = realloc(*v, (*n + 1) * sizeof(char *));
    if (nv == NULL) {
        free(s);
        return -1;
    }
    nv[*n] = s;
    *v = nv;
    (*n)++;
    return 0;
}

/* A principal as an account id or "*"; NULL when it names neither. */
static const char *
fgq_principal(const char *s, char acct[FG_ACCOUNT_LEN + 1])
{
    if (strcmp(s, "*") == 0) {
        return "*";
    }
    if (fg_account_valid(s, strlen(s))) {
        return s;
    }
    if (strncmp(s, "arn:aws:iam::", 13) == 0
        && fg_account_valid(s + 13, FG_ACCOUNT_LEN)
        && s[13 + FG_ACCOUNT_LEN] == ':')
    {
        memcpy(acct, s + 13, FG_ACCOUNT_LEN);
        acct[FG_ACCOUNT_LEN] = '\0';
        return acct;
    }
    return NULL;
}

/* A string or a list of strings: n values in v (pointers into the tree). */
static int
fgq_strings(yajl_val x, const char **v, size_t max, size_t *n)
{
    size_t  i;

    *n = 0;
    if (x == NULL) {
        return 0;
    }
    if (YAJL_IS_STRING(x)) {
        v[(*n)++] = fgq_str(x);
        return 0;
    }
    if (!YAJL_IS_ARRAY(x) || x->u.array.len > max) {
        return -1;
    }
    for (i = 0; i < x->u.array.len; i++) {
        if (!YAJL_IS_STRING(x->u.array.values[i])) {
            return -1;
        }
        v[(*n)++] = fgq_str(x->u.array.values[i]);
    }
    return 0;
}

int
fgq_policy_grants(const char *policy, size_t len, char ***fields,
    size_t *n, char *err, size_t err_size)
{
    char        *t = NULL, acct[FG_ACCOUNT_LEN + 1];
    yajl_val     root = NULL, st, s, pr, ac, ef;
    const char  *prs[64], *acs[64], *who, *what;
    size_t       i, j, k, npr, nac;
    int          rc = -1;

    *fields = NULL;
    *n = 0;
    if (len == 0) {
        return 0;
    }
    if (fgd_json_shape_ok(policy, len, 16)) {
        t = fgd_dup(policy, len);
    }
    if (t != NULL) {
        root = yajl_tree_parse(t, NULL, 0);
    }
    if (root == NULL || !YAJL_IS_OBJECT(root)) {
        snprintf(err, err_size, "Invalid value for the parameter Policy.");
        goto cleanup;
    }
    st = fgd_obj_get(root, "Statement");
    if (st != NULL && YAJL_IS_OBJECT(st)) {
        /* one statement, not in a list */
    } else if (st == NULL || !YAJL_IS_ARRAY(st)) {
        snprintf(err, err_size, "Invalid value for the parameter Policy. "
            "Reason: Statement is not a list.");
        goto cleanup;
    }
    for (i = 0; i < (YAJL_IS_ARRAY(st) ? st->u.array.len : 1); i++) {
        s = YAJL_IS_ARRAY(st) ? st->u.array.values[i] : st;
        if (!YAJL_IS_OBJECT(s)) {
            snprintf(err, err_size, "Invalid value for the parameter "
                "Policy. Reason: a statement is not an object.");
            goto cleanup;
        }
        ef = fgd_obj_get(s, "Effect");
        if (ef == NULL || !YAJL_IS_STRING(ef)
            || (strcmp(fgq_str(ef), "Allow") != 0
                && strcmp(fgq_str(ef), "Deny") != 0))
        {
            snprintf(err, err_size, "Invalid value for the parameter "
                "Policy. Reason: Effect must be Allow or Deny.");
            goto cleanup;
        }
        pr = fgd_obj_get(s, "Principal");
        if (pr != NULL && YAJL_IS_OBJECT(pr)) {
            pr = fgd_obj_get(pr, "AWS");
        }
        ac = fgd_obj_get(s, "Action");
        if (fgq_strings(pr, prs, 64, &npr) != 0 || npr == 0
            || fgq_strings(ac, acs, 64, &nac) != 0 || nac == 0)
        {
            snprintf(err, err_size, "Invalid value for the parameter "
                "Policy. Reason: a statement needs a Principal (AWS) and "
                "an Action.");
            goto cleanup;
        }
        /* only what is allowed without a condition is granted */
        if (strcmp(fgq_str(ef), "Allow") != 0
            || fgd_obj_get(s, "Condition") != NULL)
        {
            continue;
        }
        for (j = 0; j < nac; j++) {
            const char *a = acs[j];

            if (strcmp(a, "*") == 0) {
                what = "*";
            } else if (strncasecmp(a, "sqs:", 4) == 0) {
                what = fgq_action_canonical(a + 4, strlen(a + 4));
            } else {
                what = NULL;
            }
            if (what == NULL) {
                snprintf(err, err_size, "Invalid value for the parameter "
                    "Policy. Reason: unknown action %.64s.", a);
                goto cleanup;
            }
            for (k = 0; k < npr; k++) {
                who = fgq_principal(prs[k], acct);
                if (who == NULL) {
                    snprintf(err, err_size, "Invalid value for the "
                        "parameter Policy. Reason: invalid principal "
                        "%.64s.", prs[k]);
                    goto cleanup;
                }
                if (fgq_strv_add(fields, n, what, who) != 0) {
                    snprintf(err, err_size, "out of memory");
                    goto cleanup;
                }
            }
        }
    }
    rc = 0;

cleanup:
    if (rc != 0) {
        fgq_strv_free(*fields, *n);
        *fields = NULL;
        *n = 0;
    }
    yajl_tree_free(root);
    free(t);
    return rc;
}

/* Writes a yajl tree value with g. */
static void
fgq_gen_tree(yajl_gen g, yajl_val v)
{
    size_t  i;

    if (YAJL_IS_STRING(v)) {
        GSTR(g, fgq_str(v));
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, YAJL_GET_NUMBER(v), strlen(YAJL_GET_NUMBER(v)));
    } else if (YAJL_IS_TRUE(v)) {
        yajl_gen_bool(g, 1);
    } else if (YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, 0);
    } else if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (i = 0; i < v->u.object.len; i++) {
            GSTR(g, v->u.object.keys[i]);
            fgq_gen_tree(g, v->u.object.values[i]);
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (i = 0; i < v->u.array.len; i++) {
            fgq_gen_tree(g, v->u.array.values[i]);
        }
        yajl_gen_array_close(g);
    } else {
        yajl_gen_null(g);
    }
}

static bool
fgq_statement_is(yajl_val s, const char *label)
{
    yajl_val  sid = YAJL_IS_OBJECT(s) ? fgd_obj_get(s, "Sid") : NULL;

    return sid != NULL && YAJL_IS_STRING(sid)
           && strcmp(fgq_str(sid), label) == 0;
}

int
fgq_policy_edit(const char *policy, const char *label,
    const char *const *accounts, size_t naccounts,
    const char *const *actions, size_t nactions, const char *resource,
    char **out)
{
    char      *t = NULL;
    yajl_val   root = NULL, st = NULL;
    yajl_gen   g = NULL;
    size_t     i, len, kept = 0;
    bool       found = false;
    int        rc = -1;
    char       buf[128];

    *out = NULL;
    if (policy[0] != '\0') {
        t = strdup(policy);
        if (t == NULL) {
            return -2;
        }
        root = yajl_tree_parse(t, NULL, 0);
        if (root == NULL || !YAJL_IS_OBJECT(root)) {
            goto cleanup;
        }
        st = fgd_obj_get(root, "Statement");
        if (st != NULL && !YAJL_IS_ARRAY(st) && !YAJL_IS_OBJECT(st)) {
            goto cleanup;
        }
    }
    if (st != NULL) {
        for (i = 0; i < (YAJL_IS_ARRAY(st) ? st->u.array.len : 1); i++) {
            if (fgq_statement_is(YAJL_IS_ARRAY(st) ? st->u.array.values[i]
                                                   : st, label))
            {
                found = true;
            }
        }
    }
    if (found == (accounts != NULL)) {
        rc = 1;
        goto cleanup;
    }
    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        rc = -2;
        goto cleanup;
    }
    yajl_gen_map_open(g);
    if (root != NULL) {
        for (i = 0; i < root->u.object.len; i++) {
            if (strcmp(root->u.object.keys[i], "Statement") != 0) {
                GSTR(g, root->u.object.keys[i]);
                fgq_gen_tree(g, root->u.object.values[i]);
            }
        }
    } else {
        GSTR(g, "Version");
        GSTR(g, "2012-10-17");
        GSTR(g, "Id");
        snprintf(buf, sizeof(buf), "%s/SQSDefaultPolicy", resource);
        GSTR(g, buf);
    }
    GSTR(g, "Statement");
    yajl_gen_array_open(g);
    if (st != NULL) {
        for (i = 0; i < (YAJL_IS_ARRAY(st) ? st->u.array.len : 1); i++) {
            yajl_val s = YAJL_IS_ARRAY(st) ? st->u.array.values[i] : st;

            if (accounts == NULL && fgq_statement_is(s, label)) {
                continue;
            }
            fgq_gen_tree(g, s);
            kept++;
        }
    }
    if (accounts != NULL) {
        yajl_gen_map_open(g);
        GSTR(g, "Sid");
        GSTR(g, label);
        GSTR(g, "Effect");
        GSTR(g, "Allow");
        GSTR(g, "Principal");
        yajl_gen_map_open(g);
        GSTR(g, "AWS");
        yajl_gen_array_open(g);
        for (i = 0; i < naccounts; i++) {
            snprintf(buf, sizeof(buf), "arn:aws:iam::%s:root", accounts[i]);
            GSTR(g, buf);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        GSTR(g, "Action");
        yajl_gen_array_open(g);
        for (i = 0; i < nactions; i++) {
            snprintf(buf, sizeof(buf), "SQS:%s", actions[i]);
            GSTR(g, buf);
        }
        yajl_gen_array_close(g);
        GSTR(g, "Resource");
        GSTR(g, resource);
        yajl_gen_map_close(g);
        kept++;
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    if (fgd_gen_finish(g, out, &len) != 0) {
        g = NULL;
        rc = -2;
        goto cleanup;
    }
    g = NULL;
    if (kept == 0) {
        (*out)[0] = '\0';
    }
    rc = 0;

cleanup:
    if (g != NULL) {
        yajl_gen_free(g);
    }
    yajl_tree_free(root);
    free(t);
    return rc;
}
