/*
 * The suite fngated_deadline of test_fngated: a call's deadline, its
 * check, the refusal rule, the order of waiting calls, the call's
 * timeout and the estimate of a version's need (fngated_deadline.c).
 */

#include <stdio.h>
#include <string.h>

#include "fngated_deadline.h"
#include "fngated_result.h"
#include "test_fngated.h"

static void
test_parse(void)
{
    fgd_resp_t  r;
    uint64_t    ms = 7;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_deadline_parse(NULL, &ms, &r), 0);
    CU_ASSERT_EQUAL(ms, 0);
    CU_ASSERT_EQUAL(fgd_deadline_parse("", &ms, &r), 0);
    CU_ASSERT_EQUAL(ms, 0);
    CU_ASSERT_EQUAL(fgd_deadline_parse("1765000000123", &ms, &r), 0);
    CU_ASSERT_EQUAL(ms, 1765000000123ULL);
    CU_ASSERT_EQUAL(fgd_deadline_parse("946684800000", &ms, &r), 0);
    CU_ASSERT_EQUAL(fgd_deadline_parse("4102444800000", &ms, &r), 0);

    /* not digits, a sign, seconds, microseconds, too long, too far */
    expect_err(fgd_deadline_parse("abc", &ms, &r), &r, 400,
        "InvalidParameterValueException", "Unix time in milliseconds");
    CU_ASSERT_EQUAL(ms, 0);
    expect_err(fgd_deadline_parse("-1765000000123", &ms, &r), &r, 400,
        "InvalidParameterValueException", "'-1765000000123'");
    expect_err(fgd_deadline_parse("+1765000000123", &ms, &r), &r, 400,
        "InvalidParameterValueException", "digits only");
    expect_err(fgd_deadline_parse("1765000000.5", &ms, &r), &r, 400,
        "InvalidParameterValueException", "digits only");
    expect_err(fgd_deadline_parse(" 1765000000123", &ms, &r), &r, 400,
        "InvalidParameterValueException", "digits only");
    expect_err(fgd_deadline_parse("1765000000", &ms, &r), &r, 400,
        "InvalidParameterValueException", "between 946684800000 and");
    expect_err(fgd_deadline_parse("1765000000123000", &ms, &r), &r, 400,
        "InvalidParameterValueException", "digits only");
    expect_err(fgd_deadline_parse("99999999999999999999999", &ms, &r), &r,
        400, "InvalidParameterValueException", "digits only");
    expect_err(fgd_deadline_parse("4102444800001", &ms, &r), &r, 400,
        "InvalidParameterValueException", "4102444800000");
    expect_err(fgd_deadline_parse("946684799999", &ms, &r), &r, 400,
        "InvalidParameterValueException", "not a deadline");
}

static void
test_refused(void)
{
    /* no deadline: never */
    CU_ASSERT_FALSE(fgd_deadline_refused(0, 5000, 1000000));
    /* past */
    CU_ASSERT(fgd_deadline_refused(4000, 5000, 0));
    /* just enough, not enough */
    CU_ASSERT_FALSE(fgd_deadline_refused(6000, 5000, 1000));
    CU_ASSERT(fgd_deadline_refused(5999, 5000, 1000));
    /* an unknown need (0) is refused only when past */
    CU_ASSERT_FALSE(fgd_deadline_refused(5000, 5000, 0));
}

static void
test_order(void)
{
    uint64_t  a, b, c, d;

    /* wall 10000, monotonic 200 */
    a = fgd_deadline_order(0, 10000, 200, 3000);         /* none: +timeout */
    CU_ASSERT_EQUAL(a, 3200);
    b = fgd_deadline_order(12000, 10000, 200, 3000);     /* in 2 s */
    CU_ASSERT_EQUAL(b, 2200);
    c = fgd_deadline_order(9000, 10000, 200, 3000);      /* past: now */
    CU_ASSERT_EQUAL(c, 200);
    /* a later call with an earlier deadline goes before one that came
     * first with a later deadline */
    d = fgd_deadline_order(11500, 10500, 700, 3000);
    CU_ASSERT(d < fgd_deadline_order(14000, 10000, 200, 3000));
    /* calls without a deadline of one function keep their order */
    CU_ASSERT(fgd_deadline_order(0, 10000, 200, 3000)
              < fgd_deadline_order(0, 10001, 201, 3000));

    /* the latest start */
    CU_ASSERT_EQUAL(fgd_deadline_start_by(0, 10000, 200, 500), 0);
    CU_ASSERT_EQUAL(fgd_deadline_start_by(12000, 10000, 200, 500), 1700);
    CU_ASSERT_EQUAL(fgd_deadline_start_by(10400, 10000, 200, 500), 1);
    /* just enough: it may still start now (the fuzzer's finding) */
    CU_ASSERT_EQUAL(fgd_deadline_start_by(10500, 10000, 200, 500), 200);
    CU_ASSERT_FALSE(fgd_deadline_refused(10500, 10000, 500));
    CU_ASSERT_EQUAL(fgd_deadline_start_by(9000, 10000, 200, 0), 1);
}

static void
test_timeout(void)
{
    fgd_result_t     res;
    fgd_resp_t       r;
    struct timespec  now = { 1565821571, 234000000 };
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_fn_t         fn;
    fgd_invoke_extra_t  x = { NULL, NULL, 0 };
    uint64_t         u;
    bool             healthy;

    CU_ASSERT_EQUAL(fgd_deadline_timeout(0, 10000, 3000), 3000);
    CU_ASSERT_EQUAL(fgd_deadline_timeout(20000, 10000, 3000), 3000);
    CU_ASSERT_EQUAL(fgd_deadline_timeout(12345, 10000, 3000), 2345);
    CU_ASSERT_EQUAL(fgd_deadline_timeout(10000, 10000, 3000), 1);

    /* the INVOKE frame carries the cut timeout, the message names it */
    memset(&fn, 0, sizeof(fn));
    strcpy(fn.name, "f1");
    strcpy(fn.handler, "h");
    fn.timeout_s = 3;
    fn.memory_mb = 128;
    x.timeout_ms = 2345;
    CU_ASSERT_EQUAL_FATAL(fgd_invoke_frame(&b, &fn, "eu-west-1", "rid-1",
        "arn:aws:lambda:eu-west-1:123456789012:function:f1", &x,
        (const uint8_t *) "{}", 2), 0);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "timeout_ms", &u), 0);
    CU_ASSERT_EQUAL(u, 2345);
    fg_buf_free(&b);

    memset(&res, 0, sizeof(res));
    memset(&r, 0, sizeof(r));
    strcpy(res.status, "timeout");
    CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-1", 2345, &now, &r,
        &healthy), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "rid-1 Task timed out after 2.34 "
        "seconds"));
    fgd_resp_free(&r);
}

static void
test_estimate(void)
{
    fgd_estimates_t  t;
    char             key[FGD_ESTIMATE_KEY], k[32];
    unsigned         ms, i;

    memset(&t, 0, sizeof(t));
    CU_ASSERT_EQUAL(fgd_estimate_key(key, sizeof(key), "123456789012", "f",
        "$LATEST", "ab12"), 0);
    CU_ASSERT_STRING_EQUAL(key, "123456789012:f:$LATEST:ab12");
    CU_ASSERT_EQUAL(fgd_estimate_key(key, 10, "123456789012", "f", "1",
        "ab"), -1);

    /* nothing known */
    CU_ASSERT_FALSE(fgd_estimate_get(&t, "a", 1000, &ms));
    /* the longest of the recent runs */
    fgd_estimate_add(&t, "a", 120, 1000);
    fgd_estimate_add(&t, "a", 3000, 1000);
    fgd_estimate_add(&t, "a", 80, 1000);
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000, &ms));
    CU_ASSERT_EQUAL(ms, 3000);
    /* ... of the last FGD_ESTIMATE_RUNS only */
    for (i = 0; i < FGD_ESTIMATE_RUNS - 1; i++) {
        fgd_estimate_add(&t, "a", 50, 1000);
    }
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000, &ms));
    CU_ASSERT_EQUAL(ms, 80);
    fgd_estimate_add(&t, "a", 50, 1000);
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000, &ms));
    CU_ASSERT_EQUAL(ms, 50);
    /* runs older than FGD_ESTIMATE_TTL_MS say nothing; a new one does */
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000 + FGD_ESTIMATE_TTL_MS - 1, &ms));
    CU_ASSERT_FALSE(fgd_estimate_get(&t, "a", 1000 + FGD_ESTIMATE_TTL_MS,
        &ms));
    fgd_estimate_add(&t, "a", 20, 1000 + FGD_ESTIMATE_TTL_MS);
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000 + FGD_ESTIMATE_TTL_MS + 5, &ms));
    CU_ASSERT_EQUAL(ms, 20);
    /* another version is another entry */
    CU_ASSERT_FALSE(fgd_estimate_get(&t, "b", 1000, &ms));
    fgd_estimates_clear(&t);

    /* a full table: the version used least recently makes room */
    t.max = 3;
    fgd_estimate_add(&t, "a", 1, 1000);
    fgd_estimate_add(&t, "b", 2, 1000);
    fgd_estimate_add(&t, "c", 3, 1000);
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000, &ms));      /* a used again */
    fgd_estimate_add(&t, "d", 4, 1000);
    CU_ASSERT_EQUAL(t.n, 3);
    CU_ASSERT_FALSE(fgd_estimate_get(&t, "b", 1000, &ms));
    CU_ASSERT(fgd_estimate_get(&t, "a", 1000, &ms) && ms == 1);
    CU_ASSERT(fgd_estimate_get(&t, "d", 1000, &ms) && ms == 4);
    for (i = 0; i < 40; i++) {
        snprintf(k, sizeof(k), "k%u", i);
        fgd_estimate_add(&t, k, i, 1000);
    }
    CU_ASSERT_EQUAL(t.n, 3);
    CU_ASSERT(fgd_estimate_get(&t, "k39", 1000, &ms) && ms == 39);
    fgd_estimates_clear(&t);
}

const cu_test_t  deadline_tests[] = {
    { "the header's value", test_parse },
    { "the refusal rule", test_refused },
    { "the order of waiting calls", test_order },
    { "the call's timeout", test_timeout },
    { "the estimate of a version's need", test_estimate },
    { NULL, NULL }
};
