#include "route53_xml.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xml.h"

/* A TTL is 0..2147483647 written in plain decimal digits. */
static r53_rc xml_take_ttl(struct xml_ctx *c, long *dst, struct r53_error *err)
{
    long v = 0;
    size_t i = 0;
    char shown[40] = "";

    for (i = 0; i < c->text_len; i++) {
        int d = c->text[i] - '0';

        if (d < 0 || d > 9 || v > (INT_MAX - d) / 10) {
            break;
        }
        v = v * 10 + d;
    }
    if (c->text_len == 0 || c->text_over || i < c->text_len) {
        return r53_fail(err, R53_ERR_PARSE, "response TTL \"%s\" is not a number from 0 to %d",
                        util_printable(c->text, shown, sizeof(shown)), INT_MAX);
    }
    *dst = v;
    return R53_OK;
}

/* How one answer is read: its root elements, its handlers, and the
 * checks of the whole once parsed (NULL: none). */
struct reader {
    const char *const *roots;
    xml_event_fn on_start; /* may be NULL */
    xml_event_fn on_end;
    r53_rc (*finish)(const struct xml_ctx *c, void *out, struct r53_error *err);
};

/* Parse body into out (out_size bytes, zeroed first); on any failure
 * out is zeroed again, so a caller never sees half an answer. */
static r53_rc read_body(const struct reader *r, const char *body, size_t len, void *out,
                        size_t out_size, struct r53_error *err)
{
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, out_size);
    c.ns = R53_XML_NS;
    c.roots = r->roots;
    c.on_start = r->on_start;
    c.on_end = r->on_end;
    c.out = out;
    rc = xml_run(&c, body, len, err);
    if (rc == R53_OK && r->finish != NULL) {
        rc = r->finish(&c, out, err);
    }
    if (rc != R53_OK) {
        memset(out, 0, out_size);
    }
    return rc;
}

/* The end of an item (a record set, a zone): both of its required
 * fields must have come. */
static r53_rc item_end(struct xml_ctx *c, const char *item, const char *v1, const char *n1,
                       const char *v2, const char *n2, struct r53_error *err)
{
    c->cur = NULL;
    if (v1[0] == '\0' || v2[0] == '\0') {
        return r53_fail(err, R53_ERR_PARSE, "response %s has no %s", item, v1[0] == '\0' ? n1 : n2);
    }
    return R53_OK;
}

/* ---- ChangeInfo ---- */

static r53_rc change_end(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct r53_change_info *out = c->out;

    if (strcmp(path, "ChangeInfo/Id") == 0) {
        return xml_take(c, out->id, sizeof(out->id), "ChangeInfo/Id", err);
    }
    if (strcmp(path, "ChangeInfo/Status") == 0) {
        return xml_take(c, out->status, sizeof(out->status), "ChangeInfo/Status", err);
    }
    return R53_OK;
}

static r53_rc change_finish(const struct xml_ctx *c, void *o, struct r53_error *err)
{
    const struct r53_change_info *out = o;
    char shown[40] = "";

    (void)c;
    if (out->id[0] == '\0') {
        return r53_fail(err, R53_ERR_PARSE, "response has no ChangeInfo/Id");
    }
    if (out->status[0] == '\0') {
        return r53_fail(err, R53_ERR_PARSE, "response has no ChangeInfo/Status");
    }
    if (strcmp(out->status, "PENDING") != 0 && strcmp(out->status, "INSYNC") != 0) {
        return r53_fail(err, R53_ERR_PARSE,
                        "response ChangeInfo/Status is \"%s\", expected PENDING or INSYNC",
                        util_printable(out->status, shown, sizeof(shown)));
    }
    return R53_OK;
}

r53_rc r53_xml_change_info(const char *body, size_t len, struct r53_change_info *out,
                           struct r53_error *err)
{
    static const char *const roots[] = { "ChangeResourceRecordSetsResponse", "GetChangeResponse",
                                         NULL };
    static const struct reader r = {
        .roots = roots,
        .on_end = change_end,
        .finish = change_finish,
    };

    return read_body(&r, body, len, out, sizeof(*out), err);
}

/* ---- Errors ---- */

r53_rc r53_xml_error(const char *body, size_t len, struct aws_api_error *out, struct r53_error *err)
{
    return xml_aws_error(R53_XML_NS, body, len, out, err);
}

/* ---- ListResourceRecordSets ---- */

#define RRSET "ResourceRecordSets/ResourceRecordSet"

static r53_rc rrset_start(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct r53_rrset_page *out = c->out;
    struct r53_rrset *rr = c->cur;

    (void)err; /* starting an element never fails */
    if (strcmp(path, RRSET) == 0) {
        out->n_rrsets++;
        rr = NULL;
        if (out->n_rrsets <= R53_MAX_RRSETS) {
            rr = &out->rrsets[out->n_rrsets - 1];
            rr->ttl = -1;
        }
        c->cur = rr;
        return R53_OK;
    }
    if (rr != NULL && strcmp(path, RRSET "/AliasTarget") == 0) {
        rr->alias = true;
    }
    return R53_OK;
}

/* A member's routing field; path below the ResourceRecordSet. */
static r53_rc routing_field(struct xml_ctx *c, struct r53_routing *r, const char *path,
                            struct r53_error *err)
{
    char text[8] = "";
    char shown[40] = "";
    char *end = NULL;

    if (strcmp(path, "/Weight") == 0) {
        if (xml_take(c, text, sizeof(text), "ResourceRecordSet/Weight", err) != R53_OK) {
            return R53_ERR_PARSE;
        }
        r->weight = strtol(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end != '\0' || r->weight > 255) {
            return r53_fail(err, R53_ERR_PARSE, "response Weight \"%s\" is not 0 to 255",
                            util_printable(text, shown, sizeof(shown)));
        }
        r->weighted = true;
        return R53_OK;
    }
    if (strcmp(path, "/Region") == 0) {
        return xml_take(c, r->region, sizeof(r->region), "ResourceRecordSet/Region", err);
    }
    if (strcmp(path, "/Failover") == 0) {
        return xml_take(c, r->failover, sizeof(r->failover), "ResourceRecordSet/Failover", err);
    }
    if (strcmp(path, "/MultiValueAnswer") == 0) {
        return xml_take_bool(c, &r->multivalue, "ResourceRecordSet/MultiValueAnswer", err);
    }
    if (strcmp(path, "/HealthCheckId") == 0) {
        return xml_take(c, r->health_check_id, sizeof(r->health_check_id),
                        "ResourceRecordSet/HealthCheckId", err);
    }
    return R53_OK;
}

/* Where a truncated listing goes on. */
static r53_rc next_field(struct xml_ctx *c, struct r53_rrset_page *out, const char *path,
                         struct r53_error *err)
{
    if (strcmp(path, "NextRecordName") == 0) {
        return xml_take(c, out->next_name, sizeof(out->next_name), "NextRecordName", err);
    }
    if (strcmp(path, "NextRecordType") == 0) {
        return xml_take(c, out->next_type, sizeof(out->next_type), "NextRecordType", err);
    }
    return xml_take(c, out->next_identifier, sizeof(out->next_identifier), "NextRecordIdentifier",
                    err);
}

static r53_rc rrset_end(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct r53_rrset_page *out = c->out;
    struct r53_rrset *rr = c->cur;

    if (strcmp(path, "IsTruncated") == 0) {
        c->truncated_seen = true;
        return xml_take_bool(c, &out->is_truncated, "IsTruncated", err);
    }
    if (strcmp(path, "NextRecordName") == 0 || strcmp(path, "NextRecordType") == 0 ||
        strcmp(path, "NextRecordIdentifier") == 0) {
        return next_field(c, out, path, err);
    }
    if (strncmp(path, RRSET, strlen(RRSET)) != 0 || rr == NULL) {
        return R53_OK; /* not a record set, or one past the cap */
    }
    path += strlen(RRSET);
    if (strcmp(path, "") == 0) {
        return item_end(c, "ResourceRecordSet", rr->name, "Name", rr->type, "Type", err);
    }
    if (strcmp(path, "/Name") == 0) {
        return xml_take(c, rr->name, sizeof(rr->name), "ResourceRecordSet/Name", err);
    }
    if (strcmp(path, "/Type") == 0) {
        return xml_take(c, rr->type, sizeof(rr->type), "ResourceRecordSet/Type", err);
    }
    if (strcmp(path, "/SetIdentifier") == 0) {
        return xml_take(c, rr->set_identifier, sizeof(rr->set_identifier),
                        "ResourceRecordSet/SetIdentifier", err);
    }
    if (strcmp(path, "/TTL") == 0) {
        return xml_take_ttl(c, &rr->ttl, err);
    }
    if (strcmp(path, "/ResourceRecords/ResourceRecord/Value") == 0) {
        rr->n_values++;
        if (rr->n_values > R53_MAX_VALUES) {
            return R53_OK; /* counted, not kept */
        }
        return xml_take(c, rr->values[rr->n_values - 1], sizeof(rr->values[0]),
                        "ResourceRecord/Value", err);
    }
    return routing_field(c, &rr->routing, path, err);
}

static r53_rc rrset_finish(const struct xml_ctx *c, void *o, struct r53_error *err)
{
    const struct r53_rrset_page *out = o;

    /* IsTruncated is required by the API and sent by AWS and moto:
     * without it we could not tell a last page from a partial one. */
    if (!c->truncated_seen) {
        return r53_fail(err, R53_ERR_PARSE, "response has no IsTruncated");
    }
    if (out->is_truncated && out->next_name[0] == '\0') {
        return r53_fail(err, R53_ERR_PARSE,
                        "response IsTruncated is true but has no NextRecordName");
    }
    return R53_OK;
}

r53_rc r53_xml_rrset_page(const char *body, size_t len, struct r53_rrset_page *out,
                          struct r53_error *err)
{
    static const char *const roots[] = { "ListResourceRecordSetsResponse", NULL };
    static const struct reader r = {
        .roots = roots,
        .on_start = rrset_start,
        .on_end = rrset_end,
        .finish = rrset_finish,
    };

    return read_body(&r, body, len, out, sizeof(*out), err);
}

/* ---- Hosted zones ---- */

/* Store a HostedZone child; path is below the HostedZone element. */
static r53_rc zone_field(struct xml_ctx *c, struct r53_zone *z, const char *path,
                         struct r53_error *err)
{
    if (strcmp(path, "") == 0) {
        return item_end(c, "HostedZone", z->id, "Id", z->name, "Name", err);
    }
    if (strcmp(path, "/Id") == 0) {
        return xml_take(c, z->id, sizeof(z->id), "HostedZone/Id", err);
    }
    if (strcmp(path, "/Name") == 0) {
        return xml_take(c, z->name, sizeof(z->name), "HostedZone/Name", err);
    }
    if (strcmp(path, "/Config/PrivateZone") == 0) {
        return xml_take_bool(c, &z->private_zone, "HostedZone/Config/PrivateZone", err);
    }
    return R53_OK;
}

#define ZONE "HostedZones/HostedZone"

static r53_rc zones_start(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct r53_zone_page *out = c->out;

    (void)err; /* starting an element never fails */
    if (strcmp(path, ZONE) == 0) {
        out->n_zones++;
        c->cur = out->n_zones <= R53_MAX_ZONES ? &out->zones[out->n_zones - 1] : NULL;
    }
    return R53_OK;
}

static r53_rc zones_end(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct r53_zone_page *out = c->out;

    if (strcmp(path, "IsTruncated") == 0) {
        c->truncated_seen = true;
        return xml_take_bool(c, &out->is_truncated, "IsTruncated", err);
    }
    if (strcmp(path, "NextDNSName") == 0) {
        return xml_take(c, out->next_dns_name, sizeof(out->next_dns_name), "NextDNSName", err);
    }
    if (strncmp(path, ZONE, strlen(ZONE)) != 0 || c->cur == NULL) {
        return R53_OK;
    }
    return zone_field(c, c->cur, path + strlen(ZONE), err);
}

static r53_rc zones_finish(const struct xml_ctx *c, void *o, struct r53_error *err)
{
    const struct r53_zone_page *out = o;

    (void)c;
    /* IsTruncated may be absent (moto 5.2.1 omits it here): a missing
     * one reads as false.  A true one must say where to go on. */
    if (out->is_truncated && out->next_dns_name[0] == '\0') {
        return r53_fail(err, R53_ERR_PARSE, "response IsTruncated is true but has no NextDNSName");
    }
    return R53_OK;
}

r53_rc r53_xml_zone_page(const char *body, size_t len, struct r53_zone_page *out,
                         struct r53_error *err)
{
    static const char *const roots[] = { "ListHostedZonesByNameResponse", NULL };
    static const struct reader r = {
        .roots = roots,
        .on_start = zones_start,
        .on_end = zones_end,
        .finish = zones_finish,
    };

    return read_body(&r, body, len, out, sizeof(*out), err);
}

static r53_rc hosted_zone_start(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    (void)err; /* starting an element never fails */
    if (strcmp(path, "HostedZone") == 0) {
        c->cur = c->out;
    }
    return R53_OK;
}

static r53_rc hosted_zone_end(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct r53_zone *z = c->out;

    if (strcmp(path, "DelegationSet/NameServers/NameServer") == 0) {
        if (z->n_name_servers == R53_MAX_NAME_SERVERS) {
            return R53_OK; /* more than Route 53 gives: the first ones do */
        }
        return xml_take(c, z->name_servers[z->n_name_servers++], sizeof(z->name_servers[0]),
                        "DelegationSet/NameServers/NameServer", err);
    }
    if (strncmp(path, "HostedZone", strlen("HostedZone")) != 0 || c->cur == NULL) {
        return R53_OK;
    }
    return zone_field(c, c->cur, path + strlen("HostedZone"), err);
}

static r53_rc hosted_zone_finish(const struct xml_ctx *c, void *o, struct r53_error *err)
{
    const struct r53_zone *out = o;

    (void)c;
    return out->id[0] == '\0' ? r53_fail(err, R53_ERR_PARSE, "response has no HostedZone/Id")
                              : R53_OK;
}

r53_rc r53_xml_hosted_zone(const char *body, size_t len, struct r53_zone *out,
                           struct r53_error *err)
{
    static const char *const roots[] = { "GetHostedZoneResponse", NULL };
    static const struct reader r = {
        .roots = roots,
        .on_start = hosted_zone_start,
        .on_end = hosted_zone_end,
        .finish = hosted_zone_finish,
    };

    return read_body(&r, body, len, out, sizeof(*out), err);
}
