/*
 * fg_keys: Redis key names, the only place they are spelled.  Keys of one
 * account share the hash tag {ACCOUNT} so the data can move to Redis Cluster
 * unchanged.
 *
 *   fg:key:AKID                    hash  account, secret, created
 *                                        (access key id -> account)
 *   fg:accounts                    set   every account id
 *   fg:acct:{A}                    hash  name, created, access_key
 *   fg:fns:{A}                     zset  function names (score 0, ordered
 *                                        by name)
 *   fg:fn:{A}:NAME                 hash  $LATEST configuration; fields
 *                                        FunctionName Runtime Handler
 *                                        MemorySize Timeout Environment
 *                                        (JSON object) Description
 *                                        CodeSha256 (hex) CodeSize
 *                                        LastModified RevisionId Role
 *                                        LastVersion (the last number
 *                                        PublishVersion gave, never
 *                                        reused) PublishedConfig (the
 *                                        code and configuration it was
 *                                        published with, as JSON)
 *   fg:ver:{A}:NAME:N              hash  version N: the fields of fg:fn
 *                                        at publication (its own
 *                                        RevisionId, Description) and
 *                                        Version; never changed
 *   fg:vers:{A}:NAME               zset  version numbers (score = N)
 *   fg:verrefs:{A}:NAME            hash  N -> number of aliases routing
 *                                        to version N ($LATEST is not
 *                                        counted)
 *   fg:alias:{A}:NAME:ALIAS        hash  Name FunctionVersion (a version,
 *                                        $LATEST, or for a cross-account
 *                                        alias the full ARN of another
 *                                        account's version or alias)
 *                                        Description
 *                                        AdditionalVersion
 *                                        AdditionalWeight ("" when none)
 *                                        RevisionId
 *                                        Overrides (a cross-account
 *                                        alias's execution overrides,
 *                                        JSON; absent when none)
 *   fg:aliases:{A}:NAME            zset  alias names (score 0, by name)
 *   fg:policy:{A}:NAME             hash  the resource policies of the
 *                                        function and of its qualifiers:
 *                                        "QUALIFIER:SID" -> statement JSON
 *                                        ("" qualifier: the function's
 *                                        own policy), "#QUALIFIER" ->
 *                                        that policy's RevisionId
 *   fg:grant:{A}:NAME              hash  the index the module reads:
 *                                        "QUALIFIER:ACTION:PRINCIPAL" ->
 *                                        number of statements granting
 *                                        it (ACTION lambda:InvokeFunction
 *                                        or lambda:GetFunction, PRINCIPAL
 *                                        an account id)
 *   fg:bounds:{A}:NAME             string the execution bounds the owner
 *                                        sets for other accounts'
 *                                        aliases (JSON, as
 *                                        GetExecutionBounds without
 *                                        FunctionArn)
 *   fg:eic:{A}:NAME                hash  the asynchronous invocation
 *                                        configurations of a function
 *                                        (Put/Get/...FunctionEventInvoke-
 *                                        Config): QUALIFIER ($LATEST, a
 *                                        version, an alias) -> JSON
 *                                        (fngated_event_config_json.c);
 *                                        a field goes with its version
 *                                        or alias, the key with the
 *                                        function
 *   fg:queue:{A}:NAME              hash  a queue of the SQS-compatible
 *                                        service (its attributes; the
 *                                        queue service writes it, the
 *                                        destinations check it exists)
 *   fg:qgrant:{A}:NAME             hash  a queue's grant index:
 *                                        "ACTION:PRINCIPAL" -> number of
 *                                        statements granting it (ACTION
 *                                        sqs:SendMessage, ...; PRINCIPAL
 *                                        an account id or "*")
 *   fg:code:{A}:SHA256HEX          string the function's zip, as uploaded
 *   fg:coderefs:{A}                hash  SHA256HEX -> number of functions /
 *                                        versions that use it
 *   fg:codebytes:{A}               string the bytes of code the account
 *                                        stores, counted as Lambda
 *                                        counts it: CodeSize of $LATEST
 *                                        and of every version (a blob
 *                                        several share counts for each)
 *                                        (the code_storage quota; kept
 *                                        by the scripts that write or
 *                                        drop code)
 *   fg:idem:{A}:HASH               string a stored result of an idempotent
 *                                        function (fngated_idem.c): the
 *                                        request id that ran it, a
 *                                        newline, the body; A is the
 *                                        billed account, HASH the key of
 *                                        docs/idempotency.md; PX the
 *                                        function's ResultTtlSeconds
 *   fg:idemx:{A}                   zset  HASH -> when it expires (ms):
 *                                        what the next store sweeps
 *   fg:idemsz:{A}                  hash  HASH -> its bytes
 *   fg:idembytes:{A}               string the bytes of A's stored results
 *                                        (counted with fg:codebytes
 *                                        against quota_code_storage)
 *   fg:apis:{A}                    zset  API names (score 0, by name)
 *   fg:api:{A}:API                 hash  an API and its routes: Name Stage
 *                                        Access (private|granted|open)
 *                                        Policy (caller|owner)
 *                                        Description CreatedDate
 *                                        LastModified RevisionId
 *                                        RouteSeq (the last route id
 *                                        given, never reused), and per
 *                                        route "r:ID" -> "METHOD TEMPLATE
 *                                        FUNCTION[:QUALIFIER]" (fg_api.h)
 *   fg:subs:{A}:API                hash  ACCOUNT -> "STATUS CREATED
 *                                        MODIFIED": the subscriptions of
 *                                        A's API; STATUS pending |
 *                                        approved | denied | revoked
 *   fg:subscribed:{B}              zset  "OWNER:API" of every API B asked
 *                                        to subscribe to (score 0): an
 *                                        index written before the
 *                                        owner's record, which alone
 *                                        decides; an entry without one is
 *                                        skipped when read
 *   fg:ev:{A}                      stream the asynchronous events billed to
 *                                        A (fngated_async.c): fields rid
 *                                        caller owner function qualifier
 *                                        alias uri payload t0 attempts
 *                                        throttles; consumer group
 *                                        "fngated", one consumer per
 *                                        worker thread (HOST:PID:N); an
 *                                        entry leaves it when its attempt
 *                                        is done
 *   fg:evretry:{A}                 zset  A's events waiting for a retry:
 *                                        their fields (packed with
 *                                        cmsgpack) -> when it is due (ms)
 *   fg:async:accounts              set   every account that sent an event
 *                                        (written before its first event:
 *                                        what the workers' sweep reads)
 *   fg:async:wake                  list  an account id per event sent: a
 *                                        worker waiting on it (BLPOP)
 *                                        looks at that account at once
 *   fg:esms:{A}                    zset  A's event source mappings (UUID,
 *                                        score = creation time in ms)
 *   fg:esm:{A}:UUID                hash  one mapping (fngated_esm.c):
 *                                        EventSourceArn FunctionArn
 *                                        BatchSize MaximumBatching-
 *                                        WindowInSeconds FunctionResponse-
 *                                        Types ("ReportBatchItemFailures"
 *                                        or "") MaximumConcurrency (0: not
 *                                        set) Enabled (1/0) LastModified
 *                                        (ms) StateTransitionReason
 *                                        LastProcessingResult (written by
 *                                        the pollers, only while the key
 *                                        exists)
 *   fg:esm:accounts                set   every account that created a
 *                                        mapping (written before its
 *                                        first mapping: what the pollers'
 *                                        registry read starts from)
 *   fg:pc:{A}:NAME                 hash  the provisioned concurrency
 *                                        configurations of a function
 *                                        (fngated_provisioned.c):
 *                                        QUALIFIER (a version or an
 *                                        alias) -> "N LASTMODIFIED"; a
 *                                        field goes with its version or
 *                                        alias, the key with the function
 *   fg:pcs:{A}                     set   the names of A's functions that
 *                                        have (or had) one
 *   fg:pc:accounts                 set   every account that put one
 *                                        (written before it: what the
 *                                        keeper's read starts from)
 *   fg:bill:{A}                    stream the billing lines billed to A,
 *                                        as every host's shipper sent them
 *                                        (fngated_billship.c; field line,
 *                                        the JSON of the log; id: when it
 *                                        was shipped): what GetUsage reads
 *   fg:billapi:{O}                 stream the lines of calls of O's APIs
 *                                        (InvokeApi, whoever was billed):
 *                                        what GetApiUsage reads
 *   fg:billpos:{A}                 hash  where each shipper's lines of A's
 *                                        two streams are: "bill ID" and
 *                                        "api ID" -> "COUNT INODE OFFSET"
 *                                        (COUNT: the bytes of that host's
 *                                        log read up to the end of the
 *                                        last line appended); written
 *                                        with the lines, in one script
 *   fg:bill:accounts               set   every account with a fg:bill
 *                                        stream (written before its first
 *                                        line: the operator's usage table
 *                                        reads it)
 *   fg:roles:{A}                   zset  A's execution role names (score
 *                                        0, by name)
 *   fg:role:{A}:NAME               hash  one role (fngated_roles.c):
 *                                        RoleId Path CreateDate
 *                                        AssumeRolePolicyDocument
 *                                        Description MaxSessionDuration;
 *                                        "policy:PNAME" -> an inline
 *                                        policy's document (JSON)
 *   fg:key:ASIA...                 hash  temporary credentials of one
 *                                        call (fngated_roles.c, with a
 *                                        PEXPIREAT): account secret
 *                                        token role (the role's ARN, ""
 *                                        for fngated's own) billed depth
 *                                        root (request id) expires (ms)
 *                                        deadline (ms: the call's latest
 *                                        end, "" none)
 *
 * Queues (SQS-compatible; docs/queues.md, fngated/fngated_queues.c), every
 * key of a queue tagged by its owner {A}; NAME is the queue's name (with
 * ".fifo"):
 *   fg:queues:{A}                  zset  queue names (score 0, by name)
 *   fg:queue:{A}:NAME              hash  the queue's attributes as SQS
 *                                        names them (VisibilityTimeout,
 *                                        DelaySeconds, RedrivePolicy,
 *                                        Policy, FifoQueue, ...,
 *                                        CreatedTimestamp,
 *                                        LastModifiedTimestamp, seconds)
 *   fg:qgrant:{A}:NAME             hash  the index other code checks:
 *                                        "ACTION:PRINCIPAL" -> number of
 *                                        Policy statements granting it
 *                                        (ACTION sqs:SendMessage, ... or
 *                                        sqs:*; PRINCIPAL an account id
 *                                        or *); rewritten with Policy
 *   fg:qmsgs:{A}:NAME              stream the messages, one entry each
 *                                        (fields id body attrs md5b sent
 *                                        sender group dedup); its entry
 *                                        id orders a FIFO queue and is
 *                                        the SequenceNumber; an entry is
 *                                        deleted (XDEL) with its message
 *   fg:qvis:{A}:NAME               zset  every message's entry id ->
 *                                        the time (ms) it is (again)
 *                                        visible: sent + delay, or
 *                                        receive + visibility timeout
 *   fg:qinflight:{A}:NAME          zset  received messages -> the time
 *                                        (ms) their visibility ends
 *                                        (entries in the past are stale)
 *   fg:qrecv:{A}:NAME              hash  entry id -> "COUNT FIRST NONCE":
 *                                        receives so far, the first
 *                                        receive (ms), the last receive's
 *                                        nonce (in its receipt handle)
 *   fg:qdedup:{A}:NAME             hash  a FIFO queue's deduplication id
 *                                        -> "MESSAGEID ENTRYID"
 *   fg:qdedupx:{A}:NAME            zset  deduplication id -> when it
 *                                        expires (ms; 5 minutes)
 *   fg:qmove:{A}:NAME              hash  the message move tasks of
 *                                        NAME as source: task id -> its
 *                                        record (JSON: Status, counts,
 *                                        arns, the step time "beat", the
 *                                        stream range left "cursor" and
 *                                        "upto"; the newest 10 kept)
 *
 * Each returns snprintf's value: the length written, or >= size when
 * truncated (callers treat that as an error).
 */

#ifndef FG_KEYS_H
#define FG_KEYS_H

#include <stddef.h>

#define FG_KEY_MAX  256

int fg_key_access_key(char *dst, size_t size, const char *akid);
int fg_key_accounts(char *dst, size_t size);
int fg_key_account(char *dst, size_t size, const char *account);
int fg_key_functions(char *dst, size_t size, const char *account);
int fg_key_function(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_code(char *dst, size_t size, const char *account,
    const char *sha256hex);
int fg_key_coderefs(char *dst, size_t size, const char *account);
int fg_key_codebytes(char *dst, size_t size, const char *account);
/* Idempotent execution's keys of account (fg_idem_key_t); hash only for
 * FG_IDEM_RESULT. */
typedef enum {
    FG_IDEM_RESULT = 0,             /* fg:idem */
    FG_IDEM_EXPIRY,                 /* fg:idemx */
    FG_IDEM_SIZES,                  /* fg:idemsz */
    FG_IDEM_BYTES                   /* fg:idembytes */
} fg_idem_key_t;
int fg_key_idem(char *dst, size_t size, fg_idem_key_t which,
    const char *account, const char *hash);
int fg_key_version(char *dst, size_t size, const char *account,
    const char *function, const char *version);
int fg_key_versions(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_version_refs(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_alias(char *dst, size_t size, const char *account,
    const char *function, const char *alias);
int fg_key_aliases(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_policy(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_bounds(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_grants(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_event_invoke_configs(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_apis(char *dst, size_t size, const char *account);
int fg_key_api(char *dst, size_t size, const char *account, const char *api);
int fg_key_api_subs(char *dst, size_t size, const char *account,
    const char *api);
int fg_key_subscribed(char *dst, size_t size, const char *account);
int fg_key_events(char *dst, size_t size, const char *account);
int fg_key_event_retries(char *dst, size_t size, const char *account);
int fg_key_async_accounts(char *dst, size_t size);
int fg_key_async_wake(char *dst, size_t size);
int fg_key_esms(char *dst, size_t size, const char *account);
int fg_key_esm(char *dst, size_t size, const char *account,
    const char *uuid);
int fg_key_esm_accounts(char *dst, size_t size);
int fg_key_provisioned(char *dst, size_t size, const char *account,
    const char *function);
int fg_key_provisioned_functions(char *dst, size_t size,
    const char *account);
int fg_key_provisioned_accounts(char *dst, size_t size);
/* The shipped billing of account (fg_bill_key_t). */
typedef enum {
    FG_BILL_LINES = 0,              /* fg:bill */
    FG_BILL_API_LINES,              /* fg:billapi */
    FG_BILL_POS                     /* fg:billpos */
} fg_bill_key_t;
int fg_key_bill(char *dst, size_t size, fg_bill_key_t which,
    const char *account);
int fg_key_bill_accounts(char *dst, size_t size);
int fg_key_roles(char *dst, size_t size, const char *account);
int fg_key_role(char *dst, size_t size, const char *account,
    const char *name);
/* Queues: the keys of one queue of account (fg_queue_key_t). */
typedef enum {
    FG_QKEY_ATTRS = 0,              /* fg:queue */
    FG_QKEY_GRANTS,                 /* fg:qgrant */
    FG_QKEY_MSGS,                   /* fg:qmsgs */
    FG_QKEY_VISIBLE,                /* fg:qvis */
    FG_QKEY_INFLIGHT,               /* fg:qinflight */
    FG_QKEY_RECEIVES,               /* fg:qrecv */
    FG_QKEY_DEDUP,                  /* fg:qdedup */
    FG_QKEY_DEDUP_EXPIRY,           /* fg:qdedupx */
    FG_QKEY_MOVES,                  /* fg:qmove */
    FG_QKEY_COUNT
} fg_queue_key_t;
int fg_key_queues(char *dst, size_t size, const char *account);
int fg_key_queue(char *dst, size_t size, fg_queue_key_t which,
    const char *account, const char *queue);
/* A field of fg_key_api: "r:ROUTE_ID". */
int fg_key_route_field(char *dst, size_t size, const char *route_id);
/* A member of fg_key_subscribed: "OWNER:API". */
int fg_key_subscribed_member(char *dst, size_t size, const char *owner,
    const char *api);
/* A field of fg_key_grants: "QUALIFIER:ACTION:PRINCIPAL". */
int fg_key_grant_field(char *dst, size_t size, const char *qualifier,
    const char *action, const char *principal);

#endif /* FG_KEYS_H */
