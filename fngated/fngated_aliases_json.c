/*
 * fngated_aliases_json: CreateAlias and UpdateAlias bodies, an alias's
 * stored form and JSON, ListAliases' query and answer, and which version
 * a weighted alias runs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_aliases_json.h"
#include "fngated_json.h"

#define FGD_ALIAS_NAME_PATTERN  "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
#define FGD_VERSION_PATTERN     "(\\$LATEST|[0-9]+)"

static bool
fgd_version_name_ok(const char *v)
{
    return strcmp(v, "$LATEST") == 0 || fg_version_valid(v, strlen(v));
}

int
fgd_alias_parse(const char *body, size_t len, bool create,
    fgd_alias_req_t *q, fgd_resp_t *r)
{
    yajl_val     root, rc_obj, w;
    const char  *name, *version;
    int          rc = -1;

    memset(q, 0, sizeof(*q));
    if (fgd_parse_doc(body, len, !create, &root, r) != 0) {
        return -1;
    }
    if (fgd_get_string(root, "Name", &name, r) != 0
        || fgd_get_string(root, "FunctionVersion", &version, r) != 0
        || fgd_get_description(root, q->a.description,
            sizeof(q->a.description), &q->has_description, r) != 0
        || fgd_get_member(root, "RoutingConfig", yajl_t_object, &rc_obj, r)
            != 0)
    {
        goto cleanup;
    }
    if (!create && fgd_get_revision(root, FGD_GETTER_FUNCTION,
                       q->want_revision, r) != 0)
    {
        goto cleanup;
    }

    if (create) {
        if (name == NULL) {
            fgd_null_error(r, "name");
            goto cleanup;
        }
        if (!fg_alias_name_valid(name, strlen(name))) {
            fgd_pattern_error(r, name, 140, "name", FGD_ALIAS_NAME_PATTERN);
            goto cleanup;
        }
        snprintf(q->a.name, sizeof(q->a.name), "%s", name);
        if (version == NULL) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value null at "
                "'functionVersion' failed to satisfy constraint: Member "
                "must not be null");
            goto cleanup;
        }
    }
    if (version != NULL && fg_is_arn(version, strlen(version))) {
        /* a cross-account alias: the full ARN of another account's
         * version or alias; whose it is is checked against the caller */
        fg_route_t t;

        switch (fg_alias_target_parse(version, strlen(version), &t)) {
        case FG_TARGET_OK:
            break;
        case FG_TARGET_LATEST:
            fgd_error(r, 400, "InvalidParameterValueException",
                "A cross-account alias can not point at $LATEST: name a "
                "published version or an alias of the function");
            goto cleanup;
        case FG_TARGET_NO_QUALIFIER:
            fgd_error(r, 400, "InvalidParameterValueException",
                "A cross-account alias must name a version or an alias "
                "of the function: %.300s", version);
            goto cleanup;
        default:
            fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value '%.300s' at "
                "'functionVersion' failed to satisfy constraint: Member "
                "must be a version number, $LATEST or the full ARN of "
                "another account's function version or alias", version);
            goto cleanup;
        }
        snprintf(q->a.target, sizeof(q->a.target), "%s", version);
        q->has_version = true;
    } else if (version != NULL) {
        if (!fgd_version_name_ok(version)) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value '%.40s' at "
                "'functionVersion' failed to satisfy constraint: Member "
                "must satisfy regular expression pattern: "
                FGD_VERSION_PATTERN, version);
            goto cleanup;
        }
        snprintf(q->a.version, sizeof(q->a.version), "%s", version);
        q->has_version = true;
    }

    if (rc_obj != NULL) {
        q->has_routing = true;
        if (fgd_get_member(rc_obj, "AdditionalVersionWeights",
                yajl_t_object, &w, r) != 0)
        {
            goto cleanup;
        }
        if (w != NULL && w->u.object.len > 1) {
            fgd_error(r, 400, "InvalidParameterValueException",
                "1 validation error detected: Value at "
                "'routingConfig.additionalVersionWeights' failed to "
                "satisfy constraint: Member must have length less than or "
                "equal to 1");
            goto cleanup;
        }
        if (w != NULL && w->u.object.len == 1) {
            const char *k = w->u.object.keys[0];
            yajl_val    wv = w->u.object.values[0];
            double      d;

            if (!YAJL_IS_NUMBER(wv)) {
                fgd_error(r, 400, "InvalidRequestContentException",
                    FGD_BAD_JSON "AdditionalVersionWeights values must be "
                    "numbers");
                goto cleanup;
            }
            if (!fg_version_valid(k, strlen(k))) {
                fgd_error(r, 400, "InvalidParameterValueException",
                    "1 validation error detected: Value at "
                    "'routingConfig.additionalVersionWeights' failed to "
                    "satisfy constraint: Map keys must satisfy constraint: "
                    "[Member must satisfy regular expression pattern: "
                    "[0-9]+]");
                goto cleanup;
            }
            d = YAJL_GET_DOUBLE(wv);
            if (YAJL_IS_INTEGER(wv)) {
                d = (double) YAJL_GET_INTEGER(wv);
            }
            if (!(d >= 0.0 && d <= 1.0)) {
                fgd_error(r, 400, "InvalidParameterValueException",
                    "1 validation error detected: Value '%.40s' at "
                    "'routingConfig.additionalVersionWeights' failed to "
                    "satisfy constraint: Map value must satisfy "
                    "constraint: [Member must have value less than or "
                    "equal to 1.0, Member must have value greater than or "
                    "equal to 0.0]",
                    YAJL_IS_INTEGER(wv) || YAJL_IS_DOUBLE(wv)
                        ? wv->u.number.r : "?");
                goto cleanup;
            }
            snprintf(q->a.extra_version, sizeof(q->a.extra_version), "%s",
                k);
            q->a.extra_weight = d;
        }
    }
    rc = 0;

cleanup:
    yajl_tree_free(root);
    return rc;
}

void
fgd_alias_merge(fgd_alias_t *a, const fgd_alias_req_t *q)
{
    if (q->has_version) {
        snprintf(a->version, sizeof(a->version), "%s", q->a.version);
        snprintf(a->target, sizeof(a->target), "%s", q->a.target);
    }
    if (q->has_description) {
        snprintf(a->description, sizeof(a->description), "%s",
            q->a.description);
    }
    if (q->has_routing) {
        snprintf(a->extra_version, sizeof(a->extra_version), "%s",
            q->a.extra_version);
        a->extra_weight = q->a.extra_weight;
    }
}

int
fgd_alias_check(const fgd_alias_t *a, fgd_resp_t *r)
{
    if (a->target[0] != '\0' && a->extra_version[0] != '\0') {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "RoutingConfig is not supported on a cross-account alias");
    }
    if (a->extra_version[0] == '\0') {
        return 0;
    }
    if (strcmp(a->version, "$LATEST") == 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "$LATEST is not supported for an alias pointing to more than 1 "
            "version");
    }
    if (strcmp(a->version, a->extra_version) == 0) {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Invalid function version %s. Function version %s is already "
            "included in routing configuration.", a->extra_version,
            a->extra_version);
    }
    return 0;
}

const char *
fgd_alias_choose(const fgd_alias_t *a, double u)
{
    if (a->extra_version[0] != '\0' && u < a->extra_weight) {
        return a->extra_version;
    }
    return a->version;
}

size_t
fgd_alias_to_fields(const fgd_alias_t *a, const char **fv, size_t *lens,
    char buf[32])
{
    size_t  n = 0;

    if (a->extra_version[0] != '\0') {
        snprintf(buf, 32, "%.17g", a->extra_weight);
    } else {
        buf[0] = '\0';
    }
#define PUT(k, v) do { fv[n] = (k); lens[n] = strlen(k); n++;            \
                       fv[n] = (v); lens[n] = strlen(v); n++; } while (0)
    PUT("Name", a->name);
    PUT("FunctionVersion", a->target[0] != '\0' ? a->target : a->version);
    PUT("Description", a->description);
    PUT("AdditionalVersion", a->extra_version);
    PUT("AdditionalWeight", buf);
    PUT("RevisionId", a->revision_id);
#undef PUT
    return n;
}

int
fgd_alias_from_fields(fgd_alias_t *a, const char *const *fv,
    const size_t *lens, size_t count)
{
    size_t    i;
    unsigned  seen = 0;
    char      num[40], *end;

    memset(a, 0, sizeof(*a));
    for (i = 0; i + 1 < count; i += 2) {
        const char *k = fv[i], *v = fv[i + 1];
        size_t      vl = lens[i + 1];

#define KEY(s) (lens[i] == sizeof(s) - 1 && memcmp(k, s, lens[i]) == 0)
        if (KEY("Name")) {
            if (!fgd_copy(a->name, sizeof(a->name), v, vl)) {
                return -1;
            }
            seen |= 1;
        } else if (KEY("FunctionVersion")) {
            if (fg_is_arn(v, vl)) {
                fg_route_t t;
                if (!fgd_copy(a->target, sizeof(a->target), v, vl)
                    || fg_alias_target_parse(v, vl, &t) != FG_TARGET_OK)
                {
                    return -1;
                }
            } else if (!fgd_copy(a->version, sizeof(a->version), v, vl)
                       || !fgd_version_name_ok(a->version))
            {
                return -1;
            }
            seen |= 2;
        } else if (KEY("Description")) {
            if (!fgd_copy(a->description, sizeof(a->description), v, vl)) {
                return -1;
            }
        } else if (KEY("AdditionalVersion")) {
            if (!fgd_copy(a->extra_version, sizeof(a->extra_version), v,
                    vl))
            {
                return -1;
            }
        } else if (KEY("AdditionalWeight")) {
            if (vl > 0) {
                if (!fgd_copy(num, sizeof(num), v, vl)) {
                    return -1;
                }
                a->extra_weight = strtod(num, &end);
                if (*end != '\0' || !(a->extra_weight >= 0.0
                                      && a->extra_weight <= 1.0))
                {
                    return -1;
                }
            }
        } else if (KEY("RevisionId")) {
            if (!fgd_copy(a->revision_id, sizeof(a->revision_id), v, vl)) {
                return -1;
            }
            seen |= 4;
        }
#undef KEY
    }
    return seen == 7 ? 0 : -1;
}

static void
fgd_gen_alias(yajl_gen g, const void *item, const void *ctx)
{
    const fgd_alias_t    *a = item;
    const fgd_arn_ctx_t  *w = ctx;
    char                  arn[512];

    fg_function_arn(arn, sizeof(arn), w->region, w->account, w->function,
        a->name);
    yajl_gen_map_open(g);
    GSTR(g, "AliasArn");         GSTR(g, arn);
    GSTR(g, "Name");             GSTR(g, a->name);
    GSTR(g, "FunctionVersion");
    GSTR(g, a->target[0] != '\0' ? a->target : a->version);
    GSTR(g, "Description");      GSTR(g, a->description);
    if (a->extra_version[0] != '\0') {
        GSTR(g, "RoutingConfig");
        yajl_gen_map_open(g);
        GSTR(g, "AdditionalVersionWeights");
        yajl_gen_map_open(g);
        GSTR(g, a->extra_version);
        yajl_gen_double(g, a->extra_weight);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
    }
    GSTR(g, "RevisionId");       GSTR(g, a->revision_id);
    yajl_gen_map_close(g);
}

int
fgd_json_alias(const fgd_alias_t *a, const char *region,
    const char *account, const char *function, char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, account, function };

    return fgd_json_item(fgd_gen_alias, a, &w, out, out_len);
}

int
fgd_json_list_aliases(const fgd_alias_t *as, size_t n,
    const char *next_marker, const char *region, const char *account,
    const char *function, char **out, size_t *out_len)
{
    fgd_arn_ctx_t  w = { region, account, function };

    return fgd_json_list("Aliases", fgd_gen_alias, as, n, sizeof(*as), &w,
        next_marker, out, out_len);
}

int
fgd_aliases_query(const char *query, char *marker, size_t marker_size,
    unsigned *max_items, char version[FGD_VERSION_LEN], fgd_resp_t *r)
{
    size_t  qlen = query ? strlen(query) : 0;
    int     got;

    marker[0] = '\0';
    version[0] = '\0';
    *max_items = FGD_LIST_DEFAULT;
    if (qlen == 0) {
        return 0;
    }
    if (fgd_query_marker(query, qlen, fg_alias_name_valid, marker,
            marker_size, r) != 0)
    {
        return -1;
    }
    got = fg_query_get(query, qlen, "FunctionVersion", version,
        FGD_VERSION_LEN);
    if (got < 0 || (got == 1 && version[0] != '\0'
                    && !fgd_version_name_ok(version)))
    {
        version[0] = '\0';
        return fgd_error(r, 400, "InvalidParameterValueException",
            "1 validation error detected: Value at 'functionVersion' "
            "failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: " FGD_VERSION_PATTERN);
    }
    return fgd_max_items(query, qlen, max_items, r);
}
