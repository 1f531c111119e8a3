#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
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
/* An IMDS credentials document is about 1.3 KiB. */
#define CRED_MAX_JSON (64 * 1024)

/* ---- ownership ---------------------------------------------------- */

static void wipe_string(char *s)
{
    if (s != NULL) {
        mbedtls_platform_zeroize(s, strlen(s) + 1);
        free(s);
    }
}

void credentials_wipe(struct credentials *c)
{
    if (c == NULL) {
        return;
    }
    wipe_string(c->access_key_id);
    wipe_string(c->secret_access_key);
    wipe_string(c->session_token);
    mbedtls_platform_zeroize(c, sizeof(*c));
}

/* A NUL-terminated copy of len bytes, or NULL when out of memory.
 * The caller wipes and frees it (wipe_string). */
static char *copy_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* Fill c from three byte ranges; token may be NULL.  On failure c is
 * left wiped. */
static r53_rc fill(struct credentials *c, const char *id, size_t id_len, const char *secret,
                   size_t secret_len, const char *token, size_t token_len, const char *source)
{
    c->access_key_id = copy_bytes(id, id_len);
    c->secret_access_key = copy_bytes(secret, secret_len);
    if (token != NULL) {
        c->session_token = copy_bytes(token, token_len);
    }
    if (c->access_key_id == NULL || c->secret_access_key == NULL ||
        (token != NULL && c->session_token == NULL)) {
        credentials_wipe(c);
        return r53_fail(R53_ERR_NOMEM, "out of memory copying credentials");
    }
    snprintf(c->source, sizeof(c->source), "%s", source);
    return R53_OK;
}

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
    rc = fill(&c, id->start, id->len, secret->start, secret->len,
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

/* ---- environment -------------------------------------------------- */

r53_rc credentials_from_env(const char *(*getenv_fn)(const char *), struct credentials *out)
{
    struct credentials c = { 0 };
    const char *id = NULL;
    const char *secret = NULL;
    const char *token = NULL;
    r53_rc rc = R53_OK;

    id = util_unset_if_empty(getenv_fn("AWS_ACCESS_KEY_ID"));
    secret = util_unset_if_empty(getenv_fn("AWS_SECRET_ACCESS_KEY"));
    token = util_unset_if_empty(getenv_fn("AWS_SESSION_TOKEN"));
    if (token == NULL) {
        token = util_unset_if_empty(getenv_fn("AWS_SECURITY_TOKEN"));
    }
    if (id == NULL && secret == NULL) {
        return r53_fail(R53_ERR_NOT_FOUND,
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    }
    if (id == NULL || secret == NULL) {
        return r53_fail(R53_ERR_HOST, "%s is set in the environment but %s is not",
                        id != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                        id != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    }
    rc = fill(&c, id, strlen(id), secret, strlen(secret), token, token != NULL ? strlen(token) : 0,
              "environment");
    if (rc == R53_OK) {
        *out = c;
    }
    return rc;
}

/* ---- instance metadata -------------------------------------------- */

/* json-c keeps every parsed string inside its json_object (inline for
 * short strings, in a malloc'd block otherwise) and frees it without
 * zeroing.  Those bytes belong to the object we are about to release, so
 * casting away json_object_get_string's const to zero them is safe; it
 * is the only way json-c's API leaves to wipe them. */
/* NOLINTNEXTLINE(misc-no-recursion): depth is capped by json_tokener_new()'s 32 levels. */
static void json_wipe(struct json_object *o)
{
    if (json_object_is_type(o, json_type_string)) {
        mbedtls_platform_zeroize((char *)json_object_get_string(o),
                                 (size_t)json_object_get_string_len(o));
    } else if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, value)
        {
            (void)key;
            json_wipe(value);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            json_wipe(json_object_array_get_idx(o, i));
        }
    }
}

/* The tokener assembles each string in its own printbuf before copying
 * it into the object; the last secret parsed is still there.  struct
 * json_tokener is public in json-c 0.13-0.17 (fields marked deprecated);
 * reaching in is the best wipe the library allows. */
static void tokener_free(struct json_tokener *tok)
{
    if (tok == NULL) {
        return;
    }
    if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0) {
        mbedtls_platform_zeroize(tok->pb->buf, (size_t)tok->pb->size);
    }
    json_tokener_free(tok);
}

static r53_rc json_field(struct json_object *root, const char *name, const char **value,
                         size_t *len)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(root, name, &v) || v == NULL) {
        return r53_fail(R53_ERR_PARSE, "instance metadata credentials lack %s", name);
    }
    if (!json_object_is_type(v, json_type_string)) {
        return r53_fail(R53_ERR_PARSE, "instance metadata credentials: %s is not a string", name);
    }
    *value = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    if (*len == 0) {
        return r53_fail(R53_ERR_PARSE, "instance metadata credentials: %s is empty", name);
    }
    if (strlen(*value) != *len) {
        return r53_fail(R53_ERR_PARSE, "instance metadata credentials: %s contains a NUL", name);
    }
    return R53_OK;
}

r53_rc credentials_from_imds_json(const char *json, size_t len, struct credentials *out)
{
    r53_rc rc = R53_OK;
    struct json_tokener *tok = NULL;
    struct json_object *root = NULL;
    struct json_object *code = NULL;
    struct credentials c = { 0 };
    const char *id = NULL;
    const char *secret = NULL;
    const char *token = NULL;
    size_t id_len = 0;
    size_t secret_len = 0;
    size_t token_len = 0;
    enum json_tokener_error jerr = json_tokener_success;

    if (json == NULL || len == 0) {
        return r53_fail(R53_ERR_PARSE, "instance metadata returned empty credentials");
    }
    if (len > CRED_MAX_JSON) {
        return r53_fail(R53_ERR_PARSE,
                        "instance metadata credentials are %zu bytes, more than the %d allowed",
                        len, CRED_MAX_JSON);
    }
    tok = json_tokener_new();
    if (tok == NULL) {
        return r53_fail(R53_ERR_NOMEM, "out of memory parsing instance metadata credentials");
    }
    root = json_tokener_parse_ex(tok, json, (int)len);
    jerr = json_tokener_get_error(tok);
    if (root == NULL) {
        if (jerr == json_tokener_continue) {
            rc = r53_fail(R53_ERR_PARSE, "instance metadata credentials end early (truncated?)");
        } else {
            rc = r53_fail(R53_ERR_PARSE, "instance metadata credentials are not JSON: %s",
                          json_tokener_error_desc(jerr));
        }
        goto cleanup;
    }
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
        if (json[i] != ' ' && json[i] != '\t' && json[i] != '\r' && json[i] != '\n') {
            rc = r53_fail(R53_ERR_PARSE,
                          "instance metadata credentials have data after the JSON object");
            goto cleanup;
        }
    }
    if (!json_object_is_type(root, json_type_object)) {
        rc = r53_fail(R53_ERR_PARSE, "instance metadata credentials are not a JSON object");
        goto cleanup;
    }
    if (json_object_object_get_ex(root, "Code", &code)) {
        struct json_object *message = NULL;
        char code_text[65];
        char message_text[161];

        if (!json_object_is_type(code, json_type_string)) {
            rc = r53_fail(R53_ERR_PARSE, "instance metadata credentials: Code is not a string");
            goto cleanup;
        }
        if (strcmp(json_object_get_string(code), "Success") != 0) {
            util_printable(json_object_get_string(code), code_text, sizeof(code_text));
            message_text[0] = '\0';
            if (json_object_object_get_ex(root, "Message", &message) &&
                json_object_is_type(message, json_type_string)) {
                util_printable(json_object_get_string(message), message_text, sizeof(message_text));
            }
            rc = r53_fail(R53_ERR_AUTH,
                          "instance metadata has no credentials for the role: Code \"%s\"%s%s",
                          code_text, message_text[0] != '\0' ? ": " : "", message_text);
            goto cleanup;
        }
    }
    if ((rc = json_field(root, "AccessKeyId", &id, &id_len)) != R53_OK ||
        (rc = json_field(root, "SecretAccessKey", &secret, &secret_len)) != R53_OK ||
        (rc = json_field(root, "Token", &token, &token_len)) != R53_OK) {
        goto cleanup;
    }
    rc = fill(&c, id, id_len, secret, secret_len, token, token_len, "instance metadata");
    if (rc == R53_OK) {
        *out = c;
    }

cleanup:
    if (root != NULL) {
        json_wipe(root);
        json_object_put(root);
    }
    tokener_free(tok);
    return rc;
}
