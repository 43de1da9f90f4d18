/*
 * fngated_aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias and
 * ListAliases, of ordinary and of cross-account aliases.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_aliases.h"
#include "fngated_cache.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"

static int
fgd_alias_reply(const fgd_req_t *q, const fgd_alias_t *a, int status,
    fgd_resp_t *r)
{
    return fgd_resp_done(r,
        fgd_json_alias(a, q->region, q->caller, q->function, &r->body,
            &r->body_len),
        status);
}

int
fgd_alias_create(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_req_t  a;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_alias_parse(q->body, q->body_len, true, &a, r) != 0
        || fgd_alias_check(&a.a, r) != 0
        || (a.a.target[0] != '\0' && fgd_store_xalias_check(q, &a.a, r) != 0))
    {
        return -1;
    }
    /* the module leaves this check to us: a cross-account alias needs no
     * function of the caller, an ordinary one does */
    if (a.a.target[0] == '\0') {
        fgd_fn_t fn;
        if (fgd_store_get(q, q->caller, q->function, &fn, r) != 0) {
            return -1;
        }
        fgd_fn_clear(&fn);
    }
    fgd_revision_new(a.a.revision_id);
    if (fgd_store_alias_put(q, q->function, &a.a, NULL, r) != 0) {
        return -1;
    }
    fgd_log("info", q->request_id, "alias %s:%s:%s -> %s", q->caller,
        q->function, a.a.name,
        a.a.target[0] != '\0' ? a.a.target : a.a.version);
    return fgd_alias_reply(q, &a.a, 201, r);
}

int
fgd_alias_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t  a;

    if (fgd_store_alias_get(q, q->caller, q->function, q->qualifier, &a, r)
        != 0)
    {
        return -1;
    }
    return fgd_alias_reply(q, &a, 200, r);
}

int
fgd_alias_update(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_req_t  u;
    fgd_alias_t      a;
    char             read_rev[37];

    if (fgd_alias_parse(q->body, q->body_len, false, &u, r) != 0
        || fgd_store_alias_get(q, q->caller, q->function, q->qualifier, &a, r)
            != 0)
    {
        return -1;
    }
    if (u.want_revision[0] != '\0'
        && strcmp(u.want_revision, a.revision_id) != 0)
    {
        return fgd_revision_mismatch(r, FGD_GETTER_FUNCTION);
    }
    snprintf(read_rev, sizeof(read_rev), "%s", a.revision_id);
    fgd_alias_merge(&a, &u);
    if (fgd_alias_check(&a, r) != 0
        || (a.target[0] != '\0' && fgd_store_xalias_check(q, &a, r) != 0))
    {
        return -1;
    }
    fgd_revision_new(a.revision_id);
    if (fgd_store_alias_put(q, q->function, &a, read_rev, r) != 0) {
        return -1;
    }
    fgd_log("info", q->request_id, "alias %s:%s:%s -> %s", q->caller,
        q->function, a.name, a.target[0] != '\0' ? a.target : a.version);
    return fgd_alias_reply(q, &a, 200, r);
}

int
fgd_alias_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (fgd_store_alias_delete(q, q->function, q->qualifier, r) != 0) {
        return -1;
    }
    fgd_cache_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "deleted alias %s:%s:%s", q->caller,
        q->function, q->qualifier);
    r->status = 204;
    return 0;
}

int
fgd_alias_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char          marker[FG_QUALIFIER_MAX + 1], next[FG_QUALIFIER_MAX + 1];
    char          version[FGD_VERSION_LEN];
    unsigned      max_items;
    fgd_alias_t  *as = NULL;
    size_t        n = 0;
    int           rc;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_aliases_query(q->query, marker, sizeof(marker), &max_items,
            version, r) != 0)
    {
        return -1;
    }
    if (fgd_store_list_aliases(q, q->function, marker, max_items, version,
            &as, &n, next, sizeof(next), r) != 0)
    {
        return -1;
    }
    /* An unknown function is 404, not an empty list; a name that only
     * cross-account aliases use is not a function but has aliases. */
    if (n == 0) {
        fgd_fn_t fn;
        free(as);
        if (fgd_store_get(q, q->caller, q->function, &fn, r) != 0) {
            return -1;
        }
        fgd_fn_clear(&fn);
        as = NULL;
    }
    rc = fgd_json_list_aliases(as, n, next, q->region, q->caller,
        q->function, &r->body, &r->body_len);
    free(as);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_store_alias_get(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a, fgd_resp_t *r)
{
    return fgd_store_alias_read(q, account, name, alias, a, NULL, r);
}

int
fgd_store_alias_read(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a,
    fgd_overrides_t *o, fgd_resp_t *r)
{
    char          key[FG_KEY_MAX], arn[512];
    redisReply   *reply;
    const char  **fv = NULL;
    size_t       *lens = NULL, i;
    int           rc = -1;

    if (o != NULL) {
        memset(o, 0, sizeof(*o));
    }

    if (fg_key_alias(key, sizeof(key), account, name, alias) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    reply = fgd_store_hgetall(q, key, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->elements == 0) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name, alias);
        fgd_error(r, 404, "ResourceNotFoundException",
            "Alias not found: %s", arn);
        goto cleanup;
    }
    if (fgd_store_fields(reply, &fv, &lens) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    if (fgd_alias_from_fields(a, fv, lens, reply->elements) != 0) {
        fgd_log("error", q->request_id, "corrupt record %s", key);
        fgd_error(r, 500, "ServiceException",
            "The alias's stored configuration is unreadable");
        goto cleanup;
    }
    for (i = 0; o != NULL && i + 1 < reply->elements; i += 2) {
        fgd_resp_t  tmp = { 0 };

        if (lens[i] != sizeof("Overrides") - 1
            || memcmp(fv[i], "Overrides", lens[i]) != 0)
        {
            continue;
        }
        if (fgd_overrides_parse(fv[i + 1], lens[i + 1], FGD_MEMORY_LIMIT_MB,
                o, &tmp) != 0)
        {
            fgd_log("error", q->request_id, "corrupt overrides in %s: %s",
                key, tmp.message);
            fgd_resp_free(&tmp);
            fgd_error(r, 500, "ServiceException",
                "The alias's stored configuration is unreadable");
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    free(fv);
    free(lens);
    freeReplyObject(reply);
    return rc;
}

int
fgd_store_list_aliases(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, const char *version,
    fgd_alias_t **as, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    redisReply  *names = NULL;
    fgd_alias_t *out = NULL;
    size_t       i, got = 0;
    int          rc = -1;

    *as = NULL;
    *n = 0;
    next_marker[0] = '\0';
    if (fg_key_aliases(key, sizeof(key), q->caller, name) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    names = fgd_store_zrange(q, key, r);
    if (names == NULL) {
        return -1;
    }
    out = calloc(names->elements ? names->elements : 1, sizeof(*out));
    if (out == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    for (i = 0; i < names->elements; i++) {
        const redisReply *e = names->element[i];
        fgd_resp_t        tmp = { 0 };

        if (e->type != REDIS_REPLY_STRING
            || (marker[0] != '\0' && strcmp(e->str, marker) <= 0))
        {
            continue;
        }
        if (fgd_store_alias_get(q, q->caller, name, e->str, &out[got], &tmp)
            != 0)
        {
            if (tmp.status != 404) {
                *r = tmp;
                goto cleanup;
            }
            fgd_resp_free(&tmp);
            continue;
        }
        if (version[0] != '\0' && strcmp(out[got].version, version) != 0
            && strcmp(out[got].extra_version, version) != 0)
        {
            continue;
        }
        if (got == max_items) {
            snprintf(next_marker, next_size, "%s", out[got - 1].name);
            break;
        }
        got++;
    }
    *as = out;
    *n = got;
    out = NULL;
    rc = 0;

cleanup:
    free(out);
    freeReplyObject(names);
    return rc;
}

/* The names of the aliases routing to version, ", "-separated, for the
 * message of a refused version delete. */
void
fgd_aliases_of(const fgd_req_t *q, const char *name, const char *version,
    char *dst, size_t size)
{
    fgd_alias_t  *as = NULL;
    fgd_resp_t    tmp = { 0 };
    char          next[FG_QUALIFIER_MAX + 1];
    size_t        n = 0, i, used = 0;

    dst[0] = '\0';
    if (fgd_store_list_aliases(q, name, "", FGD_LIST_MAX, version, &as, &n,
            next, sizeof(next), &tmp) != 0)
    {
        fgd_resp_free(&tmp);
        return;
    }
    for (i = 0; i < n && used + 3 < size; i++) {
        used += (size_t) snprintf(dst + used, size - used, "%s%s",
            i ? ", " : "", as[i].name);
    }
    free(as);
}

int
fgd_store_alias_put(const fgd_req_t *q, const char *name,
    const fgd_alias_t *a, const char *read_revision, fgd_resp_t *r)
{
    char         kal[FG_KEY_MAX], kals[FG_KEY_MAX], kvrefs[FG_KEY_MAX];
    char         kv1[FG_KEY_MAX], kv2[FG_KEY_MAX], wbuf[32], arn[512];
    char         qal[24];
    const char  *args[11 + FGD_ALIAS_FIELDS_MAX];
    size_t       lens[11 + FGD_ALIAS_FIELDS_MAX], n, i;
    long long    v;
    bool         create = read_revision == NULL;

    if (fg_key_alias(kal, sizeof(kal), q->caller, name, a->name)
            >= FG_KEY_MAX
        || fg_key_aliases(kals, sizeof(kals), q->caller, name) >= FG_KEY_MAX
        || fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
            >= FG_KEY_MAX
        || (strcmp(a->version, "$LATEST") == 0 || a->target[0] != '\0'
         ? fg_key_function(kv1, sizeof(kv1), q->caller, name)
         : fg_key_version(kv1, sizeof(kv1), q->caller, name, a->version))
            >= FG_KEY_MAX
        || (a->extra_version[0] == '\0'
         ? fg_key_function(kv2, sizeof(kv2), q->caller, name)
         : fg_key_version(kv2, sizeof(kv2), q->caller, name,
               a->extra_version)) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    args[0] = kal;  args[1] = kals;  args[2] = kvrefs;  args[3] = kv1;
    args[4] = kv2;
    args[5] = create ? "create" : "update";
    args[6] = create ? "" : read_revision;
    args[7] = a->name;  args[8] = a->version;  args[9] = a->extra_version;
    snprintf(qal, sizeof(qal), "%u", q->conf->quota.aliases);
    args[10] = qal;
    n = fgd_alias_to_fields(a, args + 11, lens + 11, wbuf);
    for (i = 0; i < 11; i++) {
        lens[i] = strlen(args[i]);
    }
    if (fgd_redis_script_int(q, FGD_SCRIPT_ALIAS_PUT, 5,
        (int) (11 + n), args, lens, &v, r) != 0)
    {
        return -1;
    }
    switch (v) {
    case 1:
        return 0;
    case -7:
        /* Lambda's own error for this quota (400, a client fault) */
        fgd_log("error", q->request_id, "%s CreateAlias refused: quota of "
            "%u aliases per function (quota_aliases_per_function) reached",
            q->caller, q->conf->quota.aliases);
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
        return fgd_error(r, 400, "AliasLimitExceededException",
            "Alias limit exceeded: %s has %u aliases, the most a function "
            "may have (quota_aliases_per_function)", arn,
            q->conf->quota.aliases);
    case 0:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name,
            a->name);
        return fgd_error(r, 409, "ResourceConflictException",
            "Alias already exists: %s", arn);
    case -4:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name,
            a->name);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Alias not found: %s", arn);
    case -5:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
        return fgd_error(r, 409, "ResourceConflictException",
            "A cross-account alias needs a name that is not one of your "
            "functions: %s exists", arn);
    case -2:
    case -3:
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, name,
            v == -2 ? (strcmp(a->version, "$LATEST") == 0 ? ""
                                                           : a->version)
                    : a->extra_version);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    default:
        return fgd_revision_mismatch(r, FGD_GETTER_FUNCTION);
    }
}

int
fgd_store_alias_delete(const fgd_req_t *q, const char *name,
    const char *alias, fgd_resp_t *r)
{
    char         kal[FG_KEY_MAX], kals[FG_KEY_MAX], kvrefs[FG_KEY_MAX];
    char         arn[512], kpol[FG_KEY_MAX], kgr[FG_KEY_MAX];
    char         keic[FG_KEY_MAX], kpc[FG_KEY_MAX];
    const char  *args[8];
    long long    v;

    if (fg_key_alias(kal, sizeof(kal), q->caller, name, alias)
            >= FG_KEY_MAX
        || fg_key_aliases(kals, sizeof(kals), q->caller, name) >= FG_KEY_MAX
        || fg_key_version_refs(kvrefs, sizeof(kvrefs), q->caller, name)
            >= FG_KEY_MAX
        || fg_key_policy(kpol, sizeof(kpol), q->caller, name) >= FG_KEY_MAX
        || fg_key_grants(kgr, sizeof(kgr), q->caller, name) >= FG_KEY_MAX
        || fg_key_event_invoke_configs(keic, sizeof(keic), q->caller, name)
            >= FG_KEY_MAX
        || fg_key_provisioned(kpc, sizeof(kpc), q->caller, name)
            >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    args[0] = kal;  args[1] = kals;  args[2] = kvrefs;  args[3] = kpol;
    args[4] = kgr;  args[5] = keic;  args[6] = kpc;  args[7] = alias;
    if (fgd_redis_script_int(q, FGD_SCRIPT_ALIAS_DELETE, 7, 8, args, NULL, &v,
            r) != 0)
    {
        return -1;
    }
    if (v == 1) {
        return 0;
    }
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, alias);
    return fgd_error(r, 404, "ResourceNotFoundException",
        "Alias not found: %s", arn);
}

/*
 * A cross-account alias of the caller may point at a's target only where
 * the target's owner grants the caller lambda:InvokeFunction on the
 * function or on the qualifier, and where the target exists and is a
 * version or an alias that is not itself cross-account (no chains, so no
 * loops).  The caller learns nothing about the target it was not granted.
 */
int
fgd_store_xalias_check(const fgd_req_t *q, const fgd_alias_t *a,
    fgd_resp_t *r)
{
    fg_route_t    t;
    fgd_alias_t   ta;
    fgd_resp_t    tmp = { 0 };
    char          key[FG_KEY_MAX];
    int           rc;

    if (fg_alias_target_parse(a->target, strlen(a->target), &t)
        != FG_TARGET_OK)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Invalid cross-account alias target %.300s", a->target);
    }
    if (strcmp(t.account, q->caller) == 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "FunctionVersion names a function of your own account; give "
            "its version number instead of its ARN");
    }
    if (strcmp(t.region, q->region) != 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "FunctionVersion names a function of region %s, not %s",
            t.region, q->region);
    }

    rc = fgd_store_invoke_granted(q, t.account, t.function, t.qualifier,
        q->caller, r);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        fgd_log("error", q->request_id, "%s may not alias %s: no statement "
            "grants lambda:InvokeFunction", q->caller, a->target);
        return fgd_error(r, 403, "AccessDeniedException",
            "User: arn:aws:iam::%s:root is not authorized to perform: "
            "lambda:InvokeFunction on resource: arn:aws:lambda:%s:%s:"
            "function:%s because no resource-based policy allows the "
            "lambda:InvokeFunction action", q->caller, t.region, t.account,
            t.function);
    }

    if (fg_version_valid(t.qualifier, strlen(t.qualifier))) {
        if (fg_key_version(key, sizeof(key), t.account, t.function,
                t.qualifier) >= FG_KEY_MAX)
        {
            return fgd_error(r, 500, "ServiceException", "key too long");
        }
        rc = fgd_store_exists(q, key, r);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s", a->target);
        }
        return 0;
    }

    if (fgd_store_alias_get(q, t.account, t.function, t.qualifier, &ta,
            &tmp) != 0)
    {
        if (tmp.status != 404) {
            *r = tmp;
            return -1;
        }
        fgd_resp_free(&tmp);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", a->target);
    }
    if (ta.target[0] != '\0') {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "%s is itself a cross-account alias; cross-account aliases can "
            "not be chained", a->target);
    }
    return 0;
}
