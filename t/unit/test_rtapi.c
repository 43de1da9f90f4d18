/*
 * CUnit tests of lib/fg_rtapi.c: the Runtime API's request heads, routes
 * and chunked bodies.
 */

#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_rtapi.h"


static int
parse(const char *s, fg_rtapi_req_t *q)
{
    return fg_rtapi_parse_head(s, strlen(s), q);
}


static void
test_routes(void)
{
    fg_rtapi_req_t  q;

    CU_ASSERT_EQUAL(parse("GET /2018-06-01/runtime/invocation/next "
        "HTTP/1.1\r\nHost: x\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_NEXT);
    CU_ASSERT(q.method_ok);
    CU_ASSERT(!q.close);
    CU_ASSERT_EQUAL(q.content_length, 0);

    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/invocation/8f-a_b.c/"
        "response HTTP/1.1\r\nContent-Length: 12\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_RESPONSE);
    CU_ASSERT(q.method_ok);
    CU_ASSERT_STRING_EQUAL(q.id, "8f-a_b.c");
    CU_ASSERT_EQUAL(q.content_length, 12);

    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/invocation/x/error"
        "?a=b HTTP/1.0\nlambda-runtime-function-error-type: My.Err\"x\n\n",
        &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_ERROR);
    CU_ASSERT(q.close);                 /* HTTP/1.0 */
    CU_ASSERT_STRING_EQUAL(q.error_type, "My.Err?x");

    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/init/error HTTP/1.1\r\n"
        "Connection: close\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_INIT_ERROR);
    CU_ASSERT(q.close);

    /* Known paths with another method; unknown paths; bad ids. */
    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/invocation/next "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_NEXT);
    CU_ASSERT(!q.method_ok);
    CU_ASSERT_EQUAL(parse("GET /2018-06-01/runtime/init/error "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT(!q.method_ok);
    CU_ASSERT_EQUAL(parse("GET /2018-06-01/runtime/invocation/nextx "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_NOT_FOUND);
    CU_ASSERT_EQUAL(parse("POST /2019-06-01/runtime/init/error "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_NOT_FOUND);
    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/invocation/a/b/response "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_NOT_FOUND);
    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/invocation//response "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT_EQUAL(q.route, FG_RTAPI_RESPONSE);
    CU_ASSERT(q.bad_id);
    CU_ASSERT_EQUAL(parse("POST /2018-06-01/runtime/invocation/a%20b/error "
        "HTTP/1.1\r\n\r\n", &q), 1);
    CU_ASSERT(q.bad_id);
    CU_ASSERT_STRING_EQUAL(q.id, "");
}


static void
test_heads(void)
{
    fg_rtapi_req_t  q;
    char            big[FG_RTAPI_HEAD_MAX + 64];
    const char     *s = "GET /2018-06-01/runtime/invocation/next HTTP/1.1"
                        "\r\nHost: x\r\n\r\nPOST ...";

    /* Incomplete until the empty line. */
    CU_ASSERT_EQUAL(fg_rtapi_parse_head(s, 20, &q), 0);
    CU_ASSERT_EQUAL(fg_rtapi_parse_head(s, strlen(s) - 9, &q), 0);
    CU_ASSERT_EQUAL(fg_rtapi_parse_head(s, strlen(s), &q), 1);
    CU_ASSERT_EQUAL(q.head_len, strlen(s) - 8);

    CU_ASSERT_EQUAL(parse("\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/2.0\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET  HTTP/1.1\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nno colon\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
        &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nContent-Length: "
        "99999999999999999999\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nContent-Length: 1\r\n"
        "Content-Length: 1\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nContent-Length: 1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n", &q), -1);
    CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        &q), -1);
    CU_ASSERT_EQUAL(fg_rtapi_parse_head("GET /\0 HTTP/1.1\r\n\r\n", 20, &q),
        -1);

    /* A head that never ends is refused once it is too long. */
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    CU_ASSERT_EQUAL(fg_rtapi_parse_head(big, 1000, &q), 0);
    CU_ASSERT_EQUAL(fg_rtapi_parse_head(big, sizeof(big), &q), -1);
}


static void
test_chunked(void)
{
    fg_buf_t     out = { 0 };
    size_t       used = 0;
    const char  *s = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
                     "NEXT";

    CU_ASSERT_EQUAL(fg_rtapi_dechunk(s, strlen(s), 100, &out, &used), 1);
    CU_ASSERT_EQUAL(used, strlen(s) - 4);
    CU_ASSERT_EQUAL(out.len, 11);
    CU_ASSERT(out.len == 11 && memcmp(out.data, "hello world", 11) == 0);

    /* Every prefix is incomplete, and leaves out alone. */
    for (size_t n = 0; n < strlen(s) - 4; n++) {
        fg_buf_reset(&out);
        CU_ASSERT_EQUAL(fg_rtapi_dechunk(s, n, 100, &out, &used), 0);
        CU_ASSERT_EQUAL(out.len, 0);
    }

    fg_buf_reset(&out);
    CU_ASSERT_EQUAL(fg_rtapi_dechunk(s, strlen(s), 10, &out, &used), -2);
    CU_ASSERT_EQUAL(fg_rtapi_dechunk("zz\r\n", 4, 10, &out, &used), -1);
    CU_ASSERT_EQUAL(fg_rtapi_dechunk("\r\n", 2, 10, &out, &used), -1);
    CU_ASSERT_EQUAL(fg_rtapi_dechunk("2\r\nabX\r\n", 8, 10, &out, &used), -1);
    CU_ASSERT_EQUAL(fg_rtapi_dechunk("fffffffffffffff\r\n", 17, 10, &out,
        &used), -1);
    /* LF-only lines are accepted. */
    fg_buf_reset(&out);
    CU_ASSERT_EQUAL(fg_rtapi_dechunk("1\na\n0\n\n", 7, 10, &out, &used), 1);
    CU_ASSERT_EQUAL(used, 7);
    fg_buf_free(&out);
}


static const cu_test_t  rtapi_tests[] = {
    { "routes, methods, ids, headers", test_routes },
    { "heads: incomplete, malformed, too long", test_heads },
    { "chunked bodies", test_chunked },
    { NULL, NULL }
};

static const cu_suite_t  rtapi_suites[] = {
    { "fg_rtapi", NULL, NULL, rtapi_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(rtapi_suites, CU_BRM_NORMAL);
}
