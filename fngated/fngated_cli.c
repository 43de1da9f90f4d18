/*
 * fngated_cli: the command line of fngated, its command modes and its
 * readiness signal (fngated_cli.h).
 *
 * The modes are how util/fngate reaches what fngated's C code owns:
 * `usage` prints the table of `fngate usage` from fngated_usage.c's sums
 * (of the lines shipped to Redis with billing_ship, unless --log names a
 * file); `ship-billing` ships what billing_log holds now, as the
 * daemon's shipper does (fngated_billship.c); `account create` writes an
 * account's keys (lib/fg_keys.h) in one script, `account list` reads
 * them.  Each loads the same configuration
 * as the daemon (-c FILE and -o key=value), so `redis` and `billing_log`
 * are the daemon's.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include "fg_keys.h"
#include "fg_route.h"
#include "fngated_billship.h"
#include "fngated_cli.h"
#include "fngated_log.h"
#include "fngated_iam_json.h"
#include "fngated_redis.h"
#include "fngated_roles.h"
#include "fngated_usage.h"
#include "fngated_util.h"

#define FGD_CLI_USAGE \
    "usage: fngated -c FILE [-o key=value]...\n" \
    "       fngated -c FILE [-o key=value]... usage [--since T] " \
    "[--until T]\n" \
    "               [--account A] [--as VIEWER] " \
    "[--by account|owner|api] [--log FILE]\n" \
    "       fngated -c FILE [-o key=value]... account create NAME | " \
    "account list\n" \
    "       fngated -c FILE [-o key=value]... ship-billing\n" \
    "       fngated -c FILE [-o key=value]... role create ACCOUNT NAME | " \
    "role put-policy ACCOUNT NAME POLICY FILE\n"

#define FGD_CLI_TRIES  5

/*
 * A request of the command line for fngated_redis: its connection to
 * conf->redis (opened, the scripts loaded, at the first command).
 */
static void
fgd_cli_req(fgd_req_t *q, const fgd_conf_t *conf, fgd_redis_t **c)
{
    memset(q, 0, sizeof(*q));
    q->conf = conf;
    q->redis = c;
    q->request_id = "-";
}

/* ------------------------------------------------------------------ */
/* usage                                                                */

/*
 * A time of --since / --until: epoch seconds (fractions allowed) or an
 * ISO 8601 date and time in UTC (2026-01-31, 2026-01-31T12:00,
 * 2026-01-31T12:00:00Z).  0, or -1.
 */
static int
fgd_cli_time(const char *s, double *t)
{
    static const char  *formats[] = {
        "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d",
        NULL
    };
    struct tm           tm;
    const char         *end;
    char               *nend;
    size_t              i;

    if (s[0] >= '0' && s[0] <= '9') {
        errno = 0;
        *t = strtod(s, &nend);
        if (errno == 0 && *nend == '\0' && isfinite(*t)) {
            return 0;
        }
    }
    for (i = 0; formats[i] != NULL; i++) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, formats[i], &tm);
        if (end != NULL && *end == '\0') {
            *t = (double) timegm(&tm);
            return 0;
        }
    }
    return -1;
}

static int
fgd_cli_usage_cmd(const fgd_conf_t *conf, int argc, char **argv)
{
    fgd_usage_opts_t  o;
    fgd_redis_t      *c = NULL;
    fgd_req_t         q;
    char              err[512];
    bool              log = false;
    int               i, rc;

    memset(&o, 0, sizeof(o));
    o.log = conf->billing_log;
    o.until = INFINITY;
    o.by = FGD_USAGE_BY_ACCOUNT;
    for (i = 1; i < argc; i++) {
        const char  *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (v == NULL) {
            goto usage;
        }
        i++;
        if (strcmp(opt, "--since") == 0 || strcmp(opt, "--until") == 0) {
            if (fgd_cli_time(v, opt[2] == 's' ? &o.since : &o.until) != 0) {
                fprintf(stderr, "fngated: cannot read the time \"%s\"\n", v);
                return 1;
            }
        } else if (strcmp(opt, "--account") == 0) {
            o.account = v;
        } else if (strcmp(opt, "--as") == 0) {
            if (!fg_account_valid(v, strlen(v))) {
                fprintf(stderr, "fngated: --as takes an account id\n");
                return 1;
            }
            o.viewer = v;
        } else if (strcmp(opt, "--by") == 0) {
            if (strcmp(v, "account") == 0) {
                o.by = FGD_USAGE_BY_ACCOUNT;
            } else if (strcmp(v, "owner") == 0) {
                o.by = FGD_USAGE_BY_OWNER;
            } else if (strcmp(v, "api") == 0) {
                o.by = FGD_USAGE_BY_API;
            } else {
                goto usage;
            }
        } else if (strcmp(opt, "--log") == 0) {
            o.log = v;
            log = true;
        } else {
            goto usage;
        }
    }
    /* every host's lines, as GetUsage answers, unless a log is named */
    if (conf->billing_ship && !log) {
        fgd_cli_req(&q, conf, &c);
        o.shipped = &q;
    } else if (o.log == NULL || o.log[0] == '\0') {
        fprintf(stderr, "fngated: no billing log (billing_log, or --log)\n");
        return 1;
    }
    rc = fgd_usage_print(stdout, &o, err, sizeof(err));
    if (c != NULL) {
        fgd_redis_free(c);
    }
    if (rc != 0) {
        fprintf(stderr, "fngated: %s\n", err);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;

usage:
    fputs(FGD_CLI_USAGE, stderr);
    return 2;
}

/* ------------------------------------------------------------------ */
/* account                                                              */

static bool
fgd_cli_account_name_valid(const char *name)
{
    size_t  n = strlen(name);

    return n >= 1 && n <= 64
           && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "abcdefghijklmnopqrstuvwxyz" FGD_CHARS_DIGITS "._-")
              == n;
}

/* The error of r on stderr; frees r. */
static int
fgd_cli_fail(const fgd_conf_t *conf, fgd_resp_t *r)
{
    fprintf(stderr, "fngated: redis at %s: %s\n", conf->redis, r->message);
    fgd_resp_free(r);
    return 1;
}

/* A write command: 0, or -1 (said on stderr). */
static int
fgd_cli_write(fgd_req_t *q, int argc, const char **argv)
{
    redisReply  *rep;
    fgd_resp_t   r;

    memset(&r, 0, sizeof(r));
    rep = fgd_redis_command(q, false, argc, argv, NULL, &r);
    if (rep == NULL) {
        return -fgd_cli_fail(q->conf, &r);
    }
    freeReplyObject(rep);
    return 0;
}

/*
 * hash_create.lua on key with n field/value pairs: 1 written, 0 the name
 * is taken, -1 failed (said on stderr).
 */
static int
fgd_cli_hash_create(fgd_req_t *q, const char *key, const char **fv,
    unsigned n)
{
    const char  *args[2 + 2 * 4];
    fgd_resp_t   r;
    long long    v;
    unsigned     i;

    args[0] = key;
    args[1] = "0";
    for (i = 0; i < 2 * n && i < 2 * 4; i++) {
        args[2 + i] = fv[i];
    }
    memset(&r, 0, sizeof(r));
    if (fgd_redis_script_int(q, FGD_SCRIPT_HASH_CREATE, 1, (int) (2 + i),
            args, NULL, &v, &r) != 0)
    {
        return -fgd_cli_fail(q->conf, &r);
    }
    return v == 1;
}

/*
 * An account, in three steps that each touch one key (the account's
 * record, the set of accounts and the access key live on different slots
 * of a cluster): the record claims the id, the set lists it, the access
 * key makes it usable.  A crash between them leaves at most an account
 * whose record names an access key that does not exist (or another
 * account's, drawn since): no key leads to it, so it can not be used,
 * and nothing else is touched; the command, run again, makes another.
 */
static int
fgd_cli_account_create(const fgd_conf_t *conf, const char *name)
{
    fgd_redis_t   *c = NULL;
    fgd_req_t      q;
    char           id[FG_ACCOUNT_LEN + 1], akid[21], secret[41];
    char           k_key[FG_KEY_MAX], k_acct[FG_KEY_MAX], k_all[FG_KEY_MAX];
    char           created[32];
    const char    *acct[] = { "name", name, "created", created,
                              "access_key", akid };
    const char    *key[] = { "account", id, "secret", secret, "created",
                             created };
    const char    *argv[4];
    time_t         now = time(NULL);
    struct tm      tm;
    int            try, got = 0, rc = 1;

    if (!fgd_cli_account_name_valid(name)) {
        fprintf(stderr, "fngated: account name must be 1-64 of A-Z a-z 0-9 "
            ". _ -\n");
        return 1;
    }
    gmtime_r(&now, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fgd_cli_req(&q, conf, &c);
    fg_key_accounts(k_all, sizeof(k_all));

    /* (fixed lengths: the names fit) */
    for (try = 0; try < FGD_CLI_TRIES && got == 0; try++) {
        memcpy(akid, "AKIA", 4);
        if (fgd_rand_text(id, 1, FGD_CHARS_DIGITS + 1) != 0
            || fgd_rand_text(id + 1, FG_ACCOUNT_LEN - 1,
                   FGD_CHARS_DIGITS) != 0
            || fgd_rand_text(akid + 4, 16, FGD_CHARS_BASE32) != 0
            || fgd_rand_text(secret, 40, FGD_CHARS_BASE64) != 0)
        {
            fprintf(stderr, "fngated: no random bytes\n");
            goto cleanup;
        }
        fg_key_account(k_acct, sizeof(k_acct), id);
        got = fgd_cli_hash_create(&q, k_acct, acct, 3);
    }
    if (got <= 0) {
        if (got == 0) {
            fprintf(stderr, "fngated: could not find a free account id\n");
        }
        goto cleanup;
    }

    argv[0] = "SADD";
    argv[1] = k_all;
    argv[2] = id;
    if (fgd_cli_write(&q, 3, argv) != 0) {
        goto cleanup;
    }

    for (try = 0, got = 0; try < FGD_CLI_TRIES && got == 0; try++) {
        if (try > 0) {
            /* the access key id is taken: the record names the next */
            if (fgd_rand_text(akid + 4, 16, FGD_CHARS_BASE32) != 0) {
                fprintf(stderr, "fngated: no random bytes\n");
                goto cleanup;
            }
            argv[0] = "HSET";
            argv[1] = k_acct;
            argv[2] = "access_key";
            argv[3] = akid;
            if (fgd_cli_write(&q, 4, argv) != 0) {
                goto cleanup;
            }
        }
        fg_key_access_key(k_key, sizeof(k_key), akid);
        got = fgd_cli_hash_create(&q, k_key, key, 3);
    }
    if (got <= 0) {
        if (got == 0) {
            fprintf(stderr, "fngated: could not find a free access key "
                "id\n");
        }
        goto cleanup;
    }
    printf("{\"AccountId\":\"%s\",\"AccessKeyId\":\"%s\","
        "\"SecretAccessKey\":\"%s\"}\n", id, akid, secret);
    rc = fflush(stdout) == 0 ? 0 : 1;

cleanup:
    fgd_redis_free(c);
    return rc;
}

static int
fgd_cli_account_list(const fgd_conf_t *conf)
{
    fgd_redis_t   *c = NULL;
    redisReply    *ids = NULL, *rep = NULL;
    fgd_req_t      q;
    fgd_resp_t     r;
    char         **sorted = NULL, key[FG_KEY_MAX];
    const char    *argv[5];
    size_t         i, j;
    int            rc = 1;

    fgd_cli_req(&q, conf, &c);
    memset(&r, 0, sizeof(r));
    fg_key_accounts(key, sizeof(key));
    argv[0] = "SMEMBERS";
    argv[1] = key;
    ids = fgd_redis_command(&q, true, 2, argv, NULL, &r);
    if (ids == NULL) {
        rc = fgd_cli_fail(conf, &r);
        goto cleanup;
    }
    sorted = calloc(ids->elements + 1, sizeof(*sorted));
    if (ids->type != REDIS_REPLY_ARRAY || sorted == NULL) {
        fprintf(stderr, "fngated: redis at %s: bad reply\n", conf->redis);
        goto cleanup;
    }
    for (i = j = 0; i < ids->elements; i++) {
        if (ids->element[i]->type == REDIS_REPLY_STRING) {
            sorted[j++] = ids->element[i]->str;
        }
    }
    qsort(sorted, j, sizeof(*sorted), fgd_str_cmp);

    printf("%-12s  %-20s  %-20s  %s\n", "ACCOUNT", "ACCESS_KEY", "CREATED",
        "NAME");
    argv[0] = "HMGET";
    argv[1] = key;
    argv[2] = "access_key";
    argv[3] = "created";
    argv[4] = "name";
    for (i = 0; i < j; i++) {
        const char  *f[3] = { "", "", "" };
        size_t       k;

        if (fg_key_account(key, sizeof(key), sorted[i]) >= FG_KEY_MAX) {
            continue;
        }
        rep = fgd_redis_command(&q, true, 5, argv, NULL, &r);
        if (rep == NULL) {
            rc = fgd_cli_fail(conf, &r);
            goto cleanup;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3) {
            for (k = 0; k < 3; k++) {
                if (rep->element[k]->type == REDIS_REPLY_STRING) {
                    f[k] = rep->element[k]->str;
                }
            }
        }
        printf("%-12s  %-20s  %-20s  %s\n", sorted[i], f[0], f[1], f[2]);
        freeReplyObject(rep);
        rep = NULL;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;

cleanup:
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    if (ids != NULL) {
        freeReplyObject(ids);
    }
    free(sorted);
    if (c != NULL) {
        fgd_redis_free(c);
    }
    return rc;
}

/*
 * An execution role's call (IAM's API, fngated_roles.c) as ACCOUNT with
 * n name/value pairs: prints what the call made (the role's ARN) or its
 * error.  An operator's way to what `aws iam create-role` and
 * `put-role-policy` do as the account.
 */
static int
fgd_cli_role(const fgd_conf_t *conf, const char *account,
    const char *const *kv, unsigned n)
{
    fgd_redis_t   *c = NULL;
    fgd_req_t      q;
    fgd_resp_t     r;
    fgq_params_t   p;
    unsigned       i;
    int            rc = 1;

    if (!fg_account_valid(account, strlen(account))) {
        fprintf(stderr, "fngated: \"%s\" is not an account id\n", account);
        return 2;
    }
    fgd_cli_req(&q, conf, &c);
    q.caller = account;
    q.owner = account;
    q.region = conf->region;
    q.role = "";
    memset(&r, 0, sizeof(r));
    memset(&p, 0, sizeof(p));
    for (i = 0; i + 1 < n; i += 2) {
        if (fgq_params_add(&p, kv[i], strlen(kv[i]), kv[i + 1],
                strlen(kv[i + 1])) != 0)
        {
            fprintf(stderr, "fngated: out of memory\n");
            goto cleanup;
        }
    }
    if (fgd_iam_params(&q, &p, &r) != 0 || r.status != 200) {
        fprintf(stderr, "fngated: %s: %s\n", kv[1], r.message);
        goto cleanup;
    }
    printf("{\"Arn\":\"arn:aws:iam::%s:role/%s\"}\n", account, kv[3]);
    rc = fflush(stdout) == 0 ? 0 : 1;

cleanup:
    fgd_resp_free(&r);
    fgq_params_free(&p);
    if (c != NULL) {
        fgd_redis_free(c);
    }
    return rc;
}

/* The text of a policy file (at most FGD_POLICY_DOC_MAX bytes), malloc'd;
 * NULL with a message on stderr. */
static char *
fgd_cli_read_doc(const char *path)
{
    FILE    *f = fopen(path, "r");
    char    *doc;
    size_t   n;

    if (f == NULL) {
        fprintf(stderr, "fngated: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    doc = malloc(FGD_POLICY_DOC_MAX + 2);
    n = doc != NULL ? fread(doc, 1, FGD_POLICY_DOC_MAX + 1, f) : 0;
    fclose(f);
    if (doc == NULL || n > FGD_POLICY_DOC_MAX) {
        fprintf(stderr, "fngated: %s: %s\n", path, doc == NULL
            ? "out of memory" : "larger than a policy may be");
        free(doc);
        return NULL;
    }
    doc[n] = '\0';
    return doc;
}

static int
fgd_cli_role_cmd(const fgd_conf_t *conf, int argc, char **argv)
{
    static const char  trust[] = "{\"Version\":\"2012-10-17\","
        "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
        "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
    char               *doc;
    int                 rc;

    if (argc == 4 && strcmp(argv[1], "create") == 0) {
        const char *kv[] = { "Action", "CreateRole", "RoleName", argv[3],
                             "AssumeRolePolicyDocument", trust };

        return fgd_cli_role(conf, argv[2], kv, 6);
    }
    if (argc == 6 && strcmp(argv[1], "put-policy") == 0) {
        doc = fgd_cli_read_doc(argv[5]);
        if (doc == NULL) {
            return 1;
        }
        {
            const char *kv[] = { "Action", "PutRolePolicy", "RoleName",
                                 argv[3], "PolicyName", argv[4],
                                 "PolicyDocument", doc };

            rc = fgd_cli_role(conf, argv[2], kv, 8);
        }
        free(doc);
        return rc;
    }
    fputs(FGD_CLI_USAGE, stderr);
    return 2;
}

/* ------------------------------------------------------------------ */
/* the command line                                                     */

int
fgd_cli(int argc, char **argv, fgd_conf_t *conf)
{
    const char  *conf_path = NULL;
    char         err[512], msg[512];
    char       **mode;
    int          opt, nmode, rc = 2;

    if (fgd_conf_init(conf) != 0) {
        fprintf(stderr, "fngated: out of memory\n");
        return 1;
    }
    /* '+': the options end at the mode's name (its own options follow) */
    while ((opt = getopt(argc, argv, "+c:o:h")) != -1) {
        switch (opt) {
        case 'c':
            conf_path = optarg;
            break;
        case 'o':
            if (fgd_conf_override(conf, optarg, msg, sizeof(msg)) != 0) {
                fprintf(stderr, "fngated: -o %s: %s\n", optarg, msg);
                rc = 1;
                goto cleanup;
            }
            break;
        case 'h':
            fputs(FGD_CLI_USAGE, stdout);
            rc = 0;
            goto cleanup;
        default:
            goto usage;
        }
    }
    if (conf_path == NULL) {
        goto usage;
    }
    if (fgd_conf_load(conf, conf_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "fngated: %s\n", err);
        rc = 1;
        goto cleanup;
    }
    mode = argv + optind;
    nmode = argc - optind;
    if (nmode == 0) {
        return FGD_CLI_SERVE;
    }

    if (strcmp(mode[0], "usage") == 0) {
        rc = fgd_cli_usage_cmd(conf, nmode, mode);
        goto cleanup;
    }
    if (strcmp(mode[0], "account") == 0 && nmode == 3
        && strcmp(mode[1], "create") == 0)
    {
        rc = fgd_cli_account_create(conf, mode[2]);
        goto cleanup;
    }
    if (strcmp(mode[0], "account") == 0 && nmode == 2
        && strcmp(mode[1], "list") == 0)
    {
        rc = fgd_cli_account_list(conf);
        goto cleanup;
    }
    if (strcmp(mode[0], "ship-billing") == 0 && nmode == 1) {
        rc = fgd_billship_once(conf) == 0 ? 0 : 1;
        goto cleanup;
    }
    if (strcmp(mode[0], "role") == 0) {
        rc = fgd_cli_role_cmd(conf, nmode, mode);
        goto cleanup;
    }

usage:
    fputs(FGD_CLI_USAGE, stderr);
    rc = 2;

cleanup:
    fgd_conf_free(conf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* the pid file                                                         */

void
fgd_cli_ready(const fgd_conf_t *conf)
{
    char  tmp[4096 + 16], line[32];
    int   fd, len, ok;

    if (conf->pid_file == NULL || conf->pid_file[0] == '\0') {
        return;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", conf->pid_file);
    len = snprintf(line, sizeof(line), "%ld\n", (long) getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fgd_log("error", NULL, "pid file %s: %s", tmp, strerror(errno));
        return;
    }
    ok = write(fd, line, (size_t) len) == len;
    if (close(fd) != 0) {
        ok = 0;
    }
    if (!ok || rename(tmp, conf->pid_file) != 0) {
        fgd_log("error", NULL, "pid file %s: %s", conf->pid_file,
            strerror(errno));
        unlink(tmp);
        return;
    }
    fgd_log("info", NULL, "ready: pid %ld in %s", (long) getpid(),
        conf->pid_file);
}

void
fgd_cli_exit(const fgd_conf_t *conf)
{
    char  line[32];
    FILE *f;

    if (conf->pid_file == NULL || conf->pid_file[0] == '\0') {
        return;
    }
    f = fopen(conf->pid_file, "r");
    if (f == NULL) {
        return;
    }
    /* (a pid file another fngated wrote since is left alone) */
    if (fgets(line, sizeof(line), f) != NULL
        && strtol(line, NULL, 10) == (long) getpid())
    {
        unlink(conf->pid_file);
    }
    fclose(f);
}
