#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const rc_names[R53_RC_COUNT] = {
    [R53_OK] = "success",
    [R53_ERR_NOMEM] = "out of memory",
    [R53_ERR_CONFIG] = "invalid configuration",
    [R53_ERR_HOST] = "invalid on this host",
    [R53_ERR_NOT_INSTALLED] = "not installed",
    [R53_ERR_IO] = "local I/O failure",
    [R53_ERR_NETWORK] = "network failure",
    [R53_ERR_TLS] = "certificate not trusted",
    [R53_ERR_HTTP] = "unexpected HTTP answer",
    [R53_ERR_PARSE] = "unreadable response",
    [R53_ERR_AUTH] = "access refused",
    [R53_ERR_EXPIRED] = "credentials expired",
    [R53_ERR_NO_CREDENTIALS] = "no credentials",
    [R53_ERR_THROTTLED] = "throttled",
    [R53_ERR_SERVER] = "Route 53 server error",
    [R53_ERR_NO_ZONE] = "no such hosted zone",
    [R53_ERR_CHANGE] = "change refused",
    [R53_ERR_API] = "Route 53 error",
    [R53_ERR_PENDING] = "change still pending",
    [R53_ERR_TIMEOUT] = "out of time",
    [R53_ERR_NOT_FOUND] = "not found",
};

/* One process runs one action on one thread: a single buffer suffices. */
static char last_error[1024];

const char *r53_rc_str(r53_rc rc)
{
    if ((unsigned)rc >= R53_RC_COUNT || rc_names[rc] == NULL) {
        return "unknown error";
    }
    return rc_names[rc];
}

r53_rc r53_fail(r53_rc rc, const char *fmt, ...)
{
    char message[sizeof(last_error)];
    va_list ap;

    /* Format aside first: callers often wrap the previous message. */
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    memcpy(last_error, message, sizeof(last_error));
    return rc;
}

const char *r53_last_error(void)
{
    return last_error;
}

void r53_clear_error(void)
{
    last_error[0] = '\0';
}
