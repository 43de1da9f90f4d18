/*
 * CUnit tests of fngated's pure logic (fngated_conf.h, the
 * fngated_*_json.h files, fngated_result.h, fngated_util.h):
 * configuration, CreateFunction validation (JSON, fields, environment,
 * zip), stored form, response shapes, Invoke results.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <CUnit/Basic.h>
#include <yajl/yajl_tree.h>

#include "cu_main.h"
#include "fngated_aliases_json.h"
#include "fngated_bounds_json.h"
#include "fngated_conf.h"
#include "fngated_functions_json.h"
#include "fngated_json.h"
#include "fngated_policy_json.h"
#include "fngated_result.h"
#include "fngated_versions_json.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                               */

typedef struct {
    const char  *path;
    const char  *data;          /* NULL: a directory */
    mode_t       type;          /* 0: regular / dir from data */
} zentry_t;

/* Builds a zip in memory with libarchive's writer. */
static uint8_t *
make_zip(const zentry_t *e, size_t n, size_t *len)
{
    struct archive        *a = archive_write_new();
    struct archive_entry  *ae;
    size_t                 cap = 1 << 20, used = 0, i;
    uint8_t               *buf = malloc(cap);

    archive_write_set_format_zip(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (i = 0; i < n; i++) {
        ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].path);
        if (e[i].type == AE_IFLNK) {
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, "/etc/passwd");
            archive_entry_set_perm(ae, 0777);
        } else if (e[i].data == NULL) {
            archive_entry_set_filetype(ae, AE_IFDIR);
            archive_entry_set_perm(ae, 0755);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 0755);
            archive_entry_set_size(ae, (la_int64_t) strlen(e[i].data));
        }
        archive_write_header(a, ae);
        if (e[i].data != NULL && e[i].type != AE_IFLNK)
            archive_write_data(a, e[i].data, strlen(e[i].data));
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

static char *
b64(const uint8_t *d, size_t len)
{
    char *s = malloc(len / 3 * 4 + 8);
    fgd_base64_encode(d, len, s);
    return s;
}

static const zentry_t ok_zip[] = {
    { "bootstrap", "#!/bin/sh\ncat\n", 0 },
    { "lib/", NULL, 0 },
    { "lib/x.txt", "hello", 0 },
};

/* A CreateFunction body with ZIP replaced by zip_b64 and EXTRA spliced. */
static char *
body_with(const char *zip_b64, const char *extra)
{
    const char *fmt = "{\"FunctionName\":\"f1\",\"Runtime\":\"provided\","
        "\"Handler\":\"bootstrap\",\"Role\":\"arn:aws:iam::123456789012:"
        "role/r\",\"Code\":{\"ZipFile\":\"%s\"}%s}";
    size_t n = strlen(fmt) + strlen(zip_b64) + strlen(extra) + 1;
    char  *s = malloc(n);
    snprintf(s, n, fmt, zip_b64, extra);
    return s;
}

static char *ok_b64;

static fgd_limits_t lim = { 1 << 20, 1 << 20, 1024 };

static int
parse(const char *body, fgd_create_t *c, fgd_resp_t *r)
{
    memset(r, 0, sizeof(*r));
    return fgd_create_parse(body, strlen(body), &lim, c, r);
}

/* Expects a failure with status and type, message containing needle. */
static void
expect_fail(const char *body, int status, const char *type,
    const char *needle)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    int           rc = parse(body, &c, &r);

    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(r.status, status);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.error_type);
    CU_ASSERT_STRING_EQUAL(r.error_type, type);
    if (needle != NULL && strstr(r.message, needle) == NULL) {
        fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", r.message,
            needle);
        CU_FAIL("message");
    }
    /* Every error body is Lambda's {"Type","message"}. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"Type\":\"User\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"message\":"));
    fgd_resp_free(&r);
}

static void
expect_fail_extra(const char *extra, int status, const char *type,
    const char *needle)
{
    char *body = body_with(ok_b64, extra);
    expect_fail(body, status, type, needle);
    free(body);
}

static void
expect_fail_zip(const zentry_t *e, size_t n, const char *needle)
{
    size_t   len;
    uint8_t *zip = make_zip(e, n, &len);
    char    *s = b64(zip, len), *body = body_with(s, "");

    expect_fail(body, 400, "InvalidParameterValueException", needle);
    free(body);
    free(s);
    free(zip);
}

/* ------------------------------------------------------------------ */

static void
test_base64(void)
{
    char     enc[64];
    uint8_t  dec[64];

    CU_ASSERT_EQUAL(fgd_base64_encode((const uint8_t *) "", 0, enc), 0);
    fgd_base64_encode((const uint8_t *) "f", 1, enc);
    CU_ASSERT_STRING_EQUAL(enc, "Zg==");
    fgd_base64_encode((const uint8_t *) "fo", 2, enc);
    CU_ASSERT_STRING_EQUAL(enc, "Zm8=");
    fgd_base64_encode((const uint8_t *) "foobar", 6, enc);
    CU_ASSERT_STRING_EQUAL(enc, "Zm9vYmFy");

    CU_ASSERT_EQUAL(fgd_base64_decode("Zm9vYmFy", 8, dec), 6);
    CU_ASSERT_EQUAL(memcmp(dec, "foobar", 6), 0);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zg==", 4, dec), 1);
    CU_ASSERT_EQUAL(dec[0], 'f');
    CU_ASSERT_EQUAL(fgd_base64_decode("Zm8", 3, dec), 2);   /* no pad */
    CU_ASSERT_EQUAL(fgd_base64_decode("", 0, dec), 0);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zm9v!mFy", 8, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Z", 1, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zg=", 3, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zm9v\nYmFy", 9, dec), -1);
    CU_ASSERT_EQUAL(fgd_base64_decode("Zh==", 4, dec), -1); /* bits */
}

static void
test_time(void)
{
    struct timespec ts = { 1565821571, 234567891 };
    char            buf[FGD_TIME_LEN];

    fgd_time_lambda(&ts, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2019-08-14T22:26:11.234+0000");
    fgd_time_rfc3339(&ts, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2019-08-14T22:26:11.234Z");
}

static void
test_counters(void)
{
    char buf[32];

    fgd_duration_ms(12345, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "12.35");
    fgd_duration_ms(0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "0.00");
    fgd_duration_ms(1000, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1.00");
    CU_ASSERT_EQUAL(fgd_billed_ms(0), 1);
    CU_ASSERT_EQUAL(fgd_billed_ms(1000), 1);
    CU_ASSERT_EQUAL(fgd_billed_ms(1001), 1);     /* shows as 1.00 */
    CU_ASSERT_EQUAL(fgd_billed_ms(1004), 1);     /* 1.00 */
    CU_ASSERT_EQUAL(fgd_billed_ms(1005), 2);     /* 1.01 */
    CU_ASSERT_EQUAL(fgd_billed_ms(27004), 27);   /* 27.00 */
    CU_ASSERT_EQUAL(fgd_billed_ms(27005), 28);   /* 27.01 */
    CU_ASSERT_EQUAL(fgd_billed_ms(12345), 13);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(0), 0);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(1), 1);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(3072), 3);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(3073), 4);
    /* the agent's numbers near 2^64 do not wrap to a small bill
     * (UINT64_MAX us billed 1 ms; fuzz_result checks it) */
    fgd_duration_ms(UINT64_MAX, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "18446744073709551.62");
    CU_ASSERT_EQUAL(fgd_billed_ms(UINT64_MAX), 18446744073709552ull);
    CU_ASSERT_EQUAL(fgd_billed_ms(UINT64_MAX - 4), 18446744073709552ull);
    CU_ASSERT_EQUAL(fgd_memory_used_mb(UINT64_MAX),
                    UINT64_MAX / 1024 + 1);
}

static void
test_json_shape(void)
{
    char deep[200];

    CU_ASSERT_TRUE(fgd_json_shape_ok("{\"a\":[1,{\"b\":2}]}", 17, 4));
    CU_ASSERT_FALSE(fgd_json_shape_ok("{\"a\":1}\0", 8, 4));
    memset(deep, '[', sizeof(deep));
    CU_ASSERT_FALSE(fgd_json_shape_ok(deep, sizeof(deep), 32));
    CU_ASSERT_TRUE(fgd_json_shape_ok("\"[[[[[[[[[[\"", 12, 2)); /* string */
    CU_ASSERT_FALSE(fgd_json_shape_ok("{\"a\":\"x\\u0000\"}", 15, 4));
    CU_ASSERT_TRUE(fgd_json_shape_ok("{\"a\":\"x\\\\u0000\"}", 16, 4));
}

static void
test_misc(void)
{
    uint8_t rnd[16];
    char    u[37], b[45];

    memset(rnd, 0xff, sizeof(rnd));
    fgd_uuid_format(rnd, u);
    CU_ASSERT_EQUAL(strlen(u), 36);
    CU_ASSERT_EQUAL(u[14], '4');
    CU_ASSERT_EQUAL(u[8], '-');
    CU_ASSERT_EQUAL(fgd_sha_hex_to_b64(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", b),
        0);
    CU_ASSERT_STRING_EQUAL(b, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    CU_ASSERT_EQUAL(fgd_sha_hex_to_b64("xyz", b), -1);
    CU_ASSERT_STRING_EQUAL(fgd_signal_name(9), "killed");
    CU_ASSERT_STRING_EQUAL(fgd_signal_name(11), "segmentation fault");
    CU_ASSERT_PTR_NULL(fgd_signal_name(99));
    CU_ASSERT_STRING_EQUAL(fgd_status_text(429), "Too Many Requests");
}

static void
test_error_shape(void)
{
    fgd_resp_t  r = { 0 };
    yajl_val    v;
    const char *p1[] = { "Type", NULL }, *p2[] = { "message", NULL };
    const char *p3[] = { "Reason", NULL };

    CU_ASSERT_EQUAL(fgd_error(&r, 404, "ResourceNotFoundException",
        "Function not found: %s", "x\"y"), -1);
    CU_ASSERT_EQUAL(r.status, 404);
    v = yajl_tree_parse(r.body, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(YAJL_GET_STRING(yajl_tree_get(v, p1,
        yajl_t_string)), "User");
    CU_ASSERT_STRING_EQUAL(YAJL_GET_STRING(yajl_tree_get(v, p2,
        yajl_t_string)), "Function not found: x\"y");
    yajl_tree_free(v);

    fgd_error(&r, 502, "ServiceException", "bad \xff byte");
    v = yajl_tree_parse(r.body, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(YAJL_GET_STRING(yajl_tree_get(v, p1,
        yajl_t_string)), "Service");
    yajl_tree_free(v);

    fgd_error(&r, 429, "TooManyRequestsException", "Rate Exceeded.");
    v = yajl_tree_parse(r.body, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(YAJL_GET_STRING(yajl_tree_get(v, p3,
        yajl_t_string)), "ConcurrentInvocationLimitExceeded");
    yajl_tree_free(v);
    fgd_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                         */

static void
test_conf(void)
{
    fgd_conf_t  c;
    char        err[256], path[] = "/tmp/test_fngated_confXXXXXX";
    int         fd;
    FILE       *f;

    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(c.threads, 8);
    CU_ASSERT_STRING_EQUAL(c.region, "us-east-1");
    CU_ASSERT_EQUAL(c.max_code_size, 52428800);
    CU_ASSERT_EQUAL(c.vm.acquire_timeout_ms, 60000);
    CU_ASSERT_EQUAL(c.max_memory_mb, 512);
    CU_ASSERT_PTR_NOT_NULL(c.vm.uri);
    CU_ASSERT_STRING_EQUAL(c.vm.accel, "auto");

    CU_ASSERT_EQUAL(fgd_conf_line(&c, "  # comment", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "threads = 3\n", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "threads = 4", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "listen=unix:/tmp/x.sock", err,
        sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.listen, "unix:/tmp/x.sock");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = localhost:99999", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = unix:relative", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = 127.0.0.1:6392", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "bogus = 1", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key \"bogus\""));
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "warm = -1", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "max_vms = 0", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "vcpus = 2x", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "memory_budget_mb = -5", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "memory_budget_mb = 4096", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.vm.memory_budget_mb, 4096);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "accel = xen", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "accel = tcg", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "kernel = rel/path", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "region = US", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "max_code_size = 99999999999", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "region", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "region =", err, sizeof(err)), -1);
    /* an empty emulator or runtimes is "none"; a relative one is refused */
    CU_ASSERT_STRING_EQUAL(c.vm.emulator, "build/fngate-qemu");
    CU_ASSERT_EQUAL(c.vm.mem_merge, 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "emulator = qemu", err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "emulator =", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.emulator, "");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "runtimes = ", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.runtimes, "");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "mem_merge = 2", err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "mem_merge = 1", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.vm.mem_merge, 1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_functions = 0", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.quota.functions, 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_code_storage = 2199023255552",
        err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_code_storage = 4096", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.quota.code_storage, 4096);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_routes_per_api = -1", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(c.vm.mem_merge, 1);
    fgd_conf_free(&c);

    /* A file: error names the line; warm > max_vms refused. */
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "w");
    fputs("# x\nthreads = 2\nwarm = 5\nmax_vms = 3\n", f);
    fclose(f);
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "warm"));
    fgd_conf_free(&c);

    f = fopen(path, "w");
    fputs("threads = 2\nnope = 1\n", f);
    fclose(f);
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: unknown key"));
    fgd_conf_free(&c);

    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, "/nonexistent/x.conf", err,
        sizeof(err)), -1);
    fgd_conf_free(&c);
    unlink(path);
}

/*
 * `fngated -o key=value`: the file's key parser, with its messages; an
 * override wins over the file's line of that key, which is not even
 * checked (the shipped file's placeholders), and is given once.
 */
static void
test_conf_override(void)
{
    fgd_conf_t  c;
    char        err[256], path[] = "/tmp/test_fngated_overXXXXXX";
    FILE       *f;
    int         fd;

    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads=3", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, " pid_file = /tmp/x.pid ", err,
        sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.pid_file, "/tmp/x.pid");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "name_prefix=fgo", err,
        sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.vm.name_prefix, "fgo");

    CU_ASSERT_EQUAL(fgd_conf_override(&c, "bogus=1", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "unknown key \"bogus\"");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "warm=x", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err,
        "bad value \"x\" for \"warm\" (a whole number from 0 to 256)");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "kernel=rel", err, sizeof(err)),
        -1);
    CU_ASSERT_STRING_EQUAL(err, "bad value \"rel\" for \"kernel\"");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads=4", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "key \"threads\" given twice");

    /* the file: its threads (and its bad kernel) give way to -o */
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "w");
    fputs("threads = 2\nkernel = @STATE@/vmlinux\nwarm = 0\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "kernel=/k/vmlinux", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_STRING_EQUAL(c.vm.kernel, "/k/vmlinux");
    CU_ASSERT_EQUAL(c.vm.warm, 0);
    fgd_conf_free(&c);

    /* without the override, the file's line is checked as ever */
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads=3", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: bad value"));
    fgd_conf_free(&c);

    /* an override the cross-key checks refuse: warm > max_vms */
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "kernel=/k", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "max_vms=1", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "warm=2", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "warm (2) is larger than max_vms"));
    fgd_conf_free(&c);
    unlink(path);
}

/* The shipped conf/fngated.conf, placeholders filled, loads and matches
 * the built-in defaults. */
static void
test_conf_shipped(void)
{
    fgd_conf_t  c, d;
    char        err[256], line[1024], path[] = "/tmp/test_fngated_shipXXXXXX";
    FILE       *in, *out;
    int         fd;

    in = fopen(FNGATE_ROOT "/conf/fngated.conf", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    fd = mkstemp(path);
    out = fdopen(fd, "w");
    while (fgets(line, sizeof(line), in) != NULL) {
        char *p;
        while ((p = strstr(line, "@STATE@")) != NULL ||
               (p = strstr(line, "@ROOT@")) != NULL ||
               (p = strstr(line, "@BUILD@")) != NULL) {
            size_t n = p[1] == 'R' ? 6 : 7;
            memmove(p + 4, p + n, strlen(p + n) + 1);
            memcpy(p, "/tmp", 4);
        }
        if ((p = strstr(line, "@REDIS_PORT@")) != NULL) {
            memmove(p + 4, p + 12, strlen(p + 12) + 1);
            memcpy(p, "6379", 4);
        }
        fputs(line, out);
    }
    fclose(in);
    fclose(out);
    fgd_conf_init(&c);
    fgd_conf_init(&d);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, d.threads);
    CU_ASSERT_EQUAL(c.vm.vcpus, d.vm.vcpus);
    CU_ASSERT_STRING_EQUAL(c.name_prefix, d.name_prefix);
    CU_ASSERT_STRING_EQUAL(c.libvirt_uri, d.libvirt_uri);
    CU_ASSERT_EQUAL(c.vm.warm, d.vm.warm);
    CU_ASSERT_EQUAL(c.vm.max_vms, d.vm.max_vms);
    CU_ASSERT_EQUAL(c.vm.max_vms_per_account, d.vm.max_vms_per_account);
    CU_ASSERT_EQUAL(c.vm.vm_memory_mb, d.vm.vm_memory_mb);
    CU_ASSERT_EQUAL(c.vm.memory_budget_mb, d.vm.memory_budget_mb);
    CU_ASSERT_EQUAL(c.vm.boot_timeout_ms, d.vm.boot_timeout_ms);
    CU_ASSERT_EQUAL(c.vm.acquire_timeout_ms, d.vm.acquire_timeout_ms);
    CU_ASSERT_EQUAL(c.vm.idle_timeout_s, d.vm.idle_timeout_s);
    CU_ASSERT_EQUAL(c.max_code_size, d.max_code_size);
    CU_ASSERT_EQUAL(c.max_memory_mb, d.max_memory_mb);
    CU_ASSERT_EQUAL(c.vm.kvm_probe_timeout_ms, d.vm.kvm_probe_timeout_ms);
    CU_ASSERT_EQUAL(c.vm.tb_cache_mb, d.vm.tb_cache_mb);
    CU_ASSERT_EQUAL(c.vm.snapshot, d.vm.snapshot);
    CU_ASSERT_EQUAL(c.vm.mem_merge, d.vm.mem_merge);
    CU_ASSERT_EQUAL(c.cache_ttl_ms, d.cache_ttl_ms);
    CU_ASSERT_EQUAL(c.quota.functions, d.quota.functions);
    CU_ASSERT_EQUAL(c.quota.code_storage, d.quota.code_storage);
    CU_ASSERT_EQUAL(c.quota.versions, d.quota.versions);
    CU_ASSERT_EQUAL(c.quota.aliases, d.quota.aliases);
    CU_ASSERT_EQUAL(c.quota.apis, d.quota.apis);
    CU_ASSERT_EQUAL(c.quota.routes, d.quota.routes);
    CU_ASSERT_EQUAL(c.quota.subscriptions, d.quota.subscriptions);
    CU_ASSERT_EQUAL(c.billing_log_reserve, d.billing_log_reserve);
    CU_ASSERT_EQUAL(d.billing_log_reserve, 1024 * 1024);
    CU_ASSERT_STRING_EQUAL(c.kernel, "/tmp/kernel/vmlinux");
    CU_ASSERT_STRING_EQUAL(c.runtimes, "/tmp/runtimes.img");
    CU_ASSERT_STRING_EQUAL(c.emulator, "/tmp/fngate-qemu");
    CU_ASSERT_STRING_EQUAL(c.accel, d.accel);
    CU_ASSERT_STRING_EQUAL(c.region, d.region);
    fgd_conf_free(&c);
    fgd_conf_free(&d);
    unlink(path);
}

/* ------------------------------------------------------------------ */
/* CreateFunction                                                        */

static void
test_create_ok(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    char         *body = body_with(ok_b64, ",\"MemorySize\":256,\"Timeout\":"
        "30,\"Description\":\"d\",\"Environment\":{\"Variables\":{\"AA\":"
        "\"1\",\"BB_2\":\"x y\"}},\"Architectures\":[\"x86_64\"],"
        "\"PackageType\":\"Zip\",\"Publish\":false,\"Tags\":{\"k\":\"v\"}");

    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.name, "f1");
    CU_ASSERT_STRING_EQUAL(c.fn.handler, "bootstrap");
    CU_ASSERT_EQUAL(c.fn.memory_mb, 256);
    CU_ASSERT_EQUAL(c.fn.timeout_s, 30);
    CU_ASSERT_STRING_EQUAL(c.fn.description, "d");
    CU_ASSERT_STRING_EQUAL(c.fn.role, "arn:aws:iam::123456789012:role/r");
    CU_ASSERT_STRING_EQUAL(c.fn.environment, "{\"AA\":\"1\",\"BB_2\":\"x y\"}");
    CU_ASSERT_EQUAL(strlen(c.fn.sha256), 64);
    CU_ASSERT_EQUAL(c.fn.code_size, c.zip_len);
    CU_ASSERT_EQUAL(strlen(c.fn.last_modified), 28);
    CU_ASSERT_EQUAL(strlen(c.fn.revision_id), 36);
    CU_ASSERT_FALSE(c.publish);
    fgd_create_clear(&c);
    free(body);

    /* Publish: true publishes version 1 along with $LATEST. */
    body = body_with(ok_b64, ",\"Publish\":true");
    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_TRUE(c.publish);
    fgd_create_clear(&c);
    free(body);

    /* Defaults. */
    body = body_with(ok_b64, "");
    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_EQUAL(c.fn.memory_mb, 128);
    CU_ASSERT_EQUAL(c.fn.timeout_s, 3);
    CU_ASSERT_STRING_EQUAL(c.fn.description, "");
    CU_ASSERT_PTR_NULL(c.fn.environment);
    fgd_create_clear(&c);
    free(body);
}

static void
test_create_bad_json(void)
{
    expect_fail("", 400, "InvalidRequestContentException", NULL);
    expect_fail("{", 400, "InvalidRequestContentException", NULL);
    expect_fail("{\"FunctionName\":}", 400, "InvalidRequestContentException",
        NULL);
    expect_fail("[1,2]", 400, "InvalidRequestContentException", "object");
    expect_fail("\"x\"", 400, "InvalidRequestContentException", "object");
    expect_fail("{\"FunctionName\":\"\xff\xfe\"}", 400,
        "InvalidRequestContentException", NULL);
    expect_fail("{\"FunctionName\":\"a\\u0000b\"}", 400,
        "InvalidRequestContentException", NULL);

    char *deep = malloc(100001);
    memset(deep, '[', 100000);
    deep[100000] = '\0';
    expect_fail(deep, 400, "InvalidRequestContentException", "nesting");
    free(deep);
}

static void
test_create_types(void)
{
    expect_fail("{\"FunctionName\":5}", 400,
        "InvalidRequestContentException", "FunctionName must be a string");
    expect_fail_extra(",\"Timeout\":\"3\"", 400,
        "InvalidRequestContentException", "Timeout must be an integer");
    expect_fail_extra(",\"MemorySize\":128.5", 400,
        "InvalidRequestContentException", "MemorySize");
    expect_fail_extra(",\"Environment\":[]", 400,
        "InvalidRequestContentException", "Environment");
    expect_fail_extra(",\"Environment\":{\"Variables\":{\"AA\":1}}", 400,
        "InvalidRequestContentException", "strings");
    expect_fail_extra(",\"Environment\":{\"Variables\":[]}", 400,
        "InvalidRequestContentException", "object");
    expect_fail_extra(",\"Architectures\":\"x86_64\"", 400,
        "InvalidRequestContentException", "Architectures");
    expect_fail_extra(",\"Publish\":\"yes\"", 400,
        "InvalidRequestContentException", "Publish");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":\"x\"}", 400,
        "InvalidRequestContentException", "Code must be an object");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":{\"ZipFile\":[]}}", 400,
        "InvalidRequestContentException", "ZipFile");
}

static void
test_create_fields(void)
{
    expect_fail("{}", 400, "InvalidParameterValueException",
        "functionName");
    expect_fail("{\"FunctionName\":\"bad name\"}", 400,
        "InvalidParameterValueException", "functionName");
    expect_fail("{\"FunctionName\":\"\"}", 400,
        "InvalidParameterValueException", "functionName");
    expect_fail("{\"FunctionName\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaa\"}", 400,
        "InvalidParameterValueException", "functionName");
    expect_fail("{\"FunctionName\":\"f\",\"Handler\":\"h\"}", 400,
        "InvalidParameterValueException", "Runtime and Handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\"}", 400,
        "InvalidParameterValueException", "Runtime and Handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"python3.12\","
        "\"Handler\":\"h\"}", 400, "InvalidParameterValueException",
        "python3.12");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"../h\"}", 400, "InvalidParameterValueException",
        "handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"/bin/sh\"}", 400, "InvalidParameterValueException",
        "handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"a b\"}", 400, "InvalidParameterValueException",
        "handler");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\"}", 400, "InvalidParameterValueException",
        "'code'");
    expect_fail_extra(",\"Timeout\":0", 400,
        "InvalidParameterValueException", "greater than or equal to 1");
    expect_fail_extra(",\"Timeout\":901", 400,
        "InvalidParameterValueException", "less than or equal to 900");
    expect_fail_extra(",\"MemorySize\":127", 400,
        "InvalidParameterValueException", "memorySize");
    expect_fail_extra(",\"MemorySize\":1025", 400,
        "InvalidParameterValueException", "less than or equal to 1024");
    expect_fail_extra(",\"PackageType\":\"Image\"", 400,
        "InvalidParameterValueException", "PackageType");
    expect_fail_extra(",\"Architectures\":[\"arm64\"]", 400,
        "InvalidParameterValueException", "x86_64");

    char desc[400];
    memset(desc, 'd', sizeof(desc));
    memcpy(desc, ",\"Description\":\"", 16);
    strcpy(desc + 16 + 257, "\"");
    expect_fail_extra(desc, 400, "InvalidParameterValueException",
        "description");
}

static void
test_create_env(void)
{
    char big[5000];
    int  i, n;

    expect_fail_extra(",\"Environment\":{\"Variables\":{\"AWS_REGION\":"
        "\"x\",\"OK\":\"1\",\"_HANDLER\":\"y\"}}", 400,
        "InvalidParameterValueException",
        "Reserved keys used in this request: AWS_REGION,_HANDLER");
    expect_fail_extra(",\"Environment\":{\"Variables\":{\"AWS_ACCESS_KEY_ID"
        "\":\"x\"}}", 400, "InvalidParameterValueException", "reserved");
    expect_fail_extra(",\"Environment\":{\"Variables\":{\"1A\":\"x\"}}", 400,
        "InvalidParameterValueException", "regular expression");
    n = snprintf(big, sizeof(big), ",\"Environment\":{\"Variables\":{");
    for (i = 0; i < 50; i++)
        n += snprintf(big + n, sizeof(big) - (size_t) n,
            "%s\"VAR%02d\":\"%080d\"", i ? "," : "", i, 0);
    snprintf(big + n, sizeof(big) - (size_t) n, "}}");
    expect_fail_extra(big, 400, "InvalidParameterValueException", "4KB");
}

static void
test_create_code(void)
{
    size_t    len;
    uint8_t  *zip;
    char     *s, *body;
    fgd_create_t c;
    fgd_resp_t   r;

    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":{\"S3Bucket\":\"b\",\"S3Key\":\"k\"}}",
        400, "InvalidParameterValueException", "ZipFile");
    expect_fail("{\"FunctionName\":\"f\",\"Runtime\":\"provided\","
        "\"Handler\":\"h\",\"Code\":{}}", 400,
        "InvalidParameterValueException", "ZipFile");
    body = body_with("not base64!", "");
    expect_fail(body, 400, "InvalidParameterValueException", "base64");
    free(body);
    /* valid base64 of something that is not a zip */
    body = body_with("aGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEgemlwIGZpbGUh", "");
    expect_fail(body, 400, "InvalidParameterValueException",
        "Could not unzip");
    free(body);
    body = body_with("", "");
    expect_fail(body, 400, "InvalidParameterValueException",
        "Could not unzip");
    free(body);

    {
        zentry_t e[] = { { "other", "x", 0 } };
        expect_fail_zip(e, 1, "handler \"bootstrap\"");
    }
    {
        zentry_t e[] = { { "bootstrap/", NULL, 0 } };
        expect_fail_zip(e, 1, "handler \"bootstrap\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "../evil", "x", 0 } };
        expect_fail_zip(e, 2, "\"..\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "a/../../evil", "x", 0 } };
        expect_fail_zip(e, 2, "\"..\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "/etc/evil", "x", 0 } };
        expect_fail_zip(e, 2, "absolute");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 },
                         { "link", "x", AE_IFLNK } };
        expect_fail_zip(e, 2, "regular file");
    }
    {
        zentry_t e[] = { { "./bootstrap", "x", 0 } };
        expect_fail_zip(e, 1, "\".\"");
    }
    {
        zentry_t e[] = { { "bootstrap", "x", 0 }, { "a//b", "x", 0 } };
        expect_fail_zip(e, 2, "empty");
    }

    /* Zip larger than max_code_size: 413. */
    {
        fgd_limits_t  small = { 64, 1 << 20, 1024 };
        body = body_with(ok_b64, "");
        memset(&r, 0, sizeof(r));
        CU_ASSERT_EQUAL(fgd_create_parse(body, strlen(body), &small, &c, &r),
            -1);
        CU_ASSERT_EQUAL(r.status, 413);
        CU_ASSERT_STRING_EQUAL(r.error_type, "RequestTooLargeException");
        fgd_resp_free(&r);
        free(body);
    }
    /* Unzipped larger than the limit. */
    {
        fgd_limits_t  small = { 1 << 20, 100, 1024 };
        char         *data = malloc(5001);
        memset(data, 'a', 5000);
        data[5000] = '\0';
        zentry_t e[] = { { "bootstrap", data, 0 } };
        zip = make_zip(e, 1, &len);
        s = b64(zip, len);
        body = body_with(s, "");
        memset(&r, 0, sizeof(r));
        CU_ASSERT_EQUAL(fgd_create_parse(body, strlen(body), &small, &c, &r),
            -1);
        CU_ASSERT_EQUAL(r.status, 400);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "Unzipped size"));
        fgd_resp_free(&r);
        free(body); free(s); free(zip); free(data);
    }
    /* A zip cut short. */
    {
        zip = make_zip(ok_zip, 3, &len);
        s = b64(zip, len / 2);
        body = body_with(s, "");
        expect_fail(body, 400, "InvalidParameterValueException",
            "Could not unzip");
        free(body); free(s); free(zip);
    }
}

/* ------------------------------------------------------------------ */
/* Stored form and responses                                             */

static void
test_fields_roundtrip(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    fgd_fn_t      fn;
    const char   *fv[FGD_FN_FIELDS_MAX];
    size_t        lens[FGD_FN_FIELDS_MAX], n;
    char          buf[128];
    char         *body = body_with(ok_b64, ",\"Environment\":{\"Variables\":"
        "{\"KK\":\"v\"}},\"Timeout\":7");

    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    n = fgd_fn_to_fields(&c.fn, fv, lens, buf);
    CU_ASSERT_EQUAL(n % 2, 0);
    CU_ASSERT_EQUAL_FATAL(fgd_fn_from_fields(&fn, fv, lens, n), 0);
    CU_ASSERT_STRING_EQUAL(fn.name, "f1");
    CU_ASSERT_EQUAL(fn.timeout_s, 7);
    CU_ASSERT_EQUAL(fn.memory_mb, 128);
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"KK\":\"v\"}");
    CU_ASSERT_STRING_EQUAL(fn.sha256, c.fn.sha256);
    CU_ASSERT_STRING_EQUAL(fn.role, c.fn.role);
    CU_ASSERT_EQUAL(fn.code_size, c.fn.code_size);
    fgd_fn_clear(&fn);

    /* A record without CodeSha256 is corrupt. */
    CU_ASSERT_EQUAL(fgd_fn_from_fields(&fn, fv, lens, 16), -1);
    {
        const char *bad[] = { "FunctionName", "f", "Runtime", "provided",
            "Handler", "h", "MemorySize", "12x", "Timeout", "3",
            "CodeSha256", c.fn.sha256, "CodeSize", "5" };
        size_t bl[14], i;
        for (i = 0; i < 14; i++)
            bl[i] = strlen(bad[i]);
        CU_ASSERT_EQUAL(fgd_fn_from_fields(&fn, bad, bl, 14), -1);
        bad[7] = "128";
        CU_ASSERT_EQUAL(fgd_fn_from_fields(&fn, bad, bl, 14), 0);
        fgd_fn_clear(&fn);
    }
    fgd_create_clear(&c);
    free(body);
}

static const char *
jstr(yajl_val v, const char **path)
{
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? YAJL_GET_STRING(s) : "(missing)";
}

static void
test_json_out(void)
{
    fgd_create_t  c;
    fgd_resp_t    r;
    char         *out, *body = body_with(ok_b64, ",\"Environment\":"
        "{\"Variables\":{\"KK\":\"v\"}}");
    size_t        len;
    yajl_val      v;
    const char   *p_name[] = { "FunctionName", NULL };
    const char   *p_arn[] = { "FunctionArn", NULL };
    const char   *p_ver[] = { "Version", NULL };
    const char   *p_state[] = { "State", NULL };
    const char   *p_env[] = { "Environment", "Variables", "KK", NULL };
    const char   *p_sha[] = { "CodeSha256", NULL };
    const char   *p_mem[] = { "MemorySize", NULL };
    const char   *p_cfg[] = { "Configuration", "FunctionName", NULL };
    const char   *p_loc[] = { "Code", "Location", NULL };
    const char   *p_rt[] = { "Code", "RepositoryType", NULL };
    const char   *p_fns[] = { "Functions", NULL };
    const char   *p_next[] = { "NextMarker", NULL };

    CU_ASSERT_EQUAL_FATAL(parse(body, &c, &r), 0);
    CU_ASSERT_EQUAL_FATAL(fgd_json_function_config(&c.fn, "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_EQUAL(strlen(out), len);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_name), "f1");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_arn),
        "arn:aws:lambda:us-east-1:123456789012:function:f1");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_ver), "$LATEST");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_state), "Active");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_env), "v");
    CU_ASSERT_EQUAL(strlen(jstr(v, p_sha)), 44);
    CU_ASSERT_EQUAL(YAJL_GET_INTEGER(yajl_tree_get(v, p_mem,
        yajl_t_number)), 128);
    yajl_tree_free(v);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_get_function(&c.fn, "us-east-1",
        "123456789012", &out, &len), 0);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_cfg), "f1");
    CU_ASSERT_STRING_EQUAL(jstr(v, p_rt), "S3");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(v, p_loc), "123456789012"));
    yajl_tree_free(v);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_list_functions(&c.fn, 1, "f1",
        "us-east-1", "123456789012", &out, &len), 0);
    v = yajl_tree_parse(out, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(YAJL_GET_ARRAY(yajl_tree_get(v, p_fns,
        yajl_t_array))->len, 1);
    CU_ASSERT_STRING_EQUAL(jstr(v, p_next), "f1");
    yajl_tree_free(v);
    free(out);

    CU_ASSERT_EQUAL_FATAL(fgd_json_list_functions(NULL, 0, "", "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Functions\":[]}");
    free(out);
    fgd_create_clear(&c);
    free(body);
}

static void
test_list_query(void)
{
    char        m[65];
    unsigned    n;
    fgd_resp_t  r = { 0 };

    CU_ASSERT_EQUAL(fgd_list_query("", m, sizeof(m), &n, &r), 0);
    CU_ASSERT_EQUAL(n, 50);
    CU_ASSERT_STRING_EQUAL(m, "");
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=2&Marker=abc", m, sizeof(m),
        &n, &r), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(m, "abc");
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=0", m, sizeof(m), &n, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=10001", m, sizeof(m), &n, &r),
        -1);
    CU_ASSERT_EQUAL(fgd_list_query("MaxItems=x", m, sizeof(m), &n, &r), -1);
    CU_ASSERT_EQUAL(fgd_list_query("Marker=a%20b", m, sizeof(m), &n, &r),
        -1);
    CU_ASSERT_EQUAL(fgd_list_query("Marker=%zz", m, sizeof(m), &n, &r), -1);
    fgd_resp_free(&r);
}

static void
test_invoke_params(void)
{
    fgd_invocation_type_t  t;
    fgd_resp_t             r = { 0 };

    CU_ASSERT_EQUAL(fgd_invocation_type("", &t, &r), 0);
    CU_ASSERT_EQUAL(t, FGD_INVOKE_REQUEST_RESPONSE);
    CU_ASSERT_EQUAL(fgd_invocation_type("RequestResponse", &t, &r), 0);
    CU_ASSERT_EQUAL(fgd_invocation_type("DryRun", &t, &r), 0);
    CU_ASSERT_EQUAL(t, FGD_INVOKE_DRY_RUN);
    CU_ASSERT_EQUAL(fgd_invocation_type("Event", &t, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_EQUAL(fgd_invocation_type("Sometimes", &t, &r), -1);
    CU_ASSERT_STRING_EQUAL(r.error_type, "InvalidParameterValueException");

    CU_ASSERT_EQUAL(fgd_payload_check("", 0, &r), 0);
    CU_ASSERT_EQUAL(fgd_payload_check("{\"a\":[1,2]}", 11, &r), 0);
    CU_ASSERT_EQUAL(fgd_payload_check("\"str\"", 5, &r), 0);
    CU_ASSERT_EQUAL(fgd_payload_check("{\"a\":", 5, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.error_type, "InvalidRequestContentException");
    CU_ASSERT_EQUAL(fgd_payload_check("hello", 5, &r), -1);
    CU_ASSERT_EQUAL(fgd_payload_check("{} {}", 5, &r), -1);
    fgd_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Invoke                                                                */

static void
test_invoke_frame(void)
{
    fgd_fn_t     fn;
    fg_buf_t     b = { 0 };
    fg_frame_t   f;
    fg_field_iter_t it;
    const char  *k;
    const uint8_t *v;
    size_t       kl, vl;
    uint64_t     u;
    int          envs = 0;
    bool         saw_user = false, saw_name = false, saw_exec = false;

    memset(&fn, 0, sizeof(fn));
    strcpy(fn.name, "f1");
    strcpy(fn.handler, "bootstrap");
    fn.memory_mb = 256;
    fn.timeout_s = 5;
    fn.environment = strdup("{\"MY_VAR\":\"x=y\"}");

    strcpy(fn.runtime, "provided.al2023");
    CU_ASSERT_EQUAL_FATAL(fgd_invoke_frame(&b, &fn, "eu-west-1", "rid-1",
        "arn:aws:lambda:eu-west-1:123456789012:function:f1:live",
        (const uint8_t *) "{\"a\":1}", 7), 0);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_INVOKE);
    v = fg_frame_get(&f, "runtime", &vl);
    CU_ASSERT(v != NULL && vl == 15 && memcmp(v, "provided.al2023", 15) == 0);
    v = fg_frame_get(&f, "function_arn", &vl);
    CU_ASSERT(v != NULL && vl == 54 && memcmp(v,
        "arn:aws:lambda:eu-west-1:123456789012:function:f1:live", 54) == 0);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "timeout_ms", &u), 0);
    CU_ASSERT_EQUAL(u, 5000);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "memory_mb", &u), 0);
    CU_ASSERT_EQUAL(u, 256);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "max_output", &u), 0);
    CU_ASSERT_EQUAL(u, 6291556);
    v = fg_frame_get(&f, "event", &vl);
    CU_ASSERT_EQUAL(vl, 7);
    fg_field_iter_init(&it, &f);
    while (fg_field_next(&it, &k, &kl, &v, &vl) == 1) {
        if (kl == 3 && memcmp(k, "env", 3) == 0) {
            envs++;
            if (vl == 10 && memcmp(v, "MY_VAR=x=y", 10) == 0)
                saw_user = true;
            if (vl == 27 && memcmp(v, "AWS_LAMBDA_FUNCTION_NAME=f1", 27) == 0)
                saw_name = true;
            if (vl == 44 && memcmp(v, "AWS_EXECUTION_ENV=AWS_Lambda_provided"
                    ".al2023", 44) == 0)
                saw_exec = true;
        }
    }
    CU_ASSERT_TRUE(saw_user);
    CU_ASSERT_TRUE(saw_name);
    CU_ASSERT_TRUE(saw_exec);
    CU_ASSERT(envs >= 10);
    fg_buf_free(&b);
    fgd_fn_clear(&fn);
}

static void
result_frame(fg_buf_t *b, fg_frame_t *f, const char *rid,
    const char *status, unsigned exit_code, const char *out,
    const char *msg)
{
    fg_buf_reset(b);
    fg_frame_begin(b, FG_FRAME_RESULT, 1);
    fg_frame_add_str(b, "request_id", rid);
    fg_frame_add_str(b, "status", status);
    fg_frame_add_u64(b, "exit", exit_code);
    fg_frame_add_str(b, "stdout", out);
    fg_frame_add_str(b, "stderr", "log line\n");
    fg_frame_add_u64(b, "duration_us", 12345);
    fg_frame_add_u64(b, "max_rss_kb", 3000);
    if (msg != NULL)
        fg_frame_add_str(b, "message", msg);
    fg_frame_end(b);
    CU_ASSERT_EQUAL(fg_frame_parse(b->data, b->len, f), (ssize_t) b->len);
}

/* Runs status through parse + response; checks the outcome. */
static void
check_result(const char *status, unsigned code, const char *msg,
    int want_status, const char *want_fe, const char *want_type,
    const char *want_msg_part)
{
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r = { 0 };
    bool             healthy;
    struct timespec  now = { 1565821571, 234000000 };
    const char      *p_type[] = { "errorType", NULL };
    const char      *p_msg[] = { "errorMessage", NULL };

    result_frame(&b, &f, "rid-9", status, code, "{\"ok\":true}", msg);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
    fgd_result_response(&res, "rid-9", 3, &now, &r, &healthy);
    CU_ASSERT_EQUAL(r.status, want_status);
    if (want_fe == NULL) {
        CU_ASSERT_PTR_NULL(r.function_error);
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(r.function_error);
        CU_ASSERT_STRING_EQUAL(r.function_error, want_fe);
        CU_ASSERT_TRUE(healthy);
        yajl_val v = yajl_tree_parse(r.body, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        if (want_type == NULL) {
            CU_ASSERT_PTR_NULL(yajl_tree_get(v, p_type, yajl_t_string));
        } else {
            CU_ASSERT_STRING_EQUAL(jstr(v, p_type), want_type);
        }
        if (strstr(jstr(v, p_msg), want_msg_part) == NULL) {
            fprintf(stderr, "\n\"%s\" lacks \"%s\"\n", jstr(v, p_msg),
                want_msg_part);
            CU_FAIL("errorMessage");
        }
        yajl_tree_free(v);
    }
    fgd_resp_free(&r);
    fg_buf_free(&b);
}

static void
test_results(void)
{
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r = { 0 };
    bool             healthy;
    struct timespec  now = { 0, 0 };
    char            *tail;
    size_t           len;

    /* ok: the output as it is. */
    result_frame(&b, &f, "rid-9", "ok", 0, "{\"ok\":true}", NULL);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
    CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-9", 3, &now, &r,
        &healthy), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NULL(r.function_error);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"ok\":true}");
    CU_ASSERT_EQUAL(res.duration_us, 12345);
    CU_ASSERT_EQUAL(res.max_rss_kb, 3000);

    /* The log tail: Lambda's START / END / REPORT around stderr. */
    tail = fgd_log_tail(&res, "rid-9", "$LATEST", 128, 0, false, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
    CU_ASSERT_PTR_NOT_NULL(strstr(tail,
        "START RequestId: rid-9 Version: $LATEST\nlog line\nEND"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tail, "Duration: 12.35 ms\tBilled "
        "Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB"));
    free(tail);

    /* A long stderr: the tail keeps the last 4 KB, REPORT included. */
    {
        fgd_result_t  big = res;
        char         *err = malloc(10000);
        memset(err, 'e', 10000);
        big.err = (const uint8_t *) err;
        big.err_len = 10000;
        tail = fgd_log_tail(&big, "rid-9", "$LATEST", 128, 250, true, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
        CU_ASSERT_EQUAL(len, FGD_LOG_TAIL);
        CU_ASSERT_PTR_NULL(strstr(tail, "START"));
        CU_ASSERT_PTR_NOT_NULL(strstr(tail, "Init Duration: 250.00 ms"));
        free(tail);
        free(err);
    }

    /* Another request's RESULT, or not a RESULT, is refused. */
    CU_ASSERT_EQUAL(fgd_result_parse(&f, "rid-8", &res), -1);
    f.type = FG_FRAME_LOADED;
    CU_ASSERT_EQUAL(fgd_result_parse(&f, "rid-9", &res), -1);
    fgd_resp_free(&r);
    fg_buf_free(&b);

    check_result("error", 3, NULL, 200, "Unhandled", "Runtime.ExitError",
        "RequestId: rid-9 Error: Runtime exited with error: exit status 3");
    check_result("signal", 9, NULL, 200, "Unhandled", "Runtime.ExitError",
        "Runtime exited with error: signal: killed");
    check_result("signal", 11, NULL, 200, "Unhandled", "Runtime.ExitError",
        "signal: segmentation fault");
    check_result("oom", 9, NULL, 200, "Unhandled", "Runtime.OutOfMemory",
        "signal: killed");
    check_result("timeout", 0, NULL, 200, "Unhandled", NULL,
        "2019-08-14T22:26:11.234Z rid-9 Task timed out after 3.00 seconds");
    check_result("too_large", 0, NULL, 200, "Unhandled",
        "Function.ResponseSizeTooLarge", "6291556 bytes");
    check_result("failed", 0, "exec /var/task/bootstrap: permission denied",
        200, "Unhandled", "Runtime.InvalidEntrypoint",
        "RequestId: rid-9 Error: exec /var/task/bootstrap");

    check_result("error", 0, NULL, 200, "Unhandled", "Runtime.ExitError",
        "RequestId: rid-9 Error: Runtime exited without providing a reason");

    /* What a runtime posted: its errorMessage, errorType, stackTrace. */
    {
        static const struct {
            const char *status, *out, *type, *want;
        } c[] = {
            { "function_error", "{\"errorMessage\":\"boom \\u00e9\","
              "\"errorType\":\"ValueError\",\"stackTrace\":[\"  File a\","
              "1,\"  File b\"],\"requestId\":\"x\"}", "Other",
              "{\"errorMessage\":\"boom \xc3\xa9\",\"errorType\":"
              "\"ValueError\",\"stackTrace\":[\"  File a\",\"  File b\"]}" },
            { "function_error", "{\"errorMessage\":\"m\"}", "Custom.T",
              "{\"errorMessage\":\"m\",\"errorType\":\"Custom.T\"}" },
            { "init_error", "", NULL,
              "{\"errorMessage\":\"\",\"errorType\":\"Runtime.Unknown\"}" },
            { "init_error", "not json\x01\xff", "Runtime.Boom",
              "{\"errorMessage\":\"not json??\",\"errorType\":"
              "\"Runtime.Boom\"}" },
            { "function_error", "[1,2]", NULL,
              "{\"errorMessage\":\"[1,2]\",\"errorType\":"
              "\"Runtime.Unknown\"}" },
        };
        size_t  i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
            fg_buf_reset(&b);
            fg_frame_begin(&b, FG_FRAME_RESULT, 1);
            fg_frame_add_str(&b, "request_id", "rid-9");
            fg_frame_add_str(&b, "status", c[i].status);
            fg_frame_add_str(&b, "stdout", c[i].out);
            if (c[i].type != NULL)
                fg_frame_add_str(&b, "error_type", c[i].type);
            fg_frame_add_u64(&b, "init_us", 1500);
            fg_frame_end(&b);
            CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f),
                (ssize_t) b.len);
            CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
            CU_ASSERT_TRUE(res.has_init);
            CU_ASSERT_EQUAL(res.init_us, 1500);
            CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-9", 3, &now, &r,
                &healthy), 0);
            CU_ASSERT_EQUAL(r.status, 200);
            CU_ASSERT_TRUE(healthy);
            CU_ASSERT(r.function_error != NULL
                && strcmp(r.function_error, "Unhandled") == 0);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
            if (strcmp(r.body, c[i].want) != 0) {
                fprintf(stderr, "\ncase %zu: %s\n", i, r.body);
                CU_FAIL("posted error");
            }
            fgd_resp_free(&r);
            memset(&r, 0, sizeof(r));
        }
        fg_buf_reset(&b);
    }

    /* An unknown status: the guest is not trusted any more. */
    result_frame(&b, &f, "rid-9", "weird", 0, "", NULL);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-9", &res), 0);
    CU_ASSERT_EQUAL(fgd_result_response(&res, "rid-9", 3, &now, &r,
        &healthy), -1);
    CU_ASSERT_EQUAL(r.status, 502);
    CU_ASSERT_FALSE(healthy);
    CU_ASSERT_STRING_EQUAL(r.error_type, "ServiceException");
    fgd_resp_free(&r);
    fg_buf_free(&b);
}

/* Runs a RESULT through fgd_result_response, then fgd_result_redact;
 * the body must be want. */
static void
check_redact(const char *status, const char *out, const char *type,
    const char *msg, long long code, const char *want)
{
    fg_buf_t         b = { 0 };
    fg_frame_t       f;
    fgd_result_t     res;
    fgd_resp_t       r = { 0 };
    bool             healthy;
    struct timespec  now = { 1565821571, 234000000 };

    fg_frame_begin(&b, FG_FRAME_RESULT, 1);
    fg_frame_add_str(&b, "request_id", "rid-7");
    fg_frame_add_str(&b, "status", status);
    fg_frame_add_str(&b, "stdout", out);
    fg_frame_add_u64(&b, "exit", (uint64_t) code);
    if (type != NULL)
        fg_frame_add_str(&b, "error_type", type);
    if (msg != NULL)
        fg_frame_add_str(&b, "message", msg);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f),
        (ssize_t) b.len);
    CU_ASSERT_EQUAL_FATAL(fgd_result_parse(&f, "rid-7", &res), 0);
    CU_ASSERT_EQUAL_FATAL(fgd_result_response(&res, "rid-7", 3, &now, &r,
        &healthy), 0);
    CU_ASSERT_EQUAL(fgd_result_redact(&res, "rid-7", &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.body);
    if (strcmp(r.body, want) != 0) {
        fprintf(stderr, "\n%s: %s\n", status, r.body);
        CU_FAIL("redacted body");
    }
    if (strstr(r.message, "s3cr3t") != NULL)
        CU_FAIL("the message for the log of an API call keeps the secret");
    fgd_resp_free(&r);
    fg_buf_free(&b);
}

static void
test_result_redact(void)
{
    /* what the owner's runtime posted: errorType only */
    check_redact("function_error", "{\"errorMessage\":\"key s3cr3t\","
        "\"errorType\":\"ValueError\",\"stackTrace\":[\"  File "
        "\\\"/var/task/app.py\\\", line 3: s3cr3t\"]}", NULL, NULL, 0,
        "{\"errorMessage\":\"RequestId: rid-7 Error: the function's error "
        "message is shown only to its owner\",\"errorType\":\"ValueError\"}");
    check_redact("init_error", "not json s3cr3t", "Runtime.ImportModuleError",
        NULL, 0, "{\"errorMessage\":\"RequestId: rid-7 Error: the "
        "function's error message is shown only to its owner\","
        "\"errorType\":\"Runtime.ImportModuleError\"}");
    check_redact("failed", "", NULL, "exec /var/task/s3cr3t: no such file",
        0, "{\"errorMessage\":\"RequestId: rid-7 Error: the function's "
        "error message is shown only to its owner\",\"errorType\":"
        "\"Runtime.InvalidEntrypoint\"}");
    /* fngate's own wordings stay */
    check_redact("error", "", NULL, NULL, 3, "{\"errorMessage\":\"RequestId: "
        "rid-7 Error: Runtime exited with error: exit status 3\","
        "\"errorType\":\"Runtime.ExitError\"}");
    check_redact("timeout", "", NULL, NULL, 0, "{\"errorMessage\":"
        "\"2019-08-14T22:26:11.234Z rid-7 Task timed out after 3.00 "
        "seconds\"}");
    /* a call that did not fail is left alone */
    check_redact("ok", "{\"s3\":1}", NULL, NULL, 0, "{\"s3\":1}");
}

/* ------------------------------------------------------------------ */
/* Versions and aliases                                                  */

/* Expects rc -1 with status, type and needle in the message. */
static void
expect_err(int rc, fgd_resp_t *r, int status, const char *type,
    const char *needle)
{
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(r->status, status);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->error_type);
    CU_ASSERT_STRING_EQUAL(r->error_type, type);
    if (needle != NULL && strstr(r->message, needle) == NULL) {
        fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", r->message,
            needle);
        CU_FAIL("message");
    }
    fgd_resp_free(r);
    memset(r, 0, sizeof(*r));
}

static void
test_version_numbers(void)
{
    fgd_fn_t  fn;

    CU_ASSERT_EQUAL(fgd_version_next(""), 1);
    CU_ASSERT_EQUAL(fgd_version_next(NULL), 1);
    CU_ASSERT_EQUAL(fgd_version_next("0"), 1);
    CU_ASSERT_EQUAL(fgd_version_next("1"), 2);
    CU_ASSERT_EQUAL(fgd_version_next("41"), 42);
    CU_ASSERT_EQUAL(fgd_version_next("4294967294"), 4294967295ul);
    CU_ASSERT_EQUAL(fgd_version_next("4294967295"), 0);    /* used up */
    CU_ASSERT_EQUAL(fgd_version_next("x"), 0);
    CU_ASSERT_EQUAL(fgd_version_next("-1"), 0);

    memset(&fn, 0, sizeof(fn));
    CU_ASSERT_STRING_EQUAL(fgd_fn_version(&fn), "$LATEST");
    snprintf(fn.version, sizeof(fn.version), "7");
    CU_ASSERT_STRING_EQUAL(fgd_fn_version(&fn), "7");
}

static void
test_publish_parse(void)
{
    fgd_publish_t  p;
    fgd_resp_t     r;
    const char    *b;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_publish_parse("", 0, &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.sha256, "");
    CU_ASSERT_FALSE(p.has_description);

    /* base64 of sha256("") */
    b = "{\"CodeSha256\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\","
        "\"Description\":\"v1\",\"RevisionId\":\"abc\"}";
    CU_ASSERT_EQUAL(fgd_publish_parse(b, strlen(b), &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.sha256, "e3b0c44298fc1c149afbf4c8996fb924"
        "27ae41e4649b934ca495991b7852b855");
    CU_ASSERT_TRUE(p.has_description);
    CU_ASSERT_STRING_EQUAL(p.description, "v1");
    CU_ASSERT_STRING_EQUAL(p.revision_id, "abc");

    b = "{\"CodeSha256\":\"nope\"}";
    expect_err(fgd_publish_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "CodeSha256");
    b = "{\"Description\":5}";
    expect_err(fgd_publish_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "Description");
    b = "[1]";
    expect_err(fgd_publish_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "object");
}

static void
test_update_parse(void)
{
    fgd_create_t  c;
    fgd_fn_t      fn;
    fgd_resp_t    r;
    char          rev[37], *b;
    size_t        n;

    memset(&r, 0, sizeof(r));
    n = strlen(ok_b64) + 64;
    b = malloc(n);
    snprintf(b, n, "{\"ZipFile\":\"%s\",\"Publish\":true}", ok_b64);
    CU_ASSERT_EQUAL_FATAL(fgd_update_code_parse(b, strlen(b), &lim,
        "provided", "bootstrap", &c, rev, &r), 0);
    CU_ASSERT_TRUE(c.publish);
    CU_ASSERT_EQUAL(strlen(c.fn.sha256), 64);
    CU_ASSERT_EQUAL(c.fn.code_size, c.zip_len);
    CU_ASSERT_STRING_EQUAL(rev, "");
    fgd_create_clear(&c);
    /* provided: any handler, the zip has a bootstrap */
    CU_ASSERT_EQUAL(fgd_update_code_parse(b, strlen(b), &lim, "provided",
        "other", &c, rev, &r), 0);
    fgd_create_clear(&c);
    free(b);
    /* without a bootstrap the zip must hold the current handler */
    {
        zentry_t  e[] = { { "h", "#!/bin/sh\n", 0 } };
        uint8_t  *zip = make_zip(e, 1, &n);
        char     *z = b64(zip, n);

        n = strlen(z) + 64;
        b = malloc(n);
        snprintf(b, n, "{\"ZipFile\":\"%s\"}", z);
        CU_ASSERT_EQUAL(fgd_update_code_parse(b, strlen(b), &lim,
            "provided", "h", &c, rev, &r), 0);
        fgd_create_clear(&c);
        expect_err(fgd_update_code_parse(b, strlen(b), &lim, "provided",
            "other", &c, rev, &r), &r, 400,
            "InvalidParameterValueException", "other");
        expect_err(fgd_update_code_parse(b, strlen(b), &lim,
            "provided.al2023", "h", &c, rev, &r), &r, 400,
            "InvalidParameterValueException", "bootstrap");
        free(b);
        free(z);
        free(zip);
    }
    b = "{\"Publish\":false}";
    expect_err(fgd_update_code_parse(b, strlen(b), &lim, "provided",
        "bootstrap", &c, rev, &r), &r, 400, "InvalidParameterValueException",
        "ZipFile");

    memset(&fn, 0, sizeof(fn));
    fn.memory_mb = 128;
    fn.timeout_s = 3;
    snprintf(fn.handler, sizeof(fn.handler), "bootstrap");
    fn.description = strdup("old");
    fn.role = strdup("");
    b = "{\"MemorySize\":256,\"Timeout\":10,\"Description\":\"new\","
        "\"Environment\":{\"Variables\":{\"A\":\"1\"}},"
        "\"Handler\":\"bin/h\",\"RevisionId\":\"r1\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_update_config_parse(b, strlen(b), &lim, &fn,
        rev, &r), -1);     /* "A": Lambda's names are 2+ characters */
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));
    b = "{\"MemorySize\":256,\"Timeout\":10,\"Description\":\"new\","
        "\"Environment\":{\"Variables\":{\"AB\":\"1\"}},"
        "\"Handler\":\"bin/h\",\"RevisionId\":\"r1\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_update_config_parse(b, strlen(b), &lim, &fn,
        rev, &r), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 256);
    CU_ASSERT_EQUAL(fn.timeout_s, 10);
    CU_ASSERT_STRING_EQUAL(fn.description, "new");
    CU_ASSERT_STRING_EQUAL(fn.handler, "bin/h");
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"AB\":\"1\"}");
    CU_ASSERT_STRING_EQUAL(rev, "r1");
    CU_ASSERT_EQUAL(strlen(fn.revision_id), 36);
    /* what is not given stays */
    b = "{\"Timeout\":20}";
    CU_ASSERT_EQUAL(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev,
        &r), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 256);
    CU_ASSERT_EQUAL(fn.timeout_s, 20);
    CU_ASSERT_STRING_EQUAL(fn.description, "new");
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"AB\":\"1\"}");
    b = "{\"MemorySize\":64}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "memorySize");
    b = "{\"Runtime\":\"python3.12\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "runtime");
    b = "{\"Handler\":\"../x\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "handler");
    CU_ASSERT_EQUAL(fn.timeout_s, 20);
    /* provided.al2*: the handler is any string without blanks */
    b = "{\"Runtime\":\"provided.al2\",\"Handler\":\"../any:thing\"}";
    CU_ASSERT_EQUAL(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev,
        &r), 0);
    CU_ASSERT_STRING_EQUAL(fn.runtime, "provided.al2");
    CU_ASSERT_STRING_EQUAL(fn.handler, "../any:thing");
    b = "{\"Handler\":\"a b\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "handler");
    /* back to provided: that handler is not a file name */
    b = "{\"Runtime\":\"provided\"}";
    expect_err(fgd_update_config_parse(b, strlen(b), &lim, &fn, rev, &r),
        &r, 400, "InvalidParameterValueException", "handler");
    CU_ASSERT_STRING_EQUAL(fn.runtime, "provided.al2");
    fgd_fn_clear(&fn);
}

static void
test_alias_parse(void)
{
    fgd_alias_req_t  q;
    fgd_resp_t       r;
    const char      *b;

    memset(&r, 0, sizeof(r));
    b = "{\"Name\":\"live\",\"FunctionVersion\":\"1\","
        "\"Description\":\"d\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":0.25}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    CU_ASSERT_STRING_EQUAL(q.a.name, "live");
    CU_ASSERT_STRING_EQUAL(q.a.version, "1");
    CU_ASSERT_STRING_EQUAL(q.a.description, "d");
    CU_ASSERT_STRING_EQUAL(q.a.extra_version, "2");
    CU_ASSERT_DOUBLE_EQUAL(q.a.extra_weight, 0.25, 1e-12);
    CU_ASSERT_EQUAL(fgd_alias_check(&q.a, &r), 0);

    /* weights 0 and 1 are integers in JSON */
    b = "{\"Name\":\"a\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":1}}}";
    CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.a.extra_weight, 1.0, 1e-12);

    /* names */
    b = "{\"Name\":\"123\",\"FunctionVersion\":\"1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "at 'name'");
    b = "{\"Name\":\"a.b\",\"FunctionVersion\":\"1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "at 'name'");
    b = "{\"FunctionVersion\":\"1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "null at 'name'");
    b = "{\"Name\":\"x\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "functionVersion");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"v1\"}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "functionVersion");
    /* routing */
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":1.5}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "less than or equal to 1.0");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":-0.1}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "greater than or equal to 0.0");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":0.5,\"3\":0.5}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "length less than or equal to 1");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"$LATEST\":0.5}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidParameterValueException", "Map keys");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"1\",\"RoutingConfig\":"
        "{\"AdditionalVersionWeights\":{\"2\":\"0.5\"}}}";
    expect_err(fgd_alias_parse(b, strlen(b), true, &q, &r), &r, 400,
        "InvalidRequestContentException", "numbers");

    /* rules between fields */
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"$LATEST\","
        "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.5}}}";
    CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    expect_err(fgd_alias_check(&q.a, &r), &r, 400,
        "InvalidParameterValueException", "$LATEST is not supported");
    b = "{\"Name\":\"x\",\"FunctionVersion\":\"2\","
        "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.5}}}";
    CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), true, &q, &r), 0);
    expect_err(fgd_alias_check(&q.a, &r), &r, 400,
        "InvalidParameterValueException", "already included");

    /* UpdateAlias: everything optional, an empty body changes nothing */
    CU_ASSERT_EQUAL(fgd_alias_parse("", 0, false, &q, &r), 0);
    CU_ASSERT_FALSE(q.has_version || q.has_description || q.has_routing);
    {
        fgd_alias_t a;

        memset(&a, 0, sizeof(a));
        snprintf(a.name, sizeof(a.name), "live");
        snprintf(a.version, sizeof(a.version), "1");
        snprintf(a.extra_version, sizeof(a.extra_version), "2");
        a.extra_weight = 0.5;
        b = "{\"FunctionVersion\":\"3\",\"RevisionId\":\"r\"}";
        CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), false, &q, &r), 0);
        CU_ASSERT_STRING_EQUAL(q.want_revision, "r");
        fgd_alias_merge(&a, &q);
        CU_ASSERT_STRING_EQUAL(a.version, "3");
        CU_ASSERT_STRING_EQUAL(a.extra_version, "2");  /* kept */
        b = "{\"RoutingConfig\":{}}";
        CU_ASSERT_EQUAL(fgd_alias_parse(b, strlen(b), false, &q, &r), 0);
        fgd_alias_merge(&a, &q);
        CU_ASSERT_STRING_EQUAL(a.extra_version, "");   /* cleared */
        CU_ASSERT_EQUAL(fgd_alias_check(&a, &r), 0);
    }
}

static void
test_alias_choose(void)
{
    fgd_alias_t  a;
    unsigned     i, extra = 0;

    memset(&a, 0, sizeof(a));
    snprintf(a.version, sizeof(a.version), "1");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.0), "1");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.99), "1");

    snprintf(a.extra_version, sizeof(a.extra_version), "2");
    a.extra_weight = 0.3;
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.0), "2");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.2999), "2");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.3), "1");
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.9999), "1");
    /* over an even spread of u the share is the weight */
    for (i = 0; i < 1000; i++)
        if (strcmp(fgd_alias_choose(&a, i / 1000.0), "2") == 0)
            extra++;
    CU_ASSERT_EQUAL(extra, 300);
    a.extra_weight = 0.0;
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.0), "1");
    a.extra_weight = 1.0;
    CU_ASSERT_STRING_EQUAL(fgd_alias_choose(&a, 0.9999), "2");
}

static void
test_alias_stored(void)
{
    fgd_alias_t  a, b;
    const char  *fv[FGD_ALIAS_FIELDS_MAX];
    size_t       lens[FGD_ALIAS_FIELDS_MAX], n;
    char         buf[32], *json;
    size_t       len;

    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "live");
    snprintf(a.version, sizeof(a.version), "1");
    snprintf(a.description, sizeof(a.description), "prod");
    snprintf(a.extra_version, sizeof(a.extra_version), "2");
    a.extra_weight = 0.1;
    fgd_revision_new(a.revision_id);
    n = fgd_alias_to_fields(&a, fv, lens, buf);
    CU_ASSERT_EQUAL(n, 12);
    CU_ASSERT_EQUAL_FATAL(fgd_alias_from_fields(&b, fv, lens, n), 0);
    CU_ASSERT_STRING_EQUAL(b.name, "live");
    CU_ASSERT_STRING_EQUAL(b.version, "1");
    CU_ASSERT_STRING_EQUAL(b.description, "prod");
    CU_ASSERT_STRING_EQUAL(b.extra_version, "2");
    CU_ASSERT_DOUBLE_EQUAL(b.extra_weight, 0.1, 1e-15);
    CU_ASSERT_STRING_EQUAL(b.revision_id, a.revision_id);
    /* a record without its version is corrupt */
    CU_ASSERT_EQUAL(fgd_alias_from_fields(&b, fv + 4, lens + 4, n - 4), -1);

    CU_ASSERT_EQUAL_FATAL(fgd_json_alias(&a, "us-east-1", "123456789012",
        "f", &json, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"AliasArn\":\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f:live\",\"Name\":\"live\","
        "\"FunctionVersion\":\"1\",\"Description\":\"prod\","
        "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.1"));
    free(json);
    a.extra_version[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(fgd_json_alias(&a, "us-east-1", "123456789012",
        "f", &json, &len), 0);
    CU_ASSERT_PTR_NULL(strstr(json, "RoutingConfig"));
    free(json);
}

static void
test_list_queries(void)
{
    char        m[130], v[FGD_VERSION_LEN];
    unsigned    max;
    fgd_resp_t  r;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_versions_query("Marker=%24LATEST&MaxItems=2", m,
        sizeof(m), &max, &r), 0);
    CU_ASSERT_STRING_EQUAL(m, "$LATEST");
    CU_ASSERT_EQUAL(max, 2);
    CU_ASSERT_EQUAL(fgd_versions_query("Marker=12", m, sizeof(m), &max, &r),
        0);
    CU_ASSERT_EQUAL(max, FGD_LIST_DEFAULT);
    expect_err(fgd_versions_query("Marker=live", m, sizeof(m), &max, &r),
        &r, 400, "InvalidParameterValueException", "Marker");
    expect_err(fgd_versions_query("MaxItems=0", m, sizeof(m), &max, &r),
        &r, 400, "InvalidParameterValueException", "maxItems");

    CU_ASSERT_EQUAL(fgd_aliases_query("FunctionVersion=3&Marker=b", m,
        sizeof(m), &max, v, &r), 0);
    CU_ASSERT_STRING_EQUAL(v, "3");
    CU_ASSERT_STRING_EQUAL(m, "b");
    expect_err(fgd_aliases_query("FunctionVersion=x", m, sizeof(m), &max,
        v, &r), &r, 400, "InvalidParameterValueException",
        "functionVersion");
    expect_err(fgd_aliases_query("Marker=12", m, sizeof(m), &max, v, &r),
        &r, 400, "InvalidParameterValueException", "Marker");
}

static void
test_version_config_json(void)
{
    fgd_fn_t   fn;
    char      *json;
    size_t     len;

    memset(&fn, 0, sizeof(fn));
    snprintf(fn.name, sizeof(fn.name), "f");
    snprintf(fn.runtime, sizeof(fn.runtime), "provided");
    snprintf(fn.handler, sizeof(fn.handler), "h");
    snprintf(fn.sha256, sizeof(fn.sha256), "e3b0c44298fc1c149afbf4c8996fb924"
        "27ae41e4649b934ca495991b7852b855");
    snprintf(fn.version, sizeof(fn.version), "3");
    CU_ASSERT_EQUAL_FATAL(fgd_json_function_config(&fn, "us-east-1",
        "123456789012", &json, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"FunctionArn\":\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f:3\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"Version\":\"3\""));
    free(json);
}

static void
test_principal(void)
{
    char  a[FG_ACCOUNT_LEN + 1];

    CU_ASSERT_EQUAL(fgd_principal_account("123456789012", a), 0);
    CU_ASSERT_STRING_EQUAL(a, "123456789012");
    CU_ASSERT_EQUAL(fgd_principal_account("arn:aws:iam::210987654321:root",
        a), 0);
    CU_ASSERT_STRING_EQUAL(a, "210987654321");
    CU_ASSERT_EQUAL(fgd_principal_account("*", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("s3.amazonaws.com", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("12345678901", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("1234567890123", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("arn:aws:iam::12345678901:root",
        a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account(
        "arn:aws:iam::123456789012:user/bob", a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account("arn:aws:iam::123456789012:rootx",
        a), -1);
    CU_ASSERT_EQUAL(fgd_principal_account(NULL, a), -1);
}

static void
test_permission_parse(void)
{
    fgd_permission_t  p;
    fgd_resp_t        r;
    const char       *b;

    memset(&r, 0, sizeof(r));
    b = "{\"StatementId\":\"bob-1_x\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"arn:aws:iam::123456789012:root\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_permission_parse(b, strlen(b), &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.sid, "bob-1_x");
    CU_ASSERT_STRING_EQUAL(p.action, "lambda:InvokeFunction");
    CU_ASSERT_STRING_EQUAL(p.principal, "123456789012");
    CU_ASSERT_STRING_EQUAL(p.want_revision, "");

    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:GetFunction\","
        "\"Principal\":\"123456789012\",\"RevisionId\":"
        "\"0a1b2c3d-0000-4000-8000-000000000000\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_permission_parse(b, strlen(b), &p, &r), 0);
    CU_ASSERT_STRING_EQUAL(p.action, "lambda:GetFunction");
    CU_ASSERT_STRING_EQUAL(p.want_revision,
        "0a1b2c3d-0000-4000-8000-000000000000");

    b = "{\"StatementId\":\"a b\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "at 'statementId'");
    b = "{\"StatementId\":\"a123456789b123456789c123456789d123456789"
        "e123456789f123456789g123456789h123456789i123456789j1234567890\","
        "\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "at 'statementId'");
    b = "{\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"1\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "null at 'statementId'");
    b = "{\"StatementId\":\"s\",\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "null at 'action'");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "null at 'principal'");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:*\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "'lambda:*' is not supported");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:DeleteFunction\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "is not supported");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"*\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "public access");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"sns.amazonaws.com\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "service principals");
    b = "{\"StatementId\":\"s\",\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"123456789012\",\"SourceArn\":\"arn:aws:s3:::b\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidParameterValueException", "SourceArn is not supported");
    b = "{\"StatementId\":1,\"Action\":\"lambda:InvokeFunction\","
        "\"Principal\":\"123456789012\"}";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "StatementId");
    b = "{\"StatementId\":";
    expect_err(fgd_permission_parse(b, strlen(b), &p, &r), &r, 400,
        "InvalidRequestContentException", "");
}

static void
test_policy_json(void)
{
    fgd_permission_t  p;
    char             *st = NULL, *out = NULL;
    size_t            len;
    const char       *sts[2];

    memset(&p, 0, sizeof(p));
    snprintf(p.sid, sizeof(p.sid), "s1");
    snprintf(p.action, sizeof(p.action), "lambda:InvokeFunction");
    snprintf(p.principal, sizeof(p.principal), "210987654321");
    CU_ASSERT_EQUAL_FATAL(fgd_json_statement(&p, "us-east-1",
        "123456789012", "f", "live", &st, &len), 0);
    CU_ASSERT_STRING_EQUAL(st, "{\"Sid\":\"s1\",\"Effect\":\"Allow\","
        "\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:root\"},"
        "\"Action\":\"lambda:InvokeFunction\",\"Resource\":"
        "\"arn:aws:lambda:us-east-1:123456789012:function:f:live\"}");
    CU_ASSERT_EQUAL(len, strlen(st));

    CU_ASSERT_EQUAL_FATAL(fgd_json_add_permission(st, &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Statement\":\"{\\\"Sid\\\":\\\"s1\\\","
        "\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":"
        "\\\"arn:aws:iam::210987654321:root\\\"},\\\"Action\\\":"
        "\\\"lambda:InvokeFunction\\\",\\\"Resource\\\":\\\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f:live\\\"}\"}");
    free(out);

    sts[0] = "{\"Sid\":\"a\"}";
    sts[1] = "{\"Sid\":\"b\"}";
    CU_ASSERT_EQUAL_FATAL(fgd_json_policy(sts, 2, "rev", &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Policy\":\"{\\\"Version\\\":"
        "\\\"2012-10-17\\\",\\\"Id\\\":\\\"default\\\",\\\"Statement\\\":"
        "[{\\\"Sid\\\":\\\"a\\\"},{\\\"Sid\\\":\\\"b\\\"}]}\","
        "\"RevisionId\":\"rev\"}");
    free(out);
    free(st);
}

static void
test_get_function_shared(void)
{
    fgd_fn_t  fn;
    char     *out = NULL;
    size_t    len;

    memset(&fn, 0, sizeof(fn));
    snprintf(fn.name, sizeof(fn.name), "f");
    snprintf(fn.sha256, sizeof(fn.sha256), "%064d", 0);
    CU_ASSERT_EQUAL_FATAL(fgd_json_get_function_shared(&fn, "us-east-1",
        "123456789012", &out, &len), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"Configuration\":{"));
    CU_ASSERT_PTR_NULL(strstr(out, "\"Code\""));
    CU_ASSERT_PTR_NULL(strstr(out, "Location"));
    free(out);
}

/* ------------------------------------------------------------------ */
/* Execution bounds and alias overrides                                  */

static void
test_bounds_parse(void)
{
    fgd_bounds_t  b;
    fgd_resp_t    r;
    const char   *s;
    char         *out;

    memset(&r, 0, sizeof(r));
    s = "{\"MaxMemorySize\":256,\"MaxTimeout\":10,\"AllowEnvironment\":true,"
        "\"AllowLogTail\":false,\"OverridableVariables\":[\"LOG_LEVEL\","
        "\"Tenant\"]}";
    CU_ASSERT_EQUAL_FATAL(fgd_bounds_parse(s, strlen(s), 512, &b, &r), 0);
    CU_ASSERT_EQUAL(b.max_memory_mb, 256);
    CU_ASSERT_EQUAL(b.max_timeout_s, 10);
    CU_ASSERT(b.allow_environment);
    CU_ASSERT(!b.allow_log_tail);
    CU_ASSERT_EQUAL_FATAL(b.nvars, 2);
    CU_ASSERT_STRING_EQUAL(b.vars[1], "Tenant");

    /* the stored form reads back the same */
    CU_ASSERT_EQUAL_FATAL(fgd_json_bounds(&b, NULL, &out, NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"MaxMemorySize\":256,\"MaxTimeout\":10,"
        "\"AllowEnvironment\":true,\"AllowLogTail\":false,"
        "\"OverridableVariables\":[\"LOG_LEVEL\",\"Tenant\"]}");
    CU_ASSERT_EQUAL(fgd_bounds_parse(out, strlen(out), FGD_MEMORY_LIMIT_MB,
        &b, &r), 0);
    CU_ASSERT_EQUAL(b.nvars, 2);
    free(out);

    /* nothing given: every default, shown with the function's ARN */
    s = "{}";
    CU_ASSERT_EQUAL_FATAL(fgd_bounds_parse(s, 2, 512, &b, &r), 0);
    CU_ASSERT_EQUAL(b.max_memory_mb, 0);
    CU_ASSERT_EQUAL(b.nvars, 0);
    CU_ASSERT_EQUAL_FATAL(fgd_json_bounds(&b, "arn:x", &out, NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"FunctionArn\":\"arn:x\","
        "\"AllowEnvironment\":false,\"AllowLogTail\":false,"
        "\"OverridableVariables\":[]}");
    free(out);

    s = "{\"MaxMemorySize\":1024}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "less than or equal to 512");
    s = "{\"MaxMemorySize\":64}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "greater than or equal to 128");
    s = "{\"MaxTimeout\":901}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "maxTimeout");
    s = "{\"MaxTimeout\":\"10\"}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "MaxTimeout must be an integer");
    s = "{\"AllowLogTail\":1}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "AllowLogTail must be a boolean");
    s = "{\"OverridableVariables\":\"A\"}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "must be an array");
    s = "{\"OverridableVariables\":[1]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "must be strings");
    s = "{\"OverridableVariables\":[\"1BAD\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "'1BAD' is not a variable name");
    s = "{\"OverridableVariables\":[\"AWS_REGION\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "'AWS_REGION'");
    s = "{\"OverridableVariables\":[\"LEVEL\",\"LD_PRELOAD\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "'LD_PRELOAD' controls the "
        "runtime");
    s = "{\"OverridableVariables\":[\"AB\",\"AB\"]}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "names 'AB' twice");
    s = "{\"MaxMemory\":256}";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidParameterValueException", "Unknown field 'MaxMemory'");
    s = "[]";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "JSON object");
    s = "{\"MaxTimeout\":";
    expect_err(fgd_bounds_parse(s, strlen(s), 512, &b, &r), &r, 400,
        "InvalidRequestContentException", "");
}

static void
test_env_controls_runtime(void)
{
    static const char *const  refused[] = { "PATH", "path", "LD_PRELOAD",
        "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONSTARTUP", "MALLOC_CHECK_",
        "AWS_LAMBDA_EXEC_WRAPPER", "AWS_ENDPOINT_URL", "LAMBDA_RUNTIME_DIR",
        "BROWSER", "BASH_ENV", "ENV", "PERL5OPT", "PERLLIB", "NODE_OPTIONS",
        "IFS", "SHELLOPTS", "HTTP_PROXY", "no_proxy", "GLIBC_TUNABLES",
        "GCONV_PATH", "SSL_CERT_FILE", "JAVA_TOOL_OPTIONS", "HOME",
        "RUBYOPT", "BASH_FUNC_x", "GIT_SSH_COMMAND", NULL };
    static const char *const  allowed[] = { "TENANT", "LEVEL", "PATHS_X",
        "MY_PATH", "ENVIRONMENT", "LOG_LEVEL", "NAP", "PROXY", "XAWS_", NULL };
    size_t  i;

    for (i = 0; refused[i] != NULL; i++)
        if (!fgd_env_controls_runtime(refused[i])) {
            fprintf(stderr, "\n%s passes\n", refused[i]);
            CU_FAIL("a runtime variable passes");
        }
    for (i = 0; allowed[i] != NULL; i++)
        if (fgd_env_controls_runtime(allowed[i])) {
            fprintf(stderr, "\n%s refused\n", allowed[i]);
            CU_FAIL("a plain variable is refused");
        }
}

static void
test_overrides_parse(void)
{
    fgd_overrides_t  o;
    fgd_resp_t       r;
    const char      *s;
    char            *out;

    memset(&r, 0, sizeof(r));
    s = "{\"MemorySize\":256,\"Timeout\":5,\"Environment\":{\"Variables\":"
        "{\"TENANT\":\"bob\"}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_parse(s, strlen(s), 512, &o, &r), 0);
    CU_ASSERT_EQUAL(o.memory_mb, 256);
    CU_ASSERT_EQUAL(o.timeout_s, 5);
    CU_ASSERT_STRING_EQUAL(o.environment, "{\"TENANT\":\"bob\"}");
    CU_ASSERT_EQUAL_FATAL(fgd_json_overrides(&o, "arn:a", "rev", &out,
        NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"AliasArn\":\"arn:a\",\"MemorySize\":256,"
        "\"Timeout\":5,\"Environment\":{\"Variables\":{\"TENANT\":\"bob\"}},"
        "\"RevisionId\":\"rev\"}");
    free(out);
    fgd_overrides_clear(&o);

    /* an empty map and nothing at all are no overrides */
    s = "{\"Environment\":{\"Variables\":{}}}";
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_parse(s, strlen(s), 512, &o, &r), 0);
    CU_ASSERT_PTR_NULL(o.environment);
    CU_ASSERT_EQUAL_FATAL(fgd_json_overrides(&o, NULL, NULL, &out, NULL), 0);
    CU_ASSERT_STRING_EQUAL(out, "{}");
    free(out);

    s = "{\"MemorySize\":600}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "memorySize");
    s = "{\"Timeout\":0}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "timeout");
    s = "{\"Environment\":{\"Variables\":{\"AWS_REGION\":\"x\"}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "reserved keys");
    s = "{\"Environment\":{\"Variables\":{\"K\":1}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidRequestContentException", "values must be strings");
    s = "{\"Environment\":{\"Vars\":{}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "Unknown field 'Vars'");
    s = "{\"Handler\":\"x\"}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "Unknown field 'Handler'");
    /* variables that steer the runtime: all named, nothing kept */
    s = "{\"Environment\":{\"Variables\":{\"TENANT\":\"b\","
        "\"LD_PRELOAD\":\"/x.so\",\"PYTHONSTARTUP\":\"x\","
        "\"https_proxy\":\"h\",\"path\":\"/x\"}}}";
    expect_err(fgd_overrides_parse(s, strlen(s), 512, &o, &r), &r, 400,
        "InvalidParameterValueException", "can not be set by another "
        "account's alias: LD_PRELOAD,PYTHONSTARTUP,https_proxy,path");
    CU_ASSERT_PTR_NULL(o.environment);
    s = "";
    expect_err(fgd_overrides_parse(s, 0, 512, &o, &r), &r, 400,
        "InvalidRequestContentException", "empty body");
}

/* Bounds and overrides from JSON for the checks below. */
static void
bo_make(const char *bounds, const char *overrides, fgd_bounds_t *b,
    fgd_overrides_t *o)
{
    fgd_resp_t  r = { 0 };

    CU_ASSERT_EQUAL_FATAL(fgd_bounds_parse(bounds, strlen(bounds), 512, b,
        &r), 0);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_parse(overrides, strlen(overrides),
        512, o, &r), 0);
}

static void
test_overrides_allowed(void)
{
    fgd_bounds_t     b;
    fgd_overrides_t  o;
    fgd_fn_t         fn;
    fgd_resp_t       r;
    int              rc;

    memset(&fn, 0, sizeof(fn));
    memset(&r, 0, sizeof(r));
    fn.memory_mb = 256;
    fn.timeout_s = 3;

    /* no bounds: lower is fine, higher is refused without the number */
    bo_make("{}", "{\"MemorySize\":128,\"Timeout\":2}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
    bo_make("{}", "{\"MemorySize\":384}", &b, &o);
    rc = fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r);
    CU_ASSERT_PTR_NULL(strstr(r.message, "256"));
    expect_err(rc, &r, 400, "InvalidParameterValueException",
        "no more than the function's");
    fgd_overrides_clear(&o);
    bo_make("{}", "{\"Timeout\":4}", &b, &o);
    expect_err(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), &r, 400,
        "InvalidParameterValueException", "Timeout 4 exceeds");
    fgd_overrides_clear(&o);

    /* bounds set by the owner are told */
    bo_make("{\"MaxMemorySize\":512,\"MaxTimeout\":30}",
        "{\"MemorySize\":512,\"Timeout\":30}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
    bo_make("{\"MaxTimeout\":30}", "{\"Timeout\":31}", &b, &o);
    expect_err(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), &r, 400,
        "InvalidParameterValueException", "at most 30");
    fgd_overrides_clear(&o);

    /* variables: listed ones, or any where allowed */
    bo_make("{\"OverridableVariables\":[\"LEVEL\"]}",
        "{\"Environment\":{\"Variables\":{\"LEVEL\":\"debug\"}}}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
    bo_make("{\"OverridableVariables\":[\"LEVEL\"]}",
        "{\"Environment\":{\"Variables\":{\"TENANT\":\"b\"}}}", &b, &o);
    expect_err(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), &r, 400,
        "InvalidParameterValueException", "variable TENANT");
    fgd_overrides_clear(&o);
    bo_make("{\"AllowEnvironment\":true}",
        "{\"Environment\":{\"Variables\":{\"TENANT\":\"b\"}}}", &b, &o);
    CU_ASSERT_EQUAL(fgd_overrides_allowed(&o, &b, &fn, "arn:t", &r), 0);
    fgd_overrides_clear(&o);
}

static void
test_overrides_apply(void)
{
    fgd_bounds_t     b;
    fgd_overrides_t  o;
    fgd_fn_t         fn;
    char             note[256];

    memset(&fn, 0, sizeof(fn));
    fn.memory_mb = 256;
    fn.timeout_s = 3;
    fn.environment = strdup("{\"SECRET\":\"s3\",\"LEVEL\":\"info\"}");

    /* within the bounds: all applied; the owner's variables stay, the
     * listed one is replaced, an added one joins */
    bo_make("{\"MaxMemorySize\":512,\"AllowEnvironment\":true,"
            "\"OverridableVariables\":[\"LEVEL\"]}",
        "{\"MemorySize\":512,\"Timeout\":2,\"Environment\":{\"Variables\":"
        "{\"LEVEL\":\"debug\",\"TENANT\":\"bob\"}}}", &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 512);
    CU_ASSERT_EQUAL(fn.timeout_s, 2);
    CU_ASSERT_STRING_EQUAL(fn.environment,
        "{\"SECRET\":\"s3\",\"LEVEL\":\"debug\",\"TENANT\":\"bob\"}");
    CU_ASSERT_STRING_EQUAL(note, "");
    fgd_overrides_clear(&o);

    /* the owner narrowed its bounds since: the owner's values win, and
     * the note says what was left out */
    free(fn.environment);
    fn.environment = strdup("{\"SECRET\":\"s3\",\"LEVEL\":\"info\"}");
    fn.memory_mb = 256;
    fn.timeout_s = 3;
    bo_make("{\"MaxMemorySize\":192}",
        "{\"MemorySize\":512,\"Timeout\":9,\"Environment\":{\"Variables\":"
        "{\"SECRET\":\"mine\",\"LEVEL\":\"debug\",\"TENANT\":\"bob\"}}}",
        &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 192);
    CU_ASSERT_EQUAL(fn.timeout_s, 3);
    CU_ASSERT_STRING_EQUAL(fn.environment,
        "{\"SECRET\":\"s3\",\"LEVEL\":\"info\"}");
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "MemorySize 512 above the bound "
        "192"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "Timeout 9 above the bound 3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable SECRET kept the owner's"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable TENANT not allowed"));
    fgd_overrides_clear(&o);

    /* a function without variables gets the alias's allowed ones */
    free(fn.environment);
    fn.environment = NULL;
    bo_make("{\"AllowEnvironment\":true}",
        "{\"Environment\":{\"Variables\":{\"TENANT\":\"bob\"}}}", &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"TENANT\":\"bob\"}");
    fgd_overrides_clear(&o);

    /* overrides stored before the rule: the runtime's variables are
     * left out (the owner's listed value stays) and noted */
    free(fn.environment);
    fn.environment = strdup("{\"PYTHONPATH\":\"/var/task/lib\"}");
    bo_make("{\"AllowEnvironment\":true}", "{}", &b, &o);
    b.nvars = 1;
    snprintf(b.vars[0], sizeof(b.vars[0]), "PYTHONPATH");
    o.environment = strdup("{\"PYTHONPATH\":\"/tmp\",\"LD_PRELOAD\":"
        "\"/x.so\",\"TENANT\":\"bob\"}");
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_STRING_EQUAL(fn.environment,
        "{\"PYTHONPATH\":\"/var/task/lib\",\"TENANT\":\"bob\"}");
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable PYTHONPATH controls the "
        "runtime"));
    CU_ASSERT_PTR_NOT_NULL(strstr(note, "variable LD_PRELOAD controls the "
        "runtime"));
    fgd_overrides_clear(&o);
    free(fn.environment);
    fn.environment = strdup("{\"TENANT\":\"bob\"}");

    /* no overrides: fn is left alone */
    bo_make("{}", "{}", &b, &o);
    CU_ASSERT_EQUAL_FATAL(fgd_overrides_apply(&o, &b, &fn, note,
        sizeof(note)), 0);
    CU_ASSERT_EQUAL(fn.memory_mb, 192);
    CU_ASSERT_STRING_EQUAL(fn.environment, "{\"TENANT\":\"bob\"}");
    fgd_fn_clear(&fn);
}

/* The runtimes: what each needs in the zip and of the handler. */
static void
test_create_runtimes(void)
{
    static const zentry_t  boot[] = { { "bootstrap", "#!/bin/sh\n", 0 } };
    static const zentry_t  plain[] = { { "h", "#!/bin/sh\n", 0 },
                                       { "sub/bootstrap", "x", 0 } };
    static const char     *fmt = "{\"FunctionName\":\"f\",\"Runtime\":"
        "\"%s\",\"Handler\":\"%s\",\"Code\":{\"ZipFile\":\"%s\"}}";
    uint8_t               *zb, *zp;
    size_t                 lb, lp;
    char                  *sb, *sp, body[4096];
    fgd_create_t           c;
    fgd_resp_t             r;

    zb = make_zip(boot, 1, &lb);
    zp = make_zip(plain, 2, &lp);
    sb = b64(zb, lb);
    sp = b64(zp, lp);

    /* provided.al2 / al2023: a bootstrap at the root, any handler */
    snprintf(body, sizeof(body), fmt, "provided.al2023", "fn.handler:x", sb);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.runtime, "provided.al2023");
    CU_ASSERT_STRING_EQUAL(c.fn.handler, "fn.handler:x");
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided.al2", "../x", sb);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided.al2", "h", sp);
    expect_fail(body, 400, "InvalidParameterValueException",
        "provided.al2 function must contain an executable file named "
        "bootstrap");
    snprintf(body, sizeof(body), fmt, "provided.al2023", "a\\tb", sb);
    expect_fail(body, 400, "InvalidParameterValueException", "handler");

    /* provided: the handler file, or a bootstrap */
    snprintf(body, sizeof(body), fmt, "provided", "h", sp);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided", "function.handler", sb);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "provided", "function.handler", sp);
    expect_fail(body, 400, "InvalidParameterValueException",
        "there is no bootstrap");
    snprintf(body, sizeof(body), fmt, "nodejs20.x", "h", sp);
    expect_fail(body, 400, "InvalidParameterValueException",
        "use provided, provided.al2, provided.al2023 or python3.11");

    /* python3.11: module.function, any zip */
    snprintf(body, sizeof(body), fmt, "python3.11", "app.handler", sp);
    CU_ASSERT_EQUAL(parse(body, &c, &r), 0);
    CU_ASSERT_STRING_EQUAL(c.fn.runtime, "python3.11");
    fgd_create_clear(&c);
    snprintf(body, sizeof(body), fmt, "python3.11", "app handler", sp);
    expect_fail(body, 400, "InvalidParameterValueException", "handler");
    free(zb);
    free(zp);
    free(sb);
    free(sp);
}

/* One suite per source file of fngated/ (fngated_NAME.c). */
static const cu_test_t  util_tests[] = {
    { "base64", test_base64 },
    { "time formats", test_time },
    { "JSON pre-check", test_json_shape },
    { "uuid, sha, signals", test_misc },
    { NULL, NULL }
};

static const cu_test_t  resp_tests[] = {
    { "error shape", test_error_shape },
    { NULL, NULL }
};

static const cu_test_t  conf_tests[] = {
    { "configuration", test_conf },
    { "configuration: -o overrides", test_conf_override },
    { "shipped conf = defaults", test_conf_shipped },
    { NULL, NULL }
};

static const cu_test_t  functions_json_tests[] = {
    { "CreateFunction ok", test_create_ok },
    { "CreateFunction malformed JSON", test_create_bad_json },
    { "CreateFunction wrong types", test_create_types },
    { "CreateFunction bad fields", test_create_fields },
    { "CreateFunction environment", test_create_env },
    { "CreateFunction code", test_create_code },
    { "CreateFunction runtimes", test_create_runtimes },
    { "stored fields round trip", test_fields_roundtrip },
    { "response JSON", test_json_out },
    { "ListFunctions query", test_list_query },
    { "variables that control the runtime", test_env_controls_runtime },
    { "GetFunction for a grantee", test_get_function_shared },
    { "UpdateFunctionCode/Configuration bodies", test_update_parse },
    { NULL, NULL }
};

static const cu_test_t  versions_json_tests[] = {
    { "version numbers", test_version_numbers },
    { "PublishVersion body", test_publish_parse },
    { "a version's FunctionConfiguration", test_version_config_json },
    { NULL, NULL }
};

static const cu_test_t  aliases_json_tests[] = {
    { "alias bodies and rules", test_alias_parse },
    { "weighted alias choice", test_alias_choose },
    { "alias stored form and JSON", test_alias_stored },
    { "version and alias list queries", test_list_queries },
    { NULL, NULL }
};

static const cu_test_t  policy_json_tests[] = {
    { "policy principals", test_principal },
    { "AddPermission body", test_permission_parse },
    { "statement and policy JSON", test_policy_json },
    { NULL, NULL }
};

static const cu_test_t  bounds_json_tests[] = {
    { "PutExecutionBounds body", test_bounds_parse },
    { "PutAliasOverrides body", test_overrides_parse },
    { "overrides within bounds", test_overrides_allowed },
    { "overrides at call time", test_overrides_apply },
    { NULL, NULL }
};

static const cu_test_t  result_tests[] = {
    { "counters", test_counters },
    { "Invoke parameters", test_invoke_params },
    { "INVOKE frame", test_invoke_frame },
    { "RESULT -> response", test_results },
    { "function errors of another account redacted", test_result_redact },
    { NULL, NULL }
};

static const cu_suite_t  fngated_suites[] = {
    { "fngated_util", NULL, NULL, util_tests },
    { "fngated_resp", NULL, NULL, resp_tests },
    { "fngated_conf", NULL, NULL, conf_tests },
    { "fngated_functions_json", NULL, NULL, functions_json_tests },
    { "fngated_versions_json", NULL, NULL, versions_json_tests },
    { "fngated_aliases_json", NULL, NULL, aliases_json_tests },
    { "fngated_policy_json", NULL, NULL, policy_json_tests },
    { "fngated_bounds_json", NULL, NULL, bounds_json_tests },
    { "fngated_result", NULL, NULL, result_tests },
    { NULL, NULL, NULL, NULL }
};

int
main(void)
{
    size_t     len;
    uint8_t   *zip;
    int        rc;

    zip = make_zip(ok_zip, 3, &len);
    ok_b64 = b64(zip, len);
    free(zip);

    rc = cu_main_run(fngated_suites, CU_BRM_NORMAL);
    free(ok_b64);
    return rc;
}
