/*
 * fg_util: small helpers that more than one part of fngate needs: hex
 * digits, splitting lists and queries, a log line, and the monotonic clock.
 *
 * libc only, no global state: linked into the nginx module, fngated, the
 * pool library and the static guest agent.
 */

#ifndef FG_UTIL_H
#define FG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The value of a hex digit (either case), or -1 when c is not one. */
int fg_hexval(unsigned char c);

/* Writes 2 * len lowercase hex digits of in, then a NUL, to hex. */
void fg_hex_encode(const unsigned char *in, size_t len, char *hex);

/*
 * The field at *p of a list separated by sep that ends at end: returns its
 * length and moves *p past the field and its separator.
 */
size_t fg_next_field(const char **p, const char *end, char sep);

/*
 * The next non-empty pair NAME[=VALUE] of a query string at *p that ends
 * at end, still encoded: returns 1 with the name and the value (*value
 * NULL when the pair has no '=') and moves *p past the pair and its '&';
 * returns 0 at the end.
 */
int fg_query_next(const char **p, const char *end, const char **name,
    size_t *name_len, const char **value, size_t *value_len);

/*
 * Writes "WHO: MESSAGE\n" to standard error in one write (a message is cut
 * at 1 KiB): the log lines of the pool library and of the guest agent.
 */
void fg_log(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Milliseconds on the monotonic clock, and since the epoch (the wall
 * clock: times stored or compared across processes and hosts). */
uint64_t fg_now_ms(void);
uint64_t fg_epoch_ms(void);

/* The wall-clock time ms from now in *ts: the deadline of a
 * pthread_cond_timedwait. */
void fg_abstime(struct timespec *ts, uint64_t ms);

#endif /* FG_UTIL_H */
