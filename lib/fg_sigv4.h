/*
 * fg_sigv4: AWS Signature Version 4, the Authorization-header form, as the
 * gateway verifies it.  Shared by the nginx module (verification) and the
 * tests / CLI tools (signing).  Uses OpenSSL (libcrypto) only.
 *
 * Strings are (pointer, length) pairs, not NUL-terminated, so nginx can pass
 * ngx_str_t contents without copying.
 */

#ifndef FG_SIGV4_H
#define FG_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct {
    const char  *data;
    size_t       len;
} fg_str_t;

#define FG_SHA256_HEX_LEN  64

typedef struct {
    fg_str_t  name;       /* as received; compared case-insensitively */
    fg_str_t  value;      /* as received; trimmed and space-folded when
                             canonicalised */
} fg_header_t;

/*
 * A parsed Authorization header:
 *   AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/lambda/aws4_request,
 *     SignedHeaders=host;x-amz-date, Signature=<64 hex>
 */
typedef struct {
    fg_str_t  access_key;
    fg_str_t  date;           /* yyyymmdd from the credential scope */
    fg_str_t  region;
    fg_str_t  service;
    fg_str_t  signed_headers; /* "host;x-amz-date", lowercase, sorted */
    fg_str_t  signature;      /* 64 lowercase hex */
} fg_sigv4_auth_t;

typedef struct {
    fg_str_t            method;
    fg_str_t            uri;        /* path as sent, percent-encoded, no
                                       query */
    fg_str_t            query;      /* as sent, without '?' */
    const fg_header_t  *headers;    /* all request headers */
    size_t              nheaders;
    fg_str_t            payload_hash;  /* 64 lowercase hex of the body */
    fg_str_t            amz_date;   /* x-amz-date: yyyymmddThhmmssZ */
} fg_sigv4_request_t;

typedef enum {
    FG_SIGV4_OK = 0,
    FG_SIGV4_MALFORMED,        /* Authorization header does not parse */
    FG_SIGV4_BAD_SCOPE,        /* scope date != x-amz-date day, or not
                                  aws4_request */
    FG_SIGV4_MISSING_HEADER,   /* a signed header is absent, or host is
                                  not signed */
    FG_SIGV4_EXPIRED,          /* x-amz-date outside the allowed skew */
    FG_SIGV4_MISMATCH,         /* signature differs */
    FG_SIGV4_NOMEM
} fg_sigv4_rc_t;

/* Parses the Authorization header value.  Pointers point into value. */
fg_sigv4_rc_t fg_sigv4_parse_auth(fg_str_t value, fg_sigv4_auth_t *auth);

/*
 * Builds the canonical request into out (malloc'd, NUL-terminated; caller
 * frees).  The URI is normalised as AWS does for non-S3 services: the path
 * as sent has "." and ".." segments removed and repeated slashes folded, then
 * is percent-encoded once more ("%3A" signs as "%253A", as botocore does);
 * query parameters are decoded, re-encoded and sorted by key then value.
 */
fg_sigv4_rc_t fg_sigv4_canonical_request(const fg_sigv4_request_t *req,
    fg_str_t signed_headers, char **out);

/* String to sign from the canonical request. out malloc'd. */
fg_sigv4_rc_t fg_sigv4_string_to_sign(fg_str_t amz_date, fg_str_t date,
    fg_str_t region, fg_str_t service, const char *canonical_request,
    char **out);

#define FG_SIGV4_KEY_LEN  32

/*
 * The signing key of a credential scope: HMAC chain of "AWS4" + secret,
 * date, region, service, "aws4_request".  It depends on nothing of the
 * request, so a verifier may keep it per (secret, scope) and use
 * fg_sigv4_verify_key (one HMAC a request instead of five).
 */
fg_sigv4_rc_t fg_sigv4_signing_key(fg_str_t secret, fg_str_t date,
    fg_str_t region, fg_str_t service, unsigned char key[FG_SIGV4_KEY_LEN]);

/* Signature (64 hex + NUL into sig) of string_to_sign with the secret. */
fg_sigv4_rc_t fg_sigv4_sign(fg_str_t secret, fg_str_t date, fg_str_t region,
    fg_str_t service, const char *string_to_sign, char sig[65]);

/*
 * Signs a request as a client does (fngated's asynchronous workers sign
 * the calls they make through the gateway): req's headers hold every
 * header signed_headers names (lowercase, ';'-separated, sorted, host
 * among them) and req->amz_date is x-amz-date's value.  *out gets the
 * Authorization header's value (malloc'd; the caller frees):
 * "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=..., Signature=...".
 */
fg_sigv4_rc_t fg_sigv4_authorization(const fg_sigv4_request_t *req,
    fg_str_t signed_headers, fg_str_t access_key, fg_str_t secret,
    fg_str_t region, fg_str_t service, char **out);

/* x-amz-date's value of t (yyyymmddThhmmssZ, UTC) into buf. */
void fg_sigv4_format_date(time_t t, char buf[17]);

/* Parses x-amz-date (yyyymmddThhmmssZ) to a UTC time_t; -1 if malformed. */
time_t fg_sigv4_parse_date(fg_str_t amz_date);

/*
 * Verifies req against auth with secret, at time now, allowing skew seconds
 * either way.  Constant-time signature comparison.
 */
fg_sigv4_rc_t fg_sigv4_verify(const fg_sigv4_request_t *req,
    const fg_sigv4_auth_t *auth, fg_str_t secret, time_t now,
    unsigned skew);

/* fg_sigv4_verify with the scope's signing key instead of the secret (the
 * key must be of auth's date, region and service). */
fg_sigv4_rc_t fg_sigv4_verify_key(const fg_sigv4_request_t *req,
    const fg_sigv4_auth_t *auth, const unsigned char key[FG_SIGV4_KEY_LEN],
    time_t now, unsigned skew);

/* Lowercase hex SHA-256 of data into hex (65 bytes with NUL). */
void fg_sha256_hex(const void *data, size_t len, char hex[65]);

/* A short text for logs ("signature mismatch", ...). */
const char *fg_sigv4_strerror(fg_sigv4_rc_t rc);

#endif /* FG_SIGV4_H */
