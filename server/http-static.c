/* What the web root serves: only files inside it, and of its npm side
 * only what the page loads. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "http-private.h"

/* A static file is served only when its real path (symlinks followed) is
 * inside the web root: lws refuses "..", but would follow a link out. */
bool
http__inside_web_root(const struct app *a, const char *uri)
{
	char path[PATH_MAX + 256], real[PATH_MAX];
	size_t root = strlen(a->web_root);

	if (strncmp(uri, "/api/", 5) == 0 || strcmp(uri, "/healthz") == 0 ||
	    strcmp(uri, "/metrics") == 0)
		return true;
	snprintf(path, sizeof path, "%s%s%s", a->web_root, uri,
	         uri[strlen(uri) - 1] == '/' ? "index.html" : "");
	if (!realpath(path, real))
		return true; /* missing: lws answers 404 */
	return strncmp(real, a->web_root, root) == 0 &&
	       (real[root] == '/' || real[root] == '\0');
}

/* Of the web root's npm side only what the page loads is served: the
 * files under a package's dist/ (Leaflet's, uPlot's). package.json, the
 * lock file and the rest of node_modules/ (sources, READMEs, versions to
 * look up vulnerabilities by) get 404. */
bool
http__npm_private(const char *uri)
{
	const char *base = strrchr(uri, '/'), *pkg, *slash;

	if (strncmp(uri, "/api/", 5) == 0)
		return false;
	base = base ? base + 1 : uri;
	if (strcmp(base, "package.json") == 0 ||
	    strcmp(base, "package-lock.json") == 0 || strstr(uri, "/.."))
		return true;
	if (strcmp(uri, "/node_modules") == 0)
		return true;
	if (strncmp(uri, "/node_modules/", 14) != 0)
		return false;
	pkg = uri + 14;
	slash = strchr(pkg, '/');
	return !slash || slash == pkg || strncmp(slash, "/dist/", 6) != 0;
}
