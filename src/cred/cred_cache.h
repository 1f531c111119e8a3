/* Temporary credentials kept between actions (an action is one
 * process): one file per source under a directory ($HA_RSCTMP), mode
 * 0600, written atomically, the old file's bytes wiped when it is
 * replaced or dropped.  Reused until CRED_CACHE_MARGIN_S before they
 * expire, so a recurring monitor with a warm cache asks STS nothing.
 * The cached provider (cred_cached.h) is its user. */
#ifndef R53_CRED_CACHE_H
#define R53_CRED_CACHE_H

#include <time.h>

#include "credentials.h"
#include "rc.h"

#define CRED_CACHE_MARGIN_S 300 /* five minutes, as botocore refreshes */

/* The cache key: SHA-256 (hex) of the role, the external id and the
 * source, so two resources assuming one role from one source share it. */
void cred_cache_key(const char *role_arn, const char *external_id, const char *source,
                    char out[65]);

/* R53_OK with *out (the caller wipes) and *expires while they are good
 * for CRED_CACHE_MARGIN_S more; R53_ERR_NOT_FOUND otherwise. */
r53_rc cred_cache_read(const char *dir, const char *key, time_t now, struct credentials *out,
                       time_t *expires, struct r53_error *err);

r53_rc cred_cache_write(const char *dir, const char *key, const struct credentials *c,
                        time_t expires, struct r53_error *err);

/* Wipe and remove the entry (ExpiredToken: it must not be used again). */
void cred_cache_drop(const char *dir, const char *key);

#endif
