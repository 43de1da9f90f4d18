/*
 * fg_action: the actions of fngate's API and what each one is, in one
 * table, read by the nginx module (its lookups, cache forgetting and
 * variables) and by fngated (fngated_dispatch.c: who may call, what the
 * call names, its body limit, whether it is billed), so that adding an
 * action is one enum value here, one row in fg_action.c, its path in
 * fg_route.c (or fg_api.c) and its handler in fngated_dispatch.c's table.
 *
 * A row says:
 *   name     the Lambda operation ("CreateFunction"), which the module
 *            passes to fngated as FNGATE_ACTION and writes in the log;
 *   iam      the IAM action ("lambda:InvokeFunction") errors name;
 *   object   what the call names and what must exist before it runs;
 *   caller   who may make it: the owner only, an account the owner's
 *            resource policy grants `grant` (an IAM action), or a
 *            subscriber of the owner's API;
 *   body     which body limit applies;
 *   billed   a call that runs code, whose billing line must be written;
 *   forget   which of the module's cached lookups a successful call makes
 *            stale in the worker that passed it.
 */

#ifndef FG_ACTION_H
#define FG_ACTION_H

#include <stdbool.h>

typedef enum {
    FG_ACTION_NONE = 0,             /* not an API path: 404 */
    FG_ACTION_CREATE_FUNCTION,
    FG_ACTION_LIST_FUNCTIONS,
    FG_ACTION_GET_FUNCTION,
    FG_ACTION_DELETE_FUNCTION,
    FG_ACTION_INVOKE,
    FG_ACTION_PUBLISH_VERSION,
    FG_ACTION_LIST_VERSIONS,
    FG_ACTION_GET_FUNCTION_CONFIGURATION,
    FG_ACTION_UPDATE_FUNCTION_CODE,
    FG_ACTION_UPDATE_FUNCTION_CONFIGURATION,
    FG_ACTION_CREATE_ALIAS,
    FG_ACTION_LIST_ALIASES,
    FG_ACTION_GET_ALIAS,
    FG_ACTION_UPDATE_ALIAS,
    FG_ACTION_DELETE_ALIAS,
    FG_ACTION_ADD_PERMISSION,
    FG_ACTION_REMOVE_PERMISSION,
    FG_ACTION_GET_POLICY,
    FG_ACTION_GET_EXECUTION_BOUNDS,
    FG_ACTION_PUT_EXECUTION_BOUNDS,
    FG_ACTION_DELETE_EXECUTION_BOUNDS,
    FG_ACTION_GET_ALIAS_OVERRIDES,
    FG_ACTION_PUT_ALIAS_OVERRIDES,
    FG_ACTION_DELETE_ALIAS_OVERRIDES,
    FG_ACTION_PUT_EVENT_INVOKE_CONFIG,      /* /2019-09-25/functions/NAME/ */
    FG_ACTION_UPDATE_EVENT_INVOKE_CONFIG,   /* event-invoke-config[/list] */
    FG_ACTION_GET_EVENT_INVOKE_CONFIG,
    FG_ACTION_DELETE_EVENT_INVOKE_CONFIG,
    FG_ACTION_LIST_EVENT_INVOKE_CONFIGS,
    FG_ACTION_PUT_FUNCTION_CONCURRENCY,
    FG_ACTION_GET_FUNCTION_CONCURRENCY,
    FG_ACTION_DELETE_FUNCTION_CONCURRENCY,
    FG_ACTION_PUT_PROVISIONED_CONCURRENCY,  /* /2019-09-30/functions/NAME/ */
    FG_ACTION_GET_PROVISIONED_CONCURRENCY,  /* provisioned-concurrency */
    FG_ACTION_DELETE_PROVISIONED_CONCURRENCY,
    FG_ACTION_LIST_PROVISIONED_CONCURRENCY,
    FG_ACTION_CREATE_API,           /* APIs made of functions: fg_api.h */
    FG_ACTION_LIST_APIS,
    FG_ACTION_GET_API,
    FG_ACTION_UPDATE_API,
    FG_ACTION_DELETE_API,
    FG_ACTION_CREATE_ROUTE,
    FG_ACTION_LIST_ROUTES,
    FG_ACTION_GET_ROUTE,
    FG_ACTION_UPDATE_ROUTE,
    FG_ACTION_DELETE_ROUTE,
    FG_ACTION_CREATE_SUBSCRIPTION,
    FG_ACTION_LIST_SUBSCRIPTIONS,
    FG_ACTION_LIST_API_SUBSCRIPTIONS,
    FG_ACTION_UPDATE_SUBSCRIPTION,
    FG_ACTION_GET_USAGE,            /* GET /2015-03-31/usage */
    FG_ACTION_GET_API_USAGE,        /* GET /2015-03-31/apis/API/usage */
    FG_ACTION_INVOKE_API,           /* ANY /apis/OWNER/API/STAGE/... */
    FG_ACTION_SQS,                  /* the queue service (SQS's API):
                                       POST / or /ACCOUNT/QUEUE; fngated
                                       reads the SQS action and checks
                                       the queue's owner and policy */
    FG_ACTION_METHOD_NOT_ALLOWED,   /* a known path with another method */
    FG_ACTION_CREATE_EVENT_SOURCE_MAPPING,  /* /2015-03-31/event-source- */
    FG_ACTION_LIST_EVENT_SOURCE_MAPPINGS,   /* mappings/[UUID]: the */
    FG_ACTION_GET_EVENT_SOURCE_MAPPING,     /* caller's own (fngated_esm.c) */
    FG_ACTION_UPDATE_EVENT_SOURCE_MAPPING,
    FG_ACTION_DELETE_EVENT_SOURCE_MAPPING,
    FG_ACTION_IAM,                  /* execution roles (IAM's API): the
                                       queue service's paths, signed for
                                       service "iam"; fngated reads the
                                       action (fngated_roles.c) */
    FG_ACTION_COUNT
} fg_action_t;

/* The calls one chain may hold: a call signed with the temporary
 * credentials of a call is one deeper; past this, calls that run code are
 * refused (RecursiveInvocationException). */
#define FG_CHAIN_MAX  16

/* What a call names, and what must exist before it runs. */
typedef enum {
    FG_OBJECT_ACCOUNT = 0,      /* the caller's account: no function name
                                   (CreateFunction reads it from the body;
                                   the API calls name an API) */
    FG_OBJECT_FUNCTION,         /* a function, which must exist */
    FG_OBJECT_FUNCTION_NAME,    /* a valid function name; fngated checks
                                   what exists (CreateAlias may start a
                                   name that is only cross-account
                                   aliases) */
    FG_OBJECT_ALIASES,          /* a function, or a name that only the
                                   caller's cross-account aliases have */
    FG_OBJECT_POLICY,           /* FG_OBJECT_ALIASES with a qualifier (an
                                   alias's policy), else
                                   FG_OBJECT_FUNCTION */
    FG_OBJECT_ROUTE             /* an API's route, which the module
                                   resolved to a function */
} fg_action_object_t;

/* Who may make a call on another account's resource. */
typedef enum {
    FG_CALLER_OWNER = 0,        /* nobody: the owner's own calls only */
    FG_CALLER_GRANTED,          /* an account the owner's resource policy
                                   grants the row's `grant` */
    FG_CALLER_SUBSCRIBER        /* an account the API's access mode lets
                                   call (its subscription) */
} fg_action_caller_t;

/* The largest body a call may send. */
typedef enum {
    FG_BODY_SMALL = 0,          /* a JSON request: 256 KiB */
    FG_BODY_CODE,               /* a zip in base64 (max_code_size) */
    FG_BODY_PAYLOAD,            /* an event (fngate_max_payload) */
    FG_BODY_QUEUE               /* an SQS call: a 256 KiB message or
                                   batch, form- or JSON-encoded: 2 MiB */
} fg_action_body_t;

/* What a successful call makes stale in the module's lookup cache. */
typedef enum {
    FG_FORGET_NOTHING = 0,
    FG_FORGET_FUNCTION,         /* the function (only when unqualified:
                                   DeleteFunction of a version leaves the
                                   function) */
    FG_FORGET_ALIAS,            /* the alias named */
    FG_FORGET_API,              /* the caller's API's route table */
    FG_FORGET_SUBSCRIPTION,     /* the API's table as one subscriber sees
                                   it (the path names the subscriber) */
    FG_FORGET_SUBSCRIBED        /* the API the body subscribed to, as the
                                   caller sees it */
} fg_action_forget_t;

typedef struct {
    const char          *name;
    const char          *iam;
    fg_action_object_t   object;
    fg_action_caller_t   caller;
    const char          *grant;         /* FG_CALLER_GRANTED's, else NULL */
    fg_action_body_t     body;
    bool                 billed;
    fg_action_forget_t   forget;
} fg_action_info_t;

/* The row of an action; FG_ACTION_NONE's (name "") for any value out of
 * range. */
const fg_action_info_t *fg_action_info(fg_action_t a);

/* "CreateFunction", "Invoke", ... ; "" for FG_ACTION_NONE and
 * FG_ACTION_METHOD_NOT_ALLOWED. */
const char *fg_action_name(fg_action_t a);
fg_action_t fg_action_from_name(const char *name);

#endif /* FG_ACTION_H */
