/*
 * fg_api: names, path templates, route matching and the API paths (see
 * fg_api.h for the rules).
 *
 * libc only, no global state, no allocation: the nginx module runs the
 * matcher on every API call against the route table text it caches, so a
 * match is plain comparisons of segments, never a regex.
 */

#include <stdio.h>
#include <string.h>

#include "fg_api.h"
#include "fg_util.h"

#define FG_API_MGMT_PREFIX  "/2015-03-31/"
#define FG_API_APIS         "apis"
#define FG_API_SUBS         "subscriptions"
#define FG_API_ROUTES       "routes"
#define FG_API_USAGE        "usage"

/* Longest decoded request segment compared with a literal. */
#define FG_API_SEGMENT_BUF  1024


bool
fg_api_name_valid(const char *s, size_t len)
{
    return fg_name_valid(s, len, FG_API_NAME_MAX);
}


bool
fg_api_stage_valid(const char *s, size_t len)
{
    return fg_name_valid(s, len, FG_API_STAGE_MAX);
}


bool
fg_api_route_id_valid(const char *s, size_t len)
{
    return fg_version_valid(s, len);
}


static bool
fg_api_is(const char *s, size_t len, const char *lit)
{
    return s != NULL && strlen(lit) == len && memcmp(s, lit, len) == 0;
}


bool
fg_api_method_valid(const char *s, size_t len, bool any)
{
    static const char *const  methods[] = {
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"
    };
    size_t                    i;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (fg_api_is(s, len, methods[i])) {
            return true;
        }
    }

    return any && fg_api_is(s, len, "ANY");
}


fg_api_access_t
fg_api_access_from(const char *s, size_t len)
{
    if (fg_api_is(s, len, "private")) {
        return FG_API_ACCESS_PRIVATE;
    }
    if (fg_api_is(s, len, "granted")) {
        return FG_API_ACCESS_GRANTED;
    }
    if (fg_api_is(s, len, "open")) {
        return FG_API_ACCESS_OPEN;
    }
    return FG_API_ACCESS_BAD;
}


const char *
fg_api_access_name(fg_api_access_t a)
{
    switch (a) {
    case FG_API_ACCESS_PRIVATE:
        return "private";
    case FG_API_ACCESS_GRANTED:
        return "granted";
    case FG_API_ACCESS_OPEN:
        return "open";
    default:
        return "";
    }
}


fg_api_policy_t
fg_api_policy_from(const char *s, size_t len)
{
    if (fg_api_is(s, len, "caller")) {
        return FG_API_POLICY_CALLER;
    }
    if (fg_api_is(s, len, "owner")) {
        return FG_API_POLICY_OWNER;
    }
    return FG_API_POLICY_BAD;
}


const char *
fg_api_policy_name(fg_api_policy_t p)
{
    switch (p) {
    case FG_API_POLICY_CALLER:
        return "caller";
    case FG_API_POLICY_OWNER:
        return "owner";
    default:
        return "";
    }
}


/* The literal characters of a template segment (RFC 3986 pchar without
 * '%'). */
static bool
fg_api_literal_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:@", c)
              != NULL;
}


static bool
fg_api_param_name(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > FG_API_PARAM_MAX
        || (s[0] >= '0' && s[0] <= '9'))
    {
        return false;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        {
            return false;
        }
    }

    return true;
}


fg_api_template_rc_t
fg_api_template_check(const char *t, size_t len)
{
    const char  *p, *end, *seg, *names[FG_API_SEGMENTS_MAX];
    size_t       seg_len, lens[FG_API_SEGMENTS_MAX], n = 0, i, j;

    if (t == NULL || len == 0 || t[0] != '/') {
        return FG_API_TEMPLATE_NOT_ABSOLUTE;
    }

    if (len > FG_API_TEMPLATE_MAX) {
        return FG_API_TEMPLATE_TOO_LONG;
    }

    if (len == 1) {
        return FG_API_TEMPLATE_OK;          /* "/" */
    }

    p = t + 1;
    end = t + len;

    for (i = 0; p <= end; i++) {
        seg = p;
        while (p < end && *p != '/') {
            p++;
        }
        seg_len = (size_t) (p - seg);
        p++;

        if (i == FG_API_SEGMENTS_MAX) {
            return FG_API_TEMPLATE_TOO_LONG;
        }

        if (seg_len == 0) {
            return FG_API_TEMPLATE_EMPTY_SEGMENT;
        }

        if (seg[0] == '{' || seg[seg_len - 1] == '}') {
            if (seg_len < 3 || seg[0] != '{' || seg[seg_len - 1] != '}'
                || !fg_api_param_name(seg + 1, seg_len - 2))
            {
                return FG_API_TEMPLATE_BAD_PARAM;
            }

            for (j = 0; j < n; j++) {
                if (lens[j] == seg_len - 2
                    && memcmp(names[j], seg + 1, seg_len - 2) == 0)
                {
                    return FG_API_TEMPLATE_DUP_PARAM;
                }
            }

            names[n] = seg + 1;
            lens[n] = seg_len - 2;
            n++;
            continue;
        }

        if ((seg_len == 1 && seg[0] == '.')
            || (seg_len == 2 && seg[0] == '.' && seg[1] == '.'))
        {
            return FG_API_TEMPLATE_DOT_SEGMENT;
        }

        for (j = 0; j < seg_len; j++) {
            if (seg[j] == '{' || seg[j] == '}') {
                return FG_API_TEMPLATE_BAD_PARAM;
            }
            if (!fg_api_literal_char(seg[j])) {
                return FG_API_TEMPLATE_BAD_CHAR;
            }
        }
    }

    return FG_API_TEMPLATE_OK;
}


int
fg_api_template_shape(const char *t, size_t len, char *dst, size_t size)
{
    size_t  i, n = 0;
    bool    in = false;

    if (fg_api_template_check(t, len) != FG_API_TEMPLATE_OK || dst == NULL
        || size == 0)
    {
        return -1;
    }

    for (i = 0; i < len; i++) {
        if (in && t[i] != '}') {
            continue;
        }
        in = (t[i] == '{');
        if (n + 1 < size) {
            dst[n] = t[i];
        }
        n++;
    }

    dst[n < size ? n : size - 1] = '\0';

    return (int) n;
}


/* A request segment that is "." or "..", literally or percent-encoded. */
static bool
fg_api_dot_segment(const char *s, size_t len)
{
    size_t  i, dots = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            dots++;
        } else if (s[i] == '%' && len - i >= 3 && s[i + 1] == '2'
                   && (s[i + 2] == 'e' || s[i + 2] == 'E'))
        {
            dots++;
            i += 2;
        } else {
            return false;
        }
    }

    return dots == 1 || dots == 2;
}


bool
fg_api_path_ok(const char *path, size_t len)
{
    const char  *p, *end, *seg;
    char         buf[FG_API_SEGMENT_BUF];
    size_t       seg_len;

    if (len == 0) {
        return true;
    }

    if (path == NULL || path[0] != '/') {
        return false;
    }

    if (len == 1) {
        return true;
    }

    p = path + 1;
    end = path + len;

    while (p <= end) {
        seg = p;
        while (p < end && *p != '/') {
            p++;
        }
        seg_len = (size_t) (p - seg);
        p++;

        if (seg_len == 0 || fg_api_dot_segment(seg, seg_len)) {
            return false;
        }

        /* bad escapes, %00, and what does not fit are refused here, so
         * matching can decode without failing */
        if (fg_url_decode(seg, seg_len, buf, sizeof(buf)) < 0) {
            return false;
        }
    }

    return true;
}


int
fg_api_template_match(const char *t, size_t tlen, const char *path,
    size_t plen, unsigned long *literal, fg_api_span_t *params, size_t max,
    size_t *nparams)
{
    const char     *tp, *tend, *pp, *pend, *tseg, *pseg;
    size_t          tseg_len, pseg_len, i, np = 0;
    unsigned long   mask = 0;
    int             n;
    char            buf[FG_API_SEGMENT_BUF];

    if (plen == 0) {
        path = "/";
        plen = 1;
    }

    *literal = 0;
    if (nparams) {
        *nparams = 0;
    }

    if (tlen == 1 || plen == 1) {
        return tlen == 1 && plen == 1;
    }

    tp = t + 1;
    tend = t + tlen;
    pp = path + 1;
    pend = path + plen;

    for (i = 0; ; i++) {
        tseg = tp;
        while (tp < tend && *tp != '/') {
            tp++;
        }
        tseg_len = (size_t) (tp - tseg);

        pseg = pp;
        while (pp < pend && *pp != '/') {
            pp++;
        }
        pseg_len = (size_t) (pp - pseg);

        if (tseg_len == 0 || pseg_len == 0) {
            return 0;
        }

        if (tseg[0] == '{') {
            if (params && np < max) {
                params[np * 2].data = tseg + 1;
                params[np * 2].len = tseg_len - 2;
                params[np * 2 + 1].data = pseg;
                params[np * 2 + 1].len = pseg_len;
            }
            np++;

        } else {
            n = fg_url_decode(pseg, pseg_len, buf, sizeof(buf));
            if (n < 0 || (size_t) n != tseg_len
                || memcmp(buf, tseg, tseg_len) != 0)
            {
                return 0;
            }
            if (i < 32) {
                mask |= 1UL << (31 - i);
            }
        }

        if (tp == tend || pp == pend) {
            break;
        }
        tp++;
        pp++;
    }

    if (tp != tend || pp != pend) {
        return 0;                       /* one is longer */
    }

    *literal = mask;
    if (nparams) {
        *nparams = np < max ? np : max;
    }

    return 1;
}


/* The next line of a table: its span, and *p past it. */
static bool
fg_api_line(const char **p, const char *end, fg_api_span_t *line)
{
    const char  *nl;

    if (*p >= end) {
        return false;
    }

    nl = memchr(*p, '\n', (size_t) (end - *p));
    line->data = *p;
    line->len = (size_t) ((nl ? nl : end) - *p);
    *p = nl ? nl + 1 : end;

    return true;
}


/* Splits s at the first ' ' into head and tail (tail may be empty). */
static void
fg_api_split(fg_api_span_t *s, fg_api_span_t *head, fg_api_span_t *tail)
{
    const char  *sp = memchr(s->data, ' ', s->len);

    head->data = s->data;
    head->len = sp ? (size_t) (sp - s->data) : s->len;
    tail->data = sp ? sp + 1 : s->data + s->len;
    tail->len = sp ? s->len - head->len - 1 : 0;
}


int
fg_api_route_value_parse(const char *v, size_t len, fg_api_hit_t *hit)
{
    fg_api_span_t  s, rest, target;
    const char    *colon;

    s.data = v;
    s.len = len;

    fg_api_split(&s, &hit->method, &rest);
    fg_api_split(&rest, &hit->resource, &target);

    if (!fg_api_method_valid(hit->method.data, hit->method.len, true)
        || fg_api_template_check(hit->resource.data, hit->resource.len)
           != FG_API_TEMPLATE_OK
        || target.len == 0 || memchr(target.data, ' ', target.len) != NULL)
    {
        return -1;
    }

    colon = memchr(target.data, ':', target.len);

    hit->function.data = target.data;
    hit->function.len = colon ? (size_t) (colon - target.data) : target.len;
    hit->qualifier.data = colon ? colon + 1 : target.data + target.len;
    hit->qualifier.len = colon ? target.len - hit->function.len - 1 : 0;

    if (!fg_function_name_valid(hit->function.data, hit->function.len)
        || (colon && !fg_qualifier_valid(hit->qualifier.data,
                                         hit->qualifier.len)))
    {
        return -1;
    }

    return 0;
}


int
fg_api_table_header(const char *table, size_t len, fg_api_span_t *stage,
    fg_api_access_t *access, fg_api_policy_t *policy)
{
    const char     *p = table;
    fg_api_span_t   line, rest, a, pol;

    if (table == NULL || !fg_api_line(&p, table + len, &line)) {
        return -1;
    }

    fg_api_split(&line, stage, &rest);
    fg_api_split(&rest, &a, &pol);

    *access = fg_api_access_from(a.data, a.len);
    *policy = fg_api_policy_from(pol.data, pol.len);

    if (!fg_api_stage_valid(stage->data, stage->len)
        || *access == FG_API_ACCESS_BAD || *policy == FG_API_POLICY_BAD)
    {
        return -1;
    }

    return 0;
}


fg_api_match_rc_t
fg_api_table_match(const char *table, size_t len, const char *method,
    size_t method_len, const char *path, size_t plen, fg_api_hit_t *hit)
{
    const char     *p, *end;
    fg_api_span_t   line, id, rest;
    fg_api_hit_t    h;
    unsigned long   lit, best = 0;
    bool            any_path = false, found = false, exact, best_exact = false;

    if (table == NULL) {
        return FG_API_MATCH_BAD_TABLE;
    }

    p = table;
    end = table + len;

    if (!fg_api_line(&p, end, &line)) {         /* the header */
        return FG_API_MATCH_BAD_TABLE;
    }

    while (fg_api_line(&p, end, &line)) {
        if (line.len == 0) {
            continue;
        }

        fg_api_split(&line, &id, &rest);

        if (!fg_api_route_id_valid(id.data, id.len)
            || fg_api_route_value_parse(rest.data, rest.len, &h) != 0)
        {
            return FG_API_MATCH_BAD_TABLE;
        }

        if (!fg_api_template_match(h.resource.data, h.resource.len, path,
                                   plen, &lit, NULL, 0, NULL))
        {
            continue;
        }

        any_path = true;

        exact = (h.method.len == method_len
                 && memcmp(h.method.data, method, method_len) == 0);

        if (!exact && !fg_api_is(h.method.data, h.method.len, "ANY")) {
            continue;
        }

        if (!found || lit > best || (lit == best && exact && !best_exact)) {
            *hit = h;
            hit->id = id;
            best = lit;
            best_exact = exact;
            found = true;
        }
    }

    if (found) {
        return FG_API_MATCH_OK;
    }

    return any_path ? FG_API_MATCH_BAD_METHOD : FG_API_MATCH_NOT_FOUND;
}


/* Copies a valid segment into a NUL-terminated field. */
static bool
fg_api_take(char *dst, size_t size, const char *s, size_t len)
{
    if (len + 1 > size) {
        return false;
    }

    memcpy(dst, s, len);
    dst[len] = '\0';

    return true;
}


fg_route_rc_t
fg_api_call_parse(const char *path, size_t len, fg_route_t *r,
    const char **rest, size_t *rest_len)
{
    const char  *p, *end, *seg[3];
    size_t       seg_len[3], i;

    *rest = "";
    *rest_len = 0;

    if (len < sizeof(FG_API_CALL_PREFIX) - 1
        || memcmp(path, FG_API_CALL_PREFIX, sizeof(FG_API_CALL_PREFIX) - 1)
           != 0)
    {
        return FG_ROUTE_NOT_FOUND;
    }

    p = path + sizeof(FG_API_CALL_PREFIX) - 1;
    end = path + len;

    for (i = 0; i < 3; i++) {
        seg[i] = p;
        while (p < end && *p != '/') {
            p++;
        }
        seg_len[i] = (size_t) (p - seg[i]);

        if (i < 2 && p == end) {
            return FG_ROUTE_NOT_FOUND;
        }
        if (i < 2) {
            p++;
        }
    }

    if (!fg_account_valid(seg[0], seg_len[0])
        || !fg_api_name_valid(seg[1], seg_len[1])
        || !fg_api_stage_valid(seg[2], seg_len[2]))
    {
        return FG_ROUTE_NOT_FOUND;
    }

    fg_api_take(r->account, sizeof(r->account), seg[0], seg_len[0]);
    fg_api_take(r->api, sizeof(r->api), seg[1], seg_len[1]);
    fg_api_take(r->stage, sizeof(r->stage), seg[2], seg_len[2]);

    *rest = p;
    *rest_len = (size_t) (end - p);

    if (!fg_api_path_ok(*rest, *rest_len)) {
        return FG_ROUTE_BAD_PATH;
    }

    return FG_ROUTE_OK;
}


/* Sets the action of a method on a resource, or 405. */
static fg_route_rc_t
fg_api_pick(const char *method, size_t method_len, fg_route_t *r,
    fg_action_t get, fg_action_t post, fg_action_t put, fg_action_t del)
{
    fg_action_t  a = FG_ACTION_NONE;

    if (fg_api_is(method, method_len, "GET")) {
        a = get;
    } else if (fg_api_is(method, method_len, "POST")) {
        a = post;
    } else if (fg_api_is(method, method_len, "PUT")) {
        a = put;
    } else if (fg_api_is(method, method_len, "DELETE")) {
        a = del;
    }

    if (a == FG_ACTION_NONE) {
        r->action = FG_ACTION_METHOD_NOT_ALLOWED;
        return FG_ROUTE_BAD_METHOD;
    }

    r->action = a;
    return FG_ROUTE_OK;
}


fg_route_rc_t
fg_api_route_parse(const char *method, size_t method_len, const char *path,
    size_t path_len, fg_route_t *r)
{
    const char     *p, *end, *seg[4];
    size_t          seg_len[4], n = 0;
    fg_route_rc_t   rc;
    fg_action_t     N = FG_ACTION_NONE;

    r->action = FG_ACTION_NONE;

    if (path_len < sizeof(FG_API_MGMT_PREFIX) - 1
        || memcmp(path, FG_API_MGMT_PREFIX, sizeof(FG_API_MGMT_PREFIX) - 1)
           != 0)
    {
        return FG_ROUTE_NOT_FOUND;
    }

    p = path + sizeof(FG_API_MGMT_PREFIX) - 1;
    end = path + path_len;

    /* one trailing slash is allowed */
    if (end > p && end[-1] == '/') {
        end--;
    }

    while (p <= end) {
        if (n == 4) {
            return FG_ROUTE_NOT_FOUND;
        }
        seg[n] = p;
        while (p < end && *p != '/') {
            p++;
        }
        seg_len[n] = (size_t) (p - seg[n]);
        n++;
        p++;
    }

    if (fg_api_is(seg[0], seg_len[0], FG_API_SUBS)) {
        if (n != 1) {
            return FG_ROUTE_NOT_FOUND;
        }
        return fg_api_pick(method, method_len, r,
                           FG_ACTION_LIST_SUBSCRIPTIONS,
                           FG_ACTION_CREATE_SUBSCRIPTION, N, N);
    }

    if (fg_api_is(seg[0], seg_len[0], FG_API_USAGE)) {
        if (n != 1) {
            return FG_ROUTE_NOT_FOUND;
        }
        return fg_api_pick(method, method_len, r, FG_ACTION_GET_USAGE,
                           N, N, N);
    }

    if (!fg_api_is(seg[0], seg_len[0], FG_API_APIS)) {
        return FG_ROUTE_NOT_FOUND;
    }

    if (n == 1) {
        return fg_api_pick(method, method_len, r, FG_ACTION_LIST_APIS,
                           FG_ACTION_CREATE_API, N, N);
    }

    if (n == 2) {
        rc = fg_api_pick(method, method_len, r, FG_ACTION_GET_API, N,
                         FG_ACTION_UPDATE_API, FG_ACTION_DELETE_API);

    } else if (fg_api_is(seg[2], seg_len[2], FG_API_ROUTES)) {
        if (n == 3) {
            rc = fg_api_pick(method, method_len, r, FG_ACTION_LIST_ROUTES,
                             FG_ACTION_CREATE_ROUTE, N, N);
        } else {
            rc = fg_api_pick(method, method_len, r, FG_ACTION_GET_ROUTE, N,
                             FG_ACTION_UPDATE_ROUTE, FG_ACTION_DELETE_ROUTE);
            if (rc == FG_ROUTE_OK
                && (!fg_api_route_id_valid(seg[3], seg_len[3])
                    || !fg_api_take(r->route_id, sizeof(r->route_id),
                                    seg[3], seg_len[3])))
            {
                return FG_ROUTE_BAD_API;
            }
        }

    } else if (fg_api_is(seg[2], seg_len[2], FG_API_USAGE)) {
        if (n != 3) {
            return FG_ROUTE_NOT_FOUND;
        }
        rc = fg_api_pick(method, method_len, r, FG_ACTION_GET_API_USAGE,
                         N, N, N);

    } else if (fg_api_is(seg[2], seg_len[2], FG_API_SUBS)) {
        if (n == 3) {
            rc = fg_api_pick(method, method_len, r,
                             FG_ACTION_LIST_API_SUBSCRIPTIONS, N, N, N);
        } else {
            rc = fg_api_pick(method, method_len, r, N, N,
                             FG_ACTION_UPDATE_SUBSCRIPTION, N);
            if (rc == FG_ROUTE_OK
                && (!fg_account_valid(seg[3], seg_len[3])
                    || !fg_api_take(r->subscriber, sizeof(r->subscriber),
                                    seg[3], seg_len[3])))
            {
                return FG_ROUTE_BAD_API;
            }
        }

    } else {
        return FG_ROUTE_NOT_FOUND;
    }

    if (rc != FG_ROUTE_OK) {
        return rc;
    }

    if (!fg_api_name_valid(seg[1], seg_len[1])) {
        return FG_ROUTE_BAD_API;
    }

    fg_api_take(r->api, sizeof(r->api), seg[1], seg_len[1]);

    return FG_ROUTE_OK;
}


int
fg_api_arn_parse(const char *s, size_t len, char *region,
    size_t region_size, char owner[FG_ACCOUNT_LEN + 1],
    char name[FG_API_NAME_MAX + 1])
{
    static const char   pre[] = "arn:aws:lambda:";
    const char         *p, *end, *colon;
    size_t              rlen;

    if (s == NULL || len <= sizeof(pre) - 1
        || memcmp(s, pre, sizeof(pre) - 1) != 0)
    {
        return -1;
    }

    p = s + sizeof(pre) - 1;
    end = s + len;

    colon = memchr(p, ':', (size_t) (end - p));
    if (colon == NULL) {
        return -1;
    }

    rlen = (size_t) (colon - p);
    if (!fg_region_valid(p, rlen) || p[0] == '-' || p[rlen - 1] == '-') {
        return -1;
    }

    if (region != NULL && !fg_api_take(region, region_size, p, rlen)) {
        return -1;
    }

    p = colon + 1;
    if ((size_t) (end - p) < FG_ACCOUNT_LEN + sizeof(":api:")
        || !fg_account_valid(p, FG_ACCOUNT_LEN)
        || memcmp(p + FG_ACCOUNT_LEN, ":api:", 5) != 0)
    {
        return -1;
    }

    fg_api_take(owner, FG_ACCOUNT_LEN + 1, p, FG_ACCOUNT_LEN);
    p += FG_ACCOUNT_LEN + 5;

    if (!fg_api_name_valid(p, (size_t) (end - p))) {
        return -1;
    }

    fg_api_take(name, FG_API_NAME_MAX + 1, p, (size_t) (end - p));

    return 0;
}


int
fg_api_arn(char *dst, size_t size, const char *region, const char *owner,
    const char *name)
{
    if (region == NULL || owner == NULL || name == NULL) {
        if (dst && size) {
            dst[0] = '\0';
        }
        return -1;
    }

    return snprintf(dst, size, "arn:aws:lambda:%s:%s:api:%s", region, owner,
                    name);
}
