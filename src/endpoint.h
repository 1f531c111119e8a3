/* AWS endpoints: the one parser of an https endpoint URL, and which
 * partition (so which signing region) an endpoint belongs to. */
#ifndef R53_ENDPOINT_H
#define R53_ENDPOINT_H

#include "rc.h"

struct endpoint {
    char base[512];      /* "https://host[:port]" */
    char authority[256]; /* "host[:port]", lower case: the signed Host header */
};

/* url must be https://HOST[:PORT] (a trailing '/' allowed), with no user,
 * path, query or white space.  R53_ERR_CONFIG naming the parameter name
 * otherwise ("endpoint='http://x' must be an https:// URL ..."). */
r53_rc endpoint_parse_https(const char *name, const char *url, struct endpoint *out,
                            struct r53_error *err);

/* Signing region of a Route 53 endpoint URL, by partition:
 * "...amazonaws.com.cn" -> "cn-northwest-1", "...us-gov..." ->
 * "us-gov-west-1", anything else (a test server too) -> "us-east-1".
 * Static string. */
const char *endpoint_route53_region(const char *url);

#endif
