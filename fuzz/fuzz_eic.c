/*
 * fuzz_eic: asynchronous invocation configurations
 * (fngated_event_config_json.c): Put and Update bodies, the stored form
 * the engine reads (fgd_eic_parse), the destination ARNs.
 *
 * Input: the body, '\n', a stored configuration (the one an Update
 * applies to), '\n', a destination ARN.
 *
 * Invariants: a body accepted gives values in Lambda's ranges and
 * destinations fgd_dest_parse accepts; its stored form is JSON and reads
 * back the same (fgd_eic_doc_parse and fgd_eic_parse); a refusal is a 400
 * with a type and leaves the configuration as it was; a destination
 * accepted has a region, an account id and a name that are valid.
 */

#include "fuzz_json.h"
#include "fngated_event_config_json.h"

static void
fz_eic_same(const fgd_eic_doc_t *a, const fgd_eic_doc_t *b)
{
    FZ_CHECK(a->has_retries == b->has_retries && a->has_age == b->has_age
             && a->c.max_retries == b->c.max_retries
             && a->c.max_age_s == b->c.max_age_s
             && strcmp(a->c.on_success, b->c.on_success) == 0
             && strcmp(a->c.on_failure, b->c.on_failure) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t      s[3];
    fgd_eic_doc_t  d, before, back;
    fgd_eic_t      c;
    fgd_dest_t     dest;
    fgd_resp_t     r;
    char          *body, *stored, *arn, *out = NULL;
    size_t         n, out_len;
    bool           update;

    n = fz_split(data, size, '\n', s, 3);
    while (n < 3) {
        s[n++] = (fz_span_t) { "", 0 };
    }
    body = fz_copy(s[0].p, s[0].len);
    stored = fz_copy(s[1].p, s[1].len);
    arn = fz_dup(s[2].p, s[2].len);     /* a C string */
    if (body == NULL || stored == NULL || arn == NULL) {
        goto cleanup;
    }

    /* the stored form: parsed, or the defaults */
    update = fgd_eic_doc_parse(stored, s[1].len, &d) == 0;
    (void) fgd_eic_parse(stored, s[1].len, &c);
    FZ_CHECK(c.max_retries <= FGD_EIC_RETRIES_MAX
             && c.max_age_s >= FGD_EIC_AGE_MIN
             && c.max_age_s <= FGD_EIC_AGE_MAX);

    before = d;
    memset(&r, 0, sizeof(r));
    if (fgd_eic_request(body, s[0].len, update, &d, &r) != 0) {
        FZ_CHECK(r.status == 400 && r.error_type != NULL);
        fz_eic_same(&d, &before);
        fgd_resp_free(&r);
    } else {
        FZ_CHECK(d.c.max_retries <= FGD_EIC_RETRIES_MAX
                 && d.c.max_age_s >= FGD_EIC_AGE_MIN
                 && d.c.max_age_s <= FGD_EIC_AGE_MAX);
        FZ_CHECK(d.c.on_success[0] == '\0'
                 || fgd_dest_parse(d.c.on_success, &dest) == FGD_DEST_OK
                 || (update && strcmp(d.c.on_success,
                                      before.c.on_success) == 0));
        FZ_CHECK(d.c.on_failure[0] == '\0'
                 || fgd_dest_parse(d.c.on_failure, &dest) == FGD_DEST_OK
                 || (update && strcmp(d.c.on_failure,
                                      before.c.on_failure) == 0));
        d.c.last_modified = 1700000000.25;
        FZ_CHECK(fgd_json_eic(&d, NULL, &out, &out_len) == 0);
        fz_json_valid(out, out_len);
        FZ_CHECK(fgd_eic_doc_parse(out, out_len, &back) == 0);
        fz_eic_same(&d, &back);
        FZ_CHECK(fgd_eic_parse(out, out_len, &c) == 0);
        FZ_CHECK(c.max_retries == d.c.max_retries
                 && c.max_age_s == d.c.max_age_s);
        free(out);
        out = NULL;
        FZ_CHECK(fgd_json_eic(&d, "arn:aws:lambda:us-east-1:123456789012:"
            "function:f:$LATEST", &out, &out_len) == 0);
        fz_json_valid(out, out_len);
    }

    if (fgd_dest_parse(arn, &dest) == FGD_DEST_OK) {
        FZ_CHECK(fg_region_valid(dest.region, strlen(dest.region))
                 && fg_account_valid(dest.account, strlen(dest.account)));
        FZ_CHECK(dest.kind == FGD_DEST_QUEUE
                 ? fgd_queue_name_valid(dest.name, strlen(dest.name))
                   && dest.qualifier[0] == '\0'
                 : dest.kind == FGD_DEST_FUNCTION
                   && fg_function_name_valid(dest.name, strlen(dest.name)));
    }

cleanup:
    free(out);
    free(body);
    free(stored);
    free(arn);
    return 0;
}
