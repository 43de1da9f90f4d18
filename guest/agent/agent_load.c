/*
 * agent_load: LOAD writes the function's files under the task directory,
 * after agent_msg_load_check accepted the whole list; new code takes the
 * guest over from the code before it.
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
#include <sys/types.h>

#include "agent.h"
#include "agent_sandbox.h"


static int
agent_load_mkdirs(char *path)
{
    char  *s;

    for (s = path + 1; *s != '\0'; s++) {
        if (*s != '/') {
            continue;
        }
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
agent_load_write_file(const char *rel, size_t rlen, unsigned mode,
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
    if (agent_load_mkdirs(path) < 0) {
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
            if (errno == EINTR) {
                continue;
            }
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
agent_load_own_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
    mode_t  mode = S_ISDIR(st->st_mode) ? 0750
                 : (st->st_mode & 0700) | ((st->st_mode >> 3) & 050);

    if (S_ISLNK(st->st_mode)) {
        return 0;
    }
    if (chown(path, 0, agent.sbx_id) < 0 || chmod(path, mode) < 0) {
        agent_log("own %s: %s", path, strerror(errno));
    }
    return 0;
}


/*
 * New code takes the sandbox over from the code before it (of the same
 * owner: a guest serves one caller and one owner): nothing of the old
 * code stays.  Its processes are killed (the persistent runtime is
 * already stopped), /tmp is emptied, and the new code gets a uid and gid
 * of its own.
 */
static void
agent_load_turnover(void)
{
    if (!agent.sandbox) {
        return;
    }
    if (agent.sbx_id != 0 && agent_sandbox_kill_uid(agent.sbx_id) < 0) {
        agent_log("kill the processes of uid %u: %s", agent.sbx_id,
            strerror(errno));
    }
    agent_reap();
    agent_tmp_clear();          /* sandboxes set aside keep theirs */
    agent.sbx_id = AGENT_SANDBOX_ID_BASE
        + agent.code_gen % AGENT_SANDBOX_IDS;
}


void
agent_load_handle(int fd, const fg_frame_t *f)
{
    fg_field_iter_t   it;
    agent_msg_file_t  file = { 0 };
    char              msg[PATH_MAX + 128] = "";
    fg_buf_t          b = { 0 };
    bool              ok;

    /* Check everything before touching /var/task. */
    ok = agent_msg_load_check(f, msg, sizeof(msg)) == 0;

    if (ok) {
        agent_load_turnover();
        mkdir(agent.task_dir, 0755);
        agent_tree_empty(agent.task_dir);
        fg_field_iter_init(&it, f);
        while (ok && agent_msg_load_next(&it, &file) == 1) {
            if (agent_load_write_file((const char *) file.path,
                    file.path_len, file.mode, file.data, file.data_len, msg,
                    sizeof(msg)) < 0)
            {
                ok = false;
            }
        }
        if (agent.sandbox) {
            nftw(agent.task_dir, agent_load_own_entry, 16, FTW_PHYS);
        }
    }

    if (fg_frame_begin(&b, FG_FRAME_LOADED, f->seq) == 0
        && fg_frame_add_str(&b, "status", ok ? "ok" : "error") == 0
        && fg_frame_add_str(&b, "message", msg) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_reply_send(fd, &b);
    }
    fg_buf_free(&b);
    if (!ok) {
        agent_log("load failed: %s", msg);
    }
}
