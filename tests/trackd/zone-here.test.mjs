// zone_here and zone_near beside zone in every position the server sends:
// the live stream, REST, alarms, and last positions restored at restart.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { feed, feedOnce, startTrackd, tempDir } from './trackd.mjs';

// Mid-ICU: 4.5 m from its nearest wall, more than the fix's 1-sigma r.
const INSIDE = { tag: 'badge-0011', floor: 'f0', x: 33, y: 4.5 };
// In the main corridor, 0.5 m past the ICU's wall: r reaches into it.
const WALL = { tag: 'badge-0012', floor: 'f0', x: 33, y: 10.0 };

let trackd, ingest, db;

before(async () => {
	db = path.join(tempDir(), 'zone.db');
	trackd = await startTrackd(['--db', db]);
	ingest = await trackd.ingest();
});

after(async () => {
	ingest?.close();
	await trackd?.stopClean();
});

function assertZones(t, here, near, where) {
	assert.ok('zone_here' in t && 'zone_near' in t, `${where}: both fields`);
	assert.equal(t.zone_here, here, `${where}: zone_here`);
	assert.equal(t.zone_near, near, `${where}: zone_near`);
	assert.ok(t.zone === null || typeof t.zone === 'string', `${where}: zone`);
}

test('live stream and REST: the drawn zone, and the one across a wall', async () => {
	const live = await trackd.live();
	live.subscribe({ floor: 'f0' });
	await feed(ingest, [INSIDE, WALL], 5);
	const m = await live.waitFor((x) => x.type === 'positions' &&
		x.tags.some((t) => t.id === WALL.tag && t.zone === 'corridor-f0'),
	5000, 'the wall tag in the corridor after hysteresis');
	const streamed = new Map(live.tags().map((t) => [t.id, t]));
	assertZones(streamed.get(INSIDE.tag), 'icu', null, 'live, inside');
	assertZones(m.tags.find((t) => t.id === WALL.tag), 'corridor-f0', 'icu',
		'live, at the wall');
	// zone stays the hysteresis zone: the same place here.
	assert.equal(m.tags.find((t) => t.id === WALL.tag).zone, 'corridor-f0');

	const one = (await trackd.get(`/api/v1/tags/${WALL.tag}`)).json();
	assertZones(one, 'corridor-f0', 'icu', 'REST tag, at the wall');
	const all = (await trackd.get('/api/v1/tags')).json().tags;
	assertZones(all.find((t) => t.id === INSIDE.tag), 'icu', null, 'REST list, inside');
	assertZones(all.find((t) => t.id === WALL.tag), 'corridor-f0', 'icu',
		'REST list, at the wall');

	// A new subscriber's snapshot carries them too.
	const late = await trackd.live();
	late.subscribe({ floor: 'f0' });
	const snap = await late.waitFor((x) => x.type === 'snapshot', 3000, 'a snapshot');
	assertZones(snap.tags.find((t) => t.id === WALL.tag), 'corridor-f0', 'icu',
		'snapshot, at the wall');
	late.close();
	live.close();
});

test('an alarm\'s position carries them', async () => {
	const live = await trackd.live();
	live.subscribe({ floor: 'f0' });
	await feedOnce(ingest, [{ ...WALL, button: true }]);
	const m = await live.waitFor((x) => x.type === 'alarm' &&
		x.alarm.tag === WALL.tag && x.alarm.position, 3000, 'the alarm');
	assertZones(m.alarm.position, 'corridor-f0', 'icu', 'alarm message');
	const listed = (await trackd.get('/api/v1/alarms')).json().alarms
		.find((a) => a.tag === WALL.tag);
	assertZones(listed.position, 'corridor-f0', 'icu', 'GET alarms');
	live.close();
});

test('restored last positions get them again from x, y and r', async () => {
	ingest.close();
	await trackd.stopClean();
	trackd = await startTrackd(['--db', db]);
	ingest = await trackd.ingest();
	const all = (await trackd.get('/api/v1/tags')).json().tags;
	const inside = all.find((t) => t.id === INSIDE.tag);
	const wall = all.find((t) => t.id === WALL.tag);
	assert.ok(inside && wall, 'both restored');
	assert.ok(wall.r > 0.5, `restored r ${wall.r} reaches the wall`);
	assertZones(inside, 'icu', null, 'restored, inside');
	assertZones(wall, 'corridor-f0', 'icu', 'restored, at the wall');
});
