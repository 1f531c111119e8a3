#include "cred_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "sigv4.h"

#define CACHE_MAX 8192

void cred_cache_key(const char *role_arn, const char *external_id, const char *source, char out[65])
{
    char text[4096];

    /* NUL-separated: no two inputs make the same text. */
    int n = snprintf(text, sizeof(text), "%s%c%s%c%s", role_arn, 0,
                     external_id != NULL ? external_id : "", 0, source);

    sigv4_sha256_hex(text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, out);
}

static void cache_path(const char *dir, const char *key, char *out, size_t len)
{
    snprintf(out, len, "%s/route53-credentials-%.16s", dir, key);
}

/* One "name=value" line of text into dst (a secret: the caller wipes). */
static char *field(const char *text, const char *name)
{
    size_t n = strlen(name);

    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');

        if (strncmp(line, name, n) == 0 && line[n] == '=') {
            return credentials_copy_bytes(line + n + 1, end != NULL ? (size_t)(end - line - n - 1)
                                                                    : strlen(line + n + 1));
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return NULL;
}

/* R53_OK with *out (the caller wipes) and *expires while they are good
 * for CRED_CACHE_MARGIN_S more; R53_ERR_NOT_FOUND otherwise. */
r53_rc cred_cache_read(const char *dir, const char *key, time_t now, struct credentials *out,
                       time_t *expires, struct r53_error *err)
{
    char path[600];
    char text[CACHE_MAX + 1];
    char *value = NULL;
    ssize_t n = 0;
    int fd = -1;
    r53_rc rc = R53_ERR_NOT_FOUND;

    *expires = 0;
    cache_path(dir, key, path, sizeof(path));
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return r53_fail(err, R53_ERR_NOT_FOUND, "no cached credentials");
    }
    n = read(fd, text, CACHE_MAX);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    if ((value = field(text, "expires")) != NULL) {
        *expires = (time_t)strtoll(value, NULL, 10);
        free(value);
    }
    memset(out, 0, sizeof(*out));
    out->access_key_id = field(text, "access_key_id");
    out->secret_access_key = field(text, "secret_access_key");
    out->session_token = field(text, "session_token");
    if (out->session_token != NULL && out->session_token[0] == '\0') {
        credentials_wipe_string(out->session_token); /* long-term keys: no token */
        out->session_token = NULL;
    }
    snprintf(out->source, sizeof(out->source), "cached temporary credentials");
    if (out->access_key_id != NULL && out->secret_access_key != NULL &&
        *expires - CRED_CACHE_MARGIN_S > now) {
        rc = R53_OK;
    } else {
        credentials_wipe(out);
        r53_fail(err, rc, "cached credentials absent, unreadable or expiring");
    }
    mbedtls_platform_zeroize(text, sizeof(text));
    return rc;
}

r53_rc cred_cache_write(const char *dir, const char *key, const struct credentials *c,
                        time_t expires, struct r53_error *err)
{
    char path[600];
    char text[CACHE_MAX];
    int n = 0;
    r53_rc rc = R53_OK;

    cache_path(dir, key, path, sizeof(path));
    if (fileio_make_parent(path) != 0) {
        return r53_fail(err, R53_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    }
    n = snprintf(text, sizeof(text),
                 "expires=%lld\naccess_key_id=%s\nsecret_access_key=%s\nsession_token=%s\n",
                 (long long)expires, c->access_key_id, c->secret_access_key,
                 c->session_token != NULL ? c->session_token : "");
    if (n < 0 || (size_t)n >= sizeof(text)) {
        rc = r53_fail(err, R53_ERR_INTERNAL, "credentials too long to cache");
    } else {
        rc = fileio_replace(path, text, (size_t)n, true, err);
    }
    mbedtls_platform_zeroize(text, sizeof(text));
    return rc;
}

/* Wipe and remove the entry (ExpiredToken: it must not be used again). */
void cred_cache_drop(const char *dir, const char *key)
{
    char path[600];

    cache_path(dir, key, path, sizeof(path));
    fileio_wipe(path);
    unlink(path);
}
