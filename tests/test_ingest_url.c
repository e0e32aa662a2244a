/* A scanner program's broker options, checked as they are read
 * (ingest_mqtt_opts_check, scanners/ingest-client.h): the same for
 * tracksim and trackscan (--mqtt...) and trackbridge (--publish...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ingest-client.h"

/* Criterion runs each test in a process of its own: setenv stays there. */
static void
no_env(void)
{
	unsetenv("TRACK_MQTT_PASSWORD");
}

TestSuite(ingest_mqtt_opts, .init = no_env);

/* A file holding text, mode 0600, its path into path. */
static void
file_with(char *path, size_t len, const char *text)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/test_ingest_url_XXXXXX",
	         tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fchmod(fd, 0600), 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char *
check(struct ingest_mqtt_opts *m, char *why, size_t len)
{
	return ingest_mqtt_opts_check("test", m, why, len);
}

Test(ingest_mqtt_opts, nothing_given_is_not_publishing)
{
	struct ingest_mqtt_opts m = { .opt = "mqtt" };
	char why[256];

	cr_expect_null(check(&m, why, sizeof why));
	cr_expect_null(m.password);
}

Test(ingest_mqtt_opts, the_others_without_the_url_are_refused_by_their_names)
{
	struct ingest_mqtt_opts m = { .opt = "mqtt", .user = "ap-f0-01" };
	char why[256];

	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect_str_eq(why, "--mqtt-user, --mqtt-password-file and "
	                 "--mqtt-cafile go with --mqtt");
	m = (struct ingest_mqtt_opts){ .opt = "publish",
	                               .cafile = "ca.pem" };
	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect_str_eq(why, "--publish-user, --publish-password-file and "
	                 "--publish-cafile go with --publish");
}

Test(ingest_mqtt_opts, a_url_that_is_not_a_broker_is_refused_with_the_reason)
{
	struct ingest_mqtt_opts m = { .opt = "publish",
	                              .url = "ws://127.0.0.1:8080/" };
	char why[256];

	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strncmp(why, "--publish 'ws://127.0.0.1:8080/': expected "
	                  "mqtt://", 41) == 0, "%s", why);
}

Test(ingest_mqtt_opts, a_login_in_the_url_is_refused)
{
	struct ingest_mqtt_opts m = { .opt = "mqtt",
	                              .url = "mqtt://u:secret@broker:1883" };
	char why[256];

	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strstr(why, "--mqtt-password-file") != NULL, "%s", why);
}

Test(ingest_mqtt_opts, an_empty_or_non_utf8_user_is_refused)
{
	struct ingest_mqtt_opts m = { .opt = "publish",
	                              .url = "mqtt://127.0.0.1", .user = "" };
	char why[256];

	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strncmp(why, "--publish-user: ", 16) == 0, "%s", why);
	m.user = "ap\xff";
	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strncmp(why, "--publish-user: ", 16) == 0, "%s", why);
	m.user = "b\xc3\xa9" "b\xc3\xa9";
	cr_expect_null(check(&m, why, sizeof why), "%s", why);
}

Test(ingest_mqtt_opts, a_missing_ca_file_is_refused_by_name)
{
	struct ingest_mqtt_opts m = { .opt = "mqtt",
	                              .url = "mqtts://broker",
	                              .cafile = "/nonexistent/ca.pem" };
	char why[256];

	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect_str_eq(why, "--mqtt-cafile /nonexistent/ca.pem: No such "
	                 "file or directory");
}

Test(ingest_mqtt_opts, the_password_is_the_files_first_line)
{
	struct ingest_mqtt_opts m = { .opt = "publish",
	                              .url = "mqtt://127.0.0.1:1883",
	                              .user = "bridge" };
	char path[128], why[256];

	file_with(path, sizeof path, "s3cret\r\nsecond line\n");
	m.password_file = path;
	setenv("TRACK_MQTT_PASSWORD", "from-the-environment", 1);
	cr_assert_null(check(&m, why, sizeof why), "%s", why);
	cr_expect_str_eq(m.password, "s3cret", "the file before the "
	                 "environment");
	cr_expect_eq(m.password, m.buffer);
	unlink(path);
}

Test(ingest_mqtt_opts, without_a_file_the_password_is_the_environments)
{
	struct ingest_mqtt_opts m = { .opt = "mqtt",
	                              .url = "mqtt://127.0.0.1" };
	char why[256];

	cr_assert_null(check(&m, why, sizeof why));
	cr_expect_null(m.password, "none given: none");
	setenv("TRACK_MQTT_PASSWORD", "from-the-environment", 1);
	cr_assert_null(check(&m, why, sizeof why));
	cr_expect_str_eq(m.password, "from-the-environment");
	setenv("TRACK_MQTT_PASSWORD", "", 1);
	cr_assert_null(check(&m, why, sizeof why));
	cr_expect_null(m.password, "an empty variable is none");
}

Test(ingest_mqtt_opts, an_empty_missing_or_too_long_password_file_is_refused)
{
	struct ingest_mqtt_opts m = { .opt = "publish",
	                              .url = "mqtt://127.0.0.1" };
	char path[128], why[256];
	char *long_line = malloc(INGEST_MAX_PASSWORD + 2);

	file_with(path, sizeof path, "\nsecret\n");
	m.password_file = path;
	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strstr(why, "--publish-password-file") == why, "%s", why);
	cr_expect(strstr(why, "empty first line") != NULL, "%s", why);
	unlink(path);
	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strstr(why, "No such file or directory") != NULL, "%s", why);

	cr_assert_not_null(long_line);
	memset(long_line, 'x', INGEST_MAX_PASSWORD + 1);
	long_line[INGEST_MAX_PASSWORD + 1] = '\0';
	file_with(path, sizeof path, long_line);
	cr_assert_not_null(check(&m, why, sizeof why));
	cr_expect(strstr(why, "first line too long (at most 1024") != NULL,
	          "%s", why);
	unlink(path);
	long_line[INGEST_MAX_PASSWORD] = '\0';
	file_with(path, sizeof path, long_line);
	cr_expect_null(check(&m, why, sizeof why), "1024 characters: %s", why);
	cr_expect_eq(strlen(m.password), INGEST_MAX_PASSWORD);
	unlink(path);
	free(long_line);
}
