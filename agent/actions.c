#include "actions.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "log.h"
#include "session.h"
#include "state.h"

/* Longest crm_resource may take: it only asks the local CIB. */
#define CRM_RESOURCE_TIMEOUT_MS 10000

static int64_t time_left(const struct action_env *e)
{
    return e->deadline_ms - http_now_ms();
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

/* Poll GetChange until INSYNC, change_try_count times at most. */
static r53_rc wait_insync(const struct action_env *e, struct r53_client *r53,
                          const struct r53_change_info *change)
{
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct r53_change_info now = *change;
    long polls = 0;

    while (strcmp(now.status, "INSYNC") != 0) {
        if (polls == p->change_try_count) {
            return r53_fail(R53_ERR_PENDING,
                            "change %s still %s after %ld polls %ld ms apart; raise "
                            "change_try_count",
                            change->id, now.status, polls, p->change_try_interval_ms);
        }
        /* Keep enough budget for one more request after the pause. */
        if (pause_within_budget(e, p->change_try_interval_ms, 500) != R53_OK) {
            return r53_fail(R53_ERR_TIMEOUT,
                            "change %s still %s after %ld polls when the start timeout ran "
                            "out; raise the start operation's timeout",
                            change->id, now.status, polls);
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
    snprintf(st.zone_id, sizeof(st.zone_id), "%s",
             strncmp(zone.id, "/hostedzone/", 12) == 0 ? zone.id + 12 : zone.id);
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
        qb_log(LOG_DEBUG, "start used %u Route 53 requests", r53_client_requests(r53));
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

r53_rc action_monitor(const struct action_env *e, bool probe, enum monitor_result *out)
{
    r53_rc rc = R53_OK;
    struct state st;
    struct session s;
    struct r53_client *r53 = NULL;
    struct address addr = { 0 };
    struct r53_rrset rr;

    *out = MONITOR_STOPPED;
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
        *out = MONITOR_RUNNING;
        return R53_OK;
    }

    session_init(&s, e->p, e->deadline_ms);
    /* Monitor retries as the user asked, then reports degraded. */
    s.retry.max_tries = (unsigned)e->p->monitor_retries + 1;
    s.retry.cap_ms = e->p->monitor_retry_interval_ms;
    rc = resolve_address(e, &s, &addr);
    if (rc == R53_ERR_CONFIG || rc == R53_ERR_HOST || rc == R53_ERR_NOT_INSTALLED) {
        goto cleanup;
    }
    /* Instance metadata or crm_resource unreachable is like Route 53
     * unreachable: nothing a failover would fix. */
    if (rc != R53_OK || (rc = session_route53(&s, &r53)) != R53_OK) {
        goto degraded;
    }
    rc = r53_get_record(r53, st.zone_id, st.fqdn, addr.ipv6 ? "AAAA" : "A", &rr);
    if (rc == R53_ERR_NOT_FOUND || rc == R53_ERR_CONFIG || rc == R53_ERR_NO_ZONE) {
        *out = MONITOR_FAILED;
        rc = r53_fail(R53_OK, "%s %s is gone (%s); expected %s", st.fqdn, addr.ipv6 ? "AAAA" : "A",
                      r53_last_error(), addr.text);
        goto cleanup;
    }
    if (rc != R53_OK) {
        goto degraded;
    }
    if (rr.n_values == 1 && address_equal(rr.values[0], addr.text)) {
        *out = MONITOR_RUNNING;
        qb_log(LOG_DEBUG, "%s %s holds %s", st.fqdn, rr.type, addr.text);
    } else {
        *out = MONITOR_FAILED;
        r53_fail(R53_OK, "%s %s points to %s%s, not to this node's %s", st.fqdn, rr.type,
                 rr.n_values > 0 ? rr.values[0] : "nothing", rr.n_values > 1 ? " (and more)" : "",
                 addr.text);
    }
    goto cleanup;

degraded:
    *out = e->p->monitor_api_failure_fail ? MONITOR_FAILED : MONITOR_DEGRADED;
    rc = R53_OK;

cleanup:
    session_close(&s);
    return rc;
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
        qb_log(LOG_INFO, "credentials (%s) and zone %s (%s) are usable; record %s", s.creds.source,
               zone.name, zone.id, fqdn);
    }
    session_close(&s);
    return rc;
}
