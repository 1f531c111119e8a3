/* A small HTTP(S) client on libcurl.  One http_client keeps one
 * connection cache, so an action's requests share a TLS session.
 * Certificates are always verified. */
#ifndef R53_HTTP_H
#define R53_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"
#include "util.h"

#define HTTP_MAX_BODY (1024 * 1024)  /* larger answers are refused */
#define HTTP_MAX_HEADERS (64 * 1024) /* so are answers with more header bytes */

struct http_options {
    const char *ca_bundle; /* NULL: system store */
    const char *proxy;     /* NULL: none (environment proxies ignored) */
    long connect_timeout_ms;
    long request_timeout_ms; /* whole request */
    int64_t deadline_ms;     /* monotonic ms (util_now_ms); 0: none.
                                Requests are cut to end before it. */
};

struct http_header {
    const char *name;
    const char *value;
};

struct http_request {
    const char *method; /* "GET", "POST", "PUT" */
    const char *url;
    const struct http_header *headers;
    size_t n_headers;
    const char *body; /* NULL for none */
    size_t body_len;
};

struct http_response {
    long status;
    char *body; /* NUL-terminated, malloc'd */
    size_t body_len;
};

struct http_client;

/* NULL on allocation failure.  opts is copied (strings are not: they
 * must outlive the client). */
struct http_client *http_client_new(const struct http_options *opts);
void http_client_free(struct http_client *c);

/* Perform req.  R53_OK whenever an HTTP answer arrived, whatever its
 * status; R53_ERR_NETWORK / R53_ERR_TIMEOUT / R53_ERR_HTTP otherwise,
 * with r53_fail() set.  Caller frees resp with http_response_free. */
r53_rc http_perform(struct http_client *c, const struct http_request *req,
                    struct http_response *resp);
void http_response_free(struct http_response *resp);

/* The deadline given in the options (0: none). */
int64_t http_client_deadline(const struct http_client *c);

#endif
