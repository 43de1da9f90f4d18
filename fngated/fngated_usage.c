/*
 * fngated_usage: GetUsage and GetApiUsage, a signed account's own view of
 * the billing log (the JSON lines of conf/nginx.conf's fngate_billing).
 *
 * The log is nginx's, on this host: billing_log names it, and its
 * rotations beside it (FILE.N, FILE.N.gz, as logrotate and `nginx -s
 * reopen` leave them) are read too, through libarchive (raw format, any
 * compression).  The rule of who sees what is the same as `fngate usage
 * --as`: GetUsage shows the calls billed to the caller, per owner and
 * API; GetApiUsage the calls of the caller's API of that name, per billed
 * account (an owner sees its subscribers' usage; a subscriber asking for
 * another's API sees nothing, as it owns no such API).
 *
 * `fngated -c FILE usage` (fngated_cli.c, what `fngate usage` runs) prints
 * the operator's table from the same sums (fgd_usage_print).
 *
 * With billing_ship, every host's lines are in Redis (fngated_billship.c
 * ships them): the same sums are made from the streams there, fg:bill:{A}
 * for the calls billed to A and fg:billapi:{O} for the calls of O's APIs,
 * so every host that ships answers the same.
 */

#include <dirent.h>
#include <sys/statvfs.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fg_keys.h"
#include "fngated_billship.h"
#include "fngated_http_apis_json.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_usage.h"
#include "fngated_util.h"

#define FGD_USAGE_ROWS_MAX  10000u
#define FGD_USAGE_PC        "ProvisionedConcurrency"   /* its lines */
#define FGD_USAGE_LINE_MAX  (64u * 1024)
#define FGD_USAGE_PAGE      1000u       /* entries of a stream a read */
#define FGD_USAGE_SKEW_MS   300000.0    /* a writer's clock against Redis's */
#define FGD_USAGE_CATCH_UP_MS  2000u     /* waited for this host's shipper */

typedef struct {
    char           account[FG_ACCOUNT_LEN + 1];
    char           owner[FG_ACCOUNT_LEN + 1];
    char           api[FG_API_NAME_MAX + 2];    /* or "-" */
    unsigned long  calls;
    unsigned long  billed_ms;
    double         gb_seconds;
    unsigned long  errors;
    unsigned long  cold_starts;
    double         pc_gb_seconds;   /* provisioned concurrency kept */
    double         first, last;     /* msec of the first and last call */
} fgd_usage_row_t;

/* What is counted (each filter NULL: any) and how rows are grouped. */
typedef struct {
    const char       *account;      /* the billed account */
    const char       *owner;        /* the function's or API's owner */
    const char       *api;          /* the API */
    const char       *viewer;       /* billed to it, or of its own */
    fgd_usage_by_t    by;
    double            since, until;
    fgd_usage_row_t  *rows;
    size_t            n, cap;
    bool              full;         /* FGD_USAGE_ROWS_MAX reached */
} fgd_usage_t;

static const char *
fgd_usage_str(yajl_val root, const char *name)
{
    const char  *path[] = { name, NULL };
    yajl_val     v = yajl_tree_get(root, path, yajl_t_string);

    return v != NULL ? YAJL_GET_STRING(v) : "";
}

static unsigned long
fgd_usage_num(const char *s)
{
    char           *end;
    unsigned long   v;

    if (s[0] < '0' || s[0] > '9') {
        return 0;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    return errno != 0 || *end != '\0' ? 0 : v;
}

/*
 * What one line of the log is.  A write nginx could not finish (a full
 * disk) leaves part of a line without its newline, and the next line is
 * written after it: a line that is not JSON is read from its last record
 * start, FGD_USAGE_RECORD (the first field of conf/nginx.conf's format).
 */
#define FGD_USAGE_RECORD  "{\"time\":\""

fgd_usage_line_t
fgd_usage_record(const char *line, fgd_usage_rec_t *rec)
{
    const char  *action, *p;
    bool         refused;

    memset(rec, 0, sizeof(*rec));
    if (strstr(line, "\"action\":\"Invoke") == NULL
        && strstr(line, "\"action\":\"" FGD_USAGE_PC "\"") == NULL)
    {
        /* the format's lines are objects: another call's line, or not
         * one of the log's */
        return line[0] == '{' ? FGD_USAGE_LINE_OTHER : FGD_USAGE_LINE_BAD;
    }
    rec->text = line;
    rec->root = yajl_tree_parse(line, NULL, 0);
    if (rec->root == NULL) {
        rec->text = NULL;
        for (p = strstr(line + 1, FGD_USAGE_RECORD); p != NULL;
             p = strstr(p + 1, FGD_USAGE_RECORD))
        {
            rec->text = p;
        }
        if (rec->text != NULL) {
            rec->root = yajl_tree_parse(rec->text, NULL, 0);
        }
    }
    if (rec->root == NULL || !YAJL_IS_OBJECT(rec->root)) {
        return FGD_USAGE_LINE_BAD;
    }

    action = fgd_usage_str(rec->root, "action");
    rec->account = fgd_usage_str(rec->root, "billing_account");
    rec->owner = fgd_usage_str(rec->root, "owner");
    rec->api = fgd_usage_str(rec->root, "api");
    rec->msec = strtod(fgd_usage_str(rec->root, "msec"), NULL);
    rec->pc = strcmp(action, FGD_USAGE_PC) == 0;
    if (strcmp(action, "Invoke") != 0 && strcmp(action, "InvokeApi") != 0
        && !rec->pc)
    {
        return FGD_USAGE_LINE_OTHER;
    }
    /* An Event invocation's 202: the event was stored, nothing ran yet;
     * each of its attempts has a line of its own. */
    if (strcmp(fgd_usage_str(rec->root, "status"), "202") == 0) {
        return FGD_USAGE_LINE_OTHER;
    }
    if (!fg_account_valid(rec->account, strlen(rec->account))
        || !fg_account_valid(rec->owner, strlen(rec->owner))
        || strlen(rec->api) > FG_API_NAME_MAX)
    {
        /* a call refused before it had an account (a bad signature, no
         * such function) bills nobody; a call that ran must name both */
        refused = fgd_usage_num(fgd_usage_str(rec->root, "status")) >= 400;
        return refused ? FGD_USAGE_LINE_OTHER : FGD_USAGE_LINE_BAD;
    }
    return FGD_USAGE_LINE_RECORD;
}

void
fgd_usage_record_free(fgd_usage_rec_t *rec)
{
    if (rec != NULL && rec->root != NULL) {
        yajl_tree_free(rec->root);
        rec->root = NULL;
    }
}

/* One record into u, when u's filters and period take it. */
static void
fgd_usage_add(fgd_usage_t *u, const fgd_usage_rec_t *rec)
{
    const char       *account = rec->account, *owner = rec->owner;
    const char       *api = rec->api;
    yajl_val          root = rec->root;
    fgd_usage_row_t  *row = NULL;
    unsigned long     ms, mb;
    double            t = rec->msec;
    size_t            i;

    if (t < u->since || t >= u->until) {
        return;
    }
    if ((u->account != NULL && strcmp(account, u->account) != 0)
        || (u->owner != NULL && strcmp(owner, u->owner) != 0)
        || (u->api != NULL && strcmp(api, u->api) != 0)
        || (u->viewer != NULL && strcmp(account, u->viewer) != 0
         && strcmp(owner, u->viewer) != 0))
    {
        return;
    }
    /* the row's key: "*" for what --by leaves out */
    if (u->by == FGD_USAGE_BY_ACCOUNT) {
        owner = "*";
    }
    if (u->by != FGD_USAGE_BY_API) {
        api = "*";
    } else if (api[0] == '\0') {
        api = "-";
    }

    for (i = 0; i < u->n; i++) {
        if (strcmp(u->rows[i].account, account) == 0
            && strcmp(u->rows[i].owner, owner) == 0
            && strcmp(u->rows[i].api, api) == 0)
        {
            row = &u->rows[i];
            break;
        }
    }
    if (row == NULL) {
        if (u->n == FGD_USAGE_ROWS_MAX) {
            u->full = true;
            return;
        }
        if (fgd_grow(&u->rows, &u->cap, u->n, sizeof(*u->rows), 16) != 0) {
            return;
        }
        row = &u->rows[u->n++];
        memset(row, 0, sizeof(*row));
        snprintf(row->account, sizeof(row->account), "%s", account);
        snprintf(row->owner, sizeof(row->owner), "%s", owner);
        snprintf(row->api, sizeof(row->api), "%s", api);
        row->first = t;
        row->last = t;
    }

    mb = fgd_usage_num(fgd_usage_str(root, "memory_mb"));
    if (t < row->first) {
        row->first = t;
    }
    if (t > row->last) {
        row->last = t;
    }
    /* sandboxes kept by provisioned concurrency, for some seconds: no
     * call (fngated_provisioned.c) */
    if (rec->pc) {
        row->pc_gb_seconds += (double) fgd_usage_num(fgd_usage_str(root,
            "provisioned")) * (double) mb / 1024.0
            * strtod(fgd_usage_str(root, "provisioned_seconds"), NULL);
        return;
    }
    ms = fgd_usage_num(fgd_usage_str(root, "billed_ms"));
    row->calls++;
    row->billed_ms += ms;
    row->gb_seconds += (double) ms / 1000.0 * (double) mb / 1024.0;
    if (fgd_usage_str(root, "function_error")[0] != '\0'
        || fgd_usage_num(fgd_usage_str(root, "status")) >= 400)
    {
        row->errors++;
    }
    if (strcmp(fgd_usage_str(root, "cold_start"), "true") == 0) {
        row->cold_starts++;
    }
}

/* One line of the log (or of a shipped stream) into u. */
static void
fgd_usage_line(fgd_usage_t *u, const char *line)
{
    fgd_usage_rec_t  rec;

    if (fgd_usage_record(line, &rec) == FGD_USAGE_LINE_RECORD) {
        fgd_usage_add(u, &rec);
    }
    fgd_usage_record_free(&rec);
}

/* The lines of one file, plain or compressed.  0, or -1 when it can not
 * be read. */
static int
fgd_usage_file(fgd_usage_t *u, const char *path)
{
    struct archive        *a;
    struct archive_entry  *e;
    char                  *line, buf[16384];
    size_t                 len = 0;
    ssize_t                got, i;
    bool                   skip = false;
    int                    rc = -1;

    line = malloc(FGD_USAGE_LINE_MAX + 1);
    a = archive_read_new();
    if (line == NULL || a == NULL) {
        goto cleanup;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_raw(a);
    archive_read_support_format_empty(a);
    if (archive_read_open_filename(a, path, sizeof(buf)) != ARCHIVE_OK) {
        goto cleanup;
    }
    if (archive_read_next_header(a, &e) != ARCHIVE_OK) {
        rc = 0;                     /* an empty file */
        goto cleanup;
    }
    while ((got = archive_read_data(a, buf, sizeof(buf))) > 0) {
        for (i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                line[len] = '\0';
                if (!skip) {
                    fgd_usage_line(u, line);
                }
                len = 0;
                skip = false;
            } else if (len < FGD_USAGE_LINE_MAX) {
                line[len++] = buf[i];
            } else {
                skip = true;        /* not one of ours */
            }
        }
    }
    rc = got < 0 ? -1 : 0;

cleanup:
    if (a != NULL) {
        archive_read_free(a);
    }
    free(line);
    return rc;
}

static int
fgd_usage_cmp(const void *a, const void *b)
{
    const fgd_usage_row_t  *x = a, *y = b;
    int                     c;

    if ((c = strcmp(x->account, y->account)) != 0) {
        return c;
    }
    if ((c = strcmp(x->owner, y->owner)) != 0) {
        return c;
    }
    return strcmp(x->api, y->api);
}

/* Since / Until of the query (epoch seconds, fractions allowed).  0, or
 * -1 for a bad value. */
static int
fgd_usage_query(const char *query, double *since, double *until)
{
    const char  *p = query;
    char        *end;

    *since = 0;
    *until = INFINITY;
    while (p != NULL && *p != '\0') {
        double  *dst = NULL;

        if (strncmp(p, "Since=", 6) == 0) {
            dst = since, p += 6;
        } else if (strncmp(p, "Until=", 6) == 0) {
            dst = until, p += 6;
        }
        if (dst != NULL) {
            if (*p < '0' || *p > '9') {
                return -1;
            }
            *dst = strtod(p, &end);
            if (*end != '&' && *end != '\0') {
                return -1;
            }
            p = end;
        }
        p = strchr(p, '&');
        if (p != NULL) {
            p++;
        }
    }
    return 0;
}

int
fgd_usage_account(const fgd_req_t *q, fgd_resp_t *r)
{
    return fgd_usage_get(q, NULL, r);
}

int
fgd_usage_api(const fgd_req_t *q, fgd_resp_t *r)
{
    return fgd_usage_get(q, q->route.api, r);
}

/*
 * The log (an absolute path) and its rotations into u; a file that can
 * not be read is logged (rid: the request's id, or NULL) and skipped.
 * Returns how many files were read.
 */
static unsigned
fgd_usage_read(fgd_usage_t *u, const char *log, const char *rid)
{
    const char     *slash, *base;
    char            dir[4096], path[4096 + 256];
    size_t          base_len;
    DIR            *d;
    struct dirent  *de;
    unsigned        read = 0;

    slash = strrchr(log, '/');
    snprintf(dir, sizeof(dir), "%.*s", (int) (slash - log), log);
    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/");
    }
    base = slash + 1;
    base_len = strlen(base);

    /* the rotations (FILE.N, FILE.N.gz), then the log itself */
    d = opendir(dir);
    if (d != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (strncmp(de->d_name, base, base_len) != 0
                || de->d_name[base_len] != '.'
                || de->d_name[base_len + 1] < '0'
                || de->d_name[base_len + 1] > '9')
            {
                continue;
            }
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            if (fgd_usage_file(u, path) != 0) {
                fgd_log("error", rid, "usage: cannot read %s", path);
            } else {
                read++;
            }
        }
        closedir(d);
    }
    /* (nginx makes the log at its first line: none is no error) */
    if (access(log, F_OK) == 0 || errno != ENOENT) {
        if (fgd_usage_file(u, log) != 0) {
            fgd_log("error", rid, "usage: cannot read %s", log);
        } else {
            read++;
        }
    }

    return read;
}

/*
 * The entries of one shipped stream into u, from Since less
 * FGD_USAGE_SKEW_MS on: an entry's id is when it was shipped, after its
 * line was written, so no line of the period is before that as long as
 * the writer's clock is within the margin of Redis's.  (Until bounds the
 * lines, not the ids: a line may be shipped long after it was written.)
 * 0, or -1 with r.
 */
static int
fgd_usage_stream(fgd_usage_t *u, const fgd_req_t *q, const char *key,
    fgd_resp_t *r)
{
    char          start[48], count[16];
    const char   *argv[6] = { "XRANGE", key, start, "+", "COUNT", count };
    double        from = u->since * 1000.0 - FGD_USAGE_SKEW_MS;
    redisReply   *reply, *e, *f;
    size_t        i, j;
    bool          more;

    if (from >= 9e18) {
        return 0;                       /* no id is that late */
    }
    snprintf(count, sizeof(count), "%u", FGD_USAGE_PAGE);
    if (from > 0) {
        snprintf(start, sizeof(start), "%.0f", floor(from));
    } else {
        snprintf(start, sizeof(start), "-");
    }
    do {
        reply = fgd_redis_command(q, true, 6, argv, NULL, r);
        if (reply == NULL) {
            return -1;
        }
        if (reply->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(reply);
            return fgd_error(r, 502, "ServiceException",
                "unexpected answer from Redis to XRANGE %s", key);
        }
        for (i = 0; i < reply->elements; i++) {
            e = reply->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2
                || e->element[0]->type != REDIS_REPLY_STRING
                || e->element[1]->type != REDIS_REPLY_ARRAY)
            {
                continue;
            }
            f = e->element[1];
            for (j = 0; j + 1 < f->elements; j += 2) {
                if (f->element[j]->type == REDIS_REPLY_STRING
                    && strcmp(f->element[j]->str, "line") == 0
                    && f->element[j + 1]->type == REDIS_REPLY_STRING)
                {
                    fgd_usage_line(u, f->element[j + 1]->str);
                }
            }
            /* the next page starts after the last entry read */
            snprintf(start, sizeof(start), "(%s", e->element[0]->str);
        }
        more = reply->elements == FGD_USAGE_PAGE;
        freeReplyObject(reply);
    } while (more);
    return 0;
}

/*
 * The shipped streams u's filters need into u: the account's own stream,
 * the API owner's, or (neither) every account's; read once this host's
 * shipper has caught up with its log (at most FGD_USAGE_CATCH_UP_MS), so
 * a call this host's nginx answered is counted.  0, or -1 with r.
 */
static int
fgd_usage_streams(fgd_usage_t *u, const fgd_req_t *q, fgd_resp_t *r)
{
    char          key[FG_KEY_MAX];
    const char   *argv[2] = { "SMEMBERS", key };
    redisReply   *reply;
    size_t        i;
    int           rc = 0;

    if (!fgd_billship_caught_up(q->conf, FGD_USAGE_CATCH_UP_MS)) {
        fgd_log("info", q->request_id, "usage: the shipper of %s is behind "
            "it: the last calls may be missing", q->conf->billing_log);
    }

    if (u->account != NULL || u->api != NULL) {
        if (fg_key_bill(key, sizeof(key), u->account != NULL
                ? FG_BILL_LINES : FG_BILL_API_LINES,
                u->account != NULL ? u->account : u->owner) >= FG_KEY_MAX)
        {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "no such account");
        }
        return fgd_usage_stream(u, q, key, r);
    }
    fg_key_bill_accounts(key, sizeof(key));
    reply = fgd_redis_command(q, true, 2, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    for (i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements
                && rc == 0; i++)
    {
        if (reply->element[i]->type == REDIS_REPLY_STRING
            && fg_account_valid(reply->element[i]->str,
                   reply->element[i]->len))
        {
            fg_key_bill(key, sizeof(key), FG_BILL_LINES,
                reply->element[i]->str);
            rc = fgd_usage_stream(u, q, key, r);
        }
    }
    freeReplyObject(reply);
    return rc;
}

/* u's rows in order (account, owner, API). */
static void
fgd_usage_sort(fgd_usage_t *u)
{
    /* no rows is rows == NULL, which qsort may not be given (undefined
     * behaviour; fuzz_usage's finding on an empty log) */
    if (u->n > 1) {
        qsort(u->rows, u->n, sizeof(*u->rows), fgd_usage_cmp);
    }
}

int
fgd_usage_get(const fgd_req_t *q, const char *api, fgd_resp_t *r)
{
    fgd_usage_t           u;
    const char           *log = q->conf->billing_log;
    char                  num[64];
    size_t                i;
    yajl_gen              g = NULL;
    const unsigned char  *out;
    size_t                out_len;
    int                   rc = -1;

    memset(&u, 0, sizeof(u));
    /* GetApiUsage: the calls of the caller's API; GetUsage: the calls
     * billed to the caller */
    if (api != NULL) {
        u.owner = q->caller;
        u.api = api;
    } else {
        u.account = q->caller;
    }
    u.by = FGD_USAGE_BY_API;
    if (fgd_usage_query(q->query ? q->query : "", &u.since, &u.until) != 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Since and Until are epoch seconds");
    }
    if (q->conf->billing_ship) {
        if (fgd_usage_streams(&u, q, r) != 0) {
            free(u.rows);
            return -1;
        }
    } else if (log == NULL || log[0] != '/') {
        return fgd_error(r, 501, "ServiceException",
            "This host keeps no billing log for usage (fngated's "
            "billing_log)");
    } else {
        fgd_usage_read(&u, log, q->request_id);
    }
    fgd_usage_sort(&u);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        goto nomem;
    }
#define GS(s) yajl_gen_string(g, (const unsigned char *) (s), strlen(s))
#define GN(v) (snprintf(num, sizeof(num), "%lu", (unsigned long) (v)), \
               yajl_gen_number(g, num, strlen(num)))
    yajl_gen_map_open(g);
    GS("Usage");
    yajl_gen_array_open(g);
    for (i = 0; i < u.n; i++) {
        yajl_gen_map_open(g);
        GS("Account");      GS(u.rows[i].account);
        GS("Owner");        GS(u.rows[i].owner);
        GS("Api");          GS(u.rows[i].api);
        GS("Calls");        GN(u.rows[i].calls);
        GS("BilledMs");     GN(u.rows[i].billed_ms);
        GS("GBSeconds");
        snprintf(num, sizeof(num), "%.6f", u.rows[i].gb_seconds);
        yajl_gen_number(g, num, strlen(num));
        GS("Errors");       GN(u.rows[i].errors);
        GS("ColdStarts");   GN(u.rows[i].cold_starts);
        GS("ProvisionedGBSeconds");
        snprintf(num, sizeof(num), "%.6f", u.rows[i].pc_gb_seconds);
        yajl_gen_number(g, num, strlen(num));
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    GS("Truncated");
    yajl_gen_bool(g, u.full);
    yajl_gen_map_close(g);
#undef GS
#undef GN
    if (yajl_gen_get_buf(g, &out, &out_len) != yajl_gen_status_ok) {
        goto nomem;
    }
    r->body = malloc(out_len + 1);
    if (r->body == NULL) {
        goto nomem;
    }
    memcpy(r->body, out, out_len);
    r->body[out_len] = '\0';
    r->body_len = out_len;
    r->status = 200;
    rc = 0;
    goto cleanup;

nomem:
    rc = fgd_error(r, 500, "ServiceException", "out of memory");

cleanup:
    if (g != NULL) {
        yajl_gen_free(g);
    }
    free(u.rows);
    return rc;
}

static void
fgd_usage_time(char *dst, size_t size, double t)
{
    time_t     s = (time_t) floor(t);
    struct tm  tm;

    if (gmtime_r(&s, &tm) == NULL
        || strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        snprintf(dst, size, "-");
    }
}

int
fgd_usage_print(FILE *out, const fgd_usage_opts_t *o, char *err,
    size_t err_size)
{
    fgd_usage_t  u;
    char         first[32], last[32];
    size_t       i;

    memset(&u, 0, sizeof(u));
    u.account = o->account;
    u.viewer = o->viewer;
    u.by = o->by;
    u.since = o->since;
    u.until = o->until;
    if (o->shipped != NULL) {
        fgd_resp_t  r;

        memset(&r, 0, sizeof(r));
        if (fgd_usage_streams(&u, o->shipped, &r) != 0) {
            snprintf(err, err_size, "redis at %s: %s",
                o->shipped->conf->redis, r.message);
            fgd_resp_free(&r);
            free(u.rows);
            return -1;
        }
    } else if (o->log == NULL || o->log[0] != '/') {
        snprintf(err, err_size, "the billing log must be an absolute path");
        return -1;
    } else if (fgd_usage_read(&u, o->log, NULL) == 0) {
        snprintf(err, err_size, "no billing log at %s", o->log);
        free(u.rows);
        return -1;
    }
    fgd_usage_sort(&u);
    fprintf(out, "%-13s %-13s %-16s %7s %10s %12s %7s %11s %15s %-20s "
        "%s\n", "ACCOUNT", "OWNER", "API", "CALLS", "BILLED_MS",
        "GB_SECONDS", "ERRORS", "COLD_STARTS", "PROVISIONED_GBS", "FIRST",
        "LAST");
    for (i = 0; i < u.n; i++) {
        fgd_usage_time(first, sizeof(first), u.rows[i].first);
        fgd_usage_time(last, sizeof(last), u.rows[i].last);
        fprintf(out, "%-13s %-13s %-16s %7lu %10lu %12.6f %7lu %11lu "
            "%15.6f %-20s %s\n", u.rows[i].account, u.rows[i].owner,
            u.rows[i].api, u.rows[i].calls, u.rows[i].billed_ms,
            u.rows[i].gb_seconds, u.rows[i].errors, u.rows[i].cold_starts,
            u.rows[i].pc_gb_seconds, first, last);
    }
    if (u.full) {
        fprintf(stderr, "fngated: usage: only the first %u rows\n",
            FGD_USAGE_ROWS_MAX);
    }
    free(u.rows);
    return 0;
}

bool
fgd_billing_log_room(const fgd_conf_t *conf, unsigned long long *avail)
{
    struct statvfs  st;
    const char     *log = conf->billing_log, *slash;
    char            dir[4096];
    int             rc;

    *avail = 0;
    if (conf->billing_log_reserve == 0 || log == NULL || log[0] != '/') {
        return true;
    }
    rc = statvfs(log, &st);
    if (rc != 0 && errno == ENOENT) {
        /* nginx makes the file at its first line: ask its directory. */
        slash = strrchr(log, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash == log ? 1 :
            (int) (slash - log), log);
        rc = statvfs(dir, &st);
    }
    if (rc != 0) {
        return true;
    }
    *avail = (unsigned long long) st.f_bavail * st.f_frsize;
    return *avail >= conf->billing_log_reserve;
}
