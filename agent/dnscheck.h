/* The record as DNS serves it: whom to ask (learnt at start, kept in the
 * state file) and what they answer, for monitor's DNS-first check and
 * its OCF_CHECK_LEVEL=10 check of every name server.  Each function
 * reads the tunables it needs (dns_servers, dns_timeout, monitor_method)
 * and nothing else of the parameters. */
#ifndef R53_DNSCHECK_H
#define R53_DNSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "dns.h"
#include "params.h"
#include "rc.h"
#include "state.h"
#include "route53.h"

/* At start: note in st whether the zone is private and, for a public
 * zone, the addresses of its name servers (zone->name_servers, resolved
 * through this node's resolvers before deadline_ms).  Failing to learn
 * them is not an error: monitor then reads the API. */
void dnscheck_learn(const struct params_tunables *t, const struct r53_zone *zone,
                    int64_t deadline_ms, struct state *st);

/* Whether any name server can be asked for st's record. */
bool dnscheck_can_ask(const struct params_tunables *t, const struct state *st);

/* True when a server answers exactly addr (one value, equal) for st's
 * record; asks the servers in turn (next on silence or failure) and ends
 * within dns_timeout and before deadline_ms. */
bool dnscheck_confirms(const struct params_tunables *t, const struct state *st,
                       const struct address *addr, int64_t deadline_ms);

/* The data plane's word for a start that Route 53's API cannot serve:
 * true when at least one server answers and every server that answers
 * serves exactly addr and, when marker is not NULL, that marker among
 * the TXT values at the name and no other route53 marker.  Else false,
 * with why naming what was seen. */
bool dnscheck_confirms_ours(const struct params_tunables *t, const struct state *st,
                            const struct address *addr, const char *marker, int64_t deadline_ms,
                            char *why, size_t why_len);

/* Every server in turn, sharing dns_timeout.  True when all answer
 * exactly addr; else false with why naming the first that did not. */
bool dnscheck_all_agree(const struct params_tunables *t, const struct state *st,
                        const struct address *addr, int64_t deadline_ms, char *why, size_t why_len);

#endif
