/* route53: the OCF resource agent.  Dispatches the action and maps the
 * project's return codes to OCF exit codes, here and nowhere else. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "env.h"
#include "http.h"
#include "log.h"
#include "metadata.h"
#include "ocf.h"
#include "params.h"
#include "state.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: route53 {start|stop|monitor|validate-all|reload-agent|meta-data|usage}\n"
                 "Keeps an Amazon Route 53 record pointing at this node; parameters come\n"
                 "from OCF_RESKEY_* as Pacemaker passes them.  See 'route53 meta-data'.\n");
}

/* The action's budget: Pacemaker's timeout (ms) less a margin to exit
 * in, else the meta-data's default for the action. */
static int64_t deadline_for(const char *action)
{
    const char *t = getenv("OCF_RESKEY_CRM_meta_timeout");
    long timeout = params_action_timeout_ms(action);
    long margin = 0;

    if (t != NULL && strspn(t, "0123456789") == strlen(t) && t[0] != '\0' && strlen(t) < 10) {
        timeout = strtol(t, NULL, 10);
    }
    margin = timeout / 10 < 2000 ? timeout / 10 : 2000;
    return util_now_ms() + timeout - margin;
}

/* OCF 1.1 meta-data for a caller that announces OCF 1.1 or later
 * (Pacemaker 2.1 does); 1.0 for one that announces nothing (ocf-tester). */
static const char *metadata_for_caller(void)
{
    const char *major = getenv("OCF_RA_VERSION_MAJOR");
    const char *minor = getenv("OCF_RA_VERSION_MINOR");
    long ma = 0;
    long mi = 0;

    if (major == NULL || major[0] == '\0' || strlen(major) > 4 ||
        strspn(major, "0123456789") != strlen(major)) {
        return route53_metadata_xml_1_0;
    }
    ma = strtol(major, NULL, 10);
    if (minor != NULL && minor[0] != '\0' && strlen(minor) <= 4 &&
        strspn(minor, "0123456789") == strlen(minor)) {
        mi = strtol(minor, NULL, 10);
    }
    return (ma > 1 || (ma == 1 && mi >= 1)) ? route53_metadata_xml_1_1 : route53_metadata_xml_1_0;
}

/* One line for each of aws-vpc-route53's names in use. */
static void log_peer_names(const struct params_compat *c)
{
    if (c->hostname_from_alias) {
        qb_log(LOG_NOTICE, "fullname is deprecated: use hostname (same value)");
    }
    if (c->zone_id_from_alias) {
        qb_log(LOG_NOTICE, "hostedzoneid is deprecated: use zone_id (same value)");
    }
    if (c->ip_defaulted) {
        qb_log(LOG_NOTICE, "no ip, ip_resource or interface: ip=local, as aws-vpc-route53 had it");
    }
    for (size_t i = 0; i < PARAMS_N_IGNORED; i++) {
        if (c->ignored_set[i]) {
            qb_log(LOG_NOTICE, "%s (aws-vpc-route53's parameter) is ignored",
                   params_ignored_names[i]);
        }
    }
}

static bool is_probe(const char *action)
{
    const char *interval = getenv("OCF_RESKEY_CRM_meta_interval");

    return strcmp(action, "monitor") == 0 &&
           (interval == NULL || strspn(interval, "0") == strlen(interval));
}

/* reload-agent: every action reads its parameters afresh, so checking
 * the new values is all a reload needs, and it asks Route 53 nothing. */
static struct action_result reload(const struct action_env *e)
{
    struct action_result r = action_validate(e, 0);

    if (r.rc == R53_OK) {
        qb_log(LOG_INFO, "new parameter values checked; they apply from the next action");
    }
    return r;
}

/* The action's result; invalid: the parameters' (rc R53_OK when they
 * are valid). */
static struct action_result dispatch(const char *action, const struct action_env *e,
                                     const struct action_result *invalid)
{
    /* Pacemaker since 2.0.5 passes OCF_CHECK_LEVEL; older ones passed it
     * as a parameter. */
    const char *level = getenv("OCF_CHECK_LEVEL") != NULL ? getenv("OCF_CHECK_LEVEL")
                                                          : getenv("OCF_RESKEY_OCF_CHECK_LEVEL");
    int check_level = level != NULL ? (int)strtol(level, NULL, 10) : 0;

    if (strcmp(action, "stop") == 0) {
        /* Stop even with parameters that no longer parse. */
        return action_stop(e);
    }
    if (strcmp(action, "monitor") == 0) {
        /* A probe never reports configuration errors: local state only. */
        return invalid->rc != R53_OK && !is_probe(action)
                   ? *invalid
                   : action_monitor(e, is_probe(action), check_level);
    }
    if (invalid->rc != R53_OK) {
        return *invalid;
    }
    if (strcmp(action, "start") == 0) {
        return action_start(e);
    }
    return strcmp(action, "validate-all") == 0 ? action_validate(e, check_level) : reload(e);
}

/* Run the action (main has checked its name), and print its reason when
 * it failed: its OCF exit code. */
static enum ocf_exit run(const char *action, const struct action_env *e,
                         const struct action_result *invalid)
{
    const struct action_result r = dispatch(action, e, invalid);
    enum ocf_exit code = ocf_for_result(&r);

    if (code != OCF_SUCCESS && code != OCF_NOT_RUNNING) {
        log_exit_reason(r.reason[0] != '\0' ? r.reason : "failed");
    }
    return code;
}

int main(int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : NULL;
    struct agent_env env;
    struct params p;
    struct action_env e = { 0 };
    char path[600];
    struct r53_error err = { 0 };
    struct action_result invalid = { .rc = R53_OK };
    enum ocf_exit code = OCF_SUCCESS;

    if (action == NULL) {
        usage(stderr);
        return OCF_ERR_ARGS;
    }
    if (strcmp(action, "meta-data") == 0) {
        fputs(metadata_for_caller(), stdout);
        return fflush(stdout) == 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
    }
    if (strcmp(action, "usage") == 0 || strcmp(action, "help") == 0) {
        usage(stdout);
        return OCF_SUCCESS;
    }
    if (strcmp(action, "start") != 0 && strcmp(action, "stop") != 0 &&
        strcmp(action, "monitor") != 0 && strcmp(action, "validate-all") != 0 &&
        strcmp(action, "reload-agent") != 0) {
        usage(stderr);
        return OCF_ERR_UNIMPLEMENTED;
    }

    env_load(env_getenv, &env);
    log_open(env.instance);
    invalid.rc = params_load(env_getenv, &env, &p, &err);
    snprintf(invalid.reason, sizeof(invalid.reason), "%s", err.reason);
    state_path(env.rsctmp, env.instance, path, sizeof(path));
    e.p = invalid.rc == R53_OK ? &p : NULL;
    e.env = &env;
    e.state_path = path;
    e.deadline_ms = deadline_for(action);
    if (invalid.rc != R53_OK) {
        qb_log(LOG_ERR, "%s", invalid.reason);
    } else {
        log_peer_names(&p.compat);
    }

    code = run(action, &e, &invalid);
    qb_log(LOG_INFO, "%s: exit %d", action, (int)code);
    log_close();
    return (int)code;
}
