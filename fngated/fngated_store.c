/*
 * fngated_store: functions in Redis (key names from lib/fg_keys.h).
 *
 * Every multi-key write is one Lua script, so a function is either fully
 * there (configuration hash, name in the account's set, code blob and its
 * reference count) or not at all.  Scripts name every key they touch in
 * KEYS, all of one account's hash tag, so they run unchanged on Redis
 * Cluster.  The scripts are fngated/lua/NAME.lua (their KEYS, ARGV and
 * answers are said there), run through fngated_redis.c, as every command.
 *
 * The quotas (fgd_quota_t) are checked in the scripts that write, before
 * their first write: two calls can not both take the last slot, and a
 * refused call (or one Redis refuses for want of memory, which happens at
 * a script's first write) stores nothing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "fg_keys.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"

static int
fgd_keys(const char *account, const char *name, const char *sha,
    char fn[FG_KEY_MAX], char fns[FG_KEY_MAX], char code[FG_KEY_MAX],
    char refs[FG_KEY_MAX])
{
    if (fg_key_function(fn, FG_KEY_MAX, account, name) >= FG_KEY_MAX ||
        fg_key_functions(fns, FG_KEY_MAX, account) >= FG_KEY_MAX ||
        fg_key_code(code, FG_KEY_MAX, account, sha) >= FG_KEY_MAX ||
        fg_key_coderefs(refs, FG_KEY_MAX, account) >= FG_KEY_MAX)
        return -1;
    return 0;
}

/*
 * A count quota refused: 409 ResourceConflictException.  Lambda has no
 * error of its own for these counts (its only count quota with one is
 * aliases per function), a 429 TooManyRequestsException would be retried
 * by the SDKs in vain, and 409 says what is true: the call conflicts with
 * what the account holds until it deletes one.
 */
int
fgd_store_quota_refused(const fgd_req_t *q, const char *what,
    const char *per, const char *key, unsigned limit, fgd_resp_t *r)
{
    fgd_log("error", q->request_id, "%s %s refused: quota of %u %s per %s "
        "(%s) reached", q->caller, q->action, limit, what, per, key);
    return fgd_error(r, 409, "ResourceConflictException",
        "Quota exceeded: at most %u %s per %s (%s); delete one first",
        limit, what, per, key);
}

/* The code storage quota refused the code of size bytes: 400
 * CodeStorageExceededException, as Lambda's. */
static int
fgd_code_storage_refused(const fgd_req_t *q, fgd_resp_t *r, size_t size)
{
    fgd_log("error", q->request_id, "%s %s refused: code of %zu bytes would "
        "pass the account's code storage quota of %zu bytes", q->caller,
        q->action, size, q->conf->quota.code_storage);
    return fgd_error(r, 400, "CodeStorageExceededException",
        "Code storage limit exceeded: the account's code would pass %zu "
        "bytes (quota_code_storage; every version counts)",
        q->conf->quota.code_storage);
}

int
fgd_store_create(const fgd_req_t *q, const fgd_create_t *c, fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kfns[FG_KEY_MAX], kcode[FG_KEY_MAX];
    char         krefs[FG_KEY_MAX], kaliases[FG_KEY_MAX], numbuf[128];
    char         kbytes[FG_KEY_MAX], arn[300], qfn[24], qcode[24], size[24];
    const char  *argv[12 + FGD_FN_FIELDS_MAX];
    size_t       lens[12 + FGD_FN_FIELDS_MAX], n, i;
    redisReply  *reply;
    int          rc = -1;

    if (fgd_keys(q->caller, c->fn.name, c->fn.sha256, kfn, kfns, kcode,
            krefs) != 0 ||
        fg_key_aliases(kaliases, sizeof(kaliases), q->caller, c->fn.name)
            >= (int) sizeof(kaliases) ||
        fg_key_codebytes(kbytes, sizeof(kbytes), q->caller)
            >= (int) sizeof(kbytes))
        return fgd_error(r, 500, "ServiceException", "key too long");
    snprintf(qfn, sizeof(qfn), "%u", q->conf->quota.functions);
    snprintf(qcode, sizeof(qcode), "%zu", q->conf->quota.code_storage);
    snprintf(size, sizeof(size), "%zu", c->zip_len);

    argv[0] = kfn;
    argv[1] = kfns;
    argv[2] = kcode;
    argv[3] = krefs;
    argv[4] = kaliases;
    argv[5] = kbytes;
    argv[6] = c->fn.name;
    argv[7] = c->fn.sha256;
    argv[8] = (const char *) c->zip;  lens[8] = c->zip_len;
    argv[9] = qfn;
    argv[10] = qcode;
    argv[11] = size;
    for (i = 0; i < 12; i++)
        if (i != 8)
            lens[i] = strlen(argv[i]);
    n = fgd_fn_to_fields(&c->fn, argv + 12, lens + 12, numbuf);

    reply = fgd_redis_script(q, FGD_SCRIPT_CREATE, 6, (int) (12 + n), argv,
        lens, r);
    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_INTEGER) {
        fgd_error(r, 502, "ServiceException",
            "The service's storage answered unexpectedly");
        goto cleanup;
    }
    if (reply->integer == 0) {
        fgd_error(r, 409, "ResourceConflictException",
            "Function already exist: %s", c->fn.name);
        goto cleanup;
    }
    if (reply->integer == -1) {
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, c->fn.name,
            NULL);
        fgd_error(r, 409, "ResourceConflictException",
            "The name %s holds cross-account aliases (%s:ALIAS); delete "
            "them before creating a function of that name", c->fn.name,
            arn);
        goto cleanup;
    }
    if (reply->integer == -2) {
        fgd_store_quota_refused(q, "functions", "account",
            "quota_functions", q->conf->quota.functions, r);
        goto cleanup;
    }
    if (reply->integer == -3) {
        fgd_code_storage_refused(q, r, c->zip_len);
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

static int
fgd_fn_from_reply(fgd_fn_t *fn, const redisReply *reply)
{
    const char  **fv;
    size_t       *lens, i;
    int           rc;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return -1;
    fv = calloc(reply->elements, sizeof(*fv));
    lens = calloc(reply->elements, sizeof(*lens));
    if (fv == NULL || lens == NULL) {
        free(fv);
        free(lens);
        return -1;
    }
    for (i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        fv[i] = e->type == REDIS_REPLY_STRING ? e->str : "";
        lens[i] = e->type == REDIS_REPLY_STRING ? e->len : 0;
    }
    rc = fgd_fn_from_fields(fn, fv, lens, reply->elements);
    free(fv);
    free(lens);
    return rc;
}

static int
fgd_unexpected(redisReply *reply, fgd_resp_t *r)
{
    freeReplyObject(reply);
    return fgd_error(r, 502, "ServiceException",
        "The service's storage answered unexpectedly");
}

/* HGETALL key; NULL with r on failure, an empty array when missing. */
static redisReply *
fgd_hgetall(const fgd_req_t *q, const char *key, fgd_resp_t *r)
{
    const char  *argv[2] = { "HGETALL", key };
    size_t       lens[2] = { 7, strlen(key) };
    redisReply  *reply;

    reply = fgd_redis_command(q, true, 2, argv, lens, r);
    if (reply != NULL && reply->type != REDIS_REPLY_ARRAY) {
        fgd_unexpected(reply, r);
        return NULL;
    }
    return reply;
}

/*
 * The function record ($LATEST or a version) at key into fn; 404 naming
 * the function's ARN with qualifier when there is none.
 */
static int
fgd_store_read_fn(const fgd_req_t *q, const char *key, const char *account,
    const char *name, const char *qualifier, fgd_fn_t *fn, fgd_resp_t *r)
{
    char         arn[512];
    redisReply  *reply;
    int          rc = -1;

    reply = fgd_hgetall(q, key, r);
    if (reply == NULL)
        return -1;
    if (reply->elements == 0) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name,
            qualifier);
        fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
        goto cleanup;
    }
    if (fgd_fn_from_reply(fn, reply) != 0) {
        fgd_log("error", q->request_id, "corrupt record %s", key);
        fgd_error(r, 500, "ServiceException",
            "The function's stored configuration is unreadable");
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

int
fgd_store_get(const fgd_req_t *q, const char *account, const char *name,
    fgd_fn_t *fn, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (fg_key_function(key, sizeof(key), account, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    return fgd_store_read_fn(q, key, account, name, "", fn, r);
}

int
fgd_store_list(const fgd_req_t *q, const char *marker, unsigned max_items,
    fgd_fn_t **fns, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r)
{
    char         key[FG_KEY_MAX], start[FG_FUNCTION_NAME_MAX + 2];
    char         count[24];
    const char  *argv[7];
    size_t       lens[7], i, got = 0;
    redisReply  *names;
    fgd_fn_t    *out = NULL;
    int          rc = -1;

    *fns = NULL;
    *n = 0;
    next_marker[0] = '\0';
    if (fg_key_functions(key, sizeof(key), q->caller) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    if (marker[0] != '\0')
        snprintf(start, sizeof(start), "(%s", marker);
    else
        snprintf(start, sizeof(start), "-");
    /* One more than asked, to know whether there is a next page. */
    snprintf(count, sizeof(count), "%u", max_items + 1);
    argv[0] = "ZRANGEBYLEX"; argv[1] = key; argv[2] = start; argv[3] = "+";
    argv[4] = "LIMIT"; argv[5] = "0"; argv[6] = count;
    for (i = 0; i < 7; i++)
        lens[i] = strlen(argv[i]);
    names = fgd_redis_command(q, true, 7, argv, lens, r);
    if (names == NULL)
        return -1;
    if (names->type != REDIS_REPLY_ARRAY) {
        fgd_error(r, 502, "ServiceException",
            "The service's storage answered unexpectedly");
        goto cleanup;
    }
    out = calloc(names->elements ? names->elements : 1, sizeof(*out));
    if (out == NULL) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < names->elements && i < max_items; i++) {
        const redisReply *e = names->element[i];
        fgd_resp_t        tmp = { 0 };

        if (e->type != REDIS_REPLY_STRING ||
            !fg_function_name_valid(e->str, e->len))
            continue;
        /* A function deleted since ZRANGEBYLEX is skipped. */
        if (fgd_store_get(q, q->caller, e->str, &out[got], &tmp) == 0) {
            got++;
        } else if (tmp.status != 404) {
            *r = tmp;
            memset(&tmp, 0, sizeof(tmp));
            goto cleanup;
        }
        fgd_resp_free(&tmp);
    }
    if (names->elements > max_items && max_items > 0) {
        const redisReply *last = names->element[max_items - 1];
        if (last->type == REDIS_REPLY_STRING)
            snprintf(next_marker, next_size, "%s", last->str);
    }
    *fns = out;
    *n = got;
    out = NULL;
    rc = 0;

cleanup:
    if (out != NULL) {
        for (i = 0; i < got; i++)
            fgd_fn_clear(&out[i]);
        free(out);
    }
    freeReplyObject(names);
    return rc;
}

int
fgd_store_code(const fgd_req_t *q, const char *account,
    const char *sha256hex, uint8_t **zip, size_t *len, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    const char  *argv[2];
    size_t       lens[2];
    redisReply  *reply;

    *zip = NULL;
    *len = 0;
    if (fg_key_code(key, sizeof(key), account, sha256hex) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    argv[0] = "GET";  lens[0] = 3;
    argv[1] = key;    lens[1] = strlen(key);
    reply = fgd_redis_command(q, true, 2, argv, lens, r);
    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        fgd_log("error", q->request_id, "code blob %s missing", key);
        return fgd_error(r, 500, "ServiceException",
            "The function's code is missing from storage");
    }
    *zip = malloc(reply->len ? reply->len : 1);
    if (*zip == NULL) {
        freeReplyObject(reply);
        return fgd_error(r, 500, "ServiceException", "out of memory");
    }
    memcpy(*zip, reply->str, reply->len);
    *len = reply->len;
    freeReplyObject(reply);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Versions and aliases                                                  */

int
fgd_store_get_version(const fgd_req_t *q, const char *account,
    const char *name, const char *version, fgd_fn_t *fn, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (version[0] == '\0' || strcmp(version, "$LATEST") == 0)
        return fgd_store_get(q, account, name, fn, r);
    if (fg_key_version(key, sizeof(key), account, name, version)
        >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    return fgd_store_read_fn(q, key, account, name, version, fn, r);
}

int
fgd_store_alias_get(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a, fgd_resp_t *r)
{
    return fgd_store_alias_read(q, account, name, alias, a, NULL, r);
}

int
fgd_store_alias_read(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a,
    fgd_overrides_t *o, fgd_resp_t *r)
{
    char          key[FG_KEY_MAX], arn[512];
    redisReply   *reply;
    const char  **fv = NULL;
    size_t       *lens = NULL, i;
    int           rc = -1;

    if (o != NULL)
        memset(o, 0, sizeof(*o));

    if (fg_key_alias(key, sizeof(key), account, name, alias) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    reply = fgd_hgetall(q, key, r);
    if (reply == NULL)
        return -1;
    if (reply->elements == 0) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name, alias);
        fgd_error(r, 404, "ResourceNotFoundException",
            "Alias not found: %s", arn);
        goto cleanup;
    }
    fv = calloc(reply->elements, sizeof(*fv));
    lens = calloc(reply->elements, sizeof(*lens));
    if (fv == NULL || lens == NULL) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        fv[i] = e->type == REDIS_REPLY_STRING ? e->str : "";
        lens[i] = e->type == REDIS_REPLY_STRING ? e->len : 0;
    }
    if (fgd_alias_from_fields(a, fv, lens, reply->elements) != 0) {
        fgd_log("error", q->request_id, "corrupt record %s", key);
        fgd_error(r, 500, "ServiceException",
            "The alias's stored configuration is unreadable");
        goto cleanup;
    }
    for (i = 0; o != NULL && i + 1 < reply->elements; i += 2) {
        fgd_resp_t  tmp = { 0 };

        if (lens[i] != sizeof("Overrides") - 1 ||
            memcmp(fv[i], "Overrides", lens[i]) != 0)
            continue;
        if (fgd_overrides_parse(fv[i + 1], lens[i + 1], FGD_MEMORY_LIMIT_MB,
                o, &tmp) != 0) {
            fgd_log("error", q->request_id, "corrupt overrides in %s: %s",
                key, tmp.message);
            fgd_resp_free(&tmp);
            fgd_error(r, 500, "ServiceException",
                "The alias's stored configuration is unreadable");
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    free(fv);
    free(lens);
    freeReplyObject(reply);
    return rc;
}

/* Reads one string field; 1 found (into dst), 0 missing, -1 with r. */
static int
fgd_hget(const fgd_req_t *q, const char *key, const char *field, char *dst,
    size_t size, fgd_resp_t *r)
{
    const char  *argv[3] = { "HGET", key, field };
    size_t       lens[3] = { 4, strlen(key), strlen(field) };
    redisReply  *reply;

    dst[0] = '\0';
    reply = fgd_redis_command(q, true, 3, argv, lens, r);
    if (reply == NULL)
        return -1;
    if (reply->type == REDIS_REPLY_NIL) {
        freeReplyObject(reply);
        return 0;
    }
    if (reply->type != REDIS_REPLY_STRING || reply->len >= size)
        return fgd_unexpected(reply, r);
    memcpy(dst, reply->str, reply->len);
    dst[reply->len] = '\0';
    freeReplyObject(reply);
    return 1;
}

int
fgd_store_publish(const fgd_req_t *q, const char *name,
    const fgd_publish_t *p, char version[FGD_VERSION_LEN], bool *created,
    fgd_resp_t *r)
{
    char           kfn[FG_KEY_MAX], kvers[FG_KEY_MAX], kver[FG_KEY_MAX];
    char           krefs[FG_KEY_MAX], klast[FG_KEY_MAX], last[24];
    char           next[24], rev[37], arn[256], kbytes[FG_KEY_MAX];
    char           qver[24], qcode[24];
    const char    *args[15];
    unsigned long  n;
    redisReply    *reply;
    int            attempt, got;

    *created = false;
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    fgd_revision_new(rev);
    for (attempt = 0; attempt < 5; attempt++) {
        if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX)
            return fgd_error(r, 500, "ServiceException", "key too long");
        got = fgd_hget(q, kfn, "LastVersion", last, sizeof(last), r);
        if (got < 0)
            return -1;
        if (got == 0)
            snprintf(last, sizeof(last), "0");
        n = fgd_version_next(last);
        if (n == 0)
            return fgd_error(r, 500, "ServiceException",
                "The function's version counter is unreadable");
        snprintf(next, sizeof(next), "%lu", n);
        if (fg_key_versions(kvers, sizeof(kvers), q->caller, name)
                >= FG_KEY_MAX ||
            fg_key_version(kver, sizeof(kver), q->caller, name, next)
                >= FG_KEY_MAX ||
            fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX ||
            fg_key_version(klast, sizeof(klast), q->caller, name, last)
                >= FG_KEY_MAX ||
            fg_key_codebytes(kbytes, sizeof(kbytes), q->caller)
                >= FG_KEY_MAX)
            return fgd_error(r, 500, "ServiceException", "key too long");
        snprintf(qver, sizeof(qver), "%u", q->conf->quota.versions);
        snprintf(qcode, sizeof(qcode), "%zu", q->conf->quota.code_storage);
        args[0] = kfn;  args[1] = kvers;  args[2] = kver;  args[3] = krefs;
        args[4] = klast;  args[5] = kbytes;
        args[6] = last;  args[7] = next;
        args[8] = p->has_description ? "1" : "0";
        args[9] = p->description;  args[10] = p->sha256;
        args[11] = p->revision_id;  args[12] = rev;
        args[13] = qver;  args[14] = qcode;
        reply = fgd_redis_script(q, FGD_SCRIPT_PUBLISH, 6,
            15, args, NULL, r);
        if (reply == NULL)
            return -1;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
            reply->element[0]->type != REDIS_REPLY_INTEGER)
            return fgd_unexpected(reply, r);
        switch (reply->element[0]->integer) {
        case 1:
        case 2:
            if (reply->elements < 2 ||
                reply->element[1]->type != REDIS_REPLY_STRING ||
                reply->element[1]->len >= FGD_VERSION_LEN)
                return fgd_unexpected(reply, r);
            memcpy(version, reply->element[1]->str, reply->element[1]->len);
            version[reply->element[1]->len] = '\0';
            *created = reply->element[0]->integer == 1;
            freeReplyObject(reply);
            return 0;
        case 0:
            freeReplyObject(reply);
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        case -2: {
            char have[45] = "";
            if (reply->elements >= 2 &&
                reply->element[1]->type == REDIS_REPLY_STRING)
                fgd_sha_hex_to_b64(reply->element[1]->str, have);
            freeReplyObject(reply);
            return fgd_error(r, 400, "InvalidParameterValueException",
                "CodeSHA256 does not match the current CodeSHA256 in "
                "$LATEST (%s). Please try again.", have);
        }
        case -3:
            freeReplyObject(reply);
            return fgd_error(r, 412, "PreconditionFailedException",
                "The Revision Id provided does not match the latest "
                "Revision Id. Call the GetFunction/GetAlias API to "
                "retrieve the latest Revision Id");
        case -4:
            freeReplyObject(reply);
            return fgd_store_quota_refused(q, "versions", "function",
                "quota_versions_per_function", q->conf->quota.versions, r);
        case -5: {
            size_t add = 0;
            if (reply->elements >= 2 &&
                reply->element[1]->type == REDIS_REPLY_STRING)
                add = (size_t) strtoull(reply->element[1]->str, NULL, 10);
            freeReplyObject(reply);
            return fgd_code_storage_refused(q, r, add);
        }
        default:
            freeReplyObject(reply);         /* published meanwhile */
        }
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");
}

int
fgd_store_update_code(const fgd_req_t *q, const char *name,
    const char *old_sha, const fgd_create_t *c, const char *want_revision,
    fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kcode[FG_KEY_MAX], krefs[FG_KEY_MAX];
    char         kold[FG_KEY_MAX], size[24], arn[256], kbytes[FG_KEY_MAX];
    char         qcode[24];
    const char  *args[13];
    size_t       lens[13];
    int          i;
    long long    v;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX ||
        fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX ||
        fg_key_code(kcode, sizeof(kcode), q->caller, c->fn.sha256)
            >= FG_KEY_MAX ||
        fg_key_code(kold, sizeof(kold), q->caller, old_sha) >= FG_KEY_MAX ||
        fg_key_codebytes(kbytes, sizeof(kbytes), q->caller) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    snprintf(size, sizeof(size), "%llu",
        (unsigned long long) c->fn.code_size);
    snprintf(qcode, sizeof(qcode), "%zu", q->conf->quota.code_storage);
    args[0] = kfn;  args[1] = kcode;  args[2] = krefs;  args[3] = kold;
    args[4] = kbytes;
    args[5] = old_sha;  args[6] = want_revision;  args[7] = c->fn.sha256;
    args[8] = (const char *) c->zip;  args[9] = size;
    args[10] = c->fn.last_modified;  args[11] = c->fn.revision_id;
    args[12] = qcode;
    for (i = 0; i < 13; i++)
        lens[i] = i == 8 ? c->zip_len : strlen(args[i]);
    if (fgd_redis_script_int(q, FGD_SCRIPT_UPDATE_CODE,
        5, 13, args, lens, &v, r) != 0)
        return -1;
    if (v == -4)
        return fgd_code_storage_refused(q, r, c->fn.code_size);
    if (v == 1)
        return 0;
    if (v == 0)
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    if (v == -3)
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
    return fgd_error(r, 409, "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in "
        "progress for resource: %s", arn);
}

int
fgd_store_update_config(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *read_revision, fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], numbuf[128], arn[256];
    const char  *args[2 + FGD_FN_FIELDS_MAX];
    size_t       lens[2 + FGD_FN_FIELDS_MAX], n, i;
    long long    v;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, fn->name, "");
    if (fg_key_function(kfn, sizeof(kfn), q->caller, fn->name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    args[0] = kfn;
    args[1] = read_revision;
    n = fgd_fn_to_fields(fn, args + 2, lens + 2, numbuf);
    lens[0] = strlen(kfn);
    lens[1] = strlen(read_revision);
    for (i = 2; i < n + 2; i++)
        lens[i] = strlen(args[i]);
    if (fgd_redis_script_int(q, FGD_SCRIPT_UPDATE_CONFIG, 1, (int) (n + 2),
            args, lens, &v, r) != 0)
        return -1;
    if (v == 1)
        return 0;
    if (v == 0)
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    return fgd_error(r, 409, "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in "
        "progress for resource: %s", arn);
}

/* ZRANGE key 0 -1 (or by lex from a marker); the reply, or NULL with r. */
static redisReply *
fgd_zrange(const fgd_req_t *q, const char *key, fgd_resp_t *r)
{
    const char  *argv[4] = { "ZRANGE", key, "0", "-1" };
    size_t       lens[4] = { 6, strlen(key), 1, 2 };
    redisReply  *reply;

    reply = fgd_redis_command(q, true, 4, argv, lens, r);
    if (reply != NULL && reply->type != REDIS_REPLY_ARRAY) {
        fgd_unexpected(reply, r);
        return NULL;
    }
    return reply;
}

int
fgd_store_list_versions(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, fgd_fn_t **fns, size_t *n,
    char *next_marker, size_t next_size, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    redisReply  *vers = NULL;
    fgd_fn_t    *out = NULL;
    size_t       i, got = 0, total;
    bool         started;
    int          rc = -1;

    *fns = NULL;
    *n = 0;
    next_marker[0] = '\0';
    if (fg_key_versions(key, sizeof(key), q->caller, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    vers = fgd_zrange(q, key, r);
    if (vers == NULL)
        return -1;
    total = vers->elements + 1;
    out = calloc(total, sizeof(*out));
    if (out == NULL) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    /* $LATEST, then the versions in order; the marker is the last one
     * of the previous page. */
    started = marker[0] == '\0';
    for (i = 0; i < total; i++) {
        const char  *v;
        fgd_resp_t   tmp = { 0 };
        unsigned long mv, cv;

        if (i == 0) {
            v = "$LATEST";
        } else {
            if (vers->element[i - 1]->type != REDIS_REPLY_STRING)
                continue;
            v = vers->element[i - 1]->str;
        }
        if (!started) {
            if (strcmp(marker, "$LATEST") == 0) {
                started = true;
                continue;
            }
            mv = strtoul(marker, NULL, 10);
            cv = i == 0 ? 0 : strtoul(v, NULL, 10);
            if (cv <= mv)
                continue;
            started = true;
        }
        if (got == max_items) {
            snprintf(next_marker, next_size, "%s",
                fgd_fn_version(&out[got - 1]));
            break;
        }
        if (fgd_store_get_version(q, q->caller, name, v, &out[got], &tmp)
            == 0) {
            if (i == 0)
                snprintf(out[got].version, sizeof(out[got].version),
                    "$LATEST");
            got++;
        } else if (tmp.status != 404) {
            *r = tmp;
            memset(&tmp, 0, sizeof(tmp));
            goto cleanup;
        } else if (i == 0) {
            *r = tmp;                   /* the function itself is gone */
            memset(&tmp, 0, sizeof(tmp));
            goto cleanup;
        }
        fgd_resp_free(&tmp);
    }
    *fns = out;
    *n = got;
    out = NULL;
    rc = 0;

cleanup:
    if (out != NULL) {
        for (i = 0; i < got; i++)
            fgd_fn_clear(&out[i]);
        free(out);
    }
    freeReplyObject(vers);
    return rc;
}

int
fgd_store_list_aliases(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, const char *version,
    fgd_alias_t **as, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    redisReply  *names = NULL;
    fgd_alias_t *out = NULL;
    size_t       i, got = 0;
    int          rc = -1;

    *as = NULL;
    *n = 0;
    next_marker[0] = '\0';
    if (fg_key_aliases(key, sizeof(key), q->caller, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    names = fgd_zrange(q, key, r);
    if (names == NULL)
        return -1;
    out = calloc(names->elements ? names->elements : 1, sizeof(*out));
    if (out == NULL) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < names->elements; i++) {
        const redisReply *e = names->element[i];
        fgd_resp_t        tmp = { 0 };

        if (e->type != REDIS_REPLY_STRING ||
            (marker[0] != '\0' && strcmp(e->str, marker) <= 0))
            continue;
        if (fgd_store_alias_get(q, q->caller, name, e->str, &out[got], &tmp)
            != 0) {
            if (tmp.status != 404) {
                *r = tmp;
                goto cleanup;
            }
            fgd_resp_free(&tmp);
            continue;
        }
        if (version[0] != '\0' && strcmp(out[got].version, version) != 0 &&
            strcmp(out[got].extra_version, version) != 0)
            continue;
        if (got == max_items) {
            snprintf(next_marker, next_size, "%s", out[got - 1].name);
            break;
        }
        got++;
    }
    *as = out;
    *n = got;
    out = NULL;
    rc = 0;

cleanup:
    free(out);
    freeReplyObject(names);
    return rc;
}

/* The names of the aliases routing to version, ", "-separated, for the
 * message of a refused version delete. */
static void
fgd_aliases_of(const fgd_req_t *q, const char *name, const char *version,
    char *dst, size_t size)
{
    fgd_alias_t  *as = NULL;
    fgd_resp_t    tmp = { 0 };
    char          next[FG_QUALIFIER_MAX + 1];
    size_t        n = 0, i, used = 0;

    dst[0] = '\0';
    if (fgd_store_list_aliases(q, name, "", FGD_LIST_MAX, version, &as, &n,
            next, sizeof(next), &tmp) != 0) {
        fgd_resp_free(&tmp);
        return;
    }
    for (i = 0; i < n && used + 3 < size; i++)
        used += (size_t) snprintf(dst + used, size - used, "%s%s",
            i ? ", " : "", as[i].name);
    free(as);
}

int
fgd_store_delete_version(const fgd_req_t *q, const char *name,
    const char *version, fgd_resp_t *r)
{
    char         kver[FG_KEY_MAX], kvers[FG_KEY_MAX], krefs[FG_KEY_MAX];
    char         kvrefs[FG_KEY_MAX], kcode[FG_KEY_MAX], sha[FGD_SHA256_HEX];
    char         arn[512], names[512], kpol[FG_KEY_MAX], kgr[FG_KEY_MAX];
    char         kbytes[FG_KEY_MAX];
    const char  *args[10];
    long long    v;
    int          attempt, got;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, version);
    for (attempt = 0; attempt < 5; attempt++) {
        if (fg_key_version(kver, sizeof(kver), q->caller, name, version)
                >= FG_KEY_MAX ||
            fg_key_versions(kvers, sizeof(kvers), q->caller, name)
                >= FG_KEY_MAX ||
            fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX ||
            fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
                >= FG_KEY_MAX ||
            fg_key_policy(kpol, sizeof(kpol), q->caller, name)
                >= FG_KEY_MAX ||
            fg_key_grants(kgr, sizeof(kgr), q->caller, name) >= FG_KEY_MAX ||
            fg_key_codebytes(kbytes, sizeof(kbytes), q->caller)
                >= FG_KEY_MAX)
            return fgd_error(r, 500, "ServiceException", "key too long");
        got = fgd_hget(q, kver, "CodeSha256", sha, sizeof(sha), r);
        if (got < 0)
            return -1;
        if (got == 0)
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        if (fg_key_code(kcode, sizeof(kcode), q->caller, sha) >= FG_KEY_MAX)
            return fgd_error(r, 500, "ServiceException", "key too long");
        args[0] = kver;  args[1] = kvers;  args[2] = krefs;
        args[3] = kvrefs;  args[4] = kcode;  args[5] = kpol;
        args[6] = kgr;  args[7] = kbytes;  args[8] = version;
        args[9] = sha;
        if (fgd_redis_script_int(q, FGD_SCRIPT_DELETE_VERSION, 8, 10, args,
                NULL, &v, r) != 0)
            return -1;
        if (v == 1)
            return 0;
        if (v == 0)
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        if (v == -2) {
            fgd_aliases_of(q, name, version, names, sizeof(names));
            return fgd_error(r, 409, "ResourceConflictException",
                "Unable to delete version because the following aliases "
                "reference it: [%s]", names);
        }
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");
}

int
fgd_store_alias_put(const fgd_req_t *q, const char *name,
    const fgd_alias_t *a, const char *read_revision, fgd_resp_t *r)
{
    char         kal[FG_KEY_MAX], kals[FG_KEY_MAX], kvrefs[FG_KEY_MAX];
    char         kv1[FG_KEY_MAX], kv2[FG_KEY_MAX], wbuf[32], arn[512];
    char         qal[24];
    const char  *args[11 + FGD_ALIAS_FIELDS_MAX];
    size_t       lens[11 + FGD_ALIAS_FIELDS_MAX], n, i;
    long long    v;
    bool         create = read_revision == NULL;

    if (fg_key_alias(kal, sizeof(kal), q->caller, name, a->name)
            >= FG_KEY_MAX ||
        fg_key_aliases(kals, sizeof(kals), q->caller, name) >= FG_KEY_MAX ||
        fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
            >= FG_KEY_MAX ||
        (strcmp(a->version, "$LATEST") == 0 || a->target[0] != '\0'
         ? fg_key_function(kv1, sizeof(kv1), q->caller, name)
         : fg_key_version(kv1, sizeof(kv1), q->caller, name, a->version))
            >= FG_KEY_MAX ||
        (a->extra_version[0] == '\0'
         ? fg_key_function(kv2, sizeof(kv2), q->caller, name)
         : fg_key_version(kv2, sizeof(kv2), q->caller, name,
               a->extra_version)) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    args[0] = kal;  args[1] = kals;  args[2] = kvrefs;  args[3] = kv1;
    args[4] = kv2;
    args[5] = create ? "create" : "update";
    args[6] = create ? "" : read_revision;
    args[7] = a->name;  args[8] = a->version;  args[9] = a->extra_version;
    snprintf(qal, sizeof(qal), "%u", q->conf->quota.aliases);
    args[10] = qal;
    n = fgd_alias_to_fields(a, args + 11, lens + 11, wbuf);
    for (i = 0; i < 11; i++)
        lens[i] = strlen(args[i]);
    if (fgd_redis_script_int(q, FGD_SCRIPT_ALIAS_PUT, 5,
        (int) (11 + n), args, lens, &v, r) != 0)
        return -1;
    switch (v) {
    case 1:
        return 0;
    case -7:
        /* Lambda's own error for this quota (400, a client fault) */
        fgd_log("error", q->request_id, "%s CreateAlias refused: quota of "
            "%u aliases per function (quota_aliases_per_function) reached",
            q->caller, q->conf->quota.aliases);
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
        return fgd_error(r, 400, "AliasLimitExceededException",
            "Alias limit exceeded: %s has %u aliases, the most a function "
            "may have (quota_aliases_per_function)", arn,
            q->conf->quota.aliases);
    case 0:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name,
            a->name);
        return fgd_error(r, 409, "ResourceConflictException",
            "Alias already exists: %s", arn);
    case -4:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name,
            a->name);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Alias not found: %s", arn);
    case -5:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
        return fgd_error(r, 409, "ResourceConflictException",
            "A cross-account alias needs a name that is not one of your "
            "functions: %s exists", arn);
    case -2:
    case -3:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name,
            v == -2 ? (strcmp(a->version, "$LATEST") == 0 ? ""
                                                           : a->version)
                    : a->extra_version);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    default:
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
    }
}

int
fgd_store_alias_delete(const fgd_req_t *q, const char *name,
    const char *alias, fgd_resp_t *r)
{
    char         kal[FG_KEY_MAX], kals[FG_KEY_MAX], kvrefs[FG_KEY_MAX];
    char         arn[512], kpol[FG_KEY_MAX], kgr[FG_KEY_MAX];
    const char  *args[6];
    long long    v;

    if (fg_key_alias(kal, sizeof(kal), q->caller, name, alias)
            >= FG_KEY_MAX ||
        fg_key_aliases(kals, sizeof(kals), q->caller, name) >= FG_KEY_MAX ||
        fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
            >= FG_KEY_MAX ||
        fg_key_policy(kpol, sizeof(kpol), q->caller, name) >= FG_KEY_MAX ||
        fg_key_grants(kgr, sizeof(kgr), q->caller, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    args[0] = kal;  args[1] = kals;  args[2] = kvrefs;  args[3] = kpol;
    args[4] = kgr;  args[5] = alias;
    if (fgd_redis_script_int(q, FGD_SCRIPT_ALIAS_DELETE, 5, 6, args, NULL, &v,
            r) != 0)
        return -1;
    if (v == 1)
        return 0;
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, alias);
    return fgd_error(r, 404, "ResourceNotFoundException",
        "Alias not found: %s", arn);
}

/*
 * A cross-account alias of the caller may point at a's target only where
 * the target's owner grants the caller lambda:InvokeFunction on the
 * function or on the qualifier, and where the target exists and is a
 * version or an alias that is not itself cross-account (no chains, so no
 * loops).  The caller learns nothing about the target it was not granted.
 */
int
fgd_store_xalias_check(const fgd_req_t *q, const fgd_alias_t *a,
    fgd_resp_t *r)
{
    fg_route_t    t;
    fgd_alias_t   ta;
    fgd_resp_t    tmp = { 0 };
    char          key[FG_KEY_MAX], f1[FG_KEY_MAX], f2[FG_KEY_MAX];
    const char   *argv[4];
    size_t        lens[4], i;
    redisReply   *reply;
    bool          granted = false;
    int           rc;

    if (fg_alias_target_parse(a->target, strlen(a->target), &t)
        != FG_TARGET_OK)
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Invalid cross-account alias target %.300s", a->target);
    if (strcmp(t.account, q->caller) == 0)
        return fgd_error(r, 400, "InvalidParameterValueException",
            "FunctionVersion names a function of your own account; give "
            "its version number instead of its ARN");
    if (strcmp(t.region, q->region) != 0)
        return fgd_error(r, 400, "InvalidParameterValueException",
            "FunctionVersion names a function of region %s, not %s",
            t.region, q->region);

    if (fg_key_grants(key, sizeof(key), t.account, t.function)
            >= FG_KEY_MAX ||
        fg_key_grant_field(f1, sizeof(f1), "", "lambda:InvokeFunction",
            q->caller) >= FG_KEY_MAX ||
        fg_key_grant_field(f2, sizeof(f2), t.qualifier,
            "lambda:InvokeFunction", q->caller) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    argv[0] = "HMGET";  argv[1] = key;  argv[2] = f1;  argv[3] = f2;
    for (i = 0; i < 4; i++)
        lens[i] = strlen(argv[i]);
    reply = fgd_redis_command(q, true, 4, argv, lens, r);
    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_ARRAY)
        return fgd_unexpected(reply, r);
    for (i = 0; i < reply->elements; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            granted = true;
    freeReplyObject(reply);
    if (!granted) {
        fgd_log("error", q->request_id, "%s may not alias %s: no statement "
            "grants lambda:InvokeFunction", q->caller, a->target);
        return fgd_error(r, 403, "AccessDeniedException",
            "User: arn:aws:iam::%s:root is not authorized to perform: "
            "lambda:InvokeFunction on resource: arn:aws:lambda:%s:%s:"
            "function:%s because no resource-based policy allows the "
            "lambda:InvokeFunction action", q->caller, t.region, t.account,
            t.function);
    }

    if (fg_version_valid(t.qualifier, strlen(t.qualifier))) {
        if (fg_key_version(key, sizeof(key), t.account, t.function,
                t.qualifier) >= FG_KEY_MAX)
            return fgd_error(r, 500, "ServiceException", "key too long");
        argv[0] = "EXISTS";  argv[1] = key;
        lens[0] = 6;  lens[1] = strlen(key);
        reply = fgd_redis_command(q, true, 2, argv, lens, r);
        if (reply == NULL)
            return -1;
        if (reply->type != REDIS_REPLY_INTEGER)
            return fgd_unexpected(reply, r);
        rc = reply->integer > 0 ? 0 : -1;
        freeReplyObject(reply);
        if (rc != 0)
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", a->target);
        return 0;
    }

    if (fgd_store_alias_get(q, t.account, t.function, t.qualifier, &ta,
            &tmp) != 0) {
        if (tmp.status != 404) {
            *r = tmp;
            return -1;
        }
        fgd_resp_free(&tmp);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", a->target);
    }
    if (ta.target[0] != '\0')
        return fgd_error(r, 400, "InvalidParameterValueException",
            "%s is itself a cross-account alias; cross-account aliases can "
            "not be chained", a->target);
    return 0;
}

/*
 * The version a qualifier names: "" and "$LATEST" are $LATEST, a number is
 * that version, anything else an alias of the function (for Invoke,
 * weighted: the alias's additional version with its weight).  The module
 * may later resolve this itself and pass the version; fngated would then
 * only read it.  0 with fn (fn->version set), or -1 with r (404 for an
 * unknown version or alias).
 */
int
fgd_store_resolve(const fgd_req_t *q, const char *account, const char *name,
    const char *qualifier, bool weighted, fgd_fn_t *fn, fgd_resp_t *r)
{
    fgd_alias_t  a;
    fgd_resp_t   tmp = { 0 };
    char         arn[512];
    const char  *version;
    double       u = 0.0;

    if (qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0 ||
        fg_version_valid(qualifier, strlen(qualifier))) {
        if (fgd_store_get_version(q, account, name, qualifier, fn, r) != 0)
            return -1;
        if (fn->version[0] == '\0')
            snprintf(fn->version, sizeof(fn->version), "$LATEST");
        return 0;
    }
    if (!fg_alias_name_valid(qualifier, strlen(qualifier))) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name,
            qualifier);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    if (fgd_store_alias_get(q, account, name, qualifier, &a, &tmp) != 0) {
        if (tmp.status == 404) {
            fgd_resp_free(&tmp);
            fg_function_arn(arn, sizeof(arn), q->region, account, name,
                qualifier);
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        }
        *r = tmp;
        return -1;
    }
    if (a.target[0] != '\0') {
        /* a cross-account alias is resolved by the module, one step deep;
         * one reached here is the second step of a chain (B -> A -> C) */
        fg_function_arn(arn, sizeof(arn), q->region, account, name,
            qualifier);
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s points at another account's function; cross-account "
            "aliases can not be chained", arn);
    }
    if (weighted && a.extra_version[0] != '\0') {
        uint32_t x;
        if (RAND_bytes((unsigned char *) &x, sizeof(x)) != 1)
            x = (uint32_t) rand();
        u = (double) x / 4294967296.0;
    }
    version = fgd_alias_choose(&a, u);
    if (fgd_store_get_version(q, account, name, version, fn, r) != 0)
        return -1;
    if (fn->version[0] == '\0')
        snprintf(fn->version, sizeof(fn->version), "$LATEST");
    return 0;
}

/*
 * DeleteFunction: $LATEST, every version and every alias, in one script.
 * The script is given what was read (the version and alias lists and the
 * code of each) and refuses when anything changed since; then it is read
 * again.
 */
int
fgd_store_delete(const fgd_req_t *q, const char *name, fgd_resp_t *r)
{
    char          kfn[FG_KEY_MAX], kfns[FG_KEY_MAX], krefs[FG_KEY_MAX];
    char          kvers[FG_KEY_MAX], kvrefs[FG_KEY_MAX], kals[FG_KEY_MAX];
    char          arn[256], nv_s[24], na_s[24];
    char          kpol[FG_KEY_MAX], kgr[FG_KEY_MAX], kbnd[FG_KEY_MAX];
    char          kbytes[FG_KEY_MAX];
    char        (*keys)[FG_KEY_MAX] = NULL, (*shas)[FGD_SHA256_HEX] = NULL;
    const char  **args = NULL;
    redisReply   *vers = NULL, *als = NULL, *reply;
    size_t        nv, na, i, k, nargs;
    int           attempt, got, rc = -1;
    long long     v;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX ||
        fg_key_functions(kfns, sizeof(kfns), q->caller) >= FG_KEY_MAX ||
        fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX ||
        fg_key_versions(kvers, sizeof(kvers), q->caller, name)
            >= FG_KEY_MAX ||
        fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
            >= FG_KEY_MAX ||
        fg_key_aliases(kals, sizeof(kals), q->caller, name) >= FG_KEY_MAX ||
        fg_key_policy(kpol, sizeof(kpol), q->caller, name) >= FG_KEY_MAX ||
        fg_key_grants(kgr, sizeof(kgr), q->caller, name) >= FG_KEY_MAX ||
        fg_key_bounds(kbnd, sizeof(kbnd), q->caller, name) >= FG_KEY_MAX ||
        fg_key_codebytes(kbytes, sizeof(kbytes), q->caller) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");

    for (attempt = 0; attempt < 5; attempt++) {
        freeReplyObject(vers);
        freeReplyObject(als);
        free(keys);
        free(shas);
        free(args);
        vers = als = NULL;
        keys = NULL;
        shas = NULL;
        args = NULL;

        if ((vers = fgd_zrange(q, kvers, r)) == NULL ||
            (als = fgd_zrange(q, kals, r)) == NULL)
            goto cleanup;
        nv = vers->elements;
        na = als->elements;
        keys = calloc(nv + na + 1 + nv, sizeof(*keys));
        shas = calloc(nv + 1, sizeof(*shas));
        nargs = 6 + (nv + na + 1 + nv) + 4 + 3 + nv + na + (1 + nv);
        args = calloc(nargs, sizeof(*args));
        if (keys == NULL || shas == NULL || args == NULL) {
            fgd_error(r, 500, "ServiceException", "out of memory");
            goto cleanup;
        }
        got = fgd_hget(q, kfn, "CodeSha256", shas[0], FGD_SHA256_HEX, r);
        if (got < 0)
            goto cleanup;
        if (got == 0) {
            fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
            goto cleanup;
        }
        k = 0;
        for (i = 0; i < nv; i++) {
            if (vers->element[i]->type != REDIS_REPLY_STRING ||
                fg_key_version(keys[k++], FG_KEY_MAX, q->caller, name,
                    vers->element[i]->str) >= FG_KEY_MAX) {
                fgd_error(r, 500, "ServiceException", "bad version entry");
                goto cleanup;
            }
            if (fgd_hget(q, keys[k - 1], "CodeSha256", shas[1 + i],
                    FGD_SHA256_HEX, r) < 0)
                goto cleanup;
        }
        for (i = 0; i < na; i++)
            if (als->element[i]->type != REDIS_REPLY_STRING ||
                fg_key_alias(keys[k++], FG_KEY_MAX, q->caller, name,
                    als->element[i]->str) >= FG_KEY_MAX) {
                fgd_error(r, 500, "ServiceException", "bad alias entry");
                goto cleanup;
            }
        for (i = 0; i < 1 + nv; i++)
            fg_key_code(keys[k++], FG_KEY_MAX, q->caller, shas[i]);

        k = 0;
        args[k++] = kfn;  args[k++] = kfns;  args[k++] = krefs;
        args[k++] = kvers;  args[k++] = kvrefs;  args[k++] = kals;
        for (i = 0; i < nv + na + 1 + nv; i++)
            args[k++] = keys[i];
        args[k++] = kpol;  args[k++] = kgr;  args[k++] = kbnd;
        args[k++] = kbytes;
        snprintf(nv_s, sizeof(nv_s), "%zu", nv);
        snprintf(na_s, sizeof(na_s), "%zu", na);
        args[k++] = name;  args[k++] = nv_s;  args[k++] = na_s;
        for (i = 0; i < nv; i++)
            args[k++] = vers->element[i]->str;
        for (i = 0; i < na; i++)
            args[k++] = als->element[i]->str;
        for (i = 0; i < 1 + nv; i++)
            args[k++] = shas[i];

        reply = fgd_redis_script(q, FGD_SCRIPT_DELETE_ALL,
            (int) (6 + nv + na + 1 + nv + 4),
            (int) k, args, NULL, r);
        if (reply == NULL)
            goto cleanup;
        if (reply->type != REDIS_REPLY_INTEGER) {
            fgd_unexpected(reply, r);
            goto cleanup;
        }
        v = reply->integer;
        freeReplyObject(reply);
        if (v == 1) {
            rc = 0;
            goto cleanup;
        }
        if (v == 0) {
            fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
            goto cleanup;
        }
        /* changed under us: read again */
    }
    fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");

cleanup:
    freeReplyObject(vers);
    freeReplyObject(als);
    free(keys);
    free(shas);
    free(args);
    return rc;
}

/*
 * Resource policies.  One hash per function holds the statements of the
 * function's own policy and of each qualifier's ("QUALIFIER:SID"), and
 * each policy's RevisionId ("#QUALIFIER"); a second hash is the grant
 * index the module reads (fg_keys.h).  Both change only in the scripts.
 */
int
fgd_store_permission_add(const fgd_req_t *q, const fgd_permission_t *p,
    const char *statement, char revision[37], fgd_resp_t *r)
{
    char         kpol[FG_KEY_MAX], kgr[FG_KEY_MAX], kmust[FG_KEY_MAX];
    char         field[FG_KEY_MAX], arn[512];
    const char  *args[9];
    long long    v;
    int          n;

    if (q->qualifier[0] == '\0')
        n = fg_key_function(kmust, sizeof(kmust), q->caller, q->function);
    else if (fg_version_valid(q->qualifier, strlen(q->qualifier)))
        n = fg_key_version(kmust, sizeof(kmust), q->caller, q->function,
            q->qualifier);
    else if (fg_alias_name_valid(q->qualifier, strlen(q->qualifier)))
        n = fg_key_alias(kmust, sizeof(kmust), q->caller, q->function,
            q->qualifier);
    else
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The qualifier '%.130s' can not have a policy: name a version "
            "or an alias", q->qualifier);
    if (n < 0 || n >= FG_KEY_MAX ||
        fg_key_policy(kpol, sizeof(kpol), q->caller, q->function)
            >= FG_KEY_MAX ||
        fg_key_grants(kgr, sizeof(kgr), q->caller, q->function)
            >= FG_KEY_MAX ||
        fg_key_grant_field(field, sizeof(field), q->qualifier, p->action,
            p->principal) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    fgd_revision_new(revision);
    args[0] = kpol;  args[1] = kgr;  args[2] = kmust;
    args[3] = q->qualifier;  args[4] = p->sid;  args[5] = statement;
    args[6] = field;  args[7] = p->want_revision;  args[8] = revision;
    if (fgd_redis_script_int(q, FGD_SCRIPT_PERMISSION_ADD, 3, 9, args, NULL,
            &v, r) != 0)
        return -1;
    switch (v) {
    case 1:
        return 0;
    case 0:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
            q->qualifier);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    case -2:
        return fgd_error(r, 409, "ResourceConflictException",
            "The statement id (%s) provided already exists. Please provide "
            "a new statement id, or remove the existing statement.", p->sid);
    default:
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetPolicy API to retrieve the latest Revision Id");
    }
}

int
fgd_store_permission_remove(const fgd_req_t *q, const char *sid,
    const char *want_revision, fgd_resp_t *r)
{
    char         kpol[FG_KEY_MAX], kgr[FG_KEY_MAX], revision[37];
    const char  *args[6];
    long long    v;

    if (fg_key_policy(kpol, sizeof(kpol), q->caller, q->function)
            >= FG_KEY_MAX ||
        fg_key_grants(kgr, sizeof(kgr), q->caller, q->function)
            >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    fgd_revision_new(revision);
    args[0] = kpol;  args[1] = kgr;  args[2] = q->qualifier;  args[3] = sid;
    args[4] = want_revision;  args[5] = revision;
    if (fgd_redis_script_int(q, FGD_SCRIPT_PERMISSION_REMOVE, 2, 6, args,
            NULL, &v, r) != 0)
        return -1;
    if (v == 1)
        return 0;
    if (v == 0)
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Statement %s is not found in resource policy.", sid);
    return fgd_error(r, 412, "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the GetPolicy API to retrieve the latest Revision Id");
}

static int
fgd_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
fgd_store_policy_get(const fgd_req_t *q, char ***statements, size_t *n,
    char revision[37], fgd_resp_t *r)
{
    char         kpol[FG_KEY_MAX], pre[FG_QUALIFIER_MAX + 2];
    char       **st = NULL;
    redisReply  *reply;
    size_t       i, k = 0, plen;
    int          rc = -1;

    *statements = NULL;
    *n = 0;
    revision[0] = '\0';
    if (fg_key_policy(kpol, sizeof(kpol), q->caller, q->function)
            >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    reply = fgd_hgetall(q, kpol, r);
    if (reply == NULL)
        return -1;
    snprintf(pre, sizeof(pre), "%s:", q->qualifier);
    plen = strlen(pre);
    st = calloc(reply->elements / 2 + 1, sizeof(*st));
    if (st == NULL) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    for (i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *f = reply->element[i], *v = reply->element[i + 1];
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (f->str[0] == '#' && strcmp(f->str + 1, q->qualifier) == 0) {
            snprintf(revision, 37, "%s", v->str);
            continue;
        }
        if (f->len > plen && memcmp(f->str, pre, plen) == 0) {
            /* sorted by field, that is by Sid */
            st[k] = malloc(f->len + 1 + v->len + 1);
            if (st[k] == NULL) {
                fgd_error(r, 500, "ServiceException", "out of memory");
                goto cleanup;
            }
            memcpy(st[k], f->str, f->len);
            st[k][f->len] = '\0';
            memcpy(st[k] + f->len + 1, v->str, v->len + 1);
            k++;
        }
    }
    if (k == 0) {
        fgd_error(r, 404, "ResourceNotFoundException",
            "The resource you requested does not exist.");
        goto cleanup;
    }
    qsort(st, k, sizeof(*st), fgd_str_cmp);
    /* keep only the statements: move each past its sort key */
    for (i = 0; i < k; i++)
        memmove(st[i], st[i] + strlen(st[i]) + 1,
            strlen(st[i] + strlen(st[i]) + 1) + 1);
    *statements = st;
    *n = k;
    st = NULL;
    rc = 0;

cleanup:
    if (st != NULL) {
        for (i = 0; i < k; i++)
            free(st[i]);
        free(st);
    }
    freeReplyObject(reply);
    return rc;
}

/*
 * Execution bounds (fg_key_bounds): one string of JSON per function,
 * written only while the function exists and dropped with it.
 */

int
fgd_store_bounds_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    const char  *argv[2] = { "GET", key };
    size_t       lens[2];
    redisReply  *reply;
    fgd_resp_t   tmp = { 0 };
    int          rc;

    memset(b, 0, sizeof(*b));
    if (fg_key_bounds(key, sizeof(key), account, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    lens[0] = 3;
    lens[1] = strlen(key);
    reply = fgd_redis_command(q, true, 2, argv, lens, r);
    if (reply == NULL)
        return -1;
    if (reply->type == REDIS_REPLY_NIL) {
        freeReplyObject(reply);
        return 0;
    }
    if (reply->type != REDIS_REPLY_STRING)
        return fgd_unexpected(reply, r);
    rc = fgd_bounds_parse(reply->str, reply->len, FGD_MEMORY_LIMIT_MB, b,
        &tmp);
    if (rc != 0) {
        fgd_log("error", q->request_id, "corrupt record %s: %s", key,
            tmp.message);
        fgd_resp_free(&tmp);
        memset(b, 0, sizeof(*b));
    }
    freeReplyObject(reply);
    return rc == 0 ? 0 : fgd_error(r, 500, "ServiceException",
        "The function's stored execution bounds are unreadable");
}

int
fgd_store_bounds_put(const fgd_req_t *q, const char *name, const char *json,
    fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kbnd[FG_KEY_MAX], arn[512];
    const char  *args[3];
    long long    v;

    if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX ||
        fg_key_bounds(kbnd, sizeof(kbnd), q->caller, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    args[0] = kfn;  args[1] = kbnd;  args[2] = json;
    if (fgd_redis_script_int(q, FGD_SCRIPT_BOUNDS_PUT,
            2, 3, args, NULL, &v, r) != 0)
        return -1;
    if (v == 1)
        return 0;
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    return fgd_error(r, 404, "ResourceNotFoundException",
        "Function not found: %s", arn);
}

int
fgd_store_overrides_put(const fgd_req_t *q, const char *name,
    const char *alias, const char *read_revision, const char *json,
    const char *new_revision, fgd_resp_t *r)
{
    char         kal[FG_KEY_MAX], arn[512];
    const char  *args[4];
    long long    v;

    if (fg_key_alias(kal, sizeof(kal), q->caller, name, alias) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    args[0] = kal;  args[1] = read_revision;  args[2] = json;
    args[3] = new_revision;
    if (fgd_redis_script_int(q, FGD_SCRIPT_OVERRIDES_PUT, 1, 4, args, NULL,
            &v, r) != 0)
        return -1;
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, alias);
    switch (v) {
    case 1:
        return 0;
    case -4:
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Alias not found: %s", arn);
    case -6:
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s is not a cross-account alias", arn);
    default:
        return fgd_error(r, 409, "ResourceConflictException",
            "The alias %s is being modified; try again", arn);
    }
}
