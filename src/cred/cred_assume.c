#include "credentials.h"

#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
};

/* Ask STS; cred_cached keeps the answer. */
static r53_rc assume_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct assume *a = p->impl;
    struct sts_assume req = {
        .role_arn = a->role_arn,
        .session_name = a->session_name,
        .external_id = a->has_external_id ? a->external_id : NULL,
        .duration_s = a->duration_s,
    };
    time_t expires = 0;
    r53_rc rc = sts_assume_role(a->sts, &req, out, &expires, err);

    if (rc == R53_OK) {
        out->expires = expires;
        snprintf(out->source, sizeof(out->source), "role %.50s", a->role_arn);
        qb_log(LOG_INFO, "assumed %s as %s, key %.4s... until %lld", a->role_arn, a->session_name,
               out->access_key_id, (long long)expires);
    }
    return rc;
}

static void assume_destroy(struct cred_provider *p)
{
    struct assume *a = p->impl;

    aws_caller_free(a->sts);
    cred_provider_free(a->source);
    free(a);
}

static const struct cred_provider_ops assume_ops = {
    .get = assume_get,
    .destroy = assume_destroy,
};

struct cred_provider *cred_assume_new(const struct cred_assume_opts *o)
{
    struct assume *a = calloc(1, sizeof(*a));
    struct aws_service service;
    struct r53_error ignored = { 0 }; /* NULL says it: out of memory */

    if (a != NULL) {
        snprintf(a->region, sizeof(a->region), "%s", o->signing_region);
        service = sts_service(a->region);
    }
    if (a == NULL ||
        aws_caller_new(o->endpoint, &service, o->http, o->source, &a->sts, &ignored) != R53_OK) {
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
    return cred_provider_new("role", &assume_ops, a);
}
