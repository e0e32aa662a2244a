// Heavy report queries must not hold up the loop: every report window is
// bounded, large answers are made and written a piece at a time as the
// connection takes them, so clients that ask and never read cost little
// memory and an alarm still reaches a live client within a second.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { assertJsonError, feed, feedOnce, loadSite, now, sleep, startTrackd } from './trackd.mjs';

const PERSON = { tag: 'badge-0003', floor: 'f0', x: 12.0, y: 6.0 };
const WEEK = 7 * 86400;
let trackd;

before(async () => { trackd = await startTrackd(); });
after(async () => { await trackd?.stopClean(); });

// trackd's resident memory in MB (Linux).
function rssMb() {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${trackd.proc.pid}/status`, 'utf8'));
	return Number(m[1]) / 1024;
}

// Ask for path on a raw connection and never read the answer.
function askAndStall(path) {
	const sock = net.connect(trackd.port, '127.0.0.1');
	sock.on('error', () => {});
	sock.on('connect', () => {
		sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${trackd.port}\r\n\r\n`);
		sock.pause();
	});
	return sock;
}

test('every report window is bounded', async () => {
	const huge = 'from=0&to=99999999999';
	for (const p of ['reports/occupancy', 'reports/dwell', 'reports/utilization',
		'reports/heatmap', 'events', 'audit', `tags/${PERSON.tag}/history`]) {
		const body = assertJsonError(await trackd.get(`/api/v1/${p}?${huge}&floor=f0`),
			400, 'bad request');
		assert.match(body.detail, /window is too long/, p);
	}
	const to = Math.floor(now());
	// Occupancy: at most 10,080 buckets (a week of minutes; more with bucket=).
	assert.equal((await trackd.get(`/api/v1/reports/occupancy?from=${to - WEEK}&to=${to}`)).status, 200);
	assert.equal((await trackd.get(`/api/v1/reports/occupancy?from=${to - WEEK - 60}&to=${to}`)).status, 400);
	assert.equal((await trackd.get(
		`/api/v1/reports/occupancy?from=${to - 31 * 86400}&to=${to}&bucket=3600`)).status, 200);
	assert.equal((await trackd.get(`/api/v1/reports/dwell?from=${to - 31 * 86400}&to=${to}`)).status, 200);
});

test('a week of occupancy comes whole, in JSON and CSV', async () => {
	const to = Math.floor(now() / 60) * 60, from = to - WEEK;
	const zones = loadSite().zones;
	const res = await trackd.get(`/api/v1/reports/occupancy?from=${from}&to=${to}`);
	assert.equal(res.status, 200);
	const doc = res.json();
	assert.equal(doc.bucket_s, 60);
	assert.deepEqual(doc.zones.map((z) => z.zone), zones.map((z) => z.id));
	for (const z of doc.zones) {
		assert.equal(z.buckets.length, WEEK / 60, z.zone);
		assert.equal(z.buckets[0].t, from);
		assert.equal(z.buckets.at(-1).t, to - 60);
	}
	const csv = await trackd.get(`/api/v1/reports/occupancy?from=${from}&to=${to}&format=csv`);
	assert.equal(csv.status, 200);
	assert.equal(csv.text.trim().split('\n').length, 1 + zones.length * WEEK / 60);
	// Merged buckets across the pieces: one row per day, none twice.
	const days = (await trackd.get(
		`/api/v1/reports/occupancy?from=${from}&to=${to}&zone=${zones[0].id}&bucket=86400`)).json();
	const ts = days.zones[0].buckets.map((b) => b.t);
	assert.deepEqual(ts, [...new Set(ts)].sort((a, b) => a - b));
	assert.ok(ts.length === 7 || ts.length === 8, `${ts.length} days`);
});

test('an alarm reaches a live client within 1 s while heavy reports are not read', async () => {
	const ingest = await trackd.ingest();
	const live = await trackd.live();
	live.subscribe({ floor: 'f0' });
	await live.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
	await feed(ingest, [PERSON], 2);

	const rss0 = rssMb();
	const to = Math.floor(now());
	const stalled = [];
	for (let i = 0; i < 20; i++)
		stalled.push(askAndStall(`/api/v1/reports/occupancy?from=${to - WEEK}&to=${to}` +
			(i % 2 ? '&format=csv' : '')));
	await sleep(300);

	const pressed = Date.now();
	await feedOnce(ingest, [{ ...PERSON, button: true }]);
	const alarm = await live.waitFor((m) => m.type === 'alarm', 5000, 'the alarm');
	assert.ok(alarm.received - pressed <= 1000,
		`the alarm came ${alarm.received - pressed} ms after the press`);

	const t0 = Date.now();
	assert.equal((await trackd.get('/healthz')).status, 200);
	assert.ok(Date.now() - t0 < 1000, `/healthz took ${Date.now() - t0} ms`);
	await sleep(500);
	const grew = rssMb() - rss0;
	assert.ok(grew < 100, `20 unread reports took ${grew.toFixed(0)} MB`);
	for (const s of stalled)
		s.destroy();
	live.close();
	ingest.close();
});
