
/*
 * fngate: the worker's cache of what Redis said, and what a change makes
 * stale in it.
 *
 * The cache holds an answer for at most fngate_cache_ttl, under a name of
 * ngx_http_fngate_cache_name(): an access key's account and secret, that
 * a function (or a name of cross-account aliases) exists, an alias's
 * target, a grant, an API's route table and a subscription.  Only positive
 * answers are kept of keys, functions, aliases and APIs, so one created a
 * moment ago is found at once; a deleted one may still be believed in for
 * up to the ttl (fngated then answers 404 itself), except in the worker
 * that passed the deletion, which forgets it at once
 * (ngx_http_fngate_cache_forget(), after fg_action.h's "forget").  Grants
 * and subscriptions are kept both ways, so one added or removed takes
 * effect within the ttl.  An alias the caller invokes is kept with its
 * target when it is a cross-account alias, and as "-" when it is an
 * ordinary one.
 */


#include "ngx_http_fngate_module.h"

#include "fg_api.h"


#define NGX_HTTP_FNGATE_CACHE_MAX  10000


typedef struct {
    ngx_str_node_t             sn;        /* sn.str is the name */
    ngx_queue_t                queue;     /* most recently used first */
    ngx_msec_t                 expires;
    ngx_str_t                  value;
} ngx_http_fngate_cache_node_t;


typedef struct {
    ngx_rbtree_t               rbtree;
    ngx_rbtree_node_t          sentinel;
    ngx_queue_t                queue;
    ngx_uint_t                 count;
    ngx_msec_t                 ttl;
} ngx_http_fngate_cache_t;


static ngx_int_t ngx_http_fngate_cache_subscribed(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_str_t *name);
static void ngx_http_fngate_cache_free(ngx_http_fngate_cache_node_t *cn);


/* One per worker process. */
static ngx_http_fngate_cache_t  ngx_http_fngate_cache;


ngx_int_t
ngx_http_fngate_cache_init(ngx_cycle_t *cycle,
    ngx_http_fngate_main_conf_t *fmcf)
{
    ngx_http_fngate_cache_t  *cache = &ngx_http_fngate_cache;

    ngx_rbtree_init(&cache->rbtree, &cache->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&cache->queue);

    cache->count = 0;
    cache->ttl = fmcf->cache_ttl;

    return NGX_OK;
}


void
ngx_http_fngate_cache_exit(void)
{
    ngx_queue_t  *q;

    if (ngx_http_fngate_cache.ttl == 0) {
        return;
    }

    while (!ngx_queue_empty(&ngx_http_fngate_cache.queue)) {
        q = ngx_queue_head(&ngx_http_fngate_cache.queue);
        ngx_http_fngate_cache_free(
            ngx_queue_data(q, ngx_http_fngate_cache_node_t, queue));
    }
}


/*
 * The name of an entry: the kind's letter, then each of the n parts (each
 * an ngx_str_t *) after a colon, "f:OWNER:NAME" for example.  In pool;
 * NGX_OK or NGX_ERROR.
 */

ngx_int_t
ngx_http_fngate_cache_name(ngx_pool_t *pool, ngx_str_t *name,
    ngx_http_fngate_cache_e kind, ngx_uint_t n, ...)
{
    u_char      *p;
    size_t       len;
    va_list      args;
    ngx_str_t   *part;
    ngx_uint_t   i;

    len = 1;

    va_start(args, n);

    for (i = 0; i < n; i++) {
        part = va_arg(args, ngx_str_t *);
        len += 1 + part->len;
    }

    va_end(args);

    name->data = ngx_pnalloc(pool, len);
    if (name->data == NULL) {
        return NGX_ERROR;
    }

    p = name->data;
    *p++ = (u_char) kind;

    va_start(args, n);

    for (i = 0; i < n; i++) {
        part = va_arg(args, ngx_str_t *);
        *p++ = ':';
        p = ngx_cpymem(p, part->data, part->len);
    }

    va_end(args);

    name->len = p - name->data;

    return NGX_OK;
}


/* Copies the value into pool; NGX_DECLINED if absent or expired. */

ngx_int_t
ngx_http_fngate_cache_get(ngx_str_t *name, ngx_str_t *value,
    ngx_pool_t *pool)
{
    uint32_t                       hash;
    ngx_http_fngate_cache_t       *cache = &ngx_http_fngate_cache;
    ngx_http_fngate_cache_node_t  *cn;

    if (cache->ttl == 0) {
        return NGX_DECLINED;
    }

    hash = ngx_crc32_short(name->data, name->len);

    cn = (ngx_http_fngate_cache_node_t *)
             ngx_str_rbtree_lookup(&cache->rbtree, name, hash);

    if (cn == NULL) {
        return NGX_DECLINED;
    }

    if ((ngx_msec_int_t) (cn->expires - ngx_current_msec) <= 0) {
        ngx_http_fngate_cache_free(cn);
        return NGX_DECLINED;
    }

    value->len = cn->value.len;
    value->data = ngx_pnalloc(pool, value->len);
    if (value->data == NULL) {
        return NGX_DECLINED;
    }

    ngx_memcpy(value->data, cn->value.data, value->len);

    ngx_queue_remove(&cn->queue);
    ngx_queue_insert_head(&cache->queue, &cn->queue);

    return NGX_OK;
}


void
ngx_http_fngate_cache_put(ngx_str_t *name, ngx_str_t *value, ngx_log_t *log)
{
    u_char                        *p;
    ngx_queue_t                   *q;
    ngx_http_fngate_cache_t       *cache = &ngx_http_fngate_cache;
    ngx_http_fngate_cache_node_t  *cn;

    if (cache->ttl == 0) {
        return;
    }

    ngx_http_fngate_cache_delete(name);

    if (cache->count >= NGX_HTTP_FNGATE_CACHE_MAX) {
        q = ngx_queue_last(&cache->queue);
        ngx_http_fngate_cache_free(
            ngx_queue_data(q, ngx_http_fngate_cache_node_t, queue));
    }

    cn = ngx_alloc(sizeof(ngx_http_fngate_cache_node_t) + name->len
                   + value->len, log);
    if (cn == NULL) {
        return;
    }

    p = (u_char *) cn + sizeof(ngx_http_fngate_cache_node_t);

    cn->sn.str.data = p;
    cn->sn.str.len = name->len;
    p = ngx_cpymem(p, name->data, name->len);

    cn->value.data = p;
    cn->value.len = value->len;
    ngx_memcpy(p, value->data, value->len);

    cn->sn.node.key = ngx_crc32_short(name->data, name->len);
    cn->expires = ngx_current_msec + cache->ttl;

    ngx_rbtree_insert(&cache->rbtree, &cn->sn.node);
    ngx_queue_insert_head(&cache->queue, &cn->queue);
    cache->count++;
}


void
ngx_http_fngate_cache_delete(ngx_str_t *name)
{
    ngx_http_fngate_cache_t       *cache = &ngx_http_fngate_cache;
    ngx_http_fngate_cache_node_t  *cn;

    if (cache->count == 0) {
        return;
    }

    cn = (ngx_http_fngate_cache_node_t *)
             ngx_str_rbtree_lookup(&cache->rbtree, name,
                                   ngx_crc32_short(name->data, name->len));

    if (cn) {
        ngx_http_fngate_cache_free(cn);
    }
}


static void
ngx_http_fngate_cache_free(ngx_http_fngate_cache_node_t *cn)
{
    ngx_rbtree_delete(&ngx_http_fngate_cache.rbtree, &cn->sn.node);
    ngx_queue_remove(&cn->queue);
    ngx_http_fngate_cache.count--;

    ngx_free(cn);
}


/*
 * The backend made the change the request asked for: forget in this
 * worker's cache, at once, what the action's row of fg_action.h says the
 * change made stale.  The other workers forget it when their entry
 * expires.  Called from the header filter for every response of a fngate
 * location.
 */

void
ngx_http_fngate_cache_forget(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx)
{
    ngx_int_t                rc;
    ngx_str_t                name, api, subscriber;
    ngx_http_fngate_call_t  *call;

    call = &ctx->call;

    if (r->upstream == NULL
        || r->headers_out.status < NGX_HTTP_OK
        || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE)
    {
        return;
    }

    api.data = (u_char *) call->route.api;
    api.len = ngx_strlen(call->route.api);

    switch (fg_action_info(call->route.action)->forget) {

    case FG_FORGET_FUNCTION:

        /* DeleteFunction of a version leaves the function */

        if (call->route.qualifier[0] != '\0'
            || call->function.len == 0 || call->owner.len == 0)
        {
            return;
        }

        rc = ngx_http_fngate_cache_name(r->pool, &name,
                                        NGX_HTTP_FNGATE_CACHE_FUNCTION, 2,
                                        &call->owner, &call->function);
        break;

    case FG_FORGET_ALIAS:

        if (call->function.len == 0 || call->qualifier.len == 0) {
            return;
        }

        rc = ngx_http_fngate_cache_name(r->pool, &name,
                                        NGX_HTTP_FNGATE_CACHE_ALIAS, 3,
                                        &call->owner, &call->function,
                                        &call->qualifier);
        break;

    case FG_FORGET_API:

        if (call->caller.len == 0 || api.len == 0) {
            return;
        }

        rc = ngx_http_fngate_cache_name(r->pool, &name,
                                        NGX_HTTP_FNGATE_CACHE_API, 2,
                                        &call->caller, &api);
        break;

    case FG_FORGET_SUBSCRIPTION:

        if (call->caller.len == 0 || api.len == 0) {
            return;
        }

        subscriber.data = (u_char *) call->route.subscriber;
        subscriber.len = ngx_strlen(call->route.subscriber);

        rc = ngx_http_fngate_cache_name(r->pool, &name,
                                        NGX_HTTP_FNGATE_CACHE_SUBSCRIPTION, 3,
                                        &call->caller, &api, &subscriber);
        break;

    case FG_FORGET_SUBSCRIBED:

        if (call->caller.len == 0) {
            return;
        }

        rc = ngx_http_fngate_cache_subscribed(r, ctx, &name);
        break;

    default: /* FG_FORGET_NOTHING */
        return;
    }

    if (rc != NGX_OK) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: cache forgets \"%V\"", &name);

    ngx_http_fngate_cache_delete(&name);
}


/*
 * The caller's CreateSubscription (approved at once on an open API): the
 * caller's own subscription of the API the backend names in
 * X-Fngate-Subscribed-Api ("OWNER:API"), whose refusal of a moment ago
 * may be cached.  NGX_DECLINED when the backend named none.
 */

static ngx_int_t
ngx_http_fngate_cache_subscribed(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_str_t *name)
{
    u_char                  *colon;
    ngx_str_t                owner, api, *sub;
    ngx_http_fngate_call_t  *call;

    call = &ctx->call;

    sub = &ctx->result.subscribed_api;
    colon = sub->len ? ngx_strlchr(sub->data, sub->data + sub->len, ':')
                     : NULL;

    if (colon == NULL
        || colon - sub->data != FG_ACCOUNT_LEN
        || !fg_api_name_valid((const char *) colon + 1,
                              sub->data + sub->len - colon - 1))
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: no subscribed api \"%V\" to forget", sub);
        return NGX_DECLINED;
    }

    owner.data = sub->data;
    owner.len = colon - sub->data;
    api.data = colon + 1;
    api.len = sub->data + sub->len - colon - 1;

    return ngx_http_fngate_cache_name(r->pool, name,
                                      NGX_HTTP_FNGATE_CACHE_SUBSCRIPTION, 3,
                                      &owner, &api, &call->caller);
}
