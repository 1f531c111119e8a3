#include "aws_settings.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "endpoint.h"
#include "sts.h"
#include "util.h"

static const char *env(aws_getenv_fn get, const char *name)
{
    return util_unset_if_empty(get(name));
}

/* *field, when the caller left it unset, from var: var when that gave
 * the value, else NULL. */
static const char *take(aws_getenv_fn get, const char *var, const char **field)
{
    if (*field != NULL) {
        return NULL;
    }
    *field = env(get, var);
    return *field != NULL ? var : NULL;
}

/* A bad value from this node's environment (/etc/default/pacemaker) is
 * this node's fault, not the caller's: another node may do better. */
static r53_rc on_this_node(r53_rc rc, struct r53_error *err)
{
    if (rc == R53_ERR_CONFIG) {
        return r53_fail(err, R53_ERR_HOST, "%s (from this node's environment)", err->reason);
    }
    return rc;
}

static const char *home_dir(aws_getenv_fn get)
{
    const char *home = env(get, "HOME");
    struct passwd *pw = NULL;

    if (home != NULL) {
        return home;
    }
    /* Pacemaker runs agents without HOME. */
    pw = getpwuid(getuid());
    return (pw != NULL && pw->pw_dir != NULL) ? pw->pw_dir : "/root";
}

/* An AWS file: the variable, else ~/.aws/NAME, in buf. */
static const char *aws_file(aws_getenv_fn get, const char *var, const char *name, char *buf,
                            size_t len)
{
    const char *file = env(get, var);

    if (file != NULL) {
        snprintf(buf, len, "%s", file);
    } else {
        snprintf(buf, len, "%s/.aws/%s", home_dir(get), name);
    }
    return buf;
}

/* The profile, and the files it is read from. */
static r53_rc profile_from_env(struct aws_settings *s, aws_getenv_fn get, struct r53_error *err)
{
    const char *from = NULL;

    s->profile_from_caller = s->profile != NULL;
    from = take(get, "AWS_PROFILE", &s->profile);
    s->profile_explicit = s->profile != NULL;
    if (s->profile == NULL) {
        s->profile = AWS_DEFAULT_PROFILE;
    }
    if (s->credentials_file == NULL) {
        s->credentials_file = aws_file(get, "AWS_SHARED_CREDENTIALS_FILE", "credentials",
                                       s->credentials_file_buf, sizeof(s->credentials_file_buf));
    }
    if (s->config_file == NULL) {
        s->config_file = aws_file(get, "AWS_CONFIG_FILE", "config", s->config_file_buf,
                                  sizeof(s->config_file_buf));
    }
    return from != NULL ? on_this_node(aws_settings_check_profile(from, s->profile, err), err)
                        : R53_OK;
}

/* STS: its endpoint, the region, and web identity. */
static r53_rc sts_from_env(struct aws_settings *s, aws_getenv_fn get, struct r53_error *err)
{
    struct aws_web_identity *w = &s->web_identity;
    const char *regional = env(get, "AWS_STS_REGIONAL_ENDPOINTS");
    const char *from = take(get, "AWS_ENDPOINT_URL_STS", &s->sts_endpoint);
    struct endpoint ep;
    r53_rc rc = R53_OK;

    if (from != NULL &&
        (rc = on_this_node(endpoint_parse_https(from, s->sts_endpoint, &ep, err), err)) != R53_OK) {
        return rc;
    }
    if (take(get, "AWS_REGION", &s->region) == NULL) {
        take(get, "AWS_DEFAULT_REGION", &s->region);
    }
    s->sts_legacy = s->sts_legacy || (regional != NULL && strcasecmp(regional, "legacy") == 0);
    take(get, "AWS_WEB_IDENTITY_TOKEN_FILE", &w->token_file);
    from = take(get, "AWS_ROLE_ARN", &w->role_arn);
    take(get, "AWS_ROLE_SESSION_NAME", &w->session_name);
    if (from != NULL && w->token_file != NULL && !sts_role_arn_ok(w->role_arn)) {
        return r53_fail(err, R53_ERR_HOST, "AWS_ROLE_ARN='%s' on this node is not a role ARN",
                        w->role_arn);
    }
    return R53_OK;
}

/* Route 53's and instance metadata's endpoints, and the CA bundle. */
static r53_rc endpoints_from_env(struct aws_settings *s, aws_getenv_fn get, struct r53_error *err)
{
    const char *disabled = env(get, "AWS_EC2_METADATA_DISABLED");
    const char *from = take(get, "AWS_ENDPOINT_URL_ROUTE_53", &s->route53_endpoint);
    struct endpoint ep;
    r53_rc rc = R53_OK;

    if (from == NULL) {
        from = take(get, "AWS_ENDPOINT_URL", &s->route53_endpoint);
    }
    /* The signed request is built from host and port alone. */
    if (from != NULL &&
        (rc = on_this_node(endpoint_parse_https(from, s->route53_endpoint, &ep, err), err)) !=
            R53_OK) {
        return rc;
    }
    if (s->route53_endpoint == NULL) {
        s->route53_endpoint = AWS_DEFAULT_ROUTE53_ENDPOINT;
    }
    from = take(get, "AWS_EC2_METADATA_SERVICE_ENDPOINT", &s->imds_endpoint);
    if (from != NULL &&
        (rc = on_this_node(aws_settings_check_url(from, s->imds_endpoint, err), err)) != R53_OK) {
        return rc;
    }
    if (s->imds_endpoint == NULL) {
        s->imds_endpoint = AWS_DEFAULT_IMDS_ENDPOINT;
    }
    s->imds_disabled = s->imds_disabled || (disabled != NULL && strcasecmp(disabled, "true") == 0);
    take(get, "AWS_CA_BUNDLE", &s->ca_bundle);
    return R53_OK;
}

r53_rc aws_settings_from_env(struct aws_settings *s, aws_getenv_fn get, struct r53_error *err)
{
    r53_rc rc = R53_OK;

    if ((rc = profile_from_env(s, get, err)) != R53_OK ||
        (rc = sts_from_env(s, get, err)) != R53_OK) {
        return rc;
    }
    if (s->session_name == NULL) {
        s->session_name = AWS_DEFAULT_SESSION_NAME;
    }
    return endpoints_from_env(s, get, err);
}

r53_rc aws_settings_check_profile(const char *name, const char *profile, struct r53_error *err)
{
    if (strlen(profile) > 128 || strpbrk(profile, "[]\n\r") != NULL) {
        return r53_fail(err, R53_ERR_CONFIG, "%s='%s' is not a profile name", name, profile);
    }
    return R53_OK;
}

r53_rc aws_settings_check_url(const char *name, const char *url, struct r53_error *err)
{
    if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0) {
        return r53_fail(err, R53_ERR_CONFIG, "%s='%s' must be an http:// or https:// URL", name,
                        url);
    }
    if (strpbrk(url, " \t\r\n") != NULL) {
        return r53_fail(err, R53_ERR_CONFIG, "%s='%s' contains white space", name, url);
    }
    return R53_OK;
}

r53_rc aws_settings_check_role_arn(const char *name, const char *arn, struct r53_error *err)
{
    if (!sts_role_arn_ok(arn)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s='%s' is not a role ARN (arn:aws:iam::123456789012:role/NAME)", name,
                        arn);
    }
    return R53_OK;
}

r53_rc aws_settings_check_external_id(const char *name, const char *id, struct r53_error *err)
{
    size_t len = strlen(id);

    if (len < 2 || len > 1224 ||
        strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@:/_-") !=
            len) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s='%s' is not an external id (2 to 1224 of letters, digits and "
                        "+=,.@:/_-)",
                        name, id);
    }
    return R53_OK;
}
