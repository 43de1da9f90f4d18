/*
 * CUnit tests of fngated/fngated_http_apis_json.c: the management bodies
 * of APIs, routes and subscriptions, their stored forms, the proxy event
 * and the mapping of a proxy response.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fngated_http_apis_json.h"


#define S(s)  (s), strlen(s)


static void
test_api_bodies(void)
{
    fgd_api_req_t  q;
    fgd_resp_t     r;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Name\":\"shop\"}"), true, &q, &r), 0);
    CU_ASSERT_STRING_EQUAL(q.a.name, "shop");
    CU_ASSERT_STRING_EQUAL(q.a.stage, "prod");
    CU_ASSERT_STRING_EQUAL(q.a.access, "private");
    CU_ASSERT_STRING_EQUAL(q.a.policy, "caller");

    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Name\":\"s\",\"Access\":\"open\","
        "\"Policy\":\"owner\",\"Stage\":\"v1\"}"), true, &q, &r), 0);
    CU_ASSERT(q.has_access && q.has_policy && q.has_stage);
    CU_ASSERT_STRING_EQUAL(q.a.policy, "owner");

    CU_ASSERT_EQUAL(fgd_api_parse(S("{}"), true, &q, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Name\":\"a b\"}"), true, &q, &r), -1);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Name\":1}"), true, &q, &r), -1);
    CU_ASSERT_STRING_EQUAL(r.error_type, "InvalidRequestContentException");
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Access\":\"public\"}"), false, &q,
                                  &r), -1);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Name\":\"x\"}"), false, &q, &r), -1);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_parse(S("{\"Access\":\"open\"}"), false, &q, &r),
                    0);
    CU_ASSERT(q.has_access && !q.has_policy);
    CU_ASSERT_EQUAL(fgd_api_parse(S("[1,2]"), true, &q, &r), -1);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_parse(S(""), true, &q, &r), -1);
    fgd_resp_free(&r);
}


static void
test_route_bodies(void)
{
    fgd_api_route_req_t  q;
    fgd_api_route_t      rt, back;
    fgd_resp_t           r;
    char                 v[2048];

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgd_api_route_parse_body(S("{\"Method\":\"GET\","
        "\"Path\":\"/items/{id}\",\"FunctionName\":\"get\","
        "\"Qualifier\":\"live\"}"), true, &q, &r), 0);
    CU_ASSERT_EQUAL(fgd_api_route_value(&q.rt, v, sizeof(v)),
                    (int) strlen("GET /items/{id} get:live"));
    CU_ASSERT_STRING_EQUAL(v, "GET /items/{id} get:live");
    CU_ASSERT_EQUAL(fgd_api_route_from_value(&back, S(v)), 0);
    CU_ASSERT_STRING_EQUAL(back.path, "/items/{id}");
    CU_ASSERT_STRING_EQUAL(back.qualifier, "live");

    CU_ASSERT_EQUAL(fgd_api_route_parse_body(S("{\"Method\":\"GET\","
        "\"Path\":\"/a/../b\",\"FunctionName\":\"get\"}"), true, &q, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_route_parse_body(S("{\"Method\":\"GET\","
        "\"Path\":\"/a\"}"), true, &q, &r), -1);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_route_parse_body(S("{\"Method\":\"get\","
        "\"Path\":\"/a\",\"FunctionName\":\"f\"}"), true, &q, &r), -1);
    fgd_resp_free(&r);

    /* an update merges the fields given */
    CU_ASSERT_EQUAL(fgd_api_route_parse_body(S("{\"Path\":\"/b\"}"), false,
                                             &q, &r), 0);
    rt = back;
    fgd_api_route_merge(&rt, &q);
    CU_ASSERT_STRING_EQUAL(rt.path, "/b");
    CU_ASSERT_STRING_EQUAL(rt.method, "GET");
    CU_ASSERT_STRING_EQUAL(rt.function, "get");

    CU_ASSERT_EQUAL(fgd_api_route_from_value(&back, S("GET /x")), -1);
}


static void
test_subscriptions(void)
{
    fgd_api_sub_t  s;
    char           v[128], out[64];
    fgd_resp_t     r;

    memset(&s, 0, sizeof(s));
    memset(&r, 0, sizeof(r));
    strcpy(s.status, "approved");
    strcpy(s.created, "2026-01-01T00:00:00.000+0000");
    strcpy(s.modified, "2026-01-02T00:00:00.000+0000");
    CU_ASSERT(fgd_api_sub_value(&s, v, sizeof(v)) > 0);
    CU_ASSERT_STRING_EQUAL(v, "approved 2026-01-01T00:00:00.000+0000 "
                              "2026-01-02T00:00:00.000+0000");
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(fgd_api_sub_from_value(&s, S(v)), 0);
    CU_ASSERT_STRING_EQUAL(s.status, "approved");
    CU_ASSERT_STRING_EQUAL(s.modified, "2026-01-02T00:00:00.000+0000");
    CU_ASSERT_EQUAL(fgd_api_sub_from_value(&s, S("approved")), -1);
    CU_ASSERT_EQUAL(fgd_api_sub_from_value(&s, S("approvedandmore x y")),
                    -1);

    CU_ASSERT_EQUAL(fgd_api_body_string(S("{\"Status\":\"revoked\"}"),
                                        "Status", out, sizeof(out), &r), 0);
    CU_ASSERT_STRING_EQUAL(out, "revoked");
    CU_ASSERT_EQUAL(fgd_api_body_string(S("{\"x\":\"\\\"Status\\\"\"}"),
                                        "Status", out, sizeof(out), &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgd_api_body_string(S("{\"Status\":7}"), "Status", out,
                                        sizeof(out), &r), -1);
    fgd_resp_free(&r);
}


static void
test_utf8(void)
{
    CU_ASSERT(fgd_utf8_valid(S("plain")));
    CU_ASSERT(fgd_utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
    CU_ASSERT(!fgd_utf8_valid(S("\xff\xfe")));
    CU_ASSERT(!fgd_utf8_valid(S("\xc3")));
    CU_ASSERT(!fgd_utf8_valid(S("\xc0\xaf")));          /* overlong */
    CU_ASSERT(!fgd_utf8_valid(S("\xed\xa0\x80")));      /* surrogate */
    CU_ASSERT(!fgd_utf8_valid("a\0b", 3));
}


static fgd_api_call_t
call_of(const char *resource, const char *path, const char *query,
    const char *body, size_t body_len)
{
    fgd_api_call_t  c;

    memset(&c, 0, sizeof(c));
    c.method = "GET";
    c.owner = "111111111111";
    c.caller = "222222222222";
    c.api = "shop";
    c.stage = "prod";
    c.route_id = "2";
    c.resource = resource;
    c.path = path;
    c.query = query;
    c.headers = "{\"Host\":\"localhost\",\"X-A\":\"1\"}";
    c.request_id = "rid";
    c.body = body;
    c.body_len = body_len;
    return c;
}


static void
test_event(void)
{
    fgd_api_call_t  c;
    fgd_resp_t      r;
    char           *out = NULL;
    size_t          len;

    memset(&r, 0, sizeof(r));

    c = call_of("/items/{id}", "/items/a%20b", "x=1&y=%2F&x=2", "", 0);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), 0);
    CU_ASSERT_STRING_EQUAL(out,
        "{\"resource\":\"/items/{id}\",\"path\":\"/items/a b\","
        "\"httpMethod\":\"GET\",\"headers\":{\"Host\":\"localhost\","
        "\"X-A\":\"1\"},\"queryStringParameters\":{\"y\":\"/\",\"x\":\"2\"},"
        "\"pathParameters\":{\"id\":\"a b\"},\"stageVariables\":null,"
        "\"requestContext\":{\"accountId\":\"111111111111\","
        "\"apiId\":\"shop\",\"stage\":\"prod\",\"resourceId\":\"2\","
        "\"resourcePath\":\"/items/{id}\",\"httpMethod\":\"GET\","
        "\"requestId\":\"rid\",\"identity\":{\"accountId\":"
        "\"222222222222\"}},\"body\":null,\"isBase64Encoded\":false}");
    free(out);
    out = NULL;

    c = call_of("/", "", "", "\xff\x00\x01", 3);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"path\":\"/\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"queryStringParameters\":null"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"pathParameters\":null"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"body\":\"/wAB\","
                                       "\"isBase64Encoded\":true}"));
    free(out);
    out = NULL;

    c = call_of("/a", "/a", "", "", 0);
    c.headers = "{\"X-A\":\"1\",\"Host\":\"h\",\"x-a\":\"2\"}";
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"headers\":{\"Host\":\"h\","
                                       "\"x-a\":\"2\"}"));
    free(out);
    out = NULL;

    c = call_of("/a", "/a", "", "{\"k\":1}", 7);
    c.headers = "not json";
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"headers\":{}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"body\":\"{\\\"k\\\":1}\","
                                       "\"isBase64Encoded\":false}"));
    free(out);
    out = NULL;

    /* the path must match the route and decode */
    c = call_of("/a", "/b", "", "", 0);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    c = call_of("/{a}", "/%2e%2e", "", "", 0);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), -1);
    fgd_resp_free(&r);
    c = call_of("/a", "/a", "x=%zz", "", 0);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    fgd_resp_free(&r);
    CU_ASSERT_PTR_NULL(out);
}


/*
 * fuzz_proxy_event's finding: a query parameter whose name decodes to
 * bytes that are not UTF-8 made the event '{..."queryStringParameters":
 * {""},...}' (yajl_gen refused the null key and took the value for it),
 * which no runtime parses.  Such a name is now a 400, as a bad escape; a
 * value that is not UTF-8 stays null.
 */
static void
test_event_query_utf8(void)
{
    fgd_api_call_t  c;
    fgd_resp_t      r;
    char           *out = NULL;
    size_t          len;

    memset(&r, 0, sizeof(r));
    c = call_of("/a", "/a", "%ff=1", "", 0);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_PTR_NULL(out);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));

    c = call_of("/a", "/a", "ok=1&%c3%28", "", 0);
    CU_ASSERT_EQUAL(fgd_api_event(&c, &out, &len, &r), -1);
    fgd_resp_free(&r);
    memset(&r, 0, sizeof(r));

    c = call_of("/a", "/a", "k=%ff&j=2", "", 0);
    CU_ASSERT_EQUAL_FATAL(fgd_api_event(&c, &out, &len, &r), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"queryStringParameters\":"
                                       "{\"k\":null,\"j\":\"2\"}"));
    free(out);
}

/* r with body s and one counter header, as fgd_invoke leaves it */
static void
invoked(fgd_resp_t *r, const char *s)
{
    memset(r, 0, sizeof(*r));
    r->status = 200;
    r->body = strdup(s);
    r->body_len = strlen(s);
    r->headers = strdup("X-Fngate-Vm: vm-1\r\n");
}


static void
test_response(void)
{
    fgd_resp_t  r;

    invoked(&r, "{\"statusCode\":201,\"headers\":{\"Content-Type\":"
                "\"text/plain\",\"X-N\":5,\"X-B\":true,\"Status\":\"500\","
                "\"X-Fngate-Vm\":\"other\",\"content-length\":\"9\"},"
                "\"body\":\"made\"}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), 0);
    CU_ASSERT_EQUAL(r.status, 201);
    CU_ASSERT_STRING_EQUAL(r.content_type, "text/plain");
    CU_ASSERT_STRING_EQUAL(r.headers, "X-Fngate-Vm: vm-1\r\nX-N: 5\r\n"
                                      "X-B: true\r\n");
    CU_ASSERT_EQUAL(r.body_len, 4);
    CU_ASSERT_NSTRING_EQUAL(r.body, "made", 4);
    fgd_resp_free(&r);

    invoked(&r, "{\"statusCode\":200,\"body\":\"AAEC/w==\","
                "\"isBase64Encoded\":true}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), 0);
    CU_ASSERT_EQUAL(r.body_len, 4);
    CU_ASSERT_EQUAL(memcmp(r.body, "\x00\x01\x02\xff", 4), 0);
    CU_ASSERT_PTR_NULL(r.content_type);
    fgd_resp_free(&r);

    invoked(&r, "{\"statusCode\":204}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), 0);
    CU_ASSERT_EQUAL(r.status, 204);
    CU_ASSERT_EQUAL(r.body_len, 0);
    fgd_resp_free(&r);

    /* any other output: 200, as it is */
    invoked(&r, "{\"answer\":42}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"answer\":42}");
    fgd_resp_free(&r);
    invoked(&r, "\"just a string\"");
    CU_ASSERT_EQUAL(fgd_api_response(&r), 0);
    CU_ASSERT_STRING_EQUAL(r.body, "\"just a string\"");
    fgd_resp_free(&r);
    invoked(&r, "not json at all");
    CU_ASSERT_EQUAL(fgd_api_response(&r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    fgd_resp_free(&r);

    /* invalid proxy responses: 502, the counters kept */
    invoked(&r, "{\"statusCode\":700}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    CU_ASSERT_EQUAL(r.status, 502);
    CU_ASSERT_STRING_EQUAL(r.error_type, "ServiceException");
    CU_ASSERT_STRING_EQUAL(r.message, "The function's response is not a "
                           "valid proxy response: statusCode 700 is out of "
                           "range");
    CU_ASSERT_STRING_EQUAL(r.headers, "X-Fngate-Vm: vm-1\r\n");
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":\"200\"}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    CU_ASSERT_EQUAL(r.status, 502);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":99}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":200.5}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":200,\"headers\":{\"X-A\":\"a\\r\\nB: c\"}}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":200,\"headers\":{\"X A\":\"a\"}}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":200,\"headers\":[1]}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":200,\"body\":{\"x\":1}}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
    invoked(&r, "{\"statusCode\":200,\"body\":\"!!\","
                "\"isBase64Encoded\":true}");
    CU_ASSERT_EQUAL(fgd_api_response(&r), -1);
    fgd_resp_free(&r);
}


static const cu_test_t  apis_tests[] = {
    { "API bodies", test_api_bodies },
    { "route bodies and values", test_route_bodies },
    { "subscriptions", test_subscriptions },
    { "UTF-8", test_utf8 },
    { "proxy events", test_event },
    { "proxy events: query names that are not UTF-8",
      test_event_query_utf8 },
    { "proxy responses", test_response },
    { NULL, NULL }
};

static const cu_suite_t  apis_suites[] = {
    { "fngated_http_apis_json", NULL, NULL, apis_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(apis_suites, CU_BRM_VERBOSE);
}
