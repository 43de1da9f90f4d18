/*
 * fngate-agent: what the agent's files share (see agent_main.c for what
 * the agent is).  One file per concern, each function named
 * agent_<concern>_<verb>:
 *
 *     agent_main.c     main, the one poll loop, frame dispatch, and the
 *                      small helpers every file uses (log, clock, files)
 *     agent_boot.c     PID 1's start-up: mounts, modules, hardening, lo,
 *                      the host's virtio port
 *     agent_msg.c      what the host sends, checked and parsed (pure: no
 *                      file system, no globals; CUnit and libFuzzer)
 *     agent_reply.c    what the agent sends the host, and a call's log
 *     agent_load.c     LOAD: the function's files under the task dir
 *     agent_invoke.c   one-shot INVOKE: the handler's child and its call
 *     agent_cgroup.c   per-call and per-runtime cgroups, their counters
 *     agent_sync.c     SYNC: a restored guest's clock and random pool
 *     agent_runtime.c  the persistent runtime: its process and its calls
 *     agent_rtapi.c    the Lambda Runtime API server the runtime talks to
 *     agent_sandbox.c  the sandbox the function's code runs in
 *     agent_slot.c     the sandboxes a guest holds, one current, the
 *                      others set aside with their runtime frozen
 *     agent_suspend.c  SUSPEND and RESUME: a waiting call set aside (CRIU)
 */

#ifndef AGENT_H
#define AGENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fg_frame.h"
#include "fg_rtapi.h"
#include "fg_util.h"
#include "agent_msg.h"

#define AGENT_PORT_NAME   "org.fngate.agent.0"
#define AGENT_STDERR_KEEP 4096
#define AGENT_RT_CONNS    16
/* The agent's own directory in /tmp (root only): the /tmp entries of a
 * sandbox set aside wait there. */
#define AGENT_TMP_OWN     ".fngate"
/* Beside the task directory (TASK_DIR.aside, root only): the task
 * directories of sandboxes set aside. */
#define AGENT_SLOT_ASIDE  ".aside"
/* Sandboxes a guest may hold (LOAD's and INVOKE's "sandbox"). */
#define AGENT_SLOTS       8

typedef struct {
    const char  *task_dir;      /* /var/task */
    const char  *cgroup_dir;    /* /sys/fs/cgroup, or NULL: none */
    const char  *runtime_dir;   /* /var/runtime: the image's runtimes */
    const char  *tmp_dir;       /* /tmp, emptied when code changes hands;
                                   NULL: none (host tests) */
    bool         pid1;
    bool         sandbox;       /* code runs as sbx_id (PID 1 only) */
    unsigned     sbx_id;        /* the uid and gid of the code loaded */
    bool         cgroup_ok;     /* memory controller usable */
    unsigned     ncall;         /* names the per-call cgroups */
    unsigned     slot;          /* the current sandbox (agent_slot.c) */
    unsigned     code_gen;      /* names the current sandbox's code */
    unsigned     gens;          /* code_gen's given (agent_code_new) */
    unsigned     rt_port;       /* the Runtime API's, 0: none */
} agent_t;

extern agent_t  agent;

/* What a call came to (a one-shot handler's or a runtime's). */
typedef struct {
    const char *status;
    int         code;              /* exit status or signal */
    fg_buf_t    out;
    char        err[AGENT_STDERR_KEEP];
    size_t      err_len;           /* bytes in err (ring) */
    size_t      err_pos;           /* next write position */
    uint64_t    duration_us;
    uint64_t    max_rss_kb;
    char        message[256];
} agent_result_t;

/* A connection of the persistent runtime to the Runtime API. */
typedef struct {
    int         fd;             /* -1: a free slot */
    fg_buf_t    in;             /* bytes read, not yet handled */
    fg_buf_t    out;            /* reply being written */
    size_t      out_off;
    bool        parked;         /* a GET .../next waiting for an event */
    bool        close;          /* close once out is written */
} agent_rtapi_conn_t;

/* The persistent runtime, its Runtime API and the call in flight. */
typedef struct {
    int                 listen_fd;
    unsigned            port;           /* bound port */
    int                 host_fd;        /* the host's port, for RESULT */
    agent_rtapi_conn_t  conns[AGENT_RT_CONNS];

    /* the runtime's process */
    pid_t               pid;            /* 0: none */
    int                 pidfd;
    int                 out_fd;
    int                 err_fd;
    char                cgdir[256];
    bool                have_cg;
    int                 peak_fd;        /* its cgroup's memory.peak, or -1 */
    int                 events_fd;      /* its cgroup's memory.events, or -1 */
    bool                polled;         /* it asked for an event (init done) */
    bool                reaped;         /* agent_reap took its exit status */
    int                 wstatus;
    fg_buf_t            sig;            /* what it was started with */
    char                path[PATH_MAX + 64];  /* its bootstrap */
    uint64_t            started_us;
    uint64_t            init_us;        /* start to its first .../next */
    uint64_t            oom_kills;      /* memory.events oom_kill at call
                                           start */

    /* the call in flight */
    bool                active;
    bool                delivered;      /* the runtime has the event */
    bool                cold;           /* this call started the runtime */
    uint32_t            seq;
    agent_msg_invoke_t  req;
    agent_result_t      res;            /* its err ring is the runtime's log */
    uint64_t            call_us;
    uint64_t            delivered_us;
    uint64_t            deadline_us;
    uint64_t            deadline_ms;    /* the same, as Unix epoch ms */
    char               *function_arn;
    char                answered[FG_RTAPI_ID_MAX + 1];  /* the last answered */
} agent_rt_t;

extern agent_rt_t  agent_rt;

/* A log line, "fngate-agent: ..." on the console. */
#define agent_log(...)  fg_log("fngate-agent", __VA_ARGS__)

/* agent_main.c */
uint64_t agent_now_us(void);
int agent_file_write(const char *path, const char *s);
ssize_t agent_file_read(const char *path, char *buf, size_t size);
void agent_fds_close(int *fds, unsigned n);
/* Removes the entries of dir (dir itself stays). */
void agent_tree_empty(const char *dir);
/* Moves the entries of from into the directory to (NULL: removes them),
 * but an entry named keep that is root's directory. */
void agent_tree_move(const char *from, const char *to, const char *keep);
/* The current sandbox's code is new: a code_gen no other had. */
void agent_code_new(void);
/* Reaps exited children; notes the runtime's exit status. */
void agent_reap(void);

/* agent_boot.c (PID 1 only) */
void agent_boot_run(void);
void agent_boot_lo_up(void);
int agent_boot_net_up(const char *addr, const char *gw);
int agent_boot_open_port(void);

/* agent_reply.c */
void agent_reply_send(int fd, fg_buf_t *b);
void agent_reply_error(int fd, uint32_t seq, const char *msg);
void agent_reply_hello(int fd);
/* Appends n bytes of a call's stderr to res's ring (the last
 * AGENT_STDERR_KEEP bytes are kept). */
void agent_reply_log_keep(agent_result_t *res, const char *p, size_t n);
void agent_reply_result(int fd, uint32_t seq, const char *request_id,
    const agent_result_t *res, const char *error_type, bool cold,
    uint64_t init_us);

/* agent_load.c */
void agent_load_handle(int fd, const fg_frame_t *f);

/* agent_invoke.c */
void agent_invoke_child(const char *path, char **env, uint64_t memory_mb,
    int in, int out, int err, int status_fd, const char *cgdir)
    __attribute__((noreturn));
void agent_invoke_handle(int fd, const fg_frame_t *f);

/* agent_cgroup.c */
void agent_cgroup_setup(void);
int agent_cgroup_make(char *dir, size_t size, const char *kind,
    uint64_t memory_mb);
uint64_t agent_cgroup_read_key(const char *dir, const char *file,
    const char *key);
uint64_t agent_cgroup_pread_key(int fd, const char *key);
void agent_cgroup_remove(const char *dir);

/* agent_sync.c */
void agent_sync_handle(int fd, const fg_frame_t *f);

/* agent_runtime.c */
void agent_runtime_log_read(int *fd);
void agent_runtime_finish(const char *status, int code, const uint8_t *body,
    size_t blen, const char *error_type, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Answers the init_only call in flight "ok": the runtime asked for an
 * event (its init is over) and stays parked for the next call's. */
void agent_runtime_init_done(void);
void agent_runtime_kill(void);
void agent_runtime_cleanup(void);
void agent_runtime_stop(void);
/* Forgets which bootstrap the code loaded has (the code changed hands
 * without a LOAD: agent_suspend.c). */
void agent_runtime_forget_bootstrap(void);
void agent_runtime_exited(void);
int agent_runtime_bootstrap(const fg_frame_t *f, char *path, size_t size,
    char *msg, size_t msize);
void agent_runtime_invoke(int fd, const fg_frame_t *f, const char *path);

/* agent_runtime.c: agent_rt becomes rt (NULL: no runtime and no call),
 * but for what is the agent's own: the Runtime API's listening socket and
 * port, and the host's channel. */
void agent_runtime_set(const agent_rt_t *rt);

/* agent_suspend.c (PID 1 only) */
void agent_suspend_handle(int fd, const fg_frame_t *f);
void agent_resume_handle(int fd, const fg_frame_t *f);

/* agent_slot.c */
/* Makes the sandbox f names ("sandbox", absent: 0) current.  0, or -1
 * with msg set (a bad number, or a call in flight in another). */
int agent_slot_select(const fg_frame_t *f, char *msg, size_t msize);
/* Makes sandbox k (< AGENT_SLOTS) current: 0, or -1 with msg set (a
 * call in flight). */
int agent_slot_switch(unsigned k, char *msg, size_t msize);
/* A child the agent reaped: a frozen runtime's, noted for its sandbox. */
void agent_slot_reaped(pid_t pid, int status);
/* Empties /tmp, but for the agent's own directory. */
void agent_tmp_clear(void);
/* The current sandbox's files (task directory, /tmp entries) set aside
 * as name, the task directory and /tmp left empty; and back (what the
 * task directory and /tmp hold then is removed). */
void agent_files_aside(const char *name);
void agent_files_back(const char *name);

/* agent_rtapi.c */
int agent_rtapi_listen(unsigned port);
void agent_rtapi_accept(void);
void agent_rtapi_conn_close(agent_rtapi_conn_t *c);
void agent_rtapi_conn_read(agent_rtapi_conn_t *c);
void agent_rtapi_conn_write(agent_rtapi_conn_t *c);
void agent_rtapi_deliver(agent_rtapi_conn_t *c);

#endif /* AGENT_H */
