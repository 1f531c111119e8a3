/* Parameter parsing and validation: every parameter's defaults, its
 * accepted forms, and the reason given for each kind of bad value. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "params.h"

/* The environment a test sees: name=value pairs, NULL-terminated. */
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

#define BASE "OCF_RESKEY_hostname=www", "OCF_RESKEY_zone=example.com"

/* What Pacemaker tells the agent, as main reads it. */
static struct agent_env test_agent_env;

static r53_rc load(const char *const *env, struct params *p, struct r53_error *err)
{
    test_env = env;
    env_load(fake_getenv, &test_agent_env);
    return params_load(fake_getenv, &test_agent_env, p, err);
}

/* Loading env must fail with R53_ERR_CONFIG and a reason containing word. */
static void expect_config_error(const char *const *env, const char *word)
{
    struct params p;
    struct r53_error err = { 0 };

    assert_int_equal(load(env, &p, &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, word));
}

static void test_defaults(void **state)
{
    const char *env[] = { BASE, "OCF_RESKEY_ip=192.0.2.10", "HOME=/home/x", NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(env, &p, &err), R53_OK);
    assert_string_equal(p.rec.hostname, "www");
    assert_string_equal(p.rec.zone, "example.com");
    assert_null(p.rec.zone_id);
    assert_int_equal(p.rec.ip_source, IP_LITERAL);
    assert_int_equal(p.tun.ttl, 10);
    assert_int_equal(p.tun.change_try_count, 0);       /* until the start deadline */
    assert_int_equal(p.tun.change_try_interval_ms, 0); /* the growing schedule */
    assert_true(p.tun.wait_insync);
    assert_int_equal(p.tun.monitor_retries, 3);
    assert_int_equal(p.tun.monitor_retry_interval_ms, 2000);
    assert_false(p.tun.monitor_api_failure_fail);
    assert_false(p.tun.stop_action_delete);
    assert_false(p.tun.monitor_method_api);
    assert_int_equal(p.tun.n_dns_servers, 0);
    assert_int_equal(p.tun.dns_timeout_ms, 1000);
    assert_int_equal(p.tun.api_rate_milli, 10000);
    assert_string_equal(test_agent_env.rsctmp, "/run/resource-agents");
    assert_string_equal(p.aws.profile, "default");
    assert_false(p.aws.profile_explicit);
    assert_string_equal(p.aws.route53_endpoint, "https://route53.amazonaws.com");
    assert_null(p.aws.ca_bundle);
    assert_string_equal(p.aws.imds_endpoint, "http://169.254.169.254");
    assert_null(p.aws.proxy);
    assert_int_equal(p.tun.connect_timeout_ms, 3000);
    assert_int_equal(p.tun.request_timeout_ms, 10000);
    assert_string_equal(p.aws.credentials_file, "/home/x/.aws/credentials");
    assert_string_equal(p.aws.config_file, "/home/x/.aws/config");
}

/* Every tunable of test_every_value_set, as set there. */
static void expect_every_tunable(const struct params_tunables *t)
{
    assert_int_equal(t->ttl, 300);
    assert_int_equal(t->change_try_count, 60);
    assert_int_equal(t->change_try_interval_ms, 250);
    assert_false(t->wait_insync);
    assert_int_equal(t->monitor_retries, 0);
    assert_int_equal(t->monitor_retry_interval_ms, 1500);
    assert_true(t->monitor_api_failure_fail);
    assert_true(t->stop_action_delete);
    assert_true(t->monitor_method_api);
    assert_int_equal(t->n_dns_servers, 4);
    assert_string_equal(t->dns_servers[0].addr, "10.0.0.2");
    assert_int_equal(t->dns_servers[0].port, 53);
    assert_string_equal(t->dns_servers[1].addr, "127.0.0.1");
    assert_int_equal(t->dns_servers[1].port, 5353);
    assert_string_equal(t->dns_servers[2].addr, "::1");
    assert_int_equal(t->dns_servers[2].port, 53);
    assert_string_equal(t->dns_servers[3].addr, "fd00::53");
    assert_int_equal(t->dns_servers[3].port, 53);
    assert_int_equal(t->dns_timeout_ms, 250);
    assert_int_equal(t->connect_timeout_ms, 2000);
    assert_int_equal(t->request_timeout_ms, 7500);
}

static void test_every_value_set(void **state)
{
    const char *env[] = { "OCF_RESKEY_hostname=db.example.com.",
                          "OCF_RESKEY_zone_id=/hostedzone/Z1D633PJN98FT9",
                          "OCF_RESKEY_interface=eth0",
                          "OCF_RESKEY_ttl=300",
                          "OCF_RESKEY_change_try_count=60",
                          "OCF_RESKEY_change_try_interval=0.25",
                          "OCF_RESKEY_wait_insync=false",
                          "OCF_RESKEY_monitor_retries=0",
                          "OCF_RESKEY_monitor_retry_interval=1.5",
                          "OCF_RESKEY_monitor_api_failure=fail",
                          "OCF_RESKEY_stop_action=delete",
                          "OCF_RESKEY_monitor_method=api",
                          "OCF_RESKEY_dns_servers=10.0.0.2, 127.0.0.1:5353,[::1]:53,fd00::53",
                          "OCF_RESKEY_dns_timeout=0.25",
                          "OCF_RESKEY_profile=ha",
                          "OCF_RESKEY_endpoint=https://route53.amazonaws.com.cn",
                          "OCF_RESKEY_ca_bundle=/etc/ca.pem",
                          "OCF_RESKEY_imds_endpoint=http://[fd00:ec2::254]",
                          "OCF_RESKEY_proxy=http://proxy:3128",
                          "OCF_RESKEY_connect_timeout=2",
                          "OCF_RESKEY_request_timeout=7.5",
                          "AWS_SHARED_CREDENTIALS_FILE=/etc/ha/creds",
                          "AWS_CONFIG_FILE=/etc/ha/config",
                          NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(env, &p, &err), R53_OK);
    assert_string_equal(p.rec.zone_id, "Z1D633PJN98FT9");
    assert_null(p.rec.zone);
    assert_int_equal(p.rec.ip_source, IP_INTERFACE);
    assert_string_equal(p.rec.interface, "eth0");
    expect_every_tunable(&p.tun);
    assert_string_equal(p.aws.profile, "ha");
    assert_true(p.aws.profile_explicit);
    assert_string_equal(p.aws.route53_endpoint, "https://route53.amazonaws.com.cn");
    assert_string_equal(p.aws.ca_bundle, "/etc/ca.pem");
    assert_string_equal(p.aws.imds_endpoint, "http://[fd00:ec2::254]");
    assert_string_equal(p.aws.proxy, "http://proxy:3128");
    assert_string_equal(p.aws.credentials_file, "/etc/ha/creds");
    assert_string_equal(p.aws.config_file, "/etc/ha/config");
}

static void test_ip_sources(void **state)
{
    const char *local[] = { BASE, "OCF_RESKEY_ip=local", NULL };
    const char *pub[] = { BASE, "OCF_RESKEY_ip=public", NULL };
    const char *v6[] = { BASE, "OCF_RESKEY_ip=2001:DB8::10", NULL };
    const char *rsc[] = { BASE, "OCF_RESKEY_ip_resource=vip", NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(local, &p, &err), R53_OK);
    assert_int_equal(p.rec.ip_source, IP_LOCAL);
    assert_int_equal(load(pub, &p, &err), R53_OK);
    assert_int_equal(p.rec.ip_source, IP_PUBLIC);
    assert_int_equal(load(v6, &p, &err), R53_OK);
    assert_int_equal(p.rec.ip_source, IP_LITERAL);
    assert_int_equal(load(rsc, &p, &err), R53_OK);
    assert_int_equal(p.rec.ip_source, IP_RESOURCE);
    assert_string_equal(p.rec.ip_resource, "vip");
}

static void test_environment_fallbacks(void **state)
{
    const char *from_env[] = { BASE,
                               "OCF_RESKEY_ip=192.0.2.1",
                               "AWS_PROFILE=envprofile",
                               "AWS_ENDPOINT_URL=https://generic.example",
                               "AWS_ENDPOINT_URL_ROUTE_53=https://r53.example:8443",
                               "AWS_CA_BUNDLE=/ca.pem",
                               "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9",
                               NULL };
    const char *generic[] = { BASE, "OCF_RESKEY_ip=192.0.2.1",
                              "AWS_ENDPOINT_URL=https://generic.example", NULL };
    const char *param_wins[] = { BASE,
                                 "OCF_RESKEY_ip=192.0.2.1",
                                 "OCF_RESKEY_profile=mine",
                                 "OCF_RESKEY_endpoint=https://mine.example",
                                 "AWS_PROFILE=envprofile",
                                 "AWS_ENDPOINT_URL_ROUTE_53=https://r53.example",
                                 NULL };
    const char *empty_is_unset[] = { BASE, "OCF_RESKEY_ip=192.0.2.1",
                                     "OCF_RESKEY_ttl=", "OCF_RESKEY_zone_id=", NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(from_env, &p, &err), R53_OK);
    assert_string_equal(p.aws.profile, "envprofile");
    assert_true(p.aws.profile_explicit);
    assert_string_equal(p.aws.route53_endpoint, "https://r53.example:8443");
    assert_string_equal(p.aws.ca_bundle, "/ca.pem");
    assert_string_equal(p.aws.imds_endpoint, "http://127.0.0.1:9");
    assert_int_equal(load(generic, &p, &err), R53_OK);
    assert_string_equal(p.aws.route53_endpoint, "https://generic.example");
    assert_int_equal(load(param_wins, &p, &err), R53_OK);
    assert_string_equal(p.aws.profile, "mine");
    assert_string_equal(p.aws.route53_endpoint, "https://mine.example");
    assert_int_equal(load(empty_is_unset, &p, &err), R53_OK);
    assert_int_equal(p.tun.ttl, 10);
}

/* Each bad value with the word its reason must contain: every row is
 * checked and reported, so one failure hides no other. */
static const struct {
    const char *env[6];
    const char *word;
} bad_values[] = {
    { { "OCF_RESKEY_zone=example.com", "OCF_RESKEY_ip=192.0.2.1", NULL }, "hostname is required" },
    { { "OCF_RESKEY_hostname=www", "OCF_RESKEY_ip=192.0.2.1", NULL }, "exactly one of zone" },
    { { BASE, "OCF_RESKEY_zone_id=Z1", "OCF_RESKEY_ip=192.0.2.1", NULL }, "exactly one of zone" },
    { { BASE, NULL }, "exactly one of ip" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_interface=eth0", NULL }, "exactly one of ip" },
    { { BASE, "OCF_RESKEY_ip=192.0.2", NULL }, "192.0.2" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.256", NULL }, "192.0.2.256" },
    { { "OCF_RESKEY_hostname=bad name", "OCF_RESKEY_zone=x.com", "OCF_RESKEY_ip=192.0.2.1", NULL },
      "hostname" },
    { { "OCF_RESKEY_hostname=a..b", "OCF_RESKEY_zone=x.com", "OCF_RESKEY_ip=192.0.2.1", NULL },
      "empty or over-long" },
    { { "OCF_RESKEY_hostname=www", "OCF_RESKEY_zone_id=/hostedzone/z1;rm",
        "OCF_RESKEY_ip=192.0.2.1", NULL },
      "zone_id" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_ttl=ten", NULL },
      "ttl='ten' is not a whole number" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_ttl=-1", NULL }, "ttl" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_ttl=2147483648", NULL }, "out of range" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_change_try_count=0", NULL },
      "change_try_count" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_change_try_interval=1.2345", NULL },
      "change_try_interval" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_change_try_interval=1,5", NULL },
      "change_try_interval" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_wait_insync=maybe", NULL }, "wait_insync" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_monitor_api_failure=ignore", NULL },
      "monitor_api_failure" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_stop_action=purge", NULL }, "stop_action" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_endpoint=http://route53.amazonaws.com", NULL },
      "https" },
    { { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_proxy=proxy:3128", NULL }, "proxy" },
    { { BASE, "OCF_RESKEY_ip_resource=vip;reboot", NULL }, "ip_resource" },
    { { BASE, "OCF_RESKEY_interface=a/b", NULL }, "interface" },
};

static void test_bad_values(void **state)
{
    int failed = 0;
    struct r53_error err = { 0 };

    (void)state;
    for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
        struct params p;
        r53_rc rc = load(bad_values[i].env, &p, &err);

        if (rc != R53_ERR_CONFIG || strstr(err.reason, bad_values[i].word) == NULL) {
            print_error("row %zu (%s): rc %d, reason '%s', want '%s'\n", i,
                        bad_values[i].env[2] != NULL ? bad_values[i].env[2] : "", (int)rc,
                        err.reason, bad_values[i].word);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* Each bad DNS-monitor value on its own, so one failure hides no other. */
static void expect_dns_error(const char *var, const char *word)
{
    expect_config_error((const char *[]){ BASE, "OCF_RESKEY_ip=192.0.2.1", var, NULL }, word);
}

static void test_bad_monitor_method(void **state)
{
    (void)state;
    expect_dns_error("OCF_RESKEY_monitor_method=dig", "must be 'dns' or 'api'");
}

static void test_bad_dns_servers(void **state)
{
    (void)state;
    expect_dns_error("OCF_RESKEY_dns_servers=ns1.example.com", "'ns1.example.com' is not ADDR");
    expect_dns_error("OCF_RESKEY_dns_servers=10.0.0.2:0", "'10.0.0.2:0'");
    expect_dns_error("OCF_RESKEY_dns_servers=10.0.0.2:65536", "'10.0.0.2:65536'");
    expect_dns_error("OCF_RESKEY_dns_servers=10.0.0.2:53x", "'10.0.0.2:53x'");
    expect_dns_error("OCF_RESKEY_dns_servers=[10.0.0.2]:53", "'[10.0.0.2]:53'");
    expect_dns_error("OCF_RESKEY_dns_servers=[::1", "'[::1'");
    expect_dns_error("OCF_RESKEY_dns_servers=10.0.0.2,,10.0.0.3", "empty");
    expect_dns_error("OCF_RESKEY_dns_servers=1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,6.6.6.6,"
                     "7.7.7.7,8.8.8.8,9.9.9.9",
                     "more than 8");
}

static void test_bad_api_rate_limit(void **state)
{
    (void)state;
    expect_dns_error("OCF_RESKEY_api_rate_limit=0", "out of range (0.100 to 1000 requests/s)");
    expect_dns_error("OCF_RESKEY_api_rate_limit=fast", "is not a number of requests per second");
}

static void test_bad_dns_timeout(void **state)
{
    (void)state;
    expect_dns_error("OCF_RESKEY_dns_timeout=0.05", "out of range");
    expect_dns_error("OCF_RESKEY_dns_timeout=31", "out of range");
    expect_dns_error("OCF_RESKEY_dns_timeout=1s", "is not a number of seconds");
}

/* Bad values from this node's environment (/etc/default/pacemaker) are
 * this node's fault: R53_ERR_HOST (OCF 2), so another node may try. */
static void test_bad_values_from_this_node(void **state)
{
    const char *endpoint[] = { BASE, "OCF_RESKEY_ip=192.0.2.1", "AWS_ENDPOINT_URL_ROUTE_53=ftp://x",
                               NULL };
    const char *imds[] = { BASE, "OCF_RESKEY_ip=192.0.2.1",
                           "AWS_EC2_METADATA_SERVICE_ENDPOINT=ftp://x", NULL };
    const char *profile[] = { BASE, "OCF_RESKEY_ip=192.0.2.1", "AWS_PROFILE=a]b", NULL };
    const char *disabled[] = { BASE, "OCF_RESKEY_ip=local", "AWS_EC2_METADATA_DISABLED=true",
                               NULL };
    const char *param[] = { BASE, "OCF_RESKEY_ip=192.0.2.1", "OCF_RESKEY_endpoint=ftp://x", NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(endpoint, &p, &err), R53_ERR_HOST);
    assert_non_null(strstr(err.reason, "must be an https:// URL"));
    assert_non_null(strstr(err.reason, "this node's environment"));
    assert_int_equal(load(imds, &p, &err), R53_ERR_HOST);
    assert_int_equal(load(profile, &p, &err), R53_ERR_HOST);
    assert_int_equal(load(disabled, &p, &err), R53_ERR_HOST);
    assert_non_null(strstr(err.reason, "AWS_EC2_METADATA_DISABLED"));
    /* The same value as a parameter is wrong everywhere. */
    assert_int_equal(load(param, &p, &err), R53_ERR_CONFIG);
}

/* The meta-data's default of each parameter, and each action's timeout,
 * read from metadata/route53.xml with expat. */
struct md {
    char name[64][40];
    char def[64][64];
    bool has_def[64];
    size_t n;
    char action[16][24];
    long timeout_ms[16];
    size_t n_actions;
    size_t cur; /* the parameter being read, or 64 */
};

static void XMLCALL md_start(void *data, const XML_Char *el, const XML_Char **atts)
{
    struct md *m = data;
    const char *name = "";
    const char *def = NULL;
    const char *timeout = "0";
    const char *depth = NULL;

    for (size_t i = 0; atts[i] != NULL; i += 2) {
        name = strcmp(atts[i], "name") == 0 ? atts[i + 1] : name;
        def = strcmp(atts[i], "default") == 0 ? atts[i + 1] : def;
        timeout = strcmp(atts[i], "timeout") == 0 ? atts[i + 1] : timeout;
        depth = strcmp(atts[i], "depth") == 0 ? atts[i + 1] : depth;
    }
    if (strcmp(el, "parameter") == 0 && m->n < 64) {
        m->cur = m->n++;
        snprintf(m->name[m->cur], sizeof(m->name[0]), "%s", name);
    } else if (strcmp(el, "content") == 0 && m->cur < 64 && def != NULL) {
        snprintf(m->def[m->cur], sizeof(m->def[0]), "%s", def);
        m->has_def[m->cur] = true;
    } else if (strcmp(el, "action") == 0 && m->n_actions < 16 &&
               (depth == NULL || strcmp(depth, "0") == 0)) {
        snprintf(m->action[m->n_actions], sizeof(m->action[0]), "%s", name);
        m->timeout_ms[m->n_actions++] = strtol(timeout != NULL ? timeout : "0", NULL, 10) * 1000;
    }
}

static void XMLCALL md_end(void *data, const XML_Char *el)
{
    struct md *m = data;

    if (strcmp(el, "parameter") == 0) {
        m->cur = 64;
    }
}

static void read_metadata(struct md *m)
{
    char path[1024];
    static char xml[256 * 1024];
    const char *top = getenv("TOP_SRCDIR");
    FILE *f = NULL;
    size_t len = 0;
    XML_Parser parser = XML_ParserCreate(NULL);

    memset(m, 0, sizeof(*m));
    m->cur = 64;
    snprintf(path, sizeof(path), "%s/metadata/route53.xml", top != NULL ? top : ".");
    f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("cannot read %s (set TOP_SRCDIR)", path);
    }
    len = fread(xml, 1, sizeof(xml), f);
    fclose(f);
    XML_SetUserData(parser, m);
    XML_SetElementHandler(parser, md_start, md_end);
    assert_int_equal(XML_Parse(parser, xml, (int)len, 1), XML_STATUS_OK);
    XML_ParserFree(parser);
}

/* A member's parameters: all or none, exactly one policy, each value checked. */
static void test_routing(void **state)
{
    const char *weighted[] = { BASE, "OCF_RESKEY_ip=192.0.2.10", "OCF_RESKEY_set_identifier=east",
                               "OCF_RESKEY_weight=0", NULL };
    const char *failover[] = { BASE,
                               "OCF_RESKEY_ip=192.0.2.10",
                               "OCF_RESKEY_set_identifier=p",
                               "OCF_RESKEY_failover=PRIMARY",
                               "OCF_RESKEY_health_check_id=0F1E2D3C-4b5a-6978-8a9b-acbdcedf0011",
                               NULL };
    const char *plain[] = { BASE, "OCF_RESKEY_ip=192.0.2.10", "OCF_RESKEY_multivalue=false", NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(weighted, &p, &err), R53_OK);
    assert_string_equal(p.rec.set_identifier, "east");
    assert_true(p.rec.routing.weighted);
    assert_int_equal(p.rec.routing.weight, 0);
    assert_string_equal(p.rec.policy, "weight");
    assert_int_equal(load(failover, &p, &err), R53_OK);
    assert_string_equal(p.rec.routing.failover, "PRIMARY");
    assert_false(p.rec.routing.weighted);
    assert_string_equal(p.rec.routing.health_check_id, "0F1E2D3C-4b5a-6978-8a9b-acbdcedf0011");
    assert_int_equal(load(plain, &p, &err), R53_OK);
    assert_null(p.rec.set_identifier);
    assert_null(p.rec.policy);
    {
        const char *e1[] = { BASE,
                             "OCF_RESKEY_ip=192.0.2.10",
                             "OCF_RESKEY_set_identifier=a",
                             "OCF_RESKEY_latency_region=eu-west-1",
                             "OCF_RESKEY_multivalue=yes",
                             NULL };
        const char *e2[] = { BASE, "OCF_RESKEY_ip=192.0.2.10", "OCF_RESKEY_failover=SECONDARY",
                             NULL };
        const char *e3[] = { BASE, "OCF_RESKEY_ip=192.0.2.10", "OCF_RESKEY_set_identifier=a",
                             "OCF_RESKEY_latency_region=eu-west", NULL };
        const char *e4[] = { BASE, "OCF_RESKEY_ip=192.0.2.10", "OCF_RESKEY_set_identifier=a\"b",
                             "OCF_RESKEY_weight=1", NULL };
        const char *e5[] = { BASE,
                             "OCF_RESKEY_ip=192.0.2.10",
                             "OCF_RESKEY_set_identifier=a",
                             "OCF_RESKEY_weight=1",
                             "OCF_RESKEY_health_check_id=0f1e2d3c-4b5a-6978-8a9b-acbdcedf001",
                             NULL };

        expect_config_error(e1, "latency_region and multivalue are both set");
        expect_config_error(e2, "failover needs set_identifier");
        expect_config_error(e3, "latency_region='eu-west' is not an AWS region name");
        expect_config_error(e4, "without quotes or backslashes");
        expect_config_error(e5, "is not a health check id");
    }
}

static void test_defaults_match_metadata(void **state)
{
    struct md m;
    int failed = 0;

    (void)state;
    read_metadata(&m);
    assert_true(m.n > 20);
    for (size_t i = 0; i < m.n; i++) {
        const struct param_spec *t = NULL;

        for (size_t j = 0; j < params_table_len; j++) {
            t = strcmp(params_table[j].name, m.name[i]) == 0 ? &params_table[j] : t;
        }
        if (m.has_def[i] && (t == NULL || t->def == NULL || strcmp(t->def, m.def[i]) != 0)) {
            print_error("%s: meta-data default '%s', table '%s'\n", m.name[i], m.def[i],
                        t != NULL && t->def != NULL ? t->def : "(none)");
            failed++;
        }
        if (!m.has_def[i] && t != NULL && t->def != NULL) {
            print_error("%s: table default '%s' that the meta-data does not state\n", m.name[i],
                        t->def);
            failed++;
        }
    }
    for (size_t j = 0; j < params_table_len; j++) {
        bool found = false;

        for (size_t i = 0; i < m.n; i++) {
            found = found || strcmp(params_table[j].name, m.name[i]) == 0;
        }
        if (!found) {
            print_error("%s: in the table, not in the meta-data\n", params_table[j].name);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_action_timeouts_match_metadata(void **state)
{
    struct md m;
    int failed = 0;

    (void)state;
    read_metadata(&m);
    assert_true(m.n_actions >= 5);
    for (size_t i = 0; i < m.n_actions; i++) {
        if (params_action_timeout_ms(m.action[i]) != m.timeout_ms[i]) {
            print_error("%s: meta-data %ld ms, agent %ld ms\n", m.action[i], m.timeout_ms[i],
                        params_action_timeout_ms(m.action[i]));
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_host_checks(void **state)
{
    const char *lo[] = { BASE, "OCF_RESKEY_interface=lo", NULL };
    const char *missing_if[] = { BASE, "OCF_RESKEY_interface=nosuchif0", NULL };
    const char *missing_ca[] = { BASE, "OCF_RESKEY_ip=192.0.2.1",
                                 "OCF_RESKEY_ca_bundle=/nonexistent/ca.pem", NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(lo, &p, &err), R53_OK);
    assert_int_equal(params_check_host(&p, &err), R53_OK);
    assert_int_equal(load(missing_if, &p, &err), R53_OK);
    assert_int_equal(params_check_host(&p, &err), R53_ERR_HOST);
    assert_non_null(strstr(err.reason, "nosuchif0"));
    assert_int_equal(load(missing_ca, &p, &err), R53_OK);
    assert_int_equal(params_check_host(&p, &err), R53_ERR_HOST);
    assert_non_null(strstr(err.reason, "ca_bundle"));
}

/* aws-vpc-route53's names: fullname and hostedzoneid stand for hostname
 * and zone_id; its awscli, auth_type, curl_retries and curl_sleep are
 * accepted and flagged as ignored; with its names and no address source,
 * ip is local as it was there. */
static void test_peer_names(void **state)
{
    const char *peer[] = { "OCF_RESKEY_fullname=service.example.com.",
                           "OCF_RESKEY_hostedzoneid=Z1D633PJN98FT9",
                           "OCF_RESKEY_awscli=/usr/bin/aws",
                           "OCF_RESKEY_profile=cluster",
                           "OCF_RESKEY_ttl=20",
                           "OCF_RESKEY_curl_sleep=3",
                           NULL };
    const char *same[] = { BASE, "OCF_RESKEY_fullname=www", "OCF_RESKEY_ip=192.0.2.1", NULL };
    const char *disagree[] = { BASE, "OCF_RESKEY_fullname=other.example.com.",
                               "OCF_RESKEY_ip=192.0.2.1", NULL };
    const char *both_zone[] = { "OCF_RESKEY_hostname=www", "OCF_RESKEY_zone_id=Z1",
                                "OCF_RESKEY_hostedzoneid=Z2", "OCF_RESKEY_ip=192.0.2.1", NULL };
    const char *bad_alias[] = { "OCF_RESKEY_fullname=a..b.", "OCF_RESKEY_hostedzoneid=Z1", NULL };
    const char *bad_zone[] = { "OCF_RESKEY_fullname=a.b.", "OCF_RESKEY_hostedzoneid=Z/1", NULL };
    const char *ours[] = { BASE, NULL };
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(peer, &p, &err), R53_OK);
    assert_string_equal(p.rec.hostname, "service.example.com.");
    assert_true(p.compat.hostname_from_alias);
    assert_string_equal(p.rec.zone_id, "Z1D633PJN98FT9");
    assert_true(p.compat.zone_id_from_alias);
    assert_null(p.rec.zone);
    assert_true(p.compat.ip_defaulted);
    assert_int_equal(p.rec.ip_source, IP_LOCAL);
    assert_string_equal(p.aws.profile, "cluster");
    assert_int_equal(p.tun.ttl, 20);
    assert_string_equal(params_ignored_names[0], "awscli");
    assert_true(p.compat.ignored_set[0]);
    assert_false(p.compat.ignored_set[1]); /* auth_type */
    assert_false(p.compat.ignored_set[2]); /* curl_retries */
    assert_string_equal(params_ignored_names[3], "curl_sleep");
    assert_true(p.compat.ignored_set[3]);

    assert_int_equal(load(same, &p, &err), R53_OK);
    assert_false(p.compat.hostname_from_alias);
    assert_false(p.compat.ip_defaulted);
    expect_config_error(disagree, "deprecated alias fullname='other.example.com.' disagree");
    expect_config_error(both_zone, "deprecated alias hostedzoneid='Z2' disagree");
    expect_config_error(bad_alias, "fullname='a..b.'");
    expect_config_error(bad_zone, "hostedzoneid='Z/1' is not a hosted zone id");
    /* Without the peer's names, no address source stays an error. */
    expect_config_error(ours, "set exactly one of ip, ip_resource and interface");
}

/* What Pacemaker tells the agent, each read once (agent/env.c), and the
 * AssumeRole session name made from it. */
static void test_env_read_once(void **state)
{
    const char *set[] = { BASE,
                          "OCF_RESKEY_ip=192.0.2.1",
                          "OCF_RESOURCE_INSTANCE=dns:1",
                          "HA_RSCTMP=/run/x",
                          "OCF_RESKEY_CRM_meta_on_node=node a",
                          NULL };
    const char *unset[] = { BASE, "OCF_RESKEY_ip=192.0.2.1",
                            "OCF_RESOURCE_INSTANCE=", "OCF_RESKEY_CRM_meta_on_node=", NULL };
    struct utsname uts;
    struct params p;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(load(set, &p, &err), R53_OK);
    assert_string_equal(test_agent_env.instance, "dns:1");
    assert_string_equal(test_agent_env.rsctmp, "/run/x");
    assert_string_equal(test_agent_env.node, "node a");
    assert_string_equal(p.aws.session_name, "route53-dns-1-node-a");
    assert_int_equal(load(unset, &p, &err), R53_OK);
    assert_string_equal(test_agent_env.instance, "route53");
    assert_string_equal(test_agent_env.rsctmp, "/run/resource-agents");
    assert_int_equal(uname(&uts), 0);
    assert_string_equal(test_agent_env.node, uts.nodename);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_value_set),
        cmocka_unit_test(test_bad_monitor_method),
        cmocka_unit_test(test_bad_dns_servers),
        cmocka_unit_test(test_bad_dns_timeout),
        cmocka_unit_test(test_bad_api_rate_limit),
        cmocka_unit_test(test_ip_sources),
        cmocka_unit_test(test_environment_fallbacks),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_host_checks),
        cmocka_unit_test(test_peer_names),
        cmocka_unit_test(test_bad_values_from_this_node),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_defaults_match_metadata),
        cmocka_unit_test(test_action_timeouts_match_metadata),
        cmocka_unit_test(test_env_read_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
