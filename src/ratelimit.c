#include "ratelimit.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <qb/qblog.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "retry.h"
#include "util.h"

#define REC_MAGIC 0x42333552u /* "R53B" read as little-endian bytes */
#define REC_VERSION 2u
#define FUTURE_SLACK_MS 1000 /* times further ahead are from another boot */
#define TOKEN_EPS 1e-9       /* refill arithmetic rounds; a hair short is whole */
#define SANE_MAX 1e6         /* no real rate or token count comes near */
#define JITTER_MAX_MS 50
#define POLL_MAX_MS 250 /* a waiter looks again at least this often: rates move */
#define REC_SLOW 1u     /* flags: slow start allowed (no Throttling since reset) */

/* The file: one record, native byte order (it never leaves the node),
 * no padding (checked below), the checksum over every byte before it. */
struct rec {
    uint32_t magic;
    uint32_t version;
    int64_t stamp_ms;                    /* when tokens was last brought up to date */
    double tokens;                       /* 0..capacity */
    double w_max;                        /* the rate the last throttle hit; 0: none since reset */
    int64_t fail_ms;                     /* when it hit */
    uint64_t granted;                    /* tokens taken since the record was made */
    uint64_t throttles;                  /* decreases since then */
    uint64_t refused;                    /* Throttling answers told since then */
    uint64_t mark_granted, mark_refused; /* granted, refused at fail_ms */
    double extra;                        /* tokens this slow start gave beyond the rate */
    int64_t full_ms;                     /* when the bucket was last full: slow start's clock */
    uint64_t next_ticket;                /* the number the next waiter draws */
    uint64_t serving;                    /* the number whose turn it is */
    int64_t ready_ms;                    /* since when a token has waited for serving; 0: none */
    uint32_t flags;                      /* REC_SLOW */
    uint32_t reserved;                   /* zero */
    uint64_t check;                      /* FNV-1a 64 */
};
_Static_assert(sizeof(struct rec) == 136, "the record has no padding");

struct rate_budget {
    int fd;     /* -1: private */
    char *path; /* for log lines; NULL when opened private */
    double ceiling;
    struct rate_clock clock;
    struct rec mem;  /* the private bucket, or the last record seen */
    bool took;       /* this handle has taken a token... */
    int64_t took_ms; /* ...at this time */
    bool queued;     /* this handle holds ticket, drawn from the record */
    uint64_t ticket;
    uint64_t resets;
};

static int64_t real_now(void *ctx)
{
    (void)ctx;
    return util_now_ms();
}

static void real_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    retry_sleep_ms(ms);
}

static uint32_t real_random(void *ctx)
{
    (void)ctx;
    return retry_random();
}

static int64_t now_ms(const struct rate_budget *b)
{
    return b->clock.now_ms(b->clock.ctx);
}

static uint64_t fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ULL;

    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 1099511628211ULL;
    }
    return h;
}

static void seal(struct rec *r)
{
    r->magic = REC_MAGIC;
    r->version = REC_VERSION;
    r->check = fnv1a(r, offsetof(struct rec, check));
}

static double capacity(double rate)
{
    return fmax(1.0, rate * RATE_BURST_S);
}

/* The allowed rate at time t: the ceiling, or the regrowth since the
 * last throttle (CUBIC, held at w_max for RATE_HOLD_S on its way past),
 * clamped to [min(RATE_MIN, ceiling), ceiling]. */
static double rate_at(const struct rec *r, int64_t t, double ceiling)
{
    double floor_rate = fmin(RATE_MIN, ceiling);
    double rate = ceiling;

    if (r->w_max > 0) {
        double dt = t > r->fail_ms ? (double)(t - r->fail_ms) / 1000.0 : 0.0;
        double k = cbrt(r->w_max * (1.0 - RATE_BETA) / RATE_CUBIC_C);
        double x = dt < k ? dt - k : fmax(0.0, dt - k - RATE_HOLD_S);

        rate = RATE_CUBIC_C * x * x * x + r->w_max;
    }
    return fmax(floor_rate, fmin(ceiling, rate));
}

/* The most a slow start may give beyond the rate: RATE_SLOW_BURST_S of
 * the ceiling, less the bucket it starts with. */
static double extra_max(double ceiling)
{
    return fmax(0.0, ceiling * RATE_SLOW_BURST_S - capacity(ceiling));
}

/* Slow start's refill on top of rate at time t: rate * (2^(t/T) - 1),
 * T = RATE_SLOW_DOUBLE_MS since the bucket was last full, while no
 * Throttling has ended it and its burst is not spent. */
static double extra_rate_at(const struct rec *r, int64_t t, double rate, double ceiling)
{
    if ((r->flags & REC_SLOW) == 0 || r->extra >= extra_max(ceiling) || t <= r->full_ms) {
        return 0.0;
    }
    return rate * (exp2((double)(t - r->full_ms) / RATE_SLOW_DOUBLE_MS) - 1.0);
}

static void rec_fresh(struct rec *r, int64_t now, double ceiling)
{
    memset(r, 0, sizeof(*r));
    r->stamp_ms = now;
    r->full_ms = now;
    r->tokens = capacity(ceiling);
    r->flags = REC_SLOW;
    seal(r);
}

static bool rec_valid(const struct rec *r, int64_t now)
{
    return r->magic == REC_MAGIC && r->version == REC_VERSION &&
           r->check == fnv1a(r, offsetof(struct rec, check)) && isfinite(r->tokens) &&
           r->tokens >= 0 && r->tokens <= SANE_MAX && isfinite(r->w_max) && r->w_max >= 0 &&
           r->w_max <= SANE_MAX && isfinite(r->extra) && r->extra >= 0 && r->extra <= SANE_MAX &&
           r->stamp_ms <= now + FUTURE_SLACK_MS && r->fail_ms <= now + FUTURE_SLACK_MS &&
           r->full_ms <= now + FUTURE_SLACK_MS && r->ready_ms <= now + FUTURE_SLACK_MS &&
           r->serving <= r->next_ticket && (r->flags & ~REC_SLOW) == 0 && r->reserved == 0;
}

/* Bring tokens up to now.  The rates at the interval's start are used
 * for all of it: between throttles they only grow, so this never grants
 * more than the curves allow.  Slow start's extra comes only while the
 * bucket does not fill at the rate alone (demand); a bucket that fills
 * restarts its clock and pays its extra back at the rate, as the
 * account's bucket would refill. */
static void refill(struct rec *r, int64_t now, double ceiling)
{
    double cap = capacity(rate_at(r, now, ceiling));

    if (now > r->stamp_ms) {
        double dt = (double)(now - r->stamp_ms) / 1000.0;
        double rate = rate_at(r, r->stamp_ms, ceiling);
        double extra = fmax(0.0, fmin(extra_rate_at(r, r->stamp_ms, rate, ceiling) * dt,
                                      extra_max(ceiling) - r->extra));

        r->tokens += rate * dt;
        if (r->tokens >= cap) {
            r->tokens = cap;
            r->extra = fmax(0.0, r->extra - rate * dt);
            r->full_ms = now;
        } else {
            r->tokens += extra;
            r->extra += extra;
        }
        r->stamp_ms = now;
    }
    r->tokens = fmin(r->tokens, cap + extra_max(ceiling));
}

/* Give up the file for good, with the one line that says why.  Closing
 * the descriptor also drops the lock if this process held it. */
__attribute__((format(printf, 2, 3))) static void go_private(struct rate_budget *b, const char *fmt,
                                                             ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    qb_log(LOG_WARNING,
           "request budget %s unusable (%s): this process goes on alone at %.2f requests/s",
           b->path, why, b->ceiling);
    if (b->fd >= 0) {
        close(b->fd);
    }
    b->fd = -1;
}

/* The exclusive lock, waited for until the deadline (R53_ERR_TIMEOUT);
 * a holder stuck for RATE_LOCK_PATIENCE_MS (stopped, not dead: death
 * releases flock) sends this process on alone. */
static r53_rc lock_file(struct rate_budget *b, int64_t deadline_ms, struct r53_error *err)
{
    const struct fileio_clock clock = {
        .now_ms = b->clock.now_ms,
        .sleep_ms = b->clock.sleep_ms,
        .ctx = b->clock.ctx,
    };
    int64_t patience_ms = now_ms(b) + RATE_LOCK_PATIENCE_MS;
    bool patience_first = deadline_ms <= 0 || patience_ms < deadline_ms;

    if (fileio_lock(b->fd, patience_first ? patience_ms : deadline_ms, &clock) == 0) {
        return R53_OK;
    }
    if (errno != ETIMEDOUT) {
        go_private(b, "cannot lock: %s", strerror(errno));
    } else if (patience_first) {
        go_private(b, "locked by another process for %d ms", RATE_LOCK_PATIENCE_MS);
    } else {
        return r53_fail(err, R53_ERR_TIMEOUT, "request budget %s stayed locked until the deadline",
                        b->path);
    }
    return R53_OK;
}

/* Read the record under the lock; anything but a valid one is reset (an
 * empty file is a new one, silently). */
static void load(struct rate_budget *b, int64_t now, struct rec *r)
{
    struct stat st;
    ssize_t n = pread(b->fd, r, sizeof(*r), 0);

    if (n < 0 || fstat(b->fd, &st) != 0) {
        go_private(b, "cannot read: %s", strerror(errno));
        *r = b->mem;
        return;
    }
    if (n == (ssize_t)sizeof(*r) && st.st_size == (off_t)sizeof(*r) && rec_valid(r, now)) {
        return;
    }
    if (st.st_size != 0) {
        qb_log(LOG_NOTICE, "request budget %s held no valid record (%lld bytes); reset", b->path,
               (long long)st.st_size);
        b->resets++;
    }
    rec_fresh(r, now, b->ceiling);
    if (st.st_size > (off_t)sizeof(*r) && ftruncate(b->fd, (off_t)sizeof(*r)) != 0) {
        go_private(b, "cannot truncate: %s", strerror(errno));
    }
}

/* Start an update: lock, read, refill.  Fails only with a deadline. */
static r53_rc begin(struct rate_budget *b, int64_t deadline_ms, struct rec *r, int64_t *now,
                    struct r53_error *err)
{
    r53_rc rc = R53_OK;

    *r = b->mem;
    *now = 0;
    if (b->fd >= 0 && (rc = lock_file(b, deadline_ms, err)) != R53_OK) {
        return rc;
    }
    /* Read the clock only once the lock is held: an earlier holder's
     * stamp is then never ahead of ours. */
    *now = now_ms(b);
    if (b->fd >= 0) {
        load(b, *now, r);
    }
    refill(r, *now, b->ceiling);
    return R53_OK;
}

/* End an update: write the record whole, unlock. */
static void finish(struct rate_budget *b, struct rec *r)
{
    seal(r);
    b->mem = *r;
    if (b->fd < 0) {
        return;
    }
    if (pwrite(b->fd, r, sizeof(*r), 0) != (ssize_t)sizeof(*r)) {
        go_private(b, "cannot write: %s", errno != 0 ? strerror(errno) : "short write");
        return;
    }
    flock(b->fd, LOCK_UN);
}

/* Open path for the shared bucket, or say why it cannot be used. */
static void open_file(struct rate_budget *b, const char *path)
{
    struct stat st;

    if (fileio_make_parent(path) != 0) {
        go_private(b, "cannot create its directory: %s", strerror(errno));
        return;
    }
    b->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (b->fd < 0) {
        go_private(b, "cannot open: %s", strerror(errno));
    } else if (fstat(b->fd, &st) != 0) {
        go_private(b, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        go_private(b, "not a regular file");
    } else if (st.st_uid != geteuid()) {
        go_private(b, "owned by uid %lu, not %lu", (unsigned long)st.st_uid,
                   (unsigned long)geteuid());
    } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        go_private(b, "writable by others (mode %03o)", (unsigned)(st.st_mode & 0777));
    }
}

r53_rc rate_budget_open_clock(const char *path, double max_rate, const struct rate_clock *clock,
                              struct rate_budget **out, struct r53_error *err)
{
    struct rate_budget *b = NULL;
    struct rec r;
    int64_t now = 0;
    struct r53_error ignored = { 0 }; /* begin without a deadline cannot fail */

    *out = NULL;
    if (!isfinite(max_rate) || max_rate <= 0 || max_rate > SANE_MAX) {
        return r53_fail(err, R53_ERR_INTERNAL, "request rate limit %g is not a positive number",
                        max_rate);
    }
    b = calloc(1, sizeof(*b));
    if (b == NULL || (path != NULL && (b->path = strdup(path)) == NULL)) {
        free(b);
        return r53_fail(err, R53_ERR_NOMEM, "out of memory for the request budget");
    }
    b->fd = -1;
    b->ceiling = max_rate;
    if (clock != NULL) {
        b->clock = *clock;
    }
    b->clock.now_ms = b->clock.now_ms != NULL ? b->clock.now_ms : real_now;
    b->clock.sleep_ms = b->clock.sleep_ms != NULL ? b->clock.sleep_ms : real_sleep;
    b->clock.random = b->clock.random != NULL ? b->clock.random : real_random;
    rec_fresh(&b->mem, now_ms(b), max_rate);
    if (path != NULL) {
        open_file(b, path);
    }
    /* Create or check the record now, so a bad file is told at once. */
    begin(b, 0, &r, &now, &ignored);
    finish(b, &r);
    *out = b;
    return R53_OK;
}

r53_rc rate_budget_open(const char *path, double max_rate, struct rate_budget **out,
                        struct r53_error *err)
{
    return rate_budget_open_clock(path, max_rate, NULL, out, err);
}

/* This handle's place in the queue: a ticket the record knows (one
 * drawn before a reset is drawn again). */
static void draw_ticket(struct rate_budget *b, struct rec *r)
{
    if (!b->queued || b->ticket >= r->next_ticket) {
        b->ticket = r->next_ticket++;
        b->queued = true;
    }
}

/* Whether it is b's turn: its ticket is served, or was passed over while
 * it slept (it has waited longest).  A token that has waited for the
 * turn's holder RATE_TURN_GRACE_MS passes the turn on: that holder died
 * or gave up. */
static bool my_turn(struct rate_budget *b, struct rec *r, int64_t now)
{
    if (b->ticket <= r->serving) {
        return true;
    }
    if (r->tokens < 1.0 - TOKEN_EPS) {
        r->ready_ms = 0;
    } else if (r->ready_ms == 0) {
        r->ready_ms = now;
    } else if (now - r->ready_ms >= RATE_TURN_GRACE_MS) {
        r->serving++;
        r->ready_ms = now;
        return b->ticket <= r->serving;
    }
    return false;
}

static void grant(struct rate_budget *b, struct rec *r, int64_t now)
{
    r->tokens = fmax(0.0, r->tokens - 1.0);
    r->granted++;
    if (b->ticket == r->serving) {
        r->serving++;
    }
    r->ready_ms = 0;
    b->queued = false;
    b->took = true;
    b->took_ms = now;
}

/* How long until b's token is due: the tokens for those ahead of it and
 * its own, at the refill rate of now. */
static int64_t wait_for_turn(const struct rate_budget *b, const struct rec *r, int64_t now,
                             double *rate)
{
    double ahead = b->ticket > r->serving ? (double)(b->ticket - r->serving) : 0.0;
    double need = fmax(ahead + 1.0 - r->tokens, 0.0);

    *rate = rate_at(r, now, b->ceiling);
    return (int64_t)ceil(fmax(need, 0.001) * 1000.0 /
                         (*rate + extra_rate_at(r, now, *rate, b->ceiling)));
}

/* Give the ticket back at a deadline: the turn moves on at once if it
 * was this one's, or the number is taken back if it was the last drawn. */
static void leave_queue(struct rate_budget *b)
{
    struct rec r;
    int64_t now = 0;
    struct r53_error ignored = { 0 }; /* begin without a deadline cannot fail */

    begin(b, 0, &r, &now, &ignored);
    if (b->queued && b->ticket == r.serving && r.serving < r.next_ticket) {
        r.serving++;
    } else if (b->queued && b->ticket + 1 == r.next_ticket) {
        r.next_ticket--;
    }
    b->queued = false;
    finish(b, &r);
}

r53_rc rate_budget_take(struct rate_budget *b, int64_t deadline_ms, struct r53_error *err)
{
    for (;;) {
        struct rec r;
        int64_t now = 0;
        int64_t wait = 0;
        double rate = 0;
        r53_rc rc = begin(b, deadline_ms, &r, &now, err);

        if (rc != R53_OK) {
            return rc;
        }
        draw_ticket(b, &r);
        if (my_turn(b, &r, now) && r.tokens >= 1.0 - TOKEN_EPS) {
            grant(b, &r, now);
            finish(b, &r);
            return R53_OK;
        }
        wait = wait_for_turn(b, &r, now, &rate);
        finish(b, &r);
        if (deadline_ms > 0 && now + wait > deadline_ms) {
            leave_queue(b);
            return r53_fail(err, R53_ERR_TIMEOUT,
                            "no Route 53 request may go before the deadline: this node's "
                            "budget allows %.2f requests/s now",
                            rate);
        }
        /* Waiters woken at once would all race for the one token: spread
         * them a little; and look again often, as rates change. */
        wait += (int64_t)(b->clock.random(b->clock.ctx) %
                          (uint32_t)(1 + (wait / 4 < JITTER_MAX_MS ? wait / 4 : JITTER_MAX_MS)));
        wait = wait < POLL_MAX_MS ? wait : POLL_MAX_MS;
        if (deadline_ms > 0 && now + wait > deadline_ms) {
            wait = deadline_ms - now;
        }
        b->clock.sleep_ms(b->clock.ctx, wait > 0 ? wait : 1);
    }
}

/* The rate the account served this node between the last two throttles
 * (requests granted less those refused), when that lasted long enough
 * to tell; 0 when it did not. */
static double measured_rate(const struct rec *r, int64_t now)
{
    double secs = (double)(now - r->fail_ms) / 1000.0;
    double served = (double)(r->granted - r->mark_granted) - (double)(r->refused - r->mark_refused);

    if (r->throttles == 0 || now - r->fail_ms < RATE_MEASURE_MIN_MS || served <= 0) {
        return 0.0;
    }
    return served / secs;
}

void rate_budget_throttled(struct rate_budget *b)
{
    struct rec r;
    int64_t now = 0;
    struct r53_error ignored = { 0 }; /* begin without a deadline cannot fail */

    begin(b, 0, &r, &now, &ignored);
    r.refused++;
    /* A request sent before the last decrease met the same congestion
     * that decrease answered: one decrease per event, as TCP does. */
    if (!(b->took && r.throttles > 0 && b->took_ms <= r.fail_ms)) {
        double before = rate_at(&r, now, b->ceiling);
        double served = measured_rate(&r, now);

        /* Both throttles found the account's bucket empty: what it served
         * in between is its rate for us; hold there, not above.  (At most
         * one more decrease's worth lower: other users come and go.) */
        r.w_max = served > 0 ? fmin(before, fmax(served, before * RATE_BETA)) : before;
        r.fail_ms = now;
        r.mark_granted = r.granted;
        r.mark_refused = r.refused;
        r.tokens = 0; /* the account's bucket is empty: so is ours */
        r.extra = 0;
        r.flags &= ~REC_SLOW; /* the account's burst is not ours to spend */
        r.throttles++;
        qb_log(LOG_INFO, "Throttling: this node's Route 53 request rate %.2f -> %.2f per s", before,
               rate_at(&r, now, b->ceiling));
    }
    finish(b, &r);
}

void rate_budget_stats(struct rate_budget *b, struct rate_budget_stats *out)
{
    struct rec r;
    int64_t now = 0;
    struct r53_error ignored = { 0 }; /* begin without a deadline cannot fail */

    begin(b, 0, &r, &now, &ignored);
    out->rate = rate_at(&r, now, b->ceiling);
    out->tokens = r.tokens;
    out->granted = r.granted;
    out->throttles = r.throttles;
    out->refused = r.refused;
    out->extra = r.extra;
    out->slow = (r.flags & REC_SLOW) != 0;
    out->resets = b->resets;
    finish(b, &r);
    out->shared = b->fd >= 0;
}

void rate_budget_close(struct rate_budget *b)
{
    if (b == NULL) {
        return;
    }
    if (b->fd >= 0) {
        close(b->fd);
    }
    free(b->path);
    free(b);
}
