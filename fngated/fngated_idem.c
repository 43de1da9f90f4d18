/*
 * fngated_idem: idempotent execution (fngated_idem.h,
 * docs/idempotency.md).
 *
 * A call of a function whose FngateIdempotency is set first reads the
 * state of each dependency it names: an HTTP resource's ETag and
 * Last-Modified (HEAD from this host, only where the function's network
 * policy lets its guest reach that address and port), a queue's messages
 * stream (its length and last entry id: a message sent or deleted changes
 * them) and creation time, a function's RevisionId, CodeSha256 and last
 * published version (or an alias's target and RevisionId).  The key of
 * the result is the sha256 of the billed account, the caller, the owner,
 * the function, version, code, Role and INVOKE configuration (without
 * the call's temporary credentials), the ARN the call named, the field
 * itself, the event and those states (fgd_idem_key).  A state that can
 * not be read makes the call run without storing.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fg_route.h"
#include "fngated_event_config_json.h"
#include "fngated_idem.h"
#include "fngated_idem_json.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"

/* How long a HEAD may take, connect included. */
#define FGD_IDEM_HEAD_MS   2000
#define FGD_IDEM_STATE_MAX 512

static long long
fgd_idem_ms_left(const struct timespec *end)
{
    struct timespec  now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long) (end->tv_sec - now.tv_sec) * 1000
           + (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* HEAD path at addr:port; the head of the answer into buf (NUL-ended).
 * Its length, or -1 with why. */
static ssize_t
fgd_idem_head(uint32_t addr, unsigned port, const char *path, char *buf,
    size_t size, const char **why)
{
    struct sockaddr_in  sa;
    struct pollfd       pfd;
    struct timespec     end;
    char                req[FGD_IDEM_NAME_MAX + 128];
    size_t              used = 0, rl, sent = 0;
    ssize_t             n;
    int                 fd, err = 0, rc;
    socklen_t           el = sizeof(err);

    *why = "no answer";
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += FGD_IDEM_HEAD_MS / 1000;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *why = "socket failed";
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t) port);
    sa.sin_addr.s_addr = htonl(addr);
    if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0
        && errno != EINPROGRESS)
    {
        *why = "connection refused";
        goto fail;
    }
    pfd.fd = fd;
    pfd.events = POLLOUT;
    rc = poll(&pfd, 1, (int) fgd_idem_ms_left(&end));
    if (rc <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0
        || err != 0)
    {
        *why = rc <= 0 ? "connect timed out" : "connection refused";
        goto fail;
    }
    rl = (size_t) snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\n"
        "Host: %u.%u.%u.%u:%u\r\nUser-Agent: fngated\r\n"
        "Connection: close\r\n\r\n", path, addr >> 24, (addr >> 16) & 255,
        (addr >> 8) & 255, addr & 255, port);
    while (sent < rl) {
        n = send(fd, req + sent, rl - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            *why = "send failed";
            goto fail;
        }
        if (n > 0) {
            sent += (size_t) n;
        }
        if (sent < rl) {
            pfd.events = POLLOUT;
            if (poll(&pfd, 1, (int) fgd_idem_ms_left(&end)) <= 0) {
                *why = "timed out";
                goto fail;
            }
        }
    }
    /* the head ends at the blank line; a HEAD answer has no body */
    while (used + 1 < size) {
        pfd.events = POLLIN;
        if (fgd_idem_ms_left(&end) <= 0
            || poll(&pfd, 1, (int) fgd_idem_ms_left(&end)) <= 0)
        {
            *why = "timed out";
            goto fail;
        }
        n = recv(fd, buf + used, size - 1 - used, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        used += (size_t) n;
        buf[used] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL) {
            break;
        }
    }
    buf[used] = '\0';
    close(fd);
    return (ssize_t) used;

fail:
    close(fd);
    return -1;
}

/* A Url's address and port within fn's network policy now: 0, or -1
 * with why. */
static int
fgd_idem_url_allowed(const fgd_req_t *q, const fgd_fn_t *fn, uint32_t addr,
    unsigned port, const char **why)
{
    const char  *list = fgd_fn_egress(fn, q->conf->network_default);
    char         w[256];

    if (q->conf->vm.net_subnet[0] == '\0') {
        *why = "guests have no network on this host (network = none)";
        return -1;
    }
    if (list == NULL || list[0] == '\0'
        || fgd_conf_egress(q->conf, list, NULL, 0, w, sizeof(w)) != 0
        || !fgd_idem_egress_allows(list, addr, port))
    {
        *why = "the function's network policy (FngateEgress, else the "
               "operator's network_default) does not let it reach that "
               "address and port";
        return -1;
    }
    return 0;
}

/*
 * Whether account (the function's owner) may name the queue or function
 * of dep: of q's region, existing, its own or granted.  1 yes, 0 no (why
 * set), -1 with r.
 */
static int
fgd_idem_dep_allowed(const fgd_req_t *q, const char *account,
    const fgd_idem_dep_t *dep, const char **why, fgd_resp_t *r)
{
    char         region[32], owner[13], name[81], key[FG_KEY_MAX];
    char         f[6][FG_KEY_MAX];
    const char  *fields[6];
    fgd_dest_t   d;
    int          rc, i;

    if (dep->kind == FGD_IDEM_QUEUE) {
        if (fgd_idem_queue_parse(dep->name, region, sizeof(region), owner,
                name, why) != 0)
        {
            return 0;
        }
        *why = "names no queue of this region that the function's account "
               "owns or is granted sqs:ReceiveMessage on";
        if ((region[0] != '\0' && strcmp(region, q->region) != 0)
            || fg_key_queue(key, sizeof(key), FG_QKEY_ATTRS, owner, name)
               >= FG_KEY_MAX)
        {
            return 0;
        }
        if ((rc = fgd_store_exists(q, key, r)) <= 0
            || strcmp(owner, account) == 0)
        {
            return rc;
        }
        snprintf(f[0], FG_KEY_MAX, "sqs:ReceiveMessage:%s", account);
        snprintf(f[1], FG_KEY_MAX, "sqs:ReceiveMessage:*");
        snprintf(f[2], FG_KEY_MAX, "sqs:GetQueueAttributes:%s", account);
        snprintf(f[3], FG_KEY_MAX, "sqs:GetQueueAttributes:*");
        snprintf(f[4], FG_KEY_MAX, "sqs:*:%s", account);
        snprintf(f[5], FG_KEY_MAX, "sqs:*:*");
        for (i = 0; i < 6; i++) {
            fields[i] = f[i];
        }
        if (fg_key_queue(key, sizeof(key), FG_QKEY_GRANTS, owner, name)
            >= FG_KEY_MAX)
        {
            return 0;
        }
        return fgd_store_any_field(q, key, fields, 6, r);
    }
    if (fgd_dest_parse(dep->name, &d) != FGD_DEST_OK
        || d.kind != FGD_DEST_FUNCTION)
    {
        *why = "must be a function's ARN";
        return 0;
    }
    *why = "names no function of this region that the function's account "
           "owns or is granted lambda:InvokeFunction on";
    if (strcmp(d.region, q->region) != 0) {
        return 0;
    }
    if ((rc = fgd_store_function_exists(q, d.account, d.name, d.qualifier,
            r)) <= 0 || strcmp(d.account, account) == 0)
    {
        return rc;
    }
    return fgd_store_invoke_granted(q, d.account, d.name, d.qualifier,
        account, r);
}


int
fgd_idem_check(const fgd_req_t *q, const fgd_fn_t *fn, fgd_resp_t *r)
{
    fgd_idem_t   t;
    uint32_t     addr;
    unsigned     port;
    char         path[FGD_IDEM_NAME_MAX + 1];
    const char  *why = "";
    size_t       i;
    int          rc;

    if (!fgd_idem_on(fn->idem)) {
        return 0;
    }
    if (fgd_idem_parse(fn->idem, &t) != 0) {
        return fgd_error(r, 500, "ServiceException",
            "FngateIdempotency could not be read back");
    }
    for (i = 0; i < t.n; i++) {
        if (t.deps[i].kind == FGD_IDEM_URL) {
            if (fgd_idem_url_parse(t.deps[i].name, &addr, &port, path,
                    sizeof(path), &why) == 0
                && fgd_idem_url_allowed(q, fn, addr, port, &why) == 0)
            {
                continue;
            }
        } else {
            rc = fgd_idem_dep_allowed(q, q->caller, &t.deps[i], &why, r);
            if (rc < 0) {
                return -1;
            }
            if (rc == 1) {
                continue;
            }
        }
        fgd_log("info", q->request_id, "FngateIdempotency of %s refused: "
            "%s %s: %s", fn->name, t.deps[i].kind == FGD_IDEM_URL ? "Url"
            : t.deps[i].kind == FGD_IDEM_QUEUE ? "Queue" : "Function",
            t.deps[i].name, why);
        return fgd_error(r, 400, "InvalidParameterValueException",
            "FngateIdempotency.Dependencies[%zu].%s %.200s: %s", i,
            t.deps[i].kind == FGD_IDEM_URL ? "Url"
            : t.deps[i].kind == FGD_IDEM_QUEUE ? "Queue" : "Function",
            t.deps[i].name, why);
    }
    return 0;
}

/* Appends the string elements of an array reply to state ("-" for nil):
 * 0, or -1 when there are none. */
static int
fgd_idem_reply_state(redisReply *reply, char *state, size_t size)
{
    size_t  i, used = strlen(state);
    bool    any = false;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        return -1;
    }
    for (i = 0; i < reply->elements; i++) {
        redisReply *e = reply->element[i];

        if (e->type == REDIS_REPLY_STRING) {
            any = true;
        }
        used += (size_t) snprintf(state + used, size > used ? size - used
            : 0, "%s;", e->type == REDIS_REPLY_STRING ? e->str : "-");
        if (used >= size) {
            return -1;
        }
    }
    return any ? 0 : -1;
}

/* The state of one dependency into state: 0, or -1 with why (then the
 * call's result is not stored). */
static int
fgd_idem_state(const fgd_req_t *q, const fgd_fn_t *fn,
    const fgd_idem_dep_t *dep, char *state, size_t size, const char **why)
{
    char         path[FGD_IDEM_NAME_MAX + 1], head[4096];
    char         region[32], owner[13], name[81], key[FG_KEY_MAX];
    const char  *argv[6];
    uint32_t     addr;
    unsigned     port;
    ssize_t      n;
    fgd_dest_t   d;
    fgd_resp_t   r;
    redisReply  *reply;
    int          rc;

    state[0] = '\0';
    if (dep->kind == FGD_IDEM_URL) {
        if (fgd_idem_url_parse(dep->name, &addr, &port, path, sizeof(path),
                why) != 0
            || fgd_idem_url_allowed(q, fn, addr, port, why) != 0)
        {
            return -1;
        }
        if ((n = fgd_idem_head(addr, port, path, head, sizeof(head), why))
            < 0)
        {
            return -1;
        }
        if (fgd_idem_http_state(head, (size_t) n, state, size) != 0) {
            *why = "its answer to HEAD was not a 2xx with an ETag or a "
                   "Last-Modified";
            return -1;
        }
        return 0;
    }

    memset(&r, 0, sizeof(r));
    rc = fgd_idem_dep_allowed(q, q->owner, dep, why, &r);
    fgd_resp_free(&r);
    if (rc != 1) {
        if (rc < 0) {
            *why = "Redis failed";
        }
        return -1;
    }
    *why = "its state could not be read";
    if (dep->kind == FGD_IDEM_QUEUE) {
        if (fgd_idem_queue_parse(dep->name, region, sizeof(region), owner,
                name, why) != 0
            || fg_key_queue(key, sizeof(key), FG_QKEY_ATTRS, owner, name)
               >= FG_KEY_MAX)
        {
            return -1;
        }
        argv[0] = "HMGET";
        argv[1] = key;
        argv[2] = "CreatedTimestamp";
        argv[3] = "LastModifiedTimestamp";
        memset(&r, 0, sizeof(r));
        reply = fgd_redis_command(q, true, 4, argv, NULL, &r);
        fgd_resp_free(&r);
        rc = fgd_idem_reply_state(reply, state, size);
        freeReplyObject(reply);
        if (rc != 0
            || fg_key_queue(key, sizeof(key), FG_QKEY_MSGS, owner, name)
               >= FG_KEY_MAX)
        {
            return -1;
        }
        /* a stream that is not there has no messages (XINFO would
         * answer an error) */
        memset(&r, 0, sizeof(r));
        rc = fgd_store_exists(q, key, &r);
        fgd_resp_free(&r);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            return 0;
        }
        argv[0] = "XINFO";
        argv[1] = "STREAM";
        argv[2] = key;
        memset(&r, 0, sizeof(r));
        reply = fgd_redis_command(q, true, 3, argv, NULL, &r);
        fgd_resp_free(&r);
        if (reply != NULL && reply->type == REDIS_REPLY_ARRAY) {
            size_t  i, used = strlen(state);

            for (i = 0; i + 1 < reply->elements; i += 2) {
                redisReply *k = reply->element[i], *v = reply->element[i + 1];

                if (k->type != REDIS_REPLY_STRING
                    || (strcmp(k->str, "length") != 0
                        && strcmp(k->str, "last-generated-id") != 0))
                {
                    continue;
                }
                used += (size_t) snprintf(state + used,
                    size > used ? size - used : 0, "%s=%lld%s;", k->str,
                    v->type == REDIS_REPLY_INTEGER ? v->integer : 0,
                    v->type == REDIS_REPLY_STRING ? v->str : "");
            }
            if (used >= size) {
                freeReplyObject(reply);
                return -1;
            }
        }
        freeReplyObject(reply);
        return 0;
    }

    if (fgd_dest_parse(dep->name, &d) != FGD_DEST_OK) {
        return -1;
    }
    argv[0] = "HMGET";
    argv[1] = key;
    if (d.qualifier[0] == '\0' || strcmp(d.qualifier, "$LATEST") == 0) {
        fg_key_function(key, sizeof(key), d.account, d.name);
        argv[2] = "RevisionId";
        argv[3] = "CodeSha256";
        /* unqualified: a version published changes it too */
        argv[4] = d.qualifier[0] == '\0' ? "LastVersion" : "Version";
        n = 5;
    } else if (fg_version_valid(d.qualifier, strlen(d.qualifier))) {
        fg_key_version(key, sizeof(key), d.account, d.name, d.qualifier);
        argv[2] = "RevisionId";
        argv[3] = "CodeSha256";
        n = 4;
    } else {
        fg_key_alias(key, sizeof(key), d.account, d.name, d.qualifier);
        argv[2] = "RevisionId";
        argv[3] = "FunctionVersion";
        argv[4] = "AdditionalVersion";
        argv[5] = "AdditionalWeight";
        n = 6;
    }
    memset(&r, 0, sizeof(r));
    reply = fgd_redis_command(q, true, (int) n, argv, NULL, &r);
    fgd_resp_free(&r);
    rc = fgd_idem_reply_state(reply, state, size);
    freeReplyObject(reply);
    return rc;
}


int
fgd_idem_lookup(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *config, const char *arn, const uint8_t *event,
    size_t event_len, fgd_idem_call_t *c, char **body, size_t *len,
    char **rid)
{
    static const char   tag[] = "fngate-idem-1";
    fgd_idem_t          t;
    char                states[FGD_IDEM_DEPS_MAX][FGD_IDEM_STATE_MAX];
    char                key[FG_KEY_MAX];
    const void         *parts[10 + FGD_IDEM_DEPS_MAX];
    size_t              lens[10 + FGD_IDEM_DEPS_MAX], n = 0, i;
    const char         *why, *argv[2], *nl, *version = fgd_fn_version(fn);
    fgd_resp_t          r;
    redisReply         *reply;
    int                 hit = 0;

    memset(c, 0, sizeof(*c));
    *body = NULL;
    *len = 0;
    *rid = NULL;
    if (fgd_idem_parse(fn->idem, &t) != 0) {
        fgd_log("warn", q->request_id, "idempotent: FngateIdempotency of "
            "%s:%s unreadable; the call runs", q->owner, fn->name);
        return 0;
    }
    snprintf(c->account, sizeof(c->account), "%s",
        q->billing[0] != '\0' ? q->billing : q->caller);
    c->ttl_s = t.ttl_s;
    for (i = 0; i < t.n; i++) {
        if (fgd_idem_state(q, fn, &t.deps[i], states[i], FGD_IDEM_STATE_MAX,
                &why) != 0)
        {
            fgd_log("info", q->request_id, "idempotent: %s:%s runs without "
                "storing: dependency %s: %s", q->owner, fn->name,
                t.deps[i].name, why);
            return 0;
        }
    }

#define PART(p, l) do { parts[n] = (p); lens[n] = (l); n++; } while (0)
#define SPART(s)   PART((s), strlen(s))
    SPART(tag);
    SPART(c->account);
    SPART(q->caller);
    SPART(q->owner);
    SPART(fn->name);
    SPART(version);
    SPART(fn->sha256);
    SPART(fn->role != NULL ? fn->role : "");
    SPART(config);
    SPART(arn);
    SPART(fn->idem);
    PART(event, event_len);
    for (i = 0; i < t.n; i++) {
        SPART(states[i]);
    }
#undef SPART
#undef PART
    fgd_idem_key(parts, lens, n, c->hash);
    if (c->hash[0] == '\0'
        || fg_key_idem(key, sizeof(key), FG_IDEM_RESULT, c->account,
               c->hash) >= FG_KEY_MAX)
    {
        return 0;
    }
    c->on = true;

    argv[0] = "GET";
    argv[1] = key;
    memset(&r, 0, sizeof(r));
    reply = fgd_redis_command(q, true, 2, argv, NULL, &r);
    if (reply == NULL) {
        fgd_log("warn", q->request_id, "idempotent: %s: %s; the call runs",
            key, r.message);
        fgd_resp_free(&r);
        return 0;
    }
    if (reply->type == REDIS_REPLY_STRING
        && (nl = memchr(reply->str, '\n', reply->len)) != NULL)
    {
        size_t  rl = (size_t) (nl - reply->str);

        *len = reply->len - rl - 1;
        *body = malloc(*len + 1);
        *rid = malloc(rl + 1);
        if (*body != NULL && *rid != NULL) {
            memcpy(*body, nl + 1, *len);
            (*body)[*len] = '\0';
            memcpy(*rid, reply->str, rl);
            (*rid)[rl] = '\0';
            hit = 1;
        } else {
            free(*body);
            free(*rid);
            *body = NULL;
            *rid = NULL;
            *len = 0;
        }
    }
    freeReplyObject(reply);
    return hit;
}


bool
fgd_idem_store(const fgd_req_t *q, const fgd_idem_call_t *c,
    const char *rid, const char *body, size_t len)
{
    char         kres[FG_KEY_MAX], kexp[FG_KEY_MAX], ksz[FG_KEY_MAX];
    char         kbytes[FG_KEY_MAX], kcode[FG_KEY_MAX], ttl[24], quota[24];
    const char  *args[9];
    size_t       alens[9], rl = strlen(rid), i;
    char        *value;
    long long    v = 0;
    fgd_resp_t   r;
    int          rc;

    if (!c->on
        || fg_key_idem(kres, sizeof(kres), FG_IDEM_RESULT, c->account,
               c->hash) >= FG_KEY_MAX
        || fg_key_idem(kexp, sizeof(kexp), FG_IDEM_EXPIRY, c->account, NULL)
           >= FG_KEY_MAX
        || fg_key_idem(ksz, sizeof(ksz), FG_IDEM_SIZES, c->account, NULL)
           >= FG_KEY_MAX
        || fg_key_idem(kbytes, sizeof(kbytes), FG_IDEM_BYTES, c->account,
               NULL) >= FG_KEY_MAX
        || fg_key_codebytes(kcode, sizeof(kcode), c->account)
           >= FG_KEY_MAX
        || (value = malloc(rl + 1 + len)) == NULL)
    {
        return false;
    }
    memcpy(value, rid, rl);
    value[rl] = '\n';
    memcpy(value + rl + 1, body, len);
    snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long) c->ttl_s * 1000);
    snprintf(quota, sizeof(quota), "%zu", q->conf->quota.code_storage);
    args[0] = kres;
    args[1] = kexp;
    args[2] = ksz;
    args[3] = kbytes;
    args[4] = kcode;
    args[5] = c->hash;
    args[6] = value;
    args[7] = ttl;
    args[8] = quota;
    for (i = 0; i < 9; i++) {
        alens[i] = strlen(args[i]);
    }
    alens[6] = rl + 1 + len;
    memset(&r, 0, sizeof(r));
    rc = fgd_redis_scratch_int(q, FGD_SCRIPT_IDEM_STORE, 5, 9, args, alens,
        &v, &r);
    free(value);
    if (rc != 0) {
        fgd_log("warn", q->request_id, "idempotent: result of %s not "
            "stored: %s", c->account, r.message);
        fgd_resp_free(&r);
        return false;
    }
    if (v == -1) {
        fgd_log("info", q->request_id, "idempotent: result of %zu bytes "
            "not stored: %s's code and results would pass its storage "
            "quota of %zu bytes (quota_code_storage)", len, c->account,
            q->conf->quota.code_storage);
        return false;
    }
    return v == 1;
}
