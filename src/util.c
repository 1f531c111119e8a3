#include "util.h"

#include <ctype.h>
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

void util_percent_encode(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in != '\0' && o + 4 < outlen; in++) {
        unsigned char ch = (unsigned char)*in;

        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

/* "2026-12-02T06:00:00Z" (fractions of a second allowed) as epoch s. */
bool util_parse_iso8601(const char *text, time_t *out)
{
    struct tm tm = { 0 };
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);

    if (end != NULL && *end == '.') {
        end += 1 + strspn(end + 1, "0123456789");
    }
    if (end == NULL || strcmp(end, "Z") != 0) {
        return false;
    }
    *out = timegm(&tm);
    return *out > 0;
}
