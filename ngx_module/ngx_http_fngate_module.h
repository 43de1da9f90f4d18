
/*
 * fngate: the Lambda REST API in front of fngated.
 *
 * Types shared by the files of ngx_http_fngate_module:
 *   ngx_http_fngate_module.c   directives, configuration, phase registration
 *   ngx_http_fngate_handler.c  the access phase handler and error responses
 *   ngx_http_fngate_auth.c     SigV4 verification
 *   ngx_http_fngate_lookup.c   routes, functions, permissions
 *   ngx_http_fngate_cache.c    the worker's cache of lookups, forgetting
 *   ngx_http_fngate_store.c    the Redis connections, the cluster's slot
 *                              map, commands of requests
 *   ngx_http_fngate_redis.c    the hiredis adapter for nginx's event loop
 *   ngx_http_fngate_var.c      the $fngate_* variables
 *   ngx_http_fngate_filter.c   header filter and request body filter
 *   ngx_http_fngate_api.c      APIs made of functions: route table, access
 */


#ifndef _NGX_HTTP_FNGATE_MODULE_H_INCLUDED_
#define _NGX_HTTP_FNGATE_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <openssl/evp.h>

#include "fg_cluster.h"
#include "fg_keys.h"
#include "fg_route.h"
#include "fg_sigv4.h"


#define NGX_HTTP_FNGATE_REQUEST_ID_LEN  36


typedef struct {
    ngx_str_t                  redis;          /* as configured */
    fg_redis_conf_t           *redis_conf;     /* its addresses, each host
                                                  numeric, and "cluster" */
    ngx_msec_t                 redis_timeout;
    ngx_msec_t                 cache_ttl;
} ngx_http_fngate_main_conf_t;


typedef struct {
    ngx_flag_t                 enable;
    ngx_str_t                  region;
    time_t                     clock_skew;
    size_t                     max_payload;
} ngx_http_fngate_loc_conf_t;


/* The steps of the access phase handler, in order. */
typedef enum {
    NGX_HTTP_FNGATE_STEP_START = 0,    /* headers, scope, route, size */
    NGX_HTTP_FNGATE_STEP_KEY,          /* the secret of the access key */
    NGX_HTTP_FNGATE_STEP_BODY,         /* read and hash the body */
    NGX_HTTP_FNGATE_STEP_VERIFY,       /* check the signature */
    NGX_HTTP_FNGATE_STEP_CHAIN,        /* a call's credentials: how deep */
    NGX_HTTP_FNGATE_STEP_ROUTE,        /* report route errors, set names */
    NGX_HTTP_FNGATE_STEP_API,          /* an API call: its route table */
    NGX_HTTP_FNGATE_STEP_API_ACCESS,   /* its subscription, its route */
    NGX_HTTP_FNGATE_STEP_ALIAS,        /* follow a cross-account alias */
    NGX_HTTP_FNGATE_STEP_PERMISSION,   /* may the caller act on it */
    NGX_HTTP_FNGATE_STEP_FUNCTION,     /* does the function exist */
    NGX_HTTP_FNGATE_STEP_DONE
} ngx_http_fngate_step_e;


typedef enum {
    NGX_HTTP_FNGATE_REDIS_OK = 0,
    NGX_HTTP_FNGATE_REDIS_DOWN,        /* no connection, or it was lost */
    NGX_HTTP_FNGATE_REDIS_TIMEOUT,     /* no answer in fngate_redis_timeout */
    NGX_HTTP_FNGATE_REDIS_BAD_REPLY    /* an error or unexpected reply */
} ngx_http_fngate_redis_rc_e;


/*
 * The kinds of the worker cache's entries, the first letter of their
 * names (ngx_http_fngate_cache_name()), and the parts that follow.
 */
typedef enum {
    NGX_HTTP_FNGATE_CACHE_KEY = 'k',           /* AKID: ACCOUNT SECRET, and
                                                  for a call's credentials
                                                  "\n" TOKEN ROLE BILLED
                                                  DEPTH ROOT EXPIRES
                                                  DEADLINE, each after a
                                                  "\n" */
    NGX_HTTP_FNGATE_CACHE_FUNCTION = 'f',      /* OWNER:NAME exists */
    NGX_HTTP_FNGATE_CACHE_ALIASES = 'a',       /* OWNER:NAME has a function
                                                  or aliases */
    NGX_HTTP_FNGATE_CACHE_ALIAS = 'x',         /* OWNER:NAME:ALIAS: its
                                                  target's ARN, or "-" */
    NGX_HTTP_FNGATE_CACHE_GRANT = 'g',         /* OWNER:NAME:QUALIFIER:
                                                  ACTION:GRANTEE: 1, or ""
                                                  for no */
    NGX_HTTP_FNGATE_CACHE_API = 't',           /* OWNER:API: route table */
    NGX_HTTP_FNGATE_CACHE_SUBSCRIPTION = 's'   /* OWNER:API:ACCOUNT: 1, or
                                                  "" for not approved */
} ngx_http_fngate_cache_e;


typedef struct ngx_http_fngate_store_cmd_s  ngx_http_fngate_store_cmd_t;

/*
 * Called with the reply of a command while the request still exists, once
 * the reply is of the type the command expects (a nil reply to a command
 * that expects a string is "not found" and calls no handler); copies what
 * it needs into the request's pool and returns NGX_HTTP_FNGATE_REDIS_OK or
 * NGX_HTTP_FNGATE_REDIS_BAD_REPLY.
 */
typedef ngx_int_t (*ngx_http_fngate_redis_handler_pt)(ngx_http_request_t *r,
    redisReply *reply);


#define NGX_HTTP_FNGATE_LOOKUP_ARGS  12

/*
 * A lookup through the worker's cache (ngx_http_fngate_lookup_cached()):
 * its name in the cache, and the Redis command that answers it when the
 * cache does not.  The reply handler sets ctx->redis.found and, when
 * found, ctx->redis.value, the answer that is cached ("1" when it sets
 * none: the lookup asks only yes or no).
 */
typedef struct {
    ngx_str_t                          name;
    ngx_http_fngate_redis_handler_pt   handler;
    int                                type;      /* of the reply:
                                                     REDIS_REPLY_* */
    ngx_uint_t                         negative;  /* "not found" is cached
                                                     too */
    int                                argc;
    const char                        *argv[NGX_HTTP_FNGATE_LOOKUP_ARGS];
    size_t                             argvlen[NGX_HTTP_FNGATE_LOOKUP_ARGS];
} ngx_http_fngate_lookup_t;


/* The signature of a request and the body it covers. */
typedef struct {
    fg_sigv4_auth_t            header;        /* the Authorization header's
                                                 parts; point into
                                                 headers_in */
    ngx_str_t                  amz_date;
    ngx_str_t                  access_key;
    ngx_str_t                  secret;        /* of the access key */
    EVP_MD_CTX                *sha;           /* body hash in progress */
    off_t                      body_bytes;    /* bytes hashed */
    u_char                     payload_hash[FG_SHA256_HEX_LEN + 1];

    unsigned                   waiting_body:1;   /* the body is being read
                                                    after we returned */
    unsigned                   body_read:1;      /* the body is complete */
    unsigned                   hash_failed:1;    /* a body buffer was not
                                                    in memory */
    unsigned                   authenticated:1;  /* the signature verified */
} ngx_http_fngate_sigv4_t;


/* Who calls what, on whose behalf: the names the access phase decides. */
typedef struct {
    fg_route_t                 route;
    fg_route_rc_t              route_rc;

    ngx_str_t                  action;        /* fg_action_name() */
    ngx_str_t                  caller;        /* the access key's account */
    ngx_str_t                  owner;
    ngx_str_t                  function;
    ngx_str_t                  qualifier;
    ngx_str_t                  billing_account;
    ngx_str_t                  pool_key;      /* VM dedication key; ""
                                                 is the billed account */
    ngx_str_t                  alias;         /* the cross-account alias
                                                 ARN the call goes through,
                                                 or "" */
    ngx_str_t                  alias_owner;   /* that alias's account (the
                                                 caller, or an account
                                                 that granted the caller
                                                 the alias): billed, its
                                                 VMs; points to via_account */
    u_char                     via_account[FG_ACCOUNT_LEN + 1];
    u_char                     via_function[FG_FUNCTION_NAME_MAX + 1];
    u_char                     via_qualifier[FG_QUALIFIER_MAX + 1];

    /* The chain of calls: signed with the temporary credentials of a
     * call (an ASIA key), the call is one level deeper than that one and
     * billed to the account that one was billed to. */
    ngx_str_t                  role;          /* the credentials' role ARN,
                                                 or "" */
    ngx_str_t                  chain_billed;  /* the chain's billed account */
    ngx_str_t                  root_id;       /* the chain's first request
                                                 id; "" is this call's */
    ngx_uint_t                 depth;         /* 1 for a client's call */
    ngx_str_t                  session_key;   /* those credentials' access
                                                 key id, or "" */
    ngx_str_t                  chain_deadline;  /* the latest end of the
                                                   call whose credentials
                                                   signed this one (Unix
                                                   ms), or "" */

    unsigned                   session:1;        /* signed with a call's
                                                    credentials */
    unsigned                   xalias:1;         /* the names are the
                                                    target of the caller's
                                                    cross-account alias */
    unsigned                   via_pending:1;    /* the alias owner's
                                                    grant to the caller is
                                                    still to be checked */
    unsigned                   xdenied:1;        /* its target's owner
                                                    grants it no more; the
                                                    function step answers
                                                    404 if the target is
                                                    gone, else 403 */
} ngx_http_fngate_call_t;


/* A call of an API made of functions (InvokeApi); "" otherwise. */
typedef struct {
    ngx_str_t                  name;
    ngx_str_t                  stage;
    ngx_str_t                  path;          /* after the stage, raw */
    ngx_str_t                  route;         /* the route id */
    ngx_str_t                  resource;      /* its path template */
    ngx_str_t                  policy;        /* caller | owner */
    ngx_str_t                  access;        /* private | granted | open */
    ngx_str_t                  headers;       /* JSON of the client's */
    ngx_str_t                  table;         /* fg_api.h's table text */
} ngx_http_fngate_api_t;


/* The Redis command of a lookup in flight, and its answer. */
typedef struct {
    ngx_http_fngate_store_cmd_t  *cmd;        /* the command in flight */
    ngx_event_t                timer;
    ngx_http_fngate_redis_rc_e  rc;
    ngx_int_t                  found;         /* set by a reply handler */
    ngx_str_t                  value;         /* and what it found */

    unsigned                   waiting:1;        /* a lookup is in flight */
    unsigned                   replied:1;        /* its outcome is in rc,
                                                    found and value */
    unsigned                   uncacheable:1;    /* the reply handler says
                                                    the answer must not be
                                                    cached (a call's
                                                    credentials, revoked
                                                    when it ends) */
} ngx_http_fngate_redis_t;


/* What the backend's response headers said, for the access log. */
typedef struct {
    ngx_str_t                  version;
    ngx_str_t                  function_error;
    ngx_str_t                  error_type;
    ngx_str_t                  duration_ms;
    ngx_str_t                  billed_ms;
    ngx_str_t                  memory_mb;
    ngx_str_t                  max_memory_mb;
    ngx_str_t                  init_ms;
    ngx_str_t                  queue_ms;
    ngx_str_t                  suspended_ms;   /* not billed: the call was
                                                  suspended (a wait) */
    ngx_str_t                  cold_start;
    ngx_str_t                  start_kind;
    ngx_str_t                  vm;
    ngx_str_t                  invocation_type; /* RequestResponse, or
                                                  Event: an attempt of an
                                                  asynchronous event */
    ngx_str_t                  attempt;        /* the event's attempt */
    ngx_str_t                  event_age_ms;   /* its age at the start */
    ngx_str_t                  event_id;       /* the request id of the
                                                  Invoke that sent it */
    ngx_str_t                  idempotent;     /* hit, stored, miss: a
                                                  call of an idempotent
                                                  function */
    ngx_str_t                  provisioned;    /* true: the call ran in a
                                                  sandbox kept by
                                                  provisioned concurrency
                                                  */
    ngx_str_t                  subscribed_api; /* CreateSubscription's
                                                  "OWNER:API" */
} ngx_http_fngate_result_t;


/*
 * The context of a main request in a fngate location, kept across an
 * internal redirect (ngx_http_fngate_find_ctx()).
 */
typedef struct {
    ngx_str_t                  request_id;
    ngx_http_fngate_step_e     step;          /* of the access phase */

    ngx_http_fngate_sigv4_t    sigv4;
    ngx_http_fngate_call_t     call;
    ngx_http_fngate_api_t      api;
    ngx_http_fngate_redis_t    redis;
    ngx_http_fngate_result_t   result;

    unsigned                   done:1;           /* access decided: allowed
                                                    or answered */
    unsigned                   allowed:1;        /* the request goes on to
                                                    the content phase */
} ngx_http_fngate_ctx_t;


/* ngx_http_fngate_handler.c */
ngx_int_t ngx_http_fngate_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_fngate_precontent_handler(ngx_http_request_t *r);
ngx_http_fngate_ctx_t *ngx_http_fngate_find_ctx(ngx_http_request_t *r);
ngx_http_fngate_ctx_t *ngx_http_fngate_get_ctx(ngx_http_request_t *r);
ngx_int_t ngx_http_fngate_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, const char *fmt, ...);
ngx_int_t ngx_http_fngate_verror(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, const char *fmt, va_list args);
ngx_int_t ngx_http_fngate_redis_failed(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
void ngx_http_fngate_resume(ngx_http_request_t *r);

/* ngx_http_fngate_auth.c */
ngx_int_t ngx_http_fngate_auth_start(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_auth_key(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_auth_body(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_auth_chain(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_auth_verify(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_raw_path(ngx_http_request_t *r, ngx_str_t *path);
ngx_table_elt_t *ngx_http_fngate_header(ngx_http_request_t *r,
    const char *lowcase, size_t len);
ngx_int_t ngx_http_fngate_hash_chain(ngx_http_request_t *r, ngx_chain_t *in);

/* ngx_http_fngate_lookup.c */
ngx_int_t ngx_http_fngate_lookup_cached(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_http_fngate_lookup_t *lk,
    ngx_str_t *value);
void ngx_http_fngate_lookup_init(ngx_http_fngate_lookup_t *lk,
    const char *command, int type, ngx_http_fngate_redis_handler_pt handler,
    ngx_uint_t negative);
void ngx_http_fngate_lookup_arg(ngx_http_fngate_lookup_t *lk,
    const char *arg, size_t len);
ngx_int_t ngx_http_fngate_lookup_key(ngx_http_fngate_lookup_t *lk,
    u_char *key, size_t size, int n);
ngx_uint_t ngx_http_fngate_own_call(ngx_http_fngate_call_t *call);
ngx_int_t ngx_http_fngate_lookup_route(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_lookup_alias(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_lookup_permission(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_lookup_function(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);

/* ngx_http_fngate_cache.c */
ngx_int_t ngx_http_fngate_cache_init(ngx_cycle_t *cycle,
    ngx_http_fngate_main_conf_t *fmcf);
void ngx_http_fngate_cache_exit(void);
ngx_int_t ngx_http_fngate_cache_name(ngx_pool_t *pool, ngx_str_t *name,
    ngx_http_fngate_cache_e kind, ngx_uint_t n, ...);
ngx_int_t ngx_http_fngate_cache_get(ngx_str_t *name, ngx_str_t *value,
    ngx_pool_t *pool);
void ngx_http_fngate_cache_put(ngx_str_t *name, ngx_str_t *value,
    ngx_log_t *log);
void ngx_http_fngate_cache_delete(ngx_str_t *name);
void ngx_http_fngate_cache_forget(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);

/* ngx_http_fngate_api.c */
ngx_int_t ngx_http_fngate_api_table(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_api_access(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);

/* ngx_http_fngate_store.c */
ngx_int_t ngx_http_fngate_store_init(ngx_cycle_t *cycle,
    ngx_http_fngate_main_conf_t *fmcf);
void ngx_http_fngate_store_exit(ngx_cycle_t *cycle);
ngx_int_t ngx_http_fngate_store_command(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx, ngx_http_fngate_lookup_t *lk);
void ngx_http_fngate_store_detach(ngx_http_fngate_ctx_t *ctx);

/* ngx_http_fngate_redis.c */
ngx_int_t ngx_http_fngate_redis_attach(redisAsyncContext *ac, ngx_log_t *log);

/* ngx_http_fngate_var.c */
ngx_int_t ngx_http_fngate_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_fngate_request_id(ngx_http_request_t *r,
    ngx_http_fngate_ctx_t *ctx);
ngx_int_t ngx_http_fngate_deadline(ngx_http_request_t *r,
    ngx_str_t *deadline);

/* ngx_http_fngate_filter.c */
ngx_int_t ngx_http_fngate_filter_init(ngx_conf_t *cf);


extern ngx_module_t  ngx_http_fngate_module;


#endif /* _NGX_HTTP_FNGATE_MODULE_H_INCLUDED_ */
