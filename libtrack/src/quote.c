#include "quote.h"

#include <string.h>

const char *
track__quote(const char *s, char buf[TRACK__QUOTE_BUF])
{
	size_t n = strlen(s), k;

	if (n > TRACK__QUOTE_MAX) {
		n = TRACK__QUOTE_MAX;
		/* Never split a UTF-8 sequence: back off its continuations. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		buf[k] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (n < strlen(s)) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}
