#include "route53.h"

#include <ctype.h>
#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "retry.h"
#include "sigv4.h"
#include "util.h"

#define API "/2013-04-01"

struct r53_client {
    char base[512];      /* "https://host[:port]" */
    char authority[256]; /* "host[:port]", the signed Host header */
    const char *region;
    struct http_client *http;
    const struct credentials *creds;
    struct retry_policy retry;
    r53_refresh_fn refresh;
    void *refresh_ctx;
    struct r53_send_hooks hooks;
    unsigned requests;
};

r53_rc r53_client_new(const char *endpoint, struct http_client *http,
                      const struct credentials *creds, struct r53_client **out)
{
    struct r53_client *c = NULL;
    const char *host = NULL;
    size_t host_len = 0;

    *out = NULL;
    if (strncasecmp(endpoint, "https://", 8) != 0) {
        return r53_fail(R53_ERR_INTERNAL, "endpoint '%s' is not an https:// URL", endpoint);
    }
    host = endpoint + 8;
    host_len = strcspn(host, "/?#");
    if (host_len == 0 || host_len >= sizeof(c->authority) || memchr(host, '@', host_len) != NULL ||
        strspn(host + host_len, "/") != strlen(host + host_len)) {
        return r53_fail(R53_ERR_CONFIG,
                        "endpoint '%s' must be https://HOST[:PORT] with no path or user", endpoint);
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return r53_fail(R53_ERR_NOMEM, "out of memory");
    }
    memcpy(c->authority, host, host_len);
    for (char *p = c->authority; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    snprintf(c->base, sizeof(c->base), "https://%s", c->authority);
    c->region = sigv4_region_for_endpoint(endpoint);
    c->http = http;
    c->creds = creds;
    c->retry = (struct retry_policy){ 1, 0, 0, 0, 0 };
    *out = c;
    return R53_OK;
}

void r53_client_free(struct r53_client *c)
{
    free(c);
}

void r53_client_set_retry(struct r53_client *c, const struct retry_policy *policy)
{
    c->retry = *policy;
}

void r53_client_set_refresh(struct r53_client *c, r53_refresh_fn refresh, void *ctx)
{
    c->refresh = refresh;
    c->refresh_ctx = ctx;
}

void r53_client_set_hooks(struct r53_client *c, const struct r53_send_hooks *hooks)
{
    c->hooks = *hooks;
}

unsigned r53_client_requests(const struct r53_client *c)
{
    return c->requests;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
static void query_escape(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in != '\0' && o + 4 < outlen; in++) {
        unsigned char ch = (unsigned char)*in;

        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
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
static r53_rc rc_for_api_error(long status, const char *code)
{
    static const struct {
        const char *code;
        r53_rc rc;
    } table[] = {
        { "Throttling", R53_ERR_THROTTLED },
        { "ThrottlingException", R53_ERR_THROTTLED },
        { "PriorRequestNotComplete", R53_ERR_THROTTLED },
        { "AccessDenied", R53_ERR_AUTH },
        { "AccessDeniedException", R53_ERR_AUTH },
        { "InvalidClientTokenId", R53_ERR_AUTH },
        { "SignatureDoesNotMatch", R53_ERR_AUTH },
        { "ExpiredToken", R53_ERR_EXPIRED },
        { "RequestExpired", R53_ERR_AUTH },
        { "IncompleteSignature", R53_ERR_AUTH },
        { "MissingAuthenticationToken", R53_ERR_AUTH },
        { "UnrecognizedClientException", R53_ERR_AUTH },
        { "NoSuchHostedZone", R53_ERR_NO_ZONE },
        { "InvalidChangeBatch", R53_ERR_CHANGE },
        { "InvalidInput", R53_ERR_CHANGE },
        { "NoSuchChange", R53_ERR_NOT_FOUND },
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(code, table[i].code) == 0) {
            return table[i].rc;
        }
    }
    return status >= 500 ? R53_ERR_SERVER : R53_ERR_API;
}

/* The failure an error answer stands for; its code goes to code_out. */
static r53_rc api_failure(const char *op, const struct http_response *resp, char *code_out,
                          size_t code_len)
{
    struct r53_api_error err = { 0 };
    char excerpt[81];

    if (r53_xml_error(resp->body, resp->body_len, &err) != R53_OK) {
        util_printable_n(resp->body, resp->body_len, excerpt, sizeof(excerpt));
        return r53_fail(resp->status >= 500 ? R53_ERR_SERVER : R53_ERR_HTTP,
                        "%s: HTTP %ld that is not a Route 53 error: '%s'", op, resp->status,
                        excerpt);
    }
    snprintf(code_out, code_len, "%s", err.code);
    /* AWS words clock skew as "Signature expired: <when> is now earlier
     * than ..."; the fix is this node's clock, not the keys. */
    return r53_fail(rc_for_api_error(resp->status, err.code), "%s: %s (HTTP %ld): %s%s", op,
                    err.code, resp->status, err.message,
                    strstr(err.message, "Signature expired") != NULL ||
                            strcmp(err.code, "RequestExpired") == 0
                        ? " (this node's clock is off by more than 5 minutes: check NTP)"
                        : "");
}

/* Name the operation in a reader's failure, so the reason says which
 * answer could not be read. */
static r53_rc read_failure(const char *op, r53_rc rc)
{
    return rc == R53_OK ? R53_OK : r53_fail(rc, "%s: %s", op, r53_last_error());
}

/* Sign and send one request; R53_OK only for a 2xx answer, whose body
 * the caller then owns in *resp. */
static r53_rc call_once(struct r53_client *c, const char *op, const char *method, const char *path,
                        const char *query, const char *body, struct http_response *resp)
{
    r53_rc rc = R53_OK;
    char amz_date[17];
    char url[2048];
    char *authorization = NULL;
    struct sigv4_header sig_headers[3];
    struct http_header headers[4];
    size_t n = 0;
    size_t body_len = body != NULL ? strlen(body) : 0;
    char code[64] = "";

    sigv4_amz_date(time(NULL), amz_date);
    sig_headers[n++] = (struct sigv4_header){ "host", c->authority };
    sig_headers[n++] = (struct sigv4_header){ "x-amz-date", amz_date };
    if (c->creds->session_token != NULL) {
        sig_headers[n++] = (struct sigv4_header){ "x-amz-security-token", c->creds->session_token };
    }
    {
        struct sigv4_request sreq = { method,      path, query,
                                      sig_headers, n,    (const unsigned char *)body,
                                      body_len };
        struct sigv4_key key = { c->creds->access_key_id, c->creds->secret_access_key };
        struct sigv4_scope scope = { amz_date, c->region, "route53" };

        rc = sigv4_authorization(&sreq, &key, &scope, &authorization);
        if (rc != R53_OK) {
            goto cleanup;
        }
    }
    for (size_t i = 0; i < n; i++) {
        headers[i] = (struct http_header){ sig_headers[i].name, sig_headers[i].value };
    }
    headers[n] = (struct http_header){ "Authorization", authorization };

    snprintf(url, sizeof(url), "%s%s%s%s", c->base, path, query != NULL ? "?" : "",
             query != NULL ? query : "");
    if (c->hooks.before != NULL &&
        (rc = c->hooks.before(c->hooks.ctx, c->retry.deadline_ms)) != R53_OK) {
        rc = r53_fail(rc, "%s: %s", op, r53_last_error());
        goto cleanup;
    }
    {
        struct http_request req = { method, url, headers, n + 1, body, body_len };

        c->requests++;
        rc = http_perform(c->http, &req, resp);
    }
    if (rc != R53_OK) {
        rc = r53_fail(rc, "%s: %s", op, r53_last_error());
        goto cleanup;
    }
    qb_log(LOG_DEBUG, "%s %s -> HTTP %ld", op, path, resp->status);
    if (resp->status < 200 || resp->status > 299) {
        rc = api_failure(op, resp, code, sizeof(code));
        http_response_free(resp);
    }
    if (c->hooks.after != NULL) {
        c->hooks.after(c->hooks.ctx, code);
    }

cleanup:
    if (authorization != NULL) {
        mbedtls_platform_zeroize(authorization, strlen(authorization));
        free(authorization);
    }
    return rc;
}

/* The reason when retries did not help: how often, how long, and why. */
static r53_rc gave_up(r53_rc rc, unsigned tries, int64_t started)
{
    if (tries < 2) {
        return rc;
    }
    return r53_fail(rc, "gave up after %u tries in %.1f s: %s", tries,
                    (double)(util_now_ms() - started) / 1000.0, r53_last_error());
}

/* call_once under the retry policy: the one place requests are retried.
 * Expired temporary credentials are renewed once, not counted as a try. */
static r53_rc call(struct r53_client *c, const char *op, const char *method, const char *path,
                   const char *query, const char *body, struct http_response *resp)
{
    r53_rc rc = R53_OK;
    bool renewed = false;
    int64_t started = util_now_ms();
    int64_t pause = 0;

    for (unsigned tries = 0;;) {
        rc = call_once(c, op, method, path, query, body, resp);
        if (rc == R53_ERR_EXPIRED && c->refresh != NULL && !renewed) {
            qb_log(LOG_NOTICE, "%s; fetching fresh credentials", r53_last_error());
            renewed = true;
            if (c->refresh(c->refresh_ctx) != R53_OK) {
                return r53_fail(R53_ERR_EXPIRED,
                                "%s: credentials expired and cannot be renewed: %s", op,
                                r53_last_error());
            }
            continue;
        }
        tries++;
        if (!retry_worth(rc)) {
            return rc == R53_ERR_TIMEOUT ? gave_up(rc, tries, started) : rc;
        }
        pause = retry_pause_ms(&c->retry, tries, util_now_ms(), retry_random());
        if (pause < 0) {
            return gave_up(rc, tries, started);
        }
        qb_log(LOG_WARNING, "try %u: %s; again in %lld ms", tries, r53_last_error(),
               (long long)pause);
        retry_sleep_ms(pause);
    }
}

/* "Z1" from "/hostedzone/Z1" or "Z1"; refuses ids that would change the path. */
static r53_rc bare_id(const char *id, const char *prefix, char *out, size_t outlen)
{
    id = util_strip_prefix(id, prefix);
    if (id[0] == '\0' || strlen(id) >= outlen ||
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "abcdefghijklmnopqrstuvwxyz"
                   "0123456789_-") != strlen(id)) {
        return r53_fail(R53_ERR_PARSE, "'%s' is not a valid Route 53 id", id);
    }
    memcpy(out, id, strlen(id) + 1);
    return R53_OK;
}

/* Compare DNS names ignoring case and a trailing dot. */
static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);

    if (la > 0 && a[la - 1] == '.') {
        la--;
    }
    if (lb > 0 && b[lb - 1] == '.') {
        lb--;
    }
    return la == lb && strncasecmp(a, b, la) == 0;
}

r53_rc r53_find_zone(struct r53_client *c, const char *dns_name, struct r53_zone *out)
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
        return r53_fail(R53_ERR_NOMEM, "out of memory");
    }
    query_escape(dns_name, name, sizeof(name));
    snprintf(query, sizeof(query), "dnsname=%s&maxitems=%d", name, R53_MAX_ZONES);
    rc = call(c, "ListHostedZonesByName", "GET", API "/hostedzonesbyname", query, NULL, &resp);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = read_failure("ListHostedZonesByName", r53_xml_zone_page(resp.body, resp.body_len, page));
    if (rc != R53_OK) {
        goto cleanup;
    }
    for (size_t i = 0; i < page->n_zones && i < R53_MAX_ZONES; i++) {
        if (same_name(page->zones[i].name, dns_name)) {
            if (matches < 2) {
                found[matches] = &page->zones[i];
            }
            matches++;
        }
    }
    if (matches == 0) {
        rc = r53_fail(R53_ERR_NO_ZONE, "no hosted zone named '%s' in this account; check zone",
                      dns_name);
    } else if (matches > 1) {
        rc = r53_fail(R53_ERR_CONFIG,
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

r53_rc r53_get_zone(struct r53_client *c, const char *zone_id, struct r53_zone *out)
{
    r53_rc rc = R53_OK;
    char id[64];
    char path[128];
    struct http_response resp = { 0 };

    rc = bare_id(zone_id, "/hostedzone/", id, sizeof(id));
    if (rc != R53_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), API "/hostedzone/%s", id);
    rc = call(c, "GetHostedZone", "GET", path, NULL, NULL, &resp);
    if (rc == R53_OK) {
        rc = read_failure("GetHostedZone", r53_xml_hosted_zone(resp.body, resp.body_len, out));
    }
    http_response_free(&resp);
    return rc;
}

r53_rc r53_get_record(struct r53_client *c, const char *zone_id, const char *fqdn, const char *type,
                      struct r53_rrset *out)
{
    r53_rc rc = R53_OK;
    char id[64];
    char path[128];
    char name[600];
    char query[800];
    struct http_response resp = { 0 };
    struct r53_rrset_page *page = NULL;
    const struct r53_rrset *first = NULL;

    rc = bare_id(zone_id, "/hostedzone/", id, sizeof(id));
    if (rc != R53_OK) {
        return rc;
    }
    page = calloc(1, sizeof(*page));
    if (page == NULL) {
        return r53_fail(R53_ERR_NOMEM, "out of memory");
    }
    /* name and type are where the listing starts: the first record set
     * returned is ours if it exists. */
    snprintf(path, sizeof(path), API "/hostedzone/%s/rrset", id);
    query_escape(fqdn, name, sizeof(name));
    snprintf(query, sizeof(query), "name=%s&type=%s&maxitems=1", name, type);
    rc = call(c, "ListResourceRecordSets", "GET", path, query, NULL, &resp);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = read_failure("ListResourceRecordSets", r53_xml_rrset_page(resp.body, resp.body_len, page));
    if (rc != R53_OK) {
        goto cleanup;
    }
    first = page->n_rrsets > 0 ? &page->rrsets[0] : NULL;
    if (first == NULL || !same_name(first->name, fqdn) || strcmp(first->type, type) != 0) {
        rc = r53_fail(R53_ERR_NOT_FOUND, "no %s record named %s", type, fqdn);
        goto cleanup;
    }
    if (first->set_identifier[0] != '\0' || first->alias) {
        rc = r53_fail(R53_ERR_CONFIG,
                      "%s %s is an %s record; this agent manages only simple records", fqdn, type,
                      first->alias ? "alias" : "routing-policy");
        goto cleanup;
    }
    *out = *first;

cleanup:
    free(page);
    http_response_free(&resp);
    return rc;
}

r53_rc r53_change(struct r53_client *c, const char *zone_id, const struct r53_change *change,
                  struct r53_change_info *out)
{
    r53_rc rc = R53_OK;
    char id[64];
    char path[128];
    char comment[300];
    char name[300];
    char value[300];
    char body[2048];
    struct http_response resp = { 0 };
    int n = 0;

    rc = bare_id(zone_id, "/hostedzone/", id, sizeof(id));
    if (rc != R53_OK) {
        return rc;
    }
    xml_escape(change->comment != NULL ? change->comment : "", comment, sizeof(comment));
    xml_escape(change->fqdn, name, sizeof(name));
    xml_escape(change->value, value, sizeof(value));
    /* Element order is the service model's; Route 53 rejects others. */
    n = snprintf(body, sizeof(body),
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<ChangeResourceRecordSetsRequest xmlns=\"" R53_XML_NS "\">"
                 "<ChangeBatch>%s%s%s<Changes><Change><Action>%s</Action>"
                 "<ResourceRecordSet><Name>%s</Name><Type>%s</Type><TTL>%ld</TTL>"
                 "<ResourceRecords><ResourceRecord><Value>%s</Value></ResourceRecord>"
                 "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
                 "</ChangeResourceRecordSetsRequest>",
                 comment[0] != '\0' ? "<Comment>" : "", comment,
                 comment[0] != '\0' ? "</Comment>" : "", change->action, name, change->type,
                 change->ttl, value);
    if (n < 0 || (size_t)n >= sizeof(body)) {
        return r53_fail(R53_ERR_INTERNAL, "change for %s is too long", change->fqdn);
    }
    snprintf(path, sizeof(path), API "/hostedzone/%s/rrset/", id);
    rc = call(c, "ChangeResourceRecordSets", "POST", path, NULL, body, &resp);
    if (rc == R53_OK) {
        rc = read_failure("ChangeResourceRecordSets",
                          r53_xml_change_info(resp.body, resp.body_len, out));
    }
    http_response_free(&resp);
    return rc;
}

r53_rc r53_get_change(struct r53_client *c, const char *change_id, struct r53_change_info *out)
{
    r53_rc rc = R53_OK;
    char id[64];
    char path[128];
    struct http_response resp = { 0 };

    rc = bare_id(change_id, "/change/", id, sizeof(id));
    if (rc != R53_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), API "/change/%s", id);
    rc = call(c, "GetChange", "GET", path, NULL, NULL, &resp);
    if (rc == R53_OK) {
        rc = read_failure("GetChange", r53_xml_change_info(resp.body, resp.body_len, out));
    }
    http_response_free(&resp);
    return rc;
}
