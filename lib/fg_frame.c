/*
 * fg_frame: building, parsing, reading and writing the frames of the
 * host <-> agent protocol (see fg_frame.h for the wire format).
 *
 * libc only: this file is linked into the static guest agent.  No global
 * state; every function works on the caller's buffers only.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fg_frame.h"
#include "fg_util.h"

#define FG_FIELD_KEY_MAX  UINT16_MAX


static void
fg_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}


static void
fg_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}


static uint16_t
fg_get_u16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}


static uint32_t
fg_get_u32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | (uint32_t) p[3];
}


int
fg_buf_reserve(fg_buf_t *b, size_t extra)
{
    size_t    need, cap;
    uint8_t  *p;

    if (extra > SIZE_MAX - b->len) {
        return -1;
    }

    need = b->len + extra;
    if (need <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        return -1;
    }

    b->data = p;
    b->cap = cap;
    return 0;
}


int
fg_buf_append(fg_buf_t *b, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }

    if (fg_buf_reserve(b, len) < 0) {
        return -1;
    }

    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}


void
fg_buf_reset(fg_buf_t *b)
{
    if (b != NULL) {
        b->len = 0;
    }
}


void
fg_buf_free(fg_buf_t *b)
{
    if (b == NULL) {
        return;
    }

    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}


/*
 * While a frame is being built its header always carries the length of the
 * payload appended so far, so the frames in a buffer form a chain that can
 * be walked from the start: the last header of the chain is the frame under
 * construction.  Returns its offset, or -1 if the buffer does not end with
 * a well-formed frame (begin was not called, or foreign bytes follow).
 */
static ssize_t
fg_frame_last(const fg_buf_t *b)
{
    size_t    off, next;
    uint32_t  len;

    if (b == NULL || b->data == NULL || b->len < FG_FRAME_HEADER_SIZE) {
        return -1;
    }

    off = 0;

    for ( ;; ) {
        if (b->len - off < FG_FRAME_HEADER_SIZE
            || fg_get_u16(b->data + off) != FG_FRAME_MAGIC)
        {
            return -1;
        }

        len = fg_get_u32(b->data + off + 8);
        if (len > b->len - off - FG_FRAME_HEADER_SIZE) {
            return -1;
        }

        next = off + FG_FRAME_HEADER_SIZE + len;
        if (next == b->len) {
            return (ssize_t) off;
        }

        off = next;
    }
}


int
fg_frame_begin(fg_buf_t *b, fg_frame_type_t type, uint32_t seq)
{
    uint8_t  *h;

    if (b == NULL || fg_buf_reserve(b, FG_FRAME_HEADER_SIZE) < 0) {
        return -1;
    }

    h = b->data + b->len;
    fg_put_u16(h, FG_FRAME_MAGIC);
    h[2] = (uint8_t) type;
    h[3] = 0;
    fg_put_u32(h + 4, seq);
    fg_put_u32(h + 8, 0);
    b->len += FG_FRAME_HEADER_SIZE;

    return 0;
}


int
fg_frame_add(fg_buf_t *b, const char *key, const void *val, size_t len)
{
    ssize_t   start;
    size_t    klen, payload, field;
    uint8_t  *p;

    if (key == NULL || (val == NULL && len != 0)) {
        return -1;
    }

    klen = strlen(key);
    if (klen == 0 || klen > FG_FIELD_KEY_MAX) {
        return -1;
    }

    start = fg_frame_last(b);
    if (start < 0) {
        return -1;
    }

    payload = b->len - (size_t) start - FG_FRAME_HEADER_SIZE;

    if (len > FG_FRAME_MAX_PAYLOAD) {
        return -1;
    }

    field = 2 + klen + 4 + len;
    if (field > FG_FRAME_MAX_PAYLOAD - payload) {
        return -1;
    }

    if (fg_buf_reserve(b, field) < 0) {
        return -1;
    }

    p = b->data + b->len;
    fg_put_u16(p, (uint16_t) klen);
    memcpy(p + 2, key, klen);
    fg_put_u32(p + 2 + klen, (uint32_t) len);
    if (len) {
        memcpy(p + 2 + klen + 4, val, len);
    }
    b->len += field;

    fg_put_u32(b->data + start + 8, (uint32_t) (payload + field));

    return 0;
}


int
fg_frame_add_str(fg_buf_t *b, const char *key, const char *val)
{
    if (val == NULL) {
        return -1;
    }

    return fg_frame_add(b, key, val, strlen(val));
}


int
fg_frame_add_u64(fg_buf_t *b, const char *key, uint64_t val)
{
    char  num[24];
    int   n;

    n = snprintf(num, sizeof(num), "%" PRIu64, val);
    if (n < 0 || (size_t) n >= sizeof(num)) {
        return -1;
    }

    return fg_frame_add(b, key, num, (size_t) n);
}


int
fg_frame_end(fg_buf_t *b)
{
    ssize_t  start;
    size_t   payload;

    start = fg_frame_last(b);
    if (start < 0) {
        return -1;
    }

    payload = b->len - (size_t) start - FG_FRAME_HEADER_SIZE;
    if (payload > FG_FRAME_MAX_PAYLOAD) {
        return -1;
    }

    fg_put_u32(b->data + start + 8, (uint32_t) payload);
    return 0;
}


/* Checks that payload is a whole number of well-formed fields. */
static int
fg_fields_check(const uint8_t *p, size_t len)
{
    const uint8_t  *end = p + len;
    size_t          klen, vlen;

    while (p < end) {
        if ((size_t) (end - p) < 2) {
            return -1;
        }
        klen = fg_get_u16(p);
        p += 2;

        if (klen == 0 || (size_t) (end - p) < klen + 4) {
            return -1;
        }
        p += klen;

        vlen = fg_get_u32(p);
        p += 4;

        if ((size_t) (end - p) < vlen) {
            return -1;
        }
        p += vlen;
    }

    return 0;
}


/* Validates a header: 0 good, -1 not a frame; *len gets the payload size. */
static int
fg_header_check(const uint8_t *h, size_t avail, uint32_t *len)
{
    if (avail >= 1 && h[0] != (FG_FRAME_MAGIC >> 8)) {
        return -1;
    }

    if (avail >= 2 && h[1] != (FG_FRAME_MAGIC & 0xff)) {
        return -1;
    }

    if (avail < FG_FRAME_HEADER_SIZE) {
        return 0;
    }

    *len = fg_get_u32(h + 8);
    if (*len > FG_FRAME_MAX_PAYLOAD) {
        return -1;
    }

    return 0;
}


ssize_t
fg_frame_parse(const uint8_t *buf, size_t len, fg_frame_t *f)
{
    uint32_t  plen = 0;

    if (buf == NULL && len != 0) {
        return -1;
    }

    if (fg_header_check(buf, len, &plen) < 0) {
        return -1;
    }

    if (len < FG_FRAME_HEADER_SIZE
        || len - FG_FRAME_HEADER_SIZE < plen)
    {
        return 0;
    }

    if (fg_fields_check(buf + FG_FRAME_HEADER_SIZE, plen) < 0) {
        return -1;
    }

    f->type = buf[2];
    f->flags = buf[3];
    f->seq = fg_get_u32(buf + 4);
    f->payload = buf + FG_FRAME_HEADER_SIZE;
    f->len = plen;

    return (ssize_t) (FG_FRAME_HEADER_SIZE + plen);
}


void
fg_field_iter_init(fg_field_iter_t *it, const fg_frame_t *f)
{
    if (f == NULL || f->payload == NULL) {
        it->p = NULL;
        it->end = NULL;
        return;
    }

    it->p = f->payload;
    it->end = f->payload + f->len;
}


int
fg_field_next(fg_field_iter_t *it, const char **key, size_t *klen,
    const uint8_t **val, size_t *vlen)
{
    const uint8_t  *p = it->p;
    size_t          kl, vl;

    if (p == NULL || p >= it->end || (size_t) (it->end - p) < 2) {
        return 0;
    }

    kl = fg_get_u16(p);
    if ((size_t) (it->end - p) - 2 < kl + 4) {
        return 0;
    }

    vl = fg_get_u32(p + 2 + kl);
    if ((size_t) (it->end - p) - 2 - kl - 4 < vl) {
        return 0;
    }

    if (key) {
        *key = (const char *) (p + 2);
    }
    if (klen) {
        *klen = kl;
    }
    if (val) {
        *val = p + 2 + kl + 4;
    }
    if (vlen) {
        *vlen = vl;
    }

    it->p = p + 2 + kl + 4 + vl;
    return 1;
}


const uint8_t *
fg_frame_get(const fg_frame_t *f, const char *key, size_t *len)
{
    fg_field_iter_t   it;
    const char       *k;
    const uint8_t    *v;
    size_t            kl, vl, want;

    if (f == NULL || key == NULL) {
        return NULL;
    }

    want = strlen(key);
    fg_field_iter_init(&it, f);

    while (fg_field_next(&it, &k, &kl, &v, &vl)) {
        if (kl == want && memcmp(k, key, kl) == 0) {
            if (len) {
                *len = vl;
            }
            return v;
        }
    }

    return NULL;
}


bool
fg_frame_path_ok(const void *path, size_t len)
{
    const uint8_t  *p = path;
    size_t          i, n, start = 0;

    if (len == 0 || len >= 4096 || p[0] == '/') {
        return false;
    }

    for (i = 0; i <= len; i++) {
        if (i < len && p[i] == '\0') {
            return false;
        }

        if (i == len || p[i] == '/') {
            n = i - start;

            if (n == 0 && i != len) {       /* "a//b" */
                return false;
            }

            if ((n == 1 && p[start] == '.')
                || (n == 2 && p[start] == '.' && p[start + 1] == '.'))
            {
                return false;
            }

            start = i + 1;
        }
    }

    return true;
}


int
fg_frame_get_u64(const fg_frame_t *f, const char *key, uint64_t *out)
{
    const uint8_t  *v;
    size_t          vl, i;
    uint64_t        n = 0;
    unsigned        d;

    v = fg_frame_get(f, key, &vl);
    if (v == NULL || vl == 0 || vl > 20) {
        return -1;
    }

    for (i = 0; i < vl; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return -1;
        }
        d = (unsigned) (v[i] - '0');
        if (n > (UINT64_MAX - d) / 10) {
            return -1;
        }
        n = n * 10 + d;
    }

    if (out) {
        *out = n;
    }
    return 0;
}


/*
 * Waits until fd is ready for events or the deadline (0: none) passes.
 * EINTR restarts the wait with the time that is left.
 */
static int
fg_wait_fd(int fd, short events, uint64_t deadline)
{
    struct pollfd  pfd;
    uint64_t       now;
    int            rc, ms;

    for ( ;; ) {
        ms = -1;
        if (deadline) {
            now = fg_now_ms();
            if (now >= deadline) {
                errno = ETIMEDOUT;
                return -1;
            }
            ms = deadline - now > INT32_MAX ? INT32_MAX
                                            : (int) (deadline - now);
        }

        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;

        rc = poll(&pfd, 1, ms);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }

        if (rc == 0) {
            continue;           /* the deadline check above decides */
        }

        if (pfd.revents & POLLNVAL) {
            errno = EBADF;
            return -1;
        }

        /* POLLIN, POLLOUT, and also POLLHUP/POLLERR: the next read or
         * write reports what happened. */
        return 0;
    }
}


/* Reads exactly len bytes before the deadline; EOF is ECONNRESET. */
static int
fg_read_full(int fd, uint8_t *p, size_t len, uint64_t deadline)
{
    ssize_t  n;

    while (len > 0) {
        if (fg_wait_fd(fd, POLLIN, deadline) < 0) {
            return -1;
        }

        n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            return -1;
        }

        if (n == 0) {
            errno = ECONNRESET;
            return -1;
        }

        p += n;
        len -= (size_t) n;
    }

    return 0;
}


int
fg_frame_read(int fd, fg_buf_t *b, fg_frame_t *f, unsigned timeout_ms)
{
    uint64_t  deadline = 0;
    uint32_t  plen = 0;
    ssize_t   rc;

    if (b == NULL || f == NULL) {
        errno = EINVAL;
        return -1;
    }

    if (timeout_ms) {
        deadline = fg_now_ms() + timeout_ms;
    }

    fg_buf_reset(b);

    if (fg_buf_reserve(b, FG_FRAME_HEADER_SIZE) < 0) {
        errno = ENOMEM;
        return -1;
    }

    if (fg_read_full(fd, b->data, FG_FRAME_HEADER_SIZE, deadline) < 0) {
        return -1;
    }
    b->len = FG_FRAME_HEADER_SIZE;

    if (fg_header_check(b->data, b->len, &plen) < 0) {
        errno = EPROTO;
        return -1;
    }

    if (fg_buf_reserve(b, plen) < 0) {
        errno = ENOMEM;
        return -1;
    }

    if (fg_read_full(fd, b->data + b->len, plen, deadline) < 0) {
        return -1;
    }
    b->len += plen;

    rc = fg_frame_parse(b->data, b->len, f);
    if (rc <= 0) {
        errno = EPROTO;
        return -1;
    }

    return 0;
}


/*
 * Writes all of b.  send() with MSG_NOSIGNAL keeps a closed peer from
 * killing the process with SIGPIPE; descriptors that are not sockets (the
 * agent's virtio-serial port, pipes) fall back to write().
 */
int
fg_frame_write_all(int fd, const fg_buf_t *b)
{
    const uint8_t  *p;
    size_t          left;
    ssize_t         n;
    int             use_send = 1;

    if (b == NULL) {
        errno = EINVAL;
        return -1;
    }

    p = b->data;
    left = b->len;

    while (left > 0) {
        if (use_send) {
            n = send(fd, p, left, MSG_NOSIGNAL);
            if (n < 0 && errno == ENOTSOCK) {
                use_send = 0;
                continue;
            }
        } else {
            n = write(fd, p, left);
        }

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (fg_wait_fd(fd, POLLOUT, 0) < 0) {
                    return -1;
                }
                continue;
            }
            return -1;
        }

        p += n;
        left -= (size_t) n;
    }

    return 0;
}
