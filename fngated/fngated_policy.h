/*
 * fngated_policy: the handlers of the resource policy calls
 * (fngated_policy.c).
 */

#ifndef FNGATED_POLICY_H
#define FNGATED_POLICY_H

#include "fngated_req.h"
#include "fngated_policy_json.h"

int fgd_policy_add(const fgd_req_t *q, fgd_resp_t *r);
/* The statement id is read from q->uri. */
int fgd_policy_remove(const fgd_req_t *q, fgd_resp_t *r);
int fgd_policy_get(const fgd_req_t *q, fgd_resp_t *r);

/* Stored in Redis (lib/fg_keys.h).  0, or -1 with r. */

/* AddPermission: 0 with the new
 * RevisionId of the policy; 404 for an unknown qualifier, 409 for a
 * duplicate StatementId, 412 for a stale RevisionId. */
int fgd_store_permission_add(const fgd_req_t *q, const fgd_permission_t *p,
    const char *statement, char revision[37], fgd_resp_t *r);
/* RemovePermission: 404 when the statement does not exist. */
int fgd_store_permission_remove(const fgd_req_t *q, const char *sid,
    const char *want_revision, fgd_resp_t *r);
/* GetPolicy: the statements (malloc'd, sorted by Sid) and RevisionId;
 * 404 when the policy has none. */
int fgd_store_policy_get(const fgd_req_t *q, char ***statements, size_t *n,
    char revision[37], fgd_resp_t *r);

#endif /* FNGATED_POLICY_H */
