/*
 * fngated_usage: GetUsage, GetApiUsage and the billing log's room
 * (fngated_usage.c).
 */

#ifndef FNGATED_USAGE_H
#define FNGATED_USAGE_H

#include <stdbool.h>
#include <stdio.h>

#include <yajl/yajl_tree.h>

#include "fngated_req.h"

/* What one line of the billing log is (fgd_usage_record). */
typedef enum {
    FGD_USAGE_LINE_RECORD,      /* a call's or a capacity's billing line */
    FGD_USAGE_LINE_OTHER,       /* another action's line, an Event's 202,
                                   a call refused before it had an
                                   account: not billed */
    FGD_USAGE_LINE_BAD          /* not JSON, or a billed call without a
                                   billing account or owner */
} fgd_usage_line_t;

/* A billing record: its fields, pointing into root. */
typedef struct {
    yajl_val     root;          /* the parsed record; NULL none */
    const char  *text;          /* its JSON in the line (after a fragment
                                   nginx could not finish, the record
                                   that follows it) */
    const char  *account;       /* billing_account */
    const char  *owner;
    const char  *api;           /* "" for a direct Invoke */
    double       msec;          /* when it was written (epoch seconds) */
    bool         pc;            /* provisioned concurrency's capacity */
} fgd_usage_rec_t;

/*
 * Reads one line of the log (without its newline) into rec, which
 * fgd_usage_record_free frees whatever the answer; rec's fields are set
 * for FGD_USAGE_LINE_RECORD.  The one reader of a line: GetUsage, the
 * operator's table and the shipper (fngated_billship.c) take the same
 * lines.
 */
fgd_usage_line_t fgd_usage_record(const char *line, fgd_usage_rec_t *rec);
void fgd_usage_record_free(fgd_usage_rec_t *rec);

/*
 * GetUsage (api NULL: the calls billed to the caller, per owner and API)
 * and GetApiUsage (the calls of the caller's API of that name, per billed
 * account), from q->conf->billing_log and its rotations, or with
 * billing_ship from the lines every host shipped to Redis, within the
 * query's Since / Until (epoch seconds).  0, or -1 with r.
 */
int fgd_usage_get(const fgd_req_t *q, const char *api, fgd_resp_t *r);

/* How `fngated usage` groups its rows (as `fngate usage --by`). */
typedef enum {
    FGD_USAGE_BY_ACCOUNT,       /* per billed account */
    FGD_USAGE_BY_OWNER,         /* per billed account and owner */
    FGD_USAGE_BY_API            /* per billed account, owner and API */
} fgd_usage_by_t;

typedef struct {
    const char      *log;       /* the billing log (absolute) */
    const fgd_req_t *shipped;   /* or, not NULL: the lines shipped to
                                   Redis (billing_ship), read on its
                                   connection */
    double           since;     /* epoch seconds, [since, until) */
    double           until;
    const char      *account;   /* the billed account, or NULL */
    const char      *viewer;    /* billed to it or of its own, or NULL */
    fgd_usage_by_t   by;
} fgd_usage_opts_t;

/*
 * The operator's table (`fngated usage`, `fngate usage`): one row per
 * group with calls, billed ms, GB-seconds, errors, cold starts and the
 * first and last call's time, from the same sums as GetUsage.  0, or -1
 * with err (no log).
 */
int fgd_usage_print(FILE *out, const fgd_usage_opts_t *o, char *err,
    size_t err_size);

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
