/*
 * fg_egress: the destinations a guest may reach (docs/network.md), as
 * written in fngated.conf's `network` and a function's FngateEgress:
 *
 *     A.B.C.D[/N]:PORT[-PORT][/tcp|/udp]
 *
 * (an IPv4 address or CIDR, a port or range, TCP unless /udp), and in the
 * form vmpool puts into the host's nftables set: "A.B.C.D/N PROTO
 * PORT[-PORT]", entries joined by commas.
 */

#ifndef FG_EGRESS_H
#define FG_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t  net;        /* host order, host bits cleared */
    unsigned  bits;       /* prefix length, 0..32 */
    unsigned  lo, hi;     /* ports, 1..65535 */
    bool      udp;
} fg_egress_t;

/* Parses one entry of len bytes.  0, or -1 with why (a sentence). */
int fg_egress_parse(const char *s, size_t len, fg_egress_t *e,
    const char **why);

/* Appends e in vmpool's form to out (size bytes, NUL-terminated, ", "
 * between entries).  0, or -1 when it does not fit. */
int fg_egress_format(const fg_egress_t *e, char *out, size_t size);

/* Whether every address and port of e is within c (same protocol). */
bool fg_egress_within(const fg_egress_t *e, const fg_egress_t *c);

/* Whether e names any address of net/bits. */
bool fg_egress_overlaps(const fg_egress_t *e, uint32_t net, unsigned bits);

#endif
