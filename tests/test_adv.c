/*
 * adv: HCI LE advertising reports built byte by byte from the published
 * formats (Core spec LE Advertising Report and LE Extended Advertising
 * Report; Apple iBeacon; Google Eddystone UID and TLM; the AltBeacon spec;
 * Kontakt.io's button packet), and the malformed ones a radio can
 * deliver.
 */
#undef NDEBUG
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "scanners/adv.h"
#include "scanners/trackscan.h"

/* f7826da6-4fa2-4e98-8024-bc5b71e0893e */
static const uint8_t UUID[16] = {
	0xf7, 0x82, 0x6d, 0xa6, 0x4f, 0xa2, 0x4e, 0x98,
	0x80, 0x24, 0xbc, 0x5b, 0x71, 0xe0, 0x89, 0x3e,
};
/* Address c0:ff:ee:01:02:03, as sent: least significant byte first. */
static const uint8_t ADDR_LE[6] = { 0x03, 0x02, 0x01, 0xee, 0xff, 0xc0 };

struct buf {
	uint8_t b[512];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	cr_assert_leq(b->n + n, sizeof b->b);
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put1(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	put(b, &x, 1);
}

/* Flags AD (LE General Discoverable, BR/EDR not supported), then an
 * iBeacon: manufacturer data, Apple 0x004C, type 0x02, length 0x15. */
static struct buf
ad_ibeacon(const uint8_t uuid[16], unsigned major, unsigned minor, int tx)
{
	struct buf ad = { .n = 0 };

	put(&ad, (uint8_t[]){ 0x02, 0x01, 0x06 }, 3);
	put(&ad, (uint8_t[]){ 0x1a, 0xff, 0x4c, 0x00, 0x02, 0x15 }, 6);
	put(&ad, uuid, 16);
	put1(&ad, major >> 8);
	put1(&ad, major & 0xff);
	put1(&ad, minor >> 8);
	put1(&ad, minor & 0xff);
	put1(&ad, (unsigned)(tx & 0xff));
	return ad;
}

/* Eddystone UID: service UUIDs list 0xFEAA, service data 0xFEAA, frame
 * 0x00, ranging data (at 0 m), namespace (10), instance (6), RFU (2). */
static struct buf
ad_eddystone_uid(int ranging)
{
	struct buf ad = { .n = 0 };

	put(&ad, (uint8_t[]){ 0x03, 0x03, 0xaa, 0xfe }, 4);
	put(&ad, (uint8_t[]){ 0x17, 0x16, 0xaa, 0xfe, 0x00 }, 5);
	put1(&ad, (unsigned)(ranging & 0xff));
	put(&ad, (uint8_t[]){ 0xed, 0xd1, 0xeb, 0xea, 0xc0, 0x4e, 0x5d, 0xef,
			      0xa0, 0x17 }, 10);
	put(&ad, (uint8_t[]){ 0x0b, 0xdb, 0x87, 0x53, 0x9b, 0x67 }, 6);
	put(&ad, (uint8_t[]){ 0x00, 0x00 }, 2);
	return ad;
}

/* Eddystone TLM: frame 0x20, version 0, battery mV (big-endian),
 * temperature 8.8, PDU count, time since boot. */
static struct buf
ad_eddystone_tlm(unsigned mv)
{
	struct buf ad = { .n = 0 };

	put(&ad, (uint8_t[]){ 0x03, 0x03, 0xaa, 0xfe }, 4);
	put(&ad, (uint8_t[]){ 0x11, 0x16, 0xaa, 0xfe, 0x20, 0x00 }, 6);
	put1(&ad, mv >> 8);
	put1(&ad, mv & 0xff);
	put(&ad, (uint8_t[]){ 0x15, 0x80, 0, 0, 0x01, 0x00, 0, 0, 0x20, 0x00 },
	    10);
	return ad;
}

/* AltBeacon: manufacturer data (company 0x0118 here: any is allowed),
 * beacon code 0xBEAC, beacon id (20), reference RSSI, reserved. */
static struct buf
ad_altbeacon(int ref)
{
	struct buf ad = { .n = 0 };

	put(&ad, (uint8_t[]){ 0x1b, 0xff, 0x18, 0x01, 0xbe, 0xac }, 6);
	for (unsigned i = 0; i < 20; i++)
		put1(&ad, 0x10 + i);
	put1(&ad, (unsigned)(ref & 0xff));
	put1(&ad, 0x00);
	return ad;
}

/* LE Meta event, LE Advertising Report, one report. */
static struct buf
legacy_event(const struct buf *ad, int rssi)
{
	struct buf ev = { .n = 0 };

	put(&ev, (uint8_t[]){ 0x3e, 0x00, 0x02, 0x01 }, 4);
	put1(&ev, 0x03);                 /* ADV_NONCONN_IND */
	put1(&ev, 0x00);                 /* public address */
	put(&ev, ADDR_LE, 6);
	put1(&ev, (unsigned)ad->n);
	put(&ev, ad->b, ad->n);
	put1(&ev, (unsigned)(rssi & 0xff));
	ev.b[1] = (uint8_t)(ev.n - 2);
	return ev;
}

/* LE Meta event, LE Extended Advertising Report, one report. */
static struct buf
ext_event(const struct buf *ad, int rssi, unsigned data_status)
{
	struct buf ev = { .n = 0 };
	unsigned type = 0x10 | data_status << 5;  /* legacy PDU bit set */

	put(&ev, (uint8_t[]){ 0x3e, 0x00, 0x0d, 0x01 }, 4);
	put1(&ev, type & 0xff);
	put1(&ev, type >> 8);
	put1(&ev, 0x01);                 /* random address */
	put(&ev, ADDR_LE, 6);
	put(&ev, (uint8_t[]){ 0x01, 0x00, 0xff, 0x7f }, 4); /* PHYs, SID, TX */
	put1(&ev, (unsigned)(rssi & 0xff));
	put(&ev, (uint8_t[]){ 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0 }, 9);
	put1(&ev, (unsigned)ad->n);
	put(&ev, ad->b, ad->n);
	ev.b[1] = (uint8_t)(ev.n - 2);
	return ev;
}

/* Parses ev from a heap copy of exactly its size, so that AddressSanitizer
 * sees any read past the end. */
static int
parse(const struct buf *ev, const struct adv_config *cfg,
      struct adv_report out[ADV_MAX_REPORTS], size_t *n, struct adv_stats *st)
{
	uint8_t *copy = malloc(ev->n ? ev->n : 1);
	int rc;

	cr_assert(copy);
	memcpy(copy, ev->b, ev->n);
	rc = adv_parse_event(copy, ev->n, cfg, out, n, st);
	free(copy);
	return rc;
}

static struct adv_report
one(const struct buf *ev, const struct adv_config *cfg)
{
	struct adv_report r[ADV_MAX_REPORTS];
	size_t n = 99;

	cr_assert_eq(parse(ev, cfg, r, &n, NULL), ADV_OK);
	cr_assert_eq(n, 1);
	return r[0];
}

Test(adv, ibeacon_gives_uuid_major_minor_and_measured_power)
{
	struct buf ad = ad_ibeacon(UUID, 1, 42, -59);
	struct buf ev = legacy_event(&ad, -67);
	struct adv_report r = one(&ev, NULL);

	cr_assert_str_eq(r.tag,
		"ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-1-42");
	cr_assert_eq(r.kind, ADV_KIND_IBEACON);
	cr_assert_eq(r.rssi, -67);
	cr_assert(r.has_tx);
	cr_assert_eq(r.tx, -59);
	cr_assert_not(r.button);
	cr_assert_not(r.extended);
	cr_assert_arr_eq(r.addr, ((uint8_t[]){ 0xc0, 0xff, 0xee, 1, 2, 3 }),
			 6);
}

Test(adv, ibeacon_major_and_minor_are_decimal_up_to_65535)
{
	struct buf ad = ad_ibeacon(UUID, 65535, 0, -70);
	struct buf ev = legacy_event(&ad, -90);

	cr_assert_str_eq(one(&ev, NULL).tag,
		"ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-65535-0");
}

Test(adv, eddystone_uid_ranging_at_0m_becomes_power_at_1m)
{
	struct buf ad = ad_eddystone_uid(-18);
	struct buf ev = legacy_event(&ad, -71);
	struct adv_report r = one(&ev, NULL);

	cr_assert_str_eq(r.tag,
		"eddystone:edd1ebeac04e5defa017-0bdb87539b67");
	cr_assert_eq(r.kind, ADV_KIND_EDDYSTONE_UID);
	cr_assert(r.has_tx);
	cr_assert_eq(r.tx, -59);  /* -18 - 41 */
}

Test(adv, eddystone_tlm_gives_battery_voltage_under_the_address)
{
	struct buf ad = ad_eddystone_tlm(2950);
	struct buf ev = legacy_event(&ad, -80);
	struct adv_report r = one(&ev, NULL);

	cr_assert_eq(r.kind, ADV_KIND_EDDYSTONE_TLM);
	cr_assert_eq(r.battery_mv, 2950);
	cr_assert_str_eq(r.tag, "c0:ff:ee:01:02:03");
	cr_assert_not(r.has_tx);
}

Test(adv, altbeacon_gives_beacon_id_and_reference_rssi)
{
	struct buf ad = ad_altbeacon(-61);
	struct buf ev = legacy_event(&ad, -75);
	struct adv_report r = one(&ev, NULL);

	cr_assert_str_eq(r.tag,
		"altbeacon:101112131415161718191a1b1c1d1e1f20212223");
	cr_assert_eq(r.kind, ADV_KIND_ALTBEACON);
	cr_assert_eq(r.tx, -61);
}

Test(adv, any_other_advertisement_is_its_address)
{
	struct buf ad = { .n = 0 };
	struct adv_report r;
	struct buf ev;

	put(&ad, (uint8_t[]){ 0x02, 0x01, 0x06, 0x05, 0x09, 'P', 'u', 'm',
			      'p' }, 9);
	ev = legacy_event(&ad, -50);
	r = one(&ev, NULL);
	cr_assert_str_eq(r.tag, "c0:ff:ee:01:02:03");
	cr_assert_eq(r.kind, ADV_KIND_MAC);
	cr_assert_not(r.has_tx);
}

Test(adv, empty_advertising_data_is_its_address)
{
	struct buf ad = { .n = 0 };
	struct buf ev = legacy_event(&ad, -50);

	cr_assert_str_eq(one(&ev, NULL).tag, "c0:ff:ee:01:02:03");
}

Test(adv, kontakt_button_packet_is_the_tag_with_button_true)
{
	uint8_t pressed[16];
	struct adv_config cfg = { .press_uuids = &UUID, .n_press = 1 };
	struct buf ad, ev;
	struct adv_report r;

	memcpy(pressed, UUID, 16);
	pressed[15] = 0x3f;  /* ...893e + 1 */
	ad = ad_ibeacon(pressed, 7, 9, -59);
	ev = legacy_event(&ad, -60);
	r = one(&ev, &cfg);
	cr_assert(r.button);
	cr_assert_str_eq(r.tag,
		"ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-7-9");
	/* The standard packet is the same tag, not pressed. */
	ad = ad_ibeacon(UUID, 7, 9, -59);
	ev = legacy_event(&ad, -60);
	cr_assert_not(one(&ev, &cfg).button);
	/* Without the UUID configured it is just another iBeacon. */
	ad = ad_ibeacon(pressed, 7, 9, -59);
	ev = legacy_event(&ad, -60);
	r = one(&ev, NULL);
	cr_assert_not(r.button);
	cr_assert_str_eq(r.tag,
		"ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893f-7-9");
}

Test(adv, kontakt_button_uuid_ending_in_f_wraps_to_0)
{
	uint8_t base[16], pressed[16];
	struct adv_config cfg = { .press_uuids = (const uint8_t (*)[16])&base,
				  .n_press = 1 };
	struct buf ad, ev;

	memcpy(base, UUID, 16);
	base[15] = 0x2f;
	memcpy(pressed, UUID, 16);
	pressed[15] = 0x20;
	ad = ad_ibeacon(pressed, 1, 1, -59);
	ev = legacy_event(&ad, -60);
	cr_assert(one(&ev, &cfg).button);
}

Test(adv, extended_report_decodes_the_same_formats)
{
	struct buf ad = ad_ibeacon(UUID, 3, 4, -58);
	struct buf ev = ext_event(&ad, -66, 0);
	struct adv_report r = one(&ev, NULL);

	cr_assert(r.extended);
	cr_assert_eq(r.rssi, -66);
	cr_assert_eq(r.addr_type, 1);
	cr_assert_str_eq(r.tag,
		"ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-3-4");
	ad = ad_eddystone_uid(-20);
	ev = ext_event(&ad, -70, 0);
	cr_assert_str_eq(one(&ev, NULL).tag,
		"eddystone:edd1ebeac04e5defa017-0bdb87539b67");
}

Test(adv, incomplete_extended_data_is_skipped_and_counted)
{
	struct buf ad = ad_ibeacon(UUID, 3, 4, -58);
	struct buf ev = ext_event(&ad, -66, 1);
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n = 99;

	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(st.status[-ADV_EPARTIAL], 1);
}

Test(adv, rssi_not_available_is_skipped_and_counted)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev = legacy_event(&ad, 127);
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n = 99;

	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(st.status[-ADV_ENORSSI], 1);
	cr_assert_eq(st.events, 1);
}

Test(adv, rssi_outside_the_specified_range_is_skipped_and_counted)
{
	/* -128 and +21 are outside -127..+20 (found by fuzz-adv: a -128
	 * went through to trackd, which refuses it). */
	const int bad[] = { -128, 21 };
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);

	for (size_t i = 0; i < 2; i++) {
		struct buf ev = legacy_event(&ad, bad[i]);
		struct adv_report r[ADV_MAX_REPORTS];
		struct adv_stats st = { 0 };
		size_t n = 99;

		cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_OK);
		cr_expect_eq(n, 0, "rssi %d", bad[i]);
		cr_expect_eq(st.status[-ADV_ENORSSI], 1, "rssi %d", bad[i]);
	}
}

Test(adv, two_reports_in_one_event_each_decoded)
{
	struct buf a = ad_ibeacon(UUID, 1, 2, -59);
	struct buf b = ad_altbeacon(-60);
	struct buf ev = { .n = 0 };
	struct adv_report r[ADV_MAX_REPORTS];
	size_t n;

	put(&ev, (uint8_t[]){ 0x3e, 0x00, 0x02, 0x02 }, 4);
	put(&ev, (uint8_t[]){ 0x00, 0x00 }, 2);
	put(&ev, ADDR_LE, 6);
	put1(&ev, (unsigned)a.n);
	put(&ev, a.b, a.n);
	put1(&ev, 0xc0);               /* -64 */
	put(&ev, (uint8_t[]){ 0x03, 0x01 }, 2);
	put(&ev, ADDR_LE, 6);
	put1(&ev, (unsigned)b.n);
	put(&ev, b.b, b.n);
	put1(&ev, 0xb5);               /* -75 */
	ev.b[1] = (uint8_t)(ev.n - 2);
	cr_assert_eq(parse(&ev, NULL, r, &n, NULL), ADV_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].kind, ADV_KIND_IBEACON);
	cr_assert_eq(r[0].rssi, -64);
	cr_assert_eq(r[1].kind, ADV_KIND_ALTBEACON);
	cr_assert_eq(r[1].rssi, -75);
}

Test(adv, other_events_are_not_advertising_reports_and_not_counted)
{
	/* Command Complete, and an LE Connection Complete. */
	struct buf cc = { .b = { 0x0e, 0x04, 0x01, 0x0b, 0x20, 0x00 }, .n = 6 };
	struct buf lc = { .b = { 0x3e, 0x01, 0x01 }, .n = 3 };
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n;

	cr_assert_eq(parse(&cc, NULL, r, &n, &st), ADV_ENOTADV);
	cr_assert_eq(parse(&lc, NULL, r, &n, &st), ADV_ENOTADV);
	cr_assert_eq(st.events, 0);
}

/* Malformed lengths: each is refused with its own status and counted. */

Test(adv, parameter_length_longer_than_the_event_is_truncated)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev = legacy_event(&ad, -60);
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n = 99;

	ev.b[1]++;
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_ETRUNC);
	cr_assert_eq(n, 0);
	cr_assert_eq(st.status[-ADV_ETRUNC], 1);
}

Test(adv, data_length_past_the_end_is_truncated)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev = legacy_event(&ad, -60);
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n = 99;

	ev.b[12] = 31;  /* Data_Length: 30 -> 31, the RSSI byte missing */
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_ETRUNC);
	cr_assert_eq(n, 0);
	ev = ext_event(&ad, -60, 0);
	ev.b[27] = 200;
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_ETRUNC);
	cr_assert_eq(st.status[-ADV_ETRUNC], 2);
}

Test(adv, data_shorter_than_said_leaves_bytes_over_and_is_refused)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev = legacy_event(&ad, -60);
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n = 99;

	ev.b[12] = 20;  /* the rest of the data is then left over */
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_EBADLEN);
	cr_assert_eq(n, 0);
	cr_assert_eq(st.status[-ADV_EBADLEN], 1);
}

Test(adv, legacy_data_over_31_bytes_is_refused)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev;
	struct adv_report r[ADV_MAX_REPORTS];
	size_t n;

	put(&ad, (uint8_t[]){ 0x02, 0x0a, 0x00 }, 3);  /* 33 bytes */
	ev = legacy_event(&ad, -60);
	cr_assert_eq(parse(&ev, NULL, r, &n, NULL), ADV_EBADLEN);
}

Test(adv, zero_or_too_many_reports_is_refused)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev = legacy_event(&ad, -60);
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n;

	ev.b[3] = 0;
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_ECOUNT);
	ev.b[3] = 26;
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_ECOUNT);
	ev.b[3] = 2;  /* says two, holds one */
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_ETRUNC);
	cr_assert_eq(st.status[-ADV_ECOUNT], 2);
}

Test(adv, ad_structure_past_its_data_falls_back_to_the_address)
{
	struct buf ad = ad_ibeacon(UUID, 1, 2, -59);
	struct buf ev;
	struct adv_report r[ADV_MAX_REPORTS];
	struct adv_stats st = { 0 };
	size_t n;

	ad.b[3] = 0x1b;  /* the iBeacon structure claims one byte more */
	ev = legacy_event(&ad, -60);
	cr_assert_eq(parse(&ev, NULL, r, &n, &st), ADV_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(r[0].tag, "c0:ff:ee:01:02:03");
	cr_assert_not(r[0].has_tx);
	cr_assert_eq(st.status[-ADV_EADDATA], 1);
}

Test(adv, wrong_length_beacon_structures_are_not_beacons)
{
	struct buf ad = { .n = 0 };
	struct buf ev;

	/* An Apple structure one byte short of an iBeacon. */
	put(&ad, (uint8_t[]){ 0x19, 0xff, 0x4c, 0x00, 0x02, 0x15 }, 6);
	put(&ad, UUID, 16);
	put(&ad, (uint8_t[]){ 0, 1, 0, 2 }, 4);
	ev = legacy_event(&ad, -60);
	cr_assert_str_eq(one(&ev, NULL).tag, "c0:ff:ee:01:02:03");
	/* A TLM cut after the battery. */
	ad.n = 0;
	put(&ad, (uint8_t[]){ 0x07, 0x16, 0xaa, 0xfe, 0x20, 0x00, 0x0b, 0xb8 },
	    8);
	ev = legacy_event(&ad, -60);
	cr_assert_eq(one(&ev, NULL).battery_mv, 0);
}

Test(adv, every_cut_of_a_valid_event_is_refused_without_reading_past_it)
{
	struct buf ads[3] = { ad_ibeacon(UUID, 1, 2, -59),
			      ad_eddystone_uid(-20), ad_altbeacon(-60) };

	for (size_t k = 0; k < 3; k++) {
		struct buf evs[2] = { legacy_event(&ads[k], -60),
				      ext_event(&ads[k], -60, 0) };

		for (size_t e = 0; e < 2; e++) {
			for (size_t cut = 0; cut < evs[e].n; cut++) {
				struct buf c = evs[e];
				struct adv_report r[ADV_MAX_REPORTS];
				size_t n = 99;
				int rc;

				c.n = cut;
				rc = parse(&c, NULL, r, &n, NULL);
				cr_assert_lt(rc, 0, "cut at %zu", cut);
				cr_assert_eq(n, 0);
			}
		}
	}
}

Test(adv, random_bytes_never_crash_or_over_read)
{
	uint64_t x = 88172645463325252ull;
	struct adv_stats st = { 0 };

	for (int i = 0; i < 20000; i++) {
		struct buf ev = { .n = 0 };
		struct adv_report r[ADV_MAX_REPORTS];
		size_t n;

		/* A valid header half the time, so the fuzz gets past it. */
		ev.n = 3 + (size_t)(x % 64);
		for (size_t j = 0; j < ev.n; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ev.b[j] = (uint8_t)x;
		}
		if (i % 2) {
			ev.b[0] = 0x3e;
			ev.b[1] = (uint8_t)(ev.n - 2);
			ev.b[2] = i % 4 == 1 ? 0x02 : 0x0d;
			ev.b[3] = 1;
		}
		parse(&ev, NULL, r, &n, &st);
		cr_assert_leq(n, ADV_MAX_REPORTS);
	}
	cr_assert_gt(st.events, 0);
}

Test(adv, every_status_has_a_name)
{
	for (int k = 0; k < ADV_N_STATUS; k++)
		cr_assert_str_neq(adv_strerror(-k), "unknown status");
	cr_assert_str_eq(adv_strerror(1), "unknown status");
}

Test(adv, uuid_parse_takes_dashed_uuids_in_either_case)
{
	uint8_t u[16];

	cr_assert_eq(adv_uuid_parse("F7826DA6-4FA2-4E98-8024-BC5B71E0893E",
				    u), 0);
	cr_assert_arr_eq(u, UUID, 16);
	cr_assert_eq(adv_uuid_parse("f7826da64fa24e988024bc5b71e0893e", u),
		     -1);
	cr_assert_eq(adv_uuid_parse("f7826da6-4fa2-4e98-8024-bc5b71e0893g",
				    u), -1);
	cr_assert_eq(adv_uuid_parse("", u), -1);
}

Test(adv, battery_percent_runs_from_2_to_3_volts)
{
	cr_assert_float_eq(adv_battery_pct(3000), 100.0, 1e-9);
	cr_assert_float_eq(adv_battery_pct(2500), 50.0, 1e-9);
	cr_assert_float_eq(adv_battery_pct(3300), 100.0, 1e-9);
	cr_assert_float_eq(adv_battery_pct(1800), 0.0, 1e-9);
}

/* The allow-list. */

static struct adv_report
report_of(const struct buf *ad)
{
	struct buf ev = legacy_event(ad, -60);

	return one(&ev, NULL);
}

Test(adv, allow_list_by_uuid_prefix_and_mac)
{
	uint8_t other[16] = { 1 };
	struct buf a = ad_ibeacon(UUID, 1, 2, -59);
	struct buf b = ad_ibeacon(other, 1, 2, -59);
	struct buf c = ad_altbeacon(-60);
	struct adv_report ra = report_of(&a), rb = report_of(&b),
			  rc = report_of(&c);
	uint8_t uuids[1][16], macs[1][6] = { { 0xc0, 0xff, 0xee, 1, 2, 3 } };
	const char *prefixes[1] = { "altbeacon:1011" };
	struct filter f = { 0 };

	memcpy(uuids[0], UUID, 16);
	cr_assert(filter_pass(&f, &rb));   /* empty: everything */
	f.uuids = uuids;
	f.n_uuids = 1;
	cr_assert(filter_pass(&f, &ra));
	cr_assert_not(filter_pass(&f, &rb));
	cr_assert_not(filter_pass(&f, &rc));
	f.prefixes = prefixes;
	f.n_prefixes = 1;
	cr_assert(filter_pass(&f, &rc));
	f.n_uuids = 0;
	f.n_prefixes = 0;
	f.macs = macs;
	f.n_macs = 1;
	cr_assert(filter_pass(&f, &rb));   /* same address */
}
