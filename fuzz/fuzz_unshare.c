/*
 * fuzz_unshare: vmpool/vmp_snapshot.c's vmp_stream_unshare, the rewrite
 * of a template's QEMU 7.2 migration stream saved with x-ignore-shared
 * (docs/vms.md, "Template clones").  The input is the stream as QEMU
 * wrote it behind libvirt's header; the function rewrites it in place.
 *
 * Invariants: a stream it accepts loses exactly the capabilities
 * subsection (52 bytes) and 8 bytes per RAM block, at least one; what it
 * made is refused a second time (the capability is gone), so a stream is
 * never rewritten twice; nothing is read or written past the input.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "vmpool_priv.h"

#define FZ_CAPS_LEN  52u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    uint8_t  *s;
    size_t    n, gone;

    s = malloc(len ? len : 1);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, len);
    n = vmp_stream_unshare(s, len);
    if (n != 0) {
        FZ_CHECK(n < len);
        gone = len - n;
        FZ_CHECK(gone >= FZ_CAPS_LEN + 8 && (gone - FZ_CAPS_LEN) % 8 == 0);
        /* the header and the machine type's name are untouched */
        FZ_CHECK(memcmp(s, data, 13) == 0);
        FZ_CHECK(vmp_stream_unshare(s, n) == 0);
    }
    free(s);
    return 0;
}
