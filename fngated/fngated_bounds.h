/*
 * fngated_bounds: the handlers of an owner's execution bounds and of a
 * cross-account alias's execution overrides (fngated_bounds.c).
 */

#ifndef FNGATED_BOUNDS_H
#define FNGATED_BOUNDS_H

#include "fngated_req.h"
#include "fngated_bounds_json.h"

int fgd_bounds_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_bounds_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_bounds_delete(const fgd_req_t *q, fgd_resp_t *r);

int fgd_overrides_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_overrides_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_overrides_delete(const fgd_req_t *q, fgd_resp_t *r);

/* The owner's bounds and a cross-account alias's overrides, through the
 * cache (cache_ttl).  0, or -1 with r. */
int fgd_cached_bounds(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r);
int fgd_cached_overrides(const fgd_req_t *q, const char *alias_arn,
    fgd_overrides_t *o, fgd_resp_t *r);

/* Stored in Redis (lib/fg_keys.h).  0, or -1 with r. */

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

#endif /* FNGATED_BOUNDS_H */
