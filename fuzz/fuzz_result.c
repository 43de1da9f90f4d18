/*
 * fuzz_result: what fngated makes of the agent's answer to an INVOKE
 * (fngated_invoke.c's order): fgd_result_parse of the RESULT frame,
 * fgd_result_response (the posted error document of a runtime is parsed
 * there), fgd_result_redact (another account's call), the log tail
 * (X-Amz-Log-Result, base64) and the counters.  The guest, and the code
 * in it, write these bytes: they are outside bytes to fngated.
 *
 * Input: one frame (fg_frame_parse); the request id expected is the
 * frame's own "request_id" when it has one.
 *
 * Invariants: a response is a status with a body; an error has a type;
 * the log tail is at most 4 KB and its base64 decodes to it; billed ms
 * is at least 1 and not below the whole ms of the duration (no
 * wrap-around).
 */

#include <time.h>

#include "fuzz.h"
#include "fngated_result.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r;
    struct timespec  now = { 1795435200, 123000000 };
    const uint8_t   *v;
    char             id[64] = "f0e1d2c3-b4a5-4678-9abc-def012345678";
    char            *tail = NULL, *b64 = NULL, num[32];
    uint8_t         *dec = NULL;
    size_t           len, tlen;
    ssize_t          dl;
    bool             healthy = true;

    memset(&r, 0, sizeof(r));
    if (fg_frame_parse(data, size, &f) <= 0) {
        return 0;
    }
    v = fg_frame_get(&f, "request_id", &len);
    if (v != NULL && len < sizeof(id) && memchr(v, '\0', len) == NULL) {
        memcpy(id, v, len);
        id[len] = '\0';
    }
    if (fgd_result_parse(&f, id, &res) != 0) {
        return 0;
    }
    FZ_CHECK(res.status[0] != '\0' && strlen(res.status) < 16);
    FZ_CHECK(res.err_len <= FGD_LOG_TAIL);

    if (fgd_result_response(&res, id, 3000, &now, &r, &healthy) == 0) {
        FZ_CHECK(r.status == 200);
        (void) fgd_result_redact(&res, id, &r);
    } else {
        FZ_CHECK(r.status >= 400 && r.error_type != NULL);
    }
    FZ_CHECK(r.body != NULL || r.body_len == 0);

    tail = fgd_log_tail(&res, id, "$LATEST", 128, 12, res.has_init, &tlen);
    if (tail != NULL) {
        FZ_CHECK(tlen <= FGD_LOG_TAIL);
        b64 = malloc(tlen / 3 * 4 + 8);
        dec = malloc(tlen + 3);
        if (b64 != NULL && dec != NULL) {
            size_t bl = fgd_base64_encode((const uint8_t *) tail, tlen, b64);

            FZ_CHECK(bl == strlen(b64));
            dl = fgd_base64_decode(b64, bl, dec);
            FZ_CHECK(dl == (ssize_t) tlen && memcmp(dec, tail, tlen) == 0);
        }
    }

    fgd_duration_ms(res.duration_us, num, sizeof(num));
    FZ_CHECK(fgd_billed_ms(res.duration_us) >= 1);
    FZ_CHECK(fgd_billed_ms(res.duration_us) >= res.duration_us / 1000);
    (void) fgd_memory_used_mb(res.max_rss_kb);

    free(tail);
    free(b64);
    free(dec);
    fgd_resp_free(&r);
    return 0;
}
