#include "retry.h"

#include <errno.h>
#include <qb/qblog.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

bool retry_worth(r53_rc rc)
{
    switch (rc) {
    case R53_ERR_THROTTLED:
    case R53_ERR_SERVER:
    case R53_ERR_NETWORK:
        return true;
    default:
        return false;
    }
}

int64_t retry_pause_ms(const struct retry_policy *p, unsigned tries, int64_t now_ms,
                       uint32_t random)
{
    int64_t ceiling = p->base_ms;
    int64_t pause = 0;

    if (tries >= p->max_tries) {
        return -1;
    }
    /* Doubling stops at the cap, so it cannot overflow. */
    for (unsigned i = 1; i < tries && ceiling < p->cap_ms; i++) {
        ceiling *= 2;
    }
    if (ceiling > p->cap_ms) {
        ceiling = p->cap_ms;
    }
    pause = ceiling > 0 ? (int64_t)(random % (uint64_t)(ceiling + 1)) : 0;
    if (p->deadline_ms > 0) {
        int64_t room = p->deadline_ms - p->reserve_ms - now_ms;

        if (room < 0) {
            return -1;
        }
        if (pause > room) {
            pause = room;
        }
    }
    return pause;
}

uint32_t retry_random(void)
{
    uint32_t r = 0;
    struct timespec ts;

    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r)) {
        return r;
    }
    /* No entropy yet (early boot): jitter still differs per process. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16);
}

void retry_sleep_ms(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int64_t retry_now_ms(const struct retry_policy *p)
{
    return p->clock != NULL ? p->clock->now_ms(p->clock->ctx) : util_now_ms();
}

static void pause_on_clock(const struct retry_policy *p, int64_t ms)
{
    if (p->clock != NULL) {
        p->clock->sleep_ms(p->clock->ctx, ms);
    } else {
        retry_sleep_ms(ms);
    }
}

r53_rc retry_run(const struct retry_policy *p, r53_rc (*attempt)(void *ctx, struct r53_error *err),
                 void *ctx, const char *what, unsigned *tries, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    int64_t pause = 0;

    for (*tries = 1;; (*tries)++) {
        rc = attempt(ctx, err);
        if (!retry_worth(rc) ||
            (pause = retry_pause_ms(p, *tries, retry_now_ms(p), retry_random())) < 0) {
            return rc;
        }
        qb_log(LOG_WARNING, "%s, try %u: %s; again in %lld ms", what, *tries, err->reason,
               (long long)pause);
        pause_on_clock(p, pause);
    }
}
