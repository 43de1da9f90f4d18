/*
 * vmp_fnsnap: the names and the reaping of function snapshots, without
 * libvirt (see vmpool_priv.h; the saving and restoring are in vmpool.c).
 *
 * A function snapshot is a guest saved after a persistent runtime's init:
 * it holds one account's code, environment and the runtime's memory.  Its
 * name says exactly what is in it, so that an image is only ever restored
 * for the same account, code, configuration and guest image:
 *
 *   fn-ACCOUNT-H.img   H = sha256 of "account", "code", "config", "base"
 *                      (NUL-separated), config = vmp_fnsnap_config
 *   fn-ACCOUNT-H.key   the same four as "name=value" lines, for people and
 *                      for the reaper (its "base" line)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_sigv4.h"
#include "vmpool_priv.h"

/* An INVOKE's fields that change from call to call: the runtime gets them
 * with each event, never at its init. */
static bool
vmp_fnsnap_per_call(const char *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
    static const char  *const per_call[] = {
        "request_id", "event", "function_arn", "max_output"
    };
    size_t              i;

    for (i = 0; i < sizeof(per_call) / sizeof(per_call[0]); i++) {
        if (klen == strlen(per_call[i])
            && memcmp(key, per_call[i], klen) == 0)
        {
            return true;
        }
    }
    return klen == 3 && memcmp(key, "env", 3) == 0
           && vlen >= 15 && memcmp(val, "AWS_REQUEST_ID=", 15) == 0;
}


int
vmp_fnsnap_config(const uint8_t *frame, size_t len, const char *function,
    char out[65])
{
    fg_frame_t       f;
    fg_field_iter_t  it;
    fg_buf_t         b = { 0 };
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen;
    uint8_t          nul = 0;
    int              rc = -1;

    out[0] = '\0';
    if (fg_frame_parse(frame, len, &f) <= 0 || f.type != FG_FRAME_INVOKE)
        return -1;
    /* each field as key NUL length NUL value: no two configurations
     * compose the same bytes */
    if (fg_buf_append(&b, function, strlen(function) + 1) < 0)
        goto cleanup;
    fg_field_iter_init(&it, &f);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        char  n[24];

        if (vmp_fnsnap_per_call(key, klen, val, vlen))
            continue;
        snprintf(n, sizeof(n), "%zu", vlen);
        if (fg_buf_append(&b, key, klen) < 0
            || fg_buf_append(&b, &nul, 1) < 0
            || fg_buf_append(&b, n, strlen(n) + 1) < 0
            || fg_buf_append(&b, val, vlen) < 0)
            goto cleanup;
    }
    fg_sha256_hex(b.data, b.len, out);
    rc = 0;

cleanup:
    fg_buf_free(&b);
    return rc;
}


static bool
vmp_fnsnap_word(const char *s, size_t max)
{
    size_t  n = 0;

    for ( ; s[n] != '\0'; n++) {
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z')
              || (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '_'))
            return false;
    }
    return n > 0 && n <= max;
}


int
vmp_fnsnap_name(const char *account, const char *code, const char *config,
    const char *base, char *out, size_t size)
{
    char    h[65], *all;
    size_t  la, lc, lf, lb;
    int     n;

    /* a pool key that can not be part of a file name gets no images */
    if (!vmp_fnsnap_word(account, 64) || !vmp_fnsnap_word(code, 64)
        || !vmp_fnsnap_word(config, 64) || !vmp_fnsnap_word(base, 64))
        return -1;
    la = strlen(account) + 1;
    lc = strlen(code) + 1;
    lf = strlen(config) + 1;
    lb = strlen(base) + 1;
    all = malloc(la + lc + lf + lb);
    if (all == NULL)
        return -1;
    memcpy(all, account, la);
    memcpy(all + la, code, lc);
    memcpy(all + la + lc, config, lf);
    memcpy(all + la + lc + lf, base, lb);
    fg_sha256_hex(all, la + lc + lf + lb, h);
    free(all);
    n = snprintf(out, size, "fn-%s-%s", account, h);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}


unsigned
vmp_fnsnap_reap(const vmp_fnsnap_entry_t *e, unsigned n, const char *base,
    unsigned max, bool *drop)
{
    unsigned  i, j, kept = 0, dropped = 0;

    for (i = 0; i < n; i++) {
        /* an image of another guest image (or without its key) is never
         * used again */
        drop[i] = e[i].base == NULL || strcmp(e[i].base, base) != 0;
        if (drop[i])
            dropped++;
        else
            kept++;
    }
    /* beyond max: the least recently used go (ties: by name, so that the
     * choice does not depend on the directory's order) */
    while (kept > max) {
        j = n;
        for (i = 0; i < n; i++) {
            if (drop[i])
                continue;
            if (j == n || e[i].used < e[j].used
                || (e[i].used == e[j].used
                    && strcmp(e[i].name, e[j].name) < 0))
                j = i;
        }
        drop[j] = true;
        kept--;
        dropped++;
    }
    return dropped;
}
