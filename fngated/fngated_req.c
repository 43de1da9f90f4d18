/*
 * fngated_req: what every handler asks of its call.
 */

#include <stdio.h>

#include "fngated_req.h"

int
fgd_req_no_qualifier(const fgd_req_t *q, fgd_resp_t *r)
{
    if (q->qualifier[0] == '\0') {
        return 0;
    }
    return fgd_error(r, 400, "InvalidParameterValueException",
        "%s does not take a qualifier; name the function without one",
        q->action);
}

void
fgd_req_limits(const fgd_req_t *q, fgd_limits_t *lim)
{
    lim->max_code_size = q->conf->max_code_size;
    lim->max_unzipped = FG_FRAME_MAX_PAYLOAD - 64 * 1024;
    lim->max_memory_mb = q->conf->max_memory_mb;
}
