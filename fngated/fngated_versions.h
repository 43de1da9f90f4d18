/*
 * fngated_versions: the handlers of PublishVersion and
 * ListVersionsByFunction (fngated_versions.c).
 */

#ifndef FNGATED_VERSIONS_H
#define FNGATED_VERSIONS_H

#include "fngated_req.h"

int fgd_version_publish(const fgd_req_t *q, fgd_resp_t *r);
int fgd_version_list(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_VERSIONS_H */
