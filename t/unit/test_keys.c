/*
 * CUnit tests of lib/fg_keys.c: the exact Redis key names (they are stored
 * data, so changing one is a migration), hash tags, truncation.
 */

#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_keys.h"

#define ACCT  "123456789012"
#define SHA   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


/* The hash tag Redis Cluster uses: the first {...} with something in it. */
static int
hash_tag(const char *key, char *tag, size_t size)
{
    const char  *open, *close;

    open = strchr(key, '{');
    if (open == NULL) {
        return 0;
    }
    close = strchr(open + 1, '}');
    if (close == NULL || close == open + 1
        || (size_t) (close - open - 1) >= size)
    {
        return 0;
    }
    memcpy(tag, open + 1, (size_t) (close - open - 1));
    tag[close - open - 1] = '\0';
    return 1;
}


static void
test_exact_names(void)
{
    char  k[FG_KEY_MAX];

    CU_ASSERT_EQUAL(fg_key_access_key(k, sizeof(k), "AKIDEXAMPLE"), 18);
    CU_ASSERT_STRING_EQUAL(k, "fg:key:AKIDEXAMPLE");

    CU_ASSERT_EQUAL(fg_key_accounts(k, sizeof(k)), 11);
    CU_ASSERT_STRING_EQUAL(k, "fg:accounts");

    CU_ASSERT_EQUAL(fg_key_account(k, sizeof(k), ACCT), 22);
    CU_ASSERT_STRING_EQUAL(k, "fg:acct:{123456789012}");

    CU_ASSERT_EQUAL(fg_key_functions(k, sizeof(k), ACCT), 21);
    CU_ASSERT_STRING_EQUAL(k, "fg:fns:{123456789012}");

    CU_ASSERT_EQUAL(fg_key_function(k, sizeof(k), ACCT, "my-fn"), 26);
    CU_ASSERT_STRING_EQUAL(k, "fg:fn:{123456789012}:my-fn");

    CU_ASSERT_EQUAL(fg_key_code(k, sizeof(k), ACCT, SHA), 87);
    CU_ASSERT_STRING_EQUAL(k, "fg:code:{123456789012}:" SHA);

    CU_ASSERT_EQUAL(fg_key_coderefs(k, sizeof(k), ACCT), 26);
    CU_ASSERT_STRING_EQUAL(k, "fg:coderefs:{123456789012}");

    CU_ASSERT_EQUAL(fg_key_codebytes(k, sizeof(k), ACCT), 27);
    CU_ASSERT_STRING_EQUAL(k, "fg:codebytes:{123456789012}");

    CU_ASSERT_EQUAL(fg_key_version(k, sizeof(k), ACCT, "my-fn", "12"), 30);
    CU_ASSERT_STRING_EQUAL(k, "fg:ver:{123456789012}:my-fn:12");

    CU_ASSERT_EQUAL(fg_key_versions(k, sizeof(k), ACCT, "my-fn"), 28);
    CU_ASSERT_STRING_EQUAL(k, "fg:vers:{123456789012}:my-fn");

    CU_ASSERT_EQUAL(fg_key_version_refs(k, sizeof(k), ACCT, "my-fn"), 31);
    CU_ASSERT_STRING_EQUAL(k, "fg:verrefs:{123456789012}:my-fn");

    CU_ASSERT_EQUAL(fg_key_alias(k, sizeof(k), ACCT, "my-fn", "live"), 34);
    CU_ASSERT_STRING_EQUAL(k, "fg:alias:{123456789012}:my-fn:live");

    CU_ASSERT_EQUAL(fg_key_aliases(k, sizeof(k), ACCT, "my-fn"), 31);
    CU_ASSERT_STRING_EQUAL(k, "fg:aliases:{123456789012}:my-fn");
}


/* Every key of one account hashes to that account's slot. */
static void
test_hash_tags(void)
{
    char  k[FG_KEY_MAX], tag[32];

    fg_key_account(k, sizeof(k), ACCT);
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    fg_key_functions(k, sizeof(k), ACCT);
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    /* a function name can not move the tag: the first braces count */
    fg_key_function(k, sizeof(k), ACCT, "fn");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    fg_key_code(k, sizeof(k), ACCT, SHA);
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    fg_key_coderefs(k, sizeof(k), ACCT);
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    fg_key_codebytes(k, sizeof(k), ACCT);
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    /* a version, alias or alias list sits in its function's slot */
    fg_key_version(k, sizeof(k), ACCT, "fn", "3");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    fg_key_versions(k, sizeof(k), ACCT, "fn");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    fg_key_version_refs(k, sizeof(k), ACCT, "fn");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    fg_key_alias(k, sizeof(k), ACCT, "fn", "live");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    fg_key_aliases(k, sizeof(k), ACCT, "fn");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);

    /* global keys have none */
    fg_key_accounts(k, sizeof(k));
    CU_ASSERT_FALSE(hash_tag(k, tag, sizeof(tag)));
    fg_key_access_key(k, sizeof(k), "AKIDEXAMPLE");
    CU_ASSERT_FALSE(hash_tag(k, tag, sizeof(tag)));

    /* different accounts, different tags */
    fg_key_function(k, sizeof(k), "210987654321", "fn");
    CU_ASSERT_STRING_EQUAL(k, "fg:fn:{210987654321}:fn");
}


static void
test_truncation(void)
{
    char  k[16];

    memset(k, 'X', sizeof(k));
    CU_ASSERT_EQUAL(fg_key_function(k, sizeof(k), ACCT, "my-fn"), 26);
    CU_ASSERT_STRING_EQUAL(k, "fg:fn:{12345678");      /* 15 + NUL */

    memset(k, 'X', sizeof(k));
    CU_ASSERT_EQUAL(fg_key_code(k, 1, ACCT, SHA), 87);
    CU_ASSERT_EQUAL(k[0], '\0');
    CU_ASSERT_EQUAL(k[1], 'X');

    /* cut in a later part, and at a part's end */
    CU_ASSERT_EQUAL(fg_key_alias(k, sizeof(k), ACCT, "f", "live"), 30);
    CU_ASSERT_STRING_EQUAL(k, "fg:alias:{12345");
    {
        char  m[22];

        CU_ASSERT_EQUAL(fg_key_function(m, sizeof(m), ACCT, "my-fn"), 26);
        CU_ASSERT_STRING_EQUAL(m, "fg:fn:{123456789012}:");
    }

    /* exactly fitting: length size - 1 */
    CU_ASSERT_EQUAL(fg_key_accounts(k, 12), 11);
    CU_ASSERT_STRING_EQUAL(k, "fg:accounts");
    CU_ASSERT_EQUAL(fg_key_accounts(k, 11), 11);
    CU_ASSERT_STRING_EQUAL(k, "fg:account");

    /* size 0 writes nothing but still says how long the key is */
    k[0] = 'X';
    CU_ASSERT_EQUAL(fg_key_coderefs(NULL, 0, ACCT), 26);
    CU_ASSERT_EQUAL(fg_key_coderefs(k, 0, ACCT), 26);
    CU_ASSERT_EQUAL(k[0], 'X');

    /* the longest real key fits FG_KEY_MAX: a 64-character name */
    {
        char  big[FG_KEY_MAX];
        int   n;

        n = fg_key_function(big, sizeof(big), ACCT,
                            "a123456789b123456789c123456789d123456789"
                            "e123456789f123456789ghij");
        CU_ASSERT(n > 0 && n < FG_KEY_MAX);
        /* and the longest alias of such a function: 128 characters */
        n = fg_key_alias(big, sizeof(big), ACCT,
                         "a123456789b123456789c123456789d123456789"
                         "e123456789f123456789ghij",
                         "a123456789b123456789c123456789d123456789"
                         "e123456789f123456789g123456789h123456789"
                         "i123456789j123456789k123456789l1234567"
                         "m123456789");
        CU_ASSERT(n > 0 && n < FG_KEY_MAX);
    }
}


static void
test_null_arguments(void)
{
    char  k[FG_KEY_MAX];

    k[0] = 'X';
    CU_ASSERT_EQUAL(fg_key_access_key(k, sizeof(k), NULL), -1);
    CU_ASSERT_STRING_EQUAL(k, "");
    CU_ASSERT_EQUAL(fg_key_account(k, sizeof(k), NULL), -1);
    CU_ASSERT_EQUAL(fg_key_functions(k, sizeof(k), NULL), -1);
    CU_ASSERT_EQUAL(fg_key_function(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_EQUAL(fg_key_function(k, sizeof(k), NULL, "f"), -1);
    CU_ASSERT_EQUAL(fg_key_code(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_EQUAL(fg_key_coderefs(k, sizeof(k), NULL), -1);
    CU_ASSERT_EQUAL(fg_key_codebytes(k, sizeof(k), NULL), -1);
    CU_ASSERT_EQUAL(fg_key_version(k, sizeof(k), ACCT, "f", NULL), -1);
    CU_ASSERT_EQUAL(fg_key_versions(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_EQUAL(fg_key_version_refs(k, sizeof(k), NULL, "f"), -1);
    CU_ASSERT_EQUAL(fg_key_alias(k, sizeof(k), ACCT, "f", NULL), -1);
    CU_ASSERT_EQUAL(fg_key_aliases(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_STRING_EQUAL(k, "");
}


static void
test_policy_keys(void)
{
    char  k[FG_KEY_MAX];

    CU_ASSERT_EQUAL(fg_key_policy(k, sizeof(k), ACCT, "my-fn"), 30);
    CU_ASSERT_STRING_EQUAL(k, "fg:policy:{123456789012}:my-fn");
    CU_ASSERT_EQUAL(fg_key_grants(k, sizeof(k), ACCT, "my-fn"), 29);
    CU_ASSERT_STRING_EQUAL(k, "fg:grant:{123456789012}:my-fn");
    CU_ASSERT_EQUAL(fg_key_bounds(k, sizeof(k), ACCT, "my-fn"), 30);
    CU_ASSERT_STRING_EQUAL(k, "fg:bounds:{123456789012}:my-fn");
    CU_ASSERT_EQUAL(fg_key_event_invoke_configs(k, sizeof(k), ACCT,
        "my-fn"), 27);
    CU_ASSERT_STRING_EQUAL(k, "fg:eic:{123456789012}:my-fn");
    CU_ASSERT_EQUAL(fg_key_provisioned(k, sizeof(k), ACCT, "my-fn"), 26);
    CU_ASSERT_STRING_EQUAL(k, "fg:pc:{123456789012}:my-fn");
    CU_ASSERT_EQUAL(fg_key_provisioned_functions(k, sizeof(k), ACCT), 21);
    CU_ASSERT_STRING_EQUAL(k, "fg:pcs:{123456789012}");
    CU_ASSERT_EQUAL(fg_key_provisioned_accounts(k, sizeof(k)), 14);
    CU_ASSERT_STRING_EQUAL(k, "fg:pc:accounts");
    CU_ASSERT_EQUAL(fg_key_queue(k, sizeof(k), FG_QKEY_ATTRS, ACCT,
        "orders"), 30);
    CU_ASSERT_STRING_EQUAL(k, "fg:queue:{123456789012}:orders");
    CU_ASSERT_EQUAL(fg_key_queue(k, sizeof(k), FG_QKEY_GRANTS, ACCT,
        "orders"), 31);
    CU_ASSERT_STRING_EQUAL(k, "fg:qgrant:{123456789012}:orders");

    CU_ASSERT_EQUAL(fg_key_grant_field(k, sizeof(k), "",
        "lambda:InvokeFunction", "210987654321"), 35);
    CU_ASSERT_STRING_EQUAL(k, ":lambda:InvokeFunction:210987654321");
    CU_ASSERT_EQUAL(fg_key_grant_field(k, sizeof(k), "live",
        "lambda:GetFunction", "210987654321"), 36);
    CU_ASSERT_STRING_EQUAL(k, "live:lambda:GetFunction:210987654321");

    /* truncation is reported as for the other keys */
    CU_ASSERT(fg_key_policy(k, 10, ACCT, "my-fn") >= 10);

    k[0] = 'X';
    CU_ASSERT_EQUAL(fg_key_policy(k, sizeof(k), NULL, "f"), -1);
    CU_ASSERT_STRING_EQUAL(k, "");
    CU_ASSERT_EQUAL(fg_key_grants(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_EQUAL(fg_key_bounds(k, sizeof(k), NULL, "f"), -1);
    CU_ASSERT_EQUAL(fg_key_event_invoke_configs(k, sizeof(k), NULL, "f"),
        -1);
    CU_ASSERT_EQUAL(fg_key_provisioned(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_EQUAL(fg_key_provisioned_functions(k, sizeof(k), NULL), -1);
    CU_ASSERT_EQUAL(fg_key_queue(k, sizeof(k), FG_QKEY_ATTRS, ACCT, NULL),
        -1);
    CU_ASSERT_EQUAL(fg_key_queue(k, sizeof(k), FG_QKEY_GRANTS, NULL, "q"),
        -1);
    CU_ASSERT_EQUAL(fg_key_grant_field(k, sizeof(k), NULL, "a", "b"), -1);
    CU_ASSERT_EQUAL(fg_key_grant_field(k, sizeof(k), "", NULL, "b"), -1);
    CU_ASSERT_EQUAL(fg_key_grant_field(k, sizeof(k), "", "a", NULL), -1);
}


static void
test_esm_keys(void)
{
    char  k[FG_KEY_MAX], tag[32];

    CU_ASSERT_EQUAL(fg_key_esms(k, sizeof(k), ACCT), 22);
    CU_ASSERT_STRING_EQUAL(k, "fg:esms:{123456789012}");
    CU_ASSERT_EQUAL(fg_key_esm(k, sizeof(k), ACCT,
        "a1b2c3d4-0000-4000-8000-000000000001"), 58);
    CU_ASSERT_STRING_EQUAL(k, "fg:esm:{123456789012}:"
        "a1b2c3d4-0000-4000-8000-000000000001");
    CU_ASSERT(hash_tag(k, tag, sizeof(tag)) && strcmp(tag, ACCT) == 0);
    CU_ASSERT_EQUAL(fg_key_esm_accounts(k, sizeof(k)), 15);
    CU_ASSERT_STRING_EQUAL(k, "fg:esm:accounts");

    CU_ASSERT(fg_key_esm(k, 10, ACCT, "u") >= 10);
    CU_ASSERT_EQUAL(fg_key_esms(k, sizeof(k), NULL), -1);
    CU_ASSERT_EQUAL(fg_key_esm(k, sizeof(k), ACCT, NULL), -1);
    CU_ASSERT_EQUAL(fg_key_esm(k, sizeof(k), NULL, "u"), -1);

    CU_ASSERT_EQUAL(fg_key_roles(k, sizeof(k), ACCT), 23);
    CU_ASSERT_STRING_EQUAL(k, "fg:roles:{123456789012}");
    CU_ASSERT_EQUAL(fg_key_role(k, sizeof(k), ACCT, "fn-role"), 30);
    CU_ASSERT_STRING_EQUAL(k, "fg:role:{123456789012}:fn-role");
    CU_ASSERT(hash_tag(k, tag, sizeof(tag)) && strcmp(tag, ACCT) == 0);
    CU_ASSERT_EQUAL(fg_key_role(k, sizeof(k), NULL, "r"), -1);
}


/* Idempotent execution's keys: every one in the billed account's slot. */
static void
test_idem_keys(void)
{
    char  k[FG_KEY_MAX], tag[32];

    CU_ASSERT_EQUAL(fg_key_idem(k, sizeof(k), FG_IDEM_RESULT, ACCT, "ab12"),
        27);
    CU_ASSERT_STRING_EQUAL(k, "fg:idem:{123456789012}:ab12");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    fg_key_idem(k, sizeof(k), FG_IDEM_EXPIRY, ACCT, NULL);
    CU_ASSERT_STRING_EQUAL(k, "fg:idemx:{123456789012}");
    fg_key_idem(k, sizeof(k), FG_IDEM_SIZES, ACCT, NULL);
    CU_ASSERT_STRING_EQUAL(k, "fg:idemsz:{123456789012}");
    fg_key_idem(k, sizeof(k), FG_IDEM_BYTES, ACCT, NULL);
    CU_ASSERT_STRING_EQUAL(k, "fg:idembytes:{123456789012}");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    /* a result needs its hash; no account, no key */
    CU_ASSERT_EQUAL(fg_key_idem(k, sizeof(k), FG_IDEM_RESULT, ACCT, NULL),
        -1);
    CU_ASSERT_EQUAL(fg_key_idem(k, sizeof(k), FG_IDEM_BYTES, NULL, NULL),
        -1);
    CU_ASSERT(fg_key_idem(k, 10, FG_IDEM_RESULT, ACCT, "ab12") >= 10);
}


/* The shipped billing: each account's streams and checkpoints in its own
 * slot, so the shipper's script touches one. */
static void
test_bill_keys(void)
{
    char  k[FG_KEY_MAX], tag[32];

    CU_ASSERT_EQUAL(fg_key_bill(k, sizeof(k), FG_BILL_LINES, ACCT), 22);
    CU_ASSERT_STRING_EQUAL(k, "fg:bill:{123456789012}");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    CU_ASSERT_EQUAL(fg_key_bill(k, sizeof(k), FG_BILL_API_LINES, ACCT), 25);
    CU_ASSERT_STRING_EQUAL(k, "fg:billapi:{123456789012}");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    CU_ASSERT_EQUAL(fg_key_bill(k, sizeof(k), FG_BILL_POS, ACCT), 25);
    CU_ASSERT_STRING_EQUAL(k, "fg:billpos:{123456789012}");
    CU_ASSERT_TRUE(hash_tag(k, tag, sizeof(tag)));
    CU_ASSERT_STRING_EQUAL(tag, ACCT);
    CU_ASSERT_EQUAL(fg_key_bill_accounts(k, sizeof(k)), 16);
    CU_ASSERT_STRING_EQUAL(k, "fg:bill:accounts");

    CU_ASSERT(fg_key_bill(k, 10, FG_BILL_LINES, ACCT) >= 10);
    k[0] = 'X';
    CU_ASSERT_EQUAL(fg_key_bill(k, sizeof(k), FG_BILL_LINES, NULL), -1);
    CU_ASSERT_STRING_EQUAL(k, "");
    CU_ASSERT_EQUAL(fg_key_bill(k, sizeof(k), (fg_bill_key_t) 3, ACCT), -1);
}


static const cu_test_t  keys_tests[] = {
    { "event source mapping keys", test_esm_keys },
    { "idempotent execution's keys", test_idem_keys },
    { "exact key names", test_exact_names },
    { "hash tags", test_hash_tags },
    { "truncation", test_truncation },
    { "NULL arguments", test_null_arguments },
    { "policy and grant keys", test_policy_keys },
    { "shipped billing keys", test_bill_keys },
    { NULL, NULL }
};

static const cu_suite_t  keys_suites[] = {
    { "fg_keys", NULL, NULL, keys_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(keys_suites, CU_BRM_VERBOSE);
}
