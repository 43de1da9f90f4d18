/*
 * fngated_event_config: a function's asynchronous invocation
 * configuration (fngated_event_config.c): the handlers of
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s), the checks of a
 * destination or dead-letter queue, and what the asynchronous engine
 * reads at a call.
 */

#ifndef FNGATED_EVENT_CONFIG_H
#define FNGATED_EVENT_CONFIG_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "fngated_event_config_json.h"
#include "fngated_req.h"

int fgd_eic_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_eic_update(const fgd_req_t *q, fgd_resp_t *r);
int fgd_eic_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_eic_delete(const fgd_req_t *q, fgd_resp_t *r);
int fgd_eic_list(const fgd_req_t *q, fgd_resp_t *r);

/*
 * What the caller's destination (member: "destination", "dead-letter
 * queue") arn may name: a function (a version or alias of it) or a queue
 * of q's region that exists and, when another account's, whose owner
 * grants the caller lambda:InvokeFunction (the function's grant index) or
 * sqs:SendMessage (the queue's).  queue_only refuses a function.  0, or
 * -1 with a 400 InvalidParameterValueException (a 5xx when Redis fails)
 * in r, and a log line.
 */
int fgd_eic_dest_check(const fgd_req_t *q, const char *arn,
    const char *member, bool queue_only, fgd_resp_t *r);

/* The config that applies to a call of account/function:qualifier ("" =
 * $LATEST): the stored one, or the defaults when none.  0, or -1 when
 * Redis fails (err gets a message). */
int fgd_eic_read(const fgd_req_t *q, const char *account, const char *function,
    const char *qualifier, fgd_eic_t *out, char *err, size_t errlen);

/* The function's DeadLetterConfig TargetArn for a qualifier (version's
 * own, $LATEST's, an alias's version's), "" when none.  0 or -1. */
int fgd_dead_letter_read(const fgd_req_t *q, const char *account,
    const char *function, const char *qualifier, char *arn, size_t size,
    char *err, size_t errlen);

#endif /* FNGATED_EVENT_CONFIG_H */
