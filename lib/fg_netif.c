/*
 * fg_netif: interface address and routes by ioctl (fg_netif.h).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/route.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "fg_netif.h"


static int
fg_netif_socket(void)
{
    return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}


int
fg_netif_up(const char *dev, in_addr_t addr)
{
    struct ifreq         ifr;
    struct sockaddr_in  *sin = (struct sockaddr_in *) &ifr.ifr_addr;
    int                  s, rc = -1, e;

    s = fg_netif_socket();
    if (s < 0) {
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = addr;
    if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
        goto done;
    }
    sin->sin_addr.s_addr = INADDR_BROADCAST;
    if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0
        || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
    {
        goto done;
    }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
        goto done;
    }
    rc = 0;

done:
    e = errno;
    close(s);
    errno = e;
    return rc;
}


int
fg_netif_route(const char *dev, in_addr_t dst, in_addr_t gw)
{
    struct rtentry      rt;
    struct sockaddr_in *a;
    char                name[IFNAMSIZ];
    int                 s, rc = 0, e;

    memset(&rt, 0, sizeof(rt));
    snprintf(name, sizeof(name), "%s", dev);
    a = (struct sockaddr_in *) &rt.rt_dst;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = dst;
    a = (struct sockaddr_in *) &rt.rt_genmask;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = gw == 0 ? INADDR_BROADCAST : 0;
    a = (struct sockaddr_in *) &rt.rt_gateway;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = gw;
    rt.rt_flags = RTF_UP | (gw != 0 ? RTF_GATEWAY : RTF_HOST);
    rt.rt_dev = name;
    s = fg_netif_socket();
    if (s < 0) {
        return -1;
    }
    if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) {
        rc = -1;
    }
    e = errno;
    close(s);
    errno = e;
    return rc;
}
