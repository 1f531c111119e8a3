#include "xml.h"

#include <expat.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Route 53 answers nest five levels deep; anything far deeper is not one. */
#define XML_MAX_DEPTH 32
/* Longer element names are never ours: they get an unmatchable component. */
#define XML_MAX_NAME 64
/* Character data kept per element: more than any field we store. */
#define XML_TEXT_MAX 1024
/* expat takes an int length: feed big bodies in pieces. */
#define XML_CHUNK (64 * 1024)
/* Appended to an error message that did not fit, so the cut is visible. */
#define XML_CUT_MARK " [...]"

struct xml_ctx;

/* Called with the element's path below the root ("ChangeInfo/Id").
 * Return R53_OK or an r53_fail() code, which stops the parse. */
typedef r53_rc (*xml_event_fn)(struct xml_ctx *c, const char *path);

struct xml_ctx {
    XML_Parser parser;
    const char *const *roots; /* accepted root local names, NULL-ended */
    xml_event_fn on_start;    /* may be NULL */
    xml_event_fn on_end;
    void *out; /* the reader's result struct */
    void *cur; /* the reader's current item, or NULL */
    bool cut;  /* error message already cut short */
    r53_rc rc; /* first failure met inside a handler */
    bool root_seen;
    size_t root_index;   /* which of roots[] the body has */
    bool truncated_seen; /* an IsTruncated element was read */
    int depth;           /* elements open, root included */
    size_t path_len[XML_MAX_DEPTH + 1];
    char path[XML_MAX_DEPTH * (XML_MAX_NAME + 1) + 1];
    char text[XML_TEXT_MAX + 1];
    size_t text_len;
    bool text_over; /* the element's text exceeded text[] */
};

/* Record a failure from inside a handler and stop expat. */
static void xml_abort(struct xml_ctx *c, r53_rc rc)
{
    if (c->rc == R53_OK) {
        c->rc = rc;
    }
    XML_StopParser(c->parser, XML_FALSE);
}

/* Split an expat "uri local" name; *local points into name. */
static bool xml_in_ns(const char *name, const char **local)
{
    const char *sep = strrchr(name, ' '); /* local names have no space */

    if (sep == NULL) {
        *local = name;
        return false;
    }
    *local = sep + 1;
    return (size_t)(sep - name) == strlen(R53_XML_NS) &&
           strncmp(name, R53_XML_NS, strlen(R53_XML_NS)) == 0;
}

static r53_rc xml_check_root(struct xml_ctx *c, const char *name)
{
    const char *local = NULL;
    bool ours = xml_in_ns(name, &local);
    char found[XML_MAX_NAME + 1] = "";
    char want[160] = "";
    char ns[128] = "";
    size_t i = 0;

    for (i = 0; c->roots[i] != NULL; i++) {
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s<%s>", i == 0 ? "" : " or ",
                 c->roots[i]);
    }
    util_printable(local, found, sizeof(found));
    if (local == name) {
        return r53_fail(R53_ERR_PARSE,
                        "response root element <%s> has no namespace, "
                        "expected %s in %s",
                        found, want, R53_XML_NS);
    }
    if (!ours) {
        size_t ns_len = (size_t)(local - 1 - name);
        char raw[128] = "";

        memcpy(raw, name, ns_len < sizeof(raw) - 1 ? ns_len : sizeof(raw) - 1);
        return r53_fail(R53_ERR_PARSE,
                        "response root element <%s> is in namespace %s, "
                        "expected %s",
                        found, util_printable(raw, ns, sizeof(ns)), R53_XML_NS);
    }
    for (i = 0; c->roots[i] != NULL; i++) {
        if (strcmp(local, c->roots[i]) == 0) {
            c->root_index = i;
            return R53_OK;
        }
    }
    return r53_fail(R53_ERR_PARSE, "response root element is <%s>, expected %s", found, want);
}

static void XMLCALL xml_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    struct xml_ctx *c = data;
    const char *local = NULL;
    size_t len = 0;
    r53_rc rc = R53_OK;

    (void)atts;
    if (c->rc != R53_OK) {
        return;
    }
    c->text_len = 0;
    c->text_over = false;
    if (c->depth == 0) {
        c->root_seen = true;
        rc = xml_check_root(c, name);
        if (rc != R53_OK) {
            xml_abort(c, rc);
            return;
        }
        c->depth = 1;
        c->path_len[0] = 0;
        c->path[0] = '\0';
        return;
    }
    if (c->depth >= XML_MAX_DEPTH) {
        xml_abort(c, r53_fail(R53_ERR_PARSE, "response elements nest deeper than %d levels",
                              XML_MAX_DEPTH));
        return;
    }
    /* Elements outside our namespace, or absurdly named, match nothing. */
    if (!xml_in_ns(name, &local) || strlen(local) > XML_MAX_NAME) {
        local = "#";
    }
    len = c->path_len[c->depth - 1];
    if (len > 0) {
        c->path[len++] = '/';
    }
    memcpy(c->path + len, local, strlen(local) + 1);
    c->path_len[c->depth] = len + strlen(local);
    c->depth++;
    if (c->on_start != NULL) {
        rc = c->on_start(c, c->path);
        if (rc != R53_OK) {
            xml_abort(c, rc);
        }
    }
}

static void XMLCALL xml_end(void *data, const XML_Char *name)
{
    struct xml_ctx *c = data;
    r53_rc rc = R53_OK;

    (void)name;
    if (c->rc != R53_OK) {
        return;
    }
    c->depth--;
    if (c->depth > 0) {
        rc = c->on_end(c, c->path);
        if (rc != R53_OK) {
            xml_abort(c, rc);
            return;
        }
        c->path[c->path_len[c->depth - 1]] = '\0';
    }
    /* The parent's own text starts afresh after a child. */
    c->text_len = 0;
    c->text_over = false;
}

static void XMLCALL xml_chars(void *data, const XML_Char *s, int len)
{
    struct xml_ctx *c = data;
    size_t n = (size_t)len;

    if (c->rc != R53_OK || len <= 0) {
        return;
    }
    if (n > XML_TEXT_MAX - c->text_len) {
        n = XML_TEXT_MAX - c->text_len;
        c->text_over = true;
    }
    memcpy(c->text + c->text_len, s, n);
    c->text_len += n;
    c->text[c->text_len] = '\0';
}

/* Internal DTD subsets are where entity bombs live: Route 53 never
 * sends a DOCTYPE, so any body with one is refused outright. */
static void XMLCALL xml_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                                const XML_Char *pubid, int has_internal_subset)
{
    struct xml_ctx *c = data;

    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    xml_abort(c, r53_fail(R53_ERR_PARSE, "response has a DOCTYPE declaration, which Route 53 "
                                         "never sends; refused"));
}

static void XMLCALL xml_entity(void *data, const XML_Char *name, int is_parameter_entity,
                               const XML_Char *value, int value_length, const XML_Char *base,
                               const XML_Char *sysid, const XML_Char *pubid,
                               const XML_Char *notation)
{
    struct xml_ctx *c = data;

    (void)name;
    (void)is_parameter_entity;
    (void)value;
    (void)value_length;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    xml_abort(c, r53_fail(R53_ERR_PARSE, "response declares an entity; refused"));
}

/* Run expat over body with c's callbacks.  Returns R53_OK or
 * R53_ERR_PARSE with a reason set. */
static r53_rc xml_run(struct xml_ctx *c, const char *body, size_t len)
{
    r53_rc rc = R53_OK;
    size_t done = 0;
    enum XML_Status st = XML_STATUS_OK;
    enum XML_Error err = XML_ERROR_NONE;

    if (body == NULL || len == 0) {
        return r53_fail(R53_ERR_PARSE, "response body is empty");
    }
    /* A space never occurs in a local name, so it separates safely:
     * names arrive as "namespace-uri local". */
    c->parser = XML_ParserCreateNS(NULL, ' ');
    if (c->parser == NULL) {
        return r53_fail(R53_ERR_NOMEM, "cannot create an XML parser");
    }
    c->rc = R53_OK;
    XML_SetUserData(c->parser, c);
    XML_SetElementHandler(c->parser, xml_start, xml_end);
    XML_SetCharacterDataHandler(c->parser, xml_chars);
    XML_SetStartDoctypeDeclHandler(c->parser, xml_doctype);
    XML_SetEntityDeclHandler(c->parser, xml_entity);

    do {
        size_t n = len - done > XML_CHUNK ? XML_CHUNK : len - done;
        bool last = done + n == len;

        st = XML_Parse(c->parser, body + done, (int)n, last);
        done += n;
    } while (st == XML_STATUS_OK && done < len);

    if (st == XML_STATUS_OK) {
        rc = R53_OK;
        goto cleanup;
    }
    if (c->rc != R53_OK) {
        rc = c->rc; /* a handler said why */
        goto cleanup;
    }
    err = XML_GetErrorCode(c->parser);
    /* These arise only at the end of the input: a body cut short. */
    if ((err == XML_ERROR_NO_ELEMENTS && c->root_seen) || err == XML_ERROR_UNCLOSED_TOKEN ||
        err == XML_ERROR_UNCLOSED_CDATA_SECTION || err == XML_ERROR_PARTIAL_CHAR) {
        rc = r53_fail(R53_ERR_PARSE, "response ends in the middle of its XML (line %lu: %s)",
                      (unsigned long)XML_GetCurrentLineNumber(c->parser), XML_ErrorString(err));
        goto cleanup;
    }
    rc = r53_fail(R53_ERR_PARSE, "response is not XML (line %lu: %s)",
                  (unsigned long)XML_GetCurrentLineNumber(c->parser), XML_ErrorString(err));

cleanup:
    XML_ParserFree(c->parser);
    c->parser = NULL;
    return rc;
}

/* ---- Field helpers, used from on_end with the element's text. ---- */

/* Copy the current text into dst[cap]; too long is an error, not a cut. */
static r53_rc xml_take(struct xml_ctx *c, char *dst, size_t cap, const char *field)
{
    if (c->text_over || c->text_len >= cap) {
        return r53_fail(R53_ERR_PARSE, "response field %s longer than %zu bytes", field, cap - 1);
    }
    memcpy(dst, c->text, c->text_len + 1);
    return R53_OK;
}

static r53_rc xml_take_bool(struct xml_ctx *c, bool *dst, const char *field)
{
    char shown[40] = "";

    if (!c->text_over && strcmp(c->text, "true") == 0) {
        *dst = true;
        return R53_OK;
    }
    if (!c->text_over && strcmp(c->text, "false") == 0) {
        *dst = false;
        return R53_OK;
    }
    return r53_fail(R53_ERR_PARSE, "response field %s is \"%s\", expected true or false", field,
                    util_printable(c->text, shown, sizeof(shown)));
}

/* A TTL is 0..2147483647 written in plain decimal digits. */
static r53_rc xml_take_ttl(struct xml_ctx *c, long *dst)
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
        return r53_fail(R53_ERR_PARSE, "response TTL \"%s\" is not a number from 0 to %d",
                        util_printable(c->text, shown, sizeof(shown)), INT_MAX);
    }
    *dst = v;
    return R53_OK;
}

/* Append the current text to an error message, joined with "; ".
 * An error message is what tells a person what went wrong, so one too
 * long for the field is cut with a visible mark rather than turning the
 * whole answer into a parse failure. */
static void xml_append_message(struct xml_ctx *c, char *dst, size_t cap)
{
    char add[XML_TEXT_MAX + 3] = ""; /* "; " + text */
    size_t add_len = 0;
    size_t have = strlen(dst);
    size_t keep = cap - 1 - strlen(XML_CUT_MARK);

    if (c->cut) {
        return;
    }
    add_len = (size_t)snprintf(add, sizeof(add), "%s%s", have > 0 ? "; " : "", c->text);
    if (!c->text_over && have + add_len < cap) {
        memcpy(dst + have, add, add_len + 1);
        return;
    }
    /* Keep what fits before the mark, then the mark. */
    if (have > keep) {
        have = keep;
    }
    if (add_len > keep - have) {
        add_len = keep - have;
    }
    memcpy(dst + have, add, add_len);
    memcpy(dst + have + add_len, XML_CUT_MARK, strlen(XML_CUT_MARK) + 1);
    c->cut = true;
}

/* ---- ChangeInfo ---- */

static r53_rc change_end(struct xml_ctx *c, const char *path)
{
    struct r53_change_info *out = c->out;

    if (strcmp(path, "ChangeInfo/Id") == 0) {
        return xml_take(c, out->id, sizeof(out->id), "ChangeInfo/Id");
    }
    if (strcmp(path, "ChangeInfo/Status") == 0) {
        return xml_take(c, out->status, sizeof(out->status), "ChangeInfo/Status");
    }
    return R53_OK;
}

r53_rc r53_xml_change_info(const char *body, size_t len, struct r53_change_info *out)
{
    static const char *const roots[] = { "ChangeResourceRecordSetsResponse", "GetChangeResponse",
                                         NULL };
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;
    char shown[40] = "";

    memset(out, 0, sizeof(*out));
    c.roots = roots;
    c.on_end = change_end;
    c.out = out;
    rc = xml_run(&c, body, len);
    if (rc != R53_OK) {
        goto cleanup;
    }
    if (out->id[0] == '\0') {
        rc = r53_fail(R53_ERR_PARSE, "response has no ChangeInfo/Id");
        goto cleanup;
    }
    if (out->status[0] == '\0') {
        rc = r53_fail(R53_ERR_PARSE, "response has no ChangeInfo/Status");
        goto cleanup;
    }
    if (strcmp(out->status, "PENDING") != 0 && strcmp(out->status, "INSYNC") != 0) {
        rc = r53_fail(R53_ERR_PARSE,
                      "response ChangeInfo/Status is \"%s\", expected "
                      "PENDING or INSYNC",
                      util_printable(out->status, shown, sizeof(shown)));
        goto cleanup;
    }

cleanup:
    if (rc != R53_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

/* ---- Errors ---- */

static r53_rc error_end(struct xml_ctx *c, const char *path)
{
    struct r53_api_error *out = c->out;

    if (strcmp(path, "Error/Code") == 0) {
        return xml_take(c, out->code, sizeof(out->code), "Error/Code");
    }
    if (strcmp(path, "Error/Message") == 0 || strcmp(path, "Messages/Message") == 0) {
        xml_append_message(c, out->message, sizeof(out->message));
    }
    return R53_OK;
}

r53_rc r53_xml_error(const char *body, size_t len, struct r53_api_error *out)
{
    static const char *const roots[] = { "ErrorResponse", "InvalidChangeBatch", NULL };
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    c.roots = roots;
    c.on_end = error_end;
    c.out = out;
    rc = xml_run(&c, body, len);
    if (rc != R53_OK) {
        goto cleanup;
    }
    /* The older shape's root element is its code. */
    if (c.root_index == 1) {
        snprintf(out->code, sizeof(out->code), "InvalidChangeBatch");
    }
    if (out->code[0] == '\0') {
        rc = r53_fail(R53_ERR_PARSE, "response has no Error/Code");
        goto cleanup;
    }

cleanup:
    if (rc != R53_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

/* ---- ListResourceRecordSets ---- */

#define RRSET "ResourceRecordSets/ResourceRecordSet"

static r53_rc rrset_start(struct xml_ctx *c, const char *path)
{
    struct r53_rrset_page *out = c->out;
    struct r53_rrset *rr = c->cur;

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

static r53_rc rrset_end(struct xml_ctx *c, const char *path)
{
    struct r53_rrset_page *out = c->out;
    struct r53_rrset *rr = c->cur;

    if (strcmp(path, "IsTruncated") == 0) {
        c->truncated_seen = true;
        return xml_take_bool(c, &out->is_truncated, "IsTruncated");
    }
    if (strcmp(path, "NextRecordName") == 0) {
        return xml_take(c, out->next_name, sizeof(out->next_name), "NextRecordName");
    }
    if (strcmp(path, "NextRecordType") == 0) {
        return xml_take(c, out->next_type, sizeof(out->next_type), "NextRecordType");
    }
    if (strncmp(path, RRSET, strlen(RRSET)) != 0 || rr == NULL) {
        return R53_OK; /* not a record set, or one past the cap */
    }
    path += strlen(RRSET);
    if (strcmp(path, "") == 0) {
        c->cur = NULL;
        if (rr->name[0] == '\0') {
            return r53_fail(R53_ERR_PARSE, "response ResourceRecordSet has no Name");
        }
        if (rr->type[0] == '\0') {
            return r53_fail(R53_ERR_PARSE, "response ResourceRecordSet has no Type");
        }
        return R53_OK;
    }
    if (strcmp(path, "/Name") == 0) {
        return xml_take(c, rr->name, sizeof(rr->name), "ResourceRecordSet/Name");
    }
    if (strcmp(path, "/Type") == 0) {
        return xml_take(c, rr->type, sizeof(rr->type), "ResourceRecordSet/Type");
    }
    if (strcmp(path, "/SetIdentifier") == 0) {
        return xml_take(c, rr->set_identifier, sizeof(rr->set_identifier),
                        "ResourceRecordSet/SetIdentifier");
    }
    if (strcmp(path, "/TTL") == 0) {
        return xml_take_ttl(c, &rr->ttl);
    }
    if (strcmp(path, "/ResourceRecords/ResourceRecord/Value") == 0) {
        rr->n_values++;
        if (rr->n_values > R53_MAX_VALUES) {
            return R53_OK; /* counted, not kept */
        }
        return xml_take(c, rr->values[rr->n_values - 1], sizeof(rr->values[0]),
                        "ResourceRecord/Value");
    }
    return R53_OK;
}

r53_rc r53_xml_rrset_page(const char *body, size_t len, struct r53_rrset_page *out)
{
    static const char *const roots[] = { "ListResourceRecordSetsResponse", NULL };
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    c.roots = roots;
    c.on_start = rrset_start;
    c.on_end = rrset_end;
    c.out = out;
    rc = xml_run(&c, body, len);
    if (rc != R53_OK) {
        goto cleanup;
    }
    /* IsTruncated is required by the API and sent by AWS and moto:
     * without it we could not tell a last page from a partial one. */
    if (!c.truncated_seen) {
        rc = r53_fail(R53_ERR_PARSE, "response has no IsTruncated");
        goto cleanup;
    }
    if (out->is_truncated && out->next_name[0] == '\0') {
        rc = r53_fail(R53_ERR_PARSE, "response IsTruncated is true but has no "
                                     "NextRecordName");
        goto cleanup;
    }

cleanup:
    if (rc != R53_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

/* ---- Hosted zones ---- */

/* Store a HostedZone child; path is below the HostedZone element. */
static r53_rc zone_field(struct xml_ctx *c, struct r53_zone *z, const char *path)
{
    if (strcmp(path, "") == 0) {
        c->cur = NULL;
        if (z->id[0] == '\0') {
            return r53_fail(R53_ERR_PARSE, "response HostedZone has no Id");
        }
        if (z->name[0] == '\0') {
            return r53_fail(R53_ERR_PARSE, "response HostedZone has no Name");
        }
        return R53_OK;
    }
    if (strcmp(path, "/Id") == 0) {
        return xml_take(c, z->id, sizeof(z->id), "HostedZone/Id");
    }
    if (strcmp(path, "/Name") == 0) {
        return xml_take(c, z->name, sizeof(z->name), "HostedZone/Name");
    }
    if (strcmp(path, "/Config/PrivateZone") == 0) {
        return xml_take_bool(c, &z->private_zone, "HostedZone/Config/PrivateZone");
    }
    return R53_OK;
}

#define ZONE "HostedZones/HostedZone"

static r53_rc zones_start(struct xml_ctx *c, const char *path)
{
    struct r53_zone_page *out = c->out;

    if (strcmp(path, ZONE) == 0) {
        out->n_zones++;
        c->cur = out->n_zones <= R53_MAX_ZONES ? &out->zones[out->n_zones - 1] : NULL;
    }
    return R53_OK;
}

static r53_rc zones_end(struct xml_ctx *c, const char *path)
{
    struct r53_zone_page *out = c->out;

    if (strcmp(path, "IsTruncated") == 0) {
        c->truncated_seen = true;
        return xml_take_bool(c, &out->is_truncated, "IsTruncated");
    }
    if (strcmp(path, "NextDNSName") == 0) {
        return xml_take(c, out->next_dns_name, sizeof(out->next_dns_name), "NextDNSName");
    }
    if (strcmp(path, "NextHostedZoneId") == 0) {
        return xml_take(c, out->next_zone_id, sizeof(out->next_zone_id), "NextHostedZoneId");
    }
    if (strncmp(path, ZONE, strlen(ZONE)) != 0 || c->cur == NULL) {
        return R53_OK;
    }
    return zone_field(c, c->cur, path + strlen(ZONE));
}

r53_rc r53_xml_zone_page(const char *body, size_t len, struct r53_zone_page *out)
{
    static const char *const roots[] = { "ListHostedZonesByNameResponse", NULL };
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    c.roots = roots;
    c.on_start = zones_start;
    c.on_end = zones_end;
    c.out = out;
    rc = xml_run(&c, body, len);
    if (rc != R53_OK) {
        goto cleanup;
    }
    /* IsTruncated may be absent (moto 5.2.1 omits it here): a missing
     * one reads as false.  A true one must say where to go on. */
    if (out->is_truncated && out->next_dns_name[0] == '\0') {
        rc = r53_fail(R53_ERR_PARSE, "response IsTruncated is true but has no NextDNSName");
        goto cleanup;
    }

cleanup:
    if (rc != R53_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

static r53_rc hosted_zone_start(struct xml_ctx *c, const char *path)
{
    if (strcmp(path, "HostedZone") == 0) {
        c->cur = c->out;
    }
    return R53_OK;
}

static r53_rc hosted_zone_end(struct xml_ctx *c, const char *path)
{
    struct r53_zone *z = c->out;

    if (strcmp(path, "DelegationSet/NameServers/NameServer") == 0) {
        if (z->n_name_servers == R53_MAX_NAME_SERVERS) {
            return R53_OK; /* more than Route 53 gives: the first ones do */
        }
        return xml_take(c, z->name_servers[z->n_name_servers++], sizeof(z->name_servers[0]),
                        "DelegationSet/NameServers/NameServer");
    }
    if (strncmp(path, "HostedZone", strlen("HostedZone")) != 0 || c->cur == NULL) {
        return R53_OK;
    }
    return zone_field(c, c->cur, path + strlen("HostedZone"));
}

r53_rc r53_xml_hosted_zone(const char *body, size_t len, struct r53_zone *out)
{
    static const char *const roots[] = { "GetHostedZoneResponse", NULL };
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    c.roots = roots;
    c.on_start = hosted_zone_start;
    c.on_end = hosted_zone_end;
    c.out = out;
    rc = xml_run(&c, body, len);
    if (rc != R53_OK) {
        goto cleanup;
    }
    if (out->id[0] == '\0') {
        rc = r53_fail(R53_ERR_PARSE, "response has no HostedZone/Id");
        goto cleanup;
    }

cleanup:
    if (rc != R53_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
