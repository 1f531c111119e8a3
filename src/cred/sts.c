#include "sts.h"

#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xml.h"

static bool region_ok(const char *r)
{
    size_t n = strlen(r);

    return n > 0 && n <= 32 && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

r53_rc sts_endpoint(const char *param, const char *env_url, const char *region, bool regional,
                    char *url, size_t url_len, char *signing_region, size_t region_len,
                    struct r53_error *err)
{
    bool have_region = region != NULL && region[0] != '\0';

    if (have_region && !region_ok(region)) {
        return r53_fail(
            err, R53_ERR_HOST,
            "region '%s' (AWS_REGION or AWS_DEFAULT_REGION on this node) is not an AWS region name",
            region);
    }
    /* An explicit endpoint is signed for the region in use, if any. */
    snprintf(signing_region, region_len, "%s", have_region ? region : "us-east-1");
    if (param != NULL || env_url != NULL) {
        snprintf(url, url_len, "%s", param != NULL ? param : env_url);
        return R53_OK;
    }
    if (have_region && regional) {
        snprintf(url, url_len, "https://sts.%s.amazonaws.com%s", region,
                 strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
        return R53_OK;
    }
    snprintf(url, url_len, "https://sts.amazonaws.com");
    snprintf(signing_region, region_len, "us-east-1");
    return R53_OK;
}

/* ErrorResponse/Error (Code, Message) in the STS namespace. */
static r53_rc sts_xml_error(const char *body, size_t len, struct aws_api_error *out,
                            struct r53_error *err)
{
    return xml_aws_error(STS_XML_NS, body, len, out, err);
}

struct aws_service sts_service(const char *signing_region)
{
    struct aws_service s = { "sts", signing_region, sts_xml_error };

    return s;
}

/* ---- answers ---- */

/* The four fields of Credentials, as text (secrets: wiped after use). */
struct sts_fields {
    char id[128];
    char secret[128];
    char token[4096];
    char expiration[40];
};

static r53_rc credentials_end(struct xml_ctx *c, const char *path, struct r53_error *err)
{
    struct sts_fields *f = c->out;
    const char *leaf = strrchr(path, '/');

    if (strstr(path, "Result/Credentials/") == NULL || leaf == NULL) {
        return R53_OK;
    }
    leaf++;
    if (strcmp(leaf, "AccessKeyId") == 0) {
        return xml_take(c, f->id, sizeof(f->id), "Credentials/AccessKeyId", err);
    }
    if (strcmp(leaf, "SecretAccessKey") == 0) {
        return xml_take(c, f->secret, sizeof(f->secret), "Credentials/SecretAccessKey", err);
    }
    if (strcmp(leaf, "SessionToken") == 0) {
        return xml_take(c, f->token, sizeof(f->token), "Credentials/SessionToken", err);
    }
    if (strcmp(leaf, "Expiration") == 0) {
        return xml_take(c, f->expiration, sizeof(f->expiration), "Credentials/Expiration", err);
    }
    return R53_OK;
}

/* The Credentials of an AssumeRoleResponse (or, with root
 * "AssumeRoleWithWebIdentityResponse", of that): *out filled (the
 * caller wipes), *expires the Expiration as seconds since the epoch.
 * Every secret byte read is wiped from the parser's buffers. */
static r53_rc sts_xml_credentials(const char *body, size_t len, const char *root,
                                  struct credentials *out, time_t *expires, struct r53_error *err)
{
    const char *roots[] = { root, NULL };
    struct xml_ctx c = { 0 };
    struct sts_fields f;
    r53_rc rc = R53_OK;

    memset(&f, 0, sizeof(f));
    c.ns = STS_XML_NS;
    c.roots = roots;
    c.on_end = credentials_end;
    c.out = &f;
    rc = xml_run(&c, body, len, err);
    if (rc == R53_OK && (f.id[0] == '\0' || f.secret[0] == '\0' || f.token[0] == '\0')) {
        rc = r53_fail(err, R53_ERR_PARSE,
                      "STS answer lacks AccessKeyId, SecretAccessKey or SessionToken");
    }
    if (rc == R53_OK && !util_parse_iso8601(f.expiration, expires)) {
        rc = r53_fail(err, R53_ERR_PARSE, "STS answer has no usable Expiration");
    }
    if (rc == R53_OK) {
        rc = credentials_fill(out, f.id, strlen(f.id), f.secret, strlen(f.secret), f.token,
                              strlen(f.token), "STS", err);
    }
    /* The parser's text buffer held the secret and the token too. */
    mbedtls_platform_zeroize(&c, sizeof(c));
    mbedtls_platform_zeroize(&f, sizeof(f));
    return rc;
}

/* ---- AssumeRole ---- */

#define STS_FORM "application/x-www-form-urlencoded; charset=utf-8"

/* POST one STS form and read the credentials in its <action>Response; the
 * answer is wiped, for it holds a secret.  One home for what AssumeRole and
 * AssumeRoleWithWebIdentity send and read alike; unsigned_request for the
 * one whose token is the proof, when there are no credentials yet. */
static r53_rc sts_post(struct aws_caller *sts, const char *action, const char *body,
                       bool unsigned_request, struct credentials *out, time_t *expires,
                       struct r53_error *err)
{
    char root[64];
    struct http_response resp = { 0 };
    const struct aws_request req = {
        .op = action,
        .method = "POST",
        .path = "/",
        .body = body,
        .content_type = STS_FORM,
        .unsigned_request = unsigned_request,
    };
    r53_rc rc = aws_call(sts, &req, &resp, err);

    snprintf(root, sizeof(root), "%sResponse", action);
    if (rc == R53_OK) {
        rc = sts_xml_credentials(resp.body, resp.body_len, root, out, expires, err);
    }
    if (resp.body != NULL) {
        mbedtls_platform_zeroize(resp.body, resp.body_len);
    }
    http_response_free(&resp);
    return rc;
}

bool sts_role_arn_ok(const char *arn)
{
    const char *p = NULL;
    size_t account = 0;

    if (strncmp(arn, "arn:", 4) != 0 || (p = strchr(arn + 4, ':')) == NULL ||
        strncmp(p, ":iam::", 6) != 0) {
        return false;
    }
    p += 6;
    account = strspn(p, "0123456789");
    return account == 12 && strncmp(p + account, ":role/", 6) == 0 && p[account + 6] != '\0' &&
           strlen(arn) <= 2048 && strpbrk(arn, " \t\r\n") == NULL;
}

r53_rc sts_assume_role(struct aws_caller *sts, const struct sts_assume *a, struct credentials *out,
                       time_t *expires, struct r53_error *err)
{
    char arn[2048 * 3 + 1];
    char name[200];
    char ext[1300] = "";
    char body[8192];

    if (!sts_role_arn_ok(a->role_arn)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "role_arn '%s' is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                        a->role_arn);
    }
    util_percent_encode(a->role_arn, arn, sizeof(arn));
    util_percent_encode(a->session_name, name, sizeof(name));
    if (a->external_id != NULL) {
        snprintf(ext, sizeof(ext), "&ExternalId=");
        util_percent_encode(a->external_id, ext + strlen(ext), sizeof(ext) - strlen(ext));
    }
    snprintf(body, sizeof(body),
             "Action=AssumeRole&Version=2011-06-15&RoleArn=%s&RoleSessionName=%s%s", arn, name,
             ext);
    if (a->duration_s > 0) {
        snprintf(body + strlen(body), sizeof(body) - strlen(body), "&DurationSeconds=%ld",
                 a->duration_s);
    }
    return sts_post(sts, "AssumeRole", body, false, out, expires, err);
}

r53_rc sts_assume_role_with_web_identity(struct aws_caller *sts, const struct sts_assume *a,
                                         const char *token, struct credentials *out,
                                         time_t *expires, struct r53_error *err)
{
    char arn[2048 * 3 + 1];
    char name[200];
    size_t cap = strlen(token) * 3 + 8192;
    char *body = malloc(cap);
    int n = 0;
    r53_rc rc = R53_OK;

    if (!sts_role_arn_ok(a->role_arn)) {
        free(body);
        return r53_fail(err, R53_ERR_CONFIG, "role ARN '%s' is not a role ARN", a->role_arn);
    }
    if (body == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    util_percent_encode(a->role_arn, arn, sizeof(arn));
    util_percent_encode(a->session_name, name, sizeof(name));
    n = snprintf(body, cap,
                 "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s"
                 "&RoleSessionName=%s&WebIdentityToken=",
                 arn, name);
    util_percent_encode(token, body + n, cap - (size_t)n);
    rc = sts_post(sts, "AssumeRoleWithWebIdentity", body, true, out, expires, err);
    mbedtls_platform_zeroize(body, cap); /* the token */
    free(body);
    return rc;
}
