#include "cred_default_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imds.h"
#include "profile.h"
#include "sts.h"

#define CHAIN_MAX_DEPTH 8 /* source_profile hops */

r53_rc chain_sts_where(const struct params *p, const char *profile_region, struct endpoint *ep,
                       char *region, size_t len)
{
    char url[512];
    const char *r = p->aws.region != NULL ? p->aws.region : profile_region;
    r53_rc rc = sts_endpoint(p->aws.sts_endpoint, NULL, r != NULL && r[0] != '\0' ? r : NULL,
                             !p->aws.sts_legacy, url, sizeof(url), region, len);

    return rc != R53_OK ? rc : endpoint_parse_https("sts_endpoint", url, ep);
}

/* What a cluster cannot do: type a code, log in, reach a container agent. */
static r53_rc refuse(const char *profile, const struct profile_settings *s)
{
    if (s->set[PROFILE_MFA_SERIAL]) {
        return r53_fail(R53_ERR_HOST,
                        "profile '%s' has mfa_serial: it needs a code typed at a prompt, which "
                        "nobody can do for a cluster at 3 a.m.; use a role without MFA",
                        profile);
    }
    if (s->set[PROFILE_SSO_SESSION] || s->set[PROFILE_SSO_START_URL]) {
        return r53_fail(R53_ERR_HOST,
                        "profile '%s' is an SSO profile: it needs an interactive 'aws sso "
                        "login'; use a role, credential_process or keys",
                        profile);
    }
    if (s->set[PROFILE_CREDENTIAL_SOURCE] &&
        strcmp(s->value[PROFILE_CREDENTIAL_SOURCE], "Environment") != 0 &&
        strcmp(s->value[PROFILE_CREDENTIAL_SOURCE], "Ec2InstanceMetadata") != 0) {
        return r53_fail(R53_ERR_HOST,
                        "profile '%s': credential_source = %s is not available on a cluster "
                        "node; use Environment or Ec2InstanceMetadata",
                        profile, s->value[PROFILE_CREDENTIAL_SOURCE]);
    }
    return R53_OK;
}

/* AssumeRole of the profile's role_arn with source's credentials. */
static r53_rc assume(const struct chain_ctx *c, const struct profile_settings *s,
                     struct cred_provider *source, struct cred_provider **out)
{
    struct endpoint ep;
    char region[40];
    const char *sess = s->set[PROFILE_ROLE_SESSION_NAME] ? s->value[PROFILE_ROLE_SESSION_NAME]
                                                         : c->p->aws.session_name;
    struct cred_assume_opts o = { 0 };
    r53_rc rc = chain_sts_where(c->p, c->profile_region, &ep, region, sizeof(region));

    *out = NULL;
    if (rc == R53_OK && !sts_role_arn_ok(s->value[PROFILE_ROLE_ARN])) {
        rc = r53_fail(R53_ERR_HOST, "role_arn = %s in this node's AWS config is not a role ARN",
                      s->value[PROFILE_ROLE_ARN]);
    }
    if (rc != R53_OK) {
        cred_provider_free(source);
        return rc;
    }
    o = (struct cred_assume_opts){
        source,
        &ep,
        region,
        c->http,
        c->retry,
        s->value[PROFILE_ROLE_ARN],
        s->set[PROFILE_EXTERNAL_ID] ? s->value[PROFILE_EXTERNAL_ID] : NULL,
        sess,
        s->set[PROFILE_DURATION_SECONDS] ? strtol(s->value[PROFILE_DURATION_SECONDS], NULL, 10) : 0,
        c->p->rsctmp
    };
    *out = cred_assume_new(&o);
    return *out != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");
}

/* NOLINTNEXTLINE(misc-no-recursion): source_profile hops, at most CHAIN_MAX_DEPTH. */
static r53_rc source_of(const struct chain_ctx *c, const char *profile, const char **seen,
                        int depth, struct cred_provider **out);

/* The source of a role profile: its source_profile, or its
 * credential_source. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by CHAIN_MAX_DEPTH (source_of). */
static r53_rc role_source(const struct chain_ctx *c, const char *profile,
                          const struct profile_settings *s, const char **seen, int depth,
                          struct cred_provider **out)
{
    *out = NULL;
    if (s->set[PROFILE_SOURCE_PROFILE]) {
        return source_of(c, s->value[PROFILE_SOURCE_PROFILE], seen, depth + 1, out);
    }
    if (strcmp(s->value[PROFILE_CREDENTIAL_SOURCE], "Environment") == 0) {
        *out = cred_env_new(params_getenv);
    } else if (c->imds != NULL) {
        *out = cred_imds_new(c->imds);
    } else {
        return r53_fail(R53_ERR_HOST,
                        "profile '%s': credential_source = Ec2InstanceMetadata, but instance "
                        "metadata is disabled",
                        profile);
    }
    return *out != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");
}

/* A source profile's own role, or NULL (rc set on failure). */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by CHAIN_MAX_DEPTH (source_of). */
static r53_rc source_role(const struct chain_ctx *c, const char *profile,
                          const struct profile_settings *s, const char **seen, int depth,
                          struct cred_provider **out)
{
    struct cred_provider *src = NULL;
    r53_rc rc = R53_OK;

    *out = NULL;
    /* A profile that is its own source_profile assumes with its keys. */
    if (s->set[PROFILE_SOURCE_PROFILE] && strcmp(s->value[PROFILE_SOURCE_PROFILE], profile) == 0) {
        src = cred_profile_new(c->p->aws.credentials_file, c->p->aws.config_file, profile);
        rc = src != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");
    } else {
        rc = role_source(c, profile, s, seen, depth, &src);
    }
    return rc == R53_OK ? assume(c, s, src, out) : rc;
}

/* The credentials a profile stands for as a source_profile, first found
 * as botocore looks: its keys, its own role (recursively; the top
 * profile's role is the chain's), its credential_process. */
/* NOLINTNEXTLINE(misc-no-recursion): source_profile hops, at most CHAIN_MAX_DEPTH. */
static r53_rc source_of(const struct chain_ctx *c, const char *profile, const char **seen,
                        int depth, struct cred_provider **out)
{
    struct profile_settings *s = calloc(1, sizeof(*s));
    struct cred_provider *m[3] = { NULL };
    size_t n = 0;
    bool role = false;
    r53_rc rc = s != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");

    *out = NULL;
    if (rc == R53_OK && depth >= CHAIN_MAX_DEPTH) {
        rc = r53_fail(R53_ERR_HOST, "profile '%s': more than %d source_profile hops", seen[0],
                      CHAIN_MAX_DEPTH);
    }
    for (int i = 0; rc == R53_OK && i < depth; i++) {
        if (strcmp(seen[i], profile) == 0) {
            rc = r53_fail(R53_ERR_HOST, "source_profile loop: profile '%s' leads back to '%s'",
                          seen[0], profile);
        }
    }
    if (rc == R53_OK) {
        seen[depth] = profile;
        rc = profile_settings_read(c->p->aws.credentials_file, c->p->aws.config_file, profile, s);
    }
    if (rc == R53_OK && (rc = refuse(profile, s)) == R53_OK) {
        role = s->set[PROFILE_ROLE_ARN] &&
               (s->set[PROFILE_SOURCE_PROFILE] || s->set[PROFILE_CREDENTIAL_SOURCE]);
        if (depth > 0 || !role) {
            m[n++] = cred_profile_new(c->p->aws.credentials_file, c->p->aws.config_file, profile);
        }
        if (role && (rc = source_role(c, profile, s, seen, depth, &m[n])) == R53_OK) {
            n++;
        }
        if (rc == R53_OK && s->set[PROFILE_CREDENTIAL_PROCESS]) {
            m[n++] =
                cred_process_new(s->value[PROFILE_CREDENTIAL_PROCESS], c->timeout_ms, c->p->rsctmp);
        }
    }
    free(s);
    for (size_t i = 0; i < n && rc == R53_OK; i++) {
        rc = m[i] == NULL ? r53_fail(R53_ERR_NOMEM, "out of memory") : R53_OK;
    }
    if (rc != R53_OK) {
        for (size_t i = 0; i < n; i++) {
            cred_provider_free(m[i]);
        }
        return rc;
    }
    *out = n == 1 ? m[0] : cred_chain_new(m, n, "the source profile has no credentials");
    return *out != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");
}

/* Web identity: the profile's, else the environment's. */
static r53_rc web_identity(const struct chain_ctx *c, const struct profile_settings *s,
                           struct cred_provider **out)
{
    const struct params *p = c->p;
    bool from_profile = s->set[PROFILE_WEB_IDENTITY_TOKEN_FILE] && s->set[PROFILE_ROLE_ARN];
    struct endpoint ep;
    char region[40];
    struct cred_web_identity_opts o = { 0 };
    r53_rc rc = R53_OK;

    *out = NULL;
    /* The environment's web identity, as botocore, only for a profile
     * not named explicitly. */
    if (!from_profile && (p->aws.profile_from_caller || p->aws.web_identity.token_file == NULL ||
                          p->aws.web_identity.role_arn == NULL)) {
        return R53_OK;
    }
    if ((rc = chain_sts_where(p, c->profile_region, &ep, region, sizeof(region))) != R53_OK) {
        return rc;
    }
    if (from_profile && !sts_role_arn_ok(s->value[PROFILE_ROLE_ARN])) {
        return r53_fail(R53_ERR_HOST, "role_arn = %s in this node's AWS config is not a role ARN",
                        s->value[PROFILE_ROLE_ARN]);
    }
    o = (struct cred_web_identity_opts){
        &ep,
        region,
        c->http,
        c->retry,
        from_profile ? s->value[PROFILE_WEB_IDENTITY_TOKEN_FILE] : p->aws.web_identity.token_file,
        from_profile ? s->value[PROFILE_ROLE_ARN] : p->aws.web_identity.role_arn,
        from_profile && s->set[PROFILE_ROLE_SESSION_NAME] ? s->value[PROFILE_ROLE_SESSION_NAME]
        : !from_profile && p->aws.web_identity.session_name != NULL
            ? p->aws.web_identity.session_name
            : p->aws.session_name,
        p->rsctmp
    };
    *out = cred_web_identity_new(&o);
    return *out != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");
}

/* The members from the profile named in p, in botocore's order. */
static r53_rc profile_members(const struct chain_ctx *c, const struct profile_settings *s,
                              struct cred_provider **m, size_t *n)
{
    const struct params *p = c->p;
    const char *seen[CHAIN_MAX_DEPTH] = { NULL };
    r53_rc rc = refuse(p->aws.profile, s);

    if (rc == R53_OK && s->set[PROFILE_ROLE_ARN] &&
        (s->set[PROFILE_SOURCE_PROFILE] || s->set[PROFILE_CREDENTIAL_SOURCE])) {
        rc = source_of(c, p->aws.profile, seen, 0, &m[(*n)++]);
    }
    if (rc == R53_OK && (rc = web_identity(c, s, &m[*n])) == R53_OK && m[*n] != NULL) {
        (*n)++;
    }
    if (rc == R53_OK) {
        m[(*n)++] = cred_profile_new(p->aws.credentials_file, NULL, p->aws.profile);
    }
    if (rc == R53_OK && s->set[PROFILE_CREDENTIAL_PROCESS]) {
        m[(*n)++] =
            cred_process_new(s->value[PROFILE_CREDENTIAL_PROCESS], c->timeout_ms, p->rsctmp);
    }
    if (rc == R53_OK) {
        m[(*n)++] = cred_profile_new(NULL, p->aws.config_file, p->aws.profile);
    }
    return rc;
}

/* Why nothing was found, when every member had nothing. */
static void none_reason(const struct params *p, char *out, size_t len)
{
    if (p->aws.profile_explicit && p->aws.imds_disabled) {
        snprintf(out, len, "profile '%s' has no keys in %s or %s", p->aws.profile,
                 p->aws.credentials_file, p->aws.config_file);
    } else {
        snprintf(out, len,
                 "no credentials: none in the environment, in %s or %s, and instance metadata "
                 "is disabled",
                 p->aws.credentials_file, p->aws.config_file);
    }
}

/* STS's region when nothing else names one: this instance's, from IMDS
 * (as the AWS CLI does on EC2); none found is no error. */
static void instance_region(struct chain_ctx *c)
{
    char *text = NULL;

    if (imds_get(c->imds, "placement/region", &text) == R53_OK) {
        snprintf(c->profile_region, sizeof(c->profile_region), "%s", text);
    }
    free(text);
    r53_clear_error();
}

r53_rc chain_build(struct chain_ctx *c, struct cred_provider **out)
{
    const struct params *p = c->p;
    struct cred_provider *m[CRED_CHAIN_MAX] = { NULL };
    struct profile_settings *s = calloc(1, sizeof(*s));
    size_t n = 0;
    char none[512];
    r53_rc rc = s != NULL ? profile_settings_read(p->aws.credentials_file, p->aws.config_file,
                                                  p->aws.profile, s)
                          : r53_fail(R53_ERR_NOMEM, "out of memory");

    *out = NULL;
    if (rc == R53_OK && s->set[PROFILE_REGION]) {
        snprintf(c->profile_region, sizeof(c->profile_region), "%s", s->value[PROFILE_REGION]);
    } else if (rc == R53_OK && p->aws.region == NULL && p->aws.sts_endpoint == NULL &&
               c->imds != NULL &&
               (p->aws.role_arn != NULL || s->set[PROFILE_ROLE_ARN] ||
                p->aws.web_identity.role_arn != NULL)) {
        instance_region(c);
    }
    /* botocore: a profile named explicitly (our parameter) skips the
     * environment's keys; AWS_PROFILE does not. */
    if (rc == R53_OK && !p->aws.profile_from_caller) {
        m[n++] = cred_env_new(params_getenv);
    }
    if (rc == R53_OK) {
        rc = profile_members(c, s, m, &n);
    }
    if (rc == R53_OK && c->imds != NULL) {
        m[n++] = cred_imds_new(c->imds);
    }
    for (size_t i = 0; i < n && rc == R53_OK; i++) {
        rc = m[i] == NULL ? r53_fail(R53_ERR_NOMEM, "out of memory") : R53_OK;
    }
    free(s);
    if (rc != R53_OK) {
        for (size_t i = 0; i < n; i++) {
            cred_provider_free(m[i]);
        }
        return rc;
    }
    none_reason(p, none, sizeof(none));
    *out = cred_chain_new(m, n, none);
    return *out != NULL ? R53_OK : r53_fail(R53_ERR_NOMEM, "out of memory");
}
