/*
 * fngated_invoke: Invoke through vmpool (fngated_invoke.c).
 */

#ifndef FNGATED_INVOKE_H
#define FNGATED_INVOKE_H

#include "fngated_req.h"

/* Invoke (a handler), and InvokeApi's call of its route's function. */
int fgd_invoke(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_INVOKE_H */
