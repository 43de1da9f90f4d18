/*
 * fg_rtapi: the request side of the Lambda Runtime API (version
 * 2018-06-01) that fngate-agent serves to a function's runtime on the
 * guest's loopback: parsing a request's head, routing its path, decoding a
 * chunked body.  Pure: no sockets, no global state, so CUnit tests it.
 *
 * The routes:
 *     GET  /2018-06-01/runtime/invocation/next
 *     POST /2018-06-01/runtime/invocation/ID/response
 *     POST /2018-06-01/runtime/invocation/ID/error
 *     POST /2018-06-01/runtime/init/error
 */

#ifndef FG_RTAPI_H
#define FG_RTAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_frame.h"

#define FG_RTAPI_HEAD_MAX     16384  /* request line and headers */
#define FG_RTAPI_ID_MAX       128    /* an invocation id */
#define FG_RTAPI_TYPE_MAX     128    /* Lambda-Runtime-Function-Error-Type */

typedef enum {
    FG_RTAPI_NOT_FOUND = 0,   /* no such path */
    FG_RTAPI_NEXT,
    FG_RTAPI_RESPONSE,
    FG_RTAPI_ERROR,
    FG_RTAPI_INIT_ERROR
} fg_rtapi_route_t;

typedef struct {
    fg_rtapi_route_t  route;
    bool              method_ok;     /* false: a known path, another method */
    bool              chunked;       /* Transfer-Encoding: chunked */
    bool              close;         /* the client will not reuse it */
    bool              bad_id;        /* an invocation id of bad form */
    size_t            head_len;      /* bytes up to and with the blank line */
    uint64_t          content_length;
    char              id[FG_RTAPI_ID_MAX + 1];
    char              error_type[FG_RTAPI_TYPE_MAX + 1];
} fg_rtapi_req_t;

/*
 * Looks at the len bytes at buf.  Returns 1 when they start with a whole
 * request head (req filled), 0 when more bytes are needed, -1 when the
 * bytes are not an HTTP/1.x request head the agent accepts (malformed,
 * over FG_RTAPI_HEAD_MAX, a bad Content-Length, or both a length and
 * chunking).
 */
int fg_rtapi_parse_head(const char *buf, size_t len, fg_rtapi_req_t *req);

/*
 * A chunked body at buf (len bytes, just after the head).  Returns 1 when
 * the whole body and its trailer are there: the data is appended to out
 * (unless it would exceed max bytes: then -2) and *used is the bytes
 * consumed; 0 when more bytes are needed (out untouched); -1 when the
 * bytes are not chunked encoding; -2 when the data passes max.
 */
int fg_rtapi_dechunk(const char *buf, size_t len, size_t max, fg_buf_t *out,
    size_t *used);

/* The HTTP reason phrase of the status codes the agent answers. */
const char *fg_rtapi_reason(unsigned status);

#endif /* FG_RTAPI_H */
