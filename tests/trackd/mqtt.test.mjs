// Ingest through a real mosquitto broker (trackd --mqtt): on a loopback
// port, with a password per user and an ACL that lets each scanner's user
// publish on its own topic only, and persistence so that trackd's session
// (its subscription and the QoS 1 messages waiting for it) survives a
// restart of the broker.
//
// The scanner programs publish there too: trackscan replaying a btsnoop
// capture, trackbridge reading ESPresense messages from the same broker.
//
// Environment: MOSQUITTO (the broker, default /usr/sbin/mosquitto),
// TRACKSIM, TRACKSCAN and TRACKBRIDGE (default build/scanners/...); the
// clients mosquitto_pub and mosquitto_passwd on the PATH.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Broker, PASSWORD, SITE_ID, TOPIC, noBroker } from './broker.mjs';
import { ROOT, SITE, framesFor, loadSite, now, sleep, startTrackd, until } from './trackd.mjs';
import { UUID, adIbeacon, legacyEvent, writeBtsnoop } from '../scanners/hci.mjs';
import { TRACKBRIDGE, TRACKSCAN, run, runToEnd } from '../scanners/procs.mjs';

// trackscan is built where libbluetooth is.
const skip = noBroker;
const skipScan = skip || (!existsSync(TRACKSCAN) && `no trackscan at ${TRACKSCAN}`);
const skipBridge = skip ||
	(!existsSync(TRACKBRIDGE) && `no trackbridge at ${TRACKBRIDGE}`);

let broker, brokerPort, dir, trackd;
const publish = (...args) => broker.publish(...args);
const publishPlacements = (...args) => broker.publishPlacements(...args);

async function health() {
	return (await trackd.get('/healthz')).json();
}

function startTrackdOnBroker() {
	return startTrackd(broker.trackdArgs('trackd-test'));
}

before(async () => {
	if (skip)
		return;
	broker = await Broker.start('trackd-mqtt-');
	brokerPort = broker.port;
	dir = broker.dir;
	trackd = await startTrackdOnBroker();
	await until(async () => (await health()).mqtt === 'connected', 5000,
		'trackd connected to the broker');
});

after(async () => {
	await trackd?.stopClean();
	if (broker)
		await broker.stop();
});

test('reports published on the broker place the tag', { skip }, async () => {
	const before = await trackd.metric('trackd_mqtt_messages_total');
	const docs = await publishPlacements([
		{ tag: 'mqtt-0001', floor: 'f0', x: 10, y: 11 }]);
	const t = await trackd.waitLocated('mqtt-0001');
	assert.equal(t.floor, 'f0');
	assert.ok(Math.hypot(t.x - 10, t.y - 11) < 3, `near (10, 11): ${t.x}, ${t.y}`);
	// Each document taken once (the first may place the tag before the
	// last has come: trackd reads the socket before each update).
	await until(async () => await trackd.metric('trackd_mqtt_messages_total') >=
		before + docs.length, 3000, 'every document taken');
	await sleep(200);
	assert.equal(await trackd.metric('trackd_mqtt_messages_total'),
		before + docs.length);
	assert.deepEqual(await health(), { status: 'ok', mqtt: 'connected' });
	assert.equal(await trackd.metric('trackd_mqtt_connected'), 1);
});

test('a document naming another scanner than its topic is refused and counted', { skip }, async () => {
	const name = 'trackd_mqtt_refused_total{reason="wrong scanner"}';
	const before = await trackd.metric(name);
	const wrongBefore = await trackd.metric('trackd_ingest_wrong_scanner_total');
	const reportsBefore = await trackd.metric('trackd_reports_total');
	// ap-f0-01 may publish on its own topic only (the ACL); it tries to
	// speak for ap-f0-02 there.
	await publish(TOPIC('ap-f0-01'), JSON.stringify({ scanner: 'ap-f0-02',
		reports: [{ tag: 'mqtt-0002', rssi: -60, t: now() }] }));
	await until(async () => await trackd.metric(name) === before + 1, 3000,
		'the refusal counted');
	assert.equal(await trackd.metric('trackd_ingest_wrong_scanner_total'),
		wrongBefore + 1);
	assert.equal(await trackd.metric('trackd_reports_total'), reportsBefore,
		'none of its reports taken');
	assert.match(trackd.stderr(), /mqtt libtrack\/[^ ]+\/reports\/ap-f0-01 refused: the document names another scanner/);
	assert.equal((await trackd.get('/api/v1/tags/mqtt-0002')).status, 404);
});

test('the ACL keeps a scanner off another\'s topic', { skip }, async () => {
	// Refused by the broker (MQTT 3.1.1 does not tell the publisher).
	const [doc] = framesFor([{ tag: 'mqtt-0008', floor: 'f0', x: 10, y: 11 }]);
	await publish(TOPIC(doc.scanner), JSON.stringify(doc), { user: 'ap-f1-01' });
	await publishPlacements([{ tag: 'mqtt-0009', floor: 'f0', x: 14, y: 11 }]);
	await trackd.waitLocated('mqtt-0009');
	assert.equal((await trackd.get('/api/v1/tags/mqtt-0008')).status, 404);
});

test('malformed JSON is counted and costs nothing else', { skip }, async () => {
	const name = 'trackd_mqtt_refused_total{reason="not a document"}';
	const before = await trackd.metric(name);
	await publish(TOPIC('ap-f0-05'), '{"scanner": "ap-f0-05", "reports": [');
	await publish(TOPIC('ap-f0-05'), 'not json at all');
	await publishPlacements([{ tag: 'mqtt-0003', floor: 'f0', x: 20, y: 11 }]);
	await trackd.waitLocated('mqtt-0003');
	await until(async () => await trackd.metric(name) === before + 2, 3000,
		'both malformed messages counted');
	assert.match(trackd.stderr(), /refused: invalid JSON at line 1/);
});

test('the scanner rate limit applies as on the WebSocket', { skip }, async () => {
	const before = await trackd.metric('trackd_reports_rate_limited_total');
	const t = now();
	// More than two seconds' burst of the default 5000 reports/s.
	const reports = Array.from({ length: 11000 }, (_, i) =>
		({ tag: `rate-${i % 50}`, rssi: -70, t }));
	await publish(TOPIC('ap-f0-06'), JSON.stringify({ scanner: 'ap-f0-06', reports }));
	await until(async () =>
		await trackd.metric('trackd_reports_rate_limited_total') > before,
	3000, 'reports past the rate refused');
});

test('the broker restarted under trackd: it reconnects, its session kept', { skip }, async () => {
	const reconnects = await trackd.metric('trackd_mqtt_reconnects_total');
	const retained = 'trackd_mqtt_refused_total{reason="retained"}';
	const retainedBefore = await trackd.metric(retained);
	// A retained document goes to subscribers as it comes (taken), and
	// again at each subscription, then flagged retained: old news, which
	// trackd refuses.
	const [doc] = framesFor([{ tag: 'mqtt-0007', floor: 'f0', x: 30, y: 11 }]);
	await publish(TOPIC(doc.scanner), JSON.stringify(doc), { retain: true });
	await trackd.waitLocated('mqtt-0007');
	await broker.stop();
	await until(async () => (await health()).status === 'degraded', 5000,
		'/healthz degraded without the broker');
	assert.match((await health()).mqtt, /^disconnected: /);
	assert.equal(await trackd.metric('trackd_mqtt_connected'), 0);
	await sleep(1500); // a few attempts refused: trackd backs off
	await broker.start();
	// Published before trackd is back, perhaps: the broker keeps them for
	// its session (QoS 1, clean session off, persistence). They are
	// counted when they come; by then (the backoff may last seconds) they
	// may be too old to place the tag, which is the engine's business.
	const messages = await trackd.metric('trackd_mqtt_messages_total');
	const docs = await publishPlacements([{ tag: 'mqtt-0005', floor: 'f0', x: 12, y: 11 }]);
	await until(async () => (await health()).mqtt === 'connected', 35000,
		'trackd connected again');
	assert.equal(await trackd.metric('trackd_mqtt_reconnects_total'), reconnects + 1);
	assert.ok(await trackd.metric('trackd_mqtt_connect_failures_total') >= 1);
	// Each document once, and the retained copy again on subscribing.
	await until(async () => await trackd.metric('trackd_mqtt_messages_total') >=
		messages + docs.length + 1, 5000, 'the documents published meanwhile delivered');
	assert.match(trackd.stderr(), /session resumed/);
	// Fresh ones place the tag, through the resumed subscription.
	await publishPlacements([{ tag: 'mqtt-0005', floor: 'f0', x: 12, y: 11 }]);
	await trackd.waitLocated('mqtt-0005');
	await until(async () => await trackd.metric(retained) === retainedBefore + 1,
		3000, 'the retained copy refused on subscribing again');
});

test('reports published while trackd is away come when it is back', { skip }, async () => {
	await trackd.stopClean();
	trackd = null;
	await publishPlacements([{ tag: 'mqtt-0006', floor: 'f0', x: 16, y: 11 }]);
	trackd = await startTrackdOnBroker();
	await trackd.waitLocated('mqtt-0006', 5000);
});

test('tracksim --mqtt publishes one document per scanner that trackd takes', { skip }, async () => {
	const tracksim = process.env.TRACKSIM || path.join(ROOT, 'build', 'scanners', 'tracksim');
	const before = await trackd.metric('trackd_mqtt_messages_total');
	const reportsBefore = await trackd.metric('trackd_reports_total');
	const r = await new Promise((resolve) => execFile(tracksim, ['--mqtt',
		`mqtt://127.0.0.1:${brokerPort}`, '--mqtt-user', 'tracksim',
		'--site', SITE, '--duration', '3', '--seed', '3'],
	{ env: { ...process.env, TRACK_MQTT_PASSWORD: PASSWORD } },
	(e, stdout, stderr) => resolve({ code: e ? e.code : 0, stderr })));
	assert.equal(r.code, 0, r.stderr);
	const m = /(\d+) reports sent \((\d+) accepted, 0 rejected\), 0 dropped/.exec(r.stderr);
	assert.ok(m, r.stderr);
	assert.equal(m[1], m[2], 'every report taken by the broker');
	await until(async () => await trackd.metric('trackd_reports_total') -
		reportsBefore >= Number(m[1]), 3000, 'every report in trackd');
	assert.ok(await trackd.metric('trackd_mqtt_messages_total') > before);
	const tags = (await trackd.get('/api/v1/tags')).json().tags;
	assert.ok(tags.some((t) => loadSite().tags.some((s) => s.id === t.id)),
		'a site tag located');
});

// Every report trackd has taken off the broker: accepted, or refused by
// the engine or the ingest for a reason of its own (counted either way).
async function reportsSeen() {
	const text = (await trackd.get('/metrics')).text;
	let n = 0;
	for (const m of text.matchAll(/^trackd_reports_(?:total|rejected_total\{[^}]*\}|future_total|rate_limited_total|bad_tag_total) (\d+)$/gm))
		n += Number(m[1]);
	return n;
}

test('the broker restarted under tracksim\'s load: every report it took reaches trackd (QoS 1)', { skip }, async (t) => {
	const tracksim = process.env.TRACKSIM || path.join(ROOT, 'build', 'scanners', 'tracksim');
	const before = await reportsSeen();
	const sim = execFile(tracksim, ['--mqtt', `mqtt://127.0.0.1:${brokerPort}`,
		'--mqtt-user', 'tracksim', '--site', SITE, '--duration', '9', '--seed', '4'],
	{ env: { ...process.env, TRACK_MQTT_PASSWORD: PASSWORD } });
	let stderr = '';
	sim.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((r) => sim.once('exit', (code) => r(code)));
	await sleep(3000);
	await broker.stop();
	await sleep(2000);
	await broker.start();
	assert.equal(await exited, 0, stderr);
	const m = /(\d+) reports sent \((\d+) accepted, 0 rejected\), (\d+) dropped/.exec(stderr);
	assert.ok(m, stderr);
	const taken = Number(m[2]);
	assert.ok(taken > 1000, stderr);
	await until(async () => (await health()).mqtt === 'connected', 35000,
		'trackd connected again');
	await until(async () => await reportsSeen() - before >= taken, 10000,
		`every report the broker took (${taken}) in trackd`);
	t.diagnostic(`tracksim: ${m[0]}; trackd took ${await reportsSeen() - before}`);
});

// A tag heard every 100 ms for the last seconds, as btmon would record it.
function captureOf(file, major, minor, seconds) {
	const t0 = now() - seconds;
	const recs = [];
	for (let i = 0; i < seconds * 10; i++)
		recs.push({ t: t0 + i / 10, data: legacyEvent('c0:ff:ee:00:00:07',
			adIbeacon(UUID, major, minor, -59), -60 - (i % 5)) });
	return writeBtsnoop(file, recs);
}

test('trackscan --replay --mqtt: a capture\'s reports reach trackd through the broker', { skip: skipScan }, async () => {
	const capture = captureOf(path.join(dir, 'scan.btsnoop'), 11, 12, 3);
	const password = path.join(dir, 'ap-f0-01.password');
	writeFileSync(password, `${PASSWORD}\n`, { mode: 0o600 });
	const messages = await trackd.metric('trackd_mqtt_messages_total');
	const reports = await trackd.metric('trackd_reports_total');
	const r = await runToEnd(TRACKSCAN, ['--replay', capture,
		'--mqtt', `mqtt://127.0.0.1:${brokerPort}`, '--site', SITE_ID,
		'--scanner', 'ap-f0-01', '--mqtt-user', 'ap-f0-01',
		'--mqtt-password-file', password, '--batch-ms', '100']);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, new RegExp(`publishing on libtrack/${SITE_ID}/reports/<scanner>`));
	assert.match(r.stderr, /30 reports sent \(30 accepted, 0 rejected\), 0 dropped/);
	await until(async () => await trackd.metric('trackd_reports_total') ===
		reports + 30, 3000, 'the 30 reports in trackd');
	assert.ok(await trackd.metric('trackd_mqtt_messages_total') > messages);
	const tag = await trackd.waitLocated(`ibeacon:${UUID}-11-12`);
	assert.equal(tag.floor, 'f0');
});

test('trackscan --mqtt as another scanner than its login: the ACL keeps it off', { skip: skipScan }, async () => {
	const capture = captureOf(path.join(dir, 'other.btsnoop'), 13, 14, 1);
	const reports = await trackd.metric('trackd_reports_total');
	// MQTT 3.1.1 does not tell a publisher the broker dropped its message.
	const r = await runToEnd(TRACKSCAN, ['--replay', capture,
		'--mqtt', `mqtt://127.0.0.1:${brokerPort}`, '--site', SITE_ID,
		'--scanner', 'ap-f0-02', '--mqtt-user', 'ap-f0-01', '--quiet'],
	30000, { env: { ...process.env, TRACK_MQTT_PASSWORD: PASSWORD } });
	assert.equal(r.code, 0, r.stderr);
	const docs = await publishPlacements([
		{ tag: 'mqtt-0010', floor: 'f0', x: 18, y: 11 }]);
	await trackd.waitLocated('mqtt-0010');
	const placed = docs.reduce((n, d) => n + d.reports.length, 0);
	await until(async () => await trackd.metric('trackd_reports_total') -
		reports >= placed, 3000, 'the placement\'s reports taken');
	await sleep(200);
	assert.equal((await trackd.get(`/api/v1/tags/${encodeURIComponent(
		`ibeacon:${UUID}-13-14`)}`)).status, 404);
	assert.equal(await trackd.metric('trackd_reports_total') - reports,
		placed, 'only the placement\'s reports taken');
});

const IBEACON = 'iBeacon:E5CA1ADE-F007-BA11-0000-000000000000-200-2';

// What a node in room publishes for a device it hears (QoS 1 here, so
// that it is at the broker when this resolves).
function espresense(room, rssi) {
	return publish(`espresense/devices/${IBEACON}/${room}`, JSON.stringify({
		id: IBEACON, idType: 1, 'rssi@1m': -59, rssi, raw: 2.1, distance: 1.9,
		mac: 'c0ffee000002', interval: 100 }), { user: 'espresense' });
}

test('trackbridge --publish: ESPresense messages from the broker reach trackd --mqtt', { skip: skipBridge }, async () => {
	const password = path.join(dir, 'trackbridge.password');
	writeFileSync(password, `${PASSWORD}\n`, { mode: 0o600 });
	const reports = await trackd.metric('trackd_reports_total');
	const messages = await trackd.metric('trackd_mqtt_messages_total');
	// One broker both ways, one login; the ESPresense side's password from
	// the environment, the publishing side's from a file.
	const bridge = run(TRACKBRIDGE, ['--mqtt', `127.0.0.1:${brokerPort}`,
		'--mqtt-user', 'trackbridge',
		'--publish', `mqtt://127.0.0.1:${brokerPort}`,
		'--publish-user', 'trackbridge', '--publish-password-file', password,
		'--site', SITE, '--batch-ms', '100'],
	{ env: { ...process.env, TRACK_ESPRESENSE_PASSWORD: PASSWORD } });
	try {
		await bridge.waitFor(/subscribed to espresense\/devices\/\+\/\+/);
		await bridge.waitFor(new RegExp(`publishing on libtrack/${SITE_ID}/reports/<scanner>`));
		for (let k = 0; k < 5; k++) {
			await Promise.all([espresense('ap-f0-01', -72),
				espresense('ap-f0-02', -60), espresense('ap-f0-03', -70)]);
			await sleep(100);
		}
		await until(async () => await trackd.metric('trackd_reports_total') ===
			reports + 15, 5000, 'the 15 reports in trackd');
		assert.ok(await trackd.metric('trackd_mqtt_messages_total') > messages);
		const tag = await trackd.waitLocated(IBEACON.toLowerCase());
		assert.equal(tag.floor, 'f0');
	} finally {
		const st = await bridge.kill('SIGTERM');
		assert.equal(st.code, 0, bridge.stderr);
	}
	assert.match(bridge.stderr, /15 reports sent \(15 accepted, 0 rejected\), 0 dropped, publish broker/);
});

test('trackbridge --mqtt-password still logs in, with a warning', { skip: skipBridge }, async () => {
	const bridge = run(TRACKBRIDGE, ['--mqtt', `127.0.0.1:${brokerPort}`,
		'--mqtt-user', 'trackbridge', '--mqtt-password', PASSWORD,
		'--publish', `mqtt://127.0.0.1:${brokerPort}`,
		'--publish-user', 'trackbridge', '--publish-site', SITE_ID,
		'--map', 'kitchen=ap-f0-04'],
	{ env: { ...process.env, TRACK_MQTT_PASSWORD: PASSWORD } });
	try {
		await bridge.waitFor(/subscribed to espresense/);
		assert.match(bridge.stderr, /warning: --mqtt-password is visible to every user of this host \(ps\); use --mqtt-password-file or TRACK_ESPRESENSE_PASSWORD/);
	} finally {
		await bridge.kill('SIGTERM');
	}
});

test('options: a bad URL or a password on the command line is refused', async () => {
	const trackdBin = process.env.TRACKD;
	const run = (args) => new Promise((resolve) => execFile(trackdBin
		|| 'build/server/trackd', ['--site', process.env.SITE
		|| 'floorplans/demo/site.json', ...args], (e, stdout, stderr) =>
		resolve({ code: e ? e.code : 0, stderr })));
	let r = await run(['--mqtt', 'mqtt://trackd:secret@127.0.0.1:1883']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--mqtt-password-file/);
	r = await run(['--mqtt', 'tcp://127.0.0.1:1883']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /expected mqtt:\/\/HOST\[:PORT\]/);
	r = await run(['--mqtt-user', 'trackd']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /go with --mqtt/);
});
