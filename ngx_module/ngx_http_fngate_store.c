
/*
 * fngate: the metadata store: a Redis or a Redis Cluster, and the commands
 * of requests.
 *
 * Each worker keeps a connection per Redis node and pipelines the commands
 * of all its requests on them; hiredis runs on nginx's event loop through
 * the adapter of ngx_http_fngate_redis.c.  A connection is made when the
 * first command needs it and made again after it is lost.  A command's
 * reply, or its timeout, resumes the request's phases.
 *
 * A single Redis is node 0.  In a cluster ("fngate_redis ... cluster") the
 * nodes are those of the worker's slot map (fg_cluster.h), by an index
 * that never changes: the seeds first, then each master the map or a
 * redirection names.  The map is loaded with CLUSTER SLOTS, asked of one
 * node after another until one answers, before the first command and
 * again after anything that says it may be wrong (a connection failed or
 * lost, a timeout, CLUSTERDOWN, TRYAGAIN); commands wait for it.  A MOVED
 * reply corrects its slot at once and has the whole map loaded again
 * meanwhile; an ASK reply sends that one command on, after ASKING.  Either
 * way, and after a failure, a command is sent again at most
 * NGX_HTTP_FNGATE_STORE_RESENDS times, all within the request's
 * fngate_redis_timeout: the first at once, each later one after a pause
 * twice as long as the one before, the last a quarter of the timeout, so
 * that a cluster whose nodes disagree for a moment (a migration's end, a
 * failover) is waited for through about half the timeout.
 */


#include "ngx_http_fngate_module.h"


#define NGX_HTTP_FNGATE_STORE_RESENDS  5


/*
 * A command in flight.  It is allocated from the heap, not from the pool
 * of the request, because hiredis holds on to it until the reply comes
 * (or the connection dies), which may be after the request is gone: the
 * request's pool cleanup then sets "request" to NULL and the callback only
 * frees the command.  A command that waits for the slot map is only on
 * the "waiting" queue, and the cleanup frees it.
 */

struct ngx_http_fngate_store_cmd_s {
    ngx_http_request_t                *request;
    ngx_http_fngate_redis_handler_pt   handler;
    int                                type;      /* the reply's, expected */
    const char                        *command;   /* its name, a literal */
    char                              *text;      /* as sent, in Redis's
                                                     protocol */
    size_t                             len;
    ngx_uint_t                         slot;      /* of its key */
    ngx_uint_t                         node;      /* sent to, on ac */
    redisAsyncContext                 *ac;        /* NULL: not sent */
    ngx_uint_t                         replies;   /* the node's replies
                                                     when it was sent */
    ngx_uint_t                         resends;   /* sent again so far */
    ngx_queue_t                        queue;     /* in "waiting" */
    ngx_event_t                        pause;     /* before a resend */
    ngx_int_t                          pause_to;  /* the node it is resent
                                                     to, -1: the map's */
    unsigned                           queued:1;  /* waits for the map */
    unsigned                           paused:1;  /* waits for "pause" */
    unsigned                           asking:1;  /* resent after ASKING */
};


typedef struct {
    redisAsyncContext                 *ac;
    ngx_uint_t                         replies;   /* replies received on the
                                                     current connection */
    unsigned                           timed_out:1; /* dropping a connection
                                                       that does not answer */
} ngx_http_fngate_store_node_t;


typedef struct {
    ngx_http_fngate_main_conf_t       *conf;
    ngx_log_t                         *log;
    ngx_http_fngate_store_node_t       node[FG_CLUSTER_NODES_MAX];

    /* a cluster's */
    fg_cluster_map_t                   map;
    ngx_queue_t                        waiting;   /* commands for the map */
    ngx_uint_t                         probe;     /* the next node asked */
    ngx_uint_t                         probes;    /* nodes asked this time */
    ngx_uint_t                         loader;    /* the node asked now */
    redisAsyncContext                 *loader_ac;
    ngx_uint_t                         loader_replies;

    unsigned                           cluster:1;
    unsigned                           stale:1;     /* load the map first */
    unsigned                           loading:1;   /* CLUSTER SLOTS sent */
    unsigned                           exiting:1;
} ngx_http_fngate_store_t;


/* The index of a context's node. */
#define ngx_http_fngate_store_node_index(ac)                                 \
    ((ngx_uint_t) ((ngx_http_fngate_store_node_t *) (ac)->data               \
                   - ngx_http_fngate_store.node))


static const char *ngx_http_fngate_store_name(ngx_uint_t n);
static redisAsyncContext *ngx_http_fngate_store_connect(ngx_uint_t n,
    ngx_log_t *log);
static void ngx_http_fngate_store_forget(const redisAsyncContext *ac);
static void ngx_http_fngate_store_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_fngate_store_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_fngate_store_drop(ngx_uint_t n, redisAsyncContext *ac,
    ngx_uint_t replies, ngx_log_t *log);
static ngx_int_t ngx_http_fngate_store_load(ngx_log_t *log);
static void ngx_http_fngate_store_slots(redisAsyncContext *ac, void *reply,
    void *privdata);
static void ngx_http_fngate_store_flush(ngx_uint_t send);
static ngx_int_t ngx_http_fngate_store_send(ngx_http_fngate_store_cmd_t *cmd,
    ngx_log_t *log);
static ngx_int_t ngx_http_fngate_store_send_to(
    ngx_http_fngate_store_cmd_t *cmd, ngx_uint_t n, ngx_uint_t asking,
    ngx_log_t *log);
static ngx_int_t ngx_http_fngate_store_again(
    ngx_http_fngate_store_cmd_t *cmd, ngx_log_t *log);
static void ngx_http_fngate_store_resend(ngx_http_fngate_store_cmd_t *cmd,
    const fg_redis_addr_t *to, ngx_uint_t asking);
static void ngx_http_fngate_store_resume_send(ngx_event_t *ev);
static void ngx_http_fngate_store_abandon(ngx_http_fngate_store_cmd_t *cmd);
static void ngx_http_fngate_store_free(ngx_http_fngate_store_cmd_t *cmd);
static void ngx_http_fngate_store_callback(redisAsyncContext *ac, void *reply,
    void *privdata);
static ngx_int_t ngx_http_fngate_store_reply(ngx_http_request_t *r,
    ngx_http_fngate_store_cmd_t *cmd, redisReply *rr);
static void ngx_http_fngate_store_done(ngx_http_fngate_store_cmd_t *cmd,
    ngx_http_fngate_redis_rc_e rc);
static void ngx_http_fngate_store_timeout(ngx_event_t *ev);


/* One per worker process. */
static ngx_http_fngate_store_t  ngx_http_fngate_store;


ngx_int_t
ngx_http_fngate_store_init(ngx_cycle_t *cycle,
    ngx_http_fngate_main_conf_t *fmcf)
{
    ngx_uint_t        i;
    fg_redis_conf_t  *rc;

    ngx_memzero(&ngx_http_fngate_store, sizeof(ngx_http_fngate_store_t));

    ngx_http_fngate_store.conf = fmcf;
    ngx_http_fngate_store.log = cycle->log;

    ngx_queue_init(&ngx_http_fngate_store.waiting);

    rc = fmcf->redis_conf;

    if (!rc->cluster) {
        return NGX_OK;
    }

    /* the seeds are the first nodes: the map is asked of them first */

    ngx_http_fngate_store.cluster = 1;
    ngx_http_fngate_store.stale = 1;

    fg_cluster_map_init(&ngx_http_fngate_store.map);

    for (i = 0; i < rc->nseeds; i++) {
        if (fg_cluster_map_node(&ngx_http_fngate_store.map, rc->seed[i].host,
                                rc->seed[i].port)
            < 0)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


void
ngx_http_fngate_store_exit(ngx_cycle_t *cycle)
{
    ngx_uint_t          n, nnodes;
    redisAsyncContext  *ac;

    if (ngx_http_fngate_store.conf == NULL) {
        return;
    }

    ngx_http_fngate_store.exiting = 1;

    nnodes = ngx_http_fngate_store.cluster
             ? ngx_http_fngate_store.map.nnodes : 1;

    for (n = 0; n < nnodes; n++) {
        ac = ngx_http_fngate_store.node[n].ac;

        if (ac) {
            ngx_http_fngate_store.node[n].ac = NULL;
            redisAsyncFree(ac);
        }
    }

    ngx_http_fngate_store_flush(0);
}


/* The address of node n, as written or as the cluster named it. */

static const char *
ngx_http_fngate_store_name(ngx_uint_t n)
{
    if (ngx_http_fngate_store.cluster) {
        return ngx_http_fngate_store.map.node[n].addr;
    }

    return ngx_http_fngate_store.conf->redis_conf->seed[0].addr;
}


/*
 * Connects to node n and makes that the node's connection: the context, or
 * NULL when that failed at once.  Neither call blocks: the address is
 * numeric (resolved when the configuration was read, or named so by the
 * cluster) and hiredis connects in non-blocking mode.
 */

static redisAsyncContext *
ngx_http_fngate_store_connect(ngx_uint_t n, ngx_log_t *log)
{
    const char              *name;
    struct in6_addr          numeric;
    redisAsyncContext       *ac;
    const fg_redis_addr_t   *a;

    if (ngx_http_fngate_store.cluster) {
        a = &ngx_http_fngate_store.map.node[n];

    } else {
        a = &ngx_http_fngate_store.conf->redis_conf->seed[0];
    }

    name = a->addr;

    if (a->local) {
        ac = redisAsyncConnectUnix(a->addr + 5);

    } else if (inet_pton(AF_INET, a->host, &numeric) != 1
               && inet_pton(AF_INET6, a->host, &numeric) != 1)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%s\" is not a numeric address", name);
        goto failed;

    } else {
        ac = redisAsyncConnect(a->host, a->port);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%s\": out of memory", name);
        goto failed;
    }

    if (ac->err) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%s\" connect failed: %s",
                      name, ac->errstr);
        redisAsyncFree(ac);
        goto failed;
    }

    if (ngx_http_fngate_redis_attach(ac, ngx_http_fngate_store.log)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%s\": no free connection", name);
        redisAsyncFree(ac);
        goto failed;
    }

    ac->data = &ngx_http_fngate_store.node[n];

    redisAsyncSetConnectCallback(ac, ngx_http_fngate_store_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_fngate_store_disconnected);

    ngx_http_fngate_store.node[n].ac = ac;
    ngx_http_fngate_store.node[n].replies = 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "fngate: redis \"%s\" connecting, fd:%d", name, ac->c.fd);

    return ac;

failed:

    /* a node that can not be reached may have been failed over */

    ngx_http_fngate_store.stale = ngx_http_fngate_store.cluster;

    return NULL;
}


/*
 * The context hiredis is about to free (after a failed connect, or once a
 * connected one is lost) is no longer its node's connection: the next
 * command connects afresh.
 */

static void
ngx_http_fngate_store_forget(const redisAsyncContext *ac)
{
    ngx_http_fngate_store_node_t  *node = ac->data;

    if (node->ac == ac) {
        node->ac = NULL;
    }
}


static void
ngx_http_fngate_store_connected(const redisAsyncContext *ac, int status)
{
    const char  *name;

    name = ngx_http_fngate_store_name(ngx_http_fngate_store_node_index(ac));

    if (status != REDIS_OK) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_fngate_store.log, 0,
                      "fngate: redis \"%s\" connect failed: %s",
                      name, ac->errstr);

        /* hiredis frees the context when this returns */

        ngx_http_fngate_store_forget(ac);
        ngx_http_fngate_store.stale = ngx_http_fngate_store.cluster;
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_http_fngate_store.log, 0,
                   "fngate: redis \"%s\" connected", name);
}


static void
ngx_http_fngate_store_disconnected(const redisAsyncContext *ac, int status)
{
    const char  *name;

    name = ngx_http_fngate_store_name(ngx_http_fngate_store_node_index(ac));

    /* hiredis frees the context when this returns */

    ngx_http_fngate_store_forget(ac);

    if (status != REDIS_OK && !ngx_http_fngate_store.exiting) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_fngate_store.log, 0,
                      "fngate: redis \"%s\" connection lost: %s",
                      name, ac->errstr[0] ? ac->errstr : "closed");
        ngx_http_fngate_store.stale = ngx_http_fngate_store.cluster;
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_http_fngate_store.log, 0,
                   "fngate: redis \"%s\" disconnected", name);
}


/*
 * Node n has given no reply since a command was sent on ac, when it had
 * given "replies": it is presumed dead and its connection dropped, so the
 * next command connects afresh instead of queueing behind it.  The other
 * commands on it fail as timed out too.
 */

static void
ngx_http_fngate_store_drop(ngx_uint_t n, redisAsyncContext *ac,
    ngx_uint_t replies, ngx_log_t *log)
{
    ngx_http_fngate_store_node_t  *node;

    node = &ngx_http_fngate_store.node[n];

    if (ac == NULL || node->ac != ac || node->replies != replies) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "fngate: redis \"%s\" does not answer, "
                  "closing the connection", ngx_http_fngate_store_name(n));

    node->ac = NULL;
    node->timed_out = 1;
    redisAsyncFree(ac);
    node->timed_out = 0;
}


/*
 * Asks the next node that can be reached for the slot map, unless one is
 * asked already.  NGX_ERROR when every known node has been asked in vain
 * (the next load asks them all again).
 */

static ngx_int_t
ngx_http_fngate_store_load(ngx_log_t *log)
{
    ngx_uint_t                n;
    redisAsyncContext        *ac;
    ngx_http_fngate_store_t  *st;

    st = &ngx_http_fngate_store;

    if (st->loading) {
        return NGX_OK;
    }

    if (st->probes == 0) {

        /* a node connected now answers soonest: the others may be down */

        for (n = 0; n < st->map.nnodes; n++) {
            ac = st->node[n].ac;

            if (ac && (ac->c.flags & REDIS_CONNECTED)) {
                st->probe = n;
                break;
            }
        }
    }

    while (st->probes < st->map.nnodes) {
        n = st->probe++ % st->map.nnodes;
        st->probes++;

        ac = st->node[n].ac;

        if (ac == NULL) {
            ac = ngx_http_fngate_store_connect(n, log);
            if (ac == NULL) {
                continue;
            }
        }

        if (redisAsyncCommand(ac, ngx_http_fngate_store_slots, NULL,
                              "CLUSTER SLOTS")
            != REDIS_OK)
        {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "fngate: redis \"%s\": CLUSTER SLOTS not sent: %s",
                          ngx_http_fngate_store_name(n),
                          ac->errstr[0] ? ac->errstr : "closing");
            continue;
        }

        st->loading = 1;
        st->loader = n;
        st->loader_ac = ac;
        st->loader_replies = st->node[n].replies;

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0,
                       "fngate: redis \"%s\" asked for the slot map",
                       ngx_http_fngate_store_name(n));

        return NGX_OK;
    }

    st->probes = 0;

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "fngate: redis cluster \"%V\": no node gave the slot map",
                  &st->conf->redis);

    return NGX_ERROR;
}


/*
 * The reply to CLUSTER SLOTS: the map, then the commands that waited for
 * it are sent; or the next node is asked, and when none is left they
 * fail.
 */

static void
ngx_http_fngate_store_slots(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_uint_t                     n;
    redisReply                    *rr = reply;
    ngx_http_fngate_store_t       *st;
    ngx_http_fngate_store_node_t  *node;

    st = &ngx_http_fngate_store;
    node = ac->data;
    n = ngx_http_fngate_store_node_index(ac);

    if (rr && ac == node->ac) {
        node->replies++;
    }

    st->loading = 0;
    st->loader_ac = NULL;

    if (st->exiting) {
        return;
    }

    if (rr && fg_cluster_map_load(&st->map, rr) == 0) {
        st->stale = 0;
        st->probes = 0;

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, st->log, 0,
                       "fngate: redis \"%s\" gave the slot map, %ui nodes",
                       ngx_http_fngate_store_name(n),
                       (ngx_uint_t) st->map.nnodes);

        ngx_http_fngate_store_flush(1);
        return;
    }

    if (rr == NULL) {
        ngx_http_fngate_store_forget(ac);

        ngx_log_error(NGX_LOG_ERR, st->log, 0,
                      "fngate: redis \"%s\" gave no slot map: %s",
                      ngx_http_fngate_store_name(n),
                      node->timed_out ? "no reply in time"
                      : ac->errstr[0] ? ac->errstr : "connection closed");

    } else if (rr->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, st->log, 0,
                      "fngate: redis \"%s\" gave no slot map: \"%*s\"",
                      ngx_http_fngate_store_name(n), (size_t) rr->len,
                      rr->str);

    } else {
        ngx_log_error(NGX_LOG_ERR, st->log, 0,
                      "fngate: redis \"%s\" gave no slot map: "
                      "an unexpected reply", ngx_http_fngate_store_name(n));
    }

    if (ngx_http_fngate_store_load(st->log) != NGX_OK) {
        ngx_http_fngate_store_flush(0);
    }
}


/*
 * The commands that waited for the map are sent, or (send 0, no map) fail.
 * They are taken off the queue first: a failure resumes its request,
 * which may send another command, and that one may wait for the next map.
 */

static void
ngx_http_fngate_store_flush(ngx_uint_t send)
{
    ngx_queue_t                  *q, waiting;
    ngx_http_fngate_store_cmd_t  *cmd;

    if (ngx_queue_empty(&ngx_http_fngate_store.waiting)) {
        return;
    }

    ngx_queue_init(&waiting);
    ngx_queue_add(&waiting, &ngx_http_fngate_store.waiting);
    ngx_queue_init(&ngx_http_fngate_store.waiting);

    while (!ngx_queue_empty(&waiting)) {
        q = ngx_queue_head(&waiting);
        ngx_queue_remove(q);

        cmd = ngx_queue_data(q, ngx_http_fngate_store_cmd_t, queue);
        cmd->queued = 0;

        if (!send
            || ngx_http_fngate_store_send(cmd,
                                          cmd->request->connection->log)
               != NGX_OK)
        {
            ngx_http_fngate_store_done(cmd, NGX_HTTP_FNGATE_REDIS_DOWN);
        }
    }
}


/*
 * Sends a command to the node that serves its slot (a single Redis: to
 * it).  In a cluster, when the map is to be loaded first, or the node can
 * not be reached (it may have been failed over), the command waits on the
 * queue for the next map.  NGX_OK, or NGX_ERROR when it can not be sent.
 */

static ngx_int_t
ngx_http_fngate_store_send(ngx_http_fngate_store_cmd_t *cmd, ngx_log_t *log)
{
    ngx_uint_t                n;
    ngx_http_fngate_store_t  *st;

    st = &ngx_http_fngate_store;

    if (!st->cluster) {
        return ngx_http_fngate_store_send_to(cmd, 0, 0, log);
    }

    if (!st->stale) {
        n = st->map.slot[cmd->slot];

        if (n != FG_CLUSTER_NONE
            && ngx_http_fngate_store_send_to(cmd, n, 0, log) == NGX_OK)
        {
            return NGX_OK;
        }

        if (n == FG_CLUSTER_NONE) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "fngate: redis cluster \"%V\": no node serves "
                          "slot %ui", &st->conf->redis, cmd->slot);
        }

        st->stale = 1;

        if (ngx_http_fngate_store_again(cmd, log) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_fngate_store_load(log) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "fngate: redis %s of slot %ui waits for the slot map",
                   cmd->command, cmd->slot);

    cmd->ac = NULL;
    cmd->queued = 1;
    ngx_queue_insert_tail(&st->waiting, &cmd->queue);

    return NGX_OK;
}


/* Sends a command on node n's connection, after ASKING when asking. */

static ngx_int_t
ngx_http_fngate_store_send_to(ngx_http_fngate_store_cmd_t *cmd, ngx_uint_t n,
    ngx_uint_t asking, ngx_log_t *log)
{
    redisAsyncContext  *ac;

    ac = ngx_http_fngate_store.node[n].ac;

    if (ac == NULL) {
        ac = ngx_http_fngate_store_connect(n, log);
        if (ac == NULL) {
            return NGX_ERROR;
        }
    }

    /* ASKING's own reply is dropped: hiredis frees it, calling nothing */

    if ((asking && redisAsyncCommand(ac, NULL, NULL, "ASKING") != REDIS_OK)
        || redisAsyncFormattedCommand(ac, ngx_http_fngate_store_callback,
                                      cmd, cmd->text, cmd->len)
           != REDIS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%s\": command not sent: %s",
                      ngx_http_fngate_store_name(n),
                      ac->errstr[0] ? ac->errstr : "closing");
        return NGX_ERROR;
    }

    cmd->node = n;
    cmd->ac = ac;
    cmd->replies = ngx_http_fngate_store.node[n].replies;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, log, 0,
                   "fngate: redis %s sent to \"%s\"%s", cmd->command,
                   ngx_http_fngate_store_name(n), asking ? " asking" : "");

    return NGX_OK;
}


/*
 * Whether a command may be sent once more: NGX_HTTP_FNGATE_STORE_RESENDS
 * times after the first, so that redirections and failures end within
 * the request's time whatever the cluster says.
 */

static ngx_int_t
ngx_http_fngate_store_again(ngx_http_fngate_store_cmd_t *cmd, ngx_log_t *log)
{
    if (cmd->resends == NGX_HTTP_FNGATE_STORE_RESENDS) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis cluster \"%V\": %s of slot %ui given "
                      "up after %d redirections or failures",
                      &ngx_http_fngate_store.conf->redis, cmd->command,
                      cmd->slot, NGX_HTTP_FNGATE_STORE_RESENDS);
        return NGX_ERROR;
    }

    cmd->resends++;

    return NGX_OK;
}


/*
 * Sends a command again, from its callback: to the node at "to" (after
 * ASKING when asking), or where the map says.  The first time at once
 * (the usual MOVED or ASK), later ones after a pause (see the top).  When
 * it may not or can not be, it fails as if Redis were down.
 */

static void
ngx_http_fngate_store_resend(ngx_http_fngate_store_cmd_t *cmd,
    const fg_redis_addr_t *to, ngx_uint_t asking)
{
    int                       n = -1;
    ngx_log_t                *log;
    ngx_msec_t                pause;
    ngx_http_fngate_store_t  *st;

    st = &ngx_http_fngate_store;
    log = cmd->request->connection->log;

    if (ngx_http_fngate_store_again(cmd, log) != NGX_OK) {
        ngx_http_fngate_store_done(cmd, NGX_HTTP_FNGATE_REDIS_DOWN);
        return;
    }

    if (to) {
        n = fg_cluster_map_node(&st->map, to->host, to->port);

        if (n < 0) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "fngate: redis \"%s\": more than %d nodes",
                          to->addr, FG_CLUSTER_NODES_MAX);
            ngx_http_fngate_store_done(cmd, NGX_HTTP_FNGATE_REDIS_DOWN);
            return;
        }
    }

    cmd->pause_to = n;
    cmd->asking = asking ? 1 : 0;
    cmd->ac = NULL;

    cmd->pause.handler = ngx_http_fngate_store_resume_send;
    cmd->pause.data = cmd;
    cmd->pause.log = log;

    if (cmd->resends == 1) {
        ngx_http_fngate_store_resume_send(&cmd->pause);
        return;
    }

    pause = (st->conf->redis_timeout / 4)
            >> (NGX_HTTP_FNGATE_STORE_RESENDS - cmd->resends);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, log, 0,
                   "fngate: redis %s of slot %ui sent again in %Mms",
                   cmd->command, cmd->slot, pause);

    /* a map that is to be loaded is asked for now, to be there by then */

    if (n < 0 && st->stale) {
        (void) ngx_http_fngate_store_load(log);
    }

    cmd->paused = 1;
    ngx_add_timer(&cmd->pause, pause);
}


/* The resend itself, at once or once its pause is over. */

static void
ngx_http_fngate_store_resume_send(ngx_event_t *ev)
{
    ngx_http_fngate_store_cmd_t  *cmd = ev->data;

    ngx_int_t   rc;
    ngx_log_t  *log;

    cmd->paused = 0;
    log = cmd->request->connection->log;

    if (ngx_http_fngate_store.exiting) {
        rc = NGX_ERROR;

    } else if (cmd->pause_to < 0) {

        /* the map may be stale: the command then waits for the next one */

        rc = ngx_http_fngate_store_send(cmd, log);

    } else {
        rc = ngx_http_fngate_store_send_to(cmd, (ngx_uint_t) cmd->pause_to,
                                           cmd->asking, log);
    }

    if (rc != NGX_OK) {
        ngx_http_fngate_store_done(cmd, NGX_HTTP_FNGATE_REDIS_DOWN);
    }
}


/*
 * A command whose request no longer waits for it: one that waits for the
 * map or for a pause is freed; one that was sent stays with hiredis until
 * its reply, which is then ignored.
 */

static void
ngx_http_fngate_store_abandon(ngx_http_fngate_store_cmd_t *cmd)
{
    if (cmd->queued) {
        ngx_queue_remove(&cmd->queue);
        ngx_http_fngate_store_free(cmd);

    } else if (cmd->paused) {
        ngx_del_timer(&cmd->pause);
        ngx_http_fngate_store_free(cmd);

    } else {
        cmd->request = NULL;
    }
}


static void
ngx_http_fngate_store_free(ngx_http_fngate_store_cmd_t *cmd)
{
    redisFreeCommand(cmd->text);
    ngx_free(cmd);
}


/*
 * Sends the command of a lookup.  Returns NGX_AGAIN when it is on its
 * way: the handler runs with the reply, then the request's phases resume.
 * When Redis can not be reached now, the client is answered at once (as
 * for a reply that never came) and that answer is returned.
 *
 * The command is kept formatted, as hiredis sends it, for a cluster's
 * redirections; its slot is that of its key.
 */

ngx_int_t
ngx_http_fngate_store_command(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_http_fngate_lookup_t *lk)
{
    int                           k, len;
    ngx_http_fngate_store_cmd_t  *cmd;

    if (ngx_http_fngate_store.conf == NULL) {
        goto failed;
    }

    cmd = ngx_calloc(sizeof(ngx_http_fngate_store_cmd_t),
                     r->connection->log);
    if (cmd == NULL) {
        goto failed;
    }

    len = redisFormatCommandArgv(&cmd->text, lk->argc, lk->argv,
                                 lk->argvlen);
    if (len < 0) {
        ngx_free(cmd);
        goto failed;
    }

    k = fg_cluster_key_index(lk->argc, lk->argv, lk->argvlen);

    cmd->request = r;
    cmd->handler = lk->handler;
    cmd->type = lk->type;
    cmd->command = lk->argv[0];
    cmd->len = (size_t) len;
    cmd->slot = k < 0 ? 0 : fg_cluster_slot(lk->argv[k], lk->argvlen[k]);

    if (ngx_http_fngate_store_send(cmd, r->connection->log) != NGX_OK) {
        ngx_http_fngate_store_free(cmd);
        goto failed;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: redis %s \"%s\" sent", lk->argv[0],
                   lk->argc > 1 ? lk->argv[1] : "");

    ctx->redis.cmd = cmd;
    ctx->redis.waiting = 1;
    ctx->redis.replied = 0;

    ctx->redis.timer.handler = ngx_http_fngate_store_timeout;
    ctx->redis.timer.data = r;
    ctx->redis.timer.log = r->connection->log;

    ngx_add_timer(&ctx->redis.timer,
                  ngx_http_fngate_store.conf->redis_timeout);

    return NGX_AGAIN;

failed:

    ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_DOWN;

    return ngx_http_fngate_redis_failed(r, ctx);
}


/* Called from the request's pool cleanup: a late reply is then ignored. */

void
ngx_http_fngate_store_detach(ngx_http_fngate_ctx_t *ctx)
{
    ngx_http_fngate_store_cmd_t  *cmd;

    cmd = ctx->redis.cmd;

    if (cmd) {
        ctx->redis.cmd = NULL;
        ngx_http_fngate_store_abandon(cmd);
    }

    if (ctx->redis.timer.timer_set) {
        ngx_del_timer(&ctx->redis.timer);
    }

    ctx->redis.waiting = 0;
}


/*
 * hiredis calls this with the reply, or with NULL when the connection is
 * lost or freed before the reply came.  The reply belongs to hiredis and
 * is freed when this returns, so the handler copies what it needs.  In a
 * cluster, a redirection, a lost connection or a cluster that is not
 * ready sends the command again instead.  Then the request's phases run
 * again, here, outside any handler of the request's own connection, as
 * the upstream module resumes a request.
 */

static void
ngx_http_fngate_store_callback(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_http_fngate_store_cmd_t *cmd = privdata;

    unsigned                       slot;
    const char                    *name;
    redisReply                    *rr = reply;
    fg_redis_addr_t                to;
    ngx_http_request_t            *r;
    fg_cluster_redirect_t          redirect;
    ngx_http_fngate_store_t       *st;
    ngx_http_fngate_store_node_t  *node;

    st = &ngx_http_fngate_store;
    node = ac->data;
    name = ngx_http_fngate_store_name(ngx_http_fngate_store_node_index(ac));

    if (rr && ac == node->ac) {
        node->replies++;
    }

    r = cmd->request;

    if (r == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, st->log, 0,
                       "fngate: redis reply for a finished request ignored");
        ngx_http_fngate_store_free(cmd);
        return;
    }

    if (rr == NULL && node->timed_out) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis \"%s\" gave no reply in time", name);
        ngx_http_fngate_store_done(cmd, NGX_HTTP_FNGATE_REDIS_TIMEOUT);
        return;
    }

    if (rr == NULL && st->cluster && !st->exiting) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "fngate: redis \"%s\" gave no reply: %s, "
                      "the command goes where the next slot map says", name,
                      ac->errstr[0] ? ac->errstr : "connection closed");

        ngx_http_fngate_store_forget(ac);
        st->stale = 1;
        ngx_http_fngate_store_resend(cmd, NULL, 0);
        return;
    }

    if (rr == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis \"%s\" gave no reply: %s", name,
                      ac->errstr[0] ? ac->errstr : "connection closed");
        ngx_http_fngate_store_done(cmd, NGX_HTTP_FNGATE_REDIS_DOWN);
        return;
    }

    if (st->cluster && !st->exiting && rr->type == REDIS_REPLY_ERROR) {

        redirect = fg_cluster_redirect(rr->str, rr->len, &slot, &to);

        if (redirect == FG_CLUSTER_REDIRECT_MOVED) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "fngate: redis \"%s\" moved slot %ud to \"%s\"",
                          name, slot, to.addr);

            (void) fg_cluster_map_moved(&st->map, slot, &to);

            /* the rest of the map is reloaded meanwhile */

            (void) ngx_http_fngate_store_load(r->connection->log);

            ngx_http_fngate_store_resend(cmd, &to, 0);
            return;
        }

        if (redirect == FG_CLUSTER_REDIRECT_ASK) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "fngate: redis \"%s\" is migrating slot %ud: "
                          "asking \"%s\"", name, slot, to.addr);

            ngx_http_fngate_store_resend(cmd, &to, 1);
            return;
        }

        if (ngx_strncmp(rr->str, "CLUSTERDOWN ", 12) == 0
            || ngx_strncmp(rr->str, "TRYAGAIN ", 9) == 0)
        {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "fngate: redis \"%s\" error reply \"%*s\"", name,
                          (size_t) rr->len, rr->str);
            st->stale = 1;
            ngx_http_fngate_store_resend(cmd, NULL, 0);
            return;
        }
    }

    if (rr->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis \"%s\" error reply \"%*s\"", name,
                      (size_t) rr->len, rr->str);
    }

    ngx_http_fngate_store_done(cmd,
                               ngx_http_fngate_store_reply(r, cmd, rr));
}


/* What a reply that came means for the lookup: its handler's answer. */

static ngx_int_t
ngx_http_fngate_store_reply(ngx_http_request_t *r,
    ngx_http_fngate_store_cmd_t *cmd, redisReply *rr)
{
    if (rr->type == REDIS_REPLY_ERROR) {
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    if (rr->type == REDIS_REPLY_NIL && cmd->type == REDIS_REPLY_STRING) {
        /* a missing key or field: not found, as the lookup began */
        return NGX_HTTP_FNGATE_REDIS_OK;
    }

    if (rr->type != cmd->type) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: unexpected redis reply type %d to %s",
                      rr->type, cmd->command);
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    return cmd->handler(r, rr);
}


/*
 * The command's outcome: it is freed, its request gets rc and runs its
 * phases again (not while the worker exits).
 */

static void
ngx_http_fngate_store_done(ngx_http_fngate_store_cmd_t *cmd,
    ngx_http_fngate_redis_rc_e rc)
{
    ngx_http_request_t     *r;
    ngx_http_fngate_ctx_t  *ctx;

    r = cmd->request;

    ngx_http_fngate_store_free(cmd);

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    ctx->redis.cmd = NULL;
    ctx->redis.waiting = 0;
    ctx->redis.replied = 1;
    ctx->redis.rc = rc;

    if (ctx->redis.timer.timer_set) {
        ngx_del_timer(&ctx->redis.timer);
    }

    if (ngx_http_fngate_store.exiting) {
        return;
    }

    ngx_http_fngate_resume(r);
}


/*
 * No reply in time.  A command sent stays queued in hiredis (it can not
 * be taken back) and its late reply will be ignored; one that waited for
 * the slot map is freed.  If nothing at all has come back from the node
 * since the command (or the CLUSTER SLOTS it waited for) was sent, its
 * connection is dropped.  A cluster's map may be wrong: it is loaded
 * again before the next command.
 */

static void
ngx_http_fngate_store_timeout(ngx_event_t *ev)
{
    ngx_http_request_t  *r = ev->data;

    unsigned                       queued;
    ngx_uint_t                     node, replies;
    redisAsyncContext             *ac;
    ngx_http_fngate_ctx_t         *ctx;
    ngx_http_fngate_store_t       *st;
    ngx_http_fngate_store_cmd_t   *cmd;

    st = &ngx_http_fngate_store;
    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    cmd = ctx->redis.cmd;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: redis \"%s\" timed out after %Mms",
                  cmd && cmd->ac ? ngx_http_fngate_store_name(cmd->node)
                                 : (char *) st->conf->redis.data,
                  st->conf->redis_timeout);

    ctx->redis.cmd = NULL;
    ctx->redis.waiting = 0;
    ctx->redis.replied = 1;
    ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_TIMEOUT;

    if (cmd) {
        queued = cmd->queued;
        ac = cmd->ac;
        node = cmd->node;
        replies = cmd->replies;

        /* first, so that the drop's NULL reply finds no request */

        ngx_http_fngate_store_abandon(cmd);

        if (queued && st->loading) {
            ngx_http_fngate_store_drop(st->loader, st->loader_ac,
                                       st->loader_replies,
                                       r->connection->log);

        } else if (ac) {
            ngx_http_fngate_store_drop(node, ac, replies, r->connection->log);
        }
    }

    st->stale = st->cluster;

    ngx_http_fngate_resume(r);
}
