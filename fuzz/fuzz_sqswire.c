/*
 * fuzz_sqswire: the queue service's wire (fngated_queues_wire.c): both
 * of SQS's protocols in (the query protocol's form, the JSON protocol's
 * body as flat parameters), message attributes, queue URLs and ARNs,
 * receipt and task handles, RedrivePolicy, Policy grants and edits,
 * queue attribute checks, and the answers written back.
 *
 * Input: 'J' then the X-Amz-Target action up to '\n' and the JSON body
 * (the JSON protocol), or any other first byte and a form-encoded body
 * (the query protocol, Action in it).
 *
 * Invariants: a request parses or is refused (never half); the message
 * attributes accepted are at most 10, and their stored form reads back
 * to the same names, types, values and MD5; a handle or an ARN that
 * parses has a valid account and queue name and makes the same handle
 * again; an accepted RedrivePolicy has an ARN and a count in 1-1000;
 * every answer written from the request's values is one JSON value (JSON
 * protocol) and an error is complete in either protocol.
 */

#include <yajl/yajl_tree.h>

#include "fuzz_json.h"
#include "fngated_queues_wire.h"

static void
fz_attrs_roundtrip(const fgq_params_t *p)
{
    fgq_attrs_t  a, b;
    char         err[256], md5a[33], md5b[33], *enc;
    unsigned     i;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    if (fgq_attrs_parse(p, "MessageAttribute", &a, err, sizeof(err)) != 0)
    {
        FZ_CHECK(err[0] != '\0');
        fgq_attrs_free(&a);
        return;
    }
    FZ_CHECK(a.n <= FGQ_MAX_ATTRS);
    (void) fgq_attrs_size(&a);
    fgq_attrs_md5(&a, NULL, md5a);
    enc = fgq_attrs_encode(&a);
    if (enc != NULL) {
        fz_json_valid(enc, strlen(enc));
        FZ_CHECK(fgq_attrs_decode(enc, strlen(enc), &b) == 0);
        FZ_CHECK(b.n == a.n);
        for (i = 0; i < a.n; i++) {
            FZ_CHECK(strcmp(a.v[i].name, b.v[i].name) == 0
                     && strcmp(a.v[i].type, b.v[i].type) == 0
                     && a.v[i].len == b.v[i].len
                     && memcmp(a.v[i].value, b.v[i].value, a.v[i].len) == 0);
        }
        fgq_attrs_md5(&b, NULL, md5b);
        FZ_CHECK(strcmp(md5a, md5b) == 0);
        free(enc);
    }
    fgq_attrs_free(&a);
    fgq_attrs_free(&b);
}

static void
fz_names(const char *s, size_t len)
{
    char  owner[FG_ACCOUNT_LEN + 1], name[FG_QUEUE_NAME_MAX + 1];
    char  region[FG_REGION_MAX + 1], entry[FGQ_ENTRY_ID_MAX + 1];
    char  nonce[FGQ_NONCE_MAX + 1], task[37], h[FGQ_HANDLE_MAX];
    char  o2[FG_ACCOUNT_LEN + 1], n2[FG_QUEUE_NAME_MAX + 1], t2[37];
    char  e2[FGQ_ENTRY_ID_MAX + 1], c2[FGQ_NONCE_MAX + 1], arn[FGQ_ARN_MAX];
    char  err[256], *z = fz_dup(s, len);
    unsigned  max;

    if (z == NULL) {
        return;
    }
    if (fgq_url_parse(s, len, owner, name) == 0) {
        FZ_CHECK(fg_account_valid(owner, strlen(owner))
                 && fg_queue_name_valid(name, strlen(name)));
    }
    if (fgq_arn_parse(z, region, owner, name) == 0) {
        FZ_CHECK(fg_account_valid(owner, strlen(owner))
                 && fg_queue_name_valid(name, strlen(name)));
    }
    if (fgq_handle_parse(s, len, owner, name, entry, nonce) == 0) {
        fgq_handle_make(h, owner, name, entry, nonce);
        FZ_CHECK(strlen(h) < FGQ_HANDLE_MAX);
        FZ_CHECK(fgq_handle_parse(h, strlen(h), o2, n2, e2, c2) == 0
                 && strcmp(owner, o2) == 0 && strcmp(name, n2) == 0
                 && strcmp(entry, e2) == 0 && strcmp(nonce, c2) == 0);
    }
    if (fgq_task_handle_parse(s, len, owner, name, task) == 0) {
        FZ_CHECK(fg_account_valid(owner, strlen(owner))
                 && fg_queue_name_valid(name, strlen(name))
                 && strlen(task) == 36);
        fgq_task_handle_make(h, owner, name, task);
        FZ_CHECK(strlen(h) < FGQ_TASK_HANDLE_MAX);
        FZ_CHECK(fgq_task_handle_parse(h, strlen(h), o2, n2, t2) == 0
                 && strcmp(owner, o2) == 0 && strcmp(name, n2) == 0
                 && strcmp(task, t2) == 0);
    }
    if (fgq_redrive_parse(s, len, arn, &max, err, sizeof(err)) == 0) {
        FZ_CHECK(max >= 1 && max <= 1000 && arn[0] != '\0');
    }
    (void) fgq_text_valid(s, len);
    (void) fgq_action_canonical(s, len);
    free(z);
}

static void
fz_policy(const char *s, size_t len)
{
    char       **fields = NULL, *out = NULL, err[256];
    size_t       n = 0, i;
    const char  *accounts[] = { "123456789012" };
    const char  *actions[] = { "SendMessage" };

    if (fgq_policy_grants(s, len, &fields, &n, err, sizeof(err)) == 0) {
        for (i = 0; i < n; i++) {
            FZ_CHECK(strncmp(fields[i], "sqs:", 4) == 0);
        }
        fgq_strv_free(fields, n);
        if (fgq_policy_edit(s, "fz", accounts, 1, actions, 1,
                "arn:aws:sqs:us-east-1:123456789012:q", &out) == 0)
        {
            if (out[0] != '\0') {
                fz_json_valid(out, strlen(out));
            }
        }
        free(out);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fgq_params_t  p;
    fgq_out_t     o;
    fgd_resp_t    r;
    fz_span_t     s[2];
    char         *body = NULL, action[FGQ_ACTION_MAX + 1], err[256];
    const char   *v, *names[] = { "QueueUrl", "SourceArn", "TaskHandle",
                                  "ReceiptHandle", "Policy",
                                  "Attribute.1.Value", "MessageBody" };
    size_t        vlen, i;
    bool          json;
    int           rc;

    if (size < 1) {
        return 0;
    }
    memset(&p, 0, sizeof(p));
    json = data[0] == 'J';
    if (json) {
        fz_split(data + 1, size - 1, '\n', s, 2);
        if (fz_split(data + 1, size - 1, '\n', s, 2) < 2) {
            s[1] = (fz_span_t) { "", 0 };
        }
        snprintf(action, sizeof(action), "%.*s",
            (int) (s[0].len < FGQ_ACTION_MAX ? s[0].len : FGQ_ACTION_MAX),
            s[0].p);
        body = fz_copy(s[1].p, s[1].len);
        if (body == NULL) {
            return 0;
        }
        rc = fgq_params_json(&p, action, body, s[1].len);
    } else {
        body = fz_copy(data + 1, size - 1);
        if (body == NULL) {
            return 0;
        }
        rc = fgq_params_form(&p, body, size - 1);
        snprintf(action, sizeof(action), "%s",
            fgq_get(&p, "Action", NULL) ? fgq_get(&p, "Action", NULL) : "");
    }
    FZ_CHECK(rc == 0 || rc == -1 || rc == -2);
    if (rc == 0) {
        fz_attrs_roundtrip(&p);
        fgq_out_begin(&o, json, action[0] ? action : "X", true);
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            v = fgq_get(&p, names[i], &vlen);
            if (v == NULL) {
                continue;
            }
            fz_names(v, vlen);
            if (strcmp(names[i], "Policy") == 0) {
                fz_policy(v, vlen);
            }
            if (strncmp(names[i], "Attribute.", 10) == 0) {
                v = fgq_get(&p, "Attribute.1.Name", NULL);
                if (v != NULL) {
                    (void) fgq_qattr_check(v, fgq_get(&p,
                        "Attribute.1.Value", NULL), vlen, false, true, err,
                        sizeof(err));
                    (void) fgq_qattr_known(v);
                }
                continue;
            }
            if (fgq_text_valid(fgq_get(&p, names[i], NULL), vlen)) {
                fgq_out_str(&o, names[i], fgq_get(&p, names[i], NULL),
                    vlen);
            }
        }
        fgq_out_num(&o, "N", (long long) p.n);
        memset(&r, 0, sizeof(r));
        if (fgq_out_end(&o, "rid", &r) == 0 && json) {
            fz_json_valid(r.body, r.body_len);
        }
        fgd_resp_free(&r);
    }
    memset(&r, 0, sizeof(r));
    fgq_error(&r, json, "rid", &fgq_e_param_value, "bad %.40s",
        action);
    FZ_CHECK(r.status == 400 && r.body != NULL);
    if (json) {
        fz_json_valid(r.body, r.body_len);
    }
    fgd_resp_free(&r);
    fgq_params_free(&p);
    free(body);
    return 0;
}
