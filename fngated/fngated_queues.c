/*
 * fngated_queues: the queue service's calls on Redis, and the C API of
 * fngated_queues.h.  The wire (both protocols, errors, digests, checks)
 * is fngated_queues_wire.c's; every write of more than one key is one of
 * fngated/lua/queue_*.lua.
 *
 * Long polling: a ReceiveMessage that finds nothing and may wait
 * (WaitTimeSeconds, or the queue's ReceiveMessageWaitTimeSeconds) blocks
 * its thread in XREAD BLOCK on the queue's stream (woken by the next
 * SendMessage) for at most the time until the next message becomes
 * visible again, then receives again, until the wait is over.  At most
 * queue_wait_threads threads (conf/fngated.conf) wait so at once; past
 * that a receive answers at once with what there is, so the threads left
 * serve other calls.
 */

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "fg_keys.h"
#include "fg_util.h"
#include "fngated_json.h"
#include "fngated_log.h"
#include "fngated_queues.h"
#include "fngated_queues_priv.h"
#include "fngated_queues_wire.h"
#include "fngated_redis.h"
#include "fngated_roles.h"
#include "fngated_util.h"

#define FGQ_DEFAULT_VISIBILITY   "30"
#define FGQ_DEFAULT_RETENTION    "345600"

static atomic_uint  fgq_waiting;

int
fgq_fail(fgq_ctx_t *c, const fgq_code_t *code, const char *fmt, ...)
{
    va_list  args;

    c->code = code;
    va_start(args, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, args);
    va_end(args);
    return -1;
}

long long
fgq_now_ms(void)
{
    return (long long) fg_epoch_ms();
}

/* ------------------------------------------------------------------ */
/* Arguments and Redis                                                   */

void
fgq_arg(fgq_args_t *a, const char *s, size_t len)
{
    if (a->failed) {
        return;
    }
    if (a->n == a->cap) {
        size_t  cap_v = (size_t) a->cap, cap_l = cap_v;

        if (fgd_grow(&a->v, &cap_v, (size_t) a->n, sizeof(*a->v), 32) != 0
            || fgd_grow(&a->l, &cap_l, (size_t) a->n, sizeof(*a->l), 32) != 0)
        {
            a->failed = true;
            return;
        }
        a->cap = (int) cap_v;
    }
    a->v[a->n] = s;
    a->l[a->n] = len;
    a->n++;
}

void
fgq_arg_s(fgq_args_t *a, const char *s)
{
    fgq_arg(a, s, strlen(s));
}

/* An argument the list owns (a formatted number, ...). */
void
fgq_arg_fmt(fgq_args_t *a, const char *fmt, ...)
{
    va_list   args;
    char      buf[64], *s, **no;

    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    s = strdup(buf);
    no = realloc(a->owned, (size_t) (a->nowned + 1) * sizeof(*no));
    if (s == NULL || no == NULL) {
        free(s);
        if (no != NULL) {
            a->owned = no;
        }
        a->failed = true;
        return;
    }
    a->owned = no;
    a->owned[a->nowned++] = s;
    fgq_arg_s(a, s);
}

void
fgq_args_free(fgq_args_t *a)
{
    int  i;

    for (i = 0; i < a->nowned; i++) {
        free(a->owned[i]);
    }
    free(a->owned);
    free(a->v);
    free(a->l);
    memset(a, 0, sizeof(*a));
}

static redisReply *
fgq_redis_failed(fgq_ctx_t *c, fgd_resp_t *rr)
{
    fgq_fail(c, rr->status == 503 ? &fgq_e_unavailable : &fgq_e_internal,
        "%s", rr->message);
    fgd_resp_free(rr);
    return NULL;
}

redisReply *
fgq_cmd(fgq_ctx_t *c, bool idempotent, fgq_args_t *a)
{
    fgd_resp_t   rr;
    redisReply  *rep;

    if (a->failed) {
        fgq_fail(c, &fgq_e_internal, "out of memory");
        return NULL;
    }
    memset(&rr, 0, sizeof(rr));
    rep = fgd_redis_command(c->q, idempotent, a->n, a->v, a->l, &rr);
    return rep != NULL ? rep : fgq_redis_failed(c, &rr);
}

redisReply *
fgq_script(fgq_ctx_t *c, fgd_script_t s, int nkeys, fgq_args_t *a)
{
    fgd_resp_t   rr;
    redisReply  *rep;

    if (a->failed) {
        fgq_fail(c, &fgq_e_internal, "out of memory");
        return NULL;
    }
    memset(&rr, 0, sizeof(rr));
    rep = fgd_redis_script(c->q, s, nkeys, a->n, a->v, a->l, &rr);
    return rep != NULL ? rep : fgq_redis_failed(c, &rr);
}

/* A script's integer answer: 0 with *v, or -1. */
int
fgq_script_int(fgq_ctx_t *c, fgd_script_t s, int nkeys, fgq_args_t *a,
    long long *v)
{
    redisReply  *rep = fgq_script(c, s, nkeys, a);

    if (rep == NULL) {
        return -1;
    }
    if (rep->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_internal, "unexpected answer of the "
            "store");
    }
    *v = rep->integer;
    freeReplyObject(rep);
    return 0;
}

redisReply *
fgq_script_status(fgq_ctx_t *c, fgd_script_t s, int nkeys, fgq_args_t *a,
    long long *status)
{
    redisReply  *rep = fgq_script(c, s, nkeys, a);

    if (rep == NULL) {
        return NULL;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1
        || rep->element[0]->type != REDIS_REPLY_INTEGER)
    {
        freeReplyObject(rep);
        fgq_fail(c, &fgq_e_internal, "unexpected answer of the store");
        return NULL;
    }
    *status = rep->element[0]->integer;
    return rep;
}

/* ------------------------------------------------------------------ */
/* Queues                                                                */

void
fgq_queue_free(fgq_queue_t *qu)
{
    if (qu->attrs != NULL) {
        freeReplyObject(qu->attrs);
        qu->attrs = NULL;
    }
}

int
fgq_queue_keys(fgq_queue_t *qu, const char *owner, const char *name)
{
    unsigned  k;
    int       n;

    snprintf(qu->owner, sizeof(qu->owner), "%s", owner);
    snprintf(qu->name, sizeof(qu->name), "%s", name);
    for (k = 0; k < FG_QKEY_COUNT; k++) {
        n = fg_key_queue(qu->key[k], FG_KEY_MAX, (fg_queue_key_t) k, owner,
            name);
        if (n < 0 || n >= FG_KEY_MAX) {
            return -1;
        }
    }
    return 0;
}

const char *
fgq_qattr(const fgq_queue_t *qu, const char *name)
{
    size_t  i;

    if (qu->attrs == NULL) {
        return NULL;
    }
    for (i = 0; i + 1 < qu->attrs->elements; i += 2) {
        if (strcmp(qu->attrs->element[i]->str, name) == 0) {
            return qu->attrs->element[i + 1]->str;
        }
    }
    return NULL;
}

static unsigned
fgq_qattr_uint(const fgq_queue_t *qu, const char *name, unsigned def)
{
    const char  *v = fgq_qattr(qu, name);

    return v != NULL ? (unsigned) strtoul(v, NULL, 10) : def;
}

static bool
fgq_is_fifo_name(const char *name)
{
    size_t  n = strlen(name);

    return n > 5 && strcmp(name + n - 5, ".fifo") == 0;
}

static void
fgq_queue_url(const fgq_ctx_t *c, const char *owner, const char *name,
    char *dst, size_t size)
{
    snprintf(dst, size, "http://%s/%s/%s",
        c->host[0] != '\0' ? c->host : "localhost", owner, name);
}

void
fgq_queue_arn(const fgq_ctx_t *c, const char *owner, const char *name,
    char *dst, size_t size)
{
    snprintf(dst, size, "arn:aws:sqs:%s:%s:%s", c->region, owner, name);
}

/*
 * Reads the queue (HGETALL) and checks that the caller may do action on
 * it: its owner, or an account the grant index names (or "*") for the
 * action or sqs:*.  owner_only: only the owner.
 */
int
fgq_queue_load(fgq_ctx_t *c, fgq_queue_t *qu, const char *owner,
    const char *name, const char *action, bool owner_only)
{
    fgq_args_t   a;
    redisReply  *rep;
    size_t       i;
    bool         granted = false;
    char         arn[FGQ_ARN_MAX];

    memset(&a, 0, sizeof(a));
    if (fgq_queue_keys(qu, owner, name) != 0) {
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    fgq_arg_s(&a, "HGETALL");
    fgq_arg_s(&a, qu->key[FG_QKEY_ATTRS]);
    rep = fgq_cmd(c, true, &a);
    fgq_args_free(&a);
    if (rep == NULL) {
        return -1;
    }
    if (rep->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_internal, "unexpected answer of the "
            "store");
    }
    if (rep->elements == 0) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    qu->attrs = rep;
    qu->fifo = fgq_is_fifo_name(name);
    if (strcmp(owner, c->caller) == 0) {
        return 0;
    }

    fgq_queue_arn(c, owner, name, arn, sizeof(arn));
    if (!owner_only) {
        memset(&a, 0, sizeof(a));
        fgq_arg_s(&a, "HMGET");
        fgq_arg_s(&a, qu->key[FG_QKEY_GRANTS]);
        fgq_arg_fmt(&a, "sqs:%s:%s", action, c->caller);
        fgq_arg_fmt(&a, "sqs:%s:*", action);
        fgq_arg_fmt(&a, "sqs:*:%s", c->caller);
        fgq_arg_s(&a, "sqs:*:*");
        rep = fgq_cmd(c, true, &a);
        fgq_args_free(&a);
        if (rep == NULL) {
            return -1;
        }
        for (i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements;
             i++)
        {
            if (rep->element[i]->type == REDIS_REPLY_STRING
                && atoll(rep->element[i]->str) > 0)
            {
                granted = true;
            }
        }
        freeReplyObject(rep);
    }
    if (!granted) {
        fgd_log("warn", c->q->request_id, "queue %s: account %s has no "
            "grant of sqs:%s", arn, c->caller, action);
        return fgq_fail(c, &fgq_e_denied, "User: arn:aws:iam::%s:root is "
            "not authorized to perform: sqs:%s on resource: %s", c->caller,
            action, arn);
    }
    return 0;
}

/* The queue of QueueUrl (or of the request's path). */
static int
fgq_queue_named(fgq_ctx_t *c, fgq_queue_t *qu, const char *action,
    bool owner_only)
{
    const char  *url, *qm;
    size_t       len;
    char         owner[FG_ACCOUNT_LEN + 1], name[FG_QUEUE_NAME_MAX + 1];

    url = fgq_get(&c->p, "QueueUrl", &len);
    if (url == NULL) {
        url = c->q->uri;
        qm = strchr(url, '?');
        len = qm != NULL ? (size_t) (qm - url) : strlen(url);
        if (len <= 1) {
            return fgq_fail(c, &fgq_e_missing, "The request must contain "
                "the parameter QueueUrl.");
        }
    }
    if (fgq_url_parse(url, len, owner, name) != 0) {
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    return fgq_queue_load(c, qu, owner, name, action, owner_only);
}

/* ------------------------------------------------------------------ */
/* Sending                                                               */

typedef struct {
    const char   *id;               /* a batch entry's Id */
    const char   *body;
    size_t        body_len;
    fgq_attrs_t   attrs;
    char         *attrs_json;
    int           delay;            /* -1: the queue's */
    char          group[FGQ_DEDUP_MAX + 1];
    char          dedup[FGQ_DEDUP_MAX + 1];
    char          msgid[37];
    char          md5b[33], md5a[33];
    char          entry[FGQ_ENTRY_ID_MAX + 1];
    const fgq_code_t  *code;        /* a batch entry's error */
    char          err[256];
} fgq_send_t;

static void
fgq_send_free(fgq_send_t *m)
{
    fgq_attrs_free(&m->attrs);
    free(m->attrs_json);
    m->attrs_json = NULL;
}

static bool
fgq_dedup_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > FGQ_DEDUP_MAX) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

static int
fgq_send_bad(fgq_send_t *m, const fgq_code_t *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fgq_send_bad(fgq_send_t *m, const fgq_code_t *code, const char *fmt, ...)
{
    va_list  args;

    m->code = code;
    va_start(args, fmt);
    vsnprintf(m->err, sizeof(m->err), fmt, args);
    va_end(args);
    return -1;
}

void
fgq_new_uuid(char dst[37])
{
    uint8_t  rnd[16];

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        long long t = fgq_now_ms();

        memset(rnd, 0, sizeof(rnd));
        memcpy(rnd, &t, sizeof(t));
    }
    fgd_uuid_format(rnd, dst);
}

/*
 * Checks one message for qu (body, attributes, size, delay, a FIFO
 * queue's group and deduplication ids) and makes its ids and digests.
 * The values come from the params under prefix ("" or
 * "SendMessageBatchRequestEntry.N."), or are set already (params NULL:
 * the C API).  0, or -1 with m->code.
 */
static int
fgq_send_check(const fgq_params_t *p, const char *prefix,
    const fgq_queue_t *qu, fgq_send_t *m)
{
    const char  *v;
    size_t       len;
    uint64_t     n;
    unsigned     max = fgq_qattr_uint(qu, "MaximumMessageSize",
                                      FGQ_MAX_MESSAGE);
    char         ap[128], sha[65];

    if (p != NULL) {
        m->body = fgq_getf(p, &m->body_len, "%sMessageBody", prefix);
        m->delay = -1;
        v = fgq_getf(p, &len, "%sDelaySeconds", prefix);
        if (v != NULL) {
            if (!fgd_parse_u64(v, len, &n) || n > 900) {
                return fgq_send_bad(m, &fgq_e_param_value, "Value %.20s "
                    "for parameter DelaySeconds is invalid. Reason: must "
                    "be between 0 and 900, if provided.", v);
            }
            if (qu->fifo) {
                return fgq_send_bad(m, &fgq_e_param_value, "Value %.20s "
                    "for parameter DelaySeconds is invalid. Reason: The "
                    "request include parameter that is not valid for this "
                    "queue type.", v);
            }
            m->delay = (int) n;
        }
        v = fgq_getf(p, &len, "%sMessageGroupId", prefix);
        if (v != NULL) {
            if (!fgd_copy(m->group, sizeof(m->group), v, len)
                || !fgq_dedup_valid(v, len))
            {
                return fgq_send_bad(m, &fgq_e_param_value, "Value %.140s "
                    "for parameter MessageGroupId is invalid. Reason: "
                    "MessageGroupId can only include alphanumeric and "
                    "punctuation characters. 1 to 128 in length.", v);
            }
        }
        v = fgq_getf(p, &len, "%sMessageDeduplicationId", prefix);
        if (v != NULL) {
            if (!fgd_copy(m->dedup, sizeof(m->dedup), v, len)
                || !fgq_dedup_valid(v, len))
            {
                return fgq_send_bad(m, &fgq_e_param_value, "Value %.140s "
                    "for parameter MessageDeduplicationId is invalid. "
                    "Reason: MessageDeduplicationId can only include "
                    "alphanumeric and punctuation characters. 1 to 128 in "
                    "length.", v);
            }
        }
        snprintf(ap, sizeof(ap), "%sMessageAttribute", prefix);
        if (fgq_attrs_parse(p, ap, &m->attrs, m->err, sizeof(m->err))
            != 0)
        {
            m->code = &fgq_e_param_value;
            return -1;
        }
    }
    if (m->body == NULL || m->body_len == 0) {
        return fgq_send_bad(m, &fgq_e_missing, "The request must contain "
            "the parameter MessageBody.");
    }
    if (!fgq_text_valid(m->body, m->body_len)) {
        return fgq_send_bad(m, &fgq_e_contents, "Invalid binary character "
            "in the message body; see the allowed characters in the SQS "
            "documentation.");
    }
    if (m->body_len + fgq_attrs_size(&m->attrs) > max) {
        return fgq_send_bad(m, &fgq_e_param_value, "One or more parameters "
            "are invalid. Reason: Message must be shorter than %u bytes.",
            max);
    }
    if (qu->fifo) {
        if (m->group[0] == '\0') {
            return fgq_send_bad(m, &fgq_e_missing, "The request must "
                "contain the parameter MessageGroupId.");
        }
        if (m->dedup[0] == '\0') {
            v = fgq_qattr(qu, "ContentBasedDeduplication");
            if (v == NULL || strcmp(v, "true") != 0) {
                return fgq_send_bad(m, &fgq_e_param_value, "The queue "
                    "should either have ContentBasedDeduplication enabled "
                    "or MessageDeduplicationId provided explicitly");
            }
            fgq_sha256_hex(m->body, m->body_len, sha);
            snprintf(m->dedup, sizeof(m->dedup), "%s", sha);
        }
    } else if (m->group[0] != '\0' || m->dedup[0] != '\0') {
        return fgq_send_bad(m, &fgq_e_param_value, "Value %s for parameter "
            "%s is invalid. Reason: The request include parameter that is "
            "not valid for this queue type.",
            m->group[0] ? m->group : m->dedup,
            m->group[0] ? "MessageGroupId" : "MessageDeduplicationId");
    }
    if (m->attrs.n > 0) {
        m->attrs_json = fgq_attrs_encode(&m->attrs);
        if (m->attrs_json == NULL) {
            return fgq_send_bad(m, &fgq_e_internal, "out of memory");
        }
    }
    fgq_md5_hex(m->body, m->body_len, m->md5b);
    fgq_attrs_md5(&m->attrs, NULL, m->md5a);
    fgq_new_uuid(m->msgid);
    return 0;
}

/* Stores the checked messages (those without code) of qu in one script:
 * each gets its entry id and MessageId (a duplicate's are the first's). */
static int
fgq_send_run(fgq_ctx_t *c, fgq_queue_t *qu, fgq_send_t *m, size_t n)
{
    fgq_args_t   a;
    redisReply  *rep;
    size_t       i, k, ok = 0;

    for (i = 0; i < n; i++) {
        ok += m[i].code == NULL;
    }
    if (ok == 0) {
        return 0;
    }
    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, qu->key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_MSGS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_VISIBLE]);
    fgq_arg_s(&a, qu->key[FG_QKEY_DEDUP]);
    fgq_arg_s(&a, qu->key[FG_QKEY_DEDUP_EXPIRY]);
    fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    fgq_arg_fmt(&a, "%zu", ok);
    for (i = 0; i < n; i++) {
        if (m[i].code != NULL) {
            continue;
        }
        fgq_arg_fmt(&a, "%d", m[i].delay);
        fgq_arg_s(&a, m[i].dedup);
        fgq_arg_s(&a, m[i].msgid);
        fgq_arg(&a, m[i].body, m[i].body_len);
        fgq_arg_s(&a, m[i].attrs_json != NULL ? m[i].attrs_json : "");
        fgq_arg_s(&a, m[i].group);
        fgq_arg_s(&a, c->caller);
    }
    rep = fgq_script(c, FGD_SCRIPT_QUEUE_SEND, 5, &a);
    fgq_args_free(&a);
    if (rep == NULL) {
        return -1;
    }
    if (rep->type == REDIS_REPLY_INTEGER) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 * ok) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_internal, "unexpected answer of the "
            "store");
    }
    for (i = 0, k = 0; i < n; i++) {
        if (m[i].code != NULL) {
            continue;
        }
        snprintf(m[i].entry, sizeof(m[i].entry), "%s",
            rep->element[k]->str ? rep->element[k]->str : "");
        snprintf(m[i].msgid, sizeof(m[i].msgid), "%s",
            rep->element[k + 1]->str ? rep->element[k + 1]->str : "");
        k += 2;
    }
    freeReplyObject(rep);
    return 0;
}

static void
fgq_send_result(fgq_out_t *o, const fgq_queue_t *qu, const fgq_send_t *m)
{
    char  seq[32];

    fgq_out_cstr(o, "MessageId", m->msgid);
    fgq_out_cstr(o, "MD5OfMessageBody", m->md5b);
    if (m->md5a[0] != '\0') {
        fgq_out_cstr(o, "MD5OfMessageAttributes", m->md5a);
    }
    if (qu->fifo) {
        fgq_sequence(m->entry, seq);
        fgq_out_cstr(o, "SequenceNumber", seq);
    }
}

static int
fgq_h_send(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_send_t  m;
    int         rc = -1;

    memset(&m, 0, sizeof(m));
    if (fgq_send_check(&c->p, "", qu, &m) != 0) {
        fgq_fail(c, m.code, "%s", m.err);
        goto cleanup;
    }
    if (fgq_send_run(c, qu, &m, 1) != 0) {
        goto cleanup;
    }
    fgq_send_result(o, qu, &m);
    rc = 0;

cleanup:
    fgq_send_free(&m);
    return rc;
}

/* A batch's entries: their count, checked as SQS checks them. */
static int
fgq_batch_entries(fgq_ctx_t *c, const char *entry, size_t *n,
    const char **ids)
{
    const char  *id;
    size_t       i, j, len;

    for (i = 0; ; i++) {
        id = fgq_getf(&c->p, &len, "%s.%zu.Id", entry, i + 1);
        if (id == NULL) {
            break;
        }
        if (i == FGQ_MAX_BATCH) {
            return fgq_fail(c, &fgq_e_batch_many, "Maximum number of "
                "entries per request are %u. You have sent %zu.",
                FGQ_MAX_BATCH, i + 1);
        }
        if (!fg_name_valid(id, len, 80)) {
            return fgq_fail(c, &fgq_e_batch_id, "A batch entry id can only "
                "contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long.");
        }
        for (j = 0; j < i; j++) {
            if (strcmp(ids[j], id) == 0) {
                return fgq_fail(c, &fgq_e_batch_ids, "Id %s repeated.",
                    id);
            }
        }
        ids[i] = id;
    }
    if (i == 0) {
        return fgq_fail(c, &fgq_e_batch_empty, "There should be at least "
            "one %s in the request.", entry);
    }
    *n = i;
    return 0;
}

static void
fgq_batch_error(fgq_out_t *o, const char *id, const fgq_code_t *code,
    const char *msg)
{
    fgq_out_item_begin(o, "BatchResultErrorEntry");
    fgq_out_cstr(o, "Id", id);
    fgq_out_bool(o, "SenderFault", code->status < 500);
    fgq_out_cstr(o, "Code", code->code);
    fgq_out_cstr(o, "Message", msg);
    fgq_out_item_end(o, "BatchResultErrorEntry");
}

static int
fgq_h_send_batch(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    static const char  entry[] = "SendMessageBatchRequestEntry";
    const char        *ids[FGQ_MAX_BATCH];
    fgq_send_t         m[FGQ_MAX_BATCH];
    size_t             n = 0, i, total = 0;
    char               prefix[64];
    int                rc = -1;

    memset(m, 0, sizeof(m));
    if (fgq_batch_entries(c, entry, &n, ids) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        snprintf(prefix, sizeof(prefix), "%s.%zu.", entry, i + 1);
        m[i].id = ids[i];
        (void) fgq_send_check(&c->p, prefix, qu, &m[i]);
        total += m[i].body_len + fgq_attrs_size(&m[i].attrs);
    }
    if (total > FGQ_MAX_MESSAGE) {
        fgq_fail(c, &fgq_e_batch_long, "Batch requests cannot be longer "
            "than %u bytes. You have sent %zu bytes.", FGQ_MAX_MESSAGE,
            total);
        goto cleanup;
    }
    if (fgq_send_run(c, qu, m, n) != 0) {
        goto cleanup;
    }
    fgq_out_list_begin(o, "Successful");
    for (i = 0; i < n; i++) {
        if (m[i].code == NULL) {
            fgq_out_item_begin(o, "SendMessageBatchResultEntry");
            fgq_out_cstr(o, "Id", m[i].id);
            fgq_send_result(o, qu, &m[i]);
            fgq_out_item_end(o, "SendMessageBatchResultEntry");
        }
    }
    fgq_out_list_end(o);
    fgq_out_list_begin(o, "Failed");
    for (i = 0; i < n; i++) {
        if (m[i].code != NULL) {
            fgq_batch_error(o, m[i].id, m[i].code, m[i].err);
        }
    }
    fgq_out_list_end(o);
    rc = 0;

cleanup:
    for (i = 0; i < n; i++) {
        fgq_send_free(&m[i]);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                             */

/* The dead-letter queue of qu's RedrivePolicy, when it is one of the same
 * owner's queues: 0 with dlq's keys and *max, 1 none. */
int
fgq_redrive(const fgq_queue_t *qu, fgq_queue_t *dlq, unsigned *max)
{
    const char  *rp = fgq_qattr(qu, "RedrivePolicy");
    char         arn[FGQ_ARN_MAX], err[256], region[FG_REGION_MAX + 1];
    char         owner[FG_ACCOUNT_LEN + 1], name[FG_QUEUE_NAME_MAX + 1];

    *max = 0;
    if (rp == NULL || rp[0] == '\0'
        || fgq_redrive_parse(rp, strlen(rp), arn, max, err, sizeof(err))
           != 0
        || fgq_arn_parse(arn, region, owner, name) != 0
        || strcmp(owner, qu->owner) != 0
        || fgq_queue_keys(dlq, owner, name) != 0)
    {
        *max = 0;
        return 1;
    }
    return 0;
}

/* One receive (no wait): the script's reply, or NULL with c's error. */
static redisReply *
fgq_receive_run(fgq_ctx_t *c, fgq_queue_t *qu, unsigned max,
    long long vt_ms)
{
    fgq_args_t    a;
    fgq_queue_t   dlq;
    redisReply   *rep;
    unsigned      maxrc;
    uint8_t       rnd[8];
    char          nonce[24];
    const char   *rp = fgq_qattr(qu, "RedrivePolicy");
    bool          redrive;
    unsigned      i;
    long long     st;

    memset(&dlq, 0, sizeof(dlq));
    redrive = fgq_redrive(qu, &dlq, &maxrc) == 0;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        long long t = fgq_now_ms();

        memcpy(rnd, &t, sizeof(rnd));
    }
    for (i = 0; i < sizeof(rnd); i++) {
        snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
    }
    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, qu->key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_MSGS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_VISIBLE]);
    fgq_arg_s(&a, qu->key[FG_QKEY_INFLIGHT]);
    fgq_arg_s(&a, qu->key[FG_QKEY_RECEIVES]);
    if (redrive) {
        fgq_arg_s(&a, dlq.key[FG_QKEY_ATTRS]);
        fgq_arg_s(&a, dlq.key[FG_QKEY_MSGS]);
        fgq_arg_s(&a, dlq.key[FG_QKEY_VISIBLE]);
    }
    fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    fgq_arg_fmt(&a, "%lld", vt_ms);
    fgq_arg_fmt(&a, "%u", max);
    fgq_arg_s(&a, nonce);
    fgq_arg_s(&a, rp != NULL ? rp : "");
    fgq_arg_fmt(&a, "%u", redrive ? maxrc : 0);
    fgq_arg_s(&a, qu->name);
    rep = fgq_script_status(c, FGD_SCRIPT_QUEUE_RECEIVE, redrive ? 8 : 5,
        &a, &st);
    fgq_args_free(&a);
    if (rep == NULL) {
        return NULL;
    }
    if (st == 0) {
        freeReplyObject(rep);
        fgq_fail(c, &fgq_e_no_queue, "The specified queue does not exist.");
        return NULL;
    }
    if (st < 0) {
        freeReplyObject(rep);
        fgq_fail(c, &fgq_e_internal, "The queue's RedrivePolicy changed "
            "during the call; try again.");
        return NULL;
    }
    if (rep->elements < 3 || (rep->elements - 3) % 5 != 0) {
        freeReplyObject(rep);
        fgq_fail(c, &fgq_e_internal, "unexpected answer of the store");
        return NULL;
    }
    return rep;
}

/* A field of a stream entry's field list. */
const char *
fgq_field(const redisReply *f, const char *name, size_t *len)
{
    size_t  i;

    for (i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements;
         i += 2)
    {
        if (f->element[i]->type == REDIS_REPLY_STRING
            && strcmp(f->element[i]->str, name) == 0
            && f->element[i + 1]->type == REDIS_REPLY_STRING)
        {
            if (len != NULL) {
                *len = f->element[i + 1]->len;
            }
            return f->element[i + 1]->str;
        }
    }
    if (len != NULL) {
        *len = 0;
    }
    return "";
}

/* Whether the list LIST.1, LIST.2, ... names name or "All". */
static bool
fgq_listed(const fgq_params_t *p, const char *list, const char *name)
{
    const char  *v;
    unsigned     i;

    for (i = 1; (v = fgq_getf(p, NULL, "%s.%u", list, i)) != NULL; i++) {
        if (strcmp(v, "All") == 0 || strcmp(v, name) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether a system attribute is asked for by AttributeName.N or
 * MessageSystemAttributeName.N. */
static bool
fgq_want_sys(const fgq_params_t *p, const char *name)
{
    return fgq_listed(p, "AttributeName", name)
           || fgq_listed(p, "MessageSystemAttributeName", name);
}

static void
fgq_out_sys(fgq_out_t *o, const fgq_params_t *p, bool *opened,
    const char *name, const char *value)
{
    if (!fgq_want_sys(p, name)) {
        return;
    }
    if (!*opened) {
        fgq_out_map_begin(o, "Attributes");
        *opened = true;
    }
    fgq_out_map_str(o, "Attribute", name, value, strlen(value));
}

static void
fgq_out_message(fgq_out_t *o, const fgq_params_t *p, const fgq_queue_t *qu,
    redisReply **e)
{
    const redisReply  *f = e[1];
    const char        *body, *attrs, *pat;
    size_t             blen, alen;
    char               handle[FGQ_HANDLE_MAX], md5[33], num[32], seq[32];
    char              *b64;
    fgq_attrs_t        at;
    bool               want[FGQ_MAX_ATTRS], any = false, opened = false;
    unsigned           i, k;

    fgq_handle_make(handle, qu->owner, qu->name, e[0]->str, e[4]->str);
    body = fgq_field(f, "body", &blen);
    fgq_md5_hex(body, blen, md5);

    fgq_out_item_begin(o, "Message");
    fgq_out_cstr(o, "MessageId", fgq_field(f, "id", NULL));
    fgq_out_cstr(o, "ReceiptHandle", handle);
    fgq_out_cstr(o, "MD5OfBody", md5);
    fgq_out_str(o, "Body", body, blen);

    fgq_out_sys(o, p, &opened, "SenderId", fgq_field(f, "sender", NULL));
    fgq_out_sys(o, p, &opened, "SentTimestamp", fgq_field(f, "sent", NULL));
    snprintf(num, sizeof(num), "%lld", e[2]->integer);
    fgq_out_sys(o, p, &opened, "ApproximateReceiveCount", num);
    snprintf(num, sizeof(num), "%lld", e[3]->integer);
    fgq_out_sys(o, p, &opened, "ApproximateFirstReceiveTimestamp", num);
    if (qu->fifo) {
        fgq_out_sys(o, p, &opened, "MessageGroupId",
            fgq_field(f, "group", NULL));
        fgq_out_sys(o, p, &opened, "MessageDeduplicationId",
            fgq_field(f, "dedup", NULL));
        fgq_sequence(e[0]->str, seq);
        fgq_out_sys(o, p, &opened, "SequenceNumber", seq);
    }
    if (opened) {
        fgq_out_map_end(o);
    }

    memset(&at, 0, sizeof(at));
    attrs = fgq_field(f, "attrs", &alen);
    if (alen > 0 && fgq_attrs_decode(attrs, alen, &at) == 0) {
        for (i = 0; i < at.n; i++) {
            want[i] = false;
            for (k = 1;
                 (pat = fgq_getf(p, NULL, "MessageAttributeName.%u", k))
                 != NULL;
                 k++)
            {
                if (fgq_attr_name_match(pat, at.v[i].name)) {
                    want[i] = true;
                    any = true;
                }
            }
        }
    }
    if (any) {
        fgq_attrs_md5(&at, want, md5);
        fgq_out_cstr(o, "MD5OfMessageAttributes", md5);
        fgq_out_map_begin(o, "MessageAttributes");
        for (i = 0; i < at.n; i++) {
            if (!want[i]) {
                continue;
            }
            fgq_out_map_obj_begin(o, "MessageAttribute", at.v[i].name);
            if (at.v[i].binary) {
                b64 = malloc(at.v[i].len / 3 * 4 + 5);
                if (b64 == NULL) {
                    o->failed = true;
                } else {
                    fgd_base64_encode((const uint8_t *) at.v[i].value,
                        at.v[i].len, b64);
                    fgq_out_cstr(o, "BinaryValue", b64);
                    free(b64);
                }
            } else {
                fgq_out_str(o, "StringValue", at.v[i].value, at.v[i].len);
            }
            fgq_out_cstr(o, "DataType", at.v[i].type);
            fgq_out_map_obj_end(o, "MessageAttribute");
        }
        fgq_out_map_end(o);
    }
    fgq_attrs_free(&at);
    fgq_out_item_end(o, "Message");
}

/*
 * Waits for the queue's stream to grow past last, at most ms: XREAD
 * BLOCK on this thread's connection.  A Redis error ends the wait.
 */
static void
fgq_wait(fgq_ctx_t *c, const fgq_queue_t *qu, const char *last,
    long long ms)
{
    fgq_args_t   a;
    redisReply  *rep;

    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, "XREAD");
    fgq_arg_s(&a, "COUNT");
    fgq_arg_s(&a, "1");
    fgq_arg_s(&a, "BLOCK");
    fgq_arg_fmt(&a, "%lld", ms < 1 ? 1 : ms);
    fgq_arg_s(&a, "STREAMS");
    fgq_arg_s(&a, qu->key[FG_QKEY_MSGS]);
    fgq_arg_s(&a, last[0] != '\0' ? last : "0-0");
    rep = fgq_cmd(c, false, &a);
    fgq_args_free(&a);
    if (rep != NULL) {
        freeReplyObject(rep);
    } else {
        c->code = NULL;
    }
}

int
fgq_uint_param(fgq_ctx_t *c, const char *name, long def, long lo, long hi,
    const char *range, long *v)
{
    const char  *s;
    size_t       len;
    uint64_t     n;

    s = fgq_get(&c->p, name, &len);
    if (s == NULL) {
        *v = def;
        return 0;
    }
    if (!fgd_parse_u64(s, len, &n) || (long) n < lo || (long) n > hi) {
        return fgq_fail(c, &fgq_e_param_value, "Value %.20s for parameter "
            "%s is invalid. Reason: %s", s, name, range);
    }
    *v = (long) n;
    return 0;
}

/*
 * ReceiveMessage's run with its long poll: up to max messages, each
 * invisible for vt_ms (-1: the queue's), waiting up to wait_ms for one
 * when there is none (woken by the next SendMessage, or when the next
 * message becomes visible again).  bounded: a waiting thread counts
 * against queue_wait_threads (past it, the answer is at once).  The
 * receive script's reply, or NULL with c's error.
 */
static redisReply *
fgq_receive_poll(fgq_ctx_t *c, fgq_queue_t *qu, unsigned max,
    long long vt_ms, long long wait_ms, bool bounded)
{
    redisReply  *rep;
    long long    deadline, now, next, ms;
    bool         counted = false;
    char         last[FGQ_ENTRY_ID_MAX + 1];
    unsigned     limit = c->q->conf->queue_wait_threads;

    deadline = fgq_now_ms() + wait_ms;
    for ( ;; ) {
        rep = fgq_receive_run(c, qu, max, vt_ms);
        if (rep == NULL) {
            break;
        }
        now = fgq_now_ms();
        if (rep->elements > 3 || now >= deadline) {
            break;
        }
        if (bounded && !counted) {
            /* one of at most queue_wait_threads threads that wait */
            if (atomic_fetch_add(&fgq_waiting, 1) >= limit) {
                atomic_fetch_sub(&fgq_waiting, 1);
                fgd_log("info", c->q->request_id, "queue %s/%s: %u threads "
                    "wait already (queue_wait_threads): answered at once",
                    qu->owner, qu->name, limit);
                break;
            }
            counted = true;
        }
        snprintf(last, sizeof(last), "%s",
            rep->element[1]->type == REDIS_REPLY_STRING
            ? rep->element[1]->str : "");
        next = rep->element[2]->type == REDIS_REPLY_INTEGER
               ? rep->element[2]->integer : -1;
        ms = deadline - now;
        if (next > now && next - now < ms) {
            ms = next - now;
        }
        freeReplyObject(rep);
        fgq_wait(c, qu, last, ms);
    }
    if (counted) {
        atomic_fetch_sub(&fgq_waiting, 1);
    }
    return rep;
}

static int
fgq_h_receive(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    redisReply  *rep;
    long         max, vt, wait;
    size_t       i;

    if (fgq_uint_param(c, "MaxNumberOfMessages", 1, 1, FGQ_MAX_BATCH,
            "Must be between 1 and 10, if provided.", &max) != 0
        || fgq_uint_param(c, "VisibilityTimeout", -1, 0, 43200,
            "Must be between 0 and 43200, if provided.", &vt) != 0
        || fgq_uint_param(c, "WaitTimeSeconds",
            (long) fgq_qattr_uint(qu, "ReceiveMessageWaitTimeSeconds", 0),
            0, 20, "Must be >= 0 and <= 20, if provided.", &wait) != 0)
    {
        return -1;
    }
    rep = fgq_receive_poll(c, qu, (unsigned) max,
        vt < 0 ? -1 : (long long) vt * 1000, (long long) wait * 1000, true);
    if (rep == NULL) {
        return -1;
    }
    if (rep->elements > 3) {
        fgq_out_list_begin(o, "Messages");
        for (i = 3; i + 4 < rep->elements; i += 5) {
            fgq_out_message(o, &c->p, qu, &rep->element[i]);
        }
        fgq_out_list_end(o);
    }
    freeReplyObject(rep);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Deleting and visibility                                               */

typedef struct {
    const char   *id;
    char          entry[FGQ_ENTRY_ID_MAX + 1];
    char          nonce[FGQ_NONCE_MAX + 1];
    long          vt;
    const fgq_code_t  *code;
    char          err[256];
} fgq_handle_t;

/* The receipt handle of an entry, which must be one of qu's. */
static void
fgq_handle_check(const fgq_queue_t *qu, const char *h, size_t len,
    fgq_handle_t *e)
{
    char  owner[FG_ACCOUNT_LEN + 1], name[FG_QUEUE_NAME_MAX + 1];

    if (h == NULL || len == 0) {
        e->code = &fgq_e_missing;
        snprintf(e->err, sizeof(e->err), "The request must contain the "
            "parameter ReceiptHandle.");
        return;
    }
    if (fgq_handle_parse(h, len, owner, name, e->entry, e->nonce) != 0
        || strcmp(owner, qu->owner) != 0 || strcmp(name, qu->name) != 0)
    {
        e->code = &fgq_e_handle;
        snprintf(e->err, sizeof(e->err), "The input receipt handle \"%.100s"
            "\" is not a valid receipt handle.", h);
    }
}

/* Runs the delete (vis false) or visibility script on the entries
 * without code. */
static int
fgq_handles_run(fgq_ctx_t *c, fgq_queue_t *qu, fgq_handle_t *e, size_t n,
    bool vis)
{
    fgq_args_t   a;
    redisReply  *rep;
    size_t       i, k, ok = 0;
    long long    v;

    for (i = 0; i < n; i++) {
        ok += e[i].code == NULL;
    }
    if (ok == 0) {
        return 0;
    }
    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, qu->key[FG_QKEY_ATTRS]);
    if (!vis) {
        fgq_arg_s(&a, qu->key[FG_QKEY_MSGS]);
    }
    fgq_arg_s(&a, qu->key[FG_QKEY_VISIBLE]);
    fgq_arg_s(&a, qu->key[FG_QKEY_INFLIGHT]);
    fgq_arg_s(&a, qu->key[FG_QKEY_RECEIVES]);
    if (vis) {
        fgq_arg_fmt(&a, "%lld", fgq_now_ms());
    }
    for (i = 0; i < n; i++) {
        if (e[i].code != NULL) {
            continue;
        }
        fgq_arg_s(&a, e[i].entry);
        fgq_arg_s(&a, e[i].nonce);
        if (vis) {
            fgq_arg_fmt(&a, "%ld", e[i].vt * 1000);
        }
    }
    rep = fgq_script(c, vis ? FGD_SCRIPT_QUEUE_VISIBILITY
                            : FGD_SCRIPT_QUEUE_DELETE_MSG,
        vis ? 4 : 5, &a);
    fgq_args_free(&a);
    if (rep == NULL) {
        return -1;
    }
    if (rep->type == REDIS_REPLY_INTEGER) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != ok) {
        freeReplyObject(rep);
        return fgq_fail(c, &fgq_e_internal, "unexpected answer of the "
            "store");
    }
    for (i = 0, k = 0; i < n; i++) {
        if (e[i].code != NULL) {
            continue;
        }
        v = rep->element[k++]->integer;
        if (vis && v == 0) {
            e[i].code = &fgq_e_not_inflight;
            snprintf(e[i].err, sizeof(e[i].err), "Message does not exist "
                "or is not available for visibility timeout change.");
        } else if (vis && v < 0) {
            e[i].code = &fgq_e_param_value;
            snprintf(e[i].err, sizeof(e[i].err), "Value %s for parameter "
                "ReceiptHandle is invalid. Reason: Message does not exist "
                "or is not available for visibility timeout change.",
                e[i].entry);
        } else if (!vis && v == 2) {
            fgd_log("info", c->q->request_id, "queue %s/%s: message %s "
                "was received again since this handle: not deleted",
                qu->owner, qu->name, e[i].entry);
        }
    }
    freeReplyObject(rep);
    return 0;
}

static int
fgq_h_delete_msg(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_handle_t  e;
    const char   *h;
    size_t        len;

    memset(&e, 0, sizeof(e));
    h = fgq_get(&c->p, "ReceiptHandle", &len);
    fgq_handle_check(qu, h, len, &e);
    if (e.code != NULL) {
        return fgq_fail(c, e.code, "%s", e.err);
    }
    return fgq_handles_run(c, qu, &e, 1, false);
}

static int
fgq_h_change_vis(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_handle_t  e;
    const char   *h;
    size_t        len;

    memset(&e, 0, sizeof(e));
    if (fgq_get(&c->p, "VisibilityTimeout", NULL) == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter VisibilityTimeout.");
    }
    if (fgq_uint_param(c, "VisibilityTimeout", 0, 0, 43200, "Must be "
            "between 0 and 43200.", &e.vt) != 0)
    {
        return -1;
    }
    h = fgq_get(&c->p, "ReceiptHandle", &len);
    fgq_handle_check(qu, h, len, &e);
    if (e.code != NULL) {
        return fgq_fail(c, e.code, "%s", e.err);
    }
    if (fgq_handles_run(c, qu, &e, 1, true) != 0) {
        return -1;
    }
    return e.code != NULL ? fgq_fail(c, e.code, "%s", e.err) : 0;
}

static int
fgq_handles_batch(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o, bool vis)
{
    const char   *entry = vis ? "ChangeMessageVisibilityBatchRequestEntry"
                              : "DeleteMessageBatchRequestEntry";
    const char   *ids[FGQ_MAX_BATCH], *h, *v;
    fgq_handle_t  e[FGQ_MAX_BATCH];
    size_t        n = 0, i, len;
    uint64_t      t;

    memset(e, 0, sizeof(e));
    if (fgq_batch_entries(c, entry, &n, ids) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        e[i].id = ids[i];
        h = fgq_getf(&c->p, &len, "%s.%zu.ReceiptHandle", entry, i + 1);
        fgq_handle_check(qu, h, len, &e[i]);
        if (vis && e[i].code == NULL) {
            v = fgq_getf(&c->p, &len, "%s.%zu.VisibilityTimeout", entry,
                i + 1);
            if (v == NULL || !fgd_parse_u64(v, len, &t) || t > 43200) {
                e[i].code = &fgq_e_param_value;
                snprintf(e[i].err, sizeof(e[i].err), "Value %.20s for "
                    "parameter VisibilityTimeout is invalid. Reason: Must "
                    "be between 0 and 43200.", v ? v : "");
            }
            e[i].vt = (long) t;
        }
    }
    if (fgq_handles_run(c, qu, e, n, vis) != 0) {
        return -1;
    }
    fgq_out_list_begin(o, "Successful");
    for (i = 0; i < n; i++) {
        if (e[i].code == NULL) {
            v = vis ? "ChangeMessageVisibilityBatchResultEntry"
                    : "DeleteMessageBatchResultEntry";
            fgq_out_item_begin(o, v);
            fgq_out_cstr(o, "Id", e[i].id);
            fgq_out_item_end(o, v);
        }
    }
    fgq_out_list_end(o);
    fgq_out_list_begin(o, "Failed");
    for (i = 0; i < n; i++) {
        if (e[i].code != NULL) {
            fgq_batch_error(o, e[i].id, e[i].code, e[i].err);
        }
    }
    fgq_out_list_end(o);
    return 0;
}

static int
fgq_h_delete_batch(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    return fgq_handles_batch(c, qu, o, false);
}

static int
fgq_h_change_vis_batch(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    return fgq_handles_batch(c, qu, o, true);
}

/* ------------------------------------------------------------------ */
/* Queue calls                                                           */

/* The attribute pairs of the request (Attribute.N.Name / .Value),
 * checked for a queue that is fifo; the grants of a Policy among them. */
static int
fgq_attrs_in(fgq_ctx_t *c, bool fifo, bool create, const char *owner,
    fgq_args_t *pairs, char ***grants, size_t *ngrants, bool *policy)
{
    const char  *name, *value;
    size_t       len, i;
    int          rc;
    char         err[512], arn[FGQ_ARN_MAX], region[FG_REGION_MAX + 1];
    char         downer[FG_ACCOUNT_LEN + 1], dname[FG_QUEUE_NAME_MAX + 1];
    unsigned     max;

    *policy = false;
    for (i = 1; (name = fgq_getf(&c->p, NULL, "Attribute.%zu.Name", i))
                != NULL; i++)
    {
        value = fgq_getf(&c->p, &len, "Attribute.%zu.Value", i);
        if (value == NULL) {
            return fgq_fail(c, &fgq_e_attr_value, "Invalid value for the "
                "parameter %.64s.", name);
        }
        rc = fgq_qattr_check(name, value, len, fifo, create, err,
            sizeof(err));
        if (rc == 0) {
            return fgq_fail(c, &fgq_e_attr_name, "%s", err);
        }
        if (rc < 0) {
            return fgq_fail(c, &fgq_e_attr_value, "%s", err);
        }
        if (strcmp(name, "RedrivePolicy") == 0 && len > 0) {
            fgq_queue_t  dlq;

            (void) fgq_redrive_parse(value, len, arn, &max, err,
                sizeof(err));
            (void) fgq_arn_parse(arn, region, downer, dname);
            memset(&dlq, 0, sizeof(dlq));
            if (strcmp(downer, owner) != 0) {
                return fgq_fail(c, &fgq_e_attr_value, "Value %.200s for "
                    "parameter RedrivePolicy is invalid. Reason: Dead-letter "
                    "target owner should be same as the source.", value);
            }
            if (fgq_is_fifo_name(dname) != fifo) {
                return fgq_fail(c, &fgq_e_attr_value, "Value %.200s for "
                    "parameter RedrivePolicy is invalid. Reason: Dead-letter "
                    "queue must be same type of queue as the source.",
                    value);
            }
            if (fgq_queue_load(c, &dlq, downer, dname, "", true) != 0) {
                fgq_queue_free(&dlq);
                if (c->code == &fgq_e_no_queue) {
                    return fgq_fail(c, &fgq_e_attr_value, "Value %.200s "
                        "for parameter RedrivePolicy is invalid. Reason: "
                        "Dead letter target does not exist.", value);
                }
                return -1;
            }
            fgq_queue_free(&dlq);
        }
        if (strcmp(name, "Policy") == 0) {
            fgq_strv_free(*grants, *ngrants);
            if (fgq_policy_grants(value, len, grants, ngrants, err,
                    sizeof(err)) != 0)
            {
                return fgq_fail(c, &fgq_e_attr_value, "%s", err);
            }
            *policy = true;
        }
        fgq_arg_s(pairs, name);
        fgq_arg(pairs, value, len);
    }
    return 0;
}

static int
fgq_h_create(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o)
{
    const char  *name, *v, *fifo_v = NULL, *cur, *av;
    size_t       len, i, ngrants = 0;
    fgq_args_t   pairs, a;
    fgq_queue_t  qu;
    char       **grants = NULL, url[512], now[32], qkey[FG_KEY_MAX];
    bool         fifo, policy;
    long long    created, made = 0;
    int          rc = -1, j, nreq;

    memset(&pairs, 0, sizeof(pairs));
    memset(&a, 0, sizeof(a));
    memset(&qu, 0, sizeof(qu));
    name = fgq_get(&c->p, "QueueName", &len);
    if (name == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter QueueName.");
    }
    fifo = fgq_is_fifo_name(name);
    for (i = 1; (v = fgq_getf(&c->p, NULL, "Attribute.%zu.Name", i))
                != NULL; i++)
    {
        if (strcmp(v, "FifoQueue") == 0) {
            fifo_v = fgq_getf(&c->p, NULL, "Attribute.%zu.Value", i);
        }
    }
    if (!fg_queue_name_valid(name, len)
        || (fifo_v != NULL && strcmp(fifo_v, "true") == 0 && !fifo)
        || (fifo && (fifo_v == NULL || strcmp(fifo_v, "true") != 0)))
    {
        if (fifo || (fifo_v != NULL && strcmp(fifo_v, "true") == 0)) {
            return fgq_fail(c, &fgq_e_param_value, "The name of a FIFO "
                "queue can only include alphanumeric characters, hyphens, "
                "or underscores, must end with .fifo suffix and be 1 to 80 "
                "in length.");
        }
        return fgq_fail(c, &fgq_e_param_value, "Can only include "
            "alphanumeric characters, hyphens, or underscores. 1 to 80 in "
            "length");
    }
    if (fgq_queue_keys(&qu, c->caller, name) != 0) {
        return fgq_fail(c, &fgq_e_internal, "queue key too long");
    }
    if (fgq_attrs_in(c, fifo, true, c->caller, &pairs, &grants, &ngrants,
            &policy) != 0)
    {
        goto cleanup;
    }
    nreq = pairs.n;
    /* the defaults, for what the request did not set */
    {
        static const char *const defaults[][2] = {
            { "DelaySeconds", "0" },
            { "MaximumMessageSize", "262144" },
            { "MessageRetentionPeriod", FGQ_DEFAULT_RETENTION },
            { "ReceiveMessageWaitTimeSeconds", "0" },
            { "VisibilityTimeout", FGQ_DEFAULT_VISIBILITY },
        };
        size_t  d;
        bool    given;

        for (d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
            given = false;
            for (j = 0; j < pairs.n; j += 2) {
                if (strcmp(pairs.v[j], defaults[d][0]) == 0) {
                    given = true;
                }
            }
            if (!given) {
                fgq_arg_s(&pairs, defaults[d][0]);
                fgq_arg_s(&pairs, defaults[d][1]);
            }
        }
        if (fifo_v == NULL) {
            fgq_arg_s(&pairs, "FifoQueue");
            fgq_arg_s(&pairs, fifo ? "true" : "false");
        }
        if (fifo) {
            given = false;
            for (j = 0; j < pairs.n; j += 2) {
                given |= strcmp(pairs.v[j], "ContentBasedDeduplication")
                         == 0;
            }
            if (!given) {
                fgq_arg_s(&pairs, "ContentBasedDeduplication");
                fgq_arg_s(&pairs, "false");
            }
        }
    }
    /* tags: Tag.N.Key / Tag.N.Value as "tag:KEY" fields */
    for (i = 1; (v = fgq_getf(&c->p, NULL, "Tag.%zu.Key", i)) != NULL; i++) {
        fgq_arg_fmt(&pairs, "tag:%.50s", v);
        av = fgq_getf(&c->p, NULL, "Tag.%zu.Value", i);
        fgq_arg_s(&pairs, av != NULL ? av : "");
    }
    created = fgq_now_ms() / 1000;
    snprintf(now, sizeof(now), "%lld", created);
    fgq_arg_s(&pairs, "CreatedTimestamp");
    fgq_arg_s(&pairs, now);
    fgq_arg_s(&pairs, "LastModifiedTimestamp");
    fgq_arg_s(&pairs, now);

    if (fg_key_queues(qkey, sizeof(qkey), c->caller) >= (int) sizeof(qkey))
    {
        fgq_fail(c, &fgq_e_internal, "queue key too long");
        goto cleanup;
    }
    fgq_arg_s(&a, qkey);
    fgq_arg_s(&a, qu.key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, qu.key[FG_QKEY_GRANTS]);
    fgq_arg_s(&a, name);
    fgq_arg_fmt(&a, "%zu", policy ? ngrants : 0);
    for (i = 0; policy && i < ngrants; i++) {
        fgq_arg_s(&a, grants[i]);
    }
    for (j = 0; j < pairs.n; j++) {
        fgq_arg(&a, pairs.v[j], pairs.l[j]);
    }
    if (fgq_script_int(c, FGD_SCRIPT_QUEUE_CREATE, 3, &a, &made) != 0) {
        goto cleanup;
    }
    if (made == 0) {
        /* it exists: the same attributes are no error */
        if (fgq_queue_load(c, &qu, c->caller, name, "CreateQueue", true)
            != 0)
        {
            goto cleanup;
        }
        for (j = 0; j < nreq; j += 2) {
            cur = fgq_qattr(&qu, pairs.v[j]);
            if (cur == NULL || strlen(cur) != pairs.l[j + 1]
                || memcmp(cur, pairs.v[j + 1], pairs.l[j + 1]) != 0)
            {
                fgq_fail(c, &fgq_e_queue_exists, "A queue already exists "
                    "with the same name and a different value for "
                    "attribute %s", pairs.v[j]);
                goto cleanup;
            }
        }
    } else {
        fgd_log("info", c->q->request_id, "queue %s/%s created",
            c->caller, name);
    }
    fgq_queue_url(c, c->caller, name, url, sizeof(url));
    fgq_out_cstr(o, "QueueUrl", url);
    rc = 0;

cleanup:
    fgq_args_free(&pairs);
    fgq_args_free(&a);
    fgq_strv_free(grants, ngrants);
    fgq_queue_free(&qu);
    return rc;
}

static int
fgq_h_get_url(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o)
{
    const char  *name, *owner;
    size_t       len, olen;
    fgq_queue_t  qu;
    char         url[512];
    int          rc;

    name = fgq_get(&c->p, "QueueName", &len);
    if (name == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter QueueName.");
    }
    owner = fgq_get(&c->p, "QueueOwnerAWSAccountId", &olen);
    if (owner == NULL || olen == 0) {
        owner = c->caller;
    } else if (!fg_account_valid(owner, olen)) {
        return fgq_fail(c, &fgq_e_param_value, "Value %.20s for parameter "
            "QueueOwnerAWSAccountId is invalid.", owner);
    }
    if (!fg_queue_name_valid(name, len)) {
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    memset(&qu, 0, sizeof(qu));
    rc = fgq_queue_load(c, &qu, owner, name, "GetQueueUrl", false);
    fgq_queue_free(&qu);
    if (rc != 0) {
        return -1;
    }
    fgq_queue_url(c, owner, name, url, sizeof(url));
    fgq_out_cstr(o, "QueueUrl", url);
    return 0;
}

static int
fgq_h_list(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o)
{
    const char  *prefix, *token;
    size_t       plen, tlen, i;
    long         max;
    fgq_args_t   a;
    redisReply  *rep;
    char         key[FG_KEY_MAX], url[512];
    bool         paged;

    prefix = fgq_get(&c->p, "QueueNamePrefix", &plen);
    token = fgq_get(&c->p, "NextToken", &tlen);
    paged = fgq_get(&c->p, "MaxResults", NULL) != NULL;
    if (fgq_uint_param(c, "MaxResults", 1000, 1, 1000, "Must be between 1 "
            "and 1000.", &max) != 0)
    {
        return -1;
    }
    if ((prefix != NULL && plen > FG_QUEUE_NAME_MAX)
        || (token != NULL && !fg_queue_name_valid(token, tlen)))
    {
        return fgq_fail(c, &fgq_e_param_value, "Invalid value for the "
            "parameter %s.", token != NULL ? "NextToken" : "QueueNamePrefix");
    }
    fg_key_queues(key, sizeof(key), c->caller);
    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, "ZRANGEBYLEX");
    fgq_arg_s(&a, key);
    if (token != NULL) {
        fgq_arg_fmt(&a, "(%.80s", token);
    } else if (prefix != NULL && plen > 0) {
        fgq_arg_fmt(&a, "[%.80s", prefix);
    } else {
        fgq_arg_s(&a, "-");
    }
    if (prefix != NULL && plen > 0) {
        fgq_arg_fmt(&a, "[%.80s\xff", prefix);
    } else {
        fgq_arg_s(&a, "+");
    }
    fgq_arg_s(&a, "LIMIT");
    fgq_arg_s(&a, "0");
    fgq_arg_fmt(&a, "%ld", max + 1);
    rep = fgq_cmd(c, true, &a);
    fgq_args_free(&a);
    if (rep == NULL) {
        return -1;
    }
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0) {
        fgq_out_list_begin(o, "QueueUrls");
        for (i = 0; i < rep->elements && i < (size_t) max; i++) {
            if (prefix != NULL
                && strncmp(rep->element[i]->str, prefix, plen) != 0)
            {
                continue;
            }
            fgq_queue_url(c, c->caller, rep->element[i]->str, url,
                sizeof(url));
            fgq_out_list_str(o, "QueueUrl", url);
        }
        fgq_out_list_end(o);
        if (paged && rep->elements > (size_t) max) {
            fgq_out_cstr(o, "NextToken", rep->element[max - 1]->str);
        }
    }
    freeReplyObject(rep);
    return 0;
}

static int
fgq_h_delete_queue(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_args_t  a;
    char        key[FG_KEY_MAX];
    unsigned    k;
    long long   v;
    int         rc;

    fg_key_queues(key, sizeof(key), qu->owner);
    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, key);
    for (k = 0; k < FG_QKEY_COUNT; k++) {
        fgq_arg_s(&a, qu->key[k]);
    }
    fgq_arg_s(&a, qu->name);
    rc = fgq_script_int(c, FGD_SCRIPT_QUEUE_DELETE, 1 + FG_QKEY_COUNT, &a,
        &v);
    fgq_args_free(&a);
    if (rc == 0) {
        fgd_log("info", c->q->request_id, "queue %s/%s deleted", qu->owner,
            qu->name);
    }
    return rc;
}

static int
fgq_h_purge(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_args_t  a;
    long long   v;
    int         rc;

    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, qu->key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_MSGS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_VISIBLE]);
    fgq_arg_s(&a, qu->key[FG_QKEY_INFLIGHT]);
    fgq_arg_s(&a, qu->key[FG_QKEY_RECEIVES]);
    rc = fgq_script_int(c, FGD_SCRIPT_QUEUE_PURGE, 5, &a, &v);
    fgq_args_free(&a);
    if (rc == 0 && v == 0) {
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    return rc;
}

/* The attributes GetQueueAttributes answers, in its order. */
static const char *const  fgq_get_attrs[] = {
    "QueueArn", "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp",
    "LastModifiedTimestamp", "VisibilityTimeout", "MaximumMessageSize",
    "MessageRetentionPeriod", "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy",
    "Policy", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
    "FifoThroughputLimit", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled", NULL
};


static int
fgq_h_get_attrs(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    const char  *v;
    unsigned     i;
    fgq_args_t   a;
    redisReply  *rep = NULL;
    char         num[3][32], arn[FGQ_ARN_MAX];
    bool         opened = false;

    for (i = 1; (v = fgq_getf(&c->p, NULL, "AttributeName.%u", i)) != NULL;
         i++)
    {
        if (!fgq_qattr_known(v)) {
            return fgq_fail(c, &fgq_e_attr_name, "Unknown Attribute %.64s.",
                v);
        }
    }
    if (fgq_listed(&c->p, "AttributeName", "ApproximateNumberOfMessages")
        || fgq_listed(&c->p, "AttributeName",
               "ApproximateNumberOfMessagesNotVisible")
        || fgq_listed(&c->p, "AttributeName",
               "ApproximateNumberOfMessagesDelayed"))
    {
        memset(&a, 0, sizeof(a));
        fgq_arg_s(&a, qu->key[FG_QKEY_VISIBLE]);
        fgq_arg_s(&a, qu->key[FG_QKEY_INFLIGHT]);
        fgq_arg_fmt(&a, "%lld", fgq_now_ms());
        rep = fgq_script(c, FGD_SCRIPT_QUEUE_COUNTS, 2, &a);
        fgq_args_free(&a);
        if (rep == NULL) {
            return -1;
        }
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3) {
            freeReplyObject(rep);
            return fgq_fail(c, &fgq_e_internal, "unexpected answer of the "
                "store");
        }
        for (i = 0; i < 3; i++) {
            snprintf(num[i], sizeof(num[i]), "%lld",
                rep->element[i]->integer < 0 ? 0
                                             : rep->element[i]->integer);
        }
        freeReplyObject(rep);
    }
    fgq_queue_arn(c, qu->owner, qu->name, arn, sizeof(arn));
    for (i = 0; fgq_get_attrs[i] != NULL; i++) {
        const char *n = fgq_get_attrs[i];

        if (!fgq_listed(&c->p, "AttributeName", n)) {
            continue;
        }
        if (strcmp(n, "QueueArn") == 0) {
            v = arn;
        } else if (strcmp(n, "ApproximateNumberOfMessages") == 0) {
            v = num[0];
        } else if (strcmp(n, "ApproximateNumberOfMessagesNotVisible") == 0) {
            v = num[1];
        } else if (strcmp(n, "ApproximateNumberOfMessagesDelayed") == 0) {
            v = num[2];
        } else {
            v = fgq_qattr(qu, n);
            if ((strcmp(n, "FifoQueue") == 0
                 || strcmp(n, "ContentBasedDeduplication") == 0)
                && !qu->fifo)
            {
                v = NULL;
            }
        }
        if (v == NULL || v[0] == '\0') {
            continue;
        }
        if (!opened) {
            fgq_out_map_begin(o, "Attributes");
            opened = true;
        }
        fgq_out_map_str(o, "Attribute", n, v, strlen(v));
    }
    if (opened) {
        fgq_out_map_end(o);
    }
    return 0;
}

/* Writes attribute pairs (and with policy the grant index) of qu; with
 * check, only while Policy is still expect.  0, 1 Policy changed, -1. */
static int
fgq_set(fgq_ctx_t *c, fgq_queue_t *qu, fgq_args_t *pairs, bool policy,
    char **grants, size_t ngrants, const char *expect)
{
    fgq_args_t  a;
    long long   v;
    size_t      i;
    int         j, rc;
    char        now[32];

    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, qu->key[FG_QKEY_ATTRS]);
    fgq_arg_s(&a, qu->key[FG_QKEY_GRANTS]);
    fgq_arg_s(&a, expect != NULL ? "1" : "0");
    fgq_arg_s(&a, expect != NULL ? expect : "");
    if (policy) {
        fgq_arg_fmt(&a, "%zu", ngrants);
        for (i = 0; i < ngrants; i++) {
            fgq_arg_s(&a, grants[i]);
        }
    } else {
        fgq_arg_s(&a, "-1");
    }
    for (j = 0; j < pairs->n; j++) {
        fgq_arg(&a, pairs->v[j], pairs->l[j]);
    }
    snprintf(now, sizeof(now), "%lld", fgq_now_ms() / 1000);
    fgq_arg_s(&a, "LastModifiedTimestamp");
    fgq_arg_s(&a, now);
    rc = fgq_script_int(c, FGD_SCRIPT_QUEUE_SET, 2, &a, &v);
    fgq_args_free(&a);
    if (rc != 0) {
        return -1;
    }
    if (v == 0) {
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    return v < 0 ? 1 : 0;
}

static int
fgq_h_set_attrs(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_args_t   pairs;
    char       **grants = NULL;
    size_t       ngrants = 0;
    bool         policy;
    int          rc = -1;

    memset(&pairs, 0, sizeof(pairs));
    if (fgq_attrs_in(c, qu->fifo, false, qu->owner, &pairs, &grants,
            &ngrants, &policy) == 0
        && fgq_set(c, qu, &pairs, policy, grants, ngrants, NULL) == 0)
    {
        rc = 0;
    }
    fgq_args_free(&pairs);
    fgq_strv_free(grants, ngrants);
    return rc;
}

/* AddPermission (accounts != NULL) and RemovePermission: the Policy
 * edited, read again when it changed meanwhile. */
static int
fgq_permission(fgq_ctx_t *c, fgq_queue_t *qu, bool add)
{
    const char  *label, *accounts[FGQ_MAX_BATCH * 2], *actions[16], *v;
    const char  *cur;
    size_t       len, na = 0, nc = 0, ngrants = 0;
    unsigned     i, attempt;
    char        *policy = NULL, **grants = NULL, arn[FGQ_ARN_MAX];
    char         err[512];
    fgq_args_t   pairs;
    int          rc;

    label = fgq_get(&c->p, "Label", &len);
    if (label == NULL) {
        return fgq_fail(c, &fgq_e_missing, "The request must contain the "
            "parameter Label.");
    }
    if (!fg_name_valid(label, len, 80)) {
        return fgq_fail(c, &fgq_e_param_value, "Value %.100s for parameter "
            "Label is invalid. Reason: Can only include alphanumeric "
            "characters, hyphens, or underscores. 1 to 80 in length.",
            label);
    }
    if (add) {
        for (i = 1; (v = fgq_getf(&c->p, &len, "AWSAccountId.%u", i))
                    != NULL; i++)
        {
            if (!fg_account_valid(v, len) || na == sizeof(accounts)
                                                 / sizeof(accounts[0]))
            {
                return fgq_fail(c, &fgq_e_param_value, "Value %.20s for "
                    "parameter AWSAccountId is invalid.", v);
            }
            accounts[na++] = v;
        }
        for (i = 1; (v = fgq_getf(&c->p, &len, "ActionName.%u", i))
                    != NULL; i++)
        {
            const char *a = fgq_action_canonical(v, len);

            if (a == NULL || nc == sizeof(actions) / sizeof(actions[0])
                || (strcmp(a, "*") != 0 && strcmp(a, "SendMessage") != 0
                    && strcmp(a, "ReceiveMessage") != 0
                    && strcmp(a, "DeleteMessage") != 0
                    && strcmp(a, "ChangeMessageVisibility") != 0
                    && strcmp(a, "GetQueueAttributes") != 0
                    && strcmp(a, "GetQueueUrl") != 0
                    && strcmp(a, "ListDeadLetterSourceQueues") != 0
                    && strcmp(a, "PurgeQueue") != 0))
            {
                return fgq_fail(c, &fgq_e_param_value, "Value SQS:%.64s "
                    "for parameter ActionName is invalid. Reason: Please "
                    "refer to the appropriate WSDL for a list of valid "
                    "actions.", v);
            }
            actions[nc++] = a;
        }
        if (na == 0 || nc == 0) {
            return fgq_fail(c, &fgq_e_missing, "The request must contain "
                "the parameter %s.", na == 0 ? "AWSAccountIds"
                                             : "Actions");
        }
    }
    fgq_queue_arn(c, qu->owner, qu->name, arn, sizeof(arn));
    for (attempt = 0; attempt < 5; attempt++) {
        cur = fgq_qattr(qu, "Policy");
        if (cur == NULL) {
            cur = "";
        }
        rc = fgq_policy_edit(cur, label, add ? accounts : NULL, na, actions,
            nc, arn, &policy);
        if (rc == 1) {
            return fgq_fail(c, &fgq_e_param_value, "Value %s for parameter "
                "Label is invalid. Reason: %s", label,
                add ? "Already exists." : "can't find label.");
        }
        if (rc != 0) {
            return fgq_fail(c, &fgq_e_internal, "The queue's Policy can not "
                "be edited (%s).", rc == -2 ? "out of memory"
                                            : "not a policy document");
        }
        if (fgq_policy_grants(policy, strlen(policy), &grants, &ngrants,
                err, sizeof(err)) != 0)
        {
            free(policy);
            return fgq_fail(c, &fgq_e_param_value, "%s", err);
        }
        memset(&pairs, 0, sizeof(pairs));
        fgq_arg_s(&pairs, "Policy");
        fgq_arg_s(&pairs, policy);
        rc = fgq_set(c, qu, &pairs, true, grants, ngrants, cur);
        fgq_args_free(&pairs);
        fgq_strv_free(grants, ngrants);
        grants = NULL;
        ngrants = 0;
        free(policy);
        policy = NULL;
        if (rc <= 0) {
            return rc;
        }
        /* changed meanwhile: read it again */
        fgq_queue_free(qu);
        if (fgq_queue_load(c, qu, qu->owner, qu->name, "AddPermission",
                true) != 0)
        {
            return -1;
        }
    }
    return fgq_fail(c, &fgq_e_internal, "The queue's Policy kept changing; "
        "try again.");
}

static int
fgq_h_add_perm(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    return fgq_permission(c, qu, true);
}

static int
fgq_h_remove_perm(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    return fgq_permission(c, qu, false);
}

static int
fgq_h_list_tags(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    size_t  i;
    bool    opened = false;

    for (i = 0; i + 1 < qu->attrs->elements; i += 2) {
        const redisReply *k = qu->attrs->element[i];
        const redisReply *v = qu->attrs->element[i + 1];

        if (k->len > 4 && strncmp(k->str, "tag:", 4) == 0) {
            if (!opened) {
                fgq_out_map_begin(o, "Tags");
                opened = true;
            }
            if (o->json) {
                fgq_out_map_str(o, "Tag", k->str + 4, v->str, v->len);
            } else {
                fgq_out_item_begin(o, "Tag");
                fgq_out_cstr(o, "Key", k->str + 4);
                fgq_out_str(o, "Value", v->str, v->len);
                fgq_out_item_end(o, "Tag");
            }
        }
    }
    if (opened) {
        fgq_out_map_end(o);
    }
    return 0;
}

static int
fgq_tags(fgq_ctx_t *c, fgq_queue_t *qu, bool tag)
{
    fgq_args_t   pairs;
    const char  *k, *v;
    size_t       len;
    unsigned     i;
    int          rc;

    memset(&pairs, 0, sizeof(pairs));
    for (i = 1; (k = fgq_getf(&c->p, &len, tag ? "Tag.%u.Key" : "TagKey.%u",
                              i)) != NULL; i++)
    {
        if (len == 0 || len > 128) {
            fgq_args_free(&pairs);
            return fgq_fail(c, &fgq_e_param_value, "Tag keys must be 1 to "
                "128 characters long.");
        }
        v = tag ? fgq_getf(&c->p, NULL, "Tag.%u.Value", i) : NULL;
        fgq_arg_fmt(&pairs, "tag:%.56s", k);
        fgq_arg_s(&pairs, v != NULL ? v : "");
    }
    rc = fgq_set(c, qu, &pairs, false, NULL, 0, NULL);
    fgq_args_free(&pairs);
    return rc;
}

static int
fgq_h_tag(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    return fgq_tags(c, qu, true);
}

static int
fgq_h_untag(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    return fgq_tags(c, qu, false);
}

int
fgq_redrive_sources(fgq_ctx_t *c, const fgq_queue_t *dlq,
    fgq_source_pt each, void *arg)
{
    fgq_args_t   a;
    redisReply  *rep, *rp;
    char         key[FG_KEY_MAX], arn[FGQ_ARN_MAX], target[FGQ_ARN_MAX];
    char         err[256];
    unsigned     max;
    size_t       i;
    int          rc = 0;

    fgq_queue_arn(c, dlq->owner, dlq->name, arn, sizeof(arn));
    fg_key_queues(key, sizeof(key), dlq->owner);
    memset(&a, 0, sizeof(a));
    fgq_arg_s(&a, "ZRANGE");
    fgq_arg_s(&a, key);
    fgq_arg_s(&a, "0");
    fgq_arg_s(&a, "999");
    rep = fgq_cmd(c, true, &a);
    fgq_args_free(&a);
    if (rep == NULL) {
        return -1;
    }
    for (i = 0; rc == 0 && rep->type == REDIS_REPLY_ARRAY
                && i < rep->elements; i++)
    {
        fg_key_queue(key, sizeof(key), FG_QKEY_ATTRS, dlq->owner,
            rep->element[i]->str);
        memset(&a, 0, sizeof(a));
        fgq_arg_s(&a, "HGET");
        fgq_arg_s(&a, key);
        fgq_arg_s(&a, "RedrivePolicy");
        rp = fgq_cmd(c, true, &a);
        fgq_args_free(&a);
        if (rp == NULL) {
            rc = -1;
            break;
        }
        if (rp->type == REDIS_REPLY_STRING
            && fgq_redrive_parse(rp->str, rp->len, target, &max, err,
                                 sizeof(err)) == 0
            && strcmp(target, arn) == 0)
        {
            rc = each(c, dlq, rep->element[i]->str, arg);
        }
        freeReplyObject(rp);
    }
    freeReplyObject(rep);
    return rc;
}

/* ListDeadLetterSourceQueues' list, opened with its first URL. */
typedef struct {
    fgq_out_t  *o;
    bool        opened;
} fgq_url_list_t;

static int
fgq_dlq_source_url(fgq_ctx_t *c, const fgq_queue_t *dlq, const char *name,
    void *arg)
{
    fgq_url_list_t  *l = arg;
    char             url[512];

    if (!l->opened) {
        fgq_out_list_begin(l->o, "queueUrls");
        l->opened = true;
    }
    fgq_queue_url(c, dlq->owner, name, url, sizeof(url));
    fgq_out_list_str(l->o, "QueueUrl", url);
    return 0;
}

/* The owner's queues whose RedrivePolicy names this one. */
static int
fgq_h_dlq_sources(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o)
{
    fgq_url_list_t  l = { o, false };

    if (fgq_redrive_sources(c, qu, fgq_dlq_source_url, &l) != 0) {
        return -1;
    }
    if (!l.opened) {
        fgq_out_list_begin(o, "queueUrls");
    }
    fgq_out_list_end(o);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The calls                                                             */

typedef int (*fgq_handler_pt)(fgq_ctx_t *c, fgq_queue_t *qu, fgq_out_t *o);

typedef struct {
    const char      *action;
    fgq_handler_pt   handler;
    const char      *grant;         /* the action a grant names; NULL: the
                                       call names no queue */
    bool             owner_only;
    bool             result;        /* the answer has members */
} fgq_call_t;

static const fgq_call_t  fgq_calls[] = {
    { "CreateQueue", fgq_h_create, NULL, false, true },
    { "GetQueueUrl", fgq_h_get_url, NULL, false, true },
    { "ListQueues", fgq_h_list, NULL, false, true },
    { "DeleteQueue", fgq_h_delete_queue, "DeleteQueue", false, false },
    { "SendMessage", fgq_h_send, "SendMessage", false, true },
    { "SendMessageBatch", fgq_h_send_batch, "SendMessage", false, true },
    { "ReceiveMessage", fgq_h_receive, "ReceiveMessage", false, true },
    { "DeleteMessage", fgq_h_delete_msg, "DeleteMessage", false, false },
    { "DeleteMessageBatch", fgq_h_delete_batch, "DeleteMessage", false,
      true },
    { "ChangeMessageVisibility", fgq_h_change_vis,
      "ChangeMessageVisibility", false, false },
    { "ChangeMessageVisibilityBatch", fgq_h_change_vis_batch,
      "ChangeMessageVisibility", false, true },
    { "GetQueueAttributes", fgq_h_get_attrs, "GetQueueAttributes", false,
      true },
    { "SetQueueAttributes", fgq_h_set_attrs, "SetQueueAttributes", true,
      false },
    { "PurgeQueue", fgq_h_purge, "PurgeQueue", false, false },
    { "AddPermission", fgq_h_add_perm, "AddPermission", true, false },
    { "RemovePermission", fgq_h_remove_perm, "RemovePermission", true,
      false },
    { "ListQueueTags", fgq_h_list_tags, "ListQueueTags", false, true },
    { "TagQueue", fgq_h_tag, "TagQueue", true, false },
    { "UntagQueue", fgq_h_untag, "UntagQueue", true, false },
    { "ListDeadLetterSourceQueues", fgq_h_dlq_sources,
      "ListDeadLetterSourceQueues", false, true },
    { "StartMessageMoveTask", fgq_h_move_start, NULL, false, true },
    { "ListMessageMoveTasks", fgq_h_move_list, NULL, false, true },
    { "CancelMessageMoveTask", fgq_h_move_cancel, NULL, false, true },
    { NULL, NULL, NULL, false, false }
};

/*
 * A call made with a function's credentials: its role's policy must allow
 * the action (a batch is its single action, as in IAM) on the queue, or
 * on the queue CreateQueue and GetQueueUrl name, or on "*".
 */
static int
fgq_role_check(fgq_ctx_t *c, const fgq_call_t *call, const fgq_queue_t *qu)
{
    char         action[FGQ_ACTION_MAX + 8], arn[FGQ_ARN_MAX], who[160];
    const char  *name;
    fgd_resp_t   rr;
    int          rc;

    snprintf(action, sizeof(action), "sqs:%s",
        call->grant != NULL ? call->grant : call->action);
    name = fgq_get(&c->p, "QueueName", NULL);
    if (call->grant != NULL) {
        fgq_queue_arn(c, qu->owner, qu->name, arn, sizeof(arn));
    } else if (name != NULL
               && fg_queue_name_valid(name, strlen(name)))
    {
        fgq_queue_arn(c, c->caller, name, arn, sizeof(arn));
    } else {
        snprintf(arn, sizeof(arn), "*");
    }
    memset(&rr, 0, sizeof(rr));
    rc = fgd_role_allows(c->q, action, arn, &rr);
    if (rc < 0) {
        fgq_fail(c, rr.status == 503 ? &fgq_e_unavailable : &fgq_e_internal,
            "%s", rr.message);
        fgd_resp_free(&rr);
        return -1;
    }
    if (rc == 0) {
        fgd_log("info", c->q->request_id, "role %s may not %s on %s",
            c->q->role, action, arn);
        fgd_role_principal(c->q, who, sizeof(who));
        return fgq_fail(c, &fgq_e_denied, "User: %s is not authorized to "
            "perform: %s on resource: %s because no identity-based policy "
            "allows the %s action", who, action, arn, action);
    }
    return 0;
}

int
fgd_queues(const fgd_req_t *q, fgd_resp_t *r)
{
    fgq_ctx_t          c;
    fgq_queue_t        qu;
    fgq_out_t          o;
    const fgq_call_t  *call;
    const char        *target, *ctype, *action, *qs;
    int                rc;

    memset(&c, 0, sizeof(c));
    memset(&qu, 0, sizeof(qu));
    memset(&o, 0, sizeof(o));
    c.q = q;
    c.caller = q->caller;
    c.region = q->region;
    c.host = q->param(q->param_req, "FNGATE_HOST");
    target = q->param(q->param_req, "FNGATE_SQS_TARGET");
    ctype = q->param(q->param_req, "CONTENT_TYPE");
    c.json = target[0] != '\0'
             || strncmp(ctype, "application/x-amz-json", 22) == 0;

    if (c.json) {
        action = strncmp(target, "AmazonSQS.", 10) == 0 ? target + 10 : "";
        rc = fgq_params_json(&c.p, action, q->body, q->body_len);
        snprintf(c.p.action, sizeof(c.p.action), "%s", action);
    } else {
        qs = q->query != NULL ? q->query : "";
        rc = fgq_params_form(&c.p, qs, strlen(qs));
        if (rc == 0 && q->body_len > 0) {
            rc = fgq_params_form(&c.p, q->body, q->body_len);
        }
        action = fgq_get(&c.p, "Action", NULL);
        snprintf(c.p.action, sizeof(c.p.action), "%s",
            action != NULL ? action : "");
    }
    if (rc == -2) {
        fgq_fail(&c, &fgq_e_internal, "out of memory");
        goto failed;
    }
    if (rc != 0) {
        fgq_fail(&c, &fgq_e_malformed, c.json ? "The request body is not "
            "a JSON object." : "The request's form encoding is malformed.");
        goto failed;
    }
    for (call = fgq_calls; call->action != NULL; call++) {
        if (strcmp(call->action, c.p.action) == 0) {
            break;
        }
    }
    if (call->action == NULL) {
        fgq_fail(&c, &fgq_e_action, "The action %.64s is not valid for this "
            "endpoint.", c.p.action);
        goto failed;
    }
    if (call->grant != NULL
        && fgq_queue_named(&c, &qu, call->grant, call->owner_only) != 0)
    {
        goto failed;
    }
    if (q->role != NULL && q->role[0] != '\0'
        && fgq_role_check(&c, call, &qu) != 0)
    {
        goto failed;
    }
    fgq_out_begin(&o, c.json, call->action, call->result);
    if (call->handler(&c, call->grant != NULL ? &qu : NULL, &o) != 0) {
        fgq_out_free(&o);
        goto failed;
    }
    fgq_queue_free(&qu);
    fgq_params_free(&c.p);
    if (fgq_out_end(&o, q->request_id, r) != 0) {
        return -1;
    }
    /* the SQS action and queue, for fngated's log line */
    snprintf(r->message, sizeof(r->message), "%s %s/%s", call->action,
        qu.owner[0] ? qu.owner : "-", qu.name[0] ? qu.name : "-");
    return 0;

failed:
    fgq_queue_free(&qu);
    if (c.code == NULL) {
        c.code = &fgq_e_internal;
        snprintf(c.msg, sizeof(c.msg), "no answer was made");
    }
    fgq_error(r, c.json, q->request_id, c.code, "%s", c.msg);
    snprintf(r->message, sizeof(r->message), "%.48s: %.400s", c.p.action[0]
        ? c.p.action : "-", c.msg);
    fgq_params_free(&c.p);
    return -1;
}

/* ------------------------------------------------------------------ */
/* The C API                                                             */

static fgd_queue_rc_t
fgq_api_rc(fgq_ctx_t *c, char *err, size_t err_size)
{
    if (err != NULL && err_size > 0) {
        snprintf(err, err_size, "%s: %s", c->code ? c->code->code : "",
            c->msg);
    }
    if (c->code == NULL) {
        return FGD_QUEUE_OK;
    }
    if (c->code == &fgq_e_no_queue) {
        return FGD_QUEUE_NOT_FOUND;
    }
    if (c->code == &fgq_e_denied) {
        return FGD_QUEUE_DENIED;
    }
    if (c->code->status >= 500) {
        return FGD_QUEUE_FAILED;
    }
    return FGD_QUEUE_INVALID;
}

/* The context of an API call and its queue, loaded and checked. */
static int
fgq_api_open(fgq_ctx_t *c, fgd_req_t *q, const fgd_conf_t *conf,
    fgd_redis_t **redis, const char *account, const char *queue_arn,
    const char *action, fgq_queue_t *qu)
{
    char  region[FG_REGION_MAX + 1], owner[FG_ACCOUNT_LEN + 1];
    char  name[FG_QUEUE_NAME_MAX + 1];

    memset(q, 0, sizeof(*q));
    memset(c, 0, sizeof(*c));
    memset(qu, 0, sizeof(*qu));
    q->conf = conf;
    q->redis = redis;
    q->request_id = "queue-api";
    q->caller = account;
    q->region = conf->region;
    q->uri = "";
    c->q = q;
    c->caller = account;
    c->region = conf->region;
    c->host = "";
    if (queue_arn == NULL
        || fgq_arn_parse(queue_arn, region, owner, name) != 0)
    {
        return fgq_fail(c, &fgq_e_no_queue, "The specified queue does not "
            "exist.");
    }
    if (account == NULL || !fg_account_valid(account, strlen(account))) {
        return fgq_fail(c, &fgq_e_denied, "No valid account.");
    }
    return fgq_queue_load(c, qu, owner, name, action, false);
}

/* *a from the C API's n attributes (String or Number: fngated's own,
 * not checked).  0, or -1 (no memory; *a freed). */
static int
fgq_attrs_set(fgq_attrs_t *a, const fgd_queue_attr_t *v, unsigned n)
{
    fgq_attr_t  *t;

    for (a->n = 0; a->n < n && a->n < FGQ_MAX_ATTRS; a->n++) {
        t = &a->v[a->n];
        t->name = strdup(v[a->n].name);
        t->type = strdup(v[a->n].type);
        t->value = strdup(v[a->n].value);
        t->len = strlen(v[a->n].value);
        t->binary = false;
        if (t->name == NULL || t->type == NULL || t->value == NULL) {
            a->n++;
            fgq_attrs_free(a);
            return -1;
        }
    }
    return 0;
}

fgd_queue_rc_t
fgd_queue_send(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, const char *body,
    size_t body_len, const fgd_queue_attr_t *attrs, unsigned nattrs,
    const char *group_id, const char *dedup_id, char message_id[37],
    char *err, size_t err_size)
{
    fgd_req_t       q;
    fgq_ctx_t       c;
    fgq_queue_t     qu;
    fgq_send_t      m;
    fgd_queue_rc_t  rc;

    memset(&m, 0, sizeof(m));
    if (fgq_api_open(&c, &q, conf, redis, account, queue_arn, "SendMessage",
            &qu) == 0)
    {
        m.body = body;
        m.body_len = body_len;
        m.delay = -1;
        if (fgq_attrs_set(&m.attrs, attrs, nattrs) != 0) {
            fgq_fail(&c, &fgq_e_internal, "out of memory");
            goto done;
        }
        if (group_id != NULL) {
            snprintf(m.group, sizeof(m.group), "%s", group_id);
        }
        if (dedup_id != NULL) {
            snprintf(m.dedup, sizeof(m.dedup), "%s", dedup_id);
        }
        if (fgq_send_check(NULL, "", &qu, &m) != 0) {
            fgq_fail(&c, m.code, "%s", m.err);
        } else if (fgq_send_run(&c, &qu, &m, 1) == 0 && message_id != NULL)
        {
            snprintf(message_id, 37, "%s", m.msgid);
        }
    }

done:
    rc = fgq_api_rc(&c, err, err_size);
    fgq_send_free(&m);
    fgq_queue_free(&qu);
    return rc;
}

void
fgd_queue_msgs_free(fgd_queue_msg_t *msgs, size_t n)
{
    size_t  i;

    if (msgs == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        free(msgs[i].receipt_handle);
        free(msgs[i].body);
        free(msgs[i].attributes);
    }
    free(msgs);
}

fgd_queue_rc_t
fgd_queue_receive(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, unsigned max,
    int visibility_s, fgd_queue_msg_t **msgs, size_t *n, char *err,
    size_t err_size)
{
    return fgd_queue_receive_wait(conf, redis, account, queue_arn, max,
        visibility_s, 0, msgs, n, err, err_size);
}

fgd_queue_rc_t
fgd_queue_receive_wait(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, unsigned max,
    int visibility_s, unsigned wait_ms, fgd_queue_msg_t **msgs, size_t *n,
    char *err, size_t err_size)
{
    fgd_req_t         q;
    fgq_ctx_t         c;
    fgq_queue_t       qu;
    redisReply       *rep = NULL, **e;
    fgd_queue_msg_t  *out = NULL, *m;
    fgd_queue_rc_t    rc;
    const char       *s;
    size_t            i, len, k = 0;

    *msgs = NULL;
    *n = 0;
    if (fgq_api_open(&c, &q, conf, redis, account, queue_arn,
            "ReceiveMessage", &qu) != 0)
    {
        goto done;
    }
    if (max < 1 || max > FGQ_MAX_BATCH || visibility_s > 43200) {
        fgq_fail(&c, &fgq_e_param_value, "max must be 1-10 and the "
            "visibility timeout 0-43200 s");
        goto done;
    }
    /* on the caller's own connection and outside queue_wait_threads:
     * the callers (the pollers) have their own bound */
    rep = fgq_receive_poll(&c, &qu, max,
        visibility_s < 0 ? -1 : (long long) visibility_s * 1000,
        (long long) wait_ms, false);
    if (rep == NULL) {
        goto done;
    }
    out = calloc((rep->elements - 3) / 5 + 1, sizeof(*out));
    if (out == NULL) {
        fgq_fail(&c, &fgq_e_internal, "out of memory");
        goto done;
    }
    for (i = 3; i + 4 < rep->elements; i += 5) {
        e = &rep->element[i];
        m = &out[k++];
        snprintf(m->message_id, sizeof(m->message_id), "%s",
            fgq_field(e[1], "id", NULL));
        m->receipt_handle = malloc(FGQ_HANDLE_MAX);
        s = fgq_field(e[1], "body", &len);
        m->body = fgd_dup(s, len);
        m->body_len = len;
        s = fgq_field(e[1], "attrs", &len);
        m->attributes = len > 0 ? fgd_dup(s, len) : strdup("{}");
        if (m->receipt_handle == NULL || m->body == NULL
            || m->attributes == NULL)
        {
            fgq_fail(&c, &fgq_e_internal, "out of memory");
            break;
        }
        fgq_handle_make(m->receipt_handle, qu.owner, qu.name, e[0]->str,
            e[4]->str);
        m->receive_count = (unsigned) e[2]->integer;
        m->first_receive_ms = e[3]->integer;
        m->sent_ms = atoll(fgq_field(e[1], "sent", NULL));
        snprintf(m->sender, sizeof(m->sender), "%s",
            fgq_field(e[1], "sender", NULL));
        snprintf(m->group_id, sizeof(m->group_id), "%s",
            fgq_field(e[1], "group", NULL));
        if (qu.fifo) {
            fgq_sequence(e[0]->str, m->sequence);
        }
    }

done:
    rc = fgq_api_rc(&c, err, err_size);
    if (rc == FGD_QUEUE_OK) {
        *msgs = out;
        *n = k;
    } else {
        fgd_queue_msgs_free(out, k);
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    fgq_queue_free(&qu);
    return rc;
}

static fgd_queue_rc_t
fgq_api_handle(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, const char *receipt_handle,
    bool vis, unsigned visibility_s, char *err, size_t err_size)
{
    fgd_req_t       q;
    fgq_ctx_t       c;
    fgq_queue_t     qu;
    fgq_handle_t    e;
    fgd_queue_rc_t  rc;

    memset(&e, 0, sizeof(e));
    if (fgq_api_open(&c, &q, conf, redis, account, queue_arn,
            vis ? "ChangeMessageVisibility" : "DeleteMessage", &qu) == 0)
    {
        e.vt = visibility_s > 43200 ? 43200 : (long) visibility_s;
        fgq_handle_check(&qu, receipt_handle,
            receipt_handle ? strlen(receipt_handle) : 0, &e);
        if (e.code == NULL) {
            (void) fgq_handles_run(&c, &qu, &e, 1, vis);
        }
        if (c.code == NULL && e.code != NULL) {
            fgq_fail(&c, e.code, "%s", e.err);
        }
    }
    rc = fgq_api_rc(&c, err, err_size);
    fgq_queue_free(&qu);
    return rc;
}

fgd_queue_rc_t
fgd_queue_delete(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, const char *receipt_handle,
    char *err, size_t err_size)
{
    return fgq_api_handle(conf, redis, account, queue_arn, receipt_handle,
        false, 0, err, err_size);
}

fgd_queue_rc_t
fgd_queue_change_visibility(const fgd_conf_t *conf, fgd_redis_t **redis,
    const char *account, const char *queue_arn, const char *receipt_handle,
    unsigned visibility_s, char *err, size_t err_size)
{
    return fgq_api_handle(conf, redis, account, queue_arn, receipt_handle,
        true, visibility_s, err, err_size);
}
