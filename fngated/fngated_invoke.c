/*
 * fngated_invoke: Invoke through vmpool.
 *
 * The pool is created by a background thread at start (creating it probes
 * the accelerator and may take a boot timeout), and re-tried every few
 * seconds if libvirt is not there yet, so management calls never wait for
 * VMs.  An Invoke that arrives before the pool exists waits for it up to
 * acquire_timeout, then gets 503 ServiceException.
 *
 * One call: read the version the qualifier names ($LATEST, a number, or
 * an alias: its version, or with its weight its additional version) from
 * Redis; DryRun stops there (204).  A call of another account's code
 * gets the overrides of the caller's cross-account alias within the
 * owner's bounds, and its log and the messages of its function errors
 * only where the owner allows (fgd_cross_account,
 * fgd_cross_account_error).  Acquire a guest for the pool key (the billed
 * account: a guest only ever serves one account); none in time -> 429
 * TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded,
 * Retry-After: 1.  LOAD the zip when the guest holds other code, INVOKE,
 * map the RESULT (fgd_result_response).  A guest holds the code of one
 * sha256 at a time, so calls of versions with other code load theirs.
 * A guest that fails the exchange (timeout beyond the function's own,
 * agent gone, protocol error, LOAD refused) is released unhealthy
 * (destroyed and replaced) and the call gets 502 ServiceException.
 *
 * A call with a deadline (FNGATE_DEADLINE, fngated_deadline.h) that can
 * not end by it is refused, 504 DeadlineExceededException, before it
 * takes a guest: at once (the deadline is less than the version's need
 * away), while it waits for a guest (served earliest deadline first), or
 * once it has one (a cold start took the time).  Its timeout is what is
 * left until the deadline when that is less than the function's.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_util.h"
#include "fngated_async.h"
#include "fngated_bounds.h"
#include "fngated_concurrency.h"
#include "fngated_deadline.h"
#include "fngated_functions.h"
#include "fngated_idem.h"
#include "fngated_idem_json.h"
#include "fngated_invoke.h"
#include "fngated_log.h"
#include "fngated_pool.h"
#include "fngated_result.h"
#include "fngated_roles.h"
#include "fngated_store.h"
#include "fngated_suspend.h"
#include "fngated_versions.h"

/* Extra time the agent gets beyond the function's timeout to report. */
#define FGD_INVOKE_GRACE_MS  10000u
#define FGD_LOAD_TIMEOUT_MS  60000u

/* The 504 of a call that can not end by its deadline; it did not run. */
static int
fgd_deadline_refuse(const fgd_req_t *q, fgd_resp_t *r, uint64_t deadline,
    unsigned need, bool known, const char *when)
{
    uint64_t  now = fg_epoch_ms();

    fgd_log("info", q->request_id, "deadline %llu: refused %s (%lld ms "
        "left, needs %s%u ms): not run", (unsigned long long) deadline, when,
        (long long) deadline - (long long) now, known ? "" : "(unknown) ",
        need);
    if (deadline <= now) {
        return fgd_error(r, 504, "DeadlineExceededException",
            "The call's deadline (X-Fngate-Deadline %llu) passed %llu ms ago; "
            "the function was not run (refused %s)",
            (unsigned long long) deadline,
            (unsigned long long) (now - deadline), when);
    }
    return fgd_error(r, 504, "DeadlineExceededException",
        "The call can not end by its deadline (X-Fngate-Deadline %llu, "
        "%llu ms away): the function needs about %u ms; it was not run "
        "(refused %s)", (unsigned long long) deadline,
        (unsigned long long) (deadline - now), need, when);
}

static unsigned
fgd_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    long long       ms;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (long long) (t1.tv_sec - t0->tv_sec) * 1000 +
         (t1.tv_nsec - t0->tv_nsec) / 1000000;
    return ms < 0 ? 0 : (unsigned) ms;
}

/* Sends the function's zip to the guest.  0, or -1 with r (the guest is
 * then unhealthy unless *guest_ok). */
static int
fgd_load(const fgd_req_t *q, vmp_vm_t *vm, unsigned slot, const char *config,
    const fgd_fn_t *fn, fgd_resp_t *r, bool *guest_ok)
{
    uint8_t     *zip = NULL;
    size_t       zip_len;
    fg_buf_t     req = { 0 }, resp_buf = { 0 };
    fg_frame_t   resp;
    char        *err = NULL;
    const uint8_t *st;
    size_t       st_len;
    int          rc = -1;

    *guest_ok = true;
    if (fgd_store_code(q, q->owner, fn->sha256, &zip, &zip_len, r) != 0) {
        return -1;
    }
    if (vmp_load_frame_from_zip(zip, zip_len, fn->sha256, &req, &err) != 0
        || fg_frame_add_u64(&req, "sandbox", slot) != 0)
    {
        fgd_log("error", q->request_id, "LOAD frame for %s: %s", fn->sha256,
            err ? err : "?");
        fgd_error(r, 500, "ServiceException",
            "The function's code could not be prepared");
        goto cleanup;
    }
    if (vmp_vm_call(vm, &req, &resp_buf, &resp, FGD_LOAD_TIMEOUT_MS, &err)
        != 0)
    {
        *guest_ok = false;
        fgd_log("error", q->request_id, "LOAD on %s: %s", vmp_vm_name(vm),
            err ? err : "?");
        fgd_error(r, 502, "ServiceException",
            "The function's execution environment failed to load its code");
        goto cleanup;
    }
    st = fg_frame_get(&resp, "status", &st_len);
    if (resp.type != FG_FRAME_LOADED || st == NULL || st_len != 2
        || memcmp(st, "ok", 2) != 0)
    {
        size_t         ml = 0;
        const uint8_t *m = fg_frame_get(&resp, "message", &ml);

        *guest_ok = false;
        fgd_log("error", q->request_id, "LOAD on %s refused: %.*s",
            vmp_vm_name(vm), (int) (ml > 200 ? 200 : ml),
            m ? (const char *) m : "");
        fgd_error(r, 502, "ServiceException",
            "The function's execution environment failed to load its code");
        goto cleanup;
    }
    vmp_vm_sandbox_set(vm, slot, fn->sha256, config);
    rc = 0;

cleanup:
    free(err);
    free(zip);
    fg_buf_free(&req);
    fg_buf_free(&resp_buf);
    return rc;
}

/* Appends "Name: value\r\n" to r->headers. */
static int
fgd_header(fgd_resp_t *r, const char *name, const char *value)
{
    size_t  old = r->headers ? strlen(r->headers) : 0;
    size_t  add = strlen(name) + strlen(value) + 5;
    char   *h = realloc(r->headers, old + add);

    if (h == NULL) {
        return -1;
    }
    snprintf(h + old, add, "%s: %s\r\n", name, value);
    r->headers = h;
    return 0;
}

/*
 * A call of another account's code.  Through the caller's cross-account
 * alias, the alias's overrides go into fn as far as the owner's bounds
 * allow them now; *tail_ok: whether the owner lets the log be shown
 * (*tail_known: whether the bounds were read to say it; they are not when
 * the call has no overrides and asks for no log).  Redis is read only for
 * what the call needs, through fngated_cache.  0, or -1 with r.
 */
static int
fgd_cross_account(const fgd_req_t *q, fgd_fn_t *fn, bool *tail_ok,
    bool *tail_known, fgd_resp_t *r)
{
    fgd_bounds_t     b;
    fgd_overrides_t  o = { 0 };
    char             note[256];
    bool             tail = strcmp(q->log_type, "Tail") == 0;
    int              rc = -1;

    *tail_ok = false;
    *tail_known = false;
    if (q->alias[0] != '\0' && fgd_cached_overrides(q, q->alias, &o, r) != 0) {
        return -1;
    }
    if (!tail && o.memory_mb == 0 && o.timeout_s == 0
        && o.environment == NULL)
    {
        return 0;
    }
    if (fgd_cached_bounds(q, q->owner, q->function, &b, r) != 0) {
        goto cleanup;
    }
    *tail_ok = b.allow_log_tail;
    *tail_known = true;
    if (fgd_overrides_apply(&o, &b, fn, note, sizeof(note)) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    if (note[0] != '\0') {
        fgd_log("warn", q->request_id, "alias %s: beyond the owner's "
            "bounds, left at the owner's values: %s", q->alias, note);
    }
    rc = 0;

cleanup:
    fgd_overrides_clear(&o);
    return rc;
}

/*
 * A function error of another account's code: unless the owner's bounds
 * say AllowLogTail (read now if the call did not need them before; a
 * failed read counts as no), the caller gets the errorType without what
 * the owner's code or runtime wrote (fgd_result_redact).  fngated's log
 * keeps the whole error for the operator.  0, or -1 with r.
 */
static int
fgd_cross_account_error(const fgd_req_t *q, const char *rid,
    const fgd_result_t *res, bool tail_ok, bool tail_known, fgd_resp_t *r)
{
    fgd_bounds_t  b;
    fgd_resp_t    e;

    if (r->function_error == NULL) {
        return 0;
    }
    if (!tail_known) {
        memset(&e, 0, sizeof(e));
        tail_ok = fgd_cached_bounds(q, q->owner, q->function, &b, &e) == 0
                  && b.allow_log_tail;
        fgd_resp_free(&e);
    }
    if (tail_ok) {
        return 0;
    }
    fgd_log("info", q->request_id, "function error of %s:%s shown to %s "
        "without its message: %s", q->owner, q->function, q->caller,
        r->message);
    return fgd_result_redact(res, rid, r);
}

/* X-Fngate-Invocation-Type, and for an attempt of an event (ev) its
 * number, the event's age and the request id that sent it. */
static void
fgd_invocation_headers(fgd_resp_t *r, const fgd_event_t *ev)
{
    char  num[32];

    if (ev == NULL) {
        fgd_header(r, "X-Fngate-Invocation-Type", "RequestResponse");
        return;
    }
    fgd_header(r, "X-Fngate-Invocation-Type", "Event");
    snprintf(num, sizeof(num), "%u", ev->attempts + ev->throttles + 1);
    fgd_header(r, "X-Fngate-Attempt", num);
    snprintf(num, sizeof(num), "%llu",
        (unsigned long long) fgd_event_age_ms(ev));
    fgd_header(r, "X-Fngate-Event-Age-Ms", num);
    fgd_header(r, "X-Fngate-Event-Id", ev->rid);
}

/*
 * Mints the temporary credentials of a call of fn (fngated_roles.h) into
 * s, and their INVOKE field "AKID:SECRET:TOKEN:EXPIRATION" into out.  The
 * function's code acts as its owner with its Role, billed as this call,
 * one level deeper in its chain, by this call's deadline (0: none).  0,
 * or -1 with r.
 */
static int
fgd_invoke_session(const fgd_req_t *q, const fgd_fn_t *fn,
    uint64_t deadline, fgd_session_t *s, char *out, size_t size,
    fgd_resp_t *r)
{
    fgd_session_spec_t  spec;
    struct timespec     ts;
    long long           end;
    char                iso[32];

    /* the latest the call may end: its deadline, else its wait for a
     * guest and its timeout; calls made with its credentials must end by
     * then too (the module makes it theirs) */
    end = fg_epoch_ms() + q->conf->vm.acquire_timeout_ms
          + (long long) fn->timeout_s * 1000;
    spec.account = q->owner;
    spec.role = fn->role != NULL ? fn->role : "";
    spec.billed = q->billing[0] != '\0' ? q->billing : q->caller;
    spec.depth = q->depth;
    spec.root = q->root_id;
    spec.deadline_ms = deadline > 0 && (long long) deadline < end
                       ? (long long) deadline : end;
    spec.expires_ms = end + FGD_SESSION_MARGIN_MS;
    if (fgd_session_mint(q, &spec, s, r) != 0) {
        return -1;
    }
    ts.tv_sec = (time_t) (spec.expires_ms / 1000);
    ts.tv_nsec = 0;
    fgd_time_rfc3339(&ts, iso, sizeof(iso));
    snprintf(out, size, "%s:%s:%s:%s", s->akid, s->secret, s->token, iso);
    return 0;
}

/*
 * The keeper's call (fgd_invoke with q->provision) for fn, whose INVOKE's
 * configuration is config: says which sandbox it keeps, and how many are
 * kept now.  Whether that is all it wants.
 */
static bool
fgd_invoke_kept(const fgd_req_t *q, const fgd_fn_t *fn, const char *config)
{
    fgd_provision_t  *p = q->provision;

    snprintf(p->code, sizeof(p->code), "%s", fn->sha256);
    snprintf(p->config, sizeof(p->config), "%s", config);
    snprintf(p->version, sizeof(p->version), "%s", fgd_fn_version(fn));
    p->memory_mb = fn->memory_mb;
    p->kept = fgd_pool_provisioned(q->owner, p->code, p->config, p->want);
    return p->kept >= p->want;
}

/*
 * The keeper's init-only call has ended in vm (fgd_invoke with
 * q->provision): when the runtime's init went well, its sandbox is kept
 * with the others (q->provision->kept).  0, or -1 with r (the init
 * failed: its message).
 */
static int
fgd_invoke_provisioned(const fgd_req_t *q, vmp_vm_t *vm,
    const fgd_result_t *res, fgd_resp_t *r)
{
    fgd_provision_t  *p = q->provision;

    if (res->status[0] != 'o' || res->status[1] != 'k') {
        fgd_log("warn", q->request_id, "provisioned %s:%s:%s: init failed "
            "on %s: %s %s", q->owner, q->function, q->qualifier,
            vmp_vm_name(vm), res->status, res->message);
        return fgd_error(r, 502, "ServiceException", "The function's init "
            "failed: %s%s%s", res->status, res->message[0] ? ": " : "",
            res->message);
    }
    p->kept = fgd_pool_provisioned(q->owner, p->code, p->config, p->want);
    fgd_log("info", q->request_id, "provisioned %s:%s:%s: sandbox "
        "initialised in %s (%u of %u kept)", q->owner, q->function,
        q->qualifier, vmp_vm_name(vm), p->kept, p->want);
    r->status = 200;
    return 0;
}

int
fgd_invoke(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_invocation_type_t  type;
    fgd_fn_t               fn;
    vmp_pool_t            *pool = NULL;
    vmp_vm_t              *vm = NULL;
    vmp_acquire_info_t     info = { 0 };
    fg_buf_t               req = { 0 }, resp_buf = { 0 };
    fg_frame_t             resp;
    fgd_result_t           res;
    struct timespec        t0, now;
    char                  *err = NULL, num[32], *tail = NULL, *b64 = NULL;
    char                   arn[300], config[65], fnid[200];
    bool                   healthy = true, loaded = false, cold;
    unsigned               slot = 0;
    bool                   tail_ok = true, tail_known = true;
    bool                   cross = strcmp(q->owner, q->caller) != 0;
    unsigned               init_ms = 0;
    size_t                 tail_len;
    fgd_event_t            ev;
    void                  *ev_hold = NULL;
    const char            *rid = q->request_id;
    bool                   reserved = false;
    fgd_session_t          session;
    fgd_invoke_extra_t     extra;
    fgd_idem_call_t        idem = { 0 };
    char                   creds[256], endpoint[64];
    uint64_t               deadline, timeout_ms, mono, wall;
    unsigned               need = 0;
    bool                   need_known = false;
    char                   need_key[FGD_ESTIMATE_KEY] = "";
    vmp_order_t            order;
    int                    framed, rc = -1;
    fgd_parent_t           parent;
    fgd_exchange_t         x;
    char                   allow[2048];
    bool                   child = false, exchanged;

    memset(&fn, 0, sizeof(fn));
    memset(&session, 0, sizeof(session));
    memset(&parent, 0, sizeof(parent));
    memset(&x, 0, sizeof(x));
    if (fgd_invocation_type(q->invocation_type, &type, r) != 0) {
        return -1;
    }
    if (fgd_deadline_parse(q->deadline, &deadline, r) != 0) {
        fgd_log("warn", q->request_id, "bad deadline \"%.40s\"",
            q->deadline);
        return -1;
    }
    if (q->log_type[0] != '\0' && strcmp(q->log_type, "Tail") != 0
        && strcmp(q->log_type, "None") != 0)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%.40s' at 'logType' failed "
            "to satisfy constraint: Member must satisfy enum value set: "
            "[Tail, None]", q->log_type);
    }
    if (fgd_payload_check(q->body, q->body_len, r) != 0) {
        return -1;
    }
    /* The qualifier names $LATEST, a version or an alias (weighted). */
    if (fgd_store_resolve(q, q->owner, q->function, q->qualifier, true, &fn,
            r) != 0)
    {
        if (q->alias != NULL && q->alias[0] != '\0'
            && (r->status == 404 || r->status == 400))
        {
            /* through a cross-account alias: name the caller's alias,
             * never the other account's function */
            fgd_log("error", q->request_id, "alias %s: target %s:%s:%s: %d",
                q->alias, q->owner, q->function, q->qualifier, r->status);
            if (r->status == 400) {
                fgd_resp_free(r);
                memset(r, 0, sizeof(*r));
                return fgd_error(r, 400, "InvalidParameterValueException",
                    "The target of the cross-account alias %s is itself a "
                    "cross-account alias; cross-account aliases can not be "
                    "chained", q->alias);
            }
            fgd_resp_free(r);
            memset(r, 0, sizeof(*r));
            return fgd_error(r, 404, "ResourceNotFoundException",
                "Function not found: %s (the target of the cross-account "
                "alias no longer exists or can not be used)", q->alias);
        }
        return -1;
    }

    if (type == FGD_INVOKE_DRY_RUN) {
        r->status = 204;
        fgd_header(r, "X-Amz-Executed-Version", fgd_fn_version(&fn));
        rc = 0;
        goto cleanup;
    }
    if (type == FGD_INVOKE_EVENT) {
        rc = fgd_async_enqueue(q, r);
        goto cleanup;
    }
    /* An attempt of an event: the function sees the request id of the
     * Invoke that sent it, the billing line its attempt and age. */
    if (q->event != NULL && q->event[0] != '\0') {
        if (fgd_async_attempt(q, &ev, &ev_hold, r) != 0) {
            goto cleanup;
        }
        rid = ev.rid;
        fgd_log("info", q->request_id, "attempt %u of event %s (%s), age "
            "%llu ms", ev.attempts + ev.throttles + 1, ev.rid, ev.id,
            (unsigned long long) fgd_event_age_ms(&ev));
    }
    /* the billing line says which kind of call ran (or was refused) */
    fgd_invocation_headers(r, ev_hold != NULL ? &ev : NULL);
    /* the call whose credentials made this one waits on it meanwhile:
     * past suspend_after it is suspended (fngated_suspend.h) */
    if (ev_hold == NULL) {
        fgd_suspend_child_begin(q->session);
        child = true;
    }

    if (cross && fgd_cross_account(q, &fn, &tail_ok, &tail_known, r) != 0) {
        goto cleanup;
    }
    /* the function's timeout, as an alias's overrides left it */
    timeout_ms = (uint64_t) fn.timeout_s * 1000;

    /* the ARN the call named: the caller's alias, or the function's */
    if (q->alias != NULL && q->alias[0] != '\0') {
        snprintf(arn, sizeof(arn), "%s", q->alias);
    } else {
        fg_function_arn(arn, sizeof(arn), q->region, q->owner, q->function,
            q->qualifier);
    }
    /*
     * What a persistent runtime sees at its init, hashed from the INVOKE
     * the call would send without its credentials (new for every call,
     * not part of it) and with the function's own timeout (a deadline's
     * cut is not part of it either): it names the call's sandbox in its
     * guest, the function snapshot a new guest may be restored from and
     * an idempotent function's stored results.
     */
    snprintf(fnid, sizeof(fnid), "%s:%s", q->owner, fn.name);
    {
        fgd_invoke_extra_t  kx;
        fg_buf_t            kreq = { 0 };

        memset(&kx, 0, sizeof(kx));
        fgd_conf_function_endpoint(q->conf, endpoint, sizeof(endpoint));
        kx.endpoint = endpoint;
        if (fgd_invoke_frame(&kreq, &fn, q->region, rid, arn, &kx,
                (const uint8_t *) (q->body_len ? q->body : "{}"),
                q->body_len ? q->body_len : 2) != 0
            || vmp_fnsnap_config(kreq.data, kreq.len, fnid, config) != 0)
        {
            config[0] = '\0';
        }
        fg_buf_free(&kreq);
    }
    /* the keeper's call, when the sandboxes it wants are kept already:
     * nothing to make */
    if (q->provision != NULL && fgd_invoke_kept(q, &fn, config)) {
        r->status = 200;
        rc = 0;
        goto cleanup;
    }
    /*
     * An idempotent function: a stored result of the same version, event
     * and dependencies' states answers without credentials, a guest or a
     * run.  The key is that hash; a frame that can not be made leaves
     * the call to run without storing.
     */
    if (fgd_idem_on(fn.idem) && q->provision == NULL) {
        char    *hbody = NULL, *hrid = NULL;
        size_t   hlen = 0;
        int      hit = 0;

        if (config[0] == '\0') {
            fgd_log("warn", q->request_id, "idempotent: %s:%s runs without "
                "storing: its INVOKE could not be hashed", q->owner,
                fn.name);
        } else {
            hit = fgd_idem_lookup(q, &fn, config, arn,
                (const uint8_t *) (q->body_len ? q->body : "{}"),
                q->body_len ? q->body_len : 2, &idem, &hbody, &hlen, &hrid);
        }
        /* a stored result answers by any deadline not yet past; a past
         * one is refused below, as for a call that would run */
        if (hit == 1 && fgd_deadline_refused(deadline, fg_epoch_ms(), 0)) {
            free(hbody);
            free(hrid);
            hit = 0;
        }
        if (hit == 1) {
            fgd_log("info", q->request_id, "idempotent hit: %s:%s:%s "
                "answered with the result of request %s", q->owner,
                fn.name, fgd_fn_version(&fn), hrid);
            free(hrid);
            r->status = 200;
            r->body = hbody;
            r->body_len = hlen;
            fgd_header(r, "X-Amz-Executed-Version", fgd_fn_version(&fn));
            fgd_header(r, "X-Fngate-Idempotent", "hit");
            fgd_header(r, "X-Fngate-Duration-Ms", "0.00");
            fgd_header(r, "X-Fngate-Billed-Ms", "0");
            snprintf(num, sizeof(num), "%u", fn.memory_mb);
            fgd_header(r, "X-Fngate-Memory-Mb", num);
            fgd_header(r, "X-Fngate-Max-Memory-Mb", "0");
            fgd_header(r, "X-Fngate-Init-Ms", "0");
            fgd_header(r, "X-Fngate-Queue-Ms", "0");
            fgd_header(r, "X-Fngate-Cold-Start", "false");
            rc = 0;
            goto cleanup;
        }
    }

    /* The call's own credentials: its function's role, its chain.  They
     * are revoked when the call ends; until then they can not outlive
     * the longest the call may take. */
    if (fgd_invoke_session(q, &fn, deadline, &session, creds, sizeof(creds),
            r) != 0)
    {
        /* Redis full (or gone): the call runs, as calls do when nothing
         * new can be stored, but its code gets no credentials */
        if (r->status != 503) {
            goto cleanup;
        }
        fgd_log("warn", q->request_id, "%s:%s runs without credentials: "
            "%s", q->owner, fn.name, r->message);
        fgd_resp_free(r);
        memset(r, 0, sizeof(*r));
        fgd_invocation_headers(r, ev_hold != NULL ? &ev : NULL);
        memset(&session, 0, sizeof(session));
        creds[0] = '\0';
    }
    /* calls its code makes with them may find it */
    if (q->conf->suspend_after_ms > 0) {
        fgd_suspend_register(&parent, session.akid);
    }
    fgd_conf_function_endpoint(q->conf, endpoint, sizeof(endpoint));
    extra.endpoint = endpoint;
    extra.credentials = creds;
    extra.timeout_ms = 0;               /* the function's, for now */
    framed = fgd_invoke_frame(&req, &fn, q->region, rid, arn, &extra,
        (const uint8_t *) (q->body_len ? q->body : "{}"),
        q->body_len ? q->body_len : 2);
    if (framed != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    /* a deadline the version's recent runs say it can not meet: refused
     * before it takes a place */
    if (fgd_estimate_key(need_key, sizeof(need_key), q->owner, fn.name,
            fgd_fn_version(&fn), fn.sha256) != 0)
    {
        need_key[0] = '\0';
    }
    need_known = need_key[0] != '\0' && fgd_deadline_need(need_key, &need);
    if (fgd_deadline_refused(deadline, fg_epoch_ms(), need)) {
        fgd_deadline_refuse(q, r, deadline, need, need_known, "at once");
        goto cleanup;
    }

    /* the function's reserved concurrency, if it has one (an init is
     * no call of it) */
    if (q->provision == NULL
        && fgd_concurrency_enter(q, q->owner, q->function, &reserved, r)
           != 0)
    {
        goto cleanup;
    }

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pool = fgd_pool_wait(q->conf->vm.acquire_timeout_ms, q->request_id);
    if (pool == NULL) {
        fgd_error(r, 503, "ServiceException",
            "The service is unavailable: no execution environment can be "
            "started");
        goto cleanup;
    }
    {
        /* The pool key decides which account's guests run the call, and
         * the owner of the code which of them: a guest serves one caller
         * and one owner (vmp_pool_key). */
        const char *base = q->pool_key[0] ? q->pool_key
                         : q->billing[0] ? q->billing : q->caller;
        char        key[128];

        if (vmp_pool_key(key, sizeof(key), base, q->owner) != 0) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "the pool key is too long");
            goto cleanup;
        }
        /* waiting calls are served earliest deadline first */
        mono = fg_now_ms();
        wall = fg_epoch_ms();
        order.order_ms = fgd_deadline_order(deadline, wall, mono, timeout_ms);
        order.start_by_ms = fgd_deadline_start_by(deadline, wall, mono, need);
        /* the keeper's call: one sandbox more, in a guest that keeps
         * none */
        order.elsewhere = q->provision != NULL;
        if (vmp_pool_acquire_by(pool, key, fn.sha256, config, &order, &vm,
                &info, &err) != 0)
        {
            fgd_log("warn", q->request_id, "no guest for %s: %s", key,
                err ? err : "?");
            if (info.late) {
                fgd_deadline_refuse(q, r, deadline, need, need_known,
                    "while it waited for an execution environment");
                goto cleanup;
            }
            r->throttle_reason = "ConcurrentInvocationLimitExceeded";
            fgd_error(r, 429, "TooManyRequestsException", "Rate Exceeded.");
            goto cleanup;
        }
    }

    /* what the guest may reach during this call: its host's rules, set
     * before the code can run (docs/network.md) */
    allow[0] = '\0';
    if (q->conf->vm.net_subnet[0] != '\0') {
        char  why[256];

        /* a list the operator's policy no longer allows gives nothing */
        if (fgd_conf_egress(q->conf,
                fgd_fn_egress(&fn, q->conf->network_default), allow,
                sizeof(allow), why, sizeof(why)) != 0)
        {
            fgd_log("warn", q->request_id, "network: %s:%s reaches nothing: "
                "%s", q->owner, fn.name, why);
            allow[0] = '\0';
        }
        if (vmp_vm_set_egress(pool, vm, allow, &err) != 0) {
            healthy = false;
            fgd_log("error", q->request_id, "network policy for %s: %s",
                vmp_vm_name(vm), err ? err : "?");
            fgd_error(r, 502, "ServiceException",
                "The function's execution environment failed");
            goto cleanup;
        }
    }

    /* its version's sandbox in the guest, or a new one for its code */
    if (vmp_vm_sandbox(pool, vm, fn.sha256, config, fn.memory_mb, &slot)
        == 0)
    {
        bool guest_ok;
        if (fgd_load(q, vm, slot, config, &fn, r, &guest_ok) != 0) {
            healthy = guest_ok;
            goto cleanup;
        }
        loaded = true;
    }
    cold = info.cold || loaded;
    init_ms = cold ? fgd_ms_since(&t0) : 0;

    /* the guest's start may have taken the time the call had: then it
     * is not run; else its timeout ends at the deadline at the latest */
    if (deadline != 0) {
        wall = fg_epoch_ms();
        if (fgd_deadline_refused(deadline, wall, need)) {
            fgd_deadline_refuse(q, r, deadline, need, need_known,
                "once it had an execution environment");
            goto cleanup;
        }
        fgd_log("info", q->request_id, "deadline %llu: runs on %s, %llu ms "
            "left (waited %u ms)", (unsigned long long) deadline,
            vmp_vm_name(vm), (unsigned long long) (deadline - wall),
            info.queue_ms);
        if (fgd_deadline_timeout(deadline, wall, timeout_ms) < timeout_ms) {
            timeout_ms = fgd_deadline_timeout(deadline, wall, timeout_ms);
            fgd_log("info", q->request_id, "deadline %llu: timeout %llu ms "
                "(the function's is %u s)", (unsigned long long) deadline,
                (unsigned long long) timeout_ms, fn.timeout_s);
            fg_buf_free(&req);
            memset(&req, 0, sizeof(req));
            extra.timeout_ms = timeout_ms;
            if (fgd_invoke_frame(&req, &fn, q->region, rid, arn, &extra,
                    (const uint8_t *) (q->body_len ? q->body : "{}"),
                    q->body_len ? q->body_len : 2) != 0)
            {
                fgd_nomem(r);
                goto cleanup;
            }
        }
    }
    /* the frame is made: the credentials are in it alone */
    explicit_bzero(creds, sizeof(creds));
    if (fg_frame_add_u64(&req, "sandbox", slot) != 0
        || (q->provision != NULL
            && fg_frame_add_u64(&req, "init_only", 1) != 0))
    {
        fgd_nomem(r);
        goto cleanup;
    }

    x.pool = pool;
    x.vm = vm;
    x.request_id = q->request_id;
    x.allow = q->conf->vm.net_subnet[0] != '\0' ? allow : NULL;
    x.parent = parent.akid[0] != '\0' ? &parent : NULL;
    x.after_ms = q->provision == NULL ? q->conf->suspend_after_ms : 0;
    exchanged = fgd_suspend_invoke(&x, &req, &resp_buf, &resp,
        (unsigned) timeout_ms + FGD_INVOKE_GRACE_MS, &err) == 0;
    vm = x.vm;
    if (!exchanged) {
        healthy = false;
        fgd_log("error", q->request_id, "INVOKE on %s: %s",
            vm != NULL ? vmp_vm_name(vm) : "a guest gone", err ? err : "?");
        fgd_error(r, 502, "ServiceException",
            "The function's execution environment failed");
        goto cleanup;
    }
    if (fgd_result_parse(&resp, rid, &res) != 0) {
        healthy = false;
        fgd_log("error", q->request_id, "INVOKE on %s: bad RESULT frame",
            vmp_vm_name(vm));
        fgd_error(r, 502, "ServiceException",
            "The function's execution environment answered nonsense");
        goto cleanup;
    }
    vmp_vm_sandbox_ran(vm, slot, res.max_rss_kb);
    if (q->provision != NULL) {
        rc = fgd_invoke_provisioned(q, vm, &res, r);
        goto cleanup;
    }
    /* the version's recent runs: what later calls with a deadline need */
    if (need_key[0] != '\0') {
        fgd_deadline_record(need_key, (unsigned) (res.duration_us / 1000));
    }
    clock_gettime(CLOCK_REALTIME, &now);
    if (fgd_result_response(&res, rid, timeout_ms, &now, r,
            &healthy) != 0)
    {
        fgd_log("error", q->request_id, "RESULT from %s: %s",
            vmp_vm_name(vm), r->message);
        goto cleanup;
    }
    if (cross
        && fgd_cross_account_error(q, rid, &res, tail_ok, tail_known, r) != 0)
    {
        goto cleanup;
    }
    /* A runtime started by this call: its init is part of the cold start. */
    if (res.has_init) {
        cold = true;
        init_ms += (unsigned) (res.init_us / 1000);
    }
    if (res.status[0] != 'o' || res.status[1] != 'k') {
        fgd_log("info", q->request_id, "function error: %s (exit %lld) %s",
            res.status, res.exit_code, res.message);
    } else if (res.has_init && info.cold && healthy && config[0] != '\0') {
        /* a runtime initialised in a guest new to the account, and the
         * call went well: the pool saves the guest once it is idle */
        vmp_vm_capture(pool, vm, fn.sha256, config, fnid,
            fgd_fn_version(&fn));
    }

    /* Response headers: Lambda's and the counters for the billing log. */
    fgd_header(r, "X-Amz-Executed-Version", fgd_fn_version(&fn));
    /* an idempotent function's successful result is kept for the calls
     * that follow with the same version, event and dependencies */
    if (fgd_idem_on(fn.idem)) {
        bool  stored = idem.on && healthy && r->function_error == NULL
                       && res.status[0] == 'o' && res.status[1] == 'k'
                       && fgd_idem_store(q, &idem, rid, r->body ? r->body
                              : "", r->body ? r->body_len : 0);

        fgd_header(r, "X-Fngate-Idempotent", stored ? "stored" : "miss");
    }
    /* the log of another account's code only where its owner allows */
    if (strcmp(q->log_type, "Tail") == 0 && tail_ok) {
        tail = fgd_log_tail(&res, rid, fgd_fn_version(&fn),
            fn.memory_mb,
            init_ms, cold, &tail_len);
        if (tail != NULL && (b64 = malloc(tail_len / 3 * 4 + 8)) != NULL) {
            fgd_base64_encode((const uint8_t *) tail, tail_len, b64);
            fgd_header(r, "X-Amz-Log-Result", b64);
        }
    }
    fgd_duration_ms(res.duration_us, num, sizeof(num));
    fgd_header(r, "X-Fngate-Duration-Ms", num);
    snprintf(num, sizeof(num), "%llu",
        (unsigned long long) fgd_billed_ms(res.duration_us));
    fgd_header(r, "X-Fngate-Billed-Ms", num);
    snprintf(num, sizeof(num), "%u", fn.memory_mb);
    fgd_header(r, "X-Fngate-Memory-Mb", num);
    snprintf(num, sizeof(num), "%llu",
        (unsigned long long) fgd_memory_used_mb(res.max_rss_kb));
    fgd_header(r, "X-Fngate-Max-Memory-Mb", num);
    snprintf(num, sizeof(num), "%u", init_ms);
    fgd_header(r, "X-Fngate-Init-Ms", num);
    snprintf(num, sizeof(num), "%u", info.queue_ms);
    fgd_header(r, "X-Fngate-Queue-Ms", num);
    /* suspended while it waited on calls it made: not billed */
    snprintf(num, sizeof(num), "%llu", (unsigned long long) x.away_ms);
    fgd_header(r, "X-Fngate-Suspended-Ms", num);
    fgd_header(r, "X-Fngate-Cold-Start", cold ? "true" : "false");
    /* how the cold start got its guest: restored, booted, or only the
     * code loaded into the account's guest */
    if (cold) {
        fgd_header(r, "X-Fngate-Start-Kind",
            info.cold ? vmp_vm_origin(vm) : "load");
    }
    fgd_header(r, "X-Fngate-Vm", vmp_vm_name(vm));
    /* a sandbox kept by provisioned concurrency (docs/billing.md) */
    fgd_header(r, "X-Fngate-Provisioned",
        vmp_vm_sandbox_provisioned(vm, slot) ? "true" : "false");
    rc = 0;

cleanup:
    fgd_suspend_unregister(&parent);
    if (child) {
        fgd_suspend_child_end(q->session);
    }
    fgd_session_revoke(q, &session);
    explicit_bzero(&session, sizeof(session));
    explicit_bzero(creds, sizeof(creds));
    if (vm != NULL) {
        char  refused[512];
        int   n = vmp_vm_egress_refused(pool, vm, refused, sizeof(refused));

        /* what the call's code tried beyond its policy */
        if (n > 0) {
            fgd_log("warn", q->request_id, "network: %s:%s on %s refused %d "
                "packet(s): %s", q->owner, fn.name, vmp_vm_name(vm), n,
                refused);
        }
        if (!healthy) {
            fgd_log("warn", q->request_id, "guest %s released unhealthy",
                vmp_vm_name(vm));
        }
        vmp_pool_release(pool, vm, healthy);
    }
    free(err);
    free(tail);
    free(b64);
    fg_buf_free(&req);
    fg_buf_free(&resp_buf);
    fgd_fn_clear(&fn);
    if (reserved) {
        fgd_concurrency_leave(q->owner, q->function);
    }
    if (ev_hold != NULL) {
        freeReplyObject(ev_hold);
    }
    return rc;
}
