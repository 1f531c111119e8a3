/* libFuzzer harness: every Route 53 response reader in src/xml.h gets
 * each input.  Beyond "no crash": a reader that succeeds leaves only
 * NUL-terminated fields, counts and kept items that agree, and the
 * fields its callers rely on; one that fails says why on one line and
 * leaves its output cleared. */
#include <limits.h>
#include <stdint.h>

#include "fuzz.h"
#include "route53_xml.h"

static void check_failed(r53_rc rc, const struct r53_error *err, const void *out, size_t size)
{
    fuzz_check_failure(rc, err);
    FUZZ_CHECK(rc == R53_ERR_PARSE || rc == R53_ERR_NOMEM);
    FUZZ_CHECK(fuzz_one_line(err->reason));
    FUZZ_CHECK(fuzz_all_zero(out, size));
}

static void check_zone(const struct r53_zone *z)
{
    FUZZ_CHECK_STR(z->id);
    FUZZ_CHECK_STR(z->name);
    FUZZ_CHECK(z->id[0] != '\0' && z->name[0] != '\0');
}

static void fuzz_change_info(const char *body, size_t len)
{
    struct r53_change_info out;
    struct r53_error err = { 0 };
    r53_rc rc = r53_xml_change_info(body, len, &out, &err);

    if (rc != R53_OK) {
        check_failed(rc, &err, &out, sizeof(out));
        return;
    }
    FUZZ_CHECK_STR(out.id);
    FUZZ_CHECK_STR(out.status);
    FUZZ_CHECK(out.id[0] != '\0');
    FUZZ_CHECK(strcmp(out.status, "PENDING") == 0 || strcmp(out.status, "INSYNC") == 0);
}

static void fuzz_error(const char *body, size_t len)
{
    struct aws_api_error out;
    struct r53_error err = { 0 };
    r53_rc rc = r53_xml_error(body, len, &out, &err);

    if (rc != R53_OK) {
        check_failed(rc, &err, &out, sizeof(out));
        return;
    }
    FUZZ_CHECK_STR(out.code);
    FUZZ_CHECK_STR(out.message);
    FUZZ_CHECK(out.code[0] != '\0');
}

static void fuzz_rrset_page(const char *body, size_t len)
{
    static struct r53_rrset_page out; /* about 20 KiB: off the stack */
    struct r53_error err = { 0 };
    r53_rc rc = r53_xml_rrset_page(body, len, &out, &err);
    size_t kept = 0;

    if (rc != R53_OK) {
        check_failed(rc, &err, &out, sizeof(out));
        return;
    }
    FUZZ_CHECK_STR(out.next_name);
    FUZZ_CHECK(!out.is_truncated || out.next_name[0] != '\0');
    kept = out.n_rrsets < R53_MAX_RRSETS ? out.n_rrsets : R53_MAX_RRSETS;
    for (size_t i = 0; i < kept; i++) {
        const struct r53_rrset *rr = &out.rrsets[i];
        size_t values = rr->n_values < R53_MAX_VALUES ? rr->n_values : R53_MAX_VALUES;

        FUZZ_CHECK_STR(rr->name);
        FUZZ_CHECK_STR(rr->type);
        FUZZ_CHECK_STR(rr->set_identifier);
        FUZZ_CHECK(rr->name[0] != '\0' && rr->type[0] != '\0');
        FUZZ_CHECK(rr->ttl >= -1 && rr->ttl <= INT_MAX);
        for (size_t j = 0; j < R53_MAX_VALUES; j++) {
            FUZZ_CHECK_STR(rr->values[j]);
            FUZZ_CHECK(j < values || rr->values[j][0] == '\0');
        }
    }
    /* Record sets past the cap are counted, never stored. */
    for (size_t i = kept; i < R53_MAX_RRSETS; i++) {
        FUZZ_CHECK(fuzz_all_zero(&out.rrsets[i], sizeof(out.rrsets[i])));
    }
}

static void fuzz_zone_page(const char *body, size_t len)
{
    struct r53_zone_page out;
    struct r53_error err = { 0 };
    r53_rc rc = r53_xml_zone_page(body, len, &out, &err);
    size_t kept = 0;

    if (rc != R53_OK) {
        check_failed(rc, &err, &out, sizeof(out));
        return;
    }
    FUZZ_CHECK_STR(out.next_dns_name);
    FUZZ_CHECK(!out.is_truncated || out.next_dns_name[0] != '\0');
    kept = out.n_zones < R53_MAX_ZONES ? out.n_zones : R53_MAX_ZONES;
    for (size_t i = 0; i < kept; i++) {
        check_zone(&out.zones[i]);
    }
    for (size_t i = kept; i < R53_MAX_ZONES; i++) {
        FUZZ_CHECK(fuzz_all_zero(&out.zones[i], sizeof(out.zones[i])));
    }
}

static void fuzz_hosted_zone(const char *body, size_t len)
{
    struct r53_zone out;
    struct r53_error err = { 0 };
    r53_rc rc = r53_xml_hosted_zone(body, len, &out, &err);

    if (rc != R53_OK) {
        check_failed(rc, &err, &out, sizeof(out));
        return;
    }
    check_zone(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libFuzzer's buffer is exactly size bytes with no NUL after it, so
     * ASan catches a reader that runs past len. */
    const char *body = (const char *)data;

    fuzz_change_info(body, size);
    fuzz_error(body, size);
    fuzz_rrset_page(body, size);
    fuzz_zone_page(body, size);
    fuzz_hosted_zone(body, size);
    return 0;
}
