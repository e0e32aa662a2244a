// History in PostgreSQL (--db postgresql://...), against a real server
// started for this file: positions and events stored and read back, a
// restart keeping history and the open alarm, tokens made with trackd
// token --db URL closing access at once, and the server restarted under
// trackd: degraded, then healthy, every row kept and written.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertJsonError, feed, feedOnce, makeToken, sleep, startPostgres,
	startTrackd, until } from './trackd.mjs';

const pg = startPostgres();
const skip = pg ? false : 'no PostgreSQL server programs (initdb) installed';
const TAG = 'badge-0024';

async function alarmsOf(trackd, tag) {
	const res = await trackd.get('/api/v1/alarms');
	assert.equal(res.status, 200, res.text);
	return res.json().alarms.filter((a) => a.tag === tag);
}

async function committed(trackd) {
	await until(async () => await trackd.metric('trackd_db_pending_rows') === 0,
		5000, 'the pending rows to be committed');
}

let alarmId;

test('positions, events and an open alarm stored, and back after a restart', { skip }, async () => {
	let trackd = await startTrackd(['--db', pg.url]);
	try {
		assert.match(trackd.stdout(), / db postgresql:\/\//, trackd.stdout());
		const ingest = await trackd.ingest();
		// Walking east, 1.5 m a second: kept as a few rows.
		for (let i = 0; i < 6; i++) {
			await feedOnce(ingest, [{ tag: TAG, floor: 'f0', x: 8 + 1.5 * i,
				y: 11 }]);
			await sleep(1000);
		}
		await feedOnce(ingest, [{ tag: TAG, floor: 'f0', x: 16, y: 11,
			button: true }]);
		const [alarm] = await until(async () => alarmsOf(trackd, TAG)
			.then((a) => a.length ? a : null), 3000, 'the alarm');
		assert.equal(alarm.open, true);
		alarmId = alarm.id;
		await committed(trackd);
		ingest.close();
	} finally {
		await trackd.stopClean();
	}

	trackd = await startTrackd(['--db', pg.url]);
	try {
		const rows = (await trackd.get(`/api/v1/tags/${TAG}/history`)).json()
			.positions;
		assert.ok(rows.length >= 2, `history kept: ${JSON.stringify(rows)}`);
		assert.ok(rows.at(-1).x > rows[0].x, 'oldest first, going east');
		const ev = (await trackd.get(`/api/v1/events?tag=${TAG}&type=distress`))
			.json().events;
		assert.equal(ev.length, 1, JSON.stringify(ev));
		const [alarm] = await alarmsOf(trackd, TAG);
		assert.equal(alarm.id, alarmId);
		assert.equal(alarm.open, true, 'the alarm is still open');
		const res = await trackd.post(`/api/v1/alarms/${alarmId}/ack`,
			JSON.stringify({ by: 'Nurse Ratched' }));
		assert.equal(res.status, 200, res.text);
		assertJsonError(await trackd.post(`/api/v1/alarms/${alarmId}/ack`,
			JSON.stringify({ by: 'someone else' })), 409);
	} finally {
		await trackd.stopClean();
	}
});

test('a token made with trackd token add --db URL closes access within a second', { skip }, async () => {
	const trackd = await startTrackd(['--db', pg.url]);
	try {
		assert.equal((await trackd.get('/api/v1/tags')).status, 200, 'open');
		const token = makeToken(pg.url, 'admin', 'pg admin');
		const t0 = Date.now();
		await until(async () => (await trackd.get('/api/v1/tags', null)).status === 401,
			2000, 'access to close');
		assert.ok(Date.now() - t0 < 1500, `closed after ${Date.now() - t0} ms`);
		assert.equal((await trackd.get('/api/v1/tags', token)).status, 200);
	} finally {
		await trackd.stopClean();
	}
});

test('PostgreSQL restarted under trackd: degraded, then healthy, no row lost', { skip }, async () => {
	const token = makeToken(pg.url, 'admin', 'restart admin');
	const trackd = await startTrackd(['--db', pg.url]);
	trackd.token = token;
	const tag = 'badge-0025';
	try {
		const ingest = await trackd.ingest();
		await feed(ingest, [{ tag, floor: 'f0', x: 8, y: 11 }], 2);
		await committed(trackd);

		pg.stop();
		await feed(ingest, [{ tag, floor: 'f0', x: 14, y: 11 }], 3);
		const health = await until(async () => {
			const h = (await trackd.get('/healthz')).json();
			return h.status === 'degraded' ? h : null;
		}, 5000, '/healthz to say degraded');
		assert.ok(health.pending_rows > 0, JSON.stringify(health));
		assert.ok(await trackd.metric('trackd_db_write_failures_total') > 0);

		pg.startAgain();
		await until(async () => (await trackd.get('/healthz')).json().status === 'ok',
			5000, '/healthz to be ok again');
		await committed(trackd);
		const rows = (await trackd.get(`/api/v1/tags/${tag}/history`)).json()
			.positions;
		assert.ok(rows.some((r) => r.x < 11), `rows before: ${JSON.stringify(rows)}`);
		assert.ok(rows.some((r) => r.x > 11), `rows from the outage: ${JSON.stringify(rows)}`);
		assert.equal(await trackd.metric('trackd_db_dropped_total'), 0);
		// And written after it.
		await feed(ingest, [{ tag, floor: 'f0', x: 20, y: 11 }], 2);
		await committed(trackd);
		const after = (await trackd.get(`/api/v1/tags/${tag}/history`)).json()
			.positions;
		assert.ok(after.some((r) => r.x > 17), `rows after: ${JSON.stringify(after)}`);
		ingest.close();
	} finally {
		await trackd.stopClean();
	}
});
