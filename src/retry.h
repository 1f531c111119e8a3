/* When to try a failed request again: capped exponential backoff with
 * full jitter, bounded by a number of tries and by the action's deadline.
 * Pure arithmetic plus a random source and a sleep, so the policy can be
 * tested without a network; retry_run is the one loop that applies it
 * (AWS calls and instance metadata alike). */
#ifndef R53_RETRY_H
#define R53_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

/* The time retries are measured and spent in.  The system's (NULL in a
 * policy) is util_now_ms and retry_sleep_ms; a test passes a fake. */
struct retry_clock {
    int64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, int64_t ms);
    void *ctx;
};

struct retry_policy {
    unsigned max_tries;              /* 1: never retry */
    int64_t base_ms;                 /* ceiling of the first pause */
    int64_t cap_ms;                  /* the ceiling never grows past this */
    int64_t deadline_ms;             /* ms on clock; 0: none */
    int64_t reserve_ms;              /* a retry must leave this long to run */
    const struct retry_clock *clock; /* NULL: the system's; borrowed */
};

/* Whether a failure is worth another try: throttling, 5xx, network
 * failures and request timeouts; never a refusal or a bad answer. */
bool retry_worth(r53_rc rc);

/* The pause before the next try, after `tries` failed ones at now_ms:
 * uniform in [0, min(cap, base * 2^(tries-1))] (from `random`), shortened
 * to fit the deadline.  -1 when the tries or the time are spent. */
int64_t retry_pause_ms(const struct retry_policy *p, unsigned tries, int64_t now_ms,
                       uint32_t random);

/* A random 32-bit value for the jitter (not for secrets). */
uint32_t retry_random(void);

/* Now, on p's clock. */
int64_t retry_now_ms(const struct retry_policy *p);

/* Call attempt(ctx, err) until it succeeds, fails in a way not worth a
 * retry, or p allows no more tries or time; pauses in between, on p's
 * clock.  what names the request in the log line of each retry.
 * *tries: attempts made; *err: the last try's reason. */
r53_rc retry_run(const struct retry_policy *p, r53_rc (*attempt)(void *ctx, struct r53_error *err),
                 void *ctx, const char *what, unsigned *tries, struct r53_error *err);

/* Sleep ms milliseconds, resuming after signals. */
void retry_sleep_ms(int64_t ms);

#endif
