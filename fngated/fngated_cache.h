/*
 * fngated_cache: the per-process cache of what an Invoke of another
 * account's code reads on every call (fngated_cache.c says which).
 */

#ifndef FNGATED_CACHE_H
#define FNGATED_CACHE_H

#include "fngated_req.h"

#define FGD_CACHE_KEY_MAX  640      /* "o:" + an alias ARN, "b:A:NAME" */

/* fgd_cache_get returns a malloc'd copy or NULL; put keeps value for
 * ttl_ms (0: not at all). */
char *fgd_cache_get(const char *key);
void fgd_cache_put(const char *key, const char *value, unsigned ttl_ms);
void fgd_cache_forget(const char *key);

/* This fngated's cached bounds of the caller's function q->function, and
 * overrides of the caller's alias of it, are forgotten when they
 * change. */
void fgd_cache_forget_bounds(const fgd_req_t *q);
void fgd_cache_forget_overrides(const fgd_req_t *q, const char *alias);

/* The owner's bounds and a cross-account alias's overrides, through the
 * cache (cache_ttl).  0, or -1 with r. */
int fgd_cached_bounds(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r);
int fgd_cached_overrides(const fgd_req_t *q, const char *alias_arn,
    fgd_overrides_t *o, fgd_resp_t *r);

#endif /* FNGATED_CACHE_H */
