/* agent/ocf.c: every result code has a name, a text and the OCF exit
 * code doc/failures.md's "Exit codes" table promises; one row each.  An
 * action's result maps through the same table, or by what a monitor
 * found. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ocf.h"

struct row {
    const char *name;
    r53_rc rc;
    enum ocf_exit ocf;
};

/* Written from doc/failures.md's table, not from ocf.c. */
static const struct row rows[] = {
    { "R53_OK", R53_OK, OCF_SUCCESS },
    { "R53_ERR_NOMEM", R53_ERR_NOMEM, OCF_ERR_GENERIC },
    { "R53_ERR_CONFIG", R53_ERR_CONFIG, OCF_ERR_CONFIGURED },
    { "R53_ERR_HOST", R53_ERR_HOST, OCF_ERR_ARGS },
    { "R53_ERR_INTERNAL", R53_ERR_INTERNAL, OCF_ERR_GENERIC },
    { "R53_ERR_NOT_INSTALLED", R53_ERR_NOT_INSTALLED, OCF_ERR_INSTALLED },
    { "R53_ERR_IO", R53_ERR_IO, OCF_ERR_GENERIC },
    { "R53_ERR_NETWORK", R53_ERR_NETWORK, OCF_ERR_GENERIC },
    { "R53_ERR_TLS", R53_ERR_TLS, OCF_ERR_GENERIC },
    { "R53_ERR_HTTP", R53_ERR_HTTP, OCF_ERR_GENERIC },
    { "R53_ERR_PARSE", R53_ERR_PARSE, OCF_ERR_GENERIC },
    { "R53_ERR_AUTH", R53_ERR_AUTH, OCF_ERR_PERM },
    { "R53_ERR_EXPIRED", R53_ERR_EXPIRED, OCF_ERR_PERM },
    { "R53_ERR_NO_CREDENTIALS", R53_ERR_NO_CREDENTIALS, OCF_ERR_INSTALLED },
    { "R53_ERR_THROTTLED", R53_ERR_THROTTLED, OCF_ERR_GENERIC },
    { "R53_ERR_SERVER", R53_ERR_SERVER, OCF_ERR_GENERIC },
    { "R53_ERR_NO_ZONE", R53_ERR_NO_ZONE, OCF_ERR_CONFIGURED },
    { "R53_ERR_CHANGE", R53_ERR_CHANGE, OCF_ERR_GENERIC },
    { "R53_ERR_API", R53_ERR_API, OCF_ERR_GENERIC },
    { "R53_ERR_PENDING", R53_ERR_PENDING, OCF_ERR_GENERIC },
    { "R53_ERR_TIMEOUT", R53_ERR_TIMEOUT, OCF_ERR_GENERIC },
    { "R53_ERR_NOT_FOUND", R53_ERR_NOT_FOUND, OCF_ERR_GENERIC },
};

static void each_code_maps_as_documented(void **state)
{
    (void)state;
    assert_int_equal(sizeof(rows) / sizeof(rows[0]), R53_RC_COUNT);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (ocf_for(rows[i].rc) != rows[i].ocf) {
            fail_msg("%s maps to %d, not %d", rows[i].name, ocf_for(rows[i].rc), rows[i].ocf);
        }
        assert_string_equal(ocf_rc_name(rows[i].rc), rows[i].name);
        assert_true(strlen(ocf_rc_text(rows[i].rc)) > 0);
    }
}

/* Only a value wrong everywhere may stop the resource cluster-wide. */
static void only_cluster_wide_faults_are_6(void **state)
{
    (void)state;
    for (int rc = 0; rc < R53_RC_COUNT; rc++) {
        if (ocf_for((r53_rc)rc) == OCF_ERR_CONFIGURED) {
            assert_true(rc == R53_ERR_CONFIG || rc == R53_ERR_NO_ZONE);
        }
    }
}

static void out_of_range_is_generic(void **state)
{
    (void)state;
    assert_int_equal(ocf_for(R53_RC_COUNT), OCF_ERR_GENERIC);
    assert_int_equal(ocf_for((r53_rc)-1), OCF_ERR_GENERIC);
    assert_string_equal(ocf_rc_text(R53_RC_COUNT), "unknown error");
}

/* An action's result: a failure's code wins; else what a monitor found
 * (doc/failures.md: running 0, not running 7, elsewhere or gone 1,
 * degraded 190); the other actions succeed with the zero value. */
static void results_map_as_documented(void **state)
{
    struct action_result r = { .rc = R53_OK };

    (void)state;
    assert_int_equal(ocf_for_result(&r), OCF_SUCCESS);
    r.monitor = MONITOR_STOPPED;
    assert_int_equal(ocf_for_result(&r), OCF_NOT_RUNNING);
    r.monitor = MONITOR_FAILED;
    assert_int_equal(ocf_for_result(&r), OCF_ERR_GENERIC);
    r.monitor = MONITOR_DEGRADED;
    assert_int_equal(ocf_for_result(&r), OCF_DEGRADED);
    r.rc = R53_ERR_CONFIG;
    assert_int_equal(ocf_for_result(&r), OCF_ERR_CONFIGURED);
    r.rc = R53_ERR_HOST;
    r.monitor = MONITOR_RUNNING;
    assert_int_equal(ocf_for_result(&r), OCF_ERR_ARGS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_code_maps_as_documented),
        cmocka_unit_test(only_cluster_wide_faults_are_6),
        cmocka_unit_test(out_of_range_is_generic),
        cmocka_unit_test(results_map_as_documented),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
