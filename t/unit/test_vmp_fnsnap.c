/*
 * The suite vmp_fnsnap of test_vmpool: function snapshots'
 * configuration, names and reaping (vmp_fnsnap.c).
 */

#include <stdio.h>
#include <string.h>

#include "test_vmpool.h"

/* An INVOKE frame as fngated builds one (fgd_invoke_frame's fields). */
static void
invoke_frame(fg_buf_t *b, const char *request_id, const char *arn,
    const char *event, const char *greeting, uint64_t memory_mb)
{
    char  env[64], rid[64];

    b->len = 0;
    snprintf(env, sizeof(env), "GREETING=%s", greeting);
    snprintf(rid, sizeof(rid), "AWS_REQUEST_ID=%s", request_id);
    fg_frame_begin(b, FG_FRAME_INVOKE, 0);
    fg_frame_add_str(b, "request_id", request_id);
    fg_frame_add_str(b, "runtime", "python3.11");
    fg_frame_add_str(b, "handler", "app.handler");
    fg_frame_add_str(b, "function_arn", arn);
    fg_frame_add_str(b, "event", event);
    /* each call's own credentials */
    fg_frame_add_str(b, "credentials", request_id);
    fg_frame_add_str(b, "env", "AWS_LAMBDA_FUNCTION_NAME=f");
    fg_frame_add_str(b, "env", rid);
    fg_frame_add_str(b, "env", env);
    fg_frame_add_u64(b, "timeout_ms", 3000);
    fg_frame_add_u64(b, "memory_mb", memory_mb);
    fg_frame_add_u64(b, "max_output", 6291456);
    fg_frame_end(b);
}


static void
test_fnsnap_config(void)
{
    fg_buf_t  b = { 0 };
    char      c1[65], c2[65], c3[65];

    /* What changes per call does not change the configuration. */
    invoke_frame(&b, "id-1", "arn:1", "{}", "hello", 128);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, b.len, "111:f", c1), 0);
    CU_ASSERT_EQUAL(strlen(c1), 64);
    invoke_frame(&b, "id-2222", "arn:1:alias", "{\"x\":1}", "hello", 128);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, b.len, "111:f", c2), 0);
    CU_ASSERT_STRING_EQUAL(c1, c2);

    /* What the runtime saw at its init does; so does the function. */
    invoke_frame(&b, "id-1", "arn:1", "{}", "bonjour", 128);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, b.len, "111:f", c3), 0);
    CU_ASSERT_STRING_NOT_EQUAL(c1, c3);
    invoke_frame(&b, "id-1", "arn:1", "{}", "hello", 256);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, b.len, "111:f", c3), 0);
    CU_ASSERT_STRING_NOT_EQUAL(c1, c3);
    invoke_frame(&b, "id-1", "arn:1", "{}", "hello", 128);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, b.len, "222:f", c3), 0);
    CU_ASSERT_STRING_NOT_EQUAL(c1, c3);

    /* Not an INVOKE. */
    b.len = 0;
    fg_frame_begin(&b, FG_FRAME_PING, 0);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, b.len, "111:f", c3), -1);
    CU_ASSERT_EQUAL(vmp_fnsnap_config(b.data, 3, "111:f", c3), -1);
    fg_buf_free(&b);
}


static void
test_fnsnap_name(void)
{
    char  n1[160], n2[160], tiny[20];
    const char  *code = "0123456789abcdef0123456789abcdef"
                        "0123456789abcdef0123456789abcdef";
    const char  *cfg = "aa", *base = "bb";

    CU_ASSERT_EQUAL(vmp_fnsnap_name("111122223333", code, cfg, base, n1,
        sizeof(n1)), 0);
    CU_ASSERT_EQUAL(strncmp(n1, "fn-111122223333-", 16), 0);
    CU_ASSERT_EQUAL(strlen(n1), 16 + 64);
    /* each part counts: account, code, configuration, base */
    CU_ASSERT_EQUAL(vmp_fnsnap_name("111122223333", code, cfg, base, n2,
        sizeof(n2)), 0);
    CU_ASSERT_STRING_EQUAL(n1, n2);
    vmp_fnsnap_name("444455556666", code, cfg, base, n2, sizeof(n2));
    CU_ASSERT_STRING_NOT_EQUAL(n1 + 16, n2 + 16);
    vmp_fnsnap_name("111122223333", "00", cfg, base, n2, sizeof(n2));
    CU_ASSERT_STRING_NOT_EQUAL(n1, n2);
    vmp_fnsnap_name("111122223333", code, "ab", base, n2, sizeof(n2));
    CU_ASSERT_STRING_NOT_EQUAL(n1, n2);
    vmp_fnsnap_name("111122223333", code, cfg, "cc", n2, sizeof(n2));
    CU_ASSERT_STRING_NOT_EQUAL(n1, n2);
    /* the parts are separated: "a"+"ab" is not "aa"+"b" */
    vmp_fnsnap_name("111", "a", "ab", base, n1, sizeof(n1));
    vmp_fnsnap_name("111", "aa", "b", base, n2, sizeof(n2));
    CU_ASSERT_STRING_NOT_EQUAL(n1, n2);

    /* a pool key that is no word gets no image; nor does an empty part */
    CU_ASSERT_EQUAL(vmp_fnsnap_name("../x", code, cfg, base, n1,
        sizeof(n1)), -1);
    CU_ASSERT_EQUAL(vmp_fnsnap_name("a b", code, cfg, base, n1,
        sizeof(n1)), -1);
    CU_ASSERT_EQUAL(vmp_fnsnap_name("", code, cfg, base, n1, sizeof(n1)),
        -1);
    CU_ASSERT_EQUAL(vmp_fnsnap_name("111", code, "", base, n1, sizeof(n1)),
        -1);
    CU_ASSERT_EQUAL(vmp_fnsnap_name("111", code, cfg, base, tiny,
        sizeof(tiny)), -1);
}


static void
test_fnsnap_reap(void)
{
    vmp_fnsnap_entry_t  e[] = {
        { "fn-1-a", "B", 100 },
        { "fn-1-b", "old", 500 },     /* another guest image */
        { "fn-2-a", "B", 50 },
        { "fn-2-b", NULL, 900 },      /* no key */
        { "fn-3-a", "B", 300 },
        { "fn-3-b", "B", 300 },
    };
    bool  drop[6];

    /* Within the bound: only those of another base or without a key. */
    CU_ASSERT_EQUAL(vmp_fnsnap_reap(e, 6, "B", 4, drop), 2);
    CU_ASSERT(!drop[0] && drop[1] && !drop[2] && drop[3] && !drop[4]
              && !drop[5]);
    /* Beyond it: the least recently used go (ties by name). */
    CU_ASSERT_EQUAL(vmp_fnsnap_reap(e, 6, "B", 2, drop), 4);
    CU_ASSERT(drop[0] && drop[1] && drop[2] && drop[3] && !drop[4]
              && !drop[5]);
    CU_ASSERT_EQUAL(vmp_fnsnap_reap(e, 6, "B", 1, drop), 5);
    CU_ASSERT(drop[4] && !drop[5]);
    CU_ASSERT_EQUAL(vmp_fnsnap_reap(e, 6, "B", 0, drop), 6);
    CU_ASSERT_EQUAL(vmp_fnsnap_reap(e, 0, "B", 0, drop), 0);
}

const cu_test_t  vmp_fnsnap_tests[] = {
    { "function snapshot: configuration", test_fnsnap_config },
    { "function snapshot: names", test_fnsnap_name },
    { "function snapshot: reaping", test_fnsnap_reap },
    { NULL, NULL }
};
