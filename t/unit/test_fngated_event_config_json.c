/*
 * CUnit tests of fngated/fngated_event_config_json.c: the bodies of
 * Put/UpdateFunctionEventInvokeConfig, the stored form the asynchronous
 * engine reads (fgd_eic_parse), the answers and the destination ARNs.
 */

#include <stdlib.h>
#include <string.h>

#include "fngated_event_config_json.h"
#include "test_fngated.h"

#define ARN_FN  "arn:aws:lambda:us-east-1:123456789012:function:"
#define ARN_Q   "arn:aws:sqs:us-east-1:123456789012:"

static int
req(const char *body, bool update, fgd_eic_doc_t *d, fgd_resp_t *r)
{
    memset(r, 0, sizeof(*r));
    return fgd_eic_request(body, strlen(body), update, d, r);
}

static void
test_defaults_and_parse(void)
{
    fgd_eic_t  c;
    const char *s;

    fgd_eic_default(&c);
    CU_ASSERT_EQUAL(c.max_retries, 2);
    CU_ASSERT_EQUAL(c.max_age_s, 21600);
    CU_ASSERT_STRING_EQUAL(c.on_success, "");
    CU_ASSERT_STRING_EQUAL(c.on_failure, "");

    s = "{\"LastModified\":1700000000.125,\"MaximumRetryAttempts\":0,"
        "\"MaximumEventAgeInSeconds\":60,\"DestinationConfig\":{"
        "\"OnSuccess\":{},\"OnFailure\":{\"Destination\":\"" ARN_Q "dlq\"}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_eic_parse(s, strlen(s), &c), 0);
    CU_ASSERT_EQUAL(c.max_retries, 0);
    CU_ASSERT_EQUAL(c.max_age_s, 60);
    CU_ASSERT_STRING_EQUAL(c.on_success, "");
    CU_ASSERT_STRING_EQUAL(c.on_failure, ARN_Q "dlq");
    CU_ASSERT_DOUBLE_EQUAL(c.last_modified, 1700000000.125, 0.0001);

    /* members not set take the defaults */
    s = "{\"LastModified\":1700000000,\"DestinationConfig\":{\"OnSuccess\":"
        "{\"Destination\":\"" ARN_FN "f:1\"}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_eic_parse(s, strlen(s), &c), 0);
    CU_ASSERT_EQUAL(c.max_retries, 2);
    CU_ASSERT_EQUAL(c.max_age_s, 21600);
    CU_ASSERT_STRING_EQUAL(c.on_success, ARN_FN "f:1");
    CU_ASSERT_STRING_EQUAL(c.on_failure, "");

    /* what is not a stored configuration: -1 with the defaults */
    s = "{\"LastModified\":1,\"MaximumRetryAttempts\":3}";
    CU_ASSERT_EQUAL(fgd_eic_parse(s, strlen(s), &c), -1);
    CU_ASSERT_EQUAL(c.max_retries, 2);
    s = "{\"LastModified\":1,\"MaximumEventAgeInSeconds\":59}";
    CU_ASSERT_EQUAL(fgd_eic_parse(s, strlen(s), &c), -1);
    s = "{\"MaximumRetryAttempts\":1}";
    CU_ASSERT_EQUAL(fgd_eic_parse(s, strlen(s), &c), -1);
    s = "{\"LastModified\":1,\"DestinationConfig\":[]}";
    CU_ASSERT_EQUAL(fgd_eic_parse(s, strlen(s), &c), -1);
    s = "[1]";
    CU_ASSERT_EQUAL(fgd_eic_parse(s, strlen(s), &c), -1);
    s = "{\"LastModified\":1";
    CU_ASSERT_EQUAL(fgd_eic_parse(s, strlen(s), &c), -1);
    CU_ASSERT_EQUAL(fgd_eic_parse(s, 0, &c), -1);
}

static void
test_request_put(void)
{
    fgd_eic_doc_t  d;
    fgd_resp_t     r;

    memset(&d, 0, sizeof(d));
    CU_ASSERT_EQUAL_FATAL(req("{\"MaximumRetryAttempts\":1,"
        "\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"" ARN_Q
        "dlq.fifo\"}}}", false, &d, &r), 0);
    CU_ASSERT(d.has_retries);
    CU_ASSERT(!d.has_age);
    CU_ASSERT_EQUAL(d.c.max_retries, 1);
    CU_ASSERT_EQUAL(d.c.max_age_s, 21600);
    CU_ASSERT_STRING_EQUAL(d.c.on_failure, ARN_Q "dlq.fifo");

    /* Put replaces the whole configuration */
    CU_ASSERT_EQUAL_FATAL(req("{\"MaximumEventAgeInSeconds\":21600}", false,
        &d, &r), 0);
    CU_ASSERT(!d.has_retries);
    CU_ASSERT(d.has_age);
    CU_ASSERT_EQUAL(d.c.max_retries, 2);
    CU_ASSERT_STRING_EQUAL(d.c.on_failure, "");
    CU_ASSERT_EQUAL_FATAL(req("", false, &d, &r), 0);
    CU_ASSERT(!d.has_age);

    /* ranges, with Lambda's messages; d is left alone */
    d.c.max_retries = 1;
    expect_err(req("{\"MaximumRetryAttempts\":3}", false, &d, &r), &r, 400,
        "InvalidParameterValueException", "Value '3' at "
        "'maximumRetryAttempts' failed to satisfy constraint: Member must "
        "have value less than or equal to 2");
    CU_ASSERT_EQUAL(d.c.max_retries, 1);
    expect_err(req("{\"MaximumRetryAttempts\":-1}", false, &d, &r), &r, 400,
        "InvalidParameterValueException", "greater than or equal to 0");
    expect_err(req("{\"MaximumEventAgeInSeconds\":59}", false, &d, &r), &r,
        400, "InvalidParameterValueException", "Value '59' at "
        "'maximumEventAgeInSeconds' failed to satisfy constraint: Member "
        "must have value greater than or equal to 60");
    expect_err(req("{\"MaximumEventAgeInSeconds\":21601}", false, &d, &r),
        &r, 400, "InvalidParameterValueException", "less than or equal to "
        "21600");
    expect_err(req("{\"MaximumRetryAttempts\":\"1\"}", false, &d, &r), &r,
        400, "InvalidRequestContentException", NULL);
    expect_err(req("{\"DestinationConfig\":[]}", false, &d, &r), &r, 400,
        "InvalidRequestContentException", NULL);
    expect_err(req("{\"DestinationConfig\":{\"OnSuccess\":{\"Destination\":"
        "7}}}", false, &d, &r), &r, 400, "InvalidRequestContentException",
        NULL);
    expect_err(req("[]", false, &d, &r), &r, 400,
        "InvalidRequestContentException", NULL);

    /* destinations: malformed, another service, not a function / queue */
    expect_err(req("{\"DestinationConfig\":{\"OnSuccess\":{\"Destination\":"
        "\"not-an-arn\"}}}", false, &d, &r), &r, 400,
        "InvalidParameterValueException", "Value 'not-an-arn' at "
        "'destinationConfig.onSuccess.destination' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern");
    expect_err(req("{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
        "\"arn:aws:sns:us-east-1:123456789012:topic\"}}}", false, &d, &r),
        &r, 400, "InvalidParameterValueException", "is not supported");
    expect_err(req("{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
        "\"arn:aws:lambda:us-east-1:123456789012:layer:x\"}}}", false, &d,
        &r), &r, 400, "InvalidParameterValueException", "is not supported");
    CU_ASSERT_EQUAL(d.c.max_retries, 1);
}

static void
test_request_update(void)
{
    fgd_eic_doc_t  d;
    fgd_resp_t     r;

    memset(&d, 0, sizeof(d));
    CU_ASSERT_EQUAL_FATAL(req("{\"MaximumRetryAttempts\":0,"
        "\"MaximumEventAgeInSeconds\":120,\"DestinationConfig\":{"
        "\"OnSuccess\":{\"Destination\":\"" ARN_FN "ok\"},"
        "\"OnFailure\":{\"Destination\":\"" ARN_Q "dlq\"}}}", false, &d, &r),
        0);

    /* only the members given change */
    CU_ASSERT_EQUAL_FATAL(req("{\"MaximumEventAgeInSeconds\":3600}", true,
        &d, &r), 0);
    CU_ASSERT_EQUAL(d.c.max_retries, 0);
    CU_ASSERT(d.has_retries);
    CU_ASSERT_EQUAL(d.c.max_age_s, 3600);
    CU_ASSERT_STRING_EQUAL(d.c.on_success, ARN_FN "ok");
    CU_ASSERT_STRING_EQUAL(d.c.on_failure, ARN_Q "dlq");

    /* one destination replaced, the other kept; "" removes one */
    CU_ASSERT_EQUAL_FATAL(req("{\"DestinationConfig\":{\"OnFailure\":{"
        "\"Destination\":\"" ARN_FN "ok:$LATEST\"}}}", true, &d, &r), 0);
    CU_ASSERT_STRING_EQUAL(d.c.on_success, ARN_FN "ok");
    CU_ASSERT_STRING_EQUAL(d.c.on_failure, ARN_FN "ok:$LATEST");
    CU_ASSERT_EQUAL_FATAL(req("{\"DestinationConfig\":{\"OnSuccess\":{"
        "\"Destination\":\"\"}}}", true, &d, &r), 0);
    CU_ASSERT_STRING_EQUAL(d.c.on_success, "");
    CU_ASSERT_STRING_EQUAL(d.c.on_failure, ARN_FN "ok:$LATEST");

    /* a bad member leaves d as it was */
    expect_err(req("{\"MaximumEventAgeInSeconds\":60,"
        "\"MaximumRetryAttempts\":9}", true, &d, &r), &r, 400,
        "InvalidParameterValueException", "maximumRetryAttempts");
    CU_ASSERT_EQUAL(d.c.max_age_s, 3600);
}

static void
test_answers(void)
{
    fgd_eic_doc_t  d, e, docs[2];
    fgd_resp_t     r;
    const char    *arns[2];
    char          *out = NULL;
    size_t         len;

    memset(&d, 0, sizeof(d));
    CU_ASSERT_EQUAL_FATAL(req("{\"MaximumRetryAttempts\":1,"
        "\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"" ARN_Q
        "dlq\"}}}", false, &d, &r), 0);
    d.c.last_modified = 1700000000.5;

    /* the stored form: no FunctionArn, only what was set */
    CU_ASSERT_EQUAL_FATAL(fgd_json_eic(&d, NULL, &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"LastModified\":1700000000.500,"
        "\"MaximumRetryAttempts\":1,\"DestinationConfig\":{\"OnSuccess\":{},"
        "\"OnFailure\":{\"Destination\":\"" ARN_Q "dlq\"}}}");
    CU_ASSERT_EQUAL(len, strlen(out));

    /* and it reads back as it was */
    CU_ASSERT_EQUAL_FATAL(fgd_eic_doc_parse(out, len, &e), 0);
    CU_ASSERT(e.has_retries);
    CU_ASSERT(!e.has_age);
    CU_ASSERT_EQUAL(e.c.max_retries, 1);
    CU_ASSERT_EQUAL(e.c.max_age_s, 21600);
    CU_ASSERT_STRING_EQUAL(e.c.on_failure, ARN_Q "dlq");
    CU_ASSERT_DOUBLE_EQUAL(e.c.last_modified, 1700000000.5, 0.0001);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_eic(&d, ARN_FN "f:$LATEST", &out, NULL),
        0);
    CU_ASSERT_STRING_EQUAL(out, "{\"LastModified\":1700000000.500,"
        "\"FunctionArn\":\"" ARN_FN "f:$LATEST\",\"MaximumRetryAttempts\":1,"
        "\"DestinationConfig\":{\"OnSuccess\":{},\"OnFailure\":{"
        "\"Destination\":\"" ARN_Q "dlq\"}}}");
    free(out);

    docs[0] = d;
    docs[1] = e;
    docs[1].has_retries = false;
    docs[1].c.on_failure[0] = '\0';
    arns[0] = ARN_FN "f:$LATEST";
    arns[1] = ARN_FN "f:live";
    CU_ASSERT_EQUAL_FATAL(fgd_json_eic_list(docs, arns, 2, "live", &out,
        &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"FunctionEventInvokeConfigs\":[{"
        "\"LastModified\":1700000000.500,\"FunctionArn\":\"" ARN_FN
        "f:$LATEST\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "},{\"LastModified\":1700000000.500,"
        "\"FunctionArn\":\"" ARN_FN "f:live\",\"DestinationConfig\":{"
        "\"OnSuccess\":{},\"OnFailure\":{}}}],\"NextMarker\":\"live\"}"));
    free(out);
    CU_ASSERT_EQUAL_FATAL(fgd_json_eic_list(NULL, NULL, 0, "", &out, &len),
        0);
    CU_ASSERT_STRING_EQUAL(out, "{\"FunctionEventInvokeConfigs\":[]}");
    free(out);
}

static void
test_destinations(void)
{
    fgd_dest_t  d;
    char        big[400];

    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_Q "orders", &d), FGD_DEST_OK);
    CU_ASSERT_EQUAL(d.kind, FGD_DEST_QUEUE);
    CU_ASSERT_STRING_EQUAL(d.region, "us-east-1");
    CU_ASSERT_STRING_EQUAL(d.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(d.name, "orders");
    CU_ASSERT_STRING_EQUAL(d.qualifier, "");
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_Q "orders.fifo", &d), FGD_DEST_OK);
    CU_ASSERT_STRING_EQUAL(d.name, "orders.fifo");

    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_FN "f", &d), FGD_DEST_OK);
    CU_ASSERT_EQUAL(d.kind, FGD_DEST_FUNCTION);
    CU_ASSERT_STRING_EQUAL(d.name, "f");
    CU_ASSERT_STRING_EQUAL(d.qualifier, "");
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_FN "f:live", &d), FGD_DEST_OK);
    CU_ASSERT_STRING_EQUAL(d.qualifier, "live");
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_FN "f:$LATEST", &d), FGD_DEST_OK);
    CU_ASSERT_STRING_EQUAL(d.qualifier, "$LATEST");
    CU_ASSERT_EQUAL(fgd_dest_parse(
        "arn:aws:lambda:eu-west-3:210987654321:function:g:7", &d),
        FGD_DEST_OK);
    CU_ASSERT_STRING_EQUAL(d.region, "eu-west-3");
    CU_ASSERT_STRING_EQUAL(d.account, "210987654321");

    /* not of the DestinationArn pattern */
    CU_ASSERT_EQUAL(fgd_dest_parse("orders", &d), FGD_DEST_MALFORMED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws", &d), FGD_DEST_MALFORMED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:sqs:us-east-1", &d),
        FGD_DEST_MALFORMED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:gcp:sqs:us-east-1:123456789012:q",
        &d), FGD_DEST_MALFORMED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:sqs:us-east-1:1234:q", &d),
        FGD_DEST_MALFORMED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:s q s:us-east-1:123456789012:q",
        &d), FGD_DEST_MALFORMED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:sqs:US-EAST-1:123456789012:q",
        &d), FGD_DEST_MALFORMED);
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, ARN_Q, strlen(ARN_Q));
    CU_ASSERT_EQUAL(fgd_dest_parse(big, &d), FGD_DEST_MALFORMED);

    /* of the pattern, but no function or queue */
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:sns:us-east-1:123456789012:t",
        &d), FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(
        "arn:aws:events:us-east-1:123456789012:event-bus/default", &d),
        FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:sqs::123456789012:q", &d),
        FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse("arn:aws:sqs:us-east-1::q", &d),
        FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_Q "a:b", &d), FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_Q ".fifo", &d), FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_Q, &d), FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_FN "f:1:2", &d),
        FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(ARN_FN, &d), FGD_DEST_UNSUPPORTED);
    CU_ASSERT_EQUAL(fgd_dest_parse(
        "arn:aws:lambda:us-east-1:123456789012:layer:x:1", &d),
        FGD_DEST_UNSUPPORTED);

    CU_ASSERT(fgd_queue_name_valid("a", 1));
    CU_ASSERT(!fgd_queue_name_valid("", 0));
    CU_ASSERT(!fgd_queue_name_valid("a.b", 3));
    memset(big, 'q', 80);
    CU_ASSERT(fgd_queue_name_valid(big, 80));
    CU_ASSERT(!fgd_queue_name_valid(big, 81));
    memcpy(big + 75, ".fifo", 5);
    CU_ASSERT(fgd_queue_name_valid(big, 80));
}

static void
test_list_order(void)
{
    CU_ASSERT(fgd_eic_qualifier_cmp("$LATEST", "1") < 0);
    CU_ASSERT(fgd_eic_qualifier_cmp("2", "10") < 0);
    CU_ASSERT(fgd_eic_qualifier_cmp("10", "2") > 0);
    CU_ASSERT(fgd_eic_qualifier_cmp("10", "alias") < 0);
    CU_ASSERT(fgd_eic_qualifier_cmp("live", "beta") > 0);
    CU_ASSERT(fgd_eic_qualifier_cmp("live", "live") == 0);
    CU_ASSERT(fgd_eic_qualifier_cmp("v1", "$LATEST") > 0);
}

const cu_test_t  event_config_json_tests[] = {
    { "defaults and the stored form", test_defaults_and_parse },
    { "PutFunctionEventInvokeConfig body", test_request_put },
    { "UpdateFunctionEventInvokeConfig body", test_request_update },
    { "answers", test_answers },
    { "destination ARNs", test_destinations },
    { "list order", test_list_order },
    { NULL, NULL }
};
