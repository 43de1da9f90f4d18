/*
 * CUnit tests of lib/fg_sigv4.c.
 *
 * The table below is AWS's published Signature Version 4 test suite
 * (aws-sig-v4-test-suite, 2015-08-30; service "service", region us-east-1,
 * AKIDEXAMPLE): for each request the canonical request, the SHA-256 that
 * goes into the string to sign, and the published signature.  Requests are
 * given as they arrive on the wire (raw bytes where the suite's .req file
 * has raw bytes: get-utf8, get-space).  get-header-value-multiline is given
 * as the three header lines nginx would pass (it refuses obsolete line
 * folding), which canonicalises to the published "value1,value2,value3".
 *
 * The Lambda vectors at the end are real AWS CLI request shapes; their
 * signatures were produced by Debian's python3-botocore 1.29.27 (the client
 * fngate must accept) with the timestamp pinned to 20261123T120000Z.
 */

#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_sigv4.h"

#define MAXH  8
#define H(n, v)  { { n, sizeof(n) - 1 }, { v, sizeof(v) - 1 } }
#define S(s)     ((fg_str_t) { s, strlen(s) })

#define SECRET   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_T  1440938160     /* 20150830T123600Z */
#define LAMBDA_T 1795435200     /* 20261123T120000Z */

typedef struct {
    const char   *name;
    const char   *method;
    const char   *path;
    const char   *query;
    const char   *body;
    size_t        nheaders;
    fg_header_t   headers[MAXH];
    const char   *signed_headers;
    const char   *creq;
    const char   *creq_sha256;
    const char   *signature;
} vector_t;

static const vector_t  suite[] = {
    {
        "get-vanilla", "GET", "/", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        /* published signature */
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    },
    {
        "get-vanilla-query", "GET", "/", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        /* published signature */
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    },
    {
        "get-vanilla-empty-query-key", "GET", "/", "Param1=value1",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "Param1=value1\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
        /* published signature */
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
    },
    {
        "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "Param1=value1&Param2=value2\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        /* published signature */
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
    },
    {
        "get-vanilla-query-unreserved", "GET", "/", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
        /* published signature */
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"
    },
    {
        "get-vanilla-utf8-query", "GET", "/", "%E1%88%B4=bar",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "%E1%88%B4=bar\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
        /* published signature */
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
    },
    {
        "get-header-key-duplicate", "GET", "/", "",
        "",
        5, {
            H("Host", "example.amazonaws.com"),
            H("My-Header1", "value2"),
            H("My-Header1", "value2"),
            H("My-Header1", "value1"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;my-header1;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value2,value2,value1\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
        /* published signature */
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"
    },
    {
        "get-header-value-multiline", "GET", "/", "",
        "",
        5, {
            H("Host", "example.amazonaws.com"),
            H("My-Header1", "value1"),
            H("My-Header1", "  value2"),
            H("My-Header1", "     value3"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;my-header1;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value1,value2,value3\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "b7b6cbfd8a0430b78891e986784da2630c8a135a8595cec25b26ea94f926ee55",
        /* published signature */
        "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"
    },
    {
        "get-header-value-order", "GET", "/", "",
        "",
        6, {
            H("Host", "example.amazonaws.com"),
            H("My-Header1", "value4"),
            H("My-Header1", "value1"),
            H("My-Header1", "value3"),
            H("My-Header1", "value2"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;my-header1;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value4,value1,value3,value2\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
        /* published signature */
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"
    },
    {
        "get-header-value-trim", "GET", "/", "",
        "",
        4, {
            H("Host", "example.amazonaws.com"),
            H("My-Header1", " value1"),
            H("My-Header2", " \"a   b   c\""),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;my-header1;my-header2;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value1\n"
        "my-header2:\"a b c\"\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;my-header2;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
        /* published signature */
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
    },
    {
        "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
        /* published signature */
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"
    },
    {
        "get-utf8", "GET", "/\xe1""\x88""\xb4""", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/%E1%88%B4\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
        /* published signature */
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
    },
    {
        "get-space", "GET", "/example space/", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/example%20space/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        /* published signature */
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"
    },
    {
        "get-slash", "GET", "//", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        /* published signature */
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    },
    {
        "get-slash-dot-slash", "GET", "/./", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        /* published signature */
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    },
    {
        "get-slash-pointless-dot", "GET", "/./example", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/example\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
        /* published signature */
        "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"
    },
    {
        "get-slashes", "GET", "//example//", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/example/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
        /* published signature */
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"
    },
    {
        "get-relative", "GET", "/example/..", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        /* published signature */
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    },
    {
        "get-relative-relative", "GET", "/example1/example2/../..", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        /* published signature */
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    },
    {
        "post-vanilla", "POST", "/", "",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        /* published signature */
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    },
    {
        "post-vanilla-query", "POST", "/", "Param1=value1",
        "",
        2, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "Param1=value1\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
        /* published signature */
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"
    },
    {
        "post-header-key-case", "POST", "/", "",
        "",
        2, {
            H("HOST", "example.amazonaws.com"),
            H("X-AMZ-DATE", "20150830T123600Z")
        },
        "host;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        /* published signature */
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    },
    {
        "post-header-key-sort", "POST", "/", "",
        "",
        3, {
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z"),
            H("My-Header1", "value1")
        },
        "host;my-header1;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value1\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
        /* published signature */
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"
    },
    {
        "post-header-value-case", "POST", "/", "",
        "",
        3, {
            H("Host", "example.amazonaws.com"),
            H("My-Header1", "VALUE1"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "host;my-header1;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:VALUE1\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        /* hash of it, in the string to sign */
        "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
        /* published signature */
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"
    },
    {
        "post-x-www-form-urlencoded", "POST", "/", "",
        "Param1=value1",
        3, {
            H("Content-Type", "application/x-www-form-urlencoded"),
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "content-type;host;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "\n"
        "content-type:application/x-www-form-urlencoded\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "content-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        /* hash of it, in the string to sign */
        "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
        /* published signature */
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
    },
    {
        "post-x-www-form-urlencoded-parameters", "POST", "/", "",
        "Param1=value1",
        3, {
            H("Content-Type", "application/x-www-form-urlencoded; charset=utf8"),
            H("Host", "example.amazonaws.com"),
            H("X-Amz-Date", "20150830T123600Z")
        },
        "content-type;host;x-amz-date",
        /* canonical request */
        "POST\n"
        "/\n"
        "\n"
        "content-type:application/x-www-form-urlencoded; charset=utf8\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "content-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        /* hash of it, in the string to sign */
        "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
        /* published signature */
        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"
    },
};


/* Requests as Debian's botocore 1.29.27 / the AWS CLI send Invoke. */
static const vector_t  lambda[] = {
    {
        "invoke-by-name", "POST", "/2015-03-31/functions/f/invocations", "",
        "{\"key\":\"value\"}",
        6, {
            H("User-Agent", "Botocore/1.29.27 Python/3.11.2 Linux"),
            H("host", "127.0.0.1:1984"),
            H("X-Amz-Date", "20261123T120000Z"),
            H("amz-sdk-invocation-id", "bc591139-c9b1-47c5-88f4-a63406b3efeb"),
            H("amz-sdk-request", "attempt=1"),
            H("Content-Length", "15")
        },
        "host;x-amz-date",
        "POST\n"
        "/2015-03-31/functions/f/invocations\n"
        "\n"
        "host:127.0.0.1:1984\n"
        "x-amz-date:20261123T120000Z\n"
        "\n"
        "host;x-amz-date\n"
        "e43abcf3375244839c012f9633f95862d232a95b00d5bc7348b3098b9fed7f32",
        NULL,
        "827e677643907f638ac60091f236ef443331c886c98ae22d2b3f519497781139"
    },
    {
        /* the path is percent-encoded on the wire and signed encoded twice */
        "invoke-by-arn",
        "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A"
                "123456789012%3Afunction%3Af%3Aprod/invocations", "",
        "{\"key\":\"value\"}",
        3, {
            H("host", "127.0.0.1:1984"),
            H("X-Amz-Date", "20261123T120000Z"),
            H("Content-Length", "15")
        },
        "host;x-amz-date",
        "POST\n"
        "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A"
        "123456789012%253Afunction%253Af%253Aprod/invocations\n"
        "\n"
        "host:127.0.0.1:1984\n"
        "x-amz-date:20261123T120000Z\n"
        "\n"
        "host;x-amz-date\n"
        "e43abcf3375244839c012f9633f95862d232a95b00d5bc7348b3098b9fed7f32",
        NULL,
        "9952637e7222a0601a39965d3875391209eb3b839a9f481134909da8f4f10b61"
    },
    {
        "invoke-qualifier-log-tail",
        "POST", "/2015-03-31/functions/g/invocations", "Qualifier=1",
        "{\"key\":\"value\"}",
        5, {
            H("X-Amz-Log-Type", "Tail"),
            H("User-Agent", "Botocore/1.29.27 Python/3.11.2 Linux"),
            H("host", "127.0.0.1:1984"),
            H("X-Amz-Date", "20261123T120000Z"),
            H("Content-Length", "15")
        },
        "host;x-amz-date;x-amz-log-type",
        "POST\n"
        "/2015-03-31/functions/g/invocations\n"
        "Qualifier=1\n"
        "host:127.0.0.1:1984\n"
        "x-amz-date:20261123T120000Z\n"
        "x-amz-log-type:Tail\n"
        "\n"
        "host;x-amz-date;x-amz-log-type\n"
        "e43abcf3375244839c012f9633f95862d232a95b00d5bc7348b3098b9fed7f32",
        NULL,
        "cfa2707c83b3f9d35166930e0271f965edecff2831aed4ce0f50564d578c4bb1"
    }
};


/* The x-amz-date header of a vector. */
static fg_str_t
amz_date_of(const vector_t *v)
{
    size_t  i;

    for (i = 0; i < v->nheaders; i++) {
        if (strcasecmp(v->headers[i].name.data, "x-amz-date") == 0) {
            return v->headers[i].value;
        }
    }
    return (fg_str_t) { NULL, 0 };
}


static void
request_of(const vector_t *v, fg_sigv4_request_t *req, char hash[65])
{
    fg_sha256_hex(v->body, strlen(v->body), hash);

    req->method = S(v->method);
    req->uri = S(v->path);
    req->query = S(v->query);
    req->headers = v->headers;
    req->nheaders = v->nheaders;
    req->payload_hash = (fg_str_t) { hash, 64 };
    req->amz_date = amz_date_of(v);
}


/* Authorization header value for v, as a client would send it. */
static char *
authorization_of(const vector_t *v, const char *date, const char *service,
    const char *signature)
{
    char    *s;
    size_t   n;

    n = 200 + strlen(v->signed_headers);
    s = malloc(n);
    CU_ASSERT_FATAL(s != NULL);
    snprintf(s, n, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%s/us-east-1/%s/"
             "aws4_request, SignedHeaders=%s, Signature=%s", date, service,
             v->signed_headers, signature);
    return s;
}


static void
check_vector(const vector_t *v, const char *service, time_t now)
{
    fg_sigv4_request_t  req;
    fg_sigv4_auth_t     auth;
    fg_sigv4_rc_t       rc;
    fg_str_t            date;
    char                hash[65], sig[65], want_sts[256], *creq = NULL;
    char               *sts = NULL, *authz;

    request_of(v, &req, hash);
    date = (fg_str_t) { req.amz_date.data, 8 };

    rc = fg_sigv4_canonical_request(&req, S(v->signed_headers), &creq);
    CU_ASSERT_EQUAL(rc, FG_SIGV4_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(creq);
    CU_ASSERT_STRING_EQUAL(creq, v->creq);
    if (strcmp(creq, v->creq) != 0) {
        fprintf(stderr, "\n%s: got canonical request\n%s\n", v->name, creq);
    }

    rc = fg_sigv4_string_to_sign(req.amz_date, date, S("us-east-1"),
                                 S(service), creq, &sts);
    CU_ASSERT_EQUAL(rc, FG_SIGV4_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sts);

    if (v->creq_sha256) {
        snprintf(want_sts, sizeof(want_sts),
                 "AWS4-HMAC-SHA256\n%.*s\n%.8s/us-east-1/%s/aws4_request\n%s",
                 (int) req.amz_date.len, req.amz_date.data, req.amz_date.data,
                 service, v->creq_sha256);
        CU_ASSERT_STRING_EQUAL(sts, want_sts);
    }

    rc = fg_sigv4_sign(S(SECRET), date, S("us-east-1"), S(service), sts,
                       sig);
    CU_ASSERT_EQUAL(rc, FG_SIGV4_OK);
    CU_ASSERT_STRING_EQUAL(sig, v->signature);
    if (strcmp(sig, v->signature) != 0) {
        fprintf(stderr, "\n%s: got signature %s\n", v->name, sig);
    }

    /* the verifier accepts the published Authorization header */
    authz = authorization_of(v, "20150830", service, v->signature);
    if (now == LAMBDA_T) {
        free(authz);
        authz = authorization_of(v, "20261123", service, v->signature);
    }
    rc = fg_sigv4_parse_auth(S(authz), &auth);
    CU_ASSERT_EQUAL(rc, FG_SIGV4_OK);
    if (rc == FG_SIGV4_OK) {
        CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), now, 300),
                        FG_SIGV4_OK);
    }

    free(authz);
    free(creq);
    free(sts);
}


static void
test_suite_vectors(void)
{
    size_t  i;

    for (i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
        check_vector(&suite[i], "service", SUITE_T);
    }
}


static void
test_lambda_vectors(void)
{
    size_t  i;

    for (i = 0; i < sizeof(lambda) / sizeof(lambda[0]); i++) {
        check_vector(&lambda[i], "lambda", LAMBDA_T);
    }
}


/* get-vanilla-utf8-query with the raw UTF-8 bytes its .req file has. */
static void
test_raw_utf8_query(void)
{
    vector_t  v = suite[5];

    CU_ASSERT_STRING_EQUAL(v.name, "get-vanilla-utf8-query");
    v.query = "\xe1\x88\xb4=bar";
    check_vector(&v, "service", SUITE_T);
}


/* get-space with the path encoded the way a client puts it on the wire
 * signs the space encoded twice; the raw form signs it once. */
static void
test_space_encoded(void)
{
    const vector_t      *v = &suite[12];
    fg_sigv4_request_t   req;
    char                 hash[65], *creq = NULL;

    CU_ASSERT_STRING_EQUAL(v->name, "get-space");
    request_of(v, &req, hash);
    req.uri = S("/example%20space/");
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host;x-amz-date"),
                                               &creq), FG_SIGV4_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(creq);
    CU_ASSERT_NSTRING_EQUAL(creq, "GET\n/example%2520space/\n\n", 25);
    free(creq);
}


static void
test_query_canonical_forms(void)
{
    static const struct {
        const char  *query;
        const char  *canonical;
    } cases[] = {
        { "b=2&a=1&a=0", "a=0&a=1&b=2" },
        { "flag&a=", "a=&flag=" },
        { "a=1&&b=2&", "a=1&b=2" },
        { "k=a+b", "k=a%2Bb" },
        { "k=%7e%2d%41", "k=~-A" },
        { "sp%20ace=x%2Fy", "sp%20ace=x%2Fy" },
        { "Z=1&a=1", "Z=1&a=1" },           /* sorted by bytes */
        { "=v", "=v" },
        /* only empty names and values: nothing is encoded, and the
         * offsets were added to a NULL buffer (fuzz_sigv4's finding, an
         * UndefinedBehaviorSanitizer report under make unit-san) */
        { "=", "=" },
        { "=&=&", "=&=" },
        { "&", "" },
    };
    fg_sigv4_request_t  req;
    fg_header_t         h[1] = { H("host", "h") };
    char                want[256], *creq;
    size_t              i;

    memset(&req, 0, sizeof(req));
    req.method = S("GET");
    req.uri = S("/");
    req.headers = h;
    req.nheaders = 1;
    req.payload_hash = S("x");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        creq = NULL;
        req.query = S(cases[i].query);
        CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host"), &creq),
                        FG_SIGV4_OK);
        CU_ASSERT_PTR_NOT_NULL_FATAL(creq);
        snprintf(want, sizeof(want), "GET\n/\n%s\nhost:h\n\nhost\nx",
                 cases[i].canonical);
        CU_ASSERT_STRING_EQUAL(creq, want);
        free(creq);
    }

    creq = (char *) 1;
    req.query = S("a=%zz");
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host"), &creq),
                    FG_SIGV4_MALFORMED);
    CU_ASSERT_PTR_NULL(creq);
    req.query = S("a=%4");
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host"), &creq),
                    FG_SIGV4_MALFORMED);
}


static void
test_uri_canonical_forms(void)
{
    static const struct {
        const char  *uri;
        const char  *canonical;
    } cases[] = {
        { "", "/" },
        { "/", "/" },
        { "/a/b/../../..", "/" },
        { "/a/./b/", "/a/b/" },
        { "/a//b", "/a/b" },
        { "/..", "/" },
        { "/a/%2e%2e/b", "/a/%252e%252e/b" },   /* not a dot segment */
        { "/a%2Fb", "/a%252Fb" },
        { "/f:1", "/f%3A1" },
        { "/~user/x+y", "/~user/x%2By" },
    };
    fg_sigv4_request_t  req;
    fg_header_t         h[1] = { H("host", "h") };
    char                want[256], *creq;
    size_t              i;

    memset(&req, 0, sizeof(req));
    req.method = S("GET");
    req.headers = h;
    req.nheaders = 1;
    req.payload_hash = S("x");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        creq = NULL;
        req.uri = S(cases[i].uri);
        CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host"), &creq),
                        FG_SIGV4_OK);
        CU_ASSERT_PTR_NOT_NULL_FATAL(creq);
        snprintf(want, sizeof(want), "GET\n%s\n\nhost:h\n\nhost\nx",
                 cases[i].canonical);
        CU_ASSERT_STRING_EQUAL(creq, want);
        free(creq);
    }

    req.uri = S("relative");
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host"), &creq),
                    FG_SIGV4_MALFORMED);
}


static void
test_header_folding(void)
{
    fg_sigv4_request_t  req;
    fg_header_t         h[] = {
        H("Host", "h"),
        H("X-A", "\t a \t b  \t"),
        H("x-b", ""),
        H("X-A", "c"),
    };
    char               *creq = NULL;

    memset(&req, 0, sizeof(req));
    req.method = S("PUT");
    req.uri = S("/");
    req.headers = h;
    req.nheaders = 4;
    req.payload_hash = S("x");

    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host;x-a;x-b"),
                                               &creq), FG_SIGV4_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(creq);
    CU_ASSERT_STRING_EQUAL(creq, "PUT\n/\n\nhost:h\nx-a:a b,c\nx-b:\n\n"
                                 "host;x-a;x-b\nx");
    free(creq);

    /* SignedHeaders must be lowercase, sorted, without duplicates */
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("x-a;host"), &creq),
                    FG_SIGV4_MALFORMED);
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("Host;x-a"), &creq),
                    FG_SIGV4_MALFORMED);
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host;host"), &creq),
                    FG_SIGV4_MALFORMED);
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host;;x-a"), &creq),
                    FG_SIGV4_MALFORMED);
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S(""), &creq),
                    FG_SIGV4_MALFORMED);
    CU_ASSERT_EQUAL(fg_sigv4_canonical_request(&req, S("host;x-c"), &creq),
                    FG_SIGV4_MISSING_HEADER);
    CU_ASSERT_PTR_NULL(creq);
}


static void
test_parse_auth(void)
{
    fg_sigv4_auth_t  a;
    const char      *sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d"
                           "9b8aae1d763fbf31";
    char             buf[512];

    snprintf(buf, sizeof(buf), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
             "20150830/us-east-1/service/aws4_request, SignedHeaders=host;"
             "x-amz-date, Signature=%s", sig);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(buf), &a), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(a.access_key.len, 11);
    CU_ASSERT_NSTRING_EQUAL(a.access_key.data, "AKIDEXAMPLE", 11);
    CU_ASSERT_EQUAL(a.date.len, 8);
    CU_ASSERT_NSTRING_EQUAL(a.date.data, "20150830", 8);
    CU_ASSERT_EQUAL(a.region.len, 9);
    CU_ASSERT_NSTRING_EQUAL(a.region.data, "us-east-1", 9);
    CU_ASSERT_EQUAL(a.service.len, 7);
    CU_ASSERT_NSTRING_EQUAL(a.service.data, "service", 7);
    CU_ASSERT_EQUAL(a.signed_headers.len, 15);
    CU_ASSERT_NSTRING_EQUAL(a.signed_headers.data, "host;x-amz-date", 15);
    CU_ASSERT_EQUAL(a.signature.len, 64);
    CU_ASSERT_NSTRING_EQUAL(a.signature.data, sig, 64);

    /* any order, no spaces after the commas, surrounding blanks */
    snprintf(buf, sizeof(buf), "  AWS4-HMAC-SHA256 Signature=%s,"
             "SignedHeaders=host,Credential=K/20150830/r/s/aws4_request ",
             sig);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(buf), &a), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(a.access_key.len, 1);
    CU_ASSERT_EQUAL(a.service.len, 1);
    CU_ASSERT_EQUAL(a.signed_headers.len, 4);

#define BAD(rc, ...)                                                       \
    do {                                                                   \
        snprintf(buf, sizeof(buf), __VA_ARGS__);                           \
        CU_ASSERT_EQUAL(fg_sigv4_parse_auth(S(buf), &a), rc);              \
    } while (0)

    BAD(FG_SIGV4_MALFORMED, "%s", "");
    BAD(FG_SIGV4_MALFORMED, "%s", "AWS4-HMAC-SHA256");
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA1 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host");
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 SignedHeaders=host, "
        "Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/"
        "aws4_request, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/2015083/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request/x, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_BAD_SCOPE, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws5_request, SignedHeaders=host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=x-amz-date;host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=Host, Signature=%s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%.63s", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%.63sA", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%s, Signature=%s",
        sig, sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request, SignedHeaders=host, Signature=%s, Extra=1", sig);
    BAD(FG_SIGV4_MALFORMED, "AWS4-HMAC-SHA256 Credential=K/20150830/r/s/"
        "aws4_request,, SignedHeaders=host, Signature=%s", sig);
#undef BAD
}


/* verify() on get-vanilla with one thing changed at a time. */
static void
test_verify_rejects(void)
{
    const vector_t      *v = &suite[0];
    fg_sigv4_request_t   req;
    fg_sigv4_auth_t      auth;
    fg_header_t          hdr[MAXH];
    char                 hash[65], bad[65], *authz;
    size_t               i;

    CU_ASSERT_STRING_EQUAL(v->name, "get-vanilla");
    request_of(v, &req, hash);

    authz = authorization_of(v, "20150830", "service", v->signature);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_OK);

    /* every one-character change of the signature */
    for (i = 0; i < 64; i++) {
        memcpy(bad, v->signature, 65);
        bad[i] = bad[i] == '0' ? '1' : '0';
        auth.signature = (fg_str_t) { bad, 64 };
        CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T,
                                        300), FG_SIGV4_MISMATCH);
    }
    auth.signature = (fg_str_t) { v->signature, 64 };

    /* wrong secret, body, method, path, query */
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET "x"), SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    req.payload_hash = S("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106"
                         "275f4c7b24d0b6e");
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    request_of(v, &req, hash);
    req.method = S("POST");
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    request_of(v, &req, hash);
    req.uri = S("/x");
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    request_of(v, &req, hash);
    req.query = S("a=1");
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    request_of(v, &req, hash);

    /* clock skew: exactly 300 s either way passes, 301 s does not */
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T + 300,
                                    300), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T - 300,
                                    300), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T + 301,
                                    300), FG_SIGV4_EXPIRED);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T - 301,
                                    300), FG_SIGV4_EXPIRED);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET),
                                    SUITE_T + 86400 * 365, 300),
                    FG_SIGV4_EXPIRED);

    /* scope date other than the x-amz-date day */
    free(authz);
    authz = authorization_of(v, "20150831", "service", v->signature);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_BAD_SCOPE);

    /* a signed header the request does not have */
    free(authz);
    authz = strdup("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                   "us-east-1/service/aws4_request, SignedHeaders=host;"
                   "my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed"
                   "430f6e6645f61f4dc9e1461ec8f8916fdf18852c");
    CU_ASSERT_PTR_NOT_NULL_FATAL(authz);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISSING_HEADER);

    /* host not signed */
    free(authz);
    authz = strdup("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                   "us-east-1/service/aws4_request, SignedHeaders=x-amz-date,"
                   " Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956"
                   "d9b8aae1d763fbf31");
    CU_ASSERT_PTR_NOT_NULL_FATAL(authz);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISSING_HEADER);

    /* the host header itself missing from the request */
    free(authz);
    authz = authorization_of(v, "20150830", "service", v->signature);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
    memcpy(hdr, v->headers, sizeof(hdr));
    req.headers = hdr + 1;
    req.nheaders = 1;
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MISSING_HEADER);

    /* malformed x-amz-date */
    request_of(v, &req, hash);
    req.amz_date = S("20150830T1236Z");
    CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET), SUITE_T, 300),
                    FG_SIGV4_MALFORMED);

    free(authz);
}


static void
test_parse_date(void)
{
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830T123600Z")), SUITE_T);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20261123T120000Z")), LAMBDA_T);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("19700101T000000Z")), 0);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20160229T235959Z")), 1456790399);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20000229T000000Z")), 951782400);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150229T000000Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("21000229T000000Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20151301T000000Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150431T000000Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830T243600Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830T126000Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830T123660Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830 123600Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830T123600")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("20150830T123600Z ")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("2015-8-30T12360Z")), -1);
    CU_ASSERT_EQUAL(fg_sigv4_parse_date(S("")), -1);
}


static void
test_sha256_and_strerror(void)
{
    char  hex[65];

    fg_sha256_hex("", 0, hex);
    CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e464"
                                "9b934ca495991b7852b855");
    fg_sha256_hex("abc", 3, hex);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396"
                                "177a9cb410ff61f20015ad");

    CU_ASSERT_STRING_EQUAL(fg_sigv4_strerror(FG_SIGV4_MISMATCH),
                           "signature mismatch");
    CU_ASSERT_STRING_NOT_EQUAL(fg_sigv4_strerror(FG_SIGV4_EXPIRED),
                               fg_sigv4_strerror(FG_SIGV4_BAD_SCOPE));
    CU_ASSERT_PTR_NOT_NULL(fg_sigv4_strerror((fg_sigv4_rc_t) 99));
}


/* The signing key: AWS's published example (secret wJalrXUtnFEMI/K7MDENG+
 * bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam), and verify_key agrees
 * with verify. */
static void
test_signing_key(void)
{
    const vector_t      *v = &suite[0];
    unsigned char        key[FG_SIGV4_KEY_LEN], other[FG_SIGV4_KEY_LEN];
    char                 hex[65], hash[65], *authz;
    fg_sigv4_request_t   req;
    fg_sigv4_auth_t      auth;
    size_t               i;

    CU_ASSERT_EQUAL_FATAL(fg_sigv4_signing_key(
        S("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), S("20120215"),
        S("us-east-1"), S("iam"), key), FG_SIGV4_OK);
    for (i = 0; i < FG_SIGV4_KEY_LEN; i++) {
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    }
    CU_ASSERT_STRING_EQUAL(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a435"
                                "05a000a1a9e090d414db404d");

    request_of(v, &req, hash);
    authz = authorization_of(v, "20150830", "service", v->signature);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
    CU_ASSERT_EQUAL_FATAL(fg_sigv4_signing_key(S(SECRET), auth.date,
        auth.region, auth.service, key), FG_SIGV4_OK);
    CU_ASSERT_EQUAL(fg_sigv4_verify_key(&req, &auth, key, SUITE_T, 300),
                    FG_SIGV4_OK);
    /* the key of another secret, day or region does not verify */
    fg_sigv4_signing_key(S(SECRET "x"), auth.date, auth.region,
                         auth.service, other);
    CU_ASSERT_EQUAL(fg_sigv4_verify_key(&req, &auth, other, SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    fg_sigv4_signing_key(S(SECRET), S("20150831"), auth.region,
                         auth.service, other);
    CU_ASSERT_EQUAL(fg_sigv4_verify_key(&req, &auth, other, SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    fg_sigv4_signing_key(S(SECRET), auth.date, S("us-west-2"),
                         auth.service, other);
    CU_ASSERT_EQUAL(fg_sigv4_verify_key(&req, &auth, other, SUITE_T, 300),
                    FG_SIGV4_MISMATCH);
    /* and the checks before the signature are the same */
    CU_ASSERT_EQUAL(fg_sigv4_verify_key(&req, &auth, key, SUITE_T + 301,
                                        300), FG_SIGV4_EXPIRED);
    free(authz);
}


/* A client's Authorization header: the published one for every vector of
 * the suite and of botocore's Lambda requests, and the verifier takes it. */
static void
test_authorization(void)
{
    const vector_t      *v;
    fg_sigv4_request_t   req;
    fg_sigv4_auth_t      auth;
    char                 hash[65], *authz, *want, date[17];
    size_t               i, n = sizeof(suite) / sizeof(suite[0]);

    for (i = 0; i < n + sizeof(lambda) / sizeof(lambda[0]); i++) {
        v = i < n ? &suite[i] : &lambda[i - n];
        request_of(v, &req, hash);
        CU_ASSERT_EQUAL_FATAL(fg_sigv4_authorization(&req,
            S(v->signed_headers), S("AKIDEXAMPLE"), S(SECRET),
            S("us-east-1"), S(i < n ? "service" : "lambda"), &authz),
            FG_SIGV4_OK);
        want = authorization_of(v, i < n ? "20150830" : "20261123",
                                i < n ? "service" : "lambda", v->signature);
        CU_ASSERT_STRING_EQUAL(authz, want);
        CU_ASSERT_EQUAL(fg_sigv4_parse_auth(S(authz), &auth), FG_SIGV4_OK);
        CU_ASSERT_EQUAL(fg_sigv4_verify(&req, &auth, S(SECRET),
                                        i < n ? SUITE_T : LAMBDA_T, 300),
                        FG_SIGV4_OK);
        free(authz);
        free(want);
    }

    /* no access key, or a date that is not x-amz-date's form */
    request_of(&suite[0], &req, hash);
    CU_ASSERT_EQUAL(fg_sigv4_authorization(&req, S("host;x-amz-date"),
        S(""), S(SECRET), S("us-east-1"), S("service"), &authz),
        FG_SIGV4_MALFORMED);
    CU_ASSERT_PTR_NULL(authz);
    req.amz_date = S("20150830");
    CU_ASSERT_EQUAL(fg_sigv4_authorization(&req, S("host;x-amz-date"),
        S("AKIDEXAMPLE"), S(SECRET), S("us-east-1"), S("service"), &authz),
        FG_SIGV4_MALFORMED);

    fg_sigv4_format_date(SUITE_T, date);
    CU_ASSERT_STRING_EQUAL(date, "20150830T123600Z");
    fg_sigv4_format_date(LAMBDA_T, date);
    CU_ASSERT_STRING_EQUAL(date, "20261123T120000Z");
}


static const cu_test_t  sigv4_tests[] = {
    { "AWS SigV4 test suite vectors", test_suite_vectors },
    { "Lambda requests signed by botocore", test_lambda_vectors },
    { "raw UTF-8 query", test_raw_utf8_query },
    { "encoded path is encoded twice", test_space_encoded },
    { "canonical query", test_query_canonical_forms },
    { "canonical URI", test_uri_canonical_forms },
    { "header values and SignedHeaders", test_header_folding },
    { "Authorization parsing", test_parse_auth },
    { "verify rejects", test_verify_rejects },
    { "x-amz-date parsing", test_parse_date },
    { "sha256 and strerror", test_sha256_and_strerror },
    { "signing key and verify_key", test_signing_key },
    { "a client's Authorization header", test_authorization },
    { NULL, NULL }
};

static const cu_suite_t  sigv4_suites[] = {
    { "fg_sigv4", NULL, NULL, sigv4_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(sigv4_suites, CU_BRM_VERBOSE);
}
