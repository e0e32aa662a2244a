// GET /api/v1/history?floor=: every tag's stored positions on one floor
// over a window (an incident's replay): read a page at a time, people only
// for the roles that may see a person's history (and that look-up in the
// audit trail), assets for the others; a window of at most 4 hours.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { feedOnce, makeToken, sleep, startTrackd, tempDir, until } from './trackd.mjs';

const PEOPLE = ['badge-0001', 'badge-0002'];
const ASSETS = ['pump-001', 'pump-002'];
const UPSTAIRS = 'badge-0003';

let trackd, from, to;
const token = {};

// Each tag walks along the ground-floor corridor (one upstairs), a metre
// a second, so that every second stores a row of each.
function placements(i) {
	return [
		...PEOPLE.map((tag, k) => ({ tag, floor: 'f0', x: 8 + 3 * k + i, y: 11.0 })),
		...ASSETS.map((tag, k) => ({ tag, floor: 'f0', x: 30 - 3 * k - i, y: 11.0 })),
		{ tag: UPSTAIRS, floor: 'f1', x: 10 + i, y: 11.0 },
	];
}

before(async () => {
	const db = path.join(tempDir(), 'floor.db');
	for (const role of ['scanner', 'viewer', 'security', 'manager', 'admin'])
		token[role] = makeToken(db, role, `${role} one`);
	// Two rows a page: a floor's answer runs over many pages, and a
	// viewer's pages are mostly people left out.
	trackd = await startTrackd(['--db', db, '--page-rows', '2']);
	trackd.token = token.admin;
	const ingest = await trackd.ingest(token.scanner);
	from = Date.now() / 1000 - 1;
	const start = Date.now();
	for (let i = 0; i < 6; i++) {
		const wait = start + i * 1000 - Date.now();
		if (wait > 0)
			await sleep(wait);
		await feedOnce(ingest, placements(i));
	}
	ingest.close();
	await until(async () => await trackd.metric('trackd_db_pending_rows') === 0,
		5000, 'the rows to be committed');
	to = Date.now() / 1000 + 1;
});

after(async () => { await trackd?.stopClean(); });

async function floorHistory(role, query) {
	const res = await trackd.get(`/api/v1/history?${query}`, token[role]);
	assert.equal(res.status, 200, `${role}: ${res.text.slice(0, 300)}`);
	assert.match(res.type, /application\/json/);
	return res.json();
}

const tagsIn = (body) => new Set(body.positions.map((p) => p.tag));

test('security gets every tag on the floor in the window, oldest first', async () => {
	const body = await floorHistory('security', `floor=f0&from=${from}&to=${to}`);
	assert.equal(body.floor, 'f0');
	assert.equal(body.people, true);
	assert.equal(body.truncated, false);
	assert.deepEqual([...tagsIn(body)].sort(), [...PEOPLE, ...ASSETS].sort());
	for (const tag of [...PEOPLE, ...ASSETS])
		assert.ok(body.positions.filter((p) => p.tag === tag).length >= 3, `rows of ${tag}`);
	for (const p of body.positions) {
		for (const k of ['t', 'x', 'y', 'r'])
			assert.ok(Number.isFinite(p[k]), `${k} of ${JSON.stringify(p)}`);
		assert.ok(p.t >= from && p.t < to, `${p.t} in the window`);
	}
	for (let i = 1; i < body.positions.length; i++)
		assert.ok(body.positions[i].t >= body.positions[i - 1].t, 'oldest first');
	const keys = body.positions.map((p) => `${p.tag}@${p.t}`);
	assert.equal(new Set(keys).size, keys.length, 'no row twice across pages');
	// A narrower window: only its rows.
	const mid = (from + to) / 2;
	const half = await floorHistory('security', `floor=f0&from=${mid}&to=${to}`);
	assert.ok(half.positions.length > 0 && half.positions.length < body.positions.length);
	assert.ok(half.positions.every((p) => p.t >= mid));
	// Upstairs is another floor's.
	const f1 = await floorHistory('security', `floor=f1&from=${from}&to=${to}`);
	assert.deepEqual([...tagsIn(f1)], [UPSTAIRS]);
});

test('roles that may see only assets get only the assets', async () => {
	for (const role of ['viewer', 'manager']) {
		const body = await floorHistory(role, `floor=f0&from=${from}&to=${to}`);
		assert.equal(body.people, false, role);
		assert.deepEqual([...tagsIn(body)].sort(), [...ASSETS].sort(), role);
	}
	const csv = await trackd.get(`/api/v1/history?floor=f0&from=${from}&to=${to}&format=csv`,
		token.viewer);
	assert.equal(csv.status, 200);
	assert.match(csv.type, /text\/csv/);
	const lines = csv.text.trim().split('\n');
	assert.equal(lines[0], 't,tag,x,y,r,zone');
	assert.ok(lines.length > 4, csv.text);
	assert.ok(lines.slice(1).every((l) => ASSETS.includes(l.split(',')[1])), csv.text);
	assert.equal((await trackd.get('/api/v1/history?floor=f0', token.scanner)).status, 403);
});

test('a look-up of a floor\'s people is audited: who, which floor, which window', async () => {
	await sleep(50); // after the other tests' look-ups
	const since = Date.now() / 1000;
	await floorHistory('security', `floor=f0&from=${from}&to=${to}`);
	await floorHistory('viewer', `floor=f0&from=${from}&to=${to}`);
	const rows = (await trackd.get(`/api/v1/audit?from=${since}`, token.admin)).json().audit
		.filter((r) => r.action === 'floor-history' && r.t >= since);
	const iso = (t) => new Date(Math.floor(t) * 1000).toISOString().replace('.000', '');
	assert.equal(rows.length, 1, JSON.stringify(rows));
	assert.equal(rows[0].role, 'security');
	assert.equal(rows[0].name, 'security one');
	assert.equal(rows[0].whom, `floor:f0 ${iso(from)}/${iso(to)}`);
});

test('a window over 4 hours is a 400 with the reason; an unknown floor a 404', async () => {
	const t = Math.floor(Date.now() / 1000);
	let res = await trackd.get(`/api/v1/history?floor=f0&from=${t - 4 * 3600 - 1}&to=${t}`);
	assert.equal(res.status, 400);
	assert.match(res.json().detail, /at most 4 hours/);
	res = await trackd.get(`/api/v1/history?floor=f0&from=${t - 4 * 3600}&to=${t}`);
	assert.equal(res.status, 200);
	res = await trackd.get('/api/v1/history?floor=basement');
	assert.equal(res.status, 404);
	assert.equal(res.json().error, 'not found');
	res = await trackd.get('/api/v1/history');
	assert.equal(res.status, 400);
	assert.match(res.json().detail, /floor=/);
});
