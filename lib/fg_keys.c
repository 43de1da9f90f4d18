/*
 * fg_keys: the Redis key names of fg_keys.h.  Every per-account key carries
 * the hash tag {ACCOUNT} so one account's keys land in one Redis Cluster
 * slot and MULTI/EXEC or a script can touch them together.
 *
 * A NULL argument writes "" (when size allows) and returns -1.
 */

#include <stdarg.h>
#include <string.h>

#include "fg_keys.h"


/*
 * The strings up to NULL one after the other into dst, as snprintf(3)
 * would write them with "%s%s...": as much as fits, NUL-terminated when
 * size allows; returns the whole length.  (Keys are built on every call
 * the module passes, so without snprintf's format parsing.)
 */
static int fg_key_join(char *dst, size_t size, ...)
    __attribute__((sentinel));


static int
fg_key_join(char *dst, size_t size, ...)
{
    va_list      args;
    const char  *part;
    size_t       len, total, room;

    total = 0;
    va_start(args, size);

    while ((part = va_arg(args, const char *)) != NULL) {
        len = strlen(part);

        if (dst != NULL && total + 1 < size) {
            room = size - 1 - total;
            memcpy(dst + total, part, len < room ? len : room);
        }

        total += len;
    }

    va_end(args);

    if (dst != NULL && size > 0) {
        dst[total < size ? total : size - 1] = '\0';
    }

    return (int) total;
}


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
    return fg_key_join(dst, size, "fg:key:", akid, NULL);
}


int
fg_key_accounts(char *dst, size_t size)
{
    return fg_key_join(dst, size, "fg:accounts", NULL);
}


int
fg_key_account(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:acct:{", account, "}", NULL);
}


int
fg_key_functions(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:fns:{", account, "}", NULL);
}


int
fg_key_function(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:fn:{", account, "}:", function, NULL);
}


int
fg_key_code(char *dst, size_t size, const char *account,
    const char *sha256hex)
{
    if (account == NULL || sha256hex == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:code:{", account, "}:", sha256hex, NULL);
}


int
fg_key_coderefs(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:coderefs:{", account, "}", NULL);
}


int
fg_key_codebytes(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:codebytes:{", account, "}", NULL);
}


int
fg_key_idem(char *dst, size_t size, fg_idem_key_t which,
    const char *account, const char *hash)
{
    static const char *const  prefix[] = {
        "fg:idem:{", "fg:idemx:{", "fg:idemsz:{", "fg:idembytes:{"
    };

    if (account == NULL || (unsigned) which > FG_IDEM_BYTES
        || (which == FG_IDEM_RESULT && hash == NULL))
    {
        return fg_key_null(dst, size);
    }
    if (which == FG_IDEM_RESULT) {
        return fg_key_join(dst, size, prefix[which], account, "}:", hash,
            NULL);
    }
    return fg_key_join(dst, size, prefix[which], account, "}", NULL);
}


int
fg_key_version(char *dst, size_t size, const char *account,
    const char *function, const char *version)
{
    if (account == NULL || function == NULL || version == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:ver:{", account, "}:", function, ":",
        version, NULL);
}


int
fg_key_versions(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:vers:{", account, "}:", function, NULL);
}


int
fg_key_version_refs(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:verrefs:{", account, "}:", function,
        NULL);
}


int
fg_key_alias(char *dst, size_t size, const char *account,
    const char *function, const char *alias)
{
    if (account == NULL || function == NULL || alias == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:alias:{", account, "}:", function, ":",
        alias, NULL);
}


int
fg_key_aliases(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:aliases:{", account, "}:", function,
        NULL);
}


int
fg_key_policy(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:policy:{", account, "}:", function,
        NULL);
}


int
fg_key_queues(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:queues:{", account, "}", NULL);
}


int
fg_key_queue(char *dst, size_t size, fg_queue_key_t which,
    const char *account, const char *queue)
{
    static const char  *prefix[FG_QKEY_COUNT] = {
        "fg:queue:{", "fg:qgrant:{", "fg:qmsgs:{", "fg:qvis:{",
        "fg:qinflight:{", "fg:qrecv:{", "fg:qdedup:{", "fg:qdedupx:{",
        "fg:qmove:{"
    };

    if (account == NULL || queue == NULL || (unsigned) which >= FG_QKEY_COUNT)
    {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, prefix[which], account, "}:", queue, NULL);
}


int
fg_key_grants(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:grant:{", account, "}:", function, NULL);
}


int
fg_key_bounds(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:bounds:{", account, "}:", function,
        NULL);
}


int
fg_key_event_invoke_configs(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:eic:{", account, "}:", function, NULL);
}


int
fg_key_grant_field(char *dst, size_t size, const char *qualifier,
    const char *action, const char *principal)
{
    if (qualifier == NULL || action == NULL || principal == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, qualifier, ":", action, ":", principal,
        NULL);
}


int
fg_key_apis(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:apis:{", account, "}", NULL);
}


int
fg_key_api(char *dst, size_t size, const char *account, const char *api)
{
    if (account == NULL || api == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:api:{", account, "}:", api, NULL);
}


int
fg_key_api_subs(char *dst, size_t size, const char *account, const char *api)
{
    if (account == NULL || api == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:subs:{", account, "}:", api, NULL);
}


int
fg_key_subscribed(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:subscribed:{", account, "}", NULL);
}


int
fg_key_events(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:ev:{", account, "}", NULL);
}


int
fg_key_event_retries(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:evretry:{", account, "}", NULL);
}


int
fg_key_async_accounts(char *dst, size_t size)
{
    return fg_key_join(dst, size, "fg:async:accounts", NULL);
}


int
fg_key_async_wake(char *dst, size_t size)
{
    return fg_key_join(dst, size, "fg:async:wake", NULL);
}


int
fg_key_esms(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:esms:{", account, "}", NULL);
}


int
fg_key_esm(char *dst, size_t size, const char *account, const char *uuid)
{
    if (account == NULL || uuid == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:esm:{", account, "}:", uuid, NULL);
}


int
fg_key_roles(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:roles:{", account, "}", NULL);
}


int
fg_key_role(char *dst, size_t size, const char *account, const char *name)
{
    if (account == NULL || name == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:role:{", account, "}:", name, NULL);
}


int
fg_key_esm_accounts(char *dst, size_t size)
{
    return fg_key_join(dst, size, "fg:esm:accounts", NULL);
}


int
fg_key_provisioned(char *dst, size_t size, const char *account,
    const char *function)
{
    if (account == NULL || function == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:pc:{", account, "}:", function, NULL);
}


int
fg_key_provisioned_functions(char *dst, size_t size, const char *account)
{
    if (account == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "fg:pcs:{", account, "}", NULL);
}


int
fg_key_provisioned_accounts(char *dst, size_t size)
{
    return fg_key_join(dst, size, "fg:pc:accounts", NULL);
}


int
fg_key_bill(char *dst, size_t size, fg_bill_key_t which,
    const char *account)
{
    static const char  *prefix[] = {
        [FG_BILL_LINES] = "fg:bill:{",
        [FG_BILL_API_LINES] = "fg:billapi:{",
        [FG_BILL_POS] = "fg:billpos:{",
    };

    if (account == NULL || (unsigned) which > FG_BILL_POS) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, prefix[which], account, "}", NULL);
}


int
fg_key_bill_accounts(char *dst, size_t size)
{
    return fg_key_join(dst, size, "fg:bill:accounts", NULL);
}


int
fg_key_route_field(char *dst, size_t size, const char *route_id)
{
    if (route_id == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, "r:", route_id, NULL);
}


int
fg_key_subscribed_member(char *dst, size_t size, const char *owner,
    const char *api)
{
    if (owner == NULL || api == NULL) {
        return fg_key_null(dst, size);
    }
    return fg_key_join(dst, size, owner, ":", api, NULL);
}
