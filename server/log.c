/* The log (log.h): lws's, which stamps each line with the time. */
#include "log.h"

#include <stdarg.h>

#include <libwebsockets.h>

#define LOG_WITH(level)                        \
	do {                                   \
		va_list ap;                    \
		va_start(ap, fmt);             \
		_lws_logv((level), fmt, ap);   \
		va_end(ap);                    \
	} while (0)

void
log_err(const char *fmt, ...)
{
	LOG_WITH(LLL_ERR);
}

void
log_warn(const char *fmt, ...)
{
	LOG_WITH(LLL_WARN);
}

void
log_user(const char *fmt, ...)
{
	LOG_WITH(LLL_USER);
}
