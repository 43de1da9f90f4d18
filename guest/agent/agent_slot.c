/*
 * agent_slot: the sandboxes a guest holds (docs/vms.md "Sandboxes").
 *
 * A guest of an account holds up to AGENT_SLOTS sandboxes, one per
 * function version the host put in it, numbered by the host: LOAD and
 * INVOKE name theirs in "sandbox" (absent: 0).  One of them is current:
 * its code is at the task directory, its /tmp entries in /tmp, its
 * runtime in agent_rt, its uid in agent.sbx_id.  The others are set
 * aside: their task directory renamed to AGENT_SLOT_ASIDE (root only),
 * their /tmp entries moved to the agent's own directory of /tmp, their
 * state in agent_slots[], and their runtime frozen (its cgroup's
 * cgroup.freeze): it keeps its memory and its init, runs nothing, sees
 * nothing of the current sandbox and reaches neither the Runtime API nor
 * the network until its sandbox is current again.  A runtime that cannot
 * be frozen (no cgroup) is stopped when its sandbox is set aside.
 *
 * The host sends one frame at a time and a call ends before the next
 * frame, so a switch never finds a call in flight.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "agent.h"

/* What a sandbox set aside keeps of the current one's state. */
typedef struct {
    bool        used;           /* loaded, or running a runtime */
    agent_rt_t  rt;
    unsigned    sbx_id;
    unsigned    code_gen;
} agent_slot_t;

static agent_slot_t  agent_slots[AGENT_SLOTS];


/* The agent's own directory in /tmp (AGENT_TMP_OWN: root's, mode 0700),
 * made when it is missing or not what the agent made; then path is
 * /tmp/AGENT_TMP_OWN/name.  0, or -1 (no /tmp). */
static int
agent_tmp_own(const char *name, char *path, size_t size)
{
    struct stat  st;

    if (agent.tmp_dir == NULL) {
        return -1;
    }
    snprintf(path, size, "%s/" AGENT_TMP_OWN, agent.tmp_dir);
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0
        || (st.st_mode & 077) != 0)
    {
        /* a function's file of that name is no place for another's */
        agent_tree_empty(path);
        remove(path);
        if (mkdir(path, 0700) < 0) {
            agent_log("mkdir %s: %s", path, strerror(errno));
            return -1;
        }
    }
    snprintf(path, size, "%s/" AGENT_TMP_OWN "/%s", agent.tmp_dir, name);
    return 0;
}


void
agent_tmp_clear(void)
{
    if (agent.tmp_dir != NULL) {
        agent_tree_move(agent.tmp_dir, NULL, AGENT_TMP_OWN);
    }
}


/* Where the task directory of a sandbox set aside as name waits: beside
 * the task directory (the same file system), root only. */
static void
agent_aside_path(const char *name, char *path, size_t size)
{
    char  dir[PATH_MAX - 64];

    snprintf(dir, sizeof(dir), "%s" AGENT_SLOT_ASIDE, agent.task_dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        agent_log("mkdir %s: %s", dir, strerror(errno));
    }
    snprintf(path, size, "%s/%s", dir, name);
}


void
agent_files_aside(const char *name)
{
    char  path[PATH_MAX];

    agent_aside_path(name, path, sizeof(path));
    agent_tree_empty(path);
    rmdir(path);
    if (rename(agent.task_dir, path) < 0) {
        agent_log("rename %s: %s", agent.task_dir, strerror(errno));
        agent_tree_empty(agent.task_dir);
    }
    mkdir(agent.task_dir, 0755);
    if (agent_tmp_own(name, path, sizeof(path)) == 0) {
        agent_tree_empty(path);
        rmdir(path);
        if (mkdir(path, 0700) == 0) {
            agent_tree_move(agent.tmp_dir, path, AGENT_TMP_OWN);
        } else {
            agent_log("mkdir %s: %s", path, strerror(errno));
            agent_tmp_clear();
        }
    }
}


void
agent_files_back(const char *name)
{
    char  path[PATH_MAX];

    agent_tree_empty(agent.task_dir);
    rmdir(agent.task_dir);
    agent_aside_path(name, path, sizeof(path));
    if (rename(path, agent.task_dir) < 0) {
        if (errno != ENOENT) {
            agent_log("rename %s: %s", path, strerror(errno));
        }
        mkdir(agent.task_dir, 0755);
    }
    if (agent_tmp_own(name, path, sizeof(path)) == 0) {
        agent_tmp_clear();
        agent_tree_move(path, agent.tmp_dir, NULL);
        rmdir(path);
    }
}


/* Freezes ("1") or thaws ("0") the runtime's cgroup, and waits until
 * the kernel says it is done (cgroup.events "frozen"): 0, or -1. */
static int
agent_slot_freeze(const agent_rt_t *rt, const char *how)
{
    char      path[sizeof(rt->cgdir) + 16];
    unsigned  i;

    if (!rt->have_cg) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/cgroup.freeze", rt->cgdir);
    if (agent_file_write(path, how) < 0) {
        return -1;
    }
    for (i = 0; i < 200; i++) {
        if (agent_cgroup_read_key(rt->cgdir, "cgroup.events", "frozen")
            == (uint64_t) (how[0] == '1'))
        {
            return 0;
        }
        usleep(500);
    }
    errno = ETIMEDOUT;
    return -1;
}


/* The current sandbox set aside in its slot. */
static void
agent_slot_park(void)
{
    agent_slot_t  *s = &agent_slots[agent.slot];
    char           name[32];

    if (agent_rt.pid > 0 && agent_slot_freeze(&agent_rt, "1") < 0) {
        if (agent_rt.have_cg) {
            agent_log("freeze %s: %s; its runtime stops", agent_rt.cgdir,
                strerror(errno));
        }
        agent_runtime_stop();
    }
    if (agent_rt.pid > 0) {
        /* connections it made and the agent has not taken yet are its
         * own (nothing else ran): they wait with it */
        agent_rtapi_accept();
    }
    s->used = agent.sbx_id != 0 || agent_rt.pid > 0;
    s->rt = agent_rt;
    s->sbx_id = agent.sbx_id;
    s->code_gen = agent.code_gen;
    snprintf(name, sizeof(name), "sandbox-%u", agent.slot);
    agent_files_aside(name);
    agent_runtime_set(NULL);
}


/* Slot k's sandbox made current (nothing is current). */
static void
agent_slot_unpark(unsigned k)
{
    agent_slot_t  *s = &agent_slots[k];
    char           name[32];

    snprintf(name, sizeof(name), "sandbox-%u", k);
    agent_files_back(name);
    agent.slot = k;
    if (!s->used) {
        agent.sbx_id = 0;
        agent_code_new();           /* no runtime is of this code */
        return;
    }
    agent_runtime_set(&s->rt);
    agent.sbx_id = s->sbx_id;
    agent.code_gen = s->code_gen;
    if (agent_rt.pid > 0 && !agent_rt.reaped
        && agent_slot_freeze(&agent_rt, "0") < 0)
    {
        agent_log("thaw %s: %s", agent_rt.cgdir, strerror(errno));
        agent_runtime_stop();
    }
    memset(s, 0, sizeof(*s));
}


int
agent_slot_select(const fg_frame_t *f, char *msg, size_t msize)
{
    uint64_t  k = 0;

    if (fg_frame_get(f, "sandbox", NULL) != NULL
        && fg_frame_get_u64(f, "sandbox", &k) < 0)
    {
        snprintf(msg, msize, "bad sandbox number");
        return -1;
    }
    if (k >= AGENT_SLOTS) {
        snprintf(msg, msize, "sandbox %llu: a guest has %u",
            (unsigned long long) k, AGENT_SLOTS);
        return -1;
    }
    return agent_slot_switch((unsigned) k, msg, msize);
}


int
agent_slot_switch(unsigned k, char *msg, size_t msize)
{
    if (k == agent.slot) {
        return 0;
    }
    if (agent_rt.active) {
        snprintf(msg, msize, "a call is in flight");
        return -1;
    }
    agent_slot_park();
    agent_slot_unpark(k);
    return 0;
}

void
agent_slot_reaped(pid_t pid, int status)
{
    unsigned  i;

    for (i = 0; i < AGENT_SLOTS; i++) {
        if (agent_slots[i].used && agent_slots[i].rt.pid == pid
            && !agent_slots[i].rt.reaped)
        {
            agent_slots[i].rt.reaped = true;
            agent_slots[i].rt.wstatus = status;
        }
    }
}

