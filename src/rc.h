/* Return codes shared by every module, and the reason that goes with one.
 * Modules return r53_rc; agent/ocf.c holds each code's name, text and
 * OCF exit code.  Where the fault lies decides the code: a parameter that
 * is wrong everywhere (CONFIG, OCF 6), a file or setting of this node
 * (HOST, OCF 2, so Pacemaker tries another node), our own bug (INTERNAL). */
#ifndef R53_RC_H
#define R53_RC_H

typedef enum {
    R53_OK = 0,
    R53_ERR_NOMEM,         /* allocation failed */
    R53_ERR_CONFIG,        /* a parameter is inherently invalid, on every node */
    R53_ERR_HOST,          /* a file, setting or parameter wrong on this node only */
    R53_ERR_INTERNAL,      /* a caller broke a function's contract: a bug */
    R53_ERR_NOT_INSTALLED, /* a tool or file needed is missing */
    R53_ERR_IO,            /* local file or process failure */
    R53_ERR_NETWORK,       /* connect, timeout, reset, cut answer */
    R53_ERR_TLS,           /* the endpoint's certificate is not trusted */
    R53_ERR_HTTP,          /* an HTTP answer that is not a Route 53 answer */
    R53_ERR_PARSE,         /* a body we cannot read */
    R53_ERR_AUTH,          /* credentials refused (AccessDenied, signature...) */
    R53_ERR_EXPIRED,       /* ExpiredToken: temporary credentials ran out */
    R53_ERR_NO_CREDENTIALS,
    R53_ERR_THROTTLED, /* Throttling, PriorRequestNotComplete */
    R53_ERR_SERVER,    /* Route 53 5xx */
    R53_ERR_NO_ZONE,   /* NoSuchHostedZone, unknown zone name */
    R53_ERR_CHANGE,    /* InvalidChangeBatch, InvalidInput */
    R53_ERR_API,       /* any other Route 53 error */
    R53_ERR_PENDING,   /* change not INSYNC after the allowed polls */
    R53_ERR_TIMEOUT,   /* the action's time budget ran out */
    R53_ERR_NOT_FOUND, /* the thing asked for does not exist */
    R53_RC_COUNT
} r53_rc;

/* Why a function failed, in words a person can act on: filled by the
 * failing function and handed back to its caller, never kept anywhere
 * else (GLib's GError, without the allocation).  Every function that
 * returns an r53_rc and may fail with a reason takes one as its last
 * parameter; callers pass their own through.  A caller that tries
 * something and goes on when it fails (a cache miss, a fallback) passes
 * a scratch one, so its own reason is not overwritten.  Never NULL.
 * reason is "" until a failure is recorded; it never holds a secret. */
#define R53_REASON_MAX 1024
struct r53_error {
    char reason[R53_REASON_MAX];
};

/* Record a human-readable reason for the failure being returned in *err,
 * and return rc so callers can write `return r53_fail(err, rc, "...")`.
 * The text is formatted aside first, so a caller may wrap the reason it
 * was given: r53_fail(err, rc, "GetChange: %s", err->reason). */
r53_rc r53_fail(struct r53_error *err, r53_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* Tell the static analyser what the comment above says, since it cannot
 * see into rc.c: the result is rc. */
#define r53_fail(err, rc, ...)                                                                     \
    ({                                                                                             \
        r53_rc r53_fail_rc_ = (rc);                                                                \
        (r53_fail)((err), r53_fail_rc_, __VA_ARGS__);                                              \
        r53_fail_rc_;                                                                              \
    })
#endif

#endif
