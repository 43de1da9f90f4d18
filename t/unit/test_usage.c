/*
 * CUnit tests of fngated/fngated_usage.c (GetUsage, GetApiUsage),
 * whose helpers are static: the file is included.  fngated's logger
 * (fngated_log.c, the daemon's) is replaced by one that counts its lines.
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

void
fgd_log(const char *level, const char *rid, const char *fmt, ...)
{
    (void) level;
    (void) rid;
    (void) fmt;
    logged++;
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
