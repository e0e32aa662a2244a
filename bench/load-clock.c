/* load-clock: the clocks trackd-load reads: CLOCK_REALTIME for the reports
 * and latencies, its own monotonic and CPU time, and trackd's CPU time and
 * memory from /proc. */
#include "load.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double
self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

void
proc_sample(pid_t pid, struct proc_sample *ps)
{
	char path[64], buf[4096], *p;
	unsigned long ut, st;
	long rss = -1, hwm = -1;
	size_t n;
	FILE *f;

	memset(ps, 0, sizeof *ps);
	ps->wall_s = mono_s();
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: the fields
	 * that follow start after its last ')'; utime and stime are the
	 * 14th and 15th. */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	                  "%lu %lu", &ut, &st) != 2)
		return;
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(buf, sizeof buf, f)) {
		sscanf(buf, "VmRSS: %ld", &rss);
		sscanf(buf, "VmHWM: %ld", &hwm);
	}
	fclose(f);
	if (rss < 0 || hwm < 0)
		return;
	ps->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	ps->rss_mib = (double)rss / 1024.0;
	ps->hwm_mib = (double)hwm / 1024.0;
	ps->ok = true;
}
