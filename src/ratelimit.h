/* One budget of Route 53 requests for every process on a node.
 *
 * When a node dies, every resource it ran starts on the survivors at
 * once; the account's quota is shared by all of them (and by everyone
 * else in the account).  Each request first takes a token from a bucket
 * kept in one small file (RATE_BUDGET_NAME under HA_RSCTMP), under
 * flock(2), so all route53 processes of a node together stay under
 * max_rate requests/s.
 *
 * Slow start.  The account's quota may hold a burst (the 2026 model:
 * 50 requests, then 10/s) or not (the old one: 5/s), and nothing tells
 * which before a Throttling answer.  So until the first Throttling the
 * node spends a burst as TCP's slow start does: the bucket (RATE_BURST_S
 * seconds of the rate) refills at the rate plus an extra that doubles
 * every RATE_SLOW_DOUBLE_MS while demand keeps the bucket from filling,
 * until RATE_SLOW_BURST_S seconds of max_rate have gone in all (50
 * requests at 10/s, the 2026 burst, within about 2.5 s); a bucket that
 * fills again pays the extra back at the rate.  The first Throttling
 * ends slow start for good (until the record is reset): that account
 * has no burst to spend.
 *
 * After a Throttling the rate adapts, as the AWS SDKs' "adaptive" retry
 * mode does, but for the whole node: any process's Throttling multiplies
 * the node's rate by RATE_BETA; it then regrows on a CUBIC curve
 *     rate(t) = RATE_CUBIC_C * (t - K)^3 + w_max,
 *     K = cbrt(w_max * (1 - RATE_BETA) / RATE_CUBIC_C)
 * (t: seconds since the throttle), is held at w_max for RATE_HOLD_S and
 * then goes on up to max_rate.  w_max is the rate the throttle hit, or,
 * when the last throttle was at least RATE_MEASURE_MIN_MS before, the
 * rate the account served between the two (each found its bucket empty,
 * so that is the quota left for this node), if lower (at most by one
 * more RATE_BETA): so the node settles at the quota instead of crossing
 * it every few seconds.  The rate is never below min(RATE_MIN, max_rate)
 * nor above max_rate.
 *
 * Fairness.  Tokens go first to the request that has waited longest:
 * each waiter draws a ticket, and a token goes to the lowest ticket
 * waiting.  A ticket whose holder does not come for a waiting token
 * within RATE_TURN_GRACE_MS (it died, or its sleep ran long) is passed
 * over; when it comes, it goes first.
 *
 * The file is one fixed-size record (struct in ratelimit.c: magic,
 * version, times in CLOCK_MONOTONIC ms, tokens, the curves' state,
 * tickets, counters, FNV-1a checksum), read with pread and written whole
 * with one pwrite under an exclusive flock.  flock is released when a holder dies; a record that
 * fails its checks (torn, garbage, wrong size, times from another boot)
 * is reset to a full bucket at max_rate, with one log line.  If the file
 * cannot be used (cannot be created or locked, not a regular file, not
 * ours, writable by others, an I/O error, or locked by a stuck process
 * for RATE_LOCK_PATIENCE_MS) the process goes on alone with a private
 * in-memory bucket and logs one line saying so.
 *
 * A handle belongs to one process: open it after fork, never share it. */
#ifndef R53_RATELIMIT_H
#define R53_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

#define RATE_BUDGET_NAME "route53.budget" /* the file's name under HA_RSCTMP */

#define RATE_BETA 0.7              /* rate kept on a throttle (as the SDKs) */
#define RATE_CUBIC_C 0.04          /* regrowth, req/s per s^3 (SDKs: 0.4) */
#define RATE_MIN 0.5               /* floor, req/s (as the SDKs) */
#define RATE_BURST_S 0.5           /* bucket size, seconds of the rate */
#define RATE_HOLD_S 20.0           /* regrowth held at w_max this long */
#define RATE_MEASURE_MIN_MS 1000   /* shortest time between throttles to measure */
#define RATE_SLOW_BURST_S 5.0      /* slow start's burst, seconds of max_rate */
#define RATE_SLOW_DOUBLE_MS 1000.0 /* slow start's extra doubles this often */
#define RATE_TURN_GRACE_MS 200     /* a token waits this long for its turn's holder */
#define RATE_LOCK_PATIENCE_MS 1000 /* lock wait before going alone */

/* Time, injected so tests need no real waits; NULL members (or a NULL
 * clock) take the real ones: CLOCK_MONOTONIC ms (as util_now_ms), a
 * sleep resuming after signals, and a random source for jitter. */
struct rate_clock {
    int64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, int64_t ms);
    uint32_t (*random)(void *ctx);
    void *ctx;
};

struct rate_budget; /* opaque */

/* What a budget holds now, for logs and tests (read under the lock). */
struct rate_budget_stats {
    double rate;        /* req/s allowed now */
    double tokens;      /* requests that may go at once */
    uint64_t granted;   /* tokens taken since the record was made */
    uint64_t throttles; /* rate decreases since then */
    uint64_t refused;   /* Throttling answers told since then */
    double extra;       /* tokens slow start gave beyond the rate, not yet paid back */
    bool slow;          /* slow start still allowed: no Throttling yet */
    uint64_t resets;    /* times this handle found the record invalid */
    bool shared;        /* false: this process is on its own */
};

/* Open the budget kept in path (created 0600 if missing; its directory
 * 0755, as the state file's), or a private one if path is NULL.  An
 * unusable file is not an error: the budget is private (see above).
 * max_rate: this node's ceiling in req/s, finite and > 0, else
 * R53_ERR_INTERNAL.  R53_ERR_NOMEM on allocation failure. */
r53_rc rate_budget_open(const char *path, double max_rate, struct rate_budget **out,
                        struct r53_error *err);

/* rate_budget_open with an injected clock (copied; may be NULL). */
r53_rc rate_budget_open_clock(const char *path, double max_rate, const struct rate_clock *clock,
                              struct rate_budget **out, struct r53_error *err);

/* Take one token for one request, in turn (see Fairness), sleeping until
 * one is due, but never past deadline_ms (monotonic ms; 0: none).
 * R53_ERR_TIMEOUT, at once and with nothing taken (the turn given up),
 * when no token can be due in time. */
r53_rc rate_budget_take(struct rate_budget *b, int64_t deadline_ms, struct r53_error *err);

/* Tell the budget an answer to this process's last request (the one its
 * last take was for) was Throttling.  Lowers the node's rate, once per
 * throttle event: an answer to a request whose token was taken before the
 * last decrease (in flight when another process was throttled) is the
 * same event and changes nothing.  Only Throttling counts:
 * PriorRequestNotComplete is a zone busy, not a rate. */
void rate_budget_throttled(struct rate_budget *b);

void rate_budget_stats(struct rate_budget *b, struct rate_budget_stats *out);

/* Close and free; NULL is a no-op.  The file stays for the next process. */
void rate_budget_close(struct rate_budget *b);

#endif
