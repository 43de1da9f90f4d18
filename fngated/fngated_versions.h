/*
 * fngated_versions: PublishVersion and ListVersionsByFunction, a
 * version's configuration as an answer, and what a qualifier names
 * ($LATEST, a version, an alias) in Redis (fngated_versions.c).
 */

#ifndef FNGATED_VERSIONS_H
#define FNGATED_VERSIONS_H

#include "fngated_req.h"
#include "fngated_versions_json.h"

int fgd_version_publish(const fgd_req_t *q, fgd_resp_t *r);
int fgd_version_list(const fgd_req_t *q, fgd_resp_t *r);

/* Answers status with the configuration of version (of q->function).
 * 0, or -1 with r. */
int fgd_version_reply(const fgd_req_t *q, const char *version, int status,
    fgd_resp_t *r);

typedef int (*fgd_json_list_pt)(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* A 200 with a page of configurations made by json; frees fns.  0, or -1
 * with r. */
int fgd_version_list_answer(const fgd_req_t *q, fgd_json_list_pt json,
    fgd_fn_t *fns, size_t n, const char *next, fgd_resp_t *r);

/* Stored in Redis (lib/fg_keys.h).  0, or -1 with r. */

int fgd_store_get_version(const fgd_req_t *q, const char *account,
    const char *name, const char *version, fgd_fn_t *fn, fgd_resp_t *r);
int fgd_store_resolve(const fgd_req_t *q, const char *account,
    const char *name, const char *qualifier, bool weighted, fgd_fn_t *fn,
    fgd_resp_t *r);
int fgd_store_publish(const fgd_req_t *q, const char *name,
    const fgd_publish_t *p, char version[FGD_VERSION_LEN], bool *created,
    fgd_resp_t *r);
int fgd_store_list_versions(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, fgd_fn_t **fns, size_t *n,
    char *next_marker, size_t next_size, fgd_resp_t *r);
int fgd_store_delete_version(const fgd_req_t *q, const char *name,
    const char *version, fgd_resp_t *r);

#endif /* FNGATED_VERSIONS_H */
