/*
 * fngated_esm: event source mappings (Lambda's Create/Get/List/Update/
 * DeleteEventSourceMapping) for fngate's queues, and the pollers that run
 * them (docs/event-sources.md).
 *
 * fngated_esm.c: the calls, on the caller's own mappings (another
 * account's UUID is 404, as Lambda answers); fngated_esm_poll.c: the
 * poller threads; fngated_esm_json.c: what needs no Redis.
 */

#ifndef FNGATED_ESM_H
#define FNGATED_ESM_H

#include "fngated_esm_json.h"
#include "fngated_req.h"

int fgd_esm_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_esm_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_esm_list(const fgd_req_t *q, fgd_resp_t *r);
int fgd_esm_update(const fgd_req_t *q, fgd_resp_t *r);
int fgd_esm_delete(const fgd_req_t *q, fgd_resp_t *r);

/* account's mapping uuid into m: 1, 0 when there is none (or it is
 * unreadable: logged), -1 with r. */
int fgd_esm_load(const fgd_req_t *q, const char *account, const char *uuid,
    fgd_esm_t *m, fgd_resp_t *r);

/* The UUIDs of account's mappings (ZRANGE, oldest first); NULL with r. */
redisReply *fgd_esm_uuids(const fgd_req_t *q, const char *account,
    fgd_resp_t *r);

/* A poller's LastProcessingResult of a mapping, written only while it
 * exists.  0, or -1 (logged). */
int fgd_esm_result(const fgd_req_t *q, const char *account,
    const char *uuid, const char *result);

/* The pollers (fngated_esm_poll.c): started beside the asynchronous
 * workers, stopped before the FastCGI threads (their calls go through
 * the gateway, which those threads serve). */
int fgd_esm_start(const fgd_conf_t *conf);
void fgd_esm_stop(void);

#endif /* FNGATED_ESM_H */
