/* The id -> index map behind the tag and scanner tables. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "libtrack/src/track-private.h"

#define N 1000

static char keys[N][16];

Test(idmap, finds_what_was_inserted_and_forgets_what_was_removed)
{
	struct track__idmap m;

	cr_assert_eq(track__idmap_init(&m, N, keys[0], sizeof keys[0]), 0);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof keys[i], "tag-%d", i);
		track__idmap_insert(&m, i);
	}
	/* Remove every third key: the rest must stay reachable even when
	 * their probe chains ran through the removed slots. */
	for (int i = 0; i < N; i += 3)
		track__idmap_remove(&m, i);
	for (int i = 0; i < N; i++)
		cr_expect_eq(track__idmap_find(&m, keys[i]), i % 3 ? i : -1,
		             "%s", keys[i]);
	cr_expect_eq(track__idmap_find(&m, "absent"), -1);
	/* Reuse of removed indices with new keys. */
	for (int i = 0; i < N; i += 3) {
		snprintf(keys[i], sizeof keys[i], "new-%d", i);
		track__idmap_insert(&m, i);
	}
	for (int i = 0; i < N; i++)
		cr_expect_eq(track__idmap_find(&m, keys[i]), i);
	track__idmap_free(&m);
}
