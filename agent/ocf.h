/* OCF exit codes (resource-agent-api 1.1), and the one table that maps
 * the project's result codes onto them (as Pacemaker's pcmk__rcs[]). */
#ifndef R53_OCF_H
#define R53_OCF_H

#include "actions.h"
#include "rc.h"

enum ocf_exit {
    OCF_SUCCESS = 0,
    OCF_ERR_GENERIC = 1,
    OCF_ERR_ARGS = 2,
    OCF_ERR_UNIMPLEMENTED = 3,
    OCF_ERR_PERM = 4,
    OCF_ERR_INSTALLED = 5,
    OCF_ERR_CONFIGURED = 6,
    OCF_NOT_RUNNING = 7,
    OCF_DEGRADED = 190,
};

/* The OCF exit code for rc: 6 only for what is wrong on every node, 2
 * or 5 for what is wrong on this one (Pacemaker then tries another). */
enum ocf_exit ocf_for(r53_rc rc);

/* The OCF exit code for an action's result: its rc's when it failed,
 * else what a monitor found (running 0, stopped 7, failed 1, degraded
 * 190; the other actions succeed as MONITOR_RUNNING). */
enum ocf_exit ocf_for_result(const struct action_result *r);

/* rc's name ("R53_ERR_HOST") and what it means ("wrong on this node");
 * never NULL, also for a code out of range. */
const char *ocf_rc_name(r53_rc rc);
const char *ocf_rc_text(r53_rc rc);

#endif
