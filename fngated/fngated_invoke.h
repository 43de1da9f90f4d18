/*
 * fngated_invoke: Invoke through vmpool (fngated_invoke.c), and the pool
 * it runs in.
 */

#ifndef FNGATED_INVOKE_H
#define FNGATED_INVOKE_H

#include "fngated_req.h"

void fgd_pool_start(const fgd_conf_t *conf);
void fgd_pool_stop(void);
/* Deletes this host's function snapshots of owner's function name and
 * version (NULL: all versions): its code, configuration or the function
 * changed. */
void fgd_pool_forget(const char *owner, const char *name,
    const char *version);

/* Invoke (a handler), and InvokeApi's call of its route's function. */
int fgd_invoke(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_INVOKE_H */
