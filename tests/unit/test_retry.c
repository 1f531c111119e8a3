/* The retry policy: which failures are retried, the backoff's bounds,
 * its jitter, the cap, the try limit and the deadline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "actions.h"
#include "retry.h"

static const struct retry_policy policy = { .max_tries = 10, .base_ms = 100, .cap_ms = 5000 };

static void worth_retrying_only_transient_failures(void **state)
{
    (void)state;
    assert_true(retry_worth(R53_ERR_THROTTLED));
    assert_true(retry_worth(R53_ERR_SERVER));
    assert_true(retry_worth(R53_ERR_NETWORK));
    assert_false(retry_worth(R53_OK));
    assert_false(retry_worth(R53_ERR_AUTH));
    assert_false(retry_worth(R53_ERR_EXPIRED));
    assert_false(retry_worth(R53_ERR_TLS));
    assert_false(retry_worth(R53_ERR_NO_ZONE));
    assert_false(retry_worth(R53_ERR_CHANGE));
    assert_false(retry_worth(R53_ERR_PARSE));
    assert_false(retry_worth(R53_ERR_HTTP));
    assert_false(retry_worth(R53_ERR_TIMEOUT));
}

/* The largest pause (random = ceiling) doubles per try up to the cap. */
static void ceiling_doubles_up_to_cap(void **state)
{
    const int64_t want[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };

    (void)state;
    for (unsigned tries = 1; tries <= 9; tries++) {
        int64_t top = want[tries - 1];

        assert_int_equal(retry_pause_ms(&policy, tries, 0, (uint32_t)top), top);
        /* One more than the ceiling wraps to 0: the draw is modulo ceiling + 1. */
        assert_int_equal(retry_pause_ms(&policy, tries, 0, (uint32_t)top + 1), 0);
    }
}

/* Full jitter: any value from 0 to the ceiling, from the random input. */
static void full_jitter_spans_zero_to_ceiling(void **state)
{
    int64_t lo = INT64_MAX;
    int64_t hi = -1;

    (void)state;
    for (uint32_t r = 0; r < 20000; r += 7) {
        int64_t p = retry_pause_ms(&policy, 3, 0, r * 2654435761U);

        assert_in_range(p, 0, 400);
        lo = p < lo ? p : lo;
        hi = p > hi ? p : hi;
    }
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 400);
}

static void tries_are_bounded(void **state)
{
    struct retry_policy once = { .max_tries = 1, .base_ms = 100, .cap_ms = 5000 };

    (void)state;
    assert_int_equal(retry_pause_ms(&policy, 10, 0, 1), -1);
    assert_true(retry_pause_ms(&policy, 9, 0, 1) >= 0);
    assert_int_equal(retry_pause_ms(&once, 1, 0, 1), -1);
}

/* A pause is cut to leave the reserve before the deadline; past that,
 * no retry at all. */
static void deadline_bounds_pause(void **state)
{
    struct retry_policy p = {
        .max_tries = 10, .base_ms = 100, .cap_ms = 5000, .deadline_ms = 10000, .reserve_ms = 250
    };

    (void)state;
    assert_int_equal(retry_pause_ms(&p, 7, 0, 5000), 5000);
    assert_int_equal(retry_pause_ms(&p, 7, 6000, 5000), 3750);
    assert_int_equal(retry_pause_ms(&p, 7, 9750, 5000), 0);
    assert_int_equal(retry_pause_ms(&p, 7, 9751, 5000), -1);
    assert_int_equal(retry_pause_ms(&p, 1, 20000, 0), -1);
}

static void zero_cap_retries_at_once(void **state)
{
    struct retry_policy p = { .max_tries = 4, .base_ms = 100, .cap_ms = 0 };

    (void)state;
    assert_int_equal(retry_pause_ms(&p, 1, 0, 12345), 0);
    assert_int_equal(retry_pause_ms(&p, 3, 0, 12345), 0);
    assert_int_equal(retry_pause_ms(&p, 4, 0, 12345), -1);
}

/* The random source varies (a constant would defeat the jitter). */
static void random_varies(void **state)
{
    uint32_t first = retry_random();
    int differ = 0;

    (void)state;
    for (int i = 0; i < 16; i++) {
        differ += retry_random() != first;
    }
    assert_true(differ > 0);
}

/* Start's default GetChange schedule: every second for the first 5 s,
 * then never later than half the time waited (and 15 s) after INSYNC,
 * with 12 polls covering 60 s. */
static void poll_schedule_grows_with_bounded_lateness(void **state)
{
    long prev = 0;

    (void)state;
    for (long n = 1; n <= 5; n++) {
        assert_int_equal(action_default_poll_at_ms(n), n * 1000);
    }
    for (long n = 1; n <= 200; n++) {
        long at = action_default_poll_at_ms(n);
        long gap = at - prev;

        assert_true(gap >= 1000);
        assert_true(gap <= 15000);
        assert_true(n <= 5 || gap * 2 <= at); /* at most half the time waited */
        prev = at;
    }
    assert_true(action_default_poll_at_ms(12) >= 60000);
    assert_true(action_default_poll_at_ms(11) < 60000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(worth_retrying_only_transient_failures),
        cmocka_unit_test(ceiling_doubles_up_to_cap),
        cmocka_unit_test(full_jitter_spans_zero_to_ceiling),
        cmocka_unit_test(tries_are_bounded),
        cmocka_unit_test(deadline_bounds_pause),
        cmocka_unit_test(zero_cap_retries_at_once),
        cmocka_unit_test(random_varies),
        cmocka_unit_test(poll_schedule_grows_with_bounded_lateness),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
