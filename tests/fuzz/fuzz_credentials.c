/* libFuzzer harness: the INI parser behind the shared credentials and
 * config files (credentials_from_ini), for two profiles in both file
 * syntaxes.  Beyond "no crash": keys found are non-empty, trimmed,
 * single-line bytes copied verbatim from the input; a failure is one
 * of the documented codes, says why, and hands back nothing. */
#include <stdint.h>

#include "credentials.h"
#include "fuzz.h"

static bool ini_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

/* A key's value: non-empty, one trimmed line, taken from the file. */
static void check_value(const char *v, const uint8_t *data, size_t size)
{
    size_t len = 0;

    FUZZ_CHECK(v != NULL);
    len = strlen(v);
    FUZZ_CHECK(len > 0);
    FUZZ_CHECK(strpbrk(v, "\r\n") == NULL);
    FUZZ_CHECK(!ini_blank(v[0]) && !ini_blank(v[len - 1]));
    FUZZ_CHECK(memmem(data, size, v, len) != NULL);
}

static void fuzz_one(const uint8_t *data, size_t size, const char *profile, bool in_config)
{
    struct credentials c = { 0 };
    r53_rc rc = R53_OK;
    struct r53_error err = { 0 };

    rc = credentials_from_ini((const char *)data, size, profile, in_config, &c, &err);
    if (rc != R53_OK) {
        fuzz_check_failure(rc, &err);
        /* A bad file is this node's (HOST), never a cluster-wide CONFIG. */
        FUZZ_CHECK(rc == R53_ERR_HOST || rc == R53_ERR_NOT_FOUND || rc == R53_ERR_NOMEM);
        FUZZ_CHECK(fuzz_one_line(err.reason));
        FUZZ_CHECK(fuzz_all_zero(&c, sizeof(c)));
        return;
    }
    check_value(c.access_key_id, data, size);
    check_value(c.secret_access_key, data, size);
    if (c.session_token != NULL) {
        check_value(c.session_token, data, size);
    }
    FUZZ_CHECK_STR(c.source);
    FUZZ_CHECK(strcmp(c.source, in_config ? "config file" : "shared credentials file") == 0);
    credentials_wipe(&c);
    FUZZ_CHECK(fuzz_all_zero(&c, sizeof(c)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* "default" is special in config files; "prod" takes the
     * "[profile prod]" path, quoting included. */
    static const char *const profiles[] = { "default", "prod" };

    for (size_t i = 0; i < 2; i++) {
        fuzz_one(data, size, profiles[i], false);
        fuzz_one(data, size, profiles[i], true);
    }
    return 0;
}
