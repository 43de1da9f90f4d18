/*
 * fngated_suspend: suspended waits (docs/suspend.md).
 *
 * A call whose code waits on a synchronous Invoke it made (signed with
 * the call's own credentials) longer than suspend_after, while another
 * call of its pool key waits for a guest, is suspended: the
 * agent checkpoints its runtime (CRIU) and sets its sandbox aside, the
 * guest goes back to the pool for other calls of the same pool key, and
 * when the calls it made have ended the call takes that guest back, is
 * restored and goes on.  The time it spent suspended is not billed.
 *
 * Calls find the call they were made by through its credentials' access
 * key id (FNGATE_SESSION): a registry of the calls in flight on this
 * host, each with the count of synchronous calls made with its
 * credentials that are running.
 */
#ifndef FNGATED_SUSPEND_H
#define FNGATED_SUSPEND_H

#include <stdbool.h>
#include <stdint.h>

#include "fg_frame.h"
#include "fg_util.h"
#include "fngated_roles.h"
#include "vmpool.h"

/* A call in flight that calls made with its credentials may wait on. */
typedef struct fgd_parent_s  fgd_parent_t;
struct fgd_parent_s {
    char           akid[FGD_SESSION_AKID_LEN + 1];
    unsigned       children;    /* synchronous calls made with them that
                                   are running */
    uint64_t       since_ms;    /* the first of them began (monotonic) */
    fgd_parent_t  *next;
};

/* p is in the registry (akid "": not) until fgd_suspend_unregister. */
void fgd_suspend_register(fgd_parent_t *p, const char *akid);
void fgd_suspend_unregister(fgd_parent_t *p);

/* A synchronous call made with the credentials akid ("" or NULL:
 * none) begins; it ends.  The call they belong to may be on another host
 * or over: then nothing is counted. */
void fgd_suspend_child_begin(const char *akid);
void fgd_suspend_child_end(const char *akid);

/* The INVOKE of one call, and what suspending it needs. */
typedef struct {
    vmp_pool_t    *pool;
    vmp_vm_t      *vm;           /* the call's guest; NULL after a failure
                                    that lost it (nothing to release) */
    const char    *request_id;   /* for the log */
    const char    *allow;        /* the call's network allow-list, NULL:
                                    the guests have no network */
    fgd_parent_t  *parent;       /* NULL: never suspended */
    unsigned       after_ms;     /* suspend_after; 0: never */
    /* out */
    uint64_t       away_ms;      /* time suspended, checkpoint to restore */
    uint64_t       dump_us;      /* the last checkpoint took */
    uint64_t       restore_us;   /* the last restore took */
    uint64_t       bytes;        /* the last checkpoint's images */
} fgd_exchange_t;

/*
 * vmp_vm_call for the INVOKE in req (resp: its RESULT), with x->vm's
 * call suspended while it waits as above.  0, or -1 with a malloc'd
 * message in *err: the guest failed (release it unhealthy), or x->vm is
 * NULL (the call's guest is gone).
 */
int fgd_suspend_invoke(fgd_exchange_t *x, fg_buf_t *req, fg_buf_t *resp_buf,
    fg_frame_t *resp, unsigned timeout_ms, char **err);

#endif /* FNGATED_SUSPEND_H */
