/*
 * CUnit tests of lib/fg_cluster.c: the address list, key slots (checked
 * against the values Redis Cluster's CLUSTER KEYSLOT gives), the key of a
 * command, redirections and the slot map built from CLUSTER SLOTS.
 */

#include <string.h>

#include <CUnit/Basic.h>
#include <hiredis/hiredis.h>

#include "cu_main.h"
#include "fg_cluster.h"
#include "fg_keys.h"


#define SLOT(s)  fg_cluster_slot(s, strlen(s))


static void
test_slots(void)
{
    char  k1[FG_KEY_MAX], k2[FG_KEY_MAX];

    /* values of CLUSTER KEYSLOT */
    CU_ASSERT_EQUAL(SLOT("foo"), 12182);
    CU_ASSERT_EQUAL(SLOT("bar"), 5061);
    CU_ASSERT_EQUAL(SLOT("hello"), 866);
    CU_ASSERT_EQUAL(SLOT("123456789"), 12739);     /* CRC16 0x31c3 */
    CU_ASSERT_EQUAL(SLOT(""), 0);

    /* hash tags: the first {...} with something in it */
    CU_ASSERT_EQUAL(SLOT("{user1000}.following"), SLOT("user1000"));
    CU_ASSERT_EQUAL(SLOT("a{user1000}b{x}"), SLOT("user1000"));
    CU_ASSERT_EQUAL(SLOT("foo{}{bar}"), 8363);       /* the whole key */
    CU_ASSERT_EQUAL(SLOT("foo{{bar}}zap"), SLOT("{bar"));
    CU_ASSERT_EQUAL(SLOT("foo{{bar}}zap"), 4015);
    CU_ASSERT_EQUAL(SLOT("foo{bar"), 15278);           /* no tag */
    CU_ASSERT_EQUAL(SLOT("123456789012"), 5250);

    /* every key of an account is on the account's slot */
    fg_key_function(k1, sizeof(k1), "123456789012", "fn{x}");
    fg_key_account(k2, sizeof(k2), "123456789012");
    CU_ASSERT_EQUAL(SLOT(k1), SLOT(k2));
    CU_ASSERT_EQUAL(SLOT(k1), SLOT("123456789012"));
}


static void
test_key_index(void)
{
    const char  *get[] = { "GET", "k" };
    const char  *ping[] = { "PING" };
    const char  *eval[] = { "EVALSHA", "abc", "2", "k1", "k2", "a" };
    const char  *eval0[] = { "EVALSHA", "abc", "0", "a" };
    const char  *xread[] = { "XREAD", "COUNT", "1", "BLOCK", "5",
                             "streams", "s", "0-0" };
    const char  *xrg[] = { "XREADGROUP", "GROUP", "g", "c", "STREAMS" };
    const char  *wait[] = { "WAIT", "1", "100" };
    const char  *script[] = { "script", "load", "return 1" };
    size_t       lens[] = { 3, 1 };

    CU_ASSERT_EQUAL(fg_cluster_key_index(2, get, NULL), 1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(2, get, lens), 1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(1, ping, NULL), -1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(6, eval, NULL), 3);
    CU_ASSERT_EQUAL(fg_cluster_key_index(4, eval0, NULL), -1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(8, xread, NULL), 6);
    CU_ASSERT_EQUAL(fg_cluster_key_index(5, xrg, NULL), -1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(3, wait, NULL), -1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(3, script, NULL), -1);
    CU_ASSERT_EQUAL(fg_cluster_key_index(0, get, NULL), -1);
}


static void
test_conf(void)
{
    fg_redis_conf_t  rc;
    char             err[256];
    const char      *s;

    CU_ASSERT_EQUAL(fg_redis_conf_parse("127.0.0.1:6379", 14, &rc, err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(rc.nseeds, 1);
    CU_ASSERT_FALSE(rc.cluster);
    CU_ASSERT_STRING_EQUAL(rc.seed[0].host, "127.0.0.1");
    CU_ASSERT_EQUAL(rc.seed[0].port, 6379);

    s = "unix:/run/redis.sock";
    CU_ASSERT_EQUAL(fg_redis_conf_parse(s, strlen(s), &rc, err,
        sizeof(err)), 0);
    CU_ASSERT_TRUE(rc.seed[0].local);
    CU_ASSERT_STRING_EQUAL(rc.seed[0].addr + 5, "/run/redis.sock");

    s = "127.0.0.1:7000 127.0.0.1:7001,127.0.0.1:7002 cluster";
    CU_ASSERT_EQUAL(fg_redis_conf_parse(s, strlen(s), &rc, err,
        sizeof(err)), 0);
    CU_ASSERT_TRUE(rc.cluster);
    CU_ASSERT_EQUAL(rc.nseeds, 3);
    CU_ASSERT_EQUAL(rc.seed[2].port, 7002);

    s = "cluster 10.0.0.1:7000";
    CU_ASSERT_EQUAL(fg_redis_conf_parse(s, strlen(s), &rc, err,
        sizeof(err)), 0);
    CU_ASSERT_TRUE(rc.cluster);

    /* a length shorter than the text ends it */
    s = "127.0.0.1:7000 127.0.0.1:7001";
    CU_ASSERT_EQUAL(fg_redis_conf_parse(s, 14, &rc, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(rc.nseeds, 1);

    /* refused, each with a reason */
    CU_ASSERT_EQUAL(fg_redis_conf_parse(s, strlen(s), &rc, err,
        sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cluster"));
    CU_ASSERT_EQUAL(fg_redis_conf_parse("", 0, &rc, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fg_redis_conf_parse("cluster", 7, &rc, err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fg_redis_conf_parse("localhost", 9, &rc, err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fg_redis_conf_parse("h:0", 3, &rc, err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fg_redis_conf_parse("h:65536", 7, &rc, err,
        sizeof(err)), -1);
    CU_ASSERT_EQUAL(fg_redis_conf_parse("h:12x", 5, &rc, err, sizeof(err)),
        -1);
    CU_ASSERT_EQUAL(fg_redis_conf_parse("unix:x", 6, &rc, err, sizeof(err)),
        -1);
    s = "unix:/a.sock cluster";
    CU_ASSERT_EQUAL(fg_redis_conf_parse(s, strlen(s), &rc, err,
        sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unix socket"));
}


static void
test_redirect(void)
{
    static const char  *none[] = {
        "MOVED 16384 127.0.0.1:6381", "MOVED 12 127.0.0.1",
        "MOVED x 127.0.0.1:1", "ASK 1 unix:/tmp/r.sock", "MOVED",
        "CLUSTERDOWN The cluster is down", "ERR wrong number of arguments"
    };
    fg_redis_addr_t     a;
    unsigned            slot = 0;
    size_t              i;
    const char         *e;

    e = "MOVED 3999 127.0.0.1:6381";
    CU_ASSERT_EQUAL(fg_cluster_redirect(e, strlen(e), &slot, &a),
        FG_CLUSTER_REDIRECT_MOVED);
    CU_ASSERT_EQUAL(slot, 3999);
    CU_ASSERT_STRING_EQUAL(a.host, "127.0.0.1");
    CU_ASSERT_EQUAL(a.port, 6381);

    e = "ASK 16383 10.1.2.3:7005";
    CU_ASSERT_EQUAL(fg_cluster_redirect(e, strlen(e), &slot, &a),
        FG_CLUSTER_REDIRECT_ASK);
    CU_ASSERT_EQUAL(slot, 16383);
    CU_ASSERT_EQUAL(a.port, 7005);

    for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        CU_ASSERT_EQUAL(fg_cluster_redirect(none[i], strlen(none[i]), &slot,
            &a), FG_CLUSTER_REDIRECT_NONE);
    }
}


/* A reply as hiredis builds it from the RESP text. */
static redisReply *
resp(const char *text)
{
    redisReader  *rd = redisReaderCreate();
    void         *reply = NULL;

    redisReaderFeed(rd, text, strlen(text));
    if (redisReaderGetReply(rd, &reply) != REDIS_OK) {
        reply = NULL;
    }
    redisReaderFree(rd);
    return reply;
}


static void
test_map(void)
{
    static fg_cluster_map_t  m;
    fg_redis_addr_t          a;
    redisReply              *r;

    fg_cluster_map_init(&m);
    CU_ASSERT_EQUAL(m.nnodes, 0);
    CU_ASSERT_EQUAL(m.slot[0], FG_CLUSTER_NONE);

    /* two masters (one with a replica), slots 0-8191 and 8192-16383 */
    r = resp("*2\r\n"
             "*4\r\n:0\r\n:8191\r\n"
             "*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n"
             "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nid\r\n"
             "*3\r\n:8192\r\n:16383\r\n"
             "*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), 0);
    freeReplyObject(r);
    CU_ASSERT_EQUAL(m.nnodes, 2);
    CU_ASSERT_STRING_EQUAL(m.node[m.slot[0]].addr, "127.0.0.1:7000");
    CU_ASSERT_STRING_EQUAL(m.node[m.slot[8191]].addr, "127.0.0.1:7000");
    CU_ASSERT_STRING_EQUAL(m.node[m.slot[8192]].addr, "127.0.0.1:7001");
    CU_ASSERT_STRING_EQUAL(m.node[m.slot[16383]].addr, "127.0.0.1:7001");

    /* after a failover the replica owns the range: the old node keeps its
     * index, the new one gets the next */
    r = resp("*2\r\n"
             "*3\r\n:0\r\n:8191\r\n"
             "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nid\r\n"
             "*3\r\n:8192\r\n:16000\r\n"
             "*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n");
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), 0);
    freeReplyObject(r);
    CU_ASSERT_EQUAL(m.nnodes, 3);
    CU_ASSERT_EQUAL(m.slot[0], 2);
    CU_ASSERT_STRING_EQUAL(m.node[0].addr, "127.0.0.1:7000");
    CU_ASSERT_EQUAL(m.slot[16000], 1);
    CU_ASSERT_EQUAL(m.slot[16001], FG_CLUSTER_NONE);   /* not covered */

    /* a MOVED answer moves one slot */
    a.port = 0;
    strcpy(a.addr, "127.0.0.1:7000");
    CU_ASSERT_EQUAL(fg_redis_addr_parse(&a), 0);
    CU_ASSERT_EQUAL(fg_cluster_map_moved(&m, 5, &a), 0);
    CU_ASSERT_EQUAL(m.slot[5], 0);
    CU_ASSERT_EQUAL(m.slot[6], 2);
    CU_ASSERT_EQUAL(fg_cluster_map_moved(&m, 16384, &a), -1);

    /* what is not a CLUSTER SLOTS reply changes nothing */
    r = resp("-ERR This instance has cluster support disabled\r\n");
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), -1);
    freeReplyObject(r);
    r = resp("*1\r\n*3\r\n:9\r\n:3\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), -1);       /* 9 > 3 */
    freeReplyObject(r);
    r = resp("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), -1);
    freeReplyObject(r);
    r = resp("*1\r\n*2\r\n:0\r\n:3\r\n");
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), -1);
    freeReplyObject(r);
    r = resp("*0\r\n");
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, r), -1);
    freeReplyObject(r);
    CU_ASSERT_EQUAL(m.slot[0], 2);
    CU_ASSERT_EQUAL(m.slot[5], 0);
    CU_ASSERT_EQUAL(fg_cluster_map_load(&m, NULL), -1);
}


static void
test_map_full(void)
{
    static fg_cluster_map_t  m;
    int                      i;

    fg_cluster_map_init(&m);
    for (i = 0; i < FG_CLUSTER_NODES_MAX; i++) {
        CU_ASSERT_EQUAL(fg_cluster_map_node(&m, "10.0.0.1", 1000 + i), i);
    }
    CU_ASSERT_EQUAL(fg_cluster_map_node(&m, "10.0.0.1", 1000), 0);
    CU_ASSERT_EQUAL(fg_cluster_map_node(&m, "10.0.0.2", 1000), -1);
    CU_ASSERT(FG_CLUSTER_NODES_MAX < FG_CLUSTER_NONE);
}


static const cu_test_t  cluster_tests[] = {
    { "key slots and hash tags", test_slots },
    { "a command's key", test_key_index },
    { "address lists", test_conf },
    { "MOVED and ASK", test_redirect },
    { "slot map from CLUSTER SLOTS", test_map },
    { "a full node table", test_map_full },
    { NULL, NULL }
};

static const cu_suite_t  cluster_suites[] = {
    { "fg_cluster", NULL, NULL, cluster_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(cluster_suites, CU_BRM_VERBOSE);
}
