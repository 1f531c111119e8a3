/* DNS names as Route 53 and this agent compare and write them: ASCII
 * letters without case (whatever the locale), and one trailing dot
 * optional, so "WWW.Example.com" and "www.example.com." are one name.
 * Route 53 answers with lower case and the trailing dot; the agent
 * writes its record's name so.  No DNS escapes ("\052"): the agent's
 * own names never need them. */
#ifndef R53_DNSNAME_H
#define R53_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>

/* The length of name[0..len) without its trailing dot, if it has one. */
size_t dnsname_trim_dot(const char *name, size_t len);

/* a and b are the same name. */
bool dnsname_equal(const char *a, const char *b);

/* name is zone, or a name below it ("www.example.com" in "example.com."). */
bool dnsname_in_zone(const char *name, const char *zone);

/* name as Route 53 writes it, lower case with one trailing dot, into
 * out[outlen]; false (out cut short) when it does not fit. */
bool dnsname_canonical(const char *name, char *out, size_t outlen);

#endif
