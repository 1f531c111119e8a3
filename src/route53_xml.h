/* Readers for Route 53 response bodies (namespace R53_XML_NS), on the
 * expat driver of xml.h.  Each fills a fixed-size struct from an
 * untrusted body; on failure R53_ERR_PARSE with a reason.  Private to
 * src/: the agent sees only the domain structs of route53.h. */
#ifndef R53_ROUTE53_XML_H
#define R53_ROUTE53_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"
#include "route53.h"

#define R53_XML_NS "https://route53.amazonaws.com/doc/2013-04-01/"

#define R53_MAX_RRSETS 8 /* record sets kept per page */
#define R53_MAX_ZONES 8  /* zones kept per page */

r53_rc r53_xml_change_info(const char *body, size_t len, struct r53_change_info *out,
                           struct r53_error *err);

/* ErrorResponse/Error (Code, Message) or the older
 * <InvalidChangeBatch><Messages><Message>...</Messages> shape (code is
 * then "InvalidChangeBatch" and messages are joined with "; "). */
r53_rc r53_xml_error(const char *body, size_t len, struct aws_api_error *out,
                     struct r53_error *err);

/* One page of a listing: what it holds (n counts all seen, more than
 * kept when over the cap), and where a truncated one goes on. */
struct r53_rrset_page {
    size_t n_rrsets;
    struct r53_rrset rrsets[R53_MAX_RRSETS];
    bool is_truncated;
    char next_name[256];
    char next_type[8];         /* NextRecordType, "" if absent */
    char next_identifier[128]; /* NextRecordIdentifier: the next set is a member */
};
struct r53_zone_page {
    size_t n_zones;
    struct r53_zone zones[R53_MAX_ZONES];
    bool is_truncated;
    char next_dns_name[256];
};

/* ListResourceRecordSetsResponse; ListHostedZonesByNameResponse;
 * GetHostedZoneResponse (HostedZone and DelegationSet/NameServers). */
r53_rc r53_xml_rrset_page(const char *body, size_t len, struct r53_rrset_page *out,
                          struct r53_error *err);
r53_rc r53_xml_zone_page(const char *body, size_t len, struct r53_zone_page *out,
                         struct r53_error *err);
r53_rc r53_xml_hosted_zone(const char *body, size_t len, struct r53_zone *out,
                           struct r53_error *err);

#endif
