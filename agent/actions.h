/* The OCF actions, in the project's own return codes. */
#ifndef R53_ACTIONS_H
#define R53_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"
#include "params.h"
#include "rc.h"

struct action_env {
    const struct params *p;      /* NULL for stop when parameters are invalid */
    const struct agent_env *env; /* the instance, HA_RSCTMP, this node's name */
    const char *state_path;
    int64_t deadline_ms; /* monotonic; every wait and request ends before it */
};

enum monitor_result {
    MONITOR_RUNNING,  /* the record holds our address */
    MONITOR_STOPPED,  /* not active on this node */
    MONITOR_FAILED,   /* the record is elsewhere or gone */
    MONITOR_DEGRADED, /* Route 53 unreadable after the retries, a name
                         server serving another address, or a deferred
                         publish still pending */
};

/* What an action ended with, for main to report: the project's code,
 * what a monitor found, and why, in words a person can act on (the
 * ocf-exit-reason).  The zero value is a success. */
struct action_result {
    r53_rc rc;                   /* R53_OK: the action did its work */
    enum monitor_result monitor; /* what a monitor found, when rc is R53_OK;
                                    MONITOR_RUNNING for the other actions */
    char reason[R53_REASON_MAX]; /* why it failed, or what the monitor found */
};

/* Milliseconds after the change was accepted at which start's GetChange
 * poll number n (1, 2, ...) is due when change_try_interval is unset. */
long action_default_poll_at_ms(long n);

/* UPSERT the record and wait for INSYNC, then record the state.  Ends
 * this resource's deferred publisher first, if one runs.  When Route
 * 53's API is unavailable after its first 5 s: success with no write if
 * the name servers serve our address (and marker); else, with
 * start_api_failure=defer, success with the publish pending and one
 * detached publisher (agent/publisher.h) trying it for at most
 * defer_max, recorded in the state. */
struct action_result action_start(const struct action_env *e);

/* End the deferred publisher, if one runs (nothing is written after stop
 * returns), then forget the state; with stop_action=delete also delete
 * the record while it still holds our value.  Fails only if the
 * publisher cannot be ended or the state cannot be removed. */
struct action_result action_stop(const struct action_env *e);

/* probe: answer from the state file alone.  A deferred publish: pending
 * (its publisher runs) is degraded, saying since when; failed (another
 * owner, defer_max reached) or its publisher gone is failed.  Otherwise
 * DNS first (unless monitor_method=api): a server answering our address
 * is enough; else the API decides.  check_level >= 10: the API, then every name server.
 * rc is R53_OK whenever the monitor could judge; monitor says what it
 * found. */
struct action_result action_monitor(const struct action_env *e, bool probe, int check_level);

/* Parameters and this host; with check_level >= 10 also credentials and
 * the hosted zone against the API. */
struct action_result action_validate(const struct action_env *e, int check_level);

#endif
