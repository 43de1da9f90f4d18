/*
 * fg_netif: the few interface settings both ends of a guest's network make
 * (docs/network.md), by ioctl: the guest's agent on its eth0, vmpool on
 * the host's end of each tap.
 */

#ifndef FG_NETIF_H
#define FG_NETIF_H

#include <netinet/in.h>

/* Gives dev the address addr/32 (network order) and brings it up.  0, or
 * -1 with errno. */
int fg_netif_up(const char *dev, in_addr_t addr);

/* Adds a route on dev: to dst/32 (gw 0), or the default route through gw
 * (dst 0).  An existing one is fine.  0, or -1 with errno. */
int fg_netif_route(const char *dev, in_addr_t dst, in_addr_t gw);

#endif
