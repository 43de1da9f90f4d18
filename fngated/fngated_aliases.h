/*
 * fngated_aliases: the handlers of the alias calls (fngated_aliases.c).
 */

#ifndef FNGATED_ALIASES_H
#define FNGATED_ALIASES_H

#include "fngated_req.h"

int fgd_alias_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_update(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_delete(const fgd_req_t *q, fgd_resp_t *r);
int fgd_alias_list(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_ALIASES_H */
