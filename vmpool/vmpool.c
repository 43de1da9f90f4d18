/*
 * vmpool: warm libvirt guests per account (see vmpool.h).
 *
 * One mutex guards the set of guests (vmp_state.c); libvirt calls, boots
 * and agent exchanges run without it.  A background thread keeps the warm
 * set full, reaps idle guests and notices warm or idle guests whose agent
 * went away.  Guests are transient domains started with AUTODESTROY, so
 * they die with the pool's libvirt connection even if the process does.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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

#define VMP_AGENT_PORT   "org.fngate.agent.0"
#define VMP_TICK_MS      1000

struct vmp_pool {
    vmp_config_t     cfg;
    char            *strings;       /* one block holding cfg's strings */
    virConnectPtr    conn;
    char            *tmpl;          /* domain XML template */
    const char      *type;          /* libvirt domain type: kvm or qemu */
    char             accel[4];      /* "kvm" or "tcg" */
    char             accel_reason[256];

    pthread_mutex_t  conn_lock;     /* conn, replaced after libvirtd restarts */
    pthread_mutex_t  lock;
    pthread_cond_t   changed;       /* a guest became warm, idle or gone */
    pthread_cond_t   wake;          /* the background thread has work */
    vmp_set_t        set;
    unsigned         waiting;       /* acquirers in cond wait */
    vmp_vm_t        *pending;       /* first warm guest, queued by new */
    char             snap_path[4096];  /* STATE_DIR/snapshot.img */
    bool             snap_ok;       /* new guests are restored from it */
    unsigned         snap_failures; /* restores failed in a row */
    unsigned         failed_id;     /* the last guest that could not be made */
    char             failed[512];   /* and why */
    char             fnsnap_base[65];  /* the function snapshots' base:
                                       the generic snapshot's key, hashed;
                                       "": none are made or used */
    uint64_t         new_kb;        /* host memory a new guest takes: the
                                       last fresh guest's, measured */
    bool             stop;
    bool             thread_started;
    pthread_t        thread;
};


static void
vmp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
vmp_log(const char *fmt, ...)
{
    va_list  ap;
    char     line[1024];

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "vmpool: %s\n", line);
}


static void
vmp_seterr(char **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
vmp_seterr(char **err, const char *fmt, ...)
{
    va_list  ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0)
        *err = NULL;
    va_end(ap);
}


static const char *
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
    cfg->mem_merge = 0;
    cfg->function_snapshots = 1;
    cfg->function_snapshots_max = 16;
}


/* ---- guests ---- */

/*
 * The libvirt connection, with a reference for the caller (virConnectClose
 * when done).  A connection that died (libvirtd restarted) is replaced; the
 * domains made through it hold their own references to it.
 */
static virConnectPtr
vmp_conn_get(vmp_pool_t *pool)
{
    virConnectPtr  c;

    pthread_mutex_lock(&pool->conn_lock);
    if (pool->conn != NULL && virConnectIsAlive(pool->conn) != 1) {
        vmp_log("libvirt connection to %s lost; reconnecting", pool->cfg.uri);
        virConnectClose(pool->conn);
        pool->conn = NULL;
    }
    if (pool->conn == NULL)
        pool->conn = virConnectOpen(pool->cfg.uri);
    c = pool->conn;
    if (c != NULL)
        virConnectRef(c);
    pthread_mutex_unlock(&pool->conn_lock);
    return c;
}

static int
vmp_connect_unix(const char *path, unsigned timeout_ms)
{
    struct sockaddr_un  sa;
    uint64_t            deadline = fg_now_ms() + timeout_ms;
    int                 fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);

    for ( ;; ) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
            return fd;
        close(fd);
        if ((errno != ENOENT && errno != ECONNREFUSED)
            || fg_now_ms() >= deadline)
        {
            return -1;
        }
        usleep(20000);
    }
}


/*
 * A guest's domain handle belongs to the connection that made it; after
 * libvirtd restarted, that connection is dead and the domain (still
 * running: libvirtd finds its QEMU again) can only be reached through a
 * new one.  Replaces vm->dom by the same domain looked up by name when
 * its connection is dead: 0, or -1 when it is alive or no new handle
 * could be had.
 */
static int
vmp_vm_dom_refresh(vmp_pool_t *pool, vmp_vm_t *vm)
{
    virConnectPtr  conn;
    virDomainPtr   dom;

    if (vm->dom == NULL || virConnectIsAlive(virDomainGetConnect(vm->dom))
        == 1)
        return -1;
    conn = vmp_conn_get(pool);
    if (conn == NULL)
        return -1;
    dom = virDomainLookupByName(conn, vm->name);
    virConnectClose(conn);
    if (dom == NULL)
        return -1;
    virDomainFree(vm->dom);
    vm->dom = dom;
    return 0;
}


static void
vmp_vm_destroy(vmp_pool_t *pool, vmp_vm_t *vm)
{
    int  rc;

    if (vm == NULL)
        return;
    if (vm->fd >= 0)
        close(vm->fd);
    if (vm->dom != NULL) {
        rc = virDomainDestroy(vm->dom);
        /* Its connection may have died with libvirtd (the failed call is
         * how the client learns it): once more through a new one, or the
         * guest would outlive its pool. */
        if (rc < 0 && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN
            && vmp_vm_dom_refresh(pool, vm) == 0)
        {
            rc = virDomainDestroy(vm->dom);
        }
        if (rc < 0 && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN)
            vmp_log("destroy %s: %s", vm->name, vmp_virt_error());
        virDomainFree(vm->dom);
    }
    vmp_vm_free(vm);
}


/* The host memory (RSS, KiB) the QEMU process of dom holds, 0 unknown.
 * libvirt reads it from /proc even without a balloon device. */
static uint64_t
vmp_dom_rss_kb(virDomainPtr dom)
{
    virDomainMemoryStatStruct  st[VIR_DOMAIN_MEMORY_STAT_NR];
    int                        n, i;

    n = virDomainMemoryStats(dom, st, VIR_DOMAIN_MEMORY_STAT_NR, 0);
    for (i = 0; i < n; i++) {
        if (st[i].tag == VIR_DOMAIN_MEMORY_STAT_RSS)
            return st[i].val;
    }
    return 0;
}


/* Under the lock: whether the memory budget has room for one more guest. */
static bool
vmp_mem_room(vmp_pool_t *pool)
{
    return vmp_set_mem_room(&pool->set,
        (uint64_t) pool->cfg.memory_budget_mb * 1024, pool->new_kb);
}


/*
 * Measures every live guest's host memory (with a memory budget only), the
 * lock held on entry and exit but not while libvirt answers.  Guests are
 * found again by id: one may have gone meanwhile.
 */
static void
vmp_measure(vmp_pool_t *pool)
{
    enum { MAX = 256 };
    struct { unsigned id; virDomainPtr dom; uint64_t kb; } m[MAX];
    vmp_vm_t  *vm;
    unsigned   n = 0, i;

    if (pool->cfg.memory_budget_mb == 0)
        return;
    for (vm = pool->set.head; vm != NULL && n < MAX; vm = vm->next) {
        if (vm->state == VMP_DEAD || vm->state == VMP_BOOTING
            || vm->dom == NULL || virDomainRef(vm->dom) < 0)
            continue;
        m[n].id = vm->id;
        m[n++].dom = vm->dom;
    }
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < n; i++) {
        m[i].kb = vmp_dom_rss_kb(m[i].dom);
        virDomainFree(m[i].dom);
    }
    pthread_mutex_lock(&pool->lock);
    for (i = 0; i < n; i++) {
        for (vm = pool->set.head; vm != NULL; vm = vm->next) {
            if (vm->id == m[i].id && m[i].kb != 0) {
                vm->host_kb = m[i].kb;
                break;
            }
        }
    }
}


/*
 * Connects to the agent channel of vm's running domain and, for a booted
 * guest (hello), waits for its HELLO (until start + timeout_ms); log is the
 * console log named in errors.  On failure the domain is destroyed.
 */
static int
vmp_vm_attach(vmp_pool_t *pool, vmp_vm_t *vm, uint64_t start,
    unsigned timeout_ms, bool hello, const char *log, char **err)
{
    char          *live = NULL, *path = NULL;
    fg_buf_t       buf = { 0 };
    fg_frame_t     f;
    struct pollfd  pfd;
    int            rc = -1;
    unsigned       left;

    live = virDomainGetXMLDesc(vm->dom, 0);
    path = live ? vmp_xml_channel_path(live, VMP_AGENT_PORT) : NULL;
    if (path == NULL) {
        vmp_seterr(err, "%s: no unix socket for channel %s in live XML",
            vm->name, VMP_AGENT_PORT);
        goto cleanup;
    }
    vm->fd = vmp_connect_unix(path, 5000);
    if (vm->fd < 0) {
        vmp_seterr(err, "%s: connect %s: %s", vm->name, path,
            strerror(errno));
        goto cleanup;
    }

    for ( ;; ) {
        if (!hello)
            break;
        uint64_t  now = fg_now_ms();

        if (now >= start + timeout_ms) {
            vmp_seterr(err, "%s: no HELLO from the agent within %u ms "
                "(console: %s)", vm->name, timeout_ms, log);
            goto cleanup;
        }
        left = (unsigned) (start + timeout_ms - now);

        /* Wait in slices so that vmp_pool_free need not sit out a boot. */
        if (__atomic_load_n(&pool->stop, __ATOMIC_RELAXED)) {
            vmp_seterr(err, "%s: pool is shutting down", vm->name);
            goto cleanup;
        }
        pfd.fd = vm->fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, left > 250 ? 250 : (int) left) == 0)
            continue;
        if (fg_frame_read(vm->fd, &buf, &f, left) < 0) {
            if (errno == ETIMEDOUT)
                continue;
            vmp_seterr(err, "%s: agent channel: %s (console: %s)", vm->name,
                strerror(errno), log);
            goto cleanup;
        }
        if (f.type == FG_FRAME_HELLO)
            break;
    }
    vm->boot_ms = (unsigned) (fg_now_ms() - start);
    rc = 0;

cleanup:
    if (rc < 0) {
        if (vm->fd >= 0) {
            close(vm->fd);
            vm->fd = -1;
        }
        if (vm->dom != NULL) {
            virDomainDestroy(vm->dom);
            virDomainFree(vm->dom);
            vm->dom = NULL;
        }
    }
    fg_buf_free(&buf);
    free(path);
    free(live);
    return rc;
}


/* STATE_DIR/NAME.log, the guest's console log (removed first). */
static void
vmp_console_log(vmp_pool_t *pool, const char *name, char *log, size_t size)
{
    snprintf(log, size, "%s/%s.log", pool->cfg.state_dir, name);
    unlink(log);
}


/*
 * Creates the domain for vm as type (kvm or qemu), connects to its agent
 * channel and waits for HELLO.  Runs without the pool lock: vm is BOOTING
 * and nobody else touches it.
 */
static int
vmp_vm_boot(vmp_pool_t *pool, vmp_vm_t *vm, const char *type,
    unsigned timeout_ms, char **err)
{
    char        mem[32], vcpus[32], tb[128], log[4096], *xml = NULL;
    char        disks[4096 + 256], emulator[4096 + 32];
    const char *keys[] = { "NAME", "TYPE", "MEMORY_MB", "VCPUS", "KERNEL",
                           "INITRD", "CONSOLE_LOG", "TCG_FEATURES",
                           "DISKS", "EMULATOR", "MEMORY_BACKING" };
    const char *vals[11];
    uint64_t    start = fg_now_ms();
    virConnectPtr  conn = NULL;
    int         rc = -1;

    snprintf(mem, sizeof(mem), "%u", pool->cfg.vm_memory_mb);
    snprintf(vcpus, sizeof(vcpus), "%u", pool->cfg.vcpus);
    tb[0] = '\0';
    if (strcmp(type, "qemu") == 0 && pool->cfg.tb_cache_mb > 0)
        snprintf(tb, sizeof(tb), "<tcg><tb-cache unit='MiB'>%u</tb-cache>"
            "</tcg>", pool->cfg.tb_cache_mb);
    vmp_console_log(pool, vm->name, log, sizeof(log));
    vals[0] = vm->name;
    vals[1] = type;
    vals[2] = mem;
    vals[3] = vcpus;
    vals[4] = pool->cfg.kernel;
    vals[5] = pool->cfg.initrd;
    vals[6] = log;
    vals[7] = tb;
    /* The runtime disk, shared read-only by all guests (world-readable:
     * libvirt need not relabel it). */
    disks[0] = '\0';
    if (pool->cfg.runtimes[0] != '\0'
        && access(pool->cfg.runtimes, R_OK) == 0)
        snprintf(disks, sizeof(disks), "<disk type='file' device='disk'>"
            "<driver name='qemu' type='raw'/><source file='%s'>"
            "<seclabel model='dac' relabel='no'/></source>"
            "<target dev='vda' bus='virtio'/><readonly/></disk>",
            pool->cfg.runtimes);
    vals[8] = disks;
    emulator[0] = '\0';
    if (pool->cfg.emulator[0] != '\0')
        snprintf(emulator, sizeof(emulator), "<emulator>%s</emulator>",
            pool->cfg.emulator);
    vals[9] = emulator;
    vals[10] = pool->cfg.mem_merge ? ""
               : "<memoryBacking><nosharepages/></memoryBacking>";

    xml = vmp_template_expand(pool->tmpl, keys, vals, 11);
    if (xml == NULL) {
        vmp_seterr(err, "out of memory");
        goto cleanup;
    }
    conn = vmp_conn_get(pool);
    if (conn == NULL) {
        vmp_seterr(err, "libvirt \"%s\": %s", pool->cfg.uri,
            vmp_virt_error());
        goto cleanup;
    }
    vm->dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_AUTODESTROY);
    if (vm->dom == NULL) {
        vmp_seterr(err, "create %s (%s): %s", vm->name, type,
            vmp_virt_error());
        goto cleanup;
    }
    vm->restored = false;
    rc = vmp_vm_attach(pool, vm, start, timeout_ms, true, log, err);

cleanup:
    if (conn != NULL)
        virConnectClose(conn);
    free(xml);
    return rc;
}


/* ---- snapshots ---- */

/*
 * With cfg.snapshot the pool boots one guest to its agent's HELLO, saves
 * it (virDomainSaveFlags) as STATE_DIR/snapshot.img, and makes later
 * guests by restoring a copy of that image renamed for each (vmp_snap.c)
 * instead of booting them: under a second instead of seconds, and less
 * host memory (pages the guest never touched are not in the image).  The
 * image is kept across restarts while its key (kernel, initrd, template,
 * memory, vcpus, accelerator, TCG cache, libvirt's QEMU) is the same
 * (STATE_DIR/snapshot.key).  A restore that fails falls back to a boot;
 * after three in a row the pool boots only.  While the image is missing
 * or damaged on disk, guests boot (that counts as no failure).  Restored guests are told the
 * time and given fresh entropy by the caller (they all share the saved
 * guest's clock and random state).
 */

#define VMP_SNAP_FAILURES  3

static char *
vmp_snap_key(vmp_pool_t *pool)
{
    struct stat     k, i, d;
    unsigned long   qemu = 0;
    char            th[65], *key;
    virConnectPtr   conn;

    if (stat(pool->cfg.kernel, &k) < 0 || stat(pool->cfg.initrd, &i) < 0)
        return NULL;
    /* the runtime disk is in the saved guest's XML (and its page cache) */
    if (pool->cfg.runtimes[0] == '\0' || stat(pool->cfg.runtimes, &d) < 0)
        memset(&d, 0, sizeof(d));
    conn = vmp_conn_get(pool);
    if (conn != NULL) {
        virConnectGetVersion(conn, &qemu);
        virConnectClose(conn);
    }
    fg_sha256_hex(pool->tmpl, strlen(pool->tmpl), th);
    if (asprintf(&key, "kernel=%s:%lld:%lld initrd=%s:%lld:%lld "
            "runtimes=%s:%lld:%lld template=%s memory=%u vcpus=%u type=%s "
            "tb=%u qemu=%lu emulator=%s merge=%u",
            pool->cfg.kernel, (long long) k.st_size, (long long) k.st_mtime,
            pool->cfg.initrd, (long long) i.st_size, (long long) i.st_mtime,
            pool->cfg.runtimes, (long long) d.st_size,
            (long long) d.st_mtime, th, pool->cfg.vm_memory_mb,
            pool->cfg.vcpus, pool->type, pool->cfg.tb_cache_mb, qemu,
            pool->cfg.emulator, pool->cfg.mem_merge) < 0)
    {
        return NULL;
    }
    return key;
}


/* Whether path holds an image whose header libvirt would restore. */
static bool
vmp_snap_valid(const char *path)
{
    uint8_t  head[VMP_SAVE_HEADER];
    int      fd = open(path, O_RDONLY | O_CLOEXEC);
    bool     ok;

    if (fd < 0)
        return false;
    ok = read(fd, head, sizeof(head)) == (ssize_t) sizeof(head)
         && vmp_saveimage_data_len(head, sizeof(head)) > 0;
    close(fd);
    return ok;
}


/* Makes (or finds, by its key) the pool's snapshot; sets snap_ok. */
static void
vmp_snap_prepare(vmp_pool_t *pool)
{
    char       keypath[4200], tmp[4200], line[4096], *key, *err = NULL;
    FILE      *f;
    vmp_vm_t  *vm;
    uint64_t   t0 = fg_now_ms();

    snprintf(pool->snap_path, sizeof(pool->snap_path), "%s/snapshot.img",
        pool->cfg.state_dir);
    snprintf(keypath, sizeof(keypath), "%s/snapshot.key",
        pool->cfg.state_dir);
    key = vmp_snap_key(pool);
    if (key == NULL) {
        vmp_log("snapshot: no key (kernel or initrd unreadable); booting");
        return;
    }

    f = fopen(keypath, "re");
    if (f != NULL) {
        if (fgets(line, sizeof(line), f) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            if (strcmp(line, key) == 0 && vmp_snap_valid(pool->snap_path)) {
                fclose(f);
                free(key);
                pool->snap_ok = true;
                vmp_log("snapshot: %s (made earlier)", pool->snap_path);
                return;
            }
        }
        fclose(f);
    }
    unlink(keypath);
    unlink(pool->snap_path);

    vm = calloc(1, sizeof(vmp_vm_t));
    if (vm == NULL) {
        free(key);
        return;
    }
    vm->fd = -1;
    snprintf(vm->name, sizeof(vm->name), "%s-snap", pool->cfg.name_prefix);
    snprintf(tmp, sizeof(tmp), "%s.tmp", pool->snap_path);
    unlink(tmp);
    if (vmp_vm_boot(pool, vm, pool->type, pool->cfg.boot_timeout_ms, &err)
        < 0)
    {
        vmp_log("snapshot: boot failed: %s; booting", err ? err : "?");
        goto done;
    }
    /* saved with its host connected: every copy wakes up talking */
    if (virDomainSaveFlags(vm->dom, tmp, NULL, VIR_DOMAIN_SAVE_RUNNING) < 0)
    {
        vmp_log("snapshot: save %s: %s; booting", vm->name,
            vmp_virt_error());
        unlink(tmp);
        goto done;
    }
    virDomainFree(vm->dom);        /* saved: the domain is gone */
    vm->dom = NULL;
    if (!vmp_snap_valid(tmp) || rename(tmp, pool->snap_path) < 0) {
        vmp_log("snapshot: %s is not an image libvirt restores; booting",
            tmp);
        unlink(tmp);
        goto done;
    }
    f = fopen(keypath, "we");
    if (f != NULL) {
        fprintf(f, "%s\n", key);
        fclose(f);
    }
    pool->snap_ok = true;
    vmp_log("snapshot: %s made in %llu ms (boot %u ms)", pool->snap_path,
        (unsigned long long) (fg_now_ms() - t0), vm->boot_ms);

done:
    free(err);
    free(key);
    vmp_vm_destroy(pool, vm);
}


/* A 36-character uuid v4 from the kernel's random bytes. */
static int
vmp_uuid(char out[37])
{
    uint8_t  r[16];

    if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r))
        return -1;
    r[6] = (uint8_t) ((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t) ((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
        "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
        r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    return 0;
}


/* The image src (the pool's, or a function snapshot) renamed for vm
 * (name, a new uuid, its console log), written to path: the rewritten
 * head, then the image's migration stream copied by the kernel. */
static int
vmp_snap_copy(vmp_pool_t *pool, vmp_vm_t *vm, const char *src,
    const char *path, const char *log, char **err)
{
    uint8_t     head[VMP_SAVE_HEADER], *all = NULL;
    size_t      data_len;
    char        uuid[37];
    struct stat st;
    int         in, out = -1, rc = -1;
    loff_t      off;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &st) < 0
        || read(in, head, sizeof(head)) != (ssize_t) sizeof(head)
        || (data_len = vmp_saveimage_data_len(head, sizeof(head))) == 0
        || (all = malloc(VMP_SAVE_HEADER + data_len)) == NULL
        || pread(in, all, VMP_SAVE_HEADER + data_len, 0)
           != (ssize_t) (VMP_SAVE_HEADER + data_len)
        || vmp_uuid(uuid) < 0
        || vmp_saveimage_rewrite(all, VMP_SAVE_HEADER + data_len, vm->name,
               uuid, log) < 0)
    {
        vmp_seterr(err, "%s: snapshot %s unreadable", vm->name, src);
        goto done;
    }
    unlink(path);
    out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0
        || write(out, all, VMP_SAVE_HEADER + data_len)
           != (ssize_t) (VMP_SAVE_HEADER + data_len))
    {
        vmp_seterr(err, "%s: write %s: %s", vm->name, path,
            strerror(errno));
        goto done;
    }
    off = (loff_t) (VMP_SAVE_HEADER + data_len);
    while (off < st.st_size) {
        ssize_t  c = copy_file_range(in, &off, out, NULL,
                                     (size_t) (st.st_size - off), 0);
        if (c <= 0) {
            vmp_seterr(err, "%s: copy %s: %s", vm->name, src,
                c < 0 ? strerror(errno) : "short");
            goto done;
        }
    }
    rc = 0;

done:
    if (rc < 0 && out >= 0)
        unlink(path);
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    free(all);
    return rc;
}


/* Tells a restored guest's agent the time and gives it fresh entropy
 * (FG_FRAME_SYNC), waiting for its answer until deadline (monotonic ms). */
static int
vmp_vm_sync(vmp_vm_t *vm, uint64_t deadline, char **err)
{
    uint64_t         now = fg_now_ms();
    fg_buf_t         req = { 0 }, buf = { 0 };
    fg_frame_t       resp;
    uint8_t          entropy[64];
    struct timespec  ts;
    int              rc = -1;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (getrandom(entropy, sizeof(entropy), 0) != (ssize_t) sizeof(entropy)
        || fg_frame_begin(&req, FG_FRAME_SYNC, 0) < 0
        || fg_frame_add_u64(&req, "time_ns", (uint64_t) ts.tv_sec
               * 1000000000u + (uint64_t) ts.tv_nsec) < 0
        || fg_frame_add(&req, "entropy", entropy, sizeof(entropy)) < 0
        || fg_frame_end(&req) < 0)
    {
        vmp_seterr(err, "%s: no entropy or memory for SYNC", vm->name);
        goto done;
    }
    if (vmp_vm_call(vm, &req, &buf, &resp,
            deadline > now ? (unsigned) (deadline - now) : 1, err) < 0)
        goto done;
    if (resp.type != FG_FRAME_PONG) {
        vmp_seterr(err, "%s: SYNC answered with frame type %u", vm->name,
            resp.type);
        goto done;
    }
    rc = 0;

done:
    memset(entropy, 0, sizeof(entropy));
    fg_buf_free(&req);
    fg_buf_free(&buf);
    return rc;
}


/* Makes vm's domain by restoring the image src (the pool's snapshot, or
 * a function snapshot) under vm's name. */
static int
vmp_vm_restore(vmp_pool_t *pool, vmp_vm_t *vm, const char *src,
    unsigned timeout_ms, char **err)
{
    char           img[4200], log[4096];
    uint64_t       start = fg_now_ms();
    virConnectPtr  conn = NULL;
    int            rc = -1;

    vmp_console_log(pool, vm->name, log, sizeof(log));
    snprintf(img, sizeof(img), "%s/%s.img", pool->cfg.state_dir, vm->name);
    if (vmp_snap_copy(pool, vm, src, img, log, err) < 0)
        return -1;
    conn = vmp_conn_get(pool);
    if (conn == NULL) {
        vmp_seterr(err, "libvirt \"%s\": %s", pool->cfg.uri,
            vmp_virt_error());
        goto done;
    }
    if (virDomainRestoreFlags(conn, img, NULL, VIR_DOMAIN_SAVE_RUNNING) < 0)
    {
        vmp_seterr(err, "restore %s: %s", vm->name, vmp_virt_error());
        goto done;
    }
    vm->dom = virDomainLookupByName(conn, vm->name);
    if (vm->dom == NULL) {
        vmp_seterr(err, "restored %s: %s", vm->name, vmp_virt_error());
        goto done;
    }
    vm->restored = true;
    /*
     * Whether the restored agent notices the new connection (and says
     * HELLO) depends on when the host connects; its answer to SYNC is the
     * sign of life that does not.
     */
    rc = vmp_vm_attach(pool, vm, start, timeout_ms, false, log, err);
    if (rc == 0 && vmp_vm_sync(vm, start + timeout_ms, err) < 0) {
        close(vm->fd);
        vm->fd = -1;
        virDomainDestroy(vm->dom);
        virDomainFree(vm->dom);
        vm->dom = NULL;
        rc = -1;
    }
    if (rc == 0)
        vm->boot_ms = (unsigned) (fg_now_ms() - start);

done:
    unlink(img);
    if (conn != NULL)
        virConnectClose(conn);
    return rc;
}


/*
 * A new guest for vm: restored from the snapshot where there is one, else
 * (or when the restore fails) booted.
 */
static int
vmp_vm_make_one(vmp_pool_t *pool, vmp_vm_t *vm, char **err)
{
    char  *rerr = NULL;
    bool   snap;

    pthread_mutex_lock(&pool->lock);
    snap = pool->snap_ok;
    pthread_mutex_unlock(&pool->lock);

    /* an image gone or damaged on disk is not the restore's failure: boot
     * until it is back */
    if (snap && !vmp_snap_valid(pool->snap_path)) {
        vmp_log("%s: snapshot %s is missing or not an image; booting",
            vm->name, pool->snap_path);
        snap = false;
    }
    if (snap) {
        if (vmp_vm_restore(pool, vm, pool->snap_path,
                pool->cfg.boot_timeout_ms, &rerr) == 0)
        {
            pthread_mutex_lock(&pool->lock);
            pool->snap_failures = 0;
            pthread_mutex_unlock(&pool->lock);
            return 0;
        }
        pthread_mutex_lock(&pool->lock);
        if (++pool->snap_failures >= VMP_SNAP_FAILURES && pool->snap_ok) {
            pool->snap_ok = false;
            vmp_log("snapshot: %u restores failed in a row; booting from "
                "now on", pool->snap_failures);
        }
        pthread_mutex_unlock(&pool->lock);
        vmp_log("%s: restore failed (%s); booting", vm->name,
            rerr ? rerr : "?");
        free(rerr);
    }
    return vmp_vm_boot(pool, vm, pool->type, pool->cfg.boot_timeout_ms,
        err);
}


/*
 * vmp_vm_make_one, and with a memory budget the new guest's host memory,
 * which is also what the next new guest is counted at until it is measured.
 */
static int
vmp_vm_make(vmp_pool_t *pool, vmp_vm_t *vm, char **err)
{
    uint64_t  kb;

    if (vmp_vm_make_one(pool, vm, err) < 0)
        return -1;
    if (pool->cfg.memory_budget_mb != 0
        && (kb = vmp_dom_rss_kb(vm->dom)) != 0)
    {
        pthread_mutex_lock(&pool->lock);
        vm->host_kb = kb;
        pool->new_kb = kb;
        pthread_mutex_unlock(&pool->lock);
        vmp_log("%s: holds %llu MiB of host memory (RSS)", vm->name,
            (unsigned long long) (kb / 1024));
    }
    return 0;
}


/* ---- function snapshots ---- */

/*
 * With cfg.function_snapshots, a guest in which a call started a
 * persistent runtime (python3.11, or provided with a bootstrap) and
 * succeeded is saved by the background thread once it is idle, as
 * STATE_DIR/fn-ACCOUNT-H.img (vmp_fnsnap.c names it: the account, the
 * code, what the runtime saw at its init, the generic snapshot's key).
 * The save stops the guest: it is restored at once from the image just
 * made (which shows that the image restores; one that does not is
 * deleted), so the account keeps its guest.  A later call of the same
 * account, code and configuration that needs a new guest restores a copy
 * of that image instead of taking a warm guest: the code is loaded and the
 * runtime waits on its next event, so the call skips the LOAD and the
 * runtime's init.  SYNC gives the copy the time and fresh kernel entropy;
 * the runtime's own random state (Python's random, its hash seed) is the
 * image's, shared by every copy of it, all of them of one account and one
 * function.  The images kept are bounded (function_snapshots_max, the
 * least recently used go) and those of another generic snapshot are
 * deleted at start.
 */

#define VMP_FNSNAP_SCAN      1024u
#define VMP_FNSNAP_DELAY_MS  1000u   /* idle this long before the save (at
                                        most half the idle timeout) */

/* STATE_DIR/NAME.EXT */
static void
vmp_fnsnap_path(vmp_pool_t *pool, const char *name, const char *ext,
    char *out, size_t size)
{
    snprintf(out, size, "%s/%s.%s", pool->cfg.state_dir, name, ext);
}


/* The image name of a call of account, or "" (none made or used now). */
static void
vmp_fnsnap_for(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, char *name, size_t size)
{
    char  base[65];

    name[0] = '\0';
    if (!pool->cfg.function_snapshots || account == NULL || code == NULL
        || config == NULL || config[0] == '\0')
        return;
    pthread_mutex_lock(&pool->lock);
    memcpy(base, pool->fnsnap_base, sizeof(base));
    pthread_mutex_unlock(&pool->lock);
    if (base[0] == '\0'
        || vmp_fnsnap_name(account, code, config, base, name, size) < 0)
        name[0] = '\0';
}


/* Deletes an image and its key. */
static void
vmp_fnsnap_delete(vmp_pool_t *pool, const char *name)
{
    char  path[4200];

    vmp_fnsnap_path(pool, name, "img", path, sizeof(path));
    unlink(path);
    vmp_fnsnap_path(pool, name, "key", path, sizeof(path));
    unlink(path);
}


/* The value of the line "field=..." of an image's key file, malloc'd, or
 * NULL. */
static char *
vmp_fnsnap_key_get(vmp_pool_t *pool, const char *name, const char *field)
{
    char    path[4200], line[512];
    char   *v = NULL;
    size_t  n = strlen(field);
    FILE   *f;

    vmp_fnsnap_path(pool, name, "key", path, sizeof(path));
    f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    while (v == NULL && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, field, n) == 0 && line[n] == '=')
            v = strdup(line + n + 1);
    }
    fclose(f);
    return v;
}


/* Deletes the images vmp_fnsnap_reap chooses (and what a save that was cut
 * short left: temporary images, keys without an image).  Runs in the
 * background thread, without the pool lock. */
static void
vmp_fnsnap_reap_dir(vmp_pool_t *pool, const char *base)
{
    vmp_fnsnap_entry_t  e[VMP_FNSNAP_SCAN];
    bool                drop[VMP_FNSNAP_SCAN];
    char                path[4200], *name;
    struct dirent      *d;
    struct stat         st;
    DIR                *dir;
    unsigned            n = 0, i;
    size_t              len;

    dir = opendir(pool->cfg.state_dir);
    if (dir == NULL)
        return;
    while ((d = readdir(dir)) != NULL) {
        if (strncmp(d->d_name, "fn-", 3) != 0)
            continue;
        len = strlen(d->d_name);
        snprintf(path, sizeof(path), "%s/%s", pool->cfg.state_dir,
            d->d_name);
        if (len > 8 && strcmp(d->d_name + len - 8, ".img.tmp") == 0) {
            unlink(path);
            continue;
        }
        if (len > 4 && strcmp(d->d_name + len - 4, ".key") == 0) {
            strcpy(path + strlen(path) - 4, ".img");
            if (access(path, F_OK) < 0) {
                strcpy(path + strlen(path) - 4, ".key");
                unlink(path);
            }
            continue;
        }
        if (len <= 4 || strcmp(d->d_name + len - 4, ".img") != 0
            || n == VMP_FNSNAP_SCAN || stat(path, &st) < 0)
            continue;
        name = strndup(d->d_name, len - 4);
        if (name == NULL)
            continue;
        e[n].name = name;
        e[n].base = vmp_fnsnap_key_get(pool, name, "base");
        e[n].used = (uint64_t) st.st_mtime;
        n++;
    }
    closedir(dir);

    vmp_fnsnap_reap(e, n, base, pool->cfg.function_snapshots_max, drop);
    for (i = 0; i < n; i++) {
        if (drop[i]) {
            vmp_log("function snapshot %s dropped (%s)", e[i].name,
                e[i].base != NULL && strcmp(e[i].base, base) == 0
                ? "least recently used beyond function_snapshots_max"
                : "made on another guest image");
            vmp_fnsnap_delete(pool, e[i].name);
        }
        free((char *) e[i].name);
        free((char *) e[i].base);
    }
}


/* At start (background thread): the base of the images, and the images of
 * another base deleted. */
static void
vmp_fnsnap_prepare(vmp_pool_t *pool)
{
    char  *key, base[65];

    key = vmp_snap_key(pool);
    if (key == NULL) {
        vmp_log("function snapshots: no key (kernel or initrd unreadable); "
            "none are made");
        return;
    }
    fg_sha256_hex(key, strlen(key), base);
    free(key);
    vmp_fnsnap_reap_dir(pool, base);
    pthread_mutex_lock(&pool->lock);
    memcpy(pool->fnsnap_base, base, sizeof(base));
    pthread_mutex_unlock(&pool->lock);
}


/* Writes the key file of name (what vmp_fnsnap_name hashed, and the
 * function and version for vmp_pool_fnsnap_forget). */
static int
vmp_fnsnap_write_key(vmp_pool_t *pool, const vmp_vm_t *vm,
    const char *name, const char *code, const char *config,
    const char *function, const char *version)
{
    char   path[4200];
    FILE  *f;
    int    rc;

    vmp_fnsnap_path(pool, name, "key", path, sizeof(path));
    f = fopen(path, "we");
    if (f == NULL)
        return -1;
    fprintf(f, "account=%s\ncode=%s\nconfig=%s\nbase=%s\nfunction=%s\n"
        "version=%s\n", vm->account, code, config, pool->fnsnap_base,
        function, version);
    rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}


/*
 * Saves one idle guest that asked for it as its function snapshot and
 * restores it from the image for its account.  The lock is held on entry
 * and exit, not while libvirt works; the guest is BUSY meanwhile, so no
 * call takes it.
 */
static void
vmp_fnsnap_capture(vmp_pool_t *pool)
{
    vmp_vm_t  *vm;
    char       name[sizeof(vm->capture)], img[4200], tmp[4300];
    char       code[65], config[65], fn[sizeof(vm->capture_fn)];
    char       version[sizeof(vm->capture_version)], *err = NULL;
    uint64_t   t0, last, now, delay;
    unsigned   save_ms;
    struct stat  st;

    /* idle for a moment: a client calling in a row keeps its guest */
    delay = (uint64_t) pool->cfg.idle_timeout_s * 1000 / 2;
    if (delay > VMP_FNSNAP_DELAY_MS)
        delay = VMP_FNSNAP_DELAY_MS;
    now = fg_now_ms();
    for (vm = pool->set.head; vm != NULL; vm = vm->next) {
        if (vm->state == VMP_IDLE && vm->capture[0] != '\0'
            && now >= vm->last_used_ms && now - vm->last_used_ms >= delay)
            break;
    }
    if (vm == NULL)
        return;
    memcpy(name, vm->capture, sizeof(name));
    vm->capture[0] = '\0';
    vmp_fnsnap_path(pool, name, "img", img, sizeof(img));
    snprintf(tmp, sizeof(tmp), "%s.tmp", img);
    if (access(img, F_OK) == 0 || vm->dom == NULL)
        return;                     /* made already: once per name */
    snprintf(code, sizeof(code), "%s", vm->code);
    memcpy(config, vm->capture_config, sizeof(config));
    memcpy(fn, vm->capture_fn, sizeof(fn));
    memcpy(version, vm->capture_version, sizeof(version));
    last = vm->last_used_ms;
    vmp_set_move(&pool->set, vm, VMP_BUSY, NULL, fg_now_ms());
    vm->calls--;                    /* not a call */
    vm->saving = true;
    pthread_mutex_unlock(&pool->lock);

    t0 = fg_now_ms();
    unlink(tmp);
    /* saved with its host connected, as the pool's snapshot */
    if (virDomainSaveFlags(vm->dom, tmp, NULL, VIR_DOMAIN_SAVE_RUNNING) < 0)
    {
        vmp_log("%s: function snapshot %s: save: %s", vm->name, name,
            vmp_virt_error());
        unlink(tmp);
        if (virDomainIsActive(vm->dom) == 1)
            goto back;              /* it runs on */
        goto lost;
    }
    save_ms = (unsigned) (fg_now_ms() - t0);
    close(vm->fd);
    vm->fd = -1;
    virDomainFree(vm->dom);         /* saved: the domain is gone */
    vm->dom = NULL;
    if (!vmp_snap_valid(tmp) || stat(tmp, &st) < 0
        || vmp_fnsnap_write_key(pool, vm, name, code, config, fn,
               version) < 0
        || rename(tmp, img) < 0)
    {
        vmp_log("%s: function snapshot %s: %s is not an image libvirt "
            "restores", vm->name, name, tmp);
        unlink(tmp);
        vmp_fnsnap_delete(pool, name);
        goto lost;
    }

    /* the account's guest comes back from the image: this also proves
     * that the image restores */
    t0 = fg_now_ms();
    if (vmp_vm_restore(pool, vm, img, pool->cfg.boot_timeout_ms, &err) < 0)
    {
        vmp_log("%s: function snapshot %s does not restore (%s); deleted",
            vm->name, name, err ? err : "?");
        free(err);
        vmp_fnsnap_delete(pool, name);
        goto lost;
    }
    vmp_log("%s: function snapshot %s made for account %s (save %u ms, "
        "%lld MiB; back in %llu ms)", vm->name, name, vm->account, save_ms,
        (long long) (st.st_size >> 20),
        (unsigned long long) (fg_now_ms() - t0));
    vmp_fnsnap_reap_dir(pool, pool->fnsnap_base);

back:
    pthread_mutex_lock(&pool->lock);
    vm->saving = false;
    vmp_set_move(&pool->set, vm, VMP_IDLE, NULL, fg_now_ms());
    vm->last_used_ms = last;        /* idle since its call */
    pthread_cond_broadcast(&pool->changed);
    return;

lost:
    pthread_mutex_lock(&pool->lock);
    vm->saving = false;
    vmp_log("%s: lost while saving its function snapshot (account %s)",
        vm->name, vm->account);
    vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
    vmp_set_unlink(&pool->set, vm);
    pthread_cond_broadcast(&pool->changed);
    pthread_mutex_unlock(&pool->lock);
    vmp_vm_destroy(pool, vm);
    pthread_mutex_lock(&pool->lock);
}


void
vmp_vm_capture(vmp_pool_t *pool, vmp_vm_t *vm, const char *code,
    const char *config, const char *function, const char *version)
{
    /* the caller holds vm (BUSY): the background thread reads these only
     * once it is idle, after vmp_pool_release took the lock */
    vm->capture[0] = '\0';
    if (vm->from_fnsnap || vm->account == NULL || config == NULL
        || strlen(config) >= sizeof(vm->capture_config))
        return;
    vmp_fnsnap_for(pool, vm->account, code, config, vm->capture,
        sizeof(vm->capture));
    snprintf(vm->capture_config, sizeof(vm->capture_config), "%s", config);
    snprintf(vm->capture_fn, sizeof(vm->capture_fn), "%s", function);
    snprintf(vm->capture_version, sizeof(vm->capture_version), "%s",
        version);
}


void
vmp_pool_fnsnap_forget(vmp_pool_t *pool, const char *function,
    const char *version)
{
    struct dirent  *d;
    DIR            *dir;
    char            name[256], *f, *v;
    size_t          len;

    if (!pool->cfg.function_snapshots)
        return;
    dir = opendir(pool->cfg.state_dir);
    if (dir == NULL)
        return;
    while ((d = readdir(dir)) != NULL) {
        len = strlen(d->d_name);
        if (strncmp(d->d_name, "fn-", 3) != 0 || len <= 4
            || len - 4 >= sizeof(name)
            || strcmp(d->d_name + len - 4, ".key") != 0)
            continue;
        snprintf(name, sizeof(name), "%.*s", (int) (len - 4), d->d_name);
        f = vmp_fnsnap_key_get(pool, name, "function");
        v = vmp_fnsnap_key_get(pool, name, "version");
        if (f != NULL && strcmp(f, function) == 0
            && (version == NULL || (v != NULL && strcmp(v, version) == 0)))
        {
            vmp_log("function snapshot %s dropped (%s %s updated or "
                "deleted)", name, function, v ? v : "?");
            vmp_fnsnap_delete(pool, name);
        }
        free(f);
        free(v);
    }
    closedir(dir);
}


/* ---- accelerator ---- */

static char *
vmp_probe_key(vmp_pool_t *pool)
{
    struct stat      st;
    struct utsname   u;
    unsigned long    qemu = 0;
    char            *key;

    if (stat(pool->cfg.kernel, &st) < 0)
        memset(&st, 0, sizeof(st));
    uname(&u);
    virConnectGetVersion(pool->conn, &qemu);
    if (asprintf(&key, "guest-kernel=%lld:%lld host-kernel=%s qemu=%lu",
            (long long) st.st_size, (long long) st.st_mtime, u.release,
            qemu) < 0)
    {
        return NULL;
    }
    return key;
}


static void
vmp_choose_accel(vmp_pool_t *pool)
{
    char       cache[4096], line[1024], *key = NULL, *err = NULL;
    FILE      *f;
    vmp_vm_t  *vm;
    bool       kvm = false;

    if (strcmp(pool->cfg.accel, "kvm") == 0
        || strcmp(pool->cfg.accel, "tcg") == 0)
    {
        kvm = strcmp(pool->cfg.accel, "kvm") == 0;
        snprintf(pool->accel_reason, sizeof(pool->accel_reason),
            "configured accel %s", pool->cfg.accel);
        goto done;
    }
    if (access("/dev/kvm", R_OK | W_OK) < 0) {
        snprintf(pool->accel_reason, sizeof(pool->accel_reason),
            "/dev/kvm: %s", strerror(errno));
        goto done;
    }

    key = vmp_probe_key(pool);
    snprintf(cache, sizeof(cache), "%s/accel-probe", pool->cfg.state_dir);
    f = fopen(cache, "re");
    if (f != NULL && key != NULL) {
        if (fgets(line, sizeof(line), f) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            if (strcmp(line, key) == 0
                && fgets(line, sizeof(line), f) != NULL)
            {
                line[strcspn(line, "\n")] = '\0';
                kvm = strncmp(line, "kvm", 3) == 0;
                snprintf(pool->accel_reason, sizeof(pool->accel_reason),
                    "cached probe (%.100s): %.120s", cache, line);
                fclose(f);
                goto done;
            }
        }
    }
    if (f != NULL)
        fclose(f);

    /* Probe: one kvm guest must say HELLO in time. */
    pthread_mutex_lock(&pool->lock);
    vm = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix, NULL,
        fg_now_ms());
    if (vm != NULL)
        vmp_set_unlink(&pool->set, vm);   /* not part of the pool */
    pthread_mutex_unlock(&pool->lock);
    if (vm == NULL) {
        snprintf(pool->accel_reason, sizeof(pool->accel_reason),
            "out of memory for the kvm probe");
        goto done;
    }
    vmp_log("probing kvm with %s (up to %u ms)", vm->name,
        pool->cfg.kvm_probe_timeout_ms);
    if (vmp_vm_boot(pool, vm, "kvm", pool->cfg.kvm_probe_timeout_ms, &err)
        == 0)
    {
        kvm = true;
        snprintf(pool->accel_reason, sizeof(pool->accel_reason),
            "kvm guest said HELLO in %u ms", vm->boot_ms);
    } else {
        snprintf(pool->accel_reason, sizeof(pool->accel_reason),
            "kvm probe failed: %s", err ? err : "?");
    }
    free(err);
    vmp_vm_destroy(pool, vm);

    f = key != NULL ? fopen(cache, "we") : NULL;
    if (f != NULL) {
        fprintf(f, "%s\n%s: %s\n", key, kvm ? "kvm" : "tcg",
            pool->accel_reason);
        fclose(f);
    }

done:
    free(key);
    strcpy(pool->accel, kvm ? "kvm" : "tcg");
    pool->type = kvm ? "kvm" : "qemu";
    vmp_log("accelerator %s: %s", pool->accel, pool->accel_reason);
}


/* ---- the background thread ---- */

/* Warm and idle guests whose agent channel closed or spoke out of turn. */
static void
vmp_check_health(vmp_pool_t *pool)
{
    vmp_vm_t  *vm, *next, *dead = NULL;
    char       c;

    for (vm = pool->set.head; vm != NULL; vm = next) {
        struct pollfd  p = { .fd = vm->fd, .events = POLLIN };

        next = vm->next;
        if (vm->state != VMP_WARM && vm->state != VMP_IDLE)
            continue;
        if (poll(&p, 1, 0) <= 0)
            continue;
        if ((p.revents & (POLLHUP | POLLERR))
            || recv(vm->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
        {
            vmp_log("%s: agent went away while %s", vm->name,
                vmp_state_name(vm->state));
            vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
            vmp_set_unlink(&pool->set, vm);
            vm->next = dead;
            dead = vm;
        }
    }
    if (dead != NULL) {
        pthread_cond_broadcast(&pool->changed);
        pthread_mutex_unlock(&pool->lock);
        for (vm = dead; vm != NULL; vm = next) {
            next = vm->next;
            vmp_vm_destroy(pool, vm);
        }
        pthread_mutex_lock(&pool->lock);
    }
}


/* Under the lock: the guest calls have waited for longest. */
static vmp_vm_t *
vmp_oldest_queued(vmp_pool_t *pool)
{
    vmp_vm_t  *vm, *oldest = NULL;

    for (vm = pool->set.head; vm != NULL; vm = vm->next) {
        if (vm->queued && (oldest == NULL || vm->id < oldest->id))
            oldest = vm;
    }
    return oldest;
}


static void *
vmp_thread(void *arg)
{
    vmp_pool_t  *pool = arg;
    vmp_vm_t    *vm;
    unsigned     failures = 0;
    char        *err;

    if (pool->cfg.snapshot)
        vmp_snap_prepare(pool);
    if (pool->cfg.function_snapshots)
        vmp_fnsnap_prepare(pool);

    pthread_mutex_lock(&pool->lock);
    while (!pool->stop) {
        uint64_t         now = fg_now_ms();
        struct timespec  ts;

        /* Idle guests past their timeout. */
        while ((vm = vmp_set_expired(&pool->set, now,
                    (uint64_t) pool->cfg.idle_timeout_s * 1000)) != NULL)
        {
            vmp_log("%s: idle for %us, destroying (account %s, %u calls)",
                vm->name, pool->cfg.idle_timeout_s, vm->account, vm->calls);
            vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, now);
            vmp_set_unlink(&pool->set, vm);
            pthread_cond_broadcast(&pool->changed);
            pthread_mutex_unlock(&pool->lock);
            vmp_vm_destroy(pool, vm);
            pthread_mutex_lock(&pool->lock);
        }

        vmp_check_health(pool);

        /* A guest to save as a function snapshot, while it is idle. */
        if (!pool->stop)
            vmp_fnsnap_capture(pool);

        /* Guests that grew past the budget: the longest idle goes. */
        vmp_measure(pool);
        while (pool->cfg.memory_budget_mb != 0
               && vmp_set_host_kb(&pool->set, pool->new_kb)
                  > (uint64_t) pool->cfg.memory_budget_mb * 1024
               && (vm = vmp_set_expired(&pool->set, fg_now_ms(), 0))
                  != NULL)
        {
            vmp_log("%s: over the memory budget (%u MB), destroying idle "
                "guest of account %s", vm->name, pool->cfg.memory_budget_mb,
                vm->account);
            vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
            vmp_set_unlink(&pool->set, vm);
            pthread_cond_broadcast(&pool->changed);
            pthread_mutex_unlock(&pool->lock);
            vmp_vm_destroy(pool, vm);
            pthread_mutex_lock(&pool->lock);
        }

        /* One boot at a time: parallel boots only slow each other.  A
         * guest a call waits for goes first, then the warm set. */
        vm = NULL;
        if (pool->pending != NULL) {
            vm = pool->pending;
            pool->pending = NULL;
        } else if ((vm = vmp_oldest_queued(pool)) != NULL) {
            vm->queued = false;
        } else if (!pool->stop
                   && vmp_set_boots_needed(&pool->set, pool->cfg.warm,
                          pool->cfg.max_vms, vmp_mem_room(pool)) > 0)
        {
            vm = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix, NULL,
                fg_now_ms());
        }
        if (!pool->stop) {
            if (vm != NULL) {
                pthread_mutex_unlock(&pool->lock);
                err = NULL;
                if (vmp_vm_make(pool, vm, &err) == 0) {
                    pthread_mutex_lock(&pool->lock);
                    if (vm->account != NULL) {
                        vmp_set_move(&pool->set, vm, VMP_IDLE, NULL,
                            fg_now_ms());
                        vmp_log("%s: made for account %s (%s %u ms)",
                            vm->name, vm->account, vmp_vm_origin(vm),
                            vm->boot_ms);
                    } else {
                        vmp_set_move(&pool->set, vm, VMP_WARM, NULL,
                            fg_now_ms());
                        vmp_log("%s: warm (%s %u ms, %s)", vm->name,
                            vmp_vm_origin(vm), vm->boot_ms, pool->accel);
                    }
                    pthread_cond_broadcast(&pool->changed);
                    failures = 0;
                    continue;
                }
                pthread_mutex_lock(&pool->lock);
                if (!pool->stop)
                    vmp_log("%s: boot failed%s%s: %s", vm->name,
                        vm->account ? " for account " : "",
                        vm->account ? vm->account : "", err ? err : "?");
                pool->failed_id = vm->id;
                snprintf(pool->failed, sizeof(pool->failed), "%s",
                    err ? err : "?");
                free(err);
                vmp_set_unlink(&pool->set, vm);
                vmp_vm_destroy(pool, vm);
                pthread_cond_broadcast(&pool->changed);
                failures++;
            }
        }

        /* Back off after failed boots, up to 30 s. */
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t) VMP_TICK_MS
            * (failures ? (failures > 30 ? 30 : failures) : 1);
        ts.tv_sec += (time_t) (now / 1000);
        ts.tv_nsec += (long) (now % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (!pool->stop)
            pthread_cond_timedwait(&pool->wake, &pool->lock, &ts);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}


/* ---- the pool ---- */

static char *
vmp_read_file(const char *path)
{
    FILE    *f;
    char    *s = NULL;
    size_t   len = 0;
    long     size;

    f = fopen(path, "re");
    if (f == NULL)
        return NULL;
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

    if (s == NULL)
        return -1;
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
        &pool->cfg.accel, &pool->cfg.runtimes, &pool->cfg.emulator
    };
    char         *abs[9] = { NULL };
    size_t        total = 0, off = 0, i;

    pool->cfg = *cfg;
    for (i = 0; i < 9; i++) {
        const char  *v = *fields[i] ? *fields[i] : "";

        /* libvirt resolves paths itself: give it absolute ones. */
        if (((i >= 1 && i <= 4) || i >= 7) && v[0] != '/' && v[0] != '\0') {
            abs[i] = realpath(v, NULL);
            if (abs[i] == NULL && i == 4) {
                vmp_mkdirs(v);
                abs[i] = realpath(v, NULL);
            }
            if (abs[i] != NULL)
                v = abs[i];
        }
        *fields[i] = v;
        total += strlen(v) + 1;
    }
    pool->strings = malloc(total);
    if (pool->strings == NULL)
        goto fail;
    for (i = 0; i < 9; i++) {
        size_t  n = strlen(*fields[i]) + 1;

        memcpy(pool->strings + off, *fields[i], n);
        *fields[i] = pool->strings + off;
        off += n;
    }
    for (i = 0; i < 9; i++)
        free(abs[i]);
    return 0;

fail:
    for (i = 0; i < 9; i++)
        free(abs[i]);
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
        if (fscanf(f, "%d", &run) != 1)
            run = -1;
        fclose(f);
    }
    if (!pool->cfg.mem_merge)
        vmp_log("ksm: mem_merge 0: guest RAM is never merged");
    else if (run == 1)
        vmp_log("ksm: the host runs KSM: guests share the pages they have "
            "in common");
    else
        vmp_log("ksm: the host does not run KSM (%s): every guest's pages "
            "are its own", run < 0 ? "no /sys/kernel/mm/ksm/run"
                                   : "/sys/kernel/mm/ksm/run is not 1");
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

    if (stat("/dev/kvm", &st) < 0)
        return;
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
                if (virDomainIsActive(doms[i]) == 1)
                    virDomainDestroy(doms[i]);
                if (virDomainIsPersistent(doms[i]) == 1)
                    virDomainUndefine(doms[i]);
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
    if (pool->cfg.warm > pool->cfg.max_vms)
        pool->cfg.warm = pool->cfg.max_vms;
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
    vmp_choose_accel(pool);

    /*
     * The first warm guest is counted as booting before the thread runs,
     * so an acquire that comes at once waits for it instead of starting a
     * second boot beside it.
     */
    if (pool->cfg.warm > 0)
        pool->pending = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix,
            NULL, fg_now_ms());

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

    if (pool == NULL)
        return;
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
    if (pool->conn != NULL)
        virConnectClose(pool->conn);
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


static void
vmp_deadline(struct timespec *ts, uint64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t) (ms / 1000);
    ts->tv_nsec += (long) (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}


/* Under the lock: whether the guest with this id is still being made. */
static bool
vmp_find_queued(vmp_pool_t *pool, unsigned id)
{
    vmp_vm_t  *vm;

    for (vm = pool->set.head; vm != NULL; vm = vm->next) {
        if (vm->id == id)
            return vm->state == VMP_BOOTING;
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
    const char *code, char **err)
{
    if (vmp_vm_restore(pool, vm, img, pool->cfg.boot_timeout_ms, err) < 0)
        return -1;
    vm->from_fnsnap = true;
    vmp_vm_set_code(vm, code);
    utimensat(AT_FDCWD, img, NULL, 0);     /* used: the reaper keeps it */
    if (pool->cfg.memory_budget_mb != 0)
        vm->host_kb = vmp_dom_rss_kb(vm->dom);
    return 0;
}


int
vmp_pool_acquire_fn(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, vmp_vm_t **vmp, vmp_acquire_info_t *info,
    char **err)
{
    uint64_t         start = fg_now_ms(), now;
    uint64_t         deadline = start + pool->cfg.acquire_timeout_ms;
    vmp_vm_t        *vm;
    vmp_acquire_info_t  dummy;
    struct timespec  ts;
    unsigned         requested = 0;     /* id of the guest asked for */
    char            *berr;
    char             fnsnap[160], img[4200] = "";
    bool             have_img, img_checked = false;
    int              rc = -1;

    *err = NULL;
    *vmp = NULL;
    if (info == NULL)
        info = &dummy;
    info->cold = false;
    info->init_ms = 0;
    info->queue_ms = 0;
    if (account == NULL || account[0] == '\0') {
        vmp_seterr(err, "no account");
        return -1;
    }
    vmp_fnsnap_for(pool, account, code, config, fnsnap, sizeof(fnsnap));
    have_img = fnsnap[0] != '\0';
    if (have_img)
        vmp_fnsnap_path(pool, fnsnap, "img", img, sizeof(img));

    pthread_mutex_lock(&pool->lock);
    for ( ;; ) {
        if (pool->stop) {
            vmp_seterr(err, "pool is shutting down");
            break;
        }
        switch (vmp_set_choose_fn(&pool->set, account, pool->cfg.max_vms,
                    pool->cfg.max_vms_per_account,
                    pool->waiting, vmp_mem_room(pool), have_img, &vm))
        {
        case VMP_PICK_IDLE:
            /* a guest made for the account that has not served a call
             * yet: this call's cold start */
            info->cold = vm->calls == 0;
            vmp_set_move(&pool->set, vm, VMP_BUSY, account, fg_now_ms());
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
            rc = vmp_fnsnap_restore(pool, vm, img, code, &berr);
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
            if (now >= deadline) {
                vmp_seterr(err, "no guest for account %s within %u ms "
                    "(max_vms %u, max_vms_per_account %u or the memory "
                    "budget reached, or guests still booting)", account,
                    pool->cfg.acquire_timeout_ms, pool->cfg.max_vms,
                    pool->cfg.max_vms_per_account);
                goto done;
            }
            vmp_deadline(&ts, deadline - now);
            pool->waiting++;
            pthread_cond_signal(&pool->wake);
            pthread_cond_timedwait(&pool->changed, &pool->lock, &ts);
            pool->waiting--;
            info->queue_ms += (unsigned) (fg_now_ms() - now);
            continue;
        }
    }

done:
    /* served by another guest of the account, or given up: a guest asked
     * for and not started yet is not made */
    if (requested != 0)
        vmp_unqueue(pool, requested);
    pthread_mutex_unlock(&pool->lock);
    info->init_ms = (unsigned) (fg_now_ms() - start);
    return rc;
}


void
vmp_pool_release(vmp_pool_t *pool, vmp_vm_t *vm, bool healthy)
{
    if (vm == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    if (healthy && !pool->stop
        && vmp_set_move(&pool->set, vm, VMP_IDLE, NULL, fg_now_ms()) == 0)
    {
        pthread_cond_broadcast(&pool->changed);
        if (vm->capture[0] != '\0')
            pthread_cond_signal(&pool->wake);   /* save it while idle */
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


const char *
vmp_vm_code(const vmp_vm_t *vm)
{
    return vm->code;
}


void
vmp_vm_set_code(vmp_vm_t *vm, const char *sha256hex)
{
    snprintf(vm->code, sizeof(vm->code), "%s", sha256hex ? sha256hex : "");
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
           : vm->restored ? "restore" : "boot";
}


int
vmp_vm_call(vmp_vm_t *vm, fg_buf_t *req, fg_buf_t *resp_buf,
    fg_frame_t *resp, unsigned timeout_ms, char **err)
{
    uint64_t  deadline = fg_now_ms() + timeout_ms, now;
    uint32_t  seq;

    *err = NULL;
    if (vm->fd < 0) {
        vmp_seterr(err, "%s: no agent channel", vm->name);
        return -1;
    }
    if (req->len < FG_FRAME_HEADER_SIZE) {
        vmp_seterr(err, "%s: empty request", vm->name);
        return -1;
    }
    seq = ++vm->seq;
    if (seq == 0)
        seq = ++vm->seq;                  /* 0 is the agent's own */
    req->data[4] = (uint8_t) (seq >> 24);
    req->data[5] = (uint8_t) (seq >> 16);
    req->data[6] = (uint8_t) (seq >> 8);
    req->data[7] = (uint8_t) seq;

    if (fg_frame_write_all(vm->fd, req) < 0) {
        vmp_seterr(err, "%s: write to agent: %s", vm->name, strerror(errno));
        return -1;
    }

    /* Frames with another seq (a late reply, a HELLO) are skipped. */
    for ( ;; ) {
        now = fg_now_ms();
        if (now >= deadline) {
            vmp_seterr(err, "%s: no reply from the agent within %u ms",
                vm->name, timeout_ms);
            return -1;
        }
        if (fg_frame_read(vm->fd, resp_buf, resp,
                (unsigned) (deadline - now)) < 0)
        {
            vmp_seterr(err, "%s: %s from the agent", vm->name,
                errno == ETIMEDOUT ? "no reply in time"
                : errno == EPROTO ? "malformed frame" : strerror(errno));
            return -1;
        }
        if (resp->seq != seq)
            continue;
        if (resp->type == FG_FRAME_ERROR) {
            size_t          len;
            const uint8_t  *m = fg_frame_get(resp, "message", &len);

            vmp_seterr(err, "%s: agent error: %.*s", vm->name,
                m ? (int) len : 1, m ? (const char *) m : "?");
            return -1;
        }
        return 0;
    }
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
