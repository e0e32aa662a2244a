/* trackd's clocks, read only at the edges (the loop, the request
 * handlers): the core takes its time as an argument. */
#ifndef TRACKD_CLOCK_H
#define TRACKD_CLOCK_H

#include <stdint.h>

/* Unix time in microseconds. */
int64_t app_now_us(void);
/* A monotonic clock in seconds, for timing. */
double app_mono_s(void);

#endif
