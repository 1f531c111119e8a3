#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_default_chain.h"
#include "env.h"
#include "fileio.h"
#include "log.h"

/* Retries: the action's deadline is the real bound; the count only keeps
 * the loop finite.  Full jitter spreads a fleet of agents that were
 * throttled together over the whole window up to the cap. */
#define SESSION_MAX_TRIES 1000
#define SESSION_BACKOFF_BASE_MS 100
#define SESSION_BACKOFF_CAP_MS 5000
#define SESSION_RESERVE_MS 250

void session_init(struct session *s, const struct params *p, const char *rsctmp,
                  int64_t deadline_ms)
{
    memset(s, 0, sizeof(*s));
    s->p = p;
    s->rsctmp = rsctmp;
    s->deadline_ms = deadline_ms;
    s->retry = (struct retry_policy){
        .max_tries = SESSION_MAX_TRIES,
        .base_ms = SESSION_BACKOFF_BASE_MS,
        .cap_ms = SESSION_BACKOFF_CAP_MS,
        .deadline_ms = deadline_ms,
        .reserve_ms = SESSION_RESERVE_MS,
    };
}

r53_rc session_imds(struct session *s, struct imds **out, struct r53_error *err)
{
    if (s->imds == NULL) {
        /* IMDS is link-local: no proxy, no private CA. */
        struct http_options o = {
            .ca_bundle = NULL,
            .proxy = NULL,
            .connect_timeout_ms = s->p->tun.connect_timeout_ms,
            .request_timeout_ms = s->p->tun.request_timeout_ms,
            .deadline_ms = s->deadline_ms,
        };

        if (s->p->aws.imds_disabled) {
            return r53_fail(err, R53_ERR_HOST,
                            "instance metadata is disabled (AWS_EC2_METADATA_DISABLED)");
        }
        s->imds_http = http_client_new(&o);
        s->imds = s->imds_http != NULL ? imds_new(s->p->aws.imds_endpoint, s->imds_http) : NULL;
        if (s->imds == NULL) {
            return r53_fail(err, R53_ERR_NOMEM, "out of memory");
        }
    }
    *out = s->imds;
    return R53_OK;
}

/* The default credential chain (src/cred_default_chain.c), with
 * role_arn on top, asked nothing yet: the role is assumed through STS
 * over the same signed-call path and budget of time, and its temporary
 * credentials are kept under HA_RSCTMP. */
static r53_rc build_chain(struct session *s, struct r53_error *err)
{
    struct cred_default_chain_opts o = {
        .aws = &s->p->aws,
        .http = s->api_http,
        .retry = &s->retry,
        .imds = NULL,
        .getenv_fn = env_getenv,
        .timeout_ms = (long)(s->deadline_ms - util_now_ms()),
        .cache_dir = s->rsctmp,
    };

    if (!s->p->aws.imds_disabled && session_imds(s, &o.imds, err) != R53_OK) {
        return R53_ERR_NOMEM;
    }
    return cred_default_chain_new(&o, &s->creds, err);
}

/* Every Route 53 request, retries and GetChange polls included, takes a
 * token from the node's shared budget; Throttling lowers its rate.  The
 * wait in the node's queue is this node's, not Route 53's: it is bound
 * by the action's deadline, and a shorter deadline given to the API
 * (start's first share, before it asks DNS) moves on by the time waited. */
static r53_rc budget_before(void *ctx, int64_t deadline_ms, struct r53_error *err)
{
    struct session *s = ctx;
    char last[512];
    int64_t t0 = util_now_ms();
    int64_t waited = 0;

    /* What the try before this one met, for the reason if we stop here. */
    snprintf(last, sizeof(last), "%s", err->reason);
    if (rate_budget_take(s->budget, s->deadline_ms, err) == R53_OK) {
        waited = util_now_ms() - t0;
        if (deadline_ms > 0 && deadline_ms < s->deadline_ms && waited > 0) {
            s->retry.deadline_ms =
                deadline_ms + waited < s->deadline_ms ? deadline_ms + waited : s->deadline_ms;
            aws_caller_set_retry(r53_client_caller(s->r53), &s->retry);
        }
    } else {
        return r53_fail(err, R53_ERR_TIMEOUT,
                        "this node's Route 53 request budget (api_rate_limit=%.3g/s) had no "
                        "token left before the deadline%s%s",
                        (double)s->p->tun.api_rate_milli / 1000.0,
                        last[0] != '\0' ? "; before: " : "", last);
    }
    return R53_OK;
}

static void budget_after(void *ctx, const char *api_code)
{
    struct session *s = ctx;

    if (strcmp(api_code, "Throttling") == 0 || strcmp(api_code, "ThrottlingException") == 0) {
        rate_budget_throttled(s->budget);
    }
}

static r53_rc open_budget(struct session *s, struct r53_error *err)
{
    char path[600];
    struct aws_send_hooks hooks = { budget_before, budget_after, s };
    r53_rc rc = R53_OK;

    snprintf(path, sizeof(path), "%s/%s", s->rsctmp, RATE_BUDGET_NAME);
    rc = rate_budget_open(path, (double)s->p->tun.api_rate_milli / 1000.0, &s->budget, err);
    if (rc == R53_OK) {
        aws_caller_set_hooks(r53_client_caller(s->r53), &hooks);
    }
    return rc;
}

/* The clock offset this node kept (0 when none or unreadable). */
static long long read_clock_offset(const char *rsctmp)
{
    char path[600];
    char text[32] = "";
    FILE *f = NULL;
    char *end = NULL;
    long long offset = 0;

    snprintf(path, sizeof(path), "%s/%s", rsctmp, SESSION_CLOCK_FILE);
    if ((f = fopen(path, "re")) != NULL) {
        if (fgets(text, sizeof(text), f) != NULL) {
            offset = strtoll(text, &end, 10);
            offset = end != text && (*end == '\n' || *end == '\0') ? offset : 0;
        }
        fclose(f);
    }
    return offset;
}

r53_rc session_route53(struct session *s, struct r53_client **out, struct r53_error *err)
{
    r53_rc rc = R53_OK;

    if (s->r53 == NULL) {
        struct http_options o = {
            .ca_bundle = s->p->aws.ca_bundle,
            .proxy = s->p->aws.proxy,
            .connect_timeout_ms = s->p->tun.connect_timeout_ms,
            .request_timeout_ms = s->p->tun.request_timeout_ms,
            .deadline_ms = s->deadline_ms,
        };

        s->api_http = http_client_new(&o);
        if (s->api_http == NULL) {
            return r53_fail(err, R53_ERR_NOMEM, "out of memory");
        }
        if ((rc = build_chain(s, err)) != R53_OK) {
            return rc;
        }
        if ((rc = r53_client_new(s->p->aws.route53_endpoint, s->api_http, s->creds, &s->r53,
                                 err)) != R53_OK) {
            return rc;
        }
        aws_caller_set_retry(r53_client_caller(s->r53), &s->retry);
        s->clock_offset_s = read_clock_offset(s->rsctmp);
        aws_caller_set_clock_offset(r53_client_caller(s->r53), s->clock_offset_s);
        if ((rc = open_budget(s, err)) != R53_OK) {
            return rc;
        }
    }
    *out = s->r53;
    return R53_OK;
}

/* Keep the offset the Route 53 caller signs with, when it changed. */
static void keep_clock_offset(const struct session *s)
{
    char path[600];
    char text[32];
    long long offset = 0;
    int n = 0;
    struct r53_error unkept = { 0 };

    if (s->r53 == NULL) {
        return;
    }
    offset = aws_caller_clock_offset(r53_client_caller(s->r53));
    if (offset == s->clock_offset_s) {
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", s->rsctmp, SESSION_CLOCK_FILE);
    n = snprintf(text, sizeof(text), "%lld\n", offset);
    if (fileio_replace(path, text, (size_t)n, false, &unkept) != R53_OK) {
        qb_log(LOG_WARNING, "cannot keep the clock offset in %s: %s", path, unkept.reason);
    }
}

void session_close(struct session *s)
{
    keep_clock_offset(s);
    r53_client_free(s->r53);
    rate_budget_close(s->budget);
    cred_provider_free(s->creds);
    imds_free(s->imds);
    http_client_free(s->api_http);
    http_client_free(s->imds_http);
    memset(s, 0, sizeof(*s));
}
