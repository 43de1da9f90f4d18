
/*
 * fngate: the filters.
 *
 * The header filter, in fngate locations, turns the backend's internal
 * X-Fngate-* headers into variables for the access log and removes them
 * from the response, notes the Lambda headers the log also wants, and adds
 * x-amzn-RequestId to every response, the module's own errors included.
 *
 * The request body filter hashes the body for the signature as nginx
 * reads it (see ngx_http_fngate_auth_body()).
 */


#include "ngx_http_fngate_module.h"


typedef struct {
    ngx_str_t                  name;      /* lowercase, after "x-fngate-" */
    size_t                     offset;    /* in ngx_http_fngate_ctx_t */
} ngx_http_fngate_counter_t;


static ngx_int_t ngx_http_fngate_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_fngate_request_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_fngate_counter_t  ngx_http_fngate_counters[] = {
    { ngx_string("duration-ms"),
      offsetof(ngx_http_fngate_ctx_t, result.duration_ms) },
    { ngx_string("billed-ms"),
      offsetof(ngx_http_fngate_ctx_t, result.billed_ms) },
    { ngx_string("memory-mb"),
      offsetof(ngx_http_fngate_ctx_t, result.memory_mb) },
    { ngx_string("max-memory-mb"),
      offsetof(ngx_http_fngate_ctx_t, result.max_memory_mb) },
    { ngx_string("init-ms"),
      offsetof(ngx_http_fngate_ctx_t, result.init_ms) },
    { ngx_string("queue-ms"),
      offsetof(ngx_http_fngate_ctx_t, result.queue_ms) },
    { ngx_string("suspended-ms"),
      offsetof(ngx_http_fngate_ctx_t, result.suspended_ms) },
    { ngx_string("cold-start"),
      offsetof(ngx_http_fngate_ctx_t, result.cold_start) },
    { ngx_string("start-kind"),
      offsetof(ngx_http_fngate_ctx_t, result.start_kind) },
    { ngx_string("vm"),
      offsetof(ngx_http_fngate_ctx_t, result.vm) },
    { ngx_string("invocation-type"),
      offsetof(ngx_http_fngate_ctx_t, result.invocation_type) },
    { ngx_string("attempt"),
      offsetof(ngx_http_fngate_ctx_t, result.attempt) },
    { ngx_string("event-age-ms"),
      offsetof(ngx_http_fngate_ctx_t, result.event_age_ms) },
    { ngx_string("event-id"),
      offsetof(ngx_http_fngate_ctx_t, result.event_id) },
    { ngx_string("idempotent"),
      offsetof(ngx_http_fngate_ctx_t, result.idempotent) },
    { ngx_string("provisioned"),
      offsetof(ngx_http_fngate_ctx_t, result.provisioned) },
    { ngx_string("subscribed-api"),
      offsetof(ngx_http_fngate_ctx_t, result.subscribed_api) },
    { ngx_null_string, 0 }
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;


ngx_int_t
ngx_http_fngate_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_fngate_header_filter;

    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_fngate_request_body_filter;

    return NGX_OK;
}


#define ngx_http_fngate_is(h, s)                                             \
    ((h)->key.len == sizeof(s) - 1                                            \
     && ngx_strncasecmp((h)->key.data, (u_char *) s, sizeof(s) - 1) == 0)


static ngx_int_t
ngx_http_fngate_header_filter(ngx_http_request_t *r)
{
    size_t                       len;
    u_char                      *name;
    ngx_uint_t                   i;
    ngx_list_part_t             *part;
    ngx_table_elt_t             *h;
    ngx_http_fngate_ctx_t       *ctx;
    ngx_http_fngate_counter_t   *fc;
    ngx_http_fngate_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    /*
     * A request that passed a fngate location keeps its request id after
     * an internal redirect to a location without "fngate on" (error_page).
     */

    ctx = ngx_http_fngate_find_ctx(r);

    if (ctx == NULL) {
        if (!flcf->enable) {
            return ngx_http_next_header_filter(r);
        }

        ctx = ngx_http_fngate_get_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }
    }

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (h[i].hash == 0) {
                continue;
            }

            if (h[i].key.len > sizeof("x-fngate-") - 1
                && ngx_strncasecmp(h[i].key.data, (u_char *) "x-fngate-",
                                   sizeof("x-fngate-") - 1) == 0)
            {
                name = h[i].key.data + sizeof("x-fngate-") - 1;
                len = h[i].key.len - (sizeof("x-fngate-") - 1);

                for (fc = ngx_http_fngate_counters; fc->name.len; fc++) {
                    if (fc->name.len == len
                        && ngx_strncasecmp(fc->name.data, name, len) == 0)
                    {
                        *(ngx_str_t *) ((u_char *) ctx + fc->offset) =
                                                                  h[i].value;
                        break;
                    }
                }

                ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                               "fngate: internal header \"%V: %V\" removed",
                               &h[i].key, &h[i].value);

                h[i].hash = 0;
                continue;
            }

            if (ngx_http_fngate_is(&h[i], "x-amz-executed-version")) {
                ctx->result.version = h[i].value;

            } else if (ngx_http_fngate_is(&h[i], "x-amz-function-error")) {
                ctx->result.function_error = h[i].value;

            } else if (ngx_http_fngate_is(&h[i], "x-amzn-errortype")) {
                ctx->result.error_type = h[i].value;

            } else if (ngx_http_fngate_is(&h[i], "x-amzn-requestid")) {
                /* the module's id is the one the client sees */
                h[i].hash = 0;
            }
        }
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "x-amzn-RequestId");
    h->value = ctx->request_id;

    ngx_http_fngate_cache_forget(r, ctx);

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_fngate_request_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    (void) ngx_http_fngate_hash_chain(r, in);

    return ngx_http_next_request_body_filter(r, in);
}
