/* A small HTTP(S) client behind a function table, as aws-c-auth puts
 * HTTP behind aws_auth_http_system_vtable: callers hold an opaque
 * http_client and call http_perform; which table answers is the
 * creator's choice.  http_client_new gives the project's own
 * (http_tls.c: HTTP/1.1, TLS by mbedTLS), or libcurl's (http_curl.c,
 * loaded at its first request) when a proxy is set.  Either keeps its
 * connection, so an action's requests share a TLS session, and always
 * verifies certificates.  Tests give a table that answers from a
 * script, with no network. */
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
    int64_t date; /* the answer's Date header, Unix seconds; 0: none or unreadable */
};

/* What a client does.  state is what open returned for that client. */
struct http_ops {
    /* A client's state for opts (copied; strings are not) and arg (as
     * given to http_client_new_ops); NULL when out of memory. */
    void *(*open)(const struct http_options *opts, void *arg);
    /* As http_perform below, into resp (already zeroed); resp->body
     * malloc'd, as http_response_free frees it. */
    r53_rc (*perform)(void *state, const struct http_request *req, struct http_response *resp,
                      struct r53_error *err);
    /* Frees state; NULL when there is nothing to free. */
    void (*close)(void *state);
};

struct http_client;

/* A client for opts: http_tls.c's, or libcurl's when opts->proxy is
 * set.  NULL on allocation failure.  opts is copied (strings are not:
 * they must outlive the client). */
struct http_client *http_client_new(const struct http_options *opts);
/* The same on ops (borrowed: it must outlive the client), opened with
 * arg. */
struct http_client *http_client_new_ops(const struct http_ops *ops, void *arg,
                                        const struct http_options *opts);
/* Closes the client's state and frees it.  NULL-safe. */
void http_client_free(struct http_client *c);

/* Perform req.  R53_OK whenever an HTTP answer arrived, whatever its
 * status; R53_ERR_NETWORK / R53_ERR_TIMEOUT / R53_ERR_HTTP otherwise,
 * its reason in *err.  Caller frees resp with http_response_free. */
r53_rc http_perform(struct http_client *c, const struct http_request *req,
                    struct http_response *resp, struct r53_error *err);
/* Wipes and frees resp's body.  NULL-safe. */
void http_response_free(struct http_response *resp);

/* The deadline given in the options (0: none). */
int64_t http_client_deadline(const struct http_client *c);

/* For the tables' implementations. */
/* How long the next request may take, in ms: the request timeout cut to
 * what is left before the deadline; 0 when the deadline has passed. */
long http_time_left_ms(const struct http_options *opts);
/* url without its query string, into out: for messages (queries are not
 * secret, but can be long). */
void http_url_for_message(const char *url, char *out, size_t outlen);

#endif
