/* The default credential chain, built from struct aws_settings as
 * aws-c-auth builds its default chain from an options struct, in the
 * order botocore (and so the AWS CLI) tries the sources:
 *   1. the environment's keys (unless the caller named the profile);
 *   2. the profile's role: role_arn with source_profile (chains allowed,
 *      loops refused) or credential_source = Environment or
 *      Ec2InstanceMetadata, with external_id, role_session_name and
 *      duration_seconds;
 *   3. web identity: the profile's web_identity_token_file + role_arn,
 *      else AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN;
 *   4. the profile's keys in the shared credentials file;
 *   5. the profile's credential_process;
 *   6. the profile's keys in the config file;
 *   7. the instance role over IMDSv2.
 * Refused with a reason: mfa_serial, SSO profiles, and
 * credential_source = EcsContainer.  The settings' role_arn, when set,
 * then assumes its role with whatever this chain finds (a zone in
 * another account).  Each source is its own provider (credentials.h);
 * this file only chooses and orders them. */
#ifndef R53_CRED_DEFAULT_CHAIN_H
#define R53_CRED_DEFAULT_CHAIN_H

#include "aws_settings.h"
#include "credentials.h"
#include "rc.h"

struct imds;
struct http_client;
struct retry_policy;

struct cred_default_chain_opts {
    const struct aws_settings *aws;   /* after aws_settings_from_env; borrowed */
    struct http_client *http;         /* for STS; borrowed */
    const struct retry_policy *retry; /* for STS; copied by the sources */
    struct imds *imds;                /* NULL: instance metadata disabled; borrowed */
    aws_getenv_fn getenv_fn;          /* the environment's keys; getenv in production */
    long timeout_ms;                  /* the time a credential_process may take */
    const char *cache_dir;            /* temporary credentials kept there; NULL: not kept */
};

/* The chain, with the settings' role on top, asked nothing yet: the
 * sources are asked on the first request.  Reads the profile's settings
 * (and, when a role needs a region and nothing names one, this
 * instance's region from IMDS).  *out owned by the caller.
 * R53_ERR_HOST for a profile this node cannot use. */
r53_rc cred_default_chain_new(const struct cred_default_chain_opts *o, struct cred_provider **out,
                              struct r53_error *err);

#endif
