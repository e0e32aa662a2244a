// Single sign-on against a real OpenID provider (oidc-provider from npm,
// tests/web/oidc-provider.mjs) on loopback: people sign in with the code
// flow and get a session cookie, other systems send the provider's JWT
// access tokens, each checked (signature, issuer, audience, expiry), roles
// from the groups claim, keys rotated at the provider picked up, and the
// audit trail naming the person.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { API_AUDIENCE, CLIENT_ID, CLIENT_SECRET, SignJWT, TestProvider, accessToken, browse,
	importJWK, signingKey } from '../web/oidc-provider.mjs';
import { SITE, TRACKD, feed, makeToken, sleep, startTrackd, tempDir, until } from './trackd.mjs';

const PERSON = { tag: 'badge-0001', floor: 'f0', x: 12.0, y: 6.0 };
const USERS = {
	gina: { password: 'guard-pw', name: 'Gina Guard', email: 'gina@example.org',
		groups: ['staff', 'tracking-guards'] },
	mark: { password: 'manager-pw', name: 'Mark Manager', email: 'mark@example.org',
		groups: ['tracking-managers'] },
	vic: { password: 'visitor-pw', name: 'Vic Visitor', email: 'vic@example.org',
		groups: ['canteen'] },
};

let provider, trackd, db, admin, scanner;

const bearer = (t) => ({ authorization: `Bearer ${t}` });
async function get(path, headers = {}) {
	const res = await fetch(trackd.http + path, { headers });
	const text = await res.text();
	return { status: res.status, text, json: () => JSON.parse(text),
		type: res.headers.get('content-type') || '' };
}
const cookieOf = (jar) => [...jar].filter(([k]) => k.startsWith(`127.0.0.1:${trackd.port} `))
	.map(([k, v]) => `${k.split(' ')[1]}=${v}`).join('; ');

// A sign-in through trackd's login route and the provider's login page.
async function signIn(login, password) {
	const home = `${trackd.http}/`;
	const r = await browse(`${trackd.http}/api/v1/auth/oidc/login?return=/`,
		{ stop: (u) => u === home, login, password });
	return { ...r, cookie: r.stopped ? cookieOf(r.jar) : null };
}

// A token signed with the provider's own key, claims of our choosing.
async function forged(claims, key = provider.keys[0]) {
	const k = await importJWK(key, 'RS256');
	return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
		.sign(k);
}

before(async () => {
	db = `${tempDir()}/oidc.db`;
	admin = makeToken(db, 'admin', 'the admin');
	scanner = makeToken(db, 'scanner', 'a scanner');
	provider = await new TestProvider(USERS).listen();
	trackd = await startTrackd(['--db', db, '--oidc-issuer', provider.issuer,
		'--oidc-client-id', CLIENT_ID, '--oidc-client-secret', CLIENT_SECRET,
		'--oidc-role-map', 'security=tracking-guards,manager=tracking-managers',
		'--oidc-audience', API_AUDIENCE, '--oidc-scope', 'openid profile email groups']);
	// The provider is up only now, knowing trackd's redirect URL: trackd
	// retries its discovery until it answers.
	provider.redirects = [`${trackd.http}/api/v1/auth/oidc/callback`];
	provider.start();
	await until(async () => (await get('/api/v1/auth/methods')).json().oidc?.ready,
		15000, 'the provider discovered');
	const ingest = await trackd.ingest(scanner);
	await feed(ingest, [PERSON], 3);
	ingest.close();
	await trackd.waitLocated(PERSON.tag, 5000).catch(() => {});
});

after(async () => {
	await trackd?.stopClean();
	await provider?.close();
});

test('the settings are checked at start, from options or --config', async () => {
	const run = (args) => spawnSync(TRACKD, ['--site', SITE, '--port', '1', ...args],
		{ encoding: 'utf8', timeout: 5000 });
	const base = ['--oidc-issuer', provider.issuer, '--oidc-client-id', 'x'];
	let r = run([...base, '--oidc-role-map', 'boss=tracking-guards']);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /--oidc-role-map: 'boss': no such role/);
	r = run(['--oidc-issuer', 'http://idp.example.org', '--oidc-client-id', 'x',
		'--oidc-role-map', 'security=g']);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /--oidc-issuer: expected https/);
	r = run(['--oidc-client-id', 'x']);
	assert.equal(r.status, 2);
	assert.match(r.stderr, /needs --oidc-issuer, --oidc-client-id and --oidc-role-map/);
	// The same settings from a file start a server that offers the sign-in.
	const conf = `${tempDir()}/sso.json`;
	writeFileSync(conf, JSON.stringify({ site: SITE, 'oidc-issuer': provider.issuer,
		'oidc-client-id': CLIENT_ID, 'oidc-client-secret': CLIENT_SECRET,
		'oidc-role-map': 'security=tracking-guards' }), { mode: 0o600 });
	const t = await startTrackd(['--config', conf]);
	try {
		const m = await (await fetch(`${t.http}/api/v1/auth/methods`)).json();
		assert.equal(m.oidc.name, '127.0.0.1');
		assert.equal((await fetch(`${t.http}/api/v1/tags`)).status, 401, 'not open');
	} finally {
		await t.stopClean();
	}
});

test('the sign-in methods name the provider; access is never open', async () => {
	const m = (await get('/api/v1/auth/methods')).json();
	assert.equal(m.oidc.name, '127.0.0.1');
	assert.equal(m.oidc.login, '/api/v1/auth/oidc/login');
	assert.equal(m.token, true);
	assert.equal((await get('/api/v1/tags')).status, 401);
});

test('an access token of the provider is taken on the API, with its role', async () => {
	const t = await accessToken(provider, 'gina', 'guard-pw');
	const who = await get('/api/v1/whoami', bearer(t));
	assert.equal(who.status, 200, who.text);
	assert.equal(who.json().role, 'security');
	assert.equal(who.json().subject, 'gina');
	assert.equal(who.json().name, 'Gina Guard');
	assert.equal((await get('/api/v1/tags', bearer(t))).status, 200);
	const m = await accessToken(provider, 'mark', 'manager-pw');
	assert.equal((await get('/api/v1/whoami', bearer(m))).json().role, 'manager');
	// Not in the URL: a provider's token there would end up in logs.
	assert.equal((await get(`/api/v1/tags?token=${t}`)).status, 401);
});

test('tampered, expired, wrong-audience and wrong-issuer tokens get 401', async () => {
	const good = await accessToken(provider, 'gina', 'guard-pw');
	const [h, p, s] = good.split('.');
	const flip = (x, i) => x.slice(0, i) + (x[i] === 'A' ? 'B' : 'A') + x.slice(i + 1);
	const tampered = `${h}.${p}.${flip(s, 10)}`;
	// Claims changed (a manager's groups), the signature kept.
	const claims = JSON.parse(Buffer.from(p, 'base64url'));
	const raised = Buffer.from(JSON.stringify({ ...claims, groups: ['tracking-managers'] }))
		.toString('base64url');
	const now = Math.floor(Date.now() / 1000);
	const expired = await forged({ ...claims, iat: now - 3600, exp: now - 600 });
	const otherAud = await accessToken(provider, 'gina', 'guard-pw', 'urn:other:api');
	// A second real provider with the same keys: a valid signature, but
	// another issuer.
	const other = await new TestProvider(USERS).listen();
	other.keys = provider.keys;
	other.start();
	const otherIss = await accessToken(other, 'gina', 'guard-pw');
	await other.close();
	for (const [what, t] of [['tampered', tampered], ['claims changed', `${h}.${raised}.${s}`],
		['expired', expired], ['wrong audience', otherAud], ['wrong issuer', otherIss]]) {
		const r = await get('/api/v1/tags', bearer(t));
		assert.equal(r.status, 401, `${what}: ${r.text}`);
	}
	const errs = trackd.stderr();
	for (const why of ['bad signature', 'expired', 'wrong audience', 'wrong issuer'])
		assert.match(errs, new RegExp(`refused: ${why}`), errs);
	// The same forger with good claims passes: the 401s were for the
	// reasons named.
	assert.equal((await get('/api/v1/tags', bearer(await forged(claims)))).status, 200);
});

test('someone whose groups map to no role gets 403, by token and by sign-in', async () => {
	const t = await accessToken(provider, 'vic', 'visitor-pw');
	const r = await get('/api/v1/tags', bearer(t));
	assert.equal(r.status, 403, r.text);
	assert.match(r.json().detail || r.text, /groups .* give no role/);
	const s = await signIn('vic', 'visitor-pw');
	assert.equal(s.status, 403, s.page);
	assert.match(s.type, /text\/html/);
	assert.match(s.page, /No access/);
	assert.match(s.page, /Vic Visitor/);
	assert.ok(!s.setCookies.some((c) => c.cookie.startsWith('trackd_session=') &&
		!/Max-Age=0/.test(c.cookie)), 'no session for them');
});

test('a person signs in: a session cookie, HttpOnly, SameSite=Strict, bounded', async () => {
	const s = await signIn('mark', 'manager-pw');
	assert.ok(s.stopped, `back on the map: ${s.status} ${s.page}`);
	const set = s.setCookies.find((c) => c.cookie.startsWith('trackd_session='));
	assert.ok(set, JSON.stringify(s.setCookies));
	assert.match(set.cookie, /; HttpOnly/);
	assert.match(set.cookie, /; SameSite=Strict/);
	assert.match(set.cookie, /; Path=\//);
	const age = Number(/Max-Age=(\d+)/.exec(set.cookie)[1]);
	assert.ok(age > 0 && age <= 12 * 3600, set.cookie);
	assert.doesNotMatch(set.cookie, /Secure/, 'no TLS here: not Secure');
	const who = await get('/api/v1/whoami', { cookie: s.cookie });
	assert.equal(who.status, 200, who.text);
	assert.deepEqual([who.json().role, who.json().name, who.json().session],
		['manager', 'Mark Manager', true]);
	// A made-up cookie is nobody.
	assert.equal((await get('/api/v1/tags', { cookie: 'trackd_session=x' + 'A'.repeat(42) }))
		.status, 401);
});

test('a sign-in comes back to the browser that started it, once', async () => {
	const start = await fetch(`${trackd.http}/api/v1/auth/oidc/login`, { redirect: 'manual' });
	assert.equal(start.status, 302);
	const to = new URL(start.headers.get('location'));
	assert.equal(to.origin, provider.issuer);
	assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
	assert.match(to.searchParams.get('code_challenge'), /^[\w-]{43}$/);
	assert.match(to.searchParams.get('nonce'), /^[\w-]{43}$/);
	const state = to.searchParams.get('state');
	// The callback without the browser's state cookie: refused.
	const forced = await get(`/api/v1/auth/oidc/callback?state=${state}&code=stolen`);
	assert.equal(forced.status, 400);
	assert.match(forced.text, /not started in this browser/);
});

test('sign-out revokes the session: the cookie no longer works', async () => {
	const s = await signIn('gina', 'guard-pw');
	assert.equal((await get('/api/v1/whoami', { cookie: s.cookie })).status, 200);
	const out = await fetch(`${trackd.http}/api/v1/auth/signout`,
		{ method: 'POST', headers: { cookie: s.cookie } });
	assert.equal(out.status, 200);
	assert.match(out.headers.get('set-cookie'), /trackd_session=; .*Max-Age=0/);
	assert.equal((await get('/api/v1/whoami', { cookie: s.cookie })).status, 401);
});

test('a person removed from the group loses access at the next sign-in', async () => {
	const first = await signIn('gina', 'guard-pw');
	assert.equal((await get('/api/v1/whoami', { cookie: first.cookie })).json().role, 'security');
	USERS.gina.groups = ['staff'];
	try {
		const again = await signIn('gina', 'guard-pw');
		assert.equal(again.status, 403, again.page);
		assert.match(again.page, /No access/);
	} finally {
		USERS.gina.groups = ['staff', 'tracking-guards'];
	}
});

test('the audit trail names the person who looked someone up', async () => {
	const from = Date.now() / 1000 - 1;
	// By an access token, and in a browser session.
	const t = await accessToken(provider, 'gina', 'guard-pw');
	assert.equal((await get(`/api/v1/tags/${PERSON.tag}`, bearer(t))).status, 200);
	const s = await signIn('gina', 'guard-pw');
	assert.equal((await get(`/api/v1/tags/${PERSON.tag}`, { cookie: s.cookie })).status, 200);
	// A manager may not: the refusal names him.
	const m = await signIn('mark', 'manager-pw');
	assert.equal((await get(`/api/v1/tags/${PERSON.tag}`, { cookie: m.cookie })).status, 403);
	const res = await get(`/api/v1/audit?from=${from}`, bearer(admin));
	assert.equal(res.status, 200, res.text);
	const rows = res.json().audit;
	const of = (sub, name, role, action) => rows.filter((r) => r.action === action &&
		r.whom === PERSON.tag && r.subject === sub && r.name === name &&
		r.role === role && r.token === null && r.peer === '127.0.0.1');
	assert.equal(of('gina', 'Gina Guard', 'security', 'position').length, 2,
		JSON.stringify(rows));
	assert.equal(of('mark', 'Mark Manager', 'manager', 'position refused').length, 1,
		JSON.stringify(rows));
	assert.ok(rows.some((r) => r.action === 'sign-in' && r.subject === 'mark' &&
		r.name === 'Mark Manager'), JSON.stringify(rows));
});

test('keys rotated at the provider are picked up; made-up key ids cost little', async () => {
	const old = await accessToken(provider, 'gina', 'guard-pw');
	const fetches = () => (trackd.stderr().match(/signing keys/g) || []).length;
	const before0 = fetches();
	provider.keys = [signingKey('key-2')];
	provider.start();
	// A sign-in right after: its ID token names the new key, which trackd
	// fetches while the browser waits.
	const s = await signIn('mark', 'manager-pw');
	assert.ok(s.stopped, s.page);
	assert.equal((await get('/api/v1/whoami', { cookie: s.cookie })).json().role, 'manager');
	assert.equal(fetches(), before0 + 1, trackd.stderr());
	// Access tokens signed with it are taken at once now.
	const t = await accessToken(provider, 'gina', 'guard-pw');
	assert.equal(JSON.parse(Buffer.from(t.split('.')[0], 'base64url')).kid, 'key-2');
	assert.equal((await get('/api/v1/whoami', bearer(t))).status, 200);
	// The old key is gone from the set: its tokens with it.
	assert.equal((await get('/api/v1/whoami', bearer(old))).status, 401);
	// A flood of tokens naming keys nobody has: at most one fetch.
	const rogue = signingKey('rogue');
	for (let i = 0; i < 20; i++) {
		const r = await get('/api/v1/whoami',
			bearer(await forged({ sub: 'x', iss: provider.issuer, aud: API_AUDIENCE,
				exp: Math.floor(Date.now() / 1000) + 60 }, { ...rogue, kid: `rogue-${i}` })));
		assert.equal(r.status, 401);
	}
	await sleep(1000);
	assert.ok(fetches() <= before0 + 2, trackd.stderr());
});

test('a bearer token signed with a key just rotated in is taken within seconds', async () => {
	provider.keys = [signingKey('key-3')];
	provider.start();
	const t = await accessToken(provider, 'gina', 'guard-pw');
	// Refused while trackd fetches the keys (rate-limited), then taken.
	const first = await get('/api/v1/whoami', bearer(t));
	if (first.status === 401)
		assert.match(first.json().detail, /keys are being fetched again/);
	await until(async () => (await get('/api/v1/whoami', bearer(t))).status === 200,
		10000, 'the new key taken');
});

// What a browser that trusts the test's certificate sees of a sign-in over
// https, in a process of its own (Node takes extra trusted certificates
// only at start).
const TLS_CLIENT = `
import { browse } from ${JSON.stringify(new URL('../web/oidc-provider.mjs', import.meta.url).pathname)};
const [base] = process.argv.slice(2);
const r = await browse(base + '/api/v1/auth/oidc/login',
	{ stop: (u) => u === base + '/', login: 'gina', password: 'guard-pw' });
const cookie = [...r.jar].filter(([k]) => k.startsWith(new URL(base).host + ' '))
	.map(([k, v]) => k.split(' ')[1] + '=' + v).join('; ');
const who = await fetch(base + '/api/v1/whoami', { headers: { cookie } });
console.log(JSON.stringify({ stopped: r.stopped, setCookies: r.setCookies,
	whoami: who.status === 200 ? await who.json() : who.status }));
`;

test('over TLS the cookies are Secure and the session one __Host-', async () => {
	const dir = tempDir();
	const cert = `${dir}/cert.pem`, key = `${dir}/key.pem`;
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
		'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
		'-days', '1', '-subj', '/CN=127.0.0.1', '-addext',
		'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
	const t = await startTrackd(['--tls-cert', cert, '--tls-key', key,
		'--oidc-issuer', provider.issuer, '--oidc-client-id', CLIENT_ID,
		'--oidc-client-secret', CLIENT_SECRET, '--oidc-role-map', 'security=tracking-guards',
		'--oidc-scope', 'openid profile email groups']);
	try {
		const base = `https://127.0.0.1:${t.port}`;
		provider.redirects.push(`${base}/api/v1/auth/oidc/callback`);
		provider.start();
		const client = `${dir}/client.mjs`;
		writeFileSync(client, TLS_CLIENT);
		// The provider answers from this process: the client runs beside
		// it, not blocking it.
		let run;
		await until(async () => {
			run = await promisify(execFile)(process.execPath, ['--no-warnings', client, base],
				{ encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
					timeout: 30000 }).catch((e) => ({ stdout: e.stdout || '', stderr: e.message }));
			const last = run.stdout.trim().split('\n').at(-1);
			return last && JSON.parse(last).stopped;
		}, 15000, 'a sign-in over TLS');
		const out = JSON.parse(run.stdout.trim().split('\n').at(-1));
		const mine = out.setCookies.filter((c) => c.host === `127.0.0.1:${t.port}`)
			.map((c) => c.cookie);
		const state = mine.find((c) => c.startsWith('trackd_oidc_state=') && !/Max-Age=0/.test(c));
		const session = mine.find((c) => c.startsWith('__Host-trackd_session='));
		assert.ok(state && session, mine.join('\n'));
		assert.match(state, /; HttpOnly; Secure/);
		assert.match(session, /; Path=\/;.*SameSite=Strict; HttpOnly; Secure/);
		assert.equal(out.whoami.role, 'security');
	} finally {
		await t.stopClean();
	}
});

// Last: it leaves this address's sign-ins full for ten minutes.
test('sign-ins started and not finished from one address are bounded: 429', async () => {
	let status = 302;
	for (let i = 0; i < 12 && status === 302; i++)
		status = (await fetch(`${trackd.http}/api/v1/auth/oidc/login`,
			{ redirect: 'manual' })).status;
	assert.equal(status, 429);
	const page = await get('/api/v1/auth/oidc/login');
	assert.equal(page.status, 429);
	assert.match(page.text, /Too many sign-ins were started from this address/);
});
