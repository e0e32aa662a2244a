// Revocation ends what is already open: a live stream or an ingest socket
// whose token is revoked (or that came while access was open, once the
// first token closes it) is closed with 1008 and the reason, within a few
// seconds, and gets nothing more; other callers' sockets stay.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';

import { TRACKD, feedOnce, makeToken, sleep, startTrackd, tempDir } from './trackd.mjs';

const PERSON = { tag: 'badge-0001', floor: 'f0', x: 12.0, y: 6.0 };
const started = [];

after(async () => {
	for (const t of started)
		await t.stopClean();
});

// {code, reason} of ws's close, or null when it stays open for ms.
function closeOf(ws, ms) {
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(null), ms);
		ws.addEventListener('close', (ev) => {
			clearTimeout(timer);
			resolve({ code: ev.code, reason: ev.reason });
		});
	});
}

function revoke(db, name) {
	const list = execFileSync(TRACKD, ['token', 'list', '--db', db], { encoding: 'utf8' });
	const id = list.split('\n').find((l) => l.endsWith(` ${name}`)).trim().split(/\s+/)[0];
	execFileSync(TRACKD, ['token', 'revoke', id, '--db', db]);
}

test('a revoked token\'s live stream and ingest socket are closed, with the reason', async () => {
	const db = path.join(tempDir(), 'revoke.db');
	const tok = {
		guard: makeToken(db, 'security', 'guard'),
		other: makeToken(db, 'security', 'other guard'),
		scanner: makeToken(db, 'scanner', 'scanner one'),
		spare: makeToken(db, 'scanner', 'scanner two'),
	};
	const trackd = await startTrackd(['--db', db]);
	started.push(trackd);
	const guard = await trackd.live(tok.guard);
	const other = await trackd.live(tok.other);
	const ingest = await trackd.ingest(tok.scanner);
	const spare = await trackd.ingest(tok.spare);
	for (const c of [guard, other]) {
		c.subscribe({ floor: 'f0' });
		await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
	}
	await feedOnce(ingest, [PERSON]);
	await guard.waitFor((m) => m.type === 'positions', 3000, 'positions before');

	const closed = [closeOf(guard.ws, 4000), closeOf(ingest.ws, 4000)];
	const t0 = Date.now();
	revoke(db, 'guard');
	revoke(db, 'scanner one');
	const [live, scanner] = await Promise.all(closed);
	assert.deepEqual(live, { code: 1008, reason: 'token revoked' },
		'the revoked guard\'s stream is closed within 4 s');
	assert.deepEqual(scanner, { code: 1008, reason: 'token revoked' },
		'the revoked scanner\'s socket is closed within 4 s');
	assert.ok(Date.now() - t0 < 3000, `closed ${Date.now() - t0} ms after the revocation`);
	const kept = guard.messages.length;

	// The others go on: the spare scanner is heard, the other guard sees it.
	const from = other.messages.length;
	await feedOnce(spare, [{ ...PERSON, x: 14.0 }]);
	await other.waitFor((m) => m.type === 'positions', 3000, 'positions after', from);
	await sleep(300);
	assert.equal(guard.messages.length, kept, 'nothing reaches a closed stream');
	for (const c of [other, spare])
		c.close();
});

test('sockets opened while access was open are closed by the first token', async () => {
	const db = path.join(tempDir(), 'open.db');
	const trackd = await startTrackd(['--db', db]);
	started.push(trackd);
	const live = await trackd.live(null);
	const ingest = await trackd.ingest(null);
	live.subscribe({ floor: 'f0' });
	await live.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
	const closed = [closeOf(live.ws, 4000), closeOf(ingest.ws, 4000)];
	makeToken(db, 'admin', 'first');
	for (const c of await Promise.all(closed))
		assert.deepEqual(c, { code: 1008, reason: 'access now needs a token' });
});
