/*
 * fngate-agent: PID 1 of the guest's initramfs.
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
 * the Lambda Runtime API the agent serves on 127.0.0.1:9001 (see "the
 * Lambda Runtime API" below).
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
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/random.h>

#include "fg_frame.h"
#include "fg_rtapi.h"
#include "fg_util.h"
#include "agent_sandbox.h"

#define AGENT_VERSION     "1"
#define AGENT_PORT_NAME   "org.fngate.agent.0"
#define AGENT_STDERR_KEEP 4096
#define AGENT_MAX_ENV     1024
#define AGENT_FRAME_MS    30000   /* a frame's bytes must all come within */

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
    unsigned     code_gen;      /* counts LOADs */
    unsigned     rt_port;       /* the Runtime API's, 0: none */
} agent_t;

static agent_t agent = {
    .task_dir = "/var/task",
    .cgroup_dir = "/sys/fs/cgroup",
    .runtime_dir = "/var/runtime",
};


static void
agent_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
agent_log(const char *fmt, ...)
{
    va_list  ap;
    char     line[512];

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    dprintf(2, "fngate-agent: %s\n", line);
}


static void agent_reap(void);


static uint64_t
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static int
write_file(const char *path, const char *s)
{
    int      fd;
    ssize_t  n;
    size_t   len = strlen(s);

    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = write(fd, s, len);
    close(fd);
    return n == (ssize_t) len ? 0 : -1;
}


static ssize_t
read_file(const char *path, char *buf, size_t size)
{
    int      fd;
    ssize_t  n;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}


/* ---- start-up (PID 1 only) ---- */

static void
agent_mount(const char *src, const char *dst, const char *type,
    unsigned long flags, const char *data)
{
    mkdir(dst, 0755);
    if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
        agent_log("mount %s on %s: %s", type, dst, strerror(errno));
}


static void
agent_load_modules(void)
{
    FILE  *f;
    char   line[PATH_MAX];
    int    fd;

    f = fopen("/etc/fngate-modules", "re");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        fd = open(line, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            agent_log("module %s: %s", line, strerror(errno));
            continue;
        }
        if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
            agent_log("module %s: %s", line, strerror(errno));
        close(fd);
        /* Loaded, the file is 2.8 MB of the guest's RAM (the initramfs
         * is a tmpfs) that nothing reads again.  With init_on_free=1 on
         * the guest's command line it is zeroed before the pool's
         * snapshot and costs no host memory in any guest. */
        unlink(line);
    }
    fclose(f);
}


static void
agent_setup_cgroup(void)
{
    char  path[PATH_MAX];

    if (agent.cgroup_dir == NULL)
        return;
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control",
        agent.cgroup_dir);
    if (write_file(path, "+memory") < 0) {
        agent_log("no cgroup memory controller (%s); using RLIMIT_AS",
            strerror(errno));
        return;
    }
    agent.cgroup_ok = true;
    if (write_file(path, "+pids") < 0)
        agent_log("no cgroup pids controller (%s)", strerror(errno));
}


/*
 * Under TCG the first run of a program pays for translating its code.  One
 * shell run before HELLO moves that cost from the first call to the boot.
 */
static void
agent_prime(void)
{
    pid_t  pid;
    char  *argv[] = { (char *) "/bin/sh", (char *) "-c",
                      (char *) "echo | cat >/dev/null", NULL };
    char  *envp[] = { (char *) "PATH=/bin", NULL };

    pid = fork();
    if (pid == 0) {
        int  fd = open("/dev/null", O_RDWR);

        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execve(argv[0], argv, envp);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}


/*
 * The runtime disk (guest/image/mkruntimes.sh), when the host attached one: the
 * first virtio disk, read-only on /var/runtime.  Its driver probed it
 * while its module loaded; the node may take a moment to appear.
 */
static void
agent_mount_runtimes(void)
{
    char          num[32];
    unsigned int  maj, min;

    if (read_file("/sys/block/vda/dev", num, sizeof(num)) <= 0)
        return;
    /* devtmpfs makes the node in its own time: make it now. */
    if (sscanf(num, "%u:%u", &maj, &min) == 2
        && mknod("/dev/vda", S_IFBLK | 0400, makedev(maj, min)) < 0
        && errno != EEXIST)
    {
        agent_log("mknod /dev/vda: %s", strerror(errno));
    }
    mkdir(agent.runtime_dir, 0755);
    if (mount("/dev/vda", agent.runtime_dir, "ext4",
            MS_RDONLY | MS_NODEV | MS_NOSUID, "") < 0)
    {
        agent_log("mount runtime disk on %s: %s", agent.runtime_dir,
            strerror(errno));
    }
}


/*
 * Once the guest is set up, what a function's code could reach of the
 * kernel goes (README, "Security model"): no more modules (they are all
 * loaded), no kexec, kernel pointers, log and perf counters hidden, no
 * user namespaces, no unprivileged bpf or userfaultfd, ptrace of
 * descendants only, no raw memory or port devices, and the agent's own
 * files readable by root alone.  The sandbox (agent_sandbox.c) takes the
 * rest; these hold even if it had a hole.
 */
static void
agent_harden(void)
{
    static const char *const  sysctl[][2] = {
        { "kernel/modules_disabled", "1" },
        { "kernel/kexec_load_disabled", "1" },
        { "kernel/kptr_restrict", "2" },
        { "kernel/dmesg_restrict", "1" },
        { "kernel/perf_event_paranoid", "3" },
        { "kernel/unprivileged_bpf_disabled", "1" },
        { "kernel/yama/ptrace_scope", "1" },
        { "kernel/sysrq", "0" },
        { "user/max_user_namespaces", "0" },
        { "vm/unprivileged_userfaultfd", "0" },
        { "fs/protected_symlinks", "1" },
        { "fs/protected_hardlinks", "1" },
        { "fs/protected_fifos", "2" },
        { "fs/protected_regular", "2" },
    };
    static const char *const  gone[] = { "/dev/mem", "/dev/kmem",
                                         "/dev/port" };
    char                      path[128];
    size_t                    i;

    for (i = 0; i < sizeof(sysctl) / sizeof(sysctl[0]); i++) {
        snprintf(path, sizeof(path), "/proc/sys/%s", sysctl[i][0]);
        if (write_file(path, sysctl[i][1]) < 0)
            agent_log("sysctl %s = %s: %s", sysctl[i][0], sysctl[i][1],
                strerror(errno));
    }
    for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        if (unlink(gone[i]) < 0 && errno != ENOENT)
            agent_log("unlink %s: %s", gone[i], strerror(errno));
    chmod("/init", 0700);
    chmod("/etc/fngate-modules", 0600);
}


static void
agent_boot(void)
{
    /* A function sees only its own processes; the agent (root) all. */
    agent_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
        "hidepid=invisible");
    agent_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
        NULL);
    agent_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    agent_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
        "mode=1777");
    agent_mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
        MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mkdir("/dev/pts", 0755);
    agent_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, NULL);
    mkdir("/var/task", 0755);
    symlink("/proc/self/fd", "/dev/fd");
    symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout");
    symlink("/proc/self/fd/2", "/dev/stderr");
    setenv("PATH", "/bin", 1);
    write_file("/proc/self/oom_score_adj", "-1000");
    agent_load_modules();
    agent_mount_runtimes();
    agent_setup_cgroup();
    agent_prime();
    agent_harden();
}


/* The /dev node of the virtio-serial port named AGENT_PORT_NAME. */
static int
agent_find_port(char *dev, size_t size)
{
    DIR            *d;
    struct dirent  *e;
    char            path[PATH_MAX], name[128];
    int             found = -1;

    d = opendir("/sys/class/virtio-ports");
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
            e->d_name);
        if (read_file(path, name, sizeof(name)) <= 0)
            continue;
        name[strcspn(name, "\n")] = '\0';
        if (strcmp(name, AGENT_PORT_NAME) == 0) {
            snprintf(dev, size, "/dev/%s", e->d_name);
            found = 0;
            break;
        }
    }
    closedir(d);
    return found;
}


static int
agent_open_port(void)
{
    char      dev[PATH_MAX];
    unsigned  i;
    int       fd;

    /* The port's name arrives from the host after the driver probed. */
    for (i = 0; i < 3000; i++) {
        if (agent_find_port(dev, sizeof(dev)) == 0) {
            fd = open(dev, O_RDWR | O_CLOEXEC);
            if (fd >= 0)
                return fd;
        }
        usleep(10000);
    }
    return -1;
}


/* ---- replies ---- */

static void
agent_send(int fd, fg_buf_t *b)
{
    if (fg_frame_write_all(fd, b) < 0)
        agent_log("write to host: %s", strerror(errno));
}


static void
agent_send_error(int fd, uint32_t seq, const char *msg)
{
    fg_buf_t  b = { 0 };

    if (fg_frame_begin(&b, FG_FRAME_ERROR, seq) == 0
        && fg_frame_add_str(&b, "message", msg) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_send(fd, &b);
    }
    fg_buf_free(&b);
}


static void
agent_send_hello(int fd)
{
    fg_buf_t        b = { 0 };
    struct utsname  u;
    char            api[32] = "";

    uname(&u);
    if (agent.rt_port != 0)
        snprintf(api, sizeof(api), "127.0.0.1:%u", agent.rt_port);
    if (fg_frame_begin(&b, FG_FRAME_HELLO, 0) == 0
        && fg_frame_add_str(&b, "version", AGENT_VERSION) == 0
        && fg_frame_add_str(&b, "kernel", u.release) == 0
        && fg_frame_add_str(&b, "cgroup", agent.cgroup_ok ? "1" : "0") == 0
        && fg_frame_add_str(&b, "runtime_api", api) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_send(fd, &b);
    }
    fg_buf_free(&b);
}


/* ---- LOAD ---- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (ftw->level == 0)
        return 0;
    if (remove(path) < 0)
        agent_log("remove %s: %s", path, strerror(errno));
    return 0;
}


static int
mkdirs(char *path)
{
    char  *s;

    for (s = path + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            *s = '/';
            return -1;
        }
        *s = '/';
    }
    return 0;
}


static int
agent_write_task_file(const char *rel, size_t rlen, unsigned mode,
    const uint8_t *data, size_t len, char *msg, size_t msize)
{
    char     path[PATH_MAX];
    int      fd;
    size_t   off = 0;
    ssize_t  n;

    if ((size_t) snprintf(path, sizeof(path), "%s/%.*s", agent.task_dir,
            (int) rlen, rel) >= sizeof(path))
    {
        snprintf(msg, msize, "path too long");
        return -1;
    }
    if (mkdirs(path) < 0) {
        snprintf(msg, msize, "mkdir for %s: %s", path, strerror(errno));
        return -1;
    }
    if (path[strlen(path) - 1] == '/') {       /* a directory entry */
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            snprintf(msg, msize, "mkdir %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
        0600);
    if (fd < 0) {
        snprintf(msg, msize, "open %s: %s", path, strerror(errno));
        return -1;
    }
    while (off < len) {
        n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(msg, msize, "write %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t) n;
    }
    fchmod(fd, mode & 0777);
    close(fd);
    return 0;
}


/* Task files and directories: root's, readable (and, where the zip says
 * so, executable) by the sandbox's group alone, writable by nobody else. */
static int
own_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    mode_t  mode = S_ISDIR(st->st_mode) ? 0750
                 : (st->st_mode & 0700) | ((st->st_mode >> 3) & 050);

    if (S_ISLNK(st->st_mode))
        return 0;
    if (chown(path, 0, agent.sbx_id) < 0 || chmod(path, mode) < 0)
        agent_log("own %s: %s", path, strerror(errno));
    return 0;
}


/*
 * New code takes the guest over from the code before it (of the same
 * owner: a guest serves one caller and one owner): nothing of the old
 * sandbox stays.  Its processes are killed (the persistent runtime is
 * already stopped), /tmp is emptied, and the new code gets a uid and gid
 * of its own.
 */
static void
agent_sandbox_turnover(void)
{
    if (!agent.sandbox)
        return;
    if (agent.sbx_id != 0 && agent_sandbox_kill_uid(agent.sbx_id) < 0)
        agent_log("kill the processes of uid %u: %s", agent.sbx_id,
            strerror(errno));
    agent_reap();
    if (agent.tmp_dir != NULL)
        nftw(agent.tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    agent.sbx_id = AGENT_SANDBOX_ID_BASE
        + agent.code_gen % AGENT_SANDBOX_IDS;
}


static void
agent_load(int fd, const fg_frame_t *f)
{
    fg_field_iter_t  it;
    const char      *key;
    const uint8_t   *val, *path = NULL;
    size_t           klen, vlen, plen = 0;
    unsigned         mode = 0644, nfiles = 0;
    int              state = 0;        /* 0 path next, 1 mode, 2 data */
    char             msg[PATH_MAX + 128] = "";
    fg_buf_t         b = { 0 };
    bool             ok = true;

    /* Check everything before touching /var/task. */
    fg_field_iter_init(&it, f);
    while (ok && fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        if (klen == 4 && memcmp(key, "path", 4) == 0) {
            if (state != 0) {
                snprintf(msg, sizeof(msg), "\"path\" out of order");
                ok = false;
            } else if (!fg_frame_path_ok(val, vlen)) {
                snprintf(msg, sizeof(msg), "bad path \"%.*s\"",
                    (int) (vlen > 200 ? 200 : vlen), (const char *) val);
                ok = false;
            }
            state = 1;
        } else if (klen == 4 && memcmp(key, "mode", 4) == 0) {
            if (state != 1) {
                snprintf(msg, sizeof(msg), "\"mode\" out of order");
                ok = false;
            }
            state = 2;
        } else if (klen == 4 && memcmp(key, "data", 4) == 0) {
            if (state != 2) {
                snprintf(msg, sizeof(msg), "\"data\" out of order");
                ok = false;
            }
            state = 0;
            nfiles++;
        }
    }
    if (ok && state != 0) {
        snprintf(msg, sizeof(msg), "incomplete file entry");
        ok = false;
    }

    if (ok) {
        agent_sandbox_turnover();
        mkdir(agent.task_dir, 0755);
        nftw(agent.task_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        fg_field_iter_init(&it, f);
        while (ok && fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
            if (klen == 4 && memcmp(key, "path", 4) == 0) {
                path = val;
                plen = vlen;
            } else if (klen == 4 && memcmp(key, "mode", 4) == 0) {
                char  m[16];

                snprintf(m, sizeof(m), "%.*s", (int) (vlen > 15 ? 15 : vlen),
                    (const char *) val);
                mode = (unsigned) strtoul(m, NULL, 8);
            } else if (klen == 4 && memcmp(key, "data", 4) == 0) {
                if (agent_write_task_file((const char *) path, plen, mode,
                        val, vlen, msg, sizeof(msg)) < 0)
                {
                    ok = false;
                }
            }
        }
        if (agent.sandbox)
            nftw(agent.task_dir, own_entry, 16, FTW_PHYS);
    }

    if (fg_frame_begin(&b, FG_FRAME_LOADED, f->seq) == 0
        && fg_frame_add_str(&b, "status", ok ? "ok" : "error") == 0
        && fg_frame_add_str(&b, "message", msg) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_send(fd, &b);
    }
    fg_buf_free(&b);
    if (!ok)
        agent_log("load failed: %s", msg);
}


/* ---- INVOKE ---- */

typedef struct {
    char       *request_id;
    char       *handler;
    const uint8_t *event;
    size_t      event_len;
    char      **env;
    unsigned    nenv;
    uint64_t    timeout_ms;
    uint64_t    memory_mb;
    uint64_t    max_output;
} invoke_req_t;

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
} invoke_res_t;


static char *
dup_field(const uint8_t *v, size_t len)
{
    char  *s;

    if (memchr(v, '\0', len) != NULL)
        return NULL;
    s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, v, len);
    s[len] = '\0';
    return s;
}


static void
invoke_req_free(invoke_req_t *r)
{
    unsigned  i;

    free(r->request_id);
    free(r->handler);
    for (i = 0; i < r->nenv; i++)
        free(r->env[i]);
    free(r->env);
}


static bool
env_has(const invoke_req_t *r, const char *name)
{
    size_t    n = strlen(name);
    unsigned  i;

    for (i = 0; i < r->nenv; i++) {
        if (r->env[i] != NULL && strncmp(r->env[i], name, n) == 0
            && r->env[i][n] == '=')
        {
            return true;
        }
    }
    return false;
}


static int
invoke_req_parse(const fg_frame_t *f, invoke_req_t *r, bool any_handler,
    char *msg, size_t msize)
{
    fg_field_iter_t  it;
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen;

    memset(r, 0, sizeof(*r));
    r->timeout_ms = 3000;
    r->memory_mb = 128;
    r->max_output = 6 * 1024 * 1024;

    r->env = calloc(AGENT_MAX_ENV + 3, sizeof(char *));
    if (r->env == NULL) {
        snprintf(msg, msize, "out of memory");
        return -1;
    }
    fg_field_iter_init(&it, f);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        if (klen == 3 && memcmp(key, "env", 3) == 0) {
            if (r->nenv == AGENT_MAX_ENV) {
                snprintf(msg, msize, "too many env entries");
                return -1;
            }
            if (memchr(val, '=', vlen) == NULL
                || (r->env[r->nenv] = dup_field(val, vlen)) == NULL)
            {
                snprintf(msg, msize, "bad env entry");
                return -1;
            }
            r->nenv++;
        }
    }

    /* What Lambda's environment always has, unless the host set it. */
    if (!env_has(r, "PATH"))
        r->env[r->nenv++] = strdup("PATH=/usr/local/bin:/usr/bin:/bin");
    if (!env_has(r, "LAMBDA_TASK_ROOT")) {
        char  *e;

        if (asprintf(&e, "LAMBDA_TASK_ROOT=%s", agent.task_dir) >= 0)
            r->env[r->nenv++] = e;
    }

    val = fg_frame_get(f, "request_id", &vlen);
    r->request_id = val ? dup_field(val, vlen) : strdup("");
    /* A runtime's handler is its own business (_HANDLER); a one-shot
     * handler is a file under the task directory. */
    val = fg_frame_get(f, "handler", &vlen);
    if (val == NULL || (!any_handler && !fg_frame_path_ok(val, vlen))
        || (r->handler = dup_field(val, vlen)) == NULL)
    {
        snprintf(msg, msize, "bad or missing handler");
        return -1;
    }
    r->event = fg_frame_get(f, "event", &r->event_len);
    if (r->event == NULL)
        r->event_len = 0;
    if (fg_frame_get(f, "timeout_ms", &vlen) != NULL
        && (fg_frame_get_u64(f, "timeout_ms", &r->timeout_ms) < 0
            || r->timeout_ms == 0))
    {
        snprintf(msg, msize, "bad timeout_ms");
        return -1;
    }
    if (fg_frame_get(f, "memory_mb", &vlen) != NULL
        && (fg_frame_get_u64(f, "memory_mb", &r->memory_mb) < 0
            || r->memory_mb == 0 || r->memory_mb > 1024 * 1024))
    {
        snprintf(msg, msize, "bad memory_mb");
        return -1;
    }
    if (fg_frame_get(f, "max_output", &vlen) != NULL
        && fg_frame_get_u64(f, "max_output", &r->max_output) < 0)
    {
        snprintf(msg, msize, "bad max_output");
        return -1;
    }
    if (r->request_id == NULL) {
        snprintf(msg, msize, "bad request_id");
        return -1;
    }
    return 0;
}


/* A fresh cgroup for one call ("call") or one runtime ("rt"), so
 * memory.peak starts from zero. */
static int
invoke_cgroup(char *dir, size_t size, const char *kind, uint64_t memory_mb)
{
    char  path[PATH_MAX + 64], num[32];

    if (!agent.cgroup_ok)
        return -1;
    snprintf(dir, size, "%s/%s%u", agent.cgroup_dir, kind, ++agent.ncall);
    if (mkdir(dir, 0755) < 0) {
        agent_log("mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(num, sizeof(num), "%llu",
        (unsigned long long) memory_mb * 1024 * 1024);
    snprintf(path, sizeof(path), "%s/memory.max", dir);
    if (write_file(path, num) < 0) {
        agent_log("%s: %s", path, strerror(errno));
        rmdir(dir);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/memory.swap.max", dir);
    write_file(path, "0");                 /* absent without swap accounting */
    snprintf(path, sizeof(path), "%s/memory.oom.group", dir);
    write_file(path, "1");
    snprintf(path, sizeof(path), "%s/pids.max", dir);
    snprintf(num, sizeof(num), "%u", AGENT_SANDBOX_PIDS_MAX);
    write_file(path, num);                 /* absent without the controller */
    return 0;
}


/* The number of key in a cgroup file's text (flat keyed), or the file's
 * single number when key is NULL. */
static uint64_t
cgroup_parse_key(const char *buf, const char *key)
{
    const char  *p;
    size_t       klen = key ? strlen(key) : 0;

    if (key == NULL)
        return strtoull(buf, NULL, 10);
    for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1
        : NULL)
    {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return strtoull(p + klen + 1, NULL, 10);
    }
    return 0;
}


static uint64_t
cgroup_read_key(const char *dir, const char *file, const char *key)
{
    char  path[PATH_MAX + 64], buf[2048];

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (read_file(path, buf, sizeof(buf)) < 0)
        return 0;
    return cgroup_parse_key(buf, key);
}


/*
 * The same from a cgroup file kept open: a read at offset 0 makes the
 * kernel write the file anew, so a runtime's calls read their counters
 * without a path walk, an open and a close each time.
 */
static uint64_t
cgroup_pread_key(int fd, const char *key)
{
    char     buf[2048];
    ssize_t  n;

    n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return 0;
    buf[n] = '\0';
    return cgroup_parse_key(buf, key);
}


static void
cgroup_kill_and_remove(const char *dir)
{
    char      path[PATH_MAX], procs[256];
    unsigned  i;

    snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
    write_file(path, "1");
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    for (i = 0; i < 200; i++) {
        if (rmdir(dir) == 0 || errno != EBUSY)
            return;
        /* Killed members are zombies of ours until reaped. */
        agent_reap();
        if (read_file(path, procs, sizeof(procs)) == 0)
            continue;
        usleep(5000);
    }
    agent_log("rmdir %s: %s", dir, strerror(errno));
}


static void
err_keep(invoke_res_t *res, const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        res->err[res->err_pos] = p[i];
        res->err_pos = (res->err_pos + 1) % AGENT_STDERR_KEEP;
        if (res->err_len < AGENT_STDERR_KEEP)
            res->err_len++;
    }
}


/* Child side: runs path with env in cgdir (or under RLIMIT_AS); never
 * returns. */
static void
invoke_child(const char *path, char **env, uint64_t memory_mb, int in,
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
        if (write_file(cgpath, "0") < 0)
            cgdir = NULL;
    }
    if (cgdir == NULL) {
        rl.rlim_cur = rl.rlim_max = (rlim_t) memory_mb * 1024 * 1024;
        setrlimit(RLIMIT_AS, &rl);
    }
    if (agent.pid1)
        write_file("/proc/self/oom_score_adj", "0");

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
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        goto fail;
    if (chdir(agent.task_dir) < 0)
        goto fail;
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
invoke_run(const invoke_req_t *r, invoke_res_t *res)
{
    int        in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    int        st[2] = { -1, -1 }, pidfd = -1, wstatus = 0, e;
    char       cgdir[256], buf[65536];
    bool       have_cg, killed_large = false, killed_timeout = false;
    bool       exited = false;
    size_t     in_off = 0;
    uint64_t   start, deadline;
    pid_t      pid;
    struct rusage  ru;
    ssize_t    n;

    memset(&ru, 0, sizeof(ru));

    res->status = "failed";
    have_cg = invoke_cgroup(cgdir, sizeof(cgdir), "call", r->memory_mb) == 0;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0
        || pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
    {
        snprintf(res->message, sizeof(res->message), "pipe: %s",
            strerror(errno));
        goto cleanup;
    }

    start = now_us();
    pid = fork();
    if (pid < 0) {
        snprintf(res->message, sizeof(res->message), "fork: %s",
            strerror(errno));
        goto cleanup;
    }
    if (pid == 0) {
        char  path[PATH_MAX + 64];

        snprintf(path, sizeof(path), "%s/%s", agent.task_dir, r->handler);
        invoke_child(path, r->env, r->memory_mb, in[0], out[1], err[1],
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
        uint64_t       now = now_us();
        int            wait_ms;

        if (now >= deadline) {
            killed_timeout = true;
            break;
        }
        wait_ms = (int) ((deadline - now + 999) / 1000);
        if (pidfd < 0 && wait_ms > 10)
            wait_ms = 10;                  /* no pidfd: poll waitpid */

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
        if (poll(pfd, np, wait_ms) < 0 && errno != EINTR)
            break;

        if (iin >= 0 && pfd[iin].revents) {
            n = write(in[1], r->event + in_off, r->event_len - in_off);
            if (n > 0)
                in_off += (size_t) n;
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
                err_keep(res, buf, (size_t) n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(err[0]);
                err[0] = -1;
            }
        }
        if ((ipid >= 0 && pfd[ipid].revents) || pidfd < 0) {
            if (wait4(pid, &wstatus, WNOHANG, &ru) == pid)
                exited = true;
        }
    }

    if (!exited) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        if (wait4(pid, &wstatus, 0, &ru) == pid)
            exited = true;
    }
    res->duration_us = now_us() - start;

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
    while (err[0] >= 0 && (n = read(err[0], buf, sizeof(buf))) > 0)
        err_keep(res, buf, (size_t) n);

    kill(-pid, SIGKILL);

    if (have_cg) {
        uint64_t  peak = cgroup_read_key(cgdir, "memory.peak", NULL);

        res->max_rss_kb = peak / 1024;
        if (cgroup_read_key(cgdir, "memory.events", "oom_kill") > 0) {
            res->status = "oom";
        }
    }
    if (res->max_rss_kb == 0 && exited)
        res->max_rss_kb = (uint64_t) ru.ru_maxrss;  /* the handler alone */

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
    if (have_cg)
        cgroup_kill_and_remove(cgdir);
    else if (agent.sandbox)
        agent_sandbox_kill_uid(agent.sbx_id);   /* the call's, wherever */
    if (pidfd >= 0)
        close(pidfd);
    for (e = 0; e < 2; e++) {
        if (in[e] >= 0) close(in[e]);
        if (out[e] >= 0) close(out[e]);
        if (err[e] >= 0) close(err[e]);
        if (st[e] >= 0) close(st[e]);
    }
}


/* Unrolls res's stderr ring into buf (AGENT_STDERR_KEEP bytes). */
static size_t
res_log(const invoke_res_t *res, char *buf)
{
    size_t  start, first;

    start = res->err_len < AGENT_STDERR_KEEP ? 0 : res->err_pos;
    first = AGENT_STDERR_KEEP - start;
    if (first > res->err_len)
        first = res->err_len;
    memcpy(buf, res->err + start, first);
    memcpy(buf + first, res->err, res->err_len - first);
    return res->err_len;
}


/*
 * RESULT for seq.  error_type (may be NULL) is the runtime's
 * Lambda-Runtime-Function-Error-Type; init_us is sent when the call
 * started a runtime.
 */
static void
agent_send_result(int fd, uint32_t seq, const char *request_id,
    const invoke_res_t *res, const char *error_type, bool cold,
    uint64_t init_us)
{
    fg_buf_t  b = { 0 };
    char      errbuf[AGENT_STDERR_KEEP];
    size_t    elen = res_log(res, errbuf);

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
        agent_send_error(fd, seq, "out of memory building RESULT");
    } else {
        agent_send(fd, &b);
    }
    fg_buf_free(&b);
}


static void
agent_invoke(int fd, const fg_frame_t *f)
{
    invoke_req_t  req;
    invoke_res_t  res;
    char          msg[256] = "";

    memset(&res, 0, sizeof(res));
    if (invoke_req_parse(f, &req, false, msg, sizeof(msg)) < 0) {
        res.status = "failed";
        snprintf(res.message, sizeof(res.message), "%s", msg);
    } else {
        invoke_run(&req, &res);
    }
    agent_send_result(fd, f->seq, req.request_id, &res, NULL, false, 0);
    fg_buf_free(&res.out);
    invoke_req_free(&req);
}


/* ---- a restored guest ---- */

/*
 * A guest restored from the pool's snapshot wakes with the clock and the
 * random state of the guest that was saved, shared by every copy: set the
 * host's time, and mix the host's entropy into the pool and reseed, so no
 * two guests (of two accounts) draw the same random numbers.
 */
static void
agent_sync(int fd, const fg_frame_t *f)
{
    struct {
        int      entropy_count;
        int      buf_size;
        uint8_t  buf[256];
    }                rpi;
    const uint8_t   *e;
    size_t           elen = 0;
    uint64_t         ns;
    struct timespec  ts;
    fg_buf_t         b = { 0 };
    int              rfd;

    if (fg_frame_get_u64(f, "time_ns", &ns) == 0) {
        ts.tv_sec = (time_t) (ns / 1000000000u);
        ts.tv_nsec = (long) (ns % 1000000000u);
        if (agent.pid1 && clock_settime(CLOCK_REALTIME, &ts) < 0)
            agent_log("clock_settime: %s", strerror(errno));
    }
    e = fg_frame_get(f, "entropy", &elen);
    if (e != NULL && elen > 0 && agent.pid1) {
        if (elen > sizeof(rpi.buf))
            elen = sizeof(rpi.buf);
        rpi.entropy_count = (int) (elen * 8);
        rpi.buf_size = (int) elen;
        memcpy(rpi.buf, e, elen);
        rfd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
        if (rfd < 0 || ioctl(rfd, RNDADDENTROPY, &rpi) < 0
            || ioctl(rfd, RNDRESEEDCRNG) < 0)
        {
            agent_log("reseeding the random pool: %s", strerror(errno));
        }
        if (rfd >= 0)
            close(rfd);
        memset(rpi.buf, 0, sizeof(rpi.buf));
    }
    if (fg_frame_begin(&b, FG_FRAME_PONG, f->seq) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_send(fd, &b);
    }
    fg_buf_free(&b);
}


/* ---- the Lambda Runtime API: persistent runtimes ---- */

/*
 * A zip with an executable "bootstrap" at its root (Runtime provided*),
 * or a runtime of the image (/var/runtime/NAME/bootstrap, e.g.
 * python3.11), runs as a persistent runtime: the agent starts the
 * bootstrap once, with AWS_LAMBDA_RUNTIME_API pointing at the Runtime API
 * it serves on 127.0.0.1:9001, hands it each INVOKE's event when it asks
 * for the next one, and answers RESULT from what it posts.  Everything is
 * served by the one poll loop of agent_serve: the host's port, the
 * listening socket, the runtime's connections, its stdout and stderr (the
 * call's log) and its pidfd.  The host sends one INVOKE at a time and
 * waits for its RESULT, so at most one call is in flight.
 *
 * The runtime is started again when an INVOKE's code (a LOAD came),
 * bootstrap, handler, environment or memory limit differ from what it was
 * started with, after a timeout (its process group and cgroup are
 * killed), after an init error and after it exited.
 */

#define AGENT_RT_PORT       9001
#define AGENT_RT_CONNS      16
#define AGENT_RT_BODY_MAX   (6u * 1024 * 1024)  /* without a call */
#define AGENT_RT_SLACK      (64u * 1024)
#define AGENT_RUNTIME_DIR   "/var/runtime"
/* A runtime that a call starts may take this long for its init beyond the
 * call's timeout (Lambda gives init 10 s of its own; the host waits for
 * the RESULT up to the timeout and 10 s). */
#define AGENT_RT_INIT_MS    8000

typedef struct {
    int         fd;             /* -1: a free slot */
    fg_buf_t    in;             /* bytes read, not yet handled */
    fg_buf_t    out;            /* reply being written */
    size_t      out_off;
    bool        parked;         /* a GET .../next waiting for an event */
    bool        close;          /* close once out is written */
} rt_conn_t;

typedef struct {
    int             listen_fd;
    unsigned        port;           /* bound port */
    int             host_fd;        /* the host's port, for RESULT */
    rt_conn_t       conns[AGENT_RT_CONNS];

    /* the runtime's process */
    pid_t           pid;            /* 0: none */
    int             pidfd;
    int             out_fd;
    int             err_fd;
    char            cgdir[256];
    bool            have_cg;
    int             peak_fd;        /* its cgroup's memory.peak, or -1 */
    int             events_fd;      /* its cgroup's memory.events, or -1 */
    bool            polled;         /* it asked for an event (init done) */
    bool            reaped;         /* agent_reap took its exit status */
    int             wstatus;
    fg_buf_t        sig;            /* what it was started with */
    char            path[PATH_MAX + 64];  /* its bootstrap */
    uint64_t        started_us;
    uint64_t        init_us;        /* start to its first .../next */
    uint64_t        oom_kills;      /* memory.events oom_kill at call start */

    /* the call in flight */
    bool            active;
    bool            delivered;      /* the runtime has the event */
    bool            cold;           /* this call started the runtime */
    uint32_t        seq;
    invoke_req_t    req;
    invoke_res_t    res;            /* its err ring is the runtime's log */
    uint64_t        call_us;
    uint64_t        delivered_us;
    uint64_t        deadline_us;
    uint64_t        deadline_ms;    /* the same, as Unix epoch ms */
    char           *function_arn;
    char            answered[FG_RTAPI_ID_MAX + 1];  /* the last answered */
} rt_t;

static rt_t  rt = {
    .listen_fd = -1, .host_fd = -1, .pidfd = -1, .out_fd = -1, .err_fd = -1,
    .peak_fd = -1, .events_fd = -1,
};


static void
rt_conn_close(rt_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    fg_buf_free(&c->in);
    fg_buf_free(&c->out);
    c->out_off = 0;
    c->parked = false;
    c->close = false;
}


/* Brings up lo, which has 127.0.0.1 once up (PID 1 only). */
static void
agent_lo_up(void)
{
    struct ifreq  ifr;
    int           s;

    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            agent_log("lo up: %s", strerror(errno));
    }
    close(s);
}


static int
rt_listen(unsigned port)
{
    struct sockaddr_in  a;
    socklen_t           alen = sizeof(a);
    int                 s, on = 1;
    unsigned            i;

    for (i = 0; i < AGENT_RT_CONNS; i++)
        rt.conns[i].fd = -1;
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        goto fail;
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
    rt.listen_fd = s;
    rt.port = ntohs(a.sin_port);
    agent.rt_port = rt.port;
    return 0;

fail:
    agent_log("runtime API on 127.0.0.1:%u: %s", port, strerror(errno));
    return -1;
}


static void
rt_log_read(int *fd)
{
    char      buf[16384];
    ssize_t   n;
    unsigned  i;

    /* Bounded: a runtime that writes without pause must not hold the
     * loop; what is left is read on the next round. */
    for (i = 0; i < 64 && *fd >= 0; i++) {
        n = read(*fd, buf, sizeof(buf));
        if (n > 0) {
            err_keep(&rt.res, buf, (size_t) n);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(*fd);
            *fd = -1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return;
    }
}


/* Peak memory of the runtime so far, in KB. */
static uint64_t
rt_max_rss_kb(void)
{
    char      path[64], buf[4096], *p;

    if (rt.peak_fd >= 0)
        return cgroup_pread_key(rt.peak_fd, NULL) / 1024;
    if (rt.pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int) rt.pid);
    if (read_file(path, buf, sizeof(buf)) < 0)
        return 0;
    p = strstr(buf, "VmHWM:");
    return p ? strtoull(p + 6, NULL, 10) : 0;
}


/*
 * Answers the call in flight with status and sends its RESULT.  body is
 * the result (or the error document the runtime posted); code the exit
 * status or signal.
 */
static void
rt_finish(const char *status, int code, const uint8_t *body, size_t blen,
    const char *error_type, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * A call is over: of the runtime's cgroup only the runtime's own process
 * group stays (the runtime, and the helpers a shell runtime runs, such as
 * the curl that posted this answer and may still be reading the reply).
 * Whatever left the group (setsid, setpgid: a daemon meant to outlive the
 * call) dies now (README, "Security model").
 */
static void
rt_kill_strays(void)
{
    char      path[sizeof(rt.cgdir) + 16], buf[8192], *p, *end;
    long      pid;
    unsigned  round, killed = 1;

    if (!rt.have_cg)
        return;
    snprintf(path, sizeof(path), "%s/cgroup.procs", rt.cgdir);
    /* Again while there are some: one may fork while the others die. */
    for (round = 0; round < 10 && killed > 0; round++) {
        killed = 0;
        if (read_file(path, buf, sizeof(buf)) <= 0)
            return;
        for (p = buf; *p != '\0'; p = end) {
            pid = strtol(p, &end, 10);
            if (end == p)
                break;
            if (pid > 1 && pid != rt.pid && getpgid((pid_t) pid) != rt.pid
                && kill((pid_t) pid, SIGKILL) == 0)
            {
                killed++;
            }
        }
    }
}


static void
rt_finish(const char *status, int code, const uint8_t *body, size_t blen,
    const char *error_type, const char *fmt, ...)
{
    va_list   ap;
    uint64_t  now = now_us();

    if (!rt.active)
        return;
    /* What the runtime logged before it answered is in its pipes now. */
    rt_log_read(&rt.out_fd);
    rt_log_read(&rt.err_fd);

    rt.res.status = status;
    rt.res.code = code;
    rt.res.out.len = 0;
    if (blen > 0 && fg_buf_append(&rt.res.out, body, blen) < 0) {
        rt.res.status = "too_large";
        rt.res.out.len = 0;
    }
    rt.res.duration_us = now - (rt.delivered ? rt.delivered_us : rt.call_us);
    rt.res.max_rss_kb = rt_max_rss_kb();
    rt.res.message[0] = '\0';
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(rt.res.message, sizeof(rt.res.message), fmt, ap);
        va_end(ap);
    }
    agent_send_result(rt.host_fd, rt.seq, rt.req.request_id, &rt.res,
        error_type, rt.cold, rt.polled ? rt.init_us : now - rt.started_us);
    rt_kill_strays();

    snprintf(rt.answered, sizeof(rt.answered), "%s",
        rt.req.request_id ? rt.req.request_id : "");
    invoke_req_free(&rt.req);
    memset(&rt.req, 0, sizeof(rt.req));
    free(rt.function_arn);
    rt.function_arn = NULL;
    fg_buf_free(&rt.res.out);
    memset(&rt.res, 0, sizeof(rt.res));
    rt.active = false;
    rt.delivered = false;
    rt.cold = false;
}


/* Kills the runtime's process group and cgroup and reaps it. */
static void
rt_kill(void)
{
    char  path[PATH_MAX];

    if (rt.pid <= 0)
        return;
    kill(-rt.pid, SIGKILL);
    kill(rt.pid, SIGKILL);
    if (rt.have_cg) {
        snprintf(path, sizeof(path), "%s/cgroup.kill", rt.cgdir);
        write_file(path, "1");
    }
    if (!rt.reaped && waitpid(rt.pid, &rt.wstatus, 0) == rt.pid)
        rt.reaped = true;
}


/* Forgets a runtime that is gone: its pipes, connections and cgroup. */
static void
rt_cleanup(void)
{
    unsigned  i;

    if (rt.pidfd >= 0)
        close(rt.pidfd);
    if (rt.out_fd >= 0)
        close(rt.out_fd);
    if (rt.err_fd >= 0)
        close(rt.err_fd);
    if (rt.peak_fd >= 0)
        close(rt.peak_fd);
    if (rt.events_fd >= 0)
        close(rt.events_fd);
    rt.pidfd = rt.out_fd = rt.err_fd = rt.peak_fd = rt.events_fd = -1;
    for (i = 0; i < AGENT_RT_CONNS; i++)
        rt_conn_close(&rt.conns[i]);
    if (rt.have_cg)
        cgroup_kill_and_remove(rt.cgdir);
    rt.have_cg = false;
    rt.pid = 0;
    rt.polled = false;
    rt.reaped = false;
    rt.sig.len = 0;
}


/* Stops the runtime (no call may be in flight, or it is answered). */
static void
rt_stop(void)
{
    if (rt.pid <= 0)
        return;
    rt_kill();
    rt_cleanup();
}


static int rt_start(const char *path, char *msg, size_t msize);

/* The runtime exited on its own (its status is in rt.wstatus). */
static void
rt_exited(void)
{
    int   st = rt.wstatus;
    bool  oom = false;

    rt_log_read(&rt.out_fd);
    rt_log_read(&rt.err_fd);
    if (rt.events_fd >= 0)
        oom = cgroup_pread_key(rt.events_fd, "oom_kill") > rt.oom_kills;
    if (rt.active && !rt.delivered && !rt.cold) {
        /*
         * It exited after its last answer, before it saw this call's
         * event (the exit raced the INVOKE): this call starts it again,
         * as if it had been noticed before.
         */
        char      msg[PATH_MAX + 64], path[PATH_MAX + 64];
        fg_buf_t  sig = rt.sig;

        agent_log("runtime %d exited between calls (status 0x%x)",
            (int) rt.pid, st);
        snprintf(path, sizeof(path), "%s", rt.path);
        rt.sig = (fg_buf_t) { 0 };
        rt_kill();
        rt_cleanup();
        rt.cold = true;
        rt.deadline_us = now_us() + rt.req.timeout_ms * 1000
                         + AGENT_RT_INIT_MS * 1000;
        if (rt_start(path, msg, sizeof(msg)) < 0) {
            rt_finish("failed", 0, NULL, 0, NULL, "%s", msg);
            fg_buf_free(&sig);
            return;
        }
        fg_buf_free(&rt.sig);
        rt.sig = sig;
        rt.oom_kills = 0;
        return;
    }
    if (rt.active) {
        if (oom)
            rt_finish("oom", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                NULL, 0, NULL, "out of memory (limit %llu MB)",
                (unsigned long long) rt.req.memory_mb);
        else if (WIFSIGNALED(st))
            rt_finish("signal", WTERMSIG(st), NULL, 0, NULL,
                "runtime killed by signal %d", WTERMSIG(st));
        else
            rt_finish("error", WEXITSTATUS(st), NULL, 0, NULL,
                "runtime exited with status %d", WEXITSTATUS(st));
    } else {
        agent_log("runtime %d exited between calls (status 0x%x)",
            (int) rt.pid, st);
    }
    rt_kill();                          /* what is left of its group */
    rt_cleanup();
}


/* 1: a persistent runtime, its bootstrap in path; 0: a one-shot
 * handler; -1: a runtime the image does not have (msg). */
static int
rt_bootstrap_find(const uint8_t *v, size_t len, char *path, size_t size,
    char *msg, size_t msize)
{
    size_t       i;
    struct stat  st;

    if (v == NULL || len == 0
        || (len >= 8 && memcmp(v, "provided", 8) == 0))
    {
        snprintf(path, size, "%s/bootstrap", agent.task_dir);
        return stat(path, &st) == 0 && S_ISREG(st.st_mode)
               && access(path, X_OK) == 0;
    }
    for (i = 0; i < len; i++) {
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9')
              || v[i] == '.') || len > 32)
        {
            snprintf(msg, msize, "bad runtime name");
            return -1;
        }
    }
    snprintf(path, size, "%s/%.*s/bootstrap", agent.runtime_dir, (int) len,
        (const char *) v);
    if (access(path, X_OK) < 0) {
        snprintf(msg, msize, "runtime %.*s is not in this guest image",
            (int) len, (const char *) v);
        return -1;
    }
    return 1;
}


/*
 * rt_bootstrap_find for an INVOKE, decided once per LOAD and runtime name:
 * the code only changes with a LOAD and the runtime disk never, and the
 * checks (a path walk each) cost the TCG guest more than the rest of a
 * warm call's dispatch.
 */
static struct {
    bool      valid;
    unsigned  code_gen;
    size_t    len;
    char      runtime[33];          /* the INVOKE's "runtime" */
    int       mode;
    char      path[PATH_MAX + 64];
    char      msg[256];
} rt_boot;

static int
rt_bootstrap(const fg_frame_t *f, char *path, size_t size, char *msg,
    size_t msize)
{
    const uint8_t  *v;
    size_t          len;
    int             mode;

    v = fg_frame_get(f, "runtime", &len);
    if (v == NULL)
        len = 0;
    if (rt_boot.valid && rt_boot.code_gen == agent.code_gen
        && rt_boot.len == len
        && (len == 0 || memcmp(rt_boot.runtime, v, len) == 0))
    {
        snprintf(path, size, "%s", rt_boot.path);
        snprintf(msg, msize, "%s", rt_boot.msg);
        return rt_boot.mode;
    }
    mode = rt_bootstrap_find(v, len, path, size, msg, msize);
    rt_boot.valid = len < sizeof(rt_boot.runtime);
    if (rt_boot.valid) {
        rt_boot.code_gen = agent.code_gen;
        rt_boot.len = len;
        if (len > 0)
            memcpy(rt_boot.runtime, v, len);
        rt_boot.mode = mode;
        snprintf(rt_boot.path, sizeof(rt_boot.path), "%s", path);
        snprintf(rt_boot.msg, sizeof(rt_boot.msg), "%s",
            mode < 0 ? msg : "");
    }
    return mode;
}


/* What a runtime depends on: bootstrap, code, handler, memory, env. */
static int
rt_signature(const invoke_req_t *r, const char *path, fg_buf_t *sig)
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
        if (strncmp(r->env[i], "AWS_REQUEST_ID=", 15) == 0)
            continue;                   /* one per call */
        if (fg_buf_append(sig, r->env[i], strlen(r->env[i]) + 1) < 0)
            return -1;
    }
    return 0;
}


static int
rt_start(const char *path, char *msg, size_t msize)
{
    const invoke_req_t  *r = &rt.req;
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
    for (i = 0; i < r->nenv; i++)
        if (strncmp(r->env[i], "AWS_REQUEST_ID=", 15) != 0)
            env[n++] = r->env[i];
    snprintf(api, sizeof(api), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u",
        rt.port);
    env[n++] = api;
    if (!env_has(r, "LAMBDA_RUNTIME_DIR")) {
        snprintf(rdir, sizeof(rdir), "LAMBDA_RUNTIME_DIR=%s",
            agent.runtime_dir);
        env[n++] = rdir;
    }

    rt.have_cg = invoke_cgroup(rt.cgdir, sizeof(rt.cgdir), "rt",
        r->memory_mb) == 0;
    in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0
        || pipe2(st, O_CLOEXEC) < 0)
    {
        snprintf(msg, msize, "pipe: %s", strerror(errno));
        goto cleanup;
    }
    rt.started_us = now_us();
    pid = fork();
    if (pid < 0) {
        snprintf(msg, msize, "fork: %s", strerror(errno));
        goto cleanup;
    }
    if (pid == 0)
        invoke_child(path, env, r->memory_mb, in, out[1], err[1], st[1],
            rt.have_cg ? rt.cgdir : NULL);

    close(st[1]);
    st[1] = -1;
    got = read(st[0], &e, sizeof(e));
    if (got == (ssize_t) sizeof(e)) {
        waitpid(pid, NULL, 0);
        snprintf(msg, msize, "exec %s: %s", path, strerror(e));
        goto cleanup;
    }
    rt.pid = pid;
    snprintf(rt.path, sizeof(rt.path), "%s", path);
    rt.pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    rt.out_fd = out[0];
    rt.err_fd = err[0];
    out[0] = err[0] = -1;
    fcntl(rt.out_fd, F_SETFL, O_NONBLOCK);
    fcntl(rt.err_fd, F_SETFL, O_NONBLOCK);
    if (rt.have_cg) {
        char  file[sizeof(rt.cgdir) + 16];

        snprintf(file, sizeof(file), "%s/memory.peak", rt.cgdir);
        rt.peak_fd = open(file, O_RDONLY | O_CLOEXEC);
        snprintf(file, sizeof(file), "%s/memory.events", rt.cgdir);
        rt.events_fd = open(file, O_RDONLY | O_CLOEXEC);
    }
    rc = 0;

cleanup:
    if (rc < 0 && rt.have_cg) {
        cgroup_kill_and_remove(rt.cgdir);
        rt.have_cg = false;
    }
    for (e = 0; e < 2; e++) {
        if (out[e] >= 0) close(out[e]);
        if (err[e] >= 0) close(err[e]);
        if (st[e] >= 0) close(st[e]);
    }
    if (in >= 0)
        close(in);
    free(env);
    return rc;
}


/* Queues an HTTP reply on c. */
static void
rt_reply(rt_conn_t *c, unsigned status, const char *extra,
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
rt_reply_error(rt_conn_t *c, unsigned status, const char *type,
    const char *message)
{
    char  body[512];
    int   n;

    n = snprintf(body, sizeof(body), "{\"errorMessage\":\"%s\","
        "\"errorType\":\"%s\"}", message, type);
    rt_reply(c, status, NULL, body, (size_t) n);
}


/* Hands the call's event to the runtime parked on c. */
static void
rt_deliver(rt_conn_t *c)
{
    char             extra[1024], trace[128], hex[33];
    const char      *id = rt.req.request_id;
    size_t           i, k = 0;
    uint64_t         now = now_us(), left;
    struct timespec  ts;

    /* The call's time runs from here, within what init left of it. */
    if (now + rt.req.timeout_ms * 1000 < rt.deadline_us)
        rt.deadline_us = now + rt.req.timeout_ms * 1000;
    left = rt.deadline_us > now ? (rt.deadline_us - now) / 1000 : 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    rt.deadline_ms = (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000
                     + left;

    /* An X-Ray-shaped trace id made of the request id's digits. */
    for (i = 0; id[i] != '\0' && k < 32; i++)
        if (fg_hexval((unsigned char) id[i]) >= 0)
            hex[k++] = id[i];
    while (k < 32)
        hex[k++] = '0';
    hex[32] = '\0';
    snprintf(trace, sizeof(trace), "Root=1-%08llx-%.24s;Parent=%.16s;"
        "Sampled=0", (unsigned long long) (rt.deadline_ms / 1000), hex,
        hex + 16);
    snprintf(extra, sizeof(extra),
        "Lambda-Runtime-Aws-Request-Id: %s\r\n"
        "Lambda-Runtime-Deadline-Ms: %llu\r\n"
        "Lambda-Runtime-Invoked-Function-Arn: %s\r\n"
        "Lambda-Runtime-Trace-Id: %s\r\n", id,
        (unsigned long long) rt.deadline_ms, rt.function_arn, trace);
    c->parked = false;
    rt_reply(c, 200, extra, rt.req.event, rt.req.event_len);
    rt.delivered = true;
    rt.delivered_us = now_us();
}


static void rt_conn_write(rt_conn_t *c);

/* One request of the runtime, its body complete. */
static void
rt_request(rt_conn_t *c, const fg_rtapi_req_t *q, const uint8_t *body,
    size_t blen)
{
    bool  current;

    if (q->route == FG_RTAPI_NOT_FOUND) {
        rt_reply_error(c, 404, "InvalidRequest", "Not found: not a path "
            "of the Runtime API 2018-06-01");
        return;
    }
    if (!q->method_ok) {
        rt_reply_error(c, 405, "InvalidRequest", "Method not allowed");
        return;
    }

    switch (q->route) {
    case FG_RTAPI_NEXT:
        if (!rt.polled) {
            rt.polled = true;
            rt.init_us = now_us() - rt.started_us;
        }
        c->parked = true;
        if (rt.active && !rt.delivered)
            rt_deliver(c);
        return;

    case FG_RTAPI_RESPONSE:
    case FG_RTAPI_ERROR:
        current = rt.active && rt.delivered && !q->bad_id
                  && strcmp(q->id, rt.req.request_id) == 0;
        if (current) {
            rt_reply(c, 202, NULL, "{\"status\":\"OK\"}", 15);
            if (q->route == FG_RTAPI_RESPONSE)
                rt_finish("ok", 0, body, blen, NULL, NULL);
            else
                rt_finish("function_error", 0, body, blen,
                    q->error_type[0] ? q->error_type : NULL,
                    "the function posted an error");
        } else if (!q->bad_id && rt.answered[0] != '\0'
            && strcmp(q->id, rt.answered) == 0)
        {
            rt_reply_error(c, 403, "InvalidStateTransition",
                "Invalid state transition: the invocation has already "
                "been answered");
        } else {
            rt_reply_error(c, 400, "InvalidRequestID",
                "Invalid request ID: not the invocation in progress");
        }
        return;

    case FG_RTAPI_INIT_ERROR:
        if (rt.polled) {
            rt_reply_error(c, 403, "InvalidStateTransition",
                "Invalid state transition: init is over");
            return;
        }
        rt_reply(c, 202, NULL, "{\"status\":\"OK\"}", 15);
        c->close = true;
        rt_conn_write(c);
        /* The environment is reset: the next call starts it again. */
        rt_kill();
        rt_finish("init_error", 0, body, blen,
            q->error_type[0] ? q->error_type : NULL,
            "the runtime posted an init error");
        rt_cleanup();
        return;

    default:
        return;
    }
}


/* Handles the whole requests buffered on c. */
static void
rt_conn_process(rt_conn_t *c)
{
    fg_rtapi_req_t  q;
    fg_buf_t        chunked = { 0 };
    size_t          cap, used, blen;
    const uint8_t  *body;
    int             rc;

    cap = rt.active && rt.req.max_output < AGENT_RT_BODY_MAX
          ? rt.req.max_output : AGENT_RT_BODY_MAX;

    while (c->fd >= 0 && !c->parked && !c->close && c->in.len > 0) {
        rc = fg_rtapi_parse_head((const char *) c->in.data, c->in.len, &q);
        if (rc == 0)
            return;
        if (rc < 0) {
            c->close = true;
            rt_reply_error(c, 400, "InvalidRequest", "Malformed request");
            break;
        }
        if (q.chunked) {
            fg_buf_reset(&chunked);
            rc = fg_rtapi_dechunk((const char *) c->in.data + q.head_len,
                c->in.len - q.head_len, cap, &chunked, &used);
            if (rc == 0) {
                if (c->in.len > 2 * (size_t) cap + FG_RTAPI_HEAD_MAX)
                    rc = -2;
                else
                    break;
            }
            body = chunked.data;
            blen = chunked.len;
        } else {
            rc = q.content_length > cap ? -2 : 1;
            used = (size_t) q.content_length;
            if (rc == 1 && c->in.len - q.head_len < used)
                break;
            body = c->in.data + q.head_len;
            blen = used;
        }
        if (rc == -1) {
            c->close = true;
            rt_reply_error(c, 400, "InvalidRequest", "Malformed chunked "
                "body");
            break;
        }
        if (rc == -2) {
            c->close = true;
            rt_reply_error(c, 413, "RequestEntityTooLarge", "Payload too "
                "large for the invocation's response");
            if (rt.active && rt.delivered
                && (q.route == FG_RTAPI_RESPONSE || q.route == FG_RTAPI_ERROR)
                && strcmp(q.id, rt.req.request_id) == 0)
            {
                rt_finish("too_large", 0, NULL, 0, NULL,
                    "output over %llu bytes",
                    (unsigned long long) rt.req.max_output);
            }
            break;
        }
        if (q.close)
            c->close = true;
        rt_request(c, &q, body, blen);
        if (c->fd < 0)
            break;                      /* the runtime was stopped */
        used += q.head_len;
        memmove(c->in.data, c->in.data + used, c->in.len - used);
        c->in.len -= used;
    }
    fg_buf_free(&chunked);
    if (c->fd >= 0 && c->in.len == 0 && c->in.cap > 1024 * 1024)
        fg_buf_free(&c->in);            /* a large answer went through */
    if (c->fd >= 0 && c->out.len > c->out_off)
        rt_conn_write(c);
}


static void
rt_conn_write(rt_conn_t *c)
{
    ssize_t  n;

    while (c->fd >= 0 && c->out_off < c->out.len) {
        n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                rt_conn_close(c);
            return;
        }
        c->out_off += (size_t) n;
    }
    if (c->fd < 0)
        return;
    c->out.len = c->out_off = 0;
    if (c->out.cap > 1024 * 1024)
        fg_buf_free(&c->out);
    if (c->close) {
        rt_conn_close(c);
        return;
    }
    if (c->in.len > 0 && !c->parked)
        rt_conn_process(c);
}


static void
rt_conn_read(rt_conn_t *c)
{
    char     buf[65536];
    ssize_t  n;

    n = read(c->fd, buf, sizeof(buf));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        rt_conn_close(c);
        return;
    }
    if (n < 0)
        return;
    if (c->close)
        return;                         /* the rest is dropped */
    if (fg_buf_append(&c->in, buf, (size_t) n) < 0) {
        rt_conn_close(c);
        return;
    }
    rt_conn_process(c);
}


static void
rt_accept(void)
{
    int       s;
    unsigned  i;

    for ( ;; ) {
        s = accept4(rt.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (s < 0)
            return;
        for (i = 0; i < AGENT_RT_CONNS && rt.conns[i].fd >= 0; i++) { }
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
        rt.conns[i].fd = s;
    }
}


/* INVOKE for a persistent runtime whose bootstrap is path. */
static void
rt_invoke(int fd, const fg_frame_t *f, const char *path)
{
    char             msg[PATH_MAX + 64] = "";
    const uint8_t   *v;
    size_t           len, i;
    fg_buf_t         sig = { 0 };

    rt.host_fd = fd;
    memset(&rt.res, 0, sizeof(rt.res));
    if (invoke_req_parse(f, &rt.req, true, msg, sizeof(msg)) < 0) {
        invoke_res_t  res = { .status = "failed" };

        snprintf(res.message, sizeof(res.message), "%s", msg);
        agent_send_result(fd, f->seq, rt.req.request_id, &res, NULL, false,
            0);
        invoke_req_free(&rt.req);
        memset(&rt.req, 0, sizeof(rt.req));
        return;
    }
    v = fg_frame_get(f, "function_arn", &len);
    rt.function_arn = v ? dup_field(v, len) : NULL;
    if (rt.function_arn == NULL)
        rt.function_arn = strdup("");
    for (i = 0; rt.function_arn != NULL && rt.function_arn[i]; i++)
        if ((unsigned char) rt.function_arn[i] < 0x20)
            rt.function_arn[i] = '?';   /* it goes into a header */

    rt.active = true;
    rt.delivered = false;
    rt.cold = false;
    rt.seq = f->seq;
    rt.call_us = now_us();
    rt.deadline_us = rt.call_us + rt.req.timeout_ms * 1000;
    if (rt.function_arn == NULL) {
        rt_finish("failed", 0, NULL, 0, NULL, "out of memory");
        return;
    }

    if (rt_signature(&rt.req, path, &sig) < 0) {
        rt_finish("failed", 0, NULL, 0, NULL, "out of memory");
        fg_buf_free(&sig);
        return;
    }
    if (rt.pid > 0 && (sig.len != rt.sig.len
                       || memcmp(sig.data, rt.sig.data, sig.len) != 0))
    {
        rt_stop();                      /* started with something else */
    }
    if (rt.pid <= 0) {
        rt.cold = true;
        rt.deadline_us += AGENT_RT_INIT_MS * 1000;
        if (rt_start(path, msg, sizeof(msg)) < 0) {
            rt_finish("failed", 0, NULL, 0, NULL, "%s", msg);
            fg_buf_free(&sig);
            return;
        }
        fg_buf_free(&rt.sig);
        rt.sig = sig;
        sig = (fg_buf_t) { 0 };
    }
    fg_buf_free(&sig);
    rt.oom_kills = rt.events_fd >= 0
        ? cgroup_pread_key(rt.events_fd, "oom_kill") : 0;

    for (i = 0; i < AGENT_RT_CONNS; i++) {
        if (rt.conns[i].fd >= 0 && rt.conns[i].parked) {
            rt_deliver(&rt.conns[i]);
            rt_conn_write(&rt.conns[i]);
            break;
        }
    }
}


/* ---- main loop ---- */

static void
agent_reap(void)
{
    pid_t  pid;
    int    st;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (pid == rt.pid && !rt.reaped) {
            rt.reaped = true;
            rt.wstatus = st;
        }
    }
}


/* After a malformed frame the stream cannot be trusted: drop what is
 * pending so the next frame starts clean. */
static void
agent_drain(int fd)
{
    char           buf[4096];
    struct pollfd  p = { .fd = fd, .events = POLLIN };

    while (poll(&p, 1, 50) > 0 && (p.revents & POLLIN)
        && !(p.revents & POLLHUP))
    {
        if (read(fd, buf, sizeof(buf)) <= 0)
            break;
    }
}


static void
agent_frame(int fd, const fg_frame_t *f)
{
    char  path[PATH_MAX + 64], msg[256];
    int   mode;

    switch (f->type) {
    case FG_FRAME_LOAD:
        rt_stop();                      /* its code is going away */
        agent.code_gen++;
        agent_load(fd, f);
        break;
    case FG_FRAME_INVOKE:
        if (rt.active) {
            agent_send_error(fd, f->seq, "a call is in flight");
            break;
        }
        mode = rt_bootstrap(f, path, sizeof(path), msg, sizeof(msg));
        if (mode == 1 && rt.listen_fd >= 0) {
            rt_invoke(fd, f, path);
        } else if (mode == 1 || mode < 0) {
            invoke_res_t  res = { .status = "failed" };
            const uint8_t *id;
            size_t         idlen;
            char           rid[FG_RTAPI_ID_MAX + 1] = "";

            snprintf(res.message, sizeof(res.message), "%s", mode < 0 ? msg
                : "the Runtime API is not available in this guest");
            id = fg_frame_get(f, "request_id", &idlen);
            if (id != NULL && idlen < sizeof(rid))
                memcpy(rid, id, idlen);
            agent_send_result(fd, f->seq, rid, &res, NULL, false, 0);
        } else {
            rt_stop();
            agent_invoke(fd, f);
        }
        break;
    case FG_FRAME_SYNC:
        agent_sync(fd, f);
        break;
    case FG_FRAME_PING: {
        fg_buf_t  b = { 0 };

        if (fg_frame_begin(&b, FG_FRAME_PONG, f->seq) == 0
            && fg_frame_end(&b) == 0)
        {
            agent_send(fd, &b);
        }
        fg_buf_free(&b);
        break;
    }
    default:
        agent_send_error(fd, f->seq, "unexpected frame type");
        break;
    }
}


/*
 * The one loop: the host's port, and the Runtime API with the runtime's
 * pipes.  A frame from the host is read whole once its first bytes come
 * (the host writes frames at once); everything else is non-blocking.
 */
static void
agent_serve(int fd, bool is_port)
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
        if (rt.reaped && rt.pid > 0)
            rt_exited();
        now = now_us();
        if (rt.active && now >= rt.deadline_us) {
            rt_kill();
            rt_finish("timeout", 0, NULL, 0, NULL, "timed out after %llu ms",
                (unsigned long long) rt.req.timeout_ms);
            rt_cleanup();
        }

        wait_ms = connected ? 1000 : 0;
        if (rt.active && wait_ms > 0
            && (rt.deadline_us - now) / 1000 + 1 < (uint64_t) wait_ms)
        {
            wait_ms = (int) ((rt.deadline_us - now) / 1000 + 1);
        }
        if (rt.pid > 0 && rt.pidfd < 0 && wait_ms > 10)
            wait_ms = 10;               /* no pidfd: poll waitpid */

        p[np++] = (struct pollfd) { .fd = fd, .events = POLLIN };
        if (rt.listen_fd >= 0) {
            p[np] = (struct pollfd) { .fd = rt.listen_fd, .events = POLLIN };
            ilisten = np++;
        }
        for (i = 0; i < AGENT_RT_CONNS; i++) {
            rt_conn_t  *c = &rt.conns[i];

            iconn[i] = -1;
            if (c->fd < 0)
                continue;
            p[np] = (struct pollfd) { .fd = c->fd, .events = POLLIN };
            if (c->out.len > c->out_off)
                p[np].events |= POLLOUT;
            iconn[i] = np++;
        }
        if (rt.out_fd >= 0) {
            p[np] = (struct pollfd) { .fd = rt.out_fd, .events = POLLIN };
            iout = np++;
        }
        if (rt.err_fd >= 0) {
            p[np] = (struct pollfd) { .fd = rt.err_fd, .events = POLLIN };
            ierr = np++;
        }
        if (rt.pidfd >= 0) {
            p[np] = (struct pollfd) { .fd = rt.pidfd, .events = POLLIN };
            ipid = np++;
        }

        rc = poll(p, (nfds_t) np, wait_ms);
        if (rc < 0 && errno != EINTR) {
            agent_log("poll: %s", strerror(errno));
            sleep(1);
            continue;
        }
        if (rc > 0) {
            if (iout >= 0 && p[iout].revents)
                rt_log_read(&rt.out_fd);
            if (ierr >= 0 && p[ierr].revents)
                rt_log_read(&rt.err_fd);
            if (ilisten >= 0 && p[ilisten].revents)
                rt_accept();
            for (i = 0; i < AGENT_RT_CONNS; i++) {
                rt_conn_t  *c = &rt.conns[i];

                if (iconn[i] < 0 || c->fd < 0 || p[iconn[i]].revents == 0)
                    continue;
                if (p[iconn[i]].revents & POLLOUT)
                    rt_conn_write(c);
                if (c->fd >= 0
                    && (p[iconn[i]].revents & (POLLIN | POLLHUP | POLLERR)))
                {
                    rt_conn_read(c);
                }
            }
            if (ipid >= 0 && p[ipid].revents && rt.pid > 0
                && !rt.reaped
                && waitpid(rt.pid, &rt.wstatus, WNOHANG) == rt.pid)
            {
                rt.reaped = true;
            }
        }
        if (rt.pid > 0 && rt.pidfd < 0 && !rt.reaped
            && waitpid(rt.pid, &rt.wstatus, WNOHANG) == rt.pid)
        {
            rt.reaped = true;
        }

        /*
         * A virtio port reports POLLHUP while no host is connected to its
         * socket; what is written then is lost, so HELLO goes out each
         * time a host (re)connects.
         */
        if (p[0].revents & POLLHUP) {
            if (!is_port)
                break;
            connected = false;
            usleep(20000);
            continue;
        }
        if (!connected) {
            connected = true;
            agent_send_hello(fd);
        }
        if (rc <= 0 || !(p[0].revents & POLLIN))
            continue;

        if (fg_frame_read(fd, &buf, &f, AGENT_FRAME_MS) < 0) {
            if (errno == EPROTO || errno == ETIMEDOUT) {
                agent_log("bad frame from host: %s", strerror(errno));
                agent_send_error(fd, 0, "malformed frame");
                agent_drain(fd);
                continue;
            }
            if (!is_port)
                break;                     /* test mode: peer closed */
            usleep(20000);
            continue;
        }
        agent_frame(fd, &f);
        /* Large LOADs should not pin memory between calls. */
        if (buf.cap > 1024 * 1024)
            fg_buf_free(&buf);
    }
    fg_buf_free(&buf);
    rt_stop();                          /* test mode: leave nothing behind */
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
        if (!cg_given)
            agent.cgroup_dir = NULL;       /* the host's cgroups: only -c */
        agent_setup_cgroup();
        rt_listen(port);
        agent_serve(fd, false);
        return 0;
    }

    agent.tmp_dir = "/tmp";
    agent.sandbox = true;
    agent_boot();
    agent_lo_up();
    rt_listen(AGENT_RT_PORT);
    for ( ;; ) {
        fd = agent_open_port();
        if (fd >= 0)
            break;
        agent_log("no virtio port named %s; retrying", AGENT_PORT_NAME);
        sleep(1);
    }
    agent_serve(fd, true);
    /* not reached: PID 1 never returns */
    for ( ;; )
        pause();
}
