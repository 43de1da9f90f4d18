/*
 * fngated_policy: the handlers of the resource policy calls
 * (fngated_policy.c).
 */

#ifndef FNGATED_POLICY_H
#define FNGATED_POLICY_H

#include "fngated_req.h"

int fgd_policy_add(const fgd_req_t *q, fgd_resp_t *r);
/* The statement id is read from q->uri. */
int fgd_policy_remove(const fgd_req_t *q, fgd_resp_t *r);
int fgd_policy_get(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_POLICY_H */
