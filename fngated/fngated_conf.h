/*
 * fngated_conf: the configuration (fngated -c FILE; conf/fngated.conf is
 * the reference of every key) and its parsing (fngated_conf.c).
 */

#ifndef FNGATED_CONF_H
#define FNGATED_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "vmpool.h"

/* Quotas of one account (conf/fngated.conf's quota_* keys); 0 is no
 * limit.  Checked by the Redis script that writes, so two calls can not
 * both take the last slot. */
/* At most this many keys (the table of fngated_conf.c). */
#define FGD_CONF_KEYS_MAX  128

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

/* Asynchronous invocation (fngated_async.c; conf/fngated.conf's gateway
 * and async_* keys). */
typedef struct {
    char          *gateway;         /* where the workers call the gateway:
                                       "host:port" or "unix:/path" */
    unsigned       workers;         /* threads running events; 0: this
                                       fngated only accepts them */
    unsigned       per_account;     /* events of one account at once */
    unsigned       retry_base_s;    /* wait before the first retry of a
                                       function error; doubled after */
    unsigned       visibility_s;    /* a taken event's lease: a worker
                                       that died leaves it to another
                                       after this */
    unsigned       sweep_s;         /* every account with events is
                                       looked at this often */
} fgd_async_conf_t;

/* Event source mappings' pollers (fngated_esm_poll.c; conf/fngated.conf's
 * esm_* keys). */
typedef struct {
    unsigned       pollers;         /* poller threads at most; 0: none */
    unsigned       per_account;     /* of one account's mappings */
    unsigned       concurrency;     /* of a mapping without ScalingConfig */
    unsigned       refresh_ms;      /* the registry is read this often */
} fgd_esm_conf_t;

typedef struct {
    char          *listen;          /* "unix:/path" or "host:port" */
    char          *redis;           /* the address list (fg_cluster.h):
                                       "host:port", "unix:/path", or
                                       seeds and "cluster" */
    unsigned       redis_wait;      /* replicas a write waits for */
    unsigned       redis_wait_ms;   /* at most this long (WAIT) */
    unsigned       redis_retry_ms;  /* a command waits this long for a
                                       cluster to settle (failover) */
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
    char          *network;         /* "none", "deny", "loopback" or a
                                       list (docs/network.md) */
    char          *network_default; /* a function's list without its
                                       own, "" nothing */
    char          *network_subnet;  /* the guests' addresses */
    char          *billing_log;     /* nginx's billing log, for usage;
                                       "" none */
    fgd_quota_t    quota;           /* per account; 0: no limit */
    size_t         billing_log_reserve; /* bytes its file system keeps
                                       free for calls in flight; 0 off */
    unsigned       billing_ship;    /* 1: its lines are shipped to Redis,
                                       and usage is read there
                                       (fngated_billship.c) */
    unsigned       billing_retention_days; /* shipped lines kept */
    char          *pid_file;        /* written once ready; "" none */
    fgd_async_conf_t  async;
    fgd_esm_conf_t    esm;
    unsigned       suspend_after_ms; /* a call that waits this long on a
                                       call it made is suspended; 0
                                       never (docs/suspend.md) */
    unsigned       queue_wait_threads; /* threads that may wait in a
                                       ReceiveMessage long poll at once */
    unsigned char  seen[FGD_CONF_KEYS_MAX];       /* keys given */
    unsigned char  overridden[FGD_CONF_KEYS_MAX]; /* keys given by -o */
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

/*
 * Checks list (entries of fg_egress.h, separated by commas or blanks)
 * against the operator's `network`: each entry within it, none in the
 * guests' subnet.  With out, the list in vmpool's form (vmp_vm_set_egress).
 * 0, or -1 with a sentence in why.
 */
int fgd_conf_egress(const fgd_conf_t *conf, const char *list, char *out,
    size_t size, char *why, size_t wsize);

/*
 * The gateway as a function's guest reaches it, for AWS_ENDPOINT_URL:
 * "http://GATEWAY_ADDRESS:PORT" (the first address of network_subnet, and
 * the port of a `gateway` on 127.0.0.1 or localhost, which the guest's
 * host rules DNAT to it) into dst; "" when guests have no network or the
 * gateway is not a loopback TCP address.
 */
void fgd_conf_function_endpoint(const fgd_conf_t *conf, char *dst,
    size_t size);

#endif /* FNGATED_CONF_H */
