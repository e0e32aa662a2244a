/* The URL, token and broker options a scanner program gives its ingest
 * client: checked when the options are read, so that a typo is a usage
 * error, not a retry loop. */
#include "ingest-client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mosquitto.h>

#include "mqtt-topic.h"

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
ingest_password_get(const char *prog, const char *opt, const char *file,
                    const char *env, char *buf, size_t len, const char **out,
                    char *why, size_t why_len)
{
	const char *value = getenv(env);

	*out = NULL;
	if (file) {
		if (line_from_file(prog, opt, file, buf, len, why, why_len))
			return why;
		*out = buf;
	} else if (value && *value) {
		*out = value;
	}
	return NULL;
}

const char *
ingest_mqtt_opts_check(const char *prog, struct ingest_mqtt_opts *m,
                       char *why, size_t why_len)
{
	const char *opt = m->opt, *bad;
	char file_opt[64];
	struct mqtt_url u;
	FILE *f;

	m->password = NULL;
	if (!m->url) {
		if (m->user || m->password_file || m->cafile) {
			snprintf(why, why_len, "--%s-user, --%s-password-file "
			         "and --%s-cafile go with --%s", opt, opt, opt,
			         opt);
			return why;
		}
		return NULL;
	}
	bad = mqtt_url_parse(m->url, &u);
	if (bad) {
		snprintf(why, why_len, "--%s '%s': %s", opt, m->url, bad);
		return why;
	}
	/* MQTT strings are UTF-8, at most 65535 bytes (libmosquitto would
	 * refuse it only when connecting). */
	if (m->user && (!*m->user || strlen(m->user) > 65535 ||
	                mosquitto_validate_utf8(m->user, (int)strlen(m->user))
	                != MOSQ_ERR_SUCCESS)) {
		snprintf(why, why_len, "--%s-user: expected a user name "
		         "(UTF-8, not empty)", opt);
		return why;
	}
	if (m->cafile) {
		f = fopen(m->cafile, "r");
		if (!f) {
			snprintf(why, why_len, "--%s-cafile %s: %s", opt,
			         m->cafile, strerror(errno));
			return why;
		}
		fclose(f);
		if (!u.tls)
			fprintf(stderr, "%s: warning: --%s-cafile goes with "
			        "mqtts:// and is not used for %s\n", prog, opt,
			        m->url);
	}
	snprintf(file_opt, sizeof file_opt, "--%s-password-file", opt);
	return ingest_password_get(prog, file_opt, m->password_file,
	                           "TRACK_MQTT_PASSWORD", m->buffer,
	                           sizeof m->buffer, &m->password, why,
	                           why_len);
}
