/*
 * fuzz_idem: idempotent execution's parsers (fngated_idem_json.c).  The
 * first byte chooses: 'h' the head of an HTTP server's answer to HEAD
 * (a dependency's server writes it: outside bytes to fngated), 'j' the
 * member FngateIdempotency of a client's body, 'u' a Url, 'q' a Queue.
 *
 * Invariants: a state is "etag=...;modified=..." within its buffer; an
 * accepted member's stored form parses, and its answer (fgd_idem_gen)
 * given back as the member is accepted with the same stored form; a
 * refusal is a 400 InvalidParameterValueException; an accepted Url's path
 * begins with '/'; an accepted queue has a valid account and name.
 */

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fuzz.h"
#include "fg_route.h"
#include "fngated_idem_json.h"
#include "fngated_json.h"

static void
fz_member(const char *text)
{
    yajl_val     v = yajl_tree_parse(text, NULL, 0), v2;
    fgd_resp_t   r;
    fgd_idem_t   t;
    yajl_gen     g;
    char        *s = NULL, *s2 = NULL, *ans = NULL;
    size_t       len;
    bool         given;

    if (v == NULL) {
        return;
    }
    memset(&r, 0, sizeof(r));
    if (fgd_idem_request(v, &given, &s, &r) != 0) {
        FZ_CHECK(r.status == 400 && r.error_type != NULL
                 && strcmp(r.error_type, "InvalidParameterValueException")
                    == 0);
        FZ_CHECK(s == NULL);
        fgd_resp_free(&r);
        yajl_tree_free(v);
        return;
    }
    FZ_CHECK(given && s != NULL);
    if (s[0] != '\0') {
        FZ_CHECK(fgd_idem_parse(s, &t) == 0);
        g = yajl_gen_alloc(NULL);
        FZ_CHECK(g != NULL);
        fgd_idem_gen(g, s);
        FZ_CHECK(fgd_gen_finish(g, &ans, &len) == 0);
        v2 = yajl_tree_parse(ans, NULL, 0);
        FZ_CHECK(v2 != NULL);
        memset(&r, 0, sizeof(r));
        FZ_CHECK(fgd_idem_request(v2, &given, &s2, &r) == 0);
        FZ_CHECK(strcmp(s, s2) == 0);
        yajl_tree_free(v2);
    }
    free(ans);
    free(s);
    free(s2);
    fgd_resp_free(&r);
    yajl_tree_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char         *text, state[300], path[64], region[32], acct[13];
    char          name[81];
    const char   *why;
    uint32_t      addr;
    unsigned      port;

    if (size < 1) {
        return 0;
    }
    text = malloc(size);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0]) {
    case 'h':
        if (fgd_idem_http_state(text, size - 1, state, sizeof(state)) == 0)
        {
            FZ_CHECK(strncmp(state, "etag=", 5) == 0
                     && strstr(state, ";modified=") != NULL
                     && strlen(state) < sizeof(state));
        }
        break;
    case 'j':
        if (strlen(text) == size - 1) {
            fz_member(text);
        }
        break;
    case 'u':
        if (fgd_idem_url_parse(text, &addr, &port, path, sizeof(path), &why)
            == 0)
        {
            FZ_CHECK(path[0] == '/' && port >= 1 && port <= 65535);
        } else {
            FZ_CHECK(why != NULL && why[0] != '\0');
        }
        break;
    case 'q':
        if (fgd_idem_queue_parse(text, region, sizeof(region), acct, name,
                &why) == 0)
        {
            FZ_CHECK(fg_account_valid(acct, strlen(acct))
                     && fg_queue_name_valid(name, strlen(name)));
        }
        break;
    }
    free(text);
    return 0;
}
