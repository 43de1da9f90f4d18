/*
 * CUnit tests of fngated/fngated_usage.c (GetUsage, GetApiUsage),
 * whose helpers are static: the file is included.  fngated's logger
 * (fngated_log.c, the daemon's) is replaced by one that counts its lines,
 * and its Redis command (fngated_redis.c) by one that answers canned
 * replies (RESP, read by hiredis's own reader) and keeps the commands;
 * the shipper's catch-up (fngated_billship.c, whose thread is not here)
 * says it is caught up.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fngated_usage.c"

static unsigned  logged;

bool
fgd_billship_caught_up(const fgd_conf_t *conf, unsigned ms)
{
    (void) conf;
    (void) ms;
    return true;
}

void
fgd_log(const char *level, const char *rid, const char *fmt, ...)
{
    (void) level;
    (void) rid;
    (void) fmt;
    logged++;
}

/* Redis: the answer to each command in turn (NULL: Redis is down), and
 * the commands asked, their words joined by spaces. */
#define REDIS_MAX  8
static const char  *answers[REDIS_MAX];
static char         asked[REDIS_MAX][256];
static unsigned     nasked;

redisReply *
fgd_redis_command(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r)
{
    redisReader  *rd;
    void         *reply = NULL;
    size_t        n = 0;
    int           i;

    (void) q;
    (void) idempotent;
    (void) lens;
    if (nasked == REDIS_MAX) {
        return NULL;
    }
    for (i = 0; i < argc; i++) {
        n += (size_t) snprintf(asked[nasked] + n, sizeof(asked[0]) - n,
            "%s%s", i ? " " : "", argv[i]);
    }
    if (answers[nasked++] == NULL) {
        fgd_error(r, 503, "ServiceException", "Redis is down");
        return NULL;
    }
    rd = redisReaderCreate();
    redisReaderFeed(rd, answers[nasked - 1], strlen(answers[nasked - 1]));
    if (redisReaderGetReply(rd, &reply) != REDIS_OK || reply == NULL) {
        fgd_error(r, 502, "ServiceException", "bad canned reply");
    }
    redisReaderFree(rd);
    return reply;
}

static char  dir[] = "/tmp/test_usage.XXXXXX";
static char  logpath[64];

static int
usage_of(const char *log, const char *query, const char *api,
    fgd_resp_t *r)
{
    fgd_conf_t  conf;
    fgd_req_t   q;
    FILE       *f;

    f = fopen(logpath, "w");
    if (f == NULL) {
        return -2;
    }
    fputs(log, f);
    fclose(f);
    memset(&conf, 0, sizeof(conf));
    conf.billing_log = logpath;
    memset(&q, 0, sizeof(q));
    q.conf = &conf;
    q.request_id = "rid";
    q.caller = "111111111111";
    q.query = query;
    memset(r, 0, sizeof(*r));
    return fgd_usage_get(&q, api, r);
}

#define LINE(acct, owner, api, ms, mb)                                     \
    "{\"msec\":\"1795435200.123\",\"action\":\"InvokeApi\","              \
    "\"billing_account\":\"" acct "\",\"owner\":\"" owner "\","          \
    "\"api\":\"" api "\",\"status\":\"200\",\"billed_ms\":\"" ms "\","   \
    "\"memory_mb\":\"" mb "\",\"cold_start\":\"false\","                  \
    "\"function_error\":\"\"}\n"

/* A line of fngated_provisioned.c's: n sandboxes of mb kept secs. */
#define PC_LINE(acct, n, mb, secs)                                         \
    "{\"msec\":\"1795435260.000\",\"action\":\"ProvisionedConcurrency\"," \
    "\"billing_account\":\"" acct "\",\"owner\":\"" acct "\","           \
    "\"function\":\"f\",\"qualifier\":\"live\",\"status\":\"200\","       \
    "\"memory_mb\":\"" mb "\",\"provisioned\":\"" n "\","                  \
    "\"provisioned_seconds\":\"" secs "\"}\n"

/*
 * fuzz_usage's finding: with no row (an empty log, or none of the
 * caller's lines) qsort was given the NULL array (undefined behaviour,
 * which make unit-san reports).
 */
static void
test_usage_empty(void)
{
    fgd_resp_t  r;

    CU_ASSERT_EQUAL(usage_of("", "", NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"Usage\":[],\"Truncated\":false}");
    fgd_resp_free(&r);

    CU_ASSERT_EQUAL(usage_of(LINE("222222222222", "333333333333", "x", "5",
        "128"), "", "shop", &r), 0);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"Usage\":[],\"Truncated\":false}");
    fgd_resp_free(&r);
}

static void
test_usage_rows(void)
{
    fgd_resp_t  r;

    /* rows sorted by owner, sums per row */
    CU_ASSERT_EQUAL(usage_of(
        LINE("111111111111", "333333333333", "", "1", "1024")
        LINE("111111111111", "222222222222", "shop", "10", "512")
        LINE("111111111111", "222222222222", "shop", "5", "512"),
        "Since=1795435000&Until=1795436000", NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(r.body);
    CU_ASSERT_STRING_EQUAL(r.body,
        "{\"Usage\":[{\"Account\":\"111111111111\",\"Owner\":"
        "\"222222222222\",\"Api\":\"shop\",\"Calls\":2,\"BilledMs\":15,"
        "\"GBSeconds\":0.007500,\"Errors\":0,\"ColdStarts\":0,"
        "\"ProvisionedGBSeconds\":0.000000},"
        "{\"Account\":\"111111111111\",\"Owner\":\"333333333333\","
        "\"Api\":\"-\",\"Calls\":1,\"BilledMs\":1,\"GBSeconds\":0.001000,"
        "\"Errors\":0,\"ColdStarts\":0,\"ProvisionedGBSeconds\":0.000000}],"
        "\"Truncated\":false}");
    fgd_resp_free(&r);

    /* provisioned concurrency kept: GB-seconds of its own, no call */
    CU_ASSERT_EQUAL(usage_of(
        LINE("111111111111", "333333333333", "", "1", "1024")
        PC_LINE("111111111111", "2", "512", "60.000")
        PC_LINE("111111111111", "1", "512", "30.500"),
        "", NULL, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.body,
        "{\"Usage\":[{\"Account\":\"111111111111\",\"Owner\":"
        "\"111111111111\",\"Api\":\"-\",\"Calls\":0,\"BilledMs\":0,"
        "\"GBSeconds\":0.000000,\"Errors\":0,\"ColdStarts\":0,"
        "\"ProvisionedGBSeconds\":75.250000},"
        "{\"Account\":\"111111111111\",\"Owner\":\"333333333333\","
        "\"Api\":\"-\",\"Calls\":1,\"BilledMs\":1,\"GBSeconds\":0.001000,"
        "\"Errors\":0,\"ColdStarts\":0,\"ProvisionedGBSeconds\":0.000000}],"
        "\"Truncated\":false}");
    fgd_resp_free(&r);

    CU_ASSERT_EQUAL(usage_of("", "Since=x", NULL, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
}

/* The operator's table of `fngated usage` (fgd_usage_print) as a
 * string; "" when it fails. */
static const char *
table_of(const char *log, fgd_usage_by_t by, const char *account,
    const char *viewer)
{
    static char       out[4096];
    fgd_usage_opts_t  o;
    char              err[256];
    FILE             *f;
    size_t            n;

    f = fopen(logpath, "w");
    if (f == NULL) {
        return "";
    }
    fputs(log, f);
    fclose(f);
    memset(&o, 0, sizeof(o));
    o.log = logpath;
    o.until = INFINITY;
    o.by = by;
    o.account = account;
    o.viewer = viewer;
    f = tmpfile();
    if (f == NULL) {
        return "";
    }
    out[0] = '\0';
    if (fgd_usage_print(f, &o, err, sizeof(err)) == 0) {
        rewind(f);
        n = fread(out, 1, sizeof(out) - 1, f);
        out[n] = '\0';
    }
    fclose(f);
    return out;
}

#define HEAD \
    "ACCOUNT       OWNER         API                CALLS  BILLED_MS   " \
    "GB_SECONDS  ERRORS COLD_STARTS PROVISIONED_GBS FIRST                " \
    "LAST\n"

/* `fngate usage`'s table: the rows of each --by, --account, --as. */
static void
test_usage_table(void)
{
    const char  *log =
        LINE("111111111111", "333333333333", "", "1", "1024")
        LINE("111111111111", "222222222222", "shop", "10", "512")
        LINE("222222222222", "222222222222", "shop", "5", "512");

    CU_ASSERT_STRING_EQUAL(table_of(log, FGD_USAGE_BY_ACCOUNT, NULL, NULL),
        HEAD
        "111111111111  *             *                      2         11"
        "     0.006000       0           0        0.000000 2026-11-23T12:00:00Z "
        "2026-11-23T12:00:00Z\n"
        "222222222222  *             *                      1          5"
        "     0.002500       0           0        0.000000 2026-11-23T12:00:00Z "
        "2026-11-23T12:00:00Z\n");
    CU_ASSERT_STRING_EQUAL(table_of(log, FGD_USAGE_BY_OWNER,
        "111111111111", NULL),
        HEAD
        "111111111111  222222222222  *                      1         10"
        "     0.005000       0           0        0.000000 2026-11-23T12:00:00Z "
        "2026-11-23T12:00:00Z\n"
        "111111111111  333333333333  *                      1          1"
        "     0.001000       0           0        0.000000 2026-11-23T12:00:00Z "
        "2026-11-23T12:00:00Z\n");
    /* 333333333333 sees the call of its function, not the others */
    CU_ASSERT_STRING_EQUAL(table_of(log, FGD_USAGE_BY_API, NULL,
        "333333333333"),
        HEAD
        "111111111111  333333333333  -                      1          1"
        "     0.001000       0           0        0.000000 2026-11-23T12:00:00Z "
        "2026-11-23T12:00:00Z\n");
    CU_ASSERT_STRING_EQUAL(table_of("", FGD_USAGE_BY_API, NULL, NULL), HEAD);
}

/*
 * An XRANGE reply (RESP) of the lines of log (one a line, each with its
 * newline), their ids MS-1, MS-2, ...; free it.
 */
static char *
xrange_of(const char *log, unsigned long long ms)
{
    const char  *p, *nl;
    char        *out, *o;
    size_t       n = 0, len;
    unsigned     i = 0;

    for (p = log; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        n++;
    }
    out = malloc(strlen(log) + 96 * n + 32);
    if (out == NULL) {
        return NULL;
    }
    o = out + sprintf(out, "*%zu\r\n", n);
    for (p = log; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        char  id[48];

        len = (size_t) (nl - p);
        snprintf(id, sizeof(id), "%llu-%u", ms, ++i);
        o += sprintf(o, "*2\r\n$%zu\r\n%s\r\n*2\r\n$4\r\nline\r\n"
            "$%zu\r\n%.*s\r\n", strlen(id), id, len, (int) len, p);
    }
    return out;
}

/* GetUsage (api NULL) or GetApiUsage of caller 111111111111 with
 * billing_ship: from the canned replies; the body, "" when it fails. */
static const char *
shipped_usage(const char *query, const char *api, int *status)
{
    static char  body[4096];
    fgd_conf_t   conf;
    fgd_req_t    q;
    fgd_resp_t   r;

    memset(&conf, 0, sizeof(conf));
    conf.billing_ship = 1;
    memset(&q, 0, sizeof(q));
    q.conf = &conf;
    q.request_id = "rid";
    q.caller = "111111111111";
    q.query = query;
    memset(&r, 0, sizeof(r));
    nasked = 0;
    body[0] = '\0';
    fgd_usage_get(&q, api, &r);
    *status = r.status;
    if (r.status == 200) {
        snprintf(body, sizeof(body), "%s", r.body);
    }
    fgd_resp_free(&r);
    return body;
}

/*
 * With billing_ship the rows come from the streams every host ships to
 * (fngated_billship.c), summed as the log is: the same lines give the same
 * answer; GetUsage reads the caller's fg:bill, GetApiUsage its fg:billapi,
 * from Since less the clock margin, a page after another; Redis down is
 * 503.
 */
static void
test_usage_shipped(void)
{
    const char  *log =
        LINE("111111111111", "333333333333", "", "1", "1024")
        LINE("111111111111", "222222222222", "shop", "10", "512")
        PC_LINE("111111111111", "2", "512", "60.000")
        LINE("111111111111", "222222222222", "shop", "5", "512");
    char        *page, *big;
    fgd_resp_t   r;
    size_t       i;
    int          status;

    CU_ASSERT_EQUAL_FATAL(usage_of(log, "", NULL, &r), 0);
    page = xrange_of(log, 1795435200500ull);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    answers[0] = page;
    CU_ASSERT_STRING_EQUAL(shipped_usage("", NULL, &status), r.body);
    CU_ASSERT_EQUAL(status, 200);
    CU_ASSERT_EQUAL(nasked, 1);
    CU_ASSERT_STRING_EQUAL(asked[0],
        "XRANGE fg:bill:{111111111111} - + COUNT 1000");
    fgd_resp_free(&r);

    /* the period: ids from Since less 300 s, lines by their msec */
    CU_ASSERT_EQUAL_FATAL(usage_of(log, "Since=1795435201", NULL, &r), 0);
    CU_ASSERT_STRING_EQUAL(shipped_usage("Since=1795435201", NULL, &status),
        r.body);
    CU_ASSERT_STRING_EQUAL(asked[0],
        "XRANGE fg:bill:{111111111111} 1795434901000 + COUNT 1000");
    fgd_resp_free(&r);

    CU_ASSERT_EQUAL_FATAL(usage_of(log, "", "shop", &r), 0);
    CU_ASSERT_STRING_EQUAL(shipped_usage("", "shop", &status), r.body);
    CU_ASSERT_STRING_EQUAL(asked[0],
        "XRANGE fg:billapi:{111111111111} - + COUNT 1000");
    fgd_resp_free(&r);
    free(page);

    /* 1001 calls: a full page, then the next after its last id */
    big = malloc(1001 * 300);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    big[0] = '\0';
    for (i = 0; i < 1000; i++) {
        strcat(big, LINE("111111111111", "333333333333", "", "1", "1024"));
    }
    answers[0] = page = xrange_of(big, 1795435200500ull);
    free(big);
    answers[1] = big = xrange_of(LINE("111111111111", "333333333333", "",
        "1", "1024"), 1795435200600ull);
    CU_ASSERT_PTR_NOT_NULL(strstr(shipped_usage("", NULL, &status),
        "\"Calls\":1001,\"BilledMs\":1001,"));
    CU_ASSERT_EQUAL(nasked, 2);
    CU_ASSERT_STRING_EQUAL(asked[1],
        "XRANGE fg:bill:{111111111111} (1795435200500-1000 + COUNT 1000");
    free(page);
    free(big);
    answers[1] = NULL;

    answers[0] = NULL;
    CU_ASSERT_STRING_EQUAL(shipped_usage("", NULL, &status), "");
    CU_ASSERT_EQUAL(status, 503);
}

/* The operator's table from the streams: every account's (the set of
 * them), or the one of --account. */
static void
test_usage_shipped_table(void)
{
    const char        *a = LINE("111111111111", "333333333333", "", "1",
                                "1024");
    const char        *b = LINE("222222222222", "222222222222", "shop",
                                "5", "512");
    char               file[4096], out[4096], err[256], *pa, *pb;
    fgd_usage_opts_t   o;
    fgd_conf_t         conf;
    fgd_req_t          q;
    FILE              *f;
    size_t             n;

    snprintf(file, sizeof(file), "%s", table_of(
        LINE("111111111111", "333333333333", "", "1", "1024")
        LINE("222222222222", "222222222222", "shop", "5", "512"),
        FGD_USAGE_BY_API, NULL, NULL));
    memset(&conf, 0, sizeof(conf));
    conf.billing_ship = 1;
    conf.redis = "127.0.0.1:1";
    memset(&q, 0, sizeof(q));
    q.conf = &conf;
    memset(&o, 0, sizeof(o));
    o.shipped = &q;
    o.until = INFINITY;
    o.by = FGD_USAGE_BY_API;
    pa = xrange_of(a, 1795435200500ull);
    pb = xrange_of(b, 1795435200500ull);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pb);
    answers[0] = "*3\r\n$12\r\n222222222222\r\n$3\r\nbad\r\n"
                 "$12\r\n111111111111\r\n";
    answers[1] = pb;
    answers[2] = pa;
    nasked = 0;
    f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fgd_usage_print(f, &o, err, sizeof(err)), 0);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    CU_ASSERT_STRING_EQUAL(out, file);
    CU_ASSERT_EQUAL(nasked, 3);
    CU_ASSERT_STRING_EQUAL(asked[0], "SMEMBERS fg:bill:accounts");
    CU_ASSERT_STRING_EQUAL(asked[2],
        "XRANGE fg:bill:{111111111111} - + COUNT 1000");

    /* Redis down: said, no table */
    answers[0] = NULL;
    nasked = 0;
    f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fgd_usage_print(f, &o, err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "redis at 127.0.0.1:1: Redis is down");
    fclose(f);
    answers[1] = answers[2] = NULL;
    free(pa);
    free(pb);
}

/* What a line is, for the sums and the shipper alike. */
static void
test_usage_record(void)
{
    fgd_usage_rec_t  rec;
    const char      *rec_start;
    char             frag[512];

    CU_ASSERT_EQUAL(fgd_usage_record("{\"msec\":\"1795435200.5\","
        "\"action\":\"InvokeApi\",\"billing_account\":\"111111111111\","
        "\"owner\":\"222222222222\",\"api\":\"shop\","
        "\"status\":\"200\"}", &rec), FGD_USAGE_LINE_RECORD);
    CU_ASSERT_STRING_EQUAL(rec.account, "111111111111");
    CU_ASSERT_STRING_EQUAL(rec.owner, "222222222222");
    CU_ASSERT_STRING_EQUAL(rec.api, "shop");
    CU_ASSERT_DOUBLE_EQUAL(rec.msec, 1795435200.5, 1e-6);
    CU_ASSERT_FALSE(rec.pc);
    fgd_usage_record_free(&rec);

    /* a fragment nginx could not finish: the record after it */
    rec_start = "{\"time\":\"t\",\"action\":\"Invoke\","
        "\"billing_account\":\"111111111111\","
        "\"owner\":\"111111111111\",\"status\":\"200\"}";
    snprintf(frag, sizeof(frag), "{\"time\":\"t\",\"action\":\"Invo%s",
        rec_start);
    CU_ASSERT_EQUAL(fgd_usage_record(frag, &rec), FGD_USAGE_LINE_RECORD);
    CU_ASSERT_STRING_EQUAL(rec.text, rec_start);
    fgd_usage_record_free(&rec);

    /* not billing: another action, an Event's 202, a call refused
     * before it had an account */
    CU_ASSERT_EQUAL(fgd_usage_record("{\"time\":\"t\",\"action\":"
        "\"CreateFunction\",\"billing_account\":\"\"}", &rec),
        FGD_USAGE_LINE_OTHER);
    fgd_usage_record_free(&rec);
    CU_ASSERT_EQUAL(fgd_usage_record("{\"action\":\"Invoke\","
        "\"billing_account\":\"111111111111\",\"owner\":\"111111111111\","
        "\"status\":\"202\"}", &rec), FGD_USAGE_LINE_OTHER);
    fgd_usage_record_free(&rec);
    CU_ASSERT_EQUAL(fgd_usage_record("{\"action\":\"Invoke\","
        "\"billing_account\":\"\",\"owner\":\"\",\"status\":\"403\"}",
        &rec), FGD_USAGE_LINE_OTHER);
    fgd_usage_record_free(&rec);

    /* bad: not JSON, or a call that ran billed to no account */
    CU_ASSERT_EQUAL(fgd_usage_record("garbage", &rec), FGD_USAGE_LINE_BAD);
    fgd_usage_record_free(&rec);
    CU_ASSERT_EQUAL(fgd_usage_record("", &rec), FGD_USAGE_LINE_BAD);
    fgd_usage_record_free(&rec);
    CU_ASSERT_EQUAL(fgd_usage_record("{\"action\":\"Invoke\",\"billing_",
        &rec), FGD_USAGE_LINE_BAD);
    fgd_usage_record_free(&rec);
    CU_ASSERT_EQUAL(fgd_usage_record("{\"action\":\"Invoke\","
        "\"billing_account\":\"12\",\"owner\":\"111111111111\","
        "\"status\":\"200\"}", &rec), FGD_USAGE_LINE_BAD);
    fgd_usage_record_free(&rec);
}

static int
usage_init(void)
{
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(logpath, sizeof(logpath), "%s/access.log", dir);
    return 0;
}

static int
usage_clean(void)
{
    unlink(logpath);
    rmdir(dir);
    return 0;
}

static const cu_test_t  usage_tests[] = {
    { "no rows", test_usage_empty },
    { "rows and sums", test_usage_rows },
    { "the operator's table", test_usage_table },
    { "what a line is", test_usage_record },
    { "the shipped streams", test_usage_shipped },
    { "the operator's table from the streams", test_usage_shipped_table },
    { NULL, NULL }
};

static const cu_suite_t  usage_suites[] = {
    { "fngated_usage", usage_init, usage_clean, usage_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(usage_suites, CU_BRM_VERBOSE);
}
