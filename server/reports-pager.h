/* What the stored reports read in pages share (reports-history.c,
 * reports-events.c): the pager that makes an answer a step at a time
 * (paged.h), each step one page of rows keyed by (time, rowid), so that
 * none comes twice or is skipped (store_key), and never more than a slice
 * of time, so that a step's cost does not grow with the window. Private
 * to those files. */
#ifndef TRACKD_REPORTS_PAGER_H
#define TRACKD_REPORTS_PAGER_H

#include "reports.h"

/* Rows a step reads at most (--page-rows overrides it, for tests), and
 * the longest stretch of time it reads: history's query sorts what the
 * stretch holds. */
#define PAGE_ROWS 256
#define SLICE_US (3600 * (int64_t)1000000)
/* A floor's query sorts every tag's rows of its stretch: one index bucket
 * (10 s) keeps that to a bucket's rows, as one tag's hour is. */
#define FLOOR_SLICE_US (10 * (int64_t)1000000)

enum kind { HISTORY, FLOOR, EVENTS, AUDIT };

struct pager {
	enum kind kind;
	/* Reads the next page of at most limit rows into out (pager_take
	 * each): 0, or -1 when the store failed. */
	int (*next_page)(struct app *a, struct pager *g, size_t limit);
	bool csv, ring;         /* ring: events from memory (no --db) */
	int64_t from, to;
	int64_t slice;          /* the longest stretch a step reads */
	struct store_key key;   /* the next step reads after it (EVENTS:
	                         * before it) */
	struct store_key last;  /* the last row given (EVENTS: "next") */
	/* Without a database: the ring's events that match, keyed by (t,
	 * sequence number), newest first; the next to give is keys[at]. */
	struct store_key *keys;
	size_t n_keys, at;
	size_t n, max, page;    /* n: rows taken (one past max: truncated) */
	size_t read;            /* rows read, taken or (FLOOR) left out */
	bool people;            /* FLOOR: people too, not only assets */
	struct app *app;        /* FLOOR: to tell people from assets */
	bool done, truncated;
	char tag[TRACK_ID_MAX], type[32];
	bool by_tag, by_type;
	char *tail;             /* what closes the JSON list: its name */
	struct paged_text *out; /* during a step */
	struct paged_text first; /* made with the report, to catch errors */
	int first_rc;
	bool primed;
};

/* A pager of kind for [from, to), at most max rows (one more: truncated),
 * each page read by next_page; NULL when out of memory. */
struct pager *pager_new(struct app *a, enum kind kind, int64_t from,
                        int64_t to, size_t max, bool csv,
                        int (*next_page)(struct app *, struct pager *,
                                         size_t));
/* The answer's start: CSV's header line, or JSON's fields before the
 * list (doc, consumed, without its "}") and the list's name. */
void pager_begin(struct pager *g, const char *csv_header, json_t *doc,
                 const char *list);
/* The report of g: its first step is made now, so that a store that
 * cannot be read answers with an error (status fail). */
struct report pager_start(struct app *a, struct pager *g, int fail);

/* Count a row; false past the cap (the answer is then truncated). */
bool pager_take(struct pager *g, int64_t t_us, int64_t rowid);
/* format=: true for csv; *bad set for neither csv nor json. */
bool pager_want_csv(const struct request *r, const char **bad);
/* A coordinate rounded to centimetres, null when not finite. */
json_t *pager_coord(double v);
/* Text into a CSV row, escaped: no forged rows or formulas. */
void pager_csv_field(struct paged_text *t, const char *s, char sep);

struct report report_no_memory(void);
struct report report_storage_error(struct app *a);
/* Any tag the site does not list, never located and without a history is
 * a 404, for its history as for its events: an empty answer would read
 * as "nothing happened" to a typo. */
struct report report_unknown_tag(void);
/* 1 for a tag the site lists, that has been located or has a history; 0
 * for none of these; -1 when the database cannot say. */
int report_tag_known(struct app *a, const char *tag);

#endif
