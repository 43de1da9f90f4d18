/*
 * fuzz_route: lib/fg_route.c, the Lambda paths the nginx module routes
 * (and fngated reads again from REQUEST_URI): function names, partial
 * and full ARNs, qualifiers, statement ids, the query's Qualifier, and a
 * cross-account alias's target ARN (CreateAlias's FunctionVersion).
 *
 * Input, lines separated by '\n': method, path (percent-encoded), query,
 * then a string for the name, ARN and query helpers.
 *
 * Invariants: what a parse accepts passes the validators of its parts; a
 * target ARN rebuilt with fg_function_arn parses to the same parts (and
 * is the same text for partition "aws"); an action's name maps back to
 * the action.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "fg_route.h"

static void
fz_route_check(const fg_route_t *r)
{
    if (r->function[0] != '\0') {
        FZ_CHECK(fg_function_name_valid(r->function, strlen(r->function)));
    }
    if (r->account[0] != '\0') {
        FZ_CHECK(fg_account_valid(r->account, strlen(r->account)));
    }
    if (r->region[0] != '\0') {
        FZ_CHECK(fg_region_valid(r->region, strlen(r->region)));
    }
    if (r->qualifier[0] != '\0') {
        FZ_CHECK(fg_qualifier_valid(r->qualifier, strlen(r->qualifier)));
    }
    if (r->statement_id[0] != '\0') {
        FZ_CHECK(fg_statement_id_valid(r->statement_id,
            strlen(r->statement_id)));
    }
    if (r->subscriber[0] != '\0') {
        FZ_CHECK(fg_account_valid(r->subscriber, strlen(r->subscriber)));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t       s[4];
    fg_route_t      r, t, t2;
    fg_route_rc_t   rc;
    fg_target_rc_t  trc;
    char           *m, *path, *query, *str, dec[256], arn[512];
    const char     *name;
    size_t          n;
    int             dl;

    n = fz_split(data, size, '\n', s, 4);
    while (n < 4) {
        s[n++] = (fz_span_t) { "", 0 };
    }
    m = fz_copy(s[0].p, s[0].len);
    path = fz_copy(s[1].p, s[1].len);
    query = fz_copy(s[2].p, s[2].len);
    str = fz_copy(s[3].p, s[3].len);
    if (m == NULL || path == NULL || query == NULL || str == NULL) {
        goto cleanup;
    }

    memset(&r, 0xa5, sizeof(r));
    rc = fg_route_parse(m, s[0].len, path, s[1].len, query, s[2].len, &r);
    if (rc == FG_ROUTE_OK) {
        FZ_CHECK(r.action != FG_ACTION_NONE);
        fz_route_check(&r);
    }
    name = fg_action_name(r.action);
    FZ_CHECK(name != NULL);
    if (name[0] != '\0' && r.action != FG_ACTION_METHOD_NOT_ALLOWED) {
        FZ_CHECK(fg_action_from_name(name) == r.action);
    }

    /* the helpers, on the last line */
    (void) fg_function_name_valid(str, s[3].len);
    (void) fg_qualifier_valid(str, s[3].len);
    (void) fg_alias_name_valid(str, s[3].len);
    (void) fg_statement_id_valid(str, s[3].len);
    (void) fg_version_valid(str, s[3].len);
    (void) fg_region_valid(str, s[3].len);
    {
        char  *z = fz_dup(str, s[3].len);     /* a NUL-terminated name */

        if (z != NULL) {
            (void) fg_action_from_name(z);
        }
        free(z);
    }
    (void) fg_account_valid(str, s[3].len);
    (void) fg_is_arn(str, s[3].len);
    dl = fg_url_decode(str, s[3].len, dec, sizeof(dec));
    if (dl >= 0) {
        FZ_CHECK((size_t) dl < sizeof(dec) && (size_t) dl <= s[3].len);
        FZ_CHECK(dec[dl] == '\0');
    }
    (void) fg_query_get(str, s[3].len, "Qualifier", dec, sizeof(dec));
    (void) fg_query_get(query, s[2].len, "Qualifier", dec, 8);

    trc = fg_alias_target_parse(str, s[3].len, &t);
    if (trc == FG_TARGET_OK || trc == FG_TARGET_LATEST
        || trc == FG_TARGET_NO_QUALIFIER)
    {
        int  an;

        fz_route_check(&t);
        FZ_CHECK(t.region[0] != '\0' && t.account[0] != '\0');
        an = fg_function_arn(arn, sizeof(arn), t.region, t.account,
            t.function, t.qualifier);
        FZ_CHECK(an > 0 && (size_t) an < sizeof(arn));
        FZ_CHECK(fg_alias_target_parse(arn, (size_t) an, &t2) == trc);
        FZ_CHECK(strcmp(t.region, t2.region) == 0);
        FZ_CHECK(strcmp(t.account, t2.account) == 0);
        FZ_CHECK(strcmp(t.function, t2.function) == 0);
        FZ_CHECK(strcmp(t.qualifier, t2.qualifier) == 0);
        if (s[3].len > 8 && memcmp(str, "arn:aws:", 8) == 0) {
            FZ_CHECK((size_t) an == s[3].len
                     && memcmp(arn, str, s[3].len) == 0);
        }
    }

cleanup:
    free(m);
    free(path);
    free(query);
    free(str);
    return 0;
}
