/*
 * fngated_log: the daemon's log, one line per record on stderr:
 * "TIME fngated[PID] LEVEL [REQUEST_ID] message".  Every file of the
 * daemon logs through this one function, so none imports another's
 * header to log.
 */

#ifndef FNGATED_LOG_H
#define FNGATED_LOG_H

/* level: "info", "warn" or "error"; rid: the request id, or NULL. */
void fgd_log(const char *level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* FNGATED_LOG_H */
