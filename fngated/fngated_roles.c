/*
 * fngated_roles: execution roles (IAM's API on the gateway), the check of
 * a call made with a role's credentials, and the temporary credentials
 * of a call (fngated_roles.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "fg_keys.h"
#include "fg_route.h"
#include "fg_util.h"
#include "fngated_iam_json.h"
#include "fngated_log.h"
#include "fngated_queues_wire.h"
#include "fngated_redis.h"
#include "fngated_roles.h"
#include "fngated_store.h"
#include "fngated_util.h"

#define FGD_IAM_XMLNS       "https://iam.amazonaws.com/doc/2010-05-08/"
#define FGD_TRUST_DOC_MAX   2048
#define FGD_ROLE_ARN_MAX    (sizeof("arn:aws:iam:::role") + FG_ACCOUNT_LEN \
                             + FGD_ROLE_PATH_MAX + FGD_ROLE_NAME_MAX)
#define FGD_ROLES_MAX       1000        /* roles per account */

/* IAM's errors: the query protocol's Code, and the status. */
#define FGD_IAM_ERROR(var, code, status)                                  \
    static const fgq_code_t  var = { code, code, status }

FGD_IAM_ERROR(fgd_iam_e_no_entity, "NoSuchEntity", 404);
FGD_IAM_ERROR(fgd_iam_e_exists, "EntityAlreadyExists", 409);
FGD_IAM_ERROR(fgd_iam_e_malformed, "MalformedPolicyDocument", 400);
FGD_IAM_ERROR(fgd_iam_e_validation, "ValidationError", 400);
FGD_IAM_ERROR(fgd_iam_e_conflict, "DeleteConflict", 409);
FGD_IAM_ERROR(fgd_iam_e_limit, "LimitExceeded", 409);
FGD_IAM_ERROR(fgd_iam_e_action, "InvalidAction", 400);
FGD_IAM_ERROR(fgd_iam_e_denied, "AccessDenied", 403);
FGD_IAM_ERROR(fgd_iam_e_failure, "ServiceFailure", 500);

/* One IAM call: the request, its parameters, its answer. */
typedef struct {
    const fgd_req_t  *q;
    fgd_resp_t       *r;
    fgq_params_t      p;
    fgq_out_t         o;
    char              name[FGD_ROLE_NAME_MAX + 1];     /* RoleName */
    char              key[FG_KEY_MAX];                 /* its role */
    char              keys[FG_KEY_MAX];                /* the account's */
} fgd_iam_call_t;

typedef int (*fgd_iam_handler_pt)(fgd_iam_call_t *c);

/* ------------------------------------------------------------------ */
/* Names                                                                */

bool
fgd_role_arn_name(const char *arn, const char *account, char *name,
    size_t size)
{
    const char  *p, *slash;
    size_t       n;

    if (strncmp(arn, "arn:aws:iam::", 13) != 0) {
        return false;
    }
    p = arn + 13;
    if (strncmp(p, account, FG_ACCOUNT_LEN) != 0
        || strncmp(p + FG_ACCOUNT_LEN, ":role/", 6) != 0)
    {
        return false;
    }
    p += FG_ACCOUNT_LEN + 6;
    slash = strrchr(p, '/');
    if (slash != NULL) {
        p = slash + 1;
    }
    n = strlen(p);
    if (n >= size) {
        return false;
    }
    memcpy(name, p, n + 1);
    return fgd_role_name_valid(name);
}

static void
fgd_role_arn(char *dst, size_t size, const char *account, const char *path,
    const char *name)
{
    snprintf(dst, size, "arn:aws:iam::%s:role%s%s", account, path, name);
}

/* ------------------------------------------------------------------ */
/* The check of a call                                                  */

int
fgd_role_allows(const fgd_req_t *q, const char *action,
    const char *resource, fgd_resp_t *r)
{
    redisReply        *rep;
    char               name[FGD_ROLE_NAME_MAX + 1], key[FG_KEY_MAX];
    size_t             i;
    fgd_iam_effect_t   e, verdict = FGD_IAM_NO_MATCH;

    if (q->role == NULL || q->role[0] == '\0') {
        return 1;
    }
    if (!fgd_role_arn_name(q->role, q->caller, name, sizeof(name))) {
        return 0;
    }
    fg_key_role(key, sizeof(key), q->caller, name);
    rep = fgd_store_hgetall(q, key, r);
    if (rep == NULL) {
        return -1;
    }
    for (i = 0; i + 1 < rep->elements; i += 2) {
        const redisReply *f = rep->element[i], *v = rep->element[i + 1];

        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING
            || strncmp(f->str, "policy:", 7) != 0)
        {
            continue;
        }
        e = fgd_iam_policy_eval(v->str, v->len, action, resource);
        if (e == FGD_IAM_DENY) {
            verdict = e;
            break;
        }
        if (e == FGD_IAM_ALLOW) {
            verdict = e;
        }
    }
    freeReplyObject(rep);
    return verdict == FGD_IAM_ALLOW;
}

void
fgd_role_principal(const fgd_req_t *q, char *dst, size_t size)
{
    char  name[FGD_ROLE_NAME_MAX + 1];

    if (!fgd_role_arn_name(q->role, q->caller, name, sizeof(name))) {
        snprintf(name, sizeof(name), "(none)");
    }
    snprintf(dst, size, "arn:aws:sts::%s:assumed-role/%s/fngate", q->caller,
        name);
}

int
fgd_role_gate(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_action_info_t  *info = fg_action_info(q->action_id);
    char                     res[256], who[160];
    int                      rc;

    if (q->role == NULL || q->role[0] == '\0'
        || q->action_id == FG_ACTION_SQS || q->action_id == FG_ACTION_IAM)
    {
        return 0;
    }
    if (info->object == FG_OBJECT_ACCOUNT || info->object == FG_OBJECT_ROUTE)
    {
        snprintf(res, sizeof(res), "*");
    } else {
        fg_function_arn(res, sizeof(res), q->region, q->owner, q->function,
            q->qualifier);
    }
    rc = fgd_role_allows(q, info->iam, res, r);
    if (rc == 1) {
        return 0;
    }
    if (rc < 0) {
        return -1;
    }
    fgd_role_principal(q, who, sizeof(who));
    fgd_log("info", q->request_id, "role %s may not %s on %s", q->role,
        info->iam, res);
    return fgd_error(r, 403, "AccessDeniedException", "User: %s is not "
        "authorized to perform: %s on resource: %s because no "
        "identity-based policy allows the %s action", who, info->iam, res,
        info->iam);
}

/* ------------------------------------------------------------------ */
/* Temporary credentials                                                */

int
fgd_session_mint(const fgd_req_t *q, const fgd_session_spec_t *spec,
    fgd_session_t *s, fgd_resp_t *r)
{
    char        key[FG_KEY_MAX], at[24], d[12], dl[24];
    const char *args[20];
    long long   v;
    int         try;

    snprintf(at, sizeof(at), "%lld", spec->expires_ms);
    snprintf(d, sizeof(d), "%u", spec->depth);
    snprintf(dl, sizeof(dl), "%lld", spec->deadline_ms);
    s->expires_ms = spec->expires_ms;
    for (try = 0; try < 3; try++) {
        memcpy(s->akid, "ASIA", 4);
        if (fgd_rand_text(s->akid + 4, FGD_SESSION_AKID_LEN - 4,
                FGD_CHARS_BASE32) != 0
            || fgd_rand_text(s->secret, FGD_SESSION_SECRET_LEN,
                FGD_CHARS_BASE64) != 0
            || fgd_rand_text(s->token, FGD_SESSION_TOKEN_LEN,
                FGD_CHARS_BASE64) != 0)
        {
            return fgd_error(r, 500, "ServiceException",
                "No random bytes for the call's credentials");
        }
        /* KEYS, then ARGV of lua/hash_create.lua: the end, then the
         * fields in the order the module reads them */
        fg_key_access_key(key, sizeof(key), s->akid);
        args[0] = key;
        args[1] = at;
        args[2] = "account";   args[3] = spec->account;
        args[4] = "secret";    args[5] = s->secret;
        args[6] = "token";     args[7] = s->token;
        args[8] = "role";      args[9] = spec->role;
        args[10] = "billed";   args[11] = spec->billed;
        args[12] = "depth";    args[13] = d;
        args[14] = "root";     args[15] = spec->root;
        args[16] = "expires";  args[17] = at;
        args[18] = "deadline"; args[19] = spec->deadline_ms > 0 ? dl : "";
        if (fgd_redis_scratch_int(q, FGD_SCRIPT_HASH_CREATE, 1, 20, args,
                NULL, &v, r) != 0)
        {
            return -1;
        }
        if (v == 1) {
            return 0;
        }
    }
    return fgd_error(r, 500, "ServiceException",
        "Could not draw a free access key id for the call's credentials");
}

void
fgd_session_revoke(const fgd_req_t *q, const fgd_session_t *s)
{
    char         key[FG_KEY_MAX];
    const char  *argv[2];
    redisReply  *rep;
    fgd_resp_t   r;

    if (s->akid[0] == '\0') {
        return;
    }
    memset(&r, 0, sizeof(r));
    fg_key_access_key(key, sizeof(key), s->akid);
    argv[0] = "DEL";
    argv[1] = key;
    rep = fgd_redis_scratch(q, 2, argv, NULL, &r);
    if (rep == NULL) {
        fgd_log("warn", q->request_id, "the call's credentials %s could "
            "not be revoked (%s): they end at their expiry", s->akid,
            r.message);
        fgd_resp_free(&r);
        return;
    }
    freeReplyObject(rep);
}

/* ------------------------------------------------------------------ */
/* IAM's API                                                            */

static int fgd_iam_fail(fgd_iam_call_t *c, const fgq_code_t *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fgd_iam_fail(fgd_iam_call_t *c, const fgq_code_t *code, const char *fmt,
    ...)
{
    va_list  args;
    char     msg[512];

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);
    fgq_out_free(&c->o);
    return fgq_error_xml(c->r, FGD_IAM_XMLNS, c->q->request_id, code, "%s",
        msg);
}

/* A failed Redis call: its r, made IAM's error. */
static int
fgd_iam_store_failed(fgd_iam_call_t *c)
{
    char  msg[sizeof(c->r->message)];

    snprintf(msg, sizeof(msg), "%s", c->r->message);
    fgd_resp_free(c->r);
    return fgd_iam_fail(c, &fgd_iam_e_failure, "%s", msg);
}

/* A parameter that must be present: NULL with the error in c->r. */
static const char *
fgd_iam_required(fgd_iam_call_t *c, const char *name)
{
    const char  *v = fgq_get(&c->p, name, NULL);

    if (v == NULL || v[0] == '\0') {
        fgd_iam_fail(c, &fgd_iam_e_validation, "1 validation error "
            "detected: Value null at '%s' failed to satisfy constraint: "
            "Member must not be null", name);
        return NULL;
    }
    return v;
}

/* RoleName, which must be valid, and the role's key. */
static int
fgd_iam_role_name(fgd_iam_call_t *c)
{
    const char  *v = fgd_iam_required(c, "RoleName");

    if (v == NULL) {
        return -1;
    }
    if (!fgd_role_name_valid(v)) {
        return fgd_iam_fail(c, &fgd_iam_e_validation, "1 validation error "
            "detected: Value '%.80s' at 'roleName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "[\\w+=,.@-]+", v);
    }
    snprintf(c->name, sizeof(c->name), "%s", v);
    fg_key_role(c->key, sizeof(c->key), c->q->caller, c->name);
    fg_key_roles(c->keys, sizeof(c->keys), c->q->caller);
    return 0;
}

static int
fgd_iam_no_role(fgd_iam_call_t *c)
{
    return fgd_iam_fail(c, &fgd_iam_e_no_entity, "The role with name %s "
        "cannot be found.", c->name);
}

/* A document, URL-encoded as IAM answers them. */
static void
fgd_iam_out_doc(fgq_out_t *o, const char *name, const char *doc)
{
    static const char  hex[] = "0123456789ABCDEF";
    size_t             i, n = 0, len = strlen(doc);
    char              *enc = malloc(len * 3 + 1);

    if (enc == NULL) {
        o->failed = true;
        return;
    }
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char) doc[i];

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
            || (ch >= '0' && ch <= '9') || strchr("-_.~", ch) != NULL)
        {
            enc[n++] = (char) ch;
        } else {
            enc[n++] = '%';
            enc[n++] = hex[ch >> 4];
            enc[n++] = hex[ch & 15];
        }
    }
    fgq_out_str(o, name, enc, n);
    free(enc);
}

/* The <Role> of a role's HGETALL reply. */
static void
fgd_iam_out_role(fgd_iam_call_t *c, const char *name, const redisReply *rep)
{
    const char  *path = "/", *id = "", *created = "", *trust = "{}";
    const char  *desc = NULL, *max = "3600";
    char         arn[FGD_ROLE_ARN_MAX];
    size_t       i;

    for (i = 0; i + 1 < rep->elements; i += 2) {
        const char *f = rep->element[i]->str, *v = rep->element[i + 1]->str;

        if (f == NULL || v == NULL) {
            continue;
        }
        if (strcmp(f, "Path") == 0) {
            path = v;
        } else if (strcmp(f, "RoleId") == 0) {
            id = v;
        } else if (strcmp(f, "CreateDate") == 0) {
            created = v;
        } else if (strcmp(f, "AssumeRolePolicyDocument") == 0) {
            trust = v;
        } else if (strcmp(f, "Description") == 0) {
            desc = v;
        } else if (strcmp(f, "MaxSessionDuration") == 0) {
            max = v;
        }
    }
    fgd_role_arn(arn, sizeof(arn), c->q->caller, path, name);
    fgq_out_cstr(&c->o, "Path", path);
    fgq_out_cstr(&c->o, "RoleName", name);
    fgq_out_cstr(&c->o, "RoleId", id);
    fgq_out_cstr(&c->o, "Arn", arn);
    fgq_out_cstr(&c->o, "CreateDate", created);
    fgd_iam_out_doc(&c->o, "AssumeRolePolicyDocument", trust);
    if (desc != NULL && desc[0] != '\0') {
        fgq_out_cstr(&c->o, "Description", desc);
    }
    fgq_out_cstr(&c->o, "MaxSessionDuration", max);
}

/* HGETALL of c's role: the reply (missing: 404 in c->r), or NULL. */
static redisReply *
fgd_iam_read_role(fgd_iam_call_t *c)
{
    redisReply  *rep = fgd_store_hgetall(c->q, c->key, c->r);

    if (rep == NULL) {
        fgd_iam_store_failed(c);
        return NULL;
    }
    if (rep->elements == 0) {
        freeReplyObject(rep);
        fgd_iam_no_role(c);
        return NULL;
    }
    return rep;
}

/* The answer's <Role>: c's role as stored (missing: 404 in c->r). */
static int
fgd_iam_answer_role(fgd_iam_call_t *c)
{
    redisReply  *rep = fgd_iam_read_role(c);

    if (rep == NULL) {
        return -1;
    }
    fgq_out_item_begin(&c->o, "Role");
    fgd_iam_out_role(c, c->name, rep);
    fgq_out_item_end(&c->o, "Role");
    freeReplyObject(rep);
    return 0;
}

static int
fgd_iam_create_role(fgd_iam_call_t *c)
{
    const char     *trust, *path, *desc, *max;
    char            id[22], created[32], err[160], *end;
    const char     *args[16];
    yajl_val        doc;
    redisReply     *rep;
    long long       v;
    unsigned long   secs = 3600;
    struct timespec now;
    int             n;

    if (fgd_iam_role_name(c) != 0
        || (trust = fgd_iam_required(c, "AssumeRolePolicyDocument")) == NULL)
    {
        return -1;
    }
    path = fgq_get(&c->p, "Path", NULL);
    if (path == NULL) {
        path = "/";
    }
    if (!fgd_role_path_valid(path)) {
        return fgd_iam_fail(c, &fgd_iam_e_validation, "The specified value "
            "for path is invalid. It must begin and end with / and contain "
            "only alphanumeric characters and/or / characters.");
    }
    if (strlen(trust) > FGD_TRUST_DOC_MAX) {
        return fgd_iam_fail(c, &fgd_iam_e_malformed, "Cannot exceed quota "
            "for ACLSizePerRole: 2048");
    }
    doc = fgd_json_shape_ok(trust, strlen(trust), FGD_JSON_DEPTH_MAX)
          ? yajl_tree_parse(trust, err, sizeof(err)) : NULL;
    n = YAJL_IS_OBJECT(doc);
    yajl_tree_free(doc);
    if (!n) {
        return fgd_iam_fail(c, &fgd_iam_e_malformed, "This policy contains "
            "invalid Json");
    }
    desc = fgq_get(&c->p, "Description", NULL);
    if (desc != NULL && strlen(desc) > 1000) {
        return fgd_iam_fail(c, &fgd_iam_e_validation, "Description is "
            "longer than 1000 characters");
    }
    max = fgq_get(&c->p, "MaxSessionDuration", NULL);
    if (max != NULL) {
        secs = strtoul(max, &end, 10);
        if (*end != '\0' || secs < 3600 || secs > 43200) {
            return fgd_iam_fail(c, &fgd_iam_e_validation, "1 validation "
                "error detected: Value '%.20s' at 'maxSessionDuration' "
                "failed to satisfy constraint: Member must have value "
                "between 3600 and 43200", max);
        }
    }
    {
        const char *zc[] = { "ZCARD", c->keys };

        rep = fgd_redis_command(c->q, true, 2, zc, NULL, c->r);
        if (rep == NULL) {
            return fgd_iam_store_failed(c);
        }
        v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
        freeReplyObject(rep);
        if (v >= FGD_ROLES_MAX) {
            return fgd_iam_fail(c, &fgd_iam_e_limit, "Cannot exceed quota "
                "for RolesPerAccount: 1000");
        }
    }
    memcpy(id, "AROA", 4);
    if (fgd_rand_text(id + 4, 17, FGD_CHARS_BASE32) != 0) {
        return fgd_iam_fail(c, &fgd_iam_e_failure, "no random bytes");
    }
    clock_gettime(CLOCK_REALTIME, &now);
    fgd_time_rfc3339(&now, created, sizeof(created));
    {
        char  secs_s[16];

        snprintf(secs_s, sizeof(secs_s), "%lu", secs);
        args[0] = c->key;
        args[1] = c->keys;
        args[2] = c->name;
        args[3] = "RoleId";                   args[4] = id;
        args[5] = "Path";                     args[6] = path;
        args[7] = "CreateDate";               args[8] = created;
        args[9] = "AssumeRolePolicyDocument"; args[10] = trust;
        args[11] = "Description";             args[12] = desc ? desc : "";
        args[13] = "MaxSessionDuration";      args[14] = secs_s;
        if (fgd_redis_script_int(c->q, FGD_SCRIPT_ROLE_CREATE, 2, 15, args,
                NULL, &v, c->r) != 0)
        {
            return fgd_iam_store_failed(c);
        }
    }
    if (v == 0) {
        return fgd_iam_fail(c, &fgd_iam_e_exists, "Role with name %s "
            "already exists.", c->name);
    }
    return fgd_iam_answer_role(c);
}

static int
fgd_iam_get_role(fgd_iam_call_t *c)
{
    if (fgd_iam_role_name(c) != 0) {
        return -1;
    }
    return fgd_iam_answer_role(c);
}

static int
fgd_iam_list_roles(fgd_iam_call_t *c)
{
    redisReply  *names, *rep;
    const char  *prefix, *path;
    size_t       i, j;

    prefix = fgq_get(&c->p, "PathPrefix", NULL);
    fg_key_roles(c->keys, sizeof(c->keys), c->q->caller);
    names = fgd_store_zrange(c->q, c->keys, c->r);
    if (names == NULL) {
        return fgd_iam_store_failed(c);
    }
    fgq_out_item_begin(&c->o, "Roles");
    for (i = 0; i < names->elements; i++) {
        if (names->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        fg_key_role(c->key, sizeof(c->key), c->q->caller,
            names->element[i]->str);
        rep = fgd_store_hgetall(c->q, c->key, c->r);
        if (rep == NULL) {
            freeReplyObject(names);
            return fgd_iam_store_failed(c);
        }
        path = "/";
        for (j = 0; j + 1 < rep->elements; j += 2) {
            if (strcmp(rep->element[j]->str, "Path") == 0) {
                path = rep->element[j + 1]->str;
            }
        }
        if (rep->elements > 0
            && (prefix == NULL || strncmp(path, prefix, strlen(prefix)) == 0))
        {
            fgq_out_item_begin(&c->o, "member");
            fgd_iam_out_role(c, names->element[i]->str, rep);
            fgq_out_item_end(&c->o, "member");
        }
        freeReplyObject(rep);
    }
    fgq_out_item_end(&c->o, "Roles");
    fgq_out_bool(&c->o, "IsTruncated", false);
    freeReplyObject(names);
    return 0;
}

static int
fgd_iam_delete_role(fgd_iam_call_t *c)
{
    const char  *args[3];
    long long    v;

    if (fgd_iam_role_name(c) != 0) {
        return -1;
    }
    args[0] = c->key;
    args[1] = c->keys;
    args[2] = c->name;
    if (fgd_redis_script_int(c->q, FGD_SCRIPT_ROLE_DELETE, 2, 3, args, NULL,
            &v, c->r) != 0)
    {
        return fgd_iam_store_failed(c);
    }
    if (v == 0) {
        return fgd_iam_no_role(c);
    }
    if (v < 0) {
        return fgd_iam_fail(c, &fgd_iam_e_conflict, "Cannot delete entity, "
            "must delete policies first.");
    }
    return 0;
}

/* PolicyName, which must be valid, as its field "policy:NAME". */
static const char *
fgd_iam_policy_field(fgd_iam_call_t *c, char *field, size_t size)
{
    const char  *v = fgd_iam_required(c, "PolicyName");

    if (v == NULL) {
        return NULL;
    }
    if (!fgd_policy_name_valid(v)) {
        fgd_iam_fail(c, &fgd_iam_e_validation, "1 validation error "
            "detected: Value '%.80s' at 'policyName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "[\\w+=,.@-]+", v);
        return NULL;
    }
    snprintf(field, size, "policy:%s", v);
    return v;
}

static int
fgd_iam_put_role_policy(fgd_iam_call_t *c)
{
    const char  *doc, *args[4];
    char         field[FGD_POLICY_NAME_MAX + 8], err[256], max[8];
    long long    v;

    if (fgd_iam_role_name(c) != 0
        || fgd_iam_policy_field(c, field, sizeof(field)) == NULL
        || (doc = fgd_iam_required(c, "PolicyDocument")) == NULL)
    {
        return -1;
    }
    if (fgd_iam_policy_check(doc, strlen(doc), err, sizeof(err)) != 0) {
        return fgd_iam_fail(c, &fgd_iam_e_malformed, "%s", err);
    }
    snprintf(max, sizeof(max), "%d", FGD_ROLE_POLICIES_MAX);
    args[0] = c->key;
    args[1] = field;
    args[2] = doc;
    args[3] = max;
    if (fgd_redis_script_int(c->q, FGD_SCRIPT_ROLE_POLICY_PUT, 1, 4, args,
            NULL, &v, c->r) != 0)
    {
        return fgd_iam_store_failed(c);
    }
    if (v == 0) {
        return fgd_iam_no_role(c);
    }
    if (v < 0) {
        return fgd_iam_fail(c, &fgd_iam_e_limit, "Cannot exceed quota for "
            "PoliciesPerRole: %s", max);
    }
    return 0;
}

static int
fgd_iam_get_role_policy(fgd_iam_call_t *c)
{
    const char  *pname;
    char         field[FGD_POLICY_NAME_MAX + 8], *doc;
    int          rc;

    if (fgd_iam_role_name(c) != 0
        || (pname = fgd_iam_policy_field(c, field, sizeof(field))) == NULL)
    {
        return -1;
    }
    doc = malloc(FGD_POLICY_DOC_MAX + 1);
    if (doc == NULL) {
        return fgd_iam_fail(c, &fgd_iam_e_failure, "out of memory");
    }
    rc = fgd_store_hget(c->q, c->key, field, doc, FGD_POLICY_DOC_MAX + 1,
        c->r);
    if (rc <= 0) {
        free(doc);
        if (rc < 0) {
            return fgd_iam_store_failed(c);
        }
        return fgd_iam_fail(c, &fgd_iam_e_no_entity, "The role policy with "
            "name %s cannot be found.", pname);
    }
    fgq_out_cstr(&c->o, "RoleName", c->name);
    fgq_out_cstr(&c->o, "PolicyName", pname);
    fgd_iam_out_doc(&c->o, "PolicyDocument", doc);
    free(doc);
    return 0;
}

static int
fgd_iam_list_role_policies(fgd_iam_call_t *c)
{
    redisReply  *rep;
    size_t       i;

    if (fgd_iam_role_name(c) != 0 || (rep = fgd_iam_read_role(c)) == NULL) {
        return -1;
    }
    fgq_out_item_begin(&c->o, "PolicyNames");
    for (i = 0; i + 1 < rep->elements; i += 2) {
        if (strncmp(rep->element[i]->str, "policy:", 7) == 0) {
            fgq_out_cstr(&c->o, "member", rep->element[i]->str + 7);
        }
    }
    fgq_out_item_end(&c->o, "PolicyNames");
    fgq_out_bool(&c->o, "IsTruncated", false);
    freeReplyObject(rep);
    return 0;
}

static int
fgd_iam_delete_role_policy(fgd_iam_call_t *c)
{
    const char  *pname, *argv[3];
    char         field[FGD_POLICY_NAME_MAX + 8];
    redisReply  *rep;
    long long    n;
    int          rc;

    if (fgd_iam_role_name(c) != 0
        || (pname = fgd_iam_policy_field(c, field, sizeof(field))) == NULL)
    {
        return -1;
    }
    rc = fgd_store_exists(c->q, c->key, c->r);
    if (rc < 0) {
        return fgd_iam_store_failed(c);
    }
    if (rc == 0) {
        return fgd_iam_no_role(c);
    }
    argv[0] = "HDEL";
    argv[1] = c->key;
    argv[2] = field;
    rep = fgd_redis_command(c->q, false, 3, argv, NULL, c->r);
    if (rep == NULL) {
        return fgd_iam_store_failed(c);
    }
    n = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
    freeReplyObject(rep);
    if (n == 0) {
        return fgd_iam_fail(c, &fgd_iam_e_no_entity, "The role policy with "
            "name %s cannot be found.", pname);
    }
    return 0;
}

static const struct {
    const char          *action;
    fgd_iam_handler_pt   handler;
    bool                 result;        /* the answer has members */
    bool                 role;          /* names a role (its ARN is the
                                           resource a role's policy sees) */
} fgd_iam_calls[] = {
    { "CreateRole", fgd_iam_create_role, true, true },
    { "GetRole", fgd_iam_get_role, true, true },
    { "ListRoles", fgd_iam_list_roles, true, false },
    { "DeleteRole", fgd_iam_delete_role, false, true },
    { "PutRolePolicy", fgd_iam_put_role_policy, false, true },
    { "GetRolePolicy", fgd_iam_get_role_policy, true, true },
    { "ListRolePolicies", fgd_iam_list_role_policies, true, true },
    { "DeleteRolePolicy", fgd_iam_delete_role_policy, false, true },
    { NULL, NULL, false, false }
};

int
fgd_iam(const fgd_req_t *q, fgd_resp_t *r)
{
    fgq_params_t  p;
    int           rc;

    memset(&p, 0, sizeof(p));
    rc = fgq_params_form(&p, q->query != NULL ? q->query : "",
        q->query != NULL ? strlen(q->query) : 0);
    if (rc == 0 && q->body_len > 0) {
        rc = fgq_params_form(&p, q->body, q->body_len);
    }
    if (rc != 0) {
        fgq_params_free(&p);
        return fgq_error_xml(r, FGD_IAM_XMLNS, q->request_id,
            rc == -2 ? &fgd_iam_e_failure : &fgd_iam_e_validation,
            rc == -2 ? "out of memory" : "The request's form encoding is "
            "malformed.");
    }
    rc = fgd_iam_params(q, &p, r);
    fgq_params_free(&p);
    return rc;
}

int
fgd_iam_params(const fgd_req_t *q, const fgq_params_t *p, fgd_resp_t *r)
{
    fgd_iam_call_t  c;
    const char     *action, *name;
    char            iam[64], res[FGD_ROLE_ARN_MAX], who[160];
    unsigned        i;
    int             rc;

    memset(&c, 0, sizeof(c));
    c.q = q;
    c.r = r;
    c.p = *p;
    action = fgq_get(&c.p, "Action", NULL);
    for (i = 0; fgd_iam_calls[i].action != NULL; i++) {
        if (action != NULL && strcmp(action, fgd_iam_calls[i].action) == 0) {
            break;
        }
    }
    if (fgd_iam_calls[i].action == NULL) {
        return fgq_error_xml(r, FGD_IAM_XMLNS, q->request_id,
            &fgd_iam_e_action, "Could not find operation %.64s for version "
            "2010-05-08", action != NULL ? action : "");
    }

    /* A role's credentials reach IAM's API only as its policy says. */
    snprintf(iam, sizeof(iam), "iam:%s", action);
    name = fgq_get(&c.p, "RoleName", NULL);
    if (fgd_iam_calls[i].role && name != NULL && fgd_role_name_valid(name)) {
        fgd_role_arn(res, sizeof(res), q->caller, "/", name);
    } else {
        snprintf(res, sizeof(res), "*");
    }
    rc = fgd_role_allows(q, iam, res, r);
    if (rc <= 0) {
        if (rc < 0) {
            return fgd_iam_store_failed(&c);
        }
        fgd_role_principal(q, who, sizeof(who));
        return fgq_error_xml(r, FGD_IAM_XMLNS, q->request_id,
            &fgd_iam_e_denied, "User: %s is not authorized to perform: %s "
            "on resource: %s", who, iam, res);
    }

    fgq_out_begin_xml(&c.o, FGD_IAM_XMLNS, action, fgd_iam_calls[i].result);
    rc = fgd_iam_calls[i].handler(&c);
    if (rc == 0) {
        rc = fgq_out_end(&c.o, q->request_id, r);
        snprintf(r->message, sizeof(r->message), "%s %s", action,
            c.name[0] ? c.name : "-");
    }
    return rc;
}
