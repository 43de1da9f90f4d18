/*
 * fngated_cache: the values an Invoke of another account's code reads on
 * every call, kept for `cache_ttl` ms so that most such calls read only the
 * version they run from Redis, as direct calls do: a cross-account alias's
 * execution overrides ("o:ALIAS_ARN") and a function's execution bounds
 * ("b:ACCOUNT:NAME").  A change made through this fngated forgets its entry
 * at once; one made through another host is seen within cache_ttl, the
 * module's own staleness rule (fngate_cache_ttl).  What reads through
 * the cache is fngated_bounds.c's (fgd_cached_bounds, fgd_cached_overrides).
 *
 * Direct-mapped by a hash of the key, under one mutex: a collision only
 * costs a Redis read.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_keys.h"
#include "fg_util.h"
#include "fngated_cache.h"

#define FGD_CACHE_SLOTS  1024u

typedef struct {
    char      *key;                /* NULL: empty */
    char      *value;
    uint64_t   expires_ms;
} fgd_cache_slot_t;

static pthread_mutex_t   fgd_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static fgd_cache_slot_t  fgd_cache[FGD_CACHE_SLOTS];

static fgd_cache_slot_t *
fgd_cache_slot(const char *key)
{
    uint32_t  h = 2166136261u;      /* FNV-1a */

    for (; *key != '\0'; key++) {
        h = (h ^ (uint8_t) *key) * 16777619u;
    }
    return &fgd_cache[h % FGD_CACHE_SLOTS];
}

static void
fgd_cache_clear_slot(fgd_cache_slot_t *s)
{
    free(s->key);
    free(s->value);
    s->key = NULL;
    s->value = NULL;
}

char *
fgd_cache_get(const char *key)
{
    fgd_cache_slot_t  *s;
    char              *v = NULL;

    pthread_mutex_lock(&fgd_cache_lock);
    s = fgd_cache_slot(key);
    if (s->key != NULL && strcmp(s->key, key) == 0) {
        if (fg_now_ms() < s->expires_ms) {
            v = strdup(s->value);
        } else {
            fgd_cache_clear_slot(s);
        }
    }
    pthread_mutex_unlock(&fgd_cache_lock);
    return v;
}

void
fgd_cache_put(const char *key, const char *value, unsigned ttl_ms)
{
    fgd_cache_slot_t  *s;
    char              *k, *v;

    if (ttl_ms == 0) {
        return;
    }
    k = strdup(key);
    v = strdup(value);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return;
    }
    pthread_mutex_lock(&fgd_cache_lock);
    s = fgd_cache_slot(key);
    fgd_cache_clear_slot(s);
    s->key = k;
    s->value = v;
    s->expires_ms = fg_now_ms() + ttl_ms;
    pthread_mutex_unlock(&fgd_cache_lock);
}

void
fgd_cache_forget(const char *key)
{
    fgd_cache_slot_t  *s;

    pthread_mutex_lock(&fgd_cache_lock);
    s = fgd_cache_slot(key);
    if (s->key != NULL && strcmp(s->key, key) == 0) {
        fgd_cache_clear_slot(s);
    }
    pthread_mutex_unlock(&fgd_cache_lock);
}

/* "o:ARN" and "b:ACCOUNT:NAME" */
void
fgd_cache_key_overrides(char *dst, size_t size, const char *alias_arn)
{
    snprintf(dst, size, "o:%s", alias_arn);
}

void
fgd_cache_key_bounds(char *dst, size_t size, const char *account,
    const char *name)
{
    snprintf(dst, size, "b:%s:%s", account, name);
}

void
fgd_cache_forget_bounds(const fgd_req_t *q)
{
    char  key[FGD_CACHE_KEY_MAX];

    fgd_cache_key_bounds(key, sizeof(key), q->caller, q->function);
    fgd_cache_forget(key);
}

void
fgd_cache_forget_overrides(const fgd_req_t *q, const char *alias)
{
    char  arn[512], key[FGD_CACHE_KEY_MAX];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        alias);
    fgd_cache_key_overrides(key, sizeof(key), arn);
    fgd_cache_forget(key);
}
