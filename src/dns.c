#include "dns.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "http.h"

/* Below this a query is not worth sending: it could not get an answer. */
#define DNS_MIN_QUERY_MS 10

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

/* A resolver for exactly one server, over UDP or TCP, that waits at most
 * ms for one try. */
static ldns_resolver *one_server(const struct dns_server *srv, bool tcp, int64_t ms)
{
    ldns_resolver *res = ldns_resolver_new();
    ldns_rdf *ns =
        ldns_rdf_new_frm_str(is_ipv6(srv->addr) ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, srv->addr);
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

    if (res == NULL || ns == NULL || ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK) {
        ldns_rdf_deep_free(ns);
        ldns_resolver_deep_free(res);
        return NULL;
    }
    ldns_rdf_deep_free(ns); /* the resolver keeps a copy */
    ldns_resolver_set_port(res, (uint16_t)srv->port);
    ldns_resolver_set_timeout(res, tv);
    ldns_resolver_set_retry(res, 1);
    ldns_resolver_set_random(res, false);
    ldns_resolver_set_recursive(res, true);
    ldns_resolver_set_usevc(res, tcp);
    /* Truncation is handled here, so that TCP gets only the time left. */
    ldns_resolver_set_fallback(res, false);
    return res;
}

/* A record's data as text: its fields, space-separated (one for an
 * address; a TXT record's quoted strings). */
static void value_text(const ldns_rr *rr, char *out, size_t len)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t f = 0; f < ldns_rr_rd_count(rr) && used < len; f++) {
        char *text = ldns_rdf2str(ldns_rr_rdf(rr, f));

        if (text != NULL) {
            used += (size_t)snprintf(out + used, len - used, "%s%s", f > 0 ? " " : "", text);
        }
        free(text);
    }
}

/* Fill out from an answer packet for name/type. */
static void read_answer(const ldns_pkt *pkt, const ldns_rdf *name, ldns_rr_type type,
                        struct dns_result *out)
{
    ldns_rr_list *answer = ldns_pkt_answer(pkt);
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);

    if (rcode == LDNS_RCODE_NXDOMAIN) {
        out->outcome = DNS_NO_RECORD;
        snprintf(out->detail, sizeof(out->detail), "NXDOMAIN");
        return;
    }
    if (rcode != LDNS_RCODE_NOERROR) {
        ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)rcode);

        out->outcome = DNS_FAILED;
        snprintf(out->detail, sizeof(out->detail), "%s", lt != NULL ? lt->name : "error");
        return;
    }
    for (size_t i = 0; answer != NULL && i < ldns_rr_list_rr_count(answer); i++) {
        ldns_rr *rr = ldns_rr_list_rr(answer, i);

        if (ldns_rr_get_type(rr) != type || ldns_dname_compare(ldns_rr_owner(rr), name) != 0 ||
            (type != LDNS_RR_TYPE_TXT && ldns_rr_rd_count(rr) != 1)) {
            continue;
        }
        if (out->n_values < DNS_MAX_VALUES) {
            value_text(rr, out->values[out->n_values], sizeof(out->values[0]));
        }
        out->n_values++;
    }
    out->outcome = out->n_values > 0 ? DNS_ANSWER : DNS_NO_RECORD;
    snprintf(out->detail, sizeof(out->detail), "%s", out->n_values > 0 ? "answer" : "no record");
}

/* One try over UDP or TCP; *pkt set on an answer. */
static ldns_status send_once(const struct dns_server *srv, bool tcp, const ldns_rdf *name,
                             ldns_rr_type type, int64_t deadline_ms, ldns_pkt **pkt)
{
    int64_t left = deadline_ms - util_now_ms();
    ldns_resolver *res = NULL;
    ldns_status st = LDNS_STATUS_OK;

    *pkt = NULL;
    if (left < DNS_MIN_QUERY_MS) {
        return LDNS_STATUS_NETWORK_ERR;
    }
    if ((res = one_server(srv, tcp, left)) == NULL) {
        return LDNS_STATUS_MEM_ERR;
    }
    st = ldns_resolver_send(pkt, res, name, type, LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_resolver_deep_free(res);
    return st;
}

/* Ask srv for (fqdn, type): UDP, then TCP when truncated. */
static r53_rc query(const struct dns_server *srv, const char *fqdn, ldns_rr_type type,
                    int64_t deadline_ms, struct dns_result *out, struct r53_error *err)
{
    ldns_rdf *name = ldns_dname_new_frm_str(fqdn);
    ldns_pkt *pkt = NULL;
    ldns_status st = LDNS_STATUS_OK;

    memset(out, 0, sizeof(*out));
    if (name == NULL) {
        return r53_fail(err, R53_ERR_INTERNAL, "'%s' is not a DNS name", fqdn);
    }
    st = send_once(srv, false, name, type, deadline_ms, &pkt);
    if (st == LDNS_STATUS_OK && pkt != NULL && ldns_pkt_tc(pkt)) {
        ldns_pkt_free(pkt);
        out->used_tcp = true;
        st = send_once(srv, true, name, type, deadline_ms, &pkt);
    }
    if (st == LDNS_STATUS_MEM_ERR) {
        ldns_rdf_deep_free(name);
        return r53_fail(err, R53_ERR_NOMEM, "out of memory asking DNS");
    }
    if (st != LDNS_STATUS_OK || pkt == NULL) {
        out->outcome = DNS_SILENT;
        snprintf(out->detail, sizeof(out->detail), "no answer (%s)", ldns_get_errorstr_by_id(st));
    } else {
        read_answer(pkt, name, type, out);
    }
    ldns_pkt_free(pkt);
    ldns_rdf_deep_free(name);
    return R53_OK;
}

r53_rc dns_query(const struct dns_server *srv, const char *fqdn, bool ipv6, int64_t deadline_ms,
                 struct dns_result *out, struct r53_error *err)
{
    return query(srv, fqdn, ipv6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, deadline_ms, out, err);
}

r53_rc dns_query_txt(const struct dns_server *srv, const char *fqdn, int64_t deadline_ms,
                     struct dns_result *out, struct r53_error *err)
{
    return query(srv, fqdn, LDNS_RR_TYPE_TXT, deadline_ms, out, err);
}

r53_rc dns_system_servers(const char *path, struct dns_server *out, size_t *n,
                          struct r53_error *err)
{
    ldns_resolver *res = NULL;
    ldns_rdf **ns = NULL;

    *n = 0;
    if (ldns_resolver_new_frm_file(&res, path) != LDNS_STATUS_OK || res == NULL) {
        return r53_fail(err, R53_ERR_HOST, "cannot read this node's resolvers from %s",
                        path != NULL ? path : "/etc/resolv.conf");
    }
    ns = ldns_resolver_nameservers(res);
    for (size_t i = 0; i < ldns_resolver_nameserver_count(res) && *n < DNS_MAX_SERVERS; i++) {
        char *text = ldns_rdf2str(ns[i]);

        if (text != NULL && is_address(text)) {
            snprintf(out[*n].addr, sizeof(out[*n].addr), "%s", text);
            out[*n].port = ldns_resolver_port(res);
            (*n)++;
        }
        free(text);
    }
    ldns_resolver_deep_free(res);
    return *n > 0 ? R53_OK
                  : r53_fail(err, R53_ERR_HOST, "this node has no resolver in resolv.conf");
}

/* Addresses of name from the hosts file. */
static void from_hosts_file(const ldns_rdf *name, struct dns_server *out, size_t cap, size_t *n)
{
    ldns_rr_list *hosts = ldns_get_rr_list_hosts_frm_file(NULL);

    for (size_t i = 0; hosts != NULL && i < ldns_rr_list_rr_count(hosts) && *n < cap; i++) {
        ldns_rr *rr = ldns_rr_list_rr(hosts, i);
        char *text = NULL;

        if (ldns_dname_compare(ldns_rr_owner(rr), name) != 0 || ldns_rr_rd_count(rr) != 1 ||
            (text = ldns_rdf2str(ldns_rr_rdf(rr, 0))) == NULL) {
            continue;
        }
        snprintf(out[*n].addr, sizeof(out[*n].addr), "%s", text);
        out[*n].port = 53;
        (*n)++;
        free(text);
    }
    ldns_rr_list_deep_free(hosts);
}

r53_rc dns_resolve_host(const char *name, const struct dns_server *servers, size_t n_servers,
                        int64_t deadline_ms, struct dns_server *out, size_t cap, size_t *n,
                        struct r53_error *err)
{
    ldns_rdf *dname = ldns_dname_new_frm_str(name);

    *n = 0;
    if (is_address(name) && cap > 0) {
        ldns_rdf_deep_free(dname);
        snprintf(out[0].addr, sizeof(out[0].addr), "%s", name);
        out[0].port = 53;
        *n = 1;
        return R53_OK;
    }
    if (dname == NULL) {
        return r53_fail(err, R53_ERR_PARSE, "name server '%s' is not a DNS name", name);
    }
    from_hosts_file(dname, out, cap, n);
    ldns_rdf_deep_free(dname);
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
