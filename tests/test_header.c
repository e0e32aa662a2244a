/* track.h and site.h must stand alone and compile with -std=c11 -pedantic
 * -Werror (see tests/meson.build); this file includes nothing else first. */
#include "track/track.h"
#include "track/site.h"

int
main(void)
{
	track_config c = track_config_default();

	return c.max_tags > 0 ? 0 : 1;
}
