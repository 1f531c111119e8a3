/* Asking DNS for the record, one server at a time, UDP first and TCP
 * when the answer is truncated, every query ending by a deadline: the
 * question built and the answer read by glibc's resolver functions
 * (dn_comp, ns_initparse, ns_parserr), the exchange ours.  Knows nothing
 * of OCF or Route 53's API. */
#ifndef R53_DNS_H
#define R53_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

#define DNS_MAX_SERVERS 8
#define DNS_MAX_VALUES 8
#define DNS_MAX_VALUE 256 /* a value as text: an address, or a TXT record's strings */

/* A server to ask: a literal IPv4 or IPv6 address and a port. */
struct dns_server {
    char addr[46];
    unsigned port;
};

/* "ADDR", "ADDR:PORT" or "[V6]:PORT" items separated by commas (spaces
 * allowed around them); a bare IPv6 address takes port 53.  At most
 * DNS_MAX_SERVERS.  R53_ERR_CONFIG naming the bad item. */
r53_rc dns_parse_servers(const char *text, struct dns_server *out, size_t *n,
                         struct r53_error *err);

/* The inverse, "ADDR:PORT,[V6]:PORT", for the state file. */
void dns_format_servers(const struct dns_server *s, size_t n, char *out, size_t outlen);

/* "10.0.0.2:53" or "[fd00::2]:53" for messages. */
const char *dns_server_str(const struct dns_server *s, char *buf, size_t len);

/* What one server said about (name, type). */
enum dns_outcome {
    DNS_ANSWER,    /* NOERROR with one or more values */
    DNS_NO_RECORD, /* NXDOMAIN, or NOERROR with no value (NODATA) */
    DNS_FAILED,    /* SERVFAIL, REFUSED, a malformed or mismatched answer */
    DNS_SILENT,    /* no answer before the deadline, or unreachable */
};

struct dns_result {
    enum dns_outcome outcome;
    bool used_tcp; /* the UDP answer was truncated and TCP asked again */
    size_t n_values;
    char values[DNS_MAX_VALUES][DNS_MAX_VALUE]; /* A or AAAA values, or TXT values as
                                                   Route 53 writes them ("a" "b") */
    char detail[96];                            /* "SERVFAIL", "timed out", ... */
};

/* Ask srv for the A (ipv6: AAAA) record of fqdn, with recursion desired
 * (so a resolver answers too).  Returns R53_OK with *out filled in
 * whatever the server said; only a caller mistake or no memory fails. */
r53_rc dns_query(const struct dns_server *srv, const char *fqdn, bool ipv6, int64_t deadline_ms,
                 struct dns_result *out, struct r53_error *err);

/* The same for the TXT record of fqdn: each value its quoted strings,
 * space-separated, as Route 53's API writes a TXT value. */
r53_rc dns_query_txt(const struct dns_server *srv, const char *fqdn, int64_t deadline_ms,
                     struct dns_result *out, struct r53_error *err);

/* This host's resolvers, from /etc/resolv.conf (path NULL) or path. */
r53_rc dns_system_servers(const char *path, struct dns_server *out, size_t *n,
                          struct r53_error *err);

/* Addresses of a host name (a zone's name server): the hosts file, else
 * A and AAAA records from servers; at most cap, all before deadline_ms.
 * R53_ERR_NOT_FOUND when none was found. */
r53_rc dns_resolve_host(const char *name, const struct dns_server *servers, size_t n_servers,
                        int64_t deadline_ms, struct dns_server *out, size_t cap, size_t *n,
                        struct r53_error *err);

#endif
