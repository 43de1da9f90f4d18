/*
 * fngated internals that need neither Redis, libvirt nor a FastCGI
 * connection: configuration parsing, request validation, JSON shapes,
 * error mapping, base64, Lambda time formats and the mapping of an agent
 * RESULT to an Invoke response.  Exported so t/unit/test_fngated.c can
 * test them directly.
 *
 * Prefix: fgd_ (fngated).  Every function that fills an fgd_resp_t on
 * failure leaves a complete Lambda-style error in it (status, type,
 * message), ready to send.
 */

#ifndef FNGATED_PRIV_H
#define FNGATED_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fg_frame.h"
#include "fg_route.h"
#include "vmpool.h"

#define FGD_MAX_PAYLOAD        6291456u   /* Invoke request, as Lambda */
#define FGD_MAX_OUTPUT         6291556u   /* Invoke response, as Lambda */
#define FGD_LOG_TAIL           4096u      /* X-Amz-Log-Result bytes */
#define FGD_ENV_MAX            4096u      /* Environment.Variables JSON */
#define FGD_DESCRIPTION_MAX    256u
#define FGD_HANDLER_MAX        128u
#define FGD_ROLE_MAX           2048u
#define FGD_TIMEOUT_MAX        900u
#define FGD_MEMORY_MIN         128u
#define FGD_JSON_DEPTH_MAX     32u
#define FGD_LIST_DEFAULT       50u
#define FGD_LIST_MAX           10000u
#define FGD_SHA256_HEX         65         /* 64 + NUL */
#define FGD_TIME_LEN           32
#define FGD_GUEST_RESERVE_MB   64u        /* guest RAM beyond MemorySize */
#define FGD_VERSION_LEN        16         /* "$LATEST", or up to 10 digits */

/* ------------------------------------------------------------------ */
/* Configuration (fngated -c FILE)                                      */

/* Quotas of one account (conf/fngated.conf's quota_* keys); 0 is no
 * limit.  Checked by the Redis script that writes, so two calls can not
 * both take the last slot. */
typedef struct {
    unsigned       functions;       /* functions of an account */
    size_t         code_storage;    /* bytes of code: CodeSize of $LATEST
                                       and of every version */
    unsigned       versions;        /* published versions of a function */
    unsigned       aliases;         /* aliases of a function name */
    unsigned       apis;            /* APIs of an account */
    unsigned       routes;          /* routes of an API */
    unsigned       subscriptions;   /* subscriptions of an API */
} fgd_quota_t;

typedef struct {
    char          *listen;          /* "unix:/path" or "host:port" */
    char          *redis;           /* "host:port" or "unix:/path" */
    unsigned       threads;
    char          *region;
    size_t         max_code_size;   /* bytes of zip */
    unsigned       max_memory_mb;   /* largest MemorySize accepted */
    unsigned       cache_ttl_ms;    /* fngated_cache's staleness bound */
    vmp_config_t   vm;              /* strings owned by the fields below */
    char          *libvirt_uri;
    char          *kernel;
    char          *initrd;
    char          *domain_xml;
    char          *state_dir;
    char          *accel;
    char          *runtimes;
    char          *emulator;
    char          *name_prefix;
    char          *billing_log;     /* nginx's billing log, for usage;
                                       "" none */
    fgd_quota_t    quota;           /* per account; 0: no limit */
    size_t         billing_log_reserve; /* bytes its file system keeps
                                       free for calls in flight; 0 off */
    char          *pid_file;        /* written once ready; "" none */
    unsigned long  seen;            /* keys given, one bit each */
    unsigned long  overridden;      /* keys given by -o, one bit each */
} fgd_conf_t;

/* Defaults (the values conf/fngated.conf documents; the VM keys are
 * vmp_config_defaults').  0 or -1 (ENOMEM). */
int fgd_conf_init(fgd_conf_t *conf);
/* Points conf->vm's strings at the owned copies (done by init / load). */
void fgd_conf_vm_strings(fgd_conf_t *conf);
void fgd_conf_free(fgd_conf_t *conf);           /* accepts NULL */

/*
 * Applies one "key = value" line (comments and blank lines are ignored).
 * Returns 0, or -1 with a message in err ("unknown key \"x\"", "bad value
 * ...").
 */
int fgd_conf_line(fgd_conf_t *conf, const char *line, char *err,
    size_t err_size);

/*
 * Applies one "key=value" of the command line (`fngated -o`): the same
 * keys, values and messages as a line of the file, which it wins over
 * (fgd_conf_load skips the file's line of that key).  Given before
 * fgd_conf_load; a key given twice by -o is an error.
 */
int fgd_conf_override(fgd_conf_t *conf, const char *kv, char *err,
    size_t err_size);

/* Reads a whole file; -1 with "FILE:LINE: message" in err. */
int fgd_conf_load(fgd_conf_t *conf, const char *path, char *err,
    size_t err_size);

/* ------------------------------------------------------------------ */
/* Responses                                                            */

typedef struct {
    int        status;               /* HTTP status */
    const char *error_type;          /* x-amzn-ErrorType, NULL if none */
    const char *function_error;      /* X-Amz-Function-Error, or NULL */
    const char *throttle_reason;     /* TooManyRequests Reason, or NULL */
    char      *headers;              /* extra "Name: value\r\n" lines,
                                        malloc'd, or NULL */
    char      *body;                 /* malloc'd, may be NULL */
    size_t     body_len;
    char      *content_type;         /* malloc'd; NULL: application/json
                                        (an API's proxy response) */
    char       message[512];         /* the error message, for the log */
} fgd_resp_t;

void fgd_resp_free(fgd_resp_t *r);               /* accepts NULL */

/*
 * Makes r a Lambda error: status, x-amzn-ErrorType type, body
 * {"Type":"User"|"Service","message":"..."} (plus "Reason" for
 * TooManyRequestsException).  Always returns -1 so callers can
 * "return fgd_error(...)".
 */
int fgd_error(fgd_resp_t *r, int status, const char *type,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Status line text: 200 -> "OK". */
const char *fgd_status_text(int status);

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

/* Standard base64 with padding; dst needs 4*ceil(len/3)+1 bytes.
 * Returns the length written (NUL-terminated). */
size_t fgd_base64_encode(const uint8_t *src, size_t len, char *dst);

/* Decodes standard base64 (padding optional, no whitespace).  dst needs
 * len/4*3+3 bytes.  Returns the decoded length, or -1 on a bad
 * character or length. */
ssize_t fgd_base64_decode(const char *src, size_t len, uint8_t *dst);

/* "2019-08-14T22:26:11.234+0000" (LastModified) */
void fgd_time_lambda(const struct timespec *ts, char *dst, size_t size);
/* "2019-08-14T22:26:11.234Z" (timeout messages) */
void fgd_time_rfc3339(const struct timespec *ts, char *dst, size_t size);

/* Lower-case Go-style signal description: 9 -> "killed". */
const char *fgd_signal_name(int sig);

/* true when body (len bytes) has no NUL and JSON nesting <= max_depth
 * (checked before yajl builds a tree, whose free is recursive). */
bool fgd_json_shape_ok(const char *body, size_t len, unsigned max_depth);

/* 36-char lower-case uuid v4 from rnd (16 bytes). */
void fgd_uuid_format(const uint8_t rnd[16], char dst[37]);

/* Hex sha256 -> base64 of the digest (CodeSha256); -1 if not hex. */
int fgd_sha_hex_to_b64(const char *hex, char dst[45]);

/* ------------------------------------------------------------------ */
/* Functions                                                            */

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
} fgd_fn_t;

void fgd_fn_clear(fgd_fn_t *fn);                 /* frees members */

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
 * (see the list in fngated_api.c), the zip included (fgd_zip_check).  On
 * success fills c (sha256, code size, LastModified and RevisionId are
 * filled in too) and returns 0; else -1 with the error in r.
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
 * ...; fngated_overrides.c has the list): never set by another account's
 * alias, never in OverridableVariables.  Compared without case. */
bool fgd_env_controls_runtime(const char *name);

/* Handler names: 1-128, no whitespace, relative, no ".." component. */
bool fgd_handler_valid(const char *h);

/* The runtimes fngate runs (fgd_runtimes, NULL-terminated), and whether
 * runtime is one of them. */
extern const char *const fgd_runtimes[];
bool fgd_runtime_known(const char *runtime);

/*
 * The zip must open as a zip, hold only regular files and directories
 * with relative paths free of "..", unpack to at most max_unzipped bytes
 * and contain what runtime needs: provided.al2 and provided.al2023 a
 * regular file "bootstrap" at the root; provided the handler as a regular
 * file, or a "bootstrap"; python3.11 nothing in particular (its runtime
 * reports a missing module at the first call, as Lambda's does).  0, or -1 with the error in r.
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
#define FGD_FN_FIELDS_MAX 24
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
int fgd_json_get_function(const fgd_fn_t *fn, const char *region,
    const char *account, char **out, size_t *out_len);
int fgd_json_list_functions(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* GetFunction's Code.Location (see fngated_api.c for why it looks like
 * this). */
int fgd_code_location(char *dst, size_t size, const char *region,
    const char *account, const char *sha256hex);

/* Parses ListFunctions' Marker / MaxItems from the raw query string.
 * marker gets "" when absent.  0, or -1 with the error in r. */
int fgd_list_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, fgd_resp_t *r);

/* ------------------------------------------------------------------ */
/* Versions                                                             */

/* The version number after last ("" or "0": none yet): 1, 2, ...; 0 when
 * last is not a number or the numbers are used up. */
unsigned long fgd_version_next(const char *last);

/* "$LATEST" for "" (the version a fgd_fn_t is). */
const char *fgd_fn_version(const fgd_fn_t *fn);

/* PublishVersion's body: CodeSha256 (base64, converted to hex here),
 * Description, RevisionId; each "" when absent. */
typedef struct {
    char      sha256[FGD_SHA256_HEX];
    bool      has_description;
    char      description[FGD_DESCRIPTION_MAX + 1];
    char      revision_id[37];
} fgd_publish_t;

int fgd_publish_parse(const char *body, size_t len, fgd_publish_t *p,
    fgd_resp_t *r);

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
 * checked as CreateFunction checks them; fn gets a new LastModified and
 * RevisionId.  revision_id gets the body's RevisionId ("" if none).
 */
int fgd_update_config_parse(const char *body, size_t len,
    const fgd_limits_t *lim, fgd_fn_t *fn, char revision_id[37],
    fgd_resp_t *r);

/* ListVersionsByFunction's Marker ("$LATEST" or a version) / MaxItems. */
int fgd_versions_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, fgd_resp_t *r);

int fgd_json_list_versions(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len);

/* ------------------------------------------------------------------ */
/* Aliases                                                              */

typedef struct {
    char      name[FG_QUALIFIER_MAX + 1];
    char      version[FGD_VERSION_LEN];        /* FunctionVersion */
    char      description[FGD_DESCRIPTION_MAX + 1];
    char      extra_version[FGD_VERSION_LEN];  /* "" when no routing */
    double    extra_weight;                    /* 0..1 */
    char      revision_id[37];
    char      target[FG_TARGET_ARN_MAX + 1];   /* a cross-account alias:
                                                  the ARN of the other
                                                  account's version or
                                                  alias (version is then
                                                  ""); "" otherwise */
} fgd_alias_t;

/* Which fields a CreateAlias / UpdateAlias body gave. */
typedef struct {
    fgd_alias_t  a;
    bool         has_version;
    bool         has_description;
    bool         has_routing;
    char         want_revision[37];            /* UpdateAlias RevisionId */
} fgd_alias_req_t;

/*
 * Parses a CreateAlias (create: Name and FunctionVersion required) or
 * UpdateAlias body; types, the name, the version's pattern and the
 * routing's shape (at most one version, a number, weight 0..1) are
 * checked here.  0, or -1 with r.
 */
int fgd_alias_parse(const char *body, size_t len, bool create,
    fgd_alias_req_t *q, fgd_resp_t *r);

/* Applies an UpdateAlias request to the stored alias a. */
void fgd_alias_merge(fgd_alias_t *a, const fgd_alias_req_t *q);

/* The rules between the fields: routing needs a numbered FunctionVersion
 * and another version.  0, or -1 with 400 in r. */
int fgd_alias_check(const fgd_alias_t *a, fgd_resp_t *r);

/* The version a call through the alias runs, for u uniform in [0,1): the
 * additional version when u < its weight, else FunctionVersion. */
const char *fgd_alias_choose(const fgd_alias_t *a, double u);

/* A new RevisionId (uuid v4). */
void fgd_revision_new(char dst[37]);

/* Stored form of fg:alias:{A}:NAME:ALIAS. */
#define FGD_ALIAS_FIELDS_MAX 12
size_t fgd_alias_to_fields(const fgd_alias_t *a, const char **fv,
    size_t *lens, char buf[32]);
int fgd_alias_from_fields(fgd_alias_t *a, const char *const *fv,
    const size_t *lens, size_t count);

/* AliasConfiguration, and ListAliases' {"Aliases": [...]}. */
int fgd_json_alias(const fgd_alias_t *a, const char *region,
    const char *account, const char *function, char **out, size_t *out_len);
int fgd_json_list_aliases(const fgd_alias_t *as, size_t n,
    const char *next_marker, const char *region, const char *account,
    const char *function, char **out, size_t *out_len);

/* ListAliases' Marker (an alias name), MaxItems and FunctionVersion. */
int fgd_aliases_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, char version[FGD_VERSION_LEN], fgd_resp_t *r);

/* ------------------------------------------------------------------ */
/* Resource policies                                                    */

#define FGD_GRANT_ACTION_MAX   32

/* An AddPermission request. */
typedef struct {
    char      sid[FG_STATEMENT_ID_MAX + 1];
    char      action[FGD_GRANT_ACTION_MAX];    /* lambda:InvokeFunction or
                                                  lambda:GetFunction */
    char      principal[FG_ACCOUNT_LEN + 1];   /* the granted account */
    char      want_revision[37];               /* "" when not given */
} fgd_permission_t;

/*
 * Parses an AddPermission body: StatementId (1-100 of [A-Za-z0-9_-]),
 * Action (lambda:InvokeFunction or lambda:GetFunction), Principal (an
 * account id or arn:aws:iam::ACCOUNT:root; "*" and service principals
 * are refused), optional RevisionId.  The condition keys (SourceArn,
 * SourceAccount, PrincipalOrgID, EventSourceToken, FunctionUrlAuthType)
 * are refused.  0, or -1 with a 400 in r.
 */
int fgd_permission_parse(const char *body, size_t len, fgd_permission_t *p,
    fgd_resp_t *r);

/* The account of a Principal: "ACCOUNT" or "arn:aws:iam::ACCOUNT:root".
 * 0 with dst, or -1. */
int fgd_principal_account(const char *principal, char dst[FG_ACCOUNT_LEN + 1]);

/* The statement as stored and as AddPermission answers it:
 * {"Sid":...,"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::B:root"},
 *  "Action":...,"Resource":"arn:aws:lambda:R:A:function:NAME[:Q]"}. */
int fgd_json_statement(const fgd_permission_t *p, const char *region,
    const char *account, const char *function, const char *qualifier,
    char **out, size_t *out_len);

/* {"Statement": "<statement as a string>"} */
int fgd_json_add_permission(const char *statement, char **out,
    size_t *out_len);

/* {"Policy": "{\"Version\":\"2012-10-17\",\"Id\":\"default\",
 * \"Statement\":[...]}", "RevisionId": ...}; statements are JSON texts. */
int fgd_json_policy(const char *const *statements, size_t n,
    const char *revision, char **out, size_t *out_len);

/* ------------------------------------------------------------------ */
/* Execution overrides of cross-account aliases                         */

#define FGD_BOUNDS_VARS_MAX    50u
#define FGD_ENV_NAME_MAX       128u
#define FGD_MEMORY_LIMIT_MB    10240u   /* Lambda's largest MemorySize:
                                           the bound stored data is read
                                           with */

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

/* ------------------------------------------------------------------ */
/* Invoke                                                               */

typedef enum {
    FGD_INVOKE_REQUEST_RESPONSE = 0,
    FGD_INVOKE_DRY_RUN,
    FGD_INVOKE_EVENT
} fgd_invocation_type_t;

/* "" / "RequestResponse" / "DryRun" accepted; "Event" -> 400 (not yet
 * supported); anything else -> 400.  0 or -1 with r. */
int fgd_invocation_type(const char *s, fgd_invocation_type_t *t,
    fgd_resp_t *r);

/* The Invoke payload must be JSON, as Lambda requires (empty is allowed
 * and becomes "{}").  0, or -1 with 400 InvalidRequestContentException. */
int fgd_payload_check(const char *body, size_t len, fgd_resp_t *r);

/* Appends the INVOKE fields after request_id / handler / event:
 * the env entries (reserved Lambda variables, then the function's own),
 * timeout_ms, memory_mb, max_output.  0 or -1 (no memory / bad env). */
/* AWS_LAMBDA_FUNCTION_VERSION is fgd_fn_version(fn). */
/* function_arn: the ARN the call named (INVOKE "function_arn"). */
int fgd_invoke_frame(fg_buf_t *b, const fgd_fn_t *fn, const char *region,
    const char *request_id, const char *function_arn, const uint8_t *event,
    size_t event_len);

/* What an agent RESULT says, parsed. */
typedef struct {
    char           status[16];
    long long      exit_code;
    const uint8_t *out;
    size_t         out_len;
    const uint8_t *err;            /* stderr tail */
    size_t         err_len;
    uint64_t       duration_us;
    uint64_t       max_rss_kb;
    char           message[256];
    char           error_type[128]; /* the runtime's error type, or "" */
    bool           has_init;       /* the call started a runtime: */
    uint64_t       init_us;        /* its init */
} fgd_result_t;

/* Reads a RESULT frame; -1 when it is not one or request_id differs. */
int fgd_result_parse(const fg_frame_t *f, const char *request_id,
    fgd_result_t *res);

/*
 * The Invoke response for a result: 200 with the output for "ok"; 200 +
 * X-Amz-Function-Error: Unhandled + {"errorMessage","errorType"} for
 * function errors (HACKING.md, "Function errors"); 502 ServiceException
 * for an unknown status (*healthy is set false then).  now is the time
 * used in the timeout message.
 */
int fgd_result_response(const fgd_result_t *res, const char *request_id,
    unsigned timeout_s, const struct timespec *now, fgd_resp_t *r,
    bool *healthy);

/*
 * A function error of another account's code, for a caller the owner
 * does not show its log to (fngated_invoke.c): the errorType stays; the
 * errorMessage the runtime posted or the agent gave (and the stackTrace)
 * become "RequestId: ID Error: the function's error message is shown
 * only to its owner"; r->message too (the caller of an API sees it).
 * fngate's own wordings (exit status, signal, timeout, size) stay.
 * Nothing to do for a call that did not fail.  0, or -1 with a 500.
 */
int fgd_result_redact(const fgd_result_t *res, const char *request_id,
    fgd_resp_t *r);

/* The X-Amz-Log-Result text before base64: Lambda's START line, the
 * stderr tail, END and REPORT, clipped to its last FGD_LOG_TAIL bytes.
 * malloc'd, NULL on no memory. */
char *fgd_log_tail(const fgd_result_t *res, const char *request_id,
    const char *version, unsigned memory_mb, unsigned init_ms, bool cold,
    size_t *len);

/* Counters: "12.34", billed = ceil, at least 1; MB = ceil(kB/1024). */
void fgd_duration_ms(uint64_t us, char *dst, size_t size);
uint64_t fgd_billed_ms(uint64_t us);
uint64_t fgd_memory_used_mb(uint64_t kb);

#endif /* FNGATED_PRIV_H */
