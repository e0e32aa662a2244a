/* At start, from the database into the core: open alarms (and the newest
 * acknowledged ones) into the alarm table, every tag's last position into
 * the live table, stale by age; and the stray last positions of a flood of
 * unlisted ids forgotten. Called by persist_open() once the store is
 * open. */
#ifndef TRACKD_RESTORE_H
#define TRACKD_RESTORE_H

#include "app.h"

/* 0, or -1 after saying why on stderr (path names the database). */
int restore_open(struct app *a, const char *path);

#endif
