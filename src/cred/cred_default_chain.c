#include "cred_default_chain.h"

#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cred_cache.h"
#include "cred_cached.h"
#include "endpoint.h"
#include "imds.h"
#include "profile.h"
#include "sts.h"

#define CHAIN_MAX_DEPTH 8 /* source_profile hops */

/* What every step of the build reads. */
struct chain_ctx {
    const struct cred_default_chain_opts *o;
    const struct aws_settings *a;
    char profile_region[40]; /* the profile's (else the instance's) region, for STS */
};

/* STS's endpoint and signing region on this node: the region is the
 * settings' (AWS_REGION, AWS_DEFAULT_REGION), else the profile's or the
 * instance's (may be none). */
static r53_rc sts_where(const struct chain_ctx *c, struct endpoint *ep, char *region, size_t len,
                        struct r53_error *err)
{
    const struct aws_settings *a = c->a;
    char url[512];
    const char *r = a->region != NULL ? a->region : c->profile_region;
    r53_rc rc = sts_endpoint(a->sts_endpoint, NULL, r[0] != '\0' ? r : NULL, !a->sts_legacy, url,
                             sizeof(url), region, len, err);

    return rc != R53_OK ? rc : endpoint_parse_https("sts_endpoint", url, ep, err);
}

/* What a cluster cannot do: type a code, log in, reach a container agent. */
static r53_rc refuse(const char *profile, const struct profile_settings *s, struct r53_error *err)
{
    if (s->set[PROFILE_MFA_SERIAL]) {
        return r53_fail(err, R53_ERR_HOST,
                        "profile '%s' has mfa_serial: it needs a code typed at a prompt, which "
                        "nobody can do for a cluster at 3 a.m.; use a role without MFA",
                        profile);
    }
    if (s->set[PROFILE_SSO_SESSION] || s->set[PROFILE_SSO_START_URL]) {
        return r53_fail(err, R53_ERR_HOST,
                        "profile '%s' is an SSO profile: it needs an interactive 'aws sso "
                        "login'; use a role, credential_process or keys",
                        profile);
    }
    if (s->set[PROFILE_CREDENTIAL_SOURCE] &&
        strcmp(s->value[PROFILE_CREDENTIAL_SOURCE], "Environment") != 0 &&
        strcmp(s->value[PROFILE_CREDENTIAL_SOURCE], "Ec2InstanceMetadata") != 0) {
        return r53_fail(err, R53_ERR_HOST,
                        "profile '%s': credential_source = %s is not available on a cluster "
                        "node; use Environment or Ec2InstanceMetadata",
                        profile, s->value[PROFILE_CREDENTIAL_SOURCE]);
    }
    return R53_OK;
}

/* source wrapped so that its temporary credentials are kept in memory
 * and in the node's cache under the key of (k1, k2, k3); NULL when source
 * is NULL. */
static struct cred_provider *cached(const struct chain_ctx *c, struct cred_provider *source,
                                    const char *k1, const char *k2, const char *k3,
                                    const char *what)
{
    char key[65];

    if (source == NULL) {
        return NULL;
    }
    cred_cache_key(k1, k2, k3, key);
    return cred_cached_new(&(struct cred_cached_opts){
        .source = source, .dir = c->o->cache_dir, .key = key, .what = what });
}

/* AssumeRole of the profile's role_arn with source's credentials. */
static r53_rc assume(const struct chain_ctx *c, const struct profile_settings *s,
                     struct cred_provider *source, struct cred_provider **out,
                     struct r53_error *err)
{
    struct endpoint ep;
    char region[40];
    struct cred_assume_opts o = { 0 };
    r53_rc rc = sts_where(c, &ep, region, sizeof(region), err);

    *out = NULL;
    if (rc == R53_OK && !sts_role_arn_ok(s->value[PROFILE_ROLE_ARN])) {
        rc =
            r53_fail(err, R53_ERR_HOST, "role_arn = %s in this node's AWS config is not a role ARN",
                     s->value[PROFILE_ROLE_ARN]);
    }
    if (rc != R53_OK) {
        cred_provider_free(source);
        return rc;
    }
    o = (struct cred_assume_opts){
        .source = source,
        .endpoint = &ep,
        .signing_region = region,
        .http = c->o->http,
        .retry = c->o->retry,
        .role_arn = s->value[PROFILE_ROLE_ARN],
        .external_id = s->set[PROFILE_EXTERNAL_ID] ? s->value[PROFILE_EXTERNAL_ID] : NULL,
        .session_name = s->set[PROFILE_ROLE_SESSION_NAME] ? s->value[PROFILE_ROLE_SESSION_NAME]
                                                          : c->a->session_name,
        .duration_s = s->set[PROFILE_DURATION_SECONDS]
                          ? strtol(s->value[PROFILE_DURATION_SECONDS], NULL, 10)
                          : 0,
    };
    *out = cached(c, cred_assume_new(&o), o.role_arn, o.external_id, source->name, o.role_arn);
    return *out != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
}

/* A profile's credential_process; its keys with an Expiration kept. */
static struct cred_provider *process(const struct chain_ctx *c, const char *command)
{
    return cached(c, cred_process_new(command, c->o->timeout_ms), "credential_process", command, "",
                  "credential_process");
}

/* NOLINTNEXTLINE(misc-no-recursion): source_profile hops, at most CHAIN_MAX_DEPTH. */
static r53_rc source_of(const struct chain_ctx *c, const char *profile, const char **seen,
                        int depth, struct cred_provider **out, struct r53_error *err);

/* The source of a role profile: its source_profile, or its
 * credential_source. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by CHAIN_MAX_DEPTH (source_of). */
static r53_rc role_source(const struct chain_ctx *c, const char *profile,
                          const struct profile_settings *s, const char **seen, int depth,
                          struct cred_provider **out, struct r53_error *err)
{
    *out = NULL;
    if (s->set[PROFILE_SOURCE_PROFILE]) {
        return source_of(c, s->value[PROFILE_SOURCE_PROFILE], seen, depth + 1, out, err);
    }
    if (strcmp(s->value[PROFILE_CREDENTIAL_SOURCE], "Environment") == 0) {
        *out = cred_env_new(c->o->getenv_fn);
    } else if (c->o->imds != NULL) {
        *out = cred_imds_new(c->o->imds);
    } else {
        return r53_fail(err, R53_ERR_HOST,
                        "profile '%s': credential_source = Ec2InstanceMetadata, but instance "
                        "metadata is disabled",
                        profile);
    }
    return *out != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
}

/* A source profile's own role, or NULL (rc set on failure). */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by CHAIN_MAX_DEPTH (source_of). */
static r53_rc source_role(const struct chain_ctx *c, const char *profile,
                          const struct profile_settings *s, const char **seen, int depth,
                          struct cred_provider **out, struct r53_error *err)
{
    struct cred_provider *src = NULL;
    r53_rc rc = R53_OK;

    *out = NULL;
    /* A profile that is its own source_profile assumes with its keys. */
    if (s->set[PROFILE_SOURCE_PROFILE] && strcmp(s->value[PROFILE_SOURCE_PROFILE], profile) == 0) {
        src = cred_profile_new(c->a->credentials_file, c->a->config_file, profile);
        rc = src != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
    } else {
        rc = role_source(c, profile, s, seen, depth, &src, err);
    }
    return rc == R53_OK ? assume(c, s, src, out, err) : rc;
}

/* The credentials a profile stands for as a source_profile, first found
 * as botocore looks: its keys, its own role (recursively; the top
 * profile's role is the chain's), its credential_process. */
/* NOLINTNEXTLINE(misc-no-recursion): source_profile hops, at most CHAIN_MAX_DEPTH. */
static r53_rc source_of(const struct chain_ctx *c, const char *profile, const char **seen,
                        int depth, struct cred_provider **out, struct r53_error *err)
{
    struct profile_settings *s = calloc(1, sizeof(*s));
    struct cred_provider *m[3] = { NULL };
    size_t n = 0;
    bool role = false;
    r53_rc rc = s != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");

    *out = NULL;
    if (rc == R53_OK && depth >= CHAIN_MAX_DEPTH) {
        rc = r53_fail(err, R53_ERR_HOST, "profile '%s': more than %d source_profile hops", seen[0],
                      CHAIN_MAX_DEPTH);
    }
    for (int i = 0; rc == R53_OK && i < depth; i++) {
        if (strcmp(seen[i], profile) == 0) {
            rc = r53_fail(err, R53_ERR_HOST, "source_profile loop: profile '%s' leads back to '%s'",
                          seen[0], profile);
        }
    }
    if (rc == R53_OK) {
        seen[depth] = profile;
        rc = profile_settings_read(c->a->credentials_file, c->a->config_file, profile, s, err);
    }
    if (rc == R53_OK && (rc = refuse(profile, s, err)) == R53_OK) {
        role = s->set[PROFILE_ROLE_ARN] &&
               (s->set[PROFILE_SOURCE_PROFILE] || s->set[PROFILE_CREDENTIAL_SOURCE]);
        if (depth > 0 || !role) {
            m[n++] = cred_profile_new(c->a->credentials_file, c->a->config_file, profile);
        }
        if (role && (rc = source_role(c, profile, s, seen, depth, &m[n], err)) == R53_OK) {
            n++;
        }
        if (rc == R53_OK && s->set[PROFILE_CREDENTIAL_PROCESS]) {
            m[n++] = process(c, s->value[PROFILE_CREDENTIAL_PROCESS]);
        }
    }
    free(s);
    for (size_t i = 0; i < n && rc == R53_OK; i++) {
        rc = m[i] == NULL ? r53_fail(err, R53_ERR_NOMEM, "out of memory") : R53_OK;
    }
    if (rc != R53_OK) {
        for (size_t i = 0; i < n; i++) {
            cred_provider_free(m[i]);
        }
        return rc;
    }
    *out = n == 1 ? m[0] : cred_chain_new(m, n, "the source profile has no credentials");
    return *out != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
}

/* Web identity: the profile's, else the environment's. */
static r53_rc web_identity(const struct chain_ctx *c, const struct profile_settings *s,
                           struct cred_provider **out, struct r53_error *err)
{
    const struct aws_settings *a = c->a;
    const struct aws_web_identity *env = &a->web_identity;
    bool from_profile = s->set[PROFILE_WEB_IDENTITY_TOKEN_FILE] && s->set[PROFILE_ROLE_ARN];
    struct endpoint ep;
    char region[40];
    struct cred_web_identity_opts o = { 0 };
    r53_rc rc = R53_OK;

    *out = NULL;
    /* The environment's web identity, as botocore, only for a profile
     * the caller did not name. */
    if (!from_profile &&
        (a->profile_from_caller || env->token_file == NULL || env->role_arn == NULL)) {
        return R53_OK;
    }
    if ((rc = sts_where(c, &ep, region, sizeof(region), err)) != R53_OK) {
        return rc;
    }
    if (from_profile && !sts_role_arn_ok(s->value[PROFILE_ROLE_ARN])) {
        return r53_fail(err, R53_ERR_HOST,
                        "role_arn = %s in this node's AWS config is not a role ARN",
                        s->value[PROFILE_ROLE_ARN]);
    }
    o = (struct cred_web_identity_opts){
        .endpoint = &ep,
        .signing_region = region,
        .http = c->o->http,
        .retry = c->o->retry,
        .token_file = from_profile ? s->value[PROFILE_WEB_IDENTITY_TOKEN_FILE] : env->token_file,
        .role_arn = from_profile ? s->value[PROFILE_ROLE_ARN] : env->role_arn,
        .session_name = from_profile && s->set[PROFILE_ROLE_SESSION_NAME]
                            ? s->value[PROFILE_ROLE_SESSION_NAME]
                        : !from_profile && env->session_name != NULL ? env->session_name
                                                                     : a->session_name,
    };
    *out = cached(c, cred_web_identity_new(&o), o.role_arn, NULL, o.token_file, o.role_arn);
    return *out != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
}

/* The members from the settings' profile, in botocore's order. */
static r53_rc profile_members(const struct chain_ctx *c, const struct profile_settings *s,
                              struct cred_provider **m, size_t *n, struct r53_error *err)
{
    const struct aws_settings *a = c->a;
    const char *seen[CHAIN_MAX_DEPTH] = { NULL };
    r53_rc rc = refuse(a->profile, s, err);

    if (rc == R53_OK && s->set[PROFILE_ROLE_ARN] &&
        (s->set[PROFILE_SOURCE_PROFILE] || s->set[PROFILE_CREDENTIAL_SOURCE])) {
        rc = source_of(c, a->profile, seen, 0, &m[(*n)++], err);
    }
    if (rc == R53_OK && (rc = web_identity(c, s, &m[*n], err)) == R53_OK && m[*n] != NULL) {
        (*n)++;
    }
    if (rc == R53_OK) {
        m[(*n)++] = cred_profile_new(a->credentials_file, NULL, a->profile);
    }
    if (rc == R53_OK && s->set[PROFILE_CREDENTIAL_PROCESS]) {
        m[(*n)++] = process(c, s->value[PROFILE_CREDENTIAL_PROCESS]);
    }
    if (rc == R53_OK) {
        m[(*n)++] = cred_profile_new(NULL, a->config_file, a->profile);
    }
    return rc;
}

/* Why nothing was found, when every member had nothing. */
static void none_reason(const struct aws_settings *a, char *out, size_t len)
{
    if (a->profile_explicit && a->imds_disabled) {
        snprintf(out, len, "profile '%s' has no keys in %s or %s", a->profile, a->credentials_file,
                 a->config_file);
    } else {
        snprintf(out, len,
                 "no credentials: none in the environment, in %s or %s, and instance metadata "
                 "is disabled",
                 a->credentials_file, a->config_file);
    }
}

/* STS's region when nothing else names one: this instance's, from IMDS
 * (as the AWS CLI does on EC2); none found is no error. */
static void instance_region(struct chain_ctx *c)
{
    char *text = NULL;
    struct r53_error ignored = { 0 }; /* no region from IMDS is no error */

    if (imds_get(c->o->imds, "placement/region", &text, &ignored) == R53_OK) {
        snprintf(c->profile_region, sizeof(c->profile_region), "%s", text);
    }
    free(text);
}

/* STS's region from the profile, else (when a role will need one and
 * nothing else names it) from the instance. */
static void find_profile_region(struct chain_ctx *c, const struct profile_settings *s)
{
    const struct aws_settings *a = c->a;

    if (s->set[PROFILE_REGION]) {
        snprintf(c->profile_region, sizeof(c->profile_region), "%s", s->value[PROFILE_REGION]);
    } else if (a->region == NULL && a->sts_endpoint == NULL && c->o->imds != NULL &&
               (a->role_arn != NULL || s->set[PROFILE_ROLE_ARN] ||
                a->web_identity.role_arn != NULL)) {
        instance_region(c);
    }
}

/* Every member, in botocore's order, as one chain provider. */
static r53_rc build_chain(struct chain_ctx *c, struct cred_provider **out, struct r53_error *err)
{
    const struct aws_settings *a = c->a;
    struct cred_provider *m[CRED_CHAIN_MAX] = { NULL };
    struct profile_settings *s = calloc(1, sizeof(*s));
    size_t n = 0;
    char none[512];
    r53_rc rc = s != NULL
                    ? profile_settings_read(a->credentials_file, a->config_file, a->profile, s, err)
                    : r53_fail(err, R53_ERR_NOMEM, "out of memory");

    *out = NULL;
    if (rc == R53_OK) {
        find_profile_region(c, s);
    }
    /* botocore: a profile the caller named (the agent: its parameter) skips the
     * environment's keys; AWS_PROFILE does not. */
    if (rc == R53_OK && !a->profile_from_caller) {
        m[n++] = cred_env_new(c->o->getenv_fn);
    }
    if (rc == R53_OK) {
        rc = profile_members(c, s, m, &n, err);
    }
    if (rc == R53_OK && c->o->imds != NULL) {
        m[n++] = cred_imds_new(c->o->imds);
    }
    for (size_t i = 0; i < n && rc == R53_OK; i++) {
        rc = m[i] == NULL ? r53_fail(err, R53_ERR_NOMEM, "out of memory") : R53_OK;
    }
    free(s);
    if (rc != R53_OK) {
        for (size_t i = 0; i < n; i++) {
            cred_provider_free(m[i]);
        }
        return rc;
    }
    none_reason(a, none, sizeof(none));
    *out = cred_chain_new(m, n, none);
    return *out != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
}

/* The settings' role, assumed with whatever *chain finds (which it then
 * owns); its temporary credentials are kept in the cache directory. */
static r53_rc assume_on_top(const struct chain_ctx *c, struct cred_provider **chain,
                            struct r53_error *err)
{
    const struct aws_settings *a = c->a;
    char region[40];
    struct endpoint ep;
    struct cred_assume_opts o = { 0 };
    r53_rc rc = sts_where(c, &ep, region, sizeof(region), err);

    if (rc != R53_OK) {
        cred_provider_free(*chain);
        *chain = NULL;
        return rc;
    }
    o = (struct cred_assume_opts){
        .source = *chain,
        .endpoint = &ep,
        .signing_region = region,
        .http = c->o->http,
        .retry = c->o->retry,
        .role_arn = a->role_arn,
        .external_id = a->external_id,
        .session_name = a->session_name,
        .duration_s = 0,
    };
    qb_log(LOG_DEBUG, "role %s through %s (signing region %s) as %s", a->role_arn, ep.base, region,
           a->session_name);
    *chain =
        cached(c, cred_assume_new(&o), a->role_arn, a->external_id, (*chain)->name, a->role_arn);
    return *chain != NULL ? R53_OK : r53_fail(err, R53_ERR_NOMEM, "out of memory");
}

r53_rc cred_default_chain_new(const struct cred_default_chain_opts *o, struct cred_provider **out,
                              struct r53_error *err)
{
    struct chain_ctx c = { .o = o, .a = o->aws, .profile_region = "" };
    r53_rc rc = build_chain(&c, out, err);

    return rc == R53_OK && c.a->role_arn != NULL ? assume_on_top(&c, out, err) : rc;
}
