// tracksim --server through the shared ingest client: live reports reach
// a real trackd, and with no trackd it retries, then gives up at the end
// and says what it dropped.  tracksim --csv: its walk and radio models
// (shadowing, body loss, radio kinds, rates, outages, stops), read back
// from the files it writes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { SITE } from '../trackd/trackd.mjs';
import { BUILD, freePort, runToEnd, tempDir, trackdOn } from './procs.mjs';

const TRACKSIM = process.env.TRACKSIM || path.join(BUILD, 'scanners', 'tracksim');

test('tracksim --server feeds a real trackd', async () => {
	const trackd = await trackdOn(await freePort());
	try {
		const r = await runToEnd(TRACKSIM, ['--server', trackd.ws, '--site', SITE,
			'--duration', '3', '--token', 'scanner-secret']);
		assert.equal(r.code, 0, r.stderr);
		const m = /(\d+) reports sent \((\d+) accepted, 0 rejected\), 0 dropped/
			.exec(r.stderr);
		assert.ok(m && Number(m[1]) > 0 && m[1] === m[2], r.stderr);
		assert.equal(await trackd.metric('trackd_reports_total'), Number(m[2]));
	} finally {
		await trackd.kill();
	}
});

test('tracksim --server without a trackd retries, then counts what it dropped', async () => {
	const port = await freePort();
	const r = await runToEnd(TRACKSIM, ['--server', `ws://127.0.0.1:${port}/`,
		'--site', SITE, '--duration', '2']);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /cannot connect to ws:\/\/127\.0\.0\.1:\d+\/.*retrying in/);
	assert.match(r.stderr, /0 reports sent \(0 accepted, 0 rejected\), [1-9]\d* dropped/);
});

// --csv: the walk and radio models, read back from the files.
const QUIET_RADIO = ['--sigma', '0', '--shadow-sigma', '0', '--radio-kinds', '1',
	'--scanner-bias', '0', '--drop', '0', '--rate-spread', '0', '--outage-every', '0',
	'--threshold', '-200', '--latency', '0'];

function readCsv(file) {
	const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
	const cols = head.split(',');
	return lines.map((l) => {
		const v = l.split(',');
		return Object.fromEntries(cols.map((c, i) => [c, v[i]]));
	});
}

async function simulate(args) {
	const dir = path.join(tempDir('tracksim-'), 'out');
	const r = await runToEnd(TRACKSIM, ['--csv', dir, '--quiet', ...args]);
	assert.equal(r.code, 0, r.stderr);
	return dir;
}

// Where each tag is at t, between its truth rows (sorted by time).
function truthByTag(dir) {
	const by = new Map();
	for (const r of readCsv(path.join(dir, 'truth.csv'))) {
		if (!by.has(r.tag_id))
			by.set(r.tag_id, []);
		by.get(r.tag_id).push({ t: +r.t, x: +r.x, y: +r.y, z: +r.z });
	}
	return by;
}

test('tracksim --csv: the same seed gives the same files, another seed others', async () => {
	const args = ['--duration', '30', '--tags', '6'];
	const a = await simulate([...args, '--seed', '4']);
	const b = await simulate([...args, '--seed', '4']);
	const c = await simulate([...args, '--seed', '5']);
	for (const f of ['reports.csv', 'truth.csv', 'scanners.csv'])
		assert.ok(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), f);
	const json = (d) => ({ ...JSON.parse(readFileSync(path.join(d, 'scenario.json'), 'utf8')),
		csv: null });
	assert.deepEqual(json(a), json(b));
	assert.ok(!readFileSync(path.join(a, 'reports.csv'))
		.equals(readFileSync(path.join(c, 'reports.csv'))));
	const j = json(a);
	for (const k of ['shadow_sigma', 'shadow_dist', 'body_loss', 'radio_kinds', 'kind_spread',
		'rate_spread', 'outage_every', 'outage_len', 'turn_prob', 'stop_prob', 'stop_max',
		'speed_jitter', 'asset_move'])
		assert.ok(k in j, `scenario.json has ${k}`);
});

test('tracksim --csv: radio kinds read --kind-spread apart', async () => {
	const dir = await simulate(['--duration', '2', '--scanner-bias', '0', '--radio-kinds', '2',
		'--kind-spread', '6', '--width', '80', '--height', '40']);
	const bias = Object.values(JSON.parse(
		readFileSync(path.join(dir, 'scenario.json'), 'utf8')).scanner_bias_db);
	assert.ok(bias.length >= 50);
	assert.ok(bias.every((b) => b === -3 || b === 3), bias.join(' '));
	const low = bias.filter((b) => b === -3).length;
	assert.ok(low > 0.25 * bias.length && low < 0.75 * bias.length, `${low} of ${bias.length}`);
});

// Noise-free reports: what is left after the path loss is the body's.
async function bodyResiduals(loss) {
	const dir = await simulate(['--duration', '60', '--tags', '6', '--static-frac', '0',
		'--pause-max', '0', '--stop-prob', '0', '--truth-dt', '0.1', '--seed', '2',
		'--body-loss', String(loss), ...QUIET_RADIO]);
	const sc = new Map(readCsv(path.join(dir, 'scanners.csv'))
		.map((r) => [r.scanner_id, { x: +r.x, y: +r.y, z: +r.z }]));
	const truth = truthByTag(dir);
	const front = [], behind = [];
	for (const r of readCsv(path.join(dir, 'reports.csv'))) {
		const rows = truth.get(r.tag_id), t = +r.t;
		const k = rows.findIndex((p) => p.t > t);
		if (k < 1)
			continue;
		const a = rows[k - 1], b = rows[k], f = (t - a.t) / (b.t - a.t);
		const vx = b.x - a.x, vy = b.y - a.y, v = Math.hypot(vx, vy);
		if (v < 0.05)
			continue;
		const x = a.x + f * vx, y = a.y + f * vy, s = sc.get(r.scanner_id);
		const h = Math.hypot(s.x - x, s.y - y);
		const d = Math.hypot(h, s.z - a.z);
		const cos = ((s.x - x) * vx + (s.y - y) * vy) / (h * v);
		const res = +r.rssi - (-59 - 20 * Math.log10(d));
		if (cos > 0.8)
			front.push(res);
		else if (cos < -0.8)
			behind.push(res);
	}
	const mean = (v) => v.reduce((p, q) => p + q, 0) / v.length;
	assert.ok(front.length > 100 && behind.length > 100);
	return { front: mean(front), behind: mean(behind) };
}

test('tracksim --csv: a walker\'s body blocks the scanners behind, not those ahead', async () => {
	const body = await bodyResiduals(20);
	assert.ok(body.behind < -14 && body.behind > -20, `behind ${body.behind}`);
	assert.ok(body.front > -1.5, `ahead ${body.front}`);
	const none = await bodyResiduals(0);
	assert.ok(Math.abs(none.behind) < 0.5 && Math.abs(none.front) < 0.5,
		`no body: ${none.behind}, ${none.front}`);
});

// Per scanner: the reports it sent and its longest silence.
function scannerStats(dir) {
	const by = new Map();
	for (const r of readCsv(path.join(dir, 'reports.csv'))) {
		const s = by.get(r.scanner_id) || { n: 0, last: null, gap: 0 };
		if (s.last !== null)
			s.gap = Math.max(s.gap, +r.t - s.last);
		s.last = +r.t;
		s.n++;
		by.set(r.scanner_id, s);
	}
	return [...by.values()];
}

test('tracksim --csv: scanners hear at their own rates and go silent in outages', async () => {
	const args = ['--duration', '60', '--tags', '20', ...QUIET_RADIO];
	const plain = scannerStats(await simulate(args));
	const varied = scannerStats(await simulate([...args, '--rate-spread', '0.6',
		'--outage-every', '10', '--outage-len', '3']));
	const ratio = (v) => Math.min(...v.map((s) => s.n)) / Math.max(...v.map((s) => s.n));
	assert.ok(ratio(plain) > 0.97, `plain ${ratio(plain)}`);
	assert.ok(ratio(varied) < 0.8, `varied ${ratio(varied)}`);
	// 20 tags every second: without outages no scanner is silent for 1 s.
	assert.ok(plain.every((s) => s.gap < 1));
	assert.ok(varied.filter((s) => s.gap > 2).length >= plain.length / 2,
		varied.map((s) => s.gap.toFixed(1)).join(' '));
});

// The share of truth steps in which tags moved less than 1 cm.
function stillShare(rows) {
	let still = 0, n = 0;
	for (let i = 1; i < rows.length; i++, n++)
		still += Math.hypot(rows[i].x - rows[i - 1].x, rows[i].y - rows[i - 1].y) < 0.01;
	return still / n;
}

test('tracksim --csv: people stop on the way with --stop-prob', async () => {
	const args = ['--duration', '120', '--tags', '10', '--static-frac', '0',
		'--pause-max', '0', '--truth-dt', '0.5'];
	const share = async (p) => {
		const by = truthByTag(await simulate([...args, '--stop-prob', p]));
		return [...by.values()].reduce((s, r) => s + stillShare(r), 0) / by.size;
	};
	const never = await share('0'), always = await share('1');
	assert.ok(never < 0.02, `no stops: still ${never}`);
	assert.ok(always > 0.2, `stops: still ${always}`);
});

test('tracksim --csv --site: equipment moves about --asset-move of the time', async () => {
	const dir = await simulate(['--site', SITE, '--duration', '900', '--static-frac', '0',
		'--seed', '3', ...QUIET_RADIO, '--drop', '1']);
	const by = truthByTag(dir);
	const pumps = [...by.entries()].filter(([id]) => id.startsWith('pump-'));
	assert.ok(pumps.length >= 5);
	const moving = pumps.reduce((s, [, r]) => s + 1 - stillShare(r), 0) / pumps.length;
	assert.ok(moving > 0.08 && moving < 0.25, `assets moving ${moving}`);
});
