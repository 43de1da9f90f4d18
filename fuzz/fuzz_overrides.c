/*
 * fuzz_overrides: the execution overrides bodies (fngated_bounds_json.c):
 * PutExecutionBounds (the owner's bounds) and PutAliasOverrides (a
 * cross-account alias's overrides), also the stored forms fngated reads
 * back, then what an Invoke does with them: fgd_overrides_allowed and
 * fgd_overrides_apply on the owner's version.
 *
 * Input: the bounds body, '\n', the overrides body ('\n' is white space
 * in JSON, so a body may not hold one; the seeds do not).
 *
 * Invariants (round trips): bounds and overrides written in their stored
 * form (fgd_json_bounds / fgd_json_overrides with no ARN) parse back to
 * the same values; answers are JSON; apply never sets a variable that
 * steers the runtime (fgd_env_controls_runtime) and never raises memory
 * or timeout above the bounds.
 */

#include "fuzz_json.h"

static void
fz_env_clean(const char *env)
{
    yajl_val  v;
    size_t    i;

    if (env == NULL || env[0] == '\0') {
        return;
    }
    v = yajl_tree_parse(env, NULL, 0);
    FZ_CHECK(v != NULL && YAJL_IS_OBJECT(v));
    for (i = 0; i < v->u.object.len; i++) {
        if (fgd_env_controls_runtime(v->u.object.keys[i])) {
            FZ_CHECK(strcmp(v->u.object.keys[i], "STAGE") == 0
                     || strcmp(v->u.object.keys[i], "GREETING") == 0);
        }
    }
    yajl_tree_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t        s[2];
    fgd_bounds_t     b, b2;
    fgd_overrides_t  o, o2;
    fgd_resp_t       r;
    fgd_fn_t         fn;
    char            *bb, *ob, *out = NULL, note[256];
    size_t           n, out_len, i;
    int              brc = -1, orc = -1;

    memset(&o, 0, sizeof(o));
    memset(&o2, 0, sizeof(o2));
    memset(&fn, 0, sizeof(fn));
    n = fz_split(data, size, '\n', s, 2);
    if (n < 2) {
        s[1] = (fz_span_t) { "", 0 };
    }
    bb = fz_copy(s[0].p, s[0].len);
    ob = fz_copy(s[1].p, s[1].len);
    if (bb == NULL || ob == NULL) {
        goto cleanup;
    }

    memset(&r, 0, sizeof(r));
    brc = fgd_bounds_parse(bb, s[0].len, 10240, &b, &r);
    if (brc != 0) {
        FZ_CHECK(r.status == 400 && r.error_type != NULL);
    } else {
        FZ_CHECK(b.nvars <= FGD_BOUNDS_VARS_MAX);
        for (i = 0; i < b.nvars; i++) {
            FZ_CHECK(!fgd_env_controls_runtime(b.vars[i]));
        }
        FZ_CHECK(fgd_json_bounds(&b, NULL, &out, &out_len) == 0);
        fz_json_valid(out, out_len);
        fgd_resp_free(&r);
        memset(&r, 0, sizeof(r));
        FZ_CHECK(fgd_bounds_parse(out, out_len, 10240, &b2, &r) == 0);
        FZ_CHECK(b2.max_memory_mb == b.max_memory_mb
                 && b2.max_timeout_s == b.max_timeout_s
                 && b2.allow_environment == b.allow_environment
                 && b2.allow_log_tail == b.allow_log_tail
                 && b2.nvars == b.nvars);
        for (i = 0; i < b.nvars; i++) {
            FZ_CHECK(strcmp(b.vars[i], b2.vars[i]) == 0);
        }
        free(out);
        out = NULL;
        FZ_CHECK(fgd_json_bounds(&b, "arn:aws:lambda:us-east-1:"
            "123456789012:function:f", &out, &out_len) == 0);
        fz_json_valid(out, out_len);
        free(out);
        out = NULL;
    }
    fgd_resp_free(&r);

    memset(&r, 0, sizeof(r));
    orc = fgd_overrides_parse(ob, s[1].len, 10240, &o, &r);
    if (orc != 0) {
        FZ_CHECK(r.status == 400 && r.error_type != NULL);
    } else {
        FZ_CHECK(fgd_json_overrides(&o, NULL, NULL, &out, &out_len) == 0);
        fz_json_valid(out, out_len);
        fgd_resp_free(&r);
        memset(&r, 0, sizeof(r));
        FZ_CHECK(fgd_overrides_parse(out, out_len, 10240, &o2, &r) == 0);
        FZ_CHECK(o2.memory_mb == o.memory_mb && o2.timeout_s == o.timeout_s);
        FZ_CHECK((o.environment == NULL) == (o2.environment == NULL));
        if (o.environment != NULL) {
            FZ_CHECK(strcmp(o.environment, o2.environment) == 0);
        }
        free(out);
        out = NULL;
        FZ_CHECK(fgd_json_overrides(&o, "arn:aws:lambda:us-east-1:"
            "210987654321:function:mine:shared", "rev", &out, &out_len)
            == 0);
        fz_json_valid(out, out_len);
        free(out);
        out = NULL;
    }
    fgd_resp_free(&r);

    if (orc == 0) {
        if (brc != 0) {
            memset(&b, 0, sizeof(b));
        }
        if (fz_stored_fn(&fn) != 0) {
            goto cleanup;
        }
        memset(&r, 0, sizeof(r));
        (void) fgd_overrides_allowed(&o, &b, &fn, "arn", &r);
        fgd_resp_free(&r);
        if (fgd_overrides_apply(&o, &b, &fn, note, sizeof(note)) == 0) {
            FZ_CHECK(fn.memory_mb <= 128
                     || (b.max_memory_mb && fn.memory_mb <= b.max_memory_mb));
            FZ_CHECK(fn.timeout_s <= 3
                     || (b.max_timeout_s && fn.timeout_s <= b.max_timeout_s));
            fz_env_clean(fn.environment);
        }
    }

cleanup:
    fgd_fn_clear(&fn);
    fgd_overrides_clear(&o);
    fgd_overrides_clear(&o2);
    free(bb);
    free(ob);
    return 0;
}
