/*
 * fuzz_rtapi: lib/fg_rtapi.c, the Runtime API's request parser that the
 * agent runs on what a function's runtime (its code) sends to
 * 127.0.0.1:9001: request heads, routes, Content-Length and chunked
 * bodies, pipelined requests, as agent_rtapi_conn_process
 * (guest/agent/agent_rtapi.c) walks them.
 *
 * Input: the bytes of one connection.
 *
 * Invariants: a head's length is within the bytes and every proper
 * prefix of a head (and of a chunked body) asks for more bytes; the id
 * and error type are NUL-terminated within their arrays; a dechunked
 * body is no longer than the bytes it came from nor than max.
 */

#include "fuzz.h"
#include "fg_rtapi.h"

#define FZ_BODY_MAX  (64 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char      *in = (const char *) data;
    size_t           left = size, used, n = 0;
    fg_rtapi_req_t   q, q2;
    fg_buf_t         body = { 0 }, b2 = { 0 };
    int              rc;

    (void) fg_rtapi_reason(size & 0x3ff);

    while (left > 0 && n++ < 64) {
        rc = fg_rtapi_parse_head(in, left, &q);
        if (rc <= 0) {
            break;
        }
        FZ_CHECK(q.head_len > 0 && q.head_len <= left);
        FZ_CHECK(q.head_len <= FG_RTAPI_HEAD_MAX);
        FZ_CHECK(fg_rtapi_parse_head(in, q.head_len - 1, &q2) == 0);
        FZ_CHECK(memchr(q.id, '\0', sizeof(q.id)) != NULL);
        FZ_CHECK(memchr(q.error_type, '\0', sizeof(q.error_type)) != NULL);
        FZ_CHECK(!(q.chunked && q.content_length > 0));

        if (q.chunked) {
            fg_buf_reset(&body);
            rc = fg_rtapi_dechunk(in + q.head_len, left - q.head_len,
                FZ_BODY_MAX, &body, &used);
            if (rc != 1) {
                break;
            }
            FZ_CHECK(used <= left - q.head_len);
            FZ_CHECK(body.len <= used && body.len <= FZ_BODY_MAX);
            fg_buf_reset(&b2);
            FZ_CHECK(fg_rtapi_dechunk(in + q.head_len, used - 1,
                FZ_BODY_MAX, &b2, &used) == 0 && b2.len == 0);
            fg_buf_reset(&b2);
            FZ_CHECK(fg_rtapi_dechunk(in + q.head_len, left - q.head_len,
                FZ_BODY_MAX, &b2, &used) == 1 && b2.len == body.len
                && (body.len == 0
                    || memcmp(b2.data, body.data, body.len) == 0));
        } else {
            if (q.content_length > left - q.head_len) {
                break;
            }
            used = (size_t) q.content_length;
        }
        in += q.head_len + used;
        left -= q.head_len + used;
    }

    fg_buf_free(&body);
    fg_buf_free(&b2);
    return 0;
}
