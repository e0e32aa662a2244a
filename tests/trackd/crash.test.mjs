// kill -9 under load: while scanners flood trackd with reports, an alarm
// is opened and acknowledged and zone events happen; trackd is killed
// without warning. After a restart nothing acknowledged is lost: the
// acknowledgement, the other alarm still open, and every event older than
// one write interval.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { feed, feedOnce, framesFor, now, sleep, startTrackd, tempDir } from './trackd.mjs';

// Load: 300 tags spread over the ground floor, each round from every
// scanner that hears them, sent as fast as trackd answers.
function loadFrames() {
	const placements = Array.from({ length: 300 }, (_, i) => ({
		tag: `load-${i}`, floor: 'f0', x: 4 + (i % 40), y: 3 + (i % 16),
	}));
	return () => framesFor(placements, now());
}

async function flood(ingest, stop) {
	const frames = loadFrames();
	let sent = 0;
	while (!stop()) {
		for (const f of frames()) {
			if (stop())
				break;
			const answer = await ingest.send(f).catch(() => null);
			if (!answer)
				return sent;
			sent += answer.accepted;
		}
	}
	return sent;
}

test('kill -9 under load loses nothing acknowledged', async () => {
	const db = path.join(tempDir(), 'crash.db');
	const trackd = await startTrackd(['--db', db, '--scanner-rate', '0']);
	let stopped = false;
	const loaders = [];
	let acked, open, eventsBefore;
	try {
		for (let i = 0; i < 3; i++)
			loaders.push(trackd.ingest().then((c) => flood(c, () => stopped)));
		const ingest = await trackd.ingest();
		// Two presses of listed badges (only they open alarms): one alarm
		// will be acknowledged, one left open.
		const a = { tag: 'badge-0029', floor: 'f0', x: 31.0, y: 5.0 };
		const b = { tag: 'badge-0030', floor: 'f0', x: 10.0, y: 16.0 };
		await feed(ingest, [a, b], 4); // long enough to enter their zones
		await feedOnce(ingest, [{ ...a, button: true }, { ...b, button: true }]);
		let alarms = [];
		const until = Date.now() + 5000;
		while (alarms.length < 2) {
			assert.ok(Date.now() < until, 'two alarms within 5 s');
			alarms = (await trackd.get('/api/v1/alarms')).json().alarms
				.filter((x) => x.tag === a.tag || x.tag === b.tag);
			await sleep(100);
		}
		acked = alarms.find((x) => x.tag === a.tag);
		open = alarms.find((x) => x.tag === b.tag);
		const res = await trackd.post(`/api/v1/alarms/${acked.id}/ack`,
			JSON.stringify({ by: 'night nurse' }));
		assert.equal(res.status, 200, res.text);
		// The events so far, once a write interval has passed.
		await sleep(1500);
		eventsBefore = (await trackd.get('/api/v1/events?from=' + (now() - 120)))
			.json().events.filter((e) => e.t < now() - 1.2);
		assert.ok(eventsBefore.some((e) => e.type === 'distress'), 'distress events');
		assert.ok(eventsBefore.some((e) => e.type === 'zone_enter'), 'zone events');
		ingest.close();
		assert.ok(await trackd.metric('trackd_reports_total') > 10000,
			'the load is running');
	} finally {
		const st = await trackd.kill();
		assert.equal(st.signal, 'SIGKILL');
		stopped = true;
		await Promise.allSettled(loaders);
	}

	const again = await startTrackd(['--db', db]);
	try {
		const alarms = (await again.get('/api/v1/alarms')).json().alarms;
		const a2 = alarms.find((x) => x.id === acked.id);
		assert.equal(a2.open, false, 'the acknowledgement survived');
		assert.equal(a2.acked_by, 'night nurse');
		assert.equal(alarms.find((x) => x.id === open.id).open, true,
			'the open alarm is still open');
		const after = (await again.get('/api/v1/events?from=' + (now() - 300)))
			.json().events;
		const key = (e) => `${e.t} ${e.type} ${e.tag} ${e.zone}`;
		const kept = new Set(after.map(key));
		for (const e of eventsBefore)
			assert.ok(kept.has(key(e)), `event lost: ${key(e)}`);
	} finally {
		await again.stopClean();
	}
});
