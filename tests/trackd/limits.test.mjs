// Limits: beyond each, a clear error and a counter, never a crash.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { loadSite, makeToken, now, sleep, startTrackd, tempDir, until } from './trackd.mjs';

const post = async (trackd, doc) => {
	const res = await trackd.post('/api/v1/ingest', JSON.stringify(doc));
	assert.equal(res.status, 200, res.text);
	return res.json();
};

const openAlarms = async (trackd) =>
	(await trackd.get('/api/v1/alarms')).json().alarms.filter((a) => a.open);

test('a scanner over its rate has the excess refused; presses pass it', async () => {
	const trackd = await startTrackd(['--scanner-rate', '50']);
	try {
		const ingest = await trackd.ingest();
		const t = now();
		const reports = Array.from({ length: 200 }, (_, i) =>
			({ tag: `pump-${String(i % 20 + 1).padStart(3, '0')}`, rssi: -60, t }));
		reports.push({ tag: 'badge-0003', rssi: -60, t, button: true });
		const answer = await ingest.send({ scanner: 'ap-f0-01', reports });
		// Two seconds' burst: 100 in, the other 100 refused by name.
		assert.equal(answer.accepted, 101);
		assert.equal(answer.rejected.length, 100);
		for (const r of answer.rejected)
			assert.equal(r.error, 'rate limit: more than 50 reports/s from this scanner');
		assert.ok(!answer.rejected.some((r) => r.index === 200), 'the press went in');
		// Another scanner has its own allowance.
		const other = await ingest.send({ scanner: 'ap-f0-02',
			reports: reports.slice(0, 10) });
		assert.equal(other.accepted, 10);
		assert.equal(await trackd.metric('trackd_reports_rate_limited_total'), 100);
		ingest.close();
	} finally {
		await trackd.stopClean();
	}
});

test('live clients beyond --max-clients are refused and counted', async () => {
	const trackd = await startTrackd(['--max-clients', '2']);
	try {
		const a = await trackd.live();
		const b = await trackd.live();
		await assert.rejects(trackd.live(), /cannot open track-live/);
		assert.equal(await trackd.metric('trackd_live_refused_total'), 1);
		a.close();
		// A place frees when one leaves.
		let c;
		const until = Date.now() + 3000;
		while (!c) {
			c = await trackd.live().catch(() => null);
			assert.ok(c || Date.now() < until, 'a place again within 3 s');
		}
		b.close();
		c.close();
	} finally {
		await trackd.stopClean();
	}
});

test('a subscription flood gets an error, and the last good one stands', async () => {
	const trackd = await startTrackd();
	try {
		const c = await trackd.live();
		c.subscribe({ floor: 'f0' });
		for (let i = 0; i < 5; i++)
			c.subscribe({ floor: 'f1' });
		const err = await c.waitFor((m) => m.type === 'error', 3000, 'the refusal');
		assert.match(err.error, /too many subscriptions/);
		const snap = await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
		assert.ok(Array.isArray(snap.tags));
		c.close();
	} finally {
		await trackd.stopClean();
	}
});

test('a press needs a known scanner and a listed tag: others are refused, counted, open nothing', async () => {
	const trackd = await startTrackd();
	try {
		const t = now();
		// The pen test: 11 posts of 100 forged presses of random tags.
		for (let k = 0; k < 11; k++) {
			const reports = Array.from({ length: 100 }, (_, i) =>
				({ tag: `forged-${k}-${i}`, rssi: -60, t, button: true }));
			const answer = await post(trackd, { scanner: 'ap-f0-01', reports });
			assert.equal(answer.accepted, 0);
			assert.equal(answer.rejected.length, 100);
			for (const r of answer.rejected)
				assert.equal(r.error, 'press refused: tag not listed in the site');
		}
		// A listed tag through a scanner the site does not have.
		assert.deepEqual(await post(trackd, { scanner: 'ap-nowhere',
			reports: [{ tag: 'badge-0004', rssi: -60, t, button: true }] }),
		{ accepted: 0, rejected: [{ index: 0, error: 'press refused: unknown scanner' }] });
		assert.equal(await trackd.metric(
			'trackd_presses_refused_total{reason="unlisted tag"}'), 1100);
		assert.equal(await trackd.metric(
			'trackd_presses_refused_total{reason="unknown scanner"}'), 1);
		await sleep(500); // several ticks: nothing to open
		assert.deepEqual((await trackd.get('/api/v1/alarms')).json().alarms, []);
		// A real badge's press through a real scanner opens its alarm.
		assert.deepEqual(await post(trackd, { scanner: 'ap-f0-01',
			reports: [{ tag: 'badge-0004', rssi: -60, t: now(), button: true }] }),
		{ accepted: 1, rejected: [] });
		const [alarm] = await until(async () => {
			const open = await openAlarms(trackd);
			return open.length ? open : null;
		}, 3000, 'the alarm of badge-0004');
		assert.equal(alarm.tag, 'badge-0004');
	} finally {
		await trackd.stopClean();
	}
});

test('presses have their own limit per scanner, counted', async () => {
	const trackd = await startTrackd(['--press-rate', '5']);
	try {
		const t = now();
		const tags = loadSite().tags.map((x) => x.id);
		const reports = tags.slice(0, 30).map((tag) => ({ tag, rssi: -60, t,
			button: true }));
		const answer = await post(trackd, { scanner: 'ap-f0-01', reports });
		// Two seconds' burst: 10 in, the other 20 refused by name.
		assert.equal(answer.accepted, 10);
		assert.deepEqual(answer.rejected.map((r) => r.index),
			Array.from({ length: 20 }, (_, i) => 10 + i));
		for (const r of answer.rejected)
			assert.equal(r.error, 'press limit: more than 5 presses/s from this scanner');
		// Another scanner has its own allowance; reports without a press
		// are not held back by it.
		const other = await post(trackd, { scanner: 'ap-f0-02',
			reports: reports.slice(30 - 10) });
		assert.equal(other.accepted, 10);
		const plain = await post(trackd, { scanner: 'ap-f0-01',
			reports: reports.map(({ button, ...r }) => r) });
		assert.equal(plain.accepted, 30);
		assert.equal(await trackd.metric('trackd_presses_limited_total'), 20);
	} finally {
		await trackd.stopClean();
	}
});

test('every listed tag can have an open alarm; a new responder gets its snapshot early', async () => {
	const trackd = await startTrackd();
	try {
		const tags = loadSite().tags.map((x) => x.id);
		const press = () => post(trackd, { scanner: 'ap-f0-01',
			reports: tags.map((tag) => ({ tag, rssi: -60, t: now(), button: true })) });
		assert.equal((await press()).accepted, tags.length);
		await until(async () => (await openAlarms(trackd)).length === tags.length,
			3000, `${tags.length} open alarms`);
		// Pressed again: the same alarms, not new ones.
		assert.equal((await press()).accepted, tags.length);
		await sleep(300);
		const alarms = (await trackd.get('/api/v1/alarms')).json().alarms;
		assert.equal(alarms.length, tags.length);
		assert.deepEqual(alarms.map((a) => a.tag).sort(), [...tags].sort());

		const live = await trackd.live();
		live.subscribe({ floor: 'f0' });
		const snap = await live.waitFor((m) => m.type === 'snapshot', 3000,
			'the snapshot');
		const before = live.messages.slice(0, live.messages.indexOf(snap))
			.filter((m) => m.type === 'alarm');
		assert.ok(before.length <= 16,
			`${before.length} alarm messages before the snapshot`);
		// The rest follow it: every open alarm reaches the responder.
		await until(() => new Set(live.messages.filter((m) => m.type === 'alarm')
			.map((m) => m.alarm.id)).size === tags.length, 5000,
		'every open alarm on the live stream');
		live.close();
	} finally {
		await trackd.stopClean();
	}
});

test('refused live handshakes free no place: --max-clients holds', async () => {
	const db = path.join(tempDir('trackd-limits-'), 'clients.db');
	const token = makeToken(db, 'security');
	const monitor = makeToken(db, 'monitor');
	const trackd = await startTrackd(['--db', db, '--max-clients', '2']);
	trackd.token = token;
	try {
		const a = await trackd.live();
		// Refused for want of a token ...
		for (let i = 0; i < 5; i++)
			await assert.rejects(trackd.live(null), /cannot open track-live/);
		assert.equal(await trackd.metric('trackd_live_clients', monitor), 1);
		const b = await trackd.live();
		// ... and for want of room.
		for (let i = 0; i < 5; i++)
			await assert.rejects(trackd.live(), /cannot open track-live/);
		assert.equal(await trackd.metric('trackd_live_clients', monitor), 2);
		assert.equal(await trackd.metric('trackd_live_refused_total', monitor), 5);
		a.close();
		const c = await until(() => trackd.live().catch(() => null), 3000,
			'a place again');
		await assert.rejects(trackd.live(), /cannot open track-live/);
		assert.equal(await trackd.metric('trackd_live_clients', monitor), 2);
		b.close();
		c.close();
	} finally {
		await trackd.stopClean();
	}
});
