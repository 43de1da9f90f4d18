/*
 * fg_cluster: what the nginx module and fngated share to follow a Redis
 * Cluster: the store's address list, a key's slot, a command's key, the
 * slot map and the redirections (MOVED, ASK) that correct it.
 *
 * The address list is the text of `fngate_redis` (nginx) and `redis`
 * (fngated.conf): one or more addresses separated by spaces, each
 * "HOST:PORT" (a numeric IPv4 address) or "unix:/PATH", and the word
 * "cluster" when they are seeds of a Redis Cluster.  Without it, the first
 * address is the one Redis and the list may hold only that one.
 *
 * The map names the masters by index into its node table; an index is
 * never reused or moved, so a client can keep a connection per index.
 * Slots no master is known for map to FG_CLUSTER_NONE.
 */

#ifndef FG_CLUSTER_H
#define FG_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define FG_CLUSTER_SLOTS      16384
#define FG_CLUSTER_NODES_MAX  128
#define FG_CLUSTER_NONE       0xff
#define FG_CLUSTER_ADDR_MAX   128     /* "HOST:PORT" or "unix:/PATH" */

typedef struct {
    char          addr[FG_CLUSTER_ADDR_MAX];  /* as written */
    char          host[64];                   /* "" for a unix socket */
    int           port;
    bool          local;                      /* a unix socket: its path
                                                 is addr + 5 */
} fg_redis_addr_t;

typedef struct {
    fg_redis_addr_t  seed[FG_CLUSTER_NODES_MAX];
    unsigned         nseeds;
    bool             cluster;
} fg_redis_conf_t;

/*
 * Parses an address list of len bytes (a NUL ends it earlier).  0, or -1
 * with err: no address, a malformed one, more than FG_CLUSTER_NODES_MAX,
 * a unix socket in a cluster, several addresses without "cluster".
 */
int fg_redis_conf_parse(const char *text, size_t len, fg_redis_conf_t *rc,
    char *err, size_t err_size);

/* Fills a->host, a->port and a->local from a->addr: 0, or -1. */
int fg_redis_addr_parse(fg_redis_addr_t *a);

/* The slot of a key: CRC16 (XMODEM) of its hash tag, the first "{...}"
 * with something inside, or of the whole key, modulo 16384. */
unsigned fg_cluster_slot(const char *key, size_t len);

/*
 * The index of a command's first key in argv, or -1 for a command with
 * none (PING, SCRIPT, CLUSTER, INFO, WAIT, ASKING, EVALSHA with 0 keys):
 * it may go to any node.  EVAL and EVALSHA: argv[3] when numkeys > 0;
 * XREAD and XREADGROUP: the first after STREAMS; others argv[1].
 */
int fg_cluster_key_index(int argc, const char **argv, const size_t *lens);

typedef enum {
    FG_CLUSTER_REDIRECT_NONE = 0,
    FG_CLUSTER_REDIRECT_MOVED,      /* the slot lives at addr now */
    FG_CLUSTER_REDIRECT_ASK         /* this command only: ASKING at addr */
} fg_cluster_redirect_t;

/* What an error reply of len bytes says: "MOVED SLOT HOST:PORT" or "ASK
 * SLOT HOST:PORT" (*slot and addr filled), or neither. */
fg_cluster_redirect_t fg_cluster_redirect(const char *err, size_t len,
    unsigned *slot, fg_redis_addr_t *addr);

typedef struct {
    fg_redis_addr_t  node[FG_CLUSTER_NODES_MAX];
    unsigned         nnodes;
    uint8_t          slot[FG_CLUSTER_SLOTS];  /* node index, or NONE */
} fg_cluster_map_t;

/* An empty map: no node, every slot NONE. */
void fg_cluster_map_init(fg_cluster_map_t *m);

/* The index of the node at host:port, added when new; -1 when the table
 * is full. */
int fg_cluster_map_node(fg_cluster_map_t *m, const char *host, int port);

/*
 * Replaces the slots' owners with those of a CLUSTER SLOTS reply (each
 * range's master; the nodes it names are added).  A slot the reply does
 * not cover becomes NONE.  0, or -1 when the reply is not one (the map is
 * then unchanged).
 */
int fg_cluster_map_load(fg_cluster_map_t *m, const redisReply *reply);

/* Sets one slot's master (a MOVED answer): the node's index, or -1. */
int fg_cluster_map_moved(fg_cluster_map_t *m, unsigned slot,
    const fg_redis_addr_t *addr);

#endif /* FG_CLUSTER_H */
