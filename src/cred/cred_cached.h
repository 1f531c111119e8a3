/* The cached provider: one decorator around any source whose credentials
 * expire (STS's roles, web identity, credential_process), as aws-c-auth's
 * credentials_provider_cached.c.  The source has a get alone, which sets
 * credentials.expires; the decorator
 *   get:   answers from memory, else from the node's cache (cred_cache.h:
 *          the file other actions, other processes, left), else asks the
 *          source and keeps its answer in both;
 *   renew: (ExpiredToken) drops both and asks the source once more.
 * Credentials are used until CRED_CACHE_MARGIN_S before they expire, then
 * asked for again.  Those that never expire (expires 0) are handed on and
 * not kept, so each get asks the source.  A source's failure is returned
 * as it is; the node's entry is then left as it was, except after renew,
 * which has dropped it for good.  The log names a key by its first 4
 * characters only. */
#ifndef R53_CRED_CACHED_H
#define R53_CRED_CACHED_H

#include <time.h>

#include "credentials.h"

struct cred_cached_opts {
    struct cred_provider *source; /* owned from here on; NULL: none (out of memory) */
    const char *dir;              /* the node's cache ($HA_RSCTMP); NULL or "": memory only */
    const char *key;              /* the entry's name, cred_cache_key()'s; copied */
    const char *what;             /* for the log: a role ARN, "credential_process"; copied */
    time_t (*now)(void);          /* the clock; NULL: time(NULL) */
};

/* A provider named as its source, which it owns and frees.  NULL when
 * out of memory or o->source is NULL (the source freed). */
struct cred_provider *cred_cached_new(const struct cred_cached_opts *o);

#endif
