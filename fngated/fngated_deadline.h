/*
 * fngated_deadline: a call's deadline (the client's X-Fngate-Deadline,
 * the FastCGI param FNGATE_DEADLINE: a Unix time in milliseconds) and
 * what fngated does with it (docs/lambda-api.md, "Deadlines").
 *
 * The pure parts, tested by t/unit/test_fngated_deadline.c: the value's
 * check, the refusal rule, the order a waiting call is served in, the
 * call's timeout, and the table of recent durations a function version's
 * need is estimated from.  fngated_invoke.c uses them through the
 * process-wide table below (fgd_deadline_need, fgd_deadline_record).
 */

#ifndef FNGATED_DEADLINE_H
#define FNGATED_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fngated_resp.h"

/* The values a deadline may have: 2000-01-01 and 2100-01-01 UTC, in
 * Unix milliseconds (a time in seconds, or in microseconds, is outside:
 * the message says which unit is meant). */
#define FGD_DEADLINE_MIN_MS  946684800000ULL
#define FGD_DEADLINE_MAX_MS  4102444800000ULL

/* The runs of a function version its need is estimated from: the last
 * FGD_ESTIMATE_RUNS of the last FGD_ESTIMATE_TTL_MS (so a version whose
 * calls are all refused is judged afresh after a while). */
#define FGD_ESTIMATE_RUNS    8
#define FGD_ESTIMATE_TTL_MS  600000u
/* The versions the process keeps estimates of (the least recently used
 * goes). */
#define FGD_ESTIMATE_MAX     1024
#define FGD_ESTIMATE_KEY     192

/*
 * The deadline s ("" or NULL: none, *ms 0).  0, or -1 with a 400
 * InvalidParameterValueException in r: not digits only, or outside
 * FGD_DEADLINE_MIN_MS .. FGD_DEADLINE_MAX_MS.
 */
int fgd_deadline_parse(const char *s, uint64_t *ms, fgd_resp_t *r);

/*
 * The refusal rule: a call with deadline (Unix ms, not 0) that needs
 * need_ms can not finish in time at now (Unix ms) when
 * now + need_ms > deadline (a deadline already past included).  false
 * for no deadline.
 */
bool fgd_deadline_refused(uint64_t deadline, uint64_t now, uint64_t need_ms);

/*
 * The order of calls waiting for a guest, on the clock of mono_now
 * (fg_now_ms): lowest first.  A call with a deadline counts by its
 * deadline; one without by now + its function's timeout (the time it
 * would end if it ran at once and to its timeout), so calls without a
 * deadline keep their arrival order among themselves.
 */
uint64_t fgd_deadline_order(uint64_t deadline, uint64_t now,
    uint64_t mono_now, uint64_t timeout_ms);

/*
 * The latest time, on the clock of mono_now, a call may still get a
 * guest: deadline - need_ms (0 for no deadline: only acquire_timeout
 * bounds the wait).  At least 1 (1: a time already past, as when
 * now + need_ms > deadline).
 */
uint64_t fgd_deadline_start_by(uint64_t deadline, uint64_t now,
    uint64_t mono_now, uint64_t need_ms);

/*
 * The call's timeout in ms: the function's (timeout_ms), or what is left
 * until the deadline when that is less (at least 1 ms).
 */
uint64_t fgd_deadline_timeout(uint64_t deadline, uint64_t now,
    uint64_t timeout_ms);

/* Recent durations per function version (key: fgd_estimate_key). */
typedef struct {
    char      key[FGD_ESTIMATE_KEY];
    uint32_t  ms[FGD_ESTIMATE_RUNS];
    uint64_t  at[FGD_ESTIMATE_RUNS];    /* when each run was recorded */
    unsigned  n;                /* runs kept, up to FGD_ESTIMATE_RUNS */
    unsigned  next;             /* where the next run goes */
    uint64_t  used;             /* the table's tick at the last use */
} fgd_estimate_t;

typedef struct {
    fgd_estimate_t  *e;
    size_t           n, cap;    /* cap: up to max */
    size_t           max;       /* entries kept (FGD_ESTIMATE_MAX) */
    uint64_t         tick;
} fgd_estimates_t;

/* "OWNER:NAME:VERSION:CODESHA256" in out; 0, or -1 when it does not fit. */
int fgd_estimate_key(char *out, size_t size, const char *owner,
    const char *name, const char *version, const char *sha256);

/* A run of key that took ms, recorded at now (fg_now_ms's clock).  0, or
 * -1 (no memory: nothing kept). */
int fgd_estimate_add(fgd_estimates_t *t, const char *key, unsigned ms,
    uint64_t now);

/* The need of key at now: the longest of its recent runs (of the last
 * FGD_ESTIMATE_TTL_MS).  false when there is none (the version has not
 * run here lately, or was forgotten). */
bool fgd_estimate_get(fgd_estimates_t *t, const char *key, uint64_t now,
    unsigned *ms);

void fgd_estimates_clear(fgd_estimates_t *t);

/* The process's table, under a lock (fngated_invoke.c). */
bool fgd_deadline_need(const char *key, unsigned *ms);
void fgd_deadline_record(const char *key, unsigned ms);

#endif /* FNGATED_DEADLINE_H */
