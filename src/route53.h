/* The Route 53 API client: builds requests, signs them, reads answers.
 * Knows nothing of OCF. */
#ifndef R53_ROUTE53_H
#define R53_ROUTE53_H

#include <stdbool.h>
#include <stdint.h>

#include "credentials.h"
#include "http.h"
#include "rc.h"
#include "retry.h"
#include "xml.h"

struct r53_client;

/* endpoint: "https://route53.amazonaws.com" or another https URL; the
 * http client and credentials are borrowed and must outlive the client.
 * R53_ERR_CONFIG for a non-https endpoint. */
r53_rc r53_client_new(const char *endpoint, struct http_client *http,
                      const struct credentials *creds, struct r53_client **out);
void r53_client_free(struct r53_client *c);

/* How failed requests are retried (default: never).  Throttling, 5xx
 * and network failures are retried; everything else fails at once. */
void r53_client_set_retry(struct r53_client *c, const struct retry_policy *policy);

/* Called once when Route 53 answers ExpiredToken: it must renew the
 * credentials the client borrows (in place), then the request is sent
 * again.  NULL (default): ExpiredToken fails the request. */
typedef r53_rc (*r53_refresh_fn)(void *ctx);
void r53_client_set_refresh(struct r53_client *c, r53_refresh_fn refresh, void *ctx);

/* Run around every request sent, each try included (e.g. a node-wide
 * rate budget).  before: may wait, until deadline_ms at most; a failure
 * fails the request, not retried unless it is worth it.  after: told
 * each answer's error code ("Throttling", ...; "" for a success).
 * Either may be NULL. */
struct r53_send_hooks {
    r53_rc (*before)(void *ctx, int64_t deadline_ms);
    void (*after)(void *ctx, const char *api_code);
    void *ctx;
};
void r53_client_set_hooks(struct r53_client *c, const struct r53_send_hooks *hooks);

/* Number of API requests made so far (for logs and benchmarks). */
unsigned r53_client_requests(const struct r53_client *c);

/* The hosted zone named dns_name ("example.com" or "example.com.").
 * R53_ERR_NO_ZONE if none; R53_ERR_CONFIG if a public and a private zone
 * share the name (the caller must then ask for zone_id). */
r53_rc r53_find_zone(struct r53_client *c, const char *dns_name, struct r53_zone *out);

/* GetHostedZone; zone_id with or without "/hostedzone/". */
r53_rc r53_get_zone(struct r53_client *c, const char *zone_id, struct r53_zone *out);

/* The record set exactly named fqdn (with trailing dot) of type, without
 * set identifier.  R53_ERR_NOT_FOUND when there is none. */
r53_rc r53_get_record(struct r53_client *c, const char *zone_id, const char *fqdn, const char *type,
                      struct r53_rrset *out);

/* One change: action "UPSERT" or "DELETE" of a record set with a single
 * value (DELETE must match the record's current TTL and value). */
struct r53_change {
    const char *action;
    const char *fqdn;
    const char *type;
    long ttl;
    const char *value;
    const char *comment; /* may be NULL */
};
r53_rc r53_change(struct r53_client *c, const char *zone_id, const struct r53_change *change,
                  struct r53_change_info *out);

/* GetChange; change_id with or without "/change/". */
r53_rc r53_get_change(struct r53_client *c, const char *change_id, struct r53_change_info *out);

#endif
