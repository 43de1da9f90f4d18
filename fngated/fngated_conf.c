/*
 * fngated_conf: `key = value` configuration (conf/fngated.conf documents
 * every key with the default set here).  An unknown key, a key given
 * twice or a bad value is an error: fngated refuses to start.  `-o
 * key=value` on the command line (fgd_conf_override) goes through the
 * same key parser (fgd_conf_set) and wins over the file: the file's line
 * of that key is skipped.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_cluster.h"
#include "fg_egress.h"
#include "fg_route.h"
#include "fngated_conf.h"
#include "fngated_limits.h"

typedef enum { FGD_STR, FGD_UINT, FGD_SIZE } fgd_conf_type_t;

typedef struct {
    const char       *key;
    fgd_conf_type_t   type;
    size_t            offset;      /* in fgd_conf_t */
    unsigned long     min, max;    /* numbers */
    int             (*check)(const char *v);   /* strings */
} fgd_conf_key_t;

static int
fgd_check_listen(const char *v)
{
    const char *colon;
    char       *end;
    long        port;

    if (strncmp(v, "unix:", 5) == 0) {
        return (v[5] == '/' && strlen(v + 5) < 108) ? 0 : -1;
    }
    colon = strrchr(v, ':');
    if (colon == NULL || colon == v) {
        return -1;
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || colon[1] == '\0' || port < 1
        || port > 65535)
    {
        return -1;
    }
    return 0;
}

static int
fgd_check_redis(const char *v)
{
    fg_redis_conf_t  *rc;
    char              err[256];
    int               ok;

    rc = malloc(sizeof(*rc));
    if (rc == NULL) {
        return -1;
    }
    ok = fg_redis_conf_parse(v, strlen(v), rc, err, sizeof(err));
    free(rc);
    return ok;
}

static int
fgd_check_accel(const char *v)
{
    return (strcmp(v, "auto") == 0 || strcmp(v, "kvm") == 0
            || strcmp(v, "tcg") == 0) ? 0 : -1;
}

static int
fgd_check_region(const char *v)
{
    return fg_region_valid(v, strlen(v)) ? 0 : -1;
}

static int
fgd_check_path(const char *v)
{
    return v[0] == '/' ? 0 : -1;
}

/* An absolute path, or "" for none. */
static int
fgd_check_path_or_none(const char *v)
{
    return v[0] == '\0' || v[0] == '/' ? 0 : -1;
}

static int
fgd_check_prefix(const char *v)
{
    size_t i, n = strlen(v);

    if (n == 0 || n > 32) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!(isalnum((unsigned char) v[i]) || v[i] == '-' || v[i] == '_')) {
            return -1;
        }
    }
    return 0;
}

/* a list checked once the file is read (fgd_conf_egress), or "" */
static int
fgd_check_list(const char *v)
{
    return 0;
}

/* network: none, deny, loopback or a list of destinations */
static int
fgd_check_network(const char *v)
{
    const char  *p, *why;
    fg_egress_t  e;
    size_t       n;

    if (strcmp(v, "none") == 0 || strcmp(v, "deny") == 0
        || strcmp(v, "loopback") == 0)
    {
        return 0;
    }
    for (p = v; *p != '\0'; p += n) {
        p += strspn(p, ", \t");
        n = strcspn(p, ", \t");
        if (n > 0 && fg_egress_parse(p, n, &e, &why) < 0) {
            return -1;
        }
    }
    return v[0] != '\0' ? 0 : -1;
}

/* network_subnet: A.B.C.D/N, N from 16 to 28 */
static int
fgd_check_subnet(const char *v)
{
    fg_egress_t  e;
    const char  *why;
    char         s[40];

    if (strlen(v) > 20 || strchr(v, '/') == NULL) {
        return -1;
    }
    snprintf(s, sizeof(s), "%s:1", v);
    return fg_egress_parse(s, strlen(s), &e, &why) == 0 && e.bits >= 16
           && e.bits <= 28 ? 0 : -1;
}

/* The operator's `network` as entries (loopback: 127.0.0.1, every port,
 * TCP and UDP); *n of them (0 for none and deny). */
static void
fgd_conf_ceiling(const fgd_conf_t *conf, fg_egress_t *c, unsigned max,
    unsigned *n)
{
    const char  *p, *why;
    size_t       len;

    *n = 0;
    if (strcmp(conf->network, "loopback") == 0) {
        fg_egress_parse("127.0.0.1:1-65535", 17, &c[0], &why);
        fg_egress_parse("127.0.0.1:1-65535/udp", 21, &c[1], &why);
        *n = 2;
        return;
    }
    if (strcmp(conf->network, "none") == 0
        || strcmp(conf->network, "deny") == 0)
    {
        return;
    }
    for (p = conf->network; *p != '\0' && *n < max; p += len) {
        p += strspn(p, ", \t");
        len = strcspn(p, ", \t");
        if (len > 0 && fg_egress_parse(p, len, &c[*n], &why) == 0) {
            (*n)++;
        }
    }
}

/* Whether e (TCP) covers the address addr ("HOST:PORT"; HOST an IPv4
 * address, localhost, or 0.0.0.0 for every address). */
static bool
fgd_conf_covers(const fg_egress_t *e, const char *addr)
{
    const char  *colon;
    char         host[64];
    unsigned     a[4];
    long         port;
    uint32_t     ip;

    if (addr == NULL || strncmp(addr, "unix:", 5) == 0
        || (colon = strrchr(addr, ':')) == NULL
        || (size_t) (colon - addr) >= sizeof(host))
    {
        return false;
    }
    snprintf(host, sizeof(host), "%.*s", (int) (colon - addr), addr);
    port = strtol(colon + 1, NULL, 10);
    if (strcmp(host, "localhost") == 0) {
        snprintf(host, sizeof(host), "127.0.0.1");
    }
    if (sscanf(host, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]) != 4
        || a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
    {
        return false;
    }
    ip = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
    return port >= (long) e->lo && port <= (long) e->hi
           && (ip == 0 || fg_egress_overlaps(e, ip, 32));
}

/*
 * Whether e (TCP) names the port of one of fngate's own services that
 * listen on TCP: each address of `redis` (a cluster's seeds), and
 * `listen` when it is HOST:PORT.  No operator policy lets a function
 * reach them; why says which.
 */
static bool
fgd_conf_internal(const fgd_conf_t *conf, const fg_egress_t *e, char *why,
    size_t wsize)
{
    fg_redis_conf_t  *rc;
    char              err[256];
    const char       *hit = NULL, *key = NULL;
    unsigned          i;

    if (e->udp) {
        return false;
    }
    rc = malloc(sizeof(*rc));
    if (rc != NULL && conf->redis != NULL
        && fg_redis_conf_parse(conf->redis, strlen(conf->redis), rc, err,
               sizeof(err)) == 0)
    {
        for (i = 0; i < rc->nseeds && hit == NULL; i++) {
            if (fgd_conf_covers(e, rc->seed[i].addr)) {
                hit = conf->redis;
                key = "redis";
            }
        }
    }
    free(rc);
    if (hit == NULL && fgd_conf_covers(e, conf->listen)) {
        hit = conf->listen;
        key = "listen";
    }
    if (hit == NULL) {
        return false;
    }
    snprintf(why, wsize, "fngate's own %s (%s = %s): no function may reach "
        "it", key[0] == 'r' ? "Redis" : "fngated", key, hit);
    return true;
}

int
fgd_conf_egress(const fgd_conf_t *conf, const char *list, char *out,
    size_t size, char *why, size_t wsize)
{
    fg_egress_t  c[64], e, sub;
    const char  *p, *w;
    unsigned     nc, i;
    size_t       len;
    char         own[192];

    fgd_conf_ceiling(conf, c, 64, &nc);
    snprintf(why, wsize, "%s", "");
    if (out != NULL) {
        out[0] = '\0';
    }
    {
        char  s[40];

        snprintf(s, sizeof(s), "%s:1", conf->network_subnet);
        if (fg_egress_parse(s, strlen(s), &sub, &w) < 0) {
            snprintf(why, wsize, "network_subnet: %s", w);
            return -1;
        }
    }
    for (p = list; *p != '\0'; p += len) {
        p += strspn(p, ", \t");
        len = strcspn(p, ", \t");
        if (len == 0) {
            continue;
        }
        if (fg_egress_parse(p, len, &e, &w) < 0) {
            snprintf(why, wsize, "%.*s: %s", (int) (len > 64 ? 64 : len), p,
                w);
            return -1;
        }
        if (fg_egress_overlaps(&e, sub.net, sub.bits)) {
            snprintf(why, wsize, "%.*s: the guests' own addresses (%s) can "
                "not be allowed", (int) len, p, conf->network_subnet);
            return -1;
        }
        if (fgd_conf_internal(conf, &e, own, sizeof(own))) {
            snprintf(why, wsize, "%.*s is %s", (int) len, p, own);
            return -1;
        }
        for (i = 0; i < nc && !fg_egress_within(&e, &c[i]); i++) { }
        if (i == nc) {
            snprintf(why, wsize, "%.*s is not allowed by the operator's "
                "network policy (%s)", (int) len, p, conf->network);
            return -1;
        }
        if (out != NULL && fg_egress_format(&e, out, size) < 0) {
            snprintf(why, wsize, "too many destinations");
            return -1;
        }
    }
    return 0;
}

static int
fgd_check_any(const char *v)
{
    return v[0] != '\0' ? 0 : -1;
}

#define OFF(f)  offsetof(fgd_conf_t, f)

static const fgd_conf_key_t fgd_conf_keys[] = {
    { "listen",          FGD_STR,  OFF(listen), 0, 0, fgd_check_listen },
    { "redis",           FGD_STR,  OFF(redis), 0, 0, fgd_check_redis },
    { "redis_wait",      FGD_UINT, OFF(redis_wait), 0, 16, NULL },
    { "redis_wait_timeout", FGD_UINT, OFF(redis_wait_ms), 1, 60000, NULL },
    { "redis_retry",     FGD_UINT, OFF(redis_retry_ms), 0, 600000, NULL },
    { "threads",         FGD_UINT, OFF(threads), 1, 1024, NULL },
    { "queue_wait_threads", FGD_UINT, OFF(queue_wait_threads), 0, 1024,
      NULL },
    { "region",          FGD_STR,  OFF(region), 0, 0, fgd_check_region },
    { "libvirt_uri",     FGD_STR,  OFF(libvirt_uri), 0, 0, fgd_check_any },
    { "kernel",          FGD_STR,  OFF(kernel), 0, 0, fgd_check_path },
    { "initrd",          FGD_STR,  OFF(initrd), 0, 0, fgd_check_path },
    { "domain_xml",      FGD_STR,  OFF(domain_xml), 0, 0, fgd_check_path },
    { "state_dir",       FGD_STR,  OFF(state_dir), 0, 0, fgd_check_path },
    { "accel",           FGD_STR,  OFF(accel), 0, 0, fgd_check_accel },
    { "runtimes",        FGD_STR,  OFF(runtimes), 0, 0,
      fgd_check_path_or_none },
    { "emulator",        FGD_STR,  OFF(emulator), 0, 0,
      fgd_check_path_or_none },
    { "name_prefix",     FGD_STR,  OFF(name_prefix), 0, 0,
      fgd_check_prefix },
    { "network",         FGD_STR,  OFF(network), 0, 0, fgd_check_network },
    { "network_default", FGD_STR,  OFF(network_default), 0, 0,
      fgd_check_list },
    { "network_subnet",  FGD_STR,  OFF(network_subnet), 0, 0,
      fgd_check_subnet },
    { "warm",            FGD_UINT, OFF(vm.warm), 0, 256, NULL },
    { "max_vms",         FGD_UINT, OFF(vm.max_vms), 1, 1024, NULL },
    { "max_vms_per_account", FGD_UINT, OFF(vm.max_vms_per_account), 0, 1024,
      NULL },
    { "vm_memory_mb",    FGD_UINT, OFF(vm.vm_memory_mb), 64, 1u << 20,
      NULL },
    { "memory_budget_mb", FGD_UINT, OFF(vm.memory_budget_mb), 0, 1u << 30,
      NULL },
    { "vcpus",           FGD_UINT, OFF(vm.vcpus), 1, 256, NULL },
    { "idle_timeout",    FGD_UINT, OFF(vm.idle_timeout_s), 1, 86400 * 7,
      NULL },
    { "boot_timeout",    FGD_UINT, OFF(vm.boot_timeout_ms), 100,
      3600000, NULL },
    { "acquire_timeout", FGD_UINT, OFF(vm.acquire_timeout_ms), 0,
      3600000, NULL },
    { "suspend_after",   FGD_UINT, OFF(suspend_after_ms), 0, 3600000,
      NULL },
    { "max_code_size",   FGD_SIZE, OFF(max_code_size), 1024,
      64ul * 1024 * 1024, NULL },
    { "max_memory_mb",   FGD_UINT, OFF(max_memory_mb), FGD_MEMORY_MIN,
      10240, NULL },
    { "kvm_probe_timeout", FGD_UINT, OFF(vm.kvm_probe_timeout_ms), 1000,
      600000, NULL },
    { "tb_cache_mb",     FGD_UINT, OFF(vm.tb_cache_mb), 0, 4096, NULL },
    { "snapshot",        FGD_UINT, OFF(vm.snapshot), 0, 1, NULL },
    { "snapshot_clones", FGD_UINT, OFF(vm.snapshot_clones), 0, 1, NULL },
    { "warm_paused",     FGD_UINT, OFF(vm.warm_paused), 0, 1, NULL },
    { "warm_up",         FGD_UINT, OFF(vm.warm_up), 0, 1, NULL },
    { "warm_per_account", FGD_UINT, OFF(vm.warm_per_account), 0, 1000,
      NULL },
    { "sandboxes_per_vm", FGD_UINT, OFF(vm.sandboxes_per_vm), 1, 8, NULL },
    { "sandbox_memory_mb", FGD_UINT, OFF(vm.sandbox_memory_mb), 0, 1u << 20,
      NULL },
    { "mem_merge",       FGD_UINT, OFF(vm.mem_merge), 0, 1, NULL },
    { "function_snapshots", FGD_UINT, OFF(vm.function_snapshots), 0, 1,
      NULL },
    { "function_snapshots_max", FGD_UINT, OFF(vm.function_snapshots_max),
      1, 100000, NULL },
    { "cache_ttl",       FGD_UINT, OFF(cache_ttl_ms), 0, 60000, NULL },
    { "billing_log",     FGD_STR,  OFF(billing_log), 0, 0,
      fgd_check_path_or_none },
    { "quota_functions", FGD_UINT, OFF(quota.functions), 0, 1000000, NULL },
    { "quota_code_storage", FGD_SIZE, OFF(quota.code_storage), 0,
      1ul << 40, NULL },
    { "quota_versions_per_function", FGD_UINT, OFF(quota.versions), 0,
      1000000, NULL },
    { "quota_aliases_per_function", FGD_UINT, OFF(quota.aliases), 0,
      1000000, NULL },
    { "quota_apis",      FGD_UINT, OFF(quota.apis), 0, 1000000, NULL },
    { "quota_routes_per_api", FGD_UINT, OFF(quota.routes), 0, 1000000,
      NULL },
    { "quota_subscriptions_per_api", FGD_UINT, OFF(quota.subscriptions), 0,
      1000000, NULL },
    { "billing_log_reserve", FGD_SIZE, OFF(billing_log_reserve), 0,
      1ul << 40, NULL },
    { "billing_ship",    FGD_UINT, OFF(billing_ship), 0, 1, NULL },
    { "billing_retention", FGD_UINT, OFF(billing_retention_days), 1, 36500,
      NULL },
    { "pid_file",        FGD_STR,  OFF(pid_file), 0, 0,
      fgd_check_path_or_none },
    { "gateway",         FGD_STR,  OFF(async.gateway), 0, 0,
      fgd_check_listen },
    { "async_workers",   FGD_UINT, OFF(async.workers), 0, 1024, NULL },
    { "async_per_account", FGD_UINT, OFF(async.per_account), 1, 1024,
      NULL },
    { "async_retry_base", FGD_UINT, OFF(async.retry_base_s), 1, 3600,
      NULL },
    { "async_visibility_timeout", FGD_UINT, OFF(async.visibility_s), 1,
      43200, NULL },
    { "async_sweep",     FGD_UINT, OFF(async.sweep_s), 1, 3600, NULL },
    { "esm_pollers",     FGD_UINT, OFF(esm.pollers), 0, 1024, NULL },
    { "esm_per_account", FGD_UINT, OFF(esm.per_account), 1, 1024, NULL },
    { "esm_concurrency", FGD_UINT, OFF(esm.concurrency), 1, 1000, NULL },
    { "esm_refresh",     FGD_UINT, OFF(esm.refresh_ms), 100, 600000, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};

_Static_assert(sizeof(fgd_conf_keys) / sizeof(fgd_conf_keys[0])
               <= FGD_CONF_KEYS_MAX + 1, "raise FGD_CONF_KEYS_MAX");

static int
fgd_set_str(char **dst, const char *v)
{
    char *d = strdup(v);

    if (d == NULL) {
        return -1;
    }
    free(*dst);
    *dst = d;
    return 0;
}

/*
 * The VM keys take vmpool's own defaults (vmp_config_defaults), so there
 * is one set; conf/fngated.conf documents them and test_fngated checks
 * that the shipped file agrees.
 */
int
fgd_conf_init(fgd_conf_t *conf)
{
    memset(conf, 0, sizeof(*conf));
    vmp_config_defaults(&conf->vm);

    conf->threads = 8;
    conf->queue_wait_threads = 4;
    conf->max_code_size = 50u * 1024 * 1024;
    conf->max_memory_mb = 512;
    conf->cache_ttl_ms = 1000;
    conf->redis_wait_ms = 1000;
    conf->redis_retry_ms = 5000;
    conf->quota.functions = 1000;
    conf->quota.code_storage = 1024ul * 1024 * 1024;
    conf->quota.versions = 1000;
    conf->quota.aliases = 100;
    conf->quota.apis = 600;
    conf->quota.routes = 300;
    conf->quota.subscriptions = 10000;
    conf->billing_log_reserve = 1024 * 1024;
    conf->billing_retention_days = 400;
    conf->async.workers = 4;
    conf->async.per_account = 2;
    conf->async.retry_base_s = 60;
    conf->async.visibility_s = 30;
    conf->async.sweep_s = 30;
    conf->esm.pollers = 8;
    conf->esm.per_account = 4;
    conf->esm.concurrency = 4;
    conf->esm.refresh_ms = 1000;
    conf->suspend_after_ms = 1000;

    if (fgd_set_str(&conf->listen, "unix:/run/fngate/fngated.sock") != 0
        || fgd_set_str(&conf->redis, "127.0.0.1:6379") != 0
        || fgd_set_str(&conf->region, "us-east-1") != 0
        || fgd_set_str(&conf->libvirt_uri, conf->vm.uri) != 0
        || fgd_set_str(&conf->kernel, conf->vm.kernel) != 0
        || fgd_set_str(&conf->initrd, conf->vm.initrd) != 0
        || fgd_set_str(&conf->domain_xml, conf->vm.domain_xml) != 0
        || fgd_set_str(&conf->state_dir, conf->vm.state_dir) != 0
        || fgd_set_str(&conf->accel, conf->vm.accel) != 0
        || fgd_set_str(&conf->runtimes, conf->vm.runtimes) != 0
        || fgd_set_str(&conf->emulator, conf->vm.emulator) != 0
        || fgd_set_str(&conf->name_prefix, conf->vm.name_prefix) != 0
        || fgd_set_str(&conf->network, "none") != 0
        || fgd_set_str(&conf->network_default, "") != 0
        || fgd_set_str(&conf->network_subnet, "10.213.0.0/16") != 0
        || fgd_set_str(&conf->billing_log, "") != 0
        || fgd_set_str(&conf->pid_file, "") != 0
        || fgd_set_str(&conf->async.gateway, "127.0.0.1:8080") != 0)
    {
        fgd_conf_free(conf);
        return -1;
    }
    fgd_conf_vm_strings(conf);
    return 0;
}

void
fgd_conf_vm_strings(fgd_conf_t *conf)
{
    conf->vm.uri = conf->libvirt_uri;
    conf->vm.kernel = conf->kernel;
    conf->vm.initrd = conf->initrd;
    conf->vm.domain_xml = conf->domain_xml;
    conf->vm.state_dir = conf->state_dir;
    conf->vm.name_prefix = conf->name_prefix;
    conf->vm.accel = conf->accel;
    conf->vm.runtimes = conf->runtimes;
    conf->vm.emulator = conf->emulator;
    conf->vm.net_subnet = strcmp(conf->network, "none") == 0 ? ""
                          : conf->network_subnet;
}

void
fgd_conf_free(fgd_conf_t *conf)
{
    if (conf == NULL) {
        return;
    }
    free(conf->billing_log);
    free(conf->pid_file);
    free(conf->async.gateway);
    free(conf->listen);
    free(conf->redis);
    free(conf->region);
    free(conf->libvirt_uri);
    free(conf->kernel);
    free(conf->initrd);
    free(conf->domain_xml);
    free(conf->state_dir);
    free(conf->accel);
    free(conf->runtimes);
    free(conf->emulator);
    free(conf->name_prefix);
    free(conf->network);
    free(conf->network_default);
    free(conf->network_subnet);
    memset(conf, 0, sizeof(*conf));
}

static char *
fgd_trim(char *s)
{
    char *e;

    while (isspace((unsigned char) *s)) {
        s++;
    }
    e = s + strlen(s);
    while (e > s && isspace((unsigned char) e[-1])) {
        *--e = '\0';
    }
    return s;
}

/*
 * The one key parser: "key = value" (s is modified).  A key given by -o
 * (conf->overridden) is skipped when it comes from the file.
 */
static int
fgd_conf_set(fgd_conf_t *conf, char *s, bool from_file, char *err,
    size_t err_size)
{
    char                  *eq, *key, *val, *end;
    const fgd_conf_key_t  *k;
    unsigned long long     n;
    size_t                 i;

    eq = strchr(s, '=');
    if (eq == NULL) {
        snprintf(err, err_size, "expected \"key = value\", got \"%.60s\"",
            s);
        return -1;
    }
    *eq = '\0';
    key = fgd_trim(s);
    val = fgd_trim(eq + 1);

    for (i = 0, k = fgd_conf_keys; k->key != NULL; k++, i++) {
        if (strcmp(k->key, key) == 0) {
            break;
        }
    }
    if (k->key == NULL) {
        snprintf(err, err_size, "unknown key \"%.60s\"", key);
        return -1;
    }
    if (from_file && conf->overridden[i]) {
        return 0;
    }
    if (conf->seen[i]) {
        snprintf(err, err_size, "key \"%s\" given twice", key);
        return -1;
    }
    /* the paths that may be "none" (runtimes, emulator) take no value */
    if (val[0] == '\0' && k->check != fgd_check_path_or_none
        && k->check != fgd_check_list)
    {
        snprintf(err, err_size, "key \"%s\" has no value", key);
        return -1;
    }

    if (k->type == FGD_STR) {
        if (k->check != NULL && k->check(val) != 0) {
            snprintf(err, err_size, "bad value \"%.100s\" for \"%s\"", val,
                key);
            return -1;
        }
        if (fgd_set_str((char **) ((char *) conf + k->offset), val) != 0) {
            snprintf(err, err_size, "out of memory");
            return -1;
        }
    } else {
        errno = 0;
        n = strtoull(val, &end, 10);
        if (!isdigit((unsigned char) val[0]) || *end != '\0'
            || errno != 0 || n < k->min || n > k->max)
        {
            snprintf(err, err_size, "bad value \"%.60s\" for \"%s\" "
                "(a whole number from %lu to %lu)", val, key, k->min,
                k->max);
            return -1;
        }
        if (k->type == FGD_UINT) {
            *(unsigned *) ((char *) conf + k->offset) = (unsigned) n;
        } else {
            *(size_t *) ((char *) conf + k->offset) = (size_t) n;
        }
    }
    conf->seen[i] = 1;
    if (!from_file) {
        conf->overridden[i] = 1;
    }
    fgd_conf_vm_strings(conf);
    return 0;
}

static int
fgd_conf_apply(fgd_conf_t *conf, const char *text, bool from_file,
    char *err, size_t err_size)
{
    char  *copy, *s;
    int    rc = 0;

    copy = strdup(text);
    if (copy == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    s = fgd_trim(copy);
    if (from_file && (s[0] == '\0' || s[0] == '#')) {
        goto cleanup;
    }
    rc = fgd_conf_set(conf, s, from_file, err, err_size);

cleanup:
    free(copy);
    return rc;
}

int
fgd_conf_line(fgd_conf_t *conf, const char *line, char *err,
    size_t err_size)
{
    return fgd_conf_apply(conf, line, true, err, err_size);
}

int
fgd_conf_override(fgd_conf_t *conf, const char *kv, char *err,
    size_t err_size)
{
    return fgd_conf_apply(conf, kv, false, err, err_size);
}

int
fgd_conf_load(fgd_conf_t *conf, const char *path, char *err,
    size_t err_size)
{
    FILE      *f;
    char      *line = NULL, msg[256];
    size_t     cap = 0;
    ssize_t    n;
    unsigned   lineno = 0;
    int        rc = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    memcpy(conf->seen, conf->overridden, sizeof(conf->seen));
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t) n) != NULL) {
            snprintf(err, err_size, "%s:%u: NUL byte", path, lineno);
            rc = -1;
            break;
        }
        if (fgd_conf_line(conf, line, msg, sizeof(msg)) != 0) {
            snprintf(err, err_size, "%s:%u: %s", path, lineno, msg);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, err_size, "%s: read error", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc == 0 && conf->vm.warm > conf->vm.max_vms) {
        snprintf(err, err_size, "%s: warm (%u) is larger than max_vms (%u)",
            path, conf->vm.warm, conf->vm.max_vms);
        rc = -1;
    }
    if (rc == 0 && conf->max_memory_mb + FGD_GUEST_RESERVE_MB >
                   conf->vm.vm_memory_mb)
    {
        snprintf(err, err_size, "%s: max_memory_mb (%u) must be at most "
            "vm_memory_mb (%u) - %u: a guest keeps %u MB for its kernel "
            "and agent", path, conf->max_memory_mb, conf->vm.vm_memory_mb,
            FGD_GUEST_RESERVE_MB, FGD_GUEST_RESERVE_MB);
        rc = -1;
    }
    if (rc == 0 && conf->vm.sandbox_memory_mb == 0) {
        /* what a guest keeps beyond its functions' memory, as above */
        conf->vm.sandbox_memory_mb = conf->vm.vm_memory_mb
                                     - FGD_GUEST_RESERVE_MB;
    }
    if (rc == 0
        && fgd_conf_egress(conf, conf->network_default, NULL, 0, msg,
               sizeof(msg)) != 0)
    {
        snprintf(err, err_size, "%s: network_default: %s", path, msg);
        rc = -1;
    }
    fgd_conf_vm_strings(conf);
    return rc;
}

void
fgd_conf_function_endpoint(const fgd_conf_t *conf, char *dst, size_t size)
{
    const char      *g = conf->async.gateway, *port, *slash;
    char             net[32];
    struct in_addr   a;

    dst[0] = '\0';
    if (strcmp(conf->network, "none") == 0 || g == NULL) {
        return;
    }
    if (strncmp(g, "127.0.0.1:", 10) == 0) {
        port = g + 10;
    } else if (strncmp(g, "localhost:", 10) == 0) {
        port = g + 10;
    } else {
        return;
    }
    slash = strchr(conf->network_subnet, '/');
    if (slash == NULL || (size_t) (slash - conf->network_subnet) >= sizeof(net)
        || port[0] == '\0' || strspn(port, "0123456789") != strlen(port))
    {
        return;
    }
    memcpy(net, conf->network_subnet, slash - conf->network_subnet);
    net[slash - conf->network_subnet] = '\0';
    if (inet_pton(AF_INET, net, &a) != 1) {
        return;
    }
    a.s_addr = htonl(ntohl(a.s_addr) + 1);
    snprintf(dst, size, "http://%s:%s", inet_ntoa(a), port);
}
