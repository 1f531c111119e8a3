/* An expat driver for AWS XML answers: a reader names the namespace and
 * the root elements it accepts and gets a callback per element with its
 * path below the root ("ChangeInfo/Id") and its text.  Every body is
 * untrusted and of any length: DOCTYPE and entity declarations are
 * refused, depth and text are bounded, the root and namespace checked,
 * and nothing allocated survives the call.  Failures are R53_ERR_PARSE
 * with a reason such as "response is not XML (line 1: syntax error)".
 * Private to src/: the readers are route53_xml.c, sts.c and the AWS
 * error reader below, which every service shares. */
#ifndef R53_XML_H
#define R53_XML_H

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>

#include "rc.h"

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
 * Return R53_OK, or a failure (its reason in *err), which stops the
 * parse. */
typedef r53_rc (*xml_event_fn)(struct xml_ctx *c, const char *path, struct r53_error *err);

struct xml_ctx {
    /* Set by the reader: */
    const char *ns;           /* the namespace every element must be in */
    const char *const *roots; /* accepted root local names, NULL-ended */
    xml_event_fn on_start;    /* may be NULL */
    xml_event_fn on_end;
    void *out; /* the reader's result struct */
    void *cur; /* the reader's current item, or NULL */
    /* Kept by the driver: */
    XML_Parser parser;
    struct r53_error *err; /* xml_run's, while it runs: handlers' reasons */
    bool cut;              /* error message already cut short */
    r53_rc rc;             /* first failure met inside a handler */
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

/* Parse body with c's reader (ns, roots, on_start, on_end, out set);
 * a failure's reason, the handlers' included, goes to *err. */
r53_rc xml_run(struct xml_ctx *c, const char *body, size_t len, struct r53_error *err);

/* Field helpers, used from on_end with the element's text. */

/* Copy the current text into dst[cap]; too long is an error, not a cut. */
r53_rc xml_take(struct xml_ctx *c, char *dst, size_t cap, const char *field, struct r53_error *err);

/* "true" or "false". */
r53_rc xml_take_bool(struct xml_ctx *c, bool *dst, const char *field, struct r53_error *err);

struct aws_api_error; /* aws_call.h */

/* The error answer of any AWS XML service, in namespace ns: the
 * ErrorResponse/Error shape (Code, Message), or Route 53's older
 * <InvalidChangeBatch><Messages><Message>... (code "InvalidChangeBatch").
 * Messages are joined with "; "; one too long is cut with a visible
 * mark (XML_CUT_MARK), not refused.  R53_ERR_PARSE for a body of
 * neither shape or with no Code; *out is then zeroed. */
r53_rc xml_aws_error(const char *ns, const char *body, size_t len, struct aws_api_error *out,
                     struct r53_error *err);

#endif
