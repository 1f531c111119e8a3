/* The HTTP client's own implementation, the default behind
 * http_client_new when no proxy is set: HTTP/1.1 over a socket, TLS 1.2
 * by mbedTLS (which the agent links for its crypto anyway).  Measured,
 * loading libcurl and OpenSSL cost a monitor that reads the API more
 * than everything else it does; this costs a fraction (README,
 * "Why these libraries").
 *
 * What it speaks: http:// and https:// URLs (a host name, an IPv4
 * address or a bracketed IPv6 one, a port), GET/POST/PUT, answers framed
 * by Content-Length, by chunks or by the end of the connection.  One
 * connection is kept per client and reused by the next request to the
 * same place.  Certificates are always verified: the chain against
 * ca_bundle (or the system's bundle), the name against the host's DNS
 * names, an address against the certificate's IP addresses.  No
 * proxies (http_curl.c serves those), redirects or compression.  Its
 * limits and guarantees are otherwise http.h's. */
#ifndef R53_HTTP_TLS_H
#define R53_HTTP_TLS_H

#include "http.h"

/* The table (static: never freed). */
const struct http_ops *http_tls_ops(void);

#endif
