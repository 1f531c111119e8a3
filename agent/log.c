#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* What log_open read from the environment. */
struct log_env {
    bool debug;           /* HA_debug asks for debug lines */
    const char *facility; /* HA_LOGFACILITY; NULL when unset */
    const char *logfile;  /* HA_LOGFILE; NULL when unset or empty */
    const char *debuglog; /* HA_DEBUGLOG; likewise */
};

/* The logger's own state, set by log_open: the one process-wide
 * logging path, as libqb's is. */
static struct {
    char name[128];            /* route53(<instance>), as libqb's %N */
    long pid;                  /* for the log files' lines */
    const char *reason_prefix; /* OCF_EXIT_REASON_PREFIX; NULL when unset */
    int fd[2];                 /* HA_LOGFILE's, HA_DEBUGLOG's; -1 when not open */
} logger = { .fd = { -1, -1 } };

static bool debug_wanted(const char *v)
{
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* One line, "<time> <name>[<pid>]: <text>\n", in one write(2): with
 * O_APPEND, lines that agents write to one file at once never mix.  A
 * failing write is dropped: a log file must not fail the action. */
static void file_write(int fd, time_t when, const char *text)
{
    char stamp[32] = "";
    char line[2048];
    struct tm tm;
    size_t len = 0;
    size_t done = 0;
    int n = 0;

    if (localtime_r(&when, &tm) != NULL) {
        strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
    }
    n = snprintf(line, sizeof(line) - 1, "%s %s[%ld]: %s", stamp, logger.name, logger.pid, text);
    if (n < 0) {
        return;
    }
    len = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;
    line[len++] = '\n';
    while (done < len) {
        ssize_t w = write(fd, line + done, len - done);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return;
        }
        done += (size_t)w;
    }
}

/* libqb's custom target: the line as stderr has it, less the name. */
static void file_logger(int32_t t, struct qb_log_callsite *cs, struct timespec *ts, const char *msg)
{
    const int *fd = qb_log_target_user_data_get(t);
    char text[QB_LOG_MAX_LEN] = "";

    if (fd != NULL && *fd >= 0) {
        qb_log_target_format(t, cs, ts, msg, text);
        file_write(*fd, ts->tv_sec, text);
    }
}

static void file_close(int32_t t)
{
    int *fd = qb_log_target_user_data_get(t);

    if (fd != NULL && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* path opened for appending, created 0640; -1 with errno set if not.
 * O_NONBLOCK for the open alone: a FIFO nobody reads must not hang the
 * action. */
static int open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0640);
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;

    if (flags >= 0) {
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    return fd;
}

/* A libqb target appending lines of priority level and above to path
 * (the value of var); *fd holds its descriptor.  One that cannot be
 * opened is named once, and logging goes on without it. */
static void file_target(const char *var, const char *path, int *fd, uint8_t level)
{
    int32_t t = 0;

    *fd = open_append(path);
    if (*fd < 0) {
        qb_log(LOG_WARNING, "%s=%s: cannot open it (%s); logging on without it", var, path,
               strerror(errno));
        return;
    }
    t = qb_log_custom_open(file_logger, file_close, NULL, fd);
    if (t < 0) {
        close(*fd);
        *fd = -1;
        qb_log(LOG_WARNING, "%s=%s: no libqb target for it (%s)", var, path, strerror(-t));
        return;
    }
    qb_log_format_set(t, "%p: %b");
    qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", level);
    qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
}

/* HA_LOGFACILITY's facility, as ha_log reads it: unset is daemon, empty
 * or "none" is no syslog (-1).  *unknown: a name syslog does not know
 * (then daemon). */
static int facility_from(const char *name, bool *unknown)
{
    int facility = 0;

    *unknown = false;
    if (name == NULL) {
        return LOG_DAEMON;
    }
    if (name[0] == '\0' || strcmp(name, "none") == 0) {
        return -1;
    }
    facility = qb_log_facility2int(name);
    if (facility < 0) {
        *unknown = true;
        return LOG_DAEMON;
    }
    return facility;
}

static struct log_env log_env_read(void)
{
    struct log_env env = {
        .debug = debug_wanted(getenv("HA_debug")),
        .facility = getenv("HA_LOGFACILITY"),
        .logfile = util_unset_if_empty(getenv("HA_LOGFILE")),
        .debuglog = util_unset_if_empty(getenv("HA_DEBUGLOG")),
    };

    logger.reason_prefix = getenv("OCF_EXIT_REASON_PREFIX");
    return env;
}

void log_open(const char *instance)
{
    struct log_env env = log_env_read();
    uint8_t level = env.debug ? LOG_DEBUG : LOG_INFO;
    bool unknown = false;
    int facility = facility_from(env.facility, &unknown);

    snprintf(logger.name, sizeof(logger.name), "route53(%s)", instance);
    logger.pid = (long)getpid();
    qb_log_init(logger.name, facility >= 0 ? facility : LOG_DAEMON, level);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, facility >= 0 ? QB_TRUE : QB_FALSE);
    qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
    qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", level);
    qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", level);
    qb_log_format_set(QB_LOG_STDERR, "%N: %p: %b");
    if (env.debuglog != NULL) {
        file_target("HA_DEBUGLOG", env.debuglog, &logger.fd[1], level);
    }
    /* ha_log writes a line once to a file named by both. */
    if (env.logfile != NULL && (env.debuglog == NULL || strcmp(env.logfile, env.debuglog) != 0)) {
        file_target("HA_LOGFILE", env.logfile, &logger.fd[0], LOG_INFO);
    }
    if (unknown) {
        qb_log(LOG_WARNING, "HA_LOGFACILITY=%s is no syslog facility: logging to daemon",
               env.facility);
    }
}

void log_close(void)
{
    qb_log_fini();
}

void log_exit_reason(const char *reason)
{
    const char *prefix = logger.reason_prefix != NULL ? logger.reason_prefix : "ocf-exit-reason:";
    char line[1024];
    char text[1200];

    snprintf(line, sizeof(line), "%s", reason);
    for (char *p = line; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    fprintf(stderr, "%s%s\n", prefix, line);
    fflush(stderr);
    snprintf(text, sizeof(text), "%s%s", prefix, line);
    for (size_t i = 0; i < sizeof(logger.fd) / sizeof(logger.fd[0]); i++) {
        if (logger.fd[i] >= 0) {
            file_write(logger.fd[i], time(NULL), text);
        }
    }
}
