/*
 * fngated_queues_wire: the pure part of the queue service (SQS's API):
 * both of SQS's wire protocols in and out, its errors, and the checks and
 * digests that need no Redis (fngated_queues_wire.c, CUnit-tested by
 * t/unit/test_fngated_queues_wire.c, and fuzzed by fuzz/fuzz_sqswire.c).
 *
 * A request comes as the query protocol (form-encoded "Action=...&..." in
 * the body or the query string; lists and maps flattened:
 * "AttributeName.1", "Attribute.1.Name", "MessageAttribute.1.Value.
 * StringValue", "SendMessageBatchRequestEntry.1.Id") or as the JSON
 * protocol (X-Amz-Target: AmazonSQS.ACTION, a JSON object with arrays and
 * maps).  Both become one list of flat query-style parameters
 * (fgq_params_t), so each handler reads one shape.  Answers are written
 * through fgq_out_t, which writes XML (query) or JSON from the same calls.
 */

#ifndef FNGATED_QUEUES_WIRE_H
#define FNGATED_QUEUES_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_route.h"
#include "fngated_resp.h"

#define FGQ_ACTION_MAX        48
#define FGQ_MAX_MESSAGE       262144   /* bytes: MaximumMessageSize's max */
#define FGQ_MAX_ATTRS         10       /* message attributes per message */
#define FGQ_MAX_BATCH         10
#define FGQ_DEDUP_MAX         128      /* MessageDeduplicationId, group id */
#define FGQ_ARN_MAX           (sizeof("arn:aws:sqs:") + FG_REGION_MAX + 1 \
                               + FG_ACCOUNT_LEN + 1 + FG_QUEUE_NAME_MAX + 1)

/* ------------------------------------------------------------------ */
/* Requests                                                              */

typedef struct {
    char    *name;
    char    *value;                 /* NUL-terminated; may hold NULs */
    size_t   len;
} fgq_param_t;

typedef struct {
    fgq_param_t  *v;
    size_t        n, cap;
    bool          json;             /* came by the JSON protocol */
    char          action[FGQ_ACTION_MAX + 1];
} fgq_params_t;

void fgq_params_free(fgq_params_t *p);       /* accepts NULL */

/* Adds one pair: 0, or -2 no memory. */
int fgq_params_add(fgq_params_t *p, const char *name, size_t nlen,
    const char *value, size_t vlen);

/* Adds the pairs of a form-encoded string ("a=b&c=d", '+' is a space).
 * 0, -1 on a bad escape, -2 no memory. */
int fgq_params_form(fgq_params_t *p, const char *s, size_t len);

/*
 * The JSON protocol's body (a JSON object) as the query protocol's
 * flattened names: lists ("AttributeNames": ["All"] ->
 * AttributeName.1=All), maps ("Attributes": {"K": "V"} ->
 * Attribute.1.Name=K, Attribute.1.Value=V; "MessageAttributes" ->
 * MessageAttribute.N.Name, MessageAttribute.N.Value.DataType, ...) and
 * batch entries ("Entries" -> ACTIONRequestEntry.N.MEMBER).  action is
 * the operation of X-Amz-Target.  0, -1 when it is not a JSON object
 * (or too deep), -2 no memory.
 */
int fgq_params_json(fgq_params_t *p, const char *action, const char *body,
    size_t len);

/* The value of a parameter (NULL when absent) and its length. */
const char *fgq_get(const fgq_params_t *p, const char *name, size_t *len);
const char *fgq_getf(const fgq_params_t *p, size_t *len, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------ */
/* Answers                                                               */

#define FGQ_OUT_DEPTH  16

typedef struct {
    bool         json;
    bool         failed;            /* no memory */
    char        *buf;
    size_t       len, cap;
    unsigned     depth;
    bool         first[FGQ_OUT_DEPTH];
    char         action[FGQ_ACTION_MAX + 1];
    bool         result;            /* XML: <ACTIONResult> opened */
} fgq_out_t;

/* Starts an answer to action: XML <ACTIONResponse><ACTIONResult>, or
 * JSON {.  result false: an action whose answer has no members. */
void fgq_out_begin(fgq_out_t *o, bool json, const char *action,
    bool result);
/* The same in XML for another query-protocol service (IAM's roles) whose
 * documents are in the namespace xmlns. */
void fgq_out_begin_xml(fgq_out_t *o, const char *xmlns, const char *action,
    bool result);
/* A string member: <name>value</name> / "name":"value". */
void fgq_out_str(fgq_out_t *o, const char *name, const char *value,
    size_t len);
void fgq_out_cstr(fgq_out_t *o, const char *name, const char *value);
void fgq_out_bool(fgq_out_t *o, const char *name, bool value);
/* A number member: <name>value</name> / "name":value. */
void fgq_out_num(fgq_out_t *o, const char *name, long long value);
/* A list member: XML writes its items each as <item>, flattened; JSON
 * "json":[...]. */
void fgq_out_list_begin(fgq_out_t *o, const char *json);
void fgq_out_list_end(fgq_out_t *o);
/* A string item / a structure item of a list. */
void fgq_out_list_str(fgq_out_t *o, const char *item, const char *value);
void fgq_out_item_begin(fgq_out_t *o, const char *item);
void fgq_out_item_end(fgq_out_t *o, const char *item);
/* A map member: XML <item><Name>K</Name><Value>V</Value></item> per
 * entry, JSON "json":{"K":"V"}. */
void fgq_out_map_begin(fgq_out_t *o, const char *json);
void fgq_out_map_end(fgq_out_t *o);
void fgq_out_map_str(fgq_out_t *o, const char *item, const char *key,
    const char *value, size_t len);
/* A map entry whose value is a structure (MessageAttributes). */
void fgq_out_map_obj_begin(fgq_out_t *o, const char *item, const char *key);
void fgq_out_map_obj_end(fgq_out_t *o, const char *item);
/* Ends the answer into r (200, the protocol's content type): 0, or -1
 * with a 500 in r. */
int fgq_out_end(fgq_out_t *o, const char *request_id, fgd_resp_t *r);
void fgq_out_free(fgq_out_t *o);

/* ------------------------------------------------------------------ */
/* Errors                                                                */

typedef struct {
    const char  *name;              /* the JSON protocol's __type after # */
    const char  *code;              /* the query protocol's Code */
    int          status;
} fgq_code_t;

extern const fgq_code_t  fgq_e_no_queue, fgq_e_queue_exists,
    fgq_e_attr_name, fgq_e_attr_value, fgq_e_param_value, fgq_e_missing,
    fgq_e_action, fgq_e_handle, fgq_e_not_inflight, fgq_e_contents,
    fgq_e_batch_empty, fgq_e_batch_many, fgq_e_batch_ids, fgq_e_batch_id,
    fgq_e_batch_long, fgq_e_over_limit, fgq_e_denied, fgq_e_unsupported,
    fgq_e_malformed, fgq_e_internal, fgq_e_unavailable,
    fgq_e_resource_not_found;

/*
 * Makes r SQS's error: the status, and for the query protocol
 * <ErrorResponse><Error><Type>Sender|Receiver</Type><Code>...</Code>
 * <Message>...</Message></Error><RequestId>..</RequestId>, for JSON
 * {"__type":"com.amazonaws.sqs#NAME","message":"..."} with
 * x-amzn-query-error: CODE;Sender.  r->error_type is the code (for the
 * log; no x-amzn-ErrorType is sent).  Returns -1.
 */
int fgq_error(fgd_resp_t *r, bool json, const char *request_id,
    const fgq_code_t *c, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* fgq_error's XML for another query-protocol service (namespace xmlns). */
int fgq_error_xml(fgd_resp_t *r, const char *xmlns, const char *request_id,
    const fgq_code_t *c, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ------------------------------------------------------------------ */
/* Messages                                                              */

typedef struct {
    char     *name;
    char     *type;                 /* DataType: String|Number|Binary[.x] */
    char     *value;                /* the string, or the decoded bytes */
    size_t    len;
    bool      binary;
} fgq_attr_t;

typedef struct {
    fgq_attr_t  v[FGQ_MAX_ATTRS];
    unsigned    n;
} fgq_attrs_t;

void fgq_attrs_free(fgq_attrs_t *a);

/*
 * The message attributes PREFIX.N.Name / .Value.DataType /
 * .Value.StringValue / .Value.BinaryValue (PREFIX "MessageAttribute" or
 * "SendMessageBatchRequestEntry.3.MessageAttribute").  0, or -1 with
 * SQS's message in err (InvalidParameterValue).
 */
int fgq_attrs_parse(const fgq_params_t *p, const char *prefix,
    fgq_attrs_t *a, char *err, size_t err_size);

/* The bytes SQS counts toward MaximumMessageSize: names, types, values. */
size_t fgq_attrs_size(const fgq_attrs_t *a);

/* SQS's MD5OfMessageAttributes of the attributes whose want[i] is true
 * (want NULL: all): sorted by name, each as 4-byte big-endian lengths
 * before name, type, then 1 (string) or 2 (binary) and the value.
 * hex[33]; "" when none is wanted. */
void fgq_attrs_md5(const fgq_attrs_t *a, const bool *want, char hex[33]);

/* Stored form (the JSON protocol's MessageAttributes map) and back.
 * _encode: malloc'd text, or NULL (no memory).  _decode: 0 / -1. */
char *fgq_attrs_encode(const fgq_attrs_t *a);
int fgq_attrs_decode(const char *s, size_t len, fgq_attrs_t *a);

/* Whether name matches a MessageAttributeNames entry ("All", ".*",
 * "prefix.*" or the name). */
bool fgq_attr_name_match(const char *pattern, const char *name);

/* The characters SQS allows in a message: #x9 #xA #xD #x20-#xD7FF
 * #xE000-#xFFFD #x10000-#x10FFFF, as valid UTF-8. */
bool fgq_text_valid(const char *s, size_t len);

void fgq_md5_hex(const void *data, size_t len, char hex[33]);
void fgq_sha256_hex(const void *data, size_t len, char hex[65]);

/* ------------------------------------------------------------------ */
/* Queues                                                                */

/* A queue URL ("http://HOST/ACCOUNT/NAME", or the path alone) into its
 * owner and name.  0, or -1. */
int fgq_url_parse(const char *url, size_t len, char owner[FG_ACCOUNT_LEN + 1],
    char name[FG_QUEUE_NAME_MAX + 1]);

/* "arn:aws:sqs:REGION:ACCOUNT:NAME": 0, or -1. */
int fgq_arn_parse(const char *arn, char region[FG_REGION_MAX + 1],
    char owner[FG_ACCOUNT_LEN + 1], char name[FG_QUEUE_NAME_MAX + 1]);

/* A receipt handle: base64url of "OWNER NAME ENTRYID NONCE".  _make
 * writes at most FGQ_HANDLE_MAX bytes with the NUL; _parse: 0, or -1. */
#define FGQ_ENTRY_ID_MAX  48
#define FGQ_NONCE_MAX     40
#define FGQ_HANDLE_MAX    256
void fgq_handle_make(char *dst, const char *owner, const char *name,
    const char *entry, const char *nonce);
int fgq_handle_parse(const char *h, size_t len,
    char owner[FG_ACCOUNT_LEN + 1], char name[FG_QUEUE_NAME_MAX + 1],
    char entry[FGQ_ENTRY_ID_MAX + 1], char nonce[FGQ_NONCE_MAX + 1]);

/* A message move task's TaskHandle: base64url of "OWNER NAME TASKID"
 * (NAME the source queue, TASKID a UUID).  _make writes at most
 * FGQ_TASK_HANDLE_MAX bytes with the NUL; _parse: 0, or -1. */
#define FGQ_TASK_HANDLE_MAX  200
void fgq_task_handle_make(char *dst, const char *owner, const char *name,
    const char *task);
int fgq_task_handle_parse(const char *h, size_t len,
    char owner[FG_ACCOUNT_LEN + 1], char name[FG_QUEUE_NAME_MAX + 1],
    char task[37]);

/* A stream entry id "MS-SEQ" as SQS's SequenceNumber (20 digits). */
void fgq_sequence(const char *entry, char dst[32]);

/*
 * One queue attribute as CreateQueue / SetQueueAttributes take it:
 * whether the name is settable (else InvalidAttributeName) and the value
 * valid for a queue that is fifo (else InvalidAttributeValue with err).
 * 1 ok, 0 unknown name, -1 bad value.
 */
int fgq_qattr_check(const char *name, const char *value, size_t len,
    bool fifo, bool create, char *err, size_t err_size);

/* The attribute names GetQueueAttributes knows (All is every one). */
bool fgq_qattr_known(const char *name);

/* RedrivePolicy {"deadLetterTargetArn": ARN, "maxReceiveCount": N}
 * (N 1-1000, number or string).  0 with arn and *max, or -1 with err. */
int fgq_redrive_parse(const char *s, size_t len, char arn[FGQ_ARN_MAX],
    unsigned *max, char *err, size_t err_size);

/*
 * The grants of a Policy document as fields of fg_key_queue's
 * FG_QKEY_GRANTS: "sqs:ACTION:PRINCIPAL" for each Allow statement
 * without a Condition, each action (sqs:*, or one of the calls, in their
 * canonical case) and each principal (an account id from "123456789012"
 * or "arn:aws:iam::123456789012:...", or "*").  0 with *fields (n
 * malloc'd strings in a malloc'd array; fgq_strv_free) or -1 with err.
 */
int fgq_policy_grants(const char *policy, size_t len, char ***fields,
    size_t *n, char *err, size_t err_size);
void fgq_strv_free(char **v, size_t n);

/* The Policy with AddPermission's statement added (label as Sid,
 * principals "arn:aws:iam::ACCOUNT:root", actions "SQS:ACTION"), or with
 * RemovePermission's removed (accounts NULL).  policy "" is none.  0
 * with *out (malloc'd; "" when no statement is left), 1 when the label
 * exists (add) / does not (remove), -1 invalid policy, -2 no memory. */
int fgq_policy_edit(const char *policy, const char *label,
    const char *const *accounts, size_t naccounts,
    const char *const *actions, size_t nactions, const char *resource,
    char **out);

/* The canonical name of an SQS action for grants ("sendmessage" ->
 * "SendMessage", "*" -> "*"), or NULL when it is none. */
const char *fgq_action_canonical(const char *name, size_t len);

#endif /* FNGATED_QUEUES_WIRE_H */
