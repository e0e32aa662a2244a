/* --peer: a list of the web addresses of the other instances. */
#include "peers.h"

#include <string.h>

/* The next item of a comma-separated list: its start into *item, its
 * length as the result; *s moves past it. */
static size_t
next_item(const char **s, const char **item)
{
	const char *comma = strchr(*s, ',');
	size_t n = comma ? (size_t)(comma - *s) : strlen(*s);

	*item = *s;
	*s += comma ? n + 1 : n;
	return n;
}

/* What the page will navigate to: a scheme it can load, a host, and
 * nothing a browser or the JSON would read otherwise. */
static const char *
check_one(const char *u, size_t n)
{
	size_t scheme;

	if (n >= 7 && strncmp(u, "http://", 7) == 0)
		scheme = 7;
	else if (n >= 8 && strncmp(u, "https://", 8) == 0)
		scheme = 8;
	else
		return "each peer is an http:// or https:// URL";
	if (n == scheme || u[scheme] == '/' || u[scheme] == ':')
		return "a peer URL names its host";
	if (n + 1 >= PEER_URL_MAX)
		return "a peer URL is at most 254 characters";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' ||
		    c == '<' || c == '>' || c == '#' || c == '?' || c == '@')
			return "a peer URL has no spaces, quotes, user, query "
			       "or fragment";
	}
	return NULL;
}

const char *
peers_check(const char *list)
{
	const char *why, *item;
	int count = 0;

	for (const char *s = list; s && *s;) {
		size_t n = next_item(&s, &item);

		if (++count > PEERS_MAX)
			return "at most 8 peers";
		if ((why = check_one(item, n)))
			return why;
	}
	if (!list || !*list || list[strlen(list) - 1] == ',')
		return "a peer URL names its host";
	return NULL;
}

size_t
peers_origins(const char *list, char *out, size_t cap)
{
	const char *s = list, *item;
	size_t len = 0;

	if (cap)
		out[0] = '\0';
	while (s && *s) {
		size_t n = next_item(&s, &item);
		/* scheme://host[:port]: up to the first '/' past the "//". */
		const char *host = strstr(item, "//") + 2;
		size_t k = (size_t)(host - item) + strcspn(host, "/,");

		if (k > n)
			k = n;
		if (len + 1 + k + 1 > cap)
			return 0;
		out[len++] = ' ';
		memcpy(out + len, item, k);
		len += k;
		out[len] = '\0';
	}
	return len;
}

json_t *
peers_json(const char *list)
{
	json_t *arr = json_array();
	const char *s = list, *item;

	while (arr && s && *s) {
		char url[PEER_URL_MAX];
		size_t n = next_item(&s, &item);

		memcpy(url, item, n);
		url[n] = '\0';
		/* The page's address, so that a relative path resolves
		 * under it (trackd may sit under a prefix). */
		if (n && url[n - 1] != '/')
			strcat(url, "/");
		if (json_array_append_new(arr, json_string(url)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
