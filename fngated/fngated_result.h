/*
 * fngated_result: the Invoke call's pure parts: its invocation type and
 * payload, the INVOKE frame to the agent, the agent's RESULT and the
 * response, log tail and counters made of it (fngated_result.c).
 */

#ifndef FNGATED_RESULT_H
#define FNGATED_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fg_frame.h"
#include "fngated_functions_json.h"

typedef enum {
    FGD_INVOKE_REQUEST_RESPONSE = 0,
    FGD_INVOKE_DRY_RUN,
    FGD_INVOKE_EVENT
} fgd_invocation_type_t;

/* "" (RequestResponse), "RequestResponse", "DryRun" or "Event"; anything
 * else -> 400.  0 or -1 with r. */
int fgd_invocation_type(const char *s, fgd_invocation_type_t *t,
    fgd_resp_t *r);

/* The Invoke payload must be JSON, as Lambda requires (empty is allowed
 * and becomes "{}").  0, or -1 with 400 InvalidRequestContentException. */
int fgd_payload_check(const char *body, size_t len, fgd_resp_t *r);

/* What a call adds to its INVOKE beyond its function (NULL or "": none). */
typedef struct {
    const char  *endpoint;      /* AWS_ENDPOINT_URL: the gateway as the
                                   guest reaches it */
    const char  *credentials;   /* the call's own temporary credentials,
                                   "AKID:SECRET:TOKEN:EXPIRATION" (INVOKE
                                   "credentials", never an env entry) */
    uint64_t     timeout_ms;    /* the call's timeout when a deadline cut
                                   it (fngated_deadline.h); 0: the
                                   function's */
} fgd_invoke_extra_t;

/* Appends the INVOKE fields after request_id / handler / event:
 * the env entries (reserved Lambda variables, then the function's own),
 * credentials, timeout_ms, memory_mb, max_output.  0 or -1 (no memory /
 * bad env). */
/* AWS_LAMBDA_FUNCTION_VERSION is fgd_fn_version(fn). */
/* function_arn: the ARN the call named (INVOKE "function_arn"). */
int fgd_invoke_frame(fg_buf_t *b, const fgd_fn_t *fn, const char *region,
    const char *request_id, const char *function_arn,
    const fgd_invoke_extra_t *x, const uint8_t *event, size_t event_len);

/* What an agent RESULT says, parsed. */
typedef struct {
    char           status[16];
    long long      exit_code;
    const uint8_t *out;
    size_t         out_len;
    const uint8_t *err;            /* stderr tail */
    size_t         err_len;
    uint64_t       duration_us;
    uint64_t       max_rss_kb;
    char           message[256];
    char           error_type[128]; /* the runtime's error type, or "" */
    bool           has_init;       /* the call started a runtime: */
    uint64_t       init_us;        /* its init */
} fgd_result_t;

/* Reads a RESULT frame; -1 when it is not one or request_id differs. */
int fgd_result_parse(const fg_frame_t *f, const char *request_id,
    fgd_result_t *res);

/*
 * The Invoke response for a result: 200 with the output for "ok"; 200 +
 * X-Amz-Function-Error: Unhandled + {"errorMessage","errorType"} for
 * function errors (HACKING.md, "Function errors"); 502 ServiceException
 * for an unknown status (*healthy is set false then).  now is the time
 * used in the timeout message, timeout_ms the call's timeout it names
 * ("3.00 seconds"; less than the function's when a deadline cut it).
 */
int fgd_result_response(const fgd_result_t *res, const char *request_id,
    uint64_t timeout_ms, const struct timespec *now, fgd_resp_t *r,
    bool *healthy);

/*
 * A function error of another account's code, for a caller the owner
 * does not show its log to (fngated_invoke.c): the errorType stays; the
 * errorMessage the runtime posted or the agent gave (and the stackTrace)
 * become "RequestId: ID Error: the function's error message is shown
 * only to its owner"; r->message too (the caller of an API sees it).
 * fngate's own wordings (exit status, signal, timeout, size) stay.
 * Nothing to do for a call that did not fail.  0, or -1 with a 500.
 */
int fgd_result_redact(const fgd_result_t *res, const char *request_id,
    fgd_resp_t *r);

/* The X-Amz-Log-Result text before base64: Lambda's START line, the
 * stderr tail, END and REPORT, clipped to its last FGD_LOG_TAIL bytes.
 * malloc'd, NULL on no memory. */
char *fgd_log_tail(const fgd_result_t *res, const char *request_id,
    const char *version, unsigned memory_mb, unsigned init_ms, bool cold,
    size_t *len);

/* Counters: "12.34", billed = ceil, at least 1; MB = ceil(kB/1024). */
void fgd_duration_ms(uint64_t us, char *dst, size_t size);
uint64_t fgd_billed_ms(uint64_t us);
uint64_t fgd_memory_used_mb(uint64_t kb);

#endif /* FNGATED_RESULT_H */
