/*
 * fuzz_proxy_response: a function's output mapped to the HTTP answer of
 * an API call (fgd_api_response, fngated_http_apis_json.c): the proxy
 * response's statusCode, headers, body and isBase64Encoded.  The output
 * is the function's (another account's code, for a subscriber's call).
 *
 * Input: the output.
 *
 * Invariants: the answer is a status 100-599; an error is a 502 with a
 * type; the headers fngated adds are "Name: value\r\n" lines with a
 * token name and no CR or LF in a value (no header injection), never a
 * reserved name (Status, Content-Length, X-Amz-*, X-Fngate-*, ...); the
 * content type has no CR or LF; the headers fngated had set before stay.
 */

#include <strings.h>

#include "fuzz_json.h"
#include "fngated_http_apis_json.h"

#define FZ_BEFORE  "X-Fngate-Duration-Ms: 12.34\r\n"

static void
fz_headers_ok(const char *h)
{
    static const char *const  reserved[] = {
        "status:", "content-length:", "transfer-encoding:", "connection:",
        "x-amz-", "x-amzn-", "x-fngate-", "content-type:"
    };
    const char  *line = h, *eol, *p;
    size_t       i;

    FZ_CHECK(strncmp(h, FZ_BEFORE, sizeof(FZ_BEFORE) - 1) == 0);
    line += sizeof(FZ_BEFORE) - 1;
    while (*line != '\0') {
        eol = strstr(line, "\r\n");
        FZ_CHECK(eol != NULL);
        for (p = line; p < eol; p++) {
            FZ_CHECK(*p != '\r' && *p != '\n');
        }
        p = memchr(line, ':', (size_t) (eol - line));
        FZ_CHECK(p != NULL && p > line && p[1] == ' ');
        for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
            FZ_CHECK(strncasecmp(line, reserved[i], strlen(reserved[i]))
                     != 0);
        }
        line = eol + 2;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fgd_resp_t  r;

    memset(&r, 0, sizeof(r));
    r.status = 200;
    r.body = fz_copy(data, size);
    r.body_len = size;
    r.headers = strdup(FZ_BEFORE);
    if (r.body == NULL || r.headers == NULL) {
        goto cleanup;
    }

    if (fgd_api_response(&r) == 0) {
        FZ_CHECK(r.status >= 100 && r.status <= 599);
        FZ_CHECK(r.body != NULL || r.body_len == 0);
        if (r.content_type != NULL) {
            FZ_CHECK(strpbrk(r.content_type, "\r\n") == NULL);
        }
        fz_headers_ok(r.headers);
    } else {
        FZ_CHECK(r.status == 502 || r.status == 500);
        FZ_CHECK(r.error_type != NULL);
    }

cleanup:
    fgd_resp_free(&r);
    return 0;
}
