/* The broker URL and the reports topics: see mqtt-topic.h. */
#include "mqtt-topic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC_ROOT "libtrack/"
#define TOPIC_REPORTS "/reports/"

const char *
mqtt_url_parse(const char *url, struct mqtt_url *u)
{
	const char *h, *end, *port = NULL;
	size_t len;

	memset(u, 0, sizeof *u);
	if (strncmp(url, "mqtts://", 8) == 0) {
		u->tls = true;
		h = url + 8;
	} else if (strncmp(url, "mqtt://", 7) == 0) {
		h = url + 7;
	} else {
		return "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]";
	}
	end = h + strcspn(h, "/?#");
	if (*end && strcmp(end, "/") != 0)
		return "expected nothing after HOST[:PORT] (the topic is "
		       "libtrack/<site>/reports/<scanner>)";
	if (memchr(h, '@', (size_t)(end - h)))
		return "a user or password in the URL would be visible in ps: "
		       "use --mqtt-user and --mqtt-password-file";
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (!close || close == h + 1)
			return "expected [IPv6 address]";
		len = (size_t)(close - h - 1);
		if (close + 1 != end && close[1] != ':')
			return "expected :PORT after the IPv6 address";
		port = close + 1 != end ? close + 1 : NULL;
		h++;
	} else {
		port = memchr(h, ':', (size_t)(end - h));
		len = (size_t)((port ? port : end) - h);
	}
	if (len == 0)
		return "missing host name";
	if (len >= sizeof u->host)
		return "host name too long";
	memcpy(u->host, h, len);
	for (const char *p = u->host; *p; p++)
		if (*p <= ' ' || *p > '~')
			return "bad character in the host name";
	u->port = u->tls ? MQTTS_PORT : MQTT_PORT;
	if (port) {
		char *num_end;
		long v;

		if (port[1] < '0' || port[1] > '9')
			return "expected a port number after ':'";
		errno = 0;
		v = strtol(port + 1, &num_end, 10);
		if (num_end != end || errno == ERANGE || v < 1 || v > 65535)
			return "expected a port number in 1..65535";
		u->port = (int)v;
	}
	return NULL;
}

const char *
mqtt_topic_level_ok(const char *id)
{
	if (!*id)
		return "empty";
	if (strpbrk(id, "/+#"))
		return "'/', '+' and '#' cannot be in an MQTT topic level";
	return NULL;
}

int
mqtt_topic_reports(char *buf, size_t len, const char *site,
                   const char *scanner)
{
	int n;

	if (mqtt_topic_level_ok(site) ||
	    (scanner && mqtt_topic_level_ok(scanner)))
		return -1;
	n = snprintf(buf, len, TOPIC_ROOT "%s" TOPIC_REPORTS "%s", site,
	             scanner ? scanner : "+");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
mqtt_topic_scanner(const char *topic, const char *site, char *out,
                   size_t len)
{
	size_t site_len = strlen(site), n;
	const char *s;

	if (strncmp(topic, TOPIC_ROOT, strlen(TOPIC_ROOT)) != 0 ||
	    strncmp(topic + strlen(TOPIC_ROOT), site, site_len) != 0 ||
	    strncmp(topic + strlen(TOPIC_ROOT) + site_len, TOPIC_REPORTS,
	            strlen(TOPIC_REPORTS)) != 0)
		return "not this site's reports topic (libtrack/<site>/"
		       "reports/<scanner>)";
	s = topic + strlen(TOPIC_ROOT) + site_len + strlen(TOPIC_REPORTS);
	n = strlen(s);
	if (n == 0 || strchr(s, '/'))
		return "expected one scanner id after reports/";
	if (n >= len)
		return "scanner id too long";
	memcpy(out, s, n + 1);
	return NULL;
}
