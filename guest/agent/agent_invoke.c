/*
 * agent_invoke: a one-shot INVOKE runs the handler (a file under the task
 * directory) with the event on stdin, in a cgroup of its own (or under
 * RLIMIT_AS) and the sandbox, and answers RESULT; agent_invoke_child is
 * also the persistent runtime's child.  An INVOKE with "init_only" runs
 * nothing: a one-shot handler has no init (the LOAD put its code in
 * place), so it is ready and answered "ok" at once.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "agent.h"
#include "agent_sandbox.h"


/* Child side: runs path with env in cgdir (or under RLIMIT_AS); never
 * returns. */
void
agent_invoke_child(const char *path, char **env, uint64_t memory_mb, int in,
    int out, int err, int status_fd, const char *cgdir)
{
    char              cgpath[PATH_MAX + 64], *argv[3];
    struct rlimit     rl;
    sigset_t          none;
    int               e;

    setsid();
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);

    if (cgdir != NULL) {
        snprintf(cgpath, sizeof(cgpath), "%s/cgroup.procs", cgdir);
        if (agent_file_write(cgpath, "0") < 0) {
            cgdir = NULL;
        }
    }
    if (cgdir == NULL) {
        rl.rlim_cur = rl.rlim_max = (rlim_t) memory_mb * 1024 * 1024;
        setrlimit(RLIMIT_AS, &rl);
    }
    if (agent.pid1) {
        agent_file_write("/proc/self/oom_score_adj", "0");
    }

    if (agent.sandbox) {
        char  msg[256];

        if (agent_sandbox_enter(agent.sbx_id, agent.sbx_id, msg,
                sizeof(msg)) < 0)
        {
            agent_log("%s", msg);
            errno = EPERM;
            goto fail;
        }
    }
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        goto fail;
    }
    if (chdir(agent.task_dir) < 0) {
        goto fail;
    }
    argv[0] = (char *) path;
    argv[1] = NULL;
    execve(path, argv, env);
    if (errno == ENOEXEC) {
        /* A script without "#!": as execvp does, give it to the shell. */
        argv[0] = (char *) "/bin/sh";
        argv[1] = (char *) path;
        argv[2] = NULL;
        execve("/bin/sh", argv, env);
    }

fail:
    e = errno;
    if (write(status_fd, &e, sizeof(e)) < 0) { }
    _exit(127);
}


static void
agent_invoke_run(const agent_msg_invoke_t *r, agent_result_t *res)
{
    int        in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    int        st[2] = { -1, -1 }, pidfd = -1, wstatus = 0, e;
    char       cgdir[256], buf[65536], **env = NULL;
    bool       have_cg, killed_large = false, killed_timeout = false;
    bool       exited = false;
    size_t     in_off = 0;
    uint64_t   start, deadline;
    pid_t      pid;
    struct rusage  ru;
    ssize_t    n;

    memset(&ru, 0, sizeof(ru));

    res->status = "failed";
    have_cg = agent_cgroup_make(cgdir, sizeof(cgdir), "call",
        r->memory_mb) == 0;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0
        || pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
    {
        snprintf(res->message, sizeof(res->message), "pipe: %s",
            strerror(errno));
        goto cleanup;
    }

    env = agent_msg_call_env(r);
    if (env == NULL) {
        snprintf(res->message, sizeof(res->message), "out of memory");
        goto cleanup;
    }

    start = agent_now_us();
    pid = fork();
    if (pid < 0) {
        snprintf(res->message, sizeof(res->message), "fork: %s",
            strerror(errno));
        goto cleanup;
    }
    if (pid == 0) {
        char  path[PATH_MAX + 64];

        snprintf(path, sizeof(path), "%s/%s", agent.task_dir, r->handler);
        agent_invoke_child(path, env, r->memory_mb, in[0], out[1], err[1],
            st[1], have_cg ? cgdir : NULL);
    }

    close(in[0]);  in[0] = -1;
    close(out[1]); out[1] = -1;
    close(err[1]); err[1] = -1;
    close(st[1]);  st[1] = -1;

    /* exec succeeded when the status pipe closes without data. */
    n = read(st[0], &e, sizeof(e));
    if (n == (ssize_t) sizeof(e)) {
        waitpid(pid, NULL, 0);
        snprintf(res->message, sizeof(res->message), "exec %s: %s",
            r->handler, strerror(e));
        goto cleanup;
    }

    pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    if (r->event_len == 0) {
        close(in[1]);
        in[1] = -1;
    }
    deadline = start + r->timeout_ms * 1000;

    /*
     * Feed stdin, drain stdout and stderr, until the handler exits (its
     * pidfd turns readable) or the timeout passes.  Descendants that keep
     * the pipes open do not keep the call going: once the handler is gone,
     * its whole group is killed.
     */
    while (!exited) {
        struct pollfd  pfd[4];
        int            np = 0, iin = -1, iout = -1, ierr = -1, ipid = -1;
        uint64_t       now = agent_now_us();
        int            wait_ms;

        if (now >= deadline) {
            killed_timeout = true;
            break;
        }
        wait_ms = (int) ((deadline - now + 999) / 1000);
        if (pidfd < 0 && wait_ms > 10) {
            wait_ms = 10;                  /* no pidfd: poll waitpid */
        }

        if (in[1] >= 0) {
            pfd[np] = (struct pollfd) { .fd = in[1], .events = POLLOUT };
            iin = np++;
        }
        if (out[0] >= 0) {
            pfd[np] = (struct pollfd) { .fd = out[0], .events = POLLIN };
            iout = np++;
        }
        if (err[0] >= 0) {
            pfd[np] = (struct pollfd) { .fd = err[0], .events = POLLIN };
            ierr = np++;
        }
        if (pidfd >= 0) {
            pfd[np] = (struct pollfd) { .fd = pidfd, .events = POLLIN };
            ipid = np++;
        }
        if (poll(pfd, np, wait_ms) < 0 && errno != EINTR) {
            break;
        }

        if (iin >= 0 && pfd[iin].revents) {
            n = write(in[1], r->event + in_off, r->event_len - in_off);
            if (n > 0) {
                in_off += (size_t) n;
            }
            if ((n < 0 && errno != EAGAIN && errno != EINTR)
                || in_off == r->event_len)
            {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (iout >= 0 && pfd[iout].revents) {
            n = read(out[0], buf, sizeof(buf));
            if (n > 0) {
                if (res->out.len + (size_t) n > r->max_output) {
                    killed_large = true;
                    break;
                }
                if (fg_buf_append(&res->out, buf, (size_t) n) < 0) {
                    killed_large = true;
                    break;
                }
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(out[0]);
                out[0] = -1;
            }
        }
        if (ierr >= 0 && pfd[ierr].revents) {
            n = read(err[0], buf, sizeof(buf));
            if (n > 0) {
                agent_reply_log_keep(res, buf, (size_t) n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(err[0]);
                err[0] = -1;
            }
        }
        if ((ipid >= 0 && pfd[ipid].revents) || pidfd < 0) {
            if (wait4(pid, &wstatus, WNOHANG, &ru) == pid) {
                exited = true;
            }
        }
    }

    if (!exited) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        if (wait4(pid, &wstatus, 0, &ru) == pid) {
            exited = true;
        }
    }
    res->duration_us = agent_now_us() - start;

    /* Take what the handler wrote before it exited. */
    if (!killed_large && !killed_timeout) {
        while (out[0] >= 0 && (n = read(out[0], buf, sizeof(buf))) > 0) {
            if (res->out.len + (size_t) n > r->max_output
                || fg_buf_append(&res->out, buf, (size_t) n) < 0)
            {
                killed_large = true;
                break;
            }
        }
    }
    while (err[0] >= 0 && (n = read(err[0], buf, sizeof(buf))) > 0) {
        agent_reply_log_keep(res, buf, (size_t) n);
    }

    kill(-pid, SIGKILL);

    if (have_cg) {
        uint64_t  peak = agent_cgroup_read_key(cgdir, "memory.peak", NULL);

        res->max_rss_kb = peak / 1024;
        if (agent_cgroup_read_key(cgdir, "memory.events", "oom_kill") > 0) {
            res->status = "oom";
        }
    }
    if (res->max_rss_kb == 0 && exited) {
        res->max_rss_kb = (uint64_t) ru.ru_maxrss;  /* the handler alone */
    }

    res->code = 0;
    if (killed_large) {
        res->out.len = 0;              /* a partial result is no result */
        res->status = "too_large";
        snprintf(res->message, sizeof(res->message),
            "output over %llu bytes", (unsigned long long) r->max_output);
    } else if (killed_timeout) {
        res->status = "timeout";
        snprintf(res->message, sizeof(res->message),
            "timed out after %llu ms", (unsigned long long) r->timeout_ms);
    } else if (strcmp(res->status, "oom") == 0) {
        res->code = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus)
            : WEXITSTATUS(wstatus);
        snprintf(res->message, sizeof(res->message),
            "out of memory (limit %llu MB)",
            (unsigned long long) r->memory_mb);
    } else if (WIFSIGNALED(wstatus)) {
        res->status = "signal";
        res->code = WTERMSIG(wstatus);
        snprintf(res->message, sizeof(res->message), "killed by signal %d",
            res->code);
    } else if (WEXITSTATUS(wstatus) != 0) {
        res->status = "error";
        res->code = WEXITSTATUS(wstatus);
        snprintf(res->message, sizeof(res->message), "exit status %d",
            res->code);
    } else {
        res->status = "ok";
    }

cleanup:
    if (env != NULL) {
        /* the call's credentials leave no copy behind */
        for (e = (int) r->nenv; env[e] != NULL; e++) {
            explicit_bzero(env[e], strlen(env[e]));
        }
        free(env);
    }
    if (have_cg) {
        agent_cgroup_remove(cgdir);
    } else if (agent.sandbox) {
        agent_sandbox_kill_uid(agent.sbx_id);   /* the call's, wherever */
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    agent_fds_close(in, 2);
    agent_fds_close(out, 2);
    agent_fds_close(err, 2);
    agent_fds_close(st, 2);
}


void
agent_invoke_handle(int fd, const fg_frame_t *f)
{
    agent_msg_invoke_t  req;
    agent_result_t  res;
    char          msg[256] = "";

    memset(&res, 0, sizeof(res));
    if (agent_msg_invoke_parse(f, &req, false, agent.task_dir, msg,
            sizeof(msg)) < 0)
    {
        res.status = "failed";
        snprintf(res.message, sizeof(res.message), "%s", msg);
    } else if (req.init_only) {
        res.status = "ok";
    } else {
        agent_invoke_run(&req, &res);
    }
    agent_reply_result(fd, f->seq, req.request_id, &res, NULL, false, 0);
    fg_buf_free(&res.out);
    agent_msg_invoke_free(&req);
}
