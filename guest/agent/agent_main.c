/*
 * fngate-agent: PID 1 of the guest's initramfs (agent.h lists its files).
 *
 * It mounts the pseudo file systems, loads the kernel modules listed in
 * /etc/fngate-modules (in that order), opens the virtio-serial port named
 * org.fngate.agent.0 and then serves the host's frames (lib/fg_frame.h):
 * LOAD writes the function's files under /var/task, INVOKE runs the
 * handler with the event on stdin and answers RESULT, PING answers PONG,
 * SYNC (after the pool restored the guest from its snapshot) sets the
 * clock and reseeds the random pool, then answers PONG.
 *
 * Being PID 1 it must never exit: every failure is answered with a frame
 * and the loop goes on; orphaned processes are reaped between frames.
 *
 * A function with a bootstrap runs as a persistent runtime that talks to
 * the Lambda Runtime API the agent serves on 127.0.0.1:9001
 * (agent_runtime.c, agent_rtapi.c).
 *
 * For tests on the host it also runs as an ordinary process:
 *     fngate-agent -f FD [-t TASK_DIR] [-c CGROUP_DIR] [-r RUNTIME_DIR]
 *                  [-p PORT]
 * serves frames on FD without mounting or loading anything, and the
 * Runtime API on 127.0.0.1:PORT (default: a free port).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "agent.h"

#define AGENT_RT_PORT     9001
#define AGENT_FRAME_MS    30000   /* a frame's bytes must all come within */

agent_t  agent = {
    .task_dir = "/var/task",
    .cgroup_dir = "/sys/fs/cgroup",
    .runtime_dir = "/var/runtime",
};


uint64_t
agent_now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


int
agent_file_write(const char *path, const char *s)
{
    int      fd;
    ssize_t  n;
    size_t   len = strlen(s);

    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    n = write(fd, s, len);
    close(fd);
    return n == (ssize_t) len ? 0 : -1;
}


ssize_t
agent_file_read(const char *path, char *buf, size_t size)
{
    int      fd;
    ssize_t  n;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) {
        return -1;
    }
    buf[n] = '\0';
    return n;
}


static int
agent_tree_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
    (void) st;
    (void) flag;
    if (ftw->level > 0 && remove(path) < 0) {
        agent_log("remove %s: %s", path, strerror(errno));
    }
    return 0;
}


void
agent_tree_empty(const char *dir)
{
    nftw(dir, agent_tree_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}


void
agent_tree_move(const char *from, const char *to, const char *keep)
{
    char            a[PATH_MAX], b[PATH_MAX];
    struct dirent  *e;
    struct stat     st;
    DIR            *d = opendir(from);

    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
        if (keep != NULL && strcmp(e->d_name, keep) == 0
            && lstat(a, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0)
        {
            continue;
        }
        if (to == NULL) {
            agent_tree_empty(a);
            if (remove(a) < 0 && errno != ENOENT) {
                agent_log("remove %s: %s", a, strerror(errno));
            }
            continue;
        }
        snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
        if (rename(a, b) < 0) {
            agent_log("rename %s %s: %s", a, b, strerror(errno));
        }
    }
    closedir(d);
}


void
agent_code_new(void)
{
    agent.code_gen = ++agent.gens;
}


/* Closes the pipe ends of fds[n] that are open (-1: not) and marks them
 * closed. */
void
agent_fds_close(int *fds, unsigned n)
{
    unsigned  i;

    for (i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}


void
agent_reap(void)
{
    pid_t  pid;
    int    st;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (pid == agent_rt.pid && !agent_rt.reaped) {
            agent_rt.reaped = true;
            agent_rt.wstatus = st;
        } else {
            agent_slot_reaped(pid, st);
        }
    }
}


/* After a malformed frame the stream cannot be trusted: drop what is
 * pending so the next frame starts clean. */
static void
agent_main_drain(int fd)
{
    char           buf[4096];
    struct pollfd  p = { .fd = fd, .events = POLLIN };

    while (poll(&p, 1, 50) > 0 && (p.revents & POLLIN)
        && !(p.revents & POLLHUP))
    {
        if (read(fd, buf, sizeof(buf)) <= 0) {
            break;
        }
    }
}


static void
agent_main_frame(int fd, const fg_frame_t *f)
{
    char  path[PATH_MAX + 64], msg[256];
    int   mode;

    switch (f->type) {
    case FG_FRAME_LOAD:
        if (agent_slot_select(f, msg, sizeof(msg)) < 0) {
            agent_reply_error(fd, f->seq, msg);
            break;
        }
        agent_runtime_stop();                      /* its code is going away */
        agent_code_new();
        agent_load_handle(fd, f);
        break;
    case FG_FRAME_INVOKE:
        if (agent_rt.active) {
            agent_reply_error(fd, f->seq, "a call is in flight");
            break;
        }
        if (agent_slot_select(f, msg, sizeof(msg)) < 0) {
            agent_reply_error(fd, f->seq, msg);
            break;
        }
        mode = agent_runtime_bootstrap(f, path, sizeof(path), msg,
            sizeof(msg));
        if (mode == 1 && agent_rt.listen_fd >= 0) {
            agent_runtime_invoke(fd, f, path);
        } else if (mode == 1 || mode < 0) {
            agent_result_t  res = { .status = "failed" };
            char            rid[FG_RTAPI_ID_MAX + 1];

            snprintf(res.message, sizeof(res.message), "%s", mode < 0 ? msg
                : "the Runtime API is not available in this guest");
            agent_msg_request_id(f, rid, sizeof(rid));
            agent_reply_result(fd, f->seq, rid, &res, NULL, false, 0);
        } else {
            agent_runtime_stop();
            agent_invoke_handle(fd, f);
        }
        break;
    case FG_FRAME_SYNC:
        agent_sync_handle(fd, f);
        break;
    case FG_FRAME_SUSPEND:
        agent_suspend_handle(fd, f);
        break;
    case FG_FRAME_RESUME:
        agent_resume_handle(fd, f);
        break;
    case FG_FRAME_PING: {
        fg_buf_t  b = { 0 };

        if (fg_frame_begin(&b, FG_FRAME_PONG, f->seq) == 0
            && fg_frame_end(&b) == 0)
        {
            agent_reply_send(fd, &b);
        }
        fg_buf_free(&b);
        break;
    }
    default:
        agent_reply_error(fd, f->seq, "unexpected frame type");
        break;
    }
}


/*
 * The one loop: the host's port, and the Runtime API with the runtime's
 * pipes.  A frame from the host is read whole once its first bytes come
 * (the host writes frames at once); everything else is non-blocking.
 */
static void
agent_main_serve(int fd, bool is_port)
{
    fg_buf_t    buf = { 0 };
    fg_frame_t  f;
    bool        connected = false;

    for ( ;; ) {
        struct pollfd  p[5 + AGENT_RT_CONNS];
        int            np = 0, rc, wait_ms, iconn[AGENT_RT_CONNS];
        int            ilisten = -1, iout = -1, ierr = -1, ipid = -1;
        unsigned       i;
        uint64_t       now;

        agent_reap();
        if (agent_rt.reaped && agent_rt.pid > 0) {
            agent_runtime_exited();
        }
        now = agent_now_us();
        if (agent_rt.active && now >= agent_rt.deadline_us) {
            agent_runtime_kill();
            agent_runtime_finish("timeout", 0, NULL, 0, NULL,
                "timed out after %llu ms",
                (unsigned long long) agent_rt.req.timeout_ms);
            agent_runtime_cleanup();
        }

        wait_ms = connected ? 1000 : 0;
        if (agent_rt.active && wait_ms > 0
            && (agent_rt.deadline_us - now) / 1000 + 1 < (uint64_t) wait_ms)
        {
            wait_ms = (int) ((agent_rt.deadline_us - now) / 1000 + 1);
        }
        if (agent_rt.pid > 0 && agent_rt.pidfd < 0 && wait_ms > 10) {
            wait_ms = 10;               /* no pidfd: poll waitpid */
        }

        p[np++] = (struct pollfd) { .fd = fd, .events = POLLIN };
        if (agent_rt.listen_fd >= 0) {
            p[np] = (struct pollfd) { .fd = agent_rt.listen_fd,
                                      .events = POLLIN };
            ilisten = np++;
        }
        for (i = 0; i < AGENT_RT_CONNS; i++) {
            agent_rtapi_conn_t  *c = &agent_rt.conns[i];

            iconn[i] = -1;
            if (c->fd < 0) {
                continue;
            }
            p[np] = (struct pollfd) { .fd = c->fd, .events = POLLIN };
            if (c->out.len > c->out_off) {
                p[np].events |= POLLOUT;
            }
            iconn[i] = np++;
        }
        if (agent_rt.out_fd >= 0) {
            p[np] = (struct pollfd) { .fd = agent_rt.out_fd,
                                      .events = POLLIN };
            iout = np++;
        }
        if (agent_rt.err_fd >= 0) {
            p[np] = (struct pollfd) { .fd = agent_rt.err_fd,
                                      .events = POLLIN };
            ierr = np++;
        }
        if (agent_rt.pidfd >= 0) {
            p[np] = (struct pollfd) { .fd = agent_rt.pidfd, .events = POLLIN };
            ipid = np++;
        }

        rc = poll(p, (nfds_t) np, wait_ms);
        if (rc < 0 && errno != EINTR) {
            agent_log("poll: %s", strerror(errno));
            sleep(1);
            continue;
        }
        if (rc > 0) {
            if (iout >= 0 && p[iout].revents) {
                agent_runtime_log_read(&agent_rt.out_fd);
            }
            if (ierr >= 0 && p[ierr].revents) {
                agent_runtime_log_read(&agent_rt.err_fd);
            }
            if (ilisten >= 0 && p[ilisten].revents) {
                agent_rtapi_accept();
            }
            for (i = 0; i < AGENT_RT_CONNS; i++) {
                agent_rtapi_conn_t  *c = &agent_rt.conns[i];

                if (iconn[i] < 0 || c->fd < 0 || p[iconn[i]].revents == 0) {
                    continue;
                }
                if (p[iconn[i]].revents & POLLOUT) {
                    agent_rtapi_conn_write(c);
                }
                if (c->fd >= 0
                    && (p[iconn[i]].revents & (POLLIN | POLLHUP | POLLERR)))
                {
                    agent_rtapi_conn_read(c);
                }
            }
            if (ipid >= 0 && p[ipid].revents && agent_rt.pid > 0
                && !agent_rt.reaped
                && waitpid(agent_rt.pid, &agent_rt.wstatus, WNOHANG)
                   == agent_rt.pid)
            {
                agent_rt.reaped = true;
            }
        }
        if (agent_rt.pid > 0 && agent_rt.pidfd < 0 && !agent_rt.reaped
            && waitpid(agent_rt.pid, &agent_rt.wstatus, WNOHANG)
               == agent_rt.pid)
        {
            agent_rt.reaped = true;
        }

        /*
         * A virtio port reports POLLHUP while no host is connected to its
         * socket; what is written then is lost, so HELLO goes out each
         * time a host (re)connects.
         */
        if (p[0].revents & POLLHUP) {
            if (!is_port) {
                break;
            }
            connected = false;
            usleep(20000);
            continue;
        }
        if (!connected) {
            connected = true;
            agent_reply_hello(fd);
        }
        if (rc <= 0 || !(p[0].revents & POLLIN)) {
            continue;
        }

        if (fg_frame_read(fd, &buf, &f, AGENT_FRAME_MS) < 0) {
            if (errno == EPROTO || errno == ETIMEDOUT) {
                agent_log("bad frame from host: %s", strerror(errno));
                agent_reply_error(fd, 0, "malformed frame");
                agent_main_drain(fd);
                continue;
            }
            if (!is_port) {
                break;                     /* test mode: peer closed */
            }
            usleep(20000);
            continue;
        }
        agent_main_frame(fd, &f);
        /* Large LOADs should not pin memory between calls. */
        if (buf.cap > 1024 * 1024) {
            fg_buf_free(&buf);
        }
    }
    fg_buf_free(&buf);
    agent_runtime_stop();           /* test mode: leave nothing behind */
}


int
main(int argc, char **argv)
{
    int       fd = -1, opt;
    bool      cg_given = false;
    unsigned  port = 0;

    signal(SIGPIPE, SIG_IGN);
    agent.pid1 = getpid() == 1;

    while (!agent.pid1 && (opt = getopt(argc, argv, "f:t:c:r:p:")) != -1) {
        switch (opt) {
        case 'f': fd = atoi(optarg); break;
        case 't': agent.task_dir = optarg; break;
        case 'c': agent.cgroup_dir = optarg; cg_given = true; break;
        case 'r': agent.runtime_dir = optarg; break;
        case 'p': port = (unsigned) atoi(optarg) & 0xffff; break;
        default:
            fprintf(stderr, "usage: fngate-agent -f FD [-t TASK_DIR] "
                "[-c CGROUP_DIR] [-r RUNTIME_DIR] [-p PORT]\n");
            return 2;
        }
    }

    if (!agent.pid1) {
        if (fd < 0) {
            fprintf(stderr, "fngate-agent: not PID 1; use -f FD\n");
            return 2;
        }
        if (!cg_given) {
            agent.cgroup_dir = NULL;       /* the host's cgroups: only -c */
        }
        agent_cgroup_setup();
        agent_rtapi_listen(port);
        agent_main_serve(fd, false);
        return 0;
    }

    agent.tmp_dir = "/tmp";
    agent.sandbox = true;
    agent_boot_run();
    agent_boot_lo_up();
    agent_rtapi_listen(AGENT_RT_PORT);
    for ( ;; ) {
        fd = agent_boot_open_port();
        if (fd >= 0) {
            break;
        }
        agent_log("no virtio port named %s; retrying", AGENT_PORT_NAME);
        sleep(1);
    }
    agent_main_serve(fd, true);
    /* not reached: PID 1 never returns */
    for ( ;; ) {
        pause();
    }
}
