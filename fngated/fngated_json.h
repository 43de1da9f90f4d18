/*
 * fngated_json: the JSON helpers the request parsers of fngated_api.c and
 * fngated_overrides.c share (yajl tree in, yajl_gen out).
 */

#ifndef FNGATED_JSON_H
#define FNGATED_JSON_H

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_priv.h"

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

/* Lambda's variable name pattern: [a-zA-Z]([a-zA-Z0-9_])+ */
bool fgd_env_name_valid(const char *s);

/* The generator's text, malloc'd and NUL-terminated. */
int fgd_gen_take(yajl_gen g, char **out, size_t *out_len);

/* fgd_gen_take, then the generator is freed: the end of every JSON answer
 * made in one go. */
int fgd_gen_finish(yajl_gen g, char **out, size_t *out_len);

#endif /* FNGATED_JSON_H */
