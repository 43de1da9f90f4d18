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
#include <pthread.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libvirt/libvirt.h>

#include "fg_frame.h"
#include "fg_util.h"
#include "test_vmpool.h"

/* ---- the pool on libvirt's test driver ---- */

static char  tmpdir[] = "/tmp/test_vmpool.XXXXXX";
static char  tmpl_path[256];

static const char  *test_xml =
    "<domain type='test'><name>@NAME@</name>"
    "<memory unit='MiB'>@MEMORY_MB@</memory><vcpu>@VCPUS@</vcpu>"
    "<os><type>hvm</type></os></domain>";

/* The rest of a frame, written 300 ms after its first part. */
typedef struct {
    int             fd;
    const uint8_t  *rest;
    size_t          len;
} reply_rest_t;

static void *
reply_rest(void *arg)
{
    reply_rest_t  *r = arg;

    usleep(300000);
    if (write(r->fd, r->rest, r->len) != (ssize_t) r->len) {
        return NULL;
    }
    return NULL;
}


/*
 * vmp_vm_reply while a caller waits in steps (a suspended wait's): a step
 * that ends with nothing read says "not yet"; one that ends in the middle
 * of a frame reads that frame whole, so the stream keeps its place (a
 * step's timeout once cut a node runtime's RESULT in two).
 */
static void
test_vm_reply_steps(void)
{
    vmp_vm_t      vm;
    fg_buf_t      b = { 0 }, rb = { 0 };
    fg_frame_t    f;
    reply_rest_t  r;
    pthread_t     t;
    char         *err = NULL;
    int           sv[2];
    uint64_t      t0;

    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    memset(&vm, 0, sizeof(vm));
    vm.fd = sv[0];
    snprintf(vm.name, sizeof(vm.name), "t-1");

    /* nothing comes: not yet, after the step */
    t0 = fg_now_ms();
    CU_ASSERT_EQUAL(vmp_vm_reply(&vm, 7, 0, &rb, &f, t0 + 50, &err), 1);
    CU_ASSERT(fg_now_ms() - t0 >= 50);
    CU_ASSERT_PTR_NULL(err);

    /* a RESULT of seq 7 whose second half comes after the step */
    fg_frame_begin(&b, FG_FRAME_RESULT, 7);
    fg_frame_add_str(&b, "status", "ok");
    fg_frame_add_str(&b, "output", "0123456789abcdef0123456789abcdef");
    fg_frame_end(&b);
    CU_ASSERT_FATAL(write(sv[1], b.data, 20) == 20);
    r = (reply_rest_t) { .fd = sv[1], .rest = b.data + 20,
                         .len = b.len - 20 };
    CU_ASSERT_FATAL(pthread_create(&t, NULL, reply_rest, &r) == 0);
    CU_ASSERT_EQUAL(vmp_vm_reply(&vm, 7, 0, &rb, &f, fg_now_ms() + 50,
        &err), 0);
    pthread_join(t, NULL);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_RESULT);
    CU_ASSERT_EQUAL(f.seq, 7);

    /* the stream is in place: a frame of either seq is the next */
    fg_buf_reset(&b);
    fg_frame_begin(&b, FG_FRAME_PONG, 9);
    fg_frame_end(&b);
    CU_ASSERT_FATAL(write(sv[1], b.data, b.len) == (ssize_t) b.len);
    CU_ASSERT_EQUAL(vmp_vm_reply(&vm, 8, 9, &rb, &f, fg_now_ms() + 1000,
        &err), 0);
    CU_ASSERT_EQUAL(f.type, FG_FRAME_PONG);
    CU_ASSERT_EQUAL(f.seq, 9);

    /* the agent gone: an error, not "not yet" */
    close(sv[1]);
    CU_ASSERT_EQUAL(vmp_vm_reply(&vm, 7, 0, &rb, &f, fg_now_ms() + 1000,
        &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err);
    free(err);
    close(sv[0]);
    fg_buf_free(&b);
    fg_buf_free(&rb);
}


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
    { "a reply read in steps keeps the stream's place", test_vm_reply_steps },
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
