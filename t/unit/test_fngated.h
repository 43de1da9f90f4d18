/*
 * test_fngated: the CUnit binary of fngated's pure logic, one suite per
 * source file it tests, one test file per suite (test_fngated_NAME.c
 * tests fngated/fngated_NAME.c and defines NAME_tests).  test_fngated.c
 * holds main(), the suite table and the helpers below, which more than one
 * of the files uses.
 */

#ifndef TEST_FNGATED_H
#define TEST_FNGATED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <archive_entry.h>
#include <CUnit/Basic.h>
#include <yajl/yajl_tree.h>

#include "cu_main.h"
#include "fngated_functions_json.h"

/* One entry of a zip make_zip() builds. */
typedef struct {
    const char  *path;
    const char  *data;          /* NULL: a directory */
    mode_t       type;          /* 0: regular / dir from data,
                                   AE_IFLNK: a symlink */
} zentry_t;

/* Builds a zip in memory with libarchive's writer. */
uint8_t *make_zip(const zentry_t *e, size_t n, size_t *len);
/* The base64 of d (malloc'd). */
char *b64(const uint8_t *d, size_t len);

/* A valid function's zip (3 entries), and its base64 (set by main()). */
extern const zentry_t ok_zip[];
extern char *ok_b64;

/* The limits parse() checks a CreateFunction body against. */
extern fgd_limits_t lim;
/* fgd_create_parse() of body with lim, r zeroed first. */
int parse(const char *body, fgd_create_t *c, fgd_resp_t *r);

/* The string at path in v, or "(missing)". */
const char *jstr(yajl_val v, const char **path);

/* Expects rc -1 with status, type and needle in the message. */
void expect_err(int rc, fgd_resp_t *r, int status, const char *type,
    const char *needle);

/* The suites, in the order main() runs them. */
extern const cu_test_t  util_tests[];
extern const cu_test_t  resp_tests[];
extern const cu_test_t  conf_tests[];
extern const cu_test_t  functions_json_tests[];
extern const cu_test_t  versions_json_tests[];
extern const cu_test_t  aliases_json_tests[];
extern const cu_test_t  policy_json_tests[];
extern const cu_test_t  iam_json_tests[];
extern const cu_test_t  bounds_json_tests[];
extern const cu_test_t  event_config_json_tests[];
extern const cu_test_t  result_tests[];
extern const cu_test_t  queues_wire_tests[];
extern const cu_test_t  async_json_tests[];
extern const cu_test_t  esm_json_tests[];
extern const cu_test_t  deadline_tests[];
extern const cu_test_t  idem_json_tests[];

#endif /* TEST_FNGATED_H */
