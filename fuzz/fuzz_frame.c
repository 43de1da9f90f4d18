/*
 * fuzz_frame: lib/fg_frame.c, the agent protocol's decoder in both
 * directions: the frames the host sends (LOAD, INVOKE, SYNC, PING: what
 * the agent decodes) and those the agent sends (HELLO, LOADED, RESULT,
 * PONG, ERROR: what fngated and the pool decode; a guest's code may
 * write anything to the port).  The input is a byte stream, as read from
 * the port: frames one after the other.
 *
 * Each frame parsed is also read through fg_frame_read (from a socket
 * holding the same bytes), its fields walked, and what the consumers
 * read of them done: fg_frame_get / fg_frame_get_u64, the LOAD paths'
 * rule (fg_frame_path_ok), the INVOKE configuration hash of function
 * snapshots (vmp_fnsnap_config).
 *
 * Invariants (the round trip): a frame parsed, rebuilt from its fields
 * with fg_frame_begin / fg_frame_add / fg_frame_end, is the same bytes
 * (but the reserved flags byte) and parses again; every proper prefix of
 * a frame asks for more bytes; fg_frame_read returns the same frame.
 */

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "fg_frame.h"
#include "vmpool.h"

static void
fz_frame_one(const uint8_t *p, size_t k, const fg_frame_t *f)
{
    fg_field_iter_t  it;
    fg_buf_t         b = { 0 };
    fg_frame_t       g;
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen;
    uint64_t         u;
    char            *z, hash[65];

    FZ_CHECK(k >= FG_FRAME_HEADER_SIZE && k == FG_FRAME_HEADER_SIZE + f->len);
    FZ_CHECK(fg_frame_parse(p, k - 1, &g) == 0);
    FZ_CHECK(fg_frame_parse(p, FG_FRAME_HEADER_SIZE, &g)
             == (f->len == 0 ? (ssize_t) FG_FRAME_HEADER_SIZE : 0));

    FZ_CHECK(fg_frame_begin(&b, (fg_frame_type_t) f->type, f->seq) == 0);
    fg_field_iter_init(&it, f);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        FZ_CHECK(klen > 0);
        z = fz_dup(key, klen);
        if (z == NULL) {
            goto cleanup;
        }
        (void) fg_frame_get_u64(f, z, &u);
        if (strlen(z) == klen) {        /* a key with a NUL: the get and
                                           add calls take C strings */
            FZ_CHECK(fg_frame_get(f, z, NULL) != NULL);
            FZ_CHECK(fg_frame_add(&b, z, val, vlen) == 0);
        }
        free(z);
        if (klen == 4 && memcmp(key, "path", 4) == 0) {
            (void) fg_frame_path_ok(val, vlen);
        }
        if (klen == 7 && memcmp(key, "handler", 7) == 0) {
            (void) fg_frame_path_ok(val, vlen);
        }
    }
    FZ_CHECK(it.p == it.end);
    FZ_CHECK(fg_frame_end(&b) == 0);

    /* the same bytes, unless a key held a NUL */
    if (b.len == k) {
        FZ_CHECK(memcmp(b.data, p, 3) == 0);
        FZ_CHECK(memcmp(b.data + 4, p + 4, k - 4) == 0);
        FZ_CHECK(fg_frame_parse(b.data, b.len, &g) == (ssize_t) k);
        FZ_CHECK(g.type == f->type && g.seq == f->seq && g.len == f->len);
    }

    if (f->type == FG_FRAME_INVOKE) {
        FZ_CHECK(vmp_fnsnap_config(p, k, "123456789012:f", hash) == 0
                 && strlen(hash) == 64);
    } else {
        FZ_CHECK(vmp_fnsnap_config(p, k, "123456789012:f", hash) == -1);
    }

cleanup:
    fg_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t  *p = data;
    size_t          left = size, nframes = 0;
    ssize_t         k;
    fg_frame_t      f;
    fg_buf_t        rb = { 0 };
    int             sv[2] = { -1, -1 };
    bool            sock;

    /* the same bytes through a socket, read with fg_frame_read */
    sock = size <= 65536
           && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0;
    if (sock) {
        fg_buf_t  in = { (uint8_t *) data, size, size };

        if (size > 0) {
            FZ_CHECK(fg_frame_write_all(sv[0], &in) == 0);
        }
        shutdown(sv[0], SHUT_WR);
    }

    while (left > 0) {
        k = fg_frame_parse(p, left, &f);
        if (k <= 0) {
            break;
        }
        fz_frame_one(p, (size_t) k, &f);
        if (sock) {
            fg_frame_t  g;

            FZ_CHECK(fg_frame_read(sv[1], &rb, &g, 1000) == 0);
            FZ_CHECK(rb.len == (size_t) k && memcmp(rb.data, p, k) == 0);
            FZ_CHECK(g.type == f.type && g.seq == f.seq && g.len == f.len);
        }
        p += k;
        left -= (size_t) k;
        nframes++;
    }
    /* (a remainder whose header claims far more than there is would make
     * fg_frame_read reserve up to 64 MB, as the host does, at a cost of a
     * millisecond an input: left to the parse above) */
    if (sock && left > 0
        && (left < FG_FRAME_HEADER_SIZE
            || ((uint32_t) p[8] << 24 | (uint32_t) p[9] << 16
                | (uint32_t) p[10] << 8 | p[11]) <= left + 65536))
    {
        fg_frame_t  g;

        /* what follows the last whole frame is refused or cut short */
        errno = 0;
        FZ_CHECK(fg_frame_read(sv[1], &rb, &g, 1000) == -1);
        FZ_CHECK(errno == EPROTO || errno == ECONNRESET);
    }

    if (sv[0] >= 0) {
        close(sv[0]);
    }
    if (sv[1] >= 0) {
        close(sv[1]);
    }
    fg_buf_free(&rb);
    return 0;
}
