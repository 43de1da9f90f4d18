/*
 * fngated_dispatch: the checks lib/fg_action's table implies, and the
 * table of handlers (fngated_dispatch.h).  Adding an action is its row in
 * lib/fg_action.c and its handler here.
 */

#include <stdio.h>
#include <string.h>

#include "fngated_aliases.h"
#include "fngated_http_apis.h"
#include "fngated_bounds.h"
#include "fngated_concurrency.h"
#include "fngated_provisioned.h"
#include "fngated_dispatch.h"
#include "fngated_esm.h"
#include "fngated_event_config.h"
#include "fngated_functions.h"
#include "fngated_invoke.h"
#include "fngated_log.h"
#include "fngated_policy.h"
#include "fngated_queues.h"
#include "fngated_roles.h"
#include "fngated_usage.h"
#include "fngated_versions.h"

typedef struct {
    fgd_handler_pt  handler;
    bool            path;       /* reads the API, route id or subscriber
                                   of the path into q->route */
} fgd_dispatch_row_t;

static const fgd_dispatch_row_t  fgd_handlers[FG_ACTION_COUNT] = {
    [FG_ACTION_CREATE_FUNCTION] =        { fgd_function_create, false },
    [FG_ACTION_LIST_FUNCTIONS] =         { fgd_function_list, false },
    [FG_ACTION_GET_FUNCTION] =           { fgd_function_get, false },
    [FG_ACTION_DELETE_FUNCTION] =        { fgd_function_delete, false },
    [FG_ACTION_INVOKE] =                 { fgd_invoke, false },
    [FG_ACTION_PUBLISH_VERSION] =        { fgd_version_publish, false },
    [FG_ACTION_LIST_VERSIONS] =          { fgd_version_list, false },
    [FG_ACTION_GET_FUNCTION_CONFIGURATION] =
                                         { fgd_function_get_config, false },
    [FG_ACTION_UPDATE_FUNCTION_CODE] =   { fgd_function_update_code, false },
    [FG_ACTION_UPDATE_FUNCTION_CONFIGURATION] =
                                         { fgd_function_update_config,
                                           false },
    [FG_ACTION_CREATE_ALIAS] =           { fgd_alias_create, false },
    [FG_ACTION_LIST_ALIASES] =           { fgd_alias_list, false },
    [FG_ACTION_GET_ALIAS] =              { fgd_alias_get, false },
    [FG_ACTION_UPDATE_ALIAS] =           { fgd_alias_update, false },
    [FG_ACTION_DELETE_ALIAS] =           { fgd_alias_delete, false },
    [FG_ACTION_ADD_PERMISSION] =         { fgd_policy_add, false },
    [FG_ACTION_REMOVE_PERMISSION] =      { fgd_policy_remove, false },
    [FG_ACTION_GET_POLICY] =             { fgd_policy_get, false },
    [FG_ACTION_GET_EXECUTION_BOUNDS] =   { fgd_bounds_get, false },
    [FG_ACTION_PUT_EXECUTION_BOUNDS] =   { fgd_bounds_put, false },
    [FG_ACTION_DELETE_EXECUTION_BOUNDS] = { fgd_bounds_delete, false },
    [FG_ACTION_GET_ALIAS_OVERRIDES] =    { fgd_overrides_get, false },
    [FG_ACTION_PUT_ALIAS_OVERRIDES] =    { fgd_overrides_put, false },
    [FG_ACTION_DELETE_ALIAS_OVERRIDES] = { fgd_overrides_delete, false },
    [FG_ACTION_PUT_FUNCTION_CONCURRENCY] = { fgd_concurrency_put, false },
    [FG_ACTION_GET_FUNCTION_CONCURRENCY] = { fgd_concurrency_get, false },
    [FG_ACTION_DELETE_FUNCTION_CONCURRENCY] = { fgd_concurrency_delete,
                                               false },
    [FG_ACTION_PUT_PROVISIONED_CONCURRENCY] = { fgd_provisioned_put,
                                                false },
    [FG_ACTION_GET_PROVISIONED_CONCURRENCY] = { fgd_provisioned_get,
                                                false },
    [FG_ACTION_DELETE_PROVISIONED_CONCURRENCY] = { fgd_provisioned_delete,
                                                   false },
    [FG_ACTION_LIST_PROVISIONED_CONCURRENCY] = { fgd_provisioned_list,
                                                 false },
    [FG_ACTION_PUT_EVENT_INVOKE_CONFIG] =    { fgd_eic_put, false },
    [FG_ACTION_UPDATE_EVENT_INVOKE_CONFIG] = { fgd_eic_update, false },
    [FG_ACTION_GET_EVENT_INVOKE_CONFIG] =    { fgd_eic_get, false },
    [FG_ACTION_DELETE_EVENT_INVOKE_CONFIG] = { fgd_eic_delete, false },
    [FG_ACTION_LIST_EVENT_INVOKE_CONFIGS] =  { fgd_eic_list, false },
    [FG_ACTION_CREATE_API] =             { fgd_apis_create, true },
    [FG_ACTION_LIST_APIS] =              { fgd_apis_list, true },
    [FG_ACTION_GET_API] =                { fgd_apis_get, true },
    [FG_ACTION_UPDATE_API] =             { fgd_apis_update, true },
    [FG_ACTION_DELETE_API] =             { fgd_apis_delete, true },
    [FG_ACTION_CREATE_ROUTE] =           { fgd_routes_create, true },
    [FG_ACTION_LIST_ROUTES] =            { fgd_routes_list, true },
    [FG_ACTION_GET_ROUTE] =              { fgd_routes_get, true },
    [FG_ACTION_UPDATE_ROUTE] =           { fgd_routes_update, true },
    [FG_ACTION_DELETE_ROUTE] =           { fgd_routes_delete, true },
    [FG_ACTION_CREATE_SUBSCRIPTION] =    { fgd_subs_create, true },
    [FG_ACTION_LIST_SUBSCRIPTIONS] =     { fgd_subs_list_mine, true },
    [FG_ACTION_LIST_API_SUBSCRIPTIONS] = { fgd_subs_list_api, true },
    [FG_ACTION_UPDATE_SUBSCRIPTION] =    { fgd_subs_update, true },
    [FG_ACTION_GET_USAGE] =              { fgd_usage_account, true },
    [FG_ACTION_GET_API_USAGE] =          { fgd_usage_api, true },
    [FG_ACTION_INVOKE_API] =             { fgd_apis_invoke, false },
    [FG_ACTION_SQS] =                    { fgd_queues, false },
    [FG_ACTION_CREATE_EVENT_SOURCE_MAPPING] = { fgd_esm_create, true },
    [FG_ACTION_LIST_EVENT_SOURCE_MAPPINGS] =  { fgd_esm_list, true },
    [FG_ACTION_GET_EVENT_SOURCE_MAPPING] =    { fgd_esm_get, true },
    [FG_ACTION_UPDATE_EVENT_SOURCE_MAPPING] = { fgd_esm_update, true },
    [FG_ACTION_DELETE_EVENT_SOURCE_MAPPING] = { fgd_esm_delete, true },
    [FG_ACTION_IAM] =                    { fgd_iam, false },
};

int
fgd_dispatch_check(fgd_req_t *q, fgd_resp_t *r)
{
    const fg_action_info_t  *info;
    char                     arn[256];

    q->action_id = fg_action_from_name(q->action);
    if (q->action_id == FG_ACTION_NONE) {
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Unknown operation \"%.40s\"", q->action);
    }
    info = fg_action_info(q->action_id);

    if (!fg_account_valid(q->caller, strlen(q->caller))) {
        return fgd_error(r, 403, "AccessDeniedException",
            "The request carries no authenticated caller");
    }
    if (q->owner[0] == '\0') {
        q->owner = q->caller;
    }
    if (!fg_account_valid(q->owner, strlen(q->owner))) {
        return fgd_error(r, 403, "AccessDeniedException",
            "The request names an invalid function owner");
    }
    if (info->object != FG_OBJECT_ACCOUNT
        && !fg_function_name_valid(q->function, strlen(q->function)))
    {
        return fgd_pattern_error(r, q->function, 100, "functionName",
            FGD_FUNCTION_NAME_PATTERN);
    }
    if (q->qualifier[0] != '\0'
        && !fg_qualifier_valid(q->qualifier, strlen(q->qualifier)))
    {
        return fgd_pattern_error(r, q->qualifier, 130, "qualifier",
            FGD_QUALIFIER_PATTERN);
    }
    /* Management calls act on the caller's own functions only; another
     * account's code and settings are never shown (DESIGN.md).  The
     * module let through only what the owner's policy grants (Invoke, and
     * GetFunction / GetFunctionConfiguration, answered without the code's
     * location) and an API's calls its access mode allows. */
    if (info->caller == FG_CALLER_OWNER && strcmp(q->owner, q->caller) != 0) {
        fg_function_arn(arn, sizeof(arn), q->region, q->owner, q->function,
            "");
        return fgd_error(r, 403, "AccessDeniedException",
            "User: %s is not authorized to perform: lambda:%s on "
            "resource: %s", q->caller, q->action, arn);
    }
    /* a call made with a function's credentials: its role's policy */
    return fgd_role_gate(q, r);
}

size_t
fgd_dispatch_body_limit(const fgd_conf_t *conf, fg_action_t a)
{
    switch (fg_action_info(a)->body) {
    case FG_BODY_CODE:
        return conf->max_code_size / 3 * 4 + 8 + 256 * 1024;
    case FG_BODY_PAYLOAD:
        return FGD_MAX_PAYLOAD;
    case FG_BODY_QUEUE:
        return 2 * 1024 * 1024;
    default:
        return 256 * 1024;
    }
}

/* The names of the path, read with the module's own parser. */
static int
fgd_dispatch_path(fgd_req_t *q, fgd_resp_t *r)
{
    const char  *qm;

    qm = strchr(q->uri, '?');
    if (fg_route_parse(q->method, strlen(q->method), q->uri,
            qm ? (size_t) (qm - q->uri) : strlen(q->uri), "", 0, &q->route)
        != FG_ROUTE_OK || q->route.action != q->action_id)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The path of the request does not name a valid API, route or "
            "account");
    }
    return 0;
}

void
fgd_dispatch(fgd_req_t *q, fgd_resp_t *r)
{
    const fgd_dispatch_row_t  *row = &fgd_handlers[q->action_id];
    unsigned long long         avail;
    bool                       billed = fg_action_info(q->action_id)->billed;

    if (billed && !fgd_billing_log_room(q->conf, &avail)) {
        fgd_log("error", q->request_id, "the billing log's file system (%s) "
            "has %llu bytes free, under billing_log_reserve %zu: call "
            "refused", q->conf->billing_log, avail,
            q->conf->billing_log_reserve);
        fgd_error(r, 503, "ServiceException", "The billing log can not "
            "be written; the call was not run");
        return;
    }
    if (row->handler == NULL) {
        fgd_error(r, 404, "ResourceNotFoundException", "Unknown operation");
        return;
    }
    if (row->path && fgd_dispatch_path(q, r) != 0) {
        return;
    }

    row->handler(q, r);

    /* The disk filled while the call ran: its line would be lost, so the
     * result is withheld and the call is not billed. */
    if (billed && r->status != 0 && r->status < 500
        && !fgd_billing_log_room(q->conf, &avail))
    {
        fgd_log("error", q->request_id, "the billing log's file system (%s) "
            "has %llu bytes free, under billing_log_reserve %zu: the "
            "call's result (status %d) is withheld", q->conf->billing_log,
            avail, q->conf->billing_log_reserve, r->status);
        fgd_resp_free(r);
        fgd_error(r, 503, "ServiceException", "The billing log can not "
            "be written; the call ran, its result is not returned and it "
            "is not billed");
    }
}

fg_action_t
fgd_dispatch_missing(void)
{
    unsigned  a;

    for (a = FG_ACTION_NONE + 1; a < FG_ACTION_METHOD_NOT_ALLOWED; a++) {
        if (fgd_handlers[a].handler == NULL) {
            return (fg_action_t) a;
        }
    }
    return FG_ACTION_NONE;
}
