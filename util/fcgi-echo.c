/*
 * fcgi-echo: a trivial FastCGI responder for testing the nginx module
 * alone and for measuring the gateway's overhead.
 *
 *   fcgi-echo unix:/path/to/sock | 127.0.0.1:PORT [THREADS]
 *
 * Every request is answered 200 with a JSON object of the FNGATE_* params
 * and the CGI params nginx passed, plus "BODY_LENGTH" (bytes read from
 * stdin), and with the headers fngated sends (X-Amz-Executed-Version and
 * the internal X-Fngate-* counters, fixed values) so the module's header
 * filter can be tested.
 */

#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FE_THREADS_MAX  64

static int fe_listen_fd = -1;

static const char *const fe_params[] = {
    "REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "CONTENT_TYPE",
    "CONTENT_LENGTH", NULL
};

static void
fe_json_string(FCGX_Stream *out, const char *s)
{
    const unsigned char *p;

    FCGX_PutChar('"', out);

    for (p = (const unsigned char *) s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            FCGX_FPrintF(out, "\\%c", *p);

        } else if (*p < 0x20) {
            FCGX_FPrintF(out, "\\u%04x", *p);

        } else {
            FCGX_PutChar(*p, out);
        }
    }

    FCGX_PutChar('"', out);
}

static void
fe_param(FCGX_Stream *out, const char *name, const char *value, int *first)
{
    if (!*first) {
        FCGX_PutS(",", out);
    }

    *first = 0;
    fe_json_string(out, name);
    FCGX_PutS(":", out);
    fe_json_string(out, value);
}

static void
fe_respond(FCGX_Request *req)
{
    char          buf[65536], len[32];
    int           n, first;
    size_t        i, plen;
    unsigned long body;
    char        **e;
    const char   *v;

    body = 0;

    while ((n = FCGX_GetStr(buf, sizeof(buf), req->in)) > 0) {
        body += (unsigned long) n;
    }

    FCGX_PutS("Status: 200 OK\r\n"
              "Content-Type: application/json\r\n"
              "X-Amz-Executed-Version: $LATEST\r\n"
              "X-Fngate-Duration-Ms: 0.01\r\n"
              "X-Fngate-Billed-Ms: 1\r\n"
              "X-Fngate-Memory-Mb: 128\r\n"
              "X-Fngate-Max-Memory-Mb: 1\r\n"
              "X-Fngate-Init-Ms: 0\r\n"
              "X-Fngate-Cold-Start: false\r\n"
              "X-Fngate-Vm: fcgi-echo\r\n"
              "\r\n{", req->out);

    first = 1;

    for (e = req->envp; e && *e; e++) {
        if (strncmp(*e, "FNGATE_", 7) != 0) {
            continue;
        }

        v = strchr(*e, '=');
        if (v == NULL) {
            continue;
        }

        plen = (size_t) (v - *e);
        if (plen >= sizeof(buf)) {
            continue;
        }

        memcpy(buf, *e, plen);
        buf[plen] = '\0';
        fe_param(req->out, buf, v + 1, &first);
    }

    for (i = 0; fe_params[i]; i++) {
        v = FCGX_GetParam(fe_params[i], req->envp);
        if (v != NULL) {
            fe_param(req->out, fe_params[i], v, &first);
        }
    }

    snprintf(len, sizeof(len), "%lu", body);
    fe_param(req->out, "BODY_LENGTH", len, &first);

    FCGX_PutS("}\n", req->out);
}

static void *
fe_worker(void *arg)
{
    FCGX_Request  req;

    (void) arg;

    if (FCGX_InitRequest(&req, fe_listen_fd, 0) != 0) {
        fprintf(stderr, "fcgi-echo: FCGX_InitRequest failed\n");
        return NULL;
    }

    for ( ;; ) {
        if (FCGX_Accept_r(&req) < 0) {
            if (errno == EINTR) {
                continue;
            }

            break;
        }

        fe_respond(&req);
        FCGX_Finish_r(&req);
    }

    return NULL;
}

int
main(int argc, char **argv)
{
    int         i, nthreads;
    const char *addr, *path;
    pthread_t   tids[FE_THREADS_MAX];

    if (argc < 2 || argc > 3) {
        fprintf(stderr,
                "usage: fcgi-echo unix:/path|127.0.0.1:PORT [THREADS]\n");
        return 2;
    }

    nthreads = argc == 3 ? atoi(argv[2]) : 4;
    if (nthreads < 1 || nthreads > FE_THREADS_MAX) {
        fprintf(stderr, "fcgi-echo: threads must be 1-%d\n", FE_THREADS_MAX);
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);

    if (FCGX_Init() != 0) {
        fprintf(stderr, "fcgi-echo: FCGX_Init failed\n");
        return 1;
    }

    /* libfcgi catches SIGTERM to finish the current request, but threads
     * blocked in accept() never look: let SIGTERM and SIGINT just end it */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);

    addr = argv[1];
    path = NULL;

    if (strncmp(addr, "unix:", 5) == 0) {
        path = addr + 5;
        addr = path;
        (void) unlink(path);
    }

    fe_listen_fd = FCGX_OpenSocket(addr, 128);
    if (fe_listen_fd < 0) {
        fprintf(stderr, "fcgi-echo: can not listen on \"%s\"\n", argv[1]);
        return 1;
    }

    /* nginx's workers may run as another user */
    if (path != NULL && chmod(path, 0666) != 0) {
        perror("fcgi-echo: chmod");
        return 1;
    }

    for (i = 0; i < nthreads; i++) {
        if (pthread_create(&tids[i], NULL, fe_worker, NULL) != 0) {
            fprintf(stderr, "fcgi-echo: pthread_create failed\n");
            return 1;
        }
    }

    for (i = 0; i < nthreads; i++) {
        pthread_join(tids[i], NULL);
    }

    return 0;
}
