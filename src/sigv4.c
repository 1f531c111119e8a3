/* AWS Signature Version 4 (see sigv4.h).  Canonicalisation follows the
 * official test suite and botocore's SigV4Auth, the signer the AWS CLI
 * uses for Route 53. */
#include "sigv4.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "util.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"
#define SIGV4_HASH_LEN 32

/* ---- growable string ---------------------------------------------------- */

struct sbuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: every later append is a no-op */
};

static void sbuf_append(struct sbuf *b, const char *s, size_t n)
{
    if (b->failed) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        char *p = NULL;

        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_append(b, s, strlen(s));
}

static void sbuf_putc(struct sbuf *b, char c)
{
    sbuf_append(b, &c, 1);
}

/* Hand the string to the caller (who frees it), or NULL on failure. */
static char *sbuf_take(struct sbuf *b)
{
    char *s = NULL;

    if (b->failed) {
        free(b->data);
    } else if (b->data == NULL) {
        s = strdup("");
    } else {
        s = b->data;
    }
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

static void sbuf_free(struct sbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- encoding ----------------------------------------------------------- */

static void hex_lower(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

/* Append s[0..n) percent-encoded (util_percent_encode_n). */
static void uri_encode(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char esc[4];

        sbuf_append(b, esc, util_percent_encode_n(s + i, 1, esc, sizeof(esc)));
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Append s[0..n) percent-decoded then re-encoded, so "a%2Fb" and "a/b"
 * both give "a%2Fb".  A '%' not followed by two hex digits is taken
 * literally.  '+' is not a space here: send spaces as %20. */
static void query_component(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        }
        uri_encode(b, &c, 1);
    }
}

/* ---- canonical URI ------------------------------------------------------ */

/* botocore's normalize_url_path + quote(path, safe='/~'): drop empty and
 * "." segments, let ".." remove the previous one, keep one trailing '/'
 * if the path had one, then encode every segment.  The path is taken as
 * sent on the wire, so an existing "%2A" becomes "%252A": Route 53, like
 * every service but S3, expects the path encoded twice. */
static void canonical_uri(struct sbuf *out, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    size_t nseg = 0;
    size_t i = 0;
    struct seg {
        const char *p;
        size_t len;
    } *segs = NULL;

    if (n == 0) {
        sbuf_putc(out, '/');
        return;
    }
    /* At most n/2 + 1 segments; allocate for the worst case. */
    segs = calloc(n / 2 + 2, sizeof(*segs));
    if (segs == NULL) {
        out->failed = true;
        return;
    }
    while (i < n) {
        size_t start = i;

        while (i < n && path[i] != '/') {
            i++;
        }
        size_t len = i - start;

        if (len == 0 || (len == 1 && path[start] == '.')) {
            /* empty or "." segment: nothing */
        } else if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
            if (nseg > 0) {
                nseg--;
            }
        } else {
            segs[nseg].p = path + start;
            segs[nseg].len = len;
            nseg++;
        }
        i++; /* skip the '/' */
    }
    sbuf_putc(out, '/');
    for (size_t k = 0; k < nseg; k++) {
        if (k > 0) {
            sbuf_putc(out, '/');
        }
        uri_encode(out, segs[k].p, segs[k].len);
    }
    if (nseg > 0 && path[n - 1] == '/') {
        sbuf_putc(out, '/');
    }
    free(segs);
}

/* ---- canonical query ---------------------------------------------------- */

struct qparam {
    char *key;   /* encoded */
    char *value; /* encoded */
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a;
    const struct qparam *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : strcmp(x->value, y->value);
}

/* Fill params (room for every '&'-separated piece of query) with the
 * encoded key and value of each non-empty piece.  *np counts the entries
 * the caller must free, even on failure.  Apart from canonical_query so
 * that parsing and ordering read separately. */
static r53_rc parse_query(const char *query, struct qparam *params, size_t *np,
                          struct r53_error *err)
{
    const char *p = query;

    *np = 0;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        struct sbuf k = { 0 };
        struct sbuf v = { 0 };

        if (len > 0) {
            query_component(&k, p, klen);
            if (eq) {
                query_component(&v, eq + 1, len - klen - 1);
            }
            params[*np].key = sbuf_take(&k);
            params[*np].value = sbuf_take(&v);
            if (params[*np].key == NULL || params[*np].value == NULL) {
                free(params[*np].key);
                free(params[*np].value);
                params[*np].key = params[*np].value = NULL;
                return r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
            }
            (*np)++;
        }
        p += len;
        if (*p == '&') {
            p++;
        }
    }
    return R53_OK;
}

static r53_rc canonical_query(struct sbuf *out, const char *query, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct qparam *params = NULL;
    size_t np = 0;
    size_t cap = 0;

    if (query == NULL || *query == '\0') {
        return R53_OK;
    }
    for (const char *s = query; *s; s++) {
        cap += (*s == '&');
    }
    cap += 1;
    params = calloc(cap, sizeof(*params));
    if (params == NULL) {
        rc = r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
        goto cleanup;
    }
    rc = parse_query(query, params, &np, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    qsort(params, np, sizeof(*params), qparam_cmp);
    for (size_t i = 0; i < np; i++) {
        if (i > 0) {
            sbuf_putc(out, '&');
        }
        sbuf_puts(out, params[i].key);
        sbuf_putc(out, '=');
        sbuf_puts(out, params[i].value);
    }

cleanup:
    for (size_t i = 0; params && i < np; i++) {
        free(params[i].key);
        free(params[i].value);
    }
    free(params);
    return rc;
}

/* ---- canonical headers -------------------------------------------------- */

struct cheader {
    char *name;   /* lowercase */
    char *value;  /* trimmed, collapsed */
    size_t order; /* position in the request, to keep sorting stable */
};

static int cheader_cmp(const void *a, const void *b)
{
    const struct cheader *x = a;
    const struct cheader *y = b;
    int c = strcmp(x->name, y->name);

    if (c) {
        return c;
    }
    return (x->order > y->order) - (x->order < y->order);
}

/* Append a header value with leading/trailing whitespace removed and
 * inner whitespace runs collapsed to one space.  A multi-line (folded)
 * value becomes its lines joined with ',', as the suite's
 * get-header-value-multiline case requires. */
static void header_value(struct sbuf *b, const char *v)
{
    bool first_line = true;

    while (*v) {
        size_t len = strcspn(v, "\r\n");
        bool pending_space = false;
        bool wrote = false;

        for (size_t i = 0; i < len; i++) {
            if (v[i] == ' ' || v[i] == '\t') {
                pending_space = wrote;
                continue;
            }
            if (!wrote && !first_line) {
                sbuf_putc(b, ',');
            }
            if (pending_space) {
                sbuf_putc(b, ' ');
                pending_space = false;
            }
            sbuf_putc(b, v[i]);
            wrote = true;
        }
        if (wrote) {
            first_line = false;
        }
        v += len;
        v += strspn(v, "\r\n");
    }
}

static bool valid_header_name(const char *name)
{
    if (*name == '\0') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        /* RFC 9110 token characters, enough to keep ':' and controls out */
        if (*p <= ' ' || *p >= 0x7f || *p == ':') {
            return false;
        }
    }
    return true;
}

/* Fill hs (room for req->n_headers) with the request's headers, names
 * lowercased and values cleaned, sorted by name.  *nh counts the entries
 * the caller must free, even on failure. */
static r53_rc collect_headers(const struct sigv4_request *req, struct cheader *hs, size_t *nh,
                              struct r53_error *err)
{
    *nh = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct sigv4_header *h = &req->headers[i];
        struct sbuf v = { 0 };

        if (h->name == NULL || !valid_header_name(h->name)) {
            return r53_fail(err, R53_ERR_INTERNAL, "sigv4: header %zu has an invalid name", i + 1);
        }
        *nh = i + 1; /* from here on, this entry is the caller's to free */
        hs[i].order = i;
        hs[i].name = strdup(h->name);
        header_value(&v, h->value ? h->value : "");
        hs[i].value = sbuf_take(&v);
        if (hs[i].name == NULL || hs[i].value == NULL) {
            return r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
        }
        util_ascii_lower(hs[i].name);
    }
    qsort(hs, *nh, sizeof(*hs), cheader_cmp);
    return R53_OK;
}

/* The canonical headers block into cr and the signed header list into
 * sh, from headers sorted by name.  Repeated names: one line, values
 * joined with ',' in request order. */
static void canonical_headers(struct sbuf *cr, struct sbuf *sh, const struct cheader *hs, size_t nh)
{
    for (size_t i = 0; i < nh; i++) {
        bool same = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;

        if (same) {
            sbuf_putc(cr, ',');
        } else {
            if (i > 0) {
                sbuf_putc(cr, '\n');
                sbuf_putc(sh, ';');
            }
            sbuf_puts(cr, hs[i].name);
            sbuf_putc(cr, ':');
            sbuf_puts(sh, hs[i].name);
        }
        sbuf_puts(cr, hs[i].value);
    }
    if (nh > 0) {
        sbuf_putc(cr, '\n');
    }
}

/* The six lines of the canonical request into cr (method, URI, query,
 * headers, signed headers, body hash) and the signed header list into sh,
 * from headers collect_headers sorted.  Apart from sigv4_canonical_request
 * so that its checks and cleanup read on one screen. */
static r53_rc write_canonical_request(struct sbuf *cr, struct sbuf *sh,
                                      const struct sigv4_request *req, const struct cheader *hs,
                                      size_t nh, struct r53_error *err)
{
    char body_hash[65] = { 0 };
    r53_rc rc = R53_OK;

    sbuf_puts(cr, req->method);
    sbuf_putc(cr, '\n');
    canonical_uri(cr, req->path);
    sbuf_putc(cr, '\n');
    rc = canonical_query(cr, req->query, err);
    if (rc != R53_OK) {
        return rc;
    }
    sbuf_putc(cr, '\n');
    canonical_headers(cr, sh, hs, nh);
    sbuf_putc(cr, '\n');
    sbuf_append(cr, sh->data ? sh->data : "", sh->len);
    sbuf_putc(cr, '\n');
    sigv4_sha256_hex(req->body ? (const void *)req->body : "", req->body_len, body_hash);
    sbuf_puts(cr, body_hash);
    return R53_OK;
}

r53_rc sigv4_canonical_request(const struct sigv4_request *req, char **out, char **signed_headers,
                               struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct sbuf cr = { 0 };
    struct sbuf sh = { 0 };
    struct cheader *hs = NULL;
    size_t nh = 0;

    if (out == NULL || signed_headers == NULL) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: no place for the result");
    }
    *out = NULL;
    *signed_headers = NULL;
    if (req == NULL || req->method == NULL || req->method[0] == '\0' ||
        (req->n_headers > 0 && req->headers == NULL) || (req->body_len > 0 && req->body == NULL)) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: incomplete request to sign");
    }

    hs = calloc(req->n_headers + 1, sizeof(*hs));
    if (hs == NULL) {
        rc = r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
        goto cleanup;
    }
    rc = collect_headers(req, hs, &nh, err);
    if (rc != R53_OK) {
        goto cleanup;
    }

    rc = write_canonical_request(&cr, &sh, req, hs, nh, err);
    if (rc != R53_OK) {
        goto cleanup;
    }

    *out = sbuf_take(&cr);
    *signed_headers = sbuf_take(&sh);
    if (*out == NULL || *signed_headers == NULL) {
        free(*out);
        free(*signed_headers);
        *out = NULL;
        *signed_headers = NULL;
        rc = r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
        goto cleanup;
    }

cleanup:
    for (size_t i = 0; hs && i < nh; i++) {
        free(hs[i].name);
        free(hs[i].value);
    }
    free(hs);
    sbuf_free(&cr);
    sbuf_free(&sh);
    return rc;
}

/* ---- string to sign, signature ------------------------------------------ */

/* A scope is used to build the credential string: it must be well
 * formed, or the request fails with a reason instead of a 403. */
static r53_rc check_scope(const struct sigv4_scope *scope, struct r53_error *err)
{
    const char *d = NULL;

    if (scope == NULL || scope->amz_date == NULL || scope->region == NULL ||
        scope->service == NULL) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: incomplete signing scope");
    }
    d = scope->amz_date;
    if (strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z' || strspn(d, "0123456789") != 8 ||
        strspn(d + 9, "0123456789") != 6) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: date '%.32s' is not YYYYMMDDTHHMMSSZ", d);
    }
    if (scope->region[0] == '\0' || strpbrk(scope->region, "/ \t\r\n") ||
        scope->service[0] == '\0' || strpbrk(scope->service, "/ \t\r\n")) {
        return r53_fail(err, R53_ERR_INTERNAL,
                        "sigv4: region '%.64s' or service '%.64s' is not usable", scope->region,
                        scope->service);
    }
    return R53_OK;
}

/* Append the credential scope, "YYYYMMDD/REGION/SERVICE/aws4_request":
 * in the string to sign, and after the key id in the Authorization. */
static void put_credential_scope(struct sbuf *b, const struct sigv4_scope *scope)
{
    sbuf_append(b, scope->amz_date, 8);
    sbuf_putc(b, '/');
    sbuf_puts(b, scope->region);
    sbuf_putc(b, '/');
    sbuf_puts(b, scope->service);
    sbuf_puts(b, "/" SIGV4_TERMINATOR);
}

r53_rc sigv4_string_to_sign(const struct sigv4_scope *scope, const char *canonical_request,
                            char **out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct sbuf b = { 0 };
    char hash[65] = { 0 };

    if (out == NULL || canonical_request == NULL) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: nothing to sign");
    }
    *out = NULL;
    rc = check_scope(scope, err);
    if (rc != R53_OK) {
        return rc;
    }
    sigv4_sha256_hex(canonical_request, strlen(canonical_request), hash);
    sbuf_puts(&b, SIGV4_ALGORITHM "\n");
    sbuf_puts(&b, scope->amz_date);
    sbuf_putc(&b, '\n');
    put_credential_scope(&b, scope);
    sbuf_putc(&b, '\n');
    sbuf_puts(&b, hash);
    *out = sbuf_take(&b);
    if (*out == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
    }
    return R53_OK;
}

static int hmac_sha256(const unsigned char *key, size_t key_len, const void *msg, size_t msg_len,
                       unsigned char out[SIGV4_HASH_LEN])
{
    return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, key_len, msg, msg_len,
                           out);
}

r53_rc sigv4_signature(const struct sigv4_key *key, const struct sigv4_scope *scope,
                       const char *string_to_sign, char out[65], struct r53_error *err)
{
    r53_rc rc = R53_OK;
    unsigned char *secret = NULL; /* "AWS4" + secret key */
    size_t secret_len = 0;
    unsigned char k_date[SIGV4_HASH_LEN] = { 0 };
    unsigned char k_region[SIGV4_HASH_LEN] = { 0 };
    unsigned char k_service[SIGV4_HASH_LEN] = { 0 };
    unsigned char k_signing[SIGV4_HASH_LEN] = { 0 };
    unsigned char sig[SIGV4_HASH_LEN] = { 0 };

    if (out == NULL || string_to_sign == NULL || key == NULL || key->secret_access_key == NULL) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: no key or nothing to sign");
    }
    out[0] = '\0';
    rc = check_scope(scope, err);
    if (rc != R53_OK) {
        return rc;
    }

    secret_len = 4 + strlen(key->secret_access_key);
    secret = malloc(secret_len);
    if (secret == NULL) {
        rc = r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
        goto cleanup;
    }
    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, key->secret_access_key, secret_len - 4);

    if (hmac_sha256(secret, secret_len, scope->amz_date, 8, k_date) != 0 ||
        hmac_sha256(k_date, sizeof(k_date), scope->region, strlen(scope->region), k_region) != 0 ||
        hmac_sha256(k_region, sizeof(k_region), scope->service, strlen(scope->service),
                    k_service) != 0 ||
        hmac_sha256(k_service, sizeof(k_service), SIGV4_TERMINATOR, strlen(SIGV4_TERMINATOR),
                    k_signing) != 0 ||
        hmac_sha256(k_signing, sizeof(k_signing), string_to_sign, strlen(string_to_sign), sig) !=
            0) {
        rc = r53_fail(err, R53_ERR_NOMEM, "sigv4: HMAC-SHA256 failed");
        goto cleanup;
    }
    hex_lower(sig, sizeof(sig), out);

cleanup:
    if (secret != NULL) {
        mbedtls_platform_zeroize(secret, secret_len);
        free(secret);
    }
    mbedtls_platform_zeroize(k_date, sizeof(k_date));
    mbedtls_platform_zeroize(k_region, sizeof(k_region));
    mbedtls_platform_zeroize(k_service, sizeof(k_service));
    mbedtls_platform_zeroize(k_signing, sizeof(k_signing));
    mbedtls_platform_zeroize(sig, sizeof(sig));
    return rc;
}

r53_rc sigv4_authorization(const struct sigv4_request *req, const struct sigv4_key *key,
                           const struct sigv4_scope *scope, char **out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char *creq = NULL;
    char *signed_headers = NULL;
    char *sts = NULL;
    char signature[65] = { 0 };
    struct sbuf b = { 0 };

    if (out == NULL) {
        return r53_fail(err, R53_ERR_INTERNAL, "sigv4: no place for the result");
    }
    *out = NULL;
    if (key == NULL || key->access_key_id == NULL || key->access_key_id[0] == '\0' ||
        strpbrk(key->access_key_id, "/ ,\t\r\n")) {
        return r53_fail(err, R53_ERR_HOST, "sigv4: unusable access key id");
    }
    rc = sigv4_canonical_request(req, &creq, &signed_headers, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = sigv4_string_to_sign(scope, creq, &sts, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = sigv4_signature(key, scope, sts, signature, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    sbuf_puts(&b, SIGV4_ALGORITHM " Credential=");
    sbuf_puts(&b, key->access_key_id);
    sbuf_putc(&b, '/');
    put_credential_scope(&b, scope);
    sbuf_puts(&b, ", SignedHeaders=");
    sbuf_puts(&b, signed_headers);
    sbuf_puts(&b, ", Signature=");
    sbuf_puts(&b, signature);
    *out = sbuf_take(&b);
    if (*out == NULL) {
        rc = r53_fail(err, R53_ERR_NOMEM, "out of memory signing a request");
    }

cleanup:
    free(creq);
    free(signed_headers);
    free(sts);
    sbuf_free(&b);
    return rc;
}

/* ---- small helpers ------------------------------------------------------ */

void sigv4_amz_date(time_t t, char out[17])
{
    struct tm tm = { 0 };

    /* Out of gmtime's range, or past year 9999: give the epoch rather
     * than a truncated date; the server will answer with a clear skew
     * error. */
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        memcpy(out, "19700101T000000Z", 17);
        return;
    }
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        memcpy(out, "19700101T000000Z", 17);
    }
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char hash[SIGV4_HASH_LEN] = { 0 };

    /* Cannot fail with a valid md_info and non-NULL buffers. */
    (void)mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                     (const unsigned char *)(data ? data : ""), len, hash);
    hex_lower(hash, sizeof(hash), out);
}
