/*
 * fngated_idem_json: idempotent execution's pure parts
 * (docs/idempotency.md): the function field FngateIdempotency (its
 * request form, its stored form and its answer), the dependencies it
 * names, the key of a stored result and the state of an HTTP resource as
 * a HEAD answer gives it.  No Redis, sockets or FastCGI
 * (fngated_idem.c has those).
 *
 * The stored form (the field FngateIdempotency of a function's and its
 * versions' hashes) is text: the result's time to live in seconds, then a
 * line per dependency, "U URL", "Q QUEUE" or "F FUNCTION" as given:
 *
 *     60\nU http://127.0.0.1:8080/x\nQ arn:aws:sqs:...\n
 *
 * Absent or "": the function is not idempotent.
 */

#ifndef FNGATED_IDEM_JSON_H
#define FNGATED_IDEM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fngated_resp.h"

#define FGD_IDEM_DEPS_MAX     16      /* dependencies of a function */
#define FGD_IDEM_NAME_MAX     512     /* longest Url, Queue or Function */
#define FGD_IDEM_TTL_DEFAULT  300     /* ResultTtlSeconds when absent */
#define FGD_IDEM_TTL_MAX      604800  /* a week */

typedef enum {
    FGD_IDEM_URL = 'U',
    FGD_IDEM_QUEUE = 'Q',
    FGD_IDEM_FUNCTION = 'F'
} fgd_idem_kind_t;

typedef struct {
    fgd_idem_kind_t  kind;
    char             name[FGD_IDEM_NAME_MAX + 1];   /* as given */
} fgd_idem_dep_t;

typedef struct {
    unsigned         ttl_s;
    size_t           n;
    fgd_idem_dep_t   deps[FGD_IDEM_DEPS_MAX];
} fgd_idem_t;

/*
 * The member FngateIdempotency of a CreateFunction or
 * UpdateFunctionConfiguration body (a yajl value, NULL when absent):
 * *given when present; *dst the stored form (malloc'd; "" for {} or
 * null, which make the function not idempotent).  The form of every
 * value is checked here; what needs the store or the network policy
 * (fgd_idem_check, fngated_idem.c) is not.  0, or -1 with a 400
 * InvalidParameterValueException in r.
 */
struct yajl_val_s;
int fgd_idem_request(struct yajl_val_s *v, bool *given, char **dst,
    fgd_resp_t *r);

/* The stored form into out.  0, or -1 (not a stored form). */
int fgd_idem_parse(const char *text, fgd_idem_t *out);

/* Whether text (a stored form, NULL allowed) makes a function
 * idempotent. */
bool fgd_idem_on(const char *text);

/* GetFunctionConfiguration's FngateIdempotency: the object of the stored
 * form, written to g (a yajl_gen). */
void fgd_idem_gen(void *g, const char *text);

/* "http://A.B.C.D[:PORT][/PATH]": the address (host order), the port (80
 * when absent) and the path ("/" when absent, into path).  Only http, an
 * IPv4 address (no names), printable ASCII without blanks.  0, or -1
 * with why. */
int fgd_idem_url_parse(const char *url, uint32_t *addr, unsigned *port,
    char *path, size_t path_size, const char **why);

/* A queue named by its URL (http[s]://HOST/ACCOUNT/NAME) or ARN
 * (arn:aws:sqs:REGION:ACCOUNT:NAME): account and name (region "" for a
 * URL).  0, or -1 with why. */
int fgd_idem_queue_parse(const char *s, char *region, size_t region_size,
    char account[13], char name[81], const char **why);

/* Whether list (FngateEgress's or network_default's text: entries
 * separated by commas or blanks) lets a guest reach addr:port over
 * TCP. */
bool fgd_idem_egress_allows(const char *list, uint32_t addr, unsigned port);

/*
 * The state of an HTTP resource from the head of an answer to HEAD
 * (the bytes read, a status line and headers): a 2xx answer with an
 * ETag or a Last-Modified gives "etag=...;modified=..." in state.  0, or
 * -1 when the answer says nothing usable (another status, neither
 * header, not HTTP, too long for state).
 */
int fgd_idem_http_state(const char *head, size_t len, char *state,
    size_t size);

/*
 * The key of a stored result: the sha256 (hex) of the n parts, each
 * preceded by its length, so no two lists of parts give the same bytes.
 */
void fgd_idem_key(const void *const *parts, const size_t *lens, size_t n,
    char hex[65]);

#endif /* FNGATED_IDEM_JSON_H */
