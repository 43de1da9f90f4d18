/*
 * fngated_async: asynchronous invocation (fngated_async.h).
 *
 * Where an event is: in its account's stream (fg:ev:{A}) from its 202
 * until an attempt is done with it, pending to one consumer (a worker
 * thread, HOST:PID:N) while it runs; or in the retries zset
 * (fg:evretry:{A}) until its retry is due, when fngated/lua/async_take.lua
 * puts it back into the stream.  Moving it is one script
 * (fngated/lua/async_done.lua), so it is always in one place; a worker
 * that died leaves it pending, and the take script claims it again
 * (XAUTOCLAIM) once its lease, the entry's idle time, is older than the
 * visibility timeout.  A running worker's lease is renewed by the
 * scheduler (fngated/lua/async_renew.lua).  Every event is run at least
 * once; one may run twice when its worker died after the function ran
 * (the log says so: "taken again").
 *
 * Which accounts have events: the scheduler thread waits on the wake-up
 * list (fg:async:wake, an account id per event sent by any fngated) and
 * every async_sweep seconds reads every account that ever sent one
 * (fg:async:accounts); both only say where to look.  An account whose
 * stream is empty is looked at again when its next retry or lease is due.
 * At most async_per_account of an account's events run at once on this
 * fngated; its other events wait in its stream, none fails for it.
 *
 * An attempt is an Invoke through the gateway (nginx and the module), made
 * over HTTP/1.0 and signed as the account that sent the event, with
 * X-Fngate-Event naming the entry: the module authenticates it, resolves
 * the function and checks the permission as for any call, fngated runs it
 * (fgd_async_attempt tells fgd_invoke it is an attempt) and nginx writes
 * its billing line.  The answer (fgd_async_outcome): success; a function
 * error, retried up to MaximumRetryAttempts after async_retry_base, then
 * twice that; a throttle or 5xx, retried after 1 s, doubling to 5 min,
 * until the event's age passes MaximumEventAgeInSeconds; a refusal (the
 * function gone, the permission revoked), not retried.  An event that
 * failed for good goes to its OnFailure destination and its function's
 * dead-letter queue, or is dropped with a log line.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "fg_keys.h"
#include "fg_util.h"
#include "fngated_async.h"
#include "fngated_event_config.h"
#include "fngated_gateway.h"
#include "fngated_log.h"
#include "fngated_queues.h"
#include "fngated_redis.h"
#include "fngated_util.h"

#define FGD_ASYNC_GROUP        "fngated"
#define FGD_ASYNC_WAKE_WAIT    "0.25"      /* BLPOP's, also the timers' */
#define FGD_ASYNC_RETRY_MS     1000        /* an account Redis failed on */
#define FGD_ASYNC_CONSUMER_MAX 128

/* An account that has, or had, events. */
typedef struct {
    char       id[FG_ACCOUNT_LEN + 1];
    bool       queued;          /* waiting for a worker to look */
    uint64_t   seq;             /* its place in that queue */
    unsigned   inflight;        /* its events running here */
    uint64_t   due_ms;          /* look again then; 0: no timer */
} fgd_acct_t;

typedef struct {
    unsigned       n;
    pthread_t      thread;
    fgd_redis_t   *redis;
    char           consumer[FGD_ASYNC_CONSUMER_MAX];
    char           account[FG_ACCOUNT_LEN + 1];  /* the event it runs */
    char           entry[48];                    /* "" when none */
} fgd_worker_t;

/* What applies to an event: the asynchronous configuration of what it
 * called, and its function's dead-letter queue. */
typedef struct {
    fgd_eic_t  eic;
    char       config_account[FG_ACCOUNT_LEN + 1];  /* whose it is: sends
                                                       to its destinations */
    char       dead_letter[FGD_DEST_ARN_MAX + 1];   /* "" none */
} fgd_async_cfg_t;

static struct {
    const fgd_conf_t  *conf;
    pthread_mutex_t    lock;
    pthread_cond_t     cond;
    bool               stopping;        /* workers take no more events */
    bool               done;            /* the scheduler stops */
    fgd_acct_t       **accts;
    size_t             naccts, cap;
    uint64_t           seq;
    fgd_worker_t      *workers;
    unsigned           nworkers;
    pthread_t          scheduler;
    bool               scheduling;
} fgd_async = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER
};


uint64_t
fgd_event_age_ms(const fgd_event_t *ev)
{
    uint64_t  now = fg_epoch_ms();

    return now > ev->t0_ms ? now - ev->t0_ms : 0;
}

/* A request of a thread of this file, for fngated_redis's calls. */
static void
fgd_async_req(fgd_req_t *q, fgd_redis_t **redis, const char *rid)
{
    memset(q, 0, sizeof(*q));
    q->conf = fgd_async.conf;
    q->redis = redis;
    q->request_id = rid;
    q->region = fgd_async.conf->region;
}


/* ------------------------------------------------------------------ */
/* Accounts to look at (fgd_async.lock held)                            */

static fgd_acct_t *
fgd_async_acct(const char *id)
{
    fgd_acct_t  *a;
    size_t       i;

    for (i = 0; i < fgd_async.naccts; i++) {
        if (strcmp(fgd_async.accts[i]->id, id) == 0) {
            return fgd_async.accts[i];
        }
    }
    if (fgd_grow(&fgd_async.accts, &fgd_async.cap, fgd_async.naccts,
            sizeof(*fgd_async.accts), 64) != 0)
    {
        return NULL;
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return NULL;
    }
    memcpy(a->id, id, FG_ACCOUNT_LEN + 1);
    fgd_async.accts[fgd_async.naccts++] = a;
    return a;
}

static void
fgd_async_queue(fgd_acct_t *a)
{
    if (!a->queued) {
        a->queued = true;
        a->seq = ++fgd_async.seq;
    }
    pthread_cond_signal(&fgd_async.cond);
}

/* An account id from Redis (the wake-up list, the sweep): looked at. */
static void
fgd_async_ready(const char *id, size_t len)
{
    fgd_acct_t  *a;
    char         buf[FG_ACCOUNT_LEN + 1];

    if (!fg_account_valid(id, len)) {
        fgd_log("warn", NULL, "async: \"%.*s\" is not an account; ignored",
            (int) (len > 20 ? 20 : len), id);
        return;
    }
    memcpy(buf, id, len);
    buf[len] = '\0';
    pthread_mutex_lock(&fgd_async.lock);
    a = fgd_async_acct(buf);
    if (a != NULL) {
        fgd_async_queue(a);
    }
    pthread_mutex_unlock(&fgd_async.lock);
}

/* The account that waited longest and may run one more event. */
static fgd_acct_t *
fgd_async_pop(void)
{
    fgd_acct_t  *best = NULL, *a;
    size_t       i;

    for (i = 0; i < fgd_async.naccts; i++) {
        a = fgd_async.accts[i];
        if (a->queued && a->inflight < fgd_async.conf->async.per_account
            && (best == NULL || a->seq < best->seq))
        {
            best = a;
        }
    }
    if (best != NULL) {
        best->queued = false;
    }
    return best;
}


/* ------------------------------------------------------------------ */
/* Storing an event                                                      */

/*
 * ev into its billed account's stream: the account among those the sweep
 * reads first (so a crash after the event leaves it found), then the
 * event, then a wake-up for any fngated's workers.  0, or -1 with r.
 */
static int
fgd_async_store(const fgd_req_t *q, const char *account,
    const fgd_event_t *ev, fgd_resp_t *r)
{
    fgd_event_nums_t   nums;
    const char        *args[2 + 2 * FGD_EVENT_FIELDS];
    size_t             alens[2 + 2 * FGD_EVENT_FIELDS];
    char               stream[FG_KEY_MAX], set[FG_KEY_MAX], wake[FG_KEY_MAX];
    const char        *argv[3];
    redisReply        *reply;

    if (fg_key_events(stream, sizeof(stream), account) >= FG_KEY_MAX) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The account is not valid");
    }
    fg_key_async_accounts(set, sizeof(set));
    fg_key_async_wake(wake, sizeof(wake));

    argv[0] = "SADD";
    argv[1] = set;
    argv[2] = account;
    reply = fgd_redis_command(q, true, 3, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    freeReplyObject(reply);

    args[0] = stream;
    alens[0] = strlen(stream);
    args[1] = FGD_ASYNC_GROUP;
    alens[1] = sizeof(FGD_ASYNC_GROUP) - 1;
    fgd_event_fields(ev, &nums, args + 2, alens + 2);
    reply = fgd_redis_script(q, FGD_SCRIPT_ASYNC_ENQUEUE, 1,
        2 + 2 * FGD_EVENT_FIELDS, args, alens, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        return fgd_error(r, 502, "ServiceException",
            "The event store gave an unexpected answer");
    }
    fgd_log("info", q->request_id, "event %s of %s:%s%s%s stored as %s",
        ev->rid, ev->owner, ev->function, ev->qualifier[0] ? ":" : "",
        ev->qualifier, reply->str);
    freeReplyObject(reply);

    /* The event is stored; a lost wake-up only waits for the sweep. */
    argv[0] = "RPUSH";
    argv[1] = wake;
    argv[2] = account;
    reply = fgd_redis_command(q, false, 3, argv, NULL, r);
    if (reply == NULL) {
        fgd_log("warn", q->request_id, "event %s: no wake-up (%s); the "
            "sweep will find it", ev->rid, r->message);
        fgd_resp_free(r);
        memset(r, 0, sizeof(*r));
    } else {
        freeReplyObject(reply);
    }
    return 0;
}

static const char *
fgd_async_billed(const fgd_req_t *q)
{
    return q->billing != NULL && q->billing[0] != '\0' ? q->billing
                                                       : q->caller;
}

int
fgd_async_enqueue(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_event_t  ev;
    char         chain[FG_ACCOUNT_LEN + 64];

    if (q->body_len > FGD_EVENT_PAYLOAD_MAX) {
        return fgd_error(r, 413, "RequestTooLargeException",
            "Request must be smaller than %u bytes for the Event "
            "invocation type", FGD_EVENT_PAYLOAD_MAX);
    }
    memset(&ev, 0, sizeof(ev));
    ev.id = "";
    ev.rid = q->request_id;
    ev.caller = q->caller;
    ev.owner = q->owner;
    ev.function = q->function;
    ev.qualifier = q->qualifier;
    ev.alias = q->alias != NULL ? q->alias : "";
    ev.uri = q->uri;
    ev.payload = q->body_len ? q->body : "{}";
    ev.payload_len = q->body_len ? q->body_len : 2;
    ev.t0_ms = fg_epoch_ms();
    /* sent by a function: its attempts stay in the sender's chain */
    chain[0] = '\0';
    if (q->depth > 1) {
        snprintf(chain, sizeof(chain), "%s:%u:%.40s", fgd_async_billed(q),
            q->depth, q->root_id);
    }
    ev.chain = chain;

    if (fgd_async_store(q, fgd_async_billed(q), &ev, r) != 0) {
        return -1;
    }
    r->status = 202;
    return 0;
}


/* The event of a stream entry's field/value reply (strings point into
 * it).  0, or -1 when it is not one. */
static int
fgd_async_event_of(const redisReply *fields, fgd_event_t *ev)
{
    const char  *names[2 * FGD_EVENT_FIELDS], *vals[2 * FGD_EVENT_FIELDS];
    size_t       lens[2 * FGD_EVENT_FIELDS], i, n;

    n = fields->elements / 2;
    if (n > FGD_EVENT_FIELDS * 2) {
        n = FGD_EVENT_FIELDS * 2;
    }
    for (i = 0; i < n; i++) {
        if (fields->element[2 * i]->type != REDIS_REPLY_STRING
            || fields->element[2 * i + 1]->type != REDIS_REPLY_STRING)
        {
            return -1;
        }
        names[i] = fields->element[2 * i]->str;
        vals[i] = fields->element[2 * i + 1]->str;
        lens[i] = fields->element[2 * i + 1]->len;
    }
    return fgd_event_parse(n, names, vals, lens, ev);
}


/* ------------------------------------------------------------------ */
/* An attempt, as fgd_invoke sees it                                    */

int
fgd_async_attempt(const fgd_req_t *q, fgd_event_t *ev, void **hold,
    fgd_resp_t *r)
{
    char         stream[FG_KEY_MAX];
    const char  *argv[4];
    redisReply  *reply, *fields;
    const char  *id = q->event;

    *hold = NULL;
    if (strlen(id) > 40 || strspn(id, "0123456789-") != strlen(id)
        || fg_key_events(stream, sizeof(stream), fgd_async_billed(q))
           >= FG_KEY_MAX)
    {
        goto unknown;
    }
    argv[0] = "XRANGE";
    argv[1] = stream;
    argv[2] = id;
    argv[3] = id;
    reply = fgd_redis_command(q, true, 4, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1
        || reply->element[0]->type != REDIS_REPLY_ARRAY
        || reply->element[0]->elements != 2
        || reply->element[0]->element[1]->type != REDIS_REPLY_ARRAY)
    {
        freeReplyObject(reply);
        goto unknown;
    }
    fields = reply->element[0]->element[1];
    if (fgd_async_event_of(fields, ev) != 0
        || strcmp(ev->caller, q->caller) != 0)
    {
        freeReplyObject(reply);
        goto unknown;
    }
    ev->id = reply->element[0]->element[0]->str;
    *hold = reply;
    return 0;

unknown:
    fgd_log("warn", q->request_id, "X-Fngate-Event \"%.40s\" names no "
        "event of %s", id, q->caller);
    return fgd_error(r, 400, "InvalidParameterValueException",
        "X-Fngate-Event names no event of the caller");
}


/* ------------------------------------------------------------------ */
/* What follows an attempt                                               */

/*
 * The configuration that applies to the event: that of the function and
 * qualifier its Invoke named, or of the caller's cross-account alias it
 * came by (whose account then sends to its destinations); the dead-letter
 * queue of the function's version.  0, or -1 when Redis failed (the
 * event waits and is tried again).
 */
static int
fgd_async_config(fgd_req_t *q, const fgd_event_t *ev, fgd_async_cfg_t *cfg)
{
    fg_route_t   t;
    const char  *account = ev->owner, *function = ev->function;
    const char  *qualifier = ev->qualifier;
    const char  *argv[1] = { "PING" };
    redisReply  *reply;
    fgd_resp_t   r;
    char         err[256];

    memset(cfg, 0, sizeof(*cfg));
    fgd_eic_default(&cfg->eic);
    if (ev->alias[0] != '\0'
        && fg_alias_target_parse(ev->alias, strlen(ev->alias), &t)
           != FG_TARGET_BAD_ARN)
    {
        account = t.account;
        function = t.function;
        qualifier = t.qualifier;
    }
    snprintf(cfg->config_account, sizeof(cfg->config_account), "%s",
        account);

    /* the connection, (re)opened: the readers below use it as it is */
    memset(&r, 0, sizeof(r));
    reply = fgd_redis_command(q, true, 1, argv, NULL, &r);
    if (reply == NULL) {
        fgd_log("warn", q->request_id, "event %s: its configuration can "
            "not be read: %s", ev->rid, r.message);
        fgd_resp_free(&r);
        return -1;
    }
    freeReplyObject(reply);
    if (fgd_eic_read(q, account, function, qualifier, &cfg->eic,
            err, sizeof(err)) != 0
        || fgd_dead_letter_read(q, ev->owner, ev->function,
            ev->qualifier, cfg->dead_letter, sizeof(cfg->dead_letter), err,
            sizeof(err)) != 0)
    {
        fgd_log("warn", q->request_id, "event %s: its configuration can "
            "not be read: %s", ev->rid, err);
        return -1;
    }
    return 0;
}

/* The ARN the event called, with its qualifier ($LATEST for none). */
static void
fgd_async_arn(const fgd_event_t *ev, const char *region, char *dst,
    size_t size)
{
    if (ev->alias[0] != '\0') {
        snprintf(dst, size, "%s", ev->alias);
        return;
    }
    fg_function_arn(dst, size, region, ev->owner, ev->function,
        ev->qualifier[0] ? ev->qualifier : "$LATEST");
}

/*
 * A record to a function destination: an event of its own, sent by the
 * account whose configuration names it (billed to it), run as any event.
 * 0, or -1 (logged).
 */
static int
fgd_async_to_function(fgd_req_t *q, const char *from, const char *arn,
    const char *record, size_t len)
{
    fg_route_t       t;
    fg_target_rc_t   trc;
    fgd_event_t      ev;
    fgd_resp_t       r;
    uint8_t          rnd[16];
    char             rid[37], uri[FG_TARGET_ARN_MAX * 3 + 64], *p;
    size_t           i;
    int              rc;

    trc = fg_alias_target_parse(arn, strlen(arn), &t);
    if (trc == FG_TARGET_BAD_ARN) {
        fgd_log("error", q->request_id, "destination %s is not a function "
            "ARN", arn);
        return -1;
    }
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        return -1;
    }
    fgd_uuid_format(rnd, rid);
    p = uri + snprintf(uri, sizeof(uri), "/2015-03-31/functions/");
    for (i = 0; arn[i] != '\0'; i++) {
        p += arn[i] == ':' || arn[i] == '$'
             ? sprintf(p, "%%%02X", (unsigned char) arn[i])
             : sprintf(p, "%c", arn[i]);
    }
    snprintf(p, sizeof(uri) - (size_t) (p - uri), "/invocations");

    memset(&ev, 0, sizeof(ev));
    ev.id = "";
    ev.rid = rid;
    ev.caller = from;
    ev.owner = t.account;
    ev.function = t.function;
    ev.qualifier = t.qualifier;
    ev.alias = "";
    ev.uri = uri;
    ev.payload = record;
    ev.payload_len = len;
    ev.t0_ms = fg_epoch_ms();
    memset(&r, 0, sizeof(r));
    rc = fgd_async_store(q, from, &ev, &r);
    if (rc != 0) {
        fgd_log("error", q->request_id, "destination %s: %s", arn,
            r.message);
    }
    fgd_resp_free(&r);
    return rc;
}

/* body to the queue arn with nattrs attributes, sent by account from.
 * 0, or -1 (logged). */
static int
fgd_async_to_queue(fgd_req_t *q, const char *from, const char *arn,
    const char *body, size_t len, const fgd_queue_attr_t *attrs,
    unsigned nattrs)
{
    fgd_queue_rc_t  rc;
    char            id[37], err[256];

    rc = fgd_queue_send(q->conf, q->redis, from, arn, body, len, attrs,
        nattrs, NULL, NULL, id, err, sizeof(err));
    if (rc != FGD_QUEUE_OK) {
        fgd_log("error", q->request_id, "queue %s refused a message of %s: "
            "%s", arn, from, err);
        return -1;
    }
    return 0;
}

/* A record to the destination arn ("" none), sent by the account whose
 * configuration names it.  0, or -1 (logged). */
static int
fgd_async_destination(fgd_req_t *q, const fgd_event_t *ev,
    const fgd_async_cfg_t *cfg, const char *arn, const char *condition,
    const fgd_async_response_t *resp)
{
    char     fnarn[FG_TARGET_ARN_MAX + 1], *record;
    size_t   len;
    int      rc;

    if (arn[0] == '\0') {
        return 0;
    }
    fgd_async_arn(ev, q->region, fnarn, sizeof(fnarn));
    record = fgd_async_record(ev, fnarn, condition, resp,
        fg_epoch_ms(), &len);
    if (record == NULL) {
        fgd_log("error", q->request_id, "event %s: no memory for its "
            "record", ev->rid);
        return -1;
    }
    if (strncmp(arn, "arn:aws:lambda:", 15) == 0) {
        rc = fgd_async_to_function(q, cfg->config_account, arn, record, len);
    } else {
        rc = fgd_async_to_queue(q, cfg->config_account, arn, record, len,
            NULL, 0);
    }
    if (rc == 0) {
        fgd_log("info", q->request_id, "event %s: %s record sent to %s",
            ev->rid, condition, arn);
    }
    free(record);
    return rc;
}

/*
 * An event that failed for good: its OnFailure destination gets the
 * record, its function's dead-letter queue the event itself (sent by the
 * function's owner), or it is dropped; the log says which.  A destination
 * that refuses is said in the log; the event is not kept for it.
 */
static void
fgd_async_failed(fgd_req_t *q, const fgd_event_t *ev,
    const fgd_async_cfg_t *cfg, const char *condition,
    const fgd_async_response_t *resp)
{
    fgd_queue_attr_t  attrs[3];
    char              code[12], message[1025];

    if (cfg->eic.on_failure[0] == '\0' && cfg->dead_letter[0] == '\0') {
        fgd_log("warn", q->request_id, "event %s of %s:%s dropped after "
            "attempt %u: %s (no OnFailure destination, no dead-letter "
            "queue)", ev->rid, ev->owner, ev->function,
            ev->attempts + ev->throttles, condition);
        return;
    }
    fgd_log("info", q->request_id, "event %s of %s:%s failed after attempt "
        "%u: %s", ev->rid, ev->owner, ev->function,
        ev->attempts + ev->throttles, condition);
    fgd_async_destination(q, ev, cfg, cfg->eic.on_failure, condition, resp);
    if (cfg->dead_letter[0] == '\0') {
        return;
    }
    /* Lambda's attributes of a dead-lettered event; ErrorCode (last) is
     * the status of the last attempt, left out when none was answered */
    snprintf(code, sizeof(code), "%u", resp->status);
    fgd_async_error_message(resp, condition, message, sizeof(message));
    attrs[0] = (fgd_queue_attr_t) { "RequestID", "String", ev->rid };
    attrs[1] = (fgd_queue_attr_t) { "ErrorMessage", "String", message };
    attrs[2] = (fgd_queue_attr_t) { "ErrorCode", "Number", code };
    if (fgd_async_to_queue(q, ev->owner, cfg->dead_letter, ev->payload,
            ev->payload_len, attrs, resp->status > 0 ? 3 : 2) == 0)
    {
        fgd_log("info", q->request_id, "event %s sent to the dead-letter "
            "queue %s", ev->rid, cfg->dead_letter);
    }
}

/*
 * The event is done here: out of the stream, and with retry_due, into
 * the retries with ev's counts.  A worker that lost the event (its lease
 * ran out and another took it) changes nothing.
 */
static int
fgd_async_done(fgd_worker_t *w, fgd_req_t *q, const char *account,
    const fgd_event_t *ev, uint64_t retry_due)
{
    fgd_event_nums_t   nums;
    const char        *args[6 + 2 * FGD_EVENT_FIELDS];
    size_t             alens[6 + 2 * FGD_EVENT_FIELDS];
    char               stream[FG_KEY_MAX], retries[FG_KEY_MAX], due[24];
    redisReply        *reply;
    fgd_resp_t         r;
    int                nargs = 6, i;

    fg_key_events(stream, sizeof(stream), account);
    fg_key_event_retries(retries, sizeof(retries), account);
    due[0] = '\0';
    if (retry_due != 0) {
        snprintf(due, sizeof(due), "%llu", (unsigned long long) retry_due);
    }
    args[0] = stream;
    args[1] = retries;
    args[2] = FGD_ASYNC_GROUP;
    args[3] = w->consumer;
    args[4] = ev->id;
    args[5] = due;
    for (i = 0; i < 6; i++) {
        alens[i] = strlen(args[i]);
    }
    if (retry_due != 0) {
        fgd_event_fields(ev, &nums, args + 6, alens + 6);
        nargs += 2 * FGD_EVENT_FIELDS;
    }
    memset(&r, 0, sizeof(r));
    reply = fgd_redis_script(q, FGD_SCRIPT_ASYNC_DONE, 2, nargs, args,
        alens, &r);
    if (reply == NULL) {
        fgd_log("error", q->request_id, "event %s: not marked done (%s); "
            "it runs again once its lease is over", ev->rid, r.message);
        fgd_resp_free(&r);
        return -1;
    }
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
        fgd_log("warn", q->request_id, "event %s: another worker holds it "
            "now (this one's lease ran out); its outcome stands", ev->rid);
    }
    freeReplyObject(reply);
    return 0;
}

/* One event, taken by worker w: its attempt and what follows. */
static void
fgd_async_run(fgd_worker_t *w, fgd_req_t *q, const char *account,
    fgd_event_t *ev, long long deliveries)
{
    fgd_async_cfg_t       cfg;
    fgd_async_response_t  resp;
    fgd_async_outcome_t   o;
    fgd_http_answer_t     a;
    fgd_async_limits_t    lim;
    const char           *end;
    char                 *buf = NULL, err[256];
    size_t                len;
    uint64_t              due = 0;

    if (fgd_async_config(q, ev, &cfg) != 0) {
        fgd_async_done(w, q, account, ev,
            fg_epoch_ms() + FGD_ASYNC_RETRY_MS);
        return;
    }
    lim.max_retries = cfg.eic.max_retries;
    lim.max_age_s = cfg.eic.max_age_s;
    lim.retry_base_s = fgd_async.conf->async.retry_base_s;
    memset(&resp, 0, sizeof(resp));
    resp.executed_version = "";
    resp.function_error = "";
    resp.body = "";

    if (deliveries > 1) {
        fgd_log("warn", q->request_id, "event %s taken again (delivery "
            "%lld): the worker that had it died or lost it; it may run "
            "twice", ev->rid, deliveries);
    }
    if (fgd_async_expired(ev, &lim, fg_epoch_ms())) {
        fgd_async_failed(q, ev, &cfg, FGD_CONDITION_AGE, NULL);
        fgd_async_done(w, q, account, ev, 0);
        return;
    }

    if (fgd_gateway_invoke(q, ev->caller, ev->chain, ev->uri, ev->id,
            ev->payload,
            ev->payload_len, &buf, &len, err, sizeof(err)) != 0)
    {
        fgd_log("warn", q->request_id, "event %s: attempt got no answer: "
            "%s", ev->rid, err);
        fgd_http_answer_parse(NULL, 0, &a);
    } else if (fgd_http_answer_parse(buf, len, &a) != 0) {
        fgd_log("warn", q->request_id, "event %s: the gateway's answer is "
            "not HTTP", ev->rid);
    }
    o = fgd_async_outcome(a.status, a.function_error);
    if (a.status != 0) {
        resp.status = a.status;
        resp.executed_version = a.executed_version;
        resp.function_error = a.function_error;
        resp.body = a.body;
        resp.body_len = a.body_len;
    }
    end = fgd_async_next(o, ev, &lim, fg_epoch_ms(), &due);
    if (due != 0) {
        fgd_log("info", q->request_id, "event %s: attempt %u answered %u "
            "%s%s; retry in %llu ms", ev->rid, ev->attempts + ev->throttles,
            a.status, a.function_error[0] ? a.function_error : a.error_type,
            o == FGD_ASYNC_FUNCTION_ERROR ? " (function error)" : "",
            (unsigned long long) (due - fg_epoch_ms()));
    } else if (o == FGD_ASYNC_SUCCESS) {
        fgd_log("info", q->request_id, "event %s ran (attempt %u)", ev->rid,
            ev->attempts + ev->throttles);
        fgd_async_destination(q, ev, &cfg, cfg.eic.on_success, end, &resp);
    } else {
        if (o == FGD_ASYNC_REFUSED) {
            fgd_log("warn", q->request_id, "event %s refused: %u %s",
                ev->rid, a.status, a.error_type);
        }
        fgd_async_failed(q, ev, &cfg, end, &resp);
    }

    fgd_async_done(w, q, account, ev, due);
    free(buf);
}


/* ------------------------------------------------------------------ */
/* The threads                                                           */

/*
 * Takes one event of the account: 1 with *reply holding it (*ev points
 * into it), 0 none (*due: when to look again, 0 never), -1 Redis failed.
 */
static int
fgd_async_take(fgd_worker_t *w, fgd_req_t *q, const char *account,
    redisReply **out, fgd_event_t *ev, long long *deliveries, uint64_t *due)
{
    char         stream[FG_KEY_MAX], retries[FG_KEY_MAX], now[24], vis[24];
    const char  *args[6];
    redisReply  *reply, *fields;
    fgd_resp_t   r;

    *out = NULL;
    *due = 0;
    fg_key_events(stream, sizeof(stream), account);
    fg_key_event_retries(retries, sizeof(retries), account);
    snprintf(now, sizeof(now), "%llu",
        (unsigned long long) fg_epoch_ms());
    snprintf(vis, sizeof(vis), "%u",
        fgd_async.conf->async.visibility_s * 1000);
    args[0] = stream;
    args[1] = retries;
    args[2] = FGD_ASYNC_GROUP;
    args[3] = w->consumer;
    args[4] = now;
    args[5] = vis;
    memset(&r, 0, sizeof(r));
    reply = fgd_redis_script(q, FGD_SCRIPT_ASYNC_TAKE, 2, 6, args, NULL, &r);
    if (reply == NULL) {
        fgd_log("error", NULL, "async: events of %s: %s", account,
            r.message);
        fgd_resp_free(&r);
        return -1;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
        || reply->element[0]->type != REDIS_REPLY_STRING)
    {
        goto bad;
    }
    if (reply->element[0]->len == 0) {
        if (reply->element[1]->type == REDIS_REPLY_INTEGER
            && reply->element[1]->integer > 0)
        {
            *due = (uint64_t) reply->element[1]->integer;
        }
        freeReplyObject(reply);
        return 0;
    }
    fields = reply->element[1];
    if (reply->elements != 3 || fields->type != REDIS_REPLY_ARRAY
        || reply->element[2]->type != REDIS_REPLY_INTEGER)
    {
        goto bad;
    }
    if (fgd_async_event_of(fields, ev) != 0) {
        /* never stored by fngated: out of the stream, said once */
        fgd_event_t  bad;

        memset(&bad, 0, sizeof(bad));
        bad.id = reply->element[0]->str;
        bad.rid = "-";
        fgd_log("error", NULL, "async: entry %s of %s is not an event; "
            "removed", bad.id, stream);
        fgd_async_done(w, q, account, &bad, 0);
        freeReplyObject(reply);
        return 0;
    }
    ev->id = reply->element[0]->str;
    *deliveries = reply->element[2]->integer;
    *out = reply;
    return 1;

bad:
    fgd_log("error", NULL, "async: the take script of %s answered "
        "nonsense", account);
    freeReplyObject(reply);
    return -1;
}

static void *
fgd_async_worker(void *arg)
{
    fgd_worker_t  *w = arg;
    fgd_acct_t    *a;
    fgd_req_t      q;
    fgd_event_t    ev;
    redisReply    *reply;
    long long      deliveries = 0;
    uint64_t       due;
    char           account[FG_ACCOUNT_LEN + 1];
    int            rc;

    for (;;) {
        pthread_mutex_lock(&fgd_async.lock);
        while (!fgd_async.stopping && (a = fgd_async_pop()) == NULL) {
            pthread_cond_wait(&fgd_async.cond, &fgd_async.lock);
        }
        if (fgd_async.stopping) {
            pthread_mutex_unlock(&fgd_async.lock);
            break;
        }
        a->inflight++;
        memcpy(account, a->id, sizeof(account));
        pthread_mutex_unlock(&fgd_async.lock);

        fgd_async_req(&q, &w->redis, NULL);
        rc = fgd_async_take(w, &q, account, &reply, &ev, &deliveries, &due);

        pthread_mutex_lock(&fgd_async.lock);
        if (rc == 1) {
            /* the account may have more: another worker looks */
            fgd_async_queue(a);
            memcpy(w->account, account, sizeof(account));
            snprintf(w->entry, sizeof(w->entry), "%s", ev.id);
        } else if (rc == 0 && due != 0 && (a->due_ms == 0
                                           || due < a->due_ms))
        {
            a->due_ms = due;
        } else if (rc < 0) {
            a->due_ms = fg_epoch_ms() + FGD_ASYNC_RETRY_MS;
        }
        pthread_mutex_unlock(&fgd_async.lock);

        if (rc == 1) {
            fgd_async_req(&q, &w->redis, ev.rid);
            fgd_async_run(w, &q, account, &ev, deliveries);
            freeReplyObject(reply);
        }

        pthread_mutex_lock(&fgd_async.lock);
        a->inflight--;
        w->entry[0] = '\0';
        if (rc == 1) {
            fgd_async_queue(a);
        }
        pthread_cond_broadcast(&fgd_async.cond);
        pthread_mutex_unlock(&fgd_async.lock);
    }
    if (w->redis != NULL) {
        fgd_redis_free(w->redis);
        w->redis = NULL;
    }
    return NULL;
}

/* The leases of the events the workers run, renewed. */
static void
fgd_async_renew(fgd_req_t *q)
{
    char         stream[FG_KEY_MAX], account[FG_ACCOUNT_LEN + 1];
    char         consumer[FGD_ASYNC_CONSUMER_MAX], entry[48];
    const char  *args[4];
    redisReply  *reply;
    fgd_resp_t   r;
    unsigned     i;

    for (i = 0; i < fgd_async.nworkers; i++) {
        pthread_mutex_lock(&fgd_async.lock);
        memcpy(account, fgd_async.workers[i].account, sizeof(account));
        memcpy(consumer, fgd_async.workers[i].consumer, sizeof(consumer));
        memcpy(entry, fgd_async.workers[i].entry, sizeof(entry));
        pthread_mutex_unlock(&fgd_async.lock);
        if (entry[0] == '\0') {
            continue;
        }
        fg_key_events(stream, sizeof(stream), account);
        args[0] = stream;
        args[1] = FGD_ASYNC_GROUP;
        args[2] = consumer;
        args[3] = entry;
        memset(&r, 0, sizeof(r));
        reply = fgd_redis_script(q, FGD_SCRIPT_ASYNC_RENEW, 1, 4, args,
            NULL, &r);
        if (reply == NULL) {
            fgd_log("warn", NULL, "async: lease of %s not renewed: %s",
                entry, r.message);
            fgd_resp_free(&r);
            continue;
        }
        freeReplyObject(reply);
    }
}

static void
fgd_async_reply_accounts(redisReply *reply)
{
    size_t  i;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return;
    }
    for (i = 0; i < reply->elements; i++) {
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            fgd_async_ready(reply->element[i]->str, reply->element[i]->len);
        }
    }
}

static void *
fgd_async_scheduler(void *arg)
{
    fgd_redis_t   *redis = NULL;
    fgd_req_t      q;
    fgd_resp_t     r;
    redisReply    *reply;
    char           wake[FG_KEY_MAX], set[FG_KEY_MAX];
    const char    *argv[3];
    uint64_t       now, next_sweep = 0, next_renew = 0;
    uint64_t       renew_ms = fgd_async.conf->async.visibility_s * 1000 / 3;
    size_t         i;
    bool           done = false;

    (void) arg;
    fg_key_async_wake(wake, sizeof(wake));
    fg_key_async_accounts(set, sizeof(set));
    fgd_async_req(&q, &redis, NULL);

    while (!done) {
        memset(&r, 0, sizeof(r));
        argv[0] = "BLPOP";
        argv[1] = wake;
        argv[2] = FGD_ASYNC_WAKE_WAIT;
        reply = fgd_redis_command(&q, true, 3, argv, NULL, &r);
        if (reply == NULL) {
            fgd_resp_free(&r);
            sleep(1);
        } else {
            if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
                && reply->element[1]->type == REDIS_REPLY_STRING)
            {
                fgd_async_ready(reply->element[1]->str,
                    reply->element[1]->len);
            }
            freeReplyObject(reply);
        }

        now = fg_epoch_ms();
        if (now >= next_sweep) {
            memset(&r, 0, sizeof(r));
            argv[0] = "SMEMBERS";
            argv[1] = set;
            reply = fgd_redis_command(&q, true, 2, argv, NULL, &r);
            if (reply != NULL) {
                fgd_async_reply_accounts(reply);
                freeReplyObject(reply);
                next_sweep = now + fgd_async.conf->async.sweep_s * 1000ull;
            } else {
                fgd_resp_free(&r);
            }
        }

        pthread_mutex_lock(&fgd_async.lock);
        for (i = 0; i < fgd_async.naccts; i++) {
            fgd_acct_t *a = fgd_async.accts[i];

            if (a->due_ms != 0 && a->due_ms <= now) {
                a->due_ms = 0;
                fgd_async_queue(a);
            }
        }
        done = fgd_async.done;
        pthread_mutex_unlock(&fgd_async.lock);

        if (now >= next_renew) {
            fgd_async_renew(&q);
            next_renew = now + (renew_ms ? renew_ms : 1);
        }
    }
    if (redis != NULL) {
        fgd_redis_free(redis);
    }
    return NULL;
}

int
fgd_async_start(const fgd_conf_t *conf)
{
    char      host[64];
    unsigned  i;

    fgd_async.conf = conf;
    if (conf->async.workers == 0) {
        fgd_log("info", NULL, "async: no workers (async_workers = 0): "
            "events are accepted, other hosts run them");
        return 0;
    }
    fgd_async.workers = calloc(conf->async.workers,
        sizeof(*fgd_async.workers));
    if (fgd_async.workers == NULL) {
        return -1;
    }
    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "host");
    }
    host[sizeof(host) - 1] = '\0';

    if (pthread_create(&fgd_async.scheduler, NULL, fgd_async_scheduler,
            NULL) != 0)
    {
        fgd_log("error", NULL, "async: pthread_create: %s",
            strerror(errno));
        return -1;
    }
    fgd_async.scheduling = true;
    for (i = 0; i < conf->async.workers; i++) {
        fgd_worker_t *w = &fgd_async.workers[i];

        w->n = i;
        snprintf(w->consumer, sizeof(w->consumer), "%s:%ld:%u", host,
            (long) getpid(), i);
        if (pthread_create(&w->thread, NULL, fgd_async_worker, w) != 0) {
            fgd_log("error", NULL, "async: pthread_create: %s",
                strerror(errno));
            break;
        }
        fgd_async.nworkers++;
    }
    fgd_log("info", NULL, "async: %u workers, gateway %s, %u per account, "
        "retries after %u s, leases of %u s, sweep every %u s",
        fgd_async.nworkers, conf->async.gateway, conf->async.per_account,
        conf->async.retry_base_s, conf->async.visibility_s,
        conf->async.sweep_s);
    return fgd_async.nworkers > 0 ? 0 : -1;
}

void
fgd_async_stop(void)
{
    unsigned  i;

    pthread_mutex_lock(&fgd_async.lock);
    fgd_async.stopping = true;
    pthread_cond_broadcast(&fgd_async.cond);
    pthread_mutex_unlock(&fgd_async.lock);
    /* the attempts in flight finish; the scheduler renews their leases
     * meanwhile */
    for (i = 0; i < fgd_async.nworkers; i++) {
        pthread_join(fgd_async.workers[i].thread, NULL);
    }
    pthread_mutex_lock(&fgd_async.lock);
    fgd_async.done = true;
    pthread_mutex_unlock(&fgd_async.lock);
    if (fgd_async.scheduling) {
        pthread_join(fgd_async.scheduler, NULL);
        fgd_async.scheduling = false;
    }
    for (i = 0; i < fgd_async.naccts; i++) {
        free(fgd_async.accts[i]);
    }
    free(fgd_async.accts);
    free(fgd_async.workers);
    fgd_async.accts = NULL;
    fgd_async.workers = NULL;
    fgd_async.naccts = fgd_async.cap = 0;
    fgd_async.nworkers = 0;
}
