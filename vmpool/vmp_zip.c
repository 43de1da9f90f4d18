/*
 * vmp_zip: a function's zip as the agent's LOAD frame (libarchive reads the
 * zip from memory; nothing touches the disk).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>

#include "fg_sigv4.h"
#include "vmpool_priv.h"

/* The first buffer of an entry: its declared size, up to this. */
#define VMP_ZIP_FIRST_ALLOC  (4 * 1024 * 1024)


static int
vmp_zip_fail(char **err, const char *fmt, const char *arg)
{
    if (err != NULL && asprintf(err, fmt, arg) < 0) {
        *err = NULL;
    }
    return -1;
}


int
vmp_load_frame_from_zip(const void *zip, size_t len, const char *sha256hex,
    fg_buf_t *out, char **err)
{
    struct archive        *a;
    struct archive_entry  *e;
    char                   hex[65], mode[8];
    size_t                 start = out->len, cap = 0;
    uint8_t               *data = NULL, *tmp;
    const char            *path;
    int                    rc = -1, r;

    if (err != NULL) {
        *err = NULL;
    }
    if (sha256hex == NULL) {
        fg_sha256_hex(zip, len, hex);
        sha256hex = hex;
    }

    a = archive_read_new();
    if (a == NULL) {
        return vmp_zip_fail(err, "%s", "out of memory");
    }
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, zip, len) != ARCHIVE_OK) {
        vmp_zip_fail(err, "not a zip: %s", archive_error_string(a));
        goto cleanup;
    }
    if (fg_frame_begin(out, FG_FRAME_LOAD, 0) < 0
        || fg_frame_add_str(out, "sha256", sha256hex) < 0)
    {
        vmp_zip_fail(err, "%s", "out of memory");
        goto cleanup;
    }

    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK
           || r == ARCHIVE_WARN)
    {
        la_int64_t  size;
        size_t      got = 0;
        ssize_t     n;

        path = archive_entry_pathname(e);
        if (path == NULL) {
            vmp_zip_fail(err, "%s", "zip entry without a name");
            goto cleanup;
        }
        if (archive_entry_filetype(e) == AE_IFDIR) {
            continue;
        }
        if (archive_entry_filetype(e) != AE_IFREG) {
            vmp_zip_fail(err, "zip entry \"%s\" is not a regular file", path);
            goto cleanup;
        }
        if (!fg_frame_path_ok(path, strlen(path))
            || path[strlen(path) - 1] == '/')
        {
            vmp_zip_fail(err, "bad path in zip: \"%s\"", path);
            goto cleanup;
        }
        /* Sizes in zips can lie: the declared size is only the first
         * allocation's (at most VMP_ZIP_FIRST_ALLOC), and the entry is
         * read until it ends.  It was a refusal over 64 MB, which made a
         * zip fngated accepts fail to load (fuzz_zip's finding), and an
         * allocation of what any entry claimed. */
        size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
        if (size <= 0) {
            size = 65536;
        } else if (size > VMP_ZIP_FIRST_ALLOC) {
            size = VMP_ZIP_FIRST_ALLOC;
        }

        for ( ;; ) {
            if (got == cap) {
                cap = cap ? cap * 2 : (size_t) size;
                if (cap > FG_FRAME_MAX_PAYLOAD + 1) {
                    cap = FG_FRAME_MAX_PAYLOAD + 1;
                }
                if (got == cap) {
                    vmp_zip_fail(err, "zip entry \"%s\" too large", path);
                    goto cleanup;
                }
                tmp = realloc(data, cap);
                if (tmp == NULL) {
                    vmp_zip_fail(err, "%s", "out of memory");
                    goto cleanup;
                }
                data = tmp;
            }
            n = archive_read_data(a, data + got, cap - got);
            if (n < 0) {
                vmp_zip_fail(err, "bad zip: %s", archive_error_string(a));
                goto cleanup;
            }
            if (n == 0) {
                break;
            }
            got += (size_t) n;
        }

        snprintf(mode, sizeof(mode), "%o",
            (unsigned) (archive_entry_perm(e) & 0777));
        if (fg_frame_add_str(out, "path", path) < 0
            || fg_frame_add_str(out, "mode", mode) < 0
            || fg_frame_add(out, "data", data, got) < 0)
        {
            vmp_zip_fail(err, "%s", "code too large for one LOAD frame");
            goto cleanup;
        }
    }
    if (r != ARCHIVE_EOF) {
        vmp_zip_fail(err, "bad zip: %s", archive_error_string(a));
        goto cleanup;
    }
    if (fg_frame_end(out) < 0) {
        vmp_zip_fail(err, "%s", "code too large for one LOAD frame");
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (rc < 0) {
        out->len = start;              /* no half frame left behind */
    }
    free(data);
    archive_read_free(a);
    return rc;
}
