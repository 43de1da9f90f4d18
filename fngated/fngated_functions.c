/*
 * fngated_functions: the calls on a function as a whole: CreateFunction,
 * ListFunctions, GetFunction, GetFunctionConfiguration, DeleteFunction
 * (of the function or of one version), UpdateFunctionCode and
 * UpdateFunctionConfiguration.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_cache.h"
#include "fngated_concurrency.h"
#include "fngated_functions.h"
#include "fngated_idem.h"
#include "fngated_log.h"
#include "fngated_event_config.h"
#include "fngated_pool.h"
#include "fngated_redis.h"
#include "fngated_store.h"
#include "fngated_versions.h"

/*
 * The runtimes of this host's runtime disk: the manifest RUNTIMES.names
 * that guest/image/mkruntimes.sh writes beside the image (conf key
 * runtimes; none when the key is empty), read once.  NULL when the image
 * has no manifest (made before there was one): nothing is checked.
 */
static const char *
fgd_runtimes_carried(const fgd_conf_t *conf)
{
    static pthread_mutex_t   lock = PTHREAD_MUTEX_INITIALIZER;
    static bool              read;
    static char             *names;
    char                     path[4096];
    FILE                    *f;
    long                     len;

    pthread_mutex_lock(&lock);
    if (!read) {
        read = true;
        if (conf->runtimes == NULL || conf->runtimes[0] == '\0') {
            names = strdup("");
        } else if (snprintf(path, sizeof(path), "%s.names", conf->runtimes)
                       < (int) sizeof(path)
                   && (f = fopen(path, "r")) != NULL)
        {
            if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0
                && len < 4096 && fseek(f, 0, SEEK_SET) == 0
                && (names = calloc(1, (size_t) len + 1)) != NULL
                && fread(names, 1, (size_t) len, f) != (size_t) len)
            {
                free(names);
                names = NULL;
            }
            fclose(f);
        }
    }
    pthread_mutex_unlock(&lock);
    return names;
}

/* 400 when this host's guests do not carry runtime. */
static int
fgd_runtime_here(const fgd_req_t *q, const char *runtime, fgd_resp_t *r)
{
    const char  *names = fgd_runtimes_carried(q->conf), *p, *nl;
    char         list[256] = "provided, provided.al2, provided.al2023";
    size_t       len = strlen(list);

    if (names == NULL || fgd_runtime_carried(names, runtime)) {
        return 0;
    }
    for (p = names; *p != '\0' && len < sizeof(list); p = nl + (*nl != 0)) {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            nl = p + strlen(p);
        }
        if (nl > p) {
            len += (size_t) snprintf(list + len, sizeof(list) - len, ", %.*s",
                (int) (nl - p), p);
        }
    }
    return fgd_error(r, 400, "InvalidParameterValueException",
        "The runtime parameter of %s is not available on this fngate host: "
        "its guests carry %s.", runtime, list);
}

/*
 * fn's FngateEgress against the operator's `network` (docs/network.md):
 * 400 for a destination it does not allow, or in the guests' subnet.
 */
static int
fgd_egress_check(const fgd_req_t *q, const fgd_fn_t *fn, fgd_resp_t *r)
{
    char  why[256];

    if (fn->egress == NULL || fn->egress[0] == '\0'
        || strcmp(fn->egress, "-") == 0
        || fgd_conf_egress(q->conf, fn->egress, NULL, 0, why, sizeof(why))
           == 0)
    {
        return 0;
    }
    fgd_log("info", q->request_id, "FngateEgress of %s refused: %s",
        fn->name, why);
    return fgd_error(r, 400, "InvalidParameterValueException",
        "FngateEgress: %s", why);
}

int
fgd_function_create(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_create_t  c;
    int           rc;

    fgd_req_limits(q, &lim);
    if (fgd_create_parse(q->body, q->body_len, &lim, &c, r) != 0) {
        return -1;
    }
    snprintf(q->name, FG_FUNCTION_NAME_MAX + 1, "%s", c.fn.name);
    if (fgd_runtime_here(q, c.fn.runtime, r) != 0
        || fgd_egress_check(q, &c.fn, r) != 0
        || fgd_idem_check(q, &c.fn, r) != 0
        || (c.fn.dead_letter[0] != '\0'
            && fgd_eic_dest_check(q, c.fn.dead_letter, "dead-letter queue",
                   true, r) != 0))
    {
        fgd_create_clear(&c);
        return -1;
    }
    rc = fgd_store_create(q, &c, r);
    if (rc == 0 && c.publish) {
        fgd_publish_t  p;
        char           version[FGD_VERSION_LEN];
        bool           created;

        memset(&p, 0, sizeof(p));
        rc = fgd_store_publish(q, c.fn.name, &p, version, &created, r);
        if (rc == 0) {
            snprintf(c.fn.version, sizeof(c.fn.version), "%s", version);
        }
    }
    if (rc == 0) {
        if (fgd_json_function_config(&c.fn, q->region, q->caller, &r->body,
                &r->body_len) != 0)
        {
            rc = fgd_nomem(r);
        } else {
            r->status = 201;
        }
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
    unsigned  reserved = 0;
    int       rc, has_reserved = 0;

    if (fgd_store_resolve(q, q->owner, q->function, q->qualifier, false,
            &fn, r) != 0)
    {
        return -1;
    }
    /* GetFunction shows the owner the function's reserved concurrency */
    if (!config_only && strcmp(q->owner, q->caller) == 0) {
        has_reserved = fgd_concurrency_reserved(q, q->owner, q->function,
            &reserved, r);
        if (has_reserved < 0) {
            fgd_fn_clear(&fn);
            return -1;
        }
    }
    if (strcmp(fn.version, "$LATEST") == 0
        && strcmp(q->qualifier, "$LATEST") != 0)
    {
        fn.version[0] = '\0';
    }
    /* a grantee sees the configuration, never where the code is */
    rc = config_only
         ? fgd_json_function_config(&fn, q->region, q->owner, &r->body,
               &r->body_len)
         : strcmp(q->owner, q->caller) != 0
         ? fgd_json_get_function_shared(&fn, q->region, q->owner, &r->body,
               &r->body_len)
         : fgd_json_get_function(&fn, q->region, q->caller,
               has_reserved ? (int) reserved : -1, &r->body, &r->body_len);
    fgd_fn_clear(&fn);
    return fgd_resp_done(r, rc, 200);
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

int
fgd_function_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char       marker[FG_FUNCTION_NAME_MAX + 1], next[FG_FUNCTION_NAME_MAX + 1];
    unsigned   max_items;
    fgd_fn_t  *fns = NULL;
    size_t     n = 0;

    if (fgd_list_query(q->query, marker, sizeof(marker), &max_items, r)
        != 0)
    {
        return -1;
    }
    if (fgd_store_list(q, marker, max_items, &fns, &n, next, sizeof(next),
            r) != 0)
    {
        return -1;
    }
    return fgd_version_list_answer(q, fgd_json_list_functions, fns, n, next, r);
}

int
fgd_function_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (q->qualifier[0] != '\0') {
        if (strcmp(q->qualifier, "$LATEST") == 0) {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "$LATEST version cannot be deleted without deleting the "
                "function.");
        }
        if (!fg_version_valid(q->qualifier, strlen(q->qualifier))) {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "Deletion of aliases is not supported by DeleteFunction; "
                "use DeleteAlias");
        }
        if (fgd_store_delete_version(q, q->function, q->qualifier, r) != 0) {
            return -1;
        }
        fgd_log("info", q->request_id, "deleted %s:%s:%s", q->caller,
            q->function, q->qualifier);
        fgd_pool_forget(q->caller, q->function, q->qualifier);
        r->status = 204;
        return 0;
    }
    if (fgd_store_delete(q, q->function, r) != 0) {
        return -1;
    }
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

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
    {
        return -1;
    }
    fgd_req_limits(q, &lim);
    if (fgd_update_code_parse(q->body, q->body_len, &lim, fn.runtime,
            fn.handler, &c, want, r) != 0)
    {
        goto cleanup;
    }
    if (want[0] != '\0' && strcmp(want, fn.revision_id) != 0) {
        fgd_revision_mismatch(r, FGD_GETTER_FUNCTION);
        goto cleanup;
    }
    if (fgd_store_update_code(q, q->function, fn.sha256, &c, want, r) != 0) {
        goto cleanup;
    }
    fgd_log("info", q->request_id, "updated code of %s:%s: sha256 %s",
        q->caller, q->function, c.fn.sha256);
    fgd_pool_forget(q->caller, q->function, "$LATEST");
    if (c.publish) {
        fgd_publish_t  p;

        memset(&p, 0, sizeof(p));
        if (fgd_store_publish(q, q->function, &p, version, &created, r)
            != 0)
        {
            goto cleanup;
        }
    }
    rc = fgd_version_reply(q, version, 200, r);

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

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
    {
        return -1;
    }
    snprintf(read_rev, sizeof(read_rev), "%s", fn.revision_id);
    snprintf(runtime, sizeof(runtime), "%s", fn.runtime);
    snprintf(handler, sizeof(handler), "%s", fn.handler);
    fgd_req_limits(q, &lim);
    if (fgd_update_config_parse(q->body, q->body_len, &lim, &fn, want, r)
        != 0)
    {
        goto cleanup;
    }
    if (strcmp(runtime, fn.runtime) != 0
        && fgd_runtime_here(q, fn.runtime, r) != 0)
    {
        goto cleanup;
    }
    /* Another runtime or handler must find what it needs in the code. */
    if ((strcmp(runtime, fn.runtime) != 0
         || strcmp(handler, fn.handler) != 0)
        && (fgd_store_code(q, q->caller, fn.sha256, &zip, &zip_len, r) != 0
         || fgd_zip_check(zip, zip_len, fn.runtime, fn.handler,
             lim.max_unzipped, r) != 0))
    {
        goto cleanup;
    }
    if (want[0] != '\0' && strcmp(want, read_rev) != 0) {
        fgd_revision_mismatch(r, FGD_GETTER_FUNCTION);
        goto cleanup;
    }
    if (fgd_egress_check(q, &fn, r) != 0
        || fgd_idem_check(q, &fn, r) != 0
        || (fn.dead_letter[0] != '\0'
            && fgd_eic_dest_check(q, fn.dead_letter, "dead-letter queue",
                   true, r) != 0))
    {
        goto cleanup;
    }
    if (fgd_store_update_config(q, &fn, read_rev, r) != 0) {
        goto cleanup;
    }
    fgd_log("info", q->request_id, "updated configuration of %s:%s",
        q->caller, q->function);
    fgd_pool_forget(q->caller, q->function, "$LATEST");
    if (fgd_json_function_config(&fn, q->region, q->caller, &r->body,
            &r->body_len) != 0)
    {
        fgd_nomem(r);
        goto cleanup;
    }
    r->status = 200;
    rc = 0;

cleanup:
    free(zip);
    fgd_fn_clear(&fn);
    return rc;
}

int
fgd_store_create(const fgd_req_t *q, const fgd_create_t *c, fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kfns[FG_KEY_MAX], kcode[FG_KEY_MAX];
    char         krefs[FG_KEY_MAX], kaliases[FG_KEY_MAX], numbuf[128];
    char         kbytes[FG_KEY_MAX], arn[300], qfn[24], qcode[24], size[24];
    const char  *argv[12 + FGD_FN_FIELDS_MAX];
    size_t       lens[12 + FGD_FN_FIELDS_MAX], n, i;
    redisReply  *reply;
    int          rc = -1;

    if (fgd_store_keys(q->caller, c->fn.name, c->fn.sha256, kfn, kfns, kcode,
            krefs) != 0
        || fg_key_aliases(kaliases, sizeof(kaliases), q->caller, c->fn.name)
            >= (int) sizeof(kaliases)
        || fg_key_codebytes(kbytes, sizeof(kbytes), q->caller)
            >= (int) sizeof(kbytes))
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    snprintf(qfn, sizeof(qfn), "%u", q->conf->quota.functions);
    snprintf(qcode, sizeof(qcode), "%zu", q->conf->quota.code_storage);
    snprintf(size, sizeof(size), "%zu", c->zip_len);

    argv[0] = kfn;
    argv[1] = kfns;
    argv[2] = kcode;
    argv[3] = krefs;
    argv[4] = kaliases;
    argv[5] = kbytes;
    argv[6] = c->fn.name;
    argv[7] = c->fn.sha256;
    argv[8] = (const char *) c->zip;  lens[8] = c->zip_len;
    argv[9] = qfn;
    argv[10] = qcode;
    argv[11] = size;
    for (i = 0; i < 12; i++) {
        if (i != 8) {
            lens[i] = strlen(argv[i]);
        }
    }
    n = fgd_fn_to_fields(&c->fn, argv + 12, lens + 12, numbuf);

    reply = fgd_redis_script(q, FGD_SCRIPT_CREATE, 6, (int) (12 + n), argv,
        lens, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        fgd_error(r, 502, "ServiceException",
            "The service's storage answered unexpectedly");
        goto cleanup;
    }
    if (reply->integer == 0) {
        fgd_error(r, 409, "ResourceConflictException",
            "Function already exist: %s", c->fn.name);
        goto cleanup;
    }
    if (reply->integer == -1) {
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, c->fn.name,
            NULL);
        fgd_error(r, 409, "ResourceConflictException",
            "The name %s holds cross-account aliases (%s:ALIAS); delete "
            "them before creating a function of that name", c->fn.name,
            arn);
        goto cleanup;
    }
    if (reply->integer == -2) {
        fgd_store_quota_refused(q, "functions", "account",
            "quota_functions", q->conf->quota.functions, r);
        goto cleanup;
    }
    if (reply->integer == -3) {
        fgd_store_code_storage_refused(q, r, c->zip_len);
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

int
fgd_store_list(const fgd_req_t *q, const char *marker, unsigned max_items,
    fgd_fn_t **fns, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r)
{
    char         key[FG_KEY_MAX], start[FG_FUNCTION_NAME_MAX + 2];
    char         count[24];
    const char  *argv[7];
    size_t       lens[7], i, got = 0;
    redisReply  *names;
    fgd_fn_t    *out = NULL;
    int          rc = -1;

    *fns = NULL;
    *n = 0;
    next_marker[0] = '\0';
    if (fg_key_functions(key, sizeof(key), q->caller) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    if (marker[0] != '\0') {
        snprintf(start, sizeof(start), "(%s", marker);
    } else {
        snprintf(start, sizeof(start), "-");
    }
    /* One more than asked, to know whether there is a next page. */
    snprintf(count, sizeof(count), "%u", max_items + 1);
    argv[0] = "ZRANGEBYLEX"; argv[1] = key; argv[2] = start; argv[3] = "+";
    argv[4] = "LIMIT"; argv[5] = "0"; argv[6] = count;
    for (i = 0; i < 7; i++) {
        lens[i] = strlen(argv[i]);
    }
    names = fgd_redis_command(q, true, 7, argv, lens, r);
    if (names == NULL) {
        return -1;
    }
    if (names->type != REDIS_REPLY_ARRAY) {
        fgd_error(r, 502, "ServiceException",
            "The service's storage answered unexpectedly");
        goto cleanup;
    }
    out = calloc(names->elements ? names->elements : 1, sizeof(*out));
    if (out == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    for (i = 0; i < names->elements && i < max_items; i++) {
        const redisReply *e = names->element[i];
        fgd_resp_t        tmp = { 0 };

        if (e->type != REDIS_REPLY_STRING
            || !fg_function_name_valid(e->str, e->len))
        {
            continue;
        }
        /* A function deleted since ZRANGEBYLEX is skipped. */
        if (fgd_store_get(q, q->caller, e->str, &out[got], &tmp) == 0) {
            got++;
        } else if (tmp.status != 404) {
            *r = tmp;
            memset(&tmp, 0, sizeof(tmp));
            goto cleanup;
        }
        fgd_resp_free(&tmp);
    }
    if (names->elements > max_items && max_items > 0) {
        const redisReply *last = names->element[max_items - 1];
        if (last->type == REDIS_REPLY_STRING) {
            snprintf(next_marker, next_size, "%s", last->str);
        }
    }
    *fns = out;
    *n = got;
    out = NULL;
    rc = 0;

cleanup:
    fgd_fns_free(out, got);
    freeReplyObject(names);
    return rc;
}

int
fgd_store_code(const fgd_req_t *q, const char *account,
    const char *sha256hex, uint8_t **zip, size_t *len, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    const char  *argv[2];
    size_t       lens[2];
    redisReply  *reply;

    *zip = NULL;
    *len = 0;
    if (fg_key_code(key, sizeof(key), account, sha256hex) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    argv[0] = "GET";  lens[0] = 3;
    argv[1] = key;    lens[1] = strlen(key);
    reply = fgd_redis_command(q, true, 2, argv, lens, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        fgd_log("error", q->request_id, "code blob %s missing", key);
        return fgd_error(r, 500, "ServiceException",
            "The function's code is missing from storage");
    }
    *zip = malloc(reply->len ? reply->len : 1);
    if (*zip == NULL) {
        freeReplyObject(reply);
        return fgd_nomem(r);
    }
    memcpy(*zip, reply->str, reply->len);
    *len = reply->len;
    freeReplyObject(reply);
    return 0;
}

int
fgd_store_update_code(const fgd_req_t *q, const char *name,
    const char *old_sha, const fgd_create_t *c, const char *want_revision,
    fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kcode[FG_KEY_MAX], krefs[FG_KEY_MAX];
    char         kold[FG_KEY_MAX], size[24], arn[256], kbytes[FG_KEY_MAX];
    char         qcode[24];
    const char  *args[13];
    size_t       lens[13];
    int          i;
    long long    v;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX
        || fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX
        || fg_key_code(kcode, sizeof(kcode), q->caller, c->fn.sha256)
            >= FG_KEY_MAX
        || fg_key_code(kold, sizeof(kold), q->caller, old_sha) >= FG_KEY_MAX
        || fg_key_codebytes(kbytes, sizeof(kbytes), q->caller) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    snprintf(size, sizeof(size), "%llu",
        (unsigned long long) c->fn.code_size);
    snprintf(qcode, sizeof(qcode), "%zu", q->conf->quota.code_storage);
    args[0] = kfn;  args[1] = kcode;  args[2] = krefs;  args[3] = kold;
    args[4] = kbytes;
    args[5] = old_sha;  args[6] = want_revision;  args[7] = c->fn.sha256;
    args[8] = (const char *) c->zip;  args[9] = size;
    args[10] = c->fn.last_modified;  args[11] = c->fn.revision_id;
    args[12] = qcode;
    for (i = 0; i < 13; i++) {
        lens[i] = i == 8 ? c->zip_len : strlen(args[i]);
    }
    if (fgd_redis_script_int(q, FGD_SCRIPT_UPDATE_CODE,
        5, 13, args, lens, &v, r) != 0)
    {
        return -1;
    }
    if (v == -4) {
        return fgd_store_code_storage_refused(q, r, c->fn.code_size);
    }
    if (v == 1) {
        return 0;
    }
    if (v == 0) {
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    if (v == -3) {
        return fgd_revision_mismatch(r, FGD_GETTER_FUNCTION);
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in "
        "progress for resource: %s", arn);
}

int
fgd_store_update_config(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *read_revision, fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], numbuf[128], arn[256];
    const char  *args[2 + FGD_FN_FIELDS_MAX];
    size_t       lens[2 + FGD_FN_FIELDS_MAX], n, i;
    long long    v;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, fn->name, "");
    if (fg_key_function(kfn, sizeof(kfn), q->caller, fn->name) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    args[0] = kfn;
    args[1] = read_revision;
    n = fgd_fn_to_fields(fn, args + 2, lens + 2, numbuf);
    lens[0] = strlen(kfn);
    lens[1] = strlen(read_revision);
    for (i = 2; i < n + 2; i++) {
        lens[i] = strlen(args[i]);
    }
    if (fgd_redis_script_int(q, FGD_SCRIPT_UPDATE_CONFIG, 1, (int) (n + 2),
            args, lens, &v, r) != 0)
    {
        return -1;
    }
    if (v == 1) {
        return 0;
    }
    if (v == 0) {
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in "
        "progress for resource: %s", arn);
}

/*
 * DeleteFunction: $LATEST, every version and every alias, in one script.
 * The script is given what was read (the version and alias lists and the
 * code of each) and refuses when anything changed since; then it is read
 * again.
 */
int
fgd_store_delete(const fgd_req_t *q, const char *name, fgd_resp_t *r)
{
    char          kfn[FG_KEY_MAX], kfns[FG_KEY_MAX], krefs[FG_KEY_MAX];
    char          kvers[FG_KEY_MAX], kvrefs[FG_KEY_MAX], kals[FG_KEY_MAX];
    char          arn[256], nv_s[24], na_s[24];
    char          kpol[FG_KEY_MAX], kgr[FG_KEY_MAX], kbnd[FG_KEY_MAX];
    char          kbytes[FG_KEY_MAX], keic[FG_KEY_MAX], kpc[FG_KEY_MAX];
    char        (*keys)[FG_KEY_MAX] = NULL, (*shas)[FGD_SHA256_HEX] = NULL;
    const char  **args = NULL;
    redisReply   *vers = NULL, *als = NULL, *reply;
    size_t        nv, na, i, k, nargs;
    int           attempt, got, rc = -1;
    long long     v;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX
        || fg_key_functions(kfns, sizeof(kfns), q->caller) >= FG_KEY_MAX
        || fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX
        || fg_key_versions(kvers, sizeof(kvers), q->caller, name)
            >= FG_KEY_MAX
        || fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
            >= FG_KEY_MAX
        || fg_key_aliases(kals, sizeof(kals), q->caller, name) >= FG_KEY_MAX
        || fg_key_policy(kpol, sizeof(kpol), q->caller, name) >= FG_KEY_MAX
        || fg_key_grants(kgr, sizeof(kgr), q->caller, name) >= FG_KEY_MAX
        || fg_key_bounds(kbnd, sizeof(kbnd), q->caller, name) >= FG_KEY_MAX
        || fg_key_event_invoke_configs(keic, sizeof(keic), q->caller, name)
            >= FG_KEY_MAX
        || fg_key_provisioned(kpc, sizeof(kpc), q->caller, name)
            >= FG_KEY_MAX
        || fg_key_codebytes(kbytes, sizeof(kbytes), q->caller) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }

    for (attempt = 0; attempt < 5; attempt++) {
        freeReplyObject(vers);
        freeReplyObject(als);
        free(keys);
        free(shas);
        free(args);
        vers = als = NULL;
        keys = NULL;
        shas = NULL;
        args = NULL;

        if ((vers = fgd_store_zrange(q, kvers, r)) == NULL
            || (als = fgd_store_zrange(q, kals, r)) == NULL)
        {
            goto cleanup;
        }
        nv = vers->elements;
        na = als->elements;
        keys = calloc(nv + na + 1 + nv, sizeof(*keys));
        shas = calloc(nv + 1, sizeof(*shas));
        nargs = 6 + (nv + na + 1 + nv) + 6 + 3 + nv + na + (1 + nv);
        args = calloc(nargs, sizeof(*args));
        if (keys == NULL || shas == NULL || args == NULL) {
            fgd_nomem(r);
            goto cleanup;
        }
        got = fgd_store_hget(q, kfn, "CodeSha256", shas[0], FGD_SHA256_HEX, r);
        if (got < 0) {
            goto cleanup;
        }
        if (got == 0) {
            fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
            goto cleanup;
        }
        k = 0;
        for (i = 0; i < nv; i++) {
            if (vers->element[i]->type != REDIS_REPLY_STRING
                || fg_key_version(keys[k++], FG_KEY_MAX, q->caller, name,
                    vers->element[i]->str) >= FG_KEY_MAX)
            {
                fgd_error(r, 500, "ServiceException", "bad version entry");
                goto cleanup;
            }
            if (fgd_store_hget(q, keys[k - 1], "CodeSha256", shas[1 + i],
                    FGD_SHA256_HEX, r) < 0)
            {
                goto cleanup;
            }
        }
        for (i = 0; i < na; i++) {
            if (als->element[i]->type != REDIS_REPLY_STRING
                || fg_key_alias(keys[k++], FG_KEY_MAX, q->caller, name,
                    als->element[i]->str) >= FG_KEY_MAX)
            {
                fgd_error(r, 500, "ServiceException", "bad alias entry");
                goto cleanup;
            }
        }
        for (i = 0; i < 1 + nv; i++) {
            fg_key_code(keys[k++], FG_KEY_MAX, q->caller, shas[i]);
        }

        k = 0;
        args[k++] = kfn;  args[k++] = kfns;  args[k++] = krefs;
        args[k++] = kvers;  args[k++] = kvrefs;  args[k++] = kals;
        for (i = 0; i < nv + na + 1 + nv; i++) {
            args[k++] = keys[i];
        }
        args[k++] = kpol;  args[k++] = kgr;  args[k++] = kbnd;
        args[k++] = keic;  args[k++] = kpc;  args[k++] = kbytes;
        snprintf(nv_s, sizeof(nv_s), "%zu", nv);
        snprintf(na_s, sizeof(na_s), "%zu", na);
        args[k++] = name;  args[k++] = nv_s;  args[k++] = na_s;
        for (i = 0; i < nv; i++) {
            args[k++] = vers->element[i]->str;
        }
        for (i = 0; i < na; i++) {
            args[k++] = als->element[i]->str;
        }
        for (i = 0; i < 1 + nv; i++) {
            args[k++] = shas[i];
        }

        reply = fgd_redis_script(q, FGD_SCRIPT_DELETE_ALL,
            (int) (6 + nv + na + 1 + nv + 6),
            (int) k, args, NULL, r);
        if (reply == NULL) {
            goto cleanup;
        }
        if (reply->type != REDIS_REPLY_INTEGER) {
            fgd_store_unexpected(reply, r);
            goto cleanup;
        }
        v = reply->integer;
        freeReplyObject(reply);
        if (v == 1) {
            rc = 0;
            goto cleanup;
        }
        if (v == 0) {
            fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
            goto cleanup;
        }
        /* changed under us: read again */
    }
    fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");

cleanup:
    freeReplyObject(vers);
    freeReplyObject(als);
    free(keys);
    free(shas);
    free(args);
    return rc;
}
