#include "credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- environment -------------------------------------------------- */

r53_rc credentials_from_env(const char *(*getenv_fn)(const char *), struct credentials *out,
                            struct r53_error *err)
{
    struct credentials c = { 0 };
    const char *id = NULL;
    const char *secret = NULL;
    const char *token = NULL;
    r53_rc rc = R53_OK;

    id = util_unset_if_empty(getenv_fn("AWS_ACCESS_KEY_ID"));
    secret = util_unset_if_empty(getenv_fn("AWS_SECRET_ACCESS_KEY"));
    token = util_unset_if_empty(getenv_fn("AWS_SESSION_TOKEN"));
    if (token == NULL) {
        token = util_unset_if_empty(getenv_fn("AWS_SECURITY_TOKEN"));
    }
    if (id == NULL && secret == NULL) {
        return r53_fail(err, R53_ERR_NOT_FOUND,
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    }
    if (id == NULL || secret == NULL) {
        return r53_fail(err, R53_ERR_HOST, "%s is set in the environment but %s is not",
                        id != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                        id != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    }
    rc = credentials_fill(&c, id, strlen(id), secret, strlen(secret), token,
                          token != NULL ? strlen(token) : 0, "environment", err);
    if (rc == R53_OK) {
        *out = c;
    }
    return rc;
}

static r53_rc env_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    const char *(*getenv_fn)(const char *) = *(const char *(**)(const char *))p->impl;

    return credentials_from_env(getenv_fn, out, err);
}

static void env_destroy(struct cred_provider *p)
{
    free(p->impl);
}

static const struct cred_provider_ops env_ops = {
    .get = env_get,
    .destroy = env_destroy,
};

struct cred_provider *cred_env_new(const char *(*getenv_fn)(const char *))
{
    const char *(**fn)(const char *) = malloc(sizeof(*fn));

    if (fn == NULL) {
        return NULL;
    }
    *fn = getenv_fn;
    return cred_provider_new("environment", &env_ops, fn);
}
