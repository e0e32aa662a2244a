// Restricted entries as a guard reads them: a burst in one zone is one
// line with its count and names, not a wall of lines; and a person the
// zone allows (the site's allow list) raises none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feed } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, shot, startTrackd } from './web.mjs';

let trackd, ingest, browser;

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
	browser = await launch();
});

after(async () => {
	await browser?.close();
	ingest?.close();
	await trackd?.stopClean();
});

test('three intruders in the pharmacy make one line; the pharmacist none', async () => {
	const page = await openPage(browser, trackd.http + '/');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	// Deep inside the pharmacy (x 8-14, y 12.5-22 on the ground floor).
	const inside = (tag, dx) => ({ tag, floor: 'f0', x: 10.5 + dx, y: 17.5 });
	await feed(ingest, [inside('badge-0001', -0.5), inside('badge-0002', 0),
		inside('badge-0003', 0.5), inside('badge-0023', 0.2)], 8);
	await page.waitForSelector('#events li.restricted_entry[data-count="3"]',
		{ state: 'attached', timeout: 10000 });
	const lines = await page.$$eval('#events li.restricted_entry', (els) => els.map((e) => e.textContent));
	assert.equal(lines.length, 1, lines.join('\n'));
	assert.match(lines[0], /restricted entry ×3: .+, .+, .+ in Pharmacy/);
	assert.doesNotMatch(lines[0], /Nora Lindqvist/, 'the pharmacist belongs there');
	const events = (await trackd.get('/api/v1/events?type=restricted_entry')).json();
	const list = events.events ?? events;
	assert.deepEqual([...new Set(list.map((e) => e.tag))].sort(),
		['badge-0001', 'badge-0002', 'badge-0003']);
	await shot(page, 'events.png');
	noErrors(page);
});
