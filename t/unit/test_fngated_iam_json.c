/*
 * The suite fngated_iam_json of test_fngated: role and policy names, and
 * IAM-style policy documents checked and evaluated (fngated_iam_json.c).
 */

#include <string.h>

#include "fngated_iam_json.h"
#include "test_fngated.h"

static void
test_names(void)
{
    char  n[80];

    CU_ASSERT_TRUE(fgd_role_name_valid("fn-role_1+=,.@"));
    CU_ASSERT_FALSE(fgd_role_name_valid(""));
    CU_ASSERT_FALSE(fgd_role_name_valid("a/b"));
    CU_ASSERT_FALSE(fgd_role_name_valid("a b"));
    memset(n, 'r', 64);
    n[64] = '\0';
    CU_ASSERT_TRUE(fgd_role_name_valid(n));
    n[64] = 'r';
    n[65] = '\0';
    CU_ASSERT_FALSE(fgd_role_name_valid(n));
    CU_ASSERT_TRUE(fgd_policy_name_valid(n));
    CU_ASSERT_TRUE(fgd_role_path_valid("/"));
    CU_ASSERT_TRUE(fgd_role_path_valid("/service/lambda/"));
    CU_ASSERT_FALSE(fgd_role_path_valid("service/"));
    CU_ASSERT_FALSE(fgd_role_path_valid("/service"));
    CU_ASSERT_FALSE(fgd_role_path_valid("/a b/"));
}

static void
test_glob(void)
{
    CU_ASSERT_TRUE(fgd_iam_glob("*", "", false));
    CU_ASSERT_TRUE(fgd_iam_glob("lambda:*", "lambda:InvokeFunction", true));
    CU_ASSERT_TRUE(fgd_iam_glob("LAMBDA:invoke*", "lambda:InvokeFunction",
        true));
    CU_ASSERT_FALSE(fgd_iam_glob("LAMBDA:invoke*", "lambda:InvokeFunction",
        false));
    CU_ASSERT_TRUE(fgd_iam_glob("sqs:?endMessage", "sqs:SendMessage", true));
    CU_ASSERT_FALSE(fgd_iam_glob("sqs:Send", "sqs:SendMessage", true));
    CU_ASSERT_TRUE(fgd_iam_glob("arn:aws:lambda:*:*:function:f*:*",
        "arn:aws:lambda:us-east-1:123456789012:function:fx:prod", false));
    CU_ASSERT_FALSE(fgd_iam_glob("arn:aws:lambda:*:*:function:f:*",
        "arn:aws:lambda:us-east-1:123456789012:function:f", false));
    CU_ASSERT_TRUE(fgd_iam_glob("a*b*c", "aXXbYYbc", false));
    CU_ASSERT_FALSE(fgd_iam_glob("a*b*c", "aXXbYYb", false));
}

static void
check_bad(const char *doc, const char *needle)
{
    char  err[256];

    err[0] = '\0';
    CU_ASSERT_EQUAL(fgd_iam_policy_check(doc, strlen(doc), err,
        sizeof(err)), -1);
    if (strstr(err, needle) == NULL) {
        fprintf(stderr, "\n%s: \"%s\" lacks \"%s\"\n", doc, err, needle);
        CU_FAIL("message");
    }
}

static void
test_check(void)
{
    const char  *ok = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect"
        "\":\"Allow\",\"Action\":[\"lambda:InvokeFunction\",\"sqs:Send*\"],"
        "\"Resource\":\"*\"}]}";
    const char  *one = "{\"Statement\":{\"Sid\":\"a\",\"Effect\":\"Deny\","
        "\"Action\":\"*\",\"Resource\":[\"arn:aws:sqs:*:*:q\"]}}";
    char         err[256];

    CU_ASSERT_EQUAL(fgd_iam_policy_check(ok, strlen(ok), err, sizeof(err)),
        0);
    CU_ASSERT_EQUAL(fgd_iam_policy_check(one, strlen(one), err,
        sizeof(err)), 0);
    check_bad("not json", "Syntax errors");
    check_bad("[]", "Syntax errors");
    check_bad("{\"Version\":\"2012-10-17\"}", "Syntax errors");
    check_bad("{\"Statement\":[]}", "Syntax errors");
    check_bad("{\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"*\","
        "\"Resource\":\"*\"}]}", "Effect");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}",
        "must contain actions");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"Invoke\","
        "\"Resource\":\"*\"}]}", "prefaced by a vendor");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}",
        "must contain resources");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
        "\"Resource\":[]}]}", "must contain resources");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
        "\"Resource\":\"*\",\"Principal\":\"*\"}]}", "principal");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
        "\"Resource\":\"*\",\"Condition\":{}}]}", "Condition is not "
        "supported");
    check_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"*\","
        "\"Resource\":\"*\"}]}", "NotAction is not supported");
    check_bad("{\"Version\":\"2020-01-01\",\"Statement\":[{\"Effect\":"
        "\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "legacy");
}

static void
test_eval(void)
{
    const char  *doc = "{\"Version\":\"2012-10-17\",\"Statement\":["
        "{\"Effect\":\"Allow\",\"Action\":\"lambda:InvokeFunction\","
        "\"Resource\":\"arn:aws:lambda:*:123456789012:function:child*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"sqs:*\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Deny\",\"Action\":\"sqs:DeleteQueue\","
        "\"Resource\":\"*\"}]}";
    size_t       n = strlen(doc);

    CU_ASSERT_EQUAL(fgd_iam_policy_eval(doc, n, "lambda:InvokeFunction",
        "arn:aws:lambda:us-east-1:123456789012:function:child"),
        FGD_IAM_ALLOW);
    CU_ASSERT_EQUAL(fgd_iam_policy_eval(doc, n, "lambda:invokefunction",
        "arn:aws:lambda:us-east-1:123456789012:function:child:3"),
        FGD_IAM_ALLOW);
    CU_ASSERT_EQUAL(fgd_iam_policy_eval(doc, n, "lambda:InvokeFunction",
        "arn:aws:lambda:us-east-1:210987654321:function:child"),
        FGD_IAM_NO_MATCH);
    CU_ASSERT_EQUAL(fgd_iam_policy_eval(doc, n, "lambda:DeleteFunction",
        "arn:aws:lambda:us-east-1:123456789012:function:child"),
        FGD_IAM_NO_MATCH);
    CU_ASSERT_EQUAL(fgd_iam_policy_eval(doc, n, "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:123456789012:q"), FGD_IAM_ALLOW);
    CU_ASSERT_EQUAL(fgd_iam_policy_eval(doc, n, "sqs:DeleteQueue",
        "arn:aws:sqs:us-east-1:123456789012:q"), FGD_IAM_DENY);
    CU_ASSERT_EQUAL(fgd_iam_policy_eval("{", 1, "sqs:SendMessage", "*"),
        FGD_IAM_DENY);
}

const cu_test_t  iam_json_tests[] = {
    { "role and policy names", test_names },
    { "wildcards", test_glob },
    { "documents checked", test_check },
    { "documents evaluated", test_eval },
    { NULL, NULL }
};
