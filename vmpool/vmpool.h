/*
 * vmpool: warm libvirt domains per account.
 *
 * The pool keeps `warm` generic guests booted ahead of demand.  The first
 * call of an account takes one of them (a cold start for that account) and
 * from then on the guest serves only that account: it is reused for the
 * account's later calls (one call at a time per guest) and destroyed after
 * `idle_timeout_s` without calls; a background thread boots replacements so
 * the warm set stays full.  No guest ever serves two accounts.
 *
 * Thread-safe: fngated's FastCGI threads call acquire/call/release
 * concurrently.
 */

#ifndef VMPOOL_H
#define VMPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "fg_frame.h"

typedef struct vmp_pool vmp_pool_t;
typedef struct vmp_vm vmp_vm_t;

typedef struct {
    const char  *uri;            /* libvirt URI, "qemu:///system" */
    const char  *kernel;         /* guest kernel: vmlinux (PVH) or bzImage */
    const char  *initrd;         /* initramfs (guest/image/mkinitramfs) */
    const char  *domain_xml;     /* template file, guest/domain.xml */
    const char  *state_dir;      /* .fngate/vm: consoles, probe cache */
    const char  *name_prefix;    /* domain names: PREFIX-N, "fngate" */
    const char  *accel;          /* "auto", "kvm" or "tcg" */
    const char  *runtimes;       /* read-only runtime disk
                                    (guest/image/mkruntimes) or "": none;
                                    attached when readable */
    const char  *emulator;       /* the guests' QEMU (build/fngate-qemu:
                                    no transparent huge pages) or "":
                                    libvirt's; used when executable */
    unsigned     warm;           /* generic guests kept booted */
    unsigned     warm_per_account; /* spare guests kept made ahead for
                                    each pool key that has one (idle or
                                    in a call); 0: none */
    unsigned     max_vms;        /* all guests, warm and assigned */
    unsigned     max_vms_per_account;  /* guests one account may hold at
                                    once (its calls in flight); 0: up to
                                    max_vms */
    unsigned     vm_memory_mb;   /* guest RAM */
    unsigned     memory_budget_mb; /* host memory (PSS) all guests may
                                    hold; 0: no budget, max_vms alone */
    unsigned     vcpus;
    unsigned     idle_timeout_s; /* assigned guest idle -> destroyed */
    unsigned     boot_timeout_ms;/* agent HELLO must arrive within */
    unsigned     acquire_timeout_ms; /* a call waits this long for a guest */
    /* Added by vmpool (defaults from vmp_config_defaults): */
    unsigned     kvm_probe_timeout_ms; /* accel auto: kvm guest's HELLO */
    unsigned     tb_cache_mb;    /* TCG translation cache per guest */
    unsigned     snapshot;       /* 1: new guests are restored from a
                                    saved booted guest; 0: booted */
    unsigned     snapshot_clones; /* 1: that guest is a template whose
                                    RAM file every restored guest maps
                                    copy-on-write (the emulator must be
                                    fngate-qemu); 0: a full image */
    unsigned     warm_paused;    /* 1: warm clones wait paused, resumed by
                                    the call that takes one; 0: running */
    unsigned     warm_up;        /* 1: a warm clone runs a handler of the
                                    pool's once, ahead of its first call */
    unsigned     sandboxes_per_vm; /* function versions one guest holds
                                    (1-8): vmp_vm_sandbox */
    unsigned     sandbox_memory_mb; /* what one guest's sandboxes may use
                                    together (0: no limit) */
    unsigned     mem_merge;      /* 1: guest RAM may be merged by the
                                    host's KSM (QEMU's default); 0: never
                                    (<nosharepages/>) */
    unsigned     function_snapshots;  /* 1: a guest is saved after a
                                    persistent runtime's init, and an
                                    account's new guests for that function
                                    are restored from it; 0: never */
    unsigned     function_snapshots_max; /* images kept; the least
                                    recently used go */
    const char  *net_subnet;     /* A.B.C.D/N: each guest gets a tap and
                                    an address in it, its egress decided
                                    by the host (docs/network.md); NULL or
                                    "": no network device */
} vmp_config_t;

typedef struct {
    bool         cold;           /* the account had no idle guest */
    unsigned     queue_ms;       /* of which waiting: for a guest being
                                    made, or to be released at a limit
                                    (max_vms, max_vms_per_account, the
                                    memory budget) */
    unsigned     init_ms;        /* time to obtain the guest (and load code
                                    when the caller does it) */
    bool         late;           /* given up at the call's start_by_ms
                                    (vmp_order_t) */
} vmp_acquire_info_t;

/*
 * How a call waits for a guest when none is free (vmp_pool_acquire_by).
 * Times are on fg_now_ms's clock.  Waiting calls are served lowest
 * order_ms first (then in arrival order): a guest that becomes free, or
 * room for a new one, goes to the first waiting call that can use it.
 */
typedef struct {
    uint64_t     order_ms;       /* 0: the time the call arrived */
    uint64_t     start_by_ms;    /* the call gives up (late) when it has
                                    no guest by then; 0: only
                                    acquire_timeout_ms bounds the wait */
    bool         elsewhere;      /* a provisioned sandbox being made: not
                                    in an idle guest that holds the call's
                                    code and config already, nor in one
                                    that keeps a provisioned sandbox */
} vmp_order_t;

/* Fills cfg with the defaults documented in conf/fngated.conf. */
void vmp_config_defaults(vmp_config_t *cfg);

/*
 * Connects to libvirt, removes stale domains named PREFIX-* left by an
 * earlier run, decides the accelerator (probing KVM when accel is "auto":
 * a guest that does not say HELLO within the boot timeout under kvm means
 * tcg), and starts the background thread that boots the warm set.  Returns
 * NULL with a malloc'd message in *err.
 */
vmp_pool_t *vmp_pool_new(const vmp_config_t *cfg, char **err);

/* Destroys every guest of the pool and frees it.  Accepts NULL. */
void vmp_pool_free(vmp_pool_t *pool);

/* "kvm" or "tcg", as decided. */
const char *vmp_pool_accel(const vmp_pool_t *pool);

/*
 * The key a call's guest is dedicated to (the "account" of the acquire
 * calls below): the billed account alone when it runs its own code,
 * "ACCOUNT_OWNER" when it runs another owner's (a cross-account alias, a
 * granted ARN, an API under policy "caller").  So a guest serves one
 * caller and one owner, and code of two owners never meets in one guest
 * (docs/security.md).  max_vms_per_account counts every key of
 * ACCOUNT.  0, or -1 when out is too small.
 */
int vmp_pool_key(char *out, size_t size, const char *account,
    const char *owner);

/*
 * A guest for account: its idle guest if it has one, else a warm one
 * assigned to it for good, else the first of the account's guests to be
 * free: a new one the background thread makes for it (within max_vms,
 * max_vms_per_account and the memory budget; another account's idle guest
 * is evicted for room) or one another call releases; all within
 * acquire_timeout_ms.  Returns 0, or -1 with a malloc'd message in
 * *err (no guest could be had in time: the caller answers 429/503).
 */
int vmp_pool_acquire(vmp_pool_t *pool, const char *account, vmp_vm_t **vm,
    vmp_acquire_info_t *info, char **err);

/*
 * The sha256 hex of what a persistent runtime saw at its init, from the
 * INVOKE frame (its first len bytes) of a call: function (the function's
 * owner and name), then every field but those
 * that change from call to call (request_id, event, function_arn,
 * max_output and the env entry AWS_REQUEST_ID): runtime, handler, the
 * environment, timeout_ms, memory_mb.  0, or -1 (not an INVOKE).
 */
int vmp_fnsnap_config(const uint8_t *frame, size_t len, const char *function,
    char out[65]);

/*
 * vmp_pool_acquire for a call of code (zip sha256 hex) whose INVOKE has
 * the configuration config (vmp_fnsnap_config; NULL or
 * "": none): when the account has no idle guest and a function snapshot
 * of this account, code and configuration exists, the new guest is
 * restored from it, with the code loaded and the runtime waiting for its
 * next event (vmp_vm_origin "function-snapshot", vmp_vm_code code).  A
 * restore that fails falls back to vmp_pool_acquire's way (the image is
 * deleted).
 */
int vmp_pool_acquire_fn(vmp_pool_t *pool, const char *account,
    const char *code, const char *config, vmp_vm_t **vm,
    vmp_acquire_info_t *info, char **err);

/*
 * vmp_pool_acquire_fn in the order order gives (NULL: arrival order),
 * given up at its start_by_ms (info->late).
 */
int vmp_pool_acquire_by(vmp_pool_t *pool, const char *account,
    const char *code, const char *config, const vmp_order_t *order,
    vmp_vm_t **vm, vmp_acquire_info_t *info, char **err);

/*
 * After a call that started a persistent runtime in a guest new to the
 * account (a cold start) and succeeded, before vmp_pool_release: the pool
 * saves the guest, once it is idle, as the function snapshot of its
 * account, code and config (at most once per name; with
 * function_snapshots only) and brings it back for the account.  function
 * (owner:name, as given to vmp_fnsnap_config) and version are recorded
 * for vmp_pool_fnsnap_forget.
 */
void vmp_vm_capture(vmp_pool_t *pool, vmp_vm_t *vm, const char *code,
    const char *config, const char *function, const char *version);

/*
 * Deletes this host's function snapshots of function (owner:name) and
 * version (NULL: of every version), for fngated when a function's $LATEST
 * is updated or a version or the function is deleted.  Such images would
 * never be used again anyway (calls ask for another name); elsewhere they
 * go as the least recently used.
 */
void vmp_pool_fnsnap_forget(vmp_pool_t *pool, const char *function,
    const char *version);

/* Hands the guest back.  healthy false: the guest is destroyed (and
 * replaced in the background). */
void vmp_pool_release(vmp_pool_t *pool, vmp_vm_t *vm, bool healthy);

/* The domain name ("fngate-7"). */
const char *vmp_vm_name(const vmp_vm_t *vm);

/*
 * The sandbox of vm for a call of code (zip sha256 hex) with config
 * (vmp_fnsnap_config; "" none), whose function may use memory_mb, in
 * *slot (the agent's number, LOAD's and INVOKE's "sandbox"): 1, the one
 * holding them; 0, one for a LOAD of them (free, or given up: the least
 * recently used first, within sandboxes_per_vm and sandbox_memory_mb).
 * After the LOAD went well, vmp_vm_sandbox_set; after each call,
 * vmp_vm_sandbox_ran with what it used.  The caller holds vm (BUSY).
 */
int vmp_vm_sandbox(vmp_pool_t *pool, vmp_vm_t *vm, const char *code,
    const char *config, unsigned memory_mb, unsigned *slot);
void vmp_vm_sandbox_set(vmp_vm_t *vm, unsigned slot, const char *code,
    const char *config);
void vmp_vm_sandbox_ran(vmp_vm_t *vm, unsigned slot, uint64_t max_rss_kb);

/*
 * Provisioned concurrency (docs/vms.md "Provisioned concurrency"): of
 * key's guests (vmp_pool_key) whose sandbox holds code and config, want
 * are kept: such a guest is never destroyed idle nor evicted, and that
 * sandbox is given up for another only when nothing else can be.  Kept
 * ones beyond want are let go (want 0: all).  Returns how many are kept
 * now, at most want.  A guest more is made by a call acquired with
 * vmp_order_t's elsewhere.
 */
unsigned vmp_pool_provisioned(vmp_pool_t *pool, const char *key,
    const char *code, const char *config, unsigned want);
/* Whether sandbox slot of vm (the caller holds vm) is a kept one. */
bool vmp_vm_sandbox_provisioned(const vmp_vm_t *vm, unsigned slot);

/*
 * One request/response exchange with the guest's agent: sends the frame in
 * req (built with fg_frame_begin/end; its seq is rewritten), waits up to
 * timeout_ms for the reply with the same seq, which is parsed into resp
 * (pointing into resp_buf).  Returns 0, or -1 with a malloc'd message
 * (timeout, agent gone, protocol error: the guest is then unhealthy).
 */
int vmp_vm_call(vmp_vm_t *vm, fg_buf_t *req, fg_buf_t *resp_buf,
    fg_frame_t *resp, unsigned timeout_ms, char **err);

/*
 * vmp_vm_call in two steps, for a caller that does something while it
 * waits: vmp_vm_send sends req and gives its seq; vmp_vm_reply reads
 * frames until one has seq or seq_also (0: none), into resp, or until
 * until_ms (monotonic) passes: 1.  0, 1, or -1 with a malloc'd message
 * (the guest is then unhealthy).  An ERROR frame is returned as it is.
 */
int vmp_vm_send(vmp_vm_t *vm, fg_buf_t *req, uint32_t *seq, char **err);
int vmp_vm_reply(vmp_vm_t *vm, uint32_t seq, uint32_t seq_also,
    fg_buf_t *resp_buf, fg_frame_t *resp, uint64_t until_ms, char **err);
/* -1 with *err when resp is an ERROR frame, else 0. */
int vmp_vm_reply_error(const vmp_vm_t *vm, const fg_frame_t *resp,
    char **err);

/* The guest's number, unique in its pool for the pool's life. */
unsigned vmp_vm_id(const vmp_vm_t *vm);

/*
 * Suspended waits (docs/suspend.md).  vmp_pool_suspended hands back a
 * guest whose call the agent has suspended: other calls of its pool key
 * may have it (it holds no code now), it is not destroyed while idle,
 * evicted or saved as a function snapshot.  vmp_pool_resume takes it back
 * for that call, by id, once the call in it (if any) ends, before any
 * other waiting call; 0, or -1 with a malloc'd message when it is gone or
 * still busy after timeout_ms (it is then destroyed once free).
 */
void vmp_pool_suspended(vmp_pool_t *pool, vmp_vm_t *vm);
/* Whether a call of vm's pool key waits for a guest (in acquire, with
 * nothing to take). */
bool vmp_pool_wanted(vmp_pool_t *pool, const vmp_vm_t *vm);
int vmp_pool_resume(vmp_pool_t *pool, unsigned id, unsigned timeout_ms,
    vmp_vm_t **out, char **err);

/* Status for `fngate status` and logs: counts per state. */
typedef struct {
    unsigned  booting;
    unsigned  warm;
    unsigned  idle;       /* assigned, not in a call */
    unsigned  busy;
    unsigned  total;
    uint64_t  host_kb;    /* the guests' host memory as last measured
                             (only with a memory budget; else 0) */
} vmp_stats_t;

void vmp_pool_stats(vmp_pool_t *pool, vmp_stats_t *st);

/*
 * The LOAD frame for a function's zip (see lib/fg_frame.h), appended to
 * out: "sha256" then "path", "mode", "data" for each regular file, in zip
 * order; directory entries are skipped.  sha256hex NULL: computed here.
 * Returns 0, or -1 with a malloc'd message in *err (not a zip, a path that
 * is absolute or has "..", a link or device entry, over
 * FG_FRAME_MAX_PAYLOAD).
 */
int vmp_load_frame_from_zip(const void *zip, size_t len,
    const char *sha256hex, fg_buf_t *out, char **err);

/* The time the guest's boot or restore took (domain create -> agent
 * HELLO), for logs and init_ms accounting. */
unsigned vmp_vm_boot_ms(const vmp_vm_t *vm);

/* How the guest was made: "clone" (from the pool's template, kept paused
 * until its first call), "restore" (from the pool's snapshot, a full
 * image), "function-snapshot" (from a function snapshot) or "boot". */
const char *vmp_vm_origin(const vmp_vm_t *vm);

/* Why the accelerator was chosen ("/dev/kvm absent", "kvm guest said
 * HELLO in 2100 ms", "cached probe: ..."). */
const char *vmp_pool_accel_reason(const vmp_pool_t *pool);

/*
 * What vm's guest may reach from now on: allow is fngated's allow-list,
 * entries "A.B.C.D/N PROTO PORT[-PORT]" (PROTO tcp or udp) separated by
 * commas, "" or NULL nothing (docs/network.md).  Nothing is done when the
 * guest has this list already or has no network.  0, or -1 with *err.
 */
int vmp_vm_set_egress(vmp_pool_t *pool, vmp_vm_t *vm, const char *allow,
    char **err);

/*
 * What vm's guest tried and was refused since the last time asked: up to
 * size bytes "PROTO A.B.C.D:PORT (PACKETS), ..." in out, and the packets
 * in all (0: nothing refused, or no network; -1: the table could not be
 * read).  The counts start again from 0.
 */
int vmp_vm_egress_refused(vmp_pool_t *pool, vmp_vm_t *vm, char *out,
    size_t size);

#endif /* VMPOOL_H */
