/*
 * fngated_billtail: the billing log read as it grows (fngated_billtail.h).
 *
 * nginx appends to the log and fngated's provisioned concurrency lines
 * are appended to it too; logrotate renames it (FILE.1, later compressed)
 * and makes a new one, and `nginx -s reopen` moves nginx's writes there.
 * So a new inode at the path is the log rotated: the old file is read
 * through its open descriptor until it has given nothing for rotate_ms
 * (nginx writes there until it reopens), then the new one from its
 * start.  A file cut shorter (logrotate's copytruncate) is read again
 * from its start: what was written between the last read and the cut is
 * only in the copy.
 *
 * The position's count is the reader's own clock: the bytes it read, of
 * every file, which only grows.  The shipper names each line by it, so a
 * line is the same line whatever file it is read from after a restart.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fg_util.h"
#include "fngated_billtail.h"
#include "fngated_log.h"

#define FGD_TAIL_BUF  (FGD_TAIL_LINE_MAX + 64u * 1024)

/* The file of inode: the log at path, or a rotation beside it (FILE.N);
 * its descriptor, or -1. */
static int
fgd_tail_find(const char *path, unsigned long long inode)
{
    const char     *slash = strrchr(path, '/'), *base;
    char            dir[4096], file[4096 + 256];
    size_t          base_len;
    struct stat     st;
    struct dirent  *de;
    DIR            *d;
    int             fd = -1;

    if (stat(path, &st) == 0 && (unsigned long long) st.st_ino == inode) {
        snprintf(file, sizeof(file), "%s", path);
    } else {
        if (slash == NULL) {
            return -1;
        }
        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1
            : (int) (slash - path), path);
        base = slash + 1;
        base_len = strlen(base);
        file[0] = '\0';
        d = opendir(dir);
        while (d != NULL && (de = readdir(d)) != NULL) {
            if (strncmp(de->d_name, base, base_len) == 0
                && de->d_name[base_len] == '.'
                && (unsigned long long) de->d_ino == inode)
            {
                snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
                break;
            }
        }
        if (d != NULL) {
            closedir(d);
        }
        if (file[0] == '\0') {
            return -1;
        }
    }
    fd = open(file, O_RDONLY | O_CLOEXEC);
    /* (renamed again between the look and the open) */
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
                    || (unsigned long long) st.st_ino != inode))
    {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* The file now at path, from its start.  0, or -1 (none yet). */
static int
fgd_tail_reopen(fgd_tail_t *t)
{
    struct stat  st;
    int          fd;

    fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    t->fd = fd;
    t->pos.inode = (unsigned long long) st.st_ino;
    t->pos.offset = 0;
    return 0;
}

int
fgd_tail_open(fgd_tail_t *t, const char *path, const fgd_tail_pos_t *from,
    unsigned rotate_ms)
{
    struct stat  st;
    int          fd;

    memset(t, 0, sizeof(*t));
    t->fd = -1;
    t->rotate_ms = rotate_ms;
    t->path = strdup(path);
    t->buf = malloc(FGD_TAIL_BUF);
    if (t->path == NULL || t->buf == NULL) {
        fgd_tail_close(t);
        return -1;
    }
    t->pos.count = from->count;
    if (from->inode != 0) {
        fd = fgd_tail_find(path, from->inode);
        if (fd >= 0) {
            t->fd = fd;
            t->pos.inode = from->inode;
            if (fstat(fd, &st) == 0
                && (unsigned long long) st.st_size >= from->offset
                && lseek(fd, (off_t) from->offset, SEEK_SET) >= 0)
            {
                t->pos.offset = from->offset;
            } else {
                fgd_log("warn", NULL, "billing: %s is shorter than where "
                    "it was read up to (byte %llu): read again from its "
                    "start", path, from->offset);
                lseek(fd, 0, SEEK_SET);
            }
            return 0;
        }
        fgd_log("warn", NULL, "billing: %s: the file read last (inode %llu) "
            "is no longer there or beside it: its lines after byte %llu "
            "stay in it, not shipped", path, from->inode, from->offset);
    }
    fgd_tail_reopen(t);                 /* none yet: looked for again */
    return 0;
}

static void
fgd_tail_consumed(fgd_tail_t *t, size_t n)
{
    t->pos.offset += n;
    t->pos.count += n;
}

/*
 * At the end of the file read: whether reading goes on now, in the same
 * file read again (cut shorter) or in the new log (rotated, once the old
 * file has been quiet for rotate_ms).
 */
static bool
fgd_tail_end(fgd_tail_t *t)
{
    struct stat          st, cur;
    unsigned long long   at = t->pos.offset + (t->len - t->start);
    uint64_t             now;

    if (fstat(t->fd, &cur) == 0 && (unsigned long long) cur.st_size < at) {
        fgd_log("warn", NULL, "billing: %s was cut to %lld bytes under its "
            "reader (at byte %llu): read again from its start", t->path,
            (long long) cur.st_size, at);
        lseek(t->fd, 0, SEEK_SET);
        t->pos.offset = 0;
        t->start = t->len = 0;
        t->skipping = false;
        return true;
    }
    if (stat(t->path, &st) != 0
        || (unsigned long long) st.st_ino == t->pos.inode)
    {
        t->rotated_ms = 0;
        return false;
    }
    now = fg_now_ms();
    if (t->rotated_ms == 0) {
        t->rotated_ms = now;
    }
    if (now - t->rotated_ms < t->rotate_ms) {
        return false;
    }
    /* (a line nginx could not finish, as the usage reader skips it) */
    if (t->len > t->start) {
        fgd_log("warn", NULL, "billing: %s (rotated, inode %llu) ends in "
            "%zu bytes without a newline: skipped", t->path, t->pos.inode,
            t->len - t->start);
        fgd_tail_consumed(t, t->len - t->start);
    }
    close(t->fd);
    t->fd = -1;
    t->start = t->len = 0;
    t->skipping = false;
    t->rotated_ms = 0;
    return fgd_tail_reopen(t) == 0;
}

int
fgd_tail_next(fgd_tail_t *t, char **line, size_t *len)
{
    char     *nl;
    size_t    n;
    ssize_t   got;

    for ( ;; ) {
        nl = memchr(t->buf + t->start, '\n', t->len - t->start);
        if (nl != NULL) {
            n = (size_t) (nl - (t->buf + t->start));
            *nl = '\0';
            *line = t->buf + t->start;
            *len = n;
            t->start += n + 1;
            fgd_tail_consumed(t, n + 1);
            if (t->skipping) {
                t->skipping = false;    /* the end of a line too long */
                continue;
            }
            return 1;
        }
        if (t->len - t->start > FGD_TAIL_LINE_MAX) {
            if (!t->skipping) {
                fgd_log("warn", NULL, "billing: %s byte %llu: a line longer "
                    "than %u bytes: skipped", t->path, t->pos.offset,
                    FGD_TAIL_LINE_MAX);
            }
            fgd_tail_consumed(t, t->len - t->start);
            t->start = t->len = 0;
            t->skipping = true;
        }
        /* the line begun to the front: room to read its rest */
        if (t->start > 0) {
            memmove(t->buf, t->buf + t->start, t->len - t->start);
            t->len -= t->start;
            t->start = 0;
        }
        if (t->fd < 0 && fgd_tail_reopen(t) != 0) {
            return 0;
        }
        got = read(t->fd, t->buf + t->len, FGD_TAIL_BUF - t->len);
        if (got > 0) {
            t->len += (size_t) got;
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            fgd_log("error", NULL, "billing: reading %s: %s", t->path,
                strerror(errno));
            return 0;
        }
        if (!fgd_tail_end(t)) {
            return 0;
        }
    }
}

void
fgd_tail_close(fgd_tail_t *t)
{
    if (t == NULL) {
        return;
    }
    if (t->fd >= 0) {
        close(t->fd);
    }
    free(t->path);
    free(t->buf);
    memset(t, 0, sizeof(*t));
    t->fd = -1;
}

int
fgd_tail_pos_load(const char *file, char id[FGD_TAIL_ID_LEN],
    fgd_tail_pos_t *pos)
{
    FILE            *f;
    char             line[256], got[FGD_TAIL_ID_LEN], tail;
    fgd_tail_pos_t   p;
    int              rc = -1;

    f = fopen(file, "r");
    if (f == NULL) {
        return errno == ENOENT ? 1 : -1;
    }
    if (fgets(line, sizeof(line), f) != NULL
        && sscanf(line, "%79s %llu %llu %llu%c", got, &p.inode, &p.offset,
               &p.count, &tail) == 5
        && tail == '\n')
    {
        memcpy(id, got, sizeof(got));
        *pos = p;
        rc = 0;
    }
    fclose(f);
    return rc;
}

int
fgd_tail_pos_save(const char *file, const char *id,
    const fgd_tail_pos_t *pos)
{
    char  tmp[4096 + 8], line[256];
    int   fd, len, err;

    len = snprintf(line, sizeof(line), "%s %llu %llu %llu\n", id,
        pos->inode, pos->offset, pos->count);
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int) sizeof(tmp)
        || len <= 0 || (size_t) len >= sizeof(line))
    {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -1;
    }
    if (write(fd, line, (size_t) len) != len || fsync(fd) != 0) {
        err = errno != 0 ? errno : EIO;
        close(fd);
        unlink(tmp);
        errno = err;
        return -1;
    }
    close(fd);
    return rename(tmp, file);
}
