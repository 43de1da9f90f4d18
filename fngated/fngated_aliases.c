/*
 * fngated_aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias and
 * ListAliases, of ordinary and of cross-account aliases.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_aliases.h"
#include "fngated_cache.h"
#include "fngated_log.h"
#include "fngated_store.h"

static int
fgd_alias_reply(const fgd_req_t *q, const fgd_alias_t *a, int status,
    fgd_resp_t *r)
{
    if (fgd_json_alias(a, q->region, q->caller, q->function, &r->body,
            &r->body_len) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = status;
    return 0;
}

int
fgd_alias_create(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_req_t  a;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_alias_parse(q->body, q->body_len, true, &a, r) != 0 ||
        fgd_alias_check(&a.a, r) != 0 ||
        (a.a.target[0] != '\0' && fgd_store_xalias_check(q, &a.a, r) != 0))
        return -1;
    /* the module leaves this check to us: a cross-account alias needs no
     * function of the caller, an ordinary one does */
    if (a.a.target[0] == '\0') {
        fgd_fn_t fn;
        if (fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
            return -1;
        fgd_fn_clear(&fn);
    }
    fgd_revision_new(a.a.revision_id);
    if (fgd_store_alias_put(q, q->function, &a.a, NULL, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "alias %s:%s:%s -> %s", q->caller,
        q->function, a.a.name,
        a.a.target[0] != '\0' ? a.a.target : a.a.version);
    return fgd_alias_reply(q, &a.a, 201, r);
}

int
fgd_alias_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t  a;

    if (fgd_store_alias_get(q, q->caller, q->function, q->qualifier, &a, r)
        != 0)
        return -1;
    return fgd_alias_reply(q, &a, 200, r);
}

int
fgd_alias_update(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_req_t  u;
    fgd_alias_t      a;
    char             read_rev[37];

    if (fgd_alias_parse(q->body, q->body_len, false, &u, r) != 0 ||
        fgd_store_alias_get(q, q->caller, q->function, q->qualifier, &a, r)
            != 0)
        return -1;
    if (u.want_revision[0] != '\0' &&
        strcmp(u.want_revision, a.revision_id) != 0)
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
    snprintf(read_rev, sizeof(read_rev), "%s", a.revision_id);
    fgd_alias_merge(&a, &u);
    if (fgd_alias_check(&a, r) != 0 ||
        (a.target[0] != '\0' && fgd_store_xalias_check(q, &a, r) != 0))
        return -1;
    fgd_revision_new(a.revision_id);
    if (fgd_store_alias_put(q, q->function, &a, read_rev, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "alias %s:%s:%s -> %s", q->caller,
        q->function, a.name, a.target[0] != '\0' ? a.target : a.version);
    return fgd_alias_reply(q, &a, 200, r);
}

int
fgd_alias_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (fgd_store_alias_delete(q, q->function, q->qualifier, r) != 0)
        return -1;
    fgd_cache_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "deleted alias %s:%s:%s", q->caller,
        q->function, q->qualifier);
    r->status = 204;
    return 0;
}

int
fgd_alias_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char          marker[FG_QUALIFIER_MAX + 1], next[FG_QUALIFIER_MAX + 1];
    char          version[FGD_VERSION_LEN];
    unsigned      max_items;
    fgd_alias_t  *as = NULL;
    size_t        n = 0;
    int           rc;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_aliases_query(q->query, marker, sizeof(marker), &max_items,
            version, r) != 0)
        return -1;
    if (fgd_store_list_aliases(q, q->function, marker, max_items, version,
            &as, &n, next, sizeof(next), r) != 0)
        return -1;
    /* An unknown function is 404, not an empty list; a name that only
     * cross-account aliases use is not a function but has aliases. */
    if (n == 0) {
        fgd_fn_t fn;
        free(as);
        if (fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
            return -1;
        fgd_fn_clear(&fn);
        as = NULL;
    }
    rc = fgd_json_list_aliases(as, n, next, q->region, q->caller,
        q->function, &r->body, &r->body_len);
    free(as);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}
