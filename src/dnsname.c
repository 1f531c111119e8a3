#include "dnsname.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* a[0..n) and b[0..n) alike but for the case of ASCII letters. */
static bool same_text(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (util_ascii_lower_char(a[i]) != util_ascii_lower_char(b[i])) {
            return false;
        }
    }
    return true;
}

size_t dnsname_trim_dot(const char *name, size_t len)
{
    return len > 0 && name[len - 1] == '.' ? len - 1 : len;
}

bool dnsname_equal(const char *a, const char *b)
{
    size_t la = dnsname_trim_dot(a, strlen(a));
    size_t lb = dnsname_trim_dot(b, strlen(b));

    return la == lb && same_text(a, b, la);
}

bool dnsname_in_zone(const char *name, const char *zone)
{
    size_t n = dnsname_trim_dot(name, strlen(name));
    size_t z = dnsname_trim_dot(zone, strlen(zone));

    return (n == z || (n > z && name[n - z - 1] == '.')) && same_text(name + n - z, zone, z);
}

bool dnsname_canonical(const char *name, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%.*s.", (int)dnsname_trim_dot(name, strlen(name)), name);

    util_ascii_lower(out);
    return n >= 0 && (size_t)n < outlen;
}
