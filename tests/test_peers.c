/* --peer: the other instances' pages, checked, and as the page is told. */
#include <criterion/criterion.h>

#include <jansson.h>
#include <string.h>

#include "server/peers.h"

Test(peers, takes_http_and_https_pages_with_ports_and_prefixes)
{
	cr_expect_null(peers_check("http://127.0.0.1:8081/"));
	cr_expect_null(peers_check("https://track-b.example.org"));
	cr_expect_null(peers_check("https://b.example.org/track/,"
	                           "http://[::1]:8082"));
}

Test(peers, refuses_what_the_page_could_not_or_should_not_load)
{
	const char *bad[] = {
		"", "127.0.0.1:8081", "ftp://b.example.org/", "javascript:alert(1)",
		"http://", "http:///path", "http://:8081/",
		"http://b.example.org/,", ",http://b.example.org/",
		"http://b.example.org/ x", "http://b.example.org/\"",
		"http://b.example.org/?token=x", "http://b.example.org/#f0",
		"http://user@b.example.org/",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_not_null(peers_check(bad[i]), "'%s' taken", bad[i]);
}

Test(peers, at_most_eight)
{
	char list[1024] = "";

	for (int i = 0; i < 9; i++) {
		char one[64];

		snprintf(one, sizeof one, "%shttp://10.0.0.%d:8080/",
		         i ? "," : "", i + 1);
		strcat(list, one);
		if (i == 7)
			cr_expect_null(peers_check(list));
	}
	cr_expect_str_eq(peers_check(list), "at most 8 peers");
}

Test(peers, a_url_of_255_characters_is_refused)
{
	char url[300] = "http://";

	memset(url + 7, 'b', 248);
	url[255] = '\0';
	cr_expect_not_null(peers_check(url));
	url[253] = '\0';
	cr_expect_null(peers_check(url));
}

Test(peers, the_page_is_told_each_with_a_trailing_slash)
{
	json_t *a = peers_json("http://127.0.0.1:8081,https://b.example.org/t/");

	cr_assert_not_null(a);
	cr_assert_eq(json_array_size(a), 2);
	cr_expect_str_eq(json_string_value(json_array_get(a, 0)),
	                 "http://127.0.0.1:8081/");
	cr_expect_str_eq(json_string_value(json_array_get(a, 1)),
	                 "https://b.example.org/t/");
	json_decref(a);
	a = peers_json(NULL);
	cr_assert_not_null(a);
	cr_expect_eq(json_array_size(a), 0);
	json_decref(a);
}

Test(peers, their_origins_are_what_a_content_security_policy_lists)
{
	char out[128];

	cr_expect_eq(peers_origins("http://127.0.0.1:8081/,https://b.example."
	                           "org/track/,http://[::1]:8082",
	                           out, sizeof out),
	             strlen(out));
	cr_expect_str_eq(out, " http://127.0.0.1:8081 https://b.example.org"
	                      " http://[::1]:8082");
	cr_expect_eq(peers_origins(NULL, out, sizeof out), 0);
	cr_expect_str_eq(out, "");
	/* Too long for out: nothing half-written is used. */
	cr_expect_eq(peers_origins("https://b.example.org/", out, 10), 0);
}
