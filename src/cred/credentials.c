#include "credentials.h"

#include <json-c/json.h>
#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ---- ownership ---------------------------------------------------- */

void credentials_wipe_string(char *s)
{
    if (s != NULL) {
        mbedtls_platform_zeroize(s, strlen(s) + 1);
        free(s);
    }
}

void credentials_wipe(struct credentials *c)
{
    if (c == NULL) {
        return;
    }
    credentials_wipe_string(c->access_key_id);
    credentials_wipe_string(c->secret_access_key);
    credentials_wipe_string(c->session_token);
    mbedtls_platform_zeroize(c, sizeof(*c));
}

/* A NUL-terminated copy of len bytes, or NULL when out of memory.
 * The caller wipes and frees it (wipe_string). */
char *credentials_copy_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* Fill c from three byte ranges; token may be NULL.  On failure c is
 * left wiped. */
r53_rc credentials_fill(struct credentials *c, const char *id, size_t id_len, const char *secret,
                        size_t secret_len, const char *token, size_t token_len, const char *source,
                        struct r53_error *err)
{
    c->access_key_id = credentials_copy_bytes(id, id_len);
    c->secret_access_key = credentials_copy_bytes(secret, secret_len);
    if (token != NULL) {
        c->session_token = credentials_copy_bytes(token, token_len);
    }
    if (c->access_key_id == NULL || c->secret_access_key == NULL ||
        (token != NULL && c->session_token == NULL)) {
        credentials_wipe(c);
        return r53_fail(err, R53_ERR_NOMEM, "out of memory copying credentials");
    }
    snprintf(c->source, sizeof(c->source), "%s", source);
    return R53_OK;
}

/* ---- JSON that holds secrets -------------------------------------- */

/* json-c keeps every parsed string inside its json_object (inline for
 * short strings, in a malloc'd block otherwise) and frees it without
 * zeroing.  Those bytes belong to the object we are about to release, so
 * casting away json_object_get_string's const to zero them is safe; it
 * is the only way json-c's API leaves to wipe them. */
/* NOLINTNEXTLINE(misc-no-recursion): depth is capped by json_tokener_new()'s 32 levels. */
void credentials_json_wipe(struct json_object *o)
{
    if (json_object_is_type(o, json_type_string)) {
        mbedtls_platform_zeroize((char *)json_object_get_string(o),
                                 (size_t)json_object_get_string_len(o));
    } else if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, value)
        {
            (void)key;
            credentials_json_wipe(value);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            credentials_json_wipe(json_object_array_get_idx(o, i));
        }
    }
}

/* The tokener assembles each string in its own printbuf before copying
 * it into the object; the last secret parsed is still there.  struct
 * json_tokener is public in json-c 0.13-0.17 (fields marked deprecated);
 * reaching in is the best wipe the library allows. */
void credentials_json_tokener_free(struct json_tokener *tok)
{
    if (tok == NULL) {
        return;
    }
    if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0) {
        mbedtls_platform_zeroize(tok->pb->buf, (size_t)tok->pb->size);
    }
    json_tokener_free(tok);
}

/* ---- providers ---------------------------------------------------- */

struct cred_provider *cred_provider_new(const char *name, const struct cred_provider_ops *ops,
                                        void *impl)
{
    struct cred_provider *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        if (ops->destroy != NULL) {
            struct cred_provider tmp = { name, ops, impl };

            ops->destroy(&tmp);
        }
        return NULL;
    }
    *p = (struct cred_provider){ name, ops, impl };
    return p;
}

r53_rc cred_provider_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    return p->ops->get(p, out, err);
}

bool cred_provider_can_renew(const struct cred_provider *p)
{
    return p->ops->can_renew != NULL ? p->ops->can_renew(p) : p->ops->renew != NULL;
}

r53_rc cred_provider_renew(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    if (p->ops->renew == NULL) {
        return r53_fail(err, R53_ERR_EXPIRED, "credentials from the %s cannot be renewed", p->name);
    }
    return p->ops->renew(p, out, err);
}

void cred_provider_free(struct cred_provider *p)
{
    if (p != NULL) {
        if (p->ops->destroy != NULL) {
            p->ops->destroy(p);
        }
        free(p);
    }
}

/* ---- the chain ---------------------------------------------------- */

struct chain {
    struct cred_provider *members[CRED_CHAIN_MAX];
    size_t n;
    struct cred_provider *answered; /* the member whose credentials are in use */
    char none_reason[512];
};

static r53_rc chain_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct chain *ch = p->impl;
    char before[512] = "";

    for (size_t i = 0; i < ch->n; i++) {
        r53_rc rc = cred_provider_get(ch->members[i], out, err);

        ch->answered = rc == R53_OK ? ch->members[i] : NULL;
        if (rc != R53_ERR_NOT_FOUND && before[0] != '\0' && rc != R53_OK) {
            /* Say what was tried first: "profile 'x' has no keys ..., and". */
            char why[512];

            snprintf(why, sizeof(why), "%s", err->reason);
            return r53_fail(err, rc, "%s, and the %s: %s", before, ch->members[i]->name, why);
        }
        if (rc != R53_ERR_NOT_FOUND) {
            return rc;
        }
        snprintf(before, sizeof(before), "%s", err->reason);
        qb_log(LOG_DEBUG, "credentials: %s: %s", ch->members[i]->name, before);
    }
    return r53_fail(err, R53_ERR_NO_CREDENTIALS, "%s", ch->none_reason);
}

static r53_rc chain_renew(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct chain *ch = p->impl;

    if (ch->answered == NULL) {
        return chain_get(p, out, err);
    }
    return cred_provider_renew(ch->answered, out, err);
}

static void chain_destroy(struct cred_provider *p)
{
    struct chain *ch = p->impl;

    for (size_t i = 0; i < ch->n; i++) {
        cred_provider_free(ch->members[i]);
    }
    free(ch);
}

/* The chain renews when the member that answered can. */
static bool chain_can_renew(const struct cred_provider *p)
{
    const struct chain *ch = p->impl;

    return ch->answered != NULL && cred_provider_can_renew(ch->answered);
}

static const struct cred_provider_ops chain_ops = {
    .get = chain_get,
    .renew = chain_renew,
    .can_renew = chain_can_renew,
    .destroy = chain_destroy,
};

struct cred_provider *cred_chain_new(struct cred_provider **members, size_t n,
                                     const char *none_reason)
{
    struct chain *ch = n <= CRED_CHAIN_MAX ? calloc(1, sizeof(*ch)) : NULL;

    if (ch == NULL) {
        for (size_t i = 0; i < n; i++) {
            cred_provider_free(members[i]);
        }
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        ch->members[i] = members[i];
    }
    ch->n = n;
    snprintf(ch->none_reason, sizeof(ch->none_reason), "%s", none_reason);
    return cred_provider_new("chain", &chain_ops, ch);
}
