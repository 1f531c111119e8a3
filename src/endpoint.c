#include "endpoint.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dnsname.h"
#include "util.h"

r53_rc endpoint_parse_https(const char *name, const char *url, struct endpoint *out,
                            struct r53_error *err)
{
    const char *host = url + 8;
    size_t len = 0;

    if (strncasecmp(url, "https://", 8) != 0) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s='%s' must be an https:// URL; the agent never talks to AWS "
                        "unencrypted",
                        name, url);
    }
    len = strcspn(host, "/?#");
    if (strpbrk(url, " \t\r\n") != NULL || len == 0 || len >= sizeof(out->authority) ||
        memchr(host, '@', len) != NULL || strspn(host + len, "/") != strlen(host + len)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s='%s' must be https://HOST[:PORT], with no user or path", name, url);
    }
    /* The signed Host header is the authority, lower case. */
    memcpy(out->authority, host, len);
    out->authority[len] = '\0';
    util_ascii_lower(out->authority);
    snprintf(out->base, sizeof(out->base), "https://%s", out->authority);
    return R53_OK;
}

static bool host_has_suffix(const char *host, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len >= n && strncasecmp(host + len - n, suffix, n) == 0;
}

static bool host_contains(const char *host, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(host + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

const char *endpoint_route53_region(const char *url)
{
    const char *host = NULL;
    const char *scheme_end = NULL;
    size_t len = 0;

    if (url == NULL) {
        return "us-east-1";
    }
    scheme_end = strstr(url, "://");
    host = scheme_end ? scheme_end + 3 : url;
    len = strcspn(host, "/?#");
    /* userinfo@host */
    for (size_t i = len; i > 0; i--) {
        if (host[i - 1] == '@') {
            len -= i;
            host += i;
            break;
        }
    }
    /* host:port, but not inside an IPv6 literal */
    if (len > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', len);

        if (close != NULL) {
            len = (size_t)(close - host) + 1;
        }
    } else {
        const char *colon = memchr(host, ':', len);

        if (colon != NULL) {
            len = (size_t)(colon - host);
        }
    }
    /* a fully qualified "host." is the same host */
    len = dnsname_trim_dot(host, len);

    if (host_has_suffix(host, len, ".amazonaws.com.cn") ||
        (len == strlen("amazonaws.com.cn") && host_has_suffix(host, len, "amazonaws.com.cn"))) {
        return "cn-northwest-1";
    }
    if (host_contains(host, len, "us-gov")) {
        return "us-gov-west-1";
    }
    return "us-east-1";
}
