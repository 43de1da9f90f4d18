/*
 * CUnit tests of fngated/fngated_billtail.c, the billing log's reader
 * the shipper uses: lines as they are appended, a line not yet whole,
 * rotations (renamed, then a new file), a checkpoint in a rotated file, a
 * file cut shorter, a line too long, the checkpoint file.  The file is
 * included; fngated's logger is replaced by one that keeps its last line.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fngated_billtail.c"

static char      logged[512];

void
fgd_log(const char *level, const char *rid, const char *fmt, ...)
{
    va_list  ap;

    (void) level;
    (void) rid;
    va_start(ap, fmt);
    vsnprintf(logged, sizeof(logged), fmt, ap);
    va_end(ap);
}

static char  dir[] = "/tmp/test_billtail.XXXXXX";
static char  path[64], rotated[80], ckpt[80];

static void
append(const char *file, const char *text)
{
    FILE  *f = fopen(file, "a");

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* The lines t gives now, joined by '|'. */
static const char *
lines_of(fgd_tail_t *t)
{
    static char   out[4096];
    char         *line;
    size_t        len, n = 0;

    out[0] = '\0';
    while (fgd_tail_next(t, &line, &len) == 1) {
        CU_ASSERT_EQUAL(strlen(line), len);
        n += (size_t) snprintf(out + n, sizeof(out) - n, "%s%s",
            n ? "|" : "", line);
    }
    return out;
}

static unsigned long long
inode_of(const char *file)
{
    struct stat  st;

    return stat(file, &st) == 0 ? (unsigned long long) st.st_ino : 0;
}

static void
clean(void)
{
    unlink(path);
    unlink(rotated);
    unlink(ckpt);
}

/* Lines as they are appended; one without its newline waits for it; the
 * position after each; a log not there yet is waited for. */
static void
test_tail_lines(void)
{
    fgd_tail_t      t;
    fgd_tail_pos_t  from = { 0, 0, 0 };

    clean();
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 0), 0);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "");
    append(path, "one\ntwo\nthr");
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "one|two");
    CU_ASSERT_EQUAL(t.pos.inode, inode_of(path));
    CU_ASSERT_EQUAL(t.pos.offset, 8);
    CU_ASSERT_EQUAL(t.pos.count, 8);
    append(path, "ee\n\nfour\n");
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "three||four");
    CU_ASSERT_EQUAL(t.pos.offset, 20);
    CU_ASSERT_EQUAL(t.pos.count, 20);
    fgd_tail_close(&t);

    /* from a position: the rest, the count going on */
    from.inode = inode_of(path);
    from.offset = 8;
    from.count = 1000;
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 0), 0);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "three||four");
    CU_ASSERT_EQUAL(t.pos.offset, 20);
    CU_ASSERT_EQUAL(t.pos.count, 1012);
    fgd_tail_close(&t);
}

/*
 * A rotation: the old file is read to its end (lines written to it after
 * the rename too) while it is not quiet for rotate_ms, then the new one
 * from its start; the count goes on across.
 */
static void
test_tail_rotation(void)
{
    fgd_tail_t      t;
    fgd_tail_pos_t  from = { 0, 0, 0 };

    clean();
    append(path, "a1\n");
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 60000), 0);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "a1");
    CU_ASSERT_EQUAL_FATAL(rename(path, rotated), 0);
    append(path, "b1\n");
    append(rotated, "a2\n");         /* the writer has not reopened yet */
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "a2");
    CU_ASSERT_NOT_EQUAL(t.rotated_ms, 0);
    CU_ASSERT_EQUAL(t.pos.inode, inode_of(rotated));
    /* quiet long enough */
    t.rotated_ms -= 60000;
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "b1");
    CU_ASSERT_EQUAL(t.pos.inode, inode_of(path));
    CU_ASSERT_EQUAL(t.pos.offset, 3);
    CU_ASSERT_EQUAL(t.pos.count, 9);
    fgd_tail_close(&t);

    /* rotate_ms 0: at once; a line the old file left unfinished is
     * skipped (said) and counted */
    clean();
    append(path, "a1\na2-unfinished");
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 0), 0);
    CU_ASSERT_EQUAL_FATAL(rename(path, rotated), 0);
    append(path, "b1\n");
    logged[0] = '\0';
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "a1|b1");
    CU_ASSERT_PTR_NOT_NULL(strstr(logged, "without a newline: skipped"));
    CU_ASSERT_EQUAL(t.pos.count, 3 + 13 + 3);
    fgd_tail_close(&t);
}

/* A checkpoint in a file rotated since (FILE.1): that file from there,
 * then the log; a file gone: the log from its start, said. */
static void
test_tail_restart(void)
{
    fgd_tail_t      t;
    fgd_tail_pos_t  from;

    clean();
    append(path, "a1\na2\n");
    from.inode = inode_of(path);
    from.offset = 3;
    from.count = 50;
    CU_ASSERT_EQUAL_FATAL(rename(path, rotated), 0);
    append(path, "b1\n");
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 0), 0);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "a2|b1");
    CU_ASSERT_EQUAL(t.pos.count, 56);
    fgd_tail_close(&t);

    unlink(rotated);
    logged[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 0), 0);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "b1");
    CU_ASSERT_PTR_NOT_NULL(strstr(logged, "after byte 3 stay in it"));
    CU_ASSERT_EQUAL(t.pos.count, 53);
    fgd_tail_close(&t);
}

/* A file cut shorter under the reader (copytruncate) is read again from
 * its start; a line longer than FGD_TAIL_LINE_MAX is skipped whole. */
static void
test_tail_cut_and_long(void)
{
    fgd_tail_t      t;
    fgd_tail_pos_t  from = { 0, 0, 0 };
    char           *big;
    FILE           *f;

    clean();
    append(path, "a1\na2\n");
    CU_ASSERT_EQUAL_FATAL(fgd_tail_open(&t, path, &from, 0), 0);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "a1|a2");
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("c\n", f);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "c");
    CU_ASSERT_EQUAL(t.pos.offset, 2);
    CU_ASSERT_EQUAL(t.pos.count, 8);

    big = malloc(3 * FGD_TAIL_LINE_MAX + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'x', 3 * FGD_TAIL_LINE_MAX);
    big[3 * FGD_TAIL_LINE_MAX] = '\n';
    big[3 * FGD_TAIL_LINE_MAX + 1] = '\0';
    append(path, big);
    append(path, "after\n");
    logged[0] = '\0';
    CU_ASSERT_STRING_EQUAL(lines_of(&t), "after");
    CU_ASSERT_PTR_NOT_NULL(strstr(logged, "a line longer than"));
    CU_ASSERT_EQUAL(t.pos.count, 8 + 3 * FGD_TAIL_LINE_MAX + 1 + 6);
    free(big);
    fgd_tail_close(&t);
}

/* The checkpoint file: none, saved and read back, unreadable. */
static void
test_tail_checkpoint(void)
{
    fgd_tail_pos_t  p = { 12, 34, 56 }, q;
    char            id[FGD_TAIL_ID_LEN] = "kept";

    clean();
    CU_ASSERT_EQUAL(fgd_tail_pos_load(ckpt, id, &q), 1);
    CU_ASSERT_STRING_EQUAL(id, "kept");
    CU_ASSERT_EQUAL(fgd_tail_pos_save(ckpt, "web1:0a1b2c3d", &p), 0);
    memset(&q, 0, sizeof(q));
    CU_ASSERT_EQUAL(fgd_tail_pos_load(ckpt, id, &q), 0);
    CU_ASSERT_STRING_EQUAL(id, "web1:0a1b2c3d");
    CU_ASSERT_EQUAL(q.inode, 12);
    CU_ASSERT_EQUAL(q.offset, 34);
    CU_ASSERT_EQUAL(q.count, 56);
    unlink(ckpt);
    append(ckpt, "not a checkpoint\n");
    CU_ASSERT_EQUAL(fgd_tail_pos_load(ckpt, id, &q), -1);
    unlink(ckpt);
    append(ckpt, "web1:0a1b2c3d 12 34\n");
    CU_ASSERT_EQUAL(fgd_tail_pos_load(ckpt, id, &q), -1);
}

static int
tail_init(void)
{
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/access.log", dir);
    snprintf(rotated, sizeof(rotated), "%s/access.log.1", dir);
    snprintf(ckpt, sizeof(ckpt), "%s/billship", dir);
    return 0;
}

static int
tail_clean(void)
{
    clean();
    rmdir(dir);
    return 0;
}

static const cu_test_t  tail_tests[] = {
    { "lines as they come", test_tail_lines },
    { "rotations", test_tail_rotation },
    { "a restart after a rotation", test_tail_restart },
    { "a file cut shorter, a line too long", test_tail_cut_and_long },
    { "the checkpoint file", test_tail_checkpoint },
    { NULL, NULL }
};

static const cu_suite_t  tail_suites[] = {
    { "fngated_billtail", tail_init, tail_clean, tail_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(tail_suites, CU_BRM_VERBOSE);
}
