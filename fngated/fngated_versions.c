/*
 * fngated_versions: PublishVersion and ListVersionsByFunction (a
 * version's DeleteFunction is fngated_functions.c's).
 */

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "fngated_aliases.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"
#include "fngated_versions.h"

int
fgd_version_publish(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_publish_t  p;
    char           version[FGD_VERSION_LEN];
    bool           created;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_publish_parse(q->body, q->body_len, &p, r) != 0
        || fgd_store_publish(q, q->function, &p, version, &created, r) != 0)
    {
        return -1;
    }
    fgd_log("info", q->request_id, "%s %s:%s version %s", created
        ? "published" : "unchanged since", q->caller, q->function, version);
    return fgd_version_reply(q, version, 201, r);
}

int
fgd_version_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char       marker[FGD_VERSION_LEN], next[FGD_VERSION_LEN];
    unsigned   max_items;
    fgd_fn_t  *fns = NULL;
    size_t     n = 0;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_versions_query(q->query, marker, sizeof(marker), &max_items, r)
            != 0
        || fgd_store_list_versions(q, q->function, marker, max_items, &fns, &n,
            next, sizeof(next), r) != 0)
    {
        return -1;
    }
    return fgd_version_list_answer(q, fgd_json_list_versions, fns, n, next, r);
}

/* Answers with version (of q->function) as FunctionConfiguration. */
int
fgd_version_reply(const fgd_req_t *q, const char *version, int status,
    fgd_resp_t *r)
{
    fgd_fn_t  fn;
    int       rc;

    if (fgd_store_get_version(q, q->caller, q->function, version, &fn, r)
        != 0)
    {
        return -1;
    }
    rc = fgd_json_function_config(&fn, q->region, q->caller, &r->body,
        &r->body_len);
    fgd_fn_clear(&fn);
    if (rc != 0) {
        return fgd_nomem(r);
    }
    r->status = status;
    return 0;
}

/* A 200 with a page of configurations; frees fns. */
int
fgd_version_list_answer(const fgd_req_t *q, fgd_json_list_pt json,
    fgd_fn_t *fns, size_t n, const char *next, fgd_resp_t *r)
{
    int  rc;

    rc = json(fns, n, next, q->region, q->caller, &r->body, &r->body_len);
    fgd_fns_free(fns, n);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_store_get_version(const fgd_req_t *q, const char *account,
    const char *name, const char *version, fgd_fn_t *fn, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (version[0] == '\0' || strcmp(version, "$LATEST") == 0) {
        return fgd_store_get(q, account, name, fn, r);
    }
    if (fg_key_version(key, sizeof(key), account, name, version)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    return fgd_store_read_fn(q, key, account, name, version, fn, r);
}

/*
 * The version a qualifier names: "" and "$LATEST" are $LATEST, a number is
 * that version, anything else an alias of the function (for Invoke,
 * weighted: the alias's additional version with its weight).  The module
 * may later resolve this itself and pass the version; fngated would then
 * only read it.  0 with fn (fn->version set), or -1 with r (404 for an
 * unknown version or alias).
 */
int
fgd_store_resolve(const fgd_req_t *q, const char *account, const char *name,
    const char *qualifier, bool weighted, fgd_fn_t *fn, fgd_resp_t *r)
{
    fgd_alias_t  a;
    fgd_resp_t   tmp = { 0 };
    char         arn[512];
    const char  *version;
    double       u = 0.0;

    if (qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0
        || fg_version_valid(qualifier, strlen(qualifier)))
    {
        if (fgd_store_get_version(q, account, name, qualifier, fn, r) != 0) {
            return -1;
        }
        if (fn->version[0] == '\0') {
            snprintf(fn->version, sizeof(fn->version), "$LATEST");
        }
        return 0;
    }
    if (!fg_alias_name_valid(qualifier, strlen(qualifier))) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name,
            qualifier);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    if (fgd_store_alias_get(q, account, name, qualifier, &a, &tmp) != 0) {
        if (tmp.status == 404) {
            fgd_resp_free(&tmp);
            fg_function_arn(arn, sizeof(arn), q->region, account, name,
                qualifier);
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        }
        *r = tmp;
        return -1;
    }
    if (a.target[0] != '\0') {
        /* a cross-account alias is resolved by the module, one step deep;
         * one reached here is the second step of a chain (B -> A -> C) */
        fg_function_arn(arn, sizeof(arn), q->region, account, name,
            qualifier);
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s points at another account's function; cross-account "
            "aliases can not be chained", arn);
    }
    if (weighted && a.extra_version[0] != '\0') {
        uint32_t x;
        if (RAND_bytes((unsigned char *) &x, sizeof(x)) != 1) {
            x = (uint32_t) rand();
        }
        u = (double) x / 4294967296.0;
    }
    version = fgd_alias_choose(&a, u);
    if (fgd_store_get_version(q, account, name, version, fn, r) != 0) {
        return -1;
    }
    if (fn->version[0] == '\0') {
        snprintf(fn->version, sizeof(fn->version), "$LATEST");
    }
    return 0;
}

int
fgd_store_publish(const fgd_req_t *q, const char *name,
    const fgd_publish_t *p, char version[FGD_VERSION_LEN], bool *created,
    fgd_resp_t *r)
{
    char           kfn[FG_KEY_MAX], kvers[FG_KEY_MAX], kver[FG_KEY_MAX];
    char           krefs[FG_KEY_MAX], klast[FG_KEY_MAX], last[24];
    char           next[24], rev[37], arn[256], kbytes[FG_KEY_MAX];
    char           qver[24], qcode[24];
    const char    *args[15];
    unsigned long  n;
    redisReply    *reply;
    int            attempt, got;

    *created = false;
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    fgd_revision_new(rev);
    for (attempt = 0; attempt < 5; attempt++) {
        if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX) {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        got = fgd_store_hget(q, kfn, "LastVersion", last, sizeof(last), r);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            snprintf(last, sizeof(last), "0");
        }
        n = fgd_version_next(last);
        if (n == 0) {
            return fgd_error(r, 500, "ServiceException",
                "The function's version counter is unreadable");
        }
        snprintf(next, sizeof(next), "%lu", n);
        if (fg_key_versions(kvers, sizeof(kvers), q->caller, name)
                >= FG_KEY_MAX
            || fg_key_version(kver, sizeof(kver), q->caller, name, next)
                >= FG_KEY_MAX
            || fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX
            || fg_key_version(klast, sizeof(klast), q->caller, name, last)
                >= FG_KEY_MAX
            || fg_key_codebytes(kbytes, sizeof(kbytes), q->caller)
                >= FG_KEY_MAX)
        {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        snprintf(qver, sizeof(qver), "%u", q->conf->quota.versions);
        snprintf(qcode, sizeof(qcode), "%zu", q->conf->quota.code_storage);
        args[0] = kfn;  args[1] = kvers;  args[2] = kver;  args[3] = krefs;
        args[4] = klast;  args[5] = kbytes;
        args[6] = last;  args[7] = next;
        args[8] = p->has_description ? "1" : "0";
        args[9] = p->description;  args[10] = p->sha256;
        args[11] = p->revision_id;  args[12] = rev;
        args[13] = qver;  args[14] = qcode;
        reply = fgd_redis_script_status(q, FGD_SCRIPT_PUBLISH, 6, 15,
            args, NULL, r);
        if (reply == NULL) {
            return -1;
        }
        switch (reply->element[0]->integer) {
        case 1:
        case 2:
            if (reply->elements < 2
                || reply->element[1]->type != REDIS_REPLY_STRING
                || reply->element[1]->len >= FGD_VERSION_LEN)
            {
                return fgd_store_unexpected(reply, r);
            }
            memcpy(version, reply->element[1]->str, reply->element[1]->len);
            version[reply->element[1]->len] = '\0';
            *created = reply->element[0]->integer == 1;
            freeReplyObject(reply);
            return 0;
        case 0:
            freeReplyObject(reply);
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        case -2: {
            char have[45] = "";
            if (reply->elements >= 2
                && reply->element[1]->type == REDIS_REPLY_STRING)
            {
                fgd_sha_hex_to_b64(reply->element[1]->str, have);
            }
            freeReplyObject(reply);
            return fgd_error(r, 400, "InvalidParameterValueException",
                "CodeSHA256 does not match the current CodeSHA256 in "
                "$LATEST (%s). Please try again.", have);
        }
        case -3:
            freeReplyObject(reply);
            return fgd_revision_mismatch(r, FGD_GETTER_FUNCTION);
        case -4:
            freeReplyObject(reply);
            return fgd_store_quota_refused(q, "versions", "function",
                "quota_versions_per_function", q->conf->quota.versions, r);
        case -5: {
            size_t add = 0;
            if (reply->elements >= 2
                && reply->element[1]->type == REDIS_REPLY_STRING)
            {
                add = (size_t) strtoull(reply->element[1]->str, NULL, 10);
            }
            freeReplyObject(reply);
            return fgd_store_code_storage_refused(q, r, add);
        }
        default:
            freeReplyObject(reply);         /* published meanwhile */
        }
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");
}

int
fgd_store_list_versions(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, fgd_fn_t **fns, size_t *n,
    char *next_marker, size_t next_size, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    redisReply  *vers = NULL;
    fgd_fn_t    *out = NULL;
    size_t       i, got = 0, total;
    bool         started;
    int          rc = -1;

    *fns = NULL;
    *n = 0;
    next_marker[0] = '\0';
    if (fg_key_versions(key, sizeof(key), q->caller, name) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    vers = fgd_store_zrange(q, key, r);
    if (vers == NULL) {
        return -1;
    }
    total = vers->elements + 1;
    out = calloc(total, sizeof(*out));
    if (out == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    /* $LATEST, then the versions in order; the marker is the last one
     * of the previous page. */
    started = marker[0] == '\0';
    for (i = 0; i < total; i++) {
        const char  *v;
        fgd_resp_t   tmp = { 0 };
        unsigned long mv, cv;

        if (i == 0) {
            v = "$LATEST";
        } else {
            if (vers->element[i - 1]->type != REDIS_REPLY_STRING) {
                continue;
            }
            v = vers->element[i - 1]->str;
        }
        if (!started) {
            if (strcmp(marker, "$LATEST") == 0) {
                started = true;
                continue;
            }
            mv = strtoul(marker, NULL, 10);
            cv = i == 0 ? 0 : strtoul(v, NULL, 10);
            if (cv <= mv) {
                continue;
            }
            started = true;
        }
        if (got == max_items) {
            snprintf(next_marker, next_size, "%s",
                fgd_fn_version(&out[got - 1]));
            break;
        }
        if (fgd_store_get_version(q, q->caller, name, v, &out[got], &tmp)
            == 0)
        {
            if (i == 0) {
                snprintf(out[got].version, sizeof(out[got].version),
                    "$LATEST");
            }
            got++;
        } else if (tmp.status != 404) {
            *r = tmp;
            memset(&tmp, 0, sizeof(tmp));
            goto cleanup;
        } else if (i == 0) {
            *r = tmp;                   /* the function itself is gone */
            memset(&tmp, 0, sizeof(tmp));
            goto cleanup;
        }
        fgd_resp_free(&tmp);
    }
    *fns = out;
    *n = got;
    out = NULL;
    rc = 0;

cleanup:
    fgd_fns_free(out, got);
    freeReplyObject(vers);
    return rc;
}

int
fgd_store_delete_version(const fgd_req_t *q, const char *name,
    const char *version, fgd_resp_t *r)
{
    char         kver[FG_KEY_MAX], kvers[FG_KEY_MAX], krefs[FG_KEY_MAX];
    char         kvrefs[FG_KEY_MAX], kcode[FG_KEY_MAX], sha[FGD_SHA256_HEX];
    char         arn[512], names[512], kpol[FG_KEY_MAX], kgr[FG_KEY_MAX];
    char         kbytes[FG_KEY_MAX], keic[FG_KEY_MAX], kpc[FG_KEY_MAX];
    const char  *args[12];
    long long    v;
    int          attempt, got;

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, version);
    for (attempt = 0; attempt < 5; attempt++) {
        if (fg_key_version(kver, sizeof(kver), q->caller, name, version)
                >= FG_KEY_MAX
            || fg_key_versions(kvers, sizeof(kvers), q->caller, name)
                >= FG_KEY_MAX
            || fg_key_coderefs(krefs, sizeof(krefs), q->caller) >= FG_KEY_MAX
            || fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
                >= FG_KEY_MAX
            || fg_key_policy(kpol, sizeof(kpol), q->caller, name)
                >= FG_KEY_MAX
            || fg_key_grants(kgr, sizeof(kgr), q->caller, name) >= FG_KEY_MAX
            || fg_key_codebytes(kbytes, sizeof(kbytes), q->caller)
                >= FG_KEY_MAX
            || fg_key_event_invoke_configs(keic, sizeof(keic), q->caller,
                name) >= FG_KEY_MAX
            || fg_key_provisioned(kpc, sizeof(kpc), q->caller, name)
                >= FG_KEY_MAX)
        {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        got = fgd_store_hget(q, kver, "CodeSha256", sha, sizeof(sha), r);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", arn);
        }
        if (fg_key_code(kcode, sizeof(kcode), q->caller, sha) >= FG_KEY_MAX) {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        args[0] = kver;  args[1] = kvers;  args[2] = krefs;
        args[3] = kvrefs;  args[4] = kcode;  args[5] = kpol;
        args[6] = kgr;  args[7] = kbytes;  args[8] = keic;
        args[9] = kpc;  args[10] = version;  args[11] = sha;
        if (fgd_redis_script_int(q, FGD_SCRIPT_DELETE_VERSION, 10, 12, args,
                NULL, &v, r) != 0)
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
        if (v == -2) {
            fgd_aliases_of(q, name, version, names, sizeof(names));
            return fgd_error(r, 409, "ResourceConflictException",
                "Unable to delete version because the following aliases "
                "reference it: [%s]", names);
        }
    }
    return fgd_error(r, 409, "ResourceConflictException",
        "The function is being modified; try again");
}
