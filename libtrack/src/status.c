#include "track/track.h"

const char *
track_strerror(track_status s)
{
	switch (s) {
#define TRACK_STATUS_TEXT(name, value, text)                                 \
	case TRACK_##name:                                                   \
		return text;
		TRACK_STATUS_MAP(TRACK_STATUS_TEXT)
#undef TRACK_STATUS_TEXT
	}
	return "unknown status";
}
