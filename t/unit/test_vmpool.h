/*
 * test_vmpool: the CUnit binary of vmpool/ and of the guest agent run on
 * the host.  One suite per source file of vmpool/ that has tests, one test
 * file per suite (test_vmp_NAME.c tests vmpool/vmp_NAME.c and defines
 * vmp_NAME_tests; test_vmpool.c tests vmpool.c and holds main()), and the
 * agent's suite in test_fngate_agent.c.
 */

#ifndef TEST_VMPOOL_H
#define TEST_VMPOOL_H

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "vmpool_priv.h"

/* The suites of the other files, in the order main() runs them. */
extern const cu_test_t  vmp_state_tests[];
extern const cu_test_t  vmp_snapshot_tests[];
extern const cu_test_t  vmp_fnsnap_tests[];
extern const cu_test_t  vmp_zip_tests[];

/* The agent's suite: init starts $(BUILD)/fngate-agent on a socketpair,
 * clean stops it. */
extern const cu_test_t  agent_tests[];
int agent_suite_init(void);
int agent_suite_clean(void);

#endif /* TEST_VMPOOL_H */
