
/*
 * fngate: which function a request names, whether the caller may act on
 * it, and whether it exists.  Each answer comes from the worker's cache
 * (ngx_http_fngate_cache.c) or from Redis.
 */


#include "ngx_http_fngate_module.h"


static ngx_int_t ngx_http_fngate_function_reply(ngx_http_request_t *r,
    redisReply *reply);
static ngx_int_t ngx_http_fngate_alias_reply(ngx_http_request_t *r,
    redisReply *reply);
static ngx_int_t ngx_http_fngate_grant(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, const char *owner, const char *function,
    const char *qualifier, ngx_str_t *grantee, const char *grant);
static ngx_int_t ngx_http_fngate_grant_reply(ngx_http_request_t *r,
    redisReply *reply);
static ngx_uint_t ngx_http_fngate_on_function(const fg_action_info_t *ai);
static ngx_int_t ngx_http_fngate_refuse(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, const char *action, const char *region);
static ngx_int_t ngx_http_fngate_function_arn(ngx_pool_t *pool,
    ngx_str_t *arn, ngx_str_t *region, ngx_str_t *account,
    ngx_str_t *function, ngx_str_t *qualifier);


/*
 * The answer to a route fg_route_parse() refused, but for a bad method
 * (whose texts name the method): the log line, of the path, and the
 * Lambda error.  The last row answers every other refusal.
 */

typedef struct {
    fg_route_rc_t   rc;
    ngx_uint_t      status;
    const char     *type;
    const char     *log;
    const char     *message;
} ngx_http_fngate_route_refusal_t;


static ngx_http_fngate_route_refusal_t  ngx_http_fngate_route_refusals[] = {

    { FG_ROUTE_NOT_FOUND, NGX_HTTP_NOT_FOUND, "ResourceNotFoundException",
      "fngate: no api path \"%V\"",
      "The resource you requested does not exist." },

    { FG_ROUTE_BAD_QUALIFIER, NGX_HTTP_BAD_REQUEST,
      "InvalidParameterValueException",
      "fngate: invalid qualifier in \"%V\"",
      "The qualifier is not valid, or does not match the qualifier of the "
      "function ARN." },

    { FG_ROUTE_BAD_STATEMENT_ID, NGX_HTTP_BAD_REQUEST,
      "InvalidParameterValueException",
      "fngate: invalid statement id in \"%V\"",
      "1 validation error detected: Value at 'statementId' failed to "
      "satisfy constraint: Member must satisfy regular expression pattern: "
      "([a-zA-Z0-9-_]+)" },

    { FG_ROUTE_BAD_PATH, NGX_HTTP_BAD_REQUEST,
      "InvalidParameterValueException",
      "fngate: api call path \"%V\" refused: empty, dot or undecodable "
      "segment",
      "The path of the API call is not valid: it has an empty, \".\" or "
      "\"..\" segment, or a bad escape." },

    { FG_ROUTE_BAD_API, NGX_HTTP_BAD_REQUEST,
      "InvalidParameterValueException",
      "fngate: invalid api name, route id or account in \"%V\"",
      "The API name, route id or account of the path is not valid." },

    /* FG_ROUTE_BAD_NAME, FG_ROUTE_TOO_LONG */

    { FG_ROUTE_BAD_NAME, NGX_HTTP_BAD_REQUEST,
      "InvalidParameterValueException",
      "fngate: invalid function name in \"%V\"",
      "1 validation error detected: Value at 'functionName' failed to "
      "satisfy constraint: Member must satisfy regular expression pattern: "
      "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
      "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
      "(:(\\$LATEST|[a-zA-Z0-9-_]+))?" }
};


/*
 * A lookup through the worker's cache, the one way the steps ask Redis.
 * When the cache knows the answer it is returned at once.  Otherwise the
 * command of lk is sent and NGX_AGAIN returned: the access phase stops
 * until the reply (or a timeout) resumes it, and the step that called is
 * entered again, calls this again with the same lk, and then gets the
 * answer.  That re-entry is told by ctx->redis.replied, which is checked
 * first and cleared, so the next lookup of the same step asks afresh.  The
 * reply handler has copied what it found (ctx->redis.found and .value,
 * "1" when a lookup asks only yes or no and the handler set none) into the
 * request's pool before hiredis freed the reply; if the request went away
 * meanwhile, its pool cleanup detached the command and the late reply was
 * dropped.  A found answer is cached, and "not found" (as "")
 * only when lk->negative, so that a thing created a moment ago is found at
 * once.
 *
 * Returns NGX_OK with ctx->redis.found and, when found, *value in the
 * request's pool; NGX_AGAIN while Redis is asked; NGX_DONE once the client
 * has been answered because Redis failed.
 */

ngx_int_t
ngx_http_fngate_lookup_cached(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_http_fngate_lookup_t *lk,
    ngx_str_t *value)
{
    ngx_str_t  none;

    if (ctx->redis.replied) {
        ctx->redis.replied = 0;

        if (ctx->redis.rc != NGX_HTTP_FNGATE_REDIS_OK) {
            return ngx_http_fngate_redis_failed(r, ctx);
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: lookup \"%V\": %s (redis)", &lk->name,
                       ctx->redis.found ? "found" : "not found");

        if (ctx->redis.found) {
            if (ctx->redis.value.len == 0) {
                ngx_str_set(&ctx->redis.value, "1");
            }

            *value = ctx->redis.value;

            if (!ctx->redis.uncacheable) {
                ngx_http_fngate_cache_put(&lk->name, value,
                                          r->connection->log);
            }

            ctx->redis.uncacheable = 0;

        } else if (lk->negative) {
            ngx_str_set(&none, "");
            ngx_http_fngate_cache_put(&lk->name, &none, r->connection->log);
        }

        return NGX_OK;
    }

    if (ngx_http_fngate_cache_get(&lk->name, value, r->pool) == NGX_OK) {
        ctx->redis.found = (value->len != 0);

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: lookup \"%V\": %s (cache)", &lk->name,
                       ctx->redis.found ? "found" : "not found");
        return NGX_OK;
    }

    ctx->redis.found = 0;
    ngx_str_null(&ctx->redis.value);

    return ngx_http_fngate_store_command(r, ctx, lk);
}


/* Starts the Redis command of a lookup (command is a literal), whose reply
 * of the given type the handler reads into ctx->redis.found and .value;
 * negative: a "not found" is cached too. */

void
ngx_http_fngate_lookup_init(ngx_http_fngate_lookup_t *lk, const char *command,
    int type, ngx_http_fngate_redis_handler_pt handler, ngx_uint_t negative)
{
    lk->handler = handler;
    lk->type = type;
    lk->negative = negative;
    lk->argc = 0;

    ngx_http_fngate_lookup_arg(lk, command, ngx_strlen(command));
}


/* Appends an argument to the command of a lookup: arg must live until
 * ngx_http_fngate_lookup_cached() has sent the command. */

void
ngx_http_fngate_lookup_arg(ngx_http_fngate_lookup_t *lk, const char *arg,
    size_t len)
{
    lk->argv[lk->argc] = arg;
    lk->argvlen[lk->argc] = len;
    lk->argc++;
}


/* Appends a key that fg_key_*() wrote into key, a buffer of size bytes,
 * returning n: NGX_ERROR when it failed or did not fit. */

ngx_int_t
ngx_http_fngate_lookup_key(ngx_http_fngate_lookup_t *lk, u_char *key,
    size_t size, int n)
{
    if (n < 0 || (size_t) n >= size) {
        return NGX_ERROR;
    }

    ngx_http_fngate_lookup_arg(lk, (char *) key, n);

    return NGX_OK;
}


/*
 * The route was parsed before authentication; its errors are reported
 * only now, to an authenticated caller.  Then the names of the call.
 */

ngx_int_t
ngx_http_fngate_lookup_route(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    ngx_str_t                         path;
    fg_route_t                       *rt;
    ngx_http_fngate_loc_conf_t       *flcf;
    ngx_http_fngate_call_t           *call;
    ngx_http_fngate_route_refusal_t  *rf;

    call = &ctx->call;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    rt = &call->route;

    if (ngx_http_fngate_raw_path(r, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (call->route_rc == FG_ROUTE_BAD_METHOD) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: method \"%V\" not allowed on \"%V\"",
                      &r->method_name, &path);
        return ngx_http_fngate_error(r, NGX_HTTP_NOT_ALLOWED,
                   "MethodNotAllowedException",
                   "The method %V is not allowed for the requested "
                   "resource.", &r->method_name);
    }

    if (call->route_rc != FG_ROUTE_OK) {
        for (rf = ngx_http_fngate_route_refusals;
             rf->rc != call->route_rc && rf->rc != FG_ROUTE_BAD_NAME;
             rf++)
        {
            /* void */
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, rf->log, &path);

        return ngx_http_fngate_error(r, rf->status, rf->type, "%s",
                                     rf->message);
    }

    call->function.data = (u_char *) rt->function;
    call->function.len = ngx_strlen(rt->function);
    call->qualifier.data = (u_char *) rt->qualifier;
    call->qualifier.len = ngx_strlen(rt->qualifier);

    if (rt->account[0]) {
        call->owner.data = (u_char *) rt->account;
        call->owner.len = ngx_strlen(rt->account);

    } else {
        call->owner = call->caller;
    }

    /* the caller pays for what it calls; grants may change that later */

    call->billing_account = call->caller;

    ngx_log_debug5(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: %V function \"%V\" qualifier \"%V\" owner %V "
                   "caller %V", &call->action, &call->function,
                   &call->qualifier, &call->owner, &call->caller);

    if (rt->region[0]
        && (ngx_strlen(rt->region) != flcf->region.len
            || ngx_strncmp(rt->region, flcf->region.data, flcf->region.len)
               != 0))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: function arn of region \"%s\", not \"%V\"",
                      rt->region, &flcf->region);
        return ngx_http_fngate_refuse(r, ctx, NULL, rt->region);
    }

    return NGX_OK;
}


/*
 * An Invoke of one of the caller's own aliases may be an Invoke of its
 * cross-account alias: an alias record whose FunctionVersion is the ARN of
 * another account's version or alias.  One HGET of the record (cached as
 * the file's comment says) tells; for a cross-account alias the call goes
 * on as a call of the target by its ARN, so the permission step checks the
 * target owner's grant for the caller at every call (within the ttl), and
 * the caller is billed and served by its own VMs.  $fngate_alias keeps the
 * caller's alias ARN for the billing line and for errors.
 */

ngx_int_t
ngx_http_fngate_lookup_alias(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx)
{
    int                          n;
    u_char                      *p;
    ngx_int_t                    rc;
    ngx_str_t                    value;
    fg_route_t                  *t;
    u_char                       key[FG_KEY_MAX];
    ngx_http_fngate_lookup_t     lk;
    ngx_http_fngate_loc_conf_t  *flcf;
    ngx_http_fngate_call_t      *call;

    call = &ctx->call;

    /* the caller's own alias, or another account's named by full ARN */

    if (call->route.action != FG_ACTION_INVOKE
        || (!ngx_http_fngate_own_call(call) && call->route.region[0] == '\0')
        || !fg_alias_name_valid(call->route.qualifier,
                                ngx_strlen(call->route.qualifier)))
    {
        return NGX_OK;
    }

    /* the owner the call names, before it becomes the target's */

    if (ngx_http_fngate_cache_name(r->pool, &lk.name,
                                   NGX_HTTP_FNGATE_CACHE_ALIAS, 3,
                                   &call->owner, &call->function,
                                   &call->qualifier)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fngate_lookup_init(&lk, "HGET", REDIS_REPLY_STRING,
                                ngx_http_fngate_alias_reply, 0);

    n = fg_key_alias((char *) key, sizeof(key), call->route.account[0]
                                                ? call->route.account
                                                : (char *) call->caller.data,
                     call->route.function, call->route.qualifier);

    if (ngx_http_fngate_lookup_key(&lk, key, sizeof(key), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fngate_lookup_arg(&lk, "FunctionVersion",
                               sizeof("FunctionVersion") - 1);

    rc = ngx_http_fngate_lookup_cached(r, ctx, &lk, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ctx->redis.found) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: no alias \"%V\"", &lk.name);
        return NGX_OK;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: alias \"%V\" -> \"%V\"", &lk.name, &value);

    if (!fg_is_arn((char *) value.data, value.len)) {
        return NGX_OK;
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    /* the alias's names and ARN, before the names become the target's */

    if (call->owner.len != FG_ACCOUNT_LEN) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem(call->via_account, call->owner.data, FG_ACCOUNT_LEN) = '\0';
    ngx_cpystrn(call->via_function, (u_char *) call->route.function,
                sizeof(call->via_function));
    ngx_cpystrn(call->via_qualifier, (u_char *) call->route.qualifier,
                sizeof(call->via_qualifier));
    call->alias_owner.data = call->via_account;
    call->alias_owner.len = FG_ACCOUNT_LEN;
    call->via_pending = (ngx_strncmp(call->via_account, call->caller.data,
                                     FG_ACCOUNT_LEN) != 0);

    if (ngx_http_fngate_function_arn(r->pool, &call->alias, &flcf->region,
                                     &call->alias_owner, &call->function,
                                     &call->qualifier)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    t = &call->route;

    p = ngx_pnalloc(r->pool, value.len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(p, value.data, value.len);
    p[value.len] = '\0';

    if (fg_alias_target_parse((char *) p, value.len, t) != FG_TARGET_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: alias \"%V\" has an invalid target \"%V\"",
                      &call->alias, &value);
        return ngx_http_fngate_error(r, NGX_HTTP_NOT_FOUND,
                   "ResourceNotFoundException",
                   "Function not found: %V", &call->alias);
    }

    t->action = FG_ACTION_INVOKE;

    call->owner.data = (u_char *) t->account;
    call->owner.len = ngx_strlen(t->account);
    call->function.data = (u_char *) t->function;
    call->function.len = ngx_strlen(t->function);
    call->qualifier.data = (u_char *) t->qualifier;
    call->qualifier.len = ngx_strlen(t->qualifier);
    call->xalias = 1;

    ngx_log_debug5(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: cross-account alias \"%V\" of %V -> \"%V:%V\" "
                   "of %V", &call->alias, &call->alias_owner, &call->function,
                   &call->qualifier, &call->owner);

    return NGX_OK;
}


/* The HGET of an alias's FunctionVersion: a cross-account alias's target
 * ARN, copied into the request's pool, or "-". */

static ngx_int_t
ngx_http_fngate_alias_reply(ngx_http_request_t *r, redisReply *reply)
{
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    if (reply->len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: empty redis reply to HGET");
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    ctx->redis.found = 1;

    /* an ordinary alias is fngated's to resolve: only "-" is kept */

    if (!fg_is_arn(reply->str, reply->len)) {
        ngx_str_set(&ctx->redis.value, "-");
        return NGX_HTTP_FNGATE_REDIS_OK;
    }

    ctx->redis.value.data = ngx_pnalloc(r->pool, reply->len);
    if (ctx->redis.value.data == NULL) {
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    ngx_memcpy(ctx->redis.value.data, reply->str, reply->len);
    ctx->redis.value.len = reply->len;

    return NGX_HTTP_FNGATE_REDIS_OK;
}


/*
 * May the caller do this to the function?  Calls on the caller's own
 * functions are always allowed.  Another account's function (named by its
 * full ARN) needs a grant in its resource policy, and only Invoke
 * (lambda:InvokeFunction) and GetFunction / GetFunctionConfiguration
 * (lambda:GetFunction) can be granted.  A grant on the function covers
 * every qualifier; one on a qualifier only that qualifier.  The answer is
 * one HMGET of the owner's grant index, asked from here and re-entered when
 * Redis replied; it is cached either way for fngate_cache_ttl.  A refusal
 * says nothing about whether the function exists.
 */

ngx_int_t
ngx_http_fngate_lookup_permission(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx)
{
    ngx_int_t                rc;
    const char              *action, *grant;
    const fg_action_info_t  *ai;
    ngx_http_fngate_call_t  *call;

    call = &ctx->call;

    ai = fg_action_info(call->route.action);

    if (!ngx_http_fngate_on_function(ai)) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: %V acts on the caller's own account",
                       &call->action);
        return NGX_OK;
    }

    if (ngx_http_fngate_own_call(call)) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: %V on own function \"%V\" allowed",
                       &call->action, &call->function);
        return NGX_OK;
    }

    action = ai->iam;
    grant = ai->grant;

    /* only a full ARN names another account's function */

    if (call->route.region[0] == '\0') {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %V may not %s \"%V\" of %V: another "
                      "account's function is named by its full arn",
                      &call->caller, action, &call->function, &call->owner);
        return ngx_http_fngate_refuse(r, ctx, action, NULL);
    }

    if (grant == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %V may not %s \"%V\" of %V: not grantable",
                      &call->caller, action, &call->function, &call->owner);
        return ngx_http_fngate_refuse(r, ctx, action, NULL);
    }

    /* another account's cross-account alias: its owner's grant first */

    if (call->via_pending) {
        rc = ngx_http_fngate_grant(r, ctx, (char *) call->via_account,
                                   (char *) call->via_function,
                                   (char *) call->via_qualifier,
                                   &call->caller, grant);
        if (rc != NGX_OK) {
            return rc;
        }

        if (!ctx->redis.found) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "fngate: %V may not %s alias \"%V\": no "
                          "statement of %V grants %s", &call->caller, action,
                          &call->alias, &call->alias_owner, grant);
            return ngx_http_fngate_refuse(r, ctx, action, NULL);
        }

        call->via_pending = 0;
    }

    /* the target's owner grants the alias's owner (or the caller) */

    rc = ngx_http_fngate_grant(r, ctx, call->route.account,
                               call->route.function, call->route.qualifier,
                               call->xalias ? &call->alias_owner
                                            : &call->caller, grant);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ctx->redis.found && call->xalias) {

        /*
         * A deleted function takes its grants with it: whether the alias
         * dangles (404 naming the alias) or was revoked (403) is told by
         * the function step.
         */

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: alias \"%V\" not granted by %V, unless its "
                       "target is gone", &call->alias, &call->owner);
        call->xdenied = 1;
        return NGX_OK;
    }

    if (!ctx->redis.found) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %V may not %s \"%V\" of %V: no statement "
                      "grants %s", &call->caller, action, &call->function,
                      &call->owner, grant);
        return ngx_http_fngate_refuse(r, ctx, action, NULL);
    }

    /*
     * A grantee's call of the function runs in its own VMs and is billed
     * to it; a call through a cross-account alias is the alias owner's.
     */

    call->billing_account = call->xalias ? call->alias_owner : call->caller;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: %V granted \"%V\" of %V, billed to %V",
                   &call->caller, &call->function, &call->owner,
                   &call->billing_account);

    return NGX_OK;
}


/*
 * Whether OWNER's policy of FUNCTION grants GRANTEE the action, on the
 * function or on QUALIFIER: NGX_OK with ctx->redis.found from the cache or
 * from Redis (then cached, yes or no); else what the Redis request returned
 * (the step is entered again when it replied).
 */

static ngx_int_t
ngx_http_fngate_grant(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx,
    const char *owner, const char *function, const char *qualifier,
    ngx_str_t *grantee, const char *grant)
{
    int                        n;
    ngx_int_t                  rc;
    ngx_str_t                  value, o, f, q, g;
    u_char                     key[FG_KEY_MAX], f1[FG_KEY_MAX];
    u_char                     f2[FG_KEY_MAX], who[FG_ACCOUNT_LEN + 1];
    ngx_http_fngate_lookup_t   lk;

    o.data = (u_char *) owner;
    o.len = ngx_strlen(owner);
    f.data = (u_char *) function;
    f.len = ngx_strlen(function);
    q.data = (u_char *) qualifier;
    q.len = ngx_strlen(qualifier);
    g.data = (u_char *) grant;
    g.len = ngx_strlen(grant);

    if (ngx_http_fngate_cache_name(r->pool, &lk.name,
                                   NGX_HTTP_FNGATE_CACHE_GRANT, 5,
                                   &o, &f, &q, &g, grantee)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (grantee->len != FG_ACCOUNT_LEN) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem(who, grantee->data, FG_ACCOUNT_LEN) = '\0';

    ngx_http_fngate_lookup_init(&lk, "HMGET", REDIS_REPLY_ARRAY,
                                ngx_http_fngate_grant_reply, 1);

    /* the index, the grant on the function, and on the qualifier */

    n = fg_key_grants((char *) key, sizeof(key), owner, function);

    if (ngx_http_fngate_lookup_key(&lk, key, sizeof(key), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = fg_key_grant_field((char *) f1, sizeof(f1), "", grant, (char *) who);

    if (ngx_http_fngate_lookup_key(&lk, f1, sizeof(f1), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (qualifier[0]) {
        n = fg_key_grant_field((char *) f2, sizeof(f2), qualifier, grant,
                               (char *) who);

        if (ngx_http_fngate_lookup_key(&lk, f2, sizeof(f2), n) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    rc = ngx_http_fngate_lookup_cached(r, ctx, &lk, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: %V %s %s \"%s\"", grantee,
                   ctx->redis.found ? "granted" : "not granted", grant,
                   function);

    return NGX_OK;
}


/* Any non-nil field of the HMGET: some statement grants it. */

static ngx_int_t
ngx_http_fngate_grant_reply(ngx_http_request_t *r, redisReply *reply)
{
    size_t                  i;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    for (i = 0; i < reply->elements; i++) {
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            ctx->redis.found = 1;
        }
    }

    return NGX_HTTP_FNGATE_REDIS_OK;
}


/*
 * Every call on one function needs the function to exist.  Which version
 * a qualifier names is fngated's to resolve for now.  A name may also be
 * only the caller's cross-account aliases' (they need no function of the
 * caller): the alias calls, and the policy calls on a qualifier (an alias's
 * policy), need the function or aliases of that name; CreateAlias, which
 * may start such a name, is left to fngated.
 */

ngx_int_t
ngx_http_fngate_lookup_function(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx)
{
    int                        n;
    ngx_int_t                  rc;
    ngx_str_t                  value;
    ngx_uint_t                 aliases;
    u_char                     key[FG_KEY_MAX], key2[FG_KEY_MAX];
    const char                *account;
    const fg_action_info_t    *ai;
    ngx_http_fngate_lookup_t   lk;
    ngx_http_fngate_call_t    *call;

    call = &ctx->call;

    ai = fg_action_info(call->route.action);

    if (!ngx_http_fngate_on_function(ai)) {
        return NGX_OK;
    }

    if (ai->object == FG_OBJECT_FUNCTION_NAME) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: %V on \"%V\": fngated checks the function",
                       &call->action, &call->function);
        return NGX_OK;
    }

    aliases = (ai->object == FG_OBJECT_ALIASES
               || (ai->object == FG_OBJECT_POLICY
                   && call->route.qualifier[0] != '\0'));

    /* the function exists, or with aliases: the function or aliases */

    if (ngx_http_fngate_cache_name(r->pool, &lk.name,
                                   aliases ? NGX_HTTP_FNGATE_CACHE_ALIASES
                                           : NGX_HTTP_FNGATE_CACHE_FUNCTION,
                                   2, &call->owner, &call->function)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    account = call->route.account[0] ? call->route.account
                                     : (char *) call->caller.data;

    ngx_http_fngate_lookup_init(&lk, "EXISTS", REDIS_REPLY_INTEGER,
                                ngx_http_fngate_function_reply, 0);

    n = fg_key_function((char *) key, sizeof(key), account,
                        call->route.function);

    if (ngx_http_fngate_lookup_key(&lk, key, sizeof(key), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (aliases) {
        n = fg_key_aliases((char *) key2, sizeof(key2), account,
                           call->route.function);

        if (ngx_http_fngate_lookup_key(&lk, key2, sizeof(key2), n) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    rc = ngx_http_fngate_lookup_cached(r, ctx, &lk, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ctx->redis.found) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: function \"%V\" of %V not found",
                      &call->function, &call->owner);
        return ngx_http_fngate_refuse(r, ctx, NULL, NULL);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: function \"%V\" of %V exists",
                   &call->function, &call->owner);

    if (call->xdenied) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %V may not lambda:InvokeFunction \"%V\" of "
                      "%V: no statement grants lambda:InvokeFunction",
                      &call->alias_owner, &call->function, &call->owner);
        return ngx_http_fngate_refuse(r, ctx, "lambda:InvokeFunction", NULL);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_fngate_function_reply(ngx_http_request_t *r, redisReply *reply)
{
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    ctx->redis.found = (reply->integer > 0);

    return NGX_HTTP_FNGATE_REDIS_OK;
}


/*
 * Refuses a call on a function: 403 when action is given (no statement
 * grants it), else 404 (no such function, in region: the location's when
 * NULL).  Either names the resource the call asked for: through a
 * cross-account alias the alias, so that a third account learns nothing
 * of its target; else the function's ARN.
 */

static ngx_int_t
ngx_http_fngate_refuse(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx,
    const char *action, const char *region)
{
    ngx_str_t                    arn, in, none;
    ngx_http_fngate_loc_conf_t  *flcf;
    ngx_http_fngate_call_t      *call;

    call = &ctx->call;

    if (call->xalias) {
        arn = call->alias;

    } else {
        if (region) {
            in.data = (u_char *) region;
            in.len = ngx_strlen(region);

        } else {
            flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);
            in = flcf->region;
        }

        ngx_str_null(&none);

        if (ngx_http_fngate_function_arn(r->pool, &arn, &in, &call->owner,
                                         &call->function, &none)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (action) {
        return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                   "AccessDeniedException",
                   "User: arn:aws:iam::%V:root is not authorized to perform: "
                   "%s on resource: %V because no resource-based policy "
                   "allows the %s action", &call->caller, action, &arn,
                   action);
    }

    return ngx_http_fngate_error(r, NGX_HTTP_NOT_FOUND,
               "ResourceNotFoundException", "Function not found: %V", &arn);
}


/* "arn:aws:lambda:REGION:ACCOUNT:function:NAME", and ":QUALIFIER" when
 * there is one, in the pool. */

static ngx_int_t
ngx_http_fngate_function_arn(ngx_pool_t *pool, ngx_str_t *arn,
    ngx_str_t *region, ngx_str_t *account, ngx_str_t *function,
    ngx_str_t *qualifier)
{
    u_char  *p;

    p = ngx_pnalloc(pool, sizeof("arn:aws:lambda:::function::") - 1
                          + region->len + account->len + function->len
                          + qualifier->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    arn->data = p;

    p = ngx_sprintf(p, "arn:aws:lambda:%V:%V:function:%V", region, account,
                    function);

    if (qualifier->len) {
        p = ngx_sprintf(p, ":%V", qualifier);
    }

    arn->len = p - arn->data;

    return NGX_OK;
}


/* Whether the call is on the caller's own account. */

ngx_uint_t
ngx_http_fngate_own_call(ngx_http_fngate_call_t *call)
{
    return call->owner.len == call->caller.len
           && ngx_strncmp(call->owner.data, call->caller.data,
                          call->caller.len)
              == 0;
}


/*
 * A call on one function (fg_action.h's objects but the account and an
 * API's route): it names the function, which must exist, and another
 * account's function needs a grant.
 */

static ngx_uint_t
ngx_http_fngate_on_function(const fg_action_info_t *ai)
{
    return ai->object != FG_OBJECT_ACCOUNT && ai->object != FG_OBJECT_ROUTE;
}
