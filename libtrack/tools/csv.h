/* csv: a streaming reader for the contract CSV files (DESIGN.md, "CSV
 * files"): a header row, comma-separated fields, no quoting, LF or CRLF line
 * ends. Blank lines are skipped. Lines longer than CSV_LINE_MAX bytes are an
 * error.
 *
 * One reader reuses one buffer: the strings csv_field() and csv_id() return
 * point into it and stay valid only until the next csv_next() or
 * csv_close(). Reading allocates nothing per row.
 *
 * Every error message names the file, the line and, for a field, the column
 * and what was expected, e.g.
 * "reports.csv:17: column 'rssi': expected a number, got 'abc'".
 * A reader is not thread-safe; use one per thread.
 */
#ifndef TRACK_TOOLS_CSV_H
#define TRACK_TOOLS_CSV_H

#include <stddef.h>

/* Longest line accepted, without its line end. */
#define CSV_LINE_MAX 4096

typedef struct csv_reader csv_reader;

/* Open path ("-" = stdin) and read its header into *out.
 * Returns 0, or -1 with a message naming the file in err (errlen bytes,
 * always NUL-terminated when errlen > 0); *out is then left untouched. */
int csv_open(const char *path, csv_reader **out, char *err, size_t errlen);

/* Close the file (unless it is stdin) and free the reader. NULL: no-op. */
void csv_close(csv_reader *r);

/* The index of header column name, or -1 when there is none. */
int csv_column(const csv_reader *r, const char *name);

/* Look up n required columns, writing their indexes into idx[0..n-1].
 * Returns 0, or -1 with csv_error() set to
 * "FILE: missing column 'x' (header: a,b,c)". */
int csv_require(csv_reader *r, const char *const *names, int *idx, size_t n);

/* Read the next row. Returns 1 when a row was read, 0 at the end of the
 * file, -1 on an error (a row with the wrong number of fields, an over-long
 * line, a read error; see csv_error()). After a row error the reader stays
 * usable: the next call reads the following line. */
int csv_next(csv_reader *r);

/* Field col of the current row, NUL-terminated; "" when col is out of
 * range. */
const char *csv_field(const csv_reader *r, int col);

/* Parse field col as a finite number. Returns 0, or -1 with csv_error()
 * set; *out is then left untouched. Spaces around the number are allowed. */
int csv_double(csv_reader *r, int col, double *out);

/* Parse field col as a base-10 integer that fits a long; as csv_double. */
int csv_int(csv_reader *r, int col, long *out);

/* Field col as an id: non-empty and shorter than TRACK_ID_MAX bytes.
 * Returns 0 and points *out into the row, or -1 with csv_error() set. */
int csv_id(csv_reader *r, int col, const char **out);

/* Set the error to "FILE:LINE: column 'NAME': " (col >= 0) or "FILE:LINE: "
 * (col < 0) followed by the printf-style message, for checks the caller
 * makes on a row. Returns -1, so callers can "return csv_fail(...)". */
int csv_fail(csv_reader *r, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last error message ("" when none). Valid until the next call. */
const char *csv_error(const csv_reader *r);

/* The 1-based line number of the current row (of the header right after
 * csv_open()). */
unsigned long csv_line(const csv_reader *r);

/* The file name used in messages ("<stdin>" for "-"). */
const char *csv_path(const csv_reader *r);

/* The number of header columns. */
size_t csv_columns(const csv_reader *r);

/* The name of header column col ("" when out of range). */
const char *csv_column_name(const csv_reader *r, int col);

#endif /* TRACK_TOOLS_CSV_H */
