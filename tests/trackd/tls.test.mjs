// TLS: with a certificate and key, the whole path (ingest over wss, the
// live stream over wss, REST over https, tokens on all of it) works, and
// plain http on the same port does not.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { makeToken, startTrackd, tempDir } from './trackd.mjs';

const HELPERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trackd.mjs');

// What a client that trusts the test's certificate does, in a process of
// its own (Node takes extra trusted certificates only at start).
const CLIENT = `
import { IngestClient, LiveClient, feedOnce } from ${JSON.stringify(HELPERS)};
const [base, scanner, security] = process.argv.slice(2);
const out = {};
const who = await fetch('https://' + base + '/api/v1/whoami',
	{ headers: { authorization: 'Bearer ' + security } });
out.whoami = await who.json();
const live = await LiveClient.open('wss://' + base + '/?token=' + security);
live.subscribe({ floor: 'f0' });
await live.waitFor((m) => m.type === 'snapshot', 5000, 'the snapshot');
const ingest = await IngestClient.open('wss://' + base + '/?token=' + scanner);
const place = { tag: 'badge-0005', floor: 'f0', x: 14.0, y: 6.0 };
let seen = null;
for (let i = 0; i < 6 && !seen; i++) {
	await feedOnce(ingest, [place]);
	seen = await live.waitFor((m) => m.type === 'positions' &&
		m.tags.some((t) => t.id === place.tag), 1000, 'a position').catch(() => null);
}
out.position = seen && seen.tags.find((t) => t.id === place.tag);
ingest.close();
live.close();
console.log(JSON.stringify(out));
`;

test('ingest, live and REST over TLS, with tokens', async () => {
	const dir = tempDir();
	const cert = path.join(dir, 'cert.pem'), key = path.join(dir, 'key.pem');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
		'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
		'-days', '1', '-subj', '/CN=127.0.0.1', '-addext',
		'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
	const db = path.join(dir, 'tls.db');
	const scanner = makeToken(db, 'scanner');
	const security = makeToken(db, 'security');
	const trackd = await startTrackd(['--db', db, '--tls-cert', cert, '--tls-key', key]);
	try {
		assert.match(trackd.line, /listening on https:/);
		const client = path.join(dir, 'client.mjs');
		writeFileSync(client, CLIENT);
		const run = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings',
			client, `127.0.0.1:${trackd.port}`, scanner, security],
		{ encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
			timeout: 30000 });
		assert.equal(run.status, 0, run.stderr);
		const out = JSON.parse(run.stdout.trim().split('\n').at(-1));
		assert.equal(out.whoami.role, 'security');
		assert.ok(out.position, 'a position came over wss');
		assert.ok(Math.hypot(out.position.x - 14.0, out.position.y - 6.0) < 3.0,
			JSON.stringify(out.position));
		// Plain http on the TLS port gets no answer.
		await assert.rejects(fetch(`http://127.0.0.1:${trackd.port}/healthz`));
	} finally {
		await trackd.stopClean();
	}
});

test('a certificate without its key, or one that cannot be read: a clear error', async () => {
	const dir = tempDir();
	await assert.rejects(startTrackd(['--tls-cert', path.join(dir, 'c.pem')]),
		/--tls-cert and --tls-key go together/);
	await assert.rejects(startTrackd(['--tls-cert', path.join(dir, 'c.pem'),
		'--tls-key', path.join(dir, 'k.pem')]), /--tls-cert .*c\.pem: No such file/);
	writeFileSync(path.join(dir, 'bad.pem'), 'not a certificate\n');
	await assert.rejects(startTrackd(['--tls-cert', path.join(dir, 'bad.pem'),
		'--tls-key', path.join(dir, 'bad.pem')]), /cannot load the certificate and key/);
});
