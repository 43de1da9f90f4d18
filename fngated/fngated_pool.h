/*
 * fngated_pool: the pool of guests every Invoke runs in (fngated_pool.c).
 */

#ifndef FNGATED_POOL_H
#define FNGATED_POOL_H

#include "fngated_conf.h"
#include "vmpool.h"

/* Starts the thread that makes the pool (again, while libvirt is not
 * there); stop waits for it and frees the pool. */
void fgd_pool_start(const fgd_conf_t *conf);
void fgd_pool_stop(void);

/* The pool, waiting for it up to timeout_ms; NULL, and a log line of
 * the call request_id saying why, when it is not there by then (or
 * fngated is stopping). */
vmp_pool_t *fgd_pool_wait(unsigned timeout_ms, const char *request_id);
/* The pool if it is there now, else NULL (nothing logged). */
vmp_pool_t *fgd_pool_now(void);

/* vmp_pool_provisioned for owner's sandboxes of code and config in its
 * own guests (the pool key of the owner calling its own function): how
 * many are kept now, at most want; 0 while there is no pool. */
unsigned fgd_pool_provisioned(const char *owner, const char *code,
    const char *config, unsigned want);

/* Deletes this host's function snapshots of owner's function name and
 * version (NULL: all versions): its code, configuration or the function
 * changed. */
void fgd_pool_forget(const char *owner, const char *name,
    const char *version);

#endif /* FNGATED_POOL_H */
