/* The deferred publisher's process (start_api_failure=defer): one per
 * resource, detached from the agent that started it, so that start can
 * return while Route 53's API is unavailable and the record still
 * follows once it is back.
 *
 * It is the agent itself, forked, not a program executed anew: it keeps
 * the parameters as parsed and the credentials in memory, so no secret
 * reaches an environment or a command line, and no hidden action is
 * needed.  publisher_spawn() forks twice (the middle process calls
 * setsid() and exits at once): the publisher is in a session and process
 * group of its own, its parent is init (or a subreaper), not the agent,
 * so Pacemaker neither waits for it nor kills it with the agent's group;
 * stdin, stdout and stderr are /dev/null and every other descriptor is
 * closed (logging is opened again).  It starts its work only once the
 * caller has recorded it (publisher_release), so that no publisher runs
 * that the state file does not name.
 *
 * A publisher is known by its pid and its start time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot): a pid whose start time
 * differs was recycled, is another process, and is never signalled. */
#ifndef R53_PUBLISHER_H
#define R53_PUBLISHER_H

#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct publisher_id {
    long pid; /* 0: none */
    unsigned long long start;
};

/* A publisher forked and waiting for its go. */
struct publisher_handle {
    struct publisher_id id;
    int go_fd; /* the write end of its go pipe; -1 once released */
};

/* The start time of process pid into *start; false when there is no such
 * process or it has exited (a zombie). */
bool publisher_proc_start(long pid, unsigned long long *start);

/* This process's own identity. */
bool publisher_self(struct publisher_id *out);

/* Whether the process id names runs: the same pid with the same start
 * time, not exited. */
bool publisher_alive(const struct publisher_id *id);

/* Fork the publisher (see above) for resource instance (its log name).
 * It waits until publisher_release(h, true), then runs run(ctx) and
 * exits with its result; released with false (or when the caller dies
 * first) it exits at once, having done nothing.  In the caller, *h names
 * it. */
r53_rc publisher_spawn(const char *instance, int (*run)(void *ctx), void *ctx,
                       struct publisher_handle *h, struct r53_error *err);

/* Let the publisher run (go) or end it unused (!go); closes h's pipe. */
void publisher_release(struct publisher_handle *h, bool go);

/* End the publisher id names, if it still runs: SIGTERM (through a pidfd
 * opened before its start time is checked, where the kernel has them),
 * a wait of up to PUBLISHER_TERM_MS, then SIGKILL and a wait of up to
 * PUBLISHER_KILL_MS, never past deadline_ms.  R53_OK once it is gone,
 * so that nothing it would write can follow; R53_ERR_TIMEOUT if it is
 * still there. */
#define PUBLISHER_TERM_MS 5000
#define PUBLISHER_KILL_MS 2000
r53_rc publisher_end(const struct publisher_id *id, int64_t deadline_ms, struct r53_error *err);

#endif
