// Events on the live stream: zone entry, and the badge's call button.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feed, feedOnce, loadSite, now, sleep, startTrackd } from './trackd.mjs';

let trackd, ingest;
const clients = [];

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

async function live(subscription) {
	const c = await trackd.live();
	clients.push(c);
	c.subscribe(subscription);
	await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
	return c;
}

// Even-odd rule.
function inside(poly, x, y) {
	let in_ = false;
	for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
		const [xi, yi] = poly[i], [xj, yj] = poly[j];
		if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi)
			in_ = !in_;
	}
	return in_;
}

test('six seconds in the ICU: zone_enter icu', async () => {
	const icu = loadSite().zones.find((z) => z.id === 'icu');
	const place = { tag: 'badge-0007', floor: 'f0', x: 31.0, y: 5.0 };
	assert.ok(inside(icu.polygon, place.x, place.y), 'the place is in the ICU');
	const c = await live({ floor: 'f0' });

	const isEnter = (m) => m.type === 'event' && m.event.type === 'zone_enter' &&
		m.event.tag === place.tag;
	const waiting = c.waitFor(isEnter, 9000, `zone_enter of ${place.tag}`);
	waiting.catch(() => {}); // awaited below, after the feeding
	await feed(ingest, [place], 6);
	const { event } = await waiting;
	assert.equal(event.zone, 'icu');
	assert.equal(event.floor, 'f0');
	assert.ok(Number.isFinite(event.t) && Math.abs(event.t - now()) < 15,
		`t ${event.t}`);
	if (event.x !== null && event.x !== undefined)
		assert.ok(inside(icu.polygon, event.x, event.y),
			`(${event.x}, ${event.y}) in the ICU`);
	// One entry, not one per tick.
	await sleep(1000);
	assert.equal(c.messages.filter(isEnter).length, 1);
});

test('a button press: distress within 2 s', async () => {
	const place = { tag: 'badge-0008', floor: 'f0', x: 40.0, y: 17.0 };
	const c = await live({ floor: 'f0' });
	await feed(ingest, [place], 3);
	await c.waitFor((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === place.tag), 2500, `positions of ${place.tag}`);

	const isDistress = (m) => m.type === 'event' && m.event.type === 'distress' &&
		m.event.tag === place.tag;
	assert.ok(!c.messages.some(isDistress), 'no distress before the press');
	const pressed = Date.now();
	await feedOnce(ingest, [{ ...place, button: true }]);
	const m = await c.waitFor(isDistress, 2000, `distress of ${place.tag}`);
	assert.ok(m.received - pressed <= 2000, `${m.received - pressed} ms after the press`);
	assert.equal(m.event.floor, 'f0');
	// Many scanners heard the one press: one event.
	await sleep(1000);
	assert.equal(c.messages.filter(isDistress).length, 1);
});

test('a press in a refused measurement still raises distress', async () => {
	const tag = 'badge-0009';
	const c = await live({ tag });
	const pressed = Date.now();
	const answer = await ingest.send({ scanner: 'ap-f0-01',
		reports: [{ tag, rssi: -200, t: now(), button: true }] });
	assert.deepEqual(answer, { accepted: 0,
		rejected: [{ index: 0, error: 'rssi out of range' }] });
	const m = await c.waitFor((x) => x.type === 'event' &&
		x.event.type === 'distress' && x.event.tag === tag, 2000,
		`distress of ${tag}`);
	assert.ok(m.received - pressed <= 2000);
});

test('a press through a scanner the site does not have raises nothing', async () => {
	const tag = 'badge-0010';
	const c = await live({ tag });
	const answer = await ingest.send({ scanner: 'ap-nowhere',
		reports: [{ tag, rssi: -60, t: now(), button: true }] });
	assert.deepEqual(answer, { accepted: 0,
		rejected: [{ index: 0, error: 'press refused: unknown scanner' }] });
	await sleep(1000);
	assert.ok(!c.messages.some((x) => x.type === 'event' &&
		x.event.type === 'distress' && x.event.tag === tag), 'no distress');
});

test('GET /api/v1/events without a database: newest first, a page at a time', async () => {
	const all = (await trackd.get('/api/v1/events')).json();
	assert.ok(all.events.length >= 3, `${all.events.length} events so far`);
	assert.equal(all.truncated, false);
	assert.equal(all.next, null);
	const ts = all.events.map((e) => e.t);
	assert.deepEqual(ts, [...ts].sort((a, b) => b - a), 'newest first');
	// One a page, following next: the same events, none twice.
	const paged = [];
	let cursor = null;
	do {
		const page = (await trackd.get('/api/v1/events?limit=1' +
			(cursor ? `&before=${cursor}` : ''))).json();
		assert.ok(page.events.length <= 1);
		paged.push(...page.events);
		cursor = page.next;
	} while (cursor && paged.length <= all.events.length);
	assert.deepEqual(paged, all.events);
});
