/*
 * The suite fngated_policy_json of test_fngated: principals,
 * AddPermission's body, statement and policy JSON (fngated_policy_json.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_policy_json.h"
#include "test_fngated.h"

static void
test_principal(void)
{
    char  a[FG_ACCOUNT_LEN + 1];

    CU_ASSERT_EQUAL(fgd_principal_account("123456789012", a), 0);
    CU_ASSERT_STRING_EQUAL(a, "123456789012");
    CU_ASSERT_EQUAL(fgd_principal_account("arn:aws:iam::210987654321:root",
        a), 0);
    CU_ASSERT_STRING_EQUAL(a, "210987654321");
    CU_ASSERT_EQUAL(fgd_principal_account("*", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("s3.amazonaws.com", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("12345678901", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("1234567890123", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("arn:aws:iam::12345678901:root",
        a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account(
        "arn:aws:iam::123456789012:user/bob", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("arn:aws:iam::123456789012:rootx",
        a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account(NULL, a), -1);
}

static void
test_permission_parse(void)
{
    fgd_permission_t  p;
    fgd_resp_t        r;
    const char       *b;

    memset(&r, 0, sizeof(r));
    b = "{\"StatementId\":\"bob-1_x\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"arn:aws:iam::123456789012:root\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_permission_parse(b, strlen(b), &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.sid, "bob-1_x");
    CU_ASSERT_STRING_EQUAL(p.action, "lambda:InvokeFunction");
    CU_ASSERT_STRING_EQUAL(p.principal, "123456789012");
    CU_ASSERT_STRING_EQUAL(p.want_revision, "");

    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:GetFunction\","
        "\"Principal\":\"123456789012\",\"RevisionId\":"
        "\"0a1b2c3d-0000-4000-8000-000000000000\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_permission_parse(b, strlen(b), &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.action, "lambda:GetFunction");
    CU_ASSERT_STRING_EQUAL(p.want_revision,
        "0a1b2c3d-0000-4000-8000-000000000000");

    b = "{\"StatementId\":\"a b\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "at 'statementId'");
    b = "{\"StatementId\":\"a123456789b123456789c123456789d123456789"
        "e123456789f123456789g123456789h123456789i123456789j1234567890\","
        "\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "at 'statementId'");
    b = "{\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"1\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "null at 'statementId'");
    b = "{\"StatementId\":\"s\",\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "null at 'action'");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "null at 'principal'");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:*\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "'lambda:*' is not supported");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:DeleteFunction\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "is not supported");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"*\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "public access");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"sns.amazonaws.com\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "service principals");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"123456789012\",\"SourceArn\":\"arn:aws:s3:::b\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "SourceArn is not supported");
    b = "{\"StatementId\":1,\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "StatementId");
    b = "{\"StatementId\":";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "");
}

static void
test_policy_json(void)
{
    fgd_permission_t  p;
    char             *st = NULL, *out = NULL;
    size_t            len;
    const char       *sts[2];

    memset(&p, 0, sizeof(p));
    snprintf(p.sid, sizeof(p.sid), "s1");
    snprintf(p.action, sizeof(p.action), "lambda:InvokeFunction");
    snprintf(p.principal, sizeof(p.principal), "210987654321");
    CU_ASSERT_EQUAL_FATAL(fgd_json_statement(&p, "us-east-1",
        "123456789012", "f", "live", &st, &len), 0);
    CU_ASSERT_STRING_EQUAL(st, "{\"Sid\":\"s1\",\"Effect\":\"Allow\","
        "\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:root\"},"
        "\"Action\":\"lambda:InvokeFunction\",\"Resource\":"
        "\"arn:aws:lambda:us-east-1:123456789012:function:f:live\"}");
    CU_ASSERT_EQUAL(len, strlen(st));

    CU_ASSERT_EQUAL_FATAL(fgd_json_add_permission(st, &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Statement\":\"{\\\"Sid\\\":\\\"s1\\\","
        "\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":"
        "\\\"arn:aws:iam::210987654321:root\\\"},\\\"Action\\\":"
        "\\\"lambda:InvokeFunction\\\",\\\"Resource\\\":\\\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f:live\\\"}\"}");
    free(out);

    sts[0] = "{\"Sid\":\"a\"}";
    sts[1] = "{\"Sid\":\"b\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_json_policy(sts, 2, "rev", &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Policy\":\"{\\\"Version\\\":"
        "\\\"2012-10-17\\\",\\\"Id\\\":\\\"default\\\",\\\"Statement\\\":"
        "[{\\\"Sid\\\":\\\"a\\\"},{\\\"Sid\\\":\\\"b\\\"}]}\","
        "\"RevisionId\":\"rev\"}");
    free(out);
    free(st);
}

const cu_test_t  policy_json_tests[] = {
    { "policy principals", test_principal },
    { "AddPermission body", test_permission_parse },
    { "statement and policy JSON", test_policy_json },
    { NULL, NULL }
};
