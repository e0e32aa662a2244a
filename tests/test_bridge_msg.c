/*
 * bridge-msg: ESPresense messages (topic espresense/devices/<id>/<room>,
 * JSON payload) to ingest reports, and rooms to scanners.
 */
#undef NDEBUG
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "scanners/bridge-msg.h"

#define IB "iBeacon:E5CA1ADE-F007-BA11-0000-000000000000-100-1"

static int
parse(const char *topic, const char *payload, struct bridge_report *r)
{
	return bridge_parse("espresense", topic, payload, strlen(payload), r);
}

Test(bridge_msg, an_espresense_message_gives_tag_room_rssi_and_tx)
{
	struct bridge_report r;

	cr_assert_eq(parse("espresense/devices/" IB "/kitchen",
		"{\"id\":\"" IB "\",\"idType\":1,\"rssi@1m\":-59,\"rssi\":-71,"
		"\"raw\":2.1,\"distance\":1.9,\"mac\":\"c0ffee000001\"}", &r),
		BRIDGE_OK);
	cr_assert_str_eq(r.tag,
		"ibeacon:e5ca1ade-f007-ba11-0000-000000000000-100-1");
	cr_assert_str_eq(r.room, "kitchen");
	cr_assert_float_eq(r.rssi, -71, 1e-9);
	cr_assert(r.has_tx);
	cr_assert_float_eq(r.tx, -59, 1e-9);
	cr_assert_not(r.odd_tx);
}

Test(bridge_msg, without_an_id_in_the_payload_the_topic_names_the_device)
{
	struct bridge_report r;

	cr_assert_eq(parse("espresense/devices/apple:1005:9-26/hall",
			   "{\"rssi\":-80}", &r), BRIDGE_OK);
	cr_assert_str_eq(r.tag, "apple:1005:9-26");
	cr_assert_not(r.has_tx);
}

Test(bridge_msg, a_mac_id_becomes_the_address_form)
{
	struct bridge_report r;

	cr_assert_eq(parse("espresense/devices/mac:C0FFEE000001/hall",
			   "{\"rssi\":-80}", &r), BRIDGE_OK);
	cr_assert_str_eq(r.tag, "c0:ff:ee:00:00:01");
}

Test(bridge_msg, odd_rssi_at_1m_is_flagged_and_left_out)
{
	struct bridge_report r;

	cr_assert_eq(parse("espresense/devices/x/hall",
			   "{\"rssi\":-80,\"rssi@1m\":\"n/a\"}", &r), BRIDGE_OK);
	cr_assert(r.odd_tx);
	cr_assert_not(r.has_tx);
	cr_assert_eq(parse("espresense/devices/x/hall",
			   "{\"rssi\":-80,\"rssi@1m\":null}", &r), BRIDGE_OK);
	cr_assert_not(r.odd_tx);
}

Test(bridge_msg, each_bad_message_says_why)
{
	struct bridge_report r;
	char long_id[200], payload[300];

	cr_assert_eq(parse("espresense/rooms/hall/status", "{}", &r),
		     BRIDGE_ETOPIC);
	cr_assert_eq(parse("espresense/devices/x", "{\"rssi\":-1}", &r),
		     BRIDGE_ETOPIC);
	cr_assert_eq(parse("espresense/devices/x/hall/extra", "{\"rssi\":-1}",
			   &r), BRIDGE_ETOPIC);
	cr_assert_eq(parse("espresense/devices//hall", "{\"rssi\":-1}", &r),
		     BRIDGE_ETOPIC);
	cr_assert_eq(parse("other/devices/x/hall", "{\"rssi\":-1}", &r),
		     BRIDGE_ETOPIC);
	cr_assert_eq(parse("espresense/devices/x/hall", "not json", &r),
		     BRIDGE_EJSON);
	cr_assert_eq(parse("espresense/devices/x/hall", "[1,2]", &r),
		     BRIDGE_EJSON);
	cr_assert_eq(parse("espresense/devices/x/hall", "", &r), BRIDGE_EJSON);
	cr_assert_eq(parse("espresense/devices/x/hall", "{}", &r),
		     BRIDGE_ERSSI);
	cr_assert_eq(parse("espresense/devices/x/hall", "{\"rssi\":\"-60\"}",
			   &r), BRIDGE_ERSSI);
	cr_assert_eq(parse("espresense/devices/x/hall", "{\"rssi\":12}", &r),
		     BRIDGE_ERSSI);
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	snprintf(payload, sizeof payload, "{\"rssi\":-60,\"id\":\"%s\"}",
		 long_id);
	cr_assert_eq(parse("espresense/devices/x/hall", payload, &r),
		     BRIDGE_EID);
	cr_assert_eq(parse("espresense/devices/x/hall",
			   "{\"rssi\":-60,\"id\":\"has space\"}", &r),
		     BRIDGE_EID);
}

Test(bridge_msg, rooms_map_to_scanners_first_entry_wins)
{
	struct bridge_map m = { 0 };

	cr_assert_eq(bridge_map_add(&m, "kitchen", "ap-f0-04"), 0);
	cr_assert_eq(bridge_map_add(&m, "kitchen", "ap-f0-09"), 0);
	for (int i = 0; i < 40; i++) {
		char room[16];

		snprintf(room, sizeof room, "room%d", i);
		cr_assert_eq(bridge_map_add(&m, room, room), 0);
	}
	cr_assert_str_eq(bridge_map_find(&m, "kitchen"), "ap-f0-04");
	cr_assert_str_eq(bridge_map_find(&m, "room39"), "room39");
	cr_assert_null(bridge_map_find(&m, "attic"));
	bridge_map_free(&m);
	bridge_map_free(&m);
}

Test(bridge_msg, every_status_has_a_name)
{
	for (int k = 0; k < BRIDGE_N_STATUS; k++)
		cr_assert_str_neq(bridge_strerror(-k), "unknown status");
}
