/*
 * The suite fngated_bounds_json of test_fngated: execution bounds, alias
 * overrides, and the overrides applied at call time
 * (fngated_bounds_json.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_bounds_json.h"
#include "test_fngated.h"

static void
test_bounds_parse(void)
{
    fgd_bounds_t  b;
    fgd_resp_t    r;
    const char   *s;
    char         *out;

    memset(&r, 0, sizeof(r));
    s = "{\"MaxMemorySize\":256,\"MaxTimeout\":10,\"AllowEnvironment\":true,"
        "\"AllowLogTail\":false,\"OverridableVariables\":[\"LOG_LEVEL\","
        "\"Tenant\"]}";
    CU_ASSERT_EQUAL_FATAL(fgd_bounds_parse(s, strlen(s), 512, &b, &r), 0);
    CU_ASSERT_EQUAL(b.max_memory_mb, 256);
    CU_ASSERT_EQUAL(b.max_timeout_s, 10);
    CU_ASSERT(b.allow_environment);
    CU_ASSERT(!b.allow_log_tail);
    CU_ASSERT_EQUAL_FATAL(b.nvars, 2);
    CU_ASSERT_STRING_EQUAL(b.vars[1], "Tenant");

    /* the stored form reads back the same */
    CU_ASSERT_EQUAL_FATAL(fgd_json_bounds(&b, NULL, &out, NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"MaxMemorySize\":256,\"MaxTimeout\":10,"
        "\"AllowEnvironment\":true,\"AllowLogTail\":false,"
        "\"OverridableVariables\":[\"LOG_LEVEL\",\"Tenant\"]}");
    CU_ASSERT_EQUAL(fgd_bounds_parse(out, strlen(out), FGD_MEMORY_LIMIT_MB,
        &b, &r), 0);
    CU_ASSERT_EQUAL(b.nvars, 2);
    free(out);

    /* nothing given: every default, shown with the function's ARN */
    s = "{}";
    CU_ASSERT_EQUAL_FATAL(fgd_bounds_parse(s, 2, 512, &b, &r), 0);
    CU_ASSERT_EQUAL(b.max_memory_mb, 0);
    CU_ASSERT_EQUAL(b.nvars, 0);
    CU_ASSERT_EQUAL_FATAL(fgd_json_bounds(&b, "arn:x", &out, NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"FunctionArn\":\"arn:x\","
        "\"AllowEnvironment\":false,\"AllowLogTail\":false,"
        "\"OverridableVariables\":[]}");
    free(out);

    s = "{\"MaxMemorySize\":1024}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "less than or equal to 512");
    s = "{\"MaxMemorySize\":64}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "greater than or equal to 128");
    s = "{\"MaxTimeout\":901}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "maxTimeout");
    s = "{\"MaxTimeout\":\"10\"}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "MaxTimeout must be an integer");
    s = "{\"AllowLogTail\":1}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "AllowLogTail must be a boolean");
    s = "{\"OverridableVariables\":\"A\"}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "must be an array");
    s = "{\"OverridableVariables\":[1]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "must be strings");
    s = "{\"OverridableVariables\":[\"1BAD\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "'1BAD' is not a variable name");
    s = "{\"OverridableVariables\":[\"AWS_REGION\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "'AWS_REGION'");
    s = "{\"OverridableVariables\":[\"LEVEL\",\"LD_PRELOAD\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "'LD_PRELOAD' controls the "
        "runtime");
    s = "{\"OverridableVariables\":[\"AB\",\"AB\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "names 'AB' twice");
    s = "{\"MaxMemory\":256}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "Unknown field 'MaxMemory'");
    s = "[]";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "JSON object");
    s = "{\"MaxTimeout\":";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "");
}

static void
test_overrides_parse(void)
{
    fgd_overrides_t  o;
    fgd_resp_t       r;
    const char      *s;
    char            *out;

    memset(&r, 0, sizeof(r));
    s = "{\"MemorySize\":256,\"Timeout\":5,\"Environment\":{\"Variables\":"
        "{\"TENANT\":\"bob\"}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_parse(s, strlen(s), 512, &o, &r), 0);
    CU_ASSERT_EQUAL(o.memory_mb, 256);
    CU_ASSERT_EQUAL(o.timeout_s, 5);
    CU_ASSERT_STRING_EQUAL(o.environment, "{\"TENANT\":\"bob\"}");
    CU_ASSERT_EQUAL_FATAL(fgd_json_overrides(&o, "arn:a", "rev", &out,
        NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"AliasArn\":\"arn:a\",\"MemorySize\":256,"
        "\"Timeout\":5,\"Environment\":{\"Variables\":{\"TENANT\":\"bob\"}},"
        "\"RevisionId\":\"rev\"}");
    free(out);
    fgd_overrides_clear(&o);

    /* an empty map and nothing at all are no overrides */
    s = "{\"Environment\":{\"Variables\":{}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_parse(s, strlen(s), 512, &o, &r), 0);
    CU_ASSERT_PTR_NULL(o.environment);
    CU_ASSERT_EQUAL_FATAL(fgd_json_overrides(&o, NULL, NULL, &out, NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{}");
    free(out);

    s = "{\"MemorySize\":600}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "memorySize");
    s = "{\"Timeout\":0}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "timeout");
    s = "{\"Environment\":{\"Variables\":{\"AWS_REGION\":\"x\"}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "reserved keys");
    s = "{\"Environment\":{\"Variables\":{\"K\":1}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidRequestContentException", "values must be strings");
    s = "{\"Environment\":{\"Vars\":{}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "Unknown field 'Vars'");
    s = "{\"Handler\":\"x\"}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "Unknown field 'Handler'");
    /* variables that steer the runtime: all named, nothing kept */
    s = "{\"Environment\":{\"Variables\":{\"TENANT\":\"b\","
        "\"LD_PRELOAD\":\"/x.so\",\"PYTHONSTARTUP\":\"x\","
        "\"https_proxy\":\"h\",\"path\":\"/x\"}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "can not be set by another "
        "account's alias: LD_PRELOAD,PYTHONSTARTUP,https_proxy,path");
    CU_ASSERT_PTR_NULL(o.environment);
    s = "";
    expect_err(fgd_overrides_parse(s, 0, 512, &o, &r), &r, 400,
        "InvalidRequestContentException", "empty body");
}

/* Bounds and overrides from JSON for the checks below. */
static void
bo_make(const char *bounds, const char *overrides, fgd_bounds_t *b,
    fgd_overrides_t *o)
{
    fgd_resp_t  r = { 0 };

    CU_ASSERT_EQUAL_FATAL(fgd_bounds_parse(bounds, strlen(bounds), 512, b,
        &r), 0);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_parse(overrides, strlen(overrides),
        512, o, &r), 0);
}

static void
test_overrides_allowed(void)
{
    fgd_bounds_t     b;
    fgd_overrides_t  o;
    fgd_fn_t         fn;
    fgd_resp_t       r;
    int              rc;

    memset(&fn, 0, sizeof(fn));
    memset(&r, 0, sizeof(r));
    fn.memory_mb = 256;
    fn.timeout_s = 3;

    /* no bounds: lower is fine, higher is refused without the number */
    bo_make("{}", "{\"MemorySize\":128,\"Timeout\":2}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
    bo_make("{}", "{\"MemorySize\":384}", &b, &o);
    rc = fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r);
    CU_ASSERT_PTR_NULL(strstr(r.message, "256"));
    expect_err(rc, &r, 400, "InvalidParameterValueException",
        "no more than the function's");
    fgd_overrides_clear(&o);
    bo_make("{}", "{\"Timeout\":4}", &b, &o);
    expect_err(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), &r, 400,
        "InvalidParameterValueException", "Timeout 4 exceeds");
    fgd_overrides_clear(&o);

    /* bounds set by the owner are told */
    bo_make("{\"MaxMemorySize\":512,\"MaxTimeout\":30}",
        "{\"MemorySize\":512,\"Timeout\":30}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
    bo_make("{\"MaxTimeout\":30}", "{\"Timeout\":31}", &b, &o);
    expect_err(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), &r, 400,
        "InvalidParameterValueException", "at most 30");
    fgd_overrides_clear(&o);

    /* variables: listed ones, or any where allowed */
    bo_make("{\"OverridableVariables\":[\"LEVEL\"]}",
        "{\"Environment\":{\"Variables\":{\"LEVEL\":\"debug\"}}}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
    bo_make("{\"OverridableVariables\":[\"LEVEL\"]}",
        "{\"Environment\":{\"Variables\":{\"TENANT\":\"b\"}}}", &b, &o);
    expect_err(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), &r, 400,
        "InvalidParameterValueException", "variable TENANT");
    fgd_overrides_clear(&o);
    bo_make("{\"AllowEnvironment\":true}",
        "{\"Environment\":{\"Variables\":{\"TENANT\":\"b\"}}}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
}

static void
test_overrides_apply(void)
{
    fgd_bounds_t     b;
    fgd_overrides_t  o;
    fgd_fn_t         fn;
    char             note[256];

    memset(&fn, 0, sizeof(fn));
    fn.memory_mb = 256;
    fn.timeout_s = 3;
    fn.environment = strdup("{\"SECRET\":\"s3\",\"LEVEL\":\"info\"}");

    /* within the bounds: all applied; the owner's variables stay, the
     * listed one is replaced, an added one joins */
    bo_make("{\"MaxMemorySize\":512,\"AllowEnvironment\":true,"
            "\"OverridableVariables\":[\"LEVEL\"]}",
        "{\"MemorySize\":512,\"Timeout\":2,\"Environment\":{\"Variables\":"
        "{\"LEVEL\":\"debug\",\"TENANT\":\"bob\"}}}", &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 512);
    CU_ASSERT_EQUAL(fn.timeout_s, 2);
    CU_ASSERT_STRING_EQUAL(fn.environment,
        "{\"SECRET\":\"s3\",\"LEVEL\":\"debug\",\"TENANT\":\"bob\"}");
    CU_ASSERT_STRING_EQUAL(note, "");
    fgd_overrides_clear(&o);

    /* the owner narrowed its bounds since: the owner's values win, and
     * the note says what was left out */
    free(fn.environment);
    fn.environment = strdup("{\"SECRET\":\"s3\",\"LEVEL\":\"info\"}");
    fn.memory_mb = 256;
    fn.timeout_s = 3;
    bo_make("{\"MaxMemorySize\":192}",
        "{\"MemorySize\":512,\"Timeout\":9,\"Environment\":{\"Variables\":"
        "{\"SECRET\":\"mine\",\"LEVEL\":\"debug\",\"TENANT\":\"bob\"}}}",
        &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 192);
    CU_ASSERT_EQUAL(fn.timeout_s, 3);
    CU_ASSERT_STRING_EQUAL(fn.environment,
        "{\"SECRET\":\"s3\",\"LEVEL\":\"info\"}");
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "MemorySize 512 above the bound "
        "192"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "Timeout 9 above the bound 3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable SECRET kept the owner's"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable TENANT not allowed"));
    fgd_overrides_clear(&o);

    /* a function without variables gets the alias's allowed ones */
    free(fn.environment);
    fn.environment = NULL;
    bo_make("{\"AllowEnvironment\":true}",
        "{\"Environment\":{\"Variables\":{\"TENANT\":\"bob\"}}}", &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"TENANT\":\"bob\"}");
    fgd_overrides_clear(&o);

    /* overrides stored before the rule: the runtime's variables are
     * left out (the owner's listed value stays) and noted */
    free(fn.environment);
    fn.environment = strdup("{\"PYTHONPATH\":\"/var/task/lib\"}");
    bo_make("{\"AllowEnvironment\":true}", "{}", &b, &o);
    b.nvars = 1;
    snprintf(b.vars[0], sizeof(b.vars[0]), "PYTHONPATH");
    o.environment = strdup("{\"PYTHONPATH\":\"/tmp\",\"LD_PRELOAD\":"
        "\"/x.so\",\"TENANT\":\"bob\"}");
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_STRING_EQUAL(fn.environment,
        "{\"PYTHONPATH\":\"/var/task/lib\",\"TENANT\":\"bob\"}");
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable PYTHONPATH controls the "
        "runtime"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable LD_PRELOAD controls the "
        "runtime"));
    fgd_overrides_clear(&o);
    free(fn.environment);
    fn.environment = strdup("{\"TENANT\":\"bob\"}");

    /* no overrides: fn is left alone */
    bo_make("{}", "{}", &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 192);
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"TENANT\":\"bob\"}");
    fgd_fn_clear(&fn);
}

const cu_test_t  bounds_json_tests[] = {
    { "PutExecutionBounds body", test_bounds_parse },
    { "PutAliasOverrides body", test_overrides_parse },
    { "overrides within bounds", test_overrides_allowed },
    { "overrides at call time", test_overrides_apply },
    { NULL, NULL }
};
