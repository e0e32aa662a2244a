// The page never asks more of trackd than it allows: ten subscriptions a
// second per client. Page loads (a head count may come in before the
// floor's snapshot) and floor buttons clicked in a row must not draw a
// "too many subscriptions" refusal, and the floor shown last is the one
// subscribed.
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

// The page's warnings about what trackd refused.
function refusals(page) {
	const seen = [];
	page.on('console', (m) => {
		if (/too many subscriptions/.test(m.text()))
			seen.push(m.text());
	});
	return seen;
}

test('six page loads and a burst of floor switches: nothing refused', async () => {
	for (let i = 0; i < 6; i++) {
		const page = await openPage(browser, trackd.http + '/');
		const seen = refusals(page);
		await page.waitForSelector('.conn.up', { timeout: 10000 });
		// Past the first head count (every 5 s) after the snapshot.
		await page.waitForTimeout(i === 0 ? 6000 : 1500);
		assert.deepEqual(seen, [], `page load ${i + 1}`);
		noErrors(page);
		await page.context().close();
	}
	const page = await openPage(browser, trackd.http + '/');
	const seen = refusals(page);
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForSelector('.tag[data-floor="f0"]', { state: 'attached', timeout: 10000 });
	for (let i = 0; i < 5; i++) {
		await page.click('#floors button[data-floor="f1"]');
		await page.click('#floors button[data-floor="f0"]');
	}
	await page.click('#floors button[data-floor="f1"]');
	// The last floor clicked is the one whose tags come.
	await page.waitForFunction(() => {
		const tags = [...document.querySelectorAll('.tag[data-tag]')];
		return tags.length > 0 && tags.every((el) => el.dataset.floor === 'f1');
	}, null, { timeout: 5000 });
	await page.waitForTimeout(1000);
	assert.deepEqual(seen, [], 'floor switches');
	noErrors(page);
});
