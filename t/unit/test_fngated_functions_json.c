/*
 * The suite fngated_functions_json of test_fngated: CreateFunction
 * validation (JSON, fields, environment, zip, runtimes), the stored form,
 * the answers, ListFunctions' query and the Update bodies
 * (fngated_functions_json.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_functions_json.h"
#include "test_fngated.h"

/* A CreateFunction body with ZIP replaced by zip_b64 and EXTRA spliced. */
static char *
body_with(const char *zip_b64, const char *extra)
{
    const char *fmt = "{\"FunctionName\":\"f1\",\"Runtime\":\"provided\","
        "\"Handler\":\"bootstrap\",\"Role\":\"arn:aws:iam::123456789012:"
        "role/r\",\"Code\":{\"ZipFile\":\"%s\"}%s}";
    size_t n = strlen(fmt) + strlen(zip_b64) + strlen(extra) + 1;
    char  *s = malloc(n);
    snprintf(s, n, fmt, zip_b64, extra);
    return s;
}

/* Expects a failure with status and type, message containing needle. */
static void
expect_fail(const char *body, int status, const char *type,
    const char *needle)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    int           rc = parse(body, &c, &r);

    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(r.status, status);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.error_type);
    CU_ASSERT_STRING_EQUAL(r.error_type, type);
    if (needle != NULL && strstr(r.message, needle) == NULL) {
        fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", r.message,
            needle);
        CU_FAIL("message");
    }
    /* Every error body is Lambda's {"Type","message"}. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"Type\":\"User\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"message\":"));
    fgd_resp_free(&r);
}

static void
expect_fail_extra(const char *extra, int status, const char *type,
    const char *needle)
{
    char *body = body_with(ok_b64, extra);
    expect_fail(body, status, type, needle);
    free(body);
}

static void
expect_fail_zip(const zentry_t *e, size_t n, const char *needle)
{
    size_t   len;
    uint8_t *zip = make_zip(e, n, &len);
    char    *s = b64(zip, len), *body = body_with(s, "");

    expect_fail(body, 400, "InvalidParameterValueException", needle);
    free(body);
    free(s);
    free(zip);
}

static void
test_create_ok(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    char         *body = body_with(ok_b64, ",\"MemorySize\":256,\"Timeout\":"
        "30,\"Description\":\"d\",\"Environment\":{\"Variables\":{\"AA\":"
        "\"1\",\"BB_2\":\"x y\"}},\"Architectures\":[\"x86_64\"],"
        "\"PackageType\":\"Zip\",\"Publish\":false,\"Tags\":{\"k\":\"v\"}");

    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.name, "f1");
    CU_ASSERT_STRING_EQUAL(c.fn.handler, "bootstrap");
    CU_ASSERT_EQUAL(c.fn.memory_mb, 256);
    CU_ASSERT_EQUAL(c.fn.timeout_s, 30);
    CU_ASSERT_STRING_EQUAL(c.fn.description, "d");
    CU_ASSERT_STRING_EQUAL(c.fn.role, "arn:aws:iam::123456789012:role/r");
    CU_ASSERT_STRING_EQUAL(c.fn.environment, "{\"AA\":\"1\",\"BB_2\":\"x y\"}");
    CU_ASSERT_EQUAL(strlen(c.fn.sha256), 64);
    CU_ASSERT_EQUAL(c.fn.code_size, c.zip_len);
    CU_ASSERT_EQUAL(strlen(c.fn.last_modified), 28);
    CU_ASSERT_EQUAL(strlen(c.fn.revision_id), 36);
    CU_ASSERT_FALSE(c.publish);
    fgd_create_clear(&c);
    free(body);

    /* Publish: true publishes version 1 along with $LATEST. */
    body = body_with(ok_b64, ",\"Publish\":true");
    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_TRUE(c.publish);
    fgd_create_clear(&c);
    free(body);

    /* Defaults. */
    body = body_with(ok_b64, "");
    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_EQUAL(c.fn.memory_mb, 128);
    CU_ASSERT_EQUAL(c.fn.timeout_s, 3);
    CU_ASSERT_STRING_EQUAL(c.fn.description, "");
    CU_ASSERT_PTR_NULL(c.fn.environment);
    fgd_create_clear(&c);
    free(body);
}

static void
test_create_bad_json(void)
{
    expect_fail("", 400, "InvalidRequestContentException", NULL);
    expect_fail("{", 400, "InvalidRequestContentException", NULL);
    expect_fail("{\"FunctionName\":}", 400, "InvalidRequestContentException",
        NULL);
    expect_fail("[1,2]", 400, "InvalidRequestContentException", "object");
    expect_fail("\"x\"", 400, "InvalidRequestContentException", "object");
    expect_fail("{\"FunctionName\":\"\xff\xfe\"}", 400,
        "InvalidRequestContentException", NULL);
    expect_fail("{\"FunctionName\":\"a\\u0000b\"}", 400,
        "InvalidRequestContentException", NULL);

    char *deep = malloc(100001);
    memset(deep, '[', 100000);
    deep[100000] = '\0';
    expect_fail(deep, 400, "InvalidRequestContentException", "nesting");
    free(deep);
}

static void
test_create_types(void)
{
    expect_fail("{\"FunctionName\":5}", 400,
        "InvalidRequestContentException", "FunctionName must be a string");
    expect_fail_extra(",\"Timeout\":\"3\"", 400,
        "InvalidRequestContentException", "Timeout must be an integer");
    expect_fail_extra(",\"MemorySize\":128.5", 400,
        "InvalidRequestContentException", "MemorySize");
    expect_fail_extra(",\"Environment\":[]", 400,
        "InvalidRequestContentException", "Environment");
    expect_fail_extra(",\"Environment\":{\"Variables\":{\"AA\":1}}", 400,
        "InvalidRequestContentException", "strings");
    expect_fail_extra(",\"Environment\":{\"Variables\":[]}", 400,
        "InvalidRequestContentException", "object");
    expect_fail_extra(",\"Architectures\":\"x86_64\"", 400,
        "InvalidRequestContentException", "Architectures");
    expect_fail_extra(",\"Publish\":\"yes\"", 400,
        "InvalidRequestContentException", "Publish");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":\"x\"}", 400,
        "InvalidRequestContentException", "Code must be an object");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":{\"ZipFile\":[]}}", 400,
        "InvalidRequestContentException", "ZipFile");
}

static void
test_create_fields(void)
{
    expect_fail("{}", 400, "InvalidParameterValueException",
        "functionName");
    expect_fail("{\"FunctionName\":\"bad name\"}", 400,
        "InvalidParameterValueException", "functionName");
    expect_fail("{\"FunctionName\":\"\"}", 400,
        "InvalidParameterValueException", "functionName");
    expect_fail("{\"FunctionName\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaa\"}", 400,
        "InvalidParameterValueException", "functionName");
    expect_fail("{\"FunctionName\":\"f\",\"Handler\":\"h\"}", 400,
        "InvalidParameterValueException", "Runtime and Handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\"}", 400,
        "InvalidParameterValueException", "Runtime and Handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"python3.12\","
        "\"Handler\":\"h\"}", 400, "InvalidParameterValueException",
        "python3.12");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"../h\"}", 400, "InvalidParameterValueException",
        "handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"/bin/sh\"}", 400, "InvalidParameterValueException",
        "handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"a b\"}", 400, "InvalidParameterValueException",
        "handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\"}", 400, "InvalidParameterValueException",
        "'code'");
    expect_fail_extra(",\"Timeout\":0", 400,
        "InvalidParameterValueException", "greater than or equal to 1");
    expect_fail_extra(",\"Timeout\":901", 400,
        "InvalidParameterValueException", "less than or equal to 900");
    expect_fail_extra(",\"MemorySize\":127", 400,
        "InvalidParameterValueException", "memorySize");
    expect_fail_extra(",\"MemorySize\":1025", 400,
        "InvalidParameterValueException", "less than or equal to 1024");
    expect_fail_extra(",\"PackageType\":\"Image\"", 400,
        "InvalidParameterValueException", "PackageType");
    expect_fail_extra(",\"Architectures\":[\"arm64\"]", 400,
        "InvalidParameterValueException", "x86_64");

    char desc[400];
    memset(desc, 'd', sizeof(desc));
    memcpy(desc, ",\"Description\":\"", 16);
    strcpy(desc + 16 + 257, "\"");
    expect_fail_extra(desc, 400, "InvalidParameterValueException",
        "description");
}

static void
test_create_env(void)
{
    char big[5000];
    int  i, n;

    expect_fail_extra(",\"Environment\":{\"Variables\":{\"AWS_REGION\":"
        "\"x\",\"OK\":\"1\",\"_HANDLER\":\"y\"}}", 400,
        "InvalidParameterValueException",
        "Reserved keys used in this request: AWS_REGION,_HANDLER");
    expect_fail_extra(",\"Environment\":{\"Variables\":{\"AWS_ACCESS_KEY_ID"
        "\":\"x\"}}", 400, "InvalidParameterValueException", "reserved");
    expect_fail_extra(",\"Environment\":{\"Variables\":{\"1A\":\"x\"}}", 400,
        "InvalidParameterValueException", "regular expression");
    n = snprintf(big, sizeof(big), ",\"Environment\":{\"Variables\":{");
    for (i = 0; i < 50; i++) {
        n += snprintf(big + n, sizeof(big) - (size_t) n,
            "%s\"VAR%02d\":\"%080d\"", i ? "," : "", i, 0);
    }
    snprintf(big + n, sizeof(big) - (size_t) n, "}}");
    expect_fail_extra(big, 400, "InvalidParameterValueException", "4KB");
}

static void
test_create_code(void)
{
    size_t    len;
    uint8_t  *zip;
    char     *s, *body;
    fgd_create_t c;
    fgd_resp_t   r;

    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":{\"S3Bucket\":\"b\",\"S3Key\":\"k\"}}",
        400, "InvalidParameterValueException", "ZipFile");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":{}}", 400,
        "InvalidParameterValueException", "ZipFile");
    body = body_with("not base64!", "");
    expect_fail(body, 400, "InvalidParameterValueException", "base64");
    free(body);
    /* valid base64 of something that is not a zip */
    body = body_with("aGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEgemlwIGZpbGUh", "");
    expect_fail(body, 400, "InvalidParameterValueException",
        "Could not unzip");
    free(body);
    body = body_with("", "");
    expect_fail(body, 400, "InvalidParameterValueException",
        "Could not unzip");
    free(body);

    {
        zentry_t e[] = { { "other", "x", 0 } };
        expect_fail_zip(e, 1, "handler \"bootstrap\"");
    }
    {
        zentry_t e[] = { { "bootstrap/", NULL, 0 } };
        expect_fail_zip(e, 1, "handler \"bootstrap\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "../evil", "x", 0 } };
        expect_fail_zip(e, 2, "\"..\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "a/../../evil", "x", 0 } };
        expect_fail_zip(e, 2, "\"..\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "/etc/evil", "x", 0 } };
        expect_fail_zip(e, 2, "absolute");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 },
                         { "link", "x", AE_IFLNK } };
        expect_fail_zip(e, 2, "regular file");
    }
    {
        zentry_t e[] = { { "./bootstrap", "x", 0 } };
        expect_fail_zip(e, 1, "\".\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "a//b", "x", 0 } };
        expect_fail_zip(e, 2, "empty");
    }

    /* Zip larger than max_code_size: 413. */
    {
        fgd_limits_t  small = { 64, 1 << 20, 1024 };
        body = body_with(ok_b64, "");
        memset(&r, 0, sizeof(r));
        CU_ASSERT_EQUAL(fgd_create_parse(body, strlen(body), &small, &c, &r),
            -1);
        CU_ASSERT_EQUAL(r.status, 413);
        CU_ASSERT_STRING_EQUAL(r.error_type, "RequestTooLargeException");
        fgd_resp_free(&r);
        free(body);
    }
    /* Unzipped larger than the limit. */
    {
        fgd_limits_t  small = { 1 << 20, 100, 1024 };
        char         *data = malloc(5001);
        memset(data, 'a', 5000);
        data[5000] = '\0';
        zentry_t e[] = { { "bootstrap", data, 0 } };
        zip = make_zip(e, 1, &len);
        s = b64(zip, len);
        body = body_with(s, "");
        memset(&r, 0, sizeof(r));
        CU_ASSERT_EQUAL(fgd_create_parse(body, strlen(body), &small, &c, &r),
            -1);
        CU_ASSERT_EQUAL(r.status, 400);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "Unzipped size"));
        fgd_resp_free(&r);
        free(body); free(s); free(zip); free(data);
    }
    /* A zip cut short. */
    {
        zip = make_zip(ok_zip, 3, &len);
        s = b64(zip, len / 2);
        body = body_with(s, "");
        expect_fail(body, 400, "InvalidParameterValueException",
            "Could not unzip");
        free(body); free(s); free(zip);
    }
}

static void
test_fields_roundtrip(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    fgd_fn_t      fn;
    const char   *fv[FGD_FN_FIELDS_MAX];
    size_t        lens[FGD_FN_FIELDS_MAX], n;
    char          buf[128];
    char         *body = body_with(ok_b64, ",\"Environment\":{\"Variables\":"
        "{\"KK\":\"v\"}},\"Timeout\":7");

    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    n = fgd_fn_to_fields(&c.fn, fv, lens, buf);
    CU_ASSERT_EQUAL(n % 2, 0);
    CU_ASSERT_EQUAL_FATAL(fgd_fn_from_fields(&fn, fv, lens, n), 0);
    CU_ASSERT_STRING_EQUAL(fn.name, "f1");
    CU_ASSERT_EQUAL(fn.timeout_s, 7);
    CU_ASSERT_EQUAL(fn.memory_mb, 128);
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"KK\":\"v\"}");
    CU_ASSERT_STRING_EQUAL(fn.sha256, c.fn.sha256);
    CU_ASSERT_STRING_EQUAL(fn.role, c.fn.role);
    CU_ASSERT_EQUAL(fn.code_size, c.fn.code_size);
    fgd_fn_clear(&fn);

    /* A record without CodeSha256 is corrupt. */
    CU_ASSERT_EQUAL(fgd_fn_from_fields(&fn, fv, lens, 16), -1);
    {
        const char *bad[] = { "FunctionName", "f", "Runtime", "provided",
            "Handler", "h", "MemorySize", "12x", "Timeout", "3",
            "CodeSha256", c.fn.sha256, "CodeSize", "5" };
        size_t bl[14], i;
        for (i = 0; i < 14; i++) {
            bl[i] = strlen(bad[i]);
        }
        CU_ASSERT_EQUAL(fgd_fn_from_fields(&fn, bad, bl, 14), -1);
        bad[7] = "128";
        CU_ASSERT_EQUAL(fgd_fn_from_fields(&fn, bad, bl, 14), 0);
        fgd_fn_clear(&fn);
    }
    fgd_create_clear(&c);
    free(body);
}

static void
test_json_out(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    char         *out, *body = body_with(ok_b64, ",\"Environment\":"
        "{\"Variables\":{\"KK\":\"v\"}}");
    size_t        len;
    yajl_val      v;
    const char   *p_name[] = { "FunctionName", NULL };
    const char   *p_arn[] = { "FunctionArn", NULL };
    const char   *p_ver[] = { "Version", NULL };
    const char   *p_state[] = { "State", NULL };
    const char   *p_env[] = { "Environment", "Variables", "KK", NULL };
    const char   *p_sha[] = { "CodeSha256", NULL };
    const char   *p_mem[] = { "MemorySize", NULL };
    const char   *p_cfg[] = { "Configuration", "FunctionName", NULL };
    const char   *p_loc[] = { "Code", "Location", NULL };
    const char   *p_conc[] = { "Concurrency", "ReservedConcurrentExecutions",
                             NULL };
    const char   *p_rt[] = { "Code", "RepositoryType", NULL };
    const char   *p_fns[] = { "Functions", NULL };
    const char   *p_next[] = { "NextMarker", NULL };

    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_EQUAL_FATAL(fgd_json_function_config(&c.fn, "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_EQUAL(strlen(out), len);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_name), "f1");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_arn),
        "arn:aws:lambda:us-east-1:123456789012:function:f1");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_ver), "$LATEST");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_state), "Active");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_env), "v");
    CU_ASSERT_EQUAL(strlen(jstr(v, p_sha)), 44);
    CU_ASSERT_EQUAL(YAJL_GET_INTEGER(yajl_tree_get(v, p_mem,
        yajl_t_number)), 128);
    yajl_tree_free(v);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_get_function(&c.fn, "us-east-1",
        "123456789012", -1, &out, &len), 0);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_cfg), "f1");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_rt), "S3");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(v, p_loc), "123456789012"));
    CU_ASSERT_PTR_NULL(yajl_tree_get(v, p_conc, yajl_t_any));
    yajl_tree_free(v);
    free(out);

    /* with a reserved concurrency, 0 included */
    CU_ASSERT_EQUAL_FATAL(fgd_json_get_function(&c.fn, "us-east-1",
        "123456789012", 0, &out, &len), 0);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(YAJL_GET_INTEGER(yajl_tree_get(v, p_conc,
        yajl_t_number)), 0);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_rt), "S3");
    yajl_tree_free(v);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_list_functions(&c.fn, 1, "f1",
        "us-east-1", "123456789012", &out, &len), 0);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(YAJL_GET_ARRAY(yajl_tree_get(v, p_fns,
        yajl_t_array))->len, 1);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_next), "f1");
    yajl_tree_free(v);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_list_functions(NULL, 0, "", "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Functions\":[]}");
    free(out);
    fgd_create_clear(&c);
    free(body);
}

static void
test_list_query(void)
{
    char        m[65];
    unsigned    n;
    fgd_resp_t  r = { 0 };

    CU_ASSERT_EQUAL(fgd_list_query("", m, sizeof(m), &n, &r), 0);
    CU_ASSERT_EQUAL(n, 50);
    CU_ASSERT_STRING_EQUAL(m, "");
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=2&Marker=abc", m, sizeof(m),
        &n, &r), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(m, "abc");
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=0", m, sizeof(m), &n, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=10001", m, sizeof(m), &n, &r),
        -1);
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=x", m, sizeof(m), &n, &r), -1);
    CU_ASSERT_EQUAL(fgd_list_query("Marker=a%20b", m, sizeof(m), &n, &r),
        -1);
    CU_ASSERT_EQUAL(fgd_list_query("Marker=%zz", m, sizeof(m), &n, &r), -1);
    fgd_resp_free(&r);
}

static void
test_update_parse(void)
{
    fgd_create_t  c;
    fgd_fn_t      fn;
    fgd_resp_t    r;
    char          rev[37], *b;
    size_t        n;

    memset(&r, 0, sizeof(r));
    n = strlen(ok_b64) + 64;
    b = malloc(n);
    snprintf(b, n, "{\"ZipFile\":\"%s\",\"Publish\":true}", ok_b64);
    CU_ASSERT_EQUAL_FATAL(fgd_update_code_parse(b, strlen(b), &lim,
        "provided", "bootstrap", &c, rev, &r), 0);
    CU_ASSERT_TRUE(c.publish);
    CU_ASSERT_EQUAL(strlen(c.fn.sha256), 64);
    CU_ASSERT_EQUAL(c.fn.code_size, c.zip_len);
    CU_ASSERT_STRING_EQUAL(rev, "");
    fgd_create_clear(&c);
    /* provided: any handler, the zip has a bootstrap */
    CU_ASSERT_EQUAL(fgd_update_code_parse(b, strlen(b), &lim, "provided",
        "other", &c, rev, &r), 0);
    fgd_create_clear(&c);
    free(b);
    /* without a bootstrap the zip must hold the current handler */
    {
        zentry_t  e[] = { { "h", "#!/bin/sh\n", 0 } };
        uint8_t  *zip = make_zip(e, 1, &n);
        char     *z = b64(zip, n);

        n = strlen(z) + 64;
        b = malloc(n);
        snprintf(b, n, "{\"ZipFile\":\"%s\"}", z);
        CU_ASSERT_EQUAL(fgd_update_code_parse(b, strlen(b), &lim,
            "provided", "h", &c, rev, &r), 0);
        fgd_create_clear(&c);
        expect_err(fgd_update_code_parse(b, strlen(b), &lim, "provided",
            "other", &c, rev, &r), &r, 400,
            "InvalidParameterValueException", "other");
        expect_err(fgd_update_code_parse(b, strlen(b), &lim,
            "provided.al2023", "h", &c, rev, &r), &r, 400,
            "InvalidParameterValueException", "bootstrap");
        free(b);
        free(z);
        free(zip);
    }
    b = "{\"Publish\":false}";
    expect_err(fgd_update_code_parse(b, strlen(b), &lim, "provided",
        "bootstrap", &c, rev, &r), &r, 400, "InvalidParameterValueException",
        "ZipFile");

    memset(&fn, 0, sizeof(fn));
    fn.memory_mb = 128;
    fn.timeout_s = 3;
    snprintf(fn.handler, sizeof(fn.handler), "bootstrap");
    fn.description = strdup("old");
    fn.role = strdup("");
    b = "{\"MemorySize\":256,\"Timeout\":10,\"Description\":\"new\","
        "\"Environment\":{\"Variables\":{\"A\":\"1\"}},"
        "\"Handler\":\"bin/h\",\"RevisionId\":\"r1\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_update_config_parse(b, strlen(b), &lim, &fn,
        rev, &r), -1);     /* "A": Lambda's names are 2+ characters */
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    b = "{\"MemorySize\":256,\"Timeout\":10,\"Description\":\"new\","
        "\"Environment\":{\"Variables\":{\"AB\":\"1\"}},"
        "\"Handler\":\"bin/h\",\"RevisionId\":\"r1\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_update_config_parse(b, strlen(b), &lim, &fn,
        rev, &r), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 256);
    CU_ASSERT_EQUAL(fn.timeout_s, 10);
    CU_ASSERT_STRING_EQUAL(fn.description, "new");
    CU_ASSERT_STRING_EQUAL(fn.handler, "bin/h");
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"AB\":\"1\"}");
    CU_ASSERT_STRING_EQUAL(rev, "r1");
    CU_ASSERT_EQUAL(strlen(fn.revision_id), 36);
    /* what is not given stays */
    b = "{\"Timeout\":20}";
    CU_ASSERT_EQUAL(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev,
        &r), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 256);
    CU_ASSERT_EQUAL(fn.timeout_s, 20);
    CU_ASSERT_STRING_EQUAL(fn.description, "new");
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"AB\":\"1\"}");
    b = "{\"MemorySize\":64}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "memorySize");
    b = "{\"Runtime\":\"python3.12\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "runtime");
    b = "{\"Handler\":\"../x\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "handler");
    CU_ASSERT_EQUAL(fn.timeout_s, 20);
    /* provided.al2*: the handler is any string without blanks */
    b = "{\"Runtime\":\"provided.al2\",\"Handler\":\"../any:thing\"}";
    CU_ASSERT_EQUAL(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev,
        &r), 0);
    CU_ASSERT_STRING_EQUAL(fn.runtime, "provided.al2");
    CU_ASSERT_STRING_EQUAL(fn.handler, "../any:thing");
    b = "{\"Handler\":\"a b\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "handler");
    /* back to provided: that handler is not a file name */
    b = "{\"Runtime\":\"provided\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "handler");
    CU_ASSERT_STRING_EQUAL(fn.runtime, "provided.al2");
    fgd_fn_clear(&fn);
}

static void
test_get_function_shared(void)
{
    fgd_fn_t  fn;
    char     *out = NULL;
    size_t    len;

    memset(&fn, 0, sizeof(fn));
    snprintf(fn.name, sizeof(fn.name), "f");
    snprintf(fn.sha256, sizeof(fn.sha256), "%064d", 0);
    CU_ASSERT_EQUAL_FATAL(fgd_json_get_function_shared(&fn, "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"Configuration\":{"));
    CU_ASSERT_PTR_NULL(strstr(out, "\"Code\""));
    CU_ASSERT_PTR_NULL(strstr(out, "Location"));
    free(out);
}

static void
test_env_controls_runtime(void)
{
    static const char *const  refused[] = { "PATH", "path", "LD_PRELOAD",
        "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONSTARTUP", "MALLOC_CHECK_",
        "AWS_LAMBDA_EXEC_WRAPPER", "AWS_ENDPOINT_URL", "LAMBDA_RUNTIME_DIR",
        "BROWSER", "BASH_ENV", "ENV", "PERL5OPT", "PERLLIB", "NODE_OPTIONS",
        "IFS", "SHELLOPTS", "HTTP_PROXY", "no_proxy", "GLIBC_TUNABLES",
        "GCONV_PATH", "SSL_CERT_FILE", "JAVA_TOOL_OPTIONS", "HOME",
        "RUBYOPT", "BASH_FUNC_x", "GIT_SSH_COMMAND", NULL };
    static const char *const  allowed[] = { "TENANT", "LEVEL", "PATHS_X",
        "MY_PATH", "ENVIRONMENT", "LOG_LEVEL", "NAP", "PROXY", "XAWS_", NULL };
    size_t  i;

    for (i = 0; refused[i] != NULL; i++) {
        if (!fgd_env_controls_runtime(refused[i])) {
            fprintf(stderr, "\n%s passes\n", refused[i]);
            CU_FAIL("a runtime variable passes");
        }
    }
    for (i = 0; allowed[i] != NULL; i++) {
        if (fgd_env_controls_runtime(allowed[i])) {
            fprintf(stderr, "\n%s refused\n", allowed[i]);
            CU_FAIL("a plain variable is refused");
        }
    }
}

/* The runtimes: what each needs in the zip and of the handler. */
static void
test_create_runtimes(void)
{
    static const zentry_t  boot[] = { { "bootstrap", "#!/bin/sh\n", 0 } };
    static const zentry_t  plain[] = { { "h", "#!/bin/sh\n", 0 },
                                       { "sub/bootstrap", "x", 0 } };
    static const char     *fmt = "{\"FunctionName\":\"f\",\"Runtime\":"
        "\"%s\",\"Handler\":\"%s\",\"Code\":{\"ZipFile\":\"%s\"}}";
    uint8_t               *zb, *zp;
    size_t                 lb, lp;
    char                  *sb, *sp, body[4096];
    fgd_create_t           c;
    fgd_resp_t             r;

    zb = make_zip(boot, 1, &lb);
    zp = make_zip(plain, 2, &lp);
    sb = b64(zb, lb);
    sp = b64(zp, lp);

    /* provided.al2 / al2023: a bootstrap at the root, any handler */
    snprintf(body, sizeof(body), fmt, "provided.al2023", "fn.handler:x", sb);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.runtime, "provided.al2023");
    CU_ASSERT_STRING_EQUAL(c.fn.handler, "fn.handler:x");
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided.al2", "../x", sb);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided.al2", "h", sp);
    expect_fail(body, 400, "InvalidParameterValueException",
        "provided.al2 function must contain an executable file named "
        "bootstrap");
    snprintf(body, sizeof(body), fmt, "provided.al2023", "a\\tb", sb);
    expect_fail(body, 400, "InvalidParameterValueException", "handler");

    /* provided: the handler file, or a bootstrap */
    snprintf(body, sizeof(body), fmt, "provided", "h", sp);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided", "function.handler", sb);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided", "function.handler", sp);
    expect_fail(body, 400, "InvalidParameterValueException",
        "there is no bootstrap");
    snprintf(body, sizeof(body), fmt, "nodejs22.x", "h", sp);
    expect_fail(body, 400, "InvalidParameterValueException",
        "use provided, provided.al2, provided.al2023, python3.11, "
        "nodejs18.x or nodejs20.x");

    /* python3.11: module.function, any zip */
    snprintf(body, sizeof(body), fmt, "python3.11", "app.handler", sp);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.runtime, "python3.11");
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "python3.11", "app handler", sp);
    expect_fail(body, 400, "InvalidParameterValueException", "handler");

    /* nodejs18.x, nodejs20.x: file.export, any zip */
    snprintf(body, sizeof(body), fmt, "nodejs20.x", "src/index.handler", sp);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.runtime, "nodejs20.x");
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "nodejs18.x", "index.handler", sp);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    free(zb);
    free(zp);
    free(sb);
    free(sp);
}

/* DeadLetterConfig: CreateFunction, the stored field, the answer,
 * UpdateFunctionConfiguration (an empty TargetArn removes it). */
static void
test_dead_letter(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    fgd_fn_t      fn;
    const char   *fv[FGD_FN_FIELDS_MAX], *b;
    size_t        lens[FGD_FN_FIELDS_MAX], n, len;
    char          buf[128], rev[37], *body, *out;

#define DLQ "arn:aws:sqs:us-east-1:123456789012:dlq"
    body = body_with(ok_b64, ",\"DeadLetterConfig\":{\"TargetArn\":\"" DLQ
        "\"}");
    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    free(body);
    CU_ASSERT_STRING_EQUAL(c.fn.dead_letter, DLQ);
    n = fgd_fn_to_fields(&c.fn, fv, lens, buf);
    CU_ASSERT(n <= FGD_FN_FIELDS_MAX);
    CU_ASSERT_EQUAL_FATAL(fgd_fn_from_fields(&fn, fv, lens, n), 0);
    CU_ASSERT_STRING_EQUAL(fn.dead_letter, DLQ);
    fgd_create_clear(&c);
    CU_ASSERT_EQUAL_FATAL(fgd_json_function_config(&fn, "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out,
        "\"DeadLetterConfig\":{\"TargetArn\":\"" DLQ "\"}"));
    free(out);

    /* UpdateFunctionConfiguration: kept when not given, removed by "" */
    b = "{\"Timeout\":5}";
    CU_ASSERT_EQUAL(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev,
        &r), 0);
    CU_ASSERT_STRING_EQUAL(fn.dead_letter, DLQ);
    b = "{\"DeadLetterConfig\":{\"TargetArn\":\"\"}}";
    CU_ASSERT_EQUAL(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev,
        &r), 0);
    CU_ASSERT_STRING_EQUAL(fn.dead_letter, "");
    CU_ASSERT_EQUAL_FATAL(fgd_json_function_config(&fn, "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_PTR_NULL(strstr(out, "DeadLetterConfig"));
    free(out);

    /* a queue only, of a valid ARN */
    b = "{\"DeadLetterConfig\":{\"TargetArn\":\"arn:aws:lambda:us-east-1:"
        "123456789012:function:f\"}}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "it must be an SQS queue");
    b = "{\"DeadLetterConfig\":{\"TargetArn\":\"arn:aws:sns:us-east-1:"
        "123456789012:t\"}}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "it must be an SQS queue");
    b = "{\"DeadLetterConfig\":{\"TargetArn\":\"dlq\"}}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException",
        "Value 'dlq' at 'deadLetterConfig.targetArn'");
    b = "{\"DeadLetterConfig\":{\"TargetArn\":7}}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidRequestContentException", NULL);
    b = "{\"DeadLetterConfig\":\"" DLQ "\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidRequestContentException", NULL);
    CU_ASSERT_STRING_EQUAL(fn.dead_letter, "");
    fgd_fn_clear(&fn);

    body = body_with(ok_b64, ",\"DeadLetterConfig\":{\"TargetArn\":\"arn:aws:"
        "sqs:us-east-1:123456789012:a:b\"}");
    expect_err(parse(body, &c, &r), &r, 400,
        "InvalidParameterValueException", "is not supported");
    free(body);
    fgd_create_clear(&c);
#undef DLQ
}

static void
test_runtime_carried(void)
{
    const char  *both = "nodejs20.x\npython3.11\n";

    CU_ASSERT_TRUE(fgd_runtime_carried(both, "python3.11"));
    CU_ASSERT_TRUE(fgd_runtime_carried(both, "nodejs20.x"));
    CU_ASSERT_FALSE(fgd_runtime_carried(both, "nodejs18.x"));
    /* whole lines only */
    CU_ASSERT_FALSE(fgd_runtime_carried(both, "python3.1"));
    CU_ASSERT_FALSE(fgd_runtime_carried(both, "odejs20.x"));
    CU_ASSERT_TRUE(fgd_runtime_carried("python3.11", "python3.11"));
    /* no disk: only the provided ones, and none given (provided) */
    CU_ASSERT_FALSE(fgd_runtime_carried("", "python3.11"));
    CU_ASSERT_TRUE(fgd_runtime_carried("", "provided.al2023"));
    CU_ASSERT_TRUE(fgd_runtime_carried("", ""));
}

const cu_test_t  functions_json_tests[] = {
    { "CreateFunction ok", test_create_ok },
    { "CreateFunction malformed JSON", test_create_bad_json },
    { "CreateFunction wrong types", test_create_types },
    { "CreateFunction bad fields", test_create_fields },
    { "CreateFunction environment", test_create_env },
    { "CreateFunction code", test_create_code },
    { "CreateFunction runtimes", test_create_runtimes },
    { "stored fields round trip", test_fields_roundtrip },
    { "response JSON", test_json_out },
    { "ListFunctions query", test_list_query },
    { "variables that control the runtime", test_env_controls_runtime },
    { "GetFunction for a grantee", test_get_function_shared },
    { "UpdateFunctionCode/Configuration bodies", test_update_parse },
    { "DeadLetterConfig", test_dead_letter },
    { "runtimes a host's disk carries", test_runtime_carried },
    { NULL, NULL }
};
