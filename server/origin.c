/* Origin checks: see origin.h. */
#include "origin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Whether origin is listed in allowed (comma-separated, spaces around
 * items ignored). */
static bool
listed(const char *allowed, const char *origin)
{
	size_t n = strlen(origin);

	while (allowed && *allowed) {
		const char *end = strchr(allowed, ',');
		size_t k;

		while (*allowed == ' ')
			allowed++;
		k = end ? (size_t)(end - allowed) : strlen(allowed);
		while (k && allowed[k - 1] == ' ')
			k--;
		if (k == n && strncasecmp(allowed, origin, n) == 0)
			return true;
		allowed = end ? end + 1 : NULL;
	}
	return false;
}

bool
origin_allowed(struct lws *wsi, const char *allowed, char *why,
               size_t why_len)
{
	char origin[256], host[256];
	const char *rest = NULL;
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);

	if (n <= 0)
		return true; /* not a browser: no page to be fooled */
	if (n >= (int)sizeof origin ||
	    lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0) {
		snprintf(why, why_len, "cross-origin request refused: Origin "
		                       "too long");
		return false;
	}
	if (strncasecmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else if (strncasecmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	/* The page trackd served itself: same host and port as asked. */
	if (rest && lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0 &&
	    strcasecmp(rest, host) == 0)
		return true;
	if (listed(allowed, origin))
		return true;
	snprintf(why, why_len, "cross-origin request refused: Origin %.120s "
	                       "is not this server (see --allow-origin)",
	         origin);
	return false;
}

bool
origin_simple_type(const char *content_type)
{
	static const char *const simple[] = {
		"text/plain", "application/x-www-form-urlencoded",
		"multipart/form-data",
	};
	size_t n;

	if (!content_type)
		return false;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	/* The media type, without parameters ("; charset=..."). */
	n = strcspn(content_type, "; \t");
	for (size_t i = 0; i < sizeof simple / sizeof *simple; i++)
		if (n == strlen(simple[i]) &&
		    strncasecmp(content_type, simple[i], n) == 0)
			return true;
	return false;
}

int
origin_post_check(struct lws *wsi, const char *allowed, char *why,
                  size_t why_len)
{
	char type[128];

	if (!origin_allowed(wsi, allowed, why, why_len))
		return 403;
	if (lws_hdr_copy(wsi, type, sizeof type,
	                 WSI_TOKEN_HTTP_CONTENT_TYPE) > 0 &&
	    origin_simple_type(type)) {
		snprintf(why, why_len, "send the body as application/json, "
		                       "not %.60s", type);
		return 415;
	}
	return 0;
}
