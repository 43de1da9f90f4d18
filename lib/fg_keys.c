/*
 * fg_keys: the Redis key names of fg_keys.h.  Every per-account key carries
 * the hash tag {ACCOUNT} so one account's keys land in one Redis Cluster
 * slot and MULTI/EXEC or a script can touch them together.
 *
 * A NULL argument writes "" (when size allows) and returns -1.
 */

#include <stdio.h>

#include "fg_keys.h"


static int
fg_key_null(char *dst, size_t size)
{
    if (dst != NULL && size > 0) {
        dst[0] = '\0';
    }
    return -1;
}


int
fg_key_access_key(char *dst, size_t size, const char *akid)
{
    if (akid == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:key:%s", akid);
}


int
fg_key_accounts(char *dst, size_t size)
{
    return snprintf(dst, size, "fg:accounts");
}


int
fg_key_account(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:acct:{%s}", account);
}


int
fg_key_functions(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:fns:{%s}", account);
}


int
fg_key_function(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:fn:{%s}:%s", account, function);
}


int
fg_key_code(char *dst, size_t size, const char *account,
    const char *sha256hex)
{
    if (account == NULL || sha256hex == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:code:{%s}:%s", account, sha256hex);
}


int
fg_key_coderefs(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:coderefs:{%s}", account);
}


int
fg_key_codebytes(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:codebytes:{%s}", account);
}


int
fg_key_version(char *dst, size_t size, const char *account,
    const char *function, const char *version)
{
    if (account == NULL || function == NULL || version == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:ver:{%s}:%s:%s", account, function,
                    version);
}


int
fg_key_versions(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:vers:{%s}:%s", account, function);
}


int
fg_key_version_refs(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:verrefs:{%s}:%s", account, function);
}


int
fg_key_alias(char *dst, size_t size, const char *account,
    const char *function, const char *alias)
{
    if (account == NULL || function == NULL || alias == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:alias:{%s}:%s:%s", account, function,
                    alias);
}


int
fg_key_aliases(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:aliases:{%s}:%s", account, function);
}


int
fg_key_policy(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:policy:{%s}:%s", account, function);
}


int
fg_key_grants(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:grant:{%s}:%s", account, function);
}


int
fg_key_bounds(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:bounds:{%s}:%s", account, function);
}


int
fg_key_grant_field(char *dst, size_t size, const char *qualifier,
    const char *action, const char *principal)
{
    if (qualifier == NULL || action == NULL || principal == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "%s:%s:%s", qualifier, action, principal);
}


int
fg_key_apis(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:apis:{%s}", account);
}


int
fg_key_api(char *dst, size_t size, const char *account, const char *api)
{
    if (account == NULL || api == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:api:{%s}:%s", account, api);
}


int
fg_key_api_subs(char *dst, size_t size, const char *account, const char *api)
{
    if (account == NULL || api == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:subs:{%s}:%s", account, api);
}


int
fg_key_subscribed(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "fg:subscribed:{%s}", account);
}


int
fg_key_route_field(char *dst, size_t size, const char *route_id)
{
    if (route_id == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "r:%s", route_id);
}


int
fg_key_subscribed_member(char *dst, size_t size, const char *owner,
    const char *api)
{
    if (owner == NULL || api == NULL) {
        return fg_key_null(dst, size);
    }
    return snprintf(dst, size, "%s:%s", owner, api);
}
