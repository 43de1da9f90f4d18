/*
 * fuzz_apibody: the request bodies of the API management calls
 * (fngated_http_apis_json.c): CreateApi / UpdateApi, CreateRoute / UpdateRoute
 * (merged into a stored route), CreateSubscription's ApiArn and
 * UpdateSubscription's Status.
 *
 * Input: one byte choosing the call (mod 6: CreateApi, UpdateApi,
 * CreateRoute, UpdateRoute, CreateSubscription, UpdateSubscription),
 * then the body.
 *
 * Invariants: a refused body leaves a complete Lambda error; an API's
 * answer is JSON; a route that is accepted has a valid method, template
 * and function, its stored value (fgd_api_route_value) reads back
 * (fgd_api_route_from_value, and fg_api_route_value_parse as the module
 * reads it) to the same route, and its answer is JSON.
 */

#include "fuzz_json.h"
#include "fngated_http_apis_json.h"

/* The stored API and route UpdateApi and UpdateRoute apply to. */
static const fgd_api_t  fz_stored_api = {
    .name = "shop",
    .stage = "prod",
    .access = "private",
    .policy = "caller",
};

static const fgd_api_route_t  fz_stored_route = {
    .id = "3",
    .method = "GET",
    .path = "/items/{id}",
    .function = "getitem",
};

static void
fz_route_ok(const fgd_api_route_t *rt)
{
    fgd_api_route_t  back;
    fg_api_hit_t     hit;
    char             v[2 * FG_API_TEMPLATE_MAX], *out = NULL;
    size_t           out_len;
    int              n;

    FZ_CHECK(fg_api_method_valid(rt->method, strlen(rt->method), true));
    FZ_CHECK(fg_api_template_check(rt->path, strlen(rt->path))
             == FG_API_TEMPLATE_OK);
    FZ_CHECK(fg_function_name_valid(rt->function, strlen(rt->function)));
    n = fgd_api_route_value(rt, v, sizeof(v));
    FZ_CHECK(n >= 0);
    memset(&back, 0, sizeof(back));
    FZ_CHECK(fgd_api_route_from_value(&back, v, strlen(v)) == 0);
    FZ_CHECK(strcmp(back.method, rt->method) == 0);
    FZ_CHECK(strcmp(back.path, rt->path) == 0);
    FZ_CHECK(strcmp(back.function, rt->function) == 0);
    FZ_CHECK(strcmp(back.qualifier, rt->qualifier) == 0);
    FZ_CHECK(fg_api_route_value_parse(v, strlen(v), &hit) == 0);
    FZ_CHECK(hit.resource.len == strlen(rt->path));
    if (fgd_json_api_route(rt, "us-east-1", "123456789012", &out, &out_len)
        == 0)
    {
        fz_json_valid(out, out_len);
    }
    free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fgd_api_req_t        aq;
    fgd_api_route_req_t  rq;
    fgd_api_route_t      rt;
    fgd_api_t            a;
    fgd_resp_t           r;
    char                *body, *out = NULL, dst[256];
    size_t               len, out_len;
    int                  rc;

    body = fz_body(data, size, &len);
    if (body == NULL) {
        return 0;
    }
    memset(&r, 0, sizeof(r));

    switch (data[0] % 6) {
    case 0:
    case 1:
        rc = fgd_api_parse(body, len, data[0] % 6 == 0, &aq, &r);
        if (rc != 0) {
            break;
        }
        a = fz_stored_api;
        fgd_api_merge(&a, &aq);
        FZ_CHECK(fg_api_name_valid(a.name, strlen(a.name)));
        FZ_CHECK(fg_api_stage_valid(a.stage, strlen(a.stage)));
        FZ_CHECK(fg_api_access_from(a.access, strlen(a.access))
                 != FG_API_ACCESS_BAD);
        FZ_CHECK(fg_api_policy_from(a.policy, strlen(a.policy))
                 != FG_API_POLICY_BAD);
        if (fgd_json_api(&a, "us-east-1", "123456789012", &out, &out_len)
            == 0)
        {
            fz_json_valid(out, out_len);
        }
        break;
    case 2:
    case 3:
        rc = fgd_api_route_parse_body(body, len, data[0] % 6 == 2, &rq, &r);
        if (rc != 0) {
            break;
        }
        if (data[0] % 6 == 2) {
            rt = rq.rt;
        } else {
            rt = fz_stored_route;
            fgd_api_route_merge(&rt, &rq);
        }
        fz_route_ok(&rt);
        break;
    default:
        rc = fgd_api_body_string(body, len,
            data[0] % 6 == 4 ? "ApiArn" : "Status", dst, sizeof(dst), &r);
        if (rc == 0) {
            FZ_CHECK(strlen(dst) < sizeof(dst));
        }
        break;
    }
    if (rc != 0) {
        FZ_CHECK(r.status < 500);
        fz_refused(&r);
    }

    free(out);
    fgd_resp_free(&r);
    free(body);
    return 0;
}
