/*
 * The suite fngated_aliases_json of test_fngated: alias bodies and rules,
 * the weighted choice, the stored form, the list queries
 * (fngated_aliases_json.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_aliases_json.h"
#include "fngated_versions_json.h"
#include "test_fngated.h"

static void
test_alias_parse(void)
{
    fgd_alias_req_t  q;
    fgd_resp_t       r;
    const char      *b;

    memset(&r, 0, sizeof(r));
    b = "{\"Name\":\"live\",\"FunctionVersion\":\"1\","
        "\"Description\":\"d\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":0.25}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    CU_ASSERT_STRING_EQUAL(q.a.name, "live");
    CU_ASSERT_STRING_EQUAL(q.a.version, "1");
    CU_ASSERT_STRING_EQUAL(q.a.description, "d");
    CU_ASSERT_STRING_EQUAL(q.a.extra_version, "2");
    CU_ASSERT_DOUBLE_EQUAL(q.a.extra_weight, 0.25, 1e-12);
    CU_ASSERT_EQUAL(fgd_alias_check(&q.a, &r), 0);

    /* weights 0 and 1 are integers in JSON */
    b = "{\"Name\":\"a\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":1}}}";
    CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.a.extra_weight, 1.0, 1e-12);

    /* names */
    b = "{\"Name\":\"123\",\"FunctionVersion\":\"1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "at 'name'");
    b = "{\"Name\":\"a.b\",\"FunctionVersion\":\"1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "at 'name'");
    b = "{\"FunctionVersion\":\"1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "null at 'name'");
    b = "{\"Name\":\"x\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "functionVersion");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"v1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "functionVersion");
    /* routing */
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":1.5}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "less than or equal to 1.0");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":-0.1}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "greater than or equal to 0.0");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":0.5,\"3\":0.5}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "length less than or equal to 1");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"$LATEST\":0.5}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "Map keys");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":\"0.5\"}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidRequestContentException", "numbers");

    /* rules between fields */
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"$LATEST\","
        "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.5}}}";
    CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    expect_err(fgd_alias_check(&q.a, &r), &r, 400,
        "InvalidParameterValueException", "$LATEST is not supported");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"2\","
        "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.5}}}";
    CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    expect_err(fgd_alias_check(&q.a, &r), &r, 400,
        "InvalidParameterValueException", "already included");

    /* UpdateAlias: everything optional, an empty body changes nothing */
    CU_ASSERT_EQUAL(fgd_alias_parse("", 0, false, &q, &r), 0);
    CU_ASSERT_FALSE(q.has_version || q.has_description || q.has_routing);
    {
        fgd_alias_t a;

        memset(&a, 0, sizeof(a));
        snprintf(a.name, sizeof(a.name), "live");
        snprintf(a.version, sizeof(a.version), "1");
        snprintf(a.extra_version, sizeof(a.extra_version), "2");
        a.extra_weight = 0.5;
        b = "{\"FunctionVersion\":\"3\",\"RevisionId\":\"r\"}";
        CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), false, &q, &r), 0);
        CU_ASSERT_STRING_EQUAL(q.want_revision, "r");
        fgd_alias_merge(&a, &q);
        CU_ASSERT_STRING_EQUAL(a.version, "3");
        CU_ASSERT_STRING_EQUAL(a.extra_version, "2");  /* kept */
        b = "{\"RoutingConfig\":{}}";
        CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), false, &q, &r), 0);
        fgd_alias_merge(&a, &q);
        CU_ASSERT_STRING_EQUAL(a.extra_version, "");   /* cleared */
        CU_ASSERT_EQUAL(fgd_alias_check(&a, &r), 0);
    }
}

static void
test_alias_choose(void)
{
    fgd_alias_t  a;
    unsigned     i, extra = 0;

    memset(&a, 0, sizeof(a));
    snprintf(a.version, sizeof(a.version), "1");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.0), "1");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.99), "1");

    snprintf(a.extra_version, sizeof(a.extra_version), "2");
    a.extra_weight = 0.3;
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.0), "2");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.2999), "2");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.3), "1");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.9999), "1");
    /* over an even spread of u the share is the weight */
    for (i = 0; i < 1000; i++) {
        if (strcmp(fgd_alias_choose(&a, i / 1000.0), "2") == 0) {
            extra++;
        }
    }
    CU_ASSERT_EQUAL(extra, 300);
    a.extra_weight = 0.0;
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.0), "1");
    a.extra_weight = 1.0;
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.9999), "2");
}

static void
test_alias_stored(void)
{
    fgd_alias_t  a, b;
    const char  *fv[FGD_ALIAS_FIELDS_MAX];
    size_t       lens[FGD_ALIAS_FIELDS_MAX], n;
    char         buf[32], *json;
    size_t       len;

    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "live");
    snprintf(a.version, sizeof(a.version), "1");
    snprintf(a.description, sizeof(a.description), "prod");
    snprintf(a.extra_version, sizeof(a.extra_version), "2");
    a.extra_weight = 0.1;
    fgd_revision_new(a.revision_id);
    n = fgd_alias_to_fields(&a, fv, lens, buf);
    CU_ASSERT_EQUAL(n, 12);
    CU_ASSERT_EQUAL_FATAL(fgd_alias_from_fields(&b, fv, lens, n), 0);
    CU_ASSERT_STRING_EQUAL(b.name, "live");
    CU_ASSERT_STRING_EQUAL(b.version, "1");
    CU_ASSERT_STRING_EQUAL(b.description, "prod");
    CU_ASSERT_STRING_EQUAL(b.extra_version, "2");
    CU_ASSERT_DOUBLE_EQUAL(b.extra_weight, 0.1, 1e-15);
    CU_ASSERT_STRING_EQUAL(b.revision_id, a.revision_id);
    /* a record without its version is corrupt */
    CU_ASSERT_EQUAL(fgd_alias_from_fields(&b, fv + 4, lens + 4, n - 4), -1);

    CU_ASSERT_EQUAL_FATAL(fgd_json_alias(&a, "us-east-1", "123456789012",
        "f", &json, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"AliasArn\":\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f:live\",\"Name\":\"live\","
        "\"FunctionVersion\":\"1\",\"Description\":\"prod\","
        "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.1"));
    free(json);
    a.extra_version[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(fgd_json_alias(&a, "us-east-1", "123456789012",
        "f", &json, &len), 0);
    CU_ASSERT_PTR_NULL(strstr(json, "RoutingConfig"));
    free(json);
}

static void
test_list_queries(void)
{
    char        m[130], v[FGD_VERSION_LEN];
    unsigned    max;
    fgd_resp_t  r;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_versions_query("Marker=%24LATEST&MaxItems=2", m,
        sizeof(m), &max, &r), 0);
    CU_ASSERT_STRING_EQUAL(m, "$LATEST");
    CU_ASSERT_EQUAL(max, 2);
    CU_ASSERT_EQUAL(fgd_versions_query("Marker=12", m, sizeof(m), &max, &r),
        0);
    CU_ASSERT_EQUAL(max, FGD_LIST_DEFAULT);
    expect_err(fgd_versions_query("Marker=live", m, sizeof(m), &max, &r),
        &r, 400, "InvalidParameterValueException", "Marker");
    expect_err(fgd_versions_query("MaxItems=0", m, sizeof(m), &max, &r),
        &r, 400, "InvalidParameterValueException", "maxItems");

    CU_ASSERT_EQUAL(fgd_aliases_query("FunctionVersion=3&Marker=b", m,
        sizeof(m), &max, v, &r), 0);
    CU_ASSERT_STRING_EQUAL(v, "3");
    CU_ASSERT_STRING_EQUAL(m, "b");
    expect_err(fgd_aliases_query("FunctionVersion=x", m, sizeof(m), &max,
        v, &r), &r, 400, "InvalidParameterValueException",
        "functionVersion");
    expect_err(fgd_aliases_query("Marker=12", m, sizeof(m), &max, v, &r),
        &r, 400, "InvalidParameterValueException", "Marker");
}

const cu_test_t  aliases_json_tests[] = {
    { "alias bodies and rules", test_alias_parse },
    { "weighted alias choice", test_alias_choose },
    { "alias stored form and JSON", test_alias_stored },
    { "version and alias list queries", test_list_queries },
    { NULL, NULL }
};
