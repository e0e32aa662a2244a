// A database that cannot be written (a file-size limit set on the running
// trackd, as a full disk or a quota would): trackd goes on serving live
// positions, says "degraded" in /healthz and counts the failures in
// /metrics, keeps the rows, and writes them once there is room again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

import { feed, sleep, startTrackd, tempDir, until } from './trackd.mjs';

test('no room to write: degraded, live goes on, written once there is room', async () => {
	const db = path.join(tempDir(), 'full.db');
	const trackd = await startTrackd(['--db', db]);
	const pid = String(trackd.proc.pid);
	const tag = 'badge-0041';
	try {
		const ingest = await trackd.ingest();
		const live = await trackd.live();
		live.subscribe({ floor: 'f0' });
		await feed(ingest, [{ tag, floor: 'f0', x: 8.0, y: 11.0 }], 2);
		await until(async () => (await trackd.get('/healthz')).json().db === 'ok',
			3000, 'a first good write');

		// Not one more byte may be written to any file.
		execFileSync('prlimit', ['--pid', pid, '--fsize=1:unlimited']);
		const from = live.messages.length;
		await feed(ingest, [{ tag, floor: 'f0', x: 14.0, y: 11.0 }], 3);
		const health = await until(async () => {
			const h = (await trackd.get('/healthz')).json();
			return h.status === 'degraded' ? h : null;
		}, 5000, '/healthz to say degraded');
		assert.equal((await trackd.get('/healthz')).status, 200);
		assert.ok(health.pending_rows > 0, JSON.stringify(health));
		assert.ok(await trackd.metric('trackd_db_write_failures_total') > 0);
		await live.waitFor((m) => m.type === 'positions' &&
			m.tags.some((t) => t.id === tag && t.x > 11), 3000,
			'live positions during the fault', from);

		// Room again: the kept rows go in.
		execFileSync('prlimit', ['--pid', pid, '--fsize=unlimited:unlimited']);
		await until(async () => (await trackd.get('/healthz')).json().status === 'ok',
			5000, '/healthz to be ok again');
		const rows = (await trackd.get(`/api/v1/tags/${tag}/history`)).json().positions;
		assert.ok(rows.some((r) => r.x > 11), `the rows from the fault: ${JSON.stringify(rows)}`);
		assert.equal(await trackd.metric('trackd_db_dropped_total'), 0);
		ingest.close();
		live.close();
	} finally {
		await trackd.stopClean();
	}
});
