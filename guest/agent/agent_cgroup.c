/*
 * agent_cgroup: the cgroup v2 controllers, a fresh cgroup for each call
 * or runtime (its memory and pids limits), its counters, its removal.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "agent.h"
#include "agent_sandbox.h"


void
agent_cgroup_setup(void)
{
    char  path[PATH_MAX];

    if (agent.cgroup_dir == NULL) {
        return;
    }
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control",
        agent.cgroup_dir);
    if (agent_file_write(path, "+memory") < 0) {
        agent_log("no cgroup memory controller (%s); using RLIMIT_AS",
            strerror(errno));
        return;
    }
    agent.cgroup_ok = true;
    if (agent_file_write(path, "+pids") < 0) {
        agent_log("no cgroup pids controller (%s)", strerror(errno));
    }
}


/* A fresh cgroup for one call ("call") or one runtime ("rt"), so
 * memory.peak starts from zero. */
int
agent_cgroup_make(char *dir, size_t size, const char *kind, uint64_t memory_mb)
{
    char  path[PATH_MAX + 64], num[32];

    if (!agent.cgroup_ok) {
        return -1;
    }
    snprintf(dir, size, "%s/%s%u", agent.cgroup_dir, kind, ++agent.ncall);
    if (mkdir(dir, 0755) < 0) {
        agent_log("mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(num, sizeof(num), "%llu",
        (unsigned long long) memory_mb * 1024 * 1024);
    snprintf(path, sizeof(path), "%s/memory.max", dir);
    if (agent_file_write(path, num) < 0) {
        agent_log("%s: %s", path, strerror(errno));
        rmdir(dir);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/memory.swap.max", dir);
    agent_file_write(path, "0");    /* absent without swap accounting */
    snprintf(path, sizeof(path), "%s/memory.oom.group", dir);
    agent_file_write(path, "1");
    snprintf(path, sizeof(path), "%s/pids.max", dir);
    snprintf(num, sizeof(num), "%u", AGENT_SANDBOX_PIDS_MAX);
    agent_file_write(path, num);    /* absent without the controller */
    return 0;
}


/* The number of key in a cgroup file's text (flat keyed), or the file's
 * single number when key is NULL. */
static uint64_t
agent_cgroup_parse_key(const char *buf, const char *key)
{
    const char  *p;
    size_t       klen = key ? strlen(key) : 0;

    if (key == NULL) {
        return strtoull(buf, NULL, 10);
    }
    for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1
        : NULL)
    {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            return strtoull(p + klen + 1, NULL, 10);
        }
    }
    return 0;
}


uint64_t
agent_cgroup_read_key(const char *dir, const char *file, const char *key)
{
    char  path[PATH_MAX + 64], buf[2048];

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (agent_file_read(path, buf, sizeof(buf)) < 0) {
        return 0;
    }
    return agent_cgroup_parse_key(buf, key);
}


/*
 * The same from a cgroup file kept open: a read at offset 0 makes the
 * kernel write the file anew, so a runtime's calls read their counters
 * without a path walk, an open and a close each time.
 */
uint64_t
agent_cgroup_pread_key(int fd, const char *key)
{
    char     buf[2048];
    ssize_t  n;

    n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 0) {
        return 0;
    }
    buf[n] = '\0';
    return agent_cgroup_parse_key(buf, key);
}


void
agent_cgroup_remove(const char *dir)
{
    char      path[PATH_MAX], procs[256];
    unsigned  i;

    snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
    agent_file_write(path, "1");
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    for (i = 0; i < 200; i++) {
        if (rmdir(dir) == 0 || errno != EBUSY) {
            return;
        }
        /* Killed members are zombies of ours until reaped. */
        agent_reap();
        if (agent_file_read(path, procs, sizeof(procs)) == 0) {
            continue;
        }
        usleep(5000);
    }
    agent_log("rmdir %s: %s", dir, strerror(errno));
}
