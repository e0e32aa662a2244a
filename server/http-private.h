/* What the http-*.c files share: one HTTP session's state and the
 * helpers that set its answer. Not for anyone else. */
#ifndef TRACKD_HTTP_PRIVATE_H
#define TRACKD_HTTP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#include "access.h"
#include "app.h"
#include "paged.h"

struct http_pss {
	char path[256];
	bool post;
	char *body;          /* POST body so far */
	size_t body_len;
	bool body_too_big;
	int refused;         /* a POST refused before its body: the status */
	char why[200];       /* and why */
	char *resp;          /* the answer's body, or its piece being sent */
	size_t resp_len, resp_sent;
	struct paged pg;     /* the rest of an answer made in pieces */
	bool more;           /* pg has more pieces */
	bool sandbox;        /* a drawing: no scripts if opened on its own */
	struct caller who;
	int status;
	const char *ctype;
	/* Single sign-on (oidc-routes.c): headers for the answer, and an
	 * answer that waits for the provider (deferred: 1 waiting, 2 set). */
	char location[2048];
	char cookie[2][320];
	int deferred;
	struct lws *wsi;
	struct oidc_wait *wait;
};

/* The sign-on routes (oidc-routes.c): GET /api/v1/auth/methods,
 * /api/v1/auth/oidc/login and /callback; true when path was one (the
 * answer set, or p->deferred). signout: POST /api/v1/auth/signout. gone:
 * the connection closed while an answer waited. */
bool http__oidc_get(struct app *a, struct lws *wsi, struct http_pss *p,
                    const char *path);
void http__oidc_signout(struct app *a, struct lws *wsi, struct http_pss *p);
void http__oidc_gone(struct app *a, struct http_pss *p);

/* The answer, replacing any set before. text: body (malloc'd, now the
 * session's; NULL: none). bytes: a copy of len bytes (500 when out of
 * memory). json: doc dumped, its reference taken. error:
 * {"error": error, "detail": detail}. (http-reply.c) */
void http__reply_text(struct http_pss *p, int status, const char *ctype,
                      char *body);
void http__reply_bytes(struct http_pss *p, int status, const char *ctype,
                       const char *data, size_t len);
void http__reply_json(struct http_pss *p, int status, json_t *doc);
void http__reply_error(struct http_pss *p, int status, const char *error,
                       const char *detail);

/* May the caller do what perm allows? If not, the answer (401 without a
 * valid token, 403 with one whose role does not allow it) is set.
 * http__allow_person() also audits a refusal of a look-up of whom. */
bool http__allow(struct http_pss *p, unsigned perm);
bool http__allow_person(struct app *a, struct http_pss *p, unsigned perm,
                        const char *action, const char *whom);

/* Whether a static file may be served (http-static.c): uri's real path
 * is inside the web root; uri is none of the npm side's private files. */
bool http__inside_web_root(const struct app *a, const char *uri);
bool http__npm_private(const char *uri);

/* Answer the GET of p->path (http-routes.c). */
void http__route_get(struct app *a, struct lws *wsi, struct http_pss *p);

/* A POST (http-post.c). begin, once its headers are in: 1 when its answer
 * is set already (not a POST route, no length), 0 to read its body.
 * body: the next part of it (-1 when out of memory). answer: once all of
 * it is read, the answer set. */
int http__post_begin(struct app *a, struct lws *wsi, struct http_pss *p);
int http__post_body(struct http_pss *p, const void *in, size_t len);
void http__post_answer(struct app *a, struct http_pss *p);

#endif
