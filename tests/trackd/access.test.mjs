// Access: tokens with one role each, checked on every endpoint and both
// WebSocket protocols (a table of role x endpoint), the audit trail of
// every look-up of a person, revocation, and the open access of a server
// that has no token yet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { TRACKD, feed, makeToken, sleep, startTrackd, tempDir } from './trackd.mjs';

const ROLES = ['scanner', 'viewer', 'security', 'responder', 'manager', 'admin'];
const PERSON = { tag: 'badge-0001', floor: 'f0', x: 12.0, y: 6.0 };
const ASSET = { tag: 'pump-001', floor: 'f0', x: 20.0, y: 11.0 };

let trackd, db;
const token = {};

before(async () => {
	db = path.join(tempDir(), 'access.db');
	for (const role of ROLES)
		token[role] = makeToken(db, role, `${role} one`);
	trackd = await startTrackd(['--db', db]);
	const ingest = await trackd.ingest(token.scanner);
	await feed(ingest, [PERSON, ASSET], 3);
	ingest.close();
	trackd.token = token.admin;
	await trackd.waitLocated(PERSON.tag);
	await trackd.waitLocated(ASSET.tag);
});

after(async () => { await trackd?.stopClean(); });

// Expected status per role, in ROLES order.
const S = 'scanner', V = 'viewer', SE = 'security', R = 'responder', M = 'manager', A = 'admin';
const allow = (...who) => ROLES.map((r) => (who.includes(r) ? 200 : 403));
const TABLE = [
	['/api/v1/whoami', allow(S, V, SE, R, M, A)],
	['/metrics', allow(A)],
	['/api/v1/site', allow(V, SE, R, M, A)],
	['/api/v1/site/floors/f0/image', allow(V, SE, R, M, A)],
	['/api/v1/tags', allow(V, SE, R, M, A)],
	[`/api/v1/tags/${ASSET.tag}`, allow(V, SE, R, M, A)],
	[`/api/v1/tags/${PERSON.tag}`, allow(SE, R, A)],
	[`/api/v1/tags/${ASSET.tag}/history`, allow(V, SE, R, M, A)],
	[`/api/v1/tags/${PERSON.tag}/history`, allow(SE, A)],
	['/api/v1/events', allow(SE, A)],
	['/api/v1/search?q=a', allow(V, SE, R, M, A)],
	['/api/v1/alarms', allow(SE, R, A)],
	['/api/v1/reports/occupancy', allow(M, A)],
	['/api/v1/reports/utilization', allow(M, A)],
	['/api/v1/audit', allow(A)],
];

test('each role against each endpoint', async () => {
	for (const [url, want] of TABLE)
		for (const [i, role] of ROLES.entries()) {
			const res = await trackd.get(url, token[role]);
			assert.equal(res.status, want[i], `${role} GET ${url}: ${res.text.slice(0, 200)}`);
			if (res.status === 403) {
				assert.match(res.type, /application\/json/);
				assert.equal(res.json().error, 'forbidden');
			}
		}
});

test('no token, a wrong token: 401 as JSON; /healthz and the page stay open', async () => {
	for (const [url] of TABLE)
		for (const t of [null, 'trk_' + '0'.repeat(64), token.admin.slice(0, -1)]) {
			const res = await trackd.get(url, t);
			assert.equal(res.status, 401, `GET ${url} with ${t}`);
			assert.equal(res.json().error, 'unauthorized');
		}
	assert.equal((await trackd.get('/healthz', null)).status, 200);
	assert.equal((await trackd.get('/', null)).status, 200);
	// The token in the URL works too (for downloads from the page).
	const res = await trackd.get(`/api/v1/site?token=${token.viewer}`, null);
	assert.equal(res.status, 200);
});

test('whoami names the role and the token', async () => {
	for (const role of ROLES)
		assert.deepEqual((await trackd.get('/api/v1/whoami', token[role])).json(),
			{ role, name: `${role} one`, auth_required: true, peers: [] });
});

test('people are left out for roles that may not see them', async () => {
	const ids = async (role, url) => (await trackd.get(url, token[role])).json().tags
		.map((t) => t.id);
	for (const role of ['viewer', 'manager']) {
		assert.ok((await ids(role, '/api/v1/tags')).includes(ASSET.tag));
		assert.ok(!(await ids(role, '/api/v1/tags')).includes(PERSON.tag), role);
		assert.ok(!(await ids(role, '/api/v1/search?q=badge-000')).length, role);
	}
	assert.ok((await ids('security', '/api/v1/tags')).includes(PERSON.tag));
});

test('POST: ingest needs a scanner (or admin), acknowledging an alarm needs alarms', async () => {
	const doc = JSON.stringify({ scanner: 'ap-f0-01',
		reports: [{ tag: ASSET.tag, rssi: -60, t: Date.now() / 1000 }] });
	for (const role of ROLES) {
		const res = await trackd.post('/api/v1/ingest', doc, 'application/json', token[role]);
		assert.equal(res.status, ['scanner', 'admin'].includes(role) ? 200 : 403, role);
	}
	assert.equal((await trackd.post('/api/v1/ingest', doc, 'application/json', null)).status, 401);
	const ack = JSON.stringify({ by: 'x' });
	for (const role of ['scanner', 'viewer', 'manager'])
		assert.equal((await trackd.post('/api/v1/alarms/1/ack', ack, 'application/json',
			token[role])).status, 403, role);
	// Allowed through to the alarm, which does not exist.
	assert.equal((await trackd.post('/api/v1/alarms/999/ack', ack, 'application/json',
		token.responder)).status, 404);
});

test('WebSockets: ingest for scanners, live for roles that see positions, people only for some', async () => {
	await assert.rejects(trackd.ingest(token.viewer), /cannot open track-ingest/);
	await assert.rejects(trackd.ingest(null), /cannot open track-ingest/);
	await assert.rejects(trackd.live(token.scanner), /cannot open track-live/);
	await assert.rejects(trackd.live(null), /cannot open track-live/);

	const viewer = await trackd.live(token.viewer);
	const security = await trackd.live(token.security);
	viewer.subscribe({ floor: 'f0' });
	security.subscribe({ floor: 'f0' });
	const ingest = await trackd.ingest(token.scanner);
	await feed(ingest, [PERSON, ASSET], 2);
	const vs = await viewer.waitFor((m) => m.type === 'snapshot', 3000, 'viewer snapshot');
	await security.waitFor((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === PERSON.tag), 3000, 'the person, for security');
	await viewer.waitFor((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === ASSET.tag), 3000, 'the asset, for the viewer');
	assert.ok(vs.tags.every((t) => t.kind === 'asset'));
	assert.ok(viewer.tags().every((t) => t.kind === 'asset'),
		'the viewer got only assets');

	// A press: an alarm for security, nothing for the viewer.
	await feed(ingest, [{ ...PERSON, button: true }], 1);
	await security.waitFor((m) => m.type === 'alarm', 3000, 'the alarm, for security');
	await sleep(500);
	assert.ok(!viewer.messages.some((m) => m.type === 'alarm' ||
		(m.type === 'event' && m.event.tag === PERSON.tag)), 'nothing of the person for the viewer');

	// Following a person: refused for the viewer.
	viewer.subscribe({ tag: PERSON.tag });
	const err = await viewer.waitFor((m) => m.type === 'error', 3000, 'the refusal');
	assert.match(err.error, /forbidden/);
	for (const c of [viewer, security, ingest])
		c.close();
});

test('every look-up of a person is in the audit trail, for admins', async () => {
	const from = Date.now() / 1000 - 1;
	await trackd.get(`/api/v1/tags/${PERSON.tag}`, token.responder);
	await trackd.get(`/api/v1/tags/${PERSON.tag}/history`, token.security);
	await trackd.get(`/api/v1/tags/${ASSET.tag}`, token.security);
	const c = await trackd.live(token.security);
	c.subscribe({ tag: PERSON.tag });
	await c.waitFor((m) => m.type === 'snapshot', 3000, 'the snapshot');
	c.close();
	const res = await trackd.get(`/api/v1/audit?from=${from}`, token.admin);
	assert.equal(res.status, 200);
	const rows = res.json().audit;
	const has = (role, action, whom) => rows.some((r) => r.role === role &&
		r.action === action && r.whom === whom && r.name === `${role} one` &&
		r.peer === '127.0.0.1' && Number.isInteger(r.token) && r.t >= from);
	assert.ok(has('responder', 'position', PERSON.tag), JSON.stringify(rows));
	assert.ok(has('security', 'history', PERSON.tag), JSON.stringify(rows));
	assert.ok(has('security', 'follow', PERSON.tag), JSON.stringify(rows));
	assert.ok(!rows.some((r) => r.whom === ASSET.tag), 'assets are not audited');
});

test('a revoked token stops working within a few seconds; the list shows it', async () => {
	const t = makeToken(db, 'viewer', 'short-lived');
	let until = Date.now() + 3000;
	while ((await trackd.get('/api/v1/whoami', t)).status !== 200) {
		assert.ok(Date.now() < until, 'a new token works within 3 s');
		await sleep(100);
	}
	const list = execFileSync(TRACKD, ['token', 'list', '--db', db], { encoding: 'utf8' });
	const line = list.split('\n').find((l) => l.endsWith('short-lived'));
	const id = line.trim().split(/\s+/)[0];
	execFileSync(TRACKD, ['token', 'revoke', id, '--db', db]);
	until = Date.now() + 3000;
	while ((await trackd.get('/api/v1/whoami', t)).status !== 401) {
		assert.ok(Date.now() < until, 'revoked within 3 s');
		await sleep(100);
	}
	assert.match(execFileSync(TRACKD, ['token', 'list', '--db', db], { encoding: 'utf8' }),
		/short-lived/);
});

test('tokens are kept only as hashes', () => {
	for (const file of [db, `${db}-wal`]) {
		let bytes;
		try {
			bytes = readFileSync(file);
		} catch {
			continue;
		}
		for (const role of ROLES)
			assert.ok(!bytes.includes(token[role]), `${role}'s token in ${file}`);
	}
});

test('the token commands: clear errors', () => {
	const run = (...args) => {
		try {
			execFileSync(TRACKD, args, { encoding: 'utf8', stdio: 'pipe' });
			return { status: 0 };
		} catch (e) {
			return { status: e.status, stderr: e.stderr };
		}
	};
	let r = run('token', 'add', '--role', 'janitor', '--db', db);
	assert.equal(r.status, 2);
	assert.match(r.stderr,
		/--role must be scanner, viewer, security, responder, manager, monitor or admin/);
	r = run('token', 'revoke', '999', '--db', db);
	assert.equal(r.status, 1);
	assert.match(r.stderr, /token 999: no such token/);
	r = run('token', 'list');
	assert.equal(r.status, 2);
	assert.match(r.stderr, /usage: trackd token/);
});
