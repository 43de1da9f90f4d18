/*
 * fngated_async: asynchronous invocation (docs/async.md).
 *
 * Invoke with X-Amz-Invocation-Type: Event stores the event in its billed
 * account's Redis stream (fg:ev:{A}) and answers 202 (fgd_async_enqueue).
 * fngated's workers (async_workers threads, each with its own Redis
 * connection) take events with the stream's consumer group and run each
 * by calling the function through the gateway (conf's `gateway`), signed
 * as the account that sent it, with X-Fngate-Event naming the event: the
 * call is checked, run and billed as any Invoke, and its billing line says
 * it is an attempt of an event (fgd_async_attempt).  The answer decides:
 * done, a retry later (fg:evretry:{A}), or the failure path
 * (destinations, dead-letter queue).
 */

#ifndef FNGATED_ASYNC_H
#define FNGATED_ASYNC_H

#include "fngated_async_json.h"
#include "fngated_conf.h"
#include "fngated_req.h"
#include "fngated_resp.h"

/* Starts the workers and the scheduler (none when conf's async.workers
 * is 0).  0, or -1 (threads could not start; logged). */
int fgd_async_start(const fgd_conf_t *conf);

/* Stops taking events, lets the attempts in flight finish, joins the
 * threads.  Accepts a stack that never started. */
void fgd_async_stop(void);

/* The Event invocation of q (resolved and checked by fgd_invoke): stores
 * the event, then 202 in r.  0, or -1 with r (413 past 256 KB, 503 when
 * Redis can not store it: nothing was accepted). */
int fgd_async_enqueue(const fgd_req_t *q, fgd_resp_t *r);

/*
 * An Invoke that names an event (FNGATE_EVENT, the X-Fngate-Event header
 * a worker sends): the event must be in the stream of the call's billed
 * account and sent by the call's caller.  *ev then describes it (its
 * strings in *hold: freeReplyObject it after).  0, or -1 with r (400
 * when it names no such event).
 */
int fgd_async_attempt(const fgd_req_t *q, fgd_event_t *ev, void **hold,
    fgd_resp_t *r);

/* How old the event is now (ms since its 202). */
uint64_t fgd_event_age_ms(const fgd_event_t *ev);

#endif /* FNGATED_ASYNC_H */
