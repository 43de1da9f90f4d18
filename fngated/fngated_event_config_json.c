/*
 * fngated_event_config_json: asynchronous invocation configurations
 * without Redis (fngated_event_config_json.h).
 *
 * The stored form is the answer without FunctionArn:
 *   {"LastModified":1700000000.123,"MaximumRetryAttempts":1,
 *    "MaximumEventAgeInSeconds":3600,
 *    "DestinationConfig":{"OnSuccess":{},"OnFailure":{"Destination":ARN}}}
 * with MaximumRetryAttempts / MaximumEventAgeInSeconds only when the owner
 * set them, as Lambda answers.
 *
 * Put and Update check, in this order, and answer like Lambda:
 *   body not a JSON object, a member of the wrong JSON type
 *                                   400 InvalidRequestContentException
 *   MaximumRetryAttempts outside 0..2, MaximumEventAgeInSeconds outside
 *   60..21600                       400 InvalidParameterValueException
 *   a Destination not of Lambda's DestinationArn pattern, or longer than
 *   FGD_DEST_ARN_MAX                400 InvalidParameterValueException
 *   a Destination of another service (SNS, EventBridge, ...) or resource
 *                                   400 InvalidParameterValueException
 * What a destination names (region, existence, grants) is
 * fngated_event_config.c's to check.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_event_config_json.h"
#include "fngated_json.h"

void
fgd_eic_default(fgd_eic_t *c)
{
    memset(c, 0, sizeof(*c));
    c->max_retries = FGD_EIC_RETRIES_DEFAULT;
    c->max_age_s = FGD_EIC_AGE_DEFAULT;
}

/* ------------------------------------------------------------------ */
/* Destination ARNs                                                      */

bool
fgd_queue_name_valid(const char *name, size_t len)
{
    size_t  base = len;

    if (len > 5 && memcmp(name + len - 5, ".fifo", 5) == 0) {
        base = len - 5;
    }
    return len <= FGD_QUEUE_NAME_MAX
           && fg_name_valid(name, base, FGD_QUEUE_NAME_MAX);
}

/* The next ':'-separated part of [*p, end): its start and length. */
static bool
fgd_dest_part(const char **p, const char *end, const char **s, size_t *len)
{
    const char  *c;

    if (*p > end) {
        return false;
    }
    c = memchr(*p, ':', (size_t) (end - *p));
    *s = *p;
    *len = (size_t) ((c ? c : end) - *p);
    *p = c ? c + 1 : end + 1;
    return true;
}

static bool
fgd_dest_charset(const char *s, size_t len, const char *extra)
{
    size_t  i;
    char    c;

    for (i = 0; i < len; i++) {
        c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr(extra, c) != NULL)
            || c == '\0')
        {
            return false;
        }
    }
    return true;
}

fgd_dest_rc_t
fgd_dest_parse(const char *arn, fgd_dest_t *d)
{
    const char  *p, *end, *part[5];
    size_t       plen[5], len, i;
    fg_route_t   t;

    memset(d, 0, sizeof(*d));
    len = strlen(arn);
    if (len > FGD_DEST_ARN_MAX || len < 4 || memcmp(arn, "arn:", 4) != 0) {
        return FGD_DEST_MALFORMED;
    }

    /* arn:PARTITION:SERVICE:REGION?:ACCOUNT?:RESOURCE (the resource may
     * hold ':') */
    p = arn + 4;
    end = arn + len;
    for (i = 0; i < 4; i++) {
        if (!fgd_dest_part(&p, end, &part[i], &plen[i]) || p > end) {
            return FGD_DEST_MALFORMED;
        }
    }
    part[4] = p;
    plen[4] = (size_t) (end - p);

    if (plen[0] < 3 || memcmp(part[0], "aws", 3) != 0
        || !fgd_dest_charset(part[0], plen[0], "-")
        || plen[1] == 0 || !fgd_dest_charset(part[1], plen[1], "-")
        || (plen[2] != 0 && !fg_region_valid(part[2], plen[2]))
        || (plen[3] != 0 && !fg_account_valid(part[3], plen[3])))
    {
        return FGD_DEST_MALFORMED;
    }

    if (plen[1] == 3 && memcmp(part[1], "sqs", 3) == 0) {
        if (plen[2] == 0 || plen[3] == 0
            || !fgd_queue_name_valid(part[4], plen[4]))
        {
            return FGD_DEST_UNSUPPORTED;
        }
        d->kind = FGD_DEST_QUEUE;
        memcpy(d->region, part[2], plen[2]);
        memcpy(d->account, part[3], plen[3]);
        memcpy(d->name, part[4], plen[4]);
        return FGD_DEST_OK;
    }

    if (plen[1] == 6 && memcmp(part[1], "lambda", 6) == 0) {
        switch (fg_alias_target_parse(arn, len, &t)) {
        case FG_TARGET_OK:
        case FG_TARGET_NO_QUALIFIER:
        case FG_TARGET_LATEST:
            break;
        default:
            return FGD_DEST_UNSUPPORTED;
        }
        d->kind = FGD_DEST_FUNCTION;
        memcpy(d->region, t.region, sizeof(d->region));
        memcpy(d->account, t.account, sizeof(d->account));
        snprintf(d->name, sizeof(d->name), "%s", t.function);
        memcpy(d->qualifier, t.qualifier, sizeof(d->qualifier));
        return FGD_DEST_OK;
    }

    return FGD_DEST_UNSUPPORTED;
}

/* ------------------------------------------------------------------ */
/* The stored form                                                       */

static int
fgd_eic_dest_copy(yajl_val cfg, const char *key, char *dst)
{
    yajl_val  o, v;

    dst[0] = '\0';
    o = fgd_obj_get(cfg, key);
    if (o == NULL || YAJL_IS_NULL(o)) {
        return 0;
    }
    if (!YAJL_IS_OBJECT(o)) {
        return -1;
    }
    v = fgd_obj_get(o, "Destination");
    if (v == NULL || YAJL_IS_NULL(v)) {
        return 0;
    }
    if (!YAJL_IS_STRING(v) || strlen(v->u.string) > FGD_DEST_ARN_MAX) {
        return -1;
    }
    memcpy(dst, v->u.string, strlen(v->u.string) + 1);
    return 0;
}

int
fgd_eic_doc_parse(const char *json, size_t len, fgd_eic_doc_t *d)
{
    yajl_val   root, v;
    char      *text, err[128];
    int        rc = -1;
    long long  n;

    memset(d, 0, sizeof(*d));
    fgd_eic_default(&d->c);
    if (json == NULL || (text = fgd_dup(json, len)) == NULL) {
        return -1;
    }
    root = yajl_tree_parse(text, err, sizeof(err));
    free(text);
    if (!YAJL_IS_OBJECT(root)) {
        goto cleanup;
    }

    v = fgd_obj_get(root, "MaximumRetryAttempts");
    if (v != NULL) {
        n = YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
        if (n < 0 || n > FGD_EIC_RETRIES_MAX) {
            goto cleanup;
        }
        d->c.max_retries = (unsigned) n;
        d->has_retries = true;
    }
    v = fgd_obj_get(root, "MaximumEventAgeInSeconds");
    if (v != NULL) {
        n = YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
        if (n < FGD_EIC_AGE_MIN || n > FGD_EIC_AGE_MAX) {
            goto cleanup;
        }
        d->c.max_age_s = (unsigned) n;
        d->has_age = true;
    }
    v = fgd_obj_get(root, "LastModified");
    if (v == NULL || !YAJL_IS_NUMBER(v)) {
        goto cleanup;
    }
    d->c.last_modified = YAJL_IS_INTEGER(v) ? (double) YAJL_GET_INTEGER(v)
                                            : YAJL_GET_DOUBLE(v);
    v = fgd_obj_get(root, "DestinationConfig");
    if (v != NULL && !YAJL_IS_NULL(v)) {
        if (!YAJL_IS_OBJECT(v)
            || fgd_eic_dest_copy(v, "OnSuccess", d->c.on_success) != 0
            || fgd_eic_dest_copy(v, "OnFailure", d->c.on_failure) != 0)
        {
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    if (rc != 0) {
        memset(d, 0, sizeof(*d));
        fgd_eic_default(&d->c);
    }
    return rc;
}

int
fgd_eic_parse(const char *json, size_t len, fgd_eic_t *c)
{
    fgd_eic_doc_t  d;

    if (fgd_eic_doc_parse(json, len, &d) != 0) {
        fgd_eic_default(c);
        return -1;
    }
    *c = d.c;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Request bodies                                                        */

/* One of DestinationConfig's OnSuccess / OnFailure: given (*given) with
 * its Destination ("" for none) into dst. */
static int
fgd_eic_dest_request(yajl_val cfg, const char *key, const char *member,
    bool *given, char dst[FGD_DEST_ARN_MAX + 1], fgd_resp_t *r)
{
    yajl_val     o;
    const char  *arn;
    fgd_dest_t   dest;

    *given = false;
    if (fgd_get_member(cfg, key, yajl_t_object, &o, r) != 0) {
        return -1;
    }
    if (o == NULL) {
        return 0;
    }
    *given = true;
    if (fgd_get_string(o, "Destination", &arn, r) != 0) {
        return -1;
    }
    if (arn == NULL || arn[0] == '\0') {
        dst[0] = '\0';
        return 0;
    }
    switch (fgd_dest_parse(arn, &dest)) {
    case FGD_DEST_OK:
        break;
    case FGD_DEST_MALFORMED:
        return fgd_pattern_error(r, arn, 350, member, FGD_DEST_PATTERN);
    default:
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The destination ARN %.350s is not supported: a destination "
            "is a Lambda function or an SQS queue", arn);
    }
    memcpy(dst, arn, strlen(arn) + 1);
    return 0;
}

int
fgd_eic_request(const char *body, size_t len, bool update,
    fgd_eic_doc_t *d, fgd_resp_t *r)
{
    yajl_val       root, v, cfg;
    fgd_eic_doc_t  n;
    bool           given;
    char           arn[FGD_DEST_ARN_MAX + 1];
    unsigned       u;
    int            rc = -1;

    if (fgd_parse_doc(body, len, true, &root, r) != 0) {
        return -1;
    }
    if (update) {
        n = *d;
    } else {
        memset(&n, 0, sizeof(n));
        fgd_eic_default(&n.c);
    }

    v = fgd_obj_get(root, "MaximumRetryAttempts");
    if (v != NULL && !YAJL_IS_NULL(v)) {
        if (fgd_get_uint(root, "MaximumRetryAttempts", 0, 0,
                FGD_EIC_RETRIES_MAX, "maximumRetryAttempts", &u, r) != 0)
        {
            goto cleanup;
        }
        n.c.max_retries = u;
        n.has_retries = true;
    }
    v = fgd_obj_get(root, "MaximumEventAgeInSeconds");
    if (v != NULL && !YAJL_IS_NULL(v)) {
        if (fgd_get_uint(root, "MaximumEventAgeInSeconds", 0,
                FGD_EIC_AGE_MIN, FGD_EIC_AGE_MAX,
                "maximumEventAgeInSeconds", &u, r) != 0)
        {
            goto cleanup;
        }
        n.c.max_age_s = u;
        n.has_age = true;
    }

    if (fgd_get_member(root, "DestinationConfig", yajl_t_object, &cfg, r)
        != 0)
    {
        goto cleanup;
    }
    if (cfg != NULL) {
        if (fgd_eic_dest_request(cfg, "OnSuccess",
                "destinationConfig.onSuccess.destination", &given, arn, r)
            != 0)
        {
            goto cleanup;
        }
        if (given) {
            memcpy(n.c.on_success, arn, strlen(arn) + 1);
        }
        if (fgd_eic_dest_request(cfg, "OnFailure",
                "destinationConfig.onFailure.destination", &given, arn, r)
            != 0)
        {
            goto cleanup;
        }
        if (given) {
            memcpy(n.c.on_failure, arn, strlen(arn) + 1);
        }
    }
    *d = n;
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Answers                                                               */

static void
fgd_gen_dest(yajl_gen g, const char *key, const char *arn)
{
    GSTR(g, key);
    yajl_gen_map_open(g);
    if (arn[0] != '\0') {
        GSTR(g, "Destination");
        GSTR(g, arn);
    }
    yajl_gen_map_close(g);
}

static void
fgd_gen_eic(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_eic_doc_t  *d = item;
    const char           *arn = ctx;
    char                  num[40];

    yajl_gen_map_open(g);
    snprintf(num, sizeof(num), "%.3f", d->c.last_modified);
    GSTR(g, "LastModified");
    yajl_gen_number(g, num, strlen(num));
    if (arn != NULL) {
        GSTR(g, "FunctionArn");
        GSTR(g, arn);
    }
    if (d->has_retries) {
        GSTR(g, "MaximumRetryAttempts");
        yajl_gen_integer(g, d->c.max_retries);
    }
    if (d->has_age) {
        GSTR(g, "MaximumEventAgeInSeconds");
        yajl_gen_integer(g, d->c.max_age_s);
    }
    GSTR(g, "DestinationConfig");
    yajl_gen_map_open(g);
    fgd_gen_dest(g, "OnSuccess", d->c.on_success);
    fgd_gen_dest(g, "OnFailure", d->c.on_failure);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

int
fgd_json_eic(const fgd_eic_doc_t *d, const char *function_arn, char **out,
    size_t *out_len)
{
    return fgd_json_item(fgd_gen_eic, d, function_arn, out, out_len);
}

int
fgd_json_eic_list(const fgd_eic_doc_t *docs, const char *const *arns,
    size_t n, const char *next, char **out, size_t *out_len)
{
    yajl_gen  g;
    size_t    i;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return -1;
    }
    yajl_gen_map_open(g);
    GSTR(g, "FunctionEventInvokeConfigs");
    yajl_gen_array_open(g);
    for (i = 0; i < n; i++) {
        fgd_gen_eic(g, &docs[i], arns[i]);
    }
    yajl_gen_array_close(g);
    if (next != NULL && next[0] != '\0') {
        GSTR(g, "NextMarker");
        GSTR(g, next);
    }
    yajl_gen_map_close(g);
    return fgd_gen_finish(g, out, out_len);
}

/* 0 $LATEST, 1 a version, 2 an alias. */
static int
fgd_eic_qualifier_rank(const char *q)
{
    if (strcmp(q, "$LATEST") == 0) {
        return 0;
    }
    return fg_version_valid(q, strlen(q)) ? 1 : 2;
}

int
fgd_eic_qualifier_cmp(const char *a, const char *b)
{
    int     ra = fgd_eic_qualifier_rank(a), rb = fgd_eic_qualifier_rank(b);
    size_t  la, lb;

    if (ra != rb) {
        return ra < rb ? -1 : 1;
    }
    if (ra == 1) {
        la = strlen(a);
        lb = strlen(b);
        if (la != lb) {
            return la < lb ? -1 : 1;
        }
    }
    return strcmp(a, b);
}
