/* The URL and token a scanner program gives its ingest client: checked
 * when the options are read, so that a typo is a usage error, not a
 * retry loop. */
#include "ingest-client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *
ingest_url_parse(const char *url, struct ws_url *u)
{
	const char *h, *end, *colon, *p;
	char *num_end;
	long port;
	size_t len;

	memset(u, 0, sizeof *u);
	if (strncmp(url, "wss://", 6) == 0)
		return "wss:// (TLS) is not supported yet; use ws://";
	if (strncmp(url, "ws://", 5) != 0)
		return "expected ws://HOST:PORT[/PATH]";
	h = url + 5;
	end = h + strcspn(h, "/?#");
	if (*h == '[') {
		/* An IPv6 literal: [addr]:port. */
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (!close || close == h + 1)
			return "expected [IPv6 address] after ws://";
		len = (size_t)(close - h - 1);
		if (len >= sizeof u->host)
			return "host name too long";
		memcpy(u->host, h + 1, len);
		colon = close + 1;
		if (colon == end)
			colon = NULL;
		else if (*colon != ':')
			return "expected :PORT after the IPv6 address";
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		len = (size_t)((colon ? colon : end) - h);
		if (len == 0)
			return "missing host name";
		if (len >= sizeof u->host)
			return "host name too long";
		memcpy(u->host, h, len);
	}
	for (p = u->host; *p; p++) {
		if (*p <= ' ' || *p > '~' || *p == '@')
			return "bad character in the host name";
	}
	if (!colon)
		return "missing :PORT (expected ws://HOST:PORT[/PATH])";
	if (colon[1] < '0' || colon[1] > '9')
		return "expected a port number after ':'";
	errno = 0;
	port = strtol(colon + 1, &num_end, 10);
	if (num_end != end || errno == ERANGE || port < 1 || port > 65535)
		return "expected a port number in 1..65535";
	u->port = (int)port;
	len = (size_t)(end - h);
	if (len >= sizeof u->hostport)
		return "host name too long";
	memcpy(u->hostport, h, len);
	if (*end == '\0') {
		strcpy(u->path, "/");
		return NULL;
	}
	if (*end != '/')
		return "expected the path to start with '/'";
	if (strlen(end) >= sizeof u->path)
		return "path too long";
	for (p = end; *p; p++) {
		if (*p <= ' ' || *p > '~')
			return "bad character in the path";
	}
	strcpy(u->path, end);
	return NULL;
}

const char *
ingest_token_check(const char *token)
{
	if (strlen(token) > INGEST_MAX_TOKEN)
		return "too long (at most 256 characters)";
	for (const char *c = token; *c; c++) {
		if (*c < 0x21 || *c > 0x7e)
			return "expected visible ASCII characters only "
			       "(no spaces)";
	}
	return NULL;
}

/* The first line of file (option opt) into buf: a token, a password. */
static const char *
line_from_file(const char *prog, const char *opt, const char *file,
               char *buf, size_t len, char *why, size_t why_len)
{
	FILE *f = fopen(file, "r");
	struct stat st;
	size_t n;

	if (!f) {
		snprintf(why, why_len, "%s %s: %s", opt, file,
		         strerror(errno));
		return why;
	}
	if (!fgets(buf, (int)len, f)) {
		buf[0] = '\0';
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "%s: warning: %s %s: readable by "
		        "other users (chmod 600 %s)\n", prog, opt, file, file);
	fclose(f);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n + 1 >= len) {
		snprintf(why, why_len, "%s %s: first line too long (at "
		         "most %zu characters)", opt, file, len - 2);
		return why;
	}
	buf[n] = '\0';
	if (n == 0) {
		snprintf(why, why_len, "%s %s: empty first line", opt,
		         file);
		return why;
	}
	return NULL;
}

const char *
ingest_token_get(const char *prog, const char *token, const char *file,
                 char *buf, size_t len, const char **out, char *why,
                 size_t why_len)
{
	const char *from = "--token", *bad;

	*out = NULL;
	if (token && file) {
		snprintf(why, why_len, "--token and --token-file: give one");
		return why;
	}
	if (file) {
		if (line_from_file(prog, "--token-file", file, buf, len, why,
		                   why_len))
			return why;
		token = buf;
		from = "--token-file";
	} else if (!token && getenv("TRACK_TOKEN") &&
	           *getenv("TRACK_TOKEN")) {
		token = getenv("TRACK_TOKEN");
		from = "TRACK_TOKEN";
	}
	if (!token)
		return NULL;
	bad = ingest_token_check(token);
	if (bad) {
		snprintf(why, why_len, "%s: %s", from, bad);
		return why;
	}
	*out = token;
	return NULL;
}

const char *
ingest_mqtt_password_get(const char *prog, const char *file, char *buf,
                         size_t len, const char **out, char *why,
                         size_t why_len)
{
	const char *env = getenv("TRACK_MQTT_PASSWORD");

	*out = NULL;
	if (file) {
		if (line_from_file(prog, "--mqtt-password-file", file, buf, len,
		                   why, why_len))
			return why;
		*out = buf;
	} else if (env && *env) {
		*out = env;
	}
	return NULL;
}
