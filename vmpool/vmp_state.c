/*
 * vmp_state: the pool's state machine, without libvirt (see
 * vmpool_priv.h).  Callers hold the pool lock.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmpool_priv.h"

static const char *const vmp_state_names[VMP_NSTATES] = {
    "booting", "warm", "idle", "busy", "dead"
};


const char *
vmp_state_name(vmp_state_t s)
{
    return (unsigned) s < VMP_NSTATES ? vmp_state_names[s] : "?";
}


bool
vmp_transition_ok(vmp_state_t from, vmp_state_t to)
{
    if (to == VMP_DEAD) {
        return from != VMP_DEAD;
    }

    switch (from) {
    case VMP_BOOTING:
        return to == VMP_WARM || to == VMP_BUSY || to == VMP_IDLE;
    case VMP_WARM:
        return to == VMP_BUSY;
    case VMP_IDLE:
        return to == VMP_BUSY;
    case VMP_BUSY:
        return to == VMP_IDLE;
    default:
        return false;
    }
}


static void
vmp_set_count(vmp_set_t *set, const vmp_vm_t *vm, int delta)
{
    set->count[vm->state] += (unsigned) delta;
    if (vm->state == VMP_BOOTING && vm->account == NULL) {
        set->booting_generic += (unsigned) delta;
    }
}


vmp_vm_t *
vmp_set_new_vm(vmp_set_t *set, const char *prefix, const char *account,
    uint64_t now_ms)
{
    vmp_vm_t  *vm;

    vm = calloc(1, sizeof(vmp_vm_t));
    if (vm == NULL) {
        return NULL;
    }
    if (account != NULL) {
        vm->account = strdup(account);
        if (vm->account == NULL) {
            free(vm);
            return NULL;
        }
    }
    vm->id = ++set->next_id;
    snprintf(vm->name, sizeof(vm->name), "%s-%u", prefix, vm->id);
    vm->state = VMP_BOOTING;
    vm->fd = -1;
    vm->born_ms = now_ms;
    vm->last_used_ms = now_ms;

    vm->next = set->head;
    set->head = vm;
    vmp_set_count(set, vm, 1);
    return vm;
}


int
vmp_set_move(vmp_set_t *set, vmp_vm_t *vm, vmp_state_t to,
    const char *account, uint64_t now_ms)
{
    char  *acct = NULL;

    if (!vmp_transition_ok(vm->state, to)) {
        return -1;
    }
    if (account != NULL && vm->account != NULL
        && strcmp(account, vm->account) != 0)
    {
        return -1;                     /* never a second account */
    }
    if (to == VMP_BUSY && vm->account == NULL && account == NULL) {
        return -1;                     /* a call needs an account */
    }
    if (to == VMP_WARM && vm->account != NULL) {
        return -1;                     /* an assigned guest is never warm */
    }
    if (to == VMP_IDLE && vm->account == NULL) {
        return -1;                     /* idle means an account's */
    }
    if (account != NULL && vm->account == NULL) {
        acct = strdup(account);
        if (acct == NULL) {
            return -1;
        }
    }

    vmp_set_count(set, vm, -1);
    if (acct != NULL) {
        vm->account = acct;
    }
    vm->state = to;
    if (to == VMP_IDLE) {
        vm->last_used_ms = now_ms;
    }
    if (to == VMP_BUSY) {
        vm->calls++;
    }
    vmp_set_count(set, vm, 1);
    return 0;
}


void
vmp_set_unlink(vmp_set_t *set, vmp_vm_t *vm)
{
    vmp_vm_t  **pp;

    for (pp = &set->head; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == vm) {
            *pp = vm->next;
            vm->next = NULL;
            vmp_set_count(set, vm, -1);
            return;
        }
    }
}


unsigned
vmp_set_live(const vmp_set_t *set)
{
    return set->count[VMP_BOOTING] + set->count[VMP_WARM]
        + set->count[VMP_IDLE] + set->count[VMP_BUSY];
}


int
vmp_pool_key(char *out, size_t size, const char *account, const char *owner)
{
    int  n;

    if (owner == NULL || owner[0] == '\0' || strcmp(owner, account) == 0) {
        n = snprintf(out, size, "%s", account);
    } else {
        n = snprintf(out, size, "%s_%s", account, owner);
    }
    return n < 0 || (size_t) n >= size ? -1 : 0;
}


/* Whether two pool keys are of one billed account (vmp_pool_key). */
static bool
vmp_key_same_account(const char *a, const char *b)
{
    size_t  la = strcspn(a, "_"), lb = strcspn(b, "_");

    return la == lb && memcmp(a, b, la) == 0;
}


vmp_vm_t *
vmp_set_idle_holding(const vmp_set_t *set, const char *account,
    const char *code, const char *config, vmp_vm_t *dflt)
{
    vmp_vm_t  *v;

    if (dflt != NULL && vmp_vm_sandbox_find(dflt, code, config) >= 0) {
        return dflt;
    }
    for (v = set->head; v != NULL; v = v->next) {
        if (v->state == VMP_IDLE && !v->resuming
            && strcmp(v->account, account) == 0
            && vmp_vm_sandbox_find(v, code, config) >= 0)
        {
            return v;
        }
    }
    return dflt;
}


vmp_pick_t
vmp_set_choose(const vmp_set_t *set, const char *account, unsigned max_vms,
    unsigned per_account, unsigned waiting, bool room, vmp_vm_t **vm)
{
    vmp_vm_t  *v, *idle = NULL, *warm = NULL, *victim = NULL;
    unsigned   mine = 0;

    *vm = NULL;
    for (v = set->head; v != NULL; v = v->next) {
        if (v->state != VMP_DEAD && v->account != NULL
            && vmp_key_same_account(v->account, account))
        {
            mine++;
        }
        switch (v->state) {
        case VMP_IDLE:
            if (v->resuming || v->passed) {
                break;                  /* its suspended call's, next;
                                           or not for this call */
            }
            if (strcmp(v->account, account) == 0) {
                /* The most recently used: the others may age out. */
                if (idle == NULL || v->last_used_ms > idle->last_used_ms) {
                    idle = v;
                }
            } else if (!v->suspended && !vmp_vm_provisioned(v)
                       && (victim == NULL
                       || v->last_used_ms < victim->last_used_ms))
            {
                victim = v;
            }
            break;
        case VMP_WARM:
            /* The oldest warm guest first. */
            if (warm == NULL || v->born_ms < warm->born_ms
                || (v->born_ms == warm->born_ms && v->id < warm->id))
            {
                warm = v;
            }
            break;
        default:
            break;
        }
    }

    if (idle != NULL) {
        *vm = idle;
        return VMP_PICK_IDLE;
    }
    /* the account's share of the host is full: wait for one of its own */
    if (per_account != 0 && mine >= per_account) {
        return VMP_PICK_WAIT;
    }
    if (warm != NULL) {
        *vm = warm;
        return VMP_PICK_WARM;
    }
    /* Guests already booting for the warm set go to earlier waiters. */
    if (set->booting_generic > waiting) {
        return VMP_PICK_WAIT;
    }
    if (vmp_set_live(set) < max_vms && room) {
        return VMP_PICK_BOOT;
    }
    if (victim != NULL) {
        *vm = victim;
        return VMP_PICK_EVICT;
    }
    return VMP_PICK_WAIT;
}


vmp_pick_t
vmp_set_choose_fn(const vmp_set_t *set, const char *account,
    unsigned max_vms, unsigned per_account, unsigned waiting, bool room,
    bool fnsnap, vmp_vm_t **vm)
{
    vmp_pick_t       pick = vmp_set_choose(set, account, max_vms,
                                           per_account, waiting, room, vm);
    const vmp_vm_t  *v;

    if (pick != VMP_PICK_IDLE && pick != VMP_PICK_WAIT) {
        for (v = set->head; v != NULL; v = v->next) {
            if (v->saving && v->account != NULL
                && strcmp(v->account, account) == 0)
            {
                *vm = NULL;
                return VMP_PICK_WAIT;
            }
        }
    }
    if (fnsnap && (pick == VMP_PICK_WARM || pick == VMP_PICK_BOOT)
        && vmp_set_live(set) < max_vms && room)
    {
        *vm = NULL;
        return VMP_PICK_FNSNAP;
    }
    return pick;
}


void
vmp_waiters_add(vmp_waiter_t **head, vmp_waiter_t *w)
{
    vmp_waiter_t  **p = head;

    while (*p != NULL
           && ((*p)->key < w->key
               || ((*p)->key == w->key && (*p)->seq < w->seq)))
    {
        p = &(*p)->next;
    }
    w->next = *p;
    *p = w;
}


void
vmp_waiters_remove(vmp_waiter_t **head, vmp_waiter_t *w)
{
    vmp_waiter_t  **p;

    for (p = head; *p != NULL; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            w->next = NULL;
            return;
        }
    }
}


const vmp_waiter_t *
vmp_waiters_ahead(const vmp_waiter_t *head, const vmp_waiter_t *me,
    vmp_pick_t mine, const vmp_set_t *set, unsigned max_vms,
    unsigned per_account, unsigned waiting, bool room)
{
    const vmp_waiter_t  *w;
    vmp_vm_t            *vm;
    vmp_pick_t           theirs;

    if (mine == VMP_PICK_WAIT) {
        return NULL;
    }
    for (w = head; w != NULL && w != me; w = w->next) {
        /* as it will see it: when it looks, it is not in the count of
         * those asleep */
        theirs = vmp_set_choose_fn(set, w->account, max_vms, per_account,
                                   waiting - (w->asleep && waiting > 0),
                                   room, false, &vm);
        if (theirs == VMP_PICK_WAIT
            || (theirs == VMP_PICK_BOOT && w->booting))
        {
            continue;
        }
        if (theirs == VMP_PICK_IDLE) {
            /* its own idle guest: only a call of the same key wants it */
            if (mine == VMP_PICK_IDLE && strcmp(w->account, me->account) == 0)
            {
                return w;
            }
            continue;
        }
        /* a place in the pool (warm, new, evicted for it) */
        if (mine != VMP_PICK_IDLE) {
            return w;
        }
    }
    return NULL;
}


/* Guests of key: all (live) and spare (idle or being made for it). */
static void
vmp_set_count_key(const vmp_set_t *set, const char *key, unsigned *mine,
    unsigned *spare)
{
    const vmp_vm_t  *v;

    *mine = *spare = 0;
    for (v = set->head; v != NULL; v = v->next) {
        if (v->state == VMP_DEAD || v->account == NULL) {
            continue;
        }
        if (vmp_key_same_account(v->account, key)) {
            (*mine)++;
        }
        if (strcmp(v->account, key) == 0
            && (v->state == VMP_BOOTING
                || (v->state == VMP_IDLE && !v->suspended && !v->resuming)))
        {
            (*spare)++;
        }
    }
}


const char *
vmp_set_ahead_needed(const vmp_set_t *set, unsigned ahead, unsigned max_vms,
    unsigned per_account, bool room)
{
    const vmp_vm_t  *v;
    const char      *best = NULL;
    unsigned         mine, spare, best_spare = 0;

    if (ahead == 0 || !room || vmp_set_live(set) >= max_vms) {
        return NULL;
    }
    for (v = set->head; v != NULL; v = v->next) {
        if (v->account == NULL
            || (v->state != VMP_IDLE && v->state != VMP_BUSY))
        {
            continue;
        }
        vmp_set_count_key(set, v->account, &mine, &spare);
        if (spare < ahead && (per_account == 0 || mine < per_account)
            && (best == NULL || spare < best_spare))
        {
            best = v->account;
            best_spare = spare;
        }
    }
    return best;
}


unsigned
vmp_set_boots_needed(const vmp_set_t *set, unsigned warm, unsigned max_vms,
    bool room)
{
    unsigned  have = set->count[VMP_WARM] + set->booting_generic;
    unsigned  live = vmp_set_live(set);
    unsigned  need, free;

    if (have >= warm || live >= max_vms || !room) {
        return 0;
    }
    need = warm - have;
    free = max_vms - live;
    return need < free ? need : free;
}


uint64_t
vmp_set_host_kb(const vmp_set_t *set, uint64_t new_kb)
{
    const vmp_vm_t  *v;
    uint64_t         kb = 0;

    for (v = set->head; v != NULL; v = v->next) {
        if (v->state != VMP_DEAD) {
            kb += v->host_kb != 0 ? v->host_kb : new_kb;
        }
    }
    return kb;
}


bool
vmp_set_mem_room(const vmp_set_t *set, uint64_t budget_kb, uint64_t new_kb)
{
    return budget_kb == 0
           || vmp_set_host_kb(set, new_kb) + new_kb <= budget_kb;
}


vmp_vm_t *
vmp_set_expired(const vmp_set_t *set, uint64_t now_ms, uint64_t idle_ms)
{
    vmp_vm_t  *v, *oldest = NULL;

    for (v = set->head; v != NULL; v = v->next) {
        /* a guest released after now_ms was read is not expired (the
         * caller may hold an older now_ms across an unlock) */
        if (v->state != VMP_IDLE || v->suspended || vmp_vm_provisioned(v)
            || now_ms < v->last_used_ms
            || now_ms - v->last_used_ms < idle_ms)
        {
            continue;
        }
        if (oldest == NULL || v->last_used_ms < oldest->last_used_ms) {
            oldest = v;
        }
    }
    return oldest;
}


void
vmp_set_stats(const vmp_set_t *set, vmp_stats_t *st)
{
    st->booting = set->count[VMP_BOOTING];
    st->warm = set->count[VMP_WARM];
    st->idle = set->count[VMP_IDLE];
    st->busy = set->count[VMP_BUSY];
    st->total = vmp_set_live(set);
}


void
vmp_vm_free(vmp_vm_t *vm)
{
    if (vm == NULL) {
        return;
    }
    free(vm->account);
    free(vm->egress);
    free(vm->egress_src);
    free(vm);
}


char *
vmp_template_expand(const char *tmpl, const char *const *keys,
    const char *const *vals, unsigned n)
{
    size_t       cap = strlen(tmpl) + 1, len = 0;
    const char  *p = tmpl, *end;
    char        *out, *tmp;
    unsigned     i;

    out = malloc(cap);
    if (out == NULL) {
        return NULL;
    }

    while (*p != '\0') {
        const char  *add = p;
        size_t       alen = 1, skip = 1;

        if (*p == '@' && (end = strchr(p + 1, '@')) != NULL) {
            for (i = 0; i < n; i++) {
                if (strlen(keys[i]) == (size_t) (end - p - 1)
                    && strncmp(keys[i], p + 1, (size_t) (end - p - 1)) == 0)
                {
                    add = vals[i];
                    alen = strlen(vals[i]);
                    skip = (size_t) (end - p) + 1;
                    break;
                }
            }
        }
        if (len + alen + 1 > cap) {
            cap = (len + alen + 1) * 2;
            tmp = realloc(out, cap);
            if (tmp == NULL) {
                free(out);
                return NULL;
            }
            out = tmp;
        }
        memcpy(out + len, add, alen);
        len += alen;
        p += skip;
    }
    out[len] = '\0';
    return out;
}


char *
vmp_xml_channel_path(const char *xml, const char *name)
{
    const char  *ch, *end, *target, *src, *q;
    char         want[160];
    char         quote;

    for (ch = strstr(xml, "<channel"); ch != NULL;
         ch = strstr(end, "<channel"))
    {
        end = strstr(ch, "</channel>");
        if (end == NULL) {
            return NULL;
        }
        snprintf(want, sizeof(want), "name='%s'", name);
        target = strstr(ch, want);
        if (target == NULL || target > end) {
            snprintf(want, sizeof(want), "name=\"%s\"", name);
            target = strstr(ch, want);
            if (target == NULL || target > end) {
                continue;
            }
        }
        src = strstr(ch, "<source");
        if (src == NULL || src > end) {
            return NULL;
        }
        src = strstr(src, "path=");
        if (src == NULL || src > end) {
            return NULL;
        }
        quote = src[5];
        if (quote != '\'' && quote != '"') {
            return NULL;
        }
        src += 6;
        q = strchr(src, quote);
        if (q == NULL || q > end || memchr(src, '&', (size_t) (q - src))) {
            return NULL;               /* escaped paths are not ours */
        }
        return strndup(src, (size_t) (q - src));
    }
    return NULL;
}
