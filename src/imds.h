/* EC2 instance metadata over IMDSv2: one session token, then GETs. */
#ifndef R53_IMDS_H
#define R53_IMDS_H

#include "http.h"
#include "rc.h"

struct imds;

/* endpoint: base URL such as "http://169.254.169.254" (no trailing
 * path).  The http client is borrowed, not owned.  NULL on no memory. */
struct imds *imds_new(const char *endpoint, struct http_client *http);
/* Wipes the session token.  NULL-safe. */
void imds_free(struct imds *m);

/* GET /latest/meta-data/<path> with the session token (fetched on first
 * use).  *out is malloc'd and NUL-terminated, trailing whitespace
 * removed; caller frees.  R53_ERR_NOT_FOUND on 404. */
r53_rc imds_get(struct imds *m, const char *path, char **out, struct r53_error *err);

#endif
