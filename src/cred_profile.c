#include "credentials.h"

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

enum ini_key { KEY_ID, KEY_SECRET, KEY_TOKEN, KEY_LEGACY_TOKEN, KEY_COUNT };

static const char *const ini_key_names[KEY_COUNT] = {
    [KEY_ID] = "aws_access_key_id",
    [KEY_SECRET] = "aws_secret_access_key",
    [KEY_TOKEN] = "aws_session_token",
    [KEY_LEGACY_TOKEN] = "aws_security_token",
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

/* Split s[0..len) into words as Python's shlex.split(s) does (POSIX mode,
 * no comments), writing them NUL-terminated one after the other into out,
 * which has room for len + 1 bytes (a word is never longer than its
 * source, and words are separated by at least one blank).  Returns the
 * number of words, or -1 for an unterminated quote or a trailing
 * backslash (botocore then ignores the section). */
static int shlex_words(const char *s, size_t len, char *out)
{
    size_t o = 0;
    int words = 0;
    bool in_word = false;
    char quote = '\0';

    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (quote == '\'') {
            if (ch == '\'') {
                quote = '\0';
            } else {
                out[o++] = ch;
            }
        } else if (quote == '"') {
            if (ch == '"') {
                quote = '\0';
            } else if (ch == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\')) {
                out[o++] = s[++i];
            } else {
                out[o++] = ch;
            }
        } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            if (in_word) {
                out[o++] = '\0';
                in_word = false;
            }
        } else {
            if (!in_word) {
                in_word = true;
                words++;
            }
            if (ch == '\'' || ch == '"') {
                quote = ch;
            } else if (ch == '\\') {
                if (i + 1 == len) {
                    return -1;
                }
                out[o++] = s[++i];
            } else {
                out[o++] = ch;
            }
        }
    }
    if (quote != '\0') {
        return -1;
    }
    if (in_word) {
        out[o++] = '\0';
    }
    return words;
}

static enum ini_layer section_layer(const struct ini_scan *s, const char *name, size_t len)
{
    char words[CRED_MAX_LINE + 1];
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
    if (shlex_words(name, len, words) != 2) {
        return LAYER_NONE;
    }
    return strcmp(words + strlen(words) + 1, s->profile) == 0 ? LAYER_PROFILE : LAYER_NONE;
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

/* One pass over the text, recording where our keys' values are. */
static r53_rc ini_scan_text(struct ini_scan *s, const char *text, size_t len)
{
    size_t pos = 0;
    unsigned lineno = 0;
    bool in_section = false;
    enum ini_layer layer = LAYER_NONE;
    bool have_opt = false; /* a key line is open for continuation */
    size_t opt_indent = 0; /* indentation of the last non-continuation line */
    struct ini_value *opt = NULL;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    while (pos < len) {
        const char *line = text + pos;
        size_t n = 0;
        size_t a = 0;
        size_t b = 0;

        while (pos + n < len && line[n] != '\n' && line[n] != '\r') {
            n++;
        }
        pos += n;
        if (pos < len) {
            pos += (text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n') ? 2 : 1;
        }
        lineno++;
        if (n > CRED_MAX_LINE) {
            return r53_fail(R53_ERR_HOST, "%s line %u is longer than %d bytes", s->label, lineno,
                            CRED_MAX_LINE);
        }
        if (memchr(line, '\0', n) != NULL) {
            return r53_fail(R53_ERR_HOST, "%s line %u contains a NUL byte; is it a text file?",
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
        if (a == b || line[a] == '#' || line[a] == ';') {
            continue;
        }
        if (have_opt && a > opt_indent) {
            if (opt != NULL && opt->continued == 0) {
                opt->continued = lineno;
            }
            continue;
        }
        opt_indent = a;
        if (line[a] == '[') {
            size_t r = b;

            while (r > a + 1 && line[r - 1] != ']') {
                r--;
            }
            /* r - 1 is the last ']'; the name must not be empty. */
            if (r > a + 2) {
                in_section = true;
                have_opt = false;
                opt = NULL;
                layer = section_layer(s, line + a + 1, r - 1 - (a + 1));
                if (layer == LAYER_PROFILE) {
                    s->profile_seen = true;
                }
                continue;
            }
        }
        if (!in_section) {
            continue;
        }
        {
            size_t d = a;
            size_t k = 0;
            size_t v = 0;

            while (d < b && line[d] != '=' && line[d] != ':') {
                d++;
            }
            if (d == b) {
                continue; /* neither key nor section: configparser errs, we skip */
            }
            k = d;
            while (k > a && ini_space(line[k - 1])) {
                k--;
            }
            v = d + 1;
            while (v < b && ini_space(line[v])) {
                v++;
            }
            have_opt = k > a;
            opt = have_opt ? key_slot(s, layer, line + a, k - a) : NULL;
            if (opt != NULL) {
                opt->start = line + v;
                opt->len = b - v;
                opt->continued = 0;
                opt->set = true;
            }
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

/* Parse text and fill *out; label names the file in messages. */
static r53_rc ini_credentials(const char *text, size_t len, const char *profile, bool in_config,
                              const char *label, struct credentials *out)
{
    struct ini_scan s = { 0 };
    struct credentials c = { 0 };
    const struct ini_value *id = NULL;
    const struct ini_value *secret = NULL;
    const struct ini_value *token = NULL;
    const struct ini_value *check[3] = { NULL };
    const char *names[3] = { NULL };
    r53_rc rc = R53_OK;

    if (profile == NULL || profile[0] == '\0') {
        return r53_fail(R53_ERR_INTERNAL, "no profile name given for %s", label);
    }
    if (len > CRED_MAX_FILE) {
        return r53_fail(R53_ERR_HOST, "%s is larger than %d bytes; is it the right file?", label,
                        CRED_MAX_FILE);
    }
    s.profile = profile;
    s.in_config = in_config;
    s.label = label;
    if (len > 0 && (rc = ini_scan_text(&s, text, len)) != R53_OK) {
        return rc;
    }
    if (!s.profile_seen) {
        return r53_fail(R53_ERR_NOT_FOUND, "profile '%.100s' not found in %s", profile, label);
    }
    id = ini_pick(&s, KEY_ID);
    secret = ini_pick(&s, KEY_SECRET);
    token = ini_pick(&s, KEY_TOKEN);
    names[2] = ini_key_names[KEY_TOKEN];
    if (token == NULL) {
        token = ini_pick(&s, KEY_LEGACY_TOKEN);
        names[2] = ini_key_names[KEY_LEGACY_TOKEN];
    }
    if (id == NULL && secret == NULL) {
        return r53_fail(R53_ERR_NOT_FOUND, "profile '%.100s' in %s has no %s", profile, label,
                        ini_key_names[KEY_ID]);
    }
    check[0] = id;
    check[1] = secret;
    check[2] = token;
    names[0] = ini_key_names[KEY_ID];
    names[1] = ini_key_names[KEY_SECRET];
    /* First: an indented line after the key explains a "missing" one. */
    for (int i = 0; i < 3; i++) {
        if (check[i] != NULL && check[i]->continued != 0) {
            return r53_fail(R53_ERR_HOST,
                            "%s line %u: the indented line continues %s of profile '%.100s'; "
                            "put the value on one line",
                            label, check[i]->continued, names[i], profile);
        }
    }
    if (id == NULL || secret == NULL) {
        return r53_fail(R53_ERR_HOST, "profile '%.100s' in %s has %s but no %s", profile, label,
                        ini_key_names[id != NULL ? KEY_ID : KEY_SECRET],
                        ini_key_names[id != NULL ? KEY_SECRET : KEY_ID]);
    }
    for (int i = 0; i < 2; i++) {
        if (check[i]->len == 0) {
            return r53_fail(R53_ERR_HOST, "profile '%.100s' in %s has an empty %s", profile, label,
                            names[i]);
        }
    }
    if (token != NULL && token->len == 0) {
        token = NULL;
    }
    rc = credentials_fill(&c, id->start, id->len, secret->start, secret->len,
                          token != NULL ? token->start : NULL, token != NULL ? token->len : 0,
                          in_config ? "config file" : "shared credentials file");
    if (rc == R53_OK) {
        *out = c;
    }
    return rc;
}

r53_rc credentials_from_ini(const char *text, size_t len, const char *profile, bool in_config,
                            struct credentials *out)
{
    return ini_credentials(text, len, profile, in_config,
                           in_config ? "the config file" : "the shared credentials file", out);
}

r53_rc credentials_from_file(const char *path, const char *profile, bool in_config,
                             struct credentials *out)
{
    r53_rc rc = R53_OK;
    int fd = -1;
    struct stat st = { 0 };
    char *buf = NULL;
    size_t cap = 0;
    size_t got = 0;

    if (path == NULL || path[0] == '\0') {
        return r53_fail(R53_ERR_NOT_FOUND, "no %s file given",
                        in_config ? "config" : "shared credentials");
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return r53_fail(R53_ERR_NOT_FOUND, "%s does not exist", path);
        }
        return r53_fail(R53_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = r53_fail(R53_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = r53_fail(R53_ERR_IO, "%s is not a regular file", path);
        goto cleanup;
    }
    if (st.st_size > CRED_MAX_FILE) {
        rc = r53_fail(R53_ERR_HOST,
                      "%s is %lld bytes, more than the %d allowed; "
                      "is it the right file?",
                      path, (long long)st.st_size, CRED_MAX_FILE);
        goto cleanup;
    }
    /* One byte more than the size, to notice a file growing under us. */
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (buf == NULL) {
        rc = r53_fail(R53_ERR_NOMEM, "out of memory reading %s", path);
        goto cleanup;
    }
    for (;;) {
        ssize_t n = 0;

        if (got == cap) {
            rc = r53_fail(R53_ERR_IO, "%s changed while being read; try again", path);
            goto cleanup;
        }
        n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = r53_fail(R53_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            goto cleanup;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    rc = ini_credentials(buf, got, profile, in_config, path, out);
    if (rc == R53_OK && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        qb_log(LOG_WARNING, "%s holds a secret key and is readable by %s (mode %04o); chmod 600 it",
               path, (st.st_mode & S_IROTH) != 0 ? "everyone" : "its group",
               (unsigned)(st.st_mode & 07777));
    }

cleanup:
    /* The buffer held the whole file, secrets included. */
    if (buf != NULL) {
        mbedtls_platform_zeroize(buf, cap);
        free(buf);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

struct profile_source {
    const char *credentials_file;
    const char *config_file;
    const char *profile;
};

static r53_rc profile_get(struct cred_provider *p, struct credentials *out)
{
    const struct profile_source *ps = p->impl;
    r53_rc rc = credentials_from_file(ps->credentials_file, ps->profile, false, out);

    if (rc == R53_ERR_NOT_FOUND) {
        rc = credentials_from_file(ps->config_file, ps->profile, true, out);
    }
    if (rc == R53_ERR_NOT_FOUND) {
        return r53_fail(rc, "profile '%s' has no keys in %s or %s", ps->profile,
                        ps->credentials_file, ps->config_file);
    }
    return rc;
}

static void profile_destroy(struct cred_provider *p)
{
    free(p->impl);
}

static const struct cred_provider_ops profile_ops = { profile_get, NULL, NULL, profile_destroy };

struct cred_provider *cred_profile_new(const char *credentials_file, const char *config_file,
                                       const char *profile)
{
    struct profile_source *ps = malloc(sizeof(*ps));

    if (ps == NULL) {
        return NULL;
    }
    *ps = (struct profile_source){ credentials_file, config_file, profile };
    return cred_provider_new("profile", &profile_ops, ps);
}
