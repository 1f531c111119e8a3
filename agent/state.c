#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

#define STATE_MAX 2048

void state_path(const char *rsctmp, const char *instance, char *out, size_t outlen)
{
    char name[256];

    snprintf(name, sizeof(name), "%s", instance);
    for (char *p = name; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '_';
        }
    }
    snprintf(out, outlen, "%s/route53-%s.state", rsctmp, name);
}

r53_rc state_write(const char *path, const struct state *s, struct r53_error *err)
{
    char text[STATE_MAX];
    char failed[sizeof(s->publish_failed)]; /* one line */
    int n = 0;

    if (fileio_make_parent(path) != 0) {
        return r53_fail(err, R53_ERR_IO, "cannot create state directory for %s: %s", path,
                        strerror(errno));
    }
    util_printable(s->publish_failed, failed, sizeof(failed));
    n = snprintf(text, sizeof(text),
                 "zone_id=%s\nfqdn=%s\ntype=%s\nvalue=%s\nttl=%ld\nprivate=%d\nname_servers=%s\n"
                 "owner=%s\nset_identifier=%s\npending_since=%s\npublisher=%ld:%llu\n"
                 "publish_failed=%s\n",
                 s->zone_id, s->fqdn, s->type, s->value, s->ttl, s->private_zone ? 1 : 0,
                 s->name_servers, s->owner, s->set_identifier, s->pending_since, s->publisher_pid,
                 s->publisher_start, failed);
    if (n < 0 || (size_t)n >= sizeof(text)) {
        return r53_fail(err, R53_ERR_INTERNAL, "state for %s is too long", path);
    }
    return fileio_replace(path, text, (size_t)n, false, err);
}

static r53_rc copy_field(const char *path, const char *key, const char *value, char *out,
                         size_t outlen, struct r53_error *err)
{
    if (strlen(value) >= outlen) {
        return r53_fail(err, R53_ERR_IO, "state file %s has an over-long %s", path, key);
    }
    memcpy(out, value, strlen(value) + 1);
    return R53_OK;
}

/* The member's set_identifier and the deferred publish's fields
 * (pending_since, publisher, publish_failed); others are ignored. */
static r53_rc read_publish_field(const char *path, const char *key, const char *value,
                                 struct state *out, struct r53_error *err)
{
    char *end = NULL;

    if (strcmp(key, "set_identifier") == 0) {
        return copy_field(path, key, value, out->set_identifier, sizeof(out->set_identifier), err);
    }
    if (strcmp(key, "pending_since") == 0) {
        return copy_field(path, key, value, out->pending_since, sizeof(out->pending_since), err);
    }
    if (strcmp(key, "publish_failed") == 0) {
        return copy_field(path, key, value, out->publish_failed, sizeof(out->publish_failed), err);
    }
    if (strcmp(key, "publisher") == 0) {
        out->publisher_pid = strtol(value, &end, 10);
        out->publisher_start = *end == ':' ? strtoull(end + 1, NULL, 10) : 0;
        if (out->publisher_pid < 0 || *end != ':') {
            return r53_fail(err, R53_ERR_IO, "state file %s has a bad publisher", path);
        }
    }
    return R53_OK;
}

r53_rc state_read(const char *path, struct state *out, struct r53_error *err)
{
    r53_rc rc = R53_OK;
    char text[STATE_MAX + 1];
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    char *save = NULL;
    bool deferred = false;

    memset(out, 0, sizeof(*out));
    out->ttl = -1;
    if (fd < 0) {
        if (errno == ENOENT) {
            return r53_fail(err, R53_ERR_NOT_FOUND, "no state file %s", path);
        }
        return r53_fail(err, R53_ERR_IO, "cannot open state file %s: %s", path, strerror(errno));
    }
    n = read(fd, text, sizeof(text));
    close(fd);
    if (n < 0 || n > STATE_MAX) {
        return r53_fail(err, R53_ERR_IO, "cannot read state file %s", path);
    }
    text[n] = '\0';
    for (char *line = strtok_r(text, "\n", &save); line != NULL && rc == R53_OK;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (eq == NULL) {
            continue;
        }
        *eq++ = '\0';
        if (strcmp(line, "zone_id") == 0) {
            rc = copy_field(path, line, eq, out->zone_id, sizeof(out->zone_id), err);
        } else if (strcmp(line, "fqdn") == 0) {
            rc = copy_field(path, line, eq, out->fqdn, sizeof(out->fqdn), err);
        } else if (strcmp(line, "type") == 0) {
            rc = copy_field(path, line, eq, out->type, sizeof(out->type), err);
        } else if (strcmp(line, "value") == 0) {
            rc = copy_field(path, line, eq, out->value, sizeof(out->value), err);
        } else if (strcmp(line, "ttl") == 0) {
            out->ttl = strtol(eq, NULL, 10);
        } else if (strcmp(line, "private") == 0) {
            out->private_zone = strcmp(eq, "1") == 0;
        } else if (strcmp(line, "name_servers") == 0) {
            rc = copy_field(path, line, eq, out->name_servers, sizeof(out->name_servers), err);
        } else if (strcmp(line, "owner") == 0) {
            rc = copy_field(path, line, eq, out->owner, sizeof(out->owner), err);
        } else {
            rc = read_publish_field(path, line, eq, out, err);
        }
    }
    deferred = out->pending_since[0] != '\0' || out->publish_failed[0] != '\0';
    if (rc == R53_OK && ((!deferred && (out->zone_id[0] == '\0' || out->fqdn[0] == '\0')) ||
                         out->type[0] == '\0' || out->value[0] == '\0' || out->ttl < 0)) {
        rc = r53_fail(err, R53_ERR_IO, "state file %s is incomplete", path);
    }
    return rc;
}

r53_rc state_remove(const char *path, struct r53_error *err)
{
    if (unlink(path) != 0 && errno != ENOENT) {
        return r53_fail(err, R53_ERR_IO, "cannot remove state file %s: %s", path, strerror(errno));
    }
    return R53_OK;
}
