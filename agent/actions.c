#include "actions.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "dnscheck.h"
#include "log.h"
#include "session.h"
#include "state.h"

/* Longest crm_resource may take: it only asks the local CIB. */
#define CRM_RESOURCE_TIMEOUT_MS 10000

static int64_t time_left(const struct action_env *e)
{
    return e->deadline_ms - util_now_ms();
}

/* Sleep ms, or fail if that would leave less than reserve_ms of budget. */
static r53_rc pause_within_budget(const struct action_env *e, long ms, long reserve_ms)
{
    if (time_left(e) < ms + reserve_ms) {
        return R53_ERR_TIMEOUT;
    }
    retry_sleep_ms(ms);
    return R53_OK;
}

/* The hosted zone and the record's fully qualified name (trailing dot). */
static r53_rc resolve_record_name(const struct params *p, struct r53_client *r53,
                                  struct r53_zone *zone, char *fqdn, size_t fqdn_len)
{
    r53_rc rc = R53_OK;
    size_t zlen = 0;
    size_t hlen = strlen(p->hostname);

    rc = p->zone_id != NULL ? r53_get_zone(r53, p->zone_id, zone)
                            : r53_find_zone(r53, p->zone, zone);
    if (rc != R53_OK) {
        return rc;
    }
    zlen = strlen(zone->name);
    if (zlen > 0 && zone->name[zlen - 1] == '.') {
        zlen--;
    }
    if (hlen > 0 && p->hostname[hlen - 1] == '.') {
        hlen--;
    }
    if (strchr(p->hostname, '.') == NULL || hlen == 0 ||
        (strchr(p->hostname, '.') == p->hostname + hlen)) {
        /* A single label: LifeKeeper's "Host Name (Not FQDN)". */
        snprintf(fqdn, fqdn_len, "%.*s.%.*s.", (int)hlen, p->hostname, (int)zlen, zone->name);
    } else {
        if (!(hlen == zlen && strncasecmp(p->hostname, zone->name, zlen) == 0) &&
            !(hlen > zlen && p->hostname[hlen - zlen - 1] == '.' &&
              strncasecmp(p->hostname + hlen - zlen, zone->name, zlen) == 0)) {
            return r53_fail(R53_ERR_CONFIG, "hostname '%s' is not inside zone '%.*s'", p->hostname,
                            (int)zlen, zone->name);
        }
        snprintf(fqdn, fqdn_len, "%.*s.", (int)hlen, p->hostname);
    }
    for (char *c = fqdn; *c != '\0'; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            *c = (char)(*c - 'A' + 'a');
        }
    }
    return R53_OK;
}

/* The address to publish, from whichever source the parameters name. */
static r53_rc resolve_address(const struct action_env *e, struct session *s, struct address *out)
{
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct imds *imds = NULL;
    char *text = NULL;
    const char *what = p->ip_source == IP_LOCAL ? "local-ipv4" : "public-ipv4";
    long timeout = 0;

    switch (p->ip_source) {
    case IP_LITERAL:
        return address_parse(p->ip, out);
    case IP_INTERFACE:
        return address_from_interface(p->interface, out);
    case IP_RESOURCE:
        timeout = (long)time_left(e);
        if (timeout > CRM_RESOURCE_TIMEOUT_MS) {
            timeout = CRM_RESOURCE_TIMEOUT_MS;
        }
        return address_from_resource(p->ip_resource, NULL, timeout, out);
    case IP_LOCAL:
    case IP_PUBLIC:
        break;
    }
    if ((rc = session_imds(s, &imds)) != R53_OK) {
        return rc;
    }
    rc = imds_get(imds, what, &text);
    if (rc == R53_ERR_NOT_FOUND) {
        return r53_fail(R53_ERR_HOST, "ip=%s: this instance has no %s", p->ip, what);
    }
    if (rc == R53_OK) {
        rc = address_parse(text, out);
        if (rc != R53_OK) {
            rc = r53_fail(R53_ERR_HTTP, "instance metadata %s is not an address", what);
        }
    }
    free(text);
    return rc;
}

long action_default_poll_at_ms(long n)
{
    /* Every second while a fast change may land, then further apart:
     * a poll is never more than 1 s late in the first 5 s, then at most
     * half the time waited so far, and at most 15 s; 12 polls cover 60 s. */
    static const long at_s[] = { 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 45, 60 };
    static const long n_at = (long)(sizeof(at_s) / sizeof(at_s[0]));

    if (n < 1) {
        return 0;
    }
    if (n <= n_at) {
        return at_s[n - 1] * 1000;
    }
    return (at_s[n_at - 1] + (n - n_at) * 15) * 1000;
}

/* How long to wait before poll number polls+1: a fixed interval when
 * change_try_interval is set (LifeKeeper's semantics), else the default
 * schedule, counted from when the change was accepted. */
static long next_pause_ms(const struct params *p, long polls, int64_t accepted_ms)
{
    int64_t due = 0;

    if (p->change_try_interval_ms > 0) {
        return p->change_try_interval_ms;
    }
    due = accepted_ms + action_default_poll_at_ms(polls + 1) - util_now_ms();
    return due > 0 ? (long)due : 0;
}

/* Poll GetChange until INSYNC, at most change_try_count times when set,
 * and never past the start deadline. */
static r53_rc wait_insync(const struct action_env *e, struct r53_client *r53,
                          const struct r53_change_info *change)
{
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct r53_change_info now = *change;
    int64_t accepted_ms = util_now_ms();
    long polls = 0;

    while (strcmp(now.status, "INSYNC") != 0) {
        if (p->change_try_count > 0 && polls == p->change_try_count) {
            return r53_fail(R53_ERR_PENDING,
                            "change %s still %s after %ld polls in %.1f s; raise "
                            "change_try_count, or unset it to poll until the start timeout",
                            change->id, now.status, polls,
                            (double)(util_now_ms() - accepted_ms) / 1000.0);
        }
        /* Keep enough budget for one more request after the pause. */
        if (pause_within_budget(e, next_pause_ms(p, polls, accepted_ms), 500) != R53_OK) {
            return r53_fail(R53_ERR_TIMEOUT,
                            "change %s still %s after %ld polls in %.1f s when the start "
                            "timeout ran out; raise the start operation's timeout",
                            change->id, now.status, polls,
                            (double)(util_now_ms() - accepted_ms) / 1000.0);
        }
        polls++;
        if ((rc = r53_get_change(r53, change->id, &now)) != R53_OK) {
            return rc;
        }
        qb_log(LOG_DEBUG, "poll %ld: change %s is %s", polls, change->id, now.status);
    }
    qb_log(LOG_INFO, "change %s is INSYNC after %ld polls", change->id, polls);
    return R53_OK;
}

/* For the DNS-first monitor: the name servers of a public zone, from
 * GetHostedZone (one more request only when the zone was found by name). */
static void learn_name_servers(const struct action_env *e, struct r53_client *r53,
                               struct r53_zone *zone, struct state *st)
{
    const struct params *p = e->p;

    if (!p->monitor_method_api && p->n_dns_servers == 0 && !zone->private_zone &&
        zone->n_name_servers == 0) {
        struct r53_zone full;

        if (r53_get_zone(r53, st->zone_id, &full) == R53_OK) {
            *zone = full;
        } else {
            qb_log(LOG_WARNING, "cannot read the name servers of %s: %s", zone->name,
                   r53_last_error());
            r53_clear_error();
        }
    }
    dnscheck_learn(p, zone, e->deadline_ms, st);
}

r53_rc action_start(const struct action_env *e)
{
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct session s;
    struct r53_client *r53 = NULL;
    struct r53_zone zone = { 0 };
    struct address addr = { 0 };
    struct r53_change_info info = { 0 };
    struct state st = { 0 };
    char comment[200];

    session_init(&s, p, e->deadline_ms);
    if ((rc = resolve_address(e, &s, &addr)) != R53_OK ||
        (rc = session_route53(&s, &r53)) != R53_OK ||
        (rc = resolve_record_name(p, r53, &zone, st.fqdn, sizeof(st.fqdn))) != R53_OK) {
        goto cleanup;
    }
    snprintf(st.zone_id, sizeof(st.zone_id), "%s", util_strip_prefix(zone.id, "/hostedzone/"));
    learn_name_servers(e, r53, &zone, &st);
    snprintf(st.type, sizeof(st.type), "%s", addr.ipv6 ? "AAAA" : "A");
    snprintf(st.value, sizeof(st.value), "%s", addr.text);
    st.ttl = p->ttl;
    snprintf(comment, sizeof(comment), "route53 resource agent: active on %s", e->node);
    {
        struct r53_change change = { "UPSERT", st.fqdn, st.type, st.ttl, st.value, comment };

        qb_log(LOG_INFO, "publishing %s %s %s (TTL %ld) in zone %s", st.fqdn, st.type, st.value,
               st.ttl, st.zone_id);
        if ((rc = r53_change(r53, st.zone_id, &change, &info)) != R53_OK) {
            goto cleanup;
        }
    }
    qb_log(LOG_INFO, "change %s accepted (%s)", info.id, info.status);
    if (p->wait_insync && (rc = wait_insync(e, r53, &info)) != R53_OK) {
        goto cleanup;
    }
    rc = state_write(e->state_path, &st);

cleanup:
    if (r53 != NULL) {
        qb_log(LOG_DEBUG, "start used %u Route 53 requests",
               aws_caller_requests(r53_client_caller(r53)));
    }
    session_close(&s);
    return rc;
}

/* Delete the record named in st, but only while it still holds our
 * value: a record that moved on belongs to someone else now. */
static r53_rc delete_own_record(const struct action_env *e, const struct state *st)
{
    r53_rc rc = R53_OK;
    struct session s;
    struct r53_client *r53 = NULL;
    struct r53_rrset rr;
    struct r53_change_info info;

    session_init(&s, e->p, e->deadline_ms);
    if ((rc = session_route53(&s, &r53)) != R53_OK ||
        (rc = r53_get_record(r53, st->zone_id, st->fqdn, st->type, &rr)) != R53_OK) {
        goto cleanup;
    }
    if (rr.n_values != 1 || !address_equal(rr.values[0], st->value)) {
        qb_log(LOG_INFO, "%s %s now holds %s, not %s: left alone", st->fqdn, st->type,
               rr.n_values > 0 ? rr.values[0] : "nothing", st->value);
        goto cleanup;
    }
    {
        struct r53_change change = { "DELETE", st->fqdn, st->type, rr.ttl, rr.values[0], NULL };

        rc = r53_change(r53, st->zone_id, &change, &info);
    }
    if (rc == R53_OK) {
        qb_log(LOG_INFO, "deleted %s %s %s (change %s)", st->fqdn, st->type, st->value, info.id);
    }

cleanup:
    session_close(&s);
    return rc;
}

r53_rc action_stop(const struct action_env *e)
{
    r53_rc rc = R53_OK;
    struct state st;

    rc = state_read(e->state_path, &st);
    if (rc == R53_ERR_NOT_FOUND) {
        qb_log(LOG_INFO, "not active on this node");
        return R53_OK;
    }
    if (rc == R53_OK && e->p != NULL && e->p->stop_action_delete) {
        rc = delete_own_record(e, &st);
        if (rc == R53_ERR_NOT_FOUND) {
            qb_log(LOG_INFO, "%s %s is already gone", st.fqdn, st.type);
        } else if (rc != R53_OK) {
            /* A stale record is better than a failed stop (and a fence). */
            qb_log(LOG_WARNING, "record left in place: %s", r53_last_error());
        }
    } else if (rc != R53_OK) {
        qb_log(LOG_WARNING, "%s; removing it", r53_last_error());
    }
    r53_clear_error();
    return state_remove(e->state_path);
}

/* Set the outcome and its reason. */
static void outcome(struct monitor_outcome *out, enum monitor_result result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void outcome(struct monitor_outcome *out, enum monitor_result result, const char *fmt, ...)
{
    va_list ap;

    out->result = result;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
}

/* Route 53 (or instance metadata, or crm_resource) unreadable: nothing
 * a failover would fix, unless the user asked for failures. */
static void unreadable(const struct action_env *e, struct monitor_outcome *out)
{
    outcome(out, e->p->monitor_api_failure_fail ? MONITOR_FAILED : MONITOR_DEGRADED, "%s",
            r53_last_error());
}

/* Compare the API's record with addr; the outcome says how. */
static r53_rc compare_api_record(const struct action_env *e, struct session *s,
                                 const struct state *st, const struct address *addr,
                                 struct monitor_outcome *out)
{
    struct r53_client *r53 = NULL;
    struct r53_rrset rr;
    const char *type = addr->ipv6 ? "AAAA" : "A";
    r53_rc rc = session_route53(s, &r53);

    if (rc == R53_OK) {
        rc = r53_get_record(r53, st->zone_id, st->fqdn, type, &rr);
    }
    if (rc == R53_ERR_NOT_FOUND || rc == R53_ERR_CONFIG || rc == R53_ERR_NO_ZONE) {
        outcome(out, MONITOR_FAILED, "%s %s is gone (%s); expected %s", st->fqdn, type,
                r53_last_error(), addr->text);
    } else if (rc != R53_OK) {
        unreadable(e, out);
    } else if (rr.n_values == 1 && address_equal(rr.values[0], addr->text)) {
        outcome(out, MONITOR_RUNNING, "%s %s holds %s", st->fqdn, rr.type, addr->text);
    } else {
        outcome(out, MONITOR_FAILED, "%s %s points to %s%s, not to this node's %s", st->fqdn,
                rr.type, rr.n_values > 0 ? rr.values[0] : "nothing",
                rr.n_values > 1 ? " (and more)" : "", addr->text);
    }
    r53_clear_error();
    return R53_OK;
}

/* A recurring monitor on the node where the resource is active. */
static r53_rc monitor_active(const struct action_env *e, const struct state *st, int check_level,
                             struct monitor_outcome *out)
{
    r53_rc rc = R53_OK;
    struct session s;
    struct address addr = { 0 };
    char why[300];

    session_init(&s, e->p, e->deadline_ms);
    /* Monitor retries as the user asked, then reports degraded. */
    s.retry.max_tries = (unsigned)e->p->monitor_retries + 1;
    s.retry.cap_ms = e->p->monitor_retry_interval_ms;
    rc = resolve_address(e, &s, &addr);
    if (rc == R53_ERR_CONFIG || rc == R53_ERR_HOST || rc == R53_ERR_NOT_INSTALLED) {
        goto cleanup;
    }
    if (rc != R53_OK) {
        unreadable(e, out);
        rc = R53_OK;
        goto cleanup;
    }
    if (check_level < 10 && !e->p->monitor_method_api &&
        dnscheck_confirms(e->p, st, &addr, e->deadline_ms)) {
        outcome(out, MONITOR_RUNNING, "DNS answers %s for %s: no API call", addr.text, st->fqdn);
        goto cleanup;
    }
    rc = compare_api_record(e, &s, st, &addr, out);
    if (rc == R53_OK && out->result == MONITOR_RUNNING && check_level >= 10 &&
        !dnscheck_all_agree(e->p, st, &addr, e->deadline_ms, why, sizeof(why))) {
        /* Route 53 is right; clients asking that server are not served it. */
        outcome(out, MONITOR_DEGRADED, "%s", why);
    }

cleanup:
    session_close(&s);
    return rc;
}

r53_rc action_monitor(const struct action_env *e, bool probe, int check_level,
                      struct monitor_outcome *out)
{
    r53_rc rc = R53_OK;
    struct state st;

    outcome(out, MONITOR_STOPPED, "not active on this node");
    rc = state_read(e->state_path, &st);
    if (rc == R53_ERR_NOT_FOUND) {
        r53_clear_error();
        return R53_OK;
    }
    if (rc != R53_OK) {
        return rc;
    }
    if (probe) {
        /* Probes answer from local state: no network, no change. */
        outcome(out, MONITOR_RUNNING, "active here (local state)");
        return R53_OK;
    }
    return monitor_active(e, &st, check_level, out);
}

r53_rc action_validate(const struct action_env *e, int check_level)
{
    r53_rc rc = R53_OK;
    struct session s;
    struct r53_client *r53 = NULL;
    struct r53_zone zone;
    char fqdn[256];

    if ((rc = params_check_host(e->p)) != R53_OK || check_level < 10) {
        return rc;
    }
    session_init(&s, e->p, e->deadline_ms);
    if ((rc = session_route53(&s, &r53)) == R53_OK &&
        (rc = resolve_record_name(e->p, r53, &zone, fqdn, sizeof(fqdn))) == R53_OK) {
        qb_log(LOG_INFO, "credentials (%s) and zone %s (%s) are usable; record %s",
               aws_caller_credentials_source(r53_client_caller(r53)), zone.name, zone.id, fqdn);
    }
    session_close(&s);
    return rc;
}
