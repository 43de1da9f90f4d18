/*
 * The suite vmp_snapshot of test_vmpool: the save image rewritten for
 * another guest (vmp_snapshot.c).
 */

#include <stdbool.h>
#include <string.h>

#include "test_vmpool.h"

/* A save image as libvirt writes one: header, XML, NUL, cookie, padding,
 * then the stream (here a marker). */
static size_t
make_image(uint8_t *img, size_t size, const char *xml, const char *cookie,
    uint32_t data_len)
{
    uint32_t  v[5] = { 2, data_len, 1, 0, 0 };
    size_t    x = strlen(xml) + 1;

    memset(img, 0, size);
    memcpy(img, "LibvirtQemudSave", 16);
    if (cookie != NULL) {
        v[4] = (uint32_t) x;
    }
    memcpy(img + 16, v, sizeof(v));
    memcpy(img + VMP_SAVE_HEADER, xml, x);
    if (cookie != NULL) {
        memcpy(img + VMP_SAVE_HEADER + x, cookie, strlen(cookie) + 1);
    }
    memcpy(img + VMP_SAVE_HEADER + data_len, "QEVM", 4);
    return VMP_SAVE_HEADER + data_len + 4;
}

static void
test_saveimage(void)
{
    static uint8_t  img[8192];
    const char     *xml =
        "<domain type='qemu' id='3'>\n  <name>fngate-snap</name>\n"
        "  <uuid>d71a48f7-586d-44f8-8c19-bdcddbb40c91</uuid>\n"
        "  <devices>\n"
        "    <serial type='file'><source path='/s/fngate-snap.log'/></serial>\n"
        "    <console type='file'><source path='/s/fngate-snap.log'/></console>\n"
        "    <channel type='unix'><source mode='bind' path='/var/lib/libvirt/"
        "qemu/channel/target/domain-3-fngate-snap/org.fngate.agent.0'/>"
        "<target type='virtio' name='org.fngate.agent.0'/></channel>\n"
        "  </devices>\n</domain>\n";
    const char     *want =
        "<domain type='qemu' id='3'>\n  <name>fngate-12</name>\n"
        "  <uuid>0a1b2c3d-0000-4000-8000-000000000012</uuid>\n"
        "  <devices>\n"
        "    <serial type='file'><source path='/s/fngate-12.log'/></serial>\n"
        "    <console type='file'><source path='/s/fngate-12.log'/></console>\n"
        "    <channel type='unix'><source mode='bind'/>"
        "<target type='virtio' name='org.fngate.agent.0'/></channel>\n"
        "  </devices>\n</domain>\n";
    const char     *cookie = "<cookie><cpu mode='custom'/></cookie>\n";
    size_t          len;
    uint32_t        off;

    len = make_image(img, sizeof(img), xml, cookie, 4096);
    CU_ASSERT_EQUAL(vmp_saveimage_data_len(img, len), 4096);
    CU_ASSERT_EQUAL_FATAL(vmp_saveimage_rewrite(img, len, "fngate-12",
        "0a1b2c3d-0000-4000-8000-000000000012", "/s/fngate-12.log"), 0);
    CU_ASSERT_STRING_EQUAL((char *) img + VMP_SAVE_HEADER, want);
    /* the cookie follows the new XML, and the header says so */
    memcpy(&off, img + 32, sizeof(off));
    CU_ASSERT_EQUAL(off, strlen(want) + 1);
    CU_ASSERT_STRING_EQUAL((char *) img + VMP_SAVE_HEADER + off, cookie);
    /* the data keeps its length: the stream is where it was */
    CU_ASSERT_EQUAL(vmp_saveimage_data_len(img, len), 4096);
    CU_ASSERT_EQUAL(memcmp(img + VMP_SAVE_HEADER + 4096, "QEVM", 4), 0);
    CU_ASSERT_EQUAL(img[VMP_SAVE_HEADER + off + strlen(cookie) + 1], 0);

    /* without a cookie */
    len = make_image(img, sizeof(img), xml, NULL, 4096);
    CU_ASSERT_EQUAL_FATAL(vmp_saveimage_rewrite(img, len, "fngate-12",
        "0a1b2c3d-0000-4000-8000-000000000012", "/s/fngate-12.log"), 0);
    CU_ASSERT_STRING_EQUAL((char *) img + VMP_SAVE_HEADER, want);
    memcpy(&off, img + 32, sizeof(off));
    CU_ASSERT_EQUAL(off, 0);

    /* a guest's tap (docs/network.md) is named like the guest */
    {
        const char  *nxml =
            "<domain><name>fg-snap</name><uuid>u</uuid><devices>"
            "<serial type='file'><source path='/s/fg-snap.log'/></serial>"
            "<interface type='ethernet'><mac address='52:54:00:f9:00:02'/>"
            "<target dev='fg-snap' managed='no'/><model type='virtio'/>"
            "</interface></devices></domain>";
        const char  *nwant =
            "<domain><name>fg-7</name><uuid>v</uuid><devices>"
            "<serial type='file'><source path='/s/fg-7.log'/></serial>"
            "<interface type='ethernet'><mac address='52:54:00:f9:00:02'/>"
            "<target dev='fg-7' managed='no'/><model type='virtio'/>"
            "</interface></devices></domain>";

        len = make_image(img, sizeof(img), nxml, NULL, 4096);
        CU_ASSERT_EQUAL_FATAL(vmp_saveimage_rewrite(img, len, "fg-7", "v",
            "/s/fg-7.log"), 0);
        CU_ASSERT_STRING_EQUAL((char *) img + VMP_SAVE_HEADER, nwant);
    }

    /* refused: no room, not an image, compressed, no NUL, no name */
    len = make_image(img, sizeof(img), xml, cookie, (uint32_t) strlen(xml) + 8);
    CU_ASSERT_EQUAL(vmp_saveimage_rewrite(img, len, "a-much-longer-name-"
        "than-before-that-will-not-fit", "0a1b2c3d-0000-4000-8000-"
        "000000000012", "/s/fngate-12.log"), -1);
    len = make_image(img, sizeof(img), xml, cookie, 4096);
    img[0] = 'X';
    CU_ASSERT_EQUAL(vmp_saveimage_data_len(img, len), 0);
    CU_ASSERT_EQUAL(vmp_saveimage_rewrite(img, len, "n", "u", "b"), -1);
    len = make_image(img, sizeof(img), xml, cookie, 4096);
    img[28] = 1;                           /* compressed */
    CU_ASSERT_EQUAL(vmp_saveimage_data_len(img, len), 0);
    len = make_image(img, sizeof(img), xml, NULL, 4096);
    memset(img + VMP_SAVE_HEADER, 'x', 4096);
    CU_ASSERT_EQUAL(vmp_saveimage_rewrite(img, len, "n", "u", "b"), -1);
    len = make_image(img, sizeof(img), "<domain/>", NULL, 4096);
    CU_ASSERT_EQUAL(vmp_saveimage_rewrite(img, len, "n", "u", "b"), -1);
    CU_ASSERT_EQUAL(vmp_saveimage_data_len(img, VMP_SAVE_HEADER - 1), 0);
    /* no console log to find */
    len = make_image(img, sizeof(img), "<domain><name>s</name><uuid>u"
        "</uuid></domain>", NULL, 4096);
    CU_ASSERT_EQUAL(vmp_saveimage_rewrite(img, len, "n", "u", "b"), -1);
}

/* Appends n bytes; a be64. */
static size_t
put(uint8_t *s, size_t at, const void *p, size_t n)
{
    memcpy(s + at, p, n);
    return at + n;
}

static size_t
put_be64(uint8_t *s, size_t at, uint64_t v)
{
    int  i;

    for (i = 7; i >= 0; i--) {
        s[at++] = (uint8_t) (v >> (i * 8));
    }
    return at;
}

#define CAPS  "\x05\x1a" "configuration/capabilities" "\x00\x00\x00\x01"
#define RAM_SECTION  "\x01\x00\x00\x00\x02\x03ram\x00\x00\x00\x00" \
                     "\x00\x00\x00\x04"

/*
 * The start of a QEMU 7.2 stream as a template's save writes it (caps:
 * the capabilities subsection, or NULL: none; shared: each block followed
 * by its address), two RAM blocks whose lengths add up to total (with
 * MEM_SIZE), then the rest of the stream (a marker).
 */
static size_t
make_stream(uint8_t *s, const char *caps, size_t caps_len, bool shared,
    uint64_t total)
{
    size_t  at = 0;

    at = put(s, at, "QEVM\x00\x00\x00\x03\x07\x00\x00\x00\x0dpc-i440fx-7.2",
        26);
    if (caps != NULL) {
        at = put(s, at, caps, caps_len);
    }
    at = put(s, at, RAM_SECTION, sizeof(RAM_SECTION) - 1);
    at = put_be64(s, at, total | 0x04);
    at = put(s, at, "\x06pc.ram", 7);
    at = put_be64(s, at, 0x28000000);
    if (shared) {
        at = put_be64(s, at, 0);
    }
    at = put(s, at, "\x07pc.bios", 8);
    at = put_be64(s, at, 0x40000);
    if (shared) {
        at = put_be64(s, at, 0xfffc0000);
    }
    at = put_be64(s, at, 0x10);                /* EOS */
    return put(s, at, "\x7e\x00\x00\x00\x02REST", 9);
}

static void
test_stream_unshare(void)
{
    static const char  caps[] = CAPS "\x00\x00\x00\x01\x0fx-ignore-shared";
    static const char  two[] = CAPS "\x00\x00\x00\x02\x0fx-ignore-shared"
                               "\x0ex-colo-enable";
    static uint8_t     s[512], want[512];
    uint64_t           total = 0x28000000 + 0x40000;
    size_t             len, wlen;

    len = make_stream(s, caps, sizeof(caps) - 1, true, total);
    wlen = make_stream(want, NULL, 0, false, total);
    CU_ASSERT_EQUAL(len - wlen, sizeof(caps) - 1 + 16);
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, len), wlen);
    CU_ASSERT_EQUAL(memcmp(s, want, wlen), 0);

    /* what it does not know it refuses: a stream without the capability
     * (as the result: never stripped twice), another capability too,
     * blocks whose lengths do not add up, a cut stream, another version */
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, wlen), 0);
    len = make_stream(s, two, sizeof(two) - 1, true, total);
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, len), 0);
    len = make_stream(s, caps, sizeof(caps) - 1, true, total + 0x1000);
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, len), 0);
    len = make_stream(s, caps, sizeof(caps) - 1, true, total - 0x1000);
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, len), 0);
    len = make_stream(s, caps, sizeof(caps) - 1, true, total);
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, 80), 0);
    len = make_stream(s, caps, sizeof(caps) - 1, true, total);
    s[7] = 4;
    CU_ASSERT_EQUAL(vmp_stream_unshare(s, len), 0);
}

const cu_test_t  vmp_snapshot_tests[] = {
    { "save image rewritten for another guest", test_saveimage },
    { "a template's stream loads without x-ignore-shared",
      test_stream_unshare },
    { NULL, NULL }
};
