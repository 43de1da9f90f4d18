/*
 * fngated_util: base64, Lambda time formats, uuids, hex and the
 * JSON pre-check.  Nothing here touches Redis, libvirt or FastCGI.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <yajl/yajl_gen.h>

#include "fg_util.h"
#include "fngated_util.h"

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
        if (i + 1 < len) {
            v |= (uint32_t) src[i + 1] << 8;
        }
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
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
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
        if (len >= 2 && src[len - 2] == '=') {
            pad = 2;
        }
        if (len % 4 != 0) {
            return -1;
        }
        len -= pad;
    }
    if (len % 4 == 1) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        int v = fgd_b64_value((unsigned char) src[i]);
        if (v < 0) {
            return -1;
        }
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
        if (acc & 0xf) {              /* non-canonical trailing bits */
            return -1;
        }
        dst[o++] = (uint8_t) (acc >> 4);
    } else if (n == 3) {
        if (acc & 0x3) {
            return -1;
        }
        dst[o++] = (uint8_t) (acc >> 10);
        dst[o++] = (uint8_t) (acc >> 2);
    }
    return (ssize_t) o;
}

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

        if (c == '\0') {
            return false;
        }
        if (in_str) {
            if (c == '\\') {
                if (i + 1 >= len) {
                    return false;
                }
                i++;
                /* "\u0000" would cut a C string short inside yajl_tree. */
                if (body[i] == 'u' && i + 4 < len
                    && memcmp(body + i + 1, "0000", 4) == 0)
                {
                    return false;
                }
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                return false;
            }
        } else if (c == '}' || c == ']') {
            if (depth > 0) {
                depth--;
            }
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

    if (strlen(hex) != 64) {
        return -1;
    }
    for (i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1
            || strchr("0123456789abcdef", hex[2 * i]) == NULL
            || strchr("0123456789abcdef", hex[2 * i + 1]) == NULL)
        {
            return -1;
        }
        d[i] = (uint8_t) v;
    }
    fgd_base64_encode(d, 32, dst);
    return 0;
}

void
fgd_revision_new(char dst[37])
{
    struct timespec  ts;
    uint8_t          rnd[16];

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        clock_gettime(CLOCK_REALTIME, &ts);
        memset(rnd, 0, sizeof(rnd));
        memcpy(rnd, &ts, sizeof(ts) < 16 ? sizeof(ts) : 16);
    }
    fgd_uuid_format(rnd, dst);
}

int
fgd_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
fgd_grow(void *arrp, size_t *cap, size_t n, size_t size, size_t first)
{
    void    *old, *p;
    size_t   want;

    if (n < *cap) {
        return 0;
    }
    want = *cap ? *cap * 2 : first;
    if (want <= n || want > SIZE_MAX / size) {
        return -1;
    }
    /* (the pointer is read and written as bytes: arrp points at a T *,
     * not at a void *) */
    memcpy(&old, arrp, sizeof(old));
    p = realloc(old, want * size);
    if (p == NULL) {
        return -1;
    }
    memcpy(arrp, &p, sizeof(p));
    *cap = want;
    return 0;
}

int
fgd_rand_text(char *dst, size_t n, const char *set)
{
    size_t         len = strlen(set), got = 0, i;
    unsigned       limit = 256 - 256 % len;
    unsigned char  buf[64];

    while (got < n) {
        if (RAND_bytes(buf, sizeof(buf)) != 1) {
            return -1;
        }
        for (i = 0; i < sizeof(buf) && got < n; i++) {
            if (buf[i] < limit) {
                dst[got++] = set[buf[i] % len];
            }
        }
    }
    dst[n] = '\0';
    return 0;
}
