/* credentials.c: INI profiles as botocore reads them, the environment,
 * and the IMDS role document; and that no message ever carries a secret. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credentials.h"

/* Distinctive fragments, so a leak into a message is found by strstr. */
#define AKID "AKIDEXAMPLE7QQ"
#define SECRET_MARK "zQx9SeKr"
#define SECRET "wJalrXUtnFEMI/K7MDENG+" SECRET_MARK "=bPxRfiCY"
#define TOKEN_MARK "tOk3nMrK"
#define TOKEN "IQoJb3JpZ2luX2VjE" TOKEN_MARK "/xyz=="

#define MAX_FILE (1024 * 1024)

static char tmpdir[64];

static void assert_no_secret_in_error(const struct r53_error *err)
{
    const char *e = err->reason;

    assert_null(strstr(e, SECRET_MARK));
    assert_null(strstr(e, TOKEN_MARK));
}

static void assert_error_has(const struct r53_error *err, const char *needle)
{
    if (strstr(err->reason, needle) == NULL) {
        fail_msg("error \"%s\" lacks \"%s\"", err->reason, needle);
    }
}

static r53_rc ini(const char *text, const char *profile, bool in_config, struct credentials *c,
                  struct r53_error *err)
{
    *err = (struct r53_error){ 0 };
    return credentials_from_ini(text, strlen(text), profile, in_config, c, err);
}

static void assert_creds(const struct credentials *c, const char *id, const char *secret,
                         const char *token)
{
    assert_non_null(c->access_key_id);
    assert_string_equal(c->access_key_id, id);
    assert_non_null(c->secret_access_key);
    assert_string_equal(c->secret_access_key, secret);
    if (token == NULL) {
        assert_null(c->session_token);
    } else {
        assert_non_null(c->session_token);
        assert_string_equal(c->session_token, token);
    }
}

/* A failing call leaves *out untouched, and its reason in *err names no
 * secret. */
static void assert_ini_fails(const char *text, const char *profile, bool in_config, r53_rc want,
                             struct r53_error *err)
{
    struct credentials c = { 0 };

    assert_int_equal(ini(text, profile, in_config, &c, err), want);
    assert_null(c.access_key_id);
    assert_null(c.secret_access_key);
    assert_null(c.session_token);
    assert_true(err->reason[0] != '\0');
    assert_no_secret_in_error(err);
}

/* ---- credentials_wipe ---- */

static void test_wipe(void **state)
{
    struct credentials c = { 0 };

    (void)state;
    c.access_key_id = strdup(AKID);
    c.secret_access_key = strdup(SECRET);
    c.session_token = strdup(TOKEN);
    snprintf(c.source, sizeof(c.source), "environment");
    credentials_wipe(&c);
    assert_null(c.access_key_id);
    assert_null(c.secret_access_key);
    assert_null(c.session_token);
    assert_string_equal(c.source, "");
    credentials_wipe(&c); /* empty again: nothing to free twice */
    credentials_wipe(NULL);
}

/* ---- INI: credentials file ---- */

static void test_ini_basic_profiles(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[default]\n"
                       "aws_access_key_id = AKIDDEFAULT\n"
                       "aws_secret_access_key = defaultsecret\n"
                       "\n"
                       "[prod]\n"
                       "aws_access_key_id = " AKID "\n"
                       "aws_secret_access_key = " SECRET "\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini(text, "prod", false, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, NULL);
    assert_string_equal(c.source, "shared credentials file");
    credentials_wipe(&c);

    assert_int_equal(ini(text, "default", false, &c, &err), R53_OK);
    assert_creds(&c, "AKIDDEFAULT", "defaultsecret", NULL);
    credentials_wipe(&c);
}

static void test_ini_syntax_variants(void **state)
{
    struct credentials c = { 0 };
    /* BOM, CRLF, comments with '#' and ';' (indented too), no spaces
     * around '=', tabs, ':' delimiter, upper-case key names, blank lines.
     * (A tab before a key would make it continue the key above.) */
    const char *text = "\xEF\xBB\xBF# leading comment\r\n"
                       "; another\r\n"
                       "[other]\r\n"
                       "aws_access_key_id=WRONG\r\n"
                       "\r\n"
                       "[p]\r\n"
                       "   # indented comment\r\n"
                       "AWS_ACCESS_KEY_ID=" AKID "\r\n"
                       "\r\n"
                       "aws_secret_access_key\t:\t" SECRET "  \t\r\n"
                       "aws_session_token =   " TOKEN "\r\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini(text, "p", false, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, TOKEN);
    credentials_wipe(&c);
}

static void test_ini_bom_on_section_line(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini("\xEF\xBB\xBF[default]\naws_access_key_id=A\naws_secret_access_key=S\n",
                         "default", false, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);
}

static void test_ini_lone_cr_and_no_final_newline(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini("[x]\raws_access_key_id=A\raws_secret_access_key=S", "x", false, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);
}

static void test_ini_value_keeps_inner_characters(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    /* No inline comments in configparser: "# x" is part of the value;
     * '=' and ':' after the first delimiter belong to the value. */
    assert_int_equal(ini("[x]\naws_access_key_id = a b # x\naws_secret_access_key = s:t=u=\n", "x",
                         false, &c, &err),
                     R53_OK);
    assert_creds(&c, "a b # x", "s:t=u=", NULL);
    credentials_wipe(&c);
}

static void test_ini_session_and_legacy_token(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini("[x]\naws_access_key_id=A\naws_secret_access_key=S\n"
                         "aws_security_token=LEGACY\n",
                         "x", false, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S", "LEGACY");
    credentials_wipe(&c);

    /* aws_session_token wins whatever the order. */
    assert_int_equal(ini("[x]\naws_session_token=NEW\naws_access_key_id=A\n"
                         "aws_secret_access_key=S\naws_security_token=LEGACY\n",
                         "x", false, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S", "NEW");
    credentials_wipe(&c);

    /* An empty token means none. */
    assert_int_equal(ini("[x]\naws_access_key_id=A\naws_secret_access_key=S\n"
                         "aws_session_token =\n",
                         "x", false, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);
}

static void test_ini_later_duplicate_wins(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[x]\naws_access_key_id=OLD\naws_secret_access_key=OLDS\n"
                       "[y]\naws_access_key_id=Y\n"
                       "[x]\naws_access_key_id=NEW\n"
                       "aws_access_key_id=NEWER\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini(text, "x", false, &c, &err), R53_OK);
    assert_creds(&c, "NEWER", "OLDS", NULL);
    credentials_wipe(&c);
}

static void test_ini_nested_block_is_not_keys(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[x]\n"
                       "s3 =\n"
                       "  max_concurrent_requests = 10\n"
                       "\n"
                       "  # comment inside the block\n"
                       "  aws_access_key_id = NESTED\n"
                       "  aws_secret_access_key = NESTED\n"
                       "aws_access_key_id = A\n"
                       "aws_secret_access_key = S\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini(text, "x", false, &c, &err), R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);

    /* Only nested keys: the profile has none. */
    assert_ini_fails("[x]\ns3 =\n  aws_access_key_id = A\n  aws_secret_access_key = S\n", "x",
                     false, R53_ERR_NOT_FOUND, &err);
}

static void test_ini_indented_key_lines(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    /* Indentation alone is no continuation: the first key after a header
     * may be indented, and a later key less indented than the previous one
     * starts a new key. */
    assert_int_equal(
        ini("[x]\n    aws_access_key_id = A\n  aws_secret_access_key = S\n", "x", false, &c, &err),
        R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);
}

static void test_ini_our_value_continued_is_refused(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    assert_ini_fails("[x]\naws_access_key_id = A\naws_secret_access_key = " SECRET "\n"
                     "   " SECRET "\n",
                     "x", false, R53_ERR_HOST, &err);
    assert_error_has(&err, "line 4");
    assert_error_has(&err, "aws_secret_access_key");
    /* An indented key continues the key above (botocore then sees no
     * secret at all): say which line does it rather than "no secret". */
    assert_ini_fails("[x]\naws_access_key_id = A\n\taws_secret_access_key = " SECRET "\n", "x",
                     false, R53_ERR_HOST, &err);
    assert_error_has(&err, "line 3");
    assert_error_has(&err, "continues aws_access_key_id");
}

static void test_ini_default_section_applies(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[DEFAULT]\naws_secret_access_key = FROMDEFAULT\n"
                       "aws_access_key_id = DEFID\n"
                       "[x]\naws_access_key_id = A\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini(text, "x", false, &c, &err), R53_OK);
    assert_creds(&c, "A", "FROMDEFAULT", NULL);
    credentials_wipe(&c);
    /* [DEFAULT] is not itself a profile. */
    assert_ini_fails(text, "DEFAULT", false, R53_ERR_NOT_FOUND, &err);
}

static void test_ini_section_header_forms(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    /* Text after the last ']' is ignored, as configparser's regex does. */
    assert_int_equal(
        ini("[x] ; note\naws_access_key_id=A\naws_secret_access_key=S\n", "x", false, &c, &err),
        R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);
    /* The name is not trimmed: "[ x ]" is profile " x ", not "x". */
    assert_ini_fails("[ x ]\naws_access_key_id=A\naws_secret_access_key=S\n", "x", false,
                     R53_ERR_NOT_FOUND, &err);
    /* A credentials file has no "profile " prefix. */
    assert_ini_fails("[profile x]\naws_access_key_id=A\naws_secret_access_key=S\n", "x", false,
                     R53_ERR_NOT_FOUND, &err);
}

static void test_ini_not_found(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    assert_ini_fails("[a]\naws_access_key_id=A\naws_secret_access_key=" SECRET "\n", "b", false,
                     R53_ERR_NOT_FOUND, &err);
    assert_error_has(&err, "'b'");
    assert_ini_fails("[b]\nregion = us-east-1\n", "b", false, R53_ERR_NOT_FOUND, &err);
    assert_ini_fails("", "b", false, R53_ERR_NOT_FOUND, &err);
    /* Keys before any section belong to no profile. */
    assert_ini_fails("aws_access_key_id=A\naws_secret_access_key=S\n[b]\n", "b", false,
                     R53_ERR_NOT_FOUND, &err);
    /* A session token alone is not credentials. */
    assert_ini_fails("[b]\naws_session_token=" TOKEN "\n", "b", false, R53_ERR_NOT_FOUND, &err);
}

static void test_ini_partial_keys(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    assert_ini_fails("[p]\naws_access_key_id = " AKID "\naws_session_token = " TOKEN "\n", "p",
                     false, R53_ERR_HOST, &err);
    assert_error_has(&err,
                     "profile 'p' in the shared credentials file has aws_access_key_id but no "
                     "aws_secret_access_key");
    assert_ini_fails("[p]\naws_secret_access_key = " SECRET "\n", "p", false, R53_ERR_HOST, &err);
    assert_error_has(&err, "has aws_secret_access_key but no aws_access_key_id");
}

static void test_ini_empty_values(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    assert_ini_fails("[p]\naws_access_key_id = " AKID "\naws_secret_access_key =\n", "p", false,
                     R53_ERR_HOST, &err);
    assert_error_has(&err, "empty aws_secret_access_key");
    assert_ini_fails("[p]\naws_access_key_id=\naws_secret_access_key=" SECRET "\n", "p", false,
                     R53_ERR_HOST, &err);
    assert_error_has(&err, "empty aws_access_key_id");
}

static void test_ini_nul_byte(void **state)
{
    struct credentials c = { 0 };
    static const char text[] = "[p]\naws_access_key_id=A\naws_secret_access_key=S\0X\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(credentials_from_ini(text, sizeof(text) - 1, "p", false, &c, &err),
                     R53_ERR_HOST);
    assert_error_has(&err, "line 3");
    assert_null(c.access_key_id);
}

static void test_ini_line_length_limit(void **state)
{
    struct credentials c = { 0 };
    char *text = malloc(8192 + 256);
    size_t n = 0;
    size_t prefix = 0;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(text);
    n = (size_t)sprintf(text, "[p]\naws_access_key_id=A\naws_secret_access_key=");
    prefix = n - strlen("[p]\naws_access_key_id=A\n");
    /* A line of exactly 4096 bytes is accepted. */
    memset(text + n, 'k', 4096 - prefix);
    n += 4096 - prefix;
    text[n] = '\n';
    text[n + 1] = '\0';
    assert_int_equal(ini(text, "p", false, &c, &err), R53_OK);
    assert_int_equal(strlen(c.secret_access_key), 4096 - prefix);
    credentials_wipe(&c);
    /* One byte more is refused, naming the line. */
    text[n] = 'k';
    text[n + 1] = '\n';
    text[n + 2] = '\0';
    assert_ini_fails(text, "p", false, R53_ERR_HOST, &err);
    assert_error_has(&err, "line 3");
    assert_error_has(&err, "the shared credentials file");
    free(text);
}

/* ---- INI: config file ---- */

static void test_config_profiles(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[default]\nregion = us-east-1\naws_access_key_id = DEF\n"
                       "aws_secret_access_key = DEFS\n"
                       "[profile prod]\naws_access_key_id = " AKID "\n"
                       "aws_secret_access_key = " SECRET "\n"
                       "[profile  \"two words\" ]\naws_access_key_id = TW\n"
                       "aws_secret_access_key = TWS\n"
                       "[sso-session x]\naws_access_key_id = NO\n"
                       "[plain]\naws_access_key_id = NO\naws_secret_access_key = NO\n";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini(text, "prod", true, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, NULL);
    assert_string_equal(c.source, "config file");
    credentials_wipe(&c);
    assert_int_equal(ini(text, "default", true, &c, &err), R53_OK);
    assert_creds(&c, "DEF", "DEFS", NULL);
    credentials_wipe(&c);
    assert_int_equal(ini(text, "two words", true, &c, &err), R53_OK);
    assert_creds(&c, "TW", "TWS", NULL);
    credentials_wipe(&c);
    /* In a config file "[plain]" is not a profile. */
    assert_ini_fails(text, "plain", true, R53_ERR_NOT_FOUND, &err);
    assert_error_has(&err, "the config file");
}

static void test_config_profile_default(void **state)
{
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(ini("[profile default]\naws_access_key_id=A\naws_secret_access_key=S\n",
                         "default", true, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);
    /* Both spellings: the later key wins. */
    assert_int_equal(ini("[default]\naws_access_key_id=A\naws_secret_access_key=S\n"
                         "[profile default]\naws_secret_access_key=S2\n",
                         "default", true, &c, &err),
                     R53_OK);
    assert_creds(&c, "A", "S2", NULL);
    credentials_wipe(&c);
}

static void test_config_malformed_profile_headers(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    /* botocore ignores these (shlex gives other than two words). */
    assert_ini_fails("[profilex]\naws_access_key_id=A\naws_secret_access_key=S\n", "x", true,
                     R53_ERR_NOT_FOUND, &err);
    assert_ini_fails("[profile x y]\naws_access_key_id=A\naws_secret_access_key=S\n", "x", true,
                     R53_ERR_NOT_FOUND, &err);
    assert_ini_fails("[profile \"x]\naws_access_key_id=A\naws_secret_access_key=S\n", "x", true,
                     R53_ERR_NOT_FOUND, &err);
}

/* ---- files ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/r53credXXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write len bytes to tmpdir/name; returns the path in a static buffer. */
static const char *write_file(const char *name, const char *data, size_t len)
{
    static char path[256];
    FILE *f = NULL;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_file_reads_profile(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[default]\naws_access_key_id = " AKID "\n"
                       "aws_secret_access_key = " SECRET "\naws_session_token = " TOKEN "\n";
    const char *path = write_file("credentials", text, strlen(text));
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, TOKEN);
    assert_string_equal(c.source, "shared credentials file");
    credentials_wipe(&c);

    text = "[profile ops]\naws_access_key_id = " AKID "\naws_secret_access_key = " SECRET "\n";
    path = write_file("config", text, strlen(text));
    assert_int_equal(credentials_from_file(path, "ops", true, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, NULL);
    assert_string_equal(c.source, "config file");
    credentials_wipe(&c);
}

static void test_file_errors_name_the_file(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[p]\naws_access_key_id = " AKID "\n";
    const char *path = write_file("partial", text, strlen(text));
    char copy[256];
    struct r53_error err = { 0 };

    (void)state;
    snprintf(copy, sizeof(copy), "%s", path);
    assert_int_equal(credentials_from_file(copy, "p", false, &c, &err), R53_ERR_HOST);
    assert_error_has(&err, copy);
    assert_error_has(&err, "has aws_access_key_id but no aws_secret_access_key");

    text = "[p]\naws_access_key_id = " AKID "\naws_secret_access_key = " SECRET "\n";
    path = write_file("other", text, strlen(text));
    snprintf(copy, sizeof(copy), "%s", path);
    err = (struct r53_error){ 0 };
    assert_int_equal(credentials_from_file(copy, "q", false, &c, &err), R53_ERR_NOT_FOUND);
    assert_error_has(&err, copy);
    assert_no_secret_in_error(&err);
    assert_null(c.access_key_id);
}

static void test_file_missing(void **state)
{
    struct credentials c = { 0 };
    char path[256];
    const char *regular = write_file("plainfile", "x", 1);
    struct r53_error err = { 0 };

    (void)state;
    snprintf(path, sizeof(path), "%s/absent", tmpdir);
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_ERR_NOT_FOUND);
    /* A path through a regular file is just as absent. */
    snprintf(path, sizeof(path), "%s/x", regular);
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_ERR_NOT_FOUND);
    assert_int_equal(credentials_from_file(NULL, "default", false, &c, &err), R53_ERR_NOT_FOUND);
    assert_null(c.access_key_id);
}

static void test_file_not_regular(void **state)
{
    struct credentials c = { 0 };
    char path[256];
    struct r53_error err = { 0 };

    (void)state;
    snprintf(path, sizeof(path), "%s/adir", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_ERR_IO);
    assert_error_has(&err, path);
    /* A FIFO with no writer: refused at once, not waited on. */
    snprintf(path, sizeof(path), "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_ERR_IO);
    /* The null device is read as an empty file, as the AWS CLI reads it. */
    err = (struct r53_error){ 0 };
    assert_int_equal(credentials_from_file("/dev/null", "default", false, &c, &err),
                     R53_ERR_NOT_FOUND);
    assert_null(c.access_key_id);
}

static void test_file_unreadable(void **state)
{
    struct credentials c = { 0 };
    const char *text = "[default]\naws_access_key_id=A\naws_secret_access_key=S\n";
    const char *path = write_file("locked", text, strlen(text));
    struct r53_error err = { 0 };

    (void)state;
    if (geteuid() == 0) {
        skip(); /* root reads mode 000 files */
    }
    assert_int_equal(chmod(path, 0), 0);
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_ERR_IO);
}

static void test_file_size_limit(void **state)
{
    struct credentials c = { 0 };
    const char *head = "[default]\naws_access_key_id=A\naws_secret_access_key=S\n";
    char *text = malloc(MAX_FILE + 1);
    size_t n = strlen(head);
    const char *path = NULL;
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(text);
    memcpy(text, head, n); // NOLINT(bugprone-not-null-terminated-result): a byte count is passed on
    /* Pad with 100-byte comment lines, then one short line, to size. */
    while (n < MAX_FILE + 1) {
        size_t chunk = MAX_FILE + 1 - n < 100 ? MAX_FILE + 1 - n : 100;

        memset(text + n, '#', chunk);
        text[n + chunk - 1] = '\n';
        n += chunk;
    }
    path = write_file("big", text, MAX_FILE);
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_OK);
    assert_creds(&c, "A", "S", NULL);
    credentials_wipe(&c);

    path = write_file("big", text, MAX_FILE + 1);
    err = (struct r53_error){ 0 };
    assert_int_equal(credentials_from_file(path, "default", false, &c, &err), R53_ERR_HOST);
    assert_error_has(&err, path);
    assert_null(c.access_key_id);
    free(text);
}

/* ---- environment ---- */

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
    size_t n = strlen(name);

    for (const char *const *e = fake_env; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

static r53_rc env(const char *const *vars, struct credentials *c, struct r53_error *err)
{
    fake_env = vars;
    *err = (struct r53_error){ 0 };
    return credentials_from_env(fake_getenv, c, err);
}

static void test_env_keys(void **state)
{
    struct credentials c = { 0 };
    const char *const plain[] = { "AWS_ACCESS_KEY_ID=" AKID, "AWS_SECRET_ACCESS_KEY=" SECRET,
                                  NULL };
    const char *const with_token[] = { "AWS_ACCESS_KEY_ID=" AKID, "AWS_SECRET_ACCESS_KEY=" SECRET,
                                       "AWS_SECURITY_TOKEN=LEGACY", "AWS_SESSION_TOKEN=" TOKEN,
                                       NULL };
    const char *const legacy[] = { "AWS_ACCESS_KEY_ID=" AKID, "AWS_SECRET_ACCESS_KEY=" SECRET,
                                   "AWS_SECURITY_TOKEN=LEGACY", NULL };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(env(plain, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, NULL);
    assert_string_equal(c.source, "environment");
    credentials_wipe(&c);
    assert_int_equal(env(with_token, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, TOKEN);
    credentials_wipe(&c);
    assert_int_equal(env(legacy, &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, "LEGACY");
    credentials_wipe(&c);
}

static void test_env_absent_or_partial(void **state)
{
    struct credentials c = { 0 };
    const char *const none[] = { "HOME=/root", NULL };
    const char *const empty[] = { "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", NULL };
    const char *const only_id[] = { "AWS_ACCESS_KEY_ID=" AKID, "AWS_SESSION_TOKEN=" TOKEN, NULL };
    const char *const only_secret[] = { "AWS_SECRET_ACCESS_KEY=" SECRET, NULL };
    const char *const empty_secret[] = { "AWS_ACCESS_KEY_ID=" AKID,
                                         "AWS_SECRET_ACCESS_KEY=", NULL };
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(env(none, &c, &err), R53_ERR_NOT_FOUND);
    assert_int_equal(env(empty, &c, &err), R53_ERR_NOT_FOUND);
    assert_int_equal(env(only_id, &c, &err), R53_ERR_HOST);
    assert_error_has(&err, "AWS_SECRET_ACCESS_KEY is not");
    assert_no_secret_in_error(&err);
    assert_int_equal(env(only_secret, &c, &err), R53_ERR_HOST);
    assert_error_has(&err, "AWS_ACCESS_KEY_ID is not");
    assert_no_secret_in_error(&err);
    assert_int_equal(env(empty_secret, &c, &err), R53_ERR_HOST);
    assert_null(c.access_key_id);
}

/* ---- instance metadata JSON ---- */

static const char imds_good[] = "{\n"
                                "  \"Code\" : \"Success\",\n"
                                "  \"LastUpdated\" : \"2024-05-01T10:00:00Z\",\n"
                                "  \"Type\" : \"AWS-HMAC\",\n"
                                "  \"AccessKeyId\" : \"" AKID "\",\n"
                                "  \"SecretAccessKey\" : \"" SECRET "\",\n"
                                "  \"Token\" : \"" TOKEN "\",\n"
                                "  \"Expiration\" : \"2024-05-01T16:00:00Z\"\n"
                                "}\n";

static r53_rc imds(const char *json, size_t len, struct credentials *c, struct r53_error *err)
{
    *err = (struct r53_error){ 0 };
    return credentials_from_imds_json(json, len, c, err);
}

/* A refused instance-metadata answer: nothing filled, a reason in
 * *err naming no secret. */
static void assert_imds_fails(const char *json, size_t len, r53_rc want, struct r53_error *err)
{
    struct credentials c = { 0 };

    assert_int_equal(imds(json, len, &c, err), want);
    assert_null(c.access_key_id);
    assert_null(c.secret_access_key);
    assert_null(c.session_token);
    assert_true(err->reason[0] != '\0');
    assert_no_secret_in_error(err);
}

static void test_imds_good(void **state)
{
    struct credentials c = { 0 };
    /* The JSON escape "\/" is a '/', so the parser really decodes. */
    const char *no_code = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\\/x\",\"Token\":\"t\"}";
    struct r53_error err = { 0 };

    (void)state;
    assert_int_equal(imds(imds_good, strlen(imds_good), &c, &err), R53_OK);
    assert_creds(&c, AKID, SECRET, TOKEN);
    assert_string_equal(c.source, "instance metadata");
    credentials_wipe(&c);
    assert_int_equal(imds(no_code, strlen(no_code), &c, &err), R53_OK);
    assert_creds(&c, "A", "s/x", "t");
    credentials_wipe(&c);
}

static void test_imds_length_is_honoured(void **state)
{
    struct credentials c = { 0 };
    char buf[sizeof(imds_good) + 8];
    struct r53_error err = { 0 };

    (void)state;
    /* Bytes past len are not read: garbage there changes nothing. */
    /* Unterminated on purpose: the next line adds bytes that must not be read. */
    memcpy(buf, imds_good, strlen(imds_good)); // NOLINT(bugprone-not-null-terminated-result)
    memcpy(buf + strlen(imds_good), "garbage", 8);
    assert_int_equal(imds(buf, strlen(imds_good), &c, &err), R53_OK);
    credentials_wipe(&c);
    /* Within len, trailing garbage is refused. */
    assert_imds_fails(buf, strlen(imds_good) + 7, R53_ERR_PARSE, &err);
}

static void test_imds_code_not_success(void **state)
{
    const char *json = "{\"Code\":\"AssumeRoleUnauthorizedAccess\","
                       "\"Message\":\"EC2 cannot assume the role\","
                       "\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET "\","
                       "\"Token\":\"" TOKEN "\"}";
    struct r53_error err = { 0 };

    (void)state;
    assert_imds_fails(json, strlen(json), R53_ERR_AUTH, &err);
    assert_error_has(&err, "AssumeRoleUnauthorizedAccess");
    assert_error_has(&err, "EC2 cannot assume the role");
}

static void test_imds_missing_or_wrong_fields(void **state)
{
    const char *no_token = "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID "\","
                           "\"SecretAccessKey\":\"" SECRET "\"}";
    const char *num_id = "{\"AccessKeyId\":12,\"SecretAccessKey\":\"" SECRET "\","
                         "\"Token\":\"" TOKEN "\"}";
    const char *empty_secret = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"\","
                               "\"Token\":\"" TOKEN "\"}";
    const char *nul_secret = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\\u0000x\","
                             "\"Token\":\"" TOKEN "\"}";
    const char *code_num = "{\"Code\":0,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\","
                           "\"Token\":\"" TOKEN "\"}";
    struct r53_error err = { 0 };

    (void)state;
    assert_imds_fails(no_token, strlen(no_token), R53_ERR_PARSE, &err);
    assert_error_has(&err, "Token");
    assert_imds_fails(num_id, strlen(num_id), R53_ERR_PARSE, &err);
    assert_error_has(&err, "AccessKeyId");
    assert_imds_fails(empty_secret, strlen(empty_secret), R53_ERR_PARSE, &err);
    assert_imds_fails(nul_secret, strlen(nul_secret), R53_ERR_PARSE, &err);
    assert_imds_fails(code_num, strlen(code_num), R53_ERR_PARSE, &err);
}

static void test_imds_not_json(void **state)
{
    const char *html = "<html><body>" SECRET "</body></html>";
    const char *array = "[\"" SECRET "\"]";
    struct r53_error err = { 0 };

    (void)state;
    assert_imds_fails(html, strlen(html), R53_ERR_PARSE, &err);
    assert_imds_fails(array, strlen(array), R53_ERR_PARSE, &err);
    assert_imds_fails("", 0, R53_ERR_PARSE, &err);
    assert_imds_fails(NULL, 0, R53_ERR_PARSE, &err);
}

static void test_imds_truncated(void **state)
{
    struct r53_error err = { 0 };

    (void)state;
    /* Cut inside the secret's string. */
    assert_imds_fails(imds_good, (size_t)(strstr(imds_good, SECRET_MARK) - imds_good) + 3,
                      R53_ERR_PARSE, &err);
    assert_error_has(&err, "early");
    /* Cut just before the closing brace. */
    assert_imds_fails(imds_good, strlen(imds_good) - 2, R53_ERR_PARSE, &err);
}

static void test_imds_oversize(void **state)
{
    size_t len = 64 * 1024 + 1;
    char *big = malloc(len + 1);
    size_t n = 0;
    struct credentials c = { 0 };
    struct r53_error err = { 0 };

    (void)state;
    assert_non_null(big);
    /* A valid document padded with spaces to exactly 64 KiB passes... */
    n = strlen(imds_good);
    memcpy(big, imds_good, n);
    memset(big + n, ' ', len - n);
    big[len] = '\0';
    assert_int_equal(imds(big, len - 1, &c, &err), R53_OK);
    credentials_wipe(&c);
    /* ...and one byte more is refused before parsing. */
    assert_imds_fails(big, len, R53_ERR_PARSE, &err);
    assert_error_has(&err, "65537");
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_ini_basic_profiles),
        cmocka_unit_test(test_ini_syntax_variants),
        cmocka_unit_test(test_ini_bom_on_section_line),
        cmocka_unit_test(test_ini_lone_cr_and_no_final_newline),
        cmocka_unit_test(test_ini_value_keeps_inner_characters),
        cmocka_unit_test(test_ini_session_and_legacy_token),
        cmocka_unit_test(test_ini_later_duplicate_wins),
        cmocka_unit_test(test_ini_nested_block_is_not_keys),
        cmocka_unit_test(test_ini_indented_key_lines),
        cmocka_unit_test(test_ini_our_value_continued_is_refused),
        cmocka_unit_test(test_ini_default_section_applies),
        cmocka_unit_test(test_ini_section_header_forms),
        cmocka_unit_test(test_ini_not_found),
        cmocka_unit_test(test_ini_partial_keys),
        cmocka_unit_test(test_ini_empty_values),
        cmocka_unit_test(test_ini_nul_byte),
        cmocka_unit_test(test_ini_line_length_limit),
        cmocka_unit_test(test_config_profiles),
        cmocka_unit_test(test_config_profile_default),
        cmocka_unit_test(test_config_malformed_profile_headers),
        cmocka_unit_test(test_file_reads_profile),
        cmocka_unit_test(test_file_errors_name_the_file),
        cmocka_unit_test(test_file_missing),
        cmocka_unit_test(test_file_not_regular),
        cmocka_unit_test(test_file_unreadable),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_env_keys),
        cmocka_unit_test(test_env_absent_or_partial),
        cmocka_unit_test(test_imds_good),
        cmocka_unit_test(test_imds_length_is_honoured),
        cmocka_unit_test(test_imds_code_not_success),
        cmocka_unit_test(test_imds_missing_or_wrong_fields),
        cmocka_unit_test(test_imds_not_json),
        cmocka_unit_test(test_imds_truncated),
        cmocka_unit_test(test_imds_oversize),
    };

    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
