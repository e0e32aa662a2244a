// Other web pages: a browser lets any page open a WebSocket to trackd or
// POST a form or text/plain body to it without asking. trackd takes
// WebSockets and POSTs with no Origin (scanners, curl) or from its own page
// (or --allow-origin) only, and refuses simple body types with 415.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertJsonError, now, rawWebSocket, startTrackd } from './trackd.mjs';

const FOREIGN = 'http://evil.example';
const LISTED = 'https://track.example.org';
let trackd;

before(async () => { trackd = await startTrackd(['--allow-origin', `${LISTED}, https://b.example`]); });
after(async () => { await trackd?.stopClean(); });

// true when the upgrade to protocol succeeds with these headers.
async function upgrades(protocol, headers) {
	try {
		(await rawWebSocket(trackd.port, protocol, headers)).destroy();
		return true;
	} catch {
		return false;
	}
}

test('WebSockets: no Origin, the own page or a listed one; no other', async () => {
	const own = `http://127.0.0.1:${trackd.port}`;
	for (const protocol of ['track-ingest.v1', 'track-live.v1']) {
		assert.ok(await upgrades(protocol, {}), `${protocol} without Origin`);
		assert.ok(await upgrades(protocol, { Origin: own }), `${protocol} from ${own}`);
		assert.ok(await upgrades(protocol, { Origin: LISTED }), `${protocol} from ${LISTED}`);
		for (const o of [FOREIGN, 'null', `http://127.0.0.1:${trackd.port + 1}`,
			`${own}.evil.example`, 'https://track.example.org.evil'])
			assert.ok(!(await upgrades(protocol, { Origin: o })), `${protocol} from ${o} refused`);
	}
	assert.match(trackd.stderr(), /cross-origin request refused: Origin http:\/\/evil\.example/);
});

const doc = () => JSON.stringify({ scanner: 'ap-f0-01',
	reports: [{ tag: 'pump-001', rssi: -60, t: now() }] });

async function post(path, body, headers) {
	const res = await fetch(trackd.http + path, { method: 'POST', body, headers });
	const text = await res.text();
	return { status: res.status, type: res.headers.get('content-type') || '', text,
		json: () => JSON.parse(text) };
}

test('POST: simple body types are refused with 415, JSON is taken', async () => {
	for (const type of ['text/plain', 'text/plain;charset=UTF-8',
		'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
		'Text/Plain']) {
		for (const path of ['/api/v1/ingest', '/api/v1/alarms/1/ack']) {
			const body = assertJsonError(await post(path, doc(), { 'content-type': type }),
				415, 'unsupported media type');
			assert.match(body.detail, /application\/json/);
		}
	}
	const ok = await post('/api/v1/ingest', doc(), { 'content-type': 'application/json' });
	assert.equal(ok.status, 200, ok.text);
	// The same connection goes on after a refusal (the body was read).
	const again = await post('/api/v1/ingest', doc(), { 'content-type': 'application/json' });
	assert.deepEqual(again.json(), { accepted: 1, rejected: [] });
});

test('POST from another page\'s Origin: 403, from the own page: taken', async () => {
	const json = { 'content-type': 'application/json' };
	const body = assertJsonError(await post('/api/v1/ingest', doc(), { ...json, origin: FOREIGN }),
		403, 'forbidden');
	assert.match(body.detail, /cross-origin/);
	const own = await post('/api/v1/ingest', doc(),
		{ ...json, origin: `http://127.0.0.1:${trackd.port}` });
	assert.equal(own.status, 200, own.text);
});
