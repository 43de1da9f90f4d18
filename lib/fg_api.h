/*
 * fg_api: APIs made of functions.  An account (the owner) publishes some of
 * its functions as an HTTP API: a name, a stage, routes (method + path
 * template -> function:qualifier), an access mode and a VM-dedication
 * policy.  Other accounts subscribe; their calls are
 *
 *   ANY /apis/OWNER/API/STAGE/PATH...
 *
 * signed with their own keys.  This file holds what the nginx module and
 * fngated share and what needs neither: names, path templates, the path
 * checks, route matching, the route table text the module caches, the API
 * ARN, and the management paths under /2015-03-31 (which fg_route_parse
 * hands to fg_api_route_parse).
 *
 * Management paths (API version 2015-03-31):
 *   POST   /2015-03-31/apis                             CreateApi
 *   GET    /2015-03-31/apis                             ListApis
 *   GET    /2015-03-31/apis/API                         GetApi
 *   PUT    /2015-03-31/apis/API                         UpdateApi
 *   DELETE /2015-03-31/apis/API                         DeleteApi
 *   POST   /2015-03-31/apis/API/routes                  CreateRoute
 *   GET    /2015-03-31/apis/API/routes                  ListRoutes
 *   GET    /2015-03-31/apis/API/routes/ROUTE_ID         GetRoute
 *   PUT    /2015-03-31/apis/API/routes/ROUTE_ID         UpdateRoute
 *   DELETE /2015-03-31/apis/API/routes/ROUTE_ID         DeleteRoute
 *   GET    /2015-03-31/apis/API/subscriptions           ListApiSubscriptions
 *   PUT    /2015-03-31/apis/API/subscriptions/ACCOUNT   UpdateSubscription
 *   POST   /2015-03-31/subscriptions                    CreateSubscription
 *   GET    /2015-03-31/subscriptions                    ListSubscriptions
 *
 * A trailing slash is accepted on the collections.
 *
 * Path templates: "/" or "/" followed by segments separated by "/"; a
 * segment is a literal of [A-Za-z0-9._~!$&'()*+,;=:@-] (not "." or "..")
 * or a parameter "{name}" (name: [A-Za-z_][A-Za-z0-9_]{0,63}, unique in
 * the template).  No empty segment, at most FG_API_SEGMENTS_MAX segments.
 * Two routes collide when their methods are equal (ANY is equal to every
 * method) and their shapes are: the template with every parameter
 * written "{}".
 *
 * Matching a request path: the path after the stage ("/" when empty),
 * still percent-encoded, is refused when it holds an empty segment ("//"),
 * a "." or ".." segment (also percent-encoded), "%00", or a bad escape.
 * Otherwise each segment, decoded, must equal the literal of the route's
 * segment, or is the value of its parameter.  Among routes whose template
 * matches, the one with the literal segment at the first place where they
 * differ wins; among those, a route of the request's method wins over an
 * ANY route.  A path that some template matches but no route of its
 * method is 405; none matches: 404.
 */

#ifndef FG_API_H
#define FG_API_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_route.h"

#define FG_API_TEMPLATE_MAX    1024
#define FG_API_SEGMENTS_MAX    32
#define FG_API_PARAM_MAX       64
#define FG_API_METHOD_MAX      7       /* "OPTIONS" */
#define FG_API_CALL_PREFIX     "/apis/"

typedef enum {
    FG_API_ACCESS_PRIVATE = 0,   /* the owner only */
    FG_API_ACCESS_GRANTED,       /* subscribers the owner approved */
    FG_API_ACCESS_OPEN,          /* any account that subscribes */
    FG_API_ACCESS_BAD
} fg_api_access_t;

typedef enum {
    FG_API_POLICY_CALLER = 0,    /* a caller's calls run in its own VMs */
    FG_API_POLICY_OWNER,         /* all calls run in the owner's VMs */
    FG_API_POLICY_BAD
} fg_api_policy_t;

/* The outcome of fg_api_template_check. */
typedef enum {
    FG_API_TEMPLATE_OK = 0,
    FG_API_TEMPLATE_NOT_ABSOLUTE,  /* does not start with "/" */
    FG_API_TEMPLATE_EMPTY_SEGMENT, /* "//" or a trailing "/" */
    FG_API_TEMPLATE_DOT_SEGMENT,   /* "." or ".." */
    FG_API_TEMPLATE_BAD_CHAR,      /* outside the literal set */
    FG_API_TEMPLATE_BAD_PARAM,     /* "{}", "{1x}", "a{b}", "{a" ... */
    FG_API_TEMPLATE_DUP_PARAM,     /* the same name twice */
    FG_API_TEMPLATE_TOO_LONG       /* length or segments */
} fg_api_template_rc_t;

typedef struct {
    const char  *data;
    size_t       len;
} fg_api_span_t;

/* A route as fg_api_table_match found it: spans into the table. */
typedef struct {
    fg_api_span_t  id;
    fg_api_span_t  method;
    fg_api_span_t  resource;      /* the path template */
    fg_api_span_t  function;
    fg_api_span_t  qualifier;     /* empty when none */
} fg_api_hit_t;

typedef enum {
    FG_API_MATCH_OK = 0,
    FG_API_MATCH_NOT_FOUND,       /* no template matches: 404 */
    FG_API_MATCH_BAD_METHOD,      /* templates match, methods not: 405 */
    FG_API_MATCH_BAD_TABLE        /* a line of the table is malformed */
} fg_api_match_rc_t;

/* Names of APIs and stages: 1-64 of [A-Za-z0-9_-]. */
bool fg_api_name_valid(const char *s, size_t len);
bool fg_api_stage_valid(const char *s, size_t len);

/* Route ids: what CreateRoute gives, 1-10 decimal digits, no leading 0. */
bool fg_api_route_id_valid(const char *s, size_t len);

/* GET POST PUT DELETE PATCH HEAD OPTIONS, and ANY (routes only). */
bool fg_api_method_valid(const char *s, size_t len, bool any);

fg_api_access_t fg_api_access_from(const char *s, size_t len);
const char *fg_api_access_name(fg_api_access_t a);
fg_api_policy_t fg_api_policy_from(const char *s, size_t len);
const char *fg_api_policy_name(fg_api_policy_t p);

fg_api_template_rc_t fg_api_template_check(const char *t, size_t len);

/* The shape of a valid template ("{}" for each parameter) into dst;
 * snprintf's value, or -1. */
int fg_api_template_shape(const char *t, size_t len, char *dst,
    size_t size);

/* Whether a request path (after the stage, percent-encoded) may be
 * matched at all: see above.  "" is "/". */
bool fg_api_path_ok(const char *path, size_t len);

/*
 * Matches a checked request path against a template.  Returns 1 when it
 * matches, with *literal the bit mask of literal segments (bit 31 the
 * first segment, so a larger mask is the more literal route), 0 when not.
 * params, when not NULL, has room for 2 * max spans and gets up to max
 * pairs (name span into t, then value span into path, still
 * percent-encoded); *nparams their number.
 */
int fg_api_template_match(const char *t, size_t tlen, const char *path,
    size_t plen, unsigned long *literal, fg_api_span_t *params,
    size_t max, size_t *nparams);

/*
 * The route table the module caches for one API: the text
 *   "STAGE ACCESS POLICY\n" then one line per route
 *   "ID METHOD TEMPLATE FUNCTION[:QUALIFIER]\n"
 * fg_api_table_header reads the first line; fg_api_table_match finds the
 * route of a method and path (fg_api_path_ok already checked).
 */
int fg_api_table_header(const char *table, size_t len, fg_api_span_t *stage,
    fg_api_access_t *access, fg_api_policy_t *policy);
fg_api_match_rc_t fg_api_table_match(const char *table, size_t len,
    const char *method, size_t method_len, const char *path, size_t plen,
    fg_api_hit_t *hit);

/* A stored route, "METHOD TEMPLATE FUNCTION[:QUALIFIER]": 0 with the
 * spans, -1 when malformed. */
int fg_api_route_value_parse(const char *v, size_t len, fg_api_hit_t *hit);

/*
 * The call path "/apis/OWNER/API/STAGE[/PATH]": owner into r->account,
 * API into r->api, stage into r->stage, *rest at PATH ("" when none).
 * FG_ROUTE_OK, FG_ROUTE_NOT_FOUND (not that shape or bad names) or
 * FG_ROUTE_BAD_PATH (PATH fails fg_api_path_ok).
 */
fg_route_rc_t fg_api_call_parse(const char *path, size_t len, fg_route_t *r,
    const char **rest, size_t *rest_len);

/* The management paths above; path starts with "/2015-03-31/". */
fg_route_rc_t fg_api_route_parse(const char *method, size_t method_len,
    const char *path, size_t path_len, fg_route_t *r);

/* "arn:aws:lambda:REGION:OWNER:api:NAME": 0 with region (may be NULL),
 * owner and name, or -1. */
int fg_api_arn_parse(const char *s, size_t len, char *region,
    size_t region_size, char owner[FG_ACCOUNT_LEN + 1],
    char name[FG_API_NAME_MAX + 1]);
int fg_api_arn(char *dst, size_t size, const char *region,
    const char *owner, const char *name);

#endif /* FG_API_H */
