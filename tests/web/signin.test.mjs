// Sign-in and roles with real tokens: the page sends the token it was
// given (header, and ?token= on the live stream), asks for one on 401,
// and shows each role only its part.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { TRACKD } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, startSim, startTrackd, tempDir } from './web.mjs';

let trackd, sim, browser;
const tokens = {};

function addToken(db, role) {
	const r = spawnSync(TRACKD, ['token', 'add', '--role', role, '--name', `test ${role}`,
		'--db', db], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return r.stdout.trim().split('\n').at(-1);
}

before(async () => {
	const db = path.join(tempDir('trackd-web-'), 'auth.db');
	for (const role of ['scanner', 'security', 'viewer', 'manager', 'responder'])
		tokens[role] = addToken(db, role);
	trackd = await startTrackd(['--db', db]);
	sim = startSim(trackd, ['--token', tokens.scanner]);
	browser = await launch();
	const end = Date.now() + 15000;
	while ((await fetch(`${trackd.http}/api/v1/tags/badge-0001`,
		{ headers: { Authorization: `Bearer ${tokens.security}` } })).status !== 200) {
		assert.ok(Date.now() < end, 'badge-0001 located within 15 s');
		await new Promise((r) => setTimeout(r, 200));
	}
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

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
	await page.goto(`${trackd.http}/?token=${tokens.security}#f0`);
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForFunction(() => document.querySelectorAll('.tag.kind-person').length > 3,
		null, { timeout: 10000 });
	assert.equal(page.url(), trackd.http + '/#f0', 'no token in the address bar');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('trackd.token')), tokens.security);
	assert.ok(auth.length >= 2 && auth.every((a) => a === `Bearer ${tokens.security}`), auth.join(','));
	assert.ok(sockets.some((u) => new URL(u).searchParams.get('token') === tokens.security));
	assert.match(await page.textContent('#who'), /security/);
	// Sign out forgets it, and the page asks for one.
	await page.click('#signout');
	await page.waitForSelector('#signin input[name="token"]', { state: 'visible' });
	assert.equal(await page.evaluate(() => sessionStorage.getItem('trackd.token')), null);
	await context.close();
});

test('no token: the page asks for one, and a good one opens the map', async () => {
	const page = await openPage(browser, trackd.http + '/');
	await page.waitForSelector('#signin input[name="token"]', { state: 'visible' });
	await page.fill('#signin input[name="token"]', tokens.security);
	await page.press('#signin input[name="token"]', 'Enter');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForSelector('.tag[data-tag] .dot', { timeout: 10000 });
});

test('a viewer sees equipment only; a responder no replay; a manager the reports', async () => {
	const viewer = await openPage(browser, `${trackd.http}/?token=${tokens.viewer}`);
	await viewer.waitForFunction(() => document.querySelectorAll('.tag[data-tag]').length > 3,
		null, { timeout: 10000 });
	const kinds = await viewer.$$eval('.tag[data-tag]', (els) =>
		els.map((e) => (e.classList.contains('kind-asset') ? 'asset' : 'other')));
	assert.ok(kinds.every((k) => k === 'asset'), kinds.join(','));
	assert.ok(await viewer.isHidden('#alarms-section'), 'no alarms for a viewer');
	assert.ok(await viewer.isHidden('#reports-link'));
	noErrors(viewer);

	const responder = await openPage(browser, `${trackd.http}/?token=${tokens.responder}`);
	await responder.waitForSelector('.tag.kind-person .dot', { timeout: 10000 });
	await responder.click('#tag-list button.kind-person');
	await responder.waitForSelector('#tag-info:not([hidden])');
	assert.ok(await responder.isHidden('#info-replay'), 'a responder has no history');
	noErrors(responder);

	const manager = await openPage(browser, `${trackd.http}/?token=${tokens.manager}`);
	await manager.waitForURL(/reports\.html$/);
	await manager.waitForFunction(() => document.querySelectorAll('#dwell tbody tr').length > 5,
		null, { timeout: 10000 });
	assert.ok(await manager.isHidden('#live-link'), 'no live map for a manager');
	noErrors(manager);
});
