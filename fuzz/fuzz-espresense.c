/* fuzz-espresense: any bytes as an ESPresense config.yaml. The import
 * either fails with a message or returns a site file that loads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "track/site.h"

#include "espresense.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_note(void *ctx, const char *line)
{
	/* A note is one line, NUL-terminated. */
	if (strchr(line, '\n'))
		abort();
	*(size_t *)ctx += strlen(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024] = "";
	char *out = NULL;
	size_t noted = 0;
	track_site_doc *d = NULL;

	if (espresense_import((const char *)data, size, "config.yaml",
	                      on_note, &noted, &out, err, sizeof err) < 0) {
		if (out || !err[0] || strlen(err) >= sizeof err)
			abort();
		return 0;
	}
	/* The header's promise: what comes out is a valid site file. */
	if (!out || track_site_parse(out, strlen(out), "imported", &d, NULL,
	                             0) != TRACK_OK)
		abort();
	track_site_free(d);
	free(out);
	return 0;
}
