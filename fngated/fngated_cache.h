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

/* The cache's names of a function's bounds and of a cross-account
 * alias's overrides ("b:ACCOUNT:NAME", "o:ARN"). */
void fgd_cache_key_bounds(char *dst, size_t size, const char *account,
    const char *name);
void fgd_cache_key_overrides(char *dst, size_t size, const char *alias_arn);

#endif /* FNGATED_CACHE_H */
