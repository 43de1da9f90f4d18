
/*
 * fngate: the access phase handler and the Lambda-style error responses.
 */


#include "ngx_http_fngate_module.h"


#define NGX_HTTP_FNGATE_MESSAGE_MAX  1024


static void ngx_http_fngate_cleanup(void *data);
static ngx_int_t ngx_http_fngate_sqs_error(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_uint_t status, const char *type,
    u_char *msg, size_t len);


/*
 * The module's own errors for the queue service are in SQS's form: its
 * error codes for the Lambda types the module answers with, and an XML
 * ErrorResponse (query protocol) or a JSON document with __type (JSON
 * protocol, which names its action in X-Amz-Target).
 */

typedef struct {
    const char  *type;
    const char  *code;
} ngx_http_fngate_sqs_code_t;

static ngx_http_fngate_sqs_code_t  ngx_http_fngate_sqs_codes[] = {
    { "InvalidSignatureException", "SignatureDoesNotMatch" },
    { "UnrecognizedClientException", "InvalidClientTokenId" },
    { "MissingAuthenticationTokenException", "MissingAuthenticationToken" },
    { "AccessDeniedException", "AccessDenied" },
    { "MethodNotAllowedException", "InvalidAction" },
    { "RequestTooLargeException", "RequestTooLarge" },
    { "TooManyRequestsException", "RequestThrottled" },
    { "ServiceException", "InternalError" },
    { NULL, NULL }
};


/*
 * An internal redirect (error_page, also to a named location, which does not
 * mark the request internal) clears the module contexts,
 * but the billing line and x-amzn-RequestId of the redirected request must
 * still name the call: the context is found again through its pool cleanup,
 * as the realip module finds its own.
 */

ngx_http_fngate_ctx_t *
ngx_http_fngate_find_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t     *cln;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);
    if (ctx) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_fngate_cleanup) {
            ctx = cln->data;
            ngx_http_set_ctx(r, ctx, ngx_http_fngate_module);
            return ctx;
        }
    }

    return NULL;
}


ngx_http_fngate_ctx_t *
ngx_http_fngate_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t     *cln;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_fngate_find_ctx(r);
    if (ctx) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_fngate_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     ctx->step = NGX_HTTP_FNGATE_STEP_START;
     *     ctx->redis.cmd = NULL;
     *     ctx->sigv4.sha = NULL;
     *     the strings = { 0, NULL };
     *     the flags = 0;
     */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_fngate_cleanup;
    cln->data = ctx;

    if (ngx_http_fngate_request_id(r, ctx) != NGX_OK) {
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_fngate_module);

    return ctx;
}


/*
 * The request is going away, perhaps while a Redis command is in flight:
 * the command forgets the request so its reply is dropped.
 */

static void
ngx_http_fngate_cleanup(void *data)
{
    ngx_http_fngate_ctx_t  *ctx = data;

    ngx_http_fngate_store_detach(ctx);

    if (ctx->sigv4.sha) {
        EVP_MD_CTX_free(ctx->sigv4.sha);
        ctx->sigv4.sha = NULL;
    }
}


/*
 * The access phase runs the steps in order.  A step returns NGX_OK when it
 * is done, NGX_AGAIN when it waits for Redis or for the body (its event
 * resumes the phases, which call this handler again and the same step
 * picks up its result), or NGX_DONE once it has answered the client.
 */

ngx_int_t
ngx_http_fngate_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_http_fngate_ctx_t       *ctx;
    ngx_http_fngate_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    if (!flcf->enable) {
        return NGX_DECLINED;
    }

    if (r != r->main) {
        /* nginx runs no access phase for subrequests; see below */
        return NGX_DECLINED;
    }

    ctx = ngx_http_fngate_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->redis.waiting || ctx->sigv4.waiting_body) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: access still waiting");
        return NGX_AGAIN;
    }

    if (ctx->done) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: access already decided: %s",
                       ctx->allowed ? "allowed" : "answered");
        return ctx->allowed ? NGX_OK : NGX_DONE;
    }

    for ( ;; ) {

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: access step %ui", (ngx_uint_t) ctx->step);

        switch (ctx->step) {

        case NGX_HTTP_FNGATE_STEP_START:
            rc = ngx_http_fngate_auth_start(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_KEY:
            rc = ngx_http_fngate_auth_key(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_BODY:
            rc = ngx_http_fngate_auth_body(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_VERIFY:
            rc = ngx_http_fngate_auth_verify(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_CHAIN:
            rc = ngx_http_fngate_auth_chain(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_ROUTE:
            rc = ngx_http_fngate_lookup_route(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_API:
            rc = ngx_http_fngate_api_table(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_API_ACCESS:
            rc = ngx_http_fngate_api_access(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_ALIAS:
            rc = ngx_http_fngate_lookup_alias(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_PERMISSION:
            rc = ngx_http_fngate_lookup_permission(r, ctx);
            break;

        case NGX_HTTP_FNGATE_STEP_FUNCTION:
            rc = ngx_http_fngate_lookup_function(r, ctx);
            break;

        default: /* NGX_HTTP_FNGATE_STEP_DONE */

            /* whoever the names make pay, a chain's call is its payer's */

            if (ctx->call.session) {
                ctx->call.billing_account = ctx->call.chain_billed;
            }

            ngx_log_debug5(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "fngate: allowed %V by %V on \"%V\" of %V "
                           "billed to %V", &ctx->call.action,
                           &ctx->call.caller, &ctx->call.function,
                           &ctx->call.owner, &ctx->call.billing_account);
            ctx->done = 1;
            ctx->allowed = 1;
            return NGX_OK;
        }

        if (rc == NGX_OK) {
            ctx->step++;
            continue;
        }

        if (rc == NGX_AGAIN) {
            return NGX_AGAIN;
        }

        if (rc == NGX_DONE) {
            /* answered and finalized: the request may be gone already */
            return NGX_DONE;
        }

        /* NGX_ERROR or an HTTP status nginx answers itself */

        ctx->done = 1;
        return rc;
    }
}


/*
 * nginx skips the access phase of subrequests (auth_request, SSI, mirror),
 * yet a subrequest into a fngate location would reach the backend with the
 * variables of its main request.  It may do so only on behalf of a main
 * request that fngate allowed.
 */

ngx_int_t
ngx_http_fngate_precontent_handler(ngx_http_request_t *r)
{
    ngx_http_fngate_ctx_t       *ctx;
    ngx_http_fngate_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    if (!flcf->enable || r == r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_fngate_module);

    if (ctx && ctx->allowed) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: subrequest \"%V\" of an allowed request",
                       &r->uri);
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: subrequest \"%V\" of an unauthenticated request "
                  "refused", &r->uri);

    return NGX_HTTP_FORBIDDEN;
}


/*
 * A Redis reply or a timeout came for the request: run its phases again,
 * from the access handler, and then whatever subrequests that posted.
 */

void
ngx_http_fngate_resume(ngx_http_request_t *r)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0, "fngate: resume");

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


/* Answers for a Redis command that failed; ctx->redis.rc says how. */

ngx_int_t
ngx_http_fngate_redis_failed(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    switch (ctx->redis.rc) {

    case NGX_HTTP_FNGATE_REDIS_TIMEOUT:
        return ngx_http_fngate_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                   "ServiceException",
                   "The metadata store did not answer in time.");

    case NGX_HTTP_FNGATE_REDIS_BAD_REPLY:
        return ngx_http_fngate_error(r, NGX_HTTP_BAD_GATEWAY,
                   "ServiceException",
                   "The metadata store gave an unexpected answer.");

    default:
        return ngx_http_fngate_error(r, NGX_HTTP_BAD_GATEWAY,
                   "ServiceException",
                   "The metadata store is unavailable.");
    }
}


/*
 * Sends a Lambda-style error: the status, "x-amzn-ErrorType: TYPE" and
 * {"Type":"User","message":"..."} ("Service" for 5xx), then finalizes the
 * request.  Returns NGX_DONE for the access handler to return; neither
 * may touch the request after, as finalizing may have freed it.  The
 * caller has logged the reason.
 */

ngx_int_t
ngx_http_fngate_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, const char *fmt, ...)
{
    va_list    args;
    ngx_int_t  rc;

    va_start(args, fmt);
    rc = ngx_http_fngate_verror(r, status, type, fmt, args);
    va_end(args);

    return rc;
}


ngx_int_t
ngx_http_fngate_verror(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, const char *fmt, va_list args)
{
    u_char                 *p, *last;
    size_t                  len, tlen;
    ngx_int_t               rc;
    ngx_buf_t              *b;
    ngx_chain_t             out;
    ngx_table_elt_t        *h;
    ngx_http_fngate_ctx_t  *ctx;
    u_char                  msg[NGX_HTTP_FNGATE_MESSAGE_MAX];

    static u_char  user[] = "{\"Type\":\"User\",\"message\":\"";
    static u_char  service[] = "{\"Type\":\"Service\",\"message\":\"";

    last = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);

    len = last - msg;
    tlen = ngx_strlen(type);

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: answer %ui %s \"%*s\"", status, type, len, msg);

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    if (ctx) {
        ctx->done = 1;
        ctx->result.error_type.data = (u_char *) type;
        ctx->result.error_type.len = tlen;

        if (ctx->call.route.action == FG_ACTION_SQS
            || ctx->call.route.action == FG_ACTION_IAM)
        {
            return ngx_http_fngate_sqs_error(r, ctx, status, type, msg, len);
        }
    }

    if (r->request_body == NULL) {
        /* no "100 Continue" invites a body only to discard it */
        r->expect_tested = 1;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    b = ngx_create_temp_buf(r->pool, sizeof(service) - 1
                            + len + ngx_escape_json(NULL, msg, len)
                            + sizeof("\"}") - 1);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    p = b->last;

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
        p = ngx_cpymem(p, service, sizeof(service) - 1);

    } else {
        p = ngx_cpymem(p, user, sizeof(user) - 1);
    }

    p = (u_char *) ngx_escape_json(p, msg, len);
    p = ngx_cpymem(p, "\"}", 2);

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "x-amzn-ErrorType");
    h->value.data = (u_char *) type;
    h->value.len = tlen;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    out.buf = b;
    out.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));

    return NGX_DONE;
}


static ngx_int_t
ngx_http_fngate_sqs_error(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx,
    ngx_uint_t status, const char *type, u_char *msg, size_t len)
{
    u_char                      *p;
    size_t                       clen, size;
    ngx_int_t                    rc;
    ngx_buf_t                   *b;
    ngx_uint_t                   i, json;
    ngx_chain_t                  out;
    ngx_list_part_t             *part;
    ngx_table_elt_t             *h, *hd;
    const char                  *code, *fault;
    ngx_http_fngate_sqs_code_t  *c;

    code = NULL;

    for (c = ngx_http_fngate_sqs_codes; c->type; c++) {
        if (ngx_strcmp(c->type, type) == 0) {
            code = c->code;
            break;
        }
    }

    if (code == NULL) {
        code = type;
        clen = ngx_strlen(type);

        if (clen > 9 && ngx_strcmp(type + clen - 9, "Exception") == 0) {
            p = ngx_pnalloc(r->pool, clen - 9 + 1);
            if (p == NULL) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return NGX_DONE;
            }
            *ngx_cpymem(p, type, clen - 9) = '\0';
            code = (const char *) p;
        }
    }

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        code = "ServiceUnavailable";
    }

    clen = ngx_strlen(code);
    fault = status >= NGX_HTTP_INTERNAL_SERVER_ERROR ? "Receiver" : "Sender";

    /* the JSON protocol names its operation in X-Amz-Target */

    json = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == sizeof("x-amz-target") - 1
                && ngx_strncasecmp(h[i].key.data, (u_char *) "x-amz-target",
                                   sizeof("x-amz-target") - 1) == 0)
            {
                json = 1;
            }
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: sqs error \"%s\" as %s", code,
                   json ? "json" : "xml");

    if (json) {
        size = sizeof("{\"__type\":\"com.amazonaws.sqs#\",\"message\":\"\"}")
               - 1 + clen + len + ngx_escape_json(NULL, msg, len);

    } else {
        size = sizeof("<?xml version=\"1.0\"?><ErrorResponse xmlns=\""
                      "http://queue.amazonaws.com/doc/2012-11-05/\">"
                      "<Error><Type>Receiver</Type><Code></Code><Message>"
                      "</Message><Detail/></Error><RequestId></RequestId>"
                      "</ErrorResponse>") - 1
               + clen + len + ngx_escape_html(NULL, msg, len)
               + ctx->request_id.len;
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    p = b->last;

    if (json) {
        p = ngx_sprintf(p, "{\"__type\":\"com.amazonaws.sqs#%s\","
                        "\"message\":\"", code);
        p = (u_char *) ngx_escape_json(p, msg, len);
        p = ngx_cpymem(p, "\"}", 2);

        hd = ngx_list_push(&r->headers_out.headers);
        if (hd == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_DONE;
        }

        hd->value.data = ngx_pnalloc(r->pool, clen + sizeof(";Receiver"));
        if (hd->value.data == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_DONE;
        }

        hd->hash = 1;
        ngx_str_set(&hd->key, "x-amzn-query-error");
        hd->value.len = ngx_sprintf(hd->value.data, "%s;%s", code, fault)
                        - hd->value.data;

        ngx_str_set(&r->headers_out.content_type,
                    "application/x-amz-json-1.0");

    } else {
        p = ngx_sprintf(p, "<?xml version=\"1.0\"?><ErrorResponse xmlns=\""
                        "http://queue.amazonaws.com/doc/2012-11-05/\">"
                        "<Error><Type>%s</Type><Code>%s</Code><Message>",
                        fault, code);
        p = (u_char *) ngx_escape_html(p, msg, len);
        p = ngx_sprintf(p, "</Message><Detail/></Error><RequestId>%V"
                        "</RequestId></ErrorResponse>", &ctx->request_id);

        ngx_str_set(&r->headers_out.content_type, "text/xml");
    }

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    out.buf = b;
    out.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));

    return NGX_DONE;
}
