/*
 * fngated_req: one call as fngated_main.c reads it from nginx's FastCGI
 * params (HACKING.md) and fngated_dispatch.c hands it to the action's
 * handler.  Every handler is an fgd_handler_pt: it answers in r (a
 * complete Lambda-style error on failure) and returns 0 or -1.
 */

#ifndef FNGATED_REQ_H
#define FNGATED_REQ_H

#include <hiredis/hiredis.h>

#include "fg_action.h"
#include "fg_route.h"
#include "fngated_conf.h"
#include "fngated_functions_json.h"
#include "fngated_resp.h"

/* A thread's connections to Redis (fngated_redis.c). */
typedef struct fgd_redis_s  fgd_redis_t;

/* Reads a FastCGI param of the call ("" when absent). */
typedef const char *(*fgd_param_pt)(void *req, const char *name);

/*
 * A call of the provisioned concurrency keeper (fngated_provisioned.c):
 * fgd_invoke keeps want sandboxes of the qualifier's version initialised
 * in the owner's guests, making one more (an init-only INVOKE: no event
 * runs) when fewer are kept, and says what it found.
 */
typedef struct {
    unsigned  want;
    unsigned  kept;                     /* out: kept now */
    char      code[65];                 /* out: the version's code */
    char      config[65];               /* out: and configuration */
    char      version[FGD_VERSION_LEN]; /* out */
    unsigned  memory_mb;                /* out */
} fgd_provision_t;

typedef struct {
    const fgd_conf_t  *conf;
    fgd_redis_t      **redis;          /* this thread's connections
                                          (fngated_redis.h) */
    fg_action_t        action_id;
    const char        *request_id;
    const char        *action;         /* FNGATE_ACTION */
    const char        *caller;         /* FNGATE_CALLER, validated */
    const char        *owner;          /* function owner account */
    const char        *function;       /* FNGATE_FUNCTION */
    const char        *qualifier;      /* FNGATE_QUALIFIER, "" if none */
    const char        *pool_key;       /* VM dedication account */
    const char        *billing;        /* billed account */
    const char        *region;
    const char        *alias;          /* FNGATE_ALIAS: the cross-account
                                          alias ARN the call came by, or
                                          "" */
    const char        *log_type;       /* FNGATE_LOG_TYPE */
    const char        *invocation_type;
    const char        *event;          /* FNGATE_EVENT: the asynchronous
                                          event an attempt runs, or "" */
    const char        *role;           /* FNGATE_ROLE: the role ARN of the
                                          temporary credentials that
                                          signed the call (its policy
                                          decides), or "" */
    unsigned           depth;          /* FNGATE_CHAIN_DEPTH: 1 for a
                                          call a client made, N + 1 for
                                          one made with the credentials
                                          of a call at depth N */
    const char        *root_id;        /* FNGATE_ROOT_REQUEST_ID: the
                                          request id of the chain's first
                                          call (this one's at depth 1) */
    const char        *session;        /* FNGATE_SESSION: the access key
                                          id of the call's credentials
                                          when a call's (that call waits
                                          on this one), "" or NULL */
    const char        *deadline;       /* FNGATE_DEADLINE: the call's
                                          deadline, Unix ms, "" or NULL
                                          for none (fngated_deadline.h) */
    const char        *query;          /* QUERY_STRING */
    const char        *method;         /* REQUEST_METHOD */
    const char        *uri;            /* REQUEST_URI */
    fgd_param_pt       param;          /* any other param (InvokeApi's) */
    void              *param_req;      /* param's first argument */
    fg_route_t         route;          /* the names of the path, for the
                                          actions whose dispatch row
                                          reads it (the API calls) */
    const char        *body;
    size_t             body_len;
    fgd_provision_t   *provision;      /* the keeper's call, or NULL */
    char              *name;           /* FG_FUNCTION_NAME_MAX + 1 bytes:
                                          CreateFunction's FunctionName,
                                          for the log */
} fgd_req_t;

typedef int (*fgd_handler_pt)(const fgd_req_t *q, fgd_resp_t *r);

/* The calls on a whole function take no qualifier: 0, or -1 with a 400
 * in r (fngated_req.c). */
int fgd_req_no_qualifier(const fgd_req_t *q, fgd_resp_t *r);

/* The limits CreateFunction and UpdateFunctionCode check, from the
 * configuration (fngated_req.c). */
void fgd_req_limits(const fgd_req_t *q, fgd_limits_t *lim);

#endif /* FNGATED_REQ_H */
