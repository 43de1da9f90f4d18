/*
 * fngated_iam_json: the pure part of execution roles (fngated_roles.c):
 * IAM-style policy documents, checked when they are stored and evaluated
 * when a role's temporary credentials make a call, and the names roles
 * and policies may have (fngated_iam_json.c, CUnit-tested by
 * t/unit/test_fngated_iam_json.c).
 *
 * A document is IAM's: {"Version": "2012-10-17", "Statement": [...]} (or
 * one statement object), each statement {"Sid"?, "Effect": "Allow" |
 * "Deny", "Action": "svc:Name" or a list, "Resource": "ARN" or a list}.
 * Actions and resources may hold the wildcards * and ?; actions compare
 * without case, resources with.  What fngate does not evaluate
 * (NotAction, NotResource, Principal, Condition) is refused when stored,
 * never silently ignored.  Evaluation is IAM's: an explicit Deny wins,
 * then any Allow, else the call is denied.
 */

#ifndef FNGATED_IAM_JSON_H
#define FNGATED_IAM_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define FGD_ROLE_NAME_MAX     64
#define FGD_ROLE_PATH_MAX     512
#define FGD_POLICY_NAME_MAX   128
#define FGD_POLICY_DOC_MAX    10240     /* IAM's inline role policy limit */
#define FGD_ROLE_POLICIES_MAX 10        /* inline policies per role */

typedef enum {
    FGD_IAM_NO_MATCH = 0,           /* no statement names the call */
    FGD_IAM_ALLOW,
    FGD_IAM_DENY
} fgd_iam_effect_t;

/* IAM's RoleName: [\w+=,.@-]{1,64}. */
bool fgd_role_name_valid(const char *s);
/* IAM's PolicyName: [\w+=,.@-]{1,128}. */
bool fgd_policy_name_valid(const char *s);
/* IAM's Path: "/" or "/.../" of printable ASCII, at most 512. */
bool fgd_role_path_valid(const char *s);

/*
 * Whether a document is one fngate evaluates: 0, or -1 with IAM's
 * MalformedPolicyDocument message in err ("Policy document should not
 * specify a principal.", "Condition is not supported by fngate", ...).
 */
int fgd_iam_policy_check(const char *doc, size_t len, char *err,
    size_t err_size);

/*
 * What one stored document says of ACTION ("lambda:InvokeFunction") on
 * RESOURCE (an ARN, or "*" for an action that names none): ALLOW, DENY or
 * NO_MATCH.  A document that does not parse says DENY.
 */
fgd_iam_effect_t fgd_iam_policy_eval(const char *doc, size_t len,
    const char *action, const char *resource);

/* IAM's wildcard match: * any run, ? one character; nocase for actions. */
bool fgd_iam_glob(const char *pattern, const char *s, bool nocase);

#endif /* FNGATED_IAM_JSON_H */
