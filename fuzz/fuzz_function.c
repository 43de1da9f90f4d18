/*
 * fuzz_function: the request bodies of the function calls fngated
 * accepts (fngated_functions_json.c): CreateFunction (with the base64 zip, checked
 * as the call checks it), UpdateFunctionCode, UpdateFunctionConfiguration
 * (applied to a stored function), PublishVersion, the Invoke payload
 * check and the list calls' query strings.
 *
 * Input: one byte choosing the call (its value mod 6), then the body (or
 * query string).
 *
 * Invariants: a refused body leaves a complete Lambda error (4xx, a
 * type); an accepted function passes the validators, its stored form
 * (fgd_fn_to_fields) reads back (fgd_fn_from_fields) to the same
 * configuration, and its answers (GetFunction, the configuration) are
 * JSON.
 */

#include "fngated_result.h"
#include "fuzz_json.h"

static void
fz_fn_accepted(const fgd_fn_t *fn)
{
    const char  *fv[FGD_FN_FIELDS_MAX];
    size_t       lens[FGD_FN_FIELDS_MAX], n;
    char         buf[128], *out = NULL;
    size_t       out_len;
    fgd_fn_t     back;

    FZ_CHECK(fg_function_name_valid(fn->name, strlen(fn->name)));
    FZ_CHECK(fgd_runtime_known(fn->runtime));
    /* provided's handler may be a file to run: fgd_handler_valid; the
     * others' is any string without white space (Lambda's [^\s]{1,128}) */
    if (strcmp(fn->runtime, "provided") == 0) {
        FZ_CHECK(fgd_handler_valid(fn->handler));
    } else {
        size_t  i, hl = strlen(fn->handler);

        FZ_CHECK(hl >= 1 && hl <= FGD_HANDLER_MAX);
        for (i = 0; i < hl; i++) {
            FZ_CHECK((unsigned char) fn->handler[i] > ' '
                     && fn->handler[i] != 0x7f);
        }
    }
    FZ_CHECK(fn->memory_mb >= FGD_MEMORY_MIN && fn->memory_mb <= 10240);
    FZ_CHECK(fn->timeout_s >= 1 && fn->timeout_s <= FGD_TIMEOUT_MAX);
    if (fn->environment != NULL) {
        fz_json_valid(fn->environment, strlen(fn->environment));
    }

    n = fgd_fn_to_fields(fn, fv, lens, buf);
    FZ_CHECK(n <= FGD_FN_FIELDS_MAX && n % 2 == 0);
    FZ_CHECK(fgd_fn_from_fields(&back, fv, lens, n) == 0);
    FZ_CHECK(strcmp(back.name, fn->name) == 0);
    FZ_CHECK(strcmp(back.runtime, fn->runtime) == 0);
    FZ_CHECK(strcmp(back.handler, fn->handler) == 0);
    FZ_CHECK(back.memory_mb == fn->memory_mb);
    FZ_CHECK(back.timeout_s == fn->timeout_s);
    FZ_CHECK(strcmp(back.sha256, fn->sha256) == 0);
    FZ_CHECK(back.code_size == fn->code_size);
    FZ_CHECK(strcmp(back.description ? back.description : "",
                    fn->description ? fn->description : "") == 0);
    FZ_CHECK(strcmp(back.role ? back.role : "", fn->role ? fn->role : "")
             == 0);
    FZ_CHECK((back.environment == NULL || back.environment[0] == '\0')
             == (fn->environment == NULL || fn->environment[0] == '\0'));
    if (back.environment != NULL && fn->environment != NULL) {
        FZ_CHECK(strcmp(back.environment, fn->environment) == 0);
    }
    fgd_fn_clear(&back);

    if (fgd_json_get_function(fn, "us-east-1", "123456789012", 5, &out,
                              &out_len) == 0)
    {
        fz_json_valid(out, out_len);
    }
    free(out);
    out = NULL;
    if (fgd_json_function_config(fn, "us-east-1", "123456789012", &out,
                                 &out_len) == 0)
    {
        fz_json_valid(out, out_len);
    }
    free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fgd_limits_t    lim = FZ_LIMITS;
    fgd_create_t    c;
    fgd_publish_t   p;
    fgd_fn_t        fn;
    fgd_resp_t      r;
    char           *body, rev[37], marker[256], version[FGD_VERSION_LEN];
    const char     *b;
    size_t          len;
    unsigned        max;
    int             rc = 0;

    body = fz_body(data, size, &len);
    if (body == NULL) {
        return 0;
    }
    b = (const char *) data + 1;
    memset(&r, 0, sizeof(r));
    memset(&c, 0, sizeof(c));

    switch (data[0] % 6) {
    case 0:
        rc = fgd_create_parse(body, len, &lim, &c, &r);
        if (rc == 0) {
            FZ_CHECK(c.zip != NULL && c.zip_len == c.fn.code_size);
            fz_fn_accepted(&c.fn);
        }
        break;
    case 1:
        rc = fgd_update_code_parse(body, len, &lim, "provided", "handler.sh",
            &c, rev, &r);
        if (rc == 0) {
            FZ_CHECK(c.zip != NULL && strlen(c.fn.sha256) == 64);
        }
        break;
    case 2:
        if (fz_stored_fn(&fn) == 0) {
            rc = fgd_update_config_parse(body, len, &lim, &fn, rev, &r);
            if (rc == 0) {
                fz_fn_accepted(&fn);
            }
        }
        fgd_fn_clear(&fn);
        break;
    case 3:
        rc = fgd_publish_parse(body, len, &p, &r);
        if (rc == 0) {
            FZ_CHECK(p.sha256[0] == '\0' || strlen(p.sha256) == 64);
        }
        break;
    case 4:
        rc = fgd_payload_check(body, len, &r);
        break;
    case 5: {
        char *q = fz_dup(b, len);   /* a query is a C string */

        if (q != NULL) {
            if (fgd_list_query(q, marker, sizeof(marker), &max, &r) != 0) {
                fz_refused(&r);
            }
            fgd_resp_free(&r);
            memset(&r, 0, sizeof(r));
            if (fgd_versions_query(q, marker, sizeof(marker), &max, &r)
                != 0)
            {
                fz_refused(&r);
            }
            fgd_resp_free(&r);
            memset(&r, 0, sizeof(r));
            rc = fgd_aliases_query(q, marker, sizeof(marker), &max, version,
                &r);
        }
        free(q);
        break;
    }
    }
    if (rc != 0) {
        fz_refused(&r);
    }

    fgd_create_clear(&c);
    fgd_resp_free(&r);
    free(body);
    return 0;
}
