// Heavy report queries must not hold up the loop: every report window is
// bounded, large answers are made and written a piece at a time as the
// connection takes them, so clients that ask and never read cost little
// memory and an alarm still reaches a live client within a second.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { assertJsonError, feed, feedOnce, loadSite, now, sleep, startTrackd,
	tempDir } from './trackd.mjs';

const PERSON = { tag: 'badge-0003', floor: 'f0', x: 12.0, y: 6.0 };
const WEEK = 7 * 86400;
let trackd;

before(async () => { trackd = await startTrackd(); });
after(async () => { await trackd?.stopClean(); });

// trackd's resident memory in MB (Linux).
function rssMb(t = trackd) {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${t.proc.pid}/status`, 'utf8'));
	return Number(m[1]) / 1024;
}

// Ask for path on a raw connection and never read the answer.
function askAndStall(path, t = trackd) {
	const sock = net.connect(t.port, '127.0.0.1');
	sock.on('error', () => {});
	sock.on('connect', () => {
		sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\n\r\n`);
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

// ---- history, events and audit, read from the database in pages ---------

// The sqlite3 shell seeds the database (trackd made it, then stopped).
const haveShell = spawnSync('sqlite3', ['-version']).status === 0;
const noShell = haveShell ? false : 'no sqlite3 shell';
const dir = tempDir('trackd-report-load-');
const sql = (db, text) => execFileSync('sqlite3', [db, text], { encoding: 'utf8' });
const US = 1000000;

// A database of name holding n positions of PERSON, n events and n audit
// rows, row i at time t(i) seconds; then trackd on it with extra options.
async function seeded(name, n, t, extra = []) {
	const db = path.join(dir, name);
	await (await startTrackd(['--db', db])).stopClean();
	const rows = `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${n - 1})`;
	sql(db, `BEGIN;
${rows} INSERT INTO positions (tag, t, floor, x, y, r, zone)
  SELECT '${PERSON.tag}', (${t('i')}) * ${US}, 'f0', i, 3, 1, 'z1' FROM c;
${rows} INSERT INTO positions (tag, t, floor, x, y, r, zone)
  SELECT 'other-tag', (${t('i')}) * ${US}, 'f0', -1, 3, 1, NULL FROM c;
${rows} INSERT INTO events (t, type, tag, zone, floor, x, y)
  SELECT (${t('i')}) * ${US}, 'zone_enter', '${PERSON.tag}', 'z1', 'f0', i, 2 FROM c;
${rows} INSERT INTO audit (t, token, name, role, action, whom, peer)
  SELECT (${t('i')}) * ${US}, 0, 'open', 'admin', 'history', 'w' || i, '127.0.0.1' FROM c;
COMMIT;`);
	// Kept for ever: the oldest rows are near the 30 days of retention.
	return { db, trackd: await startTrackd(['--db', db, '--retention-days', '0',
		...extra]) };
}

test('paged history, events and audit equal the stored rows, in order, none twice',
	{ skip: noShell }, async () => {
		// Three rows a time (ties across pages of 7), and a gap of 3 h
		// (stretches read with nothing in them): many pages, many stretches.
		const base = Math.floor(now()) - 2 * 86400;
		const n = 600;
		const { db, trackd: t } = await seeded('paged.db', n,
			(i) => `${base} + (${i} / 3) * 60 + (CASE WHEN ${i} >= 300 THEN 3 * 3600 ELSE 0 END)`,
			['--page-rows', '7']);
		try {
			const from = base - 10, to = base + 8 * 3600, w = `from=${from}&to=${to}`;
			const stored = (q) => sql(db, q).trim().split('\n');
			const want = stored(`SELECT x FROM positions WHERE tag = '${PERSON.tag}' ` +
				`AND t >= ${from * US} AND t < ${to * US} ORDER BY t, rowid`).map(Number);
			assert.equal(want.length, n);
			const check = (got, what) => {
				assert.deepEqual(got, want, what);
				assert.equal(new Set(got).size, got.length, `${what}: a row twice`);
			};

			const h = await t.get(`/api/v1/tags/${PERSON.tag}/history?${w}`);
			assert.equal(h.status, 200);
			assert.equal(h.json().truncated, false);
			assert.equal(h.json().tag, PERSON.tag);
			check(h.json().positions.map((p) => p.x), 'history');
			const ts = h.json().positions.map((p) => p.t);
			assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'history in time order');
			const hc = (await t.get(`/api/v1/tags/${PERSON.tag}/history?${w}&format=csv`)).text;
			const hl = hc.trim().split('\n');
			assert.equal(hl[0], 't,x,y,r,floor,zone');
			check(hl.slice(1).map((l) => Number(l.split(',')[1])), 'history csv');

			// Events newest first: the same rows, the other way.
			const newest = (got) => [...got].reverse();
			const e = await t.get(`/api/v1/events?${w}&tag=${PERSON.tag}`);
			assert.equal(e.status, 200);
			assert.equal(e.json().next, null);
			check(newest(e.json().events.map((ev) => ev.x)), 'events by tag');
			check(newest((await t.get(`/api/v1/events?${w}&type=zone_enter`)).json().events
				.map((ev) => ev.x)), 'events by type');
			const ec = (await t.get(`/api/v1/events?${w}&format=csv`)).text.trim().split('\n');
			assert.equal(ec[0], 't,type,tag,zone,floor,x,y');
			check(newest(ec.slice(1).map((l) => Number(l.split(',')[5]))), 'events csv');

			// Page by page with the cursor (pages of 50 across the store's
			// pages of 7, ties between them): every event once, in order.
			const paged = [];
			let cursor = null, pages = 0;
			do {
				const page = (await t.get(`/api/v1/events?${w}&limit=50` +
					(cursor ? `&before=${cursor}` : ''))).json();
				assert.ok(page.events.length <= 50);
				assert.equal(page.truncated, page.next !== null);
				paged.push(...page.events.map((ev) => ev.x));
				cursor = page.next;
				pages++;
			} while (cursor && pages < 100);
			assert.equal(pages, Math.ceil(n / 50));
			check(newest(paged), 'events paged with before=');
			for (const q of ['limit=0', 'limit=10001', 'limit=x', 'before=12', 'before=-1.2',
				'before=1.x', 'before=%201.2'])
				assert.match(assertJsonError(await t.get(`/api/v1/events?${w}&${q}`), 400,
					'bad request').detail, /^(limit|before):/, q);

			const a = (await t.get(`/api/v1/audit?${w}`)).json();
			assert.equal(a.truncated, false);
			check(a.audit.map((r) => Number(r.whom.slice(1))), 'audit');

			// The caps still hold, and say "truncated", across pages.
			const cut = (await t.get(`/api/v1/events?from=${from}&to=${base + 3600}`)).json();
			assert.equal(cut.events.length, 180);
			assert.equal(cut.truncated, false);
		} finally {
			await t.stopClean();
		}
	});

test('an alarm reaches a live client within 1 s while unread history, events and audit run',
	{ skip: noShell }, async () => {
		// More rows than each cap (86,400 positions, 10,000 events or
		// audit rows), over 30 days: every answer is megabytes.
		const to = Math.floor(now()) + 60, from = to - 31 * 86400;
		const { trackd: t } = await seeded('big.db', 100000,
			(i) => `${from + 86400} + ${i} * 25`);
		try {
			const w = `from=${from}&to=${to}`;
			const h = (await t.get(`/api/v1/tags/${PERSON.tag}/history?${w}`)).json();
			assert.equal(h.positions.length, 86400);
			assert.equal(h.truncated, true);
			const ev = (await t.get(`/api/v1/events?${w}`)).json();
			assert.equal(ev.events.length, 10000);
			assert.equal(ev.truncated, true);

			const ingest = await t.ingest();
			const live = await t.live();
			live.subscribe({ floor: 'f0' });
			await live.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
			await feed(ingest, [PERSON], 2);

			const rss0 = rssMb(t);
			const paths = [`/api/v1/tags/${PERSON.tag}/history?${w}`,
				`/api/v1/tags/${PERSON.tag}/history?${w}&format=csv`,
				`/api/v1/events?${w}`, `/api/v1/events?${w}&format=csv`,
				`/api/v1/audit?${w}`];
			const stalled = [];
			for (let i = 0; i < 20; i++)
				stalled.push(askAndStall(paths[i % paths.length], t));
			await sleep(300);

			const pressed = Date.now();
			await feedOnce(ingest, [{ ...PERSON, button: true }]);
			const alarm = await live.waitFor((m) => m.type === 'alarm', 5000, 'the alarm');
			assert.ok(alarm.received - pressed <= 1000,
				`the alarm came ${alarm.received - pressed} ms after the press`);

			const t0 = Date.now();
			assert.equal((await t.get('/healthz')).status, 200);
			assert.ok(Date.now() - t0 < 1000, `/healthz took ${Date.now() - t0} ms`);
			await sleep(500);
			const grew = rssMb(t) - rss0;
			assert.ok(grew < 50, `20 unread answers took ${grew.toFixed(0)} MB`);
			for (const s of stalled)
				s.destroy();
			live.close();
			ingest.close();
		} finally {
			await t.stopClean();
		}
	});
