#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One process runs one action on one thread: a single buffer suffices. */
static char last_error[1024];

r53_rc(r53_fail)(r53_rc rc, const char *fmt, ...)
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
