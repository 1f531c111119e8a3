#include "cred_cached.h"

#include <qb/qblog.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_cache.h"

struct cached {
    struct cred_provider *source; /* owned */
    struct credentials kept;      /* in memory; access_key_id NULL: none */
    char dir[512];                /* "": no node cache */
    char key[65];
    char what[2048];
    time_t (*now)(void);
};

static time_t clock_now(void)
{
    return time(NULL);
}

/* Good for CRED_CACHE_MARGIN_S more, as cred_cache_read judges a file. */
static bool fresh(const struct cached *c, time_t expires)
{
    return expires - CRED_CACHE_MARGIN_S > c->now();
}

/* A copy of from in *out (the caller wipes). */
static r53_rc copy(const struct credentials *from, struct credentials *out, struct r53_error *err)
{
    const char *token = from->session_token;
    r53_rc rc = credentials_fill(out, from->access_key_id, strlen(from->access_key_id),
                                 from->secret_access_key, strlen(from->secret_access_key), token,
                                 token != NULL ? strlen(token) : 0, from->source, err);

    if (rc == R53_OK) {
        out->expires = from->expires;
    }
    return rc;
}

/* got in memory too; out of memory only means the next get looks again. */
static void remember(struct cached *c, const struct credentials *got)
{
    struct r53_error ignored = { 0 }; /* not kept: the next get looks again */

    credentials_wipe(&c->kept);
    (void)copy(got, &c->kept, &ignored);
}

/* Ask the source; what expires is kept in memory and on the node. */
static r53_rc from_source(struct cached *c, struct credentials *out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct r53_error unkept = { 0 }; /* the next action asks the source again */

    if ((rc = cred_provider_get(c->source, out, err)) != R53_OK || out->expires == 0) {
        return rc;
    }
    remember(c, out);
    if (c->dir[0] != '\0' &&
        cred_cache_write(c->dir, c->key, out, out->expires, &unkept) != R53_OK) {
        qb_log(LOG_WARNING, "%s: cannot keep the credentials: %s", c->what, unkept.reason);
    }
    return rc;
}

static r53_rc cached_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct cached *c = p->impl;
    time_t expires = 0;
    struct r53_error miss = { 0 }; /* a cache miss is no failure: ask the source */

    if (c->kept.access_key_id != NULL && fresh(c, c->kept.expires)) {
        return copy(&c->kept, out, err);
    }
    credentials_wipe(&c->kept);
    if (c->dir[0] != '\0' &&
        cred_cache_read(c->dir, c->key, c->now(), out, &expires, &miss) == R53_OK) {
        qb_log(LOG_DEBUG, "%s: cached credentials, key %.4s..., good until %lld", c->what,
               out->access_key_id, (long long)expires);
        out->expires = expires;
        remember(c, out);
        return R53_OK;
    }
    return from_source(c, out, err);
}

/* ExpiredToken: neither copy may be used again, whatever the source says. */
static r53_rc cached_renew(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct cached *c = p->impl;

    credentials_wipe(&c->kept);
    if (c->dir[0] != '\0') {
        cred_cache_drop(c->dir, c->key);
    }
    return from_source(c, out, err);
}

static void cached_destroy(struct cred_provider *p)
{
    struct cached *c = p->impl;

    credentials_wipe(&c->kept);
    cred_provider_free(c->source);
    free(c);
}

static const struct cred_provider_ops cached_ops = {
    .get = cached_get,
    .renew = cached_renew,
    .destroy = cached_destroy,
};

struct cred_provider *cred_cached_new(const struct cred_cached_opts *o)
{
    struct cached *c = o->source != NULL ? calloc(1, sizeof(*c)) : NULL;

    if (c == NULL) {
        cred_provider_free(o->source);
        return NULL;
    }
    c->source = o->source;
    snprintf(c->dir, sizeof(c->dir), "%s", o->dir != NULL ? o->dir : "");
    snprintf(c->key, sizeof(c->key), "%s", o->key);
    snprintf(c->what, sizeof(c->what), "%s", o->what);
    c->now = o->now != NULL ? o->now : clock_now;
    return cred_provider_new(o->source->name, &cached_ops, c);
}
