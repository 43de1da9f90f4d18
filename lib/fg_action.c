/*
 * fg_action: the table of fg_action.h, one row per action.
 */

#include <stddef.h>
#include <string.h>

#include "fg_action.h"


/* object, caller and grant, body, billed, forget */
static const fg_action_info_t  fg_actions[FG_ACTION_COUNT] = {

    [FG_ACTION_NONE] = {
        "", "",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_CREATE_FUNCTION] = {
        "CreateFunction", "lambda:CreateFunction",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_CODE, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_FUNCTIONS] = {
        "ListFunctions", "lambda:ListFunctions",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_FUNCTION] = {
        "GetFunction", "lambda:GetFunction",
        FG_OBJECT_FUNCTION, FG_CALLER_GRANTED, "lambda:GetFunction",
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_FUNCTION] = {
        "DeleteFunction", "lambda:DeleteFunction",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_FUNCTION },

    [FG_ACTION_INVOKE] = {
        "Invoke", "lambda:InvokeFunction",
        FG_OBJECT_FUNCTION, FG_CALLER_GRANTED, "lambda:InvokeFunction",
        FG_BODY_PAYLOAD, true, FG_FORGET_NOTHING },

    [FG_ACTION_PUBLISH_VERSION] = {
        "PublishVersion", "lambda:PublishVersion",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_VERSIONS] = {
        "ListVersionsByFunction", "lambda:ListVersionsByFunction",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_FUNCTION_CONFIGURATION] = {
        "GetFunctionConfiguration", "lambda:GetFunctionConfiguration",
        FG_OBJECT_FUNCTION, FG_CALLER_GRANTED, "lambda:GetFunction",
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_FUNCTION_CODE] = {
        "UpdateFunctionCode", "lambda:UpdateFunctionCode",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_CODE, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_FUNCTION_CONFIGURATION] = {
        "UpdateFunctionConfiguration", "lambda:UpdateFunctionConfiguration",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_CREATE_ALIAS] = {
        "CreateAlias", "lambda:CreateAlias",
        FG_OBJECT_FUNCTION_NAME, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_ALIASES] = {
        "ListAliases", "lambda:ListAliases",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_ALIAS] = {
        "GetAlias", "lambda:GetAlias",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_ALIAS] = {
        "UpdateAlias", "lambda:UpdateAlias",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_ALIAS },

    [FG_ACTION_DELETE_ALIAS] = {
        "DeleteAlias", "lambda:DeleteAlias",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_ALIAS },

    [FG_ACTION_ADD_PERMISSION] = {
        "AddPermission", "lambda:AddPermission",
        FG_OBJECT_POLICY, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_REMOVE_PERMISSION] = {
        "RemovePermission", "lambda:RemovePermission",
        FG_OBJECT_POLICY, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_POLICY] = {
        "GetPolicy", "lambda:GetPolicy",
        FG_OBJECT_POLICY, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_EXECUTION_BOUNDS] = {
        "GetExecutionBounds", "lambda:GetExecutionBounds",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_PUT_EXECUTION_BOUNDS] = {
        "PutExecutionBounds", "lambda:PutExecutionBounds",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_EXECUTION_BOUNDS] = {
        "DeleteExecutionBounds", "lambda:DeleteExecutionBounds",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_ALIAS_OVERRIDES] = {
        "GetAliasOverrides", "lambda:GetAliasOverrides",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_PUT_ALIAS_OVERRIDES] = {
        "PutAliasOverrides", "lambda:PutAliasOverrides",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_ALIAS_OVERRIDES] = {
        "DeleteAliasOverrides", "lambda:DeleteAliasOverrides",
        FG_OBJECT_ALIASES, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_PUT_EVENT_INVOKE_CONFIG] = {
        "PutFunctionEventInvokeConfig", "lambda:PutFunctionEventInvokeConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_EVENT_INVOKE_CONFIG] = {
        "UpdateFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_EVENT_INVOKE_CONFIG] = {
        "GetFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_EVENT_INVOKE_CONFIG] = {
        "DeleteFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_EVENT_INVOKE_CONFIGS] = {
        "ListFunctionEventInvokeConfigs", "lambda:ListFunctionEventInvokeConfigs",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_PUT_FUNCTION_CONCURRENCY] = {
        "PutFunctionConcurrency", "lambda:PutFunctionConcurrency",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_FUNCTION_CONCURRENCY] = {
        "GetFunctionConcurrency", "lambda:GetFunctionConcurrency",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_FUNCTION_CONCURRENCY] = {
        "DeleteFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_PUT_PROVISIONED_CONCURRENCY] = {
        "PutProvisionedConcurrencyConfig",
        "lambda:PutProvisionedConcurrencyConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_PROVISIONED_CONCURRENCY] = {
        "GetProvisionedConcurrencyConfig",
        "lambda:GetProvisionedConcurrencyConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_PROVISIONED_CONCURRENCY] = {
        "DeleteProvisionedConcurrencyConfig",
        "lambda:DeleteProvisionedConcurrencyConfig",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_PROVISIONED_CONCURRENCY] = {
        "ListProvisionedConcurrencyConfigs",
        "lambda:ListProvisionedConcurrencyConfigs",
        FG_OBJECT_FUNCTION, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_CREATE_API] = {
        "CreateApi", "lambda:CreateApi",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_APIS] = {
        "ListApis", "lambda:ListApis",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_API] = {
        "GetApi", "lambda:GetApi",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_API] = {
        "UpdateApi", "lambda:UpdateApi",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_API },

    [FG_ACTION_DELETE_API] = {
        "DeleteApi", "lambda:DeleteApi",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_API },

    [FG_ACTION_CREATE_ROUTE] = {
        "CreateRoute", "lambda:CreateRoute",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_API },

    [FG_ACTION_LIST_ROUTES] = {
        "ListRoutes", "lambda:ListRoutes",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_ROUTE] = {
        "GetRoute", "lambda:GetRoute",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_ROUTE] = {
        "UpdateRoute", "lambda:UpdateRoute",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_API },

    [FG_ACTION_DELETE_ROUTE] = {
        "DeleteRoute", "lambda:DeleteRoute",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_API },

    [FG_ACTION_CREATE_SUBSCRIPTION] = {
        "CreateSubscription", "lambda:CreateSubscription",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_SUBSCRIBED },

    [FG_ACTION_LIST_SUBSCRIPTIONS] = {
        "ListSubscriptions", "lambda:ListSubscriptions",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_API_SUBSCRIPTIONS] = {
        "ListApiSubscriptions", "lambda:ListApiSubscriptions",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_SUBSCRIPTION] = {
        "UpdateSubscription", "lambda:UpdateSubscription",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_SUBSCRIPTION },

    [FG_ACTION_GET_USAGE] = {
        "GetUsage", "lambda:GetUsage",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_API_USAGE] = {
        "GetApiUsage", "lambda:GetApiUsage",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_INVOKE_API] = {
        "InvokeApi", "lambda:InvokeApi",
        FG_OBJECT_ROUTE, FG_CALLER_SUBSCRIBER, NULL,
        FG_BODY_PAYLOAD, true, FG_FORGET_NOTHING },

    [FG_ACTION_METHOD_NOT_ALLOWED] = {
        "", "",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_SQS] = {
        "SQS", "sqs:*",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_QUEUE, false, FG_FORGET_NOTHING },

    [FG_ACTION_CREATE_EVENT_SOURCE_MAPPING] = {
        "CreateEventSourceMapping", "lambda:CreateEventSourceMapping",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_LIST_EVENT_SOURCE_MAPPINGS] = {
        "ListEventSourceMappings", "lambda:ListEventSourceMappings",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_GET_EVENT_SOURCE_MAPPING] = {
        "GetEventSourceMapping", "lambda:GetEventSourceMapping",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_UPDATE_EVENT_SOURCE_MAPPING] = {
        "UpdateEventSourceMapping", "lambda:UpdateEventSourceMapping",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_DELETE_EVENT_SOURCE_MAPPING] = {
        "DeleteEventSourceMapping", "lambda:DeleteEventSourceMapping",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },

    [FG_ACTION_IAM] = {
        "IAM", "iam:*",
        FG_OBJECT_ACCOUNT, FG_CALLER_OWNER, NULL,
        FG_BODY_SMALL, false, FG_FORGET_NOTHING },
};


const fg_action_info_t *
fg_action_info(fg_action_t a)
{
    if ((unsigned) a >= FG_ACTION_COUNT) {
        return &fg_actions[FG_ACTION_NONE];
    }

    return &fg_actions[a];
}


const char *
fg_action_name(fg_action_t a)
{
    return fg_action_info(a)->name;
}


fg_action_t
fg_action_from_name(const char *name)
{
    unsigned  a;

    if (name == NULL || name[0] == '\0') {
        return FG_ACTION_NONE;
    }

    for (a = FG_ACTION_NONE + 1; a < FG_ACTION_COUNT; a++) {
        if (strcmp(name, fg_actions[a].name) == 0) {
            return (fg_action_t) a;
        }
    }

    return FG_ACTION_NONE;
}
