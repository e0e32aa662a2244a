/* Site files: a valid one loads with every value and feeds the engine;
 * each kind of mistake is refused with the message a user reads
 * (test_site_refusals.c: the mistakes of zones, tags and the JSON
 * itself, and how errors are reported). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "site-fixture.h"
#include "track/site.h"
#include "track/track.h"

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
