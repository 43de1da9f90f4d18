/*
 * fngated_queues_priv: what the queue service's files share
 * (fngated_queues.c, the calls and the C API; fngated_queues_move.c, the
 * message move tasks).  Not for other fngated code: it uses
 * fngated_queues.h.
 */

#ifndef FNGATED_QUEUES_PRIV_H
#define FNGATED_QUEUES_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "fg_keys.h"
#include "fngated_queues_wire.h"
#include "fngated_redis.h"
#include "fngated_req.h"

/* One call: its request, caller and parameters, and its error. */
typedef struct {
    const fgd_req_t   *q;
    const char        *caller;
    const char        *region;
    const char        *host;
    bool               json;
    fgq_params_t       p;
    const fgq_code_t  *code;            /* the error, NULL: none */
    char               msg[512];
} fgq_ctx_t;

/* A queue: its keys, and its attributes once loaded. */
typedef struct {
    char          owner[FG_ACCOUNT_LEN + 1];
    char          name[FG_QUEUE_NAME_MAX + 1];
    char          key[FG_QKEY_COUNT][FG_KEY_MAX];
    redisReply   *attrs;                /* HGETALL of the queue */
    bool          fifo;
} fgq_queue_t;

/* Arguments of a command or script. */
typedef struct {
    const char  **v;
    size_t       *l;
    int           n, cap;
    char        **owned;
    int           nowned;
    bool          failed;
} fgq_args_t;

/* Sets c's error; returns -1. */
int fgq_fail(fgq_ctx_t *c, const fgq_code_t *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
long long fgq_now_ms(void);

void fgq_arg(fgq_args_t *a, const char *s, size_t len);
void fgq_arg_s(fgq_args_t *a, const char *s);
/* An argument the list owns (a formatted number, ...). */
void fgq_arg_fmt(fgq_args_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fgq_args_free(fgq_args_t *a);

/* A command / a script on c's connection: the reply, or NULL with c's
 * error.  _int: a script's integer answer, 0 with *v, or -1. */
redisReply *fgq_cmd(fgq_ctx_t *c, bool idempotent, fgq_args_t *a);
redisReply *fgq_script(fgq_ctx_t *c, fgd_script_t s, int nkeys,
    fgq_args_t *a);
int fgq_script_int(fgq_ctx_t *c, fgd_script_t s, int nkeys, fgq_args_t *a,
    long long *v);
/* A script whose answer is an array led by a status integer: the reply
 * with *status, or NULL with c's error. */
redisReply *fgq_script_status(fgq_ctx_t *c, fgd_script_t s, int nkeys,
    fgq_args_t *a, long long *status);

void fgq_queue_free(fgq_queue_t *qu);
int fgq_queue_keys(fgq_queue_t *qu, const char *owner, const char *name);
const char *fgq_qattr(const fgq_queue_t *qu, const char *name);
void fgq_queue_arn(const fgq_ctx_t *c, const char *owner, const char *name,
    char *dst, size_t size);
/* Reads the queue and checks that the caller may do action on it (its
 * owner, or a grant; owner_only: only the owner). */
int fgq_queue_load(fgq_ctx_t *c, fgq_queue_t *qu, const char *owner,
    const char *name, const char *action, bool owner_only);
/* The dead-letter queue of qu's RedrivePolicy when it is one of the same
 * owner's queues: 0 with dlq's keys and *max, 1 none. */
int fgq_redrive(const fgq_queue_t *qu, fgq_queue_t *dlq, unsigned *max);
/* Calls each(c, dlq, name, arg) for every queue of dlq's owner whose
 * RedrivePolicy names dlq, until one returns non-zero (that value is
 * returned).  0, or -1 when Redis failed. */
typedef int (*fgq_source_pt)(fgq_ctx_t *c, const fgq_queue_t *dlq,
    const char *name, void *arg);
int fgq_redrive_sources(fgq_ctx_t *c, const fgq_queue_t *dlq,
    fgq_source_pt each, void *arg);

void fgq_new_uuid(char dst[37]);
/* An integer parameter in lo..hi (def when absent): 0 with *v, or -1
 * with InvalidParameterValue saying range. */
int fgq_uint_param(fgq_ctx_t *c, const char *name, long def, long lo,
    long hi, const char *range, long *v);
/* A field of a stream entry's field list ("" when absent). */
const char *fgq_field(const redisReply *f, const char *name, size_t *len);

/* The message move tasks (fngated_queues_move.c): StartMessageMoveTask,
 * ListMessageMoveTasks, CancelMessageMoveTask. */
int fgq_h_move_start(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o);
int fgq_h_move_list(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o);
int fgq_h_move_cancel(fgq_ctx_t *c, fgq_queue_t *unused, fgq_out_t *o);

#endif /* FNGATED_QUEUES_PRIV_H */
