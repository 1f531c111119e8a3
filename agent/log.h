/* Logging through libqb (syslog and stderr), and the OCF exit reason. */
#ifndef R53_LOG_H
#define R53_LOG_H

#include <qb/qblog.h>

/* Set up libqb once: syslog at info, stderr likewise; HA_debug=1 (the
 * resource-agents convention) lowers both to debug. */
void log_open(const char *instance);
void log_close(void);

/* Write "${OCF_EXIT_REASON_PREFIX:-ocf-exit-reason:}<reason>" as one
 * line on stderr, newlines in reason flattened. */
void log_exit_reason(const char *reason);

#endif
