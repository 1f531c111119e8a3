/* The one home of the node's shared files (src/fileio.c): a replace
 * leaves the new bytes or the old, mode 0600 and no temp file; a secret
 * replace wipes the bytes it lets go; a missing directory is made one
 * level deep; a lock held elsewhere is waited for until the deadline
 * and no longer, on the real clock or an injected one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "rc.h"
#include "util.h"

static void make_dir(char *tmpl)
{
    assert_non_null(mkdtemp(tmpl));
}

/* The number of entries in dir, "." and ".." aside. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
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

static void remove_tree(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_replace_whole_0600_no_temp(void **unused)
{
    char dir[] = "/tmp/r53-fileio-XXXXXX";
    char path[600];
    char buf[64];
    struct stat st;

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(fileio_replace(path, "first\n", 6, false), R53_OK);
    assert_int_equal(fileio_replace(path, "second\n", 7, false), R53_OK);
    assert_int_equal(slurp(path, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "second\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(entries(dir), 1);
    remove_tree(dir);
}

/* A hard link keeps the replaced file's bytes in view: zeros after a
 * secret replace, the old text after a plain one. */
static void test_replace_secret_wipes_old_bytes(void **unused)
{
    char dir[] = "/tmp/r53-fileio-XXXXXX";
    char path[600];
    char old[600];
    char buf[64];

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/secret", dir);
    snprintf(old, sizeof(old), "%s/old", dir);
    for (int secret = 1; secret >= 0; secret--) {
        assert_int_equal(fileio_replace(path, "key=SECRET", 10, secret), R53_OK);
        unlink(old);
        assert_int_equal(link(path, old), 0);
        assert_int_equal(fileio_replace(path, "key=next", 8, secret), R53_OK);
        assert_int_equal(slurp(old, buf, sizeof(buf)), 10);
        if (secret) {
            assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0", 10);
        } else {
            assert_string_equal(buf, "key=SECRET");
        }
        assert_int_equal(slurp(path, buf, sizeof(buf)), 8);
        assert_string_equal(buf, "key=next");
    }
    remove_tree(dir);
}

static void test_replace_failures_leave_nothing(void **unused)
{
    char dir[] = "/tmp/r53-fileio-XXXXXX";
    char path[600];

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/missing/f", dir);
    assert_int_equal(fileio_replace(path, "x", 1, true), R53_ERR_IO);
    assert_non_null(strstr(r53_last_error(), "cannot create"));
    /* A directory in the way: the rename fails, the temp file goes. */
    snprintf(path, sizeof(path), "%s/busy", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(fileio_replace(path, "x", 1, true), R53_ERR_IO);
    assert_non_null(strstr(r53_last_error(), "cannot rename"));
    assert_int_equal(entries(dir), 1);
    remove_tree(dir);
}

static void test_make_parent(void **unused)
{
    char dir[] = "/tmp/r53-fileio-XXXXXX";
    char path[600];
    struct stat st;

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/sub/file", dir);
    assert_int_equal(fileio_make_parent(path), 0);
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    snprintf(path, sizeof(path), "%s/sub/file", dir);
    assert_int_equal(fileio_make_parent(path), 0); /* there already */
    snprintf(path, sizeof(path), "%s/a/b/file", dir);
    assert_int_equal(fileio_make_parent(path), -1); /* one level only */
    assert_int_equal(errno, ENOENT);
    remove_tree(dir);
}

/* A child holding path's lock until killed. */
static pid_t spawn_holder(const char *path)
{
    int fds[2];
    char c = 0;
    pid_t pid = 0;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR);

        alarm(30); /* never outlive a failed test */
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(fds[1], "x", 1) != 1) {
            _exit(1);
        }
        for (;;) {
            pause();
        }
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

/* An injected clock: sleeping moves time on, nothing really waits. */
struct fake {
    int64_t now;
    int sleeps;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static void fake_sleep(void *ctx, int64_t ms)
{
    struct fake *f = ctx;

    f->now += ms;
    f->sleeps++;
}

static void test_lock_waits_until_the_deadline(void **unused)
{
    char dir[] = "/tmp/r53-fileio-XXXXXX";
    char path[600];
    struct fake f = { .now = 1000, .sleeps = 0 };
    const struct fileio_clock clock = { .now_ms = fake_now, .sleep_ms = fake_sleep, .ctx = &f };
    int fd = -1;
    int status = 0;
    int64_t start = 0;
    pid_t holder = 0;

    (void)unused;
    make_dir(dir);
    snprintf(path, sizeof(path), "%s/lock", dir);
    fd = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    holder = spawn_holder(path);

    /* Real clock: the wait ends by the deadline, not long before. */
    start = util_now_ms();
    assert_int_equal(fileio_lock(fd, start + 150, NULL), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(util_now_ms() - start >= 130);
    assert_true(util_now_ms() - start < 1000);

    /* Injected clock: polls back off to 16 ms and stop at the deadline. */
    assert_int_equal(fileio_lock(fd, 1000 + 500, &clock), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(f.now <= 1500 && f.now > 1500 - 16);
    assert_true(f.sleeps > 30 && f.sleeps < 40);

    assert_int_equal(kill(holder, SIGKILL), 0);
    assert_int_equal(waitpid(holder, &status, 0), holder);
    assert_int_equal(fileio_lock(fd, util_now_ms() + 5000, NULL), 0);
    close(fd);
    assert_int_equal(fileio_lock(fd, 0, NULL), -1); /* not a descriptor */
    assert_int_equal(errno, EBADF);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replace_whole_0600_no_temp),
        cmocka_unit_test(test_replace_secret_wipes_old_bytes),
        cmocka_unit_test(test_replace_failures_leave_nothing),
        cmocka_unit_test(test_make_parent),
        cmocka_unit_test(test_lock_waits_until_the_deadline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
