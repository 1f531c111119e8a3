/* The agent's parameters (OCF_RESKEY_*), parsed and checked without any
 * network call.  Names are the user interface; see metadata/route53.xml. */
#ifndef R53_PARAMS_H
#define R53_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_settings.h"
#include "dns.h"
#include "env.h"
#include "rc.h"
#include "route53.h"

#define PARAMS_N_IGNORED 4

enum ownership_mode { OWNERSHIP_CLAIM, OWNERSHIP_REQUIRE, OWNERSHIP_OFF };

enum ip_source { IP_LITERAL, IP_LOCAL, IP_PUBLIC, IP_RESOURCE, IP_INTERFACE };

/* The record and where its address comes from. */
struct params_record {
    const char *hostname; /* as given */
    const char *zone;     /* domain name, or NULL */
    const char *zone_id;  /* bare id (no "/hostedzone/"), or NULL */
    const char *ip;       /* literal, for IP_LITERAL */
    const char *ip_resource;
    const char *interface;
    enum ip_source ip_source;
    char zone_id_buf[64]; /* storage for zone_id after stripping */
    /* One member of a set sharing the name and type (weighted,
     * failover, latency or multivalue): its set identifier and policy;
     * NULL and all zero for a plain record. */
    const char *set_identifier;
    struct r53_routing routing;
    const char *policy; /* the policy's parameter: "weight", "failover", ...; NULL: plain */
};

/* The tunables (params_table), and the monitor's DNS servers. */
struct params_tunables {
    long ttl;
    long change_try_count;       /* 0 (unset): poll until the start deadline */
    long change_try_interval_ms; /* 0 (unset): the growing default schedule */
    long monitor_retries;
    long monitor_retry_interval_ms;
    long dns_timeout_ms;
    long api_rate_milli; /* api_rate_limit, thousandths of a request per second */
    long connect_timeout_ms;
    long request_timeout_ms;
    bool wait_insync;
    bool monitor_api_failure_fail; /* monitor_api_failure=fail */
    bool monitor_method_api;       /* monitor_method=api: no DNS */
    bool stop_action_delete;       /* stop_action=delete */
    bool start_api_failure_defer;  /* start_api_failure=defer: agent/publisher.h */
    long defer_max_ms;             /* how long a deferred publish keeps trying */
    /* DNS servers for the monitor; 0: the zone's name servers or this
     * node's resolvers. */
    size_t n_dns_servers;
    struct dns_server dns_servers[DNS_MAX_SERVERS];
};

/* Who owns the name (agent/owner.c). */
struct params_ownership {
    enum ownership_mode mode;
    const char *owner; /* the cluster name to mark with; NULL: the CIB's */
};

/* aws-vpc-route53's names, accepted for migration (main logs them). */
struct params_compat {
    bool hostname_from_alias;           /* hostname came from fullname */
    bool zone_id_from_alias;            /* zone_id came from hostedzoneid */
    bool ip_defaulted;                  /* no address source with the peer's names: ip=local */
    bool ignored_set[PARAMS_N_IGNORED]; /* params_ignored_names[i] was set, and is ignored */
};

/* Every parameter, by concern; a module takes the part it needs. */
struct params {
    struct params_record rec;
    struct params_tunables tun;
    struct params_ownership own;
    /* How to reach AWS: the parameters, then AWS_* and ~/.aws for what
     * they leave unset (src/aws_settings.h). */
    struct aws_settings aws;
    struct params_compat compat;
    char session_name[65]; /* route53-<resource>-<node>: aws.session_name */
};

/* aws-vpc-route53's parameters that this agent accepts and ignores:
 * awscli, auth_type, curl_retries, curl_sleep. */
extern const char *const params_ignored_names[PARAMS_N_IGNORED];

/* The tunables, each with its default stated once (as the meta-data
 * states it: "10", "true", "degraded"; NULL for unset) and its range. */
enum param_kind {
    PARAM_LONG,    /* a whole number in [min, max] */
    PARAM_SECONDS, /* seconds with up to 3 decimals, kept in ms, [min, max] ms */
    PARAM_RATE,    /* requests/s with up to 3 decimals, kept in thousandths */
    PARAM_BOOL,    /* true/false, yes/no, 1/0, on/off */
    PARAM_CHOICE,  /* choices[0] (false) or choices[1] (true) */
    PARAM_STRING,  /* loaded by hand (AWS_* fallbacks); the default only */
};
struct param_spec {
    const char *name;
    enum param_kind kind;
    const char *def;
    long min, max;
    const char *choices[2];
    size_t offset; /* of the long or bool field in struct params (in tun) */
};
extern const struct param_spec params_table[];
extern const size_t params_table_len;

/* The default timeout of an action when Pacemaker passes none, in ms, as
 * the meta-data advertises it. */
long params_action_timeout_ms(const char *action);

/* Read OCF_RESKEY_* (and the AWS_* fallbacks) into *out, applying
 * defaults; env names the resource and the node for the AssumeRole
 * session name.  Strings point into the environment.  R53_ERR_CONFIG with a
 * reason naming the parameter for an inherently invalid value;
 * R53_ERR_HOST naming the variable for a bad AWS_* one (this node's). */
r53_rc params_load(env_getenv_fn getenv_fn, const struct agent_env *env, struct params *out,
                   struct r53_error *err);

/* Checks that depend on this host: the interface exists, crm_resource is
 * installed, the CA bundle is readable.  R53_ERR_HOST / R53_ERR_NOT_INSTALLED. */
r53_rc params_check_host(const struct params *p, struct r53_error *err);

#endif
