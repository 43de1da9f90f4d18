/*
 * fngated_pool: the pool of guests every Invoke runs in (vmpool), made by
 * a background thread at start (making it probes the accelerator and may
 * take a boot timeout), and made again every few seconds while libvirt
 * is not there yet, so management calls never wait for VMs.  An Invoke
 * that arrives before the pool exists waits for it up to
 * acquire_timeout.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_util.h"
#include "fngated_cli.h"
#include "fngated_log.h"
#include "fngated_pool.h"

static pthread_mutex_t   fgd_pool_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_cond_t    fgd_pool_cond = PTHREAD_COND_INITIALIZER;

static vmp_pool_t       *fgd_pool;

static char              fgd_pool_err[256] = "the VM pool is starting";

static bool              fgd_pool_quit;

static pthread_t         fgd_pool_thread;

static bool              fgd_pool_thread_started;

static vmp_config_t      fgd_vmcfg;
static const fgd_conf_t *fgd_pool_conf;

static void *
fgd_pool_main(void *arg)
{
    (void) arg;
    for (;;) {
        char            *err = NULL;
        vmp_pool_t      *pool;
        struct timespec  until;

        pthread_mutex_lock(&fgd_pool_lock);
        if (fgd_pool_quit) {
            pthread_mutex_unlock(&fgd_pool_lock);
            return NULL;
        }
        pthread_mutex_unlock(&fgd_pool_lock);

        pool = vmp_pool_new(&fgd_vmcfg, &err);

        pthread_mutex_lock(&fgd_pool_lock);
        if (pool != NULL) {
            fgd_pool = pool;
            pthread_cond_broadcast(&fgd_pool_cond);
            pthread_mutex_unlock(&fgd_pool_lock);
            fgd_log("info", NULL, "vm pool ready: accel %s, warm %u, max %u",
                vmp_pool_accel(pool), fgd_vmcfg.warm, fgd_vmcfg.max_vms);
            /* the socket listens (main opened it first): ready */
            fgd_cli_ready(fgd_pool_conf);
            return NULL;
        }
        snprintf(fgd_pool_err, sizeof(fgd_pool_err), "%s",
            err ? err : "vmp_pool_new failed");
        fgd_log("error", NULL, "vm pool: %s; retrying in 5 s", fgd_pool_err);
        free(err);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        while (!fgd_pool_quit
               && pthread_cond_timedwait(&fgd_pool_cond, &fgd_pool_lock, &until)
               == 0)
        {
            ;
        }
        pthread_mutex_unlock(&fgd_pool_lock);
    }
}

void
fgd_pool_start(const fgd_conf_t *conf)
{
    /* conf->vm started from vmp_config_defaults and holds every key of
     * the file; its strings point into conf, which outlives the pool. */
    fgd_vmcfg = conf->vm;
    fgd_pool_conf = conf;

    if (pthread_create(&fgd_pool_thread, NULL, fgd_pool_main, NULL) != 0) {
        fgd_log("error", NULL, "can not start the vm pool thread");
        snprintf(fgd_pool_err, sizeof(fgd_pool_err),
            "the VM pool could not be started");
        return;
    }
    fgd_pool_thread_started = true;
}

void
fgd_pool_stop(void)
{
    pthread_mutex_lock(&fgd_pool_lock);
    fgd_pool_quit = true;
    pthread_cond_broadcast(&fgd_pool_cond);
    pthread_mutex_unlock(&fgd_pool_lock);
    /* vmp_pool_new itself is not interruptible: a stop during the first
     * boot waits for it. */
    if (fgd_pool_thread_started) {
        pthread_join(fgd_pool_thread, NULL);
    }
    vmp_pool_free(fgd_pool);
    fgd_pool = NULL;
}

void
fgd_pool_forget(const char *owner, const char *name, const char *version)
{
    vmp_pool_t  *pool = fgd_pool_now();
    char         fnid[200];

    if (pool == NULL) {
        return;
    }
    /* the function as Invoke names it to vmp_fnsnap_config */
    snprintf(fnid, sizeof(fnid), "%s:%s", owner, name);
    vmp_pool_fnsnap_forget(pool, fnid, version);
}

vmp_pool_t *
fgd_pool_now(void)
{
    vmp_pool_t  *pool;

    pthread_mutex_lock(&fgd_pool_lock);
    pool = fgd_pool;
    pthread_mutex_unlock(&fgd_pool_lock);
    return pool;
}

unsigned
fgd_pool_provisioned(const char *owner, const char *code,
    const char *config, unsigned want)
{
    vmp_pool_t  *pool = fgd_pool_now();
    char         key[128];

    if (pool == NULL || vmp_pool_key(key, sizeof(key), owner, owner) != 0) {
        return 0;
    }
    return vmp_pool_provisioned(pool, key, code, config, want);
}

vmp_pool_t *
fgd_pool_wait(unsigned timeout_ms, const char *request_id)
{
    struct timespec  until;
    vmp_pool_t      *pool;

    fg_abstime(&until, timeout_ms);
    pthread_mutex_lock(&fgd_pool_lock);
    while (fgd_pool == NULL && !fgd_pool_quit
           && pthread_cond_timedwait(&fgd_pool_cond, &fgd_pool_lock, &until)
           == 0)
    {
        ;
    }
    pool = fgd_pool;
    if (pool == NULL) {
        fgd_log("error", request_id, "no vm pool: %s", fgd_pool_err);
    }
    pthread_mutex_unlock(&fgd_pool_lock);
    return pool;
}
