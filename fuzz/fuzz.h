/*
 * fuzz.h: what the libFuzzer harnesses of fuzz/ share.  Each harness
 * feeds the bytes libFuzzer gives it to the real parser (linked from the
 * same sources as fngate, built with -fsanitize=fuzzer,address,undefined)
 * and checks, where a parser has an inverse, that the round trip holds.
 * A failed check aborts, which libFuzzer reports as a crash.
 *
 * Inputs that carry several strings separate them with a byte ('\n' for
 * text, see each harness); fz_split cuts them and fz_dup copies one into
 * a buffer of its exact size (plus the NUL), so reading past it is caught.
 */

#ifndef FG_FUZZ_H
#define FG_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char  *p;
    size_t       len;
} fz_span_t;

#define FZ_CHECK(cond)                                                   \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,   \
                __LINE__, #cond);                                        \
            abort();                                                     \
        }                                                                \
    } while (0)

/* Cuts data at each sep into at most max spans (the last keeps the rest,
 * separators included).  Returns the number of spans (at least 1). */
static inline size_t
fz_split(const uint8_t *data, size_t len, char sep, fz_span_t *s,
    size_t max)
{
    const char  *p = (const char *) data, *end = p + len, *q;
    size_t       n = 0;

    while (n + 1 < max && (q = memchr(p, sep, (size_t) (end - p))) != NULL)
    {
        s[n].p = p;
        s[n].len = (size_t) (q - p);
        n++;
        p = q + 1;
    }
    s[n].p = p;
    s[n].len = (size_t) (end - p);
    return n + 1;
}

/* A malloc'd NUL-terminated copy (NULL only when out of memory, which
 * the harnesses treat as "skip this input"). */
static inline char *
fz_dup(const void *p, size_t len)
{
    char  *s = malloc(len + 1);

    if (s != NULL) {
        if (len) {
            memcpy(s, p, len);
        }
        s[len] = '\0';
    }
    return s;
}

/* A malloc'd copy of exactly len bytes (no NUL): reads past the end of
 * what a parser was given are caught by AddressSanitizer. */
static inline void *
fz_copy(const void *p, size_t len)
{
    void  *s = malloc(len ? len : 1);

    if (s != NULL && len) {
        memcpy(s, p, len);
    }
    return s;
}

/* The input of a harness of several calls' bodies: data[0] chooses the
 * call, the rest is the body, a copy of exactly *len bytes (bodies are not
 * NUL-terminated).  NULL: no body byte or no memory, skip the input. */
static inline char *
fz_body(const uint8_t *data, size_t size, size_t *len)
{
    if (size < 1) {
        return NULL;
    }
    *len = size - 1;
    return fz_copy(data + 1, *len);
}

#endif /* FG_FUZZ_H */
