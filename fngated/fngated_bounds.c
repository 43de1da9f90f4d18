/*
 * fngated_bounds: what other accounts' calls may change: the owner's
 * execution bounds of a function (Get/Put/DeleteExecutionBounds) and the
 * execution overrides of a caller's cross-account alias
 * (Get/Put/DeleteAliasOverrides).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_bounds.h"
#include "fngated_cache.h"
#include "fngated_log.h"
#include "fngated_store.h"

/* The bounds as GetExecutionBounds / PutExecutionBounds answer them. */
static int
fgd_bounds_reply(const fgd_req_t *q, const fgd_bounds_t *b, fgd_resp_t *r)
{
    char  arn[512];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        "");
    if (fgd_json_bounds(b, arn, &r->body, &r->body_len) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

/* GetExecutionBounds: what other accounts' aliases of the caller's
 * function may change (without bounds, the defaults). */
int
fgd_bounds_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_bounds_t  b;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_store_bounds_get(q, q->caller, q->function, &b, r) != 0)
        return -1;
    return fgd_bounds_reply(q, &b, r);
}

int
fgd_bounds_put(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_bounds_t  b;
    char         *json = NULL;
    int           rc;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_bounds_parse(q->body, q->body_len, q->conf->max_memory_mb, &b,
            r) != 0)
        return -1;
    if (fgd_json_bounds(&b, NULL, &json, NULL) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    rc = fgd_store_bounds_put(q, q->function, json, r);
    fgd_cache_forget_bounds(q);
    if (rc == 0)
        fgd_log("info", q->request_id, "bounds of %s:%s: %s", q->caller,
            q->function, json);
    free(json);
    return rc == 0 ? fgd_bounds_reply(q, &b, r) : -1;
}

int
fgd_bounds_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_store_bounds_put(q, q->function, "", r) != 0)
        return -1;
    fgd_cache_forget_bounds(q);
    fgd_log("info", q->request_id, "bounds of %s:%s dropped", q->caller,
        q->function);
    r->status = 204;
    return 0;
}

/*
 * The caller's cross-account alias q->qualifier of q->function, with its
 * overrides (*cur: fgd_overrides_clear it) and its ARN.  0, or -1 with r
 * (400 for an alias that is not cross-account).
 */
static int
fgd_overrides_read(const fgd_req_t *q, fgd_alias_t *a, fgd_overrides_t *cur,
    char arn[512], fgd_resp_t *r)
{
    if (fgd_store_alias_read(q, q->caller, q->function, q->qualifier, a,
            cur, r) != 0)
        return -1;
    fg_function_arn(arn, 512, q->region, q->caller, q->function,
        q->qualifier);
    if (a->target[0] == '\0') {
        fgd_overrides_clear(cur);
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s is not a cross-account alias", arn);
    }
    return 0;
}

int
fgd_overrides_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur;
    char             arn[512];
    int              rc;

    if (fgd_overrides_read(q, &a, &cur, arn, r) != 0)
        return -1;
    rc = fgd_json_overrides(&cur, arn, a.revision_id, &r->body,
        &r->body_len);
    fgd_overrides_clear(&cur);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

int
fgd_overrides_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur;
    char             arn[512], rev[37];

    if (fgd_overrides_read(q, &a, &cur, arn, r) != 0)
        return -1;
    fgd_overrides_clear(&cur);
    fgd_revision_new(rev);
    if (fgd_store_overrides_put(q, q->function, q->qualifier, a.revision_id,
            "", rev, r) != 0)
        return -1;
    fgd_cache_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "overrides of %s dropped", arn);
    r->status = 204;
    return 0;
}

/*
 * PutAliasOverrides: checked as UpdateAlias checks the alias (granted,
 * target there, no chain) and against the target owner's bounds of the
 * moment.
 */
int
fgd_overrides_put(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur, o = { 0 };
    fgd_bounds_t     b;
    fgd_fn_t         target;
    fg_route_t       t;
    char             arn[512], rev[37], *json = NULL;
    int              rc = -1;

    memset(&target, 0, sizeof(target));
    if (fgd_overrides_read(q, &a, &cur, arn, r) != 0)
        return -1;
    fgd_revision_new(rev);
    if (fgd_overrides_parse(q->body, q->body_len, q->conf->max_memory_mb,
            &o, r) != 0 ||
        fgd_store_xalias_check(q, &a, r) != 0)
        goto cleanup;
    if (fg_alias_target_parse(a.target, strlen(a.target), &t)
        != FG_TARGET_OK) {
        fgd_error(r, 500, "ServiceException", "The alias's target is "
            "unreadable");
        goto cleanup;
    }
    if (fgd_store_bounds_get(q, t.account, t.function, &b, r) != 0 ||
        fgd_store_resolve(q, t.account, t.function, t.qualifier, false,
            &target, r) != 0 ||
        fgd_overrides_allowed(&o, &b, &target, a.target, r) != 0)
        goto cleanup;
    if (fgd_json_overrides(&o, NULL, NULL, &json, NULL) != 0) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    if (fgd_store_overrides_put(q, q->function, q->qualifier, a.revision_id,
            json, rev, r) != 0)
        goto cleanup;
    fgd_cache_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "overrides of %s: %s", arn, json);
    if (fgd_json_overrides(&o, arn, rev, &r->body, &r->body_len) != 0) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    r->status = 200;
    rc = 0;

cleanup:
    free(json);
    fgd_overrides_clear(&cur);
    fgd_overrides_clear(&o);
    fgd_fn_clear(&target);
    return rc;
}
