/* AWS credentials: where they come from, and how they are destroyed.
 * The chain, first found wins, as the AWS CLI does:
 *   1. environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
 *   2. the profile in the shared credentials file
 *   3. the profile in the config file
 *   4. the instance role over IMDSv2 (see imds.h)
 * Every string here is secret except access_key_id and source; all are
 * wiped by credentials_wipe(). */
#ifndef R53_CREDENTIALS_H
#define R53_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"

struct credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL for long-term keys */
    char source[64];     /* "environment", "shared credentials file", ... */
};

/* Zero every secret byte, free, and leave *c empty.  NULL-safe. */
void credentials_wipe(struct credentials *c);

/* Look up profile in an INI-style AWS file at path.  In_config selects
 * the config-file section syntax: "[profile NAME]" (and "[default]").
 * R53_ERR_NOT_FOUND when the file, the section or the key pair is absent
 * (not an error for the chain: try the next source); R53_ERR_HOST (this node's file) when
 * the section has only one of the two keys; R53_ERR_IO when the file
 * exists but cannot be read.  On success fills *out (caller wipes). */
r53_rc credentials_from_file(const char *path, const char *profile, bool in_config,
                             struct credentials *out);

/* The same, from the bytes of a file already in memory. */
r53_rc credentials_from_ini(const char *text, size_t len, const char *profile, bool in_config,
                            struct credentials *out);

/* From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 * read through getenv_fn (getenv in production).  R53_ERR_NOT_FOUND if
 * neither key is set, R53_ERR_HOST if only one is. */
r53_rc credentials_from_env(const char *(*getenv_fn)(const char *), struct credentials *out);

/* The instance-role JSON served by IMDS
 * (AccessKeyId, SecretAccessKey, Token, Expiration; Code must be
 * "Success" when present).  Parsed with json-c. */
r53_rc credentials_from_imds_json(const char *json, size_t len, struct credentials *out);

#endif
