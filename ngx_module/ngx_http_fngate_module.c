
/*
 * fngate: directives, configuration and phase registration.
 */


#include "ngx_http_fngate_module.h"


static ngx_int_t ngx_http_fngate_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fngate_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_fngate_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fngate_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_fngate_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_fngate_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_fngate_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_fngate_parse_redis(ngx_conf_t *cf,
    ngx_http_fngate_main_conf_t *fmcf);
static ngx_int_t ngx_http_fngate_resolve_redis(ngx_conf_t *cf,
    fg_redis_addr_t *a);
static ngx_int_t ngx_http_fngate_init_process(ngx_cycle_t *cycle);
static void ngx_http_fngate_exit_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_fngate_commands[] = {

    { ngx_string("fngate"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fngate_loc_conf_t, enable),
      NULL },

    { ngx_string("fngate_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_fngate_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fngate_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fngate_main_conf_t, redis_timeout),
      NULL },

    { ngx_string("fngate_region"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fngate_loc_conf_t, region),
      NULL },

    { ngx_string("fngate_clock_skew"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fngate_loc_conf_t, clock_skew),
      NULL },

    { ngx_string("fngate_cache_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fngate_main_conf_t, cache_ttl),
      NULL },

    { ngx_string("fngate_max_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fngate_loc_conf_t, max_payload),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fngate_module_ctx = {
    ngx_http_fngate_preconfiguration,      /* preconfiguration */
    ngx_http_fngate_postconfiguration,     /* postconfiguration */

    ngx_http_fngate_create_main_conf,      /* create main configuration */
    ngx_http_fngate_init_main_conf,        /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_fngate_create_loc_conf,       /* create location configuration */
    ngx_http_fngate_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_fngate_module = {
    NGX_MODULE_V1,
    &ngx_http_fngate_module_ctx,           /* module context */
    ngx_http_fngate_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_fngate_init_process,          /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_fngate_exit_process,          /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_fngate_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_fngate_add_variables(cf);
}


static ngx_int_t
ngx_http_fngate_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fngate_access_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fngate_precontent_handler;

    return ngx_http_fngate_filter_init(cf);
}


static void *
ngx_http_fngate_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fngate_main_conf_t  *fmcf;

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fngate_main_conf_t));
    if (fmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     fmcf->redis = { 0, NULL };
     *     fmcf->redis_conf = NULL;
     */

    fmcf->redis_timeout = NGX_CONF_UNSET_MSEC;
    fmcf->cache_ttl = NGX_CONF_UNSET_MSEC;

    return fmcf;
}


static char *
ngx_http_fngate_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_fngate_main_conf_t *fmcf = conf;

    if (fmcf->redis.data == NULL) {
        ngx_str_set(&fmcf->redis, "127.0.0.1:6379");

        if (ngx_http_fngate_parse_redis(cf, fmcf) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }
    }

    ngx_conf_init_msec_value(fmcf->redis_timeout, 1000);
    ngx_conf_init_msec_value(fmcf->cache_ttl, 1000);

    return NGX_CONF_OK;
}


static void *
ngx_http_fngate_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_fngate_loc_conf_t  *flcf;

    flcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fngate_loc_conf_t));
    if (flcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     flcf->region = { 0, NULL };
     */

    flcf->enable = NGX_CONF_UNSET;
    flcf->clock_skew = NGX_CONF_UNSET;
    flcf->max_payload = NGX_CONF_UNSET_SIZE;

    return flcf;
}


static char *
ngx_http_fngate_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_fngate_loc_conf_t *prev = parent;
    ngx_http_fngate_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_str_value(conf->region, prev->region, "us-east-1");
    ngx_conf_merge_sec_value(conf->clock_skew, prev->clock_skew, 300);
    ngx_conf_merge_size_value(conf->max_payload, prev->max_payload,
                              6 * 1024 * 1024);

    if (!fg_region_valid((char *) conf->region.data, conf->region.len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid fngate_region \"%V\"", &conf->region);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The addresses and "cluster" are kept as one text, their words separated
 * by a space: the same text fngated's "redis" key takes.
 */

static char *
ngx_http_fngate_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fngate_main_conf_t *fmcf = conf;

    u_char      *p;
    size_t       len;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (fmcf->redis.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        len += value[i].len + 1;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    fmcf->redis.data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        p = ngx_cpymem(p, value[i].data, value[i].len);
        *p++ = ' ';
    }

    p[-1] = '\0';
    fmcf->redis.len = len - 1;

    return ngx_http_fngate_parse_redis(cf, fmcf);
}


/*
 * The address list is read by fg_redis_conf_parse(), as fngated reads its
 * own, and every host is resolved here, in the master, so that a worker
 * never resolves a name: hiredis is given numeric addresses or socket
 * paths.  The masters a cluster names later are numeric already.
 */

static char *
ngx_http_fngate_parse_redis(ngx_conf_t *cf, ngx_http_fngate_main_conf_t *fmcf)
{
    char              err[256];
    ngx_uint_t        i;
    fg_redis_conf_t  *rc;

    rc = ngx_palloc(cf->pool, sizeof(fg_redis_conf_t));
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    if (fg_redis_conf_parse((char *) fmcf->redis.data, fmcf->redis.len, rc,
                            err, sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid fngate_redis \"%V\": %s", &fmcf->redis,
                           err);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < rc->nseeds; i++) {
        if (!rc->seed[i].local
            && ngx_http_fngate_resolve_redis(cf, &rc->seed[i]) != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    fmcf->redis_conf = rc;

    return NGX_CONF_OK;
}


/* Replaces a->host by the numeric form of its first address. */

static ngx_int_t
ngx_http_fngate_resolve_redis(ngx_conf_t *cf, fg_redis_addr_t *a)
{
    size_t     len;
    u_char     host[NGX_SOCKADDR_STRLEN];
    ngx_url_t  u;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url.data = (u_char *) a->addr;
    u.url.len = ngx_strlen(a->addr);
    u.default_port = (in_port_t) a->port;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in fngate_redis \"%s\"", u.err, a->addr);
        }

        return NGX_ERROR;
    }

    if (u.naddrs == 0 || u.uri.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid fngate_redis \"%s\"", a->addr);
        return NGX_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, host,
                        NGX_SOCKADDR_STRLEN, 0);

    if (len >= sizeof(a->host)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid fngate_redis \"%s\"", a->addr);
        return NGX_ERROR;
    }

    *ngx_cpymem(a->host, host, len) = '\0';

    return NGX_OK;
}


static ngx_int_t
ngx_http_fngate_init_process(ngx_cycle_t *cycle)
{
    ngx_http_fngate_main_conf_t  *fmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fngate_module);
    if (fmcf == NULL) {
        return NGX_OK;
    }

    if (ngx_http_fngate_cache_init(cycle, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_fngate_store_init(cycle, fmcf);
}


static void
ngx_http_fngate_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_fngate_store_exit(cycle);
    ngx_http_fngate_cache_exit();
}
