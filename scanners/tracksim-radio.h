/* tracksim-radio: the adverts' RSSI, queued as reports (the pure parts
 * are in tracksim-fade.h). */
#ifndef TRACKSIM_RADIO_H
#define TRACKSIM_RADIO_H

#include <stddef.h>

#include "tracksim.h"

/* Draws the scanners' radio kinds and report rates (adding the kinds'
 * offsets to their bias) and sets up shadowing and outages.  Returns 0,
 * or -1 out of memory. */
int radio_init(struct sim *s);
void radio_free(struct sim *s);

/* Moves the scanners' outages on to slice [a, b). */
void radio_slice(struct sim *s, double a, double b);

/* The reports of tag idx's advert at t from p.  Returns 0, or -1 out of
 * memory. */
int radio_advertise(struct sim *s, size_t idx, double t, struct pos p);

#endif /* TRACKSIM_RADIO_H */
