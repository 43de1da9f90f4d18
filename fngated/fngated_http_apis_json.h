/*
 * fngated's side of APIs made of functions (lib/fg_api.h), the parts that
 * need neither Redis, libvirt nor a FastCGI connection: the request
 * bodies of the management calls, their JSON answers, the stored forms,
 * the API-Gateway-proxy event of a call and the mapping of a function's
 * output to the HTTP response.  Exported for t/unit/test_http_apis_json.c.
 */

#ifndef FNGATED_HTTP_APIS_JSON_H
#define FNGATED_HTTP_APIS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_api.h"
#include "fngated_limits.h"
#include "fngated_resp.h"
#include "fngated_util.h"

#define FGD_API_PARAMS_MAX   FG_API_SEGMENTS_MAX
#define FGD_API_HEADER_MAX   8192u      /* one response header value */

/* An API, as stored in fg:api:{A}:NAME (without its routes). */
typedef struct {
    char      name[FG_API_NAME_MAX + 1];
    char      stage[FG_API_STAGE_MAX + 1];
    char      access[8];                   /* private | granted | open */
    char      policy[8];                   /* caller | owner */
    char      description[FGD_DESCRIPTION_MAX + 1];
    char      created[FGD_TIME_LEN];
    char      modified[FGD_TIME_LEN];
    char      revision_id[37];
} fgd_api_t;

/* A CreateApi / UpdateApi body. */
typedef struct {
    fgd_api_t  a;
    bool       has_stage;
    bool       has_access;
    bool       has_policy;
    bool       has_description;
    char       want_revision[37];          /* "" when not given */
} fgd_api_req_t;

/* A route: "r:ID" -> "METHOD TEMPLATE FUNCTION[:QUALIFIER]". */
typedef struct {
    char      id[FG_API_ROUTE_ID_MAX + 1];
    char      method[FG_API_METHOD_MAX + 1];
    char      path[FG_API_TEMPLATE_MAX + 1];
    char      function[FG_FUNCTION_NAME_MAX + 1];
    char      qualifier[FG_QUALIFIER_MAX + 1];   /* "" when none */
} fgd_api_route_t;

typedef struct {
    fgd_api_route_t  rt;
    bool             has_method;
    bool             has_path;
    bool             has_function;
    bool             has_qualifier;
} fgd_api_route_req_t;

/* A subscription: fg:subs:{OWNER}:API ACCOUNT -> "STATUS CREATED
 * MODIFIED". */
typedef struct {
    char      owner[FG_ACCOUNT_LEN + 1];
    char      api[FG_API_NAME_MAX + 1];
    char      account[FG_ACCOUNT_LEN + 1];
    char      status[10];
    char      created[FGD_TIME_LEN];
    char      modified[FGD_TIME_LEN];
} fgd_api_sub_t;

/* CreateApi (create: Name required; defaults Stage "prod", Access
 * "private", Policy "caller") and UpdateApi bodies.  0, or -1 with 400. */
int fgd_api_parse(const char *body, size_t len, bool create,
    fgd_api_req_t *q, fgd_resp_t *r);
void fgd_api_merge(fgd_api_t *a, const fgd_api_req_t *q);

/* CreateRoute (Method, Path, FunctionName required; Qualifier optional)
 * and UpdateRoute bodies.  0, or -1 with 400. */
int fgd_api_route_parse_body(const char *body, size_t len, bool create,
    fgd_api_route_req_t *q, fgd_resp_t *r);
void fgd_api_route_merge(fgd_api_route_t *rt, const fgd_api_route_req_t *q);

/* The one required string member of CreateSubscription ("ApiArn") and
 * UpdateSubscription ("Status") bodies into dst.  0, or -1 with 400. */
int fgd_api_body_string(const char *body, size_t len, const char *member,
    char *dst, size_t size, fgd_resp_t *r);

/* The stored value of a route into dst ("METHOD PATH FN[:Q]"); -1 if it
 * does not fit.  And back (id is the caller's). */
int fgd_api_route_value(const fgd_api_route_t *rt, char *dst, size_t size);
int fgd_api_route_from_value(fgd_api_route_t *rt, const char *v,
    size_t len);

/* A subscription's stored value, and back. */
int fgd_api_sub_value(const fgd_api_sub_t *s, char *dst, size_t size);
int fgd_api_sub_from_value(fgd_api_sub_t *s, const char *v, size_t len);

/* fgd_api_t from an HGETALL reply's pairs (routes are skipped); -1 when
 * a required field is missing. */
int fgd_api_from_fields(fgd_api_t *a, const char *const *fv,
    const size_t *lens, size_t count);

/* JSON answers; 0 or -1 (no memory). */
int fgd_json_api(const fgd_api_t *a, const char *region, const char *owner,
    char **out, size_t *out_len);
int fgd_json_list_apis(const fgd_api_t *as, size_t n, const char *region,
    const char *owner, char **out, size_t *out_len);
int fgd_json_api_route(const fgd_api_route_t *rt, const char *region,
    const char *owner, char **out, size_t *out_len);
int fgd_json_list_api_routes(const fgd_api_route_t *rts, size_t n,
    const char *region, const char *owner, char **out, size_t *out_len);
int fgd_json_api_sub(const fgd_api_sub_t *s, const char *region,
    char **out, size_t *out_len);
int fgd_json_list_api_subs(const fgd_api_sub_t *ss, size_t n,
    const char *region, char **out, size_t *out_len);

/* What fngated knows of an API call (the module's FNGATE_API_* params
 * and the request). */
typedef struct {
    const char  *method;
    const char  *owner;
    const char  *caller;
    const char  *api;
    const char  *stage;
    const char  *route_id;
    const char  *resource;       /* the route's path template */
    const char  *path;           /* after the stage, percent-encoded */
    const char  *query;          /* raw query string */
    const char  *headers;        /* JSON object of the client's headers
                                    (the module left out Authorization
                                    and X-Amz-*) */
    const char  *request_id;
    const char  *body;
    size_t       body_len;
} fgd_api_call_t;

/*
 * The API-Gateway-proxy event (REST API, payload 1.0): resource, path
 * (decoded), httpMethod, headers, queryStringParameters (decoded, the
 * last of a repeated name; null when none), pathParameters (decoded;
 * null when none), stageVariables null, requestContext (accountId the
 * owner, apiId, stage, resourceId, resourcePath, httpMethod, requestId,
 * identity.accountId the caller), body (null when empty; base64 with
 * isBase64Encoded true when it is not valid UTF-8).  0, or -1 with r
 * (400 for a path or query that does not decode, 500 no memory).
 */
int fgd_api_event(const fgd_api_call_t *c, char **out, size_t *out_len,
    fgd_resp_t *r);

/*
 * Maps a function's output (r->body of a successful Invoke) to the
 * HTTP response, keeping r->headers (the counters): a JSON object with
 * "statusCode" is a proxy response (statusCode an integer 100-599, else
 * 502; headers an object of strings, numbers or booleans; body a string,
 * base64 when isBase64Encoded is true); anything else is sent as it is,
 * 200 application/json.  0, or -1 with the 502 in r.
 */
int fgd_api_response(fgd_resp_t *r);

/* Appends "Name: value\r\n" to *headers (NULL: a new string). 0, or -1
 * when out of memory. */
int fgd_append_header(char **headers, const char *name, const char *value);

/* true for UTF-8 text without NUL (the event's body as a string). */
bool fgd_utf8_valid(const char *s, size_t len);

#endif /* FNGATED_HTTP_APIS_JSON_H */
