/*
 * agent_runtime: the persistent runtime.
 *
 * A zip with an executable "bootstrap" at its root (Runtime provided*),
 * or a runtime of the image (/var/runtime/NAME/bootstrap, e.g.
 * python3.11), runs as a persistent runtime: the agent starts the
 * bootstrap once, with AWS_LAMBDA_RUNTIME_API pointing at the Runtime API
 * it serves on 127.0.0.1:9001, hands it each INVOKE's event when it asks
 * for the next one, and answers RESULT from what it posts.  Everything is
 * served by the one poll loop of agent_main_serve: the host's port, the
 * listening socket, the runtime's connections, its stdout and stderr (the
 * call's log) and its pidfd.  The host sends one INVOKE at a time and
 * waits for its RESULT, so at most one call is in flight.
 *
 * The runtime is started again when an INVOKE's code (a LOAD came),
 * bootstrap, handler, environment or memory limit differ from what it was
 * started with, after a timeout (its process group and cgroup are
 * killed), after an init error and after it exited.
 *
 * An INVOKE with "init_only" (provisioned concurrency) makes the runtime
 * ready without an event: it is started as for a call, and the call is
 * answered "ok" (nothing in it, duration 0, init_us when it started the
 * runtime) once the runtime asks for an event, at once when it already
 * waits; the runtime stays parked in .../next for the next call's event.
 * Its init failing is answered as a call's.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "agent.h"

/* A runtime that a call starts may take this long for its init beyond the
 * call's timeout (Lambda gives init 10 s of its own; the host waits for
 * the RESULT up to the timeout and 10 s). */
#define AGENT_RT_INIT_MS    8000

agent_rt_t  agent_rt = {
    .listen_fd = -1, .host_fd = -1, .pidfd = -1, .out_fd = -1, .err_fd = -1,
    .peak_fd = -1, .events_fd = -1,
};

static int agent_runtime_start(const char *path, char *msg, size_t msize);
static int agent_runtime_start_call(const char *path, fg_buf_t *sig);


void
agent_runtime_log_read(int *fd)
{
    char      buf[16384];
    ssize_t   n;
    unsigned  i;

    /* Bounded: a runtime that writes without pause must not hold the
     * loop; what is left is read on the next round. */
    for (i = 0; i < 64 && *fd >= 0; i++) {
        n = read(*fd, buf, sizeof(buf));
        if (n > 0) {
            agent_reply_log_keep(&agent_rt.res, buf, (size_t) n);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(*fd);
            *fd = -1;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return;
    }
}


/* Peak memory of the runtime so far, in KB. */
static uint64_t
agent_runtime_max_rss_kb(void)
{
    char      path[64], buf[4096], *p;

    if (agent_rt.peak_fd >= 0) {
        return agent_cgroup_pread_key(agent_rt.peak_fd, NULL) / 1024;
    }
    if (agent_rt.pid <= 0) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%d/status", (int) agent_rt.pid);
    if (agent_file_read(path, buf, sizeof(buf)) < 0) {
        return 0;
    }
    p = strstr(buf, "VmHWM:");
    return p ? strtoull(p + 6, NULL, 10) : 0;
}


/*
 * A call is over: of the runtime's cgroup only the runtime's own process
 * group stays (the runtime, and the helpers a shell runtime runs, such as
 * the curl that posted this answer and may still be reading the reply).
 * Whatever left the group (setsid, setpgid: a daemon meant to outlive the
 * call) dies now (docs/security.md).
 */
static void
agent_runtime_kill_strays(void)
{
    char      path[sizeof(agent_rt.cgdir) + 16], buf[8192], *p, *end;
    long      pid;
    unsigned  round, killed = 1;

    if (!agent_rt.have_cg) {
        return;
    }
    snprintf(path, sizeof(path), "%s/cgroup.procs", agent_rt.cgdir);
    /* Again while there are some: one may fork while the others die. */
    for (round = 0; round < 10 && killed > 0; round++) {
        killed = 0;
        if (agent_file_read(path, buf, sizeof(buf)) <= 0) {
            return;
        }
        for (p = buf; *p != '\0'; p = end) {
            pid = strtol(p, &end, 10);
            if (end == p) {
                break;
            }
            if (pid > 1 && pid != agent_rt.pid
                && getpgid((pid_t) pid) != agent_rt.pid
                && kill((pid_t) pid, SIGKILL) == 0)
            {
                killed++;
            }
        }
    }
}


/*
 * Answers the call in flight with status and sends its RESULT.  body is
 * the result (or the error document the runtime posted); code the exit
 * status or signal.
 */
void
agent_runtime_finish(const char *status, int code, const uint8_t *body,
    size_t blen, const char *error_type, const char *fmt, ...)
{
    va_list   ap;
    uint64_t  now = agent_now_us();

    if (!agent_rt.active) {
        return;
    }
    /* What the runtime logged before it answered is in its pipes now. */
    agent_runtime_log_read(&agent_rt.out_fd);
    agent_runtime_log_read(&agent_rt.err_fd);

    agent_rt.res.status = status;
    agent_rt.res.code = code;
    agent_rt.res.out.len = 0;
    if (blen > 0 && fg_buf_append(&agent_rt.res.out, body, blen) < 0) {
        agent_rt.res.status = "too_large";
        agent_rt.res.out.len = 0;
    }
    if (agent_rt.delivered) {
        agent_rt.res.duration_us = now - agent_rt.delivered_us;
    } else if (agent_rt.req.init_only && strcmp(status, "ok") == 0) {
        agent_rt.res.duration_us = 0;       /* init only: no event ran */
    } else {
        agent_rt.res.duration_us = now - agent_rt.call_us;
    }
    agent_rt.res.max_rss_kb = agent_runtime_max_rss_kb();
    agent_rt.res.message[0] = '\0';
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(agent_rt.res.message, sizeof(agent_rt.res.message), fmt, ap);
        va_end(ap);
    }
    agent_reply_result(agent_rt.host_fd, agent_rt.seq,
        agent_rt.req.request_id, &agent_rt.res, error_type, agent_rt.cold,
        agent_rt.polled ? agent_rt.init_us : now - agent_rt.started_us);
    agent_runtime_kill_strays();

    snprintf(agent_rt.answered, sizeof(agent_rt.answered), "%s",
        agent_rt.req.request_id ? agent_rt.req.request_id : "");
    agent_msg_invoke_free(&agent_rt.req);
    memset(&agent_rt.req, 0, sizeof(agent_rt.req));
    free(agent_rt.function_arn);
    agent_rt.function_arn = NULL;
    fg_buf_free(&agent_rt.res.out);
    memset(&agent_rt.res, 0, sizeof(agent_rt.res));
    agent_rt.active = false;
    agent_rt.delivered = false;
    agent_rt.cold = false;
}


/*
 * The runtime asks for an event while an init_only call is in flight: its
 * init is over, which is all that call waited for, so it is answered.
 * Nothing is written to the runtime: its GET .../next stays parked (and
 * its connection open) for the next call's event.
 */
void
agent_runtime_init_done(void)
{
    agent_runtime_finish("ok", 0, NULL, 0, NULL, NULL);
}


void
agent_runtime_set(const agent_rt_t *rt)
{
    int       listen_fd = agent_rt.listen_fd, host_fd = agent_rt.host_fd;
    unsigned  port = agent_rt.port, i;

    if (rt != NULL) {
        agent_rt = *rt;
    } else {
        memset(&agent_rt, 0, sizeof(agent_rt));
        agent_rt.pidfd = agent_rt.out_fd = agent_rt.err_fd = -1;
        agent_rt.peak_fd = agent_rt.events_fd = -1;
        for (i = 0; i < AGENT_RT_CONNS; i++) {
            agent_rt.conns[i].fd = -1;
        }
    }
    agent_rt.listen_fd = listen_fd;
    agent_rt.host_fd = host_fd;
    agent_rt.port = port;
}


/* Kills the runtime's process group and cgroup and reaps it. */
void
agent_runtime_kill(void)
{
    char  path[PATH_MAX];

    if (agent_rt.pid <= 0) {
        return;
    }
    kill(-agent_rt.pid, SIGKILL);
    kill(agent_rt.pid, SIGKILL);
    if (agent_rt.have_cg) {
        snprintf(path, sizeof(path), "%s/cgroup.kill", agent_rt.cgdir);
        agent_file_write(path, "1");
    }
    if (!agent_rt.reaped
        && waitpid(agent_rt.pid, &agent_rt.wstatus, 0) == agent_rt.pid)
    {
        agent_rt.reaped = true;
    }
}


/* Forgets a runtime that is gone: its pipes, connections and cgroup. */
void
agent_runtime_cleanup(void)
{
    unsigned  i;

    if (agent_rt.pidfd >= 0) {
        close(agent_rt.pidfd);
    }
    if (agent_rt.out_fd >= 0) {
        close(agent_rt.out_fd);
    }
    if (agent_rt.err_fd >= 0) {
        close(agent_rt.err_fd);
    }
    if (agent_rt.peak_fd >= 0) {
        close(agent_rt.peak_fd);
    }
    if (agent_rt.events_fd >= 0) {
        close(agent_rt.events_fd);
    }
    agent_rt.pidfd = agent_rt.out_fd = agent_rt.err_fd = -1;
    agent_rt.peak_fd = agent_rt.events_fd = -1;
    for (i = 0; i < AGENT_RT_CONNS; i++) {
        agent_rtapi_conn_close(&agent_rt.conns[i]);
    }
    if (agent_rt.have_cg) {
        agent_cgroup_remove(agent_rt.cgdir);
    }
    agent_rt.have_cg = false;
    agent_rt.pid = 0;
    agent_rt.polled = false;
    agent_rt.reaped = false;
    agent_rt.sig.len = 0;
}


/* Stops the runtime (no call may be in flight, or it is answered). */
void
agent_runtime_stop(void)
{
    if (agent_rt.pid <= 0) {
        return;
    }
    agent_runtime_kill();
    agent_runtime_cleanup();
}


/* The runtime exited on its own (its status is in agent_rt.wstatus). */
void
agent_runtime_exited(void)
{
    int   st = agent_rt.wstatus;
    bool  oom = false;

    agent_runtime_log_read(&agent_rt.out_fd);
    agent_runtime_log_read(&agent_rt.err_fd);
    if (agent_rt.events_fd >= 0) {
        oom = agent_cgroup_pread_key(agent_rt.events_fd, "oom_kill")
              > agent_rt.oom_kills;
    }
    if (agent_rt.active && !agent_rt.delivered && !agent_rt.cold) {
        /*
         * It exited after its last answer, before it saw this call's
         * event (the exit raced the INVOKE): this call starts it again,
         * as if it had been noticed before.
         */
        char      path[PATH_MAX + 64];
        fg_buf_t  sig = agent_rt.sig;

        agent_log("runtime %d exited between calls (status 0x%x)",
            (int) agent_rt.pid, st);
        snprintf(path, sizeof(path), "%s", agent_rt.path);
        agent_rt.sig = (fg_buf_t) { 0 };
        agent_runtime_kill();
        agent_runtime_cleanup();
        agent_rt.cold = true;
        agent_rt.deadline_us = agent_now_us() + agent_rt.req.timeout_ms * 1000
                         + AGENT_RT_INIT_MS * 1000;
        if (agent_runtime_start_call(path, &sig) == 0) {
            agent_rt.oom_kills = 0;
        }
        return;
    }
    if (agent_rt.active) {
        if (oom) {
            agent_runtime_finish("oom",
                WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), NULL, 0,
                NULL, "out of memory (limit %llu MB)",
                (unsigned long long) agent_rt.req.memory_mb);
        } else if (WIFSIGNALED(st)) {
            agent_runtime_finish("signal", WTERMSIG(st), NULL, 0, NULL,
                "runtime killed by signal %d", WTERMSIG(st));
        } else {
            agent_runtime_finish("error", WEXITSTATUS(st), NULL, 0, NULL,
                "runtime exited with status %d", WEXITSTATUS(st));
        }
    } else {
        agent_log("runtime %d exited between calls (status 0x%x)",
            (int) agent_rt.pid, st);
    }
    agent_runtime_kill();           /* what is left of its group */
    agent_runtime_cleanup();
}


/* 1: a persistent runtime, its bootstrap in path; 0: a one-shot
 * handler; -1: a runtime the image does not have (msg). */
static int
agent_runtime_bootstrap_find(const uint8_t *v, size_t len, char *path,
    size_t size, char *msg, size_t msize)
{
    struct stat  st;

    switch (agent_msg_runtime(v, len, agent.task_dir, agent.runtime_dir,
                path, size, msg, msize))
    {
    case AGENT_MSG_RT_TASK:
        return stat(path, &st) == 0 && S_ISREG(st.st_mode)
               && access(path, X_OK) == 0;
    case AGENT_MSG_RT_IMAGE:
        if (access(path, X_OK) < 0) {
            snprintf(msg, msize, "runtime %.*s is not in this guest image",
                (int) len, (const char *) v);
            return -1;
        }
        return 1;
    default:
        return -1;
    }
}


/*
 * agent_runtime_bootstrap_find for an INVOKE, decided once per LOAD and
 * runtime name: the code only changes with a LOAD and the runtime disk
 * never, and the checks (a path walk each) cost the TCG guest more than
 * the rest of a warm call's dispatch.
 */
static struct {
    bool      valid;
    unsigned  code_gen;
    size_t    len;
    char      runtime[33];          /* the INVOKE's "runtime" */
    int       mode;
    char      path[PATH_MAX + 64];
    char      msg[256];
} agent_rt_boot;

void
agent_runtime_forget_bootstrap(void)
{
    agent_rt_boot.valid = false;
}


int
agent_runtime_bootstrap(const fg_frame_t *f, char *path, size_t size,
    char *msg, size_t msize)
{
    const uint8_t  *v;
    size_t          len;
    int             mode;

    v = fg_frame_get(f, "runtime", &len);
    if (v == NULL) {
        len = 0;
    }
    if (agent_rt_boot.valid && agent_rt_boot.code_gen == agent.code_gen
        && agent_rt_boot.len == len
        && (len == 0 || memcmp(agent_rt_boot.runtime, v, len) == 0))
    {
        snprintf(path, size, "%s", agent_rt_boot.path);
        snprintf(msg, msize, "%s", agent_rt_boot.msg);
        return agent_rt_boot.mode;
    }
    mode = agent_runtime_bootstrap_find(v, len, path, size, msg, msize);
    agent_rt_boot.valid = len < sizeof(agent_rt_boot.runtime);
    if (agent_rt_boot.valid) {
        agent_rt_boot.code_gen = agent.code_gen;
        agent_rt_boot.len = len;
        if (len > 0) {
            memcpy(agent_rt_boot.runtime, v, len);
        }
        agent_rt_boot.mode = mode;
        snprintf(agent_rt_boot.path, sizeof(agent_rt_boot.path), "%s",
            path);
        snprintf(agent_rt_boot.msg, sizeof(agent_rt_boot.msg), "%s",
            mode < 0 ? msg : "");
    }
    return mode;
}


/* What a runtime depends on: bootstrap, code, handler, memory, env. */
static int
agent_runtime_signature(const agent_msg_invoke_t *r, const char *path,
    fg_buf_t *sig)
{
    char      num[64];
    unsigned  i;

    sig->len = 0;
    snprintf(num, sizeof(num), "%u %llu", agent.code_gen,
        (unsigned long long) r->memory_mb);
    if (fg_buf_append(sig, path, strlen(path) + 1) < 0
        || fg_buf_append(sig, num, strlen(num) + 1) < 0
        || fg_buf_append(sig, r->handler, strlen(r->handler) + 1) < 0)
    {
        return -1;
    }
    for (i = 0; i < r->nenv; i++) {
        if (strncmp(r->env[i], "AWS_REQUEST_ID=", 15) == 0) {
            continue;                   /* one per call */
        }
        if (fg_buf_append(sig, r->env[i], strlen(r->env[i]) + 1) < 0) {
            return -1;
        }
    }
    return 0;
}


static int
agent_runtime_start(const char *path, char *msg, size_t msize)
{
    const agent_msg_invoke_t  *r = &agent_rt.req;
    char               **env, api[64], rdir[PATH_MAX + 32];
    int                  out[2] = { -1, -1 }, err[2] = { -1, -1 };
    int                  st[2] = { -1, -1 }, in = -1, e, rc = -1;
    unsigned             i, n = 0;
    pid_t                pid;
    ssize_t              got;

    env = calloc(r->nenv + 3, sizeof(char *));
    if (env == NULL) {
        snprintf(msg, msize, "out of memory");
        return -1;
    }
    for (i = 0; i < r->nenv; i++) {
        if (strncmp(r->env[i], "AWS_REQUEST_ID=", 15) != 0) {
            env[n++] = r->env[i];
        }
    }
    snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u",
        agent_rt.port);
    env[n++] = api;
    if (!agent_msg_env_has(r, "LAMBDA_RUNTIME_DIR")) {
        snprintf(rdir, sizeof(rdir), "LAMBDA_RUNTIME_DIR=%s",
            agent.runtime_dir);
        env[n++] = rdir;
    }

    agent_rt.have_cg = agent_cgroup_make(agent_rt.cgdir,
        sizeof(agent_rt.cgdir), "rt", r->memory_mb) == 0;
    in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0
        || pipe2(st, O_CLOEXEC) < 0)
    {
        snprintf(msg, msize, "pipe: %s", strerror(errno));
        goto cleanup;
    }
    agent_rt.started_us = agent_now_us();
    pid = fork();
    if (pid < 0) {
        snprintf(msg, msize, "fork: %s", strerror(errno));
        goto cleanup;
    }
    if (pid == 0) {
        agent_invoke_child(path, env, r->memory_mb, in, out[1], err[1], st[1],
            agent_rt.have_cg ? agent_rt.cgdir : NULL);
    }

    close(st[1]);
    st[1] = -1;
    got = read(st[0], &e, sizeof(e));
    if (got == (ssize_t) sizeof(e)) {
        waitpid(pid, NULL, 0);
        snprintf(msg, msize, "exec %s: %s", path, strerror(e));
        goto cleanup;
    }
    agent_rt.pid = pid;
    snprintf(agent_rt.path, sizeof(agent_rt.path), "%s", path);
    agent_rt.pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    agent_rt.out_fd = out[0];
    agent_rt.err_fd = err[0];
    out[0] = err[0] = -1;
    fcntl(agent_rt.out_fd, F_SETFL, O_NONBLOCK);
    fcntl(agent_rt.err_fd, F_SETFL, O_NONBLOCK);
    if (agent_rt.have_cg) {
        char  file[sizeof(agent_rt.cgdir) + 16];

        snprintf(file, sizeof(file), "%s/memory.peak", agent_rt.cgdir);
        agent_rt.peak_fd = open(file, O_RDONLY | O_CLOEXEC);
        snprintf(file, sizeof(file), "%s/memory.events", agent_rt.cgdir);
        agent_rt.events_fd = open(file, O_RDONLY | O_CLOEXEC);
    }
    rc = 0;

cleanup:
    if (rc < 0 && agent_rt.have_cg) {
        agent_cgroup_remove(agent_rt.cgdir);
        agent_rt.have_cg = false;
    }
    agent_fds_close(out, 2);
    agent_fds_close(err, 2);
    agent_fds_close(st, 2);
    if (in >= 0) {
        close(in);
    }
    free(env);
    return rc;
}


/*
 * Starts the runtime for the call in flight, which asked for one started
 * with *sig: on success the runtime keeps *sig (emptied here), on failure
 * the call is answered and *sig freed.  0 or -1.
 */
static int
agent_runtime_start_call(const char *path, fg_buf_t *sig)
{
    char  msg[PATH_MAX + 64];

    if (agent_runtime_start(path, msg, sizeof(msg)) < 0) {
        agent_runtime_finish("failed", 0, NULL, 0, NULL, "%s", msg);
        fg_buf_free(sig);
        return -1;
    }
    fg_buf_free(&agent_rt.sig);
    agent_rt.sig = *sig;
    *sig = (fg_buf_t) { 0 };
    return 0;
}


/* INVOKE for a persistent runtime whose bootstrap is path. */
void
agent_runtime_invoke(int fd, const fg_frame_t *f, const char *path)
{
    char             msg[PATH_MAX + 64] = "";
    size_t           i;
    fg_buf_t         sig = { 0 };

    agent_rt.host_fd = fd;
    memset(&agent_rt.res, 0, sizeof(agent_rt.res));
    if (agent_msg_invoke_parse(f, &agent_rt.req, true, agent.task_dir, msg,
            sizeof(msg)) < 0)
    {
        agent_result_t  res = { .status = "failed" };

        snprintf(res.message, sizeof(res.message), "%s", msg);
        agent_reply_result(fd, f->seq, agent_rt.req.request_id, &res, NULL,
            false, 0);
        agent_msg_invoke_free(&agent_rt.req);
        memset(&agent_rt.req, 0, sizeof(agent_rt.req));
        return;
    }
    agent_rt.function_arn = agent_msg_function_arn(f);

    agent_rt.active = true;
    agent_rt.delivered = false;
    agent_rt.cold = false;
    agent_rt.seq = f->seq;
    agent_rt.call_us = agent_now_us();
    agent_rt.deadline_us = agent_rt.call_us + agent_rt.req.timeout_ms * 1000;
    if (agent_rt.function_arn == NULL) {
        agent_runtime_finish("failed", 0, NULL, 0, NULL, "out of memory");
        return;
    }

    if (agent_runtime_signature(&agent_rt.req, path, &sig) < 0) {
        agent_runtime_finish("failed", 0, NULL, 0, NULL, "out of memory");
        fg_buf_free(&sig);
        return;
    }
    if (agent_rt.pid > 0 && (sig.len != agent_rt.sig.len
                       || memcmp(sig.data, agent_rt.sig.data, sig.len) != 0))
    {
        agent_runtime_stop();       /* started with something else */
    }
    if (agent_rt.pid <= 0) {
        agent_rt.cold = true;
        agent_rt.deadline_us += AGENT_RT_INIT_MS * 1000;
        if (agent_runtime_start_call(path, &sig) < 0) {
            return;
        }
    }
    fg_buf_free(&sig);
    agent_rt.oom_kills = agent_rt.events_fd >= 0
        ? agent_cgroup_pread_key(agent_rt.events_fd, "oom_kill") : 0;

    /* A runtime already waiting in .../next gets the event now (an
     * init_only call is answered now instead); else its next GET does. */
    for (i = 0; i < AGENT_RT_CONNS; i++) {
        if (agent_rt.conns[i].fd >= 0 && agent_rt.conns[i].parked) {
            if (agent_rt.req.init_only) {
                agent_runtime_init_done();
            } else {
                agent_rtapi_deliver(&agent_rt.conns[i]);
                agent_rtapi_conn_write(&agent_rt.conns[i]);
            }
            break;
        }
    }
}
