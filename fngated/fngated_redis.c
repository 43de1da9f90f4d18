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

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/*
 * A thread's connections: to the one Redis (node 0 of the map), or to
 * each master of a cluster by its index in the slot map.
 */
struct fgd_redis_s {
    fg_redis_conf_t    rc;
    fg_cluster_map_t   map;
    redisContext      *c[FG_CLUSTER_NODES_MAX];
    bool               mapped;      /* cluster: the map is current */
};

/* What a command is: a read (sent again on a fresh connection when a
 * stale one fails), a write (never sent twice; with redis_wait, answered
 * once replicated), a scratch write (as a write, not waited for). */
typedef enum {
    FGD_REDIS_READ,
    FGD_REDIS_WRITE,
    FGD_REDIS_SCRATCH
} fgd_redis_kind_t;

/* At most this many MOVED / ASK answers for one command in a row; more is
 * waited for as a cluster being reconfigured (the wait starts the count
 * again). */
#define FGD_REDIS_REDIRECTS  16

void
fgd_redis_free(fgd_redis_t *h)
{
    unsigned  i;

    if (h == NULL) {
        return;
    }
    for (i = 0; i < FG_CLUSTER_NODES_MAX; i++) {
        if (h->c[i] != NULL) {
            redisFree(h->c[i]);
        }
    }
    free(h);
}

/* q's connections, made at the first command: NULL with r. */
static fgd_redis_t *
fgd_redis_handle(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_redis_t  *h = *q->redis;
    char          err[256];

    if (h != NULL) {
        return h;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        fgd_nomem(r);
        return NULL;
    }
    if (fg_redis_conf_parse(q->conf->redis, strlen(q->conf->redis), &h->rc,
            err, sizeof(err)) != 0)
    {
        /* (the configuration was checked when it was read) */
        fgd_log("error", q->request_id, "redis %s: %s", q->conf->redis, err);
        free(h);
        fgd_error(r, 503, "ServiceException",
            "The service is unavailable: storage can not be reached");
        return NULL;
    }
    fg_cluster_map_init(&h->map);
    if (!h->rc.cluster) {
        h->map.node[0] = h->rc.seed[0];
        h->map.nnodes = 1;
        memset(h->map.slot, 0, sizeof(h->map.slot));
        h->mapped = true;
    }
    *q->redis = h;
    return h;
}

static redisContext *
fgd_redis_connect(const fg_redis_addr_t *a, char *err, size_t err_size)
{
    struct timeval  tv = { 2, 0 }, io = { 30, 0 };
    redisContext   *c;

    c = a->local ? redisConnectUnixWithTimeout(a->addr + 5, tv)
                 : redisConnectWithTimeout(a->host, a->port, tv);
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
fgd_redis_load(const fgd_req_t *q, redisContext *c, const char *addr)
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
                addr, c->errstr);
            return;
        }
        if (reply->type != REDIS_REPLY_STRING
            || strcmp(reply->str, fgd_redis_sha((fgd_script_t) s)) != 0)
        {
            fgd_log("error", q->request_id, "redis %s: SCRIPT LOAD of %s "
                "answered %.*s", addr, fgd_redis_scripts[s].name,
                reply->str != NULL ? (int) reply->len : 0,
                reply->str != NULL ? reply->str : "");
        }
        freeReplyObject(reply);
    }
}

/* Node n's connection, opened (and the scripts loaded) when there is
 * none: NULL when it can not be (logged unless quiet).  *fresh: it was
 * just opened. */
static redisContext *
fgd_redis_node(const fgd_req_t *q, fgd_redis_t *h, unsigned n, bool quiet,
    bool *fresh)
{
    char  err[256];

    *fresh = false;
    if (h->c[n] != NULL) {
        return h->c[n];
    }
    h->c[n] = fgd_redis_connect(&h->map.node[n], err, sizeof(err));
    if (h->c[n] == NULL) {
        if (!quiet) {
            fgd_log("error", q->request_id, "redis %s: %s",
                h->map.node[n].addr, err);
        }
        return NULL;
    }
    *fresh = true;
    fgd_redis_load(q, h->c[n], h->map.node[n].addr);
    return h->c[n];
}

static void
fgd_redis_drop(fgd_redis_t *h, unsigned n)
{
    if (h->c[n] != NULL) {
        redisFree(h->c[n]);
        h->c[n] = NULL;
    }
    if (h->rc.cluster) {
        h->mapped = false;
    }
}

/*
 * Reads the cluster's slot map (CLUSTER SLOTS) from the first node that
 * answers: the masters known, then the seeds.  0, or -1 (the nodes that
 * did not answer are logged unless quiet).
 */
static int
fgd_redis_map(const fgd_req_t *q, fgd_redis_t *h, bool quiet)
{
    redisReply  *reply;
    unsigned     i, n, tries = h->map.nnodes + h->rc.nseeds;
    bool         fresh;
    int          node;

    for (i = 0; i < tries; i++) {
        if (i < h->map.nnodes) {
            n = i;
        } else {
            const fg_redis_addr_t  *s = &h->rc.seed[i - h->map.nnodes];

            node = fg_cluster_map_node(&h->map, s->host, s->port);
            if (node < 0) {
                continue;
            }
            n = (unsigned) node;
        }
        if (fgd_redis_node(q, h, n, quiet, &fresh) == NULL) {
            continue;
        }
        reply = redisCommand(h->c[n], "CLUSTER SLOTS");
        if (reply == NULL) {
            fgd_redis_drop(h, n);
            continue;
        }
        if (fg_cluster_map_load(&h->map, reply) == 0) {
            freeReplyObject(reply);
            h->mapped = true;
            return 0;
        }
        fgd_log("error", q->request_id, "redis %s: CLUSTER SLOTS answered "
            "%.*s", h->map.node[n].addr,
            reply->type == REDIS_REPLY_ERROR ? (int) reply->len : 9,
            reply->type == REDIS_REPLY_ERROR ? reply->str : "no map");
        freeReplyObject(reply);
    }
    return -1;
}

/* The node a command for slot goes to (slot -1: any): its index, or -1
 * when the map names none (a failover under way). */
static int
fgd_redis_route(const fgd_redis_t *h, int slot)
{
    unsigned  s;

    if (slot >= 0) {
        s = h->map.slot[slot];
        return s == FG_CLUSTER_NONE ? -1 : (int) s;
    }
    for (s = 0; s < h->map.nnodes; s++) {
        if (h->c[s] != NULL) {
            return (int) s;
        }
    }
    return h->map.slot[0] == FG_CLUSTER_NONE ? -1 : h->map.slot[0];
}

/* Whether an error answer says the cluster is being reconfigured: the
 * command did not run, and will once the map is current. */
static bool
fgd_redis_unsettled(const redisReply *reply)
{
    static const char  *words[] = { "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN",
                                    "LOADING", "READONLY", NULL };
    unsigned            i;
    size_t              l;

    for (i = 0; words[i] != NULL; i++) {
        l = strlen(words[i]);
        if (reply->len > l && strncmp(reply->str, words[i], l) == 0
            && reply->str[l] == ' ')
        {
            return true;
        }
    }
    return false;
}

static long long
fgd_redis_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After a write: waits until redis_wait replicas have it (WAIT), at most
 * redis_wait_timeout ms.  Fewer is logged, not an error: the write was
 * made, and a master whose replica is lost goes on taking writes.
 */
static void
fgd_redis_wait(const fgd_req_t *q, fgd_redis_t *h, unsigned n,
    const char *what)
{
    redisReply  *reply;

    if (q->conf->redis_wait == 0) {
        return;
    }
    reply = redisCommand(h->c[n], "WAIT %u %u", q->conf->redis_wait,
        q->conf->redis_wait_ms);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER
        || reply->integer < (long long) q->conf->redis_wait)
    {
        fgd_log("warn", q->request_id, "redis %s: %s made, but %lld of %u "
            "replicas have it after %u ms (WAIT)", h->map.node[n].addr,
            what, reply != NULL && reply->type == REDIS_REPLY_INTEGER
                  ? reply->integer : 0LL,
            q->conf->redis_wait, q->conf->redis_wait_ms);
    }
    if (reply == NULL) {
        fgd_redis_drop(h, n);
    } else {
        freeReplyObject(reply);
    }
}

/*
 * Whether a connection that has been idle can take a write: the server
 * has not closed it (a Redis restarted since: its end readable, or hung
 * up).  No round trip: nothing is pending on an idle connection, so
 * anything readable is the close.
 */
static bool
fgd_redis_alive(const redisContext *c)
{
    struct pollfd  p = { .fd = c->fd, .events = POLLIN | POLLRDHUP };

    return poll(&p, 1, 0) == 0;
}

/* Sends the command to c, after ASKING when ask: its reply, or NULL when
 * the connection failed. */
static redisReply *
fgd_redis_send(redisContext *c, bool ask, int argc, const char **argv,
    const size_t *lens)
{
    redisReply  *reply = NULL;

    if (!ask) {
        return redisCommandArgv(c, argc, argv, lens);
    }
    if (redisAppendCommand(c, "ASKING") != REDIS_OK
        || redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK
        || redisGetReply(c, (void **) &reply) != REDIS_OK || reply == NULL)
    {
        return NULL;
    }
    freeReplyObject(reply);
    reply = NULL;
    if (redisGetReply(c, (void **) &reply) != REDIS_OK) {
        return NULL;
    }
    return reply;
}

/*
 * fgd_redis_command, with what (the command as the log names it) and the
 * script the command runs (FGD_SCRIPT_COUNT: none): a NOSCRIPT answer
 * makes it loaded on that node and the command run once more.
 *
 * In a cluster the command goes to the master of its key's slot.  MOVED
 * and ASK send it where they say (a MOVED makes the whole map read
 * again); a node that can not be reached, or a cluster that says it is
 * being reconfigured (CLUSTERDOWN, TRYAGAIN, ...), makes the map read
 * again and the command wait for it, at most redis_retry ms: none of these
 * ran the command.  A connection lost with the command on it is as with
 * one Redis: a read is tried again, a write is not.
 */
static redisReply *
fgd_redis_exec(const fgd_req_t *q, fgd_redis_kind_t kind, int argc,
    const char **argv, const size_t *lens, const char *what,
    fgd_script_t script, fgd_resp_t *r)
{
    bool                   idempotent = kind == FGD_REDIS_READ;
    fgd_redis_t           *h;
    redisContext          *c;
    redisReply            *reply;
    fg_redis_addr_t        to;
    fg_cluster_redirect_t  redirect;
    unsigned               redirects = 0, slot_moved;
    long long              start, deadline;
    bool                   fresh, ask = false, reloaded = false,
                           waited = false;
    int                    key, slot = -1, n = -1, retries = 0;
    const char            *down = "storage can not be reached";

    h = fgd_redis_handle(q, r);
    if (h == NULL) {
        return NULL;
    }
    key = fg_cluster_key_index(argc, argv, lens);
    if (key >= 0 && h->rc.cluster) {
        slot = (int) fg_cluster_slot(argv[key],
            lens != NULL ? lens[key] : strlen(argv[key]));
    }
    start = fgd_redis_now_ms();
    deadline = start + q->conf->redis_retry_ms;

    for ( ;; ) {
        if (!h->mapped && fgd_redis_map(q, h, waited) != 0) {
            goto unsettled;
        }
        if (!ask) {
            n = fgd_redis_route(h, slot);
            if (n < 0) {
                h->mapped = false;
                goto unsettled;
            }
        }
        c = fgd_redis_node(q, h, (unsigned) n, waited, &fresh);
        if (c == NULL) {
            fgd_redis_drop(h, (unsigned) n);
            ask = false;
            goto unsettled;
        }
        if (!fresh && !idempotent && !fgd_redis_alive(c)) {
            /* A write is not retried, so first make sure the connection
             * survived (Redis may have restarted since it was used). */
            fgd_redis_drop(h, (unsigned) n);
            if (++retries < 2) {
                continue;
            }
            break;
        }

        reply = fgd_redis_send(c, ask, argc, argv, lens);
        ask = false;
        if (reply == NULL) {
            fgd_log("error", q->request_id, "redis %s %s: %s",
                h->map.node[n].addr, what, c->errstr);
            fgd_redis_drop(h, (unsigned) n);
            if (idempotent && !fresh && ++retries < 2) {
                continue;
            }
            fgd_error(r, 502, "ServiceException",
                "The service failed to reach its storage");
            return NULL;
        }
        if (reply->type != REDIS_REPLY_ERROR) {
            if (waited) {
                fgd_log("info", q->request_id, "redis %s %s: done after "
                    "%lld ms waiting for the cluster", h->map.node[n].addr,
                    what, fgd_redis_now_ms() - start);
            }
            if (kind == FGD_REDIS_WRITE) {
                fgd_redis_wait(q, h, (unsigned) n, what);
            }
            return reply;
        }

        redirect = h->rc.cluster
                   ? fg_cluster_redirect(reply->str, reply->len, &slot_moved,
                         &to)
                   : FG_CLUSTER_REDIRECT_NONE;
        if (redirect != FG_CLUSTER_REDIRECT_NONE
            && ++redirects <= FGD_REDIS_REDIRECTS)
        {
            if (redirect == FG_CLUSTER_REDIRECT_ASK) {
                n = fg_cluster_map_node(&h->map, to.host, to.port);
                ask = n >= 0;
            } else if (fg_cluster_map_moved(&h->map, slot_moved, &to) >= 0) {
                h->mapped = false;       /* read the whole map again */
            }
            freeReplyObject(reply);
            continue;
        }
        /* A cluster being reconfigured: it says so, or its nodes disagree
         * on the slot (one has taken a migration's end, another not yet)
         * and send the command back and forth. */
        if (redirect != FG_CLUSTER_REDIRECT_NONE
            || (h->rc.cluster && fgd_redis_unsettled(reply)))
        {
            if (!waited && redirect != FG_CLUSTER_REDIRECT_NONE) {
                fgd_log("info", q->request_id, "redis %s %s: %u "
                    "redirections in a row, the last %.*s",
                    h->map.node[n].addr, what, FGD_REDIS_REDIRECTS,
                    (int) reply->len, reply->str);
            } else if (!waited) {
                fgd_log("info", q->request_id, "redis %s %s: %.*s",
                    h->map.node[n].addr, what, (int) reply->len,
                    reply->str);
            }
            freeReplyObject(reply);
            h->mapped = false;
            down = "storage is being reconfigured";
            goto unsettled;
        }
        if (strncmp(reply->str, "OOM ", 4) == 0) {
            /*
             * Redis is at its maxmemory (noeviction).  It refuses a
             * script at its first write that could grow memory, before
             * anything is written, and a plain write command whole, so
             * nothing is half-written; reads and deletes still work.
             */
            fgd_log("error", q->request_id, "redis %s is full (maxmemory): "
                "%s refused, nothing written: %.*s", h->map.node[n].addr,
                what, (int) reply->len, reply->str);
            freeReplyObject(reply);
            fgd_error(r, 503, "ServiceException",
                "The service's store is full; nothing was written");
            return NULL;
        }
        if (script != FGD_SCRIPT_COUNT && !reloaded
            && strncmp(reply->str, "NOSCRIPT", 8) == 0)
        {
            /* The node lost the script (SCRIPT FLUSH, or a restart this
             * connection did not see): it did not run, so load it there
             * and run it once more. */
            freeReplyObject(reply);
            fgd_log("info", q->request_id, "redis %s has no script %s "
                "(NOSCRIPT): loading it again", h->map.node[n].addr,
                fgd_redis_scripts[script].name);
            reply = redisCommand(c, "SCRIPT LOAD %s",
                fgd_redis_scripts[script].text);
            if (reply == NULL) {
                fgd_redis_drop(h, (unsigned) n);
                fgd_error(r, 502, "ServiceException",
                    "The service failed to reach its storage");
                return NULL;
            }
            freeReplyObject(reply);
            reloaded = true;
            continue;
        }
        fgd_log("error", q->request_id, "redis %s: %.*s", what,
            (int) reply->len, reply->str);
        freeReplyObject(reply);
        fgd_error(r, 502, "ServiceException",
            "The service's storage refused a command");
        return NULL;

    unsettled:
        /* nothing ran: one Redis answers at once, a cluster is waited
         * for while it elects a new master */
        if (!h->rc.cluster || fgd_redis_now_ms() >= deadline) {
            if (waited) {
                fgd_log("error", q->request_id, "redis %s: the cluster could "
                    "not serve it within redis_retry (%u ms)", what,
                    q->conf->redis_retry_ms);
            }
            fgd_error(r, 503, "ServiceException", "The service is "
                "unavailable: %s", down);
            return NULL;
        }
        if (!waited) {
            fgd_log("info", q->request_id, "redis %s: waiting for the "
                "cluster (a node lost, a failover, a slot migrating)", what);
            waited = true;
        }
        redirects = 0;          /* (counted between two waits) */
        usleep(100 * 1000);
    }
    fgd_error(r, 502, "ServiceException",
        "The service failed to reach its storage");
    return NULL;
}

redisReply *
fgd_redis_command(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r)
{
    return fgd_redis_exec(q, idempotent ? FGD_REDIS_READ : FGD_REDIS_WRITE,
        argc, argv, lens, argv[0], FGD_SCRIPT_COUNT, r);
}

redisReply *
fgd_redis_scratch(const fgd_req_t *q, int argc, const char **argv,
    const size_t *lens, fgd_resp_t *r)
{
    return fgd_redis_exec(q, FGD_REDIS_SCRATCH, argc, argv, lens, argv[0],
        FGD_SCRIPT_COUNT, r);
}

/* fgd_redis_script, a write of that kind. */
static redisReply *
fgd_redis_script_kind(const fgd_req_t *q, fgd_redis_kind_t kind,
    fgd_script_t script, int nkeys, int nargs, const char **args,
    const size_t *alens, fgd_resp_t *r)
{
    const char  **argv = NULL;
    size_t       *lens = NULL;
    char          num[16];
    redisReply   *reply = NULL;
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
    reply = fgd_redis_exec(q, kind, nargs + 3, argv, lens, "EVAL", script,
        r);

cleanup:
    free(argv);
    free(lens);
    return reply;
}

redisReply *
fgd_redis_script(const fgd_req_t *q, fgd_script_t script, int nkeys,
    int nargs, const char **args, const size_t *alens, fgd_resp_t *r)
{
    return fgd_redis_script_kind(q, FGD_REDIS_WRITE, script, nkeys, nargs,
        args, alens, r);
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

/* fgd_redis_script_int of that kind. */
static int
fgd_redis_script_int_kind(const fgd_req_t *q, fgd_redis_kind_t kind,
    fgd_script_t script, int nkeys, int nargs, const char **args,
    const size_t *alens, long long *v, fgd_resp_t *r)
{
    redisReply  *reply;

    reply = fgd_redis_script_kind(q, kind, script, nkeys, nargs, args, alens,
        r);
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

int
fgd_redis_script_int(const fgd_req_t *q, fgd_script_t script, int nkeys,
    int nargs, const char **args, const size_t *alens, long long *v,
    fgd_resp_t *r)
{
    return fgd_redis_script_int_kind(q, FGD_REDIS_WRITE, script, nkeys,
        nargs, args, alens, v, r);
}

int
fgd_redis_scratch_int(const fgd_req_t *q, fgd_script_t script, int nkeys,
    int nargs, const char **args, const size_t *alens, long long *v,
    fgd_resp_t *r)
{
    return fgd_redis_script_int_kind(q, FGD_REDIS_SCRATCH, script, nkeys,
        nargs, args, alens, v, r);
}
