/*
 * fngated_esm_json: event source mappings without Redis
 * (fngated_esm_json.h).
 *
 * Create and Update check, in this order, and answer like Lambda:
 *   body not a JSON object, a member of the wrong JSON type
 *                                   400 InvalidRequestContentException
 *   a member only stream or Kafka sources take (StartingPosition,
 *   ParallelizationFactor, DestinationConfig, FilterCriteria, ...)
 *                                   400 InvalidParameterValueException
 *   BatchSize outside 1..10000, MaximumBatchingWindowInSeconds outside
 *   0..300, a FunctionResponseTypes value other than
 *   ReportBatchItemFailures, ScalingConfig.MaximumConcurrency outside
 *   2..1000                         400 InvalidParameterValueException
 *   FunctionName or EventSourceArn missing (Create)
 *                                   400 InvalidParameterValueException
 * then, once the queue is known (fgd_esm_apply): BatchSize over 10
 * without a window, a FIFO queue's BatchSize over 10 or window over 0.
 * What the names name (the queue, the function, the grants) is
 * fngated_esm.c's to check.
 *
 * The stored form is one Redis hash per mapping (lib/fg_keys.h,
 * fg:esm:{A}:UUID), its fields named as Lambda's members.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_esm_json.h"
#include "fngated_json.h"
#include "fngated_queues_wire.h"

#define FGD_ESM_REPORT  "ReportBatchItemFailures"

/* Members of CreateEventSourceMapping that an SQS source does not take. */
static const char *const  fgd_esm_stream_only[] = {
    "StartingPosition", "StartingPositionTimestamp",
    "ParallelizationFactor", "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError", "MaximumRetryAttempts",
    "TumblingWindowInSeconds", "Topics", "Queues",
    "SourceAccessConfigurations", "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig", "DestinationConfig",
    "FilterCriteria", "DocumentDBEventSourceConfig", "KMSKeyArn",
    "MetricsConfig", "ProvisionedPollerConfig", NULL
};

static int
fgd_esm_bad(fgd_resp_t *r, const char *fmt, const char *a, const char *b)
{
    return fgd_error(r, 400, "InvalidParameterValueException", fmt, a, b);
}

static int
fgd_esm_string(yajl_val root, const char *key, char *dst, size_t size,
    bool *has, fgd_resp_t *r)
{
    const char  *s;

    if (fgd_get_string(root, key, &s, r) != 0) {
        return -1;
    }
    *has = s != NULL;
    if (s == NULL) {
        return 0;
    }
    if (s[0] == '\0' || strlen(s) >= size) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%.200s' at '%s' failed to "
            "satisfy constraint: Member must have length less than or equal "
            "to %zu and greater than or equal to 1", s, key, size - 1);
    }
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

int
fgd_esm_request(const char *body, size_t len, bool update,
    fgd_esm_req_t *req, fgd_resp_t *r)
{
    yajl_val   root = NULL, v, sc;
    size_t     i;
    int        rc = -1;

    memset(req, 0, sizeof(*req));
    if (fgd_parse_doc(body, len, true, &root, r) != 0) {
        return -1;
    }
    for (i = 0; fgd_esm_stream_only[i] != NULL; i++) {
        v = fgd_obj_get(root, fgd_esm_stream_only[i]);
        if (v != NULL && !YAJL_IS_NULL(v)) {
            fgd_esm_bad(r, "%s is not supported for an Amazon SQS event "
                "source%s", fgd_esm_stream_only[i], "");
            goto cleanup;
        }
    }
    if (fgd_esm_string(root, "FunctionName", req->function,
            sizeof(req->function), &req->has_function, r) != 0
        || fgd_esm_string(root, "EventSourceArn", req->source_arn,
            sizeof(req->source_arn), &req->has_source, r) != 0)
    {
        goto cleanup;
    }
    if (update && req->has_source) {
        fgd_esm_bad(r, "EventSourceArn can not be changed: create another "
            "mapping%s%s", "", "");
        goto cleanup;
    }

    v = fgd_obj_get(root, "Enabled");
    if (v != NULL && !YAJL_IS_NULL(v)) {
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
            fgd_error(r, 400, "InvalidRequestContentException",
                FGD_BAD_JSON "Enabled must be a boolean");
            goto cleanup;
        }
        req->has_enabled = true;
        req->enabled = YAJL_IS_TRUE(v);
    }

    v = fgd_obj_get(root, "BatchSize");
    req->has_batch = v != NULL && !YAJL_IS_NULL(v);
    if (fgd_get_uint(root, "BatchSize", FGD_ESM_BATCH_DEFAULT, 1,
            FGD_ESM_BATCH_MAX, "batchSize", &req->batch_size, r) != 0)
    {
        goto cleanup;
    }
    v = fgd_obj_get(root, "MaximumBatchingWindowInSeconds");
    req->has_window = v != NULL && !YAJL_IS_NULL(v);
    if (fgd_get_uint(root, "MaximumBatchingWindowInSeconds", 0, 0,
            FGD_ESM_WINDOW_MAX, "maximumBatchingWindowInSeconds",
            &req->window_s, r) != 0)
    {
        goto cleanup;
    }

    if (fgd_get_member(root, "FunctionResponseTypes", yajl_t_array, &v, r)
        != 0)
    {
        goto cleanup;
    }
    if (v != NULL) {
        req->has_types = true;
        for (i = 0; i < YAJL_GET_ARRAY(v)->len; i++) {
            yajl_val t = YAJL_GET_ARRAY(v)->values[i];

            if (!YAJL_IS_STRING(t) || strcmp(t->u.string, FGD_ESM_REPORT)
                                      != 0)
            {
                fgd_esm_bad(r, "1 validation error detected: Value '[%.100s]'"
                    " at 'functionResponseTypes' failed to satisfy "
                    "constraint: Member must satisfy constraint: [Member "
                    "must satisfy enum value set: [%s]]",
                    YAJL_IS_STRING(t) ? t->u.string : "?", FGD_ESM_REPORT);
                goto cleanup;
            }
            req->report_failures = true;
        }
    }

    if (fgd_get_member(root, "ScalingConfig", yajl_t_object, &sc, r) != 0) {
        goto cleanup;
    }
    if (sc != NULL) {
        req->has_scaling = true;
        v = fgd_obj_get(sc, "MaximumConcurrency");
        if (v != NULL && !YAJL_IS_NULL(v)
            && fgd_get_uint(sc, "MaximumConcurrency", 0,
                   FGD_ESM_CONCURRENCY_MIN, FGD_ESM_CONCURRENCY_MAX,
                   "scalingConfig.maximumConcurrency",
                   &req->max_concurrency, r) != 0)
        {
            goto cleanup;
        }
    }

    if (!update && !req->has_function) {
        fgd_esm_bad(r, "FunctionName is required%s%s", "", "");
        goto cleanup;
    }
    if (!update && !req->has_source) {
        fgd_esm_bad(r, "EventSourceArn is required for an Amazon SQS event "
            "source%s%s", "", "");
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

int
fgd_esm_function_parse(const char *s, const char *caller,
    const char *region, fg_route_t *t, fgd_resp_t *r)
{
    char    path[3 * FG_TARGET_ARN_MAX + 64], *p;
    size_t  i, len = strlen(s);

    if (len == 0 || len > 140) {
        return fgd_pattern_error(r, s, 140, "functionName",
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
            "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|"
            "[a-zA-Z0-9-_]+))?");
    }
    /* the module's own parser of a path's NAME reads every form */
    p = path + snprintf(path, sizeof(path), "/2015-03-31/functions/");
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_')
        {
            *p++ = (char) c;
        } else {
            p += sprintf(p, "%%%02X", c);
        }
    }
    if (fg_route_parse("GET", 3, path, (size_t) (p - path), "", 0, t)
        != FG_ROUTE_OK || t->function[0] == '\0')
    {
        return fgd_pattern_error(r, s, 140, "functionName",
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
            "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|"
            "[a-zA-Z0-9-_]+))?");
    }
    if (t->region[0] != '\0' && strcmp(t->region, region) != 0) {
        return fgd_esm_bad(r, "The function %.140s is not in this region "
            "(%s)", s, region);
    }
    if (t->account[0] == '\0') {
        snprintf(t->account, sizeof(t->account), "%s", caller);
    }
    snprintf(t->region, sizeof(t->region), "%s", region);
    return 0;
}

int
fgd_esm_apply(const fgd_esm_req_t *req, bool fifo, fgd_esm_t *m,
    fgd_resp_t *r)
{
    if (req->has_enabled) {
        m->enabled = req->enabled;
    }
    if (req->has_batch) {
        m->batch_size = req->batch_size;
    }
    if (req->has_window) {
        m->window_s = req->window_s;
    }
    if (req->has_types) {
        m->report_failures = req->report_failures;
    }
    if (req->has_scaling) {
        m->max_concurrency = req->max_concurrency;
    }
    if (fifo && m->batch_size > FGD_ESM_BATCH_SMALL) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Batch size must be between 1 and %u for an Amazon SQS FIFO "
            "queue", FGD_ESM_BATCH_SMALL);
    }
    if (fifo && m->window_s > 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Batching window is not supported for FIFO queues");
    }
    if (m->batch_size > FGD_ESM_BATCH_SMALL && m->window_s == 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Maximum batch window in seconds must be greater than 0 if "
            "maximum batch size is greater than %u", FGD_ESM_BATCH_SMALL);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The stored form                                                       */

static const char *const  fgd_esm_names[FGD_ESM_FIELDS] = {
    "EventSourceArn", "FunctionArn", "BatchSize",
    "MaximumBatchingWindowInSeconds", "FunctionResponseTypes",
    "MaximumConcurrency", "Enabled", "LastModified",
    "StateTransitionReason", "LastProcessingResult"
};

void
fgd_esm_fields(const fgd_esm_t *m, fgd_esm_bufs_t *b, const char **names,
    const char **vals)
{
    size_t  i;

    snprintf(b->batch, sizeof(b->batch), "%u", m->batch_size);
    snprintf(b->window, sizeof(b->window), "%u", m->window_s);
    snprintf(b->conc, sizeof(b->conc), "%u", m->max_concurrency);
    snprintf(b->enabled, sizeof(b->enabled), "%d", m->enabled ? 1 : 0);
    snprintf(b->modified, sizeof(b->modified), "%llu",
        (unsigned long long) m->last_modified_ms);
    for (i = 0; i < FGD_ESM_FIELDS; i++) {
        names[i] = fgd_esm_names[i];
    }
    vals[0] = m->source_arn;
    vals[1] = m->function_arn;
    vals[2] = b->batch;
    vals[3] = b->window;
    vals[4] = m->report_failures ? FGD_ESM_REPORT : "";
    vals[5] = b->conc;
    vals[6] = b->enabled;
    vals[7] = b->modified;
    vals[8] = m->reason;
    vals[9] = m->result;
}

static bool
fgd_esm_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
    return fgd_parse_u64(s, strlen(s), v) && *v >= lo && *v <= hi;
}

int
fgd_esm_parse_fields(size_t n, const char *const *names,
    const char *const *vals, fgd_esm_t *m)
{
    unsigned  seen = 0;
    uint64_t  v;
    size_t    i, k;
    char      uuid[37];

    memcpy(uuid, m->uuid, sizeof(uuid));
    memset(m, 0, sizeof(*m));
    memcpy(m->uuid, uuid, sizeof(uuid));
    for (i = 0; i < n; i++) {
        for (k = 0; k < FGD_ESM_FIELDS; k++) {
            if (strcmp(names[i], fgd_esm_names[k]) == 0) {
                break;
            }
        }
        if (k == FGD_ESM_FIELDS) {
            continue;
        }
        seen |= 1u << k;
        switch (k) {
        case 0:
            if (!fgd_copy(m->source_arn, sizeof(m->source_arn), vals[i],
                    strlen(vals[i])))
            {
                return -1;
            }
            break;
        case 1:
            if (!fgd_copy(m->function_arn, sizeof(m->function_arn), vals[i],
                    strlen(vals[i])))
            {
                return -1;
            }
            break;
        case 2:
            if (!fgd_esm_num(vals[i], 1, FGD_ESM_BATCH_MAX, &v)) {
                return -1;
            }
            m->batch_size = (unsigned) v;
            break;
        case 3:
            if (!fgd_esm_num(vals[i], 0, FGD_ESM_WINDOW_MAX, &v)) {
                return -1;
            }
            m->window_s = (unsigned) v;
            break;
        case 4:
            m->report_failures = strcmp(vals[i], FGD_ESM_REPORT) == 0;
            break;
        case 5:
            if (!fgd_esm_num(vals[i], 0, FGD_ESM_CONCURRENCY_MAX, &v)) {
                return -1;
            }
            m->max_concurrency = (unsigned) v;
            break;
        case 6:
            m->enabled = strcmp(vals[i], "1") == 0;
            break;
        case 7:
            if (!fgd_esm_num(vals[i], 0, UINT64_MAX, &v)) {
                return -1;
            }
            m->last_modified_ms = v;
            break;
        case 8:
            snprintf(m->reason, sizeof(m->reason), "%s", vals[i]);
            break;
        case 9:
            snprintf(m->result, sizeof(m->result), "%s", vals[i]);
            break;
        }
    }
    /* the first eight are what a mapping is */
    return (seen & 0xff) == 0xff && m->source_arn[0] != '\0'
           && m->function_arn[0] != '\0' ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Answers                                                               */

const char *
fgd_esm_state(const fgd_esm_t *m)
{
    return m->enabled ? "Enabled" : "Disabled";
}

static void
fgd_gen_esm(yajl_gen g, const fgd_esm_t *m, const char *state)
{
    yajl_gen_map_open(g);
    GSTR(g, "UUID");
    GSTR(g, m->uuid);
    GSTR(g, "BatchSize");
    yajl_gen_integer(g, m->batch_size);
    GSTR(g, "MaximumBatchingWindowInSeconds");
    yajl_gen_integer(g, m->window_s);
    GSTR(g, "EventSourceArn");
    GSTR(g, m->source_arn);
    GSTR(g, "FunctionArn");
    GSTR(g, m->function_arn);
    GSTR(g, "LastModified");
    yajl_gen_double(g, (double) m->last_modified_ms / 1000.0);
    if (m->result[0] != '\0') {
        GSTR(g, "LastProcessingResult");
        GSTR(g, m->result);
    }
    GSTR(g, "State");
    GSTR(g, state);
    GSTR(g, "StateTransitionReason");
    GSTR(g, m->reason[0] ? m->reason : "USER_INITIATED");
    GSTR(g, "FunctionResponseTypes");
    yajl_gen_array_open(g);
    if (m->report_failures) {
        GSTR(g, FGD_ESM_REPORT);
    }
    yajl_gen_array_close(g);
    if (m->max_concurrency > 0) {
        GSTR(g, "ScalingConfig");
        yajl_gen_map_open(g);
        GSTR(g, "MaximumConcurrency");
        yajl_gen_integer(g, m->max_concurrency);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
}

/* fgd_gen_esm as an item of fgd_json_item / fgd_json_list: ctx the state
 * to show, or NULL for the mapping's own. */
static void
fgd_gen_esm_item(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_esm_t  *m = item;

    fgd_gen_esm(g, m, ctx != NULL ? ctx : fgd_esm_state(m));
}

int
fgd_json_esm(const fgd_esm_t *m, const char *state, char **out,
    size_t *out_len)
{
    return fgd_json_item(fgd_gen_esm_item, m, state, out, out_len);
}

int
fgd_json_esm_list(const fgd_esm_t *ms, size_t n, const char *next,
    char **out, size_t *out_len)
{
    return fgd_json_list("EventSourceMappings", fgd_gen_esm_item, ms, n,
        sizeof(*ms), NULL, next, out, out_len);
}

/* ------------------------------------------------------------------ */
/* The event                                                             */

static void
fgd_gen_num_str(yajl_gen g, const char *key, long long v)
{
    char  buf[24];

    snprintf(buf, sizeof(buf), "%lld", v);
    GSTR(g, key);
    GSTR(g, buf);
}

/* The JSON protocol's MessageAttributes map in Lambda's form. */
static void
fgd_gen_msg_attrs(yajl_gen g, const char *attrs)
{
    yajl_val   root = NULL, a, v;
    char       err[64];
    size_t     i;
    bool       binary;

    yajl_gen_map_open(g);
    if (attrs != NULL && attrs[0] != '\0') {
        root = yajl_tree_parse(attrs, err, sizeof(err));
    }
    for (i = 0; root != NULL && YAJL_IS_OBJECT(root)
                && i < YAJL_GET_OBJECT(root)->len; i++)
    {
        a = YAJL_GET_OBJECT(root)->values[i];
        if (!YAJL_IS_OBJECT(a)) {
            continue;
        }
        GSTR(g, YAJL_GET_OBJECT(root)->keys[i]);
        yajl_gen_map_open(g);
        v = fgd_obj_get(a, "BinaryValue");
        binary = v != NULL && YAJL_IS_STRING(v);
        if (!binary) {
            v = fgd_obj_get(a, "StringValue");
        }
        if (v != NULL && YAJL_IS_STRING(v)) {
            GSTR(g, binary ? "binaryValue" : "stringValue");
            GSTR(g, v->u.string);
        }
        GSTR(g, "stringListValues");
        yajl_gen_array_open(g);
        yajl_gen_array_close(g);
        GSTR(g, "binaryListValues");
        yajl_gen_array_open(g);
        yajl_gen_array_close(g);
        v = fgd_obj_get(a, "DataType");
        GSTR(g, "dataType");
        GSTR(g, v != NULL && YAJL_IS_STRING(v) ? v->u.string : "String");
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    yajl_tree_free(root);
}

char *
fgd_esm_event(const fgd_queue_msg_t *msgs, size_t n, const char *source_arn,
    const char *region, size_t *len)
{
    yajl_gen  g = yajl_gen_alloc(NULL);
    char      md5[33], *out = NULL;
    size_t    i;

    if (g == NULL) {
        return NULL;
    }
    yajl_gen_map_open(g);
    GSTR(g, "Records");
    yajl_gen_array_open(g);
    for (i = 0; i < n; i++) {
        const fgd_queue_msg_t *m = &msgs[i];

        yajl_gen_map_open(g);
        GSTR(g, "messageId");
        GSTR(g, m->message_id);
        GSTR(g, "receiptHandle");
        GSTR(g, m->receipt_handle);
        GSTR(g, "body");
        yajl_gen_string(g, (const unsigned char *) m->body, m->body_len);
        GSTR(g, "attributes");
        yajl_gen_map_open(g);
        fgd_gen_num_str(g, "ApproximateReceiveCount", m->receive_count);
        fgd_gen_num_str(g, "SentTimestamp", m->sent_ms);
        GSTR(g, "SenderId");
        GSTR(g, m->sender);
        fgd_gen_num_str(g, "ApproximateFirstReceiveTimestamp",
            m->first_receive_ms);
        if (m->sequence[0] != '\0') {
            GSTR(g, "SequenceNumber");
            GSTR(g, m->sequence);
            GSTR(g, "MessageGroupId");
            GSTR(g, m->group_id);
        }
        yajl_gen_map_close(g);
        GSTR(g, "messageAttributes");
        fgd_gen_msg_attrs(g, m->attributes);
        fgq_md5_hex(m->body, m->body_len, md5);
        GSTR(g, "md5OfBody");
        GSTR(g, md5);
        GSTR(g, "eventSource");
        GSTR(g, "aws:sqs");
        GSTR(g, "eventSourceARN");
        GSTR(g, source_arn);
        GSTR(g, "awsRegion");
        GSTR(g, region);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    if (fgd_gen_finish(g, &out, len) != 0) {
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------------ */
/* ReportBatchItemFailures                                               */

static size_t
fgd_esm_all(size_t n, bool *failed)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        failed[i] = true;
    }
    return n;
}

size_t
fgd_esm_failures(const char *body, size_t len, const fgd_queue_msg_t *msgs,
    size_t n, bool fifo, bool *failed)
{
    yajl_val   root, list, item, id;
    char      *text, err[64];
    size_t     i, k, nfailed = 0;
    bool       blank = true, found;

    for (i = 0; i < n; i++) {
        failed[i] = false;
    }
    for (i = 0; body != NULL && i < len; i++) {
        if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r'
            && body[i] != '\t')
        {
            blank = false;
            break;
        }
    }
    if (body == NULL || blank) {
        return 0;
    }
    text = fgd_dup(body, len);
    if (text == NULL) {
        return fgd_esm_all(n, failed);
    }
    root = yajl_tree_parse(text, err, sizeof(err));
    free(text);
    if (root == NULL) {
        return fgd_esm_all(n, failed);
    }
    if (YAJL_IS_NULL(root)) {
        yajl_tree_free(root);
        return 0;
    }
    if (!YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return fgd_esm_all(n, failed);
    }
    list = fgd_obj_get(root, "batchItemFailures");
    if (list == NULL || YAJL_IS_NULL(list)) {
        yajl_tree_free(root);
        return 0;
    }
    if (!YAJL_IS_ARRAY(list)) {
        yajl_tree_free(root);
        return fgd_esm_all(n, failed);
    }
    for (i = 0; i < YAJL_GET_ARRAY(list)->len; i++) {
        item = YAJL_GET_ARRAY(list)->values[i];
        id = YAJL_IS_OBJECT(item) ? fgd_obj_get(item, "itemIdentifier")
                                  : NULL;
        if (id == NULL || !YAJL_IS_STRING(id) || id->u.string[0] == '\0') {
            yajl_tree_free(root);
            return fgd_esm_all(n, failed);
        }
        found = false;
        for (k = 0; k < n; k++) {
            if (strcmp(msgs[k].message_id, id->u.string) == 0) {
                failed[k] = true;
                found = true;
            }
        }
        if (!found) {
            yajl_tree_free(root);
            return fgd_esm_all(n, failed);
        }
    }
    yajl_tree_free(root);

    /* a FIFO group stays in order: what follows a kept message of its
     * group is kept */
    for (i = 0; fifo && i < n; i++) {
        if (!failed[i]) {
            continue;
        }
        for (k = i + 1; k < n; k++) {
            if (strcmp(msgs[k].group_id, msgs[i].group_id) == 0) {
                failed[k] = true;
            }
        }
    }
    for (i = 0; i < n; i++) {
        nfailed += failed[i];
    }
    return nfailed;
}
