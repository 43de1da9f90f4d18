/*
 * fuzz_alias: the alias and permission bodies fngated accepts
 * (fngated_aliases_json.c, fngated_policy_json.c): CreateAlias /
 * UpdateAlias (merged into a stored alias and checked as the calls do)
 * and AddPermission.
 *
 * Input: one byte choosing the call (mod 3: create, update,
 * AddPermission), then the body.
 *
 * Invariants: a refused body leaves a complete Lambda error; an alias
 * that passes fgd_alias_check has a valid name, its stored form reads
 * back to the same alias, and its answer is JSON; a permission's
 * principal is an account and its statement and answer are JSON.
 */

#include "fuzz_json.h"

/* The stored alias UpdateAlias applies to. */
static const fgd_alias_t  fz_stored_alias = {
    .name = "live",
    .version = "1",
    .revision_id = "0b5c7a8e-3f0e-4d6c-9b5e-6b1d7f1a2c3d",
};

static void
fz_alias_ok(const fgd_alias_t *a)
{
    const char   *fv[FGD_ALIAS_FIELDS_MAX];
    size_t        lens[FGD_ALIAS_FIELDS_MAX], n, out_len;
    char          buf[32], *out = NULL;
    fgd_alias_t   back;
    const char   *v;

    FZ_CHECK(fg_alias_name_valid(a->name, strlen(a->name)));
    n = fgd_alias_to_fields(a, fv, lens, buf);
    FZ_CHECK(n <= FGD_ALIAS_FIELDS_MAX);
    FZ_CHECK(fgd_alias_from_fields(&back, fv, lens, n) == 0);
    FZ_CHECK(strcmp(back.name, a->name) == 0);
    FZ_CHECK(strcmp(back.version, a->version) == 0);
    FZ_CHECK(strcmp(back.description, a->description) == 0);
    FZ_CHECK(strcmp(back.extra_version, a->extra_version) == 0);
    FZ_CHECK(strcmp(back.target, a->target) == 0);
    FZ_CHECK(back.extra_weight == a->extra_weight);
    v = fgd_alias_choose(a, 0.5);
    FZ_CHECK(v != NULL);
    if (fgd_json_alias(a, "us-east-1", "123456789012", "my-function", &out,
                       &out_len) == 0)
    {
        fz_json_valid(out, out_len);
    }
    free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fgd_alias_req_t   q;
    fgd_alias_t       a;
    fgd_permission_t  p;
    fgd_resp_t        r;
    char             *body, *st = NULL, *out = NULL, acct[13];
    size_t            len, st_len, out_len;
    int               rc;

    body = fz_body(data, size, &len);
    if (body == NULL) {
        return 0;
    }
    memset(&r, 0, sizeof(r));

    switch (data[0] % 3) {
    case 0:
    case 1:
        rc = fgd_alias_parse(body, len, data[0] % 3 == 0, &q, &r);
        if (rc != 0) {
            break;
        }
        if (data[0] % 3 == 0) {
            a = q.a;
        } else {
            a = fz_stored_alias;
            fgd_alias_merge(&a, &q);
        }
        rc = fgd_alias_check(&a, &r);
        if (rc == 0) {
            fz_alias_ok(&a);
        }
        break;
    default:
        rc = fgd_permission_parse(body, len, &p, &r);
        if (rc != 0) {
            break;
        }
        FZ_CHECK(fg_statement_id_valid(p.sid, strlen(p.sid)));
        FZ_CHECK(fg_account_valid(p.principal, strlen(p.principal)));
        FZ_CHECK(fgd_principal_account(p.principal, acct) == 0
                 && strcmp(acct, p.principal) == 0);
        if (fgd_json_statement(&p, "us-east-1", "123456789012",
                               "my-function", "live", &st, &st_len) == 0)
        {
            fz_json_valid(st, st_len);
            if (fgd_json_add_permission(st, &out, &out_len) == 0) {
                fz_json_valid(out, out_len);
            }
            free(out);
            out = NULL;
            if (fgd_json_policy((const char *const *) &st, 1, "rev", &out,
                                &out_len) == 0)
            {
                fz_json_valid(out, out_len);
            }
        }
        break;
    }
    if (rc != 0) {
        fz_refused(&r);
    }

    free(st);
    free(out);
    fgd_resp_free(&r);
    free(body);
    return 0;
}
