/*
 * fngated_idem_json: idempotent execution's pure parts (see
 * fngated_idem_json.h and docs/idempotency.md).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fg_egress.h"
#include "fg_route.h"
#include "fngated_event_config_json.h"
#include "fngated_idem_json.h"
#include "fngated_json.h"

#define FGD_IDEM_BAD  "InvalidParameterValueException"

static const struct {
    const char       *member;
    fgd_idem_kind_t   kind;
} fgd_idem_members[] = {
    { "Url", FGD_IDEM_URL },
    { "Queue", FGD_IDEM_QUEUE },
    { "Function", FGD_IDEM_FUNCTION },
};

#define FGD_IDEM_NMEMBERS \
    (sizeof(fgd_idem_members) / sizeof(fgd_idem_members[0]))


static const char *
fgd_idem_member(fgd_idem_kind_t kind)
{
    size_t  i;

    for (i = 0; i < FGD_IDEM_NMEMBERS; i++) {
        if (fgd_idem_members[i].kind == kind) {
            return fgd_idem_members[i].member;
        }
    }
    return "?";
}

/* The form of one dependency's value.  0, or -1 with why. */
static int
fgd_idem_dep_check(fgd_idem_kind_t kind, const char *s, const char **why)
{
    uint32_t    addr;
    unsigned    port;
    char        path[FGD_IDEM_NAME_MAX + 1], region[32], account[13];
    char        name[81];
    fgd_dest_t  d;

    switch (kind) {
    case FGD_IDEM_URL:
        return fgd_idem_url_parse(s, &addr, &port, path, sizeof(path), why);
    case FGD_IDEM_QUEUE:
        return fgd_idem_queue_parse(s, region, sizeof(region), account,
            name, why);
    case FGD_IDEM_FUNCTION:
        if (fgd_dest_parse(s, &d) != FGD_DEST_OK
            || d.kind != FGD_DEST_FUNCTION)
        {
            *why = "must be a function's ARN "
                   "(arn:aws:lambda:REGION:ACCOUNT:function:NAME"
                   "[:QUALIFIER])";
            return -1;
        }
        return 0;
    }
    *why = "unknown kind";
    return -1;
}


int
fgd_idem_request(struct yajl_val_s *v, bool *given, char **dst,
    fgd_resp_t *r)
{
    yajl_val    deps = NULL, ttl = NULL, d, e;
    const char *why, *key;
    char       *out = NULL, *p;
    size_t      i, j, k, n, cap;
    long long   t = FGD_IDEM_TTL_DEFAULT;
    fgd_idem_kind_t  kind = FGD_IDEM_URL;

    *given = false;
    *dst = NULL;
    if (v == NULL) {
        return 0;
    }
    *given = true;
    if (YAJL_IS_NULL(v)) {
        return (*dst = strdup("")) != NULL ? 0 : fgd_nomem(r);
    }
    if (!YAJL_IS_OBJECT(v)) {
        return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency must be "
            "an object ({\"Dependencies\": [...], \"ResultTtlSeconds\": "
            "N}), or {} for none");
    }
    for (i = 0; i < v->u.object.len; i++) {
        key = v->u.object.keys[i];
        if (strcmp(key, "Dependencies") == 0) {
            deps = v->u.object.values[i];
        } else if (strcmp(key, "ResultTtlSeconds") == 0) {
            ttl = v->u.object.values[i];
        } else {
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency has "
                "an unknown member %.64s (it takes Dependencies and "
                "ResultTtlSeconds)", key);
        }
    }
    if (deps == NULL && ttl == NULL) {
        return (*dst = strdup("")) != NULL ? 0 : fgd_nomem(r);
    }
    if (ttl != NULL) {
        if (!YAJL_IS_INTEGER(ttl) || YAJL_GET_INTEGER(ttl) < 1
            || YAJL_GET_INTEGER(ttl) > FGD_IDEM_TTL_MAX)
        {
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "ResultTtlSeconds must be a whole number of seconds from 1 "
                "to %u", FGD_IDEM_TTL_MAX);
        }
        t = YAJL_GET_INTEGER(ttl);
    }
    n = 0;
    if (deps != NULL) {
        if (!YAJL_IS_ARRAY(deps)) {
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "Dependencies must be a list of objects");
        }
        n = deps->u.array.len;
        if (n > FGD_IDEM_DEPS_MAX) {
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency names "
                "%zu dependencies; at most %u are allowed", n,
                FGD_IDEM_DEPS_MAX);
        }
    }
    cap = 24 + n * (FGD_IDEM_NAME_MAX + 4);
    if ((out = malloc(cap)) == NULL) {
        return fgd_nomem(r);
    }
    p = out + snprintf(out, cap, "%lld\n", t);
    for (i = 0; i < n; i++) {
        d = deps->u.array.values[i];
        if (!YAJL_IS_OBJECT(d) || d->u.object.len != 1) {
            free(out);
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "Dependencies[%zu] must be an object with one member: Url, "
                "Queue or Function", i);
        }
        key = d->u.object.keys[0];
        e = d->u.object.values[0];
        for (k = 0; k < FGD_IDEM_NMEMBERS; k++) {
            if (strcmp(key, fgd_idem_members[k].member) == 0) {
                kind = fgd_idem_members[k].kind;
                break;
            }
        }
        if (k == FGD_IDEM_NMEMBERS) {
            free(out);
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "Dependencies[%zu] has an unknown member %.64s (Url, Queue "
                "or Function)", i, key);
        }
        if (!YAJL_IS_STRING(e) || e->u.string[0] == '\0'
            || strlen(e->u.string) > FGD_IDEM_NAME_MAX)
        {
            free(out);
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "Dependencies[%zu].%s must be a string of 1 to %u "
                "characters", i, key, FGD_IDEM_NAME_MAX);
        }
        for (j = 0; e->u.string[j] != '\0'; j++) {
            if ((unsigned char) e->u.string[j] <= ' '
                || (unsigned char) e->u.string[j] >= 0x7f)
            {
                break;
            }
        }
        if (e->u.string[j] != '\0') {
            free(out);
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "Dependencies[%zu].%s %.64s: only printable ASCII without "
                "blanks", i, key, e->u.string);
        }
        if (fgd_idem_dep_check(kind, e->u.string, &why) != 0) {
            free(out);
            return fgd_error(r, 400, FGD_IDEM_BAD, "FngateIdempotency."
                "Dependencies[%zu].%s %.128s: %s", i, key, e->u.string,
                why);
        }
        p += snprintf(p, cap - (size_t) (p - out), "%c %s\n", (char) kind,
            e->u.string);
    }
    *dst = out;
    return 0;
}


int
fgd_idem_parse(const char *text, fgd_idem_t *out)
{
    const char  *p, *nl;
    char        *end;
    unsigned long t;
    size_t       len;

    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0') {
        return -1;
    }
    t = strtoul(text, &end, 10);
    if (end == text || *end != '\n' || t < 1 || t > FGD_IDEM_TTL_MAX) {
        return -1;
    }
    out->ttl_s = (unsigned) t;
    for (p = end + 1; *p != '\0'; p = nl + 1) {
        if ((nl = strchr(p, '\n')) == NULL || out->n == FGD_IDEM_DEPS_MAX
            || nl - p < 3 || p[1] != ' '
            || (p[0] != FGD_IDEM_URL && p[0] != FGD_IDEM_QUEUE
                && p[0] != FGD_IDEM_FUNCTION))
        {
            return -1;
        }
        len = (size_t) (nl - p) - 2;
        if (len > FGD_IDEM_NAME_MAX) {
            return -1;
        }
        out->deps[out->n].kind = (fgd_idem_kind_t) p[0];
        memcpy(out->deps[out->n].name, p + 2, len);
        out->deps[out->n].name[len] = '\0';
        out->n++;
    }
    return 0;
}


bool
fgd_idem_on(const char *text)
{
    return text != NULL && text[0] != '\0';
}


void
fgd_idem_gen(void *gen, const char *text)
{
    yajl_gen    g = gen;
    fgd_idem_t  t;
    size_t      i;

    if (fgd_idem_parse(text, &t) != 0) {
        yajl_gen_map_open(g);
        yajl_gen_map_close(g);
        return;
    }
    yajl_gen_map_open(g);
    GSTR(g, "Dependencies");
    yajl_gen_array_open(g);
    for (i = 0; i < t.n; i++) {
        yajl_gen_map_open(g);
        GSTR(g, fgd_idem_member(t.deps[i].kind));
        GSTR(g, t.deps[i].name);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    GSTR(g, "ResultTtlSeconds");
    yajl_gen_integer(g, t.ttl_s);
    yajl_gen_map_close(g);
}


int
fgd_idem_url_parse(const char *url, uint32_t *addr, unsigned *port,
    char *path, size_t path_size, const char **why)
{
    const char    *p, *host;
    unsigned long  b, v;
    unsigned       i;
    char          *end;

    *why = "must be http://A.B.C.D[:PORT][/PATH] (an IPv4 address; "
           "names are not resolved)";
    if (strncmp(url, "http://", 7) != 0) {
        if (strncmp(url, "https://", 8) == 0) {
            *why = "https is not supported: fngated asks over http";
        }
        return -1;
    }
    for (p = url; *p != '\0'; p++) {
        if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f) {
            return -1;
        }
    }
    host = url + 7;
    v = 0;
    p = host;
    for (i = 0; i < 4; i++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        b = strtoul(p, &end, 10);
        if (b > 255 || end - p > 3 || (end - p > 1 && *p == '0')) {
            return -1;
        }
        v = (v << 8) | b;
        p = end;
        if (i < 3) {
            if (*p != '.') {
                return -1;
            }
            p++;
        }
    }
    *addr = (uint32_t) v;
    *port = 80;
    if (*p == ':') {
        p++;
        if (*p < '1' || *p > '9') {
            *why = "its port must be 1 to 65535";
            return -1;
        }
        b = strtoul(p, &end, 10);
        if (b > 65535 || end - p > 5) {
            *why = "its port must be 1 to 65535";
            return -1;
        }
        *port = (unsigned) b;
        p = end;
    }
    if (*p != '\0' && *p != '/') {
        return -1;
    }
    if (strlen(*p ? p : "/") + 1 > path_size) {
        *why = "its path is too long";
        return -1;
    }
    snprintf(path, path_size, "%s", *p ? p : "/");
    return 0;
}


int
fgd_idem_queue_parse(const char *s, char *region, size_t region_size,
    char account[13], char name[81], const char **why)
{
    fgd_dest_t   d;
    const char  *p, *slash;

    *why = "must be a queue's URL (http://HOST/ACCOUNT/NAME) or ARN "
           "(arn:aws:sqs:REGION:ACCOUNT:NAME)";
    if (strncmp(s, "arn:", 4) == 0) {
        if (fgd_dest_parse(s, &d) != FGD_DEST_OK
            || d.kind != FGD_DEST_QUEUE)
        {
            return -1;
        }
        snprintf(region, region_size, "%s", d.region);
        snprintf(account, 13, "%s", d.account);
        snprintf(name, 81, "%s", d.name);
        return 0;
    }
    if (strncmp(s, "http://", 7) == 0) {
        p = s + 7;
    } else if (strncmp(s, "https://", 8) == 0) {
        p = s + 8;
    } else {
        return -1;
    }
    if ((p = strchr(p, '/')) == NULL) {
        return -1;
    }
    p++;
    if ((slash = strchr(p, '/')) == NULL
        || !fg_account_valid(p, (size_t) (slash - p))
        || strchr(slash + 1, '/') != NULL
        || !fg_queue_name_valid(slash + 1, strlen(slash + 1)))
    {
        return -1;
    }
    region[0] = '\0';
    memcpy(account, p, 12);
    account[12] = '\0';
    snprintf(name, 81, "%s", slash + 1);
    return 0;
}


bool
fgd_idem_egress_allows(const char *list, uint32_t addr, unsigned port)
{
    fg_egress_t   want, e;
    const char   *p, *why;
    size_t        n;

    want.net = addr;
    want.bits = 32;
    want.lo = want.hi = port;
    want.udp = false;
    for (p = list; p != NULL && *p != '\0'; p += n) {
        p += strspn(p, ", \t");
        n = strcspn(p, ", \t");
        if (n == 0) {
            break;
        }
        if (fg_egress_parse(p, n, &e, &why) == 0
            && fg_egress_within(&want, &e))
        {
            return true;
        }
    }
    return false;
}


/* The value of header name (its length n) in the head, trimmed, into
 * dst; 1 found, 0 not, -1 too long. */
static int
fgd_idem_header(const char *head, size_t len, const char *name,
    char *dst, size_t size)
{
    const char  *p = head, *end = head + len, *eol, *v;
    size_t       n = strlen(name), vl;

    /* skip the status line */
    if ((p = memchr(p, '\n', len)) == NULL) {
        return 0;
    }
    for (p++; p < end; p = eol + 1) {
        if ((eol = memchr(p, '\n', (size_t) (end - p))) == NULL) {
            eol = end;
        }
        if ((size_t) (eol - p) > n && p[n] == ':'
            && strncasecmp(p, name, n) == 0)
        {
            v = p + n + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) {
                v++;
            }
            vl = (size_t) (eol - v);
            while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '
                              || v[vl - 1] == '\t'))
            {
                vl--;
            }
            if (vl + 1 > size) {
                return -1;
            }
            memcpy(dst, v, vl);
            dst[vl] = '\0';
            return 1;
        }
        if (eol == end) {
            break;
        }
    }
    return 0;
}


int
fgd_idem_http_state(const char *head, size_t len, char *state,
    size_t size)
{
    char  etag[256], mod[128];
    int   e, m, n;

    if (len < 12 || strncmp(head, "HTTP/1.", 7) != 0 || head[8] != ' '
        || head[9] != '2' || head[10] < '0' || head[10] > '9'
        || head[11] < '0' || head[11] > '9')
    {
        return -1;
    }
    e = fgd_idem_header(head, len, "ETag", etag, sizeof(etag));
    m = fgd_idem_header(head, len, "Last-Modified", mod, sizeof(mod));
    if (e < 0 || m < 0 || (e == 0 && m == 0)) {
        return -1;
    }
    n = snprintf(state, size, "etag=%s;modified=%s", e ? etag : "",
        m ? mod : "");
    return n < 0 || (size_t) n >= size ? -1 : 0;
}


void
fgd_idem_key(const void *const *parts, const size_t *lens, size_t n,
    char hex[65])
{
    static const char  digits[] = "0123456789abcdef";
    EVP_MD_CTX        *md = EVP_MD_CTX_new();
    unsigned char      pre[8], out[32];
    unsigned int       olen = 0;
    size_t             i, j;

    hex[0] = '\0';
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return;
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < 8; j++) {
            pre[j] = (unsigned char) ((uint64_t) lens[i] >> (8 * j));
        }
        EVP_DigestUpdate(md, pre, sizeof(pre));
        if (lens[i] > 0) {
            EVP_DigestUpdate(md, parts[i], lens[i]);
        }
    }
    if (EVP_DigestFinal_ex(md, out, &olen) == 1 && olen == 32) {
        for (i = 0; i < 32; i++) {
            hex[2 * i] = digits[out[i] >> 4];
            hex[2 * i + 1] = digits[out[i] & 15];
        }
        hex[64] = '\0';
    }
    EVP_MD_CTX_free(md);
}
