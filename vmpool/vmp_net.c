/*
 * vmp_net: the guests' network and the host's policy over it
 * (docs/network.md).
 *
 * With cfg.net_subnet set, each guest gets a tap of its own named like the
 * guest (PREFIX-ID), routed point to point: the host's end has the
 * subnet's first address (the gateway, the same on every tap), the guest
 * the address of its slot, given to its agent by SYNC after every boot and
 * restore.  There is no bridge: a guest's frames reach the host's IP stack
 * and nothing else, and the host's nftables table inet fngate_PREFIX
 * decides what they may reach:
 *
 *   - a packet to the gateway is DNATed to 127.0.0.1 (route_localnet on the
 *     tap), so services of the host on loopback are reached at the
 *     gateway's address;
 *   - a new connection from a tap is accepted only when its destination
 *     is outside the guests' subnet and (tap, destination address,
 *     protocol, port) is in the set "allow", which holds each
 *     guest's allow-list, set by fngated before each call of a function
 *     whose list differs from the one the guest has (vmp_vm_set_egress);
 *   - anything else from a tap is dropped, TCP and UDP after counting it
 *     per (tap, destination, protocol, port) in the dynamic set "refused",
 *     which fngated reads and empties after each call
 *     (vmp_vm_egress_refused); IPv6 from a tap is dropped (IPv6 is off on
 *     the taps too); nothing is forwarded to a tap but replies, so no guest
 *     reaches another.
 *
 * Everything here is the pool's own: the taps, their per-device sysctls,
 * the table; made by the pool and removed with it (and at the next start
 * after a crash).  The guest's own routes decide nothing: root in the
 * guest can change them, not the host's rules.
 */

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <nftables/libnftables.h>

#include "fg_netif.h"
#include "vmpool_priv.h"


/* The host's end of every tap: one MAC, so a guest restored from another's
 * image finds the gateway at the MAC it has cached. */
static const unsigned char vmp_net_host_mac[6] =
    { 0xfe, 0x54, 0x00, 0xf9, 0x00, 0x01 };


/* Appends a formatted string to b (without its NUL). */
static int
vmp_net_printf(fg_buf_t *b, const char *fmt, ...)
{
    char     tmp[512];
    va_list  ap;
    int      n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        return -1;
    }
    return fg_buf_append(b, tmp, (size_t) n);
}


/* The table's name: fngate_ and the prefix ([0-9A-Za-z_-], - as _). */
static void
vmp_net_table(const vmp_pool_t *pool, char *out, size_t size)
{
    size_t  i, n;

    n = (size_t) snprintf(out, size, "fngate_%s", pool->cfg.name_prefix);
    for (i = 0; i < n && i < size; i++) {
        if (out[i] == '-') {
            out[i] = '_';
        }
    }
}


/* Runs cmd (nft's language) in one transaction; its error in *err. */
static int
vmp_net_nft(vmp_pool_t *pool, const char *cmd, char **out, char **err)
{
    const char  *o;
    int          rc;

    pthread_mutex_lock(&pool->net_lock);
    rc = nft_run_cmd_from_buffer(pool->nft, cmd);
    if (rc != 0) {
        o = nft_ctx_get_error_buffer(pool->nft);
        vmp_seterr(err, "nft: %s", o != NULL && o[0] ? o : "failed");
    } else if (out != NULL) {
        o = nft_ctx_get_output_buffer(pool->nft);
        *out = strdup(o != NULL ? o : "");
        if (*out == NULL) {
            rc = -1;
            vmp_seterr(err, "out of memory");
        }
    }
    pthread_mutex_unlock(&pool->net_lock);
    return rc == 0 ? 0 : -1;
}


/* Writes v to /proc/sys/net/FAMILY/conf/DEV/KEY. */
static int
vmp_net_sysctl(const char *family, const char *dev, const char *key,
    const char *v)
{
    char  path[256];
    int   fd, rc = -1;

    snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, dev,
        key);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        rc = write(fd, v, strlen(v)) == (ssize_t) strlen(v) ? 0 : -1;
        close(fd);
    }
    return rc;
}


/* Opens the tap name (made if absent); the fd, or -1. */
static int
vmp_net_tun_open(const char *name)
{
    struct ifreq  ifr;
    int           fd;

    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}


/* Removes the persistent tap name (none: nothing to do). */
static void
vmp_net_tap_delete(const char *name)
{
    char  path[128];
    int   fd;

    snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
    if (access(path, F_OK) != 0) {
        return;                          /* none, or not a tap */
    }
    fd = vmp_net_tun_open(name);
    if (fd >= 0) {
        if (ioctl(fd, TUNSETPERSIST, 0) < 0) {
            vmp_log("net: removing tap %s: %s", name, strerror(errno));
        }
        close(fd);
    }
}


/* The dotted address of the subnet's host number n. */
static void
vmp_net_addr(const vmp_pool_t *pool, unsigned n, char *out, size_t size)
{
    struct in_addr  a;

    a.s_addr = htonl(pool->net_base + n);
    inet_ntop(AF_INET, &a, out, (socklen_t) size);
}


int
vmp_net_start(vmp_pool_t *pool, char **err)
{
    char            table[96], gw[16], net[16], *cmd = NULL, *p;
    const char     *prefix = pool->cfg.name_prefix;
    unsigned        bits;
    struct in_addr  a;
    DIR            *d;
    struct dirent  *de;
    size_t          plen = strlen(prefix);
    int             rc = -1, n;

    if (pool->cfg.net_subnet == NULL || pool->cfg.net_subnet[0] == '\0') {
        return 0;
    }
    /* a.b.c.d/N, 16 <= N <= 28 */
    p = strchr(pool->cfg.net_subnet, '/');
    if (p == NULL || p - pool->cfg.net_subnet >= 16) {
        vmp_seterr(err, "net: subnet %s is not A.B.C.D/N",
            pool->cfg.net_subnet);
        return -1;
    }
    snprintf(gw, sizeof(gw), "%.*s", (int) (p - pool->cfg.net_subnet),
        pool->cfg.net_subnet);
    if (inet_pton(AF_INET, gw, &a) != 1 || sscanf(p + 1, "%u", &bits) != 1
        || bits < 16 || bits > 28)
    {
        vmp_seterr(err, "net: subnet %s is not A.B.C.D/N with N from 16 to "
            "28", pool->cfg.net_subnet);
        return -1;
    }
    if (plen + 1 + 5 > IFNAMSIZ - 1) {
        vmp_seterr(err, "net: name_prefix %s is too long for tap names (at "
            "most %u characters with a network)", prefix,
            (unsigned) (IFNAMSIZ - 1 - 6));
        return -1;
    }
    pool->net_base = ntohl(a.s_addr) & ~((1u << (32 - bits)) - 1);
    pool->net_slots = (1u << (32 - bits)) - 3;  /* not net, gw, bcast */
    pool->net_used = calloc(pool->net_slots, 1);
    pool->nft = nft_ctx_new(NFT_CTX_DEFAULT);
    if (pool->net_used == NULL || pool->nft == NULL
        || nft_ctx_buffer_output(pool->nft) != 0
        || nft_ctx_buffer_error(pool->nft) != 0)
    {
        vmp_seterr(err, "net: out of memory");
        return -1;
    }
    pthread_mutex_init(&pool->net_lock, NULL);
    pool->net_on = true;

    /* taps an earlier run of this prefix left */
    d = opendir("/sys/class/net");
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, plen) == 0
            && de->d_name[plen] == '-' && de->d_name[plen + 1] != '\0'
            && strspn(de->d_name + plen + 1, "0123456789")
               == strlen(de->d_name + plen + 1))
        {
            vmp_log("net: removing stale tap %s", de->d_name);
            vmp_net_tap_delete(de->d_name);
        }
    }
    if (d != NULL) {
        closedir(d);
    }

    vmp_net_table(pool, table, sizeof(table));
    vmp_net_addr(pool, 1, gw, sizeof(gw));
    vmp_net_addr(pool, 0, net, sizeof(net));
    n = asprintf(&cmd,
        "table inet %1$s\n"
        "delete table inet %1$s\n"
        "table inet %1$s {\n"
        " set allow { type ifname . ipv4_addr . inet_proto . inet_service;"
        " flags interval; }\n"
        " set refused { type ifname . ipv4_addr . inet_proto . inet_service;"
        " flags dynamic; counter; size 65536; }\n"
        " chain guest {\n"
        "  ct state established,related accept\n"
        "  meta nfproto ipv6 drop\n"
        "  ip daddr != %4$s/%5$u"
        " iifname . ip daddr . meta l4proto . th dport @allow accept\n"
        "  meta l4proto { tcp, udp } add @refused"
        " { iifname . ip daddr . meta l4proto . th dport }\n"
        "  counter drop\n"
        " }\n"
        " chain input { type filter hook input priority filter;"
        " iifname \"%2$s-*\" jump guest; }\n"
        " chain forward { type filter hook forward priority filter;"
        " oifname \"%2$s-*\" ct state established,related accept;"
        " iifname \"%2$s-*\" jump guest; oifname \"%2$s-*\" drop; }\n"
        " chain pre { type nat hook prerouting priority dstnat;"
        " iifname \"%2$s-*\" ip daddr %3$s dnat ip to 127.0.0.1; }\n"
        " chain post { type nat hook postrouting priority srcnat;"
        " iifname \"%2$s-*\" oifname != \"%2$s-*\" ip daddr != 127.0.0.0/8"
        " masquerade; }\n"
        "}\n", table, prefix, gw, net, bits);
    if (n < 0) {
        vmp_seterr(err, "net: out of memory");
        goto done;
    }
    if (vmp_net_nft(pool, cmd, NULL, err) < 0) {
        goto done;
    }
    vmp_log("net: guests on %s, host end %s, policy in nft table inet %s",
        pool->cfg.net_subnet, gw, table);
    rc = 0;

done:
    free(cmd);
    return rc;
}


void
vmp_net_stop(vmp_pool_t *pool)
{
    char  table[96], cmd[256];

    if (!pool->net_on) {
        return;
    }
    vmp_net_table(pool, table, sizeof(table));
    snprintf(cmd, sizeof(cmd), "delete table inet %s\n", table);
    if (vmp_net_nft(pool, cmd, NULL, NULL) < 0) {
        vmp_log("net: could not delete table inet %s", table);
    }
    nft_ctx_free(pool->nft);
    pool->nft = NULL;
    free(pool->net_used);
    pool->net_used = NULL;
    pthread_mutex_destroy(&pool->net_lock);
    pool->net_on = false;
}


int
vmp_net_tap_make(vmp_pool_t *pool, vmp_vm_t *vm, char **err)
{
    struct ifreq         ifr;
    struct in_addr       a, g;
    char                 gw[16];
    unsigned             i;
    int                  fd = -1, s = -1, rc = -1;

    if (!pool->net_on || vm->tap[0] != '\0') {
        return 0;
    }
    if (strlen(vm->name) >= sizeof(vm->tap)) {
        vmp_seterr(err, "net: %s is too long for a tap name", vm->name);
        return -1;
    }
    pthread_mutex_lock(&pool->net_lock);
    for (i = 0; i < pool->net_slots && pool->net_used[i]; i++) { }
    if (i < pool->net_slots) {
        pool->net_used[i] = 1;
    }
    pthread_mutex_unlock(&pool->net_lock);
    if (i == pool->net_slots) {
        vmp_seterr(err, "net: no address left in %s", pool->cfg.net_subnet);
        return -1;
    }
    vm->net_slot = i + 1;
    vmp_net_addr(pool, 2 + i, vm->net_addr, sizeof(vm->net_addr));
    vmp_net_addr(pool, 1, gw, sizeof(gw));
    memcpy(vm->tap, vm->name, strlen(vm->name) + 1);

    vmp_net_tap_delete(vm->tap);
    fd = vmp_net_tun_open(vm->tap);
    if (fd < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
        vmp_seterr(err, "net: tap %s: %s", vm->tap, strerror(errno));
        goto done;
    }
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", vm->tap);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, vmp_net_host_mac, 6);
    if (s < 0 || ioctl(s, SIOCSIFHWADDR, &ifr) < 0) {
        vmp_seterr(err, "net: tap %s mac: %s", vm->tap, strerror(errno));
        goto done;
    }
    /* before it has addresses: no IPv6, loopback destinations after the
     * DNAT, strict reverse path (a guest can not speak for another) */
    if (vmp_net_sysctl("ipv6", vm->tap, "disable_ipv6", "1") < 0
        || vmp_net_sysctl("ipv4", vm->tap, "route_localnet", "1") < 0
        || vmp_net_sysctl("ipv4", vm->tap, "rp_filter", "1") < 0
        || vmp_net_sysctl("ipv4", vm->tap, "forwarding", "1") < 0)
    {
        vmp_seterr(err, "net: tap %s sysctls: %s", vm->tap,
            strerror(errno));
        goto done;
    }
    inet_pton(AF_INET, gw, &g);
    inet_pton(AF_INET, vm->net_addr, &a);
    if (fg_netif_up(vm->tap, g.s_addr) < 0
        || fg_netif_route(vm->tap, a.s_addr, 0) < 0)
    {
        vmp_seterr(err, "net: tap %s: %s", vm->tap, strerror(errno));
        goto done;
    }
    rc = 0;

done:
    if (fd >= 0) {
        close(fd);
    }
    if (s >= 0) {
        close(s);
    }
    if (rc < 0) {
        vmp_net_tap_remove(pool, vm);
    }
    return rc;
}


/* Deletes vm's elements of set (its tap's) from the table. */
static void
vmp_net_forget(vmp_pool_t *pool, vmp_vm_t *vm)
{
    char  table[96], *cmd = NULL;

    vmp_net_table(pool, table, sizeof(table));
    if (vm->egress != NULL && vm->egress[0] != '\0'
        && asprintf(&cmd, "delete element inet %s allow { %s }\n", table,
               vm->egress) >= 0)
    {
        vmp_net_nft(pool, cmd, NULL, NULL);
    }
    free(cmd);
    free(vm->egress);
    vm->egress = NULL;
    free(vm->egress_src);
    vm->egress_src = NULL;
}


void
vmp_net_tap_remove(vmp_pool_t *pool, vmp_vm_t *vm)
{
    char  refused[8];

    if (!pool->net_on || vm->tap[0] == '\0') {
        return;
    }
    vmp_net_forget(pool, vm);
    /* what it tried since its last call (one that failed) goes too */
    vmp_vm_egress_refused(pool, vm, refused, sizeof(refused));
    vmp_net_tap_delete(vm->tap);
    if (vm->net_slot != 0) {
        pthread_mutex_lock(&pool->net_lock);
        pool->net_used[vm->net_slot - 1] = 0;
        pthread_mutex_unlock(&pool->net_lock);
    }
    vm->tap[0] = '\0';
    vm->net_slot = 0;
}


int
vmp_net_sync_fields(vmp_pool_t *pool, vmp_vm_t *vm, fg_buf_t *req)
{
    char  gw[16];

    if (!pool->net_on || vm->tap[0] == '\0') {
        return 0;
    }
    vmp_net_addr(pool, 1, gw, sizeof(gw));
    return fg_frame_add(req, "net_addr", vm->net_addr, strlen(vm->net_addr))
           < 0 || fg_frame_add(req, "net_gw", gw, strlen(gw)) < 0 ? -1 : 0;
}


int
vmp_net_interface_xml(const vmp_pool_t *pool, const vmp_vm_t *vm, char *out,
    size_t size)
{
    if (!pool->net_on || vm->tap[0] == '\0') {
        out[0] = '\0';
        return 0;
    }
    return snprintf(out, size, "<interface type='ethernet'>"
        "<mac address='52:54:00:f9:00:02'/>"
        "<target dev='%s' managed='no'/><model type='virtio'/>"
        "</interface>", vm->tap) < (int) size ? 0 : -1;
}


/*
 * One element of the allow set for tap from an entry "A.B.C.D/N PROTO
 * PORT[-PORT]" of an allow-list (fngated has checked it; the characters
 * are checked again here, as it goes into nft's language).
 */
static int
vmp_net_element(const char *tap, const char *entry, size_t n, fg_buf_t *b)
{
    char  e[64], addr[32], proto[8], ports[16];

    if (n == 0 || n >= sizeof(e)
        || strspn(entry, "0123456789./-abcdeilnoprtuv ") < n)
    {
        return -1;
    }
    memcpy(e, entry, n);
    e[n] = '\0';
    if (sscanf(e, "%31s %7s %15s", addr, proto, ports) != 3
        || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
    {
        return -1;
    }
    return vmp_net_printf(b, "%s\"%s\" . %s . %s . %s", b->len ? ", " : "",
        tap, addr, proto, ports);
}


int
vmp_vm_set_egress(vmp_pool_t *pool, vmp_vm_t *vm, const char *allow,
    char **err)
{
    char         table[96];
    const char  *p, *q;
    fg_buf_t     el = { 0 }, cmd = { 0 };
    int          rc = -1;

    if (!pool->net_on || vm->tap[0] == '\0') {
        return 0;
    }
    if (allow == NULL) {
        allow = "";
    }
    if (vm->egress_src != NULL && strcmp(vm->egress_src, allow) == 0) {
        return 0;                       /* the guest has it already */
    }
    for (p = allow; *p != '\0'; p = *q ? q + 1 : q) {
        q = strchr(p, ',');
        if (q == NULL) {
            q = p + strlen(p);
        }
        if (vmp_net_element(vm->tap, p, (size_t) (q - p), &el) < 0) {
            vmp_seterr(err, "net: bad allow-list entry %.*s", (int) (q - p),
                p);
            goto done;
        }
    }
    /* the old elements out and the new in, one transaction: when it
     * fails the guest keeps what it had */
    vmp_net_table(pool, table, sizeof(table));
    if ((vm->egress != NULL && vm->egress[0] != '\0'
         && (vmp_net_printf(&cmd, "delete element inet %s allow { ", table)
                < 0
             || fg_buf_append(&cmd, vm->egress, strlen(vm->egress)) < 0
             || fg_buf_append(&cmd, " }\n", 3) < 0))
        || (el.len > 0
            && (vmp_net_printf(&cmd, "add element inet %s allow { ", table)
                   < 0
                || fg_buf_append(&cmd, el.data, el.len) < 0
                || fg_buf_append(&cmd, " }\n", 3) < 0))
        || fg_buf_append(&cmd, "", 1) < 0)
    {
        vmp_seterr(err, "out of memory");
        goto done;
    }
    if (cmd.len > 1 && vmp_net_nft(pool, (const char *) cmd.data, NULL, err)
                       < 0)
    {
        goto done;
    }
    free(vm->egress);
    free(vm->egress_src);
    vm->egress = strndup(el.len ? (const char *) el.data : "", el.len);
    vm->egress_src = strdup(allow);
    if (vm->egress == NULL || vm->egress_src == NULL) {
        vmp_seterr(err, "out of memory");
        goto done;
    }
    rc = 0;

done:
    fg_buf_free(&cmd);
    fg_buf_free(&el);
    return rc;
}


int
vmp_vm_egress_refused(vmp_pool_t *pool, vmp_vm_t *vm, char *out,
    size_t size)
{
    char         table[96], cmd[192], *list = NULL, *del = NULL;
    char         quoted[24];
    const char  *p, *e;
    fg_buf_t     keys = { 0 };
    unsigned     total = 0;
    size_t       used = 0;

    out[0] = '\0';
    if (!pool->net_on || vm->tap[0] == '\0') {
        return 0;
    }
    vmp_net_table(pool, table, sizeof(table));
    snprintf(cmd, sizeof(cmd), "list set inet %s refused\n", table);
    if (vmp_net_nft(pool, cmd, &list, NULL) < 0) {
        return -1;
    }
    /* elements: "TAP" . A.B.C.D . tcp . PORT counter packets N bytes M */
    snprintf(quoted, sizeof(quoted), "\"%s\" . ", vm->tap);
    for (p = strstr(list, quoted); p != NULL; p = strstr(e, quoted)) {
        char      addr[16], proto[8];
        unsigned  port, packets;

        e = p + strlen(quoted);
        if (sscanf(e, "%15[0-9.] . %7[a-z] . %u counter packets %u", addr,
                proto, &port, &packets) != 4)
        {
            continue;
        }
        total += packets;
        if (used < size) {
            used += (size_t) snprintf(out + used, size - used, "%s%s %s:%u "
                "(%u)", used ? ", " : "", proto, addr, port, packets);
        }
        vmp_net_printf(&keys, "%s%s%s . %s . %u", keys.len ? ", " : "",
            quoted, addr, proto, port);
    }
    if (keys.len > 0 && asprintf(&del, "delete element inet %s refused "
            "{ %.*s }\n", table, (int) keys.len, (const char *) keys.data) >= 0)
    {
        vmp_net_nft(pool, del, NULL, NULL);
    }
    free(del);
    free(list);
    fg_buf_free(&keys);
    return (int) total;
}
