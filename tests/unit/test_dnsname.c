/* DNS names compared and written one way (src/dnsname.c): case and a
 * trailing dot never make two names, a zone holds only the names below
 * it, and the written form is lower case with one trailing dot. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "dnsname.h"

/* Pairs of names, and what each question answers for them. */
static const struct pair {
    const char *a;
    const char *b;
    bool equal;   /* dnsname_equal(a, b) */
    bool in_zone; /* dnsname_in_zone(a, b): a is b or below it */
} pairs[] = {
    { "www.example.com.", "WWW.Example.COM", true, true },
    { "example.com", "example.com", true, true },
    { "", ".", true, true },
    { "A.B.Example.Com.", "example.com", false, true },
    { "www.example.com", "ww.example.com", false, false },
    { "example.com..", "example.com", false, false }, /* one dot only */
    { "example.co", "example.com", false, false },
    { "www.badexample.com", "example.com.", false, false }, /* a look-alike */
    { "wwwexample.com", "example.com", false, false },
    { "example.com", "www.example.com", false, false },
    { "www.example.org", "example.com", false, false },
    /* Bytes beyond ASCII are compared as they are, and only 'A'-'Z'
     * fold ('-' | 0x20 would be '\r'). */
    { "\xc3\xa9.example", "\xc3\x89.example", false, false },
    { "a-b", "a\rb", false, false },
};

static void test_pairs(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const struct pair *p = &pairs[i];

        if (dnsname_equal(p->a, p->b) != p->equal || dnsname_equal(p->b, p->a) != p->equal ||
            dnsname_in_zone(p->a, p->b) != p->in_zone) {
            fail_msg("pair %zu ('%s', '%s'): equal %d, in zone %d; want %d, %d", i, p->a, p->b,
                     dnsname_equal(p->a, p->b), dnsname_in_zone(p->a, p->b), p->equal, p->in_zone);
        }
    }
}

static void test_trim_dot(void **unused)
{
    static const struct {
        const char *name;
        size_t len;
        size_t want;
    } cases[] = {
        { "example.com.", 12, 11 },
        { "example.com", 11, 11 },
        { "a..", 3, 2 },
        { ".", 1, 0 },
        { "", 0, 0 },
        { "host.:443", 5, 4 },
    };

    (void)unused;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(dnsname_trim_dot(cases[i].name, cases[i].len), cases[i].want);
    }
}

static void test_canonical(void **unused)
{
    char out[17];

    (void)unused;
    assert_true(dnsname_canonical("WWW.Example.COM", out, sizeof(out)));
    assert_string_equal(out, "www.example.com.");
    assert_true(dnsname_canonical("a.b.", out, sizeof(out)));
    assert_string_equal(out, "a.b.");
}

/* A name that does not fit is refused, cut (as snprintf cuts), never
 * written past out. */
static void test_canonical_too_long(void **unused)
{
    char out[18];

    (void)unused;
    memset(out, 'x', sizeof(out));
    assert_false(dnsname_canonical("www.example.co.uk", out, sizeof(out) - 1));
    assert_string_equal(out, "www.example.co.u");
    assert_int_equal(out[sizeof(out) - 1], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_trim_dot),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_canonical_too_long),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
