/* The contract-CSV reader (libtrack/tools/csv.h) and the scanners.csv
 * loader built on it (libtrack/tools/sitecsv.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "csv.h"
#include "sitecsv.h"

#define MAX_TEMPS 8

/* Every test runs in its own process, so this list is per test. */
static char temps[MAX_TEMPS][64];
static size_t n_temps;

static void
remove_temps(void)
{
	for (size_t i = 0; i < n_temps; i++)
		unlink(temps[i]);
	n_temps = 0;
}

TestSuite(csv, .fini = remove_temps);
TestSuite(sitecsv, .fini = remove_temps);

/* Write len bytes of text to a new temporary file; returns its path. */
static const char *
temp_file_n(const char *text, size_t len)
{
	char *path;
	FILE *f;
	int fd;

	cr_assert_lt(n_temps, MAX_TEMPS);
	path = temps[n_temps];
	snprintf(path, sizeof temps[0], "/tmp/test_csv_XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	n_temps++;
	f = fdopen(fd, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static const char *
temp_file(const char *text)
{
	return temp_file_n(text, strlen(text));
}

static csv_reader *
open_ok(const char *path)
{
	csv_reader *r = NULL;
	char err[256];

	cr_assert_eq(csv_open(path, &r, err, sizeof err), 0, "%s", err);
	cr_assert_not_null(r);
	return r;
}

/* "FILE:rest" with FILE the reader's path. */
static void
expect_error(const csv_reader *r, const char *rest)
{
	char want[512];

	snprintf(want, sizeof want, "%s:%s", csv_path(r), rest);
	cr_expect_str_eq(csv_error(r), want);
}

Test(csv, reads_rows_and_finds_fields_by_header_name)
{
	csv_reader *r = open_ok(temp_file("t,scanner_id,tag_id,rssi\n"
	                                  "0.5,S1,T1,-70\n"
	                                  "1.25,S2,T1,-81\n"));
	double t, rssi;
	const char *id;

	cr_expect_eq(csv_columns(r), 4);
	cr_expect_eq(csv_column(r, "rssi"), 3);
	cr_expect_eq(csv_column(r, "absent"), -1);
	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_line(r), 2);
	cr_assert_eq(csv_double(r, 0, &t), 0);
	cr_assert_eq(csv_id(r, 1, &id), 0);
	cr_assert_eq(csv_double(r, 3, &rssi), 0);
	cr_expect_eq(t, 0.5);
	cr_expect_str_eq(id, "S1");
	cr_expect_eq(rssi, -70.0);
	cr_assert_eq(csv_next(r), 1);
	cr_expect_str_eq(csv_field(r, 1), "S2");
	cr_expect_eq(csv_line(r), 3);
	cr_expect_eq(csv_next(r), 0);
	cr_expect_eq(csv_next(r), 0, "end of file stays end of file");
	csv_close(r);
}

Test(csv, reports_a_bad_number_with_file_line_and_column)
{
	csv_reader *r = open_ok(temp_file("t,scanner_id,tag_id,rssi\n"
	                                  "0.5,S1,T1,-70\n"
	                                  "0.6,S1,T1,abc\n"));
	double v = 42.0;

	cr_assert_eq(csv_next(r), 1);
	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_double(r, 3, &v), -1);
	cr_expect_eq(v, 42.0, "a failed parse leaves the output alone");
	expect_error(r, "3: column 'rssi': expected a number, got 'abc'");
	csv_close(r);
}

Test(csv, rejects_trailing_junk_nan_and_infinity_as_numbers)
{
	csv_reader *r = open_ok(temp_file("a,b,c,d\n1x,nan,inf, 2.5 \n"));
	double v;

	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_double(r, 0, &v), -1);
	cr_expect_eq(csv_double(r, 1, &v), -1);
	cr_expect_eq(csv_double(r, 2, &v), -1);
	expect_error(r, "2: column 'c': expected a number, got 'inf'");
	cr_expect_eq(csv_double(r, 3, &v), 0, "spaces around are fine");
	cr_expect_eq(v, 2.5);
	csv_close(r);
}

Test(csv, reads_integers_and_rejects_fractions_and_overflow)
{
	csv_reader *r = open_ok(temp_file("a,b,c\n-12,1.5,"
	                                  "99999999999999999999999\n"));
	long v;

	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_int(r, 0, &v), 0);
	cr_expect_eq(v, -12);
	cr_expect_eq(csv_int(r, 1, &v), -1);
	expect_error(r, "2: column 'b': expected an integer, got '1.5'");
	cr_expect_eq(csv_int(r, 2, &v), -1);
	csv_close(r);
}

Test(csv, rejects_empty_and_over_long_ids)
{
	char text[256];
	const char *id;
	csv_reader *r;

	snprintf(text, sizeof text, "a,b,c\n,%0*d,%0*d\n", TRACK_ID_MAX - 1,
	         0, TRACK_ID_MAX, 0);
	r = open_ok(temp_file(text));
	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_id(r, 0, &id), -1);
	expect_error(r, "2: column 'a': expected an id, got an empty field");
	cr_expect_eq(csv_id(r, 1, &id), 0, "TRACK_ID_MAX - 1 bytes fit");
	cr_expect_eq(csv_id(r, 2, &id), -1);
	cr_expect(strstr(csv_error(r), "at most 63 bytes, got 64") != NULL,
	          "%s", csv_error(r));
	csv_close(r);
}

Test(csv, reports_a_row_with_the_wrong_number_of_fields)
{
	csv_reader *r = open_ok(temp_file("a,b,c,d\n1,2,3\n1,2,3,4,5\n"
	                                  "1,2,3,4\n"));

	cr_expect_eq(csv_next(r), -1);
	expect_error(r, "2: expected 4 fields, got 3");
	cr_expect_eq(csv_next(r), -1);
	expect_error(r, "3: expected 4 fields, got 5");
	cr_expect_eq(csv_next(r), 1, "the reader goes on after a bad row");
	cr_expect_str_eq(csv_field(r, 3), "4");
	csv_close(r);
}

Test(csv, reports_a_missing_column_with_the_header)
{
	static const char *const names[] = { "t", "rssi", "x" };
	csv_reader *r = open_ok(temp_file("t,rssi,y\n1,2,3\n"));
	int idx[3];

	cr_expect_eq(csv_require(r, names, idx, 2), 0);
	cr_expect_eq(idx[0], 0);
	cr_expect_eq(idx[1], 1);
	cr_expect_eq(csv_require(r, names, idx, 3), -1);
	expect_error(r, " missing column 'x' (header: t,rssi,y)");
	csv_close(r);
}

Test(csv, handles_crlf_line_ends_and_a_last_line_without_one)
{
	csv_reader *r = open_ok(temp_file("a,b\r\n1,2\r\n3,4"));

	cr_expect_str_eq(csv_column_name(r, 1), "b");
	cr_assert_eq(csv_next(r), 1);
	cr_expect_str_eq(csv_field(r, 1), "2");
	cr_assert_eq(csv_next(r), 1);
	cr_expect_str_eq(csv_field(r, 1), "4");
	cr_expect_eq(csv_next(r), 0);
	csv_close(r);
}

Test(csv, skips_blank_lines_and_counts_them_in_line_numbers)
{
	csv_reader *r = open_ok(temp_file("\na,b\n\n\r\n  \n1,2\n\n3,x\n\n"));
	double v;

	cr_expect_eq(csv_line(r), 2, "the header is on line 2");
	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_line(r), 6);
	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_double(r, 1, &v), -1);
	expect_error(r, "8: column 'b': expected a number, got 'x'");
	cr_expect_eq(csv_next(r), 0);
	csv_close(r);
}

Test(csv, strips_a_byte_order_mark_from_the_header)
{
	csv_reader *r = open_ok(temp_file("\xef\xbb\xbfscanner_id,x\nS,1\n"));

	cr_expect_eq(csv_column(r, "scanner_id"), 0);
	csv_close(r);
}

Test(csv, rejects_an_over_long_line_without_crashing_and_goes_on)
{
	size_t big = 200000, len;
	char *text = malloc(big + 64);
	csv_reader *r;

	cr_assert_not_null(text);
	len = (size_t)sprintf(text, "a,b\n1,");
	memset(text + len, 'x', big);
	len += big;
	len += (size_t)sprintf(text + len, "\n5,6\n");
	r = open_ok(temp_file_n(text, len));
	cr_expect_eq(csv_next(r), -1);
	expect_error(r, "2: line longer than 4096 bytes");
	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_line(r), 3);
	cr_expect_str_eq(csv_field(r, 0), "5");
	cr_expect_eq(csv_next(r), 0);
	csv_close(r);
	free(text);
}

Test(csv, accepts_a_line_of_exactly_the_limit_with_crlf)
{
	char *text = malloc(CSV_LINE_MAX + 64);
	size_t len;
	csv_reader *r;

	cr_assert_not_null(text);
	len = (size_t)sprintf(text, "a,b\r\n1,");
	memset(text + len, 'y', CSV_LINE_MAX - 2);
	len += CSV_LINE_MAX - 2;
	memcpy(text + len, "\r\n", 2);
	len += 2;
	r = open_ok(temp_file_n(text, len));
	cr_expect_eq(csv_next(r), 1, "%s", csv_error(r));
	cr_expect_eq(strlen(csv_field(r, 1)), CSV_LINE_MAX - 2);
	csv_close(r);
	free(text);
}

Test(csv, rejects_an_over_long_last_line_without_a_line_end)
{
	size_t big = 100000, len;
	char *text = malloc(big + 16);
	csv_reader *r;

	cr_assert_not_null(text);
	len = (size_t)sprintf(text, "a\n");
	memset(text + len, 'z', big);
	r = open_ok(temp_file_n(text, len + big));
	cr_expect_eq(csv_next(r), -1);
	expect_error(r, "2: line longer than 4096 bytes");
	cr_expect_eq(csv_next(r), 0);
	csv_close(r);
	free(text);
}

Test(csv, reads_rows_across_buffer_refills_with_right_line_numbers)
{
	size_t rows = 20000, len = 0, i;
	char *text = malloc(rows * 32 + 32);
	csv_reader *r;
	long v;

	cr_assert_not_null(text);
	len += (size_t)sprintf(text, "n,sq\n");
	for (i = 0; i < rows; i++)
		len += (size_t)sprintf(text + len, "%zu,%zu\n", i, i * i);
	r = open_ok(temp_file_n(text, len));
	for (i = 0; i < rows; i++) {
		cr_assert_eq(csv_next(r), 1);
		cr_assert_eq(csv_int(r, 1, &v), 0);
		cr_assert_eq((size_t)v, i * i, "row %zu", i);
		cr_assert_eq(csv_line(r), i + 2);
	}
	cr_expect_eq(csv_next(r), 0);
	csv_close(r);
	free(text);
}

Test(csv, field_out_of_range_is_empty)
{
	csv_reader *r = open_ok(temp_file("a\n1\n"));

	cr_expect_str_eq(csv_field(r, 0), "", "no row read yet");
	cr_assert_eq(csv_next(r), 1);
	cr_expect_str_eq(csv_field(r, 0), "1");
	cr_expect_str_eq(csv_field(r, 1), "");
	cr_expect_str_eq(csv_field(r, -1), "");
	csv_close(r);
}

Test(csv, names_the_file_when_it_cannot_be_opened_or_is_empty)
{
	csv_reader *r = (csv_reader *)1;
	const char *empty = temp_file("\n\n");
	char err[256], want[256];

	cr_expect_eq(csv_open("/nonexistent/reports.csv", &r, err,
	                      sizeof err), -1);
	cr_expect_str_eq(err, "/nonexistent/reports.csv: No such file or "
	                 "directory");
	cr_expect_eq(r, (csv_reader *)1, "out is untouched on failure");
	cr_expect_eq(csv_open(empty, &r, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: empty file, expected a header",
	         empty);
	cr_expect_str_eq(err, want);
}

Test(csv, close_of_null_is_a_no_op)
{
	csv_close(NULL);
}

Test(csv, fail_formats_caller_errors_like_its_own)
{
	csv_reader *r = open_ok(temp_file("t,rssi\n1,5\n"));

	cr_assert_eq(csv_next(r), 1);
	cr_expect_eq(csv_fail(r, 1, "expected -127..0, got %d", 5), -1);
	expect_error(r, "2: column 'rssi': expected -127..0, got 5");
	csv_close(r);
}

/* ---- sitecsv ---------------------------------------------------------- */

static int
load(const char *text, double floor_height, struct sitecsv *s, char *err,
     size_t errlen)
{
	return sitecsv_load(temp_file(text), floor_height, s, err, errlen);
}

Test(sitecsv, makes_one_floor_per_value_in_first_seen_order)
{
	struct sitecsv s;
	char err[256];

	cr_assert_eq(load("scanner_id,x,y,z,floor\n"
	                  "a,1,2,3,1\n"
	                  "b,4,5,6.5,0\n"
	                  "c,7,8,9,1\n", 4.0, &s, err, sizeof err), 0,
	             "%s", err);
	cr_assert_eq(s.site.n_floors, 2);
	cr_expect_str_eq(s.site.floors[0].id, "1");
	cr_expect_eq(s.site.floors[0].z, 4.0);
	cr_expect_str_eq(s.site.floors[1].id, "0");
	cr_expect_eq(s.site.floors[1].z, 0.0);
	cr_expect_eq(s.site.floors[0].width, 0.0);
	cr_expect_eq(s.site.floors[0].height, 0.0);
	cr_assert_eq(s.site.n_scanners, 3);
	cr_expect_str_eq(s.site.scanners[1].id, "b");
	cr_expect_str_eq(s.site.scanners[1].floor, "0");
	cr_expect_eq(s.site.scanners[1].z, 6.5, "scanner z is as written");
	cr_expect_eq(s.site.scanners[2].path_loss, 0.0);
	cr_expect_eq(s.site.scanners[2].rssi_offset_db, 0.0);
	cr_expect_eq(s.scanner_floor[2], 0);
	cr_expect_eq(sitecsv_find_scanner(&s, "c"), 2);
	cr_expect_eq(sitecsv_find_scanner(&s, "d"), -1);
	cr_expect_eq(sitecsv_find_floor(&s, "0"), 1);
	sitecsv_free(&s);
	cr_expect_null(s.scanners);
}

Test(sitecsv, uses_the_floor_index_for_non_integer_floors)
{
	struct sitecsv s;
	char err[256];

	cr_assert_eq(load("scanner_id,x,y,z,floor\n"
	                  "a,1,2,3,ground\n"
	                  "b,1,2,3,first\n", 3.0, &s, err, sizeof err), 0,
	             "%s", err);
	cr_expect_eq(s.site.floors[0].z, 0.0);
	cr_expect_eq(s.site.floors[1].z, 3.0);
	sitecsv_free(&s);
}

Test(sitecsv, reads_optional_calibration_columns)
{
	struct sitecsv s;
	char err[256];

	cr_assert_eq(load("scanner_id,x,y,z,floor,path_loss,rssi_offset\n"
	                  "a,1,2,3,0,2.2,-1.5\n"
	                  "b,1,2,3,0,,\n", 3.0, &s, err, sizeof err), 0,
	             "%s", err);
	cr_expect_eq(s.site.scanners[0].path_loss, 2.2);
	cr_expect_eq(s.site.scanners[0].rssi_offset_db, -1.5);
	cr_expect_eq(s.site.scanners[1].path_loss, 0.0, "empty = default");
	cr_expect_eq(s.site.scanners[1].rssi_offset_db, 0.0);
	sitecsv_free(&s);
}

Test(sitecsv, reports_a_duplicate_scanner_with_both_lines)
{
	struct sitecsv s;
	char err[256];

	cr_expect_eq(load("scanner_id,x,y,z,floor\n"
	                  "a,1,2,3,0\n"
	                  "b,1,2,3,0\n"
	                  "a,1,2,3,0\n", 3.0, &s, err, sizeof err), -1);
	cr_expect(strstr(err, ":4: duplicate scanner id 'a' (first on line "
	                 "2)") != NULL, "%s", err);
	cr_expect_null(s.scanners, "a failed load leaves nothing to free");
	sitecsv_free(&s);
}

Test(sitecsv, reports_a_bad_number_and_a_missing_column)
{
	struct sitecsv s;
	char err[256];

	cr_expect_eq(load("scanner_id,x,y,z,floor\na,1,two,3,0\n", 3.0, &s,
	                  err, sizeof err), -1);
	cr_expect(strstr(err, ":2: column 'y': expected a number, got 'two'")
	          != NULL, "%s", err);
	cr_expect_eq(load("scanner_id,x,y,floor\na,1,2,0\n", 3.0, &s, err,
	                  sizeof err), -1);
	cr_expect(strstr(err, ": missing column 'z' (header: "
	                 "scanner_id,x,y,floor)") != NULL, "%s", err);
	cr_expect_eq(load("scanner_id,x,y,z,floor,path_loss\na,1,2,3,0,-2\n",
	                  3.0, &s, err, sizeof err), -1);
	cr_expect(strstr(err, ":2: column 'path_loss'") != NULL, "%s", err);
	/* Found by fuzz-csv: above 10 it loaded, and the engine then
	 * refused the site. */
	cr_expect_eq(load("scanner_id,x,y,z,floor,path_loss\na,1,2,3,0,22\n",
	                  3.0, &s, err, sizeof err), -1);
	cr_expect(strstr(err, ":2: column 'path_loss': expected a path-loss "
	                 "exponent in [0, 10] (0 = default), got 22") != NULL,
	          "%s", err);
}

Test(sitecsv, rejects_a_file_without_scanners)
{
	struct sitecsv s;
	char err[256];

	cr_expect_eq(load("scanner_id,x,y,z,floor\n\n", 3.0, &s, err,
	                  sizeof err), -1);
	cr_expect(strstr(err, ": no scanners") != NULL, "%s", err);
}

Test(sitecsv, grows_past_its_first_allocation)
{
	char *text = malloc(1000 * 40 + 64);
	struct sitecsv s;
	char err[256];
	size_t len, i;

	cr_assert_not_null(text);
	len = (size_t)sprintf(text, "scanner_id,x,y,z,floor\n");
	for (i = 0; i < 1000; i++)
		len += (size_t)sprintf(text + len, "s%zu,%zu,0,3,%zu\n", i, i,
		                       i % 3);
	cr_assert_eq(load(text, 3.0, &s, err, sizeof err), 0, "%s", err);
	cr_expect_eq(s.site.n_scanners, 1000);
	cr_expect_eq(s.site.n_floors, 3);
	for (i = 0; i < 1000; i++) {
		char id[16];

		snprintf(id, sizeof id, "s%zu", i);
		cr_expect_str_eq(s.site.scanners[i].id, id);
		cr_expect_eq(s.site.scanners[i].x, (double)i);
		cr_expect_str_eq(s.site.scanners[i].floor,
		                 s.site.floors[i % 3].id);
	}
	sitecsv_free(&s);
	free(text);
}
