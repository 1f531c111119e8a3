/* Unit tests for src/xml.c: real Route 53 bodies (from ROUTE53-WIRE.md
 * and captured from moto 5.2.1, in tests/unit/data/xml/) and hostile
 * ones.  Expected values are read off the fixtures by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route53_xml.h"
#include "xml.h"

#define NS_ATTR "xmlns=\"" R53_XML_NS "\""

/* A body in a buffer of exactly its length, with no terminating NUL,
 * so a reader that treats it as a C string trips valgrind. */
struct body {
    char *data;
    size_t len;
};

static struct body body_from_string(const char *s)
{
    struct body b = { 0 };

    b.len = strlen(s);
    b.data = malloc(b.len > 0 ? b.len : 1);
    assert_non_null(b.data);
    memcpy(b.data, s, b.len);
    return b;
}

/* Load tests/unit/data/xml/<name> under $TOP_SRCDIR (default "."). */
static struct body body_from_fixture(const char *name)
{
    const char *top = getenv("TOP_SRCDIR");
    char path[4096] = "";
    struct body b = { 0 };
    FILE *f = NULL;
    long size = 0;

    snprintf(path, sizeof(path), "%s/tests/unit/data/xml/%s", top != NULL ? top : ".", name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open fixture %s (set TOP_SRCDIR to the source tree)", path);
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    b.len = (size_t)size;
    b.data = malloc(b.len);
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

static void body_free(struct body *b)
{
    free(b->data);
    b->data = NULL;
}

static void assert_parse_error(r53_rc rc, const struct r53_error *err, const char *word)
{
    if (rc != R53_ERR_PARSE) {
        fail_msg("expected R53_ERR_PARSE, got %d (%s)", (int)rc, err->reason);
    }
    if (strstr(err->reason, word) == NULL) {
        fail_msg("reason \"%s\" does not mention \"%s\"", err->reason, word);
    }
}

/* Run a reader over a string body and expect a parse error naming word. */
#define EXPECT_BAD(reader, out, text, word)                                                        \
    do {                                                                                           \
        struct body b_ = body_from_string(text);                                                   \
        struct r53_error e_ = { 0 };                                                               \
                                                                                                   \
        assert_parse_error(reader(b_.data, b_.len, (out), &e_), &e_, (word));                      \
        body_free(&b_);                                                                            \
    } while (0)

/* ---- ChangeInfo ---- */

static void test_change_info_wire(void **state)
{
    struct body b = body_from_fixture("wire-change-resource-record-sets.xml");
    struct r53_change_info ci = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(r53_xml_change_info(b.data, b.len, &ci, &err), R53_OK);
    assert_string_equal(ci.id, "/change/C2682N5HXP0BZ4");
    assert_string_equal(ci.status, "PENDING");
    body_free(&b);
}

static void test_change_info_moto(void **state)
{
    struct body b = body_from_fixture("moto-change-resource-record-sets.xml");
    struct r53_change_info ci = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(r53_xml_change_info(b.data, b.len, &ci, &err), R53_OK);
    assert_string_equal(ci.id, "/change/C2682N5HXP0BZ4");
    assert_string_equal(ci.status, "INSYNC");
    body_free(&b);

    /* moto's GetChange gives the Id bare, without "/change/". */
    b = body_from_fixture("moto-get-change.xml");
    assert_int_equal(r53_xml_change_info(b.data, b.len, &ci, &err), R53_OK);
    assert_string_equal(ci.id, "C2682N5HXP0BZ4");
    assert_string_equal(ci.status, "INSYNC");
    body_free(&b);
}

static void test_change_info_path_matching(void **state)
{
    struct body b = { 0 };
    struct r53_change_info ci = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    /* Id and Status elsewhere than under ChangeInfo must not count. */
    b = body_from_string("<GetChangeResponse " NS_ATTR "><Id>/change/WRONG1</Id>"
                         "<ChangeInfo><Extra><Id>/change/WRONG2</Id>"
                         "<Status>BOGUS</Status></Extra>"
                         "<Id>/change/RIGHT</Id><Status>PENDING</Status></ChangeInfo>"
                         "<Other><ChangeInfo2><Id>x</Id></ChangeInfo2></Other>"
                         "</GetChangeResponse>");
    assert_int_equal(r53_xml_change_info(b.data, b.len, &ci, &err), R53_OK);
    assert_string_equal(ci.id, "/change/RIGHT");
    assert_string_equal(ci.status, "PENDING");
    body_free(&b);

    /* An element of our name in a foreign namespace is not ours. */
    b = body_from_string("<GetChangeResponse " NS_ATTR " xmlns:o=\"urn:other\"><ChangeInfo>"
                         "<Id>/change/RIGHT</Id><o:Id>/change/FOREIGN</o:Id>"
                         "<Status>INSYNC</Status></ChangeInfo></GetChangeResponse>");
    assert_int_equal(r53_xml_change_info(b.data, b.len, &ci, &err), R53_OK);
    assert_string_equal(ci.id, "/change/RIGHT");
    body_free(&b);

    /* Pretty-printed, with a prolog and a prefix for our namespace. */
    b = body_from_string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<r:GetChangeResponse xmlns:r=\"" R53_XML_NS "\">\n"
                         "  <r:ChangeInfo>\n    <r:Id>/change/C1</r:Id>\n"
                         "    <r:Status>INSYNC</r:Status>\n  </r:ChangeInfo>\n"
                         "</r:GetChangeResponse>\n");
    assert_int_equal(r53_xml_change_info(b.data, b.len, &ci, &err), R53_OK);
    assert_string_equal(ci.id, "/change/C1");
    assert_string_equal(ci.status, "INSYNC");
    body_free(&b);
}

static void test_change_info_bad(void **state)
{
    struct r53_change_info ci = { 0 };

    (void)state;
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><ChangeInfo>"
               "<Status>PENDING</Status></ChangeInfo></GetChangeResponse>",
               "ChangeInfo/Id");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><Other><Id>/change/C1</Id>"
               "</Other><ChangeInfo><Status>PENDING</Status></ChangeInfo>"
               "</GetChangeResponse>",
               "ChangeInfo/Id");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><ChangeInfo>"
               "<Id>/change/C1</Id></ChangeInfo></GetChangeResponse>",
               "ChangeInfo/Status");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><ChangeInfo><Id>/change/C1</Id>"
               "<Status>DONE</Status></ChangeInfo></GetChangeResponse>",
               "PENDING or INSYNC");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><ChangeInfo><Id>/change/C1</Id>"
               "<Status>insync</Status></ChangeInfo></GetChangeResponse>",
               "Status");
    /* A failed read leaves nothing half-filled behind. */
    assert_string_equal(ci.id, "");
}

/* ---- Errors ---- */

static void test_error_wire(void **state)
{
    struct body b = body_from_fixture("wire-error-invalid-change-batch.xml");
    struct aws_api_error e = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidChangeBatch");
    assert_string_equal(e.message, "[Tried to delete resource record set "
                                   "[name='a.example.com.', type='A'] but the values "
                                   "provided do not match the current values]");
    body_free(&b);
}

static void test_error_moto(void **state)
{
    struct body b = body_from_fixture("moto-error-no-such-zone.xml");
    struct aws_api_error e = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "NoSuchHostedZone");
    /* moto repeats the text in a lowercase <message>: read it once. */
    assert_string_equal(e.message, "No hosted zone found with ID: ZNOSUCH");
    body_free(&b);

    b = body_from_fixture("moto-error-type-without-name.xml");
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidInput");
    assert_string_equal(e.message, "The input is not valid");
    body_free(&b);

    b = body_from_fixture("moto-error-delete-mismatch.xml");
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidInput");
    assert_non_null(strstr(e.message, "Name=www.example.com."));
    assert_null(strstr(e.message, "; "));
    body_free(&b);

    b = body_from_fixture("moto-error-delete-missing.xml");
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidInput");
    assert_non_null(strstr(e.message, "Name=nope.example.com."));
    body_free(&b);
}

static void test_error_old_shape(void **state)
{
    struct body b = body_from_fixture("wire-invalid-change-batch-old.xml");
    struct aws_api_error e = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidChangeBatch");
    assert_string_equal(e.message, "Tried to create resource record set "
                                   "duplicate.example.com. type A, but it already "
                                   "exists; Tried to delete resource record set "
                                   "noexist.example.com. type A, but it was not found");
    body_free(&b);

    /* One message, no separator. */
    b = body_from_string("<InvalidChangeBatch " NS_ATTR "><Messages>"
                         "<Message>only one</Message></Messages>"
                         "</InvalidChangeBatch>");
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidChangeBatch");
    assert_string_equal(e.message, "only one");
    body_free(&b);
}

static void test_error_long_message(void **state)
{
    char text[4096] = "";
    char msg[1001] = "";
    char part[201] = "";
    struct body b = { 0 };
    struct aws_api_error e = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    /* A long message must not lose the code: it is cut, visibly. */
    memset(msg, 'm', 1000);
    snprintf(text, sizeof(text),
             "<ErrorResponse " NS_ATTR "><Error><Code>InvalidChangeBatch"
             "</Code><Message>%s</Message></Error></ErrorResponse>",
             msg);
    b = body_from_string(text);
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidChangeBatch");
    assert_true(strlen(e.message) < sizeof(e.message));
    assert_true(strlen(e.message) > 400);
    assert_int_equal(strncmp(e.message, "mmmm", 4), 0);
    assert_string_equal(e.message + strlen(e.message) - 6, " [...]");
    body_free(&b);

    /* Many old-shape messages overflowing the field: same treatment. */
    memset(part, 'x', 200);
    snprintf(text, sizeof(text),
             "<InvalidChangeBatch " NS_ATTR "><Messages>"
             "<Message>%s</Message><Message>%s</Message>"
             "<Message>%s</Message><Message>%s</Message>"
             "</Messages></InvalidChangeBatch>",
             part, part, part, part);
    b = body_from_string(text);
    assert_int_equal(r53_xml_error(b.data, b.len, &e, &err), R53_OK);
    assert_string_equal(e.code, "InvalidChangeBatch");
    assert_int_equal(strncmp(e.message + 200, "; xxx", 5), 0);
    assert_true(strlen(e.message) < sizeof(e.message));
    assert_string_equal(e.message + strlen(e.message) - 6, " [...]");
    body_free(&b);
}

/* One reader for every service's errors: STS's in its own namespace,
 * which Route 53's reader refuses, and the other way round. */
static void test_error_any_service(void **state)
{
    struct body b = body_from_string(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
        "<Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform "
        "sts:AssumeRole</Message></Error><RequestId>r1</RequestId></ErrorResponse>");
    struct body r = body_from_fixture("moto-error-no-such-zone.xml");
    struct aws_api_error e = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(
        xml_aws_error("https://sts.amazonaws.com/doc/2011-06-15/", b.data, b.len, &e, &err),
        R53_OK);
    assert_string_equal(e.code, "AccessDenied");
    assert_string_equal(e.message, "not authorized to perform sts:AssumeRole");
    assert_parse_error(r53_xml_error(b.data, b.len, &e, &err), &err, "namespace");
    assert_string_equal(e.code, "");
    err = (struct r53_error){ 0 };
    assert_parse_error(
        xml_aws_error("https://sts.amazonaws.com/doc/2011-06-15/", r.data, r.len, &e, &err), &err,
        "namespace");
    body_free(&b);
    body_free(&r);
}

static void test_error_bad(void **state)
{
    struct aws_api_error e = { 0 };
    char text[512] = "";
    char code[100] = "";
    struct r53_error err = { 0 };

    (void)state;
    EXPECT_BAD(r53_xml_error, &e,
               "<ErrorResponse " NS_ATTR "><Error><Message>no code</Message>"
               "</Error></ErrorResponse>",
               "Error/Code");
    /* moto's S3-style answer for an unrouted request: no namespace. */
    {
        struct body b =
            body_from_string("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Error><Code>"
                             "NoSuchBucket</Code><Message>The specified bucket does not "
                             "exist</Message></Error>");
        err = (struct r53_error){ 0 };
        assert_parse_error(r53_xml_error(b.data, b.len, &e, &err), &err, "namespace");
        assert_non_null(strstr(err.reason, "<Error>"));
        body_free(&b);
    }
    memset(code, 'C', 70);
    snprintf(text, sizeof(text),
             "<ErrorResponse " NS_ATTR "><Error><Code>%s</Code></Error>"
             "</ErrorResponse>",
             code);
    EXPECT_BAD(r53_xml_error, &e, text, "longer than 63 bytes");
    assert_string_equal(e.code, "");
}

/* ---- ListResourceRecordSets ---- */

static void test_rrset_moto(void **state)
{
    struct body b = body_from_fixture("moto-list-resource-record-sets.xml");
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    const struct r53_rrset *r = NULL;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_rrsets, 5);
    assert_false(p->is_truncated);
    assert_string_equal(p->next_name, "");

    r = &p->rrsets[0];
    assert_string_equal(r->name, "example.com.");
    assert_string_equal(r->type, "NS");
    assert_int_equal(r->ttl, 172800);
    assert_false(r->alias);
    assert_int_equal(r->n_values, 4);
    assert_string_equal(r->values[0], "ns-2048.awsdns-64.com");
    assert_string_equal(r->values[3], "ns-2051.awsdns-67.co.uk");

    r = &p->rrsets[1];
    assert_string_equal(r->type, "SOA");
    assert_int_equal(r->ttl, 900);
    assert_int_equal(r->n_values, 1);

    /* moto gives alias records a TTL of 0; AWS gives none. */
    r = &p->rrsets[2];
    assert_string_equal(r->name, "alias.example.com.");
    assert_string_equal(r->type, "A");
    assert_true(r->alias);
    assert_int_equal(r->ttl, 0);
    assert_int_equal(r->n_values, 0);
    assert_string_equal(r->set_identifier, "");

    r = &p->rrsets[3];
    assert_string_equal(r->name, "w.example.com.");
    assert_string_equal(r->set_identifier, "node1");
    assert_int_equal(r->ttl, 30);
    assert_int_equal(r->n_values, 1);
    assert_string_equal(r->values[0], "192.0.2.20");

    r = &p->rrsets[4];
    assert_string_equal(r->name, "www.example.com.");
    assert_string_equal(r->set_identifier, "");
    assert_int_equal(r->ttl, 60);
    assert_false(r->alias);
    assert_int_equal(r->n_values, 2);
    assert_string_equal(r->values[0], "192.0.2.10");
    assert_string_equal(r->values[1], "192.0.2.11");
    body_free(&b);
    free(p);
}

static void test_rrset_truncated_moto(void **state)
{
    struct body b = body_from_fixture("moto-list-resource-record-sets-truncated.xml");
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_rrsets, 2);
    assert_true(p->is_truncated);
    assert_string_equal(p->next_name, "alias.example.com.");
    body_free(&b);
    free(p);
}

static void test_rrset_aws_alias(void **state)
{
    /* The AWS shape of an alias: no TTL, no ResourceRecords. */
    struct body b =
        body_from_string("<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
                         "<ResourceRecordSet><Name>\\052.example.com.</Name><Type>A</Type>"
                         "<SetIdentifier>eu-node</SetIdentifier><Region>eu-west-1</Region>"
                         "<AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId>"
                         "<DNSName>d1.cloudfront.net.</DNSName>"
                         "<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>"
                         "</ResourceRecordSet></ResourceRecordSets>"
                         "<IsTruncated>true</IsTruncated>"
                         "<NextRecordName>zz.example.com.</NextRecordName>"
                         "<NextRecordType>AAAA</NextRecordType>"
                         "<NextRecordIdentifier>x</NextRecordIdentifier>"
                         "<MaxItems>1</MaxItems></ListResourceRecordSetsResponse>");
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_rrsets, 1);
    assert_string_equal(p->rrsets[0].name, "\\052.example.com.");
    assert_true(p->rrsets[0].alias);
    assert_int_equal(p->rrsets[0].ttl, -1);
    assert_int_equal(p->rrsets[0].n_values, 0);
    assert_string_equal(p->rrsets[0].set_identifier, "eu-node");
    assert_true(p->is_truncated);
    assert_string_equal(p->next_name, "zz.example.com.");
    assert_string_equal(p->next_type, "AAAA");
    assert_string_equal(p->next_identifier, "x");
    body_free(&b);
    free(p);
}

/* A member's routing fields, each kept; a weight out of range refused. */
static void test_rrset_routing(void **state)
{
    static const char *const head =
        "<?xml version=\"1.0\"?><ListResourceRecordSetsResponse xmlns=\"" R53_XML_NS "\">"
        "<ResourceRecordSets>";
    static const char *const tail = "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
                                    "<MaxItems>8</MaxItems></ListResourceRecordSetsResponse>";
    char xml[2048];
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    snprintf(
        xml, sizeof(xml),
        "%s<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type>"
        "<SetIdentifier>east</SetIdentifier><Weight>7</Weight><TTL>30</TTL>"
        "<ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord>"
        "</ResourceRecords></ResourceRecordSet>"
        "<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type>"
        "<SetIdentifier>p</SetIdentifier><Failover>PRIMARY</Failover><TTL>30</TTL>"
        "<ResourceRecords><ResourceRecord><Value>192.0.2.2</Value></ResourceRecord>"
        "</ResourceRecords><HealthCheckId>0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011</HealthCheckId>"
        "</ResourceRecordSet>"
        "<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type>"
        "<SetIdentifier>r</SetIdentifier><Region>eu-west-1</Region><TTL>30</TTL>"
        "<ResourceRecords><ResourceRecord><Value>192.0.2.3</Value></ResourceRecord>"
        "</ResourceRecords></ResourceRecordSet>"
        "<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type>"
        "<SetIdentifier>m</SetIdentifier><MultiValueAnswer>true</MultiValueAnswer><TTL>30</TTL>"
        "<ResourceRecords><ResourceRecord><Value>192.0.2.4</Value></ResourceRecord>"
        "</ResourceRecords></ResourceRecordSet>%s",
        head, tail);
    assert_int_equal(r53_xml_rrset_page(xml, strlen(xml), p, &err), R53_OK);
    assert_int_equal(p->n_rrsets, 4);
    assert_true(p->rrsets[0].routing.weighted);
    assert_int_equal(p->rrsets[0].routing.weight, 7);
    assert_false(p->rrsets[1].routing.weighted);
    assert_string_equal(p->rrsets[1].routing.failover, "PRIMARY");
    assert_string_equal(p->rrsets[1].routing.health_check_id,
                        "0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011");
    assert_string_equal(p->rrsets[2].routing.region, "eu-west-1");
    assert_true(p->rrsets[3].routing.multivalue);
    assert_false(p->rrsets[0].routing.multivalue);
    snprintf(xml, sizeof(xml),
             "%s<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type>"
             "<SetIdentifier>east</SetIdentifier><Weight>256</Weight><TTL>30</TTL>"
             "</ResourceRecordSet>%s",
             head, tail);
    assert_int_equal(r53_xml_rrset_page(xml, strlen(xml), p, &err), R53_ERR_PARSE);
    assert_non_null(strstr(err.reason, "Weight \"256\" is not 0 to 255"));
    free(p);
}

/* Build a page of n_sets record sets, each with n_vals values
 * "10.<set>.<v/256>.<v%256>"; returns a malloc'd string. */
static char *make_rrset_page(size_t n_sets, size_t n_vals)
{
    size_t cap = 256 + n_sets * (200 + n_vals * 80);
    char *s = malloc(cap);
    size_t len = 0;
    size_t i = 0;
    size_t v = 0;

    assert_non_null(s);
    len += (size_t)snprintf(s + len, cap - len,
                            "<ListResourceRecordSetsResponse " NS_ATTR ">"
                            "<ResourceRecordSets>");
    for (i = 0; i < n_sets; i++) {
        len += (size_t)snprintf(s + len, cap - len,
                                "<ResourceRecordSet><Name>h%zu.example.com."
                                "</Name><Type>A</Type><TTL>%zu</TTL>"
                                "<ResourceRecords>",
                                i, 100 + i);
        for (v = 0; v < n_vals; v++) {
            len += (size_t)snprintf(s + len, cap - len,
                                    "<ResourceRecord><Value>10.%zu.%zu.%zu"
                                    "</Value></ResourceRecord>",
                                    i, v / 256, v % 256);
        }
        len += (size_t)snprintf(s + len, cap - len, "</ResourceRecords></ResourceRecordSet>");
    }
    snprintf(s + len, cap - len,
             "</ResourceRecordSets><IsTruncated>false"
             "</IsTruncated><MaxItems>300</MaxItems>"
             "</ListResourceRecordSetsResponse>");
    return s;
}

static void test_rrset_caps(void **state)
{
    char *text = make_rrset_page(R53_MAX_RRSETS + 3, R53_MAX_VALUES + 3);
    struct body b = body_from_string(text);
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    const struct r53_rrset *last = NULL;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_rrsets, R53_MAX_RRSETS + 3);
    last = &p->rrsets[R53_MAX_RRSETS - 1];
    assert_int_equal(last->n_values, R53_MAX_VALUES + 3);
    assert_int_equal(last->ttl, 100 + R53_MAX_RRSETS - 1);
    assert_string_equal(p->rrsets[0].values[0], "10.0.0.0");
    assert_string_equal(p->rrsets[0].values[R53_MAX_VALUES - 1], "10.0.0.7");
    assert_string_equal(last->name, "h7.example.com.");
    body_free(&b);
    free(text);

    /* A body larger than one expat chunk: 5000 values in one set. */
    text = make_rrset_page(1, 5000);
    b = body_from_string(text);
    assert_true(b.len > 64 * 1024);
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_rrsets, 1);
    assert_int_equal(p->rrsets[0].n_values, 5000);
    assert_string_equal(p->rrsets[0].values[1], "10.0.0.1");
    body_free(&b);
    free(text);
    free(p);
}

static void test_rrset_ttl(void **state)
{
    static const char *const bad[] = {
        "-1",  "abc",  "2147483648", "99999999999999999999", "", " 60", "60 ", "1e3",
        "+60", "0x10", "6.0",
    };
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    char text[1024] = "";
    struct body b = { 0 };
    size_t i = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text),
                 "<ListResourceRecordSetsResponse " NS_ATTR ">"
                 "<ResourceRecordSets><ResourceRecordSet><Name>a.</Name>"
                 "<Type>A</Type><TTL>%s</TTL></ResourceRecordSet>"
                 "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
                 "</ListResourceRecordSetsResponse>",
                 bad[i]);
        EXPECT_BAD(r53_xml_rrset_page, p, text, "TTL");
        assert_int_equal(p->n_rrsets, 0);
    }
    /* The bounds themselves are fine. */
    snprintf(text, sizeof(text),
             "<ListResourceRecordSetsResponse " NS_ATTR ">"
             "<ResourceRecordSets><ResourceRecordSet><Name>a.</Name>"
             "<Type>A</Type><TTL>2147483647</TTL></ResourceRecordSet>"
             "<ResourceRecordSet><Name>b.</Name>"
             "<Type>A</Type><TTL>0</TTL></ResourceRecordSet>"
             "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
             "</ListResourceRecordSetsResponse>");
    b = body_from_string(text);
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->rrsets[0].ttl, 2147483647L);
    assert_int_equal(p->rrsets[1].ttl, 0);
    body_free(&b);
    free(p);
}

static void test_rrset_bad(void **state)
{
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    char name[400] = "";
    char text[1024] = "";
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    memset(name, 'n', 300);
    snprintf(text, sizeof(text),
             "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
             "<ResourceRecordSet><Name>%s</Name><Type>A</Type>"
             "</ResourceRecordSet></ResourceRecordSets>"
             "<IsTruncated>false</IsTruncated>"
             "</ListResourceRecordSetsResponse>",
             name);
    EXPECT_BAD(r53_xml_rrset_page, p, text, "ResourceRecordSet/Name longer");
    /* Exactly the field's capacity (255 bytes) still fits. */
    name[255] = '\0';
    snprintf(text, sizeof(text),
             "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
             "<ResourceRecordSet><Name>%s</Name><Type>A</Type>"
             "</ResourceRecordSet></ResourceRecordSets>"
             "<IsTruncated>false</IsTruncated>"
             "</ListResourceRecordSetsResponse>",
             name);
    {
        struct body b = body_from_string(text);
        assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
        assert_int_equal(strlen(p->rrsets[0].name), 255);
        body_free(&b);
    }
    EXPECT_BAD(r53_xml_rrset_page, p,
               "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
               "<ResourceRecordSet><Name>a.</Name><Type>TOOLONGTYPE</Type>"
               "</ResourceRecordSet></ResourceRecordSets>"
               "<IsTruncated>false</IsTruncated>"
               "</ListResourceRecordSetsResponse>",
               "Type longer than 7 bytes");
    EXPECT_BAD(r53_xml_rrset_page, p,
               "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
               "<ResourceRecordSet><Type>A</Type></ResourceRecordSet>"
               "</ResourceRecordSets><IsTruncated>false</IsTruncated>"
               "</ListResourceRecordSetsResponse>",
               "no Name");
    EXPECT_BAD(r53_xml_rrset_page, p,
               "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
               "</ResourceRecordSets></ListResourceRecordSetsResponse>",
               "IsTruncated");
    EXPECT_BAD(r53_xml_rrset_page, p,
               "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
               "</ResourceRecordSets><IsTruncated>true</IsTruncated>"
               "</ListResourceRecordSetsResponse>",
               "NextRecordName");
    EXPECT_BAD(r53_xml_rrset_page, p,
               "<ListResourceRecordSetsResponse " NS_ATTR "><ResourceRecordSets>"
               "</ResourceRecordSets><IsTruncated>maybe</IsTruncated>"
               "</ListResourceRecordSetsResponse>",
               "true or false");
    free(p);
}

/* ---- Hosted zones ---- */

static void test_zone_page_moto(void **state)
{
    struct body b = body_from_fixture("moto-list-hosted-zones-by-name.xml");
    struct r53_zone_page *p = calloc(1, sizeof(*p));
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    /* A public and a private zone sharing one name. */
    assert_int_equal(r53_xml_zone_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_zones, 2);
    assert_string_equal(p->zones[0].id, "/hostedzone/RYF0U8OK3ZWKIJVG1JVDOU");
    assert_string_equal(p->zones[0].name, "example.com.");
    assert_false(p->zones[0].private_zone);
    assert_string_equal(p->zones[1].id, "/hostedzone/BAFMP89HKF3XWYRJSTNSD5");
    assert_string_equal(p->zones[1].name, "example.com.");
    assert_true(p->zones[1].private_zone);
    assert_false(p->is_truncated);
    body_free(&b);
    free(p);
}

static void test_zone_page_truncated_and_caps(void **state)
{
    char text[8192] = "";
    size_t len = 0;
    size_t i = 0;
    struct body b = { 0 };
    struct r53_zone_page *p = calloc(1, sizeof(*p));
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    len += (size_t)snprintf(text + len, sizeof(text) - len,
                            "<ListHostedZonesByNameResponse " NS_ATTR ">"
                            "<HostedZones>");
    for (i = 0; i < R53_MAX_ZONES + 2; i++) {
        len += (size_t)snprintf(text + len, sizeof(text) - len,
                                "<HostedZone><Id>/hostedzone/Z%zu</Id>"
                                "<Name>z%zu.example.</Name>"
                                "<CallerReference>r</CallerReference>"
                                "<Config><Comment>c</Comment>"
                                "<PrivateZone>%s</PrivateZone></Config>"
                                "<ResourceRecordSetCount>2"
                                "</ResourceRecordSetCount></HostedZone>",
                                i, i, i % 2 ? "true" : "false");
    }
    snprintf(text + len, sizeof(text) - len,
             "</HostedZones><DNSName>z0.example.</DNSName>"
             "<IsTruncated>true</IsTruncated>"
             "<NextDNSName>zz.example.</NextDNSName>"
             "<NextHostedZoneId>ZNEXT</NextHostedZoneId>"
             "<MaxItems>10</MaxItems></ListHostedZonesByNameResponse>");
    b = body_from_string(text);
    assert_int_equal(r53_xml_zone_page(b.data, b.len, p, &err), R53_OK);
    assert_int_equal(p->n_zones, R53_MAX_ZONES + 2);
    assert_string_equal(p->zones[R53_MAX_ZONES - 1].id, "/hostedzone/Z7");
    assert_true(p->zones[R53_MAX_ZONES - 1].private_zone);
    assert_false(p->zones[R53_MAX_ZONES - 2].private_zone);
    assert_true(p->is_truncated);
    assert_string_equal(p->next_dns_name, "zz.example.");
    body_free(&b);

    EXPECT_BAD(r53_xml_zone_page, p,
               "<ListHostedZonesByNameResponse " NS_ATTR "><HostedZones>"
               "<HostedZone><Id>/hostedzone/Z1</Id><Name>a.</Name><Config>"
               "<PrivateZone>yes</PrivateZone></Config></HostedZone>"
               "</HostedZones></ListHostedZonesByNameResponse>",
               "PrivateZone");
    EXPECT_BAD(r53_xml_zone_page, p,
               "<ListHostedZonesByNameResponse " NS_ATTR "><HostedZones>"
               "<HostedZone><Name>a.</Name></HostedZone>"
               "</HostedZones></ListHostedZonesByNameResponse>",
               "no Id");
    EXPECT_BAD(r53_xml_zone_page, p,
               "<ListHostedZonesByNameResponse " NS_ATTR "><HostedZones>"
               "</HostedZones><IsTruncated>true</IsTruncated>"
               "</ListHostedZonesByNameResponse>",
               "NextDNSName");
    free(p);
}

static void test_hosted_zone_moto(void **state)
{
    struct body b = body_from_fixture("moto-get-hosted-zone.xml");
    struct r53_zone z = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    /* The fixture's DelegationSet has an empty <Id>: it must not count. */
    assert_int_equal(r53_xml_hosted_zone(b.data, b.len, &z, &err), R53_OK);
    assert_string_equal(z.id, "/hostedzone/RYF0U8OK3ZWKIJVG1JVDOU");
    assert_string_equal(z.name, "example.com.");
    assert_false(z.private_zone);
    /* The DNS-first monitor asks these. */
    assert_int_equal(z.n_name_servers, 4);
    assert_string_equal(z.name_servers[0], "ns-2048.awsdns-64.com");
    assert_string_equal(z.name_servers[3], "ns-2051.awsdns-67.co.uk");
    body_free(&b);

    b = body_from_fixture("moto-get-hosted-zone-private.xml");
    assert_int_equal(r53_xml_hosted_zone(b.data, b.len, &z, &err), R53_OK);
    assert_string_equal(z.id, "/hostedzone/BAFMP89HKF3XWYRJSTNSD5");
    assert_true(z.private_zone);
    assert_int_equal(z.n_name_servers, 0);
    body_free(&b);

    /* More name servers than a delegation set has: the first four kept. */
    b = body_from_string("<GetHostedZoneResponse " NS_ATTR "><HostedZone><Id>/hostedzone/Z9</Id>"
                         "<Name>x.example.</Name></HostedZone><DelegationSet><NameServers>"
                         "<NameServer>a.</NameServer><NameServer>b.</NameServer>"
                         "<NameServer>c.</NameServer><NameServer>d.</NameServer>"
                         "<NameServer>e.</NameServer></NameServers></DelegationSet>"
                         "</GetHostedZoneResponse>");
    assert_int_equal(r53_xml_hosted_zone(b.data, b.len, &z, &err), R53_OK);
    assert_int_equal(z.n_name_servers, 4);
    assert_string_equal(z.name_servers[3], "d.");
    body_free(&b);

    /* A DelegationSet Id before the zone, as AWS may order it. */
    b = body_from_string("<GetHostedZoneResponse " NS_ATTR "><DelegationSet><Id>/delegationset/"
                         "N1</Id><Name>ds.</Name></DelegationSet><HostedZone><Id>"
                         "/hostedzone/Z9</Id><Name>x.example.</Name></HostedZone>"
                         "</GetHostedZoneResponse>");
    assert_int_equal(r53_xml_hosted_zone(b.data, b.len, &z, &err), R53_OK);
    assert_string_equal(z.id, "/hostedzone/Z9");
    assert_string_equal(z.name, "x.example.");
    body_free(&b);

    EXPECT_BAD(r53_xml_hosted_zone, &z,
               "<GetHostedZoneResponse " NS_ATTR "><DelegationSet><Id>"
               "/delegationset/N1</Id></DelegationSet>"
               "</GetHostedZoneResponse>",
               "HostedZone/Id");
    assert_string_equal(z.id, "");
}

/* ---- Hostile and broken bodies ---- */

static void test_doctype_refused(void **state)
{
    struct r53_change_info ci = { 0 };
    struct r53_rrset_page *p = calloc(1, sizeof(*p));

    (void)state;
    assert_non_null(p);
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<!DOCTYPE GetChangeResponse>"
               "<GetChangeResponse " NS_ATTR "><ChangeInfo><Id>/change/C1</Id>"
               "<Status>INSYNC</Status></ChangeInfo></GetChangeResponse>",
               "DOCTYPE");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM "
               "\"file:///etc/passwd\"><GetChangeResponse " NS_ATTR ">"
               "<ChangeInfo><Id>&x;</Id></ChangeInfo></GetChangeResponse>",
               "DOCTYPE");
    /* Billion laughs. */
    EXPECT_BAD(r53_xml_rrset_page, p,
               "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
               "<!ENTITY lol \"lol\">\n"
               "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
               "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
               "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
               "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
               "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
               "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
               "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
               "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
               "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
               "]>\n<ListResourceRecordSetsResponse " NS_ATTR ">"
               "<ResourceRecordSets><ResourceRecordSet><Name>&lol9;</Name>"
               "<Type>A</Type></ResourceRecordSet></ResourceRecordSets>"
               "<IsTruncated>false</IsTruncated>"
               "</ListResourceRecordSetsResponse>",
               "DOCTYPE");
    /* An undeclared entity is an XML error, not an expansion. */
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><ChangeInfo><Id>&x;</Id>"
               "<Status>INSYNC</Status></ChangeInfo></GetChangeResponse>",
               "not XML");
    free(p);
}

static void test_not_xml(void **state)
{
    struct r53_change_info ci = { 0 };
    struct aws_api_error e = { 0 };
    struct r53_zone z = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_parse_error(r53_xml_change_info(NULL, 0, &ci, &err), &err, "empty");
    err = (struct r53_error){ 0 };
    assert_parse_error(r53_xml_change_info("", 0, &ci, &err), &err, "empty");
    EXPECT_BAD(r53_xml_error, &e, "Service Unavailable\r\n", "not XML");
    EXPECT_BAD(r53_xml_error, &e, "Service Unavailable\r\n", "line 1");
    EXPECT_BAD(r53_xml_error, &e, "{\"message\": \"json\"}", "not XML");
    EXPECT_BAD(r53_xml_error, &e, "   \n  ", "not XML");
    EXPECT_BAD(r53_xml_error, &e, "<html><body>502 Bad Gateway</body></html>", "<html>");
    EXPECT_BAD(r53_xml_hosted_zone, &z,
               "<GetHostedZoneResponse " NS_ATTR "></GetHostedZoneResponse>"
               "<GetHostedZoneResponse " NS_ATTR "/>",
               "not XML");
    EXPECT_BAD(r53_xml_hosted_zone, &z,
               "<GetHostedZoneResponse " NS_ATTR ">\n<HostedZone>\n"
               "<Id>a</Name></HostedZone></GetHostedZoneResponse>",
               "line 3");
    /* A NUL byte inside the body. */
    {
        static const char nul[] = "<GetChangeResponse " NS_ATTR "><ChangeInfo>"
                                  "<Id>/change/C1\0</Id><Status>INSYNC</Status></ChangeInfo>"
                                  "</GetChangeResponse>";
        struct body b = { 0 };

        b.len = sizeof(nul) - 1;
        b.data = malloc(b.len);
        assert_non_null(b.data);
        memcpy(b.data, nul, b.len);
        err = (struct r53_error){ 0 };
        assert_parse_error(r53_xml_change_info(b.data, b.len, &ci, &err), &err, "not XML");
        body_free(&b);
    }
}

static void test_truncated_body(void **state)
{
    struct body b = body_from_fixture("moto-list-resource-record-sets.xml");
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    size_t cut = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    /* Cut halfway, and at a few other places, including just before
     * the final '>'. */
    for (cut = b.len / 2; cut < b.len; cut += (b.len - cut + 1) / 2) {
        err = (struct r53_error){ 0 };
        assert_parse_error(r53_xml_rrset_page(b.data, cut, p, &err), &err, "ends");
        assert_int_equal(p->n_rrsets, 0);
    }
    err = (struct r53_error){ 0 };
    assert_parse_error(r53_xml_rrset_page(b.data, b.len - 2, p, &err), &err, "ends");
    /* The whole body still reads. */
    assert_int_equal(r53_xml_rrset_page(b.data, b.len, p, &err), R53_OK);
    body_free(&b);
    free(p);
}

static void test_wrong_root(void **state)
{
    struct body b = body_from_fixture("moto-list-hosted-zones-by-name.xml");
    struct r53_change_info ci = { 0 };
    struct r53_rrset_page *p = calloc(1, sizeof(*p));
    struct r53_zone z = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(p);
    assert_parse_error(r53_xml_change_info(b.data, b.len, &ci, &err), &err,
                       "ListHostedZonesByNameResponse");
    assert_non_null(strstr(err.reason, "ChangeResourceRecordSetsResponse"));
    assert_non_null(strstr(err.reason, "GetChangeResponse"));
    err = (struct r53_error){ 0 };
    assert_parse_error(r53_xml_rrset_page(b.data, b.len, p, &err), &err,
                       "ListResourceRecordSetsResponse");
    body_free(&b);

    /* An error body is not a success body, and vice versa. */
    b = body_from_fixture("moto-error-no-such-zone.xml");
    err = (struct r53_error){ 0 };
    assert_parse_error(r53_xml_hosted_zone(b.data, b.len, &z, &err), &err, "ErrorResponse");
    body_free(&b);
    {
        struct aws_api_error e = { 0 };

        b = body_from_fixture("moto-get-change.xml");
        err = (struct r53_error){ 0 };
        assert_parse_error(r53_xml_error(b.data, b.len, &e, &err), &err, "GetChangeResponse");
        body_free(&b);
    }
    free(p);
}

static void test_wrong_namespace(void **state)
{
    struct r53_change_info ci = { 0 };

    (void)state;
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse><ChangeInfo><Id>/change/C1</Id>"
               "<Status>INSYNC</Status></ChangeInfo></GetChangeResponse>",
               "no namespace");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse xmlns=\"https://route53.amazonaws.com/doc/"
               "2012-12-12/\"><ChangeInfo><Id>/change/C1</Id>"
               "<Status>INSYNC</Status></ChangeInfo></GetChangeResponse>",
               "2012-12-12");
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse xmlns=\"" R53_XML_NS "x\"><ChangeInfo>"
               "<Id>/change/C1</Id><Status>INSYNC</Status></ChangeInfo>"
               "</GetChangeResponse>",
               "namespace");
    /* Children moved out of our namespace are not read. */
    EXPECT_BAD(r53_xml_change_info, &ci,
               "<GetChangeResponse " NS_ATTR "><ChangeInfo xmlns=\"urn:x\">"
               "<Id>/change/C1</Id><Status>INSYNC</Status></ChangeInfo>"
               "</GetChangeResponse>",
               "ChangeInfo/Id");
}

static void test_deep_nesting(void **state)
{
    char text[8192] = "";
    size_t len = 0;
    int i = 0;
    struct r53_change_info ci = { 0 };

    (void)state;
    len += (size_t)snprintf(text, sizeof(text), "<GetChangeResponse " NS_ATTR ">");
    for (i = 0; i < 100; i++) {
        len += (size_t)snprintf(text + len, sizeof(text) - len, "<a>");
    }
    for (i = 0; i < 100; i++) {
        len += (size_t)snprintf(text + len, sizeof(text) - len, "</a>");
    }
    snprintf(text + len, sizeof(text) - len, "</GetChangeResponse>");
    EXPECT_BAD(r53_xml_change_info, &ci, text, "deeper");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_info_wire),
        cmocka_unit_test(test_change_info_moto),
        cmocka_unit_test(test_change_info_path_matching),
        cmocka_unit_test(test_change_info_bad),
        cmocka_unit_test(test_error_wire),
        cmocka_unit_test(test_error_moto),
        cmocka_unit_test(test_error_old_shape),
        cmocka_unit_test(test_error_long_message),
        cmocka_unit_test(test_error_bad),
        cmocka_unit_test(test_error_any_service),
        cmocka_unit_test(test_rrset_routing),
        cmocka_unit_test(test_rrset_moto),
        cmocka_unit_test(test_rrset_truncated_moto),
        cmocka_unit_test(test_rrset_aws_alias),
        cmocka_unit_test(test_rrset_caps),
        cmocka_unit_test(test_rrset_ttl),
        cmocka_unit_test(test_rrset_bad),
        cmocka_unit_test(test_zone_page_moto),
        cmocka_unit_test(test_zone_page_truncated_and_caps),
        cmocka_unit_test(test_hosted_zone_moto),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_not_xml),
        cmocka_unit_test(test_truncated_body),
        cmocka_unit_test(test_wrong_root),
        cmocka_unit_test(test_wrong_namespace),
        cmocka_unit_test(test_deep_nesting),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
