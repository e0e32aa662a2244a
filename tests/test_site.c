/* Site files: a valid one loads with every value and feeds the engine;
 * each kind of mistake is refused with the message a user reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "track/site.h"
#include "track/track.h"

static char err[16384];

/* The JSON below is written with ' for " so that it stays readable; json()
 * swaps them back. No test needs a real ' in its input. */
static char *
json(const char *q)
{
	char *s = strdup(q);

	cr_assert(s);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

static track_status
parse(const char *q, track_site_doc **out)
{
	char *s = json(q);
	track_status st;

	st = track_site_parse(s, strlen(s), "site.json", out, err, sizeof err);
	free(s);
	return st;
}

/* q is refused with exactly msg (every line of it). */
static void
expect_refused(const char *q, const char *msg)
{
	track_site_doc *d = NULL;

	cr_expect_eq(parse(q, &d), TRACK_EINVAL, "accepted: %s", q);
	cr_expect_null(d);
	cr_expect_str_eq(err, msg);
}

static track_site_doc *
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
static const char valid[] =
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

/* The smallest valid site around a floors list, a scanners list and
 * anything after them. */
#define FLOOR_F0 "{ 'id': 'f0', 'name': 'G', 'level': 0, 'width': 48, " \
	"'height': 22 }"
#define SITE(floors, scanners, rest) \
	"{ 'site': 's', 'name': 'S', 'floors': [" floors "], " \
	"'scanners': [" scanners "]" rest " }"
#define WITH_FLOOR0(scanners, rest) SITE(FLOOR_F0, scanners, rest)
#define ZONE(kind, polygon) \
	WITH_FLOOR0("", ", 'zones': [ { 'id': 'z', 'name': 'Z', " \
	            "'floor': 'f0', 'kind': '" kind "', 'polygon': " \
	            polygon " } ]")

/* ---- valid files -------------------------------------------------------- */

Test(site, a_valid_site_loads_with_every_value)
{
	track_site_doc *d = expect_loaded(valid);
	const track_site *s = track_site_engine(d);

	cr_expect_str_eq(track_site_id(d), "demo-hospital");
	cr_expect_str_eq(track_site_name(d), "Demo Hospital, West Wing");
	cr_expect_str_eq(track_site_y_axis(d), "up");

	cr_assert_eq(s->n_floors, 2);
	cr_expect_str_eq(s->floors[1].id, "f1");
	cr_expect_eq(s->floors[1].z, 4.2);
	cr_expect_eq(s->floors[1].width, 40.0);
	cr_expect_eq(s->floors[1].height, 20.0);
	cr_expect_str_eq(track_site_floor_name(d, 0), "Ground");
	cr_expect_str_eq(track_site_floor_image(d, 0), "f0.svg");
	cr_expect_null(track_site_floor_image(d, 1));
	cr_expect_eq(track_site_floor_level(d, 1), 1);

	cr_assert_eq(s->n_scanners, 4);
	cr_expect_str_eq(s->scanners[0].id, "ap-f0-01");
	cr_expect_str_eq(s->scanners[0].floor, "f0");
	cr_expect_eq(s->scanners[0].x, 4.0);
	cr_expect_eq(s->scanners[0].y, 3.5);
	cr_expect_eq(s->scanners[0].path_loss, 2.2);
	cr_expect_eq(s->scanners[1].rssi_offset_db, -3.5);
	cr_expect_eq(s->scanners[2].path_loss, 0.0, "absent: the default");
	cr_expect_str_eq(s->scanners[3].floor, "f1");
	track_site_free(d);
}

Test(site, scanner_z_is_above_its_floor_and_handed_over_absolute)
{
	track_site_doc *d = expect_loaded(valid);
	const track_site *s = track_site_engine(d);

	cr_expect_eq(s->scanners[0].z, 2.8);
	cr_expect_float_eq(s->scanners[3].z, 4.2 + 2.6, 1e-12);
	track_site_free(d);
}

Test(site, zones_and_tags_keep_file_order_and_values)
{
	track_site_doc *d = expect_loaded(valid);
	const track_site_zone *z;
	const track_site_tag *t;

	cr_assert_eq(track_site_zones(d, &z), 4);
	cr_expect_str_eq(z[0].id, "icu");
	cr_expect_str_eq(z[0].name, "ICU");
	cr_expect_str_eq(z[0].floor, "f0");
	cr_expect_eq(z[0].kind, TRACK_ZONE_ROOM);
	cr_expect_eq(z[0].capacity, 12);
	cr_assert_eq(z[0].n_points, 4);
	cr_expect_eq(z[0].polygon[1][0], 48.0);
	cr_expect_eq(z[0].polygon[3][1], 10.0);
	cr_expect_eq(z[1].kind, TRACK_ZONE_CORRIDOR);
	cr_expect_eq(z[1].capacity, 0, "absent: none");
	cr_expect_eq(z[2].kind, TRACK_ZONE_RESTRICTED);
	cr_expect_eq(z[2].n_points, 3);
	cr_expect_eq(z[3].kind, TRACK_ZONE_EXIT);
	cr_expect_str_eq(z[3].floor, "f1");
	cr_assert_eq(z[3].n_points, 6);
	cr_expect_eq(z[3].polygon[5][0], 0.0);
	cr_expect_eq(z[3].polygon[5][1], 6.0);

	cr_assert_eq(track_site_tags(d, &t), 2);
	cr_expect_str_eq(t[0].id, "badge-0042");
	cr_expect_str_eq(t[0].name, "Nurse 42");
	cr_expect_eq(t[0].kind, TRACK_TAG_PERSON);
	cr_expect_str_eq(t[0].category, "staff");
	cr_expect_eq(t[1].kind, TRACK_TAG_ASSET);
	cr_expect_str_eq(t[1].category, "", "absent: empty");
	cr_expect_eq(track_site_tags(d, NULL), 2);
	track_site_free(d);
}

Test(site, a_floor_index_out_of_range_gives_nothing)
{
	track_site_doc *d = expect_loaded(valid);

	cr_expect_null(track_site_floor_name(d, 2));
	cr_expect_null(track_site_floor_image(d, 2));
	cr_expect_eq(track_site_floor_level(d, 2), 0);
	track_site_free(d);
}

Test(site, a_valid_site_feeds_the_engine_which_outlives_the_document)
{
	track_site_doc *d = expect_loaded(valid);
	track_engine *e = NULL;
	track_report r = {
		.scanner = "ap-f1-01", .tag = "badge-0042", .rssi_dbm = -60,
		.t_us = 1000000, .tx_dbm = NAN,
	};

	cr_assert_eq(track_engine_create(NULL, track_site_engine(d), &e),
	             TRACK_OK);
	track_site_free(d);
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_OK);
	r.scanner = "ap-f9-99";
	cr_expect_eq(track_engine_ingest(e, &r), TRACK_ESCANNER);
	track_engine_destroy(e);
}

Test(site, optional_parts_take_their_defaults)
{
	track_site_doc *d = expect_loaded(WITH_FLOOR0("", ""));
	const track_site_zone *z = NULL;
	const track_site_tag *t = NULL;

	cr_expect_str_eq(track_site_y_axis(d), "down");
	cr_expect_eq(track_site_engine(d)->floors[0].z, 0.0);
	cr_expect_eq(track_site_engine(d)->n_scanners, 0);
	cr_expect_eq(track_site_zones(d, &z), 0);
	cr_expect_eq(track_site_tags(d, &t), 0);
	track_site_free(d);
}

Test(site, ids_may_repeat_across_kinds)
{
	track_site_doc *d = expect_loaded(WITH_FLOOR0(
		"{ 'id': 'f0', 'floor': 'f0', 'x': 1, 'y': 1, 'z': 2 }",
		", 'tags': [ { 'id': 'f0', 'name': 'T', 'kind': 'asset' } ]"));

	track_site_free(d);
}

Test(site, the_text_need_not_be_nul_terminated)
{
	char *s = json(valid);
	size_t len = strlen(s);
	char *buf = malloc(len + 3);
	track_site_doc *d = NULL;

	cr_assert(buf);
	memcpy(buf, s, len);
	memcpy(buf + len, "]]]", 3);
	cr_expect_eq(track_site_parse(buf, len, "site.json", &d, err,
	                              sizeof err),
	             TRACK_OK, "%s", err);
	cr_expect_eq(track_site_parse(buf, len + 3, "site.json", &d, err,
	                              sizeof err),
	             TRACK_EINVAL);
	track_site_free(d);
	free(buf);
	free(s);
}

Test(site, free_of_null_is_a_no_op)
{
	track_site_free(NULL);
}

/* ---- refusals, one mistake each ----------------------------------------- */

Test(site, a_floor_height_of_zero_is_refused)
{
	expect_refused(SITE(FLOOR_F0 ", { 'id': 'f1', 'name': 'F', "
	                    "'level': 1, 'width': 10, 'height': 0 }", "", ""),
	               "site.json: floors[1].height: expected a number > 0");
}

Test(site, a_size_that_is_not_a_number_gets_the_same_message)
{
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                    "'width': '48', 'height': 22 }", "", ""),
	               "site.json: floors[0].width: expected a number > 0");
}

Test(site, an_unknown_key_is_refused_with_its_path)
{
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                    "'width': 48, 'height': 22, 'colour': 'red' }",
	                    "", ""),
	               "site.json: floors[0]: unknown key 'colour'");
	expect_refused(WITH_FLOOR0("", ", 'colour': 'red'"),
	               "site.json: unknown key 'colour'");
}

Test(site, a_missing_key_is_named)
{
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                    "'height': 22 }", "", ""),
	               "site.json: floors[0]: missing key 'width'");
	expect_refused("{ 'site': 's', 'name': 'S', 'floors': ["
	               FLOOR_F0 "] }",
	               "site.json: missing key 'scanners'");
}

Test(site, a_duplicate_id_names_the_first)
{
	expect_refused(WITH_FLOOR0(
		"{ 'id': 'ap-1', 'floor': 'f0', 'x': 1, 'y': 1, 'z': 2 },"
		"{ 'id': 'ap-2', 'floor': 'f0', 'x': 1, 'y': 1, 'z': 2 },"
		"{ 'id': 'ap-3', 'floor': 'f0', 'x': 1, 'y': 1, 'z': 2 },"
		"{ 'id': 'ap-1', 'floor': 'f0', 'x': 1, 'y': 1, 'z': 2 }", ""),
		"site.json: scanners[3].id: duplicate id 'ap-1' (first at "
		"scanners[0])");
}

Test(site, a_duplicate_floor_id_is_refused_without_follow_up_errors)
{
	expect_refused(SITE(FLOOR_F0 "," FLOOR_F0,
	                    "{ 'id': 'a', 'floor': 'f0', 'x': 1, 'y': 1, "
	                    "'z': 2 }", ""),
	               "site.json: floors[1].id: duplicate id 'f0' (first at "
	               "floors[0])");
}

Test(site, a_scanner_on_a_missing_floor_is_refused)
{
	expect_refused(WITH_FLOOR0("{ 'id': 'a', 'floor': 'f9', 'x': 1, "
	                           "'y': 1, 'z': 2 }", ""),
	               "site.json: scanners[0].floor: no floor 'f9'");
}

Test(site, a_scanner_outside_its_floor_is_refused)
{
	expect_refused(WITH_FLOOR0("{ 'id': 'a', 'floor': 'f0', 'x': 48.5, "
	                           "'y': -1, 'z': 2 }", ""),
	               "site.json: scanners[0].x: expected a number in "
	               "[0, 48] (the width of floor 'f0')\n"
	               "site.json: scanners[0].y: expected a number in "
	               "[0, 22] (the height of floor 'f0')");
}

Test(site, a_scanner_below_its_floor_is_refused)
{
	expect_refused(WITH_FLOOR0("{ 'id': 'a', 'floor': 'f0', 'x': 1, "
	                           "'y': 1, 'z': -0.5 }", ""),
	               "site.json: scanners[0].z: expected a number >= 0");
}

/* Found by fuzz-site: each z was finite, their sum was not, and the
 * engine refused the site the parser had passed. */
Test(site, a_scanner_whose_absolute_z_overflows_is_refused)
{
	expect_refused("{ 'site': 's', 'name': 'S', 'floors': [ { 'id': 'f0', "
	               "'name': 'G', 'level': 0, 'z': 1e308, 'width': 10, "
	               "'height': 8 } ], 'scanners': [ { 'id': 'a', "
	               "'floor': 'f0', 'x': 1, 'y': 1, 'z': 1e308 } ] }",
	               "site.json: scanners[0].z: expected a height that, "
	               "added to the z of floor 'f0' (1e+308), stays finite");
}

Test(site, a_path_loss_must_lie_in_zero_to_ten)
{
	const char *msg = "site.json: scanners[0].path_loss: expected a "
	                  "number in (0, 10]";

	expect_refused(WITH_FLOOR0("{ 'id': 'a', 'floor': 'f0', 'x': 1, "
	                           "'y': 1, 'z': 2, 'path_loss': 0 }", ""),
	               msg);
	expect_refused(WITH_FLOOR0("{ 'id': 'a', 'floor': 'f0', 'x': 1, "
	                           "'y': 1, 'z': 2, 'path_loss': 10.5 }", ""),
	               msg);
	track_site_free(expect_loaded(WITH_FLOOR0(
		"{ 'id': 'a', 'floor': 'f0', 'x': 1, 'y': 1, 'z': 2, "
		"'path_loss': 10 }", "")));
}

Test(site, a_level_must_be_an_integer)
{
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 1.5, "
	                    "'width': 48, 'height': 22 }", "", ""),
	               "site.json: floors[0].level: expected an integer");
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 1.0, "
	                    "'width': 48, 'height': 22 }", "", ""),
	               "site.json: floors[0].level: expected an integer");
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': "
	                    "3000000000, 'width': 48, 'height': 22 }", "", ""),
	               "site.json: floors[0].level: expected an integer");
}

Test(site, an_empty_floor_list_is_refused)
{
	expect_refused(SITE("", "", ""),
	               "site.json: floors: expected a non-empty array");
}

Test(site, without_floors_scanners_get_no_follow_up_errors)
{
	expect_refused("{ 'site': 's', 'name': 'S', 'floors': {}, "
	               "'scanners': [ { 'id': 'a', 'floor': 'f0', 'x': 1, "
	               "'y': 1, 'z': 2 } ] }",
	               "site.json: floors: expected a non-empty array");
}

Test(site, y_axis_is_down_or_up)
{
	expect_refused(WITH_FLOOR0("", ", 'y_axis': 'left'"),
	               "site.json: y_axis: expected \"down\" or \"up\"");
}

Test(site, ids_are_short_printable_and_csv_safe)
{
	char id63[64], q[512];

	memset(id63, 'a', 63);
	id63[63] = '\0';
	snprintf(q, sizeof q, SITE("{ 'id': '%s', 'name': 'G', 'level': 0, "
	                           "'width': 48, 'height': 22 }", "", ""),
	         id63);
	track_site_free(expect_loaded(q));
	snprintf(q, sizeof q, SITE("{ 'id': '%sa', 'name': 'G', 'level': 0, "
	                           "'width': 48, 'height': 22 }", "", ""),
	         id63);
	expect_refused(q, "site.json: floors[0].id: expected an id of 1 to "
	               "63 characters, not 64");
	expect_refused(SITE("{ 'id': 'f,0', 'name': 'G', 'level': 0, "
	                    "'width': 48, 'height': 22 }", "", ""),
	               "site.json: floors[0].id: id 'f,0': expected "
	               "printable ASCII without spaces or any of , \" \\ /");
	expect_refused("{ 'site': '', 'name': 'S', 'floors': [" FLOOR_F0
	               "], 'scanners': [] }",
	               "site.json: site: expected an id of 1 to 63 "
	               "characters, not 0");
}

Test(site, a_self_intersecting_polygon_is_refused)
{
	/* A bow tie: edge 0 runs (0,0)-(4,4), edge 2 (4,0)-(0,4). */
	expect_refused(ZONE("room", "[[0,0],[4,4],[4,0],[0,4]]"),
	               "site.json: zones[0].polygon: edges 0 and 2 cross "
	               "(points 0-1 and 2-3)");
}

Test(site, a_polygon_touching_itself_is_refused)
{
	/* Point 3 lies on edge 0. */
	expect_refused(ZONE("room", "[[0,0],[4,0],[4,4],[2,0]]"),
	               "site.json: zones[0].polygon: edges 0 and 2 touch "
	               "(points 0-1 and 2-3)");
	/* The closing edge (3-0) crosses edge 1. */
	expect_refused(ZONE("room", "[[0,0],[4,0],[0,4],[4,4]]"),
	               "site.json: zones[0].polygon: edges 1 and 3 cross "
	               "(points 1-2 and 3-0)");
}

Test(site, a_repeated_point_is_refused)
{
	expect_refused(ZONE("room", "[[0,0],[4,0],[4,4],[0,0]]"),
	               "site.json: zones[0].polygon: points 0 and 3 are the "
	               "same (do not repeat the first point at the end)");
	expect_refused(ZONE("room", "[[0,0],[4,0],[4,0],[4,4]]"),
	               "site.json: zones[0].polygon: points 1 and 2 are the "
	               "same");
}

Test(site, a_polygon_without_area_is_refused)
{
	expect_refused(ZONE("room", "[[0,0],[1,1],[2,2]]"),
	               "site.json: zones[0].polygon: encloses no area");
	expect_refused(ZONE("room", "[[0.1,0.1],[0.2,0.2],[0.3,0.3]]"),
	               "site.json: zones[0].polygon: encloses no area");
}

Test(site, a_polygon_outside_its_floor_is_refused)
{
	expect_refused(ZONE("room", "[[40,0],[50,0],[50,5],[40,5]]"),
	               "site.json: zones[0].polygon[1]: point (50, 0) is "
	               "outside floor 'f0' ([0, 48] x [0, 22])");
}

Test(site, a_polygon_needs_three_points_of_two_numbers)
{
	expect_refused(ZONE("room", "[[0,0],[4,0]]"),
	               "site.json: zones[0].polygon: expected an array of 3 "
	               "to 4096 [x, y] points");
	expect_refused(ZONE("room", "[[0,0],[4],[4,4,1],[0,'4']]"),
	               "site.json: zones[0].polygon[1]: expected a point "
	               "[x, y] of two numbers\n"
	               "site.json: zones[0].polygon[2]: expected a point "
	               "[x, y] of two numbers\n"
	               "site.json: zones[0].polygon[3]: expected a point "
	               "[x, y] of two numbers");
}

Test(site, a_bad_zone_kind_is_refused)
{
	expect_refused(ZONE("office", "[[0,0],[4,0],[4,4]]"),
	               "site.json: zones[0].kind: expected room, corridor, "
	               "restricted or exit, not 'office'");
}

Test(site, a_negative_capacity_is_refused)
{
	expect_refused(WITH_FLOOR0("", ", 'zones': [ { 'id': 'z', 'name': "
	                           "'Z', 'floor': 'f0', 'kind': 'room', "
	                           "'capacity': -1, 'polygon': "
	                           "[[0,0],[4,0],[4,4]] } ]"),
	               "site.json: zones[0].capacity: expected an integer "
	               ">= 0");
}

#define ALLOW(kind, allow) \
	WITH_FLOOR0("", ", 'zones': [ { 'id': 'z', 'name': 'Z', " \
	            "'floor': 'f0', 'kind': '" kind "', 'polygon': " \
	            "[[0,0],[4,0],[4,4]], 'allow': " allow " } ]")

Test(site, a_restricted_zone_names_the_categories_that_belong_there)
{
	track_site_doc *d = NULL;
	const track_site_zone *z;
	char *s = json(ALLOW("restricted", "['theatre-staff', 'security']"));

	cr_assert_eq(track_site_parse(s, strlen(s), "site.json", &d, err,
	                              sizeof err), TRACK_OK, "%s", err);
	free(s);
	cr_assert_eq(track_site_zones(d, &z), 1);
	cr_assert_eq(z[0].n_allow, 2);
	cr_expect_str_eq(z[0].allow[0], "theatre-staff");
	cr_expect_str_eq(z[0].allow[1], "security");
	track_site_free(d);
}

Test(site, a_bad_allow_list_is_refused)
{
	expect_refused(ALLOW("room", "['staff']"),
	               "site.json: zones[0].allow: only a restricted zone has "
	               "an allow list (the categories that belong there)");
	expect_refused(ALLOW("restricted", "[]"),
	               "site.json: zones[0].allow: expected an array of 1 to "
	               "16 strings");
	expect_refused(ALLOW("restricted", "'staff'"),
	               "site.json: zones[0].allow: expected an array of 1 to "
	               "16 strings");
	expect_refused(ALLOW("restricted", "['staff', '']"),
	               "site.json: zones[0].allow: entry 1: expected a string "
	               "of 1 to 63 characters");
	expect_refused(ALLOW("restricted", "['staff', 3]"),
	               "site.json: zones[0].allow: entry 1: expected a string "
	               "of 1 to 63 characters");
	expect_refused(ALLOW("restricted", "['a','b','c','d','e','f','g','h',"
	                     "'i','j','k','l','m','n','o','p','q']"),
	               "site.json: zones[0].allow: expected an array of 1 to "
	               "16 strings");
}

Test(site, a_bad_tag_kind_is_refused)
{
	expect_refused(WITH_FLOOR0("", ", 'tags': [ { 'id': 't', 'name': "
	                           "'T', 'kind': 'robot' } ]"),
	               "site.json: tags[0].kind: expected person or asset, "
	               "not 'robot'");
	expect_refused(WITH_FLOOR0("", ", 'tags': [ { 'id': 't', 'name': "
	                           "'T', 'kind': 1 } ]"),
	               "site.json: tags[0].kind: expected person or asset");
}

/* The image is served from the site directory later: it must not name a
 * file outside it. */
Test(site, an_image_path_leaving_the_site_directory_is_refused)
{
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                    "'width': 48, 'height': 22, "
	                    "'image': 'plans/../../etc/passwd' }", "", ""),
	               "site.json: floors[0].image: '..' is not allowed (the "
	               "file must be inside the site directory)");
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                    "'width': 48, 'height': 22, "
	                    "'image': '/etc/passwd' }", "", ""),
	               "site.json: floors[0].image: expected a file name "
	               "relative to the site directory, not an absolute path");
	expect_refused(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                    "'width': 48, 'height': 22, "
	                    "'image': 'plans\\\\f0.svg' }", "", ""),
	               "site.json: floors[0].image: '\\' is not allowed in a "
	               "file name (use '/')");
	track_site_free(expect_loaded(SITE(
		"{ 'id': 'f0', 'name': 'G', 'level': 0, 'width': 48, "
		"'height': 22, 'image': 'plans/..f0.svg' }", "", "")));
}

Test(site, a_json_syntax_error_gives_line_and_column)
{
	expect_refused("{\n  'site': 's',\n  'name': 'S',,\n}",
	               "site.json:3:15: string or '}' expected near ','");
}

Test(site, a_duplicate_json_key_is_refused)
{
	expect_refused("{ 'site': 's', 'site': 't' }",
	               "site.json:1:21: duplicate object key near "
	               "'\"site\"'");
}

Test(site, text_after_the_document_is_refused)
{
	expect_refused(WITH_FLOOR0("", "") " {}",
	               "site.json:1:126: end of file expected near '{'");
}

Test(site, a_nul_in_a_string_is_refused)
{
	expect_refused("{ 'site': 's\\u0000x' }",
	               "site.json:1:20: \\u0000 is not allowed in a string");
}

Test(site, a_top_level_that_is_not_an_object_is_refused)
{
	expect_refused("[]", "site.json: expected an object at the top level");
	expect_refused("", "site.json:1:0: '[' or '{' expected near end of "
	               "file");
}

Test(site, a_number_too_large_for_a_double_is_refused)
{
	track_site_doc *d = NULL;

	cr_expect_eq(parse(SITE("{ 'id': 'f0', 'name': 'G', 'level': 0, "
	                        "'width': 1e999, 'height': 22 }", "", ""),
	                   &d),
	             TRACK_EINVAL);
	cr_expect(strstr(err, "real number overflow"), "%s", err);
}

/* ---- how errors are reported ------------------------------------------- */

Test(site, several_errors_are_reported_together_in_file_order)
{
	expect_refused(
		"{ 'site': 's', 'name': 'S',\n"
		"  'floors': [\n"
		"    { 'id': 'f0', 'name': 'G', 'level': 0, 'width': 48,\n"
		"      'height': 22, 'colour': 'blue' },\n"
		"    { 'id': 'f1', 'name': 'F', 'level': 1.5, 'width': 48,\n"
		"      'height': 0, 'image': '../f1.svg' } ],\n"
		"  'scanners': [\n"
		"    { 'id': 'ap-1', 'floor': 'f0', 'x': 4, 'y': 3, 'z': 3 },\n"
		"    { 'id': 'ap-1', 'floor': 'f9', 'x': 4, 'y': 3, 'z': 3 },\n"
		"    { 'id': 'ap-2', 'floor': 'f0', 'x': 50, 'y': 3, 'z': 3 }\n"
		"  ],\n"
		"  'zones': [\n"
		"    { 'id': 'bow', 'name': 'Bow', 'floor': 'f0',\n"
		"      'kind': 'room',\n"
		"      'polygon': [[0,0],[4,4],[4,0],[0,4]] } ],\n"
		"  'tags': [ { 'id': 't', 'name': 'T', 'kind': 'robot' } ] }",
		"site.json: floors[0]: unknown key 'colour'\n"
		"site.json: floors[1].level: expected an integer\n"
		"site.json: floors[1].height: expected a number > 0\n"
		"site.json: floors[1].image: '..' is not allowed (the file "
		"must be inside the site directory)\n"
		"site.json: scanners[1].id: duplicate id 'ap-1' (first at "
		"scanners[0])\n"
		"site.json: scanners[1].floor: no floor 'f9'\n"
		"site.json: scanners[2].x: expected a number in [0, 48] (the "
		"width of floor 'f0')\n"
		"site.json: zones[0].polygon: edges 0 and 2 cross (points 0-1 "
		"and 2-3)\n"
		"site.json: tags[0].kind: expected person or asset, not "
		"'robot'");
}

Test(site, errors_stop_after_the_limit)
{
	char q[8192];
	size_t n = 0, lines = 1;
	track_site_doc *d = NULL;

	n += (size_t)snprintf(q + n, sizeof q - n, "%s", "{ 'site': 's', "
	                      "'name': 'S', 'floors': [" FLOOR_F0 "], "
	                      "'scanners': [");
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(q + n, sizeof q - n, "%s{ 'id': 'a%d', "
		                      "'floor': 'f9', 'x': 1, 'y': 1, 'z': 2 }",
		                      i ? ", " : "", i);
	snprintf(q + n, sizeof q - n, "] }");
	cr_assert_eq(parse(q, &d), TRACK_EINVAL);
	for (const char *c = err; *c; c++)
		lines += *c == '\n';
	cr_expect_eq(lines, TRACK_SITE_ERRORS_MAX + 1);
	cr_expect(strstr(err, "scanners[19].floor: no floor 'f9'\n"
	                 "site.json: more errors not shown (stopped after "
	                 "20)"), "%s", err);
	cr_expect_null(strstr(err, "scanners[20]"));
}

Test(site, a_short_error_buffer_is_cut_and_terminated)
{
	char small[12];
	char *s = json(SITE("", "", ""));
	track_site_doc *d = NULL;

	memset(small, 'x', sizeof small);
	cr_expect_eq(track_site_parse(s, strlen(s), "site.json", &d, small,
	                              sizeof small),
	             TRACK_EINVAL);
	cr_expect_str_eq(small, "site.json: ");
	cr_expect_eq(track_site_parse(s, strlen(s), "site.json", &d, NULL, 0),
	             TRACK_EINVAL);
	free(s);
}

Test(site, a_failed_parse_leaves_out_untouched)
{
	track_site_doc *sentinel = (track_site_doc *)&sentinel;
	track_site_doc *d = sentinel;

	cr_expect_eq(parse(SITE("", "", ""), &d), TRACK_EINVAL);
	cr_expect_eq(d, sentinel);
	cr_expect_eq(parse("{", &d), TRACK_EINVAL);
	cr_expect_eq(d, sentinel);
}

Test(site, bad_arguments_are_refused)
{
	track_site_doc *d = NULL;

	cr_expect_eq(track_site_parse("{}", 2, NULL, NULL, err, sizeof err),
	             TRACK_EINVAL);
	cr_expect_eq(track_site_parse(NULL, 5, NULL, &d, err, sizeof err),
	             TRACK_EINVAL);
	cr_expect_null(d);
	cr_expect_eq(track_site_parse("[]", 2, NULL, &d, err, sizeof err),
	             TRACK_EINVAL);
	cr_expect_str_eq(err, "site: expected an object at the top level",
	                 "NULL name");
}

/* jansson's allocator fails after this many more calls. */
static long allocs_left;

static void *
failing_malloc(size_t n)
{
	if (allocs_left-- <= 0)
		return NULL;
	return malloc(n);
}

/* Failing every allocation in turn: each failure is an error, never a
 * crash or a half-built document. jansson itself reports a few failures
 * as syntax errors, so EINVAL is allowed; ENOMEM must come up. */
Test(site, running_out_of_memory_while_reading_json_is_an_error)
{
	track_site_doc *d = NULL;
	track_status st = TRACK_ENOMEM;
	unsigned enomem = 0;
	long k;

	json_set_alloc_funcs(failing_malloc, free);
	for (k = 0; k < 100000 && st != TRACK_OK; k++) {
		allocs_left = k;
		st = parse(valid, &d);
		if (st == TRACK_OK)
			break;
		cr_assert_null(d);
		if (st == TRACK_ENOMEM) {
			cr_assert_str_eq(err, "site.json: out of memory");
			enomem++;
		} else {
			cr_assert_eq(st, TRACK_EINVAL, "after %ld", k);
		}
	}
	cr_expect_eq(st, TRACK_OK);
	cr_expect_gt(enomem, 10);
	track_site_free(d);
}
