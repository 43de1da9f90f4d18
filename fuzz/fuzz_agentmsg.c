/*
 * fuzz_agentmsg: guest/agent/agent_msg.c, what the agent checks and
 * parses of the frames the host sends before it acts on them: a LOAD's
 * file list (order, paths, modes), an INVOKE's fields (env entries,
 * handler, request id, numbers), its function_arn and request_id as the
 * agent copies them, and the runtime it names.
 *
 * Input: frames one after the other, as read from the port (the seeds
 * are real LOAD and INVOKE frames); bytes that do not start with a whole
 * frame are taken as the payload of one.  Every frame goes through both
 * the LOAD and the INVOKE checks, whatever its type.
 *
 * Invariants: a refusal always says why; a LOAD accepted yields exactly
 * one file per "data" field, each path passing fg_frame_path_ok; an
 * INVOKE accepted has a handler (a good path for a one-shot call), a
 * request id, an env array ending in NULL whose entries all hold "=",
 * at most AGENT_MSG_ENV_MAX of the host's plus PATH and LAMBDA_TASK_ROOT,
 * and numbers within their limits; a function_arn has no control
 * characters; a runtime name accepted is 1 to 32 of [a-z0-9.].  Every
 * parse is freed (LeakSanitizer finds what is not).
 */

#include <stdbool.h>

#include "fuzz.h"
#include "fg_frame.h"
#include "agent_msg.h"

static void
fz_load(const fg_frame_t *f)
{
    fg_field_iter_t   it;
    agent_msg_file_t  file;
    const char       *key;
    const uint8_t    *val;
    size_t            klen, vlen;
    unsigned          ndata = 0, nfiles = 0;
    char              msg[4096 + 128];

    msg[0] = '\0';
    if (agent_msg_load_check(f, msg, sizeof(msg)) < 0) {
        FZ_CHECK(msg[0] != '\0');
        return;
    }
    fg_field_iter_init(&it, f);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        if (klen == 4 && memcmp(key, "data", 4) == 0) {
            ndata++;
        }
    }
    fg_field_iter_init(&it, f);
    while (agent_msg_load_next(&it, &file) == 1) {
        FZ_CHECK(fg_frame_path_ok(file.path, file.path_len));
        FZ_CHECK(file.data != NULL);
        nfiles++;
    }
    FZ_CHECK(nfiles == ndata);
}


static void
fz_invoke(const fg_frame_t *f, bool any_handler)
{
    agent_msg_invoke_t  r;
    char                msg[256];
    unsigned            i;

    msg[0] = '\0';
    if (agent_msg_invoke_parse(f, &r, any_handler, "/var/task", msg,
            sizeof(msg)) < 0)
    {
        FZ_CHECK(msg[0] != '\0');
        agent_msg_invoke_free(&r);
        return;
    }
    FZ_CHECK(r.handler != NULL && r.request_id != NULL);
    FZ_CHECK(any_handler
             || fg_frame_path_ok(r.handler, strlen(r.handler)));
    FZ_CHECK(r.timeout_ms > 0);
    FZ_CHECK(r.memory_mb > 0 && r.memory_mb <= 1024 * 1024);
    FZ_CHECK(r.nenv <= AGENT_MSG_ENV_MAX + 2);
    FZ_CHECK(r.env[r.nenv] == NULL);
    for (i = 0; i < r.nenv; i++) {
        FZ_CHECK(r.env[i] != NULL && strchr(r.env[i], '=') != NULL);
    }
    FZ_CHECK(agent_msg_env_has(&r, "PATH"));
    FZ_CHECK(agent_msg_env_has(&r, "LAMBDA_TASK_ROOT"));
    FZ_CHECK(r.event != NULL || r.event_len == 0);
    agent_msg_invoke_free(&r);
}


static void
fz_fields(const fg_frame_t *f)
{
    char            *arn, rid[37], path[128], msg[64];
    const uint8_t   *v;
    size_t           len, i;
    agent_msg_rt_t   rt;

    arn = agent_msg_function_arn(f);
    if (arn != NULL) {
        for (i = 0; arn[i] != '\0'; i++) {
            FZ_CHECK((unsigned char) arn[i] >= 0x20);
        }
        free(arn);
    }
    agent_msg_request_id(f, rid, sizeof(rid));
    FZ_CHECK(memchr(rid, '\0', sizeof(rid)) != NULL);

    v = fg_frame_get(f, "runtime", &len);
    msg[0] = '\0';
    rt = agent_msg_runtime(v, v ? len : 0, "/var/task", "/var/runtime",
        path, sizeof(path), msg, sizeof(msg));
    if (rt == AGENT_MSG_RT_BAD) {
        FZ_CHECK(strcmp(msg, "bad runtime name") == 0);
    } else if (rt == AGENT_MSG_RT_IMAGE) {
        FZ_CHECK(len >= 1 && len <= 32);
        for (i = 0; i < len; i++) {
            FZ_CHECK((v[i] >= 'a' && v[i] <= 'z')
                     || (v[i] >= '0' && v[i] <= '9') || v[i] == '.');
        }
        FZ_CHECK(strncmp(path, "/var/runtime/", 13) == 0);
    } else {
        FZ_CHECK(rt == AGENT_MSG_RT_TASK);
        FZ_CHECK(strcmp(path, "/var/task/bootstrap") == 0);
    }
}


static void
fz_one(const fg_frame_t *f)
{
    fz_load(f);
    fz_invoke(f, false);
    fz_invoke(f, true);
    fz_fields(f);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t  *p = data;
    size_t          left = size;
    ssize_t         k;
    fg_frame_t      f;
    uint8_t        *copy;

    if (size >= FG_FRAME_HEADER_SIZE && fg_frame_parse(p, left, &f) > 0) {
        while (left > 0 && (k = fg_frame_parse(p, left, &f)) > 0) {
            fz_one(&f);
            p += k;
            left -= (size_t) k;
        }
        return 0;
    }

    /* the bytes as a payload (copied, so reads past it are caught) */
    if (size > FG_FRAME_MAX_PAYLOAD) {
        return 0;
    }
    copy = fz_copy(data, size);
    if (copy == NULL) {
        return 0;
    }
    f.type = FG_FRAME_INVOKE;
    f.flags = 0;
    f.seq = 1;
    f.len = size;
    f.payload = copy;
    fz_one(&f);
    free(copy);
    return 0;
}
