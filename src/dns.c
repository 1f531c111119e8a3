#include "dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Below this a query is not worth sending: it could not get an answer. */
#define DNS_MIN_QUERY_MS 10
#define DNS_UDP_MAX 4096  /* the largest UDP answer read (EDNS is not asked) */
#define DNS_TCP_MAX 65535 /* the largest DNS message */

static bool is_ipv6(const char *addr)
{
    struct in6_addr a6;

    return inet_pton(AF_INET6, addr, &a6) == 1;
}

static bool is_address(const char *addr)
{
    struct in_addr a4;

    return inet_pton(AF_INET, addr, &a4) == 1 || is_ipv6(addr);
}

/* One item of a server list; item is len bytes, not NUL-ended. */
static r53_rc parse_one(const char *item, size_t len, struct dns_server *out, struct r53_error *err)
{
    char buf[80];
    char *port = NULL;
    char *addr = buf;
    long p = 53;

    if (len == 0 || len >= sizeof(buf)) {
        return r53_fail(err, R53_ERR_CONFIG, "dns_servers has an empty or over-long item");
    }
    memcpy(buf, item, len);
    buf[len] = '\0';
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');

        if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
            goto bad;
        }
        *close = '\0';
        addr = buf + 1;
        port = close[1] == ':' ? close + 2 : NULL;
    } else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':') != NULL) {
        port = strchr(buf, ':'); /* one colon: IPv4 with a port */
        *port++ = '\0';
    }
    if (port != NULL) {
        if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
            (p = strtol(port, NULL, 10)) < 1 || p > 65535) {
            goto bad;
        }
    }
    if (!is_address(addr) || (buf[0] == '[' && !is_ipv6(addr))) {
        goto bad;
    }
    snprintf(out->addr, sizeof(out->addr), "%s", addr);
    out->port = (unsigned)p;
    return R53_OK;

bad:
    return r53_fail(err, R53_ERR_CONFIG,
                    "dns_servers item '%.*s' is not ADDR, ADDR:PORT or [IPV6]:PORT with a literal "
                    "address",
                    (int)len, item);
}

r53_rc dns_parse_servers(const char *text, struct dns_server *out, size_t *n, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    const char *p = text;

    *n = 0;
    while (*p != '\0') {
        size_t len = 0;

        p += strspn(p, " \t");
        len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }
        if (*n == DNS_MAX_SERVERS) {
            return r53_fail(err, R53_ERR_CONFIG, "dns_servers lists more than %d servers",
                            DNS_MAX_SERVERS);
        }
        if ((rc = parse_one(p, len, &out[*n], err)) != R53_OK) {
            return rc;
        }
        (*n)++;
        p += strcspn(p, ",");
        if (*p == ',') {
            p++;
        }
    }
    if (*n == 0) {
        return r53_fail(err, R53_ERR_CONFIG, "dns_servers='%s' names no server", text);
    }
    return R53_OK;
}

const char *dns_server_str(const struct dns_server *s, char *buf, size_t len)
{
    snprintf(buf, len, is_ipv6(s->addr) ? "[%s]:%u" : "%s:%u", s->addr, s->port);
    return buf;
}

void dns_format_servers(const struct dns_server *s, size_t n, char *out, size_t outlen)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && used < outlen; i++) {
        char one[64];
        int w = snprintf(out + used, outlen - used, "%s%s", i > 0 ? "," : "",
                         dns_server_str(&s[i], one, sizeof(one)));

        if (w < 0 || (size_t)w >= outlen - used) {
            out[used] = '\0'; /* keep only whole items */
            return;
        }
        used += (size_t)w;
    }
}

/* An exchange with one server: the question out, the answer in. */
struct exchange {
    const struct dns_server *srv;
    const unsigned char *q;
    size_t q_len;
    unsigned char *a; /* DNS_TCP_MAX bytes */
    size_t a_len;
    int64_t deadline_ms;
    char detail[64]; /* why no answer came */
};

/* The question for (fqdn, type) with recursion desired, as id. */
static int make_question(const char *fqdn, int type, uint16_t id, unsigned char *q, size_t cap)
{
    int n = 0;

    memset(q, 0, HFIXEDSZ);
    NS_PUT16(id, q);
    *q++ = 0x01; /* RD */
    q++;
    NS_PUT16(1, q); /* one question */
    q += 6;
    n = dn_comp(fqdn, q, (int)cap - HFIXEDSZ - QFIXEDSZ, NULL, NULL);
    if (n < 0) {
        return -1;
    }
    q += n;
    NS_PUT16(type, q);
    NS_PUT16(ns_c_in, q);
    return HFIXEDSZ + n + QFIXEDSZ;
}

static socklen_t server_address(const struct dns_server *srv, struct sockaddr_storage *ss)
{
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

    memset(ss, 0, sizeof(*ss));
    if (is_ipv6(srv->addr)) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)srv->port);
        inet_pton(AF_INET6, srv->addr, &a6->sin6_addr);
        return sizeof(*a6);
    }
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)srv->port);
    inet_pton(AF_INET, srv->addr, &a4->sin_addr);
    return sizeof(*a4);
}

/* Wait for events on fd until the deadline: true when ready. */
static bool wait_for(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int64_t left = deadline_ms - util_now_ms();
        int n = 0;

        if (left <= 0) {
            return false;
        }
        n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0) {
            return true;
        }
        if (n < 0 && errno != EINTR) {
            return false;
        }
    }
}

/* A non-blocking socket connected to the server; -1 with x->detail. */
static int open_socket(struct exchange *x, int type)
{
    struct sockaddr_storage ss;
    socklen_t len = server_address(x->srv, &ss);
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int started = 0;
    int soerr = 0;
    socklen_t soerr_len = sizeof(soerr);

    if (fd < 0) {
        snprintf(x->detail, sizeof(x->detail), "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
        return fd;
    }
    started = errno;
    if (started != EINPROGRESS) {
        soerr = started;
    } else if (!wait_for(fd, POLLOUT, x->deadline_ms)) {
        soerr = ETIMEDOUT;
    } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) != 0) {
        soerr = errno;
    }
    if (soerr == 0) {
        return fd;
    }
    snprintf(x->detail, sizeof(x->detail), "%s", strerror(soerr));
    close(fd);
    return -1;
}

/* Whether a reads as the answer to x's question (same id, a response). */
static bool answers(const struct exchange *x, const unsigned char *a, size_t len)
{
    return len >= HFIXEDSZ && a[0] == x->q[0] && a[1] == x->q[1] && (a[2] & 0x80) != 0;
}

/* Over UDP: what else arrives (another id, a stray packet) is ignored. */
static bool exchange_udp(struct exchange *x)
{
    int fd = open_socket(x, SOCK_DGRAM);
    bool got = false;

    if (fd < 0) {
        return false;
    }
    if (send(fd, x->q, x->q_len, 0) != (ssize_t)x->q_len) {
        snprintf(x->detail, sizeof(x->detail), "send: %s", strerror(errno));
    } else {
        snprintf(x->detail, sizeof(x->detail), "timed out");
        while (!got && wait_for(fd, POLLIN, x->deadline_ms)) {
            ssize_t n = recv(fd, x->a, DNS_UDP_MAX, 0);

            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                snprintf(x->detail, sizeof(x->detail), "%s", strerror(errno));
                break;
            }
            got = n > 0 && answers(x, x->a, (size_t)n);
            x->a_len = got ? (size_t)n : 0;
        }
    }
    close(fd);
    return got;
}

/* Move len bytes through fd by the deadline, out (write) or in (read). */
static bool move_all(int fd, unsigned char *buf, size_t len, bool out, int64_t deadline_ms)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = out ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
                        : recv(fd, buf + done, len - done, 0);

        if (n > 0) {
            done += (size_t)n;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR) ||
                   !wait_for(fd, out ? POLLOUT : POLLIN, deadline_ms)) {
            return false;
        }
    }
    return true;
}

/* Over TCP: two bytes of length, then the message, each way. */
static bool exchange_tcp(struct exchange *x)
{
    int fd = open_socket(x, SOCK_STREAM);
    unsigned char len[2] = { (unsigned char)(x->q_len >> 8), (unsigned char)x->q_len };
    bool got = false;

    if (fd < 0) {
        return false;
    }
    snprintf(x->detail, sizeof(x->detail), "TCP answer cut or late");
    if (move_all(fd, len, 2, true, x->deadline_ms) &&
        move_all(fd, (unsigned char *)x->q, x->q_len, true, x->deadline_ms) &&
        move_all(fd, len, 2, false, x->deadline_ms)) {
        x->a_len = (size_t)len[0] << 8 | len[1];
        got = move_all(fd, x->a, x->a_len, false, x->deadline_ms) && answers(x, x->a, x->a_len);
    }
    close(fd);
    return got;
}

/* The rcode's name, as dig writes it. */
static const char *rcode_name(int rcode)
{
    static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                         "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                         "NXRRSET", "NOTAUTH", "NOTZONE" };

    return rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "error";
}

/* A TXT record's character strings, each quoted as a zone file writes
 * it ("a" "b"), as Route 53's API writes a TXT value. */
static void txt_text(const unsigned char *rd, size_t len, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < len && used + 8 < cap;) {
        size_t end = i + 1 + rd[i];

        used += (size_t)snprintf(out + used, cap - used, "%s\"", used > 0 ? " " : "");
        for (i++; i < end && i < len && used + 6 < cap; i++) {
            unsigned char c = rd[i];

            used += (size_t)(c == '"' || c == '\\' ? snprintf(out + used, cap - used, "\\%c", c)
                             : isprint(c) != 0     ? snprintf(out + used, cap - used, "%c", c)
                                                   : snprintf(out + used, cap - used, "\\%03u", c));
        }
        used += (size_t)snprintf(out + used, cap - used, "\"");
        i = end;
    }
}

/* One answer record as text, when it is (fqdn, type) and well formed. */
static bool record_text(const ns_rr *rr, const char *fqdn, int type, char *out, size_t cap)
{
    size_t len = strlen(fqdn);
    const char *owner = ns_rr_name(*rr);
    int af = type == ns_t_aaaa ? AF_INET6 : AF_INET;

    if (len > 0 && fqdn[len - 1] == '.') {
        len--;
    }
    if ((int)ns_rr_type(*rr) != type || ns_rr_class(*rr) != ns_c_in || strlen(owner) != len ||
        strncasecmp(owner, fqdn, len) != 0) {
        return false;
    }
    if (type == ns_t_txt) {
        txt_text(ns_rr_rdata(*rr), ns_rr_rdlen(*rr), out, cap);
        return true;
    }
    return ns_rr_rdlen(*rr) == (af == AF_INET6 ? 16 : 4) &&
           inet_ntop(af, ns_rr_rdata(*rr), out, (socklen_t)cap) != NULL;
}

/* Fill out from an answer for (fqdn, type). */
static void read_answer(const unsigned char *a, size_t len, const char *fqdn, int type,
                        struct dns_result *out)
{
    ns_msg msg;
    int rcode = 0;

    if (ns_initparse(a, (int)len, &msg) < 0) {
        out->outcome = DNS_FAILED;
        snprintf(out->detail, sizeof(out->detail), "malformed answer");
        return;
    }
    rcode = ns_msg_getflag(msg, ns_f_rcode);
    if (rcode != ns_r_noerror) {
        out->outcome = rcode == ns_r_nxdomain ? DNS_NO_RECORD : DNS_FAILED;
        snprintf(out->detail, sizeof(out->detail), "%s", rcode_name(rcode));
        return;
    }
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        char text[DNS_MAX_VALUE];

        if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 &&
            record_text(&rr, fqdn, type, text, sizeof(text))) {
            if (out->n_values < DNS_MAX_VALUES) {
                memcpy(out->values[out->n_values], text, sizeof(text));
            }
            out->n_values++;
        }
    }
    out->outcome = out->n_values > 0 ? DNS_ANSWER : DNS_NO_RECORD;
    snprintf(out->detail, sizeof(out->detail), "%s", out->n_values > 0 ? "answer" : "no record");
}

/* Ask srv for (fqdn, type): UDP, then TCP when truncated, in the time
 * left.  The question is built and the answer read by glibc's resolver
 * functions; the exchange is ours, for a deadline in ms and a port per
 * server (IPv6 too), which res_nsend's whole seconds and res_state's
 * IPv4 list cannot give. */
static r53_rc query(const struct dns_server *srv, const char *fqdn, int type, int64_t deadline_ms,
                    struct dns_result *out, struct r53_error *err)
{
    unsigned char q[HFIXEDSZ + NS_MAXCDNAME + QFIXEDSZ];
    struct exchange x = { .srv = srv, .q = q, .deadline_ms = deadline_ms };
    uint16_t id = 0;
    int q_len = 0;
    bool got = false;

    memset(out, 0, sizeof(*out));
    if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
        id = (uint16_t)util_now_ms();
    }
    if ((q_len = make_question(fqdn, type, id, q, sizeof(q))) < 0) {
        return r53_fail(err, R53_ERR_INTERNAL, "'%s' is not a DNS name", fqdn);
    }
    x.q_len = (size_t)q_len;
    if ((x.a = malloc(DNS_TCP_MAX)) == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory asking DNS");
    }
    snprintf(x.detail, sizeof(x.detail), "no time left");
    if (deadline_ms - util_now_ms() >= DNS_MIN_QUERY_MS) {
        got = exchange_udp(&x);
    }
    if (got && (x.a[2] & 0x02) != 0) { /* TC: truncated */
        out->used_tcp = true;
        got = deadline_ms - util_now_ms() >= DNS_MIN_QUERY_MS && exchange_tcp(&x);
    }
    if (got) {
        read_answer(x.a, x.a_len, fqdn, type, out);
    } else {
        out->outcome = DNS_SILENT;
        snprintf(out->detail, sizeof(out->detail), "no answer (%s)", x.detail);
    }
    free(x.a);
    return R53_OK;
}

r53_rc dns_query(const struct dns_server *srv, const char *fqdn, bool ipv6, int64_t deadline_ms,
                 struct dns_result *out, struct r53_error *err)
{
    return query(srv, fqdn, ipv6 ? ns_t_aaaa : ns_t_a, deadline_ms, out, err);
}

r53_rc dns_query_txt(const struct dns_server *srv, const char *fqdn, int64_t deadline_ms,
                     struct dns_result *out, struct r53_error *err)
{
    return query(srv, fqdn, ns_t_txt, deadline_ms, out, err);
}

/* The next word of *p (blank-separated), NUL-ended in place; NULL at a
 * comment or the end of the line. */
static char *next_word(char **p)
{
    char *w = *p + strspn(*p, " \t\r\n");
    size_t n = strcspn(w, " \t\r\n");

    if (*w == '\0' || *w == '#' || *w == ';') {
        return NULL;
    }
    *p = w + n + (w[n] != '\0');
    w[n] = '\0';
    return w;
}

r53_rc dns_system_servers(const char *path, struct dns_server *out, size_t *n,
                          struct r53_error *err)
{
    const char *file = path != NULL ? path : _PATH_RESCONF;
    FILE *f = fopen(file, "re");
    char line[512];

    *n = 0;
    if (f == NULL) {
        return r53_fail(err, R53_ERR_HOST, "cannot read this node's resolvers from %s", file);
    }
    while (fgets(line, sizeof(line), f) != NULL && *n < DNS_MAX_SERVERS) {
        char *p = line;
        const char *key = next_word(&p);
        const char *addr = key != NULL && strcmp(key, "nameserver") == 0 ? next_word(&p) : NULL;

        if (addr != NULL && is_address(addr)) {
            snprintf(out[*n].addr, sizeof(out[*n].addr), "%s", addr);
            out[*n].port = NS_DEFAULTPORT;
            (*n)++;
        }
    }
    fclose(f);
    return *n > 0 ? R53_OK
                  : r53_fail(err, R53_ERR_HOST, "this node has no resolver in resolv.conf");
}

/* Whether a hosts-file name is name (case aside, a final dot aside). */
static bool same_host(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);

    la -= la > 0 && a[la - 1] == '.';
    lb -= lb > 0 && b[lb - 1] == '.';
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* Addresses of name from the hosts file. */
static void from_hosts_file(const char *name, struct dns_server *out, size_t cap, size_t *n)
{
    FILE *f = fopen(_PATH_HOSTS, "re");
    char line[1024];

    while (f != NULL && *n < cap && fgets(line, sizeof(line), f) != NULL) {
        char *p = line;
        const char *addr = next_word(&p);
        const char *alias = NULL;

        while (addr != NULL && is_address(addr) && (alias = next_word(&p)) != NULL) {
            if (same_host(alias, name)) {
                snprintf(out[*n].addr, sizeof(out[*n].addr), "%s", addr);
                out[*n].port = NS_DEFAULTPORT;
                (*n)++;
                break;
            }
        }
    }
    if (f != NULL) {
        fclose(f);
    }
}

r53_rc dns_resolve_host(const char *name, const struct dns_server *servers, size_t n_servers,
                        int64_t deadline_ms, struct dns_server *out, size_t cap, size_t *n,
                        struct r53_error *err)
{
    unsigned char probe[NS_MAXCDNAME];

    *n = 0;
    if (is_address(name) && cap > 0) {
        snprintf(out[0].addr, sizeof(out[0].addr), "%s", name);
        out[0].port = 53;
        *n = 1;
        return R53_OK;
    }
    if (dn_comp(name, probe, sizeof(probe), NULL, NULL) < 0) {
        return r53_fail(err, R53_ERR_PARSE, "name server '%s' is not a DNS name", name);
    }
    from_hosts_file(name, out, cap, n);
    for (size_t s = 0; *n == 0 && s < n_servers; s++) {
        for (int v6 = 0; v6 <= 1 && *n < cap; v6++) {
            struct dns_result r;
            int64_t slice = (deadline_ms - util_now_ms()) / (int64_t)(2 * (n_servers - s) - v6);

            if (dns_query(&servers[s], name, v6 != 0, util_now_ms() + slice, &r, err) != R53_OK) {
                return R53_ERR_NOMEM;
            }
            for (size_t i = 0; r.outcome == DNS_ANSWER && i < r.n_values && *n < cap; i++) {
                snprintf(out[*n].addr, sizeof(out[*n].addr), "%s", r.values[i]);
                out[*n].port = 53;
                (*n)++;
            }
        }
    }
    return *n > 0 ? R53_OK
                  : r53_fail(err, R53_ERR_NOT_FOUND, "cannot resolve name server %s", name);
}
