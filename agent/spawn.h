/* Private to agent/address.c (and its unit test): run a program with a
 * deadline and capture its output.  Not part of the agent's interface. */
#ifndef R53_SPAWN_H
#define R53_SPAWN_H

#include <stddef.h>

#include "rc.h"

/* Run argv[0] (an absolute path; no PATH search) with arguments argv
 * (NULL-terminated), stdin from /dev/null, every other fd closed, in its
 * own process group, and an environment built from scratch:
 * PATH=/usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C, plus CIB_file, CIB_shadow,
 * CIB_user, PCMK_* and HA_* copied from ours when set -- never AWS_* or
 * OCF_RESKEY_*.  Its stdout goes to out (outlen >= 1) and its stderr to
 * err (errlen >= 1), both NUL-terminated; bytes beyond the buffer are read
 * and dropped, so a full buffer (strlen == len - 1) means "maybe more".
 * R53_OK once it has exited, with the waitpid() status in *status;
 * R53_ERR_NOT_INSTALLED if argv[0] cannot be executed; R53_ERR_TIMEOUT if
 * it has not finished within timeout_ms, after killing its whole process
 * group and reaping it; R53_ERR_IO / R53_ERR_NOMEM otherwise.  No child is
 * ever left unreaped. */
r53_rc address_spawn_capture(const char *const argv[], long timeout_ms, char *out, size_t outlen,
                             char *err, size_t errlen, int *status);

#endif
