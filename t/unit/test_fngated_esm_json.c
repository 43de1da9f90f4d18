/*
 * CUnit tests of fngated/fngated_esm_json.c: the checks of Create and
 * UpdateEventSourceMapping's bodies, FunctionName's forms, the stored
 * form both ways, the answers, the SQS event of a batch and the answer of
 * a function under ReportBatchItemFailures.
 */

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "fngated_esm_json.h"
#include "fngated_json.h"
#include "test_fngated.h"

#define QARN  "arn:aws:sqs:us-east-1:123456789012:orders"
#define FARN  "arn:aws:lambda:us-east-1:123456789012:function:work"

/* A body's outcome: 0, or the status with its error type in type. */
static int
req(const char *body, bool update, fgd_esm_req_t *q, char *type)
{
    fgd_resp_t  r;
    int         rc;

    memset(&r, 0, sizeof(r));
    rc = fgd_esm_request(body, strlen(body), update, q, &r);
    type[0] = '\0';
    if (rc != 0) {
        strcpy(type, r.error_type ? r.error_type : "?");
        rc = r.status;
    }
    fgd_resp_free(&r);
    return rc;
}

static void
test_request(void)
{
    fgd_esm_req_t  q;
    char           t[64];

    CU_ASSERT_EQUAL(req("{\"FunctionName\":\"work\",\"EventSourceArn\":\""
        QARN "\"}", false, &q, t), 0);
    CU_ASSERT(q.has_function && q.has_source && !q.has_batch);
    CU_ASSERT_EQUAL(q.batch_size, FGD_ESM_BATCH_DEFAULT);
    CU_ASSERT_STRING_EQUAL(q.function, "work");

    CU_ASSERT_EQUAL(req("{\"FunctionName\":\"work\",\"EventSourceArn\":\""
        QARN "\",\"BatchSize\":500,\"MaximumBatchingWindowInSeconds\":2,"
        "\"Enabled\":false,\"FunctionResponseTypes\":"
        "[\"ReportBatchItemFailures\"],\"ScalingConfig\":"
        "{\"MaximumConcurrency\":5}}", false, &q, t), 0);
    CU_ASSERT(q.has_batch && q.batch_size == 500 && q.window_s == 2);
    CU_ASSERT(q.has_enabled && !q.enabled && q.report_failures);
    CU_ASSERT(q.has_scaling && q.max_concurrency == 5);

    /* ranges, enum, types, required members */
    CU_ASSERT_EQUAL(req("{\"FunctionName\":\"w\",\"EventSourceArn\":\""
        QARN "\",\"BatchSize\":0}", false, &q, t), 400);
    CU_ASSERT_STRING_EQUAL(t, "InvalidParameterValueException");
    CU_ASSERT_EQUAL(req("{\"BatchSize\":10001}", true, &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"MaximumBatchingWindowInSeconds\":301}", true,
        &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"FunctionResponseTypes\":[\"Other\"]}", true,
        &q, t), 400);
    CU_ASSERT_STRING_EQUAL(t, "InvalidParameterValueException");
    CU_ASSERT_EQUAL(req("{\"ScalingConfig\":{\"MaximumConcurrency\":1}}",
        true, &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"ScalingConfig\":{\"MaximumConcurrency\":1001}}",
        true, &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"ScalingConfig\":{}}", true, &q, t), 0);
    CU_ASSERT(q.has_scaling && q.max_concurrency == 0);
    CU_ASSERT_EQUAL(req("{\"BatchSize\":\"5\"}", true, &q, t), 400);
    CU_ASSERT_STRING_EQUAL(t, "InvalidRequestContentException");
    CU_ASSERT_EQUAL(req("{\"Enabled\":1}", true, &q, t), 400);
    CU_ASSERT_STRING_EQUAL(t, "InvalidRequestContentException");
    CU_ASSERT_EQUAL(req("[1]", true, &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"EventSourceArn\":\"" QARN "\"}", false, &q, t),
        400);
    CU_ASSERT_EQUAL(req("{\"FunctionName\":\"w\"}", false, &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"EventSourceArn\":\"" QARN "\"}", true, &q, t),
        400);
    CU_ASSERT_EQUAL(req("{\"FunctionName\":\"w\",\"EventSourceArn\":\""
        QARN "\",\"StartingPosition\":\"LATEST\"}", false, &q, t), 400);
    CU_ASSERT_EQUAL(req("{\"StartingPosition\":null}", true, &q, t), 0);
    CU_ASSERT_EQUAL(req("", true, &q, t), 0);
}

static void
test_function_names(void)
{
    fg_route_t  t;
    fgd_resp_t  r;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_esm_function_parse("work", "123456789012",
        "us-east-1", &t, &r), 0);
    CU_ASSERT_STRING_EQUAL(t.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(t.function, "work");
    CU_ASSERT_STRING_EQUAL(t.qualifier, "");
    CU_ASSERT_EQUAL(fgd_esm_function_parse("work:live", "123456789012",
        "us-east-1", &t, &r), 0);
    CU_ASSERT_STRING_EQUAL(t.qualifier, "live");
    CU_ASSERT_EQUAL(fgd_esm_function_parse("210987654321:function:x:$LATEST",
        "123456789012", "us-east-1", &t, &r), 0);
    CU_ASSERT_STRING_EQUAL(t.account, "210987654321");
    CU_ASSERT_STRING_EQUAL(t.qualifier, "$LATEST");
    CU_ASSERT_EQUAL(fgd_esm_function_parse(FARN ":3", "210987654321",
        "us-east-1", &t, &r), 0);
    CU_ASSERT_STRING_EQUAL(t.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(t.qualifier, "3");

    CU_ASSERT_EQUAL(fgd_esm_function_parse("bad name", "123456789012",
        "us-east-1", &t, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_esm_function_parse(
        "arn:aws:lambda:eu-west-1:123456789012:function:work",
        "123456789012", "us-east-1", &t, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_esm_function_parse("", "123456789012",
        "us-east-1", &t, &r), -1);
    fgd_resp_free(&r);
}

static void
test_apply(void)
{
    fgd_esm_req_t  q;
    fgd_esm_t      m;
    fgd_resp_t     r;
    char           t[64];

    memset(&m, 0, sizeof(m));
    m.batch_size = 10;
    m.enabled = true;
    memset(&r, 0, sizeof(r));

    /* BatchSize over 10 needs a window, given in the same call or not */
    CU_ASSERT_EQUAL(req("{\"BatchSize\":11}", true, &q, t), 0);
    CU_ASSERT_EQUAL(fgd_esm_apply(&q, false, &m, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    m.batch_size = 10;
    m.window_s = 0;
    CU_ASSERT_EQUAL(req("{\"BatchSize\":10000,"
        "\"MaximumBatchingWindowInSeconds\":1}", true, &q, t), 0);
    CU_ASSERT_EQUAL(fgd_esm_apply(&q, false, &m, &r), 0);
    CU_ASSERT_EQUAL(m.batch_size, 10000);
    CU_ASSERT_EQUAL(m.window_s, 1);

    /* a FIFO queue: at most 10, no window */
    memset(&m, 0, sizeof(m));
    m.batch_size = 10;
    CU_ASSERT_EQUAL(req("{\"BatchSize\":20,"
        "\"MaximumBatchingWindowInSeconds\":1}", true, &q, t), 0);
    CU_ASSERT_EQUAL(fgd_esm_apply(&q, true, &m, &r), -1);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    memset(&m, 0, sizeof(m));
    m.batch_size = 10;
    CU_ASSERT_EQUAL(req("{\"MaximumBatchingWindowInSeconds\":1}", true, &q,
        t), 0);
    CU_ASSERT_EQUAL(fgd_esm_apply(&q, true, &m, &r), -1);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));

    /* Enabled and the rest: only what is given changes */
    memset(&m, 0, sizeof(m));
    m.batch_size = 7;
    m.enabled = true;
    m.max_concurrency = 9;
    CU_ASSERT_EQUAL(req("{\"Enabled\":false}", true, &q, t), 0);
    CU_ASSERT_EQUAL(fgd_esm_apply(&q, false, &m, &r), 0);
    CU_ASSERT(!m.enabled && m.batch_size == 7 && m.max_concurrency == 9);
    CU_ASSERT_EQUAL(req("{\"ScalingConfig\":{}}", true, &q, t), 0);
    CU_ASSERT_EQUAL(fgd_esm_apply(&q, false, &m, &r), 0);
    CU_ASSERT_EQUAL(m.max_concurrency, 0);
}

static void
test_stored_form(void)
{
    fgd_esm_t       m, back;
    fgd_esm_bufs_t  b;
    const char     *names[FGD_ESM_FIELDS], *vals[FGD_ESM_FIELDS];
    char           *out = NULL;
    yajl_val        root;
    char            err[64];

    memset(&m, 0, sizeof(m));
    strcpy(m.uuid, "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b");
    strcpy(m.source_arn, QARN);
    strcpy(m.function_arn, FARN);
    m.batch_size = 25;
    m.window_s = 3;
    m.report_failures = true;
    m.max_concurrency = 4;
    m.enabled = false;
    m.last_modified_ms = 1796500000123ull;
    strcpy(m.reason, "USER_INITIATED");
    strcpy(m.result, "PROBLEM: Function not found");
    fgd_esm_fields(&m, &b, names, vals);

    memset(&back, 0, sizeof(back));
    strcpy(back.uuid, m.uuid);
    CU_ASSERT_EQUAL(fgd_esm_parse_fields(FGD_ESM_FIELDS, names, vals, &back),
        0);
    CU_ASSERT_EQUAL(memcmp(&m, &back, sizeof(m)), 0);
    /* one of the first eight missing: not a mapping */
    CU_ASSERT_EQUAL(fgd_esm_parse_fields(7, names, vals, &back), -1);
    vals[2] = "0";
    CU_ASSERT_EQUAL(fgd_esm_parse_fields(FGD_ESM_FIELDS, names, vals, &back),
        -1);

    CU_ASSERT_EQUAL(fgd_json_esm(&m, "Disabling", &out, NULL), 0);
    root = yajl_tree_parse(out, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(root, "UUID")->u.string, m.uuid);
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(root, "State")->u.string,
        "Disabling");
    CU_ASSERT_EQUAL(YAJL_GET_INTEGER(fgd_obj_get(root, "BatchSize")), 25);
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(root, "LastProcessingResult")
        ->u.string, "PROBLEM: Function not found");
    CU_ASSERT(YAJL_GET_DOUBLE(fgd_obj_get(root, "LastModified"))
              > 1796500000.1);
    CU_ASSERT_EQUAL(YAJL_GET_INTEGER(fgd_obj_get(fgd_obj_get(root,
        "ScalingConfig"), "MaximumConcurrency")), 4);
    yajl_tree_free(root);
    free(out);
    CU_ASSERT_STRING_EQUAL(fgd_esm_state(&m), "Disabled");
}

static void
msg(fgd_queue_msg_t *m, const char *id, const char *body, const char *group)
{
    memset(m, 0, sizeof(*m));
    strcpy(m->message_id, id);
    m->receipt_handle = (char *) "rh-1";
    m->body = (char *) body;
    m->body_len = strlen(body);
    m->attributes = (char *) "{\"kind\":{\"DataType\":\"String\","
        "\"StringValue\":\"order\"}}";
    m->receive_count = 2;
    m->sent_ms = 1796500000000ll;
    m->first_receive_ms = 1796500000100ll;
    strcpy(m->sender, "123456789012");
    strcpy(m->group_id, group);
    if (group[0] != '\0') {
        strcpy(m->sequence, "18779865468340768000");
    }
}

static void
test_event(void)
{
    fgd_queue_msg_t  m[2];
    yajl_val         root, rec, a;
    char            *ev, err[64];
    size_t           len;

    msg(&m[0], "11111111-1111-4111-8111-111111111111", "hello \"x\"", "");
    msg(&m[1], "22222222-2222-4222-8222-222222222222", "", "g1");
    ev = fgd_esm_event(m, 2, QARN, "us-east-1", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
    CU_ASSERT_EQUAL(strlen(ev), len);
    root = yajl_tree_parse(ev, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    a = fgd_obj_get(root, "Records");
    CU_ASSERT_FATAL(a != NULL && YAJL_IS_ARRAY(a)
                    && YAJL_GET_ARRAY(a)->len == 2);
    rec = YAJL_GET_ARRAY(a)->values[0];
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "messageId")->u.string,
        m[0].message_id);
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "body")->u.string, "hello \"x\"");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "receiptHandle")->u.string,
        "rh-1");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "eventSource")->u.string,
        "aws:sqs");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "eventSourceARN")->u.string,
        QARN);
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "awsRegion")->u.string,
        "us-east-1");
    /* md5 of 'hello "x"' */
    CU_ASSERT_EQUAL(strlen(fgd_obj_get(rec, "md5OfBody")->u.string), 32);
    a = fgd_obj_get(rec, "attributes");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "ApproximateReceiveCount")
        ->u.string, "2");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "SentTimestamp")->u.string,
        "1796500000000");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "SenderId")->u.string,
        "123456789012");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "ApproximateFirstReceiveTimestamp")
        ->u.string, "1796500000100");
    CU_ASSERT_PTR_NULL(fgd_obj_get(a, "MessageGroupId"));
    a = fgd_obj_get(fgd_obj_get(rec, "messageAttributes"), "kind");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "stringValue")->u.string, "order");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "dataType")->u.string, "String");
    CU_ASSERT(YAJL_IS_ARRAY(fgd_obj_get(a, "stringListValues")));

    rec = YAJL_GET_ARRAY(fgd_obj_get(root, "Records"))->values[1];
    a = fgd_obj_get(rec, "attributes");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "MessageGroupId")->u.string, "g1");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(a, "SequenceNumber")->u.string,
        "18779865468340768000");
    CU_ASSERT_STRING_EQUAL(fgd_obj_get(rec, "md5OfBody")->u.string,
        "d41d8cd98f00b204e9800998ecf8427e");
    yajl_tree_free(root);
    free(ev);
}

static size_t
fails(const char *body, fgd_queue_msg_t *m, size_t n, bool fifo,
    bool *failed)
{
    return fgd_esm_failures(body, body ? strlen(body) : 0, m, n, fifo,
        failed);
}

static void
test_failures(void)
{
    fgd_queue_msg_t  m[4];
    bool             f[4];

    msg(&m[0], "a", "1", "g1");
    msg(&m[1], "b", "2", "g2");
    msg(&m[2], "c", "3", "g1");
    msg(&m[3], "d", "4", "g2");

    /* success: nothing, null, no list, an empty or null list */
    CU_ASSERT_EQUAL(fails(NULL, m, 4, false, f), 0);
    CU_ASSERT_EQUAL(fails(" \n", m, 4, false, f), 0);
    CU_ASSERT_EQUAL(fails("null", m, 4, false, f), 0);
    CU_ASSERT_EQUAL(fails("{\"Records\":[]}", m, 4, false, f), 0);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[]}", m, 4, false, f), 0);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":null}", m, 4, false, f),
        0);
    CU_ASSERT(!f[0] && !f[1] && !f[2] && !f[3]);

    /* some */
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "\"b\"},{\"itemIdentifier\":\"d\"}]}", m, 4, false, f), 2);
    CU_ASSERT(!f[0] && f[1] && !f[2] && f[3]);

    /* malformed: the whole batch */
    CU_ASSERT_EQUAL(fails("not json", m, 4, false, f), 4);
    CU_ASSERT(f[0] && f[1] && f[2] && f[3]);
    CU_ASSERT_EQUAL(fails("\"ok\"", m, 4, false, f), 4);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":{}}", m, 4, false, f), 4);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "\"\"}]}", m, 4, false, f), 4);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "null}]}", m, 4, false, f), 4);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"id\":\"a\"}]}", m, 4,
        false, f), 4);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "\"zzz\"}]}", m, 4, false, f), 4);

    /* a message id twice in a batch: both records kept */
    msg(&m[3], "b", "2", "g2");
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "\"b\"}]}", m, 4, false, f), 2);
    CU_ASSERT(!f[0] && f[1] && !f[2] && f[3]);
    msg(&m[3], "d", "4", "g2");

    /* FIFO: a group's messages after a failed one are kept */
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "\"a\"}]}", m, 4, true, f), 2);
    CU_ASSERT(f[0] && !f[1] && f[2] && !f[3]);
    CU_ASSERT_EQUAL(fails("{\"batchItemFailures\":[{\"itemIdentifier\":"
        "\"c\"}]}", m, 4, true, f), 1);
    CU_ASSERT(!f[0] && !f[1] && f[2] && !f[3]);
}

const cu_test_t  esm_json_tests[] = {
    { "Create and Update bodies", test_request },
    { "FunctionName's forms", test_function_names },
    { "the checks across members", test_apply },
    { "the stored form and the answer", test_stored_form },
    { "the SQS event of a batch", test_event },
    { "ReportBatchItemFailures answers", test_failures },
    { NULL, NULL }
};
