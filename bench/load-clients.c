/* load-clients: what a live client receives, walked piece by piece for the
 * message's type and its tags' ids and times, and the latencies those
 * give. */
#include "load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tag index of id, or -1 for a tag that is not one of ours. */
static long
tag_index(const struct load *L, const char *id, size_t len)
{
	long v = 0;

	if (len != sizeof TAG_PREFIX - 1 + TAG_DIGITS ||
	    memcmp(id, TAG_PREFIX, sizeof TAG_PREFIX - 1) != 0)
		return -1;
	for (size_t i = sizeof TAG_PREFIX - 1; i < len; i++) {
		if (id[i] < '0' || id[i] > '9')
			return -1;
		v = v * 10 + (id[i] - '0');
	}
	return v < (long)L->n_all ? v : -1;
}

static void
walker_reset(struct walker *w)
{
	memset(w, 0, sizeof *w);
}

static void
copy_key(char *dst, const struct walker *w)
{
	/* A key too long to be one we look for is as good as none. */
	if (w->len < WALK_KEY) {
		memcpy(dst, w->str, w->len);
		dst[w->len] = '\0';
	} else {
		dst[0] = '\0';
	}
}

/* Inside one of the objects of the top-level "tags" array? */
static bool
in_tag(const struct walker *w)
{
	return w->depth == 3 && (w->obj & (1u << 1)) &&
	       !(w->obj & (1u << 2)) && (w->obj & (1u << 3)) &&
	       strcmp(w->key1, "tags") == 0;
}

static void
walker_string(struct client *c)
{
	struct walker *w = &c->w;

	if (w->is_key) {
		if (w->depth == 1)
			copy_key(w->key1, w);
		else if (w->depth == 3)
			copy_key(w->key3, w);
		return;
	}
	if (!w->capture)
		return;
	if (w->depth == 1)
		copy_key(w->type, w);
	else if (w->len < WALK_STR)
		w->cur_id = tag_index(c->L, w->str, w->len);
}

/* Is the string value starting now one the walker wants? */
static bool
walker_wants(const struct walker *w)
{
	if (w->depth == 1)
		return strcmp(w->key1, "type") == 0;
	return in_tag(w) && strcmp(w->key3, "id") == 0;
}

/* The end of a value inside a container: a number being read is done. */
static void
walker_value_end(struct walker *w)
{
	if (!w->in_t)
		return;
	w->num[w->num_len < sizeof w->num ? w->num_len
	                                   : sizeof w->num - 1] = '\0';
	w->cur_t = strtod(w->num, NULL);
	w->in_t = false;
}

void
walk(struct client *c, const char *p, size_t n)
{
	struct walker *w = &c->w;
	const char *end = p + n;

	while (p < end) {
		char ch;

		if (w->in_str) {
			const char *q = p;

			if (w->esc) {
				/* The escaped character is kept as is: none of
				 * the strings looked for has one. */
				w->esc = false;
				if (w->len < WALK_STR)
					w->str[w->len] = *p;
				w->len++;
				p++;
				continue;
			}
			while (q < end && *q != '"' && *q != '\\')
				q++;
			if (w->capture || w->is_key) {
				for (const char *r = p; r < q; r++, w->len++)
					if (w->len < WALK_STR)
						w->str[w->len] = *r;
			}
			p = q;
			if (p == end)
				break;
			if (*p++ == '\\') {
				w->esc = true;
				continue;
			}
			w->in_str = false;
			walker_string(c);
			continue;
		}
		switch ((ch = *p++)) {
		case '"':
			w->in_str = true;
			w->is_key = w->want_key;
			w->capture = !w->is_key && walker_wants(w);
			w->len = 0;
			break;
		case '{':
			w->depth++;
			if (w->depth < 32)
				w->obj |= 1u << w->depth;
			w->want_key = true;
			if (w->depth == 3) {
				w->key3[0] = '\0';
				w->cur_id = -1;
				w->cur_t = NAN;
			}
			break;
		case '[':
			w->depth++;
			if (w->depth < 32)
				w->obj &= ~(1u << w->depth);
			w->want_key = false;
			break;
		case '}':
		case ']':
			walker_value_end(w);
			if (ch == '}' && in_tag(w) && w->cur_id >= 0 &&
			    c->n_seen < c->L->n_all)
				c->seen[c->n_seen++] = (struct seen){
					.tag = (uint32_t)w->cur_id,
					.t = w->cur_t
				};
			if (w->depth > 0)
				w->depth--;
			w->want_key = false;
			break;
		case ',':
			walker_value_end(w);
			w->want_key = w->depth < 32 &&
			              (w->obj & (1u << w->depth));
			break;
		case ':':
			w->want_key = false;
			if (in_tag(w) && strcmp(w->key3, "t") == 0) {
				w->in_t = true;
				w->num_len = 0;
			}
			break;
		default:
			if (w->in_t && w->num_len < sizeof w->num)
				w->num[w->num_len++] = ch;
			break;
		}
	}
}

/* A probe's first position after its burst began: the one that shows the
 * burst.  An entry older than the burst (PROBE_STALE_US allows for "t"
 * being rounded) is a late one from the burst before. */
static void
probe_seen(struct load *L, struct client *c, size_t p, double t, int64_t now)
{
	if (!L->probe_t[p] || c->probe_k[p] == L->probe_k[p])
		return;
	if (!isnan(t) && t * 1e6 < (double)(L->probe_t[p] - PROBE_STALE_US))
		return;
	c->probe_k[p] = L->probe_k[p];
	hist_add(&L->probe, now - L->probe_t[p]);
}

/* One whole message received by c. */
void
client_message(struct load *L, struct client *c)
{
	struct walker *w = &c->w;
	size_t N = (size_t)L->o.tags;

	if (w->depth != 0 || w->in_str) {
		L->client_errors++;
		if (!c->error_shown)
			fprintf(stderr, "trackd-load: a live message that "
			                "is not JSON\n");
		c->error_shown = true;
	} else if (strcmp(w->type, "positions") == 0) {
		int64_t now = now_us();

		if (L->phase == MEASURE) {
			L->c.positions++;
			if (c->last_positions_us)
				hist_add(&L->interval,
				         now - c->last_positions_us);
			for (size_t i = 0; i < c->n_seen; i++) {
				const struct seen *e = &c->seen[i];

				if (e->tag >= N)
					probe_seen(L, c, e->tag - N, e->t, now);
				else if (L->last_sent_us[e->tag])
					hist_add(&L->latency,
					         now - L->last_sent_us[e->tag]);
			}
		}
		c->last_positions_us = now;
	} else if (strcmp(w->type, "error") == 0) {
		L->client_errors++;
		if (!c->error_shown)
			fprintf(stderr, "trackd-load: trackd refused a live "
			                "client's subscription to %s\n",
			        c->floor);
		c->error_shown = true;
	}
	walker_reset(w);
	c->n_seen = 0;
}
