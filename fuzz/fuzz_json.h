/*
 * fuzz_json.h: what the harnesses of fngated's JSON bodies share: a
 * check that a JSON text fngated produced parses (as the client's JSON
 * parser would), the check of a refusal, and the stored function the
 * update calls apply to.
 */

#ifndef FG_FUZZ_JSON_H
#define FG_FUZZ_JSON_H

#include <yajl/yajl_tree.h>

#include "fuzz.h"
#include "fngated_aliases_json.h"
#include "fngated_bounds_json.h"
#include "fngated_functions_json.h"
#include "fngated_policy_json.h"
#include "fngated_versions_json.h"

/* out (len bytes, fngated's answer or stored form) is one JSON value. */
static inline void
fz_json_valid(const char *out, size_t len)
{
    yajl_val  v;
    char     *z;

    FZ_CHECK(out != NULL && strlen(out) == len);
    z = fz_dup(out, len);
    if (z == NULL) {
        return;
    }
    v = yajl_tree_parse(z, NULL, 0);
    if (v == NULL) {
        fprintf(stderr, "not JSON: %s\n", z);
    }
    FZ_CHECK(v != NULL);
    yajl_tree_free(v);
    free(z);
}

/* A refused body leaves a complete Lambda error. */
static inline void
fz_refused(const fgd_resp_t *r)
{
    FZ_CHECK(r->status >= 400 && r->status < 600 && r->error_type != NULL);
    fz_json_valid(r->body, r->body_len);
}

#define FZ_LIMITS  { 50u * 1024 * 1024, 64u * 1024 * 1024 - 64 * 1024, \
                     10240 }

/* The stored $LATEST of "my-function" (provided, handler.sh). */
static inline int
fz_stored_fn(fgd_fn_t *fn)
{
    memset(fn, 0, sizeof(*fn));
    strcpy(fn->name, "my-function");
    strcpy(fn->runtime, "provided");
    strcpy(fn->handler, "handler.sh");
    fn->memory_mb = 128;
    fn->timeout_s = 3;
    fn->role = strdup("arn:aws:iam::123456789012:role/lambda-role");
    fn->description = strdup("");
    fn->environment = strdup("{\"STAGE\":\"prod\",\"GREETING\":\"hi\"}");
    strcpy(fn->sha256, "f091afad317931d19f7f271c13cff459b0d2fb746c061a00"
        "65bddd1d2ab2f699");
    fn->code_size = 148;
    strcpy(fn->last_modified, "2026-11-23T12:00:00.000+0000");
    strcpy(fn->revision_id, "0b5c7a8e-3f0e-4d6c-9b5e-6b1d7f1a2c3d");
    return fn->role && fn->description && fn->environment ? 0 : -1;
}

#endif /* FG_FUZZ_JSON_H */
