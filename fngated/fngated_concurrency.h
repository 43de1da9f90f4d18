/*
 * fngated_concurrency: a function's reserved concurrency (Lambda's
 * PutFunctionConcurrency, GetFunctionConcurrency,
 * DeleteFunctionConcurrency) and its enforcement: at most
 * ReservedConcurrentExecutions calls of the function run at once on this
 * fngated; one more is 429 TooManyRequestsException (Reason
 * ReservedFunctionConcurrentInvocationLimitExceeded), which an
 * asynchronous event's attempt waits out (fngated_async.c retries it).
 */

#ifndef FNGATED_CONCURRENCY_H
#define FNGATED_CONCURRENCY_H

#include "fngated_req.h"

int fgd_concurrency_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_concurrency_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_concurrency_delete(const fgd_req_t *q, fgd_resp_t *r);

/*
 * The reserved concurrency of owner's function: 1 with *n, 0 when none is
 * reserved (or what is stored is not a number: logged), -1 with r.
 */
int fgd_concurrency_reserved(const fgd_req_t *q, const char *owner,
    const char *function, unsigned *n, fgd_resp_t *r);

/*
 * A call of owner's function is about to run: 0 when it may (*held: it
 * counts, fgd_concurrency_leave it when it ends), -1 with r when the
 * function's reserved concurrency is taken (429) or Redis failed.
 */
int fgd_concurrency_enter(const fgd_req_t *q, const char *owner,
    const char *function, bool *held, fgd_resp_t *r);
void fgd_concurrency_leave(const char *owner, const char *function);

#endif /* FNGATED_CONCURRENCY_H */
