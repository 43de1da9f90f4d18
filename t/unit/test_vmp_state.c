/*
 * The suite vmp_state of test_vmpool: the state machine, the sets of
 * guests (choice, keys, refill, memory budget, expiry, stats), the
 * template and the channel path read from live XML (vmp_state.c).
 */

#include <stdio.h>
#include <stdlib.h>

#include "test_vmpool.h"

static void
test_transitions(void)
{
    CU_ASSERT(vmp_transition_ok(VMP_BOOTING, VMP_WARM));
    CU_ASSERT(vmp_transition_ok(VMP_BOOTING, VMP_BUSY));
    CU_ASSERT(vmp_transition_ok(VMP_WARM, VMP_BUSY));
    CU_ASSERT(vmp_transition_ok(VMP_BUSY, VMP_IDLE));
    CU_ASSERT(vmp_transition_ok(VMP_IDLE, VMP_BUSY));
    CU_ASSERT(vmp_transition_ok(VMP_IDLE, VMP_DEAD));
    CU_ASSERT(vmp_transition_ok(VMP_BOOTING, VMP_DEAD));
    CU_ASSERT(vmp_transition_ok(VMP_BOOTING, VMP_IDLE));

    CU_ASSERT_FALSE(vmp_transition_ok(VMP_IDLE, VMP_WARM));
    CU_ASSERT_FALSE(vmp_transition_ok(VMP_BUSY, VMP_WARM));
    CU_ASSERT_FALSE(vmp_transition_ok(VMP_WARM, VMP_IDLE));
    CU_ASSERT_FALSE(vmp_transition_ok(VMP_DEAD, VMP_BUSY));
    CU_ASSERT_FALSE(vmp_transition_ok(VMP_DEAD, VMP_DEAD));
    CU_ASSERT_FALSE(vmp_transition_ok(VMP_BUSY, VMP_BUSY));
    CU_ASSERT_STRING_EQUAL(vmp_state_name(VMP_IDLE), "idle");
}


static void
set_free(vmp_set_t *set)
{
    vmp_vm_t  *vm;

    while ((vm = set->head) != NULL) {
        vmp_set_unlink(set, vm);
        vmp_vm_free(vm);
    }
}


static void
test_account_never_changes(void)
{
    vmp_set_t  set = { 0 };
    vmp_vm_t  *vm;

    vm = vmp_set_new_vm(&set, "fg", NULL, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    CU_ASSERT_STRING_EQUAL(vm->name, "fg-1");
    CU_ASSERT_EQUAL(set.booting_generic, 1);

    /* A generic guest can not go idle (an account's state) either, but
     * one made on demand for an account can. */
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_IDLE, NULL, 150), -1);
    {
        vmp_vm_t  *own = vmp_set_new_vm(&set, "fg", "333333333333", 150);

        CU_ASSERT_PTR_NOT_NULL_FATAL(own);
        CU_ASSERT_EQUAL(set.booting_generic, 1);
        CU_ASSERT_EQUAL(vmp_set_move(&set, own, VMP_IDLE, NULL, 160), 0);
        CU_ASSERT_EQUAL(own->calls, 0);
        CU_ASSERT_EQUAL(vmp_set_move(&set, own, VMP_BUSY, "111111111111",
            170), -1);
        vmp_set_move(&set, own, VMP_DEAD, NULL, 180);
        vmp_set_unlink(&set, own);
        vmp_vm_free(own);
    }

    /* A generic guest can not go busy without an account. */
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_WARM, NULL, 200), 0);
    CU_ASSERT_EQUAL(set.booting_generic, 0);
    CU_ASSERT_EQUAL(set.count[VMP_WARM], 1);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_BUSY, NULL, 200), -1);

    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_BUSY, "111111111111", 300),
        0);
    CU_ASSERT_STRING_EQUAL(vm->account, "111111111111");
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_IDLE, NULL, 400), 0);
    CU_ASSERT_EQUAL(vm->last_used_ms, 400);

    /* Another account is refused, the same one is fine. */
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_BUSY, "222222222222", 500),
        -1);
    CU_ASSERT_EQUAL(vm->state, VMP_IDLE);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_BUSY, "111111111111", 500),
        0);
    CU_ASSERT_EQUAL(vm->calls, 2);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_IDLE, NULL, 600), 0);

    /* An assigned guest never becomes warm (generic) again. */
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_DEAD, NULL, 700), 0);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_IDLE, NULL, 700), -1);
    CU_ASSERT_EQUAL(vmp_set_live(&set), 0);

    /* Booted on demand: carries its account from the start. */
    vm = vmp_set_new_vm(&set, "fg", "333333333333", 800);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    CU_ASSERT_EQUAL(set.booting_generic, 0);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_WARM, NULL, 900), -1);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_BUSY, "444444444444", 900),
        -1);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_BUSY, "333333333333", 900),
        0);
    set_free(&set);
}


static vmp_vm_t *
add_vm(vmp_set_t *set, vmp_state_t state, const char *account,
    uint64_t born, uint64_t used)
{
    vmp_vm_t  *vm = vmp_set_new_vm(set, "fg", NULL, born);

    CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
    if (state == VMP_BOOTING) {
        return vm;
    }
    if (account == NULL) {
        CU_ASSERT_EQUAL(vmp_set_move(set, vm, VMP_WARM, NULL, born), 0);
        if (state == VMP_WARM) {
            return vm;
        }
    }
    CU_ASSERT_EQUAL(vmp_set_move(set, vm, VMP_BUSY, account, used), 0);
    if (state == VMP_IDLE) {
        CU_ASSERT_EQUAL(vmp_set_move(set, vm, VMP_IDLE, NULL, used), 0);
    }
    return vm;
}


static void
test_choose(void)
{
    vmp_set_t   set = { 0 };
    vmp_vm_t   *a1, *a2, *b1, *w1, *w2, *vm;

    /* Empty pool: boot, unless at the cap. */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 4, 0, 0, true, &vm), VMP_PICK_BOOT);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 0, 0, 0, true, &vm), VMP_PICK_WAIT);

    a1 = add_vm(&set, VMP_IDLE, "A", 10, 100);
    a2 = add_vm(&set, VMP_IDLE, "A", 11, 300);
    b1 = add_vm(&set, VMP_IDLE, "B", 12, 50);
    w2 = add_vm(&set, VMP_WARM, NULL, 30, 0);
    w1 = add_vm(&set, VMP_WARM, NULL, 20, 0);

    /* The account's most recently used idle guest. */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 8, 0, 0, true, &vm), VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, a2);
    vmp_set_move(&set, a2, VMP_BUSY, "A", 400);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 8, 0, 0, true, &vm), VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, a1);
    vmp_set_move(&set, a1, VMP_BUSY, "A", 400);

    /* All of A's guests busy: the oldest warm one; never B's. */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 8, 0, 0, true, &vm), VMP_PICK_WARM);
    CU_ASSERT_PTR_EQUAL(vm, w1);
    vmp_set_move(&set, w1, VMP_BUSY, "A", 400);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "C", 8, 0, 0, true, &vm), VMP_PICK_WARM);
    CU_ASSERT_PTR_EQUAL(vm, w2);
    vmp_set_move(&set, w2, VMP_BUSY, "C", 400);

    /* No warm guest: boot under the cap (5 live < 6). */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "D", 6, 0, 0, true, &vm), VMP_PICK_BOOT);

    /* An account at its own cap waits, even with room and warm guests;
     * under it, it goes on; an idle guest of its own is always reused. */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 8, 3, 0, true, &vm), VMP_PICK_WAIT);
    CU_ASSERT_PTR_NULL(vm);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 8, 4, 0, true, &vm), VMP_PICK_BOOT);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 8, 1, 0, true, &vm), VMP_PICK_IDLE);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "D", 6, 1, 0, true, &vm), VMP_PICK_BOOT);

    /* At the cap: evict another account's idle guest (B's). */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "D", 5, 0, 0, true, &vm), VMP_PICK_EVICT);
    CU_ASSERT_PTR_EQUAL(vm, b1);
    /* ...but B itself reuses it. */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 5, 0, 0, true, &vm), VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, b1);

    vmp_set_move(&set, b1, VMP_DEAD, NULL, 500);
    vmp_set_unlink(&set, b1);
    vmp_vm_free(b1);
    /* 4 live, cap 4, all busy: wait. */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "D", 4, 0, 0, true, &vm), VMP_PICK_WAIT);

    /* A warm guest booting: the first waiter waits for it, a second
     * acquirer boots its own. */
    add_vm(&set, VMP_BOOTING, NULL, 600, 0);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "D", 8, 0, 0, true, &vm), VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "E", 8, 0, 1, true, &vm), VMP_PICK_BOOT);
    set_free(&set);
}


static void
test_pool_key(void)
{
    vmp_set_t   set = { 0 };
    vmp_vm_t   *own, *xa, *vm;
    char        key[64];

    /* Own code: the account alone; another owner's: the pair. */
    CU_ASSERT_EQUAL(vmp_pool_key(key, sizeof(key), "111111111111",
        "111111111111"), 0);
    CU_ASSERT_STRING_EQUAL(key, "111111111111");
    CU_ASSERT_EQUAL(vmp_pool_key(key, sizeof(key), "111111111111", ""), 0);
    CU_ASSERT_STRING_EQUAL(key, "111111111111");
    CU_ASSERT_EQUAL(vmp_pool_key(key, sizeof(key), "111111111111",
        "222222222222"), 0);
    CU_ASSERT_STRING_EQUAL(key, "111111111111_222222222222");
    CU_ASSERT_EQUAL(vmp_pool_key(key, 20, "111111111111", "222222222222"),
        -1);

    /* B's own guest never serves A's code for B, nor the other way. */
    own = add_vm(&set, VMP_IDLE, "B", 10, 100);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B_A", 8, 0, 0, true, &vm),
        VMP_PICK_BOOT);
    xa = add_vm(&set, VMP_IDLE, "B_A", 11, 200);
    CU_ASSERT_EQUAL(vmp_set_move(&set, own, VMP_BUSY, "B_A", 300), -1);
    CU_ASSERT_EQUAL(vmp_set_move(&set, xa, VMP_BUSY, "B", 300), -1);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B_A", 8, 0, 0, true, &vm),
        VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, xa);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 8, 0, 0, true, &vm),
        VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, own);

    /* max_vms_per_account counts both of B's keys (2 guests). */
    vmp_set_move(&set, own, VMP_BUSY, "B", 400);
    vmp_set_move(&set, xa, VMP_BUSY, "B_A", 400);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B_C", 8, 2, 0, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 8, 2, 0, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 8, 3, 0, true, &vm),
        VMP_PICK_BOOT);
    /* another account whose id starts alike is another account */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "BB", 8, 1, 0, true, &vm),
        VMP_PICK_BOOT);
    set_free(&set);
}


static void
test_boots_needed(void)
{
    vmp_set_t  set = { 0 };
    vmp_vm_t  *vm;

    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 2, 8, true), 2);
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 2, 1, true), 1);
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 0, 8, true), 0);

    add_vm(&set, VMP_BOOTING, NULL, 1, 0);
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 2, 8, true), 1);
    add_vm(&set, VMP_WARM, NULL, 1, 0);
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 2, 8, true), 0);

    /* Assigned guests do not count as warm; on-demand boots neither. */
    add_vm(&set, VMP_IDLE, "A", 1, 5);
    vm = vmp_set_new_vm(&set, "fg", "B", 1);
    CU_ASSERT_PTR_NOT_NULL(vm);
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 3, 8, true), 1);
    /* ...but all count against max_vms. */
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 3, 4, true), 0);
    set_free(&set);
}


/* The memory budget: measured guests count what they hold, the others
 * what a new guest costs; without room nothing is made, an idle guest of
 * another account is evicted instead, and the warm set is not refilled. */
static void
test_memory_budget(void)
{
    vmp_set_t   set = { 0 };
    vmp_vm_t   *a, *b, *w, *vm;

    CU_ASSERT_TRUE(vmp_set_mem_room(&set, 0, 1u << 30));
    CU_ASSERT_TRUE(vmp_set_mem_room(&set, 100, 100));
    CU_ASSERT_FALSE(vmp_set_mem_room(&set, 99, 100));

    a = add_vm(&set, VMP_IDLE, "A", 1, 10);
    b = add_vm(&set, VMP_BUSY, "B", 1, 0);
    w = vmp_set_new_vm(&set, "fg", "B", 1);    /* booting, not measured */
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    a->host_kb = 150;
    b->host_kb = 300;
    CU_ASSERT_EQUAL(vmp_set_host_kb(&set, 100), 550);
    w->host_kb = 120;
    CU_ASSERT_EQUAL(vmp_set_host_kb(&set, 100), 570);
    CU_ASSERT_TRUE(vmp_set_mem_room(&set, 670, 100));
    CU_ASSERT_FALSE(vmp_set_mem_room(&set, 669, 100));

    /* under max_vms but no room: C evicts A's idle guest, B waits */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "C", 8, 0, 0, false, &vm),
        VMP_PICK_EVICT);
    CU_ASSERT_PTR_EQUAL(vm, a);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 8, 0, 0, false, &vm),
        VMP_PICK_IDLE);
    vmp_set_move(&set, a, VMP_BUSY, "A", 20);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "C", 8, 0, 0, false, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "C", 8, 0, 0, true, &vm),
        VMP_PICK_BOOT);

    /* a dead guest holds nothing */
    vmp_set_move(&set, a, VMP_DEAD, NULL, 30);
    CU_ASSERT_EQUAL(vmp_set_host_kb(&set, 100), 420);

    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 3, 8, false), 0);
    CU_ASSERT_EQUAL(vmp_set_boots_needed(&set, 3, 8, true), 3);
    set_free(&set);
}


/* A guest holding a suspended call (docs/suspend.md): its pool key's
 * calls may have it while the call is away, nobody else; it is neither
 * destroyed idle nor evicted; once the call wants it back, no other call
 * takes it. */
static void
test_suspended_guest(void)
{
    vmp_set_t   set = { 0 };
    vmp_vm_t   *a, *vm;

    a = add_vm(&set, VMP_IDLE, "A", 0, 1000);
    a->suspended = true;

    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 1, 0, 0, true, &vm),
        VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, a);
    /* at max_vms another account waits rather than evict it */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 1, 0, 0, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_PTR_NULL(vmp_set_expired(&set, 1000000, 10000));
    CU_ASSERT_PTR_NULL(vmp_set_expired(&set, 1000000, 0));

    /* its call wants it back: A's other calls wait, as at the cap */
    a->resuming = true;
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "A", 1, 1, 0, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_PTR_NULL(vm);

    /* back with its call: an idle guest like any other */
    a->suspended = a->resuming = false;
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 1, 0, 0, true, &vm),
        VMP_PICK_EVICT);
    CU_ASSERT_PTR_EQUAL(vmp_set_expired(&set, 1000000, 10000), a);
    set_free(&set);
}


static void
test_expired_and_stats(void)
{
    vmp_set_t    set = { 0 };
    vmp_vm_t    *old, *vm;
    vmp_stats_t  st;

    add_vm(&set, VMP_WARM, NULL, 0, 0);          /* warm never expires */
    old = add_vm(&set, VMP_IDLE, "A", 0, 1000);
    add_vm(&set, VMP_IDLE, "B", 0, 5000);
    add_vm(&set, VMP_BUSY, "C", 0, 0);           /* busy never expires */
    add_vm(&set, VMP_BOOTING, NULL, 0, 0);

    CU_ASSERT_PTR_NULL(vmp_set_expired(&set, 5000, 10000));
    vm = vmp_set_expired(&set, 12000, 10000);
    CU_ASSERT_PTR_EQUAL(vm, old);
    vmp_set_move(&set, old, VMP_DEAD, NULL, 12000);
    vmp_set_unlink(&set, old);
    vmp_vm_free(old);
    CU_ASSERT_PTR_NULL(vmp_set_expired(&set, 12000, 10000));
    CU_ASSERT_PTR_NOT_NULL(vmp_set_expired(&set, 15000, 10000));
    /* a guest released after the caller read its clock is not expired
     * (no wrap-around of now - last used) */
    CU_ASSERT_PTR_NULL(vmp_set_expired(&set, 4000, 10));
    CU_ASSERT_PTR_NULL(vmp_set_expired(&set, 4000, 0));

    vmp_set_stats(&set, &st);
    CU_ASSERT_EQUAL(st.booting, 1);
    CU_ASSERT_EQUAL(st.warm, 1);
    CU_ASSERT_EQUAL(st.idle, 1);
    CU_ASSERT_EQUAL(st.busy, 1);
    CU_ASSERT_EQUAL(st.total, 4);
    set_free(&set);
}

static void
test_template(void)
{
    const char  *keys[] = { "NAME", "MEMORY_MB" };
    const char  *vals[] = { "fngate-3", "256" };
    char        *s;

    s = vmp_template_expand("<name>@NAME@</name><m>@MEMORY_MB@</m>@X@ a@b "
        "@NAME@@", keys, vals, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, "<name>fngate-3</name><m>256</m>@X@ a@b "
        "fngate-3@");
    free(s);
    s = vmp_template_expand("", keys, vals, 2);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
}


static void
test_channel_path(void)
{
    const char  *xml =
        "<domain><devices>"
        "<channel type='unix'>"
        "<source mode='bind' path='/var/lib/other'/>"
        "<target type='virtio' name='org.qemu.guest_agent.0'/>"
        "</channel>"
        "<channel type='unix'>\n"
        "  <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/"
        "domain-7-fngate-3/org.fngate.agent.0'/>\n"
        "  <target type='virtio' name='org.fngate.agent.0' "
        "state='disconnected'/>\n"
        "</channel></devices></domain>";
    char        *p;

    p = vmp_xml_channel_path(xml, "org.fngate.agent.0");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(p, "/var/lib/libvirt/qemu/channel/target/"
        "domain-7-fngate-3/org.fngate.agent.0");
    free(p);
    CU_ASSERT_PTR_NULL(vmp_xml_channel_path(xml, "org.none"));
    CU_ASSERT_PTR_NULL(vmp_xml_channel_path("<domain/>", "x"));
    CU_ASSERT_PTR_NULL(vmp_xml_channel_path(
        "<channel><source mode='bind'/><target name='x'/></channel>", "x"));
}

static void
test_choose_fn(void)
{
    vmp_set_t   set = { 0 };
    vmp_vm_t   *a1, *w1, *vm;

    /* Nothing of the account: its function snapshot, not a boot. */
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, true, &vm),
        VMP_PICK_FNSNAP);
    CU_ASSERT_PTR_NULL(vm);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, false, &vm),
        VMP_PICK_BOOT);
    /* ...but no guest past max_vms or the budget. */
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 0, 0, 0, true, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, false, true, &vm),
        VMP_PICK_WAIT);

    /* A warm guest would load the code and run the init: the snapshot
     * beats it while there is room; at max_vms the warm guest is taken. */
    w1 = add_vm(&set, VMP_WARM, NULL, 20, 0);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, true, &vm),
        VMP_PICK_FNSNAP);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 1, 0, 0, true, true, &vm),
        VMP_PICK_WARM);
    CU_ASSERT_PTR_EQUAL(vm, w1);

    /* The account's own idle guest always comes first, and its cap holds. */
    a1 = add_vm(&set, VMP_IDLE, "A", 10, 100);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, true, &vm),
        VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, a1);
    vmp_set_move(&set, a1, VMP_BUSY, "A", 200);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 1, 0, true, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 2, 0, true, true, &vm),
        VMP_PICK_FNSNAP);

    /* A guest of the account being saved comes back in a moment: the
     * account waits for it; another account does not. */
    a1->saving = true;
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, false, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "B", 4, 0, 0, true, true, &vm),
        VMP_PICK_FNSNAP);
    a1->saving = false;
    vmp_set_move(&set, a1, VMP_IDLE, NULL, 300);
    CU_ASSERT_EQUAL(vmp_set_choose_fn(&set, "A", 4, 0, 0, true, true, &vm),
        VMP_PICK_IDLE);
    set_free(&set);
}


/* Waiting calls in the order they are served: key, then arrival. */
static void
test_waiters_order(void)
{
    vmp_waiter_t   a = { .key = 500, .seq = 1, .account = "A" };
    vmp_waiter_t   b = { .key = 300, .seq = 2, .account = "A" };
    vmp_waiter_t   c = { .key = 500, .seq = 3, .account = "A" };
    vmp_waiter_t   d = { .key = 100, .seq = 4, .account = "A" };
    vmp_waiter_t  *head = NULL;

    vmp_waiters_add(&head, &a);
    vmp_waiters_add(&head, &b);
    vmp_waiters_add(&head, &c);
    vmp_waiters_add(&head, &d);
    CU_ASSERT_PTR_EQUAL(head, &d);
    CU_ASSERT_PTR_EQUAL(d.next, &b);
    CU_ASSERT_PTR_EQUAL(b.next, &a);    /* same key: the earlier arrival */
    CU_ASSERT_PTR_EQUAL(a.next, &c);
    CU_ASSERT_PTR_NULL(c.next);

    vmp_waiters_remove(&head, &b);
    CU_ASSERT_PTR_EQUAL(d.next, &a);
    vmp_waiters_remove(&head, &d);
    CU_ASSERT_PTR_EQUAL(head, &a);
    vmp_waiters_remove(&head, &d);      /* not in the list: nothing */
    CU_ASSERT_PTR_EQUAL(head, &a);
    vmp_waiters_remove(&head, &a);
    vmp_waiters_remove(&head, &c);
    CU_ASSERT_PTR_NULL(head);
}


/* Who must leave a guest, or a place in the pool, to a call ahead. */
static void
test_waiters_ahead(void)
{
    vmp_set_t      set = { 0 };
    vmp_waiter_t   early = { .key = 100, .seq = 2, .account = "A" };
    vmp_waiter_t   late = { .key = 900, .seq = 1, .account = "A" };
    vmp_waiter_t   other = { .key = 50, .seq = 3, .account = "B" };
    vmp_waiter_t  *head = NULL;
    vmp_vm_t      *a1, *vm;
    vmp_pick_t     pick;

    /* max_vms 1: A's one guest busy; the later call waits anyway */
    a1 = add_vm(&set, VMP_BUSY, "A", 10, 100);
    vmp_waiters_add(&head, &late);
    vmp_waiters_add(&head, &early);
    CU_ASSERT_PTR_NULL(vmp_waiters_ahead(head, &late, VMP_PICK_WAIT, &set,
        1, 0, 2, true));

    /* the guest is released: both would take it; the earlier deadline
     * gets it, though the other arrived first */
    vmp_set_move(&set, a1, VMP_IDLE, NULL, 200);
    pick = vmp_set_choose(&set, "A", 1, 0, 2, true, &vm);
    CU_ASSERT_EQUAL(pick, VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vmp_waiters_ahead(head, &late, pick, &set, 1, 0, 2,
        true), &early);
    CU_ASSERT_PTR_NULL(vmp_waiters_ahead(head, &early, pick, &set, 1, 0, 2,
        true));

    /* a call of another account ahead that can only wait (max_vms 1,
     * A's guest idle: B would evict it) holds back nothing of A's own */
    vmp_waiters_add(&head, &other);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 1, 0, 3, true, &vm),
        VMP_PICK_EVICT);
    CU_ASSERT_PTR_EQUAL(vmp_waiters_ahead(head, &early, VMP_PICK_IDLE, &set,
        1, 0, 3, true), NULL);
    /* but a place in the pool goes to it first */
    CU_ASSERT_PTR_EQUAL(vmp_waiters_ahead(head, &early, VMP_PICK_BOOT, &set,
        2, 0, 3, true), &other);
    /* unless a guest is being made for it already */
    other.booting = true;
    set_free(&set);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 2, 0, 3, true, &vm),
        VMP_PICK_BOOT);
    CU_ASSERT_PTR_NULL(vmp_waiters_ahead(head, &early, VMP_PICK_BOOT, &set,
        2, 0, 3, true));
    /* a warm guest booting goes to a call asleep that waits for it (it
     * is not counted among the others when it looks) */
    other.booting = false;
    other.asleep = true;
    add_vm(&set, VMP_BOOTING, NULL, 20, 0);
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "B", 8, 0, 0, true, &vm),
        VMP_PICK_WAIT);
    CU_ASSERT_PTR_NULL(vmp_waiters_ahead(head, &early, VMP_PICK_BOOT, &set,
        8, 0, 1, true));
    other.asleep = false;
    set_free(&set);
    /* and one at its account's cap can not take one */
    other.booting = false;
    add_vm(&set, VMP_BUSY, "B", 10, 100);
    CU_ASSERT_PTR_NULL(vmp_waiters_ahead(head, &early, VMP_PICK_BOOT, &set,
        4, 1, 3, true));
    CU_ASSERT_PTR_EQUAL(vmp_waiters_ahead(head, &early, VMP_PICK_BOOT, &set,
        4, 0, 3, true), &other);
    set_free(&set);
}


/* vmp_sandbox.c: a guest's sandboxes, reused, added, given up least
 * recently used first for their number and their memory; the idle guest
 * a call takes is the one holding its sandbox. */
static void
test_sandboxes(void)
{
    vmp_set_t  set = { 0 };
    vmp_vm_t  *vm, *other;
    unsigned   slot = 99;

    vm = vmp_set_new_vm(&set, "t", "acct", 1);
    CU_ASSERT_FATAL(vm != NULL);
    /* A: a free one, the first */
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 2, 0, "A", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 0);
    vmp_vm_sandbox_set(vm, slot, "A", "c");
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 2, 0, "A", "c", 128, &slot), 1);
    CU_ASSERT_EQUAL(slot, 0);
    /* the same code with another configuration is another sandbox */
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 2, 0, "A", "d", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 1);
    vmp_vm_sandbox_set(vm, slot, "A", "d");
    CU_ASSERT_EQUAL(vmp_vm_sandboxes(vm), 2);
    CU_ASSERT_EQUAL(vmp_vm_sandbox_find(vm, "A", "d"), 1);
    CU_ASSERT_EQUAL(vmp_vm_sandbox_find(vm, "B", "c"), -1);
    /* two is the limit: B takes the least recently used, A/c */
    vm->sbx[0].used_ms = 10;
    vm->sbx[1].used_ms = 20;
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 2, 0, "B", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 0);
    CU_ASSERT_EQUAL(vmp_vm_sandbox_find(vm, "A", "c"), -1);
    vmp_vm_sandbox_set(vm, slot, "B", "c");

    /* memory: A/d used 100 MB, B/c 50 MB; C wants 128 of 200: A/d (the
     * least recently used) goes, and C fits in its place */
    vmp_vm_sandbox_ran(vm, 1, 100 * 1024);
    vmp_vm_sandbox_ran(vm, 0, 50 * 1024 - 5);
    CU_ASSERT_EQUAL(vm->sbx[0].peak_mb, 50);
    vm->sbx[1].used_ms = 10;
    vm->sbx[0].used_ms = 20;
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 4, 200, "C", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 1);
    CU_ASSERT_EQUAL(vmp_vm_sandboxes(vm), 1);
    vmp_vm_sandbox_set(vm, slot, "C", "c");
    /* a peak only grows; a sandbox that fits keeps the others */
    vmp_vm_sandbox_ran(vm, 0, 10 * 1024);
    CU_ASSERT_EQUAL(vm->sbx[0].peak_mb, 50);
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 4, 200, "D", "c", 100, &slot), 0);
    CU_ASSERT_EQUAL(slot, 2);
    CU_ASSERT_EQUAL(vmp_vm_sandboxes(vm), 2);
    /* one sandbox per guest: new code replaces the old */
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 1, 0, "E", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 0);
    /* a new sandbox cancels a pending function snapshot */
    snprintf(vm->capture, sizeof(vm->capture), "x");
    CU_ASSERT_EQUAL(vmp_sbx_choose(vm, 4, 0, "F", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(vm->capture[0], '\0');

    /* the account's idle guest that holds the sandbox is taken */
    other = vmp_set_new_vm(&set, "t", "acct", 1);
    CU_ASSERT_FATAL(other != NULL);
    CU_ASSERT_EQUAL(vmp_set_move(&set, vm, VMP_IDLE, NULL, 5), 0);
    CU_ASSERT_EQUAL(vmp_set_move(&set, other, VMP_IDLE, NULL, 6), 0);
    vmp_vm_sandbox_set(other, 0, "G", "c");
    CU_ASSERT_PTR_EQUAL(vmp_set_idle_holding(&set, "acct", "G", "c", vm),
        other);
    CU_ASSERT_PTR_EQUAL(vmp_set_idle_holding(&set, "acct", "H", "c", vm),
        vm);
    CU_ASSERT_PTR_EQUAL(vmp_set_idle_holding(&set, "other", "G", "c", vm),
        vm);
    set_free(&set);
}


/* Provisioned concurrency: of a key's guests holding a sandbox, the
 * number wanted are kept (the kept ones first), never expired nor
 * evicted, their sandbox given up last; an acquire that makes one more
 * passes by the idle guests that hold it. */
static void
test_provisioned(void)
{
    vmp_set_t  set = { 0 };
    vmp_vm_t  *a, *b, *c, *x, *vm;
    unsigned   slot = 99;

    a = vmp_set_new_vm(&set, "t", "acct", 1);
    b = vmp_set_new_vm(&set, "t", "acct", 1);
    c = vmp_set_new_vm(&set, "t", "other", 1);
    CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL);
    vmp_vm_sandbox_set(a, 0, "P", "c");
    vmp_vm_sandbox_set(b, 1, "P", "c");
    vmp_vm_sandbox_set(c, 0, "P", "c");
    CU_ASSERT_EQUAL(vmp_set_move(&set, a, VMP_IDLE, NULL, 10), 0);
    CU_ASSERT_EQUAL(vmp_set_move(&set, b, VMP_IDLE, NULL, 10), 0);
    CU_ASSERT_EQUAL(vmp_set_move(&set, c, VMP_IDLE, NULL, 10), 0);

    /* one wanted of two holders: one kept; another key's is not its */
    CU_ASSERT_EQUAL(vmp_set_provisioned(&set, "acct", "P", "c", 1), 1);
    CU_ASSERT(vmp_vm_provisioned(a) != vmp_vm_provisioned(b));
    CU_ASSERT_FALSE(vmp_vm_provisioned(c));
    x = vmp_vm_provisioned(a) ? a : b;
    /* asked again, the same one stays kept */
    CU_ASSERT_EQUAL(vmp_set_provisioned(&set, "acct", "P", "c", 1), 1);
    CU_ASSERT(vmp_vm_provisioned(x));
    /* three wanted, two hold it: two */
    CU_ASSERT_EQUAL(vmp_set_provisioned(&set, "acct", "P", "c", 3), 2);
    CU_ASSERT(vmp_vm_provisioned(a) && vmp_vm_provisioned(b));
    CU_ASSERT(vmp_vm_sandbox_provisioned(b, 1));
    CU_ASSERT_FALSE(vmp_vm_sandbox_provisioned(b, 0));

    /* kept guests never expire; the other key's does */
    CU_ASSERT_PTR_EQUAL(vmp_set_expired(&set, 1000000, 1000), c);
    /* nor are they evicted for another account: c is the only victim */
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "third", 3, 0, 0, true, &vm),
        VMP_PICK_EVICT);
    CU_ASSERT_PTR_EQUAL(vm, c);

    /* a kept sandbox is given up last: a's other one goes first */
    vmp_vm_sandbox_set(a, 1, "Q", "c");
    a->sbx[0].used_ms = 1;
    a->sbx[1].used_ms = 2;
    CU_ASSERT_EQUAL(vmp_sbx_choose(a, 2, 0, "R", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 1);
    /* with one sandbox per guest, and it kept: still taken when nothing
     * else can be */
    CU_ASSERT_EQUAL(vmp_sbx_choose(a, 1, 0, "R", "c", 128, &slot), 0);
    CU_ASSERT_EQUAL(slot, 0);
    CU_ASSERT_FALSE(vmp_vm_provisioned(a));

    /* an acquire passes its guests by: the account's idle one is not
     * taken, a new one is made */
    b->passed = true;
    a->passed = true;
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "acct", 8, 0, 0, true, &vm),
        VMP_PICK_BOOT);
    a->passed = false;
    CU_ASSERT_EQUAL(vmp_set_choose(&set, "acct", 8, 0, 0, true, &vm),
        VMP_PICK_IDLE);
    CU_ASSERT_PTR_EQUAL(vm, a);

    /* none wanted: all let go */
    CU_ASSERT_EQUAL(vmp_set_provisioned(&set, "acct", "P", "c", 0), 0);
    CU_ASSERT_FALSE(vmp_vm_provisioned(b));
    set_free(&set);
}


/* warm_per_account: the active key with the fewest spare guests gets one
 * made ahead, within the limits; an idle key has its spare already. */
static void
test_ahead_needed(void)
{
    vmp_set_t  set = { 0 };
    vmp_vm_t  *a, *b, *c;

    a = vmp_set_new_vm(&set, "t", "111111111111", 1);
    b = vmp_set_new_vm(&set, "t", "222222222222", 1);
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    CU_ASSERT_EQUAL(vmp_set_move(&set, a, VMP_BUSY, NULL, 2), 0);
    CU_ASSERT_EQUAL(vmp_set_move(&set, b, VMP_IDLE, NULL, 2), 0);
    /* off, and a guest being made for A counts as its spare */
    CU_ASSERT_PTR_NULL(vmp_set_ahead_needed(&set, 0, 8, 0, true));
    CU_ASSERT_STRING_EQUAL(vmp_set_ahead_needed(&set, 1, 8, 0, true),
        "111111111111");
    c = vmp_set_new_vm(&set, "t", "111111111111", 3);
    CU_ASSERT_FATAL(c != NULL);
    CU_ASSERT_PTR_NULL(vmp_set_ahead_needed(&set, 1, 8, 0, true));
    /* two ahead: A (one spare, being made) and B (one idle) tie; B's
     * idle guest in a call makes B the one with fewest */
    CU_ASSERT_PTR_NOT_NULL(vmp_set_ahead_needed(&set, 2, 8, 0, true));
    CU_ASSERT_EQUAL(vmp_set_move(&set, b, VMP_BUSY, NULL, 4), 0);
    CU_ASSERT_STRING_EQUAL(vmp_set_ahead_needed(&set, 2, 8, 0, true),
        "222222222222");
    /* the limits: max_vms, max_vms_per_account, the memory budget */
    CU_ASSERT_PTR_NULL(vmp_set_ahead_needed(&set, 2, 3, 0, true));
    CU_ASSERT_PTR_NULL(vmp_set_ahead_needed(&set, 2, 8, 0, false));
    CU_ASSERT_STRING_EQUAL(vmp_set_ahead_needed(&set, 2, 8, 2, true),
        "222222222222");
    CU_ASSERT_EQUAL(vmp_set_move(&set, b, VMP_IDLE, NULL, 5), 0);
    CU_ASSERT_STRING_EQUAL(vmp_set_ahead_needed(&set, 2, 8, 2, true),
        "222222222222");
    vmp_set_new_vm(&set, "t", "222222222222_333333333333", 6);
    CU_ASSERT_PTR_NULL(vmp_set_ahead_needed(&set, 2, 8, 2, true));
    set_free(&set);
}


const cu_test_t  vmp_state_tests[] = {
    { "state transitions", test_transitions },
    { "a guest never changes account", test_account_never_changes },
    { "choice of guest", test_choose },
    { "a guest serves one caller and one owner", test_pool_key },
    { "warm set refill", test_boots_needed },
    { "idle expiry and stats", test_expired_and_stats },
    { "a guest that holds a suspended call", test_suspended_guest },
    { "memory budget", test_memory_budget },
    { "template expansion", test_template },
    { "channel path from live XML", test_channel_path },
    { "choice with a function snapshot", test_choose_fn },
    { "sandboxes of a guest", test_sandboxes },
    { "guests made ahead per account", test_ahead_needed },
    { "provisioned concurrency", test_provisioned },
    { "waiting calls in order", test_waiters_order },
    { "a call ahead takes it first", test_waiters_ahead },
    { NULL, NULL }
};
