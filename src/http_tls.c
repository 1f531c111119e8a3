#include "http_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <qb/qblog.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The system's CA bundle when ca_bundle is not given: Debian's and
 * Ubuntu's (libcurl's default there), RHEL's, SUSE's. */
static const char *const system_ca_files[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
};

/* Longest header line read; a longer one is refused as oversize. */
#define HTTP_MAX_LINE 8192
/* Bounds on loops that wait for the network: each turn waits, so these
 * are never reached before the deadline is. */
#define MAX_IO_TURNS 100000

struct url_parts {
    bool https;
    char host[256];      /* for the resolver and the certificate: no brackets */
    char port[6];        /* "443" when the URL has none */
    char authority[264]; /* as the URL writes it: the Host header */
    const char *target;  /* path and query; "" for "/" */
};

/* One client: its options, the kept connection and the TLS set-up,
 * made at the first https request. */
struct tls_client {
    struct http_options opts;
    int fd;             /* the kept connection; -1: none */
    char conn_for[272]; /* "https://authority" it was made for */
    bool conn_tls;      /* ssl holds the connection's session */
    mbedtls_ssl_context ssl;
    bool tls_ready; /* entropy, drbg, ca and conf are set up */
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
};

/* Why an exchange failed, before it is worded for a URL. */
struct io_fault {
    bool timed_out;
    bool tls_untrusted;
    bool too_big;     /* the body: over HTTP_MAX_BODY */
    bool headers_big; /* over HTTP_MAX_HEADERS, or a line over HTTP_MAX_LINE */
    char detail[160];
};

/* ---- URLs ------------------------------------------------------------ */

static bool copy_part(char *out, size_t outlen, const char *from, size_t n)
{
    if (n == 0 || n >= outlen) {
        return false;
    }
    memcpy(out, from, n);
    out[n] = '\0';
    return true;
}

/* scheme://host[:port][/path][?query], host a name, an IPv4 address or
 * [IPv6].  False for anything else. */
static bool parse_url(const char *url, struct url_parts *u)
{
    const char *p = NULL;
    const char *auth_end = NULL;
    const char *host_end = NULL;
    const char *port = NULL;

    memset(u, 0, sizeof(*u));
    if (strncmp(url, "https://", 8) == 0) {
        u->https = true;
        p = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else {
        return false;
    }
    auth_end = p + strcspn(p, "/?#");
    if (!copy_part(u->authority, sizeof(u->authority), p, (size_t)(auth_end - p))) {
        return false;
    }
    if (*p == '[') {
        host_end = memchr(p, ']', (size_t)(auth_end - p));
        if (host_end == NULL ||
            !copy_part(u->host, sizeof(u->host), p + 1, (size_t)(host_end - p - 1))) {
            return false;
        }
        port = host_end + 1;
    } else {
        host_end = memchr(p, ':', (size_t)(auth_end - p));
        port = host_end != NULL ? host_end : auth_end;
        if (!copy_part(u->host, sizeof(u->host), p, (size_t)(port - p))) {
            return false;
        }
    }
    if (port == auth_end) {
        snprintf(u->port, sizeof(u->port), "%s", u->https ? "443" : "80");
    } else if (*port != ':' ||
               !copy_part(u->port, sizeof(u->port), port + 1, (size_t)(auth_end - port - 1)) ||
               strspn(u->port, "0123456789") != strlen(u->port)) {
        return false;
    }
    u->target = auth_end;
    return *auth_end != '#';
}

/* ---- waiting on a socket ------------------------------------------- */

/* 1 when fd is ready for events, 0 when end (monotonic ms) passed first,
 * -1 on a poll error (errno). */
static int wait_fd(int fd, short events, int64_t end)
{
    for (int turn = 0; turn < MAX_IO_TURNS; turn++) {
        int64_t left = end - util_now_ms();
        struct pollfd pfd = { .fd = fd, .events = events };
        int n = 0;

        if (left <= 0) {
            return 0;
        }
        n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0) {
            return 1;
        }
        if (n == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
    return 0;
}

static void fault_set(struct io_fault *f, const char *detail)
{
    snprintf(f->detail, sizeof(f->detail), "%s", detail);
}

static void fault_timeout(struct io_fault *f, const char *what)
{
    f->timed_out = true;
    fault_set(f, what);
}

/* ---- connecting -------------------------------------------------------- */

/* The host's addresses, asked of glibc's resolver in its own thread
 * (getaddrinfo_a), so a resolver that does not answer cannot hold the
 * request past end.  NULL with f set on failure. */
static struct addrinfo *resolve(const struct url_parts *u, int64_t end, struct io_fault *f)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
    struct addrinfo *found = NULL;
    struct gaicb *req = NULL;
    int rc = 0;

    if (getaddrinfo(u->host, u->port, &hints, &found) == 0) {
        return found; /* an address: no resolver needed */
    }
    /* On the heap, hints after it: when the lookup cannot be cancelled,
     * its thread still writes here, and the block is left to it. */
    req = calloc(1, sizeof(*req) + sizeof(hints));
    if (req == NULL) {
        fault_set(f, "out of memory resolving the host");
        return NULL;
    }
    hints.ai_flags = 0;
    memcpy(req + 1, &hints, sizeof(hints));
    *req = (struct gaicb){ .ar_name = u->host,
                           .ar_service = u->port,
                           .ar_request = (struct addrinfo *)(req + 1) };
    rc = getaddrinfo_a(GAI_NOWAIT, &req, 1, NULL);
    for (int turn = 0; rc == 0 && turn < MAX_IO_TURNS; turn++) {
        int64_t left = end - util_now_ms();
        struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };

        if (left <= 0 || gai_suspend((const struct gaicb *const *)&req, 1, &ts) != EAI_INTR) {
            break;
        }
    }
    rc = rc != 0 ? rc : gai_error(req);
    if (rc == EAI_INPROGRESS && gai_cancel(req) != EAI_ALLDONE) {
        fault_timeout(f, "the host name did not resolve in time");
        return NULL; /* req stays the resolver thread's */
    }
    rc = rc == EAI_INPROGRESS ? gai_error(req) : rc;
    if (rc != 0) {
        snprintf(f->detail, sizeof(f->detail), "cannot resolve %s: %s", u->host, gai_strerror(rc));
    }
    found = rc == 0 ? req->ar_result : NULL;
    free(req);
    return found;
}

/* A connected non-blocking socket to one of addrs, or -1 with f set. */
static int connect_any(const struct addrinfo *addrs, int64_t end, struct io_fault *f)
{
    for (const struct addrinfo *ai = addrs; ai != NULL; ai = ai->ai_next) {
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        int one = 1;
        int soerr = 0;
        socklen_t len = sizeof(soerr);

        if (fd < 0) {
            snprintf(f->detail, sizeof(f->detail), "socket: %s", strerror(errno));
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            soerr = errno;
        } else {
            int ready = wait_fd(fd, POLLOUT, end);

            if (ready == 0) {
                soerr = ETIMEDOUT;
            } else if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) {
                soerr = errno;
            }
        }
        if (soerr == 0) {
            /* A request goes out in one write: no need to wait for acks. */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            return fd;
        }
        close(fd);
        if (soerr == ETIMEDOUT) {
            fault_timeout(f, "no connection in time");
        } else {
            f->timed_out = false;
            snprintf(f->detail, sizeof(f->detail), "%s", strerror(soerr));
        }
    }
    return -1;
}

/* ---- TLS ---------------------------------------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(const int *)ctx, buf, len, MSG_NOSIGNAL);

    if (n >= 0) {
        return (int)n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                 : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(const int *)ctx, buf, len, 0);

    if (n >= 0) {
        return (int)n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The CA chain: ca_bundle, or the first system bundle that parses. */
static bool load_cas(struct tls_client *c, struct io_fault *f)
{
    if (c->opts.ca_bundle != NULL) {
        /* > 0: some certificates did not parse; the rest are used, as
         * OpenSSL does with a bundle. */
        if (mbedtls_x509_crt_parse_file(&c->ca, c->opts.ca_bundle) >= 0 && c->ca.version != 0) {
            return true;
        }
        f->tls_untrusted = true;
        snprintf(f->detail, sizeof(f->detail), "ca_bundle %s holds no readable certificate",
                 c->opts.ca_bundle);
        return false;
    }
    for (size_t i = 0; i < sizeof(system_ca_files) / sizeof(system_ca_files[0]); i++) {
        if (mbedtls_x509_crt_parse_file(&c->ca, system_ca_files[i]) >= 0 && c->ca.version != 0) {
            return true;
        }
    }
    f->tls_untrusted = true;
    fault_set(f, "no system CA bundle found");
    return false;
}

static void tls_teardown(struct tls_client *c)
{
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_ctr_drbg_free(&c->drbg);
    mbedtls_entropy_free(&c->entropy);
    c->tls_ready = false;
}

/* The client's TLS configuration, once: TLS 1.2 or later, the peer
 * always verified.  A failure leaves nothing set up (the next request
 * tries again). */
static bool tls_setup(struct tls_client *c, struct io_fault *f)
{
    static const unsigned char personal[] = "route53 ocf agent";

    if (c->tls_ready) {
        return true;
    }
    mbedtls_entropy_init(&c->entropy);
    mbedtls_ctr_drbg_init(&c->drbg);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_ssl_config_init(&c->conf);
    c->tls_ready = true;
    if (mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, personal,
                              sizeof(personal) - 1) != 0) {
        fault_set(f, "no entropy for TLS");
    } else if (load_cas(c, f)) {
        if (mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT) == 0) {
            mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                         MBEDTLS_SSL_MINOR_VERSION_3);
            mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
            mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
            mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
            return true;
        }
        fault_set(f, "cannot configure TLS");
    }
    tls_teardown(c);
    return false;
}

/* Whether the certificate names the address ip among its IP addresses
 * (mbedTLS 2.28 checks DNS names only). */
static bool cert_has_ip(const mbedtls_x509_crt *crt, const char *ip)
{
    unsigned char want[16];
    size_t want_len = 0;

    if (inet_pton(AF_INET, ip, want) == 1) {
        want_len = 4;
    } else if (inet_pton(AF_INET6, ip, want) == 1) {
        want_len = 16;
    } else {
        return false;
    }
    for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san != NULL; san = san->next) {
        if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == want_len &&
            memcmp(san->buf.p, want, want_len) == 0) {
            return true;
        }
    }
    return false;
}

static void tls_fault(int ret, const mbedtls_ssl_context *ssl, struct io_fault *f)
{
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        char info[128] = "";

        f->tls_untrusted = true;
        mbedtls_x509_crt_verify_info(info, sizeof(info), "", mbedtls_ssl_get_verify_result(ssl));
        info[strcspn(info, "\n")] = '\0';
        snprintf(f->detail, sizeof(f->detail), "%s", info[0] != '\0' ? info : "not verified");
    } else {
        snprintf(f->detail, sizeof(f->detail), "TLS handshake failed (mbedTLS -0x%04x)",
                 (unsigned)-ret);
    }
}

/* The TLS session over c->fd with u's host, verified, before end. */
static bool tls_handshake(struct tls_client *c, const struct url_parts *u, int64_t end,
                          struct io_fault *f)
{
    struct in6_addr addr;
    bool literal =
        inet_pton(AF_INET, u->host, &addr) == 1 || inet_pton(AF_INET6, u->host, &addr) == 1;
    int ret = 0;

    mbedtls_ssl_init(&c->ssl);
    c->conn_tls = true;
    /* A name goes in SNI and is checked by mbedTLS; an address is neither
     * (RFC 6066) and is checked below. */
    if (mbedtls_ssl_setup(&c->ssl, &c->conf) != 0 ||
        (!literal && mbedtls_ssl_set_hostname(&c->ssl, u->host) != 0)) {
        fault_set(f, "out of memory setting up TLS");
        return false;
    }
    mbedtls_ssl_set_bio(&c->ssl, &c->fd, bio_send, bio_recv, NULL);
    for (int turn = 0; turn < MAX_IO_TURNS; turn++) {
        int ready = 1;

        ret = mbedtls_ssl_handshake(&c->ssl);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            ready = wait_fd(c->fd, ret == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, end);
        }
        if (ready <= 0) {
            fault_timeout(f, "no TLS handshake in time");
            return false;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            break;
        }
    }
    if (ret != 0) {
        tls_fault(ret, &c->ssl, f);
        return false;
    }
    if (literal && (mbedtls_ssl_get_peer_cert(&c->ssl) == NULL ||
                    !cert_has_ip(mbedtls_ssl_get_peer_cert(&c->ssl), u->host))) {
        f->tls_untrusted = true;
        snprintf(f->detail, sizeof(f->detail), "the certificate does not name %s", u->host);
        return false;
    }
    return true;
}

/* ---- the connection ------------------------------------------------------ */

static void conn_close(struct tls_client *c)
{
    if (c->conn_tls) {
        mbedtls_ssl_free(&c->ssl); /* wipes its buffers */
        c->conn_tls = false;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->conn_for[0] = '\0';
}

/* A connection for u: the kept one when it was made for the same place,
 * else a new one.  *reused says which. */
static bool conn_open(struct tls_client *c, const struct url_parts *u, int64_t end, bool *reused,
                      struct io_fault *f)
{
    char key[sizeof(c->conn_for)];
    struct addrinfo *addrs = NULL;
    int64_t connect_end = end;

    snprintf(key, sizeof(key), "%s://%s", u->https ? "https" : "http", u->authority);
    *reused = c->fd >= 0 && strcmp(key, c->conn_for) == 0;
    if (*reused) {
        return true;
    }
    conn_close(c);
    if (u->https && !tls_setup(c, f)) {
        return false;
    }
    if (c->opts.connect_timeout_ms > 0 && util_now_ms() + c->opts.connect_timeout_ms < end) {
        connect_end = util_now_ms() + c->opts.connect_timeout_ms;
    }
    addrs = resolve(u, connect_end, f);
    if (addrs == NULL) {
        return false;
    }
    c->fd = connect_any(addrs, connect_end, f);
    freeaddrinfo(addrs);
    if (c->fd < 0 || (u->https && !tls_handshake(c, u, end, f))) {
        conn_close(c);
        return false;
    }
    snprintf(c->conn_for, sizeof(c->conn_for), "%s", key);
    return true;
}

/* Write all of buf before end. */
static bool conn_write(struct tls_client *c, const char *buf, size_t len, int64_t end,
                       struct io_fault *f)
{
    size_t done = 0;

    for (int turn = 0; done < len && turn < MAX_IO_TURNS; turn++) {
        int n = 0;
        short want = POLLOUT;

        if (c->conn_tls) {
            n = mbedtls_ssl_write(&c->ssl, (const unsigned char *)buf + done, len - done);
            want = n == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT;
        } else {
            ssize_t w = send(c->fd, buf + done, len - done, MSG_NOSIGNAL);

            n = w >= 0                                ? (int)w
                : (errno == EAGAIN || errno == EINTR) ? MBEDTLS_ERR_SSL_WANT_WRITE
                                                      : MBEDTLS_ERR_NET_SEND_FAILED;
        }
        if (n > 0) {
            done += (size_t)n;
        } else if (n != MBEDTLS_ERR_SSL_WANT_READ && n != MBEDTLS_ERR_SSL_WANT_WRITE) {
            fault_set(f, "the connection closed while sending");
            return false;
        } else if (wait_fd(c->fd, want, end) <= 0) {
            fault_timeout(f, "the request could not be sent in time");
            return false;
        }
    }
    return done == len;
}

/* Read some bytes before end: their count, 0 at the end of the
 * connection, -1 with f set on failure. */
static ssize_t conn_read(struct tls_client *c, char *buf, size_t len, int64_t end,
                         struct io_fault *f)
{
    for (int turn = 0; turn < MAX_IO_TURNS; turn++) {
        int n = 0;

        if (c->conn_tls) {
            n = mbedtls_ssl_read(&c->ssl, (unsigned char *)buf, len);
        } else {
            ssize_t r = recv(c->fd, buf, len, 0);

            n = r >= 0                                ? (int)r
                : (errno == EAGAIN || errno == EINTR) ? MBEDTLS_ERR_SSL_WANT_READ
                                                      : MBEDTLS_ERR_NET_RECV_FAILED;
        }
        if (n >= 0) {
            return n;
        }
        if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == MBEDTLS_ERR_SSL_CONN_EOF) {
            return 0;
        }
        if (n != MBEDTLS_ERR_SSL_WANT_READ && n != MBEDTLS_ERR_SSL_WANT_WRITE) {
            fault_set(f, n == MBEDTLS_ERR_NET_CONN_RESET ? "connection reset by peer"
                                                         : "the connection failed");
            return -1;
        }
        if (wait_fd(c->fd, n == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, end) <= 0) {
            fault_timeout(f, "no answer in time");
            return -1;
        }
    }
    fault_timeout(f, "no answer in time");
    return -1;
}

/* ---- reading the answer --------------------------------------------------- */

/* Buffered reading of one answer. */
struct reader {
    struct tls_client *c;
    int64_t end;
    struct io_fault *f;
    size_t got;   /* bytes read in all: 0 means the server sent nothing */
    size_t start; /* unread bytes: data[start, start + len) */
    size_t len;
    char data[16384];
};

/* At least one unread byte: 1, 0 at the end of the connection, -1 on
 * failure. */
static int rd_fill(struct reader *r)
{
    ssize_t n = 0;

    if (r->len > 0) {
        return 1;
    }
    r->start = 0;
    n = conn_read(r->c, r->data, sizeof(r->data), r->end, r->f);
    if (n > 0) {
        r->len = (size_t)n;
        r->got += (size_t)n;
    }
    return n > 0 ? 1 : (int)n;
}

/* One line, without its CRLF (or bare LF), into line; false at the end of
 * the connection, on failure or when longer than max - 1 (headers_big). */
static bool rd_line(struct reader *r, char *line, size_t max, size_t *total)
{
    size_t n = 0;

    for (;;) {
        int more = rd_fill(r);
        char ch = 0;

        if (more <= 0) {
            if (more == 0) {
                fault_set(r->f, "the connection closed mid-answer");
            }
            return false;
        }
        ch = r->data[r->start++];
        r->len--;
        if (++*total > HTTP_MAX_HEADERS || n + 1 >= max) {
            r->f->headers_big = true;
            return false;
        }
        if (ch == '\n') {
            break;
        }
        line[n++] = ch;
    }
    if (n > 0 && line[n - 1] == '\r') {
        n--;
    }
    line[n] = '\0';
    return true;
}

/* Exactly n bytes into out; false (f set) when the connection ends
 * first. */
static bool rd_bytes(struct reader *r, char *out, size_t n)
{
    while (n > 0) {
        int more = rd_fill(r);
        size_t take = r->len < n ? r->len : n;

        if (more <= 0) {
            if (more == 0) {
                fault_set(r->f, "the connection closed mid-answer");
            }
            return false;
        }
        memcpy(out, r->data + r->start, take);
        r->start += take;
        r->len -= take;
        out += take;
        n -= take;
    }
    return true;
}

/* What the header lines said about the body and the connection. */
struct answer_head {
    long status;
    long long content_length; /* -1: none */
    bool chunked;
    bool close;
    int64_t date;
};

/* n decimal digits at *p followed by the character after, both
 * consumed: their value, or -1 (nothing consumed). */
static int take_digits(const char **p, int n, char after)
{
    int value = 0;

    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];

        if (ch < '0' || ch > '9') {
            return -1;
        }
        value = value * 10 + (ch - '0');
    }
    if ((*p)[n] != after) {
        return -1;
    }
    *p += n + 1;
    return value;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate, what AWS
 * sends) in Unix seconds; 0 when unreadable.  Not strptime: month names
 * must not follow the locale. */
static int64_t parse_http_date(const char *value)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *p = strchr(value, ',');
    const char *month = NULL;
    struct tm tm = { 0 };
    time_t t = 0;

    if (p == NULL || p[1] != ' ') {
        return 0;
    }
    p += 2;
    tm.tm_mday = take_digits(&p, 2, ' ');
    month = p;
    p += strnlen(p, 4) == 4 && p[3] == ' ' ? 4 : 0;
    tm.tm_year = take_digits(&p, 4, ' ') - 1900;
    tm.tm_hour = take_digits(&p, 2, ':');
    tm.tm_min = take_digits(&p, 2, ':');
    tm.tm_sec = take_digits(&p, 2, ' ');
    for (int m = 0; m < 12; m++) {
        if (strncmp(month, months + 3 * m, 3) == 0 && month[3] == ' ') {
            tm.tm_mon = m + 1;
        }
    }
    if (tm.tm_mday < 1 || tm.tm_mon == 0 || tm.tm_year < 70 || tm.tm_hour < 0 || tm.tm_min < 0 ||
        tm.tm_sec < 0 || strcmp(p, "GMT") != 0) {
        return 0;
    }
    tm.tm_mon -= 1;
    t = timegm(&tm);
    return t > 0 ? (int64_t)t : 0;
}

/* "HTTP/1.x NNN ..." into head: false when line is not a status line. */
static bool read_status_line(const char *line, struct answer_head *head)
{
    const char *p = line + 9;
    int status = 0;

    if (strnlen(line, 12) < 12 || strncmp(line, "HTTP/1.", 7) != 0 ||
        (line[7] != '0' && line[7] != '1') || line[8] != ' ') {
        return false;
    }
    status = take_digits(&p, 3, line[12] == '\0' ? '\0' : ' ');
    if (status < 100) {
        return false;
    }
    head->status = status;
    head->close = line[7] == '0'; /* HTTP/1.0 closes unless told */
    return true;
}

/* One header line into head. */
static void read_header(const char *line, struct answer_head *head)
{
    const char *colon = strchr(line, ':');
    const char *value = NULL;
    size_t name_len = 0;

    if (colon == NULL) {
        return;
    }
    name_len = (size_t)(colon - line);
    value = colon + 1 + strspn(colon + 1, " \t");
    if (name_len == 14 && strncasecmp(line, "content-length", 14) == 0) {
        char *stop = NULL;
        long long n = strtoll(value, &stop, 10);

        head->content_length = stop != value && n >= 0 ? n : -2;
    } else if (name_len == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
        head->chunked = strcasestr(value, "chunked") != NULL;
    } else if (name_len == 10 && strncasecmp(line, "connection", 10) == 0) {
        head->close = strcasestr(value, "close") != NULL;
    } else if (name_len == 4 && strncasecmp(line, "date", 4) == 0) {
        head->date = parse_http_date(value);
    }
}

/* The status line and headers, skipping 1xx interim answers. */
static bool read_head(struct reader *r, struct answer_head *head)
{
    char line[HTTP_MAX_LINE] = "";
    size_t total = 0;

    for (int interim = 0; interim < 8; interim++) {
        *head = (struct answer_head){ .content_length = -1 };
        if (!rd_line(r, line, sizeof(line), &total)) {
            return false;
        }
        if (!read_status_line(line, head)) {
            fault_set(r->f, "the answer is not HTTP");
            return false;
        }
        for (;;) {
            if (!rd_line(r, line, sizeof(line), &total)) {
                return false;
            }
            if (line[0] == '\0') {
                break;
            }
            read_header(line, head);
        }
        if (head->status >= 200 && head->content_length == -2) {
            fault_set(r->f, "the answer's Content-Length is unreadable");
            return false;
        }
        if (head->status >= 200) {
            return true;
        }
    }
    fault_set(r->f, "too many interim answers");
    return false;
}

/* Grow body to hold n more bytes (and a NUL), within HTTP_MAX_BODY.  Not
 * realloc: an answer may hold credentials (STS, the instance metadata),
 * and the old block is wiped before it is freed. */
static bool body_room(struct http_response *resp, size_t n, struct io_fault *f)
{
    char *grown = NULL;

    if (n > HTTP_MAX_BODY || resp->body_len + n > HTTP_MAX_BODY) {
        f->too_big = true;
        return false;
    }
    grown = malloc(resp->body_len + n + 1);
    if (grown == NULL) {
        fault_set(f, "out of memory reading the answer");
        return false;
    }
    if (resp->body != NULL) {
        memcpy(grown, resp->body, resp->body_len);
        mbedtls_platform_zeroize(resp->body, resp->body_len);
        free(resp->body);
    }
    resp->body = grown;
    return true;
}

static bool read_sized(struct reader *r, size_t n, struct http_response *resp)
{
    if (!body_room(resp, n, r->f) || !rd_bytes(r, resp->body + resp->body_len, n)) {
        return false;
    }
    resp->body_len += n;
    return true;
}

/* A chunked body: size lines, data, and the trailer's empty line. */
static bool read_chunked(struct reader *r, struct http_response *resp)
{
    char line[HTTP_MAX_LINE] = "";
    size_t total = 0;

    for (int chunk = 0; chunk < MAX_IO_TURNS; chunk++) {
        char *stop = NULL;
        unsigned long long n = 0;

        total = 0; /* lines of the body: each bounded, not their sum */
        if (!rd_line(r, line, sizeof(line), &total)) {
            return false;
        }
        n = strtoull(line, &stop, 16);
        if (stop == line) {
            fault_set(r->f, "the answer's chunks are unreadable");
            return false;
        }
        if (n == 0) {
            for (int trailer = 0; trailer < 64; trailer++) {
                if (!rd_line(r, line, sizeof(line), &total)) {
                    return false;
                }
                if (line[0] == '\0') {
                    return true;
                }
            }
            r->f->headers_big = true;
            return false;
        }
        total = 0;
        if (n > HTTP_MAX_BODY || !read_sized(r, (size_t)n, resp) ||
            !rd_line(r, line, sizeof(line), &total)) {
            r->f->too_big = r->f->too_big || n > HTTP_MAX_BODY;
            return false;
        }
    }
    return false;
}

/* A body that ends with the connection. */
static bool read_to_close(struct reader *r, struct http_response *resp)
{
    for (int turn = 0; turn < MAX_IO_TURNS; turn++) {
        int more = rd_fill(r);

        if (more <= 0) {
            return more == 0;
        }
        if (!body_room(resp, r->len, r->f)) {
            return false;
        }
        memcpy(resp->body + resp->body_len, r->data + r->start, r->len);
        resp->body_len += r->len;
        r->len = 0;
    }
    return false;
}

/* The answer into resp; *keep whether the connection can serve another
 * request. */
static bool read_answer(struct reader *r, struct http_response *resp, bool *keep)
{
    struct answer_head head;
    bool ok = false;

    *keep = false;
    if (!read_head(r, &head)) {
        return false;
    }
    resp->status = head.status;
    resp->date = head.date;
    if (head.status == 204 || head.status == 304) {
        ok = true;
    } else if (head.chunked) {
        ok = read_chunked(r, resp);
    } else if (head.content_length >= 0) {
        ok = (unsigned long long)head.content_length <= HTTP_MAX_BODY
                 ? read_sized(r, (size_t)head.content_length, resp)
                 : (r->f->too_big = true, false);
    } else {
        ok = read_to_close(r, resp);
        head.close = true;
    }
    if (ok && resp->body == NULL) {
        ok = body_room(resp, 0, r->f);
    }
    if (ok) {
        resp->body[resp->body_len] = '\0';
    }
    *keep = ok && !head.close && r->len == 0;
    return ok;
}

/* ---- the request -------------------------------------------------------- */

static bool has_header(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* The request's bytes (malloc'd; the caller wipes and frees them), or
 * NULL: out of memory, or a header with a line break (refused rather
 * than sent as two). */
static char *request_bytes(const struct http_request *req, const struct url_parts *u, size_t *len)
{
    bool body = strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0;
    size_t cap = strlen(req->method) + strlen(u->target) + strlen(u->authority) + 128 +
                 (body ? req->body_len : 0);
    char *out = NULL;
    size_t n = 0;

    for (size_t i = 0; i < req->n_headers; i++) {
        if (strpbrk(req->headers[i].name, "\r\n:") != NULL ||
            strpbrk(req->headers[i].value, "\r\n") != NULL) {
            return NULL;
        }
        cap += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 4;
    }
    out = malloc(cap);
    if (out == NULL) {
        return NULL;
    }
    n += (size_t)snprintf(out + n, cap - n, "%s %s%s HTTP/1.1\r\n", body ? req->method : "GET",
                          u->target[0] == '/' ? "" : "/", u->target);
    if (!has_header(req, "host")) {
        n += (size_t)snprintf(out + n, cap - n, "Host: %s\r\n", u->authority);
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        n += (size_t)snprintf(out + n, cap - n, "%s: %s\r\n", req->headers[i].name,
                              req->headers[i].value);
    }
    if (body) {
        n += (size_t)snprintf(out + n, cap - n, "Content-Length: %zu\r\n", req->body_len);
    }
    n += (size_t)snprintf(out + n, cap - n, "\r\n");
    if (body && req->body_len > 0) {
        memcpy(out + n, req->body, req->body_len);
        n += req->body_len;
    }
    *len = n;
    return out;
}

/* One exchange on a connection for u: send, then read the answer.
 * *retry is set when a kept connection turned out closed before the
 * server sent a byte (it timed out its idle connection): a fresh one may
 * try again. */
static bool exchange(struct tls_client *c, const struct url_parts *u, const char *bytes, size_t len,
                     int64_t end, struct http_response *resp, bool *retry, struct io_fault *f)
{
    struct reader *r = NULL;
    bool reused = false, keep = false, ok = false;

    *retry = false;
    if (!conn_open(c, u, end, &reused, f)) {
        return false;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        fault_set(f, "out of memory reading the answer");
        return false;
    }
    *r = (struct reader){ .c = c, .end = end, .f = f };
    ok = conn_write(c, bytes, len, end, f) && read_answer(r, resp, &keep);
    *retry = !ok && reused && r->got == 0 && !f->timed_out;
    if (!keep) {
        conn_close(c);
    }
    mbedtls_platform_zeroize(r, sizeof(*r));
    free(r);
    return ok;
}

/* ---- the client --------------------------------------------------------- */

static void *tls_client_open(const struct http_options *opts, void *arg)
{
    struct tls_client *c = calloc(1, sizeof(*c));

    (void)arg;
    if (c != NULL) {
        c->opts = *opts;
        c->fd = -1;
    }
    return c;
}

static void tls_client_close(void *state)
{
    struct tls_client *c = state;

    conn_close(c);
    if (c->tls_ready) {
        tls_teardown(c);
    }
    free(c);
}

static r53_rc tls_failure(const struct tls_client *c, const char *where, const struct io_fault *f,
                          struct r53_error *err)
{
    if (f->too_big) {
        return r53_fail(err, R53_ERR_HTTP, "answer from %s is larger than %d bytes; refused", where,
                        HTTP_MAX_BODY);
    }
    if (f->headers_big) {
        return r53_fail(err, R53_ERR_HTTP,
                        "answer from %s has oversize headers (over %d bytes); "
                        "refused",
                        where, HTTP_MAX_HEADERS);
    }
    if (f->tls_untrusted) {
        return r53_fail(err, R53_ERR_TLS,
                        "TLS certificate of %s not trusted (%s); check the endpoint "
                        "or set ca_bundle",
                        where, f->detail);
    }
    if (f->timed_out) {
        if (c->opts.deadline_ms > 0 && util_now_ms() >= c->opts.deadline_ms) {
            return r53_fail(err, R53_ERR_TIMEOUT, "%s did not answer before the action's timeout",
                            where);
        }
        return r53_fail(err, R53_ERR_NETWORK, "%s did not answer in time (%s)", where, f->detail);
    }
    return r53_fail(err, R53_ERR_NETWORK, "cannot reach %s: %s", where, f->detail);
}

static r53_rc tls_client_perform(void *state, const struct http_request *req,
                                 struct http_response *resp, struct r53_error *err)
{
    struct tls_client *c = state;
    struct url_parts u;
    struct io_fault f = { 0 };
    char where[256];
    char *bytes = NULL;
    size_t len = 0;
    long timeout = http_time_left_ms(&c->opts);
    int64_t end = util_now_ms() + timeout;
    bool ok = false, retry = false;

    http_url_for_message(req->url, where, sizeof(where));
    if (timeout == 0) {
        return r53_fail(err, R53_ERR_TIMEOUT, "no time left in the action's timeout to call %s",
                        where);
    }
    if (!parse_url(req->url, &u)) {
        return r53_fail(err, R53_ERR_NETWORK, "%s: not an http:// or https:// URL", where);
    }
    bytes = request_bytes(req, &u, &len);
    if (bytes == NULL) {
        return r53_fail(err, R53_ERR_HTTP,
                        "cannot build the request to %s (out of memory, or a header with a "
                        "line break)",
                        where);
    }
    for (int attempt = 0; attempt < 2 && !ok; attempt++) {
        http_response_free(resp);
        f = (struct io_fault){ 0 };
        ok = exchange(c, &u, bytes, len, end, resp, &retry, &f);
        if (!retry) {
            break;
        }
    }
    /* The request held a signature, maybe a session token. */
    mbedtls_platform_zeroize(bytes, len);
    free(bytes);
    if (!ok) {
        http_response_free(resp);
        return tls_failure(c, where, &f, err);
    }
    qb_log(LOG_DEBUG, "%s %.*s -> HTTP %ld, %zu bytes", req->method, (int)strcspn(req->url, "?"),
           req->url, resp->status, resp->body_len);
    return R53_OK;
}

const struct http_ops *http_tls_ops(void)
{
    static const struct http_ops ops = {
        .open = tls_client_open,
        .perform = tls_client_perform,
        .close = tls_client_close,
    };

    return &ops;
}
