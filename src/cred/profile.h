/* A profile's settings beyond its keys, from the config file and then
 * the shared credentials file (botocore merges the two): what says how
 * to get credentials when the profile has none of its own.  Values are
 * not secret (a credential_process command is a path and arguments). */
#ifndef R53_PROFILE_H
#define R53_PROFILE_H

#include <stdbool.h>

#include "rc.h"

enum profile_setting {
    PROFILE_ROLE_ARN,
    PROFILE_SOURCE_PROFILE,
    PROFILE_CREDENTIAL_SOURCE,
    PROFILE_EXTERNAL_ID,
    PROFILE_ROLE_SESSION_NAME,
    PROFILE_DURATION_SECONDS,
    PROFILE_WEB_IDENTITY_TOKEN_FILE,
    PROFILE_CREDENTIAL_PROCESS,
    PROFILE_MFA_SERIAL,
    PROFILE_SSO_SESSION,
    PROFILE_SSO_START_URL,
    PROFILE_REGION,
    PROFILE_N_SETTINGS
};

struct profile_settings {
    bool found; /* the profile's section exists in either file */
    bool set[PROFILE_N_SETTINGS];
    char value[PROFILE_N_SETTINGS][2048];
};

/* profile's settings; a missing file is no error.  R53_ERR_HOST for a
 * file this node cannot read or parse. */
r53_rc profile_settings_read(const char *credentials_file, const char *config_file,
                             const char *profile, struct profile_settings *out,
                             struct r53_error *err);

#endif
