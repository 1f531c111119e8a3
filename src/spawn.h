/* Running a helper program safely: no shell, a clean environment, a
 * deadline, bounded output.  crm_resource (for ip_resource) runs through
 * it; so will credential_process. */
#ifndef R53_SPAWN_H
#define R53_SPAWN_H

#include <stddef.h>

#include "rc.h"

struct spawn_opts {
    /* Variables copied from our environment when set: a name ending in
     * '*' is a prefix ("PCMK_*"), else an exact name ("CIB_file").
     * NULL-terminated; NULL for none.  The child always gets
     * PATH=/usr/sbin:/usr/bin:/sbin:/bin and LC_ALL=C, nothing else:
     * never a secret of ours unless the caller lists it. */
    const char *const *env_allow;
    long timeout_ms; /* the whole run, output included */
    char *out;       /* its stdout, NUL-terminated; at most out_cap - 1 bytes kept */
    size_t out_cap;
    char *err; /* its stderr, likewise */
    size_t err_cap;
};

/* Run argv[0] (an absolute path; no PATH search) with arguments argv
 * (NULL-terminated), stdin from /dev/null, every other fd closed, in its
 * own process group, with the environment of o->env_allow.  Bytes beyond
 * a buffer are read and dropped, so a full buffer (strlen == cap - 1)
 * means "maybe more".  R53_OK once it has exited, with the waitpid()
 * status in *status; R53_ERR_NOT_INSTALLED if argv[0] cannot be
 * executed; R53_ERR_TIMEOUT if it has not finished within timeout_ms,
 * after killing its whole process group and reaping it; R53_ERR_IO /
 * R53_ERR_NOMEM otherwise.  No child is ever left unreaped. */
r53_rc spawn_capture(const char *const argv[], const struct spawn_opts *o, int *status,
                     struct r53_error *err);

/* The full path of program name on PATH, else in /usr/sbin, /usr/bin or
 * /sbin (Pacemaker may run agents with a PATH lacking them), in buf; NULL
 * when it is nowhere. */
const char *spawn_find(const char *name, char *buf, size_t len);

#endif
