/*
 * agent_msg: what the host sends the agent, checked and parsed before
 * anything acts on it: a LOAD's file list, an INVOKE's fields, the
 * runtime an INVOKE names.  Pure: no file system, no globals, no logging
 * (the directories it names are passed in), so CUnit
 * (t/unit/test_agent_msg.c) and libFuzzer (fuzz/fuzz_agentmsg.c) drive
 * it directly.  The messages it writes to msg are those the host gets in
 * LOADED or RESULT.
 */

#ifndef AGENT_MSG_H
#define AGENT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_frame.h"

/* The most "env" fields an INVOKE may carry. */
#define AGENT_MSG_ENV_MAX  1024
#define AGENT_MSG_CREDENTIALS_MAX  512

/* One file entry of a LOAD: "path", "mode" (octal) and "data", in order. */
typedef struct {
    const uint8_t  *path;       /* relative to the task directory */
    size_t          path_len;
    unsigned        mode;
    const uint8_t  *data;
    size_t          data_len;
} agent_msg_file_t;

/*
 * Checks a LOAD's file list: each entry's "path", "mode" and "data" in
 * that order (other fields are ignored), every path by fg_frame_path_ok.
 * 0, or -1 with msg set.
 */
int agent_msg_load_check(const fg_frame_t *f, char *msg, size_t msize);

/*
 * The next file entry of a LOAD that agent_msg_load_check accepted (it
 * initialised with fg_field_iter_init): 1 with *file set, 0 at the end.
 */
int agent_msg_load_next(fg_field_iter_t *it, agent_msg_file_t *file);

/* A "mode" field's value: octal, up to 15 characters read. */
unsigned agent_msg_mode(const uint8_t *v, size_t len);

/* An INVOKE's request. */
typedef struct {
    char           *request_id;
    char           *handler;
    const uint8_t  *event;      /* in the frame */
    size_t          event_len;
    char          **env;        /* NULL-terminated "NAME=value" */
    unsigned        nenv;
    char           *credentials; /* the call's own temporary credentials,
                                    "AKID:SECRET:TOKEN:EXPIRATION", or
                                    NULL: never in env (a runtime's env
                                    outlives the call) */
    uint64_t        timeout_ms;
    uint64_t        memory_mb;
    uint64_t        max_output;
    bool            init_only;  /* make the function ready, run no event
                                   (provisioned concurrency) */
} agent_msg_invoke_t;

/*
 * Parses an INVOKE into r: its "env" entries (at most AGENT_MSG_ENV_MAX,
 * each with a "=" and no NUL) with PATH and LAMBDA_TASK_ROOT (task_dir)
 * added unless given, "request_id", "handler" (a path under the task
 * directory unless any_handler: a runtime's handler is its own business),
 * "event", "timeout_ms", "memory_mb", "max_output" with their defaults,
 * "init_only" (0 or 1; absent: 0), "credentials" (printable ASCII, at
 * most AGENT_MSG_CREDENTIALS_MAX).  0, or -1 with msg set.  Either way r
 * holds what was parsed so far and is freed with agent_msg_invoke_free.
 */
int agent_msg_invoke_parse(const fg_frame_t *f, agent_msg_invoke_t *r,
    bool any_handler, const char *task_dir, char *msg, size_t msize);

void agent_msg_invoke_free(agent_msg_invoke_t *r);

/*
 * A one-shot handler's environment: r's env with the call's credentials
 * as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
 * AWS_CREDENTIAL_EXPIRATION.  A malloc'd NULL-terminated array whose
 * added strings follow it in the same block (free it alone), or NULL.
 */
char **agent_msg_call_env(const agent_msg_invoke_t *r);

/* Whether r's environment sets name. */
bool agent_msg_env_has(const agent_msg_invoke_t *r, const char *name);

/* A malloc'd C string of a field's value; NULL if it holds a NUL or on
 * ENOMEM. */
char *agent_msg_dup(const uint8_t *v, size_t len);

/* An INVOKE's "function_arn" for a header (control characters become
 * "?"; "" when absent or holding a NUL), malloc'd; NULL on ENOMEM. */
char *agent_msg_function_arn(const fg_frame_t *f);

/* An INVOKE's "request_id" into rid ("" when absent or too long for
 * size, which must be at least 1). */
void agent_msg_request_id(const fg_frame_t *f, char *rid, size_t size);

typedef enum {
    AGENT_MSG_RT_BAD = -1,      /* not a runtime name (msg) */
    AGENT_MSG_RT_TASK = 0,      /* none or provided*: the zip's bootstrap,
                                   if it has one (TASK_DIR/bootstrap) */
    AGENT_MSG_RT_IMAGE = 1      /* the image's RUNTIME_DIR/NAME/bootstrap */
} agent_msg_rt_t;

/*
 * What an INVOKE's "runtime" (v, len; v NULL when absent) names, and the
 * bootstrap's path under task_dir or runtime_dir.
 */
agent_msg_rt_t agent_msg_runtime(const uint8_t *v, size_t len,
    const char *task_dir, const char *runtime_dir, char *path, size_t size,
    char *msg, size_t msize);

#endif /* AGENT_MSG_H */
