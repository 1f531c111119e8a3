#include "imds.h"

#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retry.h"

#define IMDS_TOKEN_TTL "21600"

/* The metadata service is local and fast: a few quick tries ride out a
 * restart or a throttled burst without eating the action's budget. */
#define IMDS_TRIES 3
#define IMDS_BACKOFF_BASE_MS 100
#define IMDS_BACKOFF_CAP_MS 1000

struct imds {
    char *endpoint;
    struct http_client *http;
    char token[128];
};

struct imds *imds_new(const char *endpoint, struct http_client *http)
{
    struct imds *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        return NULL;
    }
    m->endpoint = strdup(endpoint);
    if (m->endpoint == NULL) {
        free(m);
        return NULL;
    }
    /* "http://169.254.169.254/" and "...254" name the same service. */
    for (size_t n = strlen(m->endpoint); n > 0 && m->endpoint[n - 1] == '/'; n--) {
        m->endpoint[n - 1] = '\0';
    }
    m->http = http;
    return m;
}

void imds_free(struct imds *m)
{
    if (m == NULL) {
        return;
    }
    mbedtls_platform_zeroize(m->token, sizeof(m->token));
    free(m->endpoint);
    free(m);
}

static void trim_end(char *s, size_t *len)
{
    while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r' || s[*len - 1] == ' ' ||
                        s[*len - 1] == '\t')) {
        s[--*len] = '\0';
    }
}

struct imds_try {
    struct imds *m;
    const struct http_request *req;
    struct http_response *resp;
};

/* One try: a 5xx answer counts as a failure worth another. */
static r53_rc imds_try(void *ctx, struct r53_error *err)
{
    struct imds_try *t = ctx;
    r53_rc rc = R53_OK;

    http_response_free(t->resp); /* the previous try's */
    rc = http_perform(t->m->http, t->req, t->resp, err);
    if (rc == R53_OK && t->resp->status >= 500) {
        rc = r53_fail(err, R53_ERR_SERVER, "%s answered HTTP %ld", t->m->endpoint, t->resp->status);
    }
    return rc;
}

/* http_perform under the retry policy with IMDS's own small budget. */
static r53_rc perform(struct imds *m, const struct http_request *req, struct http_response *resp,
                      struct r53_error *err)
{
    struct retry_policy policy = {
        .max_tries = IMDS_TRIES,
        .base_ms = IMDS_BACKOFF_BASE_MS,
        .cap_ms = IMDS_BACKOFF_CAP_MS,
        .deadline_ms = http_client_deadline(m->http),
        .reserve_ms = IMDS_BACKOFF_BASE_MS,
    };
    struct imds_try t = { m, req, resp };
    unsigned tries = 0;

    return retry_run(&policy, imds_try, &t, "instance metadata", &tries, err);
}

static r53_rc fetch_token(struct imds *m, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char url[512];
    struct http_header hdr = { "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL };
    struct http_request req = {
        .method = "PUT",
        .url = url,
        .headers = &hdr,
        .n_headers = 1,
        .body = "",
        .body_len = 0,
    };
    struct http_response resp = { 0 };

    snprintf(url, sizeof(url), "%s/latest/api/token", m->endpoint);
    rc = perform(m, &req, &resp, err);
    if (rc == R53_ERR_SERVER) {
        rc = r53_fail(err, R53_ERR_HTTP,
                      "instance metadata refused an IMDSv2 token (HTTP %ld) at %s", resp.status,
                      m->endpoint);
        goto cleanup;
    }
    if (rc != R53_OK) {
        rc = r53_fail(err, rc, "instance metadata (IMDSv2) unreachable: %s", err->reason);
        goto cleanup;
    }
    trim_end(resp.body, &resp.body_len);
    if (resp.status != 200 || resp.body_len == 0 || resp.body_len >= sizeof(m->token)) {
        rc = r53_fail(err, R53_ERR_HTTP,
                      "instance metadata refused an IMDSv2 token (HTTP %ld) at %s", resp.status,
                      m->endpoint);
        goto cleanup;
    }
    memcpy(m->token, resp.body, resp.body_len + 1);

cleanup:
    if (resp.body != NULL) {
        mbedtls_platform_zeroize(resp.body, resp.body_len);
    }
    http_response_free(&resp);
    return rc;
}

r53_rc imds_get(struct imds *m, const char *path, char **out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char url[1024];
    struct http_header hdr = { "X-aws-ec2-metadata-token", m->token };
    struct http_request req = {
        .method = "GET",
        .url = url,
        .headers = &hdr,
        .n_headers = 1,
    };
    struct http_response resp = { 0 };

    *out = NULL;
    if (m->token[0] == '\0') {
        rc = fetch_token(m, err);
        if (rc != R53_OK) {
            return rc;
        }
    }
    snprintf(url, sizeof(url), "%s/latest/meta-data/%s", m->endpoint, path);
    rc = perform(m, &req, &resp, err);
    if (rc != R53_OK && rc != R53_ERR_SERVER) {
        return r53_fail(err, rc, "instance metadata unreachable: %s", err->reason);
    }
    if (resp.status == 404) {
        rc = r53_fail(err, R53_ERR_NOT_FOUND, "instance metadata has no %s", path);
        goto cleanup;
    }
    if (resp.status != 200) {
        rc = r53_fail(err, R53_ERR_HTTP, "instance metadata answered HTTP %ld for %s", resp.status,
                      path);
        goto cleanup;
    }
    trim_end(resp.body, &resp.body_len);
    *out = resp.body;
    resp.body = NULL;

cleanup:
    http_response_free(&resp);
    return rc;
}
