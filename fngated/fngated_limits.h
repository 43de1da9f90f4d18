/*
 * fngated_limits: Lambda's limits fngated enforces, and its own fixed
 * sizes.  Every file that checks one of them includes this one header.
 */

#ifndef FNGATED_LIMITS_H
#define FNGATED_LIMITS_H

#define FGD_MAX_PAYLOAD        6291456u   /* Invoke request, as Lambda */
#define FGD_MAX_OUTPUT         6291556u   /* Invoke response, as Lambda */
#define FGD_LOG_TAIL           4096u      /* X-Amz-Log-Result bytes */
#define FGD_ENV_MAX            4096u      /* Environment.Variables JSON */
#define FGD_DESCRIPTION_MAX    256u
#define FGD_HANDLER_MAX        128u
#define FGD_ROLE_MAX           2048u
#define FGD_TIMEOUT_MAX        900u
#define FGD_MEMORY_MIN         128u
#define FGD_MEMORY_LIMIT_MB    10240u   /* Lambda's largest MemorySize:
                                           the bound stored data is read
                                           with */
#define FGD_ENV_NAME_MAX       128u
#define FGD_JSON_DEPTH_MAX     32u
#define FGD_LIST_DEFAULT       50u
#define FGD_LIST_MAX           10000u
#define FGD_GUEST_RESERVE_MB   64u        /* guest RAM beyond MemorySize */
#define FGD_VERSION_LEN        16         /* "$LATEST", or up to 10 digits */

#endif /* FNGATED_LIMITS_H */
