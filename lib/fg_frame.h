/*
 * fg_frame: the framed protocol between fngated (host) and fngate-agent
 * (PID 1 in a guest), carried over a virtio-serial port.
 *
 * A frame is a 12-byte header followed by a payload:
 *
 *     u16 magic   0x4647 ("FG"), big-endian
 *     u8  type    FG_FRAME_*
 *     u8  flags   0 (reserved)
 *     u32 seq     request number chosen by the host, echoed in the reply
 *     u32 length  payload length in bytes, at most FG_FRAME_MAX_PAYLOAD
 *
 * The payload is a sequence of fields, each
 *
 *     u16 key length, key bytes, u32 value length, value bytes
 *
 * Keys are short ASCII names; a key may repeat (LOAD carries one "path",
 * "mode", "data" triple per file, in that order).  Numbers travel as decimal
 * text.  No part of this file depends on nginx, libvirt or the guest.
 */

#ifndef FG_FRAME_H
#define FG_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FG_FRAME_MAGIC        0x4647
#define FG_FRAME_HEADER_SIZE  12
#define FG_FRAME_MAX_PAYLOAD  (64u * 1024 * 1024)

typedef enum {
    FG_FRAME_HELLO  = 1,  /* agent -> host at start: "version", "kernel",
                             "cgroup" ("1": memory limits work),
                             "runtime_api" (host:port of the Runtime API
                             in the guest, "" when it could not listen) */
    FG_FRAME_LOAD   = 2,  /* host -> agent: "sha256", then files, see below */
    FG_FRAME_LOADED = 3,  /* agent -> host: "status" ("ok" or "error"),
                             "message" */
    FG_FRAME_INVOKE = 4,  /* host -> agent: see the field list below */
    FG_FRAME_RESULT = 5,  /* agent -> host: see the field list below */
    FG_FRAME_PING   = 6,  /* host -> agent, empty */
    FG_FRAME_PONG   = 7,  /* agent -> host, empty */
    FG_FRAME_ERROR  = 8,  /* either way: "message"; protocol failure */
    FG_FRAME_SYNC   = 9,  /* host -> agent, after a restore: "time_ns"
                             (the host's CLOCK_REALTIME), "entropy" (bytes
                             for the guest's random pool); PONG answers */
    FG_FRAME_SUSPEND = 10, /* host -> agent, empty: checkpoint the
                             persistent runtime's call in flight (CRIU) and
                             set its sandbox aside; PONG answers with
                             "status" ("ok", or "no": nothing suspended,
                             and why in "message"), "took_us", "bytes" */
    FG_FRAME_RESUME = 11  /* host -> agent, empty: bring the suspended call
                             back (no call may be in flight); PONG answers
                             as for SUSPEND ("no": the call could not come
                             back and its RESULT, status "failed", follows) */
} fg_frame_type_t;

/*
 * LOAD fields: "sha256" (hex of the zip), then for each file of the zip, in
 * order, "path" (relative, no "..", no leading "/"), "mode" (octal text,
 * e.g. "755"), "data" (the bytes); and "sandbox" (the guest's sandbox,
 * 0-7, decimal; absent: 0).  Directories are implied by paths.  The agent
 * replaces that sandbox's code with exactly these files.
 *
 * INVOKE fields:
 *   "request_id"  the Lambda request id
 *   "runtime"     the function's Runtime ("provided", "provided.al2",
 *                 "provided.al2023", "python3.11", "nodejs20.x"); absent is
 *                 "provided".
 *                 provided*: an executable /var/task/bootstrap makes the
 *                 call go to a persistent runtime (the bootstrap, started
 *                 once and kept, on the Runtime API), else "handler" runs
 *                 one-shot; another name runs the image's
 *                 /var/runtime/NAME/bootstrap as a persistent runtime
 *   "handler"     one-shot: file name under /var/task to execute;
 *                 persistent: any string (the runtime reads _HANDLER)
 *   "function_arn" the ARN the call named (Lambda-Runtime-Invoked-
 *                 Function-Arn); persistent runtimes only
 *   "event"       the payload, given to the handler on stdin
 *   "env"         zero or more "KEY=VALUE" entries, one field each
 *   "timeout_ms"  wall-clock limit; the process group is killed after it
 *                 (the function's Timeout, or less when the call's
 *                 deadline leaves less: fngated_deadline.h)
 *   "memory_mb"   memory limit (cgroup memory.max where available)
 *   "max_output"  bytes of stdout kept; more is a ResponseSizeTooLarge error
 *   "sandbox"     the guest's sandbox that runs it (0-7, decimal; absent:
 *                 0), as LOAD's (guest/agent/agent_slot.c)
 *   "init_only"   1: make the function ready and run no event
 *                 (provisioned concurrency); 0 or absent: a call.  A
 *                 persistent runtime is started (or kept) as for a call
 *                 and the RESULT comes once it asks for an event (at once
 *                 when it already waits), "ok" with an empty "stdout",
 *                 "duration_us" 0 and "init_us" when it started the
 *                 runtime; the runtime waits for the next INVOKE's event,
 *                 warm.  A one-shot handler: "ok" at once, nothing run.
 *                 An init that fails is answered as a call's
 *
 * RESULT fields:
 *   "request_id"  as sent
 *   "status"      "ok" (exit 0, or the runtime posted a response),
 *                 "error" (exit != 0; a runtime that exited during the
 *                 call, whatever its status), "signal" (killed by a
 *                 signal), "timeout", "oom", "too_large", "failed" (could not
 *                 start the handler or the runtime), "function_error" (the
 *                 runtime posted .../invocation/ID/error), "init_error"
 *                 (the runtime posted .../init/error)
 *   "exit"        exit status or signal number
 *   "stdout"      the result (at most max_output bytes); for
 *                 function_error and init_error the body the runtime posted
 *                 (Lambda's {"errorMessage","errorType","stackTrace"})
 *   "stderr"      the last 4096 bytes of stderr (a persistent runtime's
 *                 stdout and stderr since the previous RESULT)
 *   "duration_us" wall time from exec to exit; persistent: from the
 *                 event's delivery to the answer (from the INVOKE when the
 *                 event was never delivered); 0 for init_only's "ok"
 *   "max_rss_kb"  peak memory of the handler (cgroup memory.peak, or
 *                 ru_maxrss); persistent: of the runtime's cgroup since it
 *                 started
 *   "message"     human-readable detail for non-"ok" statuses
 *   "error_type"  function_error / init_error: the runtime's
 *                 Lambda-Runtime-Function-Error-Type header, when it sent one
 *   "init_us"     only when this call started a persistent runtime: from
 *                 its start to its first .../invocation/next (or to the
 *                 end of the call when it never asked)
 */

typedef struct {
    uint8_t  *data;
    size_t    len;
    size_t    cap;
} fg_buf_t;

typedef struct {
    uint8_t         type;
    uint8_t         flags;
    uint32_t        seq;
    const uint8_t  *payload;
    size_t          len;
} fg_frame_t;

typedef struct {
    const uint8_t  *p;
    const uint8_t  *end;
} fg_field_iter_t;

/* Growable byte buffer.  All return 0 on success, -1 on allocation failure. */
int fg_buf_reserve(fg_buf_t *b, size_t extra);
int fg_buf_append(fg_buf_t *b, const void *data, size_t len);
void fg_buf_reset(fg_buf_t *b);
void fg_buf_free(fg_buf_t *b);              /* accepts NULL */

/*
 * Building a frame: begin writes a header with length 0 at the end of b,
 * the add calls append fields, end patches the length.  A frame built this
 * way may follow others in the same buffer.  Return 0, or -1 (no memory or
 * payload over FG_FRAME_MAX_PAYLOAD).
 */
int fg_frame_begin(fg_buf_t *b, fg_frame_type_t type, uint32_t seq);
int fg_frame_add(fg_buf_t *b, const char *key, const void *val, size_t len);
int fg_frame_add_str(fg_buf_t *b, const char *key, const char *val);
int fg_frame_add_u64(fg_buf_t *b, const char *key, uint64_t val);
int fg_frame_end(fg_buf_t *b);

/*
 * Parsing: looks at len bytes from buf.  Returns the size of the complete
 * frame at buf (header + payload) and fills f, 0 if more bytes are needed,
 * or -1 if the bytes are not a frame (bad magic, oversize length, or a
 * payload whose fields do not parse).  f->payload points into buf.
 */
ssize_t fg_frame_parse(const uint8_t *buf, size_t len, fg_frame_t *f);

/* Iterating fields of a parsed frame.  next returns 1 for a field, 0 at
 * the end. */
void fg_field_iter_init(fg_field_iter_t *it, const fg_frame_t *f);
int fg_field_next(fg_field_iter_t *it, const char **key, size_t *klen,
    const uint8_t **val, size_t *vlen);

/* First field named key, or NULL. */
const uint8_t *fg_frame_get(const fg_frame_t *f, const char *key,
    size_t *len);

/* First field named key as a number; -1 if absent or not a number. */
int fg_frame_get_u64(const fg_frame_t *f, const char *key, uint64_t *out);

/*
 * The rule for a LOAD "path" and an INVOKE "handler", the same in fngated,
 * the pool and the agent: relative, shorter than 4096 bytes, no NUL, no
 * empty, "." or ".." component; a trailing "/" marks a directory.
 */
bool fg_frame_path_ok(const void *path, size_t len);

/* Blocking helpers for a file descriptor (host side and agent).  read_frame
 * reads exactly one frame into b (b is reset first) and parses it into f;
 * returns 0, or -1 with errno (EPROTO for a malformed frame, ETIMEDOUT when
 * timeout_ms passed; timeout_ms 0 waits forever). */
int fg_frame_write_all(int fd, const fg_buf_t *b);
int fg_frame_read(int fd, fg_buf_t *b, fg_frame_t *f, unsigned timeout_ms);

#endif /* FG_FRAME_H */
