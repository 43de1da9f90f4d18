/*
 * fngated_async_json: the pure parts of asynchronous invocation
 * (fngated_async.c runs them): an event as its stream entry stores it,
 * what an attempt's answer means, when a retry is due, the destination
 * record Lambda's destinations get, and the HTTP answer of the gateway.
 * No Redis, no threads: CUnit tests them (t/unit/test_fngated_async_json.c).
 */

#ifndef FNGATED_ASYNC_JSON_H
#define FNGATED_ASYNC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_route.h"

/* Lambda's limit of an Event invocation's payload. */
#define FGD_EVENT_PAYLOAD_MAX  262144
/* Longest wait of a throttled or failed (5xx) attempt before the next. */
#define FGD_ASYNC_THROTTLE_MAX_MS  300000u
/* Fields of an event's stream entry (fgd_event_fields). */
#define FGD_EVENT_FIELDS  12

/*
 * One event.  The strings point into what it was read from (a stream
 * entry's reply, or the request that sent it); id is the stream entry's,
 * a new one for each retry.
 */
typedef struct {
    const char  *id;            /* stream entry id, "" before stored */
    const char  *rid;           /* request id of the Invoke that sent it
                                   (the function's context.aws_request_id
                                   on every attempt) */
    const char  *caller;        /* the account that sent it: the workers
                                   call as it, it is billed */
    const char  *owner;         /* the function's owner */
    const char  *function;
    const char  *qualifier;     /* as the call named it, "" for none */
    const char  *alias;         /* the caller's cross-account alias ARN
                                   the call came by, or "" */
    const char  *uri;           /* the Invoke's path and query, as sent:
                                   each attempt calls it again */
    const char  *payload;
    size_t       payload_len;
    uint64_t     t0_ms;         /* when it was accepted (epoch ms) */
    unsigned     attempts;      /* attempts that ran the function */
    unsigned     throttles;     /* attempts throttled or failed (5xx) */
    const char  *chain;         /* sent with a call's credentials:
                                   "BILLED:DEPTH:ROOT" of the Invoke (its
                                   attempts are billed to BILLED, at
                                   DEPTH); "" for a client's (optional:
                                   an event of an earlier fngated has
                                   none) */
} fgd_event_t;

/*
 * The entry's fields of ev as FGD_EVENT_FIELDS name/value pairs, the
 * arguments of XADD: pairs[2i] the name, pairs[2i + 1] its value, lens
 * their lengths; nums holds the numbers' text.
 */
typedef struct {
    char  t0[24], attempts[12], throttles[12];
} fgd_event_nums_t;

void fgd_event_fields(const fgd_event_t *ev, fgd_event_nums_t *nums,
    const char *pairs[2 * FGD_EVENT_FIELDS],
    size_t lens[2 * FGD_EVENT_FIELDS]);

/* The event of n name/value pairs (a stream entry): 0, or -1 when a field
 * is missing or malformed.  ev points into vals. */
int fgd_event_parse(size_t n, const char **names, const char **vals,
    const size_t *lens, fgd_event_t *ev);

/* What an attempt's answer means. */
typedef enum {
    FGD_ASYNC_SUCCESS = 0,      /* 200, no function error */
    FGD_ASYNC_FUNCTION_ERROR,   /* 200 with X-Amz-Function-Error: counts
                                   as an attempt, retried up to
                                   MaximumRetryAttempts */
    FGD_ASYNC_THROTTLED,        /* 429, 5xx, or no answer: retried until
                                   the event's age runs out, not counted */
    FGD_ASYNC_REFUSED           /* another 4xx (the function or its
                                   qualifier gone, the permission
                                   revoked): not retried */
} fgd_async_outcome_t;

/* status 0: the gateway did not answer. */
fgd_async_outcome_t fgd_async_outcome(unsigned status,
    const char *function_error);

/* The wait before the next attempt: a function error's n-th retry
 * (n >= 1) waits base_s << (n - 1) seconds; the n-th throttle 1 s << (n -
 * 1), at most FGD_ASYNC_THROTTLE_MAX_MS. */
uint64_t fgd_async_delay_ms(fgd_async_outcome_t o, unsigned n,
    unsigned base_s);

/* Lambda's conditions of a destination record. */
#define FGD_CONDITION_SUCCESS        "Success"
#define FGD_CONDITION_RETRIES        "RetriesExhausted"
#define FGD_CONDITION_AGE            "EventAgeExceeded"

/* What the event's configuration allows (MaximumRetryAttempts,
 * MaximumEventAgeInSeconds) and the wait before a function error's
 * first retry. */
typedef struct {
    unsigned  max_retries;
    unsigned  max_age_s;
    unsigned  retry_base_s;
} fgd_async_limits_t;

/* Whether the event is older than its configuration allows at now (it
 * then ends with EventAgeExceeded, not run). */
bool fgd_async_expired(const fgd_event_t *ev, const fgd_async_limits_t *l,
    uint64_t now_ms);

/*
 * What follows an attempt that answered o at now: the event's counts
 * move on (attempts, or throttles for a throttle), then either a retry,
 * *due its time (epoch ms), or its end, *due 0 and the condition it ends
 * with (FGD_CONDITION_SUCCESS for a success).  A retry that would start
 * past the event's age ends it with EventAgeExceeded instead.
 */
const char *fgd_async_next(fgd_async_outcome_t o, fgd_event_t *ev,
    const fgd_async_limits_t *l, uint64_t now_ms, uint64_t *due);

/* What the last attempt answered (status 0: none ran). */
typedef struct {
    unsigned     status;
    const char  *executed_version;  /* "" when none */
    const char  *function_error;    /* "" when none */
    const char  *body;
    size_t       body_len;
} fgd_async_response_t;

/*
 * The record a destination gets (Lambda's shape: version, timestamp,
 * requestContext {requestId, functionArn, condition,
 * approximateInvokeCount}, requestPayload, responseContext {statusCode,
 * executedVersion, functionError}, responsePayload; the payloads as JSON
 * when they are, else as strings).  function_arn is the ARN the event
 * called, with its qualifier; now_ms the record's time.  A malloc'd
 * NUL-terminated string (*len its length), or NULL (no memory).
 */
char *fgd_async_record(const fgd_event_t *ev, const char *function_arn,
    const char *condition, const fgd_async_response_t *resp, uint64_t now_ms,
    size_t *len);

/*
 * The ErrorMessage attribute of an event sent to a dead-letter queue: the
 * answer's errorMessage (a function error) or message / Message (the
 * service's error), else the condition; cut to at most size - 1 bytes
 * (Lambda's 1 KB) at a UTF-8 character's start.  dst is NUL-terminated.
 */
void fgd_async_error_message(const fgd_async_response_t *resp,
    const char *condition, char *dst, size_t size);

/*
 * The gateway's HTTP answer in buf (the whole of it: the workers ask with
 * HTTP/1.0 and read to the end): status, the headers the workers use and
 * the body (pointers into buf, whose header block gets NULs).  0, or -1
 * when it is not an HTTP answer (or buf is NULL): *a is then status 0
 * with empty strings.
 */
typedef struct {
    unsigned     status;
    const char  *function_error;    /* X-Amz-Function-Error, "" */
    const char  *executed_version;  /* X-Amz-Executed-Version, "" */
    const char  *error_type;        /* x-amzn-ErrorType, "" */
    const char  *body;
    size_t       body_len;
} fgd_http_answer_t;

int fgd_http_answer_parse(char *buf, size_t len, fgd_http_answer_t *a);

#endif /* FNGATED_ASYNC_JSON_H */
