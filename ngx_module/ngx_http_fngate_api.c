
/*
 * fngate: calls of APIs made of functions, ANY /apis/OWNER/API/STAGE/...
 *
 * Two steps of the access phase.  The first gets the API's route table:
 * one HGETALL of the owner's API hash (lib/fg_keys.h), turned into the
 * table text of lib/fg_api.h and kept in the worker's cache for
 * fngate_cache_ttl (only an existing API is kept, so one created a moment
 * ago is found at once; a changed or deleted one is believed in for up to
 * the ttl).  The second decides access: the owner always, another account
 * when the API is not private and the owner approved its subscription
 * (one HGET of the owner's subscriptions, cached either way, so an
 * approval or a revocation takes effect within the ttl); only then is the
 * route matched, so a refused caller learns nothing of the routes.
 *
 * The worker that passes an owner's successful change of an API, its
 * routes or a subscription forgets what it cached of it at once
 * (ngx_http_fngate_cache_forget()).
 *
 * The call then goes on as the owner's function:qualifier of the route,
 * billed to the caller, in the VMs the API's policy names: the caller's
 * ("caller") or the owner's ("owner").
 */


#include "ngx_http_fngate_module.h"

#include "fg_api.h"


static ngx_int_t ngx_http_fngate_api_table_reply(ngx_http_request_t *r,
    redisReply *reply);
static ngx_int_t ngx_http_fngate_api_sub_reply(ngx_http_request_t *r,
    redisReply *reply);
static ngx_int_t ngx_http_fngate_api_route(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
static ngx_int_t ngx_http_fngate_api_headers(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
static ngx_int_t ngx_http_fngate_api_not_found(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
static ngx_int_t ngx_http_fngate_api_copy(ngx_http_request_t *r,
    ngx_str_t *dst, const char *src, size_t len);


/*
 * The API's route table, from the cache or from Redis.  Re-entered with
 * ctx->redis.replied set once the HGETALL answered.
 */

ngx_int_t
ngx_http_fngate_api_table(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    int                        n;
    size_t                     prefix;
    ngx_int_t                  rc;
    ngx_str_t                  path;
    fg_api_span_t              stage;
    fg_api_access_t            access;
    fg_api_policy_t            policy;
    u_char                     key[FG_KEY_MAX];
    ngx_http_fngate_lookup_t   lk;
    ngx_http_fngate_call_t    *call;

    call = &ctx->call;

    if (fg_action_info(call->route.action)->object != FG_OBJECT_ROUTE) {
        return NGX_OK;
    }

    ctx->api.name.data = (u_char *) call->route.api;
    ctx->api.name.len = ngx_strlen(call->route.api);

    if (ngx_http_fngate_cache_name(r->pool, &lk.name,
                                   NGX_HTTP_FNGATE_CACHE_API, 2,
                                   &call->owner, &ctx->api.name)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fngate_lookup_init(&lk, "HGETALL", REDIS_REPLY_ARRAY,
                                ngx_http_fngate_api_table_reply, 0);

    n = fg_key_api((char *) key, sizeof(key), call->route.account,
                   call->route.api);

    if (ngx_http_fngate_lookup_key(&lk, key, sizeof(key), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_fngate_lookup_cached(r, ctx, &lk, &ctx->api.table);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ctx->redis.found) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api \"%V\" of %V not found", &ctx->api.name,
                      &call->owner);
        return ngx_http_fngate_api_not_found(r, ctx);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: route table \"%V\": \"%V\"", &lk.name,
                   &ctx->api.table);

    if (fg_api_table_header((char *) ctx->api.table.data,
                            ctx->api.table.len, &stage, &access, &policy)
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api \"%V\" of %V has a corrupt record",
                      &ctx->api.name, &call->owner);
        return ngx_http_fngate_error(r, NGX_HTTP_BAD_GATEWAY,
                   "ServiceException",
                   "The API's record in the metadata store is corrupt.");
    }

    if (stage.len != ngx_strlen(call->route.stage)
        || ngx_strncmp(stage.data, call->route.stage, stage.len) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api \"%V\" of %V has no stage \"%s\"",
                      &ctx->api.name, &call->owner, call->route.stage);
        return ngx_http_fngate_api_not_found(r, ctx);
    }

    ctx->api.stage.data = (u_char *) call->route.stage;
    ctx->api.stage.len = stage.len;
    ctx->api.access.data = (u_char *) fg_api_access_name(access);
    ctx->api.access.len = ngx_strlen(ctx->api.access.data);
    ctx->api.policy.data = (u_char *) fg_api_policy_name(policy);
    ctx->api.policy.len = ngx_strlen(ctx->api.policy.data);

    /* the path after "/apis/OWNER/API/STAGE" */

    if (ngx_http_fngate_raw_path(r, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    prefix = sizeof(FG_API_CALL_PREFIX "//") - 1 + call->owner.len
             + ctx->api.name.len + ctx->api.stage.len;

    if (path.len < prefix) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->api.path.data = path.data + prefix;
    ctx->api.path.len = path.len - prefix;

    return NGX_OK;
}


/*
 * The HGETALL of the API hash, as the table text
 * "STAGE ACCESS POLICY\n" + "ID METHOD TEMPLATE TARGET\n" per route,
 * in the request's pool.
 */

static ngx_int_t
ngx_http_fngate_api_table_reply(ngx_http_request_t *r, redisReply *reply)
{
    u_char                 *p;
    size_t                  i, len;
    redisReply             *f, *v, *stage, *access, *policy;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    if (reply->elements % 2) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis reply to HGETALL of %uz elements, "
                      "not pairs", reply->elements);
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    if (reply->elements == 0) {
        return NGX_HTTP_FNGATE_REDIS_OK;
    }

    stage = NULL;
    access = NULL;
    policy = NULL;
    len = 0;

    for (i = 0; i < reply->elements; i += 2) {
        f = reply->element[i];
        v = reply->element[i + 1];

        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
            return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
        }

        if (f->len > 2 && f->str[0] == 'r' && f->str[1] == ':') {
            len += f->len - 2 + 1 + v->len + 1;

        } else if (f->len == 5 && ngx_strncmp(f->str, "Stage", 5) == 0) {
            stage = v;

        } else if (f->len == 6 && ngx_strncmp(f->str, "Access", 6) == 0) {
            access = v;

        } else if (f->len == 6 && ngx_strncmp(f->str, "Policy", 6) == 0) {
            policy = v;
        }
    }

    if (stage == NULL || access == NULL || policy == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api record without Stage, Access or Policy");
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    len += stage->len + access->len + policy->len + 3;

    ctx->redis.value.data = ngx_pnalloc(r->pool, len);
    if (ctx->redis.value.data == NULL) {
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    p = ngx_sprintf(ctx->redis.value.data, "%*s %*s %*s\n",
                    stage->len, stage->str, access->len, access->str,
                    policy->len, policy->str);

    for (i = 0; i < reply->elements; i += 2) {
        f = reply->element[i];
        v = reply->element[i + 1];

        if (f->len > 2 && f->str[0] == 'r' && f->str[1] == ':') {
            p = ngx_sprintf(p, "%*s %*s\n", f->len - 2, f->str + 2,
                            v->len, v->str);
        }
    }

    ctx->redis.value.len = p - ctx->redis.value.data;
    ctx->redis.found = 1;

    return NGX_HTTP_FNGATE_REDIS_OK;
}


/*
 * May the caller call the API?  The owner may; another account when the
 * API is granted or open and its subscription is approved.  Then the
 * route.
 */

ngx_int_t
ngx_http_fngate_api_access(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    int                          n;
    ngx_int_t                    rc;
    ngx_str_t                    value;
    u_char                       key[FG_KEY_MAX];
    ngx_http_fngate_lookup_t     lk;
    ngx_http_fngate_loc_conf_t  *flcf;
    ngx_http_fngate_call_t      *call;

    call = &ctx->call;

    if (fg_action_info(call->route.action)->object != FG_OBJECT_ROUTE) {
        return NGX_OK;
    }

    if (ngx_http_fngate_own_call(call)) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: api \"%V\" called by its owner",
                       &ctx->api.name);
        return ngx_http_fngate_api_route(r, ctx);
    }

    if (ctx->api.access.len == sizeof("private") - 1
        && ngx_strncmp(ctx->api.access.data, "private", 7) == 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %V may not call api \"%V\" of %V: private",
                      &call->caller, &ctx->api.name, &call->owner);
        ctx->redis.found = 0;
        goto decided;
    }

    if (ngx_http_fngate_cache_name(r->pool, &lk.name,
                                   NGX_HTTP_FNGATE_CACHE_SUBSCRIPTION, 3,
                                   &call->owner, &ctx->api.name, &call->caller)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fngate_lookup_init(&lk, "HGET", REDIS_REPLY_STRING,
                                ngx_http_fngate_api_sub_reply, 1);

    n = fg_key_api_subs((char *) key, sizeof(key), call->route.account,
                        call->route.api);

    if (ngx_http_fngate_lookup_key(&lk, key, sizeof(key), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    ngx_http_fngate_lookup_arg(&lk, (char *) call->caller.data,
                               call->caller.len);

    rc = ngx_http_fngate_lookup_cached(r, ctx, &lk, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: subscription \"%V\": %s", &lk.name,
                   ctx->redis.found ? "approved" : "not approved");

decided:

    if (!ctx->redis.found) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %V may not call api \"%V\" of %V: no "
                      "approved subscription", &call->caller, &ctx->api.name,
                      &call->owner);

        flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

        return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                   "AccessDeniedException",
                   "User: arn:aws:iam::%V:root is not authorized to "
                   "perform: lambda:InvokeApi on resource: "
                   "arn:aws:lambda:%V:%V:api:%V because it has no approved "
                   "subscription", &call->caller, &flcf->region, &call->owner,
                   &ctx->api.name);
    }

    return ngx_http_fngate_api_route(r, ctx);
}


/* The HGET of a subscription: approved or not. */

static ngx_int_t
ngx_http_fngate_api_sub_reply(ngx_http_request_t *r, redisReply *reply)
{
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    ctx->redis.found = (reply->len > sizeof("approved ") - 1
                        && ngx_strncmp(reply->str, "approved ",
                                       sizeof("approved ") - 1) == 0);

    return NGX_HTTP_FNGATE_REDIS_OK;
}


/*
 * The route of the method and path: 404 when no template matches, 405
 * when none of the method does.  The call becomes one of the owner's
 * function, billed to the caller, in the VMs of the policy.
 */

static ngx_int_t
ngx_http_fngate_api_route(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    fg_api_hit_t                 hit;
    fg_api_match_rc_t            rc;
    ngx_http_fngate_loc_conf_t  *flcf;
    ngx_http_fngate_call_t      *call;

    call = &ctx->call;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    rc = fg_api_table_match((char *) ctx->api.table.data, ctx->api.table.len,
                            (char *) r->method_name.data, r->method_name.len,
                            (char *) ctx->api.path.data, ctx->api.path.len,
                            &hit);

    switch (rc) {

    case FG_API_MATCH_OK:
        break;

    case FG_API_MATCH_BAD_METHOD:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api \"%V\" of %V has no route for method "
                      "\"%V\" on \"%V\"", &ctx->api.name, &call->owner,
                      &r->method_name, &ctx->api.path);
        return ngx_http_fngate_error(r, NGX_HTTP_NOT_ALLOWED,
                   "MethodNotAllowedException",
                   "The method %V is not allowed for the requested "
                   "resource.", &r->method_name);

    case FG_API_MATCH_NOT_FOUND:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api \"%V\" of %V has no route for \"%V\"",
                      &ctx->api.name, &call->owner, &ctx->api.path);
        return ngx_http_fngate_error(r, NGX_HTTP_NOT_FOUND,
                   "ResourceNotFoundException",
                   "No route of arn:aws:lambda:%V:%V:api:%V matches %V %V",
                   &flcf->region, &call->owner, &ctx->api.name,
                   &r->method_name,
                   ctx->api.path.len ? &ctx->api.path : &ctx->api.stage);

    default: /* FG_API_MATCH_BAD_TABLE */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: api \"%V\" of %V has a corrupt route",
                      &ctx->api.name, &call->owner);
        return ngx_http_fngate_error(r, NGX_HTTP_BAD_GATEWAY,
                   "ServiceException",
                   "The API's record in the metadata store is corrupt.");
    }

    /* the hit points into the table, in the request's pool */

    if (ngx_http_fngate_api_copy(r, &ctx->api.route, hit.id.data,
                                 hit.id.len) != NGX_OK
        || ngx_http_fngate_api_copy(r, &ctx->api.resource, hit.resource.data,
                                    hit.resource.len) != NGX_OK
        || ngx_http_fngate_api_copy(r, &call->function, hit.function.data,
                                    hit.function.len) != NGX_OK
        || ngx_http_fngate_api_copy(r, &call->qualifier, hit.qualifier.data,
                                    hit.qualifier.len) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    call->billing_account = call->caller;

    if (ctx->api.policy.len == sizeof("owner") - 1
        && ngx_strncmp(ctx->api.policy.data, "owner", 5) == 0)
    {
        call->pool_key = call->owner;

    } else {
        call->pool_key = call->caller;
    }

    if (ngx_http_fngate_api_headers(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug8(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: api \"%V\" route %V \"%V\" -> \"%V:%V\" of %V, "
                   "caller %V, pool %V", &ctx->api.name, &ctx->api.route,
                   &ctx->api.resource, &call->function, &call->qualifier,
                   &call->owner, &call->caller, &call->pool_key);

    return NGX_OK;
}


/*
 * The client's headers for the event, as a JSON object: without
 * Authorization and the X-Amz-* signing headers; a repeated name is
 * written each time (fngated keeps the last).
 */

static ngx_int_t
ngx_http_fngate_api_headers(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx)
{
    u_char           *p;
    size_t            len;
    ngx_uint_t        i, pass;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = sizeof("{}") - 1;
    p = NULL;

    for (pass = 0; pass < 2; pass++) {

        if (pass == 1) {
            ctx->api.headers.data = ngx_pnalloc(r->pool, len);
            if (ctx->api.headers.data == NULL) {
                return NGX_ERROR;
            }

            p = ctx->api.headers.data;
            *p++ = '{';
        }

        for (part = &r->headers_in.headers.part; part; part = part->next) {
            h = part->elts;

            for (i = 0; i < part->nelts; i++) {

                if ((h[i].key.len == sizeof("authorization") - 1
                     && ngx_strncasecmp(h[i].key.data,
                                        (u_char *) "authorization",
                                        h[i].key.len) == 0)
                    || (h[i].key.len >= sizeof("x-amz-") - 1
                        && ngx_strncasecmp(h[i].key.data,
                                           (u_char *) "x-amz-",
                                           sizeof("x-amz-") - 1) == 0))
                {
                    continue;
                }

                if (pass == 0) {
                    len += sizeof("\"\":\"\",") - 1
                           + h[i].key.len
                           + ngx_escape_json(NULL, h[i].key.data,
                                             h[i].key.len)
                           + h[i].value.len
                           + ngx_escape_json(NULL, h[i].value.data,
                                             h[i].value.len);
                    continue;
                }

                if (p[-1] != '{') {
                    *p++ = ',';
                }

                *p++ = '"';
                p = (u_char *) ngx_escape_json(p, h[i].key.data,
                                               h[i].key.len);
                *p++ = '"';
                *p++ = ':';
                *p++ = '"';
                p = (u_char *) ngx_escape_json(p, h[i].value.data,
                                               h[i].value.len);
                *p++ = '"';
            }
        }
    }

    *p++ = '}';

    ctx->api.headers.len = p - ctx->api.headers.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fngate_api_not_found(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx)
{
    ngx_http_fngate_loc_conf_t  *flcf;
    ngx_http_fngate_call_t      *call;

    call = &ctx->call;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    return ngx_http_fngate_error(r, NGX_HTTP_NOT_FOUND,
               "ResourceNotFoundException",
               "API not found: arn:aws:lambda:%V:%V:api:%V (stage %s)",
               &flcf->region, &call->owner, &ctx->api.name, call->route.stage);
}


static ngx_int_t
ngx_http_fngate_api_copy(ngx_http_request_t *r, ngx_str_t *dst,
    const char *src, size_t len)
{
    dst->len = len;

    if (len == 0) {
        dst->data = (u_char *) "";
        return NGX_OK;
    }

    dst->data = ngx_pnalloc(r->pool, len);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, src, len);

    return NGX_OK;
}
