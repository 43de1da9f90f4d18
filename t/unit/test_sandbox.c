/*
 * CUnit tests of the agent's sandbox (guest/agent/agent_sandbox.c), on
 * the host: a child enters it and reports what it may still do.  Entering
 * needs root, as the agent is in its guest.
 */

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <CUnit/Basic.h>

#include "cu_main.h"
#include "agent_sandbox.h"

#define SBX_UID  (AGENT_SANDBOX_ID_BASE + 4242)


/* The value of field (e.g. "CapEff") in /proc/self/status, as text. */
static void
status_field(const char *field, char *out, size_t size)
{
    FILE    *f = fopen("/proc/self/status", "r");
    char     line[256];
    size_t   n = strlen(field);

    snprintf(out, size, "?");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            snprintf(out, size, "%s", line + n + 1 + strspn(line + n + 1,
                " \t"));
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}


/* errno of a call that failed, 0 when it succeeded. */
#define ERR_OF(call)  ((call) < 0 ? errno : 0)

/*
 * What the child found, one bit per promise kept: the parent checks the
 * exit status against the full mask, and reports the first bit missing.
 */
static const char *const  promises[] = {
    "entered", "uid and gid", "no groups", "no effective capabilities",
    "empty bounding set", "no_new_privs", "seccomp filter",
    "mount: EPERM", "unshare(CLONE_NEWUSER): EPERM",
    "clone(CLONE_NEWNET): EPERM", "clone3: ENOSYS", "keyctl: EPERM",
    "init_module: EPERM", "setuid(0) fails", "fork still works",
    "kill of uid 0's process: EPERM",
};
#define NPROMISES  (sizeof(promises) / sizeof(promises[0]))


static unsigned
child_checks(void)
{
    char      msg[256], v[64];
    unsigned  ok = 0, bit = 0;
    pid_t     pid;
    int       st;

#define PROMISE(cond)  do { if (cond) ok |= 1u << bit; bit++; } while (0)
    PROMISE(agent_sandbox_enter(SBX_UID, SBX_UID, msg, sizeof(msg)) == 0);
    PROMISE(getuid() == SBX_UID && geteuid() == SBX_UID
            && getgid() == SBX_UID && getegid() == SBX_UID);
    PROMISE(getgroups(0, NULL) == 0);
    status_field("CapEff", v, sizeof(v));
    PROMISE(strcmp(v, "0000000000000000") == 0);
    status_field("CapBnd", v, sizeof(v));
    PROMISE(strcmp(v, "0000000000000000") == 0);
    PROMISE(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    status_field("Seccomp", v, sizeof(v));
    PROMISE(strcmp(v, "2") == 0);
    PROMISE(ERR_OF(mount("none", "/nonexistent", "tmpfs", 0, NULL))
            == EPERM);
    PROMISE(ERR_OF(unshare(CLONE_NEWUSER)) == EPERM);
    PROMISE(ERR_OF(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0))
            == EPERM);
    PROMISE(ERR_OF(syscall(SYS_clone3, NULL, 0)) == ENOSYS);
    PROMISE(ERR_OF(syscall(SYS_keyctl, 0, -3, 0)) == EPERM);
    PROMISE(ERR_OF(syscall(SYS_init_module, NULL, 0, "")) == EPERM);
    PROMISE(setuid(0) < 0);
    pid = fork();
    if (pid == 0) {
        _exit(7);
    }
    PROMISE(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st)
            && WEXITSTATUS(st) == 7);
    PROMISE(ERR_OF(kill(getppid(), 0)) == EPERM);
#undef PROMISE
    return ok;
}


static void
test_enter(void)
{
    int       pfd[2], st;
    unsigned  got = 0, want = (1u << NPROMISES) - 1, i;
    pid_t     pid;

    CU_ASSERT_EQUAL_FATAL(geteuid(), 0);       /* the agent is root too */
    CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        unsigned  ok = child_checks();

        if (write(pfd[1], &ok, sizeof(ok)) < 0) {
            _exit(2);
        }
        _exit(0);
    }
    close(pfd[1]);
    CU_ASSERT_EQUAL(read(pfd[0], &got, sizeof(got)), (ssize_t) sizeof(got));
    close(pfd[0]);
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (i = 0; i < NPROMISES; i++) {
        if (!(got & (1u << i))) {
            fprintf(stderr, "\nsandbox promise broken: %s\n", promises[i]);
        }
    }
    CU_ASSERT_EQUAL(got, want);
}


static void
test_enter_refuses_root(void)
{
    char  msg[128] = "";

    /* uid or gid 0 would be no sandbox: refused before anything drops. */
    CU_ASSERT_EQUAL(agent_sandbox_enter(0, SBX_UID, msg, sizeof(msg)), -1);
    CU_ASSERT(strstr(msg, "must not be 0") != NULL);
    CU_ASSERT_EQUAL(agent_sandbox_enter(SBX_UID, 0, msg, sizeof(msg)), -1);
    CU_ASSERT_EQUAL(geteuid(), 0);
}


/* A process of uid that lives until killed (it forks one more, in a
 * session of its own, to hide); its pid. */
static pid_t
start_uid_process(uid_t uid)
{
    pid_t  pid = fork();

    if (pid == 0) {
        if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0) {
            _exit(1);
        }
        if (fork() == 0) {
            setsid();
            for ( ;; ) {
                pause();
            }
        }
        for ( ;; ) {
            pause();
        }
    }
    return pid;
}


static void
test_kill_uid(void)
{
    pid_t  victim, bystander;
    int    st;

    victim = start_uid_process(SBX_UID);
    bystander = start_uid_process(SBX_UID + 1);
    CU_ASSERT_FATAL(victim > 0 && bystander > 0);
    usleep(100000);

    CU_ASSERT_EQUAL(agent_sandbox_kill_uid(SBX_UID), 0);
    CU_ASSERT_EQUAL(waitpid(victim, &st, 0), victim);
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    /* its hidden child too: no process of the uid is left, once the
     * killed one is reaped by whoever adopted it */
    {
        char      cmd[128];
        unsigned  i;
        int       rc = 0;

        snprintf(cmd, sizeof(cmd), "pgrep -U %u >/dev/null",
            (unsigned) SBX_UID);
        for (i = 0; i < 100 && (rc = system(cmd)) == 0; i++) {
            usleep(20000);
        }
        CU_ASSERT_NOT_EQUAL(rc, 0);
        snprintf(cmd, sizeof(cmd), "pgrep -U %u >/dev/null",
            (unsigned) SBX_UID + 1);
        CU_ASSERT_EQUAL(system(cmd), 0);     /* another uid's: untouched */
    }
    /* uid 0 is never a sandbox: refused */
    CU_ASSERT_EQUAL(agent_sandbox_kill_uid(0), -1);

    agent_sandbox_kill_uid(SBX_UID + 1);
    waitpid(bystander, &st, 0);
}


static const cu_test_t  sandbox_tests[] = {
    { "a child enters the sandbox", test_enter },
    { "uid or gid 0 refused", test_enter_refuses_root },
    { "every process of a uid killed, no other", test_kill_uid },
    { NULL, NULL }
};

static const cu_suite_t  sandbox_suites[] = {
    { "agent sandbox", NULL, NULL, sandbox_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(sandbox_suites, CU_BRM_NORMAL);
}
