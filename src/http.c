#include "http.h"

#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>

#include "http_curl.h"
#include "http_tls.h"

struct http_client {
    const struct http_ops *ops;
    void *state; /* ops->open's */
    int64_t deadline_ms;
};

struct http_client *http_client_new(const struct http_options *opts)
{
    /* libcurl only where its breadth is needed: tunnelling through a
     * proxy.  Loading it costs more than a whole request of our own. */
    return http_client_new_ops(opts->proxy != NULL ? http_curl_ops() : http_tls_ops(), NULL, opts);
}

struct http_client *http_client_new_ops(const struct http_ops *ops, void *arg,
                                        const struct http_options *opts)
{
    struct http_client *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        return NULL;
    }
    c->ops = ops;
    c->deadline_ms = opts->deadline_ms;
    c->state = ops->open(opts, arg);
    if (c->state == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void http_client_free(struct http_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->ops->close != NULL) {
        c->ops->close(c->state);
    }
    free(c);
}

int64_t http_client_deadline(const struct http_client *c)
{
    return c->deadline_ms;
}

r53_rc http_perform(struct http_client *c, const struct http_request *req,
                    struct http_response *resp, struct r53_error *err)
{
    memset(resp, 0, sizeof(*resp));
    return c->ops->perform(c->state, req, resp, err);
}

void http_response_free(struct http_response *resp)
{
    if (resp == NULL) {
        return;
    }
    /* An answer may hold credentials (STS, the instance metadata). */
    if (resp->body != NULL) {
        mbedtls_platform_zeroize(resp->body, resp->body_len);
    }
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}

long http_time_left_ms(const struct http_options *opts)
{
    long timeout = opts->request_timeout_ms;

    if (opts->deadline_ms > 0) {
        int64_t left = opts->deadline_ms - util_now_ms();

        if (left <= 0) {
            return 0;
        }
        if (timeout <= 0 || left < timeout) {
            timeout = (long)left;
        }
    }
    return timeout;
}

void http_url_for_message(const char *url, char *out, size_t outlen)
{
    size_t n = strcspn(url, "?");

    if (n >= outlen) {
        n = outlen - 1;
    }
    memcpy(out, url, n);
    out[n] = '\0';
}
