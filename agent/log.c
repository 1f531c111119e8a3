#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static char log_name[128];

void log_open(const char *instance)
{
    const char *debug = getenv("HA_debug");
    int level =
        (debug != NULL && strcmp(debug, "0") != 0 && debug[0] != '\0') ? LOG_DEBUG : LOG_INFO;

    snprintf(log_name, sizeof(log_name), "route53(%s)", instance);
    qb_log_init(log_name, LOG_DAEMON, level);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
    qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", level);
    qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", level);
    qb_log_format_set(QB_LOG_STDERR, "%N: %p: %b");
}

void log_close(void)
{
    qb_log_fini();
}

void log_exit_reason(const char *reason)
{
    const char *prefix = getenv("OCF_EXIT_REASON_PREFIX");
    char line[1024];

    snprintf(line, sizeof(line), "%s", reason);
    for (char *p = line; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    fprintf(stderr, "%s%s\n", prefix != NULL ? prefix : "ocf-exit-reason:", line);
    fflush(stderr);
}
