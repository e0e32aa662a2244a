#ifndef TRACKD_REPORTS_H
#define TRACKD_REPORTS_H

#include "app.h"

/* One answer: JSON (json, a new reference) or CSV text (csv, malloc'd), or
 * an error (status >= 400 with error and detail). */
struct report {
	int status;
	json_t *json;
	char *csv;
	const char *error;
	const char *detail;
};

/* /api/v1/reports/{which} with the request's query string. */
struct report reports_get(struct app *a, struct lws *wsi, const char *which);

#endif
