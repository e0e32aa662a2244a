/* The site tests' parsing helpers and example (site-fixture.h). */
#include "site-fixture.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

char err[16384];

/* The JSON below is written with ' for " so that it stays readable; json()
 * swaps them back. No test needs a real ' in its input. */
char *
json(const char *q)
{
	char *s = strdup(q);

	cr_assert(s);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

track_status
parse(const char *q, track_site_doc **out)
{
	char *s = json(q);
	track_status st;

	st = track_site_parse(s, strlen(s), "site.json", out, err, sizeof err);
	free(s);
	return st;
}

/* q is refused with exactly msg (every line of it). */
void
expect_refused(const char *q, const char *msg)
{
	track_site_doc *d = NULL;

	cr_expect_eq(parse(q, &d), TRACK_EINVAL, "accepted: %s", q);
	cr_expect_null(d);
	cr_expect_str_eq(err, msg);
}

track_site_doc *
expect_loaded(const char *q)
{
	track_site_doc *d = NULL;

	cr_assert_eq(parse(q, &d), TRACK_OK, "%s", err);
	cr_assert_not_null(d);
	cr_expect_str_eq(err, "");
	return d;
}

/* DESIGN.md's example, with a second floor, more scanners, every zone
 * kind (one concave, one clockwise) and a tag without a category. */
const char valid[] =
	"{ 'site': 'demo-hospital', 'name': 'Demo Hospital, West Wing',\n"
	"  'y_axis': 'up',\n"
	"  'floors': [\n"
	"    { 'id': 'f0', 'name': 'Ground', 'level': 0, 'z': 0.0,\n"
	"      'width': 48.0, 'height': 22.0, 'image': 'f0.svg' },\n"
	"    { 'id': 'f1', 'name': 'First', 'level': 1, 'z': 4.2,\n"
	"      'width': 40, 'height': 20 } ],\n"
	"  'scanners': [\n"
	"    { 'id': 'ap-f0-01', 'floor': 'f0', 'x': 4.0, 'y': 3.5, 'z': 2.8,\n"
	"      'path_loss': 2.2, 'rssi_offset': 0 },\n"
	"    { 'id': 'ap-f0-02', 'floor': 'f0', 'x': 48, 'y': 22, 'z': 2.8,\n"
	"      'rssi_offset': -3.5 },\n"
	"    { 'id': 'ap-f0-03', 'floor': 'f0', 'x': 24, 'y': 11, 'z': 2.8 },\n"
	"    { 'id': 'ap-f1-01', 'floor': 'f1', 'x': 0, 'y': 0, 'z': 2.6 } ],\n"
	"  'zones': [\n"
	"    { 'id': 'icu', 'name': 'ICU', 'floor': 'f0', 'kind': 'room',\n"
	"      'capacity': 12, 'polygon': [[30,0],[48,0],[48,10],[30,10]] },\n"
	"    { 'id': 'hall', 'name': 'Hall', 'floor': 'f0',\n"
	"      'kind': 'corridor',\n"
	"      'polygon': [[0,10],[0,12],[48,12],[48,10]] },\n"
	"    { 'id': 'pharmacy', 'name': 'Pharmacy', 'floor': 'f0',\n"
	"      'kind': 'restricted', 'polygon': [[0,12],[10,12],[5,22]] },\n"
	"    { 'id': 'ward', 'name': 'Ward', 'floor': 'f1', 'kind': 'exit',\n"
	"      'capacity': 0,\n"
	"      'polygon': [[0,0],[20,0],[20,10],[12,10],[12,6],[0,6]] } ],\n"
	"  'tags': [\n"
	"    { 'id': 'badge-0042', 'name': 'Nurse 42', 'kind': 'person',\n"
	"      'category': 'staff' },\n"
	"    { 'id': 'pump-007', 'name': 'Infusion pump 7',\n"
	"      'kind': 'asset' } ]\n"
	"}\n";

