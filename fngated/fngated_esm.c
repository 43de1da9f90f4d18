/*
 * fngated_esm: the event source mapping calls on Redis (fngated_esm.h).
 *
 * A mapping is one hash fg:esm:{A}:UUID of its owner A (the fields of
 * fngated_esm_json.c), its UUID in A's zset fg:esms:{A}; both are written
 * by fngated/lua/esm_put.lua and dropped by esm_delete.lua.  A is put in
 * the global set fg:esm:accounts before its first mapping is written: the
 * pollers' registry read starts there (fngated_esm_poll.c).
 *
 * What Create and Update check beyond the body:
 *   FunctionName: the caller's function, or another account's that
 *     grants the caller lambda:InvokeFunction (its function-wide policy
 *     or the qualifier's); its version or alias must exist.  Unknown, or
 *     not granted: 404 ResourceNotFoundException (another account's code
 *     is not shown).  The grant is checked again at every batch, as any
 *     Invoke: the pollers call as the mapping's owner.
 *   EventSourceArn: a queue of this region that exists (else 400
 *     InvalidParameterValueException, SQS's NonExistentQueue as Lambda
 *     words it); another account's queue must grant the owner
 *     sqs:ReceiveMessage and sqs:DeleteMessage (its Policy or
 *     AddPermission, docs/queues.md), else 400.
 *   A mapping of the same queue and function: 409 ResourceConflict-
 *     Exception (Lambda's rule).
 * DeleteFunction leaves the function's mappings, as Lambda does: their
 * pollers' calls fail (404) and LastProcessingResult says "PROBLEM:
 * Function not found" while the messages wait in the queue.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "fg_keys.h"
#include "fg_util.h"
#include "fngated_esm.h"
#include "fngated_json.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"
#include "fngated_util.h"

#define FGD_ESM_ATTEMPTS  3         /* an Update that met another */

static int
fgd_esm_none(fgd_resp_t *r)
{
    return fgd_error(r, 404, "ResourceNotFoundException",
        "The resource you requested does not exist.");
}

static bool
fgd_esm_fifo(const char *source_arn)
{
    size_t  len = strlen(source_arn);

    return len > 5 && strcmp(source_arn + len - 5, ".fifo") == 0;
}

/* One command's integer reply: >= 0, or -1 with r. */
static long long
fgd_esm_int(const fgd_req_t *q, int argc, const char **argv, fgd_resp_t *r)
{
    redisReply  *reply;
    long long    v;

    reply = fgd_redis_command(q, true, argc, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        return fgd_store_unexpected(reply, r);
    }
    v = reply->integer;
    freeReplyObject(reply);
    return v;
}

/* ------------------------------------------------------------------ */
/* What the names name                                                   */

/* FunctionName into arn, once checked: 0, or -1 with r. */
static int
fgd_esm_function_check(const fgd_req_t *q, const char *name, char *arn,
    size_t size, fgd_resp_t *r)
{
    fg_route_t  t;
    int         n;

    if (fgd_esm_function_parse(name, q->caller, q->region, &t, r) != 0) {
        return -1;
    }
    fg_function_arn(arn, size, q->region, t.account, t.function,
        t.qualifier);
    n = fgd_store_function_exists(q, t.account, t.function, t.qualifier, r);
    if (n > 0 && strcmp(t.account, q->caller) != 0) {
        n = fgd_store_invoke_granted(q, t.account, t.function, t.qualifier,
            q->caller, r);
        if (n == 0) {
            fgd_log("info", q->request_id, "%s: no lambda:InvokeFunction "
                "of %s for %s", q->action, arn, q->caller);
        }
    }
    if (n < 0) {
        return -1;
    }
    if (n == 0) {
        fgd_error(r, 404, "ResourceNotFoundException", "Function not "
            "found: %s", arn);
        fgd_log("error", q->request_id, "%s of %s: %s", q->action,
            q->caller, r->message);
        return -1;
    }
    return 0;
}

/* EventSourceArn, once checked: 0 with *fifo, or -1 with r. */
static int
fgd_esm_queue_check(const fgd_req_t *q, const char *arn, bool *fifo,
    fgd_resp_t *r)
{
    fgd_dest_t   d;
    char         key[FG_KEY_MAX], f[4][FG_KEY_MAX];
    const char  *fields[4] = { f[0], f[1], f[2], f[3] };
    int          rc, i;
    static const char *const  actions[2] = {
        "sqs:ReceiveMessage", "sqs:DeleteMessage"
    };

    if (fgd_dest_parse(arn, &d) != FGD_DEST_OK || d.kind != FGD_DEST_QUEUE)
    {
        fgd_error(r, 400, "InvalidParameterValueException", "Unrecognized "
            "event source, must be an Amazon SQS queue of fngate: %.300s",
            arn);
        goto refused;
    }
    if (strcmp(d.region, q->region) != 0) {
        fgd_error(r, 400, "InvalidParameterValueException", "The queue "
            "%.300s is not in this region (%s)", arn, q->region);
        goto refused;
    }
    *fifo = fgd_esm_fifo(arn);
    if (fg_key_queue(key, sizeof(key), FG_QKEY_ATTRS, d.account, d.name)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    rc = fgd_store_exists(q, key, r);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        fgd_error(r, 400, "InvalidParameterValueException", "Error occurred "
            "while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService."
            "NonExistentQueue. SQS Error Message: The specified queue does "
            "not exist: %.300s", arn);
        goto refused;
    }
    if (strcmp(d.account, q->caller) == 0) {
        return 0;
    }
    if (fg_key_queue(key, sizeof(key), FG_QKEY_GRANTS, d.account, d.name)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    for (i = 0; i < 2; i++) {
        snprintf(f[0], sizeof(f[0]), "%s:%s", actions[i], q->caller);
        snprintf(f[1], sizeof(f[1]), "%s:*", actions[i]);
        snprintf(f[2], sizeof(f[2]), "sqs:*:%s", q->caller);
        snprintf(f[3], sizeof(f[3]), "sqs:*:*");
        rc = fgd_store_any_field(q, key, fields, 4, r);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            fgd_error(r, 400, "InvalidParameterValueException", "The queue's "
                "owner does not grant this account %s on %.300s",
                actions[i], arn);
            goto refused;
        }
    }
    return 0;

refused:
    fgd_log("error", q->request_id, "%s of %s: %s", q->action, q->caller,
        r->message);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Reading                                                               */

int
fgd_esm_load(const fgd_req_t *q, const char *account, const char *uuid,
    fgd_esm_t *m, fgd_resp_t *r)
{
    char          key[FG_KEY_MAX];
    redisReply   *reply;
    const char  **names;
    const char   *vals[2 * FGD_ESM_FIELDS + 8];
    size_t        i, n;

    if (uuid == NULL || !fg_uuid_valid(uuid, strlen(uuid))) {
        return 0;
    }
    if (fg_key_esm(key, sizeof(key), account, uuid) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    reply = fgd_store_hgetall(q, key, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->elements == 0) {
        freeReplyObject(reply);
        return 0;
    }
    n = reply->elements / 2;
    if (n > FGD_ESM_FIELDS + 4) {
        n = FGD_ESM_FIELDS + 4;
    }
    names = vals + n;
    for (i = 0; i < n; i++) {
        names[i] = reply->element[2 * i]->type == REDIS_REPLY_STRING
                   ? reply->element[2 * i]->str : "";
        vals[i] = reply->element[2 * i + 1]->type == REDIS_REPLY_STRING
                  ? reply->element[2 * i + 1]->str : "";
    }
    memset(m, 0, sizeof(*m));
    memcpy(m->uuid, uuid, 37);
    if (fgd_esm_parse_fields(n, names, vals, m) != 0) {
        fgd_log("error", q->request_id, "event source mapping %s is "
            "unreadable; ignored", key);
        freeReplyObject(reply);
        return 0;
    }
    freeReplyObject(reply);
    return 1;
}

redisReply *
fgd_esm_uuids(const fgd_req_t *q, const char *account, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (fg_key_esms(key, sizeof(key), account) >= FG_KEY_MAX) {
        fgd_error(r, 500, "ServiceException", "key too long");
        return NULL;
    }
    return fgd_store_zrange(q, key, r);
}

int
fgd_esm_result(const fgd_req_t *q, const char *account, const char *uuid,
    const char *result)
{
    char         key[FG_KEY_MAX];
    const char  *args[3];
    long long    v;
    fgd_resp_t   r;

    memset(&r, 0, sizeof(r));
    if (fg_key_esm(key, sizeof(key), account, uuid) >= FG_KEY_MAX) {
        return -1;
    }
    args[0] = key;
    args[1] = "LastProcessingResult";
    args[2] = result;
    if (fgd_redis_script_int(q, FGD_SCRIPT_ESM_RESULT, 1, 3, args, NULL,
            &v, &r) != 0)
    {
        fgd_log("warn", q->request_id, "event source mapping %s: its "
            "LastProcessingResult not written: %s", uuid, r.message);
        fgd_resp_free(&r);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                               */

/* m through esm_put.lua: 1 done, 0 none (update), -1 with r, -3 changed
 * (update) or the UUID taken (create, as -3 too: the caller retries). */
static int
fgd_esm_write(const fgd_req_t *q, const fgd_esm_t *m, bool create,
    const char *old_modified, fgd_resp_t *r)
{
    fgd_esm_bufs_t  b;
    const char     *names[FGD_ESM_FIELDS], *vals[FGD_ESM_FIELDS];
    const char     *args[6 + 2 * FGD_ESM_FIELDS];
    char            kz[FG_KEY_MAX], kh[FG_KEY_MAX], score[24];
    long long       v;
    int             i;

    if (fg_key_esms(kz, sizeof(kz), q->caller) >= FG_KEY_MAX
        || fg_key_esm(kh, sizeof(kh), q->caller, m->uuid) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    fgd_esm_fields(m, &b, names, vals);
    snprintf(score, sizeof(score), "%llu",
        (unsigned long long) m->last_modified_ms);
    args[0] = kz;
    args[1] = kh;
    args[2] = create ? "create" : "update";
    args[3] = m->uuid;
    args[4] = score;
    args[5] = old_modified;
    for (i = 0; i < FGD_ESM_FIELDS; i++) {
        args[6 + 2 * i] = names[i];
        args[7 + 2 * i] = vals[i];
    }
    if (fgd_redis_script_int(q, FGD_SCRIPT_ESM_PUT, 2, 6 + 2 * FGD_ESM_FIELDS,
            args, NULL, &v, r) != 0)
    {
        return -1;
    }
    return v == 1 ? 1 : v == 0 ? 0 : -3;
}

/* A mapping of the same queue and function among the caller's: 1 (its
 * UUID into uuid), 0, or -1 with r. */
static int
fgd_esm_duplicate(const fgd_req_t *q, const fgd_esm_t *m, char uuid[37],
    fgd_resp_t *r)
{
    redisReply  *ids;
    fgd_esm_t    o;
    size_t       i;
    int          rc = 0, got;

    ids = fgd_esm_uuids(q, q->caller, r);
    if (ids == NULL) {
        return -1;
    }
    for (i = 0; i < ids->elements && rc == 0; i++) {
        if (ids->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        got = fgd_esm_load(q, q->caller, ids->element[i]->str, &o, r);
        if (got < 0) {
            rc = -1;
        } else if (got == 1 && strcmp(o.source_arn, m->source_arn) == 0
                   && strcmp(o.function_arn, m->function_arn) == 0)
        {
            memcpy(uuid, o.uuid, 37);
            rc = 1;
        }
    }
    freeReplyObject(ids);
    return rc;
}

int
fgd_esm_create(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_esm_req_t  req;
    fgd_esm_t      m;
    uint8_t        rnd[16];
    char           set[FG_KEY_MAX], other[37];
    const char    *argv[3];
    bool           fifo = false;
    int            rc, attempt;

    if (fgd_esm_request(q->body, q->body_len, false, &req, r) != 0) {
        return -1;
    }
    memset(&m, 0, sizeof(m));
    m.batch_size = FGD_ESM_BATCH_DEFAULT;
    m.enabled = true;
    snprintf(m.reason, sizeof(m.reason), "USER_INITIATED");
    snprintf(m.source_arn, sizeof(m.source_arn), "%s", req.source_arn);
    if (fgd_esm_queue_check(q, req.source_arn, &fifo, r) != 0
        || fgd_esm_function_check(q, req.function, m.function_arn,
            sizeof(m.function_arn), r) != 0
        || fgd_esm_apply(&req, fifo, &m, r) != 0)
    {
        return -1;
    }
    rc = fgd_esm_duplicate(q, &m, other, r);
    if (rc != 0) {
        return rc < 0 ? -1 : fgd_error(r, 409, "ResourceConflictException",
            "An event source mapping with SQS arn (\" %s \") and function "
            "(\" %s \") already exists. Please update or delete the "
            "existing mapping with UUID %s", m.source_arn, m.function_arn,
            other);
    }

    /* the registry first: a mapping is always found from it */
    fg_key_esm_accounts(set, sizeof(set));
    argv[0] = "SADD";
    argv[1] = set;
    argv[2] = q->caller;
    if (fgd_esm_int(q, 3, argv, r) < 0) {
        return -1;
    }
    for (attempt = 0; attempt < FGD_ESM_ATTEMPTS; attempt++) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            return fgd_error(r, 500, "ServiceException", "no randomness");
        }
        fgd_uuid_format(rnd, m.uuid);
        m.last_modified_ms = fg_epoch_ms();
        rc = fgd_esm_write(q, &m, true, "", r);
        if (rc != -3) {
            break;
        }
    }
    if (rc != 1) {
        return rc < 0 && r->status ? -1 : fgd_error(r, 500,
            "ServiceException", "The mapping could not be stored");
    }
    fgd_log("info", q->request_id, "event source mapping %s of %s: %s -> %s "
        "(batch %u, window %u s%s, max concurrency %u, %s)", m.uuid,
        q->caller, m.source_arn, m.function_arn, m.batch_size, m.window_s,
        m.report_failures ? ", ReportBatchItemFailures" : "",
        m.max_concurrency, m.enabled ? "enabled" : "disabled");
    return fgd_resp_done(r, fgd_json_esm(&m, "Creating", &r->body,
        &r->body_len), 202);
}

int
fgd_esm_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_esm_t  m;
    int        rc;

    rc = fgd_esm_load(q, q->caller, q->route.mapping, &m, r);
    if (rc <= 0) {
        return rc < 0 ? -1 : fgd_esm_none(r);
    }
    return fgd_resp_done(r, fgd_json_esm(&m, fgd_esm_state(&m), &r->body,
        &r->body_len), 200);
}

static bool
fgd_esm_marker_valid(const char *s, size_t len)
{
    return fg_uuid_valid(s, len);
}

int
fgd_esm_list(const fgd_req_t *q, fgd_resp_t *r)
{
    redisReply  *ids;
    fgd_esm_t   *ms = NULL;
    fg_route_t   want, t;
    char         marker[37], source[FGD_DEST_ARN_MAX + 1];
    char         fname[FG_TARGET_ARN_MAX + 1];
    const char  *next = NULL;
    unsigned     max_items;
    size_t       i, n = 0, qlen = q->query ? strlen(q->query) : 0;
    bool         started;
    int          got, has_source, has_fn, rc = -1;

    if (fgd_page_query(q->query, fgd_esm_marker_valid, marker,
            sizeof(marker), &max_items, r) != 0)
    {
        return -1;
    }
    has_source = fg_query_get(q->query, qlen, "EventSourceArn", source,
        sizeof(source));
    has_fn = fg_query_get(q->query, qlen, "FunctionName", fname,
        sizeof(fname));
    if (has_source < 0 || has_fn < 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "EventSourceArn or FunctionName is not valid");
    }
    if (has_fn == 1
        && fgd_esm_function_parse(fname, q->caller, q->region, &want, r)
           != 0)
    {
        return -1;
    }

    ids = fgd_esm_uuids(q, q->caller, r);
    if (ids == NULL) {
        return -1;
    }
    ms = calloc(max_items + 1, sizeof(*ms));
    if (ms == NULL) {
        freeReplyObject(ids);
        return fgd_nomem(r);
    }
    started = marker[0] == '\0';
    for (i = 0; i < ids->elements; i++) {
        if (ids->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        if (!started) {
            if (strcmp(ids->element[i]->str, marker) != 0) {
                continue;
            }
            started = true;
        }
        got = fgd_esm_load(q, q->caller, ids->element[i]->str, &ms[n], r);
        if (got < 0) {
            goto cleanup;
        }
        if (got == 0
            || (has_source == 1 && strcmp(ms[n].source_arn, source) != 0))
        {
            continue;
        }
        if (has_fn == 1) {
            fgd_resp_t  ignore;

            memset(&ignore, 0, sizeof(ignore));
            if (fgd_esm_function_parse(ms[n].function_arn, q->caller,
                    q->region, &t, &ignore) != 0
                || strcmp(t.account, want.account) != 0
                || strcmp(t.function, want.function) != 0
                || (want.qualifier[0] != '\0'
                    && strcmp(t.qualifier, want.qualifier) != 0))
            {
                fgd_resp_free(&ignore);
                continue;
            }
        }
        if (n == max_items) {
            next = ms[n].uuid;
            break;
        }
        n++;
    }
    rc = fgd_resp_done(r, fgd_json_esm_list(ms, n, next, &r->body,
        &r->body_len), 200);

cleanup:
    free(ms);
    freeReplyObject(ids);
    return rc;
}

int
fgd_esm_update(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_esm_req_t  req;
    fgd_esm_t      m;
    char           old[24];
    const char    *state;
    bool           was;
    int            rc = 0, attempt;

    if (fgd_esm_request(q->body, q->body_len, true, &req, r) != 0) {
        return -1;
    }
    for (attempt = 0; attempt < FGD_ESM_ATTEMPTS; attempt++) {
        rc = fgd_esm_load(q, q->caller, q->route.mapping, &m, r);
        if (rc <= 0) {
            return rc < 0 ? -1 : fgd_esm_none(r);
        }
        was = m.enabled;
        snprintf(old, sizeof(old), "%llu",
            (unsigned long long) m.last_modified_ms);
        if ((req.has_function
             && fgd_esm_function_check(q, req.function, m.function_arn,
                    sizeof(m.function_arn), r) != 0)
            || fgd_esm_apply(&req, fgd_esm_fifo(m.source_arn), &m, r) != 0)
        {
            return -1;
        }
        m.last_modified_ms = fg_epoch_ms();
        if (m.last_modified_ms <= (uint64_t) atoll(old)) {
            m.last_modified_ms = (uint64_t) atoll(old) + 1;
        }
        snprintf(m.reason, sizeof(m.reason), "USER_INITIATED");
        rc = fgd_esm_write(q, &m, false, old, r);
        if (rc != -3) {
            break;
        }
    }
    if (rc == 0) {
        return fgd_esm_none(r);
    }
    if (rc != 1) {
        return r->status ? -1 : fgd_error(r, 409,
            "ResourceConflictException", "The mapping was changed by "
            "another call; try again");
    }
    state = req.has_enabled && was != m.enabled
            ? (m.enabled ? "Enabling" : "Disabling") : "Updating";
    fgd_log("info", q->request_id, "event source mapping %s of %s updated: "
        "%s, batch %u, window %u s%s, max concurrency %u, function %s",
        m.uuid, q->caller, m.enabled ? "enabled" : "disabled", m.batch_size,
        m.window_s, m.report_failures ? ", ReportBatchItemFailures" : "",
        m.max_concurrency, m.function_arn);
    return fgd_resp_done(r, fgd_json_esm(&m, state, &r->body, &r->body_len),
        202);
}

int
fgd_esm_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_esm_t    m;
    char         kz[FG_KEY_MAX], kh[FG_KEY_MAX];
    const char  *args[3];
    long long    v;
    int          rc;

    rc = fgd_esm_load(q, q->caller, q->route.mapping, &m, r);
    if (rc <= 0) {
        return rc < 0 ? -1 : fgd_esm_none(r);
    }
    if (fg_key_esms(kz, sizeof(kz), q->caller) >= FG_KEY_MAX
        || fg_key_esm(kh, sizeof(kh), q->caller, m.uuid) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    args[0] = kz;
    args[1] = kh;
    args[2] = m.uuid;
    if (fgd_redis_script_int(q, FGD_SCRIPT_ESM_DELETE, 2, 3, args, NULL,
            &v, r) != 0)
    {
        return -1;
    }
    if (v == 0) {
        return fgd_esm_none(r);
    }
    fgd_log("info", q->request_id, "event source mapping %s of %s deleted "
        "(%s -> %s)", m.uuid, q->caller, m.source_arn, m.function_arn);
    return fgd_resp_done(r, fgd_json_esm(&m, "Deleting", &r->body,
        &r->body_len), 202);
}
