/*
 * The suite fngated_conf of test_fngated: the configuration file, the -o
 * overrides and the shipped conf/fngated.conf (fngated_conf.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fngated_conf.h"
#include "test_fngated.h"

static void
test_conf(void)
{
    fgd_conf_t  c;
    char        err[256], path[] = "/tmp/test_fngated_confXXXXXX";
    int         fd;
    FILE       *f;

    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(c.threads, 8);
    CU_ASSERT_STRING_EQUAL(c.region, "us-east-1");
    CU_ASSERT_EQUAL(c.max_code_size, 52428800);
    CU_ASSERT_EQUAL(c.vm.acquire_timeout_ms, 60000);
    CU_ASSERT_EQUAL(c.max_memory_mb, 512);
    CU_ASSERT_PTR_NOT_NULL(c.vm.uri);
    CU_ASSERT_STRING_EQUAL(c.vm.accel, "auto");

    CU_ASSERT_EQUAL(fgd_conf_line(&c, "  # comment", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "threads = 3\n", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "threads = 4", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "listen=unix:/tmp/x.sock", err,
        sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.listen, "unix:/tmp/x.sock");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = localhost:99999", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = unix:relative", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = 127.0.0.1:6392", err,
        sizeof(err)), 0);
    /* a cluster's seeds; several addresses without the word are not */
    fgd_conf_free(&c);
    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = 127.0.0.1:7000 "
        "127.0.0.1:7001 cluster", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.redis, "127.0.0.1:7000 127.0.0.1:7001 cluster");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = 127.0.0.1:7000 "
        "127.0.0.1:7001", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = unix:/r.sock cluster", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(c.redis_wait, 0);
    CU_ASSERT_EQUAL(c.redis_wait_ms, 1000);
    CU_ASSERT_EQUAL(c.redis_retry_ms, 5000);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis_wait = 17", err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis_wait = 1", err, sizeof(err)),
        0);
    CU_ASSERT_EQUAL(c.redis_wait, 1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis_wait_timeout = 0", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "bogus = 1", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key \"bogus\""));
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "warm = -1", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "max_vms = 0", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "vcpus = 2x", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "memory_budget_mb = -5", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "memory_budget_mb = 4096", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.vm.memory_budget_mb, 4096);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "accel = xen", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "accel = tcg", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "kernel = rel/path", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "region = US", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "max_code_size = 99999999999", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "region", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "region =", err, sizeof(err)), -1);
    /* an empty emulator or runtimes is "none"; a relative one is refused */
    CU_ASSERT_STRING_EQUAL(c.vm.emulator, "build/fngate-qemu");
    CU_ASSERT_EQUAL(c.vm.mem_merge, 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "emulator = qemu", err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "emulator =", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.emulator, "");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "runtimes = ", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.runtimes, "");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "mem_merge = 2", err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "mem_merge = 1", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.vm.mem_merge, 1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_functions = 0", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.quota.functions, 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_code_storage = 2199023255552",
        err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_code_storage = 4096", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.quota.code_storage, 4096);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "quota_routes_per_api = -1", err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(c.vm.mem_merge, 1);
    fgd_conf_free(&c);

    /* A file: error names the line; warm > max_vms refused. */
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "w");
    fputs("# x\nthreads = 2\nwarm = 5\nmax_vms = 3\n", f);
    fclose(f);
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "warm"));
    fgd_conf_free(&c);

    f = fopen(path, "w");
    fputs("threads = 2\nnope = 1\n", f);
    fclose(f);
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: unknown key"));
    fgd_conf_free(&c);

    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, "/nonexistent/x.conf", err,
        sizeof(err)), -1);
    fgd_conf_free(&c);
    unlink(path);
}

/*
 * `fngated -o key=value`: the file's key parser, with its messages; an
 * override wins over the file's line of that key, which is not even
 * checked (the shipped file's placeholders), and is given once.
 */
static void
test_conf_override(void)
{
    fgd_conf_t  c;
    char        err[256], path[] = "/tmp/test_fngated_overXXXXXX";
    FILE       *f;
    int         fd;

    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads=3", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, " pid_file = /tmp/x.pid ", err,
        sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.pid_file, "/tmp/x.pid");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "name_prefix=fgo", err,
        sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.vm.name_prefix, "fgo");

    CU_ASSERT_EQUAL(fgd_conf_override(&c, "bogus=1", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "unknown key \"bogus\"");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "warm=x", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err,
        "bad value \"x\" for \"warm\" (a whole number from 0 to 256)");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "kernel=rel", err, sizeof(err)),
        -1);
    CU_ASSERT_STRING_EQUAL(err, "bad value \"rel\" for \"kernel\"");
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads=4", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "key \"threads\" given twice");

    /* the file: its threads (and its bad kernel) give way to -o */
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "w");
    fputs("threads = 2\nkernel = @STATE@/vmlinux\nwarm = 0\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "kernel=/k/vmlinux", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_STRING_EQUAL(c.vm.kernel, "/k/vmlinux");
    CU_ASSERT_EQUAL(c.vm.warm, 0);
    fgd_conf_free(&c);

    /* without the override, the file's line is checked as ever */
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "threads=3", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: bad value"));
    fgd_conf_free(&c);

    /* an override the cross-key checks refuse: warm > max_vms */
    fgd_conf_init(&c);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "kernel=/k", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "max_vms=1", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_override(&c, "warm=2", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "warm (2) is larger than max_vms"));
    fgd_conf_free(&c);
    unlink(path);
}

/* The shipped conf/fngated.conf, placeholders filled, loads and matches
 * the built-in defaults. */
static void
test_conf_shipped(void)
{
    fgd_conf_t  c, d;
    char        err[256], line[1024], path[] = "/tmp/test_fngated_shipXXXXXX";
    FILE       *in, *out;
    int         fd;

    in = fopen(FNGATE_ROOT "/conf/fngated.conf", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    fd = mkstemp(path);
    out = fdopen(fd, "w");
    while (fgets(line, sizeof(line), in) != NULL) {
        char *p;
        while ((p = strstr(line, "@STATE@")) != NULL
               || (p = strstr(line, "@ROOT@")) != NULL
               || (p = strstr(line, "@BUILD@")) != NULL)
        {
            size_t n = p[1] == 'R' ? 6 : 7;
            memmove(p + 4, p + n, strlen(p + n) + 1);
            memcpy(p, "/tmp", 4);
        }
        if ((p = strstr(line, "@REDIS_PORT@")) != NULL) {
            memmove(p + 4, p + 12, strlen(p + 12) + 1);
            memcpy(p, "6379", 4);
        }
        fputs(line, out);
    }
    fclose(in);
    fclose(out);
    fgd_conf_init(&c);
    fgd_conf_init(&d);
    CU_ASSERT_EQUAL(fgd_conf_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.threads, d.threads);
    CU_ASSERT_EQUAL(c.vm.vcpus, d.vm.vcpus);
    CU_ASSERT_STRING_EQUAL(c.name_prefix, d.name_prefix);
    CU_ASSERT_STRING_EQUAL(c.libvirt_uri, d.libvirt_uri);
    CU_ASSERT_EQUAL(c.vm.warm, d.vm.warm);
    CU_ASSERT_EQUAL(c.vm.max_vms, d.vm.max_vms);
    CU_ASSERT_EQUAL(c.vm.max_vms_per_account, d.vm.max_vms_per_account);
    CU_ASSERT_EQUAL(c.vm.vm_memory_mb, d.vm.vm_memory_mb);
    CU_ASSERT_EQUAL(c.vm.memory_budget_mb, d.vm.memory_budget_mb);
    CU_ASSERT_EQUAL(c.vm.boot_timeout_ms, d.vm.boot_timeout_ms);
    CU_ASSERT_EQUAL(c.vm.acquire_timeout_ms, d.vm.acquire_timeout_ms);
    CU_ASSERT_EQUAL(c.vm.idle_timeout_s, d.vm.idle_timeout_s);
    CU_ASSERT_EQUAL(c.max_code_size, d.max_code_size);
    CU_ASSERT_EQUAL(c.max_memory_mb, d.max_memory_mb);
    CU_ASSERT_EQUAL(c.vm.kvm_probe_timeout_ms, d.vm.kvm_probe_timeout_ms);
    CU_ASSERT_EQUAL(c.vm.tb_cache_mb, d.vm.tb_cache_mb);
    CU_ASSERT_EQUAL(c.vm.snapshot, d.vm.snapshot);
    CU_ASSERT_EQUAL(c.vm.mem_merge, d.vm.mem_merge);
    CU_ASSERT_EQUAL(c.cache_ttl_ms, d.cache_ttl_ms);
    CU_ASSERT_EQUAL(c.quota.functions, d.quota.functions);
    CU_ASSERT_EQUAL(c.quota.code_storage, d.quota.code_storage);
    CU_ASSERT_EQUAL(c.quota.versions, d.quota.versions);
    CU_ASSERT_EQUAL(c.quota.aliases, d.quota.aliases);
    CU_ASSERT_EQUAL(c.quota.apis, d.quota.apis);
    CU_ASSERT_EQUAL(c.quota.routes, d.quota.routes);
    CU_ASSERT_EQUAL(c.quota.subscriptions, d.quota.subscriptions);
    CU_ASSERT_EQUAL(c.billing_log_reserve, d.billing_log_reserve);
    CU_ASSERT_EQUAL(d.billing_log_reserve, 1024 * 1024);
    CU_ASSERT_EQUAL(c.billing_ship, d.billing_ship);
    CU_ASSERT_EQUAL(d.billing_ship, 0);
    CU_ASSERT_EQUAL(c.billing_retention_days, d.billing_retention_days);
    CU_ASSERT_EQUAL(d.billing_retention_days, 400);
    CU_ASSERT_STRING_EQUAL(c.kernel, "/tmp/kernel/vmlinux");
    CU_ASSERT_STRING_EQUAL(c.runtimes, "/tmp/runtimes.img");
    CU_ASSERT_STRING_EQUAL(c.emulator, "/tmp/fngate-qemu");
    CU_ASSERT_STRING_EQUAL(c.accel, d.accel);
    CU_ASSERT_STRING_EQUAL(c.region, d.region);
    CU_ASSERT_STRING_EQUAL(c.async.gateway, d.async.gateway);
    CU_ASSERT_EQUAL(c.async.workers, d.async.workers);
    CU_ASSERT_EQUAL(c.async.per_account, d.async.per_account);
    CU_ASSERT_EQUAL(c.async.retry_base_s, d.async.retry_base_s);
    CU_ASSERT_EQUAL(c.async.visibility_s, d.async.visibility_s);
    CU_ASSERT_EQUAL(c.async.sweep_s, d.async.sweep_s);
    CU_ASSERT_EQUAL(d.async.retry_base_s, 60);
    fgd_conf_free(&c);
    fgd_conf_free(&d);
    unlink(path);
}

/* No network policy lets a function name fngate's own Redis or TCP
 * listener; other loopback ports pass under loopback. */
static void
test_conf_egress_internal(void)
{
    fgd_conf_t  c;
    char        out[256], why[256], err[128];

    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "network = loopback", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = 127.0.0.1:16391", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "listen = 0.0.0.0:9000", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:8080", out, sizeof(out),
        why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:16391/udp", out,
        sizeof(out), why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:16391", out, sizeof(out),
        why, sizeof(why)), -1);
    CU_ASSERT_STRING_EQUAL(why, "127.0.0.1:16391 is fngate's own Redis "
        "(redis = 127.0.0.1:16391): no function may reach it");
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.0/8:16000-17000", out,
        sizeof(out), why, sizeof(why)), -1);
    /* fngated bound to every address: its port, on any address */
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:8080 127.0.0.1:9000",
        out, sizeof(out), why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "fngate's own fngated"));
    fgd_conf_free(&c);

    /* every seed of a cluster is guarded */
    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "network = loopback", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = 127.0.0.1:17000 "
        "127.0.0.1:17001 cluster", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:17001", out, sizeof(out),
        why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "fngate's own Redis"));
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:17002", out, sizeof(out),
        why, sizeof(why)), 0);
    fgd_conf_free(&c);

    /* a Redis on a unix socket has no port to guard */
    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "network = loopback", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "redis = unix:/run/redis.sock", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_egress(&c, "127.0.0.1:16391", out, sizeof(out),
        why, sizeof(why)), 0);
    fgd_conf_free(&c);
}

static void
test_conf_function_endpoint(void)
{
    fgd_conf_t  c;
    char        ep[64], err[128];

    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    /* no network: no endpoint */
    fgd_conf_function_endpoint(&c, ep, sizeof(ep));
    CU_ASSERT_STRING_EQUAL(ep, "");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "network = loopback", err,
        sizeof(err)), 0);
    fgd_conf_function_endpoint(&c, ep, sizeof(ep));
    CU_ASSERT_STRING_EQUAL(ep, "http://10.213.0.1:8080");
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "network_subnet = 10.40.16.0/20",
        err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "gateway = localhost:18080", err,
        sizeof(err)), 0);
    fgd_conf_function_endpoint(&c, ep, sizeof(ep));
    CU_ASSERT_STRING_EQUAL(ep, "http://10.40.16.1:18080");
    fgd_conf_free(&c);

    /* a gateway the guests' DNAT does not lead to */
    CU_ASSERT_EQUAL_FATAL(fgd_conf_init(&c), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "network = loopback", err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgd_conf_line(&c, "gateway = unix:/run/fngate.sock",
        err, sizeof(err)), 0);
    fgd_conf_function_endpoint(&c, ep, sizeof(ep));
    CU_ASSERT_STRING_EQUAL(ep, "");
    fgd_conf_free(&c);
}

const cu_test_t  conf_tests[] = {
    { "configuration", test_conf },
    { "configuration: -o overrides", test_conf_override },
    { "shipped conf = defaults", test_conf_shipped },
    { "no policy reaches fngate's own services", test_conf_egress_internal },
    { "the gateway as guests reach it", test_conf_function_endpoint },
    { NULL, NULL }
};
