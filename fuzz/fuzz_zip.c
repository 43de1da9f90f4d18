/*
 * fuzz_zip: a function's deployment package, as CreateFunction and
 * UpdateFunctionCode get it (after base64): fngated's check
 * (fgd_zip_check, for each runtime) and the pool's LOAD frame builder
 * (vmp_load_frame_from_zip), both over libarchive.
 *
 * Input: the zip.
 *
 * Invariants: the contract between the two (fngated_functions_json.c: "a zip
 * accepted here always loads"): a zip fgd_zip_check accepts, with
 * fngated's limit, makes a LOAD frame; that frame parses, is a LOAD,
 * starts with the zip's sha256 and then holds "path" / "mode" / "data"
 * triples whose paths pass fg_frame_path_ok; a refused zip leaves the
 * output buffer as it was.
 */

#include "fuzz.h"
#include "fg_frame.h"
#include "fg_sigv4.h"
#include "fngated_functions_json.h"
#include "vmpool.h"

#define FZ_MAX_UNZIPPED  (FG_FRAME_MAX_PAYLOAD - 64 * 1024)

static void
fz_load_check(const fg_buf_t *b, const uint8_t *zip, size_t len)
{
    fg_frame_t       f;
    fg_field_iter_t  it;
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen, i = 0;
    char             hex[65];
    static const char *const  order[] = { "path", "mode", "data" };

    FZ_CHECK(fg_frame_parse(b->data, b->len, &f) == (ssize_t) b->len);
    FZ_CHECK(f.type == FG_FRAME_LOAD);
    fg_sha256_hex(zip, len, hex);
    fg_field_iter_init(&it, &f);
    FZ_CHECK(fg_field_next(&it, &key, &klen, &val, &vlen) == 1);
    FZ_CHECK(klen == 6 && memcmp(key, "sha256", 6) == 0);
    FZ_CHECK(vlen == 64 && memcmp(val, hex, 64) == 0);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        const char  *want = order[i % 3];

        FZ_CHECK(klen == strlen(want) && memcmp(key, want, klen) == 0);
        if (i % 3 == 0) {
            FZ_CHECK(fg_frame_path_ok(val, vlen) && val[vlen - 1] != '/');
        }
        i++;
    }
    FZ_CHECK(i % 3 == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const  runtimes[] = {
        "provided", "provided.al2", "python3.11"
    };
    fg_buf_t    b = { 0 };
    fgd_resp_t  r;
    char       *err = NULL;
    int         load, ok = 0;
    size_t      i;

    for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
        memset(&r, 0, sizeof(r));
        if (fgd_zip_check(data, size, runtimes[i], "handler.sh",
                          FZ_MAX_UNZIPPED, &r) == 0)
        {
            ok = 1;
        } else {
            FZ_CHECK(r.status == 400 && r.error_type != NULL);
        }
        fgd_resp_free(&r);
    }

    /* a frame already in the buffer stays whole either way */
    FZ_CHECK(fg_frame_begin(&b, FG_FRAME_PING, 7) == 0
             && fg_frame_end(&b) == 0);
    load = vmp_load_frame_from_zip(data, size, NULL, &b, &err);
    if (ok && load != 0) {
        fprintf(stderr, "fgd_zip_check accepted, the LOAD builder: %s\n",
            err ? err : "?");
        FZ_CHECK(load == 0);
    }
    if (load == 0) {
        fg_buf_t  frame = { b.data + 12, b.len - 12, b.len - 12 };

        FZ_CHECK(err == NULL);
        fz_load_check(&frame, data, size);
    } else {
        FZ_CHECK(b.len == 12);
    }

    free(err);
    fg_buf_free(&b);
    return 0;
}
