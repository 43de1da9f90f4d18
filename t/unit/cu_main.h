/*
 * cu_main: the main() of every CUnit binary of t/unit.  Each test file
 * lists its suites and tests in tables and returns cu_main_run()'s value.
 */

#ifndef CU_MAIN_H
#define CU_MAIN_H

#include <stddef.h>

#include <CUnit/Basic.h>

typedef struct {
    const char     *name;
    CU_TestFunc     func;
} cu_test_t;

typedef struct {
    const char         *name;
    CU_InitializeFunc   init;       /* NULL: none */
    CU_CleanupFunc      clean;      /* NULL: none */
    const cu_test_t    *tests;      /* ends with { NULL, NULL } */
} cu_suite_t;


/*
 * Registers the suites (the table ends with a NULL name), runs them in the
 * given mode and returns the exit status: 0 when every assertion passed,
 * 1 when one failed or CUnit reported an error, 2 when the tests could not
 * be registered.
 */
static inline int
cu_main_run(const cu_suite_t *suites, CU_BasicRunMode mode)
{
    const cu_suite_t  *su;
    const cu_test_t   *t;
    CU_pSuite          s;
    unsigned           failed;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }

    for (su = suites; su->name != NULL; su++) {
        s = CU_add_suite(su->name, su->init, su->clean);
        if (s == NULL) {
            CU_cleanup_registry();
            return 2;
        }

        for (t = su->tests; t->name != NULL; t++) {
            if (CU_add_test(s, t->name, t->func) == NULL) {
                CU_cleanup_registry();
                return 2;
            }
        }
    }

    CU_basic_set_mode(mode);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    if (CU_get_error() != CUE_SUCCESS) {
        failed++;
    }
    CU_cleanup_registry();

    return failed ? 1 : 0;
}

#endif /* CU_MAIN_H */
