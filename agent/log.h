/* Logging through libqb, as resource-agents' ha_log and ha_debug log
 * (heartbeat/ocf-shellfuncs), and the OCF exit reason.
 *
 * log_open reads the environment, once:
 *   HA_debug        set, not empty and not "0": debug lines too (stderr,
 *                   syslog and HA_DEBUGLOG); else info and above.
 *   HA_LOGFACILITY  the syslog facility by the name syslog gives it
 *                   (daemon, user, local0 ... local7, ...).  Unset:
 *                   daemon.  "none" or empty: no syslog, as ha_log.  Any
 *                   other name: daemon, and a warning says so.
 *   HA_LOGFILE      appended to: the lines stderr gets, less debug lines
 *                   (ha_debug never writes there).
 *   HA_DEBUGLOG     appended to: the lines stderr gets, debug lines
 *                   included when HA_debug asks for them.  The same path
 *                   as HA_LOGFILE: one file, each line once.
 *   OCF_EXIT_REASON_PREFIX  for log_exit_reason.
 * A log file line is the stderr line with the time first and the process
 * id after the name:
 *   stderr:    route53(dns): info: start: exit 0
 *   log file:  Dec 07 10:15:02 route53(dns)[4711]: info: start: exit 0
 * Each line is one write(2) to a file opened O_APPEND, so the lines of
 * agents sharing a file never interleave.  A missing file is created
 * with mode 0640 (less the umask); a file that cannot be opened is named
 * once in a warning (stderr and syslog), and the action goes on without
 * it.  No file descriptor reaches a child process (O_CLOEXEC). */
#ifndef R53_LOG_H
#define R53_LOG_H

#include <qb/qblog.h>

/* Set up libqb once, for the resource instance's name; log_close undoes
 * it (and closes the files). */
void log_open(const char *instance);
void log_close(void);

/* Write "${OCF_EXIT_REASON_PREFIX:-ocf-exit-reason:}<reason>" as one
 * line on stderr, newlines in reason flattened; the log files get the
 * same line (syslog does not). */
void log_exit_reason(const char *reason);

#endif
