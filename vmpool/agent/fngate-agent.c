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
 * For tests on the host it also runs as an ordinary process:
 *     fngate-agent -f FD [-t TASK_DIR] [-c CGROUP_DIR]
 * serves frames on FD without mounting or loading anything.
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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/random.h>

#include "fg_frame.h"

#define AGENT_VERSION     "1"
#define AGENT_PORT_NAME   "org.fngate.agent.0"
#define AGENT_STDERR_KEEP 4096
#define AGENT_MAX_ENV     1024
#define AGENT_FRAME_MS    30000   /* a frame's bytes must all come within */

typedef struct {
    const char  *task_dir;      /* /var/task */
    const char  *cgroup_dir;    /* /sys/fs/cgroup, or NULL: none */
    bool         pid1;
    bool         cgroup_ok;     /* memory controller usable */
    unsigned     ncall;         /* names the per-call cgroups */
} agent_t;

static agent_t agent = {
    .task_dir = "/var/task",
    .cgroup_dir = "/sys/fs/cgroup",
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


static void
agent_boot(void)
{
    agent_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
        NULL);
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
    agent_setup_cgroup();
    agent_prime();
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

    uname(&u);
    if (fg_frame_begin(&b, FG_FRAME_HELLO, 0) == 0
        && fg_frame_add_str(&b, "version", AGENT_VERSION) == 0
        && fg_frame_add_str(&b, "kernel", u.release) == 0
        && fg_frame_add_str(&b, "cgroup", agent.cgroup_ok ? "1" : "0") == 0
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
invoke_req_parse(const fg_frame_t *f, invoke_req_t *r, char *msg,
    size_t msize)
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
    val = fg_frame_get(f, "handler", &vlen);
    if (val == NULL || !fg_frame_path_ok(val, vlen)
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


/* A fresh cgroup for one call, so memory.peak starts from zero. */
static int
invoke_cgroup(char *dir, size_t size, uint64_t memory_mb)
{
    char  path[PATH_MAX + 64], num[32];

    if (!agent.cgroup_ok)
        return -1;
    snprintf(dir, size, "%s/call%u", agent.cgroup_dir, ++agent.ncall);
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
    return 0;
}


static uint64_t
cgroup_read_key(const char *dir, const char *file, const char *key)
{
    char   path[PATH_MAX + 64], buf[2048], *p;
    size_t klen = key ? strlen(key) : 0;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (read_file(path, buf, sizeof(buf)) < 0)
        return 0;
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
        while (waitpid(-1, NULL, WNOHANG) > 0) { }
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


/* Child side: never returns. */
static void
invoke_child(const invoke_req_t *r, int in, int out, int err, int status_fd,
    const char *cgdir)
{
    char              path[PATH_MAX + 64], *argv[3];
    struct rlimit     rl;
    sigset_t          none;
    int               e;

    setsid();
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);

    if (cgdir != NULL) {
        snprintf(path, sizeof(path), "%s/cgroup.procs", cgdir);
        if (write_file(path, "0") < 0)
            cgdir = NULL;
    }
    if (cgdir == NULL) {
        rl.rlim_cur = rl.rlim_max = (rlim_t) r->memory_mb * 1024 * 1024;
        setrlimit(RLIMIT_AS, &rl);
    }
    if (agent.pid1)
        write_file("/proc/self/oom_score_adj", "0");

    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        goto fail;
    if (chdir(agent.task_dir) < 0)
        goto fail;
    snprintf(path, sizeof(path), "%s/%s", agent.task_dir, r->handler);
    argv[0] = path;
    argv[1] = NULL;
    execve(path, argv, r->env);
    if (errno == ENOEXEC) {
        /* A script without "#!": as execvp does, give it to the shell. */
        argv[0] = (char *) "/bin/sh";
        argv[1] = path;
        argv[2] = NULL;
        execve("/bin/sh", argv, r->env);
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
    have_cg = invoke_cgroup(cgdir, sizeof(cgdir), r->memory_mb) == 0;

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
    if (pid == 0)
        invoke_child(r, in[0], out[1], err[1], st[1],
            have_cg ? cgdir : NULL);

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
    if (pidfd >= 0)
        close(pidfd);
    for (e = 0; e < 2; e++) {
        if (in[e] >= 0) close(in[e]);
        if (out[e] >= 0) close(out[e]);
        if (err[e] >= 0) close(err[e]);
        if (st[e] >= 0) close(st[e]);
    }
}


static void
agent_invoke(int fd, const fg_frame_t *f)
{
    invoke_req_t  req;
    invoke_res_t  res;
    fg_buf_t      b = { 0 };
    char          msg[256] = "", errbuf[AGENT_STDERR_KEEP];
    size_t        start, first;

    memset(&res, 0, sizeof(res));
    if (invoke_req_parse(f, &req, msg, sizeof(msg)) < 0) {
        res.status = "failed";
        snprintf(res.message, sizeof(res.message), "%s", msg);
    } else {
        invoke_run(&req, &res);
    }

    /* Unroll the stderr ring. */
    start = res.err_len < AGENT_STDERR_KEEP ? 0 : res.err_pos;
    first = AGENT_STDERR_KEEP - start;
    if (first > res.err_len)
        first = res.err_len;
    memcpy(errbuf, res.err + start, first);
    memcpy(errbuf + first, res.err, res.err_len - first);

    if (fg_frame_begin(&b, FG_FRAME_RESULT, f->seq) < 0
        || fg_frame_add_str(&b, "request_id",
               req.request_id ? req.request_id : "") < 0
        || fg_frame_add_str(&b, "status", res.status) < 0
        || fg_frame_add_u64(&b, "exit", (uint64_t) res.code) < 0
        || fg_frame_add(&b, "stdout", res.out.data, res.out.len) < 0
        || fg_frame_add(&b, "stderr", errbuf, res.err_len) < 0
        || fg_frame_add_u64(&b, "duration_us", res.duration_us) < 0
        || fg_frame_add_u64(&b, "max_rss_kb", res.max_rss_kb) < 0
        || fg_frame_add_str(&b, "message", res.message) < 0
        || fg_frame_end(&b) < 0)
    {
        agent_send_error(fd, f->seq, "out of memory building RESULT");
    } else {
        agent_send(fd, &b);
    }
    fg_buf_free(&b);
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


/* ---- main loop ---- */

static void
agent_reap(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0) { }
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
agent_serve(int fd, bool is_port)
{
    fg_buf_t    buf = { 0 };
    fg_frame_t  f;
    bool        connected = false;

    for ( ;; ) {
        struct pollfd  p = { .fd = fd, .events = POLLIN };
        int            rc;

        agent_reap();
        rc = poll(&p, 1, connected ? 1000 : 0);
        if (rc < 0 && errno != EINTR) {
            agent_log("poll: %s", strerror(errno));
            sleep(1);
            continue;
        }
        /*
         * A virtio port reports POLLHUP while no host is connected to its
         * socket; what is written then is lost, so HELLO goes out each
         * time a host (re)connects.
         */
        if (p.revents & POLLHUP) {
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
        if (rc <= 0 || !(p.revents & POLLIN))
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

        switch (f.type) {
        case FG_FRAME_LOAD:
            agent_load(fd, &f);
            break;
        case FG_FRAME_INVOKE:
            agent_invoke(fd, &f);
            break;
        case FG_FRAME_SYNC:
            agent_sync(fd, &f);
            break;
        case FG_FRAME_PING: {
            fg_buf_t  b = { 0 };

            if (fg_frame_begin(&b, FG_FRAME_PONG, f.seq) == 0
                && fg_frame_end(&b) == 0)
            {
                agent_send(fd, &b);
            }
            fg_buf_free(&b);
            break;
        }
        default:
            agent_send_error(fd, f.seq, "unexpected frame type");
            break;
        }
        /* Large LOADs should not pin memory between calls. */
        if (buf.cap > 1024 * 1024)
            fg_buf_free(&buf);
    }
    fg_buf_free(&buf);
}


int
main(int argc, char **argv)
{
    int   fd = -1, opt;
    bool  cg_given = false;

    signal(SIGPIPE, SIG_IGN);
    agent.pid1 = getpid() == 1;

    while (!agent.pid1 && (opt = getopt(argc, argv, "f:t:c:")) != -1) {
        switch (opt) {
        case 'f': fd = atoi(optarg); break;
        case 't': agent.task_dir = optarg; break;
        case 'c': agent.cgroup_dir = optarg; cg_given = true; break;
        default:
            fprintf(stderr, "usage: fngate-agent -f FD [-t TASK_DIR] "
                "[-c CGROUP_DIR]\n");
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
        agent_serve(fd, false);
        return 0;
    }

    agent_boot();
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
