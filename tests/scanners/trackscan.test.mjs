// trackscan end to end, without a radio: btsnoop captures written byte by
// byte, replayed with --print (the JSON lines it would send) and to a
// real trackd on loopback, which is also killed and restarted under it.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { sleep } from '../trackd/trackd.mjs';
import { UUID, adAltbeacon, adEddystoneTlm, adEddystoneUid, adIbeacon,
	adName, extEvent, legacyEvent, writeBtsnoop } from './hci.mjs';
import { TRACKSCAN, freePort, run, runToEnd, tempDir, trackdOn } from './procs.mjs';

const dir = tempDir('trackscan-');
const T0 = 1763900000;
const NS = 'edd1ebeac04e5defa017';
const INST = '0bdb87539b67';
const ALT = '101112131415161718191a1b1c1d1e1f20212223';
const KONTAKT = 'cdca0d93-8d39-454a-8816-e603a1484723';
const PRESSED = 'cdca0d93-8d39-454a-8816-e603a1484724';

// One of each format, plus what a capture also holds: a command, a
// malformed event, a report without RSSI.
function mixed() {
	const malformed = legacyEvent('c0:ff:ee:00:00:09', adName('x'), -60);
	malformed[1] += 3;   // parameter length past the end
	return [
		{ t: T0 + 0.1, kind: 'command', data: Buffer.from([0x0b, 0x20, 0x00]) },
		{ t: T0 + 0.25, data: legacyEvent('c0:ff:ee:00:00:01',
			adIbeacon(UUID, 1, 42, -59), -67) },
		{ t: T0 + 0.5, data: legacyEvent('c0:ff:ee:00:00:02',
			adEddystoneTlm(2900), -70) },   // before its UID: held back
		{ t: T0 + 0.75, data: legacyEvent('c0:ff:ee:00:00:02',
			adEddystoneUid(NS, INST, -18), -71) },
		{ t: T0 + 1.0, data: extEvent('c0:ff:ee:00:00:03', adAltbeacon(ALT, -61),
			-75) },
		{ t: T0 + 1.25, data: malformed },
		{ t: T0 + 1.5, data: legacyEvent('c0:ff:ee:00:00:04', adName('Pump'), -80) },
		{ t: T0 + 1.75, data: legacyEvent('c0:ff:ee:00:00:05',
			adIbeacon(PRESSED, 7, 9, -60), -55) },
		{ t: T0 + 2.0, data: legacyEvent('c0:ff:ee:00:00:06',
			adIbeacon(UUID, 2, 3, -59), 127) },   // RSSI not available
		{ t: T0 + 2.25, data: legacyEvent('c0:ff:ee:00:00:02',
			adEddystoneTlm(2500), -72) },
	];
}

const EXPECTED = [
	{ tag: `ibeacon:${UUID}-1-42`, rssi: -67, t: T0 + 0.25, tx: -59 },
	{ tag: `eddystone:${NS}-${INST}`, rssi: -71, t: T0 + 0.75, tx: -59,
		battery: 90 },
	{ tag: `altbeacon:${ALT}`, rssi: -75, t: T0 + 1.0, tx: -61 },
	{ tag: 'c0:ff:ee:00:00:04', rssi: -80, t: T0 + 1.5 },
	{ tag: `ibeacon:${KONTAKT}-7-9`, rssi: -55, t: T0 + 1.75, tx: -60,
		button: true },
	{ tag: `eddystone:${NS}-${INST}`, rssi: -72, t: T0 + 2.25, battery: 50 },
];

const lines = (out) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

for (const datalink of [2001, 1002]) {
	test(`--replay --print: every format, datalink ${datalink}`, async () => {
		const file = writeBtsnoop(path.join(dir, `mixed-${datalink}.btsnoop`),
			mixed(), datalink);
		const r = await runToEnd(TRACKSCAN, ['--replay', file, '--print',
			'--kontakt-uuid', KONTAKT]);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(lines(r.stdout), EXPECTED);
		// The malformed event and the missing RSSI are counted, by name.
		assert.match(r.stderr, /1 x a length runs past the end of the event/);
		assert.match(r.stderr, /1 x RSSI not available/);
	});
}

test('--allow-prefix and --allow-mac keep only those tags', async () => {
	const file = writeBtsnoop(path.join(dir, 'allow.btsnoop'), mixed());
	const r = await runToEnd(TRACKSCAN, ['--replay', file, '--print', '--quiet',
		'--allow-prefix', 'ALTBEACON:', '--allow-mac', 'c0:ff:ee:00:00:01']);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(lines(r.stdout).map((o) => o.tag),
		[`ibeacon:${UUID}-1-42`, `altbeacon:${ALT}`]);
});

test('a file that is not a capture, or is cut short, is refused by name', async () => {
	const bad = path.join(dir, 'bad.btsnoop');
	const { writeFileSync } = await import('node:fs');
	writeFileSync(bad, 'not a capture at all');
	let r = await runToEnd(TRACKSCAN, ['--replay', bad, '--print']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /bad\.btsnoop: not a btsnoop file/);
	const full = writeBtsnoop(path.join(dir, 'cut.btsnoop'), mixed());
	const { readFileSync } = await import('node:fs');
	writeFileSync(full, readFileSync(full).subarray(0, 16 + 24 + 3 + 24 + 10));
	r = await runToEnd(TRACKSCAN, ['--replay', full, '--print']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /cut\.btsnoop: record 2: cut short/);
});

test('without an adapter it says so and how to run without one', async () => {
	const r = await runToEnd(TRACKSCAN, ['--print', '--adapter', 'hci99']);
	assert.equal(r.code, 1);
	assert.equal(r.stdout, '');
	assert.match(r.stderr, /^trackscan: (no Bluetooth adapter hci99|no Bluetooth adapter: this kernel has no Bluetooth support|cannot list Bluetooth adapters)/m);
});

test('usage errors exit 2 with the reason', async () => {
	let r = await runToEnd(TRACKSCAN, ['--replay', 'x']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--server URL or --mqtt URL \(or --print\) is required/);
	r = await runToEnd(TRACKSCAN, ['--print', '--allow-uuid', 'nope']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /expected a UUID/);
	r = await runToEnd(TRACKSCAN, ['--server', 'http://x:1', '--scanner', 'a',
		'--replay', 'x']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /expected ws:\/\/HOST:PORT/);
});

// A tag heard every 100 ms for seconds seconds from now on.
function steady(seconds, t0) {
	const recs = [];
	for (let i = 0; i < seconds * 10; i++)
		recs.push({ t: t0 + i / 10, data: legacyEvent('c0:ff:ee:00:00:01',
			adIbeacon(UUID, 5, 6, -59), -60 - (i % 5)) });
	return recs;
}

test('--replay to a real trackd: every report delivered and the tag located', async () => {
	const port = await freePort();
	const trackd = await trackdOn(port);
	try {
		const file = writeBtsnoop(path.join(dir, 'steady.btsnoop'),
			steady(3, Date.now() / 1000 - 3));
		const r = await runToEnd(TRACKSCAN, ['--replay', file, '--server',
			trackd.ws, '--scanner', 'ap-f0-01', '--token', 'scanner-secret']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr, /30 reports sent \(30 accepted, 0 rejected\), 0 dropped/);
		assert.equal(await trackd.metric('trackd_reports_total'), 30);
		const tag = await trackd.waitLocated(`ibeacon:${UUID}-5-6`);
		assert.equal(tag.floor, 'f0');
	} finally {
		await trackd.kill();
	}
});

test('trackd killed and restarted: the agent reconnects and delivers what it buffered', async () => {
	const port = await freePort();
	let trackd = await trackdOn(port);
	const file = writeBtsnoop(path.join(dir, 'long.btsnoop'),
		steady(10, Date.now() / 1000));
	const scan = run(TRACKSCAN, ['--replay', file, '--realtime', '--server',
		trackd.ws, '--scanner', 'ap-f0-02', '--batch-ms', '100']);
	try {
		await scan.waitFor(/connected to/);
		await sleep(2000);
		await trackd.kill('SIGKILL');
		await scan.waitFor(/lost the connection|cannot connect/);
		await sleep(3000);             // ~30 reports made while it is away
		trackd = await trackdOn(port);
		const st = await scan.exited;
		// A batch on the wire when trackd died is unanswered (trackd may
		// or may not have taken it), and then the replay says so in its
		// exit status; nothing is dropped.
		const unanswered = Number(/(\d+) unanswered/.exec(scan.stderr)?.[1] ?? 0);
		assert.ok(unanswered <= 5, scan.stderr);
		assert.equal(st.code, unanswered ? 1 : 0, scan.stderr);
		assert.equal((scan.stderr.match(/connected to/g) || []).length, 2,
			scan.stderr);
		// The new trackd got what was buffered while it was down as well as
		// what came after: far more than the ~40 made after it started.
		const got = await trackd.metric('trackd_reports_total');
		assert.ok(got >= 65, `${got} reports reached the restarted trackd\n${scan.stderr}`);
		assert.match(scan.stderr, /0 dropped/);
	} finally {
		await scan.kill('SIGKILL');
		await trackd.kill();
	}
});

// The token from --token, from --token-file (out of sight of ps) or from
// TRACK_TOKEN: each goes in an Authorization: Bearer header.
const tokenFile = () => {
	const f = path.join(dir, 'scanner.token');
	writeFileSync(f, 'scanner-secret\n', { mode: 0o600 });
	return f;
};
for (const [how, args, env] of [
	['--token', () => ['--token', 'scanner-secret'], {}],
	['--token-file', () => ['--token-file', tokenFile()], {}],
	['TRACK_TOKEN', () => [], { TRACK_TOKEN: 'scanner-secret' }],
]) {
	test(`the token (${how}) goes in an Authorization: Bearer header of the handshake`, async () => {
		const http = await import('node:http');
		const seen = [];
		const server = http.createServer();
		server.on('upgrade', (req, socket) => {
			seen.push(req.headers);
			socket.destroy();
		});
		await new Promise((r) => server.listen(0, '127.0.0.1', r));
		const file = writeBtsnoop(path.join(dir, 'token.btsnoop'),
			steady(1, Date.now() / 1000));
		const scan = run(TRACKSCAN, ['--replay', file, '--server',
			`ws://127.0.0.1:${server.address().port}/`, '--scanner', 'ap-f0-01',
			...args(), '--drain', '0.5'], { env: { ...process.env, ...env } });
		const st = await scan.exited;
		server.close();
		assert.equal(st.code, 1, 'nothing could be delivered');
		assert.ok(seen.length >= 1, scan.stderr);
		assert.equal(seen[0].authorization, 'Bearer scanner-secret');
		assert.equal(seen[0]['sec-websocket-protocol'], 'track-ingest.v1');
	});
}

test('a token file that is missing, empty or shared: a clear error or warning', async () => {
	const file = writeBtsnoop(path.join(dir, 'token2.btsnoop'),
		steady(1, Date.now() / 1000));
	const base = ['--replay', file, '--server', 'ws://127.0.0.1:1/',
		'--scanner', 'ap-f0-01', '--drain', '0.1'];
	let r = await runToEnd(TRACKSCAN, [...base, '--token-file', path.join(dir, 'none')]);
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, /trackscan: --token-file .*none: No such file or directory/);
	const empty = path.join(dir, 'empty.token');
	writeFileSync(empty, '\n', { mode: 0o600 });
	r = await runToEnd(TRACKSCAN, [...base, '--token-file', empty]);
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, /--token-file .*empty\.token: empty first line/);
	r = await runToEnd(TRACKSCAN, [...base, '--token', 'a', '--token-file', empty]);
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, /--token and --token-file: give one/);
	const shared = path.join(dir, 'shared.token');
	writeFileSync(shared, 'scanner-secret\n', { mode: 0o644 });
	chmodSync(shared, 0o644);
	r = await runToEnd(TRACKSCAN, [...base, '--token-file', shared]);
	assert.match(r.stderr, /trackscan: warning: --token-file .*shared\.token: readable by other users \(chmod 600/);
});

test('while trackd is unreachable the queue is bounded: the oldest are dropped, counted and logged', async () => {
	const port = await freePort();   // nobody listens there
	const file = writeBtsnoop(path.join(dir, 'drops.btsnoop'),
		steady(20, Date.now() / 1000 - 20));
	const r = await runToEnd(TRACKSCAN, ['--replay', file, '--server',
		`ws://127.0.0.1:${port}/`, '--scanner', 'ap-f0-01', '--buffer', '50',
		'--drain', '0.3']);
	assert.equal(r.code, 1, 'a replay that could not deliver fails');
	assert.match(r.stderr, /trackscan: dropped \d+ reports \(queue full while trackd is unreachable; \d+ in all\)/);
	assert.match(r.stderr, /cannot connect to ws:\/\/127\.0\.0\.1:\d+\/.*retrying in/);
	// 200 heard, at most 50 kept: 150 or more dropped in all.
	const m = /(\d+) dropped, stopped/.exec(r.stderr);
	assert.ok(m && Number(m[1]) === 200, r.stderr);
});

test('--mqtt: what goes with it and what does not, each a clear usage error', async () => {
	const mqtt = ['--mqtt', 'mqtt://127.0.0.1:1883'];
	const cases = [
		[[...mqtt, '--scanner', 'ap-f0-01', '--replay', 'x'],
			/--mqtt needs --site ID \(the topic is libtrack\/<site>\/reports\/<scanner>; the site id is the site file's "site"\)/],
		[[...mqtt, '--site', 'demo-hospital', '--replay', 'x'], /--mqtt needs --scanner ID/],
		[[...mqtt, '--site', 's', '--scanner', 'a', '--server', 'ws://127.0.0.1:1/'],
			/--mqtt and --server: give one/],
		[[...mqtt, '--site', 's', '--scanner', 'a', '--print'],
			/--print and --mqtt cannot be used together/],
		[[...mqtt, '--site', 's', '--scanner', 'a', '--token', 't'],
			/--token and --token-file go with --server: over --mqtt the broker checks the scanner \(--mqtt-user\)/],
		[[...mqtt, '--site', 's', '--scanner', 'a', '--token-file', 'f'],
			/--token and --token-file go with --server/],
		[[...mqtt, '--site', 'a/b', '--scanner', 'a'],
			/--site 'a\/b': '\/', '\+' and '#' cannot be in an MQTT topic level/],
		[[...mqtt, '--site', 's', '--scanner', 'ap#1'], /--scanner 'ap#1': /],
		[['--mqtt', 'ws://127.0.0.1:1/', '--site', 's', '--scanner', 'a'],
			/--mqtt 'ws:\/\/127\.0\.0\.1:1\/': expected mqtt:\/\/HOST\[:PORT\]/],
		[['--mqtt', 'mqtt://u:pw@127.0.0.1', '--site', 's', '--scanner', 'a'],
			/--mqtt-password-file/],
		[[...mqtt, '--site', 's', '--scanner', 'a', '--mqtt-password-file',
			path.join(dir, 'none')], /--mqtt-password-file .*none: No such file or directory/],
		[['--print', '--mqtt-user', 'u'],
			/--mqtt-user, --mqtt-password-file and --mqtt-cafile go with --mqtt/],
		[['--print', '--site', 's'], /--site goes with --mqtt/],
	];
	for (const [args, re] of cases) {
		const r = await runToEnd(TRACKSCAN, args);
		assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
		assert.match(r.stderr, re, args.join(' '));
	}
	const help = await runToEnd(TRACKSCAN, ['--help']);
	assert.match(help.stdout, /--mqtt URL .*\n.*\n.*libtrack\/<site>\/reports\/<scanner>/);
	assert.match(help.stdout, /--mqtt-password-file FILE/);
});

test('--mqtt with no broker there: it says so, retries, and the replay fails after --drain', async () => {
	const port = await freePort();   // nobody listens there
	const file = writeBtsnoop(path.join(dir, 'nobroker.btsnoop'),
		steady(1, Date.now() / 1000 - 1));
	const r = await runToEnd(TRACKSCAN, ['--replay', file, '--mqtt',
		`mqtt://127.0.0.1:${port}`, '--site', 'demo-hospital', '--scanner',
		'ap-f0-01', '--drain', '1']);
	assert.equal(r.code, 1, r.stderr);
	assert.match(r.stderr, new RegExp(`cannot connect to mqtt://127\\.0\\.0\\.1:${port} \\(.*\\); retrying in`));
	assert.match(r.stderr, /0 reports sent .*, 10 dropped/);
});
