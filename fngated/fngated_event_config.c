/*
 * fngated_event_config: asynchronous invocation configurations in Redis
 * (fngated_event_config.h).
 *
 * One hash per function (fg_key_event_invoke_configs): field = the
 * qualifier ($LATEST for an unqualified call), value = the stored form of
 * fngated_event_config_json.c.  Put and Update write through
 * fngated/lua/eic_put.lua, which checks that the function and the
 * qualifier's version or alias exist and, for an Update, that the
 * configuration is still what was read; DeleteFunction, DeleteFunction of
 * a version and DeleteAlias drop the key or the field in their own
 * scripts.  The destinations are checked before the write (Lambda does
 * not keep them checked either: a destination deleted later fails at the
 * call).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_util.h"
#include "fngated_event_config.h"
#include "fngated_json.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"

#define FGD_EIC_JSON_MAX   2048     /* a stored configuration is < 1 KB */
#define FGD_EIC_LIST_MAX   50       /* MaxItems 1-50 */
#define FGD_EIC_ATTEMPTS   3        /* an Update that met another */

static const char *
fgd_eic_qualifier(const char *qualifier)
{
    return qualifier == NULL || qualifier[0] == '\0' ? "$LATEST" : qualifier;
}

static double
fgd_eic_now(void)
{
    return (double) fg_epoch_ms() / 1000.0;
}

/* Lambda's 404 for a qualifier without a configuration. */
static int
fgd_eic_none(const fgd_req_t *q, fgd_resp_t *r)
{
    char  arn[512];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        fgd_eic_qualifier(q->qualifier));
    return fgd_error(r, 404, "ResourceNotFoundException",
        "The function %s doesn't have an EventInvokeConfig", arn);
}

/* The stored configuration of the call's qualifier: 1 (into json), 0
 * none, -1 with r. */
static int
fgd_eic_load(const fgd_req_t *q, char json[FGD_EIC_JSON_MAX], fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (fg_key_event_invoke_configs(key, sizeof(key), q->caller, q->function)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    return fgd_store_hget(q, key, fgd_eic_qualifier(q->qualifier), json,
        FGD_EIC_JSON_MAX, r);
}

static int
fgd_eic_reply(const fgd_req_t *q, const fgd_eic_doc_t *d, fgd_resp_t *r)
{
    char  arn[512];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        fgd_eic_qualifier(q->qualifier));
    return fgd_resp_done(r, fgd_json_eic(d, arn, &r->body, &r->body_len),
        200);
}

/* ------------------------------------------------------------------ */
/* Destinations                                                          */

static int
fgd_eic_refuse(const fgd_req_t *q, fgd_resp_t *r, const char *fmt,
    const char *member, const char *arn, const char *extra)
{
    fgd_error(r, 400, "InvalidParameterValueException", fmt, member, arn,
        extra);
    fgd_log("error", q->request_id, "%s:%s: %s", q->caller, q->function,
        r->message);
    return -1;
}

int
fgd_eic_dest_check(const fgd_req_t *q, const char *arn, const char *member,
    bool queue_only, fgd_resp_t *r)
{
    fgd_dest_t   d;
    char         key[FG_KEY_MAX], f1[FG_KEY_MAX];
    const char  *fields[2] = { f1, "sqs:SendMessage:*" };
    int          rc;
    bool         own;

    if (fgd_dest_parse(arn, &d) != FGD_DEST_OK
        || (queue_only && d.kind != FGD_DEST_QUEUE))
    {
        return fgd_eic_refuse(q, r, "The %s %.300s is not supported: %s",
            member, arn, queue_only ? "it must be an SQS queue"
                                    : "it must be a Lambda function or an "
                                      "SQS queue");
    }
    if (strcmp(d.region, q->region) != 0) {
        return fgd_eic_refuse(q, r, "The %s %.300s is not in this region "
            "(%s)", member, arn, q->region);
    }
    own = strcmp(d.account, q->caller) == 0;

    if (d.kind == FGD_DEST_QUEUE) {
        if (fg_key_queue(key, sizeof(key), FG_QKEY_ATTRS, d.account, d.name)
            >= FG_KEY_MAX)
        {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        rc = fgd_store_exists(q, key, r);
        if (rc <= 0) {
            return rc < 0 ? -1 : fgd_eic_refuse(q, r,
                "The %s %.300s does not exist%s", member, arn, "");
        }
        if (own) {
            return 0;
        }
        if (fg_key_queue(key, sizeof(key), FG_QKEY_GRANTS, d.account, d.name)
                >= FG_KEY_MAX
            || snprintf(f1, sizeof(f1), "sqs:SendMessage:%s", q->caller)
                >= (int) sizeof(f1))
        {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        rc = fgd_store_any_field(q, key, fields, 2, r);
        if (rc <= 0) {
            return rc < 0 ? -1 : fgd_eic_refuse(q, r,
                "The %s %.300s is not allowed: %s", member, arn,
                "the queue's owner does not grant this account "
                "sqs:SendMessage");
        }
        return 0;
    }

    /* a function, and its version or alias when the ARN names one */
    rc = fgd_store_function_exists(q, d.account, d.name, d.qualifier, r);
    if (rc <= 0) {
        return rc < 0 ? -1 : fgd_eic_refuse(q, r,
            "The %s %.300s does not exist%s", member, arn, "");
    }
    if (own) {
        return 0;
    }
    rc = fgd_store_invoke_granted(q, d.account, d.name, d.qualifier,
        q->caller, r);
    if (rc <= 0) {
        return rc < 0 ? -1 : fgd_eic_refuse(q, r,
            "The %s %.300s is not allowed: %s", member, arn,
            "the function's resource policy does not grant this account "
            "lambda:InvokeFunction");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The handlers                                                          */

/*
 * Put (update false) or Update: read, apply the body, check the
 * destinations, write if nothing changed meanwhile.
 */
static int
fgd_eic_write(const fgd_req_t *q, bool update, fgd_resp_t *r)
{
    fgd_eic_doc_t  d;
    char           old[FGD_EIC_JSON_MAX], kfn[FG_KEY_MAX], keic[FG_KEY_MAX];
    char           kq[FG_KEY_MAX], arn[512], *json = NULL;
    const char    *qual = fgd_eic_qualifier(q->qualifier), *args[7];
    long long      v;
    int            attempt, got, rc = -1;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        qual);
    if (fg_key_function(kfn, sizeof(kfn), q->caller, q->function)
            >= FG_KEY_MAX
        || fg_key_event_invoke_configs(keic, sizeof(keic), q->caller,
            q->function) >= FG_KEY_MAX
        || (strcmp(qual, "$LATEST") == 0
            ? fg_key_function(kq, sizeof(kq), q->caller, q->function)
            : fg_version_valid(qual, strlen(qual))
            ? fg_key_version(kq, sizeof(kq), q->caller, q->function, qual)
            : fg_key_alias(kq, sizeof(kq), q->caller, q->function, qual))
            >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }

    /* the body is checked before what is stored, as Lambda checks its
     * members before it looks for the resource */
    memset(&d, 0, sizeof(d));
    fgd_eic_default(&d.c);
    if (fgd_eic_request(q->body, q->body_len, update, &d, r) != 0) {
        return -1;
    }

    for (attempt = 0; attempt < FGD_EIC_ATTEMPTS; attempt++) {
        free(json);
        json = NULL;
        old[0] = '\0';
        memset(&d, 0, sizeof(d));
        fgd_eic_default(&d.c);

        if (update) {
            got = fgd_eic_load(q, old, r);
            if (got < 0) {
                goto cleanup;
            }
            if (got == 0) {
                fgd_eic_none(q, r);
                goto cleanup;
            }
            if (fgd_eic_doc_parse(old, strlen(old), &d) != 0) {
                fgd_log("error", q->request_id, "corrupt event invoke "
                    "config of %s: %s", arn, old);
                fgd_error(r, 500, "ServiceException", "The stored "
                    "configuration is unreadable");
                goto cleanup;
            }
        }
        if (fgd_eic_request(q->body, q->body_len, update, &d, r) != 0
            || (d.c.on_success[0] != '\0'
                && fgd_eic_dest_check(q, d.c.on_success, "destination",
                    false, r) != 0)
            || (d.c.on_failure[0] != '\0'
                && fgd_eic_dest_check(q, d.c.on_failure, "destination",
                    false, r) != 0))
        {
            goto cleanup;
        }
        d.c.last_modified = fgd_eic_now();
        if (fgd_json_eic(&d, NULL, &json, NULL) != 0) {
            fgd_nomem(r);
            goto cleanup;
        }

        args[0] = kfn;  args[1] = keic;  args[2] = kq;  args[3] = qual;
        args[4] = json;  args[5] = update ? "1" : "0";  args[6] = old;
        if (fgd_redis_script_int(q, FGD_SCRIPT_EIC_PUT, 3, 7, args, NULL,
                &v, r) != 0)
        {
            goto cleanup;
        }
        switch (v) {
        case 1:
            fgd_log("info", q->request_id, "event invoke config of %s: %s",
                arn, json);
            rc = fgd_eic_reply(q, &d, r);
            goto cleanup;
        case 0:
        case -1:
            fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
            goto cleanup;
        case -2:
            fgd_eic_none(q, r);
            goto cleanup;
        default:
            continue;               /* changed meanwhile: read again */
        }
    }
    fgd_error(r, 409, "ResourceConflictException", "The event invoke "
        "config of %s is being modified; try again", arn);

cleanup:
    free(json);
    return rc;
}

int
fgd_eic_put(const fgd_req_t *q, fgd_resp_t *r)
{
    return fgd_eic_write(q, false, r);
}

int
fgd_eic_update(const fgd_req_t *q, fgd_resp_t *r)
{
    return fgd_eic_write(q, true, r);
}

int
fgd_eic_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_eic_doc_t  d;
    char           json[FGD_EIC_JSON_MAX];
    int            got;

    got = fgd_eic_load(q, json, r);
    if (got <= 0) {
        return got < 0 ? -1 : fgd_eic_none(q, r);
    }
    if (fgd_eic_doc_parse(json, strlen(json), &d) != 0) {
        fgd_log("error", q->request_id, "corrupt event invoke config of "
            "%s:%s:%s: %s", q->caller, q->function,
            fgd_eic_qualifier(q->qualifier), json);
        return fgd_error(r, 500, "ServiceException", "The stored "
            "configuration is unreadable");
    }
    return fgd_eic_reply(q, &d, r);
}

int
fgd_eic_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    const char  *qual = fgd_eic_qualifier(q->qualifier);
    int          n;

    if (fg_key_event_invoke_configs(key, sizeof(key), q->caller, q->function)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    n = fgd_store_hdel(q, key, qual, r);
    if (n <= 0) {
        return n < 0 ? -1 : fgd_eic_none(q, r);
    }
    fgd_log("info", q->request_id, "event invoke config of %s:%s:%s "
        "deleted", q->caller, q->function, qual);
    r->status = 204;
    return 0;
}

int
fgd_eic_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char                key[FG_KEY_MAX], marker[FG_QUALIFIER_MAX + 1];
    char                num[16], *end, (*arns)[512] = NULL;
    const char         *qs = q->query ? q->query : "", **arnp = NULL;
    const char         *next;
    fgd_store_field_t  *items = NULL;
    fgd_eic_doc_t      *docs = NULL;
    redisReply         *reply = NULL;
    size_t              i, count;
    unsigned long       max_items = FGD_EIC_LIST_MAX;
    int                 got, rc = -1;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_query_marker(qs, strlen(qs), fg_qualifier_valid, marker,
            sizeof(marker), r) != 0)
    {
        return -1;
    }
    got = fg_query_get(qs, strlen(qs), "MaxItems", num, sizeof(num));
    if (got != 0) {
        max_items = got > 0 && num[0] >= '0' && num[0] <= '9'
                    ? strtoul(num, &end, 10) : 0;
        if (got < 0 || num[0] < '0' || num[0] > '9' || *end != '\0'
            || max_items < 1 || max_items > FGD_EIC_LIST_MAX)
        {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value '%.12s' at 'maxItems' "
                "failed to satisfy constraint: Member must have value "
                "between 1 and %d", got > 0 ? num : "", FGD_EIC_LIST_MAX);
        }
    }

    if (fg_key_event_invoke_configs(key, sizeof(key), q->caller, q->function)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    if (fgd_store_hash_page(q, key, fgd_eic_qualifier_cmp, marker, max_items,
            &reply, &items, &count, &next, r) != 0)
    {
        return -1;
    }
    docs = calloc(count + 1, sizeof(*docs));
    arns = calloc(count + 1, sizeof(*arns));
    arnp = calloc(count + 1, sizeof(*arnp));
    if (docs == NULL || arns == NULL || arnp == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    for (i = 0; i < count; i++) {
        if (fgd_eic_doc_parse(items[i].value, items[i].len, &docs[i]) != 0) {
            fgd_log("error", q->request_id, "corrupt event invoke config of "
                "%s:%s:%s", q->caller, q->function, items[i].field);
            fgd_error(r, 500, "ServiceException", "A stored configuration "
                "is unreadable");
            goto cleanup;
        }
        fg_function_arn(arns[i], sizeof(arns[i]), q->region, q->caller,
            q->function, items[i].field);
        arnp[i] = arns[i];
    }
    rc = fgd_resp_done(r, fgd_json_eic_list(docs, arnp, count, next,
        &r->body, &r->body_len), 200);

cleanup:
    free(items);
    free(docs);
    free(arns);
    free(arnp);
    freeReplyObject(reply);
    return rc;
}

/* ------------------------------------------------------------------ */
/* What the asynchronous engine reads                                    */

/* HGET key field on q's connection: 1 found (into dst), 0 not, -1 with
 * err. */
static int
fgd_eic_hget(const fgd_req_t *q, const char *key, const char *field,
    char *dst, size_t size, char *err, size_t errlen)
{
    const char  *argv[3] = { "HGET", key, field };
    redisReply  *reply;
    fgd_resp_t   r;
    int          rc = -1;

    memset(&r, 0, sizeof(r));
    reply = fgd_redis_command(q, true, 3, argv, NULL, &r);
    if (reply == NULL) {
        snprintf(err, errlen, "Redis: %s", r.message);
        fgd_resp_free(&r);
        return -1;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        rc = 0;
    } else if (reply->type == REDIS_REPLY_STRING) {
        if (reply->len >= size) {
            snprintf(err, errlen, "%s %s: %zu bytes, over %zu", key, field,
                reply->len, size - 1);
        } else {
            memcpy(dst, reply->str, reply->len + 1);
            rc = 1;
        }
    } else {
        snprintf(err, errlen, "Redis answered HGET %s %s with another "
            "type", key, field);
    }
    freeReplyObject(reply);
    return rc;
}

int
fgd_eic_read(const fgd_req_t *q, const char *account, const char *function,
    const char *qualifier, fgd_eic_t *out, char *err, size_t errlen)
{
    char  key[FG_KEY_MAX], json[FGD_EIC_JSON_MAX];
    int   got;

    fgd_eic_default(out);
    if (account == NULL || function == NULL
        || fg_key_event_invoke_configs(key, sizeof(key), account, function)
           >= FG_KEY_MAX)
    {
        snprintf(err, errlen, "invalid account or function");
        return -1;
    }
    got = fgd_eic_hget(q, key, fgd_eic_qualifier(qualifier), json,
        sizeof(json), err, errlen);
    if (got <= 0) {
        return got;
    }
    if (fgd_eic_parse(json, strlen(json), out) != 0) {
        /* a corrupt record is not the caller's: the defaults apply */
        fgd_log("error", NULL, "corrupt event invoke config %s %s: %s", key,
            fgd_eic_qualifier(qualifier), json);
    }
    return 0;
}

int
fgd_dead_letter_read(const fgd_req_t *q, const char *account,
    const char *function, const char *qualifier, char *arn, size_t size,
    char *err, size_t errlen)
{
    char         key[FG_KEY_MAX], ver[FG_TARGET_ARN_MAX + 1];
    char         acct[FG_ACCOUNT_LEN + 1], fn[FG_FUNCTION_NAME_MAX + 1];
    const char  *qual = fgd_eic_qualifier(qualifier);
    fg_route_t   t;
    int          hop, got;

    if (arn == NULL || size == 0 || account == NULL || function == NULL) {
        snprintf(err, errlen, "invalid arguments");
        return -1;
    }
    arn[0] = '\0';
    snprintf(acct, sizeof(acct), "%s", account);
    snprintf(fn, sizeof(fn), "%s", function);
    snprintf(ver, sizeof(ver), "%s", qual);

    /* an alias (own, or one step to another account's) to its version */
    for (hop = 0; hop < 3; hop++) {
        if (strcmp(ver, "$LATEST") == 0) {
            got = fg_key_function(key, sizeof(key), acct, fn);
        } else if (fg_version_valid(ver, strlen(ver))) {
            got = fg_key_version(key, sizeof(key), acct, fn, ver);
        } else {
            if (fg_key_alias(key, sizeof(key), acct, fn, ver) >= FG_KEY_MAX) {
                snprintf(err, errlen, "key too long");
                return -1;
            }
            got = fgd_eic_hget(q, key, "FunctionVersion", ver, sizeof(ver),
                err, errlen);
            if (got <= 0) {
                return got;         /* no such alias: no dead-letter queue */
            }
            if (fg_is_arn(ver, strlen(ver))) {
                if (fg_alias_target_parse(ver, strlen(ver), &t)
                    != FG_TARGET_OK)
                {
                    return 0;
                }
                snprintf(acct, sizeof(acct), "%s", t.account);
                snprintf(fn, sizeof(fn), "%s", t.function);
                snprintf(ver, sizeof(ver), "%s", t.qualifier);
            }
            continue;
        }
        if (got >= FG_KEY_MAX) {
            snprintf(err, errlen, "key too long");
            return -1;
        }
        got = fgd_eic_hget(q, key, "DeadLetterTargetArn", arn, size, err,
            errlen);
        if (got <= 0) {
            arn[0] = '\0';
        }
        return got < 0 ? -1 : 0;
    }
    return 0;                       /* a chain: nothing to follow */
}
