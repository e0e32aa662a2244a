// Ingest over HTTP: POST /api/v1/ingest takes the same document and gives
// the same answer as a track-ingest.v1 frame.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { assertJsonError, now, startTrackd } from './trackd.mjs';

let trackd;

// No rate limit: one scanner's 1 MiB body is tested here.
before(async () => { trackd = await startTrackd(['--scanner-rate', '0']); });
after(async () => { await trackd?.stopClean(); });

test('good and bad reports in one POST: each on its own', async () => {
	const t = now();
	const res = await trackd.post('/api/v1/ingest', JSON.stringify({
		scanner: 'ap-f1-01',
		reports: [
			{ tag: 'wrist-0008', rssi: -67, t },
			{ tag: 'wrist-0009', rssi: -72, t, tx: -59, button: false },
			{ tag: 'wrist-0010', rssi: -80, t, battery: 55 },
			{ tag: 'wrist-0008', rssi: 5, t },
			{ tag: 'wrist-0009', t },
			{ tag: '', rssi: -70, t },
		],
	}));
	assert.equal(res.status, 200, res.text);
	assert.match(res.type, /application\/json/);
	const answer = res.json();
	assert.equal(answer.accepted, 3);
	assert.deepEqual(answer.rejected.map((r) => r.index), [3, 4, 5]);
	assert.equal(answer.rejected[0].error, 'rssi out of range');
	assert.match(answer.rejected[1].error, /^bad report: /);
	assert.equal(answer.rejected[2].error, 'id empty or too long');
});

test('a POST from an unknown scanner: 200, every report refused', async () => {
	const res = await trackd.post('/api/v1/ingest', JSON.stringify({
		scanner: 'ap-nowhere', reports: [{ tag: 'wrist-0008', rssi: -60, t: now() }],
	}));
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json(), { accepted: 0,
		rejected: [{ index: 0, error: 'unknown scanner' }] });
});

test('invalid JSON: 400 with a JSON error', async () => {
	const res = await trackd.post('/api/v1/ingest', '{"scanner": "ap-f1-01", "rep');
	const body = assertJsonError(res, 400, 'bad request');
	assert.ok(body.detail.length > 0);
});

// Sent with node:http rather than fetch: the server may answer (and close)
// before it has read the whole body, and the answer is what counts.
function postRaw(port, path, body) {
	return new Promise((resolve, reject) => {
		let answered = false;
		const req = http.request({ host: '127.0.0.1', port, path, method: 'POST',
			headers: { 'content-type': 'application/json',
				'content-length': body.length } }, (res) => {
			answered = true;
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => resolve({ status: res.statusCode,
				type: res.headers['content-type'] || '', text,
				json: () => JSON.parse(text) }));
			res.on('error', reject);
		});
		req.on('error', (e) => { if (!answered) reject(e); });
		req.end(body);
	});
}

test('a body over 1 MiB: 413 with a JSON error', async () => {
	const t = now();
	const report = { tag: 'wrist-0011', rssi: -70, t };
	const n = Math.ceil((1 << 20) / JSON.stringify(report).length) + 100;
	const body = Buffer.from(JSON.stringify({ scanner: 'ap-f1-02',
		reports: Array(n).fill(report) }));
	assert.ok(body.length > 1 << 20);
	const res = await postRaw(trackd.port, '/api/v1/ingest', body);
	assertJsonError(res, 413);

	// And the server is still there.
	const ok = await trackd.post('/api/v1/ingest', JSON.stringify({
		scanner: 'ap-f1-02', reports: [{ tag: 'wrist-0011', rssi: -70, t: now() }] }));
	assert.equal(ok.status, 200, ok.text);
	assert.deepEqual(ok.json(), { accepted: 1, rejected: [] });
});

test('a body just under 1 MiB is taken', async () => {
	const t = now();
	const report = { tag: 'wrist-0012', rssi: -70, t };
	const n = Math.floor((1 << 20) / (JSON.stringify(report).length + 1)) - 100;
	const body = JSON.stringify({ scanner: 'ap-f1-03', reports: Array(n).fill(report) });
	assert.ok(body.length < 1 << 20);
	const res = await trackd.post('/api/v1/ingest', body);
	assert.equal(res.status, 200, res.text.slice(0, 500));
	const answer = res.json();
	assert.equal(answer.accepted, n);
	assert.deepEqual(answer.rejected, []);
});
