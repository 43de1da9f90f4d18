/*
 * vmp_thread: the pool's background thread: it keeps the warm set full,
 * makes the guests queued for an account, reaps idle guests, notices
 * guests whose agent went away, prepares the snapshots and saves function
 * snapshots.
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

#define VMP_TICK_MS      1000


/* Warm and idle guests whose agent channel closed or spoke out of turn. */
static void
vmp_check_health(vmp_pool_t *pool)
{
    vmp_vm_t  *vm, *next, *dead = NULL;
    char       c;

    for (vm = pool->set.head; vm != NULL; vm = next) {
        struct pollfd  p = { .fd = vm->fd, .events = POLLIN };

        next = vm->next;
        if (vm->state != VMP_WARM && vm->state != VMP_IDLE) {
            continue;
        }
        if (poll(&p, 1, 0) <= 0) {
            continue;
        }
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
        if (vm->queued && (oldest == NULL || vm->id < oldest->id)) {
            oldest = vm;
        }
    }
    return oldest;
}


void *
vmp_thread(void *arg)
{
    vmp_pool_t  *pool = arg;
    vmp_vm_t    *vm;
    unsigned     failures = 0;
    const char  *key;
    char        *err;

    if (pool->cfg.snapshot) {
        vmp_snap_prepare(pool);
    }
    if (pool->cfg.function_snapshots) {
        vmp_fnsnap_prepare(pool);
    }

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
        if (!pool->stop) {
            vmp_fnsnap_capture(pool);
        }

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
            vmp_vm_discard(pool, vm);
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
        } else if (!pool->stop
                   && (key = vmp_set_ahead_needed(&pool->set,
                          pool->cfg.warm_per_account, pool->cfg.max_vms,
                          pool->cfg.max_vms_per_account, vmp_mem_room(pool)))
                      != NULL)
        {
            vm = vmp_set_new_vm(&pool->set, pool->cfg.name_prefix, key,
                fg_now_ms());
            if (vm != NULL) {
                vmp_log("%s: made ahead for account %s (warm_per_account "
                    "%u)", vm->name, key, pool->cfg.warm_per_account);
            }
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
                if (!pool->stop) {
                    vmp_log("%s: boot failed%s%s: %s", vm->name,
                        vm->account ? " for account " : "",
                        vm->account ? vm->account : "", err ? err : "?");
                }
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
        fg_abstime(&ts, (uint64_t) VMP_TICK_MS
            * (failures ? (failures > 30 ? 30 : failures) : 1));
        if (!pool->stop) {
            pthread_cond_timedwait(&pool->wake, &pool->lock, &ts);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}
