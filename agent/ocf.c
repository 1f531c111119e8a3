#include "ocf.h"

#include <stddef.h>

struct rc_info {
    const char *name;
    const char *text;
    enum ocf_exit ocf;
};

#define RC(code, text, ocf) [code] = { #code, text, ocf }

static const struct rc_info rc_table[R53_RC_COUNT] = {
    RC(R53_OK, "success", OCF_SUCCESS),
    RC(R53_ERR_NOMEM, "out of memory", OCF_ERR_GENERIC),
    RC(R53_ERR_CONFIG, "a parameter is invalid on every node", OCF_ERR_CONFIGURED),
    RC(R53_ERR_HOST, "a file, setting or parameter is wrong on this node", OCF_ERR_ARGS),
    RC(R53_ERR_INTERNAL, "internal error", OCF_ERR_GENERIC),
    RC(R53_ERR_NOT_INSTALLED, "a tool needed is not installed", OCF_ERR_INSTALLED),
    RC(R53_ERR_IO, "local I/O failure", OCF_ERR_GENERIC),
    RC(R53_ERR_NETWORK, "network failure", OCF_ERR_GENERIC),
    RC(R53_ERR_TLS, "certificate not trusted", OCF_ERR_GENERIC),
    RC(R53_ERR_HTTP, "unexpected HTTP answer", OCF_ERR_GENERIC),
    RC(R53_ERR_PARSE, "unreadable response", OCF_ERR_GENERIC),
    RC(R53_ERR_AUTH, "access refused", OCF_ERR_PERM),
    RC(R53_ERR_EXPIRED, "credentials expired", OCF_ERR_PERM),
    /* No keys anywhere on this node: install or configure them here. */
    RC(R53_ERR_NO_CREDENTIALS, "no credentials", OCF_ERR_INSTALLED),
    RC(R53_ERR_THROTTLED, "throttled", OCF_ERR_GENERIC),
    RC(R53_ERR_SERVER, "AWS server error", OCF_ERR_GENERIC),
    /* The zone is named by a parameter: wrong on every node. */
    RC(R53_ERR_NO_ZONE, "no such hosted zone", OCF_ERR_CONFIGURED),
    RC(R53_ERR_CHANGE, "change refused", OCF_ERR_GENERIC),
    RC(R53_ERR_API, "AWS error", OCF_ERR_GENERIC),
    RC(R53_ERR_PENDING, "change still pending", OCF_ERR_GENERIC),
    RC(R53_ERR_TIMEOUT, "out of time", OCF_ERR_GENERIC),
    RC(R53_ERR_NOT_FOUND, "not found", OCF_ERR_GENERIC),
};

static const struct rc_info *info(r53_rc rc)
{
    static const struct rc_info unknown = { "R53_ERR_?", "unknown error", OCF_ERR_GENERIC };

    return (unsigned)rc < R53_RC_COUNT && rc_table[rc].name != NULL ? &rc_table[rc] : &unknown;
}

enum ocf_exit ocf_for(r53_rc rc)
{
    return info(rc)->ocf;
}

enum ocf_exit ocf_for_result(const struct action_result *r)
{
    static const enum ocf_exit found[] = {
        [MONITOR_RUNNING] = OCF_SUCCESS,
        [MONITOR_STOPPED] = OCF_NOT_RUNNING,
        [MONITOR_FAILED] = OCF_ERR_GENERIC,
        [MONITOR_DEGRADED] = OCF_DEGRADED,
    };

    if (r->rc != R53_OK) {
        return ocf_for(r->rc);
    }
    return (unsigned)r->monitor < sizeof(found) / sizeof(found[0]) ? found[r->monitor]
                                                                   : OCF_ERR_GENERIC;
}

const char *ocf_rc_name(r53_rc rc)
{
    return info(rc)->name;
}

const char *ocf_rc_text(r53_rc rc)
{
    return info(rc)->text;
}
