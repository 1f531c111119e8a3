#include "params.h"

#include <ctype.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "dnsname.h"
#include "endpoint.h"
#include "util.h"

/* A parameter's value, or NULL when unset or empty (Pacemaker passes
 * empty strings for parameters cleared by the user). */
static const char *param(env_getenv_fn get, const char *name)
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
static r53_rc param_or_alias(env_getenv_fn get, const char *name, const char *alias,
                             const char **out, bool *from_alias, struct r53_error *err)
{
    const char *v = param(get, name);
    const char *a = param(get, alias);

    *out = v != NULL ? v : a;
    *from_alias = v == NULL && a != NULL;
    if (v != NULL && a != NULL && strcmp(v, a) != 0) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s='%s' and its deprecated alias %s='%s' disagree; set only %s", name, v,
                        alias, a, name);
    }
    return R53_OK;
}

static r53_rc parse_long(const char *name, const char *text, long min, long max, long *out,
                         struct r53_error *err)
{
    long v = 0;

    if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text)) {
        return r53_fail(err, R53_ERR_CONFIG, "%s='%s' is not a whole number", name, text);
    }
    /* Past 10 digits it is out of range whatever the bound; strtol
     * would saturate. */
    v = strlen(text) > 10 ? LONG_MAX : strtol(text, NULL, 10);
    if (v < min || v > max) {
        return r53_fail(err, R53_ERR_CONFIG, "%s=%s is out of range (%ld to %ld)", name, text, min,
                        max);
    }
    *out = v;
    return R53_OK;
}

/* A decimal with up to three decimals ("2", "0.5") into thousandths;
 * locale-independent and strict.  what: "seconds", unit: "s". */
static r53_rc parse_milli(const char *name, const char *text, long min_ms, long max_ms,
                          const char *what, const char *unit, long *out_ms, struct r53_error *err)
{
    size_t whole = 0;
    size_t frac = 0;
    long ms = 0;

    whole = strspn(text, "0123456789");
    if (text[whole] == '.') {
        frac = strspn(text + whole + 1, "0123456789");
    }
    if (whole == 0 || whole > 6 || frac > 3 ||
        strlen(text) != whole + (text[whole] == '.' ? frac + 1 : 0) ||
        (text[whole] == '.' && frac == 0)) {
        return r53_fail(err, R53_ERR_CONFIG, "%s='%s' is not a number of %s (e.g. 2 or 0.5)", name,
                        text, what);
    }
    ms = strtol(text, NULL, 10) * 1000;
    for (size_t i = 0; i < 3; i++) {
        ms += (i < frac ? text[whole + 1 + i] - '0' : 0) * (i == 0 ? 100 : i == 1 ? 10 : 1);
    }
    if (ms < min_ms || ms > max_ms) {
        return r53_fail(err, R53_ERR_CONFIG, "%s=%s is out of range (%ld.%03ld to %ld %s)", name,
                        text, min_ms / 1000, min_ms % 1000, max_ms / 1000, unit);
    }
    *out_ms = ms;
    return R53_OK;
}

/* The OCF convention (ocf_is_true): yes/true/1/on, no/false/0/off. */
static r53_rc parse_bool(const char *name, const char *text, bool def, bool *out,
                         struct r53_error *err)
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
    return r53_fail(err, R53_ERR_CONFIG, "%s='%s' is not a boolean (true or false)", name, text);
}

static r53_rc parse_choice(const char *name, const char *text, const char *def, const char *other,
                           bool *is_other, struct r53_error *err)
{
    *is_other = false;
    if (text == NULL || strcmp(text, def) == 0) {
        return R53_OK;
    }
    if (strcmp(text, other) == 0) {
        *is_other = true;
        return R53_OK;
    }
    return r53_fail(err, R53_ERR_CONFIG, "%s='%s' must be '%s' or '%s'", name, text, def, other);
}

/* A DNS name of letters, digits, '-' and '_' labels (1-63 bytes each,
 * 253 in all), an optional trailing dot.  Route 53 would store other
 * characters escaped; an agent record never needs them. */
static r53_rc check_dns_name(const char *name, const char *value, struct r53_error *err)
{
    size_t len = dnsname_trim_dot(value, strlen(value));
    size_t label = 0;

    if (len == 0 || len > 253) {
        return r53_fail(err, R53_ERR_CONFIG, "%s='%s' is not a DNS name (1 to 253 characters)",
                        name, value);
    }
    for (size_t i = 0; i <= len; i++) {
        char ch = i < len ? value[i] : '.';

        if (ch == '.') {
            if (label == 0 || label > 63) {
                return r53_fail(err, R53_ERR_CONFIG,
                                "%s='%s' has an empty or over-long (>63) label", name, value);
            }
            label = 0;
        } else if (isalnum((unsigned char)ch) || ch == '-' || ch == '_') {
            label++;
        } else {
            return r53_fail(err, R53_ERR_CONFIG,
                            "%s='%s' contains '%c'; use letters, digits, '-' and '_'", name, value,
                            ch);
        }
    }
    return R53_OK;
}

static r53_rc load_zone(env_getenv_fn get, struct params *p, struct r53_error *err)
{
    r53_rc rc = R53_OK;

    p->rec.zone = param(get, "zone");
    if ((rc = param_or_alias(get, "zone_id", "hostedzoneid", &p->rec.zone_id,
                             &p->compat.zone_id_from_alias, err)) != R53_OK) {
        return rc;
    }
    if ((p->rec.zone == NULL) == (p->rec.zone_id == NULL)) {
        return r53_fail(err, R53_ERR_CONFIG, "set exactly one of zone (a domain name) and zone_id");
    }
    if (p->rec.zone != NULL) {
        return check_dns_name("zone", p->rec.zone, err);
    }
    {
        const char *id = util_strip_prefix(p->rec.zone_id, "/hostedzone/");

        if (id[0] == '\0' || strlen(id) >= sizeof(p->rec.zone_id_buf) ||
            strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(id)) {
            return r53_fail(
                err, R53_ERR_CONFIG, "%s='%s' is not a hosted zone id (like Z1D633PJN98FT9)",
                p->compat.zone_id_from_alias ? "hostedzoneid" : "zone_id", p->rec.zone_id);
        }
        snprintf(p->rec.zone_id_buf, sizeof(p->rec.zone_id_buf), "%s", id);
        p->rec.zone_id = p->rec.zone_id_buf;
    }
    return rc;
}

static r53_rc load_ip_source(env_getenv_fn get, struct params *p, struct r53_error *err)
{
    struct address a;
    int n = 0;

    p->rec.ip = param(get, "ip");
    p->rec.ip_resource = param(get, "ip_resource");
    p->rec.interface = param(get, "interface");
    n = (p->rec.ip != NULL) + (p->rec.ip_resource != NULL) + (p->rec.interface != NULL);
    if (n == 0 && (p->compat.hostname_from_alias || p->compat.zone_id_from_alias)) {
        /* A resource written for aws-vpc-route53, whose ip defaults to local. */
        p->rec.ip = "local";
        p->compat.ip_defaulted = true;
        n = 1;
    }
    if (n != 1) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "set exactly one of ip, ip_resource and interface (%d are set)", n);
    }
    if (p->rec.ip != NULL) {
        if (strcmp(p->rec.ip, "local") == 0) {
            p->rec.ip_source = IP_LOCAL;
        } else if (strcmp(p->rec.ip, "public") == 0) {
            p->rec.ip_source = IP_PUBLIC;
        } else {
            p->rec.ip_source = IP_LITERAL;
            return address_parse(p->rec.ip, &a, err);
        }
        if (p->aws.imds_disabled) {
            return r53_fail(err, R53_ERR_HOST,
                            "ip=%s reads instance metadata, but AWS_EC2_METADATA_DISABLED is "
                            "set",
                            p->rec.ip);
        }
    } else if (p->rec.ip_resource != NULL) {
        p->rec.ip_source = IP_RESOURCE;
        if (!address_resource_id_ok(p->rec.ip_resource)) {
            return r53_fail(err, R53_ERR_CONFIG, "ip_resource='%s' is not a Pacemaker resource id",
                            p->rec.ip_resource);
        }
    } else {
        p->rec.ip_source = IP_INTERFACE;
        if (strlen(p->rec.interface) > 15 || strpbrk(p->rec.interface, "/ \t\n:") != NULL) {
            return r53_fail(err, R53_ERR_CONFIG, "interface='%s' is not an interface name",
                            p->rec.interface);
        }
    }
    return R53_OK;
}

/* An AWS region name: two letters, one or more words, a number
 * ("eu-west-1", "us-gov-west-1", "ap-southeast-5"). */
static bool region_name_ok(const char *v)
{
    static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
    size_t words = 0;

    if (strlen(v) > 30 || strspn(v, lower) != 2 || v[2] != '-') {
        return false;
    }
    for (v += 3; strspn(v, lower) > 0 && v[strspn(v, lower)] == '-'; words++) {
        v += strspn(v, lower) + 1;
    }
    return words >= 1 && strspn(v, "0123456789") >= 1 && strspn(v, "0123456789") <= 2 &&
           v[strspn(v, "0123456789")] == '\0';
}

/* A health check id: a UUID, 8-4-4-4-12 hex digits. */
static bool uuid_ok(const char *v)
{
    static const size_t groups[] = { 8, 4, 4, 4, 12 };

    for (size_t g = 0; g < 5; g++) {
        size_t n = strspn(v, "0123456789abcdefABCDEF");

        if (n != groups[g] || v[n] != (g < 4 ? '-' : '\0')) {
            return false;
        }
        v += n + (g < 4 ? 1 : 0);
    }
    return true;
}

/* 1 to 128 printable characters, not all blank, no quote or backslash
 * (the state file and the marker keep it on one line, unescaped). */
static bool set_identifier_ok(const char *id)
{
    for (const char *c = id; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\') {
            return false;
        }
    }
    return strlen(id) <= 128 && strspn(id, " ") < strlen(id);
}

/* Each routing parameter's own value; the policy's name into names. */
static r53_rc load_policy_values(env_getenv_fn get, struct params *p, const char **names, size_t *n,
                                 struct r53_error *err)
{
    struct r53_routing *r = &p->rec.routing;
    const char *w = param(get, "weight");
    const char *f = param(get, "failover");
    const char *l = param(get, "latency_region");
    r53_rc rc = R53_OK;

    if (w != NULL && (rc = parse_long("weight", w, 0, 255, &r->weight, err)) != R53_OK) {
        return rc;
    }
    if (f != NULL && strcmp(f, "PRIMARY") != 0 && strcmp(f, "SECONDARY") != 0) {
        return r53_fail(err, R53_ERR_CONFIG, "failover='%s' must be 'PRIMARY' or 'SECONDARY'", f);
    }
    if (l != NULL && !region_name_ok(l)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "latency_region='%s' is not an AWS region name (like eu-west-1)", l);
    }
    if ((rc = parse_bool("multivalue", param(get, "multivalue"), false, &r->multivalue, err)) !=
        R53_OK) {
        return rc;
    }
    r->weighted = w != NULL;
    snprintf(r->failover, sizeof(r->failover), "%s", f != NULL ? f : "");
    snprintf(r->region, sizeof(r->region), "%s", l != NULL ? l : "");
    *n = 0;
    if (w != NULL) {
        names[(*n)++] = "weight";
    }
    if (f != NULL) {
        names[(*n)++] = "failover";
    }
    if (l != NULL) {
        names[(*n)++] = "latency_region";
    }
    if (r->multivalue) {
        names[(*n)++] = "multivalue";
    }
    return R53_OK;
}

/* set_identifier, one routing policy and health_check_id: all or none. */
static r53_rc load_routing(env_getenv_fn get, struct params *p, struct r53_error *err)
{
    const char *names[4] = { NULL };
    const char *id = param(get, "set_identifier");
    const char *hc = param(get, "health_check_id");
    size_t n = 0;
    r53_rc rc = load_policy_values(get, p, names, &n, err);

    if (rc != R53_OK) {
        return rc;
    }
    if (hc != NULL && !uuid_ok(hc)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "health_check_id='%s' is not a health check id (a UUID like "
                        "abcdef01-2345-6789-abcd-ef0123456789)",
                        hc);
    }
    if (id != NULL && !set_identifier_ok(id)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "set_identifier='%s' must be 1 to 128 characters, without quotes or "
                        "backslashes",
                        id);
    }
    if (n > 1) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s and %s are both set: a member has exactly one routing policy (weight, "
                        "failover, latency_region or multivalue)",
                        names[0], names[1]);
    }
    if (n == 1 && id == NULL) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s needs set_identifier: the name of this resource's member of the set",
                        names[0]);
    }
    if (n == 0 && (id != NULL || hc != NULL)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s is set without a routing policy: also set one of weight, failover, "
                        "latency_region and multivalue=true",
                        id != NULL ? "set_identifier" : "health_check_id");
    }
    p->rec.set_identifier = id;
    p->rec.policy = n == 1 ? names[0] : NULL;
    snprintf(p->rec.routing.health_check_id, sizeof(p->rec.routing.health_check_id), "%s",
             hc != NULL ? hc : "");
    return R53_OK;
}

#define FIELD(f) offsetof(struct params, tun.f)

/* Every tunable, its default stated once, as the meta-data states it
 * (tests/unit/test_params.c holds them against metadata/route53.xml). */
const struct param_spec params_table[] = {
    { .name = "ttl",
      .kind = PARAM_LONG,
      .def = "10",
      .min = 0,
      .max = 2147483647L,
      .offset = FIELD(ttl) },
    /* Unset: poll on the default schedule until the start deadline. */
    { .name = "change_try_count",
      .kind = PARAM_LONG,
      .def = NULL,
      .min = 1,
      .max = 10000,
      .offset = FIELD(change_try_count) },
    { .name = "change_try_interval",
      .kind = PARAM_SECONDS,
      .def = NULL,
      .min = 100,
      .max = 60000,
      .offset = FIELD(change_try_interval_ms) },
    { .name = "wait_insync", .kind = PARAM_BOOL, .def = "true", .offset = FIELD(wait_insync) },
    { .name = "monitor_retries",
      .kind = PARAM_LONG,
      .def = "3",
      .min = 0,
      .max = 100,
      .offset = FIELD(monitor_retries) },
    { .name = "monitor_retry_interval",
      .kind = PARAM_SECONDS,
      .def = "2",
      .min = 0,
      .max = 60000,
      .offset = FIELD(monitor_retry_interval_ms) },
    { .name = "monitor_api_failure",
      .kind = PARAM_CHOICE,
      .def = "degraded",
      .choices = { "degraded", "fail" },
      .offset = FIELD(monitor_api_failure_fail) },
    { .name = "monitor_method",
      .kind = PARAM_CHOICE,
      .def = "dns",
      .choices = { "dns", "api" },
      .offset = FIELD(monitor_method_api) },
    { .name = "dns_timeout",
      .kind = PARAM_SECONDS,
      .def = "1",
      .min = 100,
      .max = 30000,
      .offset = FIELD(dns_timeout_ms) },
    { .name = "api_rate_limit",
      .kind = PARAM_RATE,
      .def = "10",
      .min = 100,
      .max = 1000000,
      .offset = FIELD(api_rate_milli) },
    { .name = "stop_action",
      .kind = PARAM_CHOICE,
      .def = "keep",
      .choices = { "keep", "delete" },
      .offset = FIELD(stop_action_delete) },
    { .name = "start_api_failure",
      .kind = PARAM_CHOICE,
      .def = "fail",
      .choices = { "fail", "defer" },
      .offset = FIELD(start_api_failure_defer) },
    /* 10 s to a week. */
    { .name = "defer_max",
      .kind = PARAM_SECONDS,
      .def = "3600",
      .min = 10000,
      .max = 604800000L,
      .offset = FIELD(defer_max_ms) },
    { .name = "connect_timeout",
      .kind = PARAM_SECONDS,
      .def = "3",
      .min = 100,
      .max = 60000,
      .offset = FIELD(connect_timeout_ms) },
    { .name = "request_timeout",
      .kind = PARAM_SECONDS,
      .def = "10",
      .min = 100,
      .max = 300000,
      .offset = FIELD(request_timeout_ms) },
    /* Strings loaded by hand: load_ownership, load_aws. */
    { .name = "ownership", .kind = PARAM_STRING, .def = "claim" },
    { .name = "profile", .kind = PARAM_STRING, .def = AWS_DEFAULT_PROFILE },
    { .name = "endpoint", .kind = PARAM_STRING, .def = AWS_DEFAULT_ROUTE53_ENDPOINT },
    { .name = "imds_endpoint", .kind = PARAM_STRING, .def = AWS_DEFAULT_IMDS_ENDPOINT },
};
const size_t params_table_len = sizeof(params_table) / sizeof(params_table[0]);

/* As the meta-data's <actions> advertise them. */
static const struct {
    const char *action;
    long timeout_ms;
} action_timeouts[] = {
    { "start", 120000 },       { "stop", 30000 },         { "monitor", 30000 },
    { "validate-all", 30000 }, { "reload-agent", 30000 }, { "meta-data", 5000 },
};

long params_action_timeout_ms(const char *action)
{
    for (size_t i = 0; i < sizeof(action_timeouts) / sizeof(action_timeouts[0]); i++) {
        if (strcmp(action_timeouts[i].action, action) == 0) {
            return action_timeouts[i].timeout_ms;
        }
    }
    return 30000;
}

/* The default of a parameter in params_table, or NULL. */
static const char *params_default(const char *name)
{
    for (size_t i = 0; i < params_table_len; i++) {
        if (strcmp(params_table[i].name, name) == 0) {
            return params_table[i].def;
        }
    }
    return NULL;
}

/* One tunable: the user's value, else its default, into its field. */
static r53_rc load_one(const struct param_spec *t, const char *text, struct params *p,
                       struct r53_error *err)
{
    char *field = (char *)p + t->offset;
    long *l = (long *)(void *)field;
    bool *b = (bool *)(void *)field;

    if (t->kind == PARAM_LONG || t->kind == PARAM_SECONDS || t->kind == PARAM_RATE) {
        *l = 0; /* unset, when there is no default */
        if (text == NULL) {
            return R53_OK;
        }
    }
    switch (t->kind) {
    case PARAM_LONG:
        return parse_long(t->name, text, t->min, t->max, l, err);
    case PARAM_SECONDS:
        return parse_milli(t->name, text, t->min, t->max, "seconds", "s", l, err);
    case PARAM_RATE:
        return parse_milli(t->name, text, t->min, t->max, "requests per second", "requests/s", l,
                           err);
    case PARAM_BOOL:
        return parse_bool(t->name, text, false, b, err);
    case PARAM_CHOICE:
        return parse_choice(t->name, text, t->choices[0], t->choices[1], b, err);
    case PARAM_STRING:
        break;
    }
    return R53_OK;
}

static r53_rc load_ownership(env_getenv_fn get, struct params *p, struct r53_error *err)
{
    static const char *const modes[] = {
        [OWNERSHIP_CLAIM] = "claim", [OWNERSHIP_REQUIRE] = "require", [OWNERSHIP_OFF] = "off"
    };
    const char *v = param(get, "ownership");

    if (v == NULL) {
        v = params_default("ownership");
    }
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(v, modes[i]) == 0) {
            p->own.mode = (enum ownership_mode)i;
            p->own.owner = param(get, "owner");
            return R53_OK;
        }
    }
    return r53_fail(err, R53_ERR_CONFIG, "ownership='%s' must be 'claim', 'require' or 'off'", v);
}

static r53_rc load_tunables(env_getenv_fn get, struct params *p, struct r53_error *err)
{
    r53_rc rc = R53_OK;

    for (size_t i = 0; i < params_table_len && rc == R53_OK; i++) {
        const char *v = param(get, params_table[i].name);

        /* A default goes through the parser too: stated once, as text. */
        rc = load_one(&params_table[i], v != NULL ? v : params_table[i].def, p, err);
    }
    return rc != R53_OK ? rc : load_ownership(get, p, err);
}

/* "route53-<resource>-<node>": who asked, in STS's alphabet, 64 at most. */
static void make_session_name(const struct agent_env *env, struct params *p)
{
    snprintf(p->session_name, sizeof(p->session_name), "route53-%s-%s", env->instance, env->node);
    for (char *c = p->session_name; *c != '\0'; c++) {
        if (!isalnum((unsigned char)*c) && strchr("+=,.@_-", *c) == NULL) {
            *c = '-';
        }
    }
}

/* The AWS parameters that are set, each checked: a bad one is wrong on
 * every node. */
static r53_rc check_aws_params(const struct aws_settings *a, struct r53_error *err)
{
    struct endpoint ep;
    r53_rc rc = R53_OK;

    if (a->profile != NULL) {
        rc = aws_settings_check_profile("profile", a->profile, err);
    }
    if (rc == R53_OK && a->role_arn != NULL) {
        rc = aws_settings_check_role_arn("role_arn", a->role_arn, err);
    }
    if (rc == R53_OK && a->external_id != NULL) {
        rc = aws_settings_check_external_id("external_id", a->external_id, err);
    }
    if (rc == R53_OK && a->sts_endpoint != NULL) {
        rc = endpoint_parse_https("sts_endpoint", a->sts_endpoint, &ep, err);
    }
    /* The signed request is built from host and port alone. */
    if (rc == R53_OK && a->route53_endpoint != NULL) {
        rc = endpoint_parse_https("endpoint", a->route53_endpoint, &ep, err);
    }
    if (rc == R53_OK && a->imds_endpoint != NULL) {
        rc = aws_settings_check_url("imds_endpoint", a->imds_endpoint, err);
    }
    if (rc == R53_OK && a->proxy != NULL) {
        rc = aws_settings_check_url("proxy", a->proxy, err);
    }
    return rc;
}

/* The AWS settings the parameters give, then what AWS_* and ~/.aws give
 * for the rest (src/aws_settings.c). */
static r53_rc load_aws(env_getenv_fn get, const struct agent_env *env, struct params *p,
                       struct r53_error *err)
{
    struct aws_settings *a = &p->aws;
    r53_rc rc = R53_OK;

    a->profile = param(get, "profile");
    a->role_arn = param(get, "role_arn");
    a->external_id = param(get, "external_id");
    a->sts_endpoint = param(get, "sts_endpoint");
    a->route53_endpoint = param(get, "endpoint");
    a->imds_endpoint = param(get, "imds_endpoint");
    a->ca_bundle = param(get, "ca_bundle");
    a->proxy = param(get, "proxy");
    make_session_name(env, p);
    a->session_name = p->session_name;
    if ((rc = check_aws_params(a, err)) != R53_OK) {
        return rc;
    }
    return aws_settings_from_env(a, get, err);
}

const char *const params_ignored_names[PARAMS_N_IGNORED] = { "awscli", "auth_type", "curl_retries",
                                                             "curl_sleep" };

r53_rc params_load(env_getenv_fn get, const struct agent_env *env, struct params *out,
                   struct r53_error *err)
{
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < PARAMS_N_IGNORED; i++) {
        out->compat.ignored_set[i] = param(get, params_ignored_names[i]) != NULL;
    }
    if ((rc = param_or_alias(get, "hostname", "fullname", &out->rec.hostname,
                             &out->compat.hostname_from_alias, err)) != R53_OK) {
        return rc;
    }
    if (out->rec.hostname == NULL) {
        return r53_fail(err, R53_ERR_CONFIG, "hostname is required: the record name to publish");
    }
    if ((rc = check_dns_name(out->compat.hostname_from_alias ? "fullname" : "hostname",
                             out->rec.hostname, err)) != R53_OK ||
        (rc = load_zone(get, out, err)) != R53_OK ||
        (rc = load_aws(get, env, out, err)) != R53_OK ||
        (rc = load_ip_source(get, out, err)) != R53_OK ||
        (rc = load_routing(get, out, err)) != R53_OK ||
        (rc = load_tunables(get, out, err)) != R53_OK) {
        return rc;
    }
    if (param(get, "dns_servers") != NULL) {
        return dns_parse_servers(param(get, "dns_servers"), out->tun.dns_servers,
                                 &out->tun.n_dns_servers, err);
    }
    return R53_OK;
}

r53_rc params_check_host(const struct params *p, struct r53_error *err)
{
    if (p->rec.ip_source == IP_INTERFACE && !address_interface_exists(p->rec.interface)) {
        return r53_fail(err, R53_ERR_HOST, "interface '%s' does not exist on this node",
                        p->rec.interface);
    }
    if (p->rec.ip_source == IP_RESOURCE && address_find_crm_resource() == NULL) {
        return r53_fail(err, R53_ERR_NOT_INSTALLED,
                        "ip_resource needs crm_resource, which is not installed "
                        "(Debian: pacemaker-cli-utils)");
    }
    if (p->aws.ca_bundle != NULL && access(p->aws.ca_bundle, R_OK) != 0) {
        return r53_fail(err, R53_ERR_HOST, "ca_bundle '%s' is not a readable file on this node",
                        p->aws.ca_bundle);
    }
    return R53_OK;
}
