/*
 * fngated_functions_json: a function's configuration, the request bodies
 * of the calls on it and their JSON answers, and its stored form
 * (fngated_functions_json.c).  Pure: no Redis, libvirt or FastCGI.
 */

#ifndef FNGATED_FUNCTIONS_JSON_H
#define FNGATED_FUNCTIONS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_route.h"
#include "fngated_event_config_json.h"
#include "fngated_limits.h"
#include "fngated_resp.h"
#include "fngated_util.h"

/* One function's $LATEST configuration, as stored in fg:fn:{A}:NAME. */
typedef struct {
    char      name[FG_FUNCTION_NAME_MAX + 1];
    char      runtime[32];
    char     *role;                 /* malloc'd, "" if none */
    char      handler[FGD_HANDLER_MAX + 1];
    char     *description;          /* malloc'd */
    unsigned  memory_mb;
    unsigned  timeout_s;
    char     *environment;          /* malloc'd JSON object text of the
                                       Variables map, NULL if none */
    char      sha256[FGD_SHA256_HEX];   /* hex */
    uint64_t  code_size;
    char      last_modified[FGD_TIME_LEN];
    char      revision_id[37];
    char      version[FGD_VERSION_LEN];  /* "$LATEST" or "N" ("" is
                                            $LATEST) */
    char      dead_letter[FGD_DEST_ARN_MAX + 1];  /* DeadLetterConfig's
                                            TargetArn (a queue), "" if
                                            none */
    char     *egress;               /* FngateEgress: its destinations
                                       joined by commas, "-" for [], NULL
                                       or "" not set (the operator's
                                       network_default) */
    char     *idem;                 /* FngateIdempotency's stored form
                                       (fngated_idem_json.h), NULL or ""
                                       not idempotent */
} fgd_fn_t;

void fgd_fn_clear(fgd_fn_t *fn);                 /* frees members */
/* Clears n functions and frees the array (NULL: nothing to do). */
void fgd_fns_free(fgd_fn_t *fns, size_t n);

/* A parsed, validated CreateFunction request. */
typedef struct {
    fgd_fn_t   fn;
    uint8_t   *zip;                 /* decoded Code.ZipFile, malloc'd */
    size_t     zip_len;
    bool       publish;             /* Publish: true */
} fgd_create_t;

void fgd_create_clear(fgd_create_t *c);

typedef struct {
    size_t    max_code_size;        /* zip bytes */
    size_t    max_unzipped;         /* sum of file sizes */
    unsigned  max_memory_mb;
} fgd_limits_t;

/*
 * Parses and validates a CreateFunction body: every field Lambda checks
 * (see the list in fngated_functions_json.c), the zip included
 * (fgd_zip_check).  On success fills c (sha256, code size, LastModified
 * and RevisionId are filled in too) and returns 0; else -1 with the error
 * in r.
 */
int fgd_create_parse(const char *body, size_t len, const fgd_limits_t *lim,
    fgd_create_t *c, fgd_resp_t *r);

/* Validates Environment.Variables given as a yajl object; on success
 * *json is its canonical JSON text (malloc'd, NULL for none). */
struct yajl_val_s;
int fgd_env_validate(struct yajl_val_s *vars, char **json, fgd_resp_t *r);

/* true for the variable names Lambda reserves. */
bool fgd_env_reserved(const char *name);

/* true for the variable names that steer the runtime, the loader, the
 * shell or the libraries (PATH, LD_*, PYTHON*, NODE_*, AWS_*, *_PROXY,
 * ...; fngated_bounds_json.c has the list): never set by another account's
 * alias, never in OverridableVariables.  Compared without case. */
bool fgd_env_controls_runtime(const char *name);

/* Handler names: 1-128, no whitespace, relative, no ".." component. */
bool fgd_handler_valid(const char *h);

/* The runtimes fngate runs (fgd_runtimes, NULL-terminated), and whether
 * runtime is one of them. */
extern const char *const fgd_runtimes[];
bool fgd_runtime_known(const char *runtime);

/* Whether a host whose runtime disk carries names (its manifest: one
 * runtime a line) runs runtime: the provided ones need no disk. */
bool fgd_runtime_carried(const char *names, const char *runtime);

/*
 * The zip must open as a zip, hold only regular files and directories
 * with relative paths free of "..", unpack to at most max_unzipped bytes
 * and contain what runtime needs: provided.al2 and provided.al2023 a
 * regular file "bootstrap" at the root; provided the handler as a regular
 * file, or a "bootstrap"; python3.11 and nodejs* nothing in particular
 * (their runtimes report a missing module at the first call, as Lambda's
 * do).  0, or -1 with the error in r.
 */
int fgd_zip_check(const uint8_t *zip, size_t len, const char *runtime,
    const char *handler, size_t max_unzipped, fgd_resp_t *r);

/*
 * Fills fn from the field/value pairs of an HGETALL reply (count = number
 * of strings).  Returns 0, or -1 when a required field is missing or bad
 * (a corrupt record).
 */
int fgd_fn_from_fields(fgd_fn_t *fn, const char *const *fv,
    const size_t *lens, size_t count);

/* The field/value pairs to store (HSET); values point into fn or into
 * buf (which must outlive the use).  Returns the number of strings. */
#define FGD_FN_FIELDS_MAX 30
size_t fgd_fn_to_fields(const fgd_fn_t *fn, const char **fv,
    size_t *lens, char buf[128]);

/*
 * JSON bodies (malloc'd NUL-terminated text in *out, length in *out_len);
 * 0 or -1 (no memory).  location is GetFunction's Code.Location.
 */
int fgd_json_function_config(const fgd_fn_t *fn, const char *region,
    const char *account, char **out, size_t *out_len);
/* GetFunction for a grantee of the owner: {"Configuration": ...} without
 * "Code" (the code's location is the owner's alone). */
int fgd_json_get_function_shared(const fgd_fn_t *fn, const char *region,
    const char *account, char **out, size_t *out_len);
/* GetFunction for the owner: Configuration, Code and, when reserved >= 0,
 * Concurrency {ReservedConcurrentExecutions}. */
int fgd_json_get_function(const fgd_fn_t *fn, const char *region,
    const char *account, int reserved, char **out, size_t *out_len);
int fgd_json_list_functions(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* GetFunction's Code.Location (see fngated_functions_json.c for why it
 * looks like this). */
int fgd_code_location(char *dst, size_t size, const char *region,
    const char *account, const char *sha256hex);

/* Parses ListFunctions' Marker / MaxItems from the raw query string.
 * marker gets "" when absent.  0, or -1 with the error in r. */
int fgd_list_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, fgd_resp_t *r);

/* "$LATEST" for "" (the version a fgd_fn_t is). */
const char *fgd_fn_version(const fgd_fn_t *fn);

/*
 * UpdateFunctionCode's body: Code.ZipFile (checked as CreateFunction
 * checks it, against runtime and handler), Publish, RevisionId.  Fills c->zip,
 * c->fn.sha256, code_size, LastModified and RevisionId, c->publish.
 */
int fgd_update_code_parse(const char *body, size_t len,
    const fgd_limits_t *lim, const char *runtime, const char *handler,
    fgd_create_t *c, char revision_id[37], fgd_resp_t *r);

/*
 * UpdateFunctionConfiguration's body applied to fn (the stored $LATEST):
 * Runtime, Handler, Description, MemorySize, Timeout, Environment, Role,
 * DeadLetterConfig (an empty TargetArn removes it), FngateEgress,
 * FngateIdempotency ({} or null removes it), checked as
 * CreateFunction checks them; fn gets a new LastModified and
 * RevisionId.  revision_id gets the body's RevisionId ("" if none).
 */
int fgd_update_config_parse(const char *body, size_t len,
    const fgd_limits_t *lim, fgd_fn_t *fn, char revision_id[37],
    fgd_resp_t *r);

/* {"<list>": [FunctionConfiguration, ...], "NextMarker": ...}: the
 * answers of ListFunctions and ListVersionsByFunction. */
int fgd_json_config_list(const char *list, const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* Base64 sha256 (CodeSha256) -> hex; -1 when it is not one. */
int fgd_sha_b64_to_hex(const char *b64, char hex[FGD_SHA256_HEX]);

/* FngateEgress's most destinations, and longest one. */
#define FGD_EGRESS_MAX      32
#define FGD_EGRESS_ENTRY    48

/* What a call of fn may reach: its FngateEgress, else the operator's
 * default (def); "" for nothing. */
const char *fgd_fn_egress(const fgd_fn_t *fn, const char *def);

#endif /* FNGATED_FUNCTIONS_JSON_H */
