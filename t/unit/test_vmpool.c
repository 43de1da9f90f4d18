/*
 * CUnit tests of vmpool: main(), the suites (one per source file of
 * vmpool/, each in its test_vmp_NAME.c, and the guest agent's in
 * test_fngate_agent.c, test_vmpool.h lists them) and the suite of
 * vmpool.c: the pool against libvirt's in-process test:/// driver (no
 * libvirtd, no QEMU).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>

#include "test_vmpool.h"

/* ---- the pool on libvirt's test driver ---- */

static char  tmpdir[] = "/tmp/test_vmpool.XXXXXX";
static char  tmpl_path[256];

static const char  *test_xml =
    "<domain type='test'><name>@NAME@</name>"
    "<memory unit='MiB'>@MEMORY_MB@</memory><vcpu>@VCPUS@</vcpu>"
    "<os><type>hvm</type></os></domain>";

static void
test_pool_test_driver(void)
{
    vmp_config_t        cfg;
    vmp_pool_t         *pool;
    vmp_vm_t           *vm = NULL;
    vmp_acquire_info_t  info;
    vmp_stats_t         st;
    virConnectPtr       conn;
    virDomainPtr        d1, d2, d3;
    char                xml[512], *err = NULL;
    FILE               *f;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
    snprintf(tmpl_path, sizeof(tmpl_path), "%s/domain.xml", tmpdir);
    f = fopen(tmpl_path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(test_xml, f);
    fclose(f);

    /* test:///default is one shared state per process. */
    conn = virConnectOpen("test:///default");
    CU_ASSERT_PTR_NOT_NULL_FATAL(conn);
    snprintf(xml, sizeof(xml), "<domain type='test'><name>utest-7</name>"
        "<memory>65536</memory><os><type>hvm</type></os></domain>");
    d1 = virDomainCreateXML(conn, xml, 0);
    snprintf(xml, sizeof(xml), "<domain type='test'><name>utestx-1</name>"
        "<memory>65536</memory><os><type>hvm</type></os></domain>");
    d2 = virDomainCreateXML(conn, xml, 0);
    snprintf(xml, sizeof(xml), "<domain type='test'><name>utest-mine</name>"
        "<memory>65536</memory><os><type>hvm</type></os></domain>");
    d3 = virDomainCreateXML(conn, xml, 0);
    CU_ASSERT_FATAL(d1 && d2 && d3);

    vmp_config_defaults(&cfg);
    cfg.uri = "test:///default";
    cfg.kernel = "/dev/null";
    cfg.initrd = "/dev/null";
    cfg.domain_xml = tmpl_path;
    cfg.state_dir = tmpdir;
    cfg.name_prefix = "utest";
    cfg.accel = "tcg";
    cfg.warm = 0;
    cfg.max_vms = 1;
    cfg.boot_timeout_ms = 1000;
    cfg.acquire_timeout_ms = 200;
    cfg.snapshot = 0;

    pool = vmp_pool_new(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
    CU_ASSERT_STRING_EQUAL(vmp_pool_accel(pool), "tcg");

    /* Only PREFIX-<number> is ours: utest-7 went, the others stay. */
    CU_ASSERT_NOT_EQUAL(virDomainIsActive(d1), 1);
    CU_ASSERT_EQUAL(virDomainIsActive(d2), 1);
    CU_ASSERT_EQUAL(virDomainIsActive(d3), 1);

    /* No guest can boot on the test driver (it has no QEMU, refuses
     * AUTODESTROY): acquire fails with a message naming the account and
     * leaves no domain behind. */
    CU_ASSERT_EQUAL(vmp_pool_acquire(pool, "111111111111", &vm, &info,
        &err), -1);
    CU_ASSERT_PTR_NULL(vm);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT(err && strstr(err, "boot for account 111111111111 failed")
        != NULL);
    free(err);
    err = NULL;
    CU_ASSERT_EQUAL(virConnectNumOfDomains(conn), 3);   /* test, d2, d3 */
    vmp_pool_stats(pool, &st);
    CU_ASSERT_EQUAL(st.total, 0);

    CU_ASSERT_EQUAL(vmp_pool_acquire(pool, "", &vm, &info, &err), -1);
    free(err);
    vmp_pool_free(pool);
    vmp_pool_free(NULL);

    /* Bad config is refused with a message. */
    cfg.accel = "fast";
    CU_ASSERT_PTR_NULL(vmp_pool_new(&cfg, &err));
    CU_ASSERT(err && strstr(err, "fast") != NULL);
    free(err);
    cfg.accel = "tcg";
    cfg.domain_xml = "/nonexistent/domain.xml";
    CU_ASSERT_PTR_NULL(vmp_pool_new(&cfg, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    free(err);

    virDomainFree(d1);
    virDomainFree(d2);
    virDomainFree(d3);
    virConnectClose(conn);
    unlink(tmpl_path);
    rmdir(tmpdir);
}


/* ---- the agent, on the host ---- */


static const cu_test_t  vmpool_tests[] = {
    { "pool on the test:/// driver", test_pool_test_driver },
    { NULL, NULL }
};

/* One suite per source file of vmpool/ that has tests, then the agent. */
static const cu_suite_t  vmpool_suites[] = {
    { "vmpool", NULL, NULL, vmpool_tests },
    { "vmp_state", NULL, NULL, vmp_state_tests },
    { "vmp_snapshot", NULL, NULL, vmp_snapshot_tests },
    { "vmp_fnsnap", NULL, NULL, vmp_fnsnap_tests },
    { "vmp_zip", NULL, NULL, vmp_zip_tests },
    { "fngate-agent", agent_suite_init, agent_suite_clean, agent_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(vmpool_suites, CU_BRM_NORMAL);
}
