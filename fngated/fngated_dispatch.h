/*
 * fngated_dispatch: from an action to its handler.  What is checked
 * before a call runs (a function name, the owner's own calls, the body
 * limit, room in the billing log) comes from lib/fg_action's table; the
 * handler from this file's table, indexed by fg_action_t.
 */

#ifndef FNGATED_DISPATCH_H
#define FNGATED_DISPATCH_H

#include <stddef.h>

#include "fngated_req.h"

/*
 * The checks before the body is read: a known action (q->action_id is
 * set), an authenticated caller, a valid owner (q->owner is the caller's
 * when the call names none), a valid function name for an action whose
 * object is not the account, a valid qualifier, and the owner's own calls
 * (only actions others may be granted, or subscribe to, take another
 * owner).  0, or -1 with r.
 */
int fgd_dispatch_check(fgd_req_t *q, fgd_resp_t *r);

/* The largest body the action reads (its fg_action body class). */
size_t fgd_dispatch_body_limit(const fgd_conf_t *conf, fg_action_t a);

/*
 * Runs the checked call with its body: a billed call only while the
 * billing log has room (and its result is withheld when the log filled
 * meanwhile); the path's names read for the actions that need them; then
 * the handler.  r holds the answer.
 */
void fgd_dispatch(fgd_req_t *q, fgd_resp_t *r);

/* The first action without a handler, or FG_ACTION_NONE when every one
 * has one (checked at start). */
fg_action_t fgd_dispatch_missing(void);

#endif /* FNGATED_DISPATCH_H */
