/*
 * fngated_versions_json: PublishVersion's body, version numbers and the
 * ListVersionsByFunction answer (fngated_versions_json.c).  Pure.
 */

#ifndef FNGATED_VERSIONS_JSON_H
#define FNGATED_VERSIONS_JSON_H

#include "fngated_functions_json.h"

/* The version number after last ("" or "0": none yet): 1, 2, ...; 0 when
 * last is not a number or the numbers are used up. */
unsigned long fgd_version_next(const char *last);

/* PublishVersion's body: CodeSha256 (base64, converted to hex here),
 * Description, RevisionId; each "" when absent. */
typedef struct {
    char      sha256[FGD_SHA256_HEX];
    bool      has_description;
    char      description[FGD_DESCRIPTION_MAX + 1];
    char      revision_id[37];
} fgd_publish_t;

int fgd_publish_parse(const char *body, size_t len, fgd_publish_t *p,
    fgd_resp_t *r);

/* ListVersionsByFunction's Marker ("$LATEST" or a version) / MaxItems. */
int fgd_versions_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, fgd_resp_t *r);

int fgd_json_list_versions(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

#endif /* FNGATED_VERSIONS_JSON_H */
