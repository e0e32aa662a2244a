// The REST API, /healthz, /metrics and the page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { SITE, assertJsonError, assertNear, assertTag, feed, loadSite, now,
	startTrackd } from './trackd.mjs';

let trackd;
const FED = { tag: 'wheelchair-001', floor: 'f0', x: 20.0, y: 11.0 };

before(async () => {
	trackd = await startTrackd();
	const ingest = await trackd.ingest();
	await feed(ingest, [FED], 3);
	// One refused report, for the metrics.
	await ingest.send({ scanner: 'ap-nowhere',
		reports: [{ tag: 'wheelchair-002', rssi: -60, t: now() }] });
	ingest.close();
	await trackd.waitLocated(FED.tag);
});

after(async () => { await trackd?.stopClean(); });

test('GET /api/v1/site: the site file', async () => {
	const res = await trackd.get('/api/v1/site');
	assert.equal(res.status, 200);
	assert.match(res.type, /application\/json/);
	const site = res.json();
	assert.equal(site.floors.length, 2);
	assert.deepEqual(site.floors.map((f) => f.id), ['f0', 'f1']);
	assert.deepEqual(site, loadSite());
});

test('GET /api/v1/site/floors/{id}/image: the floor drawing', async () => {
	for (const f of loadSite().floors) {
		const res = await trackd.get(`/api/v1/site/floors/${f.id}/image`);
		assert.equal(res.status, 200);
		assert.match(res.type, /^image\/svg\+xml/);
		const file = fs.readFileSync(path.join(path.dirname(SITE), f.image), 'utf8');
		assert.equal(res.text, file);
	}
	assertJsonError(await trackd.get('/api/v1/site/floors/nope/image'), 404,
		'no drawing for this floor');
	// The server decodes %2F to a slash: no floor id has one.
	for (const bad of ['/api/v1/site/floors/f0%2F..%2F..%2Fsite.json/image',
		'/api/v1/site/floors/../image', '/api/v1/site/floors/f0/../../site.json'])
		assertJsonError(await trackd.get(bad), 404, 'not found');
});

test('GET /api/v1/whoami: who the caller is', async () => {
	const res = await trackd.get('/api/v1/whoami');
	assert.equal(res.status, 200);
	assert.deepEqual(res.json(), { role: 'admin', name: null, auth_required: false, peers: [] });
});

test('GET /api/v1/tags: every located tag', async () => {
	const res = await trackd.get('/api/v1/tags');
	assert.equal(res.status, 200);
	assert.match(res.type, /application\/json/);
	const { tags } = res.json();
	assert.ok(Array.isArray(tags));
	tags.forEach((t) => assertTag(t));
	const t = tags.find((x) => x.id === FED.tag);
	assert.ok(t, `${FED.tag} in /api/v1/tags`);
	assertNear(t, FED.x, FED.y, 2.0);
	assert.ok(!tags.some((x) => x.id === 'wheelchair-002'),
		'a tag with no accepted report has no position');
});

test('GET /api/v1/tags/{id}: one tag', async () => {
	const res = await trackd.get(`/api/v1/tags/${FED.tag}`);
	assert.equal(res.status, 200, res.text);
	assert.match(res.type, /application\/json/);
	const t = res.json();
	assertTag(t);
	assert.equal(t.id, FED.tag);
	assert.equal(t.name, 'Wheelchair 1');
	assert.equal(t.kind, 'asset');
	assert.equal(t.floor, 'f0');
	assertNear(t, FED.x, FED.y, 2.0);
	assert.ok(t.r > 0 && t.r < 10, `r ${t.r}`);
	assert.ok(Math.abs(t.t - now()) < 10, `t ${t.t} is about now`);
});

test('GET /api/v1/tags/{id}: 404 for a tag never located or unknown', async () => {
	assertJsonError(await trackd.get('/api/v1/tags/pump-010'), 404, 'not found');
	assertJsonError(await trackd.get('/api/v1/tags/no-such-tag'), 404, 'not found');
});

test('GET /api/v1/search: by id or name, any case', async () => {
	let res = await trackd.get('/api/v1/search?q=pump');
	assert.equal(res.status, 200, res.text);
	assert.match(res.type, /application\/json/);
	const pumps = loadSite().tags.filter((t) => t.category === 'infusion-pump');
	const { tags } = res.json();
	assert.deepEqual(tags.map((t) => t.id).sort(), pumps.map((t) => t.id).sort());
	for (const t of tags) {
		assert.equal(t.kind, 'asset');
		assert.equal(t.category, 'infusion-pump');
		assert.match(t.name, /pump/i);
	}

	res = await trackd.get('/api/v1/search?q=PUMP');
	assert.equal(res.json().tags.length, pumps.length);

	res = await trackd.get('/api/v1/search?q=' + encodeURIComponent('helen marsh'));
	assert.deepEqual(res.json().tags.map((t) => t.id), ['badge-0001']);

	res = await trackd.get('/api/v1/search?q=nobody-by-this-name');
	assert.deepEqual(res.json(), { tags: [] });
});

test('GET /api/v1/search without q: 400', async () => {
	assertJsonError(await trackd.get('/api/v1/search'), 400);
	assertJsonError(await trackd.get('/api/v1/search?q='), 400);
});

test('GET /healthz', async () => {
	const res = await trackd.get('/healthz');
	assert.equal(res.status, 200);
	assert.deepEqual(res.json(), { status: 'ok' });
});

test('GET /metrics: Prometheus text', async () => {
	const res = await trackd.get('/metrics');
	assert.equal(res.status, 200);
	assert.match(res.type, /^text\/plain/);
	const value = (re) => {
		const m = res.text.match(re);
		assert.ok(m, `${re} in /metrics:\n${res.text}`);
		return Number(m[1]);
	};
	assert.ok(value(/^trackd_reports_total (\S+)$/m) > 0);
	assert.ok(value(/^trackd_reports_rejected_total\{reason="unknown scanner"\} (\S+)$/m) >= 1);
	assert.ok(value(/^trackd_tags (\S+)$/m) >= 1);
	assert.ok(value(/^trackd_live_clients (\S+)$/m) >= 0);
	for (const line of res.text.split('\n'))
		if (line && !line.startsWith('#'))
			assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? \S+$/,
				`a Prometheus sample line: ${line}`);
});

test('unknown /api path: 404 JSON', async () => {
	assertJsonError(await trackd.get('/api/v1/nothing-here'), 404);
	assertJsonError(await trackd.get('/api/v2/tags'), 404);
});

test('GET /: the page', async () => {
	const res = await trackd.get('/');
	assert.equal(res.status, 200);
	assert.match(res.type, /text\/html/);
	assert.match(res.text, /<!doctype html>/i);
	assert.match(res.text, /track-live\.v1|live\.js/);
});

test('GET /api/v1/reports/occupancy: minutes, or merged buckets; CSV', async () => {
	const from = Math.floor(now()) - 3600;
	const minutes = (await trackd.get(`/api/v1/reports/occupancy?from=${from}&floor=f0`)).json();
	assert.equal(minutes.bucket_s, 60);
	const res = await trackd.get(`/api/v1/reports/occupancy?from=${from}&floor=f0&bucket=900`);
	assert.equal(res.status, 200, res.text);
	const merged = res.json();
	assert.equal(merged.bucket_s, 900);
	for (const z of merged.zones) {
		assert.equal(z.floor, 'f0');
		assert.ok(z.buckets.length <= 5, `${z.zone}: ${z.buckets.length} buckets`);
		for (const b of z.buckets)
			assert.equal(b.t % 900, 0, `bucket start ${b.t}`);
		// The largest peak and the mean of the minutes it merges.
		const raw = minutes.zones.find((x) => x.zone === z.zone).buckets;
		const peak = Math.max(0, ...raw.map((b) => b.peak));
		assert.equal(Math.max(0, ...z.buckets.map((b) => b.peak)), peak, z.zone);
	}
	for (const bad of ['59', '90', 'x', '', String(8 * 86400)])
		assertJsonError(await trackd.get(`/api/v1/reports/occupancy?bucket=${bad}`), 400,
			'bad request');
	for (const bad of ['', '-1', 'x', '7d', 'nan', '3651'])
		assertJsonError(await trackd.get(`/api/v1/reports/utilization?days=${bad}`), 400,
			'bad request');
	assert.equal((await trackd.get('/api/v1/reports/utilization?days=0.5')).status, 200);
	const csv = await trackd.get(`/api/v1/reports/occupancy?from=${from}&bucket=600&format=csv`);
	assert.equal(csv.status, 200);
	assert.match(csv.type, /text\/csv/);
	const lines = csv.text.trim().split('\n');
	assert.equal(lines[0], 'zone,t,mean,peak,mean_person,mean_asset,peak_person,peak_asset');
	for (const l of lines.slice(1))
		assert.equal(Number(l.split(',')[1]) % 600, 0);
});
