/* quote: a piece of user text (a key, an id, a name) made safe to put in
 * a message. Internal to libtrack; shared with the site importers in
 * libtrack/tools, which quote the same way. */
#ifndef TRACK_QUOTE_H
#define TRACK_QUOTE_H

/* Longest piece of user text quoted in a message. */
#define TRACK__QUOTE_MAX 40
/* Room for a quoted piece: TRACK__QUOTE_MAX bytes, "..." and the NUL. */
#define TRACK__QUOTE_BUF (TRACK__QUOTE_MAX + 4)

/* s made safe to quote, in buf (returned): at most TRACK__QUOTE_MAX bytes
 * (cut at a character boundary, then "..."), control characters as '?',
 * since the text comes from a file and ends up on a terminal. */
const char *track__quote(const char *s, char buf[TRACK__QUOTE_BUF]);

#endif /* TRACK_QUOTE_H */
