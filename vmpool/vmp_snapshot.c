/*
 * vmp_snapshot: the generic snapshot (the pool's snapshot, below) and
 * libvirt's QEMU save image it is copied in, rewritten for another domain
 * (this part needs no libvirt: t/unit/test_vmp_snapshot.c and fuzz drive
 * it).
 *
 * libvirt restores a save image only under the name and uuid it was saved
 * with (virDomainRestoreFlags refuses an XML that differs in them), so a
 * pool that restores one booted guest many times gives each copy an image
 * of its own: the same QEMU migration stream behind a header whose domain
 * XML names the new guest.  The image, as libvirt's qemu_saveimage writes
 * it (host byte order):
 *
 *   16 bytes "LibvirtQemudSave", uint32 version (2), data_len, was_running,
 *   compressed, cookie_offset, 14 unused uint32s (VMP_SAVE_HEADER bytes);
 *   data_len bytes: the domain XML, NUL, the cookie at cookie_offset
 *   (NUL-terminated), zero padding;
 *   QEMU's migration stream.
 *
 * The rewrite keeps data_len, so the stream stays where it is and only the
 * first VMP_SAVE_HEADER + data_len bytes differ between the copies.
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
#include <libvirt/libvirt-qemu.h>
#include <openssl/evp.h>
#include <libvirt/virterror.h>

#include "fg_sigv4.h"
#include "fg_util.h"
#include "vmpool_priv.h"

#define VMP_SAVE_MAGIC    "LibvirtQemudSave"
#define VMP_SAVE_VERSION  2u

static uint32_t
vmp_u32(const uint8_t *p)
{
    uint32_t  v;

    memcpy(&v, p, sizeof(v));
    return v;
}

size_t
vmp_saveimage_data_len(const uint8_t *head, size_t len)
{
    uint32_t  data_len;

    if (len < VMP_SAVE_HEADER
        || memcmp(head, VMP_SAVE_MAGIC, sizeof(VMP_SAVE_MAGIC) - 1) != 0
        || vmp_u32(head + 16) != VMP_SAVE_VERSION
        || vmp_u32(head + 28) != 0)        /* compressed: not ours */
    {
        return 0;
    }
    data_len = vmp_u32(head + 20);
    return data_len < 2 || data_len > VMP_SAVE_DATA_MAX ? 0 : data_len;
}

/* Appends n bytes to the growing string *s (length *len, room *cap). */
static int
vmp_put(char **s, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t  want = (*len + n + 1) * 2;
        char   *t = realloc(*s, want);

        if (t == NULL) {
            return -1;
        }
        *s = t;
        *cap = want;
    }
    memcpy(*s + *len, p, n);
    *len += n;
    (*s)[*len] = '\0';
    return 0;
}

/*
 * The saved XML with the element <tag>...</tag> (the first one) holding
 * value, each old_log replaced by new_log, and the channels' socket paths
 * dropped.  malloc'd, NULL on failure (no such element, no memory).
 */
static char *
vmp_xml_for(const char *xml, const char *name, const char *uuid,
    const char *old_log, const char *new_log)
{
    static const char   bind[] = "<source mode='bind' path='";
    const char         *p = xml, *n1, *n2, *u1, *u2, *next, *q;
    char               *out = NULL;
    size_t              len = 0, cap = 0, old_len = strlen(old_log);

    n1 = strstr(xml, "<name>");
    n2 = n1 ? strstr(n1, "</name>") : NULL;
    u1 = strstr(xml, "<uuid>");
    u2 = u1 ? strstr(u1, "</uuid>") : NULL;
    if (n2 == NULL || u2 == NULL || old_len == 0) {
        return NULL;
    }
    n1 += sizeof("<name>") - 1;
    u1 += sizeof("<uuid>") - 1;

    while (*p != '\0') {
        /* the nearest of: name, uuid, the log path, a channel source */
        next = NULL;
        if (p <= n1) {
            next = n1;
        }
        if (p <= u1 && (next == NULL || u1 < next)) {
            next = u1;
        }
        q = strstr(p, old_log);
        if (q != NULL && (next == NULL || q < next)) {
            next = q;
        }
        q = strstr(p, bind);
        if (q != NULL && (next == NULL || q < next)) {
            next = q;
        }
        if (next == NULL) {
            if (vmp_put(&out, &len, &cap, p, strlen(p)) != 0) {
                goto fail;
            }
            break;
        }
        if (vmp_put(&out, &len, &cap, p, (size_t) (next - p)) != 0) {
            goto fail;
        }
        if (next == n1) {
            if (vmp_put(&out, &len, &cap, name, strlen(name)) != 0) {
                goto fail;
            }
            p = n2;
        } else if (next == u1) {
            if (vmp_put(&out, &len, &cap, uuid, strlen(uuid)) != 0) {
                goto fail;
            }
            p = u2;
        } else if (strncmp(next, old_log, old_len) == 0) {
            if (vmp_put(&out, &len, &cap, new_log, strlen(new_log)) != 0) {
                goto fail;
            }
            p = next + old_len;
        } else {
            /* <source mode='bind' path='...'/>: libvirt places the new
             * guest's socket itself */
            q = strchr(next + sizeof(bind) - 1, '\'');
            if (q == NULL
                || vmp_put(&out, &len, &cap, "<source mode='bind'",
                           sizeof("<source mode='bind'") - 1) != 0)
            {
                goto fail;
            }
            p = q + 1;
        }
    }
    return out;

fail:
    free(out);
    return NULL;
}

/*
 * The console log the saved XML names: the source path of its first
 * <serial type='file'>, malloc'd, or NULL.  Read from the image itself, so
 * that an image moved to another state_dir or saved under another
 * name_prefix still gets each guest a log of its own.
 */
static char *
vmp_xml_serial_log(const char *xml)
{
    static const char   src[] = "<source path='";
    const char         *p, *end, *close;

    p = strstr(xml, "<serial type='file'>");
    close = p ? strstr(p, "</serial>") : NULL;
    p = p ? strstr(p, src) : NULL;
    if (p == NULL || close == NULL || p > close) {
        return NULL;
    }
    p += sizeof(src) - 1;
    end = strchr(p, '\'');
    if (end == NULL || end == p || end > close) {
        return NULL;
    }
    return strndup(p, (size_t) (end - p));
}


/*
 * xml with the tap of its <interface type='ethernet'> (its <target dev=...
 * managed='no'/>) renamed tap: each guest's tap is named like the guest
 * (vmp_net.c).  malloc'd (a copy when it has none), NULL on ENOMEM.
 */
static char *
vmp_xml_tap(const char *xml, const char *tap)
{
    static const char   dev[] = "<target dev='";
    const char         *i, *t, *q;
    char               *out;

    i = strstr(xml, "<interface type='ethernet'>");
    t = i ? strstr(i, dev) : NULL;
    q = t ? strchr(t + sizeof(dev) - 1, '\'') : NULL;
    if (q == NULL) {
        return strdup(xml);
    }
    t += sizeof(dev) - 1;
    if (asprintf(&out, "%.*s%s%s", (int) (t - xml), xml, tap, q) < 0) {
        return NULL;
    }
    return out;
}


int
vmp_saveimage_rewrite(uint8_t *head, size_t len, const char *name,
    const char *uuid, const char *new_log)
{
    size_t       data_len = vmp_saveimage_data_len(head, len);
    uint8_t     *data = head + VMP_SAVE_HEADER;
    uint32_t     cookie_off, new_off;
    const char  *cookie = "";
    size_t       xml_len, cookie_len = 0;
    char        *xml, *tmp, *old_log;

    if (data_len == 0 || len < VMP_SAVE_HEADER + data_len) {
        return -1;
    }
    xml_len = strnlen((const char *) data, data_len);
    if (xml_len == data_len) {
        return -1;                         /* no NUL: not an XML */
    }
    cookie_off = vmp_u32(head + 32);
    if (cookie_off != 0) {
        if (cookie_off <= xml_len || cookie_off >= data_len) {
            return -1;
        }
        cookie = (const char *) data + cookie_off;
        cookie_len = strnlen(cookie, data_len - cookie_off);
        if (cookie_off + cookie_len == data_len) {
            return -1;
        }
    }

    old_log = vmp_xml_serial_log((const char *) data);
    if (old_log == NULL) {
        return -1;
    }
    tmp = vmp_xml_for((const char *) data, name, uuid, old_log, new_log);
    free(old_log);
    xml = tmp ? vmp_xml_tap(tmp, name) : NULL;
    free(tmp);
    if (xml == NULL) {
        return -1;
    }
    xml_len = strlen(xml);
    if (xml_len + 1 + cookie_len + 1 > data_len) {
        free(xml);
        return -1;
    }

    /* the cookie moves behind the new XML (memmove: they may overlap) */
    new_off = cookie_off != 0 ? (uint32_t) (xml_len + 1) : 0;
    if (cookie_off != 0) {
        memmove(data + new_off, cookie, cookie_len + 1);
    }
    memcpy(data, xml, xml_len + 1);
    free(xml);
    if (cookie_off != 0) {
        memset(data + new_off + cookie_len + 1, 0,
               data_len - (new_off + cookie_len + 1));
    } else {
        memset(data + xml_len + 1, 0, data_len - (xml_len + 1));
    }
    memcpy(head + 32, &new_off, sizeof(new_off));
    return 0;
}


/*
 * The migration stream of a template saved with x-ignore-shared, made
 * loadable by a QEMU that does not have the capability on (libvirt 9.0
 * restores without setting it, and QEMU 7.2 has no option for it).  The
 * capability leaves two traces in QEMU 7.2's stream, both removed here:
 *
 *   the configuration section's subsection "configuration/capabilities"
 *   (right after the machine type's name) listing it, which a loader
 *   without it refuses;
 *   after each RAM block of the "ram" section's setup (its name and
 *   length), the block's guest address (a be64).
 *
 * The stream's pages are untouched: the shared block's were never sent.
 * Anything not as expected (another version, another capability, block
 * lengths that do not add up) is refused rather than guessed at.
 */

#define VMP_QEVM_MAGIC     0x5145564du
#define VMP_QEVM_VERSION   3u
#define VMP_QEVM_CONFIG    0x07
#define VMP_QEVM_START     0x01
#define VMP_RAM_MEM_SIZE   0x04u

static uint64_t
vmp_be(const uint8_t *p, unsigned n)
{
    uint64_t  v = 0;

    while (n-- > 0) {
        v = v << 8 | *p++;
    }
    return v;
}

size_t
vmp_stream_unshare(uint8_t *s, size_t len)
{
    static const uint8_t  caps[] =
        "\x05\x1a" "configuration/capabilities" "\x00\x00\x00\x01"
        "\x00\x00\x00\x01" "\x0f" "x-ignore-shared";
    static const uint8_t  ram[] = "\x03ram\x00\x00\x00\x00\x00\x00\x00\x04";
    size_t                at, name;
    uint64_t              total, blen;

    /* header; configuration: the machine type's name, the capabilities */
    if (len < 13 || vmp_be(s, 4) != VMP_QEVM_MAGIC
        || vmp_be(s + 4, 4) != VMP_QEVM_VERSION || s[8] != VMP_QEVM_CONFIG)
    {
        return 0;
    }
    name = (size_t) vmp_be(s + 9, 4);
    at = 13 + name;
    if (name == 0 || name > 256 || at > len || len - at < sizeof(caps) - 1
        || memcmp(s + at, caps, sizeof(caps) - 1) != 0)
    {
        return 0;
    }
    memmove(s + at, s + at + sizeof(caps) - 1, len - at - (sizeof(caps) - 1));
    len -= sizeof(caps) - 1;

    /* the first section: ram's setup, instance 0, version 4 */
    if (len - at < 5 + sizeof(ram) - 1 + 8 || s[at] != VMP_QEVM_START
        || memcmp(s + at + 5, ram, sizeof(ram) - 1) != 0)
    {
        return 0;
    }
    at += 5 + sizeof(ram) - 1;
    total = vmp_be(s + at, 8);
    if ((total & 0xfffu) != VMP_RAM_MEM_SIZE || total == VMP_RAM_MEM_SIZE) {
        return 0;
    }
    total &= ~(uint64_t) 0xfffu;
    at += 8;

    /* each block: name, length, and the address that goes */
    while (total > 0) {
        if (at >= len || s[at] == 0 || len - at < 1u + s[at] + 16u) {
            return 0;
        }
        at += 1u + s[at];
        blen = vmp_be(s + at, 8);
        if (blen == 0 || blen > total) {
            return 0;
        }
        total -= blen;
        at += 8;
        memmove(s + at, s + at + 8, len - at - 8);
        len -= 8;
    }
    return len;
}


/* ---- the pool's snapshot ---- */

/*
 * With cfg.snapshot the pool boots one guest to its agent's HELLO, saves
 * it (virDomainSaveFlags) as STATE_DIR/snapshot.img, and makes later
 * guests by restoring a copy of that image renamed for each (above)
 * instead of booting them.  The image is kept across restarts while its
 * key (kernel, initrd, template, memory, vcpus, accelerator, TCG cache,
 * libvirt's QEMU, clones) is the same (STATE_DIR/snapshot.key).  A restore
 * that fails falls back to a boot; after three in a row the pool boots
 * only.  While the image is missing or damaged on disk, guests boot (that
 * counts as no failure).  Restored guests are told the time and given
 * fresh entropy by the caller (they all share the saved guest's clock
 * and random state).
 *
 * With cfg.snapshot_clones (and fngate-qemu as the emulator) that guest is
 * a template: its RAM lives in a file, VMP_TEMPLATE_DIR/PREFIX-template-
 * HASH.ram (HASH: of the key), and is left out of the image (the
 * migration capability x-ignore-shared, then vmp_stream_unshare), so the
 * image is the devices' state alone, a few hundred KB.  Each guest
 * restored from it maps that file copy-on-write (fngate-qemu): it shares
 * every page it has not written with the other clones, and its QEMU loads
 * in tens of ms instead of reading and writing all guest RAM.  The file is
 * never written once made (a new key gets a new name; a stale file is
 * only removed by the next pool of the prefix, when no clone maps it); it
 * holds no account's code or data: the template is the generic guest
 * before any call.  Should the template fail, the snapshot is a full image
 * as without clones.  STATE_DIR/snapshot.key's second line names the
 * file (its inode, size and sha256, checked when the pool starts: a file
 * that changed makes a new template) or is "ram=" for a full image.
 */

#define VMP_SNAP_FAILURES  3

char *
vmp_snap_key(vmp_pool_t *pool)
{
    struct stat     k, i, d;
    unsigned long   qemu = 0;
    char            th[65], *key;
    virConnectPtr   conn;

    if (stat(pool->cfg.kernel, &k) < 0 || stat(pool->cfg.initrd, &i) < 0) {
        return NULL;
    }
    /* the runtime disk is in the saved guest's XML (and its page cache) */
    if (pool->cfg.runtimes[0] == '\0' || stat(pool->cfg.runtimes, &d) < 0) {
        memset(&d, 0, sizeof(d));
    }
    conn = vmp_conn_get(pool);
    if (conn != NULL) {
        virConnectGetVersion(conn, &qemu);
        virConnectClose(conn);
    }
    fg_sha256_hex(pool->tmpl, strlen(pool->tmpl), th);
    if (asprintf(&key, "kernel=%s:%lld:%lld initrd=%s:%lld:%lld "
            "runtimes=%s:%lld:%lld template=%s memory=%u vcpus=%u type=%s "
            "tb=%u qemu=%lu emulator=%s merge=%u net=%s clones=%u",
            pool->cfg.kernel, (long long) k.st_size, (long long) k.st_mtime,
            pool->cfg.initrd, (long long) i.st_size, (long long) i.st_mtime,
            pool->cfg.runtimes, (long long) d.st_size,
            (long long) d.st_mtime, th, pool->cfg.vm_memory_mb,
            pool->cfg.vcpus, pool->type, pool->cfg.tb_cache_mb, qemu,
            pool->cfg.emulator, pool->cfg.mem_merge,
            pool->net_on ? "tap" : "none", pool->cfg.snapshot_clones) < 0)
    {
        return NULL;
    }
    return key;
}


/* Whether path holds an image whose header libvirt would restore. */
bool
vmp_snap_valid(const char *path)
{
    uint8_t  head[VMP_SAVE_HEADER];
    int      fd = open(path, O_RDONLY | O_CLOEXEC);
    bool     ok;

    if (fd < 0) {
        return false;
    }
    ok = read(fd, head, sizeof(head)) == (ssize_t) sizeof(head)
         && vmp_saveimage_data_len(head, sizeof(head)) > 0;
    close(fd);
    return ok;
}


/*
 * "ram=PATH ino=N size=N" of the template's RAM file (and with sum
 * " sha256=HEX" of its contents: a second or two), "ram=" for none; -1
 * when ram names a file that is not there or can not be read.
 */
static int
vmp_snap_ram_ident(const char *ram, bool sum, char *out, size_t size)
{
    enum { BUF = 1 << 20 };
    uint8_t        *buf = NULL;
    unsigned char   md[EVP_MAX_MD_SIZE];
    unsigned int    mdlen = 0;
    struct stat     st;
    EVP_MD_CTX     *ctx;
    ssize_t         n;
    int             fd, w;
    char            hex[2 * EVP_MAX_MD_SIZE + 1];

    if (ram[0] == '\0') {
        snprintf(out, size, "ram=");
        return 0;
    }
    if (lstat(ram, &st) < 0 || !S_ISREG(st.st_mode)) {
        return -1;
    }
    w = snprintf(out, size, "ram=%s ino=%llu size=%lld", ram,
            (unsigned long long) st.st_ino, (long long) st.st_size);
    if (w < 0 || (size_t) w + sizeof(" sha256=") + 2 * EVP_MAX_MD_SIZE
                 > size)
    {
        return -1;
    }
    if (!sum) {
        return 0;
    }
    fd = open(ram, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ctx = EVP_MD_CTX_new();
    buf = malloc(BUF);
    if (fd < 0 || ctx == NULL || buf == NULL
        || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
    {
        goto fail;
    }
    while ((n = read(fd, buf, BUF)) > 0) {
        if (EVP_DigestUpdate(ctx, buf, (size_t) n) != 1) {
            goto fail;
        }
    }
    if (n < 0 || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
        goto fail;
    }
    fg_hex_encode(md, mdlen, hex);
    snprintf(out + w, size - (size_t) w, " sha256=%s", hex);
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    return 0;

fail:
    EVP_MD_CTX_free(ctx);
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}


/* Whether the pool's snapshot is there, and its template's RAM file the
 * one it was made with (by name, inode and size: cheap enough for each
 * restore; its contents are summed when the pool starts). */
bool
vmp_snap_ready(vmp_pool_t *pool)
{
    char    ident[4200];
    size_t  n;

    if (!vmp_snap_valid(pool->snap_path)
        || vmp_snap_ram_ident(pool->snap_ram, false, ident, sizeof(ident))
           < 0)
    {
        return false;
    }
    n = strlen(ident);
    return strncmp(ident, pool->snap_ident, n) == 0
           && (pool->snap_ident[n] == '\0' || pool->snap_ident[n] == ' ');
}


/* Removes PREFIX-template-*.ram of VMP_TEMPLATE_DIR but keep (a path or
 * ""): no guest of this prefix maps them any more. */
static void
vmp_snap_ram_reap(vmp_pool_t *pool, const char *keep)
{
    char            pfx[128], path[4200];
    DIR            *d = opendir(VMP_TEMPLATE_DIR);
    struct dirent  *e;
    size_t          n;

    if (d == NULL) {
        return;
    }
    n = (size_t) snprintf(pfx, sizeof(pfx), "%s-template-",
        pool->cfg.name_prefix);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, pfx, n) != 0
            || strcmp(e->d_name + strlen(e->d_name) - 4, ".ram") != 0)
        {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", VMP_TEMPLATE_DIR, e->d_name);
        if (strcmp(path, keep) != 0 && unlink(path) == 0) {
            vmp_log("snapshot: removed the old template RAM %s", path);
        }
    }
    closedir(d);
}


/*
 * The image's migration stream (behind libvirt's header and XML) made
 * loadable without x-ignore-shared (vmp_stream_unshare): path rewritten
 * through path.unshare.  0, or -1 (said in err).
 */
static int
vmp_saveimage_unshare(const char *path, char **err)
{
    enum { MAX = 64 * 1024 * 1024 };   /* a template's is ~0.5 MB */
    uint8_t      *all = NULL;
    char          tmp[4300];
    struct stat   st;
    size_t        data_len, n;
    int           fd, out, rc = -1;
    bool          ok = false;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > MAX
        || st.st_size < (off_t) VMP_SAVE_HEADER
        || (all = malloc((size_t) st.st_size)) == NULL
        || read(fd, all, (size_t) st.st_size) != (ssize_t) st.st_size)
    {
        vmp_seterr(err, "%s: unreadable, or larger than a template's",
            path);
        goto done;
    }
    data_len = vmp_saveimage_data_len(all, (size_t) st.st_size);
    if (data_len == 0 || VMP_SAVE_HEADER + data_len >= (size_t) st.st_size
        || (n = vmp_stream_unshare(all + VMP_SAVE_HEADER + data_len,
                (size_t) st.st_size - VMP_SAVE_HEADER - data_len)) == 0)
    {
        vmp_seterr(err, "%s: not a QEMU 7.2 stream saved with "
            "x-ignore-shared as expected", path);
        goto done;
    }
    snprintf(tmp, sizeof(tmp), "%s.unshare", path);
    unlink(tmp);
    out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    n += VMP_SAVE_HEADER + data_len;
    if (out >= 0) {
        ok = write(out, all, n) == (ssize_t) n;
        ok = close(out) == 0 && ok;
    }
    if (!ok || rename(tmp, path) < 0) {
        vmp_seterr(err, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto done;
    }
    rc = 0;

done:
    if (fd >= 0) {
        close(fd);
    }
    free(all);
    return rc;
}


/*
 * Boots the snapshot's guest (the template, its RAM in ram, or NULL for a
 * full image) and saves it as the pool's snapshot with key.  0, or -1
 * (said in err; no image is left).
 */
static int
vmp_snap_make(vmp_pool_t *pool, const char *key, const char *ram,
    char **err)
{
    static const char  caps[] = "{\"execute\":\"migrate-set-capabilities\","
        "\"arguments\":{\"capabilities\":[{\"capability\":"
        "\"x-ignore-shared\",\"state\":true}]}}";
    char         keypath[4200], tmp[4200], ident[4200], *reply = NULL;
    vmp_vm_t    *vm;
    struct stat  st;
    uint64_t     t0 = fg_now_ms();
    FILE        *f;
    bool         ok;
    int          rc = -1;

    vm = calloc(1, sizeof(vmp_vm_t));
    if (vm == NULL) {
        vmp_seterr(err, "out of memory");
        return -1;
    }
    vm->fd = -1;
    snprintf(vm->name, sizeof(vm->name), "%s-snap", pool->cfg.name_prefix);
    snprintf(tmp, sizeof(tmp), "%s.tmp", pool->snap_path);
    snprintf(keypath, sizeof(keypath), "%s/snapshot.key",
        pool->cfg.state_dir);
    unlink(tmp);
    if (ram != NULL) {
        unlink(ram);
    }
    if (vmp_vm_boot(pool, vm, pool->type, ram, pool->cfg.boot_timeout_ms,
            err) < 0)
    {
        goto done;
    }
    if (ram != NULL) {
        /* the guest's RAM must be the file (fngate-qemu maps it), else
         * the clones would map an empty one */
        if (lstat(ram, &st) < 0 || st.st_blocks == 0) {
            vmp_seterr(err, "%s: its RAM is not in %s (emulator %s)",
                vm->name, ram, pool->cfg.emulator);
            goto done;
        }
        if (virDomainQemuMonitorCommand(vm->dom, caps, &reply, 0) < 0
            || reply == NULL || strstr(reply, "\"error\"") != NULL)
        {
            vmp_seterr(err, "%s: x-ignore-shared: %s", vm->name,
                reply ? reply : vmp_virt_error());
            goto done;
        }
    }
    /* saved with its host connected: every copy wakes up talking */
    if (virDomainSaveFlags(vm->dom, tmp, NULL, VIR_DOMAIN_SAVE_RUNNING) < 0)
    {
        vmp_seterr(err, "save %s: %s", vm->name, vmp_virt_error());
        goto done;
    }
    virDomainFree(vm->dom);        /* saved: the domain is gone */
    vm->dom = NULL;
    if (ram != NULL && vmp_saveimage_unshare(tmp, err) < 0) {
        goto done;
    }
    if (!vmp_snap_valid(tmp) || stat(tmp, &st) < 0
        || vmp_snap_ram_ident(ram ? ram : "", true, ident, sizeof(ident))
           < 0
        || rename(tmp, pool->snap_path) < 0)
    {
        vmp_seterr(err, "%s is not an image libvirt restores", tmp);
        goto done;
    }
    f = fopen(keypath, "we");
    ok = f != NULL && fprintf(f, "%s\n%s\n", key, ident) > 0;
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    if (!ok) {
        vmp_log("snapshot: %s: %s (the image is made again at the next "
            "start)", keypath, strerror(errno));
    }
    snprintf(pool->snap_ram, sizeof(pool->snap_ram), "%s", ram ? ram : "");
    snprintf(pool->snap_ident, sizeof(pool->snap_ident), "%s", ident);
    vmp_log("snapshot: %s made in %llu ms (boot %u ms), %lld KB, %s",
        pool->snap_path, (unsigned long long) (fg_now_ms() - t0),
        vm->boot_ms, (long long) (st.st_size / 1024),
        ram ? "a template: guests are clones of its RAM" : "a full image");
    rc = 0;

done:
    free(reply);
    unlink(tmp);
    vmp_vm_destroy(pool, vm);
    return rc;
}


/* Makes (or finds, by its key) the pool's snapshot; sets snap_ok. */
void
vmp_snap_prepare(vmp_pool_t *pool)
{
    char   keypath[4200], ram[4096], h[65], line[4096], ident[4200];
    char  *key, *err = NULL;
    FILE  *f;

    snprintf(pool->snap_path, sizeof(pool->snap_path), "%s/snapshot.img",
        pool->cfg.state_dir);
    snprintf(keypath, sizeof(keypath), "%s/snapshot.key",
        pool->cfg.state_dir);
    key = vmp_snap_key(pool);
    if (key == NULL) {
        vmp_log("snapshot: no key (kernel or initrd unreadable); booting");
        return;
    }
    fg_sha256_hex(key, strlen(key), h);
    snprintf(ram, sizeof(ram), "%s/%s-template-%.16s.ram", VMP_TEMPLATE_DIR,
        pool->cfg.name_prefix, h);

    /* made earlier: the key, then the RAM file it was made with */
    f = fopen(keypath, "re");
    if (f != NULL) {
        if (fgets(line, sizeof(line), f) != NULL
            && (line[strcspn(line, "\n")] = '\0', strcmp(line, key) == 0)
            && fgets(ident, sizeof(ident), f) != NULL)
        {
            ident[strcspn(ident, "\n")] = '\0';
            /* the file it names: this pool's, or (its snapshot copied from
             * another pool's state, as the tests' own fngateds do) that
             * pool's, which this one then shares */
            snprintf(pool->snap_ram, sizeof(pool->snap_ram), "%.*s",
                (int) strcspn(ident + 4, " "), ident + 4);
            snprintf(pool->snap_ident, sizeof(pool->snap_ident), "%s",
                ident);
            /* a full image made for want of a template: try again; a
             * template whose RAM is no longer what was saved (a guest
             * that escaped into its QEMU could write it): made again */
            if (vmp_snap_ready(pool)
                && (pool->snap_ram[0] != '\0' || !pool->cfg.snapshot_clones)
                && vmp_snap_ram_ident(pool->snap_ram, true, line,
                       sizeof(line)) == 0
                && strcmp(line, ident) == 0)
            {
                fclose(f);
                free(key);
                pool->snap_ok = true;
                vmp_snap_ram_reap(pool, pool->snap_ram);
                vmp_log("snapshot: %s (made earlier)%s%s", pool->snap_path,
                    pool->snap_ram[0] ? ", template RAM " : "",
                    pool->snap_ram);
                return;
            }
        }
        fclose(f);
    }
    unlink(keypath);
    unlink(pool->snap_path);
    vmp_snap_ram_reap(pool, "");
    pool->snap_ram[0] = '\0';

    if (pool->cfg.snapshot_clones && pool->cfg.emulator[0] != '\0') {
        if (vmp_snap_make(pool, key, ram, &err) == 0) {
            pool->snap_ok = true;
            goto done;
        }
        unlink(ram);
        if (__atomic_load_n(&pool->stop, __ATOMIC_RELAXED)) {
            goto done;                 /* not worth a full image now */
        }
        vmp_log("snapshot: no template (%s); a full image instead",
            err ? err : "?");
        free(err);
        err = NULL;
    }
    if (pool->cfg.snapshot_clones && pool->cfg.emulator[0] == '\0') {
        vmp_log("snapshot: no template without fngate-qemu as the "
            "emulator; a full image instead");
    }
    if (vmp_snap_make(pool, key, NULL, &err) == 0) {
        pool->snap_ok = true;
    } else {
        vmp_log("snapshot: %s; booting", err ? err : "?");
    }

done:
    free(err);
    free(key);
}


/* A 36-character uuid v4 from the kernel's random bytes. */
static int
vmp_uuid(char out[37])
{
    uint8_t  r[16];

    if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r)) {
        return -1;
    }
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
    if (rc < 0 && out >= 0) {
        unlink(path);
    }
    if (out >= 0) {
        close(out);
    }
    if (in >= 0) {
        close(in);
    }
    free(all);
    return rc;
}


/* Tells a restored guest's agent the time and gives it fresh entropy
 * (FG_FRAME_SYNC), waiting for its answer until deadline (monotonic ms). */
int
vmp_vm_sync(vmp_pool_t *pool, vmp_vm_t *vm, uint64_t deadline, char **err)
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
        || vmp_net_sync_fields(pool, vm, &req) < 0
        || fg_frame_end(&req) < 0)
    {
        vmp_seterr(err, "%s: no entropy or memory for SYNC", vm->name);
        goto done;
    }
    if (vmp_vm_call(vm, &req, &buf, &resp,
            deadline > now ? (unsigned) (deadline - now) : 1, err) < 0)
    {
        goto done;
    }
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


/*
 * Makes vm's domain by restoring the image src (the pool's snapshot, or
 * a function snapshot) under vm's name.  paused: the domain is left
 * paused, its channel connected, for vmp_vm_wake (it costs no CPU and
 * less host memory until then); else it runs and is told the time.
 */
int
vmp_vm_restore(vmp_pool_t *pool, vmp_vm_t *vm, const char *src,
    bool paused, unsigned timeout_ms, char **err)
{
    char           img[4200], log[4096];
    uint64_t       start = fg_now_ms();
    virConnectPtr  conn = NULL;
    int            rc = -1;

    vmp_console_log(pool, vm->name, log, sizeof(log));
    if (vmp_net_tap_make(pool, vm, err) < 0) {
        return -1;
    }
    snprintf(img, sizeof(img), "%s/%s.img", pool->cfg.state_dir, vm->name);
    if (vmp_snap_copy(pool, vm, src, img, log, err) < 0) {
        return -1;
    }
    conn = vmp_conn_get(pool);
    if (conn == NULL) {
        vmp_seterr(err, "libvirt \"%s\": %s", pool->cfg.uri,
            vmp_virt_error());
        goto done;
    }
    if (virDomainRestoreFlags(conn, img, NULL, paused
            ? VIR_DOMAIN_SAVE_PAUSED : VIR_DOMAIN_SAVE_RUNNING) < 0)
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
    vm->paused = paused;
    /*
     * Whether the restored agent notices the new connection (and says
     * HELLO) depends on when the host connects; its answer to SYNC is the
     * sign of life that does not.
     */
    rc = vmp_vm_attach(pool, vm, start, timeout_ms, false, log, err);
    if (rc == 0 && !paused
        && vmp_vm_sync(pool, vm, start + timeout_ms, err) < 0)
    {
        vmp_vm_undo(vm);
        rc = -1;
    }
    if (rc == 0) {
        vm->boot_ms = (unsigned) (fg_now_ms() - start);
    }

done:
    unlink(img);
    if (conn != NULL) {
        virConnectClose(conn);
    }
    return rc;
}


int
vmp_vm_wake(vmp_pool_t *pool, vmp_vm_t *vm, char **err)
{
    if (virDomainResume(vm->dom) < 0) {
        vmp_seterr(err, "resume %s: %s", vm->name, vmp_virt_error());
        return -1;
    }
    vm->paused = false;
    return vmp_vm_sync(pool, vm, fg_now_ms() + pool->cfg.boot_timeout_ms,
        err);
}


/*
 * A new guest for vm: restored from the snapshot where there is one, else
 * (or when the restore fails) booted.  A generic guest restored from a
 * template (a clone) stays paused until a call takes it (warm_paused).
 */
static int
vmp_vm_make_one(vmp_pool_t *pool, vmp_vm_t *vm, char **err)
{
    char  *rerr = NULL;
    bool   snap, clone;

    pthread_mutex_lock(&pool->lock);
    snap = pool->snap_ok;
    clone = pool->snap_ram[0] != '\0';
    pthread_mutex_unlock(&pool->lock);

    /* an image (or its template RAM) gone or damaged on disk is not the
     * restore's failure: boot until it is back */
    if (snap && !vmp_snap_ready(pool)) {
        vmp_log("%s: snapshot %s%s%s is missing or not what was made; "
            "booting", vm->name, pool->snap_path, clone ? " or " : "",
            pool->snap_ram);
        snap = false;
    }
    if (snap) {
        if (vmp_vm_restore(pool, vm, pool->snap_path,
                clone && vm->account == NULL && pool->cfg.warm_paused,
                pool->cfg.boot_timeout_ms, &rerr) == 0)
        {
            vm->clone = clone;
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
    return vmp_vm_boot(pool, vm, pool->type, NULL, pool->cfg.boot_timeout_ms,
        err);
}


/* The warm-up's handler: what a call's first run takes through the
 * agent (a LOAD, a sandbox, a fork, an exec of the shell). */
#define VMP_WARMUP_SH  "#!/bin/sh\ncat >/dev/null\necho '\"warm\"'\n"

/* The warm-up frame in req (built: its fields were added) sent to vm,
 * its answer's status "ok": 0, or -1 with *err. */
static int
vmp_vm_warm_call(vmp_vm_t *vm, fg_buf_t *req, bool built, fg_buf_t *buf,
    char **err)
{
    fg_frame_t      resp;
    const uint8_t  *st;
    size_t          len = 0;

    if (!built || fg_frame_end(req) < 0) {
        vmp_seterr(err, "%s: warm-up: out of memory", vm->name);
        return -1;
    }
    if (vmp_vm_call(vm, req, buf, &resp, 30000, err) < 0) {
        return -1;
    }
    st = fg_frame_get(&resp, "status", &len);
    if (st == NULL || len != 2 || memcmp(st, "ok", 2) != 0) {
        vmp_seterr(err, "%s: warm-up answered type %u, status %.*s",
            vm->name, resp.type, st ? (int) len : 1,
            st ? (const char *) st : "?");
        return -1;
    }
    return 0;
}


/*
 * A clone made ahead of demand runs a handler once (warm_up): under TCG a
 * clone's QEMU translates the guest's code anew, and the first call's
 * LOAD, sandbox set-up, fork and exec cost it 80-110 ms more than the
 * next's.  The handler is the pool's own, in the guest's first sandbox,
 * which the account's first LOAD replaces like any code (new uid, /tmp
 * emptied).  (Starting a python3.11 runtime too was measured: the
 * refill's warm-up then competed with the call that took the clone,
 * and python cold starts took twice as long; BENCHMARKS.md.)  0, or -1
 * with *err (the guest is not sound).
 */
static int
vmp_vm_warm_up(vmp_vm_t *vm, char **err)
{
    fg_buf_t  req = { 0 }, buf = { 0 };
    bool      built;
    int       rc = -1;

    built = fg_frame_begin(&req, FG_FRAME_LOAD, 0) == 0
            && fg_frame_add_str(&req, "sha256", "warm-up") == 0
            && fg_frame_add_str(&req, "path", "warm") == 0
            && fg_frame_add_str(&req, "mode", "755") == 0
            && fg_frame_add_str(&req, "data", VMP_WARMUP_SH) == 0;
    if (vmp_vm_warm_call(vm, &req, built, &buf, err) == 0) {
        fg_buf_reset(&req);
        built = fg_frame_begin(&req, FG_FRAME_INVOKE, 0) == 0
                && fg_frame_add_str(&req, "request_id", "warm-up") == 0
                && fg_frame_add_str(&req, "handler", "warm") == 0
                && fg_frame_add_str(&req, "event", "{}") == 0
                && fg_frame_add_u64(&req, "timeout_ms", 30000) == 0
                && fg_frame_add_u64(&req, "memory_mb", 128) == 0
                && fg_frame_add_u64(&req, "max_output", 64) == 0;
        rc = vmp_vm_warm_call(vm, &req, built, &buf, err);
    }
    fg_buf_free(&req);
    fg_buf_free(&buf);
    return rc;
}


/*
 * vmp_vm_make_one, with a memory budget the new guest's host memory
 * (also what the next new guest is counted at until it is measured), and
 * a generic clone warmed up (warm_up).
 */
int
vmp_vm_make(vmp_pool_t *pool, vmp_vm_t *vm, char **err)
{
    uint64_t  kb, t0;

    if (vmp_vm_make_one(pool, vm, err) < 0) {
        return -1;
    }
    /* measured as made, as the guests made for a call are (the pool
     * measures them all again as they run) */
    if (pool->cfg.memory_budget_mb != 0
        && (kb = vmp_dom_host_kb(vm->dom)) != 0)
    {
        pthread_mutex_lock(&pool->lock);
        vm->host_kb = kb;
        pool->new_kb = kb;
        pthread_mutex_unlock(&pool->lock);
        vmp_log("%s: holds %llu MiB of host memory (PSS)", vm->name,
            (unsigned long long) (kb / 1024));
    }
    if (pool->cfg.warm_up && vm->clone && !vm->paused && vm->account == NULL)
    {
        t0 = fg_now_ms();
        if (vmp_vm_warm_up(vm, err) < 0) {
            return -1;
        }
        vmp_log("%s: warmed up in %llu ms", vm->name,
            (unsigned long long) (fg_now_ms() - t0));
    }
    return 0;
}
