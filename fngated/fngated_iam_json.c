/*
 * fngated_iam_json: IAM-style policy documents and role names
 * (fngated_iam_json.h).
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "fngated_iam_json.h"
#include "fngated_json.h"
#include "fngated_util.h"

static bool
fgd_iam_name_valid(const char *s, size_t max)
{
    size_t  n;

    if (s == NULL) {
        return false;
    }
    for (n = 0; s[n] != '\0'; n++) {
        if (!isalnum((unsigned char) s[n]) && strchr("_+=,.@-", s[n]) == NULL)
        {
            return false;
        }
    }
    return n >= 1 && n <= max;
}

bool
fgd_role_name_valid(const char *s)
{
    return fgd_iam_name_valid(s, FGD_ROLE_NAME_MAX);
}

bool
fgd_policy_name_valid(const char *s)
{
    return fgd_iam_name_valid(s, FGD_POLICY_NAME_MAX);
}

bool
fgd_role_path_valid(const char *s)
{
    size_t  n;

    if (s == NULL || s[0] != '/') {
        return false;
    }
    for (n = 0; s[n] != '\0'; n++) {
        if (s[n] < 0x21 || s[n] > 0x7e) {
            return false;
        }
    }
    return n <= FGD_ROLE_PATH_MAX && s[n - 1] == '/';
}

bool
fgd_iam_glob(const char *p, const char *s, bool nocase)
{
    const char  *star = NULL, *mark = NULL;

    while (*s != '\0') {
        if (*p == '*') {
            star = p++;
            mark = s;
        } else if (*p != '\0' && (*p == '?' || *p == *s
                   || (nocase && tolower((unsigned char) *p)
                                 == tolower((unsigned char) *s))))
        {
            p++;
            s++;
        } else if (star != NULL) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (*p == '*') {
        p++;
    }
    return *p == '\0';
}

/* Item I of a string or a list of strings; NULL past the last. */
static const char *
fgd_iam_string(yajl_val v, size_t i)
{
    if (YAJL_IS_STRING(v)) {
        return i == 0 ? v->u.string : NULL;
    }
    if (YAJL_IS_ARRAY(v) && i < v->u.array.len
        && YAJL_IS_STRING(v->u.array.values[i]))
    {
        return v->u.array.values[i]->u.string;
    }
    return NULL;
}

/* A member that is a string or a non-empty list of strings. */
static bool
fgd_iam_strings(yajl_val v)
{
    size_t  i;

    if (YAJL_IS_STRING(v)) {
        return true;
    }
    if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0) {
        return false;
    }
    for (i = 0; i < v->u.array.len; i++) {
        if (!YAJL_IS_STRING(v->u.array.values[i])) {
            return false;
        }
    }
    return true;
}

static bool
fgd_iam_action_valid(const char *a)
{
    const char  *colon = strchr(a, ':');

    if (strcmp(a, "*") == 0) {
        return true;
    }
    return colon != NULL && colon > a && colon[1] != '\0'
        && strchr(colon + 1, ':') == NULL && strlen(a) <= 128;
}

static int
fgd_iam_statement_check(yajl_val st, char *err, size_t err_size)
{
    static const char  *refused[] = { "NotAction", "NotResource",
        "Principal", "NotPrincipal", "Condition" };
    yajl_val     effect, action, resource, v;
    const char  *a;
    size_t       i;
    unsigned     k;

    if (!YAJL_IS_OBJECT(st)) {
        snprintf(err, err_size, "Syntax errors in policy.");
        return -1;
    }
    for (i = 0; i < st->u.object.len; i++) {
        const char *key = st->u.object.keys[i];

        for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
            if (strcmp(key, refused[k]) == 0) {
                if (k == 2 || k == 3) {
                    snprintf(err, err_size, "Policy document should not "
                        "specify a principal.");
                } else {
                    snprintf(err, err_size, "%s is not supported by "
                        "fngate's role policies.", key);
                }
                return -1;
            }
        }
        if (strcmp(key, "Sid") != 0 && strcmp(key, "Effect") != 0
            && strcmp(key, "Action") != 0 && strcmp(key, "Resource") != 0)
        {
            snprintf(err, err_size, "Syntax errors in policy.");
            return -1;
        }
    }
    v = fgd_obj_get(st, "Sid");
    if (v != NULL && !YAJL_IS_STRING(v)) {
        snprintf(err, err_size, "Syntax errors in policy.");
        return -1;
    }
    effect = fgd_obj_get(st, "Effect");
    if (!YAJL_IS_STRING(effect)
        || (strcmp(effect->u.string, "Allow") != 0
            && strcmp(effect->u.string, "Deny") != 0))
    {
        snprintf(err, err_size, "Policy statement must contain an Effect "
            "of Allow or Deny.");
        return -1;
    }
    action = fgd_obj_get(st, "Action");
    if (!fgd_iam_strings(action)) {
        snprintf(err, err_size, "Policy statement must contain actions.");
        return -1;
    }
    for (i = 0; (a = fgd_iam_string(action, i)) != NULL; i++) {
        if (!fgd_iam_action_valid(a)) {
            snprintf(err, err_size, "Actions/Conditions must be prefaced "
                "by a vendor, e.g., iam, sdb, ec2, etc.");
            return -1;
        }
    }
    resource = fgd_obj_get(st, "Resource");
    if (!fgd_iam_strings(resource)) {
        snprintf(err, err_size, "Policy statement must contain resources.");
        return -1;
    }
    return 0;
}

/* Statement I of a parsed document (one object, or a list of them);
 * NULL past the last. */
static yajl_val
fgd_iam_statement(yajl_val root, size_t i)
{
    yajl_val  st = fgd_obj_get(root, "Statement");

    if (YAJL_IS_OBJECT(st)) {
        return i == 0 ? st : NULL;
    }
    if (YAJL_IS_ARRAY(st) && i < st->u.array.len) {
        return st->u.array.values[i];
    }
    return NULL;
}

static yajl_val
fgd_iam_parse(const char *doc, size_t len)
{
    char  text[FGD_POLICY_DOC_MAX + 1];

    if (len > FGD_POLICY_DOC_MAX
        || !fgd_json_shape_ok(doc, len, FGD_JSON_DEPTH_MAX))
    {
        return NULL;
    }
    memcpy(text, doc, len);
    text[len] = '\0';
    return yajl_tree_parse(text, NULL, 0);
}

int
fgd_iam_policy_check(const char *doc, size_t len, char *err,
    size_t err_size)
{
    yajl_val     root, version, st;
    size_t       i;
    int          rc = -1;

    if (len > FGD_POLICY_DOC_MAX) {
        snprintf(err, err_size, "Cannot exceed quota for "
            "PolicySize: %d", FGD_POLICY_DOC_MAX);
        return -1;
    }
    root = fgd_iam_parse(doc, len);
    if (!YAJL_IS_OBJECT(root)) {
        snprintf(err, err_size, "Syntax errors in policy.");
        goto cleanup;
    }
    for (i = 0; i < root->u.object.len; i++) {
        const char *key = root->u.object.keys[i];

        if (strcmp(key, "Version") != 0 && strcmp(key, "Statement") != 0
            && strcmp(key, "Id") != 0)
        {
            snprintf(err, err_size, "Syntax errors in policy.");
            goto cleanup;
        }
    }
    version = fgd_obj_get(root, "Version");
    if (version != NULL && (!YAJL_IS_STRING(version)
        || (strcmp(version->u.string, "2012-10-17") != 0
            && strcmp(version->u.string, "2008-10-17") != 0)))
    {
        snprintf(err, err_size, "The policy failed legacy parsing");
        goto cleanup;
    }
    if (fgd_iam_statement(root, 0) == NULL) {
        snprintf(err, err_size, "Syntax errors in policy.");
        goto cleanup;
    }
    for (i = 0; (st = fgd_iam_statement(root, i)) != NULL; i++) {
        if (fgd_iam_statement_check(st, err, err_size) != 0) {
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

/* Whether one of the patterns of member v matches s. */
static bool
fgd_iam_any(yajl_val v, const char *s, bool nocase)
{
    const char  *p;
    size_t       i;

    for (i = 0; (p = fgd_iam_string(v, i)) != NULL; i++) {
        if (fgd_iam_glob(p, s, nocase)) {
            return true;
        }
    }
    return false;
}

fgd_iam_effect_t
fgd_iam_policy_eval(const char *doc, size_t len, const char *action,
    const char *resource)
{
    yajl_val          root, st, effect;
    size_t            i;
    fgd_iam_effect_t  e = FGD_IAM_NO_MATCH;
    char              err[128];

    if (fgd_iam_policy_check(doc, len, err, sizeof(err)) != 0) {
        return FGD_IAM_DENY;
    }
    root = fgd_iam_parse(doc, len);
    if (root == NULL) {
        return FGD_IAM_DENY;
    }
    for (i = 0; (st = fgd_iam_statement(root, i)) != NULL; i++) {
        if (!fgd_iam_any(fgd_obj_get(st, "Action"), action, true)
            || !fgd_iam_any(fgd_obj_get(st, "Resource"), resource, false))
        {
            continue;
        }
        effect = fgd_obj_get(st, "Effect");
        if (strcmp(effect->u.string, "Deny") == 0) {
            e = FGD_IAM_DENY;
            break;
        }
        e = FGD_IAM_ALLOW;
    }
    yajl_tree_free(root);
    return e;
}
