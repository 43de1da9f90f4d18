/*
 * CUnit tests of lib/fg_frame.c: building and parsing frames, and reading
 * them from a file descriptor (partial reads, EINTR, timeouts, EOF).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_frame.h"
#include "fg_util.h"


static int
field_is(const fg_frame_t *f, const char *key, const char *want)
{
    const uint8_t  *v;
    size_t          len;

    v = fg_frame_get(f, key, &len);
    return v != NULL && len == strlen(want) && memcmp(v, want, len) == 0;
}


static void
test_round_trip(void)
{
    fg_buf_t        b = { NULL, 0, 0 };
    fg_frame_t      f;
    uint64_t        n;
    const uint8_t  *v;
    size_t          len;
    static const uint8_t  bin[] = { 0, 1, 2, 0xff, 0 };

    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_INVOKE, 0xdeadbeef), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "request_id", "abc-123"), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "handler", "handler.sh"), 0);
    CU_ASSERT_EQUAL(fg_frame_add(&b, "event", bin, sizeof(bin)), 0);
    CU_ASSERT_EQUAL(fg_frame_add_u64(&b, "timeout_ms", 3000), 0);
    CU_ASSERT_EQUAL(fg_frame_add_u64(&b, "max", UINT64_MAX), 0);
    CU_ASSERT_EQUAL(fg_frame_add_u64(&b, "zero", 0), 0);
    CU_ASSERT_EQUAL(fg_frame_add(&b, "empty", NULL, 0), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);

    /* exact bytes of the header */
    CU_ASSERT_EQUAL_FATAL(b.len > FG_FRAME_HEADER_SIZE, 1);
    CU_ASSERT_EQUAL(b.data[0], 0x46);
    CU_ASSERT_EQUAL(b.data[1], 0x47);
    CU_ASSERT_EQUAL(b.data[2], FG_FRAME_INVOKE);
    CU_ASSERT_EQUAL(b.data[3], 0);
    CU_ASSERT_EQUAL(b.data[4], 0xde);
    CU_ASSERT_EQUAL(b.data[7], 0xef);
    CU_ASSERT_EQUAL(((size_t) b.data[8] << 24 | (size_t) b.data[9] << 16
                     | (size_t) b.data[10] << 8 | b.data[11]),
                    b.len - FG_FRAME_HEADER_SIZE);
    /* first field: u16 10, "request_id", u32 7, "abc-123" */
    CU_ASSERT_EQUAL(b.data[12], 0);
    CU_ASSERT_EQUAL(b.data[13], 10);
    CU_ASSERT_EQUAL(memcmp(b.data + 14, "request_id", 10), 0);
    CU_ASSERT_EQUAL(b.data[24] | b.data[25] | b.data[26], 0);
    CU_ASSERT_EQUAL(b.data[27], 7);
    CU_ASSERT_EQUAL(memcmp(b.data + 28, "abc-123", 7), 0);

    CU_ASSERT_EQUAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_INVOKE);
    CU_ASSERT_EQUAL(f.flags, 0);
    CU_ASSERT_EQUAL(f.seq, 0xdeadbeef);
    CU_ASSERT_EQUAL(f.len, b.len - FG_FRAME_HEADER_SIZE);
    CU_ASSERT_PTR_EQUAL(f.payload, b.data + FG_FRAME_HEADER_SIZE);

    CU_ASSERT(field_is(&f, "request_id", "abc-123"));
    CU_ASSERT(field_is(&f, "handler", "handler.sh"));
    v = fg_frame_get(&f, "event", &len);
    CU_ASSERT_PTR_NOT_NULL(v);
    CU_ASSERT_EQUAL(len, sizeof(bin));
    CU_ASSERT(v != NULL && memcmp(v, bin, sizeof(bin)) == 0);
    v = fg_frame_get(&f, "empty", &len);
    CU_ASSERT_PTR_NOT_NULL(v);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "missing", &len));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "request", &len));   /* a prefix */

    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "timeout_ms", &n), 0);
    CU_ASSERT_EQUAL(n, 3000);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "max", &n), 0);
    CU_ASSERT_EQUAL(n, UINT64_MAX);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "zero", &n), 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "handler", &n), -1);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "empty", &n), -1);
    CU_ASSERT_EQUAL(fg_frame_get_u64(&f, "missing", &n), -1);

    fg_buf_free(&b);
    CU_ASSERT_PTR_NULL(b.data);
    CU_ASSERT_EQUAL(b.len, 0);
    fg_buf_free(&b);
    fg_buf_free(NULL);
}


static void
test_empty_and_chained(void)
{
    fg_buf_t    b = { NULL, 0, 0 };
    fg_frame_t  f;
    ssize_t     n1, n2, n3;
    size_t      off;

    /* PING (empty), then a HELLO, then another empty frame, one buffer */
    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_PING, 1), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);
    CU_ASSERT_EQUAL(b.len, FG_FRAME_HEADER_SIZE);
    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_HELLO, 2), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "version", "1"), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "kernel", "6.1"), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);
    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_PONG, 3), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);

    n1 = fg_frame_parse(b.data, b.len, &f);
    CU_ASSERT_EQUAL(n1, FG_FRAME_HEADER_SIZE);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PING);
    CU_ASSERT_EQUAL(f.seq, 1);
    CU_ASSERT_EQUAL(f.len, 0);
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "version", NULL));

    off = (size_t) n1;
    n2 = fg_frame_parse(b.data + off, b.len - off, &f);
    CU_ASSERT(n2 > FG_FRAME_HEADER_SIZE);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_HELLO);
    CU_ASSERT_EQUAL(f.seq, 2);
    CU_ASSERT(field_is(&f, "version", "1"));
    CU_ASSERT(field_is(&f, "kernel", "6.1"));

    off += (size_t) n2;
    n3 = fg_frame_parse(b.data + off, b.len - off, &f);
    CU_ASSERT_EQUAL(n3, FG_FRAME_HEADER_SIZE);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PONG);
    CU_ASSERT_EQUAL(off + (size_t) n3, b.len);

    /* add without begin, or after foreign bytes, is refused */
    fg_buf_reset(&b);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "k", "v"), -1);
    CU_ASSERT_EQUAL(fg_frame_end(&b), -1);
    CU_ASSERT_EQUAL(fg_buf_append(&b, "garbage", 7), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "k", "v"), -1);

    /* empty and NULL keys and values are refused */
    fg_buf_reset(&b);
    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_ERROR, 0), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "", "v"), -1);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "k", NULL), -1);
    CU_ASSERT_EQUAL(fg_frame_add(&b, "k", NULL, 1), -1);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);
    CU_ASSERT_EQUAL(b.len, FG_FRAME_HEADER_SIZE);

    fg_buf_free(&b);
}


static void
test_partial(void)
{
    fg_buf_t    b = { NULL, 0, 0 };
    fg_frame_t  f;
    size_t      i;

    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_RESULT, 7), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "status", "ok"), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&b, "stdout", "{\"a\":1}"), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);

    /* every proper prefix asks for more bytes */
    for (i = 0; i < b.len; i++) {
        CU_ASSERT_EQUAL(fg_frame_parse(b.data, i, &f), 0);
    }
    CU_ASSERT_EQUAL(fg_frame_parse(NULL, 0, &f), 0);
    CU_ASSERT_EQUAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len);

    /* trailing bytes of the next frame do not disturb */
    CU_ASSERT_EQUAL(fg_buf_append(&b, "FG", 2), 0);
    CU_ASSERT_EQUAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len - 2);

    fg_buf_free(&b);
}


static void
test_bad_frames(void)
{
    fg_buf_t    b = { NULL, 0, 0 };
    fg_frame_t  f;
    uint8_t     h[FG_FRAME_HEADER_SIZE + 16];
    uint32_t    too_big = FG_FRAME_MAX_PAYLOAD + 1;

    /* bad magic is seen from the first byte */
    memset(h, 0, sizeof(h));
    h[0] = 'X';
    CU_ASSERT_EQUAL(fg_frame_parse(h, 1, &f), -1);
    CU_ASSERT_EQUAL(fg_frame_parse(h, sizeof(h), &f), -1);
    h[0] = 0x46;
    h[1] = 0x48;
    CU_ASSERT_EQUAL(fg_frame_parse(h, 2, &f), -1);

    /* oversized length, before any payload has arrived */
    h[1] = 0x47;
    h[2] = FG_FRAME_LOAD;
    h[8] = (uint8_t) (too_big >> 24);
    h[9] = (uint8_t) (too_big >> 16);
    h[10] = (uint8_t) (too_big >> 8);
    h[11] = (uint8_t) too_big;
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE, &f), -1);

    /* the largest payload is still a frame (waiting for its bytes) */
    h[8] = (uint8_t) (FG_FRAME_MAX_PAYLOAD >> 24);
    h[9] = (uint8_t) (FG_FRAME_MAX_PAYLOAD >> 16);
    h[10] = 0;
    h[11] = 0;
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE, &f), 0);

    /* payload whose field is cut short: key length 5, only 3 key bytes */
    memset(h + 8, 0, 4);
    h[11] = 5;
    memcpy(h + 12, "\x00\x05" "abc", 5);
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE + 5, &f), -1);

    /* value length past the payload */
    h[11] = 9;
    memcpy(h + 12, "\x00\x01" "k" "\x00\x00\x00\x09" "ab", 9);
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE + 9, &f), -1);

    /* a lone byte after a good field */
    h[11] = 8;
    memcpy(h + 12, "\x00\x01" "k" "\x00\x00\x00\x00" "z", 8);
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE + 8, &f), -1);

    /* an empty key */
    h[11] = 6;
    memcpy(h + 12, "\x00\x00" "\x00\x00\x00\x00", 6);
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE + 6, &f), -1);

    /* the same field, whole, is fine */
    h[11] = 7;
    memcpy(h + 12, "\x00\x01" "k" "\x00\x00\x00\x00", 7);
    CU_ASSERT_EQUAL(fg_frame_parse(h, FG_FRAME_HEADER_SIZE + 7, &f),
                    FG_FRAME_HEADER_SIZE + 7);
    CU_ASSERT(field_is(&f, "k", ""));

    /* a field too big for a frame is refused when built */
    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_LOAD, 1), 0);
    CU_ASSERT_EQUAL(fg_frame_add(&b, "data", h, FG_FRAME_MAX_PAYLOAD), -1);
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);
    fg_buf_free(&b);
}


static void
test_repeated_keys(void)
{
    fg_buf_t         b = { NULL, 0, 0 };
    fg_frame_t       f;
    fg_field_iter_t  it;
    const char      *k;
    const uint8_t   *v;
    size_t           kl, vl, i = 0;
    static const char  *want[][2] = {
        { "sha256", "00ff" },
        { "path", "handler" }, { "mode", "755" }, { "data", "#!/bin/sh" },
        { "path", "lib/x.txt" }, { "mode", "644" }, { "data", "" },
    };

    CU_ASSERT_EQUAL(fg_frame_begin(&b, FG_FRAME_LOAD, 9), 0);
    for (i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL(fg_frame_add_str(&b, want[i][0], want[i][1]), 0);
    }
    CU_ASSERT_EQUAL(fg_frame_end(&b), 0);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(b.data, b.len, &f), (ssize_t) b.len);

    /* get returns the first; the iterator sees all, in order */
    CU_ASSERT(field_is(&f, "path", "handler"));
    CU_ASSERT(field_is(&f, "mode", "755"));

    fg_field_iter_init(&it, &f);
    i = 0;
    while (fg_field_next(&it, &k, &kl, &v, &vl)) {
        CU_ASSERT_FATAL(i < 7);
        CU_ASSERT_EQUAL(kl, strlen(want[i][0]));
        CU_ASSERT_EQUAL(memcmp(k, want[i][0], kl), 0);
        CU_ASSERT_EQUAL(vl, strlen(want[i][1]));
        CU_ASSERT_EQUAL(memcmp(v, want[i][1], vl), 0);
        i++;
    }
    CU_ASSERT_EQUAL(i, 7);
    CU_ASSERT_EQUAL(fg_field_next(&it, &k, &kl, &v, &vl), 0);

    fg_buf_free(&b);
}


static void
test_buf(void)
{
    fg_buf_t  b = { NULL, 0, 0 };
    char      big[5000];
    size_t    i;

    memset(big, 'x', sizeof(big));
    for (i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL(fg_buf_append(&b, big, sizeof(big)), 0);
    }
    CU_ASSERT_EQUAL(b.len, 100 * sizeof(big));
    CU_ASSERT(b.cap >= b.len);
    CU_ASSERT_EQUAL(b.data[b.len - 1], 'x');
    CU_ASSERT_EQUAL(fg_buf_reserve(&b, SIZE_MAX), -1);
    CU_ASSERT_EQUAL(fg_buf_append(&b, big, 0), 0);
    fg_buf_reset(&b);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT(b.cap > 0);
    fg_buf_free(&b);
}


/* Reading from a socketpair. */

/* fg_frame_read with f cleared first, so that after a failed read the
 * checks that follow fail instead of following stale pointers. */
static int
read_frame(int fd, fg_buf_t *b, fg_frame_t *f, unsigned timeout_ms)
{
    memset(f, 0, sizeof(fg_frame_t));
    return fg_frame_read(fd, b, f, timeout_ms);
}

typedef struct {
    int             fd;
    const uint8_t  *data;
    size_t          len;
    size_t          chunk;      /* bytes per write */
    long            gap_ns;     /* pause between writes */
} writer_t;


static void *
writer_main(void *arg)
{
    writer_t         *w = arg;
    size_t            off = 0, n;
    struct timespec   ts;

    while (off < w->len) {
        if (w->gap_ns) {
            ts.tv_sec = 0;
            ts.tv_nsec = w->gap_ns;
            nanosleep(&ts, NULL);
        }
        n = w->len - off < w->chunk ? w->len - off : w->chunk;
        /* a reader that gave up shuts the pair down: EPIPE, not SIGPIPE */
        if (send(w->fd, w->data + off, n, MSG_NOSIGNAL) != (ssize_t) n) {
            break;
        }
        off += n;
    }

    return NULL;
}


static void
build_result(fg_buf_t *b, size_t out_len)
{
    char  *out;

    out = malloc(out_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    memset(out, 'r', out_len);

    CU_ASSERT_EQUAL(fg_frame_begin(b, FG_FRAME_RESULT, 42), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(b, "request_id", "id-1"), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(b, "status", "ok"), 0);
    CU_ASSERT_EQUAL(fg_frame_add(b, "stdout", out, out_len), 0);
    CU_ASSERT_EQUAL(fg_frame_end(b), 0);
    free(out);
}


static void
test_read_write(void)
{
    int          sv[2];
    fg_buf_t     out = { NULL, 0, 0 }, in = { NULL, 0, 0 };
    fg_frame_t   f;
    size_t       len = 0;
    const uint8_t  *v;

    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* larger than the socket buffer: the writer blocks, the reader loops */
    build_result(&out, 3 * 1024 * 1024);

    {
        writer_t   w = { sv[0], NULL, 0, 0, 0 };
        pthread_t  t;

        w.data = out.data;
        w.len = out.len;
        w.chunk = out.len;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, writer_main, &w), 0);

        CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 10000), 0);
        shutdown(sv[1], SHUT_RDWR);
        pthread_join(t, NULL);
    }

    CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
    CU_ASSERT_EQUAL(f.seq, 42);
    CU_ASSERT_EQUAL(in.len, out.len);
    CU_ASSERT(field_is(&f, "status", "ok"));
    v = fg_frame_get(&f, "stdout", &len);
    CU_ASSERT_EQUAL(len, 3 * 1024 * 1024);
    CU_ASSERT(v != NULL && v[0] == 'r' && v[len - 1] == 'r');

    close(sv[0]);
    close(sv[1]);

    /* write_all + read, two frames back to back */
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fg_buf_reset(&out);
    CU_ASSERT_EQUAL(fg_frame_begin(&out, FG_FRAME_PING, 1), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&out), 0);
    CU_ASSERT_EQUAL(fg_frame_begin(&out, FG_FRAME_HELLO, 2), 0);
    CU_ASSERT_EQUAL(fg_frame_add_str(&out, "version", "1"), 0);
    CU_ASSERT_EQUAL(fg_frame_end(&out), 0);
    CU_ASSERT_EQUAL(fg_frame_write_all(sv[0], &out), 0);

    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 1000), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PING);
    CU_ASSERT_EQUAL(f.len, 0);
    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 1000), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_HELLO);
    CU_ASSERT_EQUAL(f.seq, 2);
    CU_ASSERT(field_is(&f, "version", "1"));

    close(sv[0]);
    close(sv[1]);
    fg_buf_free(&out);
    fg_buf_free(&in);
}


/* The frame arrives one byte at a time: many partial reads. */
static void
test_read_bytewise(void)
{
    int          sv[2];
    fg_buf_t     out = { NULL, 0, 0 }, in = { NULL, 0, 0 };
    fg_frame_t   f;
    writer_t     w;
    pthread_t    t;

    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    build_result(&out, 40);

    w.fd = sv[0];
    w.data = out.data;
    w.len = out.len;
    w.chunk = 1;
    w.gap_ns = 200000;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, writer_main, &w), 0);

    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 5000), 0);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(t, NULL);

    CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
    CU_ASSERT_EQUAL(in.len, out.len);
    CU_ASSERT_EQUAL(memcmp(in.data, out.data, out.len), 0);
    CU_ASSERT(field_is(&f, "request_id", "id-1"));

    close(sv[0]);
    close(sv[1]);
    fg_buf_free(&out);
    fg_buf_free(&in);
}


static volatile sig_atomic_t  alarms;

static void
on_alarm(int signo)
{
    (void) signo;
    alarms++;
}


/*
 * Signals keep interrupting the reader (no SA_RESTART) while the writer
 * sends the frame slowly; the read must still return the whole frame.
 */
static void
test_read_eintr(void)
{
    int               sv[2];
    fg_buf_t          out = { NULL, 0, 0 }, in = { NULL, 0, 0 };
    fg_frame_t        f;
    writer_t          w;
    pthread_t         t;
    struct sigaction  sa, old;
    struct itimerval  it, off;
    sigset_t          set, oldset;

    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    build_result(&out, 100);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    CU_ASSERT_EQUAL_FATAL(sigaction(SIGALRM, &sa, &old), 0);

    /* the writer thread must not take the signals */
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &set, &oldset);

    w.fd = sv[0];
    w.data = out.data;
    w.len = out.len;
    w.chunk = 10;
    w.gap_ns = 20 * 1000 * 1000;       /* 10 writes over ~200 ms */
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, writer_main, &w), 0);

    pthread_sigmask(SIG_SETMASK, &oldset, NULL);

    alarms = 0;
    memset(&it, 0, sizeof(it));
    it.it_interval.tv_usec = 5000;
    it.it_value.tv_usec = 5000;
    CU_ASSERT_EQUAL(setitimer(ITIMER_REAL, &it, NULL), 0);

    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 5000), 0);

    memset(&off, 0, sizeof(off));
    setitimer(ITIMER_REAL, &off, NULL);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(t, NULL);
    sigaction(SIGALRM, &old, NULL);

    CU_ASSERT(alarms > 0);
    CU_ASSERT_EQUAL(in.len, out.len);
    CU_ASSERT(field_is(&f, "status", "ok"));

    close(sv[0]);
    close(sv[1]);
    fg_buf_free(&out);
    fg_buf_free(&in);
}


static void
test_read_timeout_eof_bad(void)
{
    int          sv[2];
    fg_buf_t     out = { NULL, 0, 0 }, in = { NULL, 0, 0 };
    fg_frame_t   f;
    uint64_t     t0, dt;
    int          rc;

    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* nothing at all */
    t0 = fg_now_ms();
    errno = 0;
    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 100), -1);
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
    dt = fg_now_ms() - t0;
    CU_ASSERT(dt >= 100 && dt < 2000);

    /* half a frame: the deadline covers the whole frame */
    build_result(&out, 64);
    CU_ASSERT_EQUAL(write(sv[0], out.data, out.len / 2),
                    (ssize_t) (out.len / 2));
    t0 = fg_now_ms();
    errno = 0;
    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 150), -1);
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
    dt = fg_now_ms() - t0;
    CU_ASSERT(dt >= 150 && dt < 2000);
    close(sv[0]);
    close(sv[1]);

    /* bad magic: EPROTO */
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CU_ASSERT_EQUAL(write(sv[0], "GET / HTTP/1.1\r\n", 16), 16);
    errno = 0;
    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 1000), -1);
    CU_ASSERT_EQUAL(errno, EPROTO);
    close(sv[0]);
    close(sv[1]);

    /* a payload whose fields do not parse: EPROTO */
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CU_ASSERT_EQUAL(write(sv[0], "FG\x05\x00\x00\x00\x00\x01\x00\x00\x00\x03"
                                 "\x00\x09k", 15), 15);
    errno = 0;
    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 1000), -1);
    CU_ASSERT_EQUAL(errno, EPROTO);
    close(sv[0]);
    close(sv[1]);

    /* peer closes mid-frame: ECONNRESET, without waiting for the timeout */
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CU_ASSERT_EQUAL(write(sv[0], out.data, 20), 20);
    close(sv[0]);
    t0 = fg_now_ms();
    errno = 0;
    CU_ASSERT_EQUAL(read_frame(sv[1], &in, &f, 5000), -1);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    CU_ASSERT(fg_now_ms() - t0 < 1000);

    /* writing to a closed peer fails with EPIPE instead of killing us */
    errno = 0;
    CU_ASSERT_EQUAL(fg_frame_write_all(sv[1], &out), -1);
    CU_ASSERT_EQUAL(errno, EPIPE);
    close(sv[1]);

    /* a pipe is not a socket: write_all falls back to write() */
    CU_ASSERT_EQUAL_FATAL(pipe(sv), 0);
    rc = fg_frame_write_all(sv[1], &out);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc == 0) {
        /* the bytes are in the pipe already: no deadline (0) is safe */
        CU_ASSERT_EQUAL(read_frame(sv[0], &in, &f, 0), 0);
        CU_ASSERT(field_is(&f, "request_id", "id-1"));
    }
    close(sv[0]);
    close(sv[1]);

    /* a closed descriptor */
    errno = 0;
    CU_ASSERT_EQUAL(read_frame(sv[0], &in, &f, 100), -1);
    CU_ASSERT_EQUAL(errno, EBADF);

    fg_buf_free(&out);
    fg_buf_free(&in);
}


static const cu_test_t  frame_tests[] = {
    { "round trip", test_round_trip },
    { "empty and chained frames", test_empty_and_chained },
    { "partial buffers", test_partial },
    { "bad frames", test_bad_frames },
    { "repeated keys", test_repeated_keys },
    { "growable buffer", test_buf },
    { "read/write over a socketpair", test_read_write },
    { "read byte by byte", test_read_bytewise },
    { "read interrupted by signals", test_read_eintr },
    { "read timeout, EOF, bad input", test_read_timeout_eof_bad },
    { NULL, NULL }
};

static const cu_suite_t  frame_suites[] = {
    { "fg_frame", NULL, NULL, frame_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(frame_suites, CU_BRM_VERBOSE);
}
