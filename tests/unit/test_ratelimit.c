/* The node-wide request budget: its arithmetic under an injected clock
 * (slow start against both quota models, the rate held at what the
 * account served, turns in the order asked), then real processes sharing
 * one file - a count of grants bounded by the bucket, a lock holder
 * killed or stuck, a waiter killed in its turn, torn and garbage
 * records, unusable files, and a throttle seen by another process. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "ratelimit.h"

#define EPS 1e-6
#define REC_SIZE 136 /* ratelimit.c's struct rec */

/* An injected clock: sleeping moves time on, nothing really waits. */
struct fake {
    int64_t now;
    int64_t slept;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static void fake_sleep(void *ctx, int64_t ms)
{
    struct fake *f = ctx;

    assert_true(ms > 0);
    f->now += ms;
    f->slept += ms;
}

static uint32_t no_jitter(void *ctx)
{
    (void)ctx;
    return 0;
}

/* A budget on an injected clock whose ctx starts with a struct fake. */
static struct rate_budget *open_clocked(const char *path, double max_rate,
                                        void (*sleep_ms)(void *, int64_t), void *ctx)
{
    struct rate_clock clock = {
        .now_ms = fake_now,
        .sleep_ms = sleep_ms,
        .random = no_jitter,
        .ctx = ctx,
    };
    struct rate_budget *b = NULL;
    struct r53_error err = { 0 };

    assert_int_equal(rate_budget_open_clock(path, max_rate, &clock, &b, &err), R53_OK);
    assert_non_null(b);
    return b;
}

static struct rate_budget *open_fake(const char *path, double max_rate, struct fake *f)
{
    return open_clocked(path, max_rate, fake_sleep, f);
}

static struct rate_budget_stats stats_of(struct rate_budget *b)
{
    struct rate_budget_stats s;

    rate_budget_stats(b, &s);
    return s;
}

/* The rate at time t (moving the injected clock there). */
static double rate_when(struct rate_budget *b, struct fake *f, int64_t t)
{
    f->now = t;
    return stats_of(b).rate;
}

/* The rate RATE_BETA * w regrows to w after K seconds (ratelimit.h). */
static double cubic_k(double w)
{
    return cbrt(w * (1.0 - RATE_BETA) / RATE_CUBIC_C);
}

static void make_dir(char *tmpl)
{
    assert_non_null(mkdtemp(tmpl));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    chmod(dir, 0700);
    assert_int_equal(nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- arithmetic, one process, injected clock ------------------------------ */

static void test_burst_then_refill(void **unused)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(NULL, 10, &f);
    struct rate_budget_stats s = stats_of(b);
    struct r53_error err = { 0 };
    int64_t t = 0;

    (void)unused;
    assert_false(s.shared);
    assert_true(s.slow);
    assert_true(fabs(s.rate - 10) < EPS);
    assert_true(fabs(s.tokens - 10 * RATE_BURST_S) < EPS);
    /* A Throttling ends slow start for good... */
    rate_budget_throttled(b);
    assert_false(stats_of(b).slow);
    /* ...and once the rate has grown back to the ceiling, the bucket is
     * a plain one: RATE_BURST_S seconds of requests at once... */
    f.now += 600000;
    s = stats_of(b);
    assert_true(fabs(s.rate - 10) < EPS);
    assert_true(fabs(s.tokens - 10 * RATE_BURST_S) < EPS);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    }
    assert_int_equal(f.slept, 0);
    /* ...then one per 100 ms, with no extra however long the demand. */
    t = f.now;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    }
    assert_int_equal(f.now - t, 10000);
    /* Idle for long, the bucket holds no more than its burst. */
    f.now += 60000;
    s = stats_of(b);
    assert_true(fabs(s.tokens - 5) < EPS);
    assert_int_equal(s.granted, 105);
    rate_budget_close(b);
}

/* Route 53's quota as the simulator keeps it: a bucket of burst tokens
 * refilled at rate per second; a request finding it empty is refused. */
struct account {
    double burst, rate, tokens;
    int64_t stamp;
};

static bool account_serves(struct account *a, int64_t now)
{
    a->tokens = fmin(a->burst, a->tokens + a->rate * (double)(now - a->stamp) / 1000.0);
    a->stamp = now;
    if (a->tokens < 1.0) {
        return false;
    }
    a->tokens -= 1.0;
    return true;
}

/* Demand without end for secs seconds against the account: each grant
 * goes to the account at once, each refusal is told to the budget.
 * served[k]: requests served by k seconds (k = 0..secs). */
static long storm(struct rate_budget *b, struct fake *f, struct account *a, int secs, long *served)
{
    int64_t t0 = f->now;
    long refused = 0;
    long n = 0;
    struct r53_error err = { 0 };

    a->stamp = t0;
    for (int k = 0; k <= secs; k++) {
        served[k] = 0;
    }
    while (f->now < t0 + (int64_t)secs * 1000) {
        assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
        if (account_serves(a, f->now)) {
            n++;
            for (int k = (int)((f->now - t0 + 999) / 1000); k <= secs; k++) {
                served[k] = n;
            }
        } else {
            refused++;
            rate_budget_throttled(b);
        }
    }
    return refused;
}

/* The 2026 quota (burst 50, then 10/s): slow start spends the burst
 * within a few seconds, never faster than the account refills, and is
 * never refused. */
static void test_slow_start_spends_the_burst(void **unused)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(NULL, 10, &f);
    struct account a = { 50, 10, 50, 0 };
    long served[31];

    (void)unused;
    assert_int_equal(storm(b, &f, &a, 30, served), 0);
    /* 5 at once, then the extra doubling every second: all 50 of the
     * burst within 3 s... */
    assert_true(served[1] < 25);
    assert_true(served[3] >= 50 + 30 - 2);
    /* ...then the rate: 50 + 10/s, as the account allows. */
    assert_true(served[30] >= 50 + 300 - 2 && served[30] <= 50 + 300);
    assert_true(stats_of(b).slow);
    assert_int_equal(stats_of(b).throttles, 0);
    /* Idle, the extra is paid back at the rate: a new burst. */
    f.now += 6000;
    assert_true(stats_of(b).extra < EPS);
    a.tokens = a.burst;
    assert_int_equal(storm(b, &f, &a, 5, served), 0);
    assert_true(served[5] >= 50 + 50 - 2);
    rate_budget_close(b);
}

/* The old quota (5/s, burst 5): the first refusal ends slow start, and
 * the rate settles at what the account served between two throttles
 * instead of crossing it every few seconds: few refusals, most of the
 * quota used. */
static void test_old_quota_few_refusals(void **unused)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(NULL, 10, &f);
    struct account a = { 5, 5, 5, 0 };
    long served[61];
    long refused = storm(b, &f, &a, 60, served);

    (void)unused;
    printf("# old quota, 60 s: %ld served, %ld refused, %llu decreases\n", served[60], refused,
           (unsigned long long)stats_of(b).throttles);
    assert_false(stats_of(b).slow);
    assert_true(refused <= 6);
    assert_true(served[60] >= (long)(0.85 * (5 + 5 * 60)));
    /* Throttles after the first seconds are rare: the rate holds. */
    assert_true(served[60] - served[20] >= (long)(0.9 * 5 * 40));
    assert_int_equal(stats_of(b).refused, (uint64_t)refused);
    rate_budget_close(b);
}

/* A clock whose sleep lets a late-comer ask once, with a short deadline,
 * once the sleeper's token is due. */
struct race {
    struct fake f;
    struct rate_budget *late;
    r53_rc late_rc;
    bool asked;
};

static void race_sleep(void *ctx, int64_t ms)
{
    struct race *r = ctx;
    struct r53_error err = { 0 };

    fake_sleep(&r->f, ms);
    if (r->late != NULL && !r->asked && stats_of(r->late).tokens >= 1.0) {
        r->asked = true;
        r->late_rc = rate_budget_take(r->late, r->f.now + 50, &err);
    }
}

/* Two handles on one file: the one that asked first gets the next
 * token, although the other asks the moment it is due. */
static void test_first_asked_first_served(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    struct race r = { .f = { 1000, 0 } };
    struct rate_budget *first = NULL;
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);
    first = open_clocked(path, 2, race_sleep, &r);
    r.late = open_clocked(path, 2, race_sleep, &r);
    assert_int_equal(rate_budget_take(first, 0, &err), R53_OK); /* the bucket's one token */
    assert_int_equal(rate_budget_take(first, 0, &err), R53_OK);
    assert_true(r.asked);
    /* The late-comer found the token due but not its turn, and went
     * without it (its deadline); the first got it. */
    assert_int_equal(r.late_rc, R53_ERR_TIMEOUT);
    assert_int_equal(stats_of(first).granted, 2);
    /* Its turn given back, the late-comer is next, and alone. */
    r.late_rc = rate_budget_take(r.late, 0, &err);
    assert_int_equal(r.late_rc, R53_OK);
    assert_int_equal(stats_of(first).granted, 3);
    rate_budget_close(r.late);
    rate_budget_close(first);
    remove_tree(dir);
}

static void test_never_above_max_rate(void **unused)
{
    struct fake f = { 5000, 0 };
    struct rate_budget *b = open_fake(NULL, 7, &f);
    long n = 0;
    struct r53_error err = { 0 };

    (void)unused;
    while (f.now < 5000 + 60000) {
        assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
        n++;
    }
    /* slow start's burst + rate * time, and no less than the rate allows. */
    assert_true(n <= (long)(7 * RATE_SLOW_BURST_S + 7 * 60) + 1);
    assert_true(n >= 7 * 60 - 1);
    assert_int_equal(stats_of(b).granted, (uint64_t)n);
    rate_budget_close(b);
}

static void test_deadline_takes_nothing(void **unused)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(NULL, 2, &f); /* 1 token, one per 500 ms */
    struct r53_error err = { 0 };

    (void)unused;
    assert_int_equal(rate_budget_take(b, f.now + 100, &err), R53_OK);
    /* The next is due in 500 ms: no sleep at all for a 100 ms deadline. */
    assert_int_equal(rate_budget_take(b, f.now + 100, &err), R53_ERR_TIMEOUT);
    assert_int_equal(f.slept, 0);
    assert_int_equal(stats_of(b).granted, 1);
    /* Within 500 ms (sooner with slow start's extra). */
    assert_int_equal(rate_budget_take(b, f.now + 600, &err), R53_OK);
    assert_true(f.slept > 100 && f.slept <= 500);
    assert_int_equal(stats_of(b).granted, 2);
    rate_budget_close(b);
}

static void test_throttle_decreases_then_recovers(void **unused)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(NULL, 10, &f);
    struct rate_budget_stats s;
    double w = 0;
    double prev = 0;
    int64_t fail = 0;
    struct r53_error err = { 0 };

    (void)unused;
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    rate_budget_throttled(b);
    s = stats_of(b);
    assert_true(fabs(s.rate - 10 * RATE_BETA) < EPS);
    assert_true(fabs(s.tokens) < EPS);
    assert_int_equal(s.throttles, 1);
    /* The same request's throttle told twice (or another request sent
     * before the decrease): the same event, no second decrease. */
    rate_budget_throttled(b);
    assert_int_equal(stats_of(b).throttles, 1);

    /* A request sent after the decrease and throttled: down again. */
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    w = stats_of(b).rate;
    rate_budget_throttled(b);
    fail = f.now;
    s = stats_of(b);
    assert_int_equal(s.throttles, 2);
    assert_true(fabs(s.rate - w * RATE_BETA) < EPS);

    /* Gradual regrowth: half-way to K s still well below w, back to w
     * after K s, never down, at the ceiling in the end, never above. */
    assert_true(rate_when(b, &f, fail + (int64_t)(cubic_k(w) * 500)) < w - 0.1);
    assert_true(fabs(rate_when(b, &f, fail + (int64_t)(cubic_k(w) * 1000)) - w) < 0.01);
    f.now = fail;
    prev = s.rate;
    for (int i = 0; i < 600; i++) {
        f.now += 100;
        s = stats_of(b);
        assert_true(s.rate >= prev - EPS);
        assert_true(s.rate <= 10 + EPS);
        prev = s.rate;
    }
    assert_true(fabs(prev - 10) < EPS);
    rate_budget_close(b);
}

static void test_rate_has_a_floor(void **unused)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(NULL, 10, &f);
    struct r53_error err = { 0 };

    (void)unused;
    /* Every request throttled: the rate settles where the regrowth
     * during each wait balances the decrease, under 1 req/s. */
    for (int i = 0; i < 30; i++) {
        assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
        rate_budget_throttled(b);
        assert_true(stats_of(b).rate >= RATE_MIN - EPS);
    }
    assert_true(stats_of(b).rate < 1.0);
    assert_int_equal(stats_of(b).throttles, 30);
    rate_budget_close(b);
    /* Throttles told by a handle that took nothing all count: down to
     * the floor, not below. */
    b = open_fake(NULL, 10, &f);
    for (int i = 0; i < 30; i++) {
        rate_budget_throttled(b);
    }
    assert_true(fabs(stats_of(b).rate - RATE_MIN) < EPS);
    rate_budget_close(b);
    /* A ceiling under the floor is the floor. */
    b = open_fake(NULL, 0.2, &f);
    rate_budget_throttled(b);
    assert_true(fabs(stats_of(b).rate - 0.2) < EPS);
    rate_budget_close(b);
}

static void test_bad_max_rate(void **unused)
{
    struct rate_budget *b = NULL;
    struct r53_error err = { 0 };

    (void)unused;
    assert_int_equal(rate_budget_open(NULL, 0, &b, &err), R53_ERR_INTERNAL);
    assert_int_equal(rate_budget_open(NULL, -1, &b, &err), R53_ERR_INTERNAL);
    assert_int_equal(rate_budget_open(NULL, NAN, &b, &err), R53_ERR_INTERNAL);
    assert_int_equal(rate_budget_open(NULL, INFINITY, &b, &err), R53_ERR_INTERNAL);
    assert_null(b);
    rate_budget_close(NULL);
}

/* ---- processes sharing one file ------------------------------------------- */

#define SHARERS 4
#define SHARE_RATE 40.0
#define SHARE_WINDOW_MS 1500

/* A child: take tokens until none is due by the window's end, writing
 * each grant's time to fd.  Exits 0, or 2 if it was not sharing. */
static void sharer(const char *path, int64_t end_ms, int fd)
{
    struct rate_budget *b = NULL;
    struct r53_error err = { 0 };

    if (rate_budget_open(path, SHARE_RATE, &b, &err) != R53_OK || !stats_of(b).shared) {
        _exit(2);
    }
    while (rate_budget_take(b, end_ms, &err) == R53_OK) {
        int64_t t = util_now_ms();

        if (write(fd, &t, sizeof(t)) != (ssize_t)sizeof(t)) {
            _exit(3);
        }
    }
    rate_budget_close(b);
    _exit(0);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Reads every grant time the children write; returns how many. */
static size_t collect(int fd, int64_t *times, size_t max)
{
    size_t n = 0;
    int64_t t = 0;

    while (read(fd, &t, sizeof(t)) == (ssize_t)sizeof(t)) {
        assert_true(n < max);
        times[n++] = t;
    }
    return n;
}

static void test_processes_share_one_bucket(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    int fds[2];
    pid_t pids[SHARERS];
    static int64_t times[4096];
    size_t n = 0;
    int64_t t0 = 0;
    struct rate_budget *b = NULL;
    double burst = SHARE_RATE * RATE_SLOW_BURST_S; /* slow start's, at most */
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);
    /* The record is made here, full, at t0 or later. */
    t0 = util_now_ms();
    assert_int_equal(rate_budget_open(path, SHARE_RATE, &b, &err), R53_OK);
    assert_true(stats_of(b).shared);
    assert_int_equal(pipe(fds), 0);
    for (int i = 0; i < SHARERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(fds[0]);
            sharer(path, t0 + SHARE_WINDOW_MS, fds[1]);
        }
    }
    close(fds[1]);
    n = collect(fds[0], times, sizeof(times) / sizeof(times[0]));
    close(fds[0]);
    for (int i = 0; i < SHARERS; i++) {
        int status = 0;

        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    /* However slow the machine, by the k-th grant the bucket cannot have
     * given more than its burst plus the rate times the time since t0;
     * four private buckets would give four times that. */
    qsort(times, n, sizeof(times[0]), cmp_i64);
    for (size_t k = 1; k <= n; k++) {
        double allowed = burst + SHARE_RATE * (double)(times[k - 1] - t0) / 1000.0;

        if ((double)k > allowed + EPS) {
            fail_msg("grant %zu at +%lld ms: at most %.1f allowed", k,
                     (long long)(times[k - 1] - t0), allowed);
        }
    }
    /* No update lost under the lock: the record counted every grant. */
    assert_int_equal(stats_of(b).granted, (uint64_t)n);
    assert_true((double)n > SHARE_RATE * RATE_BURST_S); /* they waited for the rate */
    printf("# %zu grants in %d ms to %d processes (burst %.0f + %.0f/s)\n", n, SHARE_WINDOW_MS,
           SHARERS, burst, SHARE_RATE);
    rate_budget_close(b);
    remove_tree(dir);
}

#define HAMMERS 4
#define HAMMER_TAKES 3000

/* Many takes at once, at a rate that never makes anyone wait: every one
 * is a read-modify-write of the record, and the record must count them
 * all (without the lock, concurrent updates overwrite each other). */
static void test_no_update_lost(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    pid_t pids[HAMMERS];
    struct rate_budget *b = NULL;
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);
    assert_int_equal(rate_budget_open(path, 100000, &b, &err), R53_OK);
    for (int i = 0; i < HAMMERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct rate_budget *c = NULL;

            if (rate_budget_open(path, 100000, &c, &err) != R53_OK) {
                _exit(1);
            }
            for (int k = 0; k < HAMMER_TAKES; k++) {
                if (rate_budget_take(c, 0, &err) != R53_OK) {
                    _exit(1);
                }
            }
            _exit(stats_of(c).shared ? 0 : 2);
        }
    }
    for (int i = 0; i < HAMMERS; i++) {
        int status = 0;

        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(stats_of(b).granted, HAMMERS * HAMMER_TAKES);
    rate_budget_close(b);
    remove_tree(dir);
}

/* A child: lock the file as the budget does, tear the record with half a
 * write if asked, tell the parent, then hang until killed. */
static pid_t spawn_holder(const char *path, bool tear)
{
    int fds[2];
    char c = 0;
    pid_t pid = 0;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR);

        alarm(30); /* never outlive a failed test */

        if (fd < 0 || flock(fd, LOCK_EX) != 0 ||
            (tear && pwrite(fd, "torn-torn-torn-torn-", 20, 8) != 20) ||
            write(fds[1], "x", 1) != 1) {
            _exit(1);
        }
        for (;;) {
            pause();
        }
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

static void kill_holder(pid_t pid)
{
    int status = 0;

    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
}

static void test_holder_killed_or_stuck(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    struct rate_budget *b = NULL;
    struct rate_budget_stats s;
    pid_t holder = 0;
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);
    assert_int_equal(rate_budget_open(path, 100, &b, &err), R53_OK);

    /* Killed mid-update: the wait is bounded while it holds the lock;
     * once it is dead the next take gets the lock and finds the torn
     * record reset. */
    holder = spawn_holder(path, true);
    assert_int_equal(rate_budget_take(b, util_now_ms() + 200, &err), R53_ERR_TIMEOUT);
    kill_holder(holder);
    assert_int_equal(rate_budget_take(b, util_now_ms() + 5000, &err), R53_OK);
    s = stats_of(b);
    assert_true(s.shared);
    assert_int_equal(s.resets, 1);
    assert_int_equal(s.granted, 1);

    /* Stuck (alive, never letting go): after RATE_LOCK_PATIENCE_MS this
     * process goes on alone rather than wait for ever. */
    holder = spawn_holder(path, false);
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    assert_false(stats_of(b).shared);
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    kill_holder(holder);
    rate_budget_close(b);
    remove_tree(dir);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void read_file(const char *path, void *data, size_t len)
{
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(read(fd, data, len), (ssize_t)len);
    close(fd);
}

static off_t file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* Opens path and expects it reset (resets: 1) to a full shared bucket. */
static void expect_reset(const char *path, struct fake *f)
{
    struct rate_budget *b = open_fake(path, 10, f);
    struct rate_budget_stats s = stats_of(b);
    struct r53_error err = { 0 };

    assert_true(s.shared);
    assert_int_equal(s.resets, 1);
    assert_int_equal(s.granted, 0);
    assert_true(fabs(s.tokens - 10 * RATE_BURST_S) < EPS);
    assert_true(fabs(s.rate - 10) < EPS);
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    rate_budget_close(b);
    assert_int_equal(file_size(path), REC_SIZE);
}

static void test_bad_records_are_reset(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    unsigned char good[REC_SIZE];
    unsigned char buf[REC_SIZE + 36];
    struct fake f = { 1000, 0 };
    struct rate_budget *b = NULL;
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);

    /* A valid record, left by a throttled process, is kept as it is. */
    b = open_fake(path, 10, &f);
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    rate_budget_throttled(b);
    rate_budget_close(b);
    b = open_fake(path, 10, &f);
    assert_int_equal(stats_of(b).resets, 0);
    assert_int_equal(stats_of(b).granted, 1);
    assert_int_equal(stats_of(b).throttles, 1);
    rate_budget_close(b);
    read_file(path, good, sizeof(good));

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (unsigned char)(i * 37 + 11);
    }
    write_file(path, buf, REC_SIZE); /* garbage */
    expect_reset(path, &f);
    write_file(path, good, 32); /* cut short */
    expect_reset(path, &f);
    memcpy(buf, good, sizeof(good));
    write_file(path, buf, sizeof(buf)); /* a valid record, then more */
    expect_reset(path, &f);
    buf[20] ^= 1; /* one bit off */
    write_file(path, buf, REC_SIZE);
    expect_reset(path, &f);

    /* Written with a clock far ahead: a file from another boot. */
    f.now = 1000LL * 1000 * 1000 * 1000;
    b = open_fake(path, 10, &f);
    rate_budget_close(b);
    f.now = 2000;
    expect_reset(path, &f);
    remove_tree(dir);
}

/* Opens path, expects a private bucket that still limits: 1 token at
 * 2 req/s, the second take waits 500 ms. */
static void expect_private(const char *path)
{
    struct fake f = { 1000, 0 };
    struct rate_budget *b = open_fake(path, 2, &f);
    struct r53_error err = { 0 };

    assert_false(stats_of(b).shared);
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    assert_int_equal(f.slept, 0);
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    assert_true(f.slept > 100 && f.slept <= 500);
    rate_budget_close(b);
}

static void test_unusable_file_goes_private(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[700];

    (void)unused;
    make_dir(dir);
    /* The directory is a regular file. */
    snprintf(path, sizeof(path), "%s/plain", dir);
    write_file(path, "x", 1);
    snprintf(path, sizeof(path), "%s/plain/%s", dir, RATE_BUDGET_NAME);
    expect_private(path);
    /* The file is a directory. */
    snprintf(path, sizeof(path), "%s/adir", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    expect_private(path);
    /* A symbolic link (someone else's file, maybe). */
    snprintf(path, sizeof(path), "%s/link", dir);
    assert_int_equal(symlink("/dev/null", path), 0);
    expect_private(path);
    /* Writable by others. */
    snprintf(path, sizeof(path), "%s/open", dir);
    write_file(path, "", 0);
    assert_int_equal(chmod(path, 0666), 0);
    expect_private(path);
    if (geteuid() == 0) {
        /* Not ours. */
        snprintf(path, sizeof(path), "%s/theirs", dir);
        write_file(path, "", 0);
        assert_int_equal(chown(path, 65534, 65534), 0);
        expect_private(path);
    } else {
        /* A directory we cannot write in. */
        snprintf(path, sizeof(path), "%s/ro", dir);
        assert_int_equal(mkdir(path, 0500), 0);
        snprintf(path, sizeof(path), "%s/ro/%s", dir, RATE_BUDGET_NAME);
        expect_private(path);
    }
    remove_tree(dir);
}

/* A waiter killed while it holds the next turn: the token waits for it
 * RATE_TURN_GRACE_MS, then goes to the next in line. */
static void test_dead_waiter_passed_over(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    struct fake f = { 0, 0 };
    struct rate_budget *b = NULL;
    pid_t pid = 0;
    int fds[2];
    char c = 0;
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rate_budget *w = NULL;

        alarm(30); /* never outlive a failed test */
        /* Slow start's extra is never more than 0.2 requests/s here. */
        if (rate_budget_open(path, 0.2, &w, &err) != R53_OK ||
            rate_budget_take(w, 0, &err) != R53_OK || write(fds[1], "x", 1) != 1) {
            _exit(1);
        }
        rate_budget_take(w, 0, &err); /* draws the next turn, waits ~5 s */
        _exit(1);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    usleep(100 * 1000); /* it has drawn its turn and sleeps */
    kill_holder(pid);
    /* Later on the same clock, with the token due for the dead one. */
    f.now = util_now_ms() + 6000;
    b = open_fake(path, 0.2, &f);
    assert_true(stats_of(b).tokens >= 1.0);
    assert_int_equal(rate_budget_take(b, f.now + 5000, &err), R53_OK);
    assert_true(f.slept >= RATE_TURN_GRACE_MS && f.slept < 2 * RATE_TURN_GRACE_MS + 250);
    rate_budget_close(b);
    remove_tree(dir);
}

static void test_throttle_seen_by_another_process(void **unused)
{
    char dir[] = "/tmp/r53-rate-XXXXXX";
    char path[600];
    struct fake f = { 5000, 0 };
    struct rate_budget *b = NULL;
    struct rate_budget_stats s;
    pid_t pid = 0;
    int status = 0;
    struct r53_error err = { 0 };

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, RATE_BUDGET_NAME);
    b = open_fake(path, 10, &f);
    /* This process's request goes before the other's throttle... */
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    f.now += 10;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rate_budget *c = open_fake(path, 10, &f);

        if (rate_budget_take(c, 0, &err) != R53_OK) {
            _exit(1);
        }
        rate_budget_throttled(c);
        rate_budget_close(c);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* ...and sees the node's rate lowered by it, its bucket emptied. */
    s = stats_of(b);
    assert_int_equal(s.throttles, 1);
    assert_true(fabs(s.rate - 10 * RATE_BETA) < EPS);
    /* Its own throttle, for a request sent before that decrease, is the
     * same event. */
    rate_budget_throttled(b);
    assert_int_equal(stats_of(b).throttles, 1);
    /* Its next request waits for a token at the lowered rate. */
    assert_int_equal(rate_budget_take(b, 0, &err), R53_OK);
    assert_int_equal(f.slept, (int64_t)ceil(1000 / (10 * RATE_BETA)));
    rate_budget_close(b);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_slow_start_spends_the_burst),
        cmocka_unit_test(test_old_quota_few_refusals),
        cmocka_unit_test(test_first_asked_first_served),
        cmocka_unit_test(test_never_above_max_rate),
        cmocka_unit_test(test_deadline_takes_nothing),
        cmocka_unit_test(test_throttle_decreases_then_recovers),
        cmocka_unit_test(test_rate_has_a_floor),
        cmocka_unit_test(test_bad_max_rate),
        cmocka_unit_test(test_processes_share_one_bucket),
        cmocka_unit_test(test_no_update_lost),
        cmocka_unit_test(test_holder_killed_or_stuck),
        cmocka_unit_test(test_bad_records_are_reset),
        cmocka_unit_test(test_unusable_file_goes_private),
        cmocka_unit_test(test_dead_waiter_passed_over),
        cmocka_unit_test(test_throttle_seen_by_another_process),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
