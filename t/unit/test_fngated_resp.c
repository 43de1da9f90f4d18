/*
 * The suite fngated_resp of test_fngated: the shape of an error answer
 * (fngated_resp.c).
 */


#include "fngated_resp.h"
#include "test_fngated.h"

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

const cu_test_t  resp_tests[] = {
    { "error shape", test_error_shape },
    { NULL, NULL }
};
