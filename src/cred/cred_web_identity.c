#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sts.h"

#define TOKEN_MAX 20000 /* STS's limit on WebIdentityToken */

struct web_identity {
    struct aws_caller *sts; /* owned: unsigned requests */
    char token_file[1024];
    char role_arn[2048];
    char session_name[65];
    char region[40];
};

/* The token file's text, trimmed (a secret: the caller wipes it). */
static r53_rc read_token(const char *path, char *buf, size_t cap, struct r53_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = 0;

    if (fd < 0) {
        return r53_fail(err, R53_ERR_HOST, "web identity token file %s: %s", path, strerror(errno));
    }
    n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0 || (size_t)n >= cap - 1) {
        return r53_fail(err, R53_ERR_HOST,
                        "web identity token file %s is unreadable or over %zu bytes", path,
                        cap - 2);
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) {
        n--;
    }
    buf[n] = '\0';
    return n > 0 ? R53_OK
                 : r53_fail(err, R53_ERR_HOST, "web identity token file %s is empty", path);
}

/* Ask STS with the token read now; cred_cached keeps the answer. */
static r53_rc web_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct web_identity *w = p->impl;
    char *token = malloc(TOKEN_MAX + 2);
    struct sts_assume req = { .role_arn = w->role_arn, .session_name = w->session_name };
    time_t expires = 0;
    r53_rc rc = token != NULL ? read_token(w->token_file, token, TOKEN_MAX + 2, err)
                              : r53_fail(err, R53_ERR_NOMEM, "out of memory");

    if (rc == R53_OK) {
        rc = sts_assume_role_with_web_identity(w->sts, &req, token, out, &expires, err);
    }
    if (token != NULL) {
        mbedtls_platform_zeroize(token, TOKEN_MAX + 2);
        free(token);
    }
    if (rc == R53_OK) {
        out->expires = expires;
        snprintf(out->source, sizeof(out->source), "web identity %.45s", w->role_arn);
        qb_log(LOG_INFO, "assumed %s with a web identity as %s", w->role_arn, w->session_name);
    }
    return rc;
}

static void web_destroy(struct cred_provider *p)
{
    struct web_identity *w = p->impl;

    aws_caller_free(w->sts);
    free(w);
}

static const struct cred_provider_ops web_ops = {
    .get = web_get,
    .destroy = web_destroy,
};

struct cred_provider *cred_web_identity_new(const struct cred_web_identity_opts *o)
{
    struct web_identity *w = calloc(1, sizeof(*w));
    struct aws_service service;
    struct r53_error ignored = { 0 }; /* NULL says it: out of memory */

    if (w == NULL) {
        return NULL;
    }
    snprintf(w->region, sizeof(w->region), "%s", o->signing_region);
    service = sts_service(w->region);
    if (aws_caller_new(o->endpoint, &service, o->http, NULL, &w->sts, &ignored) != R53_OK) {
        free(w);
        return NULL;
    }
    aws_caller_set_retry(w->sts, o->retry);
    snprintf(w->token_file, sizeof(w->token_file), "%s", o->token_file);
    snprintf(w->role_arn, sizeof(w->role_arn), "%s", o->role_arn);
    snprintf(w->session_name, sizeof(w->session_name), "%s", o->session_name);
    return cred_provider_new("web identity", &web_ops, w);
}
