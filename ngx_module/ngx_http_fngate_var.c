
/*
 * fngate: the $fngate_* variables.
 *
 * The names of the call, and of an API call's route, are known after the
 * access phase; the counters come from the backend's headers, in the
 * header filter.  None is cacheable: each is read from the request's
 * context when it is used.  One table, registered in preconfiguration.
 */


#include "ngx_http_fngate_module.h"

#include <openssl/rand.h>


static ngx_int_t ngx_http_fngate_variable_str(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_counter(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_pool_key(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_region(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_depth(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_root_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_deadline(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fngate_variable_field(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data, ngx_uint_t empty_found);
static ngx_int_t ngx_http_fngate_variable_either(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t first, uintptr_t second);


#define ngx_http_fngate_field(name)  offsetof(ngx_http_fngate_ctx_t, name)


/*
 * Every variable is read from the request's context when it is used (so
 * none is cacheable) and none can be set.  A names variable and a counter
 * are the ngx_str_t at a field of the context.
 */

#define ngx_http_fngate_var(name, get, data)                                  \
    { ngx_string(name), NULL, get, data, NGX_HTTP_VAR_NOCACHEABLE, 0 }

#define ngx_http_fngate_name_var(name, field)                                 \
    ngx_http_fngate_var(name, ngx_http_fngate_variable_str,                   \
                        ngx_http_fngate_field(field))

#define ngx_http_fngate_counter_var(name, field)                              \
    ngx_http_fngate_var(name, ngx_http_fngate_variable_counter,               \
                        ngx_http_fngate_field(field))


static ngx_http_variable_t  ngx_http_fngate_vars[] = {
    ngx_http_fngate_name_var("fngate_request_id", request_id),
    ngx_http_fngate_name_var("fngate_action", call.action),
    ngx_http_fngate_name_var("fngate_caller", call.caller),
    ngx_http_fngate_name_var("fngate_owner", call.owner),
    ngx_http_fngate_name_var("fngate_function", call.function),
    ngx_http_fngate_name_var("fngate_qualifier", call.qualifier),

    /* the caller's cross-account alias the call came by, or "" */
    ngx_http_fngate_name_var("fngate_alias", call.alias),
    ngx_http_fngate_name_var("fngate_billing_account", call.billing_account),

    /* the VM dedication key: the billed account, or what an API's
     * policy chose */
    ngx_http_fngate_var("fngate_pool_key",
                        ngx_http_fngate_variable_pool_key, 0),
    ngx_http_fngate_var("fngate_region", ngx_http_fngate_variable_region, 0),

    /* the chain of calls: the role of the call's credentials ("" for a
     * permanent key), the call's depth (1 for a client's) and the
     * request id of the chain's first call (its own at depth 1) */
    ngx_http_fngate_name_var("fngate_role", call.role),
    ngx_http_fngate_var("fngate_chain_depth",
                        ngx_http_fngate_variable_depth, 0),
    ngx_http_fngate_var("fngate_root_request_id",
                        ngx_http_fngate_variable_root_id, 0),
    /* the access key id of the call's credentials when they are a call's
     * (the call waiting on this one: docs/suspend.md), or "" */
    ngx_http_fngate_name_var("fngate_session", call.session_key),

    /* the call's deadline, Unix ms, or "" (ngx_http_fngate_deadline) */
    ngx_http_fngate_var("fngate_deadline",
                        ngx_http_fngate_variable_deadline, 0),

    ngx_http_fngate_counter_var("fngate_version", result.version),
    ngx_http_fngate_counter_var("fngate_function_error", result.function_error),
    ngx_http_fngate_counter_var("fngate_error_type", result.error_type),
    ngx_http_fngate_counter_var("fngate_duration_ms", result.duration_ms),
    ngx_http_fngate_counter_var("fngate_billed_ms", result.billed_ms),
    ngx_http_fngate_counter_var("fngate_memory_mb", result.memory_mb),
    ngx_http_fngate_counter_var("fngate_max_memory_mb", result.max_memory_mb),
    ngx_http_fngate_counter_var("fngate_init_ms", result.init_ms),
    ngx_http_fngate_counter_var("fngate_queue_ms", result.queue_ms),
    ngx_http_fngate_counter_var("fngate_suspended_ms", result.suspended_ms),
    ngx_http_fngate_counter_var("fngate_cold_start", result.cold_start),
    ngx_http_fngate_counter_var("fngate_start_kind", result.start_kind),
    ngx_http_fngate_counter_var("fngate_vm", result.vm),

    /* an Invoke that ran: RequestResponse, or Event for an attempt of
     * an asynchronous event, with its number, the event's age and the
     * request id of the Invoke that sent it */
    ngx_http_fngate_counter_var("fngate_invocation_type",
                                result.invocation_type),
    ngx_http_fngate_counter_var("fngate_attempt", result.attempt),
    ngx_http_fngate_counter_var("fngate_event_age_ms", result.event_age_ms),
    ngx_http_fngate_counter_var("fngate_event_id", result.event_id),

    /* a call of an idempotent function: hit (a stored result, nothing
     * ran), stored, or miss (docs/idempotency.md); "" otherwise */
    ngx_http_fngate_counter_var("fngate_idempotent", result.idempotent),

    /* an Invoke that ran: true in a sandbox kept by provisioned
     * concurrency, else false (docs/billing.md) */
    ngx_http_fngate_counter_var("fngate_provisioned", result.provisioned),

    /* a call of an API made of functions (InvokeApi); "" otherwise */
    ngx_http_fngate_name_var("fngate_api", api.name),
    ngx_http_fngate_name_var("fngate_api_stage", api.stage),
    ngx_http_fngate_name_var("fngate_api_path", api.path),
    ngx_http_fngate_name_var("fngate_route", api.route),
    ngx_http_fngate_name_var("fngate_resource", api.resource),
    ngx_http_fngate_name_var("fngate_policy", api.policy),
    ngx_http_fngate_name_var("fngate_api_headers", api.headers),

    ngx_http_null_variable
};


ngx_int_t
ngx_http_fngate_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_fngate_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * A names variable: empty but found in a fngate location before the
 * access phase has set it, not found elsewhere.
 */

static ngx_int_t
ngx_http_fngate_variable_str(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_fngate_variable_field(r, v, data, 1);
}


/* A counter variable: not found ("-" in a log) until the backend sets it. */

static ngx_int_t
ngx_http_fngate_variable_counter(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_fngate_variable_field(r, v, data, 0);
}


/*
 * The ngx_str_t at offset data of the request's context; an empty one is
 * found only when empty_found is set.
 */

static ngx_int_t
ngx_http_fngate_variable_field(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data, ngx_uint_t empty_found)
{
    ngx_str_t              *s;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_fngate_find_ctx(r->main);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (ngx_str_t *) ((u_char *) ctx + data);

    if (s->len == 0 && !empty_found) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = s->data;

    return NGX_OK;
}


/*
 * The field at offset first of the request's context, or when it is
 * empty (or there is no context) the one at offset second.
 */

static ngx_int_t
ngx_http_fngate_variable_either(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t first, uintptr_t second)
{
    ngx_str_t              *s;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_fngate_find_ctx(r->main);

    s = ctx ? (ngx_str_t *) ((u_char *) ctx + first) : NULL;

    return ngx_http_fngate_variable_field(r, v,
                                          s && s->len ? first : second, 1);
}


static ngx_int_t
ngx_http_fngate_variable_pool_key(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_fngate_variable_either(r, v,
               ngx_http_fngate_field(call.pool_key),
               ngx_http_fngate_field(call.billing_account));
}


static ngx_int_t
ngx_http_fngate_variable_depth(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                 *p;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_fngate_find_ctx(r->main);

    if (ctx == NULL || ctx->call.depth == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%ui", ctx->call.depth) - p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fngate_variable_root_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_http_fngate_variable_either(r, v,
               ngx_http_fngate_field(call.root_id),
               ngx_http_fngate_field(request_id));
}


static ngx_int_t
ngx_http_fngate_variable_region(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_fngate_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    v->len = flcf->region.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = flcf->region.data;

    return NGX_OK;
}


/*
 * The call's deadline, a Unix time in milliseconds as text, or "" for
 * none: the one place the module decides it.  The client's
 * X-Fngate-Deadline as sent (fngated checks the value and answers a bad
 * one); a call made with a running function's credentials must also end
 * by the latest end of the call that made it (its parent's deadline, or
 * its timeout), the earlier of the two.
 */

ngx_int_t
ngx_http_fngate_deadline(ngx_http_request_t *r, ngx_str_t *deadline)
{
    off_t                    mine, parent;
    ngx_table_elt_t         *h;
    ngx_http_fngate_ctx_t   *ctx;

    h = ngx_http_fngate_header(r->main, "x-fngate-deadline",
                               sizeof("x-fngate-deadline") - 1);

    ctx = ngx_http_fngate_find_ctx(r->main);

    if (ctx == NULL || ctx->call.chain_deadline.len == 0) {
        if (h == NULL) {
            ngx_str_null(deadline);
            return NGX_OK;
        }

        *deadline = h->value;

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: deadline \"%V\" from the client", deadline);
        return NGX_OK;
    }

    parent = ngx_atoof(ctx->call.chain_deadline.data,
                       ctx->call.chain_deadline.len);
    mine = h ? ngx_atoof(h->value.data, h->value.len) : NGX_ERROR;

    /* a header that is no number is fngated's to refuse */

    if (h != NULL && (mine == NGX_ERROR || parent == NGX_ERROR
                      || mine <= parent))
    {
        *deadline = h->value;

    } else {
        *deadline = ctx->call.chain_deadline;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: deadline \"%V\" (the calling call's \"%V\")",
                   deadline, &ctx->call.chain_deadline);

    return NGX_OK;
}


static ngx_int_t
ngx_http_fngate_variable_deadline(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  deadline;

    if (ngx_http_fngate_deadline(r, &deadline) != NGX_OK) {
        return NGX_ERROR;
    }

    v->len = deadline.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = deadline.data;

    return NGX_OK;
}


/*
 * A version 4 UUID from OpenSSL's generator, which never blocks once the
 * process is seeded.  Should it fail, the pid, the time and a counter make
 * an id that is still unique.
 */

ngx_int_t
ngx_http_fngate_request_id(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    u_char             *id;
    uint32_t            n;
    u_char              b[16];

    static ngx_uint_t   counter;

    id = ngx_pnalloc(r->pool, NGX_HTTP_FNGATE_REQUEST_ID_LEN);
    if (id == NULL) {
        return NGX_ERROR;
    }

    if (RAND_bytes(b, sizeof(b)) != 1) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "fngate: RAND_bytes() failed, request id from pid "
                      "and time");

        n = (uint32_t) ngx_pid;
        ngx_memcpy(b, &n, 4);
        n = (uint32_t) ngx_time();
        ngx_memcpy(b + 4, &n, 4);
        n = (uint32_t) ngx_current_msec;
        ngx_memcpy(b + 8, &n, 4);
        n = (uint32_t) counter++;
        ngx_memcpy(b + 12, &n, 4);
    }

    b[6] = (b[6] & 0x0f) | 0x40;    /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80;    /* RFC 4122 variant */

    ngx_hex_dump(id, b, 4);
    id[8] = '-';
    ngx_hex_dump(id + 9, b + 4, 2);
    id[13] = '-';
    ngx_hex_dump(id + 14, b + 6, 2);
    id[18] = '-';
    ngx_hex_dump(id + 19, b + 8, 2);
    id[23] = '-';
    ngx_hex_dump(id + 24, b + 10, 6);

    ctx->request_id.data = id;
    ctx->request_id.len = NGX_HTTP_FNGATE_REQUEST_ID_LEN;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: request id %V", &ctx->request_id);

    return NGX_OK;
}
