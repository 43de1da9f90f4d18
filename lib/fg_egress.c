/*
 * fg_egress: destinations of a guest's network policy (fg_egress.h).
 */

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "fg_egress.h"


static uint32_t
fg_egress_mask(unsigned bits)
{
    return bits == 0 ? 0 : 0xffffffffu << (32 - bits);
}


/* A decimal number of 1 to 5 digits at *p (advanced), in lo..hi. */
static int
fg_egress_num(const char **p, const char *end, unsigned lo, unsigned hi,
    unsigned *out)
{
    unsigned  v = 0, n = 0;

    while (*p < end && **p >= '0' && **p <= '9' && n < 6) {
        v = v * 10 + (unsigned) (**p - '0');
        (*p)++;
        n++;
    }
    if (n == 0 || n > 5 || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}


int
fg_egress_parse(const char *s, size_t len, fg_egress_t *e, const char **why)
{
    const char      *p = s, *end = s + len, *colon;
    char             addr[16];
    struct in_addr   a;

    memset(e, 0, sizeof(*e));
    colon = memchr(s, ':', len);
    if (colon == NULL) {
        *why = "a destination is ADDRESS[/PREFIX]:PORT[-PORT][/udp]";
        return -1;
    }
    for (p = s; p < colon && *p != '/'; p++) { }
    if (p - s == 0 || p - s >= (long) sizeof(addr)) {
        *why = "the address must be an IPv4 address (A.B.C.D)";
        return -1;
    }
    memcpy(addr, s, (size_t) (p - s));
    addr[p - s] = '\0';
    if (inet_pton(AF_INET, addr, &a) != 1) {
        *why = "the address must be an IPv4 address (A.B.C.D)";
        return -1;
    }
    e->bits = 32;
    if (*p == '/') {
        p++;
        if (fg_egress_num(&p, colon, 0, 32, &e->bits) < 0 || p != colon) {
            *why = "the prefix length must be 0 to 32";
            return -1;
        }
    }
    e->net = ntohl(a.s_addr) & fg_egress_mask(e->bits);
    p = colon + 1;
    if (fg_egress_num(&p, end, 1, 65535, &e->lo) < 0) {
        *why = "the port must be 1 to 65535";
        return -1;
    }
    e->hi = e->lo;
    if (p < end && *p == '-') {
        p++;
        if (fg_egress_num(&p, end, e->lo, 65535, &e->hi) < 0) {
            *why = "a port range must be LOW-HIGH within 1 to 65535";
            return -1;
        }
    }
    if (p == end) {
        return 0;
    }
    if ((size_t) (end - p) == 4 && memcmp(p, "/tcp", 4) == 0) {
        return 0;
    }
    if ((size_t) (end - p) == 4 && memcmp(p, "/udp", 4) == 0) {
        e->udp = true;
        return 0;
    }
    *why = "a destination ends with its port(s), /tcp or /udp";
    return -1;
}


int
fg_egress_format(const fg_egress_t *e, char *out, size_t size)
{
    size_t          used = strnlen(out, size);
    struct in_addr  a;
    char            addr[16], port[16];
    int             n;

    a.s_addr = htonl(e->net);
    inet_ntop(AF_INET, &a, addr, sizeof(addr));
    if (e->lo == e->hi) {
        snprintf(port, sizeof(port), "%u", e->lo);
    } else {
        snprintf(port, sizeof(port), "%u-%u", e->lo, e->hi);
    }
    if (used >= size) {
        return -1;
    }
    n = snprintf(out + used, size - used, "%s%s/%u %s %s",
        used ? ", " : "", addr, e->bits, e->udp ? "udp" : "tcp", port);
    if (n < 0 || (size_t) n >= size - used) {
        out[used] = '\0';
        return -1;
    }
    return 0;
}


bool
fg_egress_within(const fg_egress_t *e, const fg_egress_t *c)
{
    return e->udp == c->udp && e->bits >= c->bits
           && (e->net & fg_egress_mask(c->bits)) == c->net
           && e->lo >= c->lo && e->hi <= c->hi;
}


bool
fg_egress_overlaps(const fg_egress_t *e, uint32_t net, unsigned bits)
{
    unsigned  b = e->bits < bits ? e->bits : bits;

    return (e->net & fg_egress_mask(b)) == (net & fg_egress_mask(b));
}
