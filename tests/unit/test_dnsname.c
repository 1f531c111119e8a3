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

static void test_trim_dot(void **unused)
{
    (void)unused;
    assert_int_equal(dnsname_trim_dot("example.com.", 12), 11);
    assert_int_equal(dnsname_trim_dot("example.com", 11), 11);
    assert_int_equal(dnsname_trim_dot("a..", 3), 2); /* one dot only */
    assert_int_equal(dnsname_trim_dot(".", 1), 0);
    assert_int_equal(dnsname_trim_dot("", 0), 0);
    assert_int_equal(dnsname_trim_dot("host.:443", 5), 4); /* a bounded part */
}

static void test_equal(void **unused)
{
    (void)unused;
    assert_true(dnsname_equal("www.example.com.", "WWW.Example.COM"));
    assert_true(dnsname_equal("example.com", "example.com"));
    assert_true(dnsname_equal("", "."));
    assert_false(dnsname_equal("www.example.com", "ww.example.com"));
    assert_false(dnsname_equal("example.com..", "example.com"));
    assert_false(dnsname_equal("example.co", "example.com"));
    /* Bytes beyond ASCII are compared as they are. */
    assert_false(dnsname_equal("\xc3\xa9.example", "\xc3\x89.example"));
    assert_false(dnsname_equal("a-b", "a\rb")); /* 'A'-'a' folding only */
}

static void test_in_zone(void **unused)
{
    (void)unused;
    assert_true(dnsname_in_zone("www.example.com", "example.com."));
    assert_true(dnsname_in_zone("A.B.Example.Com.", "example.com"));
    assert_true(dnsname_in_zone("example.com.", "EXAMPLE.com"));
    assert_false(dnsname_in_zone("www.badexample.com", "example.com."));
    assert_false(dnsname_in_zone("example.com", "www.example.com"));
    assert_false(dnsname_in_zone("www.example.org", "example.com"));
    assert_false(dnsname_in_zone("wwwexample.com", "example.com"));
}

static void test_canonical(void **unused)
{
    char out[17];

    (void)unused;
    assert_true(dnsname_canonical("WWW.Example.COM", out, sizeof(out)));
    assert_string_equal(out, "www.example.com.");
    assert_true(dnsname_canonical("a.b.", out, sizeof(out)));
    assert_string_equal(out, "a.b.");
    assert_false(dnsname_canonical("www.example.co.uk", out, sizeof(out)));
    assert_int_equal(strlen(out), sizeof(out) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim_dot),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_in_zone),
        cmocka_unit_test(test_canonical),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
