/* The signed-call loop (src/aws_call.c) with no network: HTTP is a fake
 * table that answers from a script and records what was sent, the clock
 * is a fake the requests and pauses advance, and the credentials come
 * from a fake provider that counts its gets and renewals.  Retries,
 * refusals, renewal on ExpiredToken, the send hooks, the deadline and
 * the signature. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_call.h"
#include "route53_xml.h"
#include "sigv4.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define ENDPOINT "https://route53.example.test"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEFIRSTSESSIONTOKEN"
#define SECRET_RENEWED "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbRENEWEDKEY"
#define TOKEN_RENEWED "FwoGZXIvYXdzERENEWEDSESSIONTOKEN"

/* Route 53's error answer for code. */
#define ERROR_BODY(code)                                                                           \
    "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error>"               \
    "<Type>Sender</Type><Code>" code "</Code><Message>" code " here</Message></Error>"             \
    "<RequestId>r1</RequestId></ErrorResponse>"
#define OK_BODY "<GetChangeResponse/>"
/* The same with a message of its own. */
#define ERROR_TEXT_BODY(code, message)                                                             \
    "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error>"               \
    "<Type>Sender</Type><Code>" code "</Code><Message>" message "</Message></Error>"               \
    "<RequestId>r1</RequestId></ErrorResponse>"
#define SIGNATURE_EXPIRED                                                                          \
    ERROR_TEXT_BODY("SignatureDoesNotMatch", "Signature expired: 20261207T001500Z is now earlier " \
                                             "than 20261207T002000Z (20261207T002500Z - 5 min.)")
#define SIGNATURE_NOT_YET                                                                          \
    ERROR_TEXT_BODY("SignatureDoesNotMatch",                                                       \
                    "Signature not yet current: 20261207T003500Z is still later than "             \
                    "20261207T003000Z (20261207T002500Z + 5 min.)")

/* One scripted answer: status and body, or, when rc is not R53_OK, no
 * answer but that failure. */
struct answer {
    long status;
    const char *body;
    r53_rc rc;
    bool dated;              /* with a Date header ... */
    long long date_offset_s; /* ... this far from this machine's clock */
};

#define MAX_SENT 12
#define MAX_HEADERS 8

/* A request as it was sent, copied (the caller's buffers are gone after). */
struct sent {
    char method[8];
    char url[256];
    char body[256];
    size_t n_headers;
    struct {
        char name[64];
        char value[512];
    } headers[MAX_HEADERS];
};

struct fixture {
    /* the fake network */
    const struct answer *script;
    size_t n_script;
    size_t n_sent; /* every request, recorded or not */
    struct sent sent[MAX_SENT];
    /* the fake clock */
    int64_t now_ms;
    int64_t request_ms; /* what each request costs on it */
    struct retry_clock clock;
    /* the fake credentials */
    bool with_token;
    bool renewable;
    unsigned gets;
    unsigned renews;
    /* the send hooks */
    r53_rc before_rc;
    int64_t before_wait_ms; /* what the budget's wait costs on the fake clock */
    unsigned befores;
    int64_t before_deadline;
    char afters[256]; /* each code the after hook was told, then ';' */
    /* under test */
    struct http_client *http;
    struct cred_provider *creds;
    struct aws_caller *caller;
    struct r53_error err; /* the reason of the last call that failed */
};

/* ---- the fake HTTP table ------------------------------------------- */

static void *fake_open(const struct http_options *opts, void *arg)
{
    (void)opts;
    return arg;
}

static void record(struct sent *s, const struct http_request *req)
{
    snprintf(s->method, sizeof(s->method), "%s", req->method);
    snprintf(s->url, sizeof(s->url), "%s", req->url);
    snprintf(s->body, sizeof(s->body), "%.*s", (int)req->body_len,
             req->body != NULL ? req->body : "");
    assert_in_range(req->n_headers, 0, MAX_HEADERS);
    s->n_headers = req->n_headers;
    for (size_t i = 0; i < req->n_headers; i++) {
        snprintf(s->headers[i].name, sizeof(s->headers[i].name), "%s", req->headers[i].name);
        snprintf(s->headers[i].value, sizeof(s->headers[i].value), "%s", req->headers[i].value);
    }
}

static r53_rc fake_perform(void *state, const struct http_request *req, struct http_response *resp,
                           struct r53_error *err)
{
    struct fixture *f = state;
    const struct answer *a = NULL;

    f->now_ms += f->request_ms;
    if (f->n_sent < MAX_SENT) {
        record(&f->sent[f->n_sent], req);
    }
    if (f->n_sent++ >= f->n_script) {
        /* Not worth a retry: a loop that should have stopped stops here. */
        return r53_fail(err, R53_ERR_INTERNAL, "request %zu is past the script", f->n_sent);
    }
    a = &f->script[f->n_sent - 1];
    if (a->rc != R53_OK) {
        return r53_fail(err, a->rc, "cannot reach %s: Connection refused", ENDPOINT);
    }
    resp->status = a->status;
    resp->body = strdup(a->body);
    assert_non_null(resp->body);
    resp->body_len = strlen(a->body);
    resp->date = a->dated ? (int64_t)time(NULL) + a->date_offset_s : 0;
    return R53_OK;
}

/* ---- the fake clock, credentials and hooks ------------------------- */

static int64_t fake_now_ms(void *ctx)
{
    return ((struct fixture *)ctx)->now_ms;
}

static void fake_sleep_ms(void *ctx, int64_t ms)
{
    assert_true(ms >= 0);
    ((struct fixture *)ctx)->now_ms += ms;
}

static r53_rc fake_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct fixture *f = p->impl;

    f->gets++;
    return credentials_fill(out, "AKIDFIRST", strlen("AKIDFIRST"), SECRET, strlen(SECRET),
                            f->with_token ? TOKEN : NULL, strlen(TOKEN), "fake", err);
}

static r53_rc fake_renew(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct fixture *f = p->impl;

    f->renews++;
    return credentials_fill(out, "AKIDRENEWED", strlen("AKIDRENEWED"), SECRET_RENEWED,
                            strlen(SECRET_RENEWED), TOKEN_RENEWED, strlen(TOKEN_RENEWED), "fake",
                            err);
}

static bool fake_can_renew(const struct cred_provider *p)
{
    return ((const struct fixture *)p->impl)->renewable;
}

static r53_rc before(void *ctx, int64_t deadline_ms, struct r53_error *err)
{
    struct fixture *f = ctx;

    f->befores++;
    f->before_deadline = deadline_ms;
    f->now_ms += f->before_wait_ms;
    return f->before_rc != R53_OK ? r53_fail(err, f->before_rc, "no token left") : R53_OK;
}

static void after(void *ctx, const char *api_code)
{
    struct fixture *f = ctx;
    size_t used = strlen(f->afters);

    snprintf(f->afters + used, sizeof(f->afters) - used, "%s;", api_code);
}

/* ---- set-up ---------------------------------------------------------- */

/* Pauses from 100 ms, doubling up to 1 s, spent on the fake clock. */
static struct retry_policy policy(struct fixture *f, unsigned max_tries, int64_t deadline_ms)
{
    return (struct retry_policy){ .max_tries = max_tries,
                                  .base_ms = 100,
                                  .cap_ms = 1000,
                                  .deadline_ms = deadline_ms,
                                  .clock = &f->clock };
}

static void fixture_open(struct fixture *f, const struct answer *script, size_t n)
{
    static const struct http_ops fake_http = { .open = fake_open, .perform = fake_perform };
    static const struct cred_provider_ops fake_creds = { .get = fake_get,
                                                         .renew = fake_renew,
                                                         .can_renew = fake_can_renew };
    const struct http_options opts = { .connect_timeout_ms = 1000, .request_timeout_ms = 1000 };
    const struct aws_service service = { .name = "route53",
                                         .region = "us-east-1",
                                         .read_error = r53_xml_error };
    struct endpoint ep;
    struct retry_policy retry;
    struct aws_send_hooks hooks = { .before = before, .after = after, .ctx = f };

    *f = (struct fixture){
        .script = script, .n_script = n, .now_ms = 1000000, .with_token = true, .renewable = true
    };
    f->clock = (struct retry_clock){ .now_ms = fake_now_ms, .sleep_ms = fake_sleep_ms, .ctx = f };
    retry = policy(f, 10, 0);
    assert_int_equal(endpoint_parse_https("endpoint", ENDPOINT, &ep, &f->err), R53_OK);
    f->http = http_client_new_ops(&fake_http, f, &opts);
    f->creds = cred_provider_new("fake", &fake_creds, f);
    assert_non_null(f->http);
    assert_non_null(f->creds);
    assert_int_equal(aws_caller_new(&ep, &service, f->http, f->creds, &f->caller, &f->err), R53_OK);
    aws_caller_set_retry(f->caller, &retry);
    aws_caller_set_hooks(f->caller, &hooks);
}

/* Whatever a test did, no secret reached the reason. */
static void fixture_close(struct fixture *f)
{
    const char *reason = f->err.reason;

    assert_null(strstr(reason, SECRET));
    assert_null(strstr(reason, TOKEN));
    assert_null(strstr(reason, SECRET_RENEWED));
    assert_null(strstr(reason, TOKEN_RENEWED));
    assert_null(strstr(reason, "Signature="));
    aws_caller_free(f->caller);
    cred_provider_free(f->creds);
    http_client_free(f->http);
}

static void set_retry(struct fixture *f, unsigned max_tries, int64_t deadline_ms)
{
    struct retry_policy retry = policy(f, max_tries, deadline_ms);

    aws_caller_set_retry(f->caller, &retry);
}

static r53_rc get_change(struct fixture *f)
{
    const struct aws_request req = { .op = "GetChange",
                                     .method = "GET",
                                     .path = "/2013-04-01/change/C1" };
    struct http_response resp = { 0 };
    r53_rc rc = aws_call(f->caller, &req, &resp, &f->err);

    if (rc == R53_OK) {
        assert_string_equal(resp.body, OK_BODY);
    } else {
        assert_null(resp.body);
    }
    http_response_free(&resp);
    return rc;
}

/* A sent header's value, or NULL. */
static const char *header(const struct sent *s, const char *name)
{
    for (size_t i = 0; i < s->n_headers; i++) {
        if (strcasecmp(s->headers[i].name, name) == 0) {
            return s->headers[i].value;
        }
    }
    return NULL;
}

/* ---- retries --------------------------------------------------------- */

/* Throttling, a 5xx and a network failure are each tried again, with
 * the credentials fetched once for all the tries. */
static void transient_failures_are_retried(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("Throttling") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .rc = R53_ERR_NETWORK },
        { .status = 400, .body = ERROR_BODY("PriorRequestNotComplete") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_OK);
    assert_int_equal(f.n_sent, 5);
    assert_int_equal(aws_caller_requests(f.caller), 5);
    assert_int_equal(f.gets, 1);
    assert_int_equal(f.renews, 0);
    assert_string_equal(aws_caller_credentials_source(f.caller), "fake");
    fixture_close(&f);
}

/* Out of tries: the last failure, and how often and how long it took. */
static void retries_end_at_max_tries(void **state)
{
    static const struct answer script[] = {
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    f.request_ms = 500;
    set_retry(&f, 3, 0);
    assert_int_equal(get_change(&f), R53_ERR_SERVER);
    assert_int_equal(f.n_sent, 3);
    assert_non_null(strstr(f.err.reason, "gave up after 3 tries in "));
    assert_non_null(strstr(f.err.reason, "GetChange: ServiceUnavailable (HTTP 503)"));
    fixture_close(&f);
}

/* A refusal or a bad request fails at once, though a retry would have
 * succeeded. */
static void refusals_are_not_retried(void **state)
{
    static const struct {
        struct answer refusal;
        r53_rc rc;
    } cases[] = {
        { { .status = 403, .body = ERROR_BODY("AccessDenied") }, R53_ERR_AUTH },
        { { .status = 403, .body = ERROR_BODY("SignatureDoesNotMatch") }, R53_ERR_AUTH },
        { { .status = 400, .body = ERROR_BODY("InvalidInput") }, R53_ERR_CHANGE },
        { { .status = 400, .body = ERROR_BODY("InvalidChangeBatch") }, R53_ERR_CHANGE },
        { { .status = 404, .body = ERROR_BODY("NoSuchHostedZone") }, R53_ERR_NO_ZONE },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct answer script[] = { cases[i].refusal, { .status = 200, .body = OK_BODY } };
        struct fixture f;

        fixture_open(&f, script, ARRAY_LEN(script));
        assert_int_equal(get_change(&f), cases[i].rc);
        assert_int_equal(f.n_sent, 1);
        assert_null(strstr(f.err.reason, "gave up"));
        assert_non_null(strstr(f.err.reason, "GetChange: "));
        fixture_close(&f);
    }
}

/* ---- renewal on ExpiredToken ----------------------------------------- */

/* Renewed once, and the request sent again signed with the new keys. */
static void expired_token_renews_once(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("ExpiredToken") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_OK);
    assert_int_equal(f.n_sent, 2);
    assert_int_equal(f.gets, 1);
    assert_int_equal(f.renews, 1);
    assert_non_null(strstr(header(&f.sent[0], "Authorization"), "Credential=AKIDFIRST/"));
    assert_non_null(strstr(header(&f.sent[1], "Authorization"), "Credential=AKIDRENEWED/"));
    assert_string_equal(header(&f.sent[1], "x-amz-security-token"), TOKEN_RENEWED);
    assert_int_equal(f.befores, 2);
    fixture_close(&f);
}

/* Renewed credentials that expire too: the call fails, with no second
 * renewal and no retry. */
static void second_expired_token_fails(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("ExpiredToken") },
        { .status = 400, .body = ERROR_BODY("ExpiredToken") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_ERR_EXPIRED);
    assert_int_equal(f.n_sent, 2);
    assert_int_equal(f.renews, 1);
    assert_non_null(strstr(f.err.reason, "ExpiredToken"));
    fixture_close(&f);
}

/* Once per call, not once per try: after a retry, ExpiredToken again
 * fails. */
static void expired_token_renews_once_across_retries(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("ExpiredToken") },
        { .status = 400, .body = ERROR_BODY("Throttling") },
        { .status = 400, .body = ERROR_BODY("ExpiredToken") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_ERR_EXPIRED);
    assert_int_equal(f.n_sent, 3);
    assert_int_equal(f.renews, 1);
    fixture_close(&f);
}

/* A source that cannot renew (static keys): no renewal, no second try. */
static void expired_token_without_renewal_fails(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("ExpiredToken") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    f.renewable = false;
    assert_int_equal(get_change(&f), R53_ERR_EXPIRED);
    assert_int_equal(f.n_sent, 1);
    assert_int_equal(f.renews, 0);
    fixture_close(&f);
}

/* ---- the send hooks -------------------------------------------------- */

/* before and after run once per try; after hears each answer's code. */
static void hooks_run_once_per_try(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("Throttling") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 400, .body = ERROR_BODY("ThrottlingException") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    set_retry(&f, 10, 1000000 + 60000);
    assert_int_equal(get_change(&f), R53_OK);
    assert_int_equal(f.n_sent, 4);
    assert_int_equal(f.befores, 4);
    assert_int_equal(f.before_deadline, 1000000 + 60000);
    assert_string_equal(f.afters, "Throttling;ServiceUnavailable;ThrottlingException;;");
    fixture_close(&f);
}

/* A before hook that refuses (the node's budget is spent) fails the
 * call with nothing sent. */
static void refusing_before_hook_sends_nothing(void **state)
{
    static const struct answer script[] = { { .status = 200, .body = OK_BODY } };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    f.before_rc = R53_ERR_TIMEOUT;
    assert_int_equal(get_change(&f), R53_ERR_TIMEOUT);
    assert_int_equal(f.n_sent, 0);
    assert_int_equal(aws_caller_requests(f.caller), 0);
    assert_string_equal(f.afters, "");
    assert_non_null(strstr(f.err.reason, "GetChange: no token left"));
    fixture_close(&f);
}

/* ---- the deadline ---------------------------------------------------- */

/* Each request takes a second and the deadline is 2.5 s away: the third
 * try ends past it, so there is no fourth, though tries are left. */
static void deadline_stops_retries(void **state)
{
    static const struct answer script[] = {
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 503, .body = ERROR_BODY("ServiceUnavailable") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;
    struct retry_policy retry;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    f.request_ms = 1000;
    retry = policy(&f, 1000, f.now_ms + 2500);
    retry.base_ms = 0; /* no pauses: only the requests spend the time */
    aws_caller_set_retry(f.caller, &retry);
    assert_int_equal(get_change(&f), R53_ERR_SERVER);
    assert_int_equal(f.n_sent, 3);
    assert_int_equal(f.befores, 3);
    assert_int_equal(f.before_deadline, retry.deadline_ms);
    assert_non_null(strstr(f.err.reason, "gave up after 3 tries in 3.0 s"));
    fixture_close(&f);
}

/* A budget whose wait runs past the deadline: nothing more is sent, and
 * the reason is what the last answer said, not that time ran out. */
static void budget_wait_past_deadline_keeps_reason(void **state)
{
    static const struct answer script[] = {
        { .status = 400, .body = ERROR_BODY("Throttling") },
        { .status = 400, .body = ERROR_BODY("Throttling") },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;
    struct retry_policy retry;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    f.request_ms = 100;
    f.before_wait_ms = 700;
    retry = policy(&f, 1000, f.now_ms + 1200);
    retry.base_ms = 0;
    aws_caller_set_retry(f.caller, &retry);
    assert_int_equal(get_change(&f), R53_ERR_TIMEOUT);
    assert_int_equal(f.n_sent, 1);
    assert_int_equal(aws_caller_requests(f.caller), 1);
    assert_non_null(strstr(f.err.reason, "gave up after 2 tries"));
    assert_non_null(strstr(f.err.reason, "GetChange: Throttling"));
    fixture_close(&f);
}

/* ---- the signature --------------------------------------------------- */

/* s's Authorization is the signature of what was sent, every other
 * header signed, with key_id and secret. */
static void assert_signed(const struct sent *s, const char *path, const char *query,
                          const char *key_id, const char *secret)
{
    struct sigv4_header headers[MAX_HEADERS];
    const char *amz_date = header(s, "x-amz-date");
    struct sigv4_request req = { .method = s->method,
                                 .path = path,
                                 .query = query,
                                 .headers = headers,
                                 .body = (const unsigned char *)s->body,
                                 .body_len = strlen(s->body) };
    const struct sigv4_key key = { key_id, secret };
    const struct sigv4_scope scope = { amz_date, "us-east-1", "route53" };
    char *want = NULL;
    struct r53_error err = { 0 };

    assert_non_null(amz_date);
    assert_int_equal(strlen(amz_date), 16);
    assert_int_equal(amz_date[8], 'T');
    assert_int_equal(amz_date[15], 'Z');
    for (size_t i = 0; i < s->n_headers; i++) {
        if (strcasecmp(s->headers[i].name, "Authorization") != 0) {
            headers[req.n_headers++] =
                (struct sigv4_header){ s->headers[i].name, s->headers[i].value };
        }
    }
    assert_int_equal(req.n_headers + 1, s->n_headers);
    assert_int_equal(sigv4_authorization(&req, &key, &scope, &want, &err), R53_OK);
    assert_string_equal(header(s, "Authorization"), want);
    free(want);
}

/* With a session token: the token is sent and signed with the date and
 * the host. */
static void request_is_signed_with_token(void **state)
{
    static const struct answer script[] = { { .status = 200, .body = OK_BODY } };
    const struct aws_request req = { .op = "ListResourceRecordSets",
                                     .method = "GET",
                                     .path = "/2013-04-01/hostedzone/Z1/rrset",
                                     .query = "name=a.example.com.&type=A" };
    struct http_response resp = { 0 };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(aws_call(f.caller, &req, &resp, &f.err), R53_OK);
    http_response_free(&resp);
    assert_int_equal(f.n_sent, 1);
    assert_string_equal(f.sent[0].url,
                        ENDPOINT "/2013-04-01/hostedzone/Z1/rrset?name=a.example.com.&type=A");
    assert_string_equal(header(&f.sent[0], "host"), "route53.example.test");
    assert_string_equal(header(&f.sent[0], "x-amz-security-token"), TOKEN);
    assert_non_null(strstr(header(&f.sent[0], "Authorization"),
                           "SignedHeaders=host;x-amz-date;x-amz-security-token,"));
    assert_signed(&f.sent[0], req.path, req.query, "AKIDFIRST", SECRET);
    fixture_close(&f);
}

/* Long-term keys: no token header; a body and its type are signed. */
static void request_is_signed_without_token(void **state)
{
    static const struct answer script[] = { { .status = 200, .body = OK_BODY } };
    const struct aws_request req = { .op = "ChangeResourceRecordSets",
                                     .method = "POST",
                                     .path = "/2013-04-01/hostedzone/Z1/rrset/",
                                     .body = "<ChangeResourceRecordSetsRequest/>",
                                     .content_type = "text/xml" };
    struct http_response resp = { 0 };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    f.with_token = false;
    assert_int_equal(aws_call(f.caller, &req, &resp, &f.err), R53_OK);
    http_response_free(&resp);
    assert_null(header(&f.sent[0], "x-amz-security-token"));
    assert_string_equal(f.sent[0].body, req.body);
    assert_non_null(
        strstr(header(&f.sent[0], "Authorization"), "SignedHeaders=content-type;host;x-amz-date,"));
    assert_signed(&f.sent[0], req.path, NULL, "AKIDFIRST", SECRET);
    fixture_close(&f);
}

/* An unsigned request (STS web identity) asks no credentials. */
static void unsigned_request_asks_no_credentials(void **state)
{
    static const struct answer script[] = { { .status = 200, .body = OK_BODY } };
    const struct aws_request req = { .op = "AssumeRoleWithWebIdentity",
                                     .method = "POST",
                                     .path = "/",
                                     .body = "Action=AssumeRoleWithWebIdentity",
                                     .content_type = "application/x-www-form-urlencoded",
                                     .unsigned_request = true };
    struct http_response resp = { 0 };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(aws_call(f.caller, &req, &resp, &f.err), R53_OK);
    http_response_free(&resp);
    assert_int_equal(f.gets, 0);
    assert_null(header(&f.sent[0], "Authorization"));
    assert_null(header(&f.sent[0], "x-amz-date"));
    assert_string_equal(header(&f.sent[0], "Content-Type"), req.content_type);
    fixture_close(&f);
}

/* ---- clock skew ------------------------------------------------------ */

/* How far a sent X-Amz-Date is from this machine's clock, in seconds. */
static long long signed_offset(const struct sent *s)
{
    const char *amz = header(s, "x-amz-date");
    struct tm tm = { 0 };

    assert_non_null(amz);
    assert_non_null(strptime(amz, "%Y%m%dT%H%M%SZ", &tm));
    return (long long)timegm(&tm) - (long long)time(NULL);
}

/* A node 10 minutes behind: the refusal's Date header gives the offset,
 * the request is signed again with it, and the offset is kept. */
static void clock_behind_is_corrected(void **state)
{
    static const struct answer script[] = {
        { .status = 403, .body = SIGNATURE_EXPIRED, .dated = true, .date_offset_s = 600 },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_OK);
    assert_int_equal(f.n_sent, 2);
    assert_in_range(signed_offset(&f.sent[0]) + 5, 0, 10);
    assert_in_range(signed_offset(&f.sent[1]), 595, 605);
    assert_in_range(aws_caller_clock_offset(f.caller), 595, 605);
    assert_int_equal(f.renews, 0);
    fixture_close(&f);
}

/* And 10 minutes ahead. */
static void clock_ahead_is_corrected(void **state)
{
    static const struct answer script[] = {
        { .status = 403, .body = SIGNATURE_NOT_YET, .dated = true, .date_offset_s = -600 },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_OK);
    assert_int_equal(f.n_sent, 2);
    assert_in_range(signed_offset(&f.sent[1]), -605, -595);
    fixture_close(&f);
}

/* A refusal for the time that the Date header does not explain (the
 * clocks agree), or with no Date header: no second signature, and the
 * reason says to check NTP. */
static void unexplained_time_refusal_fails(void **state)
{
    static const struct answer dated[] = {
        { .status = 403, .body = SIGNATURE_EXPIRED, .dated = true, .date_offset_s = 2 },
        { .status = 200, .body = OK_BODY },
    };
    static const struct answer undated[] = {
        { .status = 403, .body = SIGNATURE_EXPIRED },
        { .status = 200, .body = OK_BODY },
    };
    const struct answer *scripts[] = { dated, undated };
    struct fixture f;

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(scripts); i++) {
        fixture_open(&f, scripts[i], 2);
        assert_int_equal(get_change(&f), R53_ERR_AUTH);
        assert_int_equal(f.n_sent, 1);
        assert_int_equal(aws_caller_clock_offset(f.caller), 0);
        assert_non_null(strstr(f.err.reason, "check NTP"));
        fixture_close(&f);
    }
}

/* Signed again once per call: a second refusal fails. */
static void clock_corrected_once(void **state)
{
    static const struct answer script[] = {
        { .status = 403, .body = SIGNATURE_EXPIRED, .dated = true, .date_offset_s = 600 },
        { .status = 403, .body = SIGNATURE_EXPIRED, .dated = true, .date_offset_s = 1200 },
        { .status = 200, .body = OK_BODY },
    };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    assert_int_equal(get_change(&f), R53_ERR_AUTH);
    assert_int_equal(f.n_sent, 2);
    fixture_close(&f);
}

/* An offset the node kept from an earlier action signs the first try. */
static void kept_offset_signs_first_try(void **state)
{
    static const struct answer script[] = { { .status = 200, .body = OK_BODY } };
    struct fixture f;

    (void)state;
    fixture_open(&f, script, ARRAY_LEN(script));
    aws_caller_set_clock_offset(f.caller, -3600);
    assert_int_equal(get_change(&f), R53_OK);
    assert_in_range(signed_offset(&f.sent[0]), -3605, -3595);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transient_failures_are_retried),
        cmocka_unit_test(retries_end_at_max_tries),
        cmocka_unit_test(refusals_are_not_retried),
        cmocka_unit_test(expired_token_renews_once),
        cmocka_unit_test(second_expired_token_fails),
        cmocka_unit_test(expired_token_renews_once_across_retries),
        cmocka_unit_test(expired_token_without_renewal_fails),
        cmocka_unit_test(hooks_run_once_per_try),
        cmocka_unit_test(refusing_before_hook_sends_nothing),
        cmocka_unit_test(deadline_stops_retries),
        cmocka_unit_test(budget_wait_past_deadline_keeps_reason),
        cmocka_unit_test(request_is_signed_with_token),
        cmocka_unit_test(request_is_signed_without_token),
        cmocka_unit_test(unsigned_request_asks_no_credentials),
        cmocka_unit_test(clock_behind_is_corrected),
        cmocka_unit_test(clock_ahead_is_corrected),
        cmocka_unit_test(unexplained_time_refusal_fails),
        cmocka_unit_test(clock_corrected_once),
        cmocka_unit_test(kept_offset_signs_first_try),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
