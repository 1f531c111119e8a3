#include "credentials.h"
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/platform_util.h>
#include <qb/qblog.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shlex.h"
#include "util.h"

/* Far above any real credentials or config file; a bigger one is the
 * wrong file, and we never want to hold an unbounded secret buffer. */
#define CRED_MAX_FILE (1024 * 1024)
#define CRED_MAX_LINE 4096

/* ---- INI files ---------------------------------------------------- */

/* The parser follows Python's configparser as botocore (and so the AWS
 * CLI) drives it, for everything that decides which bytes are the keys:
 *   - "[header]" is a section; the name is everything between the first
 *     '[' and the last ']' of the stripped line, untrimmed;
 *   - "key = value" or "key: value", split at the first '=' or ':', both
 *     sides trimmed, key names case-insensitive;
 *   - a line indented deeper than the key line before it continues that
 *     key's value (botocore reads "s3 =\n  max_concurrent_requests = 10"
 *     as a nested block): it is never a key itself;
 *   - '#' or ';' as the first non-blank character makes a comment line;
 *     there are no inline comments ("key = a # b" has the value "a # b");
 *   - keys under "[DEFAULT]" apply to every section that lacks them;
 *   - config files name profiles "[profile NAME]" (NAME split as
 *     shlex.split does, so it may be quoted) or "[default]";
 *   - aws_session_token wins over the legacy aws_security_token.
 * Where configparser raises instead, we choose, and say so here:
 *   - a repeated section or key does not fail; the later value wins (a
 *     "[default]" and a "[profile default]" merge the same way);
 *   - a UTF-8 BOM at the start, lone CR line ends, lines outside any
 *     section and lines with neither '=' nor ':' are accepted or ignored;
 *   - a value of ours that continues on indented lines, an empty
 *     access key or secret, a NUL byte, a line over 4 KiB and a file over
 *     1 MiB are refused with R53_ERR_HOST, a file of this node (an empty session token
 *     means none, as botocore only signs with a non-empty one).
 * Messages name the file, the profile and line numbers, never a value. */

/* The keys read: the static keys, then the settings of profile.h's
 * enum profile_setting, in the same order. */
enum ini_key { KEY_ID, KEY_SECRET, KEY_TOKEN, KEY_LEGACY_TOKEN, KEY_SETTINGS };
#define KEY_COUNT (KEY_SETTINGS + PROFILE_N_SETTINGS)

static const char *const ini_key_names[KEY_COUNT] = {
    [KEY_ID] = "aws_access_key_id",
    [KEY_SECRET] = "aws_secret_access_key",
    [KEY_TOKEN] = "aws_session_token",
    [KEY_LEGACY_TOKEN] = "aws_security_token",
    [KEY_SETTINGS + PROFILE_ROLE_ARN] = "role_arn",
    [KEY_SETTINGS + PROFILE_SOURCE_PROFILE] = "source_profile",
    [KEY_SETTINGS + PROFILE_CREDENTIAL_SOURCE] = "credential_source",
    [KEY_SETTINGS + PROFILE_EXTERNAL_ID] = "external_id",
    [KEY_SETTINGS + PROFILE_ROLE_SESSION_NAME] = "role_session_name",
    [KEY_SETTINGS + PROFILE_DURATION_SECONDS] = "duration_seconds",
    [KEY_SETTINGS + PROFILE_WEB_IDENTITY_TOKEN_FILE] = "web_identity_token_file",
    [KEY_SETTINGS + PROFILE_CREDENTIAL_PROCESS] = "credential_process",
    [KEY_SETTINGS + PROFILE_MFA_SERIAL] = "mfa_serial",
    [KEY_SETTINGS + PROFILE_SSO_SESSION] = "sso_session",
    [KEY_SETTINGS + PROFILE_SSO_START_URL] = "sso_start_url",
    [KEY_SETTINGS + PROFILE_REGION] = "region",
};

/* Which keys a section feeds: [DEFAULT], the profile asked for, or none. */
enum ini_layer { LAYER_DEFAULTS, LAYER_PROFILE, LAYER_COUNT, LAYER_NONE = LAYER_COUNT };

/* Where one key's value lies in the text (not a copy: nothing to wipe). */
struct ini_value {
    const char *start;
    size_t len;
    unsigned continued; /* first line continuing the value, 0 if none */
    bool set;
};

struct ini_scan {
    const char *profile;
    bool in_config;
    const char *label; /* the file, for messages */
    bool profile_seen;
    struct ini_value v[LAYER_COUNT][KEY_COUNT];
};

/* configparser strips Python whitespace; CR and LF end lines before this. */
static bool ini_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

static enum ini_layer section_layer(const struct ini_scan *s, const char *name, size_t len)
{
    char text[CRED_MAX_LINE + 1];
    const char *words[2];
    size_t plen = strlen(s->profile);

    /* configparser's default section, case-sensitive, never a profile. */
    if (len == 7 && memcmp(name, "DEFAULT", 7) == 0) {
        return LAYER_DEFAULTS;
    }
    if (!s->in_config) {
        return len == plen && memcmp(name, s->profile, len) == 0 ? LAYER_PROFILE : LAYER_NONE;
    }
    if (len == 7 && memcmp(name, "default", 7) == 0) {
        return strcmp(s->profile, "default") == 0 ? LAYER_PROFILE : LAYER_NONE;
    }
    /* botocore: key.startswith("profile") and shlex.split(key) has two
     * words; the second is the name. */
    if (len < 7 || memcmp(name, "profile", 7) != 0 || len > CRED_MAX_LINE) {
        return LAYER_NONE;
    }
    if (shlex_split(name, len, text, words, 2) != 2) {
        return LAYER_NONE;
    }
    return strcmp(words[1], s->profile) == 0 ? LAYER_PROFILE : LAYER_NONE;
}

static struct ini_value *key_slot(struct ini_scan *s, enum ini_layer layer, const char *key,
                                  size_t len)
{
    if (layer == LAYER_NONE) {
        return NULL;
    }
    for (int k = 0; k < KEY_COUNT; k++) {
        if (strlen(ini_key_names[k]) == len && strncasecmp(key, ini_key_names[k], len) == 0) {
            return &s->v[layer][k];
        }
    }
    return NULL;
}

/* Where the scan stands between lines. */
struct ini_cursor {
    bool in_section;
    enum ini_layer layer;
    bool have_opt;         /* a key line is open for continuation */
    size_t opt_indent;     /* indentation of the last non-continuation line */
    struct ini_value *opt; /* the value that key line set, if it is ours */
};

/* The line starting at text + *pos, its length (without the line end) in
 * *n; *pos moves past its LF, CR or CRLF. */
static const char *ini_next_line(const char *text, size_t len, size_t *pos, size_t *n)
{
    const char *line = text + *pos;
    size_t m = 0;

    while (*pos + m < len && line[m] != '\n' && line[m] != '\r') {
        m++;
    }
    *pos += m;
    if (*pos < len) {
        *pos += (text[*pos] == '\r' && *pos + 1 < len && text[*pos + 1] == '\n') ? 2 : 1;
    }
    *n = m;
    return line;
}

/* Enter the section if line[a..b) is a "[name]" header; false if not. */
static bool ini_header(struct ini_scan *s, struct ini_cursor *cur, const char *line, size_t a,
                       size_t b)
{
    size_t r = b;

    if (line[a] != '[') {
        return false;
    }
    while (r > a + 1 && line[r - 1] != ']') {
        r--;
    }
    /* r - 1 is the last ']'; the name must not be empty. */
    if (r <= a + 2) {
        return false;
    }
    cur->in_section = true;
    cur->have_opt = false;
    cur->opt = NULL;
    cur->layer = section_layer(s, line + a + 1, r - 1 - (a + 1));
    if (cur->layer == LAYER_PROFILE) {
        s->profile_seen = true;
    }
    return true;
}

/* "key = value" or "key: value" in line[a..b): note where the value is
 * if the key is one of ours. */
static void ini_key_line(struct ini_scan *s, struct ini_cursor *cur, const char *line, size_t a,
                         size_t b)
{
    size_t d = a;
    size_t k = 0;
    size_t v = 0;

    while (d < b && line[d] != '=' && line[d] != ':') {
        d++;
    }
    if (d == b) {
        return; /* neither key nor section: configparser errs, we skip */
    }
    k = d;
    while (k > a && ini_space(line[k - 1])) {
        k--;
    }
    v = d + 1;
    while (v < b && ini_space(line[v])) {
        v++;
    }
    cur->have_opt = k > a;
    cur->opt = cur->have_opt ? key_slot(s, cur->layer, line + a, k - a) : NULL;
    if (cur->opt != NULL) {
        cur->opt->start = line + v;
        cur->opt->len = b - v;
        cur->opt->continued = 0;
        cur->opt->set = true;
    }
}

/* One line, stripped to line[a..b), neither blank nor a comment. */
static void ini_line(struct ini_scan *s, struct ini_cursor *cur, const char *line, size_t a,
                     size_t b, unsigned lineno)
{
    if (cur->have_opt && a > cur->opt_indent) {
        if (cur->opt != NULL && cur->opt->continued == 0) {
            cur->opt->continued = lineno;
        }
        return;
    }
    cur->opt_indent = a;
    if (ini_header(s, cur, line, a, b)) {
        return;
    }
    if (cur->in_section) {
        ini_key_line(s, cur, line, a, b);
    }
}

/* One pass over the text, recording where our keys' values are. */
static r53_rc ini_scan_text(struct ini_scan *s, const char *text, size_t len, struct r53_error *err)
{
    size_t pos = 0;
    unsigned lineno = 0;
    struct ini_cursor cur = { .layer = LAYER_NONE };

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    while (pos < len) {
        size_t n = 0;
        size_t a = 0;
        size_t b = 0;
        const char *line = ini_next_line(text, len, &pos, &n);

        lineno++;
        if (n > CRED_MAX_LINE) {
            return r53_fail(err, R53_ERR_HOST, "%s line %u is longer than %d bytes", s->label,
                            lineno, CRED_MAX_LINE);
        }
        if (memchr(line, '\0', n) != NULL) {
            return r53_fail(err, R53_ERR_HOST, "%s line %u contains a NUL byte; is it a text file?",
                            s->label, lineno);
        }
        b = n;
        while (a < b && ini_space(line[a])) {
            a++;
        }
        while (b > a && ini_space(line[b - 1])) {
            b--;
        }
        /* Blank and comment lines neither end nor extend a value. */
        if (a != b && line[a] != '#' && line[a] != ';') {
            ini_line(s, &cur, line, a, b, lineno);
        }
    }
    return R53_OK;
}

static const struct ini_value *ini_pick(const struct ini_scan *s, enum ini_key k)
{
    if (s->v[LAYER_PROFILE][k].set) {
        return &s->v[LAYER_PROFILE][k];
    }
    if (s->v[LAYER_DEFAULTS][k].set) {
        return &s->v[LAYER_DEFAULTS][k];
    }
    return NULL;
}

/* The access key, secret and token the scanned profile sets, in keys[KEY_ID],
 * keys[KEY_SECRET] and keys[KEY_TOKEN] (NULL when unset or empty; the legacy
 * aws_security_token stands in for a missing aws_session_token).  Kept apart
 * from ini_credentials because each refusal here names what to fix: a key
 * continued on an indented line, half a pair, or an empty value. */
static r53_rc ini_keys(const struct ini_scan *s, const struct ini_value *keys[3],
                       struct r53_error *err)
{
    const char *names[3] = { ini_key_names[KEY_ID], ini_key_names[KEY_SECRET],
                             ini_key_names[KEY_TOKEN] };
    const struct ini_value *id = ini_pick(s, KEY_ID);
    const struct ini_value *secret = ini_pick(s, KEY_SECRET);
    const struct ini_value *token = ini_pick(s, KEY_TOKEN);

    if (token == NULL) {
        token = ini_pick(s, KEY_LEGACY_TOKEN);
        names[2] = ini_key_names[KEY_LEGACY_TOKEN];
    }
    if (id == NULL && secret == NULL) {
        return r53_fail(err, R53_ERR_NOT_FOUND, "profile '%.100s' in %s has no %s", s->profile,
                        s->label, ini_key_names[KEY_ID]);
    }
    keys[KEY_ID] = id;
    keys[KEY_SECRET] = secret;
    keys[KEY_TOKEN] = token;
    /* First: an indented line after the key explains a "missing" one. */
    for (int i = 0; i < 3; i++) {
        if (keys[i] != NULL && keys[i]->continued != 0) {
            return r53_fail(err, R53_ERR_HOST,
                            "%s line %u: the indented line continues %s of profile '%.100s'; "
                            "put the value on one line",
                            s->label, keys[i]->continued, names[i], s->profile);
        }
    }
    if (id == NULL || secret == NULL) {
        return r53_fail(err, R53_ERR_HOST, "profile '%.100s' in %s has %s but no %s", s->profile,
                        s->label, ini_key_names[id != NULL ? KEY_ID : KEY_SECRET],
                        ini_key_names[id != NULL ? KEY_SECRET : KEY_ID]);
    }
    for (int i = 0; i < 2; i++) {
        if (keys[i]->len == 0) {
            return r53_fail(err, R53_ERR_HOST, "profile '%.100s' in %s has an empty %s", s->profile,
                            s->label, names[i]);
        }
    }
    if (token != NULL && token->len == 0) {
        keys[KEY_TOKEN] = NULL;
    }
    return R53_OK;
}

/* Parse text and fill *out; label names the file in messages. */
static r53_rc ini_credentials(const char *text, size_t len, const char *profile, bool in_config,
                              const char *label, struct credentials *out, struct r53_error *err)
{
    struct ini_scan s = { 0 };
    struct credentials c = { 0 };
    const struct ini_value *keys[3] = { NULL };
    const struct ini_value *token = NULL;
    r53_rc rc = R53_OK;

    if (profile == NULL || profile[0] == '\0') {
        return r53_fail(err, R53_ERR_INTERNAL, "no profile name given for %s", label);
    }
    if (len > CRED_MAX_FILE) {
        return r53_fail(err, R53_ERR_HOST, "%s is larger than %d bytes; is it the right file?",
                        label, CRED_MAX_FILE);
    }
    s.profile = profile;
    s.in_config = in_config;
    s.label = label;
    if (len > 0 && (rc = ini_scan_text(&s, text, len, err)) != R53_OK) {
        return rc;
    }
    if (!s.profile_seen) {
        return r53_fail(err, R53_ERR_NOT_FOUND, "profile '%.100s' not found in %s", profile, label);
    }
    if ((rc = ini_keys(&s, keys, err)) != R53_OK) {
        return rc;
    }
    token = keys[KEY_TOKEN];
    rc = credentials_fill(&c, keys[KEY_ID]->start, keys[KEY_ID]->len, keys[KEY_SECRET]->start,
                          keys[KEY_SECRET]->len, token != NULL ? token->start : NULL,
                          token != NULL ? token->len : 0,
                          in_config ? "config file" : "shared credentials file", err);
    if (rc == R53_OK) {
        *out = c;
    }
    return rc;
}

r53_rc credentials_from_ini(const char *text, size_t len, const char *profile, bool in_config,
                            struct credentials *out, struct r53_error *err)
{
    return ini_credentials(text, len, profile, in_config,
                           in_config ? "the config file" : "the shared credentials file", out, err);
}

/* Open path to read; a missing file is R53_ERR_NOT_FOUND. */
static r53_rc cred_file_open(const char *path, int *fd, struct r53_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return r53_fail(err, R53_ERR_NOT_FOUND, "%s does not exist", path);
        }
        return r53_fail(err, R53_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    return R53_OK;
}

/* Whether st is the null device (under whatever name): it reads as an
 * empty file.  AWS_CONFIG_FILE=/dev/null is the usual way to say "no such
 * file", and the AWS CLI takes it so. */
static bool is_null_device(const struct stat *st)
{
    struct stat null = { 0 };

    return S_ISCHR(st->st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
           st->st_rdev == null.st_rdev;
}

/* The file must be a regular one of at most CRED_MAX_FILE bytes, or the
 * null device; a directory, a FIFO or any other device is refused. */
static r53_rc cred_file_stat(int fd, const char *path, struct stat *st, struct r53_error *err)
{
    if (fstat(fd, st) != 0) {
        return r53_fail(err, R53_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st->st_mode) && !is_null_device(st)) {
        return r53_fail(err, R53_ERR_IO, "%s is not a regular file", path);
    }
    if (st->st_size > CRED_MAX_FILE) {
        return r53_fail(err, R53_ERR_HOST,
                        "%s is %lld bytes, more than the %d allowed; "
                        "is it the right file?",
                        path, (long long)st->st_size, CRED_MAX_FILE);
    }
    return R53_OK;
}

/* Read fd to its end into buf; filling all cap bytes means the file grew
 * since its size was taken. */
static r53_rc cred_file_read(int fd, const char *path, char *buf, size_t cap, size_t *got,
                             struct r53_error *err)
{
    size_t done = 0;

    for (;;) {
        ssize_t n = 0;

        if (done == cap) {
            return r53_fail(err, R53_ERR_IO, "%s changed while being read; try again", path);
        }
        n = read(fd, buf + done, cap - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return r53_fail(err, R53_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        }
        if (n == 0) {
            break;
        }
        done += (size_t)n;
    }
    *got = done;
    return R53_OK;
}

/* The whole file at path in a buffer the caller wipes and frees (*cap
 * bytes); R53_ERR_NOT_FOUND when there is no file. */
static r53_rc read_file(const char *path, char **buf, size_t *cap, size_t *got, mode_t *mode,
                        struct r53_error *err)
{
    int fd = -1;
    struct stat st = { 0 };
    r53_rc rc = cred_file_open(path, &fd, err);

    *buf = NULL;
    if (rc != R53_OK) {
        return rc;
    }
    if ((rc = cred_file_stat(fd, path, &st, err)) == R53_OK) {
        /* One byte more than the size, to notice a file growing under us. */
        *cap = (size_t)st.st_size + 1;
        *mode = st.st_mode;
        *buf = malloc(*cap);
        rc = *buf != NULL ? cred_file_read(fd, path, *buf, *cap, got, err)
                          : r53_fail(err, R53_ERR_NOMEM, "out of memory reading %s", path);
    }
    close(fd);
    return rc;
}

r53_rc credentials_from_file(const char *path, const char *profile, bool in_config,
                             struct credentials *out, struct r53_error *err)
{
    char *buf = NULL;
    size_t cap = 0;
    size_t got = 0;
    mode_t mode = 0;
    r53_rc rc = R53_OK;

    if (path == NULL || path[0] == '\0') {
        return r53_fail(err, R53_ERR_NOT_FOUND, "no %s file given",
                        in_config ? "config" : "shared credentials");
    }
    if ((rc = read_file(path, &buf, &cap, &got, &mode, err)) == R53_OK) {
        rc = ini_credentials(buf, got, profile, in_config, path, out, err);
    }
    if (rc == R53_OK && (mode & (S_IRGRP | S_IROTH)) != 0) {
        qb_log(LOG_WARNING, "%s holds a secret key and is readable by %s (mode %04o); chmod 600 it",
               path, (mode & S_IROTH) != 0 ? "everyone" : "its group", (unsigned)(mode & 07777));
    }
    /* The buffer held the whole file, secrets included. */
    if (buf != NULL) {
        mbedtls_platform_zeroize(buf, cap);
        free(buf);
    }
    return rc;
}

/* The settings of profile in one file, where not already set. */
static r53_rc settings_from_file(const char *path, const char *profile, bool in_config,
                                 struct profile_settings *out, struct r53_error *err)
{
    struct ini_scan s = { 0 };
    char *buf = NULL;
    size_t cap = 0;
    size_t got = 0;
    mode_t mode = 0;
    r53_rc rc = read_file(path, &buf, &cap, &got, &mode, err);

    s.profile = profile;
    s.in_config = in_config;
    s.label = path;
    if (rc == R53_OK && got > 0) {
        rc = ini_scan_text(&s, buf, got, err);
    }
    for (int k = 0; rc == R53_OK && k < PROFILE_N_SETTINGS; k++) {
        const struct ini_value *v = ini_pick(&s, (enum ini_key)(KEY_SETTINGS + k));

        if (!out->set[k] && v != NULL && v->len > 0 && v->len < sizeof(out->value[k])) {
            memcpy(out->value[k], v->start, v->len);
            out->value[k][v->len] = '\0';
            out->set[k] = true;
        }
    }
    out->found = out->found || s.profile_seen;
    if (buf != NULL) {
        mbedtls_platform_zeroize(buf, cap);
        free(buf);
    }
    return rc == R53_ERR_NOT_FOUND ? R53_OK : rc;
}

r53_rc profile_settings_read(const char *credentials_file, const char *config_file,
                             const char *profile, struct profile_settings *out,
                             struct r53_error *err)
{
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    if ((rc = settings_from_file(config_file, profile, true, out, err)) != R53_OK) {
        return rc;
    }
    return settings_from_file(credentials_file, profile, false, out, err);
}

struct profile_source {
    /* Copies: callers may free what they passed. */
    char credentials_file[512];
    char config_file[512];
    char profile[256];
    bool has_credentials_file;
    bool has_config_file;
};

static r53_rc profile_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    const struct profile_source *ps = p->impl;
    r53_rc rc = R53_ERR_NOT_FOUND;

    if (ps->has_credentials_file) {
        rc = credentials_from_file(ps->credentials_file, ps->profile, false, out, err);
    }
    if (rc == R53_ERR_NOT_FOUND && ps->has_config_file) {
        rc = credentials_from_file(ps->config_file, ps->profile, true, out, err);
    }
    if (rc == R53_ERR_NOT_FOUND) {
        return r53_fail(
            err, rc, "profile '%s' has no keys in %s%s%s", ps->profile, ps->credentials_file,
            ps->has_credentials_file && ps->has_config_file ? " or " : "", ps->config_file);
    }
    return rc;
}

static void profile_destroy(struct cred_provider *p)
{
    free(p->impl);
}

static const struct cred_provider_ops profile_ops = {
    .get = profile_get,
    .destroy = profile_destroy,
};

struct cred_provider *cred_profile_new(const char *credentials_file, const char *config_file,
                                       const char *profile)
{
    struct profile_source *ps = calloc(1, sizeof(*ps));

    if (ps == NULL) {
        return NULL;
    }
    ps->has_credentials_file = credentials_file != NULL;
    ps->has_config_file = config_file != NULL;
    snprintf(ps->credentials_file, sizeof(ps->credentials_file), "%s",
             credentials_file != NULL ? credentials_file : "");
    snprintf(ps->config_file, sizeof(ps->config_file), "%s",
             config_file != NULL ? config_file : "");
    snprintf(ps->profile, sizeof(ps->profile), "%s", profile);
    return cred_provider_new("profile", &profile_ops, ps);
}
