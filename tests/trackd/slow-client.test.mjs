// A live client that subscribes and then never reads must not hold up the
// others: the server has to notice the stalled socket and move on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertNear, feedOnce, loadSite, rawWebSocket, sleep, startTrackd,
	wsFrame } from './trackd.mjs';

let trackd;

before(async () => { trackd = await startTrackd(); });
after(async () => { await trackd?.stopClean(); });

test('a client that never reads does not stop the others', async () => {
	const target = { tag: 'badge-0005', floor: 'f0', x: 25.0, y: 16.0 };
	// Every other site tag on a grid over f0, so that every positions
	// message and every snapshot is large (tens of kB) and the stalled
	// connection's buffers fill within the test.
	const crowd = loadSite().tags.filter((t) => t.id !== target.tag)
		.map((t, i) => ({ tag: t.id, floor: 'f0', x: 3 + (i % 11) * 4.2,
			y: 2 + Math.floor(i / 11) * 2.5 }));
	const ingest = await trackd.ingest();

	const stalled = await rawWebSocket(trackd.port, 'track-live.v1');
	stalled.on('error', () => {}); // the server may drop it: that is fine
	stalled.write(wsFrame(JSON.stringify({ subscribe: { floor: 'f0' } })));

	const normal = await trackd.live();
	normal.subscribe({ floor: 'f0' });
	await normal.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');

	const start = Date.now();
	let round = 0;
	while (Date.now() - start < 5000) {
		if (Date.now() >= start + round * 1000) {
			await feedOnce(ingest, [target, ...crowd]);
			round++;
		}
		// Keep asking the stalled client for snapshots it will never read.
		if (!stalled.destroyed)
			stalled.write(wsFrame(JSON.stringify({ subscribe: { floor: 'f0' } })));
		await sleep(50);
	}
	await sleep(1200);

	const got = normal.messages.filter((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === target.tag));
	assert.ok(got.length >= 4, `${got.length} positions of ${target.tag} ` +
		'in 5 s of feeding; 4 or more expected');
	for (let i = 1; i < got.length; i++)
		assert.ok(got[i].received - got[i - 1].received < 2500,
			`${got[i].received - got[i - 1].received} ms without positions`);
	const last = got.at(-1).tags.find((t) => t.id === target.tag);
	assertNear(last, target.x, target.y, 2.0);
	assert.ok(got.at(-1).tags.length > 20, 'the crowd is in the positions too');

	// Still serving.
	const health = await trackd.get('/healthz');
	assert.equal(health.status, 200);
	assert.ok(!normal.closed, 'the normal client is still connected');

	stalled.destroy();
	normal.close();
	ingest.close();
});
