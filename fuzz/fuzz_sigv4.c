/*
 * fuzz_sigv4: lib/fg_sigv4.c, what the nginx module runs on every signed
 * request: the Authorization header, x-amz-date, the canonical request of
 * the method, path, query and headers as sent.
 *
 * Input, lines separated by '\n':
 *   Authorization value
 *   method
 *   path (percent-encoded, as sent)
 *   query (without '?')
 *   x-amz-date value
 *   headers, one "Name:value" a line (up to 16)
 *
 * Invariants: a parsed header's parts lie inside the value and its
 * signature is 64 lowercase hex; a request whose canonical form builds,
 * signed with a known secret, verifies (with the secret and with the
 * scope's key), and verifies no more when one hex digit of the signature
 * changes.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "fg_sigv4.h"

#define FZ_HEADERS  16
#define SECRET      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static bool
fz_inside(fg_str_t part, fg_str_t whole)
{
    if (part.len == 0) {
        return true;
    }
    return part.data >= whole.data
           && part.data + part.len <= whole.data + whole.len;
}

static fg_str_t
fz_str(fz_span_t s)
{
    return (fg_str_t) { s.p, s.len };
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t           line[5 + FZ_HEADERS];
    fg_header_t         hdr[FZ_HEADERS];
    fg_sigv4_auth_t     auth, mine;
    fg_sigv4_request_t  req;
    fg_str_t            secret = { SECRET, sizeof(SECRET) - 1 };
    fg_str_t            sh, region = { "us-east-1", 9 };
    fg_str_t            service = { "lambda", 6 };
    unsigned char       key[FG_SIGV4_KEY_LEN];
    char               *creq = NULL, *sts = NULL, sig[65], hash[65];
    size_t              n, i, nh = 0;
    time_t              t;
    fg_sigv4_rc_t       rc;

    n = fz_split(data, size, '\n', line, 5 + FZ_HEADERS);
    while (n < 5) {
        line[n++] = (fz_span_t) { "", 0 };
    }

    rc = fg_sigv4_parse_auth(fz_str(line[0]), &auth);
    (void) fg_sigv4_strerror(rc);
    if (rc == FG_SIGV4_OK) {
        fg_str_t  v = fz_str(line[0]);

        FZ_CHECK(fz_inside(auth.access_key, v));
        FZ_CHECK(fz_inside(auth.date, v));
        FZ_CHECK(fz_inside(auth.region, v));
        FZ_CHECK(fz_inside(auth.service, v));
        FZ_CHECK(fz_inside(auth.signed_headers, v));
        FZ_CHECK(fz_inside(auth.signature, v));
        FZ_CHECK(auth.signature.len == 64);
        for (i = 0; i < 64; i++) {
            FZ_CHECK((auth.signature.data[i] >= '0'
                      && auth.signature.data[i] <= '9')
                     || (auth.signature.data[i] >= 'a'
                         && auth.signature.data[i] <= 'f'));
        }
    }

    for (i = 5; i < n; i++) {
        const char  *c = memchr(line[i].p, ':', line[i].len);
        size_t       nl = c ? (size_t) (c - line[i].p) : line[i].len;

        hdr[nh].name = (fg_str_t) { line[i].p, nl };
        hdr[nh].value = c ? (fg_str_t) { c + 1, line[i].len - nl - 1 }
                          : (fg_str_t) { "", 0 };
        nh++;
    }

    fg_sha256_hex(data, size, hash);
    req.method = fz_str(line[1]);
    req.uri = fz_str(line[2]);
    req.query = fz_str(line[3]);
    req.amz_date = fz_str(line[4]);
    req.headers = hdr;
    req.nheaders = nh;
    req.payload_hash = (fg_str_t) { hash, 64 };

    t = fg_sigv4_parse_date(req.amz_date);
    if (t != (time_t) -1) {
        FZ_CHECK(req.amz_date.len == 16);
    }

    /* what the module does with the header as parsed */
    if (rc == FG_SIGV4_OK) {
        (void) fg_sigv4_verify(&req, &auth, secret, t == -1 ? 0 : t, 300);
    }

    sh = rc == FG_SIGV4_OK ? auth.signed_headers
                           : (fg_str_t) { "host;x-amz-date", 15 };
    if (fg_sigv4_canonical_request(&req, sh, &creq) != FG_SIGV4_OK) {
        goto cleanup;
    }
    FZ_CHECK(creq != NULL);

    /* the round trip: sign it, then verify it */
    if (t == (time_t) -1) {
        goto cleanup;
    }
    memset(&mine, 0, sizeof(mine));
    mine.access_key = (fg_str_t) { "AKIDEXAMPLE", 11 };
    mine.date = (fg_str_t) { req.amz_date.data, 8 };
    mine.region = region;
    mine.service = service;
    mine.signed_headers = sh;
    FZ_CHECK(fg_sigv4_string_to_sign(req.amz_date, mine.date, region,
        service, creq, &sts) == FG_SIGV4_OK);
    FZ_CHECK(fg_sigv4_sign(secret, mine.date, region, service, sts, sig)
             == FG_SIGV4_OK);
    mine.signature = (fg_str_t) { sig, 64 };

    rc = fg_sigv4_verify(&req, &mine, secret, t, 300);
    bool has_host = false;
    {
        const char *p = sh.data, *end = sh.data + sh.len;

        while (p < end) {
            const char *q = memchr(p, ';', (size_t) (end - p));
            size_t      l = q ? (size_t) (q - p) : (size_t) (end - p);

            if (l == 4 && memcmp(p, "host", 4) == 0) {
                has_host = true;
            }
            p += l + 1;
        }
    }
    FZ_CHECK(rc == (has_host ? FG_SIGV4_OK : FG_SIGV4_MISSING_HEADER));

    FZ_CHECK(fg_sigv4_signing_key(secret, mine.date, region, service, key)
             == FG_SIGV4_OK);
    FZ_CHECK(fg_sigv4_verify_key(&req, &mine, key, t, 300) == rc);

    if (has_host) {
        sig[17] = sig[17] == '0' ? '1' : '0';
        FZ_CHECK(fg_sigv4_verify(&req, &mine, secret, t, 300)
                 == FG_SIGV4_MISMATCH);
        FZ_CHECK(fg_sigv4_verify(&req, &mine, secret, t + 301, 300)
                 == FG_SIGV4_EXPIRED);
    }

cleanup:
    free(creq);
    free(sts);
    return 0;
}
