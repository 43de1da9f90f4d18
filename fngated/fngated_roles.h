/*
 * fngated_roles: execution roles and the temporary credentials of a call
 * (docs/roles.md).
 *
 * A role is a resource of its account, made and given inline policies
 * through IAM's API on the gateway (query protocol, signed for service
 * "iam": `aws iam create-role`, `put-role-policy`, ...).  Every call a
 * function runs gets temporary credentials (an ASIA access key, its
 * secret and a session token, in Redis until the call's end): calls
 * signed with them act as the function's owner, limited by the policies
 * of the function's Role, billed to the account the call was billed to,
 * one level deeper in the chain of calls.
 */

#ifndef FNGATED_ROLES_H
#define FNGATED_ROLES_H

#include <stdbool.h>

#include "fngated_queues_wire.h"
#include "fngated_req.h"

#define FGD_SESSION_AKID_LEN    20      /* "ASIA" + 16 */
#define FGD_SESSION_SECRET_LEN  40
#define FGD_SESSION_TOKEN_LEN   96
#define FGD_SESSION_MARGIN_MS   30000   /* past the call's deadline */

typedef struct {
    char       akid[FGD_SESSION_AKID_LEN + 1];
    char       secret[FGD_SESSION_SECRET_LEN + 1];
    char       token[FGD_SESSION_TOKEN_LEN + 1];
    long long  expires_ms;              /* Unix ms */
} fgd_session_t;

/* The IAM service (FG_ACTION_IAM): CreateRole, GetRole, ListRoles,
 * DeleteRole, PutRolePolicy, GetRolePolicy, ListRolePolicies,
 * DeleteRolePolicy, as the caller's account. */
int fgd_iam(const fgd_req_t *q, fgd_resp_t *r);
/* The same with the call's parameters read already ("Action", ...): the
 * command line's `role` mode makes its calls so. */
int fgd_iam_params(const fgd_req_t *q, const fgq_params_t *p,
    fgd_resp_t *r);

/*
 * Whether the role of q's credentials (q->role; "" always may) allows
 * action ("lambda:InvokeFunction", "sqs:SendMessage") on resource (an ARN
 * or "*"): 1, 0, or -1 with r.
 */
int fgd_role_allows(const fgd_req_t *q, const char *action,
    const char *resource, fgd_resp_t *r);

/* The caller of q as IAM names a role's session in a refusal:
 * "arn:aws:sts::ACCOUNT:assumed-role/ROLE/fngate". */
void fgd_role_principal(const fgd_req_t *q, char *dst, size_t size);

/*
 * The check of a Lambda API call made with a role's credentials, before
 * it runs: 0, or -1 with r (403 AccessDeniedException naming the role,
 * the action and the resource).  The queue and IAM services check their
 * own actions with fgd_role_allows.
 */
int fgd_role_gate(const fgd_req_t *q, fgd_resp_t *r);

/* What temporary credentials carry besides their keys. */
typedef struct {
    const char  *account;       /* they act as it */
    const char  *role;          /* with its role's policy (an ARN; "" for
                                   the account's own rights) */
    const char  *billed;        /* for a call billed to it */
    unsigned     depth;         /* at this depth of its chain */
    const char  *root;          /* the chain's first request id */
    long long    deadline_ms;   /* the call's latest end (Unix ms; 0 none):
                                   the deadline of calls made with them */
    long long    expires_ms;    /* they end (Unix ms) */
} fgd_session_spec_t;

/* Temporary credentials of spec, written to Redis, into s.  0, or -1
 * with r. */
int fgd_session_mint(const fgd_req_t *q, const fgd_session_spec_t *spec,
    fgd_session_t *s, fgd_resp_t *r);

/* The credentials end now (the call they were for is over); errors are
 * logged only: they end by themselves at their expiry. */
void fgd_session_revoke(const fgd_req_t *q, const fgd_session_t *s);

/* Reads role/name from a role ARN of account ("arn:aws:iam::ACCOUNT:role/
 * [PATH/]NAME") into name: false when it is not one of account's. */
bool fgd_role_arn_name(const char *arn, const char *account, char *name,
    size_t size);

#endif /* FNGATED_ROLES_H */
