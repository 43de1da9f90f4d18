/*
 * fngated_async_json: the pure parts of asynchronous invocation
 * (fngated_async_json.h).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fngated_async_json.h"
#include "fngated_json.h"
#include "fngated_util.h"

/* A payload or response embedded in a record is at most this deep. */
#define FGD_RECORD_DEPTH  64

static const char  *fgd_event_names[FGD_EVENT_FIELDS] = {
    "rid", "caller", "owner", "function", "qualifier", "alias", "uri",
    "payload", "t0", "attempts", "throttles", "chain"
};


void
fgd_event_fields(const fgd_event_t *ev, fgd_event_nums_t *nums,
    const char *pairs[2 * FGD_EVENT_FIELDS],
    size_t lens[2 * FGD_EVENT_FIELDS])
{
    const char  *vals[FGD_EVENT_FIELDS];
    size_t       i;

    snprintf(nums->t0, sizeof(nums->t0), "%llu",
        (unsigned long long) ev->t0_ms);
    snprintf(nums->attempts, sizeof(nums->attempts), "%u", ev->attempts);
    snprintf(nums->throttles, sizeof(nums->throttles), "%u", ev->throttles);

    vals[0] = ev->rid;
    vals[1] = ev->caller;
    vals[2] = ev->owner;
    vals[3] = ev->function;
    vals[4] = ev->qualifier;
    vals[5] = ev->alias;
    vals[6] = ev->uri;
    vals[7] = ev->payload;
    vals[8] = nums->t0;
    vals[9] = nums->attempts;
    vals[10] = nums->throttles;
    vals[11] = ev->chain != NULL ? ev->chain : "";
    for (i = 0; i < FGD_EVENT_FIELDS; i++) {
        pairs[2 * i] = fgd_event_names[i];
        lens[2 * i] = strlen(fgd_event_names[i]);
        pairs[2 * i + 1] = vals[i];
        lens[2 * i + 1] = i == 7 ? ev->payload_len : strlen(vals[i]);
    }
}

static bool
fgd_event_uint(const char *s, size_t len, uint64_t max, uint64_t *v)
{
    return fgd_parse_u64(s, len, v) && *v <= max;
}

int
fgd_event_parse(size_t n, const char **names, const char **vals,
    const size_t *lens, fgd_event_t *ev)
{
    const char  **str[8];
    uint64_t      num[3];
    const unsigned  required = (1u << 11) - 1;
    unsigned      seen = 0;
    size_t        i, f;

    memset(ev, 0, sizeof(*ev));
    ev->id = "";
    ev->chain = "";
    str[0] = &ev->rid;
    str[1] = &ev->caller;
    str[2] = &ev->owner;
    str[3] = &ev->function;
    str[4] = &ev->qualifier;
    str[5] = &ev->alias;
    str[6] = &ev->uri;
    str[7] = &ev->payload;

    for (i = 0; i < n; i++) {
        for (f = 0; f < FGD_EVENT_FIELDS; f++) {
            if (strcmp(names[i], fgd_event_names[f]) == 0) {
                break;
            }
        }
        if (f == FGD_EVENT_FIELDS) {
            continue;               /* a field of a later fngated */
        }
        if (f == 11) {
            if (strlen(vals[i]) != lens[i]) {
                return -1;
            }
            ev->chain = vals[i];
        } else if (f < 8) {
            *str[f] = vals[i];
            if (f == 7) {
                ev->payload_len = lens[i];
            } else if (strlen(vals[i]) != lens[i]) {
                return -1;
            }
        } else if (!fgd_event_uint(vals[i], lens[i],
                       f == 8 ? UINT64_MAX : 1000000, &num[f - 8]))
        {
            return -1;
        }
        seen |= 1u << f;
    }
    if ((seen & required) != required
        || !fg_account_valid(ev->caller, strlen(ev->caller))
        || !fg_account_valid(ev->owner, strlen(ev->owner))
        || !fg_function_name_valid(ev->function, strlen(ev->function))
        || ev->uri[0] != '/' || ev->rid[0] == '\0')
    {
        return -1;
    }
    ev->t0_ms = num[0];
    ev->attempts = (unsigned) num[1];
    ev->throttles = (unsigned) num[2];
    return 0;
}

fgd_async_outcome_t
fgd_async_outcome(unsigned status, const char *function_error)
{
    if (status == 200) {
        return function_error != NULL && function_error[0] != '\0'
               ? FGD_ASYNC_FUNCTION_ERROR : FGD_ASYNC_SUCCESS;
    }
    if (status == 0 || status == 429 || status >= 500) {
        return FGD_ASYNC_THROTTLED;
    }
    return FGD_ASYNC_REFUSED;
}

uint64_t
fgd_async_delay_ms(fgd_async_outcome_t o, unsigned n, unsigned base_s)
{
    uint64_t  ms;

    n = n == 0 ? 1 : n;
    if (o == FGD_ASYNC_THROTTLED) {
        ms = n > 20 ? FGD_ASYNC_THROTTLE_MAX_MS : 1000ull << (n - 1);
        return ms > FGD_ASYNC_THROTTLE_MAX_MS ? FGD_ASYNC_THROTTLE_MAX_MS
                                              : ms;
    }
    return (uint64_t) base_s * 1000ull << (n > 20 ? 20 : n - 1);
}

bool
fgd_async_expired(const fgd_event_t *ev, const fgd_async_limits_t *l,
    uint64_t now_ms)
{
    return now_ms > ev->t0_ms
           && now_ms - ev->t0_ms > (uint64_t) l->max_age_s * 1000;
}

const char *
fgd_async_next(fgd_async_outcome_t o, fgd_event_t *ev,
    const fgd_async_limits_t *l, uint64_t now_ms, uint64_t *due)
{
    const char  *end = NULL;

    *due = 0;
    switch (o) {

    case FGD_ASYNC_SUCCESS:
        ev->attempts++;
        return FGD_CONDITION_SUCCESS;

    case FGD_ASYNC_FUNCTION_ERROR:
        ev->attempts++;
        if (ev->attempts > l->max_retries) {
            return FGD_CONDITION_RETRIES;
        }
        *due = now_ms + fgd_async_delay_ms(o, ev->attempts, l->retry_base_s);
        break;

    case FGD_ASYNC_THROTTLED:
        ev->throttles++;
        *due = now_ms + fgd_async_delay_ms(o, ev->throttles, 0);
        break;

    case FGD_ASYNC_REFUSED:
        ev->attempts++;
        return FGD_CONDITION_RETRIES;
    }

    if (fgd_async_expired(ev, l, *due)) {
        *due = 0;
        end = FGD_CONDITION_AGE;
    }
    return end;
}

/* A tree back into the generator (numbers as they were written). */
static void
fgd_gen_tree(yajl_gen g, yajl_val v)
{
    size_t  i;

    if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (i = 0; i < v->u.object.len; i++) {
            GSTR(g, v->u.object.keys[i]);
            fgd_gen_tree(g, v->u.object.values[i]);
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (i = 0; i < v->u.array.len; i++) {
            fgd_gen_tree(g, v->u.array.values[i]);
        }
        yajl_gen_array_close(g);
    } else if (YAJL_IS_STRING(v)) {
        GSTR(g, v->u.string);
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v)) {
        yajl_gen_bool(g, 1);
    } else if (YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, 0);
    } else {
        yajl_gen_null(g);
    }
}

/* A payload as JSON when it is JSON, else as a string (Lambda's records
 * embed the JSON events functions take). */
static void
fgd_gen_payload(yajl_gen g, const char *p, size_t len)
{
    yajl_val  v = NULL;
    char     *s;

    s = fgd_dup(p, len);
    if (s != NULL && fgd_json_shape_ok(s, len, FGD_RECORD_DEPTH)) {
        v = yajl_tree_parse(s, NULL, 0);
    }
    if (v != NULL) {
        fgd_gen_tree(g, v);
        yajl_tree_free(v);
    } else {
        yajl_gen_string(g, (const unsigned char *) p, len);
    }
    free(s);
}

char *
fgd_async_record(const fgd_event_t *ev, const char *function_arn,
    const char *condition, const fgd_async_response_t *resp, uint64_t now_ms,
    size_t *len)
{
    yajl_gen         g;
    struct timespec  ts;
    char             when[40], num[24], *out = NULL;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NULL;
    }
    ts.tv_sec = (time_t) (now_ms / 1000);
    ts.tv_nsec = (long) (now_ms % 1000) * 1000000;
    fgd_time_rfc3339(&ts, when, sizeof(when));

    yajl_gen_map_open(g);
    GSTR(g, "version");
    GSTR(g, "1.0");
    GSTR(g, "timestamp");
    GSTR(g, when);
    GSTR(g, "requestContext");
    yajl_gen_map_open(g);
    GSTR(g, "requestId");
    GSTR(g, ev->rid);
    GSTR(g, "functionArn");
    GSTR(g, function_arn);
    GSTR(g, "condition");
    GSTR(g, condition);
    GSTR(g, "approximateInvokeCount");
    snprintf(num, sizeof(num), "%u", ev->attempts);
    yajl_gen_number(g, num, strlen(num));
    yajl_gen_map_close(g);
    GSTR(g, "requestPayload");
    fgd_gen_payload(g, ev->payload, ev->payload_len);
    if (resp != NULL && resp->status != 0) {
        GSTR(g, "responseContext");
        yajl_gen_map_open(g);
        GSTR(g, "statusCode");
        snprintf(num, sizeof(num), "%u", resp->status);
        yajl_gen_number(g, num, strlen(num));
        GSTR(g, "executedVersion");
        GSTR(g, resp->executed_version);
        if (resp->function_error[0] != '\0') {
            GSTR(g, "functionError");
            GSTR(g, resp->function_error);
        }
        yajl_gen_map_close(g);
        GSTR(g, "responsePayload");
        fgd_gen_payload(g, resp->body, resp->body_len);
    }
    yajl_gen_map_close(g);

    if (fgd_gen_finish(g, &out, len) != 0) {
        return NULL;
    }
    return out;
}

void
fgd_async_error_message(const fgd_async_response_t *resp,
    const char *condition, char *dst, size_t size)
{
    static const char  *names[] = { "errorMessage", "message", "Message" };
    const char         *path[2] = { NULL, NULL };
    yajl_val            root = NULL, v = NULL;
    const char         *m = condition;
    char               *s;
    size_t              i, n;

    s = resp->body_len > 0 ? fgd_dup(resp->body, resp->body_len) : NULL;
    if (s != NULL && fgd_json_shape_ok(s, resp->body_len, FGD_RECORD_DEPTH)) {
        root = yajl_tree_parse(s, NULL, 0);
    }
    for (i = 0; root != NULL && v == NULL && i < 3; i++) {
        path[0] = names[i];
        v = yajl_tree_get(root, path, yajl_t_string);
    }
    if (v != NULL) {
        m = YAJL_GET_STRING(v);
    }
    n = strlen(m);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char) m[n] & 0xc0) == 0x80) {
            n--;                    /* not inside a character */
        }
    }
    memcpy(dst, m, n);
    dst[n] = '\0';
    yajl_tree_free(root);
    free(s);
}

/* The value of a header line "Name: value" when it is name, else NULL. */
static const char *
fgd_http_header(char *line, const char *name)
{
    size_t  n = strlen(name);
    char   *v;

    if (strncasecmp(line, name, n) != 0 || line[n] != ':') {
        return NULL;
    }
    for (v = line + n + 1; *v == ' ' || *v == '\t'; v++) {
        /* skip */
    }
    return v;
}

int
fgd_http_answer_parse(char *buf, size_t len, fgd_http_answer_t *a)
{
    char     *end, *line, *eol, *p;
    unsigned  status = 0;
    const char *v;

    memset(a, 0, sizeof(*a));
    a->function_error = "";
    a->executed_version = "";
    a->error_type = "";
    a->body = "";
    if (buf == NULL) {
        return -1;
    }

    end = NULL;
    for (p = buf; p + 3 < buf + len; p++) {
        if (memcmp(p, "\r\n\r\n", 4) == 0) {
            end = p;
            break;
        }
    }
    if (end == NULL || len < 12 || memcmp(buf, "HTTP/1.", 7) != 0
        || buf[8] != ' ' || !isdigit((unsigned char) buf[9])
        || !isdigit((unsigned char) buf[10])
        || !isdigit((unsigned char) buf[11]))
    {
        return -1;
    }
    status = (unsigned) ((buf[9] - '0') * 100 + (buf[10] - '0') * 10
                         + (buf[11] - '0'));
    if (status < 100) {
        return -1;
    }
    a->status = status;
    a->body = end + 4;
    a->body_len = len - (size_t) (end + 4 - buf);

    /* the header block as lines of a C string: each CRLF cut to NUL */
    end[0] = '\0';
    for (line = strstr(buf, "\r\n"); line != NULL; line = eol) {
        *line = '\0';
        line += 2;
        eol = strstr(line, "\r\n");
        if (eol != NULL) {
            *eol = '\0';
        }
        if ((v = fgd_http_header(line, "X-Amz-Function-Error")) != NULL) {
            a->function_error = v;
        } else if ((v = fgd_http_header(line, "X-Amz-Executed-Version"))
                   != NULL)
        {
            a->executed_version = v;
        } else if ((v = fgd_http_header(line, "x-amzn-ErrorType")) != NULL) {
            a->error_type = v;
        }
        if (eol != NULL) {
            *eol = '\r';
        }
    }
    return 0;
}
