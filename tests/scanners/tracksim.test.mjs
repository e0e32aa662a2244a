// tracksim --server through the shared ingest client: live reports reach
// a real trackd, and with no trackd it retries, then gives up at the end
// and says what it dropped.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { SITE } from '../trackd/trackd.mjs';
import { BUILD, freePort, runToEnd, trackdOn } from './procs.mjs';

const TRACKSIM = process.env.TRACKSIM || path.join(BUILD, 'scanners', 'tracksim');

test('tracksim --server feeds a real trackd', async () => {
	const trackd = await trackdOn(await freePort());
	try {
		const r = await runToEnd(TRACKSIM, ['--server', trackd.ws, '--site', SITE,
			'--duration', '3', '--token', 'scanner-secret']);
		assert.equal(r.code, 0, r.stderr);
		const m = /(\d+) reports sent \((\d+) accepted, 0 rejected\), 0 dropped/
			.exec(r.stderr);
		assert.ok(m && Number(m[1]) > 0 && m[1] === m[2], r.stderr);
		assert.equal(await trackd.metric('trackd_reports_total'), Number(m[2]));
	} finally {
		await trackd.kill();
	}
});

test('tracksim --server without a trackd retries, then counts what it dropped', async () => {
	const port = await freePort();
	const r = await runToEnd(TRACKSIM, ['--server', `ws://127.0.0.1:${port}/`,
		'--site', SITE, '--duration', '2']);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /cannot connect to ws:\/\/127\.0\.0\.1:\d+\/.*retrying in/);
	assert.match(r.stderr, /0 reports sent \(0 accepted, 0 rejected\), [1-9]\d* dropped/);
});
