/*
 * fuzz_deadline: a client's X-Fngate-Deadline as fngated reads it
 * (FNGATE_DEADLINE, fgd_deadline_parse), then what fngated does with an
 * accepted one: the refusal rule, the order among waiting calls, the
 * latest start and the call's timeout (fngated_deadline.c).
 *
 * Input: the header's value (up to the first NUL, as a FastCGI param
 * is); the bytes after it, when there are 16 or more, give a clock
 * ("now", Unix ms: the first 8 bytes, within the accepted range) and a
 * need in ms (the next 4).
 *
 * Invariants: a value is accepted only as digits within the range, and
 * then is that number; a refusal is a 400 InvalidParameterValueException
 * with a JSON body; the rule refuses exactly when now + need is past the
 * deadline; the latest start leaves the need before the deadline; the
 * call's timeout is at most the function's, at least 1 ms, and ends by
 * the deadline when the deadline is ahead.
 */

#include "fuzz.h"
#include "fngated_deadline.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t  *nul = memchr(data, '\0', size);
    size_t          len = nul != NULL ? (size_t) (nul - data) : size;
    char           *s = fz_dup(data, len);
    fgd_resp_t      r;
    uint64_t        d = 7, now = 1765000000000ULL, want = 0, t;
    uint32_t        need = 1500;
    bool            digits = len > 0;
    size_t          i;
    int             rc;

    if (s == NULL) {
        return 0;
    }
    memset(&r, 0, sizeof(r));
    rc = fgd_deadline_parse(s, &d, &r);
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            digits = false;
        } else if (want < 100000000000000ULL) {
            want = want * 10 + (uint64_t) (s[i] - '0');
        }
    }
    if (rc == 0) {
        FZ_CHECK(len == 0 ? d == 0 : digits && d == want);
        FZ_CHECK(d == 0 || (d >= FGD_DEADLINE_MIN_MS
                            && d <= FGD_DEADLINE_MAX_MS));
        FZ_CHECK(r.body == NULL);
    } else {
        FZ_CHECK(rc == -1 && d == 0 && r.status == 400);
        FZ_CHECK(strcmp(r.error_type, "InvalidParameterValueException")
                 == 0);
        FZ_CHECK(r.body != NULL && r.body[0] == '{');
        FZ_CHECK(!digits || len > 13 || want < FGD_DEADLINE_MIN_MS
                 || want > FGD_DEADLINE_MAX_MS);
    }
    fgd_resp_free(&r);
    free(s);

    if (rc != 0 || d == 0) {
        return 0;
    }
    if (nul != NULL && size - len - 1 >= 12) {
        memcpy(&now, nul + 1, 8);
        memcpy(&need, nul + 9, 4);
        now = FGD_DEADLINE_MIN_MS + now % (FGD_DEADLINE_MAX_MS
                                           - FGD_DEADLINE_MIN_MS);
    }
    FZ_CHECK(fgd_deadline_refused(d, now, need) == (now + need > d));
    t = fgd_deadline_start_by(d, now, 5000, need);
    FZ_CHECK(t >= 1);
    FZ_CHECK(now + need > d ? t == 1 : t == 5000 + (d - now - need));
    t = fgd_deadline_order(d, now, 5000, 3000);
    FZ_CHECK(d <= now ? t == 5000 : t == 5000 + (d - now));
    t = fgd_deadline_timeout(d, now, 900000);
    FZ_CHECK(t >= 1 && t <= 900000);
    FZ_CHECK(d <= now || now + t <= d);
    return 0;
}
