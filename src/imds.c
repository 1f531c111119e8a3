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

/* http_perform, tried again on network failures and 5xx answers. */
static r53_rc perform(struct imds *m, const struct http_request *req, struct http_response *resp)
{
    struct retry_policy policy = { IMDS_TRIES, IMDS_BACKOFF_BASE_MS, IMDS_BACKOFF_CAP_MS,
                                   http_client_deadline(m->http), IMDS_BACKOFF_BASE_MS };
    r53_rc rc = R53_OK;
    int64_t pause = 0;

    for (unsigned tries = 1;; tries++) {
        rc = http_perform(m->http, req, resp);
        if (rc == R53_OK && resp->status >= 500) {
            rc = r53_fail(R53_ERR_SERVER, "%s answered HTTP %ld", m->endpoint, resp->status);
        }
        if (!retry_worth(rc) ||
            (pause = retry_pause_ms(&policy, tries, util_now_ms(), retry_random())) < 0) {
            return rc;
        }
        http_response_free(resp);
        retry_sleep_ms(pause);
    }
}

static r53_rc fetch_token(struct imds *m)
{
    r53_rc rc = R53_OK;
    char url[512];
    struct http_header hdr = { "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL };
    struct http_request req = { "PUT", url, &hdr, 1, "", 0 };
    struct http_response resp = { 0 };

    snprintf(url, sizeof(url), "%s/latest/api/token", m->endpoint);
    rc = perform(m, &req, &resp);
    if (rc == R53_ERR_SERVER) {
        rc = r53_fail(R53_ERR_HTTP, "instance metadata refused an IMDSv2 token (HTTP %ld) at %s",
                      resp.status, m->endpoint);
        goto cleanup;
    }
    if (rc != R53_OK) {
        rc = r53_fail(rc, "instance metadata (IMDSv2) unreachable: %s", r53_last_error());
        goto cleanup;
    }
    trim_end(resp.body, &resp.body_len);
    if (resp.status != 200 || resp.body_len == 0 || resp.body_len >= sizeof(m->token)) {
        rc = r53_fail(R53_ERR_HTTP, "instance metadata refused an IMDSv2 token (HTTP %ld) at %s",
                      resp.status, m->endpoint);
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

r53_rc imds_get(struct imds *m, const char *path, char **out)
{
    r53_rc rc = R53_OK;
    char url[1024];
    struct http_header hdr = { "X-aws-ec2-metadata-token", m->token };
    struct http_request req = { "GET", url, &hdr, 1, NULL, 0 };
    struct http_response resp = { 0 };

    *out = NULL;
    if (m->token[0] == '\0') {
        rc = fetch_token(m);
        if (rc != R53_OK) {
            return rc;
        }
    }
    snprintf(url, sizeof(url), "%s/latest/meta-data/%s", m->endpoint, path);
    rc = perform(m, &req, &resp);
    if (rc != R53_OK && rc != R53_ERR_SERVER) {
        return r53_fail(rc, "instance metadata unreachable: %s", r53_last_error());
    }
    if (resp.status == 404) {
        rc = r53_fail(R53_ERR_NOT_FOUND, "instance metadata has no %s", path);
        goto cleanup;
    }
    if (resp.status != 200) {
        rc =
            r53_fail(R53_ERR_HTTP, "instance metadata answered HTTP %ld for %s", resp.status, path);
        goto cleanup;
    }
    trim_end(resp.body, &resp.body_len);
    *out = resp.body;
    resp.body = NULL;

cleanup:
    http_response_free(&resp);
    return rc;
}

r53_rc imds_role_credentials(struct imds *m, struct credentials *out)
{
    r53_rc rc = R53_OK;
    char *role = NULL;
    char *json = NULL;
    char path[512];

    rc = imds_get(m, "iam/security-credentials/", &role);
    if (rc == R53_ERR_NOT_FOUND) {
        return r53_fail(R53_ERR_NO_CREDENTIALS,
                        "no credentials: none in the environment or profile files, and "
                        "this instance has no IAM role attached");
    }
    if (rc != R53_OK) {
        return rc;
    }
    /* Several lines would be several roles; EC2 attaches one. */
    role[strcspn(role, "\r\n")] = '\0';
    if (role[0] == '\0' || strchr(role, '/') != NULL) {
        rc = r53_fail(R53_ERR_HTTP, "instance metadata gave an unusable role name");
        goto cleanup;
    }
    snprintf(path, sizeof(path), "iam/security-credentials/%s", role);
    rc = imds_get(m, path, &json);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = credentials_from_imds_json(json, strlen(json), out);
    if (rc == R53_OK) {
        snprintf(out->source, sizeof(out->source), "instance role %.40s", role);
    }

cleanup:
    if (json != NULL) {
        mbedtls_platform_zeroize(json, strlen(json));
        free(json);
    }
    free(role);
    return rc;
}
