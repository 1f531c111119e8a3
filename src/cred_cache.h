/* Temporary credentials kept between actions (an action is one
 * process): one file per source under a directory ($HA_RSCTMP), mode
 * 0600, written atomically, the old file's bytes wiped when it is
 * replaced or dropped.  Reused until CRED_CACHE_MARGIN_S before they
 * expire, so a recurring monitor with a warm cache asks STS nothing. */
#ifndef R53_CRED_CACHE_H
#define R53_CRED_CACHE_H

#include <stdbool.h>
#include <time.h>

#include "credentials.h"
#include "rc.h"

#define CRED_CACHE_MARGIN_S 300 /* five minutes, as botocore refreshes */

/* The cache key: SHA-256 (hex) of the role, the external id and the
 * source, so two resources assuming one role from one source share it. */
void cred_cache_key(const char *role_arn, const char *external_id, const char *source,
                    char out[65]);

/* A source's credentials through the cache: a good entry, else fetch
 * (which gives their expiry, 0: none, then not kept), kept for the next
 * action.  renew: the entry is dropped first.  dir "": no cache. */
struct cred_cache_use {
    const char *dir;
    const char *key;
    const char *what; /* for the log: "role arn:...", "credential_process" */
    r53_rc (*fetch)(void *ctx, struct credentials *out, time_t *expires);
    void *ctx;
};
r53_rc cred_cache_through(const struct cred_cache_use *u, bool renew, struct credentials *out);

#endif
