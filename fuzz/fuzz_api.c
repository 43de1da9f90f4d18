/*
 * fuzz_api: lib/fg_api.c, APIs made of functions: route templates (as
 * CreateRoute gives them), the request paths of API calls, the route
 * table text the module caches (from Redis), stored route values, API
 * ARNs (CreateSubscription's ApiArn), the call and management paths.
 *
 * Input, lines separated by '\n': method, template, request path, ARN;
 * the rest (after a fourth '\n') is a route table.
 *
 * Invariants: a valid template has a shape, and matches the path made
 * of its literals with "x" for each parameter; a match's parameters lie
 * in the template and the path; an API ARN rebuilt is the same text; a
 * table hit's and a route value's spans lie in the text.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "fg_api.h"

static bool
fz_in(fg_api_span_t s, const char *p, size_t len)
{
    return s.len == 0 || (s.data >= p && s.data + s.len <= p + len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t             s[5];
    fg_api_span_t         params[2 * FG_API_SEGMENTS_MAX], stage;
    fg_api_hit_t          hit;
    fg_api_access_t       access;
    fg_api_policy_t       policy;
    fg_route_t            r;
    fg_api_template_rc_t  trc;
    const char           *rest;
    char                 *m, *tpl, *path, *arn, *table;
    char                  shape[FG_API_TEMPLATE_MAX + 1], region[64];
    char                  owner[FG_ACCOUNT_LEN + 1];
    char                  name[FG_API_NAME_MAX + 1], buf[256];
    char                  fake[FG_API_TEMPLATE_MAX * 2 + 2];
    unsigned long         literal;
    size_t                n, i, np, rest_len;
    int                   k;

    n = fz_split(data, size, '\n', s, 5);
    while (n < 5) {
        s[n++] = (fz_span_t) { "", 0 };
    }
    m = fz_copy(s[0].p, s[0].len);
    tpl = fz_copy(s[1].p, s[1].len);
    path = fz_copy(s[2].p, s[2].len);
    arn = fz_copy(s[3].p, s[3].len);
    table = fz_copy(s[4].p, s[4].len);
    if (!m || !tpl || !path || !arn || !table) {
        goto cleanup;
    }

    (void) fg_api_name_valid(arn, s[3].len);
    (void) fg_api_stage_valid(arn, s[3].len);
    (void) fg_api_route_id_valid(arn, s[3].len);
    (void) fg_api_method_valid(m, s[0].len, true);
    (void) fg_api_access_name(fg_api_access_from(arn, s[3].len));
    (void) fg_api_policy_name(fg_api_policy_from(arn, s[3].len));

    /* the template and a request path */
    trc = fg_api_template_check(tpl, s[1].len);
    k = fg_api_template_shape(tpl, s[1].len, shape, sizeof(shape));
    if (trc == FG_API_TEMPLATE_OK) {
        size_t  fl = 0, j;

        FZ_CHECK(k >= 0 && (size_t) k < sizeof(shape));
        /* the path of its literals, "x" for a parameter, matches */
        for (j = 0; j < s[1].len; j++) {
            if (tpl[j] == '{') {
                fake[fl++] = 'x';
                while (tpl[j] != '}') {
                    j++;
                }
            } else {
                fake[fl++] = tpl[j];
            }
        }
        if (fg_api_path_ok(fake, fl)) {
            FZ_CHECK(fg_api_template_match(tpl, s[1].len, fake, fl,
                &literal, params, FG_API_SEGMENTS_MAX, &np) == 1);
        }
    }
    if (trc == FG_API_TEMPLATE_OK && fg_api_path_ok(path, s[2].len)) {
        k = fg_api_template_match(tpl, s[1].len, path, s[2].len, &literal,
            params, FG_API_SEGMENTS_MAX, &np);
        if (k == 1) {
            FZ_CHECK(np <= FG_API_SEGMENTS_MAX);
            for (i = 0; i < np; i++) {
                FZ_CHECK(fz_in(params[2 * i], tpl, s[1].len));
                FZ_CHECK(fz_in(params[2 * i + 1], path, s[2].len));
            }
        }
    }

    /* call and management paths */
    k = fg_api_call_parse(path, s[2].len, &r, &rest, &rest_len);
    if (k == FG_ROUTE_OK) {
        FZ_CHECK(fg_account_valid(r.account, strlen(r.account)));
        FZ_CHECK(fg_api_name_valid(r.api, strlen(r.api)));
        FZ_CHECK(fg_api_stage_valid(r.stage, strlen(r.stage)));
        FZ_CHECK(rest_len == 0 || fz_in((fg_api_span_t) { rest, rest_len },
            path, s[2].len));
    }
    if (s[2].len >= 12 && memcmp(path, "/2015-03-31/", 12) == 0) {
        (void) fg_api_route_parse(m, s[0].len, path, s[2].len, &r);
    }

    /* the ARN, and back */
    if (fg_api_arn_parse(arn, s[3].len, region, sizeof(region), owner, name)
        == 0)
    {
        k = fg_api_arn(buf, sizeof(buf), region, owner, name);
        FZ_CHECK(k > 0 && (size_t) k == s[3].len
                 && memcmp(buf, arn, s[3].len) == 0);
    }

    /* the route table, and a stored route value */
    if (fg_api_table_header(table, s[4].len, &stage, &access, &policy)
        == 0)
    {
        FZ_CHECK(fz_in(stage, table, s[4].len));
    }
    if (fg_api_path_ok(path, s[2].len)
        && fg_api_table_match(table, s[4].len, m, s[0].len, path, s[2].len,
                              &hit) == FG_API_MATCH_OK)
    {
        FZ_CHECK(fz_in(hit.id, table, s[4].len));
        FZ_CHECK(fz_in(hit.method, table, s[4].len));
        FZ_CHECK(fz_in(hit.resource, table, s[4].len));
        FZ_CHECK(fz_in(hit.function, table, s[4].len));
        FZ_CHECK(fz_in(hit.qualifier, table, s[4].len));
    }
    if (fg_api_route_value_parse(table, s[4].len, &hit) == 0) {
        FZ_CHECK(fz_in(hit.method, table, s[4].len));
        FZ_CHECK(fz_in(hit.resource, table, s[4].len));
        FZ_CHECK(fz_in(hit.function, table, s[4].len));
        FZ_CHECK(fz_in(hit.qualifier, table, s[4].len));
    }

cleanup:
    free(m);
    free(tpl);
    free(path);
    free(arn);
    free(table);
    return 0;
}
