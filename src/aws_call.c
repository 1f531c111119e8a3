#include "aws_call.h"

#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigv4.h"
#include "util.h"

struct aws_caller {
    struct endpoint endpoint;
    struct aws_service service;
    struct http_client *http;
    struct cred_provider *provider;
    struct credentials creds; /* from the provider, on first use */
    struct retry_policy retry;
    struct aws_send_hooks hooks;
    unsigned requests;
    long long clock_offset_s; /* added to time(NULL) when signing */
    bool time_refused;        /* the last answer refused the request's time */
    int64_t answer_date;      /* the last answer's Date header; 0: none */
};

r53_rc aws_caller_new(const struct endpoint *endpoint, const struct aws_service *service,
                      struct http_client *http, struct cred_provider *creds,
                      struct aws_caller **out, struct r53_error *err)
{
    struct aws_caller *c = calloc(1, sizeof(*c));

    *out = NULL;
    if (c == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    c->endpoint = *endpoint;
    c->service = *service;
    c->http = http;
    c->provider = creds;
    c->retry = (struct retry_policy){ .max_tries = 1 };
    *out = c;
    return R53_OK;
}

void aws_caller_free(struct aws_caller *c)
{
    if (c != NULL) {
        credentials_wipe(&c->creds);
        free(c);
    }
}

void aws_caller_set_retry(struct aws_caller *c, const struct retry_policy *policy)
{
    c->retry = *policy;
}

void aws_caller_set_hooks(struct aws_caller *c, const struct aws_send_hooks *hooks)
{
    c->hooks = *hooks;
}

unsigned aws_caller_requests(const struct aws_caller *c)
{
    return c->requests;
}

const char *aws_caller_credentials_source(const struct aws_caller *c)
{
    return c->creds.access_key_id != NULL ? c->creds.source : "";
}

long long aws_caller_clock_offset(const struct aws_caller *c)
{
    return c->clock_offset_s;
}

void aws_caller_set_clock_offset(struct aws_caller *c, long long seconds)
{
    c->clock_offset_s = seconds;
}

/* Whether an error refuses the request's time, not its keys. */
static bool refuses_time(const struct aws_api_error *err)
{
    return strcmp(err->code, "RequestTimeTooSkewed") == 0 ||
           strcmp(err->code, "RequestExpired") == 0 ||
           strstr(err->message, "Signature expired") != NULL ||
           strstr(err->message, "Signature not yet current") != NULL;
}

/* AWS error codes, whatever the service, onto ours. */
static r53_rc rc_for_api_error(long status, const char *code)
{
    static const struct {
        const char *code;
        r53_rc rc;
    } table[] = {
        { "Throttling", R53_ERR_THROTTLED },
        { "ThrottlingException", R53_ERR_THROTTLED },
        { "PriorRequestNotComplete", R53_ERR_THROTTLED },
        { "AccessDenied", R53_ERR_AUTH },
        { "AccessDeniedException", R53_ERR_AUTH },
        { "InvalidClientTokenId", R53_ERR_AUTH },
        { "SignatureDoesNotMatch", R53_ERR_AUTH },
        { "ExpiredToken", R53_ERR_EXPIRED },
        { "RequestExpired", R53_ERR_AUTH },
        { "IncompleteSignature", R53_ERR_AUTH },
        { "MissingAuthenticationToken", R53_ERR_AUTH },
        { "UnrecognizedClientException", R53_ERR_AUTH },
        { "NoSuchHostedZone", R53_ERR_NO_ZONE },
        { "InvalidChangeBatch", R53_ERR_CHANGE },
        { "InvalidInput", R53_ERR_CHANGE },
        { "NoSuchChange", R53_ERR_NOT_FOUND },
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(code, table[i].code) == 0) {
            return table[i].rc;
        }
    }
    return status >= 500 ? R53_ERR_SERVER : R53_ERR_API;
}

/* The failure an error answer stands for; its code goes to code_out. */
static r53_rc api_failure(struct aws_caller *c, const char *op, const struct http_response *resp,
                          char *code_out, size_t code_len, struct r53_error *err)
{
    struct aws_api_error api = { 0 };
    char excerpt[81];

    if (c->service.read_error(resp->body, resp->body_len, &api, err) != R53_OK) {
        util_printable_n(resp->body, resp->body_len, excerpt, sizeof(excerpt));
        return r53_fail(err, resp->status >= 500 ? R53_ERR_SERVER : R53_ERR_HTTP,
                        "%s: HTTP %ld that is not an AWS error: '%s'", op, resp->status, excerpt);
    }
    snprintf(code_out, code_len, "%s", api.code);
    /* AWS words clock skew as "Signature expired: <when> is now earlier
     * than ..."; the fix is this node's clock, not the keys. */
    c->time_refused = refuses_time(&api);
    return r53_fail(
        err, rc_for_api_error(resp->status, api.code), "%s: %s (HTTP %ld): %s%s", op, api.code,
        resp->status, api.message,
        c->time_refused ? " (this node's clock is off by more than 5 minutes: check NTP)" : "");
}

/* The Authorization header's value for req, signed now. */
static r53_rc sign(const struct aws_caller *c, const struct aws_request *req,
                   const struct sigv4_header *headers, size_t n, const char *amz_date,
                   char **authorization, struct r53_error *err)
{
    size_t body_len = req->body != NULL ? strlen(req->body) : 0;
    struct sigv4_request sreq = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .headers = headers,
        .n_headers = n,
        .body = (const unsigned char *)req->body,
        .body_len = body_len,
    };
    struct sigv4_key key = { c->creds.access_key_id, c->creds.secret_access_key };
    struct sigv4_scope scope = {
        .amz_date = amz_date,
        .region = c->service.region,
        .service = c->service.name,
    };

    return sigv4_authorization(&sreq, &key, &scope, authorization, err);
}

/* Send one request (signed, unless asked) through the hooks. */
static r53_rc send_signed(struct aws_caller *c, const struct aws_request *req,
                          const struct http_header *headers, size_t n, struct http_response *resp,
                          char *code, size_t code_len, struct r53_error *err)
{
    char url[2048];
    r53_rc rc = R53_OK;
    struct http_request hreq = {
        .method = req->method,
        .url = url,
        .headers = headers,
        .n_headers = n,
        .body = req->body,
        .body_len = req->body != NULL ? strlen(req->body) : 0,
    };

    snprintf(url, sizeof(url), "%s%s%s%s", c->endpoint.base, req->path,
             req->query != NULL ? "?" : "", req->query != NULL ? req->query : "");
    if (c->hooks.before != NULL &&
        (rc = c->hooks.before(c->hooks.ctx, c->retry.deadline_ms, err)) != R53_OK) {
        return r53_fail(err, rc, "%s: %s", req->op, err->reason);
    }
    /* The budget's wait may have used up the time left: nothing is sent,
     * and the reason stays the previous try's, which is what went wrong. */
    if (c->retry.deadline_ms > 0 && retry_now_ms(&c->retry) >= c->retry.deadline_ms) {
        return err->reason[0] != '\0'
                   ? R53_ERR_TIMEOUT
                   : r53_fail(err, R53_ERR_TIMEOUT, "%s: no time left in the action's timeout",
                              req->op);
    }
    c->requests++;
    c->time_refused = false;
    if ((rc = http_perform(c->http, &hreq, resp, err)) != R53_OK) {
        return r53_fail(err, rc, "%s: %s", req->op, err->reason);
    }
    qb_log(LOG_DEBUG, "%s %s -> HTTP %ld", req->op, req->path, resp->status);
    c->answer_date = resp->date;
    if (resp->status < 200 || resp->status > 299) {
        rc = api_failure(c, req->op, resp, code, code_len, err);
        http_response_free(resp);
    }
    if (c->hooks.after != NULL) {
        c->hooks.after(c->hooks.ctx, code);
    }
    return rc;
}

/* Sign and send one try; R53_OK only for a 2xx answer. */
static r53_rc call_once(struct aws_caller *c, const struct aws_request *req,
                        struct http_response *resp, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char amz_date[17];
    char *authorization = NULL;
    char code[64] = "";
    struct sigv4_header sig[4];
    struct http_header headers[5];
    size_t n = 0;

    if (req->unsigned_request) {
        struct http_header plain[1] = { { "Content-Type", req->content_type } };

        return send_signed(c, req, plain, req->content_type != NULL ? 1 : 0, resp, code,
                           sizeof(code), err);
    }
    if (c->creds.access_key_id == NULL &&
        (rc = cred_provider_get(c->provider, &c->creds, err)) != R53_OK) {
        return rc;
    }
    sigv4_amz_date((time_t)(time(NULL) + c->clock_offset_s), amz_date);
    sig[n++] = (struct sigv4_header){ "host", c->endpoint.authority };
    sig[n++] = (struct sigv4_header){ "x-amz-date", amz_date };
    if (req->content_type != NULL) {
        sig[n++] = (struct sigv4_header){ "content-type", req->content_type };
    }
    if (c->creds.session_token != NULL) {
        sig[n++] = (struct sigv4_header){ "x-amz-security-token", c->creds.session_token };
    }
    if ((rc = sign(c, req, sig, n, amz_date, &authorization, err)) == R53_OK) {
        for (size_t i = 0; i < n; i++) {
            headers[i] = (struct http_header){ sig[i].name, sig[i].value };
        }
        headers[n] = (struct http_header){ "Authorization", authorization };
        rc = send_signed(c, req, headers, n + 1, resp, code, sizeof(code), err);
    }
    if (authorization != NULL) {
        mbedtls_platform_zeroize(authorization, strlen(authorization));
        free(authorization);
    }
    return rc;
}

/* The reason when retries did not help: how often, how long, and why. */
static r53_rc gave_up(const struct aws_caller *c, r53_rc rc, unsigned tries, int64_t started,
                      struct r53_error *err)
{
    if (tries < 2) {
        return rc;
    }
    return r53_fail(err, rc, "gave up after %u tries in %.1f s: %s", tries,
                    (double)(retry_now_ms(&c->retry) - started) / 1000.0, err->reason);
}

/* ExpiredToken: fresh credentials from the provider, once. */
static r53_rc renew(struct aws_caller *c, const char *op, struct r53_error *err)
{
    qb_log(LOG_NOTICE, "%s; fetching fresh credentials", err->reason);
    credentials_wipe(&c->creds);
    if (cred_provider_renew(c->provider, &c->creds, err) != R53_OK) {
        return r53_fail(err, R53_ERR_EXPIRED, "%s: credentials expired and cannot be renewed: %s",
                        op, err->reason);
    }
    return R53_OK;
}

/* Skews under this are not worth a second signature: the service
 * allows 5 minutes, and its Date header has whole seconds. */
#define CLOCK_SKEW_MIN_S 60

/* A request refused for its time: when the answer's Date shows this
 * node's clock off, sign with the service's time from now on.  False
 * when the Date header cannot explain the refusal. */
static bool correct_clock(struct aws_caller *c, const char *op)
{
    long long offset = 0;

    if (!c->time_refused || c->answer_date <= 0) {
        return false;
    }
    offset = (long long)c->answer_date - (long long)time(NULL);
    if (llabs(offset - c->clock_offset_s) < CLOCK_SKEW_MIN_S) {
        return false;
    }
    qb_log(LOG_WARNING,
           "%s: this node's clock is %lld s %s the service's (its Date header); signing with "
           "the service's time: fix NTP on this node",
           op, llabs(offset), offset > 0 ? "behind" : "ahead of");
    c->clock_offset_s = offset;
    return true;
}

struct attempt {
    struct aws_caller *c;
    const struct aws_request *req;
    struct http_response *resp;
    bool renewed;
    bool reclocked;
};

/* One try; expired temporary credentials are renewed once, within it. */
static r53_rc attempt(void *ctx, struct r53_error *err)
{
    struct attempt *a = ctx;
    r53_rc rc = call_once(a->c, a->req, a->resp, err);

    if (rc == R53_ERR_AUTH && !a->reclocked && correct_clock(a->c, a->req->op)) {
        a->reclocked = true;
        rc = call_once(a->c, a->req, a->resp, err);
    }
    if (rc == R53_ERR_EXPIRED && !a->renewed && a->c->provider != NULL &&
        cred_provider_can_renew(a->c->provider)) {
        a->renewed = true;
        if ((rc = renew(a->c, a->req->op, err)) == R53_OK) {
            rc = call_once(a->c, a->req, a->resp, err);
        }
    }
    return rc;
}

r53_rc aws_call(struct aws_caller *c, const struct aws_request *req, struct http_response *resp,
                struct r53_error *err)
{
    struct attempt a = { .c = c, .req = req, .resp = resp };
    int64_t started = retry_now_ms(&c->retry);
    unsigned tries = 0;
    r53_rc rc = retry_run(&c->retry, attempt, &a, req->op, &tries, err);

    /* A refusal after retries is the refusal; running out is giving up. */
    return retry_worth(rc) || rc == R53_ERR_TIMEOUT ? gave_up(c, rc, tries, started, err) : rc;
}
