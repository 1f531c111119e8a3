/* libFuzzer harness: the instance-role credentials JSON served by IMDS
 * (credentials_from_imds_json).  Beyond "no crash": success means three
 * non-empty NUL-free strings; a failure is one of the documented codes,
 * says why on one line (Code and Message are cleaned) and hands back
 * nothing. */
#include <stdint.h>

#include "credentials.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct credentials c = { 0 };
    r53_rc rc = R53_OK;
    struct r53_error err = { 0 };

    rc = credentials_from_imds_json((const char *)data, size, &c, &err);
    if (rc != R53_OK) {
        fuzz_check_failure(rc, &err);
        FUZZ_CHECK(rc == R53_ERR_PARSE || rc == R53_ERR_AUTH || rc == R53_ERR_NOMEM);
        FUZZ_CHECK(fuzz_one_line(err.reason));
        FUZZ_CHECK(fuzz_all_zero(&c, sizeof(c)));
        return 0;
    }
    FUZZ_CHECK(c.access_key_id != NULL && c.access_key_id[0] != '\0');
    FUZZ_CHECK(c.secret_access_key != NULL && c.secret_access_key[0] != '\0');
    FUZZ_CHECK(c.session_token != NULL && c.session_token[0] != '\0');
    FUZZ_CHECK_STR(c.source);
    FUZZ_CHECK(strcmp(c.source, "instance metadata") == 0);
    credentials_wipe(&c);
    FUZZ_CHECK(fuzz_all_zero(&c, sizeof(c)));
    return 0;
}
