// trackbridge end to end: a real mosquitto broker on a loopback port
// (config written here), a real trackd, and ESPresense messages published
// as the nodes publish them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { loadSite, makeToken, sleep } from '../trackd/trackd.mjs';
import { Mqtt } from './mqtt.mjs';
import { TRACKBRIDGE, freePort, mosquitto, run, runToEnd, tempDir,
	trackdOn } from './procs.mjs';

const IBEACON = 'iBeacon:E5CA1ADE-F007-BA11-0000-000000000000-100-1';
const TAG = IBEACON.toLowerCase();
let broker, trackd, bridge, pub, sub;

// Access closed, as on a real site: the bridge sends with a scanner token
// and follows the live stream with a security one.
const db = path.join(tempDir('bridge-'), 'bridge.db');
const tokens = Object.fromEntries(['scanner', 'security', 'admin']
	.map((role) => [role, makeToken(db, role)]));

before(async () => {
	broker = await mosquitto();
	trackd = await trackdOn(await freePort(), ['--db', db]);
	trackd.token = tokens.admin;
	sub = await Mqtt.connect(broker.port);
	await sub.subscribe('homeassistant/#');
	await sub.subscribe('libtrack/#');
	bridge = run(TRACKBRIDGE, ['--mqtt', `127.0.0.1:${broker.port}`,
		'--server', trackd.ws, '--site', process.env.SITE ||
			'floorplans/demo/site.json',
		'--map', 'kitchen=ap-f0-04', '--batch-ms', '100', '--ha',
		'--token', tokens.scanner, '--ha-token', tokens.security]);
	await bridge.waitFor(/subscribed to espresense\/devices\/\+\/\+/);
	await bridge.waitFor(/connected to ws:/);
	pub = await Mqtt.connect(broker.port);
});

after(async () => {
	pub?.close();
	sub?.close();
	if (bridge) {
		const st = await bridge.kill('SIGTERM');
		assert.equal(st.code, 0, bridge.stderr);
	}
	await trackd?.kill();
	await broker?.kill();
});

// What a node in room publishes for a device it hears.
function espresense(room, rssi, extra = {}) {
	pub.publish(`espresense/devices/${IBEACON}/${room}`, {
		id: IBEACON, idType: 1, 'rssi@1m': -59, rssi, raw: 2.1,
		distance: 1.9, speed: 0.01, mac: 'c0ffee000001', interval: 100,
		...extra,
	});
}

test('published ESPresense messages become trackd reports, and the tag is located', async () => {
	const before = await trackd.metric('trackd_reports_total');
	for (let k = 0; k < 10; k++) {
		espresense('ap-f0-01', -72);
		espresense('ap-f0-02', -60);
		espresense('ap-f0-03', -70);
		espresense('kitchen', -80);   // mapped by --map to ap-f0-04
		await sleep(100);
	}
	// trackd solves a tag about once a second: the fix after the last
	// round has every node's readings.
	await sleep(1200);
	const tag = await trackd.waitLocated(TAG);
	assert.equal(tag.floor, 'f0');
	assert.ok(tag.x > 9 && tag.x < 21, `x ${tag.x} between the scanners heard best`);
	const end = Date.now() + 5000;
	while (await trackd.metric('trackd_reports_total') - before < 40 &&
	       Date.now() < end)
		await sleep(100);
	assert.equal(await trackd.metric('trackd_reports_total') - before, 40);
});

test('odd messages are counted and logged, never fatal', async () => {
	pub.publish(`espresense/devices/${IBEACON}/ap-f0-01`, 'not json');
	pub.publish(`espresense/devices/${IBEACON}/ap-f0-01`, { id: IBEACON });
	pub.publish(`espresense/devices/${IBEACON}/ap-f0-01`,
		{ id: IBEACON, rssi: 'loud' });
	pub.publish(`espresense/devices/${IBEACON}/attic`, { id: IBEACON, rssi: -60 });
	pub.publish('espresense/devices/only-one-level', { rssi: -60 });
	espresense('ap-f0-01', -65, { 'rssi@1m': 'n/a' });
	await bridge.waitFor(/'rssi@1m' is not a power/);
	await bridge.waitFor(/attic: room not mapped to a scanner/);
	assert.match(bridge.stderr, /ap-f0-01: payload is not a JSON object/);
	assert.match(bridge.stderr, /'rssi' missing or not a number/);
	assert.equal(bridge.proc.exitCode, null, 'still running');
	// And it goes on forwarding.
	const before = await trackd.metric('trackd_reports_total');
	espresense('ap-f0-02', -61);
	const end = Date.now() + 5000;
	while (await trackd.metric('trackd_reports_total') === before &&
	       Date.now() < end)
		await sleep(100);
	assert.ok(await trackd.metric('trackd_reports_total') > before);
});

test('the tag shows up for Home Assistant: discovery config and its zone as state', async () => {
	const obj = TAG.replace(/[^A-Za-z0-9_-]/g, '_');
	const configTopic = `homeassistant/device_tracker/${obj}/config`;
	const end = Date.now() + 8000;
	let cfg, state;
	while (Date.now() < end) {
		cfg = sub.messages.find((m) => m.topic === configTopic);
		state = sub.messages.findLast((m) => m.topic === `libtrack/${obj}/state`);
		if (cfg && state)
			break;
		await sleep(100);
	}
	assert.ok(cfg, `no ${configTopic}; got ${sub.messages.map((m) => m.topic)}`);
	assert.deepEqual(JSON.parse(cfg.payload), {
		name: TAG, unique_id: `libtrack_${obj}`,
		state_topic: `libtrack/${obj}/state`, source_type: 'bluetooth_le',
	});
	assert.ok(state, 'a state message');
	const where = (await trackd.get(`/api/v1/tags/${encodeURIComponent(TAG)}`)).json();
	const zone = loadSite().zones.find((z) => z.id === where.zone);
	assert.equal(state.payload, zone ? zone.name : 'not_home');
});

test('the broker restarts: the bridge reconnects, subscribes again and goes on', async () => {
	const port = broker.port;
	pub.close();
	sub.close();
	await broker.kill();
	await bridge.waitFor(/lost the broker/);
	broker = await mosquitto(port);
	const seen = bridge.stderr.length;
	const end = Date.now() + 15000;
	while (!/subscribed to/.test(bridge.stderr.slice(seen))) {
		assert.ok(Date.now() < end, `no reconnection\n${bridge.stderr}`);
		await sleep(100);
	}
	pub = await Mqtt.connect(broker.port);
	sub = await Mqtt.connect(broker.port);
	const before = await trackd.metric('trackd_reports_total');
	espresense('ap-f0-03', -66);
	const end2 = Date.now() + 5000;
	while (await trackd.metric('trackd_reports_total') === before &&
	       Date.now() < end2)
		await sleep(100);
	assert.equal(await trackd.metric('trackd_reports_total'), before + 1);
});

test('usage: where the reports go, and the broker passwords, each a clear error', async () => {
	const site = process.env.SITE || 'floorplans/demo/site.json';
	const pub = ['--publish', 'mqtt://127.0.0.1:1883'];
	const cases = [
		[['--site', site], /--server URL \(or --publish URL\) is required/],
		[[...pub, '--map', 'kitchen=ap-f0-04'],
			/--publish needs --site FILE or --publish-site ID \(the topic is libtrack\/<site>\/reports\/<scanner>\)/],
		[[...pub, '--site', site, '--server', 'ws://127.0.0.1:1/'],
			/--publish and --server: give one \(with --publish, --server is only for --ha's live stream\)/],
		[[...pub, '--site', site, '--token', 't'],
			/--token and --token-file go with --server: over --publish the broker checks the login \(--publish-user\)/],
		[[...pub, '--site', site, '--ha'],
			/--ha needs --server \(trackd's live stream\) as well as --publish/],
		[['--server', 'ws://127.0.0.1:1/', '--site', site, '--publish-site', 'x'],
			/--publish-site goes with --publish/],
		[['--server', 'ws://127.0.0.1:1/', '--site', site, '--publish-user', 'u'],
			/--publish-user, --publish-password-file and --publish-cafile go with --publish/],
		[['--publish', 'ws://127.0.0.1:1/', '--site', site],
			/--publish 'ws:\/\/127\.0\.0\.1:1\/': expected mqtt:\/\/HOST\[:PORT\]/],
		[[...pub, '--publish-site', 'a+b', '--map', 'kitchen=ap-f0-04'],
			/--publish-site 'a\+b': /],
		[[...pub, '--site', site, '--publish-cafile', '/nonexistent/ca.pem'],
			/--publish-cafile \/nonexistent\/ca\.pem: No such file or directory/],
		[['--server', 'ws://127.0.0.1:1/', '--site', site, '--mqtt-user', 'u',
			'--mqtt-password', 'p', '--mqtt-password-file', 'f'],
			/--mqtt-password and --mqtt-password-file: give one/],
		[['--server', 'ws://127.0.0.1:1/', '--site', site,
			'--mqtt-password-file', 'f'], /--mqtt-password-file goes with --mqtt-user/],
		[['--server', 'ws://127.0.0.1:1/', '--site', site, '--mqtt-user', 'u',
			'--mqtt-password-file', '/nonexistent/pw'],
			/--mqtt-password-file \/nonexistent\/pw: No such file or directory/],
	];
	for (const [args, re] of cases) {
		const r = await runToEnd(TRACKBRIDGE, args);
		assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
		assert.match(r.stderr, re, args.join(' '));
	}
	// A site file without a "site" id cannot name the topics.
	const noId = path.join(tempDir('bridge-site-'), 'site.json');
	writeFileSync(noId, JSON.stringify({ scanners: [{ id: 'ap-1' }] }));
	const r = await runToEnd(TRACKBRIDGE, [...pub, '--site', noId]);
	assert.equal(r.code, 1, r.stderr);
	assert.match(r.stderr, /site\.json: no "site" id for the topics of --publish \(give --publish-site ID\)/);
});
