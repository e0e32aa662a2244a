#include "csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/track.h"

/* Big enough that fread() calls are rare and always larger than a line
 * plus its CRLF, so a line that fits is always found whole. */
#define CSV_BUF_SIZE (64 * 1024)
#define CSV_ERR_MAX 512
/* How much of a bad value an error message quotes. */
#define CSV_QUOTE_MAX 40

struct csv_reader {
	FILE *f;
	bool close_f;
	bool eof;
	char *path;
	char *buf;            /* CSV_BUF_SIZE + 1: room for a final NUL */
	size_t pos, end;      /* unread bytes are buf[pos..end) */
	unsigned long lineno; /* physical line of the current row */
	char **header;        /* n_cols names, pointing into header_text */
	char *header_text;
	size_t n_cols;
	char **field;         /* n_cols pointers into buf */
	size_t n_field;
	char err[CSV_ERR_MAX];
};

static void
csv_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
csv_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A value as it appears in an error message: cut short, so that a binary
 * file or a huge field does not flood the terminal. */
static void
csv_quote(char *dst, size_t dstlen, const char *s)
{
	size_t n = strlen(s);

	if (n < CSV_QUOTE_MAX) {
		snprintf(dst, dstlen, "%s", s);
		return;
	}
	snprintf(dst, dstlen, "%.*s...", CSV_QUOTE_MAX - 3, s);
}

/* Read the next physical line into buf, NUL-terminated and without its
 * line end. Returns 1, 0 at the end of the file, -1 on an error. */
static int
csv_read_line(csv_reader *r, char **line, size_t *len)
{
	bool too_long = false;

	for (;;) {
		char *start = r->buf + r->pos;
		size_t avail = r->end - r->pos;
		char *nl = memchr(start, '\n', avail);
		size_t n;

		if (nl || (r->eof && (avail > 0 || too_long))) {
			n = nl ? (size_t)(nl - start) : avail;
			r->pos += nl ? n + 1 : n;
			r->lineno++;
			if (n > 0 && start[n - 1] == '\r')
				n--;
			start[n] = '\0';
			if (too_long || n > CSV_LINE_MAX) {
				csv_fail(r, -1, "line longer than %d bytes",
				         CSV_LINE_MAX);
				return -1;
			}
			*line = start;
			*len = n;
			return 1;
		}
		if (r->eof)
			return 0;
		/* No line end in sight: keep the partial line, but once it
		 * is already too long drop its bytes while looking for its
		 * end, so memory stays bounded by CSV_BUF_SIZE. */
		if (avail > CSV_LINE_MAX + 1) {
			too_long = true;
			avail = 0;
		}
		memmove(r->buf, start, avail);
		r->pos = 0;
		r->end = avail;
		n = fread(r->buf + r->end, 1, CSV_BUF_SIZE - r->end, r->f);
		if (n == 0) {
			if (ferror(r->f)) {
				snprintf(r->err, sizeof r->err,
				         "%s:%lu: read error: %s", r->path,
				         r->lineno + 1, strerror(errno));
				return -1;
			}
			r->eof = true;
		}
		r->end += n;
		r->buf[r->end] = '\0';
	}
}

static bool
csv_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/* The next non-blank line, or 0 / -1 as csv_read_line(). */
static int
csv_read_nonblank(csv_reader *r, char **line, size_t *len)
{
	int rc;

	do {
		rc = csv_read_line(r, line, len);
	} while (rc == 1 && csv_blank(*line));
	return rc;
}

static char *
csv_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static int
csv_read_header(csv_reader *r, char *err, size_t errlen)
{
	char *line, *p;
	size_t len, i;
	int rc;

	rc = csv_read_nonblank(r, &line, &len);
	if (rc < 0) {
		csv_set_err(err, errlen, "%s", r->err);
		return -1;
	}
	if (rc == 0) {
		csv_set_err(err, errlen, "%s: empty file, expected a header",
		            r->path);
		return -1;
	}
	/* A UTF-8 byte order mark from spreadsheet exports. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	r->header_text = malloc(len + 1);
	if (!r->header_text)
		goto nomem;
	memcpy(r->header_text, line, len + 1);
	r->n_cols = 1;
	for (p = r->header_text; *p; p++)
		if (*p == ',')
			r->n_cols++;
	r->header = calloc(r->n_cols, sizeof *r->header);
	r->field = calloc(r->n_cols, sizeof *r->field);
	if (!r->header || !r->field)
		goto nomem;
	p = r->header_text;
	for (i = 0; i < r->n_cols; i++) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		r->header[i] = csv_trim(p);
		if (r->header[i][0] == '\0') {
			csv_set_err(err, errlen,
			            "%s:%lu: header column %zu is empty",
			            r->path, r->lineno, i + 1);
			return -1;
		}
		p = comma ? comma + 1 : p + strlen(p);
	}
	return 0;
nomem:
	csv_set_err(err, errlen, "%s: out of memory", r->path);
	return -1;
}

int
csv_open(const char *path, csv_reader **out, char *err, size_t errlen)
{
	csv_reader *r;
	bool is_stdin = strcmp(path, "-") == 0;

	r = calloc(1, sizeof *r);
	if (!r) {
		csv_set_err(err, errlen, "%s: out of memory", path);
		return -1;
	}
	r->path = strdup(is_stdin ? "<stdin>" : path);
	r->buf = malloc(CSV_BUF_SIZE + 1);
	if (!r->path || !r->buf) {
		csv_set_err(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	r->buf[0] = '\0';
	if (is_stdin) {
		r->f = stdin;
	} else {
		r->f = fopen(path, "rb");
		if (!r->f) {
			csv_set_err(err, errlen, "%s: %s", path,
			            strerror(errno));
			goto fail;
		}
		r->close_f = true;
	}
	if (csv_read_header(r, err, errlen) < 0)
		goto fail;
	r->err[0] = '\0';
	*out = r;
	return 0;
fail:
	csv_close(r);
	return -1;
}

void
csv_close(csv_reader *r)
{
	if (!r)
		return;
	if (r->close_f)
		fclose(r->f);
	free(r->field);
	free(r->header);
	free(r->header_text);
	free(r->buf);
	free(r->path);
	free(r);
}

int
csv_column(const csv_reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_cols; i++)
		if (strcmp(r->header[i], name) == 0)
			return (int)i;
	return -1;
}

/* Append s to r->err at *len, cutting it short when the buffer is full. */
static void
csv_err_append(csv_reader *r, size_t *len, const char *s)
{
	size_t n = strlen(s), room = sizeof r->err - 1 - *len;

	if (n > room)
		n = room;
	memcpy(r->err + *len, s, n);
	*len += n;
	r->err[*len] = '\0';
}

int
csv_require(csv_reader *r, const char *const *names, int *idx, size_t n)
{
	size_t i, j, len;

	for (i = 0; i < n; i++) {
		idx[i] = csv_column(r, names[i]);
		if (idx[i] >= 0)
			continue;
		snprintf(r->err, sizeof r->err,
		         "%s: missing column '%s' (header: ", r->path,
		         names[i]);
		len = strlen(r->err);
		for (j = 0; j < r->n_cols; j++) {
			if (j)
				csv_err_append(r, &len, ",");
			csv_err_append(r, &len, r->header[j]);
		}
		csv_err_append(r, &len, ")");
		return -1;
	}
	return 0;
}

int
csv_next(csv_reader *r)
{
	char *line, *p;
	size_t len, n;
	int rc;

	r->n_field = 0;
	rc = csv_read_nonblank(r, &line, &len);
	if (rc <= 0)
		return rc;
	/* Split in place; count past n_cols only to report how many. */
	n = 0;
	p = line;
	for (;;) {
		char *comma = memchr(p, ',', len - (size_t)(p - line));

		if (n < r->n_cols)
			r->field[n] = p;
		n++;
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	if (n != r->n_cols) {
		csv_fail(r, -1, "expected %zu fields, got %zu", r->n_cols, n);
		return -1;
	}
	r->n_field = n;
	return 1;
}

const char *
csv_field(const csv_reader *r, int col)
{
	if (col < 0 || (size_t)col >= r->n_field)
		return "";
	return r->field[col];
}

int
csv_fail(csv_reader *r, int col, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (col >= 0 && (size_t)col < r->n_cols)
		len = snprintf(r->err, sizeof r->err, "%s:%lu: column '%s': ",
		               r->path, r->lineno, r->header[col]);
	else
		len = snprintf(r->err, sizeof r->err, "%s:%lu: ", r->path,
		               r->lineno);
	if (len < 0 || (size_t)len >= sizeof r->err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err + len, sizeof r->err - (size_t)len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
csv_trailing_space_only(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

int
csv_double(csv_reader *r, int col, double *out)
{
	const char *s = csv_field(r, col);
	char q[CSV_QUOTE_MAX + 4];
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || !csv_trailing_space_only(end) || !isfinite(v)) {
		csv_quote(q, sizeof q, s);
		return csv_fail(r, col, "expected a number, got '%s'", q);
	}
	*out = v;
	return 0;
}

int
csv_int(csv_reader *r, int col, long *out)
{
	const char *s = csv_field(r, col);
	char q[CSV_QUOTE_MAX + 4];
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || !csv_trailing_space_only(end) || errno == ERANGE) {
		csv_quote(q, sizeof q, s);
		return csv_fail(r, col, "expected an integer, got '%s'", q);
	}
	*out = v;
	return 0;
}

int
csv_id(csv_reader *r, int col, const char **out)
{
	const char *s = csv_field(r, col);
	size_t n = strlen(s);

	if (n == 0)
		return csv_fail(r, col, "expected an id, got an empty field");
	if (n >= TRACK_ID_MAX) {
		char q[CSV_QUOTE_MAX + 4];

		csv_quote(q, sizeof q, s);
		return csv_fail(r, col,
		                "expected an id of at most %d bytes, got %zu "
		                "('%s')", TRACK_ID_MAX - 1, n, q);
	}
	*out = s;
	return 0;
}

const char *
csv_error(const csv_reader *r)
{
	return r->err;
}

unsigned long
csv_line(const csv_reader *r)
{
	return r->lineno;
}

const char *
csv_path(const csv_reader *r)
{
	return r->path;
}

size_t
csv_columns(const csv_reader *r)
{
	return r->n_cols;
}

const char *
csv_column_name(const csv_reader *r, int col)
{
	if (col < 0 || (size_t)col >= r->n_cols)
		return "";
	return r->header[col];
}
