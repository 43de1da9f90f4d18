/*
 * fngated_util: errors, base64, Lambda time formats, uuids, hex and the
 * JSON pre-check.  Nothing here touches Redis, libvirt or FastCGI.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "fg_util.h"
#include "fngated_priv.h"

void
fgd_resp_free(fgd_resp_t *r)
{
    if (r == NULL)
        return;
    free(r->body);
    free(r->headers);
    free(r->content_type);
    r->body = NULL;
    r->headers = NULL;
    r->content_type = NULL;
    r->body_len = 0;
}

const char *
fgd_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default:  return "Unknown";
    }
}

/* Keeps only valid UTF-8 (others become '?') so yajl_gen never fails. */
static void
fgd_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *) s;

    while (*p) {
        unsigned n, i;

        if (*p < 0x80) { p++; continue; }
        if ((*p & 0xe0) == 0xc0 && *p >= 0xc2) n = 1;
        else if ((*p & 0xf0) == 0xe0) n = 2;
        else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4) n = 3;
        else { *p++ = '?'; continue; }
        for (i = 1; i <= n; i++)
            if ((p[i] & 0xc0) != 0x80)
                break;
        if (i <= n) { *p++ = '?'; continue; }
        p += n + 1;
    }
}

int
fgd_error(fgd_resp_t *r, int status, const char *type, const char *fmt, ...)
{
    va_list         ap;
    yajl_gen        g;
    const unsigned char *buf;
    size_t          len;

    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
    fgd_utf8_sanitize(r->message);

    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->status = status;
    r->error_type = type;
    r->function_error = NULL;
    if (strcmp(type, "TooManyRequestsException") == 0 &&
        r->throttle_reason == NULL)
        r->throttle_reason = "ConcurrentInvocationLimitExceeded";

    g = yajl_gen_alloc(NULL);
    if (g == NULL)
        return -1;
    yajl_gen_map_open(g);
    if (r->throttle_reason != NULL) {
        yajl_gen_string(g, (const unsigned char *) "Reason", 6);
        yajl_gen_string(g, (const unsigned char *) r->throttle_reason,
            strlen(r->throttle_reason));
    }
    yajl_gen_string(g, (const unsigned char *) "Type", 4);
    if (status >= 500)
        yajl_gen_string(g, (const unsigned char *) "Service", 7);
    else
        yajl_gen_string(g, (const unsigned char *) "User", 4);
    yajl_gen_string(g, (const unsigned char *) "message", 7);
    yajl_gen_string(g, (const unsigned char *) r->message,
        strlen(r->message));
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        r->body = malloc(len + 1);
        if (r->body != NULL) {
            memcpy(r->body, buf, len);
            r->body[len] = '\0';
            r->body_len = len;
        }
    }
    yajl_gen_free(g);
    return -1;
}

/* ------------------------------------------------------------------ */

static const char fgd_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
fgd_base64_encode(const uint8_t *src, size_t len, char *dst)
{
    size_t  i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8 |
                     src[i + 2];
        dst[o++] = fgd_b64[v >> 18];
        dst[o++] = fgd_b64[(v >> 12) & 63];
        dst[o++] = fgd_b64[(v >> 6) & 63];
        dst[o++] = fgd_b64[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t) src[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t) src[i + 1] << 8;
        dst[o++] = fgd_b64[v >> 18];
        dst[o++] = fgd_b64[(v >> 12) & 63];
        dst[o++] = (i + 1 < len) ? fgd_b64[(v >> 6) & 63] : '=';
        dst[o++] = '=';
    }
    dst[o] = '\0';
    return o;
}

static int
fgd_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

ssize_t
fgd_base64_decode(const char *src, size_t len, uint8_t *dst)
{
    size_t    i, o = 0, pad = 0;
    uint32_t  acc = 0;
    unsigned  n = 0;

    if (len >= 1 && src[len - 1] == '=') {
        pad = 1;
        if (len >= 2 && src[len - 2] == '=')
            pad = 2;
        if (len % 4 != 0)
            return -1;
        len -= pad;
    }
    if (len % 4 == 1)
        return -1;
    for (i = 0; i < len; i++) {
        int v = fgd_b64_value((unsigned char) src[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t) v;
        if (++n == 4) {
            dst[o++] = (uint8_t) (acc >> 16);
            dst[o++] = (uint8_t) (acc >> 8);
            dst[o++] = (uint8_t) acc;
            acc = 0;
            n = 0;
        }
    }
    if (n == 2) {
        if (acc & 0xf)              /* non-canonical trailing bits */
            return -1;
        dst[o++] = (uint8_t) (acc >> 4);
    } else if (n == 3) {
        if (acc & 0x3)
            return -1;
        dst[o++] = (uint8_t) (acc >> 10);
        dst[o++] = (uint8_t) (acc >> 2);
    }
    return (ssize_t) o;
}

/* ------------------------------------------------------------------ */

static void
fgd_time_fmt(const struct timespec *ts, char *dst, size_t size,
    const char *zone)
{
    struct tm  tm;
    time_t     t = ts->tv_sec;
    char       base[24];

    gmtime_r(&t, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(dst, size, "%s.%03ld%s", base, ts->tv_nsec / 1000000, zone);
}

void
fgd_time_lambda(const struct timespec *ts, char *dst, size_t size)
{
    fgd_time_fmt(ts, dst, size, "+0000");
}

void
fgd_time_rfc3339(const struct timespec *ts, char *dst, size_t size)
{
    fgd_time_fmt(ts, dst, size, "Z");
}

const char *
fgd_signal_name(int sig)
{
    /* The descriptions Go's os/exec prints, which Lambda's messages use. */
    switch (sig) {
    case 1:  return "hangup";
    case 2:  return "interrupt";
    case 3:  return "quit";
    case 4:  return "illegal instruction";
    case 5:  return "trace/breakpoint trap";
    case 6:  return "aborted";
    case 7:  return "bus error";
    case 8:  return "floating point exception";
    case 9:  return "killed";
    case 10: return "user defined signal 1";
    case 11: return "segmentation fault";
    case 12: return "user defined signal 2";
    case 13: return "broken pipe";
    case 14: return "alarm clock";
    case 15: return "terminated";
    case 24: return "CPU time limit exceeded";
    case 25: return "file size limit exceeded";
    case 31: return "bad system call";
    default: return NULL;
    }
}

bool
fgd_json_shape_ok(const char *body, size_t len, unsigned max_depth)
{
    size_t    i;
    unsigned  depth = 0;
    bool      in_str = false;

    for (i = 0; i < len; i++) {
        char c = body[i];

        if (c == '\0')
            return false;
        if (in_str) {
            if (c == '\\') {
                if (i + 1 >= len)
                    return false;
                i++;
                /* "\u0000" would cut a C string short inside yajl_tree. */
                if (body[i] == 'u' && i + 4 < len &&
                    memcmp(body + i + 1, "0000", 4) == 0)
                    return false;
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return false;
        } else if (c == '}' || c == ']') {
            if (depth > 0)
                depth--;
        }
    }
    return true;
}

void
fgd_uuid_format(const uint8_t rnd[16], char dst[37])
{
    uint8_t  u[16];
    char     hex[33];

    memcpy(u, rnd, 16);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    fg_hex_encode(u, 16, hex);
    snprintf(dst, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
        hex + 16, hex + 20);
}

int
fgd_sha_hex_to_b64(const char *hex, char dst[45])
{
    uint8_t  d[32];
    size_t   i;

    if (strlen(hex) != 64)
        return -1;
    for (i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
            strchr("0123456789abcdef", hex[2 * i]) == NULL ||
            strchr("0123456789abcdef", hex[2 * i + 1]) == NULL)
            return -1;
        d[i] = (uint8_t) v;
    }
    fgd_base64_encode(d, 32, dst);
    return 0;
}

/* us in hundredths of a ms, rounded half up, without the overflow of
 * (us + 5) / 10: the agent reports the duration, and a wrapped sum
 * billed a RESULT claiming 2^64-1 us as 1 ms (seen while writing
 * fuzz_result's invariant, which now checks it). */
static uint64_t
fgd_centi_ms(uint64_t us)
{
    return us / 10 + (us % 10 >= 5);
}

void
fgd_duration_ms(uint64_t us, char *dst, size_t size)
{
    /* 2 decimals, rounded half up: 12345 us -> "12.35" */
    uint64_t centi = fgd_centi_ms(us);
    snprintf(dst, size, "%llu.%02llu", (unsigned long long) (centi / 100),
        (unsigned long long) (centi % 100));
}

/* The duration as fgd_duration_ms shows it, rounded up to a whole ms, at
 * least 1: the billing line's billed_ms is the ceiling of its own
 * duration_ms (27.004 ms shows as "27.00" and bills 27, not 28). */
uint64_t
fgd_billed_ms(uint64_t us)
{
    uint64_t centi = fgd_centi_ms(us);
    uint64_t ms = centi / 100 + (centi % 100 != 0);
    return ms == 0 ? 1 : ms;
}

uint64_t
fgd_memory_used_mb(uint64_t kb)
{
    return kb / 1024 + (kb % 1024 != 0);
}
