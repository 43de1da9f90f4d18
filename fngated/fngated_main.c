/*
 * fngated_main: fngate's FastCGI backend: the process, its threads and
 * the FastCGI I/O of one call (fngated_dispatch.c runs it).
 *
 *   fngated -c FILE [-o key=value]...   (fngated_cli.c: the options, and
 *                                       the command modes)
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
 * the pool's guests, remove the unix socket and the pid file, exit 0.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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
#include "fngated_async.h"
#include "fngated_billship.h"
#include "fngated_esm.h"
#include "fngated_json.h"
#include "fngated_cli.h"
#include "fngated_dispatch.h"
#include "fngated_pool.h"
#include "fngated_log.h"
#include "fngated_provisioned.h"
#include "fngated_redis.h"
#include "fngated_req.h"

static fgd_conf_t        fgd_conf;
static int               fgd_listen_fd = -1;
static volatile int      fgd_stopping;
static pthread_mutex_t   fgd_accept_lock = PTHREAD_MUTEX_INITIALIZER;


/* ------------------------------------------------------------------ */
/* One request                                                           */

static const char *
fgd_param(FCGX_Request *req, const char *name)
{
    const char *v = FCGX_GetParam(name, req->envp);
    return v != NULL ? v : "";
}

/* fgd_param as an fgd_param_pt (InvokeApi reads its params with it) */
static const char *
fgd_param_of(void *req, const char *name)
{
    return fgd_param(req, name);
}

static bool
fgd_request_id_ok(const char *v)
{
    size_t i, n = strlen(v);

    if (n == 0 || n > 64) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')
              || (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
        {
            return false;
        }
    }
    return true;
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
        if (errno != 0 || *end != '\0' || cl[0] == '-') {
            return -1;
        }
        if (n > limit) {
            return 1;
        }
        want = (size_t) n;
    } else {
        want = limit + 1;
    }
    cap = (cl != NULL && cl[0] != '\0') ? want : 65536;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        return -1;
    }
    for (;;) {
        int n;

        if (got == cap) {
            char *nb;
            if (cap >= want) {
                break;
            }
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
        if (n <= 0) {
            break;
        }
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
    if (r->status != 204 && r->status != 304) {
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "Content-Type: %.256s\r\nContent-Length: %zu\r\n",
            r->content_type ? r->content_type : "application/json",
            r->body ? r->body_len : 0);
    }
    if (r->error_type != NULL && !r->error_header_off) {
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "x-amzn-ErrorType: %s\r\n", r->error_type);
    }
    if (r->error_type != NULL
        && strcmp(r->error_type, "TooManyRequestsException") == 0)
    {
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "Retry-After: 1\r\n");
    }
    if (r->function_error != NULL) {
        n += snprintf(head + n, sizeof(head) - (size_t) n,
            "X-Amz-Function-Error: %s\r\n", r->function_error);
    }
    FCGX_PutS(head, req->out);
    if (r->headers != NULL) {
        FCGX_PutS(r->headers, req->out);
    }
    FCGX_PutS("\r\n", req->out);
    if (r->status != 204 && r->status != 304 && r->body != NULL
        && r->body_len > 0)
    {
        size_t off = 0;
        while (off < r->body_len) {
            size_t chunk = r->body_len - off;
            if (chunk > (1u << 30)) {
                chunk = 1u << 30;
            }
            if (FCGX_PutStr(r->body + off, (int) chunk, req->out) < 0) {
                break;
            }
            off += chunk;
        }
    }
}

/* "InvokeFunction" for Invoke: the operation as errors name it. */
static const char *
fgd_operation(fg_action_t a)
{
    const char  *iam = fg_action_info(a)->iam;
    const char  *colon = strchr(iam, ':');

    return colon != NULL ? colon + 1 : iam;
}

static void
fgd_handle(FCGX_Request *req, fgd_redis_t **redis)
{
    fgd_req_t           q;
    fgd_resp_t          r;
    char                rid[37], name[FG_FUNCTION_NAME_MAX + 1] = "";
    char               *body = NULL;
    const char         *depth;
    size_t              body_len = 0, limit;
    uint64_t            u;
    struct timespec     t0, t1;
    int                 rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&q, 0, sizeof(q));
    memset(&r, 0, sizeof(r));
    q.conf = &fgd_conf;
    q.redis = redis;
    q.name = name;

    q.request_id = fgd_param(req, "FNGATE_REQUEST_ID");
    if (!fgd_request_id_ok(q.request_id)) {
        uint8_t rnd[16] = { 0 };
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            memcpy(rnd, &t0, sizeof(t0) < 16 ? sizeof(t0) : 16);
        }
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
    q.event = fgd_param(req, "FNGATE_EVENT");
    q.role = fgd_param(req, "FNGATE_ROLE");
    q.root_id = fgd_param(req, "FNGATE_ROOT_REQUEST_ID");
    q.session = fgd_param(req, "FNGATE_SESSION");
    if (q.root_id[0] == '\0') {
        q.root_id = q.request_id;
    }
    depth = fgd_param(req, "FNGATE_CHAIN_DEPTH");
    if (!fgd_parse_u64(depth, strlen(depth), &u) || u < 1 || u > 1000) {
        u = 1;
    }
    q.depth = (unsigned) u;
    q.deadline = fgd_param(req, "FNGATE_DEADLINE");
    q.query = fgd_param(req, "QUERY_STRING");
    q.method = fgd_param(req, "REQUEST_METHOD");
    q.uri = fgd_param(req, "REQUEST_URI");
    q.param = fgd_param_of;
    q.param_req = req;
    if (!fg_region_valid(q.region, strlen(q.region))) {
        q.region = fgd_conf.region;
    }

    if (fgd_dispatch_check(&q, &r) != 0) {
        goto done;
    }

    limit = fgd_dispatch_body_limit(&fgd_conf, q.action_id);
    rc = fgd_read_body(req, limit, &body, &body_len);
    if (rc == 1) {
        fgd_error(&r, 413, "RequestTooLargeException",
            "Request must be smaller than %zu bytes for the %s operation",
            limit, fgd_operation(q.action_id));
        goto done;
    }
    if (rc != 0) {
        fgd_error(&r, 400, "InvalidRequestContentException",
            "The request body could not be read");
        goto done;
    }
    q.body = body;
    q.body_len = body_len;

    fgd_dispatch(&q, &r);

done:
    if (r.status == 0) {
        fgd_error(&r, 500, "ServiceException", "no response was made");
    }
    if (q.function[0] == '\0' && name[0] != '\0') {
        q.function = name;
    }
    fgd_send(req, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    {
        double ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 +
                    (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (r.error_type != NULL) {
            /* a deadline the call could not meet is the caller's choice,
             * not the service's failure */
            fgd_log(r.status >= 500
                    && strcmp(r.error_type, "DeadlineExceededException") != 0
                    ? "error" : "warn", q.request_id,
                "%s caller=%s owner=%s function=%s status=%d %s: %s "
                "(%.1f ms)", q.action[0] ? q.action : "-", q.caller,
                q.owner ? q.owner : "", q.function, r.status, r.error_type,
                r.message, ms);
        } else {
            fgd_log("info", q.request_id,
                "%s caller=%s owner=%s function=%s status=%d%s%s (%.1f ms)",
                q.action, q.caller, q.owner, q.function, r.status,
                r.function_error ? " function_error=" : "",
                r.function_error ? r.message : "", ms);
        }
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
    fgd_redis_t   *redis = NULL;

    (void) arg;
    if (FCGX_InitRequest(&req, fgd_listen_fd, FCGI_FAIL_ACCEPT_ON_INTR)
        != 0)
    {
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
            if (fgd_stopping) {
                break;
            }
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
    if (redis != NULL) {
        fgd_redis_free(redis);
    }
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

    if (fgd_dispatch_missing() != FG_ACTION_NONE) {
        fprintf(stderr, "fngated: action %d has no handler\n",
            (int) fgd_dispatch_missing());
        return 1;
    }
    if (fgd_redis_scripts_missing() != FGD_SCRIPT_COUNT) {
        fprintf(stderr, "fngated: script %d is not in fngated/lua/\n",
            (int) fgd_redis_scripts_missing());
        return 1;
    }
    /* -c, -o and the command modes (fngated_cli.c) */
    rc = fgd_cli(argc, argv, &fgd_conf);
    if (rc != FGD_CLI_SERVE) {
        return rc;
    }

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
    if (fgd_async_start(&fgd_conf) != 0) {
        fgd_log("error", NULL, "async: the workers did not start; events "
            "are stored and wait for them");
    }
    if (fgd_esm_start(&fgd_conf) != 0) {
        fgd_log("error", NULL, "event sources: the pollers did not start");
    }
    fgd_provisioned_start(&fgd_conf);
    fgd_billship_start(&fgd_conf);

    for (;;) {
        if (sigwait(&sigs, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            fgd_log("info", NULL, "SIGHUP ignored (restart to reload)");
            continue;
        }
        break;
    }
    fgd_log("info", NULL, "signal %d: stopping; calls in flight finish",
        sig);

    /* The attempts of events in flight finish first: they are calls
     * through the gateway that these threads serve. */
    fgd_async_stop();
    fgd_esm_stop();
    fgd_provisioned_stop();
    /* after the keeper: its last billing lines are shipped */
    fgd_billship_stop();

    /* Wake the threads blocked in accept(): shutdown on a listening
     * socket makes accept fail, and no new connection is taken. */
    fgd_stopping = 1;
    FCGX_ShutdownPending();
    shutdown(fgd_listen_fd, SHUT_RDWR);
    for (i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    free(threads);
    close(fgd_listen_fd);
    if (strncmp(fgd_conf.listen, "unix:", 5) == 0) {
        unlink(fgd_conf.listen + 5);
    }

    fgd_pool_stop();
    fgd_cli_exit(&fgd_conf);
    fgd_log("info", NULL, "stopped");
    fgd_conf_free(&fgd_conf);
    return 0;
}
