/*
 * CUnit tests of fngated/fngated_idem_json.c: FngateIdempotency's checks,
 * its stored form both ways, the dependencies' forms, the network
 * policy's test of a Url, the state of an HTTP resource from a HEAD
 * answer and the key of a stored result.
 */

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_idem_json.h"
#include "fngated_json.h"
#include "test_fngated.h"

/* The member's outcome: 0 with *out the stored form, or the status (the
 * message in msgbuf). */
static char  msgbuf[512];

static int
idem(const char *json, char **out)
{
    yajl_val    v = json ? yajl_tree_parse(json, NULL, 0) : NULL;
    fgd_resp_t  r;
    bool        given;
    int         rc;

    memset(&r, 0, sizeof(r));
    *out = NULL;
    rc = fgd_idem_request(v, &given, out, &r);
    msgbuf[0] = '\0';
    if (rc != 0) {
        CU_ASSERT_STRING_EQUAL(r.error_type,
            "InvalidParameterValueException");
        snprintf(msgbuf, sizeof(msgbuf), "%s", r.message);
        rc = r.status;
    } else {
        CU_ASSERT_EQUAL(given, json != NULL);
    }
    fgd_resp_free(&r);
    yajl_tree_free(v);
    return rc;
}

static void
test_request(void)
{
    char  *s;

    /* absent: nothing given; {} and null: not idempotent */
    CU_ASSERT_EQUAL(idem(NULL, &s), 0);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(idem("{}", &s), 0);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
    CU_ASSERT_EQUAL(idem("null", &s), 0);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);

    /* the default time to live; the dependencies in their order */
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[]}", &s), 0);
    CU_ASSERT_STRING_EQUAL(s, "300\n");
    free(s);
    CU_ASSERT_EQUAL(idem("{\"ResultTtlSeconds\":5,\"Dependencies\":["
        "{\"Url\":\"http://127.0.0.1:8080/x?y=1\"},"
        "{\"Queue\":\"arn:aws:sqs:us-east-1:123456789012:q1\"},"
        "{\"Queue\":\"http://127.0.0.1:1984/123456789012/q2.fifo\"},"
        "{\"Function\":\"arn:aws:lambda:us-east-1:123456789012:function:"
        "f:7\"}]}", &s), 0);
    CU_ASSERT_STRING_EQUAL(s, "5\nU http://127.0.0.1:8080/x?y=1\n"
        "Q arn:aws:sqs:us-east-1:123456789012:q1\n"
        "Q http://127.0.0.1:1984/123456789012/q2.fifo\n"
        "F arn:aws:lambda:us-east-1:123456789012:function:f:7\n");
    free(s);

    /* each kind of bad value */
    CU_ASSERT_EQUAL(idem("[]", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "must be an object"));
    CU_ASSERT_EQUAL(idem("{\"Ttl\":5}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "unknown member Ttl"));
    CU_ASSERT_EQUAL(idem("{\"ResultTtlSeconds\":0}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "from 1 to 604800"));
    CU_ASSERT_EQUAL(idem("{\"ResultTtlSeconds\":604801}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"ResultTtlSeconds\":1.5}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"ResultTtlSeconds\":\"5\"}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":{}}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "must be a list"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[\"http://1.2.3.4/\"]}", &s),
        400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "Dependencies[0] must be an "
        "object with one member"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Url\":\"http://1.2.3.4/\","
        "\"Queue\":\"x\"}]}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"File\":\"/etc\"}]}", &s),
        400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "unknown member File"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Url\":5}]}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Url\":\"\"}]}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Url\":\"http://1.2.3.4/a b"
        "\"}]}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "printable ASCII"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Url\":\"http://example.com/"
        "\"}]}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "IPv4 address"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Url\":\"https://1.2.3.4/"
        "\"}]}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "https is not supported"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Queue\":\"orders\"}]}", &s),
        400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "queue's URL"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Queue\":\"arn:aws:lambda:"
        "us-east-1:123456789012:function:f\"}]}", &s), 400);
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Function\":\"arn:aws:sqs:"
        "us-east-1:123456789012:q\"}]}", &s), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "function's ARN"));
    CU_ASSERT_EQUAL(idem("{\"Dependencies\":[{\"Function\":\"f\"}]}", &s),
        400);
    /* at most 16 */
    {
        char  b[2048];
        int   i, n = snprintf(b, sizeof(b), "{\"Dependencies\":[");

        for (i = 0; i < 17; i++) {
            n += snprintf(b + n, sizeof(b) - (size_t) n,
                "%s{\"Url\":\"http://1.2.3.4/%d\"}", i ? "," : "", i);
        }
        snprintf(b + n, sizeof(b) - (size_t) n, "]}");
        CU_ASSERT_EQUAL(idem(b, &s), 400);
        CU_ASSERT_PTR_NOT_NULL(strstr(msgbuf, "at most 16"));
    }
}

static void
test_stored_form(void)
{
    fgd_idem_t  t;
    yajl_gen    g;
    char       *out;
    size_t      len;

    CU_ASSERT_EQUAL(fgd_idem_parse("60\nU http://1.2.3.4/x\n"
        "F arn:aws:lambda:us-east-1:123456789012:function:f\n", &t), 0);
    CU_ASSERT_EQUAL(t.ttl_s, 60);
    CU_ASSERT_EQUAL(t.n, 2);
    CU_ASSERT_EQUAL(t.deps[0].kind, FGD_IDEM_URL);
    CU_ASSERT_STRING_EQUAL(t.deps[0].name, "http://1.2.3.4/x");
    CU_ASSERT_EQUAL(t.deps[1].kind, FGD_IDEM_FUNCTION);
    CU_ASSERT_EQUAL(fgd_idem_parse("300\n", &t), 0);
    CU_ASSERT_EQUAL(t.n, 0);
    /* not stored forms */
    CU_ASSERT_EQUAL(fgd_idem_parse("", &t), -1);
    CU_ASSERT_EQUAL(fgd_idem_parse(NULL, &t), -1);
    CU_ASSERT_EQUAL(fgd_idem_parse("0\n", &t), -1);
    CU_ASSERT_EQUAL(fgd_idem_parse("60", &t), -1);
    CU_ASSERT_EQUAL(fgd_idem_parse("60\nX y\n", &t), -1);
    CU_ASSERT_EQUAL(fgd_idem_parse("60\nU x", &t), -1);
    CU_ASSERT_TRUE(fgd_idem_on("60\n"));
    CU_ASSERT_FALSE(fgd_idem_on(""));
    CU_ASSERT_FALSE(fgd_idem_on(NULL));

    /* the answer */
    g = yajl_gen_alloc(NULL);
    fgd_idem_gen(g, "7\nQ arn:aws:sqs:us-east-1:123456789012:q\n");
    CU_ASSERT_EQUAL(fgd_gen_finish(g, &out, &len), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"Dependencies\":[{\"Queue\":"
        "\"arn:aws:sqs:us-east-1:123456789012:q\"}],\"ResultTtlSeconds\":7}");
    free(out);
}

static void
test_forms(void)
{
    uint32_t     a;
    unsigned     p;
    char         path[64], region[32], acct[13], name[81];
    const char  *why;

    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://127.0.0.1:8080/a/b?c", &a, &p,
        path, sizeof(path), &why), 0);
    CU_ASSERT_EQUAL(a, 0x7f000001u);
    CU_ASSERT_EQUAL(p, 8080);
    CU_ASSERT_STRING_EQUAL(path, "/a/b?c");
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://10.0.0.1", &a, &p, path,
        sizeof(path), &why), 0);
    CU_ASSERT_EQUAL(p, 80);
    CU_ASSERT_STRING_EQUAL(path, "/");
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://10.0.0.256/", &a, &p, path,
        sizeof(path), &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://10.0.0/", &a, &p, path,
        sizeof(path), &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://010.0.0.1/", &a, &p, path,
        sizeof(path), &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://1.2.3.4:0/", &a, &p, path,
        sizeof(path), &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://1.2.3.4:65536/", &a, &p,
        path, sizeof(path), &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_url_parse("http://1.2.3.4x/", &a, &p, path,
        sizeof(path), &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_url_parse("ftp://1.2.3.4/", &a, &p, path,
        sizeof(path), &why), -1);

    CU_ASSERT_EQUAL(fgd_idem_queue_parse("arn:aws:sqs:eu-west-1:"
        "123456789012:jobs", region, sizeof(region), acct, name, &why), 0);
    CU_ASSERT_STRING_EQUAL(region, "eu-west-1");
    CU_ASSERT_STRING_EQUAL(acct, "123456789012");
    CU_ASSERT_STRING_EQUAL(name, "jobs");
    CU_ASSERT_EQUAL(fgd_idem_queue_parse("https://h:1/123456789012/jobs",
        region, sizeof(region), acct, name, &why), 0);
    CU_ASSERT_STRING_EQUAL(region, "");
    CU_ASSERT_STRING_EQUAL(name, "jobs");
    CU_ASSERT_EQUAL(fgd_idem_queue_parse("http://h/12345678901/jobs",
        region, sizeof(region), acct, name, &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_queue_parse("http://h/123456789012/jobs/x",
        region, sizeof(region), acct, name, &why), -1);
    CU_ASSERT_EQUAL(fgd_idem_queue_parse("http://h/123456789012/j*b",
        region, sizeof(region), acct, name, &why), -1);

    /* a Url's address and port within the function's policy */
    CU_ASSERT_TRUE(fgd_idem_egress_allows("127.0.0.1:8080", 0x7f000001u,
        8080));
    CU_ASSERT_TRUE(fgd_idem_egress_allows("10.0.0.0/8:80, 127.0.0.1:1-9000",
        0x7f000001u, 8080));
    CU_ASSERT_FALSE(fgd_idem_egress_allows("127.0.0.1:8081", 0x7f000001u,
        8080));
    CU_ASSERT_FALSE(fgd_idem_egress_allows("127.0.0.1:8080/udp",
        0x7f000001u, 8080));
    CU_ASSERT_FALSE(fgd_idem_egress_allows("10.0.0.0/8:8080", 0x7f000001u,
        8080));
    CU_ASSERT_FALSE(fgd_idem_egress_allows("", 0x7f000001u, 8080));
    CU_ASSERT_FALSE(fgd_idem_egress_allows(NULL, 0x7f000001u, 8080));
}

static void
test_http_state(void)
{
    char  st[128];

#define H(s) (s), strlen(s)
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("HTTP/1.1 200 OK\r\n"
        "Content-Length: 3\r\netag:  \"v1\" \r\n\r\n"), st, sizeof(st)), 0);
    CU_ASSERT_STRING_EQUAL(st, "etag=\"v1\";modified=");
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("HTTP/1.0 204 No\r\n"
        "Last-Modified: Sun, 06 Dec 2026 07:00:00 GMT\r\nETag: W/\"x\"\r\n"
        "\r\n"), st, sizeof(st)), 0);
    CU_ASSERT_STRING_EQUAL(st, "etag=W/\"x\";modified=Sun, 06 Dec 2026 "
        "07:00:00 GMT");
    /* neither header, another status, not HTTP, too long */
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("HTTP/1.1 200 OK\r\n"
        "Content-Length: 3\r\n\r\n"), st, sizeof(st)), -1);
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("HTTP/1.1 404 No\r\n"
        "ETag: \"v1\"\r\n\r\n"), st, sizeof(st)), -1);
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("SSH-2.0-OpenSSH\r\n"
        "ETag: \"v1\"\r\n\r\n"), st, sizeof(st)), -1);
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("HTTP/1.1 200 OK\r\n"
        "ETag: \"v1\"\r\n\r\n"), st, 10), -1);
    /* a header whose name only begins like it */
    CU_ASSERT_EQUAL(fgd_idem_http_state(H("HTTP/1.1 200 OK\r\n"
        "ETagX: \"v1\"\r\n\r\n"), st, sizeof(st)), -1);
#undef H
}

static void
test_key(void)
{
    const void  *p1[2] = { "ab", "c" }, *p2[2] = { "a", "bc" };
    const void  *p3[3] = { "ab", "c", "" };
    size_t       l1[2] = { 2, 1 }, l2[2] = { 1, 2 }, l3[3] = { 2, 1, 0 };
    char         k1[65], k2[65], k3[65], k4[65];

    fgd_idem_key(p1, l1, 2, k1);
    fgd_idem_key(p2, l2, 2, k2);
    fgd_idem_key(p3, l3, 3, k3);
    fgd_idem_key(p1, l1, 2, k4);
    CU_ASSERT_EQUAL(strlen(k1), 64);
    /* the same parts, the same key; parts cut elsewhere or one more
     * (empty) part, another */
    CU_ASSERT_STRING_EQUAL(k1, k4);
    CU_ASSERT_STRING_NOT_EQUAL(k1, k2);
    CU_ASSERT_STRING_NOT_EQUAL(k1, k3);
    /* sha256 of the length-prefixed parts: fixed, so stored results
     * survive an upgrade that does not mean to drop them */
    {
        const void  *p[1] = { "" };
        size_t       l[1] = { 0 };

        fgd_idem_key(p, l, 1, k1);
        /* sha256 of eight zero bytes */
        CU_ASSERT_STRING_EQUAL(k1, "af5570f5a1810b7af78caf4bc70a660f0df51e42"
            "baf91d4de5b2328de0e83dfc");
    }
}

const cu_test_t  idem_json_tests[] = {
    { "FngateIdempotency's checks", test_request },
    { "the stored form and the answer", test_stored_form },
    { "the dependencies' forms and the network policy", test_forms },
    { "an HTTP resource's state", test_http_state },
    { "the key of a result", test_key },
    { NULL, NULL }
};
