/*
 * vmp_sandbox: the sandboxes a guest holds (docs/vms.md "Sandboxes"), as
 * the host keeps them: for each of the agent's numbers (guest/agent/
 * agent_slot.c), the function version it holds, named by the code's
 * sha256 and the configuration its runtime saw (vmp_fnsnap_config), the
 * function's memory size, the most its calls used and when it last ran.
 *
 * A call takes the sandbox of its version in its guest; else a free one,
 * within sandboxes_per_vm; else the least recently used one is given up
 * for it.  Before that, sandboxes are given up least recently used first
 * while the idle ones' use plus the new function's memory size would be
 * more than sandbox_memory_mb.  The guest's lock is the caller's: a guest
 * is in one call at a time.
 */

#include <stdio.h>
#include <string.h>

#include "vmpool_priv.h"


static void
vmp_sbx_key(char *out, size_t size, const char *code, const char *config)
{
    snprintf(out, size, "%s/%s", code ? code : "", config ? config : "");
}


/* The least recently used of vm's first n sandboxes, provisioned ones
 * only when kept (-1: none holds anything, or only provisioned ones). */
static int
vmp_sbx_lru(const vmp_vm_t *vm, unsigned n, bool kept)
{
    int       i, lru = -1;

    for (i = 0; i < (int) n; i++) {
        if (vm->sbx[i].key[0] != '\0' && (kept || !vm->sbx[i].provisioned)
            && (lru < 0 || vm->sbx[i].used_ms < vm->sbx[lru].used_ms))
        {
            lru = i;
        }
    }
    return lru;
}


int
vmp_vm_sandbox_find(const vmp_vm_t *vm, const char *code, const char *config)
{
    char      key[sizeof(vm->sbx[0].key)];
    unsigned  i;

    vmp_sbx_key(key, sizeof(key), code, config);
    for (i = 0; i < VMP_SBX_MAX; i++) {
        if (vm->sbx[i].key[0] != '\0' && strcmp(vm->sbx[i].key, key) == 0) {
            return (int) i;
        }
    }
    return -1;
}


int
vmp_sbx_choose(vmp_vm_t *vm, unsigned n, unsigned budget, const char *code,
    const char *config, unsigned memory_mb, unsigned *slot)
{
    unsigned  held, i;
    int       k, lru;

    if (n == 0 || n > VMP_SBX_MAX) {
        n = n == 0 ? 1 : VMP_SBX_MAX;
    }
    k = vmp_vm_sandbox_find(vm, code, config);
    if (k >= 0) {
        *slot = (unsigned) k;
        vm->sbx_cur = *slot;
        return 1;
    }
    /* room for what the new one may use: the others given up, least
     * recently used first, until their use fits beside it */
    for ( ;; ) {
        held = 0;
        for (i = 0; i < n; i++) {
            if (vm->sbx[i].key[0] != '\0') {
                held += vm->sbx[i].peak_mb;
            }
        }
        if (budget == 0 || held + memory_mb <= budget) {
            break;
        }
        lru = vmp_sbx_lru(vm, n, false);
        if (lru < 0) {
            break;
        }
        vmp_log("%s: sandbox %d given up for memory (%u MB held, %u MB "
            "more wanted, sandbox_memory_mb %u)", vm->name, lru, held,
            memory_mb, budget);
        vm->sbx[lru].key[0] = '\0';
    }
    for (i = 0; i < n && vm->sbx[i].key[0] != '\0'; i++) { }
    if (i == n) {
        lru = vmp_sbx_lru(vm, n, false);
        if (lru < 0) {
            /* every sandbox provisioned: one goes, and is made again
             * in another guest (vmp_pool_provisioned) */
            lru = vmp_sbx_lru(vm, n, true);
            vmp_log("%s: provisioned sandbox %d given up: the guest has "
                "no other", vm->name, lru);
        }
        i = (unsigned) lru;
    }
    memset(&vm->sbx[i], 0, sizeof(vm->sbx[i]));
    vm->capture[0] = '\0';          /* saved with one sandbox alone */
    *slot = i;
    vm->sbx_cur = i;
    return 0;
}


int
vmp_vm_sandbox(vmp_pool_t *pool, vmp_vm_t *vm, const char *code,
    const char *config, unsigned memory_mb, unsigned *slot)
{
    return vmp_sbx_choose(vm, pool->cfg.sandboxes_per_vm,
        pool->cfg.sandbox_memory_mb, code, config, memory_mb, slot);
}


void
vmp_vm_sandbox_set(vmp_vm_t *vm, unsigned slot, const char *code,
    const char *config)
{
    if (slot >= VMP_SBX_MAX) {
        return;
    }
    vmp_sbx_key(vm->sbx[slot].key, sizeof(vm->sbx[slot].key), code, config);
    vm->sbx[slot].peak_mb = 0;
    vm->sbx[slot].used_ms = fg_now_ms();
    vm->sbx_cur = slot;
}


void
vmp_vm_sandbox_ran(vmp_vm_t *vm, unsigned slot, uint64_t max_rss_kb)
{
    unsigned  mb = (unsigned) ((max_rss_kb + 1023) / 1024);

    if (slot >= VMP_SBX_MAX || vm->sbx[slot].key[0] == '\0') {
        return;
    }
    if (mb > vm->sbx[slot].peak_mb) {
        vm->sbx[slot].peak_mb = mb;
    }
    vm->sbx[slot].used_ms = fg_now_ms();
}


unsigned
vmp_vm_sandboxes(const vmp_vm_t *vm)
{
    unsigned  i, n = 0;

    for (i = 0; i < VMP_SBX_MAX; i++) {
        n += vm->sbx[i].key[0] != '\0';
    }
    return n;
}


bool
vmp_vm_provisioned(const vmp_vm_t *vm)
{
    unsigned  i;

    for (i = 0; i < VMP_SBX_MAX; i++) {
        if (vm->sbx[i].key[0] != '\0' && vm->sbx[i].provisioned) {
            return true;
        }
    }
    return false;
}


bool
vmp_vm_sandbox_provisioned(const vmp_vm_t *vm, unsigned slot)
{
    return slot < VMP_SBX_MAX && vm->sbx[slot].key[0] != '\0'
           && vm->sbx[slot].provisioned;
}


unsigned
vmp_set_provisioned(vmp_set_t *set, const char *key, const char *code,
    const char *config, unsigned want)
{
    vmp_vm_t  *v;
    unsigned   kept = 0, pass;
    int        k;

    /* those kept already first, so a pin does not wander */
    for (pass = 0; pass < 2; pass++) {
        for (v = set->head; v != NULL; v = v->next) {
            if (v->state == VMP_DEAD || v->account == NULL
                || strcmp(v->account, key) != 0
                || (k = vmp_vm_sandbox_find(v, code, config)) < 0
                || v->sbx[k].provisioned != (pass == 0))
            {
                continue;
            }
            v->sbx[k].provisioned = kept < want;
            kept += kept < want;
        }
    }
    return kept;
}
