/*
 * fngated_gateway: an Invoke through the gateway, signed as an account
 * (fngated_gateway.c).
 */

#ifndef FNGATED_GATEWAY_H
#define FNGATED_GATEWAY_H

#include <stddef.h>

#include "fngated_req.h"

/*
 * POSTs body to uri (an Invoke's path and query, as a client sends it)
 * through q->conf's gateway, signed with account's access key (read from
 * Redis on q's connection); event_id (or NULL) names the asynchronous
 * event the call is an attempt of (X-Fngate-Event); chain (NULL or "" for
 * none), an event's "BILLED:DEPTH:ROOT" (fgd_event_t), makes the call
 * with temporary credentials of account that carry that chain, so the
 * module bills and counts it as the Invoke that sent it.  *buf gets the
 * whole
 * HTTP answer (malloc'd, NUL-terminated, *len bytes; parse it with
 * fgd_http_answer_parse).  0, or -1 with err when there is no answer
 * (no key, no connection, a read or write failed).
 */
int fgd_gateway_invoke(fgd_req_t *q, const char *account, const char *chain,
    const char *uri, const char *event_id, const char *body, size_t body_len,
    char **buf, size_t *len, char *err, size_t errlen);

#endif /* FNGATED_GATEWAY_H */
