// HCI LE advertising reports and btsnoop captures, written byte by byte
// from the published formats, for the trackscan tests.
import { writeFileSync } from 'node:fs';

export const UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';

const uuidBytes = (u) => Buffer.from(u.replace(/-/g, ''), 'hex');
const i8 = (v) => v & 0xff;

// Advertising data: flags, then iBeacon (Apple 0x004C, 0x02 0x15, UUID,
// major, minor big-endian, measured power).
export function adIbeacon(uuid, major, minor, tx) {
	return Buffer.from([0x02, 0x01, 0x06, 0x1a, 0xff, 0x4c, 0x00, 0x02, 0x15,
		...uuidBytes(uuid), major >> 8, major & 0xff, minor >> 8, minor & 0xff,
		i8(tx)]);
}

// Eddystone UID: service data 0xFEAA, frame 0x00, ranging data at 0 m,
// namespace (10), instance (6), RFU (2).
export function adEddystoneUid(ns, inst, ranging) {
	return Buffer.from([0x03, 0x03, 0xaa, 0xfe, 0x17, 0x16, 0xaa, 0xfe, 0x00,
		i8(ranging), ...Buffer.from(ns, 'hex'), ...Buffer.from(inst, 'hex'),
		0x00, 0x00]);
}

// Eddystone TLM, version 0: battery mV, temperature, PDU count, uptime.
export function adEddystoneTlm(mv) {
	return Buffer.from([0x03, 0x03, 0xaa, 0xfe, 0x11, 0x16, 0xaa, 0xfe, 0x20,
		0x00, mv >> 8, mv & 0xff, 0x16, 0x00, 0, 0, 0, 9, 0, 0, 0, 7]);
}

// AltBeacon: manufacturer data (company 0x0118), 0xBEAC, id (20),
// reference RSSI at 1 m, reserved.
export function adAltbeacon(id, ref) {
	return Buffer.from([0x1b, 0xff, 0x18, 0x01, 0xbe, 0xac,
		...Buffer.from(id, 'hex'), i8(ref), 0x00]);
}

export function adName(name) {
	return Buffer.from([0x02, 0x01, 0x06, name.length + 1, 0x09,
		...Buffer.from(name)]);
}

const addrLe = (mac) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16))
	.reverse());

// LE Meta event (0x3E), LE Advertising Report (0x02): one report.
export function legacyEvent(mac, ad, rssi) {
	const p = Buffer.concat([Buffer.from([0x02, 0x01, 0x03, 0x00]), addrLe(mac),
		Buffer.from([ad.length]), ad, Buffer.from([i8(rssi)])]);
	return Buffer.concat([Buffer.from([0x3e, p.length]), p]);
}

// LE Meta event, LE Extended Advertising Report (0x0D): one complete
// report.
export function extEvent(mac, ad, rssi) {
	const p = Buffer.concat([Buffer.from([0x0d, 0x01, 0x10, 0x00, 0x01]),
		addrLe(mac), Buffer.from([0x01, 0x00, 0xff, 0x7f, i8(rssi),
			0, 0, 0, 0, 0, 0, 0, 0, 0, ad.length]), ad]);
	return Buffer.concat([Buffer.from([0x3e, p.length]), p]);
}

// btsnoop time: microseconds since 0000-01-01.
const EPOCH = 0x00dcddb30f2f8000n;

// A btsnoop file of records {t (Unix s), data (Buffer), kind ('event' or
// 'command')}: datalink 2001 (btmon: the packet type is the opcode in the
// flags) or 1002 (H4: the packet type is the data's first byte).
export function btsnoop(records, datalink = 2001) {
	const parts = [];
	const h = Buffer.alloc(16);
	h.write('btsnoop\0', 0, 'latin1');
	h.writeUInt32BE(1, 8);
	h.writeUInt32BE(datalink, 12);
	parts.push(h);
	for (const r of records) {
		const cmd = r.kind === 'command';
		const data = datalink === 1002 ?
			Buffer.concat([Buffer.from([cmd ? 0x01 : 0x04]), r.data]) : r.data;
		const rh = Buffer.alloc(24);
		rh.writeUInt32BE(data.length, 0);
		rh.writeUInt32BE(data.length, 4);
		rh.writeUInt32BE(datalink === 1002 ? (cmd ? 2 : 3) : (cmd ? 2 : 3), 8);
		rh.writeUInt32BE(0, 12);
		rh.writeBigUInt64BE(BigInt(Math.round(r.t * 1e6)) + EPOCH, 16);
		parts.push(rh, data);
	}
	return Buffer.concat(parts);
}

export function writeBtsnoop(path, records, datalink) {
	writeFileSync(path, btsnoop(records, datalink));
	return path;
}
