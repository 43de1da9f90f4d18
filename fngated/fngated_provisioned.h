/*
 * fngated_provisioned: provisioned concurrency (Lambda's
 * PutProvisionedConcurrencyConfig, GetProvisionedConcurrencyConfig,
 * DeleteProvisionedConcurrencyConfig, ListProvisionedConcurrencyConfigs)
 * and its keeper, the thread that keeps that many sandboxes of a version
 * initialised in its owner's guests on this host (docs/vms.md
 * "Provisioned concurrency").
 */

#ifndef FNGATED_PROVISIONED_H
#define FNGATED_PROVISIONED_H

#include "fngated_req.h"

int fgd_provisioned_put(const fgd_req_t *q, fgd_resp_t *r);
int fgd_provisioned_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_provisioned_delete(const fgd_req_t *q, fgd_resp_t *r);
int fgd_provisioned_list(const fgd_req_t *q, fgd_resp_t *r);

/* The keeper: started after the pool, stopped before it.  0, or -1 (it
 * did not start: logged). */
int fgd_provisioned_start(const fgd_conf_t *conf);
void fgd_provisioned_stop(void);

#endif /* FNGATED_PROVISIONED_H */
