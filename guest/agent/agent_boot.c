/*
 * agent_boot: PID 1's start-up.  It mounts the pseudo file systems, loads
 * the kernel modules listed in /etc/fngate-modules (in that order), mounts
 * the runtime disk, primes the shell, hardens the kernel, brings lo up and
 * finds the virtio-serial port named org.fngate.agent.0.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "agent.h"
#include "fg_netif.h"


static void
agent_boot_mount(const char *src, const char *dst, const char *type,
    unsigned long flags, const char *data)
{
    mkdir(dst, 0755);
    if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY) {
        agent_log("mount %s on %s: %s", type, dst, strerror(errno));
    }
}


static void
agent_boot_modules(void)
{
    FILE  *f;
    char   line[PATH_MAX];
    int    fd;

    f = fopen("/etc/fngate-modules", "re");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        fd = open(line, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            agent_log("module %s: %s", line, strerror(errno));
            continue;
        }
        if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) {
            agent_log("module %s: %s", line, strerror(errno));
        }
        close(fd);
        /* Loaded, the file is 2.8 MB of the guest's RAM (the initramfs
         * is a tmpfs) that nothing reads again.  With init_on_free=1 on
         * the guest's command line it is zeroed before the pool's
         * snapshot and costs no host memory in any guest. */
        unlink(line);
    }
    fclose(f);
}


/*
 * Under TCG the first run of a program pays for translating its code.  One
 * shell run before HELLO moves that cost from the first call to the boot.
 */
static void
agent_boot_prime(void)
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
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
}


/*
 * The runtime disk (guest/image/mkruntimes.sh), when the host attached
 * one: the first virtio disk, read-only on /var/runtime.  Its driver
 * probed it while its module loaded; the node may take a moment to
 * appear.
 */
static void
agent_boot_runtimes(void)
{
    char          num[32];
    unsigned int  maj, min;

    if (agent_file_read("/sys/block/vda/dev", num, sizeof(num)) <= 0) {
        return;
    }
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
 * kernel goes (docs/security.md): no more modules (they are all
 * loaded), no kexec, kernel pointers, log and perf counters hidden, no
 * user namespaces, no unprivileged bpf or userfaultfd, ptrace of
 * descendants only, no raw memory or port devices, and the agent's own
 * files readable by root alone.  The sandbox (agent_sandbox.c) takes the
 * rest; these hold even if it had a hole.
 */
static void
agent_boot_harden(void)
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
        if (agent_file_write(path, sysctl[i][1]) < 0) {
            agent_log("sysctl %s = %s: %s", sysctl[i][0], sysctl[i][1],
                strerror(errno));
        }
    }
    for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        if (unlink(gone[i]) < 0 && errno != ENOENT) {
            agent_log("unlink %s: %s", gone[i], strerror(errno));
        }
    }
    chmod("/init", 0700);
    chmod("/etc/fngate-modules", 0600);
}


void
agent_boot_run(void)
{
    /* A function sees only its own processes; the agent (root) all. */
    agent_boot_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
        "hidepid=invisible");
    agent_boot_mount("sysfs", "/sys", "sysfs",
        MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    agent_boot_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    agent_boot_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
        "mode=1777");
    agent_boot_mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
        MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mkdir("/dev/pts", 0755);
    agent_boot_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        NULL);
    mkdir("/var/task", 0755);
    symlink("/proc/self/fd", "/dev/fd");
    symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout");
    symlink("/proc/self/fd/2", "/dev/stderr");
    setenv("PATH", "/bin", 1);
    agent_file_write("/proc/self/oom_score_adj", "-1000");
    agent_boot_modules();
    agent_boot_runtimes();
    agent_cgroup_setup();
    agent_boot_prime();
    agent_boot_harden();
}


/* The /dev node of the virtio-serial port named AGENT_PORT_NAME. */
static int
agent_boot_find_port(char *dev, size_t size)
{
    DIR            *d;
    struct dirent  *e;
    char            path[PATH_MAX], name[128];
    int             found = -1;

    d = opendir("/sys/class/virtio-ports");
    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
            e->d_name);
        if (agent_file_read(path, name, sizeof(name)) <= 0) {
            continue;
        }
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


int
agent_boot_open_port(void)
{
    char      dev[PATH_MAX];
    unsigned  i;
    int       fd;

    /* The port's name arrives from the host after the driver probed. */
    for (i = 0; i < 3000; i++) {
        if (agent_boot_find_port(dev, sizeof(dev)) == 0) {
            fd = open(dev, O_RDWR | O_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
        }
        usleep(10000);
    }
    return -1;
}


/* Brings up lo, which has 127.0.0.1 once up (PID 1 only). */
void
agent_boot_lo_up(void)
{
    struct ifreq  ifr;
    int           s;

    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
            agent_log("lo up: %s", strerror(errno));
        }
    }
    close(s);
}



/*
 * Gives eth0 the address addr/32 the host chose for this guest (SYNC, after
 * every boot and restore: a restored guest carries the saved guest's), a
 * route to the host's end gw and the default route through it (PID 1 only).
 * What the guest may reach is the host's business (docs/network.md): these
 * routes only make packets leave by the one interface there is.
 */
int
agent_boot_net_up(const char *addr, const char *gw)
{
    struct in_addr  a, g;

    if (inet_pton(AF_INET, addr, &a) != 1 || inet_pton(AF_INET, gw, &g) != 1)
    {
        agent_log("net: bad address %s or gateway %s", addr, gw);
        return -1;
    }
    if (fg_netif_up("eth0", a.s_addr) < 0
        || fg_netif_route("eth0", g.s_addr, 0) < 0
        || fg_netif_route("eth0", 0, g.s_addr) < 0)
    {
        agent_log("net: eth0 %s via %s: %s", addr, gw, strerror(errno));
        return -1;
    }
    return 0;
}
