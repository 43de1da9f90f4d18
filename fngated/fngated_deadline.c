/*
 * fngated_deadline: a call's deadline (fngated_deadline.h).
 *
 * What a call needs is estimated, not taken from its function's Timeout:
 * the Timeout is a bound most calls stay far below (3 s by default, up to
 * 15 min), so a deadline checked against it would refuse almost every
 * call that carries one.  The estimate is the longest of the last
 * FGD_ESTIMATE_RUNS durations of the same function version and code on
 * this fngated within FGD_ESTIMATE_TTL_MS (the function's own run, as
 * billed: a guest's start is not counted, whether a call gets a warm
 * guest is not known in advance).  A version that has not run here lately
 * has no estimate: its call is started (its timeout cut to the deadline)
 * rather than refused on a guess; so a version whose calls were all
 * refused on an old estimate gets a new one.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_util.h"
#include "fngated_deadline.h"

int
fgd_deadline_parse(const char *s, uint64_t *ms, fgd_resp_t *r)
{
    uint64_t  v = 0;
    size_t    i, len;

    *ms = 0;
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    len = strlen(s);
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 15) {
            break;
        }
        v = v * 10 + (uint64_t) (s[i] - '0');
    }
    if (i < len || v < FGD_DEADLINE_MIN_MS || v > FGD_DEADLINE_MAX_MS) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "X-Fngate-Deadline '%.40s' is not a deadline: it must be a Unix "
            "time in milliseconds (digits only, between %llu and %llu)", s,
            (unsigned long long) FGD_DEADLINE_MIN_MS,
            (unsigned long long) FGD_DEADLINE_MAX_MS);
    }
    *ms = v;
    return 0;
}

bool
fgd_deadline_refused(uint64_t deadline, uint64_t now, uint64_t need_ms)
{
    return deadline != 0 && now + need_ms > deadline;
}

uint64_t
fgd_deadline_order(uint64_t deadline, uint64_t now, uint64_t mono_now,
    uint64_t timeout_ms)
{
    if (deadline == 0) {
        return mono_now + timeout_ms;
    }
    if (deadline <= now) {
        return mono_now;        /* due now (refused before it waits) */
    }
    return mono_now + (deadline - now);
}

uint64_t
fgd_deadline_start_by(uint64_t deadline, uint64_t now, uint64_t mono_now,
    uint64_t need_ms)
{
    if (deadline == 0) {
        return 0;
    }
    if (deadline < now + need_ms) {
        return 1;
    }
    /* (0 means "none": a clock at 0 gets 1) */
    return mono_now + (deadline - now - need_ms) > 0
           ? mono_now + (deadline - now - need_ms) : 1;
}

uint64_t
fgd_deadline_timeout(uint64_t deadline, uint64_t now, uint64_t timeout_ms)
{
    if (deadline == 0 || deadline >= now + timeout_ms) {
        return timeout_ms;
    }
    return deadline > now ? deadline - now : 1;
}

int
fgd_estimate_key(char *out, size_t size, const char *owner,
    const char *name, const char *version, const char *sha256)
{
    int  n = snprintf(out, size, "%s:%s:%s:%s", owner, name, version,
                      sha256);

    return n < 0 || (size_t) n >= size ? -1 : 0;
}

static fgd_estimate_t *
fgd_estimate_find(fgd_estimates_t *t, const char *key)
{
    size_t  i;

    for (i = 0; i < t->n; i++) {
        if (strcmp(t->e[i].key, key) == 0) {
            return &t->e[i];
        }
    }
    return NULL;
}

int
fgd_estimate_add(fgd_estimates_t *t, const char *key, unsigned ms,
    uint64_t now)
{
    fgd_estimate_t  *e = fgd_estimate_find(t, key);
    size_t           max = t->max ? t->max : FGD_ESTIMATE_MAX, i;

    if (strlen(key) >= FGD_ESTIMATE_KEY) {
        return -1;
    }
    if (e == NULL && t->n < max) {
        if (t->n == t->cap) {
            size_t           cap = t->cap ? t->cap * 2 : 16;
            fgd_estimate_t  *ne;

            if (cap > max) {
                cap = max;
            }
            ne = realloc(t->e, cap * sizeof(*ne));
            if (ne == NULL) {
                return -1;
            }
            t->e = ne;
            t->cap = cap;
        }
        e = &t->e[t->n++];
        memset(e, 0, sizeof(*e));
    } else if (e == NULL) {
        /* full: the version used least recently makes room */
        e = &t->e[0];
        for (i = 1; i < t->n; i++) {
            if (t->e[i].used < e->used) {
                e = &t->e[i];
            }
        }
        memset(e, 0, sizeof(*e));
    }
    if (e->key[0] == '\0') {
        snprintf(e->key, sizeof(e->key), "%s", key);
    }
    e->ms[e->next] = ms;
    e->at[e->next] = now;
    e->next = (e->next + 1) % FGD_ESTIMATE_RUNS;
    if (e->n < FGD_ESTIMATE_RUNS) {
        e->n++;
    }
    e->used = ++t->tick;
    return 0;
}

bool
fgd_estimate_get(fgd_estimates_t *t, const char *key, uint64_t now,
    unsigned *ms)
{
    fgd_estimate_t  *e = fgd_estimate_find(t, key);
    unsigned         i, m = 0, recent = 0;

    if (e == NULL) {
        return false;
    }
    e->used = ++t->tick;
    for (i = 0; i < e->n; i++) {
        if (now >= e->at[i] && now - e->at[i] >= FGD_ESTIMATE_TTL_MS) {
            continue;               /* too old to say anything */
        }
        recent++;
        if (e->ms[i] > m) {
            m = e->ms[i];
        }
    }
    if (recent == 0) {
        return false;
    }
    *ms = m;
    return true;
}

void
fgd_estimates_clear(fgd_estimates_t *t)
{
    free(t->e);
    memset(t, 0, sizeof(*t));
}

static pthread_mutex_t  fgd_need_lock = PTHREAD_MUTEX_INITIALIZER;
static fgd_estimates_t  fgd_need;

bool
fgd_deadline_need(const char *key, unsigned *ms)
{
    bool  got;

    pthread_mutex_lock(&fgd_need_lock);
    got = fgd_estimate_get(&fgd_need, key, fg_now_ms(), ms);
    pthread_mutex_unlock(&fgd_need_lock);
    return got;
}

void
fgd_deadline_record(const char *key, unsigned ms)
{
    pthread_mutex_lock(&fgd_need_lock);
    (void) fgd_estimate_add(&fgd_need, key, ms, fg_now_ms());
    pthread_mutex_unlock(&fgd_need_lock);
}
