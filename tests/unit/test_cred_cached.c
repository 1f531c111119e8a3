/* cred_cached.c: the cached provider around a fake source that counts
 * its calls, on a fake clock: memory, the node's cache file shared by two
 * instances (two actions' processes), the margin before expiry, renew, a
 * failing source, credentials that never expire, and a log that names no
 * secret. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred_cache.h"
#include "cred_cached.h"

/* Distinctive fragments, so a leak into a log line is found by strstr. */
#define AKID_PREFIX "ASIAQ7FAKE" /* the log may show "ASIA" and no more */
#define SECRET_MARK "zQx9SeKr"
#define SECRET "wJalrXUtnFEMI/K7MDENG+" SECRET_MARK "=bPxRfiCY"
#define TOKEN_MARK "tOk3nMrK"
#define TOKEN "IQoJb3JpZ2luX2VjE" TOKEN_MARK "/xyz=="

#define T0 1700000000 /* the fake clock's start */
#define LOG_MAX 32768

/* The fake clock, and every line logged (all levels), for the tests. */
static time_t fake_now_s;
static char logged[LOG_MAX];
static size_t logged_len;

static time_t fake_now(void)
{
    return fake_now_s;
}

static void capture(int32_t t, struct qb_log_callsite *cs, struct timespec *ts, const char *msg)
{
    (void)t;
    (void)cs;
    (void)ts;
    logged_len += (size_t)snprintf(logged + logged_len, sizeof(logged) - logged_len, "%s\n", msg);
    if (logged_len >= sizeof(logged)) {
        logged_len = sizeof(logged) - 1;
    }
}

/* ---- the fake source ---- */

struct fake {
    int calls;
    time_t expires; /* what it says; 0: never */
    int fail_call;  /* the call that answers R53_ERR_AUTH; 0: none */
};

/* Keys AKID_PREFIX + the call's number, so each answer is told apart. */
static r53_rc fake_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    struct fake *f = p->impl;
    char id[32];
    r53_rc rc = R53_OK;

    f->calls++;
    if (f->calls == f->fail_call) {
        return r53_fail(err, R53_ERR_AUTH, "the fake source is down");
    }
    snprintf(id, sizeof(id), "%s%04d", AKID_PREFIX, f->calls);
    rc = credentials_fill(out, id, strlen(id), SECRET, strlen(SECRET), TOKEN, strlen(TOKEN), "fake",
                          err);
    if (rc == R53_OK) {
        out->expires = f->expires;
    }
    return rc;
}

/* get alone; the fake itself belongs to the test. */
static const struct cred_provider_ops fake_ops = { .get = fake_get };

struct fixture {
    char dir[64];
    char key[65];
};

static struct cred_provider *cached(struct fixture *fx, struct fake *f, bool node_cache)
{
    struct cred_provider *p = cred_cached_new(&(struct cred_cached_opts){
        .source = cred_provider_new("fake", &fake_ops, f),
        .dir = node_cache ? fx->dir : NULL,
        .key = fx->key,
        .what = "role arn:aws:iam::111122223333:role/fake",
        .now = fake_now,
    });

    assert_non_null(p);
    return p;
}

static void get_ok(struct cred_provider *p, const char *want_id)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    assert_int_equal(cred_provider_get(p, &c, &err), R53_OK);
    assert_string_equal(c.access_key_id, want_id);
    assert_string_equal(c.secret_access_key, SECRET);
    assert_string_equal(c.session_token, TOKEN);
    credentials_wipe(&c);
}

static void entry_path(const struct fixture *fx, char *out, size_t len)
{
    /* The node's file, named as ever: route53-credentials- and 16 of the key. */
    snprintf(out, len, "%s/route53-credentials-%.16s", fx->dir, fx->key);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_cred_cached.XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    cred_cache_key("arn:aws:iam::111122223333:role/fake", NULL, "fake", fx->key);
    fake_now_s = T0;
    logged_len = 0;
    logged[0] = '\0';
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

/* ---- the tests ---- */

static void test_memory_serves_again(void **state)
{
    struct fake f = { .expires = T0 + 3600 };
    struct cred_provider *p = cached(*state, &f, false);

    assert_string_equal(p->name, "fake"); /* chains and cache keys name the source */
    get_ok(p, AKID_PREFIX "0001");
    get_ok(p, AKID_PREFIX "0001");
    assert_int_equal(f.calls, 1);
    assert_true(cred_provider_can_renew(p));
    cred_provider_free(p);
}

static void test_node_cache_serves_another_instance(void **state)
{
    struct fixture *fx = *state;
    struct fake first = { .expires = T0 + 3600 };
    struct fake second = { .expires = T0 + 3600 };
    struct cred_provider *p = cached(fx, &first, true);
    char path[128];
    struct stat st;

    get_ok(p, AKID_PREFIX "0001");
    cred_provider_free(p);
    entry_path(fx, path, sizeof(path));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* The next action: a new process, its memory empty. */
    p = cached(fx, &second, true);
    get_ok(p, AKID_PREFIX "0001");
    get_ok(p, AKID_PREFIX "0001");
    assert_int_equal(second.calls, 0);
    cred_provider_free(p);
}

static void test_near_expiry_asks_again(void **state)
{
    struct fixture *fx = *state;
    struct fake f = { .expires = T0 + 1000 };
    struct fake second = { .expires = T0 + 5000 };
    struct fake third = { .expires = T0 + 5000 };
    struct cred_provider *p = cached(fx, &f, false);

    /* In memory: good until CRED_CACHE_MARGIN_S before they expire. */
    get_ok(p, AKID_PREFIX "0001");
    fake_now_s = T0 + 1000 - CRED_CACHE_MARGIN_S - 1;
    get_ok(p, AKID_PREFIX "0001");
    assert_int_equal(f.calls, 1);
    fake_now_s = T0 + 1000 - CRED_CACHE_MARGIN_S;
    get_ok(p, AKID_PREFIX "0002");
    assert_int_equal(f.calls, 2);
    cred_provider_free(p);

    /* In the node's file: the same margin. */
    f = (struct fake){ .expires = T0 + 1000 };
    fake_now_s = T0;
    p = cached(fx, &f, true);
    get_ok(p, AKID_PREFIX "0001");
    cred_provider_free(p);
    fake_now_s = T0 + 1000 - CRED_CACHE_MARGIN_S - 1;
    p = cached(fx, &second, true);
    get_ok(p, AKID_PREFIX "0001");
    assert_int_equal(second.calls, 0);
    cred_provider_free(p);
    fake_now_s = T0 + 1000 - CRED_CACHE_MARGIN_S;
    p = cached(fx, &third, true);
    get_ok(p, AKID_PREFIX "0001"); /* third's first answer */
    assert_int_equal(third.calls, 1);
    cred_provider_free(p);
}

static void test_renew_asks_once_and_replaces(void **state)
{
    struct fixture *fx = *state;
    struct fake f = { .expires = T0 + 3600 };
    struct fake other = { .expires = T0 + 3600 };
    struct cred_provider *p = cached(fx, &f, true);
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    get_ok(p, AKID_PREFIX "0001");
    assert_int_equal(cred_provider_renew(p, &c, &err), R53_OK);
    assert_string_equal(c.access_key_id, AKID_PREFIX "0002");
    assert_int_equal(f.calls, 2);
    credentials_wipe(&c);
    get_ok(p, AKID_PREFIX "0002"); /* memory holds the new ones */
    assert_int_equal(f.calls, 2);
    cred_provider_free(p);

    p = cached(fx, &other, true);
    get_ok(p, AKID_PREFIX "0002"); /* and so does the node's file */
    assert_int_equal(other.calls, 0);
    cred_provider_free(p);
}

static void test_source_failure(void **state)
{
    struct fixture *fx = *state;
    struct fake f = { .expires = T0 + 1000, .fail_call = 2 };
    struct cred_provider *p = cached(fx, &f, true);
    struct credentials c = { 0 };
    time_t expires = 0;
    char path[128];
    char before[4096] = "";
    char after[4096] = "";
    FILE *fp = NULL;
    struct r53_error err = { 0 };

    get_ok(p, AKID_PREFIX "0001");
    entry_path(fx, path, sizeof(path));
    assert_non_null(fp = fopen(path, "r"));
    assert_true(fread(before, 1, sizeof(before) - 1, fp) > 0);
    fclose(fp);

    fake_now_s = T0 + 1000 - CRED_CACHE_MARGIN_S;
    assert_int_equal(cred_provider_get(p, &c, &err), R53_ERR_AUTH);
    assert_string_equal(err.reason, "the fake source is down");
    assert_null(c.access_key_id);
    assert_int_equal(f.calls, 2);

    /* The node's entry is as it was. */
    assert_non_null(fp = fopen(path, "r"));
    assert_true(fread(after, 1, sizeof(after) - 1, fp) > 0);
    fclose(fp);
    assert_string_equal(after, before);
    assert_int_equal(cred_cache_read(fx->dir, fx->key, T0, &c, &expires, &err), R53_OK);
    assert_string_equal(c.access_key_id, AKID_PREFIX "0001");
    credentials_wipe(&c);

    cred_provider_free(p);
}

/* Credentials Route 53 called expired are never handed out again, even
 * when the source cannot give new ones: neither from memory nor from the
 * node's file. */
static void test_failed_renew_forgets(void **state)
{
    struct fixture *fx = *state;
    struct fake f = { .expires = T0 + 3600, .fail_call = 2 };
    struct fake other = { .expires = T0 + 3600, .fail_call = 1 };
    struct cred_provider *p = cached(fx, &f, true);
    struct cred_provider *q = NULL;
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    get_ok(p, AKID_PREFIX "0001");
    /* The source's 2nd call fails. */
    assert_int_equal(cred_provider_renew(p, &c, &err), R53_ERR_AUTH);
    assert_null(c.access_key_id);
    q = cached(fx, &other, true);
    assert_int_equal(cred_provider_get(q, &c, &err), R53_ERR_AUTH); /* no file to serve */
    assert_int_equal(other.calls, 1);
    cred_provider_free(q);
    get_ok(p, AKID_PREFIX "0003"); /* nothing in memory either */
    cred_provider_free(p);
}

static void test_never_expiring_not_kept(void **state)
{
    struct fixture *fx = *state;
    struct fake f = { .expires = 0 };
    struct cred_provider *p = cached(fx, &f, true);
    char path[128];

    get_ok(p, AKID_PREFIX "0001");
    get_ok(p, AKID_PREFIX "0002");
    assert_int_equal(f.calls, 2);
    entry_path(fx, path, sizeof(path));
    assert_int_equal(access(path, F_OK), -1);
    cred_provider_free(p);
}

static void test_no_source_no_provider(void **state)
{
    (void)state;
    assert_null(
        cred_cached_new(&(struct cred_cached_opts){ .source = NULL, .key = "", .what = "" }));
}

/* Every path that logs, the warning included: no secret, no token, and
 * no more of a key id than its first 4 characters. */
static void test_no_secret_in_log(void **state)
{
    struct fixture *fx = *state;
    struct fake f = { .expires = T0 + 1000 };
    struct fake other = { .expires = T0 + 1000 };
    struct cred_provider *p = cached(fx, &f, true);
    struct cred_provider *q = NULL;
    struct credentials c = { 0 };
    char file_as_dir[128];
    FILE *fp = NULL;
    struct r53_error err = { 0 };

    get_ok(p, AKID_PREFIX "0001");
    get_ok(p, AKID_PREFIX "0001");
    q = cached(fx, &other, true);
    get_ok(q, AKID_PREFIX "0001"); /* from the file: logged */
    cred_provider_free(q);
    assert_int_equal(cred_provider_renew(p, &c, &err), R53_OK);
    credentials_wipe(&c);
    cred_provider_free(p);

    /* A cache that cannot be written: a warning, and the credentials anyway. */
    snprintf(file_as_dir, sizeof(file_as_dir), "%s/a-file", fx->dir);
    assert_non_null(fp = fopen(file_as_dir, "w")); /* no entry can be made "in" it */
    fclose(fp);
    p = cred_cached_new(&(struct cred_cached_opts){
        .source = cred_provider_new("fake", &fake_ops, &f),
        .dir = file_as_dir,
        .key = fx->key,
        .what = "credential_process",
        .now = fake_now,
    });
    get_ok(p, AKID_PREFIX "0003");
    cred_provider_free(p);

    assert_non_null(strstr(logged, "cached credentials, key ASIA..."));
    assert_non_null(strstr(logged, "credential_process: cannot keep the credentials"));
    assert_null(strstr(logged, SECRET_MARK));
    assert_null(strstr(logged, TOKEN_MARK));
    assert_null(strstr(logged, "ASIAQ"));
    assert_null(strstr(err.reason, SECRET_MARK));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_serves_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_cache_serves_another_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_near_expiry_asks_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_asks_once_and_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_renew_forgets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_expiring_not_kept, setup, teardown),
        cmocka_unit_test(test_no_source_no_provider),
        cmocka_unit_test_setup_teardown(test_no_secret_in_log, setup, teardown),
    };
    int32_t t = 0;
    int failed = 0;

    qb_log_init("test_cred_cached", LOG_USER, LOG_TRACE);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
    t = qb_log_custom_open(capture, NULL, NULL, NULL);
    qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_TRACE);
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    qb_log_fini();
    return failed;
}
