/* src/spawn.c: running a helper with a clean environment, a deadline,
 * bounded output, no fd leaked and no child left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

/* No child of ours may be left behind, reaped or not. */
static void assert_no_children(void)
{
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static void assert_error_contains(const struct r53_error *err, const char *needle)
{
    if (strstr(err->reason, needle) == NULL) {
        fail_msg("reason \"%s\" lacks \"%s\"", err->reason, needle);
    }
}

/* The allow-list crm_resource runs with (agent/address.c). */
static const char *const env_allow[] = { "CIB_file", "CIB_shadow", "CIB_user",
                                         "PCMK_*",   "HA_*",       NULL };

static r53_rc spawn(const char *const argv[], long timeout_ms, char *out, size_t outlen,
                    char *errout, size_t errlen, int *status, struct r53_error *err)
{
    struct spawn_opts o = {
        .env_allow = env_allow, .timeout_ms = timeout_ms, .out_cap = outlen, .err_cap = errlen
    };

    o.out = out; /* written by spawn_capture */
    o.err = errout;
    return spawn_capture(argv, &o, status, err);
}

static r53_rc run(const char *const argv[], long timeout_ms, char *out, size_t outlen, int *status,
                  struct r53_error *err)
{
    char errout[512];

    return spawn(argv, timeout_ms, out, outlen, errout, sizeof(errout), status, err);
}

static void test_spawn_output_and_status(void **state)
{
    const char *const argv[] = { "/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3", NULL };
    char out[64];
    char errout[64];
    int status = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(spawn(argv, 10000, out, sizeof(out), errout, sizeof(errout), &status, &err),
                     R53_OK);
    assert_string_equal(out, "to-out\n");
    assert_string_equal(errout, "to-err\n");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    assert_no_children();
}

static void test_spawn_bounds_output(void **state)
{
    /* 1 MB: far past the buffer and past a pipe's capacity, so the child
     * blocks unless the excess is drained. */
    const char *const argv[] = { "/bin/sh", "-c",
                                 "head -c 1000000 /dev/zero | tr '\\0' a; "
                                 "head -c 1000000 /dev/zero | tr '\\0' b >&2",
                                 NULL };
    char out[16];
    char errout[8];
    int status = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(spawn(argv, 20000, out, sizeof(out), errout, sizeof(errout), &status, &err),
                     R53_OK);
    assert_string_equal(out, "aaaaaaaaaaaaaaa");
    assert_string_equal(errout, "bbbbbbb");
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_no_children();
}

static void test_spawn_missing_program(void **state)
{
    const char *const argv[] = { "/nonexistent/r53-program", NULL };
    char out[16];
    int status = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(run(argv, 1000, out, sizeof(out), &status, &err), R53_ERR_NOT_INSTALLED);
    assert_error_contains(&err, "/nonexistent/r53-program");
    assert_no_children();
}

static void test_spawn_environment(void **state)
{
    const char *const argv[] = { "/usr/bin/env", NULL };
    char out[8192];
    int status = 0;
    struct r53_error err = { 0 };

    (void)state;
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("OCF_RESKEY_secret", "s3cr3t", 1);
    setenv("R53_TEST_OTHER", "other", 1);
    setenv("XPCMK_not", "1", 1);
    setenv("PATH", "/opt/r53-test/bin:/usr/bin:/bin", 1);
    setenv("LC_ALL", "en_US.UTF-8", 1);
    setenv("CIB_file", "/tmp/r53-test-cib.xml", 1);
    setenv("PCMK_logfile", "/dev/null", 1);
    setenv("HA_debug", "0", 1);
    assert_int_equal(run(argv, 10000, out, sizeof(out), &status, &err), R53_OK);
    assert_int_equal(WEXITSTATUS(status), 0);

    assert_null(strstr(out, "AWS_"));
    assert_null(strstr(out, "wJalrXUtnFEMI"));
    assert_null(strstr(out, "OCF_RESKEY_"));
    assert_null(strstr(out, "s3cr3t"));
    assert_null(strstr(out, "R53_TEST_OTHER"));
    assert_null(strstr(out, "XPCMK_not"));
    assert_null(strstr(out, "/opt/r53-test"));
    assert_null(strstr(out, "en_US"));
    assert_non_null(strstr(out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
    assert_non_null(strstr(out, "LC_ALL=C\n"));
    assert_non_null(strstr(out, "CIB_file=/tmp/r53-test-cib.xml\n"));
    assert_non_null(strstr(out, "PCMK_logfile=/dev/null\n"));
    assert_non_null(strstr(out, "HA_debug=0\n"));

    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("OCF_RESKEY_secret");
    unsetenv("R53_TEST_OTHER");
    unsetenv("XPCMK_not");
    unsetenv("CIB_file");
    unsetenv("PCMK_logfile");
    unsetenv("HA_debug");
    unsetenv("LC_ALL");
    setenv("PATH", "/usr/bin:/bin", 1);
    assert_no_children();
}

static void test_spawn_fds_stdin_group(void **state)
{
    /* fd 3 is the one ls opens on /proc/self/fd itself. */
    const char *const ls_argv[] = { "/bin/ls", "/proc/self/fd", NULL };
    const char *const in_argv[] = { "/bin/readlink", "/proc/self/fd/0", NULL };
    /* Fields 1 and 5 of /proc/PID/stat: pid and process group. */
    const char *const pg_argv[] = { "/bin/sh", "-c",
                                    "read -r pid comm state ppid pgrp rest "
                                    "< /proc/$$/stat; echo $pid $pgrp",
                                    NULL };
    char out[256];
    unsigned long pid = 0;
    unsigned long pgrp = 0;
    char *end = NULL;
    int status = 0;
    int leak = -1;
    struct r53_error err = { 0 };

    (void)state;
    /* An fd without close-on-exec, as a careless library might leave. */
    leak = dup2(STDERR_FILENO, 47);
    assert_int_equal(leak, 47);
    assert_int_equal(run(ls_argv, 10000, out, sizeof(out), &status, &err), R53_OK);
    close(leak);
    assert_string_equal(out, "0\n1\n2\n3\n");

    assert_int_equal(run(in_argv, 10000, out, sizeof(out), &status, &err), R53_OK);
    assert_string_equal(out, "/dev/null\n");

    assert_int_equal(run(pg_argv, 10000, out, sizeof(out), &status, &err), R53_OK);
    pid = strtoul(out, &end, 10);
    pgrp = strtoul(end, &end, 10);
    assert_string_equal(end, "\n");
    assert_true(pid > 0);
    assert_int_equal(pid, pgrp);
    assert_true(pgrp != (unsigned long)getpgrp());
    assert_no_children();
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_spawn_timeout(void **state)
{
    const char *const argv[] = { "/bin/sleep", "5", NULL };
    char out[16];
    int status = 0;
    double t0 = now_s();
    double took = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(run(argv, 200, out, sizeof(out), &status, &err), R53_ERR_TIMEOUT);
    took = now_s() - t0;
    assert_true(took >= 0.19);
    assert_true(took < 1.0);
    assert_error_contains(&err, "sleep did not answer within 200 ms");
    assert_no_children();
}

/* Gone, or killed and waiting for init to reap it. */
static bool process_gone(long pid)
{
    char path[64];
    char st[256] = { 0 };
    FILE *f = NULL;
    size_t n = 0;

    if (kill((pid_t)pid, 0) != 0) {
        return true;
    }
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    n = fread(st, 1, sizeof(st) - 1, f);
    fclose(f);
    st[n] = '\0';
    return strstr(st, ") Z ") != NULL;
}

static void test_spawn_timeout_kills_group(void **state)
{
    /* The shell closes its output and waits on a grandchild: both must be
     * killed, and the timeout must hold with no pipe left to poll.  The
     * grandchild's pid goes to the file named by $0. */
    char dir[] = "/tmp/r53-addr-XXXXXX";
    char pidfile[64];
    char out[16];
    char errout[16];
    FILE *f = NULL;
    char line[32] = "";
    char *end = NULL;
    long grandchild = 0;
    int status = 0;
    int i = 0;
    double t0 = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
    const char *const argv[] = { "/bin/sh", "-c",
                                 "exec >/dev/null 2>&1; /bin/sleep 30 & echo $! > \"$0\"; wait",
                                 pidfile, NULL };
    t0 = now_s();
    assert_int_equal(spawn(argv, 300, out, sizeof(out), errout, sizeof(errout), &status, &err),
                     R53_ERR_TIMEOUT);
    assert_true(now_s() - t0 < 1.5);
    assert_no_children();

    f = fopen(pidfile, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    grandchild = strtol(line, &end, 10);
    assert_string_equal(end, "\n");
    fclose(f);
    assert_true(grandchild > 1);
    for (i = 0; i < 100 && !process_gone(grandchild); i++) {
        usleep(10000);
    }
    if (!process_gone(grandchild)) {
        kill((pid_t)grandchild, SIGKILL);
        fail_msg("grandchild %ld survived the timeout", grandchild);
    }
    unlink(pidfile);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_output_and_status),
        cmocka_unit_test(test_spawn_bounds_output),
        cmocka_unit_test(test_spawn_missing_program),
        cmocka_unit_test(test_spawn_environment),
        cmocka_unit_test(test_spawn_fds_stdin_group),
        cmocka_unit_test(test_spawn_timeout),
        cmocka_unit_test(test_spawn_timeout_kills_group),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
