/*
 * fngated_bounds: the handlers of an owner's execution bounds and of a
 * cross-account alias's execution overrides (fngated_bounds.c).
 */

#ifndef FNGATED_BOUNDS_H
#define FNGATED_BOUNDS_H

#include "fngated_req.h"

int fgd_bounds_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_bounds_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_bounds_delete(const fgd_req_t *q, fgd_resp_t *r);

int fgd_overrides_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_overrides_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_overrides_delete(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_BOUNDS_H */
