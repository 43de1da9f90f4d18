/*
 * fngated_redis: the connection, commands and scripts of
 * fngated_redis.h.
 *
 * Connection policy: each FastCGI thread owns one blocking connection.  A
 * broken connection is dropped and reopened on the next command; a read
 * (HGETALL, GET, ZRANGEBYLEX) that fails on a stale connection is retried
 * once on a fresh one; a write is never retried (it may have been applied),
 * the caller gets 502 ServiceException.  A script Redis does not know
 * (NOSCRIPT) did not run, so it is loaded and run once more.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fngated_log.h"
#include "fngated_redis.h"

/* The SHA1 (hex) of each script's text: what EVALSHA names it by. */
static char            fgd_script_sha[FGD_SCRIPT_COUNT][41];
static pthread_once_t  fgd_script_once = PTHREAD_ONCE_INIT;

static void
fgd_redis_script_shas(void)
{
    unsigned char  md[EVP_MAX_MD_SIZE];
    unsigned int   md_len, i, s;
    const char    *text;

    for (s = 0; s < FGD_SCRIPT_COUNT; s++) {
        text = fgd_redis_scripts[s].text;
        if (text == NULL
            || EVP_Digest(text, strlen(text), md, &md_len, EVP_sha1(), NULL)
            != 1 || md_len != 20)
        {
            continue;
        }
        for (i = 0; i < 20; i++) {
            snprintf(&fgd_script_sha[s][2 * i], 3, "%02x", md[i]);
        }
    }
}

static const char *
fgd_redis_sha(fgd_script_t script)
{
    pthread_once(&fgd_script_once, fgd_redis_script_shas);
    return fgd_script_sha[script];
}

fgd_script_t
fgd_redis_scripts_missing(void)
{
    unsigned  s;

    for (s = 0; s < FGD_SCRIPT_COUNT; s++) {
        if (fgd_redis_scripts[s].name == NULL
            || fgd_redis_scripts[s].text == NULL
            || fgd_redis_sha((fgd_script_t) s)[0] == '\0')
        {
            return (fgd_script_t) s;
        }
    }
    return FGD_SCRIPT_COUNT;
}

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

        if (hl >= sizeof(host)) {
            hl = sizeof(host) - 1;
        }
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
 * Loads every script on a new connection, in one round trip.  What fails
 * here is only logged: a script Redis does not have is loaded when
 * EVALSHA answers NOSCRIPT, and a broken connection fails the command
 * that follows.
 */
static void
fgd_redis_load(const fgd_req_t *q, redisContext *c)
{
    redisReply  *reply;
    unsigned     s, sent = 0;
    const char  *text;

    for (s = 0; s < FGD_SCRIPT_COUNT; s++) {
        text = fgd_redis_scripts[s].text;
        if (redisAppendCommand(c, "SCRIPT LOAD %b", text, strlen(text))
            != REDIS_OK)
        {
            break;
        }
        sent++;
    }
    for (s = 0; s < sent; s++) {
        if (redisGetReply(c, (void **) &reply) != REDIS_OK || reply == NULL) {
            fgd_log("error", q->request_id, "redis %s: SCRIPT LOAD: %s",
                q->conf->redis, c->errstr);
            return;
        }
        if (reply->type != REDIS_REPLY_STRING
            || strcmp(reply->str, fgd_redis_sha((fgd_script_t) s)) != 0)
        {
            fgd_log("error", q->request_id, "redis %s: SCRIPT LOAD of %s "
                "answered %.*s", q->conf->redis, fgd_redis_scripts[s].name,
                reply->str != NULL ? (int) reply->len : 0,
                reply->str != NULL ? reply->str : "");
        }
        freeReplyObject(reply);
    }
}

/*
 * fgd_redis_command, with what (the command as the log names it) and,
 * when noscript is not NULL, Redis's NOSCRIPT answer handed back (NULL
 * with *noscript true, r untouched) rather than made a 502.
 */
static redisReply *
fgd_redis_exec(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, const char *what, bool *noscript,
    fgd_resp_t *r)
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
            fgd_redis_load(q, *ctx);
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
                q->conf->redis, what, (*ctx)->errstr);
            redisFree(*ctx);
            *ctx = NULL;
            if (idempotent && !fresh) {
                continue;
            }
            fgd_error(r, 502, "ServiceException",
                "The service failed to reach its storage");
            return NULL;
        }
        if (reply->type == REDIS_REPLY_ERROR
            && strncmp(reply->str, "OOM ", 4) == 0)
        {
            /*
             * Redis is at its maxmemory (noeviction).  It refuses a
             * script at its first write that could grow memory, before
             * anything is written, and a plain write command whole, so
             * nothing is half-written; reads and deletes still work.
             */
            fgd_log("error", q->request_id, "redis %s is full (maxmemory): "
                "%s refused, nothing written: %.*s", q->conf->redis,
                what, (int) reply->len, reply->str);
            freeReplyObject(reply);
            fgd_error(r, 503, "ServiceException",
                "The service's store is full; nothing was written");
            return NULL;
        }
        if (reply->type == REDIS_REPLY_ERROR && noscript != NULL
            && strncmp(reply->str, "NOSCRIPT", 8) == 0)
        {
            freeReplyObject(reply);
            *noscript = true;
            return NULL;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            fgd_log("error", q->request_id, "redis %s: %.*s", what,
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

redisReply *
fgd_redis_command(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r)
{
    return fgd_redis_exec(q, idempotent, argc, argv, lens, argv[0], NULL, r);
}

redisReply *
fgd_redis_script(const fgd_req_t *q, fgd_script_t script, int nkeys,
    int nargs, const char **args, const size_t *alens, fgd_resp_t *r)
{
    const char  **argv = NULL, *load[3];
    size_t       *lens = NULL;
    char          num[16];
    redisReply   *reply = NULL;
    bool          noscript = false;
    int           i;

    argv = calloc((size_t) nargs + 3, sizeof(*argv));
    lens = calloc((size_t) nargs + 3, sizeof(*lens));
    if (argv == NULL || lens == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    snprintf(num, sizeof(num), "%d", nkeys);
    argv[0] = "EVALSHA";
    argv[1] = fgd_redis_sha(script);
    argv[2] = num;
    for (i = 0; i < nargs; i++) {
        argv[3 + i] = args[i];
    }
    for (i = 0; i < nargs + 3; i++) {
        lens[i] = (i >= 3 && alens != NULL) ? alens[i - 3] : strlen(argv[i]);
    }

    /* (the log names a script's command EVAL, whichever form runs it) */
    reply = fgd_redis_exec(q, false, nargs + 3, argv, lens, "EVAL",
        &noscript, r);
    if (reply != NULL || !noscript) {
        goto cleanup;
    }

    /* Redis lost the script (SCRIPT FLUSH, or a restart this connection
     * did not see): it did not run, so load it and run it once more. */
    fgd_log("info", q->request_id, "redis %s has no script %s (NOSCRIPT): "
        "loading it again", q->conf->redis, fgd_redis_scripts[script].name);
    load[0] = "SCRIPT";
    load[1] = "LOAD";
    load[2] = fgd_redis_scripts[script].text;
    reply = fgd_redis_exec(q, true, 3, load, NULL, "SCRIPT LOAD", NULL, r);
    if (reply == NULL) {
        goto cleanup;
    }
    freeReplyObject(reply);
    noscript = false;
    reply = fgd_redis_exec(q, false, nargs + 3, argv, lens, "EVAL",
        &noscript, r);
    if (reply == NULL && noscript) {
        fgd_log("error", q->request_id, "redis %s: script %s: NOSCRIPT "
            "after SCRIPT LOAD", q->conf->redis,
            fgd_redis_scripts[script].name);
        fgd_error(r, 502, "ServiceException",
            "The service's storage refused a command");
    }

cleanup:
    free(argv);
    free(lens);
    return reply;
}

redisReply *
fgd_redis_script_status(const fgd_req_t *q, fgd_script_t script,
    int nkeys, int nargs, const char **args, const size_t *alens,
    fgd_resp_t *r)
{
    redisReply  *reply;

    reply = fgd_redis_script(q, script, nkeys, nargs, args, alens, r);
    if (reply != NULL
        && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
            || reply->element[0]->type != REDIS_REPLY_INTEGER))
    {
        freeReplyObject(reply);
        fgd_error(r, 502, "ServiceException",
            "The service's storage answered unexpectedly");
        return NULL;
    }
    return reply;
}

int
fgd_redis_script_int(const fgd_req_t *q, fgd_script_t script, int nkeys,
    int nargs, const char **args, const size_t *alens, long long *v,
    fgd_resp_t *r)
{
    redisReply  *reply;

    reply = fgd_redis_script(q, script, nkeys, nargs, args, alens, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(reply);
        return fgd_error(r, 502, "ServiceException",
            "The service's storage answered unexpectedly");
    }
    *v = reply->integer;
    freeReplyObject(reply);
    return 0;
}
