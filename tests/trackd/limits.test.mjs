// Limits: beyond each, a clear error and a counter, never a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { now, startTrackd } from './trackd.mjs';

test('a scanner over its rate has the excess refused; presses always pass', async () => {
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
