/*
 * fngated_store: what the stored resources share (fngated_store.c): a
 * function's keys, reading its record, hashes and sorted sets, and the
 * answers to a refused quota or an unexpected reply.  Each returns 0 (or
 * the reply), or -1 (NULL) with r filled: 404, 409, 503 ServiceException
 * when Redis is down, ...
 */

#ifndef FNGATED_STORE_H
#define FNGATED_STORE_H

#include <hiredis/hiredis.h>

#include "fg_keys.h"
#include "fngated_req.h"

/* The keys of account's function name and of the code sha (NULL: not
 * needed).  0, or -1 when a name is too long. */
int fgd_store_keys(const char *account, const char *name, const char *sha,
    char fn[FG_KEY_MAX], char fns[FG_KEY_MAX], char code[FG_KEY_MAX],
    char refs[FG_KEY_MAX]);

/* A count quota (conf's quota_*) refused the call: 409
 * ResourceConflictException naming it, and a log line.  Returns -1. */
int fgd_store_quota_refused(const fgd_req_t *q, const char *what,
    const char *per, const char *key, unsigned limit, fgd_resp_t *r);

/* The code storage quota refused code of size bytes: 400
 * CodeStorageExceededException, as Lambda's, and a log line.  -1. */
int fgd_store_code_storage_refused(const fgd_req_t *q, fgd_resp_t *r,
    size_t size);

/* An array reply's elements as the field/value strings and lengths the
 * _from_fields parsers take (a non-string element reads as ""); *fv and
 * *lens are malloc'd: free both.  0, or -1 (no memory). */
int fgd_store_fields(const redisReply *reply, const char ***fv,
    size_t **lens);

/* An HGETALL reply into fn.  0, or -1 (a field is missing or bad). */
int fgd_store_fn_from_reply(fgd_fn_t *fn, const redisReply *reply);

/* Frees reply; a 502 ServiceException in r.  Returns -1. */
int fgd_store_unexpected(redisReply *reply, fgd_resp_t *r);

/* HGETALL key; NULL with r on failure, an empty array when missing. */
redisReply *fgd_store_hgetall(const fgd_req_t *q, const char *key,
    fgd_resp_t *r);

/* Reads one string field; 1 found (into dst), 0 missing, -1 with r. */
int fgd_store_hget(const fgd_req_t *q, const char *key, const char *field,
    char *dst, size_t size, fgd_resp_t *r);

/* EXISTS key: 1, 0, or -1 with r. */
int fgd_store_exists(const fgd_req_t *q, const char *key, fgd_resp_t *r);

/* HMGET key and the n (at most 8) fields: 1 when any is set, 0 none, -1
 * with r.  (The grant indexes keep only fields with a count above 0.) */
int fgd_store_any_field(const fgd_req_t *q, const char *key,
    const char *const *fields, unsigned n, fgd_resp_t *r);

/* Whether owner's function name exists, and when qualifier names a
 * version or an alias ("" and "$LATEST" do not), that one too: 1, 0, or
 * -1 with r. */
int fgd_store_function_exists(const fgd_req_t *q, const char *owner,
    const char *name, const char *qualifier, fgd_resp_t *r);

/* Whether owner's grant index gives caller lambda:InvokeFunction on the
 * function name, or on its qualifier ("" none): 1, 0, or -1 with r. */
int fgd_store_invoke_granted(const fgd_req_t *q, const char *owner,
    const char *name, const char *qualifier, const char *caller,
    fgd_resp_t *r);

/* ZRANGE key 0 -1; the reply, or NULL with r. */
redisReply *fgd_store_zrange(const fgd_req_t *q, const char *key,
    fgd_resp_t *r);

/* The function record ($LATEST or a version) at key into fn; 404 naming
 * the function's ARN with qualifier when there is none. */
int fgd_store_read_fn(const fgd_req_t *q, const char *key,
    const char *account, const char *name, const char *qualifier,
    fgd_fn_t *fn, fgd_resp_t *r);

/* HDEL key field: 1 removed, 0 there was none, -1 with r. */
int fgd_store_hdel(const fgd_req_t *q, const char *key, const char *field,
    fgd_resp_t *r);

/* One field of a hash and its value (fgd_store_hash_page). */
typedef struct {
    const char  *field;
    const char  *value;
    size_t       len;
} fgd_store_field_t;

/*
 * A list call's page of the hash key (HGETALL; the functions' qualifier
 * hashes): its fields in the order of cmp, from the first not before
 * marker ("": the first), at most max: *items (malloc'd, pointing into
 * *reply: free both), *n of them, *next the field after the page (NULL:
 * none).  0, or -1 with r.
 */
int fgd_store_hash_page(const fgd_req_t *q, const char *key,
    int (*cmp)(const char *, const char *), const char *marker, size_t max,
    redisReply **reply, fgd_store_field_t **items, size_t *n,
    const char **next, fgd_resp_t *r);

/* account's function name ($LATEST) into fn; 404 when there is none. */
int fgd_store_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_fn_t *fn, fgd_resp_t *r);

#endif /* FNGATED_STORE_H */
