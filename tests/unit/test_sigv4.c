/* Tests for src/sigv4.c.
 *
 * 1. Every case of the official AWS SigV4 test suite, found by walking
 *    $SHARED_DIR/sigv4-test-suite/aws-sig-v4-test-suite at run time: each
 *    NAME.req is parsed and the canonical request, string to sign and
 *    Authorization are compared byte for byte with NAME.creq, NAME.sts
 *    and NAME.authz.  One cmocka test per case directory.
 * 2. Route 53 shaped requests checked against botocore's SigV4Auth (the
 *    signer of the AWS CLI) and a plain hashlib/hmac key derivation, both
 *    run in python3 at test time.
 * 3. Small units: region by endpoint, X-Amz-Date, SHA-256, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "endpoint.h"
#include "sigv4.h"
#include "util.h"

#define SUITE_KEY_ID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION "us-east-1"
#define SUITE_SERVICE "service"
#define MIN_SUITE_CASES 25
#define MAX_FILE_SIZE (1024 * 1024)
#define MAX_HEADERS 64

/* ---- locating and reading the suite ------------------------------------- */

struct suite_case {
    char *dir;  /* absolute directory of the case */
    char *name; /* path relative to the suite root, e.g. "normalize-path/get-slash" */
};

static struct suite_case *cases;
static size_t n_cases;
static char suite_root[PATH_MAX];
static char discovery_error[PATH_MAX + 128];

/* $SHARED_DIR, else $TOP_SRCDIR/../shared; "" if neither is set. */
static bool find_suite_root(void)
{
    const char *shared = getenv("SHARED_DIR");
    const char *top = getenv("TOP_SRCDIR");
    char dir[PATH_MAX] = { 0 };
    struct stat st = { 0 };
    int n = 0;

    if (shared != NULL && shared[0] != '\0') {
        n = snprintf(dir, sizeof(dir), "%s", shared);
    } else if (top != NULL && top[0] != '\0') {
        n = snprintf(dir, sizeof(dir), "%s/../shared", top);
    } else {
        snprintf(discovery_error, sizeof(discovery_error),
                 "neither SHARED_DIR nor TOP_SRCDIR is set: cannot find the "
                 "SigV4 test suite");
        return false;
    }
    if (n < 0 || (size_t)n >= sizeof(dir)) {
        snprintf(discovery_error, sizeof(discovery_error), "shared dir path too long");
        return false;
    }
    n = snprintf(suite_root, sizeof(suite_root), "%s/sigv4-test-suite/aws-sig-v4-test-suite", dir);
    if (n < 0 || (size_t)n >= sizeof(suite_root)) {
        snprintf(discovery_error, sizeof(discovery_error), "suite path too long");
        return false;
    }
    if (stat(suite_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(discovery_error, sizeof(discovery_error), "SigV4 test suite directory missing: %s",
                 suite_root);
        return false;
    }
    return true;
}

static bool add_case(const char *dir, const char *rel)
{
    struct suite_case *grown = realloc(cases, (n_cases + 1) * sizeof(*cases));

    if (grown == NULL) {
        return false;
    }
    cases = grown;
    cases[n_cases].dir = strdup(dir);
    cases[n_cases].name = strdup(rel);
    if (cases[n_cases].dir == NULL || cases[n_cases].name == NULL) {
        free(cases[n_cases].dir);
        free(cases[n_cases].name);
        return false;
    }
    n_cases++;
    return true;
}

/* A case is a directory holding <its own name>.req; recurse into the
 * others (normalize-path/, post-sts-token/). */
/* NOLINTNEXTLINE(misc-no-recursion): depth is capped at 8 below. */
static bool walk(const char *dir, const char *rel, int depth)
{
    DIR *d = NULL;
    struct dirent *e = NULL;
    const char *base = strrchr(dir, '/');
    char path[PATH_MAX] = { 0 };
    struct stat st = { 0 };
    bool ok = true;

    if (depth > 8) {
        return true;
    }
    base = base ? base + 1 : dir;
    snprintf(path, sizeof(path), "%s/%s.req", dir, base);
    if (rel[0] != '\0' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        return add_case(dir, rel);
    }
    d = opendir(dir);
    if (d == NULL) {
        snprintf(discovery_error, sizeof(discovery_error), "cannot open %s: %s", dir,
                 strerror(errno));
        return false;
    }
    while (ok && (e = readdir(d)) != NULL) {
        char sub_rel[PATH_MAX] = { 0 };

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            continue;
        }
        snprintf(sub_rel, sizeof(sub_rel), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        ok = walk(path, sub_rel, depth + 1);
    }
    closedir(d);
    return ok;
}

static int case_cmp(const void *a, const void *b)
{
    return strcmp(((const struct suite_case *)a)->name, ((const struct suite_case *)b)->name);
}

static bool discover_cases(void)
{
    if (!find_suite_root()) {
        return false;
    }
    if (!walk(suite_root, "", 0)) {
        return false;
    }
    qsort(cases, n_cases, sizeof(*cases), case_cmp);
    return true;
}

static void free_cases(void)
{
    for (size_t i = 0; i < n_cases; i++) {
        free(cases[i].dir);
        free(cases[i].name);
    }
    free(cases);
    cases = NULL;
    n_cases = 0;
}

/* Whole file, NUL-terminated, in *out (caller frees); false if missing
 * or too large. */
static bool read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size = 0;
    size_t n = 0;

    *out = NULL;
    if (f == NULL) {
        return false;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > MAX_FILE_SIZE ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return false;
    }
    buf = malloc((size_t)size + 1);
    if (buf != NULL) {
        n = fread(buf, 1, (size_t)size, f);
    }
    fclose(f);
    if (buf == NULL || n != (size_t)size) {
        free(buf);
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    if (len != NULL) {
        *len = n;
    }
    return true;
}

static char *read_case_file(const struct suite_case *c, const char *ext)
{
    const char *base = strrchr(c->dir, '/') + 1;
    char path[PATH_MAX] = { 0 };
    char *text = NULL;

    snprintf(path, sizeof(path), "%s/%s.%s", c->dir, base, ext);
    if (!read_file(path, &text, NULL)) {
        fail_msg("cannot read %s", path);
    }
    return text;
}

/* ---- parsing a .req ----------------------------------------------------- */

struct parsed_req {
    char *text; /* the file; every pointer below points into it */
    struct sigv4_request req;
    struct sigv4_header headers[MAX_HEADERS];
    const char *amz_date;
};

/* Cut the line starting at *p (ends at '\n' or NUL, '\r' dropped) and
 * advance *p past it.  Returns NULL at the end of the text. */
static char *next_line(char **p)
{
    char *line = *p;
    char *nl = NULL;
    size_t len = 0;

    if (line == NULL) {
        return NULL;
    }
    nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    len = strlen(line);
    if (len > 0 && line[len - 1] == '\r') {
        line[len - 1] = '\0';
    }
    return line;
}

/* Request line "METHOD PATH[?QUERY] HTTP/1.1" (the path may hold
 * spaces: get-space), header lines, continuation lines starting with
 * whitespace (kept in the value after a '\n', for the signer to fold),
 * a blank line, then the body. */
static void parse_req(char *text, size_t text_len, struct parsed_req *pr)
{
    char *p = text;
    char *line = next_line(&p);
    char *sp = NULL;
    char *proto = NULL;
    char *q = NULL;
    size_t nh = 0;

    memset(pr, 0, sizeof(*pr));
    pr->text = text;
    assert_non_null(line);
    sp = strchr(line, ' ');
    proto = strstr(line, " HTTP/");
    assert_non_null(sp);
    assert_non_null(proto);
    assert_true(proto >= sp);
    *sp = '\0';
    *proto = '\0';
    pr->req.method = line;
    pr->req.path = sp + 1;
    q = strchr(sp + 1, '?');
    if (q != NULL) {
        *q = '\0';
        pr->req.query = q + 1;
    }

    while ((line = next_line(&p)) != NULL && line[0] != '\0') {
        if (line[0] == ' ' || line[0] == '\t') {
            /* continuation: glue onto the previous value with '\n' */
            char *prev = NULL;
            size_t plen = 0;

            assert_true(nh > 0);
            prev = (char *)pr->headers[nh - 1].value;
            /* Set by the header line before: not NULL. */
            plen = strlen(prev); // NOLINT(clang-analyzer-core.NonNullParamChecker)
            /* The previous value ends where its line ended, and its NUL
             * sits on the old '\n': restore it to join the two lines. */
            assert_ptr_equal(prev + plen + 1, line);
            prev[plen] = '\n';
            continue;
        }
        char *colon = strchr(line, ':');

        assert_non_null(colon);
        assert_true(nh < MAX_HEADERS);
        *colon = '\0';
        pr->headers[nh].name = line;
        pr->headers[nh].value = colon + 1;
        if (strcasecmp(line, "X-Amz-Date") == 0) {
            pr->amz_date = colon + 1;
        }
        nh++;
    }
    pr->req.headers = pr->headers;
    pr->req.n_headers = nh;
    if (p != NULL) {
        pr->req.body = (const unsigned char *)p;
        pr->req.body_len = text_len - (size_t)(p - text);
    }
    assert_non_null(pr->amz_date);
}

/* ---- one test per suite case ------------------------------------------- */

/* Does the last line of the suite's .sts hash its .creq?  Uses only the
 * expected files (sigv4_sha256_hex is checked against FIPS vectors). */
static bool suite_sts_hashes_creq(const char *creq, const char *sts)
{
    char hash[65] = { 0 };
    const char *last = strrchr(sts, '\n');

    sigv4_sha256_hex(creq, strlen(creq), hash);
    return last != NULL && strcmp(last + 1, hash) == 0;
}

static void test_suite_case(void **state)
{
    const struct suite_case *c = *state;
    struct parsed_req pr;
    struct sigv4_key key = { SUITE_KEY_ID, SUITE_SECRET };
    struct sigv4_scope scope = { NULL, SUITE_REGION, SUITE_SERVICE };
    char *req_text = NULL;
    size_t req_len = 0;
    char *want_creq = read_case_file(c, "creq");
    char *want_sts = read_case_file(c, "sts");
    char *want_authz = read_case_file(c, "authz");
    char *creq = NULL;
    char *signed_headers = NULL;
    char *sts = NULL;
    char *authz = NULL;
    char path[PATH_MAX] = { 0 };
    const char *base = strrchr(c->dir, '/') + 1;
    struct r53_error err = { 0 };

    snprintf(path, sizeof(path), "%s/%s.req", c->dir, base);
    assert_true(read_file(path, &req_text, &req_len));
    parse_req(req_text, req_len, &pr);
    scope.amz_date = pr.amz_date;

    assert_int_equal(sigv4_canonical_request(&pr.req, &creq, &signed_headers, &err), R53_OK);
    assert_string_equal(creq, want_creq);
    /* the signed-headers line of the canonical request */
    assert_non_null(strstr(want_creq, signed_headers));

    if (suite_sts_hashes_creq(want_creq, want_sts)) {
        assert_int_equal(sigv4_string_to_sign(&scope, creq, &sts, &err), R53_OK);
        assert_string_equal(sts, want_sts);
        assert_int_equal(sigv4_authorization(&pr.req, &key, &scope, &authz, &err), R53_OK);
        assert_string_equal(authz, want_authz);
    } else {
        /* The two post-x-www-form-urlencoded cases: .req and .creq were
         * edited (Content-Length added, charset changed) after .sts and
         * .authz were made, so no signer can produce their .sts from
         * their .req.  Check what the files still agree on: the scope
         * lines of .sts, and that signing .sts gives .authz's signature. */
        const char *want_sig = strstr(want_authz, "Signature=");
        const char *hash_line = strrchr(want_sts, '\n');
        char sig[65] = { 0 };

        print_message("%s: suite .sts is not the hash of its .creq; checking "
                      "the string-to-sign scope and the signature of .sts\n",
                      c->name);
        assert_non_null(want_sig);
        assert_non_null(hash_line);
        assert_int_equal(sigv4_string_to_sign(&scope, creq, &sts, &err), R53_OK);
        assert_memory_equal(sts, want_sts, (size_t)(hash_line - want_sts) + 1);
        assert_int_equal(sigv4_signature(&key, &scope, want_sts, sig, &err), R53_OK);
        assert_string_equal(sig, want_sig + strlen("Signature="));
    }

    free(creq);
    free(signed_headers);
    free(sts);
    free(authz);
    free(want_creq);
    free(want_sts);
    free(want_authz);
    free(req_text);
}

static void test_suite_found(void **state)
{
    (void)state;
    if (discovery_error[0] != '\0') {
        fail_msg("%s", discovery_error);
    }
    print_message("SigV4 test suite: %zu cases under %s\n", n_cases, suite_root);
    if (n_cases < MIN_SUITE_CASES) {
        fail_msg("only %zu SigV4 suite cases found (expected at least %d)", n_cases,
                 MIN_SUITE_CASES);
    }
}

/* ---- botocore cross-check ----------------------------------------------- */

/* Signs with botocore's SigV4Auth (what /usr/bin/aws runs) and, apart
 * from it, derives the signature of botocore's string to sign with
 * hashlib/hmac.  Prints creq, sts, Authorization, hmac signature
 * separated by 0x1f. */
static const char botocore_script[] =
    "import sys, hmac, hashlib\n"
    "from botocore.auth import SigV4Auth\n"
    "from botocore.awsrequest import AWSRequest\n"
    "from botocore.credentials import Credentials\n"
    "method, url, body, ak, sk, token, date, region, service = sys.argv[1:10]\n"
    "hdrs = sys.argv[10:]\n"
    "creds = Credentials(ak, sk, token or None)\n"
    "req = AWSRequest(method=method, url=url, data=body.encode())\n"
    "for i in range(0, len(hdrs), 2):\n"
    "    req.headers[hdrs[i]] = hdrs[i + 1]\n"
    "auth = SigV4Auth(creds, service, region)\n"
    "req.context['timestamp'] = date\n"
    "auth._modify_request_before_signing(req)\n"
    "creq = auth.canonical_request(req)\n"
    "sts = auth.string_to_sign(req, creq)\n"
    "sig = auth.signature(sts, req)\n"
    "auth._inject_signature_to_request(req, sig)\n"
    "def h(k, m): return hmac.new(k, m.encode(), hashlib.sha256).digest()\n"
    "k = h(h(h(h(('AWS4' + sk).encode(), date[:8]), region), service), 'aws4_request')\n"
    "sig2 = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()\n"
    "sys.stdout.write('\\x1f'.join([creq, sts, req.headers['Authorization'], sig2]))\n";

struct boto_result {
    char *out;      /* whole output; the four fields point into it */
    char *field[4]; /* creq, sts, authz, hmac signature */
};

/* argv: method, url, body, ak, sk, token, date, region, service, then
 * header name/value pairs; NULL-terminated. */
static void run_botocore(const char *const *args, struct boto_result *r)
{
    const char *argv[32] = { "python3", "-c", botocore_script };
    size_t argc = 3;
    int fds[2] = { -1, -1 };
    pid_t pid = 0;
    int status = 0;
    size_t len = 0;
    size_t cap = 65536;
    ssize_t n = 0;
    char *p = NULL;

    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(argc < sizeof(argv) / sizeof(argv[0]) - 1);
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;

    memset(r, 0, sizeof(*r));
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp("python3", (char *const *)argv);
        fprintf(stderr, "cannot run python3: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    r->out = malloc(cap);
    assert_non_null(r->out);
    while ((n = read(fds[0], r->out + len, cap - 1 - len)) > 0) {
        len += (size_t)n;
        if (len == cap - 1) {
            break;
        }
    }
    r->out[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail_msg("python3 with botocore failed (status %d); is botocore "
                 "installed for python3?",
                 status);
    }
    p = r->out;
    for (int i = 0; i < 4; i++) {
        assert_non_null(p);
        r->field[i] = p;
        p = strchr(p, '\x1f');
        if (p != NULL) {
            *p++ = '\0';
        }
    }
    assert_null(p);
}

struct boto_case {
    const char *method;
    const char *host; /* also the signed host header */
    const char *path;
    const char *query; /* NULL if none */
    const char *body;
    const char *token; /* NULL: long-term key */
    const char *region;
};

static void check_against_botocore(const struct boto_case *bc)
{
    const char *date = "20240229T235959Z";
    const char *ak = "AKIAIOSFODNN7EXAMPLE";
    const char *sk = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    char url[1024] = { 0 };
    struct sigv4_header headers[3] = {
        { "Host", bc->host },
        { "X-Amz-Date", date },
        { "X-Amz-Security-Token", bc->token },
    };
    struct sigv4_request req = {
        .method = bc->method,
        .path = bc->path,
        .query = bc->query,
        .headers = headers,
        .n_headers = bc->token ? 3 : 2,
        .body = (const unsigned char *)bc->body,
        .body_len = strlen(bc->body),
    };
    struct sigv4_key key = { ak, sk };
    struct sigv4_scope scope = { date, bc->region, "route53" };
    struct boto_result boto;
    char *creq = NULL;
    char *signed_headers = NULL;
    char *sts = NULL;
    char *authz = NULL;
    char sig[65] = { 0 };
    struct r53_error err = { 0 };

    snprintf(url, sizeof(url), "https://%s%s%s%s", bc->host, bc->path, bc->query ? "?" : "",
             bc->query ? bc->query : "");
    const char *args[] = { bc->method, url,        bc->body,  ak,  sk, bc->token ? bc->token : "",
                           date,       bc->region, "route53", NULL };
    run_botocore(args, &boto);

    assert_int_equal(sigv4_canonical_request(&req, &creq, &signed_headers, &err), R53_OK);
    assert_string_equal(creq, boto.field[0]);
    assert_int_equal(sigv4_string_to_sign(&scope, creq, &sts, &err), R53_OK);
    assert_string_equal(sts, boto.field[1]);
    assert_int_equal(sigv4_signature(&key, &scope, sts, sig, &err), R53_OK);
    assert_string_equal(sig, boto.field[3]);
    assert_int_equal(sigv4_authorization(&req, &key, &scope, &authz, &err), R53_OK);
    assert_string_equal(authz, boto.field[2]);

    free(creq);
    free(signed_headers);
    free(sts);
    free(authz);
    free(boto.out);
}

static void test_route53_list_rrsets(void **state)
{
    const struct boto_case bc = {
        "GET",
        "route53.amazonaws.com",
        "/2013-04-01/hostedzone/Z1/rrset",
        "name=www.example.com.&type=A&maxitems=1",
        "",
        NULL,
        "us-east-1",
    };

    (void)state;
    check_against_botocore(&bc);
}

static void test_route53_change_with_token(void **state)
{
    const struct boto_case bc = {
        "POST",
        "route53.amazonaws.com.cn",
        "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/",
        NULL,
        "<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
        "<ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet>"
        "<Name>www.example.com.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords>"
        "<ResourceRecord><Value>192.0.2.10</Value></ResourceRecord></ResourceRecords>"
        "</ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>",
        "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token==",
        "cn-northwest-1",
    };

    (void)state;
    check_against_botocore(&bc);
}

/* An escaped name (\052 = '*') already percent-encoded, keys out of
 * order, and an encoded byte in the path (double-encoded, as botocore
 * does for every service but S3). */
static void test_route53_encoded_query(void **state)
{
    const struct boto_case bc = {
        "GET",
        "route53.us-gov.amazonaws.com",
        "/2013-04-01/hostedzone/Z%2A1/rrset",
        "type=TXT&name=%5C052.example.com.&maxitems=300",
        "",
        NULL,
        "us-gov-west-1",
    };

    (void)state;
    check_against_botocore(&bc);
}

/* ---- wiping derived keys ------------------------------------------------ */

/* This definition interposes on libmbedcrypto's (shared library) one, so
 * the test sees every buffer sigv4.c wipes, with its contents just
 * before the wipe.  It still wipes. */
struct wipe {
    size_t len;
    unsigned char head[64];
};

static struct wipe wipes[256];
static size_t n_wipes;
static bool wipe_log;

void mbedtls_platform_zeroize(void *buf, size_t len)
{
    volatile unsigned char *p = buf;

    if (wipe_log && buf != NULL && n_wipes < sizeof(wipes) / sizeof(wipes[0])) {
        wipes[n_wipes].len = len;
        memcpy(wipes[n_wipes].head, buf, len < 64 ? len : 64);
        n_wipes++;
    }
    while (p != NULL && len--) {
        *p++ = 0;
    }
}

static bool was_wiped(const void *data, size_t len)
{
    for (size_t i = 0; i < n_wipes; i++) {
        if (wipes[i].len == len && memcmp(wipes[i].head, data, len < 64 ? len : 64) == 0) {
            return true;
        }
    }
    return false;
}

static void hmac(const unsigned char *key, size_t key_len, const char *msg, unsigned char out[32])
{
    assert_int_equal(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, key_len,
                                     (const unsigned char *)msg, strlen(msg), out),
                     0);
}

/* "AWS4"+secret, kDate, kRegion, kService and kSigning are all wiped. */
static void test_derived_keys_wiped(void **state)
{
    struct sigv4_key key = { SUITE_KEY_ID, SUITE_SECRET };
    struct sigv4_scope scope = { "20150830T123600Z", "us-east-1", "route53" };
    const char *secret = "AWS4" SUITE_SECRET;
    unsigned char k_date[32] = { 0 };
    unsigned char k_region[32] = { 0 };
    unsigned char k_service[32] = { 0 };
    unsigned char k_signing[32] = { 0 };
    char sig[65] = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    hmac((const unsigned char *)secret, strlen(secret), "20150830", k_date);
    hmac(k_date, 32, "us-east-1", k_region);
    hmac(k_region, 32, "route53", k_service);
    hmac(k_service, 32, "aws4_request", k_signing);

    n_wipes = 0;
    wipe_log = true;
    assert_int_equal(sigv4_signature(&key, &scope, "string to sign", sig, &err), R53_OK);
    wipe_log = false;

    assert_true(was_wiped(secret, strlen(secret)));
    assert_true(was_wiped(k_date, 32));
    assert_true(was_wiped(k_region, 32));
    assert_true(was_wiped(k_service, 32));
    assert_true(was_wiped(k_signing, 32));
    memset(wipes, 0, sizeof(wipes));
}

/* ---- small units -------------------------------------------------------- */

/* A GET of "/" with query (NULL: none) and one header, h. */
static struct sigv4_request get_request(const char *query, const struct sigv4_header *h)
{
    return (struct sigv4_request){
        .method = "GET", .path = "/", .query = query, .headers = h, .n_headers = 1
    };
}

static void test_query_decoded_then_encoded(void **state)
{
    struct sigv4_header h[] = { { "host", "h" } };
    struct sigv4_request raw = get_request("b=a b&a=x/y&c", h);
    struct sigv4_request enc = get_request("a=x%2fy&b=a%20b&c=", h);
    char *c1 = NULL;
    char *c2 = NULL;
    char *s1 = NULL;
    char *s2 = NULL;
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(sigv4_canonical_request(&raw, &c1, &s1, &err), R53_OK);
    assert_int_equal(sigv4_canonical_request(&enc, &c2, &s2, &err), R53_OK);
    assert_non_null(strstr(c1, "\na=x%2Fy&b=a%20b&c=\n"));
    assert_string_equal(c1, c2);
    assert_string_equal(s1, "host");
    free(c1);
    free(c2);
    free(s1);
    free(s2);
}

/* The one percent-encoder (util.c), which the signer and the query and
 * form values share: unreserved ASCII kept, every other byte %XX, by
 * byte value alone (no locale), cut at a whole escape. */
static void test_percent_encode(void **state)
{
    const char *mixed = "a b/\xc3\xa9+%~";
    char out[64];
    char one[2] = { 0, 0 };

    (void)state;
    assert_int_equal(util_percent_encode_n("AZaz09-_.~", 10, out, sizeof(out)), 10);
    assert_string_equal(out, "AZaz09-_.~");
    assert_int_equal(util_percent_encode_n(mixed, strlen(mixed), out, sizeof(out)), 21);
    assert_string_equal(out, "a%20b%2F%C3%A9%2B%25~");
    util_percent_encode(mixed, out, sizeof(out));
    assert_string_equal(out, "a%20b%2F%C3%A9%2B%25~");
    for (int b = 1; b < 256; b++) {
        bool keep = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
                    strchr("-_.~", b) != NULL;
        char want[4];

        one[0] = (char)b;
        snprintf(want, sizeof(want), keep ? "%c" : "%%%02X", b);
        assert_int_equal(util_percent_encode_n(one, 1, out, sizeof(out)), strlen(want));
        assert_string_equal(out, want);
    }
    /* Too little room: whole escapes only, the full length returned. */
    assert_int_equal(util_percent_encode_n("a/b", 3, out, 5), 5);
    assert_string_equal(out, "a%2F");
    assert_int_equal(util_percent_encode_n("a/b", 3, out, 4), 5);
    assert_string_equal(out, "a");
    assert_int_equal(util_percent_encode_n("a/b", 3, NULL, 0), 5);
}

static void test_region_for_endpoint(void **state)
{
    (void)state;
    assert_string_equal(endpoint_route53_region("https://route53.amazonaws.com"), "us-east-1");
    assert_string_equal(endpoint_route53_region("https://route53.amazonaws.com.cn/"),
                        "cn-northwest-1");
    assert_string_equal(
        endpoint_route53_region("https://user@route53.amazonaws.com.cn:443/2013-04-01"),
        "cn-northwest-1");
    assert_string_equal(endpoint_route53_region("https://route53.us-gov.amazonaws.com"),
                        "us-gov-west-1");
    assert_string_equal(endpoint_route53_region("http://127.0.0.1:5000"), "us-east-1");
    assert_string_equal(endpoint_route53_region("http://localhost:5000/?x=amazonaws.com.cn"),
                        "us-east-1");
    /* a look-alike host in another domain is not the China partition */
    assert_string_equal(endpoint_route53_region("https://route53.amazonaws.com.cn.example.org"),
                        "us-east-1");
    assert_string_equal(endpoint_route53_region("http://[::1]:8443/"), "us-east-1");
    assert_string_equal(endpoint_route53_region(NULL), "us-east-1");
}

static void test_amz_date(void **state)
{
    char out[17] = { 0 };

    (void)state;
    sigv4_amz_date(0, out);
    assert_string_equal(out, "19700101T000000Z");
    sigv4_amz_date(1440938160, out); /* date -u -d @1440938160 */
    assert_string_equal(out, "20150830T123600Z");
    sigv4_amz_date(1709251199, out); /* leap day, last second */
    assert_string_equal(out, "20240229T235959Z");
}

static void test_sha256_hex(void **state)
{
    char out[65] = { 0 };

    (void)state;
    /* FIPS 180-2 test vectors */
    sigv4_sha256_hex("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sigv4_sha256_hex("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_bad_input(void **state)
{
    struct sigv4_header good[] = { { "host", "h" } };
    struct sigv4_header bad_name[] = { { "ho:st", "h" } };
    struct sigv4_request req = get_request(NULL, good);
    struct sigv4_request bad = get_request(NULL, bad_name);
    struct sigv4_key key = { SUITE_KEY_ID, SUITE_SECRET };
    struct sigv4_scope bad_date = { "2015-08-30T12:36", "us-east-1", "route53" };
    struct sigv4_scope bad_region = { "20150830T123600Z", "us/east", "route53" };
    char *out = NULL;
    char *sh = NULL;
    char sig[65] = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(sigv4_canonical_request(NULL, &out, &sh, &err), R53_ERR_INTERNAL);
    assert_null(out);
    assert_int_equal(sigv4_canonical_request(&bad, &out, &sh, &err), R53_ERR_INTERNAL);
    assert_null(out);
    assert_null(sh);

    err = (struct r53_error){ 0 };
    assert_int_equal(sigv4_authorization(&req, &key, &bad_date, &out, &err), R53_ERR_INTERNAL);
    assert_null(out);
    assert_true(err.reason[0] != '\0');
    assert_null(strstr(err.reason, SUITE_SECRET));

    assert_int_equal(sigv4_signature(&key, &bad_region, "x", sig, &err), R53_ERR_INTERNAL);
    assert_string_equal(sig, "");
    assert_null(strstr(err.reason, SUITE_SECRET));
}

int main(void)
{
    const struct CMUnitTest unit_tests[] = {
        cmocka_unit_test(test_suite_found),
        cmocka_unit_test(test_region_for_endpoint),
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_amz_date),
        cmocka_unit_test(test_sha256_hex),
        cmocka_unit_test(test_query_decoded_then_encoded),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_derived_keys_wiped),
        cmocka_unit_test(test_route53_list_rrsets),
        cmocka_unit_test(test_route53_change_with_token),
        cmocka_unit_test(test_route53_encoded_query),
    };
    struct CMUnitTest *suite_tests = NULL;
    int failed = 0;

    if (!discover_cases() && discovery_error[0] == '\0') {
        snprintf(discovery_error, sizeof(discovery_error), "out of memory listing the SigV4 suite");
    }
    failed = cmocka_run_group_tests_name("sigv4", unit_tests, NULL, NULL);

    suite_tests = calloc(n_cases + 1, sizeof(*suite_tests));
    if (suite_tests == NULL) {
        free_cases();
        return failed + 1;
    }
    for (size_t i = 0; i < n_cases; i++) {
        suite_tests[i].name = cases[i].name;
        suite_tests[i].test_func = test_suite_case;
        suite_tests[i].initial_state = &cases[i];
    }
    if (n_cases > 0) {
        failed +=
            _cmocka_run_group_tests("aws-sig-v4-test-suite", suite_tests, n_cases, NULL, NULL);
    }
    print_message("aws-sig-v4-test-suite: %zu cases run\n", n_cases);
    free(suite_tests);
    free_cases();
    return failed;
}
