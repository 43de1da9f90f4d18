/*
 * fngated_log: fgd_log (fngated_log.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "fngated_log.h"
#include "fngated_util.h"

void
fgd_log(const char *level, const char *rid, const char *fmt, ...)
{
    struct timespec  ts;
    char             t[FGD_TIME_LEN], msg[1024];
    va_list          ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    fgd_time_rfc3339(&ts, t, sizeof(t));
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) {            /* one record per line */
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    fprintf(stderr, "%s fngated[%d] %s [%s] %s\n", t, (int) getpid(), level,
        rid && rid[0] ? rid : "-", msg);
}
