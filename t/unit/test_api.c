/*
 * CUnit tests of lib/fg_api.c: API names, path templates and their
 * shapes, the traversal checks of call paths, route matching on the
 * module's table text, the call and management paths, API ARNs; and the
 * API keys of lib/fg_keys.c.
 */

#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_api.h"
#include "fg_keys.h"
#include "fg_route.h"


#define S(s)  (s), strlen(s)


static void
test_names(void)
{
    CU_ASSERT(fg_api_name_valid(S("shop")));
    CU_ASSERT(fg_api_name_valid(S("my_api-2")));
    CU_ASSERT(!fg_api_name_valid(S("")));
    CU_ASSERT(!fg_api_name_valid(S("a.b")));
    CU_ASSERT(!fg_api_name_valid(S("a/b")));
    CU_ASSERT(!fg_api_name_valid(
        S("x123456789012345678901234567890123456789012345678901234567890123"
          "45")));
    CU_ASSERT(fg_api_stage_valid(S("prod")));
    CU_ASSERT(!fg_api_stage_valid(S("pr od")));
    CU_ASSERT(fg_api_route_id_valid(S("1")));
    CU_ASSERT(fg_api_route_id_valid(S("42")));
    CU_ASSERT(!fg_api_route_id_valid(S("01")));
    CU_ASSERT(!fg_api_route_id_valid(S("r1")));
    CU_ASSERT(fg_api_method_valid(S("GET"), false));
    CU_ASSERT(fg_api_method_valid(S("OPTIONS"), false));
    CU_ASSERT(!fg_api_method_valid(S("ANY"), false));
    CU_ASSERT(fg_api_method_valid(S("ANY"), true));
    CU_ASSERT(!fg_api_method_valid(S("get"), true));
    CU_ASSERT(!fg_api_method_valid(S("TRACE"), true));

    CU_ASSERT_EQUAL(fg_api_access_from(S("open")), FG_API_ACCESS_OPEN);
    CU_ASSERT_EQUAL(fg_api_access_from(S("granted")), FG_API_ACCESS_GRANTED);
    CU_ASSERT_EQUAL(fg_api_access_from(S("private")), FG_API_ACCESS_PRIVATE);
    CU_ASSERT_EQUAL(fg_api_access_from(S("Open")), FG_API_ACCESS_BAD);
    CU_ASSERT_STRING_EQUAL(fg_api_access_name(FG_API_ACCESS_GRANTED),
                           "granted");
    CU_ASSERT_EQUAL(fg_api_policy_from(S("caller")), FG_API_POLICY_CALLER);
    CU_ASSERT_EQUAL(fg_api_policy_from(S("owner")), FG_API_POLICY_OWNER);
    CU_ASSERT_EQUAL(fg_api_policy_from(S("")), FG_API_POLICY_BAD);
    CU_ASSERT_STRING_EQUAL(fg_api_policy_name(FG_API_POLICY_OWNER), "owner");
}


static void
test_templates(void)
{
    static const struct {
        const char            *t;
        fg_api_template_rc_t   rc;
    } cases[] = {
        { "/", FG_API_TEMPLATE_OK },
        { "/items", FG_API_TEMPLATE_OK },
        { "/items/{id}", FG_API_TEMPLATE_OK },
        { "/items/{id}/parts/{part_no}", FG_API_TEMPLATE_OK },
        { "/a:b@c/~x/it's", FG_API_TEMPLATE_OK },
        { "items", FG_API_TEMPLATE_NOT_ABSOLUTE },
        { "", FG_API_TEMPLATE_NOT_ABSOLUTE },
        { "/items/", FG_API_TEMPLATE_EMPTY_SEGMENT },
        { "/items//x", FG_API_TEMPLATE_EMPTY_SEGMENT },
        { "//", FG_API_TEMPLATE_EMPTY_SEGMENT },
        { "/items/..", FG_API_TEMPLATE_DOT_SEGMENT },
        { "/./items", FG_API_TEMPLATE_DOT_SEGMENT },
        { "/items/...", FG_API_TEMPLATE_OK },
        { "/it ems", FG_API_TEMPLATE_BAD_CHAR },
        { "/it%2e", FG_API_TEMPLATE_BAD_CHAR },
        { "/items?x", FG_API_TEMPLATE_BAD_CHAR },
        { "/items/{}", FG_API_TEMPLATE_BAD_PARAM },
        { "/items/{1d}", FG_API_TEMPLATE_BAD_PARAM },
        { "/items/{i-d}", FG_API_TEMPLATE_BAD_PARAM },
        { "/items/x{id}", FG_API_TEMPLATE_BAD_PARAM },
        { "/items/{id}x", FG_API_TEMPLATE_BAD_PARAM },
        { "/items/{id", FG_API_TEMPLATE_BAD_PARAM },
        { "/items/{a}/{a}", FG_API_TEMPLATE_DUP_PARAM },
    };
    size_t  i;
    char    big[FG_API_TEMPLATE_MAX + 8], shape[64];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fg_api_template_rc_t rc = fg_api_template_check(S(cases[i].t));
        if (rc != cases[i].rc) {
            fprintf(stderr, "template \"%s\": %d, want %d\n", cases[i].t,
                    (int) rc, (int) cases[i].rc);
        }
        CU_ASSERT_EQUAL(rc, cases[i].rc);
    }

    CU_ASSERT_EQUAL(fg_api_template_check(NULL, 0),
                    FG_API_TEMPLATE_NOT_ABSOLUTE);

    memset(big, 'a', sizeof(big));
    big[0] = '/';
    CU_ASSERT_EQUAL(fg_api_template_check(big, FG_API_TEMPLATE_MAX + 1),
                    FG_API_TEMPLATE_TOO_LONG);

    /* 33 segments */
    for (i = 0; i < 33; i++) {
        big[i * 2] = '/';
        big[i * 2 + 1] = 'a';
    }
    CU_ASSERT_EQUAL(fg_api_template_check(big, 66),
                    FG_API_TEMPLATE_TOO_LONG);
    CU_ASSERT_EQUAL(fg_api_template_check(big, 64), FG_API_TEMPLATE_OK);

    CU_ASSERT_EQUAL(fg_api_template_shape(S("/items/{id}/x/{b}"), shape,
                                          sizeof(shape)), 14);
    CU_ASSERT_STRING_EQUAL(shape, "/items/{}/x/{}");
    CU_ASSERT_EQUAL(fg_api_template_shape(S("/"), shape, sizeof(shape)), 1);
    CU_ASSERT_STRING_EQUAL(shape, "/");
    CU_ASSERT_EQUAL(fg_api_template_shape(S("/a//b"), shape, sizeof(shape)),
                    -1);
}


static void
test_paths(void)
{
    CU_ASSERT(fg_api_path_ok(S("")));
    CU_ASSERT(fg_api_path_ok(S("/")));
    CU_ASSERT(fg_api_path_ok(S("/items/42")));
    CU_ASSERT(fg_api_path_ok(S("/items/a%20b")));
    CU_ASSERT(fg_api_path_ok(S("/items/...")));
    CU_ASSERT(fg_api_path_ok(S("/items/.x")));
    CU_ASSERT(!fg_api_path_ok(S("/items/..")));
    CU_ASSERT(!fg_api_path_ok(S("/../etc")));
    CU_ASSERT(!fg_api_path_ok(S("/items/.")));
    CU_ASSERT(!fg_api_path_ok(S("/items/%2e%2e")));
    CU_ASSERT(!fg_api_path_ok(S("/items/%2E%2e/x")));
    CU_ASSERT(!fg_api_path_ok(S("/items/.%2E")));
    CU_ASSERT(!fg_api_path_ok(S("/items/%2e")));
    CU_ASSERT(!fg_api_path_ok(S("//items")));
    CU_ASSERT(!fg_api_path_ok(S("/items//x")));
    CU_ASSERT(!fg_api_path_ok(S("/items/")));
    CU_ASSERT(!fg_api_path_ok(S("/items/%00")));
    CU_ASSERT(!fg_api_path_ok(S("/items/%zz")));
    CU_ASSERT(!fg_api_path_ok(S("/items/%4")));
    CU_ASSERT(!fg_api_path_ok(S("items")));
}


static void
test_template_match(void)
{
    unsigned long  lit;
    fg_api_span_t  p[8];
    size_t         n;

    CU_ASSERT_EQUAL(fg_api_template_match(S("/items/{id}"), S("/items/42"),
                                          &lit, p, 4, &n), 1);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(p[0].len, 2);
    CU_ASSERT_NSTRING_EQUAL(p[0].data, "id", 2);
    CU_ASSERT_EQUAL(p[1].len, 2);
    CU_ASSERT_NSTRING_EQUAL(p[1].data, "42", 2);
    CU_ASSERT_EQUAL(lit, 1UL << 31);

    CU_ASSERT_EQUAL(fg_api_template_match(S("/items/{id}"), S("/items"),
                                          &lit, NULL, 0, NULL), 0);
    CU_ASSERT_EQUAL(fg_api_template_match(S("/items/{id}"),
                                          S("/items/42/x"), &lit, NULL, 0,
                                          NULL), 0);
    CU_ASSERT_EQUAL(fg_api_template_match(S("/items"), S("/Items"), &lit,
                                          NULL, 0, NULL), 0);
    /* literals compare decoded */
    CU_ASSERT_EQUAL(fg_api_template_match(S("/a:b"), S("/a%3Ab"), &lit,
                                          NULL, 0, NULL), 1);
    CU_ASSERT_EQUAL(fg_api_template_match(S("/"), S(""), &lit, NULL, 0,
                                          NULL), 1);
    CU_ASSERT_EQUAL(fg_api_template_match(S("/"), S("/"), &lit, NULL, 0,
                                          NULL), 1);
    CU_ASSERT_EQUAL(fg_api_template_match(S("/"), S("/x"), &lit, NULL, 0,
                                          NULL), 0);
    CU_ASSERT_EQUAL(fg_api_template_match(S("/x"), S("/"), &lit, NULL, 0,
                                          NULL), 0);
    /* values stay encoded */
    CU_ASSERT_EQUAL(fg_api_template_match(S("/{a}/{b}"), S("/x%2Fy/z"),
                                          &lit, p, 4, &n), 1);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(p[1].len, 5);
    CU_ASSERT_NSTRING_EQUAL(p[3].data, "z", 1);
    CU_ASSERT_EQUAL(lit, 0);
}


static const char  table[] =
    "prod granted caller\n"
    "1 GET /items getitems\n"
    "2 GET /items/{id} getitem:live\n"
    "3 GET /items/new newform:2\n"
    "4 ANY /items/{id} anyitem\n"
    "5 POST /orders makeorder\n"
    "6 ANY /ping ping\n"
    "7 GET /ping getping\n";


static fg_api_match_rc_t
match(const char *method, const char *path, fg_api_hit_t *hit)
{
    return fg_api_table_match(table, sizeof(table) - 1, S(method), S(path),
                              hit);
}


static void
test_table(void)
{
    fg_api_hit_t     h;
    fg_api_span_t    stage;
    fg_api_access_t  a;
    fg_api_policy_t  p;

    CU_ASSERT_EQUAL(fg_api_table_header(table, sizeof(table) - 1, &stage,
                                        &a, &p), 0);
    CU_ASSERT_NSTRING_EQUAL(stage.data, "prod", 4);
    CU_ASSERT_EQUAL(stage.len, 4);
    CU_ASSERT_EQUAL(a, FG_API_ACCESS_GRANTED);
    CU_ASSERT_EQUAL(p, FG_API_POLICY_CALLER);
    CU_ASSERT_EQUAL(fg_api_table_header(S("prod secret caller\n"), &stage,
                                        &a, &p), -1);
    CU_ASSERT_EQUAL(fg_api_table_header(S(""), &stage, &a, &p), -1);

    CU_ASSERT_EQUAL(match("GET", "/items", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "1", h.id.len);
    CU_ASSERT_NSTRING_EQUAL(h.function.data, "getitems", 8);
    CU_ASSERT_EQUAL(h.qualifier.len, 0);

    /* the exact method wins over ANY */
    CU_ASSERT_EQUAL(match("GET", "/items/42", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "2", 1);
    CU_ASSERT_EQUAL(h.resource.len, strlen("/items/{id}"));
    CU_ASSERT_NSTRING_EQUAL(h.qualifier.data, "live", 4);
    CU_ASSERT_EQUAL(h.function.len, 7);

    CU_ASSERT_EQUAL(match("DELETE", "/items/42", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "4", 1);

    /* a literal segment wins over a parameter */
    CU_ASSERT_EQUAL(match("GET", "/items/new", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "3", 1);
    CU_ASSERT_NSTRING_EQUAL(h.qualifier.data, "2", 1);
    CU_ASSERT_EQUAL(match("PUT", "/items/new", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "4", 1);

    CU_ASSERT_EQUAL(match("GET", "/ping", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "7", 1);
    CU_ASSERT_EQUAL(match("HEAD", "/ping", &h), FG_API_MATCH_OK);
    CU_ASSERT_NSTRING_EQUAL(h.id.data, "6", 1);

    CU_ASSERT_EQUAL(match("GET", "/orders", &h), FG_API_MATCH_BAD_METHOD);
    CU_ASSERT_EQUAL(match("POST", "/items", &h), FG_API_MATCH_BAD_METHOD);
    CU_ASSERT_EQUAL(match("GET", "/nothing", &h), FG_API_MATCH_NOT_FOUND);
    CU_ASSERT_EQUAL(match("GET", "/", &h), FG_API_MATCH_NOT_FOUND);
    CU_ASSERT_EQUAL(match("GET", "/items/42/x", &h), FG_API_MATCH_NOT_FOUND);

    CU_ASSERT_EQUAL(fg_api_table_match(S("prod open owner\n1 GET bad f\n"),
                                       S("GET"), S("/x"), &h),
                    FG_API_MATCH_BAD_TABLE);
    CU_ASSERT_EQUAL(fg_api_table_match(S("prod open owner\nx GET /x f\n"),
                                       S("GET"), S("/x"), &h),
                    FG_API_MATCH_BAD_TABLE);
    CU_ASSERT_EQUAL(fg_api_table_match(S("prod open owner\n"), S("GET"),
                                       S("/x"), &h), FG_API_MATCH_NOT_FOUND);

    CU_ASSERT_EQUAL(fg_api_route_value_parse(S("GET /x fn:$LATEST"), &h), 0);
    CU_ASSERT_EQUAL(h.qualifier.len, 7);
    CU_ASSERT_EQUAL(fg_api_route_value_parse(S("GET /x fn:"), &h), -1);
    CU_ASSERT_EQUAL(fg_api_route_value_parse(S("GET /x f n"), &h), -1);
    CU_ASSERT_EQUAL(fg_api_route_value_parse(S("GET /x"), &h), -1);
    CU_ASSERT_EQUAL(fg_api_route_value_parse(S("FOO /x f"), &h), -1);
}


static fg_route_rc_t
route(const char *method, const char *path, fg_route_t *r)
{
    return fg_route_parse(S(method), S(path), "", 0, r);
}


static void
test_call_paths(void)
{
    fg_route_t  r;

    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/prod/items/42",
                          &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_INVOKE_API);
    CU_ASSERT_STRING_EQUAL(r.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(r.api, "shop");
    CU_ASSERT_STRING_EQUAL(r.stage, "prod");
    CU_ASSERT_STRING_EQUAL(r.function, "");

    CU_ASSERT_EQUAL(route("DELETE", "/apis/123456789012/shop/prod", &r),
                    FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_INVOKE_API);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/prod/", &r),
                    FG_ROUTE_OK);           /* the path "/" */
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/prod/items/", &r),
                    FG_ROUTE_BAD_PATH);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_INVOKE_API);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/prod/a/../b", &r),
                    FG_ROUTE_BAD_PATH);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/prod/%2e%2e/b",
                          &r), FG_ROUTE_BAD_PATH);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/prod//b", &r),
                    FG_ROUTE_BAD_PATH);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop", &r),
                    FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(route("GET", "/apis/12345678901/shop/prod/x", &r),
                    FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/sh.op/prod/x", &r),
                    FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(route("GET", "/apis/123456789012/shop/%2e%2e/x", &r),
                    FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(route("GET", "/apisx/123456789012/shop/prod", &r),
                    FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_NONE);
}


static void
test_management_paths(void)
{
    static const struct {
        const char     *method;
        const char     *path;
        fg_route_rc_t   rc;
        fg_action_t     action;
        const char     *api;
    } cases[] = {
        { "POST", "/2015-03-31/apis", FG_ROUTE_OK, FG_ACTION_CREATE_API, "" },
        { "GET", "/2015-03-31/apis/", FG_ROUTE_OK, FG_ACTION_LIST_APIS, "" },
        { "PUT", "/2015-03-31/apis", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/apis/shop", FG_ROUTE_OK, FG_ACTION_GET_API,
          "shop" },
        { "PUT", "/2015-03-31/apis/shop", FG_ROUTE_OK, FG_ACTION_UPDATE_API,
          "shop" },
        { "DELETE", "/2015-03-31/apis/shop", FG_ROUTE_OK,
          FG_ACTION_DELETE_API, "shop" },
        { "POST", "/2015-03-31/apis/shop", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "POST", "/2015-03-31/apis/shop/routes", FG_ROUTE_OK,
          FG_ACTION_CREATE_ROUTE, "shop" },
        { "GET", "/2015-03-31/apis/shop/routes/", FG_ROUTE_OK,
          FG_ACTION_LIST_ROUTES, "shop" },
        { "GET", "/2015-03-31/apis/shop/routes/3", FG_ROUTE_OK,
          FG_ACTION_GET_ROUTE, "shop" },
        { "PUT", "/2015-03-31/apis/shop/routes/3", FG_ROUTE_OK,
          FG_ACTION_UPDATE_ROUTE, "shop" },
        { "DELETE", "/2015-03-31/apis/shop/routes/3", FG_ROUTE_OK,
          FG_ACTION_DELETE_ROUTE, "shop" },
        { "DELETE", "/2015-03-31/apis/shop/routes/x3", FG_ROUTE_BAD_API,
          FG_ACTION_DELETE_ROUTE, "" },
        { "GET", "/2015-03-31/apis/shop/subscriptions", FG_ROUTE_OK,
          FG_ACTION_LIST_API_SUBSCRIPTIONS, "shop" },
        { "PUT", "/2015-03-31/apis/shop/subscriptions/123456789012",
          FG_ROUTE_OK, FG_ACTION_UPDATE_SUBSCRIPTION, "shop" },
        { "PUT", "/2015-03-31/apis/shop/subscriptions/1234", FG_ROUTE_BAD_API,
          FG_ACTION_UPDATE_SUBSCRIPTION, "" },
        { "GET", "/2015-03-31/apis/shop/subscriptions/123456789012",
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "POST", "/2015-03-31/subscriptions", FG_ROUTE_OK,
          FG_ACTION_CREATE_SUBSCRIPTION, "" },
        { "GET", "/2015-03-31/subscriptions/", FG_ROUTE_OK,
          FG_ACTION_LIST_SUBSCRIPTIONS, "" },
        { "GET", "/2015-03-31/apis/sh%20op", FG_ROUTE_BAD_API,
          FG_ACTION_GET_API, "" },
        { "GET", "/2015-03-31/apis/shop/other", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/apis/shop/routes/3/x", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/subscriptions/x", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/usage", FG_ROUTE_OK, FG_ACTION_GET_USAGE, "" },
        { "GET", "/2015-03-31/usage/", FG_ROUTE_OK, FG_ACTION_GET_USAGE, "" },
        { "POST", "/2015-03-31/usage", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/usage/x", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/apis/shop/usage", FG_ROUTE_OK,
          FG_ACTION_GET_API_USAGE, "shop" },
        { "DELETE", "/2015-03-31/apis/shop/usage", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/apis/shop/usage/1", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/apis/s%op/usage", FG_ROUTE_BAD_API,
          FG_ACTION_GET_API_USAGE, "" },
    };
    size_t      i;
    fg_route_t  r;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fg_route_rc_t rc = route(cases[i].method, cases[i].path, &r);
        if (rc != cases[i].rc || r.action != cases[i].action) {
            fprintf(stderr, "%s %s: rc %d action %d\n", cases[i].method,
                    cases[i].path, (int) rc, (int) r.action);
        }
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        CU_ASSERT_EQUAL(r.action, cases[i].action);
        CU_ASSERT_STRING_EQUAL(r.api, cases[i].api);
    }

    CU_ASSERT_EQUAL(route("PUT", "/2015-03-31/apis/shop/routes/12", &r),
                    FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.route_id, "12");
    CU_ASSERT_EQUAL(route("PUT",
                          "/2015-03-31/apis/shop/subscriptions/123456789012",
                          &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.subscriber, "123456789012");

    /* the function paths are unchanged */
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f", &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_FUNCTION);

    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_INVOKE_API), "InvokeApi");
    CU_ASSERT_EQUAL(fg_action_from_name("UpdateSubscription"),
                    FG_ACTION_UPDATE_SUBSCRIPTION);
    CU_ASSERT_EQUAL(fg_action_from_name("CreateApi"), FG_ACTION_CREATE_API);
    CU_ASSERT_EQUAL(fg_action_from_name("GetUsage"), FG_ACTION_GET_USAGE);
    CU_ASSERT_EQUAL(fg_action_from_name("GetApiUsage"),
                    FG_ACTION_GET_API_USAGE);
    CU_ASSERT_EQUAL(fg_action_from_name("GetPolicy"), FG_ACTION_GET_POLICY);
}


static void
test_arns_and_keys(void)
{
    char  region[32], owner[FG_ACCOUNT_LEN + 1], name[FG_API_NAME_MAX + 1];
    char  buf[FG_KEY_MAX];

    CU_ASSERT_EQUAL(fg_api_arn_parse(
        S("arn:aws:lambda:us-east-1:123456789012:api:shop"), region,
        sizeof(region), owner, name), 0);
    CU_ASSERT_STRING_EQUAL(region, "us-east-1");
    CU_ASSERT_STRING_EQUAL(owner, "123456789012");
    CU_ASSERT_STRING_EQUAL(name, "shop");
    CU_ASSERT_EQUAL(fg_api_arn_parse(
        S("arn:aws:lambda:us-east-1:123456789012:function:shop"), region,
        sizeof(region), owner, name), -1);
    CU_ASSERT_EQUAL(fg_api_arn_parse(
        S("arn:aws:lambda:us-east-1:12345678901:api:shop"), region,
        sizeof(region), owner, name), -1);
    CU_ASSERT_EQUAL(fg_api_arn_parse(
        S("arn:aws:lambda:us-east-1:123456789012:api:"), region,
        sizeof(region), owner, name), -1);
    CU_ASSERT_EQUAL(fg_api_arn_parse(
        S("arn:aws:lambda:us-east-1:123456789012:api:sh/op"), region,
        sizeof(region), owner, name), -1);
    CU_ASSERT_EQUAL(fg_api_arn_parse(S("arn:aws:lambda:"), region,
                                     sizeof(region), owner, name), -1);

    CU_ASSERT_EQUAL(fg_api_arn(buf, sizeof(buf), "eu-west-1", "123456789012",
                               "shop"),
                    (int) strlen("arn:aws:lambda:eu-west-1:123456789012:api:"
                                 "shop"));
    CU_ASSERT_STRING_EQUAL(buf, "arn:aws:lambda:eu-west-1:123456789012:api:"
                                "shop");

    fg_key_apis(buf, sizeof(buf), "123456789012");
    CU_ASSERT_STRING_EQUAL(buf, "fg:apis:{123456789012}");
    fg_key_api(buf, sizeof(buf), "123456789012", "shop");
    CU_ASSERT_STRING_EQUAL(buf, "fg:api:{123456789012}:shop");
    fg_key_api_subs(buf, sizeof(buf), "123456789012", "shop");
    CU_ASSERT_STRING_EQUAL(buf, "fg:subs:{123456789012}:shop");
    fg_key_subscribed(buf, sizeof(buf), "210987654321");
    CU_ASSERT_STRING_EQUAL(buf, "fg:subscribed:{210987654321}");
    fg_key_route_field(buf, sizeof(buf), "7");
    CU_ASSERT_STRING_EQUAL(buf, "r:7");
    fg_key_subscribed_member(buf, sizeof(buf), "123456789012", "shop");
    CU_ASSERT_STRING_EQUAL(buf, "123456789012:shop");
    CU_ASSERT(fg_key_api(buf, sizeof(buf), NULL, "shop") < 0
              || buf[0] == '\0');
}


static const cu_test_t  api_tests[] = {
    { "names", test_names },
    { "path templates", test_templates },
    { "call path checks", test_paths },
    { "template matching", test_template_match },
    { "route tables", test_table },
    { "call paths", test_call_paths },
    { "management paths", test_management_paths },
    { "ARNs and keys", test_arns_and_keys },
    { NULL, NULL }
};

static const cu_suite_t  api_suites[] = {
    { "fg_api", NULL, NULL, api_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(api_suites, CU_BRM_VERBOSE);
}
