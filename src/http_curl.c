#include "http_curl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* libcurl is loaded when the first request is made, not at exec: a
 * probe or a monitor that DNS confirms never speaks HTTP, and linking
 * libcurl (with its TLS, Kerberos, LDAP, SSH... libraries) costs every
 * process several ms of dynamic loading.  The versioned soname is the
 * one -lcurl links (the package depends on it).  LD_LIBRARY_PATH finds
 * another as ld.so does for any library. */
#define HTTP_CURL_SONAME "libcurl.so.4"

/* The libcurl functions used, resolved once.  (The names differ from
 * libcurl's: its header makes some of them type-checking macros.) */
struct curl_api {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *curl);
    void (*easy_reset)(CURL *curl);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode code);
    time_t (*getdate)(const char *p, const time_t *unused);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *data);
    void (*slist_free_all)(struct curl_slist *list);
};

/* One client's state: one easy handle, so one connection cache.  api
 * and curl are NULL until the first request. */
struct curl_client {
    const struct curl_api *api;
    CURL *curl;
    struct http_options opts;
};

/* dlsym into *slot; false (dlerror's text in err) when missing.  (The
 * cast through void * is POSIX's own idiom for dlsym.) */
static bool resolve(void *lib, const char *name, void *slot, struct r53_error *err)
{
    void *sym = dlsym(lib, name);

    if (sym == NULL) {
        r53_fail(err, R53_ERR_NOT_INSTALLED, "%s", dlerror());
        return false;
    }
    memcpy(slot, &sym, sizeof(sym));
    return true;
}

/* Open libcurl and fill api; the library is never closed (libcurl and
 * its TLS library keep process-wide state). */
static bool load_api(struct curl_api *api, struct r53_error *err)
{
    void *lib = dlopen(HTTP_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        r53_fail(err, R53_ERR_NOT_INSTALLED, "%s", dlerror());
        return false;
    }
    return resolve(lib, "curl_global_init", &api->global_init, err) &&
           resolve(lib, "curl_global_cleanup", &api->global_cleanup, err) &&
           resolve(lib, "curl_easy_init", &api->easy_init, err) &&
           resolve(lib, "curl_easy_cleanup", &api->easy_cleanup, err) &&
           resolve(lib, "curl_easy_reset", &api->easy_reset, err) &&
           resolve(lib, "curl_easy_setopt", &api->easy_setopt, err) &&
           resolve(lib, "curl_easy_perform", &api->easy_perform, err) &&
           resolve(lib, "curl_easy_getinfo", &api->easy_getinfo, err) &&
           resolve(lib, "curl_easy_strerror", &api->easy_strerror, err) &&
           resolve(lib, "curl_getdate", &api->getdate, err) &&
           resolve(lib, "curl_slist_append", &api->slist_append, err) &&
           resolve(lib, "curl_slist_free_all", &api->slist_free_all, err);
}

/* The table, loaded by the first call of the process and kept (a
 * function-local static: src/ has no file-scope state).  A failure is
 * not kept, so each request says why again. */
static r53_rc curl_api(const struct curl_api **out, struct r53_error *err)
{
    static struct curl_api api;
    static bool loaded;
    struct r53_error why = { 0 };

    if (!loaded) {
        struct curl_api fresh = { 0 };

        if (!load_api(&fresh, &why)) {
            return r53_fail(err, R53_ERR_NOT_INSTALLED,
                            "libcurl cannot be loaded (%s); install libcurl4 (Debian, Ubuntu) "
                            "or libcurl (RHEL, SUSE)",
                            why.reason);
        }
        api = fresh;
        loaded = true;
    }
    *out = &api;
    return R53_OK;
}

struct body_buffer {
    char *data;
    size_t len;
    bool too_big;
    size_t header_bytes;
    bool headers_too_big;
    int64_t date; /* the Date header, Unix seconds; 0: none */
    const struct curl_api *api;
};

static void *curl_client_open(const struct http_options *opts, void *arg)
{
    struct curl_client *c = NULL;

    (void)arg;
    c = calloc(1, sizeof(*c));
    if (c != NULL) {
        c->opts = *opts;
    }
    return c;
}

/* The easy handle, made at the client's first request. */
static r53_rc curl_client_start(struct curl_client *c, struct r53_error *err)
{
    r53_rc rc = R53_OK;

    if (c->curl != NULL) {
        return R53_OK;
    }
    if ((rc = curl_api(&c->api, err)) != R53_OK) {
        return rc;
    }
    /* libcurl counts its global inits: each started client holds one,
     * released by curl_client_close, so no flag of ours need remember it. */
    if (c->api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return r53_fail(err, R53_ERR_NOMEM, "libcurl cannot initialise (out of memory?)");
    }
    c->curl = c->api->easy_init();
    if (c->curl == NULL) {
        c->api->global_cleanup();
        return r53_fail(err, R53_ERR_NOMEM, "out of memory making a libcurl handle");
    }
    return R53_OK;
}

static void curl_client_close(void *state)
{
    struct curl_client *c = state;

    if (c->curl != NULL) {
        c->api->easy_cleanup(c->curl);
        c->api->global_cleanup();
    }
    free(c);
}

/* Append a chunk, refusing to grow past HTTP_MAX_BODY: returning a short
 * count makes libcurl abort the transfer. */
static size_t collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body_buffer *buf = userdata;
    size_t n = size * nmemb;
    char *grown = NULL;

    if (buf->len + n > HTTP_MAX_BODY) {
        buf->too_big = true;
        return 0;
    }
    grown = realloc(buf->data, buf->len + n + 1);
    if (grown == NULL) {
        return 0;
    }
    buf->data = grown;
    memcpy(buf->data + buf->len, ptr, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return n;
}

/* The Date header (the service's clock, which a signer whose clock is
 * off corrects itself by), read with libcurl's own date parser. */
static void keep_date(struct body_buffer *buf, const char *line, size_t n)
{
    char value[64];
    time_t t = 0;

    if (n <= 5 || strncasecmp(line, "date:", 5) != 0 || n - 5 >= sizeof(value)) {
        return;
    }
    memcpy(value, line + 5, n - 5);
    value[n - 5] = '\0';
    t = buf->api->getdate(value, NULL);
    buf->date = t > 0 ? (int64_t)t : 0;
}

/* Count header bytes: a Route 53 answer has well under a kilobyte of
 * them, so a flood is refused early rather than at libcurl's 300 KB. */
/* NOLINTNEXTLINE(readability-non-const-parameter): libcurl's callback type. */
static size_t count_headers(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body_buffer *buf = userdata;
    size_t n = size * nmemb;

    buf->header_bytes += n;
    if (buf->header_bytes > HTTP_MAX_HEADERS) {
        buf->headers_too_big = true;
        return 0;
    }
    keep_date(buf, ptr, n);
    return n;
}

static r53_rc curl_failure(const struct curl_client *c, CURLcode code, const char *errbuf,
                           const char *url, const struct body_buffer *buf, struct r53_error *err)
{
    char where[256];
    const char *detail = errbuf[0] != '\0' ? errbuf : c->api->easy_strerror(code);

    http_url_for_message(url, where, sizeof(where));
    if (buf->too_big) {
        return r53_fail(err, R53_ERR_HTTP, "answer from %s is larger than %d bytes; refused", where,
                        HTTP_MAX_BODY);
    }
    /* libcurl reports a single header line over its 100 KB limit as
     * "Out of memory": after a status line, that is what it means. */
    if (buf->headers_too_big ||
        (code == CURLE_OUT_OF_MEMORY && buf->header_bytes > 0 && buf->len == 0)) {
        return r53_fail(err, R53_ERR_HTTP,
                        "answer from %s has oversize headers (over %d bytes); refused", where,
                        buf->headers_too_big ? HTTP_MAX_HEADERS : 100 * 1024);
    }
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        if (c->opts.deadline_ms > 0 && util_now_ms() >= c->opts.deadline_ms) {
            return r53_fail(err, R53_ERR_TIMEOUT, "%s did not answer before the action's timeout",
                            where);
        }
        return r53_fail(err, R53_ERR_NETWORK, "%s did not answer in time (%s)", where, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return r53_fail(err, R53_ERR_TLS,
                        "TLS certificate of %s not trusted (%s); check the endpoint "
                        "or set ca_bundle",
                        where, detail);
    case CURLE_UNSUPPORTED_PROTOCOL:
        return r53_fail(err, R53_ERR_NETWORK, "%s: protocol not allowed (%s)", where, detail);
    default:
        return r53_fail(err, R53_ERR_NETWORK, "cannot reach %s: %s", where, detail);
    }
}

/* The request's headers for libcurl, or NULL when out of memory. */
static struct curl_slist *request_headers(const struct curl_api *api,
                                          const struct http_request *req)
{
    struct curl_slist *headers = NULL;
    char line[2048] = { 0 };

    /* Expect: 100-continue would cost a round trip on every POST, and
     * libcurl's default form Content-Type is wrong for XML bodies (the
     * AWS CLI sends none). */
    headers = api->slist_append(headers, "Expect:");
    if (headers != NULL) {
        headers = api->slist_append(headers, "Content-Type:");
    }
    for (size_t i = 0; i < req->n_headers && headers != NULL; i++) {
        snprintf(line, sizeof(line), "%s: %s", req->headers[i].name, req->headers[i].value);
        headers = api->slist_append(headers, line);
    }
    /* The line may have held a signature or session token. */
    mbedtls_platform_zeroize(line, sizeof(line));
    return headers;
}

/* The method and body: POST and PUT send the body, anything else is a
 * GET. */
static void set_method(const struct curl_api *api, CURL *curl, const struct http_request *req)
{
    if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
        api->easy_setopt(curl, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        api->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(req->method, "PUT") == 0) {
            api->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
        }
    } else {
        api->easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
}

/* Every option of one transfer, from a reset handle: the answer goes to
 * buf, libcurl's message to errbuf, and it ends within timeout ms. */
static void set_transfer(const struct curl_client *c, const struct http_request *req,
                         struct curl_slist *headers, long timeout, char *errbuf,
                         struct body_buffer *buf)
{
    const struct curl_api *api = c->api;
    CURL *curl = c->curl;

    api->easy_reset(curl);
    api->easy_setopt(curl, CURLOPT_URL, req->url);
    api->easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    api->easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    api->easy_setopt(curl, CURLOPT_WRITEDATA, buf);
    api->easy_setopt(curl, CURLOPT_HEADERFUNCTION, count_headers);
    api->easy_setopt(curl, CURLOPT_HEADERDATA, buf);
    api->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    api->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    api->easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    api->easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    api->easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (c->opts.ca_bundle != NULL) {
        api->easy_setopt(curl, CURLOPT_CAINFO, c->opts.ca_bundle);
    }
    /* An explicit proxy, or none at all: the cluster's environment
     * (http_proxy, ...) must not silently reroute the agent. */
    api->easy_setopt(curl, CURLOPT_PROXY, c->opts.proxy != NULL ? c->opts.proxy : "");
    if (c->opts.connect_timeout_ms > 0) {
        api->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         c->opts.connect_timeout_ms < timeout ? c->opts.connect_timeout_ms
                                                              : timeout);
    }
    if (timeout > 0) {
        api->easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
    }
    set_method(api, curl, req);
}

static r53_rc curl_client_perform(void *state, const struct http_request *req,
                                  struct http_response *resp, struct r53_error *err)
{
    struct curl_client *c = state;
    r53_rc rc = R53_OK;
    struct curl_slist *headers = NULL;
    struct body_buffer buf = { 0 };
    char errbuf[CURL_ERROR_SIZE] = "";
    long timeout = http_time_left_ms(&c->opts);
    CURLcode code = CURLE_OK;

    if (timeout == 0) {
        char where[256];

        http_url_for_message(req->url, where, sizeof(where));
        return r53_fail(err, R53_ERR_TIMEOUT, "no time left in the action's timeout to call %s",
                        where);
    }
    if ((rc = curl_client_start(c, err)) != R53_OK) {
        return rc;
    }
    buf.api = c->api;
    headers = request_headers(c->api, req);
    if (headers == NULL) {
        rc = r53_fail(err, R53_ERR_NOMEM, "out of memory building request headers");
        goto cleanup;
    }
    set_transfer(c, req, headers, timeout, errbuf, &buf);
    code = c->api->easy_perform(c->curl);
    if (code != CURLE_OK) {
        rc = curl_failure(c, code, errbuf, req->url, &buf, err);
        goto cleanup;
    }
    c->api->easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (buf.data == NULL) {
        buf.data = calloc(1, 1);
        if (buf.data == NULL) {
            rc = r53_fail(err, R53_ERR_NOMEM, "out of memory reading the answer");
            goto cleanup;
        }
    }
    resp->body = buf.data;
    resp->body_len = buf.len;
    resp->date = buf.date;
    buf.data = NULL;
    qb_log(LOG_DEBUG, "%s %.*s -> HTTP %ld, %zu bytes", req->method, (int)strcspn(req->url, "?"),
           req->url, resp->status, resp->body_len);

cleanup:
    /* Headers may carry a signature or session token. */
    for (struct curl_slist *h = headers; h != NULL; h = h->next) {
        mbedtls_platform_zeroize(h->data, strlen(h->data));
    }
    if (headers != NULL) {
        c->api->slist_free_all(headers);
    }
    free(buf.data);
    return rc;
}

const struct http_ops *http_curl_ops(void)
{
    static const struct http_ops ops = {
        .open = curl_client_open,
        .perform = curl_client_perform,
        .close = curl_client_close,
    };

    return &ops;
}
