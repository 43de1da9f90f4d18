/*
 * The suite fngated_util of test_fngated: base64, time formats, the JSON
 * pre-check, uuids, hashes, signals and growing arrays (fngated_util.c).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_util.h"
#include "test_fngated.h"

static void
test_base64(void)
{
    char     enc[64];
    uint8_t  dec[64];

    CU_ASSERT_EQUAL(fgd_base64_encode((const uint8_t *) "", 0, enc), 0);
    fgd_base64_encode((const uint8_t *) "f", 1, enc);
    CU_ASSERT_STRING_EQUAL(enc, "Zg==");
    fgd_base64_encode((const uint8_t *) "fo", 2, enc);
    CU_ASSERT_STRING_EQUAL(enc, "Zm8=");
    fgd_base64_encode((const uint8_t *) "foobar", 6, enc);
    CU_ASSERT_STRING_EQUAL(enc, "Zm9vYmFy");

    CU_ASSERT_EQUAL(fgd_base64_decode("Zm9vYmFy", 8, dec), 6);
    CU_ASSERT_EQUAL(memcmp(dec, "foobar", 6), 0);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zg==", 4, dec), 1);
    CU_ASSERT_EQUAL(dec[0], 'f');
    CU_ASSERT_EQUAL(fgd_base64_decode("Zm8", 3, dec), 2);   /* no pad */
    CU_ASSERT_EQUAL(fgd_base64_decode("", 0, dec), 0);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zm9v!mFy", 8, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Z", 1, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zg=", 3, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zm9v\nYmFy", 9, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zh==", 4, dec), -1); /* bits */
}

static void
test_time(void)
{
    struct timespec ts = { 1565821571, 234567891 };
    char            buf[FGD_TIME_LEN];

    fgd_time_lambda(&ts, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2019-08-14T22:26:11.234+0000");
    fgd_time_rfc3339(&ts, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2019-08-14T22:26:11.234Z");
}

static void
test_json_shape(void)
{
    char deep[200];

    CU_ASSERT_TRUE(fgd_json_shape_ok("{\"a\":[1,{\"b\":2}]}", 17, 4));
    CU_ASSERT_FALSE(fgd_json_shape_ok("{\"a\":1}\0", 8, 4));
    memset(deep, '[', sizeof(deep));
    CU_ASSERT_FALSE(fgd_json_shape_ok(deep, sizeof(deep), 32));
    CU_ASSERT_TRUE(fgd_json_shape_ok("\"[[[[[[[[[[\"", 12, 2)); /* string */
    CU_ASSERT_FALSE(fgd_json_shape_ok("{\"a\":\"x\\u0000\"}", 15, 4));
    CU_ASSERT_TRUE(fgd_json_shape_ok("{\"a\":\"x\\\\u0000\"}", 16, 4));
}

static void
test_misc(void)
{
    uint8_t rnd[16];
    char    u[37], b[45];

    memset(rnd, 0xff, sizeof(rnd));
    fgd_uuid_format(rnd, u);
    CU_ASSERT_EQUAL(strlen(u), 36);
    CU_ASSERT_EQUAL(u[14], '4');
    CU_ASSERT_EQUAL(u[8], '-');
    CU_ASSERT_EQUAL(fgd_sha_hex_to_b64(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", b),
        0);
    CU_ASSERT_STRING_EQUAL(b, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    CU_ASSERT_EQUAL(fgd_sha_hex_to_b64("xyz", b), -1);
    CU_ASSERT_STRING_EQUAL(fgd_signal_name(9), "killed");
    CU_ASSERT_STRING_EQUAL(fgd_signal_name(11), "segmentation fault");
    CU_ASSERT_PTR_NULL(fgd_signal_name(99));
    CU_ASSERT_STRING_EQUAL(fgd_status_text(429), "Too Many Requests");
}

static void
test_grow(void)
{
    int     *v = NULL;
    size_t   cap = 0, n, i;

    for (n = 0; n < 40; n++) {
        CU_ASSERT_EQUAL_FATAL(fgd_grow(&v, &cap, n, sizeof(*v), 4), 0);
        CU_ASSERT(cap > n);
        v[n] = (int) n;
    }
    CU_ASSERT_EQUAL(cap, 64);                 /* 4, 8, 16, 32, 64 */
    for (i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(v[i], (int) i);       /* kept across each growth */
    }
    /* room left: nothing moves */
    {
        int  *was = v;

        CU_ASSERT_EQUAL(fgd_grow(&v, &cap, 41, sizeof(*v), 4), 0);
        CU_ASSERT_PTR_EQUAL(v, was);
        CU_ASSERT_EQUAL(cap, 64);
    }
    /* a size that overflows: refused, the array as it was */
    CU_ASSERT_EQUAL(fgd_grow(&v, &cap, 64, SIZE_MAX / 64, 4), -1);
    CU_ASSERT_EQUAL(cap, 64);
    CU_ASSERT_EQUAL(v[39], 39);
    free(v);
}

const cu_test_t  util_tests[] = {
    { "base64", test_base64 },
    { "time formats", test_time },
    { "JSON pre-check", test_json_shape },
    { "uuid, sha, signals", test_misc },
    { "growing arrays", test_grow },
    { NULL, NULL }
};
