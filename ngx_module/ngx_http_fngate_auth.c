
/*
 * fngate: AWS Signature Version 4 in the Authorization header.
 *
 * The canonical request and the signature are fg_sigv4's; this file finds
 * their inputs in the request, fetches the secret of the access key, hashes
 * the body as nginx reads it, and turns each failure into the answer AWS
 * gives.
 */


#include "ngx_http_fngate_module.h"

#include <openssl/crypto.h>


#define NGX_HTTP_FNGATE_ACCESS_KEY_MAX  128


static ngx_int_t ngx_http_fngate_check_time(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, time_t t, time_t skew);
static ngx_int_t ngx_http_fngate_check_size(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, off_t size);
static ngx_int_t ngx_http_fngate_bad_signature(ngx_http_request_t *r,
    const char *fmt, ...);
static ngx_int_t ngx_http_fngate_key_reply(ngx_http_request_t *r,
    redisReply *reply);
static ngx_int_t ngx_http_fngate_session(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_str_t *session);
static void ngx_http_fngate_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_fngate_hash_bufs(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
static ngx_int_t ngx_http_fngate_body_hashed(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
static u_char *ngx_http_fngate_amz_time(u_char *buf, time_t t);
static fg_sigv4_rc_t ngx_http_fngate_signing_key(fg_str_t secret,
    const fg_sigv4_auth_t *auth, u_char key[FG_SIGV4_KEY_LEN]);


/*
 * The signing keys of recent (secret, scope) pairs, per worker: a
 * signature check then costs one HMAC instead of five.  An entry holds the
 * secret it was made from, so a changed secret never finds an old key; a
 * scope changes every day.  Direct-mapped: a collision only costs the
 * derivation again.
 */

#define NGX_HTTP_FNGATE_SIGKEYS       64
#define NGX_HTTP_FNGATE_SIGKEY_SECRET 128
#define NGX_HTTP_FNGATE_SIGKEY_SCOPE  96

typedef struct {
    size_t  secret_len;          /* 0: empty entry */
    size_t  scope_len;
    u_char  secret[NGX_HTTP_FNGATE_SIGKEY_SECRET];
    u_char  scope[NGX_HTTP_FNGATE_SIGKEY_SCOPE];  /* date/region/service */
    u_char  key[FG_SIGV4_KEY_LEN];
} ngx_http_fngate_sigkey_t;

static ngx_http_fngate_sigkey_t  ngx_http_fngate_sigkeys[NGX_HTTP_FNGATE_SIGKEYS];


/* The fields of a call's credentials after account and secret, in the
 * order of the cached value (fg_keys.h: fg:key:ASIA...). */
#define NGX_HTTP_FNGATE_SESSION_FIELDS  7

static const char  *ngx_http_fngate_session_fields[] = {
    "token", "role", "billed", "depth", "root", "expires", "deadline"
};

/* HMGET, the key, account, secret and these: one lookup's arguments */
#if (4 + NGX_HTTP_FNGATE_SESSION_FIELDS > NGX_HTTP_FNGATE_LOOKUP_ARGS)
#error "the access key's HMGET has more arguments than a lookup holds"
#endif

static const char  ngx_http_fngate_bad_token[] =
    "The security token included in the request is invalid.";


static const char  ngx_http_fngate_mismatch[] =
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details.";


/*
 * Everything that needs neither Redis nor the body: the Authorization
 * header and its scope, the date, the route, and the declared body size.
 */

ngx_int_t
ngx_http_fngate_auth_start(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    u_char                      *p;
    time_t                       t;
    fg_str_t                     value;
    ngx_str_t                    path, service;
    fg_sigv4_rc_t                rc;
    ngx_table_elt_t             *h;
    ngx_http_fngate_loc_conf_t  *flcf;
    ngx_http_fngate_sigv4_t     *sig;
    ngx_http_fngate_call_t      *call;

    sig = &ctx->sigv4;
    call = &ctx->call;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    /* the route is reported only once the caller is known */

    if (ngx_http_fngate_raw_path(r, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    call->route_rc = fg_route_parse((char *) r->method_name.data,
                                    r->method_name.len,
                                    (char *) path.data, path.len,
                                    (char *) r->args.data, r->args.len,
                                    &call->route);

    call->action.data = (u_char *) fg_action_name(call->route.action);
    call->action.len = ngx_strlen(call->action.data);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: route \"%V\": rc:%d action:\"%V\"",
                   &path, (int) call->route_rc, &call->action);

    h = r->headers_in.authorization;

    if (h == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: no authorization header");
        return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                   "MissingAuthenticationTokenException",
                   "Missing Authentication Token");
    }

    value.data = (char *) h->value.data;
    value.len = h->value.len;

    rc = fg_sigv4_parse_auth(value, &sig->header);

    if (rc != FG_SIGV4_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: malformed authorization header \"%V\"",
                      &h->value);
        return ngx_http_fngate_bad_signature(r,
                   "Authorization header requires 'Credential', "
                   "'SignedHeaders' and 'Signature' parameters of the "
                   "AWS4-HMAC-SHA256 algorithm.");
    }

    sig->access_key.len = sig->header.access_key.len;

    if (sig->access_key.len == 0
        || sig->access_key.len > NGX_HTTP_FNGATE_ACCESS_KEY_MAX)
    {
        goto bad_key;
    }

    for (p = (u_char *) sig->header.access_key.data;
         p < (u_char *) sig->header.access_key.data + sig->access_key.len;
         p++)
    {
        if ((*p < 'A' || *p > 'Z') && (*p < 'a' || *p > 'z')
            && (*p < '0' || *p > '9'))
        {
            goto bad_key;
        }
    }

    sig->access_key.data = ngx_pnalloc(r->pool, sig->access_key.len + 1);
    if (sig->access_key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(sig->access_key.data, sig->header.access_key.data,
               sig->access_key.len);
    sig->access_key.data[sig->access_key.len] = '\0';

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: access key \"%V\"", &sig->access_key);

    /*
     * The queue service's calls are signed for "sqs", the others for
     * "lambda"; IAM's calls (execution roles) come to the queue service's
     * paths, signed for "iam".
     */

    if (call->route.action == FG_ACTION_SQS
        && sig->header.service.len == sizeof("iam") - 1
        && ngx_strncmp(sig->header.service.data, "iam", 3) == 0)
    {
        call->route.action = FG_ACTION_IAM;
        call->action.data = (u_char *) fg_action_name(FG_ACTION_IAM);
        call->action.len = ngx_strlen(call->action.data);
    }

    if (call->route.action == FG_ACTION_SQS) {
        ngx_str_set(&service, "sqs");

    } else if (call->route.action == FG_ACTION_IAM) {
        ngx_str_set(&service, "iam");

    } else {
        ngx_str_set(&service, "lambda");
    }

    if (sig->header.service.len != service.len
        || ngx_strncmp(sig->header.service.data, service.data, service.len)
           != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: credential scoped to service \"%*s\", "
                      "not \"%V\"", sig->header.service.len,
                      sig->header.service.data, &service);
        return ngx_http_fngate_bad_signature(r,
                   "Credential should be scoped to correct service: "
                   "'%V'. ", &service);
    }

    if (sig->header.region.len != flcf->region.len
        || ngx_strncmp(sig->header.region.data, flcf->region.data,
                       flcf->region.len) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: credential scoped to region \"%*s\", "
                      "not \"%V\"", sig->header.region.len,
                      sig->header.region.data, &flcf->region);
        return ngx_http_fngate_bad_signature(r,
                   "Credential should be scoped to a valid region. ");
    }

    h = ngx_http_fngate_header(r, "x-amz-date", sizeof("x-amz-date") - 1);

    if (h == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: no x-amz-date header");
        return ngx_http_fngate_bad_signature(r,
                   "Authorization header requires existence of either "
                   "a 'X-Amz-Date' or a 'Date' header.");
    }

    sig->amz_date = h->value;

    value.data = (char *) h->value.data;
    value.len = h->value.len;

    t = fg_sigv4_parse_date(value);

    if (t == (time_t) -1) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: malformed x-amz-date \"%V\"", &h->value);
        return ngx_http_fngate_bad_signature(r,
                   "Date must be in ISO-8601 'basic format'. Got '%V'. "
                   "See http://en.wikipedia.org/wiki/ISO_8601", &h->value);
    }

    if (sig->header.date.len != 8
        || ngx_strncmp(sig->header.date.data, h->value.data, 8) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: credential date \"%*s\" is not the day of "
                      "x-amz-date \"%V\"", sig->header.date.len,
                      sig->header.date.data, &h->value);
        return ngx_http_fngate_bad_signature(r,
                   "Date in Credential scope does not match YYYYMMDD from "
                   "ISO-8601 version of date from HTTP: '%*s' != '%*s', "
                   "from '%V'.", sig->header.date.len, sig->header.date.data,
                   (size_t) 8, h->value.data, &h->value);
    }

    if (ngx_http_fngate_check_time(r, ctx, t, flcf->clock_skew) != NGX_OK) {
        return NGX_DONE;
    }

    if (ngx_http_fngate_check_size(r, ctx, r->headers_in.content_length_n)
        != NGX_OK)
    {
        return NGX_DONE;
    }

    return NGX_OK;

bad_key:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: invalid access key \"%*s\"",
                  ngx_min(sig->header.access_key.len, 256),
                  sig->header.access_key.data);

    return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
               "UnrecognizedClientException",
               "The security token included in the request is invalid.");
}


static ngx_int_t
ngx_http_fngate_check_time(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx,
    time_t t, time_t skew)
{
    time_t                    now;
    u_char                   *p, limit[20], current[20], amount[32];
    ngx_http_fngate_sigv4_t  *sig;

    sig = &ctx->sigv4;

    now = ngx_time();

    if (t >= now - skew && t <= now + skew) {
        return NGX_OK;
    }

    p = ngx_http_fngate_amz_time(current, now);
    *p = '\0';

    if (skew % 60 == 0) {
        p = ngx_sprintf(amount, "%T min.", skew / 60);

    } else {
        p = ngx_sprintf(amount, "%T sec.", skew);
    }

    *p = '\0';

    if (t < now - skew) {
        p = ngx_http_fngate_amz_time(limit, now - skew);
        *p = '\0';

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: signature expired: x-amz-date \"%V\" "
                      "is before \"%s\"", &sig->amz_date, limit);

        (void) ngx_http_fngate_bad_signature(r,
                   "Signature expired: %V is now earlier than %s (%s - %s)",
                   &sig->amz_date, limit, current, amount);
        return NGX_DONE;
    }

    p = ngx_http_fngate_amz_time(limit, now + skew);
    *p = '\0';

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: signature not yet current: x-amz-date \"%V\" "
                  "is after \"%s\"", &sig->amz_date, limit);

    (void) ngx_http_fngate_bad_signature(r,
               "Signature not yet current: %V is still later than %s "
               "(%s + %s)", &sig->amz_date, limit, current, amount);
    return NGX_DONE;
}


/*
 * An Invoke's payload may be no larger than fngate_max_payload: checked on
 * the Content-Length before the body is read (size is -1 without one), and
 * on the bytes the body had.  Answers the client when it is larger.
 */

static ngx_int_t
ngx_http_fngate_check_size(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx,
    off_t size)
{
    ngx_http_fngate_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    if (fg_action_info(ctx->call.route.action)->body != FG_BODY_PAYLOAD
        || size <= (off_t) flcf->max_payload)
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: invoke payload of %O bytes is larger than "
                  "fngate_max_payload %uz", size, flcf->max_payload);

    (void) ngx_http_fngate_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
               "RequestTooLargeException",
               "Request must be smaller than %uz bytes for the "
               "InvokeFunction operation", flcf->max_payload);
    return NGX_DONE;
}


/* The answer to a signature AWS would refuse: 403 InvalidSignatureException
 * with the message it gives. */

static ngx_int_t
ngx_http_fngate_bad_signature(ngx_http_request_t *r, const char *fmt, ...)
{
    va_list    args;
    ngx_int_t  rc;

    va_start(args, fmt);
    rc = ngx_http_fngate_verror(r, NGX_HTTP_FORBIDDEN,
                                "InvalidSignatureException", fmt, args);
    va_end(args);

    return rc;
}


/*
 * The account and secret of the access key: from the worker's cache, or
 * by HMGET fg:key:AKID account secret.
 */

ngx_int_t
ngx_http_fngate_auth_key(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    int                        n;
    ngx_uint_t                 i;
    u_char                    *nl;
    ngx_int_t                  rc;
    ngx_str_t                  value;
    u_char                     key[FG_KEY_MAX];
    ngx_http_fngate_lookup_t   lk;
    ngx_http_fngate_sigv4_t   *sig;
    ngx_http_fngate_call_t    *call;

    sig = &ctx->sigv4;
    call = &ctx->call;

    if (ngx_http_fngate_cache_name(r->pool, &lk.name,
                                   NGX_HTTP_FNGATE_CACHE_KEY, 1,
                                   &sig->access_key)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fngate_lookup_init(&lk, "HMGET", REDIS_REPLY_ARRAY,
                                ngx_http_fngate_key_reply, 0);

    n = fg_key_access_key((char *) key, sizeof(key),
                          (char *) sig->access_key.data);

    if (ngx_http_fngate_lookup_key(&lk, key, sizeof(key), n) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_fngate_lookup_arg(&lk, "account", sizeof("account") - 1);
    ngx_http_fngate_lookup_arg(&lk, "secret", sizeof("secret") - 1);

    for (i = 0; i < NGX_HTTP_FNGATE_SESSION_FIELDS; i++) {
        ngx_http_fngate_lookup_arg(&lk, ngx_http_fngate_session_fields[i],
                                   ngx_strlen(
                                       ngx_http_fngate_session_fields[i]));
    }

    rc = ngx_http_fngate_lookup_cached(r, ctx, &lk, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ctx->redis.found) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: unknown access key \"%V\"", &sig->access_key);
        return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                   "UnrecognizedClientException",
                   "The security token included in the request is invalid.");
    }

    /* the account, then the secret */

    if (value.len <= FG_ACCOUNT_LEN) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    call->caller.data = ngx_pnalloc(r->pool, FG_ACCOUNT_LEN + 1);
    if (call->caller.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem(call->caller.data, value.data, FG_ACCOUNT_LEN) = '\0';
    call->caller.len = FG_ACCOUNT_LEN;

    sig->secret.data = value.data + FG_ACCOUNT_LEN;
    sig->secret.len = value.len - FG_ACCOUNT_LEN;
    call->depth = 1;

    /* a call's credentials: the secret, then "\n" and the session */

    nl = ngx_strlchr(sig->secret.data, sig->secret.data + sig->secret.len,
                     '\n');

    if (nl != NULL) {
        value.len = sig->secret.data + sig->secret.len - (nl + 1);
        value.data = nl + 1;
        sig->secret.len = nl - sig->secret.data;
    }

    rc = ngx_http_fngate_session(r, ctx, nl != NULL ? &value : NULL);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: access key \"%V\" of %V, depth %ui",
                   &sig->access_key, &call->caller, call->depth);

    return NGX_OK;
}


/*
 * The HMGET of an access key: its account and secret, as one value, and
 * for a call's credentials the fields of the session after them.
 */

static ngx_int_t
ngx_http_fngate_key_reply(ngx_http_request_t *r, redisReply *reply)
{
    u_char                 *p;
    size_t                  len;
    ngx_uint_t              i;
    redisReply             *account, *secret, *e;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    if (reply->elements != 2 + NGX_HTTP_FNGATE_SESSION_FIELDS) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: redis reply to HMGET of %uz elements, not %d",
                      reply->elements, 2 + NGX_HTTP_FNGATE_SESSION_FIELDS);
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    account = reply->element[0];
    secret = reply->element[1];

    if (account->type == REDIS_REPLY_NIL || secret->type == REDIS_REPLY_NIL) {
        return NGX_HTTP_FNGATE_REDIS_OK;
    }

    len = 0;

    for (i = 0; i < reply->elements; i++) {
        e = reply->element[i];

        if (e->type == REDIS_REPLY_NIL && i >= 2) {
            continue;
        }

        if (e->type != REDIS_REPLY_STRING
            || ngx_strlchr((u_char *) e->str, (u_char *) e->str + e->len,
                           '\n') != NULL)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "fngate: unexpected redis reply type %d in the "
                          "fields of access key \"%V\"", e->type,
                          &ctx->sigv4.access_key);
            return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
        }

        len += e->len + 1;
    }

    if (!fg_account_valid(account->str, account->len) || secret->len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: access key \"%V\" has an invalid account "
                      "or secret in redis", &ctx->sigv4.access_key);
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    ctx->redis.value.data = ngx_pnalloc(r->pool, len);
    if (ctx->redis.value.data == NULL) {
        return NGX_HTTP_FNGATE_REDIS_BAD_REPLY;
    }

    p = ngx_cpymem(ctx->redis.value.data, account->str, account->len);
    p = ngx_cpymem(p, secret->str, secret->len);

    /*
     * A permanent key has no token; a call's has every field, and is not
     * cached: it is revoked the moment its call ends.
     */

    if (reply->element[2]->type == REDIS_REPLY_STRING) {
        ctx->redis.uncacheable = 1;

        for (i = 2; i < reply->elements; i++) {
            e = reply->element[i];
            *p++ = '\n';

            if (e->type == REDIS_REPLY_STRING) {
                p = ngx_cpymem(p, e->str, e->len);
            }
        }
    }

    ctx->redis.value.len = p - ctx->redis.value.data;

    ctx->redis.found = 1;

    return NGX_HTTP_FNGATE_REDIS_OK;
}


/*
 * A call's temporary credentials (fngated_roles.c): the request must carry
 * their token in X-Amz-Security-Token before they expire; it then acts as
 * their account, with their role, one level deeper in their chain.  A
 * permanent key (session NULL) takes no token.
 */

static ngx_int_t
ngx_http_fngate_session(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx,
    ngx_str_t *session)
{
    u_char                   *p, *last, *nl;
    ngx_int_t                 depth;
    ngx_uint_t                i;
    ngx_str_t                 f[NGX_HTTP_FNGATE_SESSION_FIELDS];
    ngx_time_t               *tp;
    ngx_table_elt_t          *h;
    ngx_http_fngate_call_t   *call;
    int64_t                   expires, now;

    call = &ctx->call;

    h = ngx_http_fngate_header(r, "x-amz-security-token",
                               sizeof("x-amz-security-token") - 1);

    if (session == NULL) {
        if (h != NULL) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "fngate: access key \"%V\" is permanent and takes "
                          "no security token", &ctx->sigv4.access_key);
            return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                       "UnrecognizedClientException",
                       ngx_http_fngate_bad_token);
        }

        return NGX_OK;
    }

    p = session->data;
    last = session->data + session->len;

    for (i = 0; i < NGX_HTTP_FNGATE_SESSION_FIELDS; i++) {
        nl = ngx_strlchr(p, last, '\n');
        f[i].data = p;
        f[i].len = (nl ? nl : last) - p;
        p = nl ? nl + 1 : last;
    }

    if (h == NULL || h->value.len != f[0].len || f[0].len == 0
        || CRYPTO_memcmp(h->value.data, f[0].data, f[0].len) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: %s security token for the credentials "
                      "\"%V\"", h == NULL ? "no" : "a wrong",
                      &ctx->sigv4.access_key);
        return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                   "UnrecognizedClientException", ngx_http_fngate_bad_token);
    }

    expires = ngx_atoof(f[5].data, f[5].len);
    depth = ngx_atoi(f[3].data, f[3].len);

    if (expires == NGX_ERROR || depth == NGX_ERROR || depth < 1
        || !fg_account_valid((char *) f[2].data, f[2].len))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: the credentials \"%V\" have invalid fields "
                      "in redis", &ctx->sigv4.access_key);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    if (now >= expires) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: the credentials \"%V\" expired %L ms ago",
                      &ctx->sigv4.access_key, now - expires);
        return ngx_http_fngate_error(r, NGX_HTTP_FORBIDDEN,
                   "ExpiredTokenException",
                   "The security token included in the request is expired");
    }

    call->session = 1;
    call->session_key = ctx->sigv4.access_key;
    call->role = f[1];
    call->chain_billed = f[2];
    call->depth = depth + 1;
    call->root_id = f[4];
    call->chain_deadline = f[6];

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: a call's credentials: role \"%V\", billed to "
                   "%V, depth %ui of chain %V", &call->role,
                   &call->chain_billed, call->depth, &call->root_id);

    return NGX_OK;
}


/*
 * A chain of calls, each made with the credentials of the one before, is
 * stopped past FG_CHAIN_MAX calls that run code, as Lambda stops a
 * recursive loop.
 */

ngx_int_t
ngx_http_fngate_auth_chain(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    ngx_http_fngate_call_t  *call;

    call = &ctx->call;

    if (call->depth <= FG_CHAIN_MAX
        || !fg_action_info(call->route.action)->billed)
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: recursive loop: call %ui of chain %V refused",
                  call->depth, &call->root_id);

    return ngx_http_fngate_error(r, NGX_HTTP_BAD_REQUEST,
               "RecursiveInvocationException",
               "Lambda detected that the function is being invoked in a "
               "recursive loop and stopped the invocation: this call would "
               "be call %ui of the chain that request %V began, over the "
               "limit of %d.", call->depth, &call->root_id, FG_CHAIN_MAX);
}


/*
 * The body is read here, in the access phase, because its hash is part of
 * the signature.  It is hashed by the request body filter as nginx reads
 * it, before any of it is written to a temporary file, so a large body is
 * never read back from disk.
 */

ngx_int_t
ngx_http_fngate_auth_body(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    ngx_int_t                 rc;
    ngx_http_fngate_sigv4_t  *sig;

    sig = &ctx->sigv4;

    if (sig->body_read) {
        return ngx_http_fngate_body_hashed(r, ctx);
    }

    sig->sha = EVP_MD_CTX_new();
    if (sig->sha == NULL
        || EVP_DigestInit_ex(sig->sha, EVP_sha256(), NULL) != 1)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "fngate: EVP_DigestInit_ex() failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->request_body) {
        /* read before us, by another module: hash what it kept */

        if (ngx_http_fngate_hash_bufs(r, ctx) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        sig->body_read = 1;
        return ngx_http_fngate_body_hashed(r, ctx);
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_fngate_body_handler);

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: reading the body failed: %i", rc);
        return rc;
    }

    if (sig->body_read) {
        return ngx_http_fngate_body_hashed(r, ctx);
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: waiting for the body");

    sig->waiting_body = 1;

    return NGX_AGAIN;
}


static void
ngx_http_fngate_body_handler(ngx_http_request_t *r)
{
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    /* ngx_http_read_client_request_body() took a reference */

    r->main->count--;

    ctx->sigv4.body_read = 1;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: body read, %O bytes hashed",
                   ctx->sigv4.body_bytes);

    if (ctx->sigv4.waiting_body) {
        ctx->sigv4.waiting_body = 0;
        ngx_http_core_run_phases(r);
    }
}


/* Called by the request body filter with each buffer nginx reads. */

ngx_int_t
ngx_http_fngate_hash_chain(ngx_http_request_t *r, ngx_chain_t *in)
{
    size_t                  size;
    ngx_chain_t            *cl;
    ngx_http_fngate_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fngate_module);

    if (ctx == NULL || ctx->sigv4.sha == NULL || ctx->sigv4.body_read) {
        return NGX_OK;
    }

    for (cl = in; cl; cl = cl->next) {

        if (!ngx_buf_in_memory(cl->buf)) {
            if (ngx_buf_size(cl->buf)) {
                ctx->sigv4.hash_failed = 1;
            }

            continue;
        }

        size = cl->buf->last - cl->buf->pos;

        if (size == 0) {
            continue;
        }

        if (EVP_DigestUpdate(ctx->sigv4.sha, cl->buf->pos, size) != 1) {
            ctx->sigv4.hash_failed = 1;
            return NGX_OK;
        }

        ctx->sigv4.body_bytes += size;
    }

    return NGX_OK;
}


/*
 * The body was read before the access phase (another module asked for
 * it): hash the buffers it left, reading back those in a temporary file.
 */

static ngx_int_t
ngx_http_fngate_hash_bufs(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    off_t                     offset;
    size_t                    size;
    ssize_t                   n;
    ngx_buf_t                *b;
    ngx_chain_t              *cl;
    u_char                    buf[8192];
    ngx_http_fngate_sigv4_t  *sig;

    sig = &ctx->sigv4;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            size = b->last - b->pos;

            if (size && EVP_DigestUpdate(sig->sha, b->pos, size) != 1) {
                return NGX_ERROR;
            }

            sig->body_bytes += size;
            continue;
        }

        if (!b->in_file || b->file == NULL) {
            continue;
        }

        for (offset = b->file_pos; offset < b->file_last; offset += n) {
            size = (size_t) ngx_min(b->file_last - offset,
                                    (off_t) sizeof(buf));

            n = ngx_read_file(b->file, buf, size, offset);

            if (n == NGX_ERROR || n == 0) {
                return NGX_ERROR;
            }

            if (EVP_DigestUpdate(sig->sha, buf, n) != 1) {
                return NGX_ERROR;
            }

            sig->body_bytes += n;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_fngate_body_hashed(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    unsigned int              mdlen;
    ngx_table_elt_t          *h;
    u_char                    md[EVP_MAX_MD_SIZE];
    ngx_http_fngate_sigv4_t  *sig;

    sig = &ctx->sigv4;

    if (sig->payload_hash[0]) {
        return NGX_OK;
    }

    if (sig->hash_failed
        || (r->headers_in.content_length_n >= 0
            && r->headers_in.content_length_n != sig->body_bytes))
    {
        /*
         * The filter did not see the whole body (a protocol module that
         * bypasses request body filters): hash what nginx kept instead.
         */

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "fngate: body of %O bytes, %O hashed by the filter, "
                       "hashing the buffers", r->headers_in.content_length_n,
                       sig->body_bytes);

        sig->hash_failed = 0;
        sig->body_bytes = 0;

        if (r->request_body == NULL
            || EVP_DigestInit_ex(sig->sha, EVP_sha256(), NULL) != 1
            || ngx_http_fngate_hash_bufs(r, ctx) != NGX_OK
            || (r->headers_in.content_length_n >= 0
                && r->headers_in.content_length_n != sig->body_bytes))
        {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "fngate: body of %O bytes hashed as %O bytes",
                          r->headers_in.content_length_n, sig->body_bytes);
            return ngx_http_fngate_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                       "ServiceException", "The request body was not read.");
        }
    }

    if (EVP_DigestFinal_ex(sig->sha, md, &mdlen) != 1 || mdlen != 32) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "fngate: EVP_DigestFinal_ex() failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    EVP_MD_CTX_free(sig->sha);
    sig->sha = NULL;

    ngx_hex_dump(sig->payload_hash, md, 32);
    sig->payload_hash[FG_SHA256_HEX_LEN] = '\0';

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: body %O bytes, sha256 %s",
                   sig->body_bytes, sig->payload_hash);

    if (ngx_http_fngate_check_size(r, ctx, sig->body_bytes) != NGX_OK) {
        return NGX_DONE;
    }

    h = ngx_http_fngate_header(r, "x-amz-content-sha256",
                               sizeof("x-amz-content-sha256") - 1);

    if (h
        && (h->value.len != FG_SHA256_HEX_LEN
            || ngx_strncasecmp(h->value.data, sig->payload_hash,
                               FG_SHA256_HEX_LEN) != 0))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: x-amz-content-sha256 \"%V\" is not the "
                      "body's sha256 \"%s\"", &h->value, sig->payload_hash);
        return ngx_http_fngate_bad_signature(r,
                   "The provided 'x-amz-content-sha256' header does not "
                   "match what was computed.");
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_fngate_auth_verify(ngx_http_request_t *r, ngx_http_fngate_ctx_t *ctx)
{
    ngx_uint_t                   i, n;
    ngx_str_t                    path;
    fg_str_t                     secret;
    fg_header_t                 *headers;
    fg_sigv4_rc_t                rc;
    ngx_list_part_t             *part;
    ngx_table_elt_t             *h;
    fg_sigv4_request_t           req;
    ngx_http_fngate_loc_conf_t  *flcf;
    u_char                       key[FG_SIGV4_KEY_LEN];
    ngx_http_fngate_sigv4_t     *sig;

    sig = &ctx->sigv4;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fngate_module);

    n = 1;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    headers = ngx_palloc(r->pool, n * sizeof(fg_header_t));
    if (headers == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            headers[n].name.data = (char *) h[i].key.data;
            headers[n].name.len = h[i].key.len;
            headers[n].value.data = (char *) h[i].value.data;
            headers[n].value.len = h[i].value.len;
            n++;
        }
    }

    /* HTTP/2 sends ":authority" instead of a Host header */

    if (r->headers_in.host == NULL && r->headers_in.server.len) {
        headers[n].name.data = "host";
        headers[n].name.len = 4;
        headers[n].value.data = (char *) r->headers_in.server.data;
        headers[n].value.len = r->headers_in.server.len;
        n++;
    }

    if (ngx_http_fngate_raw_path(r, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    req.method.data = (char *) r->method_name.data;
    req.method.len = r->method_name.len;
    req.uri.data = (char *) path.data;
    req.uri.len = path.len;
    req.query.data = (char *) r->args.data;
    req.query.len = r->args.len;
    req.headers = headers;
    req.nheaders = n;
    req.payload_hash.data = (char *) sig->payload_hash;
    req.payload_hash.len = FG_SHA256_HEX_LEN;
    req.amz_date.data = (char *) sig->amz_date.data;
    req.amz_date.len = sig->amz_date.len;

    secret.data = (char *) sig->secret.data;
    secret.len = sig->secret.len;

    rc = ngx_http_fngate_signing_key(secret, &sig->header, key);
    if (rc == FG_SIGV4_OK) {
        rc = fg_sigv4_verify_key(&req, &sig->header, key, ngx_time(),
                                 (unsigned) flcf->clock_skew);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fngate: signature of \"%V\": %s", &sig->access_key,
                   fg_sigv4_strerror(rc));

    switch (rc) {

    case FG_SIGV4_OK:
        sig->authenticated = 1;
        return NGX_OK;

    case FG_SIGV4_NOMEM:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    case FG_SIGV4_EXPIRED:
        if (ngx_http_fngate_check_time(r, ctx,
                                       fg_sigv4_parse_date(req.amz_date),
                                       flcf->clock_skew)
            != NGX_OK)
        {
            return NGX_DONE;
        }

        break;

    case FG_SIGV4_MISSING_HEADER:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: signed header missing, or host not signed: "
                      "\"%*s\"", sig->header.signed_headers.len,
                      sig->header.signed_headers.data);
        return ngx_http_fngate_bad_signature(r,
                   "'Host' or ':authority' must be a 'SignedHeader' in the "
                   "AWS Authorization.");

    case FG_SIGV4_BAD_SCOPE:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "fngate: bad credential scope for access key \"%V\"",
                      &sig->access_key);
        return ngx_http_fngate_bad_signature(r,
                   "Credential should be scoped with a valid terminator: "
                   "'aws4_request'.");

    default:
        break;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "fngate: signature mismatch for access key \"%V\" (%s)",
                  &sig->access_key, fg_sigv4_strerror(rc));

    return ngx_http_fngate_bad_signature(r, "%s", ngx_http_fngate_mismatch);
}


/* The path as sent, still percent-encoded, without the query. */

ngx_int_t
ngx_http_fngate_raw_path(ngx_http_request_t *r, ngx_str_t *path)
{
    u_char  *p, *last;

    p = r->unparsed_uri.data;
    last = p + r->unparsed_uri.len;

    if (p == NULL) {
        *path = r->uri;
        return NGX_OK;
    }

    if (p < last && *p != '/') {
        /* "http://host/path": skip the scheme and the host */

        p = ngx_strlcasestrn(p, last, (u_char *) "://", 3 - 1);
        if (p == NULL) {
            *path = r->uri;
            return NGX_OK;
        }

        p += 3;

        while (p < last && *p != '/') {
            p++;
        }
    }

    path->data = p;

    while (p < last && *p != '?') {
        p++;
    }

    path->len = p - path->data;

    if (path->len == 0) {
        ngx_str_set(path, "/");
    }

    return NGX_OK;
}


/* The request's header of that name (any case), or NULL. */

ngx_table_elt_t *
ngx_http_fngate_header(ngx_http_request_t *r, const char *lowcase, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == len
                && ngx_strncasecmp(h[i].key.data, (u_char *) lowcase, len)
                   == 0)
            {
                return &h[i];
            }
        }
    }

    return NULL;
}


/* yyyymmddThhmmssZ */

static u_char *
ngx_http_fngate_amz_time(u_char *buf, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(buf, "%4d%02d%02dT%02d%02d%02dZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}


static fg_sigv4_rc_t
ngx_http_fngate_signing_key(fg_str_t secret, const fg_sigv4_auth_t *auth,
    u_char key[FG_SIGV4_KEY_LEN])
{
    u_char                     scope[NGX_HTTP_FNGATE_SIGKEY_SCOPE], *p;
    size_t                     scope_len;
    uint32_t                   h;
    fg_sigv4_rc_t              rc;
    ngx_http_fngate_sigkey_t  *e;

    scope_len = auth->date.len + auth->region.len + auth->service.len + 2;

    if (secret.len == 0 || secret.len > NGX_HTTP_FNGATE_SIGKEY_SECRET
        || scope_len > NGX_HTTP_FNGATE_SIGKEY_SCOPE)
    {
        return fg_sigv4_signing_key(secret, auth->date, auth->region,
                                    auth->service, key);
    }

    p = ngx_cpymem(scope, auth->date.data, auth->date.len);
    *p++ = '/';
    p = ngx_cpymem(p, auth->region.data, auth->region.len);
    *p++ = '/';
    ngx_memcpy(p, auth->service.data, auth->service.len);

    ngx_crc32_init(h);
    ngx_crc32_update(&h, (u_char *) secret.data, secret.len);
    ngx_crc32_update(&h, scope, scope_len);
    ngx_crc32_final(h);

    e = &ngx_http_fngate_sigkeys[h % NGX_HTTP_FNGATE_SIGKEYS];

    if (e->secret_len == secret.len && e->scope_len == scope_len
        && ngx_memcmp(e->secret, secret.data, secret.len) == 0
        && ngx_memcmp(e->scope, scope, scope_len) == 0)
    {
        ngx_memcpy(key, e->key, FG_SIGV4_KEY_LEN);
        return FG_SIGV4_OK;
    }

    rc = fg_sigv4_signing_key(secret, auth->date, auth->region,
                              auth->service, key);
    if (rc != FG_SIGV4_OK) {
        return rc;
    }

    e->secret_len = secret.len;
    e->scope_len = scope_len;
    ngx_memcpy(e->secret, secret.data, secret.len);
    ngx_memcpy(e->scope, scope, scope_len);
    ngx_memcpy(e->key, key, FG_SIGV4_KEY_LEN);

    return FG_SIGV4_OK;
}
