/*
 * The suite fngated_versions_json of test_fngated: version numbers,
 * PublishVersion's body, a version's configuration (fngated_versions_json.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_versions_json.h"
#include "test_fngated.h"

static void
test_version_numbers(void)
{
    fgd_fn_t  fn;

    CU_ASSERT_EQUAL(fgd_version_next(""), 1);
    CU_ASSERT_EQUAL(fgd_version_next(NULL), 1);
    CU_ASSERT_EQUAL(fgd_version_next("0"), 1);
    CU_ASSERT_EQUAL(fgd_version_next("1"), 2);
    CU_ASSERT_EQUAL(fgd_version_next("41"), 42);
    CU_ASSERT_EQUAL(fgd_version_next("4294967294"), 4294967295ul);
    CU_ASSERT_EQUAL(fgd_version_next("4294967295"), 0);    /* used up */
    CU_ASSERT_EQUAL(fgd_version_next("x"), 0);
    CU_ASSERT_EQUAL(fgd_version_next("-1"), 0);

    memset(&fn, 0, sizeof(fn));
    CU_ASSERT_STRING_EQUAL(fgd_fn_version(&fn), "$LATEST");
    snprintf(fn.version, sizeof(fn.version), "7");
    CU_ASSERT_STRING_EQUAL(fgd_fn_version(&fn), "7");
}

static void
test_publish_parse(void)
{
    fgd_publish_t  p;
    fgd_resp_t     r;
    const char    *b;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_publish_parse("", 0, &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.sha256, "");
    CU_ASSERT_FALSE(p.has_description);

    /* base64 of sha256("") */
    b = "{\"CodeSha256\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\","
        "\"Description\":\"v1\",\"RevisionId\":\"abc\"}";
    CU_ASSERT_EQUAL(fgd_publish_parse(b, strlen(b), &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.sha256, "e3b0c44298fc1c149afbf4c8996fb924"
        "27ae41e4649b934ca495991b7852b855");
    CU_ASSERT_TRUE(p.has_description);
    CU_ASSERT_STRING_EQUAL(p.description, "v1");
    CU_ASSERT_STRING_EQUAL(p.revision_id, "abc");

    b = "{\"CodeSha256\":\"nope\"}";
    expect_err(fgd_publish_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "CodeSha256");
    b = "{\"Description\":5}";
    expect_err(fgd_publish_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "Description");
    b = "[1]";
    expect_err(fgd_publish_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "object");
}

static void
test_version_config_json(void)
{
    fgd_fn_t   fn;
    char      *json;
    size_t     len;

    memset(&fn, 0, sizeof(fn));
    snprintf(fn.name, sizeof(fn.name), "f");
    snprintf(fn.runtime, sizeof(fn.runtime), "provided");
    snprintf(fn.handler, sizeof(fn.handler), "h");
    snprintf(fn.sha256, sizeof(fn.sha256), "e3b0c44298fc1c149afbf4c8996fb924"
        "27ae41e4649b934ca495991b7852b855");
    snprintf(fn.version, sizeof(fn.version), "3");
    CU_ASSERT_EQUAL_FATAL(fgd_json_function_config(&fn, "us-east-1",
        "123456789012", &json, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"FunctionArn\":\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f:3\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"Version\":\"3\""));
    free(json);
}

const cu_test_t  versions_json_tests[] = {
    { "version numbers", test_version_numbers },
    { "PublishVersion body", test_publish_parse },
    { "a version's FunctionConfiguration", test_version_config_json },
    { NULL, NULL }
};
