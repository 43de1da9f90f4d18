/*
 * CUnit tests of lib/fg_egress.c: the destinations of a guest's network
 * policy (docs/network.md) as operators and functions write them, the form
 * vmpool puts into nftables, and the checks fngated makes with them (a
 * function's entry within the operator's, none in the guests' subnet).
 */

#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_egress.h"


static int
parse(const char *s, fg_egress_t *e)
{
    const char  *why = NULL;
    int          rc = fg_egress_parse(s, strlen(s), e, &why);

    CU_ASSERT(rc == 0 || (why != NULL && why[0] != '\0'));
    return rc;
}


static void
test_parse_good(void)
{
    fg_egress_t  e;
    char         out[256] = "";

    CU_ASSERT_EQUAL_FATAL(parse("127.0.0.1:8080", &e), 0);
    CU_ASSERT_EQUAL(e.bits, 32);
    CU_ASSERT_EQUAL(e.lo, 8080);
    CU_ASSERT_EQUAL(e.hi, 8080);
    CU_ASSERT_FALSE(e.udp);
    CU_ASSERT_EQUAL(fg_egress_format(&e, out, sizeof(out)), 0);
    /* host bits are cleared; ranges and udp kept */
    CU_ASSERT_EQUAL_FATAL(parse("10.1.2.3/8:5000-5010/udp", &e), 0);
    CU_ASSERT_EQUAL(e.net, 0x0a000000u);
    CU_ASSERT_TRUE(e.udp);
    CU_ASSERT_EQUAL(fg_egress_format(&e, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "127.0.0.1/32 tcp 8080, 10.0.0.0/8 udp "
        "5000-5010");
    CU_ASSERT_EQUAL(parse("0.0.0.0/0:1-65535/tcp", &e), 0);
    /* no room: nothing half written */
    out[0] = '\0';
    CU_ASSERT_EQUAL(fg_egress_format(&e, out, 21), -1);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(fg_egress_format(&e, out, 22), 0);
    CU_ASSERT_STRING_EQUAL(out, "0.0.0.0/0 tcp 1-65535");
}


static void
test_parse_bad(void)
{
    static const char *bad[] = {
        "", "127.0.0.1", "localhost:80", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:123456", "127.0.0.1:90-80", "127.0.0.1/33:80",
        "127.0.0.1/:80", "127.0.0.1:80/icmp", "127.0.0.1:80 ", ":80",
        "127.0.0.1:-80", "127.0.0.1:80-", "1.2.3.4.5:80", "::1:80",
        "127.0.0.1:80/tcp/udp", "127.0.0.1:80;drop", "\"x\" . 1:80", NULL
    };
    fg_egress_t  e;
    unsigned     i;

    for (i = 0; bad[i] != NULL; i++) {
        CU_ASSERT_EQUAL(parse(bad[i], &e), -1);
    }
}


static void
test_within_and_overlaps(void)
{
    fg_egress_t  lo, e;

    parse("127.0.0.1:1-65535", &lo);
    parse("127.0.0.1:6379", &e);
    CU_ASSERT_TRUE(fg_egress_within(&e, &lo));
    parse("127.0.0.1:6379/udp", &e);
    CU_ASSERT_FALSE(fg_egress_within(&e, &lo));     /* another protocol */
    parse("127.0.0.0/8:80", &e);
    CU_ASSERT_FALSE(fg_egress_within(&e, &lo));     /* wider */
    parse("10.0.0.0/8:5432", &lo);
    parse("10.1.0.0/16:5432-5433", &e);
    CU_ASSERT_FALSE(fg_egress_within(&e, &lo));     /* more ports */
    parse("10.1.0.0/16:5432", &e);
    CU_ASSERT_TRUE(fg_egress_within(&e, &lo));
    /* the guests' subnet 10.213.0.0/16 */
    CU_ASSERT_TRUE(fg_egress_overlaps(&lo, 0x0ad50000u, 16));
    CU_ASSERT_FALSE(fg_egress_overlaps(&e, 0x0ad50000u, 16));
    parse("0.0.0.0/0:80", &e);
    CU_ASSERT_TRUE(fg_egress_overlaps(&e, 0x0ad50000u, 16));
    parse("10.213.7.9:80", &e);
    CU_ASSERT_TRUE(fg_egress_overlaps(&e, 0x0ad50000u, 16));
}


static const cu_test_t  egress_tests[] = {
    { "destinations that parse, and their nft form", test_parse_good },
    { "destinations that do not", test_parse_bad },
    { "within the operator's, overlapping the guests'",
      test_within_and_overlaps },
    { NULL, NULL }
};

static const cu_suite_t  egress_suites[] = {
    { "fg_egress", NULL, NULL, egress_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(egress_suites, CU_BRM_VERBOSE);
}
