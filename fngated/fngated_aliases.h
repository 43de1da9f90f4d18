/*
 * fngated_aliases: the handlers of the alias calls (fngated_aliases.c).
 */

#ifndef FNGATED_ALIASES_H
#define FNGATED_ALIASES_H

#include "fngated_req.h"
#include "fngated_aliases_json.h"
#include "fngated_bounds_json.h"

int fgd_alias_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_update(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_delete(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_list(const fgd_req_t *q, fgd_resp_t *r);

/* Stored in Redis (lib/fg_keys.h).  0, or -1 with r. */

int fgd_store_alias_get(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a, fgd_resp_t *r);
/* read_revision NULL: create; else the RevisionId the update read. */
int fgd_store_alias_put(const fgd_req_t *q, const char *name,
    const fgd_alias_t *a, const char *read_revision, fgd_resp_t *r);
/* A cross-account alias's target: granted, existing, not chained. */
int fgd_store_xalias_check(const fgd_req_t *q, const fgd_alias_t *a,
    fgd_resp_t *r);
int fgd_store_alias_delete(const fgd_req_t *q, const char *name,
    const char *alias, fgd_resp_t *r);
int fgd_store_list_aliases(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, const char *version,
    fgd_alias_t **as, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r);

/* The alias and, when o is not NULL, its execution overrides. */
int fgd_store_alias_read(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a,
    fgd_overrides_t *o, fgd_resp_t *r);

/* The names of the aliases routing to version, ", "-separated, for the
 * message of a refused version delete. */
void fgd_aliases_of(const fgd_req_t *q, const char *name,
    const char *version, char *dst, size_t size);

#endif /* FNGATED_ALIASES_H */
