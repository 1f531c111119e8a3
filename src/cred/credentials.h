/* AWS credentials, and the providers they come from (as aws-c-auth has
 * them): each source is a provider with a name and a get; a source whose
 * credentials expire says when (credentials.expires), and one decorator,
 * cred_cached (cred_cached.h), keeps them and asks it again near expiry
 * or when they are called expired.  A chain is itself a provider that
 * asks its members in order, first found wins.  One file per source:
 *   cred_env.c      AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   cred_profile.c  a profile's keys in the shared credentials and config files
 *   cred_imds.c     the instance role over IMDSv2
 *   cred_assume.c   STS AssumeRole from another provider's credentials
 *   cred_process.c  a profile's credential_process
 *   cred_web_identity.c  AssumeRoleWithWebIdentity with a token file
 * A new source is one more file with a constructor below;
 * cred_default_chain.c puts it in the chain, from struct aws_settings.
 * Every string of struct credentials is secret except access_key_id and
 * source; all are wiped by credentials_wipe(). */
#ifndef R53_CREDENTIALS_H
#define R53_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rc.h"

struct credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL for long-term keys */
    char source[64];     /* "environment", "shared credentials file", ... */
    time_t expires;      /* when they expire (Unix time); 0: never, or not said */
};

/* Zero every secret byte, free, and leave *c empty.  NULL-safe. */
void credentials_wipe(struct credentials *c);

/* ---- providers ---- */

struct cred_provider;

struct cred_provider_ops {
    /* Fill *out with credentials the caller owns (and wipes).
     * R53_ERR_NOT_FOUND (with a reason): this source has none, and a
     * chain asks the next; any other failure ends the chain. */
    r53_rc (*get)(struct cred_provider *p, struct credentials *out, struct r53_error *err);
    /* The credentials from get expired (ExpiredToken): fetch new ones.
     * NULL for a source that cannot (static keys). */
    r53_rc (*renew)(struct cred_provider *p, struct credentials *out, struct r53_error *err);
    /* Whether renew can help now; NULL: whenever renew is set. */
    bool (*can_renew)(const struct cred_provider *p);
    void (*destroy)(struct cred_provider *p); /* frees p->impl */
};

struct cred_provider {
    const char *name; /* "environment", "profile", "instance role", "chain" */
    const struct cred_provider_ops *ops;
    void *impl;
};

r53_rc cred_provider_get(struct cred_provider *p, struct credentials *out, struct r53_error *err);
/* R53_ERR_EXPIRED when p cannot renew. */
r53_rc cred_provider_renew(struct cred_provider *p, struct credentials *out, struct r53_error *err);
bool cred_provider_can_renew(const struct cred_provider *p);
/* Frees p and what it owns.  NULL-safe. */
void cred_provider_free(struct cred_provider *p);

/* A provider around ops and impl (owned: destroy frees it); NULL when
 * out of memory. */
struct cred_provider *cred_provider_new(const char *name, const struct cred_provider_ops *ops,
                                        void *impl);

#define CRED_CHAIN_MAX 8 /* members of a chain */

/* Asks members[0..n) in order (n <= CRED_CHAIN_MAX); owns them.  none_reason: the reason when
 * every member had nothing (R53_ERR_NO_CREDENTIALS).  Renewal goes to
 * the member that answered.  NULL when out of memory (members freed). */
struct cred_provider *cred_chain_new(struct cred_provider **members, size_t n,
                                     const char *none_reason);

/* The environment, read through getenv_fn.  Skipped (NOT_FOUND) when
 * neither key is set. */
struct cred_provider *cred_env_new(const char *(*getenv_fn)(const char *));

/* profile's keys in the shared credentials file, then in the config
 * file (either path NULL: that file is not read).  Paths and profile are
 * copied. */
struct cred_provider *cred_profile_new(const char *credentials_file, const char *config_file,
                                       const char *profile);

struct imds;
/* The instance role's temporary credentials, renewable; imds is
 * borrowed. */
struct cred_provider *cred_imds_new(struct imds *imds);

struct endpoint;
struct http_client;
struct retry_policy;
struct cred_assume_opts {
    struct cred_provider *source;    /* whose credentials assume the role; owned from here on */
    const struct endpoint *endpoint; /* STS's (sts_endpoint in sts.h) */
    const char *signing_region;
    struct http_client *http;         /* borrowed */
    const struct retry_policy *retry; /* copied */
    const char *role_arn;
    const char *external_id;  /* NULL: none */
    const char *session_name; /* 2-64 of [A-Za-z0-9+=,.@_-] */
    long duration_s;          /* 0: STS's default */
};
/* STS AssumeRole with the source's credentials, through the signed-call
 * path; each get asks STS (cred_cached keeps the answer).  NULL when out
 * of memory (source freed). */
struct cred_provider *cred_assume_new(const struct cred_assume_opts *o);

struct cred_web_identity_opts {
    const struct endpoint *endpoint; /* STS's */
    const char *signing_region;
    struct http_client *http;         /* borrowed */
    const struct retry_policy *retry; /* copied */
    const char *token_file;           /* AWS_WEB_IDENTITY_TOKEN_FILE */
    const char *role_arn;             /* AWS_ROLE_ARN */
    const char *session_name;         /* AWS_ROLE_SESSION_NAME, else ours */
};
/* STS AssumeRoleWithWebIdentity (unsigned) with the token file's token,
 * read afresh each get and wiped; kept by cred_cached as cred_assume. */
struct cred_provider *cred_web_identity_new(const struct cred_web_identity_opts *o);

/* A profile's credential_process: command split as the AWS CLI splits it
 * (no shell), run with a minimal environment (no AWS secret of ours),
 * within timeout_ms, its output capped at 64 KiB; JSON Version 1.  Run on
 * each get; its Expiration, if any, is the credentials' expires. */
struct cred_provider *cred_process_new(const char *command, long timeout_ms);

/* ---- the sources' readers, for the providers and their tests ---- */

/* Look up profile in an INI-style AWS file at path.  In_config selects
 * the config-file section syntax: "[profile NAME]" (and "[default]").
 * R53_ERR_NOT_FOUND when the file, the section or the key pair is absent
 * (not an error for the chain: try the next source); R53_ERR_HOST (this node's file) when
 * the section has only one of the two keys; R53_ERR_IO when the file
 * exists but cannot be read.  On success fills *out (caller wipes). */
r53_rc credentials_from_file(const char *path, const char *profile, bool in_config,
                             struct credentials *out, struct r53_error *err);

/* The same, from the bytes of a file already in memory. */
r53_rc credentials_from_ini(const char *text, size_t len, const char *profile, bool in_config,
                            struct credentials *out, struct r53_error *err);

/* From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 * read through getenv_fn (getenv in production).  R53_ERR_NOT_FOUND if
 * neither key is set, R53_ERR_HOST if only one is. */
r53_rc credentials_from_env(const char *(*getenv_fn)(const char *), struct credentials *out,
                            struct r53_error *err);

/* For providers: fill c from byte ranges (token may be NULL), naming
 * source; on failure c is left wiped.  Copies and wipes of secrets. */
r53_rc credentials_fill(struct credentials *c, const char *id, size_t id_len, const char *secret,
                        size_t secret_len, const char *token, size_t token_len, const char *source,
                        struct r53_error *err);
char *credentials_copy_bytes(const char *s, size_t len);

/* Zero every string of a parsed json-c object (json-c frees them
 * unwiped), and a tokener's buffer, which still holds the last string
 * parsed, before freeing it. */
struct json_object;
struct json_tokener;
void credentials_json_wipe(struct json_object *o);
void credentials_json_tokener_free(struct json_tokener *tok);
void credentials_wipe_string(char *s);

/* The instance-role JSON served by IMDS
 * (AccessKeyId, SecretAccessKey, Token, Expiration; Code must be
 * "Success" when present).  Parsed with json-c. */
r53_rc credentials_from_imds_json(const char *json, size_t len, struct credentials *out,
                                  struct r53_error *err);

#endif
