/*
 * CUnit tests of fngated/fngated_async_json.c: an event as its stream
 * entry stores it, what an attempt's answer means, when a retry is due and
 * when an event ends, the destination record and the gateway's answer.
 */

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "fngated_async_json.h"
#include "test_fngated.h"

#define T0  1796500000000ull            /* an event's 202 (epoch ms) */

static void
sample(fgd_event_t *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->id = "";
    ev->rid = "5f0c9a2e-0000-4000-8000-000000000001";
    ev->caller = "210987654321";
    ev->owner = "123456789012";
    ev->function = "orders";
    ev->qualifier = "live";
    ev->alias = "";
    ev->uri = "/2015-03-31/functions/orders/invocations?Qualifier=live";
    ev->payload = "{\"order\":7}";
    ev->payload_len = strlen(ev->payload);
    ev->t0_ms = T0;
    ev->attempts = 1;
    ev->throttles = 2;
}

/* fgd_event_fields' pairs as the names and values fgd_event_parse
 * takes. */
static void
fields_of(const fgd_event_t *ev, fgd_event_nums_t *nums, const char **names,
    const char **vals, size_t *lens)
{
    const char  *pairs[2 * FGD_EVENT_FIELDS];
    size_t       plens[2 * FGD_EVENT_FIELDS];
    int          i;

    fgd_event_fields(ev, nums, pairs, plens);
    for (i = 0; i < FGD_EVENT_FIELDS; i++) {
        CU_ASSERT_EQUAL(plens[2 * i], strlen(pairs[2 * i]));
        names[i] = pairs[2 * i];
        vals[i] = pairs[2 * i + 1];
        lens[i] = plens[2 * i + 1];
    }
}

/* What fgd_event_fields writes, fgd_event_parse reads back. */
static void
test_event_fields(void)
{
    fgd_event_t       ev, back;
    fgd_event_nums_t  nums;
    const char       *names[FGD_EVENT_FIELDS], *vals[FGD_EVENT_FIELDS];
    size_t            lens[FGD_EVENT_FIELDS];

    sample(&ev);
    fields_of(&ev, &nums, names, vals, lens);
    CU_ASSERT_STRING_EQUAL(names[0], "rid");
    CU_ASSERT_STRING_EQUAL(vals[8], "1796500000000");
    CU_ASSERT_EQUAL(lens[7], strlen("{\"order\":7}"));

    CU_ASSERT_EQUAL_FATAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals,
        lens, &back), 0);
    CU_ASSERT_STRING_EQUAL(back.rid, ev.rid);
    CU_ASSERT_STRING_EQUAL(back.caller, ev.caller);
    CU_ASSERT_STRING_EQUAL(back.owner, ev.owner);
    CU_ASSERT_STRING_EQUAL(back.function, "orders");
    CU_ASSERT_STRING_EQUAL(back.qualifier, "live");
    CU_ASSERT_STRING_EQUAL(back.alias, "");
    CU_ASSERT_STRING_EQUAL(back.uri, ev.uri);
    CU_ASSERT_EQUAL(back.payload_len, ev.payload_len);
    CU_ASSERT_EQUAL(back.t0_ms, T0);
    CU_ASSERT_EQUAL(back.attempts, 1);
    CU_ASSERT_EQUAL(back.throttles, 2);
    CU_ASSERT_STRING_EQUAL(back.id, "");
    CU_ASSERT_STRING_EQUAL(back.chain, "");

    /* sent by a function: the chain comes back */
    ev.chain = "210987654321:3:0a1b2c3d-0000-4000-8000-000000000000";
    fields_of(&ev, &nums, names, vals, lens);
    CU_ASSERT_EQUAL_FATAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals,
        lens, &back), 0);
    CU_ASSERT_STRING_EQUAL(back.chain, ev.chain);
}

/* An entry fngated did not write is not an event. */
static void
test_event_parse_rejects(void)
{
    fgd_event_t       ev, back;
    fgd_event_nums_t  nums;
    const char       *names[FGD_EVENT_FIELDS], *vals[FGD_EVENT_FIELDS];
    const char       *saved;
    size_t            lens[FGD_EVENT_FIELDS];
    int               i;

    sample(&ev);
    fields_of(&ev, &nums, names, vals, lens);

    /* each field missing, but "chain" (the last), which an event of an
     * earlier fngated lacks: a client's */
    for (i = 0; i < FGD_EVENT_FIELDS; i++) {
        saved = names[i];
        names[i] = "other";
        CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
            &back), i == FGD_EVENT_FIELDS - 1 ? 0 : -1);
        names[i] = saved;
    }
    CU_ASSERT_STRING_EQUAL(names[FGD_EVENT_FIELDS - 1], "chain");
    /* bad values */
    vals[1] = "12345";                          /* caller */
    lens[1] = 5;
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), -1);
    vals[1] = ev.caller;
    lens[1] = strlen(ev.caller);
    vals[3] = "no/such";                        /* function */
    lens[3] = 7;
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), -1);
    vals[3] = ev.function;
    lens[3] = strlen(ev.function);
    vals[6] = "http://elsewhere/";              /* uri */
    lens[6] = strlen(vals[6]);
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), -1);
    vals[6] = ev.uri;
    lens[6] = strlen(ev.uri);
    vals[9] = "1x";                             /* attempts */
    lens[9] = 2;
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), -1);
    vals[9] = "99999999";
    lens[9] = 8;
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), -1);
    vals[9] = "0";
    lens[9] = 1;
    /* a NUL inside a string field */
    lens[4] = 6;
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), -1);
    lens[4] = 4;
    CU_ASSERT_EQUAL(fgd_event_parse(FGD_EVENT_FIELDS, names, vals, lens,
        &back), 0);
}

static void
test_outcome_and_delay(void)
{
    CU_ASSERT_EQUAL(fgd_async_outcome(200, ""), FGD_ASYNC_SUCCESS);
    CU_ASSERT_EQUAL(fgd_async_outcome(200, NULL), FGD_ASYNC_SUCCESS);
    CU_ASSERT_EQUAL(fgd_async_outcome(200, "Unhandled"),
                    FGD_ASYNC_FUNCTION_ERROR);
    CU_ASSERT_EQUAL(fgd_async_outcome(0, NULL), FGD_ASYNC_THROTTLED);
    CU_ASSERT_EQUAL(fgd_async_outcome(429, ""), FGD_ASYNC_THROTTLED);
    CU_ASSERT_EQUAL(fgd_async_outcome(500, ""), FGD_ASYNC_THROTTLED);
    CU_ASSERT_EQUAL(fgd_async_outcome(502, ""), FGD_ASYNC_THROTTLED);
    CU_ASSERT_EQUAL(fgd_async_outcome(404, ""), FGD_ASYNC_REFUSED);
    CU_ASSERT_EQUAL(fgd_async_outcome(403, ""), FGD_ASYNC_REFUSED);
    CU_ASSERT_EQUAL(fgd_async_outcome(400, ""), FGD_ASYNC_REFUSED);

    /* Lambda: about a minute, then two */
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_FUNCTION_ERROR, 1, 60),
                    60000);
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_FUNCTION_ERROR, 2, 60),
                    120000);
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_FUNCTION_ERROR, 1, 1),
                    1000);
    /* throttles: 1 s doubling, at most 5 min, whatever the count */
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_THROTTLED, 1, 60), 1000);
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_THROTTLED, 4, 60), 8000);
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_THROTTLED, 9, 60), 256000);
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_THROTTLED, 10, 60),
                    FGD_ASYNC_THROTTLE_MAX_MS);
    CU_ASSERT_EQUAL(fgd_async_delay_ms(FGD_ASYNC_THROTTLED, 1000, 60),
                    FGD_ASYNC_THROTTLE_MAX_MS);
}

/* MaximumRetryAttempts and MaximumEventAgeInSeconds decide. */
static void
test_next(void)
{
    fgd_event_t         ev;
    fgd_async_limits_t  l = { 2, 3600, 60 };
    uint64_t            due, now = T0 + 1000;
    const char         *end;

    sample(&ev);
    ev.attempts = 0;
    ev.throttles = 0;

    end = fgd_async_next(FGD_ASYNC_SUCCESS, &ev, &l, now, &due);
    CU_ASSERT_STRING_EQUAL(end, FGD_CONDITION_SUCCESS);
    CU_ASSERT_EQUAL(due, 0);
    CU_ASSERT_EQUAL(ev.attempts, 1);

    /* a function error: retried twice, after 1 min then 2, then ends */
    ev.attempts = 0;
    CU_ASSERT_PTR_NULL(fgd_async_next(FGD_ASYNC_FUNCTION_ERROR, &ev, &l,
        now, &due));
    CU_ASSERT_EQUAL(due, now + 60000);
    CU_ASSERT_PTR_NULL(fgd_async_next(FGD_ASYNC_FUNCTION_ERROR, &ev, &l,
        now, &due));
    CU_ASSERT_EQUAL(due, now + 120000);
    end = fgd_async_next(FGD_ASYNC_FUNCTION_ERROR, &ev, &l, now, &due);
    CU_ASSERT_STRING_EQUAL(end, FGD_CONDITION_RETRIES);
    CU_ASSERT_EQUAL(due, 0);
    CU_ASSERT_EQUAL(ev.attempts, 3);

    /* MaximumRetryAttempts 0: the first error ends it */
    l.max_retries = 0;
    ev.attempts = 0;
    end = fgd_async_next(FGD_ASYNC_FUNCTION_ERROR, &ev, &l, now, &due);
    CU_ASSERT_STRING_EQUAL(end, FGD_CONDITION_RETRIES);

    /* a retry that would start past the age ends it first */
    l.max_retries = 2;
    l.max_age_s = 60;
    ev.attempts = 0;
    end = fgd_async_next(FGD_ASYNC_FUNCTION_ERROR, &ev, &l, T0 + 30000,
        &due);
    CU_ASSERT_STRING_EQUAL(end, FGD_CONDITION_AGE);
    CU_ASSERT_EQUAL(due, 0);
    CU_ASSERT_EQUAL(ev.attempts, 1);

    /* throttles do not count as attempts, and are retried until the age
     * runs out */
    ev.attempts = 0;
    ev.throttles = 0;
    CU_ASSERT_PTR_NULL(fgd_async_next(FGD_ASYNC_THROTTLED, &ev, &l, now,
        &due));
    CU_ASSERT_EQUAL(due, now + 1000);
    CU_ASSERT_EQUAL(ev.attempts, 0);
    CU_ASSERT_EQUAL(ev.throttles, 1);
    end = fgd_async_next(FGD_ASYNC_THROTTLED, &ev, &l, T0 + 59500, &due);
    CU_ASSERT_STRING_EQUAL(end, FGD_CONDITION_AGE);

    /* a refusal ends it at once */
    ev.attempts = 0;
    end = fgd_async_next(FGD_ASYNC_REFUSED, &ev, &l, now, &due);
    CU_ASSERT_STRING_EQUAL(end, FGD_CONDITION_RETRIES);
    CU_ASSERT_EQUAL(ev.attempts, 1);

    CU_ASSERT_FALSE(fgd_async_expired(&ev, &l, T0 + 60000));
    CU_ASSERT_TRUE(fgd_async_expired(&ev, &l, T0 + 60001));
    CU_ASSERT_FALSE(fgd_async_expired(&ev, &l, T0 - 5));
}

static const char *
str_at(yajl_val root, const char *a, const char *b)
{
    const char  *path[] = { a, b, NULL };
    yajl_val     v = yajl_tree_get(root, path, yajl_t_any);

    return v != NULL && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v)
           : v != NULL && YAJL_IS_NUMBER(v) ? v->u.number.r : "?";
}

/* Lambda's destination record. */
static void
test_record(void)
{
    fgd_event_t           ev;
    fgd_async_response_t  resp = { 200, "3", "Unhandled",
                                   "{\"errorMessage\":\"no\"}", 21 };
    yajl_val              root, v;
    const char           *path[3] = { NULL, NULL, NULL };
    char                 *rec;
    size_t                len;

    sample(&ev);
    rec = fgd_async_record(&ev,
        "arn:aws:lambda:us-east-1:123456789012:function:orders:live",
        FGD_CONDITION_RETRIES, &resp, T0 + 1234, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_EQUAL(strlen(rec), len);
    root = yajl_tree_parse(rec, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_STRING_EQUAL(str_at(root, "version", NULL), "1.0");
    CU_ASSERT_STRING_EQUAL(str_at(root, "timestamp", NULL),
                           "2026-12-05T19:46:41.234Z");
    CU_ASSERT_STRING_EQUAL(str_at(root, "requestContext", "requestId"),
                           ev.rid);
    CU_ASSERT_STRING_EQUAL(str_at(root, "requestContext", "functionArn"),
        "arn:aws:lambda:us-east-1:123456789012:function:orders:live");
    CU_ASSERT_STRING_EQUAL(str_at(root, "requestContext", "condition"),
                           "RetriesExhausted");
    CU_ASSERT_STRING_EQUAL(str_at(root, "requestContext",
                                  "approximateInvokeCount"), "1");
    /* the payloads embedded as JSON */
    CU_ASSERT_STRING_EQUAL(str_at(root, "requestPayload", "order"), "7");
    CU_ASSERT_STRING_EQUAL(str_at(root, "responseContext", "statusCode"),
                           "200");
    CU_ASSERT_STRING_EQUAL(str_at(root, "responseContext",
                                  "executedVersion"), "3");
    CU_ASSERT_STRING_EQUAL(str_at(root, "responseContext", "functionError"),
                           "Unhandled");
    CU_ASSERT_STRING_EQUAL(str_at(root, "responsePayload", "errorMessage"),
                           "no");
    yajl_tree_free(root);
    free(rec);

    /* a success without a function error, a response that is not JSON */
    resp.function_error = "";
    resp.body = "plain words";
    resp.body_len = 11;
    rec = fgd_async_record(&ev, "arn", FGD_CONDITION_SUCCESS, &resp, T0,
        &len);
    root = yajl_tree_parse(rec, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    path[0] = "responseContext";
    path[1] = "functionError";
    CU_ASSERT_PTR_NULL(yajl_tree_get(root, path, yajl_t_any));
    CU_ASSERT_STRING_EQUAL(str_at(root, "responsePayload", NULL),
                           "plain words");
    yajl_tree_free(root);
    free(rec);

    /* no attempt ran (EventAgeExceeded before one): no response parts */
    rec = fgd_async_record(&ev, "arn", FGD_CONDITION_AGE, NULL, T0, &len);
    root = yajl_tree_parse(rec, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    path[0] = "responseContext";
    path[1] = NULL;
    CU_ASSERT_PTR_NULL(yajl_tree_get(root, path, yajl_t_any));
    path[0] = "responsePayload";
    CU_ASSERT_PTR_NULL(yajl_tree_get(root, path, yajl_t_any));
    v = yajl_tree_get(root, (const char *[]) { "requestPayload", NULL },
        yajl_t_object);
    CU_ASSERT_PTR_NOT_NULL(v);
    yajl_tree_free(root);
    free(rec);
}

static void
test_http_answer(void)
{
    fgd_http_answer_t  a;
    char               ok[] = "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
                              "X-Amz-Executed-Version: 4\r\n"
                              "x-amz-function-error: Unhandled\r\n"
                              "Content-Length: 5\r\n\r\nhello";
    char               err[] = "HTTP/1.1 429 Too Many Requests\r\n"
                               "x-amzn-ErrorType: TooManyRequestsException"
                               "\r\n\r\n{}";
    char               bad[] = "SSH-2.0-OpenSSH\r\n\r\n";
    char               cut[] = "HTTP/1.1 200 OK\r\nX-Amz-Executed-Version";

    CU_ASSERT_EQUAL_FATAL(fgd_http_answer_parse(ok, strlen(ok), &a), 0);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.executed_version, "4");
    CU_ASSERT_STRING_EQUAL(a.function_error, "Unhandled");
    CU_ASSERT_STRING_EQUAL(a.error_type, "");
    CU_ASSERT_EQUAL(a.body_len, 5);
    CU_ASSERT_NSTRING_EQUAL(a.body, "hello", 5);

    CU_ASSERT_EQUAL_FATAL(fgd_http_answer_parse(err, strlen(err), &a), 0);
    CU_ASSERT_EQUAL(a.status, 429);
    CU_ASSERT_STRING_EQUAL(a.error_type, "TooManyRequestsException");
    CU_ASSERT_STRING_EQUAL(a.function_error, "");

    CU_ASSERT_EQUAL(fgd_http_answer_parse(bad, strlen(bad), &a), -1);
    CU_ASSERT_EQUAL(a.status, 0);
    CU_ASSERT_EQUAL(fgd_http_answer_parse(cut, strlen(cut), &a), -1);
    CU_ASSERT_EQUAL(fgd_http_answer_parse(NULL, 0, &a), -1);
    CU_ASSERT_STRING_EQUAL(a.function_error, "");
}

static void
test_error_message(void)
{
    fgd_async_response_t  resp = { 200, "", "Unhandled", NULL, 0 };
    char                  m[16], big[1025];
    const char           *fn = "{\"errorType\":\"ValueError\","
                               "\"errorMessage\":\"no id\"}";
    const char           *svc = "{\"Type\":\"User\",\"message\":"
                                "\"Function not found\"}";
    /* 14 bytes, then a 2-byte character across the 15-byte limit */
    const char           *utf = "{\"errorMessage\":\"abcdefghijklmn\xc3\xa9\"}";

    resp.body = fn;
    resp.body_len = strlen(fn);
    fgd_async_error_message(&resp, "RetriesExhausted", m, sizeof(m));
    CU_ASSERT_STRING_EQUAL(m, "no id");
    resp.body = svc;
    resp.body_len = strlen(svc);
    fgd_async_error_message(&resp, "RetriesExhausted", m, sizeof(m));
    CU_ASSERT_STRING_EQUAL(m, "Function not fo");
    resp.body = utf;
    resp.body_len = strlen(utf);
    fgd_async_error_message(&resp, "RetriesExhausted", m, sizeof(m));
    CU_ASSERT_STRING_EQUAL(m, "abcdefghijklmn");
    /* no answer, or one that is not JSON: the condition */
    resp.body = "boom";
    resp.body_len = 4;
    fgd_async_error_message(&resp, "RetriesExhausted", big, sizeof(big));
    CU_ASSERT_STRING_EQUAL(big, "RetriesExhausted");
    resp.body = NULL;
    resp.body_len = 0;
    fgd_async_error_message(&resp, "EventAgeExceeded", big, sizeof(big));
    CU_ASSERT_STRING_EQUAL(big, "EventAgeExceeded");
    /* an errorMessage that is not a string */
    resp.body = "{\"errorMessage\":7}";
    resp.body_len = strlen(resp.body);
    fgd_async_error_message(&resp, "RetriesExhausted", big, sizeof(big));
    CU_ASSERT_STRING_EQUAL(big, "RetriesExhausted");
}

const cu_test_t  async_json_tests[] = {
    { "an event's stream fields, both ways", test_event_fields },
    { "an entry that is not an event", test_event_parse_rejects },
    { "an attempt's outcome and the waits", test_outcome_and_delay },
    { "retries, age and the end of an event", test_next },
    { "the destination record", test_record },
    { "the gateway's HTTP answer", test_http_answer },
    { "a dead-lettered event's ErrorMessage", test_error_message },
    { NULL, NULL }
};
