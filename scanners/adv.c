/*
 * adv: HCI LE advertising reports and advertising data, decoded.
 *
 * HCI event (Core spec vol 4 part E 5.4.4): event code, parameter length,
 * parameters.  LE Meta event 0x3E; its first parameter is the subevent.
 *
 * LE Advertising Report, subevent 0x02 (7.7.65.2): Num_Reports, then per
 * report Event_Type (1), Address_Type (1), Address (6, little-endian),
 * Data_Length (1), Data, RSSI (1, signed; 127: not available).  The spec
 * lists the fields as arrays, but controllers and the Linux kernel lay out
 * each report whole, one after the other; that is what is parsed here.
 *
 * LE Extended Advertising Report, subevent 0x0D (7.7.65.13): Num_Reports,
 * then per report Event_Type (2: bit 4 legacy PDU, bits 5-6 data status,
 * 00 complete), Address_Type (1), Address (6), Primary_PHY (1),
 * Secondary_PHY (1), Advertising_SID (1), TX_Power (1), RSSI (1, 127: not
 * available), Periodic_Advertising_Interval (2), Direct_Address_Type (1),
 * Direct_Address (6), Data_Length (1), Data.
 *
 * Advertising data (Core spec vol 3 part C 11): AD structures, each a
 * length (type + data), a type and the data; a length of 0 ends the data
 * early (padding).
 */
#include "adv.h"

#include <string.h>

#define EVT_LE_META 0x3e
#define SUB_ADV_REPORT 0x02
#define SUB_EXT_ADV_REPORT 0x0d

#define LEGACY_FIXED 10         /* a legacy report without its data */
#define EXT_FIXED 24            /* an extended report without its data */
#define RSSI_NONE 127

#define AD_SERVICE_DATA16 0x16
#define AD_MANUFACTURER 0xff

#define COMPANY_APPLE 0x004c
#define EDDYSTONE_UUID 0xfeaa
#define EDDYSTONE_UID 0x00
#define EDDYSTONE_TLM 0x20

/* Eddystone UID's ranging data is the power received at 0 m; the spec
 * says to subtract 41 dB (the free-space loss of the first metre) for the
 * RSSI at 1 m that iBeacon and AltBeacon announce. */
#define EDDYSTONE_0M_TO_1M 41

static const char hexd[] = "0123456789abcdef";

const char *
adv_strerror(int status)
{
	switch (status) {
#define ADV_CASE(name, code, text) case code: return text;
	ADV_STATUS_MAP(ADV_CASE)
#undef ADV_CASE
	}
	return "unknown status";
}

static char *
put_hex(char *p, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*p++ = hexd[b[i] >> 4];
		*p++ = hexd[b[i] & 15];
	}
	return p;
}

static char *
put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *
put_u16(char *p, unsigned v)
{
	char tmp[5];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void
set_mac_tag(struct adv_report *r)
{
	char *p = r->tag;

	for (size_t i = 0; i < 6; i++) {
		if (i)
			*p++ = ':';
		p = put_hex(p, &r->addr[i], 1);
	}
	*p = '\0';
	r->kind = ADV_KIND_MAC;
}

static uint16_t
le16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
set_ibeacon_tag(struct adv_report *r, const uint8_t *uuid, uint16_t major,
		uint16_t minor)
{
	char *p = put_str(r->tag, "ibeacon:");

	/* 8-4-4-4-12 */
	p = put_hex(p, uuid, 4);
	*p++ = '-';
	p = put_hex(p, uuid + 4, 2);
	*p++ = '-';
	p = put_hex(p, uuid + 6, 2);
	*p++ = '-';
	p = put_hex(p, uuid + 8, 2);
	*p++ = '-';
	p = put_hex(p, uuid + 10, 6);
	*p++ = '-';
	p = put_u16(p, major);
	*p++ = '-';
	p = put_u16(p, minor);
	*p = '\0';
	r->kind = ADV_KIND_IBEACON;
}

/* Kontakt.io "iBeacon Button packet" (developer.kontakt.io/hardware/
 * button): while its button was pressed in the last 10 s, a tag sends a
 * second iBeacon with the same major and minor and its proximity UUID
 * "incremented by one"; "if it ends on F it will go back to 0", i.e. the
 * last hex digit counts round without a carry.  So the button packet is
 * one of the configured UUIDs with the low nibble of its last byte + 1. */
static const uint8_t *
press_base(const struct adv_config *cfg, const uint8_t *uuid)
{
	if (!cfg)
		return NULL;
	for (size_t i = 0; i < cfg->n_press; i++) {
		const uint8_t *b = cfg->press_uuids[i];

		if (memcmp(b, uuid, 15) == 0 &&
		    (b[15] & 0xf0) == (uuid[15] & 0xf0) &&
		    ((b[15] + 1) & 0x0f) == (uuid[15] & 0x0f))
			return b;
	}
	return NULL;
}

/* iBeacon, in manufacturer data after the company id: 0x02 0x15, UUID
 * (16), major (2, big-endian), minor (2), measured power at 1 m (1). */
static bool
ibeacon(const uint8_t *d, size_t n, const struct adv_config *cfg,
	struct adv_report *r)
{
	const uint8_t *uuid, *base;

	if (n != 23 || d[0] != 0x02 || d[1] != 0x15)
		return false;
	uuid = d + 2;
	base = press_base(cfg, uuid);
	if (base) {
		uuid = base;
		r->button = true;
	}
	set_ibeacon_tag(r, uuid, be16(d + 18), be16(d + 20));
	r->tx = (int8_t)d[22];
	r->has_tx = true;
	return true;
}

/* AltBeacon (github.com/AltBeacon/spec), in manufacturer data after the
 * company id (any): beacon code 0xBE 0xAC, beacon id (20), reference RSSI
 * (1, signed: the average received power at 1 m), reserved (1). */
static bool
altbeacon(const uint8_t *d, size_t n, struct adv_report *r)
{
	char *p;

	if (n != 24 || d[0] != 0xbe || d[1] != 0xac)
		return false;
	p = put_str(r->tag, "altbeacon:");
	p = put_hex(p, d + 2, 20);
	*p = '\0';
	r->kind = ADV_KIND_ALTBEACON;
	r->tx = (int8_t)d[22];
	r->has_tx = true;
	return true;
}

/* Eddystone (github.com/google/eddystone), service data for 0xFEAA after
 * the UUID: frame type, then
 *   UID 0x00: ranging data (1, signed, at 0 m), namespace (10), instance
 *             (6), reserved (2, which some tags leave out);
 *   TLM 0x20: version (1, 0x00 plain), battery mV (2, big-endian, 0: not
 *             known), temperature (2), PDU count (4), uptime (4). */
static bool
eddystone(const uint8_t *d, size_t n, struct adv_report *r)
{
	char *p;

	if (n >= 18 && d[0] == EDDYSTONE_UID) {
		p = put_str(r->tag, "eddystone:");
		p = put_hex(p, d + 2, 10);
		*p++ = '-';
		p = put_hex(p, d + 12, 6);
		*p = '\0';
		r->kind = ADV_KIND_EDDYSTONE_UID;
		r->tx = (int8_t)((int8_t)d[1] - EDDYSTONE_0M_TO_1M);
		r->has_tx = (int8_t)d[1] >= -127 + EDDYSTONE_0M_TO_1M;
		return true;
	}
	if (n == 14 && d[0] == EDDYSTONE_TLM && d[1] == 0x00) {
		r->battery_mv = be16(d + 2);
		r->kind = ADV_KIND_EDDYSTONE_TLM;
		return true;  /* the tag id stays the address */
	}
	return false;
}

int
adv_parse_data(const uint8_t *ad, size_t len, const struct adv_config *cfg,
	       struct adv_report *r)
{
	size_t i = 0;
	bool found = false;

	set_mac_tag(r);
	r->has_tx = false;
	r->tx = 0;
	r->button = false;
	r->battery_mv = 0;
	while (i < len) {
		size_t l = ad[i];
		const uint8_t *d;
		uint8_t type;

		if (l == 0)
			break;  /* padding to the end */
		if (l > len - i - 1) {
			set_mac_tag(r);
			r->has_tx = false;
			r->button = false;
			r->battery_mv = 0;
			return ADV_EADDATA;
		}
		type = ad[i + 1];
		d = ad + i + 2;
		l -= 1;  /* data only */
		if (!found && type == AD_MANUFACTURER && l >= 2) {
			if (le16(d) == COMPANY_APPLE)
				found = ibeacon(d + 2, l - 2, cfg, r);
			if (!found)
				found = altbeacon(d + 2, l - 2, r);
		} else if (!found && type == AD_SERVICE_DATA16 && l >= 3 &&
			   le16(d) == EDDYSTONE_UUID) {
			found = eddystone(d + 2, l - 2, r);
		}
		i += l + 2;
	}
	return ADV_OK;
}

static void
count(struct adv_stats *st, int status)
{
	if (st && status < 0 && -status < ADV_N_STATUS)
		st->status[-status]++;
}

static void
set_addr(struct adv_report *r, const uint8_t *le)
{
	for (size_t i = 0; i < 6; i++)
		r->addr[i] = le[5 - i];
}

/* One report's fixed fields and data, whichever subevent; *used its
 * length.  Returns ADV_OK, a skip (ENORSSI, EPARTIAL: the report is not
 * kept), or an error that ends the event. */
static int
one_report(const uint8_t *p, size_t left, bool ext,
	   const struct adv_config *cfg, struct adv_report *r, size_t *used,
	   struct adv_stats *st)
{
	size_t fixed = ext ? EXT_FIXED : LEGACY_FIXED;
	size_t dlen;
	const uint8_t *data;
	int8_t rssi;
	bool complete = true;

	if (left < fixed)
		return ADV_ETRUNC;
	if (ext) {
		uint16_t type = le16(p);

		complete = ((type >> 5) & 3) == 0;
		r->addr_type = p[2];
		set_addr(r, p + 3);
		rssi = (int8_t)p[13];
		dlen = p[23];
		data = p + 24;
	} else {
		r->addr_type = p[1];
		set_addr(r, p + 2);
		dlen = p[8];
		data = p + 9;
		if (left - fixed < dlen)
			return ADV_ETRUNC;
		rssi = (int8_t)data[dlen];
	}
	if (left - fixed < dlen)
		return ADV_ETRUNC;
	if (!ext && dlen > 31)
		return ADV_EBADLEN;  /* a legacy PDU holds 31 bytes */
	*used = fixed + dlen;
	r->extended = ext;
	r->rssi = rssi;
	/* The specification's range is -127..+20 dBm, 127 meaning none: a
	 * -128 is no reading either. */
	if (rssi == RSSI_NONE || rssi > 20 || rssi < -127)
		return ADV_ENORSSI;
	/* A fragment's AD structures may be cut anywhere: wait for the
	 * whole; the tag's next advertisement will do. */
	if (!complete)
		return ADV_EPARTIAL;
	if (adv_parse_data(data, dlen, cfg, r) != ADV_OK)
		count(st, ADV_EADDATA);
	return ADV_OK;
}

int
adv_parse_event(const uint8_t *ev, size_t len, const struct adv_config *cfg,
		struct adv_report out[ADV_MAX_REPORTS], size_t *n,
		struct adv_stats *st)
{
	size_t nrep, off, kept = 0;
	bool ext;
	int rc;

	*n = 0;
	if (len < 3 || ev[0] != EVT_LE_META ||
	    (ev[2] != SUB_ADV_REPORT && ev[2] != SUB_EXT_ADV_REPORT))
		return ADV_ENOTADV;
	if (st)
		st->events++;
	ext = ev[2] == SUB_EXT_ADV_REPORT;
	if ((size_t)ev[1] != len - 2) {
		rc = len - 2 < ev[1] ? ADV_ETRUNC : ADV_EBADLEN;
		goto fail;
	}
	if (len < 4) {
		rc = ADV_ETRUNC;
		goto fail;
	}
	nrep = ev[3];
	if (nrep == 0 || nrep > ADV_MAX_REPORTS) {
		rc = ADV_ECOUNT;
		goto fail;
	}
	off = 4;
	for (size_t k = 0; k < nrep; k++) {
		size_t used = 0;

		rc = one_report(ev + off, len - off, ext, cfg, &out[kept],
				&used, st);
		if (rc == ADV_ENORSSI || rc == ADV_EPARTIAL)
			count(st, rc);
		else if (rc != ADV_OK)
			goto fail;
		else
			kept++;
		off += used;
	}
	if (off != len) {
		rc = ADV_EBADLEN;  /* bytes left over: the counts disagree */
		goto fail;
	}
	*n = kept;
	if (st)
		st->reports += kept;
	return ADV_OK;
fail:
	count(st, rc);
	return rc;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
adv_uuid_parse(const char *s, uint8_t out[16])
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	uint8_t b[16];
	size_t k = 0, di = 0;

	if (strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36;) {
		int hi, lo;

		if (di < 4 && i == dash[di]) {
			if (s[i] != '-')
				return -1;
			di++;
			i++;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0 || k == 16)
			return -1;
		b[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (k != 16)
		return -1;
	memcpy(out, b, 16);
	return 0;
}

double
adv_battery_pct(uint16_t mv)
{
	double pct = ((double)mv - 2000.0) / 10.0;

	return pct < 0 ? 0 : pct > 100 ? 100 : pct;
}
