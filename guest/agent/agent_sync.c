/*
 * agent_sync: SYNC, after the pool restored the guest from its snapshot.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/random.h>

#include "agent.h"


/*
 * A guest restored from the pool's snapshot wakes with the clock and the
 * random state of the guest that was saved, shared by every copy: set the
 * host's time, and mix the host's entropy into the pool and reseed, so no
 * two guests (of two accounts) draw the same random numbers.
 */
void
agent_sync_handle(int fd, const fg_frame_t *f)
{
    struct {
        int      entropy_count;
        int      buf_size;
        uint8_t  buf[256];
    }                rpi;
    const uint8_t   *e, *a, *g;
    size_t           elen = 0, alen = 0, glen = 0;
    char             addr[16], gw[16];
    uint64_t         ns;
    struct timespec  ts;
    fg_buf_t         b = { 0 };
    int              rfd;

    if (fg_frame_get_u64(f, "time_ns", &ns) == 0) {
        ts.tv_sec = (time_t) (ns / 1000000000u);
        ts.tv_nsec = (long) (ns % 1000000000u);
        if (agent.pid1 && clock_settime(CLOCK_REALTIME, &ts) < 0) {
            agent_log("clock_settime: %s", strerror(errno));
        }
    }
    e = fg_frame_get(f, "entropy", &elen);
    if (e != NULL && elen > 0 && agent.pid1) {
        if (elen > sizeof(rpi.buf)) {
            elen = sizeof(rpi.buf);
        }
        rpi.entropy_count = (int) (elen * 8);
        rpi.buf_size = (int) elen;
        memcpy(rpi.buf, e, elen);
        rfd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
        if (rfd < 0 || ioctl(rfd, RNDADDENTROPY, &rpi) < 0
            || ioctl(rfd, RNDRESEEDCRNG) < 0)
        {
            agent_log("reseeding the random pool: %s", strerror(errno));
        }
        if (rfd >= 0) {
            close(rfd);
        }
        memset(rpi.buf, 0, sizeof(rpi.buf));
    }
    /* the guest's network (docs/network.md), when the pool gives one */
    a = fg_frame_get(f, "net_addr", &alen);
    g = fg_frame_get(f, "net_gw", &glen);
    if (a != NULL && g != NULL && alen < sizeof(addr) && glen < sizeof(gw)
        && agent.pid1)
    {
        memcpy(addr, a, alen);
        addr[alen] = '\0';
        memcpy(gw, g, glen);
        gw[glen] = '\0';
        if (agent_boot_net_up(addr, gw) < 0) {
            agent_reply_error(fd, f->seq, "net: eth0 could not be set up");
            return;
        }
    }
    if (fg_frame_begin(&b, FG_FRAME_PONG, f->seq) == 0
        && fg_frame_end(&b) == 0)
    {
        agent_reply_send(fd, &b);
    }
    fg_buf_free(&b);
}
