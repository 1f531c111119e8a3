/* The Route 53 API client: builds requests and reads answers; aws_call
 * signs, sends and retries them.  Knows nothing of OCF. */
#ifndef R53_ROUTE53_H
#define R53_ROUTE53_H

#include <stdbool.h>
#include <stdint.h>

#include "aws_call.h"
#include "credentials.h"
#include "http.h"
#include "rc.h"
#include "retry.h"

/* What the client reads back, in fixed-size structs. */
#define R53_MAX_VALUES 8       /* values kept per record set (n_values counts all) */
#define R53_MAX_NAME_SERVERS 4 /* a delegation set has four */
#define R53_MAX_TYPES 16       /* record sets kept per name (types and members) */
#define R53_MAX_NAME_PAGES 8   /* ListResourceRecordSets pages read for one name */

/* ChangeResourceRecordSetsResponse or GetChangeResponse. */
struct r53_change_info {
    char id[128];    /* as given: "/change/C2682N5HXP0BZ4" */
    char status[16]; /* "PENDING" or "INSYNC" */
};
/* A member's routing policy: exactly one of weighted, failover,
 * region and multivalue is set (Route 53's rule), health_check_id with
 * any.  All zero: no policy (a plain record set). */
struct r53_routing {
    bool weighted;
    long weight;              /* 0..255, when weighted */
    char failover[12];        /* "PRIMARY", "SECONDARY" or "" */
    char region[32];          /* latency: "eu-west-1", or "" */
    bool multivalue;          /* MultiValueAnswer true */
    char health_check_id[64]; /* a UUID, or "" */
};

struct r53_rrset {
    char name[256];             /* as returned, e.g. "www.example.com." */
    char type[8];               /* "A", "AAAA", ... */
    char set_identifier[128];   /* empty unless a routing policy is set */
    struct r53_routing routing; /* the member's policy, with set_identifier */
    long ttl;                   /* -1 if absent (alias records) */
    bool alias;                 /* an AliasTarget record */
    size_t n_values;            /* total values seen, may exceed R53_MAX_VALUES */
    char values[R53_MAX_VALUES][256];
};

struct r53_zone {
    char id[128];   /* as returned: "/hostedzone/Z1D633PJN98FT9" */
    char name[256]; /* "example.com." */
    bool private_zone;
    /* GetHostedZone only: the DelegationSet of a public zone. */
    size_t n_name_servers; /* kept, at most R53_MAX_NAME_SERVERS */
    char name_servers[R53_MAX_NAME_SERVERS][256];
};

struct r53_client;

/* endpoint: "https://route53.amazonaws.com" or another https URL; the
 * http client and the credentials provider are borrowed and must outlive
 * the client.  R53_ERR_CONFIG for an endpoint that is not https://HOST. */
r53_rc r53_client_new(const char *endpoint, struct http_client *http, struct cred_provider *creds,
                      struct r53_client **out, struct r53_error *err);
void r53_client_free(struct r53_client *c);

/* The signed-call path the client sends through: set its retry policy
 * and send hooks, count its requests (see aws_call.h). */
struct aws_caller *r53_client_caller(struct r53_client *c);

/* The hosted zone named dns_name ("example.com" or "example.com.").
 * R53_ERR_NO_ZONE if none; R53_ERR_CONFIG if a public and a private zone
 * share the name (the caller must then ask for zone_id). */
r53_rc r53_find_zone(struct r53_client *c, const char *dns_name, struct r53_zone *out,
                     struct r53_error *err);

/* GetHostedZone; zone_id with or without "/hostedzone/". */
r53_rc r53_get_zone(struct r53_client *c, const char *zone_id, struct r53_zone *out,
                    struct r53_error *err);

/* One change of a batch: action "CREATE", "DELETE" or "UPSERT" of a
 * record set: a plain one, or with set_identifier one member of a set
 * sharing the name and type (a DELETE must match every field: TTL,
 * values and, of a member, its routing). */
struct r53_change {
    const char *action;
    const char *fqdn;
    const char *type;
    long ttl;
    const char *const *values;
    size_t n_values;                   /* at least 1 */
    const char *set_identifier;        /* NULL or "": a plain record set */
    const struct r53_routing *routing; /* a member's policy; NULL for a plain set */
};

/* One ChangeResourceRecordSets batch, applied all or nothing: a DELETE
 * whose TTL or values no longer match fails the whole batch
 * (R53_ERR_CHANGE, InvalidChangeBatch), which makes DELETE(old) +
 * CREATE(new) a compare-and-swap.  comment may be NULL. */
r53_rc r53_change_batch(struct r53_client *c, const char *zone_id, const struct r53_change *changes,
                        size_t n_changes, const char *comment, struct r53_change_info *out,
                        struct r53_error *err);

/* Every record set named fqdn (A, AAAA, TXT, ..., and each member of a
 * set that shares a name and type), through ListResourceRecordSets,
 * following NextRecordType/NextRecordIdentifier while the listing stays
 * at the name; n 0 when there is none.  The caller keeps member
 * set_identifier of type (NULL or "": the plain set), and when the name
 * holds more than R53_MAX_TYPES record sets, what matters to it is kept
 * first: every plain set (TXT among them) and that member, then the
 * type's other members, then the rest.  Past R53_MAX_NAME_PAGES pages,
 * the listing is asked from that member and from TXT, one page each.
 * R53_ERR_API, naming the limit, when the plain sets and that member
 * alone are more than R53_MAX_TYPES. */
struct r53_name {
    size_t n;
    struct r53_rrset sets[R53_MAX_TYPES];
};
r53_rc r53_get_name(struct r53_client *c, const char *zone_id, const char *fqdn, const char *type,
                    const char *set_identifier, struct r53_name *out, struct r53_error *err);

/* The set of type at the name, or NULL: set_identifier NULL, the first
 * of that type whatever it is; "", the plain set; else that member.
 * Points into name. */
const struct r53_rrset *r53_name_find(const struct r53_name *name, const char *type,
                                      const char *set_identifier);

/* Whether two routing policies are the same (NULL: none, as all zero). */
bool r53_routing_equal(const struct r53_routing *a, const struct r53_routing *b);

/* GetChange; change_id with or without "/change/". */
r53_rc r53_get_change(struct r53_client *c, const char *change_id, struct r53_change_info *out,
                      struct r53_error *err);

#endif
