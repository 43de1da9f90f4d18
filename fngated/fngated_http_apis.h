/*
 * fngated_http_apis: the handlers of APIs made of functions (lib/fg_api.h):
 * an owner's APIs, routes and subscriptions, a subscriber's own
 * subscriptions, and InvokeApi (fngated_http_apis.c).  The management calls
 * read the API, route id and subscriber from q->route, which dispatch
 * fills from the path.
 */

#ifndef FNGATED_HTTP_APIS_H
#define FNGATED_HTTP_APIS_H

#include "fngated_req.h"

int fgd_apis_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_apis_list(const fgd_req_t *q, fgd_resp_t *r);
int fgd_apis_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_apis_update(const fgd_req_t *q, fgd_resp_t *r);
int fgd_apis_delete(const fgd_req_t *q, fgd_resp_t *r);

int fgd_routes_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_routes_list(const fgd_req_t *q, fgd_resp_t *r);
int fgd_routes_get(const fgd_req_t *q, fgd_resp_t *r);
int fgd_routes_update(const fgd_req_t *q, fgd_resp_t *r);
int fgd_routes_delete(const fgd_req_t *q, fgd_resp_t *r);

int fgd_subs_create(const fgd_req_t *q, fgd_resp_t *r);
int fgd_subs_list_mine(const fgd_req_t *q, fgd_resp_t *r);
int fgd_subs_list_api(const fgd_req_t *q, fgd_resp_t *r);
int fgd_subs_update(const fgd_req_t *q, fgd_resp_t *r);

/* InvokeApi: the route's function called with the proxy event made from
 * the FNGATE_API_* params (q->param). */
int fgd_apis_invoke(const fgd_req_t *q, fgd_resp_t *r);

#endif /* FNGATED_HTTP_APIS_H */
