/* Requests from other web pages. A browser lets any page it shows open a
 * WebSocket to trackd, or POST a "simple" body (text/plain, a form) to it,
 * without asking; on a trackd without tokens that page could then watch
 * the live stream or press a badge's button. Browsers say which page asks
 * (Origin); scanners, curl and other programs send none. */
#ifndef TRACKD_ORIGIN_H
#define TRACKD_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

/* Whether wsi's request may go on: it has no Origin, or its Origin is the
 * page trackd itself served (scheme://Host of the request), or one of
 * allowed (comma-separated origins, as "https://track.example.org"; NULL:
 * none). When not, why (for the log and the answer) goes into why. */
bool origin_allowed(struct lws *wsi, const char *allowed, char *why,
                    size_t why_len);

/* Whether a POST body of this Content-Type (NULL: none given) is one a
 * page on another site could send without asking: text/plain,
 * application/x-www-form-urlencoded or multipart/form-data. */
bool origin_simple_type(const char *content_type);

/* For a POST: 0 when it may go on; 403 from a foreign Origin; 415 with a
 * simple body type (a JSON body from another page needs the browser to ask
 * first, which trackd never grants). why says why. */
int origin_post_check(struct lws *wsi, const char *allowed, char *why,
                      size_t why_len);

#endif
