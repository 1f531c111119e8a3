/* The HTTP client's libcurl implementation, the default behind
 * http_client_new.  Its limits and guarantees are http.h's. */
#ifndef R53_HTTP_CURL_H
#define R53_HTTP_CURL_H

#include "http.h"

/* The table (static: never freed). */
const struct http_ops *http_curl_ops(void);

#endif
