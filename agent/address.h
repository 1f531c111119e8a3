/* Where the address to publish comes from: a literal, this instance's
 * metadata, a Pacemaker IP resource, or a network interface. */
#ifndef R53_ADDRESS_H
#define R53_ADDRESS_H

#include <stdbool.h>

#include "rc.h"

#define ADDRESS_MAX 46 /* INET6_ADDRSTRLEN */

struct address {
    char text[ADDRESS_MAX]; /* canonical text form (inet_ntop) */
    bool ipv6;              /* record type AAAA rather than A */
};

/* Parse a literal IPv4 or IPv6 address into its canonical form.
 * R53_ERR_CONFIG (with reason) if text is not one. */
r53_rc address_parse(const char *text, struct address *out, struct r53_error *err);

/* True if both texts are the same address (IPv6 in any spelling). */
bool address_equal(const char *a, const char *b);

/* The primary address of interface ifname: its first IPv4 address, or
 * its first global IPv6 address if it has no IPv4.  R53_ERR_HOST if the
 * interface does not exist or has no such address. */
r53_rc address_from_interface(const char *ifname, struct address *out, struct r53_error *err);

/* True if an interface named ifname exists on this host. */
bool address_interface_exists(const char *ifname);

/* The `ip` parameter of Pacemaker resource rsc_id, read by running
 * `crm_resource -r ID --get-parameter ip` (found on PATH, or at
 * crm_resource_path if not NULL) with a timeout of timeout_ms, a
 * minimal environment (no AWS_* variable) and no secret in argv.
 * R53_ERR_NOT_INSTALLED if crm_resource is missing, R53_ERR_CONFIG if the
 * resource or parameter does not exist or is not an address,
 * R53_ERR_TIMEOUT if it does not answer in time. */
r53_rc address_from_resource(const char *rsc_id, const char *crm_resource_path, long timeout_ms,
                             struct address *out, struct r53_error *err);

/* True if id can be a Pacemaker resource id passed to crm_resource:
 * letters, digits, '_', '.', ':', '-' (not first), at most 256 bytes. */
bool address_resource_id_ok(const char *id);

/* What a Pacemaker tool run by the agent may see of our environment
 * (spawn_opts.env_allow): where the CIB is, never an AWS variable. */
extern const char *const address_pacemaker_env[];

/* Full path of crm_resource on PATH (static buffer), or NULL. */
const char *address_find_crm_resource(void);

#endif
