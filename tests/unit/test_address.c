/* agent/address.c: literal parsing, interfaces, and reading a Pacemaker
 * resource's ip with the real crm_resource against a CIB file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "address_int.h"

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

/* ---- address_parse / address_equal ---- */

static void check_parse(const char *in, const char *want, bool ipv6)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    if (address_parse(in, &a, &err) != R53_OK) {
        fail_msg("'%s' refused: %s", in, err.reason);
    }
    assert_string_equal(a.text, want);
    assert_int_equal(a.ipv6, ipv6);
}

static void test_parse_good(void **state)
{
    (void)state;
    check_parse("192.0.2.10", "192.0.2.10", false);
    check_parse("0.0.0.0", "0.0.0.0", false);
    check_parse("255.255.255.255", "255.255.255.255", false);
    check_parse("::1", "::1", true);
    check_parse("2001:DB8::0:1", "2001:db8::1", true);
    check_parse("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", true);
    check_parse("FD00:0:0:0:0:0:0:2", "fd00::2", true);
    check_parse("::ffff:192.0.2.1", "::ffff:192.0.2.1", true);
    check_parse("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6", true);
}

static void check_bad(const char *in, const char *needle)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    memset(a.text, 'x', sizeof(a.text) - 1);
    if (address_parse(in, &a, &err) != R53_ERR_CONFIG) {
        fail_msg("'%s' was accepted as '%s'", in ? in : "(null)", a.text);
    }
    assert_string_equal(a.text, "");
    assert_error_contains(&err, needle);
    /* Reasons go to logs: no raw control characters in them. */
    assert_null(strpbrk(err.reason, "\n\r\t"));
}

static void test_parse_bad(void **state)
{
    (void)state;
    check_bad("1.2.3", "ip '1.2.3' is not an IPv4 or IPv6 address");
    check_bad(" 192.0.2.1", "not an IPv4 or IPv6 address");
    check_bad("192.0.2.1 ", "not an IPv4 or IPv6 address");
    check_bad("192.0.2.1\n", "'192.0.2.1?'");
    check_bad("256.1.1.1", "not an IPv4 or IPv6 address");
    check_bad("01.2.3.4", "not an IPv4 or IPv6 address");
    check_bad("192.0.2.1/24", "not an IPv4 or IPv6 address");
    check_bad("2001:db8::1::2", "not an IPv4 or IPv6 address");
    check_bad("gggg::1", "not an IPv4 or IPv6 address");
    check_bad("example.com", "'example.com'");
    check_bad("fe80::1%eth0", "zone index");
    check_bad("", "empty");
    check_bad(NULL, "empty");
}

static void test_parse_long_input_is_bounded(void **state)
{
    char big[2000];
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    memset(big, '7', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    check_bad(big, "...");
    assert_int_equal(address_parse(big, &a, &err), R53_ERR_CONFIG);
    assert_true(strlen(err.reason) < 200);
}

static void test_equal(void **state)
{
    (void)state;
    assert_true(address_equal("2001:db8::1", "2001:DB8:0:0::0001"));
    assert_true(address_equal("192.0.2.1", "192.0.2.1"));
    assert_false(address_equal("192.0.2.1", "192.0.2.2"));
    assert_false(address_equal("2001:db8::1", "2001:db8::2"));
    /* An A record and an AAAA record are different things. */
    assert_false(address_equal("::ffff:192.0.2.1", "192.0.2.1"));
    assert_false(address_equal("bogus", "bogus"));
    assert_false(address_equal("192.0.2.1", NULL));
    assert_false(address_equal(NULL, NULL));
}

/* ---- interfaces ---- */

static void test_interface_lo(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_true(address_interface_exists("lo"));
    assert_int_equal(address_from_interface("lo", &a, &err), R53_OK);
    assert_string_equal(a.text, "127.0.0.1");
    assert_false(a.ipv6);
}

static void test_interface_missing(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_false(address_interface_exists("r53nosuch0"));
    assert_false(address_interface_exists(""));
    assert_false(address_interface_exists(NULL));
    assert_false(address_interface_exists("an-interface-name-far-too-long"));
    assert_int_equal(address_from_interface("r53nosuch0", &a, &err), R53_ERR_HOST);
    assert_error_contains(&err, "interface 'r53nosuch0' does not exist on this node");
    assert_int_equal(address_from_interface(NULL, &a, &err), R53_ERR_HOST);
}

/* A hand-built getifaddrs() list: the picker's rules without having to
 * create interfaces on the test host. */
struct fake_if {
    struct ifaddrs ifa;
    struct sockaddr_storage ss;
};

static void fake_set(struct fake_if *f, struct fake_if *next, const char *name, const char *addr)
{
    memset(f, 0, sizeof(*f));
    f->ifa.ifa_name = (char *)name;
    f->ifa.ifa_next = next != NULL ? &next->ifa : NULL;
    if (addr == NULL) {
        return; /* e.g. an AF_PACKET-less entry with no address */
    }
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&f->ss;

        s6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&f->ss;

        s4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
    }
    f->ifa.ifa_addr = (struct sockaddr *)&f->ss;
}

static void test_pick_prefers_ipv4(void **state)
{
    struct fake_if f[5];
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    fake_set(&f[0], &f[1], "eth0", NULL);
    fake_set(&f[1], &f[2], "eth1", "198.51.100.7");
    fake_set(&f[2], &f[3], "eth0", "2001:db8::5");
    fake_set(&f[3], &f[4], "eth0", "192.0.2.4");
    fake_set(&f[4], NULL, "eth0", "192.0.2.5");
    assert_int_equal(address_pick_from_ifaddrs(&f[0].ifa, "eth0", &a, &err), R53_OK);
    assert_string_equal(a.text, "192.0.2.4");
    assert_false(a.ipv6);
}

static void test_pick_global_ipv6(void **state)
{
    struct fake_if f[5];
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    fake_set(&f[0], &f[1], "eth0", "fe80::fc:ff:fe00:1");
    fake_set(&f[1], &f[2], "eth0", "::1");
    fake_set(&f[2], &f[3], "eth1", "2001:db8::99");
    fake_set(&f[3], &f[4], "eth0", "2001:DB8:0::7");
    fake_set(&f[4], NULL, "eth0", "2001:db8::8");
    assert_int_equal(address_pick_from_ifaddrs(&f[0].ifa, "eth0", &a, &err), R53_OK);
    assert_string_equal(a.text, "2001:db8::7");
    assert_true(a.ipv6);
}

static void test_pick_none(void **state)
{
    struct fake_if f[3];
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    fake_set(&f[0], &f[1], "eth0", "fe80::1");
    fake_set(&f[1], &f[2], "eth1", "192.0.2.1");
    fake_set(&f[2], NULL, "eth0", NULL);
    assert_int_equal(address_pick_from_ifaddrs(&f[0].ifa, "eth0", &a, &err), R53_ERR_HOST);
    assert_error_contains(&err, "interface 'eth0' has no IPv4 or global IPv6 "
                                "address");
    assert_int_equal(address_pick_from_ifaddrs(NULL, "eth0", &a, &err), R53_ERR_HOST);
}

/* ---- address_find_crm_resource ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_find_crm_resource_on_path(void **state)
{
    char dir[] = "/tmp/r53-addr-XXXXXX";
    char a[64];
    char b[64];
    char a_tool[96];
    char b_tool[96];
    char path[256];
    const char *found = NULL;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof(a), "%s/a", dir);
    snprintf(b, sizeof(b), "%s/b", dir);
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    snprintf(a_tool, sizeof(a_tool), "%s/crm_resource", a);
    snprintf(b_tool, sizeof(b_tool), "%s/crm_resource", b);
    /* Only looked at, never run. */
    write_file(a_tool, "", 0644); /* not executable: skipped */
    write_file(b_tool, "", 0755);
    snprintf(path, sizeof(path), "relative:%s::%s:/usr/bin", a, b);
    setenv("PATH", path, 1);
    found = address_find_crm_resource();
    assert_non_null(found);
    assert_string_equal(found, b_tool);

    unlink(a_tool);
    unlink(b_tool);
    rmdir(a);
    rmdir(b);
    rmdir(dir);
    setenv("PATH", "/usr/bin:/bin", 1);
}

static void test_find_crm_resource_sbin_fallback(void **state)
{
    struct stat st;
    const char *found = NULL;

    (void)state;
    if (stat("/usr/sbin/crm_resource", &st) != 0) {
        fprintf(stderr, "SKIP: /usr/sbin/crm_resource not installed\n");
        skip();
    }
    /* Pacemaker may give agents a PATH without the sbin directories. */
    setenv("PATH", "/bin", 1);
    found = address_find_crm_resource();
    setenv("PATH", "/usr/bin:/bin", 1);
    assert_non_null(found);
    assert_string_equal(found, "/usr/sbin/crm_resource");
}

/* ---- address_from_resource against the real crm_resource ---- */

static const char cib_xml[] =
    "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" "
    "epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n"
    "  <configuration>\n"
    "    <crm_config/>\n"
    "    <nodes/>\n"
    "    <resources>\n"
    "      <primitive id=\"vip\" class=\"ocf\" provider=\"heartbeat\" "
    "type=\"IPaddr2\">\n"
    "        <instance_attributes id=\"vip-ia\">\n"
    "          <nvpair id=\"vip-ia-ip\" name=\"ip\" value=\"192.0.2.10\"/>\n"
    "        </instance_attributes>\n"
    "      </primitive>\n"
    "      <primitive id=\"vip6\" class=\"ocf\" provider=\"heartbeat\" "
    "type=\"IPv6addr\">\n"
    "        <instance_attributes id=\"vip6-ia\">\n"
    "          <nvpair id=\"vip6-ia-ip\" name=\"ip\" "
    "value=\"2001:DB8::0:1\"/>\n"
    "        </instance_attributes>\n"
    "      </primitive>\n"
    "      <primitive id=\"noip\" class=\"ocf\" provider=\"heartbeat\" "
    "type=\"Dummy\"/>\n"
    "      <primitive id=\"bad\" class=\"ocf\" provider=\"heartbeat\" "
    "type=\"IPaddr2\">\n"
    "        <instance_attributes id=\"bad-ia\">\n"
    "          <nvpair id=\"bad-ia-ip\" name=\"ip\" value=\"not-an-ip\"/>\n"
    "        </instance_attributes>\n"
    "      </primitive>\n"
    "    </resources>\n"
    "    <constraints/>\n"
    "  </configuration>\n"
    "  <status/>\n"
    "</cib>\n";

struct cib_fixture {
    char dir[32];
    char file[64];
};

static int cib_setup(void **state)
{
    struct cib_fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL) {
        return -1;
    }
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/r53-cib-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->file, sizeof(fx->file), "%s/cib.xml", fx->dir);
    write_file(fx->file, cib_xml, 0600);
    setenv("CIB_file", fx->file, 1);
    *state = fx;
    return 0;
}

static int cib_teardown(void **state)
{
    struct cib_fixture *fx = *state;

    unsetenv("CIB_file");
    if (fx != NULL) {
        unlink(fx->file);
        rmdir(fx->dir);
        free(fx);
    }
    return 0;
}

static void need_crm_resource(void)
{
    if (address_find_crm_resource() == NULL) {
        fprintf(stderr, "SKIP: crm_resource not installed "
                        "(pacemaker-cli-utils); resource cases not run\n");
        skip();
    }
}

static void test_resource_ipv4(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    need_crm_resource();
    if (address_from_resource("vip", NULL, 20000, &a, &err) != R53_OK) {
        fail_msg("vip: %s", err.reason);
    }
    assert_string_equal(a.text, "192.0.2.10");
    assert_false(a.ipv6);
    assert_no_children();
}

static void test_resource_ipv6(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    need_crm_resource();
    if (address_from_resource("vip6", NULL, 20000, &a, &err) != R53_OK) {
        fail_msg("vip6: %s", err.reason);
    }
    assert_string_equal(a.text, "2001:db8::1");
    assert_true(a.ipv6);
}

static void test_resource_missing(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    need_crm_resource();
    assert_int_equal(address_from_resource("nosuch", NULL, 20000, &a, &err), R53_ERR_CONFIG);
    assert_error_contains(&err, "resource 'nosuch' does not exist (crm_resource: ");
    assert_error_contains(&err, "not found");
    assert_no_children();
}

static void test_resource_without_ip(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    need_crm_resource();
    assert_int_equal(address_from_resource("noip", NULL, 20000, &a, &err), R53_ERR_CONFIG);
    assert_error_contains(&err, "resource 'noip' has no 'ip' parameter");
}

static void test_resource_not_an_address(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    need_crm_resource();
    assert_int_equal(address_from_resource("bad", NULL, 20000, &a, &err), R53_ERR_CONFIG);
    assert_error_contains(&err, "'not-an-ip'");
    assert_error_contains(&err, "not an IPv4 or IPv6 address");
}

static void test_resource_unreadable_cib(void **state)
{
    struct cib_fixture *fx = *state;
    char missing[96];
    struct address a = { 0 };
    struct r53_error err = { 0 };

    need_crm_resource();
    snprintf(missing, sizeof(missing), "%s/missing.xml", fx->dir);
    setenv("CIB_file", missing, 1);
    assert_int_equal(address_from_resource("vip", NULL, 20000, &a, &err), R53_ERR_IO);
    setenv("CIB_file", fx->file, 1);
    assert_error_contains(&err, "cannot read the cluster configuration");
}

static void test_resource_bad_ids(void **state)
{
    char longid[300];
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    /* Refused before anything runs: the tool path is never looked at. */
    const char *bad[] = { "", "a b", "-x", "vip;rm", "vip\n", "v/ip", longid };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = (struct r53_error){ 0 };
        assert_int_equal(address_from_resource(bad[i], "/nonexistent", 1000, &a, &err),
                         R53_ERR_CONFIG);
        assert_error_contains(&err, "is not a Pacemaker resource id");
    }
    assert_int_equal(address_from_resource(NULL, "/nonexistent", 1000, &a, &err), R53_ERR_CONFIG);
    /* 256 characters is still allowed: it gets as far as running. */
    longid[256] = '\0';
    assert_int_equal(address_from_resource(longid, "/nonexistent/crm", 1000, &a, &err),
                     R53_ERR_NOT_INSTALLED);
}

static void test_resource_tool_missing(void **state)
{
    struct address a = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(address_from_resource("vip", "/nonexistent/crm_resource", 1000, &a, &err),
                     R53_ERR_NOT_INSTALLED);
    assert_error_contains(&err, "/nonexistent/crm_resource");
    assert_int_equal(address_from_resource("vip", "/nonexistent/crm_resource", 0, &a, &err),
                     R53_ERR_TIMEOUT);
    assert_no_children();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_parse_long_input_is_bounded),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_interface_lo),
        cmocka_unit_test(test_interface_missing),
        cmocka_unit_test(test_pick_prefers_ipv4),
        cmocka_unit_test(test_pick_global_ipv6),
        cmocka_unit_test(test_pick_none),
        cmocka_unit_test(test_find_crm_resource_on_path),
        cmocka_unit_test(test_find_crm_resource_sbin_fallback),
        cmocka_unit_test_setup_teardown(test_resource_ipv4, cib_setup, cib_teardown),
        cmocka_unit_test_setup_teardown(test_resource_ipv6, cib_setup, cib_teardown),
        cmocka_unit_test_setup_teardown(test_resource_missing, cib_setup, cib_teardown),
        cmocka_unit_test_setup_teardown(test_resource_without_ip, cib_setup, cib_teardown),
        cmocka_unit_test_setup_teardown(test_resource_not_an_address, cib_setup, cib_teardown),
        cmocka_unit_test_setup_teardown(test_resource_unreadable_cib, cib_setup, cib_teardown),
        cmocka_unit_test(test_resource_bad_ids),
        cmocka_unit_test(test_resource_tool_missing),
    };

    /* A known PATH: the tests change it and rely on the fallback dirs. */
    setenv("PATH", "/usr/bin:/bin", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
