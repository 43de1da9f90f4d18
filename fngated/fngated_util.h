/*
 * fngated_util: base64, Lambda's time formats, signal names, the JSON
 * shape check, UUIDs and digests, and growing arrays (fngated_util.c).
 */

#ifndef FNGATED_UTIL_H
#define FNGATED_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define FGD_SHA256_HEX         65         /* 64 + NUL */
#define FGD_TIME_LEN           32

/* Standard base64 with padding; dst needs 4*ceil(len/3)+1 bytes.
 * Returns the length written (NUL-terminated). */
size_t fgd_base64_encode(const uint8_t *src, size_t len, char *dst);

/* Decodes standard base64 (padding optional, no whitespace).  dst needs
 * len/4*3+3 bytes.  Returns the decoded length, or -1 on a bad
 * character or length. */
ssize_t fgd_base64_decode(const char *src, size_t len, uint8_t *dst);

/* "2019-08-14T22:26:11.234+0000" (LastModified) */
void fgd_time_lambda(const struct timespec *ts, char *dst, size_t size);
/* "2019-08-14T22:26:11.234Z" (timeout messages) */
void fgd_time_rfc3339(const struct timespec *ts, char *dst, size_t size);

/* Lower-case Go-style signal description: 9 -> "killed". */
const char *fgd_signal_name(int sig);

/* true when body (len bytes) has no NUL and JSON nesting <= max_depth
 * (checked before yajl builds a tree, whose free is recursive). */
bool fgd_json_shape_ok(const char *body, size_t len, unsigned max_depth);

/* 36-char lower-case uuid v4 from rnd (16 bytes). */
void fgd_uuid_format(const uint8_t rnd[16], char dst[37]);

/* Hex sha256 -> base64 of the digest (CodeSha256); -1 if not hex. */
int fgd_sha_hex_to_b64(const char *hex, char dst[45]);

/* qsort's comparison of two char * (strcmp of what they point at). */
int fgd_str_cmp(const void *a, const void *b);

/* Room for one more element in an array of n elements of size bytes and
 * capacity *cap: arrp is the address of the array's pointer (a T **).
 * When n == *cap the array is reallocated to twice *cap (first when *cap
 * is 0) and *cap says so; otherwise nothing changes.  0, or -1 (no
 * memory: the array and *cap are as they were). */
int fgd_grow(void *arrp, size_t *cap, size_t n, size_t size, size_t first);

/* A new RevisionId (uuid v4). */
void fgd_revision_new(char dst[37]);

/* The characters random names are drawn from: account ids, access key
 * ids (AKIA/ASIA + base32), secrets and session tokens (base64's). */
#define FGD_CHARS_DIGITS  "0123456789"
#define FGD_CHARS_BASE32  "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define FGD_CHARS_BASE64  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
                          FGD_CHARS_DIGITS "+/"

/* n random characters of set (uniform: bytes past the last whole set
 * are drawn again) and a NUL into dst.  0, or -1 (no random bytes). */
int fgd_rand_text(char *dst, size_t n, const char *set);

#endif /* FNGATED_UTIL_H */
