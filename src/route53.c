#include "route53.h"

#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_call.h"
#include "dnsname.h"
#include "endpoint.h"
#include "route53_xml.h"
#include "util.h"

#define API "/2013-04-01"

struct r53_client {
    struct aws_caller *caller;
};

r53_rc r53_client_new(const char *endpoint, struct http_client *http, struct cred_provider *creds,
                      struct r53_client **out, struct r53_error *err)
{
    struct endpoint ep;
    struct aws_service service = { "route53", endpoint_route53_region(endpoint), r53_xml_error };
    struct r53_client *c = NULL;
    r53_rc rc = endpoint_parse_https("endpoint", endpoint, &ep, err);

    *out = NULL;
    if (rc != R53_OK) {
        return rc;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    if ((rc = aws_caller_new(&ep, &service, http, creds, &c->caller, err)) != R53_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return R53_OK;
}

void r53_client_free(struct r53_client *c)
{
    if (c != NULL) {
        aws_caller_free(c->caller);
        free(c);
    }
}

struct aws_caller *r53_client_caller(struct r53_client *c)
{
    return c->caller;
}

/* Escape text for an XML element's content. */
static void xml_escape(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *in != '\0'; in++) {
        const char *rep = NULL;
        char one[2] = { *in, '\0' };

        switch (*in) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            rep = one;
            break;
        }
        if (o + strlen(rep) + 1 > outlen) {
            break;
        }
        memcpy(out + o, rep, strlen(rep));
        o += strlen(rep);
    }
    out[o] = '\0';
}

/* Map a Route 53 error code onto our codes. */
/* Name the operation in a reader's failure, so the reason says which
 * answer could not be read. */
static r53_rc read_failure(const char *op, r53_rc rc, struct r53_error *err)
{
    return rc == R53_OK ? R53_OK : r53_fail(err, rc, "%s: %s", op, err->reason);
}

/* One Route 53 request through the signed-call path. */
static r53_rc call(struct r53_client *c, const char *op, const char *method, const char *path,
                   const char *query, const char *body, struct http_response *resp,
                   struct r53_error *err)
{
    struct aws_request req = {
        .op = op,
        .method = method,
        .path = path,
        .query = query,
        .body = body,
    };

    return aws_call(c->caller, &req, resp, err);
}

/* "Z1" from "/hostedzone/Z1" or "Z1"; refuses ids that would change the path. */
static r53_rc bare_id(const char *id, const char *prefix, char *out, size_t outlen,
                      struct r53_error *err)
{
    id = util_strip_prefix(id, prefix);
    if (id[0] == '\0' || strlen(id) >= outlen ||
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "abcdefghijklmnopqrstuvwxyz"
                   "0123456789_-") != strlen(id)) {
        return r53_fail(err, R53_ERR_PARSE, "'%s' is not a valid Route 53 id", id);
    }
    memcpy(out, id, strlen(id) + 1);
    return R53_OK;
}

r53_rc r53_find_zone(struct r53_client *c, const char *dns_name, struct r53_zone *out,
                     struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char query[600];
    char name[300];
    struct http_response resp = { 0 };
    struct r53_zone_page *page = NULL;
    size_t matches = 0;
    const struct r53_zone *found[2] = { NULL, NULL };

    page = calloc(1, sizeof(*page));
    if (page == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    util_percent_encode(dns_name, name, sizeof(name));
    snprintf(query, sizeof(query), "dnsname=%s&maxitems=%d", name, R53_MAX_ZONES);
    rc = call(c, "ListHostedZonesByName", "GET", API "/hostedzonesbyname", query, NULL, &resp, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = read_failure("ListHostedZonesByName",
                      r53_xml_zone_page(resp.body, resp.body_len, page, err), err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    for (size_t i = 0; i < page->n_zones && i < R53_MAX_ZONES; i++) {
        if (dnsname_equal(page->zones[i].name, dns_name)) {
            if (matches < 2) {
                found[matches] = &page->zones[i];
            }
            matches++;
        }
    }
    if (matches == 0) {
        rc = r53_fail(err, R53_ERR_NO_ZONE, "no hosted zone named '%s' in this account; check zone",
                      dns_name);
    } else if (matches > 1) {
        rc = r53_fail(err, R53_ERR_CONFIG,
                      "%zu hosted zones are named '%s' (%s %s, %s %s); set zone_id to choose one",
                      matches, dns_name, found[0]->private_zone ? "private" : "public",
                      found[0]->id, found[1]->private_zone ? "private" : "public", found[1]->id);
    } else {
        *out = *found[0];
    }

cleanup:
    free(page);
    http_response_free(&resp);
    return rc;
}

/* Typed readers behind one signature, for get_by_id. */
typedef r53_rc (*answer_reader)(const char *body, size_t len, void *out, struct r53_error *err);

static r53_rc read_hosted_zone(const char *body, size_t len, void *out, struct r53_error *err)
{
    return r53_xml_hosted_zone(body, len, out, err);
}

static r53_rc read_change_info(const char *body, size_t len, void *out, struct r53_error *err)
{
    return r53_xml_change_info(body, len, out, err);
}

/* GET API/<kind>/<id> (id with or without "/<kind>/") into out. */
static r53_rc get_by_id(struct r53_client *c, const char *op, const char *kind, const char *id,
                        answer_reader read, void *out, struct r53_error *err)
{
    char prefix[32];
    char bare[64];
    char path[128];
    struct http_response resp = { 0 };
    r53_rc rc = R53_OK;

    snprintf(prefix, sizeof(prefix), "/%s/", kind);
    if ((rc = bare_id(id, prefix, bare, sizeof(bare), err)) != R53_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), API "/%s/%s", kind, bare);
    if ((rc = call(c, op, "GET", path, NULL, NULL, &resp, err)) == R53_OK) {
        rc = read_failure(op, read(resp.body, resp.body_len, out, err), err);
    }
    http_response_free(&resp);
    return rc;
}

r53_rc r53_get_zone(struct r53_client *c, const char *zone_id, struct r53_zone *out,
                    struct r53_error *err)
{
    return get_by_id(c, "GetHostedZone", "hostedzone", zone_id, read_hosted_zone, out, err);
}

/* One ListResourceRecordSets page from (name, type, identifier); type
 * and identifier may be "". */
static r53_rc list_page(struct r53_client *c, const char *id, const char *name, const char *type,
                        const char *identifier, struct r53_rrset_page *page, struct r53_error *err)
{
    char path[128];
    char enc[600];
    char enc_id[400];
    char query[1200];
    struct http_response resp = { 0 };
    r53_rc rc = R53_OK;
    int n = 0;

    snprintf(path, sizeof(path), API "/hostedzone/%s/rrset", id);
    util_percent_encode(name, enc, sizeof(enc));
    n = snprintf(query, sizeof(query), "name=%s", enc);
    if (type[0] != '\0') {
        n += snprintf(query + n, sizeof(query) - (size_t)n, "&type=%s", type);
    }
    if (identifier[0] != '\0') {
        util_percent_encode(identifier, enc_id, sizeof(enc_id));
        n += snprintf(query + n, sizeof(query) - (size_t)n, "&identifier=%s", enc_id);
    }
    snprintf(query + n, sizeof(query) - (size_t)n, "&maxitems=%d", R53_MAX_RRSETS);
    rc = call(c, "ListResourceRecordSets", "GET", path, query, NULL, &resp, err);
    if (rc == R53_OK) {
        rc = read_failure("ListResourceRecordSets",
                          r53_xml_rrset_page(resp.body, resp.body_len, page, err), err);
    }
    http_response_free(&resp);
    return rc;
}

/* How much a record set matters to a caller that keeps member ident
 * (or, ident "", the plain set) of type: 0 every plain set and that
 * member, 1 the type's other members, 2 the rest. */
static int rank(const struct r53_rrset *rr, const char *type, const char *ident)
{
    bool of_type = strcmp(rr->type, type) == 0;

    if (rr->set_identifier[0] == '\0' || (of_type && strcmp(rr->set_identifier, ident) == 0)) {
        return 0;
    }
    return of_type ? 1 : 2;
}

/* Keep rr in out (once), in place of the set that matters least when
 * out is full.  False when it matters (rank 0) and cannot be kept. */
static bool keep(struct r53_name *out, const struct r53_rrset *rr, const char *type,
                 const char *ident)
{
    size_t worst = 0;
    int r = rank(rr, type, ident);

    if (r53_name_find(out, rr->type, rr->set_identifier) != NULL) {
        return true; /* seen again from a page start of our own */
    }
    if (out->n < R53_MAX_TYPES) {
        out->sets[out->n++] = *rr;
        return true;
    }
    for (size_t i = 1; i < out->n; i++) {
        worst = rank(&out->sets[i], type, ident) > rank(&out->sets[worst], type, ident) ? i : worst;
    }
    if (rank(&out->sets[worst], type, ident) <= r) {
        return r > 0;
    }
    /* (Listing order kept: the others move up, rr goes last.) */
    memmove(&out->sets[worst], &out->sets[worst + 1], (out->n - worst - 1) * sizeof(out->sets[0]));
    out->sets[out->n - 1] = *rr;
    return true;
}

/* Keep the sets of page at fqdn; *at_name false once the listing has
 * passed the name. */
static r53_rc keep_page(const struct r53_rrset_page *page, const char *fqdn, const char *type,
                        const char *ident, struct r53_name *out, bool *at_name,
                        struct r53_error *err)
{
    for (size_t i = 0; i < page->n_rrsets && i < R53_MAX_RRSETS && *at_name; i++) {
        *at_name = dnsname_equal(page->rrsets[i].name, fqdn);
        if (*at_name && !keep(out, &page->rrsets[i], type, ident)) {
            return r53_fail(err, R53_ERR_API,
                            "%s holds more than the %d plain record sets (our member among them) "
                            "this agent reads",
                            fqdn, R53_MAX_TYPES);
        }
    }
    return R53_OK;
}

/* Past R53_MAX_NAME_PAGES: the listing from (type, ident), our member,
 * and from TXT (the markers' set), one page each. */
static r53_rc keep_ours(struct r53_client *c, const char *id, const char *fqdn, const char *type,
                        const char *ident, struct r53_rrset_page *page, struct r53_name *out,
                        struct r53_error *err)
{
    const char *starts[2][2] = { { type, ident }, { "TXT", "" } };
    r53_rc rc = R53_OK;

    for (size_t i = ident[0] != '\0' ? 0 : 1; i < 2 && rc == R53_OK; i++) {
        bool at_name = true;

        if ((rc = list_page(c, id, fqdn, starts[i][0], starts[i][1], page, err)) == R53_OK &&
            page->n_rrsets > 0 && strcmp(page->rrsets[0].type, starts[i][0]) == 0) {
            page->n_rrsets = 1; /* that set alone */
            rc = keep_page(page, fqdn, type, ident, out, &at_name, err);
        }
    }
    return rc;
}

r53_rc r53_get_name(struct r53_client *c, const char *zone_id, const char *fqdn, const char *type,
                    const char *set_identifier, struct r53_name *out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char id[64];
    struct r53_rrset_page *page = NULL;
    const char *ident = set_identifier != NULL ? set_identifier : "";
    bool more = true;
    int pages = 1;

    memset(out, 0, sizeof(*out));
    if ((rc = bare_id(zone_id, "/hostedzone/", id, sizeof(id), err)) != R53_OK) {
        return rc;
    }
    if ((page = calloc(1, sizeof(*page))) == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    /* The listing starts at the name: its record sets come first, in
     * type then set identifier order, then the names after it.  A page
     * that ends inside the name says where it goes on. */
    for (rc = list_page(c, id, fqdn, "", "", page, err); rc == R53_OK && more; pages++) {
        if ((rc = keep_page(page, fqdn, type, ident, out, &more, err)) != R53_OK) {
            break;
        }
        more = more && page->is_truncated && dnsname_equal(page->next_name, fqdn);
        if (more && pages == R53_MAX_NAME_PAGES) {
            rc = keep_ours(c, id, fqdn, type, ident, page, out, err);
            break;
        }
        if (more) {
            char next_type[sizeof(page->next_type)];
            char next_ident[sizeof(page->next_identifier)];

            /* (The page is read over: its pointers go first.) */
            snprintf(next_type, sizeof(next_type), "%s", page->next_type);
            snprintf(next_ident, sizeof(next_ident), "%s", page->next_identifier);
            rc = list_page(c, id, fqdn, next_type, next_ident, page, err);
        }
    }
    free(page);
    return rc;
}

const struct r53_rrset *r53_name_find(const struct r53_name *name, const char *type,
                                      const char *set_identifier)
{
    for (size_t i = 0; i < name->n; i++) {
        if (strcmp(name->sets[i].type, type) == 0 &&
            (set_identifier == NULL || strcmp(name->sets[i].set_identifier, set_identifier) == 0)) {
            return &name->sets[i];
        }
    }
    return NULL;
}

/* printf at body[*used]; false (and *used past cap) once it does not fit. */
static bool put(char *body, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool put(char *body, size_t cap, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (*used >= cap) {
        return false;
    }
    va_start(ap, fmt);
    n = vsnprintf(body + *used, cap - *used, fmt, ap);
    va_end(ap);
    *used = n < 0 ? cap : *used + (size_t)n;
    return *used < cap;
}

/* A member's SetIdentifier and policy, in the model's order (Weight,
 * Region, Failover, MultiValueAnswer), which comes before TTL. */
static bool put_policy(const struct r53_change *ch, char *body, size_t cap, size_t *used)
{
    const struct r53_routing *r = ch->routing;
    char id[400];
    char text[200];
    bool ok = true;

    /* Fields read back from an answer are escaped like any other text. */
    xml_escape(ch->set_identifier, id, sizeof(id));
    ok = put(body, cap, used, "<SetIdentifier>%s</SetIdentifier>", id);
    if (ok && r->weighted) {
        ok = put(body, cap, used, "<Weight>%ld</Weight>", r->weight);
    }
    if (ok && r->region[0] != '\0') {
        xml_escape(r->region, text, sizeof(text));
        ok = put(body, cap, used, "<Region>%s</Region>", text);
    }
    if (ok && r->failover[0] != '\0') {
        xml_escape(r->failover, text, sizeof(text));
        ok = put(body, cap, used, "<Failover>%s</Failover>", text);
    }
    if (ok && r->multivalue) {
        ok = put(body, cap, used, "<MultiValueAnswer>true</MultiValueAnswer>");
    }
    return ok;
}

/* Append one Change element to the batch body at *used. */
static r53_rc append_change(const struct r53_change *ch, char *body, size_t cap, size_t *used,
                            struct r53_error *err)
{
    char name[300];
    char value[1100];
    size_t at = *used;
    bool member =
        ch->set_identifier != NULL && ch->set_identifier[0] != '\0' && ch->routing != NULL;
    bool ok = true;

    xml_escape(ch->fqdn, name, sizeof(name));
    /* Element order is the service model's; Route 53 rejects others. */
    ok = put(body, cap, &at,
             "<Change><Action>%s</Action><ResourceRecordSet><Name>%s</Name><Type>%s</Type>",
             ch->action, name, ch->type);
    if (ok && member) {
        ok = put_policy(ch, body, cap, &at);
    }
    ok = ok && put(body, cap, &at, "<TTL>%ld</TTL><ResourceRecords>", ch->ttl);
    for (size_t i = 0; ok && i < ch->n_values; i++) {
        xml_escape(ch->values[i], value, sizeof(value));
        ok = put(body, cap, &at, "<ResourceRecord><Value>%s</Value></ResourceRecord>", value);
    }
    ok = ok && put(body, cap, &at, "</ResourceRecords>");
    if (ok && member && ch->routing->health_check_id[0] != '\0') {
        xml_escape(ch->routing->health_check_id, value, sizeof(value));
        ok = put(body, cap, &at, "<HealthCheckId>%s</HealthCheckId>", value);
    }
    ok = ok && put(body, cap, &at, "</ResourceRecordSet></Change>");
    if (!ok || ch->n_values == 0) {
        return r53_fail(err, R53_ERR_INTERNAL, "change for %s is too long or empty", ch->fqdn);
    }
    *used = at;
    return R53_OK;
}

r53_rc r53_change_batch(struct r53_client *c, const char *zone_id, const struct r53_change *changes,
                        size_t n_changes, const char *comment, struct r53_change_info *out,
                        struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char id[64];
    char path[128];
    char escaped[300];
    char body[16384];
    size_t used = 0;
    struct http_response resp = { 0 };

    if ((rc = bare_id(zone_id, "/hostedzone/", id, sizeof(id), err)) != R53_OK) {
        return rc;
    }
    xml_escape(comment != NULL ? comment : "", escaped, sizeof(escaped));
    used = (size_t)snprintf(body, sizeof(body),
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                            "<ChangeResourceRecordSetsRequest xmlns=\"" R53_XML_NS "\">"
                            "<ChangeBatch>%s%s%s<Changes>",
                            escaped[0] != '\0' ? "<Comment>" : "", escaped,
                            escaped[0] != '\0' ? "</Comment>" : "");
    for (size_t i = 0; i < n_changes && rc == R53_OK; i++) {
        rc = append_change(&changes[i], body, sizeof(body), &used, err);
    }
    if (rc != R53_OK) {
        return rc;
    }
    if (used + 64 >= sizeof(body)) {
        return r53_fail(err, R53_ERR_INTERNAL, "change batch is too long");
    }
    snprintf(body + used, sizeof(body) - used,
             "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
    snprintf(path, sizeof(path), API "/hostedzone/%s/rrset/", id);
    rc = call(c, "ChangeResourceRecordSets", "POST", path, NULL, body, &resp, err);
    if (rc == R53_OK) {
        rc = read_failure("ChangeResourceRecordSets",
                          r53_xml_change_info(resp.body, resp.body_len, out, err), err);
    }
    http_response_free(&resp);
    return rc;
}

r53_rc r53_get_change(struct r53_client *c, const char *change_id, struct r53_change_info *out,
                      struct r53_error *err)
{
    return get_by_id(c, "GetChange", "change", change_id, read_change_info, out, err);
}

bool r53_routing_equal(const struct r53_routing *a, const struct r53_routing *b)
{
    static const struct r53_routing none = { 0 };

    a = a != NULL ? a : &none;
    b = b != NULL ? b : &none;
    return a->weighted == b->weighted && (!a->weighted || a->weight == b->weight) &&
           strcmp(a->failover, b->failover) == 0 && strcmp(a->region, b->region) == 0 &&
           a->multivalue == b->multivalue && strcmp(a->health_check_id, b->health_check_id) == 0;
}
