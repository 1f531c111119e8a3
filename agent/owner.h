/* Who owns a name: a TXT value at the record's own name,
 *   "heritage=route53,cluster=<cluster>,resource=<resource id>"
 * (as external-dns's registry), read in the same ListResourceRecordSets
 * call as the record, and the compare-and-swap batch that writes the
 * record and the marker together.  Other TXT values at the name (SPF,
 * verification tokens) are kept as they are.
 *
 * A member of a set that shares the name (weighted, failover, ...) has
 * its own value in the same plain TXT set, ",set=<set identifier>"
 * added (characters other than letters, digits and "._:-" as "%XX");
 * the batch that writes the member swaps the whole TXT set, so a
 * concurrent owner's change makes it fail and start reads again
 * (doc/ownership.md says why not a TXT member of its own).  A marker is
 * one TXT string: 255 characters at most, a longer one refused. */
#ifndef R53_OWNER_H
#define R53_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"
#include "rc.h"
#include "route53.h"

/* As the marker carries them: the cluster and resource names with
 * characters other than letters, digits and "._:-" as '_', the set
 * identifier with them as "%XX" (so it is carried unambiguously). */
struct owner_id {
    char cluster[256];
    char resource[256];
    char set[3 * 128 + 1]; /* the member's set identifier; "": the plain record */
};

/* This resource's identity: instance (OCF_RESOURCE_INSTANCE; a clone's
 * ":N" dropped), the member it keeps (set_identifier; NULL or "" for a
 * plain record), and the cluster: the owner parameter, else known (what
 * start wrote, from the state file; NULL or "" for none), else the CIB's
 * cluster-name (through crm_attribute, within timeout_ms).  R53_ERR_HOST
 * when no cluster name can be had. */
r53_rc owner_self(const struct params_ownership *o, const char *instance,
                  const char *set_identifier, const char *known, long timeout_ms,
                  struct owner_id *me, struct r53_error *err);

/* The characters of one TXT string, so of a marker (quotes aside), and
 * the room a quoted one needs. */
#define OWNER_MARKER_MAX 255
#define OWNER_MARKER_ROOM (OWNER_MARKER_MAX + 3)

/* The marker value for me into out[len], quoted as Route 53 stores a
 * TXT string.  R53_ERR_CONFIG, out "", when it would be longer than
 * OWNER_MARKER_MAX or len: the reason names the part to shorten. */
r53_rc owner_marker(const struct owner_id *me, char *out, size_t len, struct r53_error *err);

/* What can be checked of the marker before start knows the cluster:
 * its length with the owner parameter, or without a cluster name when
 * that is unset (the CIB's is read at start).  R53_OK when ownership is
 * off; else as owner_marker. */
r53_rc owner_check(const struct params_ownership *o, const char *instance,
                   const char *set_identifier, struct r53_error *err);

/* True when txt (one TXT value, quoted) is a route53 marker; *who says
 * whose (who->set "" for a plain record's). */
bool owner_parse(const char *txt, struct owner_id *who);

enum owner_state {
    OWNER_NONE,  /* no marker at the name */
    OWNER_US,    /* our marker */
    OWNER_OTHER, /* another cluster's or resource's: *other says whose */
};

/* The owner of a name's record me->set names (the plain record, or that
 * member) from the markers among its record sets (name may hold none). */
enum owner_state owner_of(const struct r53_name *name, const struct owner_id *me,
                          struct owner_id *other);

/* The record a resource keeps: a plain one (set_identifier "") or one
 * member of a set (set_identifier and routing). */
struct owner_record {
    const char *fqdn;
    const char *type;
    long ttl;
    const char *value;
    const char *set_identifier;        /* "" or NULL: plain */
    const struct r53_routing *routing; /* with set_identifier */
};

/* The batch that makes the name hold rec and, marker not NULL, our
 * marker, from what was read: DELETE what is there now (our record
 * set; for a member also a plain set of the type, which it converts, and
 * that plain record's marker), CREATE what should be; every other TXT
 * value, other members' markers among them, kept.  The batch's strings
 * point into name, rec and marker (which must outlive it).  Returns the
 * number of changes (at most 5). */
struct owner_batch {
    struct r53_change changes[6];
    const char *addr_values[1];
    const char *old_plain[R53_MAX_VALUES];
    const char *old_addr[R53_MAX_VALUES];
    const char *old_txt[R53_MAX_VALUES];
    const char *new_txt[R53_MAX_VALUES + 1];
};
size_t owner_build_claim(const struct r53_name *name, const struct owner_record *rec,
                         const char *marker, struct owner_batch *b);

/* The batch that removes our record set and our marker, only as read
 * (rec's ttl and value unused: the DELETE repeats what was read). */
size_t owner_build_release(const struct r53_name *name, const struct owner_record *rec,
                           const char *marker, struct owner_batch *b);

#endif
