/*
 * fngated_policy_json: AddPermission's body, the statement it stores and
 * GetPolicy's answer.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_json.h"
#include "fngated_policy_json.h"

int
fgd_principal_account(const char *principal, char dst[FG_ACCOUNT_LEN + 1])
{
    static const char  pre[] = "arn:aws:iam::", post[] = ":root";
    size_t             len;

    if (principal == NULL) {
        return -1;
    }
    len = strlen(principal);
    if (fg_account_valid(principal, len)) {
        memcpy(dst, principal, FG_ACCOUNT_LEN + 1);
        return 0;
    }
    if (len != sizeof(pre) - 1 + FG_ACCOUNT_LEN + sizeof(post) - 1
        || memcmp(principal, pre, sizeof(pre) - 1) != 0
        || memcmp(principal + sizeof(pre) - 1 + FG_ACCOUNT_LEN, post,
            sizeof(post) - 1) != 0
        || !fg_account_valid(principal + sizeof(pre) - 1, FG_ACCOUNT_LEN))
    {
        return -1;
    }
    memcpy(dst, principal + sizeof(pre) - 1, FG_ACCOUNT_LEN);
    dst[FG_ACCOUNT_LEN] = '\0';
    return 0;
}

int
fgd_permission_parse(const char *body, size_t len, fgd_permission_t *p,
    fgd_resp_t *r)
{
    static const char *const  unsupported[] = {
        "SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken",
        "FunctionUrlAuthType"
    };
    yajl_val                  root;
    const char               *sid, *action, *principal;
    size_t                    i;
    int                       rc = -1;

    memset(p, 0, sizeof(*p));
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, "StatementId", &sid, r) != 0
        || fgd_get_string(root, "Action", &action, r) != 0
        || fgd_get_string(root, "Principal", &principal, r) != 0
        || fgd_get_revision(root, FGD_GETTER_FUNCTION, p->want_revision,
            r) != 0)
    {
        goto cleanup;
    }
    for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        yajl_val v = fgd_obj_get(root, unsupported[i]);
        if (v != NULL && !YAJL_IS_NULL(v)) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "%s is not supported: fngate grants accounts only",
                unsupported[i]);
            goto cleanup;
        }
    }
    if (sid == NULL || action == NULL || principal == NULL) {
        fgd_null_error(r, sid == NULL ? "statementId"
                        : action == NULL ? "action" : "principal");
        goto cleanup;
    }
    if (!fg_statement_id_valid(sid, strlen(sid))) {
        fgd_pattern_error(r, sid, 120, "statementId",
            "([a-zA-Z0-9-_]+) and have length less than or equal to 100");
        goto cleanup;
    }
    if (strcmp(action, "lambda:InvokeFunction") != 0
        && strcmp(action, "lambda:GetFunction") != 0)
    {
        fgd_error(r, 400, "InvalidParameterValueException",
            "The action '%.64s' is not supported: fngate grants "
            "lambda:InvokeFunction or lambda:GetFunction", action);
        goto cleanup;
    }
    if (strcmp(principal, "*") == 0) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "The principal '*' (public access) is not supported: name an "
            "account id or arn:aws:iam::ACCOUNT:root");
        goto cleanup;
    }
    if (fgd_principal_account(principal, p->principal) != 0) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "The principal '%.128s' is not supported: name an account id "
            "or arn:aws:iam::ACCOUNT:root (service principals are not "
            "supported)", principal);
        goto cleanup;
    }
    snprintf(p->sid, sizeof(p->sid), "%s", sid);
    snprintf(p->action, sizeof(p->action), "%s", action);
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

int
fgd_json_statement(const fgd_permission_t *p, const char *region,
    const char *account, const char *function, const char *qualifier,
    char **out, size_t *out_len)
{
    yajl_gen  g = yajl_gen_alloc(NULL);
    char      arn[512], iam[64];
    int       rc;

    if (g == NULL) {
        return -1;
    }
    fg_function_arn(arn, sizeof(arn), region, account, function, qualifier);
    snprintf(iam, sizeof(iam), "arn:aws:iam::%s:root", p->principal);
    yajl_gen_map_open(g);
    GSTR(g, "Sid");        GSTR(g, p->sid);
    GSTR(g, "Effect");     GSTR(g, "Allow");
    GSTR(g, "Principal");
    yajl_gen_map_open(g);
    GSTR(g, "AWS");        GSTR(g, iam);
    yajl_gen_map_close(g);
    GSTR(g, "Action");     GSTR(g, p->action);
    GSTR(g, "Resource");   GSTR(g, arn);
    yajl_gen_map_close(g);
    rc = fgd_gen_finish(g, out, out_len);
    return rc;
}

int
fgd_json_add_permission(const char *statement, char **out, size_t *out_len)
{
    yajl_gen  g = yajl_gen_alloc(NULL);
    int       rc;

    if (g == NULL) {
        return -1;
    }
    yajl_gen_map_open(g);
    GSTR(g, "Statement");  GSTR(g, statement);
    yajl_gen_map_close(g);
    rc = fgd_gen_finish(g, out, out_len);
    return rc;
}

int
fgd_json_policy(const char *const *statements, size_t n,
    const char *revision, char **out, size_t *out_len)
{
    yajl_gen     g;
    char        *doc = NULL, *p;
    size_t       i, len;
    int          rc;
    static const char  head[] =
        "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[";

    len = sizeof(head) + 2;
    for (i = 0; i < n; i++) {
        len += strlen(statements[i]) + 1;
    }
    doc = malloc(len);
    if (doc == NULL) {
        return -1;
    }
    p = doc + snprintf(doc, len, "%s", head);
    for (i = 0; i < n; i++) {
        p += snprintf(p, len - (size_t) (p - doc), "%s%s", i ? "," : "",
                 statements[i]);
    }
    snprintf(p, len - (size_t) (p - doc), "]}");

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        free(doc);
        return -1;
    }
    yajl_gen_map_open(g);
    GSTR(g, "Policy");      GSTR(g, doc);
    GSTR(g, "RevisionId");  GSTR(g, revision);
    yajl_gen_map_close(g);
    rc = fgd_gen_finish(g, out, out_len);
    free(doc);
    return rc;
}
