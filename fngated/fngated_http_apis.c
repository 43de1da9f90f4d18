/*
 * fngated_http_apis: APIs made of functions.  The management calls of an
 * owner's APIs, routes and subscriptions, a subscriber's requests, and
 * InvokeApi: the proxy event, the call through fgd_invoke with the pool
 * key the module chose by the API's policy, and the mapping of the
 * function's answer.
 *
 * Keys are lib/fg_keys.h's; every write of more than one key is one Lua
 * script naming every key it touches, all of the owner's hash tag.  The
 * one exception is the subscriber's own index (fg:subscribed:{B}), in
 * another slot: it is written first, alone, and is only a hint; the
 * owner's fg:subs:{A}:API decides, and an index entry without a record
 * there is skipped when read (and removed when the request is refused).
 * The scripts are fngated/lua/{api,route,sub}_*.lua.
 *
 * The quotas (conf's quota_apis, quota_routes_per_api,
 * quota_subscriptions_per_api; 0 none) are checked by the script that
 * writes, before its first write: two calls can not both take the last
 * slot, and a refused call stores nothing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_keys.h"
#include "fngated_http_apis.h"
#include "fngated_http_apis_json.h"
#include "fngated_invoke.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"

#define FGD_APIS_LIST_MAX  1000u

static void
fgd_apis_now(char dst[FGD_TIME_LEN])
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    fgd_time_lambda(&ts, dst, FGD_TIME_LEN);
}

static int
fgd_api_not_found(const fgd_req_t *q, const char *owner, const char *api,
    fgd_resp_t *r)
{
    char  arn[256];

    fg_api_arn(arn, sizeof(arn), q->region, owner, api);
    return fgd_error(r, 404, "ResourceNotFoundException",
        "API not found: %s", arn);
}

/* ------------------------------------------------------------------ */
/* APIs                                                                  */

/* The API and its routes (either may be NULL): 0, 1 when there is no
 * such API, -1 with r. */
static int
fgd_apis_read(const fgd_req_t *q, const char *owner, const char *name,
    fgd_api_t *a, fgd_api_route_t **routes, size_t *n, fgd_resp_t *r)
{
    char            key[FG_KEY_MAX];
    redisReply     *reply;
    const char    **fv;
    size_t         *lens, i, nr = 0;
    fgd_api_t       tmp;
    int             rc = -1;

    if (routes != NULL) {
        *routes = NULL;
        *n = 0;
    }
    if (fg_key_api(key, sizeof(key), owner, name) >= FG_KEY_MAX) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The API name is too long");
    }
    reply = fgd_store_hgetall(q, key, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->elements == 0) {
        freeReplyObject(reply);
        return 1;
    }
    if (fgd_store_fields(reply, &fv, &lens) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    if (fgd_api_from_fields(a ? a : &tmp, fv, lens, reply->elements) != 0) {
        fgd_log("error", q->request_id, "api %s:%s: corrupt record", owner,
            name);
        fgd_error(r, 500, "ServiceException", "The API's record is corrupt");
        goto cleanup;
    }
    if (routes != NULL) {
        *routes = calloc(reply->elements / 2 + 1, sizeof(**routes));
        if (*routes == NULL) {
            fgd_nomem(r);
            goto cleanup;
        }
        for (i = 0; i + 1 < reply->elements; i += 2) {
            fgd_api_route_t *rt = &(*routes)[nr];

            if (lens[i] < 3 || memcmp(fv[i], "r:", 2) != 0
                || lens[i] - 2 > FG_API_ROUTE_ID_MAX)
            {
                continue;
            }
            memcpy(rt->id, fv[i] + 2, lens[i] - 2);
            rt->id[lens[i] - 2] = '\0';
            if (fgd_api_route_from_value(rt, fv[i + 1], lens[i + 1]) != 0) {
                fgd_log("error", q->request_id, "api %s:%s: corrupt route "
                    "%s", owner, name, rt->id);
                continue;
            }
            nr++;
        }
        *n = nr;
    }
    rc = 0;

cleanup:
    if (rc != 0 && routes != NULL) {
        free(*routes);
        *routes = NULL;
    }
    free(fv);
    free(lens);
    freeReplyObject(reply);
    return rc;
}

/* The caller's API that the path names (q->route.api), with its routes
 * (either may be NULL): 0, or -1 with r (404 when there is none). */
static int
fgd_apis_of_path(const fgd_req_t *q, fgd_api_t *a, fgd_api_route_t **routes,
    size_t *n, fgd_resp_t *r)
{
    int  rc;

    rc = fgd_apis_read(q, q->caller, q->route.api, a, routes, n, r);
    if (rc == 1) {
        return fgd_api_not_found(q, q->caller, q->route.api, r);
    }
    return rc;
}

static int
fgd_apis_reply_api(const fgd_req_t *q, const fgd_api_t *a, int status,
    fgd_resp_t *r)
{
    return fgd_resp_done(r,
        fgd_json_api(a, q->region, q->caller, &r->body, &r->body_len),
        status);
}

int
fgd_apis_create(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_api_req_t  req;
    fgd_api_t     *a = &req.a;
    char           key[FG_KEY_MAX], list[FG_KEY_MAX], lim[24];
    const char    *args[23];
    long long      v;

    if (fgd_api_parse(q->body, q->body_len, true, &req, r) != 0) {
        return -1;
    }
    fgd_apis_now(a->created);
    memcpy(a->modified, a->created, sizeof(a->modified));
    fgd_revision_new(a->revision_id);
    fg_key_api(key, sizeof(key), q->caller, a->name);
    fg_key_apis(list, sizeof(list), q->caller);
    snprintf(lim, sizeof(lim), "%u", q->conf->quota.apis);
    args[0] = key;              args[1] = list;
    args[2] = a->name;          args[3] = lim;
    args[4] = "Name";           args[5] = a->name;
    args[6] = "Stage";          args[7] = a->stage;
    args[8] = "Access";         args[9] = a->access;
    args[10] = "Policy";        args[11] = a->policy;
    args[12] = "Description";   args[13] = a->description;
    args[14] = "CreatedDate";   args[15] = a->created;
    args[16] = "LastModified";  args[17] = a->modified;
    args[18] = "RevisionId";    args[19] = a->revision_id;
    args[20] = "RouteSeq";      args[21] = "0";
    if (fgd_redis_script_int(q, FGD_SCRIPT_API_CREATE, 2, 22, args, NULL, &v,
            r) != 0)
    {
        return -1;
    }
    if (v == 0) {
        return fgd_error(r, 409, "ResourceConflictException",
            "API already exist: %s", a->name);
    }
    if (v == -2) {
        return fgd_store_quota_refused(q, "APIs", "account", "quota_apis",
            q->conf->quota.apis, r);
    }
    fgd_log("info", q->request_id, "api %s:%s created (%s, %s, stage %s)",
        q->caller, a->name, a->access, a->policy, a->stage);
    return fgd_apis_reply_api(q, a, 201, r);
}

int
fgd_apis_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_api_t  a;

    if (fgd_apis_of_path(q, &a, NULL, NULL, r) != 0) {
        return -1;
    }
    return fgd_apis_reply_api(q, &a, 200, r);
}

/*
 * Reads one member of a sorted set into item: 0 kept, 1 skipped (gone or
 * not well-formed), -1 with r.
 */
typedef int (*fgd_apis_member_pt)(const fgd_req_t *q, const char *member,
    void *item, fgd_resp_t *r);

/*
 * The first FGD_APIS_LIST_MAX members of the sorted set key, each read by
 * read_one into a calloc'd array of items of size bytes (*items; free it) of
 * which *n were kept.  0, or -1 with r.
 */
static int
fgd_apis_read_members(const fgd_req_t *q, const char *key, size_t size,
    fgd_apis_member_pt read_one, void **items, size_t *n, fgd_resp_t *r)
{
    const char  *argv[4] = { "ZRANGE", key, "0", "999" };
    redisReply  *reply;
    char        *out;
    size_t       i;
    int          rc;

    *items = NULL;
    *n = 0;
    reply = fgd_redis_command(q, true, 4, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        return fgd_store_unexpected(reply, r);
    }
    out = calloc(reply->elements + 1, size);
    if (out == NULL) {
        freeReplyObject(reply);
        return fgd_nomem(r);
    }
    for (i = 0; i < reply->elements && i < FGD_APIS_LIST_MAX; i++) {
        if (reply->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        rc = read_one(q, reply->element[i]->str, out + *n * size, r);
        if (rc < 0) {
            free(out);
            freeReplyObject(reply);
            return -1;
        }
        if (rc == 0) {
            (*n)++;
        }
    }
    freeReplyObject(reply);
    *items = out;
    return 0;
}

static int
fgd_apis_read_member(const fgd_req_t *q, const char *member, void *item,
    fgd_resp_t *r)
{
    return fgd_apis_read(q, q->caller, member, item, NULL, NULL, r);
}

int
fgd_apis_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char        key[FG_KEY_MAX];
    void       *as;
    size_t      n;
    int         rc;

    fg_key_apis(key, sizeof(key), q->caller);
    if (fgd_apis_read_members(q, key, sizeof(fgd_api_t),
            fgd_apis_read_member, &as, &n, r) != 0)
    {
        return -1;
    }
    rc = fgd_json_list_apis(as, n, q->region, q->caller, &r->body,
        &r->body_len);
    free(as);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_apis_update(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    fgd_api_req_t  req;
    fgd_api_t      a;
    char           key[FG_KEY_MAX], read_rev[37];
    const char    *args[16];
    long long      v;

    if (fgd_api_parse(q->body, q->body_len, false, &req, r) != 0) {
        return -1;
    }
    if (fgd_apis_of_path(q, &a, NULL, NULL, r) != 0) {
        return -1;
    }
    if (req.want_revision[0] != '\0'
        && strcmp(req.want_revision, a.revision_id) != 0)
    {
        return fgd_revision_mismatch(r, FGD_GETTER_API);
    }
    memcpy(read_rev, a.revision_id, sizeof(read_rev));
    fgd_api_merge(&a, &req);
    fgd_apis_now(a.modified);
    fgd_revision_new(a.revision_id);
    fg_key_api(key, sizeof(key), q->caller, rt->api);
    args[0] = key;
    args[1] = read_rev;
    args[2] = "Stage";          args[3] = a.stage;
    args[4] = "Access";         args[5] = a.access;
    args[6] = "Policy";         args[7] = a.policy;
    args[8] = "Description";    args[9] = a.description;
    args[10] = "LastModified";  args[11] = a.modified;
    args[12] = "RevisionId";    args[13] = a.revision_id;
    if (fgd_redis_script_int(q, FGD_SCRIPT_API_UPDATE, 1, 14, args, NULL, &v,
            r) != 0)
    {
        return -1;
    }
    if (v == 0) {
        return fgd_api_not_found(q, q->caller, rt->api, r);
    }
    if (v < 0) {
        return fgd_error(r, 412, "PreconditionFailedException",
            "The API was changed by another request; read it again");
    }
    fgd_log("info", q->request_id, "api %s:%s updated (%s, %s, stage %s)",
        q->caller, a.name, a.access, a.policy, a.stage);
    return fgd_apis_reply_api(q, &a, 200, r);
}

int
fgd_apis_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    char         key[FG_KEY_MAX], list[FG_KEY_MAX], subs[FG_KEY_MAX];
    const char  *args[4];
    long long    v;

    fg_key_api(key, sizeof(key), q->caller, rt->api);
    fg_key_apis(list, sizeof(list), q->caller);
    fg_key_api_subs(subs, sizeof(subs), q->caller, rt->api);
    args[0] = key;
    args[1] = list;
    args[2] = subs;
    args[3] = rt->api;
    if (fgd_redis_script_int(q, FGD_SCRIPT_API_DELETE, 3, 4, args, NULL, &v,
            r) != 0)
    {
        return -1;
    }
    if (v == 0) {
        return fgd_api_not_found(q, q->caller, rt->api, r);
    }
    fgd_log("info", q->request_id, "api %s:%s deleted", q->caller, rt->api);
    r->status = 204;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Routes                                                                */

static int
fgd_route_not_found(const char *id, fgd_resp_t *r)
{
    return fgd_error(r, 404, "ResourceNotFoundException",
        "Route not found: %s", id);
}

static int
fgd_route_cmp(const void *a, const void *b)
{
    const fgd_api_route_t *x = a, *y = b;
    size_t lx = strlen(x->id), ly = strlen(y->id);

    if (lx != ly) {
        return lx < ly ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

/* The route id of the path, or -1 with 404 (API or route). */
static int
fgd_route_find(const fgd_req_t *q, fgd_api_route_t *out, fgd_resp_t *r)
{
    fgd_api_route_t  *routes;
    size_t            n, i;

    if (fgd_apis_of_path(q, NULL, &routes, &n, r) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(routes[i].id, q->route.route_id) == 0) {
            *out = routes[i];
            free(routes);
            return 0;
        }
    }
    free(routes);
    return fgd_route_not_found(q->route.route_id, r);
}

/* CreateRoute (old NULL) and UpdateRoute. */
static int
fgd_routes_put(const fgd_req_t *q, const fg_route_t *rt,
    fgd_api_route_t *route, const fgd_api_route_t *old, fgd_resp_t *r)
{
    char          key[FG_KEY_MAX], fn[FG_KEY_MAX];
    char          shape[FG_API_TEMPLATE_MAX + 1];
    char          value[FG_API_TEMPLATE_MAX + 256];
    char          oldv[FG_API_TEMPLATE_MAX + 256];
    char          field[FG_KEY_MAX], now[FGD_TIME_LEN], rev[37], arn[512];
    char          lim[24];
    const char   *args[10];
    redisReply   *reply;
    long long     v;

    if (fgd_api_route_value(route, value, sizeof(value)) < 0
        || fg_api_template_shape(route->path, strlen(route->path), shape,
            sizeof(shape)) < 0)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The route is not valid");
    }
    field[0] = '\0';
    oldv[0] = '\0';
    if (old != NULL) {
        fg_key_route_field(field, sizeof(field), old->id);
        if (fgd_api_route_value(old, oldv, sizeof(oldv)) < 0) {
            return fgd_error(r, 500, "ServiceException",
                "The route's record is corrupt");
        }
    }
    fg_key_api(key, sizeof(key), q->caller, rt->api);
    fg_key_function(fn, sizeof(fn), q->caller, route->function);
    fgd_apis_now(now);
    fgd_revision_new(rev);
    args[0] = key;
    args[1] = fn;
    args[2] = route->method;
    args[3] = shape;
    args[4] = value;
    args[5] = field;
    args[6] = oldv;
    args[7] = now;
    args[8] = rev;
    snprintf(lim, sizeof(lim), "%u", q->conf->quota.routes);
    args[9] = lim;
    reply = fgd_redis_script_status(q, FGD_SCRIPT_ROUTE_PUT, 2, 10,
        args, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    v = reply->element[0]->integer;
    if ((v == 1 || v == -2) && (reply->elements < 2
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[1]->len > FG_API_ROUTE_ID_MAX))
    {
        return fgd_store_unexpected(reply, r);
    }
    if (v == 1) {
        memcpy(route->id, reply->element[1]->str, reply->element[1]->len);
        route->id[reply->element[1]->len] = '\0';
    } else if (v == -2) {
        char other[FG_API_ROUTE_ID_MAX + 1];

        memcpy(other, reply->element[1]->str, reply->element[1]->len);
        other[reply->element[1]->len] = '\0';
        freeReplyObject(reply);
        return fgd_error(r, 409, "ResourceConflictException",
            "The route %s %s conflicts with route %s: same method and path "
            "shape", route->method, route->path, other);
    }
    freeReplyObject(reply);
    if (v == 0) {
        return fgd_api_not_found(q, q->caller, rt->api, r);
    }
    if (v == -1) {
        fg_function_arn(arn, sizeof(arn), q->region, q->caller,
            route->function, "");
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    if (v == -3) {
        return fgd_error(r, 409, "ResourceConflictException",
            "The route was changed by another request; read it again");
    }
    if (v == -4) {
        return fgd_store_quota_refused(q, "routes", "API",
            "quota_routes_per_api", q->conf->quota.routes, r);
    }
    fgd_log("info", q->request_id, "api %s:%s route %s: %s", q->caller,
        rt->api, route->id, value);
    return fgd_resp_done(r,
        fgd_json_api_route(route, q->region, q->caller, &r->body,
            &r->body_len),
        old == NULL ? 201 : 200);
}

int
fgd_routes_create(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    fgd_api_route_req_t  req;

    if (fgd_api_route_parse_body(q->body, q->body_len, true, &req, r) != 0) {
        return -1;
    }
    return fgd_routes_put(q, rt, &req.rt, NULL, r);
}

int
fgd_routes_update(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    fgd_api_route_req_t  req;
    fgd_api_route_t      old, route;

    if (fgd_api_route_parse_body(q->body, q->body_len, false, &req, r) != 0) {
        return -1;
    }
    if (fgd_route_find(q, &old, r) != 0) {
        return -1;
    }
    route = old;
    fgd_api_route_merge(&route, &req);
    return fgd_routes_put(q, rt, &route, &old, r);
}

int
fgd_routes_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_api_route_t  route;

    if (fgd_route_find(q, &route, r) != 0) {
        return -1;
    }
    return fgd_resp_done(r,
        fgd_json_api_route(&route, q->region, q->caller, &r->body,
            &r->body_len),
        200);
}

int
fgd_routes_list(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_api_route_t  *routes;
    size_t            n;
    int               rc;

    if (fgd_apis_of_path(q, NULL, &routes, &n, r) != 0) {
        return -1;
    }
    qsort(routes, n, sizeof(*routes), fgd_route_cmp);
    rc = fgd_json_list_api_routes(routes, n, q->region, q->caller, &r->body,
        &r->body_len);
    free(routes);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_routes_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    char         key[FG_KEY_MAX], field[FG_KEY_MAX], now[FGD_TIME_LEN];
    char         rev[37];
    const char  *args[4];
    long long    v;

    fg_key_api(key, sizeof(key), q->caller, rt->api);
    fg_key_route_field(field, sizeof(field), rt->route_id);
    fgd_apis_now(now);
    fgd_revision_new(rev);
    args[0] = key;
    args[1] = field;
    args[2] = now;
    args[3] = rev;
    if (fgd_redis_script_int(q, FGD_SCRIPT_ROUTE_DELETE, 1, 4, args, NULL, &v,
            r) != 0)
    {
        return -1;
    }
    if (v == 0) {
        return fgd_api_not_found(q, q->caller, rt->api, r);
    }
    if (v < 0) {
        return fgd_route_not_found(rt->route_id, r);
    }
    fgd_log("info", q->request_id, "api %s:%s route %s deleted", q->caller,
        rt->api, rt->route_id);
    r->status = 204;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Subscriptions                                                         */

static int
fgd_subs_reply(const fgd_req_t *q, fgd_api_sub_t *s, const redisReply *v,
    int status, fgd_resp_t *r)
{
    if (v->type != REDIS_REPLY_STRING
        || fgd_api_sub_from_value(s, v->str, v->len) != 0)
    {
        return fgd_error(r, 502, "ServiceException",
            "The service's storage gave an unexpected answer");
    }
    return fgd_resp_done(r,
        fgd_json_api_sub(s, q->region, &r->body, &r->body_len),
        status);
}

static void
fgd_subs_unindex(const fgd_req_t *q, const char *member)
{
    char         key[FG_KEY_MAX];
    const char  *argv[3];
    size_t       lens[3];
    redisReply  *reply;
    fgd_resp_t   ignored;

    memset(&ignored, 0, sizeof(ignored));
    fg_key_subscribed(key, sizeof(key), q->caller);
    argv[0] = "ZREM";
    argv[1] = key;
    argv[2] = member;
    lens[0] = 4;
    lens[1] = strlen(key);
    lens[2] = strlen(member);
    reply = fgd_redis_command(q, false, 3, argv, lens, &ignored);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    fgd_resp_free(&ignored);
}

int
fgd_subs_create(const fgd_req_t *q, fgd_resp_t *r)
{
    char           arn[256], region[FG_REGION_MAX + 1], now[FGD_TIME_LEN];
    char           key[FG_KEY_MAX], subs[FG_KEY_MAX], idx[FG_KEY_MAX];
    char           member[FG_KEY_MAX], lim[24];
    const char    *args[6];
    size_t         lens[4];
    redisReply    *reply;
    fgd_api_sub_t  s;
    long long      v;
    int            rc;

    memset(&s, 0, sizeof(s));
    if (fgd_api_body_string(q->body, q->body_len, "ApiArn", arn,
            sizeof(arn), r) != 0)
    {
        return -1;
    }
    if (fg_api_arn_parse(arn, strlen(arn), region, sizeof(region), s.owner,
            s.api) != 0)
    {
        return fgd_pattern_error(r, arn, 200, "apiArn",
            "arn:aws:lambda:REGION:ACCOUNT:api:NAME");
    }
    if (strcmp(region, q->region) != 0) {
        return fgd_error(r, 404, "ResourceNotFoundException",
            "API not found: %s", arn);
    }
    if (strcmp(s.owner, q->caller) == 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "%s is an API of your own account; its owner needs no "
            "subscription", arn);
    }
    memcpy(s.account, q->caller, sizeof(s.account));

    /* the subscriber's index first (a hint), then the owner's record */
    fg_key_subscribed(idx, sizeof(idx), q->caller);
    fg_key_subscribed_member(member, sizeof(member), s.owner, s.api);
    args[0] = "ZADD";
    args[1] = idx;
    args[2] = "0";
    args[3] = member;
    for (rc = 0; rc < 4; rc++) {
        lens[rc] = strlen(args[rc]);
    }
    reply = fgd_redis_command(q, false, 4, args, lens, r);
    if (reply == NULL) {
        return -1;
    }
    freeReplyObject(reply);

    fg_key_api(key, sizeof(key), s.owner, s.api);
    fg_key_api_subs(subs, sizeof(subs), s.owner, s.api);
    fgd_apis_now(now);
    args[0] = key;
    args[1] = subs;
    args[2] = q->caller;
    args[3] = now;
    snprintf(lim, sizeof(lim), "%u", q->conf->quota.subscriptions);
    args[4] = lim;
    reply = fgd_redis_script_status(q, FGD_SCRIPT_SUB_CREATE, 2, 5,
        args, NULL, r);
    if (reply == NULL) {
        fgd_subs_unindex(q, member);    /* (a ZREM: also when full) */
        return -1;
    }
    v = reply->element[0]->integer;
    if (v <= 0) {
        freeReplyObject(reply);
        fgd_subs_unindex(q, member);
        if (v == 0) {
            return fgd_error(r, 404, "ResourceNotFoundException",
                "API not found: %s", arn);
        }
        if (v == -2) {
            return fgd_store_quota_refused(q, "subscriptions", "API",
                "quota_subscriptions_per_api", q->conf->quota.subscriptions,
                r);
        }
        return fgd_error(r, 403, "AccessDeniedException",
            "User: arn:aws:iam::%s:root is not authorized to subscribe to "
            "%s: the API is private", q->caller, arn);
    }
    if (reply->elements < 2) {
        return fgd_store_unexpected(reply, r);
    }
    rc = fgd_subs_reply(q, &s, reply->element[1], v == 1 ? 201 : 200, r);
    if (rc == 0 && v == 1) {
        fgd_log("info", q->request_id, "%s subscribed to %s: %s", q->caller,
            arn, s.status);
    }
    if (rc == 0) {
        char  api[FG_ACCOUNT_LEN + FG_API_NAME_MAX + 2];

        /*
         * The module may have cached this caller's refusal of a moment
         * ago; an open API's subscription is approved at once, so the
         * worker that passes this answer forgets it (as it does for
         * UpdateSubscription).
         */
        snprintf(api, sizeof(api), "%s:%s", s.owner, s.api);
        if (fgd_append_header(&r->headers, "X-Fngate-Subscribed-Api", api)
            != 0)
        {
            rc = fgd_nomem(r);
        }
    }
    freeReplyObject(reply);
    return rc;
}

/* A member "OWNER:API" of the caller's subscribed index: the caller's
 * subscription to that API. */
static int
fgd_subs_read_mine(const fgd_req_t *q, const char *member, void *item,
    fgd_resp_t *r)
{
    fgd_api_sub_t  *s = item;
    const char     *colon = strchr(member, ':');
    char            key[FG_KEY_MAX];
    const char     *argv[3];
    redisReply     *one;
    int             rc;

    if (colon == NULL || colon - member != FG_ACCOUNT_LEN
        || !fg_api_name_valid(colon + 1, strlen(colon + 1)))
    {
        return 1;
    }
    memcpy(s->owner, member, FG_ACCOUNT_LEN);
    s->owner[FG_ACCOUNT_LEN] = '\0';
    memcpy(s->api, colon + 1, strlen(colon + 1) + 1);
    memcpy(s->account, q->caller, sizeof(s->account));
    fg_key_api_subs(key, sizeof(key), s->owner, s->api);
    argv[0] = "HGET";
    argv[1] = key;
    argv[2] = q->caller;
    one = fgd_redis_command(q, true, 3, argv, NULL, r);
    if (one == NULL) {
        return -1;
    }
    rc = one->type == REDIS_REPLY_STRING
         && fgd_api_sub_from_value(s, one->str, one->len) == 0 ? 0 : 1;
    freeReplyObject(one);
    return rc;
}

int
fgd_subs_list_mine(const fgd_req_t *q, fgd_resp_t *r)
{
    char     idx[FG_KEY_MAX];
    void    *ss;
    size_t   n;
    int      rc;

    fg_key_subscribed(idx, sizeof(idx), q->caller);
    if (fgd_apis_read_members(q, idx, sizeof(fgd_api_sub_t),
            fgd_subs_read_mine, &ss, &n, r) != 0)
    {
        return -1;
    }
    rc = fgd_json_list_api_subs(ss, n, q->region, &r->body, &r->body_len);
    free(ss);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_subs_list_api(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    char            key[FG_KEY_MAX];
    redisReply     *reply;
    fgd_api_sub_t  *ss;
    size_t          i, n = 0;
    int             rc;

    if (fgd_apis_of_path(q, NULL, NULL, NULL, r) != 0) {
        return -1;
    }
    fg_key_api_subs(key, sizeof(key), q->caller, rt->api);
    reply = fgd_store_hgetall(q, key, r);
    if (reply == NULL) {
        return -1;
    }
    ss = calloc(reply->elements / 2 + 1, sizeof(*ss));
    if (ss == NULL) {
        freeReplyObject(reply);
        return fgd_nomem(r);
    }
    for (i = 0; i + 1 < reply->elements; i += 2) {
        fgd_api_sub_t    *s = &ss[n];
        const redisReply *f = reply->element[i], *v = reply->element[i + 1];

        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING
            || !fg_account_valid(f->str, f->len)
            || fgd_api_sub_from_value(s, v->str, v->len) != 0)
        {
            continue;
        }
        memcpy(s->owner, q->caller, sizeof(s->owner));
        memcpy(s->api, rt->api, sizeof(s->api));
        memcpy(s->account, f->str, FG_ACCOUNT_LEN);
        s->account[FG_ACCOUNT_LEN] = '\0';
        n++;
    }
    freeReplyObject(reply);
    rc = fgd_json_list_api_subs(ss, n, q->region, &r->body, &r->body_len);
    free(ss);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_subs_update(const fgd_req_t *q, fgd_resp_t *r)
{
    const fg_route_t  *rt = &q->route;
    char           status[16], key[FG_KEY_MAX], subs[FG_KEY_MAX];
    char           now[FGD_TIME_LEN];
    const char    *args[5];
    redisReply    *reply;
    fgd_api_sub_t  s;
    long long      v;
    int            rc;

    memset(&s, 0, sizeof(s));
    if (fgd_api_body_string(q->body, q->body_len, "Status", status,
            sizeof(status), r) != 0)
    {
        return -1;
    }
    if (strcmp(status, "approved") != 0 && strcmp(status, "denied") != 0
        && strcmp(status, "revoked") != 0)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%s' at 'status' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            "[approved, denied, revoked]", status);
    }
    fg_key_api(key, sizeof(key), q->caller, rt->api);
    fg_key_api_subs(subs, sizeof(subs), q->caller, rt->api);
    fgd_apis_now(now);
    args[0] = key;
    args[1] = subs;
    args[2] = rt->subscriber;
    args[3] = status;
    args[4] = now;
    reply = fgd_redis_script_status(q, FGD_SCRIPT_SUB_UPDATE, 2, 5,
        args, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    v = reply->element[0]->integer;
    if (v == 0) {
        freeReplyObject(reply);
        return fgd_api_not_found(q, q->caller, rt->api, r);
    }
    if (v < 0 || reply->elements < 2) {
        freeReplyObject(reply);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Subscription not found: %s has not asked to subscribe to %s",
            rt->subscriber, rt->api);
    }
    memcpy(s.owner, q->caller, sizeof(s.owner));
    memcpy(s.api, rt->api, sizeof(s.api));
    memcpy(s.account, rt->subscriber, sizeof(s.account));
    rc = fgd_subs_reply(q, &s, reply->element[1], 200, r);
    if (rc == 0) {
        fgd_log("info", q->request_id, "api %s:%s subscription of %s: %s",
            q->caller, rt->api, rt->subscriber, status);
    }
    freeReplyObject(reply);
    return rc;
}

/* ------------------------------------------------------------------ */
/* InvokeApi                                                             */

int
fgd_apis_invoke(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_param_pt     param = q->param;
    void            *req = q->param_req;
    fgd_api_call_t   c;
    fgd_req_t        call;
    const char      *policy;
    char            *event = NULL;
    size_t           event_len;
    int              rc;

    memset(&c, 0, sizeof(c));
    c.method = param(req, "REQUEST_METHOD");
    c.owner = q->owner;
    c.caller = q->caller;
    c.api = param(req, "FNGATE_API");
    c.stage = param(req, "FNGATE_API_STAGE");
    c.route_id = param(req, "FNGATE_API_ROUTE");
    c.resource = param(req, "FNGATE_API_RESOURCE");
    c.path = param(req, "FNGATE_API_PATH");
    c.query = q->query;
    c.headers = param(req, "FNGATE_API_HEADERS");
    c.request_id = q->request_id;
    c.body = q->body;
    c.body_len = q->body_len;
    policy = param(req, "FNGATE_API_POLICY");

    if (!fg_api_name_valid(c.api, strlen(c.api))
        || !fg_api_stage_valid(c.stage, strlen(c.stage))
        || !fg_api_route_id_valid(c.route_id, strlen(c.route_id))
        || fg_api_template_check(c.resource, strlen(c.resource))
            != FG_API_TEMPLATE_OK
        || !fg_api_method_valid(c.method, strlen(c.method), false))
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The API call carries no valid API, stage, route or method");
    }
    /* the module chose the pool key by the API's policy */
    if (!((strcmp(policy, "caller") == 0
           && strcmp(q->pool_key, q->caller) == 0)
          || (strcmp(policy, "owner") == 0
           && strcmp(q->pool_key, q->owner) == 0))
        || strcmp(q->billing, q->caller) != 0)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The API call's policy, pool key and billed account disagree");
    }

    if (fgd_api_event(&c, &event, &event_len, r) != 0) {
        return -1;
    }
    if (event_len > FGD_MAX_PAYLOAD) {
        free(event);
        return fgd_error(r, 413, "RequestTooLargeException",
            "Request must be smaller than %u bytes for the InvokeApi "
            "operation (the event, with a base64 body)", FGD_MAX_PAYLOAD);
    }

    call = *q;
    call.body = event;
    call.body_len = event_len;
    call.invocation_type = "";
    call.log_type = "";             /* the owner's log is not the caller's */
    call.alias = "";
    rc = fgd_invoke(&call, r);
    free(event);
    if (rc != 0 && r->status == 404) {
        /* the caller learns the route, not the owner's function names */
        fgd_log("error", q->request_id, "api %s:%s route %s: %s", q->owner,
            c.api, c.route_id, r->message);
        fgd_resp_free(r);
        memset(r, 0, sizeof(*r));
        return fgd_error(r, 404, "ResourceNotFoundException",
            "The function of route %s of API %s does not exist", c.route_id,
            c.api);
    }
    if (rc != 0) {
        return -1;
    }

    if (r->function_error != NULL) {
        char  why[sizeof(r->message)];

        /* (fgd_error writes r->message: the function's message first) */
        snprintf(why, sizeof(why), "%s",
            r->message[0] ? r->message : "Unhandled");
        fgd_error(r, 502, "ServiceException",
            "The function of route %s failed: %s", c.route_id, why);
        r->function_error = "Unhandled";
        return -1;
    }
    if (fgd_api_response(r) != 0) {
        fgd_log("error", q->request_id, "api %s:%s route %s: %s", q->owner,
            c.api, c.route_id, r->message);
        return -1;
    }
    return 0;
}
