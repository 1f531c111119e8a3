/* AWS STS, as a credential source needs it: AssumeRole over the same
 * signed-call path as Route 53 (src/aws_call.c: retry policy, budget,
 * ca_bundle, proxy), its answers read with the same XML driver, and the
 * choice of endpoint.  Knows nothing of OCF. */
#ifndef R53_STS_H
#define R53_STS_H

#include <stddef.h>
#include <time.h>

#include "aws_call.h"
#include "credentials.h"
#include "rc.h"

#define STS_XML_NS "https://sts.amazonaws.com/doc/2011-06-15/"

/* Which STS endpoint, first found: param (sts_endpoint), the variable
 * AWS_ENDPOINT_URL_STS, the regional endpoint of region (when not
 * NULL/empty and regional), else the global one.  url gets the URL and
 * signing_region the region to sign for.  R53_ERR_CONFIG for a region
 * that is not a region name. */
r53_rc sts_endpoint(const char *param, const char *env_url, const char *region, bool regional,
                    char *url, size_t url_len, char *signing_region, size_t region_len,
                    struct r53_error *err);

/* The STS service for aws_caller_new: signing name "sts", its region,
 * its error reader. */
struct aws_service sts_service(const char *signing_region);

struct sts_assume {
    const char *role_arn;
    const char *session_name; /* 2-64 of [A-Za-z0-9+=,.@_-] */
    const char *external_id;  /* NULL: none */
    long duration_s;          /* 0: STS's default (1 hour) */
};

/* AssumeRole with the credentials of sts's provider.  A malformed role
 * ARN is refused before sending (R53_ERR_CONFIG); STS's AccessDenied is
 * R53_ERR_AUTH. */
r53_rc sts_assume_role(struct aws_caller *sts, const struct sts_assume *a, struct credentials *out,
                       time_t *expires, struct r53_error *err);

/* AssumeRoleWithWebIdentity: unsigned, token (a secret) in the body,
 * wiped after. */
r53_rc sts_assume_role_with_web_identity(struct aws_caller *sts, const struct sts_assume *a,
                                         const char *token, struct credentials *out,
                                         time_t *expires, struct r53_error *err);

/* arn:PARTITION:iam::ACCOUNT:role/NAME, as STS accepts it. */
bool sts_role_arn_ok(const char *arn);

#endif
