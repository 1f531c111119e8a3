/* The credential chain from the parameters and the profile, in the order
 * botocore (and so the AWS CLI) tries the sources:
 *   1. the environment's keys (unless a profile is named);
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
 * credential_source = EcsContainer.  The role_arn parameter then assumes
 * its role with whatever this chain finds (agent/session.c). */
#ifndef R53_CHAIN_H
#define R53_CHAIN_H

#include "credentials.h"
#include "endpoint.h"
#include "params.h"
#include "rc.h"

struct imds;
struct http_client;
struct retry_policy;

/* What the STS-backed sources need from the session. */
struct chain_ctx {
    const struct params *p;
    struct http_client *http;
    const struct retry_policy *retry;
    struct imds *imds;       /* NULL when instance metadata is disabled */
    long timeout_ms;         /* the action's time left, for credential_process */
    char profile_region[40]; /* the profile's (else the instance's) region, for STS;
                                set by chain_build */
};

/* STS's endpoint and signing region on this node: the region is
 * AWS_REGION, AWS_DEFAULT_REGION, else the profile's (may be NULL). */
r53_rc chain_sts_where(const struct params *p, const char *profile_region, struct endpoint *ep,
                       char *region, size_t len);

/* The chain, built without asking anything yet; *out owned by the
 * caller.  c->profile_region is filled in. */
r53_rc chain_build(struct chain_ctx *c, struct cred_provider **out);

#endif
