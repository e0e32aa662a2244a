/* The window of a report or history request (server/query.c), alone:
 * Unix seconds or ISO 8601 times with their zone, and the errors a user
 * reads. */
#include <criterion/criterion.h>

#include "server/query.h"

#define S 1000000LL
/* 2025-11-23T12:13:20Z */
#define T0 1763900000LL

static int64_t from_us, to_us;

static const char *
window(const char *from, const char *to)
{
	return query_window_parse(from, to, (T0 + 86400) * S, &from_us, &to_us);
}

Test(query, iso_8601_times_with_their_zone_are_taken)
{
	cr_assert_null(window("2025-11-23T12:13:20Z", "2025-11-23T13:13:20Z"));
	cr_expect_eq(from_us, T0 * S);
	cr_expect_eq(to_us, (T0 + 3600) * S);
	cr_assert_null(window("2025-11-23T13:13:20+01:00",
	                      "2025-11-23T07:13:20.5-05:00"));
	cr_expect_eq(from_us, T0 * S);
	cr_expect_eq(to_us, T0 * S + S / 2);
	/* A leap day, and Unix seconds as before. */
	cr_assert_null(window("2024-02-29T00:00:00Z", "1763900000.25"));
	cr_expect_eq(from_us, 1709164800LL * S);
	cr_expect_eq(to_us, T0 * S + S / 4);
}

Test(query, a_time_without_a_zone_or_not_a_date_is_refused)
{
	static const char *const bad[] = {
		"2025-11-23T12:13:20",     /* no zone: which instant? */
		"2025-11-23 12:13:20Z",
		"2025-02-29T00:00:00Z",    /* not a leap year */
		"2025-13-01T00:00:00Z",
		"2025-11-31T00:00:00Z",
		"2025-11-23T24:00:00Z",
		"2025-11-23T12:13:20Zjunk",
		"2025-11-23T12:13:20+0100",
		"2025-11-23T12:13:20.Z",
		"yesterday",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_str_eq(window(bad[i], NULL),
		                 "from: expected Unix seconds or an ISO 8601 "
		                 "time with its zone (2025-11-23T12:13:20Z)",
		                 "%s", bad[i]);
	cr_expect_str_eq(window(NULL, "noon"),
	                 "to: expected Unix seconds or an ISO 8601 time with "
	                 "its zone (2025-11-23T12:13:20Z)");
	cr_expect_str_eq(window("2025-11-23T13:13:20Z", "2025-11-23T12:13:20Z"),
	                 "the window is empty: from must be before to");
}

/* A page's cursor goes out as "next" and comes back as before=: the same
 * key, and nothing else taken for one. */
Test(query, a_cursor_comes_back_as_it_went_out)
{
	static const int64_t keys[][2] = {
		{ 1763900000250000, 812 }, { 0, 0 }, { 1, INT64_MAX },
	};
	static const char *const bad[] = {
		"", "12", "12.", ".5", "-1.2", "1.-2", "+1.2", " 1.2", "1.2 ",
		"1.2.3", "1,2", "99999999999999999999.1", "1.x",
	};
	char buf[QUERY_CURSOR_MAX];
	int64_t t, r;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		query_cursor_format(buf, sizeof buf, keys[i][0], keys[i][1]);
		cr_assert_null(query_cursor_parse(buf, &t, &r), "%s", buf);
		cr_expect_eq(t, keys[i][0]);
		cr_expect_eq(r, keys[i][1]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_not_null(query_cursor_parse(bad[i], &t, &r), "%s",
		                   bad[i]);
}

Test(query, a_limit_is_a_whole_number_up_to_the_cap)
{
	size_t n = 0;

	cr_expect(query_limit_parse("1", 10000, &n));
	cr_expect_eq(n, 1);
	cr_expect(query_limit_parse("10000", 10000, &n));
	cr_expect_eq(n, 10000);
	cr_expect_not(query_limit_parse("10001", 10000, &n));
	cr_expect_not(query_limit_parse("0", 10000, &n));
	cr_expect_not(query_limit_parse("-5", 10000, &n));
	cr_expect_not(query_limit_parse(" 5", 10000, &n));
	cr_expect_not(query_limit_parse("5x", 10000, &n));
	cr_expect_not(query_limit_parse("", 10000, &n));
	cr_expect_eq(n, 10000, "untouched when refused");
}
