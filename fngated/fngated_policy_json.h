/*
 * fngated_policy_json: AddPermission's body, a policy's statements and
 * GetPolicy's answer (fngated_policy_json.c).  Pure.
 */

#ifndef FNGATED_POLICY_JSON_H
#define FNGATED_POLICY_JSON_H

#include <stddef.h>

#include "fg_route.h"
#include "fngated_resp.h"

#define FGD_GRANT_ACTION_MAX   32

/* An AddPermission request. */
typedef struct {
    char      sid[FG_STATEMENT_ID_MAX + 1];
    char      action[FGD_GRANT_ACTION_MAX];    /* lambda:InvokeFunction or
                                                  lambda:GetFunction */
    char      principal[FG_ACCOUNT_LEN + 1];   /* the granted account */
    char      want_revision[37];               /* "" when not given */
} fgd_permission_t;

/*
 * Parses an AddPermission body: StatementId (1-100 of [A-Za-z0-9_-]),
 * Action (lambda:InvokeFunction or lambda:GetFunction), Principal (an
 * account id or arn:aws:iam::ACCOUNT:root; "*" and service principals
 * are refused), optional RevisionId.  The condition keys (SourceArn,
 * SourceAccount, PrincipalOrgID, EventSourceToken, FunctionUrlAuthType)
 * are refused.  0, or -1 with a 400 in r.
 */
int fgd_permission_parse(const char *body, size_t len, fgd_permission_t *p,
    fgd_resp_t *r);

/* The account of a Principal: "ACCOUNT" or "arn:aws:iam::ACCOUNT:root".
 * 0 with dst, or -1. */
int fgd_principal_account(const char *principal, char dst[FG_ACCOUNT_LEN + 1]);

/* The statement as stored and as AddPermission answers it:
 * {"Sid":...,"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::B:root"},
 *  "Action":...,"Resource":"arn:aws:lambda:R:A:function:NAME[:Q]"}. */
int fgd_json_statement(const fgd_permission_t *p, const char *region,
    const char *account, const char *function, const char *qualifier,
    char **out, size_t *out_len);

/* {"Statement": "<statement as a string>"} */
int fgd_json_add_permission(const char *statement, char **out,
    size_t *out_len);

/* {"Policy": "{\"Version\":\"2012-10-17\",\"Id\":\"default\",
 * \"Statement\":[...]}", "RevisionId": ...}; statements are JSON texts. */
int fgd_json_policy(const char *const *statements, size_t n,
    const char *revision, char **out, size_t *out_len);

#endif /* FNGATED_POLICY_JSON_H */
