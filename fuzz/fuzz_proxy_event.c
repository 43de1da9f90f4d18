/*
 * fuzz_proxy_event: the API-Gateway-proxy event fngated builds for a call
 * of an API made of functions (fgd_api_event, fngated_http_apis_json.c) from
 * what the client sent: the path after the stage (percent-encoded), the
 * query string, the headers (as the module's JSON object) and the body.
 *
 * Input, lines separated by '\n': method, the route's template (only
 * valid templates are used: the module checks them at CreateRoute),
 * path, query, headers JSON; the rest is the body.
 *
 * Invariants: the event is JSON (UTF-8: a function's runtime parses it);
 * its httpMethod is the method; its body is the request's body: the text
 * itself when that is UTF-8, else base64 that decodes to it.
 */

#include "fuzz_json.h"
#include "fngated_http_apis_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t       s[6];
    fgd_api_call_t  c;
    fgd_resp_t      r;
    char           *m = NULL, *tpl = NULL, *path = NULL, *query = NULL;
    char           *hdrs = NULL, *body = NULL, *out = NULL, *z = NULL;
    size_t          n, out_len;
    yajl_val        ev = NULL, v, b64;
    const char     *kb[] = { "body", NULL }, *kb64[] = { "isBase64Encoded",
                                                         NULL };
    const char     *km[] = { "httpMethod", NULL };

    n = fz_split(data, size, '\n', s, 6);
    while (n < 6) {
        s[n++] = (fz_span_t) { "", 0 };
    }
    m = fz_dup(s[0].p, s[0].len);
    tpl = fz_dup(s[1].p, s[1].len);
    path = fz_dup(s[2].p, s[2].len);
    query = fz_dup(s[3].p, s[3].len);
    hdrs = fz_dup(s[4].p, s[4].len);
    body = fz_copy(s[5].p, s[5].len);
    if (!m || !tpl || !path || !query || !hdrs || !body) {
        goto cleanup;
    }
    if (strlen(m) != s[0].len || strlen(path) != s[2].len
        || strlen(query) != s[3].len || strlen(hdrs) != s[4].len
        || fg_api_template_check(tpl, s[1].len) != FG_API_TEMPLATE_OK
        || !fg_api_method_valid(m, s[0].len, false))
    {
        goto cleanup;
    }

    memset(&c, 0, sizeof(c));
    c.method = m;
    c.owner = "123456789012";
    c.caller = "210987654321";
    c.api = "shop";
    c.stage = "prod";
    c.route_id = "2";
    c.resource = tpl;
    c.path = path;
    c.query = query;
    c.headers = hdrs;
    c.request_id = "f0e1d2c3-b4a5-4678-9abc-def012345678";
    c.body = body;
    c.body_len = s[5].len;

    memset(&r, 0, sizeof(r));
    if (fgd_api_event(&c, &out, &out_len, &r) != 0) {
        FZ_CHECK(r.status == 400 && r.error_type != NULL);
        fgd_resp_free(&r);
        goto cleanup;
    }
    fz_json_valid(out, out_len);
    ev = yajl_tree_parse(out, NULL, 0);
    FZ_CHECK(ev != NULL);
    v = yajl_tree_get(ev, km, yajl_t_string);
    FZ_CHECK(v != NULL && strcmp(v->u.string, m) == 0);
    v = yajl_tree_get(ev, kb, yajl_t_any);
    b64 = yajl_tree_get(ev, kb64, yajl_t_any);
    FZ_CHECK(v != NULL && b64 != NULL);
    if (s[5].len == 0) {
        FZ_CHECK(YAJL_IS_NULL(v));
    } else if (YAJL_IS_TRUE(b64)) {
        ssize_t  dl;

        FZ_CHECK(YAJL_IS_STRING(v));
        z = malloc(strlen(v->u.string) / 4 * 3 + 4);
        if (z == NULL) {
            goto cleanup;
        }
        dl = fgd_base64_decode(v->u.string, strlen(v->u.string),
            (uint8_t *) z);
        FZ_CHECK(dl == (ssize_t) s[5].len && memcmp(z, body, dl) == 0);
    } else {
        FZ_CHECK(YAJL_IS_STRING(v) && strlen(v->u.string) == s[5].len
                 && memcmp(v->u.string, body, s[5].len) == 0);
    }

cleanup:
    yajl_tree_free(ev);
    free(m);
    free(tpl);
    free(path);
    free(query);
    free(hdrs);
    free(body);
    free(out);
    free(z);
    return 0;
}
