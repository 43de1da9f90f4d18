/*
 * CUnit tests of guest/agent/agent_msg.c: what the agent checks and
 * parses of the host's frames before it acts on them (a LOAD's file list,
 * an INVOKE's fields, the runtime an INVOKE names), bad input included.
 * Every parse is freed, on its error paths too: `make unit-san` runs this
 * under LeakSanitizer.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cu_main.h"
#include "fg_frame.h"
#include "agent_msg.h"

/* A frame under test: its bytes and the parsed view of them. */
typedef struct {
    fg_buf_t    b;
    fg_frame_t  f;
} tf_t;

/*
 * Builds a frame of type from NULL-terminated key/value pairs (values as
 * C strings), or from kv with explicit lengths (tf_add) after tf_begin.
 */
static void
tf_begin(tf_t *t, fg_frame_type_t type)
{
    memset(t, 0, sizeof(*t));
    CU_ASSERT_EQUAL_FATAL(fg_frame_begin(&t->b, type, 7), 0);
}


static void
tf_add(tf_t *t, const char *key, const void *val, size_t len)
{
    CU_ASSERT_EQUAL_FATAL(fg_frame_add(&t->b, key, val, len), 0);
}


static void
tf_end(tf_t *t)
{
    CU_ASSERT_EQUAL_FATAL(fg_frame_end(&t->b), 0);
    CU_ASSERT_EQUAL_FATAL(fg_frame_parse(t->b.data, t->b.len, &t->f),
        (ssize_t) t->b.len);
}


static void
tf_make(tf_t *t, fg_frame_type_t type, ...)
{
    va_list      ap;
    const char  *k, *v;

    tf_begin(t, type);
    va_start(ap, type);
    while ((k = va_arg(ap, const char *)) != NULL) {
        v = va_arg(ap, const char *);
        tf_add(t, k, v, strlen(v));
    }
    va_end(ap);
    tf_end(t);
}


static void
tf_free(tf_t *t)
{
    fg_buf_free(&t->b);
}


/* ---- LOAD ---- */

static void
test_load_ok(void)
{
    tf_t              t;
    fg_field_iter_t   it;
    agent_msg_file_t  file = { 0 };
    char              msg[256] = "";

    tf_make(&t, FG_FRAME_LOAD,
        "path", "bin/", "mode", "755", "data", "",
        "path", "bin/handler.sh", "mode", "0750", "data", "#!/bin/sh\n",
        "note", "ignored",
        "path", "a.txt", "mode", "644", "data", "hello", NULL);
    CU_ASSERT_EQUAL(agent_msg_load_check(&t.f, msg, sizeof(msg)), 0);
    CU_ASSERT_STRING_EQUAL(msg, "");

    fg_field_iter_init(&it, &t.f);
    CU_ASSERT_EQUAL_FATAL(agent_msg_load_next(&it, &file), 1);
    CU_ASSERT_EQUAL(file.path_len, 4);
    CU_ASSERT_EQUAL(memcmp(file.path, "bin/", 4), 0);
    CU_ASSERT_EQUAL(file.mode, 0755);
    CU_ASSERT_EQUAL(file.data_len, 0);
    CU_ASSERT_EQUAL_FATAL(agent_msg_load_next(&it, &file), 1);
    CU_ASSERT_EQUAL(file.path_len, 14);
    CU_ASSERT_EQUAL(memcmp(file.path, "bin/handler.sh", 14), 0);
    CU_ASSERT_EQUAL(file.mode, 0750);
    CU_ASSERT_EQUAL(file.data_len, 10);
    CU_ASSERT_EQUAL(memcmp(file.data, "#!/bin/sh\n", 10), 0);
    CU_ASSERT_EQUAL_FATAL(agent_msg_load_next(&it, &file), 1);
    CU_ASSERT_EQUAL(file.mode, 0644);
    CU_ASSERT_EQUAL(file.data_len, 5);
    CU_ASSERT_EQUAL(agent_msg_load_next(&it, &file), 0);
    tf_free(&t);

    /* no files at all: nothing to write, and fine */
    tf_make(&t, FG_FRAME_LOAD, NULL);
    CU_ASSERT_EQUAL(agent_msg_load_check(&t.f, msg, sizeof(msg)), 0);
    fg_field_iter_init(&it, &t.f);
    CU_ASSERT_EQUAL(agent_msg_load_next(&it, &file), 0);
    tf_free(&t);
}


/* A LOAD refused with exactly want as its message. */
static void
load_refused(tf_t *t, const char *want)
{
    char  msg[512] = "";

    CU_ASSERT_EQUAL(agent_msg_load_check(&t->f, msg, sizeof(msg)), -1);
    CU_ASSERT_STRING_EQUAL(msg, want);
    if (strcmp(msg, want) != 0) {
        fprintf(stderr, "got \"%s\", want \"%s\"\n", msg, want);
    }
    tf_free(t);
}


static void
test_load_bad(void)
{
    tf_t  t;
    char  longp[400], want[256];

    tf_make(&t, FG_FRAME_LOAD, "path", "a", "path", "b", NULL);
    load_refused(&t, "\"path\" out of order");
    tf_make(&t, FG_FRAME_LOAD, "path", "a", "mode", "644", "path", "b",
        NULL);
    load_refused(&t, "\"path\" out of order");
    tf_make(&t, FG_FRAME_LOAD, "mode", "644", NULL);
    load_refused(&t, "\"mode\" out of order");
    tf_make(&t, FG_FRAME_LOAD, "path", "a", "mode", "1", "mode", "2", NULL);
    load_refused(&t, "\"mode\" out of order");
    tf_make(&t, FG_FRAME_LOAD, "path", "a", "data", "x", NULL);
    load_refused(&t, "\"data\" out of order");
    tf_make(&t, FG_FRAME_LOAD, "data", "x", NULL);
    load_refused(&t, "\"data\" out of order");
    tf_make(&t, FG_FRAME_LOAD, "path", "a", "mode", "644", NULL);
    load_refused(&t, "incomplete file entry");
    tf_make(&t, FG_FRAME_LOAD, "path", "a", "mode", "644", "data", "",
        "path", "b", NULL);
    load_refused(&t, "incomplete file entry");

    /* paths: fg_frame_path_ok's rule */
    tf_make(&t, FG_FRAME_LOAD, "path", "../escape.sh", "mode", "755",
        "data", "x", NULL);
    load_refused(&t, "bad path \"../escape.sh\"");
    tf_make(&t, FG_FRAME_LOAD, "path", "/etc/x", "mode", "644", "data", "x",
        NULL);
    load_refused(&t, "bad path \"/etc/x\"");
    tf_make(&t, FG_FRAME_LOAD, "path", "a/../../x", "mode", "644",
        "data", "x", NULL);
    load_refused(&t, "bad path \"a/../../x\"");
    tf_make(&t, FG_FRAME_LOAD, "path", "a//b", "mode", "644", "data", "x",
        NULL);
    load_refused(&t, "bad path \"a//b\"");
    tf_make(&t, FG_FRAME_LOAD, "path", "", "mode", "644", "data", "x", NULL);
    load_refused(&t, "bad path \"\"");

    /* a NUL inside the path: refused, the quote cut at the NUL */
    tf_begin(&t, FG_FRAME_LOAD);
    tf_add(&t, "path", "ok\0/../x", 8);
    tf_add(&t, "mode", "644", 3);
    tf_add(&t, "data", "x", 1);
    tf_end(&t);
    load_refused(&t, "bad path \"ok\"");

    /* a long bad path is quoted up to 200 bytes */
    memset(longp, 'a', sizeof(longp));
    longp[0] = '/';
    tf_begin(&t, FG_FRAME_LOAD);
    tf_add(&t, "path", longp, sizeof(longp));
    tf_add(&t, "mode", "644", 3);
    tf_add(&t, "data", "x", 1);
    tf_end(&t);
    snprintf(want, sizeof(want), "bad path \"%.200s\"", longp);
    load_refused(&t, want);

    /* the first error is the one reported */
    tf_make(&t, FG_FRAME_LOAD, "path", "../x", "data", "x", NULL);
    load_refused(&t, "bad path \"../x\"");
}


static void
test_mode(void)
{
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "755", 3), 0755);
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "0644", 4), 0644);
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "100755", 6), 0100755);
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "", 0), 0);
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "9", 1), 0);
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "75x1", 4), 075);
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "7\0" "55", 4), 07);
    /* only the first 15 characters are read */
    CU_ASSERT_EQUAL(agent_msg_mode((const uint8_t *) "0000000000000017", 16),
        01);
}


/* ---- INVOKE ---- */

static const char *
env_get(const agent_msg_invoke_t *r, const char *name)
{
    size_t    n = strlen(name);
    unsigned  i;

    for (i = 0; i < r->nenv; i++) {
        if (strncmp(r->env[i], name, n) == 0 && r->env[i][n] == '=') {
            return r->env[i] + n + 1;
        }
    }
    return NULL;
}


static void
test_invoke_ok(void)
{
    tf_t                t;
    agent_msg_invoke_t  r;
    char                msg[256] = "";

    tf_make(&t, FG_FRAME_INVOKE, "request_id", "req-1",
        "handler", "bin/h.sh", "event", "{\"a\":1}", "env", "A=1",
        "env", "EMPTY=", "env", "B=x=y", "timeout_ms", "2500",
        "memory_mb", "256", "max_output", "1000", NULL);
    CU_ASSERT_EQUAL_FATAL(agent_msg_invoke_parse(&t.f, &r, false,
        "/var/task", msg, sizeof(msg)), 0);
    CU_ASSERT_STRING_EQUAL(r.request_id, "req-1");
    CU_ASSERT_STRING_EQUAL(r.handler, "bin/h.sh");
    CU_ASSERT_EQUAL(r.event_len, 7);
    CU_ASSERT_EQUAL(memcmp(r.event, "{\"a\":1}", 7), 0);
    CU_ASSERT_EQUAL(r.timeout_ms, 2500);
    CU_ASSERT_EQUAL(r.memory_mb, 256);
    CU_ASSERT_EQUAL(r.max_output, 1000);
    CU_ASSERT_FALSE(r.init_only);
    CU_ASSERT_EQUAL(r.nenv, 6);
    CU_ASSERT_STRING_EQUAL(r.env[0], "A=1");
    CU_ASSERT_STRING_EQUAL(r.env[1], "EMPTY=");
    CU_ASSERT_STRING_EQUAL(r.env[2], "B=x=y");
    CU_ASSERT_STRING_EQUAL(env_get(&r, "PATH"),
        "/usr/local/bin:/usr/bin:/bin");
    CU_ASSERT_STRING_EQUAL(env_get(&r, "LAMBDA_TASK_ROOT"), "/var/task");
    CU_ASSERT_STRING_EQUAL(env_get(&r, "HOME"), "/tmp");
    CU_ASSERT_PTR_NULL(r.env[r.nenv]);
    CU_ASSERT(agent_msg_env_has(&r, "A"));
    CU_ASSERT(agent_msg_env_has(&r, "EMPTY"));
    CU_ASSERT_FALSE(agent_msg_env_has(&r, "C"));
    agent_msg_invoke_free(&r);
    tf_free(&t);

    /* defaults; the host's PATH, task root and HOME win; no request_id
     * is "" */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "env", "PATH=/x",
        "env", "LAMBDA_TASK_ROOT=/t", "env", "HOME=/h", NULL);
    CU_ASSERT_EQUAL_FATAL(agent_msg_invoke_parse(&t.f, &r, false, "/tasks",
        msg, sizeof(msg)), 0);
    CU_ASSERT_STRING_EQUAL(r.request_id, "");
    CU_ASSERT_PTR_NULL(r.event);
    CU_ASSERT_EQUAL(r.event_len, 0);
    CU_ASSERT_EQUAL(r.timeout_ms, 3000);
    CU_ASSERT_EQUAL(r.memory_mb, 128);
    CU_ASSERT_EQUAL(r.max_output, 6 * 1024 * 1024);
    CU_ASSERT_EQUAL(r.nenv, 3);
    CU_ASSERT_STRING_EQUAL(env_get(&r, "PATH"), "/x");
    CU_ASSERT_STRING_EQUAL(env_get(&r, "LAMBDA_TASK_ROOT"), "/t");
    CU_ASSERT_STRING_EQUAL(env_get(&r, "HOME"), "/h");
    agent_msg_invoke_free(&r);
    tf_free(&t);

    /* a runtime's handler is its own business; a one-shot's is a path */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "index.handler:/x/../y", NULL);
    CU_ASSERT_EQUAL(agent_msg_invoke_parse(&t.f, &r, true, "/var/task", msg,
        sizeof(msg)), 0);
    CU_ASSERT_STRING_EQUAL(r.handler, "index.handler:/x/../y");
    agent_msg_invoke_free(&r);
    tf_free(&t);

    /* the limits' edges */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "memory_mb", "1048576",
        "timeout_ms", "1", "max_output", "0", NULL);
    CU_ASSERT_EQUAL(agent_msg_invoke_parse(&t.f, &r, false, "/var/task",
        msg, sizeof(msg)), 0);
    CU_ASSERT_EQUAL(r.memory_mb, 1048576);
    CU_ASSERT_EQUAL(r.timeout_ms, 1);
    CU_ASSERT_EQUAL(r.max_output, 0);
    agent_msg_invoke_free(&r);
    tf_free(&t);

    /* init_only: 1, or 0 as when absent */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "init_only", "1", NULL);
    CU_ASSERT_EQUAL(agent_msg_invoke_parse(&t.f, &r, false, "/var/task",
        msg, sizeof(msg)), 0);
    CU_ASSERT_TRUE(r.init_only);
    agent_msg_invoke_free(&r);
    tf_free(&t);
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "init_only", "0", NULL);
    CU_ASSERT_EQUAL(agent_msg_invoke_parse(&t.f, &r, false, "/var/task",
        msg, sizeof(msg)), 0);
    CU_ASSERT_FALSE(r.init_only);
    agent_msg_invoke_free(&r);
    tf_free(&t);
}


/* An INVOKE refused with exactly want; what was parsed is freed. */
static void
invoke_refused(tf_t *t, bool any_handler, const char *want)
{
    agent_msg_invoke_t  r;
    char                msg[256] = "";

    CU_ASSERT_EQUAL(agent_msg_invoke_parse(&t->f, &r, any_handler,
        "/var/task", msg, sizeof(msg)), -1);
    CU_ASSERT_STRING_EQUAL(msg, want);
    agent_msg_invoke_free(&r);
    tf_free(t);
}


static void
test_invoke_bad(void)
{
    tf_t                t;
    agent_msg_invoke_t  r;
    char                msg[256] = "", e[32];
    unsigned            i;

    /* handler */
    tf_make(&t, FG_FRAME_INVOKE, "request_id", "x", NULL);
    invoke_refused(&t, false, "bad or missing handler");
    tf_make(&t, FG_FRAME_INVOKE, NULL);
    invoke_refused(&t, true, "bad or missing handler");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "../h", NULL);
    invoke_refused(&t, false, "bad or missing handler");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "/bin/sh", NULL);
    invoke_refused(&t, false, "bad or missing handler");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "", NULL);
    invoke_refused(&t, false, "bad or missing handler");
    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "handler", "h\0x", 3);
    tf_end(&t);
    invoke_refused(&t, true, "bad or missing handler");

    /* env entries */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "env", "NOEQUALS", NULL);
    invoke_refused(&t, false, "bad env entry");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "env", "", NULL);
    invoke_refused(&t, false, "bad env entry");
    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "handler", "h", 1);
    tf_add(&t, "env", "A=1", 3);
    tf_add(&t, "env", "B=1\0C=2", 7);
    tf_end(&t);
    invoke_refused(&t, false, "bad env entry");

    /* AGENT_MSG_ENV_MAX entries are fine, one more is not */
    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "handler", "h", 1);
    for (i = 0; i < AGENT_MSG_ENV_MAX; i++) {
        snprintf(e, sizeof(e), "V%u=%u", i, i);
        tf_add(&t, "env", e, strlen(e));
    }
    tf_end(&t);
    CU_ASSERT_EQUAL(agent_msg_invoke_parse(&t.f, &r, false, "/var/task",
        msg, sizeof(msg)), 0);
    CU_ASSERT_EQUAL(r.nenv, AGENT_MSG_ENV_MAX + 3);
    CU_ASSERT_PTR_NULL(r.env[r.nenv]);
    agent_msg_invoke_free(&r);
    fg_buf_free(&t.b);
    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "handler", "h", 1);
    for (i = 0; i <= AGENT_MSG_ENV_MAX; i++) {
        snprintf(e, sizeof(e), "V%u=%u", i, i);
        tf_add(&t, "env", e, strlen(e));
    }
    tf_end(&t);
    invoke_refused(&t, false, "too many env entries");

    /* numbers */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "timeout_ms", "0", NULL);
    invoke_refused(&t, false, "bad timeout_ms");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "timeout_ms", "", NULL);
    invoke_refused(&t, false, "bad timeout_ms");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "timeout_ms", "-1", NULL);
    invoke_refused(&t, false, "bad timeout_ms");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "timeout_ms", "1e3", NULL);
    invoke_refused(&t, false, "bad timeout_ms");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h",
        "timeout_ms", "18446744073709551616", NULL);
    invoke_refused(&t, false, "bad timeout_ms");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "memory_mb", "0", NULL);
    invoke_refused(&t, false, "bad memory_mb");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "memory_mb", "1048577",
        NULL);
    invoke_refused(&t, false, "bad memory_mb");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "memory_mb", " 128", NULL);
    invoke_refused(&t, false, "bad memory_mb");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "max_output", "x", NULL);
    invoke_refused(&t, false, "bad max_output");
    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "handler", "h", 1);
    tf_add(&t, "max_output", "1\0", 2);
    tf_end(&t);
    invoke_refused(&t, false, "bad max_output");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "init_only", "2", NULL);
    invoke_refused(&t, false, "bad init_only");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "init_only", "", NULL);
    invoke_refused(&t, false, "bad init_only");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "init_only", "yes", NULL);
    invoke_refused(&t, false, "bad init_only");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "init_only", "-1", NULL);
    invoke_refused(&t, false, "bad init_only");

    /* request_id */
    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "request_id", "r\0x", 3);
    tf_add(&t, "handler", "h", 1);
    tf_end(&t);
    invoke_refused(&t, false, "bad request_id");

    /* the first error in the order of the checks is the one reported */
    tf_make(&t, FG_FRAME_INVOKE, "timeout_ms", "0", "env", "X", NULL);
    invoke_refused(&t, false, "bad env entry");
    tf_make(&t, FG_FRAME_INVOKE, "timeout_ms", "0", "memory_mb", "0", NULL);
    invoke_refused(&t, false, "bad or missing handler");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "memory_mb", "0",
        "timeout_ms", "0", NULL);
    invoke_refused(&t, false, "bad timeout_ms");
}


/* The call's credentials: parsed, kept out of env, given to a one-shot
 * handler as Lambda's four variables. */
static void
test_invoke_credentials(void)
{
    tf_t                t;
    agent_msg_invoke_t  r;
    char                msg[256] = "", **env;
    unsigned            i;

    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "env", "A=1",
        "credentials", "ASIAAAAAAAAAAAAAAAAA:se/cr+et:to+k/en:"
        "2026-12-06T07:30:00.000Z", NULL);
    CU_ASSERT_EQUAL_FATAL(agent_msg_invoke_parse(&t.f, &r, false,
        "/var/task", msg, sizeof(msg)), 0);
    CU_ASSERT_FALSE(agent_msg_env_has(&r, "AWS_ACCESS_KEY_ID"));
    env = agent_msg_call_env(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    for (i = 0; i < r.nenv; i++) {
        CU_ASSERT_PTR_EQUAL(env[i], r.env[i]);
    }
    CU_ASSERT_STRING_EQUAL(env[r.nenv], "AWS_ACCESS_KEY_ID="
        "ASIAAAAAAAAAAAAAAAAA");
    CU_ASSERT_STRING_EQUAL(env[r.nenv + 1], "AWS_SECRET_ACCESS_KEY=se/cr+et");
    CU_ASSERT_STRING_EQUAL(env[r.nenv + 2], "AWS_SESSION_TOKEN=to+k/en");
    CU_ASSERT_STRING_EQUAL(env[r.nenv + 3], "AWS_CREDENTIAL_EXPIRATION="
        "2026-12-06T07:30:00.000Z");
    CU_ASSERT_PTR_NULL(env[r.nenv + 4]);
    free(env);
    agent_msg_invoke_free(&r);
    tf_free(&t);

    /* none: the env alone */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", NULL);
    CU_ASSERT_EQUAL_FATAL(agent_msg_invoke_parse(&t.f, &r, false,
        "/var/task", msg, sizeof(msg)), 0);
    env = agent_msg_call_env(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    CU_ASSERT_PTR_NULL(env[r.nenv]);
    free(env);
    agent_msg_invoke_free(&r);
    tf_free(&t);

    /* a blank or a control character is refused */
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "credentials", "A B", NULL);
    invoke_refused(&t, false, "bad credentials");
    tf_make(&t, FG_FRAME_INVOKE, "handler", "h", "credentials", "A\nB",
        NULL);
    invoke_refused(&t, false, "bad credentials");
}


static void
test_fields(void)
{
    tf_t   t;
    char  *arn, rid[8];

    tf_make(&t, FG_FRAME_INVOKE, NULL);
    arn = agent_msg_function_arn(&t.f);
    CU_ASSERT_STRING_EQUAL(arn, "");
    free(arn);
    agent_msg_request_id(&t.f, rid, sizeof(rid));
    CU_ASSERT_STRING_EQUAL(rid, "");
    tf_free(&t);

    tf_make(&t, FG_FRAME_INVOKE, "function_arn",
        "arn:aws:lambda:x:1:function:f\r\nX-Evil: 1",
        "request_id", "1234567", NULL);
    arn = agent_msg_function_arn(&t.f);
    CU_ASSERT_STRING_EQUAL(arn, "arn:aws:lambda:x:1:function:f??X-Evil: 1");
    free(arn);
    agent_msg_request_id(&t.f, rid, sizeof(rid));
    CU_ASSERT_STRING_EQUAL(rid, "1234567");
    tf_free(&t);

    tf_begin(&t, FG_FRAME_INVOKE);
    tf_add(&t, "function_arn", "a\0b", 3);
    tf_add(&t, "request_id", "12345678", 8);
    tf_end(&t);
    arn = agent_msg_function_arn(&t.f);
    CU_ASSERT_STRING_EQUAL(arn, "");
    free(arn);
    agent_msg_request_id(&t.f, rid, sizeof(rid));
    CU_ASSERT_STRING_EQUAL(rid, "");            /* too long for rid */
    tf_free(&t);
}


/* ---- the runtime an INVOKE names ---- */

static void
test_runtime(void)
{
    char  path[128], msg[64];

#define RT(s) (const uint8_t *) (s), strlen(s)
    msg[0] = '\0';
    CU_ASSERT_EQUAL(agent_msg_runtime(NULL, 0, "/var/task", "/rt", path,
        sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_TASK);
    CU_ASSERT_STRING_EQUAL(path, "/var/task/bootstrap");
    CU_ASSERT_EQUAL(agent_msg_runtime(RT(""), "/t", "/rt", path,
        sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_TASK);
    CU_ASSERT_STRING_EQUAL(path, "/t/bootstrap");
    CU_ASSERT_EQUAL(agent_msg_runtime(RT("provided.al2023"), "/t", "/rt",
        path, sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_TASK);
    CU_ASSERT_STRING_EQUAL(path, "/t/bootstrap");
    CU_ASSERT_EQUAL(agent_msg_runtime(RT("python3.11"), "/t", "/rt", path,
        sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_IMAGE);
    CU_ASSERT_STRING_EQUAL(path, "/rt/python3.11/bootstrap");
    CU_ASSERT_EQUAL(agent_msg_runtime(RT("abcdefghijklmnopqrstuvwxyz012345"),
        "/t", "/rt", path, sizeof(path), msg, sizeof(msg)),
        AGENT_MSG_RT_IMAGE);
    CU_ASSERT_STRING_EQUAL(msg, "");

    CU_ASSERT_EQUAL(agent_msg_runtime(RT("abcdefghijklmnopqrstuvwxyz0123456"),
        "/t", "/rt", path, sizeof(path), msg, sizeof(msg)),
        AGENT_MSG_RT_BAD);
    CU_ASSERT_STRING_EQUAL(msg, "bad runtime name");
    msg[0] = '\0';
    CU_ASSERT_EQUAL(agent_msg_runtime(RT("Python3.11"), "/t", "/rt", path,
        sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_BAD);
    CU_ASSERT_STRING_EQUAL(msg, "bad runtime name");
    CU_ASSERT_EQUAL(agent_msg_runtime(RT("../x"), "/t", "/rt", path,
        sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_BAD);
    CU_ASSERT_EQUAL(agent_msg_runtime(RT("a/b"), "/t", "/rt", path,
        sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_BAD);
    CU_ASSERT_EQUAL(agent_msg_runtime((const uint8_t *) "py\0", 3, "/t",
        "/rt", path, sizeof(path), msg, sizeof(msg)), AGENT_MSG_RT_BAD);
#undef RT
}


static const cu_test_t  load_tests[] = {
    { "a LOAD's files in order, their modes", test_load_ok },
    { "a LOAD out of order or with a bad path", test_load_bad },
    { "a file's mode", test_mode },
    { NULL, NULL }
};

static const cu_test_t  invoke_tests[] = {
    { "an INVOKE's fields and defaults", test_invoke_ok },
    { "an INVOKE's bad fields", test_invoke_bad },
    { "an INVOKE's credentials", test_invoke_credentials },
    { "function_arn and request_id", test_fields },
    { "the runtime named", test_runtime },
    { NULL, NULL }
};

static const cu_suite_t  suites[] = {
    { "agent_msg LOAD", NULL, NULL, load_tests },
    { "agent_msg INVOKE", NULL, NULL, invoke_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(suites, CU_BRM_VERBOSE);
}
