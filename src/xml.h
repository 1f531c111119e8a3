/* Readers for Route 53 response bodies (namespace
 * https://route53.amazonaws.com/doc/2013-04-01/), built on expat.
 * Every reader takes an untrusted body of any length, refuses DOCTYPE
 * and entity declarations, checks the root element and namespace, and
 * fills a fixed-size struct: no allocation survives the call.
 * On failure they return R53_ERR_PARSE with r53_fail() set to a reason
 * such as "response is not XML (line 1: syntax error)". */
#ifndef R53_XML_H
#define R53_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"

#define R53_XML_NS "https://route53.amazonaws.com/doc/2013-04-01/"

#define R53_MAX_VALUES 8       /* values kept per record set (n_values counts all) */
#define R53_MAX_RRSETS 8       /* record sets kept per page */
#define R53_MAX_ZONES 8        /* zones kept per page */
#define R53_MAX_NAME_SERVERS 4 /* a delegation set has four */

/* ChangeResourceRecordSetsResponse or GetChangeResponse. */
struct r53_change_info {
    char id[128];    /* as given: "/change/C2682N5HXP0BZ4" */
    char status[16]; /* "PENDING" or "INSYNC" */
};
r53_rc r53_xml_change_info(const char *body, size_t len, struct r53_change_info *out);

/* ErrorResponse/Error (Code, Message) or the older
 * <InvalidChangeBatch><Messages><Message>...</Messages> shape (code is
 * then "InvalidChangeBatch" and messages are joined with "; "). */
struct r53_api_error {
    char code[64];
    char message[512];
};
r53_rc r53_xml_error(const char *body, size_t len, struct r53_api_error *out);

struct r53_rrset {
    char name[256];           /* as returned, e.g. "www.example.com." */
    char type[8];             /* "A", "AAAA", ... */
    char set_identifier[128]; /* empty unless a routing policy is set */
    long ttl;                 /* -1 if absent (alias records) */
    bool alias;               /* an AliasTarget record */
    size_t n_values;          /* total values seen, may exceed R53_MAX_VALUES */
    char values[R53_MAX_VALUES][256];
};

/* ListResourceRecordSetsResponse. */
struct r53_rrset_page {
    size_t n_rrsets; /* total seen, may exceed R53_MAX_RRSETS */
    struct r53_rrset rrsets[R53_MAX_RRSETS];
    bool is_truncated;
    char next_name[256];
    char next_type[8];
};
r53_rc r53_xml_rrset_page(const char *body, size_t len, struct r53_rrset_page *out);

struct r53_zone {
    char id[128];   /* as returned: "/hostedzone/Z1D633PJN98FT9" */
    char name[256]; /* "example.com." */
    bool private_zone;
    /* GetHostedZone only: the DelegationSet of a public zone. */
    size_t n_name_servers; /* kept, at most R53_MAX_NAME_SERVERS */
    char name_servers[R53_MAX_NAME_SERVERS][256];
};

/* ListHostedZonesByNameResponse. */
struct r53_zone_page {
    size_t n_zones; /* total seen, may exceed R53_MAX_ZONES */
    struct r53_zone zones[R53_MAX_ZONES];
    bool is_truncated;
    char next_dns_name[256];
    char next_zone_id[128];
};
r53_rc r53_xml_zone_page(const char *body, size_t len, struct r53_zone_page *out);

/* GetHostedZoneResponse: HostedZone and DelegationSet/NameServers. */
r53_rc r53_xml_hosted_zone(const char *body, size_t len, struct r53_zone *out);

#endif
