/*
 * fngated_esm_poll: the pollers of event source mappings (fngated_esm.h,
 * docs/event-sources.md).
 *
 * The manager thread reads the registry every esm_refresh ms: every
 * account of fg:esm:accounts, its mappings (fg:esms:{A}, fg:esm:{A}:UUID).
 * An enabled mapping gets a poller thread; a disabled or deleted one
 * loses its pollers once they see it (at their next receive, within a
 * long-poll slice).  At most esm_pollers threads poll on this fngated, at
 * most esm_per_account of one account's mappings.
 *
 * A poller: receives up to BatchSize messages from the queue, as the
 * mapping's owner, with the C API of fngated_queues.h, long-polling
 * (XREAD BLOCK on the queue's stream, woken by the next SendMessage) for
 * FGD_ESM_SLICE_MS at a time; with MaximumBatchingWindowInSeconds it
 * keeps receiving until the batch is full, the window since its first
 * message has passed, or the event would pass Invoke's 6 MB.  It makes
 * Lambda's SQS event (fgd_esm_event) and invokes the function through the
 * gateway, signed as the mapping's owner (fgd_gateway_invoke), so the
 * call is authenticated, permission-checked, run and billed as any
 * Invoke.  Then: success, every message deleted (with ReportBatchItem-
 * Failures all but those the answer names, fgd_esm_failures); a function
 * error, a throttle, a 5xx or no answer, none: they become visible again
 * after the queue's VisibilityTimeout, and the queue's RedrivePolicy
 * moves a message past maxReceiveCount to its dead-letter queue.  A FIFO
 * queue gives a group's messages to one receive at a time (the queue
 * service withholds a group while one of its messages is in flight), so
 * a group is processed in order, one batch at a time.
 *
 * Rate matching: a mapping starts with one poller.  A poller whose batch
 * came back full asks for one more (the manager starts it, up to the
 * mapping's ScalingConfig.MaximumConcurrency, else esm_concurrency, and
 * the account's esm_per_account); a poller whose long poll found nothing
 * for a whole slice leaves when its mapping has others.  Both are logged
 * ("pollers N -> M").  A poller whose calls fail waits (FGD_ESM_BACKOFF_MS,
 * doubling to FGD_ESM_BACKOFF_MAX_MS) before it receives again, and writes
 * the mapping's LastProcessingResult when it changes.
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
#include "fngated_async_json.h"
#include "fngated_esm.h"
#include "fngated_gateway.h"
#include "fngated_limits.h"
#include "fngated_log.h"
#include "fngated_queues.h"
#include "fngated_redis.h"
#include "fngated_util.h"

#define FGD_ESM_SLICE_MS        1000    /* a long poll, between looks at
                                           the stop flag and the mapping */
#define FGD_ESM_BACKOFF_MS      500
#define FGD_ESM_BACKOFF_MAX_MS  10000
#define FGD_ESM_EVENT_MAX       (FGD_MAX_PAYLOAD - 64 * 1024)
#define FGD_ESM_RECORD_EXTRA    1024    /* a record's JSON beside its body */
#define FGD_ESM_RECEIVE_MAX     10      /* one ReceiveMessage */

/* A mapping the pollers serve. */
typedef struct {
    char       account[FG_ACCOUNT_LEN + 1];
    fgd_esm_t  m;               /* as last read */
    bool       live;            /* in the last registry read, enabled */
    unsigned   pollers;         /* running */
    unsigned   want;            /* wanted */
} fgd_esm_run_t;

typedef struct {
    pthread_t       thread;
    bool            used;       /* a thread was started in the slot */
    bool            finished;   /* it returned: join it */
    fgd_esm_run_t  *run;
    unsigned        n;
} fgd_esm_poller_t;

static struct {
    const fgd_conf_t  *conf;
    pthread_mutex_t    lock;
    pthread_cond_t     cond;
    bool               stopping;
    fgd_esm_run_t    **runs;
    size_t             nruns, cap;
    fgd_esm_poller_t  *pollers;
    unsigned           npollers;
    pthread_t          manager;
    bool               managing;
} fgd_esm = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER
};


static void
fgd_esm_req(fgd_req_t *q, fgd_redis_t **redis, const char *rid)
{
    memset(q, 0, sizeof(*q));
    q->conf = fgd_esm.conf;
    q->redis = redis;
    q->request_id = rid;
    q->region = fgd_esm.conf->region;
    q->action = "EventSourcePoller";
}

/* The most pollers run may have now (fgd_esm.lock held). */
static unsigned
fgd_esm_limit(const fgd_esm_run_t *run)
{
    unsigned  limit, others = 0;
    size_t    i;

    limit = run->m.max_concurrency ? run->m.max_concurrency
                                   : fgd_esm.conf->esm.concurrency;
    for (i = 0; i < fgd_esm.nruns; i++) {
        if (fgd_esm.runs[i] != run
            && strcmp(fgd_esm.runs[i]->account, run->account) == 0)
        {
            others += fgd_esm.runs[i]->pollers;
        }
    }
    if (others >= fgd_esm.conf->esm.per_account) {
        return run->pollers < 1 ? 1 : run->pollers;
    }
    if (limit > fgd_esm.conf->esm.per_account - others) {
        limit = fgd_esm.conf->esm.per_account - others;
    }
    return limit < 1 ? 1 : limit;
}

/* Sleeps ms unless stopping; false once stopping. */
static bool
fgd_esm_pause(unsigned ms)
{
    struct timespec  ts;
    bool             stopping;

    fg_abstime(&ts, ms);
    pthread_mutex_lock(&fgd_esm.lock);
    while (!fgd_esm.stopping
           && pthread_cond_timedwait(&fgd_esm.cond, &fgd_esm.lock, &ts)
              != ETIMEDOUT)
    {
    }
    stopping = fgd_esm.stopping;
    pthread_mutex_unlock(&fgd_esm.lock);
    return !stopping;
}


/* ------------------------------------------------------------------ */
/* A poller                                                              */

/* The Invoke path of the mapping's function ARN ("" none). */
static void
fgd_esm_uri(const char *arn, char *uri, size_t size)
{
    char    *p = uri;
    size_t   i;

    p += snprintf(uri, size, "/2015-03-31/functions/");
    for (i = 0; arn[i] != '\0' && (size_t) (p - uri) + 16 < size; i++) {
        p += arn[i] == ':' || arn[i] == '$'
             ? sprintf(p, "%%%02X", (unsigned char) arn[i])
             : sprintf(p, "%c", arn[i]);
    }
    snprintf(p, size - (size_t) (p - uri), "/invocations");
}

/* A mapping's LastProcessingResult, written when it changes. */
static void
fgd_esm_note(fgd_esm_run_t *run, fgd_req_t *q, const char *result)
{
    char  uuid[37], account[FG_ACCOUNT_LEN + 1];
    bool  changed;

    pthread_mutex_lock(&fgd_esm.lock);
    changed = strcmp(run->m.result, result) != 0;
    if (changed) {
        snprintf(run->m.result, sizeof(run->m.result), "%s", result);
    }
    memcpy(uuid, run->m.uuid, sizeof(uuid));
    memcpy(account, run->account, sizeof(account));
    pthread_mutex_unlock(&fgd_esm.lock);
    if (changed) {
        fgd_log(strncmp(result, "OK", 2) == 0 ? "info" : "warn", NULL,
            "event source mapping %s: %s", uuid, result);
        fgd_esm_result(q, account, uuid, result);
    }
}

/*
 * One batch: up to m->batch_size messages.  0 with *msgs / *n (0: none
 * within the slice), or -1 (the queue refused: err).
 */
static int
fgd_esm_batch(fgd_redis_t **redis, const char *account, const fgd_esm_t *m,
    fgd_queue_msg_t **msgs, size_t *n, char *err, size_t errlen)
{
    fgd_queue_msg_t  *got = NULL, *all = NULL, *na;
    fgd_queue_rc_t    rc;
    size_t            k, bytes = 0, i, j;
    uint64_t          first = 0, now, wait;
    unsigned          max;

    *msgs = NULL;
    *n = 0;
    for ( ;; ) {
        max = m->batch_size - (unsigned) *n;
        if (max > FGD_ESM_RECEIVE_MAX) {
            max = FGD_ESM_RECEIVE_MAX;
        }
        now = fg_epoch_ms();
        if (*n == 0) {
            wait = FGD_ESM_SLICE_MS;
        } else if (now >= first + m->window_s * 1000ull) {
            break;
        } else {
            wait = first + m->window_s * 1000ull - now;
            if (wait > FGD_ESM_SLICE_MS) {
                wait = FGD_ESM_SLICE_MS;
            }
        }
        rc = fgd_queue_receive_wait(fgd_esm.conf, redis, account,
            m->source_arn, max, -1, (unsigned) wait, &got, &k, err, errlen);
        if (rc != FGD_QUEUE_OK) {
            if (*n > 0) {
                break;          /* what it has is a batch */
            }
            return -1;
        }
        if (k == 0) {
            free(got);
            got = NULL;
            if (*n == 0 || m->window_s == 0) {
                break;
            }
            continue;
        }
        if (*n == 0) {
            first = fg_epoch_ms();
        }
        na = realloc(all, (*n + k) * sizeof(*all));
        if (na == NULL) {
            fgd_queue_msgs_free(got, k);
            break;
        }
        all = na;
        for (j = 0; j < k; j++) {
            /* a message that came back within the window (its visibility
             * timeout is shorter): one record, with its newest handle */
            for (i = 0; i < *n; i++) {
                if (strcmp(all[i].message_id, got[j].message_id) == 0) {
                    break;
                }
            }
            if (i < *n) {
                free(all[i].receipt_handle);
                free(all[i].body);
                free(all[i].attributes);
                all[i] = got[j];
                continue;
            }
            all[*n] = got[j];
            bytes += got[j].body_len + FGD_ESM_RECORD_EXTRA;
            (*n)++;
        }
        free(got);
        got = NULL;
        *msgs = all;
        if (*n >= m->batch_size || m->window_s == 0
            || bytes + FGD_ESM_RECEIVE_MAX * (256 * 1024
                                              + FGD_ESM_RECORD_EXTRA)
               > FGD_ESM_EVENT_MAX)
        {
            break;
        }
    }
    *msgs = all;
    return 0;
}

/* One batch run and settled; its outcome's LastProcessingResult into
 * result.  Returns true when the call succeeded (as a call). */
static bool
fgd_esm_run_batch(fgd_req_t *q, const char *account, const fgd_esm_t *m,
    fgd_queue_msg_t *msgs, size_t n, char *result, size_t rsize)
{
    fgd_http_answer_t  a;
    char              *event, *buf = NULL, err[256];
    char               uri[3 * FG_TARGET_ARN_MAX + 64];
    char               ids[FGD_ESM_RECEIVE_MAX * 180];
    size_t             len, blen, i, nfailed = 0, deleted = 0;
    bool              *failed, ok;

    failed = calloc(n, sizeof(*failed));
    event = fgd_esm_event(msgs, n, m->source_arn, fgd_esm.conf->region,
        &len);
    if (failed == NULL || event == NULL) {
        free(failed);
        free(event);
        snprintf(result, rsize, "PROBLEM: out of memory");
        return false;
    }
    fgd_esm_uri(m->function_arn, uri, sizeof(uri));
    if (fgd_gateway_invoke(q, account, NULL, uri, NULL, event, len, &buf, &blen,
            err, sizeof(err)) != 0)
    {
        fgd_log("warn", q->request_id, "event source mapping %s: the batch "
            "of %zu got no answer: %s", m->uuid, n, err);
        fgd_http_answer_parse(NULL, 0, &a);
    } else if (fgd_http_answer_parse(buf, blen, &a) != 0) {
        fgd_log("warn", q->request_id, "event source mapping %s: the "
            "gateway's answer is not HTTP", m->uuid);
    }
    free(event);

    ok = a.status == 200 && a.function_error[0] == '\0';
    if (ok) {
        nfailed = m->report_failures
                  ? fgd_esm_failures(a.body, a.body_len, msgs, n,
                        msgs[0].sequence[0] != '\0', failed)
                  : 0;
        for (i = 0; i < n; i++) {
            if (failed[i]) {
                continue;
            }
            if (fgd_queue_delete(fgd_esm.conf, q->redis, account,
                    m->source_arn, msgs[i].receipt_handle, err,
                    sizeof(err)) == FGD_QUEUE_OK)
            {
                deleted++;
            } else {
                fgd_log("warn", q->request_id, "event source mapping %s: "
                    "message %s not deleted: %s", m->uuid,
                    msgs[i].message_id, err);
            }
        }
        ids[0] = '\0';
        for (i = 0, len = 0; n <= FGD_ESM_RECEIVE_MAX && i < n; i++) {
            len += (size_t) snprintf(ids + len, sizeof(ids) - len, " %s%s%s%s",
                msgs[i].message_id, msgs[i].group_id[0] ? "[" : "",
                msgs[i].group_id, msgs[i].group_id[0] ? "]" : "");
        }
        fgd_log("info", q->request_id, "event source mapping %s: batch of "
            "%zu ran; %zu deleted, %zu reported failed%s%s", m->uuid, n,
            deleted, nfailed, ids[0] ? ";" : "", ids);
        snprintf(result, rsize, "OK");
    } else {
        fgd_log("warn", q->request_id, "event source mapping %s: batch of "
            "%zu failed (%u %s); its messages return after the queue's "
            "visibility timeout", m->uuid, n, a.status,
            a.function_error[0] ? a.function_error
            : a.error_type[0] ? a.error_type : "no answer");
        if (a.status == 200) {
            snprintf(result, rsize, "PROBLEM: Function call failed");
        } else if (a.status == 404) {
            snprintf(result, rsize, "PROBLEM: Function not found");
        } else if (a.status == 403) {
            snprintf(result, rsize, "PROBLEM: Function call refused: %s",
                a.error_type);
        } else if (a.status == 429) {
            snprintf(result, rsize, "PROBLEM: Function call throttled");
        } else {
            snprintf(result, rsize, "PROBLEM: Function call failed: %u %s",
                a.status, a.error_type);
        }
    }
    free(buf);
    free(failed);
    return a.status == 200;
}

static void *
fgd_esm_poller(void *arg)
{
    fgd_esm_poller_t  *p = arg;
    fgd_esm_run_t     *run = p->run;
    fgd_redis_t       *redis = NULL;
    fgd_queue_msg_t   *msgs;
    fgd_esm_t          m;
    fgd_req_t          q;
    char               account[FG_ACCOUNT_LEN + 1], err[256], result[160];
    char               rid[37];
    uint8_t            rnd[16];
    unsigned           backoff = 0, before;
    size_t             n;
    bool               leave = false;

    pthread_mutex_lock(&fgd_esm.lock);
    memcpy(account, run->account, sizeof(account));
    pthread_mutex_unlock(&fgd_esm.lock);

    for (;;) {
        pthread_mutex_lock(&fgd_esm.lock);
        if (fgd_esm.stopping || !run->live || run->pollers > run->want) {
            before = run->pollers;
            run->pollers--;
            if (run->want > run->pollers) {
                run->want = run->pollers;
            }
            if (run->live && !fgd_esm.stopping) {
                fgd_log("info", NULL, "event source mapping %s: pollers "
                    "%u -> %u", run->m.uuid, before, run->pollers);
            }
            leave = true;
        } else {
            m = run->m;
        }
        pthread_mutex_unlock(&fgd_esm.lock);
        if (leave) {
            break;
        }
        if (backoff > 0 && !fgd_esm_pause(backoff)) {
            continue;
        }

        fgd_esm_req(&q, &redis, NULL);
        if (fgd_esm_batch(&redis, account, &m, &msgs, &n, err, sizeof(err))
            != 0)
        {
            fgd_log("warn", NULL, "event source mapping %s: receive from "
                "%s: %s", m.uuid, m.source_arn, err);
            snprintf(result, sizeof(result), "PROBLEM: %.140s", err);
            fgd_esm_note(run, &q, result);
            backoff = backoff ? backoff * 2 : FGD_ESM_BACKOFF_MS;
            if (backoff > FGD_ESM_BACKOFF_MAX_MS) {
                backoff = FGD_ESM_BACKOFF_MAX_MS;
            }
            continue;
        }
        if (n == 0) {
            /* idle for a whole slice: one poller of a mapping stays */
            pthread_mutex_lock(&fgd_esm.lock);
            if (run->pollers > 1 && run->want >= run->pollers) {
                run->want = run->pollers - 1;
            }
            pthread_mutex_unlock(&fgd_esm.lock);
            free(msgs);
            continue;
        }

        if (RAND_bytes(rnd, sizeof(rnd)) == 1) {
            fgd_uuid_format(rnd, rid);
        } else {
            snprintf(rid, sizeof(rid), "esm");
        }
        fgd_esm_req(&q, &redis, rid);
        /* a function error waits for the messages' visibility timeout
         * anyway; a throttle, a 5xx or a refusal waits here too */
        if (fgd_esm_run_batch(&q, account, &m, msgs, n, result,
                sizeof(result)))
        {
            backoff = 0;
        } else {
            backoff = backoff ? backoff * 2 : FGD_ESM_BACKOFF_MS;
            if (backoff > FGD_ESM_BACKOFF_MAX_MS) {
                backoff = FGD_ESM_BACKOFF_MAX_MS;
            }
        }
        fgd_esm_note(run, &q, result);
        fgd_queue_msgs_free(msgs, n);

        /* a full batch: the queue has a backlog */
        if (n >= m.batch_size && backoff == 0) {
            pthread_mutex_lock(&fgd_esm.lock);
            if (run->want <= run->pollers
                && run->pollers < fgd_esm_limit(run))
            {
                run->want = run->pollers + 1;
                pthread_cond_broadcast(&fgd_esm.cond);
            }
            pthread_mutex_unlock(&fgd_esm.lock);
        }
    }
    if (redis != NULL) {
        fgd_redis_free(redis);
    }
    pthread_mutex_lock(&fgd_esm.lock);
    p->finished = true;
    pthread_cond_broadcast(&fgd_esm.cond);
    pthread_mutex_unlock(&fgd_esm.lock);
    return NULL;
}


/* ------------------------------------------------------------------ */
/* The manager                                                           */

/* One mapping read (fgd_esm.lock held). */
static void
fgd_esm_seen(const char *account, const fgd_esm_t *m)
{
    fgd_esm_run_t  *run = NULL;
    size_t          i;

    for (i = 0; i < fgd_esm.nruns; i++) {
        if (strcmp(fgd_esm.runs[i]->m.uuid, m->uuid) == 0
            && strcmp(fgd_esm.runs[i]->account, account) == 0)
        {
            run = fgd_esm.runs[i];
            break;
        }
    }
    if (run == NULL) {
        if (fgd_grow(&fgd_esm.runs, &fgd_esm.cap, fgd_esm.nruns,
                sizeof(*fgd_esm.runs), 16) != 0)
        {
            return;
        }
        run = calloc(1, sizeof(*run));
        if (run == NULL) {
            return;
        }
        memcpy(run->account, account, sizeof(run->account));
        fgd_esm.runs[fgd_esm.nruns++] = run;
        fgd_log("info", NULL, "event source mapping %s of %s: %s -> %s, "
            "polled here", m->uuid, account, m->source_arn,
            m->function_arn);
    } else {
        /* the pollers' own result stands until they change it */
        char result[FGD_ESM_REASON_MAX];

        memcpy(result, run->m.result, sizeof(result));
        run->m = *m;
        memcpy(run->m.result, result, sizeof(result));
        run->live = true;
        if (run->want == 0) {
            run->want = 1;
        }
        return;
    }
    run->m = *m;
    run->live = true;
    run->want = 1;
}

/* The registry: every enabled mapping of every account into the runs. */
static int
fgd_esm_read(fgd_req_t *q, fgd_esm_t **out, char (**accts)[FG_ACCOUNT_LEN
    + 1], size_t *n)
{
    char          set[FG_KEY_MAX];
    const char   *argv[2];
    redisReply   *reply, *ids;
    fgd_resp_t    r;
    fgd_esm_t     m;
    size_t        i, k, cap_out = 0, cap_accts = 0;

    *out = NULL;
    *accts = NULL;
    *n = 0;
    memset(&r, 0, sizeof(r));
    fg_key_esm_accounts(set, sizeof(set));
    argv[0] = "SMEMBERS";
    argv[1] = set;
    reply = fgd_redis_command(q, true, 2, argv, NULL, &r);
    if (reply == NULL) {
        fgd_log("warn", NULL, "event sources: registry not read: %s",
            r.message);
        fgd_resp_free(&r);
        return -1;
    }
    for (i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements;
         i++)
    {
        const char *a = reply->element[i]->str;

        if (reply->element[i]->type != REDIS_REPLY_STRING
            || !fg_account_valid(a, strlen(a)))
        {
            continue;
        }
        ids = fgd_esm_uuids(q, a, &r);
        if (ids == NULL) {
            fgd_resp_free(&r);
            memset(&r, 0, sizeof(r));
            continue;
        }
        for (k = 0; k < ids->elements; k++) {
            if (ids->element[k]->type != REDIS_REPLY_STRING
                || fgd_esm_load(q, a, ids->element[k]->str, &m, &r) != 1
                || !m.enabled)
            {
                fgd_resp_free(&r);
                memset(&r, 0, sizeof(r));
                continue;
            }
            if (fgd_grow(out, &cap_out, *n, sizeof(**out), 16) != 0
                || fgd_grow(accts, &cap_accts, *n, sizeof(**accts), 16) != 0)
            {
                break;
            }
            (*out)[*n] = m;
            memcpy((*accts)[*n], a, FG_ACCOUNT_LEN + 1);
            (*n)++;
        }
        freeReplyObject(ids);
    }
    freeReplyObject(reply);
    return 0;
}

/* Joins finished pollers, starts wanted ones, drops runs without pollers
 * that are gone (fgd_esm.lock held). */
static void
fgd_esm_reconcile(void)
{
    fgd_esm_run_t  *run;
    size_t          i, k;
    unsigned        before;

    for (k = 0; k < fgd_esm.npollers; k++) {
        if (fgd_esm.pollers[k].used && fgd_esm.pollers[k].finished) {
            pthread_join(fgd_esm.pollers[k].thread, NULL);
            fgd_esm.pollers[k].used = false;
            fgd_esm.pollers[k].finished = false;
            fgd_esm.pollers[k].run = NULL;
        }
    }
    for (i = 0; i < fgd_esm.nruns && !fgd_esm.stopping; i++) {
        run = fgd_esm.runs[i];
        before = run->pollers;
        while (run->live && run->pollers < run->want
               && run->pollers < fgd_esm_limit(run))
        {
            for (k = 0; k < fgd_esm.npollers && fgd_esm.pollers[k].used;
                 k++)
            {
            }
            if (k == fgd_esm.npollers) {
                break;
            }
            fgd_esm.pollers[k].used = true;
            fgd_esm.pollers[k].finished = false;
            fgd_esm.pollers[k].run = run;
            if (pthread_create(&fgd_esm.pollers[k].thread, NULL,
                    fgd_esm_poller, &fgd_esm.pollers[k]) != 0)
            {
                fgd_log("error", NULL, "event sources: pthread_create: %s",
                    strerror(errno));
                fgd_esm.pollers[k].used = false;
                break;
            }
            run->pollers++;
        }
        if (run->pollers != before) {
            fgd_log("info", NULL, "event source mapping %s: pollers %u -> "
                "%u%s", run->m.uuid, before, run->pollers,
                before > 0 ? " (backlog)" : "");
        }
    }
    for (i = 0; i < fgd_esm.nruns; ) {
        run = fgd_esm.runs[i];
        if (!run->live && run->pollers == 0) {
            fgd_log("info", NULL, "event source mapping %s: disabled or "
                "deleted; not polled", run->m.uuid);
            free(run);
            fgd_esm.runs[i] = fgd_esm.runs[--fgd_esm.nruns];
            continue;
        }
        i++;
    }
}

static void *
fgd_esm_manage(void *arg)
{
    fgd_redis_t      *redis = NULL;
    fgd_req_t         q;
    fgd_esm_t        *ms;
    char            (*accts)[FG_ACCOUNT_LEN + 1];
    struct timespec   ts;
    uint64_t          next = 0, now;
    size_t            n, i;

    (void) arg;
    fgd_esm_req(&q, &redis, NULL);
    pthread_mutex_lock(&fgd_esm.lock);
    while (!fgd_esm.stopping) {
        now = fg_epoch_ms();
        if (now >= next) {
            pthread_mutex_unlock(&fgd_esm.lock);
            i = (size_t) fgd_esm_read(&q, &ms, &accts, &n);
            pthread_mutex_lock(&fgd_esm.lock);
            if (i == 0) {
                for (i = 0; i < fgd_esm.nruns; i++) {
                    fgd_esm.runs[i]->live = false;
                }
                for (i = 0; i < n; i++) {
                    fgd_esm_seen(accts[i], &ms[i]);
                }
            }
            free(ms);
            free(accts);
            next = fg_epoch_ms() + fgd_esm.conf->esm.refresh_ms;
        }
        fgd_esm_reconcile();
        now = fg_epoch_ms();
        if (next > now) {
            fg_abstime(&ts, next - now);
            pthread_cond_timedwait(&fgd_esm.cond, &fgd_esm.lock, &ts);
        }
    }
    pthread_mutex_unlock(&fgd_esm.lock);
    if (redis != NULL) {
        fgd_redis_free(redis);
    }
    return NULL;
}

int
fgd_esm_start(const fgd_conf_t *conf)
{
    fgd_esm.conf = conf;
    if (conf->esm.pollers == 0) {
        fgd_log("info", NULL, "event sources: no pollers (esm_pollers = "
            "0): mappings are kept, other hosts poll them");
        return 0;
    }
    fgd_esm.pollers = calloc(conf->esm.pollers, sizeof(*fgd_esm.pollers));
    if (fgd_esm.pollers == NULL) {
        return -1;
    }
    fgd_esm.npollers = conf->esm.pollers;
    if (pthread_create(&fgd_esm.manager, NULL, fgd_esm_manage, NULL) != 0) {
        fgd_log("error", NULL, "event sources: pthread_create: %s",
            strerror(errno));
        return -1;
    }
    fgd_esm.managing = true;
    fgd_log("info", NULL, "event sources: at most %u pollers, %u per "
        "account, %u per mapping without ScalingConfig, registry read "
        "every %u ms", conf->esm.pollers, conf->esm.per_account,
        conf->esm.concurrency, conf->esm.refresh_ms);
    return 0;
}

void
fgd_esm_stop(void)
{
    unsigned  k;
    size_t    i;

    pthread_mutex_lock(&fgd_esm.lock);
    fgd_esm.stopping = true;
    pthread_cond_broadcast(&fgd_esm.cond);
    pthread_mutex_unlock(&fgd_esm.lock);
    if (fgd_esm.managing) {
        pthread_join(fgd_esm.manager, NULL);
        fgd_esm.managing = false;
    }
    /* the batches in flight finish (their calls go through the gateway,
     * which the FastCGI threads still serve) */
    for (k = 0; k < fgd_esm.npollers; k++) {
        if (fgd_esm.pollers[k].used) {
            pthread_join(fgd_esm.pollers[k].thread, NULL);
        }
    }
    for (i = 0; i < fgd_esm.nruns; i++) {
        free(fgd_esm.runs[i]);
    }
    free(fgd_esm.runs);
    free(fgd_esm.pollers);
    fgd_esm.runs = NULL;
    fgd_esm.pollers = NULL;
    fgd_esm.nruns = fgd_esm.cap = 0;
    fgd_esm.npollers = 0;
}
