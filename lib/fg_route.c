/*
 * fg_route: Lambda REST paths, function names, ARNs and qualifiers.
 *
 * libc only, no global state.  '+' is a literal plus everywhere (paths and
 * queries are RFC 3986, as the AWS SDKs send them); "%00" is refused so a
 * decoded name can never be cut short by a NUL.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fg_api.h"
#include "fg_route.h"
#include "fg_util.h"

#define FG_API_PREFIX      "/2015-03-31/functions"
#define FG_EIC_PREFIX      "/2019-09-25/functions"  /* as long as the other */
#define FG_CONCURRENCY_PUT "/2017-10-31/functions"  /* likewise */
#define FG_CONCURRENCY_GET "/2019-09-30/functions"
#define FG_CONCURRENCY     "concurrency"
#define FG_PROVISIONED     "provisioned-concurrency"
#define FG_EIC             "event-invoke-config"
#define FG_EIC_LIST        FG_EIC "/list"
#define FG_INVOCATIONS     "invocations"
#define FG_ALIASES         "aliases"
#define FG_POLICY          "policy"
#define FG_BOUNDS          "execution-bounds"
#define FG_OVERRIDES       "overrides"     /* aliases/ALIAS/overrides */
#define FG_ESM_PREFIX      "/2015-03-31/event-source-mappings"

/* Longest decoded NAME segment: a full ARN with the longest region,
 * function name and qualifier is well under this. */
#define FG_ROUTE_NAME_BUF  512

#define FG_DECODE_BAD      -1     /* bad escape or %00 */
#define FG_DECODE_OVERFLOW -2     /* does not fit */


/* fg_url_decode with distinct error codes. */
static long
fg_decode(const char *src, size_t len, char *dst, size_t dst_size)
{
    size_t  i, n = 0;
    int     hi, lo;
    char    c;

    if (dst == NULL || dst_size == 0) {
        return FG_DECODE_OVERFLOW;
    }

    for (i = 0; i < len; i++) {
        c = src[i];
        if (c == '%') {
            if (len - i < 3) {
                return FG_DECODE_BAD;
            }
            hi = fg_hexval((unsigned char) src[i + 1]);
            lo = fg_hexval((unsigned char) src[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                return FG_DECODE_BAD;
            }
            c = (char) (hi << 4 | lo);
            i += 2;
        } else if (c == '\0') {
            return FG_DECODE_BAD;
        }

        if (n + 1 >= dst_size) {
            return FG_DECODE_OVERFLOW;
        }
        dst[n++] = c;
    }

    dst[n] = '\0';
    return (long) n;
}


int
fg_url_decode(const char *src, size_t len, char *dst, size_t dst_size)
{
    long  n;

    if (src == NULL && len != 0) {
        return -1;
    }

    if (len > INT_MAX) {
        return -1;
    }

    n = fg_decode(src, len, dst, dst_size);
    return n < 0 ? -1 : (int) n;
}


int
fg_query_get(const char *query, size_t len, const char *key, char *dst,
    size_t dst_size)
{
    const char  *p, *end, *k, *v;
    size_t       klen, vlen, want;
    char         name[FG_ROUTE_NAME_BUF];
    long         n;

    if (key == NULL || (query == NULL && len != 0)) {
        return -1;
    }

    want = strlen(key);
    if (want + 1 > sizeof(name)) {
        return -1;
    }

    p = query;
    end = query + len;

    while (fg_query_next(&p, end, &k, &klen, &v, &vlen)) {

        /* A name that does not fit cannot be key; escapes are still
         * checked so a malformed query is reported as one. */
        n = fg_decode(k, klen, name, want + 2);
        if (n == FG_DECODE_BAD) {
            return -1;
        }
        if (n == FG_DECODE_OVERFLOW || (size_t) n != want
            || memcmp(name, key, want) != 0)
        {
            continue;
        }

        if (v == NULL) {
            if (dst == NULL || dst_size == 0) {
                return -1;
            }
            dst[0] = '\0';
            return 1;
        }

        n = fg_decode(v, vlen, dst, dst_size);
        return n < 0 ? -1 : 1;
    }

    return 0;
}


bool
fg_name_valid(const char *s, size_t len, size_t max)
{
    size_t  i;
    char    c;

    if (s == NULL || len == 0 || len > max) {
        return false;
    }

    for (i = 0; i < len; i++) {
        c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
            return false;
        }
    }

    return true;
}


bool
fg_function_name_valid(const char *name, size_t len)
{
    return fg_name_valid(name, len, FG_FUNCTION_NAME_MAX);
}


bool
fg_qualifier_valid(const char *q, size_t len)
{
    if (q != NULL && len == 7 && memcmp(q, "$LATEST", 7) == 0) {
        return true;
    }

    /* A version is all digits, an alias is [A-Za-z0-9_-]+ but not all
     * digits: together, any string of that set. */
    return fg_name_valid(q, len, FG_QUALIFIER_MAX);
}


bool
fg_alias_name_valid(const char *name, size_t len)
{
    size_t  i;

    if (!fg_name_valid(name, len, FG_QUALIFIER_MAX)) {
        return false;
    }

    for (i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return true;
        }
    }

    return false;                   /* all digits: a version */
}


bool
fg_statement_id_valid(const char *sid, size_t len)
{
    return fg_name_valid(sid, len, FG_STATEMENT_ID_MAX);
}


bool
fg_version_valid(const char *v, size_t len)
{
    size_t  i;

    if (v == NULL || len == 0 || len > 10 || v[0] == '0') {
        return false;
    }

    for (i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return false;
        }
    }

    return true;
}


bool
fg_account_valid(const char *a, size_t len)
{
    size_t  i;

    if (a == NULL || len != FG_ACCOUNT_LEN) {
        return false;
    }

    for (i = 0; i < len; i++) {
        if (a[i] < '0' || a[i] > '9') {
            return false;
        }
    }

    return true;
}


bool
fg_queue_name_valid(const char *name, size_t len)
{
    if (len > 5 && memcmp(name + len - 5, ".fifo", 5) == 0) {
        return fg_name_valid(name, len - 5, FG_QUEUE_NAME_MAX - 5);
    }
    return fg_name_valid(name, len, FG_QUEUE_NAME_MAX);
}


static int fg_part_is(const char *s, size_t len, const char *lit);


/*
 * The queue service's paths: "/" (the endpoint) and "/ACCOUNT/QUEUE" (a
 * queue URL), by GET or POST; the SQS action is in the body or the query,
 * which fngated reads.
 */
static fg_route_rc_t
fg_route_queue(const char *method, size_t method_len, const char *path,
    size_t path_len, fg_route_t *r)
{
    const char  *name;

    if (path_len == 1) {
        /* "/" */
    } else if (path_len > FG_ACCOUNT_LEN + 2 && path[FG_ACCOUNT_LEN + 1] == '/'
               && fg_account_valid(path + 1, FG_ACCOUNT_LEN))
    {
        name = path + FG_ACCOUNT_LEN + 2;
        if (!fg_queue_name_valid(name, path_len - FG_ACCOUNT_LEN - 2)) {
            return FG_ROUTE_NOT_FOUND;
        }
    } else {
        return FG_ROUTE_NOT_FOUND;
    }
    if (!fg_part_is(method, method_len, "POST")
        && !fg_part_is(method, method_len, "GET"))
    {
        r->action = FG_ACTION_METHOD_NOT_ALLOWED;
        return FG_ROUTE_BAD_METHOD;
    }
    r->action = FG_ACTION_SQS;
    return FG_ROUTE_OK;
}


bool
fg_uuid_valid(const char *s, size_t len)
{
    size_t  i;

    if (s == NULL || len != 36) {
        return false;
    }

    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return false;
            }
        } else if (!((s[i] >= '0' && s[i] <= '9')
                     || (s[i] >= 'a' && s[i] <= 'f')))
        {
            return false;
        }
    }

    return true;
}


/* /2015-03-31/event-source-mappings[/[UUID]] */
static fg_route_rc_t
fg_route_esm(const char *method, size_t method_len, const char *path,
    size_t path_len, fg_route_t *r)
{
    const char  *rest = path + sizeof(FG_ESM_PREFIX) - 1;
    size_t       rest_len = path_len - (sizeof(FG_ESM_PREFIX) - 1);

    if (rest_len == 0 || (rest_len == 1 && rest[0] == '/')) {
        if (fg_part_is(method, method_len, "GET")) {
            r->action = FG_ACTION_LIST_EVENT_SOURCE_MAPPINGS;
            return FG_ROUTE_OK;
        }
        if (fg_part_is(method, method_len, "POST")) {
            r->action = FG_ACTION_CREATE_EVENT_SOURCE_MAPPING;
            return FG_ROUTE_OK;
        }
        r->action = FG_ACTION_METHOD_NOT_ALLOWED;
        return FG_ROUTE_BAD_METHOD;
    }

    if (rest[0] != '/') {
        return FG_ROUTE_NOT_FOUND;
    }
    rest++;
    rest_len--;
    if (memchr(rest, '/', rest_len) != NULL) {
        return FG_ROUTE_NOT_FOUND;
    }

    if (fg_part_is(method, method_len, "GET")) {
        r->action = FG_ACTION_GET_EVENT_SOURCE_MAPPING;
    } else if (fg_part_is(method, method_len, "PUT")) {
        r->action = FG_ACTION_UPDATE_EVENT_SOURCE_MAPPING;
    } else if (fg_part_is(method, method_len, "DELETE")) {
        r->action = FG_ACTION_DELETE_EVENT_SOURCE_MAPPING;
    } else {
        r->action = FG_ACTION_METHOD_NOT_ALLOWED;
        return FG_ROUTE_BAD_METHOD;
    }

    /* Lambda answers 404 for any id it does not know, a malformed one
     * included: the handler does */
    if (!fg_uuid_valid(rest, rest_len)) {
        return FG_ROUTE_OK;
    }
    memcpy(r->mapping, rest, 36);
    r->mapping[36] = '\0';
    return FG_ROUTE_OK;
}


/* Regions as AWS spells them: lowercase letters, digits and '-'. */
bool
fg_region_valid(const char *r, size_t len)
{
    size_t  i;

    if (r == NULL || len == 0 || len > FG_REGION_MAX) {
        return false;
    }

    for (i = 0; i < len; i++) {
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9')
              || r[i] == '-'))
        {
            return false;
        }
    }

    return true;
}


/* "aws", "aws-cn", "aws-us-gov", ...: "aws" then [a-zA-Z-]. */
static bool
fg_partition_valid(const char *p, size_t len)
{
    size_t  i;

    if (len < 3 || memcmp(p, "aws", 3) != 0) {
        return false;
    }

    for (i = 3; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || p[i] == '-'))
        {
            return false;
        }
    }

    return true;
}


static int
fg_part_is(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}


static void
fg_copy(char *dst, const char *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = '\0';
}


/*
 * Parses a decoded NAME:
 *   NAME | NAME:QUALIFIER | ACCOUNT:function:NAME[:QUALIFIER]
 *   | arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
 */
static fg_route_rc_t
fg_parse_name(const char *s, size_t len, fg_route_t *r)
{
    const char  *part[8];
    size_t       plen[8];
    size_t       n = 0, i, name_idx;
    const char  *p = s, *end = s + len;

    for ( ;; ) {
        if (n == 8) {
            return FG_ROUTE_BAD_NAME;
        }
        part[n] = p;
        while (p < end && *p != ':') {
            p++;
        }
        plen[n] = (size_t) (p - part[n]);
        n++;
        if (p == end) {
            break;
        }
        p++;
    }

    if (n >= 7 && fg_part_is(part[0], plen[0], "arn")) {
        if (n > 8 || !fg_partition_valid(part[1], plen[1])
            || !fg_part_is(part[2], plen[2], "lambda")
            || !fg_region_valid(part[3], plen[3])
            || part[3][0] == '-' || part[3][plen[3] - 1] == '-'
            || !fg_account_valid(part[4], plen[4])
            || !fg_part_is(part[5], plen[5], "function"))
        {
            return FG_ROUTE_BAD_NAME;
        }
        fg_copy(r->region, part[3], plen[3]);
        fg_copy(r->account, part[4], plen[4]);
        name_idx = 6;

    } else if (n >= 3 && n <= 4 && fg_part_is(part[1], plen[1], "function"))
    {
        if (!fg_account_valid(part[0], plen[0])) {
            return FG_ROUTE_BAD_NAME;
        }
        fg_copy(r->account, part[0], plen[0]);
        name_idx = 2;

    } else if (n <= 2) {
        name_idx = 0;

    } else {
        return FG_ROUTE_BAD_NAME;
    }

    if (!fg_function_name_valid(part[name_idx], plen[name_idx])) {
        return FG_ROUTE_BAD_NAME;
    }
    fg_copy(r->function, part[name_idx], plen[name_idx]);

    i = name_idx + 1;
    if (i < n) {
        if (i + 1 != n || !fg_qualifier_valid(part[i], plen[i])) {
            return FG_ROUTE_BAD_QUALIFIER;
        }
        fg_copy(r->qualifier, part[i], plen[i]);
    }

    return FG_ROUTE_OK;
}


/* The calls on a function's sub-resource: SUB is "invocations",
 * "versions", ...; item is set for "aliases/ALIAS". */
static fg_route_rc_t
fg_route_sub(const char *method, size_t method_len, const char *sub,
    size_t sub_len, bool item, fg_route_t *r)
{
    static const struct {
        const char   *sub;
        const char   *method;
        bool          item;
        fg_action_t   action;
    } calls[] = {
        { FG_INVOCATIONS, "POST", false, FG_ACTION_INVOKE },
        { "versions", "POST", false, FG_ACTION_PUBLISH_VERSION },
        { "versions", "GET", false, FG_ACTION_LIST_VERSIONS },
        { "configuration", "GET", false,
          FG_ACTION_GET_FUNCTION_CONFIGURATION },
        { "configuration", "PUT", false,
          FG_ACTION_UPDATE_FUNCTION_CONFIGURATION },
        { "code", "PUT", false, FG_ACTION_UPDATE_FUNCTION_CODE },
        { FG_ALIASES, "POST", false, FG_ACTION_CREATE_ALIAS },
        { FG_ALIASES, "GET", false, FG_ACTION_LIST_ALIASES },
        { FG_ALIASES, "GET", true, FG_ACTION_GET_ALIAS },
        { FG_ALIASES, "PUT", true, FG_ACTION_UPDATE_ALIAS },
        { FG_ALIASES, "DELETE", true, FG_ACTION_DELETE_ALIAS },
        { FG_POLICY, "POST", false, FG_ACTION_ADD_PERMISSION },
        { FG_POLICY, "GET", false, FG_ACTION_GET_POLICY },
        { FG_POLICY, "DELETE", true, FG_ACTION_REMOVE_PERMISSION },
        { FG_BOUNDS, "GET", false, FG_ACTION_GET_EXECUTION_BOUNDS },
        { FG_BOUNDS, "PUT", false, FG_ACTION_PUT_EXECUTION_BOUNDS },
        { FG_BOUNDS, "DELETE", false, FG_ACTION_DELETE_EXECUTION_BOUNDS },
        { FG_OVERRIDES, "GET", true, FG_ACTION_GET_ALIAS_OVERRIDES },
        { FG_OVERRIDES, "PUT", true, FG_ACTION_PUT_ALIAS_OVERRIDES },
        { FG_OVERRIDES, "DELETE", true, FG_ACTION_DELETE_ALIAS_OVERRIDES },
    };
    size_t  i;
    bool    known = false;

    for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        if (calls[i].item != item
            || !fg_part_is(sub, sub_len, calls[i].sub))
        {
            continue;
        }
        known = true;
        if (fg_part_is(method, method_len, calls[i].method)) {
            r->action = calls[i].action;
            return FG_ROUTE_OK;
        }
    }

    if (known) {
        r->action = FG_ACTION_METHOD_NOT_ALLOWED;
        return FG_ROUTE_BAD_METHOD;
    }

    return FG_ROUTE_NOT_FOUND;
}


/* The calls under API version 2019-09-25: a function's
 * event-invoke-config and event-invoke-config/list, nothing else. */
static fg_route_rc_t
fg_route_eic(const char *method, size_t method_len, const char *sub,
    size_t sub_len, fg_route_t *r)
{
    if (fg_part_is(sub, sub_len, FG_EIC_LIST)) {
        if (fg_part_is(method, method_len, "GET")) {
            r->action = FG_ACTION_LIST_EVENT_INVOKE_CONFIGS;
            return FG_ROUTE_OK;
        }

    } else if (fg_part_is(sub, sub_len, FG_EIC)) {
        if (fg_part_is(method, method_len, "PUT")) {
            r->action = FG_ACTION_PUT_EVENT_INVOKE_CONFIG;
        } else if (fg_part_is(method, method_len, "POST")) {
            r->action = FG_ACTION_UPDATE_EVENT_INVOKE_CONFIG;
        } else if (fg_part_is(method, method_len, "GET")) {
            r->action = FG_ACTION_GET_EVENT_INVOKE_CONFIG;
        } else if (fg_part_is(method, method_len, "DELETE")) {
            r->action = FG_ACTION_DELETE_EVENT_INVOKE_CONFIG;
        } else {
            r->action = FG_ACTION_METHOD_NOT_ALLOWED;
            return FG_ROUTE_BAD_METHOD;
        }
        return FG_ROUTE_OK;

    } else {
        return FG_ROUTE_NOT_FOUND;
    }

    r->action = FG_ACTION_METHOD_NOT_ALLOWED;
    return FG_ROUTE_BAD_METHOD;
}


/* The calls of a function's concurrency, nothing else: reserved (PUT and
 * DELETE under API version 2017-10-31, GET under 2019-09-30) and
 * provisioned (2019-09-30; a GET with "?List=ALL" lists). */
static fg_route_rc_t
fg_route_concurrency(const char *method, size_t method_len, const char *sub,
    size_t sub_len, bool v2019, bool list, fg_route_t *r)
{
    static const struct {
        bool          v2019;
        const char   *sub;
        const char   *method;
        bool          list;
        fg_action_t   action;
    } calls[] = {
        { false, FG_CONCURRENCY, "PUT", false,
          FG_ACTION_PUT_FUNCTION_CONCURRENCY },
        { false, FG_CONCURRENCY, "DELETE", false,
          FG_ACTION_DELETE_FUNCTION_CONCURRENCY },
        { true, FG_CONCURRENCY, "GET", false,
          FG_ACTION_GET_FUNCTION_CONCURRENCY },
        { true, FG_PROVISIONED, "PUT", false,
          FG_ACTION_PUT_PROVISIONED_CONCURRENCY },
        { true, FG_PROVISIONED, "GET", false,
          FG_ACTION_GET_PROVISIONED_CONCURRENCY },
        { true, FG_PROVISIONED, "GET", true,
          FG_ACTION_LIST_PROVISIONED_CONCURRENCY },
        { true, FG_PROVISIONED, "DELETE", false,
          FG_ACTION_DELETE_PROVISIONED_CONCURRENCY },
    };
    size_t  i;
    bool    known = false;

    for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        if (calls[i].v2019 != v2019
            || !fg_part_is(sub, sub_len, calls[i].sub))
        {
            continue;
        }
        known = true;
        if (fg_part_is(method, method_len, calls[i].method)
            && (calls[i].list == list || !fg_part_is(method, method_len,
                                                      "GET")))
        {
            r->action = calls[i].action;
            return FG_ROUTE_OK;
        }
    }
    if (!known) {
        return FG_ROUTE_NOT_FOUND;
    }
    r->action = FG_ACTION_METHOD_NOT_ALLOWED;
    return FG_ROUTE_BAD_METHOD;
}


fg_route_rc_t
fg_route_parse(const char *method, size_t method_len, const char *path,
    size_t path_len, const char *query, size_t query_len, fg_route_t *r)
{
    static const char   prefix[] = FG_API_PREFIX;
    const char         *rest, *seg, *end, *slash;
    size_t              rest_len, seg_len;
    char                name[FG_ROUTE_NAME_BUF];
    char                qual[FG_QUALIFIER_MAX + 1];
    const char         *sub, *alias, *sid;
    size_t              sub_len, alias_len, sid_len;
    long                n;
    int                 q;
    bool                eic, conc_put, conc_get, list;
    fg_route_rc_t       rc;

    memset(r, 0, sizeof(fg_route_t));
    r->action = FG_ACTION_NONE;

    /* APIs made of functions: their calls and their management paths */
    if (path != NULL && method != NULL) {
        if (path_len >= sizeof(FG_API_CALL_PREFIX) - 1
            && memcmp(path, FG_API_CALL_PREFIX,
                      sizeof(FG_API_CALL_PREFIX) - 1) == 0)
        {
            rc = fg_api_call_parse(path, path_len, r, &sub, &sub_len);
            if (rc == FG_ROUTE_OK || rc == FG_ROUTE_BAD_PATH) {
                r->action = FG_ACTION_INVOKE_API;
            }
            return rc;
        }

        rc = fg_api_route_parse(method, method_len, path, path_len, r);
        if (rc != FG_ROUTE_NOT_FOUND || r->action != FG_ACTION_NONE) {
            return rc;
        }
    }

    if (path != NULL && method != NULL && path_len > 0 && path[0] == '/'
        && (path_len == 1 || (path[1] >= '0' && path[1] <= '9')))
    {
        rc = fg_route_queue(method, method_len, path, path_len, r);
        if (rc != FG_ROUTE_NOT_FOUND) {
            return rc;
        }
    }

    if (path != NULL && method != NULL
        && path_len >= sizeof(FG_ESM_PREFIX) - 1
        && memcmp(path, FG_ESM_PREFIX, sizeof(FG_ESM_PREFIX) - 1) == 0)
    {
        return fg_route_esm(method, method_len, path, path_len, r);
    }

    if (path == NULL || method == NULL || path_len < sizeof(prefix) - 1) {
        return FG_ROUTE_NOT_FOUND;
    }

    /* the API versions of the calls added after 2015-03-31: their
     * prefixes have its length and name only a function's sub-resource */
    eic = memcmp(path, FG_EIC_PREFIX, sizeof(prefix) - 1) == 0;
    conc_put = memcmp(path, FG_CONCURRENCY_PUT, sizeof(prefix) - 1) == 0;
    conc_get = memcmp(path, FG_CONCURRENCY_GET, sizeof(prefix) - 1) == 0;
    if (!eic && !conc_put && !conc_get
        && memcmp(path, prefix, sizeof(prefix) - 1) != 0)
    {
        return FG_ROUTE_NOT_FOUND;
    }

    rest = path + sizeof(prefix) - 1;
    rest_len = path_len - (sizeof(prefix) - 1);

    /* the collection: /functions and /functions/ */
    if (!eic && !conc_put && !conc_get
        && (rest_len == 0 || (rest_len == 1 && rest[0] == '/')))
    {
        if (fg_part_is(method, method_len, "GET")) {
            r->action = FG_ACTION_LIST_FUNCTIONS;
            return FG_ROUTE_OK;
        }
        if (fg_part_is(method, method_len, "POST")) {
            r->action = FG_ACTION_CREATE_FUNCTION;
            return FG_ROUTE_OK;
        }
        r->action = FG_ACTION_METHOD_NOT_ALLOWED;
        return FG_ROUTE_BAD_METHOD;
    }

    if (rest_len == 0 || rest[0] != '/') {
        return FG_ROUTE_NOT_FOUND;          /* "/functionsX" */
    }

    seg = rest + 1;
    end = rest + rest_len;
    slash = memchr(seg, '/', (size_t) (end - seg));
    seg_len = (size_t) ((slash ? slash : end) - seg);

    alias = NULL;
    alias_len = 0;
    sid = NULL;
    sid_len = 0;

    if (eic || conc_put || conc_get) {
        if (slash == NULL) {
            return FG_ROUTE_NOT_FOUND;
        }
        /* ListProvisionedConcurrencyConfigs is its GET with ?List=ALL */
        list = fg_query_get(query, query ? query_len : 0, "List", qual,
                            sizeof(qual)) == 1
               && strcmp(qual, "ALL") == 0;
        rc = eic ? fg_route_eic(method, method_len, slash + 1,
                                (size_t) (end - slash - 1), r)
                 : fg_route_concurrency(method, method_len, slash + 1,
                                        (size_t) (end - slash - 1), conc_get,
                                        list, r);
        if (rc != FG_ROUTE_OK) {
            return rc;
        }

    } else if (slash == NULL) {
        if (fg_part_is(method, method_len, "GET")) {
            r->action = FG_ACTION_GET_FUNCTION;
        } else if (fg_part_is(method, method_len, "DELETE")) {
            r->action = FG_ACTION_DELETE_FUNCTION;
        } else {
            r->action = FG_ACTION_METHOD_NOT_ALLOWED;
            return FG_ROUTE_BAD_METHOD;
        }

    } else {
        sub = slash + 1;
        sub_len = (size_t) (end - sub);

        if (sub_len > sizeof(FG_ALIASES)
            && memcmp(sub, FG_ALIASES "/", sizeof(FG_ALIASES)) == 0)
        {
            alias = sub + sizeof(FG_ALIASES);
            alias_len = sub_len - sizeof(FG_ALIASES);
            sub_len = sizeof(FG_ALIASES) - 1;
            slash = memchr(alias, '/', alias_len);
            if (slash != NULL) {
                /* aliases/ALIAS/overrides, nothing deeper */
                sub = slash + 1;
                sub_len = (size_t) (alias + alias_len - sub);
                alias_len = (size_t) (slash - alias);
                if (!fg_part_is(sub, sub_len, FG_OVERRIDES)) {
                    return FG_ROUTE_NOT_FOUND;
                }
            }

        } else if (sub_len > sizeof(FG_POLICY)
                   && memcmp(sub, FG_POLICY "/", sizeof(FG_POLICY)) == 0)
        {
            sid = sub + sizeof(FG_POLICY);
            sid_len = sub_len - sizeof(FG_POLICY);
            sub_len = sizeof(FG_POLICY) - 1;
            if (memchr(sid, '/', sid_len) != NULL) {
                return FG_ROUTE_NOT_FOUND;
            }
        }

        rc = fg_route_sub(method, method_len, sub, sub_len,
                          alias != NULL || sid != NULL, r);
        if (rc != FG_ROUTE_OK) {
            return rc;
        }
    }

    n = fg_decode(seg, seg_len, name, sizeof(name));
    if (n == FG_DECODE_OVERFLOW) {
        return FG_ROUTE_TOO_LONG;
    }
    if (n <= 0 || memchr(name, '/', (size_t) n) != NULL) {
        return FG_ROUTE_BAD_NAME;
    }

    rc = fg_parse_name(name, (size_t) n, r);
    if (rc != FG_ROUTE_OK) {
        return rc;
    }

    q = fg_query_get(query, query ? query_len : 0, "Qualifier", qual,
                     sizeof(qual));
    if (q < 0) {
        return FG_ROUTE_BAD_QUALIFIER;
    }

    if (q == 1) {
        if (!fg_qualifier_valid(qual, strlen(qual))) {
            return FG_ROUTE_BAD_QUALIFIER;
        }
        if (r->qualifier[0] != '\0' && strcmp(r->qualifier, qual) != 0) {
            return FG_ROUTE_BAD_QUALIFIER;
        }
        if (alias != NULL) {
            return FG_ROUTE_BAD_QUALIFIER;
        }
        memcpy(r->qualifier, qual, strlen(qual) + 1);
    }

    /* .../policy/SID: the statement RemovePermission removes */
    if (sid != NULL) {
        n = fg_decode(sid, sid_len, r->statement_id,
                      sizeof(r->statement_id));
        if (n < 0 || !fg_statement_id_valid(r->statement_id, (size_t) n)) {
            r->statement_id[0] = '\0';
            return FG_ROUTE_BAD_STATEMENT_ID;
        }
    }

    /* .../aliases/ALIAS: the alias is what the call acts on */
    if (alias != NULL) {
        if (r->qualifier[0] != '\0') {
            return FG_ROUTE_BAD_QUALIFIER;
        }
        n = fg_decode(alias, alias_len, qual, sizeof(qual));
        if (n == FG_DECODE_OVERFLOW) {
            return FG_ROUTE_TOO_LONG;
        }
        if (n <= 0 || !fg_alias_name_valid(qual, (size_t) n)) {
            return FG_ROUTE_BAD_QUALIFIER;
        }
        memcpy(r->qualifier, qual, (size_t) n + 1);
    }

    return FG_ROUTE_OK;
}


int
fg_function_arn(char *dst, size_t size, const char *region,
    const char *account, const char *function, const char *qualifier)
{
    if (region == NULL || account == NULL || function == NULL) {
        if (dst && size) {
            dst[0] = '\0';
        }
        return -1;
    }

    if (qualifier != NULL && qualifier[0] != '\0') {
        return snprintf(dst, size, "arn:aws:lambda:%s:%s:function:%s:%s",
                        region, account, function, qualifier);
    }

    return snprintf(dst, size, "arn:aws:lambda:%s:%s:function:%s", region,
                    account, function);
}


bool
fg_is_arn(const char *s, size_t len)
{
    return len >= 4 && memcmp(s, "arn:", 4) == 0;
}


fg_target_rc_t
fg_alias_target_parse(const char *s, size_t len, fg_route_t *t)
{
    memset(t, 0, sizeof(*t));

    if (!fg_is_arn(s, len) || len > FG_TARGET_ARN_MAX
        || fg_parse_name(s, len, t) != FG_ROUTE_OK || t->region[0] == '\0')
    {
        return FG_TARGET_BAD_ARN;
    }

    if (t->qualifier[0] == '\0') {
        return FG_TARGET_NO_QUALIFIER;
    }

    if (strcmp(t->qualifier, "$LATEST") == 0) {
        return FG_TARGET_LATEST;
    }

    return FG_TARGET_OK;
}
