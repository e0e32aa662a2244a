/* Security headers: see headers.h. */
#include "headers.h"

#include <stdio.h>

void
security_headers_init(struct security_headers *h, const char *peers)
{
	char origins[PEERS_MAX * PEER_URL_MAX];
	static const char *const fixed[][2] = {
		{ "x-content-type-options:", "nosniff" },
		{ "x-xss-protection:", "1; mode=block" },
		{ "x-frame-options:", "deny" },
		{ "referrer-policy:", "no-referrer" },
	};
	size_t n = sizeof fixed / sizeof *fixed;

	/* Nothing but the page's own origin and WebSockets, as lws's
	 * LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE
	 * gives, plus the peers' origins for the page's probes. Every
	 * origin fits (peers.h's bounds). */
	peers_origins(peers, origins, sizeof origins);
	snprintf(h->csp, sizeof h->csp,
	         "default-src 'none'; img-src 'self' data: ; "
	         "script-src 'self'; font-src 'self'; style-src 'self'; "
	         "connect-src 'self' ws: wss:%s; frame-ancestors 'none'; "
	         "base-uri 'none';form-action 'self';",
	         origins);
	h->list[0] = (struct lws_protocol_vhost_options){
		.next = &h->list[1],
		.name = "content-security-policy:",
		.value = h->csp,
	};
	for (size_t i = 0; i < n; i++)
		h->list[i + 1] = (struct lws_protocol_vhost_options){
			.next = i + 1 < n ? &h->list[i + 2] : NULL,
			.name = fixed[i][0],
			.value = fixed[i][1],
		};
}
