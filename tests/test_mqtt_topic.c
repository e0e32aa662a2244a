/* The broker URL and the reports topics (libtrack/tools/mqtt-topic.h). */
#include <string.h>

#include <criterion/criterion.h>

#include "mqtt-topic.h"

Test(mqtt_topic, a_url_gives_host_port_and_tls)
{
	struct mqtt_url u;

	cr_assert_null(mqtt_url_parse("mqtt://broker.example.org:1884", &u));
	cr_expect_str_eq(u.host, "broker.example.org");
	cr_expect_eq(u.port, 1884);
	cr_expect(!u.tls);
	cr_assert_null(mqtt_url_parse("mqtts://[::1]:8884/", &u));
	cr_expect_str_eq(u.host, "::1");
	cr_expect_eq(u.port, 8884);
	cr_expect(u.tls);
}

Test(mqtt_topic, the_port_defaults_to_1883_or_8883_with_tls)
{
	struct mqtt_url u;

	cr_assert_null(mqtt_url_parse("mqtt://127.0.0.1", &u));
	cr_expect_eq(u.port, 1883);
	cr_assert_null(mqtt_url_parse("mqtts://broker", &u));
	cr_expect_eq(u.port, 8883);
	cr_assert_null(mqtt_url_parse("mqtt://[fe80::1]", &u));
	cr_expect_str_eq(u.host, "fe80::1");
	cr_expect_eq(u.port, 1883);
}

Test(mqtt_topic, a_password_in_the_url_is_refused)
{
	struct mqtt_url u;

	cr_expect_not_null(mqtt_url_parse("mqtt://u:secret@broker:1883", &u));
	cr_expect_not_null(mqtt_url_parse("mqtt://u@broker", &u));
}

Test(mqtt_topic, anything_else_is_not_a_broker_url)
{
	static const char *const bad[] = {
		"", "broker:1883", "ws://broker:1883/", "mqtt://", "mqtt://:1883",
		"mqtt://broker:", "mqtt://broker:0", "mqtt://broker:65536",
		"mqtt://broker:12x", "mqtt://broker/topic", "mqtt://[::1",
		"mqtt://[]:1883", "mqtt://[::1]x", "mqtt://bro ker",
	};
	struct mqtt_url u;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_not_null(mqtt_url_parse(bad[i], &u), "'%s'", bad[i]);
}

Test(mqtt_topic, a_scanner_publishes_on_its_own_topic)
{
	char t[128];

	cr_assert_eq(mqtt_topic_reports(t, sizeof t, "demo-hospital",
	                                "ap-f0-01"), 0);
	cr_expect_str_eq(t, "libtrack/demo-hospital/reports/ap-f0-01");
	cr_assert_eq(mqtt_topic_reports(t, sizeof t, "demo-hospital", NULL), 0);
	cr_expect_str_eq(t, "libtrack/demo-hospital/reports/+");
}

Test(mqtt_topic, wildcards_cannot_be_in_an_id)
{
	char t[128];

	cr_expect_eq(mqtt_topic_reports(t, sizeof t, "a+b", "s"), -1);
	cr_expect_eq(mqtt_topic_reports(t, sizeof t, "site", "s#"), -1);
	cr_expect_eq(mqtt_topic_reports(t, sizeof t, "", "s"), -1);
	cr_expect_not_null(mqtt_topic_level_ok("a/b"));
	cr_expect_null(mqtt_topic_level_ok("ibeacon:1-2"));
}

Test(mqtt_topic, a_topic_that_does_not_fit_is_refused)
{
	char t[24];

	cr_expect_eq(mqtt_topic_reports(t, sizeof t, "demo-hospital",
	                                "ap-f0-01"), -1);
}

Test(mqtt_topic, the_topic_names_the_scanner)
{
	char s[64];

	cr_assert_null(mqtt_topic_scanner(
		"libtrack/demo-hospital/reports/ap-f0-01", "demo-hospital", s,
		sizeof s));
	cr_expect_str_eq(s, "ap-f0-01");
}

Test(mqtt_topic, another_sites_or_a_deeper_topic_names_no_scanner)
{
	static const char *const bad[] = {
		"libtrack/demo/reports/ap-f0-01",
		"libtrack/demo-hospital-2/reports/ap-f0-01",
		"libtrack/demo-hospital/reports/",
		"libtrack/demo-hospital/reports/ap/extra",
		"libtrack/demo-hospital/report/ap-f0-01",
		"track/demo-hospital/reports/ap-f0-01",
	};
	char s[64];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_not_null(mqtt_topic_scanner(bad[i], "demo-hospital", s,
		                                      sizeof s), "'%s'", bad[i]);
}

Test(mqtt_topic, a_scanner_id_too_long_for_the_buffer_is_refused)
{
	char s[8];

	cr_expect_not_null(mqtt_topic_scanner(
		"libtrack/site/reports/ap-f0-01-long", "site", s, sizeof s));
	cr_expect_null(mqtt_topic_scanner("libtrack/site/reports/ap-1", "site",
	                                  s, sizeof s));
	cr_expect_str_eq(s, "ap-1");
}
