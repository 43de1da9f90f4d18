/*
 * fngated_functions: the calls on a function as a whole, and its record
 * and code in Redis (fngated_functions.c).
 */

#ifndef FNGATED_FUNCTIONS_H
#define FNGATED_FUNCTIONS_H

#include "fngated_req.h"
#include "fngated_functions_json.h"

int fgd_function_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_list(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_get_config(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_delete(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_update_code(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_update_config(const fgd_req_t *q, fgd_resp_t *r);

/* Stored in Redis (lib/fg_keys.h).  0, or -1 with r. */

int fgd_store_create(const fgd_req_t *q, const fgd_create_t *c,
    fgd_resp_t *r);
int fgd_store_list(const fgd_req_t *q, const char *marker,
    unsigned max_items, fgd_fn_t **fns, size_t *n, char *next_marker,
    size_t next_size, fgd_resp_t *r);
int fgd_store_delete(const fgd_req_t *q, const char *name, fgd_resp_t *r);
int fgd_store_update_code(const fgd_req_t *q, const char *name,
    const char *old_sha, const fgd_create_t *c, const char *want_revision,
    fgd_resp_t *r);
int fgd_store_update_config(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *read_revision, fgd_resp_t *r);
int fgd_store_code(const fgd_req_t *q, const char *account,
    const char *sha256hex, uint8_t **zip, size_t *len, fgd_resp_t *r);

#endif /* FNGATED_FUNCTIONS_H */
