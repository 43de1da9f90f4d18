/*
 * fngated_resp: the answer to one call (fngated_resp.c).  Every function
 * that fills an fgd_resp_t on failure leaves a complete Lambda-style
 * error in it (status, x-amzn-ErrorType, JSON message), ready to send.
 */

#ifndef FNGATED_RESP_H
#define FNGATED_RESP_H

#include <stddef.h>

typedef struct {
    int        status;               /* HTTP status */
    const char *error_type;          /* x-amzn-ErrorType, NULL if none */
    const char *function_error;      /* X-Amz-Function-Error, or NULL */
    const char *throttle_reason;     /* TooManyRequests Reason, or NULL */
    char      *headers;              /* extra "Name: value\r\n" lines,
                                        malloc'd, or NULL */
    char      *body;                 /* malloc'd, may be NULL */
    size_t     body_len;
    char      *content_type;         /* malloc'd; NULL: application/json
                                        (an API's proxy response) */
    char       message[512];         /* the error message, for the log */
    int        error_header_off;     /* error_type is only for the log:
                                        no x-amzn-ErrorType (SQS's
                                        errors, fngated_queues_wire.c) */
} fgd_resp_t;

void fgd_resp_free(fgd_resp_t *r);               /* accepts NULL */

/*
 * Makes r a Lambda error: status, x-amzn-ErrorType type, body
 * {"Type":"User"|"Service","message":"..."} (plus "Reason" for
 * TooManyRequestsException).  Always returns -1 so callers can
 * "return fgd_error(...)".
 */
int fgd_error(fgd_resp_t *r, int status, const char *type,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The patterns Lambda's messages give for names used in many calls. */
#define FGD_FUNCTION_NAME_PATTERN  "[a-zA-Z0-9-_]{1,64}"
#define FGD_QUALIFIER_PATTERN      "(|[a-zA-Z0-9$_-]+)"

/* Lambda's 400 for a member that does not match its pattern: the value
 * (at most width bytes of it) at member.  Returns -1. */
int fgd_pattern_error(fgd_resp_t *r, const char *value, int width,
    const char *member, const char *pattern);

/* Lambda's 400 for a required member that is absent or null.  Returns
 * -1. */
int fgd_null_error(fgd_resp_t *r, const char *member);

/* Lambda's 412 for a RevisionId precondition that does not hold; getter
 * names the call that reads the current one (FGD_GETTER_*).  Returns -1. */
#define FGD_GETTER_FUNCTION  "GetFunction/GetAlias"
#define FGD_GETTER_POLICY    "GetPolicy"
#define FGD_GETTER_API       "GetApi"
int fgd_revision_mismatch(fgd_resp_t *r, const char *getter);

/* fgd_error's 500 ServiceException "out of memory".  Returns -1. */
int fgd_nomem(fgd_resp_t *r);

/* The end of a handler whose answer was made by a JSON maker that
 * returned made: 0 with status, or -1 with fgd_nomem's 500. */
int fgd_resp_done(fgd_resp_t *r, int made, int status);

/* Status line text: 200 -> "OK". */
const char *fgd_status_text(int status);

#endif /* FNGATED_RESP_H */
