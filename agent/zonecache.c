#include "zonecache.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "sigv4.h"

#define ZONECACHE_MAGIC 0x5a4e3533u /* "ZN53" */

/* What the file holds: one record, whole or not at all. */
struct entry {
    unsigned magic;
    unsigned size;
    long long written; /* time() */
    struct r53_zone zone;
};

int zonecache_open(const char *dir, const char *key, int64_t deadline_ms)
{
    char hash[65];
    char path[600];
    int fd = -1;

    sigv4_sha256_hex(key, strlen(key), hash);
    snprintf(path, sizeof(path), "%s/route53-zone-%.16s", dir, hash);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return -1; /* no cache: every start asks the API, as before */
    }
    /* The first start of a storm looks the zone up; the others wait. */
    if (fileio_lock(fd, deadline_ms, NULL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool zonecache_read(int fd, struct r53_zone *out)
{
    struct entry e;
    long long now = (long long)time(NULL);

    if (fd < 0 || pread(fd, &e, sizeof(e), 0) != (ssize_t)sizeof(e) || e.magic != ZONECACHE_MAGIC ||
        e.size != sizeof(e) || e.written > now || now - e.written > ZONECACHE_TTL_S ||
        e.zone.id[0] == '\0' || memchr(e.zone.id, '\0', sizeof(e.zone.id)) == NULL ||
        memchr(e.zone.name, '\0', sizeof(e.zone.name)) == NULL ||
        e.zone.n_name_servers > R53_MAX_NAME_SERVERS) {
        return false;
    }
    for (size_t i = 0; i < e.zone.n_name_servers; i++) {
        if (memchr(e.zone.name_servers[i], '\0', sizeof(e.zone.name_servers[i])) == NULL) {
            return false;
        }
    }
    *out = e.zone;
    return true;
}

void zonecache_write(int fd, const struct r53_zone *zone)
{
    struct entry e;

    if (fd < 0) {
        return;
    }
    memset(&e, 0, sizeof(e));
    e.magic = ZONECACHE_MAGIC;
    e.size = sizeof(e);
    e.written = (long long)time(NULL);
    e.zone = *zone;
    if (pwrite(fd, &e, sizeof(e), 0) != (ssize_t)sizeof(e) || ftruncate(fd, sizeof(e)) != 0) {
        zonecache_forget(fd); /* a torn entry must not be read */
    }
}

void zonecache_forget(int fd)
{
    if (fd >= 0 && ftruncate(fd, 0) != 0) {
        /* nothing more to do: a reader checks the size */
    }
}

void zonecache_close(int fd)
{
    if (fd >= 0) {
        close(fd); /* releases the lock */
    }
}
