/*
 * fngated_json: the JSON helpers every request parser and answer of
 * fngated shares (a yajl tree in, yajl_gen out; fngated_json.c).
 */

#ifndef FNGATED_JSON_H
#define FNGATED_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_limits.h"
#include "fngated_resp.h"

#define FGD_BAD_JSON "Could not parse request body into json: "

#define GSTR(g, s)  yajl_gen_string((g), (const unsigned char *) (s), \
                        strlen(s))

/*
 * Parses a request body that must be a JSON object (an empty body is {}
 * when allow_empty).  0 with *root (yajl_tree_free it), or -1 with r.
 */
int fgd_parse_doc(const char *body, size_t len, bool allow_empty,
    yajl_val *root, fgd_resp_t *r);

/* The member key of an object, or NULL. */
yajl_val fgd_obj_get(yajl_val obj, const char *key);

/* A present, non-null member must be of type (a string, an object or an
 * array); *out is NULL when it is absent or null. */
int fgd_get_member(yajl_val obj, const char *key, yajl_type type,
    yajl_val *out, fgd_resp_t *r);

/* An integer member in lo..hi (member: its name in Lambda's messages);
 * def when absent or null. */
int fgd_get_uint(yajl_val obj, const char *key, unsigned def, unsigned lo,
    unsigned hi, const char *member, unsigned *out, fgd_resp_t *r);

/* A present, non-null member must be a string; *s is NULL when absent. */
int fgd_get_string(yajl_val obj, const char *key, const char **s,
    fgd_resp_t *r);

/* Lambda's RevisionId precondition (a uuid) into dst, "" when absent
 * (getter: as fgd_revision_mismatch's); Description (at most
 * FGD_DESCRIPTION_MAX bytes) into dst, *has when given.  0, or -1 with
 * r. */
int fgd_get_revision(yajl_val root, const char *getter, char dst[37],
    fgd_resp_t *r);
int fgd_get_description(yajl_val root, char *dst, size_t size, bool *has,
    fgd_resp_t *r);

/* MaxItems of a list call's query: 1..FGD_LIST_MAX, default
 * FGD_LIST_DEFAULT.  0, or -1 with r. */
int fgd_max_items(const char *query, size_t qlen, unsigned *max_items,
    fgd_resp_t *r);

/* Marker of a list call's query into marker ("" when absent), which
 * valid must accept.  0, or -1 with 400 "Invalid Marker". */
int fgd_query_marker(const char *query, size_t qlen,
    bool (*valid)(const char *s, size_t len), char *marker, size_t size,
    fgd_resp_t *r);

/* A list call's query: Marker (as fgd_query_marker's) and MaxItems (as
 * fgd_max_items's).  0, or -1 with r. */
int fgd_page_query(const char *query, bool (*valid)(const char *s,
    size_t len), char *marker, size_t size, unsigned *max_items,
    fgd_resp_t *r);

/* Decimal digits only, no overflow. */
bool fgd_parse_u64(const char *s, size_t len, uint64_t *out);
/* len bytes without a NUL into dst of size bytes; false when they do not
 * fit. */
bool fgd_copy(char *dst, size_t size, const char *s, size_t len);
/* A malloc'd NUL-terminated copy of len bytes, or NULL. */
char *fgd_dup(const char *s, size_t len);

/* Lambda's variable name pattern: [a-zA-Z]([a-zA-Z0-9_])+ */
bool fgd_env_name_valid(const char *s);

/* The generator's text, malloc'd and NUL-terminated. */
int fgd_gen_take(yajl_gen g, char **out, size_t *out_len);

/* fgd_gen_take, then the generator is freed: the end of every JSON answer
 * made in one go. */
int fgd_gen_finish(yajl_gen g, char **out, size_t *out_len);

/* What the ARNs of an answer name: the region, the account that owns
 * the resource and, for an alias, its function. */
typedef struct {
    const char  *region;
    const char  *account;
    const char  *function;
} fgd_arn_ctx_t;

/* Writes one item of an answer (ctx: what it needs beside the item, an
 * fgd_arn_ctx_t for the resources that have ARNs) into g. */
typedef void (*fgd_gen_item_pt)(yajl_gen g, const void *item,
    const void *ctx);

/* An answer that is one item.  0, or -1 (no memory). */
int fgd_json_item(fgd_gen_item_pt gen, const void *item, const void *ctx,
    char **out, size_t *out_len);

/* A list answer {"KEY": [item, ...], "NextMarker": next} of n items of
 * size bytes each; NextMarker only when next is neither NULL nor "".
 * 0, or -1 (no memory). */
int fgd_json_list(const char *key, fgd_gen_item_pt gen, const void *items,
    size_t n, size_t size, const void *ctx, const char *next, char **out,
    size_t *out_len);

#endif /* FNGATED_JSON_H */
