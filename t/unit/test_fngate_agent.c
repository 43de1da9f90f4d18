/*
 * The suite fngate-agent of test_vmpool: the guest agent
 * ($(BUILD)/fngate-agent, guest/agent/) run on the host on a socketpair
 * (fngate-agent -f FD; no cgroup, so no OOM case): its frames, one-shot
 * handlers, failures, and the Runtime API of persistent runtimes.
 */

#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "fg_rtapi.h"
#include "test_vmpool.h"

static int    agent_fd = -1;
static pid_t  agent_pid = -1;
static char   agent_task[] = "/tmp/test_vmpool_task.XXXXXX";
static char   agent_bin[PATH_MAX];
static uint32_t  agent_seq;
static char      agent_api[32];        /* from HELLO: 127.0.0.1:PORT */
static const char  *agent_sbx;          /* LOAD's and INVOKE's "sandbox",
                                           NULL: none (sandbox 0) */
static const char  *agent_init_only;    /* INVOKE's "init_only", NULL:
                                           none (a call) */

int
agent_suite_init(void)
{
    char     exe[PATH_MAX];
    ssize_t  n;
    int      sv[2];
    char     fdarg[16];

    /* $(BUILD)/t/test_vmpool -> $(BUILD)/fngate-agent */
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n < 0) {
        return -1;
    }
    exe[n] = '\0';
    snprintf(agent_bin, sizeof(agent_bin), "%s/fngate-agent",
        dirname(dirname(exe)));
    if (access(agent_bin, X_OK) < 0 || mkdtemp(agent_task) == NULL) {
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        return -1;
    }
    agent_pid = fork();
    if (agent_pid < 0) {
        return -1;
    }
    if (agent_pid == 0) {
        close(sv[0]);
        snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
        char  rtdir[PATH_MAX + 16];

        /* $(BUILD)/runtimes: the tree of the runtime disk */
        snprintf(exe, sizeof(exe), "%s", agent_bin);
        snprintf(rtdir, sizeof(rtdir), "%s/runtimes", dirname(exe));
        execl(agent_bin, agent_bin, "-f", fdarg, "-t", agent_task,
            "-r", rtdir, (char *) NULL);
        _exit(127);
    }
    close(sv[1]);
    agent_fd = sv[0];
    return 0;
}


int
agent_suite_clean(void)
{
    char  cmd[PATH_MAX + 16];

    if (agent_fd >= 0) {
        close(agent_fd);               /* the agent exits on hang-up */
    }
    if (agent_pid > 0) {
        waitpid(agent_pid, NULL, 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s.aside", agent_task, agent_task);
    return system(cmd) == 0 ? 0 : -1;
}


/* Sends b (its seq set to a fresh number) and reads the reply. */
static int
agent_exchange(fg_buf_t *b, fg_buf_t *rbuf, fg_frame_t *f)
{
    uint32_t  seq = ++agent_seq;

    b->data[4] = (uint8_t) (seq >> 24);
    b->data[5] = (uint8_t) (seq >> 16);
    b->data[6] = (uint8_t) (seq >> 8);
    b->data[7] = (uint8_t) seq;
    if (fg_frame_write_all(agent_fd, b) < 0) {
        return -1;
    }
    if (fg_frame_read(agent_fd, rbuf, f, 10000) < 0) {
        return -1;
    }
    return f->seq == seq ? 0 : -1;
}


static bool
field_is(const fg_frame_t *f, const char *key, const char *want)
{
    size_t          len;
    const uint8_t  *v = fg_frame_get(f, key, &len);

    return v != NULL && len == strlen(want) && memcmp(v, want, len) == 0;
}


static int
agent_load(const char *path, const char *mode, const char *data,
    fg_buf_t *rbuf, fg_frame_t *f)
{
    fg_buf_t  b = { 0 };
    int       rc;

    fg_frame_begin(&b, FG_FRAME_LOAD, 0);
    fg_frame_add_str(&b, "sha256", "00");
    fg_frame_add_str(&b, "path", path);
    fg_frame_add_str(&b, "mode", mode);
    fg_frame_add_str(&b, "data", data);
    if (agent_sbx != NULL) {
        fg_frame_add_str(&b, "sandbox", agent_sbx);
    }
    fg_frame_end(&b);
    rc = agent_exchange(&b, rbuf, f);
    fg_buf_free(&b);
    return rc;
}


static int
agent_invoke(const char *handler, const char *event, unsigned timeout_ms,
    unsigned max_output, fg_buf_t *rbuf, fg_frame_t *f)
{
    fg_buf_t  b = { 0 };
    int       rc;

    fg_frame_begin(&b, FG_FRAME_INVOKE, 0);
    fg_frame_add_str(&b, "request_id", "req-1");
    fg_frame_add_str(&b, "handler", handler);
    fg_frame_add_str(&b, "event", event);
    fg_frame_add_str(&b, "env", "FOO=bar baz");
    fg_frame_add_str(&b, "env", "AWS_LAMBDA_FUNCTION_NAME=f1");
    fg_frame_add_u64(&b, "timeout_ms", timeout_ms);
    fg_frame_add_u64(&b, "memory_mb", 512);
    fg_frame_add_u64(&b, "max_output", max_output);
    if (agent_sbx != NULL) {
        fg_frame_add_str(&b, "sandbox", agent_sbx);
    }
    if (agent_init_only != NULL) {
        fg_frame_add_str(&b, "init_only", agent_init_only);
    }
    fg_frame_end(&b);
    rc = agent_exchange(&b, rbuf, f);
    fg_buf_free(&b);
    return rc;
}


static void
test_agent_hello_ping(void)
{
    fg_buf_t    rbuf = { 0 }, b = { 0 };
    fg_frame_t  f;

    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_HELLO);
    CU_ASSERT(field_is(&f, "version", "1"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "kernel", NULL));
    {
        size_t          alen;
        const uint8_t  *api = fg_frame_get(&f, "runtime_api", &alen);

        CU_ASSERT_FATAL(api != NULL && alen > 10 && alen < sizeof(agent_api)
            && memcmp(api, "127.0.0.1:", 10) == 0);
        memcpy(agent_api, api, alen);
        agent_api[alen] = '\0';
    }

    fg_frame_begin(&b, FG_FRAME_PING, 0);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL(agent_exchange(&b, &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PONG);

    /* SUSPEND and RESUME are answered "no" with why, never fatal: an
     * agent that is not a guest's PID 1 suspends nothing, and nothing is
     * suspended to resume (the guest side: t/suspend.t) */
    fg_buf_reset(&b);
    fg_frame_begin(&b, FG_FRAME_SUSPEND, 0);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL(agent_exchange(&b, &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PONG);
    CU_ASSERT(field_is(&f, "status", "no"));
    CU_ASSERT(field_is(&f, "message", "only a guest's agent suspends"));
    fg_buf_reset(&b);
    fg_frame_begin(&b, FG_FRAME_RESUME, 0);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL(agent_exchange(&b, &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PONG);
    CU_ASSERT(field_is(&f, "status", "no"));
    CU_ASSERT(field_is(&f, "message", "no call is suspended in this guest"));

    /* An unknown type is answered, not fatal. */
    fg_buf_reset(&b);
    fg_frame_begin(&b, (fg_frame_type_t) 99, 0);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL(agent_exchange(&b, &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_ERROR);
    fg_buf_free(&b);
    fg_buf_free(&rbuf);
}


static void
test_agent_load_invoke(void)
{
    fg_buf_t        rbuf = { 0 };
    fg_frame_t      f;
    const uint8_t  *v;
    size_t          len;
    char            path[PATH_MAX];
    struct stat     st;

    CU_ASSERT_EQUAL_FATAL(agent_load("bin/handler.sh", "755",
        "#!/bin/sh\necho \"in=$(cat) foo=$FOO fn=$AWS_LAMBDA_FUNCTION_NAME\"\n"
        "echo to-stderr >&2\npwd\n", &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_LOADED);
    CU_ASSERT(field_is(&f, "status", "ok"));
    snprintf(path, sizeof(path), "%s/bin/handler.sh", agent_task);
    CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0755);

    CU_ASSERT_EQUAL_FATAL(agent_invoke("bin/handler.sh", "{\"a\":1}", 3000,
        4096, &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
    CU_ASSERT(field_is(&f, "request_id", "req-1"));
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "exit", "0"));
    CU_ASSERT(field_is(&f, "stderr", "to-stderr\n"));
    v = fg_frame_get(&f, "stdout", &len);
    snprintf(path, sizeof(path), "in={\"a\":1} foo=bar baz fn=f1\n%s\n",
        agent_task);
    CU_ASSERT(v != NULL && len == strlen(path) && memcmp(v, path, len) == 0);
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "duration_us", NULL));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "max_rss_kb", NULL));
    fg_buf_free(&rbuf);
}


/* Runs handler.sh in sandbox sbx and checks what it printed. */
static void
agent_sbx_says(const char *sbx, const char *want)
{
    fg_buf_t        rbuf = { 0 };
    fg_frame_t      f;
    const uint8_t  *v;
    size_t          len;

    agent_sbx = sbx;
    CU_ASSERT_EQUAL_FATAL(agent_invoke("handler.sh", "", 3000, 4096, &rbuf,
        &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
    v = fg_frame_get(&f, "stdout", &len);
    CU_ASSERT(v != NULL && len == strlen(want) && memcmp(v, want, len) == 0);
    if (v == NULL || len != strlen(want) || memcmp(v, want, len) != 0) {
        fprintf(stderr, "sandbox %s said %.*s, not %s", sbx ? sbx : "-",
            (int) len, v ? (const char *) v : "", want);
    }
    agent_sbx = NULL;
    fg_buf_free(&rbuf);
}


/* Two codes in two sandboxes of one agent: each call runs its own, the
 * task directory holds the current one's files only, and numbers that
 * name no sandbox are refused (the guest side, frozen runtimes and /tmp:
 * t/sandboxes.t). */
static void
test_agent_sandboxes(void)
{
    fg_buf_t     rbuf = { 0 };
    fg_frame_t   f;
    char         path[PATH_MAX];
    const char  *bad[] = { "8", "99", "x", "08", "-1", "", "100" };
    unsigned     i;

    agent_sbx = "1";
    CU_ASSERT_EQUAL_FATAL(agent_load("handler.sh", "755",
        "#!/bin/sh\necho one; ls\n", &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    agent_sbx = "2";
    CU_ASSERT_EQUAL_FATAL(agent_load("handler.sh", "755",
        "#!/bin/sh\necho two; touch mine; ls\n", &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    agent_sbx = NULL;

    agent_sbx_says("1", "one\nhandler.sh\n");
    agent_sbx_says("2", "two\nhandler.sh\nmine\n");
    agent_sbx_says("1", "one\nhandler.sh\n");
    agent_sbx_says("2", "two\nhandler.sh\nmine\n");
    /* sandbox 0 (no field) holds what the earlier tests loaded */
    snprintf(path, sizeof(path), "%s/handler.sh", agent_task);
    agent_sbx_says("1", "one\nhandler.sh\n");
    agent_sbx = "0";
    CU_ASSERT_EQUAL(agent_invoke("handler.sh", "", 3000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "failed"));   /* not in sandbox 0 */
    CU_ASSERT(access(path, F_OK) < 0);
    agent_sbx = NULL;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        agent_sbx = bad[i];
        CU_ASSERT_EQUAL(agent_invoke("handler.sh", "", 3000, 4096, &rbuf,
            &f), 0);
        CU_ASSERT_EQUAL(f.type, FG_FRAME_ERROR);
        CU_ASSERT_EQUAL(agent_load("x", "644", "x", &rbuf, &f), 0);
        CU_ASSERT_EQUAL(f.type, FG_FRAME_ERROR);
    }
    agent_sbx = NULL;
    /* a refused number changed nothing */
    agent_sbx_says("2", "two\nhandler.sh\nmine\n");
    agent_sbx = "0";
    CU_ASSERT_EQUAL(agent_invoke("handler.sh", "", 3000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "failed"));
    agent_sbx = NULL;
    fg_buf_free(&rbuf);
}


static void
test_agent_bad_load(void)
{
    fg_buf_t    rbuf = { 0 };
    fg_frame_t  f;
    char        path[PATH_MAX];

    CU_ASSERT_EQUAL_FATAL(agent_load("ok.sh", "755", "#!/bin/sh\necho ok\n",
        &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));

    /* Refused before anything is touched: ok.sh stays. */
    CU_ASSERT_EQUAL_FATAL(agent_load("../escape.sh", "755", "x", &rbuf, &f),
        0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_LOADED);
    CU_ASSERT(field_is(&f, "status", "error"));
    CU_ASSERT_EQUAL(agent_load("/etc/x", "644", "x", &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "error"));
    CU_ASSERT_EQUAL(agent_load("a/../../x", "644", "x", &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "error"));
    snprintf(path, sizeof(path), "%s/../escape.sh", agent_task);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/ok.sh", agent_task);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);

    /* Handlers outside /var/task or missing: "failed". */
    CU_ASSERT_EQUAL(agent_invoke("../../bin/sh", "", 1000, 100, &rbuf, &f),
        0);
    CU_ASSERT(field_is(&f, "status", "failed"));
    CU_ASSERT_EQUAL(agent_invoke("missing.sh", "", 1000, 100, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "failed"));
    fg_buf_free(&rbuf);
}


static double
mono_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


static void
test_agent_failures(void)
{
    fg_buf_t        rbuf = { 0 };
    fg_frame_t      f;
    const uint8_t  *v;
    size_t          len;
    double          t0;

    CU_ASSERT_EQUAL_FATAL(agent_load("h.sh", "755",
        "#!/bin/sh\n"
        "case \"$(cat)\" in\n"
        "exit3) echo partial; exit 3 ;;\n"
        "sleep) sleep 5 ;;\n"
        "flood) exec yes ;;\n"
        "segv) kill -SEGV $$ ;;\n"
        "bg) sleep 30 & echo quick ;;\n"
        "noisy) i=0; while [ $i -lt 1000 ]; do "
        "echo \"line $i of stderr\" >&2; i=$((i+1)); done ;;\n"
        "esac\n", &rbuf, &f), 0);

    CU_ASSERT_EQUAL(agent_invoke("h.sh", "exit3", 3000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "error"));
    CU_ASSERT(field_is(&f, "exit", "3"));
    CU_ASSERT(field_is(&f, "stdout", "partial\n"));

    t0 = mono_ms();
    CU_ASSERT_EQUAL(agent_invoke("h.sh", "sleep", 300, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "timeout"));
    CU_ASSERT(mono_ms() - t0 < 2000);

    CU_ASSERT_EQUAL(agent_invoke("h.sh", "flood", 3000, 1000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "too_large"));
    v = fg_frame_get(&f, "stdout", &len);
    CU_ASSERT(v != NULL && len == 0);

    CU_ASSERT_EQUAL(agent_invoke("h.sh", "segv", 3000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "signal"));
    CU_ASSERT(field_is(&f, "exit", "11"));

    /* A background child holding stdout does not hold the call. */
    t0 = mono_ms();
    CU_ASSERT_EQUAL(agent_invoke("h.sh", "bg", 10000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "quick\n"));
    CU_ASSERT(mono_ms() - t0 < 5000);

    /* Only the last 4096 bytes of stderr. */
    CU_ASSERT_EQUAL(agent_invoke("h.sh", "noisy", 10000, 4096, &rbuf, &f),
        0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    v = fg_frame_get(&f, "stderr", &len);
    CU_ASSERT_EQUAL(len, 4096);
    CU_ASSERT(v != NULL && len >= 24
        && memcmp(v + len - 24, "line 999 of stderr\n", 19) != 0
        && memcmp(v + len - 19, "line 999 of stderr\n", 19) == 0);

    /* Still serving after all that. */
    CU_ASSERT_EQUAL(agent_invoke("h.sh", "exit3", 3000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "exit", "3"));
    fg_buf_free(&rbuf);
}


/* ---- the agent's Runtime API (persistent runtimes) ---- */

/* t/runtime/counter.sh: a shell runtime on busybox wget (see there). */
static char *
rt_counter_sh(void)
{
    static char  buf[8192];
    char         bin[PATH_MAX], path[PATH_MAX + 32];
    FILE        *f;
    size_t       n;

    /* agent_bin is $(ROOT)/build/fngate-agent */
    snprintf(bin, sizeof(bin), "%s", agent_bin);
    snprintf(path, sizeof(path), "%s/t/runtime/counter.sh",
        dirname(dirname(bin)));
    f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}


static int
rt_send_invoke(const char *id, const char *event, const char *mode,
    unsigned timeout_ms, unsigned max_output)
{
    fg_buf_t  b = { 0 };
    uint32_t  seq = ++agent_seq;
    char      env[64], kv[128];
    int       rc;

    /* AWS_REQUEST_ID differs per call: no reason to restart. */
    snprintf(env, sizeof(env), "MODE=%s", mode);
    snprintf(kv, sizeof(kv), "AWS_REQUEST_ID=%s", id);
    fg_frame_begin(&b, FG_FRAME_INVOKE, seq);
    fg_frame_add_str(&b, "request_id", id);
    fg_frame_add_str(&b, "runtime", "provided.al2023");
    fg_frame_add_str(&b, "handler", "any thing: not a path");
    fg_frame_add_str(&b, "function_arn",
        "arn:aws:lambda:us-east-1:123456789012:function:f1");
    fg_frame_add_str(&b, "event", event);
    fg_frame_add_str(&b, "env", env);
    fg_frame_add_str(&b, "env", "_HANDLER=any thing: not a path");
    fg_frame_add_str(&b, "env", kv);
    fg_frame_add_u64(&b, "timeout_ms", timeout_ms);
    fg_frame_add_u64(&b, "memory_mb", 512);
    fg_frame_add_u64(&b, "max_output", max_output);
    if (agent_init_only != NULL) {
        fg_frame_add_str(&b, "init_only", agent_init_only);
    }
    fg_frame_end(&b);
    rc = fg_frame_write_all(agent_fd, &b);
    fg_buf_free(&b);
    return rc;
}


static int
rt_invoke(const char *id, const char *event, const char *mode,
    unsigned timeout_ms, fg_buf_t *rbuf, fg_frame_t *f)
{
    if (rt_send_invoke(id, event, mode, timeout_ms, 65536) < 0
        || fg_frame_read(agent_fd, rbuf, f, 15000) < 0)
    {
        return -1;
    }
    return f->type == FG_FRAME_RESULT && f->seq == agent_seq ? 0 : -1;
}


static bool
field_has(const fg_frame_t *f, const char *key, const char *sub)
{
    size_t          len;
    const uint8_t  *v = fg_frame_get(f, key, &len);

    return v != NULL && memmem(v, len, sub, strlen(sub)) != NULL;
}


/* One answer of the Runtime API read from s (head and body) into resp,
 * waiting up to 10 s.  Its status, or -1. */
static int
http_read(int s, char *resp, size_t size)
{
    int             status = -1;
    size_t          got = 0;
    ssize_t         n;
    struct timeval  tv = { .tv_sec = 10 };

    resp[0] = '\0';
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    for ( ;; ) {
        char  *end, *cl;

        n = read(s, resp + got, size - 1 - got);
        if (n <= 0) {
            break;
        }
        got += (size_t) n;
        resp[got] = '\0';
        end = strstr(resp, "\r\n\r\n");
        cl = strcasestr(resp, "Content-Length: ");
        if (end != NULL && cl != NULL
            && got >= (size_t) (end + 4 - resp) + strtoul(cl + 16, NULL, 10))
        {
            break;
        }
    }
    if (got > 12 && memcmp(resp, "HTTP/1.1 ", 9) == 0) {
        status = atoi(resp + 9);
    }
    return status;
}


/* Opens a connection to the Runtime API, or -1. */
static int
http_open(void)
{
    struct sockaddr_in  a;
    const char         *colon = strchr(agent_api, ':');
    int                 s;

    if (colon == NULL) {
        return -1;
    }
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) atoi(colon + 1));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *) &a, sizeof(a)) < 0) {
        close(s);
        return -1;
    }
    return s;
}


/* One HTTP exchange with the agent's Runtime API: req is sent as is, the
 * whole answer (head and body) lands in resp.  The status, or -1. */
static int
http_do(const char *req, size_t reqlen, char *resp, size_t size)
{
    int  s, status;

    resp[0] = '\0';
    s = http_open();
    if (s < 0) {
        return -1;
    }
    if (write(s, req, reqlen) != (ssize_t) reqlen) {
        close(s);
        return -1;
    }
    status = http_read(s, resp, size);
    close(s);
    return status;
}


/* POST path with body; the status, the answer in resp. */
static int
http_post(const char *path, const char *extra, const char *body, char *resp,
    size_t size)
{
    char  req[4096];
    int   n;

    n = snprintf(req, sizeof(req), "POST /2018-06-01/runtime/%s HTTP/1.1\r\n"
        "Host: x\r\n%sContent-Length: %zu\r\n\r\n%s", path, extra ? extra : "",
        strlen(body), body);
    return http_do(req, (size_t) n, resp, size);
}


static int
http_next(char *resp, size_t size)
{
    static const char  req[] = "GET /2018-06-01/runtime/invocation/next "
        "HTTP/1.1\r\nHost: x\r\n\r\n";

    return http_do(req, sizeof(req) - 1, resp, size);
}


/*
 * The test itself plays the runtime (the bootstrap only sleeps): every
 * answer of the Runtime API, checked exactly.
 */
static void
test_agent_rt_api(void)
{
    fg_buf_t        rbuf = { 0 };
    fg_frame_t      f;
    char            resp[8192], ready[PATH_MAX];
    static const char  garbage[] = "HELLO\r\n\r\n";
    static const char  wrong_method[] = "GET /2018-06-01/runtime/invocation/"
        "a1/response HTTP/1.1\r\n\r\n";
    static const char  chunked[] = "POST /2018-06-01/runtime/invocation/a3/"
        "response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
    uint64_t        t0;

    CU_ASSERT_FATAL(agent_api[0] != '\0');
    CU_ASSERT_EQUAL_FATAL(agent_load("bootstrap", "755",
        "#!/bin/sh\necho sleeping >&2\n: >ready\nexec sleep 60\n", &rbuf, &f),
        0);

    /* The event waits for the runtime to ask for it. */
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("a1", "{\"x\":1}", "api", 5000,
        64), 0);
    CU_ASSERT_EQUAL(http_next(resp, sizeof(resp)), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp,
        "\r\nLambda-Runtime-Aws-Request-Id: a1\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\nLambda-Runtime-Deadline-Ms: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp,
        "\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:"
        "123456789012:function:f1\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\nLambda-Runtime-Trace-Id: "
        "Root=1-"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\n\r\n{\"x\":1}"));

    /* Wrong ids, paths, methods and bytes. */
    CU_ASSERT_EQUAL(http_post("invocation/zz/response", NULL, "{}", resp,
        sizeof(resp)), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\"errorType\":\"InvalidRequestID\""));
    CU_ASSERT_EQUAL(http_post("invocation/a1/respond", NULL, "{}", resp,
        sizeof(resp)), 404);
    CU_ASSERT_EQUAL(http_post("invocation/a%2F/response", NULL, "{}", resp,
        sizeof(resp)), 400);
    CU_ASSERT_EQUAL(http_do(wrong_method, sizeof(wrong_method) - 1, resp,
        sizeof(resp)), 405);
    CU_ASSERT_EQUAL(http_do(garbage, sizeof(garbage) - 1, resp,
        sizeof(resp)), 400);

    /* The answer is the RESULT, with the log written before it; a cold
     * call says how long init took. */
    snprintf(ready, sizeof(ready), "%s/ready", agent_task);
    for (t0 = mono_ms(); access(ready, F_OK) < 0 && mono_ms() - t0 < 5000; ) {
        usleep(10000);
    }
    CU_ASSERT_EQUAL(http_post("invocation/a1/response", NULL,
        "{\"ok\":true}", resp, sizeof(resp)), 202);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
    CU_ASSERT(field_is(&f, "request_id", "a1"));
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "{\"ok\":true}"));
    CU_ASSERT(field_is(&f, "stderr", "sleeping\n"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "init_us", NULL));

    /* A second answer to the same invocation; init/error after init. */
    CU_ASSERT_EQUAL(http_post("invocation/a1/response", NULL, "{}", resp,
        sizeof(resp)), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp,
        "\"errorType\":\"InvalidStateTransition\""));
    CU_ASSERT_EQUAL(http_post("init/error", NULL, "{}", resp, sizeof(resp)),
        403);

    /* Warm: the same runtime; an error post with its type. */
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("a2", "{}", "api", 5000, 64), 0);
    CU_ASSERT_EQUAL(http_next(resp, sizeof(resp)), 200);
    CU_ASSERT_EQUAL(http_post("invocation/a2/error",
        "Lambda-Runtime-Function-Error-Type: Custom.Err\r\n",
        "{\"errorMessage\":\"bad\",\"errorType\":\"Custom.Err\"}", resp,
        sizeof(resp)), 202);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT(field_is(&f, "status", "function_error"));
    CU_ASSERT(field_is(&f, "error_type", "Custom.Err"));
    CU_ASSERT(field_is(&f, "stdout",
        "{\"errorMessage\":\"bad\",\"errorType\":\"Custom.Err\"}"));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));

    /* A chunked answer. */
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("a3", "{}", "api", 5000, 64), 0);
    CU_ASSERT_EQUAL(http_next(resp, sizeof(resp)), 200);
    CU_ASSERT_EQUAL(http_do(chunked, sizeof(chunked) - 1, resp,
        sizeof(resp)), 202);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "hello world"));

    /* An answer over max_output (64). */
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("a4", "{}", "api", 5000, 64), 0);
    CU_ASSERT_EQUAL(http_next(resp, sizeof(resp)), 200);
    CU_ASSERT_EQUAL(http_post("invocation/a4/response", NULL,
        "[\"0123456789\",\"0123456789\",\"0123456789\",\"0123456789\","
        "\"0123456789\",\"0123456789\"]", resp, sizeof(resp)), 413);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT(field_is(&f, "status", "too_large"));

    /* Nobody asks for the event: a timeout, and the runtime is gone. */
    t0 = mono_ms();
    CU_ASSERT_EQUAL(rt_invoke("a5", "{}", "api", 300, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "timeout"));
    CU_ASSERT(mono_ms() - t0 >= 300 && mono_ms() - t0 < 3000);
    CU_ASSERT_EQUAL(http_next(resp, sizeof(resp)), -1);

    /* ... and the next call starts it again (cold). */
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("a6", "{}", "api", 5000, 64), 0);
    CU_ASSERT_EQUAL(http_next(resp, sizeof(resp)), 200);
    CU_ASSERT_EQUAL(http_post("invocation/a6/response", NULL, "6", resp,
        sizeof(resp)), 202);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT(field_is(&f, "stdout", "6"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "init_us", NULL));
    fg_buf_free(&rbuf);
}


/* A real runtime process (busybox wget) across calls. */
static void
test_agent_rt_process(void)
{
    fg_buf_t    rbuf = { 0 };
    fg_frame_t  f;
    uint64_t    t0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(rt_counter_sh());
    CU_ASSERT_EQUAL_FATAL(agent_load("bootstrap", "755", rt_counter_sh(),
        &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));

    /* It stays loaded: the count goes on. */
    CU_ASSERT_EQUAL_FATAL(rt_invoke("b1", "{\"k\":1}", "count", 5000, &rbuf,
        &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "{\"n\":1,\"second\":\"\",\"ev\":"
        "{\"k\":1}}"));
    CU_ASSERT(field_has(&f, "stderr",
        "init mode=count handler=any thing: not a path\ncall 1\n"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "init_us", NULL));
    CU_ASSERT_EQUAL(rt_invoke("b2", "[2]", "count", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "stdout", "{\"n\":2,\"second\":\"\",\"ev\":[2]}"));
    CU_ASSERT(field_is(&f, "stderr", "call 2\n"));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));

    /* Another environment: started again. */
    CU_ASSERT_EQUAL(rt_invoke("b3", "3", "twice", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "stdout", "{\"n\":1,\"second\":\"\",\"ev\":3}"));

    /* It answered twice: the first answer counted, the second got 403. */
    CU_ASSERT_EQUAL(rt_invoke("b4", "4", "twice", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_has(&f, "stdout", "{\"n\":2,\"second\":\""));
    CU_ASSERT(field_has(&f, "stdout", "403"));

    /* It exits after each answer: each call starts it again. */
    CU_ASSERT_EQUAL(rt_invoke("b5", "5", "exit", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "stdout", "{\"n\":1,\"second\":\"\",\"ev\":5}"));
    CU_ASSERT_EQUAL(rt_invoke("b6", "6", "exit", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "{\"n\":1,\"second\":\"\",\"ev\":6}"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "init_us", NULL));

    /* Crash during init: the exit status. */
    CU_ASSERT_EQUAL(rt_invoke("b7", "7", "crash", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "error"));
    CU_ASSERT(field_is(&f, "exit", "7"));
    CU_ASSERT(field_has(&f, "stderr", "init mode=crash"));

    /* An init error it posted, then it is stopped. */
    t0 = mono_ms();
    CU_ASSERT_EQUAL(rt_invoke("b8", "8", "initerr", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "init_error"));
    CU_ASSERT(field_is(&f, "error_type", "Runtime.Boom"));
    CU_ASSERT(field_is(&f, "stdout",
        "{\"errorMessage\":\"no config\",\"errorType\":\"Runtime.Boom\"}"));
    CU_ASSERT(mono_ms() - t0 < 4000);

    /* Errors it posts, with their type and stack. */
    CU_ASSERT_EQUAL(rt_invoke("b10", "10", "error", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "function_error"));
    CU_ASSERT(field_is(&f, "error_type", "Custom.Err"));
    CU_ASSERT(field_is(&f, "stdout", "{\"errorMessage\":\"bad event 10\","
        "\"errorType\":\"Custom.Err\",\"stackTrace\":[\"counter.sh line "
        "1\"]}"));

    /* After all that, a normal call. */
    CU_ASSERT_EQUAL(rt_invoke("b9", "9", "count", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "stdout", "{\"n\":1,\"second\":\"\",\"ev\":9}"));

    /* New code (LOAD) without a bootstrap: one-shot again. */
    CU_ASSERT_EQUAL_FATAL(agent_load("h.sh", "755", "#!/bin/sh\necho one\n",
        &rbuf, &f), 0);
    CU_ASSERT_EQUAL(agent_invoke("h.sh", "", 3000, 100, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "stdout", "one\n"));
    fg_buf_free(&rbuf);
}


static int
py_invoke(const char *id, const char *handler, const char *event,
    unsigned timeout_ms, unsigned max_output, fg_buf_t *rbuf, fg_frame_t *f)
{
    fg_buf_t  b = { 0 };
    char      h[256];
    int       rc;

    snprintf(h, sizeof(h), "_HANDLER=%s", handler);
    fg_frame_begin(&b, FG_FRAME_INVOKE, ++agent_seq);
    fg_frame_add_str(&b, "request_id", id);
    fg_frame_add_str(&b, "runtime", "python3.11");
    fg_frame_add_str(&b, "handler", handler);
    fg_frame_add_str(&b, "function_arn",
        "arn:aws:lambda:us-east-1:123456789012:function:py");
    fg_frame_add_str(&b, "event", event);
    fg_frame_add_str(&b, "env", h);
    fg_frame_add_str(&b, "env", "AWS_LAMBDA_FUNCTION_NAME=py");
    fg_frame_add_str(&b, "env", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256");
    fg_frame_add_u64(&b, "timeout_ms", timeout_ms);
    fg_frame_add_u64(&b, "memory_mb", 512);
    fg_frame_add_u64(&b, "max_output", max_output);
    if (agent_init_only != NULL) {
        fg_frame_add_str(&b, "init_only", agent_init_only);
    }
    fg_frame_end(&b);
    rc = fg_frame_write_all(agent_fd, &b);
    fg_buf_free(&b);
    if (rc < 0 || fg_frame_read(agent_fd, rbuf, f, 30000) < 0) {
        return -1;
    }
    return f->type == FG_FRAME_RESULT && f->seq == agent_seq ? 0 : -1;
}


/* Runtime python3.11 from the runtime disk's tree. */
static void
test_agent_python(void)
{
    fg_buf_t    rbuf = { 0 };
    fg_frame_t  f;
    static const char  app[] =
        "import json, time\n"
        "calls = 0\n"
        "def handler(event, context):\n"
        "    global calls\n"
        "    calls += 1\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('bad ' + event['fail'])\n"
        "    if event.get('sleep'):\n"
        "        time.sleep(event['sleep'])\n"
        "    if event.get('big'):\n"
        "        return 'x' * event['big']\n"
        "    print('log of call', calls)\n"
        "    return {'calls': calls, 'event': event,\n"
        "            'id': context.aws_request_id,\n"
        "            'fn': context.function_name,\n"
        "            'mem': context.memory_limit_in_mb,\n"
        "            'arn': context.invoked_function_arn,\n"
        "            'left': 0 < context.get_remaining_time_in_millis() <= 5000}\n";

    CU_ASSERT_EQUAL_FATAL(agent_load("app.py", "644", app, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));

    CU_ASSERT_EQUAL_FATAL(py_invoke("p1", "app.handler", "{\"a\": 1}", 5000,
        65536, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "{\"calls\": 1, \"event\": {\"a\": 1}, "
        "\"id\": \"p1\", \"fn\": \"py\", \"mem\": 256, \"arn\": "
        "\"arn:aws:lambda:us-east-1:123456789012:function:py\", "
        "\"left\": true}"));
    CU_ASSERT(field_has(&f, "stderr", "log of call 1\n"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "init_us", NULL));

    /* Loaded once: module state survives. */
    CU_ASSERT_EQUAL(py_invoke("p2", "app.handler", "{}", 5000, 65536, &rbuf,
        &f), 0);
    CU_ASSERT(field_has(&f, "stdout", "{\"calls\": 2, "));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));

    /* An exception: its class, message and the handler's frames. */
    CU_ASSERT_EQUAL(py_invoke("p3", "app.handler", "{\"fail\": \"thing\"}",
        5000, 65536, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "function_error"));
    CU_ASSERT(field_is(&f, "error_type", "ValueError"));
    CU_ASSERT(field_has(&f, "stdout", "\"errorMessage\": \"bad thing\", "
        "\"errorType\": \"ValueError\", \"stackTrace\": [\"  File "
        "\\\"/"));
    CU_ASSERT(field_has(&f, "stdout", "app.py\\\", line 7, in handler\\n"));
    CU_ASSERT(field_has(&f, "stderr", "[ERROR] ValueError: bad thing"));

    /* A result over max_output, then a timeout. */
    CU_ASSERT_EQUAL(py_invoke("p4", "app.handler", "{\"big\": 100000}",
        5000, 65536, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "too_large"));
    CU_ASSERT_EQUAL(py_invoke("p5", "app.handler", "{\"sleep\": 10}", 1000,
        65536, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "timeout"));

    /* Init errors: no such module, no such function. */
    CU_ASSERT_EQUAL(py_invoke("p6", "nope.handler", "{}", 5000, 65536,
        &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "init_error"));
    CU_ASSERT(field_is(&f, "error_type", "Runtime.ImportModuleError"));
    CU_ASSERT(field_has(&f, "stdout", "Unable to import module 'nope'"));
    CU_ASSERT_EQUAL(py_invoke("p7", "app.nothere", "{}", 5000, 65536,
        &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "init_error"));
    CU_ASSERT(field_is(&f, "error_type", "Runtime.HandlerNotFound"));
    fg_buf_free(&rbuf);
}


/* Nothing a runtime sends stops the agent (PID 1 in a guest). */
static void
test_agent_rt_garbage(void)
{
    fg_buf_t    rbuf = { 0 }, b = { 0 };
    fg_frame_t  f;
    char        resp[4096], *big;
    int         fds[24], i;
    size_t      n;
    uint64_t    t0;
    static const char *const  bad[] = {
        "POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\n"
        "Content-Length: 99999999999\r\n\r\n",
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "\x01\x02\xff\r\n\r\n",
        " / HTTP/1.1\r\n\r\n",
    };

    for (i = 0; i < 5; i++) {
        int  st = http_do(bad[i], strlen(bad[i]), resp, sizeof(resp));

        CU_ASSERT(st == 400 || st == 413);
    }

    /* More connections than the agent keeps, each with a bad request:
     * the ones over its limit are closed at once, and once it has seen the
     * others closed it serves new ones. */
    for (i = 0; i < 24; i++) {
        fds[i] = http_open();
        if (fds[i] >= 0 && write(fds[i], bad[i % 5], strlen(bad[i % 5]))
            < 0)
        {
            CU_FAIL("write");
        }
    }
    for (i = 0; i < 24; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    t0 = mono_ms();
    while (http_do(bad[4], strlen(bad[4]), resp, sizeof(resp)) != 400
        && mono_ms() - t0 < 5000)
    {
        usleep(10000);
    }
    CU_ASSERT(mono_ms() - t0 < 5000);
    CU_ASSERT_EQUAL(http_do("GET /\0 HTTP/1.1\r\n\r\n", 20, resp,
        sizeof(resp)), 400);

    /* A head that never ends; a body cut short. */
    n = FG_RTAPI_HEAD_MAX + 100;
    big = malloc(n);
    memset(big, 'a', n);
    memcpy(big, "GET /x HTTP/1.1\r\nX: ", 19);
    CU_ASSERT_EQUAL(http_do(big, n, resp, sizeof(resp)), 400);
    free(big);
    i = http_open();
    CU_ASSERT_FATAL(i >= 0);
    CU_ASSERT(write(i, "POST /2018-06-01/runtime/invocation/x/response "
        "HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc", 80) == 80);
    close(i);

    /* Still serving the host. */
    fg_frame_begin(&b, FG_FRAME_PING, 0);
    fg_frame_end(&b);
    CU_ASSERT_EQUAL(agent_exchange(&b, &rbuf, &f), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PONG);
    CU_ASSERT_EQUAL(agent_load("h.sh", "755", "#!/bin/sh\necho alive\n",
        &rbuf, &f), 0);
    CU_ASSERT_EQUAL(agent_invoke("h.sh", "", 3000, 100, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "stdout", "alive\n"));
    fg_buf_free(&b);
    fg_buf_free(&rbuf);
}


/* ---- init_only: a function made ready, no event run ---- */

/* Whether the task directory has name. */
static bool
task_has(const char *name)
{
    char  path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", agent_task, name);
    return access(path, F_OK) == 0;
}


/* The first line of the task directory's file name into buf ("" when
 * there is none). */
static void
task_read(const char *name, char *buf, size_t size)
{
    char   path[PATH_MAX];
    FILE  *f;

    buf[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", agent_task, name);
    f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    if (fgets(buf, (int) size, f) == NULL) {
        buf[0] = '\0';
    }
    buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}


/* An init_only RESULT: "ok" and nothing in it; init_us as cold says. */
static void
init_only_answered(const fg_frame_t *f, const char *request_id, bool cold)
{
    size_t  len;

    CU_ASSERT_EQUAL(f->type, FG_FRAME_RESULT);
    CU_ASSERT(field_is(f, "request_id", request_id));
    CU_ASSERT(field_is(f, "status", "ok"));
    CU_ASSERT(field_is(f, "exit", "0"));
    CU_ASSERT(fg_frame_get(f, "stdout", &len) != NULL && len == 0);
    CU_ASSERT(field_is(f, "duration_us", "0"));
    CU_ASSERT(field_is(f, "message", ""));
    CU_ASSERT_PTR_NULL(fg_frame_get(f, "error_type", NULL));
    if (cold) {
        CU_ASSERT_PTR_NOT_NULL(fg_frame_get(f, "init_us", NULL));
    } else {
        CU_ASSERT_PTR_NULL(fg_frame_get(f, "init_us", NULL));
    }
}


/* A one-shot handler is ready once loaded: init_only runs nothing (the
 * handler would leave a file) and makes the sandbox it names current. */
static void
test_agent_init_only_oneshot(void)
{
    fg_buf_t    rbuf = { 0 };
    fg_frame_t  f;

    agent_sbx = "3";
    CU_ASSERT_EQUAL_FATAL(agent_load("ran.sh", "755",
        "#!/bin/sh\n: >ran\necho ran\n", &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    agent_sbx = NULL;
    CU_ASSERT_EQUAL_FATAL(agent_load("other.sh", "755", "#!/bin/sh\n",
        &rbuf, &f), 0);
    CU_ASSERT(!task_has("ran.sh"));

    agent_sbx = "3";
    agent_init_only = "1";
    CU_ASSERT_EQUAL_FATAL(agent_invoke("ran.sh", "", 3000, 4096, &rbuf, &f),
        0);
    init_only_answered(&f, "req-1", false);
    CU_ASSERT(field_is(&f, "stderr", ""));
    CU_ASSERT(field_is(&f, "max_rss_kb", "0"));
    CU_ASSERT(task_has("ran.sh"));
    CU_ASSERT(!task_has("ran"));

    /* the same INVOKE as a call runs it */
    agent_init_only = "0";
    CU_ASSERT_EQUAL(agent_invoke("ran.sh", "", 3000, 4096, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "ran\n"));
    CU_ASSERT(task_has("ran"));
    agent_init_only = NULL;
    agent_sbx = NULL;
    fg_buf_free(&rbuf);
}


/* A runtime that shows what reached it: init.pid (its pid) at start, a
 * file "ran" once an event came, each answer {"pid":PID,"n":N}. */
static const char  rt_marks_sh[] =
    "#!/bin/sh\n"
    "api=\"http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\"\n"
    "echo \"init $$\" >&2\n"
    "echo $$ >init.pid\n"
    "n=0\n"
    "while busybox wget -q -S -O ev \"$api/invocation/next\" 2>h; do\n"
    "    id=$(sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' h"
    " | tr -d '\\r')\n"
    "    n=$((n + 1))\n"
    "    : >ran\n"
    "    busybox wget -q -O /dev/null"
    " --post-data \"{\\\"pid\\\":$$,\\\"n\\\":$n}\""
    " \"$api/invocation/$id/response\"\n"
    "done\n";


/* A bootstrap's runtime: init_only starts it and answers once it asks
 * for an event, which it then waits for; the next call is warm. */
static void
test_agent_init_only_runtime(void)
{
    fg_buf_t    rbuf = { 0 };
    fg_frame_t  f;
    char        pid[32], want[64];

    CU_ASSERT_EQUAL_FATAL(agent_load("bootstrap", "755", rt_marks_sh, &rbuf,
        &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));

    agent_init_only = "1";
    CU_ASSERT_EQUAL_FATAL(rt_invoke("i1", "{}", "marks", 5000, &rbuf, &f),
        0);
    init_only_answered(&f, "i1", true);
    task_read("init.pid", pid, sizeof(pid));
    CU_ASSERT(pid[0] != '\0');
    snprintf(want, sizeof(want), "init %s\n", pid);
    CU_ASSERT(field_is(&f, "stderr", want));       /* its init's log */
    CU_ASSERT(!task_has("ran"));

    /* The next call's event is its first, in the same process. */
    agent_init_only = NULL;
    CU_ASSERT_EQUAL_FATAL(rt_invoke("i2", "{}", "marks", 5000, &rbuf, &f),
        0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    snprintf(want, sizeof(want), "{\"pid\":%s,\"n\":1}", pid);
    CU_ASSERT(field_is(&f, "stdout", want));
    CU_ASSERT(field_is(&f, "stderr", ""));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));
    CU_ASSERT(task_has("ran"));

    /* Ready already: answered without init, and nothing ran. */
    agent_init_only = "1";
    CU_ASSERT_EQUAL_FATAL(rt_invoke("i3", "{}", "marks", 5000, &rbuf, &f),
        0);
    init_only_answered(&f, "i3", false);
    agent_init_only = NULL;
    CU_ASSERT_EQUAL_FATAL(rt_invoke("i4", "{}", "marks", 5000, &rbuf, &f),
        0);
    snprintf(want, sizeof(want), "{\"pid\":%s,\"n\":2}", pid);
    CU_ASSERT(field_is(&f, "stdout", want));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));

    /* An init that fails is answered as a call's: an exit, an error the
     * runtime posted (t/runtime/counter.sh). */
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt_counter_sh());
    CU_ASSERT_EQUAL_FATAL(agent_load("bootstrap", "755", rt_counter_sh(),
        &rbuf, &f), 0);
    agent_init_only = "1";
    CU_ASSERT_EQUAL(rt_invoke("i5", "{}", "crash", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "error"));
    CU_ASSERT(field_is(&f, "exit", "7"));
    CU_ASSERT(field_is(&f, "message", "runtime exited with status 7"));
    CU_ASSERT_PTR_NOT_NULL(fg_frame_get(&f, "init_us", NULL));
    CU_ASSERT_EQUAL(rt_invoke("i6", "{}", "initerr", 5000, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "init_error"));
    CU_ASSERT(field_is(&f, "error_type", "Runtime.Boom"));
    CU_ASSERT(field_is(&f, "stdout",
        "{\"errorMessage\":\"no config\",\"errorType\":\"Runtime.Boom\"}"));
    agent_init_only = NULL;
    fg_buf_free(&rbuf);
}


/*
 * The test plays the runtime, so that it waits in .../next for sure when
 * the second init_only comes: that one is answered at once, and the
 * connection stays parked (busybox wget asks to close it once answered)
 * for the call that follows.
 */
static void
test_agent_init_only_parked(void)
{
    fg_buf_t       rbuf = { 0 };
    fg_frame_t     f;
    char           resp[4096];
    int            s;
    struct pollfd  p;
    static const char  next[] = "GET /2018-06-01/runtime/invocation/next "
        "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    CU_ASSERT_EQUAL_FATAL(agent_load("bootstrap", "755",
        "#!/bin/sh\nexec sleep 60\n", &rbuf, &f), 0);

    agent_init_only = "1";
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("k1", "{}", "parked", 5000, 64), 0);
    s = http_open();
    CU_ASSERT_FATAL(s >= 0);
    CU_ASSERT(write(s, next, sizeof(next) - 1) == sizeof(next) - 1);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    init_only_answered(&f, "k1", true);

    CU_ASSERT_EQUAL(rt_invoke("k2", "{}", "parked", 5000, &rbuf, &f), 0);
    init_only_answered(&f, "k2", false);
    p = (struct pollfd) { .fd = s, .events = POLLIN };
    CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);             /* nothing, not closed */

    agent_init_only = NULL;
    CU_ASSERT_EQUAL_FATAL(rt_send_invoke("k3", "{\"x\":3}", "parked", 5000,
        64), 0);
    CU_ASSERT_EQUAL(http_read(s, resp, sizeof(resp)), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp,
        "\r\nLambda-Runtime-Aws-Request-Id: k3\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(resp, "\r\n\r\n{\"x\":3}"));
    close(s);
    CU_ASSERT_EQUAL(http_post("invocation/k3/response", NULL, "3", resp,
        sizeof(resp)), 202);
    CU_ASSERT_EQUAL_FATAL(fg_frame_read(agent_fd, &rbuf, &f, 5000), 0);
    CU_ASSERT(field_is(&f, "request_id", "k3"));
    CU_ASSERT(field_is(&f, "status", "ok"));
    CU_ASSERT(field_is(&f, "stdout", "3"));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));
    fg_buf_free(&rbuf);
}


/* init_only is 0 or 1: anything else is refused before anything runs or
 * starts, as the other numbers are. */
static void
test_agent_init_only_bad(void)
{
    fg_buf_t     rbuf = { 0 };
    fg_frame_t   f;
    const char  *bad[] = { "2", "x", "", "-1", "1 ", "true" };
    unsigned     i;

    CU_ASSERT_EQUAL_FATAL(agent_load("ran.sh", "755", "#!/bin/sh\n: >ran\n",
        &rbuf, &f), 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        agent_init_only = bad[i];
        CU_ASSERT_EQUAL(agent_invoke("ran.sh", "", 3000, 4096, &rbuf, &f),
            0);
        CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
        CU_ASSERT(field_is(&f, "status", "failed"));
        CU_ASSERT(field_is(&f, "message", "bad init_only"));
    }
    CU_ASSERT(!task_has("ran"));

    CU_ASSERT_EQUAL_FATAL(agent_load("bootstrap", "755", rt_marks_sh, &rbuf,
        &f), 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        agent_init_only = bad[i];
        CU_ASSERT_EQUAL(rt_invoke("j1", "{}", "marks", 5000, &rbuf, &f), 0);
        CU_ASSERT(field_is(&f, "status", "failed"));
        CU_ASSERT(field_is(&f, "message", "bad init_only"));
    }
    CU_ASSERT(!task_has("init.pid"));
    agent_init_only = NULL;
    fg_buf_free(&rbuf);
}


/* python3.11: init_only imports the function's module (its init), and
 * the first call's event is the first its handler sees. */
static void
test_agent_init_only_python(void)
{
    fg_buf_t    rbuf = { 0 };
    fg_frame_t  f;
    char        pid[32], want[64];
    static const char  app[] =
        "import os\n"
        "with open('imported', 'w') as f:\n"
        "    f.write(str(os.getpid()))\n"
        "calls = 0\n"
        "def handler(event, context):\n"
        "    global calls\n"
        "    calls += 1\n"
        "    open('ran', 'w').close()\n"
        "    return {'pid': os.getpid(), 'calls': calls}\n";

    CU_ASSERT_EQUAL_FATAL(agent_load("app.py", "644", app, &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));

    agent_init_only = "1";
    CU_ASSERT_EQUAL_FATAL(py_invoke("q1", "app.handler", "{}", 5000, 65536,
        &rbuf, &f), 0);
    init_only_answered(&f, "q1", true);
    task_read("imported", pid, sizeof(pid));
    CU_ASSERT(pid[0] != '\0');
    CU_ASSERT(!task_has("ran"));

    agent_init_only = NULL;
    CU_ASSERT_EQUAL_FATAL(py_invoke("q2", "app.handler", "{}", 5000, 65536,
        &rbuf, &f), 0);
    CU_ASSERT(field_is(&f, "status", "ok"));
    snprintf(want, sizeof(want), "{\"pid\": %s, \"calls\": 1}", pid);
    CU_ASSERT(field_is(&f, "stdout", want));
    CU_ASSERT_PTR_NULL(fg_frame_get(&f, "init_us", NULL));
    CU_ASSERT(task_has("ran"));
    fg_buf_free(&rbuf);
}

const cu_test_t  agent_tests[] = {
    { "HELLO, PING, SUSPEND, RESUME, unknown frame", test_agent_hello_ping },
    { "LOAD and INVOKE", test_agent_load_invoke },
    { "sandboxes: two codes, one agent", test_agent_sandboxes },
    { "bad LOAD and handler paths", test_agent_bad_load },
    { "exit, timeout, flood, signal, stderr tail", test_agent_failures },
    { "Runtime API: answers, ids, paths, timeout", test_agent_rt_api },
    { "Runtime API: a runtime process across calls", test_agent_rt_process },
    { "runtime python3.11", test_agent_python },
    { "Runtime API: garbage from a runtime", test_agent_rt_garbage },
    { "init_only: a one-shot handler, nothing run",
      test_agent_init_only_oneshot },
    { "init_only: a runtime made ready, the next call warm",
      test_agent_init_only_runtime },
    { "init_only: a runtime already waiting in .../next",
      test_agent_init_only_parked },
    { "init_only: bad values", test_agent_init_only_bad },
    { "init_only: runtime python3.11", test_agent_init_only_python },
    { NULL, NULL }
};
