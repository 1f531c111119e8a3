/* libFuzzer harness: the agent's parameter parser (params_load) over an
 * environment given as "NAME=value" lines, as Pacemaker hands the agent
 * its OCF_RESKEY_* variables (the first definition of a name wins, as in
 * tests/unit/test_params.c).  Beyond "no crash": what params_load accepts
 * is within every documented range and form; a refusal is
 * R53_ERR_CONFIG with a reason. */
#include <limits.h>
#include <stdint.h>
#include <strings.h>

#include "fuzz.h"
#include "params.h"

#define MAX_VARS 64

static const char *vars[MAX_VARS + 1];
static const char *text_start; /* the harness's copy of the input */
static const char *text_end;

static const char *fake_getenv(const char *name)
{
    size_t n = strlen(name);

    for (const char *const *e = vars; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/* A parameter string either came from the environment or is a default. */
static void check_from_input_or(const char *v, const char *dflt)
{
    FUZZ_CHECK(v != NULL);
    FUZZ_CHECK((v >= text_start && v < text_end) || (dflt != NULL && strcmp(v, dflt) == 0));
}

/* The record, where its address comes from, and aws-vpc-route53's names. */
static void check_record(const struct params *p)
{
    const struct params_record *r = &p->rec;
    size_t len = 0;

    FUZZ_CHECK(r->hostname != NULL);
    len = strlen(r->hostname);
    FUZZ_CHECK(len > 0 && len <= 254);
    FUZZ_CHECK(strspn(r->hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_.") == len);
    check_from_input_or(r->hostname, NULL);
    FUZZ_CHECK((r->zone == NULL) != (r->zone_id == NULL));
    if (r->zone_id != NULL) {
        FUZZ_CHECK(r->zone_id == r->zone_id_buf);
        FUZZ_CHECK_STR(r->zone_id_buf);
        FUZZ_CHECK(r->zone_id[0] != '\0');
        FUZZ_CHECK(strspn(r->zone_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
                   strlen(r->zone_id));
    } else {
        check_from_input_or(r->zone, NULL);
    }
    FUZZ_CHECK((r->ip != NULL) + (r->ip_resource != NULL) + (r->interface != NULL) == 1);
    switch (r->ip_source) {
    case IP_LITERAL:
        FUZZ_CHECK(r->ip != NULL && strcmp(r->ip, "local") != 0 && strcmp(r->ip, "public") != 0);
        break;
    case IP_LOCAL:
    case IP_PUBLIC:
        FUZZ_CHECK(r->ip != NULL && !p->aws.imds_disabled);
        break;
    case IP_RESOURCE:
        FUZZ_CHECK(r->ip_resource != NULL);
        break;
    case IP_INTERFACE:
        FUZZ_CHECK(r->interface != NULL && strlen(r->interface) <= 15);
        break;
    default:
        FUZZ_CHECK(!"unknown ip_source");
    }
    /* ip=local by default only for a resource written with aws-vpc-route53's names. */
    FUZZ_CHECK(!p->compat.ip_defaulted ||
               (r->ip_source == IP_LOCAL && strcmp(r->ip, "local") == 0 &&
                (p->compat.hostname_from_alias || p->compat.zone_id_from_alias)));
}

/* The tunables, each within its documented range, and ownership. */
static void check_tunables(const struct params *p)
{
    const struct params_tunables *t = &p->tun;

    FUZZ_CHECK(t->ttl >= 0 && t->ttl <= INT_MAX);
    /* 0: unset (the default schedule, until the start deadline). */
    FUZZ_CHECK(t->change_try_count == 0 ||
               (t->change_try_count >= 1 && t->change_try_count <= 10000));
    FUZZ_CHECK(t->change_try_interval_ms == 0 ||
               (t->change_try_interval_ms >= 100 && t->change_try_interval_ms <= 60000));
    FUZZ_CHECK(t->dns_timeout_ms >= 100 && t->dns_timeout_ms <= 30000);
    FUZZ_CHECK(t->api_rate_milli >= 100 && t->api_rate_milli <= 1000000);
    FUZZ_CHECK(t->n_dns_servers <= DNS_MAX_SERVERS);
    for (size_t i = 0; i < t->n_dns_servers; i++) {
        FUZZ_CHECK(t->dns_servers[i].port >= 1 && t->dns_servers[i].port <= 65535);
        FUZZ_CHECK_STR(t->dns_servers[i].addr);
    }
    FUZZ_CHECK(t->monitor_retries >= 0 && t->monitor_retries <= 100);
    FUZZ_CHECK(t->monitor_retry_interval_ms >= 0 && t->monitor_retry_interval_ms <= 60000);
    FUZZ_CHECK(t->connect_timeout_ms >= 100 && t->connect_timeout_ms <= 60000);
    FUZZ_CHECK(t->request_timeout_ms >= 100 && t->request_timeout_ms <= 300000);
    FUZZ_CHECK(p->own.mode == OWNERSHIP_CLAIM || p->own.mode == OWNERSHIP_REQUIRE ||
               p->own.mode == OWNERSHIP_OFF);
}

/* The AWS settings: the profile, and endpoints in their only forms. */
static void check_aws(const struct aws_settings *a)
{
    FUZZ_CHECK(a->role_arn == NULL || strncmp(a->role_arn, "arn:", 4) == 0);
    FUZZ_CHECK(strlen(a->session_name) <= 64);
    FUZZ_CHECK(a->profile != NULL && a->profile[0] != '\0' && strlen(a->profile) <= 128);
    FUZZ_CHECK(strpbrk(a->profile, "[]\r\n") == NULL);
    check_from_input_or(a->profile, "default");
    FUZZ_CHECK(a->profile_explicit == (a->profile >= text_start && a->profile < text_end));
    /* Route 53 is never spoken to unencrypted. */
    FUZZ_CHECK(a->route53_endpoint != NULL && strncasecmp(a->route53_endpoint, "https://", 8) == 0);
    FUZZ_CHECK(strpbrk(a->route53_endpoint, " \t\r\n") == NULL);
    {
        /* https://HOST[:PORT][/]: the request is signed for the host alone. */
        const char *host = a->route53_endpoint + 8;
        size_t len = strcspn(host, "/?#");

        FUZZ_CHECK(len > 0 && memchr(host, '@', len) == NULL);
        FUZZ_CHECK(strspn(host + len, "/") == strlen(host + len));
    }
    FUZZ_CHECK(a->imds_endpoint != NULL && (strncasecmp(a->imds_endpoint, "http://", 7) == 0 ||
                                            strncasecmp(a->imds_endpoint, "https://", 8) == 0));
    FUZZ_CHECK(a->proxy == NULL || strpbrk(a->proxy, " \t\r\n") == NULL);
    FUZZ_CHECK(a->credentials_file == a->credentials_file_buf);
    FUZZ_CHECK(a->config_file == a->config_file_buf);
    FUZZ_CHECK_STR(a->credentials_file_buf);
    FUZZ_CHECK_STR(a->config_file_buf);
}

static void check_accepted(const struct params *p)
{
    check_record(p);
    check_tunables(p);
    check_aws(&p->aws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct agent_env env;
    struct params p;
    size_t n = 0;
    r53_rc rc = R53_OK;
    struct r53_error err = { 0 };

    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    text_start = text;
    text_end = text + size + 1;
    /* One variable a line; an environment string ends at its first NUL. */
    for (size_t i = 0, start = 0; i <= size && n < MAX_VARS; i++) {
        if (i == size || text[i] == '\n') {
            text[i] = '\0';
            vars[n++] = text + start;
            start = i + 1;
        }
    }
    vars[n] = NULL;

    env_load(fake_getenv, &env);
    rc = params_load(fake_getenv, &env, &p, &err);
    if (rc != R53_OK) {
        fuzz_check_failure(rc, &err);
        /* A bad parameter is wrong everywhere; a bad AWS_* variable only
         * on this node. */
        FUZZ_CHECK(rc == R53_ERR_CONFIG || rc == R53_ERR_HOST);
    } else {
        check_accepted(&p);
    }
    free(text);
    return 0;
}
