/* fuzz-adv: HCI LE advertising report events, legacy and extended, as
 * trackscan reads them off the adapter (event code, parameter length,
 * parameters). Whatever the bytes, the parser reads nothing past them,
 * and every report it gives has a printable, terminated tag id and an
 * RSSI in range. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One Kontakt.io button UUID, so the press path is reached too. */
	static const uint8_t press[1][16] = { { 0xf7, 0x82, 0x6d, 0xa6, 0x4f,
		                                0xa2, 0x4e, 0x98, 0x80, 0x24,
		                                0xbc, 0x5b, 0x71, 0xe0, 0x89,
		                                0x3f } };
	const struct adv_config cfg = { press, 1 };
	struct adv_report out[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n = 0;
	/* An exact-size copy: ASan then catches a read one byte past. */
	uint8_t *ev = malloc(size ? size : 1);

	if (!ev)
		return 0;
	memcpy(ev, data, size);
	if (adv_parse_event(ev, size, &cfg, out, &n, &st) != ADV_OK)
		n = 0;
	if (n > ADV_MAX_REPORTS)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t len = strnlen(out[i].tag, sizeof out[i].tag);

		if (len == 0 || len == sizeof out[i].tag)
			abort();
		for (size_t k = 0; k < len; k++)
			if (out[i].tag[k] < 0x21 || out[i].tag[k] > 0x7e)
				abort();
		if (out[i].rssi > 20 || out[i].rssi < -127)
			abort();
	}
	free(ev);
	return 0;
}
