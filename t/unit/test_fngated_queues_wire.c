/*
 * The suite fngated_queues_wire of test_fngated: SQS's two wire
 * protocols in and out, its errors, the attribute MD5, receipt handles,
 * URLs and ARNs, queue attributes, redrive and policy grants
 * (fngated_queues_wire.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_queues_wire.h"
#include "test_fngated.h"

static void
test_form(void)
{
    fgq_params_t  p;
    size_t        len;
    const char   *v, *form;

    memset(&p, 0, sizeof(p));
    form = "Action=SendMessage&MessageBody=a+b%26c%00d&Empty=&Flag&"
        "MessageAttribute.1.Name=k";
    CU_ASSERT_EQUAL(fgq_params_form(&p, form, strlen(form)), 0);
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "Action", NULL), "SendMessage");
    v = fgq_get(&p, "MessageBody", &len);
    CU_ASSERT_EQUAL(len, 7);
    CU_ASSERT(v != NULL && memcmp(v, "a b&c\0d", 7) == 0);
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "Empty", NULL), "");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "Flag", NULL), "");
    CU_ASSERT_STRING_EQUAL(fgq_getf(&p, NULL, "MessageAttribute.%d.Name",
        1), "k");
    CU_ASSERT_PTR_NULL(fgq_get(&p, "Nope", NULL));
    fgq_params_free(&p);

    CU_ASSERT_EQUAL(fgq_params_form(&p, "a=%zz", 5), -1);
    fgq_params_free(&p);
    CU_ASSERT_EQUAL(fgq_params_form(&p, "a=%4", 4), -1);
    fgq_params_free(&p);
}

static void
test_json(void)
{
    fgq_params_t  p;
    const char   *body =
        "{\"QueueUrl\":\"http://h/123456789012/q\",\"MaxNumberOfMessages\":10,"
        "\"AttributeNames\":[\"All\"],\"Attributes\":{\"DelaySeconds\":\"5\"},"
        "\"MessageAttributes\":{\"k\":{\"DataType\":\"String\","
        "\"StringValue\":\"v\"}},\"Entries\":[{\"Id\":\"a\","
        "\"MessageBody\":\"x\",\"MessageAttributes\":{\"n\":{\"DataType\":"
        "\"Number\",\"StringValue\":\"1\"}}}],\"tags\":{\"t\":\"u\"},"
        "\"Skip\":null,\"B\":true}";

    memset(&p, 0, sizeof(p));
    CU_ASSERT_EQUAL(fgq_params_json(&p, "SendMessageBatch", body,
        strlen(body)), 0);
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "MaxNumberOfMessages", NULL), "10");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "AttributeName.1", NULL), "All");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "Attribute.1.Name", NULL),
        "DelaySeconds");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "Attribute.1.Value", NULL), "5");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "MessageAttribute.1.Name", NULL),
        "k");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p,
        "MessageAttribute.1.Value.StringValue", NULL), "v");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p,
        "SendMessageBatchRequestEntry.1.MessageBody", NULL), "x");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p,
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType",
        NULL), "Number");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "Tag.1.Key", NULL), "t");
    CU_ASSERT_STRING_EQUAL(fgq_get(&p, "B", NULL), "true");
    CU_ASSERT_PTR_NULL(fgq_get(&p, "Skip", NULL));
    fgq_params_free(&p);

    CU_ASSERT_EQUAL(fgq_params_json(&p, "X", "[1]", 3), -1);
    CU_ASSERT_EQUAL(fgq_params_json(&p, "X", "{\"a\":", 5), -1);
    CU_ASSERT_EQUAL(fgq_params_json(&p, "X",
        "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", strlen("{\"a\":[[[[[[[[[[1]]]]]]]]]]}")),
        -1);
    fgq_params_free(&p);
}

static void
test_out(void)
{
    fgq_out_t   o;
    fgd_resp_t  r;

    memset(&r, 0, sizeof(r));
    fgq_out_begin(&o, false, "ListQueues", true);
    fgq_out_list_begin(&o, "QueueUrls");
    fgq_out_list_str(&o, "QueueUrl", "u&1");
    fgq_out_list_end(&o);
    fgq_out_map_begin(&o, "Attributes");
    fgq_out_map_str(&o, "Attribute", "k", "a\rb", 3);
    fgq_out_map_end(&o);
    CU_ASSERT_EQUAL(fgq_out_end(&o, "rid", &r), 0);
    CU_ASSERT_STRING_EQUAL(r.body, "<?xml version=\"1.0\"?><ListQueuesResponse "
        "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
        "<ListQueuesResult><QueueUrl>u&amp;1</QueueUrl><Attribute><Name>k"
        "</Name><Value>a&#xD;b</Value></Attribute></ListQueuesResult>"
        "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>"
        "</ListQueuesResponse>");
    CU_ASSERT_STRING_EQUAL(r.content_type, "text/xml");
    fgd_resp_free(&r);

    fgq_out_begin(&o, true, "ListQueues", true);
    fgq_out_list_begin(&o, "QueueUrls");
    fgq_out_list_str(&o, "QueueUrl", "u\"1");
    fgq_out_list_str(&o, "QueueUrl", "u2");
    fgq_out_list_end(&o);
    fgq_out_map_begin(&o, "MessageAttributes");
    fgq_out_map_obj_begin(&o, "MessageAttribute", "k");
    fgq_out_cstr(&o, "DataType", "String");
    fgq_out_map_obj_end(&o, "MessageAttribute");
    fgq_out_map_end(&o);
    fgq_out_bool(&o, "SenderFault", true);
    CU_ASSERT_EQUAL(fgq_out_end(&o, "rid", &r), 0);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"QueueUrls\":[\"u\\\"1\",\"u2\"],"
        "\"MessageAttributes\":{\"k\":{\"DataType\":\"String\"}},"
        "\"SenderFault\":true}");
    fgd_resp_free(&r);
}

static void
test_error(void)
{
    fgd_resp_t  r;

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(fgq_error(&r, true, "rid", &fgq_e_no_queue, "gone %d",
        1), -1);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"__type\":\"com.amazonaws.sqs#"
        "QueueDoesNotExist\",\"message\":\"gone 1\"}");
    CU_ASSERT_STRING_EQUAL(r.headers, "x-amzn-query-error: "
        "AWS.SimpleQueueService.NonExistentQueue;Sender\r\n");
    CU_ASSERT(r.error_header_off);
    fgd_resp_free(&r);
    CU_ASSERT_EQUAL(fgq_error(&r, false, "rid", &fgq_e_internal, "<x>"),
        -1);
    CU_ASSERT_EQUAL(r.status, 500);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "<Type>Receiver</Type><Code>"
        "InternalError</Code><Message>&lt;x&gt;</Message>"));
    fgd_resp_free(&r);
}

/* The digest botocore computes for these attributes (its
 * _add_attribute_md5 algorithm, worked out by hand). */
static void
test_md5(void)
{
    fgq_params_t  p;
    fgq_attrs_t   a;
    char          hex[33], err[256];
    bool          want[2] = { false, true };
    const char   *form = "MessageAttribute.1.Name=z&MessageAttribute.1."
        "Value.DataType=String&MessageAttribute.1.Value.StringValue=s&"
        "MessageAttribute.2.Name=a&MessageAttribute.2.Value.DataType=Binary&"
        "MessageAttribute.2.Value.BinaryValue=AAE%3D";
    char         *enc;

    memset(&p, 0, sizeof(p));
    memset(&a, 0, sizeof(a));
    CU_ASSERT_EQUAL(fgq_params_form(&p, form, strlen(form)), 0);
    CU_ASSERT_EQUAL(fgq_attrs_parse(&p, "MessageAttribute", &a, err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(a.n, 2);
    CU_ASSERT_EQUAL(fgq_attrs_size(&a), 1 + 6 + 1 + 1 + 6 + 2);
    fgq_attrs_md5(&a, NULL, hex);
    /* md5 of len32("a") "a" len32("Binary") "Binary" 02 len32(00 01)
     * 00 01 len32("z") "z" len32("String") "String" 01 len32("s") "s",
     * computed with Python's hashlib and struct */
    CU_ASSERT_STRING_EQUAL(hex, "c5737b60513d2031da1b771854f30979");
    fgq_attrs_md5(&a, want, hex);
    CU_ASSERT_EQUAL(strlen(hex), 32);
    enc = fgq_attrs_encode(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(enc);
    fgq_attrs_free(&a);
    CU_ASSERT_EQUAL(fgq_attrs_decode(enc, strlen(enc), &a), 0);
    CU_ASSERT_EQUAL(a.n, 2);
    CU_ASSERT(a.v[1].binary && a.v[1].len == 2);
    free(enc);
    fgq_attrs_free(&a);
    fgq_params_free(&p);

    fgq_md5_hex("", 0, hex);
    CU_ASSERT_STRING_EQUAL(hex, "d41d8cd98f00b204e9800998ecf8427e");

    /* bad attributes */
    memset(&p, 0, sizeof(p));
    form = "M.1.Name=AWS.x&M.1.Value.DataType=String&M.1.Value."
        "StringValue=v";
    CU_ASSERT_EQUAL(fgq_params_form(&p, form, strlen(form)), 0);
    CU_ASSERT_EQUAL(fgq_attrs_parse(&p, "M", &a, err, sizeof(err)), -1);
    fgq_params_free(&p);
    form = "M.1.Name=n&M.1.Value.DataType=Number&M.1.Value.StringValue=abc";
    CU_ASSERT_EQUAL(fgq_params_form(&p, form, strlen(form)), 0);
    CU_ASSERT_EQUAL(fgq_attrs_parse(&p, "M", &a, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "number"));
    fgq_params_free(&p);
}

static void
test_text(void)
{
    CU_ASSERT(fgq_text_valid("a\tb\r\n\xc3\xa9\xf0\x9f\x98\x80", 11));
    CU_ASSERT(!fgq_text_valid("\x01", 1));
    CU_ASSERT(!fgq_text_valid("\xc3", 1));
    CU_ASSERT(!fgq_text_valid("\xed\xa0\x80", 3));     /* a surrogate */
    CU_ASSERT(!fgq_text_valid("\xef\xbf\xbf", 3));     /* U+FFFF */
    CU_ASSERT(!fgq_text_valid("\xc0\x80", 2));         /* overlong */
    CU_ASSERT(fgq_attr_name_match("All", "x"));
    CU_ASSERT(fgq_attr_name_match(".*", "x"));
    CU_ASSERT(fgq_attr_name_match("bar.*", "bar.baz"));
    CU_ASSERT(!fgq_attr_name_match("bar.*", "barx"));
    CU_ASSERT(fgq_attr_name_match("k", "k"));
}

static void
test_names(void)
{
    char  o[FG_ACCOUNT_LEN + 1], n[FG_QUEUE_NAME_MAX + 1];
    char  rg[FG_REGION_MAX + 1], e[FGQ_ENTRY_ID_MAX + 1];
    char  nonce[FGQ_NONCE_MAX + 1], h[FGQ_HANDLE_MAX], seq[32];

    CU_ASSERT_EQUAL(fgq_url_parse("http://h:1/123456789012/q.fifo", 30, o,
        n), 0);
    CU_ASSERT_STRING_EQUAL(o, "123456789012");
    CU_ASSERT_STRING_EQUAL(n, "q.fifo");
    CU_ASSERT_EQUAL(fgq_url_parse("/123456789012/q", 15, o, n), 0);
    CU_ASSERT_EQUAL(fgq_url_parse("http://h/12345678901/q", 22, o, n), -1);
    CU_ASSERT_EQUAL(fgq_url_parse("http://h/123456789012/q/x", 25, o, n),
        -1);
    CU_ASSERT_EQUAL(fgq_url_parse("http://h/123456789012/", 22, o, n), -1);
    CU_ASSERT_EQUAL(fgq_arn_parse("arn:aws:sqs:us-east-1:123456789012:dl",
        rg, o, n), 0);
    CU_ASSERT_STRING_EQUAL(rg, "us-east-1");
    CU_ASSERT_STRING_EQUAL(n, "dl");
    CU_ASSERT_EQUAL(fgq_arn_parse("arn:aws:lambda:us-east-1:123456789012:x",
        rg, o, n), -1);

    fgq_handle_make(h, "123456789012", "q", "1700000000000-3", "ab0");
    CU_ASSERT_EQUAL(fgq_handle_parse(h, strlen(h), o, n, e, nonce), 0);
    CU_ASSERT_STRING_EQUAL(e, "1700000000000-3");
    CU_ASSERT_STRING_EQUAL(nonce, "ab0");
    CU_ASSERT_EQUAL(fgq_handle_parse("garbage", 7, o, n, e, nonce), -1);
    CU_ASSERT_EQUAL(fgq_handle_parse("", 0, o, n, e, nonce), -1);
    fgq_sequence("1700000000000-3", seq);
    CU_ASSERT_STRING_EQUAL(seq, "17000000000000000003");
}

static void
test_qattrs(void)
{
    char      err[512], arn[FGQ_ARN_MAX];
    unsigned  max;

    CU_ASSERT_EQUAL(fgq_qattr_check("VisibilityTimeout", "43200", 5, false,
        true, err, sizeof(err)), 1);
    CU_ASSERT_EQUAL(fgq_qattr_check("VisibilityTimeout", "43201", 5, false,
        true, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgq_qattr_check("DelaySeconds", "-1", 2, false, true,
        err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgq_qattr_check("Colour", "x", 1, false, true, err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgq_qattr_check("QueueArn", "x", 1, false, true, err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgq_qattr_check("ContentBasedDeduplication", "true", 4,
        false, true, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(fgq_qattr_check("ContentBasedDeduplication", "true", 4,
        true, true, err, sizeof(err)), 1);
    CU_ASSERT_EQUAL(fgq_qattr_check("FifoQueue", "true", 4, true, false,
        err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgq_redrive_parse("{\"deadLetterTargetArn\":\"arn:aws:"
        "sqs:us-east-1:123456789012:d\",\"maxReceiveCount\":\"5\"}", 84, arn,
        &max, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(max, 5);
    CU_ASSERT_EQUAL(fgq_redrive_parse("{\"deadLetterTargetArn\":\"arn:aws:"
        "sqs:us-east-1:123456789012:d\",\"maxReceiveCount\":1001}", 85, arn,
        &max, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(fgq_redrive_parse("{}", 2, arn, &max, err,
        sizeof(err)), -1);
}

static void
test_policy(void)
{
    char        **f = NULL, err[512], *out = NULL, *out2 = NULL;
    size_t        n = 0;
    const char   *acc[] = { "210987654321" }, *act[] = { "SendMessage" };
    const char   *pol = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
        "{\"AWS\":[\"arn:aws:iam::210987654321:root\",\"111111111111\"]},"
        "\"Action\":[\"sqs:sendmessage\",\"SQS:*\"]},{\"Effect\":\"Allow\","
        "\"Principal\":\"*\",\"Action\":\"sqs:ReceiveMessage\",\"Condition\":"
        "{}},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"*\"}]}";

    CU_ASSERT_EQUAL(fgq_policy_grants(pol, strlen(pol), &f, &n, err,
        sizeof(err)), 0);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    CU_ASSERT_STRING_EQUAL(f[0], "sqs:SendMessage:210987654321");
    CU_ASSERT_STRING_EQUAL(f[1], "sqs:SendMessage:111111111111");
    CU_ASSERT_STRING_EQUAL(f[2], "sqs:*:210987654321");
    fgq_strv_free(f, n);
    CU_ASSERT_EQUAL(fgq_policy_grants("{\"Statement\":[{\"Effect\":"
        "\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\"}]}", 74,
        &f, &n, err, sizeof(err)), -1);

    CU_ASSERT_EQUAL(fgq_policy_edit("", "L", acc, 1, act, 1,
        "arn:aws:sqs:r:123456789012:q", &out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"Sid\":\"L\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "arn:aws:iam::210987654321:root"));
    CU_ASSERT_EQUAL(fgq_policy_edit(out, "L", acc, 1, act, 1, "x", &out2),
        1);
    CU_ASSERT_EQUAL(fgq_policy_edit(out, "L", NULL, 0, NULL, 0, "x", &out2),
        0);
    CU_ASSERT_STRING_EQUAL(out2, "");
    free(out2);
    CU_ASSERT_EQUAL(fgq_policy_edit(out, "M", NULL, 0, NULL, 0, "x", &out2),
        1);
    free(out);
    CU_ASSERT_STRING_EQUAL(fgq_action_canonical("purgequeue", 10),
        "PurgeQueue");
    CU_ASSERT_PTR_NULL(fgq_action_canonical("CreateQueue", 11));
}

const cu_test_t  queues_wire_tests[] = {
    { "query protocol form", test_form },
    { "JSON protocol flattened", test_json },
    { "answers in XML and JSON", test_out },
    { "errors of both protocols", test_error },
    { "message attributes and their MD5", test_md5 },
    { "message text and attribute name patterns", test_text },
    { "URLs, ARNs, receipt handles, sequence numbers", test_names },
    { "queue attributes and RedrivePolicy", test_qattrs },
    { "Policy grants and AddPermission's edit", test_policy },
    { NULL, NULL }
};
