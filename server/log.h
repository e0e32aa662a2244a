/* trackd's log: one line per call, on stderr through libwebsockets' log
 * (its timestamps, and the levels trackd.c lets through), so the core
 * logs the way the glue does without including lws. */
#ifndef TRACKD_LOG_H
#define TRACKD_LOG_H

#if defined(__GNUC__)
#define LOG_FORMAT __attribute__((format(printf, 1, 2)))
#else
#define LOG_FORMAT
#endif

/* Something failed and was not done (a row not written, a token file
 * unreadable). */
void log_err(const char *fmt, ...) LOG_FORMAT;
/* Something refused or degraded that the operator may want to know. */
void log_warn(const char *fmt, ...) LOG_FORMAT;
/* What the operator is told in normal running (an alarm opened). */
void log_user(const char *fmt, ...) LOG_FORMAT;

#endif
