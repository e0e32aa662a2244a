/* The security headers on every answer trackd gives: lws's best-practice
 * set, whose Content-Security-Policy the page of a pair (--peer) needs
 * widened, since it asks the other instances whether they are up before
 * it moves there (web/failover.js). */
#ifndef TRACKD_HEADERS_H
#define TRACKD_HEADERS_H

#include <libwebsockets.h>

#include "peers.h"

struct security_headers {
	struct lws_protocol_vhost_options list[5];
	/* The policy, with room for PEERS_MAX origins. */
	char csp[256 + PEERS_MAX * PEER_URL_MAX];
};

/* Fills h for the peers (a checked --peer list, or NULL); the list is
 * &h->list[0], for lws_context_creation_info.headers. */
void security_headers_init(struct security_headers *h, const char *peers);

#endif
