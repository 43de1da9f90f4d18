/*
 * vmp_snap: libvirt's QEMU save image, rewritten for another domain.
 *
 * libvirt restores a save image only under the name and uuid it was saved
 * with (virDomainRestoreFlags refuses an XML that differs in them), so a
 * pool that restores one booted guest many times gives each copy an image
 * of its own: the same QEMU migration stream behind a header whose domain
 * XML names the new guest.  The image, as libvirt's qemu_saveimage writes
 * it (host byte order):
 *
 *   16 bytes "LibvirtQemudSave", uint32 version (2), data_len, was_running,
 *   compressed, cookie_offset, 14 unused uint32s (VMP_SAVE_HEADER bytes);
 *   data_len bytes: the domain XML, NUL, the cookie at cookie_offset
 *   (NUL-terminated), zero padding;
 *   QEMU's migration stream.
 *
 * The rewrite keeps data_len, so the stream stays where it is and only the
 * first VMP_SAVE_HEADER + data_len bytes differ between the copies.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmpool_priv.h"

#define VMP_SAVE_MAGIC    "LibvirtQemudSave"
#define VMP_SAVE_VERSION  2u

static uint32_t
vmp_u32(const uint8_t *p)
{
    uint32_t  v;

    memcpy(&v, p, sizeof(v));
    return v;
}

size_t
vmp_saveimage_data_len(const uint8_t *head, size_t len)
{
    uint32_t  data_len;

    if (len < VMP_SAVE_HEADER
        || memcmp(head, VMP_SAVE_MAGIC, sizeof(VMP_SAVE_MAGIC) - 1) != 0
        || vmp_u32(head + 16) != VMP_SAVE_VERSION
        || vmp_u32(head + 28) != 0)        /* compressed: not ours */
    {
        return 0;
    }
    data_len = vmp_u32(head + 20);
    return data_len < 2 || data_len > VMP_SAVE_DATA_MAX ? 0 : data_len;
}

/* Appends n bytes to the growing string *s (length *len, room *cap). */
static int
vmp_put(char **s, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t  want = (*len + n + 1) * 2;
        char   *t = realloc(*s, want);

        if (t == NULL)
            return -1;
        *s = t;
        *cap = want;
    }
    memcpy(*s + *len, p, n);
    *len += n;
    (*s)[*len] = '\0';
    return 0;
}

/*
 * The saved XML with the element <tag>...</tag> (the first one) holding
 * value, each old_log replaced by new_log, and the channels' socket paths
 * dropped.  malloc'd, NULL on failure (no such element, no memory).
 */
static char *
vmp_xml_for(const char *xml, const char *name, const char *uuid,
    const char *old_log, const char *new_log)
{
    static const char   bind[] = "<source mode='bind' path='";
    const char         *p = xml, *n1, *n2, *u1, *u2, *next, *q;
    char               *out = NULL;
    size_t              len = 0, cap = 0, old_len = strlen(old_log);

    n1 = strstr(xml, "<name>");
    n2 = n1 ? strstr(n1, "</name>") : NULL;
    u1 = strstr(xml, "<uuid>");
    u2 = u1 ? strstr(u1, "</uuid>") : NULL;
    if (n2 == NULL || u2 == NULL || old_len == 0)
        return NULL;
    n1 += sizeof("<name>") - 1;
    u1 += sizeof("<uuid>") - 1;

    while (*p != '\0') {
        /* the nearest of: name, uuid, the log path, a channel source */
        next = NULL;
        if (p <= n1)
            next = n1;
        if (p <= u1 && (next == NULL || u1 < next))
            next = u1;
        q = strstr(p, old_log);
        if (q != NULL && (next == NULL || q < next))
            next = q;
        q = strstr(p, bind);
        if (q != NULL && (next == NULL || q < next))
            next = q;
        if (next == NULL) {
            if (vmp_put(&out, &len, &cap, p, strlen(p)) != 0)
                goto fail;
            break;
        }
        if (vmp_put(&out, &len, &cap, p, (size_t) (next - p)) != 0)
            goto fail;
        if (next == n1) {
            if (vmp_put(&out, &len, &cap, name, strlen(name)) != 0)
                goto fail;
            p = n2;
        } else if (next == u1) {
            if (vmp_put(&out, &len, &cap, uuid, strlen(uuid)) != 0)
                goto fail;
            p = u2;
        } else if (strncmp(next, old_log, old_len) == 0) {
            if (vmp_put(&out, &len, &cap, new_log, strlen(new_log)) != 0)
                goto fail;
            p = next + old_len;
        } else {
            /* <source mode='bind' path='...'/>: libvirt places the new
             * guest's socket itself */
            q = strchr(next + sizeof(bind) - 1, '\'');
            if (q == NULL
                || vmp_put(&out, &len, &cap, "<source mode='bind'",
                           sizeof("<source mode='bind'") - 1) != 0)
                goto fail;
            p = q + 1;
        }
    }
    return out;

fail:
    free(out);
    return NULL;
}

/*
 * The console log the saved XML names: the source path of its first
 * <serial type='file'>, malloc'd, or NULL.  Read from the image itself, so
 * that an image moved to another state_dir or saved under another
 * name_prefix still gets each guest a log of its own.
 */
static char *
vmp_xml_serial_log(const char *xml)
{
    static const char   src[] = "<source path='";
    const char         *p, *end, *close;

    p = strstr(xml, "<serial type='file'>");
    close = p ? strstr(p, "</serial>") : NULL;
    p = p ? strstr(p, src) : NULL;
    if (p == NULL || close == NULL || p > close)
        return NULL;
    p += sizeof(src) - 1;
    end = strchr(p, '\'');
    if (end == NULL || end == p || end > close)
        return NULL;
    return strndup(p, (size_t) (end - p));
}


int
vmp_saveimage_rewrite(uint8_t *head, size_t len, const char *name,
    const char *uuid, const char *new_log)
{
    size_t       data_len = vmp_saveimage_data_len(head, len);
    uint8_t     *data = head + VMP_SAVE_HEADER;
    uint32_t     cookie_off, new_off;
    const char  *cookie = "";
    size_t       xml_len, cookie_len = 0;
    char        *xml, *old_log;

    if (data_len == 0 || len < VMP_SAVE_HEADER + data_len)
        return -1;
    xml_len = strnlen((const char *) data, data_len);
    if (xml_len == data_len)
        return -1;                         /* no NUL: not an XML */
    cookie_off = vmp_u32(head + 32);
    if (cookie_off != 0) {
        if (cookie_off <= xml_len || cookie_off >= data_len)
            return -1;
        cookie = (const char *) data + cookie_off;
        cookie_len = strnlen(cookie, data_len - cookie_off);
        if (cookie_off + cookie_len == data_len)
            return -1;
    }

    old_log = vmp_xml_serial_log((const char *) data);
    if (old_log == NULL)
        return -1;
    xml = vmp_xml_for((const char *) data, name, uuid, old_log, new_log);
    free(old_log);
    if (xml == NULL)
        return -1;
    xml_len = strlen(xml);
    if (xml_len + 1 + cookie_len + 1 > data_len) {
        free(xml);
        return -1;
    }

    /* the cookie moves behind the new XML (memmove: they may overlap) */
    new_off = cookie_off != 0 ? (uint32_t) (xml_len + 1) : 0;
    if (cookie_off != 0)
        memmove(data + new_off, cookie, cookie_len + 1);
    memcpy(data, xml, xml_len + 1);
    free(xml);
    if (cookie_off != 0)
        memset(data + new_off + cookie_len + 1, 0,
               data_len - (new_off + cookie_len + 1));
    else
        memset(data + xml_len + 1, 0, data_len - (xml_len + 1));
    memcpy(head + 32, &new_off, sizeof(new_off));
    return 0;
}
