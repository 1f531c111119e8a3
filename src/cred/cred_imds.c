#include "credentials.h"

#include <json-c/json.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imds.h"
#include "util.h"

/* An IMDS credentials document is about 1.3 KiB. */
#define CRED_MAX_JSON (64 * 1024)

/* ---- instance metadata -------------------------------------------- */

static r53_rc json_field(struct json_object *root, const char *name, const char **value,
                         size_t *len, struct r53_error *err)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(root, name, &v) || v == NULL) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials lack %s", name);
    }
    if (!json_object_is_type(v, json_type_string)) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials: %s is not a string",
                        name);
    }
    *value = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    if (*len == 0) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials: %s is empty", name);
    }
    if (strlen(*value) != *len) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials: %s contains a NUL",
                        name);
    }
    return R53_OK;
}

/* Parse json[0..len) with tok into *root, which must be a JSON object
 * and all the text but trailing blanks.  *root is set whenever json-c
 * built one, even on failure, so the caller can wipe it. */
static r53_rc imds_json_parse(struct json_tokener *tok, const char *json, size_t len,
                              struct json_object **root, struct r53_error *err)
{
    enum json_tokener_error jerr = json_tokener_success;

    *root = json_tokener_parse_ex(tok, json, (int)len);
    jerr = json_tokener_get_error(tok);
    if (*root == NULL) {
        if (jerr == json_tokener_continue) {
            return r53_fail(err, R53_ERR_PARSE,
                            "instance metadata credentials end early (truncated?)");
        }
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials are not JSON: %s",
                        json_tokener_error_desc(jerr));
    }
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
        if (json[i] != ' ' && json[i] != '\t' && json[i] != '\r' && json[i] != '\n') {
            return r53_fail(err, R53_ERR_PARSE,
                            "instance metadata credentials have data after the JSON object");
        }
    }
    if (!json_object_is_type(*root, json_type_object)) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials are not a JSON object");
    }
    return R53_OK;
}

/* A "Code" other than "Success" means the role has no keys for us; its
 * "Message" says why. */
static r53_rc imds_json_code(struct json_object *root, struct r53_error *err)
{
    struct json_object *code = NULL;
    struct json_object *message = NULL;
    char code_text[65] = { 0 };
    char message_text[161] = { 0 };

    if (!json_object_object_get_ex(root, "Code", &code)) {
        return R53_OK;
    }
    if (!json_object_is_type(code, json_type_string)) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata credentials: Code is not a string");
    }
    if (strcmp(json_object_get_string(code), "Success") == 0) {
        return R53_OK;
    }
    util_printable(json_object_get_string(code), code_text, sizeof(code_text));
    if (json_object_object_get_ex(root, "Message", &message) &&
        json_object_is_type(message, json_type_string)) {
        util_printable(json_object_get_string(message), message_text, sizeof(message_text));
    }
    return r53_fail(err, R53_ERR_AUTH,
                    "instance metadata has no credentials for the role: Code \"%s\"%s%s", code_text,
                    message_text[0] != '\0' ? ": " : "", message_text);
}

r53_rc credentials_from_imds_json(const char *json, size_t len, struct credentials *out,
                                  struct r53_error *err)
{
    r53_rc rc = R53_OK;
    struct json_tokener *tok = NULL;
    struct json_object *root = NULL;
    struct credentials c = { 0 };
    const char *id = NULL;
    const char *secret = NULL;
    const char *token = NULL;
    size_t id_len = 0;
    size_t secret_len = 0;
    size_t token_len = 0;

    if (json == NULL || len == 0) {
        return r53_fail(err, R53_ERR_PARSE, "instance metadata returned empty credentials");
    }
    if (len > CRED_MAX_JSON) {
        return r53_fail(err, R53_ERR_PARSE,
                        "instance metadata credentials are %zu bytes, more than the %d allowed",
                        len, CRED_MAX_JSON);
    }
    tok = json_tokener_new();
    if (tok == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory parsing instance metadata credentials");
    }
    if ((rc = imds_json_parse(tok, json, len, &root, err)) != R53_OK ||
        (rc = imds_json_code(root, err)) != R53_OK) {
        goto cleanup;
    }
    if ((rc = json_field(root, "AccessKeyId", &id, &id_len, err)) != R53_OK ||
        (rc = json_field(root, "SecretAccessKey", &secret, &secret_len, err)) != R53_OK ||
        (rc = json_field(root, "Token", &token, &token_len, err)) != R53_OK) {
        goto cleanup;
    }
    rc = credentials_fill(&c, id, id_len, secret, secret_len, token, token_len, "instance metadata",
                          err);
    if (rc == R53_OK) {
        *out = c;
    }

cleanup:
    if (root != NULL) {
        credentials_json_wipe(root);
        json_object_put(root);
    }
    credentials_json_tokener_free(tok);
    return rc;
}

/* The role name from iam/security-credentials/, then its JSON. */
static r53_rc role_credentials(struct imds *m, struct credentials *out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char *role = NULL;
    char *json = NULL;
    char path[512];

    rc = imds_get(m, "iam/security-credentials/", &role, err);
    if (rc == R53_ERR_NOT_FOUND) {
        return r53_fail(err, R53_ERR_NO_CREDENTIALS,
                        "no credentials: none in the environment or profile files, and "
                        "this instance has no IAM role attached");
    }
    if (rc != R53_OK) {
        return rc;
    }
    /* Several lines would be several roles; EC2 attaches one. */
    role[strcspn(role, "\r\n")] = '\0';
    if (role[0] == '\0' || strchr(role, '/') != NULL) {
        rc = r53_fail(err, R53_ERR_HTTP, "instance metadata gave an unusable role name");
        goto cleanup;
    }
    snprintf(path, sizeof(path), "iam/security-credentials/%s", role);
    rc = imds_get(m, path, &json, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = credentials_from_imds_json(json, strlen(json), out, err);
    if (rc == R53_OK) {
        snprintf(out->source, sizeof(out->source), "instance role %.40s", role);
    }

cleanup:
    if (json != NULL) {
        mbedtls_platform_zeroize(json, strlen(json));
        free(json);
    }
    free(role);
    return rc;
}

static r53_rc imds_provider_get(struct cred_provider *p, struct credentials *out,
                                struct r53_error *err)
{
    return role_credentials(p->impl, out, err);
}

/* The role's keys rotate: ask again. */
static const struct cred_provider_ops imds_ops = {
    .get = imds_provider_get,
    .renew = imds_provider_get,
};

struct cred_provider *cred_imds_new(struct imds *imds)
{
    return cred_provider_new("instance role", &imds_ops, imds);
}
