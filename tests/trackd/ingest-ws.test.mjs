// Ingest over WebSocket (track-ingest.v1): one answer per frame, every
// report accepted or refused on its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { now, startTrackd } from './trackd.mjs';

let trackd, ingest;

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
});

after(async () => {
	ingest?.close();
	await trackd?.stopClean();
});

test('good and bad reports in one frame: each on its own', async () => {
	const t = now();
	const answer = await ingest.send({
		scanner: 'ap-f0-01',
		reports: [
			{ tag: 'wrist-0001', rssi: -67, t },
			{ tag: 'wrist-0002', rssi: -71.5, t, tx: -59, battery: 80 },
			{ tag: 'wrist-0003', rssi: -80, t, button: false },
			{ tag: 'wrist-0001', rssi: 5, t },
			{ tag: 'wrist-0002', t },
			{ tag: '', rssi: -70, t },
		],
	});
	assert.equal(answer.accepted, 3);
	assert.deepEqual(answer.rejected.map((r) => r.index), [3, 4, 5]);
	assert.equal(answer.rejected[0].error, 'rssi out of range');
	assert.match(answer.rejected[1].error, /^bad report: /);
	assert.equal(answer.rejected[2].error, 'id empty or too long');
});

test('a frame from an unknown scanner: every report refused', async () => {
	const t = now();
	const answer = await ingest.send({
		scanner: 'ap-nowhere',
		reports: [{ tag: 'wrist-0001', rssi: -67, t },
			{ tag: 'wrist-0002', rssi: -60, t }],
	});
	assert.deepEqual(answer, { accepted: 0, rejected: [
		{ index: 0, error: 'unknown scanner' },
		{ index: 1, error: 'unknown scanner' },
	] });
});

test('malformed reports and out-of-range values', async () => {
	const t = now();
	const answer = await ingest.send({
		scanner: 'ap-f0-02',
		reports: [
			{ rssi: -60, t },                       // no tag
			{ tag: 'wrist-0004', rssi: '-60', t },  // rssi a string
			{ tag: 42, rssi: -60, t },              // tag a number
			'not an object',
			{ tag: 'wrist-0004', rssi: -128, t },
			{ tag: 'x'.repeat(200), rssi: -60, t },
			{ tag: 'wrist-0004', rssi: -60, t },    // the good one
		],
	});
	assert.equal(answer.accepted, 1);
	assert.deepEqual(answer.rejected.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
	for (const r of answer.rejected.slice(0, 4))
		assert.match(r.error, /^bad report: /, `report ${r.index}`);
	assert.equal(answer.rejected[4].error, 'rssi out of range');
	assert.equal(answer.rejected[5].error, 'id empty or too long');
});

test('a report far older than the tag\'s newest is refused as late', async () => {
	const t = now();
	const answer = await ingest.send({
		scanner: 'ap-f0-03',
		reports: [{ tag: 'wrist-0005', rssi: -65, t },
			{ tag: 'wrist-0005', rssi: -65, t: t - 10 }],
	});
	assert.deepEqual(answer, { accepted: 1, rejected: [
		{ index: 1, error: 'time went backwards for this tag' },
	] });
});

test('a frame that is not an ingest document: an error answer, socket open', async () => {
	let answer = await ingest.send('{"scanner": "ap-f0-01", "reports": [');
	assert.equal(answer.accepted, 0);
	assert.deepEqual(answer.rejected, []);
	assert.equal(typeof answer.error, 'string');
	assert.ok(answer.error.length > 0);

	for (const doc of [{ reports: [] }, { scanner: 'ap-f0-01' },
		{ scanner: 'ap-f0-01', reports: {} }, [1, 2]]) {
		answer = await ingest.send(doc);
		assert.equal(answer.accepted, 0, JSON.stringify(doc));
		assert.deepEqual(answer.rejected, [], JSON.stringify(doc));
		assert.equal(typeof answer.error, 'string', JSON.stringify(doc));
	}

	// Still the same socket, still answering.
	answer = await ingest.send({ scanner: 'ap-f0-01',
		reports: [{ tag: 'wrist-0006', rssi: -70, t: now() }] });
	assert.deepEqual(answer, { accepted: 1, rejected: [] });
	assert.equal(ingest.ws.readyState, WebSocket.OPEN);
});

test('answers come back in order, one per frame', async () => {
	const t = now();
	const frames = [];
	for (let i = 0; i < 40; i++)
		frames.push({ scanner: 'ap-f0-04', reports: Array.from({ length: i % 5 },
			(_, k) => ({ tag: `wrist-0007`, rssi: -60 - k, t: t + i * 0.01 })) });
	const answers = await Promise.all(frames.map((f) => ingest.send(f)));
	assert.deepEqual(answers.map((a) => a.accepted), frames.map((f) => f.reports.length));
});
