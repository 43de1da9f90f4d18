/*
 * fngated_aliases_json: an alias, the bodies of CreateAlias and
 * UpdateAlias, its stored form and JSON answers, and the choice of a
 * weighted alias's version (fngated_aliases_json.c).  Pure.
 */

#ifndef FNGATED_ALIASES_JSON_H
#define FNGATED_ALIASES_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_route.h"
#include "fngated_limits.h"
#include "fngated_resp.h"
#include "fngated_util.h"

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

#endif /* FNGATED_ALIASES_JSON_H */
