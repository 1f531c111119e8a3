/* src/aws_settings.c: what the AWS_* variables and ~/.aws give for the
 * fields a caller left unset, that a caller's value wins, and that a bad
 * variable is this node's fault (R53_ERR_HOST) naming the variable. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "aws_settings.h"

static const char *const *test_env;

static const char *fake_getenv(const char *name)
{
    size_t n = strlen(name);

    for (const char *const *e = test_env; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

static r53_rc from_env(const char *const *env, struct aws_settings *s, struct r53_error *err)
{
    test_env = env;
    return aws_settings_from_env(s, fake_getenv, err);
}

/* A zeroed struct and an empty environment: the AWS CLI's defaults. */
static void test_defaults(void **state)
{
    const char *env[] = { "HOME=/home/x", NULL };
    struct aws_settings s = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(from_env(env, &s, &err), R53_OK);
    assert_null(s.region);
    assert_string_equal(s.route53_endpoint, AWS_DEFAULT_ROUTE53_ENDPOINT);
    assert_null(s.sts_endpoint);
    assert_string_equal(s.imds_endpoint, AWS_DEFAULT_IMDS_ENDPOINT);
    assert_null(s.ca_bundle);
    assert_null(s.proxy);
    assert_string_equal(s.credentials_file, "/home/x/.aws/credentials");
    assert_string_equal(s.config_file, "/home/x/.aws/config");
    assert_string_equal(s.profile, "default");
    assert_false(s.profile_explicit);
    assert_false(s.profile_from_caller);
    assert_null(s.web_identity.token_file);
    assert_false(s.sts_legacy);
    assert_false(s.imds_disabled);
}

/* Every variable, each where the AWS CLI reads it. */
static void test_every_variable(void **state)
{
    const char *env[] = { "AWS_REGION=eu-west-1",
                          "AWS_DEFAULT_REGION=us-west-2",
                          "AWS_ENDPOINT_URL=https://generic.example",
                          "AWS_ENDPOINT_URL_ROUTE_53=https://r53.example:8443",
                          "AWS_ENDPOINT_URL_STS=https://sts.example",
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://[fd00:ec2::254]",
                          "AWS_EC2_METADATA_DISABLED=TRUE",
                          "AWS_CA_BUNDLE=/ca.pem",
                          "AWS_SHARED_CREDENTIALS_FILE=/etc/ha/creds",
                          "AWS_CONFIG_FILE=/etc/ha/config",
                          "AWS_PROFILE=envprofile",
                          "AWS_WEB_IDENTITY_TOKEN_FILE=/run/token",
                          "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/oidc",
                          "AWS_ROLE_SESSION_NAME=env-session",
                          "AWS_STS_REGIONAL_ENDPOINTS=legacy",
                          "HTTPS_PROXY=http://ignored:3128",
                          NULL };
    const char *default_region[] = { "AWS_DEFAULT_REGION=us-west-2",
                                     "AWS_ENDPOINT_URL=https://generic.example", NULL };
    struct aws_settings s = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(from_env(env, &s, &err), R53_OK);
    assert_string_equal(s.region, "eu-west-1");
    assert_string_equal(s.route53_endpoint, "https://r53.example:8443");
    assert_string_equal(s.sts_endpoint, "https://sts.example");
    assert_string_equal(s.imds_endpoint, "http://[fd00:ec2::254]");
    assert_true(s.imds_disabled);
    assert_string_equal(s.ca_bundle, "/ca.pem");
    assert_null(s.proxy);
    assert_string_equal(s.credentials_file, "/etc/ha/creds");
    assert_string_equal(s.config_file, "/etc/ha/config");
    assert_string_equal(s.profile, "envprofile");
    assert_true(s.profile_explicit);
    assert_false(s.profile_from_caller); /* AWS_PROFILE keeps the environment's keys */
    assert_string_equal(s.web_identity.token_file, "/run/token");
    assert_string_equal(s.web_identity.role_arn, "arn:aws:iam::123456789012:role/oidc");
    assert_string_equal(s.web_identity.session_name, "env-session");
    assert_true(s.sts_legacy);

    s = (struct aws_settings){ 0 };
    assert_int_equal(from_env(default_region, &s, &err), R53_OK);
    assert_string_equal(s.region, "us-west-2");
    assert_string_equal(s.route53_endpoint, "https://generic.example");
}

/* What the caller set stays, however the environment disagrees. */
static void test_caller_wins(void **state)
{
    const char *env[] = { "AWS_PROFILE=envprofile",
                          "AWS_ENDPOINT_URL_ROUTE_53=https://r53.example",
                          "AWS_ENDPOINT_URL_STS=ftp://not-checked-when-unused",
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9",
                          "AWS_CA_BUNDLE=/env-ca.pem",
                          "AWS_REGION=eu-west-1",
                          NULL };
    struct aws_settings s = {
        .profile = "mine",
        .route53_endpoint = "https://mine.example",
        .sts_endpoint = "https://sts.mine.example",
        .imds_endpoint = "http://mine:80",
        .ca_bundle = "/mine.pem",
        .region = "ap-south-1",
        .credentials_file = "/mine/creds",
    };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(from_env(env, &s, &err), R53_OK);
    assert_string_equal(s.profile, "mine");
    assert_true(s.profile_explicit);
    assert_true(s.profile_from_caller);
    assert_string_equal(s.route53_endpoint, "https://mine.example");
    assert_string_equal(s.sts_endpoint, "https://sts.mine.example");
    assert_string_equal(s.imds_endpoint, "http://mine:80");
    assert_string_equal(s.ca_bundle, "/mine.pem");
    assert_string_equal(s.region, "ap-south-1");
    assert_string_equal(s.credentials_file, "/mine/creds");
}

/* A bad variable: R53_ERR_HOST, naming the variable, said to be this
 * node's; one row each, so one failure hides no other. */
static const struct {
    const char *var;
    const char *word;
} bad_vars[] = {
    { "AWS_PROFILE=a]b", "AWS_PROFILE='a]b' is not a profile name" },
    { "AWS_ENDPOINT_URL_ROUTE_53=http://x", "AWS_ENDPOINT_URL_ROUTE_53='http://x'" },
    { "AWS_ENDPOINT_URL=ftp://x", "AWS_ENDPOINT_URL='ftp://x'" },
    { "AWS_ENDPOINT_URL_STS=http://sts", "AWS_ENDPOINT_URL_STS='http://sts'" },
    { "AWS_EC2_METADATA_SERVICE_ENDPOINT=ftp://x", "must be an http:// or https:// URL" },
};

static void test_bad_variables(void **state)
{
    int failed = 0;
    struct r53_error err = { 0 };

    (void)state;
    for (size_t i = 0; i < sizeof(bad_vars) / sizeof(bad_vars[0]); i++) {
        const char *env[] = { bad_vars[i].var, NULL };
        struct aws_settings s = { 0 };
        r53_rc rc = from_env(env, &s, &err);

        if (rc != R53_ERR_HOST || strstr(err.reason, bad_vars[i].word) == NULL ||
            strstr(err.reason, "this node's environment") == NULL) {
            print_error("%s: rc %d, reason '%s'\n", bad_vars[i].var, (int)rc, err.reason);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* AWS_ROLE_ARN is checked only when it would be used, with a token file. */
static void test_web_identity_role(void **state)
{
    const char *bad[] = { "AWS_WEB_IDENTITY_TOKEN_FILE=/run/token", "AWS_ROLE_ARN=oidc", NULL };
    const char *unused[] = { "AWS_ROLE_ARN=oidc", NULL };
    struct aws_settings s = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(from_env(bad, &s, &err), R53_ERR_HOST);
    assert_non_null(strstr(err.reason, "AWS_ROLE_ARN='oidc' on this node is not a role ARN"));
    s = (struct aws_settings){ 0 };
    assert_int_equal(from_env(unused, &s, &err), R53_OK);
}

/* The checks a caller runs on its own values name them as told. */
static void test_checks(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(aws_settings_check_profile("profile", "ha-1", &err), R53_OK);
    assert_int_equal(aws_settings_check_profile("profile", "a[b", &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "profile='a[b' is not a profile name"));
    assert_int_equal(aws_settings_check_url("proxy", "http://proxy:3128", &err), R53_OK);
    assert_int_equal(aws_settings_check_url("proxy", "socks5://x", &err), R53_ERR_CONFIG);
    assert_int_equal(aws_settings_check_url("proxy", "http://a b", &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "white space"));
    assert_int_equal(
        aws_settings_check_role_arn("role_arn", "arn:aws:iam::123456789012:role/x", &err), R53_OK);
    assert_int_equal(aws_settings_check_role_arn("role_arn", "dns-writer", &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "role_arn='dns-writer' is not a role ARN"));
    assert_int_equal(aws_settings_check_external_id("external_id", "ab", &err), R53_OK);
    assert_int_equal(aws_settings_check_external_id("external_id", "a", &err), R53_ERR_CONFIG);
    assert_int_equal(aws_settings_check_external_id("external_id", "a b", &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "external_id='a b' is not an external id"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),          cmocka_unit_test(test_every_variable),
        cmocka_unit_test(test_caller_wins),       cmocka_unit_test(test_bad_variables),
        cmocka_unit_test(test_web_identity_role), cmocka_unit_test(test_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
