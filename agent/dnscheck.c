#include "dnscheck.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "owner.h"

/* Room kept after the DNS step for the API read that may follow. */
#define DNS_RESERVE_MS 500

/* Keep the n servers just added after found[0..have) only where new. */
static size_t add_new(struct dns_server *found, size_t have, size_t n)
{
    size_t kept = have;

    for (size_t i = have; i < have + n; i++) {
        bool seen = false;

        for (size_t j = 0; j < kept && !seen; j++) {
            seen = strcmp(found[j].addr, found[i].addr) == 0 && found[j].port == found[i].port;
        }
        if (!seen) {
            found[kept++] = found[i];
        }
    }
    return kept;
}

void dnscheck_learn(const struct params_tunables *t, const struct r53_zone *zone,
                    int64_t deadline_ms, struct state *st)
{
    struct dns_server resolvers[DNS_MAX_SERVERS];
    struct dns_server found[DNS_MAX_SERVERS];
    size_t n_resolvers = 0;
    size_t n_found = 0;
    int64_t end = util_now_ms() + t->dns_timeout_ms;
    struct r53_error unresolved = { 0 }; /* a name server we cannot resolve is only logged */

    st->private_zone = zone->private_zone;
    st->name_servers[0] = '\0';
    if (t->monitor_method_api || t->n_dns_servers > 0 || zone->private_zone) {
        return; /* nothing to learn: the servers are known or not needed */
    }
    if (end > deadline_ms - DNS_RESERVE_MS) {
        end = deadline_ms - DNS_RESERVE_MS;
    }
    if (dns_system_servers(NULL, resolvers, &n_resolvers, &unresolved) != R53_OK) {
        n_resolvers = 0; /* the hosts file may still know them */
    }
    for (size_t i = 0; i < zone->n_name_servers && n_found < DNS_MAX_SERVERS; i++) {
        size_t n = 0;

        if (dns_resolve_host(zone->name_servers[i], resolvers, n_resolvers, end, found + n_found,
                             DNS_MAX_SERVERS - n_found, &n, &unresolved) == R53_OK) {
            n_found = add_new(found, n_found, n);
        } else {
            qb_log(LOG_INFO, "%s", unresolved.reason);
        }
    }
    dns_format_servers(found, n_found, st->name_servers, sizeof(st->name_servers));
    if (n_found == 0) {
        qb_log(LOG_WARNING, "no address for the name servers of %s: monitor will read the API",
               zone->name);
    } else {
        qb_log(LOG_INFO, "name servers of %s: %s", zone->name, st->name_servers);
    }
}

/* The servers to ask: dns_servers if set, this node's resolvers for a
 * private zone, else the name servers kept in st.  0 when none. */
static size_t dnscheck_servers(const struct params_tunables *t, const struct state *st,
                               struct dns_server *out)
{
    size_t n = 0;
    struct r53_error unusable = { 0 }; /* no server to ask: the API decides */

    if (t->n_dns_servers > 0) {
        memcpy(out, t->dns_servers, t->n_dns_servers * sizeof(out[0]));
        return t->n_dns_servers;
    }
    if (st->private_zone) {
        if (dns_system_servers(NULL, out, &n, &unusable) != R53_OK) {
            qb_log(LOG_INFO, "%s", unusable.reason);
            return 0;
        }
        return n;
    }
    if (st->name_servers[0] == '\0' ||
        dns_parse_servers(st->name_servers, out, &n, &unusable) != R53_OK) {
        return 0;
    }
    return n;
}

/* The end of the DNS step: dns_timeout from now, and room left after it
 * for the API read. */
static int64_t dns_end(const struct params_tunables *t, int64_t deadline_ms)
{
    int64_t end = util_now_ms() + t->dns_timeout_ms;

    return end < deadline_ms - DNS_RESERVE_MS ? end : deadline_ms - DNS_RESERVE_MS;
}

/* Ask servers[i] with a fair share of the time left until end. */
static void ask(const struct dns_server *servers, size_t i, size_t n, const struct state *st,
                bool ipv6, int64_t end, struct dns_result *r)
{
    int64_t share = (end - util_now_ms()) / (int64_t)(n - i);
    struct r53_error failed = { 0 }; /* a query that fails is a silent server */

    if (dns_query(&servers[i], st->fqdn, ipv6, util_now_ms() + share, r, &failed) != R53_OK) {
        r->outcome = DNS_SILENT;
        snprintf(r->detail, sizeof(r->detail), "%s", failed.reason);
    }
}

static bool holds(const struct dns_result *r, const struct address *addr)
{
    return r->outcome == DNS_ANSWER && r->n_values == 1 && address_equal(r->values[0], addr->text);
}

bool dnscheck_can_ask(const struct params_tunables *t, const struct state *st)
{
    struct dns_server servers[DNS_MAX_SERVERS];

    return dnscheck_servers(t, st, servers) > 0;
}

bool dnscheck_confirms(const struct params_tunables *t, const struct state *st,
                       const struct address *addr, int64_t deadline_ms)
{
    struct dns_server servers[DNS_MAX_SERVERS];
    size_t n = dnscheck_servers(t, st, servers);
    int64_t end = dns_end(t, deadline_ms);
    char name[64];

    for (size_t i = 0; i < n; i++) {
        struct dns_result r;

        ask(servers, i, n, st, addr->ipv6, end, &r);
        qb_log(LOG_DEBUG, "DNS %s: %s %s%s%s", dns_server_str(&servers[i], name, sizeof(name)),
               st->fqdn, r.detail, r.n_values > 0 ? " " : "", r.n_values > 0 ? r.values[0] : "");
        if (r.outcome == DNS_ANSWER || r.outcome == DNS_NO_RECORD) {
            return holds(&r, addr); /* an answer: it decides, the next would not */
        }
    }
    return false;
}

/* Whether a TXT answer holds marker and no other owner's marker for
 * the same record set (other members' markers stand beside ours). */
static bool marked_ours(const struct dns_result *r, const char *marker, char *why, size_t why_len)
{
    struct owner_id mine;
    struct owner_id who;
    bool ours = false;

    if (!owner_parse(marker, &mine)) {
        mine.set[0] = '\0';
    }
    for (size_t i = 0; i < r->n_values && i < DNS_MAX_VALUES; i++) {
        if (strcmp(r->values[i], marker) == 0) {
            ours = true;
        } else if (owner_parse(r->values[i], &who) && strcmp(who.set, mine.set) == 0) {
            snprintf(why, why_len, "another owner's marker %s", r->values[i]);
            return false;
        }
    }
    if (!ours) {
        snprintf(why, why_len, "no marker of ours");
    }
    return ours;
}

bool dnscheck_confirms_ours(const struct params_tunables *t, const struct state *st,
                            const struct address *addr, const char *marker, int64_t deadline_ms,
                            char *why, size_t why_len)
{
    struct dns_server servers[DNS_MAX_SERVERS];
    size_t n = dnscheck_servers(t, st, servers);
    int64_t end = dns_end(t, deadline_ms);
    size_t answered = 0;
    char name[64];
    char seen[300];

    snprintf(why, why_len, "no name server to ask for %s", st->fqdn);
    for (size_t i = 0; i < n; i++) {
        struct dns_result r;

        ask(servers, i, n, st, addr->ipv6, end, &r);
        dns_server_str(&servers[i], name, sizeof(name));
        if (r.outcome == DNS_SILENT || r.outcome == DNS_FAILED) {
            qb_log(LOG_DEBUG, "DNS %s: %s %s", name, st->fqdn, r.detail);
            continue;
        }
        if (!holds(&r, addr)) {
            snprintf(why, why_len, "%s serves %s for %s", name,
                     r.n_values > 0 ? r.values[0] : "no address", st->fqdn);
            return false;
        }
        if (marker != NULL) {
            struct r53_error unasked = { 0 }; /* as silence: the next server decides */

            if (dns_query_txt(&servers[i], st->fqdn, end, &r, &unasked) != R53_OK ||
                r.outcome == DNS_SILENT || r.outcome == DNS_FAILED) {
                continue; /* the address alone is half an answer */
            }
            if (!marked_ours(&r, marker, seen, sizeof(seen))) {
                snprintf(why, why_len, "%s serves %s for %s under %s", name, addr->text, st->fqdn,
                         seen);
                return false;
            }
        }
        answered++;
    }
    if (answered == 0 && n > 0) {
        snprintf(why, why_len, "none of %zu name servers answered for %s", n, st->fqdn);
    }
    return answered > 0;
}

bool dnscheck_all_agree(const struct params_tunables *t, const struct state *st,
                        const struct address *addr, int64_t deadline_ms, char *why, size_t why_len)
{
    struct dns_server servers[DNS_MAX_SERVERS];
    size_t n = dnscheck_servers(t, st, servers);
    int64_t end = dns_end(t, deadline_ms);
    char name[64];

    if (n == 0) {
        snprintf(why, why_len, "no name server to ask for %s (none learnt at start)", st->fqdn);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct dns_result r;

        ask(servers, i, n, st, addr->ipv6, end, &r);
        if (!holds(&r, addr)) {
            snprintf(why, why_len, "name server %s answers %s for %s, not %s",
                     dns_server_str(&servers[i], name, sizeof(name)),
                     r.outcome == DNS_ANSWER ? r.values[0] : r.detail, st->fqdn, addr->text);
            return false;
        }
    }
    return true;
}
