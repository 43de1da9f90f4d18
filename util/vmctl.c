/*
 * vmctl: drive vmpool by hand (manual and integration checks).
 *
 *   vmctl [options] invoke ZIP HANDLER EVENT [ACCOUNT]
 *
 * Starts a pool (warm 1) and makes calls as fngated does: acquire a guest
 * for ACCOUNT (default 000000000001), LOAD the zip unless the guest has it,
 * INVOKE HANDLER with EVENT (a string, or @FILE), print the RESULT fields
 * and timings, release.  ACCOUNT may be a list "A,B,A": one call each, in
 * turn.  Options:
 *   -n N        N rounds of calls (a guest is reused by its account)
 *   -t MS       timeout_ms (default 3000)
 *   -m MB       memory_mb (default 128)
 *   -o BYTES    max_output (default 6291456)
 *   -e K=V      environment entry (repeatable)
 *   -a ACCEL    auto|kvm|tcg (default auto)
 *   -p PREFIX   domain name prefix (default vmctl)
 *   -M MB       guest RAM (default from vmp_config_defaults)
 *   -S DIR      state dir (default ROOT/.fngate/vm)
 *   -k SECONDS  keep the pool up this long after the calls (virsh list)
 *   -w          wait for the warm guest before acquiring (measures a
 *               warm cold-start rather than a boot)
 *   -i SECONDS  idle_timeout_s (with -k: watch the idle guest go)
 *   -W N        warm guests (default 1)
 * ROOT is $FNGATE_ROOT, else the parent of the directory holding vmctl.
 */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fg_sigv4.h"
#include "vmpool.h"

#define VMCTL_MAX_ENV 64


static double
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


static char *
slurp(const char *path, size_t *len)
{
    FILE    *f = fopen(path, "rb");
    char    *s = NULL, *tmp;
    size_t   cap = 0, n;

    *len = 0;
    if (f == NULL) {
        return NULL;
    }
    for ( ;; ) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            tmp = realloc(s, cap + 1);
            if (tmp == NULL) {
                free(s);
                fclose(f);
                return NULL;
            }
            s = tmp;
        }
        n = fread(s + *len, 1, cap - *len, f);
        if (n == 0) {
            break;
        }
        *len += n;
    }
    s[*len] = '\0';
    fclose(f);
    return s;
}


static void
print_field(const fg_frame_t *f, const char *key)
{
    size_t          len;
    const uint8_t  *v = fg_frame_get(f, key, &len);

    if (v == NULL) {
        printf("%s: (absent)\n", key);
    } else if (len > 2000) {
        printf("%s: (%zu bytes) %.200s...\n", key, len, (const char *) v);
    } else {
        printf("%s: %.*s\n", key, (int) len, (const char *) v);
    }
}


static int
usage(void)
{
    fprintf(stderr, "usage: vmctl [-n N] [-t MS] [-m MB] [-o BYTES] "
        "[-e K=V] [-a ACCEL] [-p PREFIX] [-M MB] [-S DIR] [-k S] [-w] "
        "[-i S] [-W N] "
        "invoke ZIP HANDLER EVENT [ACCOUNT]\n");
    return 2;
}


int
main(int argc, char **argv)
{
    vmp_config_t        cfg;
    vmp_pool_t         *pool = NULL;
    vmp_vm_t           *vm = NULL;
    vmp_acquire_info_t  info;
    vmp_stats_t         st;
    fg_buf_t            req = { 0 }, load = { 0 }, resp_buf = { 0 };
    fg_frame_t          resp;
    char                root[PATH_MAX], exe[PATH_MAX], kernel[PATH_MAX + 32];
    char                initrd[PATH_MAX + 32], xml[PATH_MAX + 32];
    char                rtdisk[PATH_MAX + 32];
    char                state[PATH_MAX + 32], sha[65], rid[64];
    char               *zip = NULL, *event = NULL, *err = NULL;
    const char         *env[VMCTL_MAX_ENV], *account;
    const char         *accounts[16] = { "000000000001" };
    char               *tok, *save = NULL;
    unsigned            naccounts = 1;
    const char         *state_dir = NULL;
    size_t              zip_len, event_len;
    unsigned            n = 1, timeout_ms = 3000, memory_mb = 128, slot;
    unsigned            nenv = 0, keep = 0, i, j;
    unsigned long       max_output = 6 * 1024 * 1024;
    bool                wait_warm = false, healthy = true;
    double              t0;
    int                 opt, rc = 1;
    ssize_t             el;

    vmp_config_defaults(&cfg);
    cfg.name_prefix = "vmctl";
    cfg.warm = 1;
    cfg.max_vms = 2;

    while ((opt = getopt(argc, argv, "n:t:m:o:e:a:p:M:S:k:wi:W:")) != -1) {
        switch (opt) {
        case 'n': n = (unsigned) atoi(optarg); break;
        case 't': timeout_ms = (unsigned) atoi(optarg); break;
        case 'm': memory_mb = (unsigned) atoi(optarg); break;
        case 'o': max_output = strtoul(optarg, NULL, 10); break;
        case 'e':
            if (nenv < VMCTL_MAX_ENV) {
                env[nenv++] = optarg;
            }
            break;
        case 'a': cfg.accel = optarg; break;
        case 'p': cfg.name_prefix = optarg; break;
        case 'M': cfg.vm_memory_mb = (unsigned) atoi(optarg); break;
        case 'S': state_dir = optarg; break;
        case 'k': keep = (unsigned) atoi(optarg); break;
        case 'w': wait_warm = true; break;
        case 'i': cfg.idle_timeout_s = (unsigned) atoi(optarg); break;
        case 'W': cfg.warm = (unsigned) atoi(optarg); break;
        default: return usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 4 || strcmp(argv[0], "invoke") != 0) {
        return usage();
    }
    if (argc > 4) {
        naccounts = 0;
        for (tok = strtok_r(argv[4], ",", &save); tok != NULL && naccounts < 16;
             tok = strtok_r(NULL, ",", &save))
        {
            accounts[naccounts++] = tok;
        }
        if (naccounts == 0) {
            return usage();
        }
    }

    if (getenv("FNGATE_ROOT") != NULL) {
        snprintf(root, sizeof(root), "%s", getenv("FNGATE_ROOT"));
    } else {
        el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (el < 0) {
            return 1;
        }
        exe[el] = '\0';
        snprintf(root, sizeof(root), "%s", dirname(dirname(exe)));
    }
    snprintf(kernel, sizeof(kernel), "%s/.fngate/kernel/vmlinux", root);
    snprintf(initrd, sizeof(initrd), "%s/build/initramfs.cpio.gz", root);
    snprintf(xml, sizeof(xml), "%s/guest/domain.xml", root);
    snprintf(state, sizeof(state), "%s/.fngate/vm", root);
    snprintf(rtdisk, sizeof(rtdisk), "%s/build/runtimes.img", root);
    cfg.kernel = kernel;
    cfg.initrd = initrd;
    cfg.runtimes = rtdisk;
    cfg.domain_xml = xml;
    cfg.state_dir = state_dir ? state_dir : state;

    zip = slurp(argv[1], &zip_len);
    if (zip == NULL) {
        fprintf(stderr, "vmctl: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (argv[3][0] == '@') {
        event = slurp(argv[3] + 1, &event_len);
        if (event == NULL) {
            fprintf(stderr, "vmctl: %s: %s\n", argv[3] + 1, strerror(errno));
            goto cleanup;
        }
    } else {
        event = strdup(argv[3]);
        event_len = strlen(event);
    }

    /* A bad zip is refused before any guest is touched. */
    fg_sha256_hex(zip, zip_len, sha);
    if (vmp_load_frame_from_zip(zip, zip_len, sha, &load, &err) < 0) {
        fprintf(stderr, "vmctl: zip: %s\n", err);
        goto cleanup;
    }

    t0 = now_ms();
    pool = vmp_pool_new(&cfg, &err);
    if (pool == NULL) {
        fprintf(stderr, "vmctl: %s\n", err);
        goto cleanup;
    }
    printf("accel: %s (%s)\n", vmp_pool_accel(pool),
        vmp_pool_accel_reason(pool));
    printf("pool_new_ms: %.1f\n", now_ms() - t0);

    if (wait_warm) {
        t0 = now_ms();
        for ( ;; ) {
            vmp_pool_stats(pool, &st);
            if (st.warm > 0) {
                break;
            }
            usleep(50000);
        }
        printf("warm_after_ms: %.1f\n", now_ms() - t0);
    }

    /* Each call as fngated makes it: acquire, LOAD unless the guest has
     * the code already, INVOKE, release. */
    for (i = 0; i < n * naccounts; i++) {
        account = accounts[i % naccounts];
        t0 = now_ms();
        if (vmp_pool_acquire(pool, account, &vm, &info, &err) < 0) {
            fprintf(stderr, "vmctl: acquire: %s\n", err);
            goto cleanup;
        }
        printf("--- call %u: account %s vm %s cold %s acquire_ms %.1f "
            "boot_ms %u\n", i + 1, account, vmp_vm_name(vm),
            info.cold ? "true" : "false", now_ms() - t0, vmp_vm_boot_ms(vm));

        /* one code: its sandbox is the guest's first, 0, which frames
         * without a "sandbox" field name */
        if (vmp_vm_sandbox(pool, vm, sha, "", memory_mb, &slot) == 0) {
            t0 = now_ms();
            if (vmp_vm_call(vm, &load, &resp_buf, &resp, 30000, &err) < 0) {
                fprintf(stderr, "vmctl: load: %s\n", err);
                healthy = false;
                goto cleanup;
            }
            printf("load_ms: %.1f (%zu bytes)\n", now_ms() - t0, load.len);
            print_field(&resp, "status");
            print_field(&resp, "message");
            vmp_vm_sandbox_set(vm, slot, sha, "");
        }

        fg_buf_reset(&req);
        snprintf(rid, sizeof(rid), "vmctl-%u-%u", (unsigned) getpid(), i);
        if (fg_frame_begin(&req, FG_FRAME_INVOKE, 0) < 0
            || fg_frame_add_str(&req, "request_id", rid) < 0
            || fg_frame_add_str(&req, "handler", argv[2]) < 0
            || fg_frame_add(&req, "event", event, event_len) < 0
            || fg_frame_add_u64(&req, "timeout_ms", timeout_ms) < 0
            || fg_frame_add_u64(&req, "memory_mb", memory_mb) < 0
            || fg_frame_add_u64(&req, "max_output", max_output) < 0)
        {
            goto cleanup;
        }
        for (j = 0; j < nenv; j++) {
            if (fg_frame_add_str(&req, "env", env[j]) < 0) {
                goto cleanup;
            }
        }
        if (fg_frame_end(&req) < 0) {
            goto cleanup;
        }

        t0 = now_ms();
        if (vmp_vm_call(vm, &req, &resp_buf, &resp, timeout_ms + 10000,
                &err) < 0)
        {
            fprintf(stderr, "vmctl: invoke: %s\n", err);
            healthy = false;
            goto cleanup;
        }
        printf("round_trip_ms: %.1f\n", now_ms() - t0);
        print_field(&resp, "request_id");
        print_field(&resp, "status");
        print_field(&resp, "exit");
        print_field(&resp, "duration_us");
        print_field(&resp, "max_rss_kb");
        print_field(&resp, "message");
        print_field(&resp, "stdout");
        print_field(&resp, "stderr");
        vmp_pool_release(pool, vm, true);
        vm = NULL;
    }
    rc = 0;

cleanup:
    if (pool != NULL && vm != NULL) {
        vmp_pool_release(pool, vm, healthy);
    }
    if (pool != NULL && keep > 0) {
        vmp_pool_stats(pool, &st);
        printf("stats: booting %u warm %u idle %u busy %u total %u\n",
            st.booting, st.warm, st.idle, st.busy, st.total);
        fflush(stdout);
        sleep(keep);
        vmp_pool_stats(pool, &st);
        printf("stats after %us: booting %u warm %u idle %u busy %u "
            "total %u\n", keep, st.booting, st.warm, st.idle, st.busy,
            st.total);
    }
    vmp_pool_free(pool);
    fg_buf_free(&req);
    fg_buf_free(&load);
    fg_buf_free(&resp_buf);
    free(err);
    free(zip);
    free(event);
    return rc;
}
