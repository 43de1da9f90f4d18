/*
 * fg_sigv4: AWS Signature Version 4 (Authorization header form).
 *
 * Canonical request, as AWS computes it for every service but S3:
 *
 *   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *   SignedHeaders \n PayloadHash
 *
 * CanonicalURI: the path exactly as it came on the wire, with empty and "."
 * segments dropped and ".." segments applied, then URI-encoded once more:
 * every byte but A-Z a-z 0-9 - _ . ~ and '/' becomes %XX.  A path that
 * arrived percent-encoded is therefore encoded twice ("%3A" -> "%253A"),
 * which is what AWS documents for non-S3 services and what the SDKs
 * (botocore, the AWS CLI) sign; a raw byte such as a space is encoded once.
 *
 * CanonicalQuery: each name and value percent-decoded ('+' is a literal
 * plus) and encoded again with the same unreserved set, pairs sorted by
 * name then value, joined by '&'; a parameter without '=' has an empty
 * value.
 *
 * CanonicalHeaders: for each name of SignedHeaders, all request headers of
 * that name in the order received, values trimmed and inner whitespace runs
 * folded to one space, joined by ','.
 *
 * OpenSSL's libcrypto is the only dependency; no global state.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fg_sigv4.h"
#include "fg_util.h"

#define FG_SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define FG_SIGV4_TERMINATOR  "aws4_request"

typedef struct {
    char    *data;
    size_t   len;
    size_t   cap;
    int      failed;        /* an allocation failed; the string is void */
} fg_sb_t;

typedef struct {
    size_t  key;            /* offsets into the encoded-query buffer */
    size_t  klen;
    size_t  val;
    size_t  vlen;
    const char  *base;      /* the buffer, for the comparator */
} fg_qparam_t;


static const char  fg_hex_upper[] = "0123456789ABCDEF";


static int
fg_sb_reserve(fg_sb_t *sb, size_t extra)
{
    size_t   cap;
    char    *p;

    if (sb->failed) {
        return -1;
    }

    if (extra >= SIZE_MAX - sb->len) {
        sb->failed = 1;
        return -1;
    }

    if (sb->len + extra + 1 <= sb->cap) {
        return 0;
    }

    cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            cap = sb->len + extra + 1;
            break;
        }
        cap *= 2;
    }

    p = realloc(sb->data, cap);
    if (p == NULL) {
        sb->failed = 1;
        return -1;
    }

    sb->data = p;
    sb->cap = cap;
    return 0;
}


static void
fg_sb_add(fg_sb_t *sb, const char *s, size_t len)
{
    if (fg_sb_reserve(sb, len) < 0) {
        return;
    }

    if (len) {
        memcpy(sb->data + sb->len, s, len);
    }
    sb->len += len;
    sb->data[sb->len] = '\0';
}


static void
fg_sb_addc(fg_sb_t *sb, char c)
{
    fg_sb_add(sb, &c, 1);
}


static void
fg_sb_adds(fg_sb_t *sb, const char *s)
{
    fg_sb_add(sb, s, strlen(s));
}


static void
fg_sb_free(fg_sb_t *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}


static int
fg_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9')
           || c == '-' || c == '_' || c == '.' || c == '~';
}


/* Appends s URI-encoded; '/' is kept when keep_slash. */
static void
fg_sb_add_encoded(fg_sb_t *sb, const char *s, size_t len, int keep_slash)
{
    unsigned char  c;
    char           esc[3];
    size_t         i;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];
        if (fg_is_unreserved(c) || (keep_slash && c == '/')) {
            fg_sb_addc(sb, (char) c);
        } else {
            esc[0] = '%';
            esc[1] = fg_hex_upper[c >> 4];
            esc[2] = fg_hex_upper[c & 0x0f];
            fg_sb_add(sb, esc, 3);
        }
    }
}


/*
 * Appends s, percent-decoded then encoded again.  Returns -1 on a bad
 * escape.
 */
static int
fg_sb_add_reencoded(fg_sb_t *sb, const char *s, size_t len)
{
    unsigned char  c;
    size_t         i;
    int            hi, lo;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];
        if (c == '%') {
            if (len - i < 3) {
                return -1;
            }
            hi = fg_hexval((unsigned char) s[i + 1]);
            lo = fg_hexval((unsigned char) s[i + 2]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            c = (unsigned char) (hi << 4 | lo);
            i += 2;
        }
        fg_sb_add_encoded(sb, (const char *) &c, 1, 0);
    }

    return 0;
}


/* Path normalisation: see the comment at the top of the file. */
static fg_sigv4_rc_t
fg_canonical_uri(fg_sb_t *sb, fg_str_t uri)
{
    const char  *p, *end, *seg;
    size_t      *starts = NULL, *lens = NULL;
    size_t       n = 0, nmax, i, slen;
    int          trailing;
    fg_sigv4_rc_t  rc = FG_SIGV4_NOMEM;

    if (uri.len == 0) {
        fg_sb_addc(sb, '/');
        return FG_SIGV4_OK;
    }

    if (uri.data[0] != '/') {
        return FG_SIGV4_MALFORMED;
    }

    /* at most one segment per slash */
    nmax = 0;
    for (i = 0; i < uri.len; i++) {
        if (uri.data[i] == '/') {
            nmax++;
        }
    }

    starts = malloc(nmax * sizeof(size_t));
    lens = malloc(nmax * sizeof(size_t));
    if (starts == NULL || lens == NULL) {
        goto cleanup;
    }

    p = uri.data;
    end = uri.data + uri.len;

    while (p < end) {
        while (p < end && *p == '/') {
            p++;
        }
        seg = p;
        while (p < end && *p != '/') {
            p++;
        }
        slen = (size_t) (p - seg);

        if (slen == 0 || (slen == 1 && seg[0] == '.')) {
            continue;
        }

        if (slen == 2 && seg[0] == '.' && seg[1] == '.') {
            if (n > 0) {
                n--;
            }
            continue;
        }

        starts[n] = (size_t) (seg - uri.data);
        lens[n] = slen;
        n++;
    }

    trailing = uri.data[uri.len - 1] == '/';

    fg_sb_addc(sb, '/');
    for (i = 0; i < n; i++) {
        if (i > 0) {
            fg_sb_addc(sb, '/');
        }
        fg_sb_add_encoded(sb, uri.data + starts[i], lens[i], 0);
    }
    if (n > 0 && trailing) {
        fg_sb_addc(sb, '/');
    }

    rc = sb->failed ? FG_SIGV4_NOMEM : FG_SIGV4_OK;

cleanup:
    free(starts);
    free(lens);
    return rc;
}


static int
fg_qparam_cmp(const void *a, const void *b)
{
    const fg_qparam_t  *x = a, *y = b;
    size_t              n;
    int                 c;

    n = x->klen < y->klen ? x->klen : y->klen;
    c = memcmp(x->base + x->key, y->base + y->key, n);
    if (c != 0) {
        return c;
    }
    if (x->klen != y->klen) {
        return x->klen < y->klen ? -1 : 1;
    }

    n = x->vlen < y->vlen ? x->vlen : y->vlen;
    c = memcmp(x->base + x->val, y->base + y->val, n);
    if (c != 0) {
        return c;
    }
    if (x->vlen != y->vlen) {
        return x->vlen < y->vlen ? -1 : 1;
    }
    return 0;
}


static fg_sigv4_rc_t
fg_canonical_query(fg_sb_t *sb, fg_str_t query)
{
    fg_sb_t        enc = { NULL, 0, 0, 0 };
    fg_qparam_t   *params = NULL;
    const char    *p, *end, *k, *v, *base;
    size_t         n = 0, nmax, i, klen, vlen;
    fg_sigv4_rc_t  rc = FG_SIGV4_NOMEM;

    if (query.len == 0) {
        return FG_SIGV4_OK;
    }

    nmax = 1;
    for (i = 0; i < query.len; i++) {
        if (query.data[i] == '&') {
            nmax++;
        }
    }

    params = malloc(nmax * sizeof(fg_qparam_t));
    if (params == NULL) {
        goto cleanup;
    }

    p = query.data;
    end = query.data + query.len;

    while (fg_query_next(&p, end, &k, &klen, &v, &vlen)) {
        params[n].key = enc.len;
        if (fg_sb_add_reencoded(&enc, k, klen) < 0) {
            rc = FG_SIGV4_MALFORMED;
            goto cleanup;
        }
        params[n].klen = enc.len - params[n].key;

        params[n].val = enc.len;
        if (v && fg_sb_add_reencoded(&enc, v, vlen) < 0) {
            rc = FG_SIGV4_MALFORMED;
            goto cleanup;
        }
        params[n].vlen = enc.len - params[n].val;
        n++;
    }

    if (enc.failed) {
        goto cleanup;
    }

    /*
     * Offsets into enc; a query of empty names and values ("=", "=&=")
     * leaves enc without a buffer, and NULL + 0 is undefined behaviour
     * (fuzz_sigv4's finding, UndefinedBehaviorSanitizer).
     */
    base = enc.data != NULL ? enc.data : "";

    for (i = 0; i < n; i++) {
        params[i].base = base;
    }

    qsort(params, n, sizeof(fg_qparam_t), fg_qparam_cmp);

    for (i = 0; i < n; i++) {
        if (i > 0) {
            fg_sb_addc(sb, '&');
        }
        fg_sb_add(sb, base + params[i].key, params[i].klen);
        fg_sb_addc(sb, '=');
        fg_sb_add(sb, base + params[i].val, params[i].vlen);
    }

    rc = sb->failed ? FG_SIGV4_NOMEM : FG_SIGV4_OK;

cleanup:
    free(params);
    fg_sb_free(&enc);
    return rc;
}


static int
fg_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'
           || c == '\f';
}


/* Appends a header value trimmed, with whitespace runs folded to ' '. */
static void
fg_sb_add_folded(fg_sb_t *sb, fg_str_t v)
{
    size_t  i = 0, end = v.len;
    int     pending = 0;

    while (i < end && fg_is_space(v.data[i])) {
        i++;
    }
    while (end > i && fg_is_space(v.data[end - 1])) {
        end--;
    }

    for ( ; i < end; i++) {
        if (fg_is_space(v.data[i])) {
            pending = 1;
            continue;
        }
        if (pending) {
            fg_sb_addc(sb, ' ');
            pending = 0;
        }
        fg_sb_addc(sb, v.data[i]);
    }
}


static int
fg_name_eq(fg_str_t a, const char *b, size_t blen)
{
    size_t         i;
    unsigned char  x, y;

    if (a.len != blen) {
        return 0;
    }

    for (i = 0; i < blen; i++) {
        x = (unsigned char) a.data[i];
        y = (unsigned char) b[i];
        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char) (x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char) (y - 'A' + 'a');
        }
        if (x != y) {
            return 0;
        }
    }

    return 1;
}


/*
 * SignedHeaders must be lowercase names of token characters, separated by
 * ';', strictly ascending (so no duplicates), none empty.
 */
static int
fg_signed_headers_valid(fg_str_t sh)
{
    const char  *prev = NULL, *name, *p, *end;
    size_t       prev_len = 0, len, n;
    int          c;

    if (sh.len == 0) {
        return 0;
    }

    p = sh.data;
    end = sh.data + sh.len;

    while (p <= end) {
        name = p;
        while (p < end && *p != ';') {
            unsigned char ch = (unsigned char) *p;
            if (ch <= 0x20 || ch >= 0x7f || (ch >= 'A' && ch <= 'Z')
                || ch == ':' || ch == ',' || ch == '=')
            {
                return 0;
            }
            p++;
        }
        len = (size_t) (p - name);
        if (len == 0) {
            return 0;
        }

        if (prev) {
            n = len < prev_len ? len : prev_len;
            c = memcmp(prev, name, n);
            if (c > 0 || (c == 0 && prev_len >= len)) {
                return 0;
            }
        }

        prev = name;
        prev_len = len;
        p++;                        /* past ';' or end */
    }

    return 1;
}


fg_sigv4_rc_t
fg_sigv4_canonical_request(const fg_sigv4_request_t *req,
    fg_str_t signed_headers, char **out)
{
    fg_sb_t        sb = { NULL, 0, 0, 0 };
    const char    *p, *end, *name;
    size_t         nlen, i;
    int            found;
    fg_sigv4_rc_t  rc;

    *out = NULL;

    if (req->method.len == 0 || !fg_signed_headers_valid(signed_headers)) {
        return FG_SIGV4_MALFORMED;
    }

    fg_sb_add(&sb, req->method.data, req->method.len);
    fg_sb_addc(&sb, '\n');

    rc = fg_canonical_uri(&sb, req->uri);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }
    fg_sb_addc(&sb, '\n');

    rc = fg_canonical_query(&sb, req->query);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }
    fg_sb_addc(&sb, '\n');

    p = signed_headers.data;
    end = signed_headers.data + signed_headers.len;

    while (p < end) {
        name = p;
        nlen = fg_next_field(&p, end, ';');

        fg_sb_add(&sb, name, nlen);
        fg_sb_addc(&sb, ':');

        found = 0;
        for (i = 0; i < req->nheaders; i++) {
            if (!fg_name_eq(req->headers[i].name, name, nlen)) {
                continue;
            }
            if (found) {
                fg_sb_addc(&sb, ',');
            }
            fg_sb_add_folded(&sb, req->headers[i].value);
            found = 1;
        }

        if (!found) {
            rc = FG_SIGV4_MISSING_HEADER;
            goto cleanup;
        }

        fg_sb_addc(&sb, '\n');
    }

    fg_sb_addc(&sb, '\n');
    fg_sb_add(&sb, signed_headers.data, signed_headers.len);
    fg_sb_addc(&sb, '\n');
    fg_sb_add(&sb, req->payload_hash.data, req->payload_hash.len);

    if (sb.failed) {
        rc = FG_SIGV4_NOMEM;
        goto cleanup;
    }

    *out = sb.data;
    sb.data = NULL;
    rc = FG_SIGV4_OK;

cleanup:
    fg_sb_free(&sb);
    return rc;
}


void
fg_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char  md[EVP_MAX_MD_SIZE];
    unsigned int   mdlen = 0;

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1
        || mdlen != 32)
    {
        hex[0] = '\0';
        return;
    }

    fg_hex_encode(md, 32, hex);
}


fg_sigv4_rc_t
fg_sigv4_string_to_sign(fg_str_t amz_date, fg_str_t date, fg_str_t region,
    fg_str_t service, const char *canonical_request, char **out)
{
    fg_sb_t  sb = { NULL, 0, 0, 0 };
    char     hash[FG_SHA256_HEX_LEN + 1];

    *out = NULL;

    fg_sha256_hex(canonical_request, strlen(canonical_request), hash);
    if (hash[0] == '\0') {
        return FG_SIGV4_NOMEM;
    }

    fg_sb_adds(&sb, FG_SIGV4_ALGORITHM "\n");
    fg_sb_add(&sb, amz_date.data, amz_date.len);
    fg_sb_addc(&sb, '\n');
    fg_sb_add(&sb, date.data, date.len);
    fg_sb_addc(&sb, '/');
    fg_sb_add(&sb, region.data, region.len);
    fg_sb_addc(&sb, '/');
    fg_sb_add(&sb, service.data, service.len);
    fg_sb_adds(&sb, "/" FG_SIGV4_TERMINATOR "\n");
    fg_sb_add(&sb, hash, FG_SHA256_HEX_LEN);

    if (sb.failed) {
        fg_sb_free(&sb);
        return FG_SIGV4_NOMEM;
    }

    *out = sb.data;
    return FG_SIGV4_OK;
}


static int
fg_hmac(const void *key, size_t klen, const void *data, size_t dlen,
    unsigned char out[32])
{
    unsigned int  len = 0;

    if (klen > INT32_MAX) {
        return -1;
    }

    if (HMAC(EVP_sha256(), key, (int) klen, data, dlen, out, &len) == NULL
        || len != 32)
    {
        return -1;
    }

    return 0;
}


fg_sigv4_rc_t
fg_sigv4_signing_key(fg_str_t secret, fg_str_t date, fg_str_t region,
    fg_str_t service, unsigned char key[FG_SIGV4_KEY_LEN])
{
    unsigned char   k[32];
    char           *kinit;
    size_t          klen;
    fg_sigv4_rc_t   rc = FG_SIGV4_NOMEM;

    if (secret.len > SIZE_MAX - 4) {
        return FG_SIGV4_MALFORMED;
    }

    klen = secret.len + 4;
    kinit = malloc(klen);
    if (kinit == NULL) {
        return FG_SIGV4_NOMEM;
    }
    memcpy(kinit, "AWS4", 4);
    if (secret.len) {
        memcpy(kinit + 4, secret.data, secret.len);
    }

    if (fg_hmac(kinit, klen, date.data, date.len, key) == 0
        && fg_hmac(key, 32, region.data, region.len, k) == 0
        && fg_hmac(k, 32, service.data, service.len, key) == 0
        && fg_hmac(key, 32, FG_SIGV4_TERMINATOR,
                   sizeof(FG_SIGV4_TERMINATOR) - 1, k) == 0)
    {
        memcpy(key, k, 32);
        rc = FG_SIGV4_OK;
    }

    OPENSSL_cleanse(kinit, klen);
    OPENSSL_cleanse(k, sizeof(k));
    free(kinit);
    return rc;
}


/* The signature (64 hex + NUL) of string_to_sign with the signing key. */
static fg_sigv4_rc_t
fg_sigv4_sign_key(const unsigned char key[FG_SIGV4_KEY_LEN],
    const char *string_to_sign, char sig[65])
{
    unsigned char  mac[32];

    sig[0] = '\0';
    if (fg_hmac(key, FG_SIGV4_KEY_LEN, string_to_sign,
                strlen(string_to_sign), mac) < 0)
    {
        return FG_SIGV4_NOMEM;
    }

    fg_hex_encode(mac, 32, sig);
    OPENSSL_cleanse(mac, sizeof(mac));
    return FG_SIGV4_OK;
}


fg_sigv4_rc_t
fg_sigv4_sign(fg_str_t secret, fg_str_t date, fg_str_t region,
    fg_str_t service, const char *string_to_sign, char sig[65])
{
    unsigned char   key[FG_SIGV4_KEY_LEN];
    fg_sigv4_rc_t   rc;

    sig[0] = '\0';
    rc = fg_sigv4_signing_key(secret, date, region, service, key);
    if (rc == FG_SIGV4_OK) {
        rc = fg_sigv4_sign_key(key, string_to_sign, sig);
    }

    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}


static int
fg_digits(const char *p, size_t n, int *out)
{
    size_t  i;
    int     v = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v = v * 10 + (p[i] - '0');
    }

    *out = v;
    return 0;
}


/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
fg_days_from_civil(int y, int m, int d)
{
    long long  era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}


time_t
fg_sigv4_parse_date(fg_str_t amz_date)
{
    static const int  mdays[12] = { 31, 29, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31 };
    const char       *s = amz_date.data;
    int               y, mo, d, h, mi, se;
    int               leap;

    if (s == NULL || amz_date.len != 16 || s[8] != 'T' || s[15] != 'Z') {
        return (time_t) -1;
    }

    if (fg_digits(s, 4, &y) < 0 || fg_digits(s + 4, 2, &mo) < 0
        || fg_digits(s + 6, 2, &d) < 0 || fg_digits(s + 9, 2, &h) < 0
        || fg_digits(s + 11, 2, &mi) < 0 || fg_digits(s + 13, 2, &se) < 0)
    {
        return (time_t) -1;
    }

    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]
        || h > 23 || mi > 59 || se > 59)
    {
        return (time_t) -1;
    }

    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) {
        return (time_t) -1;
    }

    return (time_t) (fg_days_from_civil(y, mo, d) * 86400LL
                     + h * 3600 + mi * 60 + se);
}


static void
fg_trim(fg_str_t *s)
{
    while (s->len && (s->data[0] == ' ' || s->data[0] == '\t')) {
        s->data++;
        s->len--;
    }
    while (s->len && (s->data[s->len - 1] == ' '
                      || s->data[s->len - 1] == '\t'))
    {
        s->len--;
    }
}


static int
fg_is_lower_hex(fg_str_t s, size_t want)
{
    size_t  i;

    if (s.len != want) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        if (!((s.data[i] >= '0' && s.data[i] <= '9')
              || (s.data[i] >= 'a' && s.data[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


/* Splits the credential "AKID/DATE/REGION/SERVICE/aws4_request". */
static fg_sigv4_rc_t
fg_parse_credential(fg_str_t cred, fg_sigv4_auth_t *auth)
{
    fg_str_t     part[5];
    const char  *p = cred.data, *end = cred.data + cred.len, *s;
    size_t       n = 0, i;
    int          dummy;

    while (n < 5) {
        s = p;
        while (p < end && *p != '/') {
            p++;
        }
        part[n].data = s;
        part[n].len = (size_t) (p - s);
        n++;
        if (p == end) {
            break;
        }
        p++;
    }

    if (n != 5 || p != end) {
        return FG_SIGV4_MALFORMED;
    }

    for (i = 0; i < 4; i++) {
        if (part[i].len == 0) {
            return FG_SIGV4_MALFORMED;
        }
    }

    if (part[1].len != 8 || fg_digits(part[1].data, 8, &dummy) < 0) {
        return FG_SIGV4_MALFORMED;
    }

    if (part[4].len != sizeof(FG_SIGV4_TERMINATOR) - 1
        || memcmp(part[4].data, FG_SIGV4_TERMINATOR, part[4].len) != 0)
    {
        return FG_SIGV4_BAD_SCOPE;
    }

    auth->access_key = part[0];
    auth->date = part[1];
    auth->region = part[2];
    auth->service = part[3];

    return FG_SIGV4_OK;
}


fg_sigv4_rc_t
fg_sigv4_parse_auth(fg_str_t value, fg_sigv4_auth_t *auth)
{
    static const char  alg[] = FG_SIGV4_ALGORITHM;
    fg_str_t           item, key, val, cred = { NULL, 0 };
    const char        *p, *end, *eq;
    int                have_cred = 0, have_sh = 0, have_sig = 0;
    fg_sigv4_rc_t      rc;

    memset(auth, 0, sizeof(fg_sigv4_auth_t));

    if (value.data == NULL) {
        return FG_SIGV4_MALFORMED;
    }

    fg_trim(&value);

    if (value.len <= sizeof(alg) - 1
        || memcmp(value.data, alg, sizeof(alg) - 1) != 0
        || (value.data[sizeof(alg) - 1] != ' '
            && value.data[sizeof(alg) - 1] != '\t'))
    {
        return FG_SIGV4_MALFORMED;
    }

    p = value.data + sizeof(alg) - 1;
    end = value.data + value.len;

    while (p < end) {
        item.data = p;
        item.len = fg_next_field(&p, end, ',');

        fg_trim(&item);
        if (item.len == 0) {
            return FG_SIGV4_MALFORMED;
        }

        eq = memchr(item.data, '=', item.len);
        if (eq == NULL) {
            return FG_SIGV4_MALFORMED;
        }

        key.data = item.data;
        key.len = (size_t) (eq - item.data);
        val.data = eq + 1;
        val.len = item.len - key.len - 1;
        fg_trim(&key);
        fg_trim(&val);

        if (key.len == 10 && memcmp(key.data, "Credential", 10) == 0) {
            if (have_cred++) {
                return FG_SIGV4_MALFORMED;
            }
            cred = val;

        } else if (key.len == 13
                   && memcmp(key.data, "SignedHeaders", 13) == 0)
        {
            if (have_sh++ || !fg_signed_headers_valid(val)) {
                return FG_SIGV4_MALFORMED;
            }
            auth->signed_headers = val;

        } else if (key.len == 9 && memcmp(key.data, "Signature", 9) == 0) {
            if (have_sig++ || !fg_is_lower_hex(val, FG_SHA256_HEX_LEN)) {
                return FG_SIGV4_MALFORMED;
            }
            auth->signature = val;

        } else {
            return FG_SIGV4_MALFORMED;
        }
    }

    if (!have_cred || !have_sh || !have_sig) {
        return FG_SIGV4_MALFORMED;
    }

    rc = fg_parse_credential(cred, auth);
    if (rc != FG_SIGV4_OK) {
        fg_str_t  sh = auth->signed_headers, sig = auth->signature;

        memset(auth, 0, sizeof(fg_sigv4_auth_t));
        auth->signed_headers = sh;
        auth->signature = sig;
        return rc;
    }

    return FG_SIGV4_OK;
}


/* Whether the ';'-list sh holds name. */
static int
fg_list_has(fg_str_t sh, const char *name)
{
    const char  *p = sh.data, *end = sh.data + sh.len, *s;
    size_t       nlen = strlen(name);

    while (p < end) {
        s = p;
        if (fg_next_field(&p, end, ';') == nlen && memcmp(s, name, nlen) == 0)
        {
            return 1;
        }
    }

    return 0;
}


fg_sigv4_rc_t
fg_sigv4_verify_key(const fg_sigv4_request_t *req,
    const fg_sigv4_auth_t *auth, const unsigned char key[FG_SIGV4_KEY_LEN],
    time_t now, unsigned skew)
{
    char           *creq = NULL, *sts = NULL;
    char            sig[FG_SHA256_HEX_LEN + 1];
    time_t          t;
    fg_sigv4_rc_t   rc;

    if (auth->signature.len != FG_SHA256_HEX_LEN
        || auth->date.len != 8 || auth->signed_headers.len == 0)
    {
        return FG_SIGV4_MALFORMED;
    }

    t = fg_sigv4_parse_date(req->amz_date);
    if (t == (time_t) -1) {
        return FG_SIGV4_MALFORMED;
    }

    if (memcmp(auth->date.data, req->amz_date.data, 8) != 0) {
        return FG_SIGV4_BAD_SCOPE;
    }

    if ((t > now && t - now > (time_t) skew)
        || (now > t && now - t > (time_t) skew))
    {
        return FG_SIGV4_EXPIRED;
    }

    if (!fg_list_has(auth->signed_headers, "host")) {
        return FG_SIGV4_MISSING_HEADER;
    }

    rc = fg_sigv4_canonical_request(req, auth->signed_headers, &creq);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }

    rc = fg_sigv4_string_to_sign(req->amz_date, auth->date, auth->region,
                                 auth->service, creq, &sts);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }

    rc = fg_sigv4_sign_key(key, sts, sig);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }

    rc = CRYPTO_memcmp(sig, auth->signature.data, FG_SHA256_HEX_LEN) == 0
         ? FG_SIGV4_OK : FG_SIGV4_MISMATCH;

    OPENSSL_cleanse(sig, sizeof(sig));

cleanup:
    free(creq);
    free(sts);
    return rc;
}


fg_sigv4_rc_t
fg_sigv4_verify(const fg_sigv4_request_t *req, const fg_sigv4_auth_t *auth,
    fg_str_t secret, time_t now, unsigned skew)
{
    unsigned char   key[FG_SIGV4_KEY_LEN];
    fg_sigv4_rc_t   rc;

    rc = fg_sigv4_signing_key(secret, auth->date, auth->region,
                              auth->service, key);
    if (rc == FG_SIGV4_OK) {
        rc = fg_sigv4_verify_key(req, auth, key, now, skew);
    }

    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}


fg_sigv4_rc_t
fg_sigv4_authorization(const fg_sigv4_request_t *req,
    fg_str_t signed_headers, fg_str_t access_key, fg_str_t secret,
    fg_str_t region, fg_str_t service, char **out)
{
    char           *creq = NULL, *sts = NULL, sig[65];
    fg_str_t        date;
    fg_sb_t         sb = { NULL, 0, 0, 0 };
    fg_sigv4_rc_t   rc;

    *out = NULL;
    if (req->amz_date.len != 16 || access_key.len == 0) {
        return FG_SIGV4_MALFORMED;
    }
    date.data = req->amz_date.data;
    date.len = 8;

    rc = fg_sigv4_canonical_request(req, signed_headers, &creq);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }
    rc = fg_sigv4_string_to_sign(req->amz_date, date, region, service, creq,
                                 &sts);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }
    rc = fg_sigv4_sign(secret, date, region, service, sts, sig);
    if (rc != FG_SIGV4_OK) {
        goto cleanup;
    }

    fg_sb_adds(&sb, FG_SIGV4_ALGORITHM " Credential=");
    fg_sb_add(&sb, access_key.data, access_key.len);
    fg_sb_adds(&sb, "/");
    fg_sb_add(&sb, date.data, date.len);
    fg_sb_adds(&sb, "/");
    fg_sb_add(&sb, region.data, region.len);
    fg_sb_adds(&sb, "/");
    fg_sb_add(&sb, service.data, service.len);
    fg_sb_adds(&sb, "/" FG_SIGV4_TERMINATOR ", SignedHeaders=");
    fg_sb_add(&sb, signed_headers.data, signed_headers.len);
    fg_sb_adds(&sb, ", Signature=");
    fg_sb_add(&sb, sig, FG_SHA256_HEX_LEN);
    OPENSSL_cleanse(sig, sizeof(sig));

    if (sb.failed) {
        fg_sb_free(&sb);
        rc = FG_SIGV4_NOMEM;
        goto cleanup;
    }
    *out = sb.data;

cleanup:
    free(creq);
    free(sts);
    return rc;
}


void
fg_sigv4_format_date(time_t t, char buf[17])
{
    struct tm  tm;

    gmtime_r(&t, &tm);
    strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}


const char *
fg_sigv4_strerror(fg_sigv4_rc_t rc)
{
    switch (rc) {
    case FG_SIGV4_OK:
        return "ok";
    case FG_SIGV4_MALFORMED:
        return "malformed authorization";
    case FG_SIGV4_BAD_SCOPE:
        return "credential scope does not match the request date";
    case FG_SIGV4_MISSING_HEADER:
        return "a signed header is missing";
    case FG_SIGV4_EXPIRED:
        return "request date outside the allowed clock skew";
    case FG_SIGV4_MISMATCH:
        return "signature mismatch";
    case FG_SIGV4_NOMEM:
        return "out of memory";
    }

    return "unknown error";
}
