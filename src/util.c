#include "util.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

int64_t util_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *util_unset_if_empty(const char *v)
{
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

const char *util_printable_n(const char *s, size_t len, char *buf, size_t cap)
{
    bool cut = len > cap - 1;
    size_t keep = cut ? cap - 4 : len;

    for (size_t i = 0; i < keep; i++) {
        unsigned char ch = (unsigned char)s[i];

        buf[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (cut) {
        memcpy(buf + keep, "...", 3);
        keep += 3;
    }
    buf[keep] = '\0';
    return buf;
}

const char *util_printable(const char *s, char *buf, size_t cap)
{
    return util_printable_n(s, strlen(s), buf, cap);
}

const char *util_strip_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncmp(s, prefix, n) == 0 ? s + n : s;
}
