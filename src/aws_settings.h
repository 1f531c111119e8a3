/* Everything that says how to reach AWS, in one plain struct: region,
 * endpoints, the shared files and the profile, a role to assume, web
 * identity, proxy and CA.  The caller fills what it was told (the agent:
 * its parameters) and leaves the rest zero; aws_settings_from_env then
 * fills what is left from the AWS_* variables, ~/.aws and the defaults,
 * as the AWS CLI would, so a value the caller set always wins over the
 * environment.  A zeroed struct run through aws_settings_from_env is the
 * AWS CLI's view of this node.  Strings point into the caller's memory or
 * the environment and are not copied, except the two file paths, which
 * are built in the struct's own buffers. */
#ifndef R53_AWS_SETTINGS_H
#define R53_AWS_SETTINGS_H

#include <stdbool.h>

#include "rc.h"

/* The defaults, stated once (the agent's meta-data states the same). */
#define AWS_DEFAULT_ROUTE53_ENDPOINT "https://route53.amazonaws.com"
#define AWS_DEFAULT_IMDS_ENDPOINT "http://169.254.169.254"
#define AWS_DEFAULT_PROFILE "default"
#define AWS_DEFAULT_SESSION_NAME "route53"

/* Look up one environment variable; getenv in production. */
typedef const char *(*aws_getenv_fn)(const char *name);

/* AssumeRoleWithWebIdentity as EKS and OIDC hosts set it up. */
struct aws_web_identity {
    const char *token_file;   /* AWS_WEB_IDENTITY_TOKEN_FILE */
    const char *role_arn;     /* AWS_ROLE_ARN */
    const char *session_name; /* AWS_ROLE_SESSION_NAME; NULL: session_name below */
};

struct aws_settings {
    const char *region;           /* AWS_REGION, else AWS_DEFAULT_REGION; NULL: none */
    const char *route53_endpoint; /* AWS_ENDPOINT_URL_ROUTE_53, else AWS_ENDPOINT_URL,
                                     else the default */
    const char *sts_endpoint;     /* AWS_ENDPOINT_URL_STS; NULL: by region */
    const char *imds_endpoint;    /* AWS_EC2_METADATA_SERVICE_ENDPOINT, else the default */
    const char *ca_bundle;        /* AWS_CA_BUNDLE; NULL: the system store */
    const char *proxy;            /* the caller's only; NULL: none (HTTP(S)_PROXY ignored) */
    const char *credentials_file; /* AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials */
    const char *config_file;      /* AWS_CONFIG_FILE, else ~/.aws/config */
    const char *profile;          /* AWS_PROFILE, else "default" */
    /* Set by aws_settings_from_env: */
    bool profile_explicit;    /* named by the caller or AWS_PROFILE, not defaulted */
    bool profile_from_caller; /* named by the caller: botocore then skips the
                                 environment's keys (AWS_PROFILE does not) */
    /* A role the credentials found then assume (the caller's only). */
    const char *role_arn;     /* NULL: none */
    const char *external_id;  /* NULL: none */
    const char *session_name; /* for every AssumeRole without one of its own:
                                 2-64 of [A-Za-z0-9+=,.@_-]; else the default */
    struct aws_web_identity web_identity;
    bool sts_legacy;    /* AWS_STS_REGIONAL_ENDPOINTS=legacy: the global STS endpoint */
    bool imds_disabled; /* AWS_EC2_METADATA_DISABLED=true */
    char credentials_file_buf[512];
    char config_file_buf[512];
};

/* Fill every field s leaves unset (NULL, or false) from the environment
 * read through get, then the defaults above; credentials_file and
 * config_file default to ~/.aws/ under HOME, else the user's home
 * directory from the password database (Pacemaker runs agents without
 * HOME).  Checks what it takes from the environment: a bad value is
 * R53_ERR_HOST (this node's fault, not the caller's), its reason naming
 * the variable.  The caller's own values are the caller's to check, with
 * the aws_settings_check_* below. */
r53_rc aws_settings_from_env(struct aws_settings *s, aws_getenv_fn get, struct r53_error *err);

/* The checks of a value, R53_ERR_CONFIG with a reason naming it as name
 * ("name='value' ..."):
 * a profile name: at most 128 bytes, no '[', ']' or line break; */
r53_rc aws_settings_check_profile(const char *name, const char *profile, struct r53_error *err);
/* an http:// or https:// URL without white space (imds_endpoint, proxy); */
r53_rc aws_settings_check_url(const char *name, const char *url, struct r53_error *err);
/* a role ARN, arn:PARTITION:iam::ACCOUNT:role/NAME; */
r53_rc aws_settings_check_role_arn(const char *name, const char *arn, struct r53_error *err);
/* an external id, 2 to 1224 of letters, digits and +=,.@:/_-. */
r53_rc aws_settings_check_external_id(const char *name, const char *id, struct r53_error *err);

#endif
