/* Small helpers every module shares, each written once (in the spirit of
 * curl's lib/curlx/).  No state, no OCF or AWS knowledge. */
#ifndef R53_UTIL_H
#define R53_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Monotonic clock in milliseconds: deadlines and durations. */
int64_t util_now_ms(void);

/* v, or NULL when v is NULL or empty: Pacemaker passes cleared
 * parameters as empty strings, and AWS tools treat empty variables as
 * unset. */
const char *util_unset_if_empty(const char *v);

/* Copy untrusted text into buf (cap >= 4) for a message or a log line:
 * bytes outside printable ASCII become '?', and a copy cut short ends in
 * "..."; so odd bytes or newlines never reach a log.  Returns buf. */
const char *util_printable(const char *s, char *buf, size_t cap);

/* The same for the first len bytes of s (which need not end in NUL). */
const char *util_printable_n(const char *s, size_t len, char *buf, size_t cap);

/* ch, or its lower case for an ASCII capital: never the locale's. */
char util_ascii_lower_char(char ch);

/* s with its ASCII capitals made lower case, in place; returns s. */
char *util_ascii_lower(char *s);

/* s without prefix when it starts with it ("/hostedzone/Z1" -> "Z1"). */
const char *util_strip_prefix(const char *s, const char *prefix);

/* Percent-encode in[0..n) as SigV4 and a query or form value want it:
 * RFC 3986's unreserved characters (A-Z a-z 0-9 - _ . ~, whatever the
 * locale) stay, every other byte becomes %XX in upper-case hex.  Writes
 * into out[outlen] (outlen 0: nothing) what fits of it, whole escapes
 * only, NUL-terminated; returns the length of the whole encoding, as
 * snprintf does. */
size_t util_percent_encode_n(const char *in, size_t n, char *out, size_t outlen);

/* The same for the string in. */
void util_percent_encode(const char *in, char *out, size_t outlen);

/* "2026-12-02T06:00:00Z" (fractions of a second allowed) as seconds
 * since the epoch; false for anything else. */
bool util_parse_iso8601(const char *text, time_t *out);

#endif
