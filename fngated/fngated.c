/*
 * fngated: fngate's FastCGI backend.
 *
 *   fngated -c FILE
 *
 * nginx (ngx_http_fngate_module + stock fastcgi_pass) authenticates and
 * routes each Lambda API call and passes the result as FNGATE_* FastCGI
 * params (HACKING.md); fngated trusts only those, never HTTP_* client
 * headers.  `threads` threads each loop on FCGX_Accept_r over the one
 * listening socket and own a blocking Redis connection.  The VM pool is
 * created in the background at start, so management calls are served
 * while guests boot.
 *
 * SIGTERM / SIGINT: stop accepting, let calls in flight finish, destroy
 * the pool's guests, remove the unix socket, exit 0.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <openssl/rand.h>

#include "fg_route.h"
#include "fngated.h"
#include "fngated_cli.h"

static fgd_conf_t        fgd_conf;
static int               fgd_listen_fd = -1;
static volatile int      fgd_stopping;
static pthread_mutex_t   fgd_accept_lock = PTHREAD_MUTEX_INITIALIZER;

void
fgd_log(const char *level, const char *rid, const char *fmt, ...)
{
    struct timespec  ts;
    char             t[FGD_TIME_LEN], msg[1024];
    va_list          ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    fgd_time_rfc3339(&ts, t, sizeof(t));
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)            /* one record per line */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s fngated[%d] %s [%s] %s\n", t, (int) getpid(), level,
        rid && rid[0] ? rid : "-", msg);
}

/* ------------------------------------------------------------------ */
/* One request                                                           */

static const char *
fgd_param(FCGX_Request *req, const char *name)
{
    const char *v = FCGX_GetParam(name, req->envp);
    return v != NULL ? v : "";
}

/* fgd_param for fngated_apis.c */
static const char *
fgd_param_of(void *req, const char *name)
{
    return fgd_param(req, name);
}

static bool
fgd_request_id_ok(const char *v)
{
    size_t i, n = strlen(v);

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++)
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')
              || (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
            return false;
    return true;
}

/* Largest body each action reads. */
static size_t
fgd_body_limit(fg_action_t a)
{
    if (a == FG_ACTION_CREATE_FUNCTION || a == FG_ACTION_UPDATE_FUNCTION_CODE)
        return fgd_conf.max_code_size / 3 * 4 + 8 + 256 * 1024;
    if (a == FG_ACTION_INVOKE || a == FG_ACTION_INVOKE_API)
        return FGD_MAX_PAYLOAD;
    return 256 * 1024;
}

/*
 * Reads the body (at most limit bytes).  Returns 0, 1 when it is larger
 * than limit, -1 on a read error / no memory.
 */
static int
fgd_read_body(FCGX_Request *req, size_t limit, char **body, size_t *len)
{
    const char  *cl = FCGX_GetParam("CONTENT_LENGTH", req->envp);
    size_t       want, cap, got = 0;
    char        *buf;

    *body = NULL;
    *len = 0;
    if (cl != NULL && cl[0] != '\0') {
        char               *end;
        unsigned long long  n;

        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno != 0 || *end != '\0' || cl[0] == '-')
            return -1;
        if (n > limit)
            return 1;
        want = (size_t) n;
    } else {
        want = limit + 1;
    }
    cap = (cl != NULL && cl[0] != '\0') ? want : 65536;
    buf = malloc(cap + 1);
    if (buf == NULL)
        return -1;
    for (;;) {
        int n;

        if (got == cap) {
            char *nb;
            if (cap >= want)
                break;
            cap = cap * 2 > want ? want : cap * 2;
            nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        n = FCGX_GetStr(buf + got, (int) (cap - got > (1 << 30)
                                          ? (1 << 30) : cap - got),
            req->in);
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    if (got > limit) {
        free(buf);
        return 1;
    }
    buf[got] = '\0';
    *body = buf;
    *len = got;
    return 0;
}

/* libfcgi's FCGX_FPrintF knows no %zu: headers are formatted here. */
static void
fgd_send(FCGX_Request *req, const fgd_resp_t *r)
{
    char    head[1024];
    int     n;

    n = snprintf(head, sizeof(head), "Status: %d %s\r\n", r->status,
        fgd_status_text(r->status));
    if (r->status != 204 && r->status != 304)
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "Content-Type: %.256s\r\nContent-Length: %zu\r\n",
            r->content_type ? r->content_type : "application/json",
            r->body ? r->body_len : 0);
    if (r->error_type != NULL)
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "x-amzn-ErrorType: %s\r\n", r->error_type);
    if (r->error_type != NULL &&
        strcmp(r->error_type, "TooManyRequestsException") == 0)
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "Retry-After: 1\r\n");
    if (r->function_error != NULL)
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "X-Amz-Function-Error: %s\r\n", r->function_error);
    FCGX_PutS(head, req->out);
    if (r->headers != NULL)
        FCGX_PutS(r->headers, req->out);
    FCGX_PutS("\r\n", req->out);
    if (r->status != 204 && r->status != 304 && r->body != NULL &&
        r->body_len > 0) {
        size_t off = 0;
        while (off < r->body_len) {
            size_t chunk = r->body_len - off;
            if (chunk > (1u << 30))
                chunk = 1u << 30;
            if (FCGX_PutStr(r->body + off, (int) chunk, req->out) < 0)
                break;
            off += chunk;
        }
    }
}

/* The limits CreateFunction and UpdateFunctionCode check. */
static void
fgd_limits(fgd_limits_t *lim)
{
    lim->max_code_size = fgd_conf.max_code_size;
    lim->max_unzipped = FG_FRAME_MAX_PAYLOAD - 64 * 1024;
    lim->max_memory_mb = fgd_conf.max_memory_mb;
}

static int
fgd_do_create(fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_create_t  c;
    int           rc;

    fgd_limits(&lim);
    if (fgd_create_parse(q->body, q->body_len, &lim, &c, r) != 0)
        return -1;
    snprintf(q->name, sizeof(q->name), "%s", c.fn.name);
    rc = fgd_store_create(q, &c, r);
    if (rc == 0 && c.publish) {
        fgd_publish_t  p;
        char           version[FGD_VERSION_LEN];
        bool           created;

        memset(&p, 0, sizeof(p));
        rc = fgd_store_publish(q, c.fn.name, &p, version, &created, r);
        if (rc == 0)
            snprintf(c.fn.version, sizeof(c.fn.version), "%s", version);
    }
    if (rc == 0) {
        if (fgd_json_function_config(&c.fn, q->region, q->caller, &r->body,
                &r->body_len) != 0)
            rc = fgd_error(r, 500, "ServiceException", "out of memory");
        else
            r->status = 201;
        fgd_log("info", q->request_id, "created %s:%s sha256 %s, %zu bytes",
            q->caller, c.fn.name, c.fn.sha256, c.zip_len);
    }
    fgd_create_clear(&c);
    return rc;
}

/* GetFunction and GetFunctionConfiguration: the version the qualifier
 * names (an alias: its FunctionVersion), of the owner's function (the
 * caller's, or one the owner granted it lambda:GetFunction on). */
static int
fgd_do_get(const fgd_req_t *q, fgd_resp_t *r, bool config_only)
{
    fgd_fn_t  fn;
    int       rc;

    if (fgd_store_resolve(q, q->owner, q->function, q->qualifier, false,
            &fn, r) != 0)
        return -1;
    if (strcmp(fn.version, "$LATEST") == 0 &&
        strcmp(q->qualifier, "$LATEST") != 0)
        fn.version[0] = '\0';
    /* a grantee sees the configuration, never where the code is */
    rc = config_only
         ? fgd_json_function_config(&fn, q->region, q->owner, &r->body,
               &r->body_len)
         : strcmp(q->owner, q->caller) != 0
         ? fgd_json_get_function_shared(&fn, q->region, q->owner, &r->body,
               &r->body_len)
         : fgd_json_get_function(&fn, q->region, q->caller, &r->body,
               &r->body_len);
    fgd_fn_clear(&fn);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

typedef int (*fgd_json_list_pt)(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* A 200 with a page of configurations; frees fns. */
static int
fgd_answer_list(const fgd_req_t *q, fgd_json_list_pt json, fgd_fn_t *fns,
    size_t n, const char *next, fgd_resp_t *r)
{
    size_t  i;
    int     rc;

    rc = json(fns, n, next, q->region, q->caller, &r->body, &r->body_len);
    for (i = 0; i < n; i++)
        fgd_fn_clear(&fns[i]);
    free(fns);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

static int
fgd_do_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char       marker[FG_FUNCTION_NAME_MAX + 1], next[FG_FUNCTION_NAME_MAX + 1];
    unsigned   max_items;
    fgd_fn_t  *fns = NULL;
    size_t     n = 0;

    if (fgd_list_query(q->query, marker, sizeof(marker), &max_items, r)
        != 0)
        return -1;
    if (fgd_store_list(q, marker, max_items, &fns, &n, next, sizeof(next),
            r) != 0)
        return -1;
    return fgd_answer_list(q, fgd_json_list_functions, fns, n, next, r);
}

/* This fngated's cached bounds of the caller's function, and overrides
 * of the caller's alias, are forgotten when they change (fngated_cache). */
static void
fgd_forget_bounds(const fgd_req_t *q)
{
    char  key[FGD_CACHE_KEY_MAX];

    fgd_cache_key_bounds(key, sizeof(key), q->caller, q->function);
    fgd_cache_forget(key);
}

static void
fgd_forget_overrides(const fgd_req_t *q, const char *alias)
{
    char  arn[512], key[FGD_CACHE_KEY_MAX];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        alias);
    fgd_cache_key_overrides(key, sizeof(key), arn);
    fgd_cache_forget(key);
}

static int
fgd_do_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (q->qualifier[0] != '\0') {
        if (strcmp(q->qualifier, "$LATEST") == 0)
            return fgd_error(r, 400, "InvalidParameterValueException",
                "$LATEST version cannot be deleted without deleting the "
                "function.");
        if (!fg_version_valid(q->qualifier, strlen(q->qualifier)))
            return fgd_error(r, 400, "InvalidParameterValueException",
                "Deletion of aliases is not supported by DeleteFunction; "
                "use DeleteAlias");
        if (fgd_store_delete_version(q, q->function, q->qualifier, r) != 0)
            return -1;
        fgd_log("info", q->request_id, "deleted %s:%s:%s", q->caller,
            q->function, q->qualifier);
        fgd_pool_forget(q->caller, q->function, q->qualifier);
        r->status = 204;
        return 0;
    }
    if (fgd_store_delete(q, q->function, r) != 0)
        return -1;
    fgd_forget_bounds(q);
    fgd_pool_forget(q->caller, q->function, NULL);
    fgd_log("info", q->request_id, "deleted %s:%s", q->caller, q->function);
    r->status = 204;
    return 0;
}

/* The calls on a whole function take no qualifier. */
static int
fgd_no_qualifier(const fgd_req_t *q, fgd_resp_t *r)
{
    if (q->qualifier[0] == '\0')
        return 0;
    return fgd_error(r, 400, "InvalidParameterValueException",
        "%s does not take a qualifier; name the function without one",
        q->action);
}

/* Answers with version (of q->function) as FunctionConfiguration. */
static int
fgd_reply_version(const fgd_req_t *q, const char *version, int status,
    fgd_resp_t *r)
{
    fgd_fn_t  fn;
    int       rc;

    if (fgd_store_get_version(q, q->caller, q->function, version, &fn, r)
        != 0)
        return -1;
    rc = fgd_json_function_config(&fn, q->region, q->caller, &r->body,
        &r->body_len);
    fgd_fn_clear(&fn);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = status;
    return 0;
}

static int
fgd_do_publish(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_publish_t  p;
    char           version[FGD_VERSION_LEN];
    bool           created;

    if (fgd_no_qualifier(q, r) != 0 ||
        fgd_publish_parse(q->body, q->body_len, &p, r) != 0 ||
        fgd_store_publish(q, q->function, &p, version, &created, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "%s %s:%s version %s", created
        ? "published" : "unchanged since", q->caller, q->function, version);
    return fgd_reply_version(q, version, 201, r);
}

static int
fgd_do_list_versions(const fgd_req_t *q, fgd_resp_t *r)
{
    char       marker[FGD_VERSION_LEN], next[FGD_VERSION_LEN];
    unsigned   max_items;
    fgd_fn_t  *fns = NULL;
    size_t     n = 0;

    if (fgd_no_qualifier(q, r) != 0 ||
        fgd_versions_query(q->query, marker, sizeof(marker), &max_items, r)
            != 0 ||
        fgd_store_list_versions(q, q->function, marker, max_items, &fns, &n,
            next, sizeof(next), r) != 0)
        return -1;
    return fgd_answer_list(q, fgd_json_list_versions, fns, n, next, r);
}

static int
fgd_do_update_code(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_create_t  c;
    fgd_fn_t      fn;
    char          want[37], version[FGD_VERSION_LEN] = "$LATEST";
    bool          created;
    int           rc = -1;

    if (fgd_no_qualifier(q, r) != 0 ||
        fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
        return -1;
    fgd_limits(&lim);
    if (fgd_update_code_parse(q->body, q->body_len, &lim, fn.runtime,
            fn.handler, &c, want, r) != 0)
        goto cleanup;
    if (want[0] != '\0' && strcmp(want, fn.revision_id) != 0) {
        fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
        goto cleanup;
    }
    if (fgd_store_update_code(q, q->function, fn.sha256, &c, want, r) != 0)
        goto cleanup;
    fgd_log("info", q->request_id, "updated code of %s:%s: sha256 %s",
        q->caller, q->function, c.fn.sha256);
    fgd_pool_forget(q->caller, q->function, "$LATEST");
    if (c.publish) {
        fgd_publish_t  p;

        memset(&p, 0, sizeof(p));
        if (fgd_store_publish(q, q->function, &p, version, &created, r)
            != 0)
            goto cleanup;
    }
    rc = fgd_reply_version(q, version, 200, r);

cleanup:
    fgd_create_clear(&c);
    fgd_fn_clear(&fn);
    return rc;
}

static int
fgd_do_update_config(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_limits_t  lim;
    fgd_fn_t      fn;
    char          want[37], read_rev[37], runtime[sizeof(fn.runtime)];
    char          handler[sizeof(fn.handler)];
    uint8_t      *zip = NULL;
    size_t        zip_len;
    int           rc = -1;

    if (fgd_no_qualifier(q, r) != 0 ||
        fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
        return -1;
    snprintf(read_rev, sizeof(read_rev), "%s", fn.revision_id);
    snprintf(runtime, sizeof(runtime), "%s", fn.runtime);
    snprintf(handler, sizeof(handler), "%s", fn.handler);
    fgd_limits(&lim);
    if (fgd_update_config_parse(q->body, q->body_len, &lim, &fn, want, r)
        != 0)
        goto cleanup;
    /* Another runtime or handler must find what it needs in the code. */
    if ((strcmp(runtime, fn.runtime) != 0 ||
         strcmp(handler, fn.handler) != 0) &&
        (fgd_store_code(q, q->caller, fn.sha256, &zip, &zip_len, r) != 0 ||
         fgd_zip_check(zip, zip_len, fn.runtime, fn.handler,
             lim.max_unzipped, r) != 0))
        goto cleanup;
    if (want[0] != '\0' && strcmp(want, read_rev) != 0) {
        fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
        goto cleanup;
    }
    if (fgd_store_update_config(q, &fn, read_rev, r) != 0)
        goto cleanup;
    fgd_log("info", q->request_id, "updated configuration of %s:%s",
        q->caller, q->function);
    fgd_pool_forget(q->caller, q->function, "$LATEST");
    if (fgd_json_function_config(&fn, q->region, q->caller, &r->body,
            &r->body_len) != 0) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    r->status = 200;
    rc = 0;

cleanup:
    free(zip);
    fgd_fn_clear(&fn);
    return rc;
}

static int
fgd_reply_alias(const fgd_req_t *q, const fgd_alias_t *a, int status,
    fgd_resp_t *r)
{
    if (fgd_json_alias(a, q->region, q->caller, q->function, &r->body,
            &r->body_len) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = status;
    return 0;
}

static int
fgd_do_create_alias(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_req_t  a;

    if (fgd_no_qualifier(q, r) != 0 ||
        fgd_alias_parse(q->body, q->body_len, true, &a, r) != 0 ||
        fgd_alias_check(&a.a, r) != 0 ||
        (a.a.target[0] != '\0' && fgd_store_xalias_check(q, &a.a, r) != 0))
        return -1;
    /* the module leaves this check to us: a cross-account alias needs no
     * function of the caller, an ordinary one does */
    if (a.a.target[0] == '\0') {
        fgd_fn_t fn;
        if (fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
            return -1;
        fgd_fn_clear(&fn);
    }
    fgd_revision_new(a.a.revision_id);
    if (fgd_store_alias_put(q, q->function, &a.a, NULL, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "alias %s:%s:%s -> %s", q->caller,
        q->function, a.a.name,
        a.a.target[0] != '\0' ? a.a.target : a.a.version);
    return fgd_reply_alias(q, &a.a, 201, r);
}

static int
fgd_do_get_alias(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t  a;

    if (fgd_store_alias_get(q, q->caller, q->function, q->qualifier, &a, r)
        != 0)
        return -1;
    return fgd_reply_alias(q, &a, 200, r);
}

static int
fgd_do_update_alias(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_req_t  u;
    fgd_alias_t      a;
    char             read_rev[37];

    if (fgd_alias_parse(q->body, q->body_len, false, &u, r) != 0 ||
        fgd_store_alias_get(q, q->caller, q->function, q->qualifier, &a, r)
            != 0)
        return -1;
    if (u.want_revision[0] != '\0' &&
        strcmp(u.want_revision, a.revision_id) != 0)
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetFunction/GetAlias API to retrieve the latest "
            "Revision Id");
    snprintf(read_rev, sizeof(read_rev), "%s", a.revision_id);
    fgd_alias_merge(&a, &u);
    if (fgd_alias_check(&a, r) != 0 ||
        (a.target[0] != '\0' && fgd_store_xalias_check(q, &a, r) != 0))
        return -1;
    fgd_revision_new(a.revision_id);
    if (fgd_store_alias_put(q, q->function, &a, read_rev, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "alias %s:%s:%s -> %s", q->caller,
        q->function, a.name, a.target[0] != '\0' ? a.target : a.version);
    return fgd_reply_alias(q, &a, 200, r);
}

static int
fgd_do_delete_alias(const fgd_req_t *q, fgd_resp_t *r)
{
    if (fgd_store_alias_delete(q, q->function, q->qualifier, r) != 0)
        return -1;
    fgd_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "deleted alias %s:%s:%s", q->caller,
        q->function, q->qualifier);
    r->status = 204;
    return 0;
}

static int
fgd_do_list_aliases(const fgd_req_t *q, fgd_resp_t *r)
{
    char          marker[FG_QUALIFIER_MAX + 1], next[FG_QUALIFIER_MAX + 1];
    char          version[FGD_VERSION_LEN];
    unsigned      max_items;
    fgd_alias_t  *as = NULL;
    size_t        n = 0;
    int           rc;

    if (fgd_no_qualifier(q, r) != 0 ||
        fgd_aliases_query(q->query, marker, sizeof(marker), &max_items,
            version, r) != 0)
        return -1;
    if (fgd_store_list_aliases(q, q->function, marker, max_items, version,
            &as, &n, next, sizeof(next), r) != 0)
        return -1;
    /* An unknown function is 404, not an empty list; a name that only
     * cross-account aliases use is not a function but has aliases. */
    if (n == 0) {
        fgd_fn_t fn;
        free(as);
        if (fgd_store_get(q, q->caller, q->function, &fn, r) != 0)
            return -1;
        fgd_fn_clear(&fn);
        as = NULL;
    }
    rc = fgd_json_list_aliases(as, n, next, q->region, q->caller,
        q->function, &r->body, &r->body_len);
    free(as);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

/* AddPermission: the statement names the function (and qualifier) the
 * policy is of. */
static int
fgd_do_add_permission(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_permission_t  p;
    char             *st = NULL, revision[37];
    size_t            st_len;
    int               rc;

    if (fgd_permission_parse(q->body, q->body_len, &p, r) != 0)
        return -1;
    if (fgd_json_statement(&p, q->region, q->caller, q->function,
            q->qualifier, &st, &st_len) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    rc = fgd_store_permission_add(q, &p, st, revision, r);
    if (rc == 0) {
        fgd_log("info", q->request_id, "policy %s:%s%s%s grants %s %s (%s)",
            q->caller, q->function, q->qualifier[0] ? ":" : "",
            q->qualifier, p.principal, p.action, p.sid);
        if (fgd_json_add_permission(st, &r->body, &r->body_len) != 0)
            rc = fgd_error(r, 500, "ServiceException", "out of memory");
        else
            r->status = 201;
    }
    free(st);
    return rc;
}

/* RemovePermission: the statement id is the path's last segment, read
 * with the module's own parser. */
static int
fgd_do_remove_permission(const fgd_req_t *q, const char *method,
    const char *uri, fgd_resp_t *r)
{
    fg_route_t   rt;
    const char  *qm;
    char         want[64];
    int          got;

    qm = strchr(uri, '?');
    if (fg_route_parse(method, strlen(method), uri,
            qm ? (size_t) (qm - uri) : strlen(uri), qm ? qm + 1 : "",
            qm ? strlen(qm + 1) : 0, &rt) != FG_ROUTE_OK ||
        rt.action != FG_ACTION_REMOVE_PERMISSION)
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The statement id of the request is not valid");
    want[0] = '\0';
    got = fg_query_get(q->query, strlen(q->query), "RevisionId", want,
        sizeof(want));
    if (got < 0 || strlen(want) > 36)
        return fgd_error(r, 412, "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision "
            "Id. Call the GetPolicy API to retrieve the latest Revision Id");
    if (got == 0)
        want[0] = '\0';
    if (fgd_store_permission_remove(q, rt.statement_id, want, r) != 0)
        return -1;
    fgd_log("info", q->request_id, "policy %s:%s%s%s lost %s", q->caller,
        q->function, q->qualifier[0] ? ":" : "", q->qualifier,
        rt.statement_id);
    r->status = 204;
    return 0;
}

static int
fgd_do_get_policy(const fgd_req_t *q, fgd_resp_t *r)
{
    char    **st, revision[37];
    size_t    n, i;
    int       rc;

    if (fgd_store_policy_get(q, &st, &n, revision, r) != 0)
        return -1;
    rc = fgd_json_policy((const char *const *) st, n, revision, &r->body,
        &r->body_len);
    for (i = 0; i < n; i++)
        free(st[i]);
    free(st);
    if (rc != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

/* The bounds as GetExecutionBounds / PutExecutionBounds answer them. */
static int
fgd_reply_bounds(const fgd_req_t *q, const fgd_bounds_t *b, fgd_resp_t *r)
{
    char  arn[512];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        "");
    if (fgd_json_bounds(b, arn, &r->body, &r->body_len) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    r->status = 200;
    return 0;
}

/* Get/Put/DeleteExecutionBounds: what other accounts' aliases of the
 * caller's function may change (a GET without bounds shows the
 * defaults). */
static int
fgd_do_bounds(const fgd_req_t *q, fg_action_t action, fgd_resp_t *r)
{
    fgd_bounds_t  b;
    char         *json = NULL;
    int           rc;

    if (fgd_no_qualifier(q, r) != 0)
        return -1;
    if (action == FG_ACTION_GET_EXECUTION_BOUNDS) {
        if (fgd_store_bounds_get(q, q->caller, q->function, &b, r) != 0)
            return -1;
        return fgd_reply_bounds(q, &b, r);
    }
    if (action == FG_ACTION_DELETE_EXECUTION_BOUNDS) {
        if (fgd_store_bounds_put(q, q->function, "", r) != 0)
            return -1;
        fgd_forget_bounds(q);
        fgd_log("info", q->request_id, "bounds of %s:%s dropped", q->caller,
            q->function);
        r->status = 204;
        return 0;
    }
    if (fgd_bounds_parse(q->body, q->body_len, q->conf->max_memory_mb, &b,
            r) != 0)
        return -1;
    if (fgd_json_bounds(&b, NULL, &json, NULL) != 0)
        return fgd_error(r, 500, "ServiceException", "out of memory");
    rc = fgd_store_bounds_put(q, q->function, json, r);
    fgd_forget_bounds(q);
    if (rc == 0)
        fgd_log("info", q->request_id, "bounds of %s:%s: %s", q->caller,
            q->function, json);
    free(json);
    return rc == 0 ? fgd_reply_bounds(q, &b, r) : -1;
}

/*
 * Get/Put/DeleteAliasOverrides on the caller's cross-account alias.  A
 * PUT is checked as UpdateAlias checks the alias (granted, target there,
 * no chain) and against the target owner's bounds of the moment.
 */
static int
fgd_do_overrides(const fgd_req_t *q, fg_action_t action, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur, o = { 0 };
    fgd_bounds_t     b;
    fgd_fn_t         target;
    fg_route_t       t;
    char             arn[512], rev[37], *json = NULL;
    int              rc = -1;

    memset(&target, 0, sizeof(target));
    if (fgd_store_alias_read(q, q->caller, q->function, q->qualifier, &a,
            &cur, r) != 0)
        return -1;
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        q->qualifier);
    if (a.target[0] == '\0') {
        fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s is not a cross-account alias", arn);
        goto cleanup;
    }
    if (action == FG_ACTION_GET_ALIAS_OVERRIDES) {
        if (fgd_json_overrides(&cur, arn, a.revision_id, &r->body,
                &r->body_len) != 0) {
            fgd_error(r, 500, "ServiceException", "out of memory");
            goto cleanup;
        }
        r->status = 200;
        rc = 0;
        goto cleanup;
    }
    fgd_revision_new(rev);
    if (action == FG_ACTION_DELETE_ALIAS_OVERRIDES) {
        if (fgd_store_overrides_put(q, q->function, q->qualifier,
                a.revision_id, "", rev, r) != 0)
            goto cleanup;
        fgd_forget_overrides(q, q->qualifier);
        fgd_log("info", q->request_id, "overrides of %s dropped", arn);
        r->status = 204;
        rc = 0;
        goto cleanup;
    }
    if (fgd_overrides_parse(q->body, q->body_len, q->conf->max_memory_mb,
            &o, r) != 0 ||
        fgd_store_xalias_check(q, &a, r) != 0)
        goto cleanup;
    if (fg_alias_target_parse(a.target, strlen(a.target), &t)
        != FG_TARGET_OK) {
        fgd_error(r, 500, "ServiceException", "The alias's target is "
            "unreadable");
        goto cleanup;
    }
    if (fgd_store_bounds_get(q, t.account, t.function, &b, r) != 0 ||
        fgd_store_resolve(q, t.account, t.function, t.qualifier, false,
            &target, r) != 0 ||
        fgd_overrides_allowed(&o, &b, &target, a.target, r) != 0)
        goto cleanup;
    if (fgd_json_overrides(&o, NULL, NULL, &json, NULL) != 0) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    if (fgd_store_overrides_put(q, q->function, q->qualifier, a.revision_id,
            json, rev, r) != 0)
        goto cleanup;
    fgd_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "overrides of %s: %s", arn, json);
    if (fgd_json_overrides(&o, arn, rev, &r->body, &r->body_len) != 0) {
        fgd_error(r, 500, "ServiceException", "out of memory");
        goto cleanup;
    }
    r->status = 200;
    rc = 0;

cleanup:
    free(json);
    fgd_overrides_clear(&cur);
    fgd_overrides_clear(&o);
    fgd_fn_clear(&target);
    return rc;
}

static void
fgd_handle(FCGX_Request *req, redisContext **redis)
{
    fgd_req_t           q;
    fgd_resp_t          r;
    fg_action_t         action;
    char                rid[37], *body = NULL;
    size_t              body_len = 0;
    struct timespec     t0, t1;
    unsigned long long  avail;
    bool                billed = false;
    int                 rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&q, 0, sizeof(q));
    memset(&r, 0, sizeof(r));
    q.conf = &fgd_conf;
    q.redis = redis;

    q.request_id = fgd_param(req, "FNGATE_REQUEST_ID");
    if (!fgd_request_id_ok(q.request_id)) {
        uint8_t rnd[16] = { 0 };
        if (RAND_bytes(rnd, sizeof(rnd)) != 1)
            memcpy(rnd, &t0, sizeof(t0) < 16 ? sizeof(t0) : 16);
        fgd_uuid_format(rnd, rid);
        q.request_id = rid;
    }
    q.action = fgd_param(req, "FNGATE_ACTION");
    q.caller = fgd_param(req, "FNGATE_CALLER");
    q.owner = fgd_param(req, "FNGATE_OWNER");
    q.function = fgd_param(req, "FNGATE_FUNCTION");
    q.qualifier = fgd_param(req, "FNGATE_QUALIFIER");
    q.billing = fgd_param(req, "FNGATE_BILLING_ACCOUNT");
    q.pool_key = fgd_param(req, "FNGATE_POOL_KEY");
    q.region = fgd_param(req, "FNGATE_REGION");
    q.alias = fgd_param(req, "FNGATE_ALIAS");
    q.log_type = fgd_param(req, "FNGATE_LOG_TYPE");
    q.invocation_type = fgd_param(req, "FNGATE_INVOCATION_TYPE");
    q.query = fgd_param(req, "QUERY_STRING");
    if (!fg_region_valid(q.region, strlen(q.region)))
        q.region = fgd_conf.region;

    action = fg_action_from_name(q.action);
    if (action == FG_ACTION_NONE) {
        fgd_error(&r, 404, "ResourceNotFoundException",
            "Unknown operation \"%.40s\"", q.action);
        goto done;
    }

    if (!fg_account_valid(q.caller, strlen(q.caller))) {
        fgd_error(&r, 403, "AccessDeniedException",
            "The request carries no authenticated caller");
        goto done;
    }
    if (q.owner[0] == '\0')
        q.owner = q.caller;
    if (!fg_account_valid(q.owner, strlen(q.owner))) {
        fgd_error(&r, 403, "AccessDeniedException",
            "The request names an invalid function owner");
        goto done;
    }
    if (action != FG_ACTION_LIST_FUNCTIONS &&
        action != FG_ACTION_CREATE_FUNCTION &&
        !fgd_apis_management(action) &&
        !fg_function_name_valid(q.function, strlen(q.function))) {
        fgd_error(&r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%.100s' at 'functionName' "
            "failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [a-zA-Z0-9-_]{1,64}", q.function);
        goto done;
    }
    if (q.qualifier[0] != '\0' &&
        !fg_qualifier_valid(q.qualifier, strlen(q.qualifier))) {
        fgd_error(&r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%.130s' at 'qualifier' "
            "failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: (|[a-zA-Z0-9$_-]+)", q.qualifier);
        goto done;
    }
    /* Management calls act on the caller's own functions only; another
     * account's code and settings are never shown (DESIGN.md).  The
     * module let through only what the owner's policy grants: Invoke, and
     * GetFunction / GetFunctionConfiguration (answered without the code's
     * location). */
    if (action != FG_ACTION_INVOKE &&
        action != FG_ACTION_INVOKE_API &&
        action != FG_ACTION_GET_FUNCTION &&
        action != FG_ACTION_GET_FUNCTION_CONFIGURATION &&
        strcmp(q.owner, q.caller) != 0) {
        char arn[256];
        fg_function_arn(arn, sizeof(arn), q.region, q.owner, q.function, "");
        fgd_error(&r, 403, "AccessDeniedException",
            "User: %s is not authorized to perform: lambda:%s on "
            "resource: %s", q.caller, q.action, arn);
        goto done;
    }

    rc = fgd_read_body(req, fgd_body_limit(action), &body, &body_len);
    if (rc == 1) {
        fgd_error(&r, 413, "RequestTooLargeException",
            "Request must be smaller than %zu bytes for the %s operation",
            fgd_body_limit(action),
            action == FG_ACTION_INVOKE ? "InvokeFunction" : q.action);
        goto done;
    }
    if (rc != 0) {
        fgd_error(&r, 400, "InvalidRequestContentException",
            "The request body could not be read");
        goto done;
    }
    q.body = body;
    q.body_len = body_len;

    billed = action == FG_ACTION_INVOKE || action == FG_ACTION_INVOKE_API;
    if (billed && !fgd_billing_log_room(&fgd_conf, &avail)) {
        fgd_log("error", q.request_id, "the billing log's file system (%s) "
            "has %llu bytes free, under billing_log_reserve %zu: call "
            "refused", fgd_conf.billing_log, avail,
            fgd_conf.billing_log_reserve);
        fgd_error(&r, 503, "ServiceException", "The billing log can not "
            "be written; the call was not run");
        goto done;
    }

    switch (action) {
    case FG_ACTION_CREATE_FUNCTION: fgd_do_create(&q, &r); break;
    case FG_ACTION_LIST_FUNCTIONS:  fgd_do_list(&q, &r);   break;
    case FG_ACTION_GET_FUNCTION:    fgd_do_get(&q, &r, false); break;
    case FG_ACTION_DELETE_FUNCTION: fgd_do_delete(&q, &r); break;
    case FG_ACTION_INVOKE:          fgd_invoke(&q, &r);    break;
    case FG_ACTION_PUBLISH_VERSION: fgd_do_publish(&q, &r); break;
    case FG_ACTION_LIST_VERSIONS:   fgd_do_list_versions(&q, &r); break;
    case FG_ACTION_GET_FUNCTION_CONFIGURATION:
        fgd_do_get(&q, &r, true);
        break;
    case FG_ACTION_UPDATE_FUNCTION_CODE:
        fgd_do_update_code(&q, &r);
        break;
    case FG_ACTION_UPDATE_FUNCTION_CONFIGURATION:
        fgd_do_update_config(&q, &r);
        break;
    case FG_ACTION_CREATE_ALIAS:    fgd_do_create_alias(&q, &r); break;
    case FG_ACTION_LIST_ALIASES:    fgd_do_list_aliases(&q, &r); break;
    case FG_ACTION_GET_ALIAS:       fgd_do_get_alias(&q, &r); break;
    case FG_ACTION_UPDATE_ALIAS:    fgd_do_update_alias(&q, &r); break;
    case FG_ACTION_DELETE_ALIAS:    fgd_do_delete_alias(&q, &r); break;
    case FG_ACTION_ADD_PERMISSION:  fgd_do_add_permission(&q, &r); break;
    case FG_ACTION_REMOVE_PERMISSION:
        fgd_do_remove_permission(&q, fgd_param(req, "REQUEST_METHOD"),
            fgd_param(req, "REQUEST_URI"), &r);
        break;
    case FG_ACTION_GET_POLICY:      fgd_do_get_policy(&q, &r); break;
    case FG_ACTION_GET_EXECUTION_BOUNDS:
    case FG_ACTION_PUT_EXECUTION_BOUNDS:
    case FG_ACTION_DELETE_EXECUTION_BOUNDS:
        fgd_do_bounds(&q, action, &r);
        break;
    case FG_ACTION_GET_ALIAS_OVERRIDES:
    case FG_ACTION_PUT_ALIAS_OVERRIDES:
    case FG_ACTION_DELETE_ALIAS_OVERRIDES:
        fgd_do_overrides(&q, action, &r);
        break;
    default:
        if (fgd_apis_action(action))
            fgd_apis_handle(action, &q, fgd_param_of, req, &r);
        break;
    }

    /* The disk filled while the call ran: its line would be lost, so the
     * result is withheld and the call is not billed. */
    if (billed && r.status != 0 && r.status < 500 &&
        !fgd_billing_log_room(&fgd_conf, &avail)) {
        fgd_log("error", q.request_id, "the billing log's file system (%s) "
            "has %llu bytes free, under billing_log_reserve %zu: the "
            "call's result (status %d) is withheld", fgd_conf.billing_log,
            avail, fgd_conf.billing_log_reserve, r.status);
        fgd_resp_free(&r);
        fgd_error(&r, 503, "ServiceException", "The billing log can not "
            "be written; the call ran, its result is not returned and it "
            "is not billed");
    }

done:
    if (r.status == 0)
        fgd_error(&r, 500, "ServiceException", "no response was made");
    if (q.function[0] == '\0' && q.name[0] != '\0')
        q.function = q.name;
    fgd_send(req, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    {
        double ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 +
                    (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (r.error_type != NULL)
            fgd_log(r.status >= 500 ? "error" : "warn", q.request_id,
                "%s caller=%s owner=%s function=%s status=%d %s: %s "
                "(%.1f ms)", q.action[0] ? q.action : "-", q.caller,
                q.owner ? q.owner : "", q.function, r.status, r.error_type,
                r.message, ms);
        else
            fgd_log("info", q.request_id,
                "%s caller=%s owner=%s function=%s status=%d%s%s (%.1f ms)",
                q.action, q.caller, q.owner, q.function, r.status,
                r.function_error ? " function_error=" : "",
                r.function_error ? r.message : "", ms);
    }
    free(body);
    fgd_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Threads and process                                                   */

static void *
fgd_worker(void *arg)
{
    FCGX_Request   req;
    redisContext  *redis = NULL;

    (void) arg;
    if (FCGX_InitRequest(&req, fgd_listen_fd, FCGI_FAIL_ACCEPT_ON_INTR)
        != 0) {
        fgd_log("error", NULL, "FCGX_InitRequest failed");
        return NULL;
    }
    while (!fgd_stopping) {
        int rc;

        /* libfcgi's accept is not documented thread-safe: serialise it,
         * as its own threaded example does. */
        pthread_mutex_lock(&fgd_accept_lock);
        rc = fgd_stopping ? -1 : FCGX_Accept_r(&req);
        pthread_mutex_unlock(&fgd_accept_lock);
        if (rc < 0) {
            if (fgd_stopping)
                break;
            /* accept failed (EMFILE, ENOMEM, ...): the thread stays, the
             * process must not slowly lose all its workers. */
            fgd_log("error", NULL, "accept: %s; retrying in 1 s",
                strerror(-rc > 0 ? -rc : EIO));
            sleep(1);
            continue;
        }
        fgd_handle(&req, &redis);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 0);
    if (redis != NULL)
        redisFree(redis);
    return NULL;
}

static int
fgd_open_listen(const char *listen, char *err, size_t err_size)
{
    int fd;

    if (strncmp(listen, "unix:", 5) == 0) {
        const char  *path = listen + 5;
        struct stat  st;

        /* A socket left by a run that did not stop cleanly. */
        if (lstat(path, &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                snprintf(err, err_size, "%s exists and is not a socket",
                    path);
                return -1;
            }
            unlink(path);
        }
        fd = FCGX_OpenSocket(path, 128);
        if (fd < 0) {
            snprintf(err, err_size, "can not listen on %s: %s", path,
                strerror(errno));
            return -1;
        }
        /* nginx workers (www-data on Debian) must be able to connect. */
        if (chmod(path, 0666) != 0) {
            snprintf(err, err_size, "chmod %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
    } else {
        fd = FCGX_OpenSocket(listen, 128);
        if (fd < 0) {
            snprintf(err, err_size, "can not listen on %s: %s", listen,
                strerror(errno));
            return -1;
        }
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

int
main(int argc, char **argv)
{
    char         err[512];
    pthread_t   *threads;
    sigset_t     sigs;
    unsigned     i, started = 0;
    int          sig = 0, rc;

    /* -c, -o and the command modes (fngated_cli.c) */
    rc = fgd_cli(argc, argv, &fgd_conf);
    if (rc != FGD_CLI_SERVE)
        return rc;

    /* Every thread inherits this mask; signals are taken by sigwait. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (FCGX_Init() != 0) {
        fprintf(stderr, "fngated: FCGX_Init failed\n");
        return 1;
    }
    fgd_listen_fd = fgd_open_listen(fgd_conf.listen, err, sizeof(err));
    if (fgd_listen_fd < 0) {
        fprintf(stderr, "fngated: %s\n", err);
        fgd_conf_free(&fgd_conf);
        return 1;
    }

    fgd_pool_start(&fgd_conf);

    threads = calloc(fgd_conf.threads, sizeof(*threads));
    if (threads == NULL) {
        fprintf(stderr, "fngated: out of memory\n");
        return 1;
    }
    for (i = 0; i < fgd_conf.threads; i++) {
        if (pthread_create(&threads[i], NULL, fgd_worker, NULL) != 0) {
            fgd_log("error", NULL, "pthread_create: %s", strerror(errno));
            break;
        }
        started++;
    }
    if (started == 0) {
        fgd_pool_stop();
        return 1;
    }
    fgd_log("info", NULL, "listening on %s, %u threads, redis %s, region %s",
        fgd_conf.listen, started, fgd_conf.redis, fgd_conf.region);

    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            fgd_log("info", NULL, "SIGHUP ignored (restart to reload)");
            continue;
        }
        break;
    }
    fgd_log("info", NULL, "signal %d: stopping; calls in flight finish",
        sig);

    /* Wake the threads blocked in accept(): shutdown on a listening
     * socket makes accept fail, and no new connection is taken. */
    fgd_stopping = 1;
    FCGX_ShutdownPending();
    shutdown(fgd_listen_fd, SHUT_RDWR);
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    close(fgd_listen_fd);
    if (strncmp(fgd_conf.listen, "unix:", 5) == 0)
        unlink(fgd_conf.listen + 5);

    fgd_pool_stop();
    fgd_cli_exit(&fgd_conf);
    fgd_log("info", NULL, "stopped");
    fgd_conf_free(&fgd_conf);
    return 0;
}
