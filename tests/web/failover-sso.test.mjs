// A guard signed in with the organisation's identity provider on a pair of
// trackd: a real mosquitto broker, PostgreSQL and oidc-provider on
// loopback, both trackd with the same provider. The guard signs in on A;
// A is killed; the page moves to B, goes through the provider again (which
// still knows the guard: no login page) and is back on the map as the same
// person, on the same floor, signed in to B.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Broker, noBroker } from '../trackd/broker.mjs';
import { startPostgres, until } from '../trackd/trackd.mjs';
import { API_AUDIENCE, CLIENT_ID, CLIENT_SECRET, TestProvider } from './oidc-provider.mjs';
import { launch, noErrors, shot, startOnBroker, startSimOnBroker,
	stopUnlessKilled } from './web.mjs';

const pg = noBroker ? null : startPostgres();
const skip = noBroker ||
	(!pg && 'no PostgreSQL server programs (initdb) installed');
const USERS = {
	gina: { password: 'guard-pw', name: 'Gina Guard', email: 'gina@example.org',
		groups: ['tracking-guards'] },
};

let broker, provider, a, b, sim, browser;

before(async () => {
	if (skip)
		return;
	broker = await Broker.start('trackd-failover-sso-');
	provider = await new TestProvider(USERS).listen();
	const one = (name, extra = []) => startOnBroker(broker, pg.url, name, [
		'--oidc-issuer', provider.issuer,
		'--oidc-client-id', CLIENT_ID, '--oidc-client-secret', CLIENT_SECRET,
		'--oidc-role-map', 'security=tracking-guards',
		'--oidc-audience', API_AUDIENCE,
		'--oidc-scope', 'openid profile email groups', ...extra]);
	b = await one('b');
	a = await one('a', ['--peer', `${b.http}/`]);
	provider.redirects = [a, b].map((t) => `${t.http}/api/v1/auth/oidc/callback`);
	provider.start();
	for (const t of [a, b])
		await until(async () => (await (await fetch(`${t.http}/api/v1/auth/methods`))
			.json()).oidc.ready, 15000, 'the provider discovered');
	sim = startSimOnBroker(broker);
	browser = await launch();
});

after(async () => {
	await browser?.close();
	sim?.kill('SIGTERM');
	await b?.stopClean();
	await stopUnlessKilled(a);
	await provider?.close();
	await broker?.stop();
});

test('signed in with the provider on A, A killed: on B as the same person, through the provider with no login page', { skip }, async (t) => {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(e.message));
	// Each login form the provider sends back.
	let logins = 0;
	page.on('response', async (res) => {
		if (/\/interaction\/[\w-]+$/.test(res.url()) &&
		    /name="login"/.test(await res.text().catch(() => '')))
			logins++;
	});
	await page.goto(`${a.http}/#f1`);
	await page.locator('#signin .signin-sso a').click();
	await page.waitForURL(new RegExp(`^${provider.issuer}/interaction/`), { timeout: 10000 });
	await page.fill('input[name="login"]', 'gina');
	await page.fill('input[name="password"]', 'guard-pw');
	await page.click('button[type="submit"]');
	await page.waitForURL(`${a.http}/#f1`, { timeout: 10000 });
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	assert.equal(await page.textContent('#who'), 'Gina Guard · security');
	assert.equal(logins, 1);

	await a.kill();
	const killed = Date.now();
	// Through the provider, which asks nothing, and back on B's map.
	await page.waitForURL((u) => u.href.startsWith(b.http) &&
		!u.pathname.startsWith('/api/'), { timeout: 20000 });
	await page.waitForSelector('.conn.up', { timeout: 15000 });
	const took = Date.now() - killed;
	assert.equal(await page.textContent('#who'), 'Gina Guard · security');
	assert.equal(await page.isVisible('#signin'), false, 'no sign-in asked');
	assert.ok(page.url().endsWith('#f1'), `the floor kept: ${page.url()}`);
	// The provider's session did it: no login form on the way.
	assert.equal(logins, 1, 'no second login form');
	t.diagnostic(`kill -> the map live on B, signed in again through the provider: ${took} ms`);
	await shot(page, 'failover-sso.png');
	noErrors(page);
	await context.close();
});
