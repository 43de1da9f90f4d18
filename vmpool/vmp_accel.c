/*
 * vmp_accel: the accelerator the guests run under (cfg.accel): KVM when
 * /dev/kvm works (probed once with a real guest, the result kept under
 * STATE_DIR while the host's setup is the same), else TCG.
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


static char *
vmp_probe_key(vmp_pool_t *pool)
{
    struct stat      st;
    struct utsname   u;
    unsigned long    qemu = 0;
    char            *key;

    if (stat(pool->cfg.kernel, &st) < 0) {
        memset(&st, 0, sizeof(st));
    }
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


void
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
    if (f != NULL) {
        fclose(f);
    }

    /* Probe: one kvm guest must say HELLO in time. */
    pthread_mutex_lock(&pool->lock);
    vm = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix, NULL,
        fg_now_ms());
    if (vm != NULL) {
        vmp_set_unlink(&pool->set, vm);   /* not part of the pool */
    }
    pthread_mutex_unlock(&pool->lock);
    if (vm == NULL) {
        snprintf(pool->accel_reason, sizeof(pool->accel_reason),
            "out of memory for the kvm probe");
        goto done;
    }
    vmp_log("probing kvm with %s (up to %u ms)", vm->name,
        pool->cfg.kvm_probe_timeout_ms);
    if (vmp_vm_boot(pool, vm, "kvm", NULL, pool->cfg.kvm_probe_timeout_ms,
            &err) == 0)
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
