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

char util_ascii_lower_char(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

char *util_ascii_lower(char *s)
{
    for (char *p = s; *p != '\0'; p++) {
        *p = util_ascii_lower_char(*p);
    }
    return s;
}

const char *util_strip_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncmp(s, prefix, n) == 0 ? s + n : s;
}

/* RFC 3986's unreserved characters, by explicit ranges: isalnum()
 * would let the locale decide. */
static bool unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

size_t util_percent_encode_n(const char *in, size_t n, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t need = 0;
    size_t kept = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        char esc[3] = { '%', hex[ch >> 4], hex[ch & 15] };
        size_t k = unreserved(ch) ? 1 : 3;

        /* Once one does not fit, none after it is written. */
        if (kept == need && need + k < outlen) {
            memcpy(out + kept, k == 1 ? in + i : esc, k);
            kept += k;
        }
        need += k;
    }
    if (outlen > 0) {
        out[kept] = '\0';
    }
    return need;
}

void util_percent_encode(const char *in, char *out, size_t outlen)
{
    util_percent_encode_n(in, strlen(in), out, outlen);
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
