/* The ownership marker of a plain record and of a member, and the
 * compare-and-swap batches built from a name as read: other members'
 * markers and other TXT values kept, a plain record of ours converted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "owner.h"

/* Add a record set to name. */
static struct r53_rrset *add(struct r53_name *name, const char *type, const char *set, long ttl,
                             const char *v1, const char *v2)
{
    struct r53_rrset *rr = &name->sets[name->n++];

    memset(rr, 0, sizeof(*rr));
    snprintf(rr->name, sizeof(rr->name), "w.example.com.");
    snprintf(rr->type, sizeof(rr->type), "%s", type);
    snprintf(rr->set_identifier, sizeof(rr->set_identifier), "%s", set);
    rr->ttl = ttl;
    snprintf(rr->values[rr->n_values++], sizeof(rr->values[0]), "%s", v1);
    if (v2 != NULL) {
        snprintf(rr->values[rr->n_values++], sizeof(rr->values[0]), "%s", v2);
    }
    return rr;
}

static struct owner_id id(const char *cluster, const char *resource, const char *set)
{
    struct owner_id me = { 0 };

    snprintf(me.cluster, sizeof(me.cluster), "%s", cluster);
    snprintf(me.resource, sizeof(me.resource), "%s", resource);
    snprintf(me.set, sizeof(me.set), "%s", set);
    return me;
}

static void test_marker_round_trip(void **state)
{
    struct owner_id me = id("c1", "dns", "east");
    struct owner_id plain = id("c1", "dns", "");
    struct owner_id who;
    struct r53_error err = { 0 };
    char m[OWNER_MARKER_ROOM];

    (void)state;
    assert_int_equal(owner_marker(&me, m, sizeof(m), &err), R53_OK);
    assert_string_equal(m, "\"heritage=route53,cluster=c1,resource=dns,set=east\"");
    assert_true(owner_parse(m, &who));
    assert_string_equal(who.set, "east");
    assert_string_equal(who.resource, "dns");
    assert_int_equal(owner_marker(&plain, m, sizeof(m), &err), R53_OK);
    assert_string_equal(m, "\"heritage=route53,cluster=c1,resource=dns\"");
    assert_true(owner_parse(m, &who));
    assert_string_equal(who.set, "");
    assert_false(owner_parse("\"v=spf1 -all\"", &who));
}

/* owner_self's marker for set_identifier (owner c1, resource dns). */
static void marker_for(const char *set_identifier, char *m, size_t len)
{
    const struct params_ownership o = { .mode = OWNERSHIP_CLAIM, .owner = "c1" };
    struct owner_id me;
    struct r53_error err = { 0 };

    assert_int_equal(owner_self(&o, "dns:1", set_identifier, NULL, 0, &me, &err), R53_OK);
    assert_int_equal(owner_marker(&me, m, len, &err), R53_OK);
}

/* Identifiers that differ in punctuation alone have markers of their
 * own: other characters are carried as %XX, '%' among them. */
static void test_marker_escapes_set(void **state)
{
    const char *ids[] = { "east 1", "east_1", "east-1", "east%201", "east,1", "east=1" };
    char m[6][OWNER_MARKER_ROOM];
    struct owner_id who;

    (void)state;
    for (size_t i = 0; i < 6; i++) {
        marker_for(ids[i], m[i], sizeof(m[i]));
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(m[i], m[j]);
        }
        assert_true(owner_parse(m[i], &who));
        assert_string_equal(who.cluster, "c1");
        assert_string_equal(who.resource, "dns");
    }
    assert_string_equal(m[0], "\"heritage=route53,cluster=c1,resource=dns,set=east%201\"");
    assert_string_equal(m[1], "\"heritage=route53,cluster=c1,resource=dns,set=east_1\"");
    assert_string_equal(m[3], "\"heritage=route53,cluster=c1,resource=dns,set=east%25201\"");
    assert_string_equal(m[4], "\"heritage=route53,cluster=c1,resource=dns,set=east%2C1\"");
    assert_true(owner_parse(m[4], &who));
    assert_string_equal(who.set, "east%2C1");
}

/* A marker longer than one TXT string is refused, naming what to shorten. */
static void test_marker_too_long(void **state)
{
    char long_set[129];
    char m[OWNER_MARKER_ROOM];
    struct params_ownership o = { .mode = OWNERSHIP_CLAIM, .owner = "c1" };
    struct owner_id me;
    struct r53_error err = { 0 };

    (void)state;
    memset(long_set, 'x', 128);
    long_set[128] = '\0';
    assert_int_equal(owner_check(&o, "dns", long_set, &err), R53_OK); /* 173: fits */
    memset(long_set, ' ', 80);                                        /* 80 * 3 + 48 */
    assert_int_equal(owner_check(&o, "dns", long_set, &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "would be 333 characters, more than the 255"));
    assert_non_null(strstr(err.reason, "shorten set_identifier"));
    assert_non_null(strstr(err.reason, "(288 characters of it)"));
    o.owner = "a-cluster-name-of-two-hundred-and-twenty-characters-------------------------------"
              "------------------------------------------------------------------------------"
              "------------------------------------------------------------";
    assert_int_equal(owner_check(&o, "dns", NULL, &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "shorten the cluster name (owner"));
    o.owner = NULL; /* the CIB's, not known yet: what is known is checked */
    memset(long_set, 'r', 128);
    assert_int_equal(owner_check(&o, long_set, long_set, &err), R53_ERR_CONFIG);
    assert_non_null(strstr(err.reason, "would be 296 characters"));
    o.mode = OWNERSHIP_OFF;
    assert_int_equal(owner_check(&o, long_set, long_set, &err), R53_OK);
    /* owner_marker itself refuses (with out "") what owner_self gave. */
    o.mode = OWNERSHIP_CLAIM;
    o.owner = "c1";
    assert_int_equal(owner_self(&o, long_set, long_set, NULL, 0, &me, &err), R53_OK);
    assert_int_equal(owner_marker(&me, m, sizeof(m), &err), R53_ERR_CONFIG);
    assert_string_equal(m, "");
}

/* owner_of looks at the markers of our record set only. */
static void test_owner_of_by_set(void **state)
{
    struct r53_name name = { 0 };
    struct owner_id east = id("c1", "dns", "east");
    struct owner_id west = id("c1", "dns", "west");
    struct owner_id plain = id("c1", "dns", "");
    struct owner_id other;

    (void)state;
    add(&name, "TXT", "", 300, "\"heritage=route53,cluster=c1,resource=dns,set=east\"",
        "\"heritage=route53,cluster=c2,resource=web,set=west\"");
    assert_int_equal(owner_of(&name, &east, &other), OWNER_US);
    assert_int_equal(owner_of(&name, &west, &other), OWNER_OTHER);
    assert_string_equal(other.cluster, "c2");
    assert_int_equal(owner_of(&name, &plain, &other), OWNER_NONE);
}

static void test_claim_member_keeps_others(void **state)
{
    struct r53_name name = { 0 };
    struct r53_routing w10 = { .weighted = true, .weight = 10 };
    struct owner_batch b;
    const struct owner_record rec = { .fqdn = "w.example.com.",
                                      .type = "A",
                                      .ttl = 30,
                                      .value = "192.0.2.10",
                                      .set_identifier = "east",
                                      .routing = &w10 };
    const char *mine = "\"heritage=route53,cluster=c1,resource=dns,set=east\"";
    struct r53_rrset *west = add(&name, "A", "west", 30, "198.51.100.5", NULL);
    size_t n = 0;

    (void)state;
    west->routing.weighted = true;
    west->routing.weight = 5;
    add(&name, "A", "east", 30, "192.0.2.9", NULL)->routing.weighted = true;
    add(&name, "TXT", "", 300, "\"v=spf1 -all\"",
        "\"heritage=route53,cluster=c2,resource=web,set=west\"");
    n = owner_build_claim(&name, &rec, mine, &b);
    assert_int_equal(n, 4); /* DELETE east, CREATE east, DELETE TXT, CREATE TXT */
    assert_string_equal(b.changes[0].action, "DELETE");
    assert_string_equal(b.changes[0].set_identifier, "east");
    assert_string_equal(b.changes[0].values[0], "192.0.2.9");
    assert_string_equal(b.changes[1].action, "CREATE");
    assert_string_equal(b.changes[1].set_identifier, "east");
    assert_int_equal(b.changes[1].routing->weight, 10);
    assert_string_equal(b.changes[3].type, "TXT");
    assert_int_equal(b.changes[3].n_values, 3);
    assert_string_equal(b.changes[3].values[0], "\"v=spf1 -all\"");
    assert_string_equal(b.changes[3].values[1],
                        "\"heritage=route53,cluster=c2,resource=web,set=west\"");
    assert_string_equal(b.changes[3].values[2], mine);
    assert_int_equal(b.changes[3].ttl, 300);
}

/* A plain record of ours becomes our member in one batch, its marker replaced. */
static void test_claim_converts_plain(void **state)
{
    struct r53_name name = { 0 };
    struct r53_routing w10 = { .weighted = true, .weight = 10 };
    struct owner_batch b;
    const struct owner_record rec = { .fqdn = "w.example.com.",
                                      .type = "A",
                                      .ttl = 10,
                                      .value = "192.0.2.10",
                                      .set_identifier = "east",
                                      .routing = &w10 };
    size_t n = 0;

    (void)state;
    add(&name, "A", "", 10, "192.0.2.10", NULL);
    add(&name, "TXT", "", 10, "\"heritage=route53,cluster=c1,resource=dns\"", "\"v=spf1 -all\"");
    n = owner_build_claim(&name, &rec, "\"heritage=route53,cluster=c1,resource=dns,set=east\"", &b);
    assert_int_equal(n, 4); /* DELETE plain, CREATE member, DELETE TXT, CREATE TXT */
    assert_string_equal(b.changes[0].action, "DELETE");
    assert_string_equal(b.changes[0].set_identifier, "");
    assert_string_equal(b.changes[1].set_identifier, "east");
    assert_int_equal(b.changes[3].n_values, 2);
    assert_string_equal(b.changes[3].values[0], "\"v=spf1 -all\"");
    assert_string_equal(b.changes[3].values[1],
                        "\"heritage=route53,cluster=c1,resource=dns,set=east\"");
}

/* Release: our member and our marker only. */
static void test_release_member(void **state)
{
    struct r53_name name = { 0 };
    struct owner_batch b;
    const struct owner_record rec = { .fqdn = "w.example.com.",
                                      .type = "A",
                                      .set_identifier = "east" };
    size_t n = 0;

    (void)state;
    add(&name, "A", "east", 30, "192.0.2.10", NULL)->routing.weighted = true;
    add(&name, "A", "west", 30, "198.51.100.5", NULL)->routing.weighted = true;
    add(&name, "TXT", "", 300, "\"heritage=route53,cluster=c1,resource=dns,set=east\"",
        "\"heritage=route53,cluster=c2,resource=web,set=west\"");
    n = owner_build_release(&name, &rec, "\"heritage=route53,cluster=c1,resource=dns,set=east\"",
                            &b);
    assert_int_equal(n, 3);
    assert_string_equal(b.changes[0].set_identifier, "east");
    assert_true(b.changes[0].routing->weighted);
    assert_string_equal(b.changes[2].action, "CREATE");
    assert_int_equal(b.changes[2].n_values, 1);
    assert_string_equal(b.changes[2].values[0],
                        "\"heritage=route53,cluster=c2,resource=web,set=west\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marker_round_trip),
        cmocka_unit_test(test_marker_escapes_set),
        cmocka_unit_test(test_marker_too_long),
        cmocka_unit_test(test_owner_of_by_set),
        cmocka_unit_test(test_claim_member_keeps_others),
        cmocka_unit_test(test_claim_converts_plain),
        cmocka_unit_test(test_release_member),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
