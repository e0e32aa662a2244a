// Sign-in and roles, against the contract of trackd's tokens: the page
// sends the token it was given, asks for one on 401, and shows each role
// only its part (whoami's answers are stood in for here).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, noErrors, openPage, startSim, startTrackd } from './web.mjs';

let trackd, sim, browser;

before(async () => {
	trackd = await startTrackd();
	sim = startSim(trackd);
	browser = await launch();
	await trackd.waitLocated('badge-0001', 15000);
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

const whoamiAs = (page, status, body) => page.route('**/api/v1/whoami', (route) =>
	route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) }));

test('a token in the URL goes with every call and leaves the address bar', async () => {
	const context = await browser.newContext();
	const page = await context.newPage();
	const auth = [];
	const sockets = [];
	page.on('request', (r) => {
		if (r.url().includes('/api/v1/'))
			auth.push(r.headers().authorization);
	});
	page.on('websocket', (ws) => sockets.push(ws.url()));
	await page.goto(trackd.http + '/?token=s3cret-t0ken#f0');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	assert.equal(page.url(), trackd.http + '/#f0', 'no token in the address bar');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('trackd.token')), 's3cret-t0ken');
	assert.ok(auth.length >= 2 && auth.every((a) => a === 'Bearer s3cret-t0ken'), auth.join(','));
	assert.ok(sockets.some((u) => new URL(u).searchParams.get('token') === 's3cret-t0ken'),
		sockets.join(','));
	// The token survives a reload of the tab; Sign out forgets it.
	await page.reload();
	await page.waitForSelector('#signout', { state: 'visible' });
	await page.click('#signout');
	await page.waitForFunction(() => sessionStorage.getItem('trackd.token') === null);
	await context.close();
});

test('401: the page asks for a token', async () => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await whoamiAs(page, 401, { error: 'unauthorized', detail: 'a bearer token is required' });
	await page.goto(trackd.http + '/');
	await page.waitForSelector('#signin input[name="token"]', { state: 'visible' });
	await page.fill('#signin input[name="token"]', 'typed-token');
	await page.press('#signin input[name="token"]', 'Enter');
	await page.waitForFunction(() => sessionStorage.getItem('trackd.token') === 'typed-token');
	await context.close();
});

test('a viewer sees equipment only; a manager gets the reports', async () => {
	const viewer = await openPage(browser, 'about:blank');
	await whoamiAs(viewer, 200, { role: 'viewer', name: 'Front desk', auth_required: true });
	await viewer.goto(trackd.http + '/');
	await viewer.waitForFunction(() => document.querySelectorAll('.tag[data-tag]').length > 3,
		null, { timeout: 10000 });
	const kinds = await viewer.$$eval('.tag[data-tag]', (els) =>
		els.map((e) => (e.classList.contains('kind-asset') ? 'asset' : 'other')));
	assert.ok(kinds.every((k) => k === 'asset'), kinds.join(','));
	assert.ok(await viewer.isHidden('#alarms-section'), 'no alarms for a viewer');
	assert.ok(await viewer.isHidden('#reports-link'));
	noErrors(viewer);

	const manager = await openPage(browser, 'about:blank');
	await whoamiAs(manager, 200, { role: 'manager', name: null, auth_required: true });
	await manager.goto(trackd.http + '/');
	await manager.waitForURL(/reports\.html$/);
	await manager.waitForSelector('#occ-chart');
	assert.ok(await manager.isHidden('#live-link'), 'no live map for a manager');
	noErrors(manager);
});
