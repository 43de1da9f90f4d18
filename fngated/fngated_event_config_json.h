/*
 * fngated_event_config_json: a function's asynchronous invocation
 * configuration (Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s),
 * API version 2019-09-25) without Redis: the request bodies, the stored
 * form (a field of fg_key_event_invoke_configs, lib/fg_keys.h), the
 * answers and the destination ARNs (fngated_event_config_json.c).
 *
 * fgd_eic_t, fgd_eic_default and fgd_eic_parse are what the asynchronous
 * engine reads (through fgd_eic_read, fngated_event_config.h).
 */

#ifndef FNGATED_EVENT_CONFIG_JSON_H
#define FNGATED_EVENT_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_route.h"
#include "fngated_resp.h"

#define FGD_DEST_ARN_MAX         256

#define FGD_EIC_RETRIES_MAX      2        /* MaximumRetryAttempts 0-2 */
#define FGD_EIC_RETRIES_DEFAULT  2
#define FGD_EIC_AGE_MIN          60       /* MaximumEventAgeInSeconds */
#define FGD_EIC_AGE_MAX          21600
#define FGD_EIC_AGE_DEFAULT      21600

typedef struct {
    unsigned  max_retries;        /* 0-2, default 2 */
    unsigned  max_age_s;          /* 60-21600, default 21600 */
    char      on_success[FGD_DEST_ARN_MAX + 1];   /* "" when none */
    char      on_failure[FGD_DEST_ARN_MAX + 1];
    double    last_modified;
} fgd_eic_t;

/* Lambda's defaults, no destinations. */
void fgd_eic_default(fgd_eic_t *c);

/* The stored form into c (members it lacks get the defaults); 0 or -1. */
int fgd_eic_parse(const char *json, size_t len, fgd_eic_t *c);

/*
 * A configuration with what its owner set: Lambda's answers show
 * MaximumRetryAttempts and MaximumEventAgeInSeconds only when they were
 * given; c holds the values that apply either way.
 */
typedef struct {
    fgd_eic_t  c;
    bool       has_retries;
    bool       has_age;
} fgd_eic_doc_t;

/* The stored form into d; 0 or -1 (not a stored configuration). */
int fgd_eic_doc_parse(const char *json, size_t len, fgd_eic_doc_t *d);

/*
 * A Put (update false: d is replaced) or Update (update true: the members
 * given replace d's; a DestinationConfig's OnSuccess / OnFailure replaces
 * that destination, an empty or absent Destination in it removes it) body
 * applied to d, checked as Lambda checks it: the ranges, and each
 * destination's syntax and kind (fgd_dest_parse).  last_modified is left
 * to the caller.  0, or -1 with r (d unchanged).
 */
int fgd_eic_request(const char *body, size_t len, bool update,
    fgd_eic_doc_t *d, fgd_resp_t *r);

/*
 * JSON text of d, malloc'd: the stored form when function_arn is NULL,
 * else the answer (FunctionEventInvokeConfig, with that FunctionArn).
 * 0, or -1 (no memory).
 */
int fgd_json_eic(const fgd_eic_doc_t *d, const char *function_arn,
    char **out, size_t *out_len);

/* ListFunctionEventInvokeConfigs' answer: n configurations with their
 * FunctionArns, NextMarker when next is neither NULL nor "". */
int fgd_json_eic_list(const fgd_eic_doc_t *docs, const char *const *arns,
    size_t n, const char *next, char **out, size_t *out_len);

/* The order of the list: $LATEST, the versions by number, the aliases by
 * name (qsort's comparator of two const char *). */
int fgd_eic_qualifier_cmp(const char *a, const char *b);

/* A destination: a Lambda function or an SQS queue. */
typedef enum {
    FGD_DEST_NONE = 0,
    FGD_DEST_FUNCTION,        /* arn:aws:lambda:R:A:function:NAME[:Q] */
    FGD_DEST_QUEUE            /* arn:aws:sqs:R:A:QUEUE */
} fgd_dest_kind_t;

#define FGD_QUEUE_NAME_MAX  80

typedef struct {
    fgd_dest_kind_t  kind;
    char             region[FG_REGION_MAX + 1];
    char             account[FG_ACCOUNT_LEN + 1];
    char             name[FGD_QUEUE_NAME_MAX + 1];   /* function or queue */
    char             qualifier[FG_QUALIFIER_MAX + 1]; /* function's, or "" */
} fgd_dest_t;

typedef enum {
    FGD_DEST_OK = 0,
    FGD_DEST_MALFORMED,       /* not Lambda's DestinationArn pattern */
    FGD_DEST_UNSUPPORTED      /* an ARN of another service or resource, or
                                 a function / queue ARN that is not valid */
} fgd_dest_rc_t;

/* Lambda's pattern of a DestinationArn. */
#define FGD_DEST_PATTERN  "^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:" \
                          "([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)"

/* Parses a destination ARN (not "") into d. */
fgd_dest_rc_t fgd_dest_parse(const char *arn, fgd_dest_t *d);

/* SQS's queue names: 1-80 of [A-Za-z0-9_-], a FIFO queue's ending in
 * ".fifo" (within the 80). */
bool fgd_queue_name_valid(const char *name, size_t len);

#endif /* FNGATED_EVENT_CONFIG_JSON_H */
