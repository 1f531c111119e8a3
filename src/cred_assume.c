#include "credentials.h"

#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred_cache.h"
#include "sts.h"

struct assume {
    struct cred_provider *source; /* owned: whose credentials assume the role */
    struct aws_caller *sts;       /* owned: signs with source */
    char role_arn[2048];
    char external_id[1300];
    bool has_external_id;
    char session_name[65];
    char region[40]; /* STS's signing region */
    long duration_s;
    char cache_dir[512];
    char key[65];
};

/* Ask STS. */
static r53_rc assume_fetch(void *ctx, struct credentials *out, time_t *expires)
{
    struct assume *a = ctx;
    struct sts_assume req = { a->role_arn, a->session_name,
                              a->has_external_id ? a->external_id : NULL, a->duration_s };
    r53_rc rc = sts_assume_role(a->sts, &req, out, expires);

    if (rc == R53_OK) {
        snprintf(out->source, sizeof(out->source), "role %.50s", a->role_arn);
        qb_log(LOG_INFO, "assumed %s as %s, key %.4s... until %lld", a->role_arn, a->session_name,
               out->access_key_id, (long long)*expires);
    }
    return rc;
}

static r53_rc assume_through(struct cred_provider *p, bool renew, struct credentials *out)
{
    struct assume *a = p->impl;
    struct cred_cache_use u = { a->cache_dir, a->key, a->role_arn, assume_fetch, a };

    return cred_cache_through(&u, renew, out);
}

static r53_rc assume_get(struct cred_provider *p, struct credentials *out)
{
    return assume_through(p, false, out);
}

/* ExpiredToken on the role's keys: they must not be used again. */
static r53_rc assume_renew(struct cred_provider *p, struct credentials *out)
{
    return assume_through(p, true, out);
}

static void assume_destroy(struct cred_provider *p)
{
    struct assume *a = p->impl;

    aws_caller_free(a->sts);
    cred_provider_free(a->source);
    free(a);
}

static const struct cred_provider_ops assume_ops = { assume_get, assume_renew, NULL,
                                                     assume_destroy };

struct cred_provider *cred_assume_new(const struct cred_assume_opts *o)
{
    struct assume *a = calloc(1, sizeof(*a));
    struct aws_service service;

    if (a != NULL) {
        snprintf(a->region, sizeof(a->region), "%s", o->signing_region);
        service = sts_service(a->region);
    }
    if (a == NULL || aws_caller_new(o->endpoint, &service, o->http, o->source, &a->sts) != R53_OK) {
        free(a);
        cred_provider_free(o->source);
        return NULL;
    }
    aws_caller_set_retry(a->sts, o->retry);
    a->source = o->source;
    snprintf(a->role_arn, sizeof(a->role_arn), "%s", o->role_arn);
    a->has_external_id = o->external_id != NULL;
    snprintf(a->external_id, sizeof(a->external_id), "%s",
             o->external_id != NULL ? o->external_id : "");
    snprintf(a->session_name, sizeof(a->session_name), "%s", o->session_name);
    a->duration_s = o->duration_s;
    snprintf(a->cache_dir, sizeof(a->cache_dir), "%s", o->cache_dir != NULL ? o->cache_dir : "");
    cred_cache_key(o->role_arn, o->external_id, o->source->name, a->key);
    return cred_provider_new("role", &assume_ops, a);
}
