/*
 * The suite fngated_result of test_fngated: the counters, Invoke's
 * parameters, the INVOKE frame, a RESULT as the answer, and the redaction
 * of another account's function errors (fngated_result.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_result.h"
#include "test_fngated.h"

static void
test_counters(void)
{
    char buf[32];

    fgd_duration_ms(12345, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "12.35");
    fgd_duration_ms(0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "0.00");
    fgd_duration_ms(1000, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1.00");
    CU_ASSERT_EQUAL(fgd_billed_ms(0), 1);
    CU_ASSERT_EQUAL(fgd_billed_ms(1000), 1);
    CU_ASSERT_EQUAL(fgd_billed_ms(1001), 1);     /* shows as 1.00 */
    CU_ASSERT_EQUAL(fgd_billed_ms(1004), 1);     /* 1.00 */
    CU_ASSERT_EQUAL(fgd_billed_ms(1005), 2);     /* 1.01 */
    CU_ASSERT_EQUAL(fgd_billed_ms(27004), 27);   /* 27.00 */
    CU_ASSERT_EQUAL(fgd_billed_ms(27005), 28);   /* 27.01 */
    CU_ASSERT_EQUAL(fgd_billed_ms(12345), 13);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(0), 0);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(1), 1);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(3072), 3);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(3073), 4);
    /* the agent's numbers near 2^64 do not wrap to a small bill
     * (UINT64_MAX us billed 1 ms; fuzz_result checks it) */
    fgd_duration_ms(UINT64_MAX, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "18446744073709551.62");
    CU_ASSERT_EQUAL(fgd_billed_ms(UINT64_MAX), 18446744073709552ull);
    CU_ASSERT_EQUAL(fgd_billed_ms(UINT64_MAX - 4), 18446744073709552ull);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(UINT64_MAX),
                    UINT64_MAX / 1024 + 1);
}

static void
test_invoke_params(void)
{
    fgd_invocation_type_t  t;
    fgd_resp_t             r = { 0 };

    CU_ASSERT_EQUAL(fgd_invocation_type("", &t, &r), 0);
    CU_ASSERT_EQUAL(t, FGD_INVOKE_REQUEST_RESPONSE);
    CU_ASSERT_EQUAL(fgd_invocation_type("RequestResponse", &t, &r), 0);
    CU_ASSERT_EQUAL(fgd_invocation_type("DryRun", &t, &r), 0);
    CU_ASSERT_EQUAL(t, FGD_INVOKE_DRY_RUN);
    CU_ASSERT_EQUAL(fgd_invocation_type("Event", &t, &r), 0);
    CU_ASSERT_EQUAL(t, FGD_INVOKE_EVENT);
    CU_ASSERT_EQUAL(fgd_invocation_type("event", &t, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_invocation_type("Sometimes", &t, &r), -1);
    CU_ASSERT_STRING_EQUAL(r.error_type, "InvalidParameterValueException");

    CU_ASSERT_EQUAL(fgd_payload_check("", 0, &r), 0);
    CU_ASSERT_EQUAL(fgd_payload_check("{\"a\":[1,2]}", 11, &r), 0);
    CU_ASSERT_EQUAL(fgd_payload_check("\"str\"", 5, &r), 0);
    CU_ASSERT_EQUAL(fgd_payload_check("{\"a\":", 5, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.error_type, "InvalidRequestContentException");
    CU_ASSERT_EQUAL(fgd_payload_check("hello", 5, &r), -1);
    CU_ASSERT_EQUAL(fgd_payload_check("{} {}", 5, &r), -1);
    fgd_resp_free(&r);
}

static void
test_invoke_frame(void)
{
    fgd_fn_t     fn;
    fg_buf_t     b = { 0 };
    fg_frame_t   f;
    fg_field_iter_t it;
    const char  *k;
    const uint8_t *v;
    size_t       kl, vl;
    uint64_t     u;
    int          envs = 0;
    bool         saw_user = false, saw_name = false, saw_exec = false;
    bool         saw_endpoint = false;
    fgd_invoke_extra_t  x = { "http://10.213.0.1:8080",
        "ASIAAAAAAAAAAAAAAAAA:s3cr/t:t0k+n:2026-12-06T07:30:00Z", 0 };

    memset(&fn, 0, sizeof(fn));
    strcpy(fn.name, "f1");
    strcpy(fn.handler, "bootstrap");
    fn.memory_mb = 256;
    fn.timeout_s = 5;
    fn.environment = strdup("{\"MY_VAR\":\"x=y\"}");

    strcpy(fn.runtime, "provided.al2023");
    CU_ASSERT_EQUAL_FATAL(fgd_invoke_frame(&b, &fn, "eu-west-1", "rid-1",
        "arn:aws:lambda:eu-west-1:123456789012:function:f1:live", &x,
        (const uint8_t *) "{\"a\":1}", 7), 0);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_INVOKE);
    v = fg_frame_get(&f, "runtime", &vl);
    CU_ASSERT(v != NULL && vl == 15 && memcmp(v, "provided.al2023", 15) == 0);
    v = fg_frame_get(&f, "function_arn", &vl);
    CU_ASSERT(v != NULL && vl == 54 && memcmp(v,
        "arn:aws:lambda:eu-west-1:123456789012:function:f1:live", 54) == 0);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "timeout_ms", &u), 0);
    CU_ASSERT_EQUAL(u, 5000);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "memory_mb", &u), 0);
    CU_ASSERT_EQUAL(u, 256);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "max_output", &u), 0);
    CU_ASSERT_EQUAL(u, 6291556);
    v = fg_frame_get(&f, "event", &vl);
    CU_ASSERT_EQUAL(vl, 7);
    /* the call's credentials travel as their own field, never as env */
    v = fg_frame_get(&f, "credentials", &vl);
    CU_ASSERT(v != NULL && vl == strlen(x.credentials)
              && memcmp(v, x.credentials, vl) == 0);
    fg_field_iter_init(&it, &f);
    while (fg_field_next(&it, &k, &kl, &v, &vl) == 1) {
        if (kl == 3 && memcmp(k, "env", 3) == 0) {
            envs++;
            if (vl == 10 && memcmp(v, "MY_VAR=x=y", 10) == 0) {
                saw_user = true;
            }
            if (vl == 39 && memcmp(v, "AWS_ENDPOINT_URL=http://10.213.0.1:"
                    "8080", 39) == 0)
            {
                saw_endpoint = true;
            }
            CU_ASSERT(vl < 17 || memcmp(v, "AWS_ACCESS_KEY_ID", 17) != 0);
            if (vl == 27 && memcmp(v, "AWS_LAMBDA_FUNCTION_NAME=f1", 27) == 0) {
                saw_name = true;
            }
            if (vl == 44 && memcmp(v, "AWS_EXECUTION_ENV=AWS_Lambda_provided"
                    ".al2023", 44) == 0)
            {
                saw_exec = true;
            }
        }
    }
    CU_ASSERT_TRUE(saw_user);
    CU_ASSERT_TRUE(saw_endpoint);
    CU_ASSERT_TRUE(saw_name);
    CU_ASSERT_TRUE(saw_exec);
    CU_ASSERT(envs >= 10);
    fg_buf_free(&b);
    fgd_fn_clear(&fn);
}

static void
result_frame(fg_buf_t *b, fg_frame_t *f, const char *rid,
    const char *status, unsigned exit_code, const char *out,
    const char *msg)
{
    fg_buf_reset(b);
    fg_frame_begin(b, FG_FRAME_RESULT, 1);
    fg_frame_add_str(b, "request_id", rid);
    fg_frame_add_str(b, "status", status);
    fg_frame_add_u64(b, "exit", exit_code);
    fg_frame_add_str(b, "stdout", out);
    fg_frame_add_str(b, "stderr", "log line\n");
    fg_frame_add_u64(b, "duration_us", 12345);
    fg_frame_add_u64(b, "max_rss_kb", 3000);
    if (msg != NULL) {
        fg_frame_add_str(b, "message", msg);
    }
    fg_frame_end(b);
    CU_ASSERT_EQUAL(fg_frame_parse(b->data, b->len, f), (ssize_t) b->len);
}

/* Runs status through parse + response; checks the outcome. */
static void
check_result(const char *status, unsigned code, const char *msg,
    int want_status, const char *want_fe, const char *want_type,
    const char *want_msg_part)
{
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r = { 0 };
    bool             healthy;
    struct timespec  now = { 1565821571, 234000000 };
    const char      *p_type[] = { "errorType", NULL };
    const char      *p_msg[] = { "errorMessage", NULL };

    result_frame(&b, &f, "rid-9", status, code, "{\"ok\":true}", msg);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
    fgd_result_response(&res, "rid-9", 3000, &now, &r, &healthy);
    CU_ASSERT_EQUAL(r.status, want_status);
    if (want_fe == NULL) {
        CU_ASSERT_PTR_NULL(r.function_error);
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(r.function_error);
        CU_ASSERT_STRING_EQUAL(r.function_error, want_fe);
        CU_ASSERT_TRUE(healthy);
        yajl_val v = yajl_tree_parse(r.body, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        if (want_type == NULL) {
            CU_ASSERT_PTR_NULL(yajl_tree_get(v, p_type, yajl_t_string));
        } else {
            CU_ASSERT_STRING_EQUAL(jstr(v, p_type), want_type);
        }
        if (strstr(jstr(v, p_msg), want_msg_part) == NULL) {
            fprintf(stderr, "\n\"%s\" lacks \"%s\"\n", jstr(v, p_msg),
                want_msg_part);
            CU_FAIL("errorMessage");
        }
        yajl_tree_free(v);
    }
    fgd_resp_free(&r);
    fg_buf_free(&b);
}

static void
test_results(void)
{
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r = { 0 };
    bool             healthy;
    struct timespec  now = { 0, 0 };
    char            *tail;
    size_t           len;

    /* ok: the output as it is. */
    result_frame(&b, &f, "rid-9", "ok", 0, "{\"ok\":true}", NULL);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
    CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-9", 3000, &now, &r,
        &healthy), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NULL(r.function_error);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"ok\":true}");
    CU_ASSERT_EQUAL(res.duration_us, 12345);
    CU_ASSERT_EQUAL(res.max_rss_kb, 3000);

    /* The log tail: Lambda's START / END / REPORT around stderr. */
    tail = fgd_log_tail(&res, "rid-9", "$LATEST", 128, 0, false, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
    CU_ASSERT_PTR_NOT_NULL(strstr(tail,
        "START RequestId: rid-9 Version: $LATEST\nlog line\nEND"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tail, "Duration: 12.35 ms\tBilled "
        "Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB"));
    free(tail);

    /* A long stderr: the tail keeps the last 4 KB, REPORT included. */
    {
        fgd_result_t  big = res;
        char         *err = malloc(10000);
        memset(err, 'e', 10000);
        big.err = (const uint8_t *) err;
        big.err_len = 10000;
        tail = fgd_log_tail(&big, "rid-9", "$LATEST", 128, 250, true, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
        CU_ASSERT_EQUAL(len, FGD_LOG_TAIL);
        CU_ASSERT_PTR_NULL(strstr(tail, "START"));
        CU_ASSERT_PTR_NOT_NULL(strstr(tail, "Init Duration: 250.00 ms"));
        free(tail);
        free(err);
    }

    /* Another request's RESULT, or not a RESULT, is refused. */
    CU_ASSERT_EQUAL(fgd_result_parse(&f, "rid-8", &res), -1);
    f.type = FG_FRAME_LOADED;
    CU_ASSERT_EQUAL(fgd_result_parse(&f, "rid-9", &res), -1);
    fgd_resp_free(&r);
    fg_buf_free(&b);

    check_result("error", 3, NULL, 200, "Unhandled", "Runtime.ExitError",
        "RequestId: rid-9 Error: Runtime exited with error: exit status 3");
    check_result("signal", 9, NULL, 200, "Unhandled", "Runtime.ExitError",
        "Runtime exited with error: signal: killed");
    check_result("signal", 11, NULL, 200, "Unhandled", "Runtime.ExitError",
        "signal: segmentation fault");
    check_result("oom", 9, NULL, 200, "Unhandled", "Runtime.OutOfMemory",
        "signal: killed");
    check_result("timeout", 0, NULL, 200, "Unhandled", NULL,
        "2019-08-14T22:26:11.234Z rid-9 Task timed out after 3.00 seconds");
    check_result("too_large", 0, NULL, 200, "Unhandled",
        "Function.ResponseSizeTooLarge", "6291556 bytes");
    check_result("failed", 0, "exec /var/task/bootstrap: permission denied",
        200, "Unhandled", "Runtime.InvalidEntrypoint",
        "RequestId: rid-9 Error: exec /var/task/bootstrap");

    check_result("error", 0, NULL, 200, "Unhandled", "Runtime.ExitError",
        "RequestId: rid-9 Error: Runtime exited without providing a reason");

    /* What a runtime posted: its errorMessage, errorType, stackTrace
     * (or trace). */
    {
        static const struct {
            const char *status, *out, *type, *want;
        } c[] = {
            { "function_error", "{\"errorMessage\":\"boom \\u00e9\","
              "\"errorType\":\"ValueError\",\"stackTrace\":[\"  File a\","
              "1,\"  File b\"],\"requestId\":\"x\"}", "Other",
              "{\"errorMessage\":\"boom \xc3\xa9\",\"errorType\":"
              "\"ValueError\",\"stackTrace\":[\"  File a\",\"  File b\"]}" },
            /* Node.js's name for it, trace, is kept */
            { "function_error", "{\"errorType\":\"TypeError\","
              "\"errorMessage\":\"bad\",\"trace\":[\"TypeError: bad\","
              "\"    at h (/var/task/index.js:1:2)\"]}", "TypeError",
              "{\"errorMessage\":\"bad\",\"errorType\":\"TypeError\","
              "\"trace\":[\"TypeError: bad\","
              "\"    at h (/var/task/index.js:1:2)\"]}" },
            { "function_error", "{\"errorMessage\":\"m\"}", "Custom.T",
              "{\"errorMessage\":\"m\",\"errorType\":\"Custom.T\"}" },
            { "init_error", "", NULL,
              "{\"errorMessage\":\"\",\"errorType\":\"Runtime.Unknown\"}" },
            { "init_error", "not json\x01\xff", "Runtime.Boom",
              "{\"errorMessage\":\"not json??\",\"errorType\":"
              "\"Runtime.Boom\"}" },
            { "function_error", "[1,2]", NULL,
              "{\"errorMessage\":\"[1,2]\",\"errorType\":"
              "\"Runtime.Unknown\"}" },
        };
        size_t  i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
            fg_buf_reset(&b);
            fg_frame_begin(&b, FG_FRAME_RESULT, 1);
            fg_frame_add_str(&b, "request_id", "rid-9");
            fg_frame_add_str(&b, "status", c[i].status);
            fg_frame_add_str(&b, "stdout", c[i].out);
            if (c[i].type != NULL) {
                fg_frame_add_str(&b, "error_type", c[i].type);
            }
            fg_frame_add_u64(&b, "init_us", 1500);
            fg_frame_end(&b);
            CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f),
                (ssize_t) b.len);
            CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
            CU_ASSERT_TRUE(res.has_init);
            CU_ASSERT_EQUAL(res.init_us, 1500);
            CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-9", 3000, &now, &r,
                &healthy), 0);
            CU_ASSERT_EQUAL(r.status, 200);
            CU_ASSERT_TRUE(healthy);
            CU_ASSERT(r.function_error != NULL
                && strcmp(r.function_error, "Unhandled") == 0);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
            if (strcmp(r.body, c[i].want) != 0) {
                fprintf(stderr, "\ncase %zu: %s\n", i, r.body);
                CU_FAIL("posted error");
            }
            fgd_resp_free(&r);
            memset(&r, 0, sizeof(r));
        }
        fg_buf_reset(&b);
    }

    /* An unknown status: the guest is not trusted any more. */
    result_frame(&b, &f, "rid-9", "weird", 0, "", NULL);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
    CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-9", 3000, &now, &r,
        &healthy), -1);
    CU_ASSERT_EQUAL(r.status, 502);
    CU_ASSERT_FALSE(healthy);
    CU_ASSERT_STRING_EQUAL(r.error_type, "ServiceException");
    fgd_resp_free(&r);
    fg_buf_free(&b);
}

/* Runs a RESULT through fgd_result_response, then fgd_result_redact;
 * the body must be want. */
static void
check_redact(const char *status, const char *out, const char *type,
    const char *msg, long long code, const char *want)
{
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r = { 0 };
    bool             healthy;
    struct timespec  now = { 1565821571, 234000000 };

    fg_frame_begin(&b, FG_FRAME_RESULT, 1);
    fg_frame_add_str(&b, "request_id", "rid-7");
    fg_frame_add_str(&b, "status", status);
    fg_frame_add_str(&b, "stdout", out);
    fg_frame_add_u64(&b, "exit", (uint64_t) code);
    if (type != NULL) {
        fg_frame_add_str(&b, "error_type", type);
    }
    if (msg != NULL) {
        fg_frame_add_str(&b, "message", msg);
    }
    fg_frame_end(&b);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f),
        (ssize_t) b.len);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-7", &res), 0);
    CU_ASSERT_EQUAL_FATAL(fgd_result_response(&res, "rid-7", 3000, &now, &r,
        &healthy), 0);
    CU_ASSERT_EQUAL(fgd_result_redact(&res, "rid-7", &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
    if (strcmp(r.body, want) != 0) {
        fprintf(stderr, "\n%s: %s\n", status, r.body);
        CU_FAIL("redacted body");
    }
    if (strstr(r.message, "s3cr3t") != NULL) {
        CU_FAIL("the message for the log of an API call keeps the secret");
    }
    fgd_resp_free(&r);
    fg_buf_free(&b);
}

static void
test_result_redact(void)
{
    /* what the owner's runtime posted: errorType only */
    check_redact("function_error", "{\"errorMessage\":\"key s3cr3t\","
        "\"errorType\":\"ValueError\",\"stackTrace\":[\"  File "
        "\\\"/var/task/app.py\\\", line 3: s3cr3t\"]}", NULL, NULL, 0,
        "{\"errorMessage\":\"RequestId: rid-7 Error: the function's error "
        "message is shown only to its owner\",\"errorType\":\"ValueError\"}");
    check_redact("init_error", "not json s3cr3t", "Runtime.ImportModuleError",
        NULL, 0, "{\"errorMessage\":\"RequestId: rid-7 Error: the "
        "function's error message is shown only to its owner\","
        "\"errorType\":\"Runtime.ImportModuleError\"}");
    check_redact("failed", "", NULL, "exec /var/task/s3cr3t: no such file",
        0, "{\"errorMessage\":\"RequestId: rid-7 Error: the function's "
        "error message is shown only to its owner\",\"errorType\":"
        "\"Runtime.InvalidEntrypoint\"}");
    /* fngate's own wordings stay */
    check_redact("error", "", NULL, NULL, 3, "{\"errorMessage\":\"RequestId: "
        "rid-7 Error: Runtime exited with error: exit status 3\","
        "\"errorType\":\"Runtime.ExitError\"}");
    check_redact("timeout", "", NULL, NULL, 0, "{\"errorMessage\":"
        "\"2019-08-14T22:26:11.234Z rid-7 Task timed out after 3.00 "
        "seconds\"}");
    /* a call that did not fail is left alone */
    check_redact("ok", "{\"s3\":1}", NULL, NULL, 0, "{\"s3\":1}");
}

const cu_test_t  result_tests[] = {
    { "counters", test_counters },
    { "Invoke parameters", test_invoke_params },
    { "INVOKE frame", test_invoke_frame },
    { "RESULT -> response", test_results },
    { "function errors of another account redacted", test_result_redact },
    { NULL, NULL }
};
