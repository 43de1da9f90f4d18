/*
 * fngated_policy: a function's (or qualifier's) resource policy:
 * AddPermission, RemovePermission, GetPolicy.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_log.h"
#include "fngated_policy.h"
#include "fngated_store.h"

/* AddPermission: the statement names the function (and qualifier) the
 * policy is of. */
int
fgd_policy_add(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_permission_t  p;
    char             *st = NULL, revision[37];
    size_t            st_len;
    int               rc;

    if (fgd_permission_parse(q->body, q->body_len, &p, r) != 0)
        return -1;
    if (fgd_json_statement(&p, q->region, q->caller, q->function,
            q->qualifier, &st, &st_len) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    rc = fgd_store_permission_add(q, &p, st, revision, r);
    if (rc == 0) {
        fgd_log("info", q->request_id, "policy %s:%s%s%s grants %s %s (%s)",
            q->caller, q->function, q->qualifier[0] ? ":" : "",
            q->qualifier, p.principal, p.action, p.sid);
        if (fgd_json_add_permission(st, &r->body, &r->body_len) != 0)
            rc = fgd_error(r, 500, "ServiceException", "out of memory");
        else
            r->status = 201;
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
            qm ? strlen(qm + 1) : 0, &rt) != FG_ROUTE_OK ||
        rt.action != FG_ACTION_REMOVE_PERMISSION)
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The statement id of the request is not valid");
    want[0] = '\0';
    got = fg_query_get(q->query, strlen(q->query), "RevisionId", want,
        sizeof(want));
    if (got < 0 || strlen(want) > 36)
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetPolicy API to retrieve the latest Revision Id");
    if (got == 0)
        want[0] = '\0';
    if (fgd_store_permission_remove(q, rt.statement_id, want, r) != 0)
        return -1;
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

    if (fgd_store_policy_get(q, &st, &n, revision, r) != 0)
        return -1;
    rc = fgd_json_policy((const char *const *) st, n, revision, &r->body,
        &r->body_len);
    for (i = 0; i < n; i++)
        free(st[i]);
    free(st);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}
