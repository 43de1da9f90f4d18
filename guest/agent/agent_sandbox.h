/*
 * The sandbox a function's code runs in, inside its guest
 * (docs/security.md): an unprivileged uid and gid of its own, no
 * supplementary groups, no capabilities (the bounding set emptied too),
 * no_new_privs, and a seccomp filter that refuses what a function has no
 * business doing.  The agent (root, PID 1) enters it in the child it
 * forks, just before exec; nothing here needs the guest, so CUnit tries
 * it on the host (t/unit/test_sandbox.c).
 */
#ifndef AGENT_SANDBOX_H
#define AGENT_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The sandbox ids: AGENT_SANDBOX_ID_BASE + a number the agent counts. */
#define AGENT_SANDBOX_ID_BASE   10000u
#define AGENT_SANDBOX_IDS       50000u
/* Processes and threads one call may have at once (Lambda's limit). */
#define AGENT_SANDBOX_PIDS_MAX  1024u

/*
 * Drops every privilege for good and installs the filter: the calling
 * process (root) becomes uid:gid.  0 on success; -1 with msg set, and the
 * caller must not exec.
 */
int agent_sandbox_enter(uid_t uid, gid_t gid, char *msg, size_t msize);

/* Installs the seccomp filter alone (no_new_privs first). */
int agent_sandbox_seccomp(void);

/*
 * Kills every process that runs as uid (a child of the caller takes the
 * uid and signals all it may: only that uid's processes) and waits for
 * that child.  0, or -1 when the child could not be made.
 */
int agent_sandbox_kill_uid(uid_t uid);

#endif /* AGENT_SANDBOX_H */
