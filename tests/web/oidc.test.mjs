// Single sign-on in the browser: the page offers the provider's button,
// Chromium goes through the provider's real login page (a real
// oidc-provider on loopback, oidc-provider.mjs) and lands on the map with
// the role its groups give; sign-out ends the session at trackd; someone
// taken out of the group has no access at the next sign-in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { makeToken } from '../trackd/trackd.mjs';
import { API_AUDIENCE, CLIENT_ID, CLIENT_SECRET, TestProvider } from './oidc-provider.mjs';
import { launch, noErrors, startSim, startTrackd, tempDir } from './web.mjs';

const USERS = {
	gina: { password: 'guard-pw', name: 'Gina Guard', email: 'gina@example.org',
		groups: ['tracking-guards'] },
	mark: { password: 'manager-pw', name: 'Mark Manager', email: 'mark@example.org',
		groups: ['tracking-managers'] },
	vic: { password: 'visitor-pw', name: 'Vic Visitor', email: 'vic@example.org',
		groups: ['canteen'] },
};

let provider, trackd, sim, browser;

before(async () => {
	const db = `${tempDir('trackd-web-')}/oidc.db`;
	const scanner = makeToken(db, 'scanner', 'sim');
	provider = await new TestProvider(USERS).listen();
	trackd = await startTrackd(['--db', db, '--oidc-issuer', provider.issuer,
		'--oidc-client-id', CLIENT_ID, '--oidc-client-secret', CLIENT_SECRET,
		'--oidc-role-map', 'security=tracking-guards,manager=tracking-managers',
		'--oidc-audience', API_AUDIENCE, '--oidc-scope', 'openid profile email groups']);
	provider.redirects = [`${trackd.http}/api/v1/auth/oidc/callback`];
	provider.start();
	sim = startSim(trackd, ['--token', scanner]);
	browser = await launch();
	const end = Date.now() + 15000;
	while (!(await (await fetch(`${trackd.http}/api/v1/auth/methods`)).json()).oidc.ready) {
		assert.ok(Date.now() < end, 'the provider discovered within 15 s');
		await new Promise((r) => setTimeout(r, 200));
	}
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
	await provider?.close();
});

// From the map's sign-in dialog through the provider's login page.
async function signIn(page, login, password) {
	const button = page.locator('#signin .signin-sso a');
	await button.waitFor({ state: 'visible', timeout: 10000 });
	assert.equal(await button.textContent(), 'Sign in with 127.0.0.1');
	await button.click();
	await page.waitForURL(new RegExp(`^${provider.issuer}/interaction/`), { timeout: 10000 });
	await page.fill('input[name="login"]', login);
	await page.fill('input[name="password"]', password);
	await page.click('button[type="submit"]');
}

async function freshPage() {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(e.message));
	await page.goto(`${trackd.http}/#f0`);
	return { context, page };
}

test('a guard signs in at the provider and lands on the map as security', async () => {
	const { context, page } = await freshPage();
	// The token form stays, for wall screens and machines.
	await page.waitForSelector('#signin input[name="token"]', { state: 'visible' });
	await signIn(page, 'gina', 'guard-pw');
	await page.waitForURL(`${trackd.http}/#f0`, { timeout: 10000 });
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForFunction(() => document.querySelectorAll('.tag.kind-person').length > 3,
		null, { timeout: 10000 });
	assert.equal(await page.textContent('#who'), 'Gina Guard · security');
	assert.ok(await page.isVisible('#signout'));
	const cookie = (await context.cookies()).find((c) => c.name === 'trackd_session');
	assert.ok(cookie, 'a session cookie');
	assert.equal(cookie.httpOnly, true);
	assert.equal(cookie.sameSite, 'Strict');
	assert.equal(cookie.secure, false, 'no TLS in this test');
	assert.ok(cookie.expires > Date.now() / 1000 &&
		cookie.expires <= Date.now() / 1000 + 8 * 3600 + 60, `bounded: ${cookie.expires}`);
	assert.equal(await page.evaluate(() => document.cookie), '', 'not readable by scripts');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('trackd.token')), null);
	noErrors(page);

	// Sign-out ends the session at trackd: the same cookie is refused, and
	// the live stream of another tab of that session is cut.
	const other = await context.newPage();
	other.errors = [];
	await other.goto(`${trackd.http}/#f0`);
	await other.waitForSelector('.conn.up', { timeout: 10000 });
	await page.click('#signout');
	await other.waitForFunction(() => !document.querySelector('.conn.up'), null,
		{ timeout: 5000 });
	await page.waitForSelector('#signin .signin-sso a', { state: 'visible' });
	const res = await fetch(`${trackd.http}/api/v1/whoami`,
		{ headers: { cookie: `trackd_session=${cookie.value}` } });
	assert.equal(res.status, 401);
	noErrors(page);
	await context.close();
});

test('a manager lands on the reports, as the map is not theirs', async () => {
	const { context, page } = await freshPage();
	await signIn(page, 'mark', 'manager-pw');
	await page.waitForURL(/reports\.html$/, { timeout: 10000 });
	await page.waitForFunction(() => document.querySelector('#who')?.textContent ===
		'Mark Manager · manager', null, { timeout: 10000 });
	noErrors(page);
	await context.close();
});

test('no group of the role map: a clear 403 page, no session', async () => {
	const { context, page } = await freshPage();
	await signIn(page, 'vic', 'visitor-pw');
	await page.waitForSelector('h1', { timeout: 10000 });
	assert.equal(await page.textContent('h1'), 'No access');
	assert.match(await page.textContent('body'), /signed in as Vic Visitor, but none of your groups/);
	assert.ok(!(await context.cookies()).some((c) => c.name === 'trackd_session'));
	await context.close();
});

test('a person removed from the group loses access at the next sign-in', async () => {
	const { context, page } = await freshPage();
	await signIn(page, 'gina', 'guard-pw');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.click('#signout');
	await page.waitForSelector('#signin .signin-sso a', { state: 'visible' });
	USERS.gina.groups = ['staff'];
	try {
		// Still signed in at the provider: straight back, and refused.
		await page.click('#signin .signin-sso a');
		await page.waitForSelector('h1', { timeout: 10000 });
		assert.equal(await page.textContent('h1'), 'No access');
		assert.ok(!(await context.cookies()).some((c) => c.name === 'trackd_session'));
	} finally {
		USERS.gina.groups = ['tracking-guards'];
	}
	await context.close();
});
