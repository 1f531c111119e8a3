/* Who owns a name: a TXT value at the record's own name,
 *   "heritage=route53,cluster=<cluster>,resource=<resource id>"
 * (as external-dns's registry), read in the same ListResourceRecordSets
 * call as the record, and the compare-and-swap batch that writes the
 * record and the marker together.  Other TXT values at the name (SPF,
 * verification tokens) are kept as they are. */
#ifndef R53_OWNER_H
#define R53_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"
#include "rc.h"
#include "route53.h"

struct owner_id {
    char cluster[128];
    char resource[128];
};

/* This resource's identity: instance (OCF_RESOURCE_INSTANCE; a clone's
 * ":N" dropped), and the cluster: the owner parameter, else known (what
 * start wrote, from the state file; NULL or "" for none), else the CIB's
 * cluster-name (through crm_attribute, within timeout_ms).  R53_ERR_HOST
 * when no cluster name can be had. */
r53_rc owner_self(const struct params_ownership *o, const char *instance, const char *known,
                  long timeout_ms, struct owner_id *me, struct r53_error *err);

/* The marker value for me, quoted as Route 53 stores a TXT string. */
void owner_marker(const struct owner_id *me, char *out, size_t len);

enum owner_state {
    OWNER_NONE,  /* no marker at the name */
    OWNER_US,    /* our marker */
    OWNER_OTHER, /* another cluster's or resource's: *other says whose */
};

/* The owner of a name from its record sets (name may hold none). */
enum owner_state owner_of(const struct r53_name *name, const struct owner_id *me,
                          struct owner_id *other);

/* The batch that makes the name hold (type, ttl, value) and our marker,
 * from what was read: DELETE what is there now, CREATE what should be;
 * other TXT values kept.  with_marker false: the address only.  The
 * batch's strings point into name, value, marker and buf (which must
 * outlive it).  Returns the number of changes (at most 4). */
struct owner_batch {
    struct r53_change changes[4];
    const char *addr_values[1];
    const char *old_addr[R53_MAX_VALUES];
    const char *old_txt[R53_MAX_VALUES];
    const char *new_txt[R53_MAX_VALUES + 1];
};
size_t owner_build_claim(const struct r53_name *name, const char *fqdn, const char *type, long ttl,
                         const char *value, const char *marker, struct owner_batch *b);

/* The batch that removes our address and our marker, only as read. */
size_t owner_build_release(const struct r53_name *name, const char *fqdn, const char *type,
                           const char *marker, struct owner_batch *b);

#endif
