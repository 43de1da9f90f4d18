/*
 * vmpool: warm libvirt guests per account (see vmpool.h).
 *
 * One mutex guards the set of guests (vmp_state.c); libvirt calls, boots
 * and agent exchanges run without it.  A background thread keeps the warm
 * set full, reaps idle guests and notices warm or idle guests whose agent
 * went away.  Guests are transient domains started with AUTODESTROY, so
 * they die with the pool's libvirt connection even if the process does.
 *
 * This file holds the public API (vmpool.h) and what the others share
 * (the log, libvirt's errors); each concern has its file, sharing
 * vmpool_priv.h: vmp_state.c (the state machine), vmp_guest.c (a guest),
 * vmp_snapshot.c (the generic snapshot), vmp_fnsnap.c (function
 * snapshots), vmp_accel.c (KVM or TCG), vmp_thread.c (the background
 * thread), vmp_zip.c (a zip as a LOAD frame).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fg_sigv4.h"
#include "fg_util.h"
#include "vmpool_priv.h"


void
vmp_seterr(char **err, const char *fmt, ...)
{
    va_list  ap;

    if (err == NULL) {
        return;
    }
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) {
        *err = NULL;
    }
    va_end(ap);
}


const char *
vmp_virt_error(void)
{
    virErrorPtr  e = virGetLastError();

    return e != NULL && e->message != NULL ? e->message : "unknown error";
}


/* libvirt prints every error on stderr by default; we report our own. */
static void
vmp_virt_quiet(void *data, virErrorPtr e)
{
}


void
vmp_config_defaults(vmp_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->uri = "qemu:///system";
    cfg->kernel = ".fngate/kernel/vmlinux";
    cfg->initrd = "build/initramfs.cpio.gz";
    cfg->domain_xml = "guest/domain.xml";
    cfg->state_dir = ".fngate/vm";
    cfg->name_prefix = "fngate";
    cfg->accel = "auto";
    cfg->runtimes = "build/runtimes.img";
    cfg->emulator = "build/fngate-qemu";
    cfg->warm = 1;
    cfg->max_vms = 8;
    cfg->vm_memory_mb = 640;
    cfg->vcpus = 1;
    cfg->idle_timeout_s = 300;
    cfg->boot_timeout_ms = 60000;
    cfg->acquire_timeout_ms = 60000;
    cfg->kvm_probe_timeout_ms = 15000;
    cfg->tb_cache_mb = 16;
    cfg->snapshot = 1;
    cfg->snapshot_clones = 1;
    cfg->warm_paused = 0;
    cfg->warm_up = 1;
    cfg->sandboxes_per_vm = 4;
    cfg->sandbox_memory_mb = 0;
    cfg->mem_merge = 0;
    cfg->function_snapshots = 1;
    cfg->function_snapshots_max = 16;
}


static char *
vmp_read_file(const char *path)
{
    FILE    *f;
    char    *s = NULL;
    size_t   len = 0;
    long     size;

    f = fopen(path, "re");
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0
        && fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t) size + 1)))
    {
        len = fread(s, 1, (size_t) size, f);
        s[len] = '\0';
    }
    fclose(f);
    return s;
}


static int
vmp_mkdirs(const char *dir)
{
    char  *p, *s = strdup(dir);

    if (s == NULL) {
        return -1;
    }
    for (p = s + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(s, 0755);
            *p = '/';
        }
    }
    if (mkdir(s, 0755) < 0 && errno != EEXIST) {
        free(s);
        return -1;
    }
    free(s);
    return 0;
}


/* Copies cfg's strings into one block the pool owns, absolute paths. */
static int
vmp_copy_config(vmp_pool_t *pool, const vmp_config_t *cfg)
{
    const char  **fields[] = {
        &pool->cfg.uri, &pool->cfg.kernel, &pool->cfg.initrd,
        &pool->cfg.domain_xml, &pool->cfg.state_dir, &pool->cfg.name_prefix,
        &pool->cfg.accel, &pool->cfg.runtimes, &pool->cfg.emulator,
        &pool->cfg.net_subnet
    };
    char         *abs[10] = { NULL };
    size_t        total = 0, off = 0, i;

    pool->cfg = *cfg;
    for (i = 0; i < 10; i++) {
        const char  *v = *fields[i] ? *fields[i] : "";

        /* libvirt resolves paths itself: give it absolute ones. */
        if (((i >= 1 && i <= 4) || i == 7 || i == 8) && v[0] != '/'
            && v[0] != '\0')
        {
            abs[i] = realpath(v, NULL);
            if (abs[i] == NULL && i == 4) {
                vmp_mkdirs(v);
                abs[i] = realpath(v, NULL);
            }
            if (abs[i] != NULL) {
                v = abs[i];
            }
        }
        *fields[i] = v;
        total += strlen(v) + 1;
    }
    pool->strings = malloc(total);
    if (pool->strings == NULL) {
        goto fail;
    }
    for (i = 0; i < 10; i++) {
        size_t  n = strlen(*fields[i]) + 1;

        memcpy(pool->strings + off, *fields[i], n);
        *fields[i] = pool->strings + off;
        off += n;
    }
    for (i = 0; i < 10; i++) {
        free(abs[i]);
    }
    return 0;

fail:
    for (i = 0; i < 10; i++) {
        free(abs[i]);
    }
    return -1;
}


/*
 * What sets the host memory of an idle guest besides the guest itself: the
 * emulator (build/fngate-qemu keeps QEMU off transparent huge pages; one
 * not executable is dropped for libvirt's own QEMU, with a word) and
 * whether the host's KSM merges the pages guests have in common.  KSM is
 * the host's setting: vmpool only says what it finds (`util/fngate up
 * --ksm` turns it on).
 */
static void
vmp_check_memory(vmp_pool_t *pool)
{
    FILE  *f;
    int    run = -1;

    if (pool->cfg.emulator[0] != '\0'
        && access(pool->cfg.emulator, X_OK) < 0)
    {
        vmp_log("emulator %s: %s; guests run libvirt's QEMU (transparent "
            "huge pages: more host memory per guest)", pool->cfg.emulator,
            strerror(errno));
        pool->cfg.emulator = "";
    }
    f = fopen("/sys/kernel/mm/ksm/run", "re");
    if (f != NULL) {
        if (fscanf(f, "%d", &run) != 1) {
            run = -1;
        }
        fclose(f);
    }
    if (!pool->cfg.mem_merge) {
        vmp_log("ksm: mem_merge 0: guest RAM is never merged");
    } else if (run == 1) {
        vmp_log("ksm: the host runs KSM: guests share the pages they have "
            "in common");
    } else {
        vmp_log("ksm: the host does not run KSM (%s): every guest's pages "
            "are its own", run < 0 ? "no /sys/kernel/mm/ksm/run"
                                   : "/sys/kernel/mm/ksm/run is not 1");
    }
}


/*
 * Without udev (containers, no systemd) /dev/kvm stays root:root 0600; then
 * libvirt finds at each domain start that the QEMU user can not use the KVM
 * it saw when it probed QEMU, throws its capability cache away and probes
 * again: every start takes about 50 s, even for TCG guests.  Say so.
 */
static void
vmp_check_kvm_node(void)
{
    struct stat     st;
    struct group   *g;

    if (stat("/dev/kvm", &st) < 0) {
        return;
    }
    g = getgrnam("kvm");
    if (g != NULL && st.st_gid == g->gr_gid
        && (st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP))
    {
        return;
    }
    vmp_log("warning: /dev/kvm is not rw for group kvm (no udev?): libvirt "
        "re-probes QEMU at every domain start, ~50 s each; fix with "
        "\"chgrp kvm /dev/kvm && chmod 660 /dev/kvm\" (what udev does)");
}


/* Destroys domains named PREFIX-N that an earlier run left behind. */
static void
vmp_cleanup_stale(vmp_pool_t *pool)
{
    virDomainPtr  *doms = NULL;
    int            n, i;
    size_t         plen = strlen(pool->cfg.name_prefix);

    n = virConnectListAllDomains(pool->conn, &doms, 0);
    for (i = 0; i < n; i++) {
        const char  *name = virDomainGetName(doms[i]);
        const char  *p;

        if (name != NULL && strncmp(name, pool->cfg.name_prefix, plen) == 0
            && name[plen] == '-' && name[plen + 1] != '\0')
        {
            for (p = name + plen + 1; *p >= '0' && *p <= '9'; p++) { }
            if (*p == '\0') {
                vmp_log("destroying stale domain %s", name);
                if (virDomainIsActive(doms[i]) == 1) {
                    virDomainDestroy(doms[i]);
                }
                if (virDomainIsPersistent(doms[i]) == 1) {
                    virDomainUndefine(doms[i]);
                }
            }
        }
        virDomainFree(doms[i]);
    }
    free(doms);
}


vmp_pool_t *
vmp_pool_new(const vmp_config_t *cfg, char **err)
{
    vmp_pool_t  *pool;

    *err = NULL;
    pool = calloc(1, sizeof(vmp_pool_t));
    if (pool == NULL) {
        vmp_seterr(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&pool->conn_lock, NULL);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->changed, NULL);
    pthread_cond_init(&pool->wake, NULL);

    if (vmp_copy_config(pool, cfg) < 0) {
        vmp_seterr(err, "out of memory");
        goto fail;
    }
    pool->new_kb = (uint64_t) pool->cfg.vm_memory_mb * 1024;
    if (pool->cfg.max_vms == 0 || pool->cfg.vm_memory_mb == 0
        || pool->cfg.vcpus == 0 || pool->cfg.name_prefix[0] == '\0')
    {
        vmp_seterr(err, "bad vmpool config: max_vms, vm_memory_mb, vcpus "
            "and name_prefix must be set");
        goto fail;
    }
    if (strcmp(pool->cfg.accel, "auto") != 0
        && strcmp(pool->cfg.accel, "kvm") != 0
        && strcmp(pool->cfg.accel, "tcg") != 0)
    {
        vmp_seterr(err, "accel \"%s\": not auto, kvm or tcg",
            pool->cfg.accel);
        goto fail;
    }
    if (pool->cfg.warm > pool->cfg.max_vms) {
        pool->cfg.warm = pool->cfg.max_vms;
    }
    if (access(pool->cfg.kernel, R_OK) < 0
        || access(pool->cfg.initrd, R_OK) < 0)
    {
        vmp_seterr(err, "kernel \"%s\" or initrd \"%s\" not readable "
            "(make build fetches and builds them)", pool->cfg.kernel,
            pool->cfg.initrd);
        goto fail;
    }
    pool->tmpl = vmp_read_file(pool->cfg.domain_xml);
    if (pool->tmpl == NULL) {
        vmp_seterr(err, "domain template \"%s\": %s", pool->cfg.domain_xml,
            strerror(errno));
        goto fail;
    }
    if (vmp_mkdirs(pool->cfg.state_dir) < 0) {
        vmp_seterr(err, "state dir \"%s\": %s", pool->cfg.state_dir,
            strerror(errno));
        goto fail;
    }

    virSetErrorFunc(NULL, vmp_virt_quiet);
    pool->conn = virConnectOpen(pool->cfg.uri);
    if (pool->conn == NULL) {
        vmp_seterr(err, "libvirt \"%s\": %s", pool->cfg.uri,
            vmp_virt_error());
        goto fail;
    }

    vmp_check_kvm_node();
    vmp_check_memory(pool);
    vmp_cleanup_stale(pool);
    if (vmp_net_start(pool, err) < 0) {
        goto fail;
    }
    vmp_choose_accel(pool);

    /*
     * The first warm guest is counted as booting before the thread runs,
     * so an acquire that comes at once waits for it instead of starting a
     * second boot beside it.
     */
    if (pool->cfg.warm > 0) {
        pool->pending = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix,
            NULL, fg_now_ms());
    }

    if (pthread_create(&pool->thread, NULL, vmp_thread, pool) != 0) {
        vmp_seterr(err, "pthread_create failed");
        goto fail;
    }
    pool->thread_started = true;
    return pool;

fail:
    vmp_pool_free(pool);
    return NULL;
}


void
vmp_pool_free(vmp_pool_t *pool)
{
    vmp_vm_t  *vm;

    if (pool == NULL) {
        return;
    }
    if (pool->thread_started) {
        pthread_mutex_lock(&pool->lock);
        pool->stop = true;
        pthread_cond_broadcast(&pool->wake);
        pthread_cond_broadcast(&pool->changed);
        pthread_mutex_unlock(&pool->lock);
        pthread_join(pool->thread, NULL);
    }
    while ((vm = pool->set.head) != NULL) {
        vmp_set_unlink(&pool->set, vm);
        vmp_vm_destroy(pool, vm);
    }
    vmp_net_stop(pool);
    if (pool->conn != NULL) {
        virConnectClose(pool->conn);
    }
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->changed);
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&pool->conn_lock);
    free(pool->tmpl);
    free(pool->strings);
    free(pool);
}


const char *
vmp_pool_accel(const vmp_pool_t *pool)
{
    return pool->accel;
}


const char *
vmp_pool_accel_reason(const vmp_pool_t *pool)
{
    return pool->accel_reason;
}


/* Under the lock: whether the guest with this id is still being made. */
static bool
vmp_find_queued(vmp_pool_t *pool, unsigned id)
{
    vmp_vm_t  *vm;

    for (vm = pool->set.head; vm != NULL; vm = vm->next) {
        if (vm->id == id) {
            return vm->state == VMP_BOOTING;
        }
    }
    return false;
}


/* Under the lock: the guest with this id is no longer wanted; dropped if
 * the background thread has not started making it. */
static void
vmp_unqueue(vmp_pool_t *pool, unsigned id)
{
    vmp_vm_t  *vm;

    for (vm = pool->set.head; vm != NULL; vm = vm->next) {
        if (vm->id == id && vm->queued) {
            vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
            vmp_set_unlink(&pool->set, vm);
            vmp_vm_free(vm);
            return;
        }
    }
}


int
vmp_pool_acquire(vmp_pool_t *pool, const char *account, vmp_vm_t **vmp,
    vmp_acquire_info_t *info, char **err)
{
    return vmp_pool_acquire_fn(pool, account, NULL, NULL, vmp, info, err);
}


/*
 * A guest restored from the function snapshot img for account, with the
 * code loaded.  Runs without the pool lock: vm is BOOTING and nobody else
 * touches it.
 */
static int
vmp_fnsnap_restore(vmp_pool_t *pool, vmp_vm_t *vm, const char *img,
    const char *code, const char *config, char **err)
{
    if (vmp_vm_restore(pool, vm, img, false, pool->cfg.boot_timeout_ms,
            err) < 0)
    {
        return -1;
    }
    vm->from_fnsnap = true;
    vmp_vm_sandbox_set(vm, 0, code, config);   /* saved with that alone */
    utimensat(AT_FDCWD, img, NULL, 0);     /* used: the reaper keeps it */
    if (pool->cfg.memory_budget_mb != 0) {
        vm->host_kb = vmp_dom_host_kb(vm->dom);
    }
    return 0;
}


int
vmp_pool_acquire_fn(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, vmp_vm_t **vmp, vmp_acquire_info_t *info,
    char **err)
{
    return vmp_pool_acquire_by(pool, account, code, config, NULL, vmp, info,
        err);
}


/* Marks (or unmarks) account's idle guests that an acquire with
 * vmp_order_t's elsewhere passes by: those holding code and config, and
 * those keeping a provisioned sandbox already (one kept sandbox a
 * guest, so that each can take a call while the others do).  The lock
 * is held. */
static void
vmp_pass_holding(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, bool pass)
{
    vmp_vm_t  *v;

    for (v = pool->set.head; v != NULL; v = v->next) {
        v->passed = pass && v->state == VMP_IDLE
                    && strcmp(v->account, account) == 0
                    && (vmp_vm_sandbox_find(v, code, config) >= 0
                        || vmp_vm_provisioned(v));
    }
}


unsigned
vmp_pool_provisioned(vmp_pool_t *pool, const char *key, const char *code,
    const char *config, unsigned want)
{
    unsigned  kept;

    pthread_mutex_lock(&pool->lock);
    kept = vmp_set_provisioned(&pool->set, key, code, config, want);
    pthread_mutex_unlock(&pool->lock);
    return kept;
}


/*
 * Every acquirer is in pool->waiters, in the order calls are served
 * (vmp_order_t), from its start to its end.  A call whose choice a call
 * ahead of it would take as well (vmp_waiters_ahead) waits instead, and
 * wakes that call if it is asleep; a call that leaves the list wakes the
 * others, so the next in order looks again.  Sets info's cold, late and
 * queue_ms (vmp_pool_acquire_by its init_ms).
 */
static int
vmp_pool_acquire_once(vmp_pool_t *pool, const char *account,
    const char *code, const char *config, const vmp_order_t *order,
    vmp_vm_t **vmp, vmp_acquire_info_t *info, char **err)
{
    uint64_t         start = fg_now_ms(), now, until;
    uint64_t         deadline = start + pool->cfg.acquire_timeout_ms;
    uint64_t         start_by = order != NULL ? order->start_by_ms : 0;
    vmp_vm_t        *vm;
    vmp_waiter_t     me;
    vmp_pick_t       pick;
    const vmp_waiter_t  *ahead;
    struct timespec  ts;
    unsigned         requested = 0;     /* id of the guest asked for */
    char            *berr;
    char             fnsnap[160], img[4200] = "";
    bool             have_img, img_checked = false, room, said = false;
    int              rc = -1;

    *err = NULL;
    *vmp = NULL;
    info->cold = false;
    info->queue_ms = 0;
    info->late = false;
    if (account == NULL || account[0] == '\0') {
        vmp_seterr(err, "no account");
        return -1;
    }
    vmp_fnsnap_for(pool, account, code, config, fnsnap, sizeof(fnsnap));
    have_img = fnsnap[0] != '\0';
    if (have_img) {
        vmp_fnsnap_path(pool, fnsnap, "img", img, sizeof(img));
    }
    memset(&me, 0, sizeof(me));
    me.key = order != NULL && order->order_ms != 0 ? order->order_ms : start;
    me.account = account;

    pthread_mutex_lock(&pool->lock);
    me.seq = ++pool->waiter_seq;
    vmp_waiters_add(&pool->waiters, &me);
    for ( ;; ) {
        if (pool->stop) {
            vmp_seterr(err, "pool is shutting down");
            break;
        }
        room = vmp_mem_room(pool);
        me.booting = requested != 0 && vmp_find_queued(pool, requested);
        if (order != NULL && order->elsewhere) {
            vmp_pass_holding(pool, account, code, config, true);
        }
        pick = vmp_set_choose_fn(&pool->set, account, pool->cfg.max_vms,
                   pool->cfg.max_vms_per_account, pool->waiting, room,
                   have_img, &vm);
        if (order != NULL && order->elsewhere) {
            vmp_pass_holding(pool, account, code, config, false);
        }
        ahead = vmp_waiters_ahead(pool->waiters, &me, pick, &pool->set,
                    pool->cfg.max_vms, pool->cfg.max_vms_per_account,
                    pool->waiting, room);
        if (ahead != NULL) {
            /* a call served before this one takes it first */
            if (ahead->asleep) {
                pthread_cond_broadcast(&pool->changed);
            }
            pick = VMP_PICK_WAIT;
            vm = NULL;
        }
        if (pick == VMP_PICK_IDLE && code != NULL
            && (order == NULL || !order->elsewhere))
        {
            /* the one holding the call's sandbox, if one does */
            vm = vmp_set_idle_holding(&pool->set, account, code, config, vm);
        }
        switch (pick) {
        case VMP_PICK_IDLE:
            /* a guest made for the account that has not served a call
             * yet: this call's cold start */
            info->cold = vm->calls == 0;
            vmp_set_move(&pool->set, vm, VMP_BUSY, account, fg_now_ms());
            if (pool->cfg.warm_per_account != 0) {
                /* one spare fewer: another is made ahead now, not at the
                 * background thread's next tick */
                pthread_cond_signal(&pool->wake);
            }
            *vmp = vm;
            rc = 0;
            goto done;

        case VMP_PICK_WARM:
            vmp_set_move(&pool->set, vm, VMP_BUSY, account, fg_now_ms());
            vmp_log("%s: assigned to account %s", vm->name, account);
            info->cold = true;
            pthread_cond_signal(&pool->wake);   /* refill the warm set */
            *vmp = vm;
            rc = 0;
            goto done;

        case VMP_PICK_BOOT:
            /* The background thread makes it, one guest at a time (they
             * only slow each other down); meanwhile this call takes
             * whichever guest of its account is free first, this one or
             * one that another call releases. */
            if (requested != 0 && vmp_find_queued(pool, requested)) {
                vm = NULL;
                goto wait;
            }
            if (requested != 0 && pool->failed_id == requested) {
                vmp_seterr(err, "boot for account %s failed: %s", account,
                    pool->failed);
                goto done;
            }
            vm = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix, account,
                fg_now_ms());
            if (vm == NULL) {
                vmp_seterr(err, "out of memory");
                goto done;
            }
            vm->queued = true;
            requested = vm->id;
            pthread_cond_signal(&pool->wake);
            goto wait;

        case VMP_PICK_FNSNAP:
            if (!img_checked) {
                /* the disk is looked at only when a new guest is due */
                pthread_mutex_unlock(&pool->lock);
                have_img = vmp_snap_valid(img);
                img_checked = true;
                pthread_mutex_lock(&pool->lock);
                continue;
            }
            vm = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix, account,
                fg_now_ms());
            if (vm == NULL) {
                vmp_seterr(err, "out of memory");
                goto done;
            }
            pthread_mutex_unlock(&pool->lock);
            berr = NULL;
            rc = vmp_fnsnap_restore(pool, vm, img, code, config, &berr);
            pthread_mutex_lock(&pool->lock);
            if (rc < 0) {
                /* the ordinary way, and the image is not tried again */
                vmp_set_unlink(&pool->set, vm);
                pthread_cond_broadcast(&pool->changed);
                pthread_mutex_unlock(&pool->lock);
                vmp_log("%s: function snapshot %s failed to restore; "
                    "deleted, account %s gets an ordinary start (%s)",
                    vm->name, fnsnap, account, berr ? berr : "?");
                free(berr);
                vmp_vm_destroy(pool, vm);
                vmp_fnsnap_delete(pool, fnsnap);
                have_img = false;
                pthread_mutex_lock(&pool->lock);
                continue;
            }
            vmp_set_move(&pool->set, vm, VMP_BUSY, account, fg_now_ms());
            vmp_log("%s: made for account %s (function-snapshot %u ms, %s)",
                vm->name, account, vm->boot_ms, fnsnap);
            info->cold = true;
            *vmp = vm;
            goto done;

        case VMP_PICK_EVICT:
            vmp_log("%s: evicting idle guest of account %s for %s",
                vm->name, vm->account, account);
            vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
            vmp_set_unlink(&pool->set, vm);
            pthread_mutex_unlock(&pool->lock);
            vmp_vm_destroy(pool, vm);
            pthread_mutex_lock(&pool->lock);
            continue;

        case VMP_PICK_WAIT:
        wait:
            now = fg_now_ms();
            if (start_by != 0 && now >= start_by) {
                info->late = true;
                vmp_seterr(err, "no guest for account %s early enough for "
                    "the call to end by its deadline (waited %llu ms)",
                    account, (unsigned long long) (now - start));
                goto done;
            }
            if (now >= deadline) {
                vmp_seterr(err, "no guest for account %s within %u ms "
                    "(max_vms %u, max_vms_per_account %u or the memory "
                    "budget reached, or guests still booting)", account,
                    pool->cfg.acquire_timeout_ms, pool->cfg.max_vms,
                    pool->cfg.max_vms_per_account);
                goto done;
            }
            if (!said) {
                const vmp_waiter_t  *w;
                unsigned             before = 0;

                for (w = pool->waiters; w != NULL && w != &me; w = w->next) {
                    before++;
                }
                vmp_log("account %s: a call waits for a guest (%u before "
                    "it in order)", account, before);
                said = true;
            }
            until = start_by != 0 && start_by < deadline ? start_by
                                                           : deadline;
            fg_abstime(&ts, until - now);
            pool->waiting++;
            me.asleep = true;
            pthread_cond_signal(&pool->wake);
            pthread_cond_timedwait(&pool->changed, &pool->lock, &ts);
            me.asleep = false;
            pool->waiting--;
            info->queue_ms += (unsigned) (fg_now_ms() - now);
            continue;
        }
    }

done:
    /* served by another guest of the account, or given up: a guest asked
     * for and not started yet is not made */
    if (requested != 0) {
        vmp_unqueue(pool, requested);
    }
    vmp_waiters_remove(&pool->waiters, &me);
    if (pool->waiters != NULL) {
        /* the next in order may have been held back by this call */
        pthread_cond_broadcast(&pool->changed);
    }
    pthread_mutex_unlock(&pool->lock);
    return rc;
}


/* Tries at taking a warm clone whose resume fails (it is destroyed). */
#define VMP_WAKE_TRIES  3

/* vmp_pool_acquire_once, and a warm clone it gives that waits paused
 * resumed (the pool lock not held); info covers the whole. */
int
vmp_pool_acquire_by(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, const vmp_order_t *order, vmp_vm_t **vmp,
    vmp_acquire_info_t *info, char **err)
{
    vmp_acquire_info_t  dummy;
    uint64_t            start = fg_now_ms(), t;
    unsigned            tries, waited = 0;
    char               *werr = NULL;
    int                 rc;

    if (info == NULL) {
        info = &dummy;
    }
    for (tries = 1; ; tries++) {
        rc = vmp_pool_acquire_once(pool, account, code, config, order, vmp,
                 info, err);
        waited += info->queue_ms;
        if (rc < 0 || !(*vmp)->paused) {
            break;
        }
        t = fg_now_ms();
        if (vmp_vm_wake(pool, *vmp, &werr) == 0) {
            vmp_log("%s: resumed for account %s in %llu ms", (*vmp)->name,
                account, (unsigned long long) (fg_now_ms() - t));
            break;
        }
        vmp_log("%s: %s; account %s takes another guest", (*vmp)->name,
            werr ? werr : "?", account);
        free(werr);
        werr = NULL;
        vmp_pool_release(pool, *vmp, false);
        *vmp = NULL;
        if (tries == VMP_WAKE_TRIES) {
            vmp_seterr(err, "no guest for account %s: %u warm guests "
                "failed to resume", account, tries);
            rc = -1;
            break;
        }
    }
    info->queue_ms = waited;
    info->init_ms = (unsigned) (fg_now_ms() - start);
    return rc;
}


void
vmp_pool_release(vmp_pool_t *pool, vmp_vm_t *vm, bool healthy)
{
    if (vm == NULL) {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    if (healthy && !pool->stop && !vm->abandoned
        && vmp_set_move(&pool->set, vm, VMP_IDLE, NULL, fg_now_ms()) == 0)
    {
        pthread_cond_broadcast(&pool->changed);
        if (vm->capture[0] != '\0') {
            pthread_cond_signal(&pool->wake);   /* save it while idle */
        }
        pthread_mutex_unlock(&pool->lock);
        return;
    }
    vmp_log("%s: released unhealthy, destroying", vm->name);
    vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
    vmp_set_unlink(&pool->set, vm);
    pthread_cond_broadcast(&pool->changed);
    pthread_cond_signal(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    vmp_vm_destroy(pool, vm);
}


const char *
vmp_vm_name(const vmp_vm_t *vm)
{
    return vm->name;
}


unsigned
vmp_vm_boot_ms(const vmp_vm_t *vm)
{
    return vm->boot_ms;
}


const char *
vmp_vm_origin(const vmp_vm_t *vm)
{
    return vm->from_fnsnap ? "function-snapshot"
           : vm->clone ? "clone"
           : vm->restored ? "restore" : "boot";
}


int
vmp_vm_send(vmp_vm_t *vm, fg_buf_t *req, uint32_t *seq, char **err)
{
    *err = NULL;
    if (vm->fd < 0) {
        vmp_seterr(err, "%s: no agent channel", vm->name);
        return -1;
    }
    if (req->len < FG_FRAME_HEADER_SIZE) {
        vmp_seterr(err, "%s: empty request", vm->name);
        return -1;
    }
    *seq = ++vm->seq;
    if (*seq == 0) {
        *seq = ++vm->seq;                 /* 0 is the agent's own */
    }
    req->data[4] = (uint8_t) (*seq >> 24);
    req->data[5] = (uint8_t) (*seq >> 16);
    req->data[6] = (uint8_t) (*seq >> 8);
    req->data[7] = (uint8_t) *seq;

    if (fg_frame_write_all(vm->fd, req) < 0) {
        vmp_seterr(err, "%s: write to agent: %s", vm->name, strerror(errno));
        return -1;
    }
    return 0;
}


int
vmp_vm_reply(vmp_vm_t *vm, uint32_t seq, uint32_t seq_also,
    fg_buf_t *resp_buf, fg_frame_t *resp, uint64_t until_ms, char **err)
{
    uint64_t       now;
    struct pollfd  p;
    int            n;

    *err = NULL;
    /* Frames with another seq (a late reply, a HELLO) are skipped. */
    for ( ;; ) {
        now = fg_now_ms();
        if (now >= until_ms) {
            return 1;
        }
        /* Not yet is told only between frames: a frame begun is read
         * whole (the agent writes each at once), else the stream would
         * lose its place. */
        p.fd = vm->fd;
        p.events = POLLIN;
        n = poll(&p, 1, (int) (until_ms - now < INT_MAX ? until_ms - now
                                                       : INT_MAX));
        if (n == 0 || (n < 0 && errno == EINTR)) {
            continue;
        }
        if (n < 0 || fg_frame_read(vm->fd, resp_buf, resp,
                         VMP_FRAME_READ_MS) < 0)
        {
            vmp_seterr(err, "%s: %s from the agent", vm->name,
                errno == ETIMEDOUT ? "no reply in time"
                : errno == EPROTO ? "malformed frame" : strerror(errno));
            return -1;
        }
        if (resp->seq == seq || (seq_also != 0 && resp->seq == seq_also)) {
            return 0;
        }
    }
}


int
vmp_vm_call(vmp_vm_t *vm, fg_buf_t *req, fg_buf_t *resp_buf,
    fg_frame_t *resp, unsigned timeout_ms, char **err)
{
    uint32_t  seq;
    int       rc;

    if (vmp_vm_send(vm, req, &seq, err) != 0) {
        return -1;
    }
    rc = vmp_vm_reply(vm, seq, 0, resp_buf, resp, fg_now_ms() + timeout_ms,
        err);
    if (rc == 1) {
        vmp_seterr(err, "%s: no reply from the agent within %u ms",
            vm->name, timeout_ms);
        return -1;
    }
    return rc == 0 ? vmp_vm_reply_error(vm, resp, err) : rc;
}


int
vmp_vm_reply_error(const vmp_vm_t *vm, const fg_frame_t *resp, char **err)
{
    size_t          len;
    const uint8_t  *m;

    if (resp->type != FG_FRAME_ERROR) {
        return 0;
    }
    m = fg_frame_get(resp, "message", &len);
    vmp_seterr(err, "%s: agent error: %.*s", vm->name, m ? (int) len : 1,
        m ? (const char *) m : "?");
    return -1;
}


void
vmp_pool_suspended(vmp_pool_t *pool, vmp_vm_t *vm)
{
    pthread_mutex_lock(&pool->lock);
    vm->suspended = true;
    /* its sandbox went aside with it: back with it (vmp_pool_resume) */
    vm->sbx_susp = vm->sbx[vm->sbx_cur];
    vm->sbx_susp_at = vm->sbx_cur;
    vm->sbx[vm->sbx_cur].key[0] = '\0';
    vm->capture[0] = '\0';               /* never saved while it holds one */
    pthread_mutex_unlock(&pool->lock);
    vmp_pool_release(pool, vm, true);
}


int
vmp_pool_resume(vmp_pool_t *pool, unsigned id, unsigned timeout_ms,
    vmp_vm_t **out, char **err)
{
    uint64_t         deadline = fg_now_ms() + timeout_ms, now;
    struct timespec  ts;
    vmp_vm_t        *vm;
    int              rc = -1;

    *out = NULL;
    *err = NULL;
    pthread_mutex_lock(&pool->lock);
    for ( ;; ) {
        /* by its id: it may be gone (destroyed unhealthy meanwhile) */
        for (vm = pool->set.head; vm != NULL && vm->id != id; vm = vm->next) {
        }
        if (vm == NULL || vm->state == VMP_DEAD || !vm->suspended
            || pool->stop)
        {
            vmp_seterr(err, "the guest that held the call is gone");
            break;
        }
        if (vm->state == VMP_IDLE) {
            vm->suspended = false;
            vm->resuming = false;
            /* the agent puts its sandbox back where it was */
            vm->sbx[vm->sbx_susp_at] = vm->sbx_susp;
            vm->sbx_cur = vm->sbx_susp_at;
            vmp_set_move(&pool->set, vm, VMP_BUSY, vm->account, fg_now_ms());
            *out = vm;
            rc = 0;
            break;
        }
        now = fg_now_ms();
        if (now >= deadline) {
            /* what is set aside in it stays there: it goes once free */
            vm->resuming = false;
            vm->suspended = false;
            vm->abandoned = true;
            vmp_seterr(err, "%s: busy for %u ms", vm->name, timeout_ms);
            break;
        }
        vm->resuming = true;            /* the call in it ends: ours next */
        fg_abstime(&ts, deadline - now);
        pthread_cond_timedwait(&pool->changed, &pool->lock, &ts);
    }
    pthread_mutex_unlock(&pool->lock);
    return rc;
}


bool
vmp_pool_wanted(vmp_pool_t *pool, const vmp_vm_t *vm)
{
    const vmp_waiter_t  *w;
    bool                 wanted = false;

    pthread_mutex_lock(&pool->lock);
    for (w = pool->waiters; w != NULL && !wanted; w = w->next) {
        wanted = w->asleep && vm->account != NULL
                 && strcmp(w->account, vm->account) == 0;
    }
    pthread_mutex_unlock(&pool->lock);
    return wanted;
}


unsigned
vmp_vm_id(const vmp_vm_t *vm)
{
    return vm->id;
}


void
vmp_pool_stats(vmp_pool_t *pool, vmp_stats_t *st)
{
    pthread_mutex_lock(&pool->lock);
    vmp_set_stats(&pool->set, st);
    st->host_kb = pool->cfg.memory_budget_mb != 0
                  ? vmp_set_host_kb(&pool->set, pool->new_kb) : 0;
    pthread_mutex_unlock(&pool->lock);
}
