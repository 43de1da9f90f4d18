/*
 * fngated_bounds_json: execution bounds and cross-account aliases'
 * overrides, their bodies, JSON and how they apply to a call
 * (fngated_bounds_json.c).  Pure.
 */

#ifndef FNGATED_BOUNDS_JSON_H
#define FNGATED_BOUNDS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "fngated_functions_json.h"
#include "fngated_aliases_json.h"

#define FGD_BOUNDS_VARS_MAX    50u

/*
 * What a function's owner lets other accounts' calls change (PUT
 * .../functions/NAME/execution-bounds).  0 maxima are "the called
 * version's own value": an alias may lower MemorySize and Timeout but not
 * raise them.  Without bounds stored, all fields are their zero.
 */
typedef struct {
    unsigned  max_memory_mb;        /* MaxMemorySize, 0: the version's */
    unsigned  max_timeout_s;        /* MaxTimeout, 0: the version's */
    bool      allow_environment;    /* AllowEnvironment: other accounts
                                       may add variables the owner does
                                       not set */
    bool      allow_log_tail;       /* AllowLogTail: X-Amz-Log-Type: Tail
                                       answered to other accounts */
    size_t    nvars;                /* OverridableVariables: the owner's
                                       variables others may set */
    char      vars[FGD_BOUNDS_VARS_MAX][FGD_ENV_NAME_MAX + 1];
} fgd_bounds_t;

/* A cross-account alias's overrides (PUT .../aliases/ALIAS/overrides). */
typedef struct {
    unsigned  memory_mb;            /* MemorySize, 0: not overridden */
    unsigned  timeout_s;            /* Timeout, 0: not overridden */
    char     *environment;          /* Environment.Variables as a JSON
                                       object, malloc'd; NULL: none */
} fgd_overrides_t;

void fgd_overrides_clear(fgd_overrides_t *o);

/*
 * PutExecutionBounds's body (and the stored form): MaxMemorySize
 * (128..max_memory_mb), MaxTimeout (1..900), AllowEnvironment,
 * AllowLogTail (booleans), OverridableVariables (up to 50 valid,
 * unreserved, distinct names).  Unknown fields are refused.  0, or -1
 * with a 400 in r.
 */
int fgd_bounds_parse(const char *body, size_t len, unsigned max_memory_mb,
    fgd_bounds_t *b, fgd_resp_t *r);

/* The bounds as GetExecutionBounds answers them (with "FunctionArn" when
 * arn is not NULL) and as they are stored (arn NULL). */
int fgd_json_bounds(const fgd_bounds_t *b, const char *arn, char **out,
    size_t *out_len);

/*
 * PutAliasOverrides's body (and the stored form): MemorySize
 * (128..max_memory_mb), Timeout (1..900), Environment.Variables (as
 * CreateFunction's).  Unknown fields are refused.  0, or -1 with r.
 */
int fgd_overrides_parse(const char *body, size_t len,
    unsigned max_memory_mb, fgd_overrides_t *o, fgd_resp_t *r);

/* GetAliasOverrides's answer (with "AliasArn" and "RevisionId" when not
 * NULL) and the stored form (both NULL). */
int fgd_json_overrides(const fgd_overrides_t *o, const char *alias_arn,
    const char *revision, char **out, size_t *out_len);

/*
 * Whether the owner's bounds b allow the overrides o on target (the
 * version the alias reaches now, for the maxima b leaves to it); arn
 * names the target's function in the message.  0, or -1 with a 400.
 */
int fgd_overrides_allowed(const fgd_overrides_t *o, const fgd_bounds_t *b,
    const fgd_fn_t *target, const char *arn, fgd_resp_t *r);

/*
 * A call through a cross-account alias: fn (the owner's version) gets the
 * overrides the current bounds allow.  What they no longer allow is left
 * at the owner's values and said in note (for the log; "" when all
 * applied).  The owner's variables stay unless b lists them; the
 * alias's other variables are added only where b allows it.  0, or -1 (no
 * memory).
 */
int fgd_overrides_apply(const fgd_overrides_t *o, const fgd_bounds_t *b,
    fgd_fn_t *fn, char *note, size_t note_size);

#endif /* FNGATED_BOUNDS_JSON_H */
