/*
 * fngated_queues_move: SQS's message move tasks (the redrive of a
 * dead-letter queue): StartMessageMoveTask, ListMessageMoveTasks and
 * CancelMessageMoveTask (docs/queues.md, "Redrive").
 *
 * A task's record lives in its source queue's move hash (fg_key_queue's
 * FG_QKEY_MOVES, newest 10 kept); the task runs in a thread of the
 * fngated that started it, on its own Redis connection.  Each step is
 * one script (fngated/lua/queue_move.lua) that adds up to a batch of
 * messages to their destination and deletes them from the source at
 * once, and first checks that the record still says RUNNING: a message
 * is never lost nor left in both queues, and a cancel (which only
 * rewrites the record) stops the task at its next step.  Steps are
 * spaced so that no more than MaxNumberOfMessagesPerSecond (or 500 when
 * not given) move per second.
 *
 * A task survives nothing: when its fngated ends, the record stays
 * RUNNING with its step time ("beat") getting old; past FGQ_MOVE_STALE_MS
 * it is listed as FAILED (and written so by the next start), and a new
 * StartMessageMoveTask moves what is left.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "fg_keys.h"
#include "fngated_json.h"
#include "fngated_log.h"
#include "fngated_queues_priv.h"
#include "fngated_queues_wire.h"
#include "fngated_redis.h"

#define FGQ_MOVE_DESTS      10       /* source queues a task may return to */
#define FGQ_MOVE_RATE_MAX   500      /* SQS's MaxNumberOfMessagesPerSecond */
#define FGQ_MOVE_BATCH      100      /* messages per step at most */
#define FGQ_MOVE_STALE_MS   10000    /* a RUNNING task not stepped since:
                                        its fngated ended */
#define FGQ_MOVE_RETRIES    30       /* failed steps (1 s apart) before the
                                        thread gives up */

static const char  fgq_move_stale_reason[] = "The task stopped: the fngated "
    "that ran it ended. Start a new task to move the messages left.";

typedef struct {
    const fgd_conf_t  *conf;
    char               owner[FG_ACCOUNT_LEN + 1];
    char               source[FG_QUEUE_NAME_MAX + 1];
    char               task[37];
    char               dest[FGQ_MOVE_DESTS][FG_QUEUE_NAME_MAX + 1];
    unsigned           ndest;
    unsigned           rate;         /* messages per second */
} fgq_move_t;

static void
fgq_sleep_ms(long long ms)
{
    struct timespec  ts;

    if (ms <= 0) {
        return;
    }
    ts.tv_sec = (time_t) (ms / 1000);
    ts.tv_nsec = (long) (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
        /* interrupted: sleep the rest */
    }
}

/* ------------------------------------------------------------------ */
/* The task's thread                                                     */

/* One step: the script's status (1 running, 2 completed, 3 failed, 0 not
 * running) and *moved, or -1 when Redis failed. */
static int
fgq_move_step(fgq_ctx_t *c, const fgq_move_t *m, unsigned batch,
    long long *moved)
{
    fgq_queue_t   src, *dst;
    fgq_args_t    a;
    redisReply   *rep;
    unsigned      d;
    int           status = -1;

    memset(&src, 0, sizeof(src));
    memset(&a, 0, sizeof(a));
    dst = calloc(m->ndest, sizeof(*dst));
    if (dst == NULL || fgq_queue_keys(&src, m->owner, m->source) != 0) {
        free(dst);
        return -1;
    }
    fgq_arg_s(&a, src.key[FG_QKEY_MOVES]);
    fgq_arg_s(&a, src.key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, src.key[FG_QKEY_MSGS]);
    fgq_arg_s(&a, src.key[FG_QKEY_VISIBLE]);
    fgq_arg_s(&a, src.key[FG_QKEY_INFLIGHT]);
    fgq_arg_s(&a, src.key[FG_QKEY_RECEIVES]);
    for (d = 0; d < m->ndest; d++) {
        if (fgq_queue_keys(&dst[d], m->owner, m->dest[d]) != 0) {
            fgq_args_free(&a);
            free(dst);
            return -1;
        }
        fgq_arg_s(&a, dst[d].key[FG_QKEY_ATTRS]);
        fgq_arg_s(&a, dst[d].key[FG_QKEY_MSGS]);
        fgq_arg_s(&a, dst[d].key[FG_QKEY_VISIBLE]);
    }
    fgq_arg_s(&a, m->task);
    fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    fgq_arg_fmt(&a, "%u", batch);
    for (d = 0; d < m->ndest; d++) {
        fgq_arg_s(&a, m->dest[d]);
    }
    rep = fgq_script(c, FGD_SCRIPT_QUEUE_MOVE, 6 + 3 * (int) m->ndest, &a);
    fgq_args_free(&a);
    free(dst);
    if (rep == NULL) {
        return -1;
    }
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2
        && rep->element[0]->type == REDIS_REPLY_INTEGER
        && rep->element[1]->type == REDIS_REPLY_INTEGER)
    {
        status = (int) rep->element[0]->integer;
        *moved = rep->element[1]->integer;
    }
    freeReplyObject(rep);
    return status;
}

static void *
fgq_move_thread(void *arg)
{
    fgq_move_t    *m = arg;
    fgd_redis_t   *redis = NULL;
    fgd_req_t      q;
    fgq_ctx_t      c;
    unsigned       batch, failures = 0;
    long long      moved = 0, t0;
    int            status;

    memset(&q, 0, sizeof(q));
    memset(&c, 0, sizeof(c));
    q.conf = m->conf;
    q.redis = &redis;
    q.request_id = "queue-move";
    q.caller = m->owner;
    q.region = m->conf->region;
    q.uri = "";
    c.q = &q;
    c.caller = m->owner;
    c.region = m->conf->region;
    c.host = "";
    batch = m->rate < FGQ_MOVE_BATCH ? m->rate : FGQ_MOVE_BATCH;

    fgd_log("info", "queue-move", "task %s: moving from %s/%s (%u dest., "
        "%u/s)", m->task, m->owner, m->source, m->ndest, m->rate);
    for ( ;; ) {
        t0 = fgq_now_ms();
        c.code = NULL;
        status = fgq_move_step(&c, m, batch, &moved);
        if (status < 0) {
            if (++failures >= FGQ_MOVE_RETRIES) {
                fgd_log("error", "queue-move", "task %s: %u steps failed "
                    "(%s); the task stops (listed FAILED)", m->task,
                    failures, c.msg);
                break;
            }
            fgq_sleep_ms(1000);
            continue;
        }
        failures = 0;
        if (status != 1) {
            fgd_log("info", "queue-move", "task %s: %s after %lld "
                "messages", m->task, status == 2 ? "completed"
                : status == 3 ? "failed" : "stopped", moved);
            break;
        }
        /* hold the rate: batch messages per batch / rate seconds */
        fgq_sleep_ms(t0 + (long long) batch * 1000 / m->rate
                     - fgq_now_ms());
    }
    if (redis != NULL) {
        fgd_redis_free(redis);
    }
    free(m);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The calls                                                             */

/* The caller's queue of an ARN parameter: 0, or -1 with c's error
 * (ResourceNotFoundException for no such queue). */
static int
fgq_move_queue(fgq_ctx_t *c, const char *param, const char *arn,
    size_t len, const char *action, fgq_queue_t *qu)
{
    char  region[FG_REGION_MAX + 1], owner[FG_ACCOUNT_LEN + 1];
    char  name[FG_QUEUE_NAME_MAX + 1], buf[FGQ_ARN_MAX];

    if (len >= sizeof(buf) || !fgd_copy(buf, sizeof(buf), arn, len)
        || fgq_arn_parse(buf, region, owner, name) != 0)
    {
        return fgq_fail(c, &fgq_e_param_value, "Value %.100s for parameter "
            "%s is invalid. Reason: not a queue ARN.", buf, param);
    }
    if (fgq_queue_load(c, qu, owner, name, action, true) != 0) {
        if (c->code == &fgq_e_no_queue) {
            return fgq_fail(c, &fgq_e_resource_not_found, "The resource "
                "that you specified for the %s parameter doesn't exist.",
                param);
        }
        return -1;
    }
    return 0;
}

/* The owner's queues whose RedrivePolicy names dlq: *n names. */
typedef struct {
    char      (*names)[FG_QUEUE_NAME_MAX + 1];
    unsigned   *n;
} fgq_move_dests_t;

static int
fgq_move_source(fgq_ctx_t *c, const fgq_queue_t *dlq, const char *name,
    void *arg)
{
    fgq_move_dests_t  *d = arg;

    (void) dlq;
    if (*d->n == FGQ_MOVE_DESTS) {
        return fgq_fail(c, &fgq_e_param_value, "More than %d queues use "
            "this dead-letter queue; give a DestinationArn.",
            FGQ_MOVE_DESTS);
    }
    snprintf(d->names[(*d->n)++], FG_QUEUE_NAME_MAX + 1, "%s", name);
    return 0;
}

static int
fgq_move_sources(fgq_ctx_t *c, const fgq_queue_t *dlq,
    char names[FGQ_MOVE_DESTS][FG_QUEUE_NAME_MAX + 1], unsigned *n)
{
    fgq_move_dests_t  d = { names, n };

    *n = 0;
    return fgq_redrive_sources(c, dlq, fgq_move_source, &d);
}

/* Writes a task that could not start as FAILED. */
static void
fgq_move_abandon(fgq_ctx_t *c, const fgq_queue_t *src, const char *task,
    const char *reason)
{
    fgq_args_t   a;
    redisReply  *rep;

    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, src->key[FG_QKEY_MOVES]);
    fgq_arg_s(&a, task);
    fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    fgq_arg_s(&a, "FAILED");
    fgq_arg_s(&a, reason);
    rep = fgq_script(c, FGD_SCRIPT_QUEUE_MOVE_CANCEL, 1, &a);
    fgq_args_free(&a);
    if (rep != NULL) {
        freeReplyObject(rep);
    }
}

int
fgq_h_move_start(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o)
{
    fgq_queue_t      src, dst;
    fgq_move_t      *m = NULL;
    fgq_args_t       a;
    redisReply      *rep = NULL;
    pthread_t        tid;
    pthread_attr_t   attr;
    const char      *s, *d;
    size_t           slen, dlen;
    long             rate;
    bool             given;
    char             src_arn[FGQ_ARN_MAX], dst_arn[FGQ_ARN_MAX];
    char             handle[FGQ_TASK_HANDLE_MAX], record[1024];
    char             rate_s[48] = "";
    long long        st;
    int              rc = -1;

    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    memset(&a, 0, sizeof(a));
    s = fgq_get(&c->p, "SourceArn", &slen);
    if (s == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter SourceArn.");
    }
    given = fgq_get(&c->p, "MaxNumberOfMessagesPerSecond", NULL) != NULL;
    if (fgq_uint_param(c, "MaxNumberOfMessagesPerSecond", FGQ_MOVE_RATE_MAX,
            1, FGQ_MOVE_RATE_MAX, "Must be between 1 and 500.", &rate) != 0
        || fgq_move_queue(c, "SourceArn", s, slen, "StartMessageMoveTask",
            &src) != 0)
    {
        goto cleanup;
    }
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        fgq_fail(c, &fgq_e_internal, "out of memory");
        goto cleanup;
    }
    m->conf = c->q->conf;
    m->rate = (unsigned) rate;
    snprintf(m->owner, sizeof(m->owner), "%s", src.owner);
    snprintf(m->source, sizeof(m->source), "%s", src.name);
    fgq_queue_arn(c, src.owner, src.name, src_arn, sizeof(src_arn));

    d = fgq_get(&c->p, "DestinationArn", &dlen);
    if (d != NULL && dlen > 0) {
        if (fgq_move_queue(c, "DestinationArn", d, dlen,
                "StartMessageMoveTask", &dst) != 0)
        {
            goto cleanup;
        }
        /* a task moves messages within one account: its queues share
         * the account's slot, so each step is one script (another
         * account's queue is refused by fgq_move_queue already, as no
         * policy grants StartMessageMoveTask; this keeps it so) */
        if (strcmp(dst.owner, src.owner) != 0) {
            fgq_fail(c, &fgq_e_param_value, "Source queue and destination "
                "queue must be in the same account.");
            goto cleanup;
        }
        if (strcmp(dst.name, src.name) == 0) {
            fgq_fail(c, &fgq_e_param_value, "Source queue and destination "
                "queue must be different.");
            goto cleanup;
        }
        if (dst.fifo != src.fifo) {
            fgq_fail(c, &fgq_e_param_value, "Source queue and destination "
                "queue must be of the same type (both standard or both "
                "FIFO).");
            goto cleanup;
        }
        snprintf(m->dest[0], sizeof(m->dest[0]), "%s", dst.name);
        m->ndest = 1;
        fgq_queue_arn(c, dst.owner, dst.name, dst_arn, sizeof(dst_arn));
    } else {
        if (fgq_move_sources(c, &src, m->dest, &m->ndest) != 0) {
            goto cleanup;
        }
        if (m->ndest == 0) {
            fgq_fail(c, &fgq_e_param_value, "Source queue must be "
                "configured as a Dead Letter Queue.");
            goto cleanup;
        }
        dst_arn[0] = '\0';
    }

    fgq_new_uuid(m->task);
    fgq_task_handle_make(handle, src.owner, src.name, m->task);
    /* ARNs, names and the handle need no JSON escapes */
    if (given) {
        snprintf(rate_s, sizeof(rate_s), ",\"MaxNumberOfMessagesPerSecond\""
            ":%ld", rate);
    }
    snprintf(record, sizeof(record), "{\"TaskHandle\":\"%s\","
        "\"SourceArn\":\"%s\"%s%s%s%s}", handle, src_arn,
        dst_arn[0] ? ",\"DestinationArn\":\"" : "", dst_arn,
        dst_arn[0] ? "\"" : "", rate_s);
    fgq_arg_s(&a, src.key[FG_QKEY_MOVES]);
    fgq_arg_s(&a, src.key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, src.key[FG_QKEY_MSGS]);
    fgq_arg_s(&a, m->task);
    fgq_arg_s(&a, record);
    fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    fgq_arg_fmt(&a, "%d", FGQ_MOVE_STALE_MS);
    fgq_arg_s(&a, fgq_move_stale_reason);
    rep = fgq_script_status(c, FGD_SCRIPT_QUEUE_MOVE_START, 3, &a, &st);
    if (rep == NULL) {
        goto cleanup;
    }
    if (st == 0) {
        fgq_fail(c, &fgq_e_resource_not_found, "The resource that you "
            "specified for the SourceArn parameter doesn't exist.");
        goto cleanup;
    }
    if (st < 0) {
        fgq_fail(c, &fgq_e_unsupported, "There is already a task running. "
            "Only one active task is allowed for a source queue arn at a "
            "given time.");
        goto cleanup;
    }

    if (pthread_attr_init(&attr) != 0) {
        fgq_move_abandon(c, &src, m->task, "fngated could not start the "
            "task's thread.");
        fgq_fail(c, &fgq_e_internal, "could not start the task");
        goto cleanup;
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, fgq_move_thread, m) != 0) {
        pthread_attr_destroy(&attr);
        fgq_move_abandon(c, &src, m->task, "fngated could not start the "
            "task's thread.");
        fgq_fail(c, &fgq_e_internal, "could not start the task");
        goto cleanup;
    }
    pthread_attr_destroy(&attr);
    fgd_log("info", c->q->request_id, "queue %s/%s: move task %s started "
        "(%lld messages)", src.owner, src.name, m->task,
        rep->elements > 1 ? rep->element[1]->integer : 0);
    m = NULL;                       /* the thread's */
    fgq_out_cstr(o, "TaskHandle", handle);
    rc = 0;

cleanup:
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    fgq_args_free(&a);
    free(m);
    fgq_queue_free(&src);
    fgq_queue_free(&dst);
    return rc;
}

typedef struct {
    yajl_val    doc;
    long long   started;
} fgq_move_rec_t;

static int
fgq_move_rec_cmp(const void *x, const void *y)
{
    const fgq_move_rec_t  *a = x, *b = y;

    return a->started < b->started ? 1 : a->started > b->started ? -1 : 0;
}

static long long
fgq_rec_int(yajl_val doc, const char *key)
{
    yajl_val  v = fgd_obj_get(doc, key);

    return v != NULL && YAJL_IS_NUMBER(v) ? (long long) YAJL_GET_DOUBLE(v)
                                          : -1;
}

static const char *
fgq_rec_str(yajl_val doc, const char *key)
{
    yajl_val  v = fgd_obj_get(doc, key);

    return v != NULL && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

int
fgq_h_move_list(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o)
{
    fgq_queue_t      src;
    fgq_args_t       a;
    fgq_move_rec_t  *recs = NULL;
    redisReply      *rep = NULL;
    const char      *s, *st, *v;
    size_t           slen, i, n = 0;
    long             max;
    long long        now = fgq_now_ms(), x;
    bool             stale;
    int              rc = -1;
    static const char *const  strs[] = { "SourceArn", "DestinationArn" };

    memset(&src, 0, sizeof(src));
    memset(&a, 0, sizeof(a));
    s = fgq_get(&c->p, "SourceArn", &slen);
    if (s == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter SourceArn.");
    }
    if (fgq_uint_param(c, "MaxResults", 1, 1, 10, "Must be between 1 and "
            "10.", &max) != 0
        || fgq_move_queue(c, "SourceArn", s, slen, "ListMessageMoveTasks",
            &src) != 0)
    {
        goto cleanup;
    }
    fgq_arg_s(&a, "HVALS");
    fgq_arg_s(&a, src.key[FG_QKEY_MOVES]);
    rep = fgq_cmd(c, true, &a);
    if (rep == NULL) {
        goto cleanup;
    }
    recs = calloc(rep->elements + 1, sizeof(*recs));
    if (recs == NULL) {
        fgq_fail(c, &fgq_e_internal, "out of memory");
        goto cleanup;
    }
    for (i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        recs[n].doc = yajl_tree_parse(rep->element[i]->str, NULL, 0);
        if (recs[n].doc == NULL || !YAJL_IS_OBJECT(recs[n].doc)) {
            yajl_tree_free(recs[n].doc);
            recs[n].doc = NULL;
            continue;
        }
        recs[n].started = fgq_rec_int(recs[n].doc, "StartedTimestamp");
        n++;
    }
    qsort(recs, n, sizeof(*recs), fgq_move_rec_cmp);

    fgq_out_list_begin(o, "Results");
    for (i = 0; i < n && i < (size_t) max; i++) {
        yajl_val  doc = recs[i].doc;
        unsigned  k;

        st = fgq_rec_str(doc, "Status");
        stale = st != NULL && strcmp(st, "RUNNING") == 0
                && now - fgq_rec_int(doc, "beat") >= FGQ_MOVE_STALE_MS;
        fgq_out_item_begin(o, "ListMessageMoveTasksResultEntry");
        if (st != NULL && strcmp(st, "RUNNING") == 0 && !stale) {
            fgq_out_cstr(o, "TaskHandle", fgq_rec_str(doc, "TaskHandle"));
        }
        fgq_out_cstr(o, "Status", stale ? "FAILED" : st ? st : "FAILED");
        for (k = 0; k < sizeof(strs) / sizeof(strs[0]); k++) {
            v = fgq_rec_str(doc, strs[k]);
            if (v != NULL) {
                fgq_out_cstr(o, strs[k], v);
            }
        }
        x = fgq_rec_int(doc, "MaxNumberOfMessagesPerSecond");
        if (x >= 0) {
            fgq_out_num(o, "MaxNumberOfMessagesPerSecond", x);
        }
        fgq_out_num(o, "ApproximateNumberOfMessagesMoved",
            fgq_rec_int(doc, "Moved"));
        fgq_out_num(o, "ApproximateNumberOfMessagesToMove",
            fgq_rec_int(doc, "ToMove"));
        v = stale ? fgq_move_stale_reason : fgq_rec_str(doc, "FailureReason");
        if (v != NULL) {
            fgq_out_cstr(o, "FailureReason", v);
        }
        fgq_out_num(o, "StartedTimestamp", recs[i].started);
        fgq_out_item_end(o, "ListMessageMoveTasksResultEntry");
    }
    fgq_out_list_end(o);
    rc = 0;

cleanup:
    for (i = 0; i < n; i++) {
        yajl_tree_free(recs[i].doc);
    }
    free(recs);
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    fgq_args_free(&a);
    fgq_queue_free(&src);
    return rc;
}

int
fgq_h_move_cancel(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o)
{
    fgq_queue_t   src;
    fgq_args_t    a;
    redisReply   *rep = NULL;
    const char   *h;
    size_t        hlen;
    char          owner[FG_ACCOUNT_LEN + 1], name[FG_QUEUE_NAME_MAX + 1];
    char          task[37];
    long long     st;
    int           rc = -1;

    memset(&src, 0, sizeof(src));
    memset(&a, 0, sizeof(a));
    h = fgq_get(&c->p, "TaskHandle", &hlen);
    if (h == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter TaskHandle.");
    }
    if (fgq_task_handle_parse(h, hlen, owner, name, task) != 0) {
        return fgq_fail(c, &fgq_e_resource_not_found, "The specified task "
            "handle is not valid.");
    }
    if (fgq_queue_load(c, &src, owner, name, "CancelMessageMoveTask", true)
        != 0)
    {
        if (c->code == &fgq_e_no_queue) {
            fgq_fail(c, &fgq_e_resource_not_found, "The task's source "
                "queue does not exist.");
        }
        goto cleanup;
    }
    fgq_arg_s(&a, src.key[FG_QKEY_MOVES]);
    fgq_arg_s(&a, task);
    fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    fgq_arg_s(&a, "CANCELLED");
    fgq_arg_s(&a, "");
    rep = fgq_script_status(c, FGD_SCRIPT_QUEUE_MOVE_CANCEL, 1, &a, &st);
    if (rep == NULL) {
        goto cleanup;
    }
    if (st == 0) {
        fgq_fail(c, &fgq_e_resource_not_found, "The specified task does "
            "not exist.");
        goto cleanup;
    }
    if (st < 0) {
        fgq_fail(c, &fgq_e_unsupported, "Only a RUNNING task can be "
            "cancelled; this one is %.16s.", rep->elements > 1
            && rep->element[1]->type == REDIS_REPLY_STRING
            ? rep->element[1]->str : "done");
        goto cleanup;
    }
    fgd_log("info", c->q->request_id, "queue %s/%s: move task %s "
        "cancelled", owner, name, task);
    fgq_out_num(o, "ApproximateNumberOfMessagesMoved",
        rep->elements > 1 ? rep->element[1]->integer : 0);
    rc = 0;

cleanup:
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    fgq_args_free(&a);
    fgq_queue_free(&src);
    return rc;
}
