// What the engine learns of each scanner's radio shows in /metrics
// (trackd_scanner_offset_db{scanner="..."}): a scanner that reads hot
// stands out, the others stay near zero.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { hearing, now, sleep, startTrackd } from './trackd.mjs';

let trackd, ingest;

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
});

after(async () => {
	ingest?.close();
	await trackd?.stopClean();
});

async function offsets() {
	const text = (await trackd.get('/metrics')).text;
	const out = {};
	for (const m of text.matchAll(/^trackd_scanner_offset_db\{scanner="([^"]+)"\} (-?[\d.]+)$/gm))
		out[m[1]] = Number(m[2]);
	return out;
}

test('a scanner reading 8 dB hot is learned; the others stay near zero', async () => {
	const HOT = 'ap-f0-06';
	// Two badges walking the ground floor's corridor and rooms for 25 s.
	for (let i = 0; i < 25; i++) {
		const t = now();
		const frames = new Map();
		for (const [tag, x, y] of [['badge-0001', 6 + 1.5 * i, 11],
			['badge-0002', 44 - 1.5 * i, 5 + (i % 5) * 3]])
			for (const { scanner, rssi } of hearing('f0', x, y))
				(frames.get(scanner) ?? frames.set(scanner, []).get(scanner))
					.push({ tag, t, rssi: rssi + (scanner === HOT ? 8 : 0) });
		await Promise.all([...frames].map(([scanner, reports]) =>
			ingest.send({ scanner, reports })));
		await sleep(1000);
	}
	const off = await offsets();
	assert.equal(Object.keys(off).length, 44, 'one gauge per scanner of the site');
	assert.ok(off[HOT] > 3, `${HOT} learned ${off[HOT]} dB`);
	for (const [id, v] of Object.entries(off))
		if (id !== HOT)
			assert.ok(Math.abs(v) < 1.5, `${id}: ${v} dB`);
});
