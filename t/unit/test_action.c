/*
 * CUnit tests of lib/fg_action.c: every action has one complete row, the
 * names round-trip, and the facts the module and fngated act on (who may
 * call, what is billed, which body limit, what the cache forgets) are the
 * ones docs/lambda-api.md and docs/cross-account.md document.
 */

#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_action.h"


static void
test_every_row(void)
{
    unsigned                 a, b;
    const fg_action_info_t  *i;

    for (a = FG_ACTION_NONE + 1; a < FG_ACTION_METHOD_NOT_ALLOWED; a++) {
        i = fg_action_info((fg_action_t) a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(i->name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(i->iam);
        CU_ASSERT(i->name[0] != '\0');
        /* the queue service's calls are SQS's (fngated reads which) */
        CU_ASSERT(strncmp(i->iam, a == FG_ACTION_SQS ? "sqs:" : "lambda:",
                          a == FG_ACTION_SQS ? 4 : 7) == 0);
        CU_ASSERT_EQUAL(fg_action_from_name(i->name), (fg_action_t) a);
        CU_ASSERT_STRING_EQUAL(fg_action_name((fg_action_t) a), i->name);
        /* a grant names an IAM action exactly when others may be granted */
        CU_ASSERT_EQUAL(i->caller == FG_CALLER_GRANTED, i->grant != NULL);
        for (b = a + 1; b < FG_ACTION_METHOD_NOT_ALLOWED; b++) {
            CU_ASSERT(strcmp(i->name, fg_action_name((fg_action_t) b)) != 0);
        }
    }
}


static void
test_none_and_out_of_range(void)
{
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_NONE), "");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_METHOD_NOT_ALLOWED), "");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_COUNT), "");
    CU_ASSERT_STRING_EQUAL(fg_action_name((fg_action_t) 1000), "");
    CU_ASSERT_EQUAL(fg_action_from_name(""), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_from_name(NULL), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_from_name("invoke"), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_from_name("InvokeFunction"), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_COUNT)->object,
        FG_OBJECT_ACCOUNT);
}


static void
test_callers(void)
{
    unsigned  a, granted = 0;

    CU_ASSERT_STRING_EQUAL(fg_action_info(FG_ACTION_INVOKE)->grant,
        "lambda:InvokeFunction");
    CU_ASSERT_STRING_EQUAL(fg_action_info(FG_ACTION_INVOKE)->iam,
        "lambda:InvokeFunction");
    CU_ASSERT_STRING_EQUAL(fg_action_info(FG_ACTION_GET_FUNCTION)->grant,
        "lambda:GetFunction");
    CU_ASSERT_STRING_EQUAL(
        fg_action_info(FG_ACTION_GET_FUNCTION_CONFIGURATION)->grant,
        "lambda:GetFunction");
    CU_ASSERT_STRING_EQUAL(
        fg_action_info(FG_ACTION_LIST_VERSIONS)->iam,
        "lambda:ListVersionsByFunction");
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_INVOKE_API)->caller,
        FG_CALLER_SUBSCRIBER);

    /* nothing else is ever granted to another account */
    for (a = 0; a < FG_ACTION_COUNT; a++) {
        granted += fg_action_info((fg_action_t) a)->caller
                   == FG_CALLER_GRANTED;
    }
    CU_ASSERT_EQUAL(granted, 3);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_DELETE_FUNCTION)->caller,
        FG_CALLER_OWNER);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_UPDATE_FUNCTION_CODE)->caller,
        FG_CALLER_OWNER);
}


static void
test_billed_and_bodies(void)
{
    unsigned                 a;
    const fg_action_info_t  *i;

    for (a = 0; a < FG_ACTION_COUNT; a++) {
        i = fg_action_info((fg_action_t) a);
        /* what runs code is billed and takes an event, and nothing else */
        CU_ASSERT_EQUAL(i->billed,
            a == FG_ACTION_INVOKE || a == FG_ACTION_INVOKE_API);
        CU_ASSERT_EQUAL(i->body == FG_BODY_PAYLOAD, i->billed);
        CU_ASSERT_EQUAL(i->body == FG_BODY_CODE,
            a == FG_ACTION_CREATE_FUNCTION
            || a == FG_ACTION_UPDATE_FUNCTION_CODE);
    }
}


static void
test_objects_and_forgetting(void)
{
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_CREATE_FUNCTION)->object,
        FG_OBJECT_ACCOUNT);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_LIST_FUNCTIONS)->object,
        FG_OBJECT_ACCOUNT);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_INVOKE)->object,
        FG_OBJECT_FUNCTION);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_CREATE_ALIAS)->object,
        FG_OBJECT_FUNCTION_NAME);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_GET_ALIAS)->object,
        FG_OBJECT_ALIASES);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_PUT_ALIAS_OVERRIDES)->object,
        FG_OBJECT_ALIASES);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_GET_POLICY)->object,
        FG_OBJECT_POLICY);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_INVOKE_API)->object,
        FG_OBJECT_ROUTE);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_GET_API_USAGE)->object,
        FG_OBJECT_ACCOUNT);

    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_DELETE_FUNCTION)->forget,
        FG_FORGET_FUNCTION);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_UPDATE_ALIAS)->forget,
        FG_FORGET_ALIAS);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_DELETE_ALIAS)->forget,
        FG_FORGET_ALIAS);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_CREATE_ROUTE)->forget,
        FG_FORGET_API);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_DELETE_API)->forget,
        FG_FORGET_API);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_UPDATE_SUBSCRIPTION)->forget,
        FG_FORGET_SUBSCRIPTION);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_CREATE_SUBSCRIPTION)->forget,
        FG_FORGET_SUBSCRIBED);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_GET_ROUTE)->forget,
        FG_FORGET_NOTHING);
}


static const cu_test_t  action_tests[] = {
    { "every action has a complete row", test_every_row },
    { "none and out of range", test_none_and_out_of_range },
    { "who may call", test_callers },
    { "billed calls and body limits", test_billed_and_bodies },
    { "objects and cache forgetting", test_objects_and_forgetting },
    { NULL, NULL }
};

static const cu_suite_t  action_suites[] = {
    { "fg_action", NULL, NULL, action_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(action_suites, CU_BRM_VERBOSE);
}
