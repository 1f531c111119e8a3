/* One signed AWS call, for any service: sign (SigV4) with the
 * credentials a provider gives, send over the borrowed HTTP client, and
 * retry under one retry policy until the action's budget is spent.  The
 * one place requests are sent and retried.  Service clients (route53.c)
 * build requests and read answers; they never sign or retry. */
#ifndef R53_AWS_CALL_H
#define R53_AWS_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "credentials.h"
#include "endpoint.h"
#include "http.h"
#include "rc.h"
#include "retry.h"

/* An AWS error answer: Code and Message. */
struct aws_api_error {
    char code[64];
    char message[512];
};

/* Reads a service's error body; R53_ERR_PARSE when it is not one. */
typedef r53_rc (*aws_error_reader)(const char *body, size_t len, struct aws_api_error *out,
                                   struct r53_error *err);

/* Run around every request sent, each try included (e.g. a node-wide
 * rate budget).  before: may wait, until deadline_ms at most; a failure
 * fails the request.  after: told each answer's error code
 * ("Throttling", ...; "" for a success).  Either may be NULL. */
struct aws_send_hooks {
    r53_rc (*before)(void *ctx, int64_t deadline_ms, struct r53_error *err);
    void (*after)(void *ctx, const char *api_code);
    void *ctx;
};

struct aws_service {
    const char *name;   /* the signing name: "route53", "sts" */
    const char *region; /* the signing region */
    aws_error_reader read_error;
};

struct aws_caller;

/* A caller for service at endpoint (already parsed).  http and creds are
 * borrowed and must outlive it (creds NULL: unsigned requests only);
 * service is copied (its strings are not).
 * R53_ERR_NOMEM only. */
r53_rc aws_caller_new(const struct endpoint *endpoint, const struct aws_service *service,
                      struct http_client *http, struct cred_provider *creds,
                      struct aws_caller **out, struct r53_error *err);

/* Wipes the credentials it holds.  NULL-safe. */
void aws_caller_free(struct aws_caller *c);

/* Default: one try.  Throttling, 5xx and network failures are retried;
 * everything else fails at once.  The policy's deadline bounds all. */
void aws_caller_set_retry(struct aws_caller *c, const struct retry_policy *policy);
void aws_caller_set_hooks(struct aws_caller *c, const struct aws_send_hooks *hooks);

/* Requests sent so far (every try counts). */
unsigned aws_caller_requests(const struct aws_caller *c);

/* The credentials' source ("environment", "instance role ha-dns"), once
 * the first call has fetched them; "" before. */
const char *aws_caller_credentials_source(const struct aws_caller *c);

/* Clock skew: seconds to add to this node's clock when signing.  A
 * request refused for its time ("Signature expired", "Signature not yet
 * current", RequestTimeTooSkewed, RequestExpired) takes the offset from
 * the answer's Date header and is signed again, once, as the AWS SDKs
 * do; the caller may keep the offset for the node's next action. */
long long aws_caller_clock_offset(const struct aws_caller *c);
void aws_caller_set_clock_offset(struct aws_caller *c, long long seconds);

struct aws_request {
    const char *op;           /* "GetChange": names the request in reasons */
    const char *method;       /* "GET", "POST" */
    const char *path;         /* as sent on the wire, e.g. "/2013-04-01/change/C1" */
    const char *query;        /* without '?', or NULL */
    const char *body;         /* NULL for none */
    const char *content_type; /* NULL: none sent */
    bool unsigned_request;    /* sent without credentials (STS web identity) */
};

/* Send req.  R53_OK only for a 2xx answer, whose body the caller then
 * owns in *resp.  An error answer maps to a code by its AWS error code
 * (Throttling, AccessDenied, ExpiredToken, NoSuchHostedZone, ...) with a
 * reason naming op; ExpiredToken renews the credentials once through the
 * provider when it can and sends again.  After retries, the reason says
 * "gave up after N tries in S s: ...". */
r53_rc aws_call(struct aws_caller *c, const struct aws_request *req, struct http_response *resp,
                struct r53_error *err);

#endif
