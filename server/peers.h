/* The other trackd of a pair (--peer): the addresses of their web pages,
 * which this one's page is told (GET /api/v1/whoami) so that a guard's
 * map fails over to another instance by itself when its own goes away. */
#ifndef TRACKD_PEERS_H
#define TRACKD_PEERS_H

#include <stddef.h>

#include <jansson.h>

/* At most this many peers, each URL at most PEER_URL_MAX bytes. */
#define PEERS_MAX 8
#define PEER_URL_MAX 256

/* NULL when list (comma-separated http:// or https:// URLs of trackd's
 * pages) is well formed; otherwise why not (a constant string). */
const char *peers_check(const char *list);

/* The origins (scheme://host[:port]) of list (checked) into out, each
 * after a space, as a Content-Security-Policy source list takes them;
 * their length, or 0 when they do not fit in cap bytes (with the '\0').
 * out is "" for NULL. */
size_t peers_origins(const char *list, char *out, size_t cap);

/* list (checked) as a JSON array of URLs, each ending in "/"; an empty
 * array for NULL. NULL when out of memory. */
json_t *peers_json(const char *list);

#endif
