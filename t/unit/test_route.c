/*
 * CUnit tests of lib/fg_route.c: Lambda paths and methods, function names,
 * ARNs, qualifiers, percent-decoding.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_route.h"
#include "fg_util.h"


static fg_route_rc_t
route(const char *method, const char *path, const char *query, fg_route_t *r)
{
    return fg_route_parse(method, strlen(method), path, strlen(path),
                          query, query ? strlen(query) : 0, r);
}


static void
test_paths_and_methods(void)
{
    static const struct {
        const char     *method;
        const char     *path;
        fg_route_rc_t   rc;
        fg_action_t     action;
        const char     *function;
    } cases[] = {
        { "POST", "/2015-03-31/functions", FG_ROUTE_OK,
          FG_ACTION_CREATE_FUNCTION, "" },
        { "POST", "/2015-03-31/functions/", FG_ROUTE_OK,
          FG_ACTION_CREATE_FUNCTION, "" },
        { "GET", "/2015-03-31/functions/", FG_ROUTE_OK,
          FG_ACTION_LIST_FUNCTIONS, "" },
        { "GET", "/2015-03-31/functions", FG_ROUTE_OK,
          FG_ACTION_LIST_FUNCTIONS, "" },
        { "GET", "/2015-03-31/functions/my-function", FG_ROUTE_OK,
          FG_ACTION_GET_FUNCTION, "my-function" },
        { "DELETE", "/2015-03-31/functions/my_function", FG_ROUTE_OK,
          FG_ACTION_DELETE_FUNCTION, "my_function" },
        { "POST", "/2015-03-31/functions/F1/invocations", FG_ROUTE_OK,
          FG_ACTION_INVOKE, "F1" },
        { "POST", "/2015-03-31/functions/f/versions", FG_ROUTE_OK,
          FG_ACTION_PUBLISH_VERSION, "f" },
        { "GET", "/2015-03-31/functions/f/versions", FG_ROUTE_OK,
          FG_ACTION_LIST_VERSIONS, "f" },
        { "GET", "/2015-03-31/functions/f/configuration", FG_ROUTE_OK,
          FG_ACTION_GET_FUNCTION_CONFIGURATION, "f" },
        { "PUT", "/2015-03-31/functions/f/configuration", FG_ROUTE_OK,
          FG_ACTION_UPDATE_FUNCTION_CONFIGURATION, "f" },
        { "PUT", "/2015-03-31/functions/f/code", FG_ROUTE_OK,
          FG_ACTION_UPDATE_FUNCTION_CODE, "f" },
        { "POST", "/2015-03-31/functions/f/aliases", FG_ROUTE_OK,
          FG_ACTION_CREATE_ALIAS, "f" },
        { "GET", "/2015-03-31/functions/f/aliases", FG_ROUTE_OK,
          FG_ACTION_LIST_ALIASES, "f" },
        { "GET", "/2015-03-31/functions/f/execution-bounds", FG_ROUTE_OK,
          FG_ACTION_GET_EXECUTION_BOUNDS, "f" },
        { "PUT", "/2015-03-31/functions/f/execution-bounds", FG_ROUTE_OK,
          FG_ACTION_PUT_EXECUTION_BOUNDS, "f" },
        { "DELETE", "/2015-03-31/functions/f/execution-bounds", FG_ROUTE_OK,
          FG_ACTION_DELETE_EXECUTION_BOUNDS, "f" },
        { "POST", "/2015-03-31/functions/f/execution-bounds",
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "POST", "/2015-03-31/functions/f/aliases/a/overrides",
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/functions/f/overrides",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/execution-bounds/x",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/aliases/a/overrides/x",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/aliases/a/overrides/",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/aliases/a/Overrides",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },

        { "DELETE", "/2015-03-31/functions/f/versions", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "POST", "/2015-03-31/functions/f/configuration",
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/functions/f/code", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "PUT", "/2015-03-31/functions/f/aliases", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "POST", "/2015-03-31/functions/f/aliases/live",
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },

        { "PUT", "/2015-03-31/functions", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "DELETE", "/2015-03-31/functions/", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "POST", "/2015-03-31/functions/f", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "PUT", "/2015-03-31/functions/f", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/functions/f/invocations", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "post", "/2015-03-31/functions/f/invocations", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },

        /* the queue service: "/" and "/ACCOUNT/QUEUE" */
        { "GET", "/", FG_ROUTE_OK, FG_ACTION_SQS, "" },
        { "POST", "/", FG_ROUTE_OK, FG_ACTION_SQS, "" },
        { "POST", "/123456789012/q-1_x.fifo", FG_ROUTE_OK, FG_ACTION_SQS,
          "" },
        { "DELETE", "/", FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED,
          "" },
        { "POST", "/123456789012/q.x", FG_ROUTE_NOT_FOUND, FG_ACTION_NONE,
          "" },
        { "POST", "/12345678901/q", FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "", FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31", FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functionsX", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2016-03-31/functions/", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions//", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/concurrency",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/aliases/",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/aliases/a/b",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/versions/1",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "POST", "/2015-03-31/functions/f/invocations/",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "POST", "/2015-03-31/functions/f/x/invocations",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "POST", "/2015-03-31/functions/f/Invocations",
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
    };
    fg_route_t  r;
    size_t      i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&r, 0x55, sizeof(r));
        CU_ASSERT_EQUAL(route(cases[i].method, cases[i].path, NULL, &r),
                        cases[i].rc);
        CU_ASSERT_EQUAL(r.action, cases[i].action);
        CU_ASSERT_STRING_EQUAL(r.function, cases[i].function);
        CU_ASSERT_STRING_EQUAL(r.account, "");
        CU_ASSERT_STRING_EQUAL(r.region, "");
        CU_ASSERT_STRING_EQUAL(r.qualifier, "");
        if (route(cases[i].method, cases[i].path, NULL, &r) != cases[i].rc) {
            fprintf(stderr, "\ncase %zu: %s %s\n", i, cases[i].method,
                    cases[i].path);
        }
    }
}


static void
test_names(void)
{
    static const struct {
        const char     *name;       /* the path segment, as sent */
        fg_route_rc_t   rc;
        const char     *function;
        const char     *account;
        const char     *region;
        const char     *qualifier;
    } cases[] = {
        { "f", FG_ROUTE_OK, "f", "", "", "" },
        { "f:v1", FG_ROUTE_OK, "f", "", "", "v1" },
        { "f:7", FG_ROUTE_OK, "f", "", "", "7" },
        { "f:$LATEST", FG_ROUTE_OK, "f", "", "", "$LATEST" },
        { "f%3A%24LATEST", FG_ROUTE_OK, "f", "", "", "$LATEST" },
        { "123456789012:function:f", FG_ROUTE_OK, "f", "123456789012", "",
          "" },
        { "123456789012:function:f:prod", FG_ROUTE_OK, "f", "123456789012",
          "", "prod" },
        { "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
          FG_ROUTE_OK, "my-fn", "123456789012", "us-east-1", "" },
        { "arn:aws:lambda:eu-west-3:210987654321:function:my-fn:12",
          FG_ROUTE_OK, "my-fn", "210987654321", "eu-west-3", "12" },
        { "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A"
          "prod", FG_ROUTE_OK, "f", "123456789012", "us-east-1", "prod" },
        { "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
          FG_ROUTE_OK, "f", "123456789012", "us-gov-west-1", "" },
        /* 64 characters is the longest name */
        { "a123456789b123456789c123456789d123456789e123456789f123456789ghij",
          FG_ROUTE_OK,
          "a123456789b123456789c123456789d123456789e123456789f123456789ghij",
          "", "", "" },

        { "", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "a123456789b123456789c123456789d123456789e123456789f123456789ghijk",
          FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "my.function", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "my%20function", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "my+function", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "f%2Fg", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "f%00", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "f%zz", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "f%4", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "%C3%A9t%C3%A9", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { ":v1", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "12345678901:function:f", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "12345678901x:function:f", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "123456789012:func:f", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "123456789012:function:", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "a:b:c", FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "arn:aws:s3:us-east-1:123456789012:function:f", FG_ROUTE_BAD_NAME,
          "", "", "", "" },
        { "arn:gcp:lambda:us-east-1:123456789012:function:f",
          FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "arn:aws:lambda::123456789012:function:f", FG_ROUTE_BAD_NAME,
          "", "", "", "" },
        { "arn:aws:lambda:-us-east-1:123456789012:function:f",
          FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "arn:aws:lambda:US-EAST-1:123456789012:function:f",
          FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "arn:aws:lambda:us-east-1:1234:function:f", FG_ROUTE_BAD_NAME,
          "", "", "", "" },
        { "arn:aws:lambda:us-east-1:123456789012:layer:f", FG_ROUTE_BAD_NAME,
          "", "", "", "" },
        { "arn:aws:lambda:us-east-1:123456789012:function:f:1:2",
          FG_ROUTE_BAD_NAME, "", "", "", "" },
        { "arn:aws:lambda:a-region-name-that-is-far-too-long-1:"
          "123456789012:function:f", FG_ROUTE_BAD_NAME, "", "", "", "" },

        { "f:", FG_ROUTE_BAD_QUALIFIER, "", "", "", "" },
        { "f:v.1", FG_ROUTE_BAD_QUALIFIER, "", "", "", "" },
        { "f:$latest", FG_ROUTE_BAD_QUALIFIER, "", "", "", "" },
        { "123456789012:function:f:", FG_ROUTE_BAD_QUALIFIER, "", "", "",
          "" },
        { "123456789012:function:f:a%20b", FG_ROUTE_BAD_QUALIFIER, "", "",
          "", "" },
    };
    fg_route_t  r;
    char        path[1024];
    size_t      i;
    fg_route_rc_t  rc;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "/2015-03-31/functions/%s/invocations",
                 cases[i].name);
        rc = route("POST", path, NULL, &r);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        CU_ASSERT_EQUAL(r.action, FG_ACTION_INVOKE);
        if (rc != cases[i].rc) {
            fprintf(stderr, "\ncase %zu (%s): rc %d\n", i, cases[i].name,
                    (int) rc);
        }
        if (cases[i].rc != FG_ROUTE_OK) {
            continue;
        }
        CU_ASSERT_STRING_EQUAL(r.function, cases[i].function);
        CU_ASSERT_STRING_EQUAL(r.account, cases[i].account);
        CU_ASSERT_STRING_EQUAL(r.region, cases[i].region);
        CU_ASSERT_STRING_EQUAL(r.qualifier, cases[i].qualifier);

        /* the same NAME routes the same for GetFunction */
        snprintf(path, sizeof(path), "/2015-03-31/functions/%s",
                 cases[i].name);
        CU_ASSERT_EQUAL(route("GET", path, NULL, &r), FG_ROUTE_OK);
        CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_FUNCTION);
        CU_ASSERT_STRING_EQUAL(r.function, cases[i].function);
        CU_ASSERT_STRING_EQUAL(r.qualifier, cases[i].qualifier);
    }
}


static void
test_query_qualifier(void)
{
    fg_route_t  r;
    const char *inv = "/2015-03-31/functions/f/invocations";
    const char *arn = "/2015-03-31/functions/arn:aws:lambda:us-east-1:"
                      "123456789012:function:f:prod/invocations";
    char        q[300];

    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier=v2", &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "v2");
    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier=%24LATEST", &r),
                    FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "$LATEST");
    CU_ASSERT_EQUAL(route("POST", inv, "a=1&Qualifier=3&b", &r),
                    FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "3");
    CU_ASSERT_EQUAL(route("POST", inv, "qualifier=3", &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "");
    CU_ASSERT_EQUAL(route("POST", inv, "", &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "");
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f", "Qualifier=1",
                          &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_FUNCTION);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "1");
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f", "Qualifier=1",
                          &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "1");

    /* ARN and query agree, or only one of them names it */
    CU_ASSERT_EQUAL(route("POST", arn, "Qualifier=prod", &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "prod");
    CU_ASSERT_STRING_EQUAL(r.account, "123456789012");
    CU_ASSERT_EQUAL(route("POST", arn, NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "prod");

    /* ... or they disagree */
    CU_ASSERT_EQUAL(route("POST", arn, "Qualifier=dev", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_INVOKE);
    CU_ASSERT_EQUAL(route("POST", "/2015-03-31/functions/f:1/invocations",
                          "Qualifier=2", &r), FG_ROUTE_BAD_QUALIFIER);

    /* bad qualifiers in the query */
    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier=", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier=a.b", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier=%zz", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("POST", inv, "Qualifier=a%00", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    memset(q, 'a', sizeof(q));
    memcpy(q, "Qualifier=", 10);
    q[10 + 128] = '\0';
    CU_ASSERT_EQUAL(route("POST", inv, q, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(strlen(r.qualifier), 128);
    q[10 + 128] = 'a';
    q[10 + 129] = '\0';
    CU_ASSERT_EQUAL(route("POST", inv, q, &r), FG_ROUTE_BAD_QUALIFIER);

    /* the query of list/create is not looked at */
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/",
                          "MaxItems=10&Marker=%zz", &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_LIST_FUNCTIONS);
}


static void
test_too_long(void)
{
    fg_route_t  r;
    char        path[2048];
    size_t      n;

    n = (size_t) snprintf(path, sizeof(path), "/2015-03-31/functions/");
    memset(path + n, 'a', 600);
    memcpy(path + n + 600, "/invocations", 13);
    CU_ASSERT_EQUAL(route("POST", path, NULL, &r), FG_ROUTE_TOO_LONG);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_INVOKE);

    /* 100 characters is simply an invalid name */
    memcpy(path + n + 100, "/invocations", 13);
    CU_ASSERT_EQUAL(route("POST", path, NULL, &r), FG_ROUTE_BAD_NAME);
}


static void
test_validators(void)
{
    char  q[200];

    CU_ASSERT_TRUE(fg_function_name_valid("a", 1));
    CU_ASSERT_TRUE(fg_function_name_valid("A-z_0-9", 7));
    CU_ASSERT_FALSE(fg_function_name_valid("", 0));
    CU_ASSERT_FALSE(fg_function_name_valid(NULL, 0));
    CU_ASSERT_FALSE(fg_function_name_valid("a b", 3));
    CU_ASSERT_FALSE(fg_function_name_valid("a:b", 3));
    CU_ASSERT_FALSE(fg_function_name_valid("a\0b", 3));

    CU_ASSERT_TRUE(fg_qualifier_valid("$LATEST", 7));
    CU_ASSERT_TRUE(fg_qualifier_valid("1", 1));
    CU_ASSERT_TRUE(fg_qualifier_valid("123", 3));
    CU_ASSERT_TRUE(fg_qualifier_valid("prod", 4));
    CU_ASSERT_TRUE(fg_qualifier_valid("blue-green_2", 12));
    CU_ASSERT_FALSE(fg_qualifier_valid("", 0));
    CU_ASSERT_FALSE(fg_qualifier_valid("$LATEST2", 8));
    CU_ASSERT_FALSE(fg_qualifier_valid("LATEST$", 7));
    CU_ASSERT_FALSE(fg_qualifier_valid("a.b", 3));
    memset(q, 'x', sizeof(q));
    CU_ASSERT_TRUE(fg_qualifier_valid(q, 128));
    CU_ASSERT_FALSE(fg_qualifier_valid(q, 129));

    CU_ASSERT_TRUE(fg_account_valid("123456789012", 12));
    CU_ASSERT_TRUE(fg_account_valid("000000000000", 12));
    CU_ASSERT_FALSE(fg_account_valid("12345678901", 11));
    CU_ASSERT_FALSE(fg_account_valid("1234567890123", 13));
    CU_ASSERT_FALSE(fg_account_valid("12345678901a", 12));
    CU_ASSERT_FALSE(fg_account_valid(NULL, 12));
}


static void
test_url_decode(void)
{
    char  d[16];

    CU_ASSERT_EQUAL(fg_url_decode("abc", 3, d, sizeof(d)), 3);
    CU_ASSERT_STRING_EQUAL(d, "abc");
    CU_ASSERT_EQUAL(fg_url_decode("a%3Ab%3ac", 9, d, sizeof(d)), 5);
    CU_ASSERT_STRING_EQUAL(d, "a:b:c");
    CU_ASSERT_EQUAL(fg_url_decode("a+b", 3, d, sizeof(d)), 3);
    CU_ASSERT_STRING_EQUAL(d, "a+b");
    CU_ASSERT_EQUAL(fg_url_decode("%25%41", 6, d, sizeof(d)), 2);
    CU_ASSERT_STRING_EQUAL(d, "%A");
    CU_ASSERT_EQUAL(fg_url_decode("%E1%88%B4", 9, d, sizeof(d)), 3);
    CU_ASSERT_STRING_EQUAL(d, "\xe1\x88\xb4");
    CU_ASSERT_EQUAL(fg_url_decode("", 0, d, sizeof(d)), 0);
    CU_ASSERT_STRING_EQUAL(d, "");
    /* only len bytes are looked at */
    CU_ASSERT_EQUAL(fg_url_decode("abcdef", 2, d, sizeof(d)), 2);
    CU_ASSERT_STRING_EQUAL(d, "ab");

    CU_ASSERT_EQUAL(fg_url_decode("%", 1, d, sizeof(d)), -1);
    CU_ASSERT_EQUAL(fg_url_decode("%4", 2, d, sizeof(d)), -1);
    CU_ASSERT_EQUAL(fg_url_decode("%4g", 3, d, sizeof(d)), -1);
    CU_ASSERT_EQUAL(fg_url_decode("%g4", 3, d, sizeof(d)), -1);
    CU_ASSERT_EQUAL(fg_url_decode("a%00b", 5, d, sizeof(d)), -1);
    /* "%41" followed by a byte the length excludes */
    CU_ASSERT_EQUAL(fg_url_decode("%41", 2, d, sizeof(d)), -1);

    /* dst_size includes the NUL */
    CU_ASSERT_EQUAL(fg_url_decode("abcd", 4, d, 5), 4);
    CU_ASSERT_EQUAL(fg_url_decode("abcd", 4, d, 4), -1);
    CU_ASSERT_EQUAL(fg_url_decode("%41%42", 6, d, 3), 2);
    CU_ASSERT_EQUAL(fg_url_decode("%41%42", 6, d, 2), -1);
    CU_ASSERT_EQUAL(fg_url_decode("", 0, d, 0), -1);
}


static void
test_query_get(void)
{
    char        d[8];
    const char *q = "a=1&b=&c&d=x%20y&a=2&e%3D=3&=4&f=%zz&long=0123456789";

#define QG(key) fg_query_get(q, strlen(q), key, d, sizeof(d))
    CU_ASSERT_EQUAL(QG("a"), 1);
    CU_ASSERT_STRING_EQUAL(d, "1");         /* the first one */
    CU_ASSERT_EQUAL(QG("b"), 1);
    CU_ASSERT_STRING_EQUAL(d, "");
    CU_ASSERT_EQUAL(QG("c"), 1);
    CU_ASSERT_STRING_EQUAL(d, "");
    CU_ASSERT_EQUAL(QG("d"), 1);
    CU_ASSERT_STRING_EQUAL(d, "x y");
    CU_ASSERT_EQUAL(QG("e="), 1);
    CU_ASSERT_STRING_EQUAL(d, "3");
    CU_ASSERT_EQUAL(QG(""), 1);
    CU_ASSERT_STRING_EQUAL(d, "4");
    CU_ASSERT_EQUAL(QG("A"), 0);
    CU_ASSERT_EQUAL(QG("zz"), 0);
    CU_ASSERT_EQUAL(QG("f"), -1);
    CU_ASSERT_EQUAL(QG("long"), -1);
#undef QG

    CU_ASSERT_EQUAL(fg_query_get("", 0, "a", d, sizeof(d)), 0);
    CU_ASSERT_EQUAL(fg_query_get(NULL, 0, "a", d, sizeof(d)), 0);
    /* a malformed name is reported, even before the wanted key */
    CU_ASSERT_EQUAL(fg_query_get("%z=1&a=2", 8, "a", d, sizeof(d)), -1);
    /* only len bytes count */
    CU_ASSERT_EQUAL(fg_query_get("a=1&b=2", 3, "b", d, sizeof(d)), 0);
}


/* The pairs of a query as fg_query_get and SigV4's canonical query see
 * them: empty pairs skipped, a pair without '=' has no value. */
static void
test_query_next(void)
{
    const char  *q = "&a=1&&b&=&c=x=y&", *p, *end, *k, *v;
    size_t       klen, vlen;

    p = q;
    end = q + strlen(q);

#define NEXT() fg_query_next(&p, end, &k, &klen, &v, &vlen)

    CU_ASSERT_EQUAL_FATAL(NEXT(), 1);
    CU_ASSERT(klen == 1 && memcmp(k, "a", 1) == 0);
    CU_ASSERT(v != NULL && vlen == 1 && memcmp(v, "1", 1) == 0);

    CU_ASSERT_EQUAL_FATAL(NEXT(), 1);
    CU_ASSERT(klen == 1 && memcmp(k, "b", 1) == 0);
    CU_ASSERT(v == NULL && vlen == 0);

    CU_ASSERT_EQUAL_FATAL(NEXT(), 1);
    CU_ASSERT(klen == 0 && v != NULL && vlen == 0);

    CU_ASSERT_EQUAL_FATAL(NEXT(), 1);
    CU_ASSERT(klen == 1 && memcmp(k, "c", 1) == 0);
    CU_ASSERT(v != NULL && vlen == 3 && memcmp(v, "x=y", 3) == 0);

    CU_ASSERT_EQUAL(NEXT(), 0);
    CU_ASSERT_EQUAL(NEXT(), 0);

    p = "";
    end = p;
    CU_ASSERT_EQUAL(NEXT(), 0);

#undef NEXT
}


static void
test_name_valid(void)
{
    CU_ASSERT(fg_name_valid("a-Z_9", 5, 5));
    CU_ASSERT(!fg_name_valid("a-Z_9", 5, 4));
    CU_ASSERT(!fg_name_valid("", 0, 5));
    CU_ASSERT(!fg_name_valid(NULL, 0, 5));
    CU_ASSERT(!fg_name_valid("a.b", 3, 5));
    CU_ASSERT(!fg_name_valid("a b", 3, 5));
    CU_ASSERT(!fg_qualifier_valid(NULL, 7));
    CU_ASSERT(fg_qualifier_valid("$LATEST", 7));
}


/* .../aliases/ALIAS: the alias is the route's qualifier */
static void
test_alias_paths(void)
{
    fg_route_t  r;

    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/live",
                          NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_ALIAS);
    CU_ASSERT_STRING_EQUAL(r.function, "f");
    CU_ASSERT_STRING_EQUAL(r.qualifier, "live");

    CU_ASSERT_EQUAL(route("PUT", "/2015-03-31/functions/f/aliases/a-1_B",
                          NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_UPDATE_ALIAS);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "a-1_B");

    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/"
                          "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012"
                          "%3Afunction%3Af/aliases/live", NULL, &r),
                    FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_DELETE_ALIAS);
    CU_ASSERT_STRING_EQUAL(r.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(r.qualifier, "live");

    /* .../aliases/ALIAS/overrides acts on the alias as well */
    CU_ASSERT_EQUAL(route("PUT", "/2015-03-31/functions/thumbs/aliases/prod"
                          "/overrides", NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_PUT_ALIAS_OVERRIDES);
    CU_ASSERT_STRING_EQUAL(r.function, "thumbs");
    CU_ASSERT_STRING_EQUAL(r.qualifier, "prod");
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/thumbs/aliases/prod"
                          "/overrides", NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_ALIAS_OVERRIDES);
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/thumbs/aliases/"
                          "prod/overrides", NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_DELETE_ALIAS_OVERRIDES);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/12/"
                          "overrides", NULL, &r), FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/live/"
                          "overrides", "Qualifier=live", &r),
                    FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_PUT_ALIAS_OVERRIDES),
                           "PutAliasOverrides");
    CU_ASSERT_EQUAL(fg_action_from_name("DeleteExecutionBounds"),
                    FG_ACTION_DELETE_EXECUTION_BOUNDS);
    CU_ASSERT_EQUAL(fg_action_from_name("GetPolicy"), FG_ACTION_GET_POLICY);
    CU_ASSERT_EQUAL(fg_action_from_name("getpolicy"), FG_ACTION_NONE);
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_METHOD_NOT_ALLOWED), "");
    CU_ASSERT_STRING_EQUAL(fg_action_name((fg_action_t) 999), "");

    /* a version number, $LATEST or bad characters are no alias name */
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/12",
                          NULL, &r), FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/%24LATEST",
                          NULL, &r), FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/a.b",
                          NULL, &r), FG_ROUTE_BAD_QUALIFIER);
    /* the function may not be qualified besides */
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f%3A1/aliases/live",
                          NULL, &r), FG_ROUTE_BAD_QUALIFIER);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/aliases/live",
                          "Qualifier=live", &r), FG_ROUTE_BAD_QUALIFIER);

    /* the validators themselves */
    CU_ASSERT_TRUE(fg_alias_name_valid("live", 4));
    CU_ASSERT_TRUE(fg_alias_name_valid("1a", 2));
    CU_ASSERT_FALSE(fg_alias_name_valid("123", 3));
    CU_ASSERT_FALSE(fg_alias_name_valid("", 0));
    CU_ASSERT_FALSE(fg_alias_name_valid("$LATEST", 7));
    CU_ASSERT_FALSE(fg_alias_name_valid("a b", 3));
    CU_ASSERT_TRUE(fg_version_valid("1", 1));
    CU_ASSERT_TRUE(fg_version_valid("4294967295", 10));
    CU_ASSERT_FALSE(fg_version_valid("0", 1));
    CU_ASSERT_FALSE(fg_version_valid("01", 2));
    CU_ASSERT_FALSE(fg_version_valid("12345678901", 11));
    CU_ASSERT_FALSE(fg_version_valid("1a", 2));
    {
        char  big[FG_QUALIFIER_MAX + 2];

        memset(big, 'a', sizeof(big));
        CU_ASSERT_TRUE(fg_alias_name_valid(big, FG_QUALIFIER_MAX));
        CU_ASSERT_FALSE(fg_alias_name_valid(big, FG_QUALIFIER_MAX + 1));
    }
}


static void
test_action_names_and_arn(void)
{
    static const fg_action_t  all[] = {
        FG_ACTION_CREATE_FUNCTION, FG_ACTION_LIST_FUNCTIONS,
        FG_ACTION_GET_FUNCTION, FG_ACTION_DELETE_FUNCTION, FG_ACTION_INVOKE,
        FG_ACTION_PUBLISH_VERSION, FG_ACTION_LIST_VERSIONS,
        FG_ACTION_GET_FUNCTION_CONFIGURATION, FG_ACTION_UPDATE_FUNCTION_CODE,
        FG_ACTION_UPDATE_FUNCTION_CONFIGURATION, FG_ACTION_CREATE_ALIAS,
        FG_ACTION_LIST_ALIASES, FG_ACTION_GET_ALIAS, FG_ACTION_UPDATE_ALIAS,
        FG_ACTION_DELETE_ALIAS
    };
    char    arn[200];
    size_t  i;

    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_CREATE_FUNCTION),
                           "CreateFunction");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_LIST_FUNCTIONS),
                           "ListFunctions");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_GET_FUNCTION),
                           "GetFunction");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_DELETE_FUNCTION),
                           "DeleteFunction");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_INVOKE), "Invoke");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_PUBLISH_VERSION),
                           "PublishVersion");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_LIST_VERSIONS),
                           "ListVersionsByFunction");
    CU_ASSERT_STRING_EQUAL(
        fg_action_name(FG_ACTION_GET_FUNCTION_CONFIGURATION),
        "GetFunctionConfiguration");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_UPDATE_FUNCTION_CODE),
                           "UpdateFunctionCode");
    CU_ASSERT_STRING_EQUAL(
        fg_action_name(FG_ACTION_UPDATE_FUNCTION_CONFIGURATION),
        "UpdateFunctionConfiguration");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_CREATE_ALIAS),
                           "CreateAlias");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_LIST_ALIASES),
                           "ListAliases");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_GET_ALIAS), "GetAlias");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_UPDATE_ALIAS),
                           "UpdateAlias");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_DELETE_ALIAS),
                           "DeleteAlias");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_NONE), "");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_METHOD_NOT_ALLOWED), "");

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        CU_ASSERT_EQUAL(fg_action_from_name(fg_action_name(all[i])), all[i]);
    }
    CU_ASSERT_EQUAL(fg_action_from_name(""), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_from_name(NULL), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_from_name("invoke"), FG_ACTION_NONE);
    CU_ASSERT_EQUAL(fg_action_from_name("InvokeX"), FG_ACTION_NONE);

    CU_ASSERT_EQUAL(fg_function_arn(arn, sizeof(arn), "us-east-1",
                                    "123456789012", "f", ""), 48);
    CU_ASSERT_STRING_EQUAL(arn,
                           "arn:aws:lambda:us-east-1:123456789012:function:f");
    CU_ASSERT_EQUAL(fg_function_arn(arn, sizeof(arn), "us-east-1",
                                    "123456789012", "f", NULL), 48);
    CU_ASSERT_EQUAL(fg_function_arn(arn, sizeof(arn), "eu-west-1",
                                    "123456789012", "f", "$LATEST"), 56);
    CU_ASSERT_STRING_EQUAL(arn, "arn:aws:lambda:eu-west-1:123456789012:"
                                "function:f:$LATEST");
    /* truncated: snprintf's value, NUL-terminated */
    CU_ASSERT_EQUAL(fg_function_arn(arn, 10, "us-east-1", "123456789012",
                                    "f", ""), 48);
    CU_ASSERT_STRING_EQUAL(arn, "arn:aws:l");

    /* what fg_function_arn writes, fg_route_parse reads back */
    fg_function_arn(arn, sizeof(arn), "ap-south-1", "999999999999", "x_y",
                    "live");
    {
        fg_route_t  r;
        char        path[300];

        snprintf(path, sizeof(path), "/2015-03-31/functions/%s", arn);
        CU_ASSERT_EQUAL(route("GET", path, NULL, &r), FG_ROUTE_OK);
        CU_ASSERT_STRING_EQUAL(r.region, "ap-south-1");
        CU_ASSERT_STRING_EQUAL(r.account, "999999999999");
        CU_ASSERT_STRING_EQUAL(r.function, "x_y");
        CU_ASSERT_STRING_EQUAL(r.qualifier, "live");
    }
}


static void
test_policy_paths(void)
{
    fg_route_t  r;

    CU_ASSERT_EQUAL(route("POST", "/2015-03-31/functions/f/policy", NULL, &r),
                    FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_ADD_PERMISSION);
    CU_ASSERT_STRING_EQUAL(r.function, "f");
    CU_ASSERT_STRING_EQUAL(r.qualifier, "");
    CU_ASSERT_STRING_EQUAL(r.statement_id, "");

    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/policy",
                          "Qualifier=live", &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_POLICY);
    CU_ASSERT_STRING_EQUAL(r.qualifier, "live");

    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/"
                          "arn:aws:lambda:us-east-1:123456789012:function:f:3"
                          "/policy", NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_GET_POLICY);
    CU_ASSERT_STRING_EQUAL(r.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(r.qualifier, "3");

    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/bob-1_x",
                          "Qualifier=2&RevisionId=abc", &r), FG_ROUTE_OK);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_REMOVE_PERMISSION);
    CU_ASSERT_STRING_EQUAL(r.statement_id, "bob-1_x");
    CU_ASSERT_STRING_EQUAL(r.qualifier, "2");

    /* percent-encoded statement ids are decoded, then checked */
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/a%2Db",
                          NULL, &r), FG_ROUTE_OK);
    CU_ASSERT_STRING_EQUAL(r.statement_id, "a-b");
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/a%20b",
                          NULL, &r), FG_ROUTE_BAD_STATEMENT_ID);
    CU_ASSERT_STRING_EQUAL(r.statement_id, "");
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/a.b",
                          NULL, &r), FG_ROUTE_BAD_STATEMENT_ID);
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/"
                          "a123456789b123456789c123456789d123456789"
                          "e123456789f123456789g123456789h123456789"
                          "i123456789j1234567890", NULL, &r),
                    FG_ROUTE_BAD_STATEMENT_ID);

    /* methods and shapes */
    CU_ASSERT_EQUAL(route("PUT", "/2015-03-31/functions/f/policy", NULL, &r),
                    FG_ROUTE_BAD_METHOD);
    CU_ASSERT_EQUAL(r.action, FG_ACTION_METHOD_NOT_ALLOWED);
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy", NULL,
                          &r), FG_ROUTE_BAD_METHOD);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/policy/s1", NULL,
                          &r), FG_ROUTE_BAD_METHOD);
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/", NULL,
                          &r), FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(route("DELETE", "/2015-03-31/functions/f/policy/a/b",
                          NULL, &r), FG_ROUTE_NOT_FOUND);
    CU_ASSERT_EQUAL(route("GET", "/2015-03-31/functions/f/policyx", NULL,
                          &r), FG_ROUTE_NOT_FOUND);

    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_ADD_PERMISSION),
                           "AddPermission");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_REMOVE_PERMISSION),
                           "RemovePermission");
    CU_ASSERT_STRING_EQUAL(fg_action_name(FG_ACTION_GET_POLICY), "GetPolicy");
    CU_ASSERT_EQUAL(fg_action_from_name("AddPermission"),
                    FG_ACTION_ADD_PERMISSION);
    CU_ASSERT_EQUAL(fg_action_from_name("RemovePermission"),
                    FG_ACTION_REMOVE_PERMISSION);
    CU_ASSERT_EQUAL(fg_action_from_name("GetPolicy"), FG_ACTION_GET_POLICY);

    CU_ASSERT(fg_statement_id_valid("a", 1));
    CU_ASSERT(fg_statement_id_valid("A-z_09", 6));
    CU_ASSERT(!fg_statement_id_valid("", 0));
    CU_ASSERT(!fg_statement_id_valid("a:b", 3));
    CU_ASSERT(!fg_statement_id_valid(NULL, 0));
}


static void
test_alias_target(void)
{
    fg_route_t   t;
    const char  *s;

#define PARSE(x) fg_alias_target_parse((x), strlen(x), &t)

    s = "arn:aws:lambda:us-east-1:111111111111:function:resize:3";
    CU_ASSERT_EQUAL(PARSE(s), FG_TARGET_OK);
    CU_ASSERT_STRING_EQUAL(t.account, "111111111111");
    CU_ASSERT_STRING_EQUAL(t.region, "us-east-1");
    CU_ASSERT_STRING_EQUAL(t.function, "resize");
    CU_ASSERT_STRING_EQUAL(t.qualifier, "3");

    s = "arn:aws:lambda:us-east-1:111111111111:function:resize:live";
    CU_ASSERT_EQUAL(PARSE(s), FG_TARGET_OK);
    CU_ASSERT_STRING_EQUAL(t.qualifier, "live");

    CU_ASSERT_EQUAL(PARSE("arn:aws:lambda:us-east-1:111111111111:function:"
                          "resize:$LATEST"), FG_TARGET_LATEST);
    CU_ASSERT_EQUAL(PARSE("arn:aws:lambda:us-east-1:111111111111:function:"
                          "resize"), FG_TARGET_NO_QUALIFIER);

    /* partial ARNs, plain names and malformed ARNs are not targets */
    CU_ASSERT_EQUAL(PARSE("111111111111:function:resize:3"),
                    FG_TARGET_BAD_ARN);
    CU_ASSERT_EQUAL(PARSE("resize:3"), FG_TARGET_BAD_ARN);
    CU_ASSERT_EQUAL(PARSE("3"), FG_TARGET_BAD_ARN);
    CU_ASSERT_EQUAL(PARSE("arn:aws:lambda:us-east-1:1111:function:r:3"),
                    FG_TARGET_BAD_ARN);
    CU_ASSERT_EQUAL(PARSE("arn:aws:s3:us-east-1:111111111111:function:r:3"),
                    FG_TARGET_BAD_ARN);
    CU_ASSERT_EQUAL(PARSE("arn:aws:lambda:us-east-1:111111111111:function:"
                          "re size:3"), FG_TARGET_BAD_ARN);
    CU_ASSERT_EQUAL(PARSE("arn:aws:lambda:us-east-1:111111111111:function:"
                          "resize:3:4"), FG_TARGET_BAD_ARN);
    CU_ASSERT_NOT_EQUAL(PARSE("arn:aws:lambda:us-east-1:111111111111:"
                              "function:resize:a.b"), FG_TARGET_OK);
    CU_ASSERT_EQUAL(PARSE(""), FG_TARGET_BAD_ARN);

    CU_ASSERT(fg_is_arn("arn:x", 5));
    CU_ASSERT(!fg_is_arn("3", 1));
    CU_ASSERT(!fg_is_arn("$LATEST", 7));

#undef PARSE
}


/* /2019-09-25/functions/NAME/event-invoke-config[/list] and a function's
 * concurrency under 2017-10-31 and 2019-09-30: those only. */
static void
test_event_invoke_config_paths(void)
{
    static const struct {
        const char     *method;
        const char     *path;
        const char     *query;
        fg_route_rc_t   rc;
        fg_action_t     action;
        const char     *qualifier;
    } cases[] = {
        { "PUT", "/2019-09-25/functions/f/event-invoke-config", NULL,
          FG_ROUTE_OK, FG_ACTION_PUT_EVENT_INVOKE_CONFIG, "" },
        { "POST", "/2019-09-25/functions/f/event-invoke-config", NULL,
          FG_ROUTE_OK, FG_ACTION_UPDATE_EVENT_INVOKE_CONFIG, "" },
        { "GET", "/2019-09-25/functions/f/event-invoke-config",
          "Qualifier=live", FG_ROUTE_OK, FG_ACTION_GET_EVENT_INVOKE_CONFIG,
          "live" },
        { "DELETE", "/2019-09-25/functions/f%3A3/event-invoke-config", NULL,
          FG_ROUTE_OK, FG_ACTION_DELETE_EVENT_INVOKE_CONFIG, "3" },
        { "GET", "/2019-09-25/functions/f/event-invoke-config/list",
          "MaxItems=2", FG_ROUTE_OK, FG_ACTION_LIST_EVENT_INVOKE_CONFIGS,
          "" },
        { "GET", "/2019-09-25/functions/f:$LATEST/event-invoke-config",
          "Qualifier=%24LATEST", FG_ROUTE_OK,
          FG_ACTION_GET_EVENT_INVOKE_CONFIG, "$LATEST" },

        { "PATCH", "/2019-09-25/functions/f/event-invoke-config", NULL,
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "PUT", "/2019-09-25/functions/f/event-invoke-config/list", NULL,
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2019-09-25/functions/f:1/event-invoke-config",
          "Qualifier=2", FG_ROUTE_BAD_QUALIFIER,
          FG_ACTION_GET_EVENT_INVOKE_CONFIG, "1" },

        /* nothing else lives under 2019-09-25 */
        { "GET", "/2019-09-25/functions", NULL, FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "POST", "/2019-09-25/functions/", NULL, FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2019-09-25/functions/f", NULL, FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "POST", "/2019-09-25/functions/f/invocations", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2019-09-25/functions/f/configuration", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2019-09-25/functions/f/event-invoke-config/", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2019-09-25/functions/f/event-invoke-config/list/x", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2019-09-25/functionsX/f/event-invoke-config", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },

        /* a function's reserved concurrency: PUT and DELETE under
         * 2017-10-31, GET under 2019-09-30, nothing else there */
        { "PUT", "/2017-10-31/functions/f/concurrency", NULL, FG_ROUTE_OK,
          FG_ACTION_PUT_FUNCTION_CONCURRENCY, "" },
        { "DELETE", "/2017-10-31/functions/f/concurrency", NULL,
          FG_ROUTE_OK, FG_ACTION_DELETE_FUNCTION_CONCURRENCY, "" },
        { "GET", "/2019-09-30/functions/f/concurrency", NULL, FG_ROUTE_OK,
          FG_ACTION_GET_FUNCTION_CONCURRENCY, "" },
        { "GET", "/2017-10-31/functions/f/concurrency", NULL,
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "PUT", "/2019-09-30/functions/f/concurrency", NULL,
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        /* provisioned concurrency: under 2019-09-30 alone, listed by a
         * GET with List=ALL */
        { "PUT", "/2019-09-30/functions/f/provisioned-concurrency",
          "Qualifier=live", FG_ROUTE_OK,
          FG_ACTION_PUT_PROVISIONED_CONCURRENCY, "live" },
        { "GET", "/2019-09-30/functions/f/provisioned-concurrency",
          "Qualifier=3", FG_ROUTE_OK,
          FG_ACTION_GET_PROVISIONED_CONCURRENCY, "3" },
        { "GET", "/2019-09-30/functions/f:3/provisioned-concurrency", NULL,
          FG_ROUTE_OK, FG_ACTION_GET_PROVISIONED_CONCURRENCY, "3" },
        { "DELETE", "/2019-09-30/functions/f/provisioned-concurrency",
          "Qualifier=live", FG_ROUTE_OK,
          FG_ACTION_DELETE_PROVISIONED_CONCURRENCY, "live" },
        { "GET", "/2019-09-30/functions/f/provisioned-concurrency",
          "List=ALL&MaxItems=2", FG_ROUTE_OK,
          FG_ACTION_LIST_PROVISIONED_CONCURRENCY, "" },
        { "GET", "/2019-09-30/functions/f/provisioned-concurrency",
          "List=SOME", FG_ROUTE_OK,
          FG_ACTION_GET_PROVISIONED_CONCURRENCY, "" },
        { "POST", "/2019-09-30/functions/f/provisioned-concurrency", NULL,
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "PUT", "/2017-10-31/functions/f/provisioned-concurrency", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/provisioned-concurrency", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2019-09-30/functions/f", NULL, FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2017-10-31/functions", NULL, FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "PUT", "/2017-10-31/functions/f/event-invoke-config", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "PUT", "/2019-09-25/functions/f/concurrency", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "PUT", "/2015-03-31/functions/f/concurrency", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },

        /* and event-invoke-config is not a 2015-03-31 path */
        { "GET", "/2015-03-31/functions/f/event-invoke-config", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "PUT", "/2015-03-31/functions/f/event-invoke-config", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/functions/f/event-invoke-config/list", NULL,
          FG_ROUTE_NOT_FOUND, FG_ACTION_NONE, "" },
    };
    fg_route_t  r;
    size_t      i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&r, 0x55, sizeof(r));
        if (route(cases[i].method, cases[i].path, cases[i].query, &r)
            != cases[i].rc || r.action != cases[i].action)
        {
            fprintf(stderr, "\ncase %zu: %s %s\n", i, cases[i].method,
                    cases[i].path);
        }
        CU_ASSERT_EQUAL(route(cases[i].method, cases[i].path,
                              cases[i].query, &r), cases[i].rc);
        CU_ASSERT_EQUAL(r.action, cases[i].action);
        if (cases[i].rc == FG_ROUTE_OK) {
            CU_ASSERT_STRING_EQUAL(r.function, "f");
            CU_ASSERT_STRING_EQUAL(r.qualifier, cases[i].qualifier);
        }
    }

    /* the bare prefix in a buffer of its own length: nothing is read past
     * it (make unit-san) */
    {
        static const char  bare[] = "/2019-09-25/functions";
        char              *p = malloc(sizeof(bare) - 1);

        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        memcpy(p, bare, sizeof(bare) - 1);
        CU_ASSERT_EQUAL(fg_route_parse("GET", 3, p, sizeof(bare) - 1, NULL,
            0, &r), FG_ROUTE_NOT_FOUND);
        free(p);
    }

    CU_ASSERT_STRING_EQUAL(fg_action_name(
        FG_ACTION_LIST_EVENT_INVOKE_CONFIGS), "ListFunctionEventInvokeConfigs");
    CU_ASSERT_EQUAL(fg_action_from_name("PutFunctionEventInvokeConfig"),
        FG_ACTION_PUT_EVENT_INVOKE_CONFIG);
    CU_ASSERT_EQUAL(fg_action_info(FG_ACTION_UPDATE_EVENT_INVOKE_CONFIG)
        ->caller, FG_CALLER_OWNER);
}


static void
test_event_source_mapping_paths(void)
{
    static const struct {
        const char     *method;
        const char     *path;
        fg_route_rc_t   rc;
        fg_action_t     action;
        const char     *mapping;
    } cases[] = {
        { "POST", "/2015-03-31/event-source-mappings/", FG_ROUTE_OK,
          FG_ACTION_CREATE_EVENT_SOURCE_MAPPING, "" },
        { "POST", "/2015-03-31/event-source-mappings", FG_ROUTE_OK,
          FG_ACTION_CREATE_EVENT_SOURCE_MAPPING, "" },
        { "GET", "/2015-03-31/event-source-mappings/", FG_ROUTE_OK,
          FG_ACTION_LIST_EVENT_SOURCE_MAPPINGS, "" },
        { "GET", "/2015-03-31/event-source-mappings", FG_ROUTE_OK,
          FG_ACTION_LIST_EVENT_SOURCE_MAPPINGS, "" },
        { "DELETE", "/2015-03-31/event-source-mappings/",
          FG_ROUTE_BAD_METHOD, FG_ACTION_METHOD_NOT_ALLOWED, "" },
        { "GET", "/2015-03-31/event-source-mappings/"
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", FG_ROUTE_OK,
          FG_ACTION_GET_EVENT_SOURCE_MAPPING,
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b" },
        { "PUT", "/2015-03-31/event-source-mappings/"
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", FG_ROUTE_OK,
          FG_ACTION_UPDATE_EVENT_SOURCE_MAPPING,
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b" },
        { "DELETE", "/2015-03-31/event-source-mappings/"
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", FG_ROUTE_OK,
          FG_ACTION_DELETE_EVENT_SOURCE_MAPPING,
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b" },
        { "POST", "/2015-03-31/event-source-mappings/"
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", FG_ROUTE_BAD_METHOD,
          FG_ACTION_METHOD_NOT_ALLOWED, "" },
        /* a malformed id is routed, with no mapping: the handler's 404 */
        { "GET", "/2015-03-31/event-source-mappings/not-a-uuid",
          FG_ROUTE_OK, FG_ACTION_GET_EVENT_SOURCE_MAPPING, "" },
        { "GET", "/2015-03-31/event-source-mappings/"
          "0E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B", FG_ROUTE_OK,
          FG_ACTION_GET_EVENT_SOURCE_MAPPING, "" },
        { "GET", "/2015-03-31/event-source-mappings/"
          "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b/x", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
        { "GET", "/2015-03-31/event-source-mappingsX", FG_ROUTE_NOT_FOUND,
          FG_ACTION_NONE, "" },
    };
    fg_route_t  r;
    size_t      i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fg_route_rc_t rc = fg_route_parse(cases[i].method,
            strlen(cases[i].method), cases[i].path, strlen(cases[i].path),
            "", 0, &r);

        CU_ASSERT_EQUAL(rc, cases[i].rc);
        CU_ASSERT_EQUAL(r.action, cases[i].action);
        CU_ASSERT_STRING_EQUAL(r.mapping, cases[i].mapping);
        CU_ASSERT_STRING_EQUAL(r.function, "");
    }

    CU_ASSERT(fg_uuid_valid("0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", 36));
    CU_ASSERT(!fg_uuid_valid("0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5", 35));
    CU_ASSERT(!fg_uuid_valid("0e1f2a3b04c5d-4e6f-8a9b-0c1d2e3f4a5b", 36));
    CU_ASSERT(!fg_uuid_valid("0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5g", 36));
    CU_ASSERT(!fg_uuid_valid(NULL, 0));
    CU_ASSERT_STRING_EQUAL(fg_action_name(
        FG_ACTION_CREATE_EVENT_SOURCE_MAPPING), "CreateEventSourceMapping");
    CU_ASSERT_EQUAL(fg_action_from_name("DeleteEventSourceMapping"),
        FG_ACTION_DELETE_EVENT_SOURCE_MAPPING);
}


static const cu_test_t  route_tests[] = {
    { "event-source-mappings paths", test_event_source_mapping_paths },
    { "paths and methods", test_paths_and_methods },
    { "names and ARNs", test_names },
    { "?Qualifier=", test_query_qualifier },
    { "too long", test_too_long },
    { "validators", test_validators },
    { "percent-decoding", test_url_decode },
    { "query parameters", test_query_get },
    { "query pairs", test_query_next },
    { "name characters", test_name_valid },
    { "alias paths", test_alias_paths },
    { "action names and ARNs", test_action_names_and_arn },
    { "policy paths", test_policy_paths },
    { "cross-account alias targets", test_alias_target },
    { "event-invoke-config paths", test_event_invoke_config_paths },
    { NULL, NULL }
};

static const cu_suite_t  route_suites[] = {
    { "fg_route", NULL, NULL, route_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(route_suites, CU_BRM_VERBOSE);
}
