/* The local record that the resource is active on this node: one small
 * file per resource instance under $HA_RSCTMP, replaced atomically. */
#ifndef R53_STATE_H
#define R53_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"

struct state {
    char zone_id[64];
    char fqdn[256];
    char type[8];
    char value[64];
    long ttl;
    bool private_zone; /* DNS-first monitor asks this node's resolvers */
    /* Addresses of the zone's name servers, learnt at start for the
     * DNS-first monitor ("ADDR:PORT,..."); empty: none usable. */
    char name_servers[400];
    /* The cluster named in the ownership marker start wrote; monitor
     * and stop look for that one ("": ownership off, or a state file
     * from before markers). */
    char owner[256];
    /* The member of a set sharing the name and type that start wrote
     * (parameter set_identifier); "": a plain record. */
    char set_identifier[129];
    /* A deferred publish (start_api_failure=defer, agent/publisher.h):
     * since when it is pending ("2026-12-07T03:20:00Z"; "": nothing
     * pending), and the publisher process that carries it out, by pid
     * and start time (/proc/<pid>/stat field 22), so that a recycled pid
     * is never signalled (0: none). */
    char pending_since[32];
    long publisher_pid;
    unsigned long long publisher_start;
    /* Why a deferred publish ended without the record (another owner,
     * defer_max reached); "": it did not.  The monitor reports it. */
    char publish_failed[600];
};

/* "$HA_RSCTMP/route53-<instance>.state" (HA_RSCTMP defaults to
 * /run/resource-agents); '/' in the instance becomes '_'. */
void state_path(const char *rsctmp, const char *instance, char *out, size_t outlen);

/* Write s to path: a temp file in the same directory, fsync, rename,
 * fsync of the directory; the directory is created if missing.  Readers
 * see the old file or the new one, never a part. */
r53_rc state_write(const char *path, const struct state *s, struct r53_error *err);

/* R53_ERR_NOT_FOUND if there is no state file; R53_ERR_IO if it cannot
 * be read or is not one of ours.  zone_id and fqdn may be empty while a
 * publish is pending or after it failed (a start that never reached the
 * API); the other fields never. */
r53_rc state_read(const char *path, struct state *out, struct r53_error *err);

/* Remove the state file; no file is success. */
r53_rc state_remove(const char *path, struct r53_error *err);

#endif
