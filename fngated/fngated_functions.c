/*
 * fngated_functions: the calls on a function as a whole: CreateFunction,
 * ListFunctions, GetFunction, GetFunctionConfiguration, DeleteFunction
 * (of the function or of one version), UpdateFunctionCode and
 * UpdateFunctionConfiguration.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_cache.h"
#include "fngated_functions.h"
#include "fngated_invoke.h"
#include "fngated_log.h"
#include "fngated_store.h"

int
fgd_function_create(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_create_t  c;
    int           rc;

    fgd_req_limits(q, &lim);
    if (fgd_create_parse(q->body, q->body_len, &lim, &c, r) != 0)
        return -1;
    snprintf(q->name, FG_FUNCTION_NAME_MAX + 1, "%s", c.fn.name);
    rc = fgd_store_create(q, &c, r);
    if (rc == 0 && c.publish) {
        fgd_publish_t  p;
        char           version[FGD_VERSION_LEN];
        bool           created;

        memset(&p, 0, sizeof(p));
        rc = fgd_store_publish(q, c.fn.name, &p, version, &created, r);
        if (rc == 0)
            snprintf(c.fn.version, sizeof(c.fn.version), "%s", version);
    }
    if (rc == 0) {
        if (fgd_json_function_config(&c.fn, q->region, q->caller, &r->body,
                &r->body_len) != 0)
            rc = fgd_error(r, 500, "ServiceException", "out of memory");
        else
            r->status = 201;
        fgd_log("info", q->request_id, "created %s:%s sha256 %s, %zu bytes",
            q->caller, c.fn.name, c.fn.sha256, c.zip_len);
    }
    fgd_create_clear(&c);
    return rc;
}

/* GetFunction and GetFunctionConfiguration: the version the qualifier
 * names (an alias: its FunctionVersion), of the owner's function (the
 * caller's, or one the owner granted it lambda:GetFunction on). */
static int
fgd_function_read(const fgd_req_t *q, fgd_resp_t *r, bool config_only)
{
    fgd_fn_t  fn;
    int       rc;

    if (fgd_store_resolve(q, q->owner, q->function, q->qualifier, false,
            &fn, r) != 0)
        return -1;
    if (strcmp(fn.version, "$LATEST") == 0 &&
        strcmp(q->qualifier, "$LATEST") != 0)
        fn.version[0] = '\0';
    /* a grantee sees the configuration, never where the code is */
    rc = config_only
         ? fgd_json_function_config(&fn, q->region, q->owner, &r->body,
               &r->body_len)
         : strcmp(q->owner, q->caller) != 0
         ? fgd_json_get_function_shared(&fn, q->region, q->owner, &r->body,
               &r->body_len)
         : fgd_json_get_function(&fn, q->region, q->caller, &r->body,
               &r->body_len);
    fgd_fn_clear(&fn);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

int
fgd_function_get(const fgd_req_t *q, fgd_resp_t *r)
{
    return fgd_function_read(q, r, false);
}

int
fgd_function_get_config(const fgd_req_t *q, fgd_resp_t *r)
{
    return fgd_function_read(q, r, true);
}

/* Answers with version (of q->function) as FunctionConfiguration. */
int
fgd_function_reply(const fgd_req_t *q, const char *version, int status,
    fgd_resp_t *r)
{
    fgd_fn_t  fn;
    int       rc;

    if (fgd_store_get_version(q, q->caller, q->function, version, &fn, r)
        != 0)
        return -1;
    rc = fgd_json_function_config(&fn, q->region, q->caller, &r->body,
        &r->body_len);
    fgd_fn_clear(&fn);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = status;
    return 0;
}

/* A 200 with a page of configurations; frees fns. */
int
fgd_function_list_answer(const fgd_req_t *q, fgd_json_list_pt json,
    fgd_fn_t *fns, size_t n, const char *next, fgd_resp_t *r)
{
    size_t  i;
    int     rc;

    rc = json(fns, n, next, q->region, q->caller, &r->body, &r->body_len);
    for (i = 0; i < n; i++)
        fgd_fn_clear(&fns[i]);
    free(fns);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

int
fgd_function_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char       marker[FG_FUNCTION_NAME_MAX + 1], next[FG_FUNCTION_NAME_MAX + 1];
    unsigned   max_items;
    fgd_fn_t  *fns = NULL;
    size_t     n = 0;

    if (fgd_list_query(q->query, marker, sizeof(marker), &max_items, r)
        != 0)
        return -1;
    if (fgd_store_list(q, marker, max_items, &fns, &n, next, sizeof(next),
            r) != 0)
        return -1;
    return fgd_function_list_answer(q, fgd_json_list_functions, fns, n, next, r);
}

int
fgd_function_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (q->qualifier[0] != '\0') {
        if (strcmp(q->qualifier, "$LATEST") == 0)
            return fgd_error(r, 400, "InvalidParameterValueException",
                "$LATEST version cannot be deleted without deleting the "
                "function.");
        if (!fg_version_valid(q->qualifier, strlen(q->qualifier)))
            return fgd_error(r, 400, "InvalidParameterValueException",
                "Deletion of aliases is not supported by DeleteFunction; "
                "use DeleteAlias");
        if (fgd_store_delete_version(q, q->function, q->qualifier, r) != 0)
            return -1;
        fgd_log("info", q->request_id, "deleted %s:%s:%s", q->caller,
            q->function, q->qualifier);
        fgd_pool_forget(q->caller, q->function, q->qualifier);
        r->status = 204;
        return 0;
    }
    if (fgd_store_delete(q, q->function, r) != 0)
        return -1;
    fgd_cache_forget_bounds(q);
    fgd_pool_forget(q->caller, q->function, NULL);
    fgd_log("info", q->request_id, "deleted %s:%s", q->caller, q->function);
    r->status = 204;
    return 0;
}

int
fgd_function_update_code(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_create_t  c;
    fgd_fn_t      fn;
    char          want[37], version[FGD_VERSION_LEN] = "$LATEST";
    bool          created;
    int           rc = -1;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
        return -1;
    fgd_req_limits(q, &lim);
    if (fgd_update_code_parse(q->body, q->body_len, &lim, fn.runtime,
            fn.handler, &c, want, r) != 0)
        goto cleanup;
    if (want[0] != '\0' && strcmp(want, fn.revision_id) != 0) {
        fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
        goto cleanup;
    }
    if (fgd_store_update_code(q, q->function, fn.sha256, &c, want, r) != 0)
        goto cleanup;
    fgd_log("info", q->request_id, "updated code of %s:%s: sha256 %s",
        q->caller, q->function, c.fn.sha256);
    fgd_pool_forget(q->caller, q->function, "$LATEST");
    if (c.publish) {
        fgd_publish_t  p;

        memset(&p, 0, sizeof(p));
        if (fgd_store_publish(q, q->function, &p, version, &created, r)
            != 0)
            goto cleanup;
    }
    rc = fgd_function_reply(q, version, 200, r);

cleanup:
    fgd_create_clear(&c);
    fgd_fn_clear(&fn);
    return rc;
}

int
fgd_function_update_config(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_fn_t      fn;
    char          want[37], read_rev[37], runtime[sizeof(fn.runtime)];
    char          handler[sizeof(fn.handler)];
    uint8_t      *zip = NULL;
    size_t        zip_len;
    int           rc = -1;

    if (fgd_req_no_qualifier(q, r) != 0 ||
        fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
        return -1;
    snprintf(read_rev, sizeof(read_rev), "%s", fn.revision_id);
    snprintf(runtime, sizeof(runtime), "%s", fn.runtime);
    snprintf(handler, sizeof(handler), "%s", fn.handler);
    fgd_req_limits(q, &lim);
    if (fgd_update_config_parse(q->body, q->body_len, &lim, &fn, want, r)
        != 0)
        goto cleanup;
    /* Another runtime or handler must find what it needs in the code. */
    if ((strcmp(runtime, fn.runtime) != 0 ||
         strcmp(handler, fn.handler) != 0) &&
        (fgd_store_code(q, q->caller, fn.sha256, &zip, &zip_len, r) != 0 ||
         fgd_zip_check(zip, zip_len, fn.runtime, fn.handler,
             lim.max_unzipped, r) != 0))
        goto cleanup;
    if (want[0] != '\0' && strcmp(want, read_rev) != 0) {
        fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
        goto cleanup;
    }
    if (fgd_store_update_config(q, &fn, read_rev, r) != 0)
        goto cleanup;
    fgd_log("info", q->request_id, "updated configuration of %s:%s",
        q->caller, q->function);
    fgd_pool_forget(q->caller, q->function, "$LATEST");
    if (fgd_json_function_config(&fn, q->region, q->caller, &r->body,
            &r->body_len) != 0) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    r->status = 200;
    rc = 0;

cleanup:
    free(zip);
    fgd_fn_clear(&fn);
    return rc;
}
