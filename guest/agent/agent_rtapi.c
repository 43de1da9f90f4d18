/*
 * agent_rtapi: the Lambda Runtime API (2018-06-01) that the agent serves
 * the persistent runtime on 127.0.0.1 (see agent_runtime.c): its
 * connections, the requests lib/fg_rtapi parses, the event handed to a
 * parked GET .../next, the replies.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "fg_util.h"
#include "agent.h"

#define AGENT_RT_BODY_MAX   (6u * 1024 * 1024)  /* without a call */


void
agent_rtapi_conn_close(agent_rtapi_conn_t *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
    fg_buf_free(&c->in);
    fg_buf_free(&c->out);
    c->out_off = 0;
    c->parked = false;
    c->close = false;
}


int
agent_rtapi_listen(unsigned port)
{
    struct sockaddr_in  a;
    socklen_t           alen = sizeof(a);
    int                 s, on = 1;
    unsigned            i;

    for (i = 0; i < AGENT_RT_CONNS; i++) {
        agent_rt.conns[i].fd = -1;
    }
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        goto fail;
    }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *) &a, sizeof(a)) < 0
        || listen(s, 16) < 0
        || getsockname(s, (struct sockaddr *) &a, &alen) < 0)
    {
        close(s);
        goto fail;
    }
    agent_rt.listen_fd = s;
    agent_rt.port = ntohs(a.sin_port);
    agent.rt_port = agent_rt.port;
    return 0;

fail:
    agent_log("runtime API on 127.0.0.1:%u: %s", port, strerror(errno));
    return -1;
}


/* Queues an HTTP reply on c. */
static void
agent_rtapi_reply(agent_rtapi_conn_t *c, unsigned status, const char *extra,
    const void *body, size_t blen)
{
    char  head[2048];
    int   n;

    n = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\n"
        "Content-Type: application/json\r\n%s"
        "Content-Length: %zu\r\n%s\r\n", status, fg_rtapi_reason(status),
        extra ? extra : "", blen, c->close ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t) n >= sizeof(head)
        || fg_buf_append(&c->out, head, (size_t) n) < 0
        || fg_buf_append(&c->out, body, blen) < 0)
    {
        c->out.len = c->out_off = 0;
        c->close = true;
    }
}


/* An error document of the Runtime API. */
static void
agent_rtapi_reply_error(agent_rtapi_conn_t *c, unsigned status,
    const char *type, const char *message)
{
    char  body[512];
    int   n;

    n = snprintf(body, sizeof(body), "{\"errorMessage\":\"%s\","
        "\"errorType\":\"%s\"}", message, type);
    agent_rtapi_reply(c, status, NULL, body, (size_t) n);
}


/* Hands the call's event to the runtime parked on c. */
void
agent_rtapi_deliver(agent_rtapi_conn_t *c)
{
    char             extra[1024], trace[128], hex[33];
    const char      *id = agent_rt.req.request_id;
    size_t           i, k = 0;
    uint64_t         now = agent_now_us(), left;
    struct timespec  ts;

    /* The call's time runs from here, within what init left of it. */
    if (now + agent_rt.req.timeout_ms * 1000 < agent_rt.deadline_us) {
        agent_rt.deadline_us = now + agent_rt.req.timeout_ms * 1000;
    }
    left = agent_rt.deadline_us > now
           ? (agent_rt.deadline_us - now) / 1000 : 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    agent_rt.deadline_ms = (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000
                     + left;

    /* An X-Ray-shaped trace id made of the request id's digits. */
    for (i = 0; id[i] != '\0' && k < 32; i++) {
        if (fg_hexval((unsigned char) id[i]) >= 0) {
            hex[k++] = id[i];
        }
    }
    while (k < 32) {
        hex[k++] = '0';
    }
    hex[32] = '\0';
    snprintf(trace, sizeof(trace), "Root=1-%08llx-%.24s;Parent=%.16s;"
        "Sampled=0", (unsigned long long) (agent_rt.deadline_ms / 1000), hex,
        hex + 16);
    snprintf(extra, sizeof(extra),
        "Lambda-Runtime-Aws-Request-Id: %s\r\n"
        "Lambda-Runtime-Deadline-Ms: %llu\r\n"
        "Lambda-Runtime-Invoked-Function-Arn: %s\r\n"
        "Lambda-Runtime-Trace-Id: %s\r\n%s%s%s", id,
        (unsigned long long) agent_rt.deadline_ms, agent_rt.function_arn,
        trace, agent_rt.req.credentials ? "Lambda-Runtime-Fngate-"
        "Credentials: " : "", agent_rt.req.credentials ? agent_rt.req.credentials
        : "", agent_rt.req.credentials ? "\r\n" : "");
    c->parked = false;
    agent_rtapi_reply(c, 200, extra, agent_rt.req.event,
        agent_rt.req.event_len);
    explicit_bzero(extra, sizeof(extra));
    agent_rt.delivered = true;
    agent_rt.delivered_us = agent_now_us();
}


/* One request of the runtime, its body complete. */
static void
agent_rtapi_request(agent_rtapi_conn_t *c, const fg_rtapi_req_t *q,
    const uint8_t *body, size_t blen)
{
    bool  current;

    if (q->route == FG_RTAPI_NOT_FOUND) {
        agent_rtapi_reply_error(c, 404, "InvalidRequest",
            "Not found: not a path of the Runtime API 2018-06-01");
        return;
    }
    if (!q->method_ok) {
        agent_rtapi_reply_error(c, 405, "InvalidRequest",
            "Method not allowed");
        return;
    }

    switch (q->route) {
    case FG_RTAPI_NEXT:
        if (!agent_rt.polled) {
            agent_rt.polled = true;
            agent_rt.init_us = agent_now_us() - agent_rt.started_us;
        }
        c->parked = true;
        if (agent_rt.active && agent_rt.req.init_only) {
            agent_runtime_init_done();
        } else if (agent_rt.active && !agent_rt.delivered) {
            agent_rtapi_deliver(c);
        }
        return;

    case FG_RTAPI_RESPONSE:
    case FG_RTAPI_ERROR:
        current = agent_rt.active && agent_rt.delivered && !q->bad_id
                  && strcmp(q->id, agent_rt.req.request_id) == 0;
        if (current) {
            agent_rtapi_reply(c, 202, NULL, "{\"status\":\"OK\"}", 15);
            if (q->route == FG_RTAPI_RESPONSE) {
                agent_runtime_finish("ok", 0, body, blen, NULL, NULL);
            } else {
                agent_runtime_finish("function_error", 0, body, blen,
                    q->error_type[0] ? q->error_type : NULL,
                    "the function posted an error");
            }
        } else if (!q->bad_id && agent_rt.answered[0] != '\0'
            && strcmp(q->id, agent_rt.answered) == 0)
        {
            agent_rtapi_reply_error(c, 403, "InvalidStateTransition",
                "Invalid state transition: the invocation has already "
                "been answered");
        } else {
            agent_rtapi_reply_error(c, 400, "InvalidRequestID",
                "Invalid request ID: not the invocation in progress");
        }
        return;

    case FG_RTAPI_INIT_ERROR:
        if (agent_rt.polled) {
            agent_rtapi_reply_error(c, 403, "InvalidStateTransition",
                "Invalid state transition: init is over");
            return;
        }
        agent_rtapi_reply(c, 202, NULL, "{\"status\":\"OK\"}", 15);
        c->close = true;
        agent_rtapi_conn_write(c);
        /* The environment is reset: the next call starts it again. */
        agent_runtime_kill();
        agent_runtime_finish("init_error", 0, body, blen,
            q->error_type[0] ? q->error_type : NULL,
            "the runtime posted an init error");
        agent_runtime_cleanup();
        return;

    default:
        return;
    }
}


/* Handles the whole requests buffered on c. */
static void
agent_rtapi_conn_process(agent_rtapi_conn_t *c)
{
    fg_rtapi_req_t  q;
    fg_buf_t        chunked = { 0 };
    size_t          cap, used, blen;
    const uint8_t  *body;
    int             rc;

    cap = agent_rt.active && agent_rt.req.max_output < AGENT_RT_BODY_MAX
          ? agent_rt.req.max_output : AGENT_RT_BODY_MAX;

    while (c->fd >= 0 && !c->parked && !c->close && c->in.len > 0) {
        rc = fg_rtapi_parse_head((const char *) c->in.data, c->in.len, &q);
        if (rc == 0) {
            return;
        }
        if (rc < 0) {
            c->close = true;
            agent_rtapi_reply_error(c, 400, "InvalidRequest",
                "Malformed request");
            break;
        }
        if (q.chunked) {
            fg_buf_reset(&chunked);
            rc = fg_rtapi_dechunk((const char *) c->in.data + q.head_len,
                c->in.len - q.head_len, cap, &chunked, &used);
            if (rc == 0) {
                if (c->in.len > 2 * (size_t) cap + FG_RTAPI_HEAD_MAX) {
                    rc = -2;
                } else {
                    break;
                }
            }
            body = chunked.data;
            blen = chunked.len;
        } else {
            rc = q.content_length > cap ? -2 : 1;
            used = (size_t) q.content_length;
            if (rc == 1 && c->in.len - q.head_len < used) {
                break;
            }
            body = c->in.data + q.head_len;
            blen = used;
        }
        if (rc == -1) {
            c->close = true;
            agent_rtapi_reply_error(c, 400, "InvalidRequest",
                "Malformed chunked body");
            break;
        }
        if (rc == -2) {
            c->close = true;
            agent_rtapi_reply_error(c, 413, "RequestEntityTooLarge",
                "Payload too large for the invocation's response");
            if (agent_rt.active && agent_rt.delivered
                && (q.route == FG_RTAPI_RESPONSE || q.route == FG_RTAPI_ERROR)
                && strcmp(q.id, agent_rt.req.request_id) == 0)
            {
                agent_runtime_finish("too_large", 0, NULL, 0, NULL,
                    "output over %llu bytes",
                    (unsigned long long) agent_rt.req.max_output);
            }
            break;
        }
        if (q.close) {
            c->close = true;
        }
        agent_rtapi_request(c, &q, body, blen);
        if (c->fd < 0) {
            break;                      /* the runtime was stopped */
        }
        used += q.head_len;
        memmove(c->in.data, c->in.data + used, c->in.len - used);
        c->in.len -= used;
    }
    fg_buf_free(&chunked);
    if (c->fd >= 0 && c->in.len == 0 && c->in.cap > 1024 * 1024) {
        fg_buf_free(&c->in);            /* a large answer went through */
    }
    if (c->fd >= 0 && c->out.len > c->out_off) {
        agent_rtapi_conn_write(c);
    }
}


void
agent_rtapi_conn_write(agent_rtapi_conn_t *c)
{
    ssize_t  n;

    while (c->fd >= 0 && c->out_off < c->out.len) {
        n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN) {
                agent_rtapi_conn_close(c);
            }
            return;
        }
        c->out_off += (size_t) n;
    }
    if (c->fd < 0) {
        return;
    }
    c->out.len = c->out_off = 0;
    if (c->out.cap > 1024 * 1024) {
        fg_buf_free(&c->out);
    }
    if (c->close) {
        agent_rtapi_conn_close(c);
        return;
    }
    if (c->in.len > 0 && !c->parked) {
        agent_rtapi_conn_process(c);
    }
}


void
agent_rtapi_conn_read(agent_rtapi_conn_t *c)
{
    char     buf[65536];
    ssize_t  n;

    n = read(c->fd, buf, sizeof(buf));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        agent_rtapi_conn_close(c);
        return;
    }
    if (n < 0) {
        return;
    }
    if (c->close) {
        return;                         /* the rest is dropped */
    }
    if (fg_buf_append(&c->in, buf, (size_t) n) < 0) {
        agent_rtapi_conn_close(c);
        return;
    }
    agent_rtapi_conn_process(c);
}


void
agent_rtapi_accept(void)
{
    int       s;
    unsigned  i;

    for ( ;; ) {
        s = accept4(agent_rt.listen_fd, NULL, NULL,
                SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (s < 0) {
            return;
        }
        for (i = 0; i < AGENT_RT_CONNS && agent_rt.conns[i].fd >= 0; i++) { }
        if (i == AGENT_RT_CONNS) {
            close(s);                   /* too many */
            continue;
        }
        /*
         * Every answer goes out in one write.  Without Nagle, an event
         * written while the 202 before it is not yet acknowledged (the
         * runtime sent its next GET ahead, so nothing carries the ACK)
         * leaves at once instead of after the runtime's delayed ACK.
         */
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
        agent_rt.conns[i].fd = s;
    }
}
