/* What an action needs to talk to AWS, built from the parameters:
 * HTTP clients, instance metadata, credentials and the Route 53 client. */
#ifndef R53_SESSION_H
#define R53_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "credentials.h"
#include "http.h"
#include "imds.h"
#include "params.h"
#include "ratelimit.h"
#include "route53.h"

struct session {
    const struct params *p;
    const char *rsctmp; /* HA_RSCTMP */
    int64_t deadline_ms;
    struct retry_policy retry;     /* for Route 53 requests; callers may adjust */
    struct http_client *api_http;  /* https, ca_bundle, proxy */
    struct http_client *imds_http; /* instance metadata: direct, plain */
    struct imds *imds;
    struct cred_provider *creds; /* the chain, built from the parameters */
    struct r53_client *r53;
    struct rate_budget *budget; /* this node's Route 53 requests, shared */
    long long clock_offset_s;   /* this node's clock offset as the node kept it */
};

/* The file under HA_RSCTMP that keeps this node's clock offset from
 * Route 53's (seconds, signed), so the next action signs right at once. */
#define SESSION_CLOCK_FILE "route53-clock-offset"

/* Prepare s; nothing is contacted yet.  rsctmp (HA_RSCTMP) keeps the
 * node's request budget and cached credentials; deadline_ms bounds every
 * request and every retry. */
void session_init(struct session *s, const struct params *p, const char *rsctmp,
                  int64_t deadline_ms);

/* Instance metadata, opened on first use. */
r53_rc session_imds(struct session *s, struct imds **out, struct r53_error *err);

/* The credential chain (src/cred_default_chain.h: environment, profile,
 * instance role, then role_arn) and the Route 53 client; nothing is asked
 * before the first request. */
r53_rc session_route53(struct session *s, struct r53_client **out, struct r53_error *err);

/* Wipe credentials and free everything.  Safe on a partly opened s. */
void session_close(struct session *s);

#endif
