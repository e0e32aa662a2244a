/* Untrusted text for CSV and the log (server/escape.h). */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "server/escape.h"

static const char *
csv(const char *s)
{
	static char buf[256];

	escape_csv(buf, sizeof buf, s);
	return buf;
}

Test(escape, plain_text_is_written_as_it_is)
{
	cr_expect_str_eq(csv("badge-0042"), "badge-0042");
	cr_expect_str_eq(csv("ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-1-2"),
	                 "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-1-2");
	cr_expect_str_eq(csv(""), "");
	cr_expect_str_eq(csv(NULL), "");
}

Test(escape, a_comma_or_newline_cannot_forge_a_row)
{
	cr_expect_str_eq(csv("a,b"), "\"a,b\"");
	cr_expect_str_eq(csv("x\n1,2,3"), "\"x\n1,2,3\"");
	cr_expect_str_eq(csv("x\r\ny"), "\"x\r\ny\"");
	cr_expect_str_eq(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
}

Test(escape, a_formula_is_neutralised_with_a_single_quote)
{
	cr_expect_str_eq(csv("=HYPERLINK(\"http://x\")"),
	                 "\"'=HYPERLINK(\"\"http://x\"\")\"");
	cr_expect_str_eq(csv("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
	cr_expect_str_eq(csv("-2+3"), "'-2+3");
	cr_expect_str_eq(csv("@SUM(A1)"), "'@SUM(A1)");
	cr_expect_str_eq(csv("\tx"), "'\tx");
	cr_expect_str_eq(csv("\rx"), "\"'\rx\"");
	/* Only a leading one counts. */
	cr_expect_str_eq(csv("a=b"), "a=b");
}

Test(escape, csv_says_the_length_it_needs_and_cuts_safely)
{
	char small[4];

	cr_expect_eq(escape_csv(small, sizeof small, "a,bcdef"), 9);
	cr_expect_str_eq(small, "\"a,");
	cr_expect_eq(escape_csv(NULL, 0, "=x"), 3);
}

Test(escape, log_text_cannot_forge_lines_or_carry_escapes)
{
	char buf[128];

	escape_log(buf, sizeof buf, "security lead\nalarm 7 acknowledged by x");
	cr_expect_str_eq(buf, "security lead\\x0aalarm 7 acknowledged by x");
	escape_log(buf, sizeof buf, "\x1b[2J\\ \xc3\xa9");
	cr_expect_str_eq(buf, "\\x1b[2J\\x5c \\xc3\\xa9");
	cr_expect_eq(escape_log(NULL, 0, "\x7f"), 4);
}

Test(escape, tag_ids_are_the_printable_set_of_site_ids)
{
	const char *good[] = { "badge-0042", "aa:bb:cc:dd:ee:ff",
		               "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-1-2",
		               "eddystone:00112233445566778899-aabbccddeeff",
		               "altbeacon:0011", "apple:1005:9-26", "=x" };
	const char *bad[] = { "", "a b", "a,b", "a\"b", "a\\b", "a/b",
		              "a\nb", "\x1b[31m", "caf\xc3\xa9", "a\x7f" };
	char longest[64], too_long[65];

	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		cr_expect(escape_tag_id_ok(good[i], 64), "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect(!escape_tag_id_ok(bad[i], 64), "%s", bad[i]);
	cr_expect(!escape_tag_id_ok(NULL, 64));
	memset(longest, 'a', 63);
	longest[63] = '\0';
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	cr_expect(escape_tag_id_ok(longest, 64));
	cr_expect(!escape_tag_id_ok(too_long, 64));
}

Test(escape, a_field_longer_than_the_buffer_comes_whole_from_the_heap)
{
	char buf[8], *heap, big[64];
	const char *f;

	f = escape_csv_field("a,b", buf, sizeof buf, &heap);
	cr_assert_eq(f, buf);
	cr_assert_null(heap);
	cr_assert_str_eq(f, "\"a,b\"");
	memset(big, 'x', sizeof big - 1);
	big[0] = '=';
	big[sizeof big - 1] = '\0';
	f = escape_csv_field(big, buf, sizeof buf, &heap);
	cr_assert_not_null(heap);
	cr_assert_eq(f, heap);
	cr_assert_eq(strlen(f), sizeof big);
	cr_assert_eq(f[0], '\'');
	free(heap);
}
