#include "xml.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "aws_call.h"
#include "util.h"

/* Record a failure from inside a handler and stop expat. */
static void xml_abort(struct xml_ctx *c, r53_rc rc)
{
    if (c->rc == R53_OK) {
        c->rc = rc;
    }
    XML_StopParser(c->parser, XML_FALSE);
}

/* Split an expat "uri local" name; *local points into name. */
static bool xml_in_ns(const char *name, const char *ns, const char **local)
{
    const char *sep = strrchr(name, ' '); /* local names have no space */

    if (sep == NULL) {
        *local = name;
        return false;
    }
    *local = sep + 1;
    return (size_t)(sep - name) == strlen(ns) && strncmp(name, ns, strlen(ns)) == 0;
}

static r53_rc xml_check_root(struct xml_ctx *c, const char *name, struct r53_error *err)
{
    const char *local = NULL;
    bool ours = xml_in_ns(name, c->ns, &local);
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
        return r53_fail(err, R53_ERR_PARSE,
                        "response root element <%s> has no namespace, "
                        "expected %s in %s",
                        found, want, c->ns);
    }
    if (!ours) {
        size_t ns_len = (size_t)(local - 1 - name);
        char raw[128] = "";

        memcpy(raw, name, ns_len < sizeof(raw) - 1 ? ns_len : sizeof(raw) - 1);
        return r53_fail(err, R53_ERR_PARSE,
                        "response root element <%s> is in namespace %s, "
                        "expected %s",
                        found, util_printable(raw, ns, sizeof(ns)), c->ns);
    }
    for (i = 0; c->roots[i] != NULL; i++) {
        if (strcmp(local, c->roots[i]) == 0) {
            c->root_index = i;
            return R53_OK;
        }
    }
    return r53_fail(err, R53_ERR_PARSE, "response root element is <%s>, expected %s", found, want);
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
        rc = xml_check_root(c, name, c->err);
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
        xml_abort(c, r53_fail(c->err, R53_ERR_PARSE, "response elements nest deeper than %d levels",
                              XML_MAX_DEPTH));
        return;
    }
    /* Elements outside our namespace, or absurdly named, match nothing. */
    if (!xml_in_ns(name, c->ns, &local) || strlen(local) > XML_MAX_NAME) {
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
        rc = c->on_start(c, c->path, c->err);
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
        rc = c->on_end(c, c->path, c->err);
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
    xml_abort(c, r53_fail(c->err, R53_ERR_PARSE,
                          "response has a DOCTYPE declaration, which Route 53 "
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
    xml_abort(c, r53_fail(c->err, R53_ERR_PARSE, "response declares an entity; refused"));
}

/* Run expat over body with c's callbacks.  Returns R53_OK or
 * R53_ERR_PARSE with a reason set. */
r53_rc xml_run(struct xml_ctx *c, const char *body, size_t len, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    size_t done = 0;
    enum XML_Status st = XML_STATUS_OK;
    enum XML_Error code = XML_ERROR_NONE;

    if (body == NULL || len == 0) {
        return r53_fail(err, R53_ERR_PARSE, "response body is empty");
    }
    /* A space never occurs in a local name, so it separates safely:
     * names arrive as "namespace-uri local". */
    c->parser = XML_ParserCreateNS(NULL, ' ');
    if (c->parser == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "cannot create an XML parser");
    }
    c->rc = R53_OK;
    c->err = err;
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
    code = XML_GetErrorCode(c->parser);
    /* These arise only at the end of the input: a body cut short. */
    if ((code == XML_ERROR_NO_ELEMENTS && c->root_seen) || code == XML_ERROR_UNCLOSED_TOKEN ||
        code == XML_ERROR_UNCLOSED_CDATA_SECTION || code == XML_ERROR_PARTIAL_CHAR) {
        rc = r53_fail(err, R53_ERR_PARSE, "response ends in the middle of its XML (line %lu: %s)",
                      (unsigned long)XML_GetCurrentLineNumber(c->parser), XML_ErrorString(code));
        goto cleanup;
    }
    rc = r53_fail(err, R53_ERR_PARSE, "response is not XML (line %lu: %s)",
                  (unsigned long)XML_GetCurrentLineNumber(c->parser), XML_ErrorString(code));

cleanup:
    XML_ParserFree(c->parser);
    c->parser = NULL;
    c->err = NULL;
    return rc;
}

/* ---- Field helpers, used from on_end with the element's text. ---- */

/* Copy the current text into dst[cap]; too long is an error, not a cut. */
r53_rc xml_take(struct xml_ctx *c, char *dst, size_t cap, const char *field, struct r53_error *err)
{
    if (c->text_over || c->text_len >= cap) {
        return r53_fail(err, R53_ERR_PARSE, "response field %s longer than %zu bytes", field,
                        cap - 1);
    }
    memcpy(dst, c->text, c->text_len + 1);
    return R53_OK;
}

r53_rc xml_take_bool(struct xml_ctx *c, bool *dst, const char *field, struct r53_error *err)
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
    return r53_fail(err, R53_ERR_PARSE, "response field %s is \"%s\", expected true or false",
                    field, util_printable(c->text, shown, sizeof(shown)));
}

/* Append the current text to an error message, joined with "; ".
 * An error message is what tells a person what went wrong, so one too
 * long for the field is cut with a visible mark rather than turning the
 * whole answer into a parse failure. */
static void append_message(struct xml_ctx *c, char *dst, size_t cap)
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

/* ---- the AWS error answer ---- */

static r53_rc aws_error_end(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct aws_api_error *out = c->out;

    if (strcmp(path, "Error/Code") == 0) {
        return xml_take(c, out->code, sizeof(out->code), "Error/Code", err);
    }
    if (strcmp(path, "Error/Message") == 0 || strcmp(path, "Messages/Message") == 0) {
        append_message(c, out->message, sizeof(out->message));
    }
    return R53_OK;
}

r53_rc xml_aws_error(const char *ns, const char *body, size_t len, struct aws_api_error *out,
                     struct r53_error *err)
{
    static const char *const roots[] = { "ErrorResponse", "InvalidChangeBatch", NULL };
    struct xml_ctx c = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    c.ns = ns;
    c.roots = roots;
    c.on_end = aws_error_end;
    c.out = out;
    rc = xml_run(&c, body, len, err);
    /* The older shape's root element is its code. */
    if (rc == R53_OK && c.root_index == 1) {
        snprintf(out->code, sizeof(out->code), "InvalidChangeBatch");
    }
    if (rc == R53_OK && out->code[0] == '\0') {
        rc = r53_fail(err, R53_ERR_PARSE, "response has no Error/Code");
    }
    if (rc != R53_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
