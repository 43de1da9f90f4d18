/*
 * fngated_store: functions in Redis (key names from lib/fg_keys.h).
 *
 * Every multi-key write is one Lua script, so a function is either fully
 * there (configuration hash, name in the account's set, code blob and its
 * reference count) or not at all.  Scripts name every key they touch in
 * KEYS, all of one account's hash tag, so they run unchanged on Redis
 * Cluster.
 *
 * Connection policy: each FastCGI thread owns one blocking connection.  A
 * broken connection is dropped and reopened on the next command; a read
 * (HGETALL, GET, ZRANGEBYLEX) that fails on a stale connection is retried
 * once on a fresh one; a write is never retried (it may have been applied),
 * the caller gets 502 ServiceException.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_keys.h"
#include "fngated.h"

/* KEYS: fn, fns, code, coderefs.  ARGV: name, sha, zip, field/values. */
static const char fgd_lua_create[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('SET', KEYS[3], ARGV[3], 'NX')\n"
    "redis.call('HINCRBY', KEYS[4], ARGV[2], 1)\n"
    "local f = {}\n"
    "for i = 4, #ARGV do f[#f + 1] = ARGV[i] end\n"
    "redis.call('HSET', KEYS[1], unpack(f))\n"
    "redis.call('ZADD', KEYS[2], 0, ARGV[1])\n"
    "return 1\n";

/* KEYS: fn, fns, code, coderefs.  ARGV: name, sha the caller read.
 * 0: no such function; -1: its code changed meanwhile (read again). */
static const char fgd_lua_delete[] =
    "local sha = redis.call('HGET', KEYS[1], 'CodeSha256')\n"
    "if not sha then return 0 end\n"
    "if sha ~= ARGV[2] then return -1 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "local n = redis.call('HINCRBY', KEYS[4], sha, -1)\n"
    "if n <= 0 then\n"
    "  redis.call('HDEL', KEYS[4], sha)\n"
    "  redis.call('DEL', KEYS[3])\n"
    "end\n"
    "return 1\n";

static redisContext *
fgd_redis_connect(const fgd_conf_t *conf, char *err, size_t err_size)
{
    struct timeval  tv = { 2, 0 }, io = { 30, 0 };
    redisContext   *c;

    if (strncmp(conf->redis, "unix:", 5) == 0) {
        c = redisConnectUnixWithTimeout(conf->redis + 5, tv);
    } else {
        char        host[256];
        const char *colon = strrchr(conf->redis, ':');
        size_t      hl = (size_t) (colon - conf->redis);

        if (hl >= sizeof(host))
            hl = sizeof(host) - 1;
        memcpy(host, conf->redis, hl);
        host[hl] = '\0';
        c = redisConnectWithTimeout(host, atoi(colon + 1), tv);
    }
    if (c == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (c->err) {
        snprintf(err, err_size, "%s", c->errstr);
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, io);
    return c;
}

/*
 * Runs one command.  Returns the reply, or NULL with r filled (503 when
 * Redis can not be reached, 502 when the command failed on the wire or
 * Redis answered an error).
 */
static redisReply *
fgd_redis(const fgd_req_t *q, bool idempotent, int argc, const char **argv,
    const size_t *lens, fgd_resp_t *r)
{
    redisContext  **ctx = q->redis;
    redisReply     *reply;
    char            err[256];
    int             attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        bool fresh = false;

        if (*ctx == NULL) {
            *ctx = fgd_redis_connect(q->conf, err, sizeof(err));
            if (*ctx == NULL) {
                fgd_log("error", q->request_id, "redis %s: %s",
                    q->conf->redis, err);
                fgd_error(r, 503, "ServiceException",
                    "The service is unavailable: storage can not be "
                    "reached");
                return NULL;
            }
            fresh = true;
        } else if (!idempotent) {
            /* A write is not retried, so first make sure the connection
             * survived (Redis may have restarted since it was used). */
            reply = redisCommand(*ctx, "PING");
            if (reply == NULL) {
                redisFree(*ctx);
                *ctx = NULL;
                continue;
            }
            freeReplyObject(reply);
        }
        reply = redisCommandArgv(*ctx, argc, argv, lens);
        if (reply == NULL) {
            fgd_log("error", q->request_id, "redis %s %s: %s",
                q->conf->redis, argv[0], (*ctx)->errstr);
            redisFree(*ctx);
            *ctx = NULL;
            if (idempotent && !fresh)
                continue;
            fgd_error(r, 502, "ServiceException",
                "The service failed to reach its storage");
            return NULL;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            fgd_log("error", q->request_id, "redis %s: %.*s", argv[0],
                (int) reply->len, reply->str);
            freeReplyObject(reply);
            fgd_error(r, 502, "ServiceException",
                "The service's storage refused a command");
            return NULL;
        }
        return reply;
    }
    fgd_error(r, 502, "ServiceException",
        "The service failed to reach its storage");
    return NULL;
}

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

int
fgd_store_create(const fgd_req_t *q, const fgd_create_t *c, fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kfns[FG_KEY_MAX], kcode[FG_KEY_MAX];
    char         krefs[FG_KEY_MAX], numbuf[128];
    const char  *argv[8 + 3 + FGD_FN_FIELDS_MAX];
    size_t       lens[8 + 3 + FGD_FN_FIELDS_MAX], n;
    redisReply  *reply;
    int          rc = -1;

    if (fgd_keys(q->caller, c->fn.name, c->fn.sha256, kfn, kfns, kcode,
            krefs) != 0)
        return fgd_error(r, 500, "ServiceException", "key too long");

    argv[0] = "EVAL";          lens[0] = 4;
    argv[1] = fgd_lua_create;  lens[1] = sizeof(fgd_lua_create) - 1;
    argv[2] = "4";             lens[2] = 1;
    argv[3] = kfn;             lens[3] = strlen(kfn);
    argv[4] = kfns;            lens[4] = strlen(kfns);
    argv[5] = kcode;           lens[5] = strlen(kcode);
    argv[6] = krefs;           lens[6] = strlen(krefs);
    argv[7] = c->fn.name;      lens[7] = strlen(c->fn.name);
    argv[8] = c->fn.sha256;    lens[8] = strlen(c->fn.sha256);
    argv[9] = (const char *) c->zip;  lens[9] = c->zip_len;
    n = fgd_fn_to_fields(&c->fn, argv + 10, lens + 10, numbuf);

    reply = fgd_redis(q, false, (int) (10 + n), argv, lens, r);
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

int
fgd_store_get(const fgd_req_t *q, const char *account, const char *name,
    fgd_fn_t *fn, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX], arn[256];
    const char  *argv[2];
    size_t       lens[2];
    redisReply  *reply;
    int          rc = -1;

    if (fg_key_function(key, sizeof(key), account, name) >= FG_KEY_MAX)
        return fgd_error(r, 500, "ServiceException", "key too long");
    argv[0] = "HGETALL";  lens[0] = 7;
    argv[1] = key;        lens[1] = strlen(key);
    reply = fgd_redis(q, true, 2, argv, lens, r);
    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name, "");
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
    names = fgd_redis(q, true, 7, argv, lens, r);
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
fgd_store_delete(const fgd_req_t *q, const char *name, fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kfns[FG_KEY_MAX], kcode[FG_KEY_MAX];
    char         krefs[FG_KEY_MAX], arn[256], sha[FGD_SHA256_HEX];
    const char  *argv[9];
    size_t       lens[9], i;
    redisReply  *reply;
    int          attempt;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    for (attempt = 0; attempt < 5; attempt++) {
        if (fg_key_function(kfn, sizeof(kfn), q->caller, name)
            >= FG_KEY_MAX)
            return fgd_error(r, 500, "ServiceException", "key too long");
        argv[0] = "HGET"; argv[1] = kfn; argv[2] = "CodeSha256";
        for (i = 0; i < 3; i++)
            lens[i] = strlen(argv[i]);
        reply = fgd_redis(q, true, 3, argv, lens, r);
        if (reply == NULL)
            return -1;
        if (reply->type != REDIS_REPLY_STRING || reply->len != 64) {
            bool missing = reply->type == REDIS_REPLY_NIL;
            freeReplyObject(reply);
            if (missing)
                return fgd_error(r, 404, "ResourceNotFoundException",
                    "Function not found: %s", arn);
            return fgd_error(r, 500, "ServiceException",
                "The function's stored configuration is unreadable");
        }
        memcpy(sha, reply->str, 64);
        sha[64] = '\0';
        freeReplyObject(reply);

        if (fgd_keys(q->caller, name, sha, kfn, kfns, kcode, krefs) != 0)
            return fgd_error(r, 500, "ServiceException", "key too long");
        argv[0] = "EVAL";  argv[1] = fgd_lua_delete;  argv[2] = "4";
        argv[3] = kfn;  argv[4] = kfns;  argv[5] = kcode;  argv[6] = krefs;
        argv[7] = name;  argv[8] = sha;
        for (i = 0; i < 9; i++)
            lens[i] = strlen(argv[i]);
        reply = fgd_redis(q, false, 9, argv, lens, r);
        if (reply == NULL)
            return -1;
        if (reply->type != REDIS_REPLY_INTEGER) {
            freeReplyObject(reply);
            return fgd_error(r, 502, "ServiceException",
                "The service's storage answered unexpectedly");
        }
        if (reply->integer == 1) {
            freeReplyObject(reply);
            return 0;
        }
        if (reply->integer == 0) {
            freeReplyObject(reply);
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        }
        freeReplyObject(reply);      /* changed under us: read again */
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");
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
    reply = fgd_redis(q, true, 2, argv, lens, r);
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
