/*
 * fngated_billship: the shipper, the thread that sends each line of this
 * host's billing log to Redis as it is written, so that usage answers the
 * same on every host (billing_ship; docs/billing.md "One bill for every
 * host"), and `fngated ship-billing`, the same once.
 */

#ifndef FNGATED_BILLSHIP_H
#define FNGATED_BILLSHIP_H

#include <stdbool.h>

#include "fngated_conf.h"

/* The thread, when billing_ship and billing_log say so: started with the
 * others, stopped after the provisioned keeper (whose last lines it
 * ships).  0, or -1 (it did not start: logged). */
int fgd_billship_start(const fgd_conf_t *conf);
void fgd_billship_stop(void);

/*
 * Whether this host's shipper has shipped its log as far as the log is
 * now (read from its checkpoint file), waited for at most ms: what usage
 * calls before it reads the streams, so a call answered by this host's
 * nginx is counted by the next usage read.  true without billing_ship or
 * billing_log, or when the log is not there.
 */
bool fgd_billship_caught_up(const fgd_conf_t *conf, unsigned ms);

/*
 * Ships what the log holds now, from where the shipper of this log is
 * (fngated ship-billing: a host's log shipped by hand, or while its
 * fngated is down).  0 when every line reached Redis, else -1 (on
 * stderr; what did not is shipped by the next run).
 */
int fgd_billship_once(const fgd_conf_t *conf);

#endif /* FNGATED_BILLSHIP_H */
