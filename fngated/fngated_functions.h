/*
 * fngated_functions: the handlers of the calls on a function as a whole
 * (fngated_functions.c).
 */

#ifndef FNGATED_FUNCTIONS_H
#define FNGATED_FUNCTIONS_H

#include "fngated_req.h"

int fgd_function_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_list(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_get_config(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_delete(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_update_code(const fgd_req_t *q, fgd_resp_t *r);
int fgd_function_update_config(const fgd_req_t *q, fgd_resp_t *r);

/* Answers status with the configuration of version (of q->function).
 * 0, or -1 with r. */
int fgd_function_reply(const fgd_req_t *q, const char *version, int status,
    fgd_resp_t *r);

typedef int (*fgd_json_list_pt)(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* A 200 with a page of configurations made by json; frees fns.  0, or -1
 * with r. */
int fgd_function_list_answer(const fgd_req_t *q, fgd_json_list_pt json,
    fgd_fn_t *fns, size_t n, const char *next, fgd_resp_t *r);

#endif /* FNGATED_FUNCTIONS_H */
