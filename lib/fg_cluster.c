/*
 * fg_cluster: the address list, slots, keys and map of fg_cluster.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fg_cluster.h"


int
fg_redis_addr_parse(fg_redis_addr_t *a)
{
    const char  *colon;
    char        *end;
    size_t       hl;
    long         port;

    a->host[0] = '\0';
    a->port = 0;
    a->local = false;

    if (strncmp(a->addr, "unix:", 5) == 0) {
        if (a->addr[5] != '/') {
            return -1;
        }
        a->local = true;
        return 0;
    }
    colon = strrchr(a->addr, ':');
    if (colon == NULL || colon == a->addr) {
        return -1;
    }
    hl = (size_t) (colon - a->addr);
    if (hl >= sizeof(a->host)) {
        return -1;
    }
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
        return -1;
    }
    memcpy(a->host, a->addr, hl);
    a->host[hl] = '\0';
    a->port = (int) port;
    return 0;
}


int
fg_redis_conf_parse(const char *text, size_t len, fg_redis_conf_t *rc,
    char *err, size_t err_size)
{
    const char  *p = text, *end, *w;
    size_t       wl;

    memset(rc, 0, sizeof(*rc));
    end = memchr(text, '\0', len);
    if (end == NULL) {
        end = text + len;
    }

    for ( ;; ) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }
        if (p == end) {
            break;
        }
        w = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != ',') {
            p++;
        }
        wl = (size_t) (p - w);

        if (wl == 7 && strncasecmp(w, "cluster", 7) == 0) {
            rc->cluster = true;
            continue;
        }
        if (rc->nseeds == FG_CLUSTER_NODES_MAX) {
            snprintf(err, err_size, "more than %d addresses",
                FG_CLUSTER_NODES_MAX);
            return -1;
        }
        if (wl >= FG_CLUSTER_ADDR_MAX) {
            snprintf(err, err_size, "address \"%.*s...\" is too long", 32, w);
            return -1;
        }
        memcpy(rc->seed[rc->nseeds].addr, w, wl);
        rc->seed[rc->nseeds].addr[wl] = '\0';
        if (fg_redis_addr_parse(&rc->seed[rc->nseeds]) != 0) {
            snprintf(err, err_size, "\"%s\" is not HOST:PORT or unix:/PATH",
                rc->seed[rc->nseeds].addr);
            return -1;
        }
        rc->nseeds++;
    }

    if (rc->nseeds == 0) {
        snprintf(err, err_size, "no address");
        return -1;
    }
    if (!rc->cluster && rc->nseeds > 1) {
        snprintf(err, err_size, "several addresses are the seeds of a "
            "cluster: add the word \"cluster\"");
        return -1;
    }
    if (rc->cluster) {
        unsigned  i;

        for (i = 0; i < rc->nseeds; i++) {
            if (rc->seed[i].local) {
                snprintf(err, err_size, "a Redis Cluster is reached over "
                    "TCP: \"%s\" is a unix socket", rc->seed[i].addr);
                return -1;
            }
        }
    }
    return 0;
}


/* CRC16 as Redis Cluster computes it: XMODEM, polynomial 0x1021, from 0. */
static unsigned
fg_cluster_crc16(const unsigned char *p, size_t len)
{
    unsigned  crc = 0;
    size_t    i;
    int       b;

    for (i = 0; i < len; i++) {
        crc ^= (unsigned) p[i] << 8;
        for (b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) : (crc << 1);
        }
        crc &= 0xffff;
    }
    return crc;
}


unsigned
fg_cluster_slot(const char *key, size_t len)
{
    const char  *open, *close;

    open = memchr(key, '{', len);
    if (open != NULL) {
        close = memchr(open + 1, '}', len - (size_t) (open + 1 - key));
        if (close != NULL && close > open + 1) {
            key = open + 1;
            len = (size_t) (close - open - 1);
        }
    }
    return fg_cluster_crc16((const unsigned char *) key, len)
           & (FG_CLUSTER_SLOTS - 1);
}


static bool
fg_cluster_is(const char *arg, size_t len, const char *name)
{
    return len == strlen(name) && strncasecmp(arg, name, len) == 0;
}


int
fg_cluster_key_index(int argc, const char **argv, const size_t *lens)
{
    static const char  *keyless[] = {
        "PING", "SCRIPT", "CLUSTER", "INFO", "WAIT", "ASKING", "READONLY",
        "TIME", "DBSIZE", "FLUSHALL", "FLUSHDB", "CONFIG", "SELECT", NULL
    };
    size_t  l0;
    int     i;

    if (argc < 1) {
        return -1;
    }
    l0 = lens != NULL ? lens[0] : strlen(argv[0]);
    for (i = 0; keyless[i] != NULL; i++) {
        if (fg_cluster_is(argv[0], l0, keyless[i])) {
            return -1;
        }
    }
    if (fg_cluster_is(argv[0], l0, "EVAL")
        || fg_cluster_is(argv[0], l0, "EVALSHA"))
    {
        return (argc > 3 && atoi(argv[2]) > 0) ? 3 : -1;
    }
    if (fg_cluster_is(argv[0], l0, "XREAD")
        || fg_cluster_is(argv[0], l0, "XREADGROUP"))
    {
        for (i = 1; i + 1 < argc; i++) {
            if (fg_cluster_is(argv[i], lens != NULL ? lens[i]
                                                    : strlen(argv[i]),
                              "STREAMS"))
            {
                return i + 1;
            }
        }
        return -1;
    }
    return argc > 1 ? 1 : -1;
}


fg_cluster_redirect_t
fg_cluster_redirect(const char *err, size_t len, unsigned *slot,
    fg_redis_addr_t *addr)
{
    fg_cluster_redirect_t  kind;
    const char            *p, *end = err + len, *a;
    unsigned long          s = 0;
    size_t                 al;

    if (len > 6 && strncmp(err, "MOVED ", 6) == 0) {
        kind = FG_CLUSTER_REDIRECT_MOVED;
        p = err + 6;
    } else if (len > 4 && strncmp(err, "ASK ", 4) == 0) {
        kind = FG_CLUSTER_REDIRECT_ASK;
        p = err + 4;
    } else {
        return FG_CLUSTER_REDIRECT_NONE;
    }

    if (p == end || *p < '0' || *p > '9') {
        return FG_CLUSTER_REDIRECT_NONE;
    }
    while (p < end && *p >= '0' && *p <= '9') {
        s = s * 10 + (unsigned long) (*p++ - '0');
        if (s >= FG_CLUSTER_SLOTS) {
            return FG_CLUSTER_REDIRECT_NONE;
        }
    }
    if (p == end || *p != ' ') {
        return FG_CLUSTER_REDIRECT_NONE;
    }
    a = ++p;
    while (p < end && *p != ' ' && *p != '\r' && *p != '\n') {
        p++;
    }
    al = (size_t) (p - a);
    if (al == 0 || al >= sizeof(addr->addr)) {
        return FG_CLUSTER_REDIRECT_NONE;
    }
    memcpy(addr->addr, a, al);
    addr->addr[al] = '\0';
    if (fg_redis_addr_parse(addr) != 0 || addr->local) {
        return FG_CLUSTER_REDIRECT_NONE;
    }
    *slot = (unsigned) s;
    return kind;
}


void
fg_cluster_map_init(fg_cluster_map_t *m)
{
    m->nnodes = 0;
    memset(m->slot, FG_CLUSTER_NONE, sizeof(m->slot));
}


int
fg_cluster_map_node(fg_cluster_map_t *m, const char *host, int port)
{
    fg_redis_addr_t  *n;
    unsigned          i;

    for (i = 0; i < m->nnodes; i++) {
        if (m->node[i].port == port && strcmp(m->node[i].host, host) == 0) {
            return (int) i;
        }
    }
    if (m->nnodes == FG_CLUSTER_NODES_MAX
        || strlen(host) >= sizeof(m->node[0].host))
    {
        return -1;
    }
    n = &m->node[m->nnodes];
    snprintf(n->addr, sizeof(n->addr), "%s:%d", host, port);
    snprintf(n->host, sizeof(n->host), "%s", host);
    n->port = port;
    n->local = false;
    return (int) m->nnodes++;
}


int
fg_cluster_map_moved(fg_cluster_map_t *m, unsigned slot,
    const fg_redis_addr_t *addr)
{
    int  n;

    if (slot >= FG_CLUSTER_SLOTS) {
        return -1;
    }
    n = fg_cluster_map_node(m, addr->host, addr->port);
    if (n >= 0) {
        m->slot[slot] = (uint8_t) n;
    }
    return n;
}


/* One range of a CLUSTER SLOTS reply: {start, end, {host, port, ...},
 * replicas...}.  Whether it is one. */
static bool
fg_cluster_range_ok(const redisReply *r)
{
    const redisReply  *master;

    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3
        || r->element[0]->type != REDIS_REPLY_INTEGER
        || r->element[1]->type != REDIS_REPLY_INTEGER
        || r->element[0]->integer < 0
        || r->element[1]->integer >= FG_CLUSTER_SLOTS
        || r->element[0]->integer > r->element[1]->integer)
    {
        return false;
    }
    master = r->element[2];
    return master->type == REDIS_REPLY_ARRAY && master->elements >= 2
           && master->element[0]->type == REDIS_REPLY_STRING
           && master->element[0]->len > 0
           && master->element[1]->type == REDIS_REPLY_INTEGER;
}


int
fg_cluster_map_load(fg_cluster_map_t *m, const redisReply *reply)
{
    uint8_t   slot[FG_CLUSTER_SLOTS];
    size_t    i;
    long long s;
    int       n;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements == 0)
    {
        return -1;
    }
    for (i = 0; i < reply->elements; i++) {
        if (!fg_cluster_range_ok(reply->element[i])) {
            return -1;
        }
    }

    memset(slot, FG_CLUSTER_NONE, sizeof(slot));
    for (i = 0; i < reply->elements; i++) {
        const redisReply  *r = reply->element[i], *master = r->element[2];

        n = fg_cluster_map_node(m, master->element[0]->str,
            (int) master->element[1]->integer);
        if (n < 0) {
            return -1;
        }
        for (s = r->element[0]->integer; s <= r->element[1]->integer; s++) {
            slot[s] = (uint8_t) n;
        }
    }
    memcpy(m->slot, slot, sizeof(slot));
    return 0;
}
