/* The state file under concurrency: several agents of one resource (a
 * start racing a monitor, a stop racing both) and agents of other
 * resources write at once while a reader - state_read, as monitor and
 * probe use it - reads without pause.  Every read must be "no file" or a
 * whole state someone wrote; no temp file may be left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ocf.h"
#include "state.h"

#define WRITERS 4  /* processes writing the shared instance */
#define WRITES 150 /* states each writer writes */
#define OTHERS 2   /* processes each writing its own instance */
#define MAX_READS 2000000L

/* A long label, so a file is several hundred bytes and a torn write has
 * room to show. */
#define PAD "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* State number i of writer w: every field encodes (w, i), so a reader can
 * tell a whole state from a mix of two. */
static void make_state(int w, int i, struct state *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->zone_id, sizeof(s->zone_id), "Z%dX%d", w, i);
    snprintf(s->fqdn, sizeof(s->fqdn), "h%d-%d.%s.%s.%s.example.com.", w, i, PAD, PAD, PAD);
    snprintf(s->type, sizeof(s->type), "A");
    snprintf(s->value, sizeof(s->value), "10.%d.%d.%d", w, i / 256, i % 256);
    s->ttl = (long)w * 100000 + i;
    s->private_zone = (i % 2) == 1;
    snprintf(s->name_servers, sizeof(s->name_servers), "127.0.%d.%d:53,[fd00::%d]:5353", w, i % 256,
             i);
    snprintf(s->owner, sizeof(s->owner), "cluster-%d.%d", w, i);
}

/* Field by field: struct state has padding. */
static bool same_state(const struct state *a, const struct state *b)
{
    return strcmp(a->zone_id, b->zone_id) == 0 && strcmp(a->fqdn, b->fqdn) == 0 &&
           strcmp(a->type, b->type) == 0 && strcmp(a->value, b->value) == 0 && a->ttl == b->ttl &&
           a->private_zone == b->private_zone && strcmp(a->name_servers, b->name_servers) == 0 &&
           strcmp(a->owner, b->owner) == 0;
}

/* True if s is make_state(w, i) for some writer w < nw and i < WRITES. */
static int is_written(const struct state *s, int nw)
{
    struct state want;
    long w = s->ttl / 100000;
    long i = s->ttl % 100000;

    if (s->ttl < 0 || w >= nw || i >= WRITES) {
        return 0;
    }
    make_state((int)w, (int)i, &want);
    return same_state(&want, s);
}

/* A child: write writer w's states to path in order; every 'remove_every'
 * writes (0: never) remove the file, as a stop would.  Exits 0 if every
 * call succeeded. */
static void writer(const char *path, int w, int remove_every)
{
    struct state s;
    struct r53_error err = { 0 };

    for (int i = 0; i < WRITES; i++) {
        make_state(w, i, &s);
        if (state_write(path, &s, &err) != R53_OK) {
            fprintf(stderr, "writer %d: %s\n", w, err.reason);
            _exit(1);
        }
        if (remove_every > 0 && i % remove_every == remove_every - 1 &&
            state_remove(path, &err) != R53_OK) {
            fprintf(stderr, "writer %d: %s\n", w, err.reason);
            _exit(1);
        }
    }
    _exit(0);
}

static pid_t spawn_writer(const char *path, int w, int remove_every)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        writer(path, w, remove_every);
    }
    return pid;
}

/* Names in dir other than the expected state files. */
static int stray_files(const char *dir, const char *const *keep, size_t nkeep)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    int stray = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        int known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;

        for (size_t k = 0; k < nkeep && !known; k++) {
            known = strcmp(e->d_name, keep[k]) == 0;
        }
        if (!known) {
            fprintf(stderr, "left behind: %s/%s\n", dir, e->d_name);
            stray++;
        }
    }
    closedir(d);
    return stray;
}

static void test_concurrent_writers_never_tear(void **unused)
{
    char dir[] = "/tmp/r53-state-XXXXXX";
    char shared[600];
    char other[OTHERS][600];
    pid_t pids[WRITERS + OTHERS];
    int running = WRITERS + OTHERS;
    long reads = 0;
    long whole = 0;
    long absent = 0;
    long bad = 0;
    struct state s;
    const char *keep[] = { "route53-dns.state", "route53-web.state", "route53-grp_db.state" };
    struct r53_error err = { 0 };

    (void)unused;
    assert_non_null(mkdtemp(dir));
    state_path(dir, "dns", shared, sizeof(shared));
    state_path(dir, "web", other[0], sizeof(other[0]));
    state_path(dir, "grp/db", other[1], sizeof(other[1]));

    /* Writer 0 also removes the file now and then: a stop racing starts. */
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = spawn_writer(shared, w, w == 0 ? 7 : 0);
    }
    for (int o = 0; o < OTHERS; o++) {
        pids[WRITERS + o] = spawn_writer(other[o], o, 0);
    }

    while (running > 0 && reads < MAX_READS) {
        r53_rc rc = state_read(shared, &s, &err);

        reads++;
        if (rc == R53_ERR_NOT_FOUND) {
            absent++;
        } else if (rc == R53_OK && is_written(&s, WRITERS)) {
            whole++;
        } else {
            if (bad++ < 5) {
                fprintf(stderr, "read %ld: rc %s: %s\n", reads, ocf_rc_name(rc),
                        rc == R53_OK ? "a state nobody wrote" : err.reason);
            }
        }
        for (int p = 0; p < WRITERS + OTHERS; p++) {
            int status = 0;

            if (pids[p] > 0 && waitpid(pids[p], &status, WNOHANG) == pids[p]) {
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                pids[p] = 0;
                running--;
            }
        }
    }
    for (int p = 0; p < WRITERS + OTHERS; p++) {
        int status = 0;

        if (pids[p] > 0) {
            kill(pids[p], SIGKILL);
            waitpid(pids[p], &status, 0);
            fail_msg("writer %d still running after %ld reads", p, reads);
        }
    }
    printf("# %ld reads: %ld whole states, %ld no file, %ld torn or invalid\n", reads, whole,
           absent, bad);
    assert_int_equal(bad, 0);
    assert_true(whole > 0);

    /* Each other instance holds its one writer's last state, untouched by
     * the writers of the shared one. */
    for (int o = 0; o < OTHERS; o++) {
        struct state want;

        make_state(o, WRITES - 1, &want);
        assert_int_equal(state_read(other[o], &s, &err), R53_OK);
        assert_true(same_state(&s, &want));
    }
    assert_int_equal(stray_files(dir, keep, sizeof(keep) / sizeof(keep[0])), 0);

    for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
        char path[600];

        snprintf(path, sizeof(path), "%s/%s", dir, keep[k]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* The single-process basics the race test relies on. */
static void test_roundtrip_and_remove(void **unused)
{
    char dir[] = "/tmp/r53-state-XXXXXX";
    char path[600];
    struct state in;
    struct state out;
    struct r53_error err = { 0 };

    (void)unused;
    assert_non_null(mkdtemp(dir));
    state_path(dir, "a/b", path, sizeof(path));
    assert_non_null(strstr(path, "route53-a_b.state"));
    assert_int_equal(state_read(path, &out, &err), R53_ERR_NOT_FOUND);
    make_state(3, 42, &in);
    assert_int_equal(state_write(path, &in, &err), R53_OK);
    assert_int_equal(state_read(path, &out, &err), R53_OK);
    assert_true(same_state(&in, &out));
    assert_true(is_written(&out, 4));
    assert_false(is_written(&out, 3));
    assert_int_equal(state_remove(path, &err), R53_OK);
    assert_int_equal(state_remove(path, &err), R53_OK);
    assert_int_equal(state_read(path, &out, &err), R53_ERR_NOT_FOUND);
    assert_int_equal(rmdir(dir), 0);
}

/* A deferred publish's fields: kept, one line each, and while pending
 * (or failed) the zone and name may be unknown; otherwise they may not. */
static void test_deferred_publish_fields(void **unused)
{
    char dir[] = "/tmp/r53-state-XXXXXX";
    char path[600];
    struct state in = { .type = "A", .value = "192.0.2.10", .ttl = 10 };
    struct state out;
    struct r53_error err = { 0 };

    (void)unused;
    assert_non_null(mkdtemp(dir));
    state_path(dir, "dns", path, sizeof(path));
    snprintf(in.pending_since, sizeof(in.pending_since), "2026-12-07T03:20:00Z");
    in.publisher_pid = 4711;
    in.publisher_start = 18446744073709551615ULL;
    assert_int_equal(state_write(path, &in, &err), R53_OK);
    assert_int_equal(state_read(path, &out, &err), R53_OK);
    assert_string_equal(out.pending_since, "2026-12-07T03:20:00Z");
    assert_int_equal(out.publisher_pid, 4711);
    assert_true(out.publisher_start == 18446744073709551615ULL);
    assert_string_equal(out.zone_id, "");
    in.pending_since[0] = '\0';
    in.publisher_pid = 0;
    snprintf(in.publish_failed, sizeof(in.publish_failed), "owned by cluster c2\nzone_id=Z9");
    assert_int_equal(state_write(path, &in, &err), R53_OK);
    assert_int_equal(state_read(path, &out, &err), R53_OK);
    assert_string_equal(out.publish_failed, "owned by cluster c2?zone_id=Z9");
    assert_string_equal(out.zone_id, "");
    in.publish_failed[0] = '\0';
    assert_int_equal(state_write(path, &in, &err), R53_OK);
    assert_int_equal(state_read(path, &out, &err), R53_ERR_IO);
    assert_non_null(strstr(err.reason, "incomplete"));
    assert_int_equal(state_remove(path, &err), R53_OK);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_and_remove),
        cmocka_unit_test(test_deferred_publish_fields),
        cmocka_unit_test(test_concurrent_writers_never_tear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
