/*
 * fngated_queues: the queue service (SQS's API, docs/queues.md) on Redis
 * Streams (the keys: lib/fg_keys.h, "Queues"; the scripts:
 * fngated/lua/queue_*.lua), and the C API the rest of fngated uses to
 * send to, receive from and delete in a queue (HACKING.md, "Queues").
 *
 * The module routes every SQS call (GET or POST "/" or "/ACCOUNT/QUEUE",
 * signed for service sqs) as FG_ACTION_SQS with the caller as owner;
 * fgd_queues reads the SQS action from X-Amz-Target (FNGATE_SQS_TARGET,
 * JSON protocol) or the form's Action (query protocol), finds the queue
 * in QueueUrl, and lets another account act on it only when the queue's
 * grant index (its Policy and AddPermission's statements) names that
 * account, or "*", for the action.
 */

#ifndef FNGATED_QUEUES_H
#define FNGATED_QUEUES_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "fngated_conf.h"
#include "fngated_req.h"

/* The handler of FG_ACTION_SQS (fngated_dispatch.c). */
int fgd_queues(const fgd_req_t *q, fgd_resp_t *r);

/* ------------------------------------------------------------------ */
/* The C API: other fngated code (destinations, dead-letter queues,
 * event-source pollers) on its own connection.  Every call names the
 * queue by ARN and acts on behalf of account, which needs the queue's
 * grant for the action unless it owns the queue.  err (may be NULL)
 * gets SQS's error code and message. */

typedef enum {
    FGD_QUEUE_OK = 0,
    FGD_QUEUE_NOT_FOUND,            /* no such queue (or a bad ARN) */
    FGD_QUEUE_DENIED,               /* account may not do this */
    FGD_QUEUE_INVALID,              /* a bad value (body, handle, ...) */
    FGD_QUEUE_FAILED                /* Redis failed */
} fgd_queue_rc_t;

typedef struct {
    char       message_id[37];
    char      *receipt_handle;      /* malloc'd */
    char      *body;                /* malloc'd, NUL-terminated */
    size_t     body_len;
    char      *attributes;          /* message attributes as the JSON
                                       protocol's MessageAttributes map,
                                       malloc'd ("{}" when none) */
    unsigned   receive_count;       /* ApproximateReceiveCount */
    long long  sent_ms;             /* SentTimestamp */
    long long  first_receive_ms;    /* ApproximateFirstReceiveTimestamp */
    char       sender[13];          /* SenderId: the sending account */
    char       group_id[129];       /* MessageGroupId ("" standard) */
    char       sequence[32];        /* SequenceNumber ("" standard) */
} fgd_queue_msg_t;

/* A message attribute of a message sent through the C API. */
typedef struct {
    const char  *name;
    const char  *type;              /* "String" or "Number" */
    const char  *value;
} fgd_queue_attr_t;

/*
 * SendMessage of body (valid message text, at most the queue's
 * MaximumMessageSize) with nattrs message attributes (attrs may be NULL
 * when nattrs is 0).  group_id is required by a FIFO queue (NULL
 * otherwise); dedup_id may be NULL (a FIFO queue then needs
 * ContentBasedDeduplication).  message_id (may be NULL) gets the
 * MessageId.
 */
fgd_queue_rc_t fgd_queue_send(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, const char *body,
    size_t body_len, const fgd_queue_attr_t *attrs, unsigned nattrs,
    const char *group_id, const char *dedup_id, char message_id[37],
    char *err, size_t err_size);

/*
 * ReceiveMessage of up to max (1-10) visible messages, each invisible for
 * visibility_s seconds (-1: the queue's VisibilityTimeout); no long poll.
 * A message past its RedrivePolicy's maxReceiveCount moves to the
 * dead-letter queue instead.  *msgs (fgd_queue_msgs_free) and *n.
 */
fgd_queue_rc_t fgd_queue_receive(const fgd_conf_t *conf,
    fgd_redis_t **redis, const char *account, const char *queue_arn,
    unsigned max, int visibility_s, fgd_queue_msg_t **msgs, size_t *n,
    char *err, size_t err_size);

/*
 * fgd_queue_receive that waits up to wait_ms for a message when there is
 * none (a long poll: XREAD BLOCK on the queue's stream on *redis, woken by
 * the next SendMessage, or the time the next message becomes visible
 * again).  Not counted in queue_wait_threads: its callers (the event
 * source pollers) have their own bound.
 */
fgd_queue_rc_t fgd_queue_receive_wait(const fgd_conf_t *conf,
    fgd_redis_t **redis, const char *account, const char *queue_arn,
    unsigned max, int visibility_s, unsigned wait_ms,
    fgd_queue_msg_t **msgs, size_t *n, char *err, size_t err_size);

void fgd_queue_msgs_free(fgd_queue_msg_t *msgs, size_t n);

/* DeleteMessage by a receipt handle fgd_queue_receive gave. */
fgd_queue_rc_t fgd_queue_delete(const fgd_conf_t *conf,
    fgd_redis_t **redis, const char *account, const char *queue_arn,
    const char *receipt_handle, char *err, size_t err_size);

/* ChangeMessageVisibility of a message in flight: visible again after
 * visibility_s seconds (0: now; a failed batch's messages). */
fgd_queue_rc_t fgd_queue_change_visibility(const fgd_conf_t *conf,
    fgd_redis_t **redis, const char *account, const char *queue_arn,
    const char *receipt_handle, unsigned visibility_s, char *err,
    size_t err_size);

#endif /* FNGATED_QUEUES_H */
