#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retry.h"
#include "util.h"

#define LOCK_PAUSE_MAX_MS 16

/* dirname(path) into dir[len]; false when path does not fit. */
static bool parent_of(const char *path, char *dir, size_t len)
{
    int n = snprintf(dir, len, "%s", path);
    const char *parent = NULL;

    if (n < 0 || (size_t)n >= len) {
        return false;
    }
    /* dirname may return a static "." or "/": copy it back. */
    parent = dirname(dir);
    memmove(dir, parent, strlen(parent) + 1);
    return true;
}

int fileio_make_parent(const char *path)
{
    char dir[4096];

    if (!parent_of(path, dir, sizeof(dir))) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkdir(dir, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* So a rename is on disk, not only the file it names. */
static void fsync_parent(const char *path)
{
    char dir[4096];
    int fd = -1;

    if (parent_of(path, dir, sizeof(dir)) &&
        (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(fd);
        close(fd);
    }
}

void fileio_wipe(const char *path)
{
    static const char zeros[512] = { 0 };
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;

    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) == 0) {
        for (off_t done = 0; done < st.st_size;) {
            size_t n = (size_t)(st.st_size - done) < sizeof(zeros) ? (size_t)(st.st_size - done)
                                                                   : sizeof(zeros);
            ssize_t w = write(fd, zeros, n);

            if (w <= 0) {
                break;
            }
            done += w;
        }
        fsync(fd);
    }
    close(fd);
}

/* A new file tmp (a template, "...XXXXXX") holding data, on disk;
 * *made once it exists. */
static r53_rc write_temp(char *tmp, const void *data, size_t len, bool *made, struct r53_error *err)
{
    int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */

    if (fd < 0) {
        return r53_fail(err, R53_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    *made = true;
    if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
        int saved = errno;

        close(fd);
        return r53_fail(err, R53_ERR_IO, "cannot write %s: %s", tmp, strerror(saved));
    }
    if (close(fd) != 0) {
        return r53_fail(err, R53_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    return R53_OK;
}

r53_rc fileio_replace(const char *path, const void *data, size_t len, bool secret,
                      struct r53_error *err)
{
    char tmp[4096];
    bool made = false;
    r53_rc rc = R53_OK;
    int n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);

    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return r53_fail(err, R53_ERR_IO, "cannot create a file beside %s: the name is too long",
                        path);
    }
    if ((rc = write_temp(tmp, data, len, &made, err)) != R53_OK) {
        goto cleanup;
    }
    if (secret) {
        fileio_wipe(path);
    }
    if (rename(tmp, path) != 0) {
        rc = r53_fail(err, R53_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto cleanup;
    }
    fsync_parent(path);

cleanup:
    if (rc != R53_OK && made) {
        if (secret) {
            fileio_wipe(tmp);
        }
        unlink(tmp);
    }
    return rc;
}

/* The clock's time, or the real one (a NULL clock or member). */
static int64_t clock_now(const struct fileio_clock *c)
{
    return c != NULL && c->now_ms != NULL ? c->now_ms(c->ctx) : util_now_ms();
}

static void clock_sleep(const struct fileio_clock *c, int64_t ms)
{
    if (c != NULL && c->sleep_ms != NULL) {
        c->sleep_ms(c->ctx, ms);
    } else {
        retry_sleep_ms(ms);
    }
}

int fileio_lock(int fd, int64_t deadline_ms, const struct fileio_clock *clock)
{
    int64_t pause = 1;

    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            return 0;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EWOULDBLOCK) {
            return -1;
        }
        if (deadline_ms > 0 && clock_now(clock) + pause > deadline_ms) {
            errno = ETIMEDOUT;
            return -1;
        }
        clock_sleep(clock, pause);
        pause = pause * 2 > LOCK_PAUSE_MAX_MS ? LOCK_PAUSE_MAX_MS : pause * 2;
    }
}
