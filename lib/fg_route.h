/*
 * fg_route: which Lambda REST API call a request is, and which function it
 * names.  Shared by the nginx module (which decides) and fngated (which
 * trusts what the module passed, but uses the same names).
 *
 * Paths (API version 2015-03-31; the paths of APIs made of functions,
 * "/2015-03-31/apis...", "/2015-03-31/subscriptions" and the calls
 * "/apis/OWNER/API/STAGE/...", are fg_api.h's):
 *   POST   /2015-03-31/functions                      CreateFunction
 *   GET    /2015-03-31/functions/                     ListFunctions
 *          (also without the trailing slash)
 *   GET    /2015-03-31/functions/NAME                 GetFunction
 *   DELETE /2015-03-31/functions/NAME                 DeleteFunction
 *   POST   /2015-03-31/functions/NAME/invocations     Invoke
 *   POST   /2015-03-31/functions/NAME/versions        PublishVersion
 *   GET    /2015-03-31/functions/NAME/versions        ListVersionsByFunction
 *   GET    /2015-03-31/functions/NAME/configuration   GetFunctionConfiguration
 *   PUT    /2015-03-31/functions/NAME/configuration   UpdateFunction-
 *                                                     Configuration
 *   PUT    /2015-03-31/functions/NAME/code            UpdateFunctionCode
 *   POST   /2015-03-31/functions/NAME/aliases         CreateAlias
 *   GET    /2015-03-31/functions/NAME/aliases         ListAliases
 *   GET    /2015-03-31/functions/NAME/aliases/ALIAS   GetAlias
 *   PUT    /2015-03-31/functions/NAME/aliases/ALIAS   UpdateAlias
 *   DELETE /2015-03-31/functions/NAME/aliases/ALIAS   DeleteAlias
 *   POST   /2015-03-31/functions/NAME/policy          AddPermission
 *   GET    /2015-03-31/functions/NAME/policy          GetPolicy
 *   DELETE /2015-03-31/functions/NAME/policy/SID      RemovePermission
 *
 * Event source mappings (docs/event-sources.md), the caller's own:
 *   POST   /2015-03-31/event-source-mappings/        CreateEventSourceMapping
 *   GET    /2015-03-31/event-source-mappings/        ListEventSourceMappings
 *          (both also without the trailing slash)
 *   GET    /2015-03-31/event-source-mappings/UUID    GetEventSourceMapping
 *   PUT    /2015-03-31/event-source-mappings/UUID    UpdateEventSourceMapping
 *   DELETE /2015-03-31/event-source-mappings/UUID    DeleteEventSourceMapping
 * UUID (lowercase hex, 8-4-4-4-12) is in the route's mapping.
 *
 * The queue service (SQS's API, docs/queues.md): GET or POST "/" or
 * "/ACCOUNT/QUEUE" is FG_ACTION_SQS (the SQS action is in the body).
 *
 * fngate's own calls (docs/cross-account.md, "Execution overrides"):
 *   GET    /2015-03-31/functions/NAME/execution-bounds      GetExecutionBounds
 *   PUT    /2015-03-31/functions/NAME/execution-bounds      PutExecutionBounds
 *   DELETE /2015-03-31/functions/NAME/execution-bounds      DeleteExecution-
 *                                                           Bounds
 *   GET    /2015-03-31/functions/NAME/aliases/ALIAS/overrides  GetAlias-
 *                                                              Overrides
 *   PUT    .../aliases/ALIAS/overrides                      PutAliasOverrides
 *   DELETE .../aliases/ALIAS/overrides                      DeleteAlias-
 *                                                           Overrides
 *
 * Asynchronous invocation's configuration (API version 2019-09-25, the
 * only paths under that prefix; "event-invoke-config" under 2015-03-31 is
 * no path):
 *   PUT    /2019-09-25/functions/NAME/event-invoke-config  PutFunctionEvent-
 *                                                          InvokeConfig
 *   POST   /2019-09-25/functions/NAME/event-invoke-config  UpdateFunction-
 *                                                          EventInvokeConfig
 *   GET    /2019-09-25/functions/NAME/event-invoke-config  GetFunctionEvent-
 *                                                          InvokeConfig
 *   DELETE /2019-09-25/functions/NAME/event-invoke-config  DeleteFunction-
 *                                                          EventInvokeConfig
 *   GET    /2019-09-25/functions/NAME/event-invoke-config/list
 *                                              ListFunctionEventInvokeConfigs
 *
 * A function's reserved and provisioned concurrency (the only paths under
 * 2017-10-31 and 2019-09-30):
 *   PUT    /2017-10-31/functions/NAME/concurrency   PutFunctionConcurrency
 *   DELETE /2017-10-31/functions/NAME/concurrency   DeleteFunction-
 *                                                   Concurrency
 *   GET    /2019-09-30/functions/NAME/concurrency   GetFunctionConcurrency
 *   PUT    /2019-09-30/functions/NAME/provisioned-concurrency?Qualifier=Q
 *                                      PutProvisionedConcurrencyConfig
 *   GET    .../provisioned-concurrency?Qualifier=Q
 *                                      GetProvisionedConcurrencyConfig
 *   DELETE .../provisioned-concurrency?Qualifier=Q
 *                                      DeleteProvisionedConcurrencyConfig
 *   GET    .../provisioned-concurrency?List=ALL
 *                                      ListProvisionedConcurrencyConfigs
 *
 * The policy calls take "?Qualifier=" (or NAME:QUALIFIER) as the others;
 * RemovePermission's statement id is in statement_id, and "?RevisionId="
 * is left to fngated.
 *
 * For the .../aliases/ALIAS[/overrides] calls the alias name is the route's
 * qualifier (it is what they act on); NAME may then carry no qualifier of
 * its own, nor may "?Qualifier=" be given.
 *
 * NAME is percent-decoded and may be a plain name ("my-function"), a name
 * with a qualifier ("my-function:v1"), a partial ARN ("123456789012:function:
 * my-function") or a full ARN ("arn:aws:lambda:us-east-1:123456789012:
 * function:my-function[:QUALIFIER]").  "?Qualifier=" may also name the
 * qualifier.
 */

#ifndef FG_ROUTE_H
#define FG_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_action.h"

#define FG_ACCOUNT_LEN        12
#define FG_FUNCTION_NAME_MAX  64
#define FG_QUALIFIER_MAX      128
#define FG_REGION_MAX         31
#define FG_STATEMENT_ID_MAX   100
#define FG_API_NAME_MAX       64     /* APIs (fg_api.h) */
#define FG_API_STAGE_MAX      64
#define FG_API_ROUTE_ID_MAX   10
#define FG_QUEUE_NAME_MAX     80     /* queues (SQS), ".fifo" included */

typedef enum {
    FG_ROUTE_OK = 0,
    FG_ROUTE_NOT_FOUND,        /* no such API path */
    FG_ROUTE_BAD_METHOD,       /* path known, method not */
    FG_ROUTE_BAD_NAME,         /* function name / ARN invalid */
    FG_ROUTE_BAD_QUALIFIER,    /* qualifier invalid, or ARN and query
                                  disagree */
    FG_ROUTE_TOO_LONG,
    FG_ROUTE_BAD_STATEMENT_ID, /* RemovePermission's id invalid */
    FG_ROUTE_BAD_API,          /* an API name, route id or account in an
                                  API path is invalid */
    FG_ROUTE_BAD_PATH          /* an API call's path: traversal, "//",
                                  a bad escape */
} fg_route_rc_t;

typedef struct {
    fg_action_t  action;
    char         account[FG_ACCOUNT_LEN + 1];   /* from an ARN, else "" */
    char         region[FG_REGION_MAX + 1];     /* from an ARN, else "" */
    char         function[FG_FUNCTION_NAME_MAX + 1];  /* "" for list/create */
    char         qualifier[FG_QUALIFIER_MAX + 1];     /* "" if none */
    char         statement_id[FG_STATEMENT_ID_MAX + 1];
                                        /* RemovePermission's, else "" */
    char         api[FG_API_NAME_MAX + 1];      /* the API calls and
                                                   InvokeApi, else "" */
    char         stage[FG_API_STAGE_MAX + 1];   /* InvokeApi */
    char         route_id[FG_API_ROUTE_ID_MAX + 1];  /* .../routes/ID */
    char         subscriber[FG_ACCOUNT_LEN + 1];  /* .../subscriptions/A */
    char         mapping[37];   /* .../event-source-mappings/UUID */
} fg_route_t;

/*
 * Parses method + raw path (percent-encoded, no query) + raw query (no '?').
 * Returns FG_ROUTE_OK with r filled, or an error with r->action set as far
 * as it is known.
 */
fg_route_rc_t fg_route_parse(const char *method, size_t method_len,
    const char *path, size_t path_len, const char *query, size_t query_len,
    fg_route_t *r);

/* 1 to max of [A-Za-z0-9_-], the characters of every name of fngate's. */
bool fg_name_valid(const char *s, size_t len, size_t max);

/* Function names: 1-64 of [A-Za-z0-9_-]. */
bool fg_function_name_valid(const char *name, size_t len);

/* Queue names: 1-80 of [A-Za-z0-9_-], ".fifo" included when it ends so. */
bool fg_queue_name_valid(const char *name, size_t len);

/* Qualifiers: "$LATEST", a version number, or an alias name
 * ((?!^[0-9]+$)([a-zA-Z0-9-_]+), 1-128). */
bool fg_qualifier_valid(const char *q, size_t len);

/* Alias names: 1-128 of [A-Za-z0-9_-], not all digits. */
bool fg_alias_name_valid(const char *name, size_t len);

/* Statement ids of a resource policy: 1-100 of [A-Za-z0-9_-]. */
bool fg_statement_id_valid(const char *sid, size_t len);

/* Version numbers: 1-10 decimal digits, no leading zero. */
bool fg_version_valid(const char *v, size_t len);

/* 12 decimal digits. */
bool fg_account_valid(const char *a, size_t len);

/* A UUID as fngate makes them: 36 characters, lowercase hex in groups
 * of 8-4-4-4-12 separated by '-'. */
bool fg_uuid_valid(const char *s, size_t len);

/* Regions (fngate_region, fngated's "region", FNGATE_REGION): 1-31 of
 * [a-z0-9-].  In an ARN the region may not start or end with '-' either. */
bool fg_region_valid(const char *r, size_t len);

/* Percent-decodes src into dst (dst_size includes the NUL); -1 on bad
 * escapes or overflow, else the decoded length. */
int fg_url_decode(const char *src, size_t len, char *dst, size_t dst_size);

/* The query parameter named key, decoded into dst; 1 found, 0 not found,
 * -1 bad encoding or overflow. */
int fg_query_get(const char *query, size_t len, const char *key, char *dst,
    size_t dst_size);

/* "arn:aws:lambda:REGION:ACCOUNT:function:NAME" (+ ":QUALIFIER" when
 * qualifier is non-empty) into dst; returns snprintf's value. */
int fg_function_arn(char *dst, size_t size, const char *region,
    const char *account, const char *function, const char *qualifier);

/*
 * The target of a cross-account alias, as CreateAlias / UpdateAlias's
 * FunctionVersion gives it: the full ARN of a version or an alias of a
 * function ("arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER").
 * t gets account, region, function and qualifier.  Whose account it is
 * and whether the region is ours is the caller's to check.
 */
#define FG_TARGET_ARN_MAX  (sizeof("arn:aws:lambda::000000000000:function::") \
                            - 1 + FG_REGION_MAX + FG_FUNCTION_NAME_MAX     \
                            + FG_QUALIFIER_MAX)

typedef enum {
    FG_TARGET_OK = 0,
    FG_TARGET_BAD_ARN,        /* not a valid full function ARN */
    FG_TARGET_NO_QUALIFIER,   /* names a function, not a version or alias */
    FG_TARGET_LATEST          /* $LATEST: mutable code, refused */
} fg_target_rc_t;

bool fg_is_arn(const char *s, size_t len);
fg_target_rc_t fg_alias_target_parse(const char *s, size_t len,
    fg_route_t *t);

#endif /* FG_ROUTE_H */
