/* tracksim's output files: each written as NAME.new and renamed into place
 * once the whole run succeeded; scenario.json last. */
#include "tracksim-out.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tracksim-opts.h"

static const char *const out_names[N_OUT] = {
	"scanners.csv", "reports.csv", "truth.csv", "site.json",
	"scenario.json", "buttons.csv",
};

void
out_write_time(FILE *fp, int64_t t_ms)
{
	fprintf(fp, "%lld.%03lld", (long long)(t_ms / 1000),
		(long long)(t_ms % 1000));
}


/* With --site the calibration columns carry the site's path_loss and
 * rssi_offset (empty: the default), so --scanners and --site track alike. */
void
out_write_scanners(struct sim *s)
{
	FILE *fp = s->out[OUT_SCANNERS].fp;
	const track_site *site = s->site ? track_site_engine(s->site) : NULL;

	fputs(site ? "scanner_id,x,y,z,floor,path_loss,rssi_offset\n"
		   : "scanner_id,x,y,z,floor\n", fp);
	for (size_t k = 0; k < s->n_scanners; k++) {
		const struct scanner *sc = &s->scanners[k];

		fprintf(fp, "%s,%.3f,%.3f,%.3f,%s", sc->id, sc->x, sc->y,
			sc->z, s->floors[sc->floor].id);
		if (site) {
			const track_scanner *ts = &site->scanners[k];

			fputc(',', fp);
			if (ts->path_loss != 0.0)
				fprintf(fp, "%g", ts->path_loss);
			fputc(',', fp);
			if (ts->rssi_offset_db != 0.0)
				fprintf(fp, "%g", ts->rssi_offset_db);
		}
		fputc('\n', fp);
	}
}

static int
json_put(json_t *obj, const char *key, json_t *val)
{
	/* json_object_set_new takes val even on failure. */
	return val ? json_object_set_new(obj, key, val) : -1;
}

/* The same building as a site file (DESIGN.md, "Site files"), so the
 * scenario can be tracked with --site as a real deployment is: floor sizes
 * and heights known, scanner z as height above the floor. */
static int
write_grid_site(struct sim *s)
{
	const struct options *o = s->o;
	json_t *root = json_object();
	json_t *floors = json_array(), *scanners = json_array();
	json_t *tags = json_array();
	char name[64];
	int rc = -1;

	snprintf(name, sizeof name, "Simulated building (seed %lld)",
		 (long long)o->seed);
	if (json_put(root, "site", json_string("tracksim")) < 0 ||
	    json_put(root, "name", json_string(name)) < 0 ||
	    json_put(root, "y_axis", json_string("down")) < 0 ||
	    json_put(root, "floors", floors) < 0 ||
	    json_put(root, "scanners", scanners) < 0 ||
	    json_put(root, "tags", tags) < 0)
		goto out;
	for (long long f = 0; f < o->floors; f++) {
		json_t *fl = json_object();
		char id[24], fname[32];

		snprintf(id, sizeof id, "%lld", f);
		snprintf(fname, sizeof fname, "Floor %lld", f);
		if (json_array_append_new(floors, fl) < 0 ||
		    json_put(fl, "id", json_string(id)) < 0 ||
		    json_put(fl, "name", json_string(fname)) < 0 ||
		    json_put(fl, "level", json_integer(f)) < 0 ||
		    json_put(fl, "z", json_real((double)f * o->floor_height)) <
			    0 ||
		    json_put(fl, "width", json_real(o->width)) < 0 ||
		    json_put(fl, "height", json_real(o->height)) < 0)
			goto out;
	}
	for (size_t k = 0; k < s->n_scanners; k++) {
		const struct scanner *sc = &s->scanners[k];
		json_t *js = json_object();

		if (json_array_append_new(scanners, js) < 0 ||
		    json_put(js, "id", json_string(sc->id)) < 0 ||
		    json_put(js, "floor",
			     json_string(s->floors[sc->floor].id)) < 0 ||
		    json_put(js, "x", json_real(sc->x)) < 0 ||
		    json_put(js, "y", json_real(sc->y)) < 0 ||
		    json_put(js, "z", json_real(o->scanner_z)) < 0)
			goto out;
	}
	for (size_t i = 0; i < s->n_tags; i++) {
		json_t *jt = json_object();
		char tname[32];

		snprintf(tname, sizeof tname, "Tag %zu", i + 1);
		if (json_array_append_new(tags, jt) < 0 ||
		    json_put(jt, "id", json_string(s->tags[i].id)) < 0 ||
		    json_put(jt, "name", json_string(tname)) < 0 ||
		    json_put(jt, "kind", json_string("person")) < 0)
			goto out;
	}
	json_dumpf(root, s->out[OUT_SITE].fp,
		   JSON_INDENT(1) | JSON_PRESERVE_ORDER |
			   JSON_REAL_PRECISION(15));
	fputc('\n', s->out[OUT_SITE].fp);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* With --site, site.json is the input file itself, byte for byte: its
 * formatting, comments on ids and key order stay as the author left them.
 * Write errors surface when the file is closed. */
int
out_write_site(struct sim *s)
{
	if (!s->site)
		return write_grid_site(s);
	fwrite(s->site_text, 1, s->site_len, s->out[OUT_SITE].fp);
	return 0;
}

static int
put_count(json_t *root, const char *key, unsigned long long n)
{
	return json_put(root, key, json_integer((json_int_t)n));
}

/* The counts that describe the run, on the grid or on a site. */
static int
put_counts(const struct sim *s, json_t *root)
{
	if (put_count(root, "n_scanners", s->n_scanners) < 0 ||
	    put_count(root, "n_static_tags", s->n_static) < 0 ||
	    put_count(root, "n_reports", s->n_reports) < 0 ||
	    put_count(root, "n_truth", s->n_truth) < 0 ||
	    json_put(root, "advert_jitter", json_real(s->jitter)) < 0)
		return -1;
	if (s->o->button_every > 0.0 &&
	    put_count(root, "n_buttons", s->n_buttons) < 0)
		return -1;
	if (!s->site)
		return put_count(root, "grid_nx", s->grid_nx) < 0 ||
		       put_count(root, "grid_ny", s->grid_ny) < 0 ||
		       json_put(root, "stairs_x", json_real(s->stairs_x)) < 0 ||
		       json_put(root, "stairs_y", json_real(s->stairs_y)) < 0
		       ? -1 : 0;
	return put_count(root, "n_floors", s->n_floors) < 0 ||
	       put_count(root, "n_zones", s->n_zones) < 0 ||
	       put_count(root, "n_tags", s->n_tags) < 0 ||
	       put_count(root, "n_persons", s->n_persons) < 0 ||
	       put_count(root, "n_patients", s->n_patients) < 0 ||
	       put_count(root, "n_assets", s->n_assets) < 0
	       ? -1 : 0;
}

/* Whether scenario.json lists option spec: not the grid's options on a
 * site, nor --tags when the site lists its own, nor the live mode's (a
 * token has no place in a file). */
static bool
option_applies(const struct sim *s, const struct opt_spec *spec)
{
	if (strcmp(spec->name, "server") == 0 ||
	    strncmp(spec->name, "mqtt", 4) == 0 ||
	    strcmp(spec->name, "token") == 0 ||
	    strcmp(spec->name, "token-file") == 0)
		return false;
	if (!s->site)
		return true;
	if (strcmp(spec->name, "tags") == 0)
		return track_site_tags(s->site, NULL) == 0;
	return !spec->grid_only;
}

int
out_write_json(struct sim *s)
{
	const struct options *o = s->o;
	json_t *root = json_object();
	json_t *fmt = json_object();
	json_t *bias = json_object();
	int rc = -1;

	/* From here on root owns fmt and bias; both stay usable. */
	if (json_put(root, "format", fmt) < 0 ||
	    json_put(root, "scanner_bias_db", bias) < 0)
		goto out;
	for (size_t i = 0; i < n_opt_specs; i++) {
		const struct opt_spec *spec = &opt_specs[i];
		const char *field = (const char *)o + spec->off;
		char key[32];
		json_t *v = NULL;

		if (!option_applies(s, spec))
			continue;
		snprintf(key, sizeof key, "%s", spec->name);
		for (char *c = key; *c; c++)
			*c = *c == '-' ? '_' : *c;
		switch (spec->kind) {
		case OPT_PATH:
			/* JSON needs UTF-8; an odd path is left out. */
			v = json_string(*(const char *const *)field);
			if (!v)
				continue;
			break;
		case OPT_INT:
			v = json_integer(*(const long long *)field);
			break;
		case OPT_REAL:
			v = json_real(*(const double *)field);
			break;
		case OPT_FLAG:
			v = json_boolean(*(const bool *)field);
			break;
		}
		if (json_put(root, key, v) < 0)
			goto out;
	}
	for (size_t k = 0; k < s->n_scanners; k++) {
		if (json_put(bias, s->scanners[k].id,
			     json_real(s->scanners[k].bias)) < 0)
			goto out;
	}
	if (json_put(fmt, "scanners.csv", json_string(s->site ?
		     "scanner_id,x,y,z,floor,path_loss,rssi_offset" :
		     "scanner_id,x,y,z,floor")) < 0 ||
	    json_put(fmt, "reports.csv",
		     json_string("t,scanner_id,tag_id,rssi")) < 0 ||
	    json_put(fmt, "truth.csv",
		     json_string("t,tag_id,x,y,z,floor")) < 0 ||
	    (o->button_every > 0.0 &&
	     json_put(fmt, "buttons.csv", json_string("t,tag_id")) < 0) ||
	    put_counts(s, root) < 0)
		goto out;
	/* 15 digits give back any value typed on the command line without
	 * binary noise such as 0.050000000000000003.  Write errors surface
	 * when the file is closed. */
	json_dumpf(root, s->out[OUT_JSON].fp,
		   JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	fputc('\n', s->out[OUT_JSON].fp);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* mkdir -p: every missing parent is created too. */
int
out_make_dirs(const char *dir)
{
	char *p = strdup(dir);
	struct stat st;
	int rc = -1;

	if (!p)
		return -1;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			goto out;
		*c = '/';
	}
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		goto out;
	if (stat(p, &st) < 0)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static char *
join_path(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s%s", dir, name, suffix);
	return p;
}

static bool
out_wanted(const struct sim *s, int i)
{
	return i != OUT_BUTTONS || s->o->button_every > 0.0;
}

/* Every path is set, the temporary files only of the files this run
 * writes. */
int
out_open(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		struct out_file *f = &s->out[i];

		f->path = join_path(s->o->csv, out_names[i], "");
		if (!f->path)
			goto nomem;
		if (!out_wanted(s, i))
			continue;
		f->tmp = join_path(s->o->csv, out_names[i], ".new");
		if (!f->tmp)
			goto nomem;
		f->fp = fopen(f->tmp, "w");
		if (!f->fp) {
			fprintf(stderr, "tracksim: cannot write '%s': %s\n",
				f->tmp, strerror(errno));
			return -1;
		}
		/* Large blocks: reports.csv can reach hundreds of MB. */
		setvbuf(f->fp, NULL, _IOFBF, 1 << 20);
	}
	return 0;
nomem:
	fprintf(stderr, "tracksim: out of memory\n");
	return -1;
}

static int
close_out(struct out_file *f)
{
	int err = 0;

	if (!f->fp)
		return 0;
	if (fflush(f->fp) != 0 || ferror(f->fp))
		err = errno ? errno : EIO;
	else if (fsync(fileno(f->fp)) < 0)
		err = errno;
	if (fclose(f->fp) != 0 && !err)
		err = errno;
	f->fp = NULL;
	if (err) {
		fprintf(stderr, "tracksim: cannot write '%s': %s\n", f->tmp,
			strerror(err));
		return -1;
	}
	return 0;
}

int
out_close_all(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		if (close_out(&s->out[i]) < 0)
			return -1;
	}
	return 0;
}

static int
remove_file(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "tracksim: cannot remove '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Renames f into place; a file this run does not write is removed. */
static int
commit_one(const struct out_file *f)
{
	if (!f->tmp)
		return remove_file(f->path);
	if (rename(f->tmp, f->path) < 0) {
		fprintf(stderr, "tracksim: cannot rename '%s': %s\n", f->tmp,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* scenario.json goes last and its old copy first, so a set of files
 * that has a scenario.json is always one whole run.  A buttons.csv left
 * by an earlier run that had presses would belong to another run. */
int
out_commit(struct sim *s)
{
	int fd;

	if (remove_file(s->out[OUT_JSON].path) < 0)
		return -1;
	for (int i = 0; i < N_OUT; i++) {
		if (i != OUT_JSON && commit_one(&s->out[i]) < 0)
			return -1;
	}
	if (commit_one(&s->out[OUT_JSON]) < 0)
		return -1;
	/* Make the renames themselves durable. */
	fd = open(s->o->csv, O_RDONLY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

void
out_discard(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		struct out_file *f = &s->out[i];

		if (f->fp) {
			fclose(f->fp);
			f->fp = NULL;
		}
		if (f->tmp)
			unlink(f->tmp);
	}
}

void
out_free(struct sim *s)
{
	for (int i = 0; i < N_OUT; i++) {
		free(s->out[i].path);
		free(s->out[i].tmp);
	}
}

int
out_copy_file(const char *src, const char *dst)
{
	size_t n = strlen(dst) + sizeof ".new";
	char *tmp = malloc(n);
	FILE *in = NULL, *out = NULL;
	char buf[65536];
	size_t got;
	int err = 0;

	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.new", dst);
	in = fopen(src, "rb");
	if (!in) {
		err = errno;
		goto out;
	}
	out = fopen(tmp, "wb");
	if (!out) {
		err = errno;
		goto out;
	}
	while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
		if (fwrite(buf, 1, got, out) != got) {
			err = errno ? errno : EIO;
			goto out;
		}
	}
	if (ferror(in))
		err = errno ? errno : EIO;
	else if (fflush(out) != 0 || fsync(fileno(out)) < 0)
		err = errno ? errno : EIO;
out:
	if (out && fclose(out) != 0 && !err)
		err = errno ? errno : EIO;
	if (in)
		fclose(in);
	/* Renamed only when whole: reading src ended before dst changes,
	 * so dst may be src itself. */
	if (!err && rename(tmp, dst) < 0)
		err = errno;
	if (err && out)
		unlink(tmp);
	free(tmp);
	errno = err;
	return err ? -1 : 0;
}

/* The directory part of path, with its slash ("" for none). */
static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) + 1 : 0;
}

/* Copies floor image img from the site's directory to DIR.  Returns 1
 * when there is no such file, 0 when copied, -1 with errno set. */
static int
copy_image(const char *site, const char *csv, const char *img, char *src,
	   size_t ns, char *dst, size_t nd)
{
	struct stat st;
	size_t nsub = dir_len(img);

	snprintf(src, ns, "%.*s%s", (int)dir_len(site), site, img);
	snprintf(dst, nd, "%s/%s", csv, img);
	if (stat(src, &st) < 0 || !S_ISREG(st.st_mode))
		return 1;
	/* An image in a subdirectory of the site's goes into the same
	 * subdirectory of DIR. */
	if (nsub > 0) {
		char *sub = strndup(dst, strlen(csv) + nsub);
		int rc = sub ? out_make_dirs(sub) : -1;

		free(sub);
		if (rc < 0)
			return -1;
	}
	return out_copy_file(src, dst);
}

void
out_copy_images(const struct sim *s)
{
	const char *site = s->o->site, *csv = s->o->csv;

	if (strcmp(site, "-") == 0)
		return;
	for (size_t f = 0; f < s->n_floors; f++) {
		const char *img = track_site_floor_image(s->site, f);
		bool seen = false;

		for (size_t k = 0; img && k < f; k++) {
			const char *prev = track_site_floor_image(s->site, k);

			seen = seen || (prev && strcmp(prev, img) == 0);
		}
		if (!img || seen)
			continue;

		size_t ns = dir_len(site) + strlen(img) + 1;
		size_t nd = strlen(csv) + strlen(img) + 2;
		char *src = malloc(ns), *dst = malloc(nd);

		if (!src || !dst)
			fprintf(stderr, "tracksim: warning: out of memory "
				"copying floor image '%s'\n", img);
		else if (copy_image(site, csv, img, src, ns, dst, nd) < 0)
			fprintf(stderr, "tracksim: warning: cannot copy floor "
				"image '%s' to '%s': %s\n", src, dst,
				strerror(errno));
		free(src);
		free(dst);
	}
}
