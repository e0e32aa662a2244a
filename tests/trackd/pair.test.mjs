// Two trackd on one site (the README's "Two instances"): a real mosquitto
// broker and a real PostgreSQL server on loopback, both trackd subscribed
// to every report (--mqtt) and sharing the database (the same --db URL).
// A press published once opens one alarm, with the same id on both; an
// acknowledgement on one is shown by the other within a second, to its
// live clients too, with one audit trail; one killed with an open alarm,
// the other keeps streaming and takes the acknowledgement, and the one
// restarted comes back with it. The history is written by one of them at
// a time (a lease in the database), so that nothing is stored twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Broker, noBroker } from './broker.mjs';
import { sleep, startPostgres, startTrackd, until } from './trackd.mjs';

const pg = noBroker ? null : startPostgres();
const skip = noBroker ||
	(!pg && 'no PostgreSQL server programs (initdb) installed');
const PRESS_1 = { tag: 'badge-0026', floor: 'f0', x: 14, y: 11 };
const PRESS_2 = { tag: 'badge-0027', floor: 'f0', x: 20, y: 11 };

let broker, a, b;

// Each its own session at the broker (a second client of one id would
// throw the first off).
const startOne = (name) => startTrackd(['--db', pg.url,
	...broker.trackdArgs(`trackd-${name}`)]);

async function connected(trackd) {
	await until(async () => (await trackd.get('/healthz')).json().mqtt ===
		'connected', 5000, 'trackd connected to the broker');
}

async function alarmsOf(trackd, tag) {
	const res = await trackd.get('/api/v1/alarms');
	assert.equal(res.status, 200, res.text);
	return res.json().alarms.filter((al) => al.tag === tag);
}

// The alarm of tag, once trackd shows it.
async function alarmOn(trackd, tag, what) {
	const [al] = await until(async () => {
		const list = await alarmsOf(trackd, tag);
		return list.length ? list : null;
	}, 5000, what);
	return al;
}

// A badge pressed once: one document per scanner that hears it, each
// published once on the broker.
async function press(place) {
	await broker.publishPlacements([{ ...place, button: true }]);
}

before(async () => {
	if (skip)
		return;
	broker = await Broker.start('trackd-pair-');
	a = await startOne('a');
	b = await startOne('b');
	await Promise.all([connected(a), connected(b)]);
});

after(async () => {
	await a?.stopClean();
	await b?.stopClean();
	if (broker)
		await broker.stop();
});

test('a press published once opens one alarm, with the same id on both', { skip }, async () => {
	await press(PRESS_1);
	const onA = await alarmOn(a, PRESS_1.tag, 'the alarm on A');
	const onB = await alarmOn(b, PRESS_1.tag, 'the alarm on B');
	assert.equal(onA.open, true);
	assert.equal(onB.open, true);
	assert.equal(onA.id, onB.id, 'one alarm, one id');
	assert.equal(onA.opened, onB.opened, 'the same press');
	// Both opened it; one stored it first, the other took its id.
	const logs = a.stderr() + b.stderr();
	const opened = new RegExp(`alarm ${onA.id} opened: distress from ` +
		`${PRESS_1.tag}`, 'g');
	assert.equal(logs.match(opened)?.length, 2, logs);
	assert.equal(logs.match(/\(stored first by another trackd\)/g)?.length, 1,
		logs);
	assert.equal((await alarmsOf(a, PRESS_1.tag)).length, 1);
	assert.equal((await alarmsOf(b, PRESS_1.tag)).length, 1);
});

test('acknowledged on A: B shows it within a second, to its live client too; one audit trail', { skip }, async (t) => {
	const [al] = await alarmsOf(a, PRESS_1.tag);
	const live = await b.live();
	try {
		live.subscribe({ floor: 'f0' });
		await live.waitFor((m) => m.type === 'alarm' && m.alarm.id === al.id,
			3000, 'the open alarm on B\'s live stream');
		const from = Date.now() / 1000 - 1;
		const t0 = Date.now();
		const res = await a.post(`/api/v1/alarms/${al.id}/ack`,
			JSON.stringify({ by: 'Guard Amos on A' }));
		assert.equal(res.status, 200, res.text);
		const m = await live.waitFor((x) => x.type === 'alarm' &&
			x.alarm.id === al.id && x.alarm.open === false, 1500,
			'the acknowledgement on B\'s live stream');
		const took = m.received - t0;
		assert.ok(took < 1000, `B's live client had it after ${took} ms`);
		t.diagnostic(`B's live client had the acknowledgement after ${took} ms`);
		assert.equal(m.alarm.acked_by, 'Guard Amos on A');
		const [onB] = await alarmsOf(b, PRESS_1.tag);
		assert.equal(onB.open, false);
		assert.equal(onB.acked_by, 'Guard Amos on A');
		assert.match(b.stderr(), new RegExp(`alarm ${al.id} acknowledged on ` +
			'another trackd \\(note "Guard Amos on A"\\)'));
		// Acknowledged already, whichever instance is asked.
		assert.equal((await b.post(`/api/v1/alarms/${al.id}/ack`,
			JSON.stringify({ by: 'Guard Bea on B' }))).status, 409);
		// The acknowledgement is in the one audit trail, read from B.
		const audit = (await b.get(`/api/v1/audit?from=${from}`)).json().audit;
		assert.equal(audit.filter((r) => r.action === 'acknowledge' &&
			r.whom === PRESS_1.tag).length, 1, JSON.stringify(audit));
	} finally {
		live.close();
	}
});

// What the database holds of tag since from (seconds), as A answers.
async function stored(tag, from) {
	const h = await a.get(`/api/v1/tags/${tag}/history?from=${from}`);
	const e = await a.get(`/api/v1/events?tag=${tag}&from=${from}`);
	assert.equal(h.status, 200, h.text);
	assert.equal(e.status, 200, e.text);
	return { positions: h.json().positions, events: e.json().events };
}

test('the history is written once, by one of them: each position and event once', { skip }, async () => {
	const from = Math.floor(Date.now() / 1000) - 1;
	// A badge stands long enough to enter its zone (3 s), then walks
	// along the corridor: both place it alike.
	for (let i = 0; i < 14; i++) {
		await broker.publishPlacements([{ tag: 'badge-0029', floor: 'f0',
			x: i < 8 ? 6 : 6 + 4 * (i - 8), y: 12 }]);
		await sleep(500);
	}
	const got = await until(async () => {
		const s = await stored('badge-0029', from);
		return s.positions.length >= 2 && s.events.length >= 1 ? s : null;
	}, 8000, 'the badge\'s history stored');
	await sleep(1500); // the other instance's batch, had it written one
	const logs = a.stderr() + b.stderr();
	assert.equal(logs.match(/db: this trackd writes the history now/g)?.length,
		1, logs);
	// Which one, in /metrics and /healthz; the other's rows only kept.
	const writers = [await a.metric('trackd_db_history_writer'),
		await b.metric('trackd_db_history_writer')];
	assert.deepEqual(writers.slice().sort(), [0, 1]);
	const [writer, other] = writers[0] ? [a, b] : [b, a];
	assert.equal((await writer.get('/healthz')).json().history, 'written here');
	assert.equal((await other.get('/healthz')).json().history,
		'written by another trackd');
	assert.ok(await other.metric('trackd_db_held_rows') > 0);
	assert.equal(logs.match(/db: another trackd writes the history; this one/g)
		?.length, 1, logs);
	const again = await stored('badge-0029', from);
	// A tag is solved once a second: two rows of one kind (and zone)
	// closer than that are the same one written by both instances, whose
	// ticks fall at different times.
	for (const kind of ['positions', 'events']) {
		const rows = again[kind];
		for (let i = 0; i < rows.length; i++)
			for (let j = i + 1; j < rows.length; j++)
				assert.ok(rows[i].type !== rows[j].type ||
					rows[i].zone !== rows[j].zone ||
					Math.abs(rows[i].t - rows[j].t) >= 0.9,
				`each of the ${kind} once: ${JSON.stringify(rows)}`);
	}
	assert.ok(again.positions.length >= got.positions.length);
	// And B answers the same from the one database.
	const onB = await b.get(`/api/v1/events?tag=badge-0029&from=${from}`);
	assert.deepEqual(onB.json().events, again.events);
});

test('A killed with an open alarm: B streams on, takes the acknowledgement, and A comes back with it', { skip }, async () => {
	await press(PRESS_2);
	const onA = await alarmOn(a, PRESS_2.tag, 'the alarm on A');
	const onB = await alarmOn(b, PRESS_2.tag, 'the alarm on B');
	assert.equal(onA.id, onB.id);
	assert.equal(onB.open, true);
	const live = await b.live();
	try {
		live.subscribe({ floor: 'f0' });
		await live.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
		await a.kill();
		a = null;
		// Reports keep coming through the broker: B keeps streaming.
		const n = live.messages.length;
		for (let i = 0; i < 3; i++) {
			await broker.publishPlacements([{ tag: 'badge-0028', floor: 'f0',
				x: 10 + 2 * i, y: 12 }]);
			await sleep(400);
		}
		await live.waitFor((m) => m.type === 'positions' &&
			m.tags.some((t) => t.id === 'badge-0028'), 3000,
			'B\'s positions after A died', n);
		const res = await b.post(`/api/v1/alarms/${onB.id}/ack`,
			JSON.stringify({ by: 'Guard Bea on B' }));
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json().open, false);
		// A's lease runs out unrenewed: B writes the history from then
		// on, with what it kept of the seconds before.
		const killed = Date.now() / 1000;
		await until(async () => /db: this trackd writes the history now/
			.test(b.stderr()), 5000 + 3000, 'B writing the history');
		assert.equal(await b.metric('trackd_db_history_writer'), 1);
		assert.equal((await b.get('/healthz')).json().history, 'written here');
		const h = await until(async () => {
			const r = (await b.get('/api/v1/tags/badge-0028/history?from=' +
				`${Math.floor(killed) - 5}`)).json().positions;
			return r.length ? r : null;
		}, 3000, 'the positions of after A died, stored by B');
		assert.ok(h.some((p) => p.t >= killed - 2), JSON.stringify(h));
	} finally {
		live.close();
	}
	a = await startOne('a');
	await connected(a);
	const [back] = await alarmsOf(a, PRESS_2.tag);
	assert.ok(back, 'the alarm is back on A');
	assert.equal(back.id, onB.id);
	assert.equal(back.open, false, 'acknowledged, as B stored it');
	assert.equal(back.acked_by, 'Guard Bea on B');
	// And the first alarm kept its acknowledgement too.
	const [first] = await alarmsOf(a, PRESS_1.tag);
	assert.equal(first.acked_by, 'Guard Amos on A');
});
