/* Site files refused: zones, tags, images and the JSON itself, each
 * mistake with the message a user reads, and how errors are reported
 * (several together, a limit, a short buffer, out of memory). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "site-fixture.h"
#include "track/site.h"
#include "track/track.h"


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
