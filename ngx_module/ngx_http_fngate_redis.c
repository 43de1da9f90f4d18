
/*
 * fngate: hiredis's asynchronous API on nginx's event loop.
 *
 * An adapter shaped like hiredis's own (hiredis/adapters/libevent.h and
 * the others): ngx_http_fngate_redis_attach() gives a redisAsyncContext an
 * ngx_connection_t for its descriptor, and hiredis's addRead, delRead,
 * addWrite, delWrite and cleanup hooks become nginx's event calls.  hiredis
 * owns the socket; nginx only watches it.  The adapter knows nothing of
 * requests or of the module's connection: those are
 * ngx_http_fngate_store.c's.
 */


#include "ngx_http_fngate_module.h"


static void ngx_http_fngate_redis_read_handler(ngx_event_t *rev);
static void ngx_http_fngate_redis_write_handler(ngx_event_t *wev);
static void ngx_http_fngate_redis_add_read(void *data);
static void ngx_http_fngate_redis_del_read(void *data);
static void ngx_http_fngate_redis_add_write(void *data);
static void ngx_http_fngate_redis_del_write(void *data);
static void ngx_http_fngate_redis_cleanup(void *data);


static void
ngx_http_fngate_redis_read_handler(ngx_event_t *rev)
{
    ngx_connection_t  *c = rev->data;

    redisAsyncHandleRead(c->data);
}


static void
ngx_http_fngate_redis_write_handler(ngx_event_t *wev)
{
    ngx_connection_t  *c = wev->data;

    redisAsyncHandleWrite(c->data);
}


/*
 * hiredis reads at most one buffer per call and writes until the kernel
 * refuses, so the events are level-triggered: a readable socket is
 * reported again until hiredis has drained it.
 */

static void
ngx_http_fngate_redis_add_read(void *data)
{
    ngx_connection_t  *c = data;

    if (!c->read->active) {
        if (ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                          "fngate: redis read event not added");
        }
    }
}


static void
ngx_http_fngate_redis_del_read(void *data)
{
    ngx_connection_t  *c = data;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT);
    }
}


static void
ngx_http_fngate_redis_add_write(void *data)
{
    ngx_connection_t  *c = data;

    if (!c->write->active) {
        if (ngx_add_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                          "fngate: redis write event not added");
        }
    }
}


static void
ngx_http_fngate_redis_del_write(void *data)
{
    ngx_connection_t  *c = data;

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
    }
}


/*
 * hiredis calls this when it frees its context, just before it closes the
 * descriptor: nginx forgets the descriptor without closing it.  This may
 * run inside one of the event handlers above, which therefore do not
 * touch the connection after calling into hiredis.
 */

static void
ngx_http_fngate_redis_cleanup(void *data)
{
    ngx_connection_t  *c = data;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    c->read->closed = 1;
    c->write->closed = 1;

    ngx_free_connection(c);

    c->fd = (ngx_socket_t) -1;
}


/*
 * Attaches the context to nginx's event loop, as redisLibeventAttach()
 * does to libevent's: NGX_OK, or NGX_ERROR when something is attached
 * already or no connection is free (the caller then frees the context).
 */

ngx_int_t
ngx_http_fngate_redis_attach(redisAsyncContext *ac, ngx_log_t *log)
{
    ngx_connection_t  *c;

    if (ac->ev.data != NULL) {
        return NGX_ERROR;
    }

    c = ngx_get_connection(ac->c.fd, log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = ac;
    c->read->handler = ngx_http_fngate_redis_read_handler;
    c->write->handler = ngx_http_fngate_redis_write_handler;
    c->read->log = c->log;
    c->write->log = c->log;

    ac->ev.addRead = ngx_http_fngate_redis_add_read;
    ac->ev.delRead = ngx_http_fngate_redis_del_read;
    ac->ev.addWrite = ngx_http_fngate_redis_add_write;
    ac->ev.delWrite = ngx_http_fngate_redis_del_write;
    ac->ev.cleanup = ngx_http_fngate_redis_cleanup;
    ac->ev.data = c;

    return NGX_OK;
}
