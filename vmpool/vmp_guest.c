/*
 * vmp_guest: one guest of the pool: the libvirt connection, a guest's
 * domain and agent channel, its boot, its host memory, its destruction.
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


/*
 * The libvirt connection, with a reference for the caller (virConnectClose
 * when done).  A connection that died (libvirtd restarted) is replaced; the
 * domains made through it hold their own references to it.
 */
virConnectPtr
vmp_conn_get(vmp_pool_t *pool)
{
    virConnectPtr  c;

    pthread_mutex_lock(&pool->conn_lock);
    if (pool->conn != NULL && virConnectIsAlive(pool->conn) != 1) {
        vmp_log("libvirt connection to %s lost; reconnecting", pool->cfg.uri);
        virConnectClose(pool->conn);
        pool->conn = NULL;
    }
    if (pool->conn == NULL) {
        pool->conn = virConnectOpen(pool->cfg.uri);
    }
    c = pool->conn;
    if (c != NULL) {
        virConnectRef(c);
    }
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
        if (fd < 0) {
            return -1;
        }
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0) {
            return fd;
        }
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
    {
        return -1;
    }
    conn = vmp_conn_get(pool);
    if (conn == NULL) {
        return -1;
    }
    dom = virDomainLookupByName(conn, vm->name);
    virConnectClose(conn);
    if (dom == NULL) {
        return -1;
    }
    virDomainFree(vm->dom);
    vm->dom = dom;
    return 0;
}


void
vmp_vm_destroy(vmp_pool_t *pool, vmp_vm_t *vm)
{
    int  rc;

    if (vm == NULL) {
        return;
    }
    if (vm->fd >= 0) {
        close(vm->fd);
    }
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
        if (rc < 0 && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
            vmp_log("destroy %s: %s", vm->name, vmp_virt_error());
        }
        virDomainFree(vm->dom);
    }
    vmp_net_tap_remove(pool, vm);
    vmp_vm_free(vm);
}


void
vmp_vm_undo(vmp_vm_t *vm)
{
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


/*
 * Called with pool->lock held: vm leaves the set (DEAD, unlinked, the
 * waiters told) and its domain is destroyed without the lock, which is
 * held again on return.
 */
void
vmp_vm_discard(vmp_pool_t *pool, vmp_vm_t *vm)
{
    vmp_set_move(&pool->set, vm, VMP_DEAD, NULL, fg_now_ms());
    vmp_set_unlink(&pool->set, vm);
    pthread_cond_broadcast(&pool->changed);
    pthread_mutex_unlock(&pool->lock);
    vmp_vm_destroy(pool, vm);
    pthread_mutex_lock(&pool->lock);
}


/* Where libvirt (qemu:///system) keeps each running domain's QEMU pid. */
#define VMP_LIBVIRT_RUN  "/run/libvirt/qemu"

/*
 * The host memory (KiB) the QEMU process of dom holds, 0 unknown: its PSS
 * (Proportional Set Size: each page it shares with other processes, such
 * as a template's pages shared by its clones, counted as its share), read
 * from /proc; else (another libvirt URI) its RSS as libvirt reads it,
 * which counts shared pages whole.
 */
uint64_t
vmp_dom_host_kb(virDomainPtr dom)
{
    virDomainMemoryStatStruct  st[VIR_DOMAIN_MEMORY_STAT_NR];
    char                       path[512], line[256];
    unsigned long long         kb = 0;
    long                       pid = 0;
    FILE                      *f;
    int                        n, i;

    snprintf(path, sizeof(path), "%s/%s.pid", VMP_LIBVIRT_RUN,
        virDomainGetName(dom));
    f = fopen(path, "re");
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1) {
            pid = 0;
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
    f = pid > 0 ? fopen(path, "re") : NULL;
    if (f != NULL) {
        while (fgets(line, sizeof(line), f) != NULL) {
            if (sscanf(line, "Pss: %llu kB", &kb) == 1) {
                break;
            }
        }
        fclose(f);
        if (kb != 0) {
            return kb;
        }
    }
    n = virDomainMemoryStats(dom, st, VIR_DOMAIN_MEMORY_STAT_NR, 0);
    for (i = 0; i < n; i++) {
        if (st[i].tag == VIR_DOMAIN_MEMORY_STAT_RSS) {
            return st[i].val;
        }
    }
    return 0;
}


/* Under the lock: whether the memory budget has room for one more guest. */
bool
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
void
vmp_measure(vmp_pool_t *pool)
{
    enum { MAX = 256 };
    struct { unsigned id; virDomainPtr dom; uint64_t kb; } m[MAX];
    vmp_vm_t  *vm;
    unsigned   n = 0, i;

    if (pool->cfg.memory_budget_mb == 0) {
        return;
    }
    for (vm = pool->set.head; vm != NULL && n < MAX; vm = vm->next) {
        if (vm->state == VMP_DEAD || vm->state == VMP_BOOTING
            || vm->dom == NULL || virDomainRef(vm->dom) < 0)
        {
            continue;
        }
        m[n].id = vm->id;
        m[n++].dom = vm->dom;
    }
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < n; i++) {
        m[i].kb = vmp_dom_host_kb(m[i].dom);
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
int
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
        if (!hello) {
            break;
        }
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
        if (poll(&pfd, 1, left > 250 ? 250 : (int) left) == 0) {
            continue;
        }
        if (fg_frame_read(vm->fd, &buf, &f, left) < 0) {
            if (errno == ETIMEDOUT) {
                continue;
            }
            vmp_seterr(err, "%s: agent channel: %s (console: %s)", vm->name,
                strerror(errno), log);
            goto cleanup;
        }
        if (f.type == FG_FRAME_HELLO) {
            break;
        }
    }
    vm->boot_ms = (unsigned) (fg_now_ms() - start);
    rc = 0;

cleanup:
    if (rc < 0) {
        vmp_vm_undo(vm);
    }
    fg_buf_free(&buf);
    free(path);
    free(live);
    return rc;
}


/* STATE_DIR/NAME.log, the guest's console log (removed first). */
void
vmp_console_log(vmp_pool_t *pool, const char *name, char *log, size_t size)
{
    snprintf(log, size, "%s/%s.log", pool->cfg.state_dir, name);
    unlink(log);
}


/*
 * Creates the domain for vm as type (kvm or qemu), connects to its agent
 * channel and waits for HELLO.  ram: the file the pool's template keeps
 * its RAM in (vmp_snapshot.c), NULL for any other guest.  Runs without
 * the pool lock: vm is BOOTING and nobody else touches it.
 */
int
vmp_vm_boot(vmp_pool_t *pool, vmp_vm_t *vm, const char *type,
    const char *ram, unsigned timeout_ms, char **err)
{
    char        mem[32], vcpus[32], tb[128], log[4096], *xml = NULL;
    char        disks[4096 + 256], emulator[4096 + 32], env[4096 + 128];
    const char *keys[] = { "NAME", "TYPE", "MEMORY_MB", "VCPUS", "KERNEL",
                           "INITRD", "CONSOLE_LOG", "TCG_FEATURES",
                           "DISKS", "EMULATOR", "MEMORY_BACKING",
                           "INTERFACES", "QEMU_ENV" };
    const char *vals[13];
    char        iface[256];
    uint64_t    start = fg_now_ms();
    virConnectPtr  conn = NULL;
    int         rc = -1;

    snprintf(mem, sizeof(mem), "%u", pool->cfg.vm_memory_mb);
    snprintf(vcpus, sizeof(vcpus), "%u", pool->cfg.vcpus);
    tb[0] = '\0';
    if (strcmp(type, "qemu") == 0 && pool->cfg.tb_cache_mb > 0) {
        snprintf(tb, sizeof(tb), "<tcg><tb-cache unit='MiB'>%u</tb-cache>"
            "</tcg>", pool->cfg.tb_cache_mb);
    }
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
    {
        snprintf(disks, sizeof(disks), "<disk type='file' device='disk'>"
            "<driver name='qemu' type='raw'/><source file='%s'>"
            "<seclabel model='dac' relabel='no'/></source>"
            "<target dev='vda' bus='virtio'/><readonly/></disk>",
            pool->cfg.runtimes);
    }
    vals[8] = disks;
    emulator[0] = '\0';
    if (pool->cfg.emulator[0] != '\0') {
        snprintf(emulator, sizeof(emulator), "<emulator>%s</emulator>",
            pool->cfg.emulator);
    }
    vals[9] = emulator;
    vals[10] = pool->cfg.mem_merge ? ""
               : "<memoryBacking><nosharepages/></memoryBacking>";

    if (vmp_net_tap_make(pool, vm, err) < 0
        || vmp_net_interface_xml(pool, vm, iface, sizeof(iface)) < 0)
    {
        goto cleanup;
    }
    vals[11] = iface;
    env[0] = '\0';
    if (ram != NULL) {
        snprintf(env, sizeof(env), "<qemu:commandline><qemu:env name='%s' "
            "value='%s'/></qemu:commandline>", VMP_TEMPLATE_ENV, ram);
    }
    vals[12] = env;

    xml = vmp_template_expand(pool->tmpl, keys, vals, 13);
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
    /* a booted guest learns its address as a restored one does */
    if (rc == 0 && pool->net_on
        && vmp_vm_sync(pool, vm, start + timeout_ms, err) < 0)
    {
        vmp_vm_undo(vm);
        rc = -1;
    }

cleanup:
    if (conn != NULL) {
        virConnectClose(conn);
    }
    free(xml);
    return rc;
}
