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

static void check_accepted(const struct params *p)
{
    size_t len = 0;

    FUZZ_CHECK(p->hostname != NULL);
    len = strlen(p->hostname);
    FUZZ_CHECK(len > 0 && len <= 254);
    FUZZ_CHECK(strspn(p->hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_.") == len);
    check_from_input_or(p->hostname, NULL);
    FUZZ_CHECK((p->zone == NULL) != (p->zone_id == NULL));
    if (p->zone_id != NULL) {
        FUZZ_CHECK(p->zone_id == p->zone_id_buf);
        FUZZ_CHECK_STR(p->zone_id_buf);
        FUZZ_CHECK(p->zone_id[0] != '\0');
        FUZZ_CHECK(strspn(p->zone_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
                   strlen(p->zone_id));
    } else {
        check_from_input_or(p->zone, NULL);
    }
    FUZZ_CHECK((p->ip != NULL) + (p->ip_resource != NULL) + (p->interface != NULL) == 1);
    switch (p->ip_source) {
    case IP_LITERAL:
        FUZZ_CHECK(p->ip != NULL && strcmp(p->ip, "local") != 0 && strcmp(p->ip, "public") != 0);
        break;
    case IP_LOCAL:
    case IP_PUBLIC:
        FUZZ_CHECK(p->ip != NULL && !p->aws.imds_disabled);
        break;
    case IP_RESOURCE:
        FUZZ_CHECK(p->ip_resource != NULL);
        break;
    case IP_INTERFACE:
        FUZZ_CHECK(p->interface != NULL && strlen(p->interface) <= 15);
        break;
    default:
        FUZZ_CHECK(!"unknown ip_source");
    }
    FUZZ_CHECK(p->ttl >= 0 && p->ttl <= INT_MAX);
    /* 0: unset (the default schedule, until the start deadline). */
    FUZZ_CHECK(p->change_try_count == 0 ||
               (p->change_try_count >= 1 && p->change_try_count <= 10000));
    FUZZ_CHECK(p->change_try_interval_ms == 0 ||
               (p->change_try_interval_ms >= 100 && p->change_try_interval_ms <= 60000));
    FUZZ_CHECK(p->dns_timeout_ms >= 100 && p->dns_timeout_ms <= 30000);
    FUZZ_CHECK(p->api_rate_milli >= 100 && p->api_rate_milli <= 1000000);
    FUZZ_CHECK(p->n_dns_servers <= DNS_MAX_SERVERS);
    for (size_t i = 0; i < p->n_dns_servers; i++) {
        FUZZ_CHECK(p->dns_servers[i].port >= 1 && p->dns_servers[i].port <= 65535);
        FUZZ_CHECK_STR(p->dns_servers[i].addr);
    }
    FUZZ_CHECK(p->ownership == OWNERSHIP_CLAIM || p->ownership == OWNERSHIP_REQUIRE ||
               p->ownership == OWNERSHIP_OFF);
    FUZZ_CHECK(p->aws.role_arn == NULL || strncmp(p->aws.role_arn, "arn:", 4) == 0);
    FUZZ_CHECK(strlen(p->aws.session_name) <= 64);
    FUZZ_CHECK(p->monitor_retries >= 0 && p->monitor_retries <= 100);
    FUZZ_CHECK(p->monitor_retry_interval_ms >= 0 && p->monitor_retry_interval_ms <= 60000);
    FUZZ_CHECK(p->connect_timeout_ms >= 100 && p->connect_timeout_ms <= 60000);
    FUZZ_CHECK(p->request_timeout_ms >= 100 && p->request_timeout_ms <= 300000);
    FUZZ_CHECK(p->aws.profile != NULL && p->aws.profile[0] != '\0' &&
               strlen(p->aws.profile) <= 128);
    FUZZ_CHECK(strpbrk(p->aws.profile, "[]\r\n") == NULL);
    check_from_input_or(p->aws.profile, "default");
    /* ip=local by default only for a resource written with aws-vpc-route53's names. */
    FUZZ_CHECK(!p->ip_defaulted || (p->ip_source == IP_LOCAL && strcmp(p->ip, "local") == 0 &&
                                    (p->hostname_from_alias || p->zone_id_from_alias)));
    FUZZ_CHECK(p->aws.profile_explicit ==
               (p->aws.profile >= text_start && p->aws.profile < text_end));
    /* Route 53 is never spoken to unencrypted. */
    FUZZ_CHECK(p->aws.route53_endpoint != NULL &&
               strncasecmp(p->aws.route53_endpoint, "https://", 8) == 0);
    FUZZ_CHECK(strpbrk(p->aws.route53_endpoint, " \t\r\n") == NULL);
    {
        /* https://HOST[:PORT][/]: the request is signed for the host alone. */
        const char *host = p->aws.route53_endpoint + 8;
        size_t len = strcspn(host, "/?#");

        FUZZ_CHECK(len > 0 && memchr(host, '@', len) == NULL);
        FUZZ_CHECK(strspn(host + len, "/") == strlen(host + len));
    }
    FUZZ_CHECK(p->aws.imds_endpoint != NULL &&
               (strncasecmp(p->aws.imds_endpoint, "http://", 7) == 0 ||
                strncasecmp(p->aws.imds_endpoint, "https://", 8) == 0));
    FUZZ_CHECK(p->aws.proxy == NULL || strpbrk(p->aws.proxy, " \t\r\n") == NULL);
    FUZZ_CHECK(p->aws.credentials_file == p->aws.credentials_file_buf);
    FUZZ_CHECK(p->aws.config_file == p->aws.config_file_buf);
    FUZZ_CHECK_STR(p->aws.credentials_file_buf);
    FUZZ_CHECK_STR(p->aws.config_file_buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct agent_env env;
    struct params p;
    size_t n = 0;
    r53_rc rc = R53_OK;

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

    r53_clear_error();
    env_load(fake_getenv, &env);
    rc = params_load(fake_getenv, &env, &p);
    if (rc != R53_OK) {
        fuzz_check_failure(rc);
        /* A bad parameter is wrong everywhere; a bad AWS_* variable only
         * on this node. */
        FUZZ_CHECK(rc == R53_ERR_CONFIG || rc == R53_ERR_HOST);
    } else {
        check_accepted(&p);
    }
    free(text);
    return 0;
}
