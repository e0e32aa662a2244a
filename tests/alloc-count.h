/* Count the heap allocations (malloc, calloc, realloc) that the calling
 * thread makes between arm and disarm, including those made inside shared
 * libraries. Link alloc-count.c into the executable that uses it. */
#ifndef TRACK_TESTS_ALLOC_COUNT_H
#define TRACK_TESTS_ALLOC_COUNT_H

#include <stdbool.h>

void alloc_count_arm(void);
/* Stop counting; returns the calls made since alloc_count_arm(). */
unsigned long alloc_count_disarm(void);
/* Whether an allocation inside a shared library (GSL) is seen: a zero
 * from a counter that sees nothing would be a lie. */
bool alloc_count_works(void);

#endif
