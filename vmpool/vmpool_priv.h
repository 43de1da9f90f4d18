/*
 * vmpool internals: the pool's state machine, kept apart from libvirt so
 * that t/unit/test_vmp_state.c can drive it directly.
 *
 * A guest moves through
 *
 *     BOOTING --hello--> WARM --assign(account)--> BUSY <--> IDLE
 *        |                 |                         |         |
 *        +-------+---------+-----------+-------------+---------+
 *                                      v
 *                                    DEAD
 *
 * A guest made on demand for an account carries that account from the
 * start and goes BOOTING -> IDLE (made by the background thread, taken by
 * whichever call of the account is waiting) or BOOTING -> BUSY.  Once a
 * guest has an account it never loses it: the only way out is DEAD.
 */

#ifndef VMPOOL_PRIV_H
#define VMPOOL_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <libvirt/libvirt.h>

#include "fg_util.h"
#include "vmpool.h"

/* A frame the agent has begun to send must come whole within this (it
 * writes each frame at once). */
#define VMP_FRAME_READ_MS  30000u

typedef enum {
    VMP_BOOTING = 0,
    VMP_WARM,
    VMP_IDLE,         /* assigned to an account, not in a call */
    VMP_BUSY,         /* in a call */
    VMP_DEAD,
    VMP_NSTATES
} vmp_state_t;

/* Sandboxes a guest may hold (the agent's AGENT_SLOTS). */
#define VMP_SBX_MAX  8

/* One sandbox of a guest (vmp_sandbox.c). */
typedef struct {
    char         key[132];      /* "CODE/CONFIG" it holds, "" none */
    uint64_t     used_ms;       /* monotonic ms of its last call */
    unsigned     peak_mb;       /* the most its calls used */
    bool         provisioned;   /* kept for provisioned concurrency
                                   (vmp_pool_provisioned): never given
                                   up while another can be */
} vmp_sbx_t;

struct vmp_vm {
    unsigned     id;
    char         name[64];
    vmp_state_t  state;
    char        *account;       /* NULL while generic (booting or warm) */
    vmp_sbx_t    sbx[VMP_SBX_MAX];  /* its sandboxes, by the agent's
                                   numbers */
    unsigned     sbx_cur;       /* the one the last call took */
    vmp_sbx_t    sbx_susp;      /* what the suspended call's held */
    unsigned     sbx_susp_at;   /* and its number */
    uint64_t     born_ms;       /* monotonic ms when the boot began */
    uint64_t     last_used_ms;  /* monotonic ms of the last release */
    unsigned     boot_ms;       /* create -> HELLO */
    unsigned     calls;         /* acquisitions served */
    int          fd;            /* agent channel, -1 when not connected */
    uint32_t     seq;           /* last request number sent */
    void        *dom;           /* virDomainPtr, NULL in unit tests */
    bool         restored;      /* made from the snapshot, not booted */
    bool         queued;        /* BOOTING on demand, not started yet: the
                                   background thread makes it */
    uint64_t     host_kb;       /* host memory the guest's QEMU holds
                                   (PSS, KiB) when last measured; 0: not
                                   measured yet */
    bool         from_fnsnap;   /* restored from a function snapshot */
    bool         saving;        /* BUSY being saved as one, not in a call */
    char         capture[160];  /* the function snapshot to save of it
                                   once idle (vmp_vm_capture), "" none */
    char         capture_code[65];    /* its code */
    char         capture_config[65];  /* its vmp_fnsnap_config */
    char         capture_fn[160];     /* its function (owner:name) */
    char         capture_version[16]; /* and version, for forgetting */
    char         tap[16];       /* its tap (vmp_net.c), "" none */
    unsigned     net_slot;      /* its address's slot + 1, 0 none */
    char         net_addr[16];  /* its address */
    char        *egress;        /* its elements of the allow set */
    char        *egress_src;    /* the allow-list they came from */
    bool         suspended;     /* holds a suspended call of its account:
                                   never destroyed idle, evicted or saved */
    bool         resuming;      /* that call wants it back: no other call
                                   takes it */
    bool         abandoned;     /* that call gave up on it: destroyed when
                                   the call in it ends */
    bool         clone;         /* restored from the pool's template */
    bool         paused;        /* restored paused: vmp_vm_wake before use */
    bool         passed;        /* idle, but passed by the acquire that
                                   looks now (vmp_order_t elsewhere) */
    vmp_vm_t    *next;
};

typedef struct {
    vmp_vm_t    *head;
    unsigned     count[VMP_NSTATES];
    unsigned     booting_generic;  /* BOOTING without an account */
    unsigned     next_id;
} vmp_set_t;

typedef enum {
    VMP_PICK_IDLE,    /* reuse vm, the account's own idle guest */
    VMP_PICK_WARM,    /* assign vm, a warm generic guest, to the account */
    VMP_PICK_BOOT,    /* boot a guest for the account (under max_vms) */
    VMP_PICK_EVICT,   /* destroy vm (another account's idle guest), then
                         choose again */
    VMP_PICK_FNSNAP,  /* restore the call's function snapshot for the
                         account (under max_vms) */
    VMP_PICK_WAIT     /* nothing now: wait for a change */
} vmp_pick_t;

const char *vmp_state_name(vmp_state_t s);

/* Whether the state machine allows from -> to. */
bool vmp_transition_ok(vmp_state_t from, vmp_state_t to);

/* New guest in BOOTING with the next id, name PREFIX-ID, account NULL or a
 * copy; added to set.  NULL on allocation failure. */
vmp_vm_t *vmp_set_new_vm(vmp_set_t *set, const char *prefix,
    const char *account, uint64_t now_ms);

/* Moves vm to state (and to account when assigning a generic guest).
 * Returns 0, or -1 if the transition is not allowed or would change the
 * account of an assigned guest. */
int vmp_set_move(vmp_set_t *set, vmp_vm_t *vm, vmp_state_t to,
    const char *account, uint64_t now_ms);

/* Unlinks vm from set (any state); the caller frees it. */
void vmp_set_unlink(vmp_set_t *set, vmp_vm_t *vm);

/* Of account's idle guests, one holding the sandbox of code and config,
 * else dflt. */
vmp_vm_t *vmp_set_idle_holding(const vmp_set_t *set, const char *account,
    const char *code, const char *config, vmp_vm_t *dflt);

/* vmp_sandbox.c: the number of vm's sandbox holding code and config,
 * -1: none. */
int vmp_vm_sandbox_find(const vmp_vm_t *vm, const char *code,
    const char *config);
/* Whether vm holds a sandbox kept for provisioned concurrency: it is
 * then never destroyed idle nor evicted. */
bool vmp_vm_provisioned(const vmp_vm_t *vm);
/* vmp_pool_provisioned under the pool's lock. */
unsigned vmp_set_provisioned(vmp_set_t *set, const char *key,
    const char *code, const char *config, unsigned want);
/* How many sandboxes vm holds. */
unsigned vmp_vm_sandboxes(const vmp_vm_t *vm);
/* vmp_vm_sandbox with sandboxes_per_vm n and sandbox_memory_mb budget. */
int vmp_sbx_choose(vmp_vm_t *vm, unsigned n, unsigned budget,
    const char *code, const char *config, unsigned memory_mb,
    unsigned *slot);

/* Guests counted against max_vms: every state but DEAD. */
unsigned vmp_set_live(const vmp_set_t *set);

/*
 * What acquire should do for account.  waiting is the number of other
 * acquirers already waiting (they have first claim on guests that are
 * booting).  An account that has per_account guests (booting, idle or
 * busy; 0: no such cap) gets no further one: it reuses an idle one or
 * waits.  room: the memory budget has room for one more guest (else no
 * guest is made; another account's idle guest is evicted or the caller
 * waits).  *vm is set for IDLE, WARM and EVICT.
 */
vmp_pick_t vmp_set_choose(const vmp_set_t *set, const char *account,
    unsigned max_vms, unsigned per_account, unsigned waiting, bool room,
    vmp_vm_t **vm);

/*
 * vmp_set_choose for a call whose function has a snapshot (fnsnap): where
 * it would take a warm guest or boot one, a guest restored from the
 * function snapshot is made instead when max_vms and the budget (room)
 * allow one more (a warm guest would still load the code and run the
 * runtime's init).  The account's idle guest, the caps and the waits are
 * vmp_set_choose's.  An account without an idle guest but with one being
 * saved (a few seconds) waits for it rather than get another.
 */
vmp_pick_t vmp_set_choose_fn(const vmp_set_t *set, const char *account,
    unsigned max_vms, unsigned per_account, unsigned waiting, bool room,
    bool fnsnap, vmp_vm_t **vm);

/*
 * A call waiting in acquire (pool->waiters, kept in the order it is
 * served in: key, then seq).  asleep: in the condition wait (a change
 * must wake it); else it is working under or outside the lock and looks
 * again by itself.
 */
typedef struct vmp_waiter vmp_waiter_t;

struct vmp_waiter {
    uint64_t       key;
    uint64_t       seq;
    const char    *account;
    bool           asleep;
    bool           booting;     /* a guest is being made for it */
    vmp_waiter_t  *next;
};

/* Inserts w in its place in the list at *head; removes it. */
void vmp_waiters_add(vmp_waiter_t **head, vmp_waiter_t *w);
void vmp_waiters_remove(vmp_waiter_t **head, vmp_waiter_t *w);

/*
 * Whether me, whose choice is mine (vmp_set_choose_fn), must leave it to
 * a call ahead of it in head's order: the first such call that would
 * take the same thing now (the same account's idle guest, or a place in
 * the pool: a warm guest, a new one (unless one is being made for it
 * already), an eviction), or NULL.  The others' choices are
 * vmp_set_choose_fn's with the same limits and no function snapshot;
 * waiting is the pool's count of calls asleep (an asleep call, when it
 * looks, is not counted).
 */
const vmp_waiter_t *vmp_waiters_ahead(const vmp_waiter_t *head,
    const vmp_waiter_t *me, vmp_pick_t mine, const vmp_set_t *set,
    unsigned max_vms, unsigned per_account, unsigned waiting, bool room);

/*
 * The pool key that should get a guest made ahead of its calls
 * (warm_per_account, ahead): one with a guest, idle or in a call (so
 * active within idle_timeout), but fewer than ahead spare ones (idle, or
 * being made for it), within max_vms, per_account and (room) the memory
 * budget.  The key with the fewest spare guests first; NULL: none.
 */
const char *vmp_set_ahead_needed(const vmp_set_t *set, unsigned ahead,
    unsigned max_vms, unsigned per_account, bool room);

/* Generic boots the background thread should start now to bring the warm
 * set up to `warm`, within max_vms and (room) the memory budget. */
unsigned vmp_set_boots_needed(const vmp_set_t *set, unsigned warm,
    unsigned max_vms, bool room);

/* Host memory of the set's live guests in KiB: each one's host_kb, or
 * new_kb for one not measured yet. */
uint64_t vmp_set_host_kb(const vmp_set_t *set, uint64_t new_kb);

/* Whether a further guest of new_kb fits in budget_kb beside the live
 * ones (budget_kb 0: no budget, always). */
bool vmp_set_mem_room(const vmp_set_t *set, uint64_t budget_kb,
    uint64_t new_kb);

/* The idle guest that has been idle longest, if for idle_ms or more. */
vmp_vm_t *vmp_set_expired(const vmp_set_t *set, uint64_t now_ms,
    uint64_t idle_ms);

void vmp_set_stats(const vmp_set_t *set, vmp_stats_t *st);

void vmp_vm_free(vmp_vm_t *vm);      /* accepts NULL; not the domain */

/* Template expansion: replaces each @KEY@ of tmpl found in keys/vals
 * (n pairs).  Unknown @...@ stay as they are.  malloc'd, NULL on ENOMEM. */
char *vmp_template_expand(const char *tmpl, const char *const *keys,
    const char *const *vals, unsigned n);

/* The unix socket path of the channel named name in a live domain XML,
 * malloc'd, or NULL. */
char *vmp_xml_channel_path(const char *xml, const char *name);

/* libvirt's QEMU save image (vmp_snapshot.c): the header, and the largest XML
 * and cookie area read. */
#define VMP_SAVE_HEADER    92u
#define VMP_SAVE_DATA_MAX  (16u * 1024 * 1024)

/* The data_len of an image's header (head: its first len bytes), or 0 when
 * it is not an uncompressed save image of the version known. */
size_t vmp_saveimage_data_len(const uint8_t *head, size_t len);

/*
 * Rewrites an image's header and data (head: its first VMP_SAVE_HEADER +
 * data_len bytes) in place for another guest: the domain XML gets name and
 * uuid, the console log it names (its <serial type='file'>, wherever the
 * image was saved) becomes new_log, the channels' socket paths are dropped
 * (libvirt places new ones); the cookie moves behind the XML.  data_len
 * stays, so the migration stream after it is the image's own.  0, or -1
 * (not an image, no name, uuid or serial log, the XML does not fit).
 */
int vmp_saveimage_rewrite(uint8_t *head, size_t len, const char *name,
    const char *uuid, const char *new_log);

/*
 * A template's QEMU 7.2 migration stream s (len bytes) saved with the
 * capability x-ignore-shared, rewritten in place to load without it
 * (vmp_snapshot.c): its new length, or 0 when s is not as expected (s
 * may then be changed).
 */
size_t vmp_stream_unshare(uint8_t *s, size_t len);

/* Function snapshots (vmp_fnsnap.c). */

/*
 * The image's name (without .img): "fn-ACCOUNT-" and the sha256 of
 * account, code (sha256 hex), config (vmp_fnsnap_config) and base (the
 * generic snapshot's key, hashed).  0, or -1 (account, code, config or
 * base not a word of [0-9A-Za-z_] of 1 to 64 characters, or no room).
 */
int vmp_fnsnap_name(const char *account, const char *code, const char *config,
    const char *base, char *out, size_t size);

typedef struct {
    const char  *name;
    const char  *base;    /* its key's base, NULL when unreadable */
    uint64_t     used;    /* last made or restored (the image's mtime) */
} vmp_fnsnap_entry_t;

/*
 * Which images to delete: those made on another base (or without a key),
 * and beyond max the least recently used.  Sets drop[i] for each of the n
 * entries; returns how many are dropped.
 */
unsigned vmp_fnsnap_reap(const vmp_fnsnap_entry_t *e, unsigned n,
    const char *base, unsigned max, bool *drop);


/*
 * The pool itself, over libvirt: what vmpool.c (the public API) and the
 * files of its concerns share.  vmp_guest.c: a guest (connection, boot,
 * agent channel, memory, destruction); vmp_snapshot.c: the generic
 * snapshot (and its save image, above); vmp_fnsnap.c: function snapshots
 * (and their names, above); vmp_accel.c: the accelerator; vmp_thread.c:
 * the background thread.  Callers hold pool->lock where a comment says
 * so at the definition.
 */

struct vmp_pool {
    vmp_config_t     cfg;
    char            *strings;       /* one block holding cfg's strings */
    virConnectPtr    conn;
    char            *tmpl;          /* domain XML template */
    const char      *type;          /* libvirt domain type: kvm or qemu */
    char             accel[4];      /* "kvm" or "tcg" */
    char             accel_reason[256];

    pthread_mutex_t  conn_lock;     /* conn, replaced after libvirtd
                                       restarts */
    pthread_mutex_t  lock;
    pthread_cond_t   changed;       /* a guest became warm, idle or gone */
    pthread_cond_t   wake;          /* the background thread has work */
    vmp_set_t        set;
    unsigned         waiting;       /* acquirers in cond wait */
    vmp_waiter_t    *waiters;       /* acquirers, in the order served */
    uint64_t         waiter_seq;    /* their arrival numbers */
    vmp_vm_t        *pending;       /* first warm guest, queued by new */
    char             snap_path[4096];  /* STATE_DIR/snapshot.img */
    char             snap_ram[4096];   /* its template's RAM file, "": a
                                       full image (vmp_snapshot.c) */
    char             snap_ident[4200]; /* that file as made (or "ram=") */
    bool             snap_ok;       /* new guests are restored from it */
    unsigned         snap_failures; /* restores failed in a row */
    unsigned         failed_id;     /* the last guest that could not be made */
    char             failed[512];   /* and why */
    char             fnsnap_base[65];  /* the function snapshots' base:
                                       the generic snapshot's key, hashed;
                                       "": none are made or used */
    uint64_t         new_kb;        /* host memory a new guest takes: the
                                       last fresh guest's, measured */
    bool             net_on;        /* guests have a network (vmp_net.c) */
    pthread_mutex_t  net_lock;      /* nft, net_used */
    struct nft_ctx  *nft;
    uint32_t         net_base;      /* the subnet, host order */
    unsigned         net_slots;     /* guest addresses in it */
    uint8_t         *net_used;      /* which are taken */
    bool             stop;
    bool             thread_started;
    pthread_t        thread;
};

/* A log line, "vmpool: ..." on standard error. */
#define vmp_log(...)  fg_log("vmpool", __VA_ARGS__)

/* vmpool.c */
void vmp_seterr(char **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *vmp_virt_error(void);

/* vmp_net.c */
int vmp_net_start(vmp_pool_t *pool, char **err);
void vmp_net_stop(vmp_pool_t *pool);
/* vm's tap with its address and route (network on, none yet); 0 or -1. */
int vmp_net_tap_make(vmp_pool_t *pool, vmp_vm_t *vm, char **err);
void vmp_net_tap_remove(vmp_pool_t *pool, vmp_vm_t *vm);
/* The SYNC fields giving the guest its address (none without a tap). */
int vmp_net_sync_fields(vmp_pool_t *pool, vmp_vm_t *vm, fg_buf_t *req);
/* The <interface> element for vm's tap in out, "" without one. */
int vmp_net_interface_xml(const vmp_pool_t *pool, const vmp_vm_t *vm,
    char *out, size_t size);

/* vmp_snapshot.c: SYNC (time, entropy, the guest's address). */
int vmp_vm_sync(vmp_pool_t *pool, vmp_vm_t *vm, uint64_t deadline,
    char **err);

/* vmp_guest.c */
virConnectPtr vmp_conn_get(vmp_pool_t *pool);
int vmp_vm_boot(vmp_pool_t *pool, vmp_vm_t *vm, const char *type,
    const char *ram, unsigned timeout_ms, char **err);
int vmp_vm_attach(vmp_pool_t *pool, vmp_vm_t *vm, uint64_t start,
    unsigned timeout_ms, bool hello, const char *log, char **err);
void vmp_vm_destroy(vmp_pool_t *pool, vmp_vm_t *vm);
/* A guest being made that failed: its channel closed, its domain
 * destroyed (the rest of vm stays, for vmp_vm_destroy or a retry). */
void vmp_vm_undo(vmp_vm_t *vm);
void vmp_vm_discard(vmp_pool_t *pool, vmp_vm_t *vm);
void vmp_console_log(vmp_pool_t *pool, const char *name, char *log,
    size_t size);
uint64_t vmp_dom_host_kb(virDomainPtr dom);
bool vmp_mem_room(vmp_pool_t *pool);
void vmp_measure(vmp_pool_t *pool);

/* vmp_snapshot.c */
/* Where template RAM files are kept (a tmpfs), and the environment
 * variable fngate-qemu reads (guest/qemu/qemu_ram.h: QEMU_RAM_ENV). */
#define VMP_TEMPLATE_DIR  "/dev/shm"
#define VMP_TEMPLATE_ENV  "FNGATE_TEMPLATE_RAM"
char *vmp_snap_key(vmp_pool_t *pool);
bool vmp_snap_valid(const char *path);
/* The pool's snapshot and its template RAM file are there as made. */
bool vmp_snap_ready(vmp_pool_t *pool);
void vmp_snap_prepare(vmp_pool_t *pool);
int vmp_vm_restore(vmp_pool_t *pool, vmp_vm_t *vm, const char *src,
    bool paused, unsigned timeout_ms, char **err);
/* Resumes a guest restored paused and tells it the time: 0 or -1. */
int vmp_vm_wake(vmp_pool_t *pool, vmp_vm_t *vm, char **err);
int vmp_vm_make(vmp_pool_t *pool, vmp_vm_t *vm, char **err);

/* vmp_fnsnap.c */
void vmp_fnsnap_path(vmp_pool_t *pool, const char *name, const char *ext,
    char *out, size_t size);
void vmp_fnsnap_for(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, char *name, size_t size);
void vmp_fnsnap_delete(vmp_pool_t *pool, const char *name);
void vmp_fnsnap_prepare(vmp_pool_t *pool);
void vmp_fnsnap_capture(vmp_pool_t *pool);

/* vmp_accel.c */
void vmp_choose_accel(vmp_pool_t *pool);

/* vmp_thread.c */
void *vmp_thread(void *arg);

#endif /* VMPOOL_PRIV_H */
