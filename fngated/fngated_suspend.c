/*
 * fngated_suspend: suspended waits (fngated_suspend.h, docs/suspend.md).
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fngated_log.h"
#include "fngated_suspend.h"

/* a waiting call is looked at this often */
#define FGD_SUSPEND_STEP_MS     50
/* the agent has this long to restore a call */
#define FGD_SUSPEND_RESTORE_MS  60000

static pthread_mutex_t  fgd_parents_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   fgd_parents_changed = PTHREAD_COND_INITIALIZER;
static fgd_parent_t    *fgd_parents;


void
fgd_suspend_register(fgd_parent_t *p, const char *akid)
{
    memset(p, 0, sizeof(*p));
    if (akid == NULL || akid[0] == '\0') {
        return;
    }
    snprintf(p->akid, sizeof(p->akid), "%s", akid);
    pthread_mutex_lock(&fgd_parents_lock);
    p->next = fgd_parents;
    fgd_parents = p;
    pthread_mutex_unlock(&fgd_parents_lock);
}


void
fgd_suspend_unregister(fgd_parent_t *p)
{
    fgd_parent_t  **pp;

    if (p->akid[0] == '\0') {
        return;
    }
    pthread_mutex_lock(&fgd_parents_lock);
    for (pp = &fgd_parents; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    pthread_mutex_unlock(&fgd_parents_lock);
    p->akid[0] = '\0';
}


/* The registered call of akid, under the lock; NULL: none here. */
static fgd_parent_t *
fgd_suspend_find(const char *akid)
{
    fgd_parent_t  *p;

    for (p = fgd_parents; p != NULL; p = p->next) {
        if (strcmp(p->akid, akid) == 0) {
            return p;
        }
    }
    return NULL;
}


void
fgd_suspend_child_begin(const char *akid)
{
    fgd_parent_t  *p;

    if (akid == NULL || akid[0] == '\0') {
        return;
    }
    pthread_mutex_lock(&fgd_parents_lock);
    p = fgd_suspend_find(akid);
    if (p != NULL && p->children++ == 0) {
        p->since_ms = fg_now_ms();
    }
    pthread_mutex_unlock(&fgd_parents_lock);
}


void
fgd_suspend_child_end(const char *akid)
{
    fgd_parent_t  *p;

    if (akid == NULL || akid[0] == '\0') {
        return;
    }
    pthread_mutex_lock(&fgd_parents_lock);
    p = fgd_suspend_find(akid);
    if (p != NULL && p->children > 0 && --p->children == 0) {
        pthread_cond_broadcast(&fgd_parents_changed);
    }
    pthread_mutex_unlock(&fgd_parents_lock);
}


/* Whether p's call has waited on a call it made for after_ms. */
static bool
fgd_suspend_due(fgd_parent_t *p, unsigned after_ms)
{
    bool  due;

    pthread_mutex_lock(&fgd_parents_lock);
    due = p->children > 0 && fg_now_ms() - p->since_ms >= after_ms;
    pthread_mutex_unlock(&fgd_parents_lock);
    return due;
}


/* Waits until the calls p's call made have ended, or until (monotonic
 * ms). */
static void
fgd_suspend_wait(fgd_parent_t *p, uint64_t until)
{
    struct timespec  ts;
    uint64_t         now;

    pthread_mutex_lock(&fgd_parents_lock);
    while (p->children > 0 && (now = fg_now_ms()) < until) {
        fg_abstime(&ts, until - now);
        pthread_cond_timedwait(&fgd_parents_changed, &fgd_parents_lock, &ts);
    }
    pthread_mutex_unlock(&fgd_parents_lock);
}


static void
fgd_suspend_seterr(char **err, const char *fmt, ...)
{
    va_list  ap;

    free(*err);
    *err = NULL;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) {
        *err = NULL;
    }
    va_end(ap);
}


/*
 * Sends SUSPEND or RESUME (type) and reads its PONG, or the RESULT of the
 * call (seq) if that comes first, until until (monotonic ms): 1 (resp is
 * the RESULT), 0 (the PONG said "ok"), 2 (it said "no": why in *err), -1
 * (the guest failed).  An agent running a one-shot handler reads SUSPEND
 * only once the handler is done: the RESULT comes first.
 */
static int
fgd_suspend_frame(fgd_exchange_t *x, fg_frame_type_t type, uint32_t seq,
    uint64_t until, fg_buf_t *resp_buf, fg_frame_t *resp, char **err)
{
    fg_buf_t        b = { 0 };
    uint32_t        mine;
    const uint8_t  *v;
    size_t          len;
    int             rc;

    if (fg_frame_begin(&b, type, 0) != 0 || fg_frame_end(&b) != 0) {
        fg_buf_free(&b);
        fgd_suspend_seterr(err, "out of memory");
        return -1;
    }
    rc = vmp_vm_send(x->vm, &b, &mine, err);
    fg_buf_free(&b);
    if (rc != 0) {
        return -1;
    }
    rc = vmp_vm_reply(x->vm, mine, seq, resp_buf, resp, until, err);
    if (rc != 0) {
        if (rc == 1) {
            fgd_suspend_seterr(err, "%s: no answer to %s in time",
                vmp_vm_name(x->vm), type == FG_FRAME_SUSPEND ? "SUSPEND"
                : "RESUME");
        }
        return -1;
    }
    if (resp->seq == seq) {
        return 1;
    }
    /* "no", or ERROR from an agent without suspended waits */
    v = resp->type == FG_FRAME_PONG ? fg_frame_get(resp, "status", &len)
                                    : NULL;
    if (v == NULL || len != 2 || memcmp(v, "ok", 2) != 0) {
        v = fg_frame_get(resp, "message", &len);
        fgd_suspend_seterr(err, "%.*s", v ? (int) len : 1,
            v ? (const char *) v : "?");
        return 2;
    }
    fg_frame_get_u64(resp, "took_us",
        type == FG_FRAME_SUSPEND ? &x->dump_us : &x->restore_us);
    if (type == FG_FRAME_SUSPEND) {
        fg_frame_get_u64(resp, "bytes", &x->bytes);
    }
    return 0;
}


/*
 * The call was suspended in x->vm: the guest goes back to the pool until
 * the calls it made end (or until end), then the call takes it back and
 * is restored.  0, or -1 with *err (x->vm NULL: gone; else failed).
 */
static int
fgd_suspend_away(fgd_exchange_t *x, uint32_t seq, uint64_t end,
    fg_buf_t *resp_buf, fg_frame_t *resp, char **err)
{
    unsigned  id = vmp_vm_id(x->vm);
    uint64_t  t0 = fg_now_ms(), now;
    int       rc;

    fgd_log("info", x->request_id, "suspended on %s: checkpoint %llu ms, "
        "%llu KiB", vmp_vm_name(x->vm),
        (unsigned long long) (x->dump_us / 1000),
        (unsigned long long) (x->bytes / 1024));
    vmp_pool_suspended(x->pool, x->vm);
    x->vm = NULL;

    fgd_suspend_wait(x->parent, end);
    /* back even past its timeout: restored, it times out as calls do and
     * leaves its guest clean */
    now = fg_now_ms();
    if (vmp_pool_resume(x->pool, id, now + FGD_SUSPEND_RESTORE_MS < end
            ? (unsigned) (end - now) : FGD_SUSPEND_RESTORE_MS, &x->vm, err)
        != 0)
    {
        return -1;
    }
    /* its sandbox is in it again (vmp_pool_resume), and its network
     * policy */
    if (x->allow != NULL
        && vmp_vm_set_egress(x->pool, x->vm, x->allow, err) != 0)
    {
        return -1;
    }
    rc = fgd_suspend_frame(x, FG_FRAME_RESUME, seq,
        fg_now_ms() + FGD_SUSPEND_RESTORE_MS, resp_buf, resp, err);
    x->away_ms += fg_now_ms() - t0;
    if (rc < 0) {
        return -1;
    }
    if (rc == 2) {
        /* its RESULT ("failed") follows */
        fgd_log("error", x->request_id, "not resumed on %s: %s",
            vmp_vm_name(x->vm), *err ? *err : "?");
        free(*err);
        *err = NULL;
        return 0;
    }
    fgd_log("info", x->request_id, "resumed on %s after %llu ms: restore "
        "%llu ms", vmp_vm_name(x->vm),
        (unsigned long long) (fg_now_ms() - t0),
        (unsigned long long) (x->restore_us / 1000));
    return 0;
}


int
fgd_suspend_invoke(fgd_exchange_t *x, fg_buf_t *req, fg_buf_t *resp_buf,
    fg_frame_t *resp, unsigned timeout_ms, char **err)
{
    uint64_t  end = fg_now_ms() + timeout_ms, until;
    uint32_t  seq;
    bool      may = x->parent != NULL && x->after_ms > 0;
    int       rc;

    *err = NULL;
    if (vmp_vm_send(x->vm, req, &seq, err) != 0) {
        return -1;
    }
    for ( ;; ) {
        until = may && fg_now_ms() + FGD_SUSPEND_STEP_MS < end
                ? fg_now_ms() + FGD_SUSPEND_STEP_MS : end;
        rc = vmp_vm_reply(x->vm, seq, 0, resp_buf, resp, until, err);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            break;
        }
        if (fg_now_ms() >= end) {
            fgd_suspend_seterr(err, "%s: no reply from the agent within "
                "%u ms", vmp_vm_name(x->vm), timeout_ms);
            return -1;
        }
        /* the guest is lent only to a call that waits for one */
        if (!may || !fgd_suspend_due(x->parent, x->after_ms)
            || !vmp_pool_wanted(x->pool, x->vm))
        {
            continue;
        }
        rc = fgd_suspend_frame(x, FG_FRAME_SUSPEND, seq, end, resp_buf,
            resp, err);
        if (rc < 0) {
            return -1;
        }
        if (rc == 1) {
            break;                      /* it ended first */
        }
        if (rc == 2) {
            /* it waits in its guest, as without suspended waits */
            fgd_log("warn", x->request_id, "not suspended on %s: %s",
                vmp_vm_name(x->vm), *err ? *err : "?");
            free(*err);
            *err = NULL;
            may = false;
            continue;
        }
        if (fgd_suspend_away(x, seq, end, resp_buf, resp, err) != 0) {
            return -1;
        }
        /* restored past its end, it answers at once that it timed out */
        if (end < fg_now_ms() + FGD_SUSPEND_RESTORE_MS) {
            end = fg_now_ms() + FGD_SUSPEND_RESTORE_MS;
        }
    }
    return vmp_vm_reply_error(x->vm, resp, err);
}
