/* AWS Signature Version 4, as pure functions: no clock, no network.
 * The caller supplies the request, the credentials and the timestamp;
 * every stage (canonical request, string to sign, authorization) can be
 * checked on its own against the official test suite. */
#ifndef R53_SIGV4_H
#define R53_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "rc.h"

struct sigv4_header {
    const char *name;  /* any case; compared case-insensitively */
    const char *value; /* raw value; trimmed and space-collapsed when signed */
};

struct sigv4_request {
    const char *method;                 /* "GET", "POST" */
    const char *path;                   /* path as sent on the wire, e.g. "/2013-04-01/change/C1" */
    const char *query;                  /* query string without '?', or NULL */
    const struct sigv4_header *headers; /* every header to sign, incl. host */
    size_t n_headers;
    const unsigned char *body;
    size_t body_len;
};

struct sigv4_key {
    const char *access_key_id;
    const char *secret_access_key; /* never copied outside sigv4.c buffers that are wiped */
};

struct sigv4_scope {
    const char *amz_date; /* "YYYYMMDDTHHMMSSZ", as in the X-Amz-Date header */
    const char *region;   /* "us-east-1" */
    const char *service;  /* "route53" */
};

/* Format t (UTC) as "YYYYMMDDTHHMMSSZ" into out[17]. */
void sigv4_amz_date(time_t t, char out[17]);

/* Canonical request of req.  *out and *signed_headers (e.g.
 * "host;x-amz-date") are malloc'd; the caller frees both. */
r53_rc sigv4_canonical_request(const struct sigv4_request *req, char **out, char **signed_headers,
                               struct r53_error *err);

/* String to sign for a canonical request.  *out is malloc'd; caller frees. */
r53_rc sigv4_string_to_sign(const struct sigv4_scope *scope, const char *canonical_request,
                            char **out, struct r53_error *err);

/* Lowercase hex HMAC signature of string_to_sign into out[65].  Every
 * derived key is wiped before return. */
r53_rc sigv4_signature(const struct sigv4_key *key, const struct sigv4_scope *scope,
                       const char *string_to_sign, char out[65], struct r53_error *err);

/* The whole chain: the value of the Authorization header.  *out is
 * malloc'd; caller frees (it holds no secret, only the signature). */
r53_rc sigv4_authorization(const struct sigv4_request *req, const struct sigv4_key *key,
                           const struct sigv4_scope *scope, char **out, struct r53_error *err);

/* Lowercase hex SHA-256 of data into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
