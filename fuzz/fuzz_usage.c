/*
 * fuzz_usage: GetUsage and GetApiUsage (fngated_usage.c): the query's
 * Since / Until (the client's) and the billing log they read (nginx's
 * lines, whose values come from clients and fngated), through libarchive
 * as fngated reads the log and its rotations.  The file's static parsers
 * are reached by including it; fngated's logger (fngated_log.c, the daemon's)
 * is replaced by one that discards.
 *
 * Input: the query string, '\n', the billing log's text.
 *
 * Invariants: an answer is 200 with a JSON body, or a 400 Lambda error
 * for the query.
 */

#include <stdarg.h>
#include <unistd.h>

#include "../fngated/fngated_usage.c"

#include "fuzz_json.h"

void
fgd_log(const char *level, const char *rid, const char *fmt, ...)
{
    (void) level;
    (void) rid;
    (void) fmt;
}

/* fngated's Redis command (fngated_redis.c): never reached, billing_ship
 * being 0 here (the shipped streams are the test_usage suite's). */
redisReply *
fgd_redis_command(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r)
{
    abort();
}

/* The shipper's catch-up (fngated_billship.c): never reached either. */
bool
fgd_billship_caught_up(const fgd_conf_t *conf, unsigned ms)
{
    abort();
}

static char  dir[] = "/tmp/fuzz_usage.XXXXXX", path[64];

static void
fz_usage_clean(void)
{
    unlink(path);
    rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_span_t    s[2];
    fgd_conf_t   conf;
    fgd_req_t    q;
    fgd_resp_t   r;
    char        *query;
    FILE        *f;
    size_t       n;
    int          k;

    if (path[0] == '\0') {
        if (mkdtemp(dir) == NULL) {
            abort();
        }
        snprintf(path, sizeof(path), "%s/access.log", dir);
        atexit(fz_usage_clean);
    }
    n = fz_split(data, size, '\n', s, 2);
    if (n < 2) {
        s[1] = (fz_span_t) { "", 0 };
    }
    query = fz_dup(s[0].p, s[0].len);
    f = fopen(path, "w");
    if (query == NULL || f == NULL) {
        abort();
    }
    if (s[1].len) {
        fwrite(s[1].p, 1, s[1].len, f);
    }
    fclose(f);

    memset(&conf, 0, sizeof(conf));
    conf.billing_log = path;
    memset(&q, 0, sizeof(q));
    q.conf = &conf;
    q.request_id = "f0e1d2c3-b4a5-4678-9abc-def012345678";
    q.caller = "111111111111";
    q.query = query;

    for (k = 0; k < 2; k++) {
        memset(&r, 0, sizeof(r));
        if (fgd_usage_get(&q, k ? "shop" : NULL, &r) == 0) {
            FZ_CHECK(r.status == 200);
            fz_json_valid(r.body, r.body_len);
        } else {
            FZ_CHECK(r.status == 400 && r.error_type != NULL);
        }
        fgd_resp_free(&r);
    }
    free(query);
    return 0;
}
