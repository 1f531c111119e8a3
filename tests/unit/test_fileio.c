/* The one home of the node's shared files (src/fileio.c): a replace
 * leaves the new bytes or the old, mode 0600 and no temp file; a secret
 * replace wipes the bytes it lets go; a missing directory is made one
 * level deep; a lock held elsewhere is waited for until the deadline
 * and no longer, on the real clock or an injected one.  Each test has a
 * fresh directory of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "rc.h"
#include "util.h"

struct tmp {
    char dir[32];
    char path[4][600]; /* names in dir, by in_dir */
};

static int make_tmp(void **state)
{
    static struct tmp t;

    memset(&t, 0, sizeof(t));
    snprintf(t.dir, sizeof(t.dir), "/tmp/r53-fileio-XXXXXX");
    *state = &t;
    return mkdtemp(t.dir) != NULL ? 0 : -1;
}

/* The entries of dir, "." and ".." aside; removed too when remove_them
 * (the tests make no deeper tree than one level of empty directories). */
static int entries(const char *dir, bool remove_them)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    char path[600];
    int n = 0;

    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            n += !remove_them || remove(path) == 0;
        }
    }
    closedir(d);
    return n;
}

static const char *tmp_dir(void **state)
{
    return ((const struct tmp *)*state)->dir;
}

static int remove_tmp(void **state)
{
    entries(tmp_dir(state), true);
    return rmdir(tmp_dir(state));
}

/* Path number i: name under the test's directory. */
static const char *in_dir(void **state, int i, const char *name)
{
    struct tmp *t = *state;

    snprintf(t->path[i], sizeof(t->path[i]), "%s/%s", t->dir, name);
    return t->path[i];
}

/* The file's bytes into buf[cap] (NUL-terminated); its size. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = 0;

    assert_true(fd >= 0);
    n = read(fd, buf, cap - 1);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    return (size_t)n;
}

static void test_replace_whole_0600_no_temp(void **state)
{
    const char *path = in_dir(state, 0, "f");
    char buf[64];
    struct stat st;
    struct r53_error err = { 0 };

    assert_int_equal(fileio_replace(path, "first\n", 6, false, &err), R53_OK);
    assert_int_equal(fileio_replace(path, "second\n", 7, false, &err), R53_OK);
    assert_int_equal(slurp(path, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "second\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(entries(tmp_dir(state), false), 1);
}

/* A hard link keeps the replaced file's bytes in view: zeros after a
 * secret replace, the old text after a plain one. */
static void test_replace_secret_wipes_old_bytes(void **state)
{
    const char *path = in_dir(state, 0, "secret");
    const char *old = in_dir(state, 1, "old");
    char buf[64];
    struct r53_error err = { 0 };

    for (int secret = 1; secret >= 0; secret--) {
        assert_int_equal(fileio_replace(path, "key=SECRET", 10, secret, &err), R53_OK);
        unlink(old);
        assert_int_equal(link(path, old), 0);
        assert_int_equal(fileio_replace(path, "key=next", 8, secret, &err), R53_OK);
        assert_int_equal(slurp(old, buf, sizeof(buf)), 10);
        if (secret) {
            assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0", 10);
        } else {
            assert_string_equal(buf, "key=SECRET");
        }
        assert_int_equal(slurp(path, buf, sizeof(buf)), 8);
        assert_string_equal(buf, "key=next");
    }
}

static void test_replace_failures_leave_nothing(void **state)
{
    const char *busy = in_dir(state, 0, "busy");
    struct r53_error err = { 0 };

    assert_int_equal(fileio_replace(in_dir(state, 1, "missing/f"), "x", 1, true, &err), R53_ERR_IO);
    assert_non_null(strstr(err.reason, "cannot create"));
    /* A directory in the way: the rename fails, the temp file goes. */
    assert_int_equal(mkdir(busy, 0755), 0);
    assert_int_equal(fileio_replace(busy, "x", 1, true, &err), R53_ERR_IO);
    assert_non_null(strstr(err.reason, "cannot rename"));
    assert_int_equal(entries(tmp_dir(state), false), 1);
}

static void test_make_parent(void **state)
{
    struct stat st;

    assert_int_equal(fileio_make_parent(in_dir(state, 0, "sub/file")), 0);
    assert_int_equal(stat(in_dir(state, 1, "sub"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(fileio_make_parent(in_dir(state, 0, "sub/file")), 0);  /* there already */
    assert_int_equal(fileio_make_parent(in_dir(state, 2, "a/b/file")), -1); /* one level only */
    assert_int_equal(errno, ENOENT);
}

/* An injected clock that notes every pause it is asked for. */
struct pauses {
    int64_t start;
    int64_t total;
    int n;
    int64_t each[64];
};

static int64_t pauses_now(void *ctx)
{
    const struct pauses *p = ctx;

    return p->start + p->total;
}

static void pauses_add(void *ctx, int64_t ms)
{
    struct pauses *p = ctx;

    assert_true(p->n < 64);
    p->each[p->n++] = ms;
    p->total += ms;
}

/* flock(2) locks belong to an open file description: a second open of
 * the same file, in this very process, meets the first one's lock. */
static void test_lock_waits_until_the_deadline(void **state)
{
    const char *path = in_dir(state, 0, "lock");
    struct pauses p = { .start = 1000 };
    const struct fileio_clock clock = { .now_ms = pauses_now, .sleep_ms = pauses_add, .ctx = &p };
    int holder = open(path, O_RDWR | O_CREAT, 0600);
    int fd = open(path, O_RDWR);
    int64_t start = util_now_ms();

    assert_true(holder >= 0 && fd >= 0);
    assert_int_equal(fileio_lock(holder, 0, NULL), 0);

    /* The real clock: the wait ends by the deadline, not long before. */
    assert_int_equal(fileio_lock(fd, start + 150, NULL), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_in_range(util_now_ms() - start, 130, 999);

    /* The injected one: pauses of 1, 2, 4, 8, then 16 ms, none past the
     * deadline. */
    assert_int_equal(fileio_lock(fd, 1000 + 500, &clock), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(p.n, 4 + 30);
    assert_int_equal(p.each[0] + p.each[1] + p.each[2] + p.each[3], 1 + 2 + 4 + 8);
    assert_int_equal(p.each[3], 8);
    assert_int_equal(p.each[p.n - 1], 16);
    assert_in_range(pauses_now(&p), 1500 - 16, 1500);

    /* Let go: the lock is had at once. */
    close(holder);
    p.n = 0;
    assert_int_equal(fileio_lock(fd, 1000 + 500, &clock), 0);
    assert_int_equal(p.n, 0);
    close(fd);
    assert_int_equal(fileio_lock(fd, 0, NULL), -1); /* not a descriptor */
    assert_int_equal(errno, EBADF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replace_whole_0600_no_temp, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(test_replace_secret_wipes_old_bytes, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(test_replace_failures_leave_nothing, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(test_make_parent, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(test_lock_waits_until_the_deadline, make_tmp, remove_tmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
