/*
 * agent_reply: the frames the agent sends the host (HELLO, ERROR, RESULT)
 * and the stderr ring a call's log is kept in.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "agent.h"

#define AGENT_VERSION     "1"


void
agent_reply_send(int fd, fg_buf_t *b)
{
    if (fg_frame_write_all(fd, b) < 0) {
        agent_log("write to host: %s", strerror(errno));
    }
}


void
agent_reply_error(int fd, uint32_t seq, const char *msg)
{
    fg_buf_t  b = { 0 };

    if (fg_frame_begin(&b, FG_FRAME_ERROR, seq) == 0
        && fg_frame_add_str(&b, "message", msg) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_reply_send(fd, &b);
    }
    fg_buf_free(&b);
}


void
agent_reply_hello(int fd)
{
    fg_buf_t        b = { 0 };
    struct utsname  u;
    char            api[32] = "";

    uname(&u);
    if (agent.rt_port != 0) {
        snprintf(api, sizeof(api), "127.0.0.1:%u", agent.rt_port);
    }
    if (fg_frame_begin(&b, FG_FRAME_HELLO, 0) == 0
        && fg_frame_add_str(&b, "version", AGENT_VERSION) == 0
        && fg_frame_add_str(&b, "kernel", u.release) == 0
        && fg_frame_add_str(&b, "cgroup", agent.cgroup_ok ? "1" : "0") == 0
        && fg_frame_add_str(&b, "runtime_api", api) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_reply_send(fd, &b);
    }
    fg_buf_free(&b);
}


void
agent_reply_log_keep(agent_result_t *res, const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        res->err[res->err_pos] = p[i];
        res->err_pos = (res->err_pos + 1) % AGENT_STDERR_KEEP;
        if (res->err_len < AGENT_STDERR_KEEP) {
            res->err_len++;
        }
    }
}


/* Unrolls res's stderr ring into buf (AGENT_STDERR_KEEP bytes). */
static size_t
agent_reply_log_unroll(const agent_result_t *res, char *buf)
{
    size_t  start, first;

    start = res->err_len < AGENT_STDERR_KEEP ? 0 : res->err_pos;
    first = AGENT_STDERR_KEEP - start;
    if (first > res->err_len) {
        first = res->err_len;
    }
    memcpy(buf, res->err + start, first);
    memcpy(buf + first, res->err, res->err_len - first);
    return res->err_len;
}


/*
 * RESULT for seq.  error_type (may be NULL) is the runtime's
 * Lambda-Runtime-Function-Error-Type; init_us is sent when the call
 * started a runtime.
 */
void
agent_reply_result(int fd, uint32_t seq, const char *request_id,
    const agent_result_t *res, const char *error_type, bool cold,
    uint64_t init_us)
{
    fg_buf_t  b = { 0 };
    char      errbuf[AGENT_STDERR_KEEP];
    size_t    elen = agent_reply_log_unroll(res, errbuf);

    if (fg_frame_begin(&b, FG_FRAME_RESULT, seq) < 0
        || fg_frame_add_str(&b, "request_id", request_id ? request_id : "")
           < 0
        || fg_frame_add_str(&b, "status", res->status) < 0
        || fg_frame_add_u64(&b, "exit", (uint64_t) res->code) < 0
        || fg_frame_add(&b, "stdout", res->out.data, res->out.len) < 0
        || fg_frame_add(&b, "stderr", errbuf, elen) < 0
        || fg_frame_add_u64(&b, "duration_us", res->duration_us) < 0
        || fg_frame_add_u64(&b, "max_rss_kb", res->max_rss_kb) < 0
        || fg_frame_add_str(&b, "message", res->message) < 0
        || (error_type != NULL && error_type[0] != '\0'
            && fg_frame_add_str(&b, "error_type", error_type) < 0)
        || (cold && fg_frame_add_u64(&b, "init_us", init_us) < 0)
        || fg_frame_end(&b) < 0)
    {
        agent_reply_error(fd, seq, "out of memory building RESULT");
    } else {
        agent_reply_send(fd, &b);
    }
    fg_buf_free(&b);
}
