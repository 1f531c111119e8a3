/* The agent's parameters (OCF_RESKEY_*), parsed and checked without any
 * network call.  Names are the user interface; see metadata/route53.xml. */
#ifndef R53_PARAMS_H
#define R53_PARAMS_H

#include <stdbool.h>

#include "rc.h"

#define PARAMS_N_IGNORED 4

enum ip_source { IP_LITERAL, IP_LOCAL, IP_PUBLIC, IP_RESOURCE, IP_INTERFACE };

struct params {
    const char *hostname; /* as given */
    const char *zone;     /* domain name, or NULL */
    const char *zone_id;  /* bare id (no "/hostedzone/"), or NULL */
    enum ip_source ip_source;
    const char *ip; /* literal, for IP_LITERAL */
    const char *ip_resource;
    const char *interface;
    long ttl;
    long change_try_count;
    long change_try_interval_ms;
    bool wait_insync;
    long monitor_retries;
    long monitor_retry_interval_ms;
    bool monitor_api_failure_fail; /* monitor_api_failure=fail */
    bool stop_action_delete;       /* stop_action=delete */
    const char *profile;
    bool profile_explicit; /* set by parameter or AWS_PROFILE */
    /* aws-vpc-route53's names, accepted for migration (main logs them);
     * seven bytes, in the padding before the next pointer */
    bool hostname_from_alias;           /* hostname came from fullname */
    bool zone_id_from_alias;            /* zone_id came from hostedzoneid */
    bool ip_defaulted;                  /* no address source with the peer's names: ip=local */
    bool ignored_set[PARAMS_N_IGNORED]; /* params_ignored_names[i] was set, and is ignored */
    const char *endpoint;
    const char *ca_bundle; /* NULL: system store */
    const char *imds_endpoint;
    bool imds_disabled; /* AWS_EC2_METADATA_DISABLED=true */
    const char *proxy;  /* NULL: none */
    long connect_timeout_ms;
    long request_timeout_ms;
    const char *credentials_file;
    const char *config_file;
    char zone_id_buf[64]; /* storage for zone_id after stripping */
    char credentials_file_buf[512];
    char config_file_buf[512];
};

/* aws-vpc-route53's parameters that this agent accepts and ignores:
 * awscli, auth_type, curl_retries, curl_sleep. */
extern const char *const params_ignored_names[PARAMS_N_IGNORED];

/* Look up one variable; getenv in production. */
typedef const char *(*params_getenv_fn)(const char *name);

/* getenv with the const-correct type params_getenv_fn wants. */
const char *params_getenv(const char *name);

/* Read OCF_RESKEY_* (and the AWS_* fallbacks) into *out, applying
 * defaults.  Strings point into the environment.  R53_ERR_CONFIG with a
 * reason naming the parameter for an inherently invalid value. */
r53_rc params_load(params_getenv_fn getenv_fn, struct params *out);

/* Checks that depend on this host: the interface exists, crm_resource is
 * installed, the CA bundle is readable.  R53_ERR_HOST / R53_ERR_NOT_INSTALLED. */
r53_rc params_check_host(const struct params *p);

#endif
