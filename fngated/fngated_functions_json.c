/*
 * fngated_functions_json: a function's calls without Redis (Lambda API
 * 2015-03-31): the bodies of CreateFunction, UpdateFunctionCode and
 * UpdateFunctionConfiguration, the stored form of fg:fn:{A}:NAME and the
 * JSON answers.
 *
 * CreateFunction checks, in this order, and answers like Lambda:
 *   body not a JSON object          400 InvalidRequestContentException
 *   a field of the wrong JSON type  400 InvalidRequestContentException
 *   FunctionName missing / bad      400 InvalidParameterValueException
 *   Publish not a boolean           400 InvalidRequestContentException
 *   PackageType other than Zip, Architectures other than ["x86_64"]
 *                                   400 InvalidParameterValueException
 *   Runtime / Handler missing       400 InvalidParameterValueException
 *   Runtime not in fgd_runtimes (provided, provided.al2,
 *   provided.al2023, python3.11, nodejs18.x, nodejs20.x)
 *                                   400 InvalidParameterValueException
 *   Handler bad (provided: a relative path; others: Lambda's [^\s]{1,128})
 *                                   400 InvalidParameterValueException
 *   Role over 2048, Description over 256 bytes, Timeout outside 1..900,
 *   MemorySize outside 128..max_memory_mb
 *                                   400 InvalidParameterValueException
 *   Environment: bad names, reserved names, over 4 KB
 *                                   400 InvalidParameterValueException
 *   DeadLetterConfig.TargetArn not an ARN, or not an SQS queue's
 *                                   400 InvalidParameterValueException
 *   (whether the queue exists and may be sent to is fngated_functions.c's
 *   to check, fgd_eic_dest_check)
 *   Code missing, S3 / image code   400 InvalidParameterValueException
 *   Code.ZipFile not base64         400 InvalidParameterValueException
 *   zip over max_code_size          413 RequestTooLargeException
 *   not a zip, unsafe paths, handler (provided) or bootstrap
 *   (provided.al2*) absent, unzipped too large
 *                                   400 InvalidParameterValueException
 * Unknown fields are ignored (SDKs send Tags, TracingConfig, ...).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/rand.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fg_frame.h"
#include "fg_route.h"
#include "fg_sigv4.h"
#include "fg_egress.h"
#include "fngated_functions_json.h"
#include "fngated_idem_json.h"
#include "fngated_json.h"

void
fgd_fn_clear(fgd_fn_t *fn)
{
    if (fn == NULL) {
        return;
    }
    free(fn->role);
    free(fn->description);
    free(fn->environment);
    free(fn->egress);
    free(fn->idem);
    memset(fn, 0, sizeof(*fn));
}

void
fgd_fns_free(fgd_fn_t *fns, size_t n)
{
    size_t  i;

    if (fns == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        fgd_fn_clear(&fns[i]);
    }
    free(fns);
}

void
fgd_create_clear(fgd_create_t *c)
{
    if (c == NULL) {
        return;
    }
    fgd_fn_clear(&c->fn);
    free(c->zip);
    c->zip = NULL;
    c->zip_len = 0;
}

static const char *fgd_reserved_env[] = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
    "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
    /* set by fngate itself for every call */
    "AWS_REQUEST_ID",
    NULL
};

bool
fgd_env_reserved(const char *name)
{
    size_t i;

    for (i = 0; fgd_reserved_env[i] != NULL; i++) {
        if (strcmp(name, fgd_reserved_env[i]) == 0) {
            return true;
        }
    }
    return false;
}

int
fgd_env_validate(struct yajl_val_s *vars, char **json, fgd_resp_t *r)
{
    yajl_gen  g;
    size_t    i, len;
    char      reserved[256] = "";
    int       rc = -1;

    *json = NULL;
    if (vars == NULL || YAJL_IS_NULL(vars)) {
        return 0;
    }
    if (!YAJL_IS_OBJECT(vars)) {
        return fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "Environment.Variables must be an object");
    }

    for (i = 0; i < vars->u.object.len; i++) {
        const char *k = vars->u.object.keys[i];
        yajl_val    v = vars->u.object.values[i];

        if (!YAJL_IS_STRING(v)) {
            return fgd_error(r, 400, "InvalidRequestContentException",
                FGD_BAD_JSON "Environment.Variables values must be "
                "strings");
        }
        if (fgd_env_reserved(k)) {
            size_t used = strlen(reserved);
            if (used + strlen(k) + 3 < sizeof(reserved)) {
                snprintf(reserved + used, sizeof(reserved) - used, "%s%s",
                    used ? "," : "", k);
            }
        }
    }
    if (reserved[0] != '\0') {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables "
            "because the environment variables you have provided contains "
            "reserved keys that are currently not supported for "
            "modification. Reserved keys used in this request: %s",
            reserved);
    }
    for (i = 0; i < vars->u.object.len; i++) {
        if (!fgd_env_name_valid(vars->u.object.keys[i])) {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value at "
                "'environment.variables' failed to satisfy constraint: "
                "Map keys must satisfy constraint: [Member must satisfy "
                "regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
        }
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return fgd_nomem(r);
    }
    yajl_gen_map_open(g);
    for (i = 0; i < vars->u.object.len; i++) {
        GSTR(g, vars->u.object.keys[i]);
        GSTR(g, ((vars->u.object.values[i])->u.string));
    }
    yajl_gen_map_close(g);
    if (fgd_gen_take(g, json, &len) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    if (len > FGD_ENV_MAX) {
        free(*json);
        *json = NULL;
        fgd_error(r, 400, "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables "
            "because the environment variables you have provided exceeded "
            "the 4KB limit. String measured: %zu bytes", len);
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_gen_free(g);
    return rc;
}

bool
fgd_handler_valid(const char *h)
{
    size_t      len = strlen(h), i;
    const char *p;

    if (len == 0 || len > FGD_HANDLER_MAX || h[0] == '/') {
        return false;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char) h[i] <= ' ' || h[i] == 0x7f) {
            return false;
        }
    }
    for (p = h; p != NULL; ) {
        const char *slash = strchr(p, '/');
        size_t      n = slash ? (size_t) (slash - p) : strlen(p);
        if ((n == 2 && p[0] == '.' && p[1] == '.') || n == 0) {
            return false;
        }
        p = slash ? slash + 1 : NULL;
    }
    return h[len - 1] != '/';
}

/* Both Node.js names: the runtime disk carries the one that its node's
 * own major version gives (guest/image/mkruntimes.sh), and CreateFunction
 * refuses the other on a host whose disk's manifest says so
 * (fgd_runtime_carried; docs/runtimes.md). */
const char *const fgd_runtimes[] = {
    "provided", "provided.al2", "provided.al2023", "python3.11",
    "nodejs18.x", "nodejs20.x", NULL
};

bool
fgd_runtime_carried(const char *names, const char *runtime)
{
    size_t       n = strlen(runtime);
    const char  *p;

    if (n == 0 || strncmp(runtime, "provided", 8) == 0) {
        return true;                /* none given is provided */
    }
    for (p = names; (p = strstr(p, runtime)) != NULL; p += n) {
        if ((p == names || p[-1] == '\n')
            && (p[n] == '\n' || p[n] == '\0'))
        {
            return true;
        }
    }
    return false;
}

bool
fgd_runtime_known(const char *runtime)
{
    size_t  i;

    for (i = 0; fgd_runtimes[i] != NULL; i++) {
        if (strcmp(runtime, fgd_runtimes[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Lambda's rule for a handler that is not a file name: [^\s]{1,128}. */
static bool
fgd_handler_string_valid(const char *h)
{
    size_t  len = strlen(h), i;

    if (len == 0 || len > FGD_HANDLER_MAX) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char) h[i] <= ' ' || h[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

int
fgd_zip_check(const uint8_t *zip, size_t len, const char *runtime,
    const char *handler, size_t max_unzipped, fgd_resp_t *r)
{
    struct archive        *a;
    struct archive_entry  *e;
    char                   buf[16384];
    size_t                 total = 0;
    bool                   found = false, bootstrap = false;
    bool                   al2 = strncmp(runtime, "provided.", 9) == 0;
    int                    rc = -1, ret;

    if (len < 22) {       /* smaller than an end-of-central-directory */
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then "
            "try to upload again.");
    }

    a = archive_read_new();
    if (a == NULL) {
        return fgd_nomem(r);
    }
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, zip, len) != ARCHIVE_OK) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then "
            "try to upload again.");
        goto cleanup;
    }

    for (;;) {
        const char *path;
        mode_t      type;
        la_ssize_t  n;

        ret = archive_read_next_header(a, &e);
        if (ret == ARCHIVE_EOF) {
            break;
        }
        if (ret != ARCHIVE_OK && ret != ARCHIVE_WARN) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "Could not unzip uploaded file. Please check your file, "
                "then try to upload again.");
            goto cleanup;
        }
        /* vmpool's LOAD builder applies the same rule: a zip accepted
         * here always loads. */
        path = archive_entry_pathname(e);
        if (path == NULL || !fg_frame_path_ok(path, strlen(path))) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "Could not unzip uploaded file: entry \"%.200s\" has an "
                "absolute path or an empty, \".\" or \"..\" component",
                path ? path : "(unreadable name)");
            goto cleanup;
        }
        type = archive_entry_filetype(e);
        if (type != AE_IFREG && type != AE_IFDIR) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "Could not unzip uploaded file: entry \"%.200s\" is neither "
                "a regular file nor a directory", path);
            goto cleanup;
        }
        if (type == AE_IFREG && strcmp(path, handler) == 0) {
            found = true;
        }
        if (type == AE_IFREG && strcmp(path, "bootstrap") == 0) {
            bootstrap = true;
        }
        /* Reading the data checks each entry's CRC and real size. */
        total += strlen(path) + 64;
        while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
            total += (size_t) n;
            if (total > max_unzipped) {
                fgd_error(r, 400, "InvalidParameterValueException",
                    "Unzipped size must be smaller than %zu bytes",
                    max_unzipped);
                goto cleanup;
            }
        }
        if (n < 0) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "Could not unzip uploaded file. Please check your file, "
                "then try to upload again.");
            goto cleanup;
        }
        if (total > max_unzipped) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "Unzipped size must be smaller than %zu bytes",
                max_unzipped);
            goto cleanup;
        }
    }
    if (al2 && !bootstrap) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "The deployment package of a %s function must contain an "
            "executable file named bootstrap at its root", runtime);
        goto cleanup;
    }
    if (strcmp(runtime, "provided") == 0 && !found && !bootstrap) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "The handler \"%s\" is not a file in the deployment package, "
            "and there is no bootstrap", handler);
        goto cleanup;
    }
    rc = 0;

cleanup:
    archive_read_free(a);
    return rc;
}

static void
fgd_stamp(fgd_fn_t *fn)
{
    struct timespec  ts;
    uint8_t          rnd[16];

    clock_gettime(CLOCK_REALTIME, &ts);
    fgd_time_lambda(&ts, fn->last_modified, sizeof(fn->last_modified));
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        /* Only unique per function; the clock is a fine fallback. */
        memset(rnd, 0, sizeof(rnd));
        memcpy(rnd, &ts, sizeof(ts) < 16 ? sizeof(ts) : 16);
    }
    fgd_uuid_format(rnd, fn->revision_id);
}

/*
 * Runtime, Handler and Role, as CreateFunction and
 * UpdateFunctionConfiguration check them; NULL is "not given".  0, or -1
 * with the 400 in r.
 */
static int
fgd_settings_check(const char *runtime, const char *handler,
    const char *role, fgd_resp_t *r)
{
    if (runtime != NULL && !fgd_runtime_known(runtime)) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The runtime parameter of %.40s is not supported by fngate; "
            "use provided, provided.al2, provided.al2023, python3.11, "
            "nodejs18.x or nodejs20.x.",
            runtime);
    }
    /* provided's handler may be a file to run; the others' never is. */
    if (handler != NULL && runtime != NULL && strcmp(runtime, "provided") != 0
        && !fgd_handler_string_valid(handler))
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%.140s' at 'handler' "
            "failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [^\\s]+ and have length at most %u",
            handler, FGD_HANDLER_MAX);
    }
    if (handler != NULL && (runtime == NULL || strcmp(runtime, "provided")
            == 0) && !fgd_handler_valid(handler))
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value '%.140s' at 'handler' "
            "failed to satisfy constraint: Member must be a relative file "
            "name of 1 to %u characters without whitespace or \"..\"",
            handler, FGD_HANDLER_MAX);
    }
    if (role != NULL && strlen(role) > FGD_ROLE_MAX) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value at 'role' failed to "
            "satisfy constraint: Member must have length less than or "
            "equal to %u", FGD_ROLE_MAX);
    }
    return 0;
}

/* The code of a CreateFunction (member "Code.ZipFile", in obj "Code") or
 * UpdateFunctionCode ("ZipFile", in the body): S3 and image locations are
 * refused. */
static int
fgd_code_located(yajl_val obj, const char *member, fgd_resp_t *r)
{
    if (fgd_obj_get(obj, "S3Bucket") != NULL
        || fgd_obj_get(obj, "S3Key") != NULL
        || fgd_obj_get(obj, "ImageUri") != NULL)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "fngate accepts code only as %s (S3 and image locations are "
            "not supported)", member);
    }
    return 0;
}

/* Decodes and checks the base64 zip text of member (zipb64, NULL when
 * absent) into c. */
static int
fgd_zip_take(const char *zipb64, const char *member, const fgd_limits_t *lim,
    const char *runtime, const char *handler, fgd_create_t *c,
    fgd_resp_t *r)
{
    size_t   zlen;
    ssize_t  n;

    if (zipb64 == NULL) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Please provide a source for function code: %s", member);
    }
    zlen = strlen(zipb64);
    if (zlen / 4 * 3 > lim->max_code_size + 3) {
        return fgd_error(r, 413, "RequestTooLargeException",
            "Zipped code size must be at most %zu bytes",
            lim->max_code_size);
    }
    c->zip = malloc(zlen / 4 * 3 + 3);
    if (c->zip == NULL) {
        return fgd_nomem(r);
    }
    n = fgd_base64_decode(zipb64, zlen, c->zip);
    if (n < 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "%s is not valid base64", member);
    }
    c->zip_len = (size_t) n;
    if (c->zip_len > lim->max_code_size) {
        return fgd_error(r, 413, "RequestTooLargeException",
            "Zipped code size must be at most %zu bytes",
            lim->max_code_size);
    }
    if (fgd_zip_check(c->zip, c->zip_len, runtime, handler,
            lim->max_unzipped, r) != 0)
    {
        return -1;
    }
    fg_sha256_hex(c->zip, c->zip_len, c->fn.sha256);
    if (c->fn.sha256[0] == '\0') {
        return fgd_error(r, 500, "ServiceException", "sha256 failed");
    }
    c->fn.code_size = c->zip_len;
    fgd_stamp(&c->fn);
    return 0;
}

/* DeadLetterConfig: *given when the body has it, its TargetArn (an SQS
 * queue's ARN, "" for none) into dst.  0, or -1 with r. */
static int
fgd_dead_letter_parse(yajl_val root, bool *given,
    char dst[FGD_DEST_ARN_MAX + 1], fgd_resp_t *r)
{
    yajl_val     v;
    const char  *arn;
    fgd_dest_t   d;

    *given = false;
    if (fgd_get_member(root, "DeadLetterConfig", yajl_t_object, &v, r) != 0
        || (v != NULL && fgd_get_string(v, "TargetArn", &arn, r) != 0))
    {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    *given = true;
    if (arn == NULL || arn[0] == '\0') {
        dst[0] = '\0';
        return 0;
    }
    switch (fgd_dest_parse(arn, &d)) {
    case FGD_DEST_MALFORMED:
        return fgd_pattern_error(r, arn, 300, "deadLetterConfig.targetArn",
            "(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()");
    case FGD_DEST_OK:
        if (d.kind == FGD_DEST_QUEUE) {
            break;
        }
        /* fall through */
    default:
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The dead-letter queue %.300s is not supported: it must be an "
            "SQS queue", arn);
    }
    memcpy(dst, arn, strlen(arn) + 1);
    return 0;
}

/*
 * FngateEgress (docs/network.md): *given when the body has it; its
 * destinations, each checked for form here (against the operator's policy
 * by the caller: fgd_conf_egress), joined by commas into a malloc'd *dst
 * ("-" for an empty list).  0, or -1 with r.
 */
static int
fgd_egress_parse(yajl_val root, bool *given, char **dst, fgd_resp_t *r)
{
    yajl_val      v, e;
    fg_egress_t   eg;
    const char   *why;
    char          buf[FGD_EGRESS_MAX * (FGD_EGRESS_ENTRY + 1) + 2];
    size_t        i, n, used = 0;

    *given = false;
    *dst = NULL;
    if (fgd_get_member(root, "FngateEgress", yajl_t_array, &v, r) != 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    *given = true;
    if (v->u.array.len > FGD_EGRESS_MAX) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "FngateEgress names %zu destinations; at most %u are allowed",
            v->u.array.len, FGD_EGRESS_MAX);
    }
    buf[0] = '\0';
    for (i = 0; i < v->u.array.len; i++) {
        e = v->u.array.values[i];
        if (!YAJL_IS_STRING(e)) {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "FngateEgress must be a list of strings");
        }
        n = strlen(e->u.string);
        if (n > FGD_EGRESS_ENTRY
            || fg_egress_parse(e->u.string, n, &eg, &why) != 0)
        {
            return fgd_error(r, 400, "InvalidParameterValueException",
                "FngateEgress destination %.64s: %s", e->u.string,
                n > FGD_EGRESS_ENTRY ? "too long" : why);
        }
        used += (size_t) snprintf(buf + used, sizeof(buf) - used, "%s%s",
            used ? "," : "", e->u.string);
    }
    *dst = strdup(used ? buf : "-");
    return *dst != NULL ? 0 : fgd_nomem(r);
}


const char *
fgd_fn_egress(const fgd_fn_t *fn, const char *def)
{
    if (fn->egress == NULL || fn->egress[0] == '\0') {
        return def;
    }
    return strcmp(fn->egress, "-") == 0 ? "" : fn->egress;
}


int
fgd_create_parse(const char *body, size_t len, const fgd_limits_t *lim,
    fgd_create_t *c, fgd_resp_t *r)
{
    yajl_val     root = NULL, v, code;
    const char  *name, *runtime, *handler, *role, *desc, *zipb64, *s;
    unsigned     max_mem;
    bool         given;
    int          rc = -1;

    memset(c, 0, sizeof(*c));

    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }

    if (fgd_get_string(root, "FunctionName", &name, r) != 0
        || fgd_get_string(root, "Runtime", &runtime, r) != 0
        || fgd_get_string(root, "Handler", &handler, r) != 0
        || fgd_get_string(root, "Role", &role, r) != 0
        || fgd_get_string(root, "Description", &desc, r) != 0)
    {
        goto cleanup;
    }

    if (name == NULL) {
        fgd_null_error(r, "functionName");
        goto cleanup;
    }
    if (!fg_function_name_valid(name, strlen(name))) {
        fgd_pattern_error(r, name, 100, "functionName",
            FGD_FUNCTION_NAME_PATTERN);
        goto cleanup;
    }

    if (fgd_get_string(root, "PackageType", &s, r) != 0) {
        goto cleanup;
    }
    if (s != NULL && strcmp(s, "Zip") != 0) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "PackageType %.40s is not supported; fngate runs Zip packages",
            s);
        goto cleanup;
    }
    if (fgd_get_member(root, "Architectures", yajl_t_array, &v, r) != 0) {
        goto cleanup;
    }
    if (v != NULL && (v->u.array.len != 1
            || !YAJL_IS_STRING(v->u.array.values[0])
            || strcmp(v->u.array.values[0]->u.string, "x86_64") != 0))
    {
        fgd_error(r, 400, "InvalidParameterValueException",
            "Architectures must be [\"x86_64\"]");
        goto cleanup;
    }
    v = fgd_obj_get(root, "Publish");
    if (v != NULL && !YAJL_IS_NULL(v) && !YAJL_IS_TRUE(v)
        && !YAJL_IS_FALSE(v))
    {
        fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "Publish must be a boolean");
        goto cleanup;
    }
    c->publish = YAJL_IS_TRUE(v);

    if (runtime == NULL || handler == NULL) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "Runtime and Handler are mandatory parameters for functions "
            "created with deployment packages.");
        goto cleanup;
    }
    if (fgd_settings_check(runtime, handler, role, r) != 0) {
        goto cleanup;
    }
    if (desc != NULL && strlen(desc) > FGD_DESCRIPTION_MAX) {
        fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value at 'description' failed to "
            "satisfy constraint: Member must have length less than or "
            "equal to %u", FGD_DESCRIPTION_MAX);
        goto cleanup;
    }

    snprintf(c->fn.name, sizeof(c->fn.name), "%s", name);
    snprintf(c->fn.runtime, sizeof(c->fn.runtime), "%s", runtime);
    snprintf(c->fn.handler, sizeof(c->fn.handler), "%s", handler);
    c->fn.role = strdup(role ? role : "");
    c->fn.description = strdup(desc ? desc : "");
    if (c->fn.role == NULL || c->fn.description == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }

    max_mem = lim->max_memory_mb < FGD_MEMORY_MIN ? FGD_MEMORY_MIN
                                                  : lim->max_memory_mb;
    if (fgd_get_uint(root, "Timeout", 3, 1, FGD_TIMEOUT_MAX, "timeout",
            &c->fn.timeout_s, r) != 0
        || fgd_get_uint(root, "MemorySize", FGD_MEMORY_MIN, FGD_MEMORY_MIN,
            max_mem, "memorySize", &c->fn.memory_mb, r) != 0)
    {
        goto cleanup;
    }

    if (fgd_get_member(root, "Environment", yajl_t_object, &v, r) != 0) {
        goto cleanup;
    }
    if (v != NULL && fgd_env_validate(fgd_obj_get(v, "Variables"),
            &c->fn.environment, r) != 0)
    {
        goto cleanup;
    }
    if (fgd_dead_letter_parse(root, &given, c->fn.dead_letter, r) != 0
        || fgd_egress_parse(root, &given, &c->fn.egress, r) != 0
        || fgd_idem_request(fgd_obj_get(root, "FngateIdempotency"), &given,
               &c->fn.idem, r) != 0)
    {
        goto cleanup;
    }

    if (fgd_get_member(root, "Code", yajl_t_object, &code, r) != 0) {
        goto cleanup;
    }
    if (code == NULL) {
        fgd_null_error(r, "code");
        goto cleanup;
    }
    if (fgd_code_located(code, "Code.ZipFile", r) != 0
        || fgd_get_string(code, "ZipFile", &zipb64, r) != 0
        || fgd_zip_take(zipb64, "Code.ZipFile", lim, c->fn.runtime,
            c->fn.handler, c, r) != 0)
    {
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    if (rc != 0) {
        fgd_create_clear(c);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Stored form: the fields of fg:fn:{A}:NAME                             */

int
fgd_fn_from_fields(fgd_fn_t *fn, const char *const *fv, const size_t *lens,
    size_t count)
{
    size_t    i;
    uint64_t  u;
    unsigned  seen = 0;

    memset(fn, 0, sizeof(*fn));
    for (i = 0; i + 1 < count; i += 2) {
        const char *k = fv[i], *v = fv[i + 1];
        size_t      vl = lens[i + 1];

#define KEY(s) (lens[i] == sizeof(s) - 1 && memcmp(k, s, lens[i]) == 0)
        if (KEY("FunctionName")) {
            if (!fgd_copy(fn->name, sizeof(fn->name), v, vl)) {
                goto bad;
            }
            seen |= 1;
        } else if (KEY("Runtime")) {
            if (!fgd_copy(fn->runtime, sizeof(fn->runtime), v, vl)) {
                goto bad;
            }
            seen |= 2;
        } else if (KEY("Handler")) {
            if (!fgd_copy(fn->handler, sizeof(fn->handler), v, vl)) {
                goto bad;
            }
            seen |= 4;
        } else if (KEY("MemorySize")) {
            if (!fgd_parse_u64(v, vl, &u) || u > 1u << 20) {
                goto bad;
            }
            fn->memory_mb = (unsigned) u;
            seen |= 8;
        } else if (KEY("Timeout")) {
            if (!fgd_parse_u64(v, vl, &u) || u > FGD_TIMEOUT_MAX) {
                goto bad;
            }
            fn->timeout_s = (unsigned) u;
            seen |= 16;
        } else if (KEY("CodeSha256")) {
            if (vl != 64 || !fgd_copy(fn->sha256, sizeof(fn->sha256), v, vl)) {
                goto bad;
            }
            seen |= 32;
        } else if (KEY("CodeSize")) {
            if (!fgd_parse_u64(v, vl, &fn->code_size)) {
                goto bad;
            }
            seen |= 64;
        } else if (KEY("LastModified")) {
            if (!fgd_copy(fn->last_modified, sizeof(fn->last_modified), v,
                    vl))
            {
                goto bad;
            }
        } else if (KEY("RevisionId")) {
            if (!fgd_copy(fn->revision_id, sizeof(fn->revision_id), v, vl)) {
                goto bad;
            }
        } else if (KEY("Version")) {
            if (!fgd_copy(fn->version, sizeof(fn->version), v, vl)) {
                goto bad;
            }
        } else if (KEY("Role")) {
            free(fn->role);
            if ((fn->role = fgd_dup(v, vl)) == NULL) {
                goto bad;
            }
        } else if (KEY("Description")) {
            free(fn->description);
            if ((fn->description = fgd_dup(v, vl)) == NULL) {
                goto bad;
            }
        } else if (KEY("DeadLetterTargetArn")) {
            if (!fgd_copy(fn->dead_letter, sizeof(fn->dead_letter), v, vl)) {
                goto bad;
            }
        } else if (KEY("FngateEgress")) {
            free(fn->egress);
            fn->egress = NULL;
            if (vl > 0 && (fn->egress = fgd_dup(v, vl)) == NULL) {
                goto bad;
            }
        } else if (KEY("FngateIdempotency")) {
            free(fn->idem);
            fn->idem = NULL;
            if (vl > 0 && (fn->idem = fgd_dup(v, vl)) == NULL) {
                goto bad;
            }
        } else if (KEY("Environment")) {
            free(fn->environment);
            fn->environment = NULL;
            if (vl > 0 && (fn->environment = fgd_dup(v, vl)) == NULL) {
                goto bad;
            }
        }
#undef KEY
    }
    if (seen != 127) {
        goto bad;
    }
    if ((fn->role == NULL && (fn->role = strdup("")) == NULL)
        || (fn->description == NULL && (fn->description = strdup("")) == NULL))
    {
        goto bad;
    }
    return 0;

bad:
    fgd_fn_clear(fn);
    return -1;
}

size_t
fgd_fn_to_fields(const fgd_fn_t *fn, const char **fv, size_t *lens,
    char buf[128])
{
    size_t  n = 0;
    char   *mem = buf, *tmo = buf + 24, *size = buf + 48;

    snprintf(mem, 24, "%u", fn->memory_mb);
    snprintf(tmo, 24, "%u", fn->timeout_s);
    snprintf(size, 24, "%llu", (unsigned long long) fn->code_size);

#define PUT(k, v) do { fv[n] = (k); lens[n] = strlen(k); n++;            \
                       fv[n] = (v); lens[n] = strlen(v); n++; } while (0)
    PUT("FunctionName", fn->name);
    PUT("Runtime", fn->runtime);
    PUT("Role", fn->role ? fn->role : "");
    PUT("Handler", fn->handler);
    PUT("MemorySize", mem);
    PUT("Timeout", tmo);
    PUT("Environment", fn->environment ? fn->environment : "");
    PUT("Description", fn->description ? fn->description : "");
    PUT("CodeSha256", fn->sha256);
    PUT("CodeSize", size);
    PUT("LastModified", fn->last_modified);
    PUT("RevisionId", fn->revision_id);
    PUT("DeadLetterTargetArn", fn->dead_letter);
    PUT("FngateEgress", fn->egress ? fn->egress : "");
    PUT("FngateIdempotency", fn->idem ? fn->idem : "");
#undef PUT
    return n;
}

/* ------------------------------------------------------------------ */
/* Response shapes                                                       */

/* Copies a stored JSON object (the Variables map) into g. */
static void
fgd_gen_env(yajl_gen g, const char *json)
{
    yajl_val  v;
    size_t    i;

    v = yajl_tree_parse(json, NULL, 0);
    GSTR(g, "Variables");
    yajl_gen_map_open(g);
    if (YAJL_IS_OBJECT(v)) {
        for (i = 0; i < v->u.object.len; i++) {
            if (!YAJL_IS_STRING(v->u.object.values[i])) {
                continue;
            }
            GSTR(g, v->u.object.keys[i]);
            GSTR(g, ((v->u.object.values[i])->u.string));
        }
    }
    yajl_gen_map_close(g);
    yajl_tree_free(v);
}

static void
fgd_gen_config(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_fn_t       *fn = item;
    const fgd_arn_ctx_t  *w = ctx;
    char                  arn[256], b64[45];

    /* $LATEST's ARN is unqualified, a version's carries its number */
    fg_function_arn(arn, sizeof(arn), w->region, w->account, fn->name,
        fn->version[0] && strcmp(fn->version, "$LATEST") != 0
        ? fn->version : "");
    if (fgd_sha_hex_to_b64(fn->sha256, b64) != 0) {
        b64[0] = '\0';
    }

    yajl_gen_map_open(g);
    GSTR(g, "FunctionName");  GSTR(g, fn->name);
    GSTR(g, "FunctionArn");   GSTR(g, arn);
    GSTR(g, "Runtime");       GSTR(g, fn->runtime);
    GSTR(g, "Role");          GSTR(g, fn->role ? fn->role : "");
    GSTR(g, "Handler");       GSTR(g, fn->handler);
    GSTR(g, "CodeSize");      yajl_gen_integer(g, (long long) fn->code_size);
    GSTR(g, "Description");
    GSTR(g, fn->description ? fn->description : "");
    GSTR(g, "Timeout");       yajl_gen_integer(g, fn->timeout_s);
    GSTR(g, "MemorySize");    yajl_gen_integer(g, fn->memory_mb);
    GSTR(g, "LastModified");  GSTR(g, fn->last_modified);
    GSTR(g, "CodeSha256");    GSTR(g, b64);
    GSTR(g, "Version");       GSTR(g, fgd_fn_version(fn));
    if (fn->environment != NULL && fn->environment[0] != '\0') {
        GSTR(g, "Environment");
        yajl_gen_map_open(g);
        fgd_gen_env(g, fn->environment);
        yajl_gen_map_close(g);
    }
    if (fn->dead_letter[0] != '\0') {
        GSTR(g, "DeadLetterConfig");
        yajl_gen_map_open(g);
        GSTR(g, "TargetArn");     GSTR(g, fn->dead_letter);
        yajl_gen_map_close(g);
    }
    /* fngate's own: the destinations its guest may reach, when set */
    if (fn->egress != NULL && fn->egress[0] != '\0') {
        const char  *p = strcmp(fn->egress, "-") == 0 ? "" : fn->egress;
        size_t       n;

        GSTR(g, "FngateEgress");
        yajl_gen_array_open(g);
        for (; *p != '\0'; p += n + (p[n] == ',')) {
            n = strcspn(p, ",");
            yajl_gen_string(g, (const unsigned char *) p, n);
        }
        yajl_gen_array_close(g);
    }
    /* fngate's own: the dependencies of an idempotent function */
    if (fgd_idem_on(fn->idem)) {
        GSTR(g, "FngateIdempotency");
        fgd_idem_gen(g, fn->idem);
    }
    GSTR(g, "TracingConfig");
    yajl_gen_map_open(g);
    GSTR(g, "Mode");          GSTR(g, "PassThrough");
    yajl_gen_map_close(g);
    GSTR(g, "RevisionId");    GSTR(g, fn->revision_id);
    GSTR(g, "State");         GSTR(g, "Active");
    GSTR(g, "LastUpdateStatus"); GSTR(g, "Successful");
    GSTR(g, "PackageType");   GSTR(g, "Zip");
    GSTR(g, "Architectures");
    yajl_gen_array_open(g);
    GSTR(g, "x86_64");
    yajl_gen_array_close(g);
    GSTR(g, "EphemeralStorage");
    yajl_gen_map_open(g);
    GSTR(g, "Size");          yajl_gen_integer(g, 512);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

int
fgd_json_function_config(const fgd_fn_t *fn, const char *region,
    const char *account, char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, account, NULL };

    return fgd_json_item(fgd_gen_config, fn, &w, out, out_len);
}

/*
 * GetFunction's Code.Location.  Lambda answers a presigned S3 URL; fngate
 * does not serve code downloads, so the location is an opaque URN naming
 * the caller's own code blob (GetFunction only ever answers the owner of a
 * function, so it never names another account's data):
 *   urn:fngate:code:REGION:ACCOUNT:SHA256HEX
 */
int
fgd_code_location(char *dst, size_t size, const char *region,
    const char *account, const char *sha256hex)
{
    return snprintf(dst, size, "urn:fngate:code:%s:%s:%s", region, account,
        sha256hex);
}

int
fgd_json_get_function(const fgd_fn_t *fn, const char *region,
    const char *account, int reserved, char **out, size_t *out_len)
{
    yajl_gen       g = yajl_gen_alloc(NULL);
    fgd_arn_ctx_t  w = { region, account, NULL };
    char           loc[256];
    int            rc;

    if (g == NULL) {
        return -1;
    }
    fgd_code_location(loc, sizeof(loc), region, account, fn->sha256);
    yajl_gen_map_open(g);
    GSTR(g, "Configuration");
    fgd_gen_config(g, fn, &w);
    GSTR(g, "Code");
    yajl_gen_map_open(g);
    GSTR(g, "RepositoryType");  GSTR(g, "S3");
    GSTR(g, "Location");        GSTR(g, loc);
    yajl_gen_map_close(g);
    if (reserved >= 0) {
        GSTR(g, "Concurrency");
        yajl_gen_map_open(g);
        GSTR(g, "ReservedConcurrentExecutions");
        yajl_gen_integer(g, reserved);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    rc = fgd_gen_finish(g, out, out_len);
    return rc;
}

int
fgd_json_get_function_shared(const fgd_fn_t *fn, const char *region,
    const char *account, char **out, size_t *out_len)
{
    yajl_gen       g = yajl_gen_alloc(NULL);
    fgd_arn_ctx_t  w = { region, account, NULL };
    int            rc;

    if (g == NULL) {
        return -1;
    }
    yajl_gen_map_open(g);
    GSTR(g, "Configuration");
    fgd_gen_config(g, fn, &w);
    yajl_gen_map_close(g);
    rc = fgd_gen_finish(g, out, out_len);
    return rc;
}

/* {"<list>": [FunctionConfiguration, ...], "NextMarker": ...} */
int
fgd_json_config_list(const char *list, const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, account, NULL };

    return fgd_json_list(list, fgd_gen_config, fns, n, sizeof(*fns), &w,
        next_marker, out, out_len);
}

int
fgd_json_list_functions(const fgd_fn_t *fns, size_t n,
    const char *next_marker, const char *region, const char *account,
    char **out, size_t *out_len)
{
    return fgd_json_config_list("Functions", fns, n, next_marker, region,
        account, out, out_len);
}

/*
 * Marker is the name of the last function of the previous page (opaque to
 * clients, as Lambda's is); MaxItems 1..10000, default 50.
 */
int
fgd_list_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, fgd_resp_t *r)
{
    return fgd_page_query(query, fg_function_name_valid, marker,
        marker_size, max_items, r);
}

/* ------------------------------------------------------------------ */
/* UpdateFunctionCode and UpdateFunctionConfiguration                   */

const char *
fgd_fn_version(const fgd_fn_t *fn)
{
    return fn->version[0] != '\0' ? fn->version : "$LATEST";
}

/* Base64 sha256 -> hex; -1 when it is not one. */
int
fgd_sha_b64_to_hex(const char *b64, char hex[FGD_SHA256_HEX])
{
    uint8_t  d[48];
    ssize_t  n;
    size_t   i;

    if (strlen(b64) != 44) {
        return -1;
    }
    n = fgd_base64_decode(b64, 44, d);
    if (n != 32) {
        return -1;
    }
    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }
    return 0;
}

int
fgd_update_code_parse(const char *body, size_t len, const fgd_limits_t *lim,
    const char *runtime, const char *handler, fgd_create_t *c,
    char revision_id[37], fgd_resp_t *r)
{
    yajl_val     root, v;
    const char  *zipb64;
    int          rc = -1;

    memset(c, 0, sizeof(*c));
    revision_id[0] = '\0';
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, "ZipFile", &zipb64, r) != 0
        || fgd_get_revision(root, FGD_GETTER_FUNCTION, revision_id, r) != 0)
    {
        goto cleanup;
    }
    v = fgd_obj_get(root, "Publish");
    if (v != NULL && !YAJL_IS_NULL(v) && !YAJL_IS_TRUE(v)
        && !YAJL_IS_FALSE(v))
    {
        fgd_error(r, 400, "InvalidRequestContentException",
            FGD_BAD_JSON "Publish must be a boolean");
        goto cleanup;
    }
    c->publish = YAJL_IS_TRUE(v);
    if (fgd_code_located(root, "ZipFile", r) != 0
        || fgd_zip_take(zipb64, "ZipFile", lim, runtime, handler, c, r) != 0)
    {
        goto cleanup;
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    if (rc != 0) {
        fgd_create_clear(c);
    }
    return rc;
}

int
fgd_update_config_parse(const char *body, size_t len,
    const fgd_limits_t *lim, fgd_fn_t *fn, char revision_id[37],
    fgd_resp_t *r)
{
    yajl_val     root, v;
    const char  *runtime, *handler, *role;
    char         desc[FGD_DESCRIPTION_MAX + 1], *env = NULL;
    char         dlq[FGD_DEST_ARN_MAX + 1];
    bool         has_desc, has_dlq, has_egress, has_idem;
    char        *egress = NULL, *idem = NULL;
    unsigned     max_mem, u;
    int          rc = -1;

    revision_id[0] = '\0';
    if (fgd_parse_doc(body, len, false, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, "Runtime", &runtime, r) != 0
        || fgd_get_string(root, "Handler", &handler, r) != 0
        || fgd_get_string(root, "Role", &role, r) != 0
        || fgd_get_description(root, desc, sizeof(desc), &has_desc, r) != 0
        || fgd_get_revision(root, FGD_GETTER_FUNCTION, revision_id, r) != 0)
    {
        goto cleanup;
    }
    /* A new handler is checked against the runtime it will run with. */
    if (fgd_settings_check(runtime ? runtime
                           : fn->runtime[0] ? fn->runtime : NULL,
            handler ? handler : runtime ? fn->handler : NULL, role, r) != 0)
    {
        goto cleanup;
    }
    max_mem = lim->max_memory_mb < FGD_MEMORY_MIN ? FGD_MEMORY_MIN
                                                  : lim->max_memory_mb;
    if (fgd_get_uint(root, "Timeout", fn->timeout_s, 1, FGD_TIMEOUT_MAX,
            "timeout", &u, r) != 0)
    {
        goto cleanup;
    }
    fn->timeout_s = u;
    if (fgd_get_uint(root, "MemorySize", fn->memory_mb, FGD_MEMORY_MIN,
            max_mem, "memorySize", &u, r) != 0)
    {
        goto cleanup;
    }
    fn->memory_mb = u;
    if (fgd_get_member(root, "Environment", yajl_t_object, &v, r) != 0) {
        goto cleanup;
    }
    if (v != NULL) {
        if (fgd_env_validate(fgd_obj_get(v, "Variables"), &env, r) != 0) {
            goto cleanup;
        }
        free(fn->environment);
        fn->environment = env;
    }
    if (fgd_dead_letter_parse(root, &has_dlq, dlq, r) != 0
        || fgd_egress_parse(root, &has_egress, &egress, r) != 0
        || fgd_idem_request(fgd_obj_get(root, "FngateIdempotency"),
               &has_idem, &idem, r) != 0)
    {
        goto cleanup;
    }
    if (has_idem) {
        free(fn->idem);
        fn->idem = idem;
        idem = NULL;
    }
    if (has_egress) {
        free(fn->egress);
        fn->egress = egress;
        egress = NULL;
    }
    if (has_dlq) {
        memcpy(fn->dead_letter, dlq, strlen(dlq) + 1);
    }
    if (runtime != NULL) {
        snprintf(fn->runtime, sizeof(fn->runtime), "%s", runtime);
    }
    if (handler != NULL) {
        snprintf(fn->handler, sizeof(fn->handler), "%s", handler);
    }
    if (has_desc) {
        char *d = strdup(desc);
        if (d == NULL) {
            fgd_nomem(r);
            goto cleanup;
        }
        free(fn->description);
        fn->description = d;
    }
    if (role != NULL) {
        char *d = strdup(role);
        if (d == NULL) {
            fgd_nomem(r);
            goto cleanup;
        }
        free(fn->role);
        fn->role = d;
    }
    fgd_stamp(fn);
    rc = 0;

cleanup:
    free(egress);
    free(idem);
    yajl_tree_free(root);
    return rc;
}
