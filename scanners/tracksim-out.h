/* tracksim-out: the files of --csv DIR, each written as NAME.new and
 * renamed into place once the whole run succeeded. */
#ifndef TRACKSIM_OUT_H
#define TRACKSIM_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "tracksim.h"

int out_make_dirs(const char *dir);
int out_open(struct sim *s);
int out_close_all(struct sim *s);
int out_commit(struct sim *s);
void out_discard(struct sim *s);
void out_free(struct sim *s);
void out_write_time(FILE *fp, int64_t t_ms);
void out_write_scanners(struct sim *s);
int out_write_site(struct sim *s);
int out_write_json(struct sim *s);

/* Copies src to dst through dst.new and a rename, so dst may be src.
 * Returns 0, or -1 with errno set. */
int out_copy_file(const char *src, const char *dst);

/* Copies each floor's image from the site's directory into DIR, best
 * effort: a missing image is skipped, a failed copy only warned about. */
void out_copy_images(const struct sim *s);

#endif /* TRACKSIM_OUT_H */
