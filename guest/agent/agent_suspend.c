/*
 * agent_suspend: SUSPEND and RESUME, a persistent runtime's call set aside
 * while it waits on another call, and brought back (docs/suspend.md).
 *
 * SUSPEND checkpoints the runtime's process tree with CRIU (the runtime
 * disk's .criu, run through its own dynamic loader) into AGENT_SUSP_DIR,
 * TCP connections included: the kernel holds their peers' packets back
 * (CRIU's network lock) until RESUME.  The tree is gone then, and the
 * sandbox is set aside with it: the call's state (agent_rt), its code
 * (the task dir), its /tmp and its uid.  The guest is like one with no
 * code loaded, so the host may run other calls of the same account in it.
 *
 * RESUME ends whatever runs in the guest meanwhile, puts the sandbox back
 * and restores the tree with the same pids, its pipes to the agent and
 * its connections (the Runtime API's, the one waiting on the gateway).
 * Time spent suspended is not the call's: its duration skips it.
 *
 * One call at a time may be suspended in a guest; only the PID-1 agent
 * suspends (it reaps what CRIU restores).
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "agent.h"
#include "agent_sandbox.h"

#define AGENT_SUSP_DIR      "/var/suspend"
#define AGENT_SUSP_IMAGES   AGENT_SUSP_DIR "/images"
#define AGENT_SUSP_NAME     "suspended"   /* its sandbox's files, aside */
#define AGENT_SUSP_CRIU     ".criu"       /* under the runtime dir */
#define AGENT_SUSP_ARGS     32

/* The call set aside, and what of the sandbox goes with it. */
static struct {
    bool        valid;
    agent_rt_t  rt;             /* the call and its runtime, as they were */
    unsigned    sbx_id;
    unsigned    code_gen;
    unsigned    slot;           /* the sandbox it was in */
    uint64_t    since_us;       /* when the checkpoint began */
} agent_susp;

static uint64_t  agent_susp_bytes;


static int
agent_suspend_size_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
    (void) path;
    (void) ftw;
    if (flag == FTW_F) {
        agent_susp_bytes += (uint64_t) st->st_size;
    }
    return 0;
}


/*
 * Runs CRIU with args (after the binary's name), fds[i] given to it as
 * fd 3 + i; waits for it.  0 when it exited 0; else -1 with the end of
 * its log (AGENT_SUSP_IMAGES/log) in msg.
 */
static int
agent_suspend_criu(const char *const *args, const int *fds, unsigned nfds,
    char *msg, size_t msize)
{
    char         loader[PATH_MAX], libs[PATH_MAX], bin[PATH_MAX];
    char         log[4096], *tail;
    const char  *argv[AGENT_SUSP_ARGS + 8];
    unsigned     i, n = 0;
    pid_t        pid;
    int          st, devnull;

    snprintf(loader, sizeof(loader), "%s/" AGENT_SUSP_CRIU
        "/lib/ld-linux-x86-64.so.2", agent.runtime_dir);
    snprintf(libs, sizeof(libs), "%s/" AGENT_SUSP_CRIU "/lib",
        agent.runtime_dir);
    snprintf(bin, sizeof(bin), "%s/" AGENT_SUSP_CRIU "/criu",
        agent.runtime_dir);
    if (access(bin, X_OK) < 0) {
        snprintf(msg, msize, "no CRIU in this guest image");
        return -1;
    }
    argv[n++] = loader;
    argv[n++] = "--library-path";
    argv[n++] = libs;
    argv[n++] = bin;
    for (i = 0; args[i] != NULL && n < AGENT_SUSP_ARGS + 6; i++) {
        argv[n++] = args[i];
    }
    argv[n++] = "--log-file";
    argv[n++] = "log";
    argv[n] = NULL;

    pid = fork();
    if (pid < 0) {
        snprintf(msg, msize, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* fds[] to 3.., through numbers above them so none is lost */
        for (i = 0; i < nfds; i++) {
            int  hi = fcntl(fds[i], F_DUPFD, 64);

            if (hi < 0 || dup2(hi, 3 + (int) i) < 0) {
                _exit(126);
            }
        }
        devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        for (i = 3 + nfds; i < 1024; i++) {
            close((int) i);
        }
        execv(loader, (char *const *) argv);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        return 0;
    }
    log[0] = '\0';
    agent_file_read(AGENT_SUSP_IMAGES "/log", log, sizeof(log));
    /* the last error line says most */
    tail = strstr(log, "Error");
    while (tail != NULL && strstr(tail + 1, "Error") != NULL) {
        tail = strstr(tail + 1, "Error");
    }
    if (tail != NULL) {
        tail[strcspn(tail, "\n")] = '\0';
    }
    snprintf(msg, msize, "criu %s: exit 0x%x: %s", args[0], st,
        tail != NULL ? tail : "(no error in its log)");
    agent_log("%s", msg);
    return -1;
}


/* PONG for SUSPEND or RESUME: "status", "message", "took_us", "bytes". */
static void
agent_suspend_reply(int fd, uint32_t seq, bool ok, const char *msg,
    uint64_t took_us, uint64_t bytes)
{
    fg_buf_t  b = { 0 };

    if (fg_frame_begin(&b, FG_FRAME_PONG, seq) == 0
        && fg_frame_add_str(&b, "status", ok ? "ok" : "no") == 0
        && fg_frame_add_str(&b, "message", msg) == 0
        && fg_frame_add_u64(&b, "took_us", took_us) == 0
        && fg_frame_add_u64(&b, "bytes", bytes) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_reply_send(fd, &b);
    }
    fg_buf_free(&b);
}



void
agent_suspend_handle(int fd, const fg_frame_t *f)
{
    char         pid[16], msg[512];
    const char  *args[] = { "dump", "-t", pid, "-D", AGENT_SUSP_IMAGES,
                            "--tcp-established", "--network-lock",
                            "nftables", "--file-locks", NULL };
    uint64_t     t0 = agent_now_us();

    if (!agent.pid1 || agent_susp.valid || !agent_rt.active
        || !agent_rt.delivered || agent_rt.pid <= 0 || agent_rt.reaped)
    {
        agent_suspend_reply(fd, f->seq, false, !agent.pid1
            ? "only a guest's agent suspends" : agent_susp.valid
            ? "a call is suspended in this guest already"
            : "no call of a persistent runtime is running", 0, 0);
        return;
    }

    /* what the runtime logged so far stays with its call */
    agent_runtime_log_read(&agent_rt.out_fd);
    agent_runtime_log_read(&agent_rt.err_fd);

    agent_tree_empty(AGENT_SUSP_DIR);
    if (mkdir(AGENT_SUSP_DIR, 0700) < 0 && errno != EEXIST) {
        snprintf(msg, sizeof(msg), "mkdir %s: %s", AGENT_SUSP_DIR,
            strerror(errno));
        agent_suspend_reply(fd, f->seq, false, msg, 0, 0);
        return;
    }
    mkdir(AGENT_SUSP_IMAGES, 0700);
    snprintf(pid, sizeof(pid), "%d", (int) agent_rt.pid);
    if (agent_suspend_criu(args, NULL, 0, msg, sizeof(msg)) < 0) {
        /* CRIU leaves the tree running when it fails */
        agent_tree_empty(AGENT_SUSP_DIR);
        agent_suspend_reply(fd, f->seq, false, msg, agent_now_us() - t0, 0);
        return;
    }
    /* the tree is dead now: its pid must be free for RESUME */
    agent_runtime_kill();
    agent_susp_bytes = 0;
    nftw(AGENT_SUSP_IMAGES, agent_suspend_size_entry, 16, FTW_PHYS);

    /* The sandbox goes aside with the call: its code, its /tmp, its uid. */
    agent_files_aside(AGENT_SUSP_NAME);
    if (agent_rt.pidfd >= 0) {
        close(agent_rt.pidfd);
        agent_rt.pidfd = -1;
    }
    agent_susp.rt = agent_rt;
    agent_susp.rt.reaped = false;
    agent_susp.sbx_id = agent.sbx_id;
    agent_susp.code_gen = agent.code_gen;
    agent_susp.slot = agent.slot;
    agent_susp.since_us = t0;
    agent_susp.valid = true;
    agent_runtime_set(NULL);
    agent.sbx_id = 0;
    agent_code_new();               /* the sandbox holds no code now */

    agent_log("suspended request %s (runtime %s) in %llu us, %llu bytes",
        agent_susp.rt.req.request_id ? agent_susp.rt.req.request_id : "?",
        pid, (unsigned long long) (agent_now_us() - t0),
        (unsigned long long) agent_susp_bytes);
    agent_suspend_reply(fd, f->seq, true, "", agent_now_us() - t0,
        agent_susp_bytes);
}


/* The guest's code and runtime since SUSPEND go; the sandbox comes back. */
static void
agent_suspend_sandbox_back(void)
{
    agent_runtime_stop();
    agent_runtime_set(NULL);
    if (agent.sbx_id != agent_susp.sbx_id && agent.sbx_id != 0
        && agent_sandbox_kill_uid(agent.sbx_id) < 0)
    {
        agent_log("kill the processes of uid %u: %s", agent.sbx_id,
            strerror(errno));
    }
    agent_reap();
    agent_files_back(AGENT_SUSP_NAME);
    agent.sbx_id = agent_susp.sbx_id;
    agent.code_gen = agent_susp.code_gen;
    agent_runtime_forget_bootstrap();
}


void
agent_resume_handle(int fd, const fg_frame_t *f)
{
    char         inherit[2][48], msg[512];
    const char  *args[AGENT_SUSP_ARGS];
    int          fds[2] = { -1, -1 };
    int          pipes[2] = { agent_susp.rt.out_fd, agent_susp.rt.err_fd };
    unsigned     n = 0, nfds = 0, i;
    uint64_t     t0 = agent_now_us(), away;
    struct stat  st;
    bool         ok;

    if (!agent_susp.valid || agent_rt.active) {
        agent_suspend_reply(fd, f->seq, false, agent_rt.active
            ? "a call is in flight" : "no call is suspended in this guest",
            0, 0);
        return;
    }
    /* back into the sandbox it left (the host runs nothing in the guest
     * while it resumes) */
    if (agent_slot_switch(agent_susp.slot, msg, sizeof(msg)) < 0) {
        agent_log("resume: %s", msg);
    }
    agent_suspend_sandbox_back();

    args[n++] = "restore";
    args[n++] = "-D";
    args[n++] = AGENT_SUSP_IMAGES;
    args[n++] = "--tcp-established";
    args[n++] = "--file-locks";
    args[n++] = "--restore-detached";
    args[n++] = "--restore-sibling";
    /* The runtime's stdout and stderr are the agent's pipes still: CRIU
     * is given new write ends of the same pipes to put back. */
    for (i = 0; i < 2; i++) {
        if (pipes[i] < 0 || fstat(pipes[i], &st) < 0) {
            continue;
        }
        snprintf(msg, sizeof(msg), "/proc/self/fd/%d", pipes[i]);
        fds[nfds] = open(msg, O_WRONLY | O_CLOEXEC);
        if (fds[nfds] >= 0) {
            snprintf(inherit[nfds], sizeof(inherit[nfds]),
                "fd[%u]:pipe:[%llu]", 3 + nfds,
                (unsigned long long) st.st_ino);
            args[n++] = "--inherit-fd";
            args[n++] = inherit[nfds];
            nfds++;
        }
    }
    args[n] = NULL;

    msg[0] = '\0';
    ok = agent_suspend_criu(args, fds, nfds, msg, sizeof(msg)) == 0;
    agent_fds_close(fds, 2);

    agent_runtime_set(&agent_susp.rt);
    agent_susp.valid = false;
    away = agent_now_us() - agent_susp.since_us;
    /* the time away is not the call's */
    agent_rt.call_us += away;
    agent_rt.delivered_us += away;

    if (ok) {
        agent_rt.pidfd = (int) syscall(SYS_pidfd_open, agent_rt.pid, 0);
        agent_log("resumed request %s (runtime %d) in %llu us, %llu ms away",
            agent_rt.req.request_id ? agent_rt.req.request_id : "?",
            (int) agent_rt.pid, (unsigned long long) (agent_now_us() - t0),
            (unsigned long long) (away / 1000));
        agent_suspend_reply(fd, f->seq, true, "", agent_now_us() - t0, 0);
    } else {
        /* PONG first: the host reads its RESULT after it */
        agent_suspend_reply(fd, f->seq, false, msg, agent_now_us() - t0, 0);
        agent_rt.pid = 0;
        agent_runtime_finish("failed", 0, NULL, 0, NULL,
            "the call could not be resumed: %s", msg);
        agent_runtime_cleanup();
    }
    agent_tree_empty(AGENT_SUSP_IMAGES);
}
