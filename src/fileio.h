/* Files that outlive one action and that the node's processes share
 * (Pacemaker starts one process per action, so they meet only in the
 * file system): the state file, cached credentials, the zone cache, the
 * request budget.  Here, once: a file replaced whole or not at all, a
 * missing directory made, a lock waited for until a deadline, and a
 * file's bytes wiped.  No OCF or AWS knowledge.
 *
 * fileio_make_parent and fileio_lock return 0, or -1 with errno set:
 * their callers word the failure, and some go on without the file.
 * fileio_replace fails with a reason, in *err. */
#ifndef R53_FILEIO_H
#define R53_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

/* Create the directory path is in (mode 0755) when it is missing: the
 * last level only, as mkdir(2) does.  An existing one is success. */
int fileio_make_parent(const char *path);

/* Put data[0..len) in path's place: written to a new file beside it
 * (mode 0600), fsync, rename over path, fsync of the directory.  Readers
 * see the old file or the new one, never a part.  secret: the old
 * file's bytes (and the new file's, on failure) are overwritten with
 * zeros before they are let go.  R53_ERR_IO with a reason naming the
 * file and the step. */
r53_rc fileio_replace(const char *path, const void *data, size_t len, bool secret,
                      struct r53_error *err);

/* Overwrite path's bytes with zeros, in place (a file about to be
 * replaced or removed that held a secret); no file is no error. */
void fileio_wipe(const char *path);

/* The clock a lock's wait runs on; NULL members (or a NULL clock) take
 * the real ones: util_now_ms and retry_sleep_ms. */
struct fileio_clock {
    int64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, int64_t ms);
    void *ctx;
};

/* Take an exclusive flock(2) on fd, polled (every 1 ms, doubling to
 * 16 ms) so the wait has an end: 0 once held; -1 with errno ETIMEDOUT
 * when the next poll would pass deadline_ms (monotonic ms; 0: none), or
 * with flock's errno when the file cannot be locked at all.  The lock
 * goes with the descriptor: close it, or flock(fd, LOCK_UN). */
int fileio_lock(int fd, int64_t deadline_ms, const struct fileio_clock *clock);

#endif
