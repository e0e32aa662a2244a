/*
 * adv: HCI LE advertising reports to tag reports.  Pure: no I/O, no clock,
 * no allocation; every length is checked before a byte is read.
 *
 * Formats (the published ones; see adv.c for the byte layouts):
 *   HCI LE Meta event 0x3E, subevents LE Advertising Report (0x02) and LE
 *   Extended Advertising Report (0x0D), Bluetooth Core spec vol 4 part E
 *   7.7.65.2 and 7.7.65.13;
 *   iBeacon (Apple manufacturer data 0x004C, type 0x02, length 0x15),
 *   Eddystone UID and TLM (service data 0xFEAA), AltBeacon (beacon code
 *   0xBEAC), and the Kontakt.io button beacon (an iBeacon whose proximity
 *   UUID is the tag's own plus one).
 *
 * Tag ids: "ibeacon:<uuid, lowercase, dashed>-<major>-<minor>",
 * "eddystone:<namespace hex>-<instance hex>", "altbeacon:<id hex>", or the
 * device address "aa:bb:cc:dd:ee:ff".
 */
#ifndef ADV_H
#define ADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest id is an iBeacon's: 8 + 36 + 2 * 6 characters. */
#define ADV_TAG_MAX 64

/* The most reports one event can hold (a 255-byte event of legacy
 * reports with no data: 11 bytes each). */
#define ADV_MAX_REPORTS 25

/* Status of a parse: 0 decoded, negative why not.  One list makes the
 * enum and the names, so they cannot drift apart. */
#define ADV_STATUS_MAP(XX)                                                  \
	XX(OK, 0, "ok")                                                     \
	XX(ENOTADV, -1, "not an LE advertising report")                     \
	XX(ETRUNC, -2, "a length runs past the end of the event")           \
	XX(EBADLEN, -3, "a length field disagrees with the event")          \
	XX(ECOUNT, -4, "no reports, or more than an event can hold")        \
	XX(ENORSSI, -5, "RSSI not available")                               \
	XX(EPARTIAL, -6, "extended advertising data incomplete")            \
	XX(EADDATA, -7, "malformed advertising data")

enum adv_status {
#define ADV_ENUM(name, code, text) ADV_##name = code,
	ADV_STATUS_MAP(ADV_ENUM)
#undef ADV_ENUM
};

#define ADV_N_STATUS 8

const char *adv_strerror(int status);

enum adv_kind {
	ADV_KIND_MAC,
	ADV_KIND_IBEACON,
	ADV_KIND_EDDYSTONE_UID,
	ADV_KIND_EDDYSTONE_TLM,
	ADV_KIND_ALTBEACON,
};

/* One advertisement, decoded.  tx is the received power at 1 m the tag
 * announces (dBm), battery_mv its battery voltage (Eddystone TLM). */
struct adv_report {
	char tag[ADV_TAG_MAX];
	uint8_t addr[6];        /* most significant byte first */
	uint8_t addr_type;
	int8_t rssi;            /* dBm */
	int8_t tx;
	bool has_tx;
	bool button;
	bool extended;          /* from an extended advertising report */
	uint16_t battery_mv;    /* 0: not known */
	enum adv_kind kind;
};

/* What the parser needs to know beyond the bytes: the proximity UUIDs of
 * Kontakt.io button tags, whose button packet carries UUID + 1 (16 bytes
 * each, as sent).  Not copied: must outlive the calls. */
struct adv_config {
	const uint8_t (*press_uuids)[16];
	size_t n_press;
};

/* Counts by status, kept by the caller (the parser has no state). */
struct adv_stats {
	uint64_t events;        /* LE advertising report events seen */
	uint64_t reports;       /* reports decoded */
	uint64_t status[ADV_N_STATUS];  /* by -status */
};

/* Decodes one HCI event (event code, parameter length, parameters: no H4
 * packet-type byte) of len bytes.  Writes up to ADV_MAX_REPORTS reports
 * to out[] and their number to *n.  Returns ADV_OK; ADV_ENOTADV for any
 * other event (nothing counted); or an error, counted in st, with *n = 0
 * (a bad length makes every later field unreliable).  A report without
 * RSSI or with incomplete extended data is skipped and counted, not an
 * error.  cfg and st may be NULL. */
int adv_parse_event(const uint8_t *ev, size_t len, const struct adv_config *cfg,
		    struct adv_report out[ADV_MAX_REPORTS], size_t *n,
		    struct adv_stats *st);

/* Decodes advertising data (AD structures) into r, whose addr is already
 * set: the tag id, tx, button and battery.  Returns ADV_OK or
 * ADV_EADDATA (r->tag then holds the address). */
int adv_parse_data(const uint8_t *ad, size_t len, const struct adv_config *cfg,
		   struct adv_report *r);

/* Parses "f7826da6-4fa2-4e98-8024-bc5b71e0893e" (either case) into 16
 * bytes.  Returns 0, or -1 if it is not a dashed UUID. */
int adv_uuid_parse(const char *s, uint8_t out[16]);

/* Battery voltage as a percentage for the ingest report: a linear scale
 * over a lithium coin cell's useful range, 2.0 V empty to 3.0 V full. */
double adv_battery_pct(uint16_t mv);

#endif /* ADV_H */
