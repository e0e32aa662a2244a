/* load-scanners: a scanner's ingest messages, built from what it heard,
 * queued until sent, kept until answered; the answers counted. */
#include "load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void
msg_push(struct msg **head, struct msg **tail, struct msg *m)
{
	m->next = NULL;
	if (*tail)
		(*tail)->next = m;
	else
		*head = m;
	*tail = m;
}

struct msg *
msg_pop(struct msg **head, struct msg **tail)
{
	struct msg *m = *head;

	if (m) {
		*head = m->next;
		if (!*head)
			*tail = NULL;
	}
	return m;
}

unsigned long long
msg_clear(struct msg **head, struct msg **tail)
{
	unsigned long long n = 0;
	struct msg *m;

	while ((m = msg_pop(head, tail))) {
		n += m->n;
		free(m);
	}
	return n;
}

static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT(p, lit) put(p, lit, sizeof lit - 1)

/* Queues the n reports at L->scratch (begun by message_begin) as one
 * message.  Returns -1 out of memory. */
static int
message_end(struct scanner *s, char *p, size_t n)
{
	struct load *L = s->L;
	size_t len;
	struct msg *m;

	p = PUT(p, "]}");
	len = (size_t)(p - L->scratch);
	if (!(m = malloc(sizeof *m + LWS_PRE + len)))
		return -1;
	m->n = n;
	m->len = len;
	memcpy(m->buf + LWS_PRE, L->scratch, len);
	msg_push(&s->head, &s->tail, m);
	s->queued += n;
	return 0;
}

static char *
message_begin(struct scanner *s)
{
	char *p = PUT(s->L->scratch, "{\"scanner\":");

	p = put(p, s->id_json, strlen(s->id_json));
	return PUT(p, ",\"reports\":[");
}

/* Makes the reports of the advertisements s heard in (from, to], stamped
 * to, into messages.  Returns -1 out of memory. */
int
scanner_batch(struct scanner *s, int64_t from, int64_t to)
{
	struct load *L = s->L;
	size_t k = (size_t)(s - L->scanners), n = 0;
	char *p = message_begin(s);

	for (size_t j = L->first[k]; j < L->first[k + 1]; j++) {
		const struct link *ln = &L->links[j];
		const struct tag *t = &L->tags[ln->tag];
		int64_t newest = (to - t->phase_us) / t->period_us;
		int64_t ads = newest - (from - t->phase_us) / t->period_us;

		if (ads > 0 && ln->tag >= (size_t)L->o.tags) {
			size_t pr = ln->tag - (size_t)L->o.tags;

			/* The first scanner to report a probe's burst
			 * starts its clock.  Not the first burst: a tag
			 * trackd has never seen takes longer to show. */
			if (L->probe_k[pr] != newest) {
				L->probe_t[pr] = L->probe_k[pr] < 0 ? 0 : to;
				L->probe_k[pr] = newest;
			}
		}

		for (; ads > 0; ads--) {
			float v = ln->mean_dbm +
			          L->noise[rng_next(&L->rng) &
			                   (NOISE_SAMPLES - 1)];
			long rssi = lroundf(v);
			char num[8];
			int w;

			rssi = rssi > 0 ? 0 : rssi < -127 ? -127 : rssi;
			if (n == MAX_PER_MESSAGE) {
				if (message_end(s, p, n) < 0)
					return -1;
				p = message_begin(s);
				n = 0;
			}
			if (n++)
				*p++ = ',';
			p = PUT(p, "{\"tag\":");
			p = put(p, L->tag_json + ln->tag * TAG_JSON,
			        TAG_JSON);
			p = PUT(p, ",\"rssi\":");
			w = snprintf(num, sizeof num, "%ld", rssi);
			p = put(p, num, (size_t)w);
			p = PUT(p, ",\"t\":");
			p = put(p, L->t_json, L->t_len);
			*p++ = '}';
			L->last_sent_us[ln->tag] = to;
			L->c.offered++;
		}
	}
	return n ? message_end(s, p, n) : 0;
}

static void
show_refusal(struct load *L, const struct scanner *s, const char *why)
{
	if (L->n_shown >= SHOW_REFUSALS)
		return;
	fprintf(stderr, "trackd-load: trackd refused a report from %s: %s\n",
	        s->sc->id, why);
	if (++L->n_shown == SHOW_REFUSALS)
		fprintf(stderr, "trackd-load: (further refusals are only "
		                "counted)\n");
}

/* Counts the answer {"accepted":N,"rejected":[{"index":i,"error":".."}]}
 * (plus "error" when the whole message was refused) to message m. */
static void
count_answer(struct load *L, struct scanner *s, const struct msg *m)
{
	json_t *doc = json_loadb(s->rx, s->rx_len, 0, NULL);
	json_t *acc = json_object_get(doc, "accepted");
	json_t *rej = json_object_get(doc, "rejected");
	json_t *err = json_object_get(doc, "error");
	size_t accepted, rejected;

	if (!json_is_integer(acc) || json_integer_value(acc) < 0 ||
	    (size_t)json_integer_value(acc) > m->n || !json_is_array(rej)) {
		L->client_errors++;
		L->unanswered += m->n;
		fprintf(stderr, "trackd-load: unexpected answer from trackd: "
		                "%.200s\n", s->rx);
		json_decref(doc);
		return;
	}
	accepted = (size_t)json_integer_value(acc);
	rejected = m->n - accepted;
	L->c.accepted += accepted;
	L->rejected_total += rejected;
	if (json_is_string(err)) {
		show_refusal(L, s, json_string_value(err));
	} else if (json_array_size(rej) > 0) {
		json_t *why = json_object_get(json_array_get(rej, 0), "error");

		show_refusal(L, s, json_is_string(why) ? json_string_value(why)
		                                       : "(no reason given)");
	}
	json_decref(doc);
}

void
scanner_receive(struct load *L, struct scanner *s, struct lws *wsi,
                const void *in, size_t len)
{
	struct msg *m;

	if (s->rx_len + len >= MAX_ANSWER)
		s->rx_too_big = true;
	if (!s->rx_too_big && s->rx_len + len >= s->rx_cap) {
		size_t cap = 2 * (s->rx_len + len + 1);
		char *r = realloc(s->rx, cap);

		if (r) {
			s->rx = r;
			s->rx_cap = cap;
		} else {
			s->rx_too_big = true;
		}
	}
	if (!s->rx_too_big) {
		memcpy(s->rx + s->rx_len, in, len);
		s->rx_len += len;
		s->rx[s->rx_len] = '\0';
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	m = msg_pop(&s->sent, &s->sent_tail);
	if (!m) {
		L->client_errors++;
		fprintf(stderr, "trackd-load: an answer to no message from "
		                "trackd on %s's connection\n", s->sc->id);
	} else if (s->rx_too_big) {
		L->client_errors++;
		L->unanswered += m->n;
	} else {
		count_answer(L, s, m);
	}
	free(m);
	s->rx_len = 0;
	s->rx_too_big = false;
}
