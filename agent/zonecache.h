/* This node's cache of hosted zones (id, name, private, name servers)
 * under $HA_RSCTMP, one small file per zone, for ZONECACHE_TTL_S: when a
 * node dies and its resources start here at once, one of them asks
 * GetHostedZone (or ListHostedZonesByName) and the others read its
 * answer, sparing the account's API quota.  Each entry is read and
 * written under an exclusive flock, so the others wait for the first; an
 * entry that fails its checks is not used.  A zone's id, name and
 * delegation set do not change while it exists; NoSuchHostedZone drops
 * the entry. */
#ifndef R53_ZONECACHE_H
#define R53_ZONECACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "route53.h"

#define ZONECACHE_TTL_S 3600

/* The entry for key (a zone id, or "name:" and a zone name), locked
 * until zonecache_close; waits for another holder until deadline_ms.
 * -1 when no cache can be had: then ask the API. */
int zonecache_open(const char *dir, const char *key, int64_t deadline_ms);

/* True with *out when the entry holds a zone written less than an hour ago. */
bool zonecache_read(int fd, struct r53_zone *out);

void zonecache_write(int fd, const struct r53_zone *zone);

/* Empty the entry (the zone is gone, or not what we thought). */
void zonecache_forget(int fd);

/* Unlock and close; -1 is a no-op. */
void zonecache_close(int fd);

#endif
