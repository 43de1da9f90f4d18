/*
 * fngated_esm_json: event source mappings without Redis
 * (fngated_esm_json.c): the request bodies of Create/UpdateEventSource-
 * Mapping and their checks, the stored form (the fields of fg_key_esm,
 * lib/fg_keys.h), the answers, the SQS event a batch becomes and the
 * function's answer under ReportBatchItemFailures.  docs/event-sources.md
 * is the user's side of all of it.
 */

#ifndef FNGATED_ESM_JSON_H
#define FNGATED_ESM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_route.h"
#include "fngated_event_config_json.h"
#include "fngated_queues.h"
#include "fngated_resp.h"

#define FGD_ESM_BATCH_DEFAULT     10u
#define FGD_ESM_BATCH_SMALL       10u     /* without a batching window */
#define FGD_ESM_BATCH_MAX         10000u
#define FGD_ESM_WINDOW_MAX        300u
#define FGD_ESM_CONCURRENCY_MIN   2u
#define FGD_ESM_CONCURRENCY_MAX   1000u
#define FGD_ESM_REASON_MAX        160
#define FGD_ESM_FIELDS            10      /* fields of the stored form */

/* A mapping as stored and answered. */
typedef struct {
    char      uuid[37];
    char      source_arn[FGD_DEST_ARN_MAX + 1];   /* arn:aws:sqs:R:A:Q */
    char      function_arn[FG_TARGET_ARN_MAX + 1];  /* with its
                                                       qualifier, if any */
    unsigned  batch_size;
    unsigned  window_s;             /* MaximumBatchingWindowInSeconds */
    bool      report_failures;      /* FunctionResponseTypes */
    unsigned  max_concurrency;      /* ScalingConfig's; 0: not set */
    bool      enabled;
    uint64_t  last_modified_ms;
    char      reason[FGD_ESM_REASON_MAX];     /* StateTransitionReason */
    char      result[FGD_ESM_REASON_MAX];     /* LastProcessingResult, "" */
} fgd_esm_t;

/* What a Create or Update body gives; the has_ flags say which. */
typedef struct {
    bool      has_function, has_source, has_enabled, has_batch, has_window;
    bool      has_types, has_scaling;
    char      function[FG_TARGET_ARN_MAX + 1];     /* FunctionName */
    char      source_arn[FGD_DEST_ARN_MAX + 1];
    bool      enabled;
    unsigned  batch_size;
    unsigned  window_s;
    bool      report_failures;
    unsigned  max_concurrency;      /* 0: ScalingConfig {} (removes it) */
} fgd_esm_req_t;

/*
 * A Create (update false) or Update body into req, checked member by
 * member as Lambda checks it (types, ranges, the enum of
 * FunctionResponseTypes, the members only stream and Kafka sources take).
 * 0, or -1 with r.
 */
int fgd_esm_request(const char *body, size_t len, bool update,
    fgd_esm_req_t *req, fgd_resp_t *r);

/*
 * FunctionName as Lambda takes it (a name, NAME:QUALIFIER, a partial ARN
 * ACCOUNT:function:NAME[:QUALIFIER] or a full ARN) into t: its account
 * (caller when it names none), region (region when none) and qualifier.
 * 0, or -1 with Lambda's 400 in r (a bad name, another region).
 */
int fgd_esm_function_parse(const char *s, const char *caller,
    const char *region, fg_route_t *t, fgd_resp_t *r);

/*
 * The values req gives applied to m, then the checks across members:
 * BatchSize over 10 needs a batching window, a FIFO queue (fifo) takes
 * at most 10 and no window.  0, or -1 with r (m is then half-changed:
 * the caller drops it).
 */
int fgd_esm_apply(const fgd_esm_req_t *req, bool fifo, fgd_esm_t *m,
    fgd_resp_t *r);

/* The stored form: FGD_ESM_FIELDS names and values (vals point into
 * bufs, which must outlive them). */
typedef struct {
    char  batch[12], window[12], conc[12], enabled[2], modified[24];
} fgd_esm_bufs_t;
void fgd_esm_fields(const fgd_esm_t *m, fgd_esm_bufs_t *bufs,
    const char **names, const char **vals);

/* n field names and values of a stored mapping into m (uuid set by the
 * caller); 0, or -1 when one a mapping needs is missing or bad. */
int fgd_esm_parse_fields(size_t n, const char *const *names,
    const char *const *vals, fgd_esm_t *m);

/* The answer of one mapping with state (Creating, Enabled, Disabled,
 * Enabling, Disabling, Updating, Deleting); 0 or -1 (no memory). */
int fgd_json_esm(const fgd_esm_t *m, const char *state, char **out,
    size_t *out_len);

/* ListEventSourceMappings' answer (states from each mapping's Enabled);
 * NextMarker when next is neither NULL nor "". */
int fgd_json_esm_list(const fgd_esm_t *ms, size_t n, const char *next,
    char **out, size_t *out_len);

/* The state Get and List show. */
const char *fgd_esm_state(const fgd_esm_t *m);

/*
 * Lambda's SQS event of a batch: {"Records":[{messageId, receiptHandle,
 * body, attributes {ApproximateReceiveCount, SentTimestamp, SenderId,
 * ApproximateFirstReceiveTimestamp, and for a FIFO queue SequenceNumber
 * and MessageGroupId}, messageAttributes (Lambda's form: stringValue /
 * binaryValue, stringListValues, binaryListValues, dataType), md5OfBody,
 * eventSource "aws:sqs", eventSourceARN, awsRegion}]}.  A malloc'd
 * NUL-terminated string, or NULL (no memory).
 */
char *fgd_esm_event(const fgd_queue_msg_t *msgs, size_t n,
    const char *source_arn, const char *region, size_t *len);

/*
 * The function's answer to a batch under ReportBatchItemFailures: failed[i]
 * is set for the messages to keep.  Lambda's rules: no body, null, an
 * object without batchItemFailures or with it null or empty: none
 * failed; an answer that is not JSON or not an object, a batchItemFailures
 * that is not an array, an item without a string itemIdentifier naming a
 * message of the batch: the whole batch failed.  In a FIFO queue (fifo)
 * the messages of a group after one that failed are kept too, so the
 * group stays in order.  Returns the number failed (n for a whole batch).
 */
size_t fgd_esm_failures(const char *body, size_t len,
    const fgd_queue_msg_t *msgs, size_t n, bool fifo, bool *failed);

#endif /* FNGATED_ESM_JSON_H */
