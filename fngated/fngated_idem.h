/*
 * fngated_idem: idempotent execution (docs/idempotency.md).  A function
 * whose FngateIdempotency is set gets, for a call whose version, event
 * and dependencies' states equal those of an earlier successful call, that
 * call's stored result without running.  The pure parts are
 * fngated_idem_json.c.
 */

#ifndef FNGATED_IDEM_H
#define FNGATED_IDEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_keys.h"
#include "fngated_req.h"

/*
 * CreateFunction and UpdateFunctionConfiguration: fn's dependencies
 * against what the store and the network policy allow its account
 * (q->caller): a Url only within the function's network policy
 * (FngateEgress or network_default, inside the operator's network), a
 * queue or a function of q's region that exists and, when another
 * account's, is granted to it (a queue: sqs:ReceiveMessage,
 * sqs:GetQueueAttributes or sqs:*; a function: lambda:InvokeFunction).
 * 0, or -1 with a 400 InvalidParameterValueException (a 5xx when Redis
 * fails) in r, and a log line.
 */
int fgd_idem_check(const fgd_req_t *q, const fgd_fn_t *fn, fgd_resp_t *r);

/* One call of an idempotent function. */
typedef struct {
    bool      on;                   /* every dependency's state was read:
                                       a successful result is stored */
    unsigned  ttl_s;
    char      hash[65];             /* the result's key (fgd_idem_key) */
    char      account[16];          /* whose keys hold it: the billed */
} fgd_idem_call_t;

/*
 * Before a call of fn (its INVOKE's configuration hash config, the ARN
 * the call named, the event): the key, and a stored result when there is
 * one.  1: a hit, *body (malloc'd, *len bytes) the result and *rid the
 * request id that ran it (malloc'd); 0: run it (c->on says whether its
 * result may be stored).  Never fails the call: what can not be read is a
 * miss, logged.
 */
int fgd_idem_lookup(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *config, const char *arn, const uint8_t *event,
    size_t event_len, fgd_idem_call_t *c, char **body, size_t *len,
    char **rid);

/*
 * After a successful call (no function error) of c: stores its result
 * body under the billed account's keys for c->ttl_s, when its storage
 * quota has room.  true when stored.
 */
bool fgd_idem_store(const fgd_req_t *q, const fgd_idem_call_t *c,
    const char *rid, const char *body, size_t len);

#endif /* FNGATED_IDEM_H */
