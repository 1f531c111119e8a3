#include "params.h"

#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "ratelimit.h"
#include "util.h"

#define DEFAULT_ENDPOINT "https://route53.amazonaws.com"
#define DEFAULT_IMDS "http://169.254.169.254"

/* A parameter's value, or NULL when unset or empty (Pacemaker passes
 * empty strings for parameters cleared by the user). */
static const char *param(params_getenv_fn get, const char *name)
{
    char var[96];
    const char *v = NULL;

    snprintf(var, sizeof(var), "OCF_RESKEY_%s", name);
    v = get(var);
    return util_unset_if_empty(v);
}

/* NAME, or else its deprecated alias (aws-vpc-route53's name for it):
 * *out is the value or NULL, *from_alias says which gave it.  Both set
 * to different values is a configuration error. */
static r53_rc param_or_alias(params_getenv_fn get, const char *name, const char *alias,
                             const char **out, bool *from_alias)
{
    const char *v = param(get, name);
    const char *a = param(get, alias);

    *out = v != NULL ? v : a;
    *from_alias = v == NULL && a != NULL;
    if (v != NULL && a != NULL && strcmp(v, a) != 0) {
        return r53_fail(R53_ERR_CONFIG,
                        "%s='%s' and its deprecated alias %s='%s' disagree; set only %s", name, v,
                        alias, a, name);
    }
    return R53_OK;
}

static const char *env(params_getenv_fn get, const char *name)
{
    return util_unset_if_empty(get(name));
}

static r53_rc parse_long(const char *name, const char *text, long def, long min, long max,
                         long *out)
{
    long v = 0;

    if (text == NULL) {
        *out = def;
        return R53_OK;
    }
    if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text)) {
        return r53_fail(R53_ERR_CONFIG, "%s='%s' is not a whole number", name, text);
    }
    /* Past 10 digits it is out of range whatever the bound; strtol
     * would saturate. */
    v = strlen(text) > 10 ? LONG_MAX : strtol(text, NULL, 10);
    if (v < min || v > max) {
        return r53_fail(R53_ERR_CONFIG, "%s=%s is out of range (%ld to %ld)", name, text, min, max);
    }
    *out = v;
    return R53_OK;
}

/* A decimal with up to three decimals ("2", "0.5") into thousandths;
 * locale-independent and strict.  what: "seconds", unit: "s". */
static r53_rc parse_milli(const char *name, const char *text, long def_ms, long min_ms, long max_ms,
                          const char *what, const char *unit, long *out_ms)
{
    size_t whole = 0;
    size_t frac = 0;
    long ms = 0;

    if (text == NULL) {
        *out_ms = def_ms;
        return R53_OK;
    }
    whole = strspn(text, "0123456789");
    if (text[whole] == '.') {
        frac = strspn(text + whole + 1, "0123456789");
    }
    if (whole == 0 || whole > 6 || frac > 3 ||
        strlen(text) != whole + (text[whole] == '.' ? frac + 1 : 0) ||
        (text[whole] == '.' && frac == 0)) {
        return r53_fail(R53_ERR_CONFIG, "%s='%s' is not a number of %s (e.g. 2 or 0.5)", name, text,
                        what);
    }
    ms = strtol(text, NULL, 10) * 1000;
    for (size_t i = 0; i < 3; i++) {
        ms += (i < frac ? text[whole + 1 + i] - '0' : 0) * (i == 0 ? 100 : i == 1 ? 10 : 1);
    }
    if (ms < min_ms || ms > max_ms) {
        return r53_fail(R53_ERR_CONFIG, "%s=%s is out of range (%ld.%03ld to %ld %s)", name, text,
                        min_ms / 1000, min_ms % 1000, max_ms / 1000, unit);
    }
    *out_ms = ms;
    return R53_OK;
}

static r53_rc parse_seconds(const char *name, const char *text, long def_ms, long min_ms,
                            long max_ms, long *out_ms)
{
    return parse_milli(name, text, def_ms, min_ms, max_ms, "seconds", "s", out_ms);
}

/* The OCF convention (ocf_is_true): yes/true/1/on, no/false/0/off. */
static r53_rc parse_bool(const char *name, const char *text, bool def, bool *out)
{
    static const char *const yes[] = { "yes", "true", "1", "on" };
    static const char *const no[] = { "no", "false", "0", "off" };

    *out = def;
    if (text == NULL) {
        return R53_OK;
    }
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return R53_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return R53_OK;
        }
    }
    return r53_fail(R53_ERR_CONFIG, "%s='%s' is not a boolean (true or false)", name, text);
}

static r53_rc parse_choice(const char *name, const char *text, const char *def, const char *other,
                           bool *is_other)
{
    *is_other = false;
    if (text == NULL || strcmp(text, def) == 0) {
        return R53_OK;
    }
    if (strcmp(text, other) == 0) {
        *is_other = true;
        return R53_OK;
    }
    return r53_fail(R53_ERR_CONFIG, "%s='%s' must be '%s' or '%s'", name, text, def, other);
}

/* A DNS name of letters, digits, '-' and '_' labels (1-63 bytes each,
 * 253 in all), an optional trailing dot.  Route 53 would store other
 * characters escaped; an agent record never needs them. */
static r53_rc check_dns_name(const char *name, const char *value)
{
    size_t len = strlen(value);
    size_t label = 0;

    if (len > 0 && value[len - 1] == '.') {
        len--;
    }
    if (len == 0 || len > 253) {
        return r53_fail(R53_ERR_CONFIG, "%s='%s' is not a DNS name (1 to 253 characters)", name,
                        value);
    }
    for (size_t i = 0; i <= len; i++) {
        char ch = i < len ? value[i] : '.';

        if (ch == '.') {
            if (label == 0 || label > 63) {
                return r53_fail(R53_ERR_CONFIG, "%s='%s' has an empty or over-long (>63) label",
                                name, value);
            }
            label = 0;
        } else if (isalnum((unsigned char)ch) || ch == '-' || ch == '_') {
            label++;
        } else {
            return r53_fail(R53_ERR_CONFIG,
                            "%s='%s' contains '%c'; use letters, digits, '-' and '_'", name, value,
                            ch);
        }
    }
    return R53_OK;
}

static r53_rc check_url(const char *name, const char *value, bool https_only)
{
    bool https = strncasecmp(value, "https://", 8) == 0;
    bool http = strncasecmp(value, "http://", 7) == 0;

    if (https_only && !https) {
        return r53_fail(R53_ERR_CONFIG,
                        "%s='%s' must be an https:// URL; the agent never talks to Route 53 "
                        "unencrypted",
                        name, value);
    }
    if (!https && !http) {
        return r53_fail(R53_ERR_CONFIG, "%s='%s' must be an http:// or https:// URL", name, value);
    }
    if (strpbrk(value, " \t\r\n") != NULL) {
        return r53_fail(R53_ERR_CONFIG, "%s='%s' contains white space", name, value);
    }
    if (https_only) {
        /* The signed request is built from host and port alone. */
        const char *host = value + 8;
        size_t len = strcspn(host, "/?#");

        if (len == 0 || memchr(host, '@', len) != NULL ||
            strspn(host + len, "/") != strlen(host + len)) {
            return r53_fail(R53_ERR_CONFIG,
                            "%s='%s' must be https://HOST[:PORT], with no user or path", name,
                            value);
        }
    }
    return R53_OK;
}

static const char *home_dir(params_getenv_fn get)
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

static r53_rc load_zone(params_getenv_fn get, struct params *p)
{
    r53_rc rc = R53_OK;

    p->zone = param(get, "zone");
    if ((rc = param_or_alias(get, "zone_id", "hostedzoneid", &p->zone_id,
                             &p->zone_id_from_alias)) != R53_OK) {
        return rc;
    }
    if ((p->zone == NULL) == (p->zone_id == NULL)) {
        return r53_fail(R53_ERR_CONFIG, "set exactly one of zone (a domain name) and zone_id");
    }
    if (p->zone != NULL) {
        return check_dns_name("zone", p->zone);
    }
    {
        const char *id = util_strip_prefix(p->zone_id, "/hostedzone/");

        if (id[0] == '\0' || strlen(id) >= sizeof(p->zone_id_buf) ||
            strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(id)) {
            return r53_fail(R53_ERR_CONFIG, "%s='%s' is not a hosted zone id (like Z1D633PJN98FT9)",
                            p->zone_id_from_alias ? "hostedzoneid" : "zone_id", p->zone_id);
        }
        snprintf(p->zone_id_buf, sizeof(p->zone_id_buf), "%s", id);
        p->zone_id = p->zone_id_buf;
    }
    return rc;
}

static r53_rc load_ip_source(params_getenv_fn get, struct params *p)
{
    struct address a;
    int n = 0;

    p->ip = param(get, "ip");
    p->ip_resource = param(get, "ip_resource");
    p->interface = param(get, "interface");
    n = (p->ip != NULL) + (p->ip_resource != NULL) + (p->interface != NULL);
    if (n == 0 && (p->hostname_from_alias || p->zone_id_from_alias)) {
        /* A resource written for aws-vpc-route53, whose ip defaults to local. */
        p->ip = "local";
        p->ip_defaulted = true;
        n = 1;
    }
    if (n != 1) {
        return r53_fail(R53_ERR_CONFIG,
                        "set exactly one of ip, ip_resource and interface (%d are set)", n);
    }
    if (p->ip != NULL) {
        if (strcmp(p->ip, "local") == 0) {
            p->ip_source = IP_LOCAL;
        } else if (strcmp(p->ip, "public") == 0) {
            p->ip_source = IP_PUBLIC;
        } else {
            p->ip_source = IP_LITERAL;
            return address_parse(p->ip, &a);
        }
        if (p->imds_disabled) {
            return r53_fail(R53_ERR_CONFIG,
                            "ip=%s reads instance metadata, but AWS_EC2_METADATA_DISABLED is "
                            "set",
                            p->ip);
        }
    } else if (p->ip_resource != NULL) {
        p->ip_source = IP_RESOURCE;
        if (!address_resource_id_ok(p->ip_resource)) {
            return r53_fail(R53_ERR_CONFIG, "ip_resource='%s' is not a Pacemaker resource id",
                            p->ip_resource);
        }
    } else {
        p->ip_source = IP_INTERFACE;
        if (strlen(p->interface) > 15 || strpbrk(p->interface, "/ \t\n:") != NULL) {
            return r53_fail(R53_ERR_CONFIG, "interface='%s' is not an interface name",
                            p->interface);
        }
    }
    return R53_OK;
}

static r53_rc load_tunables(params_getenv_fn get, struct params *p)
{
    r53_rc rc = R53_OK;

    if ((rc = parse_long("ttl", param(get, "ttl"), 10, 0, 2147483647L, &p->ttl)) != R53_OK ||
        (rc = parse_long("change_try_count", param(get, "change_try_count"), 0, 1, 10000,
                         &p->change_try_count)) != R53_OK ||
        (rc = parse_seconds("change_try_interval", param(get, "change_try_interval"), 0, 100, 60000,
                            &p->change_try_interval_ms)) != R53_OK ||
        (rc = parse_bool("wait_insync", param(get, "wait_insync"), true, &p->wait_insync)) !=
            R53_OK ||
        (rc = parse_long("monitor_retries", param(get, "monitor_retries"), 3, 0, 100,
                         &p->monitor_retries)) != R53_OK ||
        (rc = parse_seconds("monitor_retry_interval", param(get, "monitor_retry_interval"), 2000, 0,
                            60000, &p->monitor_retry_interval_ms)) != R53_OK ||
        (rc = parse_choice("monitor_api_failure", param(get, "monitor_api_failure"), "degraded",
                           "fail", &p->monitor_api_failure_fail)) != R53_OK ||
        (rc = parse_choice("stop_action", param(get, "stop_action"), "keep", "delete",
                           &p->stop_action_delete)) != R53_OK ||
        (rc = parse_choice("monitor_method", param(get, "monitor_method"), "dns", "api",
                           &p->monitor_method_api)) != R53_OK ||
        (rc = parse_seconds("dns_timeout", param(get, "dns_timeout"), 1000, 100, 30000,
                            &p->dns_timeout_ms)) != R53_OK ||
        (rc = parse_milli("api_rate_limit", param(get, "api_rate_limit"),
                          (long)(RATE_DEFAULT_MAX * 1000), 100, 1000000, "requests per second",
                          "requests/s", &p->api_rate_milli)) != R53_OK ||
        (rc = parse_seconds("connect_timeout", param(get, "connect_timeout"), 3000, 100, 60000,
                            &p->connect_timeout_ms)) != R53_OK ||
        (rc = parse_seconds("request_timeout", param(get, "request_timeout"), 10000, 100, 300000,
                            &p->request_timeout_ms)) != R53_OK) {
        return rc;
    }
    return R53_OK;
}

static r53_rc load_aws(params_getenv_fn get, struct params *p)
{
    r53_rc rc = R53_OK;
    const char *disabled = env(get, "AWS_EC2_METADATA_DISABLED");
    const char *file = NULL;

    p->profile = param(get, "profile");
    if (p->profile == NULL) {
        p->profile = env(get, "AWS_PROFILE");
    }
    p->profile_explicit = p->profile != NULL;
    if (p->profile == NULL) {
        p->profile = "default";
    }
    if (strlen(p->profile) > 128 || strpbrk(p->profile, "[]\n\r") != NULL) {
        return r53_fail(R53_ERR_CONFIG, "profile='%s' is not a profile name", p->profile);
    }

    p->endpoint = param(get, "endpoint");
    if (p->endpoint == NULL) {
        p->endpoint = env(get, "AWS_ENDPOINT_URL_ROUTE_53");
    }
    if (p->endpoint == NULL) {
        p->endpoint = env(get, "AWS_ENDPOINT_URL");
    }
    if (p->endpoint == NULL) {
        p->endpoint = DEFAULT_ENDPOINT;
    }
    if ((rc = check_url("endpoint", p->endpoint, true)) != R53_OK) {
        return rc;
    }

    p->ca_bundle = param(get, "ca_bundle");
    if (p->ca_bundle == NULL) {
        p->ca_bundle = env(get, "AWS_CA_BUNDLE");
    }

    p->imds_disabled = disabled != NULL && strcasecmp(disabled, "true") == 0;
    p->imds_endpoint = param(get, "imds_endpoint");
    if (p->imds_endpoint == NULL) {
        p->imds_endpoint = env(get, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    }
    if (p->imds_endpoint == NULL) {
        p->imds_endpoint = DEFAULT_IMDS;
    }
    if ((rc = check_url("imds_endpoint", p->imds_endpoint, false)) != R53_OK) {
        return rc;
    }

    p->proxy = param(get, "proxy");
    if (p->proxy != NULL && (rc = check_url("proxy", p->proxy, false)) != R53_OK) {
        return rc;
    }

    file = env(get, "AWS_SHARED_CREDENTIALS_FILE");
    if (file != NULL) {
        snprintf(p->credentials_file_buf, sizeof(p->credentials_file_buf), "%s", file);
    } else {
        snprintf(p->credentials_file_buf, sizeof(p->credentials_file_buf), "%s/.aws/credentials",
                 home_dir(get));
    }
    file = env(get, "AWS_CONFIG_FILE");
    if (file != NULL) {
        snprintf(p->config_file_buf, sizeof(p->config_file_buf), "%s", file);
    } else {
        snprintf(p->config_file_buf, sizeof(p->config_file_buf), "%s/.aws/config", home_dir(get));
    }
    p->rsctmp = env(get, "HA_RSCTMP");
    if (p->rsctmp == NULL) {
        p->rsctmp = PARAMS_DEFAULT_RSCTMP;
    }
    p->credentials_file = p->credentials_file_buf;
    p->config_file = p->config_file_buf;
    return R53_OK;
}

const char *params_getenv(const char *name)
{
    return getenv(name);
}

const char *const params_ignored_names[PARAMS_N_IGNORED] = { "awscli", "auth_type", "curl_retries",
                                                             "curl_sleep" };

r53_rc params_load(params_getenv_fn get, struct params *out)
{
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < PARAMS_N_IGNORED; i++) {
        out->ignored_set[i] = param(get, params_ignored_names[i]) != NULL;
    }
    if ((rc = param_or_alias(get, "hostname", "fullname", &out->hostname,
                             &out->hostname_from_alias)) != R53_OK) {
        return rc;
    }
    if (out->hostname == NULL) {
        return r53_fail(R53_ERR_CONFIG, "hostname is required: the record name to publish");
    }
    if ((rc = check_dns_name(out->hostname_from_alias ? "fullname" : "hostname", out->hostname)) !=
            R53_OK ||
        (rc = load_zone(get, out)) != R53_OK || (rc = load_aws(get, out)) != R53_OK ||
        (rc = load_ip_source(get, out)) != R53_OK || (rc = load_tunables(get, out)) != R53_OK) {
        return rc;
    }
    if (param(get, "dns_servers") != NULL) {
        return dns_parse_servers(param(get, "dns_servers"), out->dns_servers, &out->n_dns_servers);
    }
    return R53_OK;
}

r53_rc params_check_host(const struct params *p)
{
    if (p->ip_source == IP_INTERFACE && !address_interface_exists(p->interface)) {
        return r53_fail(R53_ERR_HOST, "interface '%s' does not exist on this node", p->interface);
    }
    if (p->ip_source == IP_RESOURCE && address_find_crm_resource() == NULL) {
        return r53_fail(R53_ERR_NOT_INSTALLED,
                        "ip_resource needs crm_resource, which is not installed "
                        "(Debian: pacemaker-cli-utils)");
    }
    if (p->ca_bundle != NULL && access(p->ca_bundle, R_OK) != 0) {
        return r53_fail(R53_ERR_HOST, "ca_bundle '%s' is not a readable file on this node",
                        p->ca_bundle);
    }
    return R53_OK;
}
