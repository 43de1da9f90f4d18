/*
 * fngated_versions_json: version numbers, PublishVersion's body and
 * ListVersionsByFunction's query and answer.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_json.h"
#include "fngated_versions_json.h"

unsigned long
fgd_version_next(const char *last)
{
    uint64_t  n = 0;

    if (last != NULL && last[0] != '\0'
        && !fgd_parse_u64(last, strlen(last), &n))
    {
        return 0;
    }
    if (n >= 4294967295u) {
        return 0;
    }
    return (unsigned long) n + 1;
}

int
fgd_publish_parse(const char *body, size_t len, fgd_publish_t *p,
    fgd_resp_t *r)
{
    yajl_val     root;
    const char  *sha;
    int          rc = -1;

    memset(p, 0, sizeof(*p));
    if (fgd_parse_doc(body, len, true, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, "CodeSha256", &sha, r) != 0
        || fgd_get_description(root, p->description, sizeof(p->description),
            &p->has_description, r) != 0
        || fgd_get_revision(root, FGD_GETTER_FUNCTION, p->revision_id, r) != 0)
    {
        goto cleanup;
    }
    if (sha != NULL && fgd_sha_b64_to_hex(sha, p->sha256) != 0) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "CodeSha256 (%.60s) is not the base64 of a SHA-256 digest",
            sha);
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

/* A page of versions starts after $LATEST or a version number. */
static bool
fgd_version_marker_valid(const char *s, size_t len)
{
    return strcmp(s, "$LATEST") == 0 || fg_version_valid(s, len);
}

int
fgd_versions_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, fgd_resp_t *r)
{
    return fgd_page_query(query, fgd_version_marker_valid, marker,
        marker_size, max_items, r);
}

int
fgd_json_list_versions(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len)
{
    return fgd_json_config_list("Versions", fns, n, next_marker, region,
        account, out, out_len);
}
