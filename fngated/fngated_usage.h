/*
 * fngated_usage: GetUsage, GetApiUsage and the billing log's room
 * (fngated_usage.c).
 */

#ifndef FNGATED_USAGE_H
#define FNGATED_USAGE_H

#include <stdbool.h>

#include "fngated_req.h"

/*
 * GetUsage (api NULL: the calls billed to the caller, per owner and API)
 * and GetApiUsage (the calls of the caller's API of that name, per billed
 * account), from q->conf->billing_log and its rotations, within the
 * query's Since / Until (epoch seconds).  0, or -1 with r.
 */
int fgd_usage_get(const fgd_req_t *q, const char *api, fgd_resp_t *r);

/* The handlers of GetUsage and GetApiUsage (q->route.api). */
int fgd_usage_account(const fgd_req_t *q, fgd_resp_t *r);
int fgd_usage_api(const fgd_req_t *q, fgd_resp_t *r);

/*
 * Whether the billing log's file system has billing_log_reserve bytes
 * free (*avail: what it has).  nginx writes a call's line after the
 * answer has gone and loses a line it can not write, so fngated runs no
 * call and sends no call's result while it has not.  true without a
 * billing log or reserve, or when the file system can not be asked.
 */
bool fgd_billing_log_room(const fgd_conf_t *conf, unsigned long long *avail);

#endif /* FNGATED_USAGE_H */
