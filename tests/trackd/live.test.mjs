// Live positions (track-live.v1): a snapshot, then the tags that changed,
// for one floor or one followed tag.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertNear, assertTag, feed, feedOnce, sleep, startTrackd }
	from './trackd.mjs';

let trackd, ingest;
const clients = [];

async function live(subscription) {
	const c = await trackd.live();
	clients.push(c);
	if (subscription)
		c.subscribe(subscription);
	return c;
}

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
});

after(async () => {
	for (const c of clients)
		c.close();
	ingest?.close();
	await trackd?.stopClean();
});

const ON_F0 = { tag: 'badge-0001', floor: 'f0', x: 12.0, y: 6.0 };
const ON_F1 = { tag: 'badge-0002', floor: 'f1', x: 6.0, y: 16.0 };

test('a floor: snapshot, then positions of its tags only, near the truth', async () => {
	const f0 = await live({ floor: 'f0' });
	const snap = await f0.waitFor((m) => m.type === 'snapshot', 3000,
		'the snapshot');
	assert.ok(Array.isArray(snap.tags));
	for (const t of snap.tags) {
		assertTag(t, 'snapshot tag');
		assert.equal(t.floor, 'f0');
	}

	await feed(ingest, [ON_F0, ON_F1], 4);
	await f0.waitFor((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === ON_F0.tag), 2500, `positions of ${ON_F0.tag}`);
	await sleep(1200); // the last round's positions

	const mine = f0.tags(['positions']).filter((t) => t.id === ON_F0.tag);
	assert.ok(mine.length >= 2, `${mine.length} positions of ${ON_F0.tag}`);
	for (const t of mine) {
		assertTag(t, ON_F0.tag);
		assert.equal(t.floor, 'f0');
		assert.equal(t.kind, 'person');
		assert.equal(t.name, 'Helen Marsh, charge nurse (Ward A)');
	}
	assertNear(mine.at(-1), ON_F0.x, ON_F0.y, 2.0);
	assert.ok([null, 'ed'].includes(mine.at(-1).zone), `zone ${mine.at(-1).zone}`);

	// The f1 tag was located, on f1, and never sent to the f0 watcher.
	const other = await trackd.waitLocated(ON_F1.tag);
	assert.equal(other.floor, 'f1');
	for (const t of f0.tags())
		assert.equal(t.floor, 'f0', `${t.id} on ${t.floor} sent to an f0 watcher`);
	assert.ok(!f0.tags().some((t) => t.id === ON_F1.tag),
		`${ON_F1.tag} (on f1) sent to an f0 watcher`);
	for (const m of f0.messages)
		assert.ok(['snapshot', 'positions', 'event', 'alarm', 'stats'].includes(m.type), m.type);
});

test('a floor watcher gets head counts per zone of its floor', async () => {
	const site = (await trackd.get('/api/v1/site')).json();
	const f0Zones = site.zones.filter((z) => z.floor === 'f0').map((z) => z.id);
	const f0 = await live({ floor: 'f0' });
	// The tag stays put until it is in a zone and counted there.
	let zone = null;
	for (let round = 0; round < 20 && !zone; round++) {
		await feed(ingest, [ON_F0], 1);
		zone = (await trackd.get(`/api/v1/tags/${ON_F0.tag}`)).json().zone;
	}
	assert.ok(zone, `${ON_F0.tag} entered a zone`);
	const stats = await f0.waitFor((m) => m.type === 'stats' &&
		m.zones.some((z) => z.id === zone && z.count >= 1), 8000,
		`stats counting ${ON_F0.tag} in ${zone}`);
	assert.equal(stats.floor, 'f0');
	assert.deepEqual(stats.zones.map((z) => z.id).sort(), [...f0Zones].sort());
	assert.ok(stats.tags >= 1, `${stats.tags} tags on f0`);
	assert.ok(Math.abs(stats.t - Date.now() / 1000) < 10, `stats time ${stats.t}`);
});

test('a new watcher\'s snapshot has the tags already on its floor', async () => {
	const a = { tag: 'badge-0010', floor: 'f0', x: 44.0, y: 17.0 };
	const b = { tag: 'badge-0011', floor: 'f1', x: 22.0, y: 5.0 };
	await feed(ingest, [a, b], 3);
	for (const { tag } of [a, b])
		await trackd.waitLocated(tag);
	const f0 = await live({ floor: 'f0' });
	const f1 = await live({ floor: 'f1' });
	const s0 = await f0.waitFor((m) => m.type === 'snapshot', 3000, 'f0 snapshot');
	const s1 = await f1.waitFor((m) => m.type === 'snapshot', 3000, 'f1 snapshot');
	const t0 = s0.tags.find((t) => t.id === a.tag);
	const t1 = s1.tags.find((t) => t.id === b.tag);
	assert.ok(t0, `${a.tag} in the f0 snapshot`);
	assert.ok(t1, `${b.tag} in the f1 snapshot`);
	assertTag(t0);
	assertTag(t1);
	assertNear(t0, a.x, a.y, 2.0);
	assertNear(t1, b.x, b.y, 2.0);
	assert.equal(t0.floor, 'f0');
	assert.equal(t1.floor, 'f1');
	for (const t of s0.tags)
		assert.equal(t.floor, 'f0');
	for (const t of s1.tags)
		assert.equal(t.floor, 'f1');
});

test('following one tag: that tag only', async () => {
	const followed = { tag: 'badge-0003', floor: 'f0', x: 30.0, y: 11.0 };
	const other = { tag: 'badge-0004', floor: 'f0', x: 36.0, y: 17.0 };
	const c = await live({ tag: followed.tag });
	await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');

	await feed(ingest, [followed, other], 3);
	await c.waitFor((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === followed.tag), 2500,
		`positions of ${followed.tag}`);
	await sleep(1200);

	const tags = c.tags();
	assert.ok(tags.length > 0);
	for (const t of tags)
		assert.equal(t.id, followed.tag, `${t.id} sent to a follower of ${followed.tag}`);
	assertNear(tags.at(-1), followed.x, followed.y, 2.0);
	for (const ev of c.events())
		if (ev.type !== 'distress')
			assert.equal(ev.tag, followed.tag);
});

test('a bad subscription does not close the socket', async () => {
	const c = await live();
	c.ws.send('this is not JSON');
	c.ws.send(JSON.stringify({ subscribe: { floor: 'f9' } }));
	await sleep(300);
	assert.ok(!c.messages.some((m) => m.type === 'snapshot' || m.type === 'positions'),
		'nothing but errors before a good subscription');
	c.subscribe({ floor: 'f1' });
	const snap = await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
	for (const t of snap.tags)
		assert.equal(t.floor, 'f1');
});

test('positions at most a few times a second, even with a fast tick', async () => {
	const fast = await startTrackd(['--tick-ms', '100']);
	try {
		const ing = await fast.ingest();
		const c = await fast.live();
		c.subscribe({ floor: 'f0' });
		await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
		// Reports every 100 ms for 3 s: something changes at every tick.
		const placement = { tag: 'badge-0005', floor: 'f0', x: 40.0, y: 5.0 };
		const start = Date.now();
		while (Date.now() - start < 3000) {
			await feedOnce(ing, [placement]);
			await sleep(100);
		}
		const pos = c.messages.filter((m) => m.type === 'positions');
		// Count over the last 2 s, once the tag is located.
		const window = pos.filter((m) => m.received >= start + 1000);
		assert.ok(window.length >= 2, `${window.length} positions messages in 2 s`);
		assert.ok(window.length <= 12, `${window.length} positions messages in 2 s; ` +
			'about 4 a second at most expected');
		c.close();
		ing.close();
	} finally {
		await fast.stopClean();
	}
});

test('a tag that goes to another floor is named as gone to its old floor\'s watchers', async () => {
	const tag = 'badge-0009';
	const f0 = await live({ floor: 'f0' });
	await feed(ingest, [{ tag, floor: 'f0', x: 14.0, y: 11.0 }], 2);
	await f0.waitFor((m) => m.type === 'positions' && m.tags.some((t) => t.id === tag),
		3000, `${tag} on f0`);
	const gone = f0.waitFor((m) => m.type === 'positions' && m.gone?.includes(tag),
		12000, `${tag} gone from f0`);
	gone.catch(() => {});
	const f1 = await live({ floor: 'f1' });
	await feed(ingest, [{ tag, floor: 'f1', x: 14.0, y: 11.0 }], 8,
		() => f1.tags().some((t) => t.id === tag && t.floor === 'f1'));
	const m = await gone;
	assert.ok(!m.tags.some((t) => t.id === tag), 'not also among the f0 positions');
	assert.equal((await trackd.get(`/api/v1/tags/${tag}`)).json().floor, 'f1');
});
