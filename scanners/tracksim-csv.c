/* tracksim --csv: the whole run, slice by slice, into the files of DIR
 * (tracksim-out.c), then the summary line. */
#include "tracksim-csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tracksim-out.h"
#include "tracksim-reports.h"
#include "tracksim-sim.h"

/* Writes the sorted reports stamped before limit_ms and keeps the rest:
 * latency can carry a report past the end of its slice. */
static void
write_reports(struct sim *s, int64_t limit_ms)
{
	FILE *fp = s->out[OUT_REPORTS].fp;
	size_t n = reports_due(s, limit_ms);

	for (size_t j = 0; j < n; j++) {
		const struct report *r = &s->reports[j];

		out_write_time(fp, r->t_ms);
		fprintf(fp, ",%s,%s,%d\n", s->scanners[r->scanner].id,
			s->tags[r->tag].id, r->rssi);
	}
	reports_take(s, n);
}

/* Writes the truth rows of the last slice. */
static void
write_truth(struct sim *s)
{
	const struct options *o = s->o;
	FILE *ft = s->out[OUT_TRUTH].fp;
	size_t n_k = (size_t)(s->truth_next - s->truth_k0);

	for (size_t kk = 0; kk < n_k; kk++) {
		double t = o->t0 + (double)(s->truth_k0 + (long long)kk) *
			   o->truth_dt;
		int64_t t_ms = llround(t * 1000.0);

		for (size_t i = 0; i < s->n_tags; i++) {
			const struct pos *p = &s->truth[kk * s->n_tags + i];

			out_write_time(ft, t_ms);
			fprintf(ft, ",%s,%.3f,%.3f,%.3f,%s\n",
				s->tags[i].id, p->x, p->y,
				s->floors[p->floor].z + o->tag_z,
				s->floors[p->floor].id);
		}
	}
	s->n_truth += n_k * s->n_tags;
}

static void
write_presses(struct sim *s)
{
	FILE *fp = s->out[OUT_BUTTONS].fp;

	for (size_t j = 0; j < s->n_presses; j++) {
		out_write_time(fp, s->presses[j].t_ms);
		fprintf(fp, ",%s\n", s->tags[s->presses[j].tag].id);
	}
	s->n_presses = 0;
}

static int
simulate(struct sim *s)
{
	for (long long slice = 0;; slice++) {
		int rc = sim_step(s, slice, true);
		double b = s->o->t0 + (double)(slice + 1) * SLICE_S;

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		write_reports(s, llround(b * 1000.0));
		write_truth(s);
		write_presses(s);
	}
	write_reports(s, INT64_MAX);
	return 0;
}

static void
print_summary(const struct sim *s)
{
	const struct options *o = s->o;

	if (s->site)
		fprintf(stderr, "tracksim: site '%s': %zu floors, %zu "
			"scanners, %zu zones, %zu tags (%zu patients, %zu "
			"assets, %zu static), ", track_site_id(s->site),
			s->n_floors,
			s->n_scanners, s->n_zones, s->n_tags, s->n_patients,
			s->n_assets, s->n_static);
	else
		fprintf(stderr, "tracksim: %zu scanners, %zu tags (%zu "
			"static), ", s->n_scanners, s->n_tags, s->n_static);
	fprintf(stderr, "%llu reports, %llu truth rows", s->n_reports,
		s->n_truth);
	if (o->button_every > 0.0)
		fprintf(stderr, ", %llu button presses", s->n_buttons);
	fprintf(stderr, " -> %s\n", o->csv);
}

int
csv_run(struct sim *s)
{
	const struct options *o = s->o;
	int rc = EXIT_FAILURE;

	if (out_make_dirs(o->csv) < 0) {
		fprintf(stderr, "tracksim: cannot create directory '%s': %s\n",
			o->csv, strerror(errno));
		goto out;
	}
	if (out_open(s) < 0)
		goto fail;
	fputs("t,scanner_id,tag_id,rssi\n", s->out[OUT_REPORTS].fp);
	fputs("t,tag_id,x,y,z,floor\n", s->out[OUT_TRUTH].fp);
	if (s->out[OUT_BUTTONS].fp)
		fputs("t,tag_id\n", s->out[OUT_BUTTONS].fp);
	out_write_scanners(s);
	if (simulate(s) < 0 || out_write_site(s) < 0 ||
	    out_write_json(s) < 0) {
		fprintf(stderr, "tracksim: out of memory\n");
		goto fail;
	}
	if (out_close_all(s) < 0)
		goto fail;
	if (s->site)
		out_copy_images(s);
	if (out_commit(s) < 0)
		goto fail;
	if (!o->quiet)
		print_summary(s);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	out_discard(s);
out:
	out_free(s);
	return rc;
}
