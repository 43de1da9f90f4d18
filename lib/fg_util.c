/*
 * fg_util: hex digits, lists, queries, a log line and the monotonic clock
 * (see fg_util.h).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fg_util.h"


int
fg_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}


void
fg_hex_encode(const unsigned char *in, size_t len, char *hex)
{
    static const char  digits[] = "0123456789abcdef";
    size_t             i;

    for (i = 0; i < len; i++) {
        hex[2 * i] = digits[in[i] >> 4];
        hex[2 * i + 1] = digits[in[i] & 0x0f];
    }
    hex[2 * len] = '\0';
}


size_t
fg_next_field(const char **p, const char *end, char sep)
{
    const char  *s = *p, *q = *p;

    while (q < end && *q != sep) {
        q++;
    }

    *p = q < end ? q + 1 : q;

    return (size_t) (q - s);
}


int
fg_query_next(const char **p, const char *end, const char **name,
    size_t *name_len, const char **value, size_t *value_len)
{
    const char  *pair, *eq;
    size_t       len;

    do {
        if (*p >= end) {
            return 0;
        }

        pair = *p;
        len = fg_next_field(p, end, '&');

    } while (len == 0);

    eq = memchr(pair, '=', len);

    *name = pair;
    *name_len = eq ? (size_t) (eq - pair) : len;
    *value = eq ? eq + 1 : NULL;
    *value_len = eq ? len - *name_len - 1 : 0;

    return 1;
}


void
fg_log(const char *who, const char *fmt, ...)
{
    va_list  ap;
    char     line[1024];

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    dprintf(2, "%s: %s\n", who, line);
}


static uint64_t
fg_clock_ms(clockid_t clock)
{
    struct timespec  ts;

    clock_gettime(clock, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

uint64_t
fg_now_ms(void)
{
    return fg_clock_ms(CLOCK_MONOTONIC);
}

uint64_t
fg_epoch_ms(void)
{
    return fg_clock_ms(CLOCK_REALTIME);
}

void
fg_abstime(struct timespec *ts, uint64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t) (ms / 1000);
    ts->tv_nsec += (long) (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}
