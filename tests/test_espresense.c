/* ESPresense import: a companion config.yaml becomes a valid site file,
 * with notes for what is left out and errors that point into the YAML.
 * The YAML here is written for these tests in the companion's schema. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "track/site.h"
#include "track/track.h"

#include "espresense.h"

static char notes[16384];
static char err[4096];

static void
collect(void *ctx, const char *line)
{
	size_t used = strlen(notes);

	(void)ctx;
	snprintf(notes + used, sizeof notes - used, "%s\n", line);
}

/* yaml imported under name; the result must load as a site file. */
static json_t *
import_ok(const char *yaml, const char *name)
{
	track_site_doc *d = NULL;
	json_error_t jerr;
	char *out = NULL;
	json_t *site;

	notes[0] = '\0';
	cr_assert_eq(espresense_import(yaml, strlen(yaml), name, collect,
	                               NULL, &out, err, sizeof err), 0,
	             "%s", err);
	cr_assert_not_null(out);
	cr_expect_str_eq(err, "");
	cr_assert_eq(track_site_parse(out, strlen(out), "out.json", &d, err,
	                              sizeof err), TRACK_OK, "%s\n%s", err,
	             out);
	track_site_free(d);
	site = json_loads(out, 0, &jerr);
	cr_assert_not_null(site, "%s", jerr.text);
	free(out);
	return site;
}

/* yaml is refused with exactly msg, and nothing comes out. */
static void
expect_error(const char *yaml, const char *msg)
{
	char *out = NULL;

	notes[0] = '\0';
	cr_expect_eq(espresense_import(yaml, strlen(yaml), "config.yaml",
	                               collect, NULL, &out, err, sizeof err),
	             -1, "accepted:\n%s", yaml);
	cr_expect_null(out);
	cr_expect_str_eq(err, msg);
	free(out);
}

static void
expect_note(const char *note)
{
	cr_expect(strstr(notes, note) != NULL, "no note '%s' in:\n%s", note,
	          notes);
}

static void
expect_no_note(const char *note)
{
	cr_expect(strstr(notes, note) == NULL, "note '%s' in:\n%s", note,
	          notes);
}

static json_t *
item(json_t *site, const char *section, size_t i)
{
	json_t *v = json_array_get(json_object_get(site, section), i);

	cr_assert_not_null(v, "no %s[%zu]", section, i);
	return v;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	cr_assert_not_null(s, "no string '%s'", key);
	return s;
}

static double
num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	cr_assert(json_is_number(v), "no number '%s'", key);
	return json_number_value(v);
}

static size_t
count(json_t *site, const char *section)
{
	return json_array_size(json_object_get(site, section));
}

/* Point k of zone z's polygon. */
static void
expect_point(json_t *z, size_t k, double x, double y)
{
	json_t *p = json_array_get(json_object_get(z, "polygon"), k);

	cr_assert_eq(json_array_size(p), 2, "no point %zu", k);
	cr_expect_float_eq(json_number_value(json_array_get(p, 0)), x, 1e-9,
	                   "point %zu x", k);
	cr_expect_float_eq(json_number_value(json_array_get(p, 1)), y, 1e-9,
	                   "point %zu y", k);
}

/* A small house in the companion's schema, its bounds starting at
 * (1, 2) so that every coordinate moves by (-1, -2), with the companion's
 * own sections around it. */
static const char house[] =
	"mqtt:\n"
	"  host: broker\n"
	"  port: 1883\n"
	"gps:\n"
	"  latitude: 1.5\n"
	"timeout: 30\n"
	"optimization:\n"
	"  enabled: true\n"
	"locators:\n"
	"  nelder_mead:\n"
	"    enabled: false\n"
	"filtering:\n"
	"  process_noise: 0.01\n"
	"map:\n"
	"  flip_y: true\n"
	"  wall_thickness: 0.1\n"
	"floors:\n"
	"  - id: ground\n"
	"    name: Ground Floor\n"
	"    bounds: [[1, 2, 0], [11, 8, 2.5]]\n"
	"    rooms:\n"
	"      - name: Living Room\n"
	"        points:\n"
	"          - [1, 2]\n"
	"          - [6, 2]\n"
	"          - [6, 8]\n"
	"          - [1, 8]\n"
	"          - [1, 2]\n"
	"      - name: Kitchen\n"
	"        id: kitchen-1\n"
	"        points: [[6, 2], [11, 2], [11, 8], [6, 8]]\n"
	"  - id: upper\n"
	"    name: Upper Floor\n"
	"    bounds: [[1, 2, 2.5], [11, 8, 5]]\n"
	"    rooms:\n"
	"      - name: Bedroom\n"
	"        points: [[1, 2], [11, 2], [11, 8], [1, 8]]\n"
	"nodes:\n"
	"  - name: Living Room\n"
	"    point: [2, 3, 1.5]\n"
	"    floors: [ground]\n"
	"  - name: Stairs\n"
	"    point: [10, 7, 3]\n"
	"    floors: [ground, upper]\n"
	"devices:\n"
	"  - name: \"*\"\n";

Test(espresense, imports_floors_rooms_and_nodes_shifted_into_the_site_frame)
{
	json_t *site = import_ok(house, "house.yaml"), *f, *z, *s;

	cr_expect_str_eq(str(site, "site"), "house");
	cr_expect_str_eq(str(site, "name"), "Imported from ESPresense");
	cr_assert_eq(count(site, "floors"), 2);
	cr_assert_eq(count(site, "zones"), 3);
	cr_assert_eq(count(site, "scanners"), 2);

	f = item(site, "floors", 0);
	cr_expect_str_eq(str(f, "id"), "ground");
	cr_expect_str_eq(str(f, "name"), "Ground Floor");
	cr_expect_eq(json_integer_value(json_object_get(f, "level")), 0);
	cr_expect_float_eq(num(f, "z"), 0.0, 1e-12);
	cr_expect_float_eq(num(f, "width"), 10.0, 1e-12);
	cr_expect_float_eq(num(f, "height"), 6.0, 1e-12);
	f = item(site, "floors", 1);
	cr_expect_eq(json_integer_value(json_object_get(f, "level")), 1);
	cr_expect_float_eq(num(f, "z"), 2.5, 1e-12);

	z = item(site, "zones", 0);
	cr_expect_str_eq(str(z, "id"), "living_room");
	cr_expect_str_eq(str(z, "name"), "Living Room");
	cr_expect_str_eq(str(z, "floor"), "ground");
	cr_expect_str_eq(str(z, "kind"), "room");
	expect_point(z, 0, 0, 0);
	expect_point(z, 2, 5, 6);
	cr_expect_str_eq(str(item(site, "zones", 1), "id"), "kitchen-1");
	cr_expect_str_eq(str(item(site, "zones", 2), "floor"), "upper");

	s = item(site, "scanners", 0);
	cr_expect_str_eq(str(s, "id"), "living_room");
	cr_expect_str_eq(str(s, "floor"), "ground");
	cr_expect_float_eq(num(s, "x"), 1.0, 1e-12);
	cr_expect_float_eq(num(s, "y"), 1.0, 1e-12);
	cr_expect_float_eq(num(s, "z"), 1.5, 1e-12);
	json_decref(site);
}

Test(espresense, drops_the_point_that_closes_a_room)
{
	json_t *site = import_ok(house, "house.yaml");

	cr_expect_eq(json_array_size(json_object_get(item(site, "zones", 0),
	                                             "polygon")), 4);
	json_decref(site);
}

Test(espresense, ignores_the_companion_sections_with_a_note)
{
	json_t *site = import_ok(house, "house.yaml");

	expect_note("house.yaml: note: ignoring section 'mqtt' (companion "
	            "settings)\n");
	expect_note("ignoring section 'gps' (companion settings)");
	expect_note("ignoring section 'timeout' (companion settings)");
	expect_note("ignoring section 'optimization' (companion settings)");
	expect_note("ignoring section 'locators' (companion settings)");
	expect_note("ignoring section 'filtering' (companion settings)");
	expect_note("ignoring section 'devices' (companion settings)");
	expect_note("ignoring map.wall_thickness (display setting)");
	expect_no_note("'floors'");
	expect_no_note("'nodes'");
	json_decref(site);
}

Test(espresense, puts_a_node_on_two_floors_once_on_the_floor_its_z_is_in)
{
	json_t *site = import_ok(house, "house.yaml"), *s;

	s = item(site, "scanners", 1);
	cr_expect_str_eq(str(s, "id"), "stairs");
	cr_expect_str_eq(str(s, "floor"), "upper");
	cr_expect_float_eq(num(s, "z"), 0.5, 1e-12);
	expect_note("node 'Stairs' (line 42): listed on 2 floors, imported "
	            "once, on floor 'upper' (its z is within that floor's "
	            "bounds)");
	json_decref(site);
}

Test(espresense, flip_y_true_or_absent_keeps_y_up)
{
	static const char no_map[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [4, 3, 3]]\n"
		"    rooms:\n"
		"      - name: R\n"
		"        points: [[0, 0], [4, 0], [4, 1]]\n";
	json_t *site = import_ok(house, "house.yaml");

	cr_expect_str_eq(str(site, "y_axis"), "up");
	json_decref(site);
	site = import_ok(no_map, "x.yaml");
	cr_expect_str_eq(str(site, "y_axis"), "up");
	expect_point(item(site, "zones", 0), 2, 4, 1);
	json_decref(site);
}

Test(espresense, flip_y_false_gives_y_down_with_the_same_coordinates)
{
	static const char yaml[] =
		"map: {flip_y: false}\n"
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [4, 3, 3]]\n"
		"    rooms:\n"
		"      - name: R\n"
		"        points: [[0, 0], [4, 0], [4, 1]]\n";
	json_t *site = import_ok(yaml, "x.yaml");

	cr_expect_str_eq(str(site, "y_axis"), "down");
	expect_point(item(site, "zones", 0), 2, 4, 1);
	json_decref(site);
}

Test(espresense, flip_x_mirrors_x_so_the_plan_reads_as_in_the_companion)
{
	static const char yaml[] =
		"map: {flip_x: true}\n"
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [4, 3, 3]]\n"
		"    rooms:\n"
		"      - name: R\n"
		"        points: [[0, 0], [1, 0], [1, 1]]\n"
		"nodes:\n"
		"  - name: N\n"
		"    point: [1, 2, 1]\n"
		"    floors: [f]\n";
	json_t *site = import_ok(yaml, "x.yaml"), *s;

	expect_point(item(site, "zones", 0), 0, 4, 0);
	expect_point(item(site, "zones", 0), 1, 3, 0);
	s = item(site, "scanners", 0);
	cr_expect_float_eq(num(s, "x"), 3.0, 1e-12);
	cr_expect_float_eq(num(s, "y"), 2.0, 1e-12);
	json_decref(site);
}

Test(espresense, makes_ids_from_names_and_keeps_them_unique)
{
	static const char yaml[] =
		"floors:\n"
		"  - name: Ground Floor\n"
		"    bounds: [[0, 0, 0], [10, 10, 3]]\n"
		"    rooms:\n"
		"      - name: Bath Room\n"
		"        points: [[0, 0], [1, 0], [1, 1]]\n"
		"      - name: Guest's \"Suite\", West\n"
		"        points: [[2, 0], [3, 0], [3, 1]]\n"
		"      - name: Any\n"
		"        id: a/b c\n"
		"        points: [[4, 0], [5, 0], [5, 1]]\n"
		"      - name: Éé\n"
		"        points: [[6, 0], [7, 0], [7, 1]]\n"
		"  - name: Upper\n"
		"    bounds: [[0, 0, 3], [10, 10, 6]]\n"
		"    rooms:\n"
		"      - name: BathRoom\n"
		"        points: [[0, 0], [1, 0], [1, 1]]\n"
		"nodes:\n"
		"  - name: Bath Room\n"
		"    point: [1, 1, 1]\n"
		"    floors: [ground_floor]\n";
	json_t *site = import_ok(yaml, "x.yaml");

	cr_expect_str_eq(str(item(site, "floors", 0), "id"), "ground_floor");
	cr_expect_str_eq(str(item(site, "zones", 0), "id"), "bath_room");
	cr_expect_str_eq(str(item(site, "zones", 1), "id"),
	                 "guest_s_suite_west");
	cr_expect_str_eq(str(item(site, "zones", 1), "name"),
	                 "Guest's \"Suite\", West");
	cr_expect_str_eq(str(item(site, "zones", 2), "id"), "a_b_c");
	cr_expect_str_eq(str(item(site, "zones", 3), "id"), "room");
	cr_expect_str_eq(str(item(site, "zones", 4), "id"), "bath_room-2");
	expect_note("room 'BathRoom' (line 17): id 'bath_room' is taken, "
	            "using 'bath_room-2'");
	/* Scanners are a kind of their own: no clash with the zone. */
	cr_expect_str_eq(str(item(site, "scanners", 0), "id"), "bath_room");
	cr_expect_str_eq(str(item(site, "scanners", 0), "floor"),
	                 "ground_floor");
	json_decref(site);
}

Test(espresense, widens_the_floor_for_a_node_outside_its_bounds)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n"
		"    rooms:\n"
		"      - name: R\n"
		"        points: [[0, 0], [10, 0], [10, 5]]\n"
		"  - id: g\n"
		"    bounds: [[0, 0, 3], [10, 5, 6]]\n"
		"nodes:\n"
		"  - name: Car\n"
		"    point: [-2, 6, 0.5]\n"
		"    floors: [f]\n";
	json_t *site = import_ok(yaml, "x.yaml"), *f, *s;

	f = item(site, "floors", 0);
	cr_expect_float_eq(num(f, "width"), 12.0, 1e-12);
	cr_expect_float_eq(num(f, "height"), 6.0, 1e-12);
	/* One frame for the site: the other floor moves too. */
	f = item(site, "floors", 1);
	cr_expect_float_eq(num(f, "width"), 12.0, 1e-12);
	cr_expect_float_eq(num(f, "height"), 5.0, 1e-12);
	s = item(site, "scanners", 0);
	cr_expect_float_eq(num(s, "x"), 0.0, 1e-12);
	cr_expect_float_eq(num(s, "y"), 6.0, 1e-12);
	expect_point(item(site, "zones", 0), 0, 2, 0);
	expect_note("node 'Car' (line 10): 2 m outside the bounds of floor "
	            "'f'; the floor is widened to hold it");
	json_decref(site);
}

Test(espresense, mounts_a_node_below_its_floor_at_height_zero)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 3], [10, 5, 6]]\n"
		"nodes:\n"
		"  - name: Low\n"
		"    point: [1, 1, 2.5]\n"
		"    floors: [f]\n";
	json_t *site = import_ok(yaml, "x.yaml");

	cr_expect_float_eq(num(item(site, "scanners", 0), "z"), 0.0, 1e-12);
	expect_note("node 'Low' (line 5): z 2.5 is below floor 'f' (z 3); "
	            "mounted at height 0 instead");
	json_decref(site);
}

Test(espresense, places_a_node_without_floors_by_its_z)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n"
		"  - id: g\n"
		"    bounds: [[0, 0, 3], [10, 5, 6]]\n"
		"nodes:\n"
		"  - name: Up\n"
		"    point: [1, 1, 4]\n";
	json_t *site = import_ok(yaml, "x.yaml"), *s;

	s = item(site, "scanners", 0);
	cr_expect_str_eq(str(s, "floor"), "g");
	cr_expect_float_eq(num(s, "z"), 1.0, 1e-12);
	json_decref(site);
}

Test(espresense, skips_nodes_it_cannot_place_with_a_note)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n"
		"nodes:\n"
		"  - name: Unplaced\n"
		"    floors: [f]\n"
		"  - name: Off\n"
		"    enabled: false\n"
		"    point: [1, 1, 1]\n"
		"    floors: [f]\n"
		"  - name: Attic\n"
		"    point: [1, 1, 1]\n"
		"    floors: [attic]\n"
		"  - name: Sky\n"
		"    point: [1, 1, 9]\n"
		"  - name: Kept\n"
		"    point: [1, 1, 1]\n"
		"    floors: [F]\n";
	json_t *site = import_ok(yaml, "x.yaml");

	cr_assert_eq(count(site, "scanners"), 1);
	cr_expect_str_eq(str(item(site, "scanners", 0), "id"), "kept");
	expect_note("node 'Unplaced' (line 5): skipped: it has no point");
	expect_note("node 'Off' (line 7): skipped: it is disabled");
	expect_note("node 'Attic' (line 11): no floor 'attic' in the file, "
	            "ignored");
	expect_note("node 'Attic' (line 11): skipped: none of its floors is in "
	            "the file");
	expect_note("node 'Sky' (line 14): skipped: it lists no floors and its "
	            "z 9 is within no floor's bounds");
	json_decref(site);
}

Test(espresense, skips_a_room_with_fewer_than_3_points_with_a_note)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n"
		"    rooms:\n"
		"      - name: Line\n"
		"        points: [[0, 0], [1, 1], [0, 0]]\n"
		"      - name: Empty\n"
		"      - name: Ok\n"
		"        points: [[0, 0], [1, 0], [1, 1]]\n";
	json_t *site = import_ok(yaml, "x.yaml");

	cr_assert_eq(count(site, "zones"), 1);
	cr_expect_str_eq(str(item(site, "zones", 0), "id"), "ok");
	expect_note("room 'Line' (line 5) on floor 'f': skipped: fewer than 3 "
	            "distinct points");
	expect_note("room 'Empty' (line 7) on floor 'f': skipped: fewer than 3 "
	            "distinct points");
	json_decref(site);
}

Test(espresense, moves_points_just_outside_onto_the_edge_and_skips_far_ones)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n"
		"    rooms:\n"
		"      - name: Near\n"
		"        points: [[-0.25, 0], [10.5, 0], [10, 5.1]]\n"
		"      - name: Far\n"
		"        points: [[0, 0], [11, 0], [10, 5]]\n";
	json_t *site = import_ok(yaml, "x.yaml"), *z;

	cr_assert_eq(count(site, "zones"), 1);
	z = item(site, "zones", 0);
	expect_point(z, 0, 0, 0);
	expect_point(z, 1, 10, 0);
	expect_point(z, 2, 10, 5);
	expect_note("room 'Near' (line 5) on floor 'f': 3 points moved onto "
	            "the floor's edge (by at most 0.5 m)");
	expect_note("room 'Far' (line 7) on floor 'f': skipped: point (11, 0) "
	            "is 1 m outside the floor's bounds");
	json_decref(site);
}

Test(espresense, skips_a_room_that_is_not_a_simple_polygon)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n"
		"    rooms:\n"
		"      - name: Bow Tie\n"
		"        points: [[0, 0], [2, 2], [2, 0], [0, 2]]\n";
	json_t *site = import_ok(yaml, "x.yaml");

	cr_expect_eq(count(site, "zones"), 0);
	expect_note("room 'Bow Tie' (line 5) on floor 'f': skipped: polygon: "
	            "edges 0 and 2 cross (points 0-1 and 2-3)");
	json_decref(site);
}

Test(espresense, names_the_site_after_the_file)
{
	static const char yaml[] =
		"floors:\n"
		"  - id: f\n"
		"    bounds: [[0, 0, 0], [10, 5, 3]]\n";
	json_t *site = import_ok(yaml, "some/dir/my-house.yml");

	cr_expect_str_eq(str(site, "site"), "my-house");
	json_decref(site);
	site = import_ok(yaml, "config.yaml");
	cr_expect_str_eq(str(site, "site"), "espresense");
	json_decref(site);
	site = import_ok(yaml, NULL);
	cr_expect_str_eq(str(site, "site"), "espresense");
	json_decref(site);
}

Test(espresense, reports_a_yaml_syntax_error_with_line_and_column)
{
	expect_error("floors:\n"
	             "  - id: f\n"
	             "    bounds: [[0, 0, 0], [10, 5, 3]\n"
	             "    rooms: []\n",
	             "config.yaml:4:5: invalid YAML: did not find expected ',' "
	             "or ']' (while parsing a flow sequence at line 3, column "
	             "13)");
}

Test(espresense, refuses_a_file_without_floors)
{
	expect_error("mqtt:\n  host: broker\n",
	             "config.yaml: no 'floors' section: nothing to import");
	expect_error("", "config.yaml: no 'floors' section: nothing to import");
	expect_error("- 1\n", "config.yaml:1:1: expected a mapping at the top "
	             "level (the companion's config.yaml)");
	expect_error("floors: []\n", "config.yaml:1:9: floors: expected at "
	             "least one floor");
}

Test(espresense, refuses_values_of_the_wrong_shape_pointing_at_them)
{
	expect_error("floors:\n"
	             "  - id: f\n"
	             "    bounds: [[0, 0, 0]]\n",
	             "config.yaml:3:13: floors[0].bounds: expected two corners "
	             "[[x0, y0, z0], [x1, y1, z1]]");
	expect_error("floors:\n"
	             "  - id: f\n"
	             "    bounds: [[0, 0, 0], [10, 5, 3]]\n"
	             "    rooms:\n"
	             "      - name: R\n"
	             "        points: [[0, 0], [1, zero], [1, 1]]\n",
	             "config.yaml:6:30: floors[0].rooms[0].points[1][1]: "
	             "expected a number");
	expect_error("floors:\n"
	             "  - id: f\n"
	             "    bounds: [[0, 0, 0], [0, 5, 3]]\n",
	             "config.yaml:3:13: floors[0].bounds: the corners enclose "
	             "no area");
	expect_error("map:\n  flip_y: maybe\nfloors: []\n",
	             "config.yaml:2:11: map.flip_y: expected true or false");
	expect_error("floors:\n"
	             "  - id: f\n"
	             "    bounds: [[0, 0, 0], [10, 5, 3]]\n"
	             "nodes:\n"
	             "  - name: N\n"
	             "    point: [1, 2]\n",
	             "config.yaml:6:12: nodes[0].point: expected [x, y, z]");
}

/* Found with fuzz-espresense: rooms shared through aliases were read once
 * per use, so 6 KB of YAML took minutes; one referring to itself never
 * ended. */
Test(espresense, refuses_aliases_under_floors_and_nodes)
{
	expect_error("floors:\n"
	             "  - id: a\n"
	             "    bounds: [[0, 0, 0], [5, 5, 3]]\n"
	             "    rooms: &r [{name: x, points: [[0, 0], [5, 0], "
	             "[5, 5]]}]\n"
	             "  - id: b\n"
	             "    bounds: [[0, 0, 3], [5, 5, 6]]\n"
	             "    rooms: *r\n",
	             "config.yaml:4:12: floors: YAML aliases (*name) are not "
	             "supported here");
	expect_error("floors: &f\n"
	             "  - id: a\n"
	             "    bounds: [[0, 0, 0], [5, 5, 3]]\n"
	             "    rooms: [*f]\n",
	             "config.yaml:1:9: floors: YAML aliases (*name) are not "
	             "supported here");
	/* Elsewhere (the companion's own settings) they do no harm. */
	json_decref(import_ok("mqtt: &m {host: a}\n"
	                      "history: *m\n"
	                      "floors:\n"
	                      "  - id: f\n"
	                      "    bounds: [[0, 0, 0], [5, 5, 3]]\n",
	                      "x.yaml"));
}

/* Every room of one name once tried -2, -3, ... afresh through a list:
 * the cube of their number. */
Test(espresense, many_rooms_of_one_name_get_their_suffixes_quickly,
     .timeout = 20)
{
	size_t n = 4000, cap = 64 * n + 256, len;
	char *yaml = malloc(cap);
	json_t *site;

	cr_assert_not_null(yaml);
	len = (size_t)snprintf(yaml, cap, "floors:\n  - id: f\n    bounds: "
	                       "[[0, 0, 0], [5, 5, 3]]\n    rooms:\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "      - {name: "
		                        "r, points: [[0, 0], [5, 0], [5, 5]]}\n");
	site = import_ok(yaml, "x.yaml");
	cr_assert_eq(count(site, "zones"), n);
	cr_expect_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(site, "zones"), n - 1), "id")),
		"r-4000");
	json_decref(site);
	free(yaml);
}
