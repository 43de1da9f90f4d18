
/*
 * fngate: the metadata store: Redis, and the commands of requests.
 *
 * Each worker keeps one connection to Redis and pipelines the commands of
 * all its requests on it; hiredis runs on nginx's event loop through the
 * adapter of ngx_http_fngate_redis.c.  The connection is made when the
 * first command needs it and made again after it is lost.  A command's
 * reply, or its timeout, resumes the request's phases.
 */


#include "ngx_http_fngate_module.h"


/*
 * A command in flight.  It is allocated from the heap, not from the pool
 * of the request, because hiredis holds on to it until the reply comes
 * (or the connection dies), which may be after the request is gone: the
 * request's pool cleanup then sets "request" to NULL and the callback only
 * frees the command.
 */

struct ngx_http_fngate_store_cmd_s {
    ngx_http_request_t                *request;
    ngx_http_fngate_redis_handler_pt   handler;
    int                                type;      /* the reply's, expected */
    const char                        *command;   /* its name, a literal */
    redisAsyncContext                 *ac;
    ngx_uint_t                         replies;
};


typedef struct {
    redisAsyncContext                 *ac;
    ngx_http_fngate_main_conf_t       *conf;
    ngx_log_t                         *log;
    ngx_uint_t                         replies;   /* replies received on the
                                                     current connection */
    unsigned                           exiting:1;
    unsigned                           timed_out:1; /* dropping a connection
                                                       that does not answer */
} ngx_http_fngate_store_t;


static ngx_int_t ngx_http_fngate_store_connect(ngx_log_t *log);
static void ngx_http_fngate_store_forget(const redisAsyncContext *ac);
static void ngx_http_fngate_store_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_fngate_store_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_fngate_store_callback(redisAsyncContext *ac, void *reply,
    void *privdata);
static void ngx_http_fngate_store_timeout(ngx_event_t *ev);


/* One per worker process. */
static ngx_http_fngate_store_t  ngx_http_fngate_store;


ngx_int_t
ngx_http_fngate_store_init(ngx_cycle_t *cycle,
    ngx_http_fngate_main_conf_t *fmcf)
{
    ngx_memzero(&ngx_http_fngate_store, sizeof(ngx_http_fngate_store_t));

    ngx_http_fngate_store.conf = fmcf;
    ngx_http_fngate_store.log = cycle->log;

    return NGX_OK;
}


void
ngx_http_fngate_store_exit(ngx_cycle_t *cycle)
{
    redisAsyncContext  *ac;

    ngx_http_fngate_store.exiting = 1;

    ac = ngx_http_fngate_store.ac;

    if (ac) {
        ngx_http_fngate_store.ac = NULL;
        redisAsyncFree(ac);
    }
}


static ngx_int_t
ngx_http_fngate_store_connect(ngx_log_t *log)
{
    redisAsyncContext            *ac;
    ngx_http_fngate_main_conf_t  *fmcf;

    fmcf = ngx_http_fngate_store.conf;

    if (fmcf == NULL) {
        return NGX_ERROR;
    }

    /*
     * Neither call blocks: the address is numeric (resolved when the
     * configuration was read) and hiredis connects in non-blocking mode.
     */

    if (fmcf->redis_path.len) {
        ac = redisAsyncConnectUnix((char *) fmcf->redis_path.data);

    } else {
        ac = redisAsyncConnect((char *) fmcf->redis_host.data,
                               (int) fmcf->redis_port);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%V\": out of memory", &fmcf->redis);
        return NGX_ERROR;
    }

    if (ac->err) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%V\" connect failed: %s",
                      &fmcf->redis, ac->errstr);
        redisAsyncFree(ac);
        return NGX_ERROR;
    }

    if (ngx_http_fngate_redis_attach(ac, ngx_http_fngate_store.log)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fngate: redis \"%V\": no free connection",
                      &fmcf->redis);
        redisAsyncFree(ac);
        return NGX_ERROR;
    }

    redisAsyncSetConnectCallback(ac, ngx_http_fngate_store_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_fngate_store_disconnected);

    ngx_http_fngate_store.ac = ac;
    ngx_http_fngate_store.replies = 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "fngate: redis \"%V\" connecting, fd:%d",
                   &fmcf->redis, ac->c.fd);

    return NGX_OK;
}


/*
 * The context hiredis is about to free (after a failed connect, or once a
 * connected one is lost) is no longer the worker's connection: the next
 * command connects afresh.
 */

static void
ngx_http_fngate_store_forget(const redisAsyncContext *ac)
{
    if (ngx_http_fngate_store.ac == ac) {
        ngx_http_fngate_store.ac = NULL;
    }
}


static void
ngx_http_fngate_store_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_fngate_main_conf_t  *fmcf;

    fmcf = ngx_http_fngate_store.conf;

    if (status != REDIS_OK) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_fngate_store.log, 0,
                      "fngate: redis \"%V\" connect failed: %s",
                      &fmcf->redis, ac->errstr);

        /* hiredis frees the context when this returns */

        ngx_http_fngate_store_forget(ac);
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_http_fngate_store.log, 0,
                   "fngate: redis \"%V\" connected", &fmcf->redis);
}


static void
ngx_http_fngate_store_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_fngate_main_conf_t  *fmcf;

    fmcf = ngx_http_fngate_store.conf;

    /* hiredis frees the context when this returns */

    ngx_http_fngate_store_forget(ac);

    if (status != REDIS_OK && !ngx_http_fngate_store.exiting) {
        ngx_log_error(NGX_LOG_ERR, ngx_http_fngate_store.log, 0,
                      "fngate: redis \"%V\" connection lost: %s",
                      &fmcf->redis, ac->errstr[0] ? ac->errstr : "closed");
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_http_fngate_store.log, 0,
                   "fngate: redis \"%V\" disconnected", &fmcf->redis);
}


/*
 * Sends the command of a lookup.  Returns NGX_AGAIN when it is on its
 * way: the handler runs with the reply, then the request's phases resume.
 * When Redis can not be reached now, the client is answered at once (as
 * for a reply that never came) and that answer is returned.
 */

ngx_int_t
ngx_http_fngate_store_command(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_http_fngate_lookup_t *lk)
{
    ngx_http_fngate_store_cmd_t  *cmd;

    if (ngx_http_fngate_store.ac == NULL) {
        if (ngx_http_fngate_store_connect(r->connection->log) != NGX_OK) {
            goto failed;
        }
    }

    cmd = ngx_alloc(sizeof(ngx_http_fngate_store_cmd_t), r->connection->log);
    if (cmd == NULL) {
        goto failed;
    }

    cmd->request = r;
    cmd->handler = lk->handler;
    cmd->type = lk->type;
    cmd->command = lk->argv[0];
    cmd->ac = ngx_http_fngate_store.ac;
    cmd->replies = ngx_http_fngate_store.replies;

    if (redisAsyncCommandArgv(ngx_http_fngate_store.ac,
                              ngx_http_fngate_store_callback, cmd,
                              lk->argc, lk->argv, lk->argvlen)
        != REDIS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis command not sent: %s",
                      ngx_http_fngate_store.ac
                      ? ngx_http_fngate_store.ac->errstr : "no connection");
        ngx_free(cmd);
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
    if (ctx->redis.cmd) {
        ctx->redis.cmd->request = NULL;
        ctx->redis.cmd = NULL;
    }

    if (ctx->redis.timer.timer_set) {
        ngx_del_timer(&ctx->redis.timer);
    }

    ctx->redis.waiting = 0;
}


/*
 * hiredis calls this with the reply, or with NULL when the connection is
 * lost or freed before the reply came.  The reply belongs to hiredis and
 * is freed when this returns, so the handler copies what it needs.  Then
 * the request's phases run again, here, outside any handler of the
 * request's own connection, as the upstream module resumes a request.
 */

static void
ngx_http_fngate_store_callback(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_http_fngate_store_cmd_t *cmd = privdata;

    int                                type;
    const char                        *command;
    redisReply                        *rr;
    ngx_http_request_t                *r;
    ngx_http_fngate_ctx_t             *ctx;
    ngx_http_fngate_redis_handler_pt   handler;

    r = cmd->request;
    handler = cmd->handler;
    type = cmd->type;
    command = cmd->command;

    if (reply && cmd->ac == ngx_http_fngate_store.ac) {
        ngx_http_fngate_store.replies++;
    }

    ngx_free(cmd);

    if (r == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ngx_http_fngate_store.log, 0,
                       "fngate: redis reply for a finished request ignored");
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    ctx->redis.cmd = NULL;
    ctx->redis.waiting = 0;
    ctx->redis.replied = 1;

    if (ctx->redis.timer.timer_set) {
        ngx_del_timer(&ctx->redis.timer);
    }

    rr = reply;

    if (rr == NULL && ngx_http_fngate_store.timed_out) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis \"%V\" gave no reply in time",
                      &ngx_http_fngate_store.conf->redis);
        ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_TIMEOUT;

    } else if (rr == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis \"%V\" gave no reply: %s",
                      &ngx_http_fngate_store.conf->redis,
                      ac->errstr[0] ? ac->errstr : "connection closed");
        ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_DOWN;

    } else if (rr->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis error reply \"%*s\"",
                      (size_t) rr->len, rr->str);
        ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_BAD_REPLY;

    } else if (rr->type == REDIS_REPLY_NIL && type == REDIS_REPLY_STRING) {
        /* a missing key or field: not found, as the lookup began */
        ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_OK;

    } else if (rr->type != type) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: unexpected redis reply type %d to %s",
                      rr->type, command);
        ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_BAD_REPLY;

    } else {
        ctx->redis.rc = handler(r, rr);
    }

    if (ngx_http_fngate_store.exiting) {
        return;
    }

    ngx_http_fngate_resume(r);
}


/*
 * No reply in time.  The command stays queued in hiredis (it can not be
 * taken back) and its late reply will be ignored.  If nothing at all has
 * come back on the connection since the command was sent, the connection
 * is presumed dead and dropped, so the next request connects afresh
 * instead of queueing behind it.
 */

static void
ngx_http_fngate_store_timeout(ngx_event_t *ev)
{
    ngx_http_request_t  *r = ev->data;

    redisAsyncContext             *ac;
    ngx_http_fngate_ctx_t         *ctx;
    ngx_http_fngate_store_cmd_t   *cmd;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: redis \"%V\" timed out after %Mms",
                  &ngx_http_fngate_store.conf->redis,
                  ngx_http_fngate_store.conf->redis_timeout);

    cmd = ctx->redis.cmd;

    ctx->redis.cmd = NULL;
    ctx->redis.waiting = 0;
    ctx->redis.replied = 1;
    ctx->redis.rc = NGX_HTTP_FNGATE_REDIS_TIMEOUT;

    if (cmd) {
        cmd->request = NULL;

        ac = ngx_http_fngate_store.ac;

        if (ac && cmd->ac == ac
            && cmd->replies == ngx_http_fngate_store.replies)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "fngate: redis \"%V\" does not answer, "
                          "closing the connection",
                          &ngx_http_fngate_store.conf->redis);

            /* the other commands on it fail as timed out too */

            ngx_http_fngate_store.ac = NULL;
            ngx_http_fngate_store.timed_out = 1;
            redisAsyncFree(ac);
            ngx_http_fngate_store.timed_out = 0;
        }
    }

    ngx_http_fngate_resume(r);
}
