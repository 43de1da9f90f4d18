/*
 * fngated_versions: PublishVersion and ListVersionsByFunction (a
 * version's DeleteFunction is fngated_functions.c's).
 */

#include <stdio.h>
#include <string.h>

#include "fngated_functions.h"
#include "fngated_log.h"
#include "fngated_store.h"
#include "fngated_versions.h"

int
fgd_version_publish(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_publish_t  p;
    char           version[FGD_VERSION_LEN];
    bool           created;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_publish_parse(q->body, q->body_len, &p, r) != 0 ||
        fgd_store_publish(q, q->function, &p, version, &created, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "%s %s:%s version %s", created
        ? "published" : "unchanged since", q->caller, q->function, version);
    return fgd_function_reply(q, version, 201, r);
}

int
fgd_version_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char       marker[FGD_VERSION_LEN], next[FGD_VERSION_LEN];
    unsigned   max_items;
    fgd_fn_t  *fns = NULL;
    size_t     n = 0;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_versions_query(q->query, marker, sizeof(marker), &max_items, r)
            != 0 ||
        fgd_store_list_versions(q, q->function, marker, max_items, &fns, &n,
            next, sizeof(next), r) != 0)
        return -1;
    return fgd_function_list_answer(q, fgd_json_list_versions, fns, n, next, r);
}
