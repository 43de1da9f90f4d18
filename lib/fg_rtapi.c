/*
 * fg_rtapi: parsing the Runtime API's requests (see fg_rtapi.h).
 */

#include <string.h>
#include <strings.h>

#include "fg_rtapi.h"
#include "fg_util.h"

#define FG_RTAPI_PREFIX      "/2018-06-01/runtime/"
#define FG_RTAPI_LENGTH_MAX  (1ull << 40)


static bool
fg_rtapi_id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}


static void
fg_rtapi_route(const char *m, size_t mlen, const char *p, size_t plen,
    fg_rtapi_req_t *req)
{
    size_t       pre = sizeof(FG_RTAPI_PREFIX) - 1, i;
    const char  *q, *slash;
    bool         get = mlen == 3 && memcmp(m, "GET", 3) == 0;
    bool         post = mlen == 4 && memcmp(m, "POST", 4) == 0;

    q = memchr(p, '?', plen);
    if (q != NULL) {
        plen = (size_t) (q - p);
    }
    if (plen < pre || memcmp(p, FG_RTAPI_PREFIX, pre) != 0) {
        return;
    }
    p += pre;
    plen -= pre;

    if (plen == 15 && memcmp(p, "invocation/next", 15) == 0) {
        req->route = FG_RTAPI_NEXT;
        req->method_ok = get;
        return;
    }
    if (plen == 10 && memcmp(p, "init/error", 10) == 0) {
        req->route = FG_RTAPI_INIT_ERROR;
        req->method_ok = post;
        return;
    }
    if (plen < 11 || memcmp(p, "invocation/", 11) != 0) {
        return;
    }
    p += 11;
    plen -= 11;
    slash = memchr(p, '/', plen);
    if (slash == NULL) {
        return;
    }
    i = (size_t) (slash - p);
    if (plen - i - 1 == 8 && memcmp(slash + 1, "response", 8) == 0) {
        req->route = FG_RTAPI_RESPONSE;
    } else if (plen - i - 1 == 5 && memcmp(slash + 1, "error", 5) == 0) {
        req->route = FG_RTAPI_ERROR;
    } else {
        return;
    }
    req->method_ok = post;

    if (i == 0 || i > FG_RTAPI_ID_MAX) {
        req->bad_id = true;
        return;
    }
    for (size_t k = 0; k < i; k++) {
        if (!fg_rtapi_id_char((unsigned char) p[k])) {
            req->bad_id = true;
            return;
        }
    }
    memcpy(req->id, p, i);
    req->id[i] = '\0';
}


/* Header value v (vlen bytes, leading blanks already skipped). */
static int
fg_rtapi_header(const char *name, size_t nlen, const char *v, size_t vlen,
    fg_rtapi_req_t *req, bool *have_length)
{
    size_t  i, n;

    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) {
        vlen--;
    }

    if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
        uint64_t  x = 0;

        if (vlen == 0 || *have_length) {
            return -1;
        }
        for (i = 0; i < vlen; i++) {
            if (v[i] < '0' || v[i] > '9') {
                return -1;
            }
            x = x * 10 + (uint64_t) (v[i] - '0');
            if (x > FG_RTAPI_LENGTH_MAX) {
                return -1;
            }
        }
        req->content_length = x;
        *have_length = true;
    } else if (nlen == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
        if (vlen != 7 || strncasecmp(v, "chunked", 7) != 0) {
            return -1;
        }
        req->chunked = true;
    } else if (nlen == 10 && strncasecmp(name, "Connection", 10) == 0) {
        if (vlen == 5 && strncasecmp(v, "close", 5) == 0) {
            req->close = true;
        } else if (vlen == 10 && strncasecmp(v, "keep-alive", 10) == 0) {
            req->close = false;
        }
    } else if (nlen == 34
        && strncasecmp(name, "Lambda-Runtime-Function-Error-Type", 34) == 0)
    {
        n = vlen < FG_RTAPI_TYPE_MAX ? vlen : FG_RTAPI_TYPE_MAX;
        for (i = 0; i < n; i++) {
            unsigned char  c = (unsigned char) v[i];

            req->error_type[i] = (c < 0x20 || c >= 0x7f || c == '"'
                                  || c == '\\') ? '?' : (char) c;
        }
        req->error_type[n] = '\0';
    }
    return 0;
}


int
fg_rtapi_parse_head(const char *buf, size_t len, fg_rtapi_req_t *req)
{
    const char  *p, *end, *nl, *line, *sp1, *sp2;
    size_t       llen, scan;
    bool         first = true, have_length = false, http10 = false;

    memset(req, 0, sizeof(*req));

    /* The head ends at the first empty line ("\r\n" or "\n"). */
    scan = len < FG_RTAPI_HEAD_MAX ? len : FG_RTAPI_HEAD_MAX;
    end = NULL;
    for (p = buf; p < buf + scan; p = nl + 1) {
        nl = memchr(p, '\n', (size_t) (buf + scan - p));
        if (nl == NULL) {
            break;
        }
        if (nl == p || (nl == p + 1 && p[0] == '\r')) {
            if (p == buf) {
                return -1;             /* an empty first line */
            }
            end = nl + 1;
            break;
        }
    }
    if (end == NULL) {
        return len >= FG_RTAPI_HEAD_MAX ? -1 : 0;
    }
    req->head_len = (size_t) (end - buf);

    for (p = buf; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t) (end - p));
        line = p;
        llen = (size_t) (nl - p);
        if (llen > 0 && line[llen - 1] == '\r') {
            llen--;
        }
        if (llen == 0) {
            break;
        }
        if (memchr(line, '\0', llen) != NULL) {
            return -1;
        }

        if (first) {
            /* METHOD SP TARGET SP HTTP/1.x */
            first = false;
            sp1 = memchr(line, ' ', llen);
            if (sp1 == NULL || sp1 == line) {
                return -1;
            }
            sp2 = memchr(sp1 + 1, ' ', (size_t) (line + llen - sp1 - 1));
            if (sp2 == NULL || sp2 == sp1 + 1) {
                return -1;
            }
            if (line + llen - sp2 - 1 != 8
                || memcmp(sp2 + 1, "HTTP/1.", 7) != 0
                || (sp2[8] != '0' && sp2[8] != '1'))
            {
                return -1;
            }
            http10 = sp2[8] == '0';
            req->close = http10;
            fg_rtapi_route(line, (size_t) (sp1 - line), sp1 + 1,
                (size_t) (sp2 - sp1 - 1), req);
            continue;
        }

        {
            const char  *colon = memchr(line, ':', llen);
            const char  *v;
            size_t       vlen;

            if (colon == NULL || colon == line) {
                return -1;
            }
            v = colon + 1;
            vlen = (size_t) (line + llen - v);
            while (vlen > 0 && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            if (fg_rtapi_header(line, (size_t) (colon - line), v, vlen, req,
                    &have_length) < 0)
            {
                return -1;
            }
        }
    }
    if (req->chunked && have_length) {
        return -1;
    }
    return 1;
}


int
fg_rtapi_dechunk(const char *buf, size_t len, size_t max, fg_buf_t *out,
    size_t *used)
{
    size_t  off = 0, total = 0, pass;

    /* Pass 0 checks that the body is complete; pass 1 copies it. */
    for (pass = 0; pass < 2; pass++) {
        off = 0;
        for ( ;; ) {
            uint64_t     size = 0;
            const char  *nl;
            size_t       i;
            bool         digits = false, ext = false;
            int          d;

            nl = memchr(buf + off, '\n', len - off);
            if (nl == NULL) {
                return len - off > 256 ? -1 : 0;
            }
            for (i = off; buf + i < nl; i++) {
                if (ext) {
                    continue;          /* chunk extensions are ignored */
                }
                if (buf[i] == ';') {
                    ext = true;
                    continue;
                }
                if (buf[i] == '\r' && buf + i + 1 == nl) {
                    break;
                }
                d = fg_hexval((unsigned char) buf[i]);
                if (d < 0) {
                    return -1;
                }
                size = size * 16 + (uint64_t) d;
                digits = true;
                if (size > FG_RTAPI_LENGTH_MAX) {
                    return -1;
                }
            }
            if (!digits) {
                return -1;
            }
            off = (size_t) (nl - buf) + 1;

            if (size == 0) {
                /* Trailer lines, then an empty line. */
                for ( ;; ) {
                    nl = memchr(buf + off, '\n', len - off);
                    if (nl == NULL) {
                        return len - off > 4096 ? -1 : 0;
                    }
                    if (nl == buf + off
                        || (nl == buf + off + 1 && buf[off] == '\r'))
                    {
                        off = (size_t) (nl - buf) + 1;
                        break;
                    }
                    off = (size_t) (nl - buf) + 1;
                }
                break;
            }
            if (pass == 0) {
                total += size;
                if (total > max) {
                    return -2;
                }
            }
            if (len - off < size + 1) {
                return 0;
            }
            if (pass == 1 && fg_buf_append(out, buf + off, size) < 0) {
                return -2;
            }
            off += size;
            if (buf[off] == '\r') {
                if (len - off < 2) {
                    return 0;
                }
                off++;
            }
            if (buf[off] != '\n') {
                return -1;
            }
            off++;
        }
    }
    *used = off;
    return 1;
}


const char *
fg_rtapi_reason(unsigned status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    default:  return "Unknown";
    }
}
