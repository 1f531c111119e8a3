#include "actions.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "dnscheck.h"
#include "dnsname.h"
#include "owner.h"
#include "publisher.h"
#include "zonecache.h"
#include "log.h"
#include "session.h"
#include "state.h"

/* Longest crm_resource may take: it only asks the local CIB. */
#define CRM_RESOURCE_TIMEOUT_MS 10000

/* An action's result from its code and, when it failed, err's reason. */
static struct action_result result_of(r53_rc rc, const struct r53_error *err)
{
    struct action_result r = { .rc = rc, .monitor = MONITOR_RUNNING };

    if (rc != R53_OK) {
        snprintf(r.reason, sizeof(r.reason), "%s", err->reason);
    }
    return r;
}

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

/* The node's zone cache's key for the zone the parameters name. */
static void zone_cache_key(const struct params *p, char *key, size_t len)
{
    snprintf(key, len, "%s%s", p->rec.zone_id != NULL ? "" : "name:",
             p->rec.zone_id != NULL ? p->rec.zone_id : p->rec.zone);
}

/* The hosted zone the parameters name, with its name servers when the
 * DNS-first monitor will need them: from the API, or (use_cache) from
 * this node's zone cache, which one start fills for all (agent/zonecache.c). */
static r53_rc lookup_zone(const struct action_env *e, struct r53_client *r53, bool use_cache,
                          struct r53_zone *zone, bool *cached, struct r53_error *err)
{
    const struct params *p = e->p;
    char key[300];
    int fd = -1;
    r53_rc rc = R53_OK;
    bool want_ns = false;

    zone_cache_key(p, key, sizeof(key));
    want_ns = !p->tun.monitor_method_api && p->tun.n_dns_servers == 0;
    fd = zonecache_open(e->env->rsctmp, key, e->deadline_ms);
    if (use_cache && fd >= 0 && zonecache_read(fd, zone) &&
        (!want_ns || zone->private_zone || zone->n_name_servers > 0)) {
        qb_log(LOG_DEBUG, "zone %s (%s) from this node's cache", zone->name, zone->id);
        zonecache_close(fd);
        *cached = true;
        return R53_OK;
    }
    rc = p->rec.zone_id != NULL ? r53_get_zone(r53, p->rec.zone_id, zone, err)
                                : r53_find_zone(r53, p->rec.zone, zone, err);
    /* The monitor asks the zone's own name servers: GetHostedZone has
     * them (one more request only for a zone found by name). */
    if (rc == R53_OK && want_ns && !zone->private_zone && zone->n_name_servers == 0) {
        struct r53_zone full;
        struct r53_error unread = { 0 }; /* the monitor then reads the API */

        if (r53_get_zone(r53, util_strip_prefix(zone->id, "/hostedzone/"), &full, &unread) ==
            R53_OK) {
            *zone = full;
        } else {
            qb_log(LOG_WARNING, "cannot read the name servers of %s: %s", zone->name,
                   unread.reason);
        }
    }
    if (rc == R53_OK) {
        zonecache_write(fd, zone);
    } else if (rc == R53_ERR_NO_ZONE) {
        zonecache_forget(fd);
    }
    zonecache_close(fd);
    return rc;
}

/* The record's name as Route 53 writes it (lower case, trailing dot)
 * into fqdn[fqdn_len], for hostname in the zone named zone_name. */
static r53_rc record_fqdn(const struct params *p, const char *zone_name, char *fqdn,
                          size_t fqdn_len, struct r53_error *err)
{
    char name[600];
    size_t hlen = dnsname_trim_dot(p->rec.hostname, strlen(p->rec.hostname));

    if (memchr(p->rec.hostname, '.', hlen) == NULL) {
        /* A single label: LifeKeeper's "Host Name (Not FQDN)". */
        snprintf(name, sizeof(name), "%.*s.%s", (int)hlen, p->rec.hostname, zone_name);
    } else if (dnsname_in_zone(p->rec.hostname, zone_name)) {
        snprintf(name, sizeof(name), "%s", p->rec.hostname);
    } else {
        return r53_fail(err, R53_ERR_CONFIG, "hostname '%s' is not inside zone '%.*s'",
                        p->rec.hostname, (int)dnsname_trim_dot(zone_name, strlen(zone_name)),
                        zone_name);
    }
    if (!dnsname_canonical(name, fqdn, fqdn_len)) {
        return r53_fail(err, R53_ERR_CONFIG, "hostname '%s' in zone '%s' is longer than a DNS name",
                        p->rec.hostname, zone_name);
    }
    return R53_OK;
}

/* The hosted zone, and the record's name into fqdn[fqdn_len]. */
static r53_rc resolve_record_name(const struct action_env *e, struct r53_client *r53,
                                  bool use_cache, struct r53_zone *zone, char *fqdn,
                                  size_t fqdn_len, bool *cached, struct r53_error *err)
{
    r53_rc rc = R53_OK;

    *cached = false;
    if ((rc = lookup_zone(e, r53, use_cache, zone, cached, err)) != R53_OK) {
        return rc;
    }
    return record_fqdn(e->p, zone->name, fqdn, fqdn_len, err);
}

/* The address to publish, from whichever source the parameters name. */
static r53_rc resolve_address(const struct action_env *e, struct session *s, struct address *out,
                              struct r53_error *err)
{
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct imds *imds = NULL;
    char *text = NULL;
    const char *what = p->rec.ip_source == IP_LOCAL ? "local-ipv4" : "public-ipv4";
    long timeout = 0;

    switch (p->rec.ip_source) {
    case IP_LITERAL:
        return address_parse(p->rec.ip, out, err);
    case IP_INTERFACE:
        return address_from_interface(p->rec.interface, out, err);
    case IP_RESOURCE:
        timeout = (long)time_left(e);
        if (timeout > CRM_RESOURCE_TIMEOUT_MS) {
            timeout = CRM_RESOURCE_TIMEOUT_MS;
        }
        return address_from_resource(p->rec.ip_resource, NULL, timeout, out, err);
    case IP_LOCAL:
    case IP_PUBLIC:
        break;
    }
    if ((rc = session_imds(s, &imds, err)) != R53_OK) {
        return rc;
    }
    rc = imds_get(imds, what, &text, err);
    if (rc == R53_ERR_NOT_FOUND) {
        return r53_fail(err, R53_ERR_HOST, "ip=%s: this instance has no %s", p->rec.ip, what);
    }
    if (rc == R53_OK) {
        rc = address_parse(text, out, err);
        if (rc != R53_OK) {
            rc = r53_fail(err, R53_ERR_HTTP, "instance metadata %s is not an address", what);
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
 * schedule, counted from when the change was accepted; times of it
 * already past (a late poll, one DNS brought forward) are not caught up. */
static long next_pause_ms(const struct params_tunables *t, long polls, int64_t accepted_ms)
{
    int64_t now = util_now_ms();
    long n = polls + 1;

    if (t->change_try_interval_ms > 0) {
        return t->change_try_interval_ms;
    }
    while (n > 1 && accepted_ms + action_default_poll_at_ms(n) <= now) {
        n++;
    }
    return accepted_ms + action_default_poll_at_ms(n) > now
               ? (long)(accepted_ms + action_default_poll_at_ms(n) - now)
               : 0;
}

/* How often the name servers are asked while a start waits for INSYNC,
 * and how long they alone may stand for the default schedule's polls. */
#define DNS_FIRST_ASK_MS 250
#define DNS_FIRST_FOR_MS 10000

/* The pause before GetChange poll polls+1.  DNS costs no quota: with
 * the default schedule and name servers to ask, its polls in the first
 * DNS_FIRST_FOR_MS are left out, and the first poll is asked once the
 * name servers serve st's value (INSYNC still decides; after that
 * poll, or that time, or when DNS cannot be asked, the schedule rules). */
static r53_rc pause_before_poll(const struct action_env *e, const struct state *st, long polls,
                                int64_t accepted_ms, bool *dns_first)
{
    const struct params_tunables *t = &e->p->tun;
    struct address addr;
    struct r53_error unparsed = { 0 }; /* our own value: parsed when it was written */
    int64_t due = accepted_ms + action_default_poll_at_ms(polls + 1);

    if (!*dns_first || t->change_try_interval_ms > 0 || st == NULL ||
        address_parse(st->value, &addr, &unparsed) != R53_OK || !dnscheck_can_ask(t, st)) {
        *dns_first = false;
        return pause_within_budget(e, next_pause_ms(t, polls, accepted_ms), 500);
    }
    while (due < accepted_ms + DNS_FIRST_FOR_MS) {
        due = accepted_ms + action_default_poll_at_ms(++polls + 1);
    }
    *dns_first = false;
    /* (A silent server costs dns_timeout, which may pass due by that.) */
    while (!dnscheck_confirms(t, st, &addr, e->deadline_ms)) {
        int64_t left = due - util_now_ms();

        if (left <= 0) {
            return R53_OK;
        }
        if (pause_within_budget(e, left < DNS_FIRST_ASK_MS ? (long)left : DNS_FIRST_ASK_MS, 500) !=
            R53_OK) {
            return R53_ERR_TIMEOUT;
        }
    }
    qb_log(LOG_DEBUG, "the name servers serve %s: asking GetChange", st->value);
    return R53_OK;
}

/* Poll GetChange until INSYNC, at most change_try_count times when set,
 * and never past the start deadline; st (NULL: none) gives the name
 * servers that may bring the first poll forward. */
static r53_rc wait_insync(const struct action_env *e, struct r53_client *r53,
                          const struct r53_change_info *change, const struct state *st,
                          struct r53_error *err)
{
    bool dns_first = true;
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct r53_change_info now = *change;
    int64_t accepted_ms = util_now_ms();
    long polls = 0;

    while (strcmp(now.status, "INSYNC") != 0) {
        if (p->tun.change_try_count > 0 && polls == p->tun.change_try_count) {
            return r53_fail(err, R53_ERR_PENDING,
                            "change %s still %s after %ld polls in %.1f s; raise "
                            "change_try_count, or unset it to poll until the start timeout",
                            change->id, now.status, polls,
                            (double)(util_now_ms() - accepted_ms) / 1000.0);
        }
        /* Keep enough budget for one more request after the pause. */
        if (pause_before_poll(e, st, polls, accepted_ms, &dns_first) != R53_OK) {
            return r53_fail(err, R53_ERR_TIMEOUT,
                            "change %s still %s after %ld polls in %.1f s when the start "
                            "timeout ran out; raise the start operation's timeout",
                            change->id, now.status, polls,
                            (double)(util_now_ms() - accepted_ms) / 1000.0);
        }
        polls++;
        if ((rc = r53_get_change(r53, change->id, &now, err)) != R53_OK) {
            return rc;
        }
        qb_log(LOG_DEBUG, "poll %ld: change %s is %s", polls, change->id, now.status);
    }
    qb_log(LOG_INFO, "change %s is INSYNC after %ld polls", change->id, polls);
    return R53_OK;
}

/* Longest crm_attribute may take to read the cluster's name. */
#define OWNER_TIMEOUT_MS 10000
/* Reads and writes when the name keeps changing under a start. */
#define PUBLISH_TRIES 3

/* This resource's marker for the record set st names (a member when
 * st->set_identifier is set), or R53_OK with marker[0] == '\0' when
 * ownership is off.  known: the cluster start wrote (st->owner), which
 * spares monitor and stop a crm_attribute; false in start. */
static r53_rc own_marker(const struct action_env *e, const struct state *st, bool known,
                         struct owner_id *me, char *marker, size_t len, struct r53_error *err)
{
    long t = (long)time_left(e) / 2;
    r53_rc rc = R53_OK;

    marker[0] = '\0';
    if (e->p->own.mode == OWNERSHIP_OFF) {
        return R53_OK;
    }
    if ((rc = owner_self(&e->p->own, e->env->instance, st->set_identifier, known ? st->owner : NULL,
                         t < OWNER_TIMEOUT_MS ? t : OWNER_TIMEOUT_MS, me, err)) == R53_OK) {
        rc = owner_marker(me, marker, len, err);
    }
    return rc;
}

/* A member's policy in words, and the parameter that sets it. */
static const char *policy_word(const struct r53_routing *r, bool parameter)
{
    if (r->weighted) {
        return parameter ? "weight" : "weighted";
    }
    if (r->failover[0] != '\0') {
        return "failover";
    }
    if (r->region[0] != '\0') {
        return parameter ? "latency_region" : "latency";
    }
    return parameter ? "multivalue=true" : "multivalue";
}

/* The members of type at the name other than skip ("": none): how many,
 * the first, and their identifiers in words ("'east', 'west'"). */
static size_t members_of(const struct r53_name *name, const char *type, const char *skip,
                         const struct r53_rrset **first, char *ids, size_t len)
{
    size_t n = 0;
    size_t used = 0;

    ids[0] = '\0';
    *first = NULL;
    for (size_t i = 0; i < name->n; i++) {
        const struct r53_rrset *rr = &name->sets[i];

        if (strcmp(rr->type, type) != 0 || rr->set_identifier[0] == '\0' ||
            strcmp(rr->set_identifier, skip) == 0) {
            continue;
        }
        *first = *first == NULL ? rr : *first;
        if (used < len) {
            used += (size_t)snprintf(ids + used, len - used, "%s'%s'", n > 0 ? ", " : "",
                                     rr->set_identifier);
        }
        n++;
    }
    return n;
}

/* A plain configuration where members stand: refused, nothing written. */
static r53_rc refuse_plain_on_members(const struct r53_name *name, const struct state *st,
                                      struct r53_error *err)
{
    const struct r53_rrset *first = NULL;
    char ids[300];
    size_t n = members_of(name, st->type, "", &first, ids, sizeof(ids));

    if (n == 0) {
        return R53_OK;
    }
    return r53_fail(err, R53_ERR_CONFIG,
                    "%s %s is a set of %zu %s member(s) (%s), and this resource keeps a plain "
                    "record: set set_identifier and %s to keep a member of that set instead",
                    st->fqdn, st->type, n, policy_word(&first->routing, false), ids,
                    policy_word(&first->routing, true));
}

/* A member configuration against the set's rules as read: one policy
 * per name and type, one PRIMARY and one SECONDARY, and a plain record
 * of the type converted only when ours (me NULL: ownership off). */
static r53_rc may_join_set(const struct action_env *e, const struct r53_name *name,
                           const struct state *st, const struct owner_id *me, struct r53_error *err)
{
    const struct r53_routing *r = &e->p->rec.routing;
    const struct r53_rrset *first = NULL;
    const struct r53_rrset *rr = NULL;
    struct owner_id plain_me;
    struct owner_id other;
    char ids[300];

    if (members_of(name, st->type, st->set_identifier, &first, ids, sizeof(ids)) > 0 &&
        strcmp(policy_word(&first->routing, false), policy_word(r, false)) != 0) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s %s holds %s members (%s) and this resource's member '%s' is %s: all "
                        "members of a name and type use one routing policy",
                        st->fqdn, st->type, policy_word(&first->routing, false), ids,
                        st->set_identifier, policy_word(r, false));
    }
    for (size_t i = 0; r->failover[0] != '\0' && i < name->n; i++) {
        rr = &name->sets[i];
        if (strcmp(rr->type, st->type) == 0 && rr->set_identifier[0] != '\0' &&
            strcmp(rr->set_identifier, st->set_identifier) != 0 &&
            strcmp(rr->routing.failover, r->failover) == 0) {
            return r53_fail(err, R53_ERR_CONFIG,
                            "%s %s has a %s member already ('%s'); a failover set has one "
                            "PRIMARY and one SECONDARY: give member '%s' the other role",
                            st->fqdn, st->type, r->failover, rr->set_identifier,
                            st->set_identifier);
        }
    }
    if (me == NULL || r53_name_find(name, st->type, "") == NULL) {
        return R53_OK;
    }
    plain_me = *me;
    plain_me.set[0] = '\0';
    switch (owner_of(name, &plain_me, &other)) {
    case OWNER_OTHER:
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s %s is a plain record owned by cluster %s, resource %s (TXT marker); "
                        "this resource will not convert it into its member '%s'",
                        st->fqdn, st->type, other.cluster, other.resource, st->set_identifier);
    case OWNER_NONE:
        return e->p->own.mode != OWNERSHIP_REQUIRE
                   ? R53_OK
                   : r53_fail(err, R53_ERR_CONFIG,
                              "%s %s is a plain record with no route53 marker, and "
                              "ownership=require: set ownership=claim to convert it into "
                              "member '%s'",
                              st->fqdn, st->type, st->set_identifier);
    case OWNER_US:
        break;
    }
    return R53_OK;
}

/* Whether start may write the name as read; a refusal changes nothing.
 * me NULL: ownership off, the set's rules only. */
static r53_rc may_claim(const struct action_env *e, const struct r53_name *name,
                        const struct state *st, const struct owner_id *me, struct r53_error *err)
{
    struct owner_id other;
    enum owner_state owner = OWNER_NONE;
    r53_rc rc = st->set_identifier[0] == '\0' ? refuse_plain_on_members(name, st, err)
                                              : may_join_set(e, name, st, me, err);

    if (rc != R53_OK || me == NULL) {
        return rc;
    }
    if ((owner = owner_of(name, me, &other)) == OWNER_OTHER) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s%s%s%s is owned by cluster %s, resource %s (TXT marker); this resource "
                        "(cluster %s) will not take it over: stop it there with "
                        "stop_action=delete, or remove that marker, to hand it over",
                        st->fqdn, st->set_identifier[0] != '\0' ? " member '" : "",
                        st->set_identifier, st->set_identifier[0] != '\0' ? "'" : "", other.cluster,
                        other.resource, me->cluster);
    }
    if (owner == OWNER_NONE && e->p->own.mode == OWNERSHIP_REQUIRE &&
        (st->set_identifier[0] != '\0'
             ? r53_name_find(name, st->type, st->set_identifier) != NULL
             : (r53_name_find(name, "A", "") != NULL || r53_name_find(name, "AAAA", "") != NULL))) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "%s has a record but no route53 marker, and ownership=require: set "
                        "ownership=claim to take it",
                        st->fqdn);
    }
    return R53_OK;
}

/* A weighted set keeps one TTL: our member joins the other members'
 * (doc/ownership.md), with a warning naming both. */
static void join_set_ttl(const struct action_env *e, const struct r53_name *name, struct state *st)
{
    const struct r53_rrset *first = NULL;
    char ids[300];

    if (!e->p->rec.routing.weighted ||
        members_of(name, st->type, st->set_identifier, &first, ids, sizeof(ids)) == 0 ||
        !first->routing.weighted || first->ttl < 0 || first->ttl == st->ttl) {
        return;
    }
    qb_log(LOG_WARNING,
           "%s %s: weighted members share one TTL; member '%s' joins the set's TTL %ld, not "
           "ttl=%ld (set ttl=%ld to silence this)",
           st->fqdn, st->type, st->set_identifier, first->ttl, st->ttl, first->ttl);
    st->ttl = first->ttl;
}

/* Ownership off, a plain record: the plain UPSERT, after one read, so
 * that a name whose type holds members is refused before anything is
 * sent (Route 53 would refuse the UPSERT). */
static r53_rc upsert_plain(struct r53_client *r53, const struct state *st, const char *comment,
                           struct r53_change_info *info, struct r53_error *err)
{
    const char *value[] = { st->value };
    struct r53_change up = {
        .action = "UPSERT",
        .fqdn = st->fqdn,
        .type = st->type,
        .ttl = st->ttl,
        .values = value,
        .n_values = 1,
    };
    struct r53_name name;
    r53_rc rc = r53_get_name(r53, st->zone_id, st->fqdn, st->type, st->set_identifier, &name, err);

    if (rc == R53_OK && (rc = refuse_plain_on_members(&name, st, err)) == R53_OK) {
        rc = r53_change_batch(r53, st->zone_id, &up, 1, comment, info, err);
    }
    return rc;
}

/* Whether name, as read, holds rec exactly (its value alone, its TTL and
 * routing) and, when marked (me given), our marker: a start that finds
 * this (a restart in place, a move back), served, has nothing to write. */
static bool already_ours(const struct r53_name *name, const struct owner_record *rec,
                         const struct owner_id *me)
{
    const struct r53_rrset *rr = r53_name_find(name, rec->type, rec->set_identifier);
    struct owner_id other;

    return rr != NULL && !rr->alias && rr->n_values == 1 &&
           address_equal(rr->values[0], rec->value) && rr->ttl == rec->ttl &&
           r53_routing_equal(&rr->routing, rec->set_identifier[0] != '\0' ? rec->routing : NULL) &&
           (me == NULL || owner_of(name, me, &other) == OWNER_US);
}

/* Whether the name servers, asked once, all serve st's value (and the
 * marker): a change of ours still on its way to them (a restart while
 * it is PENDING) is written again, so that start waits for its INSYNC. */
static bool served_now(const struct action_env *e, const struct state *st, const char *marker)
{
    struct address addr;
    struct r53_error unparsed = { 0 }; /* our own value: parsed when it was written */
    char why[400];

    return address_parse(st->value, &addr, &unparsed) == R53_OK &&
           dnscheck_can_ask(&e->p->tun, st) &&
           dnscheck_confirms_ours(&e->p->tun, st, &addr, marker, e->deadline_ms, why, sizeof(why));
}

/* Write the record (or our member), and with ownership our marker, as
 * one compare-and-swap batch built from what was just read; when the
 * name changed in between, Route 53 refuses the batch and start reads
 * again.  Nothing is written (info->id "") when the name holds it all
 * already. */
static r53_rc publish(const struct action_env *e, struct r53_client *r53, struct state *st,
                      const char *comment, struct r53_change_info *info, struct r53_error *err)
{
    struct owner_id me;
    char marker[300];
    struct r53_name name;
    struct owner_batch b;
    r53_rc rc = own_marker(e, st, false, &me, marker, sizeof(marker), err);
    const struct owner_record rec = {
        .fqdn = st->fqdn,
        .type = st->type,
        .value = st->value,
        .set_identifier = st->set_identifier,
        .routing = &e->p->rec.routing,
    };

    snprintf(st->owner, sizeof(st->owner), "%s", marker[0] != '\0' ? me.cluster : "");
    if (rc == R53_OK && marker[0] == '\0' && st->set_identifier[0] == '\0') {
        return upsert_plain(r53, st, comment, info, err);
    }
    for (int tries = 1; rc == R53_OK; tries++) {
        struct owner_record now = rec;

        if ((rc = r53_get_name(r53, st->zone_id, st->fqdn, st->type, st->set_identifier, &name,
                               err)) != R53_OK ||
            (rc = may_claim(e, &name, st, marker[0] != '\0' ? &me : NULL, err)) != R53_OK) {
            break;
        }
        join_set_ttl(e, &name, st);
        now.ttl = st->ttl;
        if (already_ours(&name, &now, marker[0] != '\0' ? &me : NULL) &&
            served_now(e, st, marker[0] != '\0' ? marker : NULL)) {
            qb_log(LOG_INFO,
                   "%s already holds %s %s (TTL %ld)%s and its name servers serve it: nothing to "
                   "write",
                   st->fqdn, st->type, st->value, st->ttl,
                   marker[0] != '\0' ? " under our marker" : "");
            info->id[0] = '\0';
            break;
        }
        rc = r53_change_batch(r53, st->zone_id, b.changes,
                              owner_build_claim(&name, &now, marker[0] != '\0' ? marker : NULL, &b),
                              comment, info, err);
        if (rc != R53_ERR_CHANGE || tries == PUBLISH_TRIES) {
            break;
        }
        qb_log(LOG_NOTICE, "%s changed while it was written (%s); reading it again", st->fqdn,
               err->reason);
        rc = R53_OK;
    }
    return rc;
}

/* Whether name, as read, holds st's value alone in st's record set (a
 * member when st->set_identifier is set) and, when marked (me given),
 * our marker. */
static bool holds_ours(const struct r53_name *name, const struct state *st,
                       const struct owner_id *me)
{
    const struct r53_rrset *rr = r53_name_find(name, st->type, st->set_identifier);
    struct owner_id other;

    return rr != NULL && rr->n_values == 1 && address_equal(rr->values[0], st->value) &&
           (me == NULL || owner_of(name, me, &other) == OWNER_US);
}

/* How often a start writes again when Route 53 lost its change. */
#define LOST_CHANGE_WRITES 2
/* How often the name servers are asked while a start waits for them. */
#define DNS_WAIT_PAUSE_MS 1000

/* Until this node's name servers serve st's value, asked every second
 * within the start's budget; at once when none can be asked. */
static r53_rc wait_served(const struct action_env *e, const struct state *st, struct r53_error *err)
{
    struct address addr;
    struct r53_error unparsed = { 0 }; /* our own value: parsed when it was written */

    if (address_parse(st->value, &addr, &unparsed) != R53_OK || !dnscheck_can_ask(&e->p->tun, st)) {
        return R53_OK;
    }
    while (!dnscheck_confirms(&e->p->tun, st, &addr, e->deadline_ms)) {
        if (pause_within_budget(e, DNS_WAIT_PAUSE_MS, 500) != R53_OK) {
            return r53_fail(err, R53_ERR_TIMEOUT,
                            "%s is ours in Route 53 but its name servers did not serve %s before "
                            "the start timeout ran out; raise the start operation's timeout",
                            st->fqdn, st->value);
        }
    }
    return R53_OK;
}

/* Wait for the change to be INSYNC.  When GetChange no longer knows it
 * (NoSuchChange: Route 53's control plane failed over, and a change
 * stranded in the old one may never apply), read the name again: if it
 * is ours, wait until the name servers serve it and read once more;
 * otherwise write it again (the write is a compare-and-swap). */
static r53_rc settle(const struct action_env *e, struct r53_client *r53, struct state *st,
                     const char *comment, struct r53_change_info *info, struct r53_error *err)
{
    r53_rc rc = wait_insync(e, r53, info, st, err);
    struct owner_id me;
    char marker[300];
    struct r53_name name;

    for (int writes = 0; rc == R53_ERR_NOT_FOUND && writes < LOST_CHANGE_WRITES; writes++) {
        qb_log(LOG_NOTICE,
               "%s: Route 53 no longer knows change %s (its control plane may have failed over); "
               "reading %s again",
               err->reason, info->id, st->fqdn);
        if ((rc = own_marker(e, st, true, &me, marker, sizeof(marker), err)) != R53_OK ||
            (rc = r53_get_name(r53, st->zone_id, st->fqdn, st->type, st->set_identifier, &name,
                               err)) != R53_OK) {
            return rc;
        }
        if (holds_ours(&name, st, marker[0] != '\0' ? &me : NULL)) {
            if ((rc = wait_served(e, st, err)) != R53_OK ||
                (rc = r53_get_name(r53, st->zone_id, st->fqdn, st->type, st->set_identifier, &name,
                                   err)) != R53_OK) {
                return rc;
            }
            if (holds_ours(&name, st, marker[0] != '\0' ? &me : NULL)) {
                qb_log(LOG_NOTICE, "%s holds %s, ours, and its name servers serve it", st->fqdn,
                       st->value);
                return R53_OK;
            }
        }
        qb_log(LOG_NOTICE, "%s does not hold %s: writing it again", st->fqdn, st->value);
        if ((rc = publish(e, r53, st, comment, info, err)) == R53_OK) {
            rc = wait_insync(e, r53, info, st, err);
        }
    }
    return rc;
}

/* How long start gives Route 53's API before it asks the name servers
 * whether the record is ours already: an outage of Route 53's control
 * plane must not cost a start that the data plane can confirm. */
#define START_API_PROBE_MS 5000
/* How long start waits for another start's zone lookup to read the
 * node's zone cache without the API. */
#define ZONECACHE_PEEK_MS 1000

/* The zone of the parameters from this node's zone cache alone (no API
 * call), waiting at most ZONECACHE_PEEK_MS for its lock.  False when
 * the cache has none. */
static bool zone_cache_peek(const struct action_env *e, struct r53_zone *zone)
{
    char key[300];
    bool cached = false;
    int fd = -1;

    zone_cache_key(e->p, key, sizeof(key));
    if ((fd = zonecache_open(e->env->rsctmp, key, util_now_ms() + ZONECACHE_PEEK_MS)) >= 0) {
        cached = zonecache_read(fd, zone);
        zonecache_close(fd);
    }
    return cached;
}

/* Errors that say Route 53's API is unavailable rather than that it
 * refused us: no answer or a cut one, a 5xx, throttling beyond the
 * budget, the budget's own time. */
static bool api_unavailable(r53_rc rc)
{
    return rc == R53_ERR_NETWORK || rc == R53_ERR_TIMEOUT || rc == R53_ERR_SERVER ||
           rc == R53_ERR_THROTTLED;
}

/* What start needs to ask the name servers without the API, into st:
 * the record's name, the zone's id and whom to ask, from this node's
 * zone cache and the parameters.  False when they cannot be asked. */
static bool offline_target(const struct action_env *e, struct state *st)
{
    const struct params *p = e->p;
    struct r53_zone zone = { 0 };
    bool cached = zone_cache_peek(e, &zone);
    const char *zone_name = p->rec.zone;
    struct r53_error unnamed = { 0 }; /* start says why, with the API */

    if (cached) {
        zone_name = zone.name;
    } else if (zone_name == NULL && strchr(p->rec.hostname, '.') != NULL) {
        zone_name = p->rec.hostname; /* zone_id with a full name: the name is all we need */
    }
    if (zone_name == NULL ||
        record_fqdn(p, zone_name, st->fqdn, sizeof(st->fqdn), &unnamed) != R53_OK) {
        return false;
    }
    snprintf(st->zone_id, sizeof(st->zone_id), "%s",
             cached ? util_strip_prefix(zone.id, "/hostedzone/")
                    : (p->rec.zone_id != NULL ? p->rec.zone_id : ""));
    if (cached) {
        dnscheck_learn(&p->tun, &zone, e->deadline_ms, st);
    }
    return dnscheck_can_ask(&p->tun, st);
}

/* Start confirmed by the data plane while the API is unavailable: every
 * name server that answers serves our address and, with ownership, our
 * marker.  Logs what it found either way. */
static bool confirmed_by_dns(const struct action_env *e, struct state *st,
                             const struct address *addr, const char *api_failure)
{
    struct owner_id me;
    char marker[300];
    char why[400];
    struct r53_error unknown = { 0 }; /* no marker: nothing DNS could confirm */

    if (own_marker(e, st, false, &me, marker, sizeof(marker), &unknown) != R53_OK) {
        qb_log(LOG_NOTICE, "cannot ask the name servers for our marker: %s", unknown.reason);
        return false;
    }
    snprintf(st->owner, sizeof(st->owner), "%s", marker[0] != '\0' ? me.cluster : "");
    if (!dnscheck_confirms_ours(&e->p->tun, st, addr, marker[0] != '\0' ? marker : NULL,
                                e->deadline_ms, why, sizeof(why))) {
        qb_log(LOG_NOTICE, "Route 53's API is unavailable and DNS does not confirm %s: %s",
               st->fqdn, why);
        return false;
    }
    qb_log(LOG_NOTICE,
           "Route 53's API is unavailable (%s), but its name servers serve %s %s %s%s: started "
           "with no write",
           api_failure, st->fqdn, st->type, st->value,
           marker[0] != '\0' ? " under our marker" : "");
    return true;
}

/* The Route 53 requests' deadline from now on. */
static void api_deadline(struct session *s, struct r53_client *r53, int64_t deadline_ms)
{
    s->retry.deadline_ms = deadline_ms;
    aws_caller_set_retry(r53_client_caller(r53), &s->retry);
}

/* The API's part of start: the zone, the compare-and-swap write and the
 * wait for INSYNC, into st.  A change accepted shows the API answers:
 * the wait for INSYNC has the action's whole deadline, not start's first
 * share (START_API_PROBE_MS). */
static r53_rc start_by_api(const struct action_env *e, struct session *s, struct state *st,
                           struct r53_error *err)
{
    struct r53_client *r53 = s->r53;
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct r53_zone zone = { 0 };
    struct r53_change_info info = { 0 };
    char comment[200];
    bool cached = false;

    if ((rc = resolve_record_name(e, r53, true, &zone, st->fqdn, sizeof(st->fqdn), &cached, err)) !=
        R53_OK) {
        return rc;
    }
    snprintf(st->zone_id, sizeof(st->zone_id), "%s", util_strip_prefix(zone.id, "/hostedzone/"));
    dnscheck_learn(&p->tun, &zone, e->deadline_ms, st);
    snprintf(comment, sizeof(comment), "route53 resource agent: active on %s", e->env->node);
    qb_log(LOG_INFO, "publishing %s %s %s (TTL %ld) in zone %s", st->fqdn, st->type, st->value,
           st->ttl, st->zone_id);
    rc = publish(e, r53, st, comment, &info, err);
    if (rc == R53_ERR_NO_ZONE && cached) {
        /* The cached zone may be gone (deleted and made again): once
         * more with the API's answer. */
        qb_log(LOG_NOTICE, "%s; looking the zone up again", err->reason);
        if ((rc = resolve_record_name(e, r53, false, &zone, st->fqdn, sizeof(st->fqdn), &cached,
                                      err)) == R53_OK) {
            snprintf(st->zone_id, sizeof(st->zone_id), "%s",
                     util_strip_prefix(zone.id, "/hostedzone/"));
            rc = publish(e, r53, st, comment, &info, err);
        }
    }
    if (rc != R53_OK) {
        return rc;
    }
    if (info.id[0] == '\0') {
        return R53_OK; /* nothing written: the name servers serve it already */
    }
    qb_log(LOG_INFO, "change %s accepted (%s)", info.id, info.status);
    /* A slow INSYNC is no outage: asking DNS, which serves a change only
     * once INSYNC, would send start to write it again. */
    api_deadline(s, r53, e->deadline_ms);
    return p->tun.wait_insync ? settle(e, r53, st, comment, &info, err) : R53_OK;
}

/* ---- start_api_failure=defer: the deferred publish ------------------------------------- */

/* How long one of the publisher's tries may take: a whole start's worth. */
#define PUBLISH_ATTEMPT_MS 120000
/* Tries of each request within one of them: the publisher's own pauses
 * between tries pace the rest. */
#define PUBLISH_REQUEST_TRIES 3
/* Its pause after try k is 2^k s, at most this: the record follows
 * within about 30 s of the API's return. */
#define PUBLISH_PAUSE_CAP_MS 20000

/* What the publisher carries out: start's action, and the record. */
struct publish_job {
    const struct action_env *e;
    struct state st; /* type, value, ttl; zone_id and fqdn when start learnt them */
};

/* The record's name for a message: as start resolved it, else as given. */
static const char *shown_name(const struct action_env *e, const struct state *st)
{
    return st->fqdn[0] != '\0' ? st->fqdn : e->p->rec.hostname;
}

/* Now, as the state file keeps it: "2026-12-07T03:20:00Z". */
static void iso_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(buf, len, "%lld", (long long)t);
    }
}

/* One try of the publisher: start's API part, with a session of its own. */
static r53_rc publish_once(const struct action_env *e0, int64_t end_ms, struct state *st,
                           struct r53_error *err)
{
    struct action_env e = *e0;
    struct session s;
    struct r53_client *r53 = NULL;
    r53_rc rc = R53_OK;

    e.deadline_ms =
        util_now_ms() + PUBLISH_ATTEMPT_MS < end_ms ? util_now_ms() + PUBLISH_ATTEMPT_MS : end_ms;
    session_init(&s, e.p, e.env->rsctmp, e.deadline_ms);
    s.retry.max_tries = PUBLISH_REQUEST_TRIES;
    if ((rc = session_route53(&s, &r53, err)) == R53_OK) {
        rc = start_by_api(&e, &s, st, err);
    }
    session_close(&s);
    return rc;
}

/* The publisher's last word in the state file, written only while the
 * file still names this publisher: done (failed NULL: the record, no
 * longer pending) or why it ended without the record.  SIGTERM waits
 * meanwhile, so the file is never half replaced, and stop, which waits
 * for the publisher to end, removes it after. */
static void publisher_record(const char *path, const struct state *done, const char *failed)
{
    sigset_t term;
    sigset_t old;
    struct state now;
    struct state next;
    struct publisher_id self;
    struct r53_error x = { 0 }; /* logged: the monitor then finds the publisher gone */

    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    if (state_read(path, &now, &x) == R53_OK && publisher_self(&self) &&
        now.publisher_pid == self.pid && now.publisher_start == self.start) {
        next = failed == NULL ? *done : now;
        snprintf(next.publish_failed, sizeof(next.publish_failed), "%s",
                 failed != NULL ? failed : "");
        next.pending_since[0] = '\0';
        next.publisher_pid = 0;
        next.publisher_start = 0;
        if (state_write(path, &next, &x) != R53_OK) {
            qb_log(LOG_ERR, "%s", x.reason);
        }
    } else {
        qb_log(LOG_NOTICE, "the state file no longer names this publisher: left alone");
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The pause after the publisher's try k (0, 1, ...). */
static long publish_pause_ms(long k)
{
    long ms = k < 5 ? 1000L << k : PUBLISH_PAUSE_CAP_MS;

    return ms < PUBLISH_PAUSE_CAP_MS ? ms : PUBLISH_PAUSE_CAP_MS;
}

/* The publisher (agent/publisher.h): start's compare-and-swap, tried
 * again while Route 53's API is unavailable, for at most defer_max.
 * Ends when the record is ours, on a refusal (another owner's marker
 * among them), or at defer_max, and says which in the state file. */
static int run_publisher(void *ctx)
{
    struct publish_job *job = ctx;
    const struct action_env *e = job->e;
    int64_t end_ms = util_now_ms() + e->p->tun.defer_max_ms;
    struct r53_error err = { 0 };
    char failed[sizeof(job->st.publish_failed)];
    r53_rc rc = R53_ERR_TIMEOUT;

    for (long k = 0; util_now_ms() < end_ms; k++) {
        rc = publish_once(e, end_ms, &job->st, &err);
        if (rc == R53_OK || !api_unavailable(rc) || end_ms - util_now_ms() <= publish_pause_ms(k)) {
            break;
        }
        qb_log(LOG_INFO, "Route 53's API is still unavailable (%s); publishing again in %ld s",
               err.reason, publish_pause_ms(k) / 1000);
        retry_sleep_ms(publish_pause_ms(k));
    }
    if (rc == R53_OK) {
        qb_log(LOG_NOTICE, "published %s %s %s: no longer pending", job->st.fqdn, job->st.type,
               job->st.value);
        publisher_record(e->state_path, &job->st, NULL);
        return 0;
    }
    if (api_unavailable(rc)) {
        snprintf(failed, sizeof(failed), "gave up publishing %s %s %s after defer_max (%ld s): %s",
                 shown_name(e, &job->st), job->st.type, job->st.value,
                 e->p->tun.defer_max_ms / 1000, err.reason);
    } else {
        snprintf(failed, sizeof(failed), "publishing %s %s %s failed: %s", shown_name(e, &job->st),
                 job->st.type, job->st.value, err.reason);
    }
    qb_log(LOG_ERR, "%s", failed);
    publisher_record(e->state_path, &job->st, failed);
    return 1;
}

/* start_api_failure=defer, the API unavailable: leave the publisher
 * and record it in the state file, publishing pending since now. */
static r53_rc defer_start(const struct action_env *e, struct state *st, const char *api_failure,
                          struct r53_error *err)
{
    struct publish_job job = { .e = e, .st = *st };
    struct publisher_handle h;
    r53_rc rc = publisher_spawn(e->env->instance, run_publisher, &job, &h, err);

    if (rc != R53_OK) {
        return rc;
    }
    st->publisher_pid = h.id.pid;
    st->publisher_start = h.id.start;
    iso_now(st->pending_since, sizeof(st->pending_since));
    rc = state_write(e->state_path, st, err);
    publisher_release(&h, rc == R53_OK);
    if (rc == R53_OK) {
        qb_log(LOG_WARNING,
               "Route 53's API is unavailable (%s): started with publishing %s %s %s pending; "
               "publisher %ld keeps trying for at most %ld s",
               api_failure, shown_name(e, st), st->type, st->value, h.id.pid,
               e->p->tun.defer_max_ms / 1000);
    }
    return rc;
}

/* End the publisher st names, if it still runs: a second start replaces
 * the first, and stop leaves none. */
static r53_rc end_publisher(const struct action_env *e, const struct state *st,
                            struct r53_error *err)
{
    const struct publisher_id id = { .pid = st->publisher_pid, .start = st->publisher_start };

    return st->publisher_pid > 0 ? publisher_end(&id, e->deadline_ms, err) : R53_OK;
}

/* What start writes, into st: the record set (a member with
 * set_identifier), its address and TTL. */
static void start_target(const struct params *p, const struct address *addr, struct state *st)
{
    snprintf(st->type, sizeof(st->type), "%s", addr->ipv6 ? "AAAA" : "A");
    snprintf(st->value, sizeof(st->value), "%s", addr->text);
    snprintf(st->set_identifier, sizeof(st->set_identifier), "%s",
             p->rec.set_identifier != NULL ? p->rec.set_identifier : "");
    st->ttl = p->tun.ttl;
}

static r53_rc start(const struct action_env *e, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    const struct params *p = e->p;
    struct session s;
    struct r53_client *r53 = NULL;
    struct address addr = { 0 };
    struct state st = { 0 };
    struct state offline = { 0 };
    char failure[sizeof(err->reason)];
    bool probe = false;
    bool defer = false;
    struct r53_error none = { 0 }; /* no state, or not ours: no publisher to end */

    if (state_read(e->state_path, &st, &none) == R53_OK &&
        (rc = end_publisher(e, &st, err)) != R53_OK) {
        return rc;
    }
    memset(&st, 0, sizeof(st));
    session_init(&s, p, e->env->rsctmp, e->deadline_ms);
    if ((rc = resolve_address(e, &s, &addr, err)) != R53_OK ||
        (rc = session_route53(&s, &r53, err)) != R53_OK) {
        goto cleanup;
    }
    start_target(p, &addr, &st);
    offline = st;
    /* Where the data plane can be asked, the API gets a first share of
     * the time: then DNS, then the API again for the rest. */
    if ((probe = offline_target(e, &offline)) || p->tun.start_api_failure_defer) {
        api_deadline(&s, r53, util_now_ms() + START_API_PROBE_MS);
    }
    rc = start_by_api(e, &s, &st, err);
    /* (A timeout with no time left is this start's own, not the API's.) */
    if ((probe || p->tun.start_api_failure_defer) && api_unavailable(rc) &&
        time_left(e) > START_API_PROBE_MS / 5) {
        snprintf(failure, sizeof(failure), "%s", err->reason);
        if (probe && confirmed_by_dns(e, st.zone_id[0] != '\0' ? &st : &offline, &addr, failure)) {
            rc = state_write(e->state_path, st.zone_id[0] != '\0' ? &st : &offline, err);
            goto cleanup;
        }
        /* The publisher forks once this session is closed: it opens its own. */
        if ((defer = p->tun.start_api_failure_defer)) {
            goto cleanup;
        }
        api_deadline(&s, r53, e->deadline_ms);
        rc = start_by_api(e, &s, &st, err);
    }
    if (rc == R53_OK) {
        rc = state_write(e->state_path, &st, err);
    }

cleanup:
    if (r53 != NULL) {
        qb_log(LOG_DEBUG, "start used %u Route 53 requests",
               aws_caller_requests(r53_client_caller(r53)));
    }
    session_close(&s);
    return defer ? defer_start(e, st.zone_id[0] != '\0' ? &st : &offline, failure, err) : rc;
}

/* Delete the record named in st, and our marker, in one batch, but only
 * while the record holds our value and the name is ours: a record that
 * moved on belongs to someone else now. */
static r53_rc delete_own_record(const struct action_env *e, const struct state *st,
                                struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct session s;
    struct r53_client *r53 = NULL;
    struct r53_name name;
    struct owner_id me;
    struct owner_batch b;
    struct r53_change_info info;
    char marker[300];
    const struct r53_rrset *rr = NULL;
    const struct owner_record rec = {
        .fqdn = st->fqdn,
        .type = st->type,
        .set_identifier = st->set_identifier,
    };

    session_init(&s, e->p, e->env->rsctmp, e->deadline_ms);
    if ((rc = session_route53(&s, &r53, err)) != R53_OK ||
        (rc = own_marker(e, st, true, &me, marker, sizeof(marker), err)) != R53_OK ||
        (rc = r53_get_name(r53, st->zone_id, st->fqdn, st->type, st->set_identifier, &name, err)) !=
            R53_OK) {
        goto cleanup;
    }
    rr = r53_name_find(&name, st->type, st->set_identifier);
    if (!holds_ours(&name, st, marker[0] != '\0' ? &me : NULL)) {
        qb_log(LOG_INFO, "%s %s%s%s now holds %s%s, not ours: left alone", st->fqdn, st->type,
               st->set_identifier[0] != '\0' ? " member " : "", st->set_identifier,
               rr != NULL && rr->n_values > 0 ? rr->values[0] : "nothing",
               marker[0] != '\0' ? " or is not marked ours" : "");
        rc = rr == NULL ? r53_fail(err, R53_ERR_NOT_FOUND, "no %s record", st->type) : R53_OK;
        goto cleanup;
    }
    rc = r53_change_batch(r53, st->zone_id, b.changes,
                          owner_build_release(&name, &rec, marker[0] != '\0' ? marker : NULL, &b),
                          NULL, &info, err);
    if (rc == R53_OK) {
        qb_log(LOG_INFO, "deleted %s %s %s (change %s)", st->fqdn, st->type, st->value, info.id);
    }

cleanup:
    session_close(&s);
    return rc;
}

static r53_rc stop(const struct action_env *e, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct state st;
    struct r53_error left = { 0 }; /* what stop logs, and goes on from */

    rc = state_read(e->state_path, &st, &left);
    if (rc == R53_OK && st.publisher_pid > 0) {
        /* Nothing is written after stop returns: the publisher is gone
         * first (it may have recorded its end: read again). */
        if ((rc = end_publisher(e, &st, err)) != R53_OK) {
            return rc;
        }
        rc = state_read(e->state_path, &st, &left);
    }
    if (rc == R53_ERR_NOT_FOUND) {
        qb_log(LOG_INFO, "not active on this node");
        return R53_OK;
    }
    if (rc == R53_OK && e->p != NULL && e->p->tun.stop_action_delete && st.zone_id[0] != '\0' &&
        st.fqdn[0] != '\0') {
        rc = delete_own_record(e, &st, &left);
        if (rc == R53_ERR_NOT_FOUND) {
            qb_log(LOG_INFO, "%s %s is already gone", st.fqdn, st.type);
        } else if (rc != R53_OK) {
            /* A stale record is better than a failed stop (and a fence). */
            qb_log(LOG_WARNING, "record left in place: %s", left.reason);
        }
    } else if (rc != R53_OK) {
        qb_log(LOG_WARNING, "%s; removing it", left.reason);
    }
    return state_remove(e->state_path, err);
}

/* Set what the monitor found, and its reason. */
static void outcome(struct action_result *out, enum monitor_result found, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void outcome(struct action_result *out, enum monitor_result found, const char *fmt, ...)
{
    va_list ap;

    out->monitor = found;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
}

/* Route 53 (or instance metadata, or crm_resource) unreadable: nothing
 * a failover would fix, unless the user asked for failures. */
static void unreadable(const struct action_env *e, const struct r53_error *why,
                       struct action_result *out)
{
    outcome(out, e->p->tun.monitor_api_failure_fail ? MONITOR_FAILED : MONITOR_DEGRADED, "%s",
            why->reason);
}

/* The record set st names as the API holds it, against addr: a plain
 * record, or our member alone (other members are not ours to judge). */
static void judge_record(const struct r53_name *name, const struct state *st,
                         const struct address *addr, struct action_result *out)
{
    const char *type = addr->ipv6 ? "AAAA" : "A";
    const char *set = st->set_identifier;
    const struct r53_rrset *rr = r53_name_find(name, type, set);
    const struct r53_rrset *any = r53_name_find(name, type, NULL);
    char what[200];

    snprintf(what, sizeof(what), "%s %s%s%s%s", st->fqdn, type, set[0] != '\0' ? " member '" : "",
             set, set[0] != '\0' ? "'" : "");
    if (rr == NULL && set[0] == '\0' && any != NULL) {
        outcome(out, MONITOR_FAILED,
                "%s is now a routing-policy record set (member '%s'); expected %s", what,
                any->set_identifier, addr->text);
    } else if (rr == NULL) {
        outcome(out, MONITOR_FAILED, "%s is gone; expected %s", what, addr->text);
    } else if (rr->alias) {
        outcome(out, MONITOR_FAILED, "%s is now an alias record; expected %s", what, addr->text);
    } else if (rr->n_values != 1 || !address_equal(rr->values[0], addr->text)) {
        outcome(out, MONITOR_FAILED, "%s points to %s%s, not to this node's %s", what,
                rr->n_values > 0 ? rr->values[0] : "nothing", rr->n_values > 1 ? " (and more)" : "",
                addr->text);
    } else {
        outcome(out, MONITOR_RUNNING, "%s holds %s", what, addr->text);
    }
}

/* The name as the API holds it: our address, and the record still ours. */
static void judge_name(const struct action_env *e, const struct r53_name *name,
                       const struct state *st, const struct address *addr,
                       struct action_result *out)
{
    const struct r53_rrset *rr = r53_name_find(name, addr->ipv6 ? "AAAA" : "A", st->set_identifier);
    struct owner_id me;
    struct owner_id other;
    char marker[300];
    struct r53_error unknown = { 0 }; /* no cluster name: no takeover to tell */

    judge_record(name, st, addr, out);
    if (e->p->own.mode != OWNERSHIP_OFF &&
        own_marker(e, st, true, &me, marker, sizeof(marker), &unknown) == R53_OK &&
        owner_of(name, &me, &other) == OWNER_OTHER) {
        outcome(out, MONITOR_FAILED,
                "%s%s%s%s was taken over by cluster %s, resource %s (it now holds %s); start will "
                "not take it back",
                st->fqdn, st->set_identifier[0] != '\0' ? " member '" : "", st->set_identifier,
                st->set_identifier[0] != '\0' ? "'" : "", other.cluster, other.resource,
                rr != NULL && rr->n_values > 0 ? rr->values[0] : "nothing");
    }
}

/* Compare the API's record with addr, in one ListResourceRecordSets;
 * a failure to read it is what the monitor found. */
static void compare_api_record(const struct action_env *e, struct session *s,
                               const struct state *st, const struct address *addr,
                               struct action_result *out)
{
    struct r53_client *r53 = NULL;
    struct r53_name name;
    struct r53_error unread = { 0 };
    r53_rc rc = session_route53(s, &r53, &unread);

    if (rc == R53_OK) {
        rc = r53_get_name(r53, st->zone_id, st->fqdn, addr->ipv6 ? "AAAA" : "A", st->set_identifier,
                          &name, &unread);
    }
    if (rc == R53_ERR_NO_ZONE) {
        outcome(out, MONITOR_FAILED, "%s is gone (%s); expected %s", st->fqdn, unread.reason,
                addr->text);
    } else if (rc == R53_ERR_NOT_INSTALLED) {
        *out = result_of(rc, &unread); /* libcurl missing: this node cannot tell */
    } else if (rc != R53_OK) {
        unreadable(e, &unread, out);
    } else {
        judge_name(e, &name, st, addr, out);
    }
}

/* A deferred publish, as the state tells it: true when that is the
 * monitor's finding; false when it completed meanwhile (*st read
 * again), and the record is judged as usual. */
static bool judge_deferred(const struct action_env *e, struct state *st, struct action_result *out)
{
    const struct publisher_id id = { .pid = st->publisher_pid, .start = st->publisher_start };
    struct r53_error gone = { 0 }; /* no state: stopped meanwhile, the publisher is gone */

    if (st->publish_failed[0] == '\0' && publisher_alive(&id)) {
        outcome(out, MONITOR_DEGRADED,
                "publishing %s %s %s is pending since %s: Route 53's API is unavailable",
                shown_name(e, st), st->type, st->value, st->pending_since);
        return true;
    }
    if (st->publish_failed[0] == '\0' && state_read(e->state_path, st, &gone) == R53_OK &&
        st->pending_since[0] == '\0' && st->publish_failed[0] == '\0') {
        return false;
    }
    if (st->publish_failed[0] != '\0') {
        outcome(out, MONITOR_FAILED, "%s", st->publish_failed);
    } else {
        outcome(out, MONITOR_FAILED,
                "publishing %s %s %s has been pending since %s, but its publisher (pid %ld) is "
                "gone",
                shown_name(e, st), st->type, st->value, st->pending_since, id.pid);
    }
    return true;
}

/* The DNS-first monitor's word: a server answering exactly our address.
 * Name servers answer a set with one member or several, so for a member
 * every server that answers must serve our address alone and, with
 * ownership, our member's marker; anything else leaves it to the API
 * (DNS alone never fails a member). */
static bool dns_confirms(const struct action_env *e, const struct state *st,
                         const struct address *addr)
{
    struct owner_id me;
    char marker[300];
    char why[400];
    struct r53_error unknown = { 0 }; /* no marker to look for: the API decides */

    if (st->set_identifier[0] == '\0') {
        return dnscheck_confirms(&e->p->tun, st, addr, e->deadline_ms);
    }
    if (own_marker(e, st, true, &me, marker, sizeof(marker), &unknown) != R53_OK) {
        return false;
    }
    if (!dnscheck_confirms_ours(&e->p->tun, st, addr, marker[0] != '\0' ? marker : NULL,
                                e->deadline_ms, why, sizeof(why))) {
        qb_log(LOG_DEBUG, "DNS does not confirm member '%s': %s; asking the API",
               st->set_identifier, why);
        return false;
    }
    return true;
}

/* A start while the node's resolvers were down kept no name server, and
 * every monitor after it would read the API for the resource's life (and
 * a Route 53 API outage would then degrade it).  Learn them again from
 * this node's zone cache, with no API call, and keep them.  Not while a
 * publisher may be writing the state file. */
static void relearn_name_servers(const struct action_env *e, struct state *st)
{
    struct r53_zone zone = { 0 };
    struct r53_error unsaved = { 0 }; /* the next monitor tries again */

    /* (Checked here, before the cache's file is opened on every monitor;
     * dnscheck_learn checks the parameters again.) */
    if (st->name_servers[0] != '\0' || st->private_zone || e->p->tun.monitor_method_api ||
        e->p->tun.n_dns_servers > 0 || st->publisher_pid != 0 || st->pending_since[0] != '\0') {
        return;
    }
    if (!zone_cache_peek(e, &zone) || zone.n_name_servers == 0 ||
        strcmp(util_strip_prefix(zone.id, "/hostedzone/"), st->zone_id) != 0) {
        return;
    }
    dnscheck_learn(&e->p->tun, &zone, e->deadline_ms, st);
    if (st->name_servers[0] != '\0' && state_write(e->state_path, st, &unsaved) != R53_OK) {
        qb_log(LOG_WARNING, "%s", unsaved.reason);
    }
}

/* A recurring monitor on the node where the resource is active. */
static r53_rc monitor_active(const struct action_env *e, struct state *st, int check_level,
                             struct action_result *out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct session s;
    struct address addr = { 0 };
    char why[300];

    session_init(&s, e->p, e->env->rsctmp, e->deadline_ms);
    /* Monitor retries as the user asked, then reports degraded. */
    s.retry.max_tries = (unsigned)e->p->tun.monitor_retries + 1;
    s.retry.cap_ms = e->p->tun.monitor_retry_interval_ms;
    rc = resolve_address(e, &s, &addr, err);
    if (rc == R53_ERR_CONFIG || rc == R53_ERR_HOST || rc == R53_ERR_NOT_INSTALLED) {
        goto cleanup;
    }
    if (rc != R53_OK) {
        unreadable(e, err, out);
        rc = R53_OK;
        goto cleanup;
    }
    relearn_name_servers(e, st);
    if (check_level < 10 && !e->p->tun.monitor_method_api && dns_confirms(e, st, &addr)) {
        outcome(out, MONITOR_RUNNING, "DNS answers %s for %s: no API call", addr.text, st->fqdn);
        goto cleanup;
    }
    compare_api_record(e, &s, st, &addr, out);
    /* A member's name servers answer by policy: they serve the set, not
     * our member, so they cannot all be held to our address. */
    if (out->monitor == MONITOR_RUNNING && check_level >= 10 && st->set_identifier[0] == '\0' &&
        !dnscheck_all_agree(&e->p->tun, st, &addr, e->deadline_ms, why, sizeof(why))) {
        /* Route 53 is right; clients asking that server are not served it. */
        outcome(out, MONITOR_DEGRADED, "%s", why);
    }

cleanup:
    session_close(&s);
    return rc;
}

struct action_result action_monitor(const struct action_env *e, bool probe, int check_level)
{
    struct action_result out = { .rc = R53_OK };
    struct r53_error err = { 0 };
    struct state st;
    r53_rc rc = R53_OK;

    outcome(&out, MONITOR_STOPPED, "not active on this node");
    rc = state_read(e->state_path, &st, &err);
    if (rc == R53_ERR_NOT_FOUND) {
        return out;
    }
    if (rc == R53_OK && probe) {
        /* Probes answer from local state: no network, no change. */
        outcome(&out, MONITOR_RUNNING, "active here (local state)");
    } else if (rc == R53_OK && (st.pending_since[0] != '\0' || st.publish_failed[0] != '\0') &&
               judge_deferred(e, &st, &out)) {
        qb_log(LOG_DEBUG, "deferred publish: %s", out.reason);
    } else if (rc == R53_OK) {
        rc = monitor_active(e, &st, check_level, &out, &err);
    }
    if (rc != R53_OK) {
        return result_of(rc, &err);
    }
    if (out.monitor == MONITOR_RUNNING) {
        qb_log(LOG_DEBUG, "%s", out.reason);
    }
    return out;
}

static r53_rc validate(const struct action_env *e, int check_level, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct session s;
    struct r53_client *r53 = NULL;
    struct r53_zone zone;
    char fqdn[256];
    bool cached = false;

    if ((rc = params_check_host(e->p, err)) != R53_OK ||
        (rc = owner_check(&e->p->own, e->env->instance, e->p->rec.set_identifier, err)) != R53_OK ||
        check_level < 10) {
        return rc;
    }
    session_init(&s, e->p, e->env->rsctmp, e->deadline_ms);
    if ((rc = session_route53(&s, &r53, err)) == R53_OK &&
        (rc = resolve_record_name(e, r53, false, &zone, fqdn, sizeof(fqdn), &cached, err)) ==
            R53_OK) {
        qb_log(LOG_INFO, "credentials (%s) and zone %s (%s) are usable; record %s",
               aws_caller_credentials_source(r53_client_caller(r53)), zone.name, zone.id, fqdn);
    }
    session_close(&s);
    return rc;
}

struct action_result action_start(const struct action_env *e)
{
    struct r53_error err = { 0 };
    r53_rc rc = start(e, &err);

    return result_of(rc, &err);
}

struct action_result action_stop(const struct action_env *e)
{
    struct r53_error err = { 0 };
    r53_rc rc = stop(e, &err);

    return result_of(rc, &err);
}

struct action_result action_validate(const struct action_env *e, int check_level)
{
    struct r53_error err = { 0 };
    r53_rc rc = validate(e, check_level, &err);

    return result_of(rc, &err);
}
