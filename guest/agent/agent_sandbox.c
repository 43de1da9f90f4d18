/*
 * agent_sandbox: a function's code loses every privilege before it runs
 * (agent_sandbox.h).
 */

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "agent_sandbox.h"

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS  0x80000000U
#endif
#define X32_SYSCALL_BIT           0x40000000U

/*
 * What a function has no business doing, refused with EPERM: loading or
 * replacing the kernel, reading its memory or log, raw I/O, mounts and
 * namespaces (also through clone's flags), the kernel's keyrings, the
 * clock, swap, accounting, and interfaces too new or too wide to vet
 * (io_uring, bpf, perf, userfaultfd, file handles).  Most of these need a
 * capability the sandbox no longer has; the filter refuses them again so
 * that a kernel bug in a capability check does not open them.  ptrace
 * stays: the kernel allows it only on the sandbox's own processes (same
 * uid, and Yama's scope 1 in the guest: descendants only).
 */
static const unsigned  sandbox_denied[] = {
    SYS_init_module, SYS_finit_module, SYS_delete_module,
    SYS_kexec_load, SYS_kexec_file_load, SYS_reboot,
    SYS_perf_event_open, SYS_bpf, SYS_userfaultfd,
    SYS_iopl, SYS_ioperm,
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot,
    SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_open_tree,
    SYS_move_mount, SYS_mount_setattr,
    SYS_unshare, SYS_setns,
    SYS_swapon, SYS_swapoff, SYS_acct, SYS_quotactl, SYS_syslog,
    SYS_keyctl, SYS_add_key, SYS_request_key,
    SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex,
    SYS_open_by_handle_at, SYS_name_to_handle_at,
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
    SYS_fanotify_init, SYS_lookup_dcookie, SYS_uselib, SYS_vhangup,
};

#define SANDBOX_NS_FLAGS  (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS \
                           | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID \
                           | CLONE_NEWNET)

#define SANDBOX_DENIED    (sizeof(sandbox_denied) / sizeof(sandbox_denied[0]))
/* arch (3), x32 (2), denied (2 each), clone (4), clone3 (2), allow and
 * refuse (2) */
#define SANDBOX_PROG_LEN  (3 + 2 + 2 * SANDBOX_DENIED + 4 + 2 + 2)


int
agent_sandbox_seccomp(void)
{
    struct sock_filter  prog[SANDBOX_PROG_LEN], *p = prog;
    struct sock_fprog   fprog;
    size_t              i;

#define STMT(code, k)          (*p++ = (struct sock_filter) \
                                BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf)  (*p++ = (struct sock_filter) \
                                BPF_JUMP((code), (k), (jt), (jf)))

    /* Only x86_64's own calls: an i386 call (int 0x80) kills the process,
     * an x32 one is refused. */
    STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 2 * SANDBOX_DENIED + 7,
        0);

    for (i = 0; i < SANDBOX_DENIED; i++) {
        JUMP(BPF_JMP | BPF_JEQ | BPF_K, sandbox_denied[i], 0, 1);
        STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    }

    /* clone: refused when it asks for a new namespace. */
    JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3);
    STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    JUMP(BPF_JMP | BPF_JSET | BPF_K, SANDBOX_NS_FLAGS, 4, 0);
    STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

    /* clone3 keeps its flags in memory the filter can not read: ENOSYS,
     * and the C library falls back to clone. */
    JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
    STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);

    STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    /* (the x32 jump and clone's namespace jump land here) */
    STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);

#undef STMT
#undef JUMP

    fprog.len = (unsigned short) (p - prog);
    fprog.filter = prog;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        return -1;
    }
    return (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}


int
agent_sandbox_enter(uid_t uid, gid_t gid, char *msg, size_t msize)
{
    unsigned long  cap;

    if (uid == 0 || gid == 0) {
        snprintf(msg, msize, "sandbox: uid and gid must not be 0");
        return -1;
    }
    /* The bounding set first: dropping needs CAP_SETPCAP, which the uid
     * change below takes away.  Every capability the kernel knows, up to
     * the first number it does not (EINVAL): one call each. */
    for (cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++) { }
    if (errno != EINVAL || cap <= CAP_LAST_CAP) {
        snprintf(msg, msize, "sandbox: drop capability %lu: %s", cap,
            strerror(errno));
        return -1;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0
        && errno != EINVAL)
    {
        snprintf(msg, msize, "sandbox: ambient capabilities: %s",
            strerror(errno));
        return -1;
    }
    /* From uid 0 to another, with SECBIT_KEEP_CAPS clear: the kernel
     * empties the permitted and effective sets. */
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0
        || setresuid(uid, uid, uid) < 0)
    {
        snprintf(msg, msize, "sandbox: become %u:%u: %s", (unsigned) uid,
            (unsigned) gid, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0 || setresuid(-1, 0, -1) == 0) {
        snprintf(msg, msize, "sandbox: uid 0 came back");
        return -1;
    }
    if (agent_sandbox_seccomp() < 0) {
        snprintf(msg, msize, "sandbox: seccomp: %s", strerror(errno));
        return -1;
    }
    return 0;
}


int
agent_sandbox_kill_uid(uid_t uid)
{
    pid_t  pid;
    int    st;

    if (uid == 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        unsigned  i;

        /* As uid, kill(-1) reaches exactly uid's processes (and not this
         * one).  Again while it finds some, a few times: a process may
         * fork while the signals go out (zombies not yet reaped count as
         * found too, hence the bound). */
        if (setresuid(uid, uid, uid) < 0) {
            _exit(1);
        }
        for (i = 0; i < 20 && kill(-1, SIGKILL) == 0; i++) {
            usleep(1000);
        }
        _exit(0);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) { }
    return 0;
}
