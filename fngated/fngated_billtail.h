/*
 * fngated_billtail: the billing log read as it grows, through its
 * rotations, and the reader's checkpoint file (fngated_billtail.c).  The
 * shipper (fngated_billship.c) reads with it; no Redis, no thread.
 */

#ifndef FNGATED_BILLTAIL_H
#define FNGATED_BILLTAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a reader of the log is: the next byte it reads. */
typedef struct {
    unsigned long long  inode;      /* of the file read; 0: none yet */
    unsigned long long  offset;     /* in that file */
    unsigned long long  count;      /* bytes read so far, of every file
                                       of the log this reader read: grows
                                       with each line, never goes back */
} fgd_tail_pos_t;

typedef struct {
    char            *path;          /* the log */
    int              fd;            /* the file read, -1 none */
    fgd_tail_pos_t   pos;           /* after the last line returned */
    char            *buf;           /* read, not yet returned */
    size_t           start, len;    /* the next line's start, the end */
    bool             skipping;      /* in a line too long to be ours */
    uint64_t         rotated_ms;    /* a new file at path seen then; 0 */
    unsigned         rotate_ms;     /* the old file is read that long
                                       after (its writer reopens the log) */
} fgd_tail_t;

/* The longest line read; a longer one is skipped (no billing line is). */
#define FGD_TAIL_LINE_MAX  (64u * 1024)

/*
 * Opens the log at path from *from: its file (the log itself, or a
 * rotation FILE.N, found by its inode) at its offset, or, when that file
 * is gone or from has none, the log from its start (logged when lines
 * were lost).  from->count goes on.  A log not there yet is waited for.
 * 0, or -1 (no memory).
 */
int fgd_tail_open(fgd_tail_t *t, const char *path, const fgd_tail_pos_t *from,
    unsigned rotate_ms);

/*
 * The next whole line (its newline replaced by a NUL, valid until the
 * next call): 1 with *line and *len, t->pos after it; 0 when there is
 * none yet.  At the end of a file it looks at path: a new file there is
 * the log rotated, read from its start once the old one has given nothing
 * for rotate_ms; the file cut shorter is read again from its start.
 */
int fgd_tail_next(fgd_tail_t *t, char **line, size_t *len);

void fgd_tail_close(fgd_tail_t *t);          /* accepts NULL */

/* The longest id of a reader, its NUL included. */
#define FGD_TAIL_ID_LEN  80

/*
 * The checkpoint file: "ID INODE OFFSET COUNT", the reader's id (as the
 * shipper names itself in Redis) and position.  Load: 0, 1 when there is
 * none (id and pos untouched), -1 when it can not be read.  Save: written
 * whole and renamed over the old one; 0, or -1 with errno.
 */
int fgd_tail_pos_load(const char *file, char id[FGD_TAIL_ID_LEN],
    fgd_tail_pos_t *pos);
int fgd_tail_pos_save(const char *file, const char *id,
    const fgd_tail_pos_t *pos);

#endif /* FNGATED_BILLTAIL_H */
