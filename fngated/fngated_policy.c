/*
 * fngated_policy: a function's (or qualifier's) resource policy:
 * AddPermission, RemovePermission, GetPolicy.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_policy.h"
#include "fngated_store.h"
#include "fngated_util.h"

/* AddPermission: the statement names the function (and qualifier) the
 * policy is of. */
int
fgd_policy_add(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_permission_t  p;
    char             *st = NULL, revision[37];
    size_t            st_len;
    int               rc;

    if (fgd_permission_parse(q->body, q->body_len, &p, r) != 0) {
        return -1;
    }
    if (fgd_json_statement(&p, q->region, q->caller, q->function,
            q->qualifier, &st, &st_len) != 0)
    {
        return fgd_nomem(r);
    }
    rc = fgd_store_permission_add(q, &p, st, revision, r);
    if (rc == 0) {
        fgd_log("info", q->request_id, "policy %s:%s%s%s grants %s %s (%s)",
            q->caller, q->function, q->qualifier[0] ? ":" : "",
            q->qualifier, p.principal, p.action, p.sid);
        if (fgd_json_add_permission(st, &r->body, &r->body_len) != 0) {
            rc = fgd_nomem(r);
        } else {
            r->status = 201;
        }
    }
    free(st);
    return rc;
}

/* RemovePermission: the statement id is the path's last segment, read
 * with the module's own parser. */
int
fgd_policy_remove(const fgd_req_t *q, fgd_resp_t *r)
{
    const char  *method = q->method, *uri = q->uri, *qm;
    fg_route_t   rt;
    char         want[64];
    int          got;

    qm = strchr(uri, '?');
    if (fg_route_parse(method, strlen(method), uri,
            qm ? (size_t) (qm - uri) : strlen(uri), qm ? qm + 1 : "",
            qm ? strlen(qm + 1) : 0, &rt) != FG_ROUTE_OK
        || rt.action != FG_ACTION_REMOVE_PERMISSION)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The statement id of the request is not valid");
    }
    want[0] = '\0';
    got = fg_query_get(q->query, strlen(q->query), "RevisionId", want,
        sizeof(want));
    if (got < 0 || strlen(want) > 36) {
        return fgd_revision_mismatch(r, FGD_GETTER_POLICY);
    }
    if (got == 0) {
        want[0] = '\0';
    }
    if (fgd_store_permission_remove(q, rt.statement_id, want, r) != 0) {
        return -1;
    }
    fgd_log("info", q->request_id, "policy %s:%s%s%s lost %s", q->caller,
        q->function, q->qualifier[0] ? ":" : "", q->qualifier,
        rt.statement_id);
    r->status = 204;
    return 0;
}

int
fgd_policy_get(const fgd_req_t *q, fgd_resp_t *r)
{
    char    **st, revision[37];
    size_t    n, i;
    int       rc;

    if (fgd_store_policy_get(q, &st, &n, revision, r) != 0) {
        return -1;
    }
    rc = fgd_json_policy((const char *const *) st, n, revision, &r->body,
        &r->body_len);
    for (i = 0; i < n; i++) {
        free(st[i]);
    }
    free(st);
    return fgd_resp_done(r, rc, 200);
}

/*
 * Resource policies.  One hash per function holds the statements of the
 * function's own policy and of each qualifier's ("QUALIFIER:SID"), and
 * each policy's RevisionId ("#QUALIFIER"); a second hash is the grant
 * index the module reads (fg_keys.h).  Both change only in the scripts.
 */
int
fgd_store_permission_add(const fgd_req_t *q, const fgd_permission_t *p,
    const char *statement, char revision[37], fgd_resp_t *r)
{
    char         kpol[FG_KEY_MAX], kgr[FG_KEY_MAX], kmust[FG_KEY_MAX];
    char         field[FG_KEY_MAX], arn[512];
    const char  *args[9];
    long long    v;
    int          n;

    if (q->qualifier[0] == '\0') {
        n = fg_key_function(kmust, sizeof(kmust), q->caller, q->function);
    } else if (fg_version_valid(q->qualifier, strlen(q->qualifier))) {
        n = fg_key_version(kmust, sizeof(kmust), q->caller, q->function,
            q->qualifier);
    } else if (fg_alias_name_valid(q->qualifier, strlen(q->qualifier))) {
        n = fg_key_alias(kmust, sizeof(kmust), q->caller, q->function,
            q->qualifier);
    } else {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The qualifier '%.130s' can not have a policy: name a version "
            "or an alias", q->qualifier);
    }
    if (n < 0 || n >= FG_KEY_MAX
        || fg_key_policy(kpol, sizeof(kpol), q->caller, q->function)
            >= FG_KEY_MAX
        || fg_key_grants(kgr, sizeof(kgr), q->caller, q->function)
            >= FG_KEY_MAX
        || fg_key_grant_field(field, sizeof(field), q->qualifier, p->action,
            p->principal) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    fgd_revision_new(revision);
    args[0] = kpol;  args[1] = kgr;  args[2] = kmust;
    args[3] = q->qualifier;  args[4] = p->sid;  args[5] = statement;
    args[6] = field;  args[7] = p->want_revision;  args[8] = revision;
    if (fgd_redis_script_int(q, FGD_SCRIPT_PERMISSION_ADD, 3, 9, args, NULL,
            &v, r) != 0)
    {
        return -1;
    }
    switch (v) {
    case 1:
        return 0;
    case 0:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
            q->qualifier);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    case -2:
        return fgd_error(r, 409, "ResourceConflictException",
            "The statement id (%s) provided already exists. Please provide "
            "a new statement id, or remove the existing statement.", p->sid);
    default:
        return fgd_revision_mismatch(r, FGD_GETTER_POLICY);
    }
}

int
fgd_store_permission_remove(const fgd_req_t *q, const char *sid,
    const char *want_revision, fgd_resp_t *r)
{
    char         kpol[FG_KEY_MAX], kgr[FG_KEY_MAX], revision[37];
    const char  *args[6];
    long long    v;

    if (fg_key_policy(kpol, sizeof(kpol), q->caller, q->function)
            >= FG_KEY_MAX
        || fg_key_grants(kgr, sizeof(kgr), q->caller, q->function)
            >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    fgd_revision_new(revision);
    args[0] = kpol;  args[1] = kgr;  args[2] = q->qualifier;  args[3] = sid;
    args[4] = want_revision;  args[5] = revision;
    if (fgd_redis_script_int(q, FGD_SCRIPT_PERMISSION_REMOVE, 2, 6, args,
            NULL, &v, r) != 0)
    {
        return -1;
    }
    if (v == 1) {
        return 0;
    }
    if (v == 0) {
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Statement %s is not found in resource policy.", sid);
    }
    return fgd_revision_mismatch(r, FGD_GETTER_POLICY);
}

int
fgd_store_policy_get(const fgd_req_t *q, char ***statements, size_t *n,
    char revision[37], fgd_resp_t *r)
{
    char         kpol[FG_KEY_MAX], pre[FG_QUALIFIER_MAX + 2];
    char       **st = NULL;
    redisReply  *reply;
    size_t       i, k = 0, plen;
    int          rc = -1;

    *statements = NULL;
    *n = 0;
    revision[0] = '\0';
    if (fg_key_policy(kpol, sizeof(kpol), q->caller, q->function)
            >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    reply = fgd_store_hgetall(q, kpol, r);
    if (reply == NULL) {
        return -1;
    }
    snprintf(pre, sizeof(pre), "%s:", q->qualifier);
    plen = strlen(pre);
    st = calloc(reply->elements / 2 + 1, sizeof(*st));
    if (st == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    for (i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *f = reply->element[i], *v = reply->element[i + 1];
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
            continue;
        }
        if (f->str[0] == '#' && strcmp(f->str + 1, q->qualifier) == 0) {
            snprintf(revision, 37, "%s", v->str);
            continue;
        }
        if (f->len > plen && memcmp(f->str, pre, plen) == 0) {
            /* sorted by field, that is by Sid */
            st[k] = malloc(f->len + 1 + v->len + 1);
            if (st[k] == NULL) {
                fgd_nomem(r);
                goto cleanup;
            }
            memcpy(st[k], f->str, f->len);
            st[k][f->len] = '\0';
            memcpy(st[k] + f->len + 1, v->str, v->len + 1);
            k++;
        }
    }
    if (k == 0) {
        fgd_error(r, 404, "ResourceNotFoundException",
            "The resource you requested does not exist.");
        goto cleanup;
    }
    qsort(st, k, sizeof(*st), fgd_str_cmp);
    /* keep only the statements: move each past its sort key */
    for (i = 0; i < k; i++) {
        memmove(st[i], st[i] + strlen(st[i]) + 1,
            strlen(st[i] + strlen(st[i]) + 1) + 1);
    }
    *statements = st;
    *n = k;
    st = NULL;
    rc = 0;

cleanup:
    if (st != NULL) {
        for (i = 0; i < k; i++) {
            free(st[i]);
        }
        free(st);
    }
    freeReplyObject(reply);
    return rc;
}
