/*
 * fngated_store: functions, versions, aliases, policies, bounds and
 * overrides in Redis (key names from lib/fg_keys.h).  Each returns 0, or
 * -1 with r filled (404, 409, 503 ServiceException when Redis is down,
 * ...).
 */

#ifndef FNGATED_STORE_H
#define FNGATED_STORE_H

#include "fngated_req.h"

int fgd_store_create(const fgd_req_t *q, const fgd_create_t *c,
    fgd_resp_t *r);
int fgd_store_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_fn_t *fn, fgd_resp_t *r);
int fgd_store_list(const fgd_req_t *q, const char *marker,
    unsigned max_items, fgd_fn_t **fns, size_t *n, char *next_marker,
    size_t next_size, fgd_resp_t *r);
int fgd_store_delete(const fgd_req_t *q, const char *name, fgd_resp_t *r);
int fgd_store_code(const fgd_req_t *q, const char *account,
    const char *sha256hex, uint8_t **zip, size_t *len, fgd_resp_t *r);

int fgd_store_get_version(const fgd_req_t *q, const char *account,
    const char *name, const char *version, fgd_fn_t *fn, fgd_resp_t *r);
int fgd_store_resolve(const fgd_req_t *q, const char *account,
    const char *name, const char *qualifier, bool weighted, fgd_fn_t *fn,
    fgd_resp_t *r);
int fgd_store_publish(const fgd_req_t *q, const char *name,
    const fgd_publish_t *p, char version[FGD_VERSION_LEN], bool *created,
    fgd_resp_t *r);
int fgd_store_update_code(const fgd_req_t *q, const char *name,
    const char *old_sha, const fgd_create_t *c, const char *want_revision,
    fgd_resp_t *r);
int fgd_store_update_config(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *read_revision, fgd_resp_t *r);
int fgd_store_list_versions(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, fgd_fn_t **fns, size_t *n,
    char *next_marker, size_t next_size, fgd_resp_t *r);
int fgd_store_delete_version(const fgd_req_t *q, const char *name,
    const char *version, fgd_resp_t *r);
int fgd_store_alias_get(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a, fgd_resp_t *r);
/* read_revision NULL: create; else the RevisionId the update read. */
int fgd_store_alias_put(const fgd_req_t *q, const char *name,
    const fgd_alias_t *a, const char *read_revision, fgd_resp_t *r);
/* A cross-account alias's target: granted, existing, not chained. */
int fgd_store_xalias_check(const fgd_req_t *q, const fgd_alias_t *a,
    fgd_resp_t *r);
int fgd_store_alias_delete(const fgd_req_t *q, const char *name,
    const char *alias, fgd_resp_t *r);
int fgd_store_list_aliases(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, const char *version,
    fgd_alias_t **as, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r);

/* The alias and, when o is not NULL, its execution overrides. */
int fgd_store_alias_read(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a,
    fgd_overrides_t *o, fgd_resp_t *r);

/* Execution bounds: get leaves b zero when none are set. */
int fgd_store_bounds_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r);
/* Sets the caller's bounds of name (json ""  drops them); 404 without the
 * function. */
int fgd_store_bounds_put(const fgd_req_t *q, const char *name,
    const char *json, fgd_resp_t *r);
/* Sets (json "": drops) the overrides of the caller's cross-account alias
 * if its RevisionId is still read_revision, and gives it new_revision. */
int fgd_store_overrides_put(const fgd_req_t *q, const char *name,
    const char *alias, const char *read_revision, const char *json,
    const char *new_revision, fgd_resp_t *r);

/* A count quota (conf's quota_*) refused the call: 409
 * ResourceConflictException naming it, and a log line.  Returns -1. */
int fgd_store_quota_refused(const fgd_req_t *q, const char *what,
    const char *per, const char *key, unsigned limit, fgd_resp_t *r);

/* Resource policies (fngated_store.c).  AddPermission: 0 with the new
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

#endif /* FNGATED_STORE_H */
