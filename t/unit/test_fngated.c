/*
 * CUnit tests of fngated's pure logic: main(), the suites (one per source
 * file of fngated/, each in its test_fngated_NAME.c) and the helpers more
 * than one of them uses (test_fngated.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>

#include "test_fngated.h"

/* Builds a zip in memory with libarchive's writer. */
uint8_t *
make_zip(const zentry_t *e, size_t n, size_t *len)
{
    struct archive        *a = archive_write_new();
    struct archive_entry  *ae;
    size_t                 cap = 1 << 20, used = 0, i;
    uint8_t               *buf = malloc(cap);

    archive_write_set_format_zip(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (i = 0; i < n; i++) {
        ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].path);
        if (e[i].type == AE_IFLNK) {
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, "/etc/passwd");
            archive_entry_set_perm(ae, 0777);
        } else if (e[i].data == NULL) {
            archive_entry_set_filetype(ae, AE_IFDIR);
            archive_entry_set_perm(ae, 0755);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 0755);
            archive_entry_set_size(ae, (la_int64_t) strlen(e[i].data));
        }
        archive_write_header(a, ae);
        if (e[i].data != NULL && e[i].type != AE_IFLNK) {
            archive_write_data(a, e[i].data, strlen(e[i].data));
        }
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

char *
b64(const uint8_t *d, size_t len)
{
    char *s = malloc(len / 3 * 4 + 8);
    fgd_base64_encode(d, len, s);
    return s;
}

const zentry_t ok_zip[] = {
    { "bootstrap", "#!/bin/sh\ncat\n", 0 },
    { "lib/", NULL, 0 },
    { "lib/x.txt", "hello", 0 },
};

char *ok_b64;

fgd_limits_t lim = { 1 << 20, 1 << 20, 1024 };

int
parse(const char *body, fgd_create_t *c, fgd_resp_t *r)
{
    memset(r, 0, sizeof(*r));
    return fgd_create_parse(body, strlen(body), &lim, c, r);
}

const char *
jstr(yajl_val v, const char **path)
{
    yajl_val s = yajl_tree_get(v, path, yajl_t_string);
    return s ? YAJL_GET_STRING(s) : "(missing)";
}

/* Expects rc -1 with status, type and needle in the message. */
void
expect_err(int rc, fgd_resp_t *r, int status, const char *type,
    const char *needle)
{
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(r->status, status);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->error_type);
    CU_ASSERT_STRING_EQUAL(r->error_type, type);
    if (needle != NULL && strstr(r->message, needle) == NULL) {
        fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", r->message,
            needle);
        CU_FAIL("message");
    }
    fgd_resp_free(r);
    memset(r, 0, sizeof(*r));
}

/* One suite per source file of fngated/ (fngated_NAME.c). */
static const cu_suite_t  fngated_suites[] = {
    { "fngated_util", NULL, NULL, util_tests },
    { "fngated_resp", NULL, NULL, resp_tests },
    { "fngated_conf", NULL, NULL, conf_tests },
    { "fngated_functions_json", NULL, NULL, functions_json_tests },
    { "fngated_versions_json", NULL, NULL, versions_json_tests },
    { "fngated_aliases_json", NULL, NULL, aliases_json_tests },
    { "fngated_policy_json", NULL, NULL, policy_json_tests },
    { "fngated_iam_json", NULL, NULL, iam_json_tests },
    { "fngated_queues_wire", NULL, NULL, queues_wire_tests },
    { "fngated_bounds_json", NULL, NULL, bounds_json_tests },
    { "fngated_event_config_json", NULL, NULL, event_config_json_tests },
    { "fngated_result", NULL, NULL, result_tests },
    { "fngated_async_json", NULL, NULL, async_json_tests },
    { "fngated_esm_json", NULL, NULL, esm_json_tests },
    { "fngated_deadline", NULL, NULL, deadline_tests },
    { "fngated_idem_json", NULL, NULL, idem_json_tests },
    { NULL, NULL, NULL, NULL }
};

int
main(void)
{
    size_t     len;
    uint8_t   *zip;
    int        rc;

    zip = make_zip(ok_zip, 3, &len);
    ok_b64 = b64(zip, len);
    free(zip);

    rc = cu_main_run(fngated_suites, CU_BRM_NORMAL);
    free(ok_b64);
    return rc;
}
