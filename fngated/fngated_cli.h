/*
 * fngated_cli: fngated's command line (fngated_cli.c).
 *
 *   fngated -c FILE [-o key=value]...                the daemon
 *   fngated -c FILE [-o key=value]... usage [...]    the usage table
 *   fngated -c FILE [-o key=value]... account create NAME | account list
 *   fngated -c FILE [-o key=value]... ship-billing   billing_log to Redis
 *
 * and the daemon's readiness signal, the pid file (conf's pid_file).
 */

#ifndef FNGATED_CLI_H
#define FNGATED_CLI_H

#include "fngated_conf.h"

/* fgd_cli's answer when fngated is to run as the daemon. */
#define FGD_CLI_SERVE  (-1)

/*
 * Parses the options, loads the configuration into conf (the file, then
 * the -o overrides over it) and runs a command mode when one is named.
 * Returns FGD_CLI_SERVE with conf loaded (the daemon runs; it frees
 * conf), or the exit status of fngated (conf freed).
 */
int fgd_cli(int argc, char **argv, fgd_conf_t *conf);

/*
 * The daemon is ready (its socket listens and the VM pool is up): writes
 * conf->pid_file, when one is set, atomically (a temporary file renamed).
 */
void fgd_cli_ready(const fgd_conf_t *conf);

/* A clean exit: removes conf->pid_file when it holds this process. */
void fgd_cli_exit(const fgd_conf_t *conf);

#endif
