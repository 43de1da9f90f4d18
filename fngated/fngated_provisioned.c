/*
 * fngated_provisioned: provisioned concurrency (fngated_provisioned.h).
 *
 * A configuration is a field of the function's hash fg:pc:{A}:NAME
 * (fg_keys.h): its qualifier (a version, or an alias) -> "N LASTMODIFIED".
 * It goes with its version, alias or function (the delete scripts).
 *
 * The keeper, one thread of each fngated, reads every configuration each
 * FGD_PC_ROUND_MS (at once after a Put or Delete here), resolves its
 * qualifier to a version and keeps N sandboxes of it initialised in the
 * owner's own guests on this host (the pool key of the owner calling its
 * own function; vmp_pool_provisioned): each missing one is made by an
 * init-only call (fgd_invoke with q->provision: a guest without that
 * sandbox, the code loaded, the runtime's init run, no event), one at a
 * time.  Sandboxes of a configuration gone, or of an alias's previous
 * version, are let go.  What the keeper last found is what Get and List
 * answer: Allocated and Available the sandboxes kept, Status IN_PROGRESS
 * until all are, READY then, FAILED (with StatusReason) when making one
 * failed (tried again after FGD_PC_RETRY_MS).  Several fngated hosts
 * each keep N, as each allows a function's reserved concurrency.
 *
 * Billing (docs/billing.md): each minute, and when a configuration goes,
 * the keeper appends one line per configuration to the billing log,
 * "action":"ProvisionedConcurrency" with the sandboxes kept, the memory
 * size and the seconds since the last line: Lambda bills provisioned
 * concurrency by the GB-seconds it is kept.  The calls that ran in a kept
 * sandbox say "provisioned":"true" in their own lines.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fg_keys.h"
#include "fg_util.h"
#include "fngated_event_config_json.h"
#include "fngated_invoke.h"
#include "fngated_json.h"
#include "fngated_log.h"
#include "fngated_pool.h"
#include "fngated_provisioned.h"
#include "fngated_redis.h"
#include "fngated_store.h"
#include "fngated_util.h"
#include "fngated_versions.h"

#define FGD_PC_FIELD       "ProvisionedConcurrentExecutions"
#define FGD_PC_MAX         1000         /* Lambda's account concurrency */
#define FGD_PC_ROUND_MS    2000u
#define FGD_PC_RETRY_MS    30000u       /* after a failure */
#define FGD_PC_BILL_MS     60000u
#define FGD_PC_LIST_MAX    50
#define FGD_PC_UNPUBLISHED "Provisioned Concurrency Configs cannot be " \
                           "applied to unpublished function versions."

/* What the keeper knows of one configuration. */
typedef struct {
    char         owner[FG_ACCOUNT_LEN + 1];
    char         name[FG_FUNCTION_NAME_MAX + 1];
    char         qualifier[FG_QUALIFIER_MAX + 1];
    unsigned     requested;
    char         modified[FGD_TIME_LEN];
    char         code[65];              /* the sandbox kept, "" none yet */
    char         config[65];
    char         version[FGD_VERSION_LEN];
    unsigned     memory_mb;
    unsigned     kept;
    const char  *status;
    char         reason[256];
    uint64_t     retry_ms;              /* not made again before */
    uint64_t     billed_ms;             /* kept sandboxes billed up to */
    bool         seen;                  /* in this round's read */
} fgd_pc_t;

static struct {
    pthread_mutex_t     lock;
    pthread_cond_t      cond;
    pthread_t           thread;
    bool                started, stopping, wake;
    const fgd_conf_t   *conf;
    fgd_pc_t           *pcs;
    size_t              n, cap;
} fgd_pc = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
};

/* A configuration as Get, Put and List answer it. */
typedef struct {
    const char  *arn;                   /* List's FunctionArn, or NULL */
    unsigned     requested, allocated;
    const char  *status;
    const char  *reason;                /* "" none */
    const char  *modified;
} fgd_pc_doc_t;


/* ------------------------------------------------------------------ */
/* Answers                                                              */

static void
fgd_pc_gen(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_pc_doc_t  *d = item;

    (void) ctx;
    yajl_gen_map_open(g);
    if (d->arn != NULL) {
        GSTR(g, "FunctionArn");
        GSTR(g, d->arn);
    }
    GSTR(g, "RequestedProvisionedConcurrentExecutions");
    yajl_gen_integer(g, d->requested);
    GSTR(g, "AvailableProvisionedConcurrentExecutions");
    yajl_gen_integer(g, d->allocated);
    GSTR(g, "AllocatedProvisionedConcurrentExecutions");
    yajl_gen_integer(g, d->allocated);
    GSTR(g, "Status");
    GSTR(g, d->status);
    if (d->reason[0] != '\0') {
        GSTR(g, "StatusReason");
        GSTR(g, d->reason);
    }
    GSTR(g, "LastModified");
    GSTR(g, d->modified);
    yajl_gen_map_close(g);
}

/* "N LASTMODIFIED" as stored.  false: not that. */
static bool
fgd_pc_parse(const char *s, unsigned *n, char modified[FGD_TIME_LEN])
{
    char  tail;

    return sscanf(s, "%u %31s%c", n, modified, &tail) == 2 && *n >= 1
           && *n <= FGD_PC_MAX;
}

/* The entry of owner's name:qualifier (made when make), or NULL; the
 * lock is held. */
static fgd_pc_t *
fgd_pc_entry(const char *owner, const char *name, const char *qualifier,
    bool make)
{
    fgd_pc_t  *e;
    size_t     i;

    for (i = 0; i < fgd_pc.n; i++) {
        e = &fgd_pc.pcs[i];
        if (strcmp(e->owner, owner) == 0 && strcmp(e->name, name) == 0
            && strcmp(e->qualifier, qualifier) == 0)
        {
            return e;
        }
    }
    if (!make) {
        return NULL;
    }
    if (fgd_grow(&fgd_pc.pcs, &fgd_pc.cap, fgd_pc.n, sizeof(*fgd_pc.pcs), 16)
        != 0)
    {
        return NULL;
    }
    e = &fgd_pc.pcs[fgd_pc.n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->owner, sizeof(e->owner), "%s", owner);
    snprintf(e->name, sizeof(e->name), "%s", name);
    snprintf(e->qualifier, sizeof(e->qualifier), "%s", qualifier);
    e->status = "IN_PROGRESS";
    e->billed_ms = fg_now_ms();
    return e;
}

/* d for the stored configuration s of owner's name:qualifier, with what
 * the keeper found of it (nothing yet: IN_PROGRESS, none allocated);
 * reason is d's buffer.  false: s is not a configuration (logged). */
static bool
fgd_pc_doc(const fgd_req_t *q, const char *qualifier, const char *s,
    fgd_pc_doc_t *d, char modified[FGD_TIME_LEN], char reason[256])
{
    const fgd_pc_t  *e;

    memset(d, 0, sizeof(*d));
    if (!fgd_pc_parse(s, &d->requested, modified)) {
        fgd_log("error", q->request_id, "provisioned concurrency of "
            "%s:%s:%s is \"%.60s\": not shown", q->caller, q->function,
            qualifier, s);
        return false;
    }
    d->modified = modified;
    d->status = "IN_PROGRESS";
    d->reason = "";
    reason[0] = '\0';
    pthread_mutex_lock(&fgd_pc.lock);
    e = fgd_pc_entry(q->caller, q->function, qualifier, false);
    if (e != NULL && strcmp(e->modified, modified) == 0) {
        d->allocated = e->kept;
        d->status = e->status;
        snprintf(reason, 256, "%s", e->reason);
        d->reason = reason;
    }
    pthread_mutex_unlock(&fgd_pc.lock);
    return true;
}

/* The keeper looks at once. */
static void
fgd_pc_wake(void)
{
    pthread_mutex_lock(&fgd_pc.lock);
    fgd_pc.wake = true;
    pthread_cond_signal(&fgd_pc.cond);
    pthread_mutex_unlock(&fgd_pc.lock);
}

/* Put, Get and Delete name a published version or an alias. */
static int
fgd_pc_qualifier(const fgd_req_t *q, fgd_resp_t *r)
{
    if (q->qualifier == NULL || q->qualifier[0] == '\0') {
        return fgd_null_error(r, "qualifier");
    }
    if (strcmp(q->qualifier, "$LATEST") == 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            FGD_PC_UNPUBLISHED);
    }
    return 0;
}

static int
fgd_pc_not_found(fgd_resp_t *r)
{
    return fgd_error(r, 404, "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function");
}

/* The key of q's function's configurations.  0, or -1 with r. */
static int
fgd_pc_key(const fgd_req_t *q, char key[FG_KEY_MAX], fgd_resp_t *r)
{
    if (fg_key_provisioned(key, FG_KEY_MAX, q->caller, q->function)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    return 0;
}

/* The stored configuration of q's qualifier into s: 1, 0 none, -1 with
 * r. */
static int
fgd_pc_load(const fgd_req_t *q, char *s, size_t size, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (fgd_pc_key(q, key, r) != 0) {
        return -1;
    }
    return fgd_store_hget(q, key, q->qualifier, s, size, r);
}

/* The answer of Get and Put. */
static int
fgd_pc_reply(const fgd_req_t *q, const char *stored, int status,
    fgd_resp_t *r)
{
    fgd_pc_doc_t  d;
    char          modified[FGD_TIME_LEN], reason[256];

    if (!fgd_pc_doc(q, q->qualifier, stored, &d, modified, reason)) {
        return fgd_error(r, 500, "ServiceException", "The stored "
            "configuration is unreadable");
    }
    return fgd_resp_done(r, fgd_json_item(fgd_pc_gen, &d, NULL, &r->body,
        &r->body_len), status);
}

int
fgd_provisioned_put(const fgd_req_t *q, fgd_resp_t *r)
{
    yajl_val          root;
    fgd_fn_t          fn;
    redisReply       *reply;
    char              kfn[FG_KEY_MAX], kpc[FG_KEY_MAX], kpcs[FG_KEY_MAX];
    char              krec[FG_KEY_MAX], kacc[FG_KEY_MAX], prefix[FG_KEY_MAX];
    char              num[16], room_s[16], value[64], now_s[FGD_TIME_LEN];
    const char       *args[10], *sadd[3];
    struct timespec   now;
    unsigned          n, room, reserved;
    long long         st, detail;
    int               rc;

    if (fgd_pc_qualifier(q, r) != 0
        || fgd_parse_doc(q->body, q->body_len, false, &root, r) != 0)
    {
        return -1;
    }
    if (fgd_obj_get(root, FGD_PC_FIELD) == NULL) {
        yajl_tree_free(root);
        return fgd_null_error(r, "provisionedConcurrentExecutions");
    }
    rc = fgd_get_uint(root, FGD_PC_FIELD, 0, 1, FGD_PC_MAX,
        "provisionedConcurrentExecutions", &n, r);
    yajl_tree_free(root);
    if (rc != 0) {
        return -1;
    }

    /* a version, or an alias that names one ($LATEST is not one) */
    memset(&fn, 0, sizeof(fn));
    if (fgd_store_resolve(q, q->caller, q->function, q->qualifier, false,
            &fn, r) != 0)
    {
        return -1;
    }
    rc = strcmp(fgd_fn_version(&fn), "$LATEST") == 0;
    fgd_fn_clear(&fn);
    if (rc) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            FGD_PC_UNPUBLISHED);
    }

    if (fg_key_function(kfn, sizeof(kfn), q->caller, q->function)
            >= FG_KEY_MAX
        || fg_key_provisioned(kpc, sizeof(kpc), q->caller, q->function)
            >= FG_KEY_MAX
        || fg_key_provisioned_functions(kpcs, sizeof(kpcs), q->caller)
            >= FG_KEY_MAX
        || fg_key_provisioned(prefix, sizeof(prefix), q->caller, "")
            >= FG_KEY_MAX
        || fg_key_provisioned_accounts(kacc, sizeof(kacc)) >= FG_KEY_MAX
        || (fg_version_valid(q->qualifier, strlen(q->qualifier))
            ? fg_key_version(krec, sizeof(krec), q->caller, q->function,
                  q->qualifier)
            : fg_key_alias(krec, sizeof(krec), q->caller, q->function,
                  q->qualifier)) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }

    /* the keeper's read starts from the accounts: this one first */
    sadd[0] = "SADD";
    sadd[1] = kacc;
    sadd[2] = q->caller;
    reply = fgd_redis_command(q, false, 3, sadd, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    freeReplyObject(reply);

    /* what this host can keep of an account at once */
    room = q->conf->vm.max_vms_per_account != 0
           ? q->conf->vm.max_vms_per_account : q->conf->vm.max_vms;
    clock_gettime(CLOCK_REALTIME, &now);
    fgd_time_lambda(&now, now_s, sizeof(now_s));
    snprintf(num, sizeof(num), "%u", n);
    snprintf(room_s, sizeof(room_s), "%u", room);
    snprintf(value, sizeof(value), "%u %s", n, now_s);
    args[0] = kfn;  args[1] = kpc;  args[2] = kpcs;  args[3] = krec;
    args[4] = q->qualifier;  args[5] = num;  args[6] = value;
    args[7] = room_s;  args[8] = q->function;  args[9] = prefix;
    reply = fgd_redis_script_status(q, FGD_SCRIPT_PROVISIONED_PUT, 4, 10,
        args, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    st = reply->element[0]->integer;
    detail = reply->elements > 1
             && reply->element[1]->type == REDIS_REPLY_INTEGER
             ? reply->element[1]->integer : 0;
    freeReplyObject(reply);
    if (st == 0 || st == -1) {
        char arn[300];

        fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
            st == 0 ? NULL : q->qualifier);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    if (st == -2) {
        reserved = (unsigned) detail;
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Requested Provisioned Concurrency should not be greater than "
            "the reservedConcurrentExecution for function (%u)", reserved);
    }
    if (st == -3) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Specified ProvisionedConcurrentExecutions for the account "
            "(%lld in all) is greater than the %u execution environments "
            "this host keeps for one account (max_vms_per_account, else "
            "max_vms)", detail, room);
    }
    fgd_log("info", q->request_id, "%s:%s:%s provisions %u concurrent "
        "executions", q->caller, q->function, q->qualifier, n);
    fgd_pc_wake();
    return fgd_pc_reply(q, value, 202, r);
}

int
fgd_provisioned_get(const fgd_req_t *q, fgd_resp_t *r)
{
    char  stored[64];
    int   got;

    if (fgd_pc_qualifier(q, r) != 0) {
        return -1;
    }
    got = fgd_pc_load(q, stored, sizeof(stored), r);
    if (got <= 0) {
        return got < 0 ? -1 : fgd_pc_not_found(r);
    }
    return fgd_pc_reply(q, stored, 200, r);
}

int
fgd_provisioned_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];
    int   n;

    if (fgd_pc_qualifier(q, r) != 0 || fgd_pc_key(q, key, r) != 0) {
        return -1;
    }
    n = fgd_store_hdel(q, key, q->qualifier, r);
    if (n <= 0) {
        return n < 0 ? -1 : fgd_pc_not_found(r);
    }
    fgd_log("info", q->request_id, "%s:%s:%s provisions no concurrency",
        q->caller, q->function, q->qualifier);
    fgd_pc_wake();
    r->status = 204;
    return 0;
}

int
fgd_provisioned_list(const fgd_req_t *q, fgd_resp_t *r)
{
    char                key[FG_KEY_MAX], marker[FG_QUALIFIER_MAX + 1];
    char              (*arns)[300] = NULL, (*mods)[FGD_TIME_LEN] = NULL;
    char              (*reasons)[256] = NULL;
    const char         *qs = q->query ? q->query : "", *next;
    fgd_store_field_t  *items = NULL;
    fgd_pc_doc_t       *docs = NULL;
    redisReply         *reply = NULL;
    unsigned            max_items;
    size_t              i, count, shown = 0;
    int                 rc = -1;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_page_query(qs, fg_qualifier_valid, marker, sizeof(marker),
            &max_items, r) != 0
        || fgd_pc_key(q, key, r) != 0
        || fgd_store_hash_page(q, key, fgd_eic_qualifier_cmp, marker,
            max_items < FGD_PC_LIST_MAX ? max_items : FGD_PC_LIST_MAX,
            &reply, &items, &count, &next, r) != 0)
    {
        return -1;
    }
    docs = calloc(count + 1, sizeof(*docs));
    arns = calloc(count + 1, sizeof(*arns));
    mods = calloc(count + 1, sizeof(*mods));
    reasons = calloc(count + 1, sizeof(*reasons));
    if (docs == NULL || arns == NULL || mods == NULL || reasons == NULL) {
        fgd_nomem(r);
        goto cleanup;
    }
    for (i = 0; i < count; i++) {
        if (fgd_pc_doc(q, items[i].field, items[i].value, &docs[shown],
                mods[shown], reasons[shown]))
        {
            fg_function_arn(arns[shown], sizeof(arns[shown]), q->region,
                q->caller, q->function, items[i].field);
            docs[shown].arn = arns[shown];
            shown++;
        }
    }
    rc = fgd_resp_done(r, fgd_json_list("ProvisionedConcurrencyConfigs",
        fgd_pc_gen, docs, shown, sizeof(*docs), NULL, next, &r->body,
        &r->body_len), 200);

cleanup:
    free(items);
    free(docs);
    free(arns);
    free(mods);
    free(reasons);
    freeReplyObject(reply);
    return rc;
}


/* ------------------------------------------------------------------ */
/* The keeper                                                           */

/*
 * Appends e's billing line for the time since its last one (now_ms) to
 * the billing log: the sandboxes it kept, its memory size, the seconds.
 * Nothing when no sandbox was kept or there is no log.  The lock is held.
 */
static void
fgd_pc_bill(fgd_pc_t *e, uint64_t now_ms)
{
    char             line[1024], iso[40], rid[37];
    struct timespec  ts;
    struct tm        tm;
    double           secs = (double) (now_ms - e->billed_ms) / 1000.0;
    int              fd, len;

    e->billed_ms = now_ms;
    if (e->kept == 0 || fgd_pc.conf->billing_log == NULL
        || fgd_pc.conf->billing_log[0] == '\0')
    {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
    fgd_revision_new(rid);
    /* the fields of conf/nginx.conf's fngate_billing that say what it is;
     * its function and qualifier names are Lambda's [a-zA-Z0-9-_$]:
     * nothing to escape */
    len = snprintf(line, sizeof(line),
        "{\"time\":\"%s\",\"msec\":\"%lld.%03ld\",\"request_id\":\"%s\","
        "\"action\":\"ProvisionedConcurrency\",\"caller\":\"%s\","
        "\"billing_account\":\"%s\",\"owner\":\"%s\",\"function\":\"%s\","
        "\"qualifier\":\"%s\",\"version\":\"%s\",\"status\":\"200\","
        "\"memory_mb\":\"%u\",\"provisioned\":\"%u\","
        "\"provisioned_seconds\":\"%.3f\"}\n",
        iso, (long long) ts.tv_sec, ts.tv_nsec / 1000000, rid, e->owner,
        e->owner, e->owner, e->name, e->qualifier, e->version, e->memory_mb,
        e->kept, secs);
    if (len <= 0 || (size_t) len >= sizeof(line)) {
        return;
    }
    /* one write, appended: nginx's lines stay whole beside it */
    fd = open(fgd_pc.conf->billing_log, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || write(fd, line, (size_t) len) != len) {
        fgd_log("error", NULL, "provisioned %s:%s:%s: billing line not "
            "written to %s: %s", e->owner, e->name, e->qualifier,
            fgd_pc.conf->billing_log, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

/* One command's reply on the keeper's connection, or NULL (logged). */
static redisReply *
fgd_pc_command(fgd_req_t *q, const char *cmd, const char *key)
{
    const char  *argv[2] = { cmd, key };
    fgd_resp_t   r;
    redisReply  *reply;

    memset(&r, 0, sizeof(r));
    reply = fgd_redis_command(q, true, 2, argv, NULL, &r);
    if (reply == NULL) {
        fgd_log("warn", NULL, "provisioned: %s %s: %s", cmd, key,
            r.message);
        fgd_resp_free(&r);
    }
    return reply;
}

/* Reads every configuration into the table (seen).  -1: Redis failed
 * (nothing is let go then). */
static int
fgd_pc_read(fgd_req_t *q)
{
    char          key[FG_KEY_MAX], modified[FGD_TIME_LEN];
    const char   *account, *name;
    redisReply   *accounts, *names = NULL, *reply = NULL;
    fgd_pc_t     *e;
    unsigned      n;
    size_t        a, f, i;
    int           rc = -1;

    fg_key_provisioned_accounts(key, sizeof(key));
    if ((accounts = fgd_pc_command(q, "SMEMBERS", key)) == NULL) {
        return -1;
    }
    for (a = 0; accounts->type == REDIS_REPLY_ARRAY
                && a < accounts->elements; a++)
    {
        freeReplyObject(names);
        names = NULL;
        if (accounts->element[a]->type != REDIS_REPLY_STRING) {
            continue;
        }
        account = accounts->element[a]->str;
        if (fg_key_provisioned_functions(key, sizeof(key), account)
                >= FG_KEY_MAX
            || (names = fgd_pc_command(q, "SMEMBERS", key)) == NULL)
        {
            goto done;
        }
        for (f = 0; names->type == REDIS_REPLY_ARRAY && f < names->elements;
             f++)
        {
            if (names->element[f]->type != REDIS_REPLY_STRING) {
                continue;
            }
            name = names->element[f]->str;
            if (fg_key_provisioned(key, sizeof(key), account, name)
                    >= FG_KEY_MAX
                || (reply = fgd_pc_command(q, "HGETALL", key)) == NULL)
            {
                goto done;
            }
            for (i = 0; reply->type == REDIS_REPLY_ARRAY
                        && i + 1 < reply->elements; i += 2)
            {
                if (reply->element[i]->type != REDIS_REPLY_STRING
                    || reply->element[i + 1]->type != REDIS_REPLY_STRING
                    || !fgd_pc_parse(reply->element[i + 1]->str, &n,
                           modified))
                {
                    continue;
                }
                pthread_mutex_lock(&fgd_pc.lock);
                e = fgd_pc_entry(account, name, reply->element[i]->str,
                    true);
                if (e != NULL) {
                    if (strcmp(e->modified, modified) != 0) {
                        /* put again: made again now, not after a wait */
                        snprintf(e->modified, sizeof(e->modified), "%s",
                            modified);
                        e->status = "IN_PROGRESS";
                        e->reason[0] = '\0';
                        e->retry_ms = 0;
                    }
                    e->requested = n;
                    e->seen = true;
                }
                pthread_mutex_unlock(&fgd_pc.lock);
            }
            freeReplyObject(reply);
        }
    }
    rc = 0;

done:
    freeReplyObject(names);
    freeReplyObject(accounts);
    return rc;
}

/* Lets owner's kept sandboxes of code and config go (its configuration
 * went, or names another version now). */
static void
fgd_pc_let_go(const char *owner, const char *code, const char *config)
{
    if (code[0] != '\0') {
        fgd_pool_provisioned(owner, code, config, 0);
    }
}

/*
 * Keeps e's sandboxes: one init-only call after another until e's number
 * is kept or a call fails.  The lock is not held; e is the keeper's own
 * copy, written back by the caller.
 */
static void
fgd_pc_keep(fgd_req_t *q, fgd_pc_t *e)
{
    fgd_provision_t  p;
    fgd_resp_t       r;
    char             rid[37];
    unsigned         tries;
    int              rc;

    q->caller = q->owner = q->billing = e->owner;
    q->function = e->name;
    q->qualifier = e->qualifier;
    q->request_id = q->root_id = rid;
    for (tries = 0; tries <= e->requested; tries++) {
        memset(&p, 0, sizeof(p));
        p.want = e->requested;
        fgd_revision_new(rid);
        q->provision = &p;
        memset(&r, 0, sizeof(r));
        rc = fgd_invoke(q, &r);
        q->provision = NULL;
        if (rc != 0 || p.code[0] == '\0') {
            e->status = "FAILED";
            snprintf(e->reason, sizeof(e->reason), "%.200s",
                r.message[0] ? r.message
                : "the execution environment failed");
            e->retry_ms = fg_now_ms() + FGD_PC_RETRY_MS;
            fgd_log("warn", rid, "provisioned %s:%s:%s: %u of %u kept; "
                "tried again in %u s: %s", e->owner, e->name, e->qualifier,
                e->kept, e->requested, FGD_PC_RETRY_MS / 1000, e->reason);
            fgd_resp_free(&r);
            return;
        }
        fgd_resp_free(&r);
        /* an alias moved to another version: the old sandboxes go */
        if (strcmp(e->code, p.code) != 0 || strcmp(e->config, p.config) != 0)
        {
            fgd_pc_let_go(e->owner, e->code, e->config);
            snprintf(e->code, sizeof(e->code), "%s", p.code);
            snprintf(e->config, sizeof(e->config), "%s", p.config);
        }
        snprintf(e->version, sizeof(e->version), "%s", p.version);
        e->memory_mb = p.memory_mb;
        e->kept = p.kept;
        if (p.kept >= e->requested) {
            if (strcmp(e->status, "READY") != 0) {
                fgd_log("info", rid, "provisioned %s:%s:%s (version %s): "
                    "%u kept, READY", e->owner, e->name, e->qualifier,
                    e->version, e->kept);
            }
            e->status = "READY";
            e->reason[0] = '\0';
            return;
        }
        e->status = "IN_PROGRESS";
    }
}

/* One round: the configurations read, each kept, the gone let go, the
 * billing lines due written. */
static void
fgd_pc_round(fgd_req_t *q)
{
    fgd_pc_t  e;
    uint64_t  now;
    size_t    i;

    if (fgd_pool_now() == NULL) {
        return;                         /* not started yet */
    }
    pthread_mutex_lock(&fgd_pc.lock);
    for (i = 0; i < fgd_pc.n; i++) {
        fgd_pc.pcs[i].seen = false;
    }
    pthread_mutex_unlock(&fgd_pc.lock);
    if (fgd_pc_read(q) != 0) {
        return;
    }

    for (i = 0; ; i++) {
        pthread_mutex_lock(&fgd_pc.lock);
        if (i >= fgd_pc.n || fgd_pc.stopping) {
            pthread_mutex_unlock(&fgd_pc.lock);
            break;
        }
        now = fg_now_ms();
        if (!fgd_pc.pcs[i].seen) {
            /* gone: billed to now, let go */
            e = fgd_pc.pcs[i];
            fgd_pc_bill(&e, now);
            fgd_pc.pcs[i] = fgd_pc.pcs[--fgd_pc.n];
            pthread_mutex_unlock(&fgd_pc.lock);
            fgd_log("info", NULL, "provisioned %s:%s:%s: configuration "
                "gone, its %u sandboxes let go", e.owner, e.name,
                e.qualifier, e.kept);
            fgd_pc_let_go(e.owner, e.code, e.config);
            i--;
            continue;
        }
        e = fgd_pc.pcs[i];
        pthread_mutex_unlock(&fgd_pc.lock);

        if (e.retry_ms == 0 || now >= e.retry_ms) {
            fgd_pc_keep(q, &e);
        }

        /* written back: this thread alone changes the table (Get and
         * List only read it), so entry i is still e's */
        pthread_mutex_lock(&fgd_pc.lock);
        if (now - e.billed_ms >= FGD_PC_BILL_MS) {
            fgd_pc_bill(&e, now);
        }
        fgd_pc.pcs[i] = e;
        pthread_mutex_unlock(&fgd_pc.lock);
    }
}

static void *
fgd_pc_keeper(void *arg)
{
    fgd_redis_t      *redis = NULL;
    fgd_req_t         q;
    struct timespec   ts;

    (void) arg;
    memset(&q, 0, sizeof(q));
    q.conf = fgd_pc.conf;
    q.redis = &redis;
    q.region = fgd_pc.conf->region;
    q.pool_key = q.alias = q.log_type = q.invocation_type = "";
    q.event = q.role = q.session = q.deadline = q.query = "";
    q.action = "Invoke";
    q.action_id = FG_ACTION_INVOKE;
    q.depth = 1;

    pthread_mutex_lock(&fgd_pc.lock);
    while (!fgd_pc.stopping) {
        fgd_pc.wake = false;
        pthread_mutex_unlock(&fgd_pc.lock);
        fgd_pc_round(&q);
        pthread_mutex_lock(&fgd_pc.lock);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += FGD_PC_ROUND_MS / 1000;
        while (!fgd_pc.stopping && !fgd_pc.wake
               && pthread_cond_timedwait(&fgd_pc.cond, &fgd_pc.lock, &ts)
                  == 0)
        { }
    }
    pthread_mutex_unlock(&fgd_pc.lock);
    if (redis != NULL) {
        fgd_redis_free(redis);
    }
    return NULL;
}

int
fgd_provisioned_start(const fgd_conf_t *conf)
{
    fgd_pc.conf = conf;
    fgd_pc.stopping = false;
    if (pthread_create(&fgd_pc.thread, NULL, fgd_pc_keeper, NULL) != 0) {
        fgd_log("error", NULL, "provisioned: the keeper did not start: %s",
            strerror(errno));
        return -1;
    }
    fgd_pc.started = true;
    return 0;
}

void
fgd_provisioned_stop(void)
{
    size_t  i;

    if (!fgd_pc.started) {
        return;
    }
    pthread_mutex_lock(&fgd_pc.lock);
    fgd_pc.stopping = true;
    pthread_cond_signal(&fgd_pc.cond);
    pthread_mutex_unlock(&fgd_pc.lock);
    pthread_join(fgd_pc.thread, NULL);
    fgd_pc.started = false;
    /* what was kept until now is billed */
    for (i = 0; i < fgd_pc.n; i++) {
        fgd_pc_bill(&fgd_pc.pcs[i], fg_now_ms());
    }
    free(fgd_pc.pcs);
    fgd_pc.pcs = NULL;
    fgd_pc.n = fgd_pc.cap = 0;
}
