/*
 * fngated_gateway: calls fngated makes through the gateway (nginx and the
 * module), as a client does: an Invoke signed with SigV4 as an account,
 * over HTTP/1.0 to conf's `gateway`, the whole answer read.  The
 * asynchronous workers run an event's attempt so (fngated_async.c), and
 * the event sources' pollers their batches: the call is then
 * authenticated, checked, run and billed as any Invoke.
 */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fg_keys.h"
#include "fg_sigv4.h"
#include "fngated_gateway.h"
#include "fngated_redis.h"
#include "fngated_roles.h"
#include "fg_util.h"

#define FGD_GATEWAY_ANSWER_MAX  (8u << 20)  /* a 6 MB result and headers */
#define FGD_GATEWAY_CALL_S      960         /* nginx's fastcgi_read_timeout */

static int
fgd_gateway_connect(const char *gateway, char *host, size_t host_size,
    char *err, size_t errlen)
{
    struct timeval   tv = { FGD_GATEWAY_CALL_S, 0 };
    struct addrinfo  hints, *ai = NULL;
    const char      *colon;
    char             name[256];
    int              fd = -1, rc;

    if (strncmp(gateway, "unix:", 5) == 0) {
        struct sockaddr_un  sun;

        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", gateway + 5);
        snprintf(host, host_size, "localhost");
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *) &sun, sizeof(sun))
            != 0)
        {
            snprintf(err, errlen, "connect %s: %s", gateway,
                strerror(errno));
            close(fd);
            return -1;
        }
    } else {
        colon = strrchr(gateway, ':');
        snprintf(name, sizeof(name), "%.*s", (int) (colon - gateway),
            gateway);
        snprintf(host, host_size, "%s", gateway);
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        rc = getaddrinfo(name, colon + 1, &hints, &ai);
        if (rc != 0 || ai == NULL) {
            snprintf(err, errlen, "%s: %s", gateway, gai_strerror(rc));
            return -1;
        }
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
            ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            snprintf(err, errlen, "connect %s: %s", gateway,
                strerror(errno));
            close(fd);
            fd = -1;
        }
        freeaddrinfo(ai);
        if (fd < 0) {
            return -1;
        }
    }
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}

static int
fgd_gateway_write(int fd, const char *p, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* The access key and secret of the account (what the module checks). */
static int
fgd_gateway_credentials(fgd_req_t *q, const char *account, char *akid,
    size_t akid_size, char *secret, size_t secret_size, char *err,
    size_t errlen)
{
    char         key[FG_KEY_MAX];
    const char  *argv[3];
    redisReply  *reply;
    fgd_resp_t   r;
    int          rc = -1;

    memset(&r, 0, sizeof(r));
    fg_key_account(key, sizeof(key), account);
    argv[0] = "HGET";
    argv[1] = key;
    argv[2] = "access_key";
    reply = fgd_redis_command(q, true, 3, argv, NULL, &r);
    if (reply == NULL || reply->type != REDIS_REPLY_STRING
        || reply->len >= akid_size)
    {
        snprintf(err, errlen, "no access key of %s: %.160s", account,
            reply == NULL ? r.message : "none");
        goto cleanup;
    }
    memcpy(akid, reply->str, reply->len + 1);
    freeReplyObject(reply);

    fg_key_access_key(key, sizeof(key), akid);
    argv[0] = "HGET";
    argv[1] = key;
    argv[2] = "secret";
    reply = fgd_redis_command(q, true, 3, argv, NULL, &r);
    if (reply == NULL || reply->type != REDIS_REPLY_STRING
        || reply->len >= secret_size)
    {
        snprintf(err, errlen, "no secret of %s's key %s: %.100s", account, akid,
            reply == NULL ? r.message : "none");
        goto cleanup;
    }
    memcpy(secret, reply->str, reply->len + 1);
    rc = 0;

cleanup:
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    fgd_resp_free(&r);
    return rc;
}

/*
 * Temporary credentials of account for an event's chain "BILLED:DEPTH:
 * ROOT": the attempt is the Invoke's depth (the module adds one to the
 * credentials').  0, or -1 with err.
 */
static int
fgd_gateway_session(fgd_req_t *q, const char *account, const char *chain,
    fgd_session_t *s, char *err, size_t errlen)
{
    char                billed[FG_ACCOUNT_LEN + 1];
    fgd_session_spec_t  spec;
    const char   *p = chain, *colon;
    unsigned long depth;
    char         *end;
    fgd_resp_t    r;
    int           rc;

    colon = strchr(p, ':');
    if (colon == NULL || colon - p != FG_ACCOUNT_LEN) {
        snprintf(err, errlen, "bad chain \"%.80s\"", chain);
        return -1;
    }
    memcpy(billed, p, FG_ACCOUNT_LEN);
    billed[FG_ACCOUNT_LEN] = '\0';
    depth = strtoul(colon + 1, &end, 10);
    if (*end != ':' || depth < 2 || depth > 1000) {
        snprintf(err, errlen, "bad chain \"%.80s\"", chain);
        return -1;
    }
    memset(&r, 0, sizeof(r));
    spec.account = account;
    spec.role = "";
    spec.billed = billed;
    spec.depth = (unsigned) depth - 1;
    spec.root = end + 1;
    spec.deadline_ms = 0;
    spec.expires_ms = fg_epoch_ms() + (FGD_GATEWAY_CALL_S + 30) * 1000LL;
    rc = fgd_session_mint(q, &spec, s, &r);
    if (rc != 0) {
        snprintf(err, errlen, "credentials: %.160s", r.message);
    }
    fgd_resp_free(&r);
    return rc;
}

int
fgd_gateway_invoke(fgd_req_t *q, const char *account, const char *chain,
    const char *uri, const char *event_id, const char *body, size_t body_len,
    char **buf, size_t *len, char *err, size_t errlen)
{
    char                 akid[130], secret[130], host[300], date[17];
    char                 hash[65], *auth = NULL, *head = NULL;
    char                 signed_names[64];
    const char          *qm, *path_end;
    fg_header_t          h[4];
    fg_sigv4_request_t   sr;
    fg_sigv4_rc_t        src;
    fgd_session_t        s;
    size_t               cap = 65536, got = 0, nh;
    ssize_t              n;
    int                  fd = -1, hl, rc = -1;

    *buf = NULL;
    *len = 0;
    memset(&s, 0, sizeof(s));
    if (chain != NULL && chain[0] != '\0') {
        if (fgd_gateway_session(q, account, chain, &s, err, errlen) != 0) {
            return -1;
        }
        snprintf(akid, sizeof(akid), "%s", s.akid);
        snprintf(secret, sizeof(secret), "%s", s.secret);
    } else if (fgd_gateway_credentials(q, account, akid, sizeof(akid), secret,
                   sizeof(secret), err, errlen) != 0)
    {
        return -1;
    }
    fd = fgd_gateway_connect(q->conf->async.gateway, host,
        sizeof(host), err, errlen);
    if (fd < 0) {
        goto cleanup;
    }

    fg_sigv4_format_date(time(NULL), date);
    fg_sha256_hex(body, body_len, hash);
    qm = strchr(uri, '?');
    path_end = qm != NULL ? qm : uri + strlen(uri);
    /* the signed headers, in order */
    h[0] = (fg_header_t) { { "host", 4 }, { host, strlen(host) } };
    h[1] = (fg_header_t) { { "x-amz-date", 10 }, { date, 16 } };
    nh = 2;
    snprintf(signed_names, sizeof(signed_names), "host;x-amz-date");
    if (s.token[0] != '\0') {
        h[nh++] = (fg_header_t) { { "x-amz-security-token", 20 },
                                  { s.token, strlen(s.token) } };
        strcat(signed_names, ";x-amz-security-token");
    }
    if (event_id != NULL) {
        h[nh++] = (fg_header_t) { { "x-fngate-event", 14 },
                                  { event_id, strlen(event_id) } };
        strcat(signed_names, ";x-fngate-event");
    }
    memset(&sr, 0, sizeof(sr));
    sr.method = (fg_str_t) { "POST", 4 };
    sr.uri = (fg_str_t) { uri, (size_t) (path_end - uri) };
    sr.query = qm != NULL ? (fg_str_t) { qm + 1, strlen(qm + 1) }
                          : (fg_str_t) { "", 0 };
    sr.headers = h;
    sr.nheaders = nh;
    sr.payload_hash = (fg_str_t) { hash, 64 };
    sr.amz_date = (fg_str_t) { date, 16 };
    src = fg_sigv4_authorization(&sr,
        (fg_str_t) { signed_names, strlen(signed_names) },
        (fg_str_t) { akid, strlen(akid) },
        (fg_str_t) { secret, strlen(secret) },
        (fg_str_t) { q->region, strlen(q->region) },
        (fg_str_t) { "lambda", 6 }, &auth);
    memset(secret, 0, sizeof(secret));
    if (src != FG_SIGV4_OK) {
        snprintf(err, errlen, "signing: %s", fg_sigv4_strerror(src));
        goto cleanup;
    }

    hl = asprintf(&head, "POST %s HTTP/1.0\r\nHost: %s\r\n"
        "X-Amz-Date: %s\r\n%s%s%s%s%s%s"
        "Content-Type: application/json\r\nContent-Length: %zu\r\n"
        "Authorization: %s\r\n\r\n", uri, host, date,
        s.token[0] != '\0' ? "X-Amz-Security-Token: " : "", s.token,
        s.token[0] != '\0' ? "\r\n" : "",
        event_id != NULL ? "X-Fngate-Event: " : "",
        event_id != NULL ? event_id : "", event_id != NULL ? "\r\n" : "",
        body_len, auth);
    if (hl < 0) {
        head = NULL;
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    if (fgd_gateway_write(fd, head, (size_t) hl) != 0
        || fgd_gateway_write(fd, body, body_len) != 0)
    {
        snprintf(err, errlen, "write to %s: %s",
            q->conf->async.gateway, strerror(errno));
        goto cleanup;
    }

    *buf = malloc(cap + 1);
    if (*buf == NULL) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    for (;;) {
        if (got == cap) {
            char *nb;

            if (cap >= FGD_GATEWAY_ANSWER_MAX) {
                snprintf(err, errlen, "answer over %u bytes",
                    FGD_GATEWAY_ANSWER_MAX);
                goto cleanup;
            }
            cap *= 2;
            nb = realloc(*buf, cap + 1);
            if (nb == NULL) {
                snprintf(err, errlen, "out of memory");
                goto cleanup;
            }
            *buf = nb;
        }
        n = read(fd, *buf + got, cap - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            snprintf(err, errlen, "read from %s: %s",
                q->conf->async.gateway, strerror(errno));
            goto cleanup;
        }
        if (n == 0) {
            break;
        }
        got += (size_t) n;
    }
    (*buf)[got] = '\0';
    *len = got;
    rc = 0;

cleanup:
    if (rc != 0) {
        free(*buf);
        *buf = NULL;
    }
    if (fd >= 0) {
        close(fd);
    }
    fgd_session_revoke(q, &s);
    explicit_bzero(&s, sizeof(s));
    free(auth);
    free(head);
    return rc;
}

