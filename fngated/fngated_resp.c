/*
 * fngated_resp: the answer to one call, and Lambda's errors.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "fngated_resp.h"

void
fgd_resp_free(fgd_resp_t *r)
{
    if (r == NULL) {
        return;
    }
    free(r->body);
    free(r->headers);
    free(r->content_type);
    r->body = NULL;
    r->headers = NULL;
    r->content_type = NULL;
    r->body_len = 0;
}

const char *
fgd_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default:  return "Unknown";
    }
}

/* Keeps only valid UTF-8 (others become '?') so yajl_gen never fails. */
static void
fgd_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *) s;

    while (*p) {
        unsigned n, i;

        if (*p < 0x80) {
            p++;
            continue;
        }
        if ((*p & 0xe0) == 0xc0 && *p >= 0xc2) {
            n = 1;
        } else if ((*p & 0xf0) == 0xe0) {
            n = 2;
        } else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4) {
            n = 3;
        } else {
            *p++ = '?';
            continue;
        }
        for (i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                break;
            }
        }
        if (i <= n) {
            *p++ = '?';
            continue;
        }
        p += n + 1;
    }
}

int
fgd_error(fgd_resp_t *r, int status, const char *type, const char *fmt, ...)
{
    va_list         ap;
    yajl_gen        g;
    const unsigned char *buf;
    size_t          len;

    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
    fgd_utf8_sanitize(r->message);

    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->status = status;
    r->error_type = type;
    r->error_header_off = 0;
    r->function_error = NULL;
    if (strcmp(type, "TooManyRequestsException") == 0
        && r->throttle_reason == NULL)
    {
        r->throttle_reason = "ConcurrentInvocationLimitExceeded";
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return -1;
    }
    yajl_gen_map_open(g);
    if (r->throttle_reason != NULL) {
        yajl_gen_string(g, (const unsigned char *) "Reason", 6);
        yajl_gen_string(g, (const unsigned char *) r->throttle_reason,
            strlen(r->throttle_reason));
    }
    yajl_gen_string(g, (const unsigned char *) "Type", 4);
    if (status >= 500) {
        yajl_gen_string(g, (const unsigned char *) "Service", 7);
    } else {
        yajl_gen_string(g, (const unsigned char *) "User", 4);
    }
    yajl_gen_string(g, (const unsigned char *) "message", 7);
    yajl_gen_string(g, (const unsigned char *) r->message,
        strlen(r->message));
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        r->body = malloc(len + 1);
        if (r->body != NULL) {
            memcpy(r->body, buf, len);
            r->body[len] = '\0';
            r->body_len = len;
        }
    }
    yajl_gen_free(g);
    return -1;
}

int
fgd_pattern_error(fgd_resp_t *r, const char *value, int width,
    const char *member, const char *pattern)
{
    return fgd_error(r, 400, "InvalidParameterValueException",
        "1 validation error detected: Value '%.*s' at '%s' failed to "
        "satisfy constraint: Member must satisfy regular expression "
        "pattern: %s", width, value, member, pattern);
}

int
fgd_null_error(fgd_resp_t *r, const char *member)
{
    return fgd_error(r, 400, "InvalidParameterValueException",
        "1 validation error detected: Value null at '%s' failed to satisfy "
        "constraint: Member must not be null", member);
}

int
fgd_revision_mismatch(fgd_resp_t *r, const char *getter)
{
    return fgd_error(r, 412, "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        "Call the %s API to retrieve the latest Revision Id", getter);
}

int
fgd_nomem(fgd_resp_t *r)
{
    return fgd_error(r, 500, "ServiceException", "out of memory");
}

int
fgd_resp_done(fgd_resp_t *r, int made, int status)
{
    if (made != 0) {
        return fgd_nomem(r);
    }
    r->status = status;
    return 0;
}
