/*
 * agent_msg: what the host sends the agent, checked and parsed (see
 * agent_msg.h).  Nothing here touches the file system or a global.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_msg.h"


/* ---- LOAD ---- */

int
agent_msg_load_check(const fg_frame_t *f, char *msg, size_t msize)
{
    fg_field_iter_t  it;
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen;
    int              state = 0;        /* 0 path next, 1 mode, 2 data */
    bool             ok = true;

    fg_field_iter_init(&it, f);
    while (ok && fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        if (klen == 4 && memcmp(key, "path", 4) == 0) {
            if (state != 0) {
                snprintf(msg, msize, "\"path\" out of order");
                ok = false;
            } else if (!fg_frame_path_ok(val, vlen)) {
                snprintf(msg, msize, "bad path \"%.*s\"",
                    (int) (vlen > 200 ? 200 : vlen), (const char *) val);
                ok = false;
            }
            state = 1;
        } else if (klen == 4 && memcmp(key, "mode", 4) == 0) {
            if (state != 1) {
                snprintf(msg, msize, "\"mode\" out of order");
                ok = false;
            }
            state = 2;
        } else if (klen == 4 && memcmp(key, "data", 4) == 0) {
            if (state != 2) {
                snprintf(msg, msize, "\"data\" out of order");
                ok = false;
            }
            state = 0;
        }
    }
    if (ok && state != 0) {
        snprintf(msg, msize, "incomplete file entry");
        ok = false;
    }
    return ok ? 0 : -1;
}


int
agent_msg_load_next(fg_field_iter_t *it, agent_msg_file_t *file)
{
    const char     *key;
    const uint8_t  *val;
    size_t          klen, vlen;

    while (fg_field_next(it, &key, &klen, &val, &vlen) == 1) {
        if (klen == 4 && memcmp(key, "path", 4) == 0) {
            file->path = val;
            file->path_len = vlen;
        } else if (klen == 4 && memcmp(key, "mode", 4) == 0) {
            file->mode = agent_msg_mode(val, vlen);
        } else if (klen == 4 && memcmp(key, "data", 4) == 0) {
            file->data = val;
            file->data_len = vlen;
            return 1;
        }
    }
    return 0;
}


unsigned
agent_msg_mode(const uint8_t *v, size_t len)
{
    char  m[16];

    snprintf(m, sizeof(m), "%.*s", (int) (len > 15 ? 15 : len),
        (const char *) v);
    return (unsigned) strtoul(m, NULL, 8);
}


/* ---- INVOKE ---- */

char *
agent_msg_dup(const uint8_t *v, size_t len)
{
    char  *s;

    if (memchr(v, '\0', len) != NULL) {
        return NULL;
    }
    s = malloc(len + 1);
    if (s == NULL) {
        return NULL;
    }
    memcpy(s, v, len);
    s[len] = '\0';
    return s;
}


void
agent_msg_invoke_free(agent_msg_invoke_t *r)
{
    unsigned  i;

    free(r->request_id);
    free(r->handler);
    if (r->credentials != NULL) {
        explicit_bzero(r->credentials, strlen(r->credentials));
        free(r->credentials);
    }
    for (i = 0; i < r->nenv; i++) {
        free(r->env[i]);
    }
    free(r->env);
}


bool
agent_msg_env_has(const agent_msg_invoke_t *r, const char *name)
{
    size_t    n = strlen(name);
    unsigned  i;

    for (i = 0; i < r->nenv; i++) {
        if (r->env[i] != NULL && strncmp(r->env[i], name, n) == 0
            && r->env[i][n] == '=')
        {
            return true;
        }
    }
    return false;
}


int
agent_msg_invoke_parse(const fg_frame_t *f, agent_msg_invoke_t *r,
    bool any_handler, const char *task_dir, char *msg, size_t msize)
{
    fg_field_iter_t  it;
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen;
    uint64_t         init_only = 0;

    memset(r, 0, sizeof(*r));
    r->timeout_ms = 3000;
    r->memory_mb = 128;
    r->max_output = 6 * 1024 * 1024;

    r->env = calloc(AGENT_MSG_ENV_MAX + 4, sizeof(char *));
    if (r->env == NULL) {
        snprintf(msg, msize, "out of memory");
        return -1;
    }
    fg_field_iter_init(&it, f);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        if (klen == 3 && memcmp(key, "env", 3) == 0) {
            if (r->nenv == AGENT_MSG_ENV_MAX) {
                snprintf(msg, msize, "too many env entries");
                return -1;
            }
            if (memchr(val, '=', vlen) == NULL
                || (r->env[r->nenv] = agent_msg_dup(val, vlen)) == NULL)
            {
                snprintf(msg, msize, "bad env entry");
                return -1;
            }
            r->nenv++;
        }
    }

    /* What Lambda's environment always has, unless the host set it. */
    if (!agent_msg_env_has(r, "PATH")) {
        r->env[r->nenv++] = strdup("PATH=/usr/local/bin:/usr/bin:/bin");
    }
    /* The sandbox's uid has no passwd entry: without HOME a home
     * directory can not be found (the AWS SDK for JavaScript fails on
     * it).  /tmp, the one writable directory; no ~/.aws there. */
    if (!agent_msg_env_has(r, "HOME")) {
        r->env[r->nenv++] = strdup("HOME=/tmp");
    }
    if (!agent_msg_env_has(r, "LAMBDA_TASK_ROOT")) {
        char  *e;

        if (asprintf(&e, "LAMBDA_TASK_ROOT=%s", task_dir) >= 0) {
            r->env[r->nenv++] = e;
        }
    }

    val = fg_frame_get(f, "request_id", &vlen);
    r->request_id = val ? agent_msg_dup(val, vlen) : strdup("");
    /* A runtime's handler is its own business (_HANDLER); a one-shot
     * handler is a file under the task directory. */
    val = fg_frame_get(f, "handler", &vlen);
    if (val == NULL || (!any_handler && !fg_frame_path_ok(val, vlen))
        || (r->handler = agent_msg_dup(val, vlen)) == NULL)
    {
        snprintf(msg, msize, "bad or missing handler");
        return -1;
    }
    r->event = fg_frame_get(f, "event", &r->event_len);
    if (r->event == NULL) {
        r->event_len = 0;
    }
    val = fg_frame_get(f, "credentials", &vlen);
    if (val != NULL) {
        size_t  i;

        for (i = 0; i < vlen; i++) {
            if (val[i] < 0x21 || val[i] > 0x7e) {
                break;
            }
        }
        if (i < vlen || vlen > AGENT_MSG_CREDENTIALS_MAX
            || (r->credentials = agent_msg_dup(val, vlen)) == NULL)
        {
            snprintf(msg, msize, "bad credentials");
            return -1;
        }
    }
    if (fg_frame_get(f, "timeout_ms", &vlen) != NULL
        && (fg_frame_get_u64(f, "timeout_ms", &r->timeout_ms) < 0
            || r->timeout_ms == 0))
    {
        snprintf(msg, msize, "bad timeout_ms");
        return -1;
    }
    if (fg_frame_get(f, "memory_mb", &vlen) != NULL
        && (fg_frame_get_u64(f, "memory_mb", &r->memory_mb) < 0
            || r->memory_mb == 0 || r->memory_mb > 1024 * 1024))
    {
        snprintf(msg, msize, "bad memory_mb");
        return -1;
    }
    if (fg_frame_get(f, "max_output", &vlen) != NULL
        && fg_frame_get_u64(f, "max_output", &r->max_output) < 0)
    {
        snprintf(msg, msize, "bad max_output");
        return -1;
    }
    if (fg_frame_get(f, "init_only", &vlen) != NULL
        && (fg_frame_get_u64(f, "init_only", &init_only) < 0
            || init_only > 1))
    {
        snprintf(msg, msize, "bad init_only");
        return -1;
    }
    r->init_only = init_only == 1;
    if (r->request_id == NULL) {
        snprintf(msg, msize, "bad request_id");
        return -1;
    }
    return 0;
}


char *
agent_msg_function_arn(const fg_frame_t *f)
{
    const uint8_t  *v;
    size_t          len, i;
    char           *arn;

    v = fg_frame_get(f, "function_arn", &len);
    arn = v ? agent_msg_dup(v, len) : NULL;
    if (arn == NULL) {
        arn = strdup("");
    }
    for (i = 0; arn != NULL && arn[i]; i++) {
        if ((unsigned char) arn[i] < 0x20) {
            arn[i] = '?';               /* it goes into a header */
        }
    }
    return arn;
}


void
agent_msg_request_id(const fg_frame_t *f, char *rid, size_t size)
{
    const uint8_t  *id;
    size_t          idlen;

    rid[0] = '\0';
    id = fg_frame_get(f, "request_id", &idlen);
    if (id != NULL && idlen < size) {
        memcpy(rid, id, idlen);
        rid[idlen] = '\0';
    }
}


agent_msg_rt_t
agent_msg_runtime(const uint8_t *v, size_t len, const char *task_dir,
    const char *runtime_dir, char *path, size_t size, char *msg,
    size_t msize)
{
    size_t  i;

    if (v == NULL || len == 0
        || (len >= 8 && memcmp(v, "provided", 8) == 0))
    {
        snprintf(path, size, "%s/bootstrap", task_dir);
        return AGENT_MSG_RT_TASK;
    }
    for (i = 0; i < len; i++) {
        if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9')
              || v[i] == '.') || len > 32)
        {
            snprintf(msg, msize, "bad runtime name");
            return AGENT_MSG_RT_BAD;
        }
    }
    snprintf(path, size, "%s/%.*s/bootstrap", runtime_dir, (int) len,
        (const char *) v);
    return AGENT_MSG_RT_IMAGE;
}


char **
agent_msg_call_env(const agent_msg_invoke_t *r)
{
    static const char  *const names[] = { "AWS_ACCESS_KEY_ID=",
        "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=",
        "AWS_CREDENTIAL_EXPIRATION=" };
    const char          *p, *colon;
    char               **env, *s;
    size_t               room, n, i;

    room = (r->nenv + 5) * sizeof(char *) + 128
           + (r->credentials ? strlen(r->credentials) : 0);
    env = calloc(1, room);
    if (env == NULL) {
        return NULL;
    }
    memcpy(env, r->env, r->nenv * sizeof(char *));
    if (r->credentials == NULL) {
        return env;
    }
    s = (char *) (env + r->nenv + 5);
    p = r->credentials;
    /* the last part, the expiration's time, has colons of its own */
    for (i = 0; i < 4; i++) {
        colon = i < 3 ? strchr(p, ':') : NULL;
        n = colon != NULL ? (size_t) (colon - p) : strlen(p);
        env[r->nenv + i] = s;
        s = stpcpy(s, names[i]);
        memcpy(s, p, n);
        s += n;
        *s++ = '\0';
        if (colon == NULL) {
            break;
        }
        p = colon + 1;
    }
    return env;
}
