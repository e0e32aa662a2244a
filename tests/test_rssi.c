/* The per (tag, scanner) RSSI window. */
#include <criterion/criterion.h>

#include "libtrack/src/track-private.h"

#define MS 1000LL
#define BUCKET (250 * MS) /* a 2 s window of 8 buckets */

Test(rssi, the_strongest_reading_in_the_window_wins)
{
	struct track__rssi f;
	double v;
	unsigned n;

	track__rssi_reset(&f);
	track__rssi_add(&f, 1000 * MS, -80, BUCKET);
	track__rssi_add(&f, 1400 * MS, -70, BUCKET);
	track__rssi_add(&f, 1900 * MS, -85, BUCKET);
	cr_assert(track__rssi_value(&f, 2000 * MS, BUCKET, &v, &n));
	cr_expect_eq(v, -70.0);
	cr_expect_eq(n, 3);
}

Test(rssi, readings_older_than_the_window_expire)
{
	struct track__rssi f;
	double v;
	unsigned n;

	track__rssi_reset(&f);
	track__rssi_add(&f, 0, -60, BUCKET);
	track__rssi_add(&f, 1500 * MS, -75, BUCKET);
	cr_assert(track__rssi_value(&f, 2600 * MS, BUCKET, &v, &n));
	cr_expect_eq(v, -75.0, "the -60 reading is 2.6 s old");
	cr_expect_eq(n, 1);
	cr_expect_not(track__rssi_value(&f, 4000 * MS, BUCKET, &v, &n));
}

Test(rssi, an_empty_window_has_no_value)
{
	struct track__rssi f;
	double v;
	unsigned n;

	track__rssi_reset(&f);
	cr_expect_not(track__rssi_value(&f, 0, BUCKET, &v, &n));
}

Test(rssi, a_late_reading_within_the_window_still_counts)
{
	struct track__rssi f;
	double v;
	unsigned n;

	track__rssi_reset(&f);
	track__rssi_add(&f, 3000 * MS, -80, BUCKET);
	track__rssi_add(&f, 2500 * MS, -66, BUCKET);
	track__rssi_add(&f, 100 * MS, -50, BUCKET); /* far too old */
	cr_assert(track__rssi_value(&f, 3000 * MS, BUCKET, &v, &n));
	cr_expect_eq(v, -66.0);
	cr_expect_eq(n, 2);
}

Test(rssi, negative_times_bucket_like_positive_ones)
{
	struct track__rssi f;
	double v;
	unsigned n;

	track__rssi_reset(&f);
	track__rssi_add(&f, -100 * MS, -70, BUCKET);
	cr_assert(track__rssi_value(&f, 0, BUCKET, &v, &n));
	cr_expect_eq(v, -70.0);
}
