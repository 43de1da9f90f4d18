/*
 * fngated_billship: the billing log's lines shipped to Redis
 * (fngated_billship.h; docs/billing.md "One bill for every host").
 *
 * The shipper reads the log as it grows (fngated_billtail.c: through its
 * rotations), takes each line as GetUsage does (fgd_usage_record) and
 * appends the billing records to the streams usage reads: fg:bill:{A}
 * for the account billed, and fg:billapi:{O} too for a call of O's API.
 * Lines are sent in batches; each stream's part of a batch is one script
 * (bill_append.lua) in that account's slot, which appends the lines past
 * the shipper's checkpoint there and moves it, in one step.
 *
 * A line is named by its position: "COUNT INODE OFFSET", COUNT the bytes
 * this shipper read of its log, every file of it, up to the line's end;
 * the shipper's id (HOST:RANDOM, made with its checkpoint file) names the
 * shipper.  Exactly once: a script appends a line only when its COUNT is
 * past the stream's checkpoint of that shipper, and the checkpoint moves
 * with the lines.  The local checkpoint (state_dir/billship-HASH, HASH of
 * the log's path) is saved once a batch is in, so a crash between the
 * two sends a batch again, whose lines the scripts find in already.  A
 * Redis that fails keeps the batch here: it is sent again, every
 * FGD_BS_RETRY_MS doubled up to FGD_BS_RETRY_MAX_MS, nothing read past it.
 *
 * A line that is not JSON, or a billed call without a billing account, is
 * skipped with a log line; other lines (management calls, an Event's 202)
 * are not billing and are skipped without one.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fg_keys.h"
#include "fg_route.h"
#include "fg_sigv4.h"
#include "fg_util.h"
#include "fngated_billship.h"
#include "fngated_billtail.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_usage.h"
#include "fngated_util.h"

#define FGD_BS_LINES         256u           /* log lines a batch */
#define FGD_BS_ENTRIES       (2 * FGD_BS_LINES) /* in two streams each */
#define FGD_BS_BYTES         (1024u * 1024)
#define FGD_BS_POLL_MS       500u           /* the log looked at, when
                                               no write woke it sooner */
#define FGD_BS_RETRY_MS      1000u          /* after Redis failed */
#define FGD_BS_RETRY_MAX_MS  30000u
#define FGD_BS_ROTATE_MS     10000u         /* fgd_tail_t's rotate_ms */
#define FGD_BS_POS_LEN       64             /* "COUNT INODE OFFSET" */
#define FGD_BS_KNOWN         4096u          /* accounts known listed */

/* One line of a batch, for one stream. */
typedef struct {
    fg_bill_key_t  which;           /* FG_BILL_LINES or FG_BILL_API_LINES */
    char           account[FG_ACCOUNT_LEN + 1];    /* the stream's */
    char           pos[FGD_BS_POS_LEN];            /* at the line's end */
    char          *line;
    size_t         len;
    bool           sent;            /* its stream's script succeeded */
} fgd_bs_line_t;

/* One shipper: a log, its reader and the batch it sends. */
typedef struct {
    const fgd_conf_t  *conf;
    fgd_req_t          q;
    fgd_redis_t       *redis;
    char               file[4096 + 64];     /* the local checkpoint */
    int                lock;                /* held while it ships */
    char               id[FGD_TAIL_ID_LEN]; /* HOST:RANDOM */
    fgd_tail_t         tail;
    bool               open;
    fgd_bs_line_t      lines[FGD_BS_ENTRIES];
    size_t             n, bytes;
    bool               full;                /* the batch stopped at a limit */
    fgd_tail_pos_t     end;                 /* the batch's: saved once in */
    fgd_tail_pos_t     saved;
    bool               failed;              /* the last round (logged) */
    unsigned           rotate_ms;           /* fgd_tail_t's */
    /* the accounts this shipper put in fg:bill:accounts (a set by open
     * addressing, emptied when full: adding one again costs a SADD) */
    char               known[FGD_BS_KNOWN][FG_ACCOUNT_LEN + 1];
    unsigned           nknown;
} fgd_bs_t;

/*
 * The thread sleeps in poll() on the log's directory (inotify: a line
 * written, a file made or renamed there wakes it at once) and on stop,
 * an eventfd fgd_billship_stop writes.
 */
static struct {
    pthread_t           thread;
    bool                started;
    int                 stop;           /* eventfd */
    int                 watch;          /* inotify, -1: none */
    fgd_bs_t           *bs;
} fgd_bs = { .stop = -1, .watch = -1 };


/* ------------------------------------------------------------------ */
/* The shipper of one log                                               */

/* A new shipper's id: this host's name and 8 random hex digits. */
static int
fgd_bs_new_id(char id[FGD_TAIL_ID_LEN])
{
    char    host[64], rnd[9];
    size_t  i;

    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "host");
    }
    host[sizeof(host) - 1] = '\0';
    for (i = 0; host[i] != '\0'; i++) {
        if (!((host[i] >= 'a' && host[i] <= 'z')
              || (host[i] >= 'A' && host[i] <= 'Z')
              || (host[i] >= '0' && host[i] <= '9') || host[i] == '.'
              || host[i] == '-'))
        {
            host[i] = '-';
        }
    }
    if (fgd_rand_text(rnd, 8, "0123456789abcdef") != 0) {
        return -1;
    }
    snprintf(id, FGD_TAIL_ID_LEN, "%s:%s", host, rnd);
    return 0;
}

/*
 * Opens bs on conf's log: its checkpoint file locked (one shipper a log;
 * EWOULDBLOCK: another has it), read or made (a new id, saved before any
 * line is shipped under it), and the reader there.  0, or -1 with why.
 */
/* The local checkpoint file of conf's log: state_dir/billship-HASH. */
static void
fgd_bs_file(const fgd_conf_t *conf, char *file, size_t size)
{
    char  hash[65];

    fg_sha256_hex(conf->billing_log, strlen(conf->billing_log), hash);
    snprintf(file, size, "%s/billship-%.16s", conf->state_dir, hash);
}

static int
fgd_bs_open(fgd_bs_t *bs, char *why, size_t why_size)
{
    const fgd_conf_t  *conf = bs->conf;
    char               lock[4096 + 80];
    fgd_tail_pos_t     pos;
    int                rc;

    memset(&pos, 0, sizeof(pos));
    fgd_bs_file(conf, bs->file, sizeof(bs->file));
    snprintf(lock, sizeof(lock), "%s.lock", bs->file);
    bs->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (bs->lock < 0) {
        snprintf(why, why_size, "%s: %s", lock, strerror(errno));
        return -1;
    }
    if (flock(bs->lock, LOCK_EX | LOCK_NB) != 0) {
        snprintf(why, why_size, "%s is held by another shipper of %s (a "
            "fngated, or fngated ship-billing)", lock, conf->billing_log);
        goto fail;
    }
    rc = fgd_tail_pos_load(bs->file, bs->id, &pos);
    if (rc < 0) {
        /* never a new id over it: its lines would be shipped twice */
        snprintf(why, why_size, "%s can not be read; with it removed the "
            "log is shipped again from its start", bs->file);
        goto fail;
    }
    if (rc > 0) {
        if (fgd_bs_new_id(bs->id) != 0
            || fgd_tail_pos_save(bs->file, bs->id, &pos) != 0)
        {
            snprintf(why, why_size, "%s can not be made: %s", bs->file,
                strerror(errno));
            goto fail;
        }
        fgd_log("info", NULL, "billing: shipping %s as %s, from its start",
            conf->billing_log, bs->id);
    }
    if (fgd_tail_open(&bs->tail, conf->billing_log, &pos, bs->rotate_ms)
        != 0)
    {
        snprintf(why, why_size, "out of memory");
        goto fail;
    }
    bs->saved = bs->end = pos;
    bs->open = true;
    return 0;

fail:
    close(bs->lock);
    bs->lock = -1;
    return -1;
}

static void
fgd_bs_clear(fgd_bs_t *bs)
{
    size_t  i;

    for (i = 0; i < bs->n; i++) {
        free(bs->lines[i].line);
    }
    bs->n = bs->bytes = 0;
}

static void
fgd_bs_close(fgd_bs_t *bs)
{
    fgd_bs_clear(bs);
    fgd_tail_close(&bs->tail);
    if (bs->lock >= 0) {
        close(bs->lock);
    }
    if (bs->redis != NULL) {
        fgd_redis_free(bs->redis);
    }
    free(bs);
}

static fgd_bs_t *
fgd_bs_new(const fgd_conf_t *conf, unsigned rotate_ms)
{
    fgd_bs_t  *bs = calloc(1, sizeof(*bs));

    if (bs == NULL) {
        return NULL;
    }
    bs->conf = conf;
    bs->rotate_ms = rotate_ms;
    bs->lock = -1;
    bs->q.conf = conf;
    bs->q.redis = &bs->redis;
    bs->tail.fd = -1;
    return bs;
}

/* text, a record of account's stream which, into the batch at the
 * reader's position. */
static void
fgd_bs_add(fgd_bs_t *bs, fg_bill_key_t which, const char *account,
    const char *text)
{
    fgd_bs_line_t  *l = &bs->lines[bs->n];

    l->len = strlen(text);
    l->line = malloc(l->len + 1);
    if (l->line == NULL) {
        fgd_log("error", NULL, "billing: out of memory: %s byte %llu not "
            "shipped", bs->tail.path, bs->tail.pos.offset);
        return;
    }
    memcpy(l->line, text, l->len + 1);
    l->which = which;
    l->sent = false;
    snprintf(l->account, sizeof(l->account), "%s", account);
    snprintf(l->pos, sizeof(l->pos), "%llu %llu %llu", bs->tail.pos.count,
        bs->tail.pos.inode, bs->tail.pos.offset);
    bs->n++;
    bs->bytes += l->len;
}

/* The batch: the log's lines from where the last one ended, up to the
 * limits or the log's end. */
static void
fgd_bs_fill(fgd_bs_t *bs)
{
    fgd_usage_rec_t   rec;
    char             *line;
    size_t            len;

    bs->full = true;
    while (bs->n + 2 <= FGD_BS_ENTRIES && bs->bytes < FGD_BS_BYTES) {
        if (fgd_tail_next(&bs->tail, &line, &len) != 1) {
            bs->full = false;
            break;
        }
        switch (fgd_usage_record(line, &rec)) {
        case FGD_USAGE_LINE_RECORD:
            fgd_bs_add(bs, FG_BILL_LINES, rec.account, rec.text);
            if (rec.api[0] != '\0') {
                fgd_bs_add(bs, FG_BILL_API_LINES, rec.owner, rec.text);
            }
            break;
        case FGD_USAGE_LINE_BAD:
            fgd_log("warn", NULL, "billing: %s (inode %llu) byte %llu: not "
                "a billing line (not JSON, or no billing account): skipped",
                bs->tail.path, bs->tail.pos.inode,
                bs->tail.pos.offset - len - 1);
            break;
        case FGD_USAGE_LINE_OTHER:
            break;
        }
        fgd_usage_record_free(&rec);
    }
    bs->end = bs->tail.pos;
}

/* Where account is, or goes, in bs's known set. */
static unsigned
fgd_bs_slot(const fgd_bs_t *bs, const char *account)
{
    unsigned  h = 2166136261u, i;

    for (i = 0; account[i] != '\0'; i++) {
        h = (h ^ (unsigned char) account[i]) * 16777619u;
    }
    for (h %= FGD_BS_KNOWN;
         bs->known[h][0] != '\0' && strcmp(bs->known[h], account) != 0;
         h = (h + 1) % FGD_BS_KNOWN)
    { }
    return h;
}

/* Whether this shipper put account in fg:bill:accounts already. */
static bool
fgd_bs_known(const fgd_bs_t *bs, const char *account)
{
    return bs->known[fgd_bs_slot(bs, account)][0] != '\0';
}

static void
fgd_bs_know(fgd_bs_t *bs, const char *account)
{
    if (bs->nknown >= FGD_BS_KNOWN / 2) {
        memset(bs->known, 0, sizeof(bs->known));
        bs->nknown = 0;
    }
    snprintf(bs->known[fgd_bs_slot(bs, account)], FG_ACCOUNT_LEN + 1, "%s",
        account);
    bs->nknown++;
}

/*
 * Sends the batch: per stream, in the order of the log, the account in
 * fg:bill:accounts first, then its lines by bill_append.lua.  0, or -1
 * with r (what was sent stays sent; the rest is sent again).
 */
static int
fgd_bs_send(fgd_bs_t *bs, fgd_resp_t *r)
{
    static const char  *field[] = {
        [FG_BILL_LINES] = "bill", [FG_BILL_API_LINES] = "api",
    };
    const char         *args[4 + 2 * FGD_BS_ENTRIES], *sadd[3];
    size_t              lens[4 + 2 * FGD_BS_ENTRIES];
    char                stream[FG_KEY_MAX], pos[FG_KEY_MAX], set[FG_KEY_MAX];
    char                name[FGD_TAIL_ID_LEN + 8], keep[32];
    fgd_bs_line_t      *l, *m;
    redisReply         *reply;
    long long           appended;
    size_t              i, j;
    int                 k;

    fg_key_bill_accounts(set, sizeof(set));
    snprintf(keep, sizeof(keep), "%llu",
        (unsigned long long) bs->conf->billing_retention_days * 86400000ull);
    for (i = 0; i < bs->n; i++) {
        l = &bs->lines[i];
        if (l->sent) {
            continue;
        }
        fg_key_bill(stream, sizeof(stream), l->which, l->account);
        fg_key_bill(pos, sizeof(pos), FG_BILL_POS, l->account);
        snprintf(name, sizeof(name), "%s %s", field[l->which], bs->id);
        args[0] = stream;
        args[1] = pos;
        args[2] = name;
        args[3] = keep;
        for (k = 0; k < 4; k++) {
            lens[k] = strlen(args[k]);
        }
        for (j = i; j < bs->n; j++) {
            m = &bs->lines[j];
            if (!m->sent && m->which == l->which
                && strcmp(m->account, l->account) == 0)
            {
                args[k] = m->pos;
                lens[k++] = strlen(m->pos);
                args[k] = m->line;
                lens[k++] = m->len;
            }
        }
        if (l->which == FG_BILL_LINES && !fgd_bs_known(bs, l->account)) {
            sadd[0] = "SADD";
            sadd[1] = set;
            sadd[2] = l->account;
            reply = fgd_redis_command(&bs->q, false, 3, sadd, NULL, r);
            if (reply == NULL) {
                return -1;
            }
            freeReplyObject(reply);
            fgd_bs_know(bs, l->account);
        }
        if (fgd_redis_script_int(&bs->q, FGD_SCRIPT_BILL_APPEND, 2, k,
                args, lens, &appended, r) != 0)
        {
            return -1;
        }
        for (j = i; j < bs->n; j++) {
            m = &bs->lines[j];
            if (m->which == l->which && strcmp(m->account, l->account) == 0)
            {
                m->sent = true;
            }
        }
    }
    return 0;
}

/*
 * One round: a batch read (when none waits), sent, the checkpoint saved.
 * 1: the batch was full (more may wait), 0: the log is read to its end,
 * -1: Redis failed (logged when it starts failing; the batch is kept).
 */
static int
fgd_bs_round(fgd_bs_t *bs)
{
    fgd_resp_t  r;
    char        why[4096 + 256];

    if (!bs->open) {
        if (fgd_bs_open(bs, why, sizeof(why)) != 0) {
            if (!bs->failed) {
                fgd_log("error", NULL, "billing: not shipping: %s; tried "
                    "again", why);
            }
            bs->failed = true;
            return -1;
        }
    }
    if (bs->n == 0) {
        fgd_bs_fill(bs);
    }
    memset(&r, 0, sizeof(r));
    if (fgd_bs_send(bs, &r) != 0) {
        if (!bs->failed) {
            fgd_log("warn", NULL, "billing: shipping to Redis failed: %s; "
                "sent again from %s byte %llu, nothing lost", r.message,
                bs->tail.path, bs->saved.offset);
        }
        fgd_resp_free(&r);
        bs->failed = true;
        return -1;
    }
    if (bs->failed) {
        fgd_log("info", NULL, "billing: shipping %s as %s", bs->conf->billing_log,
            bs->id);
        bs->failed = false;
    }
    fgd_bs_clear(bs);
    if (memcmp(&bs->end, &bs->saved, sizeof(bs->end)) != 0) {
        /* a checkpoint not saved costs a batch sent again, which the
         * scripts find in already */
        if (fgd_tail_pos_save(bs->file, bs->id, &bs->end) != 0) {
            fgd_log("error", NULL, "billing: %s not saved: %s", bs->file,
                strerror(errno));
        } else {
            bs->saved = bs->end;
        }
    }
    return bs->full ? 1 : 0;
}


/* ------------------------------------------------------------------ */
/* The thread, and once                                                 */

/*
 * Sleeps ms, or less when the log's directory changes (woken: watch)
 * or the shipper is stopped: true when it is.
 */
static bool
fgd_bs_sleep(unsigned ms, bool woken)
{
    struct pollfd  p[2];
    char           buf[4096];
    nfds_t         n = 1;

    p[0].fd = fgd_bs.stop;
    p[0].events = POLLIN;
    if (woken && fgd_bs.watch >= 0) {
        p[1].fd = fgd_bs.watch;
        p[1].events = POLLIN;
        n = 2;
    }
    if (poll(p, n, (int) ms) > 0) {
        if (p[0].revents != 0) {
            return true;
        }
        /* the events only say "look": drained */
        while (read(fgd_bs.watch, buf, sizeof(buf)) > 0) { }
    }
    return false;
}

static void *
fgd_bs_thread(void *arg)
{
    fgd_bs_t  *bs = arg;
    unsigned   retry = FGD_BS_RETRY_MS;
    int        rc;

    for ( ;; ) {
        rc = fgd_bs_round(bs);
        if (rc > 0) {
            continue;
        }
        /* caught up: until the log is written; Redis failed: a while */
        if (fgd_bs_sleep(rc == 0 ? FGD_BS_POLL_MS : retry, rc == 0)) {
            break;
        }
        retry = rc == 0 ? FGD_BS_RETRY_MS
                : retry * 2 > FGD_BS_RETRY_MAX_MS ? FGD_BS_RETRY_MAX_MS
                : retry * 2;
    }
    /* the lines written up to the stop (the keeper's last): as far as
     * Redis takes them now; the rest at the next start */
    while (fgd_bs_round(bs) > 0) { }
    return NULL;
}

/* An inotify descriptor on the directory of conf's log, or -1 (the
 * shipper then looks every FGD_BS_POLL_MS). */
static int
fgd_bs_watch(const fgd_conf_t *conf)
{
    char  *dir;
    int    fd;

    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    dir = strdup(conf->billing_log);
    if (fd < 0 || dir == NULL
        || inotify_add_watch(fd, dirname(dir),
               IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
    {
        fgd_log("warn", NULL, "billing: %s not watched (%s): looked at "
            "every %u ms", conf->billing_log, strerror(errno),
            FGD_BS_POLL_MS);
        if (fd >= 0) {
            close(fd);
        }
        fd = -1;
    }
    free(dir);
    return fd;
}

int
fgd_billship_start(const fgd_conf_t *conf)
{
    if (!conf->billing_ship) {
        return 0;
    }
    if (conf->billing_log == NULL || conf->billing_log[0] == '\0') {
        fgd_log("info", NULL, "billing: no billing_log here to ship; usage "
            "is read from Redis");
        return 0;
    }
    fgd_bs.bs = fgd_bs_new(conf, FGD_BS_ROTATE_MS);
    if (fgd_bs.bs == NULL) {
        fgd_log("error", NULL, "billing: the shipper did not start: out of "
            "memory");
        return -1;
    }
    fgd_bs.stop = eventfd(0, EFD_CLOEXEC);
    fgd_bs.watch = fgd_bs_watch(conf);
    if (fgd_bs.stop < 0
        || pthread_create(&fgd_bs.thread, NULL, fgd_bs_thread, fgd_bs.bs)
           != 0)
    {
        fgd_log("error", NULL, "billing: the shipper did not start: %s",
            strerror(errno));
        fgd_bs_close(fgd_bs.bs);
        fgd_bs.bs = NULL;
        return -1;
    }
    fgd_bs.started = true;
    return 0;
}

void
fgd_billship_stop(void)
{
    if (!fgd_bs.started) {
        return;
    }
    if (eventfd_write(fgd_bs.stop, 1) != 0) {
        fgd_log("error", NULL, "billing: the shipper not told to stop: %s",
            strerror(errno));
    }
    pthread_join(fgd_bs.thread, NULL);
    fgd_bs_close(fgd_bs.bs);
    fgd_bs.bs = NULL;
    close(fgd_bs.stop);
    fgd_bs.stop = -1;
    if (fgd_bs.watch >= 0) {
        close(fgd_bs.watch);
        fgd_bs.watch = -1;
    }
    fgd_bs.started = false;
}

bool
fgd_billship_caught_up(const fgd_conf_t *conf, unsigned ms)
{
    char             file[4096 + 64], id[FGD_TAIL_ID_LEN];
    fgd_tail_pos_t   pos;
    struct stat      st;
    uint64_t         until = fg_now_ms() + ms;

    if (!conf->billing_ship || conf->billing_log == NULL
        || conf->billing_log[0] != '/')
    {
        return true;
    }
    fgd_bs_file(conf, file, sizeof(file));
    for ( ;; ) {
        memset(&pos, 0, sizeof(pos));
        if (stat(conf->billing_log, &st) != 0
            || (fgd_tail_pos_load(file, id, &pos) == 0
                && pos.inode == (unsigned long long) st.st_ino
                && pos.offset >= (unsigned long long) st.st_size))
        {
            return true;
        }
        if (fg_now_ms() >= until) {
            return false;
        }
        usleep(20 * 1000);
    }
}

int
fgd_billship_once(const fgd_conf_t *conf)
{
    fgd_bs_t  *bs;
    int        rc;

    if (conf->billing_log == NULL || conf->billing_log[0] != '/') {
        fgd_log("error", NULL, "billing: no billing_log to ship");
        return -1;
    }
    /* what the log holds now: a rotated file read to its end, then the
     * new one at once */
    bs = fgd_bs_new(conf, 0);
    if (bs == NULL) {
        return -1;
    }
    while ((rc = fgd_bs_round(bs)) > 0) { }
    fgd_bs_close(bs);
    return rc;
}
