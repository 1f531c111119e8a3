#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

r53_rc(r53_fail)(struct r53_error *err, r53_rc rc, const char *fmt, ...)
{
    char reason[sizeof(err->reason)];
    va_list ap;

    /* Format aside first: callers often wrap the reason they were given. */
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    memcpy(err->reason, reason, sizeof(err->reason));
    return rc;
}
